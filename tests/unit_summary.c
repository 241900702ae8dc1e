/* unit_summary — reading a run back: a summary.csv, fits.csv and manifest
 * written here are loaded, searched by runtime/workload/metric/params, and
 * the cpu efficiency computed from them; malformed files are refused. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/measure/measure.h"
#include "harness/analysis/analysis.h"

#include "tests/check.h"

static const char *summary =
	H_SUMMARY_HEADER_V1 "\n"
	"epoll,cpu,tasks=100;work=1000;loops=1,iters_per_us,iter/us,3,100,90,110,0.05,0\n"
	"coro,cpu,tasks=100;work=1000;stack_kib=64;guard=1,iters_per_us,iter/us,3,80,70,90,0.2,1\n"
	"threads,cpu,tasks=100;work=1000;stack_kib=0,iters_per_us,iter/us,3,150,,,,0\n"
	"pool,cpu,tasks=100;work=1000;workers=1,iters_per_us,iter/us,3,95,90,99,,0\n"
	"threads,pingpong,rounds=10;stack_kib=0;placement=same-core,ns_per_switch,ns,3,2000,1900,2100,0.01,0\n"
	"threads,pingpong,rounds=10;stack_kib=0;placement=cross-core,ns_per_switch,ns,3,20000,19000,21000,0.01,0\n";

static void test_load_and_find(const char *dir)
{
	t_write_file(dir, "summary.csv", summary);
	t_write_file(dir, "fits.csv",
	    "runtime,workload,params,metric,unit,n,slope,intercept,r2\n"
	    "threads,sleep,ms=100;stack_kib=0,mem_slope_user_kib_per_task,KiB,4,8.5,100,0.99\n");
	t_write_file(dir, "manifest.json", "{\"topology\": {\"summary\": \"x\", \"run_pus\": 2}}\n");
	struct h_summary s;
	CHECK(h_summary_load(dir, &s) == 0);
	CHECK(s.n == 6 && s.nfits == 1 && s.ncpus == 2);
	/* Empty min/max fall back to the median; empty cov is NaN. */
	const struct h_srow *t = h_summary_get(&s, "threads", "cpu", "iters_per_us", NULL);
	CHECK(t && t->median == 150 && t->min == 150 && t->max == 150 && isnan(t->cov));
	const struct h_srow *c = h_summary_get(&s, "coro", "cpu", NULL, "work=1000");
	CHECK(c && c->noisy && c->n == 3);
	/* where= matches whole entries, not prefixes. */
	CHECK(h_summary_get(&s, NULL, "cpu", NULL, "work=100") == NULL);
	CHECK(h_summary_get(&s, NULL, NULL, NULL, "placement") == NULL);
	const struct h_srow *rows[4];
	CHECK(h_summary_find(&s, "threads", "pingpong", "ns_per_switch", NULL, rows, 4) == 2);
	CHECK(h_summary_find(&s, NULL, NULL, NULL, "placement=cross-core", rows, 4) == 1 &&
	      rows[0]->median == 20000);
	CHECK(h_summary_find(&s, NULL, "cpu", NULL, NULL, rows, 1) == 4); /* counts past max */
	const struct h_fitrow *f = h_fit_get(&s, "threads", "sleep", NULL, "ms=100");
	CHECK(f && f->slope == 8.5 && f->r2 == 0.99);

	/* Parallelism: threads use both CPUs, a 1-worker pool and epoll one. */
	CHECK(h_runtime_parallelism("threads", "", 2) == 2);
	CHECK(h_runtime_parallelism("pool", "workers=0", 2) == 2);
	CHECK(h_runtime_parallelism("pool", "workers=8", 2) == 2);
	CHECK(h_runtime_parallelism("pool", "workers=1", 2) == 1);
	CHECK(h_runtime_parallelism("epoll", "loops=2", 4) == 2);
	CHECK(h_runtime_parallelism("coro", "", 4) == 1);
	/* Efficiency against the best one-CPU rate, 100 (epoll; the 1-worker
	 * pool's 95 is lower): threads 150 / (2 × 100), coro 80 / 100. */
	CHECK(t_near(h_cpu_efficiency(&s, t), 0.75, 1e-12));
	CHECK(t_near(h_cpu_efficiency(&s, c), 0.80, 1e-12));
	h_summary_free(&s);

	/* Without a manifest the CPU count is unknown (0) and threads count as one. */
	char path[512];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/fits.csv", dir);
	unlink(path);
	CHECK(h_summary_load(dir, &s) == 0 && s.ncpus == 0 && s.nfits == 0);
	h_summary_free(&s);
}

static void test_params(void)
{
	char buf[32];
	CHECK(h_param_str("a=1;bb=22;placement=same-core", "placement", buf, sizeof buf) == 1 &&
	      strcmp(buf, "same-core") == 0);
	CHECK(h_param_str("a=1;bb=22", "b", buf, sizeof buf) == 0);
	CHECK(h_param_num("a=1;bb=22", "bb", -1) == 22);
	CHECK(h_param_num("a=x", "a", -1) == -1);
	CHECK(h_param_num("", "a", 7) == 7);
	const char *drop[] = { "tasks", "placement", NULL };
	char *w = h_params_without("tasks=5;ms=10;placement=x;stack_kib=0", drop);
	CHECK(w && strcmp(w, "ms=10;stack_kib=0") == 0);
	free(w);
}

static void test_malformed(const char *dir)
{
	struct h_summary s;
	t_write_file(dir, "summary.csv", "runtime,workload\n");
	CHECK(h_summary_load(dir, &s) < 0);
	t_write_file(dir, "summary.csv", H_SUMMARY_HEADER_V1 "\nthreads,cpu,x,m,u,1,2,3\n");
	CHECK(h_summary_load(dir, &s) < 0);
	t_write_file(dir, "summary.csv", "");
	CHECK(h_summary_load(dir, &s) < 0);
	char path[512];
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	unlink(path);
	CHECK(h_summary_load(dir, &s) < 0);
}

int main(void)
{
	char dir[64];
	t_tmpdir(dir, sizeof dir, "unit_summary");
	test_load_and_find(dir);
	test_params();
	test_malformed(dir);
	t_rm_tree(dir);
	return t_exit_status();
}
