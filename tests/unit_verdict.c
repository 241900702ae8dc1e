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
#define CPU_E2 "tasks=64;work=1000000;loops=2"
#define CPU_C "tasks=64;work=1000000;stack_kib=64;guard=1"

/* Kernel threads at `par`, a loop per CPU (epoll loops=2) at `loop`, the
 * single executors at half the loops'. */
static void cpu_side(double par, double loop)
{
	row("threads", "cpu", CPU_T, "iters_per_us", par);
	row("pool", "cpu", CPU_P, "iters_per_us", par * 0.98);
	row("epoll", "cpu", CPU_E2, "iters_per_us", loop);
	row("epoll", "cpu", CPU_E, "iters_per_us", loop / 2);
	row("coro", "cpu", CPU_C, "iters_per_us", loop / 2 * 0.97);
}

static void echo_m(const char *rt, const char *rtparams, int conns, const char *metric,
                   double v)
{
	static char buf[64][160];
	static int k;
	char *p = buf[k++ % 64];
	snprintf(p, 160, "port=0;conns=%d;requests=100;seconds=0;rate=0;msg_bytes=64;%s", conns,
	         rtparams);
	row(rt, "echo", p, metric, v);
}

static void echo(const char *rt, const char *rtparams, int conns, double rps)
{
	echo_m(rt, rtparams, conns, "throughput_rps", rps);
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

	/* Equal CPUs: the pool on 2 against epoll loops=2 on 2 is the
	 * comparison, not 2 CPUs against one loop's 1 (2× here). */
	reset(2);
	row("threads", "cpu", CPU_T, "iters_per_us", 190);
	row("pool", "cpu", CPU_P, "iters_per_us", 200);
	row("epoll", "cpu", CPU_E2, "iters_per_us", 195);
	row("epoll", "cpu", CPU_E, "iters_per_us", 100);
	echo("threads", "stack_kib=0", 100, 50000);
	echo("epoll", "loops=1", 100, 90000);
	EXPECT(h_rule_c1, H_VERDICT_DEPENDS, "pool does 1.03× what epoll (loops=2) does");
	EXPECT(h_rule_c1, H_VERDICT_DEPENDS, "parallelism, not threads against async");

	/* The pool on 2 CPUs, epoll only with one loop: no CPU side. */
	reset(2);
	row("pool", "cpu", CPU_P, "iters_per_us", 200);
	row("epoll", "cpu", CPU_E, "iters_per_us", 100);
	echo("threads", "stack_kib=0", 100, 50000);
	echo("epoll", "loops=1", 100, 90000);
	EXPECT(h_rule_c1, H_VERDICT_NO_DATA, "pool runs cpu on 2 CPUs, epoll on 1: not compared");

	/* Server CPU per request decides the I/O side where the rows have it:
	 * async's throughput short of threads' (a client-limited run) does
	 * not, when it costs the server less per request. */
	reset(2);
	cpu_side(200, 100);
	echo("threads", "stack_kib=0", 100, 100000);
	echo("epoll", "loops=1", 100, 50000);
	echo_m("threads", "stack_kib=0", 100, "server_cpu_us_per_request", 20);
	echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", 8);
	EXPECT(h_rule_c1, H_VERDICT_HOLDS, "2.50× less server CPU per request");
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
	 * the cell, 2 per results.jsonl) in batches: that is C12's cap, not
	 * waits that fail to overlap. With no point within its workers the
	 * pool is left out, named. */
	row("pool", "sleep", "tasks=1000;ms=10;stack_touch=0;workers=0", "elapsed_ms", 5012);
	cell("pool", "sleep", "tasks=1000;ms=10;stack_touch=0;workers=0;placement=unpinned", 1, NULL,
	     NULL, 2);
	EXPECT(h_rule_c2, H_VERDICT_HOLDS, "left out: pool (no sleep point within 2 workers)");
	/* tasks=2 it can run at once: judged there, and it overlaps. */
	row("pool", "sleep", "tasks=2;ms=10;stack_touch=0;workers=0", "elapsed_ms", 11);
	cell("pool", "sleep", "tasks=2;ms=10;stack_touch=0;workers=0;placement=unpinned", 1, NULL,
	     NULL, 2);
	EXPECT(h_rule_c2, H_VERDICT_HOLDS, "every runtime (3)");
	/* ... and fails there when its 2 waits take their sum. */
	rows[S.n - 1].median = rows[S.n - 1].min = rows[S.n - 1].max = 60;
	EXPECT(h_rule_c2, H_VERDICT_DEPENDS, "pool takes 60 ms at tasks=2");

	reset(2);
	row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0", "elapsed_ms", 80);
	row("pool", "sleep", "tasks=1000;ms=10;stack_touch=0;workers=1", "elapsed_ms", 10000);
	EXPECT(h_rule_c2, H_VERDICT_DOES_NOT_HOLD, "left out: pool (no sleep point within 1 worker)");

	reset(2);
	EXPECT(h_rule_c2, H_VERDICT_NO_DATA, NULL);
}

/* ---- C3 ---- */

#define MIX "port=0;conns=10;requests=0;seconds=2;rate=1000;heavy_every=50;heavy_us="

/* Light p99 for threads, epoll and coro at heavy_us = 0, 2000, 10000 (a
 * negative value: no row). */
static void mixed3(const double th[3], const double ep[3], const double co[3])
{
	static const char *const hu[] = { "0", "2000", "10000" };
	/* row() keeps the pointer: each row's parameters need their own text. */
	static char texts[3 * 3 * 8][128];
	static size_t used;
	char *p = NULL;
#define NEXT_P() (p = texts[used++ % (sizeof texts / sizeof texts[0])])
	for (int i = 0; i < 3; i++) {
		snprintf(NEXT_P(), sizeof texts[0], MIX "%s;stack_kib=0", hu[i]);
		if (th[i] >= 0)
			row("threads", "mixed", p, "light_p99_us", th[i]);
		snprintf(NEXT_P(), sizeof texts[0], MIX "%s;loops=1", hu[i]);
		if (ep[i] >= 0)
			row("epoll", "mixed", p, "light_p99_us", ep[i]);
		snprintf(NEXT_P(), sizeof texts[0], MIX "%s;stack_kib=64;guard=1", hu[i]);
		if (co[i] >= 0)
			row("coro", "mixed", p, "light_p99_us", co[i]);
	}
#undef NEXT_P
}

