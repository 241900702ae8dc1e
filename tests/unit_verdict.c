/* unit_verdict — every claim's rule (harness/analysis/verdict.c) on synthetic
 * summaries built in memory: for each, data that should hold, data that
 * should not, data that should depend (and on what), and data too thin to
 * decide. No files: the rules are pure functions of struct h_summary and
 * the run facts. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/measure/measure.h"
#include "harness/analysis/analysis.h"
#include "tests/check.h"

/* ---- a summary by hand ---- */

static struct h_srow rows[256];
static struct h_fitrow fits[16];
static struct h_summary S;
static struct h_cellnote cells[16];
static struct h_runfacts F;

static void reset(int ncpus)
{
	memset(rows, 0, sizeof rows);
	memset(fits, 0, sizeof fits);
	memset(cells, 0, sizeof cells);
	S = (struct h_summary){ .rows = rows, .fits = fits, .ncpus = ncpus };
	F = (struct h_runfacts){ .cells = cells, .vm = -1 };
}

/* The strings are never freed (no h_summary_free): literals do. */
static void row(const char *rt, const char *wl, const char *params, const char *metric,
                double median)
{
	struct h_srow *r = &rows[S.n++];
	r->runtime = (char *)rt;
	r->workload = (char *)wl;
	r->params = (char *)params;
	r->metric = (char *)metric;
	r->unit = (char *)"";
	r->n = 3;
	r->median = r->min = r->max = median;
	r->cov = 0.01;
}

static void fit(const char *rt, const char *params, const char *metric, double slope)
{
	struct h_fitrow *f = &fits[S.nfits++];
	f->runtime = (char *)rt;
	f->workload = (char *)"sleep";
	f->params = (char *)params;
	f->metric = (char *)metric;
	f->unit = (char *)"KiB/task";
	f->n = 9;
	f->slope = slope;
	f->r2 = 0.99;
}

static void cell(const char *rt, const char *wl, const char *params, int ok, const char *error,
                 const char *limit, int ncpus)
{
	struct h_cellnote *c = &cells[F.ncells++];
	snprintf(c->runtime, sizeof c->runtime, "%s", rt);
	snprintf(c->workload, sizeof c->workload, "%s", wl);
	snprintf(c->params, sizeof c->params, "%s", params);
	c->ok = ok;
	snprintf(c->error, sizeof c->error, "%s", error ? error : "");
	snprintf(c->limit, sizeof c->limit, "%s", limit ? limit : "");
	c->ncpus_bound = ncpus;
}

/* Runs rule fn and checks its verdict, and that the reason says `says`
 * (NULL: anything) and the result carries figures unless no data. */
#define EXPECT(fn, want, says) expect(#fn, __LINE__, fn, want, says)
static void expect(const char *name, int line, h_rule_fn fn, enum h_verdict want,
                   const char *says)
{
	struct h_vresult o;
	fn(&S, &F, &o);
	int ok = o.verdict == want && (!says || strstr(o.reason, says)) && o.reason[0] &&
	         (want == H_VERDICT_NO_DATA || o.nfig > 0);
	CHECKF(ok, "line %d: %s: got \"%s\" (%s), want \"%s\"%s%s", line, name,
	       h_verdict_name(o.verdict), o.reason, h_verdict_name(want), says ? " saying " : "",
	       says ? says : "");
	/* Every figure is a finite number with a description. */
	for (int i = 0; i < o.nfig; i++)
		CHECKF(o.fig[i].what[0] && isfinite(o.fig[i].median),
		       "line %d: %s: figure %d \"%s\" is %g", line, name, i, o.fig[i].what,
		       o.fig[i].median);
}

/* ---- C1 ---- */

#define CPU_T "tasks=64;work=1000000;stack_kib=0"
#define CPU_P "tasks=64;work=1000000;workers=0"
#define CPU_E "tasks=64;work=1000000;loops=1"
#define CPU_C "tasks=64;work=1000000;stack_kib=64;guard=1"

static void cpu_side(double par, double one)
{
	row("threads", "cpu", CPU_T, "iters_per_us", par);
	row("pool", "cpu", CPU_P, "iters_per_us", par * 0.98);
	row("epoll", "cpu", CPU_E, "iters_per_us", one);
	row("coro", "cpu", CPU_C, "iters_per_us", one * 0.97);
}

