/* unit_file_direct — the file workload's direct=1 mode and its timer, run
 * in this process on real files:
 *  - in a folder whose filesystem takes O_DIRECT (the build folder, else
 *    /var/tmp, else /tmp; none: that part is skipped), the reads bypass
 *    the page cache: direct_used=1, every reader's fd has O_DIRECT
 *    (/proc/self/fdinfo), and /proc/self/io's read_bytes grows by at least
 *    the bytes read, which a run from the page cache (cold=0, direct=0)
 *    does not do;
 *  - on tmpfs (/dev/shm), which keeps files in memory and since Linux 6.6
 *    even accepts O_DIRECT, the run falls back: direct_used=0, no fd with
 *    O_DIRECT, and the same reads give the same checksum;
 *  - the timer's figures are there and sane on every runtime (ticks > 0,
 *    lateness >= 0, p99 <= max, mean <= max),
 *    every runtime gets the same checksum, and on a single executor that
 *    reads files in its thread (epoll, coro; not uring, whose reads the
 *    kernel makes) the timer's latest tick waited for the whole read: its lateness
 *    is at least the reads' elapsed time less one period. That follows from
 *    the model, not from speed: the one thread never gets back to its
 *    timers while a reader's read() completes at once. Speed is never
 *    asserted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "workloads/workload.h"

#include "tests/check.h"

#define TIMER_US 100

/* Whether a file in dir can be read with O_DIRECT from a device: not
 * tmpfs or ramfs, the open and an aligned read succeed. */
static int direct_capable(const char *dir)
{
	int fd = wl_tmpfile(dir, 1);
	if (fd < 0)
		return 0;
	int ok = 0;
	struct statfs fs;
	void *buf = NULL;
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	if (fstatfs(fd, &fs) == 0 && fs.f_type != 0x01021994 && fs.f_type != 0x858458f6 &&
	    posix_memalign(&buf, 4096, 4096) == 0) {
		memset(buf, 1, 4096);
		int dfd;
		if (pwrite(fd, buf, 4096, 0) == 4096 && fdatasync(fd) == 0 &&
		    (dfd = open(self, O_RDONLY | O_DIRECT)) >= 0) {
			ok = pread(dfd, buf, 4096, 0) == 4096;
			close(dfd);
		}
	}
	free(buf);
	close(fd);
	return ok;
}

static int on_tmpfs(const char *dir)
{
	struct statfs fs;
	return statfs(dir, &fs) == 0 && fs.f_type == 0x01021994 && access(dir, W_OK) == 0;
}

/* This process's bytes fetched from the storage layer; -1 unknown. */
static long long read_bytes(void)
{
	char *io = t_read_file("/proc/self/io");
	const char *p = io ? strstr(io, "\nread_bytes: ") : NULL;
	long long v = p ? atoll(p + 13) : -1;
	free(io);
	return v;
}

/* The fds open on a file in dir, and how many of them with O_DIRECT
 * (/proc/self/fdinfo's flags, octal). */
static int direct_fds(const char *dir, int *all)
{
	int n = 0;
	*all = 0;
	size_t dlen = strlen(dir);
	for (int fd = 0; fd < 1024; fd++) {
		char p[64], link[PATH_MAX];
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		ssize_t len = readlink(p, link, sizeof link - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strncmp(link, dir, dlen) || link[dlen] != '/')
			continue;
		snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
		char *info = t_read_file(p);
		const char *f = info ? strstr(info, "flags:") : NULL;
		unsigned long flags = f ? strtoul(f + 6, NULL, 8) : 0;
		free(info);
		(*all)++;
		n += (flags & O_DIRECT) != 0;
	}
	return n;
}

struct result {
	struct wl_report rep;
	long long io;   /* read_bytes grown during setup and run; -1 unknown */
	int fds, direct; /* fds on the file after setup, with O_DIRECT */
};

