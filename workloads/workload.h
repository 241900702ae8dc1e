/* workload.h — what a workload is to the harness.
 *
 * A workload builds its tasks (runtimes/runtime.h), spawns them on whatever
 * runtime the harness hands it, and after the run reports a checksum of the
 * work done plus its own metrics. The checksum must not depend on the runtime
 * or on scheduling order (combine per-task values with + or ^), so the
 * harness can check that every runtime did the same work.
 */
#ifndef CONCBENCH_WORKLOAD_H
#define CONCBENCH_WORKLOAD_H

#include "../runtimes/runtime.h"

#define WL_MAX_METRICS 16

struct wl_metric {
	char name[32];
	char unit[16];
	double value;
};

struct wl_report {
	uint64_t checksum;
	int nmetrics;
	struct wl_metric metrics[WL_MAX_METRICS];
	char error[128]; /* non-empty: the workload judged the run wrong */
};

struct workload {
	const char *name;
	const char *desc;
	const struct cb_param *params; /* values arrive in this order */
	/* Allocate state, create events and tasks, spawn them on rt. */
	int (*setup)(void **state, struct rt *rt, const int64_t *params);
	/* After rt's run() returned: fill the checksum and metrics. */
	void (*finish)(void *state, struct wl_report *rep);
	/* Free what setup made (events through rt, which is still alive). */
	void (*teardown)(void *state, struct rt *rt);
};

/* NULL-terminated, in workloads/registry.c. */
extern const struct workload *const wl_registry[];
const struct workload *wl_find(const char *name);

/* Shared helpers (workloads/util.c). */
void wl_metric(struct wl_report *r, const char *name, const char *unit, double v);
uint64_t wl_now_ns(void);            /* CLOCK_MONOTONIC */
uint64_t wl_mix64(uint64_t x);       /* splitmix64 finaliser: a cheap, good hash step */
long wl_rss_kib(void);               /* current RSS of this process, from /proc/self/statm */

#endif
