/* switch.h — stack switching for the coro runtime, two backends behind one
 * inline API, each switch annotated for ASan and TSan.
 *
 *   RT_CTX_ASM       rt_coro_switch (switch_x86_64.S, switch_aarch64.S):
 *                    saves the callee-saved registers on the current stack,
 *                    swaps stack pointers, restores, returns. No syscall.
 *   RT_CTX_UCONTEXT  glibc swapcontext: saves every register and the signal
 *                    mask, so each switch makes a sigprocmask system call.
 *
 * A fiber is a context plus what the sanitizers need to know about its stack.
 * A fiber's function must never return: it ends with rt_fiber_exit_to().
 */
#ifndef CONCBENCH_CORO_SWITCH_H
#define CONCBENCH_CORO_SWITCH_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

#if defined(__x86_64__) || defined(__aarch64__)
#define RT_CTX_HAVE_ASM 1
#else
#define RT_CTX_HAVE_ASM 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define RT_CTX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_CTX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define RT_CTX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RT_CTX_TSAN 1
#endif
#endif

#ifdef RT_CTX_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef RT_CTX_TSAN
#include <sanitizer/tsan_interface.h>
#endif

enum rt_ctx_kind { RT_CTX_ASM, RT_CTX_UCONTEXT };

/* Unmaps a fiber's stack. Under ASan the redzones of the frames that never
 * returned (a fiber leaves by switching away) stay poisoned in the shadow
 * after munmap; a later mapping at that address (a forked cell's io_uring
 * ring, after the calibration's fibers) then read as a stack overflow. */
static inline void rt_fiber_stack_unmap(void *lo, size_t size)
{
#ifdef RT_CTX_ASAN
	ASAN_UNPOISON_MEMORY_REGION(lo, size);
#endif
	munmap(lo, size);
}

struct rt_ctx {
	union {
		void *sp;      /* RT_CTX_ASM: the saved stack pointer; the registers are on that stack */
		ucontext_t uc; /* RT_CTX_UCONTEXT: ~1 KiB, registers, FP state and signal mask */
	};
};

/* Saves the current context (callee-saved registers, FP control, return
 * address) on the current stack and its stack pointer in *from_sp, then
 * resumes the context whose stack pointer is *to_sp. */
void rt_coro_switch(void **from_sp, void **to_sp);
/* The same code (one more name for it), where arg is what the switch
 * returns in the context it resumes (Boost.Context's transfer_t does the
 * same): a value the resumed side has in a register at once, while the
 * registers it restores come from its stack, loads that wait for the load
 * of *to_sp (coro passes the resumed coroutine's task: see coro.c). A
 * separate name because a caller of rt_coro_switch that sets no arg keeps
 * the code it had: the raw switch's micro-benchmark (switchpeers.c)
 * measured 5.9 ns per switch with it and 12.7 with an extra `xor edx`
 * before each call (code placement, one CPU of a 2-vCPU AMD EPYC VM). */
void *rt_coro_switch_arg(void **from_sp, void **to_sp, void *arg);
/* Where a fresh context first "returns" to: calls fn(arg) from the
 * registers rt_ctx_make_asm seeded, and traps if fn ever returns. */
void rt_coro_trampoline(void);

#if RT_CTX_HAVE_ASM
/* Lays out a first frame below top exactly as rt_coro_switch leaves a saved
 * one, so the first switch "returns" into rt_coro_trampoline. A fresh
 * context starts with the default FP environment (round to nearest, all
 * exceptions masked). */
static inline void rt_ctx_make_asm(struct rt_ctx *c, void *top, void (*fn)(void *), void *arg)
{
	uint64_t *f = (uint64_t *)((uintptr_t)top & ~(uintptr_t)15);
#if defined(__x86_64__)
	/* low → high: mxcsr|fcw, r15, r14, r13, r12, rbx, rbp, return address */
	f -= 8;
	f[0] = (uint64_t)0x037F << 32 | 0x1F80;
	f[1] = f[2] = f[5] = f[6] = 0;
	f[3] = (uintptr_t)fn;  /* r13 */
	f[4] = (uintptr_t)arg; /* r12 */
	f[7] = (uintptr_t)rt_coro_trampoline;
#else
	/* low → high: x19..x28, x29, x30, d8..d15, fpcr, pad */
	f -= 22;
	for (int i = 0; i < 22; i++)
		f[i] = 0;
	f[0] = (uintptr_t)arg; /* x19 */
	f[1] = (uintptr_t)fn;  /* x20 */
	f[11] = (uintptr_t)rt_coro_trampoline; /* x30 */
#endif
	c->sp = f;
}
#endif

