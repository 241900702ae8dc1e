/* cell.c — one cell (runtime × workload × parameter point × placement ×
 * rep) in a fresh child process. fork without exec: the child inherits the
 * loaded hwloc topology and the registries, so a cell costs one fork (well
 * under a millisecond for this small parent), and a crash, a leak or a
 * runaway thread count dies with the child instead of skewing the next
 * cell. The child sends one fixed-size struct through a pipe; the parent
 * adds what wait4() knows (CPU time, context switches, peak RSS), less the
 * load generator's for a server workload (client_cost, server_alone).
 *
 * The child's life, in order (what is measured where), one function a
 * phase:
 *   child_bind: bind to the placement's cpuset
 *   child_create: join the cell's own cgroup; memory baseline: RSS
 *     (smaps_rollup), kernel memory (cgroup, meminfo); open the kernel
 *     counters (disabled, inherited by later threads); create the runtime
 *   child_setup: set up the workload                    -- not counted
 *   child_start_load: server workloads: fork the load generator (its own
 *     process, on the client CPUs), then reopen the counters so it is not
 *     counted
 *   child_run: enable counters; run(); disable counters -- counted, timed
 *     (the workload may call wl_at_peak(): the peak hook samples memory,
 *      the threads' CPUs and the time since run() began); wait for the
 *      runtime's threads to exit, read the counters
 *   child_finish, child_sample: the reports and the peak's figures
 *   teardown, destroy, send the result
 * The parent: fork_cell, watch_cell (the time limit), fill_result.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "measure.h"

volatile pid_t h_cell_pid;

/* Under PIPE_BUF, so the child's single write is atomic. */
_Static_assert(sizeof(struct h_cell_result) <= 4096, "result must fit in one pipe write");

void h_cell_fail(struct h_cell_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	r->ok = 0;
}

/* No result yet: zeros, and NaN for what is not measured. */
void h_cell_result_clear(struct h_cell_result *r)
{
	memset(r, 0, sizeof *r);
	r->limit_max = r->limit_at = -1;
	for (int i = 0; i < H_NHM; i++)
		r->hm[i] = NAN;
	r->mem_noise_kib = NAN;
}

static _Noreturn void child_send(int fd, const struct h_cell_result *r)
{
	h_child_send_exit(fd, r, sizeof *r);
}

/* The child's copy of the reserve its parent computed (h_cell_run). */
static struct h_reserve reserve;

static void take_stats(struct rt *rt, struct h_cell_result *r)
{
	struct rt_stats st = { 0 };
	rt->ops->stats(rt, &st);
	r->tasks_reached = st.spawned;
	st.limit[sizeof st.limit - 1] = '\0';
	snprintf(r->limit, sizeof r->limit, "%s", st.limit);
	r->reserve = st.reserve && st.limit[0];
	if (r->reserve && strcmp(st.limit, "memory") == 0) {
		r->limit_max = (int64_t)reserve.mem_avail_kib;
		r->limit_at = -1;
	} else if (r->reserve) {
		r->limit_max = reserve.limit_max;
		r->limit_at = reserve.limit_at;
	}
}

/* ---- where the threads ran ---- */

/* A set of CPUs (up to 1024: sched_getcpu's answers, /proc's field 39). */
struct cpubits {
	uint64_t w[16];
};

static void cpubits_add(struct cpubits *b, long cpu)
{
	if (cpu >= 0 && cpu < 1024)
		b->w[cpu / 64] |= 1ull << (cpu % 64);
}

/* "0-1,4", or "" for none. */
static void cpubits_list(const struct cpubits *b, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < 1024; i++) {
		if (!(b->w[i / 64] >> (i % 64) & 1))
			continue;
		int j = i;
		while (j + 1 < 1024 && (b->w[(j + 1) / 64] >> ((j + 1) % 64) & 1))
			j++;
		int w = j > i ? snprintf(out + used, len - used, "%s%d-%d", used ? "," : "", i, j)
		              : snprintf(out + used, len - used, "%s%d", used ? "," : "", i);
		if (w < 0 || (size_t)w >= len - used) {
			out[used] = '\0';
			return;
		}
		used += (size_t)w;
		i = j;
	}
}

/* Adds the CPU each of this process's threads last ran on: field 39 of
 * /proc/self/task/TID/stat. Three syscalls a thread, so at most `max`
 * threads are read: a sample, not a census, once the count is large. */
static void threads_cpus(struct cpubits *b, int max)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return;
	char path[64], buf[1024];
	int n = 0;
	for (struct dirent *e; n < max && (e = readdir(d));) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* it exited meanwhile */
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		n++;
		/* The name (field 2) may hold spaces and parentheses: count
		 * from the last ')'. Field 3 follows it, so 39 is 36 more on. */
		char *p = strrchr(buf, ')');
		for (int f = 2; p && f < 39; f++)
			p = strchr(p + 1, ' ');
		if (p)
			cpubits_add(b, strtol(p + 1, NULL, 10));
	}
	closedir(d);
}

/* Threads of this process, from /proc/self/stat field 20; -1 when
 * unreadable. */
