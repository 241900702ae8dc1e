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

#define WL_MAX_METRICS 48 /* a mixed server cell reports about 30 */

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

/* What the harness tells a workload besides its parameters. */
struct wl_env {
	/* --placement: the preferred OS CPUs of the two sides of a pair (the
	 * pingpong workloads); -1 for any. */
	int cpu_a, cpu_b;
	/* 1 under `concbench serve`, where clients come and go until stop():
	 * a server runs until stopped, `conns` caps the connections open at
	 * once (not the total), and a connection idle past idle_ms is closed.
	 * 0 in a cell: the server accepts exactly `conns` connections from the
	 * load generator and ends when they close. */
	int serve;
	/* serve only: close a connection that sends no complete request (echo:
	 * no data) within this many ms, or lingers that long on close; 0 never.
	 * Not a parameter: a cell's one client is the load generator, whose
	 * connections may idle on purpose (open loop at a low rate), so it
	 * would be a figure in every cell's params that no cell uses. */
	int64_t idle_ms;
	/* The IPv4 address (network order) a server listens on; 0: 127.0.0.1,
	 * the default: nothing binds another address unless `run --listen`
	 * asked for it (the client on another host, harness/measure/remote.c). */
	uint32_t listen_addr;
	/* Where setup() may say why it failed, errno included, when the errno
	 * alone would not tell (which folder); NULL when nobody reads it. */
	char *why;
	size_t why_len;
};

/* The client load a server workload needs (echo, http, mixed). The harness
 * runs the load generator in its own process, on CPUs outside the server's,
 * after setup() and while the runtime runs; its figures join the report. */
enum wl_proto { WL_PROTO_ECHO, WL_PROTO_HTTP };
struct wl_load {
	enum wl_proto proto;
	int port;            /* 127.0.0.1 */
	int conns;           /* connections, each with one request in flight (closed loop) */
	int64_t requests;    /* per connection; 0: run for `seconds` */
	int64_t seconds;     /* with requests == 0: the measured window */
	int64_t msg_bytes;   /* echo: bytes per message */
	int64_t rate;        /* > 0: open loop, requests per second in total */
	int64_t heavy_every; /* mixed: every Nth request asks for /heavy; 0: none */
	int64_t warmup_ms;   /* with requests == 0: load before the measured window */
	int64_t late_us;     /* mixed: a light request slower than this is late (light_late_share); 0: none */
	/* Skewed load (closed loop, requests == 0): hot_pct % of the
	 * connections, chosen by hot_seed, send hot_x times the requests of
	 * the others (harness/measure/loadgen.c); hot_pct 0: all alike. */
	int64_t hot_pct, hot_x, hot_seed;
};

struct workload {
	const char *name;
	const char *desc;
	const struct cb_param *params; /* values arrive in this order */
	/* Allocate state, create events and tasks, spawn them on rt. */
	int (*setup)(void **state, struct rt *rt, const int64_t *params, const struct wl_env *env);
	/* Optional (NULL for none): the client load to drive this server. */
	void (*load)(void *state, struct wl_load *out);
	/* Optional (NULL for a workload that ends by itself): ends a run that
	 * would otherwise wait for more clients (`concbench serve` on SIGINT or
	 * SIGTERM). A server stops accepting and shuts every open connection
	 * down, so its tasks end, run() returns and finish() reports what was
	 * served. Callable from any thread, even from a signal handler
	 * (async-signal-safe), more than once; only between a successful
	 * setup() and teardown(), on the state setup() made. */
	void (*stop)(void *state);
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
/* splitmix64's finaliser: a cheap, good hash step. Inline: pingpong runs
 * it on every switch (epoll's pingpong went from 8.2-10.3 to 7.1-7.4 ns a
 * switch when the call went). */
static inline uint64_t wl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}
/* Splits total into n sizes (out[0..n-1], summing to total exactly): equal
 * (differing by at most 1) when skew is 0, else drawn from a Pareto
 * distribution of shape 1 + 1/skew (skew 1: shape 2; 4: shape 1.25, a
 * heavier tail), seeded by seed, so the same arguments give the same sizes. */
void wl_skewed_sizes(int64_t n, int64_t total, int64_t skew, uint64_t seed, int64_t *out);
long wl_rss_kib(void);
/* Writes setup()'s reason into env->why (when there is one). */
void wl_why(const struct wl_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A file with no name in folder dir, open for reading and writing
 * (O_CLOEXEC), so nothing is left in dir however the process ends, even by
 * SIGKILL: O_TMPFILE, or where dir's filesystem lacks it, mkstemp and
 * unlink at once. otmpfile 0 takes the second way straight away (for its
 * test). An fd, or a negative errno. */
int wl_tmpfile(const char *dir, int otmpfile);               /* current RSS of this process, from /proc/self/statm */
/* A workload calls this once, from a step, when it is at peak concurrency
 * (sleep: every task waiting). The harness may hook it to sample memory
 * there; unhooked it does nothing. */
void wl_at_peak(void);
extern void (*wl_peak_hook)(void);

#endif
