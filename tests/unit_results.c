/* unit_results — what a run writes, on synthetic cells: a results.jsonl
 * line reads back (--resume) into the same cell with the same figures;
 * summary.csv carries cov and noisy, leaves warm-ups out and names an
 * explicit placement; fits.csv recovers a known memory-per-task slope over
 * a task sweep; summary.json is JSON the reader accepts. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

static const struct cb_param wl_params[] = {
	{ "tasks", "tasks", "", 10, 1, 1000000 },
	{ "ms", "ms", "", 5, 0, 100 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};
static const struct cb_param rt_params[] = {
	{ "stack_kib", "KiB", "", 64, 16, 1024 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};
static const struct runtime fake_rt = { .name = "fake", .params = rt_params };
static const struct workload fake_wl = { .name = "sleepish", .params = wl_params };

static void cell(struct h_cell *c, const struct h_place *pl, int64_t tasks, int rep, int warm,
                 double user_kib, uint64_t wall)
{
	memset(c, 0, sizeof *c);
	c->rt = &fake_rt;
	c->wl = &fake_wl;
	c->place = pl;
	c->params = calloc(3, sizeof *c->params);
	c->params[0] = tasks;
	c->params[1] = 5;
	c->params[2] = 64;
	c->setmask = 1; /* tasks */
	c->rep = rep;
	c->warmup = warm;
	c->done = 1;
	struct h_cell_result *r = &c->res;
	r->ok = 1;
	r->checksum = 0xfedcba9876543210ull; /* the top bit set: must survive as hex */
	r->wall_ns = wall;
	r->tasks_reached = (uint64_t)tasks;
	for (int i = 0; i < H_NHM; i++)
		r->hm[i] = NAN;
	r->hm[H_CTR_TASK_CLOCK] = 123456789;
	r->hm[H_CTR_CONTEXT_SWITCHES] = 40001;
	snprintf(r->ctr_why[H_CTR_CYCLES], H_WHY_LEN, "not supported by this PMU (ENOENT)");
	r->hm[H_HM_MEM_USER] = user_kib;
	r->hm[H_HM_MEM_KERNEL] = 16.5 * (double)tasks + 100;
	r->hm[H_HM_MEM_USER_PER_TASK] = user_kib / (double)tasks;
	r->hm[H_HM_CREATE_NS_PER_TASK] = 2500.25;
	snprintf(r->mem_method, sizeof r->mem_method, "cgroup v1 memory.kmem.usage_in_bytes");
	r->mem_noise_kib = 12;
	snprintf(r->cpus_used, sizeof r->cpus_used, "0-1");
	snprintf(r->switch_check, sizeof r->switch_check, "ok: expected ~40000 (kernel), counted 40001");
	r->nmetrics = 2;
	snprintf(r->metrics[0].name, sizeof r->metrics[0].name, "elapsed_ms");
	snprintf(r->metrics[0].unit, sizeof r->metrics[0].unit, "ms");
	r->metrics[0].value = 5.25;
	snprintf(r->metrics[1].name, sizeof r->metrics[1].name, "ping_cpus");
	snprintf(r->metrics[1].unit, sizeof r->metrics[1].unit, "cpu mask");
	r->metrics[1].value = (double)(rep % 2 ? 1 : 2); /* varies: no CoV for a mask */
}

