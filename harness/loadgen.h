/* loadgen.h — the client side of the server workloads (echo, http, mixed).
 *
 * One thread, one epoll loop, the same code for every runtime under test, so
 * the client is a constant of the experiment. It runs in its own process,
 * bound with hwloc to CPUs outside the server's.
 *
 * Every connection is established first (connect time is not latency);
 * then requests start on all of them at once (t0).
 * Closed loop (rate == 0): each of `conns` connections keeps one request in
 * flight; latency runs from the send to the verified response.
 * Open loop (rate > 0): request k (k = 0, 1, ...) is due at t0 + k/rate on
 * connection k % conns, and its latency runs from that intended time, not
 * from when it could be sent: a stalled server delays every request due
 * during the stall, and all of them show it (no coordinated omission). HTTP
 * pipelines the requests that are due on a busy connection; echo keeps one
 * message in flight per connection and sends the next when it is back.
 *
 * Every response is verified: echo bytes are compared with the pattern sent
 * (a function of connection, request and offset); HTTP wants status 200,
 * a Content-Length and the body "Hello, World!". A request whose response
 * is wrong, missing or never sent counts in `errors`: requests + errors is
 * the planned total whenever the total is fixed (requests per connection,
 * or open loop).
 *
 * Mixed load (heavy_every = N > 0): request j of connection c asks for
 * /heavy when (c + j) % N == N - 1, counted per connection and staggered by
 * connection so that the heavy requests of different connections do not
 * all arrive together. Latencies of light and heavy requests are kept
 * apart as well as together.
 *
 * Bounded: connecting gives up after H_LOADGEN_CONNECT_MS; once requests are
 * outstanding, H_LOADGEN_STALL_MS without any byte received ends the run
 * (every outstanding request an error). Every connection is closed at the
 * end, so a server that accepts exactly `conns` connections finishes.
 *
 * Errors: functions return 0 or a negative errno.
 */
#ifndef CONCBENCH_LOADGEN_H
#define CONCBENCH_LOADGEN_H

#include <stdint.h>
#include <sys/types.h>
#include <hwloc.h>

#include "../workloads/workload.h"
#include "hist.h"

#define H_LOADGEN_CONNECT_MS 15000
#define H_LOADGEN_STALL_MS 5000
/* File descriptors kept back from RLIMIT_NOFILE for everything that is not
 * a connection (epoll, timer, pipes, stdio, a runtime's own fds); more than
 * the server workloads keep back (64 and one per listener), so that a server
 * told the clamped figure does not clamp it again. */
#define H_LOADGEN_FD_MARGIN 80

struct h_loadgen_result {
	int err;           /* 0, or a negative errno: the load could not run at all */
	int conns;         /* connections asked for */
	int conns_ok;      /* connections established */
	uint64_t requests; /* responses received and verified */
	uint64_t errors;   /* requests that failed, went unanswered or were never sent */
	uint64_t elapsed_ns; /* from the first request's (intended) send to the last response */
	uint64_t cpus_used; /* the CPUs the client ran on, sampled (bit n: CPU n < 64) */
	char error[128];   /* the first error seen, "" when none */
	struct h_hist all, light, heavy; /* latencies in ns; heavy only with heavy_every */
};

/* The in-process core: runs the whole load in the calling thread and fills
 * *out (about 110 KiB: allocate it or keep it static). Returns 0 when the
 * load ran (look at out->errors), or a negative errno when it could not
 * start (bad description, no epoll); out->err says the same. */
int h_loadgen_run(const struct wl_load *load, struct h_loadgen_result *out);

/* The connections one process can open under RLIMIT_NOFILE. Raises the
 * soft limit to the hard limit first (children forked afterwards inherit
 * it), then returns min(conns, soft - H_LOADGEN_FD_MARGIN), at least 1.
 * Call it before the server's setup and give the server the result: a
 * server that accepts exactly `conns` must be told the clamped figure. */
int h_loadgen_clamp_conns(int conns);

/* A load running in a child process (about 110 KiB, the histograms
 * included: static, heap, or a main thread's stack). */
struct h_loadgen {
	pid_t pid;
	int fd;                       /* read end of the result pipe */
	struct wl_load load;
	/* The connections the user asked for; start sets it to load->conns.
	 * A caller that clamped with h_loadgen_clamp_conns stores the figure
	 * asked for here, and finish records the clamp as clamped_conns. */
	int conns_asked;
	struct h_loadgen_result res;  /* valid after h_loadgen_finish returned 0 */
};

/* Forks the load generator: the child is bound to client_cpus with
 * hwloc_set_cpubind(HWLOC_CPUBIND_PROCESS) (NULL or empty: left unbound),
 * dies with its parent (PR_SET_PDEATHSIG), closes every inherited fd but
 * stdio, runs h_loadgen_run and sends the result through a pipe. Call it
 * after the server listens (setup) and before the runtime's run(). Flushes
 * stdio before forking. Returns 0 or a negative errno. */
int h_loadgen_start(const struct wl_load *load, hwloc_topology_t topo,
                    hwloc_const_cpuset_t client_cpus, struct h_loadgen *lg);

/* Waits up to timeout_ms for the child's result (then kills it), reaps it
 * and appends to rep (wl_metric): throughput_rps, p50_us, p90_us, p99_us,
 * p999_us, max_us, requests, errors; with heavy_every > 0 also
 * light_p50_us, light_p99_us, light_p999_us, heavy_p50_us, heavy_p99_us;
 * and clamped_conns (the connections used) when conns_asked was more.
 * When the load had errors or failed, writes one sentence to rep->error
 * unless it already holds one: zero errors is the expected outcome, so a
 * cell with errors is not ok. Returns 0 when the load ran (errors or not),
 * -ETIMEDOUT when it was killed, or another negative errno when it died or
 * could not run; the metrics are appended only when it returns 0. */
int h_loadgen_finish(struct h_loadgen *lg, int timeout_ms, struct wl_report *rep);

#endif
