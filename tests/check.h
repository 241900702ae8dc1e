/* check.h — what the unit tests and conformance share, each piece once
 * (tests/testlib.c, linked into every test program): the assertions, and
 * the helpers several tests need (temporary folders, whole files, commands,
 * sockets, workload parameters and metrics, CPUs, a fixed random sequence).
 *
 * Two kinds of assertion: CHECK and CHECKF print where and what, count, and
 * let the test go on, so one run shows every failure (main then returns
 * t_exit_status()); REQUIRE and FAIL end the test at once, for a failure
 * after which nothing else can be checked. */
#ifndef CONCBENCH_TESTS_CHECK_H
#define CONCBENCH_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

struct cb_param;
struct wl_metric;
struct wl_report;

/* ---- assertions ---- */

/* The CHECKs that failed so far. */
extern int failures;

/* What the test is doing now (NULL or "" for nothing): FAIL names it. */
extern const char *t_case;

void t_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
_Noreturn void t_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cond, or a failure counted; CHECKF adds a printf-style message. */
#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond))                                             \
			t_check_failed(__FILE__, __LINE__, #cond, NULL); \
	} while (0)
#define CHECKF(cond, ...)                                                       \
	do {                                                                    \
		if (!(cond))                                                    \
			t_check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

/* cond, or the test fails here (exit status 1). */
#define REQUIRE(cond)                                                             \
	do {                                                                      \
		if (!(cond))                                                      \
			t_fail("%s:%d: REQUIRE failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/* The test fails here: "FAIL: [t_case: ]message". */
#define FAIL(...) t_fail(__VA_ARGS__)

/* main's exit status: 1 (saying how many) when a CHECK failed, else 0. */
int t_exit_status(void);

/* ---- files and commands ---- */

/* Makes a new empty folder /tmp/NAME.XXXXXX and puts its path in dir (len
 * bytes), or fails the test. */
void t_tmpdir(char *dir, size_t len, const char *name);
/* Removes dir and everything in it, or fails the test. */
void t_rm_tree(const char *dir);
/* How many entries dir holds besides . and .., or fails the test. */
int t_count_entries(const char *dir);
/* The whole file, NUL-terminated (free it), or NULL when it cannot be read. */
char *t_read_file(const char *path);
/* Writes text as dir/name, or fails the test. */
void t_write_file(const char *dir, const char *name, const char *text);
/* Whether prog is an executable in $PATH. */
bool t_have(const char *prog);
/* Waits for child pid: its wait status, or the test fails. */
int t_wait(pid_t pid);
/* Runs argv[0] (looked up in $PATH) with argv and waits: its exit status,
 * 128 + the signal that killed it, or 127 when it could not be started. */
int t_run(char *const argv[]);

/* ---- sockets ---- */

/* A connection to 127.0.0.1:port whose reads and writes give up after
 * timeout_s seconds (a server that stops answering fails, never hangs). */
int t_dial(int port, int timeout_s);
/* Writes all n bytes (through EINTR and short writes): 0 or -errno. */
int t_write_all(int fd, const void *buf, size_t n);
/* Writes all n bytes, or fails the test. */
void t_send(int fd, const void *buf, size_t n);
/* Reads exactly n bytes, or fails the test (an error or end of file). */
void t_recv(int fd, void *buf, size_t n);

/* ---- runtimes and workloads ---- */

/* Every parameter's default into v. */
void t_param_defaults(const struct cb_param *p, int64_t *v);
/* The value of parameter name in v; the test fails when there is none. */
void t_param_set(const struct cb_param *p, int64_t *v, const char *name, int64_t val);
/* A workload report's metric by name: NULL when it has none. */
const struct wl_metric *t_find_metric(const struct wl_report *r, const char *name);
/* Its value; the test fails when it has none. */
double t_metric(const struct wl_report *r, const char *name);
/* The OS CPUs this process may run on, at most max of them, into cpus:
 * their count. */
int t_allowed_cpus(int *cpus, int max);

/* ---- numbers ---- */

/* Whether a and b differ by tol at most. */
bool t_near(double a, double b, double tol);
/* A fixed pseudo-random sequence (splitmix64): reproducible runs. */
uint64_t t_rand(void);
/* qsort's comparison of uint64_t. */
int t_cmp_u64(const void *a, const void *b);

#endif
