/* unit_servers — every runtime serves echo and http to real clients over
 * loopback, in this process: the runtime runs in the main thread, clients
 * with plain blocking sockets in others, and the run must end by itself
 * once the clients close. For each runtime of rt_registry (defaults; the
 * pool with one worker per CPU, so its cap is exercised too):
 *  - echo: 6 concurrent connections × 200 messages of 100 bytes, every byte
 *    checked; then 3 connections × 20 messages of 40,000 bytes (more than
 *    the server's 16 KiB buffer: echoed in pieces);
 *  - http, one connection after another: a request split across two writes
 *    with a pause between, then three pipelined in one write; a malformed
 *    request (400, then EOF); a 9,000-byte header (400, then EOF); a
 *    half-closed connection (EOF, no answer); Connection: close; a POST with
 *    a body followed by a pipelined GET; HTTP/1.0; HEAD; then 4 concurrent
 *    connections × 100 requests, which shows the server kept serving;
 *  - the workload's stop() from a signal handler (what `serve` does on
 *    SIGTERM, from a thread) ends a run whose clients stay connected, for
 *    echo, http and mixed;
 * as `concbench serve` runs them (wl_env.serve): a silent client, one that
 * stops mid-head and one that never closes after its 400 are cut after
 * the idle deadline (wl_env.idle_ms) while a good client is served (the pool with one worker for
 * connections too), a silent echo client is cut; 3,000 connections one
 * after another under RLIMIT_NOFILE=96 (room for 31) are all served with
 * RSS flat; conns=2 holds a third connection unanswered until one closes;
 * and epoll with loops=2 (one SO_REUSEPORT listener per loop) serving http
 * to 8 concurrent connections and echo to 8.
 * Checksums are compared with references computed from what the clients
 * did. Every socket read has a 10 s timeout and the process an alarm, so a
 * server that stops answering fails instead of hanging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workloads/net.h"

#include "tests/check.h"

/* ---- client helpers --------------------------------------------------- */

static void expect_eof(int fd)
{
	char c;
	ssize_t r;
	while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (r != 0)
		FAIL("expected the server to close, read gave %zd (%s)", r,
		     r < 0 ? strerror(errno) : "data");
}

/* Reads one response and compares it with what the server must send. */
static void expect_response(int fd, int status, const char *req_text)
{
	char want[WL_HTTP_RESP_MAX], got[WL_HTTP_RESP_MAX];
	struct wl_http_req req;
	if (req_text && wl_http_parse(req_text, strlen(req_text), &req) != 1)
		FAIL("test bug: request does not parse");
	size_t n = wl_http_response(want, status, req_text ? &req : NULL);
	t_recv(fd, got, n);
	if (memcmp(got, want, n) != 0)
		FAIL("response differs:\n%.*s\nwant:\n%.*s", (int)n, got, (int)n, want);
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- running a server --------------------------------------------------- */

struct server {
	const struct runtime *rto;
	const struct workload *wl;
	struct rt *rt;
	void *st;
	struct wl_load load;
};

/* The server being run, for the stop test's signal handler: set between
 * setup and teardown only, where struct workload's stop may be called. */
static struct server *_Atomic running;

static int ncpus;
static int cpus[CPU_SETSIZE];

/* Run the server as `concbench serve` does (wl_env.serve): until stop(),
 * conns open at once, idle_ms applies; no checksum is compared. */
static int serve_mode;
static int64_t serve_idle_ms = 10000; /* wl_env.idle_ms, serve's default */

/* Starts a server workload on a runtime; client(arg) runs in its own
 * thread while the runtime runs here; the checksum must equal want. */
static void serve(const struct runtime *rto, const int64_t *rp, const char *wlname,
                  const int64_t *wp, void *(*client)(void *), uint64_t want,
                  struct wl_report *out)
{
	struct server s = { .rto = rto, .wl = wl_find(wlname) };
	if (!s.wl)
		FAIL("no workload %s", wlname);
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
	int err = rto->create(&s.rt, &env, rp);
	if (err)
		FAIL("create: %s", strerror(-err));
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1, .serve = serve_mode,
		               .idle_ms = serve_idle_ms };
	err = s.wl->setup(&s.st, s.rt, wp, &wenv);
	if (err)
		FAIL("setup: %s", strerror(-err));
	if (!s.wl->load)
		FAIL("no load()");
	s.wl->load(s.st, &s.load);
	if (s.load.port <= 0 || s.load.port > 65535)
		FAIL("load() port %d", s.load.port);
	atomic_store(&running, &s);
	pthread_t tid;
	if (pthread_create(&tid, NULL, client, &s.load))
		FAIL("pthread_create");
	uint64_t t0 = wl_now_ns();
	err = rto->run(s.rt);
	uint64_t ms = (wl_now_ns() - t0) / 1000000;
	pthread_join(tid, NULL);
	atomic_store(&running, NULL);
	if (err)
		FAIL("run: %s", strerror(-err));
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	s.wl->finish(s.st, &rep);
	struct rt_stats stats;
	memset(&stats, 0, sizeof stats);
	rto->stats(s.rt, &stats);
	s.wl->teardown(s.st, s.rt);
	rto->destroy(s.rt);
	if (rep.error[0])
		FAIL("workload error: %s", rep.error);
	if (!serve_mode && rep.checksum != want)
		FAIL("checksum 0x%016llx, reference 0x%016llx",
		     (unsigned long long)rep.checksum, (unsigned long long)want);
	if (stats.spawned == 0 || stats.completed != stats.spawned)
		FAIL("spawned %llu, completed %llu", (unsigned long long)stats.spawned,
		     (unsigned long long)stats.completed);
	printf("  %-34s ok  %4llu ms, %llu tasks\n", t_case, (unsigned long long)ms,
	       (unsigned long long)stats.spawned);
	if (out)
		*out = rep;
}