static void echo(const char *rt, const char *rtparams, int conns, double rps)
{
	static char buf[64][160];
	static int k;
	char *p = buf[k++ % 64];
	snprintf(p, 160, "port=0;conns=%d;requests=100;seconds=0;rate=0;msg_bytes=64;%s", conns,
	         rtparams);
	row(rt, "echo", p, "throughput_rps", rps);
}

static void test_c1(void)
{
	reset(2);
	cpu_side(200, 100);
	echo("threads", "stack_kib=0", 100, 50000);
	echo("epoll", "loops=1", 100, 90000);
	EXPECT(h_rule_c1, H_VERDICT_HOLDS, "holds");

	reset(2);
	cpu_side(100, 100);
	echo("threads", "stack_kib=0", 100, 100000);
	echo("epoll", "loops=1", 100, 50000);
	EXPECT(h_rule_c1, H_VERDICT_DOES_NOT_HOLD, NULL);

	reset(2);
	cpu_side(200, 100);
	echo("threads", "stack_kib=0", 100, 100000);
	echo("epoll", "loops=1", 100, 50000);
	EXPECT(h_rule_c1, H_VERDICT_DEPENDS, "CPU-bound work only");

	/* One CPU: no parallelism to win, whatever the ratio. */
	reset(1);
	cpu_side(200, 100);
	echo("threads", "stack_kib=0", 100, 50000);
	echo("epoll", "loops=1", 100, 90000);
	EXPECT(h_rule_c1, H_VERDICT_DEPENDS, "one CPU");

	/* Without a server workload: sleep's time and memory per task. */
	reset(2);
	cpu_side(200, 100);
	row("threads", "sleep", "tasks=1000;ms=10;stack_touch=0;stack_kib=0", "elapsed_ms", 15);
	row("threads", "sleep", "tasks=1000;ms=10;stack_touch=0;stack_kib=0", "mem_user_kib_per_task", 10);
	row("threads", "sleep", "tasks=1000;ms=10;stack_touch=0;stack_kib=0", "mem_kernel_kib_per_task", 16);
	row("epoll", "sleep", "tasks=1000;ms=10;stack_touch=0;loops=1", "elapsed_ms", 12);
	row("epoll", "sleep", "tasks=1000;ms=10;stack_touch=0;loops=1", "mem_user_kib_per_task", 0.3);
	row("epoll", "sleep", "tasks=1000;ms=10;stack_touch=0;loops=1", "mem_kernel_kib_per_task", 0.01);
	EXPECT(h_rule_c1, H_VERDICT_HOLDS, "per task");

	reset(2);
	cpu_side(200, 100);
	EXPECT(h_rule_c1, H_VERDICT_NO_DATA, "I/O side not measured");
}

/* ---- C2 ---- */

static void test_c2(void)
{
	reset(2);
	row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0", "elapsed_ms", 12);
	row("threads", "sleep", "tasks=100;ms=100;stack_touch=0;stack_kib=0", "elapsed_ms", 104);
	row("epoll", "sleep", "tasks=100;ms=10;stack_touch=0;loops=1", "elapsed_ms", 11);
	EXPECT(h_rule_c2, H_VERDICT_HOLDS, NULL);
	/* 30,000 threads take seconds to create: the memory sweep's point is
	 * not the overlap experiment, and does not count against it. */
	row("threads", "sleep", "tasks=30000;ms=100;stack_touch=0;stack_kib=0", "elapsed_ms", 2500);
	EXPECT(h_rule_c2, H_VERDICT_HOLDS, NULL);

	/* The pool runs 1000 waits on 2 workers (workers=0: one per CPU of
	 * the cell, 2 per results.jsonl) in batches. */
	row("pool", "sleep", "tasks=1000;ms=10;stack_touch=0;workers=0", "elapsed_ms", 5012);
	cell("pool", "sleep", "tasks=1000;ms=10;stack_touch=0;workers=0;placement=unpinned", 1, NULL,
	     NULL, 2);
	EXPECT(h_rule_c2, H_VERDICT_DEPENDS, "1000 tasks > 2 workers");

	reset(2);
	row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0", "elapsed_ms", 80);
	row("pool", "sleep", "tasks=1000;ms=10;stack_touch=0;workers=1", "elapsed_ms", 10000);
	EXPECT(h_rule_c2, H_VERDICT_DOES_NOT_HOLD, NULL);

	reset(2);
	EXPECT(h_rule_c2, H_VERDICT_NO_DATA, NULL);
}

