/* measure.h — the measuring layer: it runs cells and writes a results
 * folder, and never reads one back to judge it (that is analysis/).
 *
 *   params.c     --set values, sweeps, --cpus, the suite table
 *   placement.c  which CPUs a placement picks (hwloc)
 *   perf.c       kernel counters of the cell's process
 *   mem.c        user and kernel memory, a cgroup per cell
 *   cell.c       one cell in a fresh child process, under a watchdog
 *   loadgen.c    the client of the server workloads, in its own process
 *   remote.c     that client on another host (run --client-host, --listen)
 *   manifest.c   the environment every result carries
 *   calib.c      the machine's own switch and clock costs, once per run
 *   results.c    results.jsonl, summary.csv, fits.csv, checksum agreement
 *   run.c        `concbench run`: plan, cells, files
 *   serve.c      `concbench serve`: one server for clients of your own
 *   switchpeers.c the raw stack switch: asm, swapcontext, Boost.Context
 *
 * Knows runtimes and workloads only through their registries and the
 * traits in struct runtime. Uses base/; never includes analysis/.
 */
#ifndef CONCBENCH_MEASURE_H
#define CONCBENCH_MEASURE_H

#if defined(CB_LAYER_BASE) || defined(CB_LAYER_ANALYSIS)
#error "measure.h: base/ and analysis/ must not include the measure layer"
#endif

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <stdio.h>
#include <hwloc.h>

#include "../base/base.h"
#include "../../workloads/workload.h"

/* serve.c: `concbench serve`: one server workload on one runtime, for
 * clients of your own, until SIGINT or SIGTERM. */
struct h_serve_opts {
	const struct runtime *rt;
	const struct workload *wl; /* a server: it has load() */
	const int64_t *vals; /* every parameter, the workload's then the runtime's
	                      * (struct h_plist's order) */
	int conns_set;       /* conns was chosen: what was served shows conns_asked */
	const char *cpus;    /* --cpus as given; NULL: every allowed CPU */
	int64_t idle_ms;     /* --idle-ms: wl_env.idle_ms */
};
/* The exit status: 0 stopped cleanly; 1 the server failed; 2 a bad --cpus
 * or a runtime that cannot serve a connection (one line on stderr). */
int h_serve(const struct h_serve_opts *o);

/* ---- params.c: sets, sweeps and CPU lists (no registry needed, unit-testable) ---- */

/* One --set: a key and the values it sweeps. */
struct h_set {
	char *key;
	int64_t *vals;
	int nvals;
};

/* Parses "key=value[,value…]" into *set (free with h_set_free). On error
 * returns -EINVAL and writes one sentence to err. */
int h_set_parse(const char *s, struct h_set *set, char *err, size_t errlen);
void h_set_free(struct h_set *set);

/* A cell's parameter list: the workload's then the runtime's declarations,
 * in order (NULL-terminated lists, either may be NULL). */
struct h_plist {
	const struct cb_param *p[2];
};
int h_plist_count(const struct h_plist *pl);
const struct cb_param *h_plist_at(const struct h_plist *pl, int i);
int h_plist_find(const struct h_plist *pl, const char *key, int from);

/* 0 when v is within p's range, else -ERANGE with one sentence in err
 * naming `owner` (e.g. "workload cpu") and the range. */
int h_param_check(const struct cb_param *p, const char *owner, int64_t v, char *err,
                  size_t errlen);

/* Sweep expansion over the sets that name a parameter of pl (others are
 * ignored: they belong to another runtime or workload of the run). A later
 * set of the same key overrides an earlier one (a --set over a suite's).
 * count is the product of the applicable sets' value counts (1 when none;
 * 0 on overflow past H_MAX_CELLS). */
#define H_MAX_CELLS 50000
long h_sweep_count(const struct h_plist *pl, const struct h_set *sets, int nsets);
/* Fills out[h_plist_count(pl)] with point idx (0 <= idx < count): the
 * defaults, then each applicable set's value; the set of the earliest
 * declared parameter varies slowest. mask gets bit i set (i < 64) for the
 * parameters a set chose. */
void h_sweep_point(const struct h_plist *pl, const struct h_set *sets, int nsets, long idx,
                   int64_t *out, uint64_t *mask);

/* "0", "0-3", "0,2-3": strictly parsed OS CPU indexes (each <= 65535).
 * On success sets bits in `set` and returns 0; -EINVAL otherwise. */
int h_parse_cpus(const char *s, hwloc_bitmap_t set);

/* ---- suites: named matrices (params.c) ---- */

/* A suite is a list of parts, each the matrix one `run` command would make:
 * its runtimes × workloads × the sweeps of its sets × its placements. The
 * user's --runtime and --workload narrow every part, --set overrides a
 * part's set of the same key, --placement replaces the parts' placements. */
#define H_SUITE_MAX_SETS 8
#define H_SUITE_MAX_PARTS 20
/* A part picks runtimes by their traits, never by name, so a runtime added
 * to the registry joins the parts its traits fit. */
enum h_part_only {
	H_ONLY_ANY,          /* every runtime */
	H_ONLY_UNCAPPED,     /* no cap on tasks in progress: not a kernel-switching
	                      * runtime with a fixed set of threads (a pool) */
	H_ONLY_LOOP_PER_CPU, /* event loops in user space, as many as a parameter
	                      * says (epoll's loops): thread-per-core */
	H_ONLY_CAPPED,       /* the complement of UNCAPPED: a pool, whose tasks in
	                      * progress are at most its workers */
};
struct h_suite_part {
	const char *what;       /* what it measures, and for which claims */
	const char *runtimes;   /* "all" or a comma list */
	const char *workloads;  /* "all" or a comma list */
	const char *placements; /* a --placement list, or NULL: unpinned */
	const char *sets[H_SUITE_MAX_SETS]; /* "key=value[,value…]"; ends at NULL */
	enum h_part_only only;  /* and of runtimes, only those with these traits */
	int count_syscalls;     /* its server cells count syscalls (--count-syscalls) */
	const char *peer;       /* a --peer for this part alone (when installed); NULL: none */
	/* 1: its server cells get every CPU of the run, their client sharing
	 * them (unless --client-cpus says where it goes): a point about a
	 * loop or worker per CPU needs them all. */
	int share_cpus;
};
/* Whether name is in the comma list, or the list is "all". */
int h_list_has(const char *list, const char *name);
/* Whether the part runs runtime rt: named by its runtimes and fitting only. */
int h_suite_part_takes(const struct h_suite_part *p, const struct runtime *rt);
struct h_suite {
	const char *name;
	const char *desc;
	int reps;
	struct h_suite_part parts[H_SUITE_MAX_PARTS]; /* ends at runtimes == NULL */
};
extern const struct h_suite h_suites[]; /* ends at name == NULL */
const struct h_suite *h_suite_find(const char *name);

