/* unit_steal — the work-stealing runtimes (steal, coro-steal) under stress:
 *  - many producers waking tasks on other workers: 48 producers on 4
 *    workers each notify consumers round robin, yielding now and then (to
 *    the back of their worker's ring, where thieves take them); every
 *    consumer must be woken exactly as often as it was notified (and never
 *    more often than it had been notified so far), the total
 *    must be exact, the tasks' own counters (touched from whichever worker
 *    ran them) must agree, and the run must have used several threads;
 *  - producers also spawn a child each from their steps (onto their
 *    worker's ring), and every child runs once;
 *  - the same on one worker, where the events take no lock (steal.c's
 *    ev_lock): the counts must be as exact;
 *  - a task that sleeps and then waits on an event nobody notifies ends
 *    the run with -EDEADLK once its timer has fired (not before);
 *  - the cpu workload with skewed task sizes (skew=4) on 2 workers gives
 *    the checksum of the same sizes computed sequentially here;
 *  - full duplex through socketpairs with either reactor (reactor=0|1): on
 *    each end a reader and a writer task park on the same fd at once,
 *    yielding every third op so thieves take them and they park again on
 *    other workers (with a reactor per worker: the fd moves between epoll
 *    sets, a few hundred times a run, while the other task of the fd
 *    waits on it); every byte must arrive in order, and no wake-up may be
 *    lost (a hang, caught by the alarm). It hung with a parked worker
 *    sleeping on its futex instead of in its own set (3 runs of 4), and
 *    with a helper draining the owner's wake eventfd (1 of 6);
 *  - by their traits (steals) neither is taken for thread-per-core loops:
 *    a suite part for a loop per CPU takes epoll, not them.
 * Run under TSan (label tsan): the queues, the LIFO slot, the events and
 * migration must order every access to a task's state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

#if defined(__SANITIZE_THREAD__)
#define ROUNDS 240
#else
#define ROUNDS 2400
#endif
#define PRODUCERS 48
#define CONSUMERS 12 /* ROUNDS is a multiple: each producer notifies each consumer ROUNDS / 12 times */
#define WORKERS 4

extern const struct runtime rt_steal, rt_coro_steal;

static struct rt *make_r(const struct runtime *ops, int workers, int reactor)
{
	int cpus[CPU_SETSIZE], ncpus = t_allowed_cpus(cpus, CPU_SETSIZE);
	const struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
	int64_t params[16];
	t_param_defaults(ops->params, params);
	t_param_set(ops->params, params, "workers", workers);
	t_param_set(ops->params, params, "reactor", reactor);
	struct rt *rt;
	int err = ops->create(&rt, &env, params);
	if (err)
		FAIL("%s: create: %s", ops->name, strerror(-err));
	return rt;
}

static struct rt *make(const struct runtime *ops, int workers)
{
	return make_r(ops, workers, 0);
}

/* ---- producers and consumers ------------------------------------------- */

#define MAX_THREADS 64
static pthread_t seen[MAX_THREADS];
static int nseen;
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

static void saw_thread(void)
{
	pthread_t me = pthread_self();
	pthread_mutex_lock(&seen_mu);
	int i;
	for (i = 0; i < nseen; i++)
		if (pthread_equal(seen[i], me))
			break;
	if (i == nseen && nseen < MAX_THREADS)
		seen[nseen++] = me;
	pthread_mutex_unlock(&seen_mu);
}

struct consumer {
	struct rt_task t;
	struct rt_event *ev;
	long need, got; /* got: the task's own, touched wherever it runs */
	_Atomic long sent; /* notifies made, each counted before it is made */
	int state;
};

static struct consumer cons[CONSUMERS];
static _Atomic long total_woken, children_run;
static struct rt *the_rt;

