/* unit_omp — the omp runtime: a team too small for tasks that wait on each
 * other is reported (-EDEADLK, limit "team-deadlock"), never a hang; tasks
 * that wait on each other with nobody left to notify give "task-deadlock";
 * a team large enough runs the same tasks; spawns from a step become tasks
 * of the team and run beside their blocked parent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/base/base.h"
#include "runtimes/runtime.h"

#include "tests/check.h"

extern const struct runtime rt_omp;

static struct rt *make(int64_t threads)
{
	static const int cpus[] = { 0, 1 };
	struct rt_env env = { .ncpus = 2, .cpus = cpus };
	struct rt *rt = NULL;
	REQUIRE(rt_omp.create(&rt, &env, &threads) == 0);
	REQUIRE(rt->max_concurrency == (uint64_t)threads);
	return rt;
}

/* ---- two tasks passing a token ------------------------------------------ */

struct pp {
	struct rt_task t;
	struct rt_event *mine, *other;
	long rounds, done;
	int serve; /* the server waits first */
	int state;
};

static struct rt_op pp_step(struct rt_task *t, long res)
{
	struct pp *p = (struct pp *)t;
	(void)res;
	if (p->done == p->rounds)
		return rt_op_done();
	/* state 0: (client) notify or (server) wait; 1: the other half */
	if (p->state++ % 2 == (p->serve ? 0 : 1))
		return rt_op_wait(p->mine);
	p->done++;
	return rt_op_notify(p->other);
}

static int pingpong(struct rt *rt, long rounds, uint64_t *ns)
{
	struct rt_event *ev[2];
	REQUIRE(rt_event_new(rt, &ev[0]) == 0 && rt_event_new(rt, &ev[1]) == 0);
	/* The server is spawned first: with one thread it waits for a client
	 * that sits in the queue behind it. */
	struct pp pp[2] = {
		{ .t = { .step = pp_step, .cpu = -1 }, .mine = ev[0], .other = ev[1], .rounds = rounds, .serve = 1 },
		{ .t = { .step = pp_step, .cpu = -1 }, .mine = ev[1], .other = ev[0], .rounds = rounds },
	};
	REQUIRE(rt_spawn(rt, &pp[0].t) == 0 && rt_spawn(rt, &pp[1].t) == 0);
	uint64_t t0 = h_now_ns();
	int rc = rt->ops->run(rt);
	*ns = h_now_ns() - t0;
	rt_event_free(rt, ev[0]);
	rt_event_free(rt, ev[1]);
	return rc;
}

static void test_too_small(void)
{
	struct rt *rt = make(1);
	uint64_t ns;
	int rc = pingpong(rt, 1000, &ns);
	struct rt_stats st;
	rt->ops->stats(rt, &st);
	printf("omp(1): pingpong -> %d (%s) after %.0f ms, limit \"%s\"\n", rc, strerror(-rc),
	       ns / 1e6, st.limit);
	REQUIRE(rc == -EDEADLK);
	REQUIRE(st.err == -EDEADLK && strcmp(st.limit, "team-deadlock") == 0);
	REQUIRE(st.spawned == 2 && st.completed == 0);
	REQUIRE(ns < 5000000000u);
	rt->ops->destroy(rt);
}

static void test_large_enough(void)
{
	struct rt *rt = make(2);
	uint64_t ns;
	REQUIRE(pingpong(rt, 1000, &ns) == 0);
	struct rt_stats st;
	rt->ops->stats(rt, &st);
	REQUIRE(st.err == 0 && st.spawned == 2 && st.completed == 2);
	printf("omp(2): pingpong 1000 rounds in %.1f ms\n", ns / 1e6);
	rt->ops->destroy(rt);
}

/* ---- nobody left to notify ------------------------------------------------ */

static struct rt_op stuck_step(struct rt_task *t, long res)
{
	(void)res;
	return rt_op_wait(t->arg);
}

static void test_stuck(void)
{
	struct rt *rt = make(2);
	struct rt_event *ev;
	REQUIRE(rt_event_new(rt, &ev) == 0);
	struct rt_task s = { .step = stuck_step, .arg = ev, .cpu = -1 };
	REQUIRE(rt_spawn(rt, &s) == 0);
	int rc = rt->ops->run(rt);
	struct rt_stats st;
	rt->ops->stats(rt, &st);
	printf("omp(2): a wait nobody notifies -> %d, limit \"%s\"\n", rc, st.limit);
	REQUIRE(rc == -EDEADLK && strcmp(st.limit, "task-deadlock") == 0);
	rt_event_free(rt, ev);
	rt->ops->destroy(rt);
}

