/* loadgen.c — the load generator of loadgen.h: a single-threaded epoll client
 * for the echo and HTTP server workloads, closed or open loop, plus the
 * child process that runs it beside the server.
 *
 * Why one thread: the client must be a constant of the experiment and must
 * not compete with itself; one loop over non-blocking sockets with
 * edge-triggered epoll costs one epoll_wait per batch of ready connections
 * and one read and one write per request. Latency is taken with
 * CLOCK_MONOTONIC (vDSO, ~20 ns). The open-loop schedule is a timerfd armed
 * at the next intended send time, with the thread's timer slack cut from
 * the default 50 us to 1 ns so that the wake-up is on time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
#define HDR_MAX 1024            /* longest response head we accept */
#define BODY_MAX (1 << 20)      /* longest Content-Length we frame */
#define SCRATCH (64 * 1024)
#define TICK_CONNECT_NS (10 * NS_PER_MS)
#define TICK_RUN_NS (100 * NS_PER_MS)
/* The confirmation phase ends when every connection is confirmed, or when
 * none has been for this long (a pool with fewer workers than connections
 * never answers the rest while the first stay open), or after
 * H_LOADGEN_CONNECT_MS in all. Long enough for a server that creates a
 * thread or coroutine per connection to go on confirming: those stream in
 * one after another. */
#define CONFIRM_IDLE_NS (500 * NS_PER_MS)

