/* coro — one stackful coroutine per task over the epoll loop core.
 *
 * Each task runs the direct-style driver on its own stack:
 *     for (;;) { op = step(t, res); if DONE break; res = perform(op); }
 * where perform either completes at once (data already there, an event
 * already posted) or parks the task in the loop and switches to the
 * scheduler, which switches back with the result. The scheduler is
 * rt_loop_run on the thread that called run(); it and the coroutines share
 * one thread, so nothing is locked (spawn from a step is a plain call).
 *
 * Two switch backends, chosen at create time, same scheduler code:
 *   coro           rt_coro_switch, hand-written assembly (switch_*.S)
 *   coro-ucontext  glibc makecontext/swapcontext, for comparison: it also
 *                  saves and restores the signal mask, a system call per switch.
 *
 * A parking coroutine hands over straight to the next ready one that has
 * already started (one context switch instead of two through the
 * scheduler, as Boost.Fiber does): first to the waiter its own notify woke
 * and held back from the ready queue (Go's runnext; see coro_main), else to
 * the ready queue's head. At most CO_HANDOFF_MAX times in a row while a
 * timer is set or an fd waited on: then it goes back to the scheduler so
 * they are looked at; with neither, nothing needs the scheduler and the
 * hand-overs go on. A task that has not started yet is entered from the
 * scheduler only, because its first switch-in learns the scheduler's stack
 * bounds.
 * Memory: a stack per task (param stack_kib, virtual; a sleeping coroutine
 * touches one or two pages), carved from shared mappings by stack.c. With
 * guard=1 each stack gets a PROT_NONE page below it while the
 * vm.max_map_count budget lasts; stacks carved after that are unguarded
 * and counted in rt_coro.stacks.unguarded (see stack.h): nothing is
 * printed, the run goes on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../loop.h"
#include "../offload.h"
#include "coro.h"
#include "stack.h"
#include "switch.h"

struct coro {
	struct rt_lrec rec; /* first: t->priv points here */
	struct rt_fiber fib;
	struct rt_coro *rt;
	void *stack_lo;
	struct coro *prev, *next; /* live coroutines, so destroy can find them */
	int started, done;
};

/* Direct hand-overs before the scheduler polls timers and fds again, when
 * there are any (co_may_hand_over): a pingpong switches 64 times per look
 * at the loop, a batch of the kind rt_loop_run already makes. */
#define CO_HANDOFF_MAX 64

struct rt_coro {
	struct rt rt;
	struct rt_loop loop;
	enum rt_ctx_kind kind;
	struct rt_fiber sched; /* the thread inside run() */
	struct rt_stack_pool stacks;
	struct coro *live;
	struct coro *exited;   /* finished, waiting for the scheduler to free it */
	unsigned handoffs;     /* direct hand-overs since the scheduler last ran */
	uint64_t mem_floor_kib; /* rt_env's reserve: 0 for none */
	uint64_t spawns;        /* for CO_MEM_CHECK_EVERY */
};

extern const struct runtime rt_coro, rt_coro_ucontext;

static const struct cb_param co_params[] = {
	RT_CORO_STACK_PARAMS,
	RT_OFFLOAD_PARAM,
	{ .name = NULL },
};

static inline struct rt_coro *co_of_loop(struct rt_loop *l)
{
	return (struct rt_coro *)((char *)l - offsetof(struct rt_coro, loop));
}

/* Whether a park may switch straight to another coroutine rather than to
 * the scheduler: within the budget, or past it when nothing needs the
 * scheduler's look (no fd waited on, no timer set; an offload waits on an
 * eventfd, so it counts as an fd). Then rt_loop_run would only pop the
 * ready head and resume it, which a hand-over does in one switch (loop.h's
 * rt_loop_may_hand_over, shared with epoll's ep_resume). */
static inline int co_may_hand_over(struct rt_coro *r)
{
	return rt_loop_may_hand_over(&r->loop, &r->handoffs, CO_HANDOFF_MAX);
}

/* Parks c: switches to next, the task c's notify woke and held (see
 * coro_main), else to the next started, ready coroutine, else to the
 * scheduler. A held task is an event waiter, so it has started (a task
 * waits from its own coroutine): no check. When no hand-over is allowed it
 * goes back to the front of the ready queue first. Returns when something
 * resumes c, with c's task as the resumer passed it (NULL with ucontext). */
