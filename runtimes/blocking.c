/* blocking.c — the direct-style driver shared by threads and pool: a task's
 * waits become blocking syscalls on the calling thread, events become futex
 * waits. A switch between two tasks therefore costs what the kernel charges
 * to put one thread to sleep and wake another.
 */
#define _GNU_SOURCE /* accept4, strerrorname_np */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blocking.h"
#include "offload.h"

int rt_blk_futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *rel)
{
	if (syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, rel, NULL, 0) == 0)
		return 0;
	return -errno;
}

void rt_blk_futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

uint64_t rt_blk_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* seq_cst on the add and on the waiters load pairs with the waiter's seq_cst
 * increment of waiters before FUTEX_WAIT (a Dekker handshake): either we see
 * the sleeper and wake it, or its FUTEX_WAIT sees count != 0 and returns. */
void rt_blk_notify(struct rt_event *ev)
{
	atomic_fetch_add(&ev->count, 1);
	if (atomic_load(&ev->waiters) > 0)
		rt_blk_futex_wake(&ev->count, 1);
}

/* threads: sleep until a notify; the loop absorbs spurious wakes and the
 * case where another waiter took the count first. */
static void wait_forever(struct rt_event *ev)
{
	while (!rt_blk_try_take(ev)) {
		atomic_fetch_add(&ev->waiters, 1);
		rt_blk_futex_wait(&ev->count, 0, NULL);
		atomic_fetch_sub(&ev->waiters, 1);
	}
}

