/* unit_blocking — the threads and pool runtimes, driven through their vtables
 * with small tasks defined here: real sleeps, real futex events, real pipes.
 *
 *   unit_blocking              the tests
 *   unit_blocking --bench N    N pingpong rounds on threads and pool(2):
 *                              ns per switch (a round trip is two switches)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/base/base.h"
#include "runtimes/runtime.h"

#include "tests/check.h"

extern const struct runtime rt_threads, rt_pool;

static struct rt *make(const struct runtime *ops, int64_t param)
{
	static const int cpus[] = { 0 };
	struct rt_env env = { .ncpus = 1, .cpus = cpus };
	struct rt *rt = NULL;
	REQUIRE(ops->create(&rt, &env, &param) == 0);
	REQUIRE(rt && rt->ops == ops);
	return rt;
}

static void stats(struct rt *rt, struct rt_stats *st)
{
	rt->ops->stats(rt, st);
}

/* ---- sleepers -------------------------------------------------------- */

struct sleeper {
	struct rt_task t;
	uint64_t ns;
	int state;
	long bad;
};

static _Atomic int sleepers_done;

static struct rt_op sleeper_step(struct rt_task *t, long res)
{
	struct sleeper *s = (struct sleeper *)t;
	if (res != 0)
		s->bad++;
	if (s->state++ == 0)
		return rt_op_sleep(s->ns);
	atomic_fetch_add(&sleepers_done, 1);
	return rt_op_done();
}

/* n tasks sleeping ms each; returns the run's wall time in ns. */
static uint64_t run_sleepers(struct rt *rt, int n, uint64_t ms)
{
	struct sleeper *s = calloc((size_t)n, sizeof(*s));
	REQUIRE(s);
	atomic_store(&sleepers_done, 0);
	for (int i = 0; i < n; i++) {
		s[i].t.step = sleeper_step;
		s[i].t.cpu = -1;
		s[i].ns = ms * 1000000u;
		REQUIRE(rt_spawn(rt, &s[i].t) == 0);
	}
	uint64_t t0 = h_now_ns();
	REQUIRE(rt->ops->run(rt) == 0);
	uint64_t dt = h_now_ns() - t0;
	REQUIRE(atomic_load(&sleepers_done) == n);
	for (int i = 0; i < n; i++)
		REQUIRE(s[i].bad == 0 && s[i].state == 2);
	struct rt_stats st;
	stats(rt, &st);
	REQUIRE(st.spawned == (uint64_t)n && st.completed == (uint64_t)n && st.err == 0);
	free(s);
	return dt;
}

static void test_sleep_concurrency(void)
{
	/* 100 × 20 ms would be 2 s in sequence; threads overlap them all. */
	struct rt *rt = make(&rt_threads, 0);
	uint64_t dt = run_sleepers(rt, 100, 20);
	struct rt_stats st;
	stats(rt, &st);
	printf("threads: 100 sleeps of 20 ms in %.1f ms, peak %llu live\n", dt / 1e6,
	       (unsigned long long)st.peak_live);
	REQUIRE(dt >= 20000000u && dt < 1000000000u);
	REQUIRE(st.peak_live > 1);
	rt->ops->destroy(rt);

	/* A pool caps concurrency at its size: 10 × 20 ms on 2 workers is at
	 * least 5 rounds of 20 ms. */
	rt = make(&rt_pool, 2);
	dt = run_sleepers(rt, 10, 20);
	printf("pool(2): 10 sleeps of 20 ms in %.1f ms\n", dt / 1e6);
	REQUIRE(dt >= 100000000u && dt < 1000000000u);
	rt->ops->destroy(rt);
}

/* ---- pingpong over two events ---------------------------------------- */

struct pp {
	struct rt_task t;
	struct rt_event *mine, *other;
	int first; /* serves: notify then wait; the other waits then notifies */
	int phase;
	long rounds, done, bad;
};

