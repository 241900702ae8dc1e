/* sleep — `tasks` tasks that each wait `ms` milliseconds, all alive and
 * waiting at once (where the runtime allows it: a pool runs only `workers`
 * at a time, and that is its model). Two questions: does waiting overlap
 * (wall time ≈ ms, not tasks × ms), and what does one waiting task cost in
 * memory (RSS growth at peak ÷ tasks)?
 *
 * "At once" needs care: starting 30,000 threads takes seconds, longer than
 * the sleep, so the first would be gone before the last arrived. So a task
 * that wakes while others are still arriving then waits on a gate event;
 * the first task to wake after the last one arrived (and sampled the
 * peak) opens it, and each task
 * released passes the gate on to the next (one notify each, O(1) per task).
 * The gate is skipped on a runtime whose concurrency is capped below
 * `tasks` (the pool): there the waiters would hold every worker and the
 * rest could never arrive. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "workload.h"

static const struct cb_param sleep_params[] = {
	{ "tasks", "tasks", "concurrent sleeping tasks", 1000, 1, 10000000 },
	{ "ms", "ms", "how long each task sleeps", 100, 0, 600000 },
	{ "stack_touch", "bytes",
	  "stack each task touches before it sleeps (keep below coro's stack_kib)", 0, 0, 8 << 20 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

enum { ARRIVE, SLEPT, GATE_PASSED, LEAVE };

struct sleep_task {
	struct rt_task t;
	struct sleep_state *s;
	uint64_t id;
	int state;
};

struct sleep_state {
	int64_t tasks, ms, stack_touch;
	struct rt_event *gate; /* NULL when the runtime cannot hold every task */
	struct sleep_task *v;
	long rss_base_kib;
	_Atomic long rss_peak_kib;
	_Atomic int64_t finished_at_peak; /* tasks already gone when the last arrived */
	_Atomic int64_t arrived, left, gated;
	_Atomic int peak_sampled; /* the gate opens only after the sample */
	_Atomic uint64_t first_start, all_waiting, last_end;
	_Atomic uint64_t sum;
};

/* Touches n bytes of the stack this step runs on, one write per page. On
 * threads and coroutines that is the task's own stack, and the pages stay
 * resident while it sleeps; on the event loop every step shares the loop's
 * stack, so the cost is paid once. That difference is what stack_touch
 * shows. noinline, and the sum is returned, so the frame is real. */
static __attribute__((noinline)) uint64_t touch_stack(int64_t n)
{
	volatile unsigned char buf[n];
	for (int64_t i = 0; i < n; i += 4096)
		buf[i] = (unsigned char)i;
	return n ? buf[0] : 0;
}

static struct rt_op sleep_arrive(struct sleep_task *st)
{
	struct sleep_state *s = st->s;
	if (s->stack_touch)
		touch_stack(s->stack_touch);
	uint64_t now = wl_now_ns(), expect = 0;
	atomic_compare_exchange_strong(&s->first_start, &expect, now);
	/* The last task to arrive sees every other one waiting: peak
	 * concurrency, so it samples the process's RSS there. */
	if (atomic_fetch_add(&s->arrived, 1) + 1 == s->tasks) {
		atomic_store(&s->all_waiting, wl_now_ns());
		wl_at_peak();
		atomic_store(&s->rss_peak_kib, wl_rss_kib());
		atomic_store(&s->finished_at_peak, atomic_load(&s->left));
		atomic_store(&s->peak_sampled, 1);
	}
	st->state = SLEPT;
	return rt_op_sleep((uint64_t)s->ms * 1000000u);
}

static struct rt_op sleep_leave(struct sleep_task *st)
{
	struct sleep_state *s = st->s;
	atomic_fetch_add(&s->sum, wl_mix64(st->id));
	uint64_t end = wl_now_ns(), last = atomic_load(&s->last_end);
	while (end > last && !atomic_compare_exchange_weak(&s->last_end, &last, end))
		;
	atomic_fetch_add(&s->left, 1);
	return rt_op_done();
}

static struct rt_op sleep_step(struct rt_task *t, long res)
{
	(void)res;
	struct sleep_task *st = t->arg;
	struct sleep_state *s = st->s;
	switch (st->state) {
	case ARRIVE:
		return sleep_arrive(st);
	case SLEPT:
		if (!s->gate)
			return sleep_leave(st);
		if (!atomic_load(&s->peak_sampled)) {
			st->state = GATE_PASSED;
			atomic_fetch_add(&s->gated, 1);
			return rt_op_wait(s->gate);
		}
		st->state = LEAVE;
		return rt_op_notify(s->gate); /* open the gate, or pass it on */
	case GATE_PASSED:
		st->state = LEAVE;
		return rt_op_notify(s->gate); /* release the next one */
	default:
		return sleep_leave(st);
	}
}

static int sleep_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	(void)env;
	struct sleep_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	*state = s;
	s->tasks = p[0];
	s->ms = p[1];
	s->stack_touch = p[2];
	if (rt->max_concurrency == 0 || rt->max_concurrency >= (uint64_t)s->tasks) {
		int err = rt_event_new(rt, &s->gate);
		if (err)
			return err;
	}
	/* Baseline before the task array: the array is part of what a task
	 * costs, equally on every runtime. */
	s->rss_base_kib = wl_rss_kib();
	s->v = calloc((size_t)s->tasks, sizeof *s->v);
	if (!s->v)
		return -ENOMEM;
	for (int64_t i = 0; i < s->tasks; i++) {
		struct sleep_task *st = &s->v[i];
		st->t = (struct rt_task){ .step = sleep_step, .arg = st, .cpu = -1 };
		st->s = s;
		st->id = (uint64_t)i;
		int err = rt_spawn(rt, &st->t);
		if (err)
			return err;
	}
	return 0;
}

static void sleep_finish(void *state, struct wl_report *rep)
{
	struct sleep_state *s = state;
	rep->checksum = s->sum ^ (uint64_t)s->left;
	if (s->left != s->tasks)
		return; /* the runtime reports why it stopped short */
	wl_metric(rep, "elapsed_ms", "ms", (double)(s->last_end - s->first_start) / 1e6);
	wl_metric(rep, "all_waiting_ms", "ms", (double)(s->all_waiting - s->first_start) / 1e6);
	wl_metric(rep, "gated", "tasks", (double)s->gated);
	wl_metric(rep, "peak_waiting", "tasks", (double)(s->tasks - s->finished_at_peak));
	/* Per task only when every task was alive at the sample (not so on the
	 * pool): otherwise the figure would be understated. */
	if (s->finished_at_peak == 0 && s->rss_peak_kib > 0 && s->rss_base_kib > 0) {
		wl_metric(rep, "rss_at_peak_kib", "KiB", (double)s->rss_peak_kib);
		wl_metric(rep, "mem_per_task_kib", "KiB",
		          (double)(s->rss_peak_kib - s->rss_base_kib) / (double)s->tasks);
	}
}

static void sleep_teardown(void *state, struct rt *rt)
{
	struct sleep_state *s = state;
	if (s->gate)
		rt_event_free(rt, s->gate);
	free(s->v);
	free(s);
}

const struct workload wl_sleep = {
	.name = "sleep",
	.desc = "tasks that each wait `ms` milliseconds, all at once: overlap and memory per task",
	.params = sleep_params,
	.setup = sleep_setup,
	.finish = sleep_finish,
	.teardown = sleep_teardown,
};
