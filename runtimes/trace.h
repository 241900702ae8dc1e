/* trace.h — a tiny recorder of when each task ran, gave up the CPU and was
 * woken, for `concbench trace`'s timelines (harness/measure/trace.c).
 *
 * Every runtime calls a task's step through rt_step() below, and calls
 * rt_trace_wake() where it makes a parked task ready again (a notify, a
 * timer, an fd turning ready). With tracing off (the default and every
 * measured cell) each costs one load of a flag and a predictable branch;
 * with it on, an event is 24 bytes in a buffer of the thread that took it
 * (no lock, no shared cache line), stamped with CLOCK_MONOTONIC, the thread
 * and the CPU (sched_getcpu: vDSO/rseq, a few ns).
 *
 * A "run" is one call of step(): on a blocking runtime (threads, pool) the
 * time between two waits, since the wait itself is the syscall the driver
 * makes after step returns; on an event loop or a coroutine runtime the time
 * until the task hands its loop back. A "stop" records the op it returned
 * (what it waits for); a "wake" when the runtime learnt the wait is over:
 * on a loop, when it put the task back on the ready queue (the thread that
 * did it); on a blocking runtime, when the blocking call returned.
 */
#ifndef CONCBENCH_TRACE_H
#define CONCBENCH_TRACE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime.h"

enum rt_trace_kind { RT_TRACE_RUN, RT_TRACE_STOP, RT_TRACE_WAKE };

struct rt_trace_ev {
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	const struct rt_task *task;
	int32_t cpu;   /* sched_getcpu, -1 unknown */
	uint8_t kind;  /* enum rt_trace_kind */
	uint8_t op;    /* RT_TRACE_STOP: the op's enum rt_op_kind */
};

/* Relaxed: a plain load on x86 and arm64. Set by rt_trace_start before the
 * runtime runs, cleared by rt_trace_stop after. */
extern _Atomic int rt_trace_on;

/* step() with a RUN before and a STOP after. */
struct rt_op rt_trace_step(struct rt_task *t, long res);
void rt_trace_record(const struct rt_task *t, int kind, int op);

/* Whether a trace is recording. rt_trace_start and rt_trace_stop are
 * called only while no task runs, so the answer holds for a whole run: a
 * driver that makes many steps in one call (a coroutine's body, epoll's
 * ep_resume) reads it once and passes it to the _as forms below, which
 * then load no flag per step. */
static inline int rt_trace_active(void)
{
	return __builtin_expect(atomic_load_explicit(&rt_trace_on, memory_order_relaxed), 0);
}

static inline struct rt_op rt_step_as(struct rt_task *t, long res, int traced)
{
	if (traced)
		return rt_trace_step(t, res);
	return t->step(t, res);
}

static inline struct rt_op rt_step(struct rt_task *t, long res)
{
	return rt_step_as(t, res, rt_trace_active());
}

static inline void rt_trace_wake_as(const struct rt_task *t, int traced)
{
	if (traced)
		rt_trace_record(t, RT_TRACE_WAKE, 0);
}

static inline void rt_trace_wake(const struct rt_task *t)
{
	rt_trace_wake_as(t, rt_trace_active());
}

/* Forgets what an earlier trace recorded and starts recording, at most
 * per_thread events on each thread (the rest are counted as dropped).
 * 0 or -ENOMEM. Not thread-safe against a running trace: call it, and
 * rt_trace_stop, while no task runs. */
int rt_trace_start(size_t per_thread);
void rt_trace_stop(void);
/* Events recorded (and dropped) since the last start. */
uint64_t rt_trace_count(uint64_t *dropped);
/* Writes the recorded events as CSV (results/SCHEMA.md, the trace CSV files), in
 * time order; t_ns counts from the first event. 0 or a negative errno. */
int rt_trace_write(FILE *f);
/* Frees every buffer. */
void rt_trace_reset(void);

#endif
