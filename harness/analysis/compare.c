/* compare.c — `concbench compare A B [C ...] [--out DIR] [--fail-if-worse PCT]`:
 * runs side by side.
 *
 * Two machines, two commits, two kernels: the same runtime × workload ×
 * params × metric row in A/summary.csv and B/summary.csv, the two medians,
 * their ratio B/A, and whether the difference is beyond the noise. Writes
 * into --out (default B/compare-<basename of A>/):
 *
 *   compare.csv         one row per row present in both runs (per later run)
 *   compare.json        every row, with interval, p and verdict (SCHEMA.md)
 *   compare.md, .html   the two environments, then ratio tables per workload,
 *                       headline metrics first; rows only in one run listed
 *   compare.dat         the chart's data (readable on its own)
 *   compare.svg, .png   headline ratios as bars on a log axis centred at 1
 *
 * Beyond the noise means, when both folders hold results.jsonl: a two-sided
 * Mann-Whitney U test over the two rows' repetitions gives p < 0.05 (ranks:
 * no assumption about the shape, one wild rep moves it by one rank), and the
 * ratio gets a 95% interval by a seeded bootstrap over both sides' reps.
 * With a summary.csv alone: the min–max ranges of the reps do not overlap,
 * neither row is flagged noisy (cov > 10%), and both rows have a spread at
 * all (two reps or more, a finite cov). One rep, or a fits.csv slope
 * repeated in the summary, has no range: any difference could be chance, so
 * it never counts.
 *
 * --fail-if-worse PCT turns it into a gate (exit 1 on a significant headline
 * regression), compare.json carries every row for a program, and more than
 * two runs are each compared with the first.
 *
 * Two runs with no row in common are not an error: every file is written
 * (each run's rows listed as its own), a note goes to stderr, exit status 0.
 * Comparing a run with itself is allowed: every ratio is 1.
 *
 * Both summaries come from the shared reader (summary.h). The other inputs,
 * both optional: each results.jsonl (the repetitions) and manifest.json
 * (the environment table).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"

/* The most bars the chart draws: more would not stay readable at 800 px. */
#define CHART_MAX 30

/* compare.json's version: raised when a field changes meaning or goes
 * (results/SCHEMA.md); new fields keep it. */
#define H_COMPARE_SCHEMA_VERSION 1

/* The metrics a reader looks at first, in this order in every table. */
static const char *const headline[] = {
	"ns_per_switch",  "iters_per_us", "elapsed_ms", "mem_user_kib_per_task",
	"mem_kernel_kib_per_task", "mem_per_task_kib", "throughput_rps", "p99_us",
	"light_p99_us",   "mib_per_s",    NULL,
};

static int headline_index(const char *metric)
{
	for (int i = 0; headline[i]; i++)
		if (strcmp(headline[i], metric) == 0)
			return i;
	return -1;
}

/* ---- which way is better ---- */

enum { DIR_NONE = 0, DIR_LOWER = -1, DIR_HIGHER = 1 };

struct direction {
	int dir;
	const char *better, *worse; /* "faster", "less memory", ... */
};

#define D_TIME { DIR_LOWER, "faster", "slower" }
#define D_RATE { DIR_HIGHER, "faster", "slower" }
#define D_MEM { DIR_LOWER, "less memory", "more memory" }

struct named_direction {
	const char *name; /* a unit or a metric */
	struct direction d;
};

static const struct direction *find_direction(const struct named_direction *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(name, t->name) == 0)
			return &t->d;
	return NULL;
}

/* By unit, as the workloads and the harness write them: times and memory
 * are costs, rates are what a run achieves. Counts (switches, faults,
 * requests) have no better side in general — fewer context switches can
 * mean less work done — so they only say higher or lower. */
static struct direction direction_of(const char *metric, const char *unit)
{
	static const struct named_direction units[] = {
		{ "ns", D_TIME },    { "us", D_TIME },      { "ms", D_TIME },    { "KiB", D_MEM },
		{ "req/s", D_RATE }, { "iter/us", D_RATE }, { "MiB/s", D_RATE }, { NULL, { 0 } },
	};
	/* A headline metric under an unexpected unit (a hand-edited file)
	 * still knows its side from its name. */
	static const struct named_direction names[] = {
		{ "ns_per_switch", D_TIME },
		{ "elapsed_ms", D_TIME },
		{ "p99_us", D_TIME },
		{ "light_p99_us", D_TIME },
		{ "mem_user_kib_per_task", D_MEM },
		{ "mem_kernel_kib_per_task", D_MEM },
		{ "mem_per_task_kib", D_MEM },
		{ "iters_per_us", D_RATE },
		{ "throughput_rps", D_RATE },
		{ "mib_per_s", D_RATE },
		{ NULL, { 0 } },
	};
	const struct direction *d = find_direction(units, unit);
	if (!d)
		d = find_direction(names, metric);
	return d ? *d : (struct direction){ DIR_NONE, "higher", "lower" };
}

/* ---- matching ---- */

/* How a pair of rows came out. */
enum verdict {
	V_BETTER = 1, /* beyond noise, B on the better side */
	V_WORSE,      /* beyond noise, B on the worse side */
	V_NOISE,      /* not beyond noise (or the same) */
	V_CHANGED,    /* beyond noise, a metric with no better side */
	V_ONLY,       /* in one run only */
};

struct crow {
	const struct h_srow *a, *b; /* one may be NULL: only in the other run */
	double ratio;               /* b/a; NaN when not meaningful */
	int sig;                    /* beyond the noise */
	enum verdict v;
	const char *why;            /* not beyond noise: why */
	struct direction d;
	int hl;                     /* headline_index, -1 when not one */
	size_t pos;                 /* order: A's rows, then B's own */
	/* From each run's results.jsonl, when both have the row's reps: */
	int na, nb;                 /* repetitions found (0: none, the ranges rule) */
	double lo, hi;              /* the ratio's bootstrap interval, NaN none */
	double p;                   /* Mann-Whitney two-sided p, NaN not tested */
	int regress;                /* worse beyond --fail-if-worse */
	int run;                    /* the run compared with the first: 1.. */
	char whybuf[32];            /* "p = 0.42" */
};

static const struct h_srow *row_of(const struct crow *c)
{
	return c->a ? c->a : c->b;
}

static int key_cmp(const struct h_srow *x, const struct h_srow *y)
{
	int c = strcmp(x->runtime, y->runtime);
	if (!c)
		c = strcmp(x->workload, y->workload);
	if (!c)
		c = strcmp(x->params, y->params);
	if (!c)
		c = strcmp(x->metric, y->metric);
	return c;
}

/* Equal keys keep file order (rows live in one array), so duplicates, which
 * a summary should never hold, pair first with first. */
static int ptr_key_cmp(const void *p, const void *q)
{
	const struct h_srow *x = *(const struct h_srow *const *)p;
	const struct h_srow *y = *(const struct h_srow *const *)q;
	int c = key_cmp(x, y);
	return c ? c : (x > y) - (x < y);
}

