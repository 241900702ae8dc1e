/* net.h — what the server workloads (echo, http, mixed) share: the listening
 * sockets, the accept tasks, the connection records, and the HTTP/1.1 request
 * parser and canned responses.
 *
 * The parser is a pure function over a buffer (no I/O, no allocation), so it
 * is unit-tested on its own (tests/unit_http_parse.c) and every runtime runs
 * exactly the same protocol code.
 */
#ifndef CONCBENCH_NET_H
#define CONCBENCH_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"

/* ---- HTTP/1.1 ----------------------------------------------------------- */

/* A request head (request line, headers, blank line) longer than this gets
 * 400 and the connection closed. */
#define WL_HTTP_MAX_HEAD 8192
/* Room one canned response needs; the longest is well below it. */
#define WL_HTTP_RESP_MAX 160
#define WL_HTTP_BODY "Hello, World!"

struct wl_http_req {
	size_t head_len;    /* bytes of the head, leading empty lines and blank line included */
	uint64_t body_len;  /* Content-Length; 0 without one */
	int keep_alive;     /* 1.1 unless "Connection: close"; 1.0 only with "keep-alive" */
	int http10;         /* HTTP/1.0: a kept-alive answer must say so */
	int head;           /* HEAD: answer without the body */
	int heavy;          /* the target is /heavy (or /heavy?...): mixed's CPU work */
};

/* Parses the request at the start of buf[0, len).
 *  1        complete: *req describes it; its body (body_len bytes) follows
 *           head_len and is the caller's to consume
 *  0        incomplete: read more (buf holds at most WL_HTTP_MAX_HEAD bytes
 *           of a head so far)
 *  -EINVAL  malformed: bad request line, bad header, bare CR, obs-fold,
 *           bad or conflicting Content-Length, a version other than 1.0/1.1
 *  -E2BIG   no complete head within WL_HTTP_MAX_HEAD bytes
 *  -ENOTSUP Transfer-Encoding (chunked request bodies are not supported)
 * Only complete lines are judged, so a request split anywhere across reads
 * gives 0 until its last byte arrives and then the same answer as whole.
 * Lines may end in CRLF or a bare LF (RFC 9112 §2.2 lets a server accept it). */
int wl_http_parse(const char *buf, size_t len, struct wl_http_req *req);

/* Writes the response to a request into out (at least WL_HTTP_RESP_MAX
 * bytes) and returns its length. status is 200, 400 (malformed, oversized)
 * or 501 (Transfer-Encoding); 400 and 501 always say "Connection: close".
 * Responses are fixed strings, so every runtime writes the same bytes. */
size_t wl_http_response(char *out, int status, const struct wl_http_req *req);

/* ---- TCP servers --------------------------------------------------------- */

/* Listens on 127.0.0.1:port (0: an ephemeral port), SO_REUSEADDR, and with
 * reuseport SO_REUSEPORT too; blocking mode, close-on-exec. *fd and *port
 * get the socket and the bound port. 0 or a negative errno. */
int wl_net_listen(int port, int backlog, int reuseport, int *fd, int *bound_port);
/* The same on addr (IPv4, network order; 0: 127.0.0.1). */
int wl_net_listen_at(uint32_t addr, int port, int backlog, int reuseport, int *fd,
                     int *bound_port);

/* A blocking TCP connection to 127.0.0.1:port with TCP_NODELAY: the fd or a
 * negative errno. For clients in tests, and nothing in a step. */
int wl_net_connect(int port);

/* The head of every connection record: the workload's record starts with
 * it. The accept task fills t (step, arg = the record, shard = the
 * acceptor's, release), srv, fd and slot; the workload's init() the rest. */
struct wl_conn {
	struct rt_task t;
	struct wl_srv *srv;
	int fd;
	int slot;  /* index in srv->conn, cfd, dl: reused once the record is freed */
	int armed; /* the read deadline is running (wl_conn_arm) */
};

