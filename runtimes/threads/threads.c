/* threads — one pthread per task, blocking syscalls, events on futexes.
 *
 * The textbook model: the kernel is the scheduler, a wait is a blocked thread
 * and a switch is a futex wake plus a sleep. Each task costs a thread: a
 * kernel stack (~16 KiB, invisible in RSS), a user stack (stack_kib, mostly
 * untouched virtual memory) and a clone(). Threads are detached: run() waits
 * on a live counter instead of joining, so it needs no per-task bookkeeping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../blocking.h"
#include "../queue.h"

/* After a creation failure, how long run() waits for the tasks already
 * running: one of them may wait on an event that a task never created would
 * have notified, so waiting for all of them could be forever. */
#define GRACE_NS (2ull * 1000000000u)

/* rt.live: running threads in the low bits; LIVE_FAILED is set when a
 * creation failed, which changes the futex word and so wakes run(). */
#define LIVE_FAILED 0x80000000u
#define LIVE_MASK   0x7fffffffu

extern const struct runtime rt_threads;

struct threads_rt {
	struct rt base;
	pthread_attr_t attr; /* detached, stack size; only read once made */
	pthread_mutex_t mu;  /* guards pending, started, err, limit */
	struct rt_queue pending;
	int started;
	int err;      /* first creation failure (negative errno) */
	int aff_err;  /* first failure to bind a thread to its t->cpu */
	char limit[48];
	_Atomic uint64_t fail_ns; /* when the first failure was marked */
	_Atomic uint32_t live;
	_Atomic int abandon; /* run() gave up: threads stop after their current op */
	_Atomic uint64_t spawned, completed, peak_live;
	int reserve;               /* err came from the reserve, not the kernel */
	uint64_t max_threads;      /* rt_env's reserve: 0 for none */
	char threads_limit[32];
	uint64_t mem_floor_kib;
	_Atomic uint64_t attempts; /* creations tried, for MEM_CHECK_EVERY */
};

/* How often (in creations) MemAvailable is checked against the floor:
 * the threads made in between (~30 KiB each with their kernel stacks,
 * 8 MiB at most) are far inside any floor. */
#define MEM_CHECK_EVERY 256