static struct rt_op pp_step(struct rt_task *t, long res)
{
	struct pp *p = (struct pp *)t;
	if (res != 0)
		p->bad++;
	if (p->phase == 0) {
		if (p->done == p->rounds)
			return rt_op_done();
		p->phase = 1;
		return p->first ? rt_op_notify(p->other) : rt_op_wait(p->mine);
	}
	p->phase = 0;
	p->done++;
	return p->first ? rt_op_wait(p->mine) : rt_op_notify(p->other);
}

/* Returns run()'s result; *ns gets its wall time. */
static int pingpong(struct rt *rt, long rounds, struct pp pp[2], uint64_t *ns)
{
	struct rt_event *ev[2];
	REQUIRE(rt_event_new(rt, &ev[0]) == 0 && rt_event_new(rt, &ev[1]) == 0);
	for (int i = 0; i < 2; i++) {
		pp[i] = (struct pp){ .mine = ev[i], .other = ev[1 - i], .first = i == 0,
		                     .rounds = rounds };
		pp[i].t.step = pp_step;
		pp[i].t.cpu = -1;
		REQUIRE(rt_spawn(rt, &pp[i].t) == 0);
	}
	uint64_t t0 = h_now_ns();
	int rc = rt->ops->run(rt);
	*ns = h_now_ns() - t0;
	rt_event_free(rt, ev[0]);
	rt_event_free(rt, ev[1]);
	return rc;
}

static void test_pingpong(const struct runtime *ops, int64_t param, long rounds)
{
	struct rt *rt = make(ops, param);
	struct pp pp[2];
	uint64_t ns;
	REQUIRE(pingpong(rt, rounds, pp, &ns) == 0);
	for (int i = 0; i < 2; i++)
		REQUIRE(pp[i].done == rounds && pp[i].bad == 0);
	struct rt_stats st;
	stats(rt, &st);
	REQUIRE(st.spawned == 2 && st.completed == 2 && st.err == 0 && st.limit[0] == '\0');
	printf("%s: pingpong %ld rounds, %.0f ns per switch\n", ops->name, rounds,
	       (double)ns / (2.0 * rounds));
	rt->ops->destroy(rt);
}

/* C12: the server's reply needs the client, which waits in the queue behind
 * it. The pool must notice and say so, not hang. */
static void test_pool_deadlock(void)
{
	struct rt *rt = make(&rt_pool, 1);
	struct pp pp[2];
	uint64_t ns;
	int rc = pingpong(rt, 10000, pp, &ns);
	struct rt_stats st;
	stats(rt, &st);
	printf("pool(1): pingpong -> %d (%s) after %.0f ms, limit \"%s\"\n", rc, strerror(-rc),
	       ns / 1e6, st.limit);
	REQUIRE(rc == -EDEADLK);
	REQUIRE(st.err == -EDEADLK && strcmp(st.limit, "pool-deadlock") == 0);
	REQUIRE(st.spawned == 2 && st.completed == 0);
	REQUIRE(ns < 5000000000u);
	rt->ops->destroy(rt);
}

/* A pool of two or more workers: the watchdog (not the waits themselves)
 * must find both kinds of deadlock. "pool": two workers wait on an event
 * that only the third task, queued behind them, notifies. "task": every
 * task waits on an event nobody notifies, with workers to spare. */
struct stuck {
	struct rt_task t;
	struct rt_event *ev;
	int notifier, state;
	long res;
};

static struct rt_op stuck_step(struct rt_task *t, long res)
{
	struct stuck *k = (struct stuck *)t;
	if (k->state++)
		return k->res = res, rt_op_done();
	return k->notifier ? rt_op_notify(k->ev) : rt_op_wait(k->ev);
}