/* ---- echo --------------------------------------------------------------- */

struct echo_job {
	int port, conn;
	int64_t requests, msg;
};

static void *echo_conn(void *arg)
{
	struct echo_job *j = arg;
	int fd = t_dial(j->port, 10);
	char *out = malloc((size_t)j->msg), *in = malloc((size_t)j->msg);
	if (!out || !in)
		FAIL("malloc");
	for (int64_t r = 0; r < j->requests; r++) {
		for (int64_t i = 0; i < j->msg; i++)
			out[i] = (char)wl_mix64((uint64_t)j->conn << 40 ^ (uint64_t)r << 20 ^ (uint64_t)i);
		t_send(fd, out, (size_t)j->msg);
		t_recv(fd, in, (size_t)j->msg);
		if (memcmp(in, out, (size_t)j->msg) != 0)
			FAIL("echoed bytes differ (conn %d, message %lld)", j->conn,
			     (long long)r);
	}
	close(fd);
	free(out);
	free(in);
	return NULL;
}

/* All of the load's connections at once, one thread each. */
static void *echo_client(void *arg)
{
	const struct wl_load *l = arg;
	pthread_t tid[64];
	struct echo_job j[64];
	if (l->conns > 64)
		FAIL("test bug: too many conns");
	for (int i = 0; i < l->conns; i++) {
		j[i] = (struct echo_job){ l->port, i, l->requests, l->msg_bytes };
		if (pthread_create(&tid[i], NULL, echo_conn, &j[i]))
			FAIL("pthread_create");
	}
	for (int i = 0; i < l->conns; i++)
		pthread_join(tid[i], NULL);
	return NULL;
}

static void test_echo(const struct runtime *rto, const int64_t *rp, int conns, int64_t requests,
                      int64_t msg)
{
	const struct workload *wl = wl_find("echo");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "conns", conns);
	t_param_set(wl->params, wp, "requests", requests);
	t_param_set(wl->params, wp, "msg_bytes", msg);
	uint64_t bytes = (uint64_t)conns * (uint64_t)requests * (uint64_t)msg;
	struct wl_report rep;
	serve(rto, rp, "echo", wp, echo_client, wl_mix64(bytes) + (uint64_t)conns, &rep);
	if (t_metric(&rep, "bytes_echoed") != (double)bytes ||
	    t_metric(&rep, "conns_accepted") != conns)
		FAIL("metrics disagree with the client");
}

/* ---- http --------------------------------------------------------------- */

