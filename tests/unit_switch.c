/* unit_switch — the coro runtime's context switch (runtimes/coro/switch.h and
 * switch_*.S) and its stack pool (runtimes/coro/stack.c):
 *  - ping-pong between two contexts a million times, both backends (asm and
 *    ucontext), with integer and floating-point locals live across switches;
 *  - every callee-saved register survives a switch, checked by an assembly
 *    helper that loads them with known values on both sides (asm backend);
 *  - each context keeps its own FP rounding mode (MXCSR and x87 control
 *    word on x86-64, FPCR on aarch64);
 *  - deep recursion runs on the coroutine's own stack and survives switching
 *    out from its deepest frame;
 *  - backtraces stay whole when a profiler's signal lands inside the switch
 *    (the CFI of switch_*.S, asm backend);
 *  - stacks: distinct and writable, the guard page faults, freed stacks are
 *    reused, and past the vm.max_map_count budget stacks come unguarded. */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include "runtimes/coro/stack.h"
#include "runtimes/coro/switch.h"

#include "tests/check.h"

#define STACK (1 << 20)
#define XSTR(x) STR(x)
#define STR(x) #x
#define ROUNDS 1000000L

static const char *kname(enum rt_ctx_kind k)
{
	return k == RT_CTX_ASM ? "asm" : "ucontext";
}

/* ---- callee-saved registers across a raw switch ------------------------ */

/* unsigned long test_regs_switch(void **from_sp, void **to_sp, uint64_t seed):
 * loads every callee-saved register with seed + i, switches, and returns a
 * bit per register that came back different. */
unsigned long test_regs_switch(void **from_sp, void **to_sp, uint64_t seed);
#if defined(__x86_64__)
__asm__(
	"	.text\n"
	"	.globl	test_regs_switch\n"
	"	.type	test_regs_switch, @function\n"
	"test_regs_switch:\n"
	"	pushq	%rbp\n"
	"	pushq	%rbx\n"
	"	pushq	%r12\n"
	"	pushq	%r13\n"
	"	pushq	%r14\n"
	"	pushq	%r15\n"
	"	pushq	%rdx\n" /* the seed; 7 pushes leave rsp 16-aligned for the call */
	"	leaq	1(%rdx), %rbx\n"
	"	leaq	2(%rdx), %rbp\n"
	"	leaq	3(%rdx), %r12\n"
	"	leaq	4(%rdx), %r13\n"
	"	leaq	5(%rdx), %r14\n"
	"	leaq	6(%rdx), %r15\n"
	"	call	rt_coro_switch@PLT\n"
	"	movq	(%rsp), %rdx\n"
	"	xorl	%eax, %eax\n"
	"	leaq	1(%rdx), %rcx\n cmpq %rcx, %rbx\n je 1f\n orq $1, %rax\n1:\n"
	"	leaq	2(%rdx), %rcx\n cmpq %rcx, %rbp\n je 1f\n orq $2, %rax\n1:\n"
	"	leaq	3(%rdx), %rcx\n cmpq %rcx, %r12\n je 1f\n orq $4, %rax\n1:\n"
	"	leaq	4(%rdx), %rcx\n cmpq %rcx, %r13\n je 1f\n orq $8, %rax\n1:\n"
	"	leaq	5(%rdx), %rcx\n cmpq %rcx, %r14\n je 1f\n orq $16, %rax\n1:\n"
	"	leaq	6(%rdx), %rcx\n cmpq %rcx, %r15\n je 1f\n orq $32, %rax\n1:\n"
	"	popq	%rdx\n"
	"	popq	%r15\n"
	"	popq	%r14\n"
	"	popq	%r13\n"
	"	popq	%r12\n"
	"	popq	%rbx\n"
	"	popq	%rbp\n"
	"	ret\n"
	"	.size	test_regs_switch, .-test_regs_switch\n");
#define NREGS 6
#elif defined(__aarch64__)
#define CHK(reg, i, bit) \
	"	add	x9, x2, #" #i "\n	cmp	" #reg ", x9\n	b.eq	1f\n	orr	x0, x0, #" #bit "\n1:\n"
#define CHKD(reg, i, bit) \
	"	add	x9, x2, #" #i "\n	fmov	x10, " #reg "\n	cmp	x10, x9\n	b.eq	1f\n" \
	"	orr	x0, x0, #" #bit "\n1:\n"
