/* coro-steal — stackful coroutines (runtimes/coro/'s switch and stacks)
 * over the work-stealing scheduler of runtimes/steal.c: Go's model. A task
 * runs the direct-style driver on its own stack, and whichever worker takes
 * it from a queue switches into it, so a coroutine parked on one worker may
 * resume on another (it migrates with its stack).
 *
 * Parking: the coroutine first tries its op on its own stack (data already
 * there, a posted event, a notify); if it must wait it stores the op and
 * switches to its worker's scheduler, which registers the wait only then
 * (rt_steal_perform), so no other worker can resume a stack still in use.
 * When the next task is a started coroutine in the worker's LIFO slot, the
 * parking one hands over to it directly (one switch, as coro does) and the
 * next one registers the wait on resuming; else through the scheduler (two
 * switches). A coroutine is entered for the first time from a scheduler
 * only: its first switch-in learns that scheduler's stack (for ASan).
 *
 * Sanitizers: each worker's scheduler is a fiber of its own thread (TSan's
 * current fiber there, ASan's bounds learned on the first switch back from
 * it, see rt_fiber_switch_learn), and a coroutine resuming on another worker
 * switches back to that worker's scheduler, recorded in c->back by the
 * worker that resumed it. Stacks: a pool per worker (stack.c), a stack
 * freed on another worker joins that worker's pool; coroutines still parked
 * when a failed run ends are dropped with their stacks (under TSan their
 * fibers are not freed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../steal.h"
#include "../offload.h"
#include "../coro/coro.h"
#include "../coro/stack.h"
#include "../coro/switch.h"

struct cs_coro {
	struct rt_lrec rec; /* first: t->priv points here */
	struct rt_fiber fib;
	struct rt_fiber *back;  /* the scheduler fiber of the worker running it */
	struct rt_fiber *learn; /* back when the scheduler resumed it, NULL on a hand-over */
	struct rt_sworker *w;   /* that worker */
	void *stack_lo;
	int started;
};

/* Direct hand-overs before the worker's scheduler runs again (timers, the
 * injector, the reactor), as coro's CO_HANDOFF_MAX. */
#define CS_HANDOFF_MAX 64

struct cs_wk {
	struct rt_fiber sched;
	struct rt_stack_pool stacks;
	struct cs_coro *exited;
	struct cs_coro *pending; /* switched out to park: its wait is not registered yet */
	/* pending's op, on pending's stack (rt_coro_drive's local): that stack
	 * stays as it is until pending is resumed, which only its registration
	 * makes possible, and perform copies what outlives it (an fd wait's op
	 * into the record). Copying the op into the record here instead read
	 * the step's freshly returned struct back in wider loads than it was
	 * written with, a store-forwarding stall on every park (perf put 40% of
	 * cs_main's samples on it). */
	const struct rt_op *pending_op;
	unsigned handoffs;
	pthread_t thr; /* the thread sched belongs to (a new one each run) */
	int inited;
} __attribute__((aligned(64)));

struct rt_corosteal {
	struct rt rt;
	struct rt_steal s;
	struct cs_wk *wk;
	int nwk;
	uint64_t mem_floor_kib;
	_Atomic uint64_t spawns;
};

extern const struct runtime rt_coro_steal;

static const struct cb_param cs_params[] = {
	{ "workers", "threads", "worker threads, each with its own run queue; idle ones steal (0: one per CPU)",
	  0, 0, RT_STEAL_WORKERS_MAX },
	RT_CORO_STACK_PARAMS,
	RT_OFFLOAD_PARAM,
	RT_STEAL_REACTOR_PARAM,
	{ .name = NULL },
};

/* Registers the wait of the coroutine that switched out to park on w: run
 * by whatever runs next there (the scheduler, or the coroutine it handed
 * over to), once the parked stack is no longer in use. */
static void cs_complete_pending(struct rt_sworker *w)
{
	struct cs_wk *k = w->user;
	struct cs_coro *p = k->pending;
	if (!p)
		return;
	k->pending = NULL;
	long res;
	if (rt_steal_perform(w, p->rec.task, k->pending_op, &res)) {
		p->rec.res = res; /* completed after all: runnable again */
		rt_steal_ready(w, p->rec.task);
	}
}

