/* epoll — one thread, one epoll instance, the task loop turned inside out.
 *
 * A task's step() runs inline in the loop: when its wait completes at once
 * (a read with data already there, a notify, a wait on a posted event) the
 * loop calls step() again straight away; when the wait must park, the loop
 * moves on and calls step() with the result when it arrives. CPU work in a
 * step stalls every other task: that is the model being measured. A switch
 * between tasks costs a queue push/pop and an indirect call, no stack; a
 * notify's waiter taken straight on (see ep_resume) not even those.
 *
 * loops=N (thread-per-core, claim C8): N independent loops, each on its own
 * thread bound to one CPU of the run (round robin over env->cpus; the
 * calling thread runs loop 0). A task runs on loop t->shard % N; nothing is
 * shared between loops but a global count of live tasks, so a server gives
 * each loop its own SO_REUSEPORT listener and the kernel spreads the
 * connections. Costs and limits of that mode:
 *  - spawn into another loop (from a step on loop i, t->shard = j) goes
 *    through j's inbox: a mutex, a queue push and an eventfd write to wake
 *    j; spawn into the caller's own loop (or before run()) is the plain
 *    lock-free add. Each loop has an internal "mailbox" task parked on its
 *    eventfd that moves the inbox into the loop (not counted in the stats).
 *  - A loop whose own tasks are done keeps waiting (its mailbox does) until
 *    the global count reaches 0: another loop may still spawn into it. The
 *    task that brings the count to 0 wakes every mailbox, and each ends.
 *  - Events are per loop: an event belongs to the first loop that waits on
 *    or notifies it, and a wait or notify from another loop gets -EXDEV
 *    (waking a task on another thread would need a lock on every event).
 *  - Because the mailbox always waits on its fd, a loop cannot tell that its
 *    tasks all wait on events nobody will notify: with N > 1 such a
 *    deadlock is not reported as -EDEADLK (the harness's watchdog ends it).
 *  - For the same reason the loop polls its fds (epoll_wait, timeout 0)
 *    after every batch of ready tasks, as it does whenever a task waits on
 *    an fd: a server pays nothing more (its connections wait on fds anyway),
 *    an event-only workload pays a syscall per batch (pingpong with
 *    loops=2: ~300 ns per switch instead of ~13). And the process now has
 *    N threads sharing one fd table, so every fd syscall takes the kernel's
 *    shared-table path (an atomic reference on the file): pipepingpong
 *    measured ~300 ns more per switch with loops=2 than with 1.
 * loops=1 (the default) is the plain single loop: none of the above runs,
 * and the switch path is the same code as before loops existed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../loop.h"
#include "../offload.h"

/* Loop records come from blocks of this many, reused through a free list,
 * so spawning costs a malloc per 1024 tasks and destroy frees them all even
 * when some tasks never finished. */
#define EP_BLOCK 1024
#define EP_LOOPS_MAX 256

union ep_rec {
	struct rt_lrec lrec;
	union ep_rec *next_free;
};

struct ep_block {
	struct ep_block *next;
	union ep_rec recs[EP_BLOCK];
};

struct rt_epoll;

/* One loop, with its own record allocator (only its thread touches it).
 * Cache-line aligned: loops run on different cores. */
struct ep_shard {
	struct rt_loop loop;
	struct rt_epoll *ep;
	union ep_rec *free;
	struct ep_block *blocks;
	/* loops > 1 only */
	int idx;
	int efd;                 /* eventfd: "look at your inbox" */
	pthread_mutex_t mu;      /* guards inbox */
	struct rt_queue inbox;   /* tasks spawned here from other loops */
	struct rt_task mbox;     /* the mailbox task */
	uint64_t mbox_buf;
	pthread_t tid;
	int err;                 /* what its rt_loop_run returned */
} __attribute__((aligned(64)));

struct rt_epoll {
	struct rt rt;
	int nsh;
	struct ep_shard *sh; /* nsh of them */
	int ncpus;
	int *cpus;
	/* loops > 1 only */
	int running;           /* inside run(): spawn may cross threads */
	uint64_t mboxes;       /* mailbox tasks started, left out of the stats */
	_Atomic int64_t glive; /* spawned and not done, inboxes included */
	_Atomic uint64_t gpeak;
	pthread_mutex_t gomu;
	pthread_cond_t gocv;
	int go;                /* 1: run, -1: a loop thread failed to start */
};

