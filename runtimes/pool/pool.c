/* pool — a fixed number of workers popping tasks from one FIFO behind a mutex
 * and a condition variable: the honest central-queue baseline (no work
 * stealing, no per-worker queues). A worker runs its task to completion and
 * blocks inside the task's waits, so at most `workers` tasks make progress at
 * once and a task that waits on a queued one can wait forever.
 *
 * That deadlock is a result here, not a hang. A watchdog thread looks every
 * 40 ms whether every worker is blocked in an event wait (or every live task
 * is) with no op completed anywhere; held for a confirmation period, the run
 * is declared deadlocked: the watchdog wakes the blocked workers, they
 * abandon their tasks and run() returns -EDEADLK with limit "pool-deadlock"
 * ("task-deadlock" when the queue is empty: the tasks wait on each other
 * and would hang any runtime). A worker's wait stays the untimed futex sleep
 * of `threads`. The detector is blocking.c's (rt_blk_watch), shared with
 * omp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../blocking.h"
#include "../queue.h"

extern const struct runtime rt_pool;

struct pool_rt;

/* One cache line each: a worker's progress counter is written on every op
 * and must not share a line with another worker's. */
struct worker {
	struct rt_blk_ctx ctx; /* first: wait_slow gets &ctx */
	struct pool_rt *pool;
	pthread_t tid;
} __attribute__((aligned(64)));

struct pool_rt {
	struct rt base;
	int nworkers;
	pthread_mutex_t mu; /* guards everything below but the atomics */
	pthread_cond_t cv;  /* work was queued, or nothing is left to do */
	struct rt_queue q;
	uint64_t live; /* spawned and neither finished nor abandoned */
	struct rt_blk_tally tally; /* spawned, completed, the first failure */
	int nrunning; /* workers of the current run */
	struct rt_blk_watch watch; /* the deadlock detector */
};

static const struct cb_param pool_params[] = {
	{ "workers", "threads", "worker threads; 0 = one per CPU of the run", 0, 0, 4096 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

/* The watchdog's look, every 40 ms: cheap unless the pool looks stuck. */
static void check_deadlock(void *arg)
{
	struct pool_rt *p = arg;
	pthread_mutex_lock(&p->mu);
	uint64_t progress = rt_blk_watch_progress(&p->watch, p->nrunning);
	if (rt_blk_watch_check(&p->watch, p->nrunning, p->live, progress)) {
		p->tally.err = -EDEADLK;
		strcpy(p->tally.limit, rt_queue_empty(&p->q) ? "task-deadlock" : "pool-deadlock");
		atomic_store(&p->watch.deadlock, 1);
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

static int pool_wait_slow(struct rt_blk_ctx *ctx, struct rt_event *ev)
{
	struct worker *w = (struct worker *)ctx;
	return rt_blk_wait_watched(&w->pool->watch, ctx, ev);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool_rt *p = w->pool;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (rt_queue_empty(&p->q) && p->live > 0 && !atomic_load(&p->watch.deadlock))
			pthread_cond_wait(&p->cv, &p->mu);
		/* An empty queue here means live == 0: the run is over. */
		if (atomic_load(&p->watch.deadlock) || rt_queue_empty(&p->q))
			break;
		struct rt_task *t = rt_queue_pop(&p->q);
		pthread_mutex_unlock(&p->mu);
		int rc = rt_blk_drive(t, &w->ctx);
		pthread_mutex_lock(&p->mu);
		if (rc == 0)
			p->tally.completed++;
		if (--p->live == 0)
			pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int pool_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	int64_t n = params[0];
	if (n < pool_params[0].min || n > pool_params[0].max)
		return -EINVAL;
	if (n == 0)
		n = env && env->ncpus > 0 ? env->ncpus : 1;
	struct pool_rt *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->nworkers = (int)n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	rt_queue_init(&p->q);
	p->base.ops = &rt_pool;
	p->base.max_concurrency = (uint64_t)n; /* a worker holds its task through every wait */
	*out = &p->base;
	return 0;
}

/* From anywhere, before or during run(): one lock, one push, one signal. */
static int pool_spawn(struct rt *rt, struct rt_task *t)
{
	struct pool_rt *p = (struct pool_rt *)rt;
	pthread_mutex_lock(&p->mu);
	rt_queue_push(&p->q, t);
	p->tally.spawned++;
	if (++p->live > p->tally.peak_live)
		p->tally.peak_live = p->live;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int pool_run(struct rt *rt)
{
	struct pool_rt *p = (struct pool_rt *)rt;
	int n = p->nworkers, made;
	struct worker *w = aligned_alloc(64, (size_t)n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w, 0, (size_t)n * sizeof(*w));

	pthread_mutex_lock(&p->mu);
	/* The full count from the start, so the detector never mistakes a
	 * pool still being created for a stuck one. */
	p->nrunning = n;
	pthread_mutex_unlock(&p->mu);

	int wde = rt_blk_watch_start(&p->watch, check_deadlock, p, &w[0].ctx, sizeof(*w), n);
	if (wde) {
		rt_blk_run_failed(&p->mu, &p->nrunning, 0, &p->tally.err, p->tally.limit,
		                  sizeof(p->tally.limit), wde);
		free(w);
		return -wde;
	}

	for (made = 0; made < n; made++) {
		w[made].pool = p;
		w[made].ctx.wait_slow = pool_wait_slow;
		w[made].ctx.abandon = &p->watch.deadlock;
		int e = pthread_create(&w[made].tid, NULL, worker_main, &w[made]);
		if (e) {
			/* Go on with the workers made (or none): the run stays
			 * bounded, and reports what stopped the pool's creation. */
			rt_blk_run_failed(&p->mu, &p->nrunning, made, &p->tally.err, p->tally.limit,
			                  sizeof(p->tally.limit), e);
			break;
		}
	}
	for (int i = 0; i < made; i++)
		pthread_join(w[i].tid, NULL);
	rt_blk_watch_stop(&p->watch);

	pthread_mutex_lock(&p->mu);
	p->nrunning = 0;
	int err = p->tally.err;
	pthread_mutex_unlock(&p->mu);
	free(w);
	return err;
}

static void pool_destroy(struct rt *rt)
{
	struct pool_rt *p = (struct pool_rt *)rt;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void pool_stats(struct rt *rt, struct rt_stats *out)
{
	struct pool_rt *p = (struct pool_rt *)rt;
	rt_blk_stats(&p->mu, &p->tally, out);
}

const struct runtime rt_pool = {
	.name = "pool",
	.desc = "fixed worker threads popping one mutex-guarded FIFO; a worker blocks in its task's waits",
	.params = pool_params,
	.cpus = RT_CPUS_PARAM,
	.cpus_param = "workers",
	.switches = RT_SWITCH_KERNEL,
	.create = pool_create,
	.spawn = pool_spawn,
	.run = pool_run,
	.destroy = pool_destroy,
	.event_new = rt_blk_event_new,
	.event_free = rt_blk_event_free,
	.stats = pool_stats,
};