static const struct h_srow **sorted_rows(const struct h_summary *s)
{
	const struct h_srow **v = malloc((s->n ? s->n : 1) * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		v[i] = &s->rows[i];
	qsort(v, s->n, sizeof *v, ptr_key_cmp);
	return v;
}


static void judge(struct crow *c, const struct h_reps *ra, const struct h_reps *rb, double *va,
                  double *vb)
{
	c->ratio = c->lo = c->hi = c->p = NAN;
	c->na = c->nb = 0;
	c->sig = 0;
	c->why = NULL;
	const struct h_srow *r = row_of(c);
	c->d = direction_of(r->metric, r->unit);
	c->hl = headline_index(r->metric);
	if (!c->a || !c->b) {
		c->v = V_ONLY;
		return;
	}
	const struct h_srow *a = c->a, *b = c->b;
	c->v = V_NOISE;
	if (strcmp(a->unit, b->unit) != 0) {
		c->why = "units differ";
		return;
	}
	if (!isfinite(a->median) || !isfinite(b->median)) {
		c->why = "no value";
		return;
	}
	/* A ratio of a positive and a negative (a memory delta below the
	 * resolution) says nothing; equal medians are 1 whatever their sign. */
	if (a->median == b->median)
		c->ratio = 1;
	else if (a->median > 0 && b->median > 0)
		c->ratio = b->median / a->median;
	/* With every rep of both rows at hand, the rank test decides and the
	 * bootstrap gives the ratio's interval; without them (a summary.csv
	 * alone), the min-max ranges must not overlap. */
	if (ra && rb) {
		c->na = h_reps_of(ra, a, va, H_REPS_MAX);
		c->nb = h_reps_of(rb, b, vb, H_REPS_MAX);
		if (c->na < 2 || c->nb < 2)
			c->na = c->nb = 0;
	}
	if (c->na) {
		struct h_ci ci;
		if (h_boot_ratio_ci(vb, c->nb, va, c->na, &ci) == 0 && isfinite(c->ratio))
			c->lo = ci.lo, c->hi = ci.hi;
		h_mann_whitney(va, c->na, vb, c->nb, &c->p);
	}
	if (a->median == b->median)
		c->why = "same";
	else if (c->na) {
		if (!(c->p < H_COMPARE_ALPHA)) {
			snprintf(c->whybuf, sizeof c->whybuf, "p = %.2g", c->p);
			c->why = c->whybuf;
		}
	} else if (a->n < 2 || b->n < 2 || !isfinite(a->cov) || !isfinite(b->cov))
		c->why = "no spread";
	else if (a->noisy || b->noisy)
		c->why = "noisy";
	else if (!(a->max < b->min || b->max < a->min))
		c->why = "ranges overlap";
	if (c->why)
		return;
	c->sig = 1;
	int up = b->median > a->median;
	if (c->d.dir == DIR_NONE)
		c->v = V_CHANGED;
	else
		c->v = (up == (c->d.dir == DIR_HIGHER)) ? V_BETTER : V_WORSE;
}

struct cmp {
	struct crow *rows;
	size_t n;
	size_t both, only_a, only_b, better, worse, changed;
};

/* Pairs the rows of a and b by key in O(n log n): a big sweep has tens of
 * thousands of rows. Order: A's rows as A lists them, then B's own. */
static int match(const struct h_summary *a, const struct h_summary *b, const struct h_reps *ra,
                 const struct h_reps *rb, struct cmp *m)
{
	memset(m, 0, sizeof *m);
	if (!ra->found || !rb->found)
		ra = rb = NULL;
	double *va = malloc(H_REPS_MAX * sizeof *va), *vb = malloc(H_REPS_MAX * sizeof *vb);
	const struct h_srow **sa = sorted_rows(a), **sb = sorted_rows(b);
	const struct h_srow **pair = calloc(a->n ? a->n : 1, sizeof *pair);
	char *taken = calloc(b->n ? b->n : 1, 1);
	m->rows = calloc(a->n + b->n ? a->n + b->n : 1, sizeof *m->rows);
	int err = 0;
	if (!sa || !sb || !pair || !taken || !m->rows || !va || !vb) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0, j = 0; i < a->n && j < b->n;) {
		int c = key_cmp(sa[i], sb[j]);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			pair[sa[i] - a->rows] = sb[j];
			taken[sb[j] - b->rows] = 1;
			i++, j++;
		}
	}
	for (size_t i = 0; i < a->n; i++) {
		struct crow *c = &m->rows[m->n];
		c->a = &a->rows[i];
		c->b = pair[i];
		c->pos = m->n++;
		judge(c, ra, rb, va, vb);
	}
	for (size_t j = 0; j < b->n; j++) {
		if (taken[j])
			continue;
		struct crow *c = &m->rows[m->n];
		c->b = &b->rows[j];
		c->pos = m->n++;
		judge(c, ra, rb, va, vb);
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct crow *c = &m->rows[i];
		m->both += c->a && c->b;
		m->only_a += !c->b;
		m->only_b += !c->a;
		m->better += c->v == V_BETTER;
		m->worse += c->v == V_WORSE;
		m->changed += c->v == V_CHANGED;
	}
out:
	free(va);
	free(vb);
	free(sa);
	free(sb);
	free(pair);
	free(taken);
	if (err) {
		free(m->rows);
		m->rows = NULL;
	}
	return err;
}

/* ---- manifest.json: the environment of each run ---- */

struct env {
	int found;
	char created[64], commit[64], build[64], host[128], cpu[160], topo[160];
	char release[128], machine[32], vm[16], hyper[64], container[64], cmd[600];
};

/* A copy cut to fit: a manifest field longer than its cell is cut. */
static void put(char *dst, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int env_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct env *e = ctx;
	if (t == H_JNULL)
		return 0;
#define ENV_FIELD(path, f) { path, offsetof(struct env, f), sizeof(((struct env *)0)->f) }
	static const struct {
		const char *path;
		size_t off, len;
	} fields[] = {
		ENV_FIELD("created", created),
		ENV_FIELD("git_commit", commit),
		ENV_FIELD("build_type", build),
		ENV_FIELD("hostname", host),
		ENV_FIELD("cpu.model", cpu),
		ENV_FIELD("topology.summary", topo),
		ENV_FIELD("kernel.release", release),
		ENV_FIELD("kernel.machine", machine),
		ENV_FIELD("virtualization.virtual_machine", vm),
		ENV_FIELD("virtualization.hypervisor", hyper),
		ENV_FIELD("virtualization.container", container),
	};
#undef ENV_FIELD
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strcmp(path, fields[i].path)) {
			put((char *)e + fields[i].off, fields[i].len, s);
			return 0;
		}
	if (!strncmp(path, "command_line.", 13)) {
		/* Joined with spaces; a very long line is cut, marked "...". */
		size_t n = strlen(e->cmd), room = sizeof e->cmd - 4;
		if (n < room) {
			snprintf(e->cmd + n, sizeof e->cmd - n, "%s%s", n ? " " : "", s);
			if (strlen(e->cmd) >= room)
				strcpy(e->cmd + room, "...");
		}
	}
	return 0;
}

/* A missing or unreadable manifest leaves the table's cells "unknown":
 * the summaries are what is compared, the manifest only describes. */
static void env_read(const char *dir, struct env *e)
{
	memset(e, 0, sizeof *e);
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/manifest.json", dir) >= (int)sizeof path)
		return;
	if (h_json_walk_file(path, env_cb, e) == 0)
		e->found = 1;
}

/* ---- formatting ---- */

/* Medians as a reader wants them: whole numbers from 1000 up, four
 * significant digits below. */
