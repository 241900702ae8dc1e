/* verdict.h — the claims of CLAIMS.md judged on a run's own numbers, and
 * the report that shows them (report.c).
 *
 * A rule is a pure function of the loaded summary (summary.h) and a few
 * facts only results.jsonl and the manifest hold (failed cells, the CPUs a
 * cell was bound to, virtual machine or not). It returns the verdict, one
 * line saying why, and every figure it used, so the report can show the
 * figures beside the verdict and a test can check a rule without files. */
#ifndef CONCBENCH_VERDICT_H
#define CONCBENCH_VERDICT_H

#include <stddef.h>

#include "summary.h"

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

/* A figure as the report prints it: 3 significant digits, no exponent
 * below 10^7 ("0.0186", "18.6", "1863", "123457"), a whole number as one
 * ("3"). Returns buf. */
char *h_fmt_num(char *buf, size_t len, double v);

/* ---- report.c ---- */

/* `concbench report DIR` (argv[0] is "report"): the exit status. */
int h_cmd_report(int argc, char **argv);
/* Writes DIR/report.html and DIR/report.md (drawing DIR/plots/ first when
 * charts are missing). 0 or a negative errno, after one line on stderr. */
int h_report_write(const char *dir);

#endif
