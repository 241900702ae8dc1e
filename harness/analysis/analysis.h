/* analysis.h — the reading layer: the only code that reads a results
 * folder back, and everything built on what it reads.
 *
 *   summary.c   the one reader of summary.csv, fits.csv and the manifest
 *   verdict.c   the claims' rules, judged on a run's own numbers
 *   report.c    report.html and report.md
 *   compare.c   two runs side by side
 *   plot.c      the charts, through gnuplot
 *
 * Uses base/; never includes measure/ (a results folder is the whole
 * interface between the two).
 */
#ifndef CONCBENCH_ANALYSIS_H
#define CONCBENCH_ANALYSIS_H

#if defined(CB_LAYER_BASE) || defined(CB_LAYER_MEASURE)
#error "analysis.h: base/ and measure/ must not include the analysis layer"
#endif

#include <stddef.h>

#include "../base/base.h"

/* ---- summary.c: reading a finished run back: summary.csv, fits.csv and the
 * few manifest facts the charts, the report and compare need.
 *
 * One reader for all of them, so a chart and the verdict beside it can never
 * disagree about which rows they used. Rows keep summary.csv's order (the
 * order the run matrix ran).
 */

/* One summary.csv row (see H_SUMMARY_HEADER in base.h). min and max fall
 * back to the median when the file leaves them empty; cov is NaN when empty. */
struct h_srow {
	char *runtime, *workload, *params, *metric, *unit;
	long n;
	double median, min, max, cov;
	int noisy;
};

/* One fits.csv row: metric = slope × tasks + intercept over a task sweep. */
struct h_fitrow {
	char *runtime, *workload, *params, *metric, *unit;
	long n;
	double slope, intercept, r2;
};

struct h_summary {
	struct h_srow *rows;
	size_t n;
	struct h_fitrow *fits; /* empty when DIR has no fits.csv */
	size_t nfits;
	int ncpus; /* CPUs the run was bound to (manifest run_pus), 0 unknown */
};

/* Loads DIR/summary.csv (required), DIR/fits.csv and DIR/manifest.json
 * (both optional). 0, or a negative errno after one line on stderr naming
 * the file and line. */
int h_summary_load(const char *dir, struct h_summary *s);
void h_summary_free(struct h_summary *s);

/* The value of key in "k=v;k=v": 1 and the text in buf when present, else 0. */
int h_param_str(const char *params, const char *key, char *buf, size_t len);
/* The value of key as a number, or dflt when absent or not a number. */
double h_param_num(const char *params, const char *key, double dflt);
/* A malloc'd copy of params without the keys listed (NULL-terminated). */
char *h_params_without(const char *params, const char *const *keys);

/* Whether every "k=v" of where ("k=v;k=v"; NULL or "": none) is an entry
 * of params. A "k" without "=v" matches nothing. */
int h_params_match(const char *params, const char *where);

/* Rows matching every given field (NULL: any). `where` is "k=v;k=v": each
 * pair must be in the row's params (NULL or "": no constraint). Returns the
 * number of matches; fills out with at most max of them. */
size_t h_summary_find(const struct h_summary *s, const char *runtime, const char *workload,
                      const char *metric, const char *where, const struct h_srow **out,
                      size_t max);
/* The first matching row, or NULL. */
const struct h_srow *h_summary_get(const struct h_summary *s, const char *runtime,
                                   const char *workload, const char *metric, const char *where);
/* The same for fits.csv. */
const struct h_fitrow *h_fit_get(const struct h_summary *s, const char *runtime,
                              const char *workload, const char *metric, const char *where);

/* How many threads a runtime runs tasks on with these params (its row's),
 * by its traits (runtime.h's rt_task_threads): its cpus_param's value, the
 * parameter's default when params lack it, 0 there meaning ncpus; INT64_MAX
 * for a thread per task. 0 when the runtime is not registered or states no
 * traits. */
int64_t h_runtime_threads(const char *runtime, const char *params, int ncpus);
/* How many CPUs it can keep busy at once: h_runtime_threads, at most ncpus,
 * at least 1 (threads ncpus; pool min(workers or ncpus, ncpus); epoll
 * min(loops, ncpus); coro and coro-ucontext 1). */
int h_runtime_parallelism(const char *runtime, const char *params, int ncpus);

/* The cpu workload's efficiency: the row's iters_per_us over what
 * h_runtime_parallelism() CPUs would do at the single-core rate, the best
 * iters_per_us any one-CPU runtime (parallelism 1) reached in the run. NaN
 * when the run has no such baseline. 1.0 means no overhead at all. */
double h_cpu_efficiency(const struct h_summary *s, const struct h_srow *iters_row);