__asm__(
	"	.text\n"
	"	.globl	test_regs_switch\n"
	"	.type	test_regs_switch, %function\n"
	"test_regs_switch:\n"
	"	stp	x29, x30, [sp, #-176]!\n"
	"	mov	x29, sp\n"
	"	stp	x19, x20, [sp, #16]\n"
	"	stp	x21, x22, [sp, #32]\n"
	"	stp	x23, x24, [sp, #48]\n"
	"	stp	x25, x26, [sp, #64]\n"
	"	stp	x27, x28, [sp, #80]\n"
	"	stp	d8, d9, [sp, #96]\n"
	"	stp	d10, d11, [sp, #112]\n"
	"	stp	d12, d13, [sp, #128]\n"
	"	stp	d14, d15, [sp, #144]\n"
	"	str	x2, [sp, #160]\n"
	"	add	x19, x2, #1\n	add	x20, x2, #2\n	add	x21, x2, #3\n	add	x22, x2, #4\n"
	"	add	x23, x2, #5\n	add	x24, x2, #6\n	add	x25, x2, #7\n	add	x26, x2, #8\n"
	"	add	x27, x2, #9\n	add	x28, x2, #10\n"
	"	add	x9, x2, #11\n	fmov	d8, x9\n	add	x9, x2, #12\n	fmov	d9, x9\n"
	"	add	x9, x2, #13\n	fmov	d10, x9\n	add	x9, x2, #14\n	fmov	d11, x9\n"
	"	add	x9, x2, #15\n	fmov	d12, x9\n	add	x9, x2, #16\n	fmov	d13, x9\n"
	"	add	x9, x2, #17\n	fmov	d14, x9\n	add	x9, x2, #18\n	fmov	d15, x9\n"
	"	bl	rt_coro_switch\n"
	"	ldr	x2, [sp, #160]\n"
	"	mov	x0, #0\n"
	CHK(x19, 1, 1) CHK(x20, 2, 2) CHK(x21, 3, 4) CHK(x22, 4, 8) CHK(x23, 5, 16)
	CHK(x24, 6, 32) CHK(x25, 7, 64) CHK(x26, 8, 128) CHK(x27, 9, 256) CHK(x28, 10, 512)
	CHKD(d8, 11, 1024) CHKD(d9, 12, 2048) CHKD(d10, 13, 4096) CHKD(d11, 14, 8192)
	CHKD(d12, 15, 16384) CHKD(d13, 16, 32768) CHKD(d14, 17, 65536) CHKD(d15, 18, 131072)
	"	ldp	x19, x20, [sp, #16]\n"
	"	ldp	x21, x22, [sp, #32]\n"
	"	ldp	x23, x24, [sp, #48]\n"
	"	ldp	x25, x26, [sp, #64]\n"
	"	ldp	x27, x28, [sp, #80]\n"
	"	ldp	d8, d9, [sp, #96]\n"
	"	ldp	d10, d11, [sp, #112]\n"
	"	ldp	d12, d13, [sp, #128]\n"
	"	ldp	d14, d15, [sp, #144]\n"
	"	ldp	x29, x30, [sp], #176\n"
	"	ret\n"
	"	.size	test_regs_switch, .-test_regs_switch\n");
#define NREGS 18
#else
#define NREGS 0
#endif

/* ---- the ping-pong ----------------------------------------------------- */

struct pp {
	enum rt_ctx_kind k;
	struct rt_fiber main, co;
	long rounds;
	long co_count;
	double co_sum;
	unsigned long bad_regs;
	int fp_bad;
	int raw_regs; /* switch through test_regs_switch */
};

/* A division whose last bit depends on the rounding mode in force. */
__attribute__((noinline)) static double third(void)
{
	volatile double one = 1.0, three = 3.0;
	return one / three;
}

static void pp_switch(struct pp *p, struct rt_fiber *from, struct rt_fiber *to, uint64_t seed)
{
#if RT_CTX_HAVE_ASM
	if (p->raw_regs) {
#ifdef RT_CTX_ASAN
		__sanitizer_start_switch_fiber(&from->asan_fake, to->stack_lo, to->stack_size);
#endif
#ifdef RT_CTX_TSAN
		__tsan_switch_to_fiber(to->tsan, 0);
#endif
		p->bad_regs |= test_regs_switch(&from->ctx.sp, &to->ctx.sp, seed);
#ifdef RT_CTX_ASAN
		__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
		return;
	}
#endif
	(void)seed;
	rt_fiber_switch(p->k, from, to);
}

