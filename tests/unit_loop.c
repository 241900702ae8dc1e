/* unit_loop — the event-loop runtimes (epoll, coro, coro-ucontext, uv, and
 * the work-stealing steal and coro-steal with 2 workers, so tasks meet
 * across threads) driven through their vtables by tasks defined here:
 *  - 1000 tasks (100 under TSan) sleeping up to 50 ms together finish in well under
 *    1000 × 50 ms, and none wakes before its time;
 *  - a two-task event pingpong, 100000 rounds, counts right;
 *  - reads through a pipe and a socketpair where the reader parks first
 *    (EAGAIN), with writes large enough to fill the pipe and park too;
 *  - one-byte exchanges over a socketpair where every read comes back
 *    short, and an EOF that came with the last data (before the first
 *    read, and while the reader was parked), end (loop.h's rd_drained);
 *  - accept parks until a client connects, and returns a blocking fd;
 *  - an fd number closed and reused for a fresh blocking pipe (or a pipe's
 *    for a socketpair) still parks instead of blocking the loop, and a
 *    socket stays blocking; steal and coro-steal with either reactor;
 *  - a task spawns tasks from its step; stats and release() add up;
 *  - a task offloads (RT_OFFLOAD) a call that blocks 150 ms while another
 *    ticks two 5 ms sleeps, which end first; the call's result arrives;
 *  - a wait nobody will notify ends the run with -EDEADLK;
 *  - every woken task coro holds for its next switch runs (test_hold);
 *  - 100000 tasks (200 under TSan) sleeping up to 100 ms at once (coroutines with default
 *    params: past the guard-page budget stacks come unguarded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/base/base.h"
#include "runtimes/runtime.h"

#include "tests/check.h"

/* TSan counts each fiber as a thread and dies past 8128 of them, and
 * sets up about 1 MiB of its own state for each (13 ms per
 * __tsan_create_fiber on a loaded 2-core VM): there, fewer coroutines, and
 * the sleep test bounds only a hang, not the overlap of the sleeps. */
#if defined(__SANITIZE_THREAD__)
#define SLEEPERS 100
#define SLEEPERS_LIMIT_NS (30000 * 1000000ull)
#define MANY 200
/* test_hold's pair beside a 1 ms sleeper: a switch costs TSan about a
 * microsecond, so 100,000 rounds outlast the sleeper as 1,000,000 do at
 * 10 ns (the test asks the sleeper to be done before the pair). */
#define HOLD_ROUNDS 100000
#elif defined(__SANITIZE_ADDRESS__)
/* ASan looks for memory errors, which 20,000 sleepers find as well as
 * 100,000 (the default build keeps the scale): the stackful runtimes took
 * most of the test's 29 s there. */
#define SLEEPERS 1000
#define SLEEPERS_LIMIT_NS (2000 * 1000000ull)
#define MANY 20000
#else
#define SLEEPERS 1000
#define SLEEPERS_LIMIT_NS (2000 * 1000000ull)
#define MANY 100000
#endif
#ifndef HOLD_ROUNDS
#define HOLD_ROUNDS 1000000
#endif

extern const struct runtime rt_epoll, rt_coro, rt_coro_ucontext, rt_steal, rt_coro_steal, rt_uv;
static const struct runtime *const rts[] = { &rt_epoll, &rt_coro, &rt_coro_ucontext, &rt_steal,
                                             &rt_coro_steal, &rt_uv };

static struct rt *make(const struct runtime *ops)
{
	static const int cpus[] = { 0 };
	const struct rt_env env = { .ncpus = 1, .cpus = cpus };
	int64_t params[16];
	t_param_defaults(ops->params, params);
	if (ops == &rt_steal || ops == &rt_coro_steal) /* two workers even on one CPU */
		t_param_set(ops->params, params, ops->cpus_param, 2);
	struct rt *rt;
	int err = ops->create(&rt, &env, params);
	if (err)
		FAIL("%s: create: %s", ops->name, strerror(-err));
	return rt;
}

static void spawn(struct rt *rt, struct rt_task *t)
{
	int err = rt_spawn(rt, t);
	if (err)
		FAIL("%s: spawn: %s", rt->ops->name, strerror(-err));
}

static void run(struct rt *rt)
{
	int err = rt->ops->run(rt);
	if (err)
		FAIL("%s: run: %s", rt->ops->name, strerror(-err));
}

static struct rt_stats stats(struct rt *rt)
{
	struct rt_stats st;
	rt->ops->stats(rt, &st);
	return st;
}

static _Atomic long g_released; /* released on any worker of steal, coro-steal */
static void count_release(struct rt_task *t)
{
	(void)t;
	g_released++;
}

/* ---- sleepers ---------------------------------------------------------- */

struct sleeper {
	struct rt_task t;
	uint64_t ns, start, slept;
	int state;
	long res;
};

static struct rt_op sleeper_step(struct rt_task *t, long res)
{
	struct sleeper *s = (struct sleeper *)t;
	if (s->state++ == 0) {
		s->start = h_now_ns();
		return rt_op_sleep(s->ns);
	}
	s->slept = h_now_ns() - s->start;
	s->res = res;
	return rt_op_done();
}