static void test_c3(void)
{
	/* The single executors' excess over their own heavy_us=0 grows with
	 * the step; threads' stays flat. */
	reset(4);
	mixed3((double[]){ 100, 110, 120 }, (double[]){ 80, 1500, 9000 },
	       (double[]){ 90, 1600, 9500 });
	EXPECT(h_rule_c3, H_VERDICT_HOLDS, "epoll +8,920 µs (growing)");

	/* A high baseline is no stall: epoll's p99 is 3× threads' at every
	 * heavy_us, but the step adds nothing to it. */
	reset(4);
	mixed3((double[]){ 100, 110, 120 }, (double[]){ 300, 310, 320 },
	       (double[]){ 300, 300, 330 });
	EXPECT(h_rule_c3, H_VERDICT_DOES_NOT_HOLD, NULL);

	/* Large at 10,000 but no larger than at 2,000: not a growing stall. */
	reset(4);
	mixed3((double[]){ 100, 110, 120 }, (double[]){ 80, 9000, 9000 },
	       (double[]){ 90, 1600, 9500 });
	EXPECT(h_rule_c3, H_VERDICT_DEPENDS, "not growing");

	/* No heavy_us=0 rows: a p99 at one heavy_us alone says nothing. */
	reset(4);
	mixed3((double[]){ -1, 110, 120 }, (double[]){ -1, 1500, 9000 },
	       (double[]){ -1, 1600, 9500 });
	EXPECT(h_rule_c3, H_VERDICT_NO_DATA, "--set heavy_us=0,2000,10000");

	/* Two CPUs: the load generator takes one, the server has one, and time
	 * slicing holds up threads' light requests too. */
	reset(2);
	mixed3((double[]){ 100, 1500, 9000 }, (double[]){ 80, 1500, 9000 },
	       (double[]){ 90, 1600, 9500 });
	EXPECT(h_rule_c3, H_VERDICT_DEPENDS, "time slicing");

	/* A loop with more than one loop is no single executor. */
	reset(4);
	row("threads", "mixed", MIX "0;stack_kib=0", "light_p99_us", 100);
	row("threads", "mixed", MIX "2000;stack_kib=0", "light_p99_us", 100);
	row("epoll", "mixed", MIX "0;loops=2", "light_p99_us", 100);
	row("epoll", "mixed", MIX "2000;loops=2", "light_p99_us", 1100);
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
	/* No verdict: loops sharing one CPU are no thread-per-core. The
	 * command that would answer it says where. */
	EXPECT(h_rule_c8, H_VERDICT_NO_DATA, "server had one CPU");
	EXPECT(h_rule_c8, H_VERDICT_NO_DATA, "a machine with 3 or more CPUs");
	struct h_vresult o;
	h_rule_c8(&S, &F, &o);
	CHECKF(strstr(o.need, "--set loops=1,2"), "C8 need: %s", o.need);

	/* Two CPUs, no results.jsonl: the load generator takes the last. */
	reset(2);
	F.ncells = 0;
	echo("epoll", "loops=2", 100, 150000);
	echo("epoll", "loops=1", 100, 100000);
	echo("threads", "stack_kib=0", 100, 80000);
	EXPECT(h_rule_c8, H_VERDICT_NO_DATA, "one CPU");

	reset(4);
	echo("epoll", "loops=1", 100, 100000);
	EXPECT(h_rule_c8, H_VERDICT_NO_DATA, NULL);
}

/* ---- C9 ---- */

#define FILE_P "file_mib=32;block_kib=4;tasks=8;cold=1;direct=1;timer_us=100"

/* One direct=1 point: a runtime's timer lateness (p99 and latest tick,
 * µs), its ticks, MiB/s and whether O_DIRECT was had. */
static void file(const char *rt, const char *rtp, double p99, double max, double ticks,
                 double used)
{
	/* row() keeps the pointer: a slot per call, enough for one test. */
	static char ps[16][160];
	static int np;
	char *p = ps[np++ % 16];
	snprintf(p, sizeof ps[0], "%s;%s", FILE_P, rtp);
	row(rt, "file", p, "timer_late_p99_us", p99);
	row(rt, "file", p, "timer_late_max_us", max);
	row(rt, "file", p, "timer_ticks", ticks);
	row(rt, "file", p, "mib_per_s", 100);
	row(rt, "file", p, "direct_used", used);
}