static const char GET[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

static void *http_normal_conn(void *arg)
{
	const struct wl_load *l = arg;
	int fd = t_dial(l->port, 10);
	for (int64_t r = 0; r < l->requests; r++) {
		t_send(fd, GET, sizeof GET - 1);
		expect_response(fd, 200, GET);
	}
	close(fd);
	return NULL;
}

/* Every connection at once, each `requests` plain requests. */
static void *http_concurrent(void *arg)
{
	const struct wl_load *l = arg;
	pthread_t tid[64];
	if (l->conns > 64)
		FAIL("test bug: too many conns");
	for (int i = 0; i < l->conns; i++)
		if (pthread_create(&tid[i], NULL, http_normal_conn, (void *)l))
			FAIL("pthread_create");
	for (int i = 0; i < l->conns; i++)
		pthread_join(tid[i], NULL);
	return NULL;
}

#define HTTP_BAD_CONNS 8
#define HTTP_GOOD_CONNS 4
#define HTTP_GOOD_REQS 100
/* 200 answers of the bad-input part: split 1 + pipelined 3, close 1,
 * body 2, HTTP/1.0 1, HEAD 1. */
#define HTTP_BAD_PART_OK 9

static void *http_client(void *arg)
{
	const struct wl_load *l = arg;
	int port = l->port, fd;

	/* 1. Split across two writes with a pause, then three pipelined. */
	fd = t_dial(port, 10);
	t_send(fd, "GET /split HT", 13);
	pause_ms(50);
	t_send(fd, "TP/1.1\r\nHost: x\r\n\r\n", 19);
	expect_response(fd, 200, GET);
	char three[3 * sizeof GET];
	snprintf(three, sizeof three, "%s%s%s", GET, GET, GET);
	t_send(fd, three, strlen(three));
	for (int i = 0; i < 3; i++)
		expect_response(fd, 200, GET);
	close(fd);

	/* 2. Malformed: 400, then the server closes. */
	fd = t_dial(port, 10);
	t_send(fd, "BLAH\r\n\r\n", 8);
	expect_response(fd, 400, NULL);
	expect_eof(fd);
	close(fd);

	/* 3. A 9,000-byte header: 400, then closed. */
	fd = t_dial(port, 10);
	char big[9100];
	int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', sizeof big - (size_t)n);
	t_send(fd, big, sizeof big);
	expect_response(fd, 400, NULL);
	expect_eof(fd);
	close(fd);

	/* 4. Half-closed with half a request: closed, no answer. */
	fd = t_dial(port, 10);
	t_send(fd, "GET / HT", 8);
	shutdown(fd, SHUT_WR);
	expect_eof(fd);
	close(fd);

	/* 5. Connection: close. */
	fd = t_dial(port, 10);
	static const char cl[] = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
	t_send(fd, cl, sizeof cl - 1);
	expect_response(fd, 200, cl);
	expect_eof(fd);
	close(fd);

	/* 6. A body, then a pipelined GET in the same write. */
	fd = t_dial(port, 10);
	static const char post[] = "POST /form HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
	char both[256];
	snprintf(both, sizeof both, "%s%s", post, GET);
	t_send(fd, both, strlen(both));
	expect_response(fd, 200, post);
	expect_response(fd, 200, GET);
	close(fd);

	/* 7. HTTP/1.0 without keep-alive: answered, then closed. */
	fd = t_dial(port, 10);
	static const char h10[] = "GET / HTTP/1.0\r\n\r\n";
	t_send(fd, h10, sizeof h10 - 1);
	expect_response(fd, 200, h10);
	expect_eof(fd);
	close(fd);

	/* 8. HEAD: the head only. */
	fd = t_dial(port, 10);
	static const char head[] = "HEAD / HTTP/1.1\r\n\r\n";
	t_send(fd, head, sizeof head - 1);
	expect_response(fd, 200, head);
	t_send(fd, GET, sizeof GET - 1);
	expect_response(fd, 200, GET);
	close(fd);

	/* The server kept serving: concurrent normal connections. */
	struct wl_load good = *l;
	good.conns = HTTP_GOOD_CONNS;
	good.requests = HTTP_GOOD_REQS;
	return http_concurrent(&good);
}

static void test_http(const struct runtime *rto, const int64_t *rp)
{
	const struct workload *wl = wl_find("http");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	int conns = HTTP_BAD_CONNS + HTTP_GOOD_CONNS;
	t_param_set(wl->params, wp, "conns", conns);
	t_param_set(wl->params, wp, "requests", HTTP_GOOD_REQS);
	/* One extra 200 on the HEAD connection (its GET). */
	uint64_t ok = HTTP_BAD_PART_OK + 1 + HTTP_GOOD_CONNS * HTTP_GOOD_REQS;
	struct wl_report rep;
	serve(rto, rp, "http", wp, http_client, wl_mix64(ok) + (uint64_t)conns, &rep);
	if (t_metric(&rep, "bad_requests") != 2 || t_metric(&rep, "requests_served") != (double)ok)
		FAIL("bad_requests %.0f, requests_served %.0f",
		     t_metric(&rep, "bad_requests"), t_metric(&rep, "requests_served"));
}

static void test_http_plain(const struct runtime *rto, const int64_t *rp, int conns, int64_t reqs)
{
	const struct workload *wl = wl_find("http");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "conns", conns);
	t_param_set(wl->params, wp, "requests", reqs);
	struct wl_report rep;
	serve(rto, rp, "http", wp, http_concurrent,
	      wl_mix64((uint64_t)conns * (uint64_t)reqs) + (uint64_t)conns, &rep);
	/* SO_REUSEPORT spreads by hash, so no share is asserted; printed to
	 * show the listeners both took connections (usually). */
	if (rto->params[0].name && strcmp(rto->params[0].name, "loops") == 0)
		printf("  largest listener share %.2f\n", t_metric(&rep, "listener_share_max"));
}

