/* loop.h — the single-threaded event-loop core shared by the epoll and coro
 * runtimes: a ready queue, a timer heap, an fd table over one epoll instance,
 * and counting events. It performs waits; what "resume a task" means is the
 * caller's: the epoll runtime calls step() again inline, the coro runtime
 * switches into the task's coroutine.
 *
 * Single thread: every function here runs on the thread that calls
 * rt_loop_run() (or before it), so nothing is locked. spawn() from inside a
 * step is just another call on that thread.
 */
#ifndef CONCBENCH_LOOP_H
#define CONCBENCH_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"
#include "runtime.h"
#include "trace.h"

/* A counting event: NOTIFY hands one unit to the oldest waiter if there is
 * one, else adds it to count; WAIT takes a unit or parks. Handing the unit
 * over directly (instead of count++ and waking the waiter to retry) means a
 * woken waiter never finds the count stolen and never parks twice. */
struct rt_event {
	uint64_t count;
	struct rt_queue waiters;
};

/* Timers: a binary min-heap keyed by deadline (CLOCK_MONOTONIC ns). The
 * entries copy the deadline so sifting compares within the array instead of
 * chasing a pointer per comparison (17 levels at 100k sleepers). The
 * rt_timer lives in the task's record and knows its heap index, so a sleep
 * allocates nothing and a timer can be removed from the middle in O(log n). */
struct rt_timer {
	uint64_t deadline;
	size_t idx; /* position in the heap, RT_TIMER_IDLE when not in it */
};
#define RT_TIMER_IDLE SIZE_MAX

struct rt_heap_ent {
	uint64_t deadline;
	struct rt_timer *t;
};

struct rt_heap {
	struct rt_heap_ent *v;
	size_t len, cap;
};

/* Make room for n entries, so later pushes cannot fail. 0 or -ENOMEM. */
int rt_heap_reserve(struct rt_heap *h, size_t n);
/* O(log n); grows the array (amortised) when full. 0 or -ENOMEM. */
int rt_heap_push(struct rt_heap *h, struct rt_timer *t, uint64_t deadline);
/* The earliest timer, or NULL when empty. O(1). */
static inline struct rt_timer *rt_heap_min(const struct rt_heap *h)
{
	return h->len ? h->v[0].t : NULL;
}
/* Removes and returns the earliest timer, or NULL. O(log n). */
struct rt_timer *rt_heap_pop(struct rt_heap *h);
/* Removes t from wherever it is. O(log n). */
void rt_heap_remove(struct rt_heap *h, struct rt_timer *t);
void rt_heap_fini(struct rt_heap *h);

/* The loop's per-task record. The runtime owns its memory (a pool in epoll,
 * the top of the coroutine's stack in coro) and points t->priv at it. */
struct rt_lrec {
	struct rt_task *task;
	long res;           /* the result handed to resume() */
	struct rt_op op;    /* the fd wait in progress: the loop retries it */
	struct rt_timer timer;
};

static inline struct rt_lrec *rt_lrec_of(struct rt_task *t)
{
	return (struct rt_lrec *)t->priv;
}

/* One entry per fd number: who waits to read (or accept) and who to write. */
struct rt_fdent {
	struct rt_queue rd, wr;
	unsigned char notsock; /* last op found ENOTSOCK: use read/write */
	/* The file at this number is in the epoll set: a park needs no
	 * epoll_ctl. Cleared wherever the number may get a new file: see
	 * fd_park in loop.c. */
	unsigned char registered;
	/* A read found the socket empty (EAGAIN) or emptied it (fewer bytes
	 * than asked) since epoll last reported it readable: the next read
	 * parks without trying, as nginx's rev->ready does (the try would
	 * say EAGAIN: one syscall of three per echo or http request). Never
	 * set once epoll reported the peer's close (rd_hup): an EOF already
	 * queued would bring no new edge. See loop.c's fd_io. */
	unsigned char rd_drained, rd_hup;
};


struct rt_loop;
/* Continue t with the result of its wait. Returns when t parks again (or is
 * done: the runtime then calls rt_loop_done). */
typedef void (*rt_resume_fn)(struct rt_loop *l, struct rt_task *t, long res);