/* ---- C3 ---- */

#define MIX "port=0;conns=10;requests=1000;seconds=0;rate=0;heavy_every=100;heavy_us=1000"

static void mixed(double threads, double epoll, double coro)
{
	row("threads", "mixed", MIX ";stack_kib=0", "light_p99_us", threads);
	row("epoll", "mixed", MIX ";loops=1", "light_p99_us", epoll);
	row("coro", "mixed", MIX ";stack_kib=64;guard=1", "light_p99_us", coro);
	row("pool", "mixed", MIX ";workers=0", "light_p99_us", threads * 1.1);
}

static void test_c3(void)
{
	reset(4);
	mixed(100, 1100, 1200);
	EXPECT(h_rule_c3, H_VERDICT_HOLDS, NULL);

	reset(4);
	mixed(100, 110, 105);
	EXPECT(h_rule_c3, H_VERDICT_DOES_NOT_HOLD, NULL);

	reset(4);
	mixed(100, 1100, 110);
	EXPECT(h_rule_c3, H_VERDICT_DEPENDS, "on the runtime");

	/* Every single executor slower, none by 2×: the threshold decides. */
	reset(4);
	mixed(600, 1190, 1180);
	EXPECT(h_rule_c3, H_VERDICT_DEPENDS, "1.97–1.98× threads' 600 µs (heavy_us=1000), under the rule's 2×");

	/* Two CPUs: the load generator takes one, the server has one, and a
	 * heavy request holds up threads' light ones too. */
	reset(2);
	mixed(1100, 1100, 1050);
	EXPECT(h_rule_c3, H_VERDICT_DEPENDS, "one CPU");

	/* A loop with more than one loop is no single executor. */
	reset(4);
	row("threads", "mixed", MIX ";stack_kib=0", "light_p99_us", 100);
	row("epoll", "mixed", MIX ";loops=2", "light_p99_us", 1100);
	EXPECT(h_rule_c3, H_VERDICT_NO_DATA, NULL);
}

/* ---- C4 ---- */

static void test_c4(void)
{
	static const int conns[] = { 10, 100, 1000 };
	double holds[] = { 100000, 90000, 50000 }, not[] = { 100000, 100000, 98000 },
	       dep[] = { 100000, 100000, 80000 };
	double *cases[] = { holds, not, dep };
	enum h_verdict want[] = { H_VERDICT_HOLDS, H_VERDICT_DOES_NOT_HOLD, H_VERDICT_DEPENDS };
	for (int k = 0; k < 3; k++) {
		reset(4);
		for (int i = 0; i < 3; i++) {
			echo("threads", "stack_kib=0", conns[i], cases[k][i]);
			echo("epoll", "loops=1", conns[i], 100000);
		}
		EXPECT(h_rule_c4, want[k], NULL);
	}

	/* A limit is a result: a failed threads cell decides it. */
	reset(4);
	echo("threads", "stack_kib=0", 100, 100000);
	cell("threads", "echo", "port=0;conns=20000;requests=10;stack_kib=0;placement=unpinned", 0,
	     "cannot create thread", "threads-max", 3);
	EXPECT(h_rule_c4, H_VERDICT_HOLDS, "threads-max");

	reset(4);
	echo("threads", "stack_kib=0", 10, 100000);
	echo("epoll", "loops=1", 10, 100000);
	EXPECT(h_rule_c4, H_VERDICT_NO_DATA, "one conns value");
}

/* ---- C5 ---- */