/* ---- stop ---------------------------------------------------------------- */

static void stop_running(void)
{
	struct server *s = atomic_load(&running);
	if (s)
		s->wl->stop(s->st);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_running();
}

#define STOP_CONNS 3
#define STOP_REQS 10
#define STOP_MSG 100 /* echo: bytes per message */

/* Connects, is served, stays connected; then the signal ends the server,
 * and each connection sees it closed. */
static void *stop_client(void *arg)
{
	const struct wl_load *l = arg;
	int fd[STOP_CONNS];
	char out[STOP_MSG], in[STOP_MSG];
	for (int i = 0; i < STOP_CONNS; i++) {
		fd[i] = t_dial(l->port, 10);
		for (int r = 0; r < STOP_REQS; r++) {
			if (l->proto == WL_PROTO_HTTP) {
				t_send(fd[i], GET, sizeof GET - 1);
				expect_response(fd[i], 200, GET);
				continue;
			}
			memset(out, 'a' + r, sizeof out);
			t_send(fd[i], out, sizeof out);
			t_recv(fd[i], in, sizeof in);
			if (memcmp(in, out, sizeof out) != 0)
				FAIL("echoed bytes differ (conn %d, message %d)", i, r);
		}
	}
#if defined(__SANITIZE_THREAD__)
	/* TSan defers a signal handler until the interrupted thread reaches
	 * an intercepted call, and a loop thread back in epoll_pwait2 (not
	 * intercepted) never does: call the stop directly. */
	stop_running();
#else
	kill(getpid(), SIGUSR1);
#endif
	for (int i = 0; i < STOP_CONNS; i++) {
		expect_eof(fd[i]);
		close(fd[i]);
	}
	return NULL;
}

static void test_stop(const struct runtime *rto, const int64_t *rp, const char *wlname)
{
	const struct workload *wl = wl_find(wlname);
	if (!wl->stop)
		FAIL("workload %s has no stop()", wlname);
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "conns", 1000); /* never reached */
	t_param_set(wl->params, wp, "requests", STOP_REQS);
	uint64_t done = STOP_CONNS * STOP_REQS; /* requests; echo: bytes */
	if (strcmp(wlname, "echo") == 0) {
		t_param_set(wl->params, wp, "msg_bytes", STOP_MSG);
		done *= STOP_MSG;
	}
	serve(rto, rp, wlname, wp, stop_client, wl_mix64(done) + STOP_CONNS, NULL);
}

static const char *const stop_wls[] = { "echo", "http", "mixed", NULL };

/* The runtimes whose fixed threads block in their tasks' waits (pool, omp:
 * their traits say so) serve as many connections at once as they have
 * threads: set that count, under the name the runtime gives it. */
static void set_cap(const struct runtime *rto, int64_t *rp, int64_t n)
{
	if (rto->cpus == RT_CPUS_PARAM && rto->switches == RT_SWITCH_KERNEL)
		t_param_set(rto->params, rp, rto->cpus_param, n);
}