struct rt_loop {
	rt_resume_fn resume;
	int epfd;
	struct rt_queue ready; /* parked tasks whose wait is over; res is in the record */
	struct rt_heap timers;
	struct rt_fdent *fds;
	size_t nfds;
	size_t fdwaiting; /* tasks parked on fds: when 0, no epoll_wait is needed */
	uint64_t live;
	int no_pwait2; /* kernel before 5.11: use epoll_wait */
	/* Set by a runtime whose loop is the run's only executor thread (epoll
	 * loops=1, coro): at the run's first hand-off to the blocking pool,
	 * the loop keeps its CPU and the pool gets the others (loop.c's
	 * keep_apart says why). apart_saved: the thread's affinity before
	 * (a cpu_set_t), restored when the run ends; apart_tried: once a run. */
	int apart, apart_tried;
	void *apart_saved;
	struct rt_stats stats;
};

/* RT_WAIT on an event: 1 with *res 0 when a unit was there to take, else
 * 0 with t queued as a waiter (the runtime parks it). */
static inline int rt_loop_event_wait(struct rt_event *ev, struct rt_task *t, long *res)
{
	if (ev->count) {
		ev->count--;
		*res = 0;
		return 1;
	}
	rt_queue_push(&ev->waiters, t);
	return 0;
}

/* RT_NOTIFY on an event: the oldest waiter, which the runtime makes ready
 * with res 0 (the unit handed over), or NULL when none waits (the unit is
 * counted). */
static inline struct rt_task *rt_loop_event_notify(struct rt_event *ev)
{
	struct rt_task *w = rt_queue_pop(&ev->waiters);
	if (!w)
		ev->count++;
	return w;
}

/* RT_NOTIFY without queuing the waiter it wakes: w has its unit (res 0)
 * and is ready, but in no queue; the caller holds it and must either switch
 * to it or give it back with rt_loop_unnext (a held task lost is a task
 * that never runs again: rt_loop_run ends with -EDEADLK). NULL when nobody
 * waited (the unit is counted). traced: rt_trace_active(), which the
 * caller read once for its run of steps. */
static inline struct rt_task *rt_loop_notify_next(struct rt_event *ev, int traced)
{
	struct rt_task *w = rt_loop_event_notify(ev);
	if (w) {
		rt_lrec_of(w)->res = 0;
		rt_trace_wake_as(w, traced);
	}
	return w;
}

/* RT_NOTIFY on the loop: the waiter it wakes, now on the ready queue with
 * res 0, or NULL. */
static inline struct rt_task *rt_loop_notify(struct rt_loop *l, struct rt_event *ev)
{
	struct rt_task *w = rt_loop_notify_next(ev, rt_trace_active());
	if (w)
		rt_queue_push(&l->ready, w);
	return w;
}

/* Gives back a task rt_loop_notify_next handed out, at the FRONT of the
 * ready queue: the holder took it only when the queue was empty, so it is
 * older than anything queued since and runs first, as it would have from
 * the back of the queue it found empty. */
static inline void rt_loop_unnext(struct rt_loop *l, struct rt_task *w)
{
	rt_queue_push_front(&l->ready, w);
}

/* Whether the loop has anything to look at besides its ready queue: an fd
 * waited on or a timer set. */
static inline int rt_loop_armed(const struct rt_loop *l)
{
	return l->fdwaiting || l->timers.len;
}

/* Whether a held task may be handed over at once, without the loop's look
 * at fds and timers (coro's park, epoll's ep_resume): within max hand-overs
 * in a row, or past them while nothing is armed. Then the count starts
 * again, so a long pingpong tests one counter per hand-over instead of the
 * fd count and timer heap as well; from the moment something is armed, at
 * most max hand-overs still follow. The caller counts the one it makes. */
static inline int rt_loop_may_hand_over(const struct rt_loop *l, unsigned *handoffs,
                                        unsigned max)
{
	if (__builtin_expect(*handoffs < max, 1))
		return 1;
	if (rt_loop_armed(l))
		return 0;
	*handoffs = 0;
	return 1;
}