static void pingpong(const char *rt, const char *place, const char *wl, double ns)
{
	static char buf[64][128];
	static int k;
	char *p = buf[k++ % 64];
	const char *rp = !strcmp(rt, "threads") ? "stack_kib=0"
	                 : !strcmp(rt, "epoll") ? "loops=1"
	                 : !strcmp(rt, "pool")  ? "workers=0"
	                                        : "stack_kib=64;guard=1";
	snprintf(p, 128, "rounds=100000;%s%s%s", rp, place ? ";placement=" : "", place ? place : "");
	row(rt, wl, p, "ns_per_switch", ns);
}

static void test_c5(void)
{
	reset(2);
	pingpong("threads", "same-core", "pingpong", 1300);
	pingpong("threads", "unpinned", "pingpong", 2500);
	EXPECT(h_rule_c5, H_VERDICT_HOLDS, NULL);

	reset(2);
	F.vm = 1;
	snprintf(F.hypervisor, sizeof F.hypervisor, "kvm");
	pingpong("threads", "same-core", "pingpong", 1300);
	pingpong("threads", "cross-core", "pingpong", 28000);
	pingpong("threads", "unpinned", "pingpong", 30000);
	EXPECT(h_rule_c5, H_VERDICT_DEPENDS, "virtual machine (kvm)");

	reset(2);
	pingpong("threads", "same-core", "pingpong", 100);
	pingpong("threads", "unpinned", "pingpong", 30000);
	EXPECT(h_rule_c5, H_VERDICT_DOES_NOT_HOLD, NULL);

	/* Without --placement the rows carry none: that is unpinned. */
	reset(2);
	pingpong("threads", NULL, "pingpong", 2500);
	EXPECT(h_rule_c5, H_VERDICT_NO_DATA, "unpinned 2.50 µs (within");
}

/* ---- C6 ---- */

static void test_c6(void)
{
	reset(2);
	pingpong("threads", "same-core", "pingpong", 2000);
	pingpong("coro", "same-core", "pingpong", 50);
	pingpong("threads", "same-core", "pipepingpong", 3000);
	pingpong("epoll", "same-core", "pipepingpong", 2000);
	EXPECT(h_rule_c6, H_VERDICT_HOLDS, "same-core");

	reset(2);
	pingpong("threads", NULL, "pingpong", 100);
	pingpong("coro", NULL, "pingpong", 50);
	pingpong("threads", NULL, "pipepingpong", 3000);
	pingpong("epoll", NULL, "pipepingpong", 2000);
	EXPECT(h_rule_c6, H_VERDICT_DOES_NOT_HOLD, "unpinned");

	reset(2);
	pingpong("threads", NULL, "pingpong", 2000);
	pingpong("epoll", NULL, "pingpong", 50);
	pingpong("threads", NULL, "pipepingpong", 4000);
	pingpong("coro", NULL, "pipepingpong", 200);
	EXPECT(h_rule_c6, H_VERDICT_DEPENDS, NULL);

	/* 1000× over events falling to 100× over pipes is a third, but no
	 * convergence. */
	reset(2);
	pingpong("threads", NULL, "pingpong", 20000);
	pingpong("coro", NULL, "pingpong", 20);
	pingpong("threads", NULL, "pipepingpong", 20000);
	pingpong("epoll", NULL, "pipepingpong", 200);
	EXPECT(h_rule_c6, H_VERDICT_DEPENDS, "not within 3×");

	reset(2);
	pingpong("threads", NULL, "pingpong", 2000);
	pingpong("epoll", NULL, "pingpong", 50);
	EXPECT(h_rule_c6, H_VERDICT_NO_DATA, NULL);
}

/* ---- C7 ---- */

static void mem(double th, double ep, double co)
{
	fit("threads", "ms=10;stack_touch=0;stack_kib=0", "mem_slope_user_kib_per_task", th / 2);
	fit("threads", "ms=10;stack_touch=0;stack_kib=0", "mem_slope_kernel_kib_per_task", th / 2);
	fit("epoll", "ms=10;stack_touch=0;loops=1", "mem_slope_user_kib_per_task", ep);
	fit("coro", "ms=10;stack_touch=0;stack_kib=64;guard=1", "mem_slope_user_kib_per_task", co);
}