static const char REQ_LIGHT[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
static const char REQ_HEAVY[] = "GET /heavy HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
#define REQ_LIGHT_LEN (sizeof REQ_LIGHT - 1)
#define REQ_HEAVY_LEN (sizeof REQ_HEAVY - 1)
static const char BODY[] = "Hello, World!";
#define BODY_LEN (sizeof BODY - 1)

enum { C_CONNECTING, C_RETRY, C_OPEN, C_CLOSED };
/* P_CONNECT: connecting (an open connection sends its confirming exchange
 * at once); P_CONFIRM: every connect resolved, waiting for the confirming
 * answers; P_RUN: the measured requests (warm-up, then the window). */
enum { P_CONNECT, P_CONFIRM, P_RUN };

struct conn {
	int fd;
	int id;
	int state;
	int tries;
	uint64_t retry_at;
	/* Request 0 of every connection is the confirming exchange; the
	 * measured requests are 1, 2, ... */
	int64_t total;   /* requests planned here, request 0 included; -1: until the window ends */
	int64_t due;     /* open loop: requests whose intended time has come (request 0 at once) */
	int64_t started; /* requests handed to the connection */
	int64_t written; /* requests fully written: [written, started) wait to be */
	size_t wr_off;   /* bytes of request `written` already written */
	int64_t done;    /* responses completed, good or bad */
	int64_t counted; /* measured requests completed and counted (in the window) */
	int settled;     /* confirmed, or closed before it was */
	int hot;         /* skewed load: one of the hot connections */
	int turn;        /* skewed load, cold: may send one request (see skew_release) */
	uint64_t start_ns; /* when request `done` was sent (closed loop, and request 0) */
	/* The response being read: echo bytes so far, or the HTTP head. */
	size_t rd_off;
	int bad;
	int in_body;
	size_t body_len, body_off;
	int last_err; /* connect: the errno of the last attempt */
	char hdr[HDR_MAX];
};

struct lg {
	const struct wl_load *load;
	const struct h_target *to;
	struct h_loadgen_result *out;
	struct conn *c;
	int n;
	int ep, tfd;
	int http, open_loop, phase;
	int windowed;               /* running for a time: warm-up, then the window [w0, w1) */
	int nsettled, nconfirmed;
	uint64_t K, next_k;         /* open loop: the schedule's total and next index */
	uint64_t *at;               /* open loop: request k's intended time less t0 (K of them) */
	uint64_t t_begin, t0, connect_deadline;
	uint64_t confirm_from, last_confirm;
	uint64_t w0, w1;            /* what counts: sent at or after w0, completed by w1 */
	uint64_t armed, tick_at;
	uint64_t last_progress, last_done;
	int64_t inflight; /* sum of started - done over open connections */
	pid_t server;     /* h_loadgen_start_at's: whose CPU and sockets the window reads */
	int win0;         /* the window's first sample is taken */
	uint64_t s_wall, s_client;
	int64_t s_server, s_drops;
	int nconnecting, nclosed;
	int loops;
	/* Skewed load (hot_pct > 0): the cold connections waiting for their
	 * turn, a FIFO ring of n ids (each waits at most once at a time), and
	 * the hot completions' credit towards the next turn. */
	int nhot, *parked, park_head, park_len;
	int64_t credit;
	unsigned char scratch[SCRATCH];
	unsigned char verify[SCRATCH];
};

static void note_error(struct lg *g, const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note_error(struct lg *g, const struct conn *c, const char *fmt, ...)
{
	if (g->out->error[0])
		return; /* the first error explains; the rest are counted */
	char msg[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c)
		snprintf(g->out->error, sizeof g->out->error, "connection %d: %s", c->id, msg);
	else
		snprintf(g->out->error, sizeof g->out->error, "%s", msg);
}

/* ---- what is sent and expected ---- */

/* Measured request j (>= 1) is the (j-1)th of the documented rule; the
 * confirming exchange is always light. */
static int is_heavy(const struct lg *g, const struct conn *c, int64_t j)
{
	int64_t e = g->load->heavy_every;
	return g->http && e > 0 && j >= 1 && ((int64_t)c->id + j - 1) % e == e - 1;
}

/* The echo payload of request j on connection c: a splitmix stream, so any
 * slice can be produced (to send or to check) without storing the message. */
/* Request j's bytes and length (HTTP): no strlen per request. */
static const char *req_of(const struct lg *g, const struct conn *c, int64_t j, size_t *len)
{
	int heavy = is_heavy(g, c, j);
	*len = heavy ? REQ_HEAVY_LEN : REQ_LIGHT_LEN;
	return heavy ? REQ_HEAVY : REQ_LIGHT;
}

static uint64_t echo_seed(const struct conn *c, int64_t j)
{
	return wl_mix64(((uint64_t)c->id << 40) ^ (uint64_t)j ^ 0x5eed5eed5eedull);
}

static void pattern(unsigned char *dst, uint64_t seed, uint64_t off, size_t n)
{
	while (n) {
		uint64_t w = wl_mix64(seed + off / 8);
		size_t b = off % 8, m = 8 - b < n ? 8 - b : n;
		memcpy(dst, (unsigned char *)&w + b, m);
		dst += m;
		off += m;
		n -= m;
	}
}

int h_loadgen_schedule(int64_t rate, uint64_t seed, uint64_t *at, uint64_t n)
{
	if (rate <= 0 || (n > 0 && !at))
		return -EINVAL;
	/* Poisson arrivals: exponential gaps of mean 1/rate. A constant gap
	 * would make a periodic server stall (mixed's /heavy) always delay the
	 * same few requests by the same amount, so the tail would be fixed by
	 * the parameters rather than measured. Request 0 goes at once. */
	double t = 0, mean_ns = (double)NS_PER_S / (double)rate;
	for (uint64_t k = 0; k < n; k++) {
		at[k] = (uint64_t)llround(t);
		/* U in (0, 1): 53 bits of a splitmix stream, never 0. */
		double u = ((double)(wl_mix64(seed + k * 0x9e3779b97f4a7c15ULL) >> 11) + 0.5) * 0x1p-53;
		t += -log(u) * mean_ns;
	}
	return 0;
}

/* When measured request j (>= 1) of connection c was meant to start (open
 * loop): request k = (j - 1) * conns + c of the whole schedule, at
 * t0 + at[k] (h_loadgen_schedule). */
static uint64_t intended_k(const struct lg *g, uint64_t k)
{
	return g->t0 + g->at[k];
}

static uint64_t intended(const struct lg *g, const struct conn *c, int64_t j)
{
	return intended_k(g, (uint64_t)(j - 1) * (uint64_t)g->n + (uint64_t)c->id);
}

/* Where request j's latency runs from: its send (closed loop, and the
 * confirming exchange), or its intended time (open loop). */
static uint64_t req_start(const struct lg *g, const struct conn *c, int64_t j)
{
	return g->open_loop && j > 0 ? intended(g, c, j) : c->start_ns;
}

/* ---- the window's cost ---- */

/* A process's CPU time in ns (its CPU clock: every thread's, to the ns),
 * -1 when it cannot be read (gone). */
static int64_t cpu_of(pid_t pid)
{
	clockid_t id;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &id) != 0 || clock_gettime(id, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * (int64_t)NS_PER_S + ts.tv_nsec;
}

/* The server's CPU time in ns: one process's clock, or a process group's
 * (a server of several processes, nginx's master and workers: each
 * member's clock, the members found in /proc by field 5 of their stat).
 * -1 when there is no server or nothing could be read. */
static int64_t server_cpu(pid_t server)
{
	if (server >= 0)
		return server > 0 ? cpu_of(server) : -1;
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int64_t sum = -1;
	for (struct dirent *e; (e = readdir(d));) {
		char *end, path[64], buf[512];
		long pid = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* The name (field 2) may hold spaces: count from the last ')'. */
		const char *p = strrchr(buf, ')');
		long pgrp = 0;
		if (!p || sscanf(p + 1, " %*c %*d %ld", &pgrp) != 1 || pgrp != -(long)server)
			continue;
		int64_t t = cpu_of((pid_t)pid);
		if (t >= 0)
			sum = (sum < 0 ? 0 : sum) + t;
	}
	closedir(d);
	return sum;
}

static uint64_t own_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The window starts: the clocks its cost is measured from. */
/* Packets dropped from every CPU's input backlog since boot
 * (/proc/net/softnet_stat: a line per CPU, the second hex column), or -1
 * where the file cannot be read. */
static int64_t backlog_drops(void)
{
	FILE *f = fopen("/proc/net/softnet_stat", "re");
	if (!f)
		return -1;
	int64_t sum = 0;
	unsigned long long processed, dropped;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%llx %llx", &processed, &dropped) == 2)
			sum += (int64_t)dropped;
		else
			sum = -1;
	fclose(f);
	return sum;
}

static void window_start(struct lg *g)
{
	g->win0 = 1;
	g->s_drops = backlog_drops();
	g->s_wall = h_now_ns();
	g->s_client = own_cpu();
	g->s_server = server_cpu(g->server);
}

/* The window ends (or, with a fixed count, the last response came): the
 * clocks again, the server's before the client's so that the sock_diag
 * dump after them costs neither. Once. */
static void window_end(struct lg *g)
{
	struct h_loadgen_result *o = g->out;
	if (!g->win0 || o->win_sampled)
		return;
	uint64_t wall = h_now_ns();
	int64_t srv = server_cpu(g->server);
	uint64_t cli = own_cpu();
	o->win_sampled = 1;
	o->win_wall_ns = wall - g->s_wall;
	o->win_client_cpu_ns = cli - g->s_client;
	o->win_server_cpu_ns = srv >= 0 && g->s_server >= 0 && srv >= g->s_server
	                               ? srv - g->s_server
	                               : -1;
	int64_t drops = backlog_drops();
	o->win_backlog_drops = drops >= 0 && g->s_drops >= 0 && drops >= g->s_drops
	                               ? drops - g->s_drops
	                               : -1;
}

/* The server's sockets (its listening port's, on this host) while every
 * connection is still open: at the window's end before any is closed, or
 * with a fixed count before the first finished one closes. Once, and only
 * where the server is known to be here. */
static void window_sockets(struct lg *g)
{
	struct h_loadgen_result *o = g->out;
	if (o->sock_err != 1 || !g->server || g->phase != P_RUN)
		return;
	const struct sockaddr *sa = (const struct sockaddr *)&g->to->sa;
	int port = sa->sa_family == AF_INET6
	                   ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
	                   : ntohs(((const struct sockaddr_in *)sa)->sin_port);
	o->sock_err = h_mem_sock_diag(port, &o->sock_kib, &o->sock_count);
}

/* ---- connection life ---- */

static void close_conn(struct lg *g, struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set: the fd is never dup'ed */
	c->fd = -1;
	if (c->state == C_CONNECTING || c->state == C_RETRY)
		g->nconnecting--;
	if (c->state == C_OPEN)
		g->inflight -= c->started - c->done;
	if (!c->settled) {
		c->settled = 1;
		g->nsettled++;
	}
	c->state = C_CLOSED;
	g->nclosed++;
}

/* The connection is lost: every request it still owed is an error. With a
 * fixed total, the measured requests not completed (the confirming
 * exchange is not one); running for a time, the ones in flight (at least
 * one: the connection was meant to go on). */
static void fail_conn(struct lg *g, struct conn *c)
{
	if (c->state == C_CLOSED)
		return;
	int64_t lost = c->total >= 0 ? c->total - 1 - (c->done > 0 ? c->done - 1 : 0)
	                             : c->started - c->done;
	if (lost < 1)
		lost = 1;
	g->out->errors += (uint64_t)lost;
	close_conn(g, c);
}

/* ---- skewed load ----
 *
 * hot_pct % of the connections (at least one) are hot; the rest are cold
 * and send hot_x times fewer requests. Which ones are hot is a seeded
 * shuffle of the ids (hot_seed), so they cannot line up with any server's
 * sharding (epoll's SO_REUSEPORT listeners spread connections by a hash of
 * their addresses, steal's workers take any).
 *
 * Why a closed loop with cold connections waiting for a turn, not an open
 * loop weighting arrivals: the closed loop is what measures a server's
 * capacity (the suite's skewed point is one), and the skew must survive
 * it. A hot connection sends as fast as it is answered; a cold one, after
 * each answer, waits (its think time) until the hot connections have
 * completed hot_x requests each per cold request: every hot completion
 * adds ncold to a credit, and each nhot·hot_x of it gives the longest
 * waiting cold connection its turn. So the ratio of requests is hot_x by
 * construction, whatever the server's speed, and a server that is slow on
 * the hot connections slows the cold ones too, as their think time is
 * paced by the hot ones' answers, not by a clock. The credit is held to
 * one turn while no cold connection waits, so a burst never follows. */
static int skewed(const struct lg *g)
{
	return g->nhot > 0 && g->nhot < g->n;
}

static void skew_park(struct lg *g, struct conn *c)
{
	g->parked[(g->park_head + g->park_len++) % g->n] = c->id;
}

static void kick(struct lg *g, struct conn *c, uint64_t now);

/* A hot connection completed a measured request: its credit, and the
 * turns it pays for. */
static void skew_release(struct lg *g, uint64_t now)
{
	int64_t ncold = g->n - g->nhot, per_turn = (int64_t)g->nhot * g->load->hot_x;
	g->credit += ncold;
	while (g->credit >= per_turn && g->park_len > 0) {
		struct conn *c = &g->c[g->parked[g->park_head]];
		g->park_head = (g->park_head + 1) % g->n;
		g->park_len--;
		if (c->state != C_OPEN)
			continue; /* gone: its turn goes to the next */
		g->credit -= per_turn;
		c->turn = 1;
		kick(g, c, now);
	}
	if (g->park_len == 0 && g->credit > per_turn)
		g->credit = per_turn;
}

/* Chooses the hot connections: the first nhot of a seeded Fisher-Yates
 * shuffle of the ids. */
static int skew_setup(struct lg *g)
{
	const struct wl_load *l = g->load;
	if (l->hot_pct <= 0)
		return 0;
	int64_t nhot = ((int64_t)g->n * l->hot_pct + 50) / 100;
	g->nhot = nhot < 1 ? 1 : (int)nhot;
	g->parked = malloc((size_t)g->n * sizeof *g->parked);
	if (!g->parked)
		return -ENOMEM;
	for (int i = 0; i < g->n; i++)
		g->parked[i] = i;
	for (int i = 0; i < g->nhot; i++) {
		int j = i + (int)(wl_mix64((uint64_t)l->hot_seed * 0x9e3779b97f4a7c15ull + (uint64_t)i) %
		                  (uint64_t)(g->n - i));
		int t = g->parked[i];
		g->parked[i] = g->parked[j];
		g->parked[j] = t;
		g->c[g->parked[i]].hot = 1;
	}
	g->out->hot_conns = g->nhot;
	return 0;
}

static int may_start(const struct lg *g, const struct conn *c, uint64_t now)
{
	if (c->started == 0)
		return 1; /* the confirming exchange: as soon as the connection is open */
	if (g->phase != P_RUN)
		return 0; /* measured requests wait for the confirmation phase to end */
	if (g->open_loop)
		return c->started < c->due && (g->http || c->started == c->done);
	if (c->started != c->done)
		return 0;
	if (skewed(g) && !c->hot && !c->turn)
		return 0; /* a cold connection waits for its turn */
	return c->total >= 0 ? c->started < c->total : now < g->w1;
}

/* A connection with a fixed total closes once it is done; running for a
 * time, every connection is closed when the window ends (end_window). */
static int finished(const struct conn *c)
{
	return c->total >= 0 && c->done == c->started && c->done == c->total;
}

/* Writes what is pending: HTTP requests are gathered into one send (a
 * pipelined batch costs one syscall); an echo message is produced slice by
 * slice. 0, or -1 when the connection failed. */
static int flush(struct lg *g, struct conn *c)
{
	while (c->written < c->started) {
		size_t len = 0;
		const void *buf = g->scratch;
		if (g->http && c->started - c->written == 1) {
			/* One request (the closed loop's case): sent from where it
			 * is, no copy. */
			buf = req_of(g, c, c->written, &len) + c->wr_off;
			len -= c->wr_off;
		} else if (g->http) {
			int64_t j = c->written;
			size_t off = c->wr_off;
			while (j < c->started) {
				size_t rl;
				const char *r = req_of(g, c, j, &rl);
				rl -= off;
				if (len + rl > SCRATCH)
					break;
				memcpy(g->scratch + len, r + off, rl);
				len += rl;
				off = 0;
				j++;
			}
		} else {
			size_t left = (size_t)g->load->msg_bytes - c->wr_off;
			len = left < SCRATCH ? left : SCRATCH;
			pattern(g->scratch, echo_seed(c, c->written), c->wr_off, len);
		}
		ssize_t w = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0; /* EPOLLOUT (edge) resumes */
			note_error(g, c, "send: %s", strerror(errno));
			fail_conn(g, c);
			return -1;
		}
		/* Advance over the requests the bytes completed. */
		size_t adv = (size_t)w;
		while (adv > 0) {
			size_t rl = (size_t)g->load->msg_bytes;
			if (g->http)
				req_of(g, c, c->written, &rl);
			size_t take = rl - c->wr_off < adv ? rl - c->wr_off : adv;
			c->wr_off += take;
			adv -= take;
			if (c->wr_off == rl) {
				c->written++;
				c->wr_off = 0;
			}
		}
		if ((size_t)w < len)
			return 0; /* the socket buffer is full: wait for EPOLLOUT */
	}
	return 0;
}

/* Starts what may start, writes it, and closes the connection once it has
 * done everything it was meant to. */
static void kick(struct lg *g, struct conn *c, uint64_t now)
{
	if (c->state != C_OPEN)
		return;
	while (may_start(g, c, now)) {
		if (g->inflight == 0)
			g->last_progress = now; /* the stall clock starts with the first wait */
		if (!g->open_loop || c->started == 0)
			c->start_ns = now;
		if (c->started > 0)
			c->turn = 0;
		c->started++;
		g->inflight++;
	}
	if (flush(g, c) < 0)
		return;
	if (finished(c)) {
		window_sockets(g); /* a fixed count: before the first one closes */
		close_conn(g, c);
	}
}

static struct h_hist *hist_of(struct lg *g, const struct conn *c, int64_t j)
{
	return is_heavy(g, c, j) ? &g->out->heavy : &g->out->light;
}

/* A response is complete. The confirming exchange (request 0) settles the
 * connection and is not measured; a wrong answer to it fails the
 * connection, whose measured requests all become errors. A measured
 * request counts when it was sent (or due) at or after w0 and completed by
 * w1 (with a fixed count, w0 = t0 and w1 never comes); a wrong answer is
 * an error whenever it comes. */
static void complete(struct lg *g, struct conn *c, int ok)
{
	uint64_t now = h_now_ns();
	int64_t j = c->done;
	uint64_t start = req_start(g, c, j);
	c->done++;
	g->inflight--;
	g->out->completed++;
	/* Between the window's two samples: what the CPU read there bought. */
	if (j > 0 && ok && g->win0 && !g->out->win_sampled)
		g->out->win_done++;
	c->rd_off = 0;
	c->bad = 0;
	c->in_body = 0;
	if (j == 0) {
		c->settled = 1;
		g->nsettled++;
		g->nconfirmed++;
		g->last_confirm = now;
		if (!ok) {
			fail_conn(g, c);
			return;
		}
	} else if (!ok) {
		g->out->errors++;
	} else if (now > g->w1) {
		/* Seen after the window's end, before end_window ran: it was
		 * outstanding at the end, and counts as end_window counts those. */
		uint64_t from = start > g->w0 ? start : g->w0;
		if (from < g->w1) {
			h_hist_record(hist_of(g, c, j), g->w1 - from);
			g->out->outstanding++;
		}
	} else if (start >= g->w0) {
		h_hist_record(hist_of(g, c, j), now > start ? now - start : 0);
		g->out->requests++;
		c->counted++;
		g->last_done = now;
	}
	if (j > 0 && skewed(g)) {
		if (c->hot)
			skew_release(g, now);
		else
			skew_park(g, c);
	}
	kick(g, c, now);
}

/* ---- verifying responses ---- */

/* Bytes of the echo of request `done`; returns -1 when the connection was
 * closed. */
static int consume_echo(struct lg *g, struct conn *c, const unsigned char *p, size_t n)
{
	size_t msg = (size_t)g->load->msg_bytes;
	while (n > 0) {
		if (c->done == c->started) {
			note_error(g, c, "%zu bytes nobody asked for", n);
			fail_conn(g, c);
			return -1;
		}
		size_t m = msg - c->rd_off < n ? msg - c->rd_off : n;
		pattern(g->verify, echo_seed(c, c->done), c->rd_off, m);
		if (!c->bad && memcmp(g->verify, p, m) != 0) {
			c->bad = 1;
			note_error(g, c, "request %lld: echoed bytes differ from those sent",
			           (long long)c->done);
		}
		c->rd_off += m;
		p += m;
		n -= m;
		if (c->rd_off == msg) {
			complete(g, c, !c->bad);
			if (c->state != C_OPEN)
				return -1;
		}
	}
	return 0;
}

/* name is lower case: most header lines differ in the first letter,
 * which is checked before the call. */
static int ci_prefix(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	return len >= nl && (line[0] | 0x20) == name[0] && strncasecmp(line, name, nl) == 0;
}

/* Parses the head in c->hdr[0, len) (it ends with CRLF CRLF): status and
 * framing. Returns 0 with c->body_len set, or -1 when the response cannot
 * be framed (the connection must go). A status other than 200 marks the
 * response bad but keeps the connection. */
static int parse_head(struct lg *g, struct conn *c, size_t len)
{
	const char *h = c->hdr;
	if (len < 16 || (memcmp(h, "HTTP/1.1 ", 9) != 0 && memcmp(h, "HTTP/1.0 ", 9) != 0) ||
	    h[9] < '0' || h[9] > '9' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9') {
		note_error(g, c, "not an HTTP/1.x status line: \"%.24s\"", h);
		return -1;
	}
	int status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	long long cl = -1;
	const char *p = memchr(h, '\n', len) + 1; /* CRLF CRLF is in there */
	const char *end = h + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)(nl - p);
		if (ci_prefix(p, ll, "content-length:")) {
			const char *q = p + 15;
			while (q < nl && (*q == ' ' || *q == '\t'))
				q++;
			cl = 0;
			int digits = 0;
			while (q < nl && *q >= '0' && *q <= '9' && cl <= BODY_MAX) {
				cl = cl * 10 + (*q++ - '0');
				digits++;
			}
			if (!digits || cl > BODY_MAX) {
				note_error(g, c, "bad Content-Length");
				return -1;
			}
		} else if (ci_prefix(p, ll, "transfer-encoding:")) {
			note_error(g, c, "Transfer-Encoding is not expected");
			return -1;
		}
		p = nl + 1;
	}
	if (cl < 0) {
		note_error(g, c, "response without Content-Length (status %d)", status);
		return -1;
	}
	if (status != 200) {
		c->bad = 1;
		note_error(g, c, "request %lld: HTTP status %d", (long long)c->done, status);
	} else if ((size_t)cl != BODY_LEN) {
		c->bad = 1;
		note_error(g, c, "request %lld: Content-Length %lld, want %zu", (long long)c->done, cl,
		           BODY_LEN);
	}
	c->body_len = (size_t)cl;
	c->body_off = 0;
	c->in_body = 1;
	return 0;
}