static void test_pool_deadlock_many(int64_t workers, int ntasks, int with_notifier,
                                    const char *limit)
{
	struct rt *rt = make(&rt_pool, workers);
	struct rt_event *ev;
	struct stuck k[4];
	REQUIRE(ntasks <= 4);
	REQUIRE(rt_event_new(rt, &ev) == 0);
	for (int i = 0; i < ntasks; i++) {
		k[i] = (struct stuck){ .t = { .step = stuck_step, .cpu = -1 }, .ev = ev,
		                       .notifier = with_notifier && i == ntasks - 1, .res = 1 };
		REQUIRE(rt_spawn(rt, &k[i].t) == 0);
	}
	uint64_t t0 = h_now_ns();
	int rc = rt->ops->run(rt);
	uint64_t ns = h_now_ns() - t0;
	struct rt_stats st;
	stats(rt, &st);
	printf("pool(%lld), %d tasks: run -> %d (%s) after %.0f ms, limit \"%s\"\n",
	       (long long)workers, ntasks, rc, strerror(-rc), ns / 1e6, st.limit);
	REQUIRE(rc == -EDEADLK);
	REQUIRE(st.err == -EDEADLK && strcmp(st.limit, limit) == 0);
	REQUIRE(st.spawned == (uint64_t)ntasks && st.completed == 0);
	for (int i = 0; i < ntasks; i++)
		REQUIRE(k[i].res == 1); /* abandoned: step never saw a result */
	REQUIRE(ns < 5000000000u);
	rt_event_free(rt, ev);
	rt->ops->destroy(rt);
}

/* ---- counting semantics ---------------------------------------------- */

struct counter {
	struct rt_task t;
	struct rt_event *ev;
	int state;
	long bad;
};

/* Three notifies then three waits: all three waits find a count. */
static struct rt_op counter_step(struct rt_task *t, long res)
{
	struct counter *c = (struct counter *)t;
	if (res != 0)
		c->bad++;
	int s = c->state++;
	if (s < 3)
		return rt_op_notify(c->ev);
	if (s < 6)
		return rt_op_wait(c->ev);
	return rt_op_done();
}

static void test_counting(const struct runtime *ops, int64_t param)
{
	struct rt *rt = make(ops, param);
	struct counter c = { .t = { .step = counter_step, .cpu = -1 } };
	REQUIRE(rt_event_new(rt, &c.ev) == 0);
	REQUIRE(rt_spawn(rt, &c.t) == 0);
	REQUIRE(rt->ops->run(rt) == 0);
	REQUIRE(c.state == 7 && c.bad == 0);
	rt_event_free(rt, c.ev);
	rt->ops->destroy(rt);
}

/* ---- pipe ------------------------------------------------------------ */

#define MSG 64
#define NMSG 1000

/* The byte at stream offset pos: irregular, so a lost, repeated or
 * reordered byte shows. */
static unsigned char pattern(size_t pos)
{
	return (unsigned char)((pos * 2654435761u) >> 13);
}

struct piper {
	struct rt_task t;
	int fd, writer;
	size_t total;
	long bad, mismatched;
	unsigned char buf[MSG];
};

static struct rt_op pipe_step(struct rt_task *t, long res)
{
	struct piper *p = (struct piper *)t;
	if (res < 0) {
		p->bad++;
		return rt_op_done();
	}
	if (p->writer) {
		p->total += (size_t)res;
		if (p->total >= (size_t)MSG * NMSG)
			return rt_op_done();
		for (int i = 0; i < MSG; i++)
			p->buf[i] = pattern(p->total + (size_t)i);
		return rt_op_write(p->fd, p->buf, MSG);
	}
	for (long i = 0; i < res; i++)
		p->mismatched += p->buf[i] != pattern(p->total + (size_t)i);
	p->total += (size_t)res;
	if (p->total >= (size_t)MSG * NMSG || (res == 0 && p->total > 0))
		return rt_op_done();
	return rt_op_read(p->fd, p->buf, sizeof(p->buf));
}