static void test_c7(void)
{
	reset(2);
	mem(22, 0.3, 4.5);
	EXPECT(h_rule_c7, H_VERDICT_HOLDS, NULL);

	reset(2);
	mem(1, 0.8, 0.9);
	EXPECT(h_rule_c7, H_VERDICT_DOES_NOT_HOLD, NULL);

	reset(2);
	mem(22, 1.6, 4.5);
	EXPECT(h_rule_c7, H_VERDICT_DEPENDS, "above 1 KiB");

	/* No sweep: the per-task figures at the largest tasks. */
	reset(2);
	row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0", "elapsed_ms", 11);
	row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0", "mem_user_kib_per_task", 10);
	row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0", "mem_kernel_kib_per_task", 12);
	row("epoll", "sleep", "tasks=100;ms=10;stack_touch=0;loops=1", "elapsed_ms", 11);
	row("epoll", "sleep", "tasks=100;ms=10;stack_touch=0;loops=1", "mem_per_task_kib", 0.2);
	EXPECT(h_rule_c7, H_VERDICT_HOLDS, "coro not measured");

	reset(2);
	mem(22, NAN, 4.5);
	S.nfits = 2; /* threads only */
	EXPECT(h_rule_c7, H_VERDICT_NO_DATA, NULL);
}

/* ---- C8 ---- */

static void test_c8(void)
{
	double cases[][3] = { { 150000, 100000, 80000 }, /* loops=2, loops=1, threads */
		                  { 90000, 100000, 100000 },
		                  { 120000, 100000, 130000 } };
	enum h_verdict want[] = { H_VERDICT_HOLDS, H_VERDICT_DOES_NOT_HOLD, H_VERDICT_DEPENDS };
	for (int k = 0; k < 3; k++) {
		reset(4);
		echo("epoll", "loops=2", 100, cases[k][0]);
		echo("epoll", "loops=1", 100, cases[k][1]);
		echo("threads", "stack_kib=0", 100, cases[k][2]);
		EXPECT(h_rule_c8, want[k], NULL);
	}

	/* The server had one CPU (results.jsonl's cpuset of the cells). */
	reset(4);
	echo("epoll", "loops=2", 100, 150000);
	echo("epoll", "loops=1", 100, 100000);
	echo("threads", "stack_kib=0", 100, 80000);
	cell("epoll", "echo", "port=0;conns=100;requests=100;seconds=0;rate=0;msg_bytes=64;loops=2;placement=unpinned",
	     1, NULL, NULL, 1);
	EXPECT(h_rule_c8, H_VERDICT_DEPENDS, "cores available to the server");

	/* Two CPUs, no results.jsonl: the load generator takes the last. */
	reset(2);
	F.ncells = 0;
	echo("epoll", "loops=2", 100, 150000);
	echo("epoll", "loops=1", 100, 100000);
	echo("threads", "stack_kib=0", 100, 80000);
	EXPECT(h_rule_c8, H_VERDICT_DEPENDS, "one CPU");

	reset(4);
	echo("epoll", "loops=1", 100, 100000);
	EXPECT(h_rule_c8, H_VERDICT_NO_DATA, NULL);
}

/* ---- C9 ---- */

#define FILE_P "file_mib=64;block_kib=64;tasks=8;cold=1"

static void file(double threads, double epoll, double cached)
{
	row("threads", "file", FILE_P ";stack_kib=0", "mib_per_s", threads);
	row("threads", "file", FILE_P ";stack_kib=0", "cached_pct", cached);
	row("epoll", "file", FILE_P ";loops=1", "mib_per_s", epoll);
	row("epoll", "file", FILE_P ";loops=1", "cached_pct", cached);
}

static void test_c9(void)
{
	reset(2);
	file(400, 200, 0);
	EXPECT(h_rule_c9, H_VERDICT_HOLDS, NULL);
	reset(2);
	/* Blocking reads that cost nothing: fast storage, not a false claim. */
	file(400, 800, 0);
	EXPECT(h_rule_c9, H_VERDICT_DEPENDS, "storage speed");
	reset(2);
	file(400, 800, 100);
	EXPECT(h_rule_c9, H_VERDICT_DEPENDS, "page cache");
	reset(2);
	row("threads", "file", "file_mib=64;block_kib=64;tasks=8;cold=0;stack_kib=0", "mib_per_s", 900);
	row("epoll", "file", "file_mib=64;block_kib=64;tasks=8;cold=0;loops=1", "mib_per_s", 900);
	EXPECT(h_rule_c9, H_VERDICT_NO_DATA, NULL);
}