static const char *fmt_num(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

static const char *fmt_ratio(double r, char *buf, size_t len)
{
	if (!isfinite(r))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3g", r);
	return buf;
}

/* The ratio and, from the repetitions, its 95% interval: "0.5 (0.48-0.52)". */
static const char *fmt_ratio_ci(const struct crow *c, char *buf, size_t len)
{
	fmt_ratio(c->ratio, buf, len);
	if (isfinite(c->ratio) && isfinite(c->lo) && isfinite(c->hi)) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, " (%.3g-%.3g)", c->lo, c->hi);
	}
	return buf;
}

/* "2.1× slower", "1.3× less memory", "within noise (noisy)". */
static const char *fmt_verdict(const struct crow *c, const char *which_only, char *buf,
                               size_t len)
{
	if (c->v == V_ONLY) {
		snprintf(buf, len, "only in %s", which_only);
		return buf;
	}
	if (!c->sig) {
		if (!strcmp(c->why, "same"))
			snprintf(buf, len, "same");
		else if (!strcmp(c->why, "units differ") || !strcmp(c->why, "no value"))
			snprintf(buf, len, "not compared (%s)", c->why);
		else
			snprintf(buf, len, "within noise (%s)", c->why);
		return buf;
	}
	int up = c->b->median > c->a->median;
	const char *word = c->d.dir == DIR_NONE ? (up ? c->d.better : c->d.worse)
	                   : c->v == V_BETTER   ? c->d.better
	                                        : c->d.worse;
	if (isfinite(c->ratio) && c->ratio > 0) {
		double f = c->ratio >= 1 ? c->ratio : 1 / c->ratio;
		snprintf(buf, len, "%.2f\u00d7 %s", f, word);
	} else {
		snprintf(buf, len, "%s", word);
	}
	return buf;
}

/* ---- the report ---- */

struct ctx {
	const char *dir_a, *dir_b;
	char name_a[160], name_b[160]; /* how the documents name each run */
	struct env env_a, env_b;
	const struct cmp *m;    /* ms[0]: the second run against the first */
	int nruns;              /* 2 or more; ms[k - 1] is run k against run 0 */
	const char *dirs[H_COMPARE_MAX_RUNS];
	char names[H_COMPARE_MAX_RUNS][160];
	struct env envs[H_COMPARE_MAX_RUNS];
	const struct cmp *ms;
	double fail_pct;
	size_t regressions;
	const char *chart_svg;  /* the chart to embed (HTML), or NULL */
	const char *chart_note; /* why there is no chart */
	size_t chart_shown, chart_total;
};

/* A table row of text cells, an empty one shown as a dash; align as for
 * h_doc_table ('r': a number, at most 8 columns), v the verdict the last
 * cell shows (0: a plain cell). */
static void table_row(struct h_doc *d, const char *const *text, const char *align, enum verdict v)
{
	static const char *const vclass[] = { "", "better", "worse", "noise", "changed", "only" };
	struct h_doc_cell c[8];
	int n = (int)strlen(align);
	for (int i = 0; i < n; i++) {
		c[i] = (struct h_doc_cell){ .text = text[i] && text[i][0] ? text[i] : "-" };
		if (align[i] == 'r')
			c[i].cls = "n";
	}
	if (v) {
		c[n - 1].cls = vclass[v];
		c[n - 1].strong = v == V_BETTER || v == V_WORSE || v == V_CHANGED;
	}
	h_doc_row(d, n, c);
}

static void env_rows(struct h_doc *d, const struct ctx *x)
{
	const struct env *e[2] = { &x->env_a, &x->env_b };
	const char *dirs[2] = { x->dir_a, x->dir_b };
	char c[2][700];
	static const char *const al = "lll";
	const char *head[3] = { "", x->name_a, x->name_b };
	h_doc_table(d, NULL, 3, head, al);
	for (int r = 0; r < 9; r++) {
		const char *label = "";
		for (int k = 0; k < 2; k++) {
			const struct env *v = e[k];
			const char *unk = v->found ? "unknown" : "unknown (no manifest.json)";
			switch (r) {
			case 0: label = "folder"; put(c[k], sizeof c[k], dirs[k]); break;
			case 1: label = "created"; put(c[k], sizeof c[k], v->created[0] ? v->created : unk); break;
			case 2:
				label = "CPU";
				if (v->cpu[0] && v->topo[0])
					snprintf(c[k], sizeof c[k], "%s (%s)", v->cpu, v->topo);
				else
					put(c[k], sizeof c[k], v->cpu[0] ? v->cpu : unk);
				break;
			case 3:
				label = "kernel";
				if (v->release[0])
					snprintf(c[k], sizeof c[k], "Linux %s %s", v->release, v->machine);
				else
					put(c[k], sizeof c[k], unk);
				break;
			case 4:
				label = "virtual machine";
				if (!strcmp(v->vm, "true"))
					snprintf(c[k], sizeof c[k], "yes%s%s%s", v->hyper[0] ? " (" : "",
					         v->hyper, v->hyper[0] ? ")" : "");
				else if (!strcmp(v->vm, "false"))
					put(c[k], sizeof c[k], "no");
				else
					put(c[k], sizeof c[k], unk);
				if (v->container[0] && strcmp(v->container, "none") != 0) {
					size_t n = strlen(c[k]);
					snprintf(c[k] + n, sizeof c[k] - n, ", container %s", v->container);
				}
				break;
			case 5:
				label = "commit";
				if (v->commit[0])
					snprintf(c[k], sizeof c[k], "%s%s%s%s", v->commit,
					         v->build[0] ? " (" : "", v->build, v->build[0] ? " build)" : "");
				else
					put(c[k], sizeof c[k], unk);
				break;
			case 6: label = "host"; put(c[k], sizeof c[k], v->host[0] ? v->host : unk); break;
			case 7: label = "command"; put(c[k], sizeof c[k], v->cmd[0] ? v->cmd : unk); break;
			case 8: {
				label = "summary rows";
				const struct cmp *m = x->m;
				snprintf(c[k], sizeof c[k], "%zu (%zu only here)", m->both + (k ? m->only_b : m->only_a),
				         k ? m->only_b : m->only_a);
				break;
			}
			}
		}
		const char *cells[3] = { label, c[0], c[1] };
		table_row(d, cells, al, 0);
	}
	h_doc_end_table(d);
}

static void metric_table(struct h_doc *d, const struct ctx *x, const struct crow *const *rows,
                         size_t n)
{
	static const char *const al = "lllrrrl";
	char ratio_head[400];
	snprintf(ratio_head, sizeof ratio_head, "%s / %s", x->name_b, x->name_a);
	const char *head[7] = { "runtime", "params", "metric (unit)", x->name_a, x->name_b,
		                ratio_head, "verdict" };
	h_doc_table(d, NULL, 7, head, al);
	for (size_t i = 0; i < n; i++) {
		const struct crow *c = rows[i];
		const struct h_srow *r = row_of(c);
		char metric[200], ma[32], mb[32], rt[64], v[256];
		snprintf(metric, sizeof metric, "%s (%s)", r->metric, r->unit);
		const char *cells[7] = {
			r->runtime,
			r->params,
			metric,
			c->a ? fmt_num(c->a->median, ma, sizeof ma) : NULL,
			c->b ? fmt_num(c->b->median, mb, sizeof mb) : NULL,
			fmt_ratio_ci(c, rt, sizeof rt),
			fmt_verdict(c, c->a ? x->name_a : x->name_b, v, sizeof v),
		};
		table_row(d, cells, al, c->v);
	}
	h_doc_end_table(d);
}