/* ---- perf.c: kernel counters of the cell's process ---- */

enum {
	H_CTR_TASK_CLOCK,
	H_CTR_CONTEXT_SWITCHES,
	H_CTR_CPU_MIGRATIONS,
	H_CTR_PAGE_FAULTS,
	H_CTR_CYCLES,
	H_CTR_INSTRUCTIONS,
	H_CTR_CACHE_MISSES,
	H_NCTR
};
#define H_WHY_LEN 72

struct h_perf {
	int fd[H_NCTR];        /* -1 when unavailable */
	int err[H_NCTR];       /* why: an errno */
	int user_only[H_NCTR]; /* opened with exclude_kernel (perf_event_paranoid) */
	/* The raw_syscalls:sys_enter counter (h_perf_open_syscalls): -1, with
	 * sys_err saying why (an errno or an H_SYS_* reason). */
	int sys_fd;
	int sys_err;
};
/* Why there is no syscall count, beside errnos of perf_event_open. */
enum {
	H_SYS_NOT_ASKED = -1,     /* run without --count-syscalls */
	H_SYS_NO_TRACEFS = -2,    /* tracefs is not mounted */
	H_SYS_NO_TRACEPOINT = -3, /* tracefs without raw_syscalls:sys_enter */
	H_SYS_TRACEFS_DENIED = -4,
};
/* Opens every counter, disabled, inherited by threads created later. Never
 * fails as a whole: each counter has an fd or an errno. */
void h_perf_open(struct h_perf *p);
void h_perf_enable(struct h_perf *p);
void h_perf_disable(struct h_perf *p);
/* val[i]: the count (task_clock in ns), NaN when unavailable with one
 * sentence in why[i]. Names and units are h_hm[i]. */
void h_perf_read(struct h_perf *p, double *val, char (*why)[H_WHY_LEN]);
/* Adds a counter of the syscalls entered (the raw_syscalls:sys_enter
 * tracepoint), disabled, inherited by threads created later, enabled and
 * closed with the others. Its id comes from tracefs where it is already
 * mounted: nothing is mounted here. */
void h_perf_open_syscalls(struct h_perf *p);
/* The syscalls counted, or NaN with *err (an errno or H_SYS_*) saying why,
 * in words by h_perf_syscalls_why ("" for 0). */
double h_perf_read_syscalls(struct h_perf *p, int *err);
void h_perf_syscalls_why(int err, char *out, size_t len);
void h_perf_close(struct h_perf *p);

/* ---- mem.c: user and kernel memory ---- */

/* KiB; NaN where the source has no such figure. */
struct h_kmem {
	double total, stack, pagetables, slab;
};
int h_mem_user(double *rss_kib, double *pss_kib); /* /proc/self/smaps_rollup */
int h_mem_meminfo(struct h_kmem *k);              /* /proc/meminfo, system-wide */
/* Kernel memory of the TCP sockets (IPv4 and IPv6, every state but
 * TIME_WAIT) whose local port is `port`, in this network namespace:
 * NETLINK_SOCK_DIAG's SKMEMINFO, receive queue + send queue + forward
 * allocation + option memory summed, in KiB, and how many sockets there
 * were. 0, or -errno with *kib NaN and *count 0. */
int h_mem_sock_diag(int port, double *kib, int *count);

/* A cgroup made for one cell: kind 2 (v2, memory.stat with parts), 1 (v1,
 * memory.kmem.usage_in_bytes, a total) or 0 (none: why says so). */
struct h_cgroup {
	int kind;
	char dir[512];
	char why[128];
};
int h_cgroup_make(struct h_cgroup *cg, unsigned seq); /* parent, before fork */
int h_cgroup_join(const struct h_cgroup *cg);         /* the child, itself */
int h_cgroup_read(const struct h_cgroup *cg, struct h_kmem *k);
/* Moves pid out of the cell's cgroup, back to its parent (the load
 * generator is not the cell's memory). 0 or -errno. */
int h_cgroup_evict(const struct h_cgroup *cg, pid_t pid);
void h_cgroup_remove(struct h_cgroup *cg);            /* parent, after reaping */
/* Removes the cgroups a killed run left behind: concbench-PID-SEQ beside
 * where h_cgroup_make would make ours, whose PID no longer exists. Returns
 * how many it removed. */
int h_cgroup_sweep(void);

/* ---- mem.c: the reserve a cell leaves the machine ----
 *
 * A cell that makes threads until the kernel refuses takes the machine's
 * last PIDs with it: for those seconds nothing else can fork. Before each
 * cell the parent computes how far the cell may go and leaves a reserve of
 * each limit; the runtime stops there (struct rt_env) and the cell records
 * the limit with "reserve": true and the kernel's figure beside it. */
struct h_reserve {
	/* Threads the cell's runtime may have alive at once: the least
	 * headroom of kernel.pid_max, kernel.threads-max and every pids.max
	 * above us (each less the threads alive now and its reserve), and
	 * vm.max_map_count's (two mappings a thread). -1: no figure. */
	int64_t threads;
	char limit[32];     /* the binding one: "kernel.pid_max", "pids.max" ... */
	int64_t limit_max;  /* its value (32768) */
	int64_t limit_at;   /* threads at which it would be met: threads + kept */
	int64_t kept;       /* the reserve left of it */
	/* MemAvailable the cell must leave (KiB; 0: none), and what there was. */
	uint64_t mem_floor_kib, mem_avail_kib;
};
/* What is kept of a limit of `max` units: max(min(2048, max/4), max/20),
 * so 2,048 PIDs of 32,768, and a quarter of a small container's pids.max. */