/* ---- C10 ---- */

static void cpu_sweep(const double th[3], const double pool[3])
{
	static const char *const tp[] = { "tasks=64;work=1000;stack_kib=0",
		                               "tasks=64;work=100000;stack_kib=0",
		                               "tasks=64;work=1000000;stack_kib=0" };
	static const char *const pp[] = { "tasks=64;work=1000;workers=0",
		                               "tasks=64;work=100000;workers=0",
		                               "tasks=64;work=1000000;workers=0" };
	/* The single-core baseline: 100 iterations per µs. */
	row("epoll", "cpu", "tasks=64;work=1000000;loops=1", "iters_per_us", 100);
	for (int i = 0; i < 3; i++) {
		row("threads", "cpu", tp[i], "iters_per_us", th[i]);
		row("pool", "cpu", pp[i], "iters_per_us", pool[i]);
	}
}

static void test_c10(void)
{
	/* 2 CPUs: full efficiency is 200 iterations per µs. */
	reset(2);
	cpu_sweep((double[]){ 20, 90, 180 }, (double[]){ 120, 180, 190 });
	EXPECT(h_rule_c10, H_VERDICT_HOLDS, "work=1000");

	reset(2);
	cpu_sweep((double[]){ 150, 180, 190 }, (double[]){ 120, 180, 190 });
	EXPECT(h_rule_c10, H_VERDICT_DOES_NOT_HOLD, NULL);

	reset(2);
	cpu_sweep((double[]){ 20, 40, 60 }, (double[]){ 120, 150, 150 });
	EXPECT(h_rule_c10, H_VERDICT_DEPENDS, "< 80%");

	/* One work value is no sweep. */
	reset(2);
	row("epoll", "cpu", "tasks=64;work=1000000;loops=1", "iters_per_us", 100);
	row("threads", "cpu", "tasks=64;work=1000000;stack_kib=0", "iters_per_us", 180);
	row("pool", "cpu", "tasks=64;work=1000000;workers=0", "iters_per_us", 190);
	EXPECT(h_rule_c10, H_VERDICT_NO_DATA, "one work value");
}

/* ---- C11 ---- */

static void test_c11(void)
{
	reset(2);
	pingpong("coro", "same-core", "pingpong", 20);
	pingpong("coro-ucontext", "same-core", "pingpong", 250);
	pingpong("coro", "unpinned", "pingpong", 25);
	EXPECT(h_rule_c11, H_VERDICT_HOLDS, "same-core");

	reset(2);
	pingpong("coro", NULL, "pingpong", 20);
	pingpong("coro-ucontext", NULL, "pingpong", 30);
	EXPECT(h_rule_c11, H_VERDICT_DOES_NOT_HOLD, NULL);

	reset(2);
	pingpong("coro", NULL, "pingpong", 80);
	pingpong("coro-ucontext", NULL, "pingpong", 300);
	EXPECT(h_rule_c11, H_VERDICT_DEPENDS, NULL);

	/* Different placements are not compared. */
	reset(2);
	pingpong("coro", "same-core", "pingpong", 20);
	pingpong("coro-ucontext", "cross-core", "pingpong", 300);
	EXPECT(h_rule_c11, H_VERDICT_NO_DATA, NULL);
}

/* ---- C12 ---- */

#define POOL_ECHO(c) "port=0;conns=" #c ";requests=100;seconds=0;rate=0;msg_bytes=64;workers=2"

static void pool_echo(double rps2, double p99_2, double rps8, double p99_8)
{
	row("pool", "echo", POOL_ECHO(2), "throughput_rps", rps2);
	row("pool", "echo", POOL_ECHO(2), "p99_us", p99_2);
	row("pool", "echo", POOL_ECHO(8), "throughput_rps", rps8);
	row("pool", "echo", POOL_ECHO(8), "p99_us", p99_8);
}