static void test_sleep(const struct runtime *ops, long n, uint64_t ns, uint64_t limit_ns)
{
	struct sleeper *s = calloc((size_t)n, sizeof(*s));
	struct rt *rt = make(ops);
	g_released = 0;
	uint64_t t0 = h_now_ns();
	for (long i = 0; i < n; i++) {
		s[i].t = (struct rt_task){ .step = sleeper_step, .release = count_release, .cpu = -1 };
		s[i].ns = ns / 10 * (uint64_t)(1 + i % 10); /* ten deadlines, the longest ns */
		s[i].res = -1;
		spawn(rt, &s[i].t);
	}
	run(rt);
	uint64_t dt = h_now_ns() - t0;
	for (long i = 0; i < n; i++)
		if (s[i].state != 2 || s[i].res != 0 || s[i].slept < s[i].ns)
			FAIL("%s: sleeper %ld: state %d res %ld, slept %.3f of %.3f ms", ops->name, i,
			     s[i].state, s[i].res, s[i].slept / 1e6, s[i].ns / 1e6);
	struct rt_stats st = stats(rt);
	if (st.spawned != (uint64_t)n || st.completed != (uint64_t)n || st.peak_live != (uint64_t)n ||
	    g_released != n || st.err)
		FAIL("%s: stats spawned %llu completed %llu peak %llu released %ld err %d", ops->name,
		     (unsigned long long)st.spawned, (unsigned long long)st.completed,
		     (unsigned long long)st.peak_live, g_released, st.err);
	if (dt < ns)
		FAIL("%s: %ld sleeps of %llu ms were over in %.1f ms", ops->name, n,
		     (unsigned long long)(ns / 1000000), dt / 1e6);
	if (dt > limit_ns)
		FAIL("%s: %ld tasks sleeping up to %llu ms together took %.1f ms", ops->name, n,
		     (unsigned long long)(ns / 1000000), dt / 1e6);
	ops->destroy(rt);
	free(s);
	printf("%s: %ld tasks slept up to %llu ms together in %.1f ms\n", ops->name, n,
	       (unsigned long long)(ns / 1000000), dt / 1e6);
}

/* ---- event pingpong ---------------------------------------------------- */

struct pp {
	struct rt_task ping, pong;
	struct rt_event *to_ping, *to_pong;
	long rounds, pings, pongs;
	int ping_state, pong_state;
	/* One per task: on steal and coro-steal the two can run at once on two
	 * workers (a step goes on after its notify), so a shared one would
	 * race (TSan saw it once the stealing runtimes were back here). */
	long ping_bad, pong_bad;
};

static struct rt_op ping_step(struct rt_task *t, long res)
{
	struct pp *p = t->arg;
	p->ping_bad |= res;
	if (p->ping_state == 1) { /* the ball came back */
		p->pings++;
		if (p->pings == p->rounds)
			return rt_op_done();
	}
	if (p->ping_state == 2) { /* served: wait for it */
		p->ping_state = 1;
		return rt_op_wait(p->to_ping);
	}
	if (p->pings != p->pongs)
		p->ping_bad |= 1;
	p->ping_state = 2;
	return rt_op_notify(p->to_pong);
}

static struct rt_op pong_step(struct rt_task *t, long res)
{
	struct pp *p = t->arg;
	p->pong_bad |= res;
	if (p->pong_state == 1) { /* got the ball: send it back */
		p->pongs++;
		if (p->pongs != p->pings + 1)
			p->pong_bad |= 2;
		p->pong_state = 2;
		return rt_op_notify(p->to_ping);
	}
	if (p->pongs == p->rounds)
		return rt_op_done();
	p->pong_state = 1;
	return rt_op_wait(p->to_pong);
}

static double test_pingpong(const struct runtime *ops, long rounds)
{
	struct pp p = { .rounds = rounds };
	struct rt *rt = make(ops);
	if (rt_event_new(rt, &p.to_ping) || rt_event_new(rt, &p.to_pong))
		FAIL("%s: event_new", ops->name);
	p.ping = (struct rt_task){ .step = ping_step, .arg = &p, .cpu = -1 };
	p.pong = (struct rt_task){ .step = pong_step, .arg = &p, .cpu = -1 };
	spawn(rt, &p.ping);
	spawn(rt, &p.pong);
	uint64_t t0 = h_now_ns();
	run(rt);
	double ns = (double)(h_now_ns() - t0);
	if (p.pings != rounds || p.pongs != rounds || p.ping_bad || p.pong_bad)
		FAIL("%s: pingpong %ld/%ld rounds, bad %ld %ld", ops->name, p.pings, p.pongs, p.ping_bad,
		     p.pong_bad);
	rt_event_free(rt, p.to_ping);
	rt_event_free(rt, p.to_pong);
	ops->destroy(rt);
	return ns / (2.0 * (double)rounds);
}

/* ---- byte streams through a pipe and a socketpair ------------------------ */

#define STREAM_BYTES (4 << 20)

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 31 % 251);
}

struct stream {
	struct rt_task reader, writer;
	int rfd, wfd;
	int wstate;
	size_t wpos, rpos;
	long rparks;  /* reads that had to wait: res arrived after a delay */
	unsigned char wbuf[65536], rbuf[4096];
	long err;
	int eof;
};

static struct rt_op reader_step(struct rt_task *t, long res)
{
	struct stream *s = t->arg;
	if (res < 0) {
		s->err = res;
		return rt_op_done();
	}
	if (s->rpos || res) { /* not the first call */
		for (long i = 0; i < res; i++)
			if (s->rbuf[i] != pattern(s->rpos + (size_t)i))
				s->err = -EILSEQ;
		s->rpos += (size_t)res;
		if (res == 0) {
			s->eof = 1;
			close(s->rfd);
			return rt_op_done();
		}
	}
	return rt_op_read(s->rfd, s->rbuf, sizeof s->rbuf);
}

