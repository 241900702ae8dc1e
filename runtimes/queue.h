/* queue.h — an intrusive FIFO of tasks through rt_task.next: push and pop are
 * O(1) and allocate nothing, so queuing a task costs no malloc per switch
 * (libuv's threadpool does the same). Not thread-safe: callers lock. */
#ifndef CONCBENCH_QUEUE_H
#define CONCBENCH_QUEUE_H

#include <stddef.h>

#include "runtime.h"

struct rt_queue {
	struct rt_task *head, *tail;
	size_t len;
};

static inline void rt_queue_init(struct rt_queue *q)
{
	q->head = q->tail = NULL;
	q->len = 0;
}

static inline int rt_queue_empty(const struct rt_queue *q)
{
	return q->head == NULL;
}

static inline void rt_queue_push(struct rt_queue *q, struct rt_task *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	q->len++;
}

/* Ahead of everything queued: for a task that was logically at the head
 * already (coro's held hand-over target, see coro.c), not a way to jump
 * the queue. */
static inline void rt_queue_push_front(struct rt_queue *q, struct rt_task *t)
{
	t->next = q->head;
	if (!q->head)
		q->tail = t;
	q->head = t;
	q->len++;
}

static inline struct rt_task *rt_queue_pop(struct rt_queue *q)
{
	struct rt_task *t = q->head;
	if (!t)
		return NULL;
	q->head = t->next;
	if (!q->head)
		q->tail = NULL;
	t->next = NULL;
	q->len--;
	return t;
}

#endif