static void test_c9(void)
{
	/* The loop's timer waits for the reads: 400 ms against 0.2 ms. */
	reset(2);
	file("threads", "stack_kib=0", 200, 900, 1500, 1);
	file("epoll", "loops=1", 400000, 410000, 4100, 1);
	EXPECT(h_rule_c9, H_VERDICT_HOLDS, "p99");
	/* The cure beside it (file offload=1): a figure of its own, never the
	 * executor the claim is judged on. */
	file("epoll", "offload=1;loops=1", 900, 1200, 4100, 1);
	EXPECT(h_rule_c9, H_VERDICT_HOLDS, "p99");
	struct h_vresult o;
	h_rule_c9(&S, &F, &o);
	int cure = 0;
	for (int i = 0; i < o.nfig; i++)
		cure |= strstr(o.fig[i].what, "the cure") && o.fig[i].median == 900;
	CHECKF(cure, "C9: no figure of the offloaded reads' timer lateness");
	/* uring reads files asynchronously (RT_FILES_ASYNC): it is the claim's
	 * exception, not the single executor it is judged on. */
	file("uring", "loops=1;sqpoll=0;fixed_files=0;defer_taskrun=0", 150, 800, 4100, 1);
	EXPECT(h_rule_c9, H_VERDICT_HOLDS, "p99");
	/* The least late single executor decides: coro at 3× is short. */
	file("coro", "stack_kib=64;guard=1", 600, 700, 4100, 1);
	EXPECT(h_rule_c9, H_VERDICT_DEPENDS, "storage speed");
	/* As punctual as threads: the loop did not stall. */
	reset(2);
	file("threads", "stack_kib=0", 200, 900, 1500, 1);
	file("epoll", "loops=1", 300, 950, 4100, 1);
	EXPECT(h_rule_c9, H_VERDICT_DOES_NOT_HOLD, NULL);
	/* Too few ticks for a p99: the latest tick decides, and says so. */
	reset(2);
	file("threads", "stack_kib=0", 200, 15000, 300, 1);
	file("epoll", "loops=1", 40000, 41000, 400, 1);
	EXPECT(h_rule_c9, H_VERDICT_DEPENDS, "latest tick");
	reset(2);
	file("threads", "stack_kib=0", 200, 300, 300, 1);
	file("epoll", "loops=1", 40000, 41000, 400, 1);
	EXPECT(h_rule_c9, H_VERDICT_HOLDS, "too few for a p99");
	/* tmpfs: no O_DIRECT, whatever the figures. */
	reset(2);
	file("threads", "stack_kib=0", 200, 900, 1500, 1);
	file("epoll", "loops=1", 400000, 410000, 4100, 0);
	EXPECT(h_rule_c9, H_VERDICT_DEPENDS, "O_DIRECT");
	/* A run from before the timer (results/reference): MiB/s only. */
	reset(2);
	row("threads", "file", "file_mib=64;block_kib=64;tasks=8;cold=1;stack_kib=0", "mib_per_s", 400);
	row("epoll", "file", "file_mib=64;block_kib=64;tasks=8;cold=1;loops=1", "mib_per_s", 200);
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

/* ---- the five runtimes C1-C12 were written about ---- */

/* Runs fn, adds the rows add() writes, runs it again: the verdict and its
 * reason must not move (the rules judge the five runtimes' rows only). */
static void unmoved(const char *name, h_rule_fn fn, void (*add)(void))
{
	struct h_vresult a, b;
	fn(&S, &F, &a);
	add();
	fn(&S, &F, &b);
	CHECKF(a.verdict != H_VERDICT_NO_DATA && b.verdict == a.verdict &&
	               !strcmp(a.reason, b.reason),
	       "%s: \"%s\" (%s) became \"%s\" (%s) beside uv and omp", name,
	       h_verdict_name(a.verdict), a.reason, h_verdict_name(b.verdict), b.reason);
}

#define ECHO_UV(c) "port=0;conns=" #c ";requests=100;seconds=0;rate=0;msg_bytes=64"
/* uv serving 10× what any of the five does, omp computing 1.5-2× as fast
 * as the pool on 2 CPUs: were they candidates for "the best async" or "the
 * pool", C1 and C4 would hold where the five do not, and C10 hold where
 * the pool falls short of 80% at the largest work (depends). */
static void uv_omp_rows(void)
{
	row("uv", "echo", ECHO_UV(10), "throughput_rps", 1e6);
	row("uv", "echo", ECHO_UV(100), "throughput_rps", 1e6);
	row("uv", "echo", ECHO_UV(1000), "throughput_rps", 1e6);
	row("omp", "cpu", "tasks=64;work=1000;threads=0", "iters_per_us", 200);
	row("omp", "cpu", "tasks=64;work=100000;threads=0", "iters_per_us", 200);
	row("omp", "cpu", "tasks=64;work=1000000;threads=0", "iters_per_us", 300);
	row("omp", "sleep", "tasks=100;ms=10;stack_touch=0;threads=0", "elapsed_ms", 11);
	cell("omp", "pingpong", "rounds=100;threads=1;placement=same-core", 0,
	     "Resource deadlock avoided", "pool-deadlock", 1);
}

static void test_pinned(void)
{
	reset(2);
	cpu_side(100, 100);
	echo("threads", "stack_kib=0", 100, 100000);
	echo("epoll", "loops=1", 100, 50000);
	unmoved("C1", h_rule_c1, uv_omp_rows);

	reset(2);
	static const int conns[] = { 10, 100, 1000 };
	for (int i = 0; i < 3; i++) {
		echo("threads", "stack_kib=0", conns[i], i < 2 ? 100000 : 98000);
		echo("epoll", "loops=1", conns[i], 100000);
	}
	unmoved("C4", h_rule_c4, uv_omp_rows);

	reset(2);
	cpu_sweep((double[]){ 20, 40, 60 }, (double[]){ 120, 150, 150 });
	unmoved("C10", h_rule_c10, uv_omp_rows);
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

/* ---- C13, C14, C16 ---- */

#define SK0 "tasks=256;work=50000;skew=0;seed=1;"
#define SK2 "tasks=256;work=50000;skew=2;seed=1;"

/* Rates (iter/µs) of steal and epoll loops=2 on even and skewed sizes. */
static void skew_rows(double st0, double lp0, double st2, double lp2)
{
	row("steal", "cpu", SK0 "workers=2", "iters_per_us", st0);
	row("epoll", "cpu", SK0 "loops=2", "iters_per_us", lp0);
	row("steal", "cpu", SK2 "workers=2", "iters_per_us", st2);
	row("epoll", "cpu", SK2 "loops=2", "iters_per_us", lp2);
	row("pool", "cpu", SK2 "workers=2", "iters_per_us", st2);
}

static void test_c13(void)
{
	/* Skewed: the loops take 1.5× as long; even: as fast. */
	reset(2);
	skew_rows(100, 100, 100, 66);
	EXPECT(h_rule_c13, H_VERDICT_HOLDS, "skew=2");
	/* Skewed connections beside it (echo hot_pct > 0, rows no other claim
	 * reads): steal must serve as much as the loops there too. */
#define HOT "port=0;conns=100;requests=0;seconds=1;rate=0;msg_bytes=64;hot_pct=10;hot_x=20;"
	row("steal", "echo", HOT "workers=2", "throughput_rps", 40000);
	row("epoll", "echo", HOT "loops=2", "throughput_rps", 60000);
	EXPECT(h_rule_c13, H_VERDICT_DEPENDS, "on skewed connections");
	reset(2);
	skew_rows(100, 100, 100, 66);
	row("steal", "echo", HOT "workers=2", "throughput_rps", 60000);
	row("epoll", "echo", HOT "loops=2", "throughput_rps", 50000);
	EXPECT(h_rule_c13, H_VERDICT_HOLDS, "on skewed connections");
	/* Runs since 2026-12-02 label those cells' placement shared (their
	 * server shared every CPU with its client): read as before. */
	reset(2);
	skew_rows(100, 100, 100, 66);
	row("steal", "echo", HOT "workers=2;placement=shared", "throughput_rps", 40000);
	row("epoll", "echo", HOT "loops=2;placement=shared", "throughput_rps", 60000);
	EXPECT(h_rule_c13, H_VERDICT_DEPENDS, "on skewed connections");
	/* Stealing wins even load too: thread-per-core is not as fast. */
	reset(2);
	skew_rows(100, 80, 100, 66);
	EXPECT(h_rule_c13, H_VERDICT_DEPENDS, "depends on the load");
	reset(2);
	skew_rows(100, 80, 100, 100); /* no win when skewed, slower loops when even */
	EXPECT(h_rule_c13, H_VERDICT_DOES_NOT_HOLD, NULL);
	/* One CPU: nothing to balance. */
	reset(1);
	skew_rows(100, 100, 100, 66);
	EXPECT(h_rule_c13, H_VERDICT_NO_DATA, "one CPU");
	/* Unequal CPUs (steal on 4 workers, two loops): not compared. */
	reset(4);
	row("steal", "cpu", SK2 "workers=4", "iters_per_us", 100);
	row("epoll", "cpu", SK2 "loops=2", "iters_per_us", 66);
	EXPECT(h_rule_c13, H_VERDICT_NO_DATA, "equal CPUs");
}

/* Whether a figure of rule fn's result contains `what` (and, with mark,
 * says "client-limited"); returns its index or -1. */
static int fig_with(h_rule_fn fn, const char *what, int mark, char *reason, size_t len)
{
	struct h_vresult o;
	fn(&S, &F, &o);
	snprintf(reason, len, "%s", o.reason);
	for (int i = 0; i < o.nfig; i++)
		if (strstr(o.fig[i].what, what) &&
		    (mark < 0 || !!strstr(o.fig[i].what, "client-limited") == mark))
			return i;
	return -1;
}

/* Every figure named in what is among rule fn's figures. */
static void has_figs(h_rule_fn fn, const char *id, const char *const *what, size_t n)
{
	char why[sizeof ((struct h_vresult *)0)->reason];
	for (size_t i = 0; i < n; i++)
		CHECKF(fig_with(fn, what[i], -1, why, sizeof why) >= 0, "%s: no figure \"%s\"", id,
		       what[i]);
}

#define URING_P "loops=1;sqpoll=0;fixed_files=0;defer_taskrun=0"
#define URING_D "loops=1;sqpoll=0;fixed_files=0;defer_taskrun=1"

static void test_c14(void)
{
	double cases[][2] = { { 8, 10 }, { 10, 9 }, { 9.5, 10 } }; /* uring, epoll µs/request */
	enum h_verdict want[] = { H_VERDICT_HOLDS, H_VERDICT_DOES_NOT_HOLD, H_VERDICT_DEPENDS };
	for (int k = 0; k < 3; k++) {
		reset(2);
		echo_m("uring", URING_P, 100, "server_cpu_us_per_request", cases[k][0]);
		echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", cases[k][1]);
		echo("uring", URING_P, 100, 10000);
		echo("epoll", "loops=1", 100, 10000);
		EXPECT(h_rule_c14, want[k], "syscalls per request: not counted");
	}
	/* Different loops: not compared. */
	reset(2);
	echo_m("uring", URING_P, 100, "server_cpu_us_per_request", 8);
	echo_m("epoll", "loops=2", 100, "server_cpu_us_per_request", 10);
	EXPECT(h_rule_c14, H_VERDICT_NO_DATA, NULL);
	/* Two uring configurations at the point (issue 13: the default and
	 * defer_taskrun=1): each shown, the claim judged on the one with the
	 * least server CPU per request, named, with the default's figure. */
	reset(2);
	echo_m("uring", URING_P, 100, "server_cpu_us_per_request", 15);
	echo_m("uring", URING_D, 100, "server_cpu_us_per_request", 6.5);
	echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", 7.3);
	echo("uring", URING_P, 100, 65000);
	echo("uring", URING_D, 100, 150000);
	echo("epoll", "loops=1", 100, 137000);
	echo_m("uring", URING_P, 100, "syscalls_per_request", 0.2);
	echo_m("uring", URING_D, 100, "syscalls_per_request", 0.1);
	echo_m("epoll", "loops=1", 100, "syscalls_per_request", 3);
	EXPECT(h_rule_c14, H_VERDICT_HOLDS,
	       "uring (defer_taskrun=1) spends 6.50 µs of server CPU per request (uring (default): "
	       "15 µs), epoll 7.30 µs (1.12×); syscalls per request 0.1 against 3");
	static const char *const c14figs[] = {
		"uring (default), echo conns=100: server CPU per request",
		"uring (defer_taskrun=1), echo conns=100: server CPU per request",
		"uring (default), echo conns=100: throughput",
		"uring (defer_taskrun=1), echo conns=100: throughput",
		"uring (default), echo conns=100: syscalls per request",
		"uring (defer_taskrun=1), echo conns=100: syscalls per request",
		"epoll's server CPU per request over uring (defer_taskrun=1)'s",
	};
	has_figs(h_rule_c14, "C14", c14figs, sizeof c14figs / sizeof c14figs[0]);
	char why14[sizeof ((struct h_vresult *)0)->reason];
	/* The default the least: judged on it, no second figure in the
	 * sentence; the other still shown. */
	reset(2);
	echo_m("uring", URING_P, 100, "server_cpu_us_per_request", 6);
	echo_m("uring", URING_D, 100, "server_cpu_us_per_request", 7);
	echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", 5);
	EXPECT(h_rule_c14, H_VERDICT_DOES_NOT_HOLD,
	       "uring (default) spends 6 µs of server CPU per request, no less than epoll's 5 µs");
	CHECKF(fig_with(h_rule_c14, "uring (defer_taskrun=1), echo conns=100: server CPU", -1,
	                why14, sizeof why14) >= 0 && !strstr(why14, "(uring"),
	       "C14: %s", why14);
	/* One configuration (runs before issue 13): its plain name, as before. */
	reset(2);
	echo_m("uring", URING_P, 100, "server_cpu_us_per_request", 8);
	echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", 10);
	EXPECT(h_rule_c14, H_VERDICT_HOLDS, "holds: on echo at conns=100 uring spends 8 µs");
	CHECKF(fig_with(h_rule_c14, "uring, echo conns=100: server CPU per request", -1, why14,
	                sizeof why14) >= 0 && !strstr(why14, "default"),
	       "C14: %s", why14);
	/* io_uring off: the cells were skipped, and the reason says so. */
	reset(2);
	echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", 10);
	cell("uring", "echo", "conns=100;placement=unpinned", 0,
	     "skipped: io_uring_queue_init: Operation not permitted", NULL, 1);
	EXPECT(h_rule_c14, H_VERDICT_NO_DATA, "Operation not permitted");
}

static void test_c16(void)
{
	double cases[][2] = { { 20000, 300 }, { 500, 800 }, { 5000, 300 } }; /* threads, epoll ns */
	enum h_verdict want[] = { H_VERDICT_HOLDS, H_VERDICT_DOES_NOT_HOLD, H_VERDICT_DEPENDS };
	for (int k = 0; k < 3; k++) {
		reset(2);
		row("threads", "sleep", "tasks=100;ms=10;stack_touch=0;stack_kib=0",
		    "create_ns_per_task", 1.5 * cases[k][0]);
		row("threads", "sleep", "tasks=1000;ms=10;stack_touch=0;stack_kib=0",
		    "create_ns_per_task", cases[k][0]);
		row("epoll", "sleep", "tasks=1000;ms=10;stack_touch=0;loops=1", "create_ns_per_task",
		    cases[k][1]);
		row("uv", "sleep", "tasks=100;ms=10;stack_touch=0", "create_ns_per_task", 100);
		EXPECT(h_rule_c16, want[k], "tasks=1000");
	}
	reset(2);
	row("uv", "sleep", "tasks=100;ms=10;stack_touch=0", "create_ns_per_task", 100);
	EXPECT(h_rule_c16, H_VERDICT_NO_DATA, NULL);
}

/* ---- the table and the helpers ---- */

static void test_table(void)
{
	static const char *const ids[] = { "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8",
		                               "C9", "C10", "C11", "C12", "C13", "C14", "C15", "C16" };
	CHECK(H_NCLAIMS == 16);
	for (int n = 0; n < H_NCLAIMS; n++) {
		const struct h_claim *c = &h_claims[n];
		CHECK(c->id && !strcmp(c->id, ids[n]));
		CHECK(c->rule && c->words && strlen(c->words) > 40);
	}
	CHECK(h_claim_find("C10") && h_claim_find("C10")->rule == h_rule_c10);
	CHECK(!h_claim_find("C17"));

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
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 1862.7), "1,863"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 123456.7), "123,457"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, 12345678), "12,300,000"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, -2000683), "-2,000,683"));
	CHECK(!strcmp(h_fmt_num(b, sizeof b, NAN), "n/a"));
	CHECK(!strcmp(h_verdict_name(H_VERDICT_DOES_NOT_HOLD), "does not hold"));
}