static long nthreads(void)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	char *p = strrchr(buf, ')');
	for (int f = 2; p && f < 20; f++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

/* ---- the peak hook: the child's memory at peak concurrency ---- */

/* Child-only state: set up before run(), written once by whichever task
 * reports the peak, read after run() returned (which orders it). */
static struct {
	const struct h_cgroup *cg;
	uint64_t run_t0;
	_Atomic int hit;
	uint64_t t_ns;
	double rss, pss;
	struct h_kmem cgk, mik;
	int cg_ok, mi_ok, user_ok;
	struct cpubits cpus;
} peak;

static void peak_hook(void)
{
	int expect = 0;
	if (!atomic_compare_exchange_strong(&peak.hit, &expect, 1))
		return; /* once per cell */
	peak.t_ns = h_now_ns();
	peak.user_ok = h_mem_user(&peak.rss, &peak.pss) == 0;
	peak.cg_ok = peak.cg->kind && h_cgroup_read(peak.cg, &peak.cgk) == 0;
	peak.mi_ok = h_mem_meminfo(&peak.mik) == 0;
	threads_cpus(&peak.cpus, 1024);
}

/* ---- the child ---- */

/* Memory before the runtime exists: everything the cell makes from then
 * on is in the difference at peak. */
struct baseline {
	int cg_ok, mi_ok;
	struct h_kmem cg, mi;
	double rss;
};

/* Joins the cell's cgroup and reads the baseline. meminfo is read twice,
 * 10 ms apart, and the change is recorded as that method's noise (not
 * needed with cgroup v2, which has the parts itself). */
static void take_baseline(const struct h_cgroup *cg, struct baseline *b, struct h_cell_result *r)
{
	struct h_kmem first;
	double pss;
	b->cg_ok = cg->kind && h_cgroup_join(cg) == 0 && h_cgroup_read(cg, &b->cg) == 0;
	b->mi_ok = h_mem_meminfo(&first) == 0;
	b->mi = first;
	if (b->mi_ok && !(b->cg_ok && cg->kind == 2)) {
		usleep(10000);
		b->mi_ok = h_mem_meminfo(&b->mi) == 0;
		if (b->mi_ok)
			r->mem_noise_kib = fabs(b->mi.stack - first.stack) +
			                   fabs(b->mi.pagetables - first.pagetables) +
			                   fabs(b->mi.slab - first.slab);
	}
	if (h_mem_user(&b->rss, &pss) < 0)
		b->rss = NAN;
}

/* User memory, kernel memory and its parts at peak, less the baseline;
 * the method names go into the result. */
static void mem_at_peak(struct h_cell_result *r, const struct h_cgroup *cg,
                        const struct baseline *b)
{
	double *hm = r->hm;
	if (!atomic_load(&peak.hit))
		return;
	if (peak.user_ok) {
		hm[H_HM_MEM_RSS] = peak.rss;
		hm[H_HM_MEM_PSS] = peak.pss;
		if (!isnan(b->rss))
			hm[H_HM_MEM_USER] = peak.rss - b->rss;
	}
	int use_cg = b->cg_ok && peak.cg_ok, use_mi = b->mi_ok && peak.mi_ok;
	if (use_cg) {
		hm[H_HM_MEM_KERNEL] = peak.cgk.total - b->cg.total;
		snprintf(r->mem_method, sizeof r->mem_method, "%s",
		         cg->kind == 2 ? "cgroup v2 memory.stat"
		                       : "cgroup v1 memory.kmem.usage_in_bytes");
	} else if (use_mi) {
		hm[H_HM_MEM_KERNEL] = peak.mik.total - b->mi.total;
		snprintf(r->mem_method, sizeof r->mem_method, "/proc/meminfo (system-wide)");
	}
	if (use_cg && cg->kind == 2) {
		hm[H_HM_MEM_KSTACK] = peak.cgk.stack - b->cg.stack;
		hm[H_HM_MEM_PAGETABLES] = peak.cgk.pagetables - b->cg.pagetables;
		hm[H_HM_MEM_SLAB] = peak.cgk.slab - b->cg.slab;
		snprintf(r->mem_parts_method, sizeof r->mem_parts_method, "cgroup v2 memory.stat");
	} else if (use_mi) {
		hm[H_HM_MEM_KSTACK] = peak.mik.stack - b->mi.stack;
		hm[H_HM_MEM_PAGETABLES] = peak.mik.pagetables - b->mi.pagetables;
		hm[H_HM_MEM_SLAB] = peak.mik.slab - b->mi.slab;
		snprintf(r->mem_parts_method, sizeof r->mem_parts_method,
		         "/proc/meminfo (system-wide)");
	}
}

/* Per-task figures only when every task was alive at the peak: a workload
 * that knows fewer were (sleep on a pool) says so in peak_waiting. */
static void per_task(struct h_cell_result *r)
{
	double tasks = (double)r->tasks_reached;
	for (int i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].name, "peak_waiting") == 0 && r->metrics[i].value < tasks)
			return;
	if (tasks <= 0 || !atomic_load(&peak.hit))
		return;
	double *hm = r->hm;
	hm[H_HM_MEM_USER_PER_TASK] = hm[H_HM_MEM_USER] / tasks;
	hm[H_HM_MEM_KERNEL_PER_TASK] = hm[H_HM_MEM_KERNEL] / tasks;
	hm[H_HM_MEM_KSTACK_PER_TASK] = hm[H_HM_MEM_KSTACK] / tasks;
	hm[H_HM_CREATE_NS_PER_TASK] = (double)(peak.t_ns - peak.run_t0) / tasks;
}

/* What the child holds from start to end. */
struct child {
	const struct h_cell *c;
	hwloc_topology_t topo;
	const struct h_cgroup *cg;
	int fd;        /* the result pipe's write end */
	int timeout_s;
	struct h_cell_result r;
	int *cpus;     /* the placement's CPUs, for the runtime */
	struct rt_env env;
	struct wl_env wenv;
	char why[160]; /* the workload's reason for a failed setup */
	char rt_why[160]; /* the runtime's reason for being unavailable */
	struct baseline base;
	struct h_perf perf;
	struct rt *rt;
	void *state;   /* the workload's */
	int conns_asked; /* server workloads: before the RLIMIT_NOFILE clamp, else -1 */
	int lg_on;
	int stopped; /* the load generator's watch had to stop the server */
	int lfd;       /* the client on another host: where its load goes (remote.c) */
	struct h_loadgen lg;
	struct cpubits used; /* where the threads ran */
	double syscalls; /* server cells: the server's, over run() (NaN: not counted) */
};

/* Binds the child to its placement's cpuset and lists those CPUs for the
 * runtime. 0, or a negative errno with the result failed. */