static struct rt_op writer_step(struct rt_task *t, long res)
{
	struct stream *s = t->arg;
	if (s->wstate == 0) { /* let the reader find nothing and park first */
		s->wstate = 1;
		return rt_op_sleep(20 * 1000000);
	}
	if (s->wstate == 2) {
		if (res <= 0) {
			s->err = res ? res : -EIO;
			close(s->wfd);
			return rt_op_done();
		}
		s->wpos += (size_t)res;
	}
	s->wstate = 2;
	if (s->wpos == STREAM_BYTES) {
		close(s->wfd);
		return rt_op_done();
	}
	size_t n = STREAM_BYTES - s->wpos < sizeof s->wbuf ? STREAM_BYTES - s->wpos : sizeof s->wbuf;
	for (size_t i = 0; i < n; i++)
		s->wbuf[i] = pattern(s->wpos + i);
	return rt_op_write(s->wfd, s->wbuf, n);
}

static void test_stream(const struct runtime *ops, int use_socket)
{
	struct stream *s = calloc(1, sizeof(*s));
	int fds[2];
	if (use_socket ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) : pipe2(fds, O_CLOEXEC))
		FAIL("pipe/socketpair");
	s->rfd = fds[0];
	s->wfd = fds[1];
	struct rt *rt = make(ops);
	s->reader = (struct rt_task){ .step = reader_step, .arg = s, .cpu = -1 };
	s->writer = (struct rt_task){ .step = writer_step, .arg = s, .cpu = -1 };
	spawn(rt, &s->reader); /* first: it reads an empty pipe and parks */
	spawn(rt, &s->writer);
	run(rt);
	if (s->err || !s->eof || s->rpos != STREAM_BYTES || s->wpos != STREAM_BYTES)
		FAIL("%s: %s: err %ld eof %d read %zu wrote %zu of %d", ops->name,
		     use_socket ? "socketpair" : "pipe", s->err, s->eof, s->rpos, s->wpos, STREAM_BYTES);
	ops->destroy(rt);
	free(s);
	printf("%s: %d MiB through a %s, reader parked first\n", ops->name, STREAM_BYTES >> 20,
	       use_socket ? "socketpair" : "pipe");
}

/* ---- short reads: a socket known empty ---------------------------------- *
 * The loop runtimes skip the recv that would say EAGAIN when a read found
 * the socket empty or emptied it (loop.h's rd_drained): the next read
 * waits for epoll's next edge. These must still end: an exchange of one
 * byte each way where every read comes back short, and an EOF that arrived
 * with the last data, which brings no edge of its own after it. */

/* Under a sanitizer an exchange costs far more (TSan: 7 s for the six
 * runtimes at 20,000, the coroutine ones most), and fewer go through the
 * same paths: each round parks on a socket known empty. */
#if defined(__SANITIZE_THREAD__)
#define SHORT_ROUNDS 200
#elif defined(__SANITIZE_ADDRESS__)
#define SHORT_ROUNDS 2000
#else
#define SHORT_ROUNDS 5000
#endif

struct shorts {
	struct rt_task a, b;
	int fa, fb;        /* the socketpair's two ends */
	int sa, sb;        /* states */
	long ra, rb;       /* rounds done */
	long err;
	char ba[16], bb[16];
};

/* a: write a byte, read the answer (short: 1 of 16), SHORT_ROUNDS times,
 * then shut its side down and read b's EOF. */
static struct rt_op short_a(struct rt_task *t, long res)
{
	struct shorts *s = t->arg;
	switch (s->sa) {
	case 1: /* the byte went */
		if (res != 1)
			s->err = res < 0 ? res : -EIO;
		break;
	case 2: /* the answer came */
		if (res != 1 || s->ba[0] != (char)(s->ra + 1))
			s->err = res < 0 ? res : -EILSEQ;
		else
			s->ra++;
		break;
	case 3: /* b saw our EOF and closed its side */
		if (res != 0)
			s->err = res < 0 ? res : -EPROTO;
		return rt_op_done();
	}
	if (s->err || s->ra == SHORT_ROUNDS) {
		shutdown(s->fa, SHUT_WR); /* b ends at its EOF, also on an error */
		s->sa = 3;
		return rt_op_read(s->fa, s->ba, sizeof s->ba);
	}
	if (s->sa == 1) {
		s->sa = 2;
		return rt_op_read(s->fa, s->ba, sizeof s->ba);
	}
	s->sa = 1;
	s->ba[0] = (char)(s->ra + 1);
	return rt_op_write(s->fa, s->ba, 1);
}

/* b: read a byte (short), answer with it, until EOF; then its own EOF. */
static struct rt_op short_b(struct rt_task *t, long res)
{
	struct shorts *s = t->arg;
	if (s->sb == 1) {
		if (res != 1) { /* EOF, or an error: end the stream either way */
			if (res < 0)
				s->err = res;
			shutdown(s->fb, SHUT_WR);
			return rt_op_done();
		}
		s->rb++;
		s->sb = 2;
		return rt_op_write(s->fb, s->bb, 1);
	}
	if (s->sb == 2 && res != 1) {
		s->err = res < 0 ? res : -EIO;
		shutdown(s->fb, SHUT_WR);
		return rt_op_done();
	}
	s->sb = 1;
	return rt_op_read(s->fb, s->bb, sizeof s->bb);
}

/* The EOF test's reader: "abc" (short of 16), then EOF. */
static struct rt_op eof_reader(struct rt_task *t, long res)
{
	struct shorts *s = t->arg;
	switch (s->sa++) {
	case 0:
		return rt_op_read(s->fa, s->ba, sizeof s->ba);
	case 1:
		if (res != 3 || memcmp(s->ba, "abc", 3))
			s->err = res < 0 ? res : -EIO;
		return rt_op_read(s->fa, s->ba, sizeof s->ba);
	default:
		if (res != 0)
			s->err = res < 0 ? res : -EPROTO;
		return rt_op_done();
	}
}

/* The EOF test's writer, when the reader parks first: 20 ms on, "abc" and
 * the end of the stream in one step, so one epoll report carries both. */