static void only_table(struct h_doc *d, const struct crow *const *rows, size_t n)
{
	static const char *const al = "llllr";
	const char *head[5] = { "runtime", "workload", "params", "metric (unit)", "median" };
	h_doc_table(d, NULL, 5, head, al);
	for (size_t i = 0; i < n; i++) {
		const struct h_srow *r = row_of(rows[i]);
		char metric[200], med[32];
		snprintf(metric, sizeof metric, "%s (%s)", r->metric, r->unit);
		const char *cells[5] = { r->runtime, r->workload, r->params, metric,
		                         fmt_num(r->median, med, sizeof med) };
		table_row(d, cells, al, 0);
	}
	h_doc_end_table(d);
}

/* Headline rows by headline order, then as the runs listed them. */
static int cmp_headline(const void *p, const void *q)
{
	const struct crow *x = *(const struct crow *const *)p, *y = *(const struct crow *const *)q;
	if (x->hl != y->hl)
		return x->hl - y->hl;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
static const char html_style[] =
	"</title>\n<style>\n"
	"body { font-family: sans-serif; max-width: 72em; margin: 1em auto; padding: 0 1em;"
	" color: #222; line-height: 1.4; }\n"
	"table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }\n"
	"th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left;"
	" vertical-align: top; }\n"
	"th { background: #f0f0f0; }\n"
	".n { text-align: right; font-variant-numeric: tabular-nums; }\n"
	/* The verdict: colour for the eye, weight and a style for grayscale. */
	"td.better { color: #005a8c; font-weight: bold; }\n"
	"td.worse { color: #a63c00; font-weight: bold; font-style: italic; }\n"
	"td.changed { font-weight: bold; }\n"
	"td.noise, td.only { color: #666; }\n"
	"summary { cursor: pointer; margin: 0.5em 0; }\n"
	"img.chart { max-width: 100%; height: auto; border: 1px solid #ddd; }\n"
	"</style>\n</head>\n<body>\n";

/* The page's head (its title in the browser's tab) and its first heading,
 * in both formats. */
static void doc_begin(struct h_doc *d, const char *title)
{
	fputs(html_head, d->h);
	h_html_esc(d->h, title);
	fputs(html_style, d->h);
	fputs("<h1>", d->h);
	h_html_esc(d->h, title);
	fputs("</h1>\n", d->h);
	fputs("# ", d->m);
	h_md_esc(d->m, title);
	fputs("\n\n", d->m);
}

/* More than two runs: each run's headline figures against the first, one
 * column per run (ratio, interval, verdict); every row is in compare.csv
 * and compare.json. */
static void write_doc_multi(struct h_doc *d, const struct ctx *x)
{
	int nr = x->nruns;
	char title[1200] = "";
	for (int k = 1; k < nr; k++) {
		size_t n = strlen(title);
		snprintf(title + n, sizeof title - n, "%s%s", k > 1 ? ", " : "", x->names[k]);
	}
	size_t tn = strlen(title);
	snprintf(title + tn, sizeof title - tn, " compared with %s", x->names[0]);
	doc_begin(d, title);

	/* The runs. */
	const char *head[H_COMPARE_MAX_RUNS + 4];
	struct h_doc_cell cell[H_COMPARE_MAX_RUNS + 4];
	char al[H_COMPARE_MAX_RUNS + 5];
	char txt[H_COMPARE_MAX_RUNS + 4][400];
	head[0] = "";
	al[0] = 'l';
	for (int k = 0; k < nr; k++)
		head[k + 1] = x->names[k], al[k + 1] = 'l';
	al[nr + 1] = '\0';
	h_doc_table(d, NULL, nr + 1, head, al);
	static const char *const what[] = { "folder", "created", "CPU", "commit", "host" };
	for (int r = 0; r < 5; r++) {
		cell[0] = (struct h_doc_cell){ .text = what[r] };
		for (int k = 0; k < nr; k++) {
			const struct env *e = &x->envs[k];
			const char *v = r == 0 ? x->dirs[k] : r == 1 ? e->created : r == 2 ? e->cpu
			                : r == 3 ? e->commit : e->host;
			put(txt[k], sizeof txt[k], v[0] ? v : "unknown");
			cell[k + 1] = (struct h_doc_cell){ .text = txt[k] };
		}
		h_doc_row(d, nr + 1, cell);
	}
	h_doc_end_table(d);

	h_doc_heading(d, 2, NULL, "How to read it");
	h_doc_p(d, NULL);
	h_doc_text(d, "Each column after %s's median is one run against %s: the ratio of its "
	              "median over %s's, the 95%% interval of that ratio (a seeded bootstrap "
	              "over both runs' repetitions) and the verdict. A difference counts when a "
	              "two-sided Mann-Whitney U test over the repetitions gives p < %g; with a "
	              "summary.csv alone, when the min-max ranges do not overlap. Headline "
	              "metrics only; compare.csv and compare.json hold every row.",
	           x->names[0], x->names[0], x->names[0], H_COMPARE_ALPHA);
	h_doc_end_p(d);
	if (x->chart_note) {
		h_doc_p(d, NULL);
		h_doc_text(d, "No chart: %s.", x->chart_note);
		h_doc_end_p(d);
	} else {
		if (x->chart_svg && h_html_svg_img(d->h, x->chart_svg, "chart", "headline ratios") < 0)
			fputs("<p>(compare.svg could not be read back.)</p>\n", d->h);
		fputs("![headline ratios](compare.svg)\n\n", d->m);
	}

	const struct cmp *m0 = &x->ms[0];
	size_t na = m0->both + m0->only_a;
	const char *wl = NULL;
	int open = 0;
	for (size_t w = 0; w < na; w++) {
		const char *ww = m0->rows[w].a->workload;
		int seen = 0;
		for (size_t j = 0; j < w && !seen; j++)
			seen = !strcmp(m0->rows[j].a->workload, ww);
		if (seen)
			continue;
		wl = ww;
		open = 0;
		for (size_t i = w; i < na; i++) {
			const struct crow *c0 = &m0->rows[i];
			if (strcmp(c0->a->workload, wl) || c0->hl < 0)
				continue;
			if (!open) {
				h_doc_heading(d, 2, NULL, "%s", wl);
				head[0] = "runtime", head[1] = "params", head[2] = "metric (unit)";
				head[3] = x->names[0];
				strcpy(al, "lllr");
				for (int k = 1; k < nr; k++)
					head[3 + k] = x->names[k], al[3 + k] = 'l';
				al[3 + nr] = '\0';
				h_doc_table(d, NULL, 3 + nr, head, al);
				open = 1;
			}
			snprintf(txt[0], sizeof txt[0], "%s (%s)", c0->a->metric, c0->a->unit);
			char med[32];
			cell[0] = (struct h_doc_cell){ .text = c0->a->runtime };
			cell[1] = (struct h_doc_cell){ .text = c0->a->params };
			cell[2] = (struct h_doc_cell){ .text = txt[0] };
			cell[3] = (struct h_doc_cell){ .text = fmt_num(c0->a->median, med, sizeof med),
				                       .cls = "n" };
			static const char *const vclass[] = { "", "better", "worse", "noise", "changed",
				                              "only" };
			for (int k = 1; k < nr; k++) {
				const struct crow *c = &x->ms[k - 1].rows[i];
				char rt[64], v[256];
				if (!c->b)
					snprintf(txt[k], sizeof txt[k], "not in %s", x->names[k]);
				else
					snprintf(txt[k], sizeof txt[k], "%s: %s", fmt_ratio_ci(c, rt, sizeof rt),
					         fmt_verdict(c, x->names[0], v, sizeof v));
				cell[3 + k] = (struct h_doc_cell){ .text = txt[k], .cls = vclass[c->v],
					                           .strong = c->sig };
			}
			h_doc_row(d, 3 + nr, cell);
		}
		if (open)
			h_doc_end_table(d);
	}
	fputs("</body>\n</html>\n", d->h);
}

static void write_doc(struct h_doc *d, const struct ctx *x)
{
	if (x->nruns > 2) {
		write_doc_multi(d, x);
		return;
	}
	const struct cmp *m = x->m;
	char title[400];
	snprintf(title, sizeof title, "%s compared with %s", x->name_b, x->name_a);
	doc_begin(d, title);
	h_doc_p(d, NULL);
	h_doc_text(d, "Written by concbench compare. Run %s is %s; run %s is %s.", x->name_a,
	           x->dir_a, x->name_b, x->dir_b);
	h_doc_end_p(d);
	env_rows(d, x);

	h_doc_heading(d, 2, NULL, "How to read it");
	h_doc_p(d, NULL);
	h_doc_text(d,
	           "Each row is one runtime x workload x params x metric that both runs measured. "
	           "The ratio is %s's median over %s's: below 1, %s's figure is lower. "
	           "When both runs hold their repetitions (results.jsonl), the ratio shows its "
	           "95%% interval in brackets (a seeded bootstrap over both runs' repetitions) "
	           "and a difference counts when a two-sided Mann-Whitney U test gives p < %g "
	           "(with 3 repetitions a side it never can: p is at least 0.1). From a "
	           "summary.csv alone, it counts only when the min-max ranges of the "
	           "repetitions do not overlap and neither side is flagged noisy "
	           "(coefficient of variation over 10%%); a row with one repetition has no "
	           "range, so it never counts (within noise, no spread). Lower is better for "
	           "times (ns, us, ms) and memory (KiB); higher is better for rates (req/s, "
	           "iter/us, MiB/s); other figures (counts) only say higher or lower.",
	           x->name_b, x->name_a, x->name_b, H_COMPARE_ALPHA);
	h_doc_end_p(d);
	h_doc_p(d, NULL);
	if (m->both)
		h_doc_text(d,
		           "%zu rows in both runs: %zu beyond the noise (%s better in %zu, worse in "
		           "%zu; %zu changed with no better side), %zu within it. %zu rows only in %s, "
		           "%zu only in %s.",
		           m->both, m->better + m->worse + m->changed, x->name_b, m->better, m->worse,
		           m->changed, m->both - m->better - m->worse - m->changed, m->only_a,
		           x->name_a, m->only_b, x->name_b);
	else
		h_doc_text(d,
		           "The two runs have no row in common: no runtime, workload, params and "
		           "metric measured by both, so there is nothing to compare. %zu rows only in "
		           "%s, %zu only in %s (listed below).",
		           m->only_a, x->name_a, m->only_b, x->name_b);
	h_doc_end_p(d);

	/* The chart: no <figure> (h_doc_image's), the page's own look. */
	if (x->chart_note) {
		h_doc_p(d, NULL);
		h_doc_text(d, "No chart: %s.", x->chart_note);
		h_doc_end_p(d);
	} else {
		h_doc_p(d, NULL);
		h_doc_text(d, "The chart shows %zu of the %zu headline ratios%s (compare.svg, "
		              "compare.png).", x->chart_shown, x->chart_total,
		           x->chart_shown < x->chart_total ? ", the largest changes" : "");
		h_doc_end_p(d);
		if (x->chart_svg && h_html_svg_img(d->h, x->chart_svg, "chart", "headline ratios") < 0)
			fputs("<p>(compare.svg could not be read back.)</p>\n", d->h);
		fputs("![headline ratios](compare.svg)\n\n", d->m);
	}

	/* Per workload, in the order the runs list them. */
	const struct crow **sel = malloc((m->n ? m->n : 1) * sizeof *sel);
	const char **wls = malloc((m->n ? m->n : 1) * sizeof *wls);
	if (!sel || !wls) {
		free(sel);
		free(wls);
		fputs("\n(out of memory)\n", d->h);
		fputs("\n(out of memory)\n", d->m);
		return;
	}
	size_t nwl = 0;
	for (size_t i = 0; i < m->n; i++) {
		const char *w = row_of(&m->rows[i])->workload;
		size_t k = 0;
		while (k < nwl && strcmp(wls[k], w) != 0)
			k++;
		if (k == nwl)
			wls[nwl++] = w;
	}
	for (size_t w = 0; w < nwl; w++) {
		size_t nh = 0, nr = 0;
		for (size_t i = 0; i < m->n; i++) {
			const struct crow *c = &m->rows[i];
			if (strcmp(row_of(c)->workload, wls[w]) == 0 && c->hl >= 0)
				sel[nh++] = c;
		}
		for (size_t i = 0; i < m->n; i++) {
			const struct crow *c = &m->rows[i];
			nr += strcmp(row_of(c)->workload, wls[w]) == 0 && c->hl < 0 && c->a && c->b;
		}
		if (!nh && !nr)
			continue; /* only rows in one run: listed at the end */
		h_doc_heading(d, 2, NULL, "%s", wls[w]);
		if (nh) {
			qsort(sel, nh, sizeof *sel, cmp_headline);
			metric_table(d, x, sel, nh);
		}
		if (nr) {
			size_t k = 0;
			for (size_t i = 0; i < m->n; i++) {
				const struct crow *c = &m->rows[i];
				if (strcmp(row_of(c)->workload, wls[w]) == 0 && c->hl < 0 && c->a && c->b)
					sel[k++] = c;
			}
			char sum[200];
			snprintf(sum, sizeof sum, "%s: %zu other metrics", wls[w], nr);
			h_doc_details(d, sum);
			metric_table(d, x, sel, nr);
			h_doc_end_details(d);
		}
	}

	if (m->only_a || m->only_b) {
		h_doc_heading(d, 2, NULL, "Rows only in one run");
		for (int k = 0; k < 2; k++) {
			size_t n = 0;
			for (size_t i = 0; i < m->n; i++)
				if (k ? !m->rows[i].a : !m->rows[i].b)
					sel[n++] = &m->rows[i];
			if (!n)
				continue;
			char sum[300];
			snprintf(sum, sizeof sum, "%zu row%s only in %s", n, n == 1 ? "" : "s",
			         k ? x->name_b : x->name_a);
			h_doc_details(d, sum);
			only_table(d, sel, n);
			h_doc_end_details(d);
		}
	}
	free(sel);
	free(wls);
	fputs("</body>\n</html>\n", d->h);
}

/* ---- files ---- */

/* Closes f, reporting any write error as one line naming path. */
static int close_checked(FILE *f, const char *path)
{
	int err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && !err)
		err = -errno;
	if (err)
		h_error("cannot write %s: %s", path, strerror(-err));
	return err;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t len)
{
	if (snprintf(path, len, "%s/%s", dir, name) >= (int)len) {
		h_error("cannot write into %s: the path is too long", dir);
		return NULL;
	}
	FILE *f = fopen(path, "we");
	if (!f)
		h_error("cannot write %s: %s", path, strerror(errno));
	return f;
}

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v);
}

