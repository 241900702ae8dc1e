/* testlib.c — the helpers of check.h, linked into every test program. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/base/base.h"
#include "runtimes/runtime.h"
#include "workloads/net.h"
#include "workloads/workload.h"

#include "tests/check.h"

extern char **environ;

int failures;
const char *t_case;

/* ---- assertions ---- */

void t_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
	fprintf(stderr, "%s:%d: CHECK failed: %s", file, line, cond);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fputs(": ", stderr);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	failures++;
}

void t_fail(const char *fmt, ...)
{
	fputs("FAIL: ", stderr);
	if (t_case && *t_case)
		fprintf(stderr, "%s: ", t_case);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int t_exit_status(void)
{
	if (!failures)
		return 0;
	fprintf(stderr, "%s: %d check(s) failed\n", program_invocation_short_name, failures);
	return 1;
}

/* ---- files and commands ---- */

void t_tmpdir(char *dir, size_t len, const char *name)
{
	if (snprintf(dir, len, "/tmp/%s.XXXXXX", name) >= (int)len)
		FAIL("temporary folder name too long: %s", name);
	if (!mkdtemp(dir))
		FAIL("mkdtemp %s: %s", dir, strerror(errno));
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int t_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	REQUIRE(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

void t_rm_tree(const char *dir)
{
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		FAIL("cannot remove %s: %s", dir, strerror(errno));
}

char *t_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	/* An empty file reads as "" (getdelim finds nothing, and fails). */
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = ferror(f) ? NULL : strdup("");
	}
	fclose(f);
	return buf;
}

void t_write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		FAIL("cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		FAIL("cannot write %s: %s", path, strerror(errno));
}

bool t_have(const char *prog)
{
	char path[4096];
	return h_find_in_path(prog, path, sizeof path);
}

int t_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			FAIL("waitpid %d: %s", (int)pid, strerror(errno));
	return st;
}

int t_run(char *const argv[])
{
	pid_t pid;
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return 127;
	int st = t_wait(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- sockets ---- */

int t_dial(int port, int timeout_s)
{
	int fd = wl_net_connect(port);
	if (fd < 0)
		FAIL("connect to port %d: %s", port, strerror(-fd));
	struct timeval tv = { timeout_s, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

int t_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void t_send(int fd, const void *buf, size_t n)
{
	int err = t_write_all(fd, buf, n);
	if (err)
		FAIL("write: %s", strerror(-err));
}

void t_recv(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			FAIL("read: %s (%zu bytes missing)", r < 0 ? strerror(errno) : "end of file", n);
		p += r;
		n -= (size_t)r;
	}
}

/* ---- runtimes and workloads ---- */

void t_param_defaults(const struct cb_param *p, int64_t *v)
{
	for (int i = 0; p[i].name; i++)
		v[i] = p[i].def;
}

void t_param_set(const struct cb_param *p, int64_t *v, const char *name, int64_t val)
{
	for (int i = 0; p[i].name; i++)
		if (strcmp(p[i].name, name) == 0) {
			v[i] = val;
			return;
		}
	FAIL("no parameter %s", name);
}

const struct wl_metric *t_find_metric(const struct wl_report *r, const char *name)
{
	for (int i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return &r->metrics[i];
	return NULL;
}

double t_metric(const struct wl_report *r, const char *name)
{
	const struct wl_metric *m = t_find_metric(r, name);
	if (!m)
		FAIL("metric %s missing", name);
	return m->value;
}

int t_allowed_cpus(int *cpus, int max)
{
	cpu_set_t cs;
	if (sched_getaffinity(0, sizeof cs, &cs) != 0)
		FAIL("sched_getaffinity: %s", strerror(errno));
	int n = 0;
	for (int i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &cs))
			cpus[n++] = i;
	return n;
}

/* ---- numbers ---- */

bool t_near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

uint64_t t_rand(void)
{
	static uint64_t state = 0x9e3779b97f4a7c15ull;
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int t_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}