/* One run of file in dir on runtime name, with sets "k=v" applied. */
static void run(const char *dir, const char *name, int64_t direct, int64_t cold, struct result *out)
{
	const struct runtime *rto = rt_find(name);
	const struct workload *wl = wl_find("file");
	REQUIRE(rto && wl);
	int cpus[CPU_SETSIZE], ncpus = t_allowed_cpus(cpus, CPU_SETSIZE);
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
	int64_t rp[32], wp[32];
	t_param_defaults(rto->params, rp);
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "file_mib", 4);
	t_param_set(wl->params, wp, "block_kib", 4);
	t_param_set(wl->params, wp, "tasks", 4);
	t_param_set(wl->params, wp, "cold", cold);
	t_param_set(wl->params, wp, "direct", direct);
	t_param_set(wl->params, wp, "timer_us", TIMER_US);
	REQUIRE(setenv("TMPDIR", dir, 1) == 0);

	struct rt *rt = NULL;
	REQUIRE(rto->create(&rt, &env, rp) == 0);
	void *st = NULL;
	char why[160] = "";
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1, .why = why, .why_len = sizeof why };
	long long io0 = read_bytes();
	int err = wl->setup(&st, rt, wp, &wenv);
	if (err)
		FAIL("%s in %s: setup: %s", name, dir, why[0] ? why : strerror(-err));
	out->direct = direct_fds(dir, &out->fds);
	err = rto->run(rt);
	if (err)
		FAIL("%s in %s: run: %s", name, dir, strerror(-err));
	long long io1 = read_bytes();
	memset(&out->rep, 0, sizeof out->rep);
	wl->finish(st, &out->rep);
	wl->teardown(st, rt);
	rto->destroy(rt);
	out->io = io0 >= 0 && io1 >= 0 ? io1 - io0 : -1;
	CHECKF(!out->rep.error[0], "%s: %s", name, out->rep.error);
	CHECKF(t_metric(&out->rep, "reads") >= 1024, "%s: %.0f reads", name,
	       t_metric(&out->rep, "reads"));
}

/* The timer's figures: present, counted, non-negative, mean within max. */
static void timer_sane(const char *what, const struct wl_report *r)
{
	double ticks = t_metric(r, "timer_ticks");
	CHECKF(ticks > 0, "%s: timer_ticks %.0f", what, ticks);
	if (!(ticks > 0))
		return;
	double p99 = t_metric(r, "timer_late_p99_us"), max = t_metric(r, "timer_late_max_us");
	double mean = t_metric(r, "timer_late_mean_us");
	CHECKF(p99 >= 0 && max >= p99 && mean >= 0 && mean <= max,
	       "%s: lateness p99 %.1f max %.1f mean %.1f us", what, p99, max, mean);
	printf("%s: %.0f ticks, late p99 %.1f max %.1f mean %.1f us, %.1f MiB/s\n", what, ticks,
	       p99, max, mean, t_metric(r, "mib_per_s"));
}

