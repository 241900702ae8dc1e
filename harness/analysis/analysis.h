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
	double ci_lo, ci_hi; /* the median's 95% interval; NaN when not known (n < 2, older runs) */
	double *rep;         /* its repetitions from results.jsonl (a ratio's interval
	                      * resamples them); NULL, nrep 0 without that file */
	int nrep;
};

/* The repetitions behind each median: results.jsonl's values of every ok,
 * non-warm-up cell, keyed as summary rows are (an interval and a rank test
 * need every repetition, which summary.csv does not keep). */
struct h_rep {
	char *key;         /* "runtime\037workload\037params\037metric" */
	const char *place; /* the cell's placement (shared by a line's values) */
	double v;
};

struct h_reps {
	struct h_rep *v;
	size_t n, cap;
	char **places; /* one string per line, freed with the store */
	size_t np, pcap;
	int found;     /* the run has a results.jsonl */
};

/* Loads dir/results.jsonl's values. A missing file is no error (found 0);
 * a line that is not JSON is, unless it is the last one (a run killed
 * mid-write). 0 or a negative errno, after one line on stderr. */
int h_reps_load(const char *dir, struct h_reps *r);
void h_reps_free(struct h_reps *r);
/* The reps of summary row s into out (at most max): the number found. */
#define H_REPS_MAX 4096
int h_reps_of(const struct h_reps *r, const struct h_srow *s, double *out, int max);

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

/* What a percentile row (p99_us, light_p999_us, …) may be called: its
 * percentile's name ("p99", "p99.9") when the fewest samples of its
 * repetitions (the samples, light_samples or heavy_samples row at its
 * point; requests in runs from before those) reach h_pct_min_samples,
 * else "max": fewer samples make it the maximum. Fills name, *p (in
 * percent) and *samples (NaN unknown: then the name, as before). Returns
 * 1 named, 0 max, -1 not a percentile row. */
int h_pct_name(const struct h_summary *s, const struct h_srow *r, char *name, size_t len,
               double *p, double *samples);

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
/* That single-core baseline's row (its repetitions give an efficiency its
 * interval); NULL without one. */
const struct h_srow *h_cpu_baseline(const struct h_summary *s);

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
	H_VERDICT_INCONCLUSIVE, /* a deciding figure's 95% interval straddles its
	                         * threshold, and which side it falls on changes
	                         * the verdict; the reason says how many reps
	                         * would likely settle it */
};
/* "no data", "holds", "does not hold", "depends", "inconclusive". */
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
	double ci_lo, ci_hi; /* the median's 95% interval; NaN when unknown */
	long n;
	int noisy;
	char ref[96];   /* the literature's figure for it, "" none */
};

/* A close call: a deciding figure whose 95% interval straddles the
 * threshold it was compared with. */
struct h_vclose {
	char what[160];
	double v, lo, hi, thr;
	double thr_lo, thr_hi; /* the threshold's own interval when it is a figure too */
	long n;    /* the repetitions behind it (the fewer side's) */
	long reps; /* about how many would likely settle it, 0: not likely to */
};
#define H_VCLOSE_MAX 8

struct h_vresult {
	enum h_verdict verdict;
	char reason[1024]; /* one line: "depends: pool caps at workers=2 …" (C15 gives two arms
	                   * and an interval note: over 640 characters) */
	char need[256];   /* with missing data: the command that produces it
	                   * ("" = the claim's own command) */
	int nfig;
	struct h_vfig fig[H_VFIG_MAX];
	int nclose; /* the close calls the rule met (whether they changed it or not) */
	struct h_vclose close[H_VCLOSE_MAX];
};

/* Where the interval [lo, hi] of a figure lies against thr: 1 entirely at or
 * above, -1 entirely below, 0 straddling. An unknown (NaN) interval: the
 * point v's side, never 0. */
int h_interval_side(double v, double lo, double hi, double thr);
/* Settling a straddle: the interval's half-width on the threshold's side
 * shrinks as sqrt(n / n'), so the reps n' at which it would clear thr
 * are about n × (half-width / |v - thr|)². 0 when that is beyond
 * H_SETTLE_MAX_REPS (the figure sits on the threshold). */
#define H_SETTLE_MAX_REPS 200
long h_reps_to_settle(double v, double lo, double hi, double thr, long n);