static int consume_http(struct lg *g, struct conn *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		if (c->done == c->started) {
			note_error(g, c, "%zu bytes nobody asked for", n);
			fail_conn(g, c);
			return -1;
		}
		if (!c->in_body) {
			/* Accumulate the head; look for CRLF CRLF from the last
			 * three bytes already held, so a split terminator is found. */
			size_t room = HDR_MAX - c->rd_off;
			size_t m = n < room ? n : room;
			memcpy(c->hdr + c->rd_off, p, m);
			size_t from = c->rd_off > 3 ? c->rd_off - 3 : 0, have = c->rd_off + m, end = 0;
			for (size_t i = from; i + 4 <= have; i++)
				if (memcmp(c->hdr + i, "\r\n\r\n", 4) == 0) {
					end = i + 4;
					break;
				}
			if (!end) {
				if (have == HDR_MAX) {
					note_error(g, c, "response head longer than %d bytes", HDR_MAX);
					fail_conn(g, c);
					return -1;
				}
				c->rd_off = have;
				return 0;
			}
			size_t used = end - c->rd_off;
			p += used;
			n -= used;
			c->rd_off = 0;
			if (parse_head(g, c, end) < 0) {
				fail_conn(g, c);
				return -1;
			}
		} else {
			size_t m = c->body_len - c->body_off < n ? c->body_len - c->body_off : n;
			if (!c->bad && (c->body_off + m > BODY_LEN ||
			                memcmp(BODY + c->body_off, p, m) != 0)) {
				c->bad = 1;
				note_error(g, c, "request %lld: body is not \"%s\"", (long long)c->done, BODY);
			}
			c->body_off += m;
			p += m;
			n -= m;
		}
		if (c->in_body && c->body_off == c->body_len) {
			complete(g, c, !c->bad);
			if (c->state != C_OPEN)
				return -1;
		}
	}
	return 0;
}

