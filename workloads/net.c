/* net.c — listeners, accept tasks and the HTTP/1.1 parser shared by the
 * server workloads. See net.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

/* ---- HTTP/1.1 parsing ---------------------------------------------------- */

/* RFC 9110 §5.6.2: the characters of a token (method, header name). */
static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '.': case '^': case '_': case '`': case '|': case '~':
		return 1;
	}
	return 0;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static int name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static int parse_request_line(const char *l, size_t n, struct wl_http_req *req)
{
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i >= n || l[i] != ' ')
		return -EINVAL;
	req->head = i == 4 && memcmp(l, "HEAD", 4) == 0; /* methods are case-sensitive */

	size_t t = ++i;
	while (i < n && (unsigned char)l[i] > 0x20 && (unsigned char)l[i] < 0x7f)
		i++;
	if (i == t || i >= n || l[i] != ' ')
		return -EINVAL;
	size_t tlen = i - t;
	req->heavy = tlen >= 6 && memcmp(l + t, "/heavy", 6) == 0 && (tlen == 6 || l[t + 6] == '?');

	const char *v = l + i + 1;
	if (n - i - 1 != 8 || memcmp(v, "HTTP/1.", 7) != 0 || (v[7] != '0' && v[7] != '1'))
		return -EINVAL;
	req->http10 = v[7] == '0';
	return 0;
}

/* "Connection: a, b": close and keep-alive are the options that matter. */
static void parse_connection(const char *v, size_t n, int *close, int *ka)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && is_ows(v[e - 1]))
			e--;
		if (name_is(v + s, e - s, "close"))
			*close = 1;
		else if (name_is(v + s, e - s, "keep-alive"))
			*ka = 1;
	}
}

/* 1*DIGIT only (RFC 9110 §8.6): a sign, a list or an overflow is malformed,
 * since a wrong body length would desynchronise the connection. */