static void test_c12(void)
{
	reset(4);
	pool_echo(50000, 100, 50000, 600);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0,
	     "Resource deadlock avoided", "pool-deadlock", 4);
	EXPECT(h_rule_c12, H_VERDICT_HOLDS, "pool-deadlock");

	reset(4);
	pool_echo(50000, 100, 100000, 150);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0, "timeout", NULL, 4);
	EXPECT(h_rule_c12, H_VERDICT_DOES_NOT_HOLD, "watchdog");

	reset(4);
	pool_echo(50000, 100, 40000, 130);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0, "timeout", NULL, 4);
	EXPECT(h_rule_c12, H_VERDICT_DEPENDS, "the cap shows");

	/* A steady-state run: 6 of 8 connections got nothing in the window,
	 * though p99 and throughput (the served connections') look fine. */
	reset(4);
	pool_echo(50000, 100, 100000, 150);
	row("pool", "echo", POOL_ECHO(8), "conns_starved", 6);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0, "timeout", NULL, 4);
	EXPECT(h_rule_c12, H_VERDICT_DEPENDS, "6 of 8 connections got no response in the window");
	/* None starved: as without the figure. */
	reset(4);
	pool_echo(50000, 100, 100000, 150);
	row("pool", "echo", POOL_ECHO(8), "conns_starved", 0);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0, "timeout", NULL, 4);
	EXPECT(h_rule_c12, H_VERDICT_DOES_NOT_HOLD, "watchdog");

	/* workers=0 at placement same-core is one worker too. */
	reset(4);
	pool_echo(50000, 100, 100000, 150);
	cell("pool", "pingpong", "rounds=100000;workers=0;placement=same-core", 0,
	     "Resource deadlock avoided", "pool-deadlock", 1);
	EXPECT(h_rule_c12, H_VERDICT_DEPENDS, "the deadlock shows");

	/* A failed pool echo cell beyond the workers is the cap. */
	reset(4);
	cell("pool", "echo", "port=0;conns=64;requests=100;workers=2;placement=unpinned", 0, "timeout",
	     NULL, 3);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0,
	     "Resource deadlock avoided", "pool-deadlock", 4);
	EXPECT(h_rule_c12, H_VERDICT_HOLDS, "failed");

	reset(4);
	cell("pool", "pingpong", "rounds=100000;workers=1;placement=unpinned", 0,
	     "Resource deadlock avoided", "pool-deadlock", 4);
	EXPECT(h_rule_c12, H_VERDICT_NO_DATA, "cap: not measured");
}

/* ---- the table and the helpers ---- */

static void test_table(void)
{
	static const char *const ids[] = { "C1", "C2", "C3", "C4", "C5", "C6",
		                               "C7", "C8", "C9", "C10", "C11", "C12" };
	CHECK(H_NCLAIMS == 12);
	for (int n = 0; n < H_NCLAIMS; n++) {
		const struct h_claim *c = &h_claims[n];
		CHECK(c->id && !strcmp(c->id, ids[n]));
		CHECK(c->rule && c->words && strlen(c->words) > 40);
	}
	CHECK(h_claim_find("C10") && h_claim_find("C10")->rule == h_rule_c10);
	CHECK(!h_claim_find("C13"));

	/* An empty run: every rule says no data, none crashes. */
	reset(0);
	for (int n = 0; n < H_NCLAIMS; n++) {
		struct h_vresult o;
		h_claims[n].rule(&S, NULL, &o);
		CHECK(o.verdict == H_VERDICT_NO_DATA && o.reason[0]);
	}

	char b[32];
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 0.0186), "0.0186"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 18.62), "18.6"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 1862.7), "1863"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 123456.7), "123457"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, NAN), "n/a"));
	CHECK(!strcmp(h_verdict_name(H_VERDICT_DOES_NOT_HOLD), "does not hold"));
}

int main(void)
{
	test_c1();
	test_c2();
	test_c3();
	test_c4();
	test_c5();
	test_c6();
	test_c7();
	test_c8();
	test_c9();
	test_c10();
	test_c11();
	test_c12();
	test_table();
	if (!failures)
		puts("unit_verdict: ok");
	return t_exit_status();
}