/* ---- a client that was the limit, and the server's memory (issue 11) ---- */

/* A row beside echo()'s throughput row, at the same point. */
static void echo_also(const char *rt, const char *rtparams, int conns, const char *metric,
                      double v)
{
	static char buf[32][160];
	static int k;
	char *p = buf[k++ % 32];
	snprintf(p, 160, "port=0;conns=%d;requests=100;seconds=0;rate=0;msg_bytes=64;%s", conns,
	         rtparams);
	row(rt, "echo", p, metric, v);
}


static void test_client_limited(void)
{
	char why[sizeof ((struct h_vresult *)0)->reason];
	/* C8: epoll loops=2's client was over 80% busy, the others' not. */
	reset(4);
	echo("epoll", "loops=2", 100, 150000);
	echo("epoll", "loops=1", 100, 100000);
	echo("threads", "stack_kib=0", 100, 80000);
	echo_also("epoll", "loops=2", 100, "client_limited", 1);
	echo_also("epoll", "loops=1", 100, "client_limited", 0);
	CHECKF(fig_with(h_rule_c8, "epoll (loops=2), echo conns=100: throughput", 1, why,
	                sizeof why) >= 0,
	       "C8: the client-limited loops=2 figure is not marked");
	CHECKF(fig_with(h_rule_c8, "epoll (loops=1), echo conns=100: throughput", 0, why,
	                sizeof why) >= 0,
	       "C8: the loops=1 figure, whose client was not the limit, is marked");
	CHECKF(strstr(why, "client-limited") != NULL, "C8: the reason does not say so: %s", why);
	/* No flag (a run from before it): nothing marked, nothing said. */
	reset(4);
	echo("epoll", "loops=2", 100, 150000);
	echo("epoll", "loops=1", 100, 100000);
	echo("threads", "stack_kib=0", 100, 80000);
	CHECK(fig_with(h_rule_c8, "client-limited", -1, why, sizeof why) < 0);
	CHECKF(!strstr(why, "client-limited"), "C8 without the flag: %s", why);

	/* C4: threads' client was the limit at conns=1000; memory per
	 * connection only where the run kept the client's RSS apart. */
	reset(4);
	static const int conns[] = { 10, 100, 1000 };
	for (int i = 0; i < 3; i++) {
		echo("threads", "stack_kib=0", conns[i], 100000 - 20000 * i);
		echo("epoll", "loops=1", conns[i], 100000);
		echo_also("threads", "stack_kib=0", conns[i], "rss_peak_kib", 2000 + 10 * conns[i]);
		echo_also("threads", "stack_kib=0", conns[i], "client_rss_peak_kib", 5000);
	}
	echo_also("threads", "stack_kib=0", 1000, "client_limited", 1);
	CHECKF(fig_with(h_rule_c4, "threads, echo conns=1000: throughput", 1, why, sizeof why) >= 0,
	       "C4: the client-limited threads figure is not marked");
	CHECKF(fig_with(h_rule_c4, "threads, echo conns=100: throughput", 0, why, sizeof why) >= 0,
	       "C4: the conns=100 figure is marked");
	CHECKF(strstr(why, "client-limited") != NULL, "C4: the reason does not say so: %s", why);
	int k = fig_with(h_rule_c4, "server peak RSS growth per connection", -1, why, sizeof why);
	struct h_vresult o;
	h_rule_c4(&S, &F, &o);
	CHECKF(k >= 0 && fabs(o.fig[k].median - 10) < 1e-9,
	       "C4: server RSS per connection missing or not 10 KiB");
	/* Beside it, the server's socket buffers (server_sock_kib) per
	 * connection: 3,000 KiB over 1,000 connections. */
	echo_also("threads", "stack_kib=0", 1000, "server_sock_kib", 3000);
	k = fig_with(h_rule_c4, "threads, echo conns=1000: server socket buffers per connection",
	             -1, why, sizeof why);
	h_rule_c4(&S, &F, &o);
	CHECKF(k >= 0 && fabs(o.fig[k].median - 3) < 1e-9,
	       "C4: server socket buffers per connection missing or not 3 KiB");
	CHECKF(strstr(o.fig[k].what, "SO_MEMINFO") != NULL, "C4: %s", o.fig[k].what);
	/* With sock_diag's figure at both ends (server_sockets marks it), the
	 * memory per connection is RSS + sockets: (12,000 + 3,000) -
	 * (2,100 + 20) over 990 connections = 13.0 KiB, and its label
	 * says what is in it. */
	echo_also("threads", "stack_kib=0", 1000, "server_sockets", 1001);
	echo_also("threads", "stack_kib=0", 10, "server_sock_kib", 20);
	echo_also("threads", "stack_kib=0", 10, "server_sockets", 11);
	k = fig_with(h_rule_c4, "server memory growth per connection over conns=10 (peak RSS + "
	             "its sockets' kernel memory", -1, why, sizeof why);
	h_rule_c4(&S, &F, &o);
	CHECKF(k >= 0 && fabs(o.fig[k].median - 12880.0 / 990) < 1e-9,
	       "C4: server memory per connection missing or not RSS + sockets: %g",
	       k >= 0 ? o.fig[k].median : -1);
	CHECK(fig_with(h_rule_c4, "conns=1000: server peak RSS growth", -1, why, sizeof why) < 0);
	/* Without client_rss_peak_kib the run's RSS held the client's too:
	 * no memory figure, and the reason says why. */
	reset(4);
	for (int i = 0; i < 3; i++) {
		echo("threads", "stack_kib=0", conns[i], 100000 - 20000 * i);
		echo("epoll", "loops=1", conns[i], 100000);
		echo_also("threads", "stack_kib=0", conns[i], "rss_peak_kib", 2000 + 10 * conns[i]);
	}
	CHECK(fig_with(h_rule_c4, "RSS growth per connection", -1, why, sizeof why) < 0);
	CHECKF(strstr(why, "server memory per connection: no data") != NULL, "C4: %s", why);
	EXPECT(h_rule_c4, H_VERDICT_HOLDS, NULL);
}

