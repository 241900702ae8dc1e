/* unit_uv — the uv runtime's cross-thread spawn: while run() is blocked in
 * libuv's epoll_wait with nothing to wake it but the async handle, other
 * threads spawn tasks into it; each notifies an event a loop task waits on.
 * Without the inbox and uv_async_send the spawned tasks never run and the
 * test ends at its alarm. Then: after the run, spawns go straight in again.
 * (unit_loop runs uv through the single-thread tests of epoll and coro.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtimes/runtime.h"

#include "tests/check.h"

extern const struct runtime rt_uv;

#define SPAWNERS 2
#define PER_SPAWNER 500

struct shared {
	struct rt *rt;
	struct rt_event *ev;
	int pipe[2];
	_Atomic int running;  /* the loop ran a step */
	_Atomic int a_done;   /* the waiter got every notify */
	_Atomic long kids_run;
	long a_waits, err;
	char buf[1];
};

static struct shared S;

/* Waits for every spawned kid's notify. */
static struct rt_op a_step(struct rt_task *t, long res)
{
	(void)t;
	if (res)
		S.err = res;
	atomic_store(&S.running, 1);
	if (S.a_waits++ < SPAWNERS * PER_SPAWNER)
		return rt_op_wait(S.ev);
	atomic_store(&S.a_done, 1);
	return rt_op_done();
}

/* Keeps the loop in epoll_wait on a pipe nobody writes until the end. */
static struct rt_op b_step(struct rt_task *t, long res)
{
	if (t->arg == NULL) {
		t->arg = &S;
		return rt_op_read(S.pipe[0], S.buf, 1);
	}
	if (res != 1)
		S.err = res < 0 ? res : -EPROTO;
	return rt_op_done();
}

static struct rt_op kid_step(struct rt_task *t, long res)
{
	(void)res;
	if (t->arg == NULL) {
		t->arg = &S;
		atomic_fetch_add(&S.kids_run, 1);
		return rt_op_notify(S.ev);
	}
	return rt_op_done();
}

static void *spawner(void *arg)
{
	struct rt_task *kids = arg;
	while (!atomic_load(&S.running))
		usleep(1000);
	for (int i = 0; i < PER_SPAWNER; i++) {
		kids[i] = (struct rt_task){ .step = kid_step, .cpu = -1 };
		if (rt_spawn(S.rt, &kids[i]))
			FAIL("spawn from another thread");
		if (i % 100 == 0)
			usleep(1000); /* let the loop go back to sleep in between */
	}
	return NULL;
}

/* Ends the run: b's read completes once a has every notify. */
static void *closer(void *arg)
{
	(void)arg;
	while (!atomic_load(&S.a_done))
		usleep(1000);
	if (write(S.pipe[1], "z", 1) != 1)
		FAIL("write");
	return NULL;
}

static struct rt_op after_step(struct rt_task *t, long res)
{
	(void)res;
	*(int *)t->arg = 1;
	return rt_op_done();
}

int main(void)
{
	alarm(20); /* a spawn the loop never hears of hangs it: fail instead */
	static const int cpus[] = { 0 };
	const struct rt_env env = { .ncpus = 1, .cpus = cpus };
	if (rt_uv.create(&S.rt, &env, NULL))
		FAIL("create");
	if (rt_event_new(S.rt, &S.ev) || pipe(S.pipe))
		FAIL("event_new or pipe");
	struct rt_task a = { .step = a_step, .cpu = -1 }, b = { .step = b_step, .cpu = -1 };
	REQUIRE(rt_spawn(S.rt, &a) == 0 && rt_spawn(S.rt, &b) == 0);

	static struct rt_task kids[SPAWNERS][PER_SPAWNER];
	pthread_t tid[SPAWNERS + 1];
	for (int i = 0; i < SPAWNERS; i++)
		REQUIRE(pthread_create(&tid[i], NULL, spawner, kids[i]) == 0);
	REQUIRE(pthread_create(&tid[SPAWNERS], NULL, closer, NULL) == 0);
	int rc = S.rt->ops->run(S.rt);
	for (int i = 0; i <= SPAWNERS; i++)
		pthread_join(tid[i], NULL);
	struct rt_stats st;
	S.rt->ops->stats(S.rt, &st);
	printf("uv: %d tasks spawned from %d other threads into a running loop, each notified "
	       "its waiter: run %d, spawned %llu, completed %llu\n",
	       SPAWNERS * PER_SPAWNER, SPAWNERS, rc, (unsigned long long)st.spawned,
	       (unsigned long long)st.completed);
	REQUIRE(rc == 0 && S.err == 0);
	REQUIRE(atomic_load(&S.kids_run) == SPAWNERS * PER_SPAWNER);
	REQUIRE(st.spawned == 2 + SPAWNERS * PER_SPAWNER && st.completed == st.spawned);

	/* Outside run(), a spawn from any thread goes straight in. */
	int ran = 0;
	struct rt_task after = { .step = after_step, .arg = &ran, .cpu = -1 };
	REQUIRE(rt_spawn(S.rt, &after) == 0);
	REQUIRE(S.rt->ops->run(S.rt) == 0 && ran == 1);

	rt_event_free(S.rt, S.ev);
	close(S.pipe[0]);
	close(S.pipe[1]);
	S.rt->ops->destroy(S.rt);
	return 0;
}
