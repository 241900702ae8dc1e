/* pipepingpong — pingpong where the token travels through a pair of pipes:
 * ping writes the 8-byte token into one pipe and reads the answer from the
 * other, pong reads it, transforms it and writes it back. Every hand-over
 * is driven by I/O readiness, not by a runtime event: a blocking read woken
 * by the kernel on threads and the pool, an epoll_wait reporting the pipe
 * readable on the event loop and coroutines (claim C6: do async tasks keep
 * their edge when every switch is an fd wake-up?). A round trip is two
 * switches and four syscalls of I/O on every runtime.
 *
 * Same conventions as pingpong: the first rounds/10 are untimed warm-up,
 * ns_per_switch is half of ns_per_roundtrip, the checksum is the token's
 * transform chain (the same value pingpong computes, so one reference serves
 * both), placement comes from env->cpu_a / cpu_b. */
#define _GNU_SOURCE /* pipe2, sched_getcpu */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

static const struct cb_param pp_params[] = {
	{ "rounds", "rounds", "round trips of the token", 100000, 1, 1000000000 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

enum { SIDE_START, SIDE_READ, SIDE_WRITE };

struct side {
	struct rt_task t;
	struct pp_state *s;
	int state;
	int rfd, wfd;    /* the pipe ends this side reads and writes */
	size_t off;      /* of the 8-byte transfer in progress */
	uint64_t in, out;
	int64_t rounds;
	uint64_t cpus;   /* where it ran (bit n: CPU n), sampled as in pingpong */
};

struct pp_state {
	struct side ping, pong;
	int p2q[2], q2p[2]; /* ping → pong, pong → ping */
	int64_t rounds, warm;
	uint64_t token;     /* ping's, after each return */
	uint64_t t0, t1;
	char error[96];
};

static uint64_t cpu_bit(void)
{
	int c = sched_getcpu();
	return c >= 0 && c < 64 ? 1ull << c : 0;
}

/* A pipe failed (it cannot, short of a bug): say so, and close this side's
 * write end so the other side's read sees EOF and ends too instead of
 * waiting forever. */
static struct rt_op side_fail(struct side *d, const char *what, long res)
{
	struct pp_state *s = d->s;
	if (!s->error[0])
		snprintf(s->error, sizeof s->error, "%s: %s", what,
		         res < 0 ? strerror((int)-res) : "unexpected end of file");
	if (d->wfd >= 0) {
		close(d->wfd);
		if (d == &s->ping)
			s->p2q[1] = -1;
		else
			s->q2p[1] = -1;
		d->wfd = -1;
	}
	return rt_op_done();
}

/* Moves the rest of an 8-byte transfer: pipe writes of up to PIPE_BUF are
 * atomic, so a short count never happens in practice; it is handled anyway. */
static int partial(struct side *d, long res)
{
	d->off += (size_t)res;
	return d->off < sizeof(uint64_t);
}

static struct rt_op send_token(struct side *d)
{
	d->state = SIDE_WRITE;
	d->off = 0;
	return rt_op_write(d->wfd, &d->out, sizeof d->out);
}

static struct rt_op recv_token(struct side *d)
{
	d->state = SIDE_READ;
	d->off = 0;
	return rt_op_read(d->rfd, &d->in, sizeof d->in);
}

static struct rt_op ping_step(struct rt_task *t, long res)
{
	struct side *d = t->arg;
	struct pp_state *s = d->s;
	switch (d->state) {
	case SIDE_START:
		d->cpus |= cpu_bit();
		if (s->warm == 0)
			s->t0 = wl_now_ns();
		d->out = s->token;
		return send_token(d);
	case SIDE_WRITE:
		if (res < 0)
			return side_fail(d, "ping: write", res);
		if (partial(d, res))
			return rt_op_write(d->wfd, (char *)&d->out + d->off, sizeof d->out - d->off);
		return recv_token(d);
	default: /* SIDE_READ: the token is back */
		if (res <= 0)
			return side_fail(d, "ping: read", res);
		if (partial(d, res))
			return rt_op_read(d->rfd, (char *)&d->in + d->off, sizeof d->in - d->off);
		d->rounds++;
		s->token = wl_mix64(d->in ^ (uint64_t)d->rounds);
		if (d->rounds == s->warm)
			s->t0 = wl_now_ns();
		if ((d->rounds & 1023) == 0)
			d->cpus |= cpu_bit();
		if (d->rounds == s->rounds) {
			s->t1 = wl_now_ns();
			d->cpus |= cpu_bit();
			return rt_op_done();
		}
		d->out = s->token;
		return send_token(d);
	}
}

static struct rt_op pong_step(struct rt_task *t, long res)
{
	struct side *d = t->arg;
	struct pp_state *s = d->s;
	switch (d->state) {
	case SIDE_START:
		return recv_token(d);
	case SIDE_READ:
		if (res <= 0)
			return side_fail(d, "pong: read", res);
		if (partial(d, res))
			return rt_op_read(d->rfd, (char *)&d->in + d->off, sizeof d->in - d->off);
		d->rounds++;
		if ((d->rounds & 1023) == 1 || d->rounds == s->rounds)
			d->cpus |= cpu_bit();
		d->out = wl_mix64(d->in + 1);
		return send_token(d);
	default: /* SIDE_WRITE */
		if (res < 0)
			return side_fail(d, "pong: write", res);
		if (partial(d, res))
			return rt_op_write(d->wfd, (char *)&d->out + d->off, sizeof d->out - d->off);
		if (d->rounds == s->rounds)
			return rt_op_done();
		return recv_token(d);
	}
}

static int pp_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	struct pp_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	*state = s;
	s->p2q[0] = s->p2q[1] = s->q2p[0] = s->q2p[1] = -1;
	/* Both sides must be in progress at once. A pool of one worker would
	 * block it in ping's read forever, and a wait on an fd is invisible to
	 * its deadlock detector (it watches event waits): refuse up front. */
	if (rt->max_concurrency == 1)
		return -EDEADLK;
	s->rounds = p[0];
	s->warm = s->rounds / 10;
	s->token = 0x9e3779b97f4a7c15ull;
	/* Blocking pipes: the blocking runtimes need them so; the loop-based
	 * ones make an fd non-blocking themselves. */
	if (pipe2(s->p2q, O_CLOEXEC) < 0 || pipe2(s->q2p, O_CLOEXEC) < 0)
		return -errno;
	s->ping = (struct side){
		.t = { .step = ping_step, .arg = &s->ping, .cpu = env ? env->cpu_a : -1 },
		.s = s, .rfd = s->q2p[0], .wfd = s->p2q[1],
	};
	s->pong = (struct side){
		.t = { .step = pong_step, .arg = &s->pong, .cpu = env ? env->cpu_b : -1 },
		.s = s, .rfd = s->p2q[0], .wfd = s->q2p[1],
	};
	int err = rt_spawn(rt, &s->ping.t);
	if (!err)
		err = rt_spawn(rt, &s->pong.t);
	return err;
}

static void pp_finish(void *state, struct wl_report *rep)
{
	struct pp_state *s = state;
	rep->checksum = s->token ^ (uint64_t)s->ping.rounds;
	if (s->error[0]) {
		snprintf(rep->error, sizeof rep->error, "%s", s->error);
		return;
	}
	if (s->ping.rounds != s->rounds || s->pong.rounds != s->rounds)
		return;
	double timed = (double)(s->rounds - s->warm);
	double ns = (double)(s->t1 - s->t0);
	wl_metric(rep, "ns_per_roundtrip", "ns", ns / timed);
	wl_metric(rep, "ns_per_switch", "ns", ns / (2 * timed));
	wl_metric(rep, "ping_cpus", "cpu mask", (double)s->ping.cpus);
	wl_metric(rep, "pong_cpus", "cpu mask", (double)s->pong.cpus);
}

static void pp_teardown(void *state, struct rt *rt)
{
	(void)rt;
	struct pp_state *s = state;
	for (int i = 0; i < 2; i++) {
		if (s->p2q[i] >= 0)
			close(s->p2q[i]);
		if (s->q2p[i] >= 0)
			close(s->q2p[i]);
	}
	free(s);
}

const struct workload wl_pipepingpong = {
	.name = "pipepingpong",
	.desc = "pingpong through a pair of pipes: every switch is an fd wake-up",
	.params = pp_params,
	.setup = pp_setup,
	.load = NULL,
	.finish = pp_finish,
	.teardown = pp_teardown,
};