/* ---- deciding on intervals (issue 12): a straddle that changes the
 * verdict is inconclusive, with the reps that would likely settle it ---- */

/* The last row added gets these repetitions: its median and interval
 * from them, as h_summary_load gives a real run's. */
static void with_reps(const double *v, int n)
{
	static double keep[16][16];
	static int k;
	struct h_srow *r = &rows[S.n - 1];
	double *mine = keep[k++ % 16], sorted[16];
	memcpy(mine, v, (size_t)n * sizeof *v);
	memcpy(sorted, v, (size_t)n * sizeof *v);
	struct h_dist d;
	h_dist_of(sorted, n, &d);
	r->rep = mine;
	r->nrep = n;
	r->n = n;
	r->median = d.median;
	r->min = d.min;
	r->max = d.max;
	r->cov = d.cov;
	r->noisy = h_dist_noisy(&d);
	r->ci_lo = d.ci_lo;
	r->ci_hi = d.ci_hi;
}

static void test_inconclusive(void)
{
	/* The estimate: half-width 0.09 on the threshold's side, 0.03 from it,
	 * over 5 reps: 5 × 3² = 45. On the threshold: not likely to settle. */
	CHECK(h_reps_to_settle(1.07, 0.98, 1.16, 1.1, 5) == 45);
	CHECK(h_reps_to_settle(1.2, 1.0, 1.3, 1.1, 5) == 20);
	CHECK(h_reps_to_settle(1.1, 1.0, 1.2, 1.1, 5) == 0);
	CHECK(h_interval_side(1.07, 0.98, 1.16, 1.1) == 0);
	CHECK(h_interval_side(1.3, 1.2, 1.4, 1.1) == 1);
	CHECK(h_interval_side(1.0, NAN, NAN, 1.1) == -1);

	/* ucontext over coro: 5.2× on the medians (holds, ≥ 5), but the
	 * ratio's interval over both sides' reps reaches under 5 (depends):
	 * inconclusive, saying how many reps would settle it. */
	reset(2);
	pingpong("coro", "same-core", "pingpong", 10);
	with_reps((double[]){ 9.8, 10, 10, 10.1, 10.2 }, 5);
	pingpong("coro-ucontext", "same-core", "pingpong", 52);
	with_reps((double[]){ 40, 49, 52, 55, 66 }, 5);
	EXPECT(h_rule_c11, H_VERDICT_INCONCLUSIVE, "ucontext over coro is 5.20 (95% interval");
	EXPECT(h_rule_c11, H_VERDICT_INCONCLUSIVE, "likely settled by about");
	EXPECT(h_rule_c11, H_VERDICT_INCONCLUSIVE, "the medians alone say holds");
	struct h_vresult o;
	h_rule_c11(&S, &F, &o);
	CHECKF(o.nclose == 1 && o.close[0].n == 5 && o.close[0].reps > 5 &&
	               o.close[0].lo < 5 && o.close[0].hi > 5,
	       "close calls %d, n %ld, reps %ld, [%g, %g]", o.nclose, o.close[0].n,
	       o.close[0].reps, o.close[0].lo, o.close[0].hi);

	/* The same medians with tight reps: the interval clears 5, it holds. */
	reset(2);
	pingpong("coro", "same-core", "pingpong", 10);
	with_reps((double[]){ 9.9, 10, 10, 10, 10.1 }, 5);
	pingpong("coro-ucontext", "same-core", "pingpong", 52);
	with_reps((double[]){ 51.5, 51.8, 52, 52.1, 52.4 }, 5);
	EXPECT(h_rule_c11, H_VERDICT_HOLDS, "5.20×");

	/* A straddle that cannot change the verdict leaves it: the ratio is
	 * near 5 but coro itself is over 50 ns, so it is not "holds" either
	 * way; at 3× to 7× it is "depends" either way. */
	reset(2);
	pingpong("coro", "same-core", "pingpong", 60);
	with_reps((double[]){ 59, 60, 60, 60.5, 61 }, 5);
	pingpong("coro-ucontext", "same-core", "pingpong", 312);
	with_reps((double[]){ 240, 290, 312, 330, 400 }, 5);
	EXPECT(h_rule_c11, H_VERDICT_DEPENDS, NULL);

	/* A noisy figure that decides without an interval is named. */
	reset(2);
	pingpong("coro", "same-core", "pingpong", 20);
	pingpong("coro-ucontext", "same-core", "pingpong", 250);
	rows[S.n - 1].noisy = 1;
	EXPECT(h_rule_c11, H_VERDICT_HOLDS, "decided on noisy figures with no interval");
}