/* ---- verdict.c: the claims of CLAIMS.md judged on a run's own numbers, and
 * the report that shows them (report.c).
 *
 * A rule is a pure function of the loaded summary (summary.h) and a few
 * facts only results.jsonl and the manifest hold (failed cells, the CPUs a
 * cell was bound to, virtual machine or not). It returns the verdict, one
 * line saying why, and every figure it used, so the report can show the
 * figures beside the verdict and a test can check a rule without files.
 */

enum h_verdict {
	H_VERDICT_NO_DATA,   /* the run lacks what the rule needs */
	H_VERDICT_HOLDS,
	H_VERDICT_DOES_NOT_HOLD,
	H_VERDICT_DEPENDS,   /* the reason says on what */
};
/* "no data", "holds", "does not hold", "depends". */
const char *h_verdict_name(enum h_verdict v);

/* One non-warm-up cell of results.jsonl: what the summary cannot say
 * (failed cells are in no median) or says only per point (where it ran). */
struct h_cellnote {
	char runtime[32], workload[32];
	char params[256]; /* "k=v;k=v" as summary.csv, then placement=NAME always */
	int ok;
	char error[96];   /* "timeout", "Resource deadlock avoided", … */
	char limit[48];   /* "pool-deadlock", "threads-max", … or "" */
	int ncpus_bound;  /* CPUs of its cpuset (cpus_bound), 0 unknown */
};

struct h_runfacts {
	struct h_cellnote *cells;
	size_t ncells;
	int vm;              /* 1 virtual machine, 0 not, -1 unknown */
	char hypervisor[32]; /* "kvm", or "" */
};

/* Reads DIR/results.jsonl (absent: no cells) and the manifest's virtual
 * machine fields. 0, or a negative errno (-ENOMEM; -EINVAL for a line that
 * is not JSON, after one line on stderr). Free with h_runfacts_free. */
int h_runfacts_load(const char *dir, struct h_runfacts *f);
void h_runfacts_free(struct h_runfacts *f);

/* A figure a rule used: a summary row, or a value derived from rows (then
 * n is 0 and min and max equal the value). */
#define H_VFIG_MAX 40
struct h_vfig {
	char what[160]; /* "threads pingpong, same-core: ns per switch" */
	char unit[24];
	double median, min, max;
	long n;
	int noisy;
	char ref[96];   /* the literature's figure for it, "" none */
};

struct h_vresult {
	enum h_verdict verdict;
	char reason[640]; /* one line: "depends: pool caps at workers=2 …" */
	char need[256];   /* with missing data: the command that produces it
	                   * ("" = the claim's own command) */
	int nfig;
	struct h_vfig fig[H_VFIG_MAX];
};

/* f may be NULL (no results.jsonl, no manifest). */
typedef void (*h_rule_fn)(const struct h_summary *s, const struct h_runfacts *f,
                          struct h_vresult *out);

struct h_rule {
	const char *id;    /* "C1" … "C12", as CLAIMS.md */
	h_rule_fn fn;
	const char *words; /* the rule as the report states it */
};
extern const struct h_rule h_rules[]; /* ends at id == NULL */
const struct h_rule *h_rule_find(const char *id);

void h_rule_c1(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c2(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c3(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c4(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c5(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c6(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c7(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c8(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c9(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c10(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c11(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c12(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);

/* Memory per waiting task of one runtime on sleep, user + kernel, in KiB:
 * the fits.csv slopes, else the per-task figures at the largest tasks.
 * Fills src with where it came from; NaN when the run has neither. */
double h_mem_per_task(const struct h_summary *s, const char *runtime, char *src, size_t len);

/* ---- report.c ---- */

/* `concbench report DIR` (argv[0] is "report"): the exit status. */
int h_cmd_report(int argc, char **argv);
/* Writes DIR/report.html and DIR/report.md (drawing DIR/plots/ first when
 * charts are missing). 0 or a negative errno, after one line on stderr. */
int h_report_write(const char *dir);

/* ---- plot.c ---- */

/* plot.c: reads DIR/summary.csv and draws DIR/plots/<chart>.svg and .png with
 * the gnuplot scripts under plots/ (found at CB_SOURCE_DIR/plots, or
 * $CONCBENCH_PLOTS). Prints one line per chart written. 0 or a negative errno;
 * a missing gnuplot is -ENOENT with a message naming the package. */
int h_plot(const char *dir);
/* Runs `gnuplot -e "datafile='DAT'; outfile='OUT'; fmt='FMT'" SCRIPT` (the
 * convention of plots/common.gp) and checks OUT was written, removing it
 * otherwise. 0, -ENOENT without gnuplot, -EINVAL for a path gnuplot's -e
 * cannot quote, -EIO when gnuplot fails; one line on stderr for each. */
int h_gnuplot_draw(const char *script, const char *dat, const char *out, const char *fmt);

/* ---- compare.c ---- */

/* compare.c: `concbench compare DIR1 DIR2 [--out DIR]` (argv[0] is
 * "compare"); returns the exit status. */
int h_cmd_compare(int argc, char **argv);

#endif