static long do_sleep(uint64_t ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t end = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ns;
	ts.tv_sec = (time_t)(end / 1000000000u);
	ts.tv_nsec = (long)(end % 1000000000u);
	/* An absolute deadline: a signal in the middle does not stretch it. */
	int e;
	while ((e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
		;
	return -e;
}

/* Performs op on this thread; returns its result (see enum rt_op_kind). */
static long perform(struct rt_blk_ctx *ctx, const struct rt_op *op)
{
	ssize_t n;
	int fd;

	switch (op->kind) {
	case RT_READ:
		while ((n = read(op->fd, op->buf, op->len)) < 0 && errno == EINTR)
			;
		return n < 0 ? -errno : n;
	case RT_WRITE:
		while ((n = write(op->fd, op->buf, op->len)) < 0 && errno == EINTR)
			;
		return n < 0 ? -errno : n;
	case RT_ACCEPT:
		while ((fd = accept4(op->fd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
			;
		return fd < 0 ? -errno : fd;
	case RT_SLEEP:
		return do_sleep(op->ns);
	case RT_WAIT:
		if (rt_blk_try_take(op->ev))
			return 0;
		if (ctx->wait_slow)
			return ctx->wait_slow(ctx, op->ev);
		wait_forever(op->ev);
		return 0;
	case RT_NOTIFY:
		rt_blk_notify(op->ev);
		return 0;
	case RT_OFFLOAD: /* this thread blocks in every wait anyway: see offload.h */
		return rt_offload_inline(op);
	case RT_DONE:
		break;
	}
	return -EINVAL;
}

int rt_blk_drive(struct rt_task *t, struct rt_blk_ctx *ctx)
{
	long res = 0;
	for (;;) {
		struct rt_op op = rt_step(t, res);
		if (op.kind == RT_DONE)
			break;
		res = perform(ctx, &op);
		if (op.kind != RT_NOTIFY) /* the blocking call returned: woken */
			rt_trace_wake(t);
		/* Only the pool's wait returns this: the run declared deadlock. */
		if (op.kind == RT_WAIT && res < 0)
			return (int)res;
		atomic_store_explicit(&ctx->progress,
		                      atomic_load_explicit(&ctx->progress, memory_order_relaxed) + 1,
		                      memory_order_relaxed);
		if (ctx->abandon && atomic_load_explicit(ctx->abandon, memory_order_relaxed))
			return -ECANCELED;
	}
	if (t->release)
		t->release(t);
	return 0;
}

#define WATCH_CHECK_NS   (40ull * 1000000u)  /* the watchdog looks this often */
#define WATCH_CONFIRM_NS (150ull * 1000000u) /* stuck and no progress for this long */
#define WATCH_REWAKE_NS  (1ull * 1000000u)   /* after the verdict: wake sleepers again */

static struct rt_blk_ctx *watch_ctx(struct rt_blk_watch *w, int i)
{
	return (struct rt_blk_ctx *)(void *)(w->ctxs + (size_t)i * w->stride);
}

/* Wakes every worker asleep on an event so it sees the deadlock. The events
 * outlive run() (workloads free them after it), and the watchdog is joined
 * before run() returns, so the word it wakes is still an event's. */
static void watch_wake_sleepers(struct rt_blk_watch *w)
{
	for (int i = 0; i < w->nctx; i++) {
		struct rt_event *ev = atomic_load(&watch_ctx(w, i)->sleeping_on);
		if (ev)
			rt_blk_futex_wake(&ev->count, INT32_MAX);
	}
}

/* After the verdict it keeps waking sleepers every WATCH_REWAKE_NS: a worker
 * that read deadlock == 0 just before it was set may enter its futex sleep
 * after the first wake. */
static void *watch_main(void *arg)
{
	struct rt_blk_watch *w = arg;
	while (!atomic_load(&w->stop)) {
		int dead = atomic_load(&w->deadlock);
		uint64_t ns = dead ? WATCH_REWAKE_NS : WATCH_CHECK_NS;
		const struct timespec rel = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
		rt_blk_futex_wait(&w->stop, 0, &rel);
		if (atomic_load(&w->stop))
			break;
		if (!dead)
			w->check(w->arg);
		if (atomic_load(&w->deadlock))
			watch_wake_sleepers(w);
	}
	return NULL;
}

int rt_blk_watch_start(struct rt_blk_watch *w, void (*check)(void *arg), void *arg,
                       struct rt_blk_ctx *first, size_t stride, int n)
{
	w->suspect_ns = 0;
	w->check = check;
	w->arg = arg;
	w->ctxs = (char *)first;
	w->stride = stride;
	w->nctx = n;
	atomic_store(&w->stop, 0);
	return pthread_create(&w->tid, NULL, watch_main, w);
}

void rt_blk_watch_stop(struct rt_blk_watch *w)
{
	atomic_store(&w->stop, 1);
	rt_blk_futex_wake(&w->stop, 1);
	pthread_join(w->tid, NULL);
}

uint64_t rt_blk_watch_progress(struct rt_blk_watch *w, int n)
{
	uint64_t progress = 0;
	for (int i = 0; i < n; i++)
		progress += atomic_load_explicit(&watch_ctx(w, i)->progress, memory_order_relaxed);
	return progress;
}

void rt_blk_run_failed(pthread_mutex_t *mu, int *nrunning, int running, int *err, char *limit,
                       size_t len, int e)
{
	/* Diagnosed before mu is taken: it reads /proc. */
	char why[64];
	rt_blk_diagnose(e, why, sizeof(why));
	pthread_mutex_lock(mu);
	if (nrunning)
		*nrunning = running;
	if (!*err) {
		*err = -e;
		snprintf(limit, len, "%s", why);
	}
	pthread_mutex_unlock(mu);
}

void rt_blk_stats(pthread_mutex_t *mu, const struct rt_blk_tally *t, struct rt_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(mu);
	out->spawned = t->spawned;
	out->completed = t->completed;
	out->peak_live = t->peak_live;
	out->err = t->err;
	memcpy(out->limit, t->limit, sizeof(out->limit));
	pthread_mutex_unlock(mu);
}

int rt_blk_wait_watched(struct rt_blk_watch *w, struct rt_blk_ctx *ctx, struct rt_event *ev)
{
	int rc = 0;

	/* Relaxed: the watchdog's count needs no order (a verdict waits for a
	 * confirmation period without progress), and its wakes after the
	 * verdict repeat until this worker has seen it. */
	atomic_store_explicit(&ctx->sleeping_on, ev, memory_order_relaxed);
	for (;;) {
		if (rt_blk_try_take(ev))
			break;
		if (atomic_load(&w->deadlock)) {
			rc = -EDEADLK;
			break;
		}
		atomic_fetch_add(&ev->waiters, 1);
		rt_blk_futex_wait(&ev->count, 0, NULL);
		atomic_fetch_sub(&ev->waiters, 1);
	}
	atomic_store_explicit(&ctx->sleeping_on, NULL, memory_order_relaxed);
	return rc;
}

int rt_blk_watch_check(struct rt_blk_watch *w, int nworkers, uint64_t live, uint64_t progress)
{
	uint64_t now = rt_blk_now_ns();
	if (atomic_load(&w->deadlock))
		return 0;
	int blocked = 0;
	for (int i = 0; i < nworkers; i++)
		blocked += atomic_load_explicit(&watch_ctx(w, i)->sleeping_on, memory_order_relaxed) !=
		           NULL;
	/* Every worker waits (so queued tasks, which might notify, never run),
	 * or every live task waits (so nobody is left to notify). */
	int stuck = blocked > 0 && (blocked == nworkers || (uint64_t)blocked == live);
	if (!stuck) {
		w->suspect_ns = 0;
		return 0;
	}
	if (w->suspect_ns == 0 || progress != w->suspect_progress) {
		w->suspect_ns = now;
		w->suspect_progress = progress;
		return 0;
	}
	return now - w->suspect_ns >= WATCH_CONFIRM_NS;
}

int rt_blk_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	struct rt_event *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	*out = ev;
	return 0;
}

void rt_blk_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	free(ev);
}

/* ---- Why did pthread_create fail? ---------------------------------------
 * Each check compares a usage against its limit with a small slack, because
 * other processes create and end threads between the failure and our look. */

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* -1 when missing or not a number (e.g. pids.max "max"). */
static long long read_ll(const char *path)
{
	char buf[64], *end;
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	long long v = strtoll(buf, &end, 10);
	return end == buf ? -1 : v;
}

/* Is the system's thread count within reach of the sysctl at path, less
 * `reserved` values it cannot hand out? */
static int hit_system_threads(const char *path, long long reserved)
{
	char buf[128];
	long long max = read_ll(path);
	if (max < 0 || read_file("/proc/loadavg", buf, sizeof(buf)) < 0)
		return 0;
	/* "0.00 0.01 0.05 running/total lastpid": total counts every thread. */
	const char *slash = strchr(buf, '/');
	return slash && atoll(slash + 1) + 64 + reserved >= max;
}

static int hit_max_map_count(void)
{
	long long max = read_ll("/proc/sys/vm/max_map_count");
	FILE *f = fopen("/proc/self/maps", "re");
	if (max < 0 || !f) {
		if (f)
			fclose(f);
		return 0;
	}
	long long lines = 0;
	int c;
	while ((c = getc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	/* A thread adds two mappings: its stack and the guard page below it. */
	return lines + 8 >= max;
}

/* Threads of processes whose real uid is ours: what RLIMIT_NPROC counts. */
static long long user_threads(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	long long total = 0;
	struct dirent *e;
	char path[300], buf[2048];
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if (read_file(path, buf, sizeof(buf)) < 0)
			continue;
		const char *uid = strstr(buf, "\nUid:");
		const char *thr = strstr(buf, "\nThreads:");
		if (uid && thr && (uid_t)atoll(uid + 5) == getuid())
			total += atoll(thr + 9);
	}
	closedir(d);
	return total;
}

static int hit_nproc(void)
{
	struct rlimit rl;
	/* root (CAP_SYS_RESOURCE/CAP_SYS_ADMIN) is not held to RLIMIT_NPROC. */
	if (geteuid() == 0 || getrlimit(RLIMIT_NPROC, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	long long n = user_threads();
	return n >= 0 && (unsigned long long)n + 16 >= (unsigned long long)rl.rlim_cur;
}

/* Walks from the cgroup up to the root: a pids.max anywhere above applies. */
static int hit_pids_in(const char *base, const char *cgpath)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	if (snprintf(dir, sizeof(dir), "%s%s", base, cgpath) >= (int)sizeof(dir))
		return 0;
	for (;;) {
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			dir[--n] = '\0';
		snprintf(path, sizeof(path), "%s/pids.max", dir);
		long long max = read_ll(path);
		snprintf(path, sizeof(path), "%s/pids.current", dir);
		long long cur = read_ll(path);
		if (max >= 0 && cur >= 0 && cur + 8 >= max)
			return 1;
		char *slash = strrchr(dir, '/');
		if (!slash || strlen(dir) <= strlen(base))
			return 0;
		*slash = '\0';
	}
}

static int hit_pids_max(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	char line[PATH_MAX + 64];
	int hit = 0;
	while (!hit && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* "hierarchy-id:controllers:path"; v2 is "0::path". */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		if (*ctrls == '\0') {
			hit = hit_pids_in("/sys/fs/cgroup", path) ||
			      hit_pids_in("/sys/fs/cgroup/unified", path);
		} else {
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "%s", ctrls);
			for (char *s, *tok = strtok_r(tmp, ",", &s); tok; tok = strtok_r(NULL, ",", &s))
				if (strcmp(tok, "pids") == 0)
					hit = hit_pids_in("/sys/fs/cgroup/pids", path);
		}
	}
	fclose(f);
	return hit;
}

void rt_blk_diagnose(int err, char *limit, size_t len)
{
	const char *name;
	if (hit_system_threads("/proc/sys/kernel/threads-max", 0))
		name = "threads-max";
	else if (hit_system_threads("/proc/sys/kernel/pid_max", 300))
		/* Every thread takes a pid; pids below 300 are never reused
		 * (the kernel's RESERVED_PIDS), so 32768 gives ~32,450. */
		name = "kernel.pid_max";
	else if (hit_max_map_count())
		name = "vm.max_map_count";
	else if (hit_nproc())
		name = "RLIMIT_NPROC";
	else if (hit_pids_max())
		name = "pids.max";
	else if (err == EAGAIN || err == ENOMEM)
		name = "memory"; /* stack mmap failed: address space or overcommit */
	else
		name = strerrorname_np(err) ? strerrorname_np(err) : "pthread_create";
	snprintf(limit, len, "%s", name);
}

/* Declared in runtime.h, beside rt_env's floor. */
uint64_t rt_mem_available_kib(void)
{
	char buf[4096];
	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return 0;
	const char *p = strstr(buf, "MemAvailable:");
	return p ? strtoull(p + 13, NULL, 10) : 0;
}