static int write_csv(const char *out, const struct ctx *x)
{
	char path[PATH_MAX];
	FILE *f = open_out(out, "compare.csv", path, sizeof path);
	if (!f)
		return -EIO;
	/* Fields come from summary.csv, whose writer keeps commas and quotes
	 * out of them: no quoting needed here either. With more than two runs,
	 * each row appears once per run compared with the first (run2 names
	 * it). The interval and p are empty without both runs' repetitions. */
	fputs("runtime,workload,params,metric,unit,median1,median2,ratio,significant,"
	      "ratio_lo,ratio_hi,p_value,run2\n", f);
	for (int k = 0; k < x->nruns - 1; k++) {
		const struct cmp *m = &x->ms[k];
		for (size_t i = 0; i < m->n; i++) {
			const struct crow *c = &m->rows[i];
			if (!c->a || !c->b)
				continue;
			fprintf(f, "%s,%s,%s,%s,%s,", c->a->runtime, c->a->workload, c->a->params,
			        c->a->metric, c->a->unit);
			csv_num(f, c->a->median);
			fputc(',', f);
			csv_num(f, c->b->median);
			fputc(',', f);
			csv_num(f, c->ratio);
			fprintf(f, ",%d,", c->sig);
			csv_num(f, c->lo);
			fputc(',', f);
			csv_num(f, c->hi);
			fputc(',', f);
			csv_num(f, c->p);
			fputc(',', f);
			for (const char *q = x->names[k + 1]; *q; q++)
				fputc(*q == ',' || *q == '\n' || *q == '"' ? '_' : *q, f);
			fputc('\n', f);
		}
	}
	int err = close_checked(f, path);
	if (!err)
		printf("wrote %s\n", path);
	return err;
}

