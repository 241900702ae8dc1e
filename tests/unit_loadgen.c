/* unit_loadgen — the load generator against small servers of the test's own
 * (one poll thread each, on 127.0.0.1): closed-loop echo and HTTP loads
 * complete with every response verified; a server that corrupts bytes or
 * answers a wrong body is caught; the mixed load asks for /heavy exactly
 * where it says; an open-loop load measures from the intended send time, so
 * a server that stalls once for 200 ms shows the stall in many samples,
 * where a closed loop shows it in one; a silent server ends the run after
 * the stall limit instead of hanging; the child process reports through
 * h_loadgen_start/finish, bound to its CPUs, and is killed past its time;
 * told the server's pid (this process), it reads the server's CPU clock and
 * its port's sockets (all connections and the listener) for the window.
 * Running for a time, only the window counts: start-up, warm-up and what
 * completes after the window are left out, and a connection the server
 * starves shows in conns_starved, fairness and the latency tail. A skewed
 * load's hot connections send hot_x times what the cold ones send. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

/* ---- the test's own server: one thread polling every connection, so a
 * stall of that thread stalls every connection, as a busy server would ---- */

#define MAXC 64
static const char RESP_OK[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
/* What a server can get wrong, each caught by a different check. */
static const char *const RESP_BAD[] = {
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World?",
	"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 13\r\n\r\nHello, World!",
};

struct srv {
	int lfd, port, http, expect;
	int corrupt_every; /* echo: flip a byte in every Nth read */
	int bad_every;     /* http: every Nth response is RESP_BAD[bad_kind] */
	int bad_kind;
	int stall_at, stall_ms; /* http: sleep once after this many requests */
	int silent;        /* never answer */
	int answer_only;   /* > 0: answer the first N connections accepted, never read the rest */
	int delay_ms;      /* http: sleep this long before each answer (a slow server) */
	int accept_delay_ms; /* sleep this long before accepting anything (a slow start) */
	/* Written by the server thread only; read after the join. */
	long requests, heavy, reads, accepted;
	unsigned first_heavy; /* bit i: a connection's first /heavy was its request i */
	pthread_t th;
};

struct sconn {
	int fd;
	int ignored; /* beyond answer_only: watched only for the client's close */
	long n; /* requests on this connection */
	int saw_heavy;
	size_t len;
	char in[4096];
};

static void serve_http(struct srv *s, struct sconn *c)
{
	char out[8 * 1024];
	size_t olen = 0;
	char *end;
	while (c->len > 0 && (end = memmem(c->in, c->len, "\r\n\r\n", 4)) != NULL) {
		size_t rl = (size_t)(end + 4 - c->in);
		s->requests++;
		if (c->len >= 10 && memcmp(c->in, "GET /heavy", 10) == 0) {
			s->heavy++;
			if (!c->saw_heavy && c->n < 32)
				s->first_heavy |= 1u << c->n;
			c->saw_heavy = 1;
		}
		c->n++;
		if (s->delay_ms)
			usleep((useconds_t)s->delay_ms * 1000);
		const char *r = s->bad_every && s->requests % s->bad_every == 0 ? RESP_BAD[s->bad_kind]
		                                                                : RESP_OK;
		if (olen + strlen(r) <= sizeof out) {
			memcpy(out + olen, r, strlen(r));
			olen += strlen(r);
		}
		memmove(c->in, c->in + rl, c->len - rl);
		c->len -= rl;
		if (s->stall_at && s->requests == s->stall_at) {
			/* Answer what came before, then stall the whole server. */
			if (olen && !s->silent)
				(void)t_write_all(c->fd, out, olen);
			olen = 0;
			usleep((useconds_t)s->stall_ms * 1000);
		}
	}
	if (olen && !s->silent)
		(void)t_write_all(c->fd, out, olen);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	struct sconn *conns = calloc(MAXC, sizeof *conns);
	char *buf = malloc(64 * 1024);
	int open = 0;
	if (!conns || !buf)
		abort();
	for (int i = 0; i < MAXC; i++)
		conns[i].fd = -1;
	if (s->accept_delay_ms)
		usleep((useconds_t)s->accept_delay_ms * 1000);
	while (s->accepted < s->expect || open > 0) {
		struct pollfd pf[MAXC + 1];
		int idx[MAXC + 1], np = 0;
		if (s->accepted < s->expect) {
			pf[np] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
			idx[np++] = -1;
		}
		for (int i = 0; i < MAXC; i++)
			if (conns[i].fd >= 0) {
				/* An ignored connection's request stays unread; its
				 * close still shows (POLLRDHUP), so the server ends. */
				pf[np] = (struct pollfd){ .fd = conns[i].fd,
				                          .events = conns[i].ignored ? POLLRDHUP : POLLIN };
				idx[np++] = i;
			}
		if (poll(pf, (nfds_t)np, -1) < 0)
			continue;
		for (int k = 0; k < np; k++) {
			if (!pf[k].revents)
				continue;
			if (idx[k] < 0) {
				int fd = accept(s->lfd, NULL, NULL);
				if (fd < 0)
					continue;
				s->accepted++;
				int i = 0;
				while (i < MAXC && conns[i].fd >= 0)
					i++;
				if (i == MAXC) {
					close(fd);
					continue;
				}
				conns[i] = (struct sconn){ .fd = fd, .ignored = s->answer_only > 0 &&
				                                                 s->accepted > s->answer_only };
				open++;
				continue;
			}
			struct sconn *c = &conns[idx[k]];
			if (c->ignored) {
				close(c->fd);
				c->fd = -1;
				open--;
				continue;
			}
			ssize_t n = s->http ? read(c->fd, c->in + c->len, sizeof c->in - c->len)
			                    : read(c->fd, buf, 64 * 1024);
			if (n <= 0) {
				close(c->fd);
				c->fd = -1;
				open--;
				continue;
			}
			if (s->http) {
				c->len += (size_t)n;
				serve_http(s, c);
				continue;
			}
			s->reads++;
			if (s->corrupt_every && s->reads % s->corrupt_every == 0)
				buf[n / 2] ^= 0x20;
			if (!s->silent)
				(void)t_write_all(c->fd, buf, (size_t)n);
		}
	}
	free(conns);
	free(buf);
	return NULL;
}

static void srv_start(struct srv *s)
{
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sa;
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(s->lfd, 128) < 0 || getsockname(s->lfd, (struct sockaddr *)&sa, &len) < 0) {
		perror("test server");
		exit(1);
	}
	s->port = ntohs(sa.sin_port);
	if (pthread_create(&s->th, NULL, srv_main, s) != 0) {
		perror("pthread_create");
		exit(1);
	}
}