/* makecontext passes int arguments only, so the pointers travel in halves. */
static inline void rt_ctx_uc_entry(unsigned fh, unsigned fl, unsigned ah, unsigned al)
{
	void (*fn)(void *) = (void (*)(void *))(uintptr_t)((uint64_t)fh << 32 | fl);
	fn((void *)(uintptr_t)((uint64_t)ah << 32 | al));
	__builtin_trap(); /* a fiber function must not return */
}

static inline int rt_ctx_make(enum rt_ctx_kind k, struct rt_ctx *c, void *lo, size_t size,
                              void (*fn)(void *), void *arg)
{
	if (k == RT_CTX_ASM) {
#if RT_CTX_HAVE_ASM
		rt_ctx_make_asm(c, (char *)lo + size, fn, arg);
		return 0;
#else
		return -ENOSYS;
#endif
	}
	if (getcontext(&c->uc) < 0)
		return -errno;
	c->uc.uc_stack.ss_sp = lo;
	c->uc.uc_stack.ss_size = size;
	c->uc.uc_link = NULL;
	uint64_t p = (uintptr_t)fn, a = (uintptr_t)arg;
	makecontext(&c->uc, (void (*)(void))rt_ctx_uc_entry, 4, (unsigned)(p >> 32), (unsigned)p,
	            (unsigned)(a >> 32), (unsigned)a);
	return 0;
}

static inline void rt_ctx_swap(enum rt_ctx_kind k, struct rt_ctx *from, struct rt_ctx *to)
{
#if RT_CTX_HAVE_ASM
	if (k == RT_CTX_ASM) {
		rt_coro_switch(&from->sp, &to->sp);
		return;
	}
#endif
	(void)k;
	swapcontext(&from->uc, &to->uc);
}

/* As rt_ctx_swap; returns the arg of the switch that resumed `from`, NULL
 * with ucontext, which has no way to pass it. */
static inline void *rt_ctx_swap_arg(enum rt_ctx_kind k, struct rt_ctx *from, struct rt_ctx *to,
                                    void *arg)
{
#if RT_CTX_HAVE_ASM
	if (k == RT_CTX_ASM)
		return rt_coro_switch_arg(&from->sp, &to->sp, arg);
#endif
	(void)arg;
	rt_ctx_swap(k, from, to);
	return NULL;
}

struct rt_fiber {
	struct rt_ctx ctx;
	const void *stack_lo; /* for ASan; NULL for a thread's own stack until learned */
	size_t stack_size;
	void *asan_fake;      /* ASan's fake stack of this fiber while switched out */
	void *tsan;           /* TSan's fiber */
};

/* The calling thread's own stack, as the fiber others switch back to. */
static inline void rt_fiber_init_thread(struct rt_fiber *f)
{
	f->stack_lo = NULL;
	f->stack_size = 0;
	f->asan_fake = NULL;
	f->tsan = NULL;
#ifdef RT_CTX_TSAN
	f->tsan = __tsan_get_current_fiber();
#endif
}

/* A fiber that runs fn(arg) on [lo, lo + size) from its first switch-in. */
static inline int rt_fiber_make(enum rt_ctx_kind k, struct rt_fiber *f, void *lo, size_t size,
                                void (*fn)(void *), void *arg)
{
	int err = rt_ctx_make(k, &f->ctx, lo, size, fn, arg);
	if (err)
		return err;
	f->stack_lo = lo;
	f->stack_size = size;
	f->asan_fake = NULL;
	f->tsan = NULL;
#ifdef RT_CTX_TSAN
	f->tsan = __tsan_create_fiber(0);
#endif
	return 0;
}

/* Frees what the sanitizers keep for a made fiber (nothing otherwise).
 * Never for the running fiber. */