/* ---- serve: closed connections, idle connections, the cap ------------- */

static uint64_t ms_since(uint64_t t0)
{
	return (wl_now_ns() - t0) / 1000000u;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* Under a sanitizer RSS is not checked (below), so what is left to check is
 * the reuse of a closed connection's slot and fd: 600 connections go through
 * the 31 slots some 19 times each. 3,000 took 11-15 s a runtime under TSan
 * (coro-ucontext, steal, uring), a fifth of the CI's test time there. */
#define CHURN_CONNS 600
#else
#define CHURN_CONNS 3000
#endif
#define CHURN_NOFILE 96 /* the server's room: 96 - 65 = 31 connections */
static const char GET_CLOSE[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/* CHURN_CONNS connections one after another, one request each with Connection:
 * close, the way ab without -k or a curl loop drives a server: far more
 * than RLIMIT_NOFILE allows open, so the server must reuse what a closed
 * connection held; its memory must stay flat. */
static void *churn_client(void *arg)
{
	const struct wl_load *l = arg;
	long rss_warm = 0;
	for (int i = 0; i < CHURN_CONNS; i++) {
		if (i == 300)
			rss_warm = wl_rss_kib();
		int fd = t_dial(l->port, 10);
		t_send(fd, GET_CLOSE, sizeof GET_CLOSE - 1);
		expect_response(fd, 200, GET_CLOSE);
		expect_eof(fd);
		close(fd);
	}
	long grew = wl_rss_kib() - rss_warm;
	/* Kept records would grow it by 2,700 x ~12.6 KiB = 33 MiB; a
	 * closed connection's record freed and its slot reused, by nothing
	 * but allocator noise. A sanitizer keeps freed memory in quarantine
	 * (ASan: up to 256 MiB) to catch a use after free, so there RSS is
	 * the sanitizer's and is not checked. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	printf("  RSS grew by %ld KiB (a sanitizer's quarantine: not checked)\n", grew);
#else
	CHECKF(grew < 1024, "RSS grew by %ld KiB over %d closed connections", grew,
	       CHURN_CONNS - 300);
#endif
	stop_running();
	return NULL;
}

/* In a child with RLIMIT_NOFILE lowered (soft and hard, so the server
 * cannot raise it): the limit is the child's alone. */
static void test_churn(const struct runtime *rto, const int64_t *rp)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		failures = 0; /* the child's exit status is its own checks' */
		struct rlimit rl = { CHURN_NOFILE, CHURN_NOFILE };
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			FAIL("setrlimit: %s", strerror(errno));
		/* A runtime that cannot start in a child forked after it ran
		 * (omp on libgomp, see runtimes/omp/omp.c) says so: skipped. */
		struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
		struct rt *probe;
		int err = rto->create(&probe, &env, rp);
		if (err == -ENOTSUP) {
			printf("  %s: refuses to run in a forked child: churn skipped\n", rto->name);
			fflush(stdout);
			_exit(0);
		}
		if (err == 0)
			rto->destroy(probe);
		const struct workload *wl = wl_find("http");
		int64_t wp[16];
		t_param_defaults(wl->params, wp);
		t_param_set(wl->params, wp, "conns", 100000); /* clamped to 31 */
		struct wl_report rep;
		serve(rto, rp, "http", wp, churn_client, 0, &rep);
		CHECKF(t_metric(&rep, "conns_accepted") == CHURN_CONNS &&
		               t_metric(&rep, "requests_served") == CHURN_CONNS,
		       "conns_accepted %.0f, requests_served %.0f, want %d",
		       t_metric(&rep, "conns_accepted"), t_metric(&rep, "requests_served"),
		       CHURN_CONNS);
		CHECKF(t_metric(&rep, "conns_asked") == 100000, "conns_asked %.0f",
		       t_metric(&rep, "conns_asked"));
		fflush(stdout);
		_exit(t_exit_status());
	}
	int st = t_wait(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("the churn child failed (wait status 0x%x)", st);
}

#define IDLE_MS 300

/* Waits until the server has closed fd for good (not only shut its side
 * for writing): a byte sent to a closed socket draws a reset, which the
 * next send or read reports; a lingering server reads and drops it. The
 * milliseconds it took; the test fails after 5 s. */
static uint64_t wait_closed(int fd)
{
	uint64_t t0 = wl_now_ns();
	for (;;) {
		char c;
		if (send(fd, "x", 1, MSG_NOSIGNAL) < 0 ||
		    (recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == ECONNRESET))
			return ms_since(t0);
		if (ms_since(t0) > 5000)
			FAIL("the server kept the connection open 5 s after its 400");
		pause_ms(10);
	}
}

/* A silent client and one that stops mid-head are cut after idle_ms; a
 * client that got its 400 and never closes is cut after idle_ms of
 * lingering; meanwhile a good client is served: at once where the model
 * has room, on a pool whose one free worker the idle client holds as soon
 * as the cut frees it. Never more than 5 s: a server without the deadline
 * fails here (the client's reads time out). */
static void *idle_client(void *arg)
{
	const struct wl_load *l = arg;
	uint64_t t0 = wl_now_ns();
	int silent = t_dial(l->port, 5);
	int partial = t_dial(l->port, 5);
	t_send(partial, "GET / HT", 8);
	pause_ms(20);
	int good = t_dial(l->port, 5);
	t_send(good, GET, sizeof GET - 1);
	expect_response(good, 200, GET);
	close(good);
	int bad = t_dial(l->port, 5);
	t_send(bad, "NOT HTTP\r\n\r\n", 12);
	expect_response(bad, 400, NULL);
	expect_eof(bad); /* its side shut for writing: the lingering close */
	uint64_t tb = wl_now_ns();
	expect_eof(silent);
	expect_eof(partial);
	uint64_t cut = ms_since(t0);
	CHECKF(cut >= IDLE_MS - 20, "idle clients cut after %llu ms, deadline %d ms",
	       (unsigned long long)cut, IDLE_MS);
	uint64_t lingered = ms_since(tb) + wait_closed(bad);
	CHECKF(lingered >= IDLE_MS - 20, "lingering close cut after %llu ms, deadline %d ms",
	       (unsigned long long)lingered, IDLE_MS);
	printf("  idle cut after %llu ms, lingering close after %llu ms\n",
	       (unsigned long long)cut, (unsigned long long)lingered);
	close(silent);
	close(partial);
	close(bad);
	stop_running();
	return NULL;
}

static void test_idle(const struct runtime *rto, const int64_t *rp)
{
	const struct workload *wl = wl_find("http");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "conns", 100);
	serve_idle_ms = IDLE_MS;
	struct wl_report rep;
	serve(rto, rp, "http", wp, idle_client, 0, &rep);
	serve_idle_ms = 10000;
	CHECKF(t_metric(&rep, "conns_timed_out") == 3, "conns_timed_out %.0f, want 3",
	       t_metric(&rep, "conns_timed_out"));
}

/* echo: a client silent after one message is cut. */
static void *idle_echo_client(void *arg)
{
	const struct wl_load *l = arg;
	int fd = t_dial(l->port, 5);
	char in[4];
	t_send(fd, "ping", 4);
	t_recv(fd, in, 4);
	expect_eof(fd);
	close(fd);
	stop_running();
	return NULL;
}

static void test_idle_echo(const struct runtime *rto, const int64_t *rp)
{
	const struct workload *wl = wl_find("echo");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "msg_bytes", 4);
	serve_idle_ms = IDLE_MS;
	struct wl_report rep;
	serve(rto, rp, "echo", wp, idle_echo_client, 0, &rep);
	serve_idle_ms = 10000;
	CHECKF(t_metric(&rep, "conns_timed_out") == 1 && t_metric(&rep, "bytes_echoed") == 4,
	       "conns_timed_out %.0f, bytes_echoed %.0f", t_metric(&rep, "conns_timed_out"),
	       t_metric(&rep, "bytes_echoed"));
}

