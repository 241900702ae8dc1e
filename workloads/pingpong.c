/* pingpong — two tasks pass a token `rounds` times through two runtime
 * events. Every hand-over parks one task and resumes the other, so the time
 * per hand-over is the runtime's switch cost: a futex wake and a kernel
 * context switch on threads, a heap-free queue move and a register swap on
 * coroutines. A round trip is two switches. */
#define _GNU_SOURCE /* sched_getcpu */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "workload.h"

static const struct cb_param pingpong_params[] = {
	{ "rounds", "rounds", "round trips of the token", 100000, 1, 1000000000 },
	{ "min_ms", "ms",
	  "with > 0: the timed region lasts at least this long: the token goes on in more "
	  "batches of `rounds` round trips (the checksum is the first batch's); 0 = rounds only",
	  0, 0, 60000 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

struct pingpong_state {
	struct rt_task ping, pong;
	struct rt_event *to_ping, *to_pong;
	int64_t rounds, warm; /* the first `warm` rounds are untimed: they
	                       * include creating the second task */
	int64_t batch;        /* the rounds parameter: rounds grows by it */
	uint64_t min_ns;      /* min_ms: the timed region at least this */
	uint64_t check;       /* the checksum, after the first batch */
	int stop;             /* ping is done: written before its last notify */
	int64_t ping_rounds, pong_rounds;
	int64_t ping_mark;    /* ping_step calls ping_mark at this count */
	int ping_state, pong_state;
	/* The token: each side transforms it, and the events order the accesses
	 * (a notify publishes, the matching wait acquires). */
	uint64_t token;
	uint64_t t0, t1;
	/* Where each side actually ran (bit n: CPU n), sampled every 1024
	 * rounds and at the ends: sched_getcpu is cheap (vDSO/rseq) but not
	 * free, and placement is a result only if it is checked. */
	uint64_t ping_cpus, pong_cpus;
};

static uint64_t cpu_bit(void)
{
	int c = sched_getcpu();
	return c >= 0 && c < 64 ? 1ull << c : 0;
}

/* The next count of ping's rounds at which ping_mark has something to do
 * (the warm-up's end, a CPU sample every 1024 rounds, the first batch's
 * checksum, the last round): every other round is the plain hand-over of
 * ping_step, which then makes no call and tests one count. */
static int64_t ping_next_mark(const struct pingpong_state *s)
{
	int64_t r = s->ping_rounds, n = (r | 1023) + 1;
	if (s->warm > r && s->warm < n)
		n = s->warm;
	if (s->batch > r && s->batch < n)
		n = s->batch;
	return s->rounds < n ? s->rounds : n;
}

/* A round that reached s->ping_mark: what the plain path skips. noinline
 * and cold, so gcc moves the call into ping_step's cold part and the plain
 * path saves no register: with the calls inline, each step pushed and
 * popped two or three on every round (the two steps of a switch: 75 -> 64
 * instructions, callgrind). pong_mark, pong_end and ping_serve likewise. */
static __attribute__((noinline, cold)) struct rt_op ping_mark(struct pingpong_state *s)
{
	if (s->ping_rounds == s->warm)
		s->t0 = wl_now_ns();
	if ((s->ping_rounds & 1023) == 0)
		s->ping_cpus |= cpu_bit();
	if (s->ping_rounds == s->batch)
		s->check = s->token ^ (uint64_t)s->ping_rounds;
	if (s->ping_rounds == s->rounds && !s->min_ns) {
		/* rounds alone: pong stops by itself at the same count (rounds
		 * never changes then), with no extra hand-over. */
		s->t1 = wl_now_ns();
		s->ping_cpus |= cpu_bit();
		s->stop = 1;
		return rt_op_done();
	}
	if (s->ping_rounds == s->rounds) {
		uint64_t now = wl_now_ns();
		/* Too short a timed region reads the clock's and the timer
		 * tick's noise: go on for another batch. Only ping reads or
		 * writes rounds, so pong needs no word of it. */
		if (now - s->t0 < s->min_ns && s->rounds <= INT64_MAX / 2) {
			s->rounds += s->batch;
		} else {
			s->t1 = now;
			s->ping_cpus |= cpu_bit();
			s->stop = 1; /* published by the notify */
			s->ping_state = 3;
			return rt_op_notify(s->to_pong);
		}
	}
	s->ping_mark = ping_next_mark(s);
	s->ping_state = 1;
	return rt_op_notify(s->to_pong);
}

/* The first serve, out of ping_step's path. */
static __attribute__((noinline, cold)) struct rt_op ping_serve(struct pingpong_state *s)
{
	s->ping_state = 1;
	s->ping_cpus |= cpu_bit();
	if (s->warm == 0)
		s->t0 = wl_now_ns();
	return rt_op_notify(s->to_pong);
}

static struct rt_op ping_step(struct rt_task *t, long res)
{
	(void)res;
	struct pingpong_state *s = t->arg;
	switch (s->ping_state) {
	case 0: /* serve */
		return ping_serve(s);
	case 1: /* served: wait for the return */
		s->ping_state = 2;
		return rt_op_wait(s->to_ping);
	case 3: /* pong was told to stop */
		return rt_op_done();
	default: /* the token is back */
		s->ping_rounds++;
		s->token = wl_mix64(s->token ^ (uint64_t)s->ping_rounds);
		if (__builtin_expect(s->ping_rounds == s->ping_mark, 0))
			return ping_mark(s);
		s->ping_state = 1;
		return rt_op_notify(s->to_pong);
	}
}

/* Pong's end: where it ran, then done. */
static __attribute__((noinline, cold)) struct rt_op pong_end(struct pingpong_state *s)
{
	s->pong_cpus |= cpu_bit();
	return rt_op_done();
}

/* The token goes back: pong's plain round. */
static inline struct rt_op pong_return(struct pingpong_state *s)
{
	s->pong_rounds++;
	s->token = wl_mix64(s->token + 1);
	s->pong_state = 2;
	return rt_op_notify(s->to_ping);
}

/* Pong's rounds that sample its CPU, or its end, out of pong_step's path
 * as ping_mark is out of ping's. */
static __attribute__((noinline, cold)) struct rt_op pong_mark(struct pingpong_state *s)
{
	if (s->stop)
		return pong_end(s);
	s->pong_cpus |= cpu_bit();
	return pong_return(s);
}

static struct rt_op pong_step(struct rt_task *t, long res)
{
	(void)res;
	struct pingpong_state *s = t->arg;
	switch (s->pong_state) {
	case 0: /* wait for a serve */
		s->pong_state = 1;
		return rt_op_wait(s->to_pong);
	case 1: /* got it: return it, or stop when ping says so */
		if (__builtin_expect(s->stop || (s->pong_rounds & 1023) == 0, 0))
			return pong_mark(s); /* samples the CPU on the way */
		return pong_return(s);
	default:
		/* Without min_ms, rounds is a constant both sides may read. */
		if (!s->min_ns && s->pong_rounds == s->rounds)
			return pong_end(s);
		s->pong_state = 1;
		return rt_op_wait(s->to_pong);
	}
}

static int pingpong_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	struct pingpong_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	*state = s;
	s->rounds = s->batch = p[0];
	s->min_ns = (uint64_t)p[1] * 1000000u;
	s->warm = s->rounds / 10;
	s->ping_mark = ping_next_mark(s);
	s->token = 0x9e3779b97f4a7c15ull;
	int err = rt_event_new(rt, &s->to_ping);
	if (!err)
		err = rt_event_new(rt, &s->to_pong);
	if (err)
		return err;
	/* --placement: the harness picks the two CPUs; a runtime that runs
	 * tasks on threads of their own binds each there. */
	s->ping = (struct rt_task){ .step = ping_step, .arg = s, .cpu = env ? env->cpu_a : -1 };
	s->pong = (struct rt_task){ .step = pong_step, .arg = s, .cpu = env ? env->cpu_b : -1 };
	err = rt_spawn(rt, &s->ping);
	if (!err)
		err = rt_spawn(rt, &s->pong);
	return err;
}

static void pingpong_finish(void *state, struct wl_report *rep)
{
	struct pingpong_state *s = state;
	/* The first batch's: the same for every runtime, however many
	 * batches its min_ms took. */
	rep->checksum = s->check;
	if (s->ping_rounds != s->rounds || s->pong_rounds != s->rounds || !s->stop)
		return;
	double timed = (double)(s->rounds - s->warm);
	double ns = (double)(s->t1 - s->t0);
	wl_metric(rep, "ns_per_roundtrip", "ns", ns / timed);
	wl_metric(rep, "ns_per_switch", "ns", ns / (2 * timed));
	wl_metric(rep, "rounds_run", "rounds", (double)s->rounds);
	wl_metric(rep, "timed_ms", "ms", ns / 1e6);
	wl_metric(rep, "ping_cpus", "cpu mask", (double)s->ping_cpus);
	wl_metric(rep, "pong_cpus", "cpu mask", (double)s->pong_cpus);
}

static void pingpong_teardown(void *state, struct rt *rt)
{
	struct pingpong_state *s = state;
	if (s->to_ping)
		rt_event_free(rt, s->to_ping);
	if (s->to_pong)
		rt_event_free(rt, s->to_pong);
	free(s);
}

const struct workload wl_pingpong = {
	.name = "pingpong",
	.desc = "two tasks pass a token through runtime events: the cost of one switch",
	.params = pingpong_params,
	.setup = pingpong_setup,
	.finish = pingpong_finish,
	.teardown = pingpong_teardown,
};