static void test_pipe(const struct runtime *ops, int64_t param)
{
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	struct rt *rt = make(ops, param);
	/* Reader spawned first, so it blocks in read() before any data. */
	struct piper r = { .t = { .step = pipe_step, .cpu = -1 }, .fd = fds[0] };
	struct piper w = { .t = { .step = pipe_step, .cpu = -1 }, .fd = fds[1], .writer = 1 };
	REQUIRE(rt_spawn(rt, &r.t) == 0 && rt_spawn(rt, &w.t) == 0);
	REQUIRE(rt->ops->run(rt) == 0);
	REQUIRE(r.bad == 0 && w.bad == 0);
	REQUIRE(w.total == (size_t)MSG * NMSG && r.total == (size_t)MSG * NMSG);
	REQUIRE(r.mismatched == 0);
	rt->ops->destroy(rt);
	close(fds[0]);
	close(fds[1]);
}

/* ---- spawning from a step -------------------------------------------- */

#define KIDS 50

struct parent;

struct kid {
	struct rt_task t;
	struct parent *p;
	int state;
};

struct parent {
	struct rt_task t;
	struct rt *rt;
	struct rt_event *ev;
	struct kid kids[KIDS];
	int state;
	long bad;
};

static _Atomic int kids_released;

/* A kid notifies its parent once, then is done. */
static struct rt_op kid_step(struct rt_task *t, long res)
{
	struct kid *k = (struct kid *)t;
	if (res != 0)
		k->p->bad++;
	return k->state++ == 0 ? rt_op_notify(k->p->ev) : rt_op_done();
}

static void kid_release(struct rt_task *t)
{
	(void)t;
	atomic_fetch_add(&kids_released, 1);
}

/* Spawns its kids from inside its first step, then waits for each one's
 * notify: on pool(2) it holds one worker while the kids use the other. */
static struct rt_op parent_step(struct rt_task *t, long res)
{
	struct parent *p = (struct parent *)t;
	if (res != 0)
		p->bad++;
	if (p->state == 0) {
		for (int i = 0; i < KIDS; i++) {
			p->kids[i] = (struct kid){ .t = { .step = kid_step, .release = kid_release,
			                                  .cpu = -1 },
			                           .p = p };
			if (rt_spawn(p->rt, &p->kids[i].t) != 0)
				p->bad++;
		}
	}
	return p->state++ < KIDS ? rt_op_wait(p->ev) : rt_op_done();
}

static void test_spawn_from_step(const struct runtime *ops, int64_t param)
{
	struct rt *rt = make(ops, param);
	struct parent p = { .t = { .step = parent_step, .cpu = -1 }, .rt = rt };
	REQUIRE(rt_event_new(rt, &p.ev) == 0);
	atomic_store(&kids_released, 0);
	REQUIRE(rt_spawn(rt, &p.t) == 0);
	REQUIRE(rt->ops->run(rt) == 0);
	REQUIRE(p.bad == 0 && p.state == KIDS + 1);
	REQUIRE(atomic_load(&kids_released) == KIDS);
	for (int i = 0; i < KIDS; i++)
		REQUIRE(p.kids[i].state == 2);
	struct rt_stats st;
	stats(rt, &st);
	REQUIRE(st.spawned == KIDS + 1 && st.completed == KIDS + 1 && st.err == 0);
	rt_event_free(rt, p.ev);
	rt->ops->destroy(rt);
}

/* ---- placement ------------------------------------------------------- */

struct placed {
	struct rt_task t;
	int state;
	long off_cpu;
};

/* Checks, after each sleep, that the thread runs on t->cpu and may run
 * nowhere else. */
static struct rt_op placed_step(struct rt_task *t, long res)
{
	struct placed *p = (struct placed *)t;
	cpu_set_t set;
	if (res != 0 || sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1 ||
	    !CPU_ISSET(t->cpu, &set) || sched_getcpu() != t->cpu)
		p->off_cpu++;
	return p->state++ < 5 ? rt_op_sleep(100000) : rt_op_done();
}

