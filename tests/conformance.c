/* conformance RUNTIME WORKLOAD — runs the workload on the runtime in this
 * process with small parameters and checks its checksum against a reference
 * computed here independently of any runtime, plus the sanity of its
 * metrics. `conformance --registry RTS WLS` checks that the CMake lists of
 * runtimes and workloads name exactly the registered ones. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

#define FAIL(...) do { fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static const struct wl_metric *metric(const struct wl_report *r, const char *name)
{
	for (int i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return &r->metrics[i];
	FAIL("metric %s missing", name);
}

/* Reference checksums: the same arithmetic as the workloads, written out
 * sequentially, with no runtime involved. */
static uint64_t ref_cpu(int64_t tasks, int64_t work)
{
	uint64_t sum = 0;
	for (int64_t t = 0; t < tasks; t++) {
		uint64_t x = wl_mix64((uint64_t)t + 1);
		for (int64_t i = 0; i < work; i++)
			x = wl_mix64(x + (uint64_t)i);
		sum += x;
	}
	return sum;
}

static uint64_t ref_sleep(int64_t tasks)
{
	uint64_t sum = 0;
	for (int64_t t = 0; t < tasks; t++)
		sum += wl_mix64((uint64_t)t);
	return sum ^ (uint64_t)tasks;
}

static uint64_t ref_pingpong(int64_t rounds)
{
	uint64_t tok = 0x9e3779b97f4a7c15ull;
	for (int64_t r = 1; r <= rounds; r++) {
		tok = wl_mix64(tok + 1);               /* pong returns it */
		tok = wl_mix64(tok ^ (uint64_t)r);     /* ping receives it */
	}
	return tok ^ (uint64_t)rounds;
}

