/* uv — the task loop on libuv (Debian's libuv1-dev): one thread, one
 * uv_loop_t, stackless steps run inline as in epoll. What libuv does here:
 *  - fds: a uv_poll_t per fd number, watching readiness only; the task does
 *    its own read/write/accept (loop.c's rt_loop_try_io: recv/send with
 *    MSG_DONTWAIT) and parks on EAGAIN. A poll handle is started while a task
 *    waits on its fd and stopped when none does. libuv's epoll is
 *    level-triggered and uv_poll_start re-registers (an epoll_ctl DEL, then
 *    an ADD at the next poll), so the handle is left as it is when a woken
 *    task parks again in the same direction, as a server's connection does
 *    after every reply: no syscall beyond the read that found EAGAIN.
 *    A number that may get a new file has its poll stopped first: rt_close
 *    tells the runtime (forget_fd, before the close, so libuv's DEL finds
 *    the file still there), and an accepted number whose poll was started
 *    on a file closed with plain close() is stopped when accept returns
 *    it at once (perform). An accept completed later, by the listener's
 *    poll_cb, needs no such stop: a poll is left started with nobody
 *    waiting only inside its own poll_cb, between fd_wake and
 *    poll_update, and an accept the resumed task makes there either
 *    returns at once or completes after that poll_update. Without that
 *    the kernel, which dropped the old file from the epoll set at its
 *    last close, would never report the new one, and libuv, believing it
 *    registered, would not add it again.
 *    uv_poll_init sets O_NONBLOCK on the fd, once per fd number.
 *  - timers: a uv_timer_t per task record. libuv's timers count whole
 *    milliseconds of its cached loop time, so a sleep is rounded up to a
 *    whole millisecond (a 100 us sleep takes 1-2 ms; epoll's take 100 us)
 *    and never ends early: a timer that fires before the deadline on
 *    CLOCK_MONOTONIC is started again for the rest.
 *  - tasks made ready by a notify or a yield: a ready queue run in batches
 *    by a uv_idle_t (active only while the queue has tasks, which also makes
 *    libuv poll with a zero timeout); one batch per loop iteration, so a
 *    notify ping-pong pays an iteration of uv_run per switch. Readiness and
 *    timer callbacks resume their task inline.
 *  - events: counting events handed over to the oldest waiter, as loop.c's.
 *    Every step runs on the loop thread, so an event never crosses a thread
 *    and needs no uv_async_send (an eventfd write, a syscall per notify).
 *  - cross-thread spawns: a spawn from another thread while run() runs goes
 *    to an inbox under a mutex and wakes the loop with uv_async_send. The
 *    async handle is unref'd: it does not keep the loop alive.
 * Deadlock, as in epoll: when uv_run returns (no timer, no fd wait, no ready
 * task keeps the loop alive), the inbox is empty and tasks are still live,
 * they all wait on events nobody can notify: run() returns -EDEADLK.
 *
 * Offload (a step asking for its next step to run off the loop, once the
 * contract has the op): uv_queue_work, the work callback driving the step on
 * libuv's threadpool and the after-work callback resuming the task here; the
 * pool's size is this runtime's offload_threads (UV_THREADPOOL_SIZE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "../loop.h"

extern const struct runtime rt_uv;

#define UV_BLOCK 1024

struct uv_rec {
	struct rt_task *task;
	struct uv_rt *u;
	long res;           /* for a task in the ready queue */
	struct rt_op op;    /* the fd op it waits to retry */
	uint64_t deadline;  /* of its sleep, CLOCK_MONOTONIC ns */
	int timer_ready;    /* timer initialised (it stays so for the record's life) */
	uv_timer_t timer;
	uv_work_t work;     /* RT_OFFLOAD: libuv's own thread pool */
	struct uv_rec *next_free;
};

struct uv_block {
	struct uv_block *next;
	struct uv_rec recs[UV_BLOCK];
};

/* Per fd number; never moved (libuv holds a pointer to poll) nor freed
 * before destroy. */
struct uv_fd {
	struct rt_fdent ent; /* the two queues of parked tasks, notsock */
	struct uv_rt *u;
	int fd;
	int events;      /* what poll is started for: UV_READABLE | UV_WRITABLE */
	int poll_ready;  /* uv_poll_init done */
	uv_poll_t poll;
};