int64_t h_reserve_keep(int64_t max);
/* The memory kept: max(1 GiB, 10% of MemTotal), at most half of what is
 * available. */
uint64_t h_reserve_mem_kib(uint64_t total_kib, uint64_t avail_kib);
/* Fills rv from /proc and the cgroups now. 0 or -errno (then rv says -1
 * and 0: no reserve). */
int h_reserve_compute(struct h_reserve *rv);

/* ---- placement.c ---- */

/* --placement names, NULL-terminated. */
extern const char *const h_placement_names[];
struct h_place {
	const char *name;      /* one of h_placement_names, or H_PLACEMENT_SHARED */
	hwloc_bitmap_t cpuset; /* the cell's binding */
	int cpu_a, cpu_b;      /* wl_env: the two sides' CPUs, -1 for any */
	int given;             /* named in params: by --placement, or shared */
};
int h_placement_valid(const char *name);
/* Picks CPUs for placement `name` among `within`. 0; -EINVAL (unknown
 * name) or -ENOTSUP (the machine cannot offer it), with one sentence in
 * err. Free with h_placement_free. */
int h_placement_resolve(hwloc_topology_t topo, hwloc_const_cpuset_t within, const char *name,
                        struct h_place *out, char *err, size_t errlen);
void h_placement_free(struct h_place *p);
/* The CPUs this process may use: its affinity mask (taskset, numactl, a
 * batch scheduler) within hwloc's allowed set (the cgroup cpuset of a
 * container). The default CPU set of run and serve, and the bound of
 * --cpus and --client-cpus. 0 or -ENOMEM. */
int h_cpus_usable(hwloc_topology_t topo, hwloc_bitmap_t out);
/* The topology, once, before any fork (every child inherits it), after
 * h_cgroup_sweep; and three empty CPU sets for the caller to fill. What
 * was made is in the out parameters even on failure (the caller frees
 * it; *topo NULL when not even initialised). 0 or H_REPORTED. */
int h_machine_load(hwloc_topology_t *topo, hwloc_bitmap_t *all, hwloc_bitmap_t *client,
                   hwloc_bitmap_t *server);

/* ---- cell.c: one cell in a fresh child process ---- */

/* What the harness itself measures in a cell, beside the workload's
 * metrics: NaN when not measured (no peak reported, counter unavailable).
 * The counters come first, in h_counters order. */
enum {
	H_HM_MEM_RSS = H_NCTR, /* at peak: RSS and PSS of the process */
	H_HM_MEM_PSS,
	H_HM_MEM_USER,       /* RSS at peak minus RSS before the runtime existed */
	H_HM_MEM_KERNEL,     /* kernel memory at peak minus before */
	H_HM_MEM_KSTACK,     /* the parts of it: kernel stacks, */
	H_HM_MEM_PAGETABLES, /* page tables, */
	H_HM_MEM_SLAB,       /* slab */
	H_HM_MEM_USER_PER_TASK,
	H_HM_MEM_KERNEL_PER_TASK,
	H_HM_MEM_KSTACK_PER_TASK,
	H_HM_CREATE_NS_PER_TASK, /* run() start to peak, over tasks */
	H_HM_STEAL_MS,       /* the VM's steal time on the cell's CPUs, fork to reap */
	H_HM_OTHERS_MS,      /* other programs' CPU time on the cell's CPUs, fork to reap */
	H_NHM
};
struct h_hm_def {
	const char *name, *unit;
};
extern const struct h_hm_def h_hm[H_NHM]; /* in perf.c */

struct h_cell_result {
	int ok;
	/* Not run: the runtime cannot run on this machine (RT_UNAVAILABLE,
	 * io_uring off); error says why. ok is 0, and the run does not fail. */
	int skipped;
	char error[192];
	uint64_t checksum;
	uint64_t wall_ns;
	uint64_t tasks_reached;
	char limit[48];
	/* limit was the reserve left to the machine (struct h_reserve), not the
	 * kernel's refusal: limit_max is that limit's value (kernel.pid_max's
	 * 32768; MemAvailable in KiB for memory) and limit_at the tasks at which
	 * the kernel would have refused (-1: not known, as for memory). */
	int reserve;
	/* Server cells: why the syscalls metric is null (h_perf_syscalls_why),
	 * 0 when counted. A code, not a sentence: the struct is full. */
	int syscalls_err;
	int64_t limit_max, limit_at;
	int nmetrics;
	struct wl_metric metrics[WL_MAX_METRICS];
	/* Filled by the parent from wait4's rusage. */
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint64_t ctx_voluntary, ctx_involuntary;
	uint64_t rss_peak_kib;
	/* The harness's own measurements (H_HM_*). */
	double hm[H_NHM];
	char ctr_why[H_NCTR][H_WHY_LEN]; /* why a counter is null */
	int ctr_user_only;               /* bit i: counter i excludes the kernel */
	int threads_at_read;             /* threads still alive when counters were read */
	char mem_method[40];             /* where the kernel figure came from */
	char mem_parts_method[40];       /* where its parts came from */
	double mem_noise_kib;            /* meminfo: change between two idle samples */
	char cpus_used[96];              /* "0-1": CPUs its threads were seen on */
	char switch_check[96];           /* pingpong: counted vs expected switches */
	char client_cpus_used[56];       /* server workloads: where the load generator ran (56: the
	                                  * result fills a pipe write of 4096 bytes) */
	/* Server workloads (client set): the load generator's own rusage, from
	 * its wait4; cpu_user_ns … rss_peak_kib above are then the server's
	 * alone (the cell's wait4 less these; rss_peak_kib from the server
	 * process's own getrusage, sent in self_rss_kib). */
	int client;
	uint64_t client_cpu_user_ns, client_cpu_sys_ns;
	uint64_t client_ctx_voluntary, client_ctx_involuntary;
	uint64_t client_rss_peak_kib;
	uint64_t self_rss_kib;
};

