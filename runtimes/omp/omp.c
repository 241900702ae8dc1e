/* omp — OpenMP tasks: each rt_task is an OpenMP task of one parallel team
 * (`threads` threads, 0 = one per CPU of the run), and a team thread blocks
 * inside its task's waits exactly as a pool worker does (blocking.c's
 * driver, futex events, blocking syscalls). So at most `threads` tasks make
 * progress at once (max_concurrency), and tasks that wait on queued ones
 * deadlock a team too small: blocking.c's detector (shared with pool) sees
 * every team thread blocked in an event wait with no progress for 150 ms
 * (its watchdog thread looks every 40 ms and wakes the blocked ones),
 * the blocked tasks are abandoned, the queued ones skipped, and run()
 * returns -EDEADLK with limit "team-deadlock" ("task-deadlock" when nothing
 * was left queued: the tasks wait on each other and would hang any
 * runtime). Never a hang.
 *
 * Spawns before run() are queued here; run() opens a parallel region whose
 * `single` thread turns them into tasks, and the team runs them at the
 * single's barrier. A spawn from a step (on a team thread) is a task of the
 * team at once (`#pragma omp task`). A spawn from any other thread during
 * run() is queued and runs in a second region once this one has ended.
 *
 * How it differs from pool (both a central queue, no stealing):
 *  - gcc's libgomp keeps one task queue per team behind one mutex, as pool
 *    does, but a team thread idle at the barrier spins (GOMP_SPINCOUNT,
 *    300,000 polls when threads <= CPUs) before it sleeps on its futex: CPU
 *    time pool does not spend, and a quicker pick-up of new work.
 *  - libgomp throttles: with more than 64 x threads tasks queued, a new task
 *    runs at once on the spawning thread (undeferred). A step that spawns
 *    then runs the whole child before it returns, and spawns before run()
 *    are started by the single thread as it goes.
 *  - libgomp aborts the process when it cannot make a team thread; pool
 *    records the limit and goes on with the workers it made.
 * Built with CB_OMP=llvm, the same code links LLVM's libomp (its GOMP_*
 * entry points): per-thread deques and stealing, which the manifest's
 * `openmp` field records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../blocking.h"
#include "../queue.h"

extern const struct runtime rt_omp;

/* One cache line each: a thread's progress counter is written on every op. */
struct omp_worker {
	struct rt_blk_ctx ctx; /* first: wait_slow gets &ctx */
	struct omp_rt *p;
} __attribute__((aligned(64)));

struct omp_rt {
	struct rt base;
	int nthreads;
	pthread_mutex_t mu; /* guards everything below but the atomics */
	struct rt_queue q;  /* spawned outside the team, not yet a task */
	uint64_t live;      /* spawned and neither finished nor abandoned */
	uint64_t started;   /* of those, the ones a thread is driving */
	struct rt_blk_tally tally; /* spawned, completed, the first failure */
	struct omp_worker *w;
	int nrunning; /* the team's threads, 0 outside run() */
	struct rt_blk_watch watch;
};

/* The runtime whose team this thread belongs to, during its region. */
static __thread struct omp_rt *omp_cur;

/* libgomp keeps a region's threads for the next one and has no fork
 * handler: in a child forked after a parallel region, the next region's
 * team waits for threads that no longer exist, and a task served by
 * "another thread" never runs (unit_servers' child hung so). The harness
 * forks each cell before any runtime ran, so this concerns only a process
 * that runs omp, forks, and runs omp again in the child: create() refuses
 * there with -ENOTSUP instead of hanging. LLVM's libomp (CB_OMP=llvm)
 * starts afresh in a child. */
static _Atomic int omp_used;
#ifndef CB_OMP_LLVM
static _Atomic int omp_forked;
static pthread_once_t omp_once = PTHREAD_ONCE_INIT;

static void omp_atfork_child(void)
{
	if (atomic_load(&omp_used))
		atomic_store(&omp_forked, 1);
}

static void omp_register_atfork(void)
{
	pthread_atfork(NULL, NULL, omp_atfork_child);
}
#endif