static void test_roundtrip(const struct h_place *pl)
{
	struct h_cell c, back[3];
	cell(&c, pl, 1000, 2, 0, 4321.5, 987654321);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(h_results_append(f, &c) == 0);
	fclose(f);

	/* Three candidate cells: a warm-up and another rep of the same
	 * point, and the right one; only the last may take the line. */
	cell(&back[0], pl, 1000, 1, 1, 0, 0);
	cell(&back[1], pl, 1000, 1, 0, 0, 0);
	cell(&back[2], pl, 1000, 2, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		back[i].done = 0;
		memset(&back[i].res, 0, sizeof back[i].res);
	}
	CHECK(h_results_restore(text, back, 3, 0) == 2);
	CHECK(back[2].done && !back[0].done && !back[1].done);
	const struct h_cell_result *a = &c.res, *b = &back[2].res;
	CHECK(b->ok && b->checksum == a->checksum && b->wall_ns == a->wall_ns);
	CHECK(b->tasks_reached == 1000 && b->nmetrics == 2);
	CHECK(!strcmp(b->metrics[1].name, "ping_cpus") && !strcmp(b->metrics[1].unit, "cpu mask"));
	CHECK(b->metrics[0].value == 5.25);
	for (int i = 0; i < H_NHM; i++)
		CHECK(isnan(a->hm[i]) ? isnan(b->hm[i]) : b->hm[i] == a->hm[i]);
	CHECK(!strcmp(b->ctr_why[H_CTR_CYCLES], a->ctr_why[H_CTR_CYCLES]));
	CHECK(!strcmp(b->mem_method, a->mem_method) && b->mem_noise_kib == 12);
	CHECK(!strcmp(b->cpus_used, "0-1") && !strcmp(b->switch_check, a->switch_check));
	/* Restored already: the same line finds no other cell. */
	CHECK(h_results_restore(text, back, 3, 0) == -1);
	/* Not ours. */
	CHECK(h_results_restore("{\"runtime\":", back, 3, 0) == -EINVAL);
	CHECK(h_results_restore("[1,2]", back, 3, 0) == -EINVAL);
	free(text);
	free(c.params);
	for (int i = 0; i < 3; i++)
		free(back[i].params);
}

static int count_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	(void)t;
	(void)s;
	if (strstr(path, ".metric"))
		(*(int *)ctx)++;
	return 0;
}

static void test_summary(const struct h_place *pl)
{
	/* tasks 1000, 2000, 4000 × 3 reps, plus a warm-up per point whose
	 * figures are wild: it must not show. User memory is exactly 8 KiB a
	 * task over 500 KiB, ±1% by rep. */
	struct h_cell c[12];
	int64_t tasks[] = { 1000, 2000, 4000 };
	int k = 0;
	for (int t = 0; t < 3; t++) {
		cell(&c[k++], pl, tasks[t], 1, 1, 1e9, 999999999);
		for (int rep = 1; rep <= 3; rep++) {
			double y = (500 + 8 * (double)tasks[t]) * (1 + (rep - 2) * 0.01);
			cell(&c[k++], pl, tasks[t], rep, 0, y, 1000 + (uint64_t)rep * 100);
		}
	}
	char dir[64];
	t_tmpdir(dir, sizeof dir, "unit_results");
	CHECK(h_summary_write(dir, c, 12) == 0);

	char path[128];
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	char *csv = t_read_file(path);
	CHECK(csv && !strncmp(csv, H_SUMMARY_HEADER "\n", strlen(H_SUMMARY_HEADER) + 1));
	/* wall 1100, 1200, 1300: mean 1200, sd 100: CoV 0.08333, not noisy;
	 * the warm-up's 999999999 is not among them. */
	CHECK(csv && strstr(csv, "fake,sleepish,tasks=1000;ms=5;stack_kib=64;placement=same-core,"
	                         "wall_ns,ns,3,1200,1100,1300,0.08333,0,1100,1300\n"));
	/* A mask has no CoV. */
	CHECK(csv && strstr(csv, "placement=same-core,ping_cpus,cpu mask,3,1,1,2,,0,,\n"));
	/* The counters and memory the harness measured are metrics too. */
	CHECK(csv && strstr(csv, ",context_switches,switches,3,40001,40001,40001,0,0,40001,40001\n"));
	CHECK(csv && strstr(csv, ",create_ns_per_task,ns,3,2500.25,"));
	/* No cycles row: it was never measured. */
	CHECK(csv && !strstr(csv, ",cycles,"));
	/* The fit, as summary rows without the tasks parameter. */
	CHECK(csv && strstr(csv, "fake,sleepish,ms=5;stack_kib=64;placement=same-core,"
	                         "mem_slope_user_kib_per_task,KiB/task,9,8,8,8,,0,,\n"));
	CHECK(csv && strstr(csv, "mem_slope_kernel_kib_per_task,KiB/task,9,16.5,16.5,16.5,,0,,\n"));
	free(csv);

	snprintf(path, sizeof path, "%s/fits.csv", dir);
	char *fits = t_read_file(path);
	CHECK(fits && !strncmp(fits, "runtime,workload,params,metric,unit,n,slope,intercept,r2\n", 57));
	/* The ±1% scatter is symmetric at each x: slope exactly 8, intercept
	 * 500, R² just under 1. */
	CHECK(fits && strstr(fits, "fake,sleepish,ms=5;stack_kib=64;placement=same-core,"
	                           "mem_slope_user_kib_per_task,KiB/task,9,8,500,0.99"));
	CHECK(fits && strstr(fits, "mem_slope_kernel_kib_per_task,KiB/task,9,16.5,100,1.000000\n"));
	free(fits);

	snprintf(path, sizeof path, "%s/summary.json", dir);
	char *json = t_read_file(path);
	int rows = 0;
	CHECK(json && h_json_walk(json, count_cb, &rows) == 0);
	CHECK(rows > 3 * 10);
	CHECK(json && strstr(json, "\"noisy\":false") && strstr(json, "\"placement\":\"same-core\""));
	free(json);

	const char *files[] = { "summary.csv", "summary.json", "fits.csv" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir(dir) == 0);
	for (int i = 0; i < 12; i++)
		free(c[i].params);
}

