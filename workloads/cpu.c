/* cpu — CPU-bound tasks: each runs `work` iterations of a hash chain over its
 * own seed in a single step, never waiting. On one event loop and the
 * coroutine runtime they run one after another on one core; threads and the
 * pool spread them over the cpuset, and epoll with loops=N over its loops
 * (task i on shard i), so a loop per CPU is compared at equal CPUs (C1).
 * skew > 0 sizes the tasks unevenly (heavy-tailed, seeded, the same total
 * work): a loop per CPU then finishes its share at different times and
 * leaves CPUs idle, where a pool or a stealing scheduler balances. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "workload.h"

static const struct cb_param cpu_params[] = {
	{ "tasks", "tasks", "number of tasks", 64, 1, 1000000 },
	{ "work", "iterations", "hash-chain iterations per task (on average, with skew)", 200000, 1, 10000000000ll },
	{ "skew", "", "0: every task `work` iterations; s > 0: sizes from a Pareto distribution of shape 1 + 1/s (higher: a heavier tail), tasks x work in all",
	  0, 0, 100 },
	{ "seed", "", "seed of the skewed sizes (recorded with the parameters)", 1, 0, 1000000000 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

struct cpu_task {
	struct rt_task t;
	struct cpu_state *s;
	uint64_t seed, result;
	int64_t work;
};

struct cpu_state {
	int64_t tasks, work;
	struct cpu_task *v;
	_Atomic uint64_t first_start, last_end;
};

static struct rt_op cpu_step(struct rt_task *t, long res)
{
	(void)res;
	struct cpu_task *ct = t->arg;
	struct cpu_state *s = ct->s;
	uint64_t start = wl_now_ns(), expect = 0;
	atomic_compare_exchange_strong(&s->first_start, &expect, start);

	uint64_t x = ct->seed;
	for (int64_t i = 0; i < ct->work; i++)
		x = wl_mix64(x + (uint64_t)i);
	ct->result = x;

	uint64_t end = wl_now_ns(), last = atomic_load(&s->last_end);
	while (end > last && !atomic_compare_exchange_weak(&s->last_end, &last, end))
		;
	return rt_op_done();
}

static int cpu_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	(void)env;
	struct cpu_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->tasks = p[0];
	s->work = p[1];
	s->v = calloc((size_t)s->tasks, sizeof *s->v);
	int64_t *sizes = malloc((size_t)s->tasks * sizeof *sizes);
	if (!s->v || !sizes) {
		free(sizes);
		free(s->v);
		free(s);
		return -ENOMEM;
	}
	/* tasks x work fits: tasks <= 1e6 and work <= 1e10. */
	wl_skewed_sizes(s->tasks, s->tasks * s->work, p[2], (uint64_t)p[3], sizes);
	*state = s;
	for (int64_t i = 0; i < s->tasks; i++) {
		struct cpu_task *ct = &s->v[i];
		ct->t = (struct rt_task){ .step = cpu_step, .arg = ct, .cpu = -1,
		                          .shard = (int)i };
		ct->s = s;
		ct->seed = wl_mix64((uint64_t)i + 1);
		ct->work = sizes[i];
		int err = rt_spawn(rt, &ct->t);
		if (err) {
			free(sizes);
			return err;
		}
	}
	free(sizes);
	return 0;
}

static void cpu_finish(void *state, struct wl_report *rep)
{
	struct cpu_state *s = state;
	uint64_t sum = 0;
	for (int64_t i = 0; i < s->tasks; i++)
		sum += s->v[i].result;
	rep->checksum = sum;
	double span = (double)(s->last_end - s->first_start);
	if (span > 0)
		wl_metric(rep, "iters_per_us", "iter/us", (double)s->tasks * (double)s->work / (span / 1e3));
}

static void cpu_teardown(void *state, struct rt *rt)
{
	(void)rt;
	struct cpu_state *s = state;
	free(s->v);
	free(s);
}

const struct workload wl_cpu = {
	.name = "cpu",
	.desc = "CPU-bound tasks: a hash chain of `work` iterations each, no waiting",
	.params = cpu_params,
	.setup = cpu_setup,
	.finish = cpu_finish,
	.teardown = cpu_teardown,
};
