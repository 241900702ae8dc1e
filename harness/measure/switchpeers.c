/* switchpeers.c — the raw stack switch beside its peers, with no scheduler
 * around it: the coro runtime's hand-written switch (runtimes/coro/
 * switch_*.S), glibc's swapcontext (what coro-ucontext uses) and, when
 * libboost-context-dev was installed at build time, Boost.Context's
 * jump_fcontext. Two contexts pass control back and forth on one CPU, both
 * from the same loop; the figure is ns per one-direction switch.
 *
 * The Boost peer is C: jump_fcontext and make_fcontext have C linkage in
 * libboost_context (extern "C" in boost/context/detail/fcontext.hpp), and
 * transfer_t is two pointers, returned in rax:rdx (x86-64) or x0:x1
 * (AArch64) exactly as the C struct below is. It links the static archive
 * (CMakeLists.txt), so the binary does not need the package to start.
 *
 * This file reaches below the runtime registry into runtimes/coro/switch.h:
 * what it measures is the switch itself, which no runtime exposes.
 */
#define _GNU_SOURCE /* sched_getcpu, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "measure.h"
#include "../../runtimes/coro/switch.h"

#ifdef CB_HAVE_BOOST_CONTEXT
typedef void *fcontext_t;
typedef struct {
	fcontext_t fctx;
	void *data;
} transfer_t;
transfer_t jump_fcontext(fcontext_t const to, void *vp);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));
#endif

#define PEER_STACK (64 * 1024)
#define PEER_REGIONS 3                    /* the fastest of these is kept */

/* The two sides of one peer. The stack stays mapped while the peer runs;
 * the other side is the calling thread's own stack. */
static struct peer {
	enum rt_ctx_kind kind;
	struct rt_fiber main, co;
	volatile int stop;
#ifdef CB_HAVE_BOOST_CONTEXT
	fcontext_t boost; /* the side that is switched out */
#endif
} P;

/* ---- the asm and ucontext sides: switch.h's fibers, whose switch is the
 * bare rt_coro_switch or swapcontext outside sanitizer builds ----
 *
 * Both sides run the same loop, so both switch from one call site, as two
 * coroutines handing over to each other in the coro runtime do: a switch
 * that returns with `ret` is then predicted by the return stack (from two
 * different sites it would be mispredicted every time, see
 * switch_x86_64.S). The kind is a constant in each copy, so the asm one
 * compiles to a plain call of rt_coro_switch per switch. */

__attribute__((noinline)) static void side_asm(struct rt_fiber *self, struct rt_fiber *other,
                                               uint64_t n)
{
	for (uint64_t i = 0; i < n && !P.stop; i++)
		rt_fiber_switch(RT_CTX_ASM, self, other);
}

__attribute__((noinline)) static void side_uc(struct rt_fiber *self, struct rt_fiber *other,
                                              uint64_t n)
{
	for (uint64_t i = 0; i < n && !P.stop; i++)
		rt_fiber_switch(RT_CTX_UCONTEXT, self, other);
}

static void fiber_co(void *arg)
{
	(void)arg;
	rt_fiber_entered(&P.main);
	if (P.kind == RT_CTX_ASM)
		side_asm(&P.co, &P.main, UINT64_MAX);
	else
		side_uc(&P.co, &P.main, UINT64_MAX);
	rt_fiber_exit_to(P.kind, &P.co, &P.main);
}

/* n round trips: 2n switches. */
static void rounds_asm(uint64_t n)
{
	side_asm(&P.main, &P.co, n);
}

static void rounds_uc(uint64_t n)
{
	side_uc(&P.main, &P.co, n);
}

/* ---- the Boost side ---- */

#ifdef CB_HAVE_BOOST_CONTEXT
/* The same sanitizer annotations as rt_fiber_switch, around jump_fcontext;
 * nothing at all outside sanitizer builds. gone: `from` never runs again. */
static inline void boost_jump(struct rt_fiber *from, struct rt_fiber *to, int gone)
{
#ifdef RT_CTX_ASAN
	__sanitizer_start_switch_fiber(gone ? NULL : &from->asan_fake, to->stack_lo, to->stack_size);
#endif
#ifdef RT_CTX_TSAN
	__tsan_switch_to_fiber(to->tsan, 0);
#endif
	(void)from;
	(void)to;
	(void)gone;
	P.boost = jump_fcontext(P.boost, NULL).fctx;
#ifdef RT_CTX_ASAN
	if (!gone)
		__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
}

/* One loop for both sides, as above. */
__attribute__((noinline)) static void side_boost(struct rt_fiber *self, struct rt_fiber *other,
                                                 uint64_t n)
{
	for (uint64_t i = 0; i < n && !P.stop; i++)
		boost_jump(self, other, 0);
}

static void boost_co(transfer_t t)
{
	P.boost = t.fctx;
	rt_fiber_entered(&P.main);
	side_boost(&P.co, &P.main, UINT64_MAX);
	boost_jump(&P.co, &P.main, 1);
	__builtin_trap(); /* never resumed */
}

static void rounds_boost(uint64_t n)
{
	side_boost(&P.main, &P.co, n);
}
#endif

/* ---- timing ---- */

/* The thread's CPU time, not the wall clock: on a CPU shared with other
 * processes their time slices would count as switch time. Read at the ends
 * of a region only (it is a system call). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Each timed region lasts at least this: the caller's choice (the run's
 * calibration box, 100 ms unless the tests shorten it). */