/* C7, C10, C13, C14 and C16 on their intervals: for each, a deciding
 * figure whose interval straddles its threshold so that the verdict turns
 * on it (inconclusive, saying the figure, its interval and the reps), and
 * the same medians with tight reps (the verdict the medians give). */
#define SETTLED(fn, k)                                                                     \
	do {                                                                               \
		if (!(k))                                                                  \
			EXPECT(fn, H_VERDICT_INCONCLUSIVE, "likely settled by about");     \
	} while (0)

static void test_inconclusive_more(void)
{
	/* C7: a thread's slope 8.4 KiB against ≥ 8; r² 0.95 over 9 points
	 * gives it ± 1.2 (t × the slopes' standard errors). */
	static const double r2[] = { 0.95, 0.99999 };
	static const enum h_verdict c7[] = { H_VERDICT_INCONCLUSIVE, H_VERDICT_HOLDS };
	for (int k = 0; k < 2; k++) {
		reset(2);
		mem(8.4, 0.3, 4.5);
		fits[0].r2 = fits[1].r2 = r2[k];
		EXPECT(h_rule_c7, c7[k], k ? "a thread costs 8.40 KiB"
		                           : "a thread's memory per task (KiB) is 8.40 (95% interval");
		SETTLED(h_rule_c7, k);
	}

	/* C10: the pool reaches 50% at work=1000 on its median (52.5%) but
	 * its interval reaches under; without that point it reaches 50% where
	 * threads do (work=100000): does not hold. Tight: holds. */
	static const double pool1k[][5] = { { 80, 95, 105, 110, 125 },
		                            { 104.5, 104.8, 105, 105.2, 105.5 } };
	static const enum h_verdict c10[] = { H_VERDICT_INCONCLUSIVE, H_VERDICT_HOLDS };
	for (int k = 0; k < 2; k++) {
		reset(2);
		row("epoll", "cpu", "tasks=64;work=1000000;loops=1", "iters_per_us", 100);
		with_reps((double[]){ 99.5, 99.8, 100, 100.2, 100.5 }, 5);
		row("threads", "cpu", "tasks=64;work=1000;stack_kib=0", "iters_per_us", 20);
		row("threads", "cpu", "tasks=64;work=100000;stack_kib=0", "iters_per_us", 150);
		row("threads", "cpu", "tasks=64;work=1000000;stack_kib=0", "iters_per_us", 180);
		row("pool", "cpu", "tasks=64;work=1000;workers=0", "iters_per_us", 105);
		with_reps(pool1k[k], 5);
		row("pool", "cpu", "tasks=64;work=100000;workers=0", "iters_per_us", 180);
		row("pool", "cpu", "tasks=64;work=1000000;workers=0", "iters_per_us", 190);
		EXPECT(h_rule_c10, c10[k],
		       k ? "the pool reaches 50% efficiency at work=1000"
		         : "the pool's efficiency at work=1000 (%) is 52.5 (95% interval");
		SETTLED(h_rule_c10, k);
	}

	/* C13: stealing wins skewed sizes clearly (1.5×); on even sizes the
	 * loops' makespan is 1.02× steal's (≤ 1.05: holds) within an interval
	 * reaching past 1.05. */
	static const double lp0[][5] = { { 90, 94, 98, 104, 108 }, { 97.8, 97.9, 98, 98.1, 98.2 } };
	static const enum h_verdict c13[] = { H_VERDICT_INCONCLUSIVE, H_VERDICT_HOLDS };
	for (int k = 0; k < 2; k++) {
		reset(2);
		row("steal", "cpu", SK0 "workers=2", "iters_per_us", 100);
		with_reps((double[]){ 99.8, 99.9, 100, 100.1, 100.2 }, 5);
		row("epoll", "cpu", SK0 "loops=2", "iters_per_us", 98);
		with_reps(lp0[k], 5);
		row("steal", "cpu", SK2 "workers=2", "iters_per_us", 100);
		with_reps((double[]){ 99.8, 99.9, 100, 100.1, 100.2 }, 5);
		row("epoll", "cpu", SK2 "loops=2", "iters_per_us", 66);
		with_reps((double[]){ 65.8, 65.9, 66, 66.1, 66.2 }, 5);
		EXPECT(h_rule_c13, c13[k],
		       k ? "holds on 2 CPUs"
		         : "even: the loops' makespan over steal's is 1.02 (95% interval");
		SETTLED(h_rule_c13, k);
	}

	/* C14: epoll's server CPU per request over uring's is 1.05 (depends),
	 * its interval reaching under 1 and over 1.1; tight: clearly 1.2. */
	static const double ep[][5] = { { 8, 9.5, 10.5, 11.5, 13 }, { 11.9, 11.95, 12, 12.05, 12.1 } };
	static const enum h_verdict c14[] = { H_VERDICT_INCONCLUSIVE, H_VERDICT_HOLDS };
	for (int k = 0; k < 2; k++) {
		reset(2);
		echo_m("uring", URING_P, 100, "server_cpu_us_per_request", 10);
		with_reps((double[]){ 9.8, 9.9, 10, 10.1, 10.2 }, 5);
		echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", ep[k][2]);
		with_reps(ep[k], 5);
		EXPECT(h_rule_c14, c14[k],
		       k ? "(1.20×)" : "epoll's server CPU per request over uring's is 1.05 (95% interval");
		SETTLED(h_rule_c14, k);
	}

	/* A noisy ratio clear of one threshold (under 1.1) but straddling the
	 * other (1): named as a close call, not as clear of the thresholds. */
	reset(2);
	echo_m("uring", URING_P, 100, "server_cpu_us_per_request", 10);
	with_reps((double[]){ 9.8, 9.9, 10, 10.1, 10.2 }, 5);
	echo_m("epoll", "loops=1", 100, "server_cpu_us_per_request", 9.8);
	with_reps((double[]){ 7.5, 8.5, 9.8, 10.5, 10.7 }, 5);
	EXPECT(h_rule_c14, H_VERDICT_INCONCLUSIVE, "the medians alone say does not hold");
	struct h_vresult o;
	h_rule_c14(&S, &F, &o);
	CHECKF(rows[S.n - 1].noisy && !strstr(o.reason, "clear of the thresholds"), "C14: %s",
	       o.reason);

	/* C16: an async task at 0.95 µs against ≤ 1 µs, noisy enough to
	 * reach over it; tight: holds. */
	static const double as[][5] = { { 800, 900, 950, 1000, 1100 }, { 940, 945, 950, 955, 960 } };
	static const enum h_verdict c16[] = { H_VERDICT_INCONCLUSIVE, H_VERDICT_HOLDS };
	for (int k = 0; k < 2; k++) {
		reset(2);
		row("threads", "sleep", "tasks=1000;ms=10;stack_touch=0;stack_kib=0",
		    "create_ns_per_task", 20000);
		with_reps((double[]){ 19800, 19900, 20000, 20100, 20200 }, 5);
		row("epoll", "sleep", "tasks=1000;ms=10;stack_touch=0;loops=1", "create_ns_per_task",
		    950);
		with_reps(as[k], 5);
		EXPECT(h_rule_c16, c16[k],
		       k ? "a thread takes 20 µs"
		         : "an async task's creation (µs) is 0.95 (95% interval");
		SETTLED(h_rule_c16, k);
	}
}

