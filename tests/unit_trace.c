/* unit_trace — the task recorder (runtimes/trace.h) records only when on:
 *  - epoll and threads run a pingpong (the workload, 50 rounds) with the
 *    recorder never started: nothing is recorded;
 *  - started: each task's waits are the rounds (2 x 50 "stop,wait" lines
 *    in the CSV), and every run has its stop;
 *  - stopped again: a further run adds nothing.
 * Milliseconds: 150 round trips per runtime.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/base.h"
#include "runtimes/runtime.h"
#include "runtimes/trace.h"
#include "workloads/workload.h"

#include "tests/check.h"

#define ROUNDS 50

static void pingpong(const struct runtime *ops)
{
	static const int cpus[] = { 0 };
	const struct rt_env env = { .ncpus = 1, .cpus = cpus };
	int64_t rp[16], wp[4];
	t_param_defaults(ops->params, rp);
	const struct workload *wl = wl_find("pingpong");
	REQUIRE(wl);
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "rounds", ROUNDS);
	struct rt *rt;
	REQUIRE(ops->create(&rt, &env, rp) == 0);
	void *state = NULL;
	struct wl_env we = { .cpu_a = -1, .cpu_b = -1 };
	REQUIRE(wl->setup(&state, rt, wp, &we) == 0);
	REQUIRE(ops->run(rt) == 0);
	wl->teardown(state, rt);
	ops->destroy(rt);
}

static size_t count(const char *csv, const char *what)
{
	size_t n = 0;
	for (const char *p = csv; (p = strstr(p, what)); p++)
		n++;
	return n;
}

int main(void)
{
	/* coro: its body reads the recorder's flag once per coroutine and
	 * runs a traced or an untraced copy (coro.c's coro_main). */
	const char *names[] = { "epoll", "threads", "coro" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct runtime *ops = rt_find(names[i]);
		REQUIRE(ops);
		uint64_t dropped = 1;

		pingpong(ops);
		CHECKF(rt_trace_count(&dropped) == 0 && dropped == 0,
		       "%s: recorded with the recorder off", names[i]);

		REQUIRE(rt_trace_start(1024) == 0);
		pingpong(ops);
		rt_trace_stop();
		uint64_t n = rt_trace_count(&dropped);
		char *csv = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&csv, &len);
		REQUIRE(f && rt_trace_write(f) == 0 && fclose(f) == 0);
		CHECKF(count(csv, ",stop,wait\n") == 2 * ROUNDS, "%s: %zu waits, want %d", names[i],
		       count(csv, ",stop,wait\n"), 2 * ROUNDS);
		CHECKF(count(csv, ",run,") == count(csv, ",stop,"), "%s: runs %zu, stops %zu",
		       names[i], count(csv, ",run,"), count(csv, ",stop,"));
		/* Every wait but the first one or two finds no unit and is woken
		 * by the other side's notify (a held hand-over included). */
		CHECKF(count(csv, ",wake,") + 2 >= 2 * ROUNDS && count(csv, ",wake,") <= 2 * ROUNDS,
		       "%s: %zu wakes, want %d or a little fewer", names[i], count(csv, ",wake,"),
		       2 * ROUNDS);
		CHECKF(n > 0 && dropped == 0, "%s: %llu events, %llu dropped", names[i],
		       (unsigned long long)n, (unsigned long long)dropped);
		free(csv);

		pingpong(ops);
		CHECKF(rt_trace_count(NULL) == n, "%s: recorded after the stop", names[i]);
		rt_trace_reset();
		CHECK(rt_trace_count(NULL) == 0);
	}
	CHECK(rt_trace_start(0) < 0);
	int rc = t_exit_status();
	if (!rc)
		printf("unit_trace: ok\n");
	return rc;
}
