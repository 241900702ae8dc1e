/* unit_epoll_loops — the epoll runtime with loops=N (thread-per-core):
 *  - a task runs on loop shard % N: every task of a shard runs on one
 *    thread, different shards on different threads, and each loop's thread
 *    is bound to its CPU (round robin over the run's CPUs);
 *  - a loop with no task of its own waits: a task on loop 0 sleeps 50 ms and
 *    only then spawns onto loop 1, which must still be there to run it;
 *  - cross-loop spawns from steps, both ways, 2 × 2000 of them, all run,
 *    each on the loop it named;
 *  - an event pingpong inside loop 1 works; a wait on an event that belongs
 *    to another loop gets -EXDEV;
 *  - stats count the workload's tasks only (not the loops' mailboxes);
 *  - a run with no task returns at once, and the runtime runs again after.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtimes/runtime.h"

#include "tests/check.h"

#define LOOPS 3
#define FANOUT 2000

static pthread_t loop_thread[LOOPS];
static _Atomic int loop_seen[LOOPS];
static _Atomic int wrong_thread, wrong_cpu;
static int cpus[CPU_SETSIZE], ncpus;

/* Every step checks it runs on its shard's thread (the first step seen on
 * a shard records the thread) and on that loop's CPU. */
static void check_place(int shard)
{
	shard %= LOOPS;
	int exp = 0;
	if (atomic_compare_exchange_strong(&loop_seen[shard], &exp, 1))
		loop_thread[shard] = pthread_self();
	else if (!pthread_equal(loop_thread[shard], pthread_self()))
		atomic_store(&wrong_thread, 1);
	if (sched_getcpu() != cpus[shard % ncpus])
		atomic_store(&wrong_cpu, 1);
}

static struct rt *the_rt;

/* ---- fan-out: a task on loop a spawns FANOUT tasks onto loop b ---------- */

struct leaf {
	struct rt_task t;
};
static struct leaf leaves[2][FANOUT];
static _Atomic int leaves_run[LOOPS];

static struct rt_op leaf_step(struct rt_task *t, long res)
{
	(void)res;
	check_place(t->shard);
	atomic_fetch_add(&leaves_run[t->shard], 1);
	return rt_op_done();
}

struct root {
	struct rt_task t;
	int to;       /* shard the leaves go to */
	int which;    /* leaves[which] */
	int state;
	uint64_t delay_ns;
};

static struct rt_op root_step(struct rt_task *t, long res)
{
	(void)res;
	struct root *r = t->arg;
	check_place(t->shard);
	if (r->state == 0 && r->delay_ns) {
		r->state = 1;
		return rt_op_sleep(r->delay_ns);
	}
	for (int i = 0; i < FANOUT; i++) {
		struct leaf *l = &leaves[r->which][i];
		l->t = (struct rt_task){ .step = leaf_step, .arg = l, .cpu = -1, .shard = r->to };
		int err = rt_spawn(the_rt, &l->t);
		if (err)
			FAIL("spawn from a step: %s", strerror(-err));
	}
	return rt_op_done();
}

/* ---- events --------------------------------------------------------------- */

struct pp {
	struct rt_task ping, pong;
	struct rt_event *to_ping, *to_pong;
	int ps, qs, rounds, pr, qr;
};

static struct rt_op ping_step(struct rt_task *t, long res)
{
	struct pp *p = t->arg;
	check_place(t->shard);
	if (res)
		FAIL("ping: %ld", res);
	if (p->ps == 1) {
		p->ps = 2;
		return rt_op_wait(p->to_ping);
	}
	if (p->ps == 2 && ++p->pr == p->rounds)
		return rt_op_done();
	p->ps = 1;
	return rt_op_notify(p->to_pong);
}

static struct rt_op pong_step(struct rt_task *t, long res)
{
	struct pp *p = t->arg;
	check_place(t->shard);
	if (res)
		FAIL("pong: %ld", res);
	if (p->qs == 1) {
		p->qs = 0;
		++p->qr;
		return rt_op_notify(p->to_ping);
	}
	if (p->qr == p->rounds)
		return rt_op_done();
	p->qs = 1;
	return rt_op_wait(p->to_pong);
}

/* Waits on an event first used by another loop: -EXDEV. */
struct xdev {
	struct rt_task t;
	struct rt_event *ev;
	int state;
	long got;
};

static struct rt_op xdev_step(struct rt_task *t, long res)
{
	struct xdev *x = t->arg;
	if (x->state++ == 0)
		return rt_op_wait(x->ev);
	x->got = res;
	return rt_op_done();
}