struct uv_rt {
	struct rt base;
	uv_loop_t loop;
	uv_idle_t idle;   /* runs the ready queue */
	uv_async_t async; /* a foreign thread spawned into the inbox */
	int idle_on;
	struct rt_queue ready;
	struct uv_fd **fds;
	size_t nfds;
	struct uv_rec *free;
	struct uv_block *blocks;
	uint64_t live;
	uint64_t fdwaiting, sleeping; /* tasks parked on an fd, on a timer */
	struct rt_stats stats;
	pthread_mutex_t mu;    /* guards inbox and running */
	struct rt_queue inbox; /* spawned by other threads during run() */
	int running;
};

/* The runtime whose loop this thread runs, during run(). */
static __thread struct uv_rt *uv_cur;

/* offload_threads is UV_THREADPOOL_SIZE: libuv reads it once, when the
 * process first queues work, so create sets it in the environment. A cell
 * runs in a fresh child, which queues nothing before its runtime is made;
 * a process that has used libuv's pool already keeps the size it has. */
static const struct cb_param uv_params[] = {
	{ "offload_threads", "threads",
	  "threads of libuv's pool that RT_OFFLOAD's uv_queue_work runs on (mixed offload=1): "
	  "UV_THREADPOOL_SIZE, read by libuv when the process first queues work", 4, 1, 128 },
	{ .name = NULL },
};

static inline struct uv_rec *rec_of(struct rt_task *t)
{
	return (struct uv_rec *)t->priv;
}

static void fail(struct uv_rt *u, int err, const char *limit)
{
	if (u->stats.err)
		return;
	u->stats.err = err;
	strncpy(u->stats.limit, limit, sizeof(u->stats.limit) - 1);
}

static void make_ready(struct uv_rt *u, struct rt_task *t, long res);
static void resume(struct uv_rt *u, struct rt_task *t, long res);

/* ---- tasks -------------------------------------------------------------- */

static int add_task(struct uv_rt *u, struct rt_task *t)
{
	if (!u->free) {
		struct uv_block *b = malloc(sizeof(*b));
		if (!b) {
			fail(u, -ENOMEM, "memory");
			return -ENOMEM;
		}
		b->next = u->blocks;
		u->blocks = b;
		for (size_t i = 0; i < UV_BLOCK; i++) {
			b->recs[i].timer_ready = 0;
			b->recs[i].next_free = u->free;
			u->free = &b->recs[i];
		}
	}
	struct uv_rec *r = u->free;
	u->free = r->next_free;
	r->task = t;
	r->u = u;
	t->priv = r;
	u->stats.spawned++;
	if (++u->live > u->stats.peak_live)
		u->stats.peak_live = u->live;
	make_ready(u, t, 0);
	return 0;
}

static void task_done(struct uv_rt *u, struct rt_task *t)
{
	struct uv_rec *r = rec_of(t);
	r->next_free = u->free;
	u->free = r;
	u->stats.completed++;
	u->live--;
	if (t->release)
		t->release(t);
}

/* ---- the ready queue ---------------------------------------------------- */

static void idle_cb(uv_idle_t *h)
{
	struct uv_rt *u = h->data;
	/* The tasks ready now, not the ones they make ready: two tasks
	 * notifying each other must not starve fds and timers, so after each
	 * batch libuv polls (timeout 0) and runs its timers, when a task waits
	 * on either. When none does, the next batch runs straight away, as in
	 * epoll: an iteration of uv_run per batch would be an epoll_wait per
	 * switch (the async handle's eventfd is always watched), 2.8 us per
	 * switch in pingpong instead of the tens of ns of a call. */
	do {
		for (size_t n = u->ready.len; n; n--) {
			struct rt_task *t = rt_queue_pop(&u->ready);
			resume(u, t, rec_of(t)->res);
		}
	} while (!rt_queue_empty(&u->ready) && !u->fdwaiting && !u->sleeping);
	if (rt_queue_empty(&u->ready)) {
		uv_idle_stop(&u->idle);
		u->idle_on = 0;
	}
}

static void make_ready(struct uv_rt *u, struct rt_task *t, long res)
{
	rec_of(t)->res = res;
	rt_trace_wake(t);
	rt_queue_push(&u->ready, t);
	if (!u->idle_on) {
		uv_idle_start(&u->idle, idle_cb);
		u->idle_on = 1;
	}
}

/* ---- timers ------------------------------------------------------------- */

static void timer_cb(uv_timer_t *h);

static void timer_arm(struct uv_rec *r)
{
	/* libuv fires when its loop time (ms) reaches now_ms + timeout; that
	 * loop time is at most now, so counting from it never ends early. */
	uint64_t base = uv_now(&r->u->loop) * 1000000u;
	uint64_t ms = r->deadline > base ? (r->deadline - base + 999999) / 1000000u : 0;
	uv_timer_start(&r->timer, timer_cb, ms, 0);
}