static void pp_co(void *arg)
{
	struct pp *p = arg;
	rt_fiber_entered(&p->main);
	/* This context rounds upwards; main keeps round-to-nearest. */
	fesetround(FE_UPWARD);
	double up = third();
	double sum = 0.0;
	long a = 7, b = 11, c = 13, d = 17, e = 19, f = 23; /* live across switches */
	for (long i = 0; i < p->rounds; i++) {
		p->co_count++;
		sum += 0.25;
		a += 1, b += 2, c += 3, d += 4, e += 5, f += 6;
		pp_switch(p, &p->co, &p->main, 0x5000000000000000ull + ((uint64_t)i << 8));
		if (fegetround() != FE_UPWARD || third() != up)
			p->fp_bad = 1;
	}
	long n = p->rounds;
	if (a != 7 + n || b != 11 + 2 * n || c != 13 + 3 * n || d != 17 + 4 * n || e != 19 + 5 * n ||
	    f != 23 + 6 * n)
		p->fp_bad |= 2;
	p->co_sum = sum;
	rt_fiber_exit_to(p->k, &p->co, &p->main);
}

static void *stack_map(size_t size)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		FAIL("mmap stack");
	return m;
}

static void test_pingpong(enum rt_ctx_kind k, int raw_regs, long rounds)
{
	struct pp *p = calloc(1, sizeof(*p));
	void *stack = stack_map(STACK);
	p->k = k;
	p->rounds = rounds;
	p->raw_regs = raw_regs;
	rt_fiber_init_thread(&p->main);
	if (rt_fiber_make(k, &p->co, stack, STACK, pp_co, p))
		FAIL("%s: make", kname(k));

	fesetround(FE_TONEAREST);
	double near = third();
	double sum = 0.0;
	long x = 3, y = 5, z = 9;
	for (long i = 0; i <= rounds; i++) { /* the last switch lets it finish */
		pp_switch(p, &p->main, &p->co, 0x1000 + ((uint64_t)i << 8));
		if (i < rounds && p->co_count != i + 1)
			FAIL("%s: round %ld: the coroutine ran %ld times", kname(k), i, p->co_count);
		if (fegetround() != FE_TONEAREST || third() != near)
			FAIL("%s: round %ld: main's rounding mode leaked from the coroutine", kname(k), i);
		sum += 0.5;
		x += 1, y += 2, z += 3;
	}
	long n = rounds + 1;
	if (x != 3 + n || y != 5 + 2 * n || z != 9 + 3 * n || sum != 0.5 * (double)n)
		FAIL("%s: main's locals changed across switches", kname(k));
	if (p->fp_bad & 1)
		FAIL("%s: the coroutine's rounding mode was not kept", kname(k));
	if (p->fp_bad & 2)
		FAIL("%s: the coroutine's locals changed across switches", kname(k));
	if (p->co_sum != 0.25 * (double)rounds)
		FAIL("%s: coroutine FP sum %g", kname(k), p->co_sum);
	if (p->bad_regs)
		FAIL("%s: callee-saved registers clobbered by the switch: mask %#lx", kname(k), p->bad_regs);
	fesetround(FE_UPWARD);
	double up = third();
	fesetround(FE_TONEAREST);
	if (up == near)
		FAIL("the rounding test is blind: nearest and upward agree");
	rt_fiber_destroy(&p->co);
	munmap(stack, STACK);
	free(p);
	printf("%s: %ld round trips%s, locals and FP mode kept\n", kname(k), rounds,
	       raw_regs ? ", all " XSTR(NREGS) " callee-saved registers kept" : "");
}
/* ---- deep recursion on the coroutine stack ----------------------------- */

struct deep {
	enum rt_ctx_kind k;
	struct rt_fiber main, co;
	char *lo, *hi;
	long depth, result;
	int outside;
};

static long recurse(struct deep *d, long n)
{
	volatile char buf[128];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(n + (long)i);
	char *frame = __builtin_frame_address(0); /* buf may live on ASan's fake stack */
	if (frame < d->lo || frame >= d->hi)
		d->outside = 1;
	long r;
	if (n == 0) {
		/* Switch out from the deepest frame and come back. */
		rt_fiber_switch(d->k, &d->co, &d->main);
		r = 0;
	} else {
		r = recurse(d, n - 1) + 1;
	}
	for (size_t i = 0; i < sizeof buf; i++)
		if (buf[i] != (char)(n + (long)i))
			return -1000000;
	return r;
}

