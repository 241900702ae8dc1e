/* unit_heap — the loop's timer heap (runtimes/loop.c): random deadlines pop
 * in sorted order, every timer knows its index, removal from the middle
 * keeps the heap valid, and interleaved push/pop behaves like a sorted list. */
#include <stdio.h>
#include <stdlib.h>

#include "runtimes/loop.h"

#include "tests/check.h"

#define N 20000

/* The heap property and the index back-pointers, everywhere. */
static void check(const struct rt_heap *h)
{
	for (size_t i = 0; i < h->len; i++) {
		if (h->v[i].t->idx != i)
			FAIL("entry %zu says it is at %zu", i, h->v[i].t->idx);
		if (h->v[i].deadline != h->v[i].t->deadline)
			FAIL("entry %zu: deadline copy differs", i);
		if (i && h->v[(i - 1) / 2].deadline > h->v[i].deadline)
			FAIL("heap order broken at %zu", i);
	}
}

int main(void)
{
	static struct rt_timer tm[N];
	static uint64_t want[N];
	struct rt_heap h = { 0 };

	/* 1. push random deadlines (with duplicates), pop in sorted order */
	for (int i = 0; i < N; i++) {
		want[i] = t_rand() % (N / 2);
		if (rt_heap_push(&h, &tm[i], want[i]))
			FAIL("push");
	}
	check(&h);
	qsort(want, N, sizeof want[0], t_cmp_u64);
	for (int i = 0; i < N; i++) {
		struct rt_timer *min = rt_heap_min(&h);
		struct rt_timer *t = rt_heap_pop(&h);
		if (!t || t != min)
			FAIL("pop %d: %p, min said %p", i, (void *)t, (void *)min);
		if (t->deadline != want[i])
			FAIL("pop %d: deadline %llu, want %llu", i, (unsigned long long)t->deadline,
			     (unsigned long long)want[i]);
		if (t->idx != RT_TIMER_IDLE)
			FAIL("popped timer still has an index");
	}
	if (rt_heap_pop(&h) || rt_heap_min(&h))
		FAIL("empty heap returned a timer");

	/* 2. remove a third of them from wherever they are, then drain */
	for (int i = 0; i < N; i++)
		if (rt_heap_push(&h, &tm[i], t_rand() % 1000000))
			FAIL("push");
	size_t removed = 0;
	for (int i = 0; i < N; i += 3) {
		rt_heap_remove(&h, &tm[i]);
		if (tm[i].idx != RT_TIMER_IDLE)
			FAIL("removed timer still has an index");
		rt_heap_remove(&h, &tm[i]); /* twice: a no-op */
		removed++;
		if (i % 999 == 0)
			check(&h);
	}
	check(&h);
	if (h.len != N - removed)
		FAIL("len %zu after removing %zu of %d", h.len, removed, N);
	uint64_t last = 0;
	for (size_t n = 0; n < N - removed; n++) {
		struct rt_timer *t = rt_heap_pop(&h);
		if ((t - tm) % 3 == 0)
			FAIL("a removed timer came out");
		if (t->deadline < last)
			FAIL("out of order after removals");
		last = t->deadline;
	}

	/* 3. interleaved: like a loop, push near "now", pop what is due */
	uint64_t now = 0, popped = 0, pushed = 0;
	size_t next = 0;
	for (int round = 0; round < 200000; round++) {
		if (next < N && tm[next].idx == RT_TIMER_IDLE && t_rand() % 2) {
			if (rt_heap_push(&h, &tm[next], now + t_rand() % 5000))
				FAIL("push");
			pushed++;
			next = (next + 1) % N;
		} else if (h.len) {
			struct rt_timer *t = rt_heap_pop(&h);
			if (t->deadline < now)
				FAIL("popped %llu before now %llu", (unsigned long long)t->deadline,
				     (unsigned long long)now);
			now = t->deadline;
			popped++;
		}
	}
	check(&h);
	if (pushed - popped != h.len)
		FAIL("pushed %llu popped %llu len %zu", (unsigned long long)pushed,
		     (unsigned long long)popped, h.len);

	/* 4. reserve makes room so later pushes do not grow */
	rt_heap_fini(&h);
	if (rt_heap_reserve(&h, 1000) || h.cap < 1000)
		FAIL("reserve");
	struct rt_heap_ent *v = h.v;
	for (int i = 0; i < 1000; i++)
		rt_heap_push(&h, &tm[i], (uint64_t)(1000 - i));
	if (h.v != v)
		FAIL("push reallocated after reserve");
	if (rt_heap_pop(&h)->deadline != 1)
		FAIL("min after reserve");
	rt_heap_fini(&h);
	printf("heap: %d timers sorted, %zu removed from the middle, %llu interleaved pops\n", N,
	       removed, (unsigned long long)popped);
	return 0;
}