static struct rt_op consumer_step(struct rt_task *t, long res)
{
	struct consumer *c = t->arg;
	if (res != 0)
		FAIL("consumer: wait returned %ld", res);
	if (c->state++ > 0) { /* woken by a notify */
		c->got++;
		if (c->got > atomic_load(&c->sent)) /* a wake with no notify behind it */
			FAIL("consumer woken %ld times, notified %ld", c->got, atomic_load(&c->sent));
		atomic_fetch_add(&total_woken, 1);
		if ((c->got & 63) == 0)
			saw_thread();
	}
	if (c->got == c->need)
		return rt_op_done();
	return rt_op_wait(c->ev);
}

struct child {
	struct rt_task t;
	int ran;
};

static struct rt_op child_step(struct rt_task *t, long res)
{
	(void)res;
	struct child *ch = t->arg;
	ch->ran++;
	atomic_fetch_add(&children_run, 1);
	return rt_op_done();
}

struct producer {
	struct rt_task t;
	int id;
	long k;    /* notifies done */
	int yield; /* the next op is a yield */
	struct child child;
};

static struct producer prods[PRODUCERS];

static struct rt_op producer_step(struct rt_task *t, long res)
{
	struct producer *p = t->arg;
	if (res != 0)
		FAIL("producer: op returned %ld", res);
	if (p->k == 0 && !p->yield) {
		saw_thread();
		p->child.t = (struct rt_task){ .step = child_step, .arg = &p->child, .cpu = -1 };
		if (rt_spawn(the_rt, &p->child.t))
			FAIL("spawn from a step");
	}
	if (p->k == ROUNDS)
		return rt_op_done();
	/* Every 7th op a yield: the producer goes to the back of its worker's
	 * ring, so idle workers steal producers and consumers wake elsewhere. */
	if (!p->yield && (p->k + p->id) % 7 == 0) {
		p->yield = 1;
		return rt_op_sleep(0);
	}
	p->yield = 0;
	struct consumer *c = &cons[(p->id + p->k) % CONSUMERS];
	p->k++;
	atomic_fetch_add(&c->sent, 1);
	return rt_op_notify(c->ev);
}

static void test_stress(const struct runtime *ops, int workers)
{
	struct rt *rt = make(ops, workers);
	the_rt = rt;
	atomic_store(&total_woken, 0);
	atomic_store(&children_run, 0);
	nseen = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		cons[i] = (struct consumer){ .t = { .step = consumer_step, .arg = &cons[i], .cpu = -1 },
		                             .need = (long)PRODUCERS * ROUNDS / CONSUMERS };
		if (rt_event_new(rt, &cons[i].ev))
			FAIL("event_new");
		if (rt_spawn(rt, &cons[i].t))
			FAIL("spawn");
	}
	for (int i = 0; i < PRODUCERS; i++) {
		prods[i] = (struct producer){ .t = { .step = producer_step, .arg = &prods[i], .cpu = -1 },
		                              .id = i };
		if (rt_spawn(rt, &prods[i].t))
			FAIL("spawn");
	}
	int err = rt->ops->run(rt);
	if (err)
		FAIL("%s: stress run: %s", ops->name, strerror(-err));
	long sum = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		if (cons[i].got != cons[i].need)
			FAIL("%s: consumer %d woken %ld times, notified %ld", ops->name, i, cons[i].got,
			     cons[i].need);
		sum += cons[i].got;
	}
	for (int i = 0; i < PRODUCERS; i++)
		if (prods[i].k != ROUNDS || prods[i].child.ran != 1)
			FAIL("%s: producer %d made %ld notifies, its child ran %d times", ops->name, i,
			     prods[i].k, prods[i].child.ran);
	if (sum != (long)PRODUCERS * ROUNDS || atomic_load(&total_woken) != sum ||
	    atomic_load(&children_run) != PRODUCERS)
		FAIL("%s: %ld wakes counted by the tasks, %ld in all, want %ld; children %ld", ops->name,
		     sum, atomic_load(&total_woken), (long)PRODUCERS * ROUNDS, atomic_load(&children_run));
	struct rt_stats st;
	rt->ops->stats(rt, &st);
	uint64_t n = CONSUMERS + 2 * PRODUCERS;
	if (st.spawned != n || st.completed != n || st.err)
		FAIL("%s: stats spawned %llu completed %llu err %d", ops->name,
		     (unsigned long long)st.spawned, (unsigned long long)st.completed, st.err);
	printf("%s: %d producers woke %d consumers %ld times on %d workers (%d threads seen)\n",
	       ops->name, PRODUCERS, CONSUMERS, sum, workers, nseen);
	for (int i = 0; i < CONSUMERS; i++)
		rt_event_free(rt, cons[i].ev);
	ops->destroy(rt);
}