static struct rt_op eof_writer(struct rt_task *t, long res)
{
	(void)res;
	struct shorts *s = t->arg;
	if (s->sb++ == 0)
		return rt_op_sleep(20 * 1000000);
	if (write(s->fb, "abc", 3) != 3 || shutdown(s->fb, SHUT_WR))
		s->err = -errno;
	return rt_op_done();
}

static void test_short_reads(const struct runtime *ops)
{
	alarm(20); /* a read that waits for an edge that never comes: a hang */
	for (int k = 0; k < 3; k++) {
		struct shorts *s = calloc(1, sizeof *s);
		int fds[2];
		if (!s || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
			FAIL("socketpair");
		s->fa = fds[0];
		s->fb = fds[1];
		struct rt *rt = make(ops);
		if (k == 0) {
			s->a = (struct rt_task){ .step = short_a, .arg = s, .cpu = -1 };
			s->b = (struct rt_task){ .step = short_b, .arg = s, .cpu = -1 };
			spawn(rt, &s->b);
			spawn(rt, &s->a);
		} else {
			/* k 1: the data and EOF come before the reader's first
			 * read; k 2: while it is parked (eof_writer). */
			if (k == 1 && (write(s->fb, "abc", 3) != 3 || shutdown(s->fb, SHUT_WR)))
				FAIL("write");
			s->a = (struct rt_task){ .step = eof_reader, .arg = s, .cpu = -1 };
			s->b = (struct rt_task){ .step = eof_writer, .arg = s, .cpu = -1 };
			spawn(rt, &s->a);
			if (k == 2)
				spawn(rt, &s->b);
		}
		run(rt);
		if (s->err || (k == 0 && (s->ra != SHORT_ROUNDS || s->rb != SHORT_ROUNDS)) ||
		    (k && s->sa != 3))
			FAIL("%s: short reads, %s: err %ld, rounds %ld/%ld, reader state %d", ops->name,
			     k == 0 ? "one byte each way" : k == 1 ? "EOF before the first read"
			                                       : "EOF with the data, reader parked",
			     s->err, s->ra, s->rb, s->sa);
		ops->destroy(rt);
		close(s->fa);
		close(s->fb);
		free(s);
	}
	alarm(60);
	printf("%s: %d one-byte exchanges with short reads; EOF after short data, twice\n", ops->name,
	       SHORT_ROUNDS);
}

/* ---- accept ------------------------------------------------------------ */

struct acc {
	struct rt_task server, client;
	int lfd, cfd, sfd;
	struct sockaddr_in addr;
	int sstate, cstate;
	char buf[16];
	long err;
	int blocking;
};

static struct rt_op server_step(struct rt_task *t, long res)
{
	struct acc *a = t->arg;
	switch (a->sstate++) {
	case 0:
		return rt_op_accept(a->lfd);
	case 1:
		if (res < 0) {
			a->err = res;
			return rt_op_done();
		}
		a->sfd = (int)res;
		a->blocking = !(fcntl(a->sfd, F_GETFL) & O_NONBLOCK);
		return rt_op_read(a->sfd, a->buf, sizeof a->buf - 1);
	default:
		if (res != 5 || memcmp(a->buf, "hello", 5))
			a->err = res < 0 ? res : -EPROTO;
		close(a->sfd);
		return rt_op_done();
	}
}

static struct rt_op client_step(struct rt_task *t, long res)
{
	struct acc *a = t->arg;
	switch (a->cstate++) {
	case 0:
		return rt_op_sleep(20 * 1000000); /* the server parks in accept first */
	case 1:
		a->cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (a->cfd < 0 || connect(a->cfd, (struct sockaddr *)&a->addr, sizeof a->addr))
			a->err = -errno;
		return rt_op_write(a->cfd, "hello", 5);
	default:
		if (res != 5)
			a->err = res < 0 ? res : -EIO;
		close(a->cfd);
		return rt_op_done();
	}
}

static void test_accept(const struct runtime *ops)
{
	struct acc a = { .addr.sin_family = AF_INET, .addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a.addr;
	a.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a.lfd < 0 || bind(a.lfd, (struct sockaddr *)&a.addr, sizeof a.addr) || listen(a.lfd, 16) ||
	    getsockname(a.lfd, (struct sockaddr *)&a.addr, &len))
		FAIL("listen: %s", strerror(errno));
	struct rt *rt = make(ops);
	a.server = (struct rt_task){ .step = server_step, .arg = &a, .cpu = -1 };
	a.client = (struct rt_task){ .step = client_step, .arg = &a, .cpu = -1 };
	spawn(rt, &a.server);
	spawn(rt, &a.client);
	run(rt);
	if (a.err || a.sstate != 3 || a.cstate != 3)
		FAIL("%s: accept: err %ld states %d %d", ops->name, a.err, a.sstate, a.cstate);
	if (!a.blocking)
		FAIL("%s: the accepted fd came back non-blocking", ops->name);
	ops->destroy(rt);
	close(a.lfd);
	printf("%s: accept parked until a client came, returned a blocking fd\n", ops->name);
}

/* ---- an fd number reused for a fresh blocking file ---------------------- */

/* Both ways: a socketpair's numbers reused by a pipe, and a pipe's by a
 * socketpair. The second checks that the runtime forgot the old file's
 * kind too: a pipe's "not a socket" left on the number would send the
 * socket through fcntl(O_NONBLOCK) and read(), which work, but leave the
 * workload's blocking socket non-blocking behind its back. */
struct reuse {
	struct rt_task a, b;
	struct rt *rt;
	struct rt_event *ev, *bclosed; /* A made the new pair; B closed its end */
	int to_sock; /* the old pair a pipe, the new one a socketpair */
	int sp[2], p[2]; /* the old pair, the new one */
	int astate, bstate;
	char buf[4];
	long err;
	int reused;
};

static int reuse_pair(int sock, int fds[2])
{
	return sock ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) : pipe(fds);
}

