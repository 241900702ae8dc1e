/* unit_queue — the intrusive FIFO of runtimes/queue.h: order, emptiness,
 * length, reuse after draining, push_front, and that it allocates nothing
 * (the links are the tasks' own). */
#include <stdio.h>
#include <stdlib.h>

#include "runtimes/queue.h"

#include "tests/check.h"

#define N 1000

int main(void)
{
	static struct rt_task tasks[N];
	struct rt_queue q;

	rt_queue_init(&q);
	REQUIRE(rt_queue_empty(&q));
	REQUIRE(q.len == 0);
	REQUIRE(rt_queue_pop(&q) == NULL);

	/* FIFO order and length over a full fill and drain. */
	for (int i = 0; i < N; i++) {
		rt_queue_push(&q, &tasks[i]);
		REQUIRE(!rt_queue_empty(&q));
		REQUIRE(q.len == (size_t)i + 1);
	}
	for (int i = 0; i < N; i++) {
		struct rt_task *t = rt_queue_pop(&q);
		REQUIRE(t == &tasks[i]);
		REQUIRE(t->next == NULL); /* popped tasks carry no stale link */
		REQUIRE(q.len == (size_t)(N - i - 1));
	}
	REQUIRE(rt_queue_empty(&q));
	REQUIRE(rt_queue_pop(&q) == NULL);
	REQUIRE(q.head == NULL && q.tail == NULL);

	/* Push after drain: the tail must have been reset. */
	rt_queue_push(&q, &tasks[7]);
	REQUIRE(q.head == &tasks[7] && q.tail == &tasks[7] && q.len == 1);
	REQUIRE(rt_queue_pop(&q) == &tasks[7]);
	REQUIRE(rt_queue_empty(&q));

	/* Interleaved pushes and pops keep arrival order. */
	int next_in = 0, next_out = 0;
	for (int round = 0; round < 100; round++) {
		for (int k = 0; k < 3 && next_in < N; k++)
			rt_queue_push(&q, &tasks[next_in++]);
		for (int k = 0; k < 2 && next_out < next_in; k++)
			REQUIRE(rt_queue_pop(&q) == &tasks[next_out++]);
		REQUIRE(q.len == (size_t)(next_in - next_out));
	}
	while (next_out < next_in)
		REQUIRE(rt_queue_pop(&q) == &tasks[next_out++]);
	REQUIRE(rt_queue_empty(&q) && q.len == 0);

	/* A task re-queued after being popped (a runtime re-parking it). */
	rt_queue_push(&q, &tasks[0]);
	rt_queue_push(&q, &tasks[1]);
	struct rt_task *t = rt_queue_pop(&q);
	rt_queue_push(&q, t);
	REQUIRE(rt_queue_pop(&q) == &tasks[1]);
	REQUIRE(rt_queue_pop(&q) == &tasks[0]);
	REQUIRE(rt_queue_empty(&q));

	/* push_front: into an empty queue (the tail is set), then ahead of
	 * what is queued, and a push after it still goes to the back. */
	rt_queue_push_front(&q, &tasks[2]);
	REQUIRE(q.head == &tasks[2] && q.tail == &tasks[2] && q.len == 1);
	rt_queue_push_front(&q, &tasks[1]);
	rt_queue_push(&q, &tasks[3]);
	REQUIRE(q.len == 3);
	for (int i = 1; i <= 3; i++)
		REQUIRE(rt_queue_pop(&q) == &tasks[i]);
	REQUIRE(rt_queue_empty(&q) && q.tail == NULL);

	printf("unit_queue: ok\n");
	return 0;
}