static void timer_cb(uv_timer_t *h)
{
	struct uv_rec *r = h->data;
	if (rt_loop_now_ns() < r->deadline) { /* libuv's clock ran ahead of ours */
		uv_update_time(&r->u->loop);
		timer_arm(r);
		return;
	}
	r->u->sleeping--;
	resume(r->u, r->task, 0);
}

/* ---- fds ---------------------------------------------------------------- */

static struct uv_fd *fd_get(struct uv_rt *u, int fd)
{
	if ((size_t)fd >= u->nfds) {
		size_t n = u->nfds ? u->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct uv_fd **v = realloc(u->fds, n * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + u->nfds, 0, (n - u->nfds) * sizeof(*v));
		u->fds = v;
		u->nfds = n;
	}
	if (!u->fds[fd]) {
		struct uv_fd *e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		rt_queue_init(&e->ent.rd);
		rt_queue_init(&e->ent.wr);
		e->u = u;
		e->fd = fd;
		u->fds[fd] = e;
	}
	return u->fds[fd];
}

static void poll_cb(uv_poll_t *h, int status, int events);

/* Start, change or stop the poll to match who waits. 0 or a libuv error. */
static int poll_update(struct uv_fd *e)
{
	int want = (rt_queue_empty(&e->ent.rd) ? 0 : UV_READABLE | UV_DISCONNECT) |
	           (rt_queue_empty(&e->ent.wr) ? 0 : UV_WRITABLE);
	if (want == e->events)
		return 0;
	e->events = want;
	if (!want)
		return uv_poll_stop(&e->poll);
	return uv_poll_start(&e->poll, want, poll_cb);
}

/* Retry the parked ops of q in FIFO order, resuming each that completes,
 * until one finds nothing to do. Only those parked before: a resumed task
 * that parks again here waits for the next readiness. */
static void fd_wake(struct uv_fd *e, struct rt_queue *q, long status)
{
	for (size_t n = q->len; n && q->head; n--) {
		struct rt_task *t = q->head;
		long r = status < 0 ? status : rt_loop_try_io(&e->ent.notsock, &rec_of(t)->op);
		if (r == -EAGAIN)
			break;
		rt_queue_pop(q);
		e->u->fdwaiting--;
		resume(e->u, t, r);
	}
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
	struct uv_fd *e = h->data;
	if (status < 0) {
		/* EPOLLERR: libuv has stopped the handle and says UV_EBADF. The
		 * ops themselves tell what went wrong (EPIPE, ECONNRESET...). */
		e->events = 0;
		events = UV_READABLE | UV_WRITABLE;
	}
	if (events & (UV_READABLE | UV_DISCONNECT))
		fd_wake(e, &e->ent.rd, 0);
	if (events & UV_WRITABLE)
		fd_wake(e, &e->ent.wr, 0);
	int err = poll_update(e);
	if (err) /* cannot happen once the handle was started: fail its waiters */
		for (int d = 0; d < 2; d++)
			fd_wake(e, d ? &e->ent.wr : &e->ent.rd, err);
}

/* fd's number is about to name another file (or has just been handed one
 * by accept): its poll, still started for the old file when nobody waited
 * on it, is stopped (libuv's epoll_ctl DEL: ENOENT, ignored, when the old
 * file is gone already), so the next park starts it afresh. */
static void fd_renew(struct uv_rt *u, int fd)
{
	if (fd < 0 || (size_t)fd >= u->nfds || !u->fds[fd])
		return;
	struct uv_fd *e = u->fds[fd];
	e->ent.notsock = 0;
	/* A task still waiting on it is the workload's bug (runtime.h,
	 * rt_close); its poll is left alone. */
	if (e->events && rt_queue_empty(&e->ent.rd) && rt_queue_empty(&e->ent.wr)) {
		uv_poll_stop(&e->poll);
		e->events = 0;
	}
}

