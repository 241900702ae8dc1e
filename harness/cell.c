/* cell.c — one cell (runtime × workload × parameter point × rep) in a fresh
 * child process. fork without exec: the child inherits the loaded hwloc
 * topology and the registries, so a cell costs one fork (well under a
 * millisecond for this small parent), and a crash, a leak or a runaway
 * thread count dies with the child instead of skewing the next cell. The
 * child sends one fixed-size struct through a pipe; the parent adds what
 * wait4() knows (CPU time, context switches, peak RSS). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

/* Under PIPE_BUF, so the child's single write is atomic. */
_Static_assert(sizeof(struct h_cell_result) <= 4096, "result must fit in one pipe write");

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fail(struct h_cell_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct h_cell_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	r->ok = 0;
}

static _Noreturn void child_send(int fd, const struct h_cell_result *r)
{
	const char *p = (const char *)r;
	size_t left = sizeof *r;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3); /* the parent is gone: nobody to tell */
		p += w;
		left -= (size_t)w;
	}
	_exit(0);
}

static void take_stats(struct rt *rt, struct h_cell_result *r)
{
	struct rt_stats st = { 0 };
	rt->ops->stats(rt, &st);
	r->tasks_reached = st.spawned;
	st.limit[sizeof st.limit - 1] = '\0';
	snprintf(r->limit, sizeof r->limit, "%s", st.limit);
}

/* The child's whole life. It always ends in _exit, so no atexit handler
 * and no inherited stdio buffer of the parent runs twice. */
static _Noreturn void child(const struct h_cell *c, hwloc_topology_t topo,
                            hwloc_const_cpuset_t cpuset, int fd, pid_t parent)
{
	struct h_cell_result r = { .ok = 1 };

	/* If the parent dies, so do we; the getppid check closes the race
	 * with a parent that died before the prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(4);

	if (hwloc_set_cpubind(topo, cpuset, HWLOC_CPUBIND_PROCESS) != 0) {
		fail(&r, "cannot bind to the cpuset: %s", strerror(errno));
		child_send(fd, &r);
	}

	int ncpus = hwloc_bitmap_weight(cpuset);
	int *cpus = calloc(ncpus > 0 ? (size_t)ncpus : 1, sizeof *cpus);
	if (!cpus) {
		fail(&r, "out of memory");
		child_send(fd, &r);
	}
	int n = 0;
	unsigned id;
	hwloc_bitmap_foreach_begin(id, cpuset)
		cpus[n++] = (int)id;
	hwloc_bitmap_foreach_end();
	struct rt_env env = { .ncpus = n, .cpus = cpus };
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1 };

	int nw = 0;
	while (c->wl->params && c->wl->params[nw].name)
		nw++;

	struct rt *rt = NULL;
	int rc = c->rt->create(&rt, &env, c->params + nw);
	if (rc < 0) {
		fail(&r, "runtime create: %s", strerror(-rc));
		child_send(fd, &r);
	}

	/* On a failed setup or run, tasks may still be parked or half built,
	 * so tearing down could touch freed state: report and let _exit
	 * reclaim everything instead. */
	void *state = NULL;
	rc = c->wl->setup(&state, rt, c->params, &wenv);
	if (rc < 0) {
		take_stats(rt, &r);
		fail(&r, "workload setup: %s", strerror(-rc));
		child_send(fd, &r);
	}

	uint64_t t0 = now_ns();
	rc = c->rt->run(rt);
	r.wall_ns = now_ns() - t0;
	take_stats(rt, &r);
	if (rc < 0) {
		fail(&r, "%s", strerror(-rc));
		child_send(fd, &r);
	}

	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	c->wl->finish(state, &rep);
	r.checksum = rep.checksum;
	r.nmetrics = rep.nmetrics < 0 ? 0 : rep.nmetrics > WL_MAX_METRICS ? WL_MAX_METRICS
	                                                                   : rep.nmetrics;
	memcpy(r.metrics, rep.metrics, sizeof r.metrics);
	rep.error[sizeof rep.error - 1] = '\0';
	if (rep.error[0])
		fail(&r, "%s", rep.error);

	c->wl->teardown(state, rt);
	c->rt->destroy(rt);
	free(cpus);
	child_send(fd, &r);
}

static void describe_status(struct h_cell_result *r, int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);
		fail(r, "signal %d (%s%s)", sig, abbrev ? "SIG" : "", abbrev ? abbrev : "unknown");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		fail(r, "child exited with status %d before reporting", WEXITSTATUS(status));
	} else {
		fail(r, "child exited without reporting");
	}
}

void h_cell_run(struct h_cell *c, hwloc_topology_t topo, hwloc_const_cpuset_t cpuset,
                int timeout_s)
{
	struct h_cell_result *r = &c->res;
	memset(r, 0, sizeof *r);

	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		fail(r, "pipe: %s", strerror(errno));
		return;
	}
	/* A child must not inherit (and later lose or duplicate) buffered
	 * output: results.jsonl lines and progress text are flushed first. */
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		fail(r, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		child(c, topo, cpuset, p[1], parent);
	}
	close(p[1]);

	/* The watchdog: poll with what is left of the time limit. */
	uint64_t deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
	char *buf = (char *)r;
	size_t got = 0;
	int timed_out = 0, read_err = 0;
	while (got < sizeof *r) {
		uint64_t now = now_ns();
		if (now >= deadline) {
			timed_out = 1;
			break;
		}
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int pr = poll(&pfd, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			read_err = errno;
			break;
		}
		if (pr == 0)
			continue; /* the loop head decides whether time is up */
		ssize_t n = read(p[0], buf + got, sizeof *r - got);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			read_err = errno;
			break;
		}
		if (n == 0)
			break; /* EOF: the child died before reporting everything */
		got += (size_t)n;
	}
	close(p[0]);
	if (got < sizeof *r || timed_out || read_err)
		kill(pid, SIGKILL); /* harmless if it already exited: not yet reaped */

	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;

	if (timed_out) {
		memset(r, 0, sizeof *r);
		fail(r, "timeout");
	} else if (got < sizeof *r) {
		memset(r, 0, sizeof *r);
		if (read_err)
			fail(r, "reading the cell's result: %s", strerror(read_err));
		else
			describe_status(r, status);
	} else {
		/* The child's strings come from a trusted but separate process:
		 * terminate them anyway before anyone prints them. */
		r->error[sizeof r->error - 1] = '\0';
		r->limit[sizeof r->limit - 1] = '\0';
		if (r->nmetrics < 0 || r->nmetrics > WL_MAX_METRICS)
			r->nmetrics = 0;
		for (int i = 0; i < r->nmetrics; i++) {
			r->metrics[i].name[sizeof r->metrics[i].name - 1] = '\0';
			r->metrics[i].unit[sizeof r->metrics[i].unit - 1] = '\0';
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			describe_status(r, status); /* reported, then died in _exit? */
	}
	r->cpu_user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull +
	                 (uint64_t)ru.ru_utime.tv_usec * 1000ull;
	r->cpu_sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull +
	                (uint64_t)ru.ru_stime.tv_usec * 1000ull;
	r->ctx_voluntary = (uint64_t)ru.ru_nvcsw;
	r->ctx_involuntary = (uint64_t)ru.ru_nivcsw;
	r->rss_peak_kib = (uint64_t)ru.ru_maxrss; /* Linux reports KiB */
}