/* ---- C15: offload against the inline step ---- */

/* One epoll mixed row: heavy_us, offload, metric, median; with reps when
 * given (n > 0). */
static void mix15(int hu, int off, const char *metric, double v, const double *reps, int n)
{
	static char texts[64][160];
	static int used;
	char *p = texts[used++ % 64];
	snprintf(p, 160, MIX "%d;warmup_ms=500;offload=%d;loops=1", hu, off);
	row("epoll", "mixed", p, metric, v);
	if (n > 0)
		with_reps(reps, n);
}

/* Light p99: inline at heavy_us 0 and 10000, offloaded at 0 and 10000;
 * a negative value: no row. The hand-off: heavy p50 at heavy_us=0. */
static void c15_rows(double b0, double r0, double b1, double r1)
{
	if (b0 >= 0)
		mix15(0, 0, "light_p99_us", b0, NULL, 0);
	if (r0 >= 0)
		mix15(10000, 0, "light_p99_us", r0, NULL, 0);
	if (b1 >= 0)
		mix15(0, 1, "light_p99_us", b1, NULL, 0);
	if (r1 >= 0)
		mix15(10000, 1, "light_p99_us", r1, NULL, 0);
	mix15(0, 0, "heavy_p50_us", 300, NULL, 0);
	mix15(0, 1, "heavy_p50_us", 340, NULL, 0);
}

/* The server on every CPU (placement=shared): light p99 at heavy_us=0
 * inline (the baseline), at 10000 inline (the stall) and offloaded (the
 * cure). */
static void c15_shared(double base, double stall, double cure)
{
	static char texts[8][160];
	static int used;
	const double v[3] = { base, stall, cure };
	const int hu[3] = { 0, 10000, 10000 }, off[3] = { 0, 0, 1 };
	for (int k = 0; k < 3; k++) {
		char *p = texts[used++ % 8];
		snprintf(p, 160, MIX "%d;warmup_ms=500;offload=%d;loops=1;placement=shared", hu[k],
		         off[k]);
		row("epoll", "mixed", p, "light_p99_us", v[k]);
	}
}