/* ---- a busy worker's queue is stolen ------------------------------------ */

/* A step that spawns MARKERS tasks (onto its own worker's queue) and then
 * keeps its CPU, without yielding, until one of them has run: only another
 * worker can run them, by stealing (or taking them from the injector), and
 * an idle worker must be woken for it. Deterministic where a count of
 * threads seen under load is not (the stress test above: on a loaded
 * machine one worker can finish everything before the others are
 * scheduled). The wait is bounded: a scheduler that leaves them queued
 * fails here instead of hanging. */
#define MARKERS 8
static _Atomic int markers_run;
static pthread_t hog_thread;
static _Atomic int marker_elsewhere;

static struct rt_op marker_step(struct rt_task *t, long res)
{
	(void)t, (void)res;
	if (!pthread_equal(pthread_self(), hog_thread))
		atomic_store(&marker_elsewhere, 1);
	atomic_fetch_add(&markers_run, 1);
	return rt_op_done();
}

static struct rt_task markers[MARKERS];
static uint64_t hog_waited_ns;

static struct rt_op hog_step(struct rt_task *t, long res)
{
	(void)t, (void)res;
	hog_thread = pthread_self();
	for (int i = 0; i < MARKERS; i++) {
		markers[i] = (struct rt_task){ .step = marker_step, .cpu = -1 };
		if (rt_spawn(the_rt, &markers[i]))
			FAIL("spawn from the hog");
	}
	uint64_t t0 = h_now_ns();
	while (atomic_load(&markers_run) == 0 && h_now_ns() - t0 < 5000000000ull)
		;
	hog_waited_ns = h_now_ns() - t0;
	return rt_op_done();
}

static void test_steals(const struct runtime *ops)
{
	struct rt *rt = make(ops, 2);
	the_rt = rt;
	atomic_store(&markers_run, 0);
	atomic_store(&marker_elsewhere, 0);
	struct rt_task hog = { .step = hog_step, .cpu = -1 };
	if (rt_spawn(rt, &hog))
		FAIL("spawn");
	int err = rt->ops->run(rt);
	if (err)
		FAIL("%s: run: %s", ops->name, strerror(-err));
	if (atomic_load(&markers_run) != MARKERS)
		FAIL("%s: %d of %d markers ran", ops->name, atomic_load(&markers_run), MARKERS);
	if (!atomic_load(&marker_elsewhere) || hog_waited_ns >= 5000000000ull)
		FAIL("%s: the busy worker's queue was not stolen in 5 s (another worker ran "
		     "none of its %d tasks while it computed)", ops->name, MARKERS);
	printf("%s: a busy worker's queue stolen after %.3f ms\n", ops->name, hog_waited_ns / 1e6);
	ops->destroy(rt);
}

/* ---- deadlock after a timer --------------------------------------------- */

struct late {
	struct rt_task t;
	struct rt_event *ev;
	int state;
	uint64_t slept;
};

static struct rt_op late_step(struct rt_task *t, long res)
{
	(void)res;
	struct late *l = t->arg;
	if (l->state++ == 0) {
		l->slept = h_now_ns();
		return rt_op_sleep(20 * 1000000ull);
	}
	l->slept = h_now_ns() - l->slept;
	return rt_op_wait(l->ev);
}