static uint64_t region_ns;

/* ns per switch of the fastest of PEER_REGIONS regions of at least
 * region_ns each, after a calibration that also warms the caches and the
 * predictors. */
static double time_rounds(void (*rounds)(uint64_t), uint64_t *switches)
{
	*switches = 0;
	uint64_t n = 1000, t;
	for (;;) {
		uint64_t t0 = cpu_ns();
		rounds(n);
		t = cpu_ns() - t0;
		if (t >= region_ns / 10 || n >= (1ull << 40))
			break;
		n *= 2;
	}
	/* 10% over the estimate, so the region is not cut short. */
	n = (uint64_t)((double)n * 1.1 * (double)region_ns / (double)(t ? t : 1)) + 1;
	double best = -1;
	for (int r = 0, tries = 0; r < PEER_REGIONS && tries < 4 * PEER_REGIONS; tries++) {
		uint64_t t0 = cpu_ns();
		rounds(n);
		t = cpu_ns() - t0;
		if (t < region_ns) { /* faster than calibrated: longer, again */
			n = (uint64_t)((double)n * 1.1 * (double)region_ns / (double)(t ? t : 1)) + 1;
			continue;
		}
		double ns = (double)t / (2.0 * (double)n);
		if (best < 0 || ns < best) {
			best = ns;
			*switches = 2 * n;
		}
		r++;
	}
	return best;
}

static void *stack_new(void)
{
	void *m = mmap(NULL, PEER_STACK, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

static void row_missing(struct h_switch_peer *row, const char *why)
{
	row->ns = -1;
	row->switches = 0;
	snprintf(row->why, sizeof row->why, "%s", why);
}

static void measure_fiber(struct h_switch_peer *row, enum rt_ctx_kind kind)
{
	void *stack = stack_new();
	if (!stack) {
		row_missing(row, "no memory for a stack");
		return;
	}
	memset(&P, 0, sizeof P);
	P.kind = kind;
	rt_fiber_init_thread(&P.main);
	if (rt_fiber_make(kind, &P.co, stack, PEER_STACK, fiber_co, NULL)) {
		row_missing(row, "could not make a context");
	} else {
		row->ns = time_rounds(kind == RT_CTX_ASM ? rounds_asm : rounds_uc, &row->switches);
		if (row->ns < 0)
			row_missing(row, "no timed region reached its length");
		P.stop = 1;
		rt_fiber_switch(kind, &P.main, &P.co); /* lets it leave */
		rt_fiber_destroy(&P.co);
	}
	rt_fiber_stack_unmap(stack, PEER_STACK);
}

#ifdef CB_HAVE_BOOST_CONTEXT
static void measure_boost(struct h_switch_peer *row)
{
	void *stack = stack_new();
	if (!stack) {
		row_missing(row, "no memory for a stack");
		return;
	}
	memset(&P, 0, sizeof P);
	rt_fiber_init_thread(&P.main);
	/* The fiber carries only the sanitizers' view of the stack; the
	 * context itself is Boost's. */
	P.co.stack_lo = stack;
	P.co.stack_size = PEER_STACK;
#ifdef RT_CTX_TSAN
	P.co.tsan = __tsan_create_fiber(0);
#endif
	P.boost = make_fcontext((char *)stack + PEER_STACK, PEER_STACK, boost_co);
	row->ns = time_rounds(rounds_boost, &row->switches);
	if (row->ns < 0)
		row_missing(row, "no timed region reached its length");
	P.stop = 1;
	boost_jump(&P.main, &P.co, 0); /* it leaves for good */
	rt_fiber_destroy(&P.co);
	rt_fiber_stack_unmap(stack, PEER_STACK);
}
#endif

int h_switch_peers(int cpu, uint64_t region_ms, struct h_switch_peers *out)
{
	cpu_set_t old, one;
	memset(out, 0, sizeof *out);
	if (region_ms < 1 || region_ms > 10000)
		return -EINVAL;
	region_ns = region_ms * 1000000ull;
	out->region_ms = region_ms;
	if (sched_getaffinity(0, sizeof old, &old) < 0)
		return -errno;
	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &old))
		return -EINVAL;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) < 0)
		return -errno;
	out->cpu = cpu;

	struct h_switch_peer *r = out->row;
	r[H_PEER_ASM].name = "asm";
	r[H_PEER_ASM].what = "concbench's hand-written switch (runtimes/coro/switch_*.S)";
#if RT_CTX_HAVE_ASM
	measure_fiber(&r[H_PEER_ASM], RT_CTX_ASM);
#else
	row_missing(&r[H_PEER_ASM], "no hand-written switch for this architecture");
#endif
	r[H_PEER_UCONTEXT].name = "ucontext";
	r[H_PEER_UCONTEXT].what = "glibc swapcontext (saves the signal mask: a system call)";
	measure_fiber(&r[H_PEER_UCONTEXT], RT_CTX_UCONTEXT);
	r[H_PEER_BOOST].name = "boost-fcontext";
	r[H_PEER_BOOST].what = "Boost.Context jump_fcontext (libboost-context-dev)";
#ifdef CB_HAVE_BOOST_CONTEXT
	measure_boost(&r[H_PEER_BOOST]);
#else
	row_missing(&r[H_PEER_BOOST], "Boost.Context (libboost-context-dev) not installed at build time");
#endif

	sched_setaffinity(0, sizeof old, &old);
	return 0;
}
