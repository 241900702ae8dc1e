/* blocking.h — what the two blocking runtimes (threads, pool) share: the event
 * (a counting semaphore on a futex), the direct-style driver that performs a
 * task's waits with blocking syscalls, and the diagnosis of a failed thread
 * creation. Internal to runtimes/; workloads never include it.
 */
#ifndef CONCBENCH_BLOCKING_H
#define CONCBENCH_BLOCKING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "runtime.h"
#include "trace.h"

/* A counting event. NOTIFY adds one to count and wakes one sleeper if any;
 * WAIT takes one when count > 0, else sleeps on the futex word count == 0.
 * waiters lets NOTIFY skip the FUTEX_WAKE syscall when nobody sleeps, so an
 * uncontended notify costs one atomic add and one load. */
struct rt_event {
	_Atomic uint32_t count;
	_Atomic uint32_t waiters;
};

/* Per-thread driver context (one per thread or pool worker). */
struct rt_blk_ctx {
	/* How to sleep when an event's count is 0. NULL: sleep on the futex
	 * without timeout (threads). Non-NULL (pool): returns 0 once it took
	 * one from ev->count, or a negative errno to abandon the task. */
	int (*wait_slow)(struct rt_blk_ctx *ctx, struct rt_event *ev);
	/* Ops completed by this thread; written only by it (a relaxed store on
	 * its own cache line, no locked instruction), read by the pool's
	 * deadlock detector to tell "stuck" from "busy". */
	_Atomic uint64_t progress;
	/* The event this worker sleeps on in rt_blk_wait_watched, else NULL:
	 * the watchdog counts the workers blocked by it (a store on the
	 * worker's own line, where a shared counter would be two locked
	 * instructions on a line every worker writes, per wait) and wakes
	 * them there once it declared a deadlock. */
	_Atomic(struct rt_event *) sleeping_on;
	/* When non-NULL and set, stop driving the task after the current op
	 * without calling step() again (the run gave up on it). */
	const _Atomic int *abandon;
};

/* The deadlock detector of the runtimes whose fixed workers block inside
 * their tasks' waits (pool, omp). A watchdog thread, started by run(), looks
 * every 40 ms (check(arg), under the runtime's lock: rt_blk_watch_check)
 * whether every worker is blocked in an event wait (or every live task is)
 * with no op completed anywhere; held for a confirmation period, the run is
 * declared deadlocked and the watchdog wakes the blocked workers (each one
 * stores in its ctx the event it sleeps on), which abandon their tasks.
 * A worker's wait is the plain untimed futex sleep of `threads` plus two
 * plain stores of the event to its own ctx, and an op costs it a counter
 * increment (ctx.progress): it used to sleep in 50 ms slices (a timed
 * futex: an hrtimer armed and cancelled on every slow-path wait) so as to
 * run the check itself, which put the pool's switch above threads' on the
 * same placement. */
struct rt_blk_watch {
	_Atomic int deadlock; /* declared: every worker abandons its task */
	/* Under the runtime's lock. */
	uint64_t suspect_ns, suspect_progress;
	/* The watchdog: its thread, its stop word and the workers it wakes. */
	_Atomic uint32_t stop;
	pthread_t tid;
	void (*check)(void *arg);
	void *arg;
	char *ctxs; /* the first worker's rt_blk_ctx; the next is stride on */
	size_t stride;
	int nctx;
};

/* Starts the watchdog before the workers: n ctxs, stride bytes apart,
 * starting at first (each one's sleeping_on NULL). Returns 0, or
 * pthread_create's error number (positive) when no watchdog could be made:
 * without it a deadlocked run would hang, so run() must not go on. */
int rt_blk_watch_start(struct rt_blk_watch *w, void (*check)(void *arg), void *arg,
                       struct rt_blk_ctx *first, size_t stride, int n);

/* Stops and joins the watchdog, after every worker has left. */
void rt_blk_watch_stop(struct rt_blk_watch *w);

/* The sum of the first n workers' ctx.progress (check()'s progress). */
uint64_t rt_blk_watch_progress(struct rt_blk_watch *w, int n);

/* When a thread could not be made (e, pthread_create's positive errno; the
 * watchdog's too): under mu, *nrunning = running when nrunning is not NULL
 * (pool's and omp's workers that go on; 0: none) and, unless a failure is
 * recorded already, *err = -e and limit (len bytes) the limit that most
 * likely stopped it (rt_blk_diagnose). */
void rt_blk_run_failed(pthread_mutex_t *mu, int *nrunning, int running, int *err, char *limit,
                       size_t len, int e);

/* What pool and omp count under their lock, and report in stats(). */
struct rt_blk_tally {
	uint64_t spawned, completed, peak_live;
	int err; /* the first failure: a negative errno, with limit */
	char limit[48];
};

/* stats() of pool and omp: t read under mu. */
void rt_blk_stats(pthread_mutex_t *mu, const struct rt_blk_tally *t, struct rt_stats *out);

/* ctx->wait_slow's body: sleeps until it took one from ev->count (0), or
 * the deadlock is declared (-EDEADLK). */
int rt_blk_wait_watched(struct rt_blk_watch *w, struct rt_blk_ctx *ctx, struct rt_event *ev);

/* Called by check() with the runtime's lock held: nworkers are running
 * (the first nworkers ctxs), live tasks are spawned and unfinished,
 * progress is the sum of the workers' ctx.progress. Returns 1 when the
 * deadlock is confirmed now (the caller records it, sets w->deadlock and
 * wakes its idle workers; the watchdog then wakes the blocked ones), else 0. */
int rt_blk_watch_check(struct rt_blk_watch *w, int nworkers, uint64_t live, uint64_t progress);

/* Runs t to RT_DONE then calls t->release (if any): returns 0. Returns a
 * negative errno if the task was abandoned; it is then never touched again
 * (and not released: it did not finish). */
int rt_blk_drive(struct rt_task *t, struct rt_blk_ctx *ctx);

/* Takes one from ev->count if it is > 0: 1 if taken, 0 if it was 0. */
static inline int rt_blk_try_take(struct rt_event *ev)
{
	uint32_t c = atomic_load_explicit(&ev->count, memory_order_relaxed);
	while (c > 0)
		if (atomic_compare_exchange_weak_explicit(&ev->count, &c, c - 1,
		                                          memory_order_acquire,
		                                          memory_order_relaxed))
			return 1;
	return 0;
}

void rt_blk_notify(struct rt_event *ev);

/* FUTEX_WAIT_PRIVATE on *addr == val, rel == NULL for no timeout: 0 when
 * woken, -EAGAIN (value differed), -ETIMEDOUT or -EINTR. */
int rt_blk_futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *rel);
void rt_blk_futex_wake(_Atomic uint32_t *addr, int n);

/* The vtable's event_new/event_free for both blocking runtimes. */
int rt_blk_event_new(struct rt *rt, struct rt_event **out);
void rt_blk_event_free(struct rt *rt, struct rt_event *ev);

uint64_t rt_blk_now_ns(void); /* CLOCK_MONOTONIC */

/* After pthread_create failed with err (a positive errno): names the limit
 * that most likely stopped it in limit ("threads-max", "kernel.pid_max", "vm.max_map_count",
 * "RLIMIT_NPROC", "pids.max", "memory", or the errno's name for anything
 * else). Reads /proc and /sys only, so it works when no thread can be made. */
void rt_blk_diagnose(int err, char *limit, size_t len);

#endif