/* ---- compare.json: the same rows for a program (a CI gate) ---- */

static void json_numf(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v);
	else
		fputs("null", f);
}

/* ", \"key\": " and the value, a member after the object's first. */
static void json_kstr(FILE *f, const char *key, const char *v)
{
	fprintf(f, ", \"%s\": ", key);
	h_json_str(f, v);
}

static void json_knum(FILE *f, const char *key, double v)
{
	fprintf(f, ", \"%s\": ", key);
	json_numf(f, v);
}

static const char *verdict_word(const struct crow *c)
{
	switch (c->v) {
	case V_BETTER: return "better";
	case V_WORSE: return "worse";
	case V_CHANGED: return "changed";
	case V_ONLY: return "only";
	default: return c->why && !strcmp(c->why, "same") ? "same" : "within noise";
	}
}

static int write_json(const char *out, const struct ctx *x)
{
	char path[PATH_MAX];
	FILE *f = open_out(out, "compare.json", path, sizeof path);
	if (!f)
		return -EIO;
	fprintf(f, "{\n  \"schema\": \"concbench.compare\",\n  \"schema_version\": %d,\n",
	        H_COMPARE_SCHEMA_VERSION);
	fputs("  \"runs\": [", f);
	for (int k = 0; k < x->nruns; k++) {
		fputs(k ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
		h_json_str(f, x->names[k]);
		json_kstr(f, "dir", x->dirs[k]);
		json_kstr(f, "git_commit", x->envs[k].commit[0] ? x->envs[k].commit : NULL);
		fputc('}', f);
	}
	fprintf(f, "\n  ],\n  \"test\": \"mann-whitney-u\",\n  \"alpha\": %g,\n"
	           "  \"interval\": {\"method\": \"percentile-bootstrap\", \"level\": %g, "
	           "\"resamples\": %d, \"seed\": \"0x%016llx\"},\n  \"fail_if_worse_pct\": ",
	        H_COMPARE_ALPHA, H_BOOT_LEVEL, H_BOOT_RESAMPLES, (unsigned long long)H_BOOT_SEED);
	json_numf(f, x->fail_pct);
	fprintf(f, ",\n  \"regressions\": %zu,\n  \"rows\": [", x->regressions);
	size_t nrow = 0;
	for (int k = 0; k < x->nruns - 1; k++) {
		const struct cmp *m = &x->ms[k];
		for (size_t i = 0; i < m->n; i++) {
			const struct crow *c = &m->rows[i];
			const struct h_srow *r = row_of(c);
			fputs(nrow++ ? ",\n    {\"run\": " : "\n    {\"run\": ", f);
			h_json_str(f, x->names[k + 1]);
			json_kstr(f, "in", c->a && c->b ? "both" : c->a ? "first" : "run");
			json_kstr(f, "runtime", r->runtime);
			json_kstr(f, "workload", r->workload);
			json_kstr(f, "params", r->params);
			json_kstr(f, "metric", r->metric);
			json_kstr(f, "unit", r->unit);
			fprintf(f, ", \"headline\": %s", c->hl >= 0 ? "true" : "false");
			json_kstr(f, "better",
			          c->d.dir == DIR_LOWER ? "lower" : c->d.dir == DIR_HIGHER ? "higher" : NULL);
			json_knum(f, "median1", c->a ? c->a->median : NAN);
			json_knum(f, "median2", c->b ? c->b->median : NAN);
			fprintf(f, ", \"reps1\": %d, \"reps2\": %d", c->na, c->nb);
			json_knum(f, "ratio", c->ratio);
			json_knum(f, "ratio_lo", c->lo);
			json_knum(f, "ratio_hi", c->hi);
			json_knum(f, "p_value", c->p);
			json_kstr(f, "method", !c->a || !c->b ? NULL : c->na ? "mann-whitney-u" : "ranges");
			fprintf(f, ", \"significant\": %s, \"verdict\": \"%s\", \"why\": ",
			        c->sig ? "true" : "false", verdict_word(c));
			h_json_str(f, c->sig ? NULL : c->why);
			fprintf(f, ", \"regression\": %s}", c->regress ? "true" : "false");
		}
	}
	fputs(nrow ? "\n  ]\n}\n" : "]\n}\n", f);
	int err = close_checked(f, path);
	if (!err)
		printf("wrote %s\n", path);
	return err;
}

/* ---- the gate: --fail-if-worse PCT ----
 *
 * A headline figure regresses when it is significantly worse and worse by
 * more than PCT: a cost (ns, ms, KiB) above (1 + PCT/100) times the first
 * run's, a rate (req/s, iter/us, MiB/s) below (1 - PCT/100) times it.
 * Metrics with no better side never regress. */
static size_t gate(struct ctx *x, struct cmp *ms)
{
	size_t bad = 0;
	if (isnan(x->fail_pct))
		return 0;
	double up = 1 + x->fail_pct / 100, down = 1 - x->fail_pct / 100;
	for (int k = 0; k < x->nruns - 1; k++)
		for (size_t i = 0; i < ms[k].n; i++) {
			struct crow *c = &ms[k].rows[i];
			if (c->hl < 0 || c->v != V_WORSE || !isfinite(c->ratio))
				continue;
			c->regress = c->d.dir == DIR_LOWER ? c->ratio > up : c->ratio < down;
			if (!c->regress)
				continue;
			if (!bad++)
				printf("regressions (worse by more than %g%%, significant):\n", x->fail_pct);
			printf("  %s: %s %s %s %s: %.4g -> %.4g %s (ratio %.3g, p = %.2g)\n",
			       x->names[k + 1], c->a->runtime, c->a->workload, c->a->params,
			       c->a->metric, c->a->median, c->b->median, c->a->unit, c->ratio, c->p);
		}
	return bad;
}

/* gnuplot reads "..." in data files without escapes: a quote would end the
 * string, a newline the record. */
static void gp_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
	fputc('"', f);
}

