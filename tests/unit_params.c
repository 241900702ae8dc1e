/* unit_params — the harness's parsers and matrix arithmetic: strict
 * integers, lists, --set, ranges, sweep expansion, --cpus, the suite
 * table; and, on synthetic cells, the checksum check and summary.csv. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/measure/measure.h"
#include "runtimes/offload.h"

#include "tests/check.h"

static void test_parse_i64(void)
{
	static const struct {
		const char *s;
		int64_t v;
	} good[] = {
		{ "0", 0 },
		{ "42", 42 },
		{ "-7", -7 },
		{ "007", 7 },
		{ "1_000_000", 1000000 },
		{ "9223372036854775807", INT64_MAX },
		{ "-9223372036854775808", INT64_MIN },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t v = -1;
		CHECK(h_parse_i64(good[i].s, &v) == 0);
		CHECK(v == good[i].v);
	}
	static const char *const bad[] = {
		"", "abc", "5k", "0x10", "1.5", " 5", "5 ", "+5", "-", "--5", "_5", "5_", "5__0",
		"1e3", "5-", "٣",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t v = 12345;
		CHECKF(h_parse_i64(bad[i], &v) == -EINVAL, "h_parse_i64 accepted '%s'", bad[i]);
		CHECK(v == 12345); /* untouched on error */
	}
	int64_t v;
	CHECK(h_parse_i64("9223372036854775808", &v) == -ERANGE);
	CHECK(h_parse_i64("-9223372036854775809", &v) == -ERANGE);
	CHECK(h_parse_i64("99999999999999999999999999999999999999", &v) == -ERANGE);
	CHECK(h_parse_i64(NULL, &v) == -EINVAL);
}

static void test_split_list(void)
{
	char **v;
	CHECK(h_split_list("a,bb,c", &v) == 3);
	CHECK(!strcmp(v[0], "a") && !strcmp(v[1], "bb") && !strcmp(v[2], "c") && !v[3]);
	h_strv_free(v);
	CHECK(h_split_list("one", &v) == 1);
	CHECK(!strcmp(v[0], "one") && !v[1]);
	h_strv_free(v);
	static const char *const bad[] = { "", ",", "a,", ",a", "a,,b", ",," };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = NULL;
		CHECK(h_split_list(bad[i], &v) == -EINVAL);
		CHECK(v == NULL);
	}
}

static void test_set_parse(void)
{
	struct h_set s;
	char err[256];
	CHECK(h_set_parse("tasks=1,2_000,3", &s, err, sizeof err) == 0);
	CHECK(!strcmp(s.key, "tasks") && s.nvals == 3);
	CHECK(s.vals[0] == 1 && s.vals[1] == 2000 && s.vals[2] == 3);
	h_set_free(&s);
	CHECK(h_set_parse("stack_kib=-4", &s, err, sizeof err) == 0);
	CHECK(!strcmp(s.key, "stack_kib") && s.nvals == 1 && s.vals[0] == -4);
	h_set_free(&s);

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "tasks=abc", "bad value 'abc' for tasks" },
		{ "tasks=", "empty value" },
		{ "=5", "malformed --set '=5'" },
		{ "tasks", "malformed --set 'tasks'" },
		{ "tasks=5,,6", "empty value" },
		{ "tasks=5,", "empty value" },
		{ "tasks=,5", "empty value" },
		{ "ta sks=1", "a key is letters" },
		{ "a=b=c", "bad value 'b=c' for a" },
		{ "tasks=99999999999999999999", "too large" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK(h_set_parse(bad[i].in, &s, err, sizeof err) == -EINVAL);
		CHECK(s.key == NULL && s.vals == NULL);
		CHECKF(strstr(err, bad[i].msg), "h_set_parse('%s'): message '%s' lacks '%s'", bad[i].in,
		       err, bad[i].msg);
	}
}