struct wl_acceptor {
	struct rt_task t;
	struct wl_srv *srv;
	int idx; /* which listener: also the shard its connections run on */
	int started;
	int waiting; /* sleeping until a slot frees (serve, every slot taken) */
	int slot;    /* reserved for the next connection, -1 for none */
	int64_t accepted; /* its share of the connections */
};

struct wl_srv {
	struct rt *rt;
	/* The workload's: the record size, how to fill one, its step, and
	 * fold, which adds a finished connection's counters to the
	 * workload's totals just before its record is freed. */
	size_t conn_size;
	void (*init)(struct wl_conn *c);
	void (*fold)(struct wl_conn *c);
	rt_step_fn step;
	void *arg;

	int serve;           /* wl_env.serve: run until stopped, conns = open at once */
	uint32_t addr;       /* wl_env.listen_addr: where to listen; 0: 127.0.0.1 */
	uint64_t idle_ns;    /* serve: the read deadline (0: none; always 0 in a cell) */
	int64_t conns;       /* slots, after the RLIMIT_NOFILE clamp: in a cell the
	                      * connections to accept, in serve the most open at once */
	int64_t conns_asked; /* the parameter */
	int port;
	int nl;              /* listeners: one per shard of the runtime */
	int *lfd;
	struct wl_acceptor *acc;
	/* Per slot: the record (NULL when free), its fd (-1 once closed: for
	 * wl_srv_stop and the watchdog) and its read deadline (CLOCK_MONOTONIC
	 * ns, 0 when none). */
	struct wl_conn **conn;
	_Atomic int *cfd;
	_Atomic uint64_t *dl;
	/* Under mu: the freed slots, a stack (the last freed is reused
	 * first), and fresh, the slots ever used, [0, fresh), taken only when
	 * none is free: so the watchdog scans, and the server touches, no
	 * more slots than were ever open at once. mu also orders a
	 * connection's close with the watchdog's shutdown of its fd, so the
	 * watchdog never shuts down a newer connection that got the same fd
	 * number. */
	pthread_mutex_t mu;
	int mu_ok;
	int *freel;
	int64_t nfree, fresh;
	_Atomic int64_t accepted;
	_Atomic int64_t finished;  /* records folded and freed */
	_Atomic int64_t timed_out; /* connections the watchdog cut */
	_Atomic int accept_over; /* the listeners are being shut down: EINVAL is the end */
	_Atomic int stopped;     /* wl_srv_stop() was called */
	/* A cell's stop (its client gone, the server still waiting): the
	 * connections it found open, by what the kernel said of them. */
	_Atomic int64_t stop_reset_lost, stop_missed;
	_Atomic int err;         /* first failure (negative errno), reported by finish */
	char errwhat[64];
	/* The watchdog thread (serve with idle_ns > 0): wakes on wd_cv's
	 * timeout, under mu; wd_quit ends it. */
	pthread_t wd;
	pthread_cond_t wd_cv;
	int wd_on, wd_quit;
};

/* Sets up a server: raises RLIMIT_NOFILE's soft limit to the hard one,
 * clamps conns so the server's fds fit under it (recorded in conns vs
 * conns_asked), listens (one SO_REUSEPORT listener per shard of rt when it
 * has several, after checking that no other socket holds the port),
 * ignores SIGPIPE (a write to a peer that reset must be an error, not the
 * death of the process: blocking runtimes use write(), which raises it)
 * and spawns one accept task per listener. With env->serve, the server
 * runs until wl_srv_stop, at most conns connections open at once, and
 * with idle_ms > 0 starts the watchdog (see net.c). s->conn_size, init,
 * fold, step and arg must be set. 0 or a negative errno. */
int wl_srv_start(struct wl_srv *s, struct rt *rt, int port, int64_t conns,
                 const struct wl_env *env, int64_t idle_ms);