/* Reads until the socket is drained. A short read means it was empty at
 * that moment, and edge-triggered epoll reports any byte that arrives
 * after it, so one read per response is enough. now: the loop's time
 * after its epoll_wait, fresh enough for the stall clock (seconds), so
 * that a read costs no clock read of its own. */
static void on_readable(struct lg *g, struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t r = read(c->fd, g->scratch, SCRATCH);
		if (r > 0) {
			g->last_progress = now;
			int rc = g->http ? consume_http(g, c, g->scratch, (size_t)r)
			                 : consume_echo(g, c, g->scratch, (size_t)r);
			if (rc < 0 || c->state != C_OPEN || r < SCRATCH)
				return;
			continue;
		}
		if (r == 0) {
			note_error(g, c, "the server closed the connection after %lld responses",
			           (long long)c->done);
			fail_conn(g, c);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			note_error(g, c, "read: %s", strerror(errno));
			fail_conn(g, c);
		}
		return;
	}
}

/* ---- connecting ---- */

static void connect_failed(struct lg *g, struct conn *c, int err, uint64_t now)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->last_err = err;
	/* Out of descriptors will not get better by waiting: the caller should
	 * have clamped conns (h_loadgen_clamp_conns). Anything else (refused:
	 * the listener is not there yet, no local port free, a reset) is tried
	 * again with a backoff of 10, 20, 40 ... 200 ms until the deadline. */
	if (err == EMFILE || err == ENFILE) {
		note_error(g, c, "socket: %s (RLIMIT_NOFILE: clamp conns first)", strerror(err));
		fail_conn(g, c);
		return;
	}
	c->state = C_RETRY;
	int shift = c->tries < 5 ? c->tries : 5;
	uint64_t backoff = (10 * NS_PER_MS) << shift;
	c->retry_at = now + (backoff > 200 * NS_PER_MS ? 200 * NS_PER_MS : backoff);
	c->tries++;
}

static void start_connect(struct lg *g, struct conn *c, uint64_t now)
{
	c->state = C_CONNECTING;
	c->fd = socket(g->to->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		connect_failed(g, c, errno, now);
		return;
	}
	int one = 1; /* requests are small and latency is the figure: no Nagle */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	int rc = connect(c->fd, (const struct sockaddr *)&g->to->sa, g->to->len);
	if (rc < 0 && errno != EINPROGRESS) {
		connect_failed(g, c, errno, now);
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	                          .data.ptr = c };
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		note_error(g, c, "epoll_ctl: %s", strerror(errno));
		fail_conn(g, c);
		return;
	}
	if (rc == 0) {
		c->state = C_OPEN;
		g->nconnecting--;
		g->out->conns_ok++;
		kick(g, c, now); /* the confirming exchange */
	}
}

static void on_connect_event(struct lg *g, struct conn *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err) {
		/* Leaves the epoll set with the close in connect_failed. */
		connect_failed(g, c, err, now);
		return;
	}
	c->state = C_OPEN;
	g->nconnecting--;
	g->out->conns_ok++;
	kick(g, c, now); /* the confirming exchange */
}

/* ---- the loop ---- */

/* Open loop: hands every request whose intended time has come to its
 * connection. A connection that is gone already counted its share. */
static void dispatch(struct lg *g, uint64_t now)
{
	while (g->next_k < g->K && intended_k(g, g->next_k) <= now) {
		struct conn *c = &g->c[g->next_k % (uint64_t)g->n];
		g->next_k++;
		if (c->state != C_OPEN)
			continue;
		c->due++;
		kick(g, c, now);
	}
}

/* The confirmation phase is over: every connection settled, none confirmed
 * for CONFIRM_IDLE_NS, or H_LOADGEN_CONNECT_MS spent on it. */
static int confirm_over(const struct lg *g, uint64_t now)
{
	return g->nsettled == g->n || now - g->last_confirm >= CONFIRM_IDLE_NS ||
	       now - g->confirm_from >= (uint64_t)H_LOADGEN_CONNECT_MS * NS_PER_MS;
}

/* The measured requests start (t0): with a fixed count they all count;
 * running for a time, the warm-up [t0, w0) then the window [w0, w1). */