static void test_c15(void)
{
	/* Inline 90× its baseline, offloaded 1.5×: the cure works. */
	reset(4);
	c15_rows(100, 9000, 100, 150);
	EXPECT(h_rule_c15, H_VERDICT_HOLDS, "epoll at heavy_us=10000: 1.50× offloaded, 90× inline");
	EXPECT(h_rule_c15, H_VERDICT_HOLDS, "the hand-off adds 40 µs");
	/* C3 is about the step inline: with both arms in the run (threads
	 * ran offload=1 too, inline by its model, a little faster), C3 still
	 * judges the offload=0 cells, not the cure. */
	row("threads", "mixed", MIX "0;warmup_ms=500;offload=0;stack_kib=0", "light_p99_us", 100);
	row("threads", "mixed", MIX "10000;warmup_ms=500;offload=0;stack_kib=0", "light_p99_us", 120);
	row("threads", "mixed", MIX "0;warmup_ms=500;offload=1;stack_kib=0", "light_p99_us", 100);
	row("threads", "mixed", MIX "10000;warmup_ms=500;offload=1;stack_kib=0", "light_p99_us", 110);
	EXPECT(h_rule_c3, H_VERDICT_HOLDS, "epoll +8,900 µs");
	/* Offloaded still 50× its baseline. */
	reset(4);
	c15_rows(100, 9000, 100, 5000);
	EXPECT(h_rule_c15, H_VERDICT_DOES_NOT_HOLD, "still over 2×");
	/* Inline within 2× as well: nothing to cure. */
	reset(4);
	c15_rows(100, 150, 100, 120);
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS, "nothing to cure");
	/* The server on one CPU (4 CPUs less the load generator's... here 2
	 * less one): the pool's thread time-slices with the loop. */
	reset(2);
	c15_rows(100, 9000, 100, 5000);
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS, "one CPU");
	/* Offloaded about 2× its baseline with wide reps: the interval
	 * straddles the threshold. */
	reset(4);
	c15_rows(100, 9000, -1, -1);
	mix15(0, 1, "light_p99_us", 100, (double[]){ 98, 99, 100, 101, 102 }, 5);
	mix15(10000, 1, "light_p99_us", 190, (double[]){ 150, 170, 190, 220, 260 }, 5);
	EXPECT(h_rule_c15, H_VERDICT_INCONCLUSIVE, "offloaded light p99 over its heavy_us=0 is 1.9");
	/* No offloaded heavy_us=0 row (the quick suite's): the inline
	 * baseline stands for it, and the figure says so. */
	reset(4);
	c15_rows(100, 9000, -1, 150);
	EXPECT(h_rule_c15, H_VERDICT_HOLDS, "1.50× offloaded");
	char why[sizeof ((struct h_vresult *)0)->reason];
	CHECKF(fig_with(h_rule_c15, "over heavy_us=0 inline (the run has no offloaded baseline)", -1,
	                why, sizeof why) >= 0,
	       "C15: the ratio does not name the inline baseline: %s", why);
	/* Offloaded rows without the inline ones at the same point (C3's
	 * part not run): no data, saying what is missing. */
	reset(4);
	c15_rows(-1, -1, 100, 150);
	EXPECT(h_rule_c15, H_VERDICT_NO_DATA, "no offload=0 row at the same point");
	reset(4);
	c15_rows(100, 9000, -1, -1);
	EXPECT(h_rule_c15, H_VERDICT_NO_DATA, "--set offload=0,1");
	/* Without the shared rows (runs before issue 13): judged as before,
	 * and the reason says the 2-CPU arm has no data. */
	reset(2);
	c15_rows(100, 9000, 100, 5000);
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS,
	       "depends on cores: the server had one CPU, which the pool's thread shares");
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS,
	       "with the server on 2 or more CPUs: no data (no mixed rows with placement=shared)");

	/* Issue 13: the server on every CPU (placement=shared) beside the
	 * 1-CPU rows, which time slicing leaves at 50×: judged on two CPUs,
	 * the 1-CPU figures beside. */
	reset(2);
	c15_rows(100, 9000, 100, 5000);
	c15_shared(120, 9500, 150);
	EXPECT(h_rule_c15, H_VERDICT_HOLDS,
	       "holds on 2 CPUs shared with the client: handed to the pool, the heavy step leaves "
	       "light requests' p99 within 2× of the heavy_us=0 baseline, where inline it is over "
	       "(epoll at heavy_us=10000: 1.25× offloaded, 79.2× inline (150 µs against 120)); on "
	       "one server CPU, what time slicing leaves: epoll at heavy_us=10000: 50× offloaded, "
	       "90× inline");
	static const char *const c15figs[] = {
		"epoll on 2 CPUs shared with the client, mixed heavy_us=0, inline: light-request p99 "
		"(the baseline)",
		"epoll on 2 CPUs, heavy_us=10000, inline: light-request p99 (the stall)",
		"epoll on 2 CPUs, heavy_us=10000, offload=1: light-request p99 (the cure)",
		"epoll on 2 CPUs, heavy_us=10000: offloaded light p99 over heavy_us=0 inline",
		"epoll, heavy_us=10000: offloaded light p99 over heavy_us=0",
	};
	has_figs(h_rule_c15, "C15", c15figs, sizeof c15figs / sizeof c15figs[0]);
	/* C3 reads the server on its own CPUs only: shared rows (with a lower
	 * baseline, which C3 would take as epoll's) change nothing. */
	reset(2);
	c15_rows(100, 9000, 100, 5000);
	c15_shared(50, 9500, 60);
	row("threads", "mixed", MIX "0;warmup_ms=500;offload=0;stack_kib=0", "light_p99_us", 100);
	row("threads", "mixed", MIX "10000;warmup_ms=500;offload=0;stack_kib=0", "light_p99_us", 120);
	EXPECT(h_rule_c3, H_VERDICT_HOLDS, "epoll +8,900 µs");
	/* Still over 2× with the pool beside the loop: does not hold. */
	reset(2);
	c15_rows(100, 9000, 100, 150);
	c15_shared(100, 9000, 500);
	EXPECT(h_rule_c15, H_VERDICT_DOES_NOT_HOLD, "does not hold on 2 CPUs shared with the client");
	/* No stall to cure on two CPUs either. */
	reset(2);
	c15_shared(100, 150, 120);
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS, "on 2 CPUs the inline step did not stall");
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS, "on one server CPU: not run");
	/* The shared cells ran on one CPU (results.jsonl says so): no 2-CPU
	 * data, the 1-CPU verdict stands. */
	reset(2);
	c15_rows(100, 9000, 100, 5000);
	c15_shared(120, 9500, 150);
	cell("epoll", "mixed", MIX "10000;warmup_ms=500;offload=1;loops=1;placement=shared", 1,
	     NULL, NULL, 1);
	EXPECT(h_rule_c15, H_VERDICT_DEPENDS, "no data (epoll's shared cells had 1 CPU");
}

/* ---- percentiles named honestly (issue 12): p99 needs 1,000 samples ---- */

static void test_pct_names(void)
{
	CHECK(h_pct_min_samples(99) == 1000 && h_pct_min_samples(99.9) == 10000 &&
	      h_pct_min_samples(99.99) == 100000 && h_pct_min_samples(50) == 20);
	CHECK(!h_pct_named(99, 999) && h_pct_named(99, 1000));
	static const struct { double samples; const char *metric, *want; int named; } t[] = {
		{ 999, "p99_us", "max", 0 },      { 1000, "p99_us", "p99", 1 },
		{ 1000, "p999_us", "max", 0 },    { 10000, "p999_us", "p99.9", 1 },
		{ 99999, "p9999_us", "max", 0 },  { 30, "p50_us", "p50", 1 },
		{ 999, "light_p99_us", "max", 0 }, { 5000, "light_p99_us", "p99", 1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		reset(2);
		const char *light = strncmp(t[i].metric, "light_", 6) ? "samples" : "light_samples";
		row("epoll", "echo", "conns=10", t[i].metric, 100);
		row("epoll", "echo", "conns=10", light, t[i].samples + 500);
		rows[S.n - 1].min = t[i].samples; /* the fewest of its reps decides */
		char name[16];
		double p, n;
		int got = h_pct_name(&S, &rows[0], name, sizeof name, &p, &n);
		CHECKF(got == t[i].named && !strcmp(name, t[i].want) && n == t[i].samples,
		       "%s with %g samples: %d \"%s\" (%g), want %d \"%s\"", t[i].metric,
		       t[i].samples, got, name, n, t[i].named, t[i].want);
	}
	/* Not a percentile; and no sample count (an older run): the name. */
	reset(2);
	row("epoll", "echo", "conns=10", "max_us", 100);
	row("epoll", "echo", "conns=10", "p99_us", 100);
	char name[16];
	double p, n;
	CHECK(h_pct_name(&S, &rows[0], name, sizeof name, &p, &n) == -1);
	CHECK(h_pct_name(&S, &rows[1], name, sizeof name, &p, &n) == 1 && !strcmp(name, "p99"));
	/* A verdict's figure built on a p99 of too few samples says it is the max. */
	reset(2);
	echo("pool", "workers=1", 1, 9000);
	echo_m("pool", "workers=1", 1, "p99_us", 100);
	echo_m("pool", "workers=1", 1, "samples", 900);
	echo("pool", "workers=1", 8, 9000);
	echo_m("pool", "workers=1", 8, "p99_us", 5000);
	echo_m("pool", "workers=1", 8, "samples", 900);
	struct h_vresult o;
	h_rule_c12(&S, &F, &o);
	int said = 0;
	for (int i = 0; i < o.nfig; i++)
		said |= strstr(o.fig[i].what, "p99 latency [the max: 900 samples, too few for a p99 (1,000)]") != NULL;
	for (int i = 0; !said && i < o.nfig; i++)
		printf("C12 figure: %s\n", o.fig[i].what);
	CHECKF(said, "C12's p99 figures do not say they are the max (%d figures)", o.nfig);
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
	test_pinned();
	test_inconclusive();
	test_pct_names();
	test_c13();
	test_c14();
	test_c15();
	test_c16();
	test_inconclusive_more();
	test_table();
	test_client_limited();
	if (!failures)
		puts("unit_verdict: ok");
	return t_exit_status();
}