static int child_bind(struct child *k)
{
	hwloc_const_cpuset_t cpuset = k->c->place->cpuset;
	if (hwloc_set_cpubind(k->topo, cpuset, HWLOC_CPUBIND_PROCESS) != 0) {
		int e = errno;
		h_cell_fail(&k->r, "cannot bind to the cpuset: %s", strerror(e));
		return -e;
	}
	int ncpus = hwloc_bitmap_weight(cpuset);
	k->cpus = calloc(ncpus > 0 ? (size_t)ncpus : 1, sizeof *k->cpus);
	if (!k->cpus) {
		h_cell_fail(&k->r, "out of memory");
		return -ENOMEM;
	}
	int n = 0;
	unsigned id;
	hwloc_bitmap_foreach_begin(id, cpuset)
		k->cpus[n++] = (int)id;
	hwloc_bitmap_foreach_end();
	k->env = (struct rt_env){ .ncpus = n, .cpus = k->cpus };
	if (reserve.threads >= 0) {
		/* 0 would read as "no cap": one thread is the least a cell has. */
		k->env.max_threads = reserve.threads > 0 ? (uint64_t)reserve.threads : 1;
		k->env.threads_limit = reserve.limit;
	}
	k->env.mem_floor_kib = reserve.mem_floor_kib;
	k->env.why = k->rt_why;
	k->env.why_len = sizeof k->rt_why;
	k->wenv = (struct wl_env){ .cpu_a = k->c->place->cpu_a, .cpu_b = k->c->place->cpu_b,
	                           .listen_addr = k->c->net ? k->c->net->listen_ip : 0,
	                           .why = k->why, .why_len = sizeof k->why };
	return 0;
}

/* The memory baseline, the peak hook, the counters (opened before the
 * runtime, which may make its threads in create()), then the runtime. 0,
 * or a negative errno with the result failed. */