static struct rt_op reuse_a(struct rt_task *t, long res)
{
	struct reuse *r = t->arg;
	switch (r->astate++) {
	case 0:
		return rt_op_read(r->sp[0], r->buf, 1); /* parks: B writes later */
	case 1:
		if (res != 1 || r->buf[0] != 'x')
			r->err = res < 0 ? res : -EPROTO;
		/* rt_close: the loops that keep fds registered forget them. */
		rt_close(r->rt, r->sp[0]);
		return rt_op_wait(r->bclosed);
	case 2:
		/* The lowest free numbers: those two again, now a blocking
		 * pipe (or socketpair). */
		if (reuse_pair(r->to_sock, r->p))
			r->err = -errno;
		r->reused = r->p[0] == r->sp[0] || r->p[0] == r->sp[1];
		return rt_op_notify(r->ev);
	case 3:
		return rt_op_read(r->p[0], r->buf, 1); /* must park, not block */
	default:
		if (res != 1 || r->buf[0] != 'y')
			r->err = res < 0 ? res : -EPROTO;
		return rt_op_done();
	}
}

/* B closes its own end, and only once its write has returned: the read
 * that A saw completes before B's op has finished in the runtime (on
 * steal and coro-steal, on another worker), and a close by A then would
 * race the runtime's last look at the old file (its kind, recorded after
 * the write), which no workload may do. */
static struct rt_op reuse_b(struct rt_task *t, long res)
{
	struct reuse *r = t->arg;
	switch (r->bstate++) {
	case 0:
		return rt_op_sleep(10 * 1000000);
	case 1:
		return rt_op_write(r->sp[1], "x", 1);
	case 2:
		if (res != 1)
			r->err = res < 0 ? res : -EPROTO;
		rt_close(r->rt, r->sp[1]);
		return rt_op_notify(r->bclosed);
	case 3:
		return rt_op_wait(r->ev);
	case 4:
		return rt_op_sleep(10 * 1000000);
	case 5:
		return rt_op_write(r->p[1], "y", 1);
	default:
		return rt_op_done();
	}
}

/* make()'s runtime, with a reactor per worker when reactor (steal,
 * coro-steal: the fd's record is its home worker's set there). */
static struct rt *reuse_make(const struct runtime *ops, int reactor)
{
	if (!reactor)
		return make(ops);
	static const int cpus[] = { 0 };
	const struct rt_env env = { .ncpus = 1, .cpus = cpus };
	int64_t params[16];
	t_param_defaults(ops->params, params);
	t_param_set(ops->params, params, ops->cpus_param, 2);
	t_param_set(ops->params, params, "reactor", 1);
	struct rt *rt;
	int err = ops->create(&rt, &env, params);
	if (err)
		FAIL("%s reactor=1: create: %s", ops->name, strerror(-err));
	return rt;
}

static void reuse_once(const struct runtime *ops, int reactor, int to_sock)
{
	struct reuse r = { .to_sock = to_sock };
	if (reuse_pair(!to_sock, r.sp))
		FAIL("socketpair or pipe");
	struct rt *rt = r.rt = reuse_make(ops, reactor);
	if (rt_event_new(rt, &r.ev) || rt_event_new(rt, &r.bclosed))
		FAIL("event_new");
	r.a = (struct rt_task){ .step = reuse_a, .arg = &r, .cpu = -1 };
	r.b = (struct rt_task){ .step = reuse_b, .arg = &r, .cpu = -1 };
	spawn(rt, &r.a);
	spawn(rt, &r.b);
	run(rt);
	const char *what = to_sock ? "a pipe's fd numbers for a socketpair"
	                           : "a socketpair's fd numbers for a pipe";
	if (r.err || r.astate != 5 || r.bstate != 7)
		FAIL("%s reactor=%d: %s: err %ld states %d %d", ops->name, reactor, what, r.err,
		     r.astate, r.bstate);
	/* uv_poll_init makes every fd uv polls non-blocking: not asked of it. */
	for (int i = 0; to_sock && ops != &rt_uv && i < 2; i++)
		if (fcntl(r.p[i], F_GETFL) & O_NONBLOCK)
			FAIL("%s reactor=%d: %s: the socket came back non-blocking (the pipe's kind "
			     "was not forgotten)", ops->name, reactor, what);
	close(r.p[0]);
	close(r.p[1]);
	rt_event_free(rt, r.ev);
	rt_event_free(rt, r.bclosed);
	ops->destroy(rt);
	printf("%s reactor=%d: rt_close, then %s (%s): parked, not blocked\n", ops->name,
	       reactor, what, r.reused ? "reused" : "not reused");
}

static void test_reuse(const struct runtime *ops)
{
	int reactors = ops == &rt_steal || ops == &rt_coro_steal ? 2 : 1;
	for (int reactor = 0; reactor < reactors; reactor++)
		for (int to_sock = 0; to_sock < 2; to_sock++)
			reuse_once(ops, reactor, to_sock);
}

/* ---- spawning from a step ---------------------------------------------- */

#define CHILDREN 100

struct family {
	struct rt_task parent, kids[CHILDREN];
	struct rt_event *ev;
	struct rt *rt;
	int pstate, waited;
	int kstate[CHILDREN];
	_Atomic long kid_runs; /* on steal, kids run at once on several workers */
	long err;
};

