/* calib.c — what this machine's kernel charges for a switch, measured once
 * per run before the first cell, so the report can set each runtime's
 * switch figures beside a plain program doing the same thing.
 *
 *   pipe   two threads pass a 4-byte token through two pipes, the mechanism
 *          of `perf bench sched pipe -T`: each hand-over is a blocking read
 *          woken by the other thread's write (pipepingpong's yardstick)
 *   futex  the same with one futex word (FUTEX_WAIT / FUTEX_WAKE, private):
 *          the primitive under the threads runtime's events (pingpong's)
 *   clock  clock_gettime(CLOCK_MONOTONIC), ns per call: what a timestamp
 *          costs the figures that take one
 *   stack switch  the raw switch of the coro runtime beside swapcontext and
 *          Boost.Context's (switchpeers.c), no scheduler: C11's yardstick
 *
 * Each ping-pong runs pinned (pthread affinity) at two placements resolved
 * as the cells' are (placement.c, within the run's CPUs): same-core (both
 * threads on one CPU: every hand-over is a context switch there) and
 * cross-core (one thread on each of two cores: a wake-up across CPUs).
 * ns per switch = the round trip's time / 2, as the workloads report it.
 *
 * Each figure is the median of 7 timed regions (H_CALIB_REGIONS) of a time
 * box each, half of CONCBENCH_CALIB_MS (default 100 ms: regions of 50 ms),
 * each after a warm-up of a tenth of it with fresh threads. One region of
 * 100 ms was one draw of a shared machine's mood: threads' pipepingpong
 * measured 1.11x then 0.82x of it in two runs. The four figures' regions
 * are interleaved (region 1 of each, then region 2 ...), so drift of the
 * machine spreads over all four, and the manifest keeps every region's
 * figure, their range and the median's bootstrap interval. 28 regions and
 * three switch peers (three regions of CONCBENCH_CALIB_MS each) make the
 * whole calibration about two and a half seconds. The tests set
 * CONCBENCH_CALIB_MS low to stay quick; the manifest records the boxes.
 *
 * What the ping-pongs share with the threads runtime's pipepingpong and
 * pingpong cells, so that the ratio is the model's cost: the same
 * placement and pinning (each thread on its CPU before its first
 * hand-over), ping's side reads the clock, warm-up before the timed
 * region, a token already in cache. What they do not: the cell's inherited
 * perf counters and its cgroup (the harness's, CONCBENCH_COUNTERS=off and
 * CONCBENCH_CGROUP=off take them away) and the runtime's own code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

const char *const h_calib_names[H_NCALIB] = {
	[H_CALIB_PIPE_SAME] = "pipe_same_core",
	[H_CALIB_PIPE_CROSS] = "pipe_cross_core",
	[H_CALIB_FUTEX_SAME] = "futex_same_core",
	[H_CALIB_FUTEX_CROSS] = "futex_cross_core",
};

/* The stop token: never a round-trip count. */
#define STOP UINT32_MAX

struct pp {
	int futex;         /* 0: pipes; 1: the futex word */
	int p2q[2], q2p[2];
	_Atomic uint32_t word; /* futex: 0 ping's turn, 1 pong's, 2 stop */
	int cpu[2];
	uint64_t box_ns;
	uint64_t trips, ns; /* timed round trips and their time */
	int err;            /* an errno from either side */
};

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Waits while *w == val. */
static void futex_wait(_Atomic uint32_t *w, uint32_t val)
{
	while (atomic_load_explicit(w, memory_order_acquire) == val)
		futex(w, FUTEX_WAIT, val);
}

static int xfer(int fd, uint32_t *v, int wr)
{
	ssize_t n;
	do
		n = wr ? write(fd, v, sizeof *v) : read(fd, v, sizeof *v);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *v ? 0 : n < 0 ? -errno : -EIO;
}

/* One round trip from ping's side: 0 or -errno. */
static int ping_once(struct pp *p, uint32_t v)
{
	if (p->futex) {
		atomic_store_explicit(&p->word, 1, memory_order_release);
		futex(&p->word, FUTEX_WAKE, 1);
		futex_wait(&p->word, 1);
		return 0;
	}
	int rc = xfer(p->p2q[1], &v, 1);
	return rc < 0 ? rc : xfer(p->q2p[0], &v, 0);
}