static void deep_co(void *arg)
{
	struct deep *d = arg;
	rt_fiber_entered(&d->main);
	d->result = recurse(d, d->depth);
	rt_fiber_exit_to(d->k, &d->co, &d->main);
}

static void test_deep(enum rt_ctx_kind k)
{
	struct deep d = { .k = k, .depth = 2000 };
	d.lo = stack_map(STACK);
	d.hi = d.lo + STACK;
	rt_fiber_init_thread(&d.main);
	if (rt_fiber_make(k, &d.co, d.lo, STACK, deep_co, &d))
		FAIL("%s: make", kname(k));
	rt_fiber_switch(k, &d.main, &d.co); /* runs down to the bottom */
	rt_fiber_switch(k, &d.main, &d.co); /* unwinds and finishes */
	if (d.outside)
		FAIL("%s: a recursion frame was not on the coroutine stack", kname(k));
	if (d.result != d.depth)
		FAIL("%s: recursion returned %ld, want %ld", kname(k), d.result, d.depth);
	rt_fiber_destroy(&d.co);
	munmap(d.lo, STACK);
	printf("%s: recursion %ld frames deep on a %d KiB coroutine stack, switched out at the bottom\n",
	       kname(k), d.depth, STACK / 1024);
}

/* ---- backtraces from inside the switch --------------------------------- */

/* A profiler samples by signal and unwinds from wherever the thread was,
 * half the time inside rt_coro_switch in a pingpong. SIGPROF interrupts two
 * contexts that only switch back and forth; each sample inside the switch
 * must unwind (by its CFI, through the signal frame) to the caller of one of
 * the two spinning functions and end cleanly. Samples elsewhere are not
 * judged: their CFI is the compiler's or the sanitizer runtime's. */
static struct unw {
	struct rt_fiber main, co;
	uintptr_t want[2];      /* return addresses into the spinners' callers */
	volatile int stop;
	volatile long in_switch, whole, other;
} U;

struct unw_walk {
	int found, depth;
};

static _Unwind_Reason_Code unw_frame(struct _Unwind_Context *uc, void *arg)
{
	struct unw_walk *w = arg;
	uintptr_t ip = _Unwind_GetIP(uc);
	if (ip == U.want[0] || ip == U.want[1])
		w->found = 1;
	return ++w->depth > 256 ? _URC_NORMAL_STOP : _URC_NO_REASON;
}

static void unw_on_prof(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
#if defined(__x86_64__)
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.pc;
#else
	uintptr_t pc = 0;
#endif
	/* rt_coro_trampoline follows the switch in the same section. */
	if (pc < (uintptr_t)rt_coro_switch || pc >= (uintptr_t)rt_coro_trampoline) {
		U.other++;
		return;
	}
	struct unw_walk w = { 0, 0 };
	_Unwind_Reason_Code rc = _Unwind_Backtrace(unw_frame, &w);
	U.in_switch++;
	if (rc == _URC_END_OF_STACK && w.found)
		U.whole++;
}

static uint64_t unw_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Side 0 (the thread's own stack) decides when to stop: once 20 samples
 * landed inside the switch (some 30 ms), or after 1 s, since sanitizers
 * may defer signals to safe points outside it. */
__attribute__((noinline)) static void unw_spin(int side)
{
	U.want[side] = (uintptr_t)__builtin_return_address(0);
	uint64_t t0 = side ? 0 : unw_now_ns();
	for (unsigned long i = 1; !U.stop; i++) {
		if (side) {
			rt_fiber_switch(RT_CTX_ASM, &U.co, &U.main);
			continue;
		}
		rt_fiber_switch(RT_CTX_ASM, &U.main, &U.co);
		if (i % 1024 == 0 && (U.in_switch >= 20 || unw_now_ns() - t0 > 1000000000ull))
			U.stop = 1;
	}
}

static void unw_co(void *arg)
{
	(void)arg;
	rt_fiber_entered(&U.main);
	unw_spin(1);
	rt_fiber_exit_to(RT_CTX_ASM, &U.co, &U.main);
}

static void test_unwind(void)
{
	void *stack = stack_map(STACK);
	rt_fiber_init_thread(&U.main);
	if (rt_fiber_make(RT_CTX_ASM, &U.co, stack, STACK, unw_co, NULL))
		FAIL("asm: make");
	if ((uintptr_t)rt_coro_trampoline <= (uintptr_t)rt_coro_switch)
		FAIL("rt_coro_trampoline does not follow rt_coro_switch: the sample filter is blind");
	struct sigaction sa = { .sa_sigaction = unw_on_prof, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL))
		FAIL("sigaction SIGPROF");
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }; /* a sample per ms of CPU */
	setitimer(ITIMER_PROF, &it, NULL);
	unw_spin(0);
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_PROF, &it, NULL);
	rt_fiber_switch(RT_CTX_ASM, &U.main, &U.co); /* lets it leave */
	signal(SIGPROF, SIG_DFL);
	rt_fiber_destroy(&U.co);
	munmap(stack, STACK);
	if (U.whole != U.in_switch)
		FAIL("asm: %ld of %ld backtraces from inside the switch were broken", U.in_switch - U.whole,
		     U.in_switch);
	if (U.in_switch == 0)
		printf("asm: backtraces: no sample landed inside the switch (%ld elsewhere), not judged\n",
		       U.other);
	else
		printf("asm: %ld backtraces from inside the switch, all whole (%ld samples elsewhere)\n",
		       U.in_switch, U.other);
}