/* Whether every chart row of c's runtime × workload × metric has the
 * params entry kv (len bytes): such entries do not tell its bars apart. */
static int shared_entry(const struct crow *const *rows, size_t n, const struct crow *c,
                        const char *kv, size_t len)
{
	const struct h_srow *r = c->a;
	for (size_t i = 0; i < n; i++) {
		const struct h_srow *o = rows[i]->a;
		if (strcmp(o->runtime, r->runtime) || strcmp(o->workload, r->workload) ||
		    strcmp(o->metric, r->metric))
			continue;
		int has = 0;
		for (const char *p = o->params; *p && !has; p += strcspn(p, ";"), p += *p == ';')
			has = strcspn(p, ";") == len && strncmp(p, kv, len) == 0;
		if (!has)
			return 0;
	}
	return 1;
}

/* "coro pingpong ns_per_switch", then the params that tell a sweep's bars
 * apart, cut to stay beside an 800 px chart. */
static void bar_label(const struct crow *const *rows, size_t n, const struct crow *c, char *l,
                      size_t cap)
{
	const struct h_srow *r = c->a;
	int k = snprintf(l, cap, "%s %s %s", r->runtime, r->workload, r->metric);
	for (const char *p = r->params; *p && k < (int)cap; p += strcspn(p, ";"), p += *p == ';') {
		size_t len = strcspn(p, ";");
		if (!shared_entry(rows, n, c, p, len))
			k += snprintf(l + k, cap - (size_t)k, " %.*s", (int)len, p);
	}
	const size_t max = 56;
	if (strlen(l) > max)
		strcpy(l + max - 3, "...");
}

/* Biggest changes first: beyond-noise ones, then by |log ratio|. */
static int cmp_interest(const void *p, const void *q)
{
	const struct crow *x = *(const struct crow *const *)p, *y = *(const struct crow *const *)q;
	if (x->sig != y->sig)
		return y->sig - x->sig;
	double lx = fabs(log(x->ratio)), ly = fabs(log(y->ratio));
	if (lx != ly)
		return lx < ly ? 1 : -1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Chart order: by workload as first listed, then headline, then position. */
static size_t wl_rank(const struct cmp *m, const char *w)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(row_of(&m->rows[i])->workload, w) == 0)
			return i;
	return m->n;
}

static const struct cmp *sort_m; /* qsort has no context argument in C11 */

static int cmp_chart(const void *p, const void *q)
{
	const struct crow *x = *(const struct crow *const *)p, *y = *(const struct crow *const *)q;
	size_t wx = wl_rank(sort_m, x->a->workload), wy = wl_rank(sort_m, y->a->workload);
	if (wx != wy)
		return (wx > wy) - (wx < wy);
	return cmp_headline(p, q);
}

/* Writes compare.dat and draws compare.svg and .png. Returns 0 with
 * x->chart_note set when there is nothing to draw (after removing a stale
 * chart of an earlier comparison in the same folder). */
static int draw_chart(const char *out, struct ctx *x, char *svg, size_t svglen)
{
	const struct cmp *m = x->m;
	size_t all = 0;
	for (int k = 0; k < x->nruns - 1; k++)
		all += x->ms[k].n;
	char path[PATH_MAX], png[PATH_MAX], script[PATH_MAX];
	if (snprintf(svg, svglen, "%s/compare.svg", out) >= (int)svglen ||
	    snprintf(png, sizeof png, "%s/compare.png", out) >= (int)sizeof png) {
		h_error("cannot write into %s: the path is too long", out);
		return -ENAMETOOLONG;
	}
	const struct crow **rows = malloc((all ? all : 1) * sizeof *rows);
	if (!rows) {
		h_error("out of memory");
		return -ENOMEM;
	}
	size_t n = 0, both = 0;
	for (int k = 0; k < x->nruns - 1; k++) {
		both += x->ms[k].both;
		for (size_t i = 0; i < x->ms[k].n; i++) {
			const struct crow *c = &x->ms[k].rows[i];
			if (c->a && c->b && c->hl >= 0 && isfinite(c->ratio) && c->ratio > 0)
				rows[n++] = c;
		}
	}
	x->chart_total = n;
	if (!n) {
		x->chart_note = both ? "no headline metric has a positive ratio in both runs"
		                        : "the runs have no row in common";
		unlink(svg);
		unlink(png);
		free(rows);
		return 0;
	}
	if (n > CHART_MAX) {
		qsort(rows, n, sizeof *rows, cmp_interest);
		n = CHART_MAX;
	}
	x->chart_shown = n;
	sort_m = m;
	qsort(rows, n, sizeof *rows, cmp_chart);

	int err = 0;
	FILE *f = open_out(out, "compare.dat", path, sizeof path);
	if (!f) {
		free(rows);
		return -EIO;
	}
	const char *nb = x->nruns > 2 ? "each run" : x->name_b;
	fprintf(f, "# compare chart (harness/compare.c): headline ratios %s / %s\n", nb,
	        x->name_a);
	fputs("# block 0: name of run 1, name of run 2, bars shown, headline rows in both,\n"
	      "#          the bar classes present\n", f);
	gp_str(f, x->name_a);
	fputc(' ', f);
	gp_str(f, nb);
	int present[5] = { 0 };
	for (size_t i = 0; i < n; i++)
		present[rows[i]->v] = 1;
	char classes[16] = "";
	for (int v = V_BETTER; v <= V_CHANGED; v++)
		if (present[v])
			snprintf(classes + strlen(classes), sizeof classes - strlen(classes), "%s%d",
			         classes[0] ? " " : "", v);
	fprintf(f, " %zu %zu \"%s\"\n\n\n", n, x->chart_total, classes);
	fputs("# block 1: one bar per row, top to bottom\n"
	      "# y ratio class label\n"
	      "# class 1: run 2 better beyond noise; 2: worse beyond noise; 3: within noise;\n"
	      "#       4: changed, no better side\n", f);
	for (size_t i = 0; i < n; i++) {
		char label[200], full[400];
		bar_label(rows, n, rows[i], label, sizeof label);
		if (x->nruns > 2) { /* which run the bar is */
			snprintf(full, sizeof full, "%s: %s", x->names[rows[i]->run], label);
			put(label, sizeof label, full);
		}
		fprintf(f, "%zu %.6g %d ", i, rows[i]->ratio, (int)rows[i]->v);
		gp_str(f, label);
		fputc('\n', f);
	}
	free(rows);
	err = close_checked(f, path);
	if (err)
		return err;

	const char *sdir = getenv("CONCBENCH_PLOTS");
	if (!sdir || !*sdir)
		sdir = CB_SOURCE_DIR "/plots";
	if (snprintf(script, sizeof script, "%s/compare.gp", sdir) >= (int)sizeof script)
		return -ENAMETOOLONG;
	if (access(script, R_OK) != 0) {
		err = -errno;
		h_error("cannot read the gnuplot script %s: %s", script, strerror(errno));
		return err;
	}
	err = h_gnuplot_draw(script, path, svg, "svg");
	if (!err)
		err = h_gnuplot_draw(script, path, png, "png");
	if (err) {
		x->chart_note = "gnuplot could not draw it (see the message on stderr)";
		unlink(svg);
		unlink(png);
	}
	return err;
}