/* Parks c waiting for op: hands over straight to the coroutine in
 * the worker's LIFO slot when it has started (one switch, as coro does),
 * else switches to the worker's scheduler. Returns when c is resumed,
 * possibly on another worker. */
static void cs_park(struct cs_coro *c, const struct rt_op *op)
{
	struct rt_sworker *w = c->w;
	struct cs_wk *k = w->user;
	k->pending = c;
	k->pending_op = op;
	struct rt_task *n = rt_steal_peek_lifo(w);
	struct cs_coro *nc = n ? (struct cs_coro *)n->priv : NULL;
	if (nc && nc->started && k->handoffs < CS_HANDOFF_MAX) {
		rt_steal_take_lifo(w);
		k->handoffs++;
		nc->w = w;
		nc->back = c->back;
		nc->learn = NULL; /* c's stack is no scheduler's */
		rt_fiber_switch_learn(RT_CTX_ASM, &c->fib, &nc->fib, &c->learn);
	} else {
		rt_fiber_switch_learn(RT_CTX_ASM, &c->fib, c->back, &c->learn);
	}
	cs_complete_pending(c->w);
}

static inline void cs_perform(void *arg, struct rt_task *t, const struct rt_op *op, long *res)
{
	struct cs_coro *c = arg;
	(void)t;
	if (rt_steal_try(c->w, op, res))
		return;
	cs_park(c, op);
	*res = c->rec.res;
}

static void cs_main(void *arg)
{
	struct cs_coro *c = arg;
	rt_fiber_entered(c->back);
	c->started = 1;
	rt_coro_drive(&c->rec, c, cs_perform);
	((struct cs_wk *)c->w->user)->exited = c;
	rt_fiber_exit_to(RT_CTX_ASM, &c->fib, c->back);
}

static void cs_free(struct cs_wk *k, struct cs_coro *c)
{
	rt_fiber_destroy(&c->fib);
	rt_stack_put(&k->stacks, c->stack_lo); /* c lives on that stack: last */
}

static void cs_run(struct rt_sworker *w, struct rt_task *t)
{
	struct cs_wk *k = w->user;
	if (!k->inited || !pthread_equal(k->thr, pthread_self())) {
		rt_fiber_init_thread(&k->sched);
		k->thr = pthread_self();
		k->inited = 1;
	}
	struct cs_coro *c = (struct cs_coro *)t->priv;
	c->w = w;
	c->back = c->learn = &k->sched;
	k->handoffs = 0;
	rt_fiber_switch(RT_CTX_ASM, &k->sched, &c->fib);
	/* Whoever came back may not be c: c may have handed over to others. */
	struct cs_coro *d = k->exited;
	if (d) {
		struct rt_task *dt = d->rec.task;
		k->exited = NULL;
		cs_free(k, d);
		rt_steal_done(w->s, dt);
	}
	cs_complete_pending(w);
}

static void cs_destroy(struct rt *rt);

static int cs_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	int64_t workers = params ? params[0] : cs_params[0].def;
	int64_t stack_kib = params ? params[1] : cs_params[1].def;
	int64_t guard = params ? params[2] : cs_params[2].def;
	int64_t per_worker = params ? params[4] : cs_params[4].def;
	if (!RT_CTX_HAVE_ASM)
		return -ENOSYS;
	if (workers < 0 || workers > RT_STEAL_WORKERS_MAX || stack_kib < cs_params[1].min ||
	    stack_kib > cs_params[1].max || guard < 0 || guard > 1 || per_worker < 0 ||
	    per_worker > 1)
		return -EINVAL;
	int oerr = rt_offload_size(params ? params[3] : RT_OFFLOAD_THREADS);
	if (oerr)
		return oerr;
	struct rt_corosteal *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->rt.ops = &rt_coro_steal;
	r->mem_floor_kib = env ? env->mem_floor_kib : 0;
	int err = rt_steal_init(&r->s, (int)workers, (int)per_worker, env, cs_run);
	if (!err && !(r->wk = aligned_alloc(64, (size_t)r->s.n * sizeof(*r->wk))))
		err = -ENOMEM;
	if (!err) {
		memset(r->wk, 0, (size_t)r->s.n * sizeof(*r->wk));
		for (; r->nwk < r->s.n && !err; r->nwk++) {
			err = rt_stack_pool_init(&r->wk[r->nwk].stacks, (size_t)stack_kib * 1024, (int)guard);
			r->s.w[r->nwk].user = &r->wk[r->nwk];
		}
		if (err)
			r->nwk--; /* that pool failed whole */
	}
	if (err) {
		cs_destroy(&r->rt);
		return err;
	}
	*out = &r->rt;
	return 0;
}