static struct rt_op kid_step(struct rt_task *t, long res)
{
	struct family *f = t->arg;
	if (res)
		f->err = res;
	if (t->priv == NULL)
		f->err = -EFAULT; /* the runtime owns priv from spawn */
	if (f->kstate[t - f->kids]++)
		return rt_op_done();
	f->kid_runs++;
	return rt_op_notify(f->ev);
}

static struct rt_op parent_step(struct rt_task *t, long res)
{
	struct family *f = t->arg;
	if (res)
		f->err = res;
	if (f->pstate++ == 0) {
		for (int i = 0; i < CHILDREN; i++) {
			f->kids[i] = (struct rt_task){ .step = kid_step, .release = count_release, .arg = f,
			                               .cpu = -1 };
			int err = rt_spawn(f->rt, &f->kids[i]);
			if (err)
				f->err = err;
		}
	}
	if (f->waited++ < CHILDREN)
		return rt_op_wait(f->ev);
	return rt_op_done();
}

static void test_spawn_from_step(const struct runtime *ops)
{
	struct family *f = calloc(1, sizeof(*f));
	struct rt *rt = make(ops);
	f->rt = rt;
	if (rt_event_new(rt, &f->ev))
		FAIL("event_new");
	f->parent = (struct rt_task){ .step = parent_step, .release = count_release, .arg = f, .cpu = -1 };
	g_released = 0;
	spawn(rt, &f->parent);
	run(rt);
	struct rt_stats st = stats(rt);
	if (f->err || f->kid_runs != CHILDREN || f->waited != CHILDREN + 1)
		FAIL("%s: spawn from step: err %ld kids ran %ld parent waited %d", ops->name, f->err,
		     atomic_load(&f->kid_runs), f->waited);
	if (st.spawned != CHILDREN + 1 || st.completed != CHILDREN + 1 || g_released != CHILDREN + 1 ||
	    st.peak_live < 2 || st.peak_live > CHILDREN + 1)
		FAIL("%s: stats spawned %llu completed %llu peak %llu released %ld", ops->name,
		     (unsigned long long)st.spawned, (unsigned long long)st.completed,
		     (unsigned long long)st.peak_live, g_released);
	rt_event_free(rt, f->ev);
	ops->destroy(rt);
	free(f);
	printf("%s: a step spawned %d tasks; peak %llu live\n", ops->name, CHILDREN,
	       (unsigned long long)st.peak_live);
}

/* ---- offload: a blocking call off the executor ------------------------- */

#define OFF_BLOCK_MS 150

struct off {
	struct rt_task a, b;
	struct rt_offload job;
	int astate, bstate;
	long res;
	uint64_t done_ns, ticked_ns;
	cpu_set_t loop_set, pool_set; /* the affinities of the loop (after the job) and the job */
};