/* An event and the loop it belongs to (loops > 1; unused with one loop). */
struct ep_event {
	struct rt_event ev; /* first: the loop sees only this */
	_Atomic(struct rt_loop *) owner;
};

extern const struct runtime rt_epoll;

static const struct cb_param ep_params[] = {
	{ "loops", "loops", "independent event loops, one thread each, bound round robin to the CPUs (thread-per-core); a task runs on loop shard % loops",
	  1, 1, EP_LOOPS_MAX },
	RT_OFFLOAD_PARAM,
	{ .name = NULL },
};

/* The loop thread's own shard (loops > 1), so spawn knows whether it may
 * add directly. */
static __thread struct ep_shard *ep_cur;

static inline struct ep_shard *shard_of_loop(struct rt_loop *l)
{
	return (struct ep_shard *)((char *)l - offsetof(struct ep_shard, loop));
}

static union ep_rec *ep_rec_get(struct ep_shard *sh)
{
	if (!sh->free) {
		struct ep_block *b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = sh->blocks;
		sh->blocks = b;
		for (size_t i = 0; i < EP_BLOCK; i++) {
			b->recs[i].next_free = sh->free;
			sh->free = &b->recs[i];
		}
	}
	union ep_rec *r = sh->free;
	sh->free = r->next_free;
	return r;
}

static void ep_rec_put(struct ep_shard *sh, union ep_rec *r)
{
	r->next_free = sh->free;
	sh->free = r;
}

/* On sh's thread (or before run()): a record and into the loop. */
static int shard_add(struct ep_shard *sh, struct rt_task *t)
{
	union ep_rec *r = ep_rec_get(sh);
	int err = r ? rt_loop_add(&sh->loop, t, &r->lrec) : -ENOMEM;
	if (err) {
		if (r)
			ep_rec_put(sh, r);
		rt_loop_fail(&sh->loop, err, "memory");
	}
	return err;
}

/* Hand-overs within one ep_resume before it returns to the loop, when a
 * timer is set or an fd waited on (coro's CO_HANDOFF_MAX, same reason). */
#define EP_HANDOFF_MAX 64

/* The inside-out driver: step until the task parks or finishes.
 *
 * A notify that finds the ready queue empty holds the waiter it woke
 * instead of queuing it, and when the task parks its step goes on with
 * that waiter here, as coro's park switches to it (see coro.c's coro_body
 * for why the order stays what the queue would give: held, the waiter is
 * logically the queue's head; given back at the front with
 * rt_loop_unnext). A pingpong then never goes through the ready queue, the
 * indirect resume call or rt_loop_run's batch tests. With a timer set or
 * an fd waited on, at most EP_HANDOFF_MAX hand-overs follow before the
 * loop looks at them; with neither the count starts again. */
static void ep_resume(struct rt_loop *l, struct rt_task *t, long res)
{
	struct rt_task *next = NULL; /* woken by t's notify, held */
	unsigned handoffs = 0;
	int traced = rt_trace_active(); /* holds for the run: trace.h */
	for (;;) {
		struct rt_op op = rt_step_as(t, res, traced);
		if (op.kind == RT_NOTIFY) {
			if (!next && rt_queue_empty(&l->ready))
				next = rt_loop_notify_next(op.ev, traced);
			else
				rt_loop_notify(l, op.ev);
			res = 0;
			continue;
		}
		int done;
		if (op.kind == RT_WAIT) {
			done = rt_loop_event_wait(op.ev, t, &res);
		} else if (op.kind == RT_DONE) {
			if (next)
				rt_loop_unnext(l, next);
			ep_rec_put(shard_of_loop(l), (union ep_rec *)t->priv);
			rt_loop_done(l, t);
			return;
		} else {
			/* Not &res: the hot path keeps res in a register. */
			long other; /* set when done */
			if ((done = rt_loop_perform_other(l, t, &op, &other)))
				res = other;
		}
		if (done)
			continue;
		if (!next)
			return;
		if (!rt_loop_may_hand_over(l, &handoffs, EP_HANDOFF_MAX)) {
			rt_loop_unnext(l, next);
			return;
		}
		handoffs++;
		t = next;
		next = NULL;
		res = 0; /* a notify's hand-over */
	}
}