/* compare.html and compare.md, from one pass. */
static int write_docs(const char *out, const struct ctx *x)
{
	struct h_doc d = { 0 };
	int err = h_doc_open(&d, out, "compare");
	if (err) {
		h_error("cannot write compare.html and compare.md in %s: %s", out, strerror(-err));
		return err;
	}
	write_doc(&d, x);
	err = h_doc_close(&d); /* it said why */
	if (!err)
		printf("wrote %s/compare.md\nwrote %s/compare.html\n", out, out);
	return err;
}

/* ---- the comparison ---- */

/* A run's name for the documents: its folder's last component. */
static void run_name(const char *dir, char *buf, size_t len)
{
	char real[PATH_MAX];
	const char *p = realpath(dir, real) ? real : dir;
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	size_t s = n;
	while (s > 0 && p[s - 1] != '/')
		s--;
	if (n - s == 0 || (n - s == 1 && p[s] == '/'))
		snprintf(buf, len, "run");
	else
		snprintf(buf, len, "%.*s", (int)(n - s), p + s);
}

int h_compare(const struct h_compare_opts *o)
{
	static struct ctx x; /* big (names, environments): not on the stack */
	memset(&x, 0, sizeof x);
	const char *out = o->out;
	int nr = o->n;
	x.nruns = nr;
	x.fail_pct = o->fail_pct;
	for (int k = 0; k < nr; k++) {
		x.dirs[k] = o->dir[k];
		run_name(o->dir[k], x.names[k], sizeof x.names[k]);
	}
	char base[sizeof x.names[0]], defout[PATH_MAX];
	put(base, sizeof base, x.names[0]);
	/* Runs whose folders share a name (a run against itself, or results/X
	 * from two machines) are told apart by their order: "1:X", "2:X". */
	int clash = 0;
	for (int i = 0; i < nr; i++)
		for (int j = i + 1; j < nr; j++)
			clash |= strcmp(x.names[i], x.names[j]) == 0;
	if (clash)
		for (int k = 0; k < nr; k++) {
			char tmp[sizeof x.names[0]];
			snprintf(tmp, sizeof tmp, "%d:", k + 1);
			size_t l = strlen(tmp);
			put(tmp + l, sizeof tmp - l, x.names[k]);
			memcpy(x.names[k], tmp, sizeof tmp);
		}
	x.dir_a = x.dirs[0];
	x.dir_b = x.dirs[1];
	memcpy(x.name_a, x.names[0], sizeof x.name_a);
	memcpy(x.name_b, x.names[1], sizeof x.name_b);
	if (!out) {
		if (snprintf(defout, sizeof defout, "%s/compare-%s", x.dirs[nr - 1], base) >=
		    (int)sizeof defout) {
			h_error("cannot write into '%s': the path is too long", x.dirs[nr - 1]);
			return H_EXIT_FAILED;
		}
		out = defout;
	}

	struct h_summary s[H_COMPARE_MAX_RUNS];
	struct h_reps r[H_COMPARE_MAX_RUNS];
	struct cmp ms[H_COMPARE_MAX_RUNS - 1];
	memset(s, 0, sizeof s);
	memset(r, 0, sizeof r);
	memset(ms, 0, sizeof ms);
	int status = H_EXIT_FAILED, loaded = 0;
	/* The reader says what is wrong with a file in one line; a summary.csv
	 * or results.jsonl that is not ours (-EINVAL) is bad input, as for
	 * plot and report. */
	for (; loaded < nr; loaded++) {
		int lerr = h_summary_load(x.dirs[loaded], &s[loaded]);
		if (lerr == 0) {
			lerr = h_reps_load(x.dirs[loaded], &r[loaded]);
			if (lerr < 0)
				h_summary_free(&s[loaded]);
		}
		if (lerr < 0) {
			status = lerr == -EINVAL ? H_EXIT_USAGE : H_EXIT_FAILED;
			goto out_free;
		}
		env_read(x.dirs[loaded], &x.envs[loaded]);
	}
	x.env_a = x.envs[0];
	x.env_b = x.envs[1];
	for (int k = 1; k < nr; k++) {
		if (match(&s[0], &s[k], &r[0], &r[k], &ms[k - 1]) < 0) {
			h_error("out of memory");
			goto out_match;
		}
		for (size_t i = 0; i < ms[k - 1].n; i++)
			ms[k - 1].rows[i].run = k;
	}
	x.ms = ms;
	x.m = &ms[0];
	x.regressions = gate(&x, ms);
	int err = h_mkdir_p(out);
	if (err) {
		h_error("cannot create the output folder '%s': %s", out, strerror(-err));
		goto out_match;
	}
	if (write_csv(out, &x) < 0 || write_json(out, &x) < 0)
		goto out_match;
	char svg[PATH_MAX];
	int chart_err = draw_chart(out, &x, svg, sizeof svg);
	if (!x.chart_note)
		x.chart_svg = svg;
	if (write_docs(out, &x) < 0)
		goto out_match;
	size_t none = 0;
	for (int k = 1; k < nr; k++) {
		const struct cmp *m = &ms[k - 1];
		printf("%s against %s: %zu rows in both, %zu beyond the noise (%zu better, %zu "
		       "worse, %zu changed), %zu only in %s, %zu only in %s\n",
		       x.names[k], x.names[0], m->both, m->better + m->worse + m->changed,
		       m->better, m->worse, m->changed, m->only_a, x.names[0], m->only_b,
		       x.names[k]);
		none += !m->both;
	}
	if (none) {
		fflush(stdout);
		if (nr == 2)
			fprintf(stderr, "concbench: note: '%s' and '%s' have no rows in common; the "
			                "files list each run's rows\n", x.dirs[0], x.dirs[1]);
		else
			fprintf(stderr, "concbench: note: %zu of the runs have no rows in common with "
			                "'%s'\n", none, x.dirs[0]);
	}
	status = chart_err ? H_EXIT_FAILED : H_EXIT_OK;
	if (x.regressions) {
		fflush(stdout);
		h_error("%zu headline figure%s worse than %s's by more than %g%% (listed above)",
		        x.regressions, x.regressions == 1 ? " is" : "s are", x.names[0],
		        x.fail_pct);
		status = H_EXIT_FAILED;
	}
out_match:
	for (int k = 0; k < nr - 1; k++)
		free(ms[k].rows);
out_free:
	for (int k = 0; k < loaded; k++) {
		h_summary_free(&s[k]);
		h_reps_free(&r[k]);
	}
	return status;
}