static int parse_length(const char *v, size_t n, uint64_t *out)
{
	if (n == 0 || n > 18) /* 18 digits fit easily in 63 bits */
		return -EINVAL;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static int parse_header(const char *l, size_t n, struct wl_http_req *req, int *have_len,
                        int *close, int *ka)
{
	size_t k = 0;
	while (k < n && is_tchar((unsigned char)l[k]))
		k++;
	/* A leading space (obs-fold) or a space before the colon is an
	 * error, never folded or trimmed (RFC 9112 §5.1, §5.2). */
	if (k == 0 || k >= n || l[k] != ':')
		return -EINVAL;
	size_t v = k + 1, e = n;
	while (v < e && is_ows(l[v]))
		v++;
	while (e > v && is_ows(l[e - 1]))
		e--;
	for (size_t i = v; i < e; i++) {
		unsigned char c = (unsigned char)l[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -EINVAL;
	}
	if (name_is(l, k, "content-length")) {
		uint64_t len;
		if (parse_length(l + v, e - v, &len) < 0)
			return -EINVAL;
		if (*have_len && len != req->body_len)
			return -EINVAL;
		*have_len = 1;
		req->body_len = len;
	} else if (name_is(l, k, "connection")) {
		parse_connection(l + v, e - v, close, ka);
	} else if (name_is(l, k, "transfer-encoding")) {
		return -ENOTSUP;
	}
	return 0;
}

int wl_http_parse(const char *buf, size_t len, struct wl_http_req *req)
{
	memset(req, 0, sizeof *req);
	/* Only the first WL_HTTP_MAX_HEAD bytes can hold a head we accept, so
	 * a client cannot make us scan (or buffer) more. */
	size_t lim = len < WL_HTTP_MAX_HEAD ? len : WL_HTTP_MAX_HEAD;
	size_t pos = 0, lines = 0;
	int have_len = 0, close = 0, ka = 0;

	for (;;) {
		const char *nl = memchr(buf + pos, '\n', lim - pos);
		if (!nl) {
			/* A request line that cannot become one (binary, a TLS
			 * hello) is rejected now, not after 8 KiB that may never
			 * come. A lone CR at the end may still become an empty line.
			 * Judged before the limit, within it: the answer must not
			 * depend on how much arrived (with the limit first, these
			 * bytes gave -EINVAL in one read and -E2BIG in a longer one;
			 * tests/fuzz found it). */
			if (lines == 0) {
				size_t i = pos;
				while (i < lim && is_tchar((unsigned char)buf[i]))
					i++;
				if (i < lim && buf[i] != ' ' && !(i == pos && i + 1 == lim && buf[i] == '\r'))
					return -EINVAL;
			}
			return len >= WL_HTTP_MAX_HEAD ? -E2BIG : 0;
		}
		size_t end = (size_t)(nl - buf), lend = end;
		if (lend > pos && buf[lend - 1] == '\r')
			lend--;
		const char *l = buf + pos;
		size_t n = lend - pos;
		pos = end + 1;
		if (n == 0) {
			if (lines == 0)
				continue; /* empty lines before a request are ignored (§2.2) */
			break;
		}
		if (memchr(l, '\r', n))
			return -EINVAL; /* a bare CR */
		int err = lines == 0 ? parse_request_line(l, n, req)
		                     : parse_header(l, n, req, &have_len, &close, &ka);
		if (err)
			return err;
		lines++;
	}
	req->head_len = pos;
	req->keep_alive = req->http10 ? ka && !close : !close;
	return 1;
}

#define H_COMMON "Server: concbench\r\nContent-Type: text/plain\r\n"
#define H_200 "HTTP/1.1 200 OK\r\n" H_COMMON "Content-Length: 13\r\n"

static const char resp_ok[] = H_200 "\r\n" WL_HTTP_BODY;
static const char resp_ok_close[] = H_200 "Connection: close\r\n\r\n" WL_HTTP_BODY;
static const char resp_ok_ka10[] = H_200 "Connection: keep-alive\r\n\r\n" WL_HTTP_BODY;
static const char resp_400[] = "HTTP/1.1 400 Bad Request\r\n" H_COMMON
                               "Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n";
static const char resp_501[] = "HTTP/1.1 501 Not Implemented\r\n" H_COMMON
                               "Content-Length: 16\r\nConnection: close\r\n\r\nNot Implemented\n";

_Static_assert(sizeof resp_ok_ka10 - 1 <= WL_HTTP_RESP_MAX, "WL_HTTP_RESP_MAX too small");
_Static_assert(sizeof resp_501 - 1 <= WL_HTTP_RESP_MAX, "WL_HTTP_RESP_MAX too small");

size_t wl_http_response(char *out, int status, const struct wl_http_req *req)
{
	const char *r;
	size_t n;
	if (status == 200 && req) {
		if (!req->keep_alive)
			r = resp_ok_close, n = sizeof resp_ok_close - 1;
		else if (req->http10)
			r = resp_ok_ka10, n = sizeof resp_ok_ka10 - 1;
		else
			r = resp_ok, n = sizeof resp_ok - 1;
		if (req->head)
			n -= sizeof WL_HTTP_BODY - 1; /* the same head, no body */
	} else if (status == 501) {
		r = resp_501, n = sizeof resp_501 - 1;
	} else {
		r = resp_400, n = sizeof resp_400 - 1;
	}
	memcpy(out, r, n);
	return n;
}

/* ---- sockets -------------------------------------------------------------- */

int wl_net_listen(int port, int backlog, int reuseport, int *fd, int *bound_port)
{
	return wl_net_listen_at(0, port, backlog, reuseport, fd, bound_port);
}

int wl_net_listen_at(uint32_t addr, int port, int backlog, int reuseport, int *fd,
                     int *bound_port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	int one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = addr ? addr : htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof a;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (reuseport && setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) < 0) {
		int err = -errno;
		close(s);
		return err;
	}
	*fd = s;
	*bound_port = ntohs(a.sin_port);
	return 0;
}

int wl_net_connect(int port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	int one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	int r;
	while ((r = connect(s, (struct sockaddr *)&a, sizeof a)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		int err = -errno;
		close(s);
		return err;
	}
	return s;
}

/* ---- the server ----------------------------------------------------------- */

void wl_srv_fail(struct wl_srv *s, int err, const char *what)
{
	int zero = 0;
	if (atomic_compare_exchange_strong(&s->err, &zero, err))
		snprintf(s->errwhat, sizeof s->errwhat, "%s", what);
}

int wl_srv_report_error(struct wl_srv *s, struct wl_report *rep)
{
	int err = atomic_load(&s->err);
	if (!err)
		return 0;
	snprintf(rep->error, sizeof rep->error, "server: %s: %s", s->errwhat, strerror(-err));
	return 1;
}

/* Ends accepting everywhere: each listener is shut down for reading, which
 * on Linux takes a listening TCP socket out of LISTEN, so an accept()
 * blocked on it (threads, pool) returns EINVAL and an epoll waiter gets
 * EPOLLHUP and then EINVAL (epoll, coro). accept_over, set first, tells the
 * accept tasks that EINVAL is the end and not an error. */
static void end_accepting(struct wl_srv *s)
{
	atomic_store(&s->accept_over, 1);
	for (int i = 0; i < s->nl; i++)
		shutdown(s->lfd[i], SHUT_RD);
}

/* accept(2) lists these as network errors already pending on the new
 * connection: the listener is fine, take the next one. */
static int transient(long err)
{
	switch (-err) {
	case EINTR: case EAGAIN: case ECONNABORTED: case EPROTO: case EPERM:
	case ENETDOWN: case ENOPROTOOPT: case EHOSTDOWN: case ENONET:
	case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH: case ETIMEDOUT:
		return 1;
	}
	return 0;
}

/* ---- slots ---- */

/* A free slot, or -1 when every one holds a connection. */
static int slot_get(struct wl_srv *s)
{
	int slot = -1;
	pthread_mutex_lock(&s->mu);
	if (s->nfree > 0)
		slot = s->freel[--s->nfree];
	else if (s->fresh < s->conns)
		slot = (int)s->fresh++;
	pthread_mutex_unlock(&s->mu);
	return slot;
}

static void slot_put(struct wl_srv *s, int slot)
{
	pthread_mutex_lock(&s->mu);
	s->conn[slot] = NULL;
	atomic_store(&s->dl[slot], 0);
	s->freel[s->nfree++] = slot;
	pthread_mutex_unlock(&s->mu);
}

/* The task's release, after its last step: its counters join the
 * workload's totals, the record goes and the slot serves the next
 * connection. Keeping records until the end would grow a server that runs
 * for hours by one record (4-13 KiB) per connection ever served. */
static void conn_release(struct rt_task *t)
{
	struct wl_conn *c = t->arg;
	struct wl_srv *s = c->srv;
	wl_srv_close(c);
	s->fold(c);
	atomic_fetch_add(&s->finished, 1);
	slot_put(s, c->slot);
	free(c);
}

/* ---- the read deadline ---- */

void wl_conn_arm(struct wl_conn *c)
{
	struct wl_srv *s = c->srv;
	if (!s->idle_ns || c->armed)
		return;
	c->armed = 1;
	atomic_store_explicit(&s->dl[c->slot], wl_now_ns() + s->idle_ns, memory_order_relaxed);
}

void wl_conn_disarm(struct wl_conn *c)
{
	if (!c->armed)
		return;
	c->armed = 0;
	atomic_store_explicit(&c->srv->dl[c->slot], 0, memory_order_relaxed);
}

void wl_conn_rearm(struct wl_conn *c)
{
	wl_conn_disarm(c);
	wl_conn_arm(c);
}

/* The watchdog: a thread of its own that, a few times per deadline, shuts
 * down every connection whose read deadline has passed.
 *
 * Why a thread that shuts fds down, and not a timeout inside the wait: a
 * task is a sans-I/O state machine and the runtime performs every wait
 * (runtime.h), which has no timeout. SO_RCVTIMEO would make a blocking
 * read fail on threads and pool, but epoll and coro read non-blocking fds
 * and wait in epoll, where it does nothing; a sleep racing the read would
 * need a new kind of wait in every runtime. shutdown(SHUT_RDWR) ends a
 * pending read on every runtime alike (a blocked read() returns 0, epoll
 * reports EPOLLIN|EPOLLRDHUP and the read returns 0): it is how
 * wl_srv_stop already ends connections. And not a task: on a pool whose
 * every worker is blocked in a read, a watchdog task would never run,
 * which is exactly when it is needed.
 *
 * Cost: one sleeping thread, in serve only; a scan of [0, fresh) slots
 * (two atomic loads each) per tick, under mu, so that no fd is closed and
 * reused by a newer connection between reading it and shutting it down. */
static void *watchdog(void *arg)
{
	struct wl_srv *s = arg;
	uint64_t tick = s->idle_ns / 10;
	tick = tick < 10000000u ? 10000000u : tick > 1000000000u ? 1000000000u : tick;
	pthread_mutex_lock(&s->mu);
	while (!s->wd_quit) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t when = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + tick;
		ts.tv_sec = (time_t)(when / 1000000000u);
		ts.tv_nsec = (long)(when % 1000000000u);
		pthread_cond_timedwait(&s->wd_cv, &s->mu, &ts);
		if (s->wd_quit)
			break;
		uint64_t now = wl_now_ns();
		for (int64_t i = 0; i < s->fresh; i++) {
			uint64_t d = atomic_load_explicit(&s->dl[i], memory_order_relaxed);
			if (!d || d > now ||
			    !atomic_compare_exchange_strong(&s->dl[i], &d, 0))
				continue;
			int fd = atomic_load(&s->cfd[i]);
			if (fd >= 0) {
				shutdown(fd, SHUT_RDWR);
				atomic_fetch_add(&s->timed_out, 1);
			}
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- accepting ---- */

/* How long an accept task waits before it looks for a free slot again when
 * every one holds a connection (serve): meanwhile new connections wait in
 * the listen backlog, as nginx's do past worker_connections. */
#define FULL_WAIT_NS 5000000u

/* The next accept. In serve, with a slot reserved for the connection it
 * will bring (so that two acceptors never accept two connections for one
 * last slot), or a sleep when there is none. A cell needs no reservation:
 * it accepts `conns` connections in all, one per slot, so a slot is free
 * for each; and it must not reserve: an acceptor holding the last slot
 * while the last connection waits on another loop's listener would hang
 * the cell. */
static struct rt_op accept_next(struct wl_acceptor *a)
{
	struct wl_srv *s = a->srv;
	if (atomic_load(&s->accept_over))
		return rt_op_done();
	if (s->serve && a->slot < 0)
		a->slot = slot_get(s);
	if (s->serve && a->slot < 0) {
		a->waiting = 1;
		return rt_op_sleep(FULL_WAIT_NS);
	}
	return rt_op_accept(s->lfd[a->idx]);
}

/* An accept task: accepts connections, spawning one connection task per
 * accepted fd on its own shard.
 *
 * In a cell it accepts until the server has its `conns` connections. With
 * one listener it simply counts to conns. With one SO_REUSEPORT listener
 * per shard the kernel spreads connections by a hash of their addresses,
 * so no acceptor knows its share: they count together (one atomic), and
 * the acceptor that takes the last connection shuts every listener down,
 * which ends the others' waiting accepts with EINVAL (see end_accepting).
 * Nothing has to cross into another loop: the shutdown is a state change
 * of the socket that each loop's epoll (or each blocked accept) sees by
 * itself.
 *
 * In serve it accepts until wl_srv_stop, as long as a slot is free. */
static struct rt_op accept_step(struct rt_task *t, long res)
{
	struct wl_acceptor *a = t->arg;
	struct wl_srv *s = a->srv;
	if (!a->started || a->waiting) {
		a->started = 1;
		a->waiting = 0;
		return accept_next(a);
	}
	if (res < 0) {
		if (atomic_load(&s->accept_over))
			return rt_op_done();
		if (transient(res))
			return accept_next(a);
		wl_srv_fail(s, (int)res, "accept");
		end_accepting(s);
		return rt_op_done();
	}

	int fd = (int)res;
	/* Nagle would hold a short tail of an answer until the client's
	 * delayed ACK (40 ms): every server benchmark turns it off. */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	int64_t n = atomic_fetch_add(&s->accepted, 1);
	if (!s->serve && n >= s->conns) { /* a connection beyond the count, from outside */
		close(fd);
		return rt_op_done();
	}
	if (a->slot < 0)
		a->slot = slot_get(s);
	struct wl_conn *c = a->slot < 0 ? NULL : malloc(s->conn_size);
	if (!c) {
		close(fd);
		wl_srv_fail(s, -ENOMEM, "connection record");
		end_accepting(s);
		return rt_op_done();
	}
	c->t = (struct rt_task){ .step = s->step, .release = conn_release, .arg = c, .cpu = -1,
		                 .shard = t->shard };
	c->srv = s;
	c->fd = fd;
	c->slot = a->slot;
	c->armed = 0;
	a->slot = -1;
	s->init(c);
	s->conn[c->slot] = c;
	atomic_store(&s->cfd[c->slot], fd);
	a->accepted++;
	/* Pairs with wl_srv_stop: it sets stopped then looks at cfd, we
	 * store cfd then look at stopped (seq_cst both), so one of us sees
	 * the other and the new connection is shut down either way. */
	if (atomic_load(&s->stopped))
		shutdown(fd, SHUT_RDWR);
	int err = rt_spawn(s->rt, &c->t);
	if (err) {
		wl_srv_fail(s, err, "spawn a connection task");
		wl_srv_close(c);
		slot_put(s, c->slot);
		free(c);
		end_accepting(s);
		return rt_op_done();
	}
	if (!s->serve && n + 1 == s->conns) {
		if (s->nl > 1)
			end_accepting(s);
		return rt_op_done();
	}
	return accept_next(a);
}

/* SO_REUSEPORT lets any socket of the same user that sets it too bind a
 * port that is already listening, and the kernel then spreads the new
 * connections over both: a second server on the port would silently take
 * part of the traffic. A probe bound without it fails with EADDRINUSE when
 * any socket listens there (SO_REUSEADDR, which the listeners set too,
 * never shares a port in LISTEN). Port 0 needs none: the kernel does not
 * give an autobound SO_REUSEPORT socket a port in use. */
static int port_free(uint32_t addr, int port)
{
	int p = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p < 0)
		return -errno;
	int one = 1, err = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = addr ? addr : htonl(INADDR_LOOPBACK);
	if (setsockopt(p, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(p, (struct sockaddr *)&a, sizeof a) < 0)
		err = -errno;
	close(p);
	return err;
}

int wl_srv_start(struct wl_srv *s, struct rt *rt, int port, int64_t conns,
                 const struct wl_env *env, int64_t idle_ms)
{
	s->rt = rt;
	s->conns_asked = conns;
	s->nl = rt->shards > 1 ? rt->shards : 1;
	s->serve = env && env->serve;
	s->addr = env ? env->listen_addr : 0;
	s->idle_ns = s->serve && idle_ms > 0 ? (uint64_t)idle_ms * 1000000u : 0;
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return -ENOMEM;
	s->mu_ok = 1;

	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &sa, NULL);

	/* Every connection is an fd here (and one in the client). Raising the
	 * soft limit to the hard one is what any server does at start; past
	 * it the count is clamped and the clamp is a reported figure. The 64
	 * spare cover stdio, the harness's pipes, epoll and eventfds. */
	struct rlimit rl;
	int64_t room = INT64_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY)
			room = (int64_t)rl.rlim_cur - 64 - s->nl;
	}
	s->conns = conns < room ? conns : room;
	if (s->conns < 1 || s->conns > INT_MAX)
		return s->conns < 1 ? -EMFILE : -EINVAL;

	s->lfd = malloc((size_t)s->nl * sizeof *s->lfd);
	if (!s->lfd)
		return -ENOMEM;
	for (int i = 0; i < s->nl; i++)
		s->lfd[i] = -1;
	s->acc = calloc((size_t)s->nl, sizeof *s->acc);
	s->conn = calloc((size_t)s->conns, sizeof *s->conn);
	s->cfd = malloc((size_t)s->conns * sizeof *s->cfd);
	s->dl = calloc((size_t)s->conns, sizeof *s->dl);
	s->freel = malloc((size_t)s->conns * sizeof *s->freel);
	if (!s->acc || !s->conn || !s->cfd || !s->dl || !s->freel)
		return -ENOMEM;
	for (int64_t i = 0; i < s->conns; i++)
		atomic_init(&s->cfd[i], -1);

	/* All connections may arrive before the first accept runs (the pool
	 * may be busy, the client fast): the backlog holds them all, up to
	 * net.core.somaxconn, where the kernel clamps it. */
	int backlog = s->conns > 65535 ? 65535 : s->conns < SOMAXCONN ? SOMAXCONN : (int)s->conns;
	s->port = port;
	if (s->nl > 1 && port != 0) {
		int err = port_free(s->addr, port);
		if (err)
			return err;
	}
	for (int i = 0; i < s->nl; i++) {
		int err = wl_net_listen_at(s->addr, s->port, backlog, s->nl > 1, &s->lfd[i],
		                           &s->port);
		if (err)
			return err;
	}
	if (s->idle_ns) {
		pthread_condattr_t ca;
		int err = pthread_condattr_init(&ca);
		if (!err) {
			pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
			err = pthread_cond_init(&s->wd_cv, &ca);
			pthread_condattr_destroy(&ca);
		}
		if (!err) {
			err = pthread_create(&s->wd, NULL, watchdog, s);
			if (err)
				pthread_cond_destroy(&s->wd_cv);
		}
		if (err)
			return -err;
		s->wd_on = 1;
	}
	for (int i = 0; i < s->nl; i++) {
		struct wl_acceptor *a = &s->acc[i];
		a->t = (struct rt_task){ .step = accept_step, .arg = a, .cpu = -1, .shard = i };
		a->srv = s;
		a->idx = i;
		a->slot = -1;
		int err = rt_spawn(rt, &a->t);
		if (err)
			return err;
	}
	return 0;
}

void wl_srv_close(struct wl_conn *c)
{
	if (c->fd < 0)
		return;
	struct wl_srv *s = c->srv;
	/* A cell's first connection to end is its server's peak: every
	 * other connection still open with what its buffers hold at the end
	 * of the load, after the measured window (so sampling there costs
	 * the window nothing). The harness hooks it once per cell. */
	if (!s->serve)
		wl_at_peak();
	/* With the watchdog on, under mu: see watchdog(). */
	if (s->wd_on)
		pthread_mutex_lock(&s->mu);
	atomic_store(&s->cfd[c->slot], -1);
	rt_close(s->rt, c->fd); /* the event loops forget its registration */
	if (s->wd_on)
		pthread_mutex_unlock(&s->mu);
	c->fd = -1;
}

int wl_hot_check(const struct wl_env *env, const int64_t *hot, int64_t requests, int64_t rate)
{
	if (hot[0] > 0 && (requests > 0 || rate > 0)) {
		wl_why(env, "hot_pct=%lld skews a closed loop running for a time: it needs "
		       "requests=0 (and seconds) and rate=0", (long long)hot[0]);
		return -EINVAL;
	}
	return 0;
}

void wl_srv_metrics(struct wl_srv *s, struct wl_report *rep)
{
	int64_t acc = atomic_load(&s->accepted);
	if (!s->serve && acc > s->conns)
		acc = s->conns;
	wl_metric(rep, "conns_accepted", "conns", (double)acc);
	if (s->conns < s->conns_asked)
		wl_metric(rep, "conns_asked", "conns", (double)s->conns_asked);
	if (s->nl > 1 && acc > 0) {
		int64_t max = 0;
		for (int i = 0; i < s->nl; i++)
			max = s->acc[i].accepted > max ? s->acc[i].accepted : max;
		wl_metric(rep, "listener_share_max", "fraction", (double)max / (double)acc);
	}
	if (s->idle_ns)
		wl_metric(rep, "conns_timed_out", "conns", (double)atomic_load(&s->timed_out));
	if (!s->serve && atomic_load(&s->stopped)) {
		int64_t lost = atomic_load(&s->stop_reset_lost), missed = atomic_load(&s->stop_missed);
		wl_metric(rep, "conns_reset_lost", "conns", (double)lost);
		wl_metric(rep, "conns_close_unseen", "conns", (double)missed);
		/* A close the server had not acted on is the runtime's fault,
		 * unless a lost reset explains it: a pool's workers held by
		 * connections that vanished never reach the ones queued behind
		 * them (C12's cap). */
		if (missed > 0 && lost == 0 && !rep->error[0])
			snprintf(rep->error, sizeof rep->error,
			         "server: %lld connection(s) open after the client closed all, "
			         "their close delivered: the runtime missed it",
			         (long long)missed);
	}
}

void wl_srv_fini(struct wl_srv *s)
{
	if (s->wd_on) {
		pthread_mutex_lock(&s->mu);
		s->wd_quit = 1;
		pthread_cond_signal(&s->wd_cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->wd, NULL);
		pthread_cond_destroy(&s->wd_cv);
		s->wd_on = 0;
	}
	for (int i = 0; s->lfd && i < s->nl; i++)
		if (s->lfd[i] >= 0)
			close(s->lfd[i]);
	/* Records whose task never finished (a run that failed). */
	for (int64_t i = 0; s->conn && i < s->conns; i++)
		if (s->conn[i]) {
			wl_srv_close(s->conn[i]);
			free(s->conn[i]);
		}
	free(s->lfd);
	free(s->acc);
	free(s->conn);
	free(s->cfd);
	free(s->dl);
	free(s->freel);
	if (s->mu_ok)
		pthread_mutex_destroy(&s->mu);
}

/* A cell's connection still open after its client closed them all: which
 * of two things it is. Still ESTABLISHED with nothing to read, the client's
 * close never reached this socket: the client closes a connection with
 * unread data (a response in flight at the window's end) by a reset, which
 * TCP never sends twice, and loopback drops packets when a burst of them
 * (10,000 closes at once) overflows the receiving CPU's backlog
 * (net.core.netdev_max_backlog, /proc/net/softnet_stat's second column).
 * Anything else (FIN or reset received, or a request unread) the kernel
 * delivered and the server did not act on: the runtime's fault, unless
 * its workers are held by connections of the first kind (a pool). */
static void stop_classify(struct wl_srv *s, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	int unread = 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ioctl(fd, FIONREAD, &unread) == 0 &&
	    ti.tcpi_state == TCP_ESTABLISHED && unread == 0)
		atomic_fetch_add(&s->stop_reset_lost, 1);
	else
		atomic_fetch_add(&s->stop_missed, 1);
}

void wl_srv_stop(struct wl_srv *s)
{
	int first = !atomic_exchange(&s->stopped, 1);
	end_accepting(s);
	for (int64_t i = 0; i < s->conns; i++) {
		int fd = atomic_load(&s->cfd[i]);
		if (fd < 0)
			continue;
		if (first && !s->serve)
			stop_classify(s, fd);
		shutdown(fd, SHUT_RDWR);
	}
}

/* ---- CPU work -------------------------------------------------------------- */

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t wl_burn_cpu_us(int64_t us)
{
	/* The thread's CPU clock, not the wall clock: time the thread spends
	 * preempted does not count, so the work is the same on every runtime.
	 * 256 hash steps (~0.5 µs) per look at the clock, which is a system
	 * call of ~0.2 µs. */
	uint64_t start = thread_cpu_ns(), x = start, now;
	uint64_t end = start + (uint64_t)us * 1000u;
	do {
		for (int i = 0; i < 256; i++)
			x = wl_mix64(x + (uint64_t)i);
		now = thread_cpu_ns();
	} while (now < end);
	return x;
}