static const struct cb_param wl_params[] = {
	{ "tasks", "tasks", "", 10, 1, 100 },
	{ "ms", "ms", "", 5, 0, 1000 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};
static const struct cb_param rt_params[] = {
	{ "stack_kib", "KiB", "", 64, 16, 8192 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};
static const struct cb_param rt_params_tasks[] = {
	{ "tasks", "tasks", "", 3, 1, 100 }, /* same name as the workload's */
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static struct h_set mkset(const char *s)
{
	struct h_set set;
	char err[256];
	if (h_set_parse(s, &set, err, sizeof err) != 0) {
		fprintf(stderr, "cannot parse '%s': %s\n", s, err);
		exit(1);
	}
	return set;
}

static void test_ranges(void)
{
	char err[256];
	CHECK(h_param_check(&wl_params[0], "workload x", 1, err, sizeof err) == 0);
	CHECK(h_param_check(&wl_params[0], "workload x", 100, err, sizeof err) == 0);
	CHECK(h_param_check(&wl_params[0], "workload x", 0, err, sizeof err) == -ERANGE);
	CHECK(strstr(err, "tasks=0 is out of range for workload x (1..100)") != NULL);
	CHECK(h_param_check(&wl_params[0], "workload x", 101, err, sizeof err) == -ERANGE);
	CHECK(strstr(err, "(1..100)") != NULL);
}

static void test_sweep(void)
{
	struct h_plist pl = { { wl_params, rt_params } };
	CHECK(h_plist_count(&pl) == 3);
	CHECK(!strcmp(h_plist_at(&pl, 2)->name, "stack_kib"));
	CHECK(h_plist_find(&pl, "ms", 0) == 1 && h_plist_find(&pl, "nope", 0) == -1);

	/* No sets: one point, the defaults. */
	int64_t p[3];
	uint64_t mask;
	CHECK(h_sweep_count(&pl, NULL, 0) == 1);
	h_sweep_point(&pl, NULL, 0, 0, p, &mask);
	CHECK(p[0] == 10 && p[1] == 5 && p[2] == 64 && mask == 0);

	/* 3 tasks × 2 stacks; "workers" belongs to another runtime: ignored. */
	struct h_set sets[3] = { mkset("stack_kib=16,32"), mkset("workers=1,2,4"),
		                 mkset("tasks=1,2,3") };
	CHECK(h_sweep_count(&pl, sets, 3) == 6);
	int64_t seen[6][3];
	for (long i = 0; i < 6; i++) {
		h_sweep_point(&pl, sets, 3, i, seen[i], &mask);
		CHECK(seen[i][1] == 5);    /* ms: the default */
		CHECK(mask == (1u | 4u)); /* tasks and stack_kib chosen */
		for (long j = 0; j < i; j++)
			CHECK(memcmp(seen[i], seen[j], sizeof seen[i]) != 0);
	}
	/* The earliest declared parameter varies slowest. */
	CHECK(seen[0][0] == 1 && seen[0][2] == 16);
	CHECK(seen[1][0] == 1 && seen[1][2] == 32);
	CHECK(seen[5][0] == 3 && seen[5][2] == 32);

	/* A later set of a key overrides an earlier one (--set over a suite). */
	struct h_set over[2] = { mkset("tasks=1,2,3,4"), mkset("tasks=7") };
	CHECK(h_sweep_count(&pl, over, 2) == 1);
	h_sweep_point(&pl, over, 2, 0, p, &mask);
	CHECK(p[0] == 7 && mask == 1);

	/* A name declared by both the workload and the runtime: one axis,
	 * both set. */
	struct h_plist pl2 = { { wl_params, rt_params_tasks } };
	CHECK(h_sweep_count(&pl2, &sets[2], 1) == 3);
	h_sweep_point(&pl2, &sets[2], 1, 2, p, &mask);
	CHECK(p[0] == 3 && p[2] == 3 && mask == (1u | 4u));

	/* Past H_MAX_CELLS the count is 0, not an overflow. */
	char big[2][8192] = { "tasks=1", "ms=1" };
	for (int k = 0; k < 2; k++)
		for (int i = 2; i <= 1000; i++)
			snprintf(big[k] + strlen(big[k]), sizeof big[k] - strlen(big[k]), ",%d", i);
	struct h_set huge[2] = { mkset(big[0]), mkset(big[1]) };
	CHECK(h_sweep_count(&pl, huge, 1) == 1000);
	CHECK(h_sweep_count(&pl, huge, 2) == 0);

	for (int i = 0; i < 3; i++)
		h_set_free(&sets[i]);
	for (int i = 0; i < 2; i++) {
		h_set_free(&over[i]);
		h_set_free(&huge[i]);
	}
}

static void test_cpus(void)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	CHECK(h_parse_cpus("0", set) == 0 && hwloc_bitmap_weight(set) == 1 &&
	      hwloc_bitmap_isset(set, 0));
	hwloc_bitmap_zero(set);
	CHECK(h_parse_cpus("0-3", set) == 0 && hwloc_bitmap_weight(set) == 4);
	hwloc_bitmap_zero(set);
	CHECK(h_parse_cpus("0,2-3", set) == 0 && hwloc_bitmap_weight(set) == 3 &&
	      !hwloc_bitmap_isset(set, 1) && hwloc_bitmap_isset(set, 3));
	hwloc_bitmap_zero(set);
	CHECK(h_parse_cpus("5-5,1", set) == 0 && hwloc_bitmap_weight(set) == 2);
	static const char *const bad[] = { "", "a", "0-", "-1", "3-1", "0,,1", "1_0", "0-1-2",
		                           "70000", " 1", "1,", "0x1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hwloc_bitmap_zero(set);
		CHECKF(h_parse_cpus(bad[i], set) == -EINVAL, "h_parse_cpus accepted '%s'", bad[i]);
	}
	hwloc_bitmap_free(set);
}

/* Every suite part names registered runtimes and workloads, and each of
 * its sets parses, names a parameter of one of them and stays in range. */
static void test_suites(void)
{
	CHECK(h_suite_find("quick") != NULL);
	CHECK(h_suite_find("standard") != NULL);
	CHECK(h_suite_find("nope") == NULL);
	for (const struct h_suite *s = h_suites; s->name; s++) {
		CHECK(s->reps >= 1 && s->parts[0].runtimes);
		for (const struct h_suite_part *p = s->parts;
		     p < s->parts + H_SUITE_MAX_PARTS && p->runtimes; p++) {
			CHECK(p->what && p->workloads);
			const struct workload *wls[16];
			const struct runtime *rts[16];
			int nw = 0, nr = 0;
			for (const struct workload *const *w = wl_registry; *w && nw < 16; w++)
				if (!strcmp(p->workloads, "all") || strstr(p->workloads, (*w)->name))
					wls[nw++] = *w;
			for (const struct runtime *const *r = rt_registry; *r && nr < 16; r++)
				if (h_suite_part_takes(p, *r))
					rts[nr++] = *r;
			CHECK(nw > 0 && nr > 0);
			for (int i = 0; i < H_SUITE_MAX_SETS && p->sets[i]; i++) {
				struct h_set set = mkset(p->sets[i]);
				int found = 0;
				char err[256];
				for (int k = 0; k < nw + nr; k++) {
					struct h_plist pl = { { k < nw ? wls[k]->params : rts[k - nw]->params,
					                        NULL } };
					int j = h_plist_find(&pl, set.key, 0);
					if (j < 0)
						continue;
					found = 1;
					for (int v = 0; v < set.nvals; v++)
						CHECK(h_param_check(h_plist_at(&pl, j), "x", set.vals[v], err,
						                    sizeof err) == 0);
				}
				if (!found)
					fprintf(stderr, "suite %s part %s: set %s names no parameter\n",
					        s->name, p->what, p->sets[i]);
				CHECK(found);
				h_set_free(&set);
			}
		}
	}
}

/* Whether a part of suite s runs workload wl on runtime rt with a set
 * starting with `set`. */
static int suite_has(const char *suite, const char *wl, const char *rt, const char *set)
{
	const struct h_suite *s = h_suite_find(suite);
	for (const struct h_suite_part *p = s->parts;
	     p < s->parts + H_SUITE_MAX_PARTS && p->runtimes; p++) {
		if (!h_list_has(p->workloads, wl) || !h_suite_part_takes(p, rt_find(rt)))
			continue;
		for (int i = 0; i < H_SUITE_MAX_SETS && p->sets[i]; i++)
			if (!strncmp(p->sets[i], set, strlen(set)))
				return 1;
	}
	return 0;
}

/* C1 compares the pool with a loop per CPU at equal CPUs, and C2 judges
 * the pool within its workers (2 on a 2-CPU machine): both suites run
 * those points. */
static void test_suite_points(void)
{
	for (int k = 0; k < 2; k++) {
		const char *s = k ? "standard" : "quick";
		CHECKF(suite_has(s, "cpu", "epoll", "loops=2"), "%s: no cpu on epoll loops=2", s);
		CHECKF(suite_has(s, "sleep", "pool", "tasks=2"), "%s: no sleep tasks=2 on the pool",
		       s);
	}
	/* The production libraries beside the hand-written models (issue 14). */
	CHECK(suite_has("standard", "echo", "uv", "conns=") && suite_has("standard", "http", "uv", "conns="));
	CHECK(suite_has("standard", "cpu", "omp", "work="));
	/* C13 on skewed connections: steal and the loops with the server on
	 * every CPU (the client sharing them), the pool beside. */
	int shared = 0;
	const struct h_suite *sd = h_suite_find("standard");
	for (const struct h_suite_part *p = sd->parts;
	     p < sd->parts + H_SUITE_MAX_PARTS && p->runtimes; p++)
		for (int i = 0; i < H_SUITE_MAX_SETS && p->sets[i]; i++)
			shared += p->share_cpus && h_list_has(p->workloads, "echo") &&
			          !strcmp(p->sets[i], "hot_pct=10");
	CHECK(shared == 2 && suite_has("standard", "echo", "steal", "hot_pct=") &&
	      suite_has("standard", "echo", "epoll", "hot_pct=") &&
	      suite_has("standard", "echo", "pool", "hot_pct="));
	/* nginx beside them at http's conns=100, a part's own peer (issue 14's
	 * target: epoll against nginx in the same run). */
	int nginx = 0;
	const struct h_suite *st = h_suite_find("standard");
	for (const struct h_suite_part *p = st->parts;
	     p < st->parts + H_SUITE_MAX_PARTS && p->runtimes; p++)
		for (int i = 0; i < H_SUITE_MAX_SETS && p->sets[i]; i++)
			nginx |= p->peer && !strcmp(p->peer, "nginx") && h_list_has(p->workloads, "http") &&
			         !strcmp(p->sets[i], "conns=100,1000");
	CHECK(nginx);
}

/* The set of suite s's part `what` whose key is key ("heavy_us="), or NULL. */
static const char *part_set(const char *suite, const char *what, const char *key)
{
	const struct h_suite *s = h_suite_find(suite);
	for (const struct h_suite_part *p = s->parts;
	     p < s->parts + H_SUITE_MAX_PARTS && p->runtimes; p++)
		for (int i = 0; strstr(p->what, what) && i < H_SUITE_MAX_SETS && p->sets[i]; i++)
			if (!strncmp(p->sets[i], key, strlen(key)))
				return p->sets[i];
	return NULL;
}

/* C15 compares offload=1 cells with offload=0 ones at the same points:
 * both suites run the two on epoll, and the standard suite's C15 part is
 * at C3's points (its offload=0 cells): every set of C15's but offload
 * and heavy_us is C3's, and its heavy_us values are among C3's. */
static void test_suite_c15(void)
{
	for (int k = 0; k < 2; k++) {
		const char *s = k ? "standard" : "quick";
		CHECKF(suite_has(s, "mixed", "epoll", "offload=1") ||
		               suite_has(s, "mixed", "epoll", "offload=0,1"),
		       "%s: no mixed offload=1 on epoll", s);
	}
	static const char *const keys[] = { "conns=", "requests=", "seconds=", "rate=",
		                             "heavy_every=", "warmup_ms=" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *a = part_set("standard", "(C3)", keys[i]),
		           *b = part_set("standard", "(C15)", keys[i]);
		CHECKF((!a && !b) || (a && b && !strcmp(a, b)), "standard: C3's %s against C15's %s",
		       a ? a : "(none)", b ? b : "(none)");
	}
	const char *h3 = part_set("standard", "(C3)", "heavy_us="),
	           *h15 = part_set("standard", "(C15)", "heavy_us=");
	REQUIRE(h3 && h15);
	struct h_set a = mkset(h3), b = mkset(h15);
	for (int i = 0; i < b.nvals; i++) {
		int in = 0;
		for (int j = 0; j < a.nvals; j++)
			in |= a.vals[j] == b.vals[i];
		CHECKF(in, "standard: C15's heavy_us=%lld is not one of C3's (%s)",
		       (long long)b.vals[i], h3);
	}
	h_set_free(&a);
	h_set_free(&b);
}

/* The part of suite `suite` whose what contains `what`, or NULL. */
static const struct h_suite_part *part_named(const char *suite, const char *what)
{
	const struct h_suite *s = h_suite_find(suite);
	for (const struct h_suite_part *p = s->parts;
	     p < s->parts + H_SUITE_MAX_PARTS && p->runtimes; p++)
		if (strstr(p->what, what))
			return p;
	return NULL;
}

/* The points the part's sets make for runtime rt on workload wl. */
static long part_points(const struct h_suite_part *p, const char *rt, const char *wl)
{
	struct h_set sets[H_SUITE_MAX_SETS];
	int n = 0;
	for (; n < H_SUITE_MAX_SETS && p->sets[n]; n++)
		sets[n] = mkset(p->sets[n]);
	struct h_plist pl = { { wl_find(wl)->params, rt_find(rt)->params } };
	long points = h_sweep_count(&pl, sets, n);
	for (int i = 0; i < n; i++)
		h_set_free(&sets[i]);
	return points;
}

/* Issue 13. C14: uring at its default and with defer_taskrun=1 beside
 * epoll, whose cells the uring-only key neither doubles nor refuses. C15:
 * both arms again with the server on every CPU, at C3's point. */
static void test_suite_c14_c15_parts(void)
{
	const struct h_suite_part *c14 = part_named("standard", "(C14)");
	REQUIRE(c14);
	CHECKF(part_points(c14, "uring", "echo") == 2, "C14: uring has %ld points, want 2",
	       part_points(c14, "uring", "echo"));
	CHECKF(part_points(c14, "epoll", "echo") == 1, "C14: epoll has %ld points, want 1",
	       part_points(c14, "epoll", "echo"));
	CHECK(suite_has("standard", "echo", "uring", "defer_taskrun=0,1"));

	const struct h_suite_part *two = part_named("standard", "server on every CPU (C15)");
	REQUIRE(two);
	CHECK(two->share_cpus && h_list_has(two->runtimes, "epoll") &&
	      h_list_has(two->workloads, "mixed"));
	CHECKF(part_points(two, "epoll", "mixed") == 4, "C15 on every CPU: %ld points, want 4",
	       part_points(two, "epoll", "mixed"));
	static const char *const keys[] = { "conns=", "requests=", "seconds=", "rate=",
		                             "heavy_every=", "warmup_ms=" };
	const struct h_suite_part *c3 = part_named("standard", "(C3)");
	REQUIRE(c3);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *a = NULL, *b = NULL;
		for (int k = 0; k < H_SUITE_MAX_SETS; k++) {
			if (c3->sets[k] && !strncmp(c3->sets[k], keys[i], strlen(keys[i])))
				a = c3->sets[k];
			if (two->sets[k] && !strncmp(two->sets[k], keys[i], strlen(keys[i])))
				b = two->sets[k];
		}
		CHECKF((!a && !b) || (a && b && !strcmp(a, b)),
		       "standard: C3's %s against C15 on every CPU's %s", a ? a : "(none)",
		       b ? b : "(none)");
	}
	int base = 0, stall = 0;
	for (int k = 0; k < H_SUITE_MAX_SETS && two->sets[k]; k++) {
		base |= !strcmp(two->sets[k], "heavy_us=0,10000");
		stall |= !strcmp(two->sets[k], "offload=0,1");
	}
	CHECK(base && stall);
}

/* offload_threads: every runtime that offloads lists it, 1..128, default
 * 4 (libuv's UV_THREADPOOL_SIZE); the pool refuses a size outside that,
 * and a runtime made with one fails to create. */
static void test_offload_threads(void)
{
	static const char *const rts[] = { "epoll", "coro", "coro-ucontext", "steal",
		                           "coro-steal", "uring", "uv" };
	char err[256];
	for (size_t i = 0; i < sizeof rts / sizeof rts[0]; i++) {
		const struct runtime *rt = rt_find(rts[i]);
		if (!rt)
			continue; /* uv, uring: built where their libraries are */
		struct h_plist pl = { { rt->params, NULL } };
		int j = h_plist_find(&pl, "offload_threads", 0);
		CHECKF(j >= 0, "%s has no offload_threads", rts[i]);
		if (j < 0)
			continue;
		const struct cb_param *c = h_plist_at(&pl, j);
		CHECK(c->def == RT_OFFLOAD_THREADS && c->min == 1 && c->max == RT_OFFLOAD_THREADS_MAX);
		CHECK(h_param_check(c, rts[i], 1, err, sizeof err) == 0);
		CHECK(h_param_check(c, rts[i], 128, err, sizeof err) == 0);
		CHECK(h_param_check(c, rts[i], 0, err, sizeof err) == -ERANGE);
		CHECK(strstr(err, "offload_threads=0 is out of range") != NULL);
		CHECK(h_param_check(c, rts[i], 129, err, sizeof err) == -ERANGE);
	}
	struct h_set set = mkset("offload_threads=1,2_0");
	CHECK(set.nvals == 2 && set.vals[0] == 1 && set.vals[1] == 20);
	h_set_free(&set);
	CHECK(rt_offload_size(0) == -EINVAL);
	CHECK(rt_offload_size(RT_OFFLOAD_THREADS_MAX + 1) == -EINVAL);
	CHECK(rt_offload_size(2) == 0);
	/* epoll created with a size out of range: refused, nothing made. */
	const struct runtime *ep = rt_find("epoll");
	REQUIRE(ep);
	struct rt *r = NULL;
	CHECK(ep->create(&r, NULL, (const int64_t[]){ 1, 0 }) == -EINVAL && r == NULL);
	CHECK(ep->create(&r, NULL, (const int64_t[]){ 1, 2 }) == 0 && r != NULL);
	if (r)
		ep->destroy(r);
	CHECK(rt_offload_size(RT_OFFLOAD_THREADS) == 0);
}

/* A part picks runtimes by their traits: a runtime the harness has never
 * heard of joins the parts its traits fit, whatever its name. */
static void test_suite_traits(void)
{
	static const struct runtime per_task = { .name = "x1", .cpus = RT_CPUS_ALL,
		                                 .switches = RT_SWITCH_KERNEL };
	static const struct runtime pool = { .name = "x2", .cpus = RT_CPUS_PARAM,
		                             .cpus_param = "n", .switches = RT_SWITCH_KERNEL };
	static const struct runtime loops = { .name = "x3", .cpus = RT_CPUS_PARAM,
		                              .cpus_param = "n", .switches = RT_SWITCH_CALLBACK };
	static const struct runtime coro = { .name = "x4", .cpus = RT_CPUS_ONE,
		                             .switches = RT_SWITCH_STACK };
	struct h_suite_part any = { "a", "all", "all", NULL, { 0 }, H_ONLY_ANY, 0, NULL, 0 };
	struct h_suite_part unc = { "u", "all", "all", NULL, { 0 }, H_ONLY_UNCAPPED, 0, NULL, 0 };
	struct h_suite_part lpc = { "l", "all", "all", NULL, { 0 }, H_ONLY_LOOP_PER_CPU, 0, NULL, 0 };
	struct h_suite_part named = { "n", "x1,x3", "all", NULL, { 0 }, H_ONLY_UNCAPPED, 0, NULL, 0 };
	struct h_suite_part cap = { "c", "all", "all", NULL, { 0 }, H_ONLY_CAPPED, 0, NULL, 0 };
	CHECK(h_suite_part_takes(&cap, &pool) && !h_suite_part_takes(&cap, &loops));
	CHECK(!h_suite_part_takes(&cap, &per_task) && !h_suite_part_takes(&cap, &coro));
	CHECK(h_suite_part_takes(&any, &pool) && h_suite_part_takes(&any, &coro));
	CHECK(h_suite_part_takes(&unc, &per_task) && h_suite_part_takes(&unc, &loops));
	CHECK(h_suite_part_takes(&unc, &coro) && !h_suite_part_takes(&unc, &pool));
	CHECK(h_suite_part_takes(&lpc, &loops) && !h_suite_part_takes(&lpc, &pool));
	CHECK(!h_suite_part_takes(&lpc, &per_task) && !h_suite_part_takes(&lpc, &coro));
	CHECK(h_suite_part_takes(&named, &per_task) && !h_suite_part_takes(&named, &coro));
	CHECK(h_list_has("a,bc", "bc") && !h_list_has("a,bc", "b") && h_list_has("all", "z"));
}

/* ---- checksum check and summary, on synthetic cells ---- */

static const struct cb_param no_params[] = { { NULL, NULL, NULL, 0, 0, 0 } };
static const struct runtime fake_a = { .name = "alpha", .params = rt_params };
static const struct runtime fake_b = { .name = "beta", .params = no_params };
static const struct runtime fake_c = { .name = "gamma", .params = no_params };
static const struct workload fake_w = { .name = "work", .params = wl_params };

static void cell(struct h_cell *c, const struct runtime *rt, int64_t tasks, int64_t stack,
                 int rep, int ok, uint64_t sum, uint64_t wall)
{
	memset(c, 0, sizeof *c);
	c->rt = rt;
	c->wl = &fake_w;
	c->params = calloc(3, sizeof *c->params);
	c->params[0] = tasks;
	c->params[1] = 5;
	c->params[2] = stack;
	c->rep = rep;
	c->res.ok = ok;
	c->res.checksum = sum;
	c->res.wall_ns = wall;
	c->res.nmetrics = 1;
	snprintf(c->res.metrics[0].name, sizeof c->res.metrics[0].name, "per_task");
	snprintf(c->res.metrics[0].unit, sizeof c->res.metrics[0].unit, "ns");
	c->res.metrics[0].value = (double)wall / 2;
	for (int i = 0; i < H_NHM; i++)
		c->res.hm[i] = NAN; /* nothing the harness measured itself */
	c->done = 1;
}

static void test_checksums_and_summary(void)
{
	struct h_cell c[8];
	/* tasks=1: alpha (two stack sizes: its own param, not in the key),
	 * beta agree; gamma disagrees; a failed cell does not count.
	 * tasks=2: a different point with its own checksum. */
	cell(&c[0], &fake_a, 1, 16, 1, 1, 0xabc, 100);
	cell(&c[1], &fake_a, 1, 32, 1, 1, 0xabc, 300);
	cell(&c[2], &fake_b, 1, 0, 1, 1, 0xabc, 200);
	cell(&c[3], &fake_c, 1, 0, 1, 1, 0xdef, 400);
	cell(&c[4], &fake_c, 1, 0, 2, 0, 0x123, 500);
	cell(&c[5], &fake_a, 2, 16, 1, 1, 0x777, 10);
	cell(&c[6], &fake_a, 2, 16, 2, 1, 0x777, 30);
	cell(&c[7], &fake_a, 2, 16, 3, 1, 0x777, 20);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	CHECK(h_checksum_check(c, 8, out) == 1);
	fclose(out);
	CHECK(strstr(text, "gamma work tasks=1 ms=5 rep 1 got 0x0000000000000def, expected "
	                   "0x0000000000000abc (as 3 cell(s) got") != NULL);
	free(text);
	/* All agreeing: nothing printed. */
	out = open_memstream(&text, &len);
	CHECK(h_checksum_check(c + 5, 3, out) == 0);
	fclose(out);
	CHECK(len == 0);
	free(text);

	char dir[64];
	t_tmpdir(dir, sizeof dir, "unit_params");
	CHECK(h_summary_write(dir, c, 8) == 0);
	char path[128], line[256];
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	int rows = 0, header = 0, found_median = 0, found_metric = 0, gamma_rows = 0;
	while (f && fgets(line, sizeof line, f)) {
		if (!strcmp(line, H_SUMMARY_HEADER "\n"))
			header++;
		else
			rows++;
		/* three ok reps of 10, 30, 20 ns: median 20 */
		/* 10, 20, 30: sample sd 10 over mean 20, a CoV of 0.5: noisy */
		if (!strcmp(line, "alpha,work,tasks=2;ms=5;stack_kib=16,wall_ns,ns,3,20,10,30,0.5,1,10,30\n"))
			found_median++;
		if (!strcmp(line, "alpha,work,tasks=2;ms=5;stack_kib=16,per_task,ns,3,10,5,15,0.5,1,5,15\n"))
			found_metric++;
		gamma_rows += !strncmp(line, "gamma,", 6);
	}
	if (f)
		fclose(f);
	/* 5 groups (gamma's failed rep 2 is in gamma's group), each 6 core
	 * metrics + 1 workload metric. */
	CHECK(header == 1 && rows == 5 * 7);
	CHECK(found_median == 1 && found_metric == 1);
	CHECK(gamma_rows == 7);
	unlink(path);
	snprintf(path, sizeof path, "%s/summary.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/fits.csv", dir);
	unlink(path);
	CHECK(rmdir(dir) == 0);
	for (int i = 0; i < 8; i++)
		free(c[i].params);
}

int main(void)
{
	test_parse_i64();
	test_split_list();
	test_set_parse();
	test_ranges();
	test_sweep();
	test_cpus();
	test_suites();
	test_suite_traits();
	test_suite_points();
	test_suite_c15();
	test_suite_c14_c15_parts();
	test_offload_threads();
	test_checksums_and_summary();
	if (!failures)
		puts("unit_params: all checks passed");
	return t_exit_status();
}