static void test_deadlock_after_timer(const struct runtime *ops)
{
	struct rt *rt = make(ops, 2);
	struct late l = { .t = { .step = late_step, .cpu = -1 } };
	l.t.arg = &l;
	if (rt_event_new(rt, &l.ev) || rt_spawn(rt, &l.t))
		FAIL("event_new, spawn");
	int err = rt->ops->run(rt);
	if (err != -EDEADLK)
		FAIL("%s: a wait nobody notifies after a sleep: run returned %d, want -EDEADLK",
		     ops->name, err);
	if (l.state != 2 || l.slept < 20 * 1000000ull)
		FAIL("%s: deadlock declared before the timer fired (state %d)", ops->name, l.state);
	rt_event_free(rt, l.ev);
	ops->destroy(rt);
}

/* ---- skewed cpu ------------------------------------------------------------ */

static void test_skewed_cpu(const struct runtime *ops)
{
	const int64_t tasks = 64, work = 20000, skew = 4, seed = 7;
	int64_t sizes[64];
	wl_skewed_sizes(tasks, tasks * work, skew, (uint64_t)seed, sizes);
	int64_t sum = 0, max = 0;
	uint64_t want = 0;
	for (int64_t i = 0; i < tasks; i++) {
		sum += sizes[i];
		max = sizes[i] > max ? sizes[i] : max;
		uint64_t x = wl_mix64((uint64_t)i + 1);
		for (int64_t k = 0; k < sizes[i]; k++)
			x = wl_mix64(x + (uint64_t)k);
		want += x;
	}
	/* The sizes: the same total, and skewed (the largest task several
	 * times the mean). */
	if (sum != tasks * work || max < 3 * work)
		FAIL("skewed sizes: total %lld (want %lld), largest %lld", (long long)sum,
		     (long long)(tasks * work), (long long)max);

	const struct workload *wl = wl_find("cpu");
	int64_t wp[16];
	t_param_defaults(wl->params, wp);
	t_param_set(wl->params, wp, "tasks", tasks);
	t_param_set(wl->params, wp, "work", work);
	t_param_set(wl->params, wp, "skew", skew);
	t_param_set(wl->params, wp, "seed", seed);
	struct rt *rt = make(ops, 2);
	void *st = NULL;
	char why[160] = "";
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1, .why = why, .why_len = sizeof why };
	if (wl->setup(&st, rt, wp, &wenv))
		FAIL("cpu setup: %s", why);
	int err = rt->ops->run(rt);
	if (err)
		FAIL("%s: skewed cpu: %s", ops->name, strerror(-err));
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	wl->finish(st, &rep);
	wl->teardown(st, rt);
	ops->destroy(rt);
	if (rep.checksum != want)
		FAIL("%s: skewed cpu checksum 0x%016llx, want 0x%016llx", ops->name,
		     (unsigned long long)rep.checksum, (unsigned long long)want);
	printf("%s: skewed cpu (largest task %.1fx the mean) on 2 workers: checksum right\n",
	       ops->name, (double)max / (double)work);
}

/* ---- full duplex, two tasks per fd ------------------------------------------ */

#define PAIRS 8
#define CHUNK 1024
#if defined(__SANITIZE_THREAD__)
#define DUPLEX_BYTES (16 * 1024)
#else
#define DUPLEX_BYTES (256 * 1024)
#endif

struct duplex {
	struct rt_task t;
	int fd, writer, from; /* from: the end whose pattern a reader expects */
	long done, ops;
	int yielded;
	unsigned char buf[CHUNK];
};

static struct duplex dup_tasks[PAIRS * 4];

static unsigned char pattern(int end, long i)
{
	return (unsigned char)(i * 7 + end * 13 + i / 251);
}

