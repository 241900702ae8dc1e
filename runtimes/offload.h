/* offload.h — the blocking pool behind RT_OFFLOAD (runtime.h), shared by
 * every runtime whose executor must not block: epoll, coro, coro-ucontext
 * (loop.c), steal, coro-steal (steal.c) and uring. See offload.c.
 *
 * How a runtime uses it: rt_offload_begin() hands the job to the pool and
 * sets the op's fd to the job's completion, an eventfd; from then on the op
 * is one more wait on a readable fd, parked and woken by the runtime's own
 * reactor, and rt_offload_try() (called where the runtime would retry a
 * read) gives -EAGAIN until the job is done, then fn's result.
 *
 * threads, pool and omp call rt_offload_inline() instead: their waits block
 * a thread of their own by design, so the task's thread may as well run fn
 * (handing it to another thread and blocking on its completion would only
 * add a hand-off: the executor is already the task's own).
 */
#ifndef CONCBENCH_OFFLOAD_H
#define CONCBENCH_OFFLOAD_H

#include "runtime.h"

/* The most threads the pool makes by default (it makes them as jobs queue
 * up, and keeps them): libuv's default UV_THREADPOOL_SIZE. */
#define RT_OFFLOAD_THREADS 4
/* The most offload_threads may ask for: libuv's own cap before 1.45. */
#define RT_OFFLOAD_THREADS_MAX 128

/* The runtime parameter every runtime that offloads lists (its create
 * passes the value to rt_offload_size): UV_THREADPOOL_SIZE's meaning, the
 * pool's size for the process. */
#define RT_OFFLOAD_PARAM                                                                   \
	{ "offload_threads", "threads",                                                    \
	  "threads of the blocking pool RT_OFFLOAD hands work to (mixed offload=1): made "  \
	  "as jobs queue up, one pool per process, as libuv's UV_THREADPOOL_SIZE",          \
	  RT_OFFLOAD_THREADS, 1, RT_OFFLOAD_THREADS_MAX }

/* Sets the most threads the pool makes, from now on: a runtime's create
 * calls it with its offload_threads. Threads beyond a lowered size end
 * when they next find the queue empty. n outside 1..RT_OFFLOAD_THREADS_MAX:
 * -EINVAL, nothing changed. */
int rt_offload_size(int64_t n);

/* The CPUs the pool's threads run on from their next job on: a copy of
 * set, a cpu_set_t of size bytes (void: not every includer is _GNU_SOURCE).
 * Until a runtime sets it a pool thread keeps its creator's affinity, so a
 * pool made by an executor bound to one CPU would share that CPU with it.
 * Who sets it: loop.c's keep_apart, and epoll's loops=N. */
void rt_offload_cpus(const void *set, size_t size);

/* op->kind == RT_OFFLOAD, op->buf the job: queues it and sets op->fd. 0 or
 * a negative errno (the op then completes with it). */
int rt_offload_begin(struct rt_op *op);
/* RT_OFFLOAD in loop.c's and steal.c's perform: *begun, a copy of op,
 * queued, to go on with as a wait on its eventfd like a read. Returns
 * begun; NULL with *res the error when the job could not begin. Inline:
 * it sits in the per-op switch of both. */
static inline const struct rt_op *rt_offload_as_read(const struct rt_op *op,
                                                     struct rt_op *begun, long *res)
{
	*begun = *op;
	int err = rt_offload_begin(begun);
	if (err) {
		*res = err;
		return NULL;
	}
	return begun;
}
/* -EAGAIN while the job runs; then closes its eventfd and returns fn's
 * result. */
long rt_offload_try(const struct rt_op *op);
/* fn on the calling thread. */
long rt_offload_inline(const struct rt_op *op);

#endif