/* ---- remote.c: the load generator on another host ---- */

/* --listen and --client-host of `run`: where the server cells listen and
 * where their client runs. Without it (h_cell's net NULL) the server
 * listens on 127.0.0.1 and the client is a local child process. */
enum h_transport { H_CLIENT_LOCAL, H_CLIENT_NETNS, H_CLIENT_SSH };
struct h_net {
	uint32_t listen_ip;  /* IPv4, network order; 0: 127.0.0.1 */
	char listen[64];     /* --listen as given, "" when not */
	enum h_transport transport;
	char host[256];      /* the namespace's name, or [USER@]HOST */
	char spec[280];      /* --client-host as given: "netns:NAME", "ssh:HOST" */
	char bin[1024];      /* --client-bin: concbench on the client host */
};
/* Parses --listen ADDR (an IPv4 address of this host, NULL: none),
 * --client-host SPEC (NULL: the local client) and --client-bin PATH (NULL:
 * this binary's own path) into *n. 0, or -EINVAL with one sentence in err. */
int h_net_parse(const char *listen, const char *spec, const char *bin, struct h_net *n,
                char *err, size_t errlen);

/* The short manifest of the host a client ran on, which `load --json`
 * prints in its line and the run records in the cell (client_host). */
struct h_host {
	char transport[280]; /* how the run reached it ("netns:cli"); "" from load */
	char hostname[65];   /* uname's: up to 64 */
	char kernel[65];     /* uname's release */
	char cpu_model[96];
	int cpus;            /* online CPUs; 0: none known (no client_host) */
};
/* This host's (manifest.c). */
void h_host_self(struct h_host *h);

struct h_cell {
	const struct h_net *net; /* server workloads: --listen, --client-host; NULL: loopback */
	struct h_host client_host; /* the client's host, when net has a transport */
	const struct runtime *rt;
	const struct workload *wl;
	int64_t *params; /* workload's then runtime's, h_plist_count values */
	uint64_t setmask; /* which params a --set or the suite chose */
	const struct h_place *place;
	hwloc_const_cpuset_t client_cpus; /* server workloads: the load generator's CPUs */
	int rep;          /* 1-based */
	int warmup;       /* run first, recorded, never summarised */
	int done;         /* has a result (run now, or read back by --resume) */
	int no_reserve;   /* --no-reserve: the cell may run into the kernel's limits */
	int count_syscalls; /* server cells: count the server's syscalls (--count-syscalls) */
	/* load_pct > 0 (a server workload's share of its capacity): the open
	 * loop's rate, set by run.c from capacity_rps, the median closed-loop
	 * throughput of the point's load_pct=0 cells done before it. The
	 * params keep rate as planned (0), so a resumed run finds the cell. */
	int64_t offered_rps;
	double capacity_rps;
	/* `concbench trace` (trace.c): the child records its tasks' runs,
	 * waits and wakes (runtimes/trace.h) and writes them here. NULL: off. */
	const char *trace_csv;
	struct h_cell_result res;
};

/* Forks, runs the cell bound to its placement's cpuset, and fills c->res.
 * Waits at most timeout_s seconds, then SIGKILLs the child. Never fails:
 * every problem ends up in c->res.error. */
void h_cell_run(struct h_cell *c, hwloc_topology_t topo, int timeout_s);
/* No result yet: zeros, and NaN for what is not measured. */
void h_cell_result_clear(struct h_cell_result *r);
/* The cell failed: r->ok = 0 and the reason, formatted, in r->error (over
 * any earlier one). */