static inline struct rt_task *co_park(struct rt_coro *r, enum rt_ctx_kind kind, struct coro *c,
                                      struct coro *next)
{
	if (next) {
		if (co_may_hand_over(r)) {
			r->handoffs++;
			return rt_fiber_switch_arg(kind, &c->fib, &next->fib, next->rec.task);
		}
		/* The scheduler resumes it after its look at timers and fds. */
		rt_loop_unnext(&r->loop, next->rec.task);
		return rt_fiber_switch_arg(kind, &c->fib, &r->sched, NULL);
	}
	struct rt_task *n = co_may_hand_over(r) ? rt_loop_peek_ready(&r->loop) : NULL;
	if (n) {
		struct coro *nc = (struct coro *)n->priv;
		if (nc->started) {
			rt_loop_pop_ready(&r->loop);
			r->handoffs++;
			return rt_fiber_switch_arg(kind, &c->fib, &nc->fib, n);
		}
	}
	return rt_fiber_switch_arg(kind, &c->fib, &r->sched, NULL);
}

/* A coroutine's body: rt_coro_drive's loop, written out here for the
 * switch path a pingpong takes on every hand-over. Its cost is a chain of
 * dependent loads more than instructions: where the next switch goes, then
 * the registers popped from that stack, then the step's loads through
 * them. The switch hands the resumed coroutine its task in a register
 * (rt_coro_switch's arg), so its next step need not wait for the pops.
 *
 * A notify that finds the ready queue empty holds the waiter it woke in
 * next instead of queuing it (Go's runnext): the park that follows
 * switches straight to it, with no push and pop of the ready queue. Held,
 * it is logically the ready queue's head: it was woken when the queue was
 * empty, so everything queued while it is held (a second notify's waiter,
 * a spawn, this coroutine's own yield) is younger and goes behind it, the
 * order queuing it would have given. So a second notify while holding
 * queues its waiter at the back and keeps the first; a yield queues c at
 * the back and switches to next; and where c cannot switch to next it
 * gives it back at the queue's FRONT (rt_loop_unnext): RT_DONE, a park past
 * the hand-over budget. A notify that finds the queue non-empty queues its
 * waiter at the back as before, so a pingpong pair never jumps ahead of
 * tasks already waiting to run.
 *
 * Measured against the code before (queue every wake-up, pop the head at
 * the park), alternating in the same minutes on a shared 2-vCPU AMD EPYC
 * VM under load (load average 2-3): `concbench run --runtime coro
 * --workload pingpong --placement same-core --reps 5`, ns_per_switch, the
 * median of 6 runs' medians, 14.3 -> 12.6 ns (--set min_ms=200: 13.5 ->
 * 12.4), beside the same runs' Boost.Context jump_fcontext at 5.9 ns:
 * 2.3-2.4x -> 2.1x, near 2x but not within it. A bare two-task pingpong
 * through the vtable: 160 -> 145 instructions per switch (callgrind), thread
 * CPU time per switch 11.5-12.3 -> 10.5-11.3 ns (the fastest of 15 runs,
 * five alternations, taskset -c 0).
 *
 * kind is a constant in each of the two copies below (coro_main for the
 * assembly switch, coro_main_uc for ucontext), so a switch tests no
 * backend at run time. The ops are tested in the order a pingpong meets
 * them, notify then wait. */
static inline __attribute__((always_inline)) void coro_body(struct coro *c, enum rt_ctx_kind kind,
                                                            int traced)
{
	struct rt_coro *r = c->rt;

	rt_fiber_entered(&r->sched);
	c->started = 1;
	struct rt_task *t = c->rec.task;
	long res = c->rec.res;
	struct coro *next = NULL; /* woken by our notify, held: see above */
	for (;;) {
		struct rt_op op = rt_step_as(t, res, traced);
		if (op.kind == RT_NOTIFY) {
			if (!next && rt_queue_empty(&r->loop.ready)) {
				struct rt_task *w = rt_loop_notify_next(op.ev, traced);
				if (w)
					next = (struct coro *)w->priv;
			} else {
				rt_loop_notify(&r->loop, op.ev);
			}
			res = 0;
			continue;
		}
		/* res's address goes to the out-of-line ops only (through
		 * other), so the hot path keeps res in a register. */
		int done;
		long other; /* set when done */
		if (op.kind == RT_WAIT)
			done = rt_loop_event_wait(op.ev, t, &res);
		else if (op.kind == RT_DONE)
			break;
		else if ((done = rt_loop_perform_other(&r->loop, t, &op, &other)))
			res = other;
		if (!done) {
			struct rt_task *me = co_park(r, kind, c, next);
			next = NULL;
			/* The same task, in a register; ucontext passes none, the
			 * assembly switch always does. */
			if (kind == RT_CTX_ASM || me)
				t = me;
			res = c->rec.res;
		}
	}
	if (next)
		rt_loop_unnext(&r->loop, next->rec.task);
	c->done = 1;
	r->exited = c;
	rt_fiber_exit_to(kind, &c->fib, &r->sched);
}