static const struct cb_param threads_params[] = {
	{ "stack_kib", "KiB", "thread stack size; 0 = glibc default (RLIMIT_STACK)", 0, 0, 1048576 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static void *thread_main(void *arg)
{
	struct rt_task *t = arg;
	struct threads_rt *r = t->priv;
	struct rt_blk_ctx ctx = { .wait_slow = NULL, .abandon = &r->abandon };

	if (t->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		int e = t->cpu < CPU_SETSIZE ? 0 : EINVAL;
		if (!e) {
			CPU_SET(t->cpu, &set);
			e = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		}
		if (e) {
			pthread_mutex_lock(&r->mu);
			if (!r->aff_err)
				r->aff_err = -e;
			pthread_mutex_unlock(&r->mu);
		}
	}
	if (rt_blk_drive(t, &ctx) == 0)
		atomic_fetch_add(&r->completed, 1);
	/* The last touch of r: once live reaches 0, destroy() may free it (the
	 * wake passes only the address to the kernel). */
	if ((atomic_fetch_sub(&r->live, 1) & LIVE_MASK) == 1)
		rt_blk_futex_wake(&r->live, 1);
	return NULL;
}

/* Wakes run(), which gives the running threads GRACE_NS from the first
 * failure on. */
static void mark_failed(struct threads_rt *r)
{
	uint64_t none = 0;
	atomic_compare_exchange_strong(&r->fail_ns, &none, rt_blk_now_ns());
	atomic_fetch_or(&r->live, LIVE_FAILED);
	rt_blk_futex_wake(&r->live, 1);
}

/* The harness's reserve (rt_env): like the kernel's refusal, EAGAIN, but
 * named for the limit it stands in front of. */
static void record_reserve(struct threads_rt *r, const char *limit)
{
	pthread_mutex_lock(&r->mu);
	if (!r->err) {
		r->err = -EAGAIN;
		r->reserve = 1;
		snprintf(r->limit, sizeof(r->limit), "%s", limit);
	}
	pthread_mutex_unlock(&r->mu);
	mark_failed(r);
}

static int start_thread(struct threads_rt *r, struct rt_task *t)
{
	pthread_t tid;
	t->priv = r;
	/* Counted before it exists, so it cannot finish before being counted. */
	uint64_t n = (atomic_fetch_add(&r->live, 1) & LIVE_MASK) + 1;
	const char *over = NULL;
	if (r->max_threads && n > r->max_threads)
		over = r->threads_limit;
	else if (r->mem_floor_kib &&
	         (atomic_fetch_add(&r->attempts, 1) + 1) % MEM_CHECK_EVERY == 0 &&
	         rt_mem_available_kib() < r->mem_floor_kib)
		over = "memory";
	if (over) {
		if ((atomic_fetch_sub(&r->live, 1) & LIVE_MASK) == 1)
			rt_blk_futex_wake(&r->live, 1);
		record_reserve(r, over);
		return -EAGAIN;
	}
	int e = pthread_create(&tid, &r->attr, thread_main, t);
	if (e) {
		if ((atomic_fetch_sub(&r->live, 1) & LIVE_MASK) == 1)
			rt_blk_futex_wake(&r->live, 1);
		rt_blk_run_failed(&r->mu, NULL, 0, &r->err, r->limit, sizeof(r->limit), e);
		mark_failed(r);
		return -e;
	}
	atomic_fetch_add(&r->spawned, 1);
	uint64_t peak = atomic_load(&r->peak_live);
	while (n > peak && !atomic_compare_exchange_weak(&r->peak_live, &peak, n))
		;
	return 0;
}

static int threads_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	/* The process is already bound to env's cpuset; the reserve is ours. */
	int64_t kib = params[0];
	if (kib < threads_params[0].min || kib > threads_params[0].max)
		return -EINVAL;
	struct threads_rt *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	int e = pthread_attr_init(&r->attr);
	if (e) {
		free(r);
		return -e;
	}
	pthread_attr_setdetachstate(&r->attr, PTHREAD_CREATE_DETACHED);
	if (kib > 0) {
		size_t size = (size_t)kib * 1024;
		size_t min = PTHREAD_STACK_MIN;
		e = pthread_attr_setstacksize(&r->attr, size < min ? min : size);
		if (e) {
			pthread_attr_destroy(&r->attr);
			free(r);
			return -e;
		}
	}
	pthread_mutex_init(&r->mu, NULL);
	rt_queue_init(&r->pending);
	r->max_threads = env->max_threads;
	snprintf(r->threads_limit, sizeof(r->threads_limit), "%s",
	         env->threads_limit ? env->threads_limit : "threads");
	r->mem_floor_kib = env->mem_floor_kib;
	r->base.ops = &rt_threads;
	*out = &r->base;
	return 0;
}

/* Before run(): queue, so creation is timed inside run(). During run():
 * create now. After a creation failure: refuse, so the count reached is the
 * count at the first failure. */
static int threads_spawn(struct rt *rt, struct rt_task *t)
{
	struct threads_rt *r = (struct threads_rt *)rt;
	pthread_mutex_lock(&r->mu);
	int started = r->started, err = r->err;
	if (!started)
		rt_queue_push(&r->pending, t);
	pthread_mutex_unlock(&r->mu);
	if (!started)
		return 0;
	if (err)
		return err;
	return start_thread(r, t);
}

static int threads_run(struct rt *rt)
{
	struct threads_rt *r = (struct threads_rt *)rt;
	struct rt_queue q;

	pthread_mutex_lock(&r->mu);
	r->started = 1;
	q = r->pending;
	rt_queue_init(&r->pending);
	pthread_mutex_unlock(&r->mu);

	/* On failure the rest of q is never started nor released. */
	for (struct rt_task *t; (t = rt_queue_pop(&q));)
		if (start_thread(r, t) < 0)
			break;

	for (;;) {
		uint32_t v = atomic_load(&r->live);
		if ((v & LIVE_MASK) == 0)
			break;
		if (!(v & LIVE_FAILED)) {
			rt_blk_futex_wait(&r->live, v, NULL);
			continue;
		}
		uint64_t deadline = atomic_load(&r->fail_ns) + GRACE_NS;
		uint64_t now = rt_blk_now_ns();
		if (now >= deadline) {
			/* Abandoned threads stay blocked or stop at their next
			 * op; destroy() then leaves r allocated for them. */
			atomic_store(&r->abandon, 1);
			break;
		}
		struct timespec ts = { (time_t)((deadline - now) / 1000000000u),
		                       (long)((deadline - now) % 1000000000u) };
		rt_blk_futex_wait(&r->live, v, &ts);
	}

	pthread_mutex_lock(&r->mu);
	int err = r->err ? r->err : r->aff_err;
	if (!err)
		r->started = 0; /* reusable: a next run() times its creations again */
	pthread_mutex_unlock(&r->mu);
	return err;
}

static void threads_destroy(struct rt *rt)
{
	struct threads_rt *r = (struct threads_rt *)rt;
	/* Threads abandoned after a failed run still point at r: leave it to
	 * the process exit (the harness runs each cell in a child that exits). */
	if (atomic_load(&r->live) & LIVE_MASK)
		return;
	pthread_attr_destroy(&r->attr);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void threads_stats(struct rt *rt, struct rt_stats *out)
{
	struct threads_rt *r = (struct threads_rt *)rt;
	memset(out, 0, sizeof(*out));
	out->spawned = atomic_load(&r->spawned);
	out->completed = atomic_load(&r->completed);
	out->peak_live = atomic_load(&r->peak_live);
	pthread_mutex_lock(&r->mu);
	out->err = r->err ? r->err : r->aff_err;
	out->reserve = r->reserve;
	if (r->err)
		memcpy(out->limit, r->limit, sizeof(out->limit));
	else if (r->aff_err)
		strcpy(out->limit, "cpu-affinity");
	pthread_mutex_unlock(&r->mu);
}

const struct runtime rt_threads = {
	.name = "threads",
	.desc = "one pthread per task; blocking syscalls; events on futexes",
	.params = threads_params,
	.cpus = RT_CPUS_ALL,
	.switches = RT_SWITCH_KERNEL,
	.create = threads_create,
	.spawn = threads_spawn,
	.run = threads_run,
	.destroy = threads_destroy,
	.event_new = rt_blk_event_new,
	.event_free = rt_blk_event_free,
	.stats = threads_stats,
};