/* t's op found EAGAIN: park it until the fd is ready. 0 or -errno. */
static int fd_park(struct uv_rt *u, struct rt_task *t, const struct rt_op *op)
{
	struct uv_fd *e = fd_get(u, op->fd);
	if (!e)
		return -ENOMEM;
	if (!e->poll_ready) {
		int err = uv_poll_init(&u->loop, &e->poll, op->fd);
		if (err)
			return err;
		e->poll.data = e;
		e->poll_ready = 1;
	}
	/* A direction nobody waited on: (re)start the poll, before queuing t
	 * so a failure leaves nothing behind. Else the poll is still started
	 * on this very file: a number that got a new file had its poll stopped
	 * first (uv_rt_forget_fd, accept in perform), so a connection parking
	 * again after its reply costs no syscall beyond the read that found
	 * EAGAIN. */
	int dir = op->kind == RT_WRITE ? UV_WRITABLE : UV_READABLE | UV_DISCONNECT;
	struct rt_queue *q = op->kind == RT_WRITE ? &e->ent.wr : &e->ent.rd;
	if ((e->events | dir) != e->events) {
		int err = uv_poll_start(&e->poll, e->events | dir, poll_cb);
		if (err)
			return err;
		e->events |= dir;
	}
	rec_of(t)->op = *op;
	rt_queue_push(q, t);
	u->fdwaiting++;
	return 0;
}

/* ---- offload: uv_queue_work ---------------------------------------------- */

/* libuv's pool runs fn; the loop thread gets the completion through libuv's
 * async handle and resumes the task (libuv's own way: the shared pool of
 * offload.c is not needed here). */
static void offload_work(uv_work_t *w)
{
	struct uv_rec *r = (struct uv_rec *)((char *)w - offsetof(struct uv_rec, work));
	struct rt_offload *j = r->op.buf;
	j->res = j->fn(j->arg);
}

static void offload_after(uv_work_t *w, int status)
{
	struct uv_rec *r = (struct uv_rec *)((char *)w - offsetof(struct uv_rec, work));
	struct rt_offload *j = r->op.buf;
	make_ready(r->u, r->task, status < 0 ? status : j->res);
}

/* ---- the driver --------------------------------------------------------- */

/* Performs op: 1 with *res when it completed at once, 0 when t is parked. */
static int perform(struct uv_rt *u, struct rt_task *t, const struct rt_op *op, long *res)
{
	struct uv_rec *r = rec_of(t);

	switch (op->kind) {
	case RT_OFFLOAD: {
		struct rt_offload *j = op->buf;
		if (!j || !j->fn) {
			*res = -EINVAL;
			return 1;
		}
		r->op = *op;
		int err = uv_queue_work(&u->loop, &r->work, offload_work, offload_after);
		if (err) {
			*res = err;
			return 1;
		}
		return 0;
	}
	case RT_READ:
	case RT_WRITE:
	case RT_ACCEPT: {
		if (op->fd < 0) {
			*res = -EBADF;
			return 1;
		}
		struct uv_fd *e = fd_get(u, op->fd);
		if (!e) {
			*res = -ENOMEM;
			return 1;
		}
		long v = rt_loop_try_io(&e->ent.notsock, op);
		if (v == -EAGAIN && (v = fd_park(u, t, op)) == 0)
			return 0;
		if (op->kind == RT_ACCEPT && v >= 0)
			fd_renew(u, (int)v); /* a new file under this number */
		*res = v;
		return 1;
	}
	case RT_SLEEP:
		if (op->ns == 0) { /* a yield: to the back of the ready queue */
			make_ready(u, t, 0);
			return 0;
		}
		if (!r->timer_ready) {
			uv_timer_init(&u->loop, &r->timer);
			r->timer.data = r;
			r->timer_ready = 1;
		}
		r->deadline = rt_loop_deadline(op->ns);
		timer_arm(r);
		u->sleeping++;
		return 0;
	case RT_WAIT:
		return rt_loop_event_wait(op->ev, t, res);
	case RT_NOTIFY: {
		struct rt_task *w = rt_loop_event_notify(op->ev);
		if (w)
			make_ready(u, w, 0);
		*res = 0;
		return 1;
	}
	default:
		*res = -EINVAL;
		return 1;
	}
}

/* Step t until it parks or is done. */
static void resume(struct uv_rt *u, struct rt_task *t, long res)
{
	for (;;) {
		struct rt_op op = rt_step(t, res);
		if (op.kind == RT_DONE) {
			task_done(u, t);
			return;
		}
		if (!perform(u, t, &op, &res))
			return;
	}
}

/* ---- cross-thread spawns ------------------------------------------------ */

static int take_inbox(struct uv_rt *u)
{
	pthread_mutex_lock(&u->mu);
	struct rt_queue q = u->inbox;
	rt_queue_init(&u->inbox);
	pthread_mutex_unlock(&u->mu);
	int n = 0;
	for (struct rt_task *t; (t = rt_queue_pop(&q)); n++)
		add_task(u, t); /* a failure is recorded; run() returns it */
	return n;
}