int main(void)
{
	alarm(60);
	ncpus = t_allowed_cpus(cpus, CPU_SETSIZE);

	const struct runtime *ep = rt_find("epoll");
	if (!ep || !ep->params[0].name || strcmp(ep->params[0].name, "loops") != 0)
		FAIL("epoll has no loops parameter");
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
	int64_t params[2] = { LOOPS, 4 }; /* loops, offload_threads */
	int err = ep->create(&the_rt, &env, params);
	if (err)
		FAIL("create loops=%d: %s", LOOPS, strerror(-err));
	if (the_rt->shards != LOOPS)
		FAIL("rt->shards %d, want %d", the_rt->shards, LOOPS);

	/* Loop 2 has no task before run(): root 0 (loop 0) fills it after a
	 * sleep. Root 1 (loop 1) sends its leaves to loop 0. Ping runs on loop
	 * 1, and so does pong (shard LOOPS + 1). */
	struct root r0 = { .t = { .step = root_step, .cpu = -1, .shard = 0 }, .to = 2, .which = 0,
	                   .delay_ns = 50000000 };
	struct root r1 = { .t = { .step = root_step, .cpu = -1, .shard = 1 }, .to = 0, .which = 1 };
	r0.t.arg = &r0;
	r1.t.arg = &r1;
	struct pp p = { .rounds = 10000 };
	if (ep->event_new(the_rt, &p.to_ping) || ep->event_new(the_rt, &p.to_pong))
		FAIL("event_new");
	p.ping = (struct rt_task){ .step = ping_step, .arg = &p, .cpu = -1, .shard = 1 };
	p.pong = (struct rt_task){ .step = pong_step, .arg = &p, .cpu = -1, .shard = LOOPS + 1 };
	if (rt_spawn(the_rt, &r0.t) || rt_spawn(the_rt, &r1.t) || rt_spawn(the_rt, &p.ping) ||
	    rt_spawn(the_rt, &p.pong))
		FAIL("spawn before run");
	err = ep->run(the_rt);
	if (err)
		FAIL("run: %s", strerror(-err));
	if (atomic_load(&leaves_run[2]) != FANOUT || atomic_load(&leaves_run[0]) != FANOUT)
		FAIL("leaves run: loop 0 %d, loop 2 %d, want %d each", leaves_run[0], leaves_run[2],
		     FANOUT);
	if (p.pr != p.rounds || p.qr != p.rounds)
		FAIL("pingpong on loop 1: %d/%d rounds", p.pr, p.qr);
	if (wrong_thread)
		FAIL("a task ran on another loop's thread");
	if (wrong_cpu)
		FAIL("a loop did not run on its CPU");
	for (int i = 0; i < LOOPS; i++)
		for (int j = i + 1; j < LOOPS; j++)
			if (pthread_equal(loop_thread[i], loop_thread[j]))
				FAIL("loops %d and %d share a thread", i, j);
	struct rt_stats st;
	ep->stats(the_rt, &st);
	uint64_t want = 4 + 2 * FANOUT;
	if (st.spawned != want || st.completed != want || st.err)
		FAIL("stats: spawned %llu completed %llu err %d, want %llu", (unsigned long long)st.spawned,
		     (unsigned long long)st.completed, st.err, (unsigned long long)want);
	if (st.peak_live < 4 || st.peak_live > want)
		FAIL("peak_live %llu", (unsigned long long)st.peak_live);

	/* Nothing to do: returns at once. */
	err = ep->run(the_rt);
	if (err)
		FAIL("empty run: %s", strerror(-err));

	/* The event to_pong belongs to loop 1 now (pong ran there: shard
	 * LOOPS + 1 is loop 1): a wait from loop 0 gets -EXDEV. Also shows a
	 * second run works. */
	struct xdev x = { .t = { .step = xdev_step, .cpu = -1, .shard = 0 }, .ev = p.to_pong };
	x.t.arg = &x;
	if (rt_spawn(the_rt, &x.t))
		FAIL("spawn");
	err = ep->run(the_rt);
	if (err)
		FAIL("third run: %s", strerror(-err));
	if (x.got != -EXDEV)
		FAIL("wait on another loop's event: %ld, want -EXDEV", x.got);

	ep->event_free(the_rt, p.to_ping);
	ep->event_free(the_rt, p.to_pong);
	ep->destroy(the_rt);
	printf("unit_epoll_loops: ok (%d loops on %d CPUs)\n", LOOPS, ncpus);
	return 0;
}