/* ---- spawning from a step ----------------------------------------------- */

#define KIDS 50

struct family {
	struct rt_task parent, kids[KIDS];
	struct rt_event *ev;
	struct rt *rt;
	int waited, spawned;
};

static struct rt_op kid_step(struct rt_task *t, long res)
{
	(void)res;
	if (t->priv == (void *)1)
		return rt_op_done();
	t->priv = (void *)1; /* the runtime's field, unused by omp */
	return rt_op_notify(((struct family *)t->arg)->ev);
}

static struct rt_op parent_step(struct rt_task *t, long res)
{
	struct family *f = t->arg;
	(void)res;
	if (!f->spawned) {
		f->spawned = 1;
		for (int i = 0; i < KIDS; i++) {
			f->kids[i] = (struct rt_task){ .step = kid_step, .arg = f, .cpu = -1 };
			REQUIRE(rt_spawn(f->rt, &f->kids[i]) == 0);
		}
	}
	/* Blocks its thread until every kid notified. */
	if (f->waited++ < KIDS)
		return rt_op_wait(f->ev);
	return rt_op_done();
}

static int family(int64_t threads, struct rt_stats *st)
{
	static struct family f;
	memset(&f, 0, sizeof f);
	f.rt = make(threads);
	REQUIRE(rt_event_new(f.rt, &f.ev) == 0);
	f.parent = (struct rt_task){ .step = parent_step, .arg = &f, .cpu = -1 };
	REQUIRE(rt_spawn(f.rt, &f.parent) == 0);
	int rc = f.rt->ops->run(f.rt);
	f.rt->ops->stats(f.rt, st);
	rt_event_free(f.rt, f.ev);
	f.rt->ops->destroy(f.rt);
	return rc;
}

static void test_spawn_from_step(void)
{
	struct rt_stats st;
	int rc = family(2, &st);
	printf("omp(2): a step spawned %d tasks, its thread blocked on them: %d, completed %llu\n",
	       KIDS, rc, (unsigned long long)st.completed);
	REQUIRE(rc == 0 && st.spawned == 1 + KIDS && st.completed == 1 + KIDS);
	/* One thread: with libgomp the parent holds it, its kids are queued
	 * behind it. LLVM's libomp (CB_OMP=llvm; it alone exports __kmpc_*)
	 * runs every task of a one-thread team at once, inside the spawn:
	 * the kids are done before the parent waits. */
	rc = family(1, &st);
	printf("omp(1): the same -> %d, limit \"%s\"\n", rc, st.limit);
	if (dlsym(RTLD_DEFAULT, "__kmpc_global_thread_num"))
		REQUIRE(rc == 0 && st.completed == 1 + KIDS);
	else
		REQUIRE(rc == -EDEADLK && strcmp(st.limit, "team-deadlock") == 0 && st.completed == 0);
}

/* libgomp cannot run a region in a child forked after one ran: create()
 * refuses there instead of hanging. LLVM's libomp starts afresh. */
static void test_fork(void)
{
	fflush(stdout);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int libomp = dlsym(RTLD_DEFAULT, "__kmpc_global_thread_num") != NULL;
		int64_t threads = 2;
		struct rt *rt = NULL;
		int err = rt_omp.create(&rt, NULL, &threads);
		if (libomp && err == 0) {
			uint64_t ns;
			_exit(pingpong(rt, 100, &ns) == 0 ? 0 : 3);
		}
		printf("omp in a child forked after a region: create -> %d (%s)\n", err,
		       strerror(-err));
		fflush(stdout);
		_exit(!libomp && err == -ENOTSUP ? 0 : 2);
	}
	int st;
	REQUIRE(waitpid(pid, &st, 0) == pid);
	REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	alarm(30); /* the detector must end a stuck team: a hang fails here */
	test_large_enough();
	test_too_small();
	test_stuck();
	test_spawn_from_step();
	test_fork();
	return 0;
}