/* ---- loops > 1 ------------------------------------------------------------ */

static void wake(struct ep_shard *sh)
{
	uint64_t one = 1;
	/* Fails only when the counter would overflow: it is then nonzero,
	 * and the mailbox wakes anyway. */
	ssize_t n = write(sh->efd, &one, sizeof one);
	(void)n;
}

/* A task finished (or will never run): the last one wakes every loop so
 * their mailboxes see the count at 0 and end. */
static void task_gone(struct rt_epoll *ep)
{
	if (atomic_fetch_sub(&ep->glive, 1) == 1)
		for (int i = 0; i < ep->nsh; i++)
			wake(&ep->sh[i]);
}

static void count_spawn(struct rt_epoll *ep)
{
	uint64_t n = (uint64_t)atomic_fetch_add(&ep->glive, 1) + 1;
	uint64_t peak = atomic_load_explicit(&ep->gpeak, memory_order_relaxed);
	while (n > peak && !atomic_compare_exchange_weak(&ep->gpeak, &peak, n))
		;
}

/* An event belongs to the first loop that uses it. */
static int event_mine(struct rt_event *ev, struct rt_loop *l)
{
	struct ep_event *e = (struct ep_event *)ev;
	struct rt_loop *o = atomic_load_explicit(&e->owner, memory_order_relaxed);
	if (o == l)
		return 1;
	if (o)
		return 0;
	return atomic_compare_exchange_strong(&e->owner, &o, l) || o == l;
}

/* The mailbox: moves tasks other loops spawned here into this loop, and
 * ends when no task is left anywhere. */
static struct rt_op mbox_step(struct rt_task *t, long res)
{
	struct ep_shard *sh = t->arg;
	struct rt_epoll *ep = sh->ep;
	if (res < 0) { /* the eventfd failed: cannot happen short of a bug */
		rt_loop_fail(&sh->loop, (int)res, "eventfd");
		return rt_op_done();
	}
	pthread_mutex_lock(&sh->mu);
	struct rt_queue q = sh->inbox;
	rt_queue_init(&sh->inbox);
	pthread_mutex_unlock(&sh->mu);
	for (struct rt_task *n; (n = rt_queue_pop(&q));)
		if (shard_add(sh, n))
			task_gone(ep); /* never runs; the failure is in the stats */
	if (atomic_load(&ep->glive) == 0)
		return rt_op_done();
	return rt_op_read(sh->efd, &sh->mbox_buf, sizeof sh->mbox_buf);
}

static void ep_resume_mt(struct rt_loop *l, struct rt_task *t, long res)
{
	struct ep_shard *sh = shard_of_loop(l);
	for (;;) {
		struct rt_op op = rt_step(t, res);
		if (op.kind == RT_DONE) {
			int counted = t != &sh->mbox;
			ep_rec_put(sh, (union ep_rec *)t->priv);
			rt_loop_done(l, t); /* may release (free) t */
			if (counted)
				task_gone(sh->ep);
			return;
		}
		if ((op.kind == RT_WAIT || op.kind == RT_NOTIFY) && !event_mine(op.ev, l)) {
			res = -EXDEV;
			continue;
		}
		if (!rt_loop_perform(l, t, &op, &res))
			return;
	}
}