/* Round trips for box_ns from t0; the clock is read every 4 trips, so
 * the box overshoots by at most 3 trips (a round trip across loaded CPUs
 * can take milliseconds) at a cost of a clock read per 4 round trips
 * (tens of ns against microseconds). Returns the trips done. */
static uint64_t ping_box(struct pp *p, uint64_t box_ns, uint64_t *elapsed)
{
	uint64_t t0 = h_now_ns(), n = 0, now = t0;
	for (;;) {
		int rc = ping_once(p, (uint32_t)n);
		if (rc < 0) {
			p->err = -rc;
			break;
		}
		if ((++n & 3) == 0 && (now = h_now_ns()) - t0 >= box_ns)
			break;
	}
	*elapsed = (p->err ? h_now_ns() : now) - t0;
	return n;
}

static void *ping(void *arg)
{
	struct pp *p = arg;
	uint64_t ns;
	ping_box(p, p->box_ns / 10, &ns); /* warm-up: caches, wake-up paths, frequency */
	if (!p->err)
		p->trips = ping_box(p, p->box_ns, &p->ns);
	if (p->futex) {
		atomic_store_explicit(&p->word, 2, memory_order_release);
		futex(&p->word, FUTEX_WAKE, 1);
	} else {
		uint32_t v = STOP;
		xfer(p->p2q[1], &v, 1);
		close(p->p2q[1]); /* pong's read sees EOF if the token was lost */
		p->p2q[1] = -1;
	}
	return NULL;
}

static void *pong(void *arg)
{
	struct pp *p = arg;
	for (;;) {
		if (p->futex) {
			futex_wait(&p->word, 0);
			if (atomic_load_explicit(&p->word, memory_order_acquire) == 2)
				return NULL;
			atomic_store_explicit(&p->word, 0, memory_order_release);
			futex(&p->word, FUTEX_WAKE, 1);
			continue;
		}
		uint32_t v;
		if (xfer(p->p2q[0], &v, 0) < 0 || v == STOP)
			break;
		if (xfer(p->q2p[1], &v, 1) < 0)
			break;
	}
	/* Ping may still be reading (an error on this side): EOF ends it. */
	close(p->q2p[1]);
	p->q2p[1] = -1;
	return NULL;
}

static int start_pinned(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_attr_init(&a);
	if (rc == 0)
		rc = pthread_attr_setaffinity_np(&a, sizeof set, &set);
	if (rc == 0)
		rc = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return -rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* One region of a ping-pong: its timed round trips and their time into
 * *trips and *ns, or -errno. Fresh threads each time, so that a region
 * may run at the other placement between two of this one's. */
static int pingpong(int use_futex, int cpu_a, int cpu_b, uint64_t box_ns, uint64_t *trips,
                    uint64_t *ns)
{
	struct pp p = { .futex = use_futex, .p2q = { -1, -1 }, .q2p = { -1, -1 },
		        .cpu = { cpu_a, cpu_b }, .box_ns = box_ns };
	int rc = 0;
	if (!use_futex && (pipe2(p.p2q, O_CLOEXEC) != 0 || pipe2(p.q2p, O_CLOEXEC) != 0))
		rc = -errno;
	pthread_t tq, tp;
	if (rc == 0 && (rc = start_pinned(&tq, cpu_b, pong, &p)) == 0) {
		if ((rc = start_pinned(&tp, cpu_a, ping, &p)) == 0) {
			pthread_join(tp, NULL);
		} else if (use_futex) {
			atomic_store(&p.word, 2);
			futex(&p.word, FUTEX_WAKE, 1);
		} else {
			close_fd(&p.p2q[1]);
		}
		pthread_join(tq, NULL);
	}
	close_fd(&p.p2q[0]);
	close_fd(&p.p2q[1]);
	close_fd(&p.q2p[0]);
	close_fd(&p.q2p[1]);
	if (rc == 0 && p.err)
		rc = -p.err;
	if (rc == 0 && p.trips == 0)
		rc = -EIO;
	if (rc < 0)
		return rc;
	*trips = p.trips;
	*ns = p.ns;
	return 0;
}

/* One more region of figure *pp (ns per switch = the round trip's time / 2,
 * as the workloads report it); after a failure, none: why says it. */
static void region(struct h_calib_pp *pp, int use_futex, const int cpu[2], uint64_t box_ns)
{
	if (pp->why[0])
		return;
	uint64_t trips, ns;
	int rc = pingpong(use_futex, cpu[0], cpu[1], box_ns, &trips, &ns);
	if (rc < 0) {
		snprintf(pp->why, sizeof pp->why, "%s", strerror(-rc));
		return;
	}
	pp->region_ns[pp->regions++] = (double)ns / (2.0 * (double)trips);
	pp->round_trips += trips;
	pp->timed_ns += ns;
}

/* The figure: the median of its regions, with their range and the
 * median's interval. */
static void figure(struct h_calib_pp *pp)
{
	if (pp->why[0] || pp->regions == 0) {
		pp->ns_per_switch = 0;
		pp->regions = 0;
		return;
	}
	double v[H_CALIB_REGIONS];
	struct h_dist d;
	memcpy(v, pp->region_ns, sizeof v);
	h_dist_of(v, pp->regions, &d);
	pp->ns_per_switch = d.median;
	pp->min = d.min;
	pp->max = d.max;
	pp->ci_lo = d.ci_lo;
	pp->ci_hi = d.ci_hi;
}

/* ns per clock_gettime(CLOCK_MONOTONIC): a million calls, or fewer when
 * the clock is slow (a VM without a stable TSC falls back to a syscall:
 * then the box, not the count, ends it). */
static double clock_cost(uint64_t box_ns, uint64_t *calls)
{
	struct timespec ts;
	volatile long sink = 0;
	uint64_t t0 = h_now_ns(), n = 0, t1 = t0;
	while (n < 1000000) {
		for (int i = 0; i < 1000; i++) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			sink += ts.tv_nsec;
		}
		n += 1000;
		if ((t1 = h_now_ns()) - t0 >= box_ns / 4)
			break;
	}
	(void)sink;
	*calls = n;
	/* The loop's own reads (one h_now_ns per thousand) are in the time:
	 * a tenth of a percent. */
	return (double)(t1 - t0) / (double)n;
}