/* As coro's: MemAvailable against the floor every 4096 spawns. */
#define CS_MEM_CHECK_EVERY 4096

static int cs_spawn(struct rt *rt, struct rt_task *t)
{
	struct rt_corosteal *r = (struct rt_corosteal *)rt;
	if (r->mem_floor_kib && (atomic_fetch_add(&r->spawns, 1) + 1) % CS_MEM_CHECK_EVERY == 0 &&
	    rt_mem_available_kib() < r->mem_floor_kib) {
		rt_steal_fail(&r->s, -EAGAIN, "memory", 1);
		return -EAGAIN;
	}
	struct rt_sworker *w = rt_steal_current();
	struct cs_wk *k = w && w->s == &r->s ? w->user : &r->wk[0];
	void *lo;
	int err = rt_stack_get(&k->stacks, &lo);
	if (err) {
		rt_steal_fail(&r->s, err, err == -ENOMEM ? rt_stack_limit() : "memory", 0);
		return err;
	}
	uintptr_t top = (uintptr_t)lo + k->stacks.usable;
	struct cs_coro *c = (struct cs_coro *)((top - sizeof(struct cs_coro)) & ~(uintptr_t)63);
	c->stack_lo = lo;
	c->w = NULL;
	c->back = c->learn = NULL;
	c->started = 0;
	err = rt_fiber_make(RT_CTX_ASM, &c->fib, lo, (size_t)((char *)c - (char *)lo), cs_main, c);
	if (err) {
		rt_stack_put(&k->stacks, lo);
		rt_steal_fail(&r->s, err, "memory", 0);
		return err;
	}
	rt_steal_add(&r->s, t, &c->rec);
	return 0;
}

static int cs_run_all(struct rt *rt)
{
	return rt_steal_run(&((struct rt_corosteal *)rt)->s);
}

static void cs_destroy(struct rt *rt)
{
	struct rt_corosteal *r = (struct rt_corosteal *)rt;
	for (int i = 0; i < r->nwk; i++)
		rt_stack_pool_fini(&r->wk[i].stacks);
	free(r->wk);
	rt_steal_fini(&r->s);
	free(r);
}

static int cs_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	return rt_steal_event_new(out);
}

static void cs_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	rt_steal_event_free(ev);
}

static void cs_stats(struct rt *rt, struct rt_stats *out)
{
	rt_steal_stats(&((struct rt_corosteal *)rt)->s, out);
}

static void cs_forget_fd(struct rt *rt, int fd)
{
	rt_steal_forget_fd(&((struct rt_corosteal *)rt)->s, fd);
}

const struct runtime rt_coro_steal = {
	.name = "coro-steal",
	.desc = "stackful coroutines over the work-stealing scheduler; a coroutine may resume on another worker (Go)",
	.params = cs_params,
	.cpus = RT_CPUS_PARAM,
	.cpus_param = "workers",
	.switches = RT_SWITCH_STACK,
	.steals = 1,
	.create = cs_create,
	.spawn = cs_spawn,
	.run = cs_run_all,
	.destroy = cs_destroy,
	.event_new = cs_event_new,
	.event_free = cs_event_free,
	.stats = cs_stats,
	.forget_fd = cs_forget_fd,
};