/* ---- the stack pool ---------------------------------------------------- */

static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;
	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void test_stacks(void)
{
	struct rt_stack_pool p;
	enum { N = 600 }; /* more than two chunks */
	static void *s[N];

	if (rt_stack_pool_init(&p, 64 * 1024, 1))
		FAIL("pool init");
	for (int i = 0; i < N; i++) {
		if (rt_stack_get(&p, &s[i]))
			FAIL("stack %d", i);
		memset(s[i], 0xA5, p.usable); /* all of it is ours */
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (i != j && (char *)s[i] < (char *)s[j] + p.usable && (char *)s[j] < (char *)s[i] + p.usable)
				FAIL("stacks %d and %d overlap", i, j);
	if (p.guarded != N || p.unguarded)
		FAIL("guarded %zu unguarded %zu of %d", p.guarded, p.unguarded, N);

	/* The page below a guarded stack faults. */
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = SIG_DFL };
		sigaction(SIGSEGV, &sa, NULL);
		((volatile char *)s[N / 2])[-1] = 1;
		_exit(0);
	}
	if (pid < 0)
		FAIL("fork");
	int st = t_wait(pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
		FAIL("writing below a guarded stack did not fault (status %#x)", st);

	/* LIFO reuse: the last stack freed comes back first, no new memory. */
	size_t chunks = p.nchunks;
	rt_stack_put(&p, s[3]);
	rt_stack_put(&p, s[7]);
	void *a, *b;
	if (rt_stack_get(&p, &a) || rt_stack_get(&p, &b) || a != s[7] || b != s[3] || p.nchunks != chunks)
		FAIL("freed stacks were not reused");
	rt_stack_pool_fini(&p);

	/* Past the mapping budget stacks come unguarded, and the process keeps
	 * room under vm.max_map_count. */
	if (rt_stack_pool_init(&p, 16 * 1024, 1))
		FAIL("pool init");
	size_t budget = p.guard_budget, n = budget + 2000;
	for (size_t i = 0; i < n; i++) {
		void *lo;
		if (rt_stack_get(&p, &lo))
			FAIL("stack %zu of %zu: %s", i, n, rt_stack_limit());
		((volatile char *)lo)[p.usable - 1] = 1;
	}
	long maps = count_maps();
	if (p.guarded != budget || p.unguarded != 2000)
		FAIL("budget %zu: guarded %zu unguarded %zu", budget, p.guarded, p.unguarded);
	printf("stacks: %d distinct, guard page faults, LIFO reuse; %zu guarded then %zu unguarded "
	       "in %zu chunks, %ld mappings in the process\n",
	       N, p.guarded, p.unguarded, p.nchunks, maps);
	rt_stack_pool_fini(&p);
}

int main(void)
{
#if RT_CTX_HAVE_ASM
	test_pingpong(RT_CTX_ASM, 0, ROUNDS);
	test_pingpong(RT_CTX_ASM, 1, ROUNDS);
	test_deep(RT_CTX_ASM);
	test_unwind();
#else
	printf("asm: no switch for this architecture, skipped\n");
#endif
	test_pingpong(RT_CTX_UCONTEXT, 0, ROUNDS / 10);
	test_deep(RT_CTX_UCONTEXT);
	test_stacks();
	return 0;
}