static int in_list(const char *csv, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = csv; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static int check_registry(const char *rts, const char *wls)
{
	int nrt = 0, nwl = 0;
	for (const struct runtime *const *r = rt_registry; *r; r++, nrt++)
		if (!in_list(rts, (*r)->name))
			FAIL("runtime %s is registered but tests/CMakeLists.txt does not test it", (*r)->name);
	for (const struct workload *const *w = wl_registry; *w; w++, nwl++)
		if (!in_list(wls, (*w)->name))
			FAIL("workload %s is registered but tests/CMakeLists.txt does not test it", (*w)->name);
	int listed_rt = 1, listed_wl = 1;
	for (const char *p = rts; (p = strchr(p, ',')); p++)
		listed_rt++;
	for (const char *p = wls; (p = strchr(p, ',')); p++)
		listed_wl++;
	if (listed_rt != nrt || listed_wl != nwl)
		FAIL("CMake lists %d runtimes and %d workloads, the registries %d and %d",
		     listed_rt, listed_wl, nrt, nwl);
	printf("registry: %d runtimes, %d workloads\n", nrt, nwl);
	return 0;
}

static void defaults(const struct cb_param *p, int64_t *v)
{
	for (int i = 0; p[i].name; i++)
		v[i] = p[i].def;
}

static void set(const struct cb_param *p, int64_t *v, const char *name, int64_t val)
{
	for (int i = 0; p[i].name; i++)
		if (strcmp(p[i].name, name) == 0) {
			v[i] = val;
			return;
		}
	FAIL("no parameter %s", name);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--registry") == 0)
		return check_registry(argv[2], argv[3]);
	if (argc != 3)
		FAIL("usage: conformance RUNTIME WORKLOAD | --registry RTS WLS");
	const struct runtime *rto = rt_find(argv[1]);
	const struct workload *wl = wl_find(argv[2]);
	if (!rto || !wl)
		FAIL("unknown runtime or workload");

	cpu_set_t cs;
	int cpus[CPU_SETSIZE], ncpus = 0;
	sched_getaffinity(0, sizeof cs, &cs);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cs))
			cpus[ncpus++] = i;
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus };

	int64_t rp[32], wp[32];
	defaults(rto->params, rp);
	defaults(wl->params, wp);
	uint64_t want;
	if (strcmp(wl->name, "cpu") == 0) {
		set(wl->params, wp, "tasks", 16);
		set(wl->params, wp, "work", 5000);
		want = ref_cpu(16, 5000);
	} else if (strcmp(wl->name, "sleep") == 0) {
		/* Long enough that starting 200 threads (slow under ASan) ends
		 * before the first wakes; the pool runs two at a time, so it gets
		 * a short sleep to keep the test quick. */
		set(wl->params, wp, "tasks", 200);
		set(wl->params, wp, "ms", strcmp(rto->name, "pool") == 0 ? 10 : 300);
		want = ref_sleep(200);
	} else if (strcmp(wl->name, "pingpong") == 0) {
		set(wl->params, wp, "rounds", 20000);
		want = ref_pingpong(20000);
	} else {
		FAIL("no reference for workload %s: add one here", wl->name);
	}

	struct rt *rt;
	int err = rto->create(&rt, &env, rp);
	if (err)
		FAIL("%s: create: %s", rto->name, strerror(-err));
	void *st = NULL;
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1 };
	err = wl->setup(&st, rt, wp, &wenv);
	if (err)
		FAIL("%s/%s: setup: %s", rto->name, wl->name, strerror(-err));
	uint64_t t0 = wl_now_ns();
	err = rto->run(rt);
	uint64_t wall = wl_now_ns() - t0;
	if (err)
		FAIL("%s/%s: run: %s", rto->name, wl->name, strerror(-err));
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	wl->finish(st, &rep);
	struct rt_stats stats;
	memset(&stats, 0, sizeof stats);
	rto->stats(rt, &stats);
	wl->teardown(st, rt);
	rto->destroy(rt);

	if (rep.error[0])
		FAIL("workload error: %s", rep.error);
	if (rep.checksum != want)
		FAIL("%s/%s: checksum 0x%016llx, reference 0x%016llx", rto->name, wl->name,
		     (unsigned long long)rep.checksum, (unsigned long long)want);
	if (stats.completed != stats.spawned || stats.spawned == 0)
		FAIL("stats: spawned %llu completed %llu", (unsigned long long)stats.spawned,
		     (unsigned long long)stats.completed);

	if (strcmp(wl->name, "cpu") == 0) {
		if (stats.spawned != 16)
			FAIL("cpu spawned %llu tasks, want 16", (unsigned long long)stats.spawned);
		if (!(metric(&rep, "iters_per_us")->value > 0))
			FAIL("iters_per_us not positive");
	} else if (strcmp(wl->name, "sleep") == 0) {
		double el = metric(&rep, "elapsed_ms")->value;
		if (el < (double)wp[1])
			FAIL("slept %.1f ms, less than the %lld ms asked", el, (long long)wp[1]);
		/* Every task waits at once, except on the pool, whose model caps
		 * concurrency at its workers (one per CPU by default). */
		double peak = metric(&rep, "peak_waiting")->value;
		int capped = strcmp(rto->name, "pool") == 0;
		if (capped ? !(peak >= 1 && peak <= ncpus) : peak != 200)
			FAIL("peak_waiting %.0f: want %s", peak, capped ? "at most the workers" : "all 200");
		if (!capped) {
			double m = metric(&rep, "mem_per_task_kib")->value;
			if (!(m >= 0 && m < 100000))
				FAIL("mem_per_task_kib %.3f not sane", m);
		}
	} else {
		double ns = metric(&rep, "ns_per_switch")->value;
		if (!(ns > 0 && ns * 2 * 18000 <= (double)wall))
			FAIL("ns_per_switch %.1f not within the run's wall time", ns);
	}
	printf("%s/%s: checksum 0x%016llx ok, %llu tasks, %.1f ms\n", rto->name, wl->name,
	       (unsigned long long)rep.checksum, (unsigned long long)stats.spawned, wall / 1e6);
	for (int i = 0; i < rep.nmetrics; i++)
		printf("  %s = %g %s\n", rep.metrics[i].name, rep.metrics[i].value, rep.metrics[i].unit);
	return 0;
}