static void bind_cpu(struct rt_epoll *ep, int i)
{
	if (ep->ncpus <= 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	int cpu = ep->cpus[i % ep->ncpus];
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	CPU_SET(cpu, &set);
	/* The CPU is one of the run's cpuset, so this does not fail; if it
	 * did, the loop would run unbound, which costs only placement. */
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *shard_main(void *arg)
{
	struct ep_shard *sh = arg;
	struct rt_epoll *ep = sh->ep;
	bind_cpu(ep, sh->idx);
	pthread_mutex_lock(&ep->gomu);
	while (ep->go == 0)
		pthread_cond_wait(&ep->gocv, &ep->gomu);
	int go = ep->go;
	pthread_mutex_unlock(&ep->gomu);
	if (go > 0) {
		ep_cur = sh;
		sh->err = rt_loop_run(&sh->loop);
		ep_cur = NULL;
	}
	return NULL;
}

static void set_go(struct rt_epoll *ep, int go)
{
	pthread_mutex_lock(&ep->gomu);
	ep->go = go;
	pthread_cond_broadcast(&ep->gocv);
	pthread_mutex_unlock(&ep->gomu);
}

static int ep_run_mt(struct rt_epoll *ep)
{
	int err = 0, made;
	for (int i = 0; i < ep->nsh && !err; i++) {
		struct ep_shard *sh = &ep->sh[i];
		sh->mbox = (struct rt_task){ .step = mbox_step, .arg = sh, .cpu = -1, .shard = i };
		sh->err = 0;
		err = shard_add(sh, &sh->mbox);
		if (!err)
			ep->mboxes++;
	}
	if (err)
		return err;

	cpu_set_t saved;
	int have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
	/* The pool's threads are made by whichever loop first hands off, and
	 * would inherit its one CPU: they get all the run's instead. */
	if (have_saved)
		rt_offload_cpus(&saved, sizeof saved);
	ep->go = 0;
	ep->running = 1;
	/* Every thread exists before any loop runs, so a failed creation
	 * leaves no task stranded on a loop nobody runs. */
	for (made = 1; made < ep->nsh; made++) {
		int e = pthread_create(&ep->sh[made].tid, NULL, shard_main, &ep->sh[made]);
		if (e) {
			err = -e;
			rt_loop_fail(&ep->sh[0].loop, err, "threads");
			break;
		}
	}
	set_go(ep, err ? -1 : 1);
	if (!err) {
		bind_cpu(ep, 0);
		ep_cur = &ep->sh[0];
		ep->sh[0].err = rt_loop_run(&ep->sh[0].loop);
		ep_cur = NULL;
	}
	for (int i = 1; i < made; i++)
		pthread_join(ep->sh[i].tid, NULL);
	ep->running = 0;
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	for (int i = 0; i < ep->nsh && !err; i++)
		err = ep->sh[i].err;
	return err;
}

static int ep_spawn_mt(struct rt_epoll *ep, struct rt_task *t)
{
	struct ep_shard *sh = &ep->sh[t->shard > 0 ? t->shard % ep->nsh : 0];
	count_spawn(ep);
	if (!ep->running || ep_cur == sh) {
		int err = shard_add(sh, t);
		if (err)
			task_gone(ep);
		return err;
	}
	pthread_mutex_lock(&sh->mu);
	rt_queue_push(&sh->inbox, t);
	pthread_mutex_unlock(&sh->mu);
	wake(sh);
	return 0;
}

/* ---- the vtable --------------------------------------------------------- */

/* From a step: the loop running it (another loop's table belongs to its
 * thread; a number one loop closes is handed out again by accept or
 * rt_close there, which clears it there). Outside run(): every loop. */
static void ep_forget_fd(struct rt *rt, int fd)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	if (ep_cur && ep_cur >= ep->sh && ep_cur < ep->sh + ep->nsh)
		rt_loop_forget_fd(&ep_cur->loop, fd);
	else if (!ep->running)
		for (int i = 0; i < ep->nsh; i++)
			rt_loop_forget_fd(&ep->sh[i].loop, fd);
}

static void ep_destroy(struct rt *rt);

static int ep_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	int64_t loops = params ? params[0] : 1;
	if (loops < 1 || loops > EP_LOOPS_MAX)
		return -EINVAL;
	int oerr = rt_offload_size(params ? params[1] : RT_OFFLOAD_THREADS);
	if (oerr)
		return oerr;
	struct rt_epoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->rt.ops = &rt_epoll;
	ep->rt.shards = (int)loops;
	ep->nsh = (int)loops;
	pthread_mutex_init(&ep->gomu, NULL);
	pthread_cond_init(&ep->gocv, NULL);
	ep->sh = aligned_alloc(64, (size_t)loops * sizeof(*ep->sh));
	if (!ep->sh) {
		free(ep);
		return -ENOMEM;
	}
	memset(ep->sh, 0, (size_t)loops * sizeof(*ep->sh));
	int err = 0;
	for (int i = 0; i < ep->nsh; i++) {
		struct ep_shard *sh = &ep->sh[i];
		sh->ep = ep;
		sh->idx = i;
		sh->efd = -1;
		sh->loop.epfd = -1;
		pthread_mutex_init(&sh->mu, NULL);
		rt_queue_init(&sh->inbox);
	}
	for (int i = 0; i < ep->nsh && !err; i++) {
		struct ep_shard *sh = &ep->sh[i];
		err = rt_loop_init(&sh->loop, ep->nsh > 1 ? ep_resume_mt : ep_resume);
		/* One loop: the run's only executor, kept apart from the
		 * blocking pool at its first hand-off (loop.c's keep_apart). */
		sh->loop.apart = ep->nsh == 1;
		if (!err && ep->nsh > 1) {
			sh->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (sh->efd < 0)
				err = -errno;
		}
	}
	/* One loop runs wherever the harness bound the process; several are
	 * bound one per CPU, so keep the list. */
	if (!err && ep->nsh > 1 && env && env->ncpus > 0) {
		ep->cpus = malloc((size_t)env->ncpus * sizeof(*ep->cpus));
		if (!ep->cpus)
			err = -ENOMEM;
		else {
			memcpy(ep->cpus, env->cpus, (size_t)env->ncpus * sizeof(*ep->cpus));
			ep->ncpus = env->ncpus;
		}
	}
	if (err) {
		ep_destroy(&ep->rt);
		return err;
	}
	*out = &ep->rt;
	return 0;
}