static void async_cb(uv_async_t *h)
{
	take_inbox(h->data);
}

/* ---- the vtable --------------------------------------------------------- */

static void uv_rt_destroy(struct rt *rt);

static int uv_rt_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	(void)env;
	int64_t othreads = params ? params[0] : uv_params[0].def;
	if (othreads < uv_params[0].min || othreads > uv_params[0].max)
		return -EINVAL;
	char num[16];
	snprintf(num, sizeof num, "%d", (int)othreads);
	if (setenv("UV_THREADPOOL_SIZE", num, 1))
		return -errno;
	struct uv_rt *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->base.ops = &rt_uv;
	pthread_mutex_init(&u->mu, NULL);
	rt_queue_init(&u->ready);
	rt_queue_init(&u->inbox);
	int err = uv_loop_init(&u->loop);
	if (err) {
		pthread_mutex_destroy(&u->mu);
		free(u);
		return err;
	}
	uv_idle_init(&u->loop, &u->idle);
	u->idle.data = u;
	err = uv_async_init(&u->loop, &u->async, async_cb);
	if (err) {
		uv_rt_destroy(&u->base);
		return err;
	}
	u->async.data = u;
	uv_unref((uv_handle_t *)&u->async); /* see the deadlock rule above */
	*out = &u->base;
	return 0;
}

/* On the loop's thread or before run(): straight into the loop. From any
 * other thread while run() runs: the inbox and a wake-up. */
static int uv_rt_spawn(struct rt *rt, struct rt_task *t)
{
	struct uv_rt *u = (struct uv_rt *)rt;
	if (uv_cur != u) {
		pthread_mutex_lock(&u->mu);
		int queued = u->running;
		if (queued)
			rt_queue_push(&u->inbox, t);
		pthread_mutex_unlock(&u->mu);
		if (queued)
			return uv_async_send(&u->async);
	}
	return add_task(u, t);
}

static int uv_rt_run(struct rt *rt)
{
	struct uv_rt *u = (struct uv_rt *)rt;
	int err = 0;
	pthread_mutex_lock(&u->mu);
	u->running = 1;
	pthread_mutex_unlock(&u->mu);
	uv_cur = u;
	for (;;) {
		uv_run(&u->loop, UV_RUN_DEFAULT);
		if (take_inbox(u))
			continue;
		if (u->live == 0 || u->stats.err)
			break;
		/* Every live task waits on an event and nobody is left to
		 * notify it. */
		err = -EDEADLK;
		break;
	}
	uv_cur = NULL;
	pthread_mutex_lock(&u->mu);
	u->running = 0;
	pthread_mutex_unlock(&u->mu);
	/* A spawn that raced the end: it runs in the next run(). */
	take_inbox(u);
	return u->stats.err ? u->stats.err : err;
}

static void close_one(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void uv_rt_destroy(struct rt *rt)
{
	struct uv_rt *u = (struct uv_rt *)rt;
	/* Every handle closed, their close callbacks run, then the memory. */
	uv_walk(&u->loop, close_one, NULL);
	uv_run(&u->loop, UV_RUN_DEFAULT);
	uv_loop_close(&u->loop);
	for (size_t i = 0; i < u->nfds; i++)
		free(u->fds[i]);
	free(u->fds);
	while (u->blocks) {
		struct uv_block *b = u->blocks;
		u->blocks = b->next;
		free(b);
	}
	pthread_mutex_destroy(&u->mu);
	free(u);
}

static int uv_rt_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	return rt_loop_event_new(out);
}

static void uv_rt_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	rt_loop_event_free(ev);
}

static void uv_rt_stats(struct rt *rt, struct rt_stats *out)
{
	*out = ((struct uv_rt *)rt)->stats;
}

static void uv_rt_forget_fd(struct rt *rt, int fd)
{
	fd_renew((struct uv_rt *)rt, fd);
}

const struct runtime rt_uv = {
	.name = "uv",
	.desc = "a libuv loop: uv_poll readiness, uv_timer sleeps, steps run inline; uv_async for spawns from other threads",
	.params = uv_params,
	.cpus = RT_CPUS_ONE,
	.switches = RT_SWITCH_CALLBACK,
	.create = uv_rt_create,
	.spawn = uv_rt_spawn,
	.run = uv_rt_run,
	.destroy = uv_rt_destroy,
	.event_new = uv_rt_event_new,
	.event_free = uv_rt_event_free,
	.stats = uv_rt_stats,
	.forget_fd = uv_rt_forget_fd,
};
