/* steal — stackless tasks (the same step() as epoll) over the work-stealing
 * scheduler of runtimes/steal.c: one worker thread per CPU of the cell
 * (workers=N), local run queues, a LIFO slot, an injection queue, stealing
 * and one shared epoll reactor, or one per worker with reactor=1 (Tokio's
 * multi-threaded runtime; steal.c says why the shared one is the default). A step
 * runs inline on whichever worker took the task; a wait parks it and the
 * task resumes on the worker that made it ready, or one that stole it.
 * Costs against one epoll loop: atomics on every queue operation and
 * event, a lock over the fd queues, and a futex wake when work appears
 * while workers sleep; in return every CPU of the cell runs steps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../steal.h"
#include "../offload.h"

/* Task records come from per-worker blocks reused through a free list (as
 * epoll's): a record freed on another worker joins that worker's list. */
#define ST_BLOCK 1024

union st_rec {
	struct rt_lrec lrec;
	union st_rec *next_free;
};

struct st_block {
	struct st_block *next;
	union st_rec recs[ST_BLOCK];
};

struct st_wk {
	union st_rec *free;
	struct st_block *blocks;
} __attribute__((aligned(64)));

struct rt_stealrt {
	struct rt rt;
	struct rt_steal s;
	struct st_wk *wk;
};

extern const struct runtime rt_steal;

static const struct cb_param st_params[] = {
	{ "workers", "threads", "worker threads, each with its own run queue; idle ones steal (0: one per CPU)",
	  0, 0, RT_STEAL_WORKERS_MAX },
	RT_OFFLOAD_PARAM,
	RT_STEAL_REACTOR_PARAM,
	{ .name = NULL },
};

static union st_rec *rec_get(struct st_wk *k)
{
	if (!k->free) {
		struct st_block *b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = k->blocks;
		k->blocks = b;
		for (size_t i = 0; i < ST_BLOCK; i++) {
			b->recs[i].next_free = k->free;
			k->free = &b->recs[i];
		}
	}
	union st_rec *r = k->free;
	k->free = r->next_free;
	return r;
}

/* The inside-out driver, as epoll's: step until the task parks or ends. */
static void st_run(struct rt_sworker *w, struct rt_task *t)
{
	long res = rt_lrec_of(t)->res;
	for (;;) {
		struct rt_op op = rt_step(t, res);
		if (op.kind == RT_DONE) {
			struct st_wk *k = w->user;
			union st_rec *r = (union st_rec *)t->priv;
			r->next_free = k->free;
			k->free = r;
			rt_steal_done(w->s, t);
			return;
		}
		if (!rt_steal_perform(w, t, &op, &res))
			return;
	}
}

static void st_destroy(struct rt *rt);

static int st_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	int64_t workers = params ? params[0] : 0;
	if (workers < 0 || workers > RT_STEAL_WORKERS_MAX)
		return -EINVAL;
	int oerr = rt_offload_size(params ? params[1] : RT_OFFLOAD_THREADS);
	if (oerr)
		return oerr;
	int64_t per_worker = params ? params[2] : st_params[2].def;
	if (per_worker < 0 || per_worker > 1)
		return -EINVAL;
	struct rt_stealrt *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->rt.ops = &rt_steal;
	int err = rt_steal_init(&r->s, (int)workers, (int)per_worker, env, st_run);
	if (!err && !(r->wk = aligned_alloc(64, (size_t)r->s.n * sizeof(*r->wk))))
		err = -ENOMEM;
	if (err) {
		st_destroy(&r->rt);
		return err;
	}
	memset(r->wk, 0, (size_t)r->s.n * sizeof(*r->wk));
	for (int i = 0; i < r->s.n; i++)
		r->s.w[i].user = &r->wk[i];
	*out = &r->rt;
	return 0;
}

/* From a step: the running worker's records; before run(): worker 0's. */
static int st_spawn(struct rt *rt, struct rt_task *t)
{
	struct rt_stealrt *r = (struct rt_stealrt *)rt;
	struct rt_sworker *w = rt_steal_current();
	struct st_wk *k = w && w->s == &r->s ? w->user : &r->wk[0];
	union st_rec *rec = rec_get(k);
	if (!rec) {
		rt_steal_fail(&r->s, -ENOMEM, "memory", 0);
		return -ENOMEM;
	}
	rt_steal_add(&r->s, t, &rec->lrec);
	return 0;
}

static int st_run_all(struct rt *rt)
{
	return rt_steal_run(&((struct rt_stealrt *)rt)->s);
}

static void st_destroy(struct rt *rt)
{
	struct rt_stealrt *r = (struct rt_stealrt *)rt;
	if (r->wk)
		for (int i = 0; i < r->s.n; i++)
			while (r->wk[i].blocks) {
				struct st_block *b = r->wk[i].blocks;
				r->wk[i].blocks = b->next;
				free(b);
			}
	free(r->wk);
	rt_steal_fini(&r->s);
	free(r);
}

static int st_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	return rt_steal_event_new(out);
}

static void st_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	rt_steal_event_free(ev);
}

static void st_stats(struct rt *rt, struct rt_stats *out)
{
	rt_steal_stats(&((struct rt_stealrt *)rt)->s, out);
}

static void st_forget_fd(struct rt *rt, int fd)
{
	rt_steal_forget_fd(&((struct rt_stealrt *)rt)->s, fd);
}

const struct runtime rt_steal = {
	.name = "steal",
	.desc = "stackless steps over a work-stealing scheduler: a worker per CPU, local queues, stealing, one epoll reactor (Tokio)",
	.params = st_params,
	.cpus = RT_CPUS_PARAM,
	.cpus_param = "workers",
	.switches = RT_SWITCH_CALLBACK,
	.steals = 1,
	.create = st_create,
	.spawn = st_spawn,
	.run = st_run_all,
	.destroy = st_destroy,
	.event_new = st_event_new,
	.event_free = st_event_free,
	.stats = st_stats,
	.forget_fd = st_forget_fd,
};