static void begin_requests(struct lg *g, uint64_t now)
{
	g->phase = P_RUN;
	g->t0 = now;
	g->last_done = now;
	g->last_progress = now; /* unconfirmed connections get a fresh stall clock */
	g->out->conns_confirmed = g->nconfirmed;
	if (g->windowed) {
		g->w0 = now + (uint64_t)g->load->warmup_ms * NS_PER_MS;
		g->w1 = g->w0 + (uint64_t)g->load->seconds * NS_PER_S;
	} else {
		g->w0 = now;
		g->w1 = UINT64_MAX;
	}
	if (g->w0 == now)
		window_start(g); /* no warm-up: the window starts here (run_loop else) */
	if (!g->open_loop) {
		/* Skewed: the cold connections start waiting for a turn, in a
		 * shuffled order (that of skew_setup). */
		g->park_head = g->park_len = 0;
		for (int i = 0; i < g->n && skewed(g); i++)
			if (!g->c[g->parked[i]].hot)
				skew_park(g, &g->c[g->parked[i]]);
		for (int i = 0; i < g->n; i++)
			kick(g, &g->c[i], now);
	}
}

/* A test hook: CONCBENCH_TEST_CLIENT_VANISH=N makes the first N
 * connections vanish at the window's end without a word to the server, as
 * a close does whose reset is lost (tests/e2e_server_alone.sh). Any segment
 * that reached a socket no longer there would draw a reset, so first the
 * connection goes quiet: every byte sent acknowledged (SIOCOUTQ 0) and
 * nothing received for 50 ms, at most 1 s; then a socket in TCP repair
 * mode (root's) is closed sending nothing. The hook says so when the
 * kernel refuses. */
static void test_client_vanish(int fd, int i)
{
	static long n = -1;
	if (n < 0) {
		const char *v = getenv("CONCBENCH_TEST_CLIENT_VANISH");
		n = v ? strtol(v, NULL, 10) : 0;
	}
	if (i >= n)
		return;
	char buf[4096];
	uint64_t start = h_now_ns(), heard = start;
	int unacked = 0;
	while (h_now_ns() - start < NS_PER_S) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 10);
		while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
			heard = h_now_ns();
		if (ioctl(fd, SIOCOUTQ, &unacked) == 0 && unacked == 0 &&
		    h_now_ns() - heard >= 50 * NS_PER_MS)
			break;
	}
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof one) < 0)
		fprintf(stderr, "concbench: test hook: TCP_REPAIR: %s\n", strerror(errno));
}

/* The window is over at `at` (w1, or earlier when every connection is
 * gone): every request still outstanding enters the histogram at its age
 * within the window, so a connection that got nothing shows as a latency
 * as long as the window; then every connection is closed, abandoning what
 * it has in flight (not an error: the server did nothing wrong). In the
 * open loop a request is outstanding from its intended time, sent or not. */
static void end_window(struct lg *g, uint64_t now)
{
	window_end(g);
	window_sockets(g);
	uint64_t at = now < g->w1 ? now : g->w1;
	if (g->open_loop)
		dispatch(g, at);
	for (int i = 0; i < g->n; i++) {
		struct conn *c = &g->c[i];
		if (c->state != C_OPEN)
			continue;
		int64_t last = g->open_loop ? c->due : c->started;
		for (int64_t j = c->done; j < last && at > g->w0; j++) {
			uint64_t s = req_start(g, c, j), from = s > g->w0 ? s : g->w0;
			if (from < at) {
				h_hist_record(hist_of(g, c, j), at - from);
				g->out->outstanding++;
			}
		}
		test_client_vanish(c->fd, i);
		/* An answer unread makes close() a reset, which TCP sends
		 * once: lost (loopback drops packets past a CPU's backlog, and
		 * 10,000 closes come at once), it leaves the server a
		 * connection that never ends. With nothing unread, close()
		 * sends a FIN, which is sent again until acknowledged. */
		while (recv(c->fd, g->scratch, sizeof g->scratch, MSG_DONTWAIT) > 0)
			;
		close_conn(g, c);
	}
	g->w1 = at;
}

static void housekeeping(struct lg *g, uint64_t now)
{
	if (g->phase == P_CONNECT) {
		int expired = now >= g->connect_deadline;
		for (int i = 0; i < g->n; i++) {
			struct conn *c = &g->c[i];
			if (expired && (c->state == C_CONNECTING || c->state == C_RETRY)) {
				note_error(g, c, "connect to %s: %s after %d s", g->to->name,
				           c->last_err ? strerror(c->last_err) : "no answer",
				           H_LOADGEN_CONNECT_MS / 1000);
				fail_conn(g, c);
			} else if (c->state == C_RETRY && c->retry_at <= now) {
				start_connect(g, c, now);
			}
		}
	} else if (g->phase == P_RUN && g->inflight > 0 &&
	           now - g->last_progress >= H_LOADGEN_STALL_MS * NS_PER_MS) {
		note_error(g, NULL, "no response for %d s: %lld requests outstanding",
		           H_LOADGEN_STALL_MS / 1000, (long long)g->inflight);
		for (int i = 0; i < g->n; i++)
			fail_conn(g, &g->c[i]);
	}
	g->tick_at = now + (g->phase == P_RUN ? TICK_RUN_NS : TICK_CONNECT_NS);
}