/* loops=1: before run() or from a step, on the loop's thread: no lock.
 * loops>1: see ep_spawn_mt. */
static int ep_spawn(struct rt *rt, struct rt_task *t)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	if (ep->nsh == 1)
		return shard_add(&ep->sh[0], t);
	return ep_spawn_mt(ep, t);
}

static int ep_run(struct rt *rt)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	if (ep->nsh == 1)
		return rt_loop_run(&ep->sh[0].loop);
	return ep_run_mt(ep);
}

static void ep_destroy(struct rt *rt)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	for (int i = 0; i < ep->nsh; i++) {
		struct ep_shard *sh = &ep->sh[i];
		if (sh->loop.epfd >= 0)
			rt_loop_fini(&sh->loop);
		while (sh->blocks) {
			struct ep_block *b = sh->blocks;
			sh->blocks = b->next;
			free(b);
		}
		if (sh->efd >= 0)
			close(sh->efd);
		pthread_mutex_destroy(&sh->mu);
	}
	pthread_cond_destroy(&ep->gocv);
	pthread_mutex_destroy(&ep->gomu);
	free(ep->sh);
	free(ep->cpus);
	free(ep);
}

static int ep_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	struct ep_event *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ev.count = 0;
	rt_queue_init(&e->ev.waiters);
	atomic_init(&e->owner, NULL);
	*out = &e->ev;
	return 0;
}

static void ep_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	free((struct ep_event *)ev);
}

static void ep_stats(struct rt *rt, struct rt_stats *out)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	if (ep->nsh == 1) {
		*out = ep->sh[0].loop.stats;
		return;
	}
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < ep->nsh; i++) {
		const struct rt_stats *s = &ep->sh[i].loop.stats;
		out->spawned += s->spawned;
		out->completed += s->completed;
		if (s->err && !out->err) {
			out->err = s->err;
			memcpy(out->limit, s->limit, sizeof(out->limit));
		}
	}
	/* The mailboxes are the runtime's, not the workload's. */
	out->spawned -= ep->mboxes < out->spawned ? ep->mboxes : out->spawned;
	out->completed -= ep->mboxes < out->completed ? ep->mboxes : out->completed;
	out->peak_live = atomic_load(&ep->gpeak);
}

const struct runtime rt_epoll = {
	.name = "epoll",
	.desc = "an epoll event loop; steps run inline, a wait parks the task (loops=N: one loop per core)",
	.params = ep_params,
	.cpus = RT_CPUS_PARAM,
	.cpus_param = "loops",
	.switches = RT_SWITCH_CALLBACK,
	.create = ep_create,
	.spawn = ep_spawn,
	.run = ep_run,
	.destroy = ep_destroy,
	.event_new = ep_event_new,
	.event_free = ep_event_free,
	.stats = ep_stats,
	.forget_fd = ep_forget_fd,
};