int rt_loop_init(struct rt_loop *l, rt_resume_fn resume);
/* Frees the loop's memory. Tasks still parked are forgotten, not released:
 * their owner (the workload) frees them in its teardown. */
void rt_loop_fini(struct rt_loop *l);

/* A new task, ready to run with res 0. t->priv must already point at rec.
 * 0 or -ENOMEM (then nothing was changed). */
int rt_loop_add(struct rt_loop *l, struct rt_task *t, struct rt_lrec *rec);

/* rt_loop_perform for every op but the event ones (fds, sleeps). */
int rt_loop_perform_other(struct rt_loop *l, struct rt_task *t, const struct rt_op *op, long *res);

/* Performs op for t. Returns 1 when the wait completed at once (*res holds
 * its result: the caller continues t itself), 0 when t is parked: the loop
 * will call resume(t, res) later. op must not be RT_DONE.
 * The event ops are inline: they are all a pingpong does between switches,
 * and a call plus a jump table per op was a measurable share of its
 * ~13 ns per switch (see loop.c's rt_loop_run). */
static inline int rt_loop_perform(struct rt_loop *l, struct rt_task *t, const struct rt_op *op,
                                  long *res)
{
	if (op->kind == RT_WAIT)
		return rt_loop_event_wait(op->ev, t, res);
	if (op->kind == RT_NOTIFY) {
		rt_loop_notify(l, op->ev);
		*res = 0;
		return 1;
	}
	return rt_loop_perform_other(l, t, op, res);
}

/* t returned RT_DONE and the runtime has let go of its record: count it and
 * call its release(). */
void rt_loop_done(struct rt_loop *l, struct rt_task *t);

/* Records why a spawn failed (the first failure wins); run() returns it. */
void rt_loop_fail(struct rt_loop *l, int err, const char *limit);

/* The next ready task without taking it, and taking it: for a runtime that
 * switches to it directly (coro's hand-over). Its result is in its record. */
static inline struct rt_task *rt_loop_peek_ready(const struct rt_loop *l)
{
	return l->ready.head;
}
static inline struct rt_task *rt_loop_pop_ready(struct rt_loop *l)
{
	return rt_queue_pop(&l->ready);
}

/* fd is about to be closed (the runtime's forget_fd, for rt_close): its
 * number's next file starts unregistered. Any fd, any time on the loop's
 * thread (or outside a run). */
void rt_loop_forget_fd(struct rt_loop *l, int fd);

/* One attempt at a READ, WRITE or ACCEPT that never blocks the thread: the
 * result or -EAGAIN (then wait for readiness and try again). *notsock is the
 * fd's "not a socket" memory (set here when recv says ENOTSOCK). The loops
 * of their own (steal, uv) call it too. */
long rt_loop_try_io(unsigned char *notsock, const struct rt_op *op);

/* Whether rt_loop_try_io's result r for op, a recv on a stream socket,
 * leaves the socket known empty: EAGAIN, or fewer bytes than asked (recv
 * returns everything queued up to len). Not an EOF or an error, which a
 * retry returns again at once. The next arrival is a new edge, so a loop
 * may park the next read without trying it (loop.c's fd_io, steal.c's
 * sio_seq; nginx's rev->ready). The caller rules out files that are not
 * sockets (notsock) and a peer's close already reported. */
static inline int rt_loop_read_empties(const struct rt_op *op, long r)
{
	return op->kind == RT_READ && (r == -EAGAIN || (r > 0 && (size_t)r < op->len));
}

/* Runs until every task is done: 0, the recorded spawn failure, or -EDEADLK
 * when live tasks wait on events nobody can notify. */
int rt_loop_run(struct rt_loop *l);

int rt_loop_event_new(struct rt_event **out);
void rt_loop_event_free(struct rt_event *ev);

uint64_t rt_loop_now_ns(void); /* CLOCK_MONOTONIC */

/* An RT_SLEEP's deadline on rt_loop_now_ns's clock: ns from now, at the
 * most UINT64_MAX (no wrap-around for a sleep "forever"). */
static inline uint64_t rt_loop_deadline(uint64_t ns)
{
	uint64_t now = rt_loop_now_ns();
	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

#endif
