/* coro.h — what the two stackful-coroutine runtimes, coro (over loop.c) and
 * coro-steal (over steal.c), share about a coroutine: its parameters and
 * the body every coroutine runs. Internal to runtimes/.
 */
#ifndef CONCBENCH_CORO_CORO_H
#define CONCBENCH_CORO_CORO_H

#include "../loop.h" /* rt_lrec */

/* The stack parameters, the same knobs in both runtimes' tables. */
#define RT_CORO_STACK_PARAMS                                                                     \
	{ "stack_kib", "KiB", "stack size of each coroutine (virtual; touched pages only are resident)", \
	  64, 16, 65536 },                                                                         \
	{ "guard", "", "1: a PROT_NONE guard page below each stack while vm.max_map_count allows, 0: none", \
	  1, 0, 1 }

/* A coroutine's body: drives rec's task from the result it was started
 * with until RT_DONE. perform(c, t, &op, &res) does one op, parking c
 * until the op completes when it must wait, and leaves its result in res.
 * Always inlined, so that perform is a direct (and inlined) call: this is
 * the per-op path of every coroutine. */
static inline __attribute__((always_inline)) void
rt_coro_drive(struct rt_lrec *rec, void *c,
              void (*perform)(void *c, struct rt_task *t, const struct rt_op *op, long *res))
{
	struct rt_task *t = rec->task;
	long res = rec->res;
	for (;;) {
		struct rt_op op = rt_step(t, res);
		if (op.kind == RT_DONE)
			return;
		perform(c, t, &op, &res);
	}
}

#endif