/* f may be NULL (no results.jsonl, no manifest). */
typedef void (*h_rule_fn)(const struct h_summary *s, const struct h_runfacts *f,
                          struct h_vresult *out);

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
void h_rule_c13(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c14(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c15(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);
void h_rule_c16(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o);

/* Memory per waiting task of one runtime on sleep, user + kernel, in KiB:
 * the fits.csv slopes, else the per-task figures at the largest tasks.
 * Fills src with where it came from; NaN when the run has neither. */
double h_mem_per_task(const struct h_summary *s, const char *runtime, char *src, size_t len);

/* ---- claims.c: the claims of CLAIMS.md, one table ----
 *
 * Each claim is one entry: what the report says about it, the rule that
 * judges it (verdict.c) and the rule in words. Every threshold a rule
 * compares against is a named constant below, written once: the rule
 * compares with it, and its words and figure labels print it.
 */

/* C1: async for I/O, threads for CPU. */
#define H_C1_CPU_RATIO 1.3   /* threads or pool over a loop per CPU, equal CPUs, cpu: at least */
#define H_C1_IO_RATIO 0.9    /* threads over best async, server CPU per request, else best
                              * async over threads, echo or http throughput: at least */
#define H_C1_SLEEP_RATIO 1.5 /* best async over threads, sleep elapsed: at most */
/* C2: concurrent waits overlap: elapsed at most SLACK × ms + OVERHEAD ms. */
#define H_C2_SLACK 1.5
#define H_C2_OVERHEAD_MS 20
/* C3: a heavy step stalls its executor. */
/* Excess: a runtime's light p99 at heavy_us less its own at heavy_us=0. */
#define H_C3_STALL 2          /* a single executor's excess over threads': at least */
#define H_C3_STALL_HEAVY 0.25 /* and over heavy_us: at least (every one under: does not hold) */
/* C4: thread-per-connection and many connections. */
#define H_C4_DROP 0.7        /* threads over their peak or the best async: at most */
#define H_C4_NEAR 0.1        /* within this fraction of both: does not hold */
#define H_C4_C10K 10000      /* conns below this are short of the C10k regime */
/* C5: a thread switch against Bendersky 2018, within a factor BAND. */
#define H_C5_PINNED_LO_NS 1200
#define H_C5_PINNED_HI_NS 1500
#define H_C5_UNPINNED_NS 2200
#define H_C5_BAND 2.0
#define H_C5_VM_FAR 3        /* a cross-core over same-core switch worth a note on a VM */
/* C6: R_e threads over async per switch on events, R_p on pipes. */
#define H_C6_EVENTS_MIN 3    /* R_e: at least */
#define H_C6_PIPES_MAX 3     /* R_p: at most */
#define H_C6_CONVERGE 3      /* R_p at most R_e / this */
/* C7: memory per waiting task, KiB. */
#define H_C7_THREAD_MIN_KIB 8
#define H_C7_EPOLL_MAX_KIB 1
#define H_C7_NOT_RATIO 2     /* threads at most this × epoll: does not hold */
/* C8: thread-per-core: loops=N over one loop and over threads. */
#define H_C8_WIN 1.1         /* at least, both: holds */
#define H_C8_LOSE 1.0        /* at most, both: does not hold */
/* C9: a single executor's timer lateness over threads' during direct reads. */
#define H_C9_LATE 10         /* at least (and one timer period): holds */
#define H_C9_NOT 2           /* at most: does not hold */
#define H_C9_TICKS 1000      /* ticks each for the p99; fewer: the latest tick */
/* C10: cpu efficiency. */
#define H_C10_EFF 0.5        /* the smallest work reaching it is compared */
#define H_C10_POOL_EFF 0.8   /* the pool at the largest work: at least */
/* C11: coro against coro-ucontext. */
#define H_C11_CORO_MAX_NS 50
#define H_C11_RATIO 5        /* ucontext over coro: at least */
#define H_C11_NOT_RATIO 2    /* below: does not hold */
/* C12: a pool's p99 beyond its workers over within. */
#define H_C12_P99_RATIO 5
/* C13: work stealing against a loop per CPU, cpu makespan at equal CPUs. */
#define H_C13_SKEW_WIN 1.1   /* skewed: the loops' makespan over stealing's, at least */
#define H_C13_EVEN_NEAR 1.05 /* even: the loops' makespan over stealing's, at most */
#define H_C13_ECHO_KEEP 1.0  /* skewed echo: stealing's throughput over the loops', at least */
/* C14: io_uring against epoll, server CPU per request at equal loops. */
#define H_C14_CPU_WIN 1.1    /* epoll's over uring's: at least (holds) */
#define H_C14_CPU_LOSE 1.0   /* at most: does not hold */
/* C15: offload (mixed offload=1) against the inline step, light p99 over
 * the same arm's heavy_us=0 baseline. */
#define H_C15_NEAR 2         /* offloaded: at most (and inline: more) */
/* C16: creating a task (sleep, run() start to every task waiting), per task. */
#define H_C16_THREAD_MIN_US 10 /* threads: at least (tens of µs) */
#define H_C16_ASYNC_MAX_US 1   /* the cheapest async runtime: at most (well under one) */

/* How the words print a threshold. */
enum h_thr_form {
	H_THR_NUM,    /* shortest: 1.3, 20, 0.6 */
	H_THR_ONE_DP, /* one decimal always: 1.0 */
	H_THR_WORD,   /* a fraction in words: 0.5 "half" (any other as a percentage, "60%") */
};

struct h_threshold {
	const char *name; /* "{name}" in the words stands for it */
	double value;     /* a constant above, or one derived from them, in the words' unit */
	enum h_thr_form form;
};

#define H_NCLAIMS 16
#define H_CLAIM_THR_MAX 10
#define H_TFIG_MAX 10

/* A figure a claim's takeaway names, found in the run's summary (teach.c):
 * the row of runtime × workload × metric matching where ("k=v;k=max;k=min":
 * max and min pick the largest and smallest value the matching rows have;
 * a key no row has is no constraint); metric "mem_per_task" is
 * h_mem_per_task. With op, a figure computed from two named before it:
 * '/' a over b (a ratio), '-' a less b; 'l' a over lit, the literature's
 * figure in a's unit. */
struct h_tfig {
	const char *name; /* {name} in the claim's templates */
	const char *runtime, *workload, *metric, *where;
	char op;
	const char *a, *b;
	double lit;
};

/* A term of the report's glossary; forms: as struct h_doc_term's. */
struct h_gloss {
	const char *id, *term, *forms, *meaning;
};
extern const struct h_gloss h_glossary[];
extern const int h_nglossary;

/* A source the claims cite: linked by name, never quoted. */
struct h_source {
	const char *id, *cite, *url;
};
extern const struct h_source h_sources[];
const struct h_source *h_source_find(const char *id);

/* A parameter value that means more than its digits: the report prints
 * the meaning ("one worker per server CPU: 1 here"), never a bare default
 * zero. {cpus} is the CPUs the cell had, {stack} RLIMIT_STACK, {K} the
 * value of parameter K at the same point. */
struct h_param_meaning {
	const char *key, *value, *meaning;
};
extern const struct h_param_meaning h_param_meanings[];

struct h_claim {
	const char *id;         /* "C1" … "C16", as CLAIMS.md */
	const char *title;      /* a few words, for the first page */
	const char *text;       /* the claim, as CLAIMS.md words it (README lists it too) */
	const char *question;   /* what the section answers */
	const char *experiment; /* how this suite tests it */
	const char *workloads;  /* whose parameters the section lists */
	const char *charts;     /* chart names under DIR/plots */
	const char *refs;       /* the literature's figures, "" none */
	const char *note;       /* one more thing the reader needs, "" none */
	const char *command;    /* a run that produces the data */
	h_rule_fn rule;
	const char *words;      /* the rule as the report states it, {name} for thresholds */
	struct h_threshold thr[H_CLAIM_THR_MAX]; /* ends at name == NULL */
	/* What a reader takes away (teach.c fills {name} from figs, {name@key}
	 * with the parameter key of name's row, {name@key:unit} in plain
	 * units, {server_cpus}, {agrees}): what this run measured, in one
	 * line, and why, in one more. A figure the run lacks: the takeaway
	 * says so instead. */
	const char *takeaway, *why;
	const char *caveat_vm;  /* shown on a virtual machine, "" none */
	const char *caveat_cpu; /* shown when the server had one CPU, "" none */
	const char *sources;    /* ids of h_sources, comma-separated */
	const char *agree;      /* where the run meets its sources, a template */
	const char *predict;    /* a question to answer before running command */
	struct h_tfig figs[H_TFIG_MAX]; /* ends at name == NULL */
};
extern const struct h_claim h_claims[H_NCLAIMS];
/* The claim with this id, or NULL. */
const struct h_claim *h_claim_find(const char *id);
/* Whether runtime is one of the five C1-C12 were written about (threads,
 * pool, epoll, coro, coro-ucontext): their rules judge these rows only, so
 * a newer runtime or a production library (uv, omp) in the same run never
 * changes their verdicts, and the report sets it beside them instead. */
int h_claims_runtime(const char *runtime);
/* A threshold value as the words print it. */
char *h_fmt_threshold(char *buf, size_t len, double v, enum h_thr_form form);
/* The claim's words with every {name} replaced by its threshold: 0, -EINVAL
 * for a name the entry lacks or a '{' without '}', -ENOSPC when len is short. */
int h_claim_words(const struct h_claim *c, char *buf, size_t len);

/* ---- teach.c: the claims' templates filled from a run ---- */

/* What a template's globals stand for in this run. */
struct h_teach_env {
	int server_cpus;         /* 0 unknown */
	enum h_verdict verdict;  /* {agrees}: agrees, disagrees, agrees in part, cannot say */
};
/* c's template t with every {…} filled from the run: 0; 1 when a figure it
 * names is not in the run (missing then says which, buf is unusable);
 * -EINVAL for a name the claim lacks, -ENOSPC when len is short. */
int h_teach_fill(const struct h_claim *c, const struct h_summary *s,
                 const struct h_teach_env *env, const char *t, char *buf, size_t len,
                 char *missing, size_t mlen);
/* A figure in plain units: ns, µs, ms or s by its size; KiB to MiB and
 * GiB, bytes under 1 KiB; a fraction as a percentage; "×" for a ratio;
 * thousands separated. */
char *h_fmt_plain(char *buf, size_t len, double v, const char *unit);

/* ---- report.c ---- */

/* Before minutes of plotting: 0 when DIR/report.html and DIR/report.md can
 * be written (by making the file each is written through), else H_REPORTED
 * after one line on stderr. */
int h_report_writable(const char *dir);
/* Writes DIR/report.html and DIR/report.md (drawing DIR/plots/ first when
 * charts are missing). 0 or a negative errno, after one line on stderr. */
int h_report_write(const char *dir);
/* Writes DIR/slides/c1.html … c12.html: per claim one self-contained page
 * for a projector (its takeaway and verdict, one chart, three figures). 0
 * or a negative errno, after one line on stderr. */
int h_report_slides(const char *dir);

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
/* The timelines of `concbench trace`: for each DIR/trace/NAME.csv, writes
 * DIR/plots/trace_NAME.dat (NAME's '-' between runtime and workload made
 * '_') and draws its .svg and .png with plots/trace.gp: a row per task,
 * bars by state (running, waiting, woken but not yet running), x in us.
 * 0 (also with no trace folder) or a negative errno after the message. */
int h_plot_traces(const char *dir);
/* The colour ("#rrggbb") every chart draws runtime's series in: one table
 * in plot.c, a stable spare colour (by a hash of the name) for a runtime
 * the table lacks. */
const char *h_plot_colour(const char *runtime);
/* The charts named in names (comma-separated) drawn again for a projector
 * (common.gp's slide=1: larger type and lines) as DIR/slides/charts/NAME.svg;
 * as h_plot otherwise. */
int h_plot_slides(const char *dir, const char *names);

/* ---- compare.c ---- */

/* compare.c: runs dir[1..n) each against run dir[0], results folders with
 * a summary.csv each; writes compare.csv, .json, .md, .html, .svg and .png
 * into out (NULL: dir[n-1]/compare-<name of dir[0]>). The exit status: 0
 * ok; 1 a summary could not be read, an output not written, or (fail_pct
 * not NaN) a significant headline figure worse than the first run's by more
 * than fail_pct percent; 2 a summary.csv that is not concbench's. */
#define H_COMPARE_MAX_RUNS 8
#define H_COMPARE_ALPHA 0.05 /* the Mann-Whitney p below which a difference counts */
struct h_compare_opts {
	const char *dir[H_COMPARE_MAX_RUNS];
	int n;
	const char *out;
	double fail_pct; /* --fail-if-worse, NaN: no gate */
};
int h_compare(const struct h_compare_opts *o);

#endif