void h_cell_fail(struct h_cell_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The running cell's child, 0 when none: a second SIGINT kills it. */
extern volatile pid_t h_cell_pid;

/* remote.c: the run's side of a cell whose client is on c->net's host.
 * Reads the server's load from lfd (the cell's child writes it once it
 * listens), runs `load --json` there through the transport within
 * timeout_s, and parses its line. Returns 0 with out->ok, or a negative
 * errno with out->error saying why (out->started 0: the server never sent
 * its load, its own result says why). */
struct h_remote_out {
	int started, ok;
	char error[192];
	struct wl_load load;
	struct h_cell_result res; /* the client's: metrics, client_*, ok, error */
	struct h_host host;
};
int h_remote_run(const struct h_cell *c, int lfd, int timeout_s, struct h_remote_out *out);

/* ---- results.c ---- */

/* "k=v<sep>k=v" of the cell's parameters (only those in mask when
 * only_set), then placement=NAME when --placement chose it. Returns buf. */
char *h_cell_params_str(const struct h_cell *c, char sep, int only_set, char *buf,
                        size_t len);
/* One JSON object and a newline, flushed and fsync'd. 0 or -errno. */
int h_results_append(FILE *f, const struct h_cell *c);
/* Reads a results.jsonl line back into the cell it belongs to (same
 * runtime, workload, parameters, placement, rep and warm-up flag) among
 * the cells not yet done, searching from index hint: fills its res, sets
 * done, returns its index; -1 when no such cell; -EINVAL when the line is
 * not one we wrote; -ENOMEM. */
long h_results_restore(const char *line, struct h_cell *cells, long n, long hint);
/* One results.jsonl line (`load --json`'s) into *r and *host (zeros when
 * the line has no client_host). 0, -EINVAL when it is not one we write,
 * -ENOMEM. */
int h_results_parse(const char *line, struct h_cell_result *r, struct h_host *host);
/* Writes DIR/summary.csv, DIR/summary.json and DIR/fits.csv over the done,
 * non-warm-up cells, each atomically (h_atomic_open). 0 or -errno. */
int h_summary_write(const char *dir, const struct h_cell *cells, long n);
/* Checks that every ok cell of a workload × workload-params point has the
 * same checksum; prints one line per disagreeing cell on `out`. Returns the
 * number of disagreeing cells, or H_REPORTED when it could not check (out
 * of memory, said on `out`). */
long h_checksum_check(const struct h_cell *cells, long n, FILE *out);

/* ---- switchpeers.c: the raw stack switch beside its peers ---- */

enum { H_PEER_ASM, H_PEER_UCONTEXT, H_PEER_BOOST, H_NPEERS };

struct h_switch_peer {
	const char *name;    /* "asm", "ucontext", "boost-fcontext" */
	const char *what;    /* one line: whose switch */
	double ns;           /* per one-direction switch; < 0 when missing */
	uint64_t switches;   /* in each timed region */
	char why[H_WHY_LEN]; /* why ns is missing, else "" */
};

struct h_switch_peers {
	int cpu;            /* where it ran */
	uint64_t region_ms; /* each timed region at least this */
	struct h_switch_peer row[H_NPEERS];
};

/* Two contexts switching back and forth on one CPU, no scheduler: the
 * fastest of 3 timed regions of at least region_ms (1..10000) of the
 * thread's CPU time per peer (about 1 s in all at 100 ms). The calling thread is bound to cpu (< 0: the CPU it is on) and its
 * affinity restored after. Boost.Context's row is missing, with why, when
 * libboost-context-dev was not there at build time. 0, or -EINVAL when cpu
 * is not one this thread may use, or another negative errno. */
int h_switch_peers(int cpu, uint64_t region_ms, struct h_switch_peers *out);

/* ---- calib.c: the yardstick for the switch figures ---- */

/* A plain two-thread ping-pong, pinned like the cells (placement.c). */
enum { H_CALIB_PIPE_SAME, H_CALIB_PIPE_CROSS, H_CALIB_FUTEX_SAME, H_CALIB_FUTEX_CROSS,
       H_NCALIB };
extern const char *const h_calib_names[H_NCALIB]; /* "pipe_same_core" ... */
/* Each figure is the median of H_CALIB_REGIONS timed regions, the four
 * figures' regions interleaved so that the machine's drift spreads over all. */
#define H_CALIB_REGIONS 7
struct h_calib_pp {
	double ns_per_switch; /* median over the regions; 0: not measured (why says) */
	double min, max;      /* over the regions */
	double ci_lo, ci_hi;  /* the median's 95% bootstrap interval (h_dist_of) */
	double region_ns[H_CALIB_REGIONS]; /* each region's ns per switch, in run order */
	int regions;          /* regions measured (H_CALIB_REGIONS unless failed) */
	uint64_t round_trips, timed_ns; /* summed over the regions */
	char why[160];
};
struct h_calib {
	struct h_calib_pp pp[H_NCALIB];
	int cpu[2][2];        /* [same, cross][ping, pong]: OS indexes, -1 none */
	double clock_ns;      /* per clock_gettime(CLOCK_MONOTONIC) */
	uint64_t clock_calls;
	uint64_t box_ms;      /* CONCBENCH_CALIB_MS: the stack switch's regions */
	uint64_t region_ms;   /* each ping-pong region's time box: box_ms / 2 */
	/* The raw stack switch and its peers (switchpeers.c), on the same-core
	 * CPU, in regions of box_ms: C11's yardstick. sw_rc < 0: not measured. */
	struct h_switch_peers sw;
	int sw_rc;
};
/* Measures all of it within cpuset (about 2.5 s). Never fails as
 * a whole: a ping-pong that cannot run has a reason in its why. */
void h_calib_measure(hwloc_topology_t topo, hwloc_const_cpuset_t cpuset, struct h_calib *c);

/* ---- manifest.c ---- */

/* manifest.c: writes DIR/manifest.json, the environment every result needs:
 * CPU model, hwloc topology summary, kernel, virtual machine or not, resource
 * limits, compiler and flags, git commit, the command line, the cpuset. */
int h_manifest_write(const char *dir, int argc, char **argv, hwloc_topology_t topo,
                     hwloc_const_cpuset_t cpuset);

/* h_manifest_write under another file name in dir (a resumed run writes
 * manifest-resume-N.json beside the first session's manifest.json), with
 * where the cpuset came from ("affinity", "--cpus"; NULL: not said), the
 * reserve left to the machine at the start (NULL: --no-reserve) and the
 * calibration (NULL: "calibration": null). */
int h_manifest_write_named(const char *dir, const char *name, int argc, char **argv,
                           hwloc_topology_t topo, hwloc_const_cpuset_t cpuset,
                           const char *cpuset_source, const struct h_reserve *reserve,
                           const struct h_calib *calib);

/* A server that is not ours the run measures (peer.c), and its version
 * (NULL: unknown): the next manifest written lists it under "peers". */
void h_manifest_peer(const char *name, const char *version);

/* ---- run.c ---- */

/* The order of a part's cells. Slow drift of the host (a neighbour's load,
 * thermal state, page cache) reads as a difference between runtimes when
 * one runtime's reps all run before another's; in rounds, every round
 * holds one rep of every point, so drift spreads over all of them. */
enum h_order {
	H_ORDER_ROUNDS,  /* rep 1 of every point, then rep 2 ... (the default) */
	H_ORDER_SHUFFLE, /* rounds, the runtimes of each round in a seeded order */
	H_ORDER_POINTS,  /* each point's reps back to back (before 2026-11-30) */
};
extern const char *const h_order_names[]; /* indexed by enum h_order */

#define H_REPS_AUTO_MIN 5 /* --reps auto: reps every point runs */
struct h_run_opts {
	const struct runtime **rts;
	int nrts;
	const struct workload **wls;
	int nwls;
	struct h_set *sets; /* the suite's (per workload) are added in run.c */
	int nsets;
	const struct h_suite *suite;
	int owned_sets;         /* run.c: the first owned_sets of sets are a suite part's */
	int reps;               /* with reps_auto: the cap (--reps-max) */
	int reps_auto;          /* --reps auto: a point's reps stop once settled (run.c) */
	double ci_target_pct;   /* settled: the headline median's 95% interval within
	                         * this percentage of it, after H_REPS_AUTO_MIN reps */
	int warmup;             /* warm-up cells per point, before its reps */
	enum h_order order;     /* the order cells run in: see h_order */
	uint64_t order_seed;    /* H_ORDER_SHUFFLE: the seed (run.json records it) */
	int timeout_s;
	const char *cpus;       /* NULL: every allowed CPU */
	const char *placements; /* NULL: unpinned, not named in params */
	const char *client_cpus; /* server workloads' load generator; NULL: the last CPU */
	int no_reserve;         /* --no-reserve: cells may meet the kernel's own limits */
	int count_syscalls;     /* --count-syscalls: server cells count their syscalls */
	const char *out;        /* NULL: results/<YYYYmmdd-HHMMSS> */
	const char *resume;     /* a folder to complete instead of a new one */
	const char *peer;       /* --peer NAME: a production server beside the runtimes (peer.c) */
	const struct h_net *net; /* --listen, --client-host: server cells' (remote.c); NULL: none */
	int argc;               /* the whole command line, for the manifest */
	char **argv;
	int run_argc;           /* from "run" on, as given: the plan in run.json */
	char **run_argv;
};
/* The output folder: `given` (created with its parents; it must be new or
 * empty, and writable), or results/YYYYmmdd-HHMMSS[-N] when NULL; its name
 * in dir. 0, or H_REPORTED after the message (run, load). */
int h_prepare_out(const char *given, char *dir, size_t len);
/* `concbench run`: returns the exit status (H_EXIT_*), having said on
 * stderr what went wrong. */
int h_cmd_run(const struct h_run_opts *o);

/* ---- trace.c: `concbench trace`, measured timelines ---- */

struct h_trace_opts {
	const struct runtime **rts;
	int nrts;
	const struct workload **wls; /* each one of h_trace_workloads */
	int nwls;
	const char *out; /* NULL: results/<YYYYmmdd-HHMMSS>; else created, or added to */
	int timeout_s;
};
/* The workloads trace has a tiny size for (NULL-terminated). */
extern const char *const h_trace_workloads[];
/* Runs one tiny cell per runtime x workload with tracing on and writes
 * DIR/trace/RUNTIME-WORKLOAD.csv (results/SCHEMA.md); the folder's name in
 * dir. Returns the exit status (H_EXIT_*), having said what went wrong. */
int h_cmd_trace(const struct h_trace_opts *o, char *dir, size_t len);
/* In a cell's child (cell.c), around run(): start recording; stop and
 * write the CSV to path (0, or -errno with why in err). */
int h_trace_begin(void);
int h_trace_end(const char *path, char *err, size_t errlen);

/* ---- loadgen.c: the client side of the server workloads (echo, http, mixed).
 *
 * One thread, one epoll loop, the same code for every runtime under test, so
 * the client is a constant of the experiment. It runs in its own process,
 * bound with hwloc to CPUs outside the server's.
 *
 * Every connection is established and confirmed first: it sends one
 * request (request 0, never measured) as soon as it is open, and the
 * measured requests start (t0) once every connection has its answer, so
 * connecting and the server's start-up (accepting, creating a thread or
 * coroutine per connection) are not timed. A server that cannot serve
 * every connection at once (a pool with fewer workers than connections)
 * never answers some: the confirmation phase also ends when no connection
 * has been confirmed for 500 ms (or after H_LOADGEN_CONNECT_MS), and
 * conns_confirmed records how many were.
 * Running for a time (requests == 0): a warm-up of warmup_ms, then a
 * window of `seconds`. Only requests sent (open loop: due) inside the
 * window and completed inside it count, in throughput and percentiles; a
 * request still outstanding when the window ends enters the histogram at
 * its age then (from the window's start at the earliest), so a connection
 * the server starves shows as a latency as long as the window, and the
 * connections are then closed, abandoning what they have in flight.
 * With a fixed count (requests > 0) every measured request counts.
 * Closed loop (rate == 0): each of `conns` connections keeps one request in
 * flight; latency runs from the send to the verified response.
 * Open loop (rate > 0): request k (k = 0, 1, ...) is due at t0 + at[k] on
 * connection k % conns, at[] Poisson arrivals of mean rate (h_loadgen_schedule), and its latency runs from that intended time, not
 * from when it could be sent: a stalled server delays every request due
 * during the stall, and all of them show it (no coordinated omission). HTTP
 * pipelines the requests that are due on a busy connection; echo keeps one
 * message in flight per connection and sends the next when it is back.
 *
 * Every response is verified: echo bytes are compared with the pattern sent
 * (a function of connection, request and offset); HTTP wants status 200,
 * a Content-Length and the body "Hello, World!". A request whose response
 * is wrong, missing or never sent counts in `errors` (whenever it comes):
 * with a fixed count, requests + errors is the planned total. A wrong
 * answer to the confirming exchange fails its connection.
 *
 * Mixed load (heavy_every = N > 0): measured request j (from 0) of
 * connection c asks for /heavy when (c + j) % N == N - 1, counted per connection and staggered by
 * connection so that the heavy requests of different connections do not
 * all arrive together. Latencies of light and heavy requests are kept
 * apart as well as together.
 *
 * Bounded: connecting gives up after H_LOADGEN_CONNECT_MS; once measured
 * requests began, H_LOADGEN_STALL_MS without any byte received ends the run
 * (every outstanding request an error). Every connection is closed at the
 * end, so a server that accepts exactly `conns` connections finishes.
 *
 * Errors: functions return 0 or a negative errno.
 */

#define H_LOADGEN_CONNECT_MS 15000
#define H_LOADGEN_STALL_MS 5000
/* File descriptors kept back from RLIMIT_NOFILE for everything that is not
 * a connection (epoll, timer, pipes, stdio, a runtime's own fds); more than
 * the server workloads keep back (64 and one per listener), so that a server
 * told the clamped figure does not clamp it again. */
#define H_LOADGEN_FD_MARGIN 80
/* A client busier than this over the window (its CPU time per CPU it was
 * allowed) may be what limits the throughput: client_limited. */
#define H_CLIENT_BUSY 0.8

struct h_loadgen_result {
	int err;           /* 0, or a negative errno: the load could not run at all */
	int conns;         /* connections asked for */
	int conns_ok;      /* connections established */
	uint64_t requests; /* responses received and verified */
	uint64_t errors;   /* requests that failed, went unanswered or were never sent */
	/* What was measured: the window (running for a time), or from t0 to
	 * the last response (a fixed count). */
	uint64_t elapsed_ns;
	uint64_t cpus_used; /* the CPUs the client ran on, sampled (bit n: CPU n < 64) */
	char error[128];   /* the first error seen, "" when none */
	/* Latencies in ns; heavy only with heavy_every. They hold the requests
	 * counted and the outstanding ones. */
	struct h_hist all, light, heavy;
	/* Steady state. */
	int conns_confirmed;  /* connections confirmed when the measured requests began */
	int conns_starved;    /* connections with no request counted */
	double fairness;      /* Jain's index over the requests counted per connection:
	                       * 1 all alike, 1/conns one got all, 0 none got any */
	uint64_t outstanding; /* requests outstanding at the window's end (in the histogram) */
	/* Skewed load (hot_pct > 0): the hot connections, and the requests
	 * counted per hot connection over those per cold one (0: none cold
	 * counted). */
	int hot_conns;
	double hot_ratio;
	/* The forked client's life, from its start to its result (0 from
	 * h_loadgen_run alone), and the CPUs it was allowed: its CPU time over
	 * both is how busy it was (client_cpu_util). */
	uint64_t life_ns;
	int ncpus;
	/* Every response the client handled, good or bad, the confirming
	 * exchanges and the warm-up's included: what its CPU time bought
	 * (client_cpu_us_per_request). */
	uint64_t completed;
	/* The window's own cost, sampled by the client when the window
	 * starts (w0; a fixed count: t0) and when it ends (before any
	 * connection closes; a fixed count: after the last response): wall
	 * time between the samples, the client's CPU time
	 * (CLOCK_PROCESS_CPUTIME_ID) and the server's (its process CPU clock,
	 * or its process group's summed; -1 when there is no server to read),
	 * and the measured responses completed between them. */
	int win_sampled;            /* both samples taken */
	uint64_t win_wall_ns, win_client_cpu_ns, win_done;
	int64_t win_server_cpu_ns;
	/* The server's sockets at the window's end (h_mem_sock_diag on the
	 * server's port, when the server is known to be on this host):
	 * sock_err 0 with their KiB and count, else why not (-errno; 1: not
	 * asked). */
	int sock_err, sock_count;
	double sock_kib;
	/* Packets this host's kernel dropped from its CPUs' input backlogs
	 * during the window (/proc/net/softnet_stat, second column, summed;
	 * -1 where it cannot be read): loopback loses packets so when a CPU
	 * receives a burst past net.core.netdev_max_backlog, and each lost
	 * segment costs its sender a retransmission timeout (200 ms or more)
	 * that the latencies then show. Host-wide. */
	int64_t win_backlog_drops;
};

/* Where a load goes: an IPv4 or IPv6 address, and its name for messages.
 * Without one (h_loadgen_run, h_loadgen_start) it is 127.0.0.1:load->port,
 * the harness's own servers. */
struct h_target {
	struct sockaddr_storage sa;
	socklen_t len;
	char name[128]; /* "HOST:PORT" as given */
};
/* "HOST:PORT" or "[IPV6]:PORT" resolved with getaddrinfo (the first
 * address), PORT 1..65535. 0, or -EINVAL or -ENOENT (cannot resolve) with
 * one sentence in err. */
int h_target_parse(const char *s, struct h_target *t, char *err, size_t errlen);
/* One TCP connect to t, given up after timeout_ms: 0 when it was accepted,
 * else a negative errno (-ECONNREFUSED, -ETIMEDOUT, -ENETUNREACH ...). A
 * load's connections retry a refused connect for H_LOADGEN_CONNECT_MS (a
 * server still starting); this says at once whether anybody listens. */
int h_target_probe(const struct h_target *t, int timeout_ms);

/* The in-process core: runs the whole load in the calling thread and fills
 * *out (about 110 KiB: allocate it or keep it static). Returns 0 when the
 * load ran (look at out->errors), or a negative errno when it could not
 * start (bad description, no epoll); out->err says the same. */
int h_loadgen_run(const struct wl_load *load, struct h_loadgen_result *out);
/* The same against `to` (NULL: 127.0.0.1:load->port). */
int h_loadgen_run_at(const struct wl_load *load, const struct h_target *to,
                     struct h_loadgen_result *out);

/* The open loop's arrivals: at[k] = request k's intended send time in ns
 * after the first (at[0] = 0), with exponential gaps of mean 1/rate from a
 * splitmix stream seeded with `seed` (a Poisson process: the same seed
 * gives the same schedule). h_loadgen_run uses H_LOADGEN_ARRIVAL_SEED and
 * reports it as the metric arrival_seed. Returns 0 or -EINVAL. */
#define H_LOADGEN_ARRIVAL_SEED 20261130u
int h_loadgen_schedule(int64_t rate, uint64_t seed, uint64_t *at, uint64_t n);

/* The connections one process can open under RLIMIT_NOFILE. Raises the
 * soft limit to the hard limit first (children forked afterwards inherit
 * it), then returns min(conns, soft - H_LOADGEN_FD_MARGIN), at least 1.
 * Call it before the server's setup and give the server the result: a
 * server that accepts exactly `conns` must be told the clamped figure. */
int h_loadgen_clamp_conns(int conns);

/* A load running in a child process (about 110 KiB, the histograms
 * included: static, heap, or a main thread's stack). */
struct h_loadgen {
	pid_t pid;
	int fd;                       /* read end of the result pipe */
	struct wl_load load;
	struct h_target to;           /* where it goes */
	/* The connections the user asked for; start sets it to load->conns.
	 * A caller that clamped with h_loadgen_clamp_conns stores the figure
	 * asked for here, and finish records the clamp as clamped_conns. */
	int conns_asked;
	struct h_loadgen_result res;  /* valid after h_loadgen_finish returned 0 */
	/* The client's own rusage, from wait4 when finish reaped it (ru_ok):
	 * the server's figures are the cell's less these. */
	int ru_ok;
	uint64_t ru_user_ns, ru_sys_ns, ru_nvcsw, ru_nivcsw, ru_maxrss_kib;
	/* h_loadgen_watch's thread, and what it did (stopped: 1 when it had
	 * to stop the server). */
	pthread_t watch;
	int watch_on, watch_efd, watch_grace_ms, stopped;
	void (*watch_stop)(void *);
	void *watch_arg;
};

/* Forks the load generator: the child is bound to client_cpus with
 * hwloc_set_cpubind(HWLOC_CPUBIND_PROCESS) (NULL or empty: left unbound),
 * dies with its parent (PR_SET_PDEATHSIG), closes every inherited fd but
 * stdio, runs h_loadgen_run and sends the result through a pipe. Call it
 * after the server listens (setup) and before the runtime's run(). Flushes
 * stdio before forking. Returns 0 or a negative errno. */
int h_loadgen_start(const struct wl_load *load, hwloc_topology_t topo,
                    hwloc_const_cpuset_t client_cpus, struct h_loadgen *lg);
/* The same against `to` (NULL: 127.0.0.1:load->port). */
/* server: the server's process (> 0), or its process group (< 0: -pgid),
 * on this host and in this network namespace: the client then reads its
 * CPU clock at the window's ends and its sockets at the window's end
 * (server_cpu_us_per_request, server_sock_kib, server_sockets); 0: not
 * known (a server elsewhere). */
int h_loadgen_start_at(const struct wl_load *load, const struct h_target *to, pid_t server,
                       hwloc_topology_t topo, hwloc_const_cpuset_t client_cpus,
                       struct h_loadgen *lg);
/* A server that waits for a connection its client no longer has must not
 * hang the cell: the client's close of a connection can be lost (a reset
 * is sent once, and loopback drops packets past a CPU's input backlog), and
 * the server then holds a connection that will never say anything again.
 * So while the server runs, a thread watches for the load generator's end
 * (its result in the pipe, or its death: every connection it had is closed
 * by then) and, if the server is still running grace_ms after it, calls
 * stop(arg) (a workload's stop: it shuts every open connection down) and
 * notes that it did. Start it after h_loadgen_start*, end it with
 * h_loadgen_unwatch as soon as the server's run() returned: 1 if it had to
 * stop the server, else 0. The thread sleeps in poll() the whole time. */
#define H_SERVER_END_GRACE_MS 5000
int h_loadgen_watch(struct h_loadgen *lg, int grace_ms, void (*stop)(void *), void *arg);
int h_loadgen_unwatch(struct h_loadgen *lg);

/* Waits up to timeout_ms for the child's result (then kills it), reaps it
 * and appends to rep (wl_metric): throughput_rps (requests counted over
 * window_s), p50_us … p9999_us, max_us, requests, errors, window_s,
 * conns_starved, fairness, client_cpu_us_per_request (the client's CPU
 * time over every response it handled), client_cpu_util and
 * client_limited (the client's CPU over the window's wall time, per CPU it
 * was allowed); with a server given to h_loadgen_start_at also
 * server_cpu_us_per_request (its CPU in the window over the responses
 * completed in it), server_sock_kib and server_sockets (its port's
 * sockets at the window's end; null where sock_diag was refused);
 * net_backlog_drops (win_backlog_drops, when readable); with heavy_every > 0 also light_p50_us,
 * light_p99_us, light_p999_us, heavy_p50_us, heavy_p99_us; clamped_conns
 * (the connections used) when conns_asked was more; conns_confirmed when
 * fewer than the connections were confirmed before the measured phase.
 * When the load had errors or failed, writes one sentence to rep->error
 * unless it already holds one: zero errors is the expected outcome, so a
 * cell with errors is not ok. Returns 0 when the load ran (errors or not),
 * -ETIMEDOUT when it was killed, or another negative errno when it died or
 * could not run; the metrics are appended only when it returns 0. */
int h_loadgen_finish(struct h_loadgen *lg, int timeout_ms, struct wl_report *rep);

/* ---- peer.c: servers that are not ours, measured by the same client ---- */

/* A peer's cell has a runtime with a name and nothing to run: a remote
 * server (`concbench load`, "remote:HOST:PORT") or a production server the
 * run starts itself (h_peer_nginx, "peer:nginx"); h_peer_is knows them by
 * those prefixes. */
int h_peer_is(const struct runtime *rt);
/* Whether peer rt takes workload wl's client (nginx: http). */
int h_peer_serves(const struct runtime *rt, const struct workload *wl);
extern const struct runtime h_peer_nginx;
/* --peer NAME: the peer's runtime and its version ("1.22.1"). 0; -ENOENT
 * when it is not installed, -EINVAL for an unknown name, with one sentence
 * in why. */
int h_peer_find(const char *name, const struct runtime **rt, char *version, size_t len,
                char *why, size_t whylen);
/* A cell whose server is not ours: c->wl (http or echo) gives the load by
 * its parameter names (conns, requests, seconds, rate, warmup_ms,
 * msg_bytes; port is `to`'s), run from c->client_cpus against `to`; c->res
 * gets what a server cell's gets from its client (the load generator's
 * metrics, client_*, client_cpu_util and client_limited), ok when the load
 * had no error. server: as h_loadgen_start_at's (0: a server elsewhere).
 * Never fails: a problem is c->res.error. Returns the responses the
 * client handled (0 when it did not run). */
uint64_t h_remote_cell_run(struct h_cell *c, const struct h_target *to, pid_t server,
                           hwloc_topology_t topo, int timeout_s);
/* One peer cell (after h_peer_find): starts the peer bound to
 * c->place->cpuset, runs h_remote_cell_run against it, stops it and
 * leaves nothing running or on disk, whatever happens (see peer.c); adds
 * the peer's own CPU time, context switches and peak RSS over its life to
 * the server fields; server_cpu_us_per_request is the window's, from the
 * client's reads of nginx's process group's CPU clocks. */
void h_peer_cell_run(struct h_cell *c, hwloc_topology_t topo, int timeout_s);


#endif