static int child_create(struct child *k)
{
	int nw = 0; /* the runtime's parameters follow the workload's */
	while (k->c->wl->params && k->c->wl->params[nw].name)
		nw++;
	take_baseline(k->cg, &k->base, &k->r);
	peak.cg = k->cg;
	wl_peak_hook = peak_hook;
	h_perf_open(&k->perf);
	int rc = k->c->rt->create(&k->rt, &k->env, k->c->params + nw);
	if (rc == RT_UNAVAILABLE && k->rt_why[0]) {
		h_cell_fail(&k->r, "skipped: %s", k->rt_why);
		k->r.skipped = 1;
		return rc;
	}
	if (rc < 0) {
		h_cell_fail(&k->r, "runtime create: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* The cell's row says the conns asked for; its figures are for fewer.
 * Said while it runs (on a terminal, over the progress bar, which the next
 * cell redraws), and recorded: the load generator adds clamped_conns to
 * the metrics, so summary.csv carries the count reached beside the row. */
static void note_clamp(const struct h_cell *c, int asked, int64_t got)
{
	struct rlimit rl = { 0, 0 };
	getrlimit(RLIMIT_NOFILE, &rl);
	fprintf(stderr,
	        "%sconcbench: note: %s on %s: conns=%d clamped to %lld by RLIMIT_NOFILE=%llu; "
	        "this cell measures %lld connections (metric clamped_conns)\n",
	        isatty(STDERR_FILENO) ? "\r\033[K" : "", c->wl->name, c->rt->name, asked,
	        (long long)got, (unsigned long long)rl.rlim_cur, (long long)got);
	fflush(stderr);
}

/* The workload's setup, its connection count clamped first for a server.
 * 0, or a negative errno with the result failed. */
static int child_setup(struct child *k)
{
	const struct h_cell *c = k->c;
	/* A server workload accepts exactly `conns` connections, and the
	 * client must be able to open them under RLIMIT_NOFILE: clamp now,
	 * before setup, and tell the server the clamped figure. */
	k->conns_asked = -1;
	if (c->wl->load) {
		struct h_plist wp = { { c->wl->params, NULL } };
		int ci = h_plist_find(&wp, "conns", 0);
		if (ci >= 0) {
			k->conns_asked = (int)c->params[ci];
			c->params[ci] = h_loadgen_clamp_conns(k->conns_asked);
			if (c->params[ci] < k->conns_asked)
				note_clamp(c, k->conns_asked, c->params[ci]);
		}
	}
	/* On a failed setup or run, tasks may still be parked or half built,
	 * so tearing down could touch freed state: report and let _exit
	 * reclaim everything instead. */
	int rc = c->wl->setup(&k->state, k->rt, c->params, &k->wenv);
	if (rc < 0) {
		take_stats(k->rt, &k->r);
		if (k->r.reserve)
			h_cell_fail(&k->r, "workload setup: stopped short of %s by the reserve left "
			            "to the machine (--no-reserve lifts it)", k->r.limit);
		else
			h_cell_fail(&k->r, "workload setup: %s", k->why[0] ? k->why : strerror(-rc));
		/* A workload refuses up front what would deadlock this model
		 * (two tasks that must run at once on a one-at-a-time pool). */
		if (rc == -EDEADLK)
			snprintf(k->r.limit, sizeof k->r.limit, "max-concurrency");
		return rc;
	}
	return 0;
}

/* A test hook: CONCBENCH_TEST_SERVER_BURN_MS=N makes the server spin on
 * the CPU for N ms of its CPU time once it listens, before its client
 * starts, so a test can tell a window's CPU figure from one that counts
 * the start-up (tests/e2e_server_alone.sh). Before the client, not while
 * it waits: on a busy machine N ms of CPU can take longer than the client
 * waits for a silent server's first answer (CONFIRM_IDLE_NS), and its
 * window would then begin during the spin. */
static void test_server_burn(void)
{
	const char *v = getenv("CONCBENCH_TEST_SERVER_BURN_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;
	if (ms <= 0 || ms > 10000)
		return;
	struct timespec ts;
	uint64_t until = 0;
	do {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		if (!until)
			until = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
			        (uint64_t)ms * 1000000ull;
	} while ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec < until);
}

/* How long a server may go on once its client has closed everything:
 * H_SERVER_END_GRACE_MS, or CONCBENCH_TEST_END_GRACE_MS (a test hook, so
 * that tests/e2e_server_alone.sh need not wait the whole of it). */
static int end_grace_ms(void)
{
	const char *v = getenv("CONCBENCH_TEST_END_GRACE_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;
	return ms > 0 && ms <= H_SERVER_END_GRACE_MS ? (int)ms : H_SERVER_END_GRACE_MS;
}

/* Server workloads: forks the load generator, out of the cell's cgroup
 * and counters. 0 (also for a workload without load), or a negative
 * errno with the result failed. */
static int child_start_load(struct child *k)
{
	if (!k->c->wl->load)
		return 0;
	struct wl_load load;
	k->c->wl->load(k->state, &load);
	test_server_burn();
	if (k->c->offered_rps > 0)
		load.rate = k->c->offered_rps;
	if (k->lfd >= 0) {
		/* The client is on another host: the run starts it (remote.c). */
		ssize_t w = write(k->lfd, &load, sizeof load);
		close(k->lfd);
		k->lfd = -1;
		if (w != (ssize_t)sizeof load) {
			h_cell_fail(&k->r, "cannot hand the load to the run: %s", strerror(errno));
			return -EPIPE;
		}
		return 0;
	}
	/* --listen without --client-host: the local client goes there too. */
	struct h_target to = { .len = sizeof(struct sockaddr_in) };
	struct sockaddr_in *sin = (struct sockaddr_in *)&to.sa;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)load.port);
	sin->sin_addr.s_addr = k->c->net ? k->c->net->listen_ip : 0;
	snprintf(to.name, sizeof to.name, "%s:%d", k->c->net ? k->c->net->listen : "", load.port);
	/* This process is the server: the client reads its CPU clock and its
	 * port's sockets at the window's ends. */
	int rc = h_loadgen_start_at(&load, sin->sin_addr.s_addr ? &to : NULL, getpid(), k->topo,
	                            k->c->client_cpus, &k->lg);
	if (rc < 0) {
		h_cell_fail(&k->r, "load generator: %s", strerror(-rc));
		return rc;
	}
	k->lg_on = 1;
	if (k->conns_asked >= 0)
		k->lg.conns_asked = k->conns_asked;
	/* The client is not the server: out of the cell's cgroup, and out of
	 * the counters, which its fork inherited (closing ours frees its
	 * copies; the new ones count this process only). */
	h_cgroup_evict(k->cg, k->lg.pid);
	h_perf_close(&k->perf);
	h_perf_open(&k->perf);
	/* A server left waiting for a connection whose close was lost must
	 * not hold the cell until its time limit (h_loadgen_watch). */
	if (k->c->wl->stop) {
		rc = h_loadgen_watch(&k->lg, end_grace_ms(), k->c->wl->stop, k->state);
		if (rc < 0) {
			h_cell_fail(&k->r, "watching the load generator: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* The measured part: counters on, run(), counters off, timed; then the
 * runtime's figures and the counters once its threads are gone. 0, or a
 * negative errno with the result failed when run() failed. */
static int child_run(struct child *k)
{
	struct h_cell_result *r = &k->r;
	cpubits_add(&k->used, sched_getcpu());
	if (k->c->trace_csv && h_trace_begin() < 0) {
		h_cell_fail(r, "out of memory for the trace");
		return -ENOMEM;
	}
	/* Only now, the load generator forked already (its syscalls are not
	 * the server's), and only for a server cell asked for it: while the
	 * tracepoint has a counter, every syscall on the machine takes the
	 * kernel's traced path (perf.c). */
	k->syscalls = NAN;
	if (k->c->wl->load && k->c->count_syscalls)
		h_perf_open_syscalls(&k->perf);
	h_perf_enable(&k->perf);
	uint64_t t0 = h_now_ns();
	peak.run_t0 = t0;
	int rc = k->c->rt->run(k->rt);
	r->wall_ns = h_now_ns() - t0;
	k->stopped = h_loadgen_unwatch(&k->lg);
	h_perf_disable(&k->perf);
	if (k->c->trace_csv && h_trace_end(k->c->trace_csv, r->error, sizeof r->error) < 0) {
		r->ok = 0;
		return -EIO;
	}
	cpubits_add(&k->used, sched_getcpu());
	threads_cpus(&k->used, 1024);

	take_stats(k->rt, r);
	/* The threads runtime's threads are detached: run() returns when
	 * they are done with their tasks, a moment before they exit. Wait
	 * (at most a second) so the counts no longer depend on how the kernel
	 * folds a live thread's counts into ours; the number still alive is
	 * recorded (abandoned threads after a failed run never exit). */
	long nt = nthreads();
	for (int i = 0; i < 1000 && nt > 1; i++) {
		usleep(1000);
		nt = nthreads();
	}
	r->threads_at_read = (int)nt;
	h_perf_read(&k->perf, r->hm, r->ctr_why);
	if (k->c->wl->load)
		k->syscalls = h_perf_read_syscalls(&k->perf, &r->syscalls_err);
	for (int i = 0; i < H_NCTR; i++)
		r->ctr_user_only |= k->perf.user_only[i] << i;
	h_perf_close(&k->perf);
	cpubits_list(&k->used, r->cpus_used, sizeof r->cpus_used);
	if (rc < 0 && r->reserve) {
		h_cell_fail(r, "stopped short of %s by the reserve left to the machine "
		            "(--no-reserve lifts it)", r->limit);
		return rc;
	}
	if (rc < 0) {
		h_cell_fail(r, "%s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* The load generator's own cost, apart from the server's. It is forked
 * from this process (it must start after setup, from the workload's
 * wl_load, which lives here), so the cell's wait4 would count it: its
 * rusage from its own wait4 goes into client_*, and the parent subtracts
 * it (fill_result). Its memory is its own address space after the fork, so
 * this process's peak RSS (getrusage RUSAGE_SELF, sent as self_rss_kib)
 * holds none of it; the client's peak includes the pages it shares with
 * this process from the fork. */
static void client_cost(struct child *k, struct wl_report *rep)
{
	struct h_cell_result *r = &k->r;
	const struct h_loadgen *lg = &k->lg;
	if (!lg->ru_ok)
		return;
	r->client = 1;
	r->client_cpu_user_ns = lg->ru_user_ns;
	r->client_cpu_sys_ns = lg->ru_sys_ns;
	r->client_ctx_voluntary = lg->ru_nvcsw;
	r->client_ctx_involuntary = lg->ru_nivcsw;
	r->client_rss_peak_kib = lg->ru_maxrss_kib;
	/* Its busy share over the window (h_loadgen_finish's client_cpu_util). */
	double util = NAN, cpus = lg->res.ncpus > 0 ? lg->res.ncpus : 1;
	for (int i = 0; i < rep->nmetrics; i++)
		if (strcmp(rep->metrics[i].name, "client_cpu_util") == 0)
			util = rep->metrics[i].value;
	if (util > H_CLIENT_BUSY) {
		fprintf(stderr,
		        "%sconcbench: note: %s on %s: the load generator was %.0f%% busy on its %g "
		        "CPU(s): the throughput may be the client's limit (metric client_limited)\n",
		        isatty(STDERR_FILENO) ? "\r\033[K" : "", k->c->wl->name, k->c->rt->name,
		        util * 100, cpus);
		fflush(stderr);
	}
}

/* The workload's report, and the load generator's figures joined to it
 * (a load with errors makes the cell fail). */
static void child_finish(struct child *k)
{
	struct h_cell_result *r = &k->r;
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	k->c->wl->finish(k->state, &rep);
	if (k->lg_on) {
		int rc = h_loadgen_finish(&k->lg, k->timeout_s * 1000, &rep);
		if (rc < 0 && !rep.error[0])
			snprintf(rep.error, sizeof rep.error, "load generator: %s", strerror(-rc));
		if (rc == 0) {
			struct cpubits cl = { { k->lg.res.cpus_used } };
			cpubits_list(&cl, r->client_cpus_used, sizeof r->client_cpus_used);
		}
		client_cost(k, &rep);
		if (k->stopped) {
			fprintf(stderr,
			        "%sconcbench: note: %s on %s: the server had not ended %d ms after its "
			        "client closed every connection; the harness stopped it (metrics "
			        "conns_reset_lost, conns_close_unseen)\n",
			        isatty(STDERR_FILENO) ? "\r\033[K" : "", k->c->wl->name,
			        k->c->rt->name, end_grace_ms());
			fflush(stderr);
		}
		if (k->c->offered_rps > 0) {
			wl_metric(&rep, "capacity_rps", "req/s", k->c->capacity_rps);
			wl_metric(&rep, "offered_rps", "req/s", (double)k->c->offered_rps);
		}
	}
	r->checksum = rep.checksum;
	r->nmetrics = rep.nmetrics < 0 ? 0 : rep.nmetrics > WL_MAX_METRICS ? WL_MAX_METRICS
	                                                                   : rep.nmetrics;
	memcpy(r->metrics, rep.metrics, sizeof r->metrics);
	rep.error[sizeof rep.error - 1] = '\0';
	if (rep.error[0])
		h_cell_fail(r, "%s", rep.error);
}

/* What the peak hook sampled, as the result's memory and per-task
 * figures, and every CPU the threads were seen on. */
static void child_sample(struct child *k)
{
	struct h_cell_result *r = &k->r;
	mem_at_peak(r, k->cg, &k->base);
	per_task(r);
	/* The server's syscalls (null where the tracepoint is not there or
	 * not permitted: syscalls_why); the parent adds them per request. */
	if (k->c->wl->load && k->c->count_syscalls && r->nmetrics < WL_MAX_METRICS) {
		struct wl_metric *m = &r->metrics[r->nmetrics++];
		snprintf(m->name, sizeof m->name, "syscalls");
		snprintf(m->unit, sizeof m->unit, "syscalls");
		m->value = k->syscalls;
	}
	/* Where the threads ran: the main thread at both ends of run(), every
	 * thread at the peak and after run(), and what the workload saw
	 * itself (metrics in unit "cpu mask", e.g. pingpong's two sides). */
	for (int w = 0; w < 16; w++)
		k->used.w[w] |= peak.cpus.w[w];
	for (int i = 0; i < r->nmetrics; i++) {
		double m = r->metrics[i].value;
		if (strcmp(r->metrics[i].unit, "cpu mask") == 0 && m >= 0 && m < 18446744073709551616.0)
			k->used.w[0] |= (uint64_t)m;
	}
	cpubits_list(&k->used, r->cpus_used, sizeof r->cpus_used);
}

/* The child's whole life, phase by phase; a phase that fails has failed
 * the result, which is sent as it is. It always ends in _exit, so no
 * atexit handler and no inherited stdio buffer of the parent runs twice. */
static _Noreturn void child(const struct h_cell *c, hwloc_topology_t topo,
                            const struct h_cgroup *cg, int fd, int lfd, pid_t parent,
                            int timeout_s)
{
	/* Ctrl-C reaches the whole foreground process group: the parent
	 * decides what an interrupt means (finish this cell, or kill it). */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);

	struct child k = { .c = c, .topo = topo, .cg = cg, .fd = fd, .lfd = lfd,
	                   .timeout_s = timeout_s };
	h_cell_result_clear(&k.r);
	k.r.ok = 1;

	/* If the parent dies, so do we; the getppid check closes the race
	 * with a parent that died before the prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(4);

	if (child_bind(&k) == 0 && child_create(&k) == 0 && child_setup(&k) == 0 &&
	    child_start_load(&k) == 0 && child_run(&k) == 0) {
		child_finish(&k);
		child_sample(&k);
		c->wl->teardown(k.state, k.rt);
		c->rt->destroy(k.rt);
		free(k.cpus);
	}
	/* This process's own peak RSS, its reaped client not included (the
	 * parent's wait4 gives the larger of the two). */
	struct rusage self;
	if (getrusage(RUSAGE_SELF, &self) == 0)
		k.r.self_rss_kib = (uint64_t)self.ru_maxrss;
	child_send(k.fd, &k.r);
}

/* ---- the switch-count check (pingpong-style workloads) ---- */

/* Whether a runtime's hand-over between two tasks goes through the kernel
 * (a futex wake and a sleep: two context switches per round trip) or stays
 * in user space (a register swap: none), by its traits (runtime.h). NULL:
 * no expectation (traits not stated, or kernel switching on fewer than two
 * threads, such as a one-worker pool, where both sides cannot hold one). */
static const char *switch_model(const struct h_cell *c)
{
	const struct runtime *rt = c->rt;
	if (!rt->switches)
		return NULL;
	if (rt->switches != RT_SWITCH_KERNEL)
		return "user";
	struct h_plist pl = { { c->wl->params, rt->params } };
	int i = rt->cpus_param ? h_plist_find(&pl, rt->cpus_param, 0) : -1;
	int64_t n = rt_task_threads(rt, i >= 0 ? c->params[i] : 0,
	                            hwloc_bitmap_weight(c->place->cpuset));
	return n >= 2 ? "kernel" : NULL;
}

/* A workload that reports ns_per_switch and has a `rounds` parameter is a
 * pingpong: compare the counted context switches with the model's. The
 * tolerance is 10% of 2·rounds plus 50: the run also counts the warm-up
 * rounds' creation of the two threads, their exits and the main thread's
 * own waits (a handful), and involuntary preemptions by other load; a
 * wrong model is off by about 2·rounds (or a kernel model that spins
 * instead of sleeping, by a large fraction of it), far outside that. */
static void switch_check(struct h_cell *c)
{
	struct h_cell_result *r = &c->res;
	int has = 0;
	for (int i = 0; i < r->nmetrics; i++)
		has |= strcmp(r->metrics[i].name, "ns_per_switch") == 0;
	struct h_plist pl = { { c->wl->params, NULL } };
	int ri = h_plist_find(&pl, "rounds", 0);
	if (!r->ok || !has || ri < 0)
		return;
	const char *model = switch_model(c);
	double counted = r->hm[H_CTR_CONTEXT_SWITCHES];
	if (!model) {
		snprintf(r->switch_check, sizeof r->switch_check,
		         "unchecked: no switch model for runtime %s here", c->rt->name);
		return;
	}
	if (isnan(counted)) {
		snprintf(r->switch_check, sizeof r->switch_check,
		         "unchecked: context-switches counter unavailable");
		return;
	}
	double trips = (double)c->params[ri];
	double expect = strcmp(model, "kernel") == 0 ? 2 * trips : 0;
	double tol = 0.10 * 2 * trips + 50;
	snprintf(r->switch_check, sizeof r->switch_check, "%s: expected ~%.0f (%s), counted %.0f",
	         fabs(counted - expect) <= tol ? "ok" : "mismatch", expect, model, counted);
}

static void describe_status(struct h_cell_result *r, int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);
		h_cell_fail(r, "signal %d (%s%s)", sig, abbrev ? "SIG" : "", abbrev ? abbrev : "unknown");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		h_cell_fail(r, "child exited with status %d before reporting", WEXITSTATUS(status));
	} else {
		h_cell_fail(r, "child exited without reporting");
	}
}

/* Forks the cell's child, which sends its result through a pipe. 0 with
 * the child's pid and the pipe's read end, or -errno with the result
 * failed. */
static int fork_cell(struct h_cell *c, hwloc_topology_t topo, const struct h_cgroup *cg,
                     int timeout_s, pid_t *pid, int *rfd, int *lfd)
{
	int p[2], l[2] = { -1, -1 };
	if (pipe2(p, O_CLOEXEC) != 0) {
		int e = errno;
		h_cell_fail(&c->res, "pipe: %s", strerror(e));
		return -e;
	}
	/* The client on another host: a second pipe for the server's load. */
	if (c->wl->load && c->net && c->net->transport && pipe2(l, O_CLOEXEC) != 0) {
		int e = errno;
		h_cell_fail(&c->res, "pipe: %s", strerror(e));
		close(p[0]);
		close(p[1]);
		return -e;
	}
	/* A child must not inherit (and later lose or duplicate) buffered
	 * output: results.jsonl lines and progress text are flushed first. */
	fflush(NULL);
	pid_t parent = getpid();
	*pid = fork();
	if (*pid < 0) {
		int e = errno;
		h_cell_fail(&c->res, "fork: %s", strerror(e));
		close(p[0]);
		close(p[1]);
		if (l[0] >= 0) {
			close(l[0]);
			close(l[1]);
		}
		return -e;
	}
	if (*pid == 0) {
		close(p[0]);
		if (l[0] >= 0)
			close(l[0]);
		child(c, topo, cg, p[1], l[1], parent, timeout_s);
	}
	h_cell_pid = *pid;
	close(p[1]);
	if (l[1] >= 0)
		close(l[1]);
	*rfd = p[0];
	*lfd = l[0];
	return 0;
}

/* What became of the child. */
struct reaped {
	int whole;     /* its whole result arrived */
	int timed_out; /* killed at the time limit */
	int read_err;  /* an errno from reading the pipe, 0 if none */
	int status;    /* wait4's */
	struct rusage ru;
};

/* The watchdog: the result within the time limit into r, or the child
 * killed; then reaped, either way. */
static void watch_cell(pid_t pid, int rfd, struct h_cell_result *r, int timeout_s,
                       struct reaped *w)
{
	uint64_t deadline = h_now_ns() + (uint64_t)timeout_s * 1000000000ull;
	long got = h_read_deadline(rfd, r, sizeof *r, deadline, &w->timed_out);
	close(rfd);
	w->read_err = got < 0 ? (int)-got : 0;
	w->whole = got == (long)sizeof *r;
	if (!w->whole || w->timed_out || w->read_err)
		kill(pid, SIGKILL); /* harmless if it already exited: not yet reaped */
	w->status = 0;
	memset(&w->ru, 0, sizeof w->ru);
	while (wait4(pid, &w->status, 0, &w->ru) < 0 && errno == EINTR)
		;
	h_cell_pid = 0;
}

static uint64_t less(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* A server cell: wait4 counted the reaped load generator too. The server
 * alone is the rest (the whole cell's: setup and teardown included), its
 * peak RSS its own process's. Its CPU per request is the window's alone,
 * from the client's reads of its CPU clock (h_loadgen_finish's
 * server_cpu_us_per_request). */
static void server_per_request(struct h_cell_result *r);
static void server_alone(struct h_cell_result *r)
{
	r->cpu_user_ns = less(r->cpu_user_ns, r->client_cpu_user_ns);
	r->cpu_sys_ns = less(r->cpu_sys_ns, r->client_cpu_sys_ns);
	r->ctx_voluntary = less(r->ctx_voluntary, r->client_ctx_voluntary);
	r->ctx_involuntary = less(r->ctx_involuntary, r->client_ctx_involuntary);
	if (r->self_rss_kib)
		r->rss_peak_kib = r->self_rss_kib;
	server_per_request(r);
}

static void server_per_request(struct h_cell_result *r)
{	/* The syscalls were counted over run(): over the server's own count of
	 * the requests it served in run() (http and mixed say requests_served,
	 * echo messages; the client's requests only where neither is
	 * reported, which hold the window's alone). */
	static const char *const counts[] = { "requests_served", "messages", "requests" };
	double req = NAN;
	for (size_t k = 0; k < sizeof counts / sizeof *counts && isnan(req); k++)
		for (int i = 0; i < r->nmetrics; i++)
			if (strcmp(r->metrics[i].name, counts[k]) == 0)
				req = r->metrics[i].value;
	for (int i = 0; req > 0 && i < r->nmetrics && r->nmetrics < WL_MAX_METRICS; i++)
		if (strcmp(r->metrics[i].name, "syscalls") == 0) {
			struct wl_metric *m = &r->metrics[r->nmetrics++];
			snprintf(m->name, sizeof m->name, "syscalls_per_request");
			snprintf(m->unit, sizeof m->unit, "syscalls");
			m->value = r->metrics[i].value / req;
			break;
		}
}

/* The result as the run records it: the child's own (its strings
 * terminated: they come from a trusted but separate process), or why there
 * is none; then what wait4 knows, and the switch-count check. */
static void fill_result(struct h_cell *c, const struct reaped *w)
{
	struct h_cell_result *r = &c->res;
	if (w->timed_out || !w->whole)
		h_cell_result_clear(r);
	if (w->timed_out) {
		h_cell_fail(r, "timeout");
	} else if (!w->whole) {
		if (w->read_err)
			h_cell_fail(r, "reading the cell's result: %s", strerror(w->read_err));
		else
			describe_status(r, w->status);
	} else {
		r->error[sizeof r->error - 1] = '\0';
		r->limit[sizeof r->limit - 1] = '\0';
		if (r->nmetrics < 0 || r->nmetrics > WL_MAX_METRICS)
			r->nmetrics = 0;
		for (int i = 0; i < r->nmetrics; i++) {
			r->metrics[i].name[sizeof r->metrics[i].name - 1] = '\0';
			r->metrics[i].unit[sizeof r->metrics[i].unit - 1] = '\0';
		}
		for (int i = 0; i < H_NCTR; i++)
			r->ctr_why[i][H_WHY_LEN - 1] = '\0';
		r->mem_method[sizeof r->mem_method - 1] = '\0';
		r->mem_parts_method[sizeof r->mem_parts_method - 1] = '\0';
		r->cpus_used[sizeof r->cpus_used - 1] = '\0';
		r->switch_check[0] = '\0';
		r->client_cpus_used[sizeof r->client_cpus_used - 1] = '\0';
		if (!WIFEXITED(w->status) || WEXITSTATUS(w->status) != 0)
			describe_status(r, w->status); /* reported, then died in _exit? */
	}
	const struct rusage *ru = &w->ru;
	r->cpu_user_ns = (uint64_t)ru->ru_utime.tv_sec * 1000000000ull +
	                 (uint64_t)ru->ru_utime.tv_usec * 1000ull;
	r->cpu_sys_ns = (uint64_t)ru->ru_stime.tv_sec * 1000000000ull +
	                (uint64_t)ru->ru_stime.tv_usec * 1000ull;
	r->ctx_voluntary = (uint64_t)ru->ru_nvcsw;
	r->ctx_involuntary = (uint64_t)ru->ru_nivcsw;
	r->rss_peak_kib = (uint64_t)ru->ru_maxrss; /* Linux reports KiB */
	if (r->client)
		server_alone(r);
	switch_check(c);
}

/* A server whose client on another host is done has this long to end. */
#define REMOTE_GRACE_S 10

/* The client on another host (remote.c): its figures join the server's
 * result as a local client's do (child_finish), except that nothing is
 * subtracted: the client was never the cell's child. */
static void remote_join(struct h_cell *c, const struct h_remote_out *ro, int timed_out)
{
	struct h_cell_result *r = &c->res;
	if (!ro) {
		h_cell_fail(r, "out of memory");
		return;
	}
	if (!ro->started)
		return; /* no server: its own result says why */
	if (!ro->ok) {
		h_cell_fail(r, "%s", ro->error);
		return;
	}
	c->client_host = ro->host;
	const struct h_cell_result *cr = &ro->res;
	for (int i = 0; i < cr->nmetrics && r->nmetrics < WL_MAX_METRICS; i++)
		r->metrics[r->nmetrics++] = cr->metrics[i];
	struct wl_report rep = { .nmetrics = 0 };
	if (c->offered_rps > 0) {
		wl_metric(&rep, "capacity_rps", "req/s", c->capacity_rps);
		wl_metric(&rep, "offered_rps", "req/s", (double)c->offered_rps);
	}
	for (int i = 0; i < rep.nmetrics && r->nmetrics < WL_MAX_METRICS; i++)
		r->metrics[r->nmetrics++] = rep.metrics[i];
	r->client = cr->client;
	r->client_cpu_user_ns = cr->client_cpu_user_ns;
	r->client_cpu_sys_ns = cr->client_cpu_sys_ns;
	r->client_ctx_voluntary = cr->client_ctx_voluntary;
	r->client_ctx_involuntary = cr->client_ctx_involuntary;
	r->client_rss_peak_kib = cr->client_rss_peak_kib;
	snprintf(r->client_cpus_used, sizeof r->client_cpus_used, "%s", cr->client_cpus_used);
	/* The client on another host sees its own sockets, not the server's:
	 * null (SCHEMA.md says why). Nor can it read the server's CPU clock:
	 * no server_cpu_us_per_request (cpu_user_ns + cpu_sys_ns are the
	 * whole cell's). */
	if (r->nmetrics < WL_MAX_METRICS) {
		struct wl_metric *m = &r->metrics[r->nmetrics++];
		snprintf(m->name, sizeof m->name, "server_sock_kib");
		snprintf(m->unit, sizeof m->unit, "KiB");
		m->value = NAN;
	}
	server_per_request(r);
	if (timed_out)
		h_cell_fail(r, "the server did not end within %d s of its client on %s",
		            REMOTE_GRACE_S, c->net->spec);
	else if (!cr->ok)
		h_cell_fail(r, "client on %s: %s", c->net->spec, cr->error);
}

/* From /proc/stat, summed over the CPUs in set (NULL or empty: all), in
 * USER_HZ ticks (10 ms at 100 Hz: a short cell reads 0 or a tick):
 *   steal  the eighth column: the hypervisor running another guest while
 *          one of ours had work
 *   busy   user + nice + system: what ran on them, the cell's own time
 *          and anyone else's (irq and softirq left out: the kernel may
 *          charge there the loopback traffic the cell makes itself)
 * NaN when /proc/stat cannot be read. */
struct ticks {
	double steal, busy;
};
static struct ticks stat_ticks(hwloc_const_cpuset_t set)
{
	struct ticks t = { NAN, NAN };
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return t;
	char line[512];
	double steal = 0, busy = 0;
	int seen = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned cpu;
		unsigned long long v[8];
		if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
		           &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 9)
			continue; /* the "cpu " total line, or a kernel without steal */
		if (set && !hwloc_bitmap_iszero(set) && !hwloc_bitmap_isset(set, cpu))
			continue;
		steal += (double)v[7];
		busy += (double)(v[0] + v[1] + v[2]);
		seen = 1;
	}
	fclose(f);
	if (seen)
		t = (struct ticks){ steal, busy };
	return t;
}

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

/* others_ms: the CPU time that programs other than this cell (server,
 * local client) and this run took on the cell's CPUs, fork to reap. A
 * server figure that halves between two runs with every rep alike is a
 * spell of the machine's when this is high (other tenants' builds), not
 * the runtime's; steal_ms says the same of the hypervisor. */
static void others_ms(struct h_cell_result *r, struct ticks t0, struct ticks t1, uint64_t self_ns,
                      int client_here, long hz)
{
	if (isnan(t0.busy) || isnan(t1.busy) || hz <= 0)
		return;
	double own = (double)(r->cpu_user_ns + r->cpu_sys_ns + self_ns);
	if (r->client && client_here)
		own += (double)(r->client_cpu_user_ns + r->client_cpu_sys_ns);
	double ms = (t1.busy - t0.busy) * 1000.0 / (double)hz - own / 1e6;
	r->hm[H_HM_OTHERS_MS] = ms > 0 ? ms : 0;
}

void h_cell_run(struct h_cell *c, hwloc_topology_t topo, int timeout_s)
{
	h_cell_result_clear(&c->res);
	c->done = 1;

	/* The reserve, computed afresh: what the machine runs now counts. */
	if (c->no_reserve || h_reserve_compute(&reserve) < 0)
		reserve = (struct h_reserve){ .threads = -1, .limit_max = -1, .limit_at = -1 };

	/* The cell's own cgroup, when one can be made (see mem.c). */
	static unsigned seq;
	struct h_cgroup cg;
	h_cgroup_make(&cg, seq++);

	pid_t pid = -1;
	int rfd = -1, lfd = -1;
	struct reaped w;
	memset(&c->client_host, 0, sizeof c->client_host);
	/* Steal over the cell's CPUs from fork to reap: what the hypervisor
	 * took from this cell, not from other guests' share of other CPUs. */
	hwloc_const_cpuset_t cpus = c->place ? c->place->cpuset : NULL;
	/* Others' time over every CPU the cell used: the client's too, when
	 * it runs on this host. */
	int client_here = !c->net || c->net->transport != H_CLIENT_SSH;
	hwloc_bitmap_t all = hwloc_bitmap_alloc();
	if (all && cpus && (hwloc_bitmap_copy(all, cpus) < 0 ||
	                    (client_here && c->client_cpus && hwloc_bitmap_or(all, all, c->client_cpus) < 0)))
		hwloc_bitmap_zero(all); /* all CPUs */
	struct ticks s0 = stat_ticks(cpus), b0 = stat_ticks(cpus ? all : NULL);
	uint64_t self0 = self_cpu_ns();
	int rc = fork_cell(c, topo, &cg, timeout_s, &pid, &rfd, &lfd);
	struct h_remote_out *ro = NULL;
	int wait_s = timeout_s;
	if (rc == 0 && lfd >= 0) {
		uint64_t t0 = h_now_ns();
		ro = calloc(1, sizeof *ro);
		if (!ro || h_remote_run(c, lfd, timeout_s, ro) < 0)
			kill(pid, SIGKILL); /* a server waiting for a client that will not come */
		close(lfd);
		/* Its client done, the server ends as its connections close: it
		 * has the rest of the time limit, at most REMOTE_GRACE_S. */
		long left = timeout_s - (long)((h_now_ns() - t0) / 1000000000ull);
		wait_s = left < 1 ? 1 : left > REMOTE_GRACE_S ? REMOTE_GRACE_S : (int)left;
	}
	if (rc == 0)
		watch_cell(pid, rfd, &c->res, wait_s, &w);
	struct ticks s1 = stat_ticks(cpus), b1 = stat_ticks(cpus ? all : NULL);
	uint64_t self_ns = self_cpu_ns() - self0;
	hwloc_bitmap_free(all);
	h_cgroup_remove(&cg);
	if (rc == 0)
		fill_result(c, &w);
	if (lfd >= 0)
		remote_join(c, ro, rc == 0 && w.timed_out);
	free(ro);
	long hz = sysconf(_SC_CLK_TCK);
	if (!isnan(s0.steal) && !isnan(s1.steal) && hz > 0)
		c->res.hm[H_HM_STEAL_MS] = (s1.steal > s0.steal ? s1.steal - s0.steal : 0) * 1000.0 / (double)hz;
	if (rc == 0)
		others_ms(&c->res, b0, b1, self_ns, client_here, hz);
}