/* flatten: gcc's inliner, left to itself, made calls of the event ops or
 * of rt_trace_wake in this path once it was compiled twice (one copy per
 * switch backend). The trace flag is read once for the coroutine's life (a
 * trace starts and stops only while no task runs: trace.h), so the
 * untraced copy tests no flag per step or wake: with pingpong's steps
 * out of their cold paths (pingpong.c), 169 -> 149 instructions a switch
 * (callgrind) and 10.6 -> 9.95 ns a switch in concbench's cell (see
 * README's "How to read it" for the command and Boost beside it). */
__attribute__((flatten)) static void coro_main(void *arg)
{
	if (rt_trace_active())
		coro_body(arg, RT_CTX_ASM, 1);
	else
		coro_body(arg, RT_CTX_ASM, 0);
}

static void coro_main_uc(void *arg)
{
	coro_body(arg, RT_CTX_UCONTEXT, rt_trace_active());
}

/* The coroutine's record lives at the top of its own stack: one stack get
 * per task and no malloc. */
static int coro_new(struct rt_coro *r, struct coro **out)
{
	void *lo;
	int err = rt_stack_get(&r->stacks, &lo);
	if (err)
		return err;
	uintptr_t top = (uintptr_t)lo + r->stacks.usable;
	struct coro *c = (struct coro *)((top - sizeof(struct coro)) & ~(uintptr_t)63);
	c->rt = r;
	c->stack_lo = lo;
	c->started = c->done = 0;
	err = rt_fiber_make(r->kind, &c->fib, lo, (size_t)((char *)c - (char *)lo),
	                    r->kind == RT_CTX_ASM ? coro_main : coro_main_uc, c);
	if (err) {
		rt_stack_put(&r->stacks, lo);
		return err;
	}
	c->prev = NULL;
	c->next = r->live;
	if (r->live)
		r->live->prev = c;
	r->live = c;
	*out = c;
	return 0;
}

static void coro_free(struct rt_coro *r, struct coro *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		r->live = c->next;
	if (c->next)
		c->next->prev = c->prev;
	rt_fiber_destroy(&c->fib);
	rt_stack_put(&r->stacks, c->stack_lo); /* c lives on that stack: last */
}

static void co_resume(struct rt_loop *l, struct rt_task *t, long res)
{
	struct rt_coro *r = co_of_loop(l);
	struct coro *c = (struct coro *)t->priv;
	c->rec.res = res;
	r->handoffs = 0;
	rt_fiber_switch_arg(r->kind, &r->sched, &c->fib, t);
	/* Whoever came back may not be c: c may have handed over to others. */
	struct coro *d = r->exited;
	if (d) {
		struct rt_task *dt = d->rec.task;
		r->exited = NULL;
		coro_free(r, d);
		rt_loop_done(l, dt);
	}
}

static int co_create_kind(struct rt **out, const struct rt_env *env, const int64_t *params,
                          enum rt_ctx_kind kind, const struct runtime *ops)
{
	int64_t stack_kib = params ? params[0] : co_params[0].def;
	int64_t guard = params ? params[1] : co_params[1].def;

