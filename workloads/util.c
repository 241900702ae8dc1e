/* Helpers every workload shares. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

void wl_metric(struct wl_report *r, const char *name, const char *unit, double v)
{
	if (r->nmetrics >= WL_MAX_METRICS)
		return; /* a workload declaring more is a programming error the tests catch */
	struct wl_metric *m = &r->metrics[r->nmetrics++];
	snprintf(m->name, sizeof m->name, "%s", name);
	snprintf(m->unit, sizeof m->unit, "%s", unit);
	m->value = v;
}

uint64_t wl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Task i's unscaled size: 1, or a Pareto draw (1 - u)^(-1/alpha) with u
 * from 53 bits of the seeded hash, in (0, 1]. */
static double skew_draw(int64_t i, int64_t skew, uint64_t seed)
{
	if (skew <= 0)
		return 1.0;
	uint64_t h = wl_mix64(seed * 0x9e3779b97f4a7c15ull + (uint64_t)i);
	double u = (double)((h >> 11) + 1) / 9007199254740992.0;
	return pow(u, -1.0 / (1.0 + 1.0 / (double)skew));
}

void wl_skewed_sizes(int64_t n, int64_t total, int64_t skew, uint64_t seed, int64_t *out)
{
	long double sum = 0, cum = 0;
	for (int64_t i = 0; i < n; i++)
		sum += skew_draw(i, skew, seed);
	/* Cumulative shares rounded at each boundary: the sizes telescope to
	 * total exactly, whatever the rounding. */
	int64_t prev = 0;
	for (int64_t i = 0; i < n; i++) {
		cum += skew_draw(i, skew, seed);
		int64_t upto = i + 1 == n ? total : (int64_t)((long double)total * cum / sum + 0.5L);
		out[i] = upto - prev;
		prev = upto;
	}
}

long wl_rss_kib(void)
{
	/* statm is one short line and cheaper than status; field 2 is resident
	 * pages. Costs one open/read/close: call it at sampling points only. */
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	long size, resident;
	if (sscanf(buf, "%ld %ld", &size, &resident) != 2)
		return -1;
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void (*wl_peak_hook)(void);

void wl_at_peak(void)
{
	if (wl_peak_hook)
		wl_peak_hook();
}

void wl_why(const struct wl_env *env, const char *fmt, ...)
{
	if (!env || !env->why || env->why_len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(env->why, env->why_len, fmt, ap);
	va_end(ap);
}

int wl_tmpfile(const char *dir, int otmpfile)
{
	if (otmpfile) {
		int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		/* EOPNOTSUPP: the filesystem lacks it; EISDIR: the kernel
		 * predates it (3.11) and took it for O_DIRECTORY. */
		if (errno != EOPNOTSUPP && errno != EISDIR)
			return -errno;
	}
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/concbench-XXXXXX", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Nothing is written before the name is gone: a kill between the two
	 * calls leaves an empty file at most. */
	if (unlink(path) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}
