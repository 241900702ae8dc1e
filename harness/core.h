/* core.h — the harness core: CLI, parameter parsing, the run matrix, one
 * child process per cell, results and summary. harness.h holds the
 * interfaces shared with the other harness parts (JSON, manifest, plot). */
#ifndef CONCBENCH_CORE_H
#define CONCBENCH_CORE_H

#include <stdint.h>
#include <stdio.h>
#include <hwloc.h>

#include "harness.h"

#define H_VERSION "0.1.0"

/* main.c calls this and nothing else. */
int h_main(int argc, char **argv);
void h_version_print(FILE *f);

/* ---- params.c: strict parsing, no registry needed (unit-testable) ---- */

/* Plain decimal with an optional '-' and optional '_' between digits
 * ("1_000_000"); the whole string must be consumed. 0, -EINVAL or -ERANGE. */
int h_parse_i64(const char *s, int64_t *out);

/* Splits "a,b,c" at commas. An empty string or an empty item ("a,,b",
 * ",", "a,") is -EINVAL. On success *out is a NULL-terminated array of
 * copies (free with h_strv_free) and the return value is the count. */
int h_split_list(const char *s, char ***out);
void h_strv_free(char **v);

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

#define H_SUITE_MAX_SETS 8
struct h_suite_set {
	const char *workload; /* the set applies to this workload's cells only */
	const char *set;      /* "key=value[,value…]" */
};
struct h_suite {
	const char *name;
	const char *desc;
	const char *runtimes;  /* "all" or a list */
	const char *workloads; /* "all" or a list */
	int reps;
	struct h_suite_set sets[H_SUITE_MAX_SETS]; /* ends at workload == NULL */
};
extern const struct h_suite h_suites[]; /* ends at name == NULL */
const struct h_suite *h_suite_find(const char *name);

/* ---- cell.c: one cell in a fresh child process ---- */

struct h_cell_result {
	int ok;
	char error[192];
	uint64_t checksum;
	uint64_t wall_ns;
	uint64_t tasks_reached;
	char limit[48];
	int nmetrics;
	struct wl_metric metrics[WL_MAX_METRICS];
	/* Filled by the parent from wait4's rusage. */
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint64_t ctx_voluntary, ctx_involuntary;
	uint64_t rss_peak_kib;
};

struct h_cell {
	const struct runtime *rt;
	const struct workload *wl;
	int64_t *params; /* workload's then runtime's, h_plist_count values */
	uint64_t setmask; /* which params a --set or the suite chose */
	int rep;          /* 1-based */
	struct h_cell_result res;
};

/* Forks, runs the cell bound to cpuset, and fills c->res. Waits at most
 * timeout_s seconds, then SIGKILLs the child. Never fails: every problem
 * ends up in c->res.error. */
void h_cell_run(struct h_cell *c, hwloc_topology_t topo, hwloc_const_cpuset_t cpuset,
                int timeout_s);

/* ---- results.c ---- */

/* "k=v<sep>k=v" of the cell's parameters; only those in mask when
 * only_set. Returns buf. */
char *h_cell_params_str(const struct h_cell *c, char sep, int only_set, char *buf,
                        size_t len);
/* One JSON object and a newline, flushed and fsync'd. 0 or -errno. */
int h_results_append(FILE *f, const struct h_cell *c);
/* Writes DIR/summary.csv. 0 or -errno. */
int h_summary_write(const char *dir, const struct h_cell *cells, long n);
/* Checks that every ok cell of a workload × workload-params point has the
 * same checksum; prints one line per disagreeing cell on `out`. Returns the
 * number of disagreeing cells. */
long h_checksum_check(const struct h_cell *cells, long n, FILE *out);

/* ---- run.c ---- */

struct h_run_opts {
	const struct runtime **rts;
	int nrts;
	const struct workload **wls;
	int nwls;
	struct h_set *sets; /* the suite's (per workload) are added in run.c */
	int nsets;
	const struct h_suite *suite;
	int reps;
	int timeout_s;
	const char *cpus; /* NULL: every allowed CPU */
	const char *out;  /* NULL: results/<YYYYmmdd-HHMMSS> */
	int argc;
	char **argv;
};
int h_cmd_run(const struct h_run_opts *o);

/* Prints "concbench: <message>" as one line on stderr (usage errors and
 * failures alike; the caller picks the exit status). */
void h_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