	if (kind == RT_CTX_ASM && !RT_CTX_HAVE_ASM)
		return -ENOSYS;
	if (stack_kib < co_params[0].min || stack_kib > co_params[0].max || guard < 0 || guard > 1)
		return -EINVAL;
	int err = rt_offload_size(params ? params[2] : RT_OFFLOAD_THREADS);
	if (err)
		return err;
	struct rt_coro *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = rt_stack_pool_init(&r->stacks, (size_t)stack_kib * 1024, (int)guard);
	if (!err)
		err = rt_loop_init(&r->loop, co_resume);
	if (err) {
		rt_stack_pool_fini(&r->stacks);
		free(r);
		return err;
	}
	r->loop.apart = 1; /* the run's only executor: loop.c's keep_apart */
	r->kind = kind;
	r->rt.ops = ops;
	r->mem_floor_kib = env ? env->mem_floor_kib : 0;
	*out = &r->rt;
	return 0;
}

static int co_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	/* One thread, wherever the harness bound the process. */
	return co_create_kind(out, env, params, RT_CTX_ASM, &rt_coro);
}

static int co_create_uc(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	return co_create_kind(out, env, params, RT_CTX_UCONTEXT, &rt_coro_ucontext);
}

/* How often (in spawns) MemAvailable is checked against rt_env's floor:
 * 4,096 coroutines touch some 32 MiB of stack in between, far inside any
 * floor, and the 1M-task runs read /proc/meminfo 250 times. */
#define CO_MEM_CHECK_EVERY 4096

/* Before run() or from a step, on the loop's thread: no lock. */
static int co_spawn(struct rt *rt, struct rt_task *t)
{
	struct rt_coro *r = (struct rt_coro *)rt;
	struct coro *c;
	if (r->mem_floor_kib && ++r->spawns % CO_MEM_CHECK_EVERY == 0 && !r->loop.stats.err &&
	    rt_mem_available_kib() < r->mem_floor_kib) {
		/* The reserve left to the machine, not the kernel's refusal. */
		rt_loop_fail(&r->loop, -EAGAIN, "memory");
		r->loop.stats.reserve = 1;
		return -EAGAIN;
	}
	int err = coro_new(r, &c);
	if (err) {
		rt_loop_fail(&r->loop, err, err == -ENOMEM ? rt_stack_limit() : "memory");
		return err;
	}
	err = rt_loop_add(&r->loop, t, &c->rec);
	if (err) {
		coro_free(r, c);
		rt_loop_fail(&r->loop, err, "memory");
	}
	return err;
}

static int co_run(struct rt *rt)
{
	struct rt_coro *r = (struct rt_coro *)rt;
	rt_fiber_init_thread(&r->sched);
	return rt_loop_run(&r->loop);
}

/* Coroutines that never finished (a failed run) are dropped with their
 * stacks; their tasks are not released (the workload owns them). */
static void co_destroy(struct rt *rt)
{
	struct rt_coro *r = (struct rt_coro *)rt;
	for (struct coro *c = r->live; c; c = c->next)
		rt_fiber_destroy(&c->fib);
	rt_loop_fini(&r->loop);
	rt_stack_pool_fini(&r->stacks);
	free(r);
}

static int co_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	return rt_loop_event_new(out);
}

static void co_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	rt_loop_event_free(ev);
}

static void co_stats(struct rt *rt, struct rt_stats *out)
{
	*out = ((struct rt_coro *)rt)->loop.stats;
}

static void co_forget_fd(struct rt *rt, int fd)
{
	rt_loop_forget_fd(&((struct rt_coro *)rt)->loop, fd);
}

const struct runtime rt_coro = {
	.name = "coro",
	.desc = "stackful coroutines over an epoll loop, hand-written assembly context switch",
	.params = co_params,
	.cpus = RT_CPUS_ONE,
	.switches = RT_SWITCH_STACK,
	.create = co_create,
	.spawn = co_spawn,
	.run = co_run,
	.destroy = co_destroy,
	.event_new = co_event_new,
	.event_free = co_event_free,
	.stats = co_stats,
	.forget_fd = co_forget_fd,
};

const struct runtime rt_coro_ucontext = {
	.name = "coro-ucontext",
	.desc = "the coro runtime switching with glibc swapcontext (a sigprocmask syscall per switch)",
	.params = co_params,
	.cpus = RT_CPUS_ONE,
	.switches = RT_SWITCH_UCONTEXT,
	.create = co_create_uc,
	.spawn = co_spawn,
	.run = co_run,
	.destroy = co_destroy,
	.event_new = co_event_new,
	.event_free = co_event_free,
	.stats = co_stats,
	.forget_fd = co_forget_fd,
};