/* A pool holds only `workers` sleepers at once: its cells have no per-task
 * figure, and no slope may be fitted over them (it would read as nearly
 * free memory per task). */
static void test_fit_needs_every_task(const struct h_place *pl)
{
	struct h_cell c[6];
	int64_t tasks[] = { 1000, 2000, 4000 };
	for (int k = 0; k < 6; k++) {
		cell(&c[k], pl, tasks[k % 3], k / 3 + 1, 0, 500 + 8 * (double)tasks[k % 3], 1000);
		c[k].res.hm[H_HM_MEM_USER_PER_TASK] = NAN;
	}
	char dir[64];
	t_tmpdir(dir, sizeof dir, "unit_results");
	CHECK(h_summary_write(dir, c, 6) == 0);
	char path[128];
	snprintf(path, sizeof path, "%s/fits.csv", dir);
	char *fits = t_read_file(path);
	CHECK(fits && !strcmp(fits, "runtime,workload,params,metric,unit,n,slope,intercept,r2\n"));
	free(fits);
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	char *csv = t_read_file(path);
	CHECK(csv && !strstr(csv, "mem_slope_"));
	free(csv);
	const char *files[] = { "summary.csv", "summary.json", "fits.csv" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		CHECK(unlink(path) == 0);
	}
	CHECK(rmdir(dir) == 0);
	for (int i = 0; i < 6; i++)
		free(c[i].params);
}

static int path_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%s=%d:%s;", path, (int)t, s);
	return 0;
}

static void test_json_walk(void)
{
	char out[512] = "";
	CHECK(h_json_walk(" {\"a\": [1, \"x\\\"y\\n\", {\"b\": null}], \"c\": -2.5e3, "
	                  "\"d\": true, \"e\": {}} ", path_cb, out) == 0);
	CHECK(!strcmp(out, "a.0=2:1;a.1=3:x\"y\n;a.2.b=0:null;c=2:-2.5e3;d=1:true;"));
	const char *bad[] = { "", "{", "{\"a\":}", "{\"a\" 1}", "[1,]x", "{\"a\":1}}", "nul",
	                      "\"abc", "{\"a\":1,}", "[[[[[[[[[[1]]]]]]]]]]" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out[0] = '\0';
		CHECKF(h_json_walk(bad[i], path_cb, out) != 0, "h_json_walk accepted '%s'", bad[i]);
	}
}

int main(void)
{
	hwloc_topology_t topo;
	if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0)
		return 1;
	char err[256];
	struct h_place pl;
	CHECK(h_placement_resolve(topo, hwloc_topology_get_allowed_cpuset(topo), "same-core", &pl,
	                          err, sizeof err) == 0);
	pl.given = 1;
	test_json_walk();
	test_roundtrip(&pl);
	test_summary(&pl);
	test_fit_needs_every_task(&pl);
	h_placement_free(&pl);
	hwloc_topology_destroy(topo);
	return t_exit_status();
}
