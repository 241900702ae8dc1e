/* unit_reserve — the reserve a cell leaves the machine: what is kept of
 * each limit, the headroom computed from this machine's /proc (checked
 * against the sysctls read here), and the threads runtime stopping at the
 * budget it is given (rt_env), named and flagged as the reserve. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/measure/measure.h"
#include "runtimes/runtime.h"

#include "tests/check.h"

extern const struct runtime rt_threads, rt_coro;

static long long read_ll(const char *path)
{
	char *s = t_read_file(path);
	long long v = s ? atoll(s) : -1;
	free(s);
	return v;
}

static void test_keep(void)
{
	CHECK(h_reserve_keep(32768) == 2048);    /* pid_max's default: 2,048 */
	CHECK(h_reserve_keep(4194304) == 209715); /* 64-bit pid_max: 5% */
	CHECK(h_reserve_keep(600) == 150);       /* a small pids.max: a quarter */
	CHECK(h_reserve_keep(0) == 0 && h_reserve_keep(-1) == 0);
	const uint64_t gib = 1048576;
	CHECK(h_reserve_mem_kib(24 * gib, 23 * gib) == 24 * gib / 10); /* 10% */
	CHECK(h_reserve_mem_kib(4 * gib, 3 * gib) == gib);             /* 1 GiB */
	CHECK(h_reserve_mem_kib(2 * gib, gib) == gib / 2);             /* half of what is left */
}

/* The figures against the sysctls: never more threads than any limit
 * leaves less its reserve, and the binding limit's wall is the threads
 * plus what is kept. */
static void test_compute(void)
{
	struct h_reserve rv;
	REQUIRE(h_reserve_compute(&rv) == 0);
	long long pid_max = read_ll("/proc/sys/kernel/pid_max");
	long long tmax = read_ll("/proc/sys/kernel/threads-max");
	char *load = t_read_file("/proc/loadavg");
	REQUIRE(load && strchr(load, '/'));
	long long now = atoll(strchr(load, '/') + 1);
	free(load);
	printf("reserve: %lld threads (%s %lld, wall at %lld, %lld kept); memory floor %llu of "
	       "%llu KiB\n", (long long)rv.threads, rv.limit, (long long)rv.limit_max,
	       (long long)rv.limit_at, (long long)rv.kept, (unsigned long long)rv.mem_floor_kib,
	       (unsigned long long)rv.mem_avail_kib);
	REQUIRE(rv.threads >= 0);
	/* Threads come and go between our reads and its own: a slack of 200. */
	if (pid_max > 0)
		CHECK(rv.threads <= pid_max - 300 - now - h_reserve_keep(pid_max) + 200);
	if (tmax > 0)
		CHECK(rv.threads <= tmax - now - h_reserve_keep(tmax) + 200);
	CHECK(rv.threads > 0 || rv.limit_at <= rv.kept);
	CHECK(strcmp(rv.limit, "kernel.pid_max") == 0 || strcmp(rv.limit, "threads-max") == 0 ||
	      strcmp(rv.limit, "pids.max") == 0 || strcmp(rv.limit, "vm.max_map_count") == 0);
	if (rv.threads > 0)
		CHECK(rv.limit_at - rv.threads == rv.kept);
	CHECK(rv.limit_max > rv.limit_at);
	CHECK(rv.mem_avail_kib > 0 && rv.mem_floor_kib > 0 &&
	      rv.mem_floor_kib <= rv.mem_avail_kib / 2);
}

/* ---- the threads runtime at its budget ---- */

struct sleeper {
	struct rt_task t;
	int state;
};

static struct rt_op sleeper_step(struct rt_task *t, long res)
{
	(void)res;
	struct sleeper *s = (struct sleeper *)t;
	return s->state++ == 0 ? rt_op_sleep(100 * 1000000ull) : rt_op_done();
}

/* n sleepers (100 ms) on threads under env: what run() returned and the
 * stats. */
static int run_budget(const struct rt_env *env, int n, struct rt_stats *st)
{
	int64_t stack_kib = 0;
	struct rt *rt = NULL;
	REQUIRE(rt_threads.create(&rt, env, &stack_kib) == 0);
	struct sleeper *s = calloc((size_t)n, sizeof *s);
	REQUIRE(s);
	for (int i = 0; i < n; i++) {
		s[i].t.step = sleeper_step;
		s[i].t.cpu = -1;
		REQUIRE(rt_spawn(rt, &s[i].t) == 0);
	}
	int rc = rt->ops->run(rt);
	rt->ops->stats(rt, st);
	rt->ops->destroy(rt); /* leaves itself to the exit if threads remain */
	/* The tasks never started are never touched again; the started ones
	 * have finished their sleep (run waits for them, or 2 s). */
	usleep(200000);
	free(s);
	return rc;
}

static void test_threads_budget(void)
{
	static const int cpus[] = { 0 };
	struct rt_stats st;
	struct rt_env env = { .ncpus = 1, .cpus = cpus, .max_threads = 10,
		              .threads_limit = "kernel.pid_max" };
	CHECK(run_budget(&env, 40, &st) == -EAGAIN);
	CHECKF(st.spawned == 10, "%llu threads made, budget 10", (unsigned long long)st.spawned);
	CHECK(st.reserve == 1 && strcmp(st.limit, "kernel.pid_max") == 0);

	/* A memory floor above anything available: it stops at the first
	 * check (every 256 threads alive) and names memory. */
	env = (struct rt_env){ .ncpus = 1, .cpus = cpus, .mem_floor_kib = UINT64_MAX };
	CHECK(run_budget(&env, 300, &st) == -EAGAIN);
	CHECKF(st.spawned == 255, "%llu threads made", (unsigned long long)st.spawned);
	CHECK(st.reserve == 1 && strcmp(st.limit, "memory") == 0);

	/* No budget: all of them, no reserve. */
	env = (struct rt_env){ .ncpus = 1, .cpus = cpus };
	CHECK(run_budget(&env, 40, &st) == 0);
	CHECK(st.spawned == 40 && st.reserve == 0 && st.limit[0] == '\0');
}

/* A coroutine a task: the memory floor binds coro too, checked every
 * 4,096 spawns (spawn makes the coroutine at once, before run()). */
static void test_coro_floor(void)
{
	static const int cpus[] = { 0 };
	struct rt_env env = { .ncpus = 1, .cpus = cpus, .mem_floor_kib = UINT64_MAX };
	int64_t params[3] = { 16, 0, 4 }; /* stack_kib, guard, offload_threads */
	struct rt *rt = NULL;
	REQUIRE(rt_coro.create(&rt, &env, params) == 0);
	int n = 5000, made = 0, rc = 0;
	struct sleeper *s = calloc((size_t)n, sizeof *s);
	REQUIRE(s);
	for (int i = 0; i < n && rc == 0; i++) {
		s[i].t.step = sleeper_step;
		s[i].t.cpu = -1;
		rc = rt_spawn(rt, &s[i].t);
		made += rc == 0;
	}
	struct rt_stats st;
	rt->ops->stats(rt, &st);
	CHECK(rc == -EAGAIN);
	CHECKF(made == 4095, "%d coroutines made", made);
	CHECK(st.reserve == 1 && strcmp(st.limit, "memory") == 0);
	rt->ops->destroy(rt);
	free(s);
}

int main(void)
{
	alarm(60);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_keep();
	test_compute();
	test_threads_budget();
	test_coro_floor();
	printf("unit_reserve: done\n");
	return t_exit_status();
}