static void test_placement(void)
{
	cpu_set_t mask;
	REQUIRE(sched_getaffinity(0, sizeof(mask), &mask) == 0);
	struct rt *rt = make(&rt_threads, 0);
	struct placed p[CPU_SETSIZE];
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE && n < 8; c++) {
		if (!CPU_ISSET(c, &mask))
			continue;
		p[n] = (struct placed){ .t = { .step = placed_step, .cpu = c } };
		REQUIRE(rt_spawn(rt, &p[n++].t) == 0);
	}
	REQUIRE(rt->ops->run(rt) == 0);
	for (int i = 0; i < n; i++)
		REQUIRE(p[i].state == 6 && p[i].off_cpu == 0);
	rt->ops->destroy(rt);

	/* A CPU that cannot exist: the task still runs, the run reports it. */
	rt = make(&rt_threads, 0);
	struct counter c = { .t = { .step = counter_step, .cpu = CPU_SETSIZE } };
	REQUIRE(rt_event_new(rt, &c.ev) == 0);
	REQUIRE(rt_spawn(rt, &c.t) == 0);
	REQUIRE(rt->ops->run(rt) == -EINVAL);
	struct rt_stats st;
	stats(rt, &st);
	REQUIRE(c.state == 7 && st.completed == 1 && strcmp(st.limit, "cpu-affinity") == 0);
	rt_event_free(rt, c.ev);
	rt->ops->destroy(rt);
}

/* ---- the limit path ---------------------------------------------------- */

static long vm_size_kib(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmSize:", 7) == 0)
			kib = atol(line + 7);
	if (f)
		fclose(f);
	return kib;
}

/* 1 GiB stacks under a 4 GiB address-space allowance: creation fails after
 * a few threads. The first task waits for a notify from the last one, which
 * is never created: run() must give up on it after its grace period and
 * report the failure with a limit, while the sleepers that did start finish.
 * In a child, so the limit and the abandoned thread stay there. */
static void test_thread_limit(void)
{
	enum { N = 100000 };
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct rt *rt = make(&rt_threads, 1048576);
		struct pp pp[2];
		struct sleeper *s = calloc(N - 2, sizeof(*s));
		REQUIRE(s && rt_event_new(rt, &pp[0].mine) == 0);
		pp[0] = (struct pp){ .t = { .step = pp_step, .cpu = -1 },
		                     .mine = pp[0].mine, .rounds = 1 };
		pp[1] = (struct pp){ .t = { .step = pp_step, .cpu = -1 },
		                     .other = pp[0].mine, .first = 1, .rounds = 1 };
		REQUIRE(rt_spawn(rt, &pp[0].t) == 0);
		for (int i = 0; i < N - 2; i++) {
			s[i].t.step = sleeper_step;
			s[i].t.cpu = -1;
			s[i].ns = 200000000u;
			REQUIRE(rt_spawn(rt, &s[i].t) == 0);
		}
		REQUIRE(rt_spawn(rt, &pp[1].t) == 0);
		long kib = vm_size_kib();
		REQUIRE(kib > 0);
		/* Relative to what is mapped already (a sanitizer maps a lot). */
		rlim_t as = ((rlim_t)kib << 10) + (4ull << 30);
		struct rlimit rl = { as, as };
		REQUIRE(setrlimit(RLIMIT_AS, &rl) == 0);
		uint64_t t0 = h_now_ns();
		int rc = rt->ops->run(rt);
		uint64_t dt = h_now_ns() - t0;
		struct rt_stats st;
		stats(rt, &st);
		printf("threads(stack 1 GiB, AS +4 GiB): run -> %d (%s) after %.0f ms, "
		       "spawned %llu, completed %llu, limit \"%s\"\n",
		       rc, strerror(-rc), dt / 1e6, (unsigned long long)st.spawned,
		       (unsigned long long)st.completed, st.limit);
		fflush(stdout);
		int ok = rc < 0 && st.err == rc && st.spawned > 1 && st.spawned < N &&
		         st.limit[0] != '\0' && st.completed == st.spawned - 1 &&
		         pp[1].done == 0 && dt >= 2000000000u && dt < 10000000000u;
		_exit(ok ? 0 : 1);
	}
	int status = t_wait(pid);
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* RLIMIT_NPROC binds only a non-root user: as root, fork a child that
 * becomes nobody with a limit of 10 tasks, and check the diagnosis names it.
 * The limit bounds the threads alive at once (peak_live), not those
 * spawned: where creation is slow (TSan), early sleepers end and free
 * their slots before the limit is met. */
