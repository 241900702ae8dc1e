/* Helpers every workload shares. */
#include <fcntl.h>
#include <stdio.h>
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

uint64_t wl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
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