/* The read deadline of a connection (serve with idle_ms only; no-ops
 * otherwise). arm: the connection waits for its peer; the deadline starts
 * now unless it is already running (a partial request does not extend
 * it). disarm: the peer's part is in (a request to answer). Past the
 * deadline the watchdog shuts the fd down, so the pending read returns 0
 * on every runtime and the task ends as if the peer had closed. */
void wl_conn_arm(struct wl_conn *c);
void wl_conn_disarm(struct wl_conn *c);
/* A new deadline from now, running or not (the lingering close). */
void wl_conn_rearm(struct wl_conn *c);

/* Closes c's fd (shutdown for the lingering close is the workload's). The
 * record lives until its task is done: then fold() and free (the task's
 * release), and its slot serves the next connection. */
void wl_srv_close(struct wl_conn *c);

/* Records the first failure (err < 0) and what failed. */
void wl_srv_fail(struct wl_srv *s, int err, const char *what);

/* Fills rep->error when the server failed; returns 1 if it did. */
int wl_srv_report_error(struct wl_srv *s, struct wl_report *rep);

/* Stops the watchdog, closes every fd still open and frees what
 * wl_srv_start and the accept tasks allocated. */
void wl_srv_fini(struct wl_srv *s);

/* The server workloads' stop (struct workload): the listeners stop
 * accepting (their accept tasks end) and every open connection is shut down
 * (its task reads EOF and ends), so run() returns and finish() reports what
 * was served. Async-signal-safe (atomic loads and stores, shutdown(2) only)
 * and callable from any thread, more than once; only between a successful
 * wl_srv_start and wl_srv_fini.
 * In a cell the harness calls it only when the load generator has closed
 * every connection and the server has not ended a grace period later:
 * then each connection still open is classed first (stop_reset_lost,
 * stop_missed; wl_srv_metrics reports them). */
void wl_srv_stop(struct wl_srv *s);

/* The metrics every server reports: conns accepted, conns_asked when the
 * clamp lowered it, with several listeners the largest share one took
 * (SO_REUSEPORT spreads by hash: 1/listeners is perfect balance), and in
 * serve with a deadline conns_timed_out; after a cell's stop,
 * conns_reset_lost and conns_close_unseen, and an error when only the
 * second explains why the server was still running. */
void wl_srv_metrics(struct wl_srv *s, struct wl_report *rep);

/* ---- skewed load (echo, http): the client's hot connections ------------- */

/* The three parameters, declared together in this order; the client
 * realises them (harness/measure/loadgen.c: skew_release). */
#define WL_HOT_PARAMS                                                                          \
	{ "hot_pct", "%", "closed loop with requests=0: share of the connections that are hot " \
	  "(chosen at random by hot_seed, never by the server's sharding); 0 = all alike",        \
	  0, 0, 100 },                                                                           \
	{ "hot_x", "x", "with hot_pct: a hot connection sends this many times the requests of a " \
	  "cold one (cold ones wait for a turn between requests)", 10, 1, 1000000 },              \
	{ "hot_seed", "seed", "with hot_pct: which connections are hot", 1, 0, 1000000000 }

/* hot[] = hot_pct, hot_x, hot_seed (setup keeps them for the load). A
 * skewed load is a closed loop running for a time: 0, or -EINVAL with
 * why. */
int wl_hot_check(const struct wl_env *env, const int64_t *hot, int64_t requests, int64_t rate);

/* ---- http and mixed share one implementation (http.c) ------------------ */

int wl_http_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env,
                  int64_t heavy_every, int64_t heavy_us, int64_t warmup_ms, int offload);
void wl_http_load(void *state, struct wl_load *out);
void wl_http_finish(void *state, struct wl_report *rep);
void wl_http_teardown(void *state, struct rt *rt);
void wl_http_stop(void *state);

/* Burns `us` microseconds of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID)
 * with hash work: CPU work, never a sleep. Returns the hash so it is kept. */
uint64_t wl_burn_cpu_us(int64_t us);

#endif