static uint64_t box_ms(void)
{
	const char *s = getenv("CONCBENCH_CALIB_MS");
	char *end;
	if (s && *s) {
		long v = strtol(s, &end, 10);
		if (!*end && v >= 1 && v <= 10000)
			return (uint64_t)v;
	}
	return 100;
}

void h_calib_measure(hwloc_topology_t topo, hwloc_const_cpuset_t cpuset, struct h_calib *c)
{
	memset(c, 0, sizeof *c);
	c->box_ms = box_ms();
	c->region_ms = c->box_ms / 2 ? c->box_ms / 2 : 1;
	uint64_t box = c->box_ms * 1000000ull, region_ns = c->region_ms * 1000000ull;
	static const char *const place[2] = { "same-core", "cross-core" };
	for (int k = 0; k < 2; k++) {
		struct h_place pl;
		char err[160];
		c->cpu[k][0] = c->cpu[k][1] = -1;
		int rc = h_placement_resolve(topo, cpuset, place[k], &pl, err, sizeof err);
		if (rc < 0) {
			for (int f = 0; f < 2; f++)
				snprintf(c->pp[2 * f + k].why, sizeof c->pp[0].why, "%s", err);
			continue;
		}
		c->cpu[k][0] = pl.cpu_a;
		c->cpu[k][1] = pl.cpu_b >= 0 ? pl.cpu_b : pl.cpu_a;
		h_placement_free(&pl);
	}
	/* Region r of every figure before region r + 1 of any: a slow spell
	 * of the machine (other tenants, frequency) lands in one region of
	 * each figure, which the median then leaves out. */
	for (int r = 0; r < H_CALIB_REGIONS; r++)
		for (int i = 0; i < H_NCALIB; i++)
			region(&c->pp[i], i >= H_CALIB_FUTEX_SAME, c->cpu[i % 2], region_ns);
	for (int i = 0; i < H_NCALIB; i++)
		figure(&c->pp[i]);
	c->clock_ns = clock_cost(box, &c->clock_calls);
	/* The raw switch beside Boost.Context's and swapcontext's, where the
	 * same-core ping-pongs ran (-1: wherever this thread is). */
	c->sw_rc = h_switch_peers(c->cpu[0][0], c->box_ms, &c->sw);
}
