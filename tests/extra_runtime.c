/* extra_runtime.c — a sixth runtime for concbench_extra (tests/CMakeLists.txt),
 * which the harness has never heard of by name: "threads-alias" runs tasks
 * with the threads runtime's own functions and states the traits of a
 * thread per task. traits_extra.sh checks that the harness summarises,
 * charts and judges it by those traits: as the parallel, kernel-switching
 * side, like threads.
 *
 * The functions forward to rt_threads'; its parameters are a copy of
 * threads' (a static initializer cannot read another object's fields),
 * and create() refuses to run should the two lists ever differ. */
#include <errno.h>
#include <string.h>

#include "runtimes/runtime.h"

extern const struct runtime rt_threads;
extern const struct runtime rt_extra;

static const struct cb_param extra_params[] = {
	{ "stack_kib", "KiB", "thread stack size; 0 = glibc default (RLIMIT_STACK)", 0, 0, 1048576 },
	{ .name = NULL },
};

static int extra_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	const struct cb_param *a = extra_params, *b = rt_threads.params;
	for (; a->name && b->name; a++, b++)
		if (strcmp(a->name, b->name) != 0)
			return -EINVAL;
	if (a->name || b->name)
		return -EINVAL;
	int rc = rt_threads.create(out, env, params);
	if (rc == 0)
		(*out)->ops = &rt_extra;
	return rc;
}

static int extra_spawn(struct rt *rt, struct rt_task *t)
{
	return rt_threads.spawn(rt, t);
}

static int extra_run(struct rt *rt)
{
	return rt_threads.run(rt);
}

static void extra_destroy(struct rt *rt)
{
	rt_threads.destroy(rt);
}

static int extra_event_new(struct rt *rt, struct rt_event **out)
{
	return rt_threads.event_new(rt, out);
}

static void extra_event_free(struct rt *rt, struct rt_event *ev)
{
	rt_threads.event_free(rt, ev);
}

static void extra_stats(struct rt *rt, struct rt_stats *out)
{
	rt_threads.stats(rt, out);
}

const struct runtime rt_extra = {
	.name = "threads-alias",
	.desc = "the threads runtime under another name (a test build's extra runtime)",
	.params = extra_params,
	.cpus = RT_CPUS_ALL,
	.switches = RT_SWITCH_KERNEL,
	.create = extra_create,
	.spawn = extra_spawn,
	.run = extra_run,
	.destroy = extra_destroy,
	.event_new = extra_event_new,
	.event_free = extra_event_free,
	.stats = extra_stats,
};