static struct rt_op duplex_step(struct rt_task *t, long res)
{
	struct duplex *d = t->arg;
	if (res < 0)
		FAIL("duplex fd %d: %s", d->fd, strerror((int)-res));
	if (d->yielded) {
		d->yielded = 0;
	} else {
		if (d->ops > 0) { /* res: the bytes of the op before */
			if (!d->writer && res == 0)
				FAIL("duplex fd %d: EOF after %ld bytes", d->fd, d->done);
			for (long i = 0; !d->writer && i < res; i++)
				if (d->buf[i] != pattern(d->from, d->done + i))
					FAIL("duplex fd %d: byte %ld wrong", d->fd, d->done + i);
			d->done += res;
		}
		if (d->ops++ % 3 == 2) { /* to the back of the ring, where a thief may take it */
			d->yielded = 1;
			return rt_op_sleep(0);
		}
	}
	if (d->done == DUPLEX_BYTES)
		return rt_op_done();
	size_t len = DUPLEX_BYTES - d->done < CHUNK ? (size_t)(DUPLEX_BYTES - d->done) : CHUNK;
	if (!d->writer)
		return rt_op_read(d->fd, d->buf, len);
	for (size_t i = 0; i < len; i++)
		d->buf[i] = pattern(d->from, d->done + (long)i);
	return rt_op_write(d->fd, d->buf, len);
}

static void test_duplex(const struct runtime *ops, int reactor)
{
	struct rt *rt = make_r(ops, WORKERS, reactor);
	int fds[PAIRS][2];
	for (int p = 0; p < PAIRS; p++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds[p]))
			FAIL("socketpair: %s", strerror(errno));
		for (int e = 0; e < 2; e++) {
			int small = 4096; /* writers fill it and park */
			setsockopt(fds[p][e], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
			for (int w = 0; w < 2; w++) {
				struct duplex *d = &dup_tasks[p * 4 + e * 2 + w];
				*d = (struct duplex){ .t = { .step = duplex_step, .cpu = -1 },
				                      .fd = fds[p][e], .writer = w, .from = w ? e : !e };
				d->t.arg = d;
				if (rt_spawn(rt, &d->t))
					FAIL("spawn");
			}
		}
	}
	int err = rt->ops->run(rt);
	if (err)
		FAIL("%s reactor=%d: duplex run: %s", ops->name, reactor, strerror(-err));
	for (int i = 0; i < PAIRS * 4; i++)
		if (dup_tasks[i].done != DUPLEX_BYTES)
			FAIL("%s reactor=%d: task %d moved %ld bytes", ops->name, reactor, i,
			     dup_tasks[i].done);
	for (int p = 0; p < PAIRS; p++)
		close(fds[p][0]), close(fds[p][1]);
	ops->destroy(rt);
	printf("%s reactor=%d: %d socketpairs, a reader and a writer on each end, %d KiB each way\n",
	       ops->name, reactor, PAIRS, DUPLEX_BYTES / 1024);
}

/* The quick suite's part for a loop per CPU (C1 at equal CPUs). */
static void test_traits(void)
{
	extern const struct runtime rt_epoll;
	const struct h_suite *q = h_suite_find("quick");
	const struct h_suite_part *part = NULL;
	for (int i = 0; q && q->parts[i].runtimes; i++)
		if (q->parts[i].only == H_ONLY_LOOP_PER_CPU)
			part = &q->parts[i];
	if (!part)
		FAIL("the quick suite has no part for a loop per CPU");
	if (!h_suite_part_takes(part, &rt_epoll) || h_suite_part_takes(part, &rt_steal) ||
	    h_suite_part_takes(part, &rt_coro_steal))
		FAIL("a loop-per-CPU part must take epoll and neither stealing runtime");
}

int main(void)
{
	const struct runtime *rts[] = { &rt_steal, &rt_coro_steal };
	test_traits();
	for (size_t i = 0; i < 2; i++) {
		alarm(100); /* a lost wake-up would hang: fail instead */
		test_stress(rts[i], WORKERS);
		test_stress(rts[i], 1);
		test_steals(rts[i]);
		test_deadlock_after_timer(rts[i]);
		test_skewed_cpu(rts[i]);
		test_duplex(rts[i], 0);
		test_duplex(rts[i], 1);
	}
	alarm(0);
	return 0;
}