static void srv_join(struct srv *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static struct h_loadgen_result *res;

static uint64_t pct(const struct h_hist *h, double p)
{
	return h_hist_value_at_percentile(h, p);
}

static void check_sane(const char *name, const struct h_loadgen_result *r)
{
	uint64_t p50 = pct(&r->all, 50), p99 = pct(&r->all, 99), mx = h_hist_max(&r->all);
	CHECKF(r->all.count == r->requests + r->outstanding,
	       "%s: histogram holds %llu, requests %llu + outstanding %llu", name,
	       (unsigned long long)r->all.count, (unsigned long long)r->requests,
	       (unsigned long long)r->outstanding);
	CHECKF(p50 > 0 && p50 <= p99 && p99 <= mx, "%s: p50 %llu p99 %llu max %llu", name,
	       (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)mx);
	CHECKF(r->elapsed_ns > 0, "%s: elapsed 0", name);
	CHECKF(r->cpus_used != 0, "%s: no CPU recorded", name);
	printf("%-14s requests=%llu errors=%llu %.0f req/s p50=%.1fus p99=%.1fus max=%.1fus\n", name,
	       (unsigned long long)r->requests, (unsigned long long)r->errors,
	       r->elapsed_ns ? (double)r->requests * 1e9 / (double)r->elapsed_ns : 0.0, p50 / 1e3,
	       p99 / 1e3, mx / 1e3);
}

static void test_closed_echo(void)
{
	struct srv s = { .expect = 8 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_ECHO, .port = s.port, .conns = 8, .requests = 500,
	                     .msg_bytes = 100 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	CHECKF(rc == 0, "echo: rc %d", rc);
	CHECKF(res->requests == 4000 && res->errors == 0, "echo: %llu ok, %llu errors (%s)",
	       (unsigned long long)res->requests, (unsigned long long)res->errors, res->error);
	CHECKF(res->conns == 8 && res->conns_ok == 8, "echo: conns %d ok %d", res->conns,
	       res->conns_ok);
	check_sane("echo closed", res);

	/* Messages larger than the client's 64 KiB slices and than a socket
	 * buffer: written and checked in pieces. */
	struct srv b = { .expect = 2 };
	srv_start(&b);
	l = (struct wl_load){ .proto = WL_PROTO_ECHO, .port = b.port, .conns = 2, .requests = 20,
	                      .msg_bytes = 300000 };
	rc = h_loadgen_run(&l, res);
	srv_join(&b);
	CHECKF(rc == 0 && res->requests == 40 && res->errors == 0, "echo big: %llu ok, %llu errors (%s)",
	       (unsigned long long)res->requests, (unsigned long long)res->errors, res->error);
	check_sane("echo 300 KB", res);
}

static void test_echo_corrupt(void)
{
	struct srv s = { .expect = 4, .corrupt_every = 10 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_ECHO, .port = s.port, .conns = 4, .requests = 200,
	                     .msg_bytes = 64 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	CHECKF(rc == 0, "corrupt: rc %d", rc);
	CHECKF(res->errors > 0, "corrupt: a server flipping bytes went unnoticed");
	CHECKF(res->errors + res->requests == 800, "corrupt: %llu + %llu != 800",
	       (unsigned long long)res->errors, (unsigned long long)res->requests);
	CHECKF(strstr(res->error, "differ") != NULL, "corrupt: error '%s'", res->error);
	printf("echo corrupt   requests=%llu errors=%llu (%s)\n", (unsigned long long)res->requests,
	       (unsigned long long)res->errors, res->error);
}

static void test_closed_http(void)
{
	struct srv s = { .http = 1, .expect = 8 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 8, .requests = 500 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	CHECKF(rc == 0 && res->requests == 4000 && res->errors == 0,
	       "http: rc %d, %llu ok, %llu errors (%s)", rc, (unsigned long long)res->requests,
	       (unsigned long long)res->errors, res->error);
	/* One more per connection: the confirming exchange. */
	CHECKF(s.requests == 4008 && s.heavy == 0, "http: server saw %ld requests, %ld heavy",
	       s.requests, s.heavy);
	CHECKF(res->conns_starved == 0 && res->fairness == 1.0 && res->conns_confirmed == 8,
	       "http: starved %d fairness %g confirmed %d", res->conns_starved, res->fairness,
	       res->conns_confirmed);
	check_sane("http closed", res);

	/* A wrong response every 7th: exactly those are errors, and the
	 * connection goes on (the response could be framed). */
	static const char *const why[] = { "body", "Content-Length 0", "status 500" };
	for (int k = 0; k < 3; k++) {
		struct srv b = { .http = 1, .expect = 3, .bad_every = 7, .bad_kind = k };
		srv_start(&b);
		l = (struct wl_load){ .proto = WL_PROTO_HTTP, .port = b.port, .conns = 3,
		                      .requests = 70 };
		rc = h_loadgen_run(&l, res);
		srv_join(&b);
		CHECKF(rc == 0 && res->errors == 30 && res->requests == 180,
		       "http bad %d: %llu ok, %llu errors, want 180 and 30 (%s)", k,
		       (unsigned long long)res->requests, (unsigned long long)res->errors, res->error);
		CHECKF(strstr(res->error, why[k]) != NULL, "http bad %d: error '%s'", k, res->error);
	}

	/* Running for a time instead of a count. */
	struct srv t = { .http = 1, .expect = 4 };
	srv_start(&t);
	l = (struct wl_load){ .proto = WL_PROTO_HTTP, .port = t.port, .conns = 4, .seconds = 1 };
	rc = h_loadgen_run(&l, res);
	srv_join(&t);
	CHECKF(rc == 0 && res->requests > 100 && res->errors == 0, "http 1 s: %llu ok, %llu errors",
	       (unsigned long long)res->requests, (unsigned long long)res->errors);
	CHECKF(res->elapsed_ns == 1000000000ull, "http 1 s: window %llu ns",
	       (unsigned long long)res->elapsed_ns);
	/* The server answered the 4 confirming exchanges, the requests
	 * counted, and perhaps some of those outstanding when the window
	 * ended (4 at most: one per connection). */
	CHECKF(res->outstanding <= 4 && (long)res->requests + 4 <= t.requests &&
	       t.requests <= (long)(res->requests + 4 + res->outstanding),
	       "http 1 s: client %llu + %llu outstanding, server %ld",
	       (unsigned long long)res->requests, (unsigned long long)res->outstanding, t.requests);
	check_sane("http 1 s", res);
}

static void test_heavy(void)
{
	struct srv s = { .http = 1, .expect = 3 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 3, .requests = 101,
	                     .heavy_every = 4 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	long want = 0; /* the documented rule: request j of connection c when (c + j) % N == N - 1 */
	for (int c = 0; c < 3; c++)
		for (int j = 0; j < 101; j++)
			want += (c + j) % 4 == 3;
	CHECKF(rc == 0 && res->requests == 303 && res->errors == 0, "heavy: %llu ok (%s)",
	       (unsigned long long)res->requests, res->error);
	CHECKF(s.heavy == want && (long)res->heavy.count == want, "heavy: server %ld, client %llu, want %ld",
	       s.heavy, (unsigned long long)res->heavy.count, want);
	CHECKF(res->light.count + res->heavy.count == res->all.count, "heavy: light + heavy != all");
	/* Staggered by connection: their first heavy requests are 3, 2 and 1,
	 * which the server counts from 1 (its request 0 is the confirming
	 * exchange). */
	CHECKF(s.first_heavy == 0x1c, "heavy: first heavy requests %#x, want 0x1c", s.first_heavy);
}

/* The server stalls once for 200 ms after its 300th request. */
/* ---- the open loop's schedule: Poisson arrivals ---- */

static uint64_t last_arrival(int64_t rate, uint64_t n)
{
	uint64_t *at = malloc(n * sizeof *at);
	if (!at || h_loadgen_schedule(rate, H_LOADGEN_ARRIVAL_SEED, at, n) != 0) {
		free(at);
		return 0;
	}
	uint64_t t = at[n - 1];
	free(at);
	return t;
}

/* The gaps are exponential with mean 1/rate: mean within 5 % (2000 gaps:
 * the standard error is 2.2 %), coefficient of variation near 1 (a
 * constant schedule has 0); the same seed gives the same schedule, another
 * seed another one; the times never go back. */
static void test_schedule(void)
{
	enum { N = 2001 };
	static uint64_t a[N], b[N], c[N];
	REQUIRE(h_loadgen_schedule(1000, H_LOADGEN_ARRIVAL_SEED, a, N) == 0);
	REQUIRE(h_loadgen_schedule(1000, H_LOADGEN_ARRIVAL_SEED, b, N) == 0);
	REQUIRE(h_loadgen_schedule(1000, H_LOADGEN_ARRIVAL_SEED + 1, c, N) == 0);
	CHECK(a[0] == 0);
	double sum = 0, sq = 0;
	int mono = 1;
	for (int k = 1; k < N; k++) {
		mono &= a[k] >= a[k - 1];
		double g = (double)(a[k] - a[k - 1]);
		sum += g;
		sq += g * g;
	}
	double mean = sum / (N - 1), sd = sqrt(sq / (N - 1) - mean * mean), cv = sd / mean;
	CHECKF(mono, "schedule goes back in time");
	CHECKF(fabs(mean - 1e6) < 0.05 * 1e6, "mean gap %.0f ns, want 1e6 (rate 1000)", mean);
	CHECKF(cv > 0.9 && cv < 1.1, "coefficient of variation %.3f, want ~1 (exponential)", cv);
	CHECKF(memcmp(a, b, sizeof a) == 0, "the same seed gave another schedule");
	CHECKF(memcmp(a, c, sizeof a) != 0, "another seed gave the same schedule");
	CHECK(h_loadgen_schedule(0, 1, a, N) == -EINVAL);
	printf("schedule: mean gap %.0f ns, cv %.3f\n", mean, cv);
}

static void test_open_loop_stall(void)
{
	const uint64_t slow = 50 * 1000000ull;

	struct srv s = { .http = 1, .expect = 10, .stall_at = 300, .stall_ms = 200 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 10, .requests = 100,
	                     .rate = 1000 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	CHECKF(rc == 0 && res->requests == 1000 && res->errors == 0, "open: %llu ok, %llu errors (%s)",
	       (unsigned long long)res->requests, (unsigned long long)res->errors, res->error);
	uint64_t open_slow = h_hist_count_at_or_above(&res->all, slow);
	/* About 200 requests fall due during the stall; measured from their
	 * intended times, most of them waited more than 50 ms. */
	CHECKF(open_slow * 100 > res->requests, "open: only %llu of %llu requests >= 50 ms",
	       (unsigned long long)open_slow, (unsigned long long)res->requests);
	CHECKF(pct(&res->all, 99) >= 100 * 1000000ull, "open: p99 %llu ns misses the stall",
	       (unsigned long long)pct(&res->all, 99));
	/* The run lasts at least until the schedule's last arrival (Poisson:
	 * about a second, not exactly). */
	CHECKF(res->elapsed_ns >= last_arrival(1000, 1000) && res->elapsed_ns < 2000000000ull,
	       "open: elapsed %llu ns for 1000 requests at 1000/s", (unsigned long long)res->elapsed_ns);
	check_sane("open + stall", res);
	printf("open loop:   %llu of %llu requests >= 50 ms\n", (unsigned long long)open_slow,
	       (unsigned long long)res->requests);

	/* The same stall, closed loop: the client waits with the server, so
	 * only the one request caught in it shows it (coordinated omission). */
	struct srv c = { .http = 1, .expect = 1, .stall_at = 300, .stall_ms = 200 };
	srv_start(&c);
	l = (struct wl_load){ .proto = WL_PROTO_HTTP, .port = c.port, .conns = 1, .requests = 1000 };
	rc = h_loadgen_run(&l, res);
	srv_join(&c);
	uint64_t closed_slow = h_hist_count_at_or_above(&res->all, slow);
	CHECKF(rc == 0 && res->requests == 1000 && res->errors == 0, "closed: %llu ok (%s)",
	       (unsigned long long)res->requests, res->error);
	/* The stalled one, and at most 1 % in all: a loaded machine may
	 * preempt the test for 50 ms now and then. */
	CHECKF(closed_slow >= 1 && closed_slow * 100 <= res->requests,
	       "closed: %llu requests >= 50 ms, want the stalled one (and at most 1 %%)",
	       (unsigned long long)closed_slow);
	CHECKF(h_hist_max(&res->all) >= 150 * 1000000ull && pct(&res->all, 99) < slow,
	       "closed: max %llu p99 %llu", (unsigned long long)h_hist_max(&res->all),
	       (unsigned long long)pct(&res->all, 99));
	printf("closed loop: %llu of %llu requests >= 50 ms\n", (unsigned long long)closed_slow,
	       (unsigned long long)res->requests);

	/* Open loop without a stall: measured from the intended time, a
	 * healthy server still answers in well under a millisecond; echo keeps
	 * one message per connection in flight. */
	struct srv e = { .expect = 4 };
	srv_start(&e);
	l = (struct wl_load){ .proto = WL_PROTO_ECHO, .port = e.port, .conns = 4, .requests = 250,
	                      .rate = 2000, .msg_bytes = 32 };
	rc = h_loadgen_run(&l, res);
	srv_join(&e);
	CHECKF(rc == 0 && res->requests == 1000 && res->errors == 0, "open echo: %llu ok (%s)",
	       (unsigned long long)res->requests, res->error);
	CHECKF(pct(&res->all, 50) < 5 * 1000000ull, "open echo: p50 %llu ns",
	       (unsigned long long)pct(&res->all, 50));
	/* The schedule holds: 1000 requests at 2000/s take about half a
	 * second, never less than the last arrival. */
	CHECKF(res->elapsed_ns >= last_arrival(2000, 1000) && res->elapsed_ns < 1500000000ull,
	       "open echo: %llu ns for 1000 requests at 2000/s", (unsigned long long)res->elapsed_ns);
	check_sane("open echo", res);
}

/* ---- steady state: the window, and starvation made visible ---- */

static double metric(const struct wl_report *rep, const char *name)
{
	const struct wl_metric *m = t_find_metric(rep, name);
	return m ? m->value : -1;
}

/* A server that answers one connection of four, slowly (10 ms a request),
 * and never reads the other three, as a pool of one worker would: the
 * three are starved, and show it. Jain's index with one connection served
 * x times and three none: x^2 / (4 x^2) = 0.25, whatever x. */
static void test_starved(void)
{
	const uint64_t window = 1000000000ull;
	struct srv s = { .http = 1, .expect = 4, .answer_only = 1, .delay_ms = 10 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 4, .seconds = 1,
	                     .warmup_ms = 100 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	static struct h_loadgen lg;
	int rc = h_loadgen_start(&l, NULL, NULL, &lg);
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	if (rc == 0)
		rc = h_loadgen_finish(&lg, 30000, &rep);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	srv_join(&s);
	const struct h_loadgen_result *r = &lg.res;
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECKF(rc == 0 && r->errors == 0, "starved: rc %d, %llu errors (%s)", rc,
	       (unsigned long long)r->errors, rep.error);
	CHECKF(r->conns_confirmed == 1 && metric(&rep, "conns_confirmed") == 1,
	       "starved: %d confirmed, want 1", r->conns_confirmed);
	CHECKF(r->conns_starved == 3 && metric(&rep, "conns_starved") == 3,
	       "starved: conns_starved %d, want 3", r->conns_starved);
	CHECKF(r->fairness == 0.25 && metric(&rep, "fairness") == 0.25,
	       "starved: fairness %g, want 0.25", r->fairness);
	CHECKF(r->elapsed_ns == window && metric(&rep, "window_s") == 1.0,
	       "starved: window %llu ns", (unsigned long long)r->elapsed_ns);
	/* About 100 requests counted on the served connection; the three
	 * starved ones (plus the served one's last) outstanding at the end,
	 * the starved at the window's whole length: 3 % of the samples, so
	 * p99 is the window. */
	CHECKF(r->requests >= 20 && r->requests <= 110, "starved: %llu requests counted",
	       (unsigned long long)r->requests);
	CHECKF(r->outstanding >= 3 && r->outstanding <= 4, "starved: %llu outstanding",
	       (unsigned long long)r->outstanding);
	uint64_t p99 = pct(&r->all, 99), mx = h_hist_max(&r->all);
	CHECKF(p99 >= window * 95 / 100 && mx >= window * 99 / 100 && mx <= window * 101 / 100,
	       "starved: p99 %llu max %llu ns, want about the window (%llu)",
	       (unsigned long long)p99, (unsigned long long)mx, (unsigned long long)window);
	CHECKF(metric(&rep, "p99_us") >= 0.95e6, "starved: p99_us %g", metric(&rep, "p99_us"));
	CHECKF(secs < 5, "starved: took %.1f s", secs);
	check_sane("starved", r);
	printf("starved: %d of 4 connections, fairness %.2f, p99 %.0f ms, %.1f s in all\n",
	       r->conns_starved, r->fairness, (double)p99 / 1e6, secs);
}

/* A server that sleeps 300 ms before it accepts: the client connects (the
 * kernel's backlog) and waits for its confirming answers, so that start-up
 * is not timed; the warm-up's requests and those abandoned at the end are
 * answered by the server but not counted, and throughput is over the
 * window alone. */
static void test_slow_start(void)
{
	struct srv s = { .http = 1, .expect = 2, .accept_delay_ms = 300 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 2, .seconds = 1,
	                     .warmup_ms = 200 };
	static struct h_loadgen lg;
	int rc = h_loadgen_start(&l, NULL, NULL, &lg);
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	if (rc == 0)
		rc = h_loadgen_finish(&lg, 30000, &rep);
	srv_join(&s);
	const struct h_loadgen_result *r = &lg.res;
	CHECKF(rc == 0 && r->errors == 0 && r->requests > 100, "slow start: rc %d, %llu ok (%s)",
	       rc, (unsigned long long)r->requests, rep.error);
	CHECKF(r->conns_confirmed == 2 && r->conns_starved == 0,
	       "slow start: %d confirmed, %d starved", r->conns_confirmed, r->conns_starved);
	/* Nothing counted waited for the accept (timed, each connection's
	 * first request would have waited nearly 300 ms; a loaded machine
	 * may still stall a request for a while, so not "nothing slow"). */
	CHECKF(h_hist_count_at_or_above(&r->all, 250 * 1000000ull) == 0,
	       "slow start: max %llu ns: start-up timed", (unsigned long long)h_hist_max(&r->all));
	/* The server answered 2 confirming exchanges, a warm-up of 200 ms,
	 * the window and what the end abandoned; the client counted the
	 * window's only. */
	CHECKF(s.requests >= (long)(r->requests + 2 + 20), "slow start: server %ld, client %llu",
	       s.requests, (unsigned long long)r->requests);
	CHECKF(r->elapsed_ns == 1000000000ull, "slow start: window %llu ns",
	       (unsigned long long)r->elapsed_ns);
	double rps = metric(&rep, "throughput_rps");
	CHECKF(rps == (double)r->requests, "slow start: throughput %g for %llu requests in 1 s", rps,
	       (unsigned long long)r->requests);
	check_sane("slow start", r);
}

/* A server that takes 300 ms a request, one connection, no warm-up: the
 * window [0, 1 s) holds the answers at about 0.3, 0.6 and 0.9 s; the
 * request sent at 0.9 s is answered at 1.2 s, after the window: it is not
 * counted, and enters the histogram at its age at the end (about 0.1 s). */
static void test_window_end(void)
{
	struct srv s = { .http = 1, .expect = 1, .delay_ms = 300 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 1, .seconds = 1 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	CHECKF(rc == 0 && res->errors == 0, "window end: rc %d (%s)", rc, res->error);
	CHECKF(res->elapsed_ns == 1000000000ull, "window end: window %llu ns",
	       (unsigned long long)res->elapsed_ns);
	/* Closed loop, one connection: exactly one request in flight at the
	 * end, which the server saw and the client did not count; the other
	 * one the server saw is the confirming exchange. */
	CHECKF(res->outstanding == 1 && s.requests == (long)res->requests + 2,
	       "window end: %llu counted, %llu outstanding, server saw %ld",
	       (unsigned long long)res->requests, (unsigned long long)res->outstanding, s.requests);
	CHECKF(res->requests >= 2 && res->requests <= 3, "window end: %llu counted, want 3",
	       (unsigned long long)res->requests);
	/* Nothing in the histogram is older than the window. */
	CHECKF(h_hist_max(&res->all) <= 1010000000ull, "window end: max %llu ns",
	       (unsigned long long)h_hist_max(&res->all));
	check_sane("window end", res);
}

static void test_silent(void)
{
	struct srv s = { .http = 1, .expect = 2, .silent = 1 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 2, .requests = 10 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = h_loadgen_run(&l, res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	srv_join(&s); /* returns: the client closed its connections */
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECKF(rc == 0 && res->requests == 0 && res->errors == 20, "silent: %llu ok, %llu errors",
	       (unsigned long long)res->requests, (unsigned long long)res->errors);
	CHECKF(strstr(res->error, "no response") != NULL, "silent: error '%s'", res->error);
	CHECKF(secs >= H_LOADGEN_STALL_MS / 1000.0 - 0.2 && secs < H_LOADGEN_STALL_MS / 1000.0 + 2,
	       "silent: gave up after %.1f s", secs);
	printf("silent server: gave up after %.1f s: %s\n", secs, res->error);
}

static void test_invalid(void)
{
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = 80, .conns = 0, .requests = 1 };
	CHECKF(h_loadgen_run(&l, res) == -EINVAL && res->err == -EINVAL, "conns 0 accepted");
	l.conns = 1;
	l.port = 0;
	CHECKF(h_loadgen_run(&l, res) == -EINVAL, "port 0 accepted");
	l.port = 80;
	l.requests = 0;
	CHECKF(h_loadgen_run(&l, res) == -EINVAL, "no requests and no seconds accepted");
	l.requests = 1;
	l.proto = WL_PROTO_ECHO;
	CHECKF(h_loadgen_run(&l, res) == -EINVAL, "echo without msg_bytes accepted");
	struct h_loadgen lg;
	CHECKF(h_loadgen_start(&l, NULL, NULL, &lg) == -EINVAL, "start accepted a bad load");
	/* Skew paces a closed loop running for a time: not a fixed count. */
	l.msg_bytes = 64;
	l.hot_pct = 10;
	l.hot_x = 5;
	CHECKF(h_loadgen_run(&l, res) == -EINVAL, "hot_pct with a fixed count accepted");
}

/* A skewed load: 2 of 10 connections hot (chosen by the seed), each
 * sending hot_x = 5 times what a cold one sends, in a closed loop running
 * for a time. A count check, with generous bounds: the ratio is the
 * pacing's (skew_release), whatever the server's speed. */
static void test_skew(void)
{
	struct srv s = { .expect = 10 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_ECHO, .port = s.port, .conns = 10, .seconds = 1,
	                     .msg_bytes = 64, .hot_pct = 20, .hot_x = 5, .hot_seed = 7 };
	int rc = h_loadgen_run(&l, res);
	srv_join(&s);
	CHECKF(rc == 0 && res->errors == 0, "skew: rc %d, %llu errors (%s)", rc,
	       (unsigned long long)res->errors, res->error);
	CHECKF(res->hot_conns == 2 && res->conns_starved == 0, "skew: %d hot, %d starved",
	       res->hot_conns, res->conns_starved);
	CHECKF(res->hot_ratio >= 3 && res->hot_ratio <= 8,
	       "skew: a hot connection got %.2f× a cold one's requests, want about 5",
	       res->hot_ratio);
	/* Jain's index of 2 connections at 5 and 8 at 1: 18² / (10 · 58) = 0.56. */
	CHECKF(res->fairness > 0.4 && res->fairness < 0.75, "skew: fairness %.2f, want about 0.56",
	       res->fairness);
	printf("skew: %llu requests, hot %.2f× cold, fairness %.2f\n",
	       (unsigned long long)res->requests, res->hot_ratio, res->fairness);
}

static void test_clamp(void)
{
	CHECKF(h_loadgen_clamp_conns(5) == 5, "clamp(5)");
	CHECKF(h_loadgen_clamp_conns(0) == 1, "clamp(0)");
	int big = h_loadgen_clamp_conns(INT_MAX);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECKF(rl.rlim_cur == rl.rlim_max || rl.rlim_max == RLIM_INFINITY,
	       "clamp: soft limit %llu not raised to %llu", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	CHECKF(big >= 1 && (rl.rlim_cur == RLIM_INFINITY ||
	                    (rlim_t)big + H_LOADGEN_FD_MARGIN <= rl.rlim_cur),
	       "clamp(INT_MAX) = %d with a limit of %llu", big, (unsigned long long)rl.rlim_cur);
	printf("clamp: RLIMIT_NOFILE %llu allows %d connections\n", (unsigned long long)rl.rlim_cur,
	       big);
}

static void test_child(void)
{
	hwloc_topology_t topo;
	if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
		CHECKF(0, "hwloc");
		return;
	}
	/* The client on the last allowed CPU, as the harness puts it on the
	 * CPUs the server does not use. */
	hwloc_bitmap_t cpus = hwloc_bitmap_alloc();
	int last = hwloc_bitmap_last(hwloc_topology_get_allowed_cpuset(topo));
	hwloc_bitmap_only(cpus, (unsigned)last);

	struct srv s = { .http = 1, .expect = 4 };
	srv_start(&s);
	struct wl_load l = { .proto = WL_PROTO_HTTP, .port = s.port, .conns = 4, .requests = 300,
	                     .heavy_every = 5, .late_us = 1 };
	static struct h_loadgen lg;
	int rc = h_loadgen_start_at(&l, NULL, getpid(), topo, cpus, &lg);
	CHECKF(rc == 0, "start: %d", rc);
	lg.conns_asked = 40000; /* as if the harness had clamped 40000 to 4 */
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	rc = h_loadgen_finish(&lg, 30000, &rep);
	srv_join(&s);
	CHECKF(rc == 0, "finish: %d (%s)", rc, rep.error);
	CHECKF(rep.error[0] == '\0', "finish: error '%s'", rep.error);
	const char *names[] = { "throughput_rps", "p50_us", "p75_us", "p90_us", "p95_us", "p99_us",
	                        "p999_us", "p9999_us", "max_us",
	                        "requests", "errors", "light_p50_us", "light_p99_us",
	                        "light_p999_us", "heavy_p50_us", "heavy_p99_us", "clamped_conns",
	                        "window_s", "conns_starved", "fairness", "light_late_share",
	                        "client_cpu_us_per_request", "samples", "light_samples",
	                        "heavy_samples", "client_cpu_util", "client_limited",
	                        "server_cpu_us_per_request", "net_backlog_drops", "server_sock_kib",
	                        "server_sockets" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECKF(t_find_metric(&rep, names[i]) != NULL, "finish: no metric %s", names[i]);
	CHECKF(rep.nmetrics == (int)(sizeof names / sizeof names[0]), "finish: %d metrics",
	       rep.nmetrics);
	/* The samples behind the percentiles: every request, split light and heavy. */
	const struct wl_metric *sa = t_find_metric(&rep, "samples"),
	                       *sl = t_find_metric(&rep, "light_samples"),
	                       *sh = t_find_metric(&rep, "heavy_samples");
	CHECKF(sa && sl && sh && sa->value > 0 && sl->value + sh->value == sa->value,
	       "samples %g = light %g + heavy %g", sa ? sa->value : -1, sl ? sl->value : -1,
	       sh ? sh->value : -1);
	/* The client's CPU over every response it handled: 4 confirming and
	 * 4 × 300 measured ones. */
	const struct wl_metric *cpr = t_find_metric(&rep, "client_cpu_us_per_request");
	CHECKF(lg.ru_ok && lg.res.completed == 4 + 4 * 300, "completed %llu",
	       (unsigned long long)lg.res.completed);
	CHECKF(cpr && cpr->value > 0 &&
	       fabs(cpr->value - (double)(lg.ru_user_ns + lg.ru_sys_ns) / 1000.0 / 1204.0) <
	               1e-6 * cpr->value,
	       "client_cpu_us_per_request %g", cpr ? cpr->value : -1.0);
	/* The window's figures: a fixed count's window runs from the first
	 * measured request to the last response; 1,200 responses in it. The
	 * server's sockets are sampled before the first connection closes:
	 * the 4 accepted ones and the listener. */
	CHECKF(lg.res.win_sampled && lg.res.win_done == 1200 && lg.res.win_server_cpu_ns > 0,
	       "window: sampled %d, %llu responses, server CPU %lld ns", lg.res.win_sampled,
	       (unsigned long long)lg.res.win_done, (long long)lg.res.win_server_cpu_ns);
	const struct wl_metric *w = t_find_metric(&rep, "server_cpu_us_per_request");
	CHECKF(w && fabs(w->value - (double)lg.res.win_server_cpu_ns / 1000.0 / 1200.0) <
	                    1e-6 * w->value,
	       "server_cpu_us_per_request %g", w ? w->value : -1);
	w = t_find_metric(&rep, "client_cpu_util");
	CHECKF(w && w->value > 0 && w->value <= 1, "client_cpu_util %g", w ? w->value : -1);
	const struct wl_metric *sk = t_find_metric(&rep, "server_sockets");
	CHECKF(sk && sk->value == 5, "server_sockets %g, want 4 connections and the listener",
	       sk ? sk->value : -1);
	sk = t_find_metric(&rep, "server_sock_kib");
	CHECKF(sk && sk->value >= 0, "server_sock_kib %g", sk ? sk->value : -1);
	/* A percentile spectrum never falls as p rises. */
	const char *spectrum[] = { "p50_us", "p75_us", "p90_us", "p95_us", "p99_us", "p999_us",
	                           "p9999_us", "max_us" };
	for (size_t i = 1; i < sizeof spectrum / sizeof spectrum[0]; i++) {
		const struct wl_metric *lo = t_find_metric(&rep, spectrum[i - 1]),
		                       *hi = t_find_metric(&rep, spectrum[i]);
		CHECKF(lo && hi && lo->value <= hi->value, "finish: %s > %s", spectrum[i - 1],
		       spectrum[i]);
	}
	/* No loopback round trip takes 1 us or less: every light request is late. */
	const struct wl_metric *late = t_find_metric(&rep, "light_late_share");
	CHECKF(late && late->value == 1.0, "finish: light_late_share %g, want 1 over 1 us",
	       late ? late->value : -1);
	const struct wl_metric *m = t_find_metric(&rep, "requests");
	CHECKF(m && m->value == 1200, "finish: requests %g", m ? m->value : -1);
	m = t_find_metric(&rep, "errors");
	CHECKF(m && m->value == 0, "finish: errors %g", m ? m->value : -1);
	m = t_find_metric(&rep, "clamped_conns");
	CHECKF(m && m->value == 4, "finish: clamped_conns %g", m ? m->value : -1);
	const struct wl_metric *p50 = t_find_metric(&rep, "p50_us"),
	                       *p99 = t_find_metric(&rep, "p99_us"), *mx = t_find_metric(&rep, "max_us");
	CHECKF(p50 && p99 && mx && p50->value > 0 && p50->value <= p99->value &&
	       p99->value <= mx->value, "finish: percentiles out of order");
	CHECKF(s.requests == 1204, "child: server saw %ld requests", s.requests);
	m = t_find_metric(&rep, "fairness");
	CHECKF(m && m->value == 1.0, "finish: fairness %g", m ? m->value : -1);
	m = t_find_metric(&rep, "conns_starved");
	CHECKF(m && m->value == 0, "finish: conns_starved %g", m ? m->value : -1);
	CHECKF(lg.res.cpus_used != 0 && (lg.res.cpus_used & ~(1ull << last)) == 0,
	       "child: ran on CPUs %#llx, bound to %d", (unsigned long long)lg.res.cpus_used, last);
	const struct wl_metric *rps = t_find_metric(&rep, "throughput_rps");
	printf("child on cpu %d: %d metrics, throughput %.0f req/s, p99 %.1f us\n", last,
	       rep.nmetrics, rps ? rps->value : 0, p99 ? p99->value : 0);

	/* Past its time the child is killed and reaped, and its connections
	 * close with it, so the server still ends. */
	struct srv q = { .http = 1, .expect = 2, .silent = 1 };
	srv_start(&q);
	l = (struct wl_load){ .proto = WL_PROTO_HTTP, .port = q.port, .conns = 2, .requests = 5 };
	rc = h_loadgen_start(&l, topo, NULL, &lg);
	CHECKF(rc == 0, "start (silent): %d", rc);
	memset(&rep, 0, sizeof rep);
	rc = h_loadgen_finish(&lg, 300, &rep);
	srv_join(&q);
	CHECKF(rc == -ETIMEDOUT, "finish (silent): %d, want -ETIMEDOUT", rc);
	CHECKF(strstr(rep.error, "killed") != NULL && rep.nmetrics == 0, "finish (silent): '%s', %d metrics",
	       rep.error, rep.nmetrics);

	/* Errors reach the report and make it wrong. */
	struct srv b = { .http = 1, .expect = 1, .bad_every = 2 };
	srv_start(&b);
	l = (struct wl_load){ .proto = WL_PROTO_HTTP, .port = b.port, .conns = 1, .requests = 10 };
	rc = h_loadgen_start(&l, topo, cpus, &lg);
	memset(&rep, 0, sizeof rep);
	rc = h_loadgen_finish(&lg, 30000, &rep);
	srv_join(&b);
	m = t_find_metric(&rep, "errors");
	CHECKF(rc == 0 && m && m->value == 5, "finish (bad): rc %d errors %g", rc, m ? m->value : -1);
	CHECKF(strstr(rep.error, "5 of 10 requests failed") != NULL, "finish (bad): error '%s'",
	       rep.error);
	CHECKF(t_find_metric(&rep, "clamped_conns") == NULL,
	       "finish (bad): clamped_conns without a clamp");

	hwloc_bitmap_free(cpus);
	hwloc_topology_destroy(topo);
}

int main(void)
{
	res = malloc(sizeof *res);
	if (!res)
		return 1;
	test_invalid();
	test_clamp();
	test_closed_echo();
	test_echo_corrupt();
	test_closed_http();
	test_heavy();
	test_schedule();
	test_open_loop_stall();
	test_child();
	test_starved();
	test_slow_start();
	test_window_end();
	test_skew();
	test_silent();
	free(res);
	if (!failures)
		puts("unit_loadgen: ok");
	return t_exit_status();
}
