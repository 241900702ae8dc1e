/* summary.h — reading a finished run back: summary.csv, fits.csv and the
 * few manifest facts the charts, the report and compare need.
 *
 * One reader for all of them, so a chart and the verdict beside it can never
 * disagree about which rows they used. Rows keep summary.csv's order (the
 * order the run matrix ran). */
#ifndef CONCBENCH_SUMMARY_H
#define CONCBENCH_SUMMARY_H

#include <stddef.h>

/* One summary.csv row (see H_SUMMARY_HEADER in harness.h). min and max fall
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

/* How many CPUs a runtime can keep busy at once with these params (its row's
 * params): threads ncpus; pool min(workers or ncpus, ncpus); epoll min(loops,
 * ncpus); coro and coro-ucontext 1. The harness is the one place that may
 * know runtimes by name; this is where that knowledge lives. */
int h_runtime_parallelism(const char *runtime, const char *params, int ncpus);

/* The cpu workload's efficiency: the row's iters_per_us over what
 * h_runtime_parallelism() CPUs would do at the single-core rate, the best
 * iters_per_us any one-CPU runtime (parallelism 1) reached in the run. NaN
 * when the run has no such baseline. 1.0 means no overhead at all. */
double h_cpu_efficiency(const struct h_summary *s, const struct h_srow *iters_row);

#endif