static void test_nproc_limit(void)
{
	if (geteuid() != 0) {
		printf("RLIMIT_NPROC diagnosis: skipped (needs root to become nobody)\n");
		return;
	}
	enum { N = 100 };
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct sleeper *s = calloc(N, sizeof(*s));
		struct rt *rt = make(&rt_threads, 0);
		struct rlimit rl = { 10, 10 };
		REQUIRE(s);
		for (int i = 0; i < N; i++) {
			s[i].t.step = sleeper_step;
			s[i].t.cpu = -1;
			s[i].ns = 100000000u;
			REQUIRE(rt_spawn(rt, &s[i].t) == 0);
		}
		REQUIRE(setgid(65534) == 0 && setuid(65534) == 0);
		REQUIRE(setrlimit(RLIMIT_NPROC, &rl) == 0);
		int rc = rt->ops->run(rt);
		struct rt_stats st;
		stats(rt, &st);
		printf("threads as nobody, RLIMIT_NPROC 10: run -> %d, spawned %llu, peak %llu live, "
		       "limit \"%s\"\n",
		       rc, (unsigned long long)st.spawned, (unsigned long long)st.peak_live, st.limit);
		fflush(stdout);
		_exit(rc == -EAGAIN && st.peak_live > 0 && st.peak_live < 10 &&
		      st.completed == st.spawned && strcmp(st.limit, "RLIMIT_NPROC") == 0 ? 0 : 1);
	}
	int status = t_wait(pid);
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int bench(long rounds)
{
	const struct { const struct runtime *ops; int64_t param; } cells[] = {
		{ &rt_threads, 0 }, { &rt_pool, 2 },
	};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		struct rt *rt = make(cells[i].ops, cells[i].param);
		struct pp pp[2];
		uint64_t ns;
		struct rusage a, b;
		getrusage(RUSAGE_SELF, &a);
		REQUIRE(pingpong(rt, rounds, pp, &ns) == 0);
		getrusage(RUSAGE_SELF, &b);
		REQUIRE(pp[0].done == rounds && pp[1].done == rounds);
		long vcsw = b.ru_nvcsw - a.ru_nvcsw, ivcsw = b.ru_nivcsw - a.ru_nivcsw;
		printf("%-8s %ld rounds: %.0f ns/switch, %.2f voluntary + %.2f involuntary "
		       "context switches per round\n",
		       cells[i].ops->name, rounds, (double)ns / (2.0 * rounds),
		       (double)vcsw / rounds, (double)ivcsw / rounds);
		rt->ops->destroy(rt);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--bench") == 0)
		return bench(atol(argv[2]));

	alarm(100); /* a hang is a failure, reported before CTest's timeout */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* First, while this process has one thread: fork() is then safe
	 * under every sanitizer (TSan refuses to fork a threaded process). */
	test_thread_limit();
	test_nproc_limit();
	test_sleep_concurrency();
	test_counting(&rt_threads, 0);
	test_counting(&rt_pool, 1);
	test_pingpong(&rt_threads, 0, 10000);
	test_pingpong(&rt_threads, 1, 1000); /* 1 KiB: rounded up to PTHREAD_STACK_MIN */
	test_pingpong(&rt_pool, 2, 10000);
	test_pool_deadlock();
	test_pool_deadlock_many(2, 3, 1, "pool-deadlock");
	test_pool_deadlock_many(3, 2, 0, "task-deadlock");
	test_pipe(&rt_threads, 0);
	test_pipe(&rt_pool, 2);
	test_spawn_from_step(&rt_threads, 0);
	test_spawn_from_step(&rt_pool, 2);
	test_placement();

	printf("unit_blocking: ok\n");
	return 0;
}