static inline void rt_fiber_destroy(struct rt_fiber *f)
{
#ifdef RT_CTX_TSAN
	if (f->tsan)
		__tsan_destroy_fiber(f->tsan);
	f->tsan = NULL;
#else
	(void)f;
#endif
}

/* The first thing a fiber's function does: completes the switch that
 * started it and learns the stack of the fiber it came from (the only way
 * to know a thread's own stack bounds). */
static inline void rt_fiber_entered(struct rt_fiber *from)
{
#ifdef RT_CTX_ASAN
	const void *lo;
	size_t size;
	__sanitizer_finish_switch_fiber(NULL, &lo, &size);
	if (!from->stack_lo) {
		from->stack_lo = lo;
		from->stack_size = size;
	}
#else
	(void)from;
#endif
}

/* The sanitizers' side of a switch from `from` to `to`, and of coming back
 * to `from` (ASan's fiber stacks, TSan's fibers). */
static inline void rt_fiber_leave(struct rt_fiber *from, struct rt_fiber *to)
{
#ifdef RT_CTX_ASAN
	__sanitizer_start_switch_fiber(&from->asan_fake, to->stack_lo, to->stack_size);
#endif
#ifdef RT_CTX_TSAN
	__tsan_switch_to_fiber(to->tsan, 0);
#endif
	(void)from;
	(void)to;
}
static inline void rt_fiber_back(struct rt_fiber *from)
{
#ifdef RT_CTX_ASAN
	__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
	(void)from;
}

/* Runs `to` until something switches back to `from`. */
static inline void rt_fiber_switch(enum rt_ctx_kind k, struct rt_fiber *from, struct rt_fiber *to)
{
	rt_fiber_leave(from, to);
	rt_ctx_swap(k, &from->ctx, &to->ctx);
	rt_fiber_back(from);
}

/* As rt_fiber_switch; returns the arg of the switch back (rt_ctx_swap_arg). */
static inline void *rt_fiber_switch_arg(enum rt_ctx_kind k, struct rt_fiber *from,
                                        struct rt_fiber *to, void *arg)
{
	rt_fiber_leave(from, to);
	void *got = rt_ctx_swap_arg(k, &from->ctx, &to->ctx, arg);
	rt_fiber_back(from);
	return got;
}

/* As rt_fiber_switch, for a fiber that may be resumed from another thread
 * (coro-steal): a scheduler that resumes it sets *learn to its own fiber
 * first (another coroutine handing over sets it to NULL), and that fiber
 * learns here the bounds of its stack (a worker thread's), which only
 * ASan's finish call reports, so later switches to it are annotated with
 * the right stack. */
static inline void rt_fiber_switch_learn(enum rt_ctx_kind k, struct rt_fiber *from, struct rt_fiber *to,
                                         struct rt_fiber *const *learn)
{
	rt_fiber_leave(from, to);
	rt_ctx_swap(k, &from->ctx, &to->ctx);
#ifdef RT_CTX_ASAN
	const void *lo;
	size_t size;
	__sanitizer_finish_switch_fiber(from->asan_fake, &lo, &size);
	struct rt_fiber *b = *learn;
	if (b && !b->stack_lo) {
		b->stack_lo = lo;
		b->stack_size = size;
	}
#else
	(void)learn;
#endif
}

/* Leaves `from` for good: ASan drops its fake stack. */
__attribute__((noreturn)) static inline void rt_fiber_exit_to(enum rt_ctx_kind k, struct rt_fiber *from,
                                                              struct rt_fiber *to)
{
#ifdef RT_CTX_ASAN
	__sanitizer_start_switch_fiber(NULL, to->stack_lo, to->stack_size);
#endif
#ifdef RT_CTX_TSAN
	__tsan_switch_to_fiber(to->tsan, 0);
#endif
	rt_ctx_swap(k, &from->ctx, &to->ctx);
	__builtin_unreachable();
}

/* A stack given back for reuse may still carry ASan poison from frames
 * that never returned (the fiber switched away from inside them). */
static inline void rt_fiber_stack_clean(void *lo, size_t size)
{
#ifdef RT_CTX_ASAN
	ASAN_UNPOISON_MEMORY_REGION(lo, size);
#else
	(void)lo;
	(void)size;
#endif
}

#endif