/* Whether fd has something to read within ms. */
static int readable(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	return poll(&pf, 1, ms) > 0;
}

/* conns=2 in serve: two connections open at once; a third waits (in the
 * backlog, unanswered) until one closes, and is then served. */
static void *cap_client(void *arg)
{
	const struct wl_load *l = arg;
	int a = t_dial(l->port, 5), b = t_dial(l->port, 5);
	t_send(a, GET, sizeof GET - 1);
	expect_response(a, 200, GET);
	t_send(b, GET, sizeof GET - 1);
	expect_response(b, 200, GET);
	int c = t_dial(l->port, 5);
	t_send(c, GET, sizeof GET - 1);
	CHECKF(!readable(c, 200), "a third connection was served with two open and conns=2");
	close(a);
	expect_response(c, 200, GET);
	close(b);
	close(c);
	stop_running();
	return NULL;
}

static void test_cap(const struct runtime *rto, const int64_t *rp)
{
	const struct workload *wl = wl_find("http");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "conns", 2);
	struct wl_report rep;
	serve(rto, rp, "http", wp, cap_client, 0, &rep);
	CHECKF(t_metric(&rep, "conns_accepted") == 3, "conns_accepted %.0f, want 3",
	       t_metric(&rep, "conns_accepted"));
}

int main(void)
{
	alarm(110);
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART: the runtimes see EINTR */

	ncpus = t_allowed_cpus(cpus, CPU_SETSIZE);

	char name[64];
	for (const struct runtime *const *r = rt_registry; *r; r++) {
		const struct runtime *rto = *r;
#if defined(__SANITIZE_THREAD__)
		/* libgomp is not built with TSan, which then cannot see its
		 * hand-overs between threads and reports races that are not
		 * (see tests/CMakeLists.txt: omp is out of the tsan label). */
		if (strcmp(rto->name, "omp") == 0) {
			printf("%s: SKIPPED under TSan (libgomp is not instrumented)\n", rto->name);
			continue;
		}
#endif
		int64_t rp[16];
		t_param_defaults(rto->params, rp);
		/* Two workers whatever the CPU count: the accept task holds
		 * one until every connection is in, the other serves the
		 * connections one at a time. */
		set_cap(rto, rp, 2);
		printf("%s:\n", rto->name);
		snprintf(name, sizeof name, "%s echo 6x200x100", rto->name);
		t_case = name;
		test_echo(rto, rp, 6, 200, 100);
		snprintf(name, sizeof name, "%s echo 3x20x40000", rto->name);
		t_case = name;
		test_echo(rto, rp, 3, 20, 40000);
		snprintf(name, sizeof name, "%s http bad input", rto->name);
		t_case = name;
		test_http(rto, rp);
		/* The stop test holds 3 connections open at once: the pool
		 * needs a worker for each, plus the accept task. */
		set_cap(rto, rp, STOP_CONNS + 1);
		for (const char *const *w = stop_wls; *w; w++) {
			snprintf(name, sizeof name, "%s stop %s", rto->name, *w);
			t_case = name;
			test_stop(rto, rp, *w);
		}

		/* serve: the pool with two workers, the accept task's and one
		 * for every connection in turn, the case where one idle client
		 * would otherwise hold the server (one worker is refused by
		 * serve: the accept task takes it). */
		set_cap(rto, rp, 2);
		serve_mode = 1;
		snprintf(name, sizeof name, "%s serve http idle", rto->name);
		t_case = name;
		test_idle(rto, rp);
		snprintf(name, sizeof name, "%s serve echo idle", rto->name);
		t_case = name;
		test_idle_echo(rto, rp);
		snprintf(name, sizeof name, "%s serve %d closed conns", rto->name, CHURN_CONNS);
		t_case = name;
		test_churn(rto, rp);
		set_cap(rto, rp, 4);
		snprintf(name, sizeof name, "%s serve conns=2 open at once", rto->name);
		t_case = name;
		test_cap(rto, rp);
		serve_mode = 0;
	}

	const struct runtime *ep = rt_find("epoll");
	int64_t rp[16];
	t_param_defaults(ep->params, rp);
	t_param_set(ep->params, rp, "loops", 2);
	printf("epoll loops=2:\n");
	t_case = "epoll loops=2 http 8x200";
	test_http_plain(ep, rp, 8, 200);
	t_case = "epoll loops=2 echo 8x100x64";
	test_echo(ep, rp, 8, 100, 64);
	t_case = "epoll loops=2 http bad input";
	test_http(ep, rp);
	for (const char *const *w = stop_wls; *w; w++) {
		snprintf(name, sizeof name, "epoll loops=2 stop %s", *w);
		t_case = name;
		test_stop(ep, rp, *w);
	}
	printf("unit_servers: ok\n");
	return 0;
}