static int arm(struct lg *g)
{
	uint64_t want = g->tick_at;
	if (g->phase == P_RUN && g->open_loop && g->next_k < g->K) {
		uint64_t t = intended_k(g, g->next_k);
		if (t < want)
			want = t;
	}
	if (g->phase == P_RUN && g->windowed && g->w1 < want)
		want = g->w1;
	if (g->phase == P_RUN && !g->win0 && g->w0 < want)
		want = g->w0;
	if (want == g->armed)
		return 0;
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(want / NS_PER_S),
	                                        .tv_nsec = (long)(want % NS_PER_S) } };
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	if (timerfd_settime(g->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	g->armed = want;
	return 0;
}

static int check_load(const struct wl_load *l)
{
	if (!l || (l->proto != WL_PROTO_ECHO && l->proto != WL_PROTO_HTTP) || l->port < 1 ||
	    l->port > 65535 || l->conns < 1 || l->requests < 0 || l->seconds < 0 ||
	    (l->requests == 0 && l->seconds == 0) || l->rate < 0 || l->heavy_every < 0 ||
	    l->warmup_ms < 0 || l->warmup_ms > 3600000 ||
	    (l->proto == WL_PROTO_ECHO && (l->msg_bytes < 1 || l->msg_bytes > (1 << 30))))
		return -EINVAL;
	/* Skew paces a closed loop running for a time (see skew_release). */
	if (l->hot_pct < 0 || l->hot_pct > 100 ||
	    (l->hot_pct > 0 && (l->hot_x < 1 || l->hot_x > 1000000 || l->rate > 0 || l->requests > 0)))
		return -EINVAL;
	/* Keep the schedule's arithmetic (k * 1e9 in 128 bits, totals in 64)
	 * far from overflow. */
	if (l->requests > (INT64_C(1) << 40) || l->seconds > 100 * 86400 ||
	    l->rate > 1000000000)
		return -EINVAL;
	return 0;
}

static int run_loop(struct lg *g)
{
	struct epoll_event evs[256];
	uint64_t now = h_now_ns();
	g->t_begin = now;
	g->connect_deadline = now + (uint64_t)H_LOADGEN_CONNECT_MS * NS_PER_MS;
	g->tick_at = now + TICK_CONNECT_NS;
	for (int i = 0; i < g->n; i++)
		start_connect(g, &g->c[i], now);
	uint64_t cpu_mask = 0;
	/* now is read after each epoll_wait and at the end of each turn (for
	 * the next): two clock reads a turn. */
	while (g->nclosed < g->n) {
		if (g->phase == P_CONNECT && g->nconnecting == 0) {
			g->phase = P_CONFIRM;
			g->confirm_from = g->last_confirm = now;
		}
		if (g->phase == P_CONFIRM && confirm_over(g, now)) {
			begin_requests(g, now);
			continue; /* every connection may be done already */
		}
		if (g->phase == P_RUN && !g->win0 && now >= g->w0)
			window_start(g);
		if (g->phase == P_RUN && g->windowed && now >= g->w1) {
			end_window(g, now);
			break;
		}
		if (g->phase == P_RUN && g->open_loop)
			dispatch(g, now);
		if (g->nclosed == g->n)
			break;
		int rc = arm(g);
		if (rc < 0)
			return rc;
		int ne = epoll_wait(g->ep, evs, (int)(sizeof evs / sizeof evs[0]), -1);
		if (ne < 0) {
			if (errno == EINTR) {
				now = h_now_ns();
				continue;
			}
			return -errno;
		}
		/* Where the client ran is part of the result (bit n: CPU n);
		 * sampled, since sched_getcpu is cheap but not free. */
		if ((g->loops++ & 63) == 0) {
			int cpu = sched_getcpu();
			if (cpu >= 0 && cpu < 64)
				cpu_mask |= 1ull << cpu;
		}
		now = h_now_ns();
		for (int i = 0; i < ne; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c) {
				uint64_t ticks;
				if (read(g->tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
					return -errno;
				g->armed = 0; /* fired: re-arm whatever comes next */
				continue;
			}
			if (c->state == C_CONNECTING) {
				on_connect_event(g, c, now);
				if (c->state != C_OPEN)
					continue;
			}
			if (c->state != C_OPEN)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				on_readable(g, c, now);
			if (c->state == C_OPEN && (evs[i].events & (EPOLLOUT | EPOLLERR)))
				flush(g, c);
		}
		now = h_now_ns();
		if (now >= g->tick_at)
			housekeeping(g, now);
	}
	/* Every connection gone before the window ended (failed): the window
	 * measured ends there. */
	if (g->phase == P_RUN && g->windowed && g->w1 > now)
		end_window(g, now);
	if (g->phase == P_RUN)
		window_end(g); /* a fixed count: after its last response */
	g->out->cpus_used = cpu_mask;
	return 0;
}

/* What was measured: the window (running for a time) or from the first
 * measured request to the last response (a fixed count); the connections
 * that got nothing counted in it, and Jain's index over what each got:
 * (sum x)^2 / (n sum x^2), 1 when all got the same, 1/n when one got
 * everything, 0 when nobody got anything. */
static void summarise(struct lg *g)
{
	struct h_loadgen_result *o = g->out;
	if (g->phase != P_RUN)
		o->conns_confirmed = g->nconfirmed;
	if (g->phase == P_RUN && g->windowed)
		o->elapsed_ns = g->w1 > g->w0 ? g->w1 - g->w0 : 0;
	else if (g->phase == P_RUN)
		o->elapsed_ns = g->last_done > g->t0 ? g->last_done - g->t0 : 0;
	double sum = 0, sq = 0;
	for (int i = 0; i < g->n; i++) {
		double x = (double)g->c[i].counted;
		o->conns_starved += x == 0;
		sum += x;
		sq += x * x;
	}
	o->fairness = sq > 0 ? sum * sum / ((double)g->n * sq) : 0.0;
	/* Skewed: what a hot connection got over what a cold one got, each
	 * on average (hot_x when the server kept up with both). */
	double hot = 0, cold = 0;
	for (int i = 0; i < g->n && skewed(g); i++)
		*(g->c[i].hot ? &hot : &cold) += (double)g->c[i].counted;
	if (skewed(g) && cold > 0)
		o->hot_ratio = hot / g->nhot / (cold / (g->n - g->nhot));
}

/* 127.0.0.1:port, the harness's own servers. */
static void loopback(struct h_target *t, int port)
{
	memset(t, 0, sizeof *t);
	struct sockaddr_in *sin = (struct sockaddr_in *)&t->sa;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->len = sizeof *sin;
	snprintf(t->name, sizeof t->name, "127.0.0.1:%d", port);
}

int h_target_parse(const char *s, struct h_target *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	const char *colon = s ? strrchr(s, ':') : NULL;
	char host[256];
	size_t hl = colon ? (size_t)(colon - s) : 0;
	if (!colon || hl == 0 || hl >= sizeof host) {
		snprintf(err, errlen, "bad target '%s' (HOST:PORT, like 127.0.0.1:8080 or [::1]:8080)",
		         s ? s : "");
		return -EINVAL;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [v6]:port */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	int64_t port;
	if (h_parse_i64(colon + 1, &port) < 0 || port < 1 || port > 65535) {
		snprintf(err, errlen, "bad port in '%s' (a whole number from 1 to 65535)", s);
		return -EINVAL;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	int rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -ENOENT;
	}
	memcpy(&t->sa, ai->ai_addr, ai->ai_addrlen);
	t->len = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(t->name, sizeof t->name, "%s", s);
	return 0;
}

int h_target_probe(const struct h_target *t, int timeout_ms)
{
	int fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (connect(fd, (const struct sockaddr *)&t->sa, t->len) < 0) {
		rc = -errno;
		if (rc == -EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int n;
			while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
				;
			int e = 0;
			socklen_t len = sizeof e;
			if (n == 0)
				rc = -ETIMEDOUT;
			else if (n < 0)
				rc = -errno;
			else
				rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 ? -errno : -e;
		}
	}
	close(fd);
	return rc;
}

static int run_at(const struct wl_load *load, const struct h_target *to, pid_t server,
                  struct h_loadgen_result *out);

int h_loadgen_run(const struct wl_load *load, struct h_loadgen_result *out)
{
	return run_at(load, NULL, 0, out);
}

int h_loadgen_run_at(const struct wl_load *load, const struct h_target *to,
                     struct h_loadgen_result *out)
{
	return run_at(load, to, 0, out);
}

static int run_at(const struct wl_load *load, const struct h_target *to, pid_t server,
                  struct h_loadgen_result *out)
{
	memset(out, 0, sizeof *out);
	out->sock_err = 1; /* not asked (yet) */
	out->sock_kib = NAN;
	h_hist_init(&out->all);
	h_hist_init(&out->light);
	h_hist_init(&out->heavy);
	int rc = check_load(load);
	if (rc < 0) {
		out->err = rc;
		snprintf(out->error, sizeof out->error, "invalid load description");
		return rc;
	}
	out->conns = load->conns;

	struct lg *g = calloc(1, sizeof *g);
	struct conn *conns = calloc((size_t)load->conns, sizeof *conns);
	if (!g || !conns) {
		free(g);
		free(conns);
		out->err = -ENOMEM;
		snprintf(out->error, sizeof out->error, "out of memory for %d connections",
		         load->conns);
		return -ENOMEM;
	}
	g->load = load;
	g->server = server;
	struct h_target here;
	if (!to) {
		loopback(&here, load->port);
		to = &here;
	}
	g->to = to;
	g->out = out;
	g->c = conns;
	g->n = load->conns;
	g->http = load->proto == WL_PROTO_HTTP;
	g->open_loop = load->rate > 0;
	g->windowed = load->requests == 0;
	g->nconnecting = g->n;
	/* Running for a time, the schedule covers the warm-up and the window. */
	if (g->open_loop)
		g->K = load->requests > 0
		               ? (uint64_t)load->requests * (uint64_t)g->n
		               : (uint64_t)((unsigned __int128)load->rate *
		                            (uint64_t)(load->seconds * 1000 + load->warmup_ms) / 1000);
	if (g->open_loop) {
		/* 8 bytes a request: what lets a response find its intended time
		 * without replaying the random stream. */
		g->at = g->K <= SIZE_MAX / sizeof *g->at ? malloc((g->K ? g->K : 1) * sizeof *g->at) : NULL;
		if (!g->at) {
			out->err = -ENOMEM;
			snprintf(out->error, sizeof out->error,
			         "out of memory for a schedule of %llu requests", (unsigned long long)g->K);
			free(g);
			free(conns);
			return -ENOMEM;
		}
		h_loadgen_schedule(load->rate, H_LOADGEN_ARRIVAL_SEED, g->at, g->K);
	}
	for (int i = 0; i < g->n; i++) {
		struct conn *c = &conns[i];
		c->fd = -1;
		c->id = i;
		c->due = 1; /* the confirming exchange */
		if (g->windowed)
			c->total = -1;
		else if (g->open_loop)
			c->total = 1 + (int64_t)(g->K / (uint64_t)g->n + ((uint64_t)i < g->K % (uint64_t)g->n));
		else
			c->total = 1 + load->requests;
	}
	rc = skew_setup(g);

	int old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rc == 0 && (g->ep < 0 || g->tfd < 0)) {
		rc = -errno;
	} else if (rc == 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		rc = epoll_ctl(g->ep, EPOLL_CTL_ADD, g->tfd, &ev) < 0 ? -errno : 0;
	}
	if (rc == 0)
		rc = run_loop(g);
	if (rc < 0) {
		out->err = rc;
		note_error(g, NULL, "load generator: %s", strerror(-rc));
		for (int i = 0; i < g->n; i++)
			fail_conn(g, &conns[i]);
	}
	if (g->ep >= 0)
		close(g->ep);
	if (g->tfd >= 0)
		close(g->tfd);
	if (old_slack > 0)
		prctl(PR_SET_TIMERSLACK, old_slack, 0, 0, 0);

	summarise(g);
	h_hist_merge(&out->all, &out->light);
	h_hist_merge(&out->all, &out->heavy);
	free(conns);
	free(g->at);
	free(g->parked);
	free(g);
	return rc;
}

/* ---- limits ---- */

int h_loadgen_clamp_conns(int conns)
{
	struct rlimit rl;
	if (conns < 1)
		return 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return conns;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		/* An unlimited hard limit still stops at fs.nr_open; 2^20 is its
		 * default. */
		rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
		struct rlimit nl = { .rlim_cur = want, .rlim_max = rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
			rl.rlim_cur = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return conns;
	long avail = (long)rl.rlim_cur - H_LOADGEN_FD_MARGIN;
	if (avail < 1)
		avail = 1;
	return conns < avail ? conns : (int)avail;
}

/* ---- the child process ---- */

/* A test hook: CONCBENCH_TEST_CLIENT_TOUCH_MIB=N makes the client touch N
 * MiB before it reports, so a test can tell the client's peak RSS from the
 * server's (tests/e2e_server_alone.sh). */
static void test_client_touch(void)
{
	const char *v = getenv("CONCBENCH_TEST_CLIENT_TOUCH_MIB");
	long mib = v ? strtol(v, NULL, 10) : 0;
	if (mib <= 0 || mib > 4096)
		return;
	volatile char *p = malloc((size_t)mib << 20);
	if (!p)
		return;
	for (size_t i = 0; i < (size_t)mib << 20; i += 4096)
		p[i] = 1;
	free((void *)p);
}

static _Noreturn void child(const struct wl_load *load, const struct h_target *to,
                            pid_t server, hwloc_topology_t topo,
                            hwloc_const_cpuset_t cpus, int wfd, pid_t parent)
{
	/* Dies with the parent; the getppid check closes the race with a
	 * parent that died before the prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(4);
	/* Ctrl-C reaches the whole process group: the parent decides what it
	 * means (a run finishes its cell, then stops), and stops us with
	 * SIGKILL. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	/* The parent may block signals (serve does): the client must not. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	uint64_t born = h_now_ns();
	struct h_loadgen_result *res = calloc(1, sizeof *res);
	if (!res)
		_exit(5);
	int bind_err = 0;
	if (topo && cpus && !hwloc_bitmap_iszero(cpus) &&
	    hwloc_set_cpubind(topo, cpus, HWLOC_CPUBIND_PROCESS) != 0)
		bind_err = errno ? errno : EINVAL;
	/* Everything inherited from the server (its listener, its result
	 * pipe, the runtime's epoll and eventfds) is closed, so that this
	 * process holds nothing of the server's open: only stdio and the
	 * result pipe, moved to fd 3, stay. */
	if (wfd != 3) {
		if (dup2(wfd, 3) < 0)
			_exit(6);
		wfd = 3;
	}
	close_range(4, ~0u, 0);

	if (bind_err) {
		memset(res, 0, sizeof *res);
		res->err = -bind_err;
		res->conns = load->conns;
		snprintf(res->error, sizeof res->error, "cannot bind the client to its CPUs: %s",
		         strerror(bind_err));
	} else {
		run_at(load, to, server, res);
	}
	res->life_ns = h_now_ns() - born;
	cpu_set_t mine;
	res->ncpus = sched_getaffinity(0, sizeof mine, &mine) == 0 ? CPU_COUNT(&mine) : 1;
	test_client_touch();
	h_child_send_exit(wfd, res, sizeof *res);
}

int h_loadgen_start(const struct wl_load *load, hwloc_topology_t topo,
                    hwloc_const_cpuset_t client_cpus, struct h_loadgen *lg)
{
	return h_loadgen_start_at(load, NULL, 0, topo, client_cpus, lg);
}

int h_loadgen_start_at(const struct wl_load *load, const struct h_target *to, pid_t server,
                       hwloc_topology_t topo, hwloc_const_cpuset_t client_cpus,
                       struct h_loadgen *lg)
{
	memset(lg, 0, sizeof *lg);
	lg->pid = -1;
	lg->fd = -1;
	if (check_load(load) < 0)
		return -EINVAL;
	lg->load = *load;
	if (to)
		lg->to = *to;
	else
		loopback(&lg->to, load->port);
	lg->conns_asked = load->conns;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	/* The child must not inherit (and later repeat or lose) buffered
	 * output. */
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		child(&lg->load, &lg->to, server, topo, client_cpus, p[1], parent);
	}
	close(p[1]);
	lg->pid = pid;
	lg->fd = p[0];
	return 0;
}

/* h_loadgen_watch's thread: the client's end, then the grace period. */
static void *watch_main(void *arg)
{
	struct h_loadgen *lg = arg;
	struct pollfd pf[2] = { { .fd = lg->fd, .events = POLLIN },
		                { .fd = lg->watch_efd, .events = POLLIN } };
	int n;
	while ((n = poll(pf, 2, -1)) < 0 && errno == EINTR)
		;
	if (n < 0 || pf[1].revents)
		return NULL; /* the server ended first (or poll failed: watch no more) */
	uint64_t until = h_now_ns() + (uint64_t)lg->watch_grace_ms * NS_PER_MS;
	for (;;) {
		uint64_t now = h_now_ns();
		int left = now >= until ? 0 : (int)((until - now + NS_PER_MS - 1) / NS_PER_MS);
		n = poll(&pf[1], 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			lg->stopped = 1; /* read after the join */
			lg->watch_stop(lg->watch_arg);
		}
		return NULL;
	}
}

int h_loadgen_watch(struct h_loadgen *lg, int grace_ms, void (*stop)(void *), void *arg)
{
	if (lg->pid <= 0 || lg->fd < 0 || !stop)
		return -EINVAL;
	lg->stopped = 0;
	lg->watch_grace_ms = grace_ms;
	lg->watch_stop = stop;
	lg->watch_arg = arg;
	lg->watch_efd = eventfd(0, EFD_CLOEXEC);
	if (lg->watch_efd < 0)
		return -errno;
	int err = pthread_create(&lg->watch, NULL, watch_main, lg);
	if (err) {
		close(lg->watch_efd);
		return -err;
	}
	lg->watch_on = 1;
	return 0;
}

int h_loadgen_unwatch(struct h_loadgen *lg)
{
	if (!lg->watch_on)
		return 0;
	uint64_t one = 1;
	while (write(lg->watch_efd, &one, sizeof one) < 0 && errno == EINTR)
		;
	pthread_join(lg->watch, NULL);
	close(lg->watch_efd);
	lg->watch_on = 0;
	return lg->stopped;
}

static void set_error(struct wl_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_error(struct wl_report *rep, const char *fmt, ...)
{
	if (rep->error[0])
		return; /* the workload's own judgement comes first */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->error, sizeof rep->error, fmt, ap);
	va_end(ap);
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

int h_loadgen_finish(struct h_loadgen *lg, int timeout_ms, struct wl_report *rep)
{
	if (lg->pid <= 0 || lg->fd < 0)
		return -EINVAL;
	struct h_loadgen_result *r = &lg->res;
	int timed_out;
	uint64_t deadline = h_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
	long got = h_read_deadline(lg->fd, r, sizeof *r, deadline, &timed_out);
	int read_err = got < 0 ? (int)-got : 0;
	close(lg->fd);
	lg->fd = -1;
	if (got != (long)sizeof *r)
		kill(lg->pid, SIGKILL); /* not reaped yet, so the pid is still ours */
	int status = 0;
	struct rusage ru;
	pid_t w;
	while ((w = wait4(lg->pid, &status, 0, &ru)) < 0 && errno == EINTR)
		;
	lg->pid = -1;
	if (w > 0) {
		lg->ru_ok = 1;
		lg->ru_user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull +
		                 (uint64_t)ru.ru_utime.tv_usec * 1000ull;
		lg->ru_sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull +
		                (uint64_t)ru.ru_stime.tv_usec * 1000ull;
		lg->ru_nvcsw = (uint64_t)ru.ru_nvcsw;
		lg->ru_nivcsw = (uint64_t)ru.ru_nivcsw;
		lg->ru_maxrss_kib = (uint64_t)ru.ru_maxrss;
	}

	if (timed_out) {
		set_error(rep, "load generator killed after %d ms", timeout_ms);
		return -ETIMEDOUT;
	}
	if (got != (long)sizeof *r) {
		if (read_err)
			set_error(rep, "load generator: reading its result: %s", strerror(read_err));
		else if (WIFSIGNALED(status))
			set_error(rep, "load generator died of signal %d", WTERMSIG(status));
		else
			set_error(rep, "load generator exited with status %d before reporting",
			          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return read_err ? -read_err : -EPIPE;
	}
	r->error[sizeof r->error - 1] = '\0';
	if (r->err < 0) {
		set_error(rep, "load generator: %s", r->error[0] ? r->error : strerror(-r->err));
		return r->err;
	}

	double secs = (double)r->elapsed_ns / 1e9;
	wl_metric(rep, "throughput_rps", "req/s", secs > 0 ? (double)r->requests / secs : 0.0);
	/* Enough percentiles for a spectrum chart (x = 1/(1-p): 2 … 10,000). */
	wl_metric(rep, "p50_us", "us", us(h_hist_value_at_percentile(&r->all, 50)));
	wl_metric(rep, "p75_us", "us", us(h_hist_value_at_percentile(&r->all, 75)));
	wl_metric(rep, "p90_us", "us", us(h_hist_value_at_percentile(&r->all, 90)));
	wl_metric(rep, "p95_us", "us", us(h_hist_value_at_percentile(&r->all, 95)));
	wl_metric(rep, "p99_us", "us", us(h_hist_value_at_percentile(&r->all, 99)));
	wl_metric(rep, "p999_us", "us", us(h_hist_value_at_percentile(&r->all, 99.9)));
	wl_metric(rep, "p9999_us", "us", us(h_hist_value_at_percentile(&r->all, 99.99)));
	wl_metric(rep, "max_us", "us", us(h_hist_max(&r->all)));
	/* The samples behind the percentiles: a percentile is named only with
	 * enough of them (h_pct_named); the reader checks these. */
	wl_metric(rep, "samples", "requests", (double)h_hist_count(&r->all));
	wl_metric(rep, "requests", "requests", (double)r->requests);
	wl_metric(rep, "errors", "requests", (double)r->errors);
	wl_metric(rep, "window_s", "s", secs);
	wl_metric(rep, "conns_starved", "conns", (double)r->conns_starved);
	wl_metric(rep, "fairness", "index", r->fairness);
	if (lg->load.hot_pct > 0) { /* skewed: how many were hot, and what they got */
		wl_metric(rep, "hot_conns", "conns", (double)r->hot_conns);
		if (r->hot_ratio > 0)
			wl_metric(rep, "hot_ratio", "x", r->hot_ratio);
	}
	if (lg->load.rate > 0) /* the open loop's Poisson arrivals are this seed's */
		wl_metric(rep, "arrival_seed", "seed", (double)H_LOADGEN_ARRIVAL_SEED);
	if (lg->load.heavy_every > 0) {
		wl_metric(rep, "light_p50_us", "us", us(h_hist_value_at_percentile(&r->light, 50)));
		wl_metric(rep, "light_p99_us", "us", us(h_hist_value_at_percentile(&r->light, 99)));
		wl_metric(rep, "light_p999_us", "us", us(h_hist_value_at_percentile(&r->light, 99.9)));
		wl_metric(rep, "heavy_p50_us", "us", us(h_hist_value_at_percentile(&r->heavy, 50)));
		wl_metric(rep, "heavy_p99_us", "us", us(h_hist_value_at_percentile(&r->heavy, 99)));
		wl_metric(rep, "light_samples", "requests", (double)h_hist_count(&r->light));
		wl_metric(rep, "heavy_samples", "requests", (double)h_hist_count(&r->heavy));
		/* How many light requests a /heavy step delayed, not only how long
		 * the p99 waited: the share slower than late_us (heavy_us / 2). */
		uint64_t nl = h_hist_count(&r->light);
		if (lg->load.late_us > 0 && nl > 0)
			wl_metric(rep, "light_late_share", "fraction",
			          (double)h_hist_count_at_or_above(&r->light, (uint64_t)lg->load.late_us * 1000 + 1) /
			                  (double)nl);
	}
	/* The client's cost: its whole life's CPU (connecting, the confirming
	 * exchanges, warm-up and window) over every response it handled, the
	 * figure to set beside wrk's CPU time over its requests. */
	if (lg->ru_ok && r->completed > 0)
		wl_metric(rep, "client_cpu_us_per_request", "us",
		          (double)(lg->ru_user_ns + lg->ru_sys_ns) / 1000.0 / (double)r->completed);
	/* The window's cost, from the clocks read at its two ends: neither
	 * the connecting, the confirming exchanges and the warm-up, nor the
	 * server's setup, is in it. The client's busy share of the CPUs it
	 * was allowed (over H_CLIENT_BUSY: client_limited); the server's CPU
	 * over the responses completed in between. */
	if (r->win_sampled && r->win_wall_ns > 0) {
		double cpus = r->ncpus > 0 ? r->ncpus : 1;
		double util = (double)r->win_client_cpu_ns / ((double)r->win_wall_ns * cpus);
		util = util > 1 ? 1 : util; /* its clock is read a moment after the wall's */
		wl_metric(rep, "client_cpu_util", "fraction", util);
		wl_metric(rep, "client_limited", "flag", util > H_CLIENT_BUSY);
		if (r->win_server_cpu_ns >= 0 && r->win_done > 0)
			wl_metric(rep, "server_cpu_us_per_request", "us",
			          (double)r->win_server_cpu_ns / 1000.0 / (double)r->win_done);
	}
	if (r->win_sampled && r->win_backlog_drops >= 0)
		wl_metric(rep, "net_backlog_drops", "packets", (double)r->win_backlog_drops);
	/* null (NaN) with the count where sock_diag was refused. */
	if (r->sock_err != 1) {
		wl_metric(rep, "server_sock_kib", "KiB", r->sock_kib);
		wl_metric(rep, "server_sockets", "sockets", r->sock_err == 0 ? r->sock_count : NAN);
	}
	if (lg->conns_asked > r->conns)
		wl_metric(rep, "clamped_conns", "conns", (double)r->conns);
	if (r->conns_confirmed < r->conns)
		wl_metric(rep, "conns_confirmed", "conns", (double)r->conns_confirmed);
	if (r->errors > 0)
		set_error(rep, "%llu of %llu requests failed: %s", (unsigned long long)r->errors,
		          (unsigned long long)(r->errors + r->requests), r->error);
	return 0;
}
