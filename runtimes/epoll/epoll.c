/* epoll — one thread, one epoll instance, the task loop turned inside out.
 *
 * A task's step() runs inline in the loop: when its wait completes at once
 * (a read with data already there, a notify, a wait on a posted event) the
 * loop calls step() again straight away; when the wait must park, the loop
 * moves on and calls step() with the result when it arrives. CPU work in a
 * step stalls every other task: that is the model being measured. A switch
 * between tasks costs a queue push/pop and an indirect call, no stack.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "../loop.h"

/* Loop records come from blocks of this many, reused through a free list,
 * so spawning costs a malloc per 1024 tasks and destroy frees them all even
 * when some tasks never finished. */
#define EP_BLOCK 1024

union ep_rec {
	struct rt_lrec lrec;
	union ep_rec *next_free;
};

struct ep_block {
	struct ep_block *next;
	union ep_rec recs[EP_BLOCK];
};

struct rt_epoll {
	struct rt rt;
	struct rt_loop loop;
	union ep_rec *free;
	struct ep_block *blocks;
};

extern const struct runtime rt_epoll;

static const struct cb_param ep_params[] = {
	{ .name = NULL },
};

static inline struct rt_epoll *ep_of_loop(struct rt_loop *l)
{
	return (struct rt_epoll *)((char *)l - offsetof(struct rt_epoll, loop));
}

static union ep_rec *ep_rec_get(struct rt_epoll *ep)
{
	if (!ep->free) {
		struct ep_block *b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = ep->blocks;
		ep->blocks = b;
		for (size_t i = 0; i < EP_BLOCK; i++) {
			b->recs[i].next_free = ep->free;
			ep->free = &b->recs[i];
		}
	}
	union ep_rec *r = ep->free;
	ep->free = r->next_free;
	return r;
}

static void ep_rec_put(struct rt_epoll *ep, union ep_rec *r)
{
	r->next_free = ep->free;
	ep->free = r;
}

/* The inside-out driver: step until the task parks or finishes. */
static void ep_resume(struct rt_loop *l, struct rt_task *t, long res)
{
	for (;;) {
		struct rt_op op = t->step(t, res);
		if (op.kind == RT_DONE) {
			ep_rec_put(ep_of_loop(l), (union ep_rec *)t->priv);
			rt_loop_done(l, t);
			return;
		}
		if (!rt_loop_perform(l, t, &op, &res))
			return;
	}
}

static int ep_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	(void)env; /* one thread, wherever the harness bound the process */
	(void)params;
	struct rt_epoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	int err = rt_loop_init(&ep->loop, ep_resume);
	if (err) {
		free(ep);
		return err;
	}
	ep->rt.ops = &rt_epoll;
	*out = &ep->rt;
	return 0;
}

/* Before run() or from a step, on the loop's thread: no lock. */
static int ep_spawn(struct rt *rt, struct rt_task *t)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	union ep_rec *r = ep_rec_get(ep);
	int err = r ? rt_loop_add(&ep->loop, t, &r->lrec) : -ENOMEM;
	if (err) {
		if (r)
			ep_rec_put(ep, r);
		rt_loop_fail(&ep->loop, err, "memory");
	}
	return err;
}

static int ep_run(struct rt *rt)
{
	return rt_loop_run(&((struct rt_epoll *)rt)->loop);
}

static void ep_destroy(struct rt *rt)
{
	struct rt_epoll *ep = (struct rt_epoll *)rt;
	rt_loop_fini(&ep->loop);
	while (ep->blocks) {
		struct ep_block *b = ep->blocks;
		ep->blocks = b->next;
		free(b);
	}
	free(ep);
}

static int ep_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	return rt_loop_event_new(out);
}

static void ep_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	rt_loop_event_free(ev);
}

static void ep_stats(struct rt *rt, struct rt_stats *out)
{
	*out = ((struct rt_epoll *)rt)->loop.stats;
}

const struct runtime rt_epoll = {
	.name = "epoll",
	.desc = "one thread, an epoll event loop; steps run inline, a wait parks the task",
	.params = ep_params,
	.create = ep_create,
	.spawn = ep_spawn,
	.run = ep_run,
	.destroy = ep_destroy,
	.event_new = ep_event_new,
	.event_free = ep_event_free,
	.stats = ep_stats,
};