static void direct_device(const char *dir)
{
	struct result d, c;
	run(dir, "threads", 1, 1, &d);
	CHECKF(t_metric(&d.rep, "direct_used") == 1, "direct_used %g in %s",
	       t_metric(&d.rep, "direct_used"), dir);
	CHECKF(d.fds == 4 && d.direct == 4, "direct=1: %d of the readers' %d fds with O_DIRECT",
	       d.direct, d.fds);
	timer_sane("threads direct=1", &d.rep);
	/* From the device: every byte read was fetched (4 MiB); from the page
	 * cache, nothing near that. */
	run(dir, "threads", 0, 0, &c);
	if (d.io < 0 || c.io < 0) {
		printf("no /proc/self/io (task I/O accounting): bytes fetched not checked\n");
	} else {
		printf("read_bytes: %lld with direct=1, %lld from the page cache\n", d.io, c.io);
		CHECKF(d.io >= 4 << 20, "direct=1 fetched %lld bytes from storage, want >= 4 MiB",
		       d.io);
		CHECKF(c.io < 1 << 20, "cold=0 fetched %lld bytes from storage, want almost none",
		       c.io);
	}

	/* Every runtime: the same checksum, sane timer figures; a single
	 * executor's timer waited for the reads. */
	for (const struct runtime *const *rt = rt_registry; *rt; rt++) {
		struct result r;
		run(dir, (*rt)->name, 1, 1, &r);
		CHECKF(r.rep.checksum == d.rep.checksum, "%s: checksum %016llx, threads %016llx",
		       (*rt)->name, (unsigned long long)r.rep.checksum,
		       (unsigned long long)d.rep.checksum);
		char what[64];
		snprintf(what, sizeof what, "%s direct=1", (*rt)->name);
		/* A pool of one worker has no timer (it would hold the worker). */
		if ((*rt)->cpus == RT_CPUS_PARAM && (*rt)->switches == RT_SWITCH_KERNEL &&
		    !t_find_metric(&r.rep, "timer_ticks")) {
			printf("%s: no timer (one worker)\n", what);
			continue;
		}
		timer_sane(what, &r.rep);
		/* Not a work-stealing runtime (its timer may sit on another
		 * worker than the reads), nor one whose file reads are async. */
		if ((*rt)->files == RT_FILES_INLINE &&
		    ((*rt)->cpus == RT_CPUS_ONE ||
		     ((*rt)->cpus == RT_CPUS_PARAM && (*rt)->switches != RT_SWITCH_KERNEL &&
		      !(*rt)->steals))) {
			double el_us = t_metric(&r.rep, "elapsed_ms") * 1e3;
			double max = t_metric(&r.rep, "timer_late_max_us");
			CHECKF(max >= el_us - 2 * TIMER_US,
			       "%s: the timer's latest tick %.0f us late, the reads took %.0f us",
			       what, max, el_us);
		}
	}
}

static void direct_tmpfs(const char *dir, const struct result *dev)
{
	struct result m;
	run(dir, "epoll", 1, 1, &m);
	CHECKF(t_metric(&m.rep, "direct_used") == 0, "tmpfs %s: direct_used %g", dir,
	       t_metric(&m.rep, "direct_used"));
	CHECKF(m.fds == 4 && m.direct == 0, "tmpfs: %d of the readers' %d fds with O_DIRECT",
	       m.direct, m.fds);
	if (dev)
		CHECKF(m.rep.checksum == dev->rep.checksum,
		       "tmpfs checksum %016llx, device %016llx", (unsigned long long)m.rep.checksum,
		       (unsigned long long)dev->rep.checksum);
	printf("tmpfs %s: direct_used=0, checksum %016llx\n", dir,
	       (unsigned long long)m.rep.checksum);
}

int main(void)
{
	char cwd[PATH_MAX];
	const char *cands[] = { getcwd(cwd, sizeof cwd) ? cwd : "/var/tmp", "/var/tmp", "/tmp" };
	const char *dev = NULL;
	for (size_t i = 0; i < sizeof cands / sizeof *cands && !dev; i++)
		if (direct_capable(cands[i]))
			dev = cands[i];
	int tested = 0;
	struct result ref;
	if (dev) {
		printf("O_DIRECT folder: %s\n", dev);
		direct_device(dev);
		run(dev, "threads", 1, 1, &ref);
		tested++;
	} else {
		printf("no folder here takes O_DIRECT (tried %s, /var/tmp, /tmp): that part skipped\n",
		       cands[0]);
	}
	if (on_tmpfs("/dev/shm")) {
		direct_tmpfs("/dev/shm", dev ? &ref : NULL);
		tested++;
	} else {
		printf("/dev/shm is not a writable tmpfs: the fallback is not tried\n");
	}
	if (!tested)
		return 77;
	return t_exit_status();
}