static long off_block(void *arg)
{
	struct off *o = arg;
	/* Read after the run: the completion orders it. */
	pthread_getaffinity_np(pthread_self(), sizeof o->pool_set, &o->pool_set);
	struct timespec ts = { 0, OFF_BLOCK_MS * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
	return 42;
}

static struct rt_op off_a(struct rt_task *t, long res)
{
	struct off *o = t->arg;
	if (o->astate++ == 0) {
		o->job = (struct rt_offload){ .fn = off_block, .arg = o };
		return rt_op_offload(&o->job);
	}
	pthread_getaffinity_np(pthread_self(), sizeof o->loop_set, &o->loop_set);
	o->res = res;
	o->done_ns = h_now_ns();
	return rt_op_done();
}

static struct rt_op off_b(struct rt_task *t, long res)
{
	struct off *o = t->arg;
	(void)res;
	if (o->bstate++ < 2)
		return rt_op_sleep(5 * 1000000);
	o->ticked_ns = h_now_ns();
	return rt_op_done();
}

/* A task offloads a call that blocks 150 ms; another ticks two 5 ms
 * sleeps meanwhile and must be done well before it: the executor (one
 * thread on epoll and coro) was not blocked. The call's result arrives.
 * With two CPUs or more, a single-loop runtime (epoll, coro) keeps its
 * loop and the pool apart (loop.c's keep_apart): the job ran on another
 * CPU than the loop, which stayed on one; after the run the thread's
 * affinity is what it was, whatever the runtime. */
static void test_offload(const struct runtime *ops)
{
	struct off o = { 0 };
	cpu_set_t before, after;
	if (pthread_getaffinity_np(pthread_self(), sizeof before, &before))
		FAIL("pthread_getaffinity_np");
	struct rt *rt = make(ops);
	o.a = (struct rt_task){ .step = off_a, .arg = &o, .cpu = -1 };
	o.b = (struct rt_task){ .step = off_b, .arg = &o, .cpu = -1 };
	spawn(rt, &o.a); /* first: it hands off before the ticker starts */
	spawn(rt, &o.b);
	uint64_t t0 = h_now_ns();
	run(rt);
	if (o.res != 42 || o.bstate != 3)
		FAIL("%s: offload: res %ld, ticker state %d", ops->name, o.res, o.bstate);
	if (o.ticked_ns >= o.done_ns)
		FAIL("%s: the ticker ended %.1f ms after start, after the offloaded call (%.1f ms): "
		     "the executor was blocked", ops->name, (o.ticked_ns - t0) / 1e6, (o.done_ns - t0) / 1e6);
	if (pthread_getaffinity_np(pthread_self(), sizeof after, &after) || !CPU_EQUAL(&before, &after))
		FAIL("%s: offload: the thread that ran the loop came back with %d CPUs, had %d",
		     ops->name, CPU_COUNT(&after), CPU_COUNT(&before));
	int apart = (ops == &rt_epoll || ops == &rt_coro || ops == &rt_coro_ucontext) &&
	            CPU_COUNT(&before) > 1;
	cpu_set_t both, overlap;
	CPU_OR(&both, &o.loop_set, &o.pool_set);
	CPU_AND(&overlap, &o.loop_set, &o.pool_set);
	if (apart && (CPU_COUNT(&o.loop_set) != 1 || CPU_COUNT(&overlap) || !CPU_EQUAL(&both, &before)))
		FAIL("%s: offload on %d CPUs: the loop was allowed %d, the job %d, %d of them both: "
		     "not kept apart", ops->name, CPU_COUNT(&before), CPU_COUNT(&o.loop_set),
		     CPU_COUNT(&o.pool_set), CPU_COUNT(&overlap));
	ops->destroy(rt);
	printf("%s: offloaded a %d ms blocking call, the ticker ran meanwhile%s\n", ops->name,
	       OFF_BLOCK_MS, apart ? "; the loop and the job on different CPUs" : "");
}

/* ---- nobody left to notify --------------------------------------------- */

struct stuck {
	struct rt_task t;
	struct rt_event *ev;
};

static struct rt_op stuck_step(struct rt_task *t, long res)
{
	(void)res;
	return rt_op_wait(((struct stuck *)t)->ev);
}

static void test_deadlock(const struct runtime *ops)
{
	struct stuck s = { .t = { .step = stuck_step, .cpu = -1 } };
	struct rt *rt = make(ops);
	if (rt_event_new(rt, &s.ev))
		FAIL("event_new");
	spawn(rt, &s.t);
	int err = rt->ops->run(rt);
	if (err != -EDEADLK)
		FAIL("%s: a wait nobody notifies: run returned %d, want -EDEADLK", ops->name, err);
	struct rt_stats st = stats(rt);
	if (st.spawned != 1 || st.completed != 0)
		FAIL("%s: stuck stats", ops->name);
	rt_event_free(rt, s.ev);
	ops->destroy(rt); /* with the task still parked: no leak, no crash */
}

/* ---- a woken task held for the next switch is never lost -------------- */

/* coro and epoll hold the waiter a notify woke (coro.c's next, epoll.c's
 * ep_resume) and must give it back to the ready queue wherever they cannot
 * switch to it; one dropped there is a task that never runs (-EDEADLK, or
 * counts short).
 * Run 1: the event pingpong beside a task sleeping 1 ms twice, so a
 * timer is set: the pair uses up its hand-over budget and goes through the
 * scheduler, holding, again and again. On coro and epoll the pair runs
 * 1,000,000 rounds (tens of ms) and the sleeper must be done before it
 * ends: hand-overs that never gave the loop its look at the timers would
 * wake it only once the pair is done.
 * Run 2, one path each: N notifies twice in a row (W1 held, W2 queued),
 * parks (to W1, which finishes); W2 notifies N and finishes holding it; N
 * notifies Z and yields holding it. coro's log must be "12nzy", the order
 * its ready queue gave before it held anything: a yield runs the held task
 * first; epoll's too. Elsewhere only the counts are checked (steal's two workers run
 * tasks at once). */

struct hold;
/* A task that waits on ev once, then logs c and is done (W1, Z). */
struct hold_waiter {
	struct rt_task t;
	struct hold *h;
	struct rt_event *ev;
	int state;
	char c;
};

struct hold {
	struct pp pp;
	struct rt_task sleeper, w2, n;
	struct hold_waiter w1, z;
	struct rt_event *ev, *evn, *evz;
	long sleeps;
	long pings_at_wake; /* pp.pings when the sleeper was done (held runtimes) */
	int held;           /* coro or epoll: one thread, and it holds */
	int w2s, ns;
	char log[8];
	_Atomic int nlog;
};

static void hold_log(struct hold *h, char c)
{
	int i = atomic_fetch_add(&h->nlog, 1);
	if (i < (int)sizeof h->log - 1)
		h->log[i] = c;
}

/* Two 1 ms sleeps: the pair's first ~1 ms of switches (tens of thousands)
 * run with a timer set. */
static struct rt_op hold_sleeper(struct rt_task *t, long res)
{
	struct hold *h = t->arg;
	(void)res;
	if (h->sleeps < 2) {
		h->sleeps++;
		return rt_op_sleep(1000000);
	}
	if (h->held) /* one thread: no race with the pair */
		h->pings_at_wake = h->pp.pings;
	return rt_op_done();
}

static struct rt_op hold_waiter_step(struct rt_task *t, long res)
{
	struct hold_waiter *w = t->arg;
	(void)res;
	if (w->state++ == 0)
		return rt_op_wait(w->ev);
	hold_log(w->h, w->c);
	return rt_op_done();
}

static struct rt_op hold_w2(struct rt_task *t, long res)
{
	struct hold *h = t->arg;
	(void)res;
	switch (h->w2s++) {
	case 0:
		return rt_op_wait(h->ev);
	case 1:
		hold_log(h, '2');
		return rt_op_notify(h->evn); /* holds N ... */
	default:
		return rt_op_done(); /* ... and finishes holding it */
	}
}

static struct rt_op hold_n(struct rt_task *t, long res)
{
	struct hold *h = t->arg;
	(void)res;
	switch (h->ns++) {
	case 0:
		return rt_op_notify(h->ev); /* W1, held */
	case 1:
		return rt_op_notify(h->ev); /* W2, queued behind it */
	case 2:
		return rt_op_wait(h->evn);
	case 3:
		hold_log(h, 'n');
		return rt_op_notify(h->evz); /* Z, held */
	case 4:
		return rt_op_sleep(0); /* a yield: Z first */
	default:
		hold_log(h, 'y');
		return rt_op_done();
	}
}

static void test_hold(const struct runtime *ops)
{
	struct hold *h = calloc(1, sizeof(*h));
	struct rt *rt = make(ops);
	h->held = ops == &rt_coro || ops == &rt_coro_ucontext || ops == &rt_epoll;
	/* ucontext's switch is a system call: 100,000 rounds take long enough */
	h->pp.rounds = h->held && ops != &rt_coro_ucontext ? HOLD_ROUNDS : 100000;
	if (rt_event_new(rt, &h->pp.to_ping) || rt_event_new(rt, &h->pp.to_pong))
		FAIL("%s: event_new", ops->name);
	h->pp.ping = (struct rt_task){ .step = ping_step, .arg = &h->pp, .cpu = -1 };
	h->pp.pong = (struct rt_task){ .step = pong_step, .arg = &h->pp, .cpu = -1 };
	h->sleeper = (struct rt_task){ .step = hold_sleeper, .arg = h, .cpu = -1 };
	spawn(rt, &h->pp.ping);
	spawn(rt, &h->pp.pong);
	spawn(rt, &h->sleeper);
	int err = rt->ops->run(rt);
	struct rt_stats st = stats(rt);
	if (err || h->pp.pings != h->pp.rounds || h->pp.pongs != h->pp.rounds || h->pp.ping_bad ||
	    h->pp.pong_bad || h->sleeps != 2 || st.completed != 3 ||
	    (h->held && h->pings_at_wake >= h->pp.rounds))
		FAIL("%s: pingpong beside a sleeper: run %d, %ld/%ld rounds, bad %ld %ld, %ld sleeps, "
		     "%llu of 3 done, sleeper done at round %ld of %ld", ops->name, err, h->pp.pings,
		     h->pp.pongs, h->pp.ping_bad, h->pp.pong_bad, h->sleeps,
		     (unsigned long long)st.completed, h->pings_at_wake, h->pp.rounds);
	rt_event_free(rt, h->pp.to_ping);
	rt_event_free(rt, h->pp.to_pong);
	ops->destroy(rt);

	rt = make(ops);
	if (rt_event_new(rt, &h->ev) || rt_event_new(rt, &h->evn) || rt_event_new(rt, &h->evz))
		FAIL("%s: event_new", ops->name);
	h->w1 = (struct hold_waiter){ .t = { .step = hold_waiter_step, .arg = &h->w1, .cpu = -1 },
	                              .h = h, .ev = h->ev, .c = '1' };
	h->z = (struct hold_waiter){ .t = { .step = hold_waiter_step, .arg = &h->z, .cpu = -1 },
	                             .h = h, .ev = h->evz, .c = 'z' };
	h->w2 = (struct rt_task){ .step = hold_w2, .arg = h, .cpu = -1 };
	h->n = (struct rt_task){ .step = hold_n, .arg = h, .cpu = -1 };
	spawn(rt, &h->w1.t); /* the waiters park before N runs */
	spawn(rt, &h->w2);
	spawn(rt, &h->z.t);
	spawn(rt, &h->n);
	err = rt->ops->run(rt);
	st = stats(rt);
	if (err || h->w1.state != 2 || h->w2s != 3 || h->z.state != 2 || h->ns != 6 || st.completed != 4 ||
	    h->nlog != 5 || (h->held && strcmp(h->log, "12nzy")))
		FAIL("%s: notify twice, finish and yield holding: run %d, states %d %d %d %d, "
		     "%llu of 4 done, log \"%s\"%s", ops->name, err, h->w1.state, h->w2s, h->z.state, h->ns,
		     (unsigned long long)st.completed, h->log, h->held ? " (want \"12nzy\")" : "");
	rt_event_free(rt, h->ev);
	rt_event_free(rt, h->evn);
	rt_event_free(rt, h->evz);
	ops->destroy(rt);
	printf("%s: held wake-ups all ran (pingpong beside 1 ms sleeps, done at round %ld of %ld; "
	       "log %s)\n", ops->name, h->pings_at_wake, h->pp.rounds, h->log);
	free(h);
}

int main(int argc, char **argv)
{
	/* `unit_loop bench [rounds]`: ns per switch of the event pingpong on
	 * each runtime (not a test; run it pinned: taskset -c 0). */
	if (argc > 1 && strcmp(argv[1], "bench") == 0) {
		long rounds = argc > 2 ? atol(argv[2]) : 1000000;
		for (int r = 0; r < 3; r++)
			for (size_t i = 0; i < sizeof rts / sizeof rts[0]; i++)
				printf("%-14s %.1f ns/switch (%ld rounds)\n", rts[i]->name,
				       test_pingpong(rts[i], rounds), rounds);
		return 0;
	}

	/* `unit_loop NAME...`: those runtimes only (to loop one under stress). */
	for (size_t i = 0; i < sizeof rts / sizeof rts[0]; i++) {
		const struct runtime *ops = rts[i];
		int named = argc < 2;
		for (int k = 1; k < argc; k++)
			named |= strcmp(argv[k], ops->name) == 0;
		if (!named)
			continue;
		alarm(60); /* a loop blocked in a syscall would hang: fail instead */
		if (ops->params == NULL || ops->create == NULL)
			FAIL("%s: incomplete vtable", ops->name);
		test_sleep(ops, SLEEPERS, 50 * 1000000ull, SLEEPERS_LIMIT_NS);
		double ns = test_pingpong(ops, 100000);
		printf("%s: pingpong 100000 rounds, %.1f ns per switch\n", ops->name, ns);
		test_stream(ops, 0);
		test_stream(ops, 1);
		test_short_reads(ops);
		test_accept(ops);
		test_reuse(ops);
		test_spawn_from_step(ops);
		test_offload(ops);
		test_deadlock(ops);
		test_hold(ops);
		test_sleep(ops, MANY, 100 * 1000000ull, 30000 * 1000000ull);
	}
	alarm(0);
	return 0;
}