static const struct cb_param omp_params[] = {
	{ "threads", "threads", "OpenMP team size; 0 = one per CPU of the run", 0, 0, 4096 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static void check_deadlock(void *arg)
{
	struct omp_rt *p = arg;
	pthread_mutex_lock(&p->mu);
	uint64_t progress = rt_blk_watch_progress(&p->watch, p->nrunning);
	if (rt_blk_watch_check(&p->watch, p->nrunning, p->live, progress)) {
		p->tally.err = -EDEADLK;
		strcpy(p->tally.limit, p->started == p->live ? "task-deadlock" : "team-deadlock");
		atomic_store(&p->watch.deadlock, 1);
	}
	pthread_mutex_unlock(&p->mu);
}

static int omp_wait_slow(struct rt_blk_ctx *ctx, struct rt_event *ev)
{
	struct omp_worker *w = (struct omp_worker *)ctx;
	return rt_blk_wait_watched(&w->p->watch, ctx, ev);
}

/* The body of every OpenMP task. After a declared deadlock a task not yet
 * started is skipped: it never runs and is not released (it did not finish),
 * like the tasks left in pool's queue. */
static void omp_drive(struct omp_rt *p, struct rt_task *t)
{
	pthread_mutex_lock(&p->mu);
	int skip = atomic_load(&p->watch.deadlock);
	if (!skip)
		p->started++;
	pthread_mutex_unlock(&p->mu);
	int rc = -ECANCELED;
	if (!skip)
		rc = rt_blk_drive(t, &p->w[omp_get_thread_num()].ctx);
	pthread_mutex_lock(&p->mu);
	if (rc == 0)
		p->tally.completed++;
	if (!skip)
		p->started--;
	p->live--;
	pthread_mutex_unlock(&p->mu);
}

static void omp_task(struct omp_rt *p, struct rt_task *t)
{
#pragma omp task firstprivate(p, t)
	omp_drive(p, t);
}

static int omp_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	int64_t n = params[0];
	if (n < omp_params[0].min || n > omp_params[0].max)
		return -EINVAL;
	if (n == 0)
		n = env && env->ncpus > 0 ? env->ncpus : 1;
#ifndef CB_OMP_LLVM
	pthread_once(&omp_once, omp_register_atfork);
	if (atomic_load(&omp_forked))
		return -ENOTSUP;
#endif
	struct omp_rt *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->nthreads = (int)n;
	pthread_mutex_init(&p->mu, NULL);
	rt_queue_init(&p->q);
	p->base.ops = &rt_omp;
	p->base.max_concurrency = (uint64_t)n; /* a thread holds its task through every wait */
	*out = &p->base;
	return 0;
}

static int omp_spawn(struct rt *rt, struct rt_task *t)
{
	struct omp_rt *p = (struct omp_rt *)rt;
	int mine = omp_cur == p;
	pthread_mutex_lock(&p->mu);
	if (!mine)
		rt_queue_push(&p->q, t);
	p->tally.spawned++;
	if (++p->live > p->tally.peak_live)
		p->tally.peak_live = p->live;
	pthread_mutex_unlock(&p->mu);
	if (mine)
		omp_task(p, t);
	return 0;
}

static int omp_run(struct rt *rt)
{
	struct omp_rt *p = (struct omp_rt *)rt;
	int n = p->nthreads;
	struct omp_worker *w = aligned_alloc(64, (size_t)n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w, 0, (size_t)n * sizeof(*w));
	for (int i = 0; i < n; i++) {
		w[i].p = p;
		w[i].ctx.wait_slow = omp_wait_slow;
		w[i].ctx.abandon = &p->watch.deadlock;
	}
	pthread_mutex_lock(&p->mu);
	p->w = w;
	/* The full count from the start, so the detector never mistakes a
	 * team still being made for a stuck one. */
	p->nrunning = n;
	pthread_mutex_unlock(&p->mu);

	int wde = rt_blk_watch_start(&p->watch, check_deadlock, p, &w[0].ctx, sizeof(*w), n);
	if (wde) {
		rt_blk_run_failed(&p->mu, &p->nrunning, 0, &p->tally.err, p->tally.limit,
		                  sizeof(p->tally.limit), wde);
		p->w = NULL; /* read by the team only, and there is none */
		free(w);
		return -wde;
	}

	for (;;) {
		pthread_mutex_lock(&p->mu);
		struct rt_queue q = p->q;
		rt_queue_init(&p->q);
		pthread_mutex_unlock(&p->mu);
		if (rt_queue_empty(&q) || atomic_load(&p->watch.deadlock)) {
			/* Left queued after a deadlock: never run. */
			pthread_mutex_lock(&p->mu);
			p->live -= q.len;
			pthread_mutex_unlock(&p->mu);
			break;
		}
		atomic_store(&omp_used, 1);
#pragma omp parallel num_threads(n) shared(p, q)
		{
			omp_cur = p;
#pragma omp single
			{
				/* The team libgomp made may be smaller (OMP_THREAD_LIMIT). */
				pthread_mutex_lock(&p->mu);
				p->nrunning = omp_get_num_threads();
				pthread_mutex_unlock(&p->mu);
				for (struct rt_task *t; (t = rt_queue_pop(&q));)
					omp_task(p, t);
			}
			/* The single's barrier: every task, spawned ones too, is done. */
			omp_cur = NULL;
		}
	}

	rt_blk_watch_stop(&p->watch);
	pthread_mutex_lock(&p->mu);
	p->w = NULL;
	p->nrunning = 0;
	int err = p->tally.err;
	pthread_mutex_unlock(&p->mu);
	free(w);
	return err;
}

static void omp_destroy(struct rt *rt)
{
	struct omp_rt *p = (struct omp_rt *)rt;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void omp_stats(struct rt *rt, struct rt_stats *out)
{
	struct omp_rt *p = (struct omp_rt *)rt;
	rt_blk_stats(&p->mu, &p->tally, out);
}

const struct runtime rt_omp = {
	.name = "omp",
	.desc = "OpenMP tasks on one team (libgomp, or libomp with CB_OMP=llvm); a team thread blocks in its task's waits",
	.params = omp_params,
	.cpus = RT_CPUS_PARAM,
	.cpus_param = "threads",
	.switches = RT_SWITCH_KERNEL,
	.create = omp_create,
	.spawn = omp_spawn,
	.run = omp_run,
	.destroy = omp_destroy,
	.event_new = rt_blk_event_new,
	.event_free = rt_blk_event_free,
	.stats = omp_stats,
};
