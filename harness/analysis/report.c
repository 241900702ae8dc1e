/* report.c — `concbench report DIR`: DIR/report.html and DIR/report.md.
 *
 * The report teaches with the reader's own numbers: a first page (what was
 * compared, each claim's verdict in a sentence, which model to pick for
 * which job), one section per claim of CLAIMS.md, and the machine. Each
 * claim is data (struct h_claim, claims.c); one generic writer turns it and
 * its rule's result (verdict.c) into a section, so every section has the same
 * parts in the same order.
 *
 * Both files come from one pass of base's document writer (struct h_doc):
 * every call emits HTML and Markdown together, so the two can never say
 * different things. The HTML is one self-contained file — charts are data:
 * URIs (an <img> each, so the ids inside gnuplot's SVGs cannot collide as
 * inline SVGs would), one small inline stylesheet, no script, nothing
 * fetched. Every text taken from a data file is escaped.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "../../workloads/workload.h"

extern char **environ;

/* Chart names and what each draws (plot.c makes them). */
static const struct {
	const char *name, *title;
} charts[] = {
	{ "switch", "ns per switch on pingpong, by runtime and placement" },
	{ "switch_pipes", "ns per switch on pipepingpong, by runtime and placement" },
	{ "memory", "memory per waiting task against tasks, user and kernel, in each runtime's "
	            "colour. A point is the memory the run grew by divided by its tasks (total ÷ "
	            "tasks), fixed costs included; the slope in the figures is what one more task "
	            "adds. The points fall toward the slope as tasks grow and the fixed costs spread "
	            "thin; at 100 tasks they can lie far above it" },
	{ "sleep_tasks", "sleep: elapsed time against tasks" },
	{ "sleep_overlap", "sleep: elapsed time against the wait (ms)" },
	{ "efficiency", "cpu efficiency against work per task, each model over the CPUs it can "
	                "use (threads and pool: every CPU; epoll and coro: one), so a line near "
	                "100% is a model without overhead, not the fastest one" },
	{ "conns_echo", "echo: throughput and p99 against connections" },
	{ "conns_http", "http: throughput and p99 against connections" },
	{ "latency_echo", "echo: latency percentile spectrum" },
	{ "latency_http", "http: latency percentile spectrum" },
	{ "load_echo", "echo: p99 against throughput, open loop at shares of each runtime's own "
	               "capacity (the hockey stick)" },
	{ "load_http", "http: p99 against throughput, open loop at shares of each runtime's own "
	               "capacity" },
	{ "mixed", "mixed: light- and heavy-request p99" },
	{ "offload", "mixed: light-request p99 against heavy_us, the step inline and offloaded" },
	{ "file", "file: MiB/s cold and warm" },
	{ "skew_cpu", "cpu: iterations per µs at even sizes (skew=0: every task the same) and skewed ones, by runtime" },
	{ "create", "sleep: creation time per task against tasks" },
};
#define NCHARTS (sizeof charts / sizeof charts[0])

/* ---- the manifest, flattened ---- */

struct kv {
	char *k, *v;
};
struct manifest {
	struct kv *e;
	size_t n, cap;
	int oom;
};

static int manifest_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct manifest *m = ctx;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct kv *e = realloc(m->e, cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		m->e = e;
		m->cap = cap;
	}
	m->e[m->n].k = strdup(path);
	m->e[m->n].v = strdup(t == H_JNULL ? "null" : s);
	if (!m->e[m->n].k || !m->e[m->n].v) {
		free(m->e[m->n].k);
		free(m->e[m->n].v);
		return -ENOMEM;
	}
	m->n++;
	return 0;
}

static void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].k), free(m->e[i].v);
	free(m->e);
	memset(m, 0, sizeof *m);
}

/* 0 (also when absent: the report says so), -ENOMEM. */
static int manifest_load(const char *dir, struct manifest *m)
{
	char path[4200];
	memset(m, 0, sizeof *m);
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	int rc = h_json_walk_file(path, manifest_cb, m);
	if (rc == -ENOMEM) {
		manifest_free(m);
		return -ENOMEM;
	}
	return 0; /* a malformed manifest: whatever was read before the fault */
}

static const char *mf(const struct manifest *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].k, key))
			return m->e[i].v;
	return NULL;
}

/* ---- verdicts in the document ---- */

static const char *verdict_class(enum h_verdict v)
{
	switch (v) {
	case H_VERDICT_HOLDS: return "v v-holds";
	case H_VERDICT_DOES_NOT_HOLD: return "v v-not";
	case H_VERDICT_DEPENDS: return "v v-depends";
	case H_VERDICT_INCONCLUSIVE: return "v v-inconclusive";
	default: return "v v-nodata";
	}
}

static void d_verdict(struct h_doc *d, enum h_verdict v)
{
	fprintf(d->h, "<span class=\"%s\">%s</span>", verdict_class(v), h_verdict_name(v));
	fprintf(d->m, "**%s**", h_verdict_name(v));
}

/* Table cells: text, and a number (right-aligned). */
#define T(s) ((struct h_doc_cell){ .text = (s) })
#define NUM(s) ((struct h_doc_cell){ .text = (s), .cls = "num" })

/* ---- context ---- */

struct ctx {
	const char *dir;
	struct h_summary s;
	struct h_runfacts f;
	struct manifest m;
	struct h_vresult res[H_NCLAIMS];
	char plot_note[200]; /* why charts are missing, "" when plot ran fine */
	int server_cpus;     /* CPUs a server cell had (the client took the rest), 0 unknown */
};

/* h_find_in_path without wanting the path. */
static int in_path(const char *prog)
{
	char buf[4200];
	return h_find_in_path(prog, buf, sizeof buf);
}

static int file_mtime(const char *dir, const char *name, struct timespec *t)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (stat(path, &st) != 0)
		return -1;
	*t = st.st_mtim;
	return 0;
}

static int older(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Draws the charts when one a claim shows is missing or older than the
 * summary (a resumed run). A missing gnuplot does not stop the report:
 * its sections show the tables and say why there is no chart. */
static void ensure_plots(struct ctx *x)
{
	struct timespec sum, t;
	int stale = file_mtime(x->dir, "summary.csv", &sum) != 0;
	for (size_t i = 0; i < NCHARTS && !stale; i++) {
		char name[96];
		snprintf(name, sizeof name, "plots/%s.svg", charts[i].name);
		stale = file_mtime(x->dir, name, &t) != 0 || older(&t, &sum);
	}
	if (!stale)
		return;
	if (!in_path("gnuplot")) {
		snprintf(x->plot_note, sizeof x->plot_note,
		         "gnuplot is not installed (Debian: apt-get install gnuplot-nox), so no "
		         "chart was drawn");
		return;
	}
	fflush(stdout);
	int rc = h_plot(x->dir);
	if (rc < 0)
		snprintf(x->plot_note, sizeof x->plot_note, "drawing the charts failed (%s)",
		         strerror(-rc));
}

/* ---- the sections ---- */

static const char *short_reason(const struct h_vresult *v)
{
	/* The reason without a lead the verdict column already says;
	 * "depends on …:" stays, it says on what. */
	static const char *const lead[] = { "holds: ", "does not hold: ", "does not hold here: ",
		                                "not enough data: ", NULL };
	for (int i = 0; lead[i]; i++)
		if (!strncmp(v->reason, lead[i], strlen(lead[i])))
			return v->reason + strlen(lead[i]);
	return v->reason;
}

/* The runtimes and parameters a workload's rows hold, as the section's
 * "in this run" line: each runtime with its own settings, then the
 * workload's swept parameters with their values, then the fixed ones. */
enum { VALS = 12 };
struct distinct {
	char name[32];
	char val[VALS][96];
	int n, more;
};

static void add_distinct(struct distinct *d, const char *v)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->val[i], v))
			return;
	if (d->n < VALS)
		snprintf(d->val[d->n++], sizeof d->val[0], "%s", v);
	else
		d->more = 1;
}

static struct distinct *distinct_of(struct distinct *v, int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	if (*n == max)
		return NULL;
	memset(&v[*n], 0, sizeof v[*n]);
	snprintf(v[*n].name, sizeof v[*n].name, "%s", name);
	return &v[(*n)++];
}

/* Numbers in numeric order ("2, 10, 100"), anything else as found. */
static void sort_distinct(struct distinct *d)
{
	for (int i = 0; i < d->n; i++) {
		char *end;
		strtod(d->val[i], &end);
		if (!d->val[i][0] || *end)
			return;
	}
	for (int i = 1; i < d->n; i++)
		for (int j = i; j > 0 && strtod(d->val[j - 1], NULL) > strtod(d->val[j], NULL);
		     j--) {
			char t[sizeof d->val[0]];
			memcpy(t, d->val[j], sizeof t);
			memcpy(d->val[j], d->val[j - 1], sizeof t);
			memcpy(d->val[j - 1], t, sizeof t);
		}
}

/* The meaning of key=val where its digits would mislead ("workers=0"),
 * from h_param_meanings, into buf; 0 when it has none. {K} is another
 * key's single value at the same point, from keys. */
static int param_meaning(const struct ctx *x, const char *wl, const char *key, const char *val,
                         const struct distinct *keys, int nk, char *buf, size_t len)
{
	const struct h_param_meaning *m = h_param_meanings;
	while (m->key && (strcmp(m->key, key) || strcmp(m->value, val)))
		m++;
	if (!m->key)
		return 0;
	const struct workload *w = wl_find(wl);
	int cpus = w && w->load ? x->server_cpus : x->s.ncpus;
	size_t used = 0;
	buf[0] = '\0';
	for (const char *p = m->meaning; *p && used < len;) {
		size_t n = strcspn(p, "{");
		used += (size_t)snprintf(buf + used, len - used, "%.*s", (int)n, p);
		p += n;
		if (!*p)
			break;
		size_t e = strcspn(p, "}");
		char name[32], v[48] = "";
		snprintf(name, sizeof name, "%.*s", (int)(e - 1), p + 1);
		p += e + (p[e] == '}');
		if (!strcmp(name, "cpus"))
			snprintf(v, sizeof v, cpus > 0 ? "%d" : "unknown", cpus);
		else if (!strcmp(name, "stack")) {
			const char *st = mf(&x->m, "limits.RLIMIT_STACK.soft");
			double b = st ? strtod(st, NULL) : NAN;
			if (b > 0)
				h_fmt_plain(v, sizeof v, b / 1024, "KiB");
			else
				snprintf(v, sizeof v, "RLIMIT_STACK's size");
		} else
			for (int j = 0; j < nk; j++)
				if (!strcmp(keys[j].name, name))
					snprintf(v, sizeof v, "%s", keys[j].n == 1 ? keys[j].val[0] : "the set");
		used += (size_t)snprintf(buf + used, len - used, "%s", v[0] ? v : "?");
	}
	return 1;
}

/* text with every "key=value" that has a meaning followed by it in
 * parentheses: "skew=0 (every task the same size)", so no default reads
 * as a bare zero. */
static const char *explain_params(const struct ctx *x, const char *wl, const char *text,
                                  char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const char *p = text; *p && used + 1 < len;) {
		const char *eq = strchr(p, '=');
		if (!eq) {
			used += (size_t)snprintf(buf + used, len - used, "%s", p);
			break;
		}
		const char *k = eq;
		while (k > p && (isalnum((unsigned char)k[-1]) || k[-1] == '_'))
			k--;
		size_t vl = strcspn(eq + 1, ";, )");
		char key[32], val[32], mean[160];
		snprintf(key, sizeof key, "%.*s", (int)(eq - k), k);
		snprintf(val, sizeof val, "%.*s", (int)vl, eq + 1);
		const char *end = eq + 1 + vl;
		used += (size_t)snprintf(buf + used, len - used, "%.*s", (int)(end - p), p);
		if (k < eq && param_meaning(x, wl, key, val, NULL, 0, mean, sizeof mean) &&
		    used < len)
			used += (size_t)snprintf(buf + used, len - used, " (%s)", mean);
		p = end;
	}
	return buf;
}

static void describe_workload(struct h_doc *d, const struct ctx *x, const char *wl)
{
	const struct h_summary *s = &x->s;
	const struct h_runfacts *f = &x->f;
	enum { KEYS = 24, RTS = 12 };
	static struct distinct keys[KEYS], rts[RTS]; /* large; one report at a time */
	int nk = 0, nr = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (strcmp(r->workload, wl))
			continue; /* every metric: a point may lack wall_ns but not all */
		struct distinct *rd = distinct_of(rts, &nr, RTS, r->runtime);
		const struct runtime *rt = rt_find(r->runtime);
		char rset[96] = "";
		size_t rused = 0;
		for (const char *p = r->params; *p;) {
			size_t len = strcspn(p, ";"), klen = strcspn(p, "=;");
			char k[32], v[48];
			snprintf(k, sizeof k, "%.*s", (int)klen, p);
			snprintf(v, sizeof v, "%.*s", klen < len ? (int)(len - klen - 1) : 0,
			         p + klen + 1);
			p += len + (p[len] == ';');
			int own = 0;
			for (const struct cb_param *c = rt ? rt->params : NULL; c && c->name && !own;
			     c++)
				own = !strcmp(c->name, k);
			if (own) {
				if (rused < sizeof rset)
					rused += (size_t)snprintf(rset + rused, sizeof rset - rused, "%s%s=%s",
					                          rused ? ", " : "", k, v);
				continue;
			}
			struct distinct *kd = distinct_of(keys, &nk, KEYS, k);
			if (kd)
				add_distinct(kd, v);
		}
		if (rd)
			add_distinct(rd, rset);
	}
	int nfailed = 0;
	for (size_t i = 0; i < f->ncells; i++)
		nfailed += !f->cells[i].ok && !strcmp(f->cells[i].workload, wl);
	h_doc_p(d, "run");
	h_doc_strong(d, "%s", wl);
	if (!nr && !nfailed) {
		h_doc_text(d, ": not in this run.");
		h_doc_end_p(d);
		return;
	}
	if (!nr)
		h_doc_text(d, ": no cell succeeded.");
	if (nr)
		h_doc_text(d, " on ");
	for (int i = 0; i < nr; i++) {
		h_doc_text(d, "%s%s", i ? ", " : "", rts[i].name);
		if (rts[i].n == 1 && !rts[i].val[0][0])
			continue;
		h_doc_text(d, " (");
		for (int k = 0; k < rts[i].n; k++) {
			/* "k=v, k=v": each setting by its meaning where it has one. */
			h_doc_text(d, "%s", k ? " | " : "");
			char set[96];
			snprintf(set, sizeof set, "%s", rts[i].val[k]);
			int first = 1;
			for (char *save = NULL, *kv = strtok_r(set, ", ", &save); kv;
			     kv = strtok_r(NULL, ", ", &save), first = 0) {
				char *eq = strchr(kv, '='), mean[160];
				if (eq)
					*eq = '\0';
				if (eq && param_meaning(x, wl, kv, eq + 1, keys, nk, mean, sizeof mean))
					h_doc_text(d, "%s%s", first ? "" : ", ", mean);
				else
					h_doc_text(d, "%s%s%s%s", first ? "" : ", ", kv, eq ? "=" : "",
					           eq ? eq + 1 : "");
			}
		}
		h_doc_text(d, "%s)", rts[i].more ? " | …" : "");
	}
	if (nr)
		h_doc_text(d, ".");
	for (int j = 0; j < nk; j++)
		sort_distinct(&keys[j]);
	/* Values per key: with two swept keys, a suite's parts may have run
	 * some combinations only (sleep: ms swept at 100 tasks, tasks swept
	 * at one ms), and "Swept" alone would promise the grid. */
	int nswept = 0;
	for (int j = 0; j < nk; j++)
		nswept += keys[j].n > 1;
	const char *swept = nswept > 1 ? " Values run (per key, not every combination): "
	                               : " Swept: ";
	for (int pass = 0; pass < 2; pass++) {
		int first = 1;
		for (int j = 0; j < nk; j++) {
			if ((keys[j].n > 1) != !pass)
				continue;
			char mean[160];
			if (pass && param_meaning(x, wl, keys[j].name, keys[j].val[0], keys, nk, mean,
			                          sizeof mean)) {
				h_doc_text(d, "%s%s: %s", first ? " Fixed: " : "; ", keys[j].name, mean);
				first = 0;
				continue;
			}
			h_doc_text(d, "%s%s = ", first ? (pass ? " Fixed: " : swept) : "; ",
			           keys[j].name);
			first = 0;
			for (int m = 0; m < keys[j].n; m++) {
				h_doc_text(d, "%s%s", m ? ", " : "", keys[j].val[m]);
				if (param_meaning(x, wl, keys[j].name, keys[j].val[m], keys, nk, mean,
				                  sizeof mean))
					h_doc_text(d, " (%s)", mean);
			}
			if (keys[j].more)
				h_doc_text(d, ", …");
		}
		if (!first)
			h_doc_text(d, ".");
	}
	/* Failed cells are in no median: the reader should know they exist
	 * (a limit is a result). The first few, then how many. */
	int shown = 0, cut = 0;
	for (size_t i = 0; i < f->ncells; i++) {
		const struct h_cellnote *c = &f->cells[i];
		if (c->ok || strcmp(c->workload, wl))
			continue;
		/* One line per point and outcome, with its count of reps. */
		int reps = 0, seen = 0;
		for (size_t j = 0; j < f->ncells && !seen; j++) {
			const struct h_cellnote *e = &f->cells[j];
			int same = !e->ok && !strcmp(e->workload, wl) &&
			           !strcmp(e->runtime, c->runtime) && !strcmp(e->params, c->params) &&
			           !strcmp(e->limit, c->limit) && !strcmp(e->error, c->error);
			seen = same && j < i;
			reps += same;
		}
		if (seen)
			continue;
		if (shown == 4) {
			cut = 1;
			break;
		}
		char pl[512];
		h_doc_text(d, "%s%s (%s): %s", shown ? "; " : " Failed cells (in no median): ",
		           c->runtime, explain_params(x, wl, c->params, pl, sizeof pl),
		           c->limit[0] ? c->limit : c->error);
		if (reps > 1)
			h_doc_text(d, " ×%d", reps);
		shown++;
	}
	if (cut)
		h_doc_text(d, "; … %d failed cells in all (results.jsonl).", nfailed);
	else if (shown)
		h_doc_text(d, ".");
	h_doc_end_p(d);
}

/* A figure's unit as printed, and the divisor that brings its median to
 * a plain size: 2,000,683 ns reads as 2.00 ms. */
static const char *plain_unit(const char *unit, double median, double *div)
{
	static const struct {
		const char *unit;
		double ns;
	} t[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 } };
	*div = 1;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcmp(unit, t[i].unit))
			continue;
		double a = fabs(median) * t[i].ns;
		double to = a >= 1e9 ? 1e9 : a >= 1e6 ? 1e6 : a >= 1e3 ? 1e3 : 1;
		*div = to / t[i].ns;
		return to == 1e9 ? "s" : to == 1e6 ? "ms" : to == 1e3 ? "µs" : "ns";
	}
	if (!strcmp(unit, "KiB") && fabs(median) >= 10240) {
		*div = 1024;
		return "MiB";
	}
	return !strcmp(unit, "iter/us") ? "iterations per µs" : unit;
}

static void figures_table(struct h_doc *d, const struct ctx *x, const struct h_vresult *v)
{
	static const char *const head[] = { "figure", "median", "95% interval", "min–max", "n",
		                                "unit", "noisy", "reference" };
	h_doc_table(d, "figs", 8, head, NULL);
	for (int i = 0; i < v->nfig; i++) {
		const struct h_vfig *g = &v->fig[i];
		char med[32], range[72] = "—", ci[72] = "—", n[24] = "—";
		double k;
		const char *unit = plain_unit(g->unit, g->median, &k);
		h_fmt_num(med, sizeof med, g->median / k);
		if (g->n > 0) {
			char a[32], b[32];
			snprintf(range, sizeof range, "%s–%s", h_fmt_num(a, sizeof a, g->min / k),
			         h_fmt_num(b, sizeof b, g->max / k));
			snprintf(n, sizeof n, "%ld", g->n);
		}
		if (isfinite(g->ci_lo) && isfinite(g->ci_hi)) {
			char a[32], b[32];
			snprintf(ci, sizeof ci, "%s–%s", h_fmt_num(a, sizeof a, g->ci_lo / k),
			         h_fmt_num(b, sizeof b, g->ci_hi / k));
		}
		char what[512];
		explain_params(x, "", g->what, what, sizeof what);
		struct h_doc_cell c[] = { T(what), NUM(med), NUM(ci), NUM(range), NUM(n),
			                T(unit), T(g->noisy ? "noisy" : ""), T(g->ref) };
		h_doc_row(d, 8, c);
	}
	h_doc_end_table(d);
}

static void chart(struct h_doc *d, const struct ctx *x, const char *name)
{
	const char *title = name;
	for (size_t i = 0; i < NCHARTS; i++)
		if (!strcmp(charts[i].name, name))
			title = charts[i].title;
	char svg[128], png[128], alt[256], path[4200];
	snprintf(svg, sizeof svg, "plots/%s.svg", name);
	snprintf(path, sizeof path, "%s/plots/%s.png", x->dir, name);
	snprintf(png, sizeof png, "plots/%s.%s", name, access(path, R_OK) == 0 ? "png" : "svg");
	snprintf(alt, sizeof alt, "Chart %s: %s", name, title);
	if (h_doc_image(d, svg, png, alt) == 0)
		return;
	h_doc_p(d, "nochart");
	h_doc_text(d, "Chart %s (%s) is not shown: ", name, title);
	if (x->plot_note[0])
		h_doc_text(d, "%s.", x->plot_note);
	else
		h_doc_text(d, "there is no plots/%s.svg — this run has no data for it, or this version of "
		              "concbench plot does not draw it.", name);
	h_doc_end_p(d);
}

/* ---- C11: the raw stack switch beside its peers ---- */

/* The manifest's calibration.stack_switch (measure's switchpeers.c): the
 * hand-written switch, swapcontext and Boost.Context's jump_fcontext timed
 * with no scheduler around them, then coro's pingpong (the switch plus the
 * loop's bookkeeping) against the fastest of them. */
static void stack_switch_lines(struct h_doc *d, const struct ctx *x)
{
	static const char *const peer[] = { "asm", "ucontext", "boost-fcontext" };
	h_doc_heading(d, 3, NULL, "The raw switch beside its peers");
	if (!mf(&x->m, "calibration.stack_switch.what")) {
		h_doc_p(d, NULL);
		h_doc_text(d, "This run's manifest has no stack-switch calibration (it predates it): "
		              "a new run times the hand-written switch, swapcontext and "
		              "Boost.Context's side by side before its first cell.");
		h_doc_end_p(d);
		return;
	}
	const char *why = mf(&x->m, "calibration.stack_switch.why");
	if (why && strcmp(why, "null")) {
		h_doc_p(d, NULL);
		h_doc_text(d, "The stack switches were not timed in this run: %s.", why);
		h_doc_end_p(d);
		return;
	}
	h_doc_p(d, NULL);
	h_doc_text(d, "Before the first cell the run timed each switch alone, two contexts "
	              "handing control back and forth on one CPU with no scheduler around them "
	              "(the fastest of three regions):");
	h_doc_end_p(d);
	double ns[3], best = NAN;
	for (int i = 0; i < 3; i++) {
		char key[96];
		snprintf(key, sizeof key, "calibration.stack_switch.%s.ns_per_switch", peer[i]);
		const char *v = mf(&x->m, key);
		ns[i] = v && strcmp(v, "null") ? strtod(v, NULL) : NAN;
		snprintf(key, sizeof key, "calibration.stack_switch.%s.what", peer[i]);
		const char *what = mf(&x->m, key);
		h_doc_p(d, "calib");
		h_doc_text(d, "%s, %s: ", peer[i], what ? what : "?");
		if (ns[i] > 0) {
			char num[32];
			h_doc_text(d, "%s ns per switch.", h_fmt_num(num, sizeof num, ns[i]));
			if (i != 1 && (isnan(best) || ns[i] < best))
				best = ns[i];
		} else {
			snprintf(key, sizeof key, "calibration.stack_switch.%s.why", peer[i]);
			const char *w = mf(&x->m, key);
			h_doc_text(d, "missing: %s.", w && strcmp(w, "null") ? w : "not measured");
		}
		h_doc_end_p(d);
	}
	h_doc_p(d, NULL);
	if (ns[0] > 0 && ns[2] > 0)
		h_doc_text(d, "The hand-written switch costs %.1f ns, Boost.Context's %.1f ns on this "
		              "machine (%.2f×). ", ns[0], ns[2], ns[0] / ns[2]);
	const struct h_srow *rows[4];
	size_t n = h_summary_find(&x->s, "coro", "pingpong", "ns_per_switch", "placement=same-core",
	                          rows, 4);
	/* Fastest against fastest: each raw switch is the fastest of its
	 * regions, so coro's pingpong is its fastest rep here (other load
	 * only adds to a rep), its median beside it. */
	if (n >= 1 && best > 0)
		h_doc_text(d, "coro's pingpong on one core, the switch plus the loop's own "
		              "bookkeeping (the step call and the event count; the woken task "
		              "is switched to at once, no queue move), costs %.1f ns at its "
		              "fastest rep (median %.1f ns): %.2f× the fastest raw switch.",
		           rows[0]->min, rows[0]->median, rows[0]->min / best);
	else
		h_doc_text(d, "This run has no same-core coro pingpong to set beside them.");
	h_doc_end_p(d);
}

/* ---- the switch figures against the run's calibration ---- */

/* Each runtime's ns per switch on a pingpong-style workload, pinned, beside
 * the manifest's calibration at the same placement (measure's calib.c): a
 * plain two-thread ping-pong through the same kernel mechanism, pipes for
 * pipepingpong, a futex for pingpong. The ratio is what the runtime and the
 * harness add over the bare mechanism on this machine. */
static void calibration_lines(struct h_doc *d, const struct ctx *x, const char *workloads)
{
	static const char *const place[2] = { "same-core", "cross-core" };
	h_doc_heading(d, 3, NULL, "Against the calibration");
	const char *cal = mf(&x->m, "calibration");
	if (!x->m.n || (cal && !strcmp(cal, "null")) ||
	    (!cal && !mf(&x->m, "calibration.clock_read.ns_per_call"))) {
		h_doc_p(d, NULL);
		h_doc_text(d, "No calibration in this run: its manifest.json predates it, so the "
		              "switch figures stand alone (a new run measures a plain pipe and futex "
		              "ping-pong first and sets them here).");
		h_doc_end_p(d);
		return;
	}
	h_doc_p(d, NULL);
	h_doc_text(d, "Before the first cell the run timed two plain threads handing a token "
	              "back and forth, pinned as the cells are: through two pipes (the mechanism "
	              "of perf bench sched pipe, pipepingpong's yardstick) and through a futex "
	              "(pingpong's). Each runtime's median against it:");
	h_doc_end_p(d);
	int lines = 0;
	char wls[128];
	snprintf(wls, sizeof wls, "%s", workloads);
	for (char *save = NULL, *w = strtok_r(wls, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const char *kind = !strcmp(w, "pipepingpong") ? "pipe"
		                   : !strcmp(w, "pingpong")   ? "futex"
		                                              : NULL;
		if (!kind)
			continue;
		for (int k = 0; k < 2; k++) {
			char key[96], where[48];
			snprintf(key, sizeof key, "calibration.%s_%s_core.ns_per_switch", kind,
			         k ? "cross" : "same");
			snprintf(where, sizeof where, "placement=%s", place[k]);
			const char *cv = mf(&x->m, key);
			double calv = cv ? strtod(cv, NULL) : NAN;
			const struct h_srow *rows[64];
			size_t n = h_summary_find(&x->s, NULL, w, "ns_per_switch", where, rows, 64);
			if (n > 64)
				n = 64;
			if (calv > 0) {
				h_doc_p(d, "calib");
				h_doc_text(d, "%s calibration %s: %.2f µs per switch", kind, place[k],
				           calv / 1e3);
				/* The median of several regions (since their interval
				 * was recorded): how far a run's own yardstick wandered. */
				const char *f[3] = { "regions", "ci_lo", "ci_hi" }, *v[3];
				size_t base = strlen(key) - strlen("ns_per_switch");
				for (int j = 0; j < 3; j++) {
					snprintf(key + base, sizeof key - base, "%s", f[j]);
					v[j] = mf(&x->m, key);
				}
				const char *nr = v[0], *lo = v[1], *hi = v[2];
				if (nr && lo && hi && strtod(lo, NULL) > 0)
					h_doc_text(d, " (median of %s regions, 95%% interval %.2f–%.2f)", nr,
					           strtod(lo, NULL) / 1e3, strtod(hi, NULL) / 1e3);
				h_doc_text(d, ".");
				h_doc_end_p(d);
			}
			for (size_t i = 0; i < n; i++) {
				const struct h_srow *r = rows[i];
				h_doc_p(d, "calib");
				h_doc_text(d, "%s %s %s: %.2f µs", r->runtime, w, place[k], r->median / 1e3);
				if (calv > 0)
					h_doc_text(d, ", %.2f× the %s calibration", r->median / calv, kind);
				else
					h_doc_text(d, " (no %s calibration at this placement)", kind);
				/* Several points of one runtime (a rounds sweep): which. */
				for (size_t j = 0; j < n; j++)
					if (j != i && !strcmp(rows[j]->runtime, r->runtime)) {
						h_doc_text(d, " [%s]", r->params);
						break;
					}
				h_doc_text(d, ".");
				h_doc_end_p(d);
				lines++;
			}
		}
	}
	if (!lines) {
		h_doc_p(d, NULL);
		h_doc_text(d, "This run has no pinned (same-core or cross-core) switch figure to set "
		              "beside it.");
		h_doc_end_p(d);
	}
}

/* The references a section sets beside the models: run --peer's servers
 * (peer:nginx) and the production libraries run as runtimes, libuv's loop
 * and OpenMP's team (by name: no trait tells a library from a hand-written
 * model). Never ranked among the models, never in a C1-C12 verdict. */
static int reference_rt(const char *runtime)
{
	return !strncmp(runtime, "peer:", 5) || !strcmp(runtime, "uv") || !strcmp(runtime, "omp");
}

/* r's params without its runtime's own keys (omp's threads): the workload
 * point another runtime's row must carry. malloc'd; NULL on ENOMEM. */
static char *point_of(const struct h_srow *r)
{
	const struct runtime *rt = rt_find(r->runtime);
	const char *keys[16] = { 0 };
	int n = 0;
	for (const struct cb_param *c = rt ? rt->params : NULL; c && c->name && n < 15; c++)
		keys[n++] = c->name;
	return h_params_without(r->params, keys);
}

/* One reference's line. A server (throughput_rps): at the largest conns
 * where it has a throughput, the best of our hand-written models at the
 * same workload parameters, as a share of its. A CPU team (iters_per_us):
 * at its largest work, against its twin among the five by traits (omp: the
 * pool), each sized to the run's CPUs by default. */
static void ref_line(struct h_doc *d, const struct h_summary *s, const char *wl, const char *ref,
                     const char *metric)
{
	int server = !strcmp(metric, "throughput_rps");
	const char *key = server ? "conns" : "work";
	const struct h_srow *peer = NULL, *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (!strcmp(r->workload, wl) && !strcmp(r->runtime, ref) &&
		    !strcmp(r->metric, metric) && r->median > 0 &&
		    (!peer || h_param_num(r->params, key, 0) > h_param_num(peer->params, key, 0)))
			peer = r;
	}
	const struct runtime *prt = rt_find(ref);
	char *pt = peer ? point_of(peer) : NULL;
	int nthr = peer ? h_runtime_parallelism(ref, peer->params, s->ncpus) : 0;
	for (size_t i = 0; pt && i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		const struct runtime *rt = rt_find(r->runtime);
		/* A library runtime (uv: one loop) against models on as many
		 * threads; a peer server (nginx: a worker per CPU) against all. */
		int twin = server ? !reference_rt(r->runtime) && strncmp(r->runtime, "remote:", 7) &&
		                            (!prt || h_runtime_parallelism(r->runtime, r->params,
		                                                           s->ncpus) == nthr)
		                  : prt && rt && h_claims_runtime(r->runtime) &&
		                            rt->switches == prt->switches && rt->cpus == prt->cpus &&
		                            rt->cpus_param && prt->cpus_param &&
		                            h_param_num(r->params, rt->cpus_param, 0) ==
		                                    h_param_num(peer->params, prt->cpus_param, 0);
		if (!strcmp(r->workload, wl) && twin && !strcmp(r->metric, metric) &&
		    isfinite(r->median) && h_params_match(r->params, pt) &&
		    (!best || r->median > best->median))
			best = r;
	}
	free(pt);
	if (!peer || (!server && !best))
		return;
	const char *name = strncmp(ref, "peer:", 5) ? ref : ref + 5;
	char a[32], b[32];
	h_doc_p(d, "peer");
	h_doc_strong(d, "Reference: %s. ", ref);
	if (!server)
		h_doc_text(d, "At work=%.0f %s computes %s iterations per µs, %.2f× %s's %s at the "
		              "same point on the same CPUs.",
		           h_param_num(peer->params, "work", NAN), name,
		           h_fmt_num(a, sizeof a, peer->median), peer->median / best->median,
		           best->runtime, h_fmt_num(b, sizeof b, best->median));
	else if (best)
		h_doc_text(d, "At conns=%.0f the fastest hand-written model%s (%s, %s req/s) serves "
		              "%.0f%% of %s's throughput (%s req/s), measured by the same client on "
		              "the same CPUs.",
		           h_param_num(peer->params, "conns", NAN),
		           !prt ? "" : nthr == 1 ? " on one thread" : " on as many threads",
		           best->runtime,
		           h_fmt_num(a, sizeof a, best->median), 100 * best->median / peer->median,
		           name, h_fmt_num(b, sizeof b, peer->median));
	else
		h_doc_text(d, "%s served %s req/s at conns=%.0f; no model of ours ran that point.",
		           name, h_fmt_num(b, sizeof b, peer->median),
		           h_param_num(peer->params, "conns", NAN));
	h_doc_end_p(d);
}

/* Every reference of workload wl, in the order the run has them. */
static void peer_line(struct h_doc *d, const struct h_summary *s, const char *wl)
{
	const char *done[8];
	int nd = 0;
	for (size_t i = 0; i < s->n && nd < 8; i++) {
		const struct h_srow *r = &s->rows[i];
		int seen = !reference_rt(r->runtime) || strcmp(r->workload, wl) ||
		           (strcmp(r->metric, "throughput_rps") && strcmp(r->metric, "iters_per_us"));
		for (int k = 0; k < nd && !seen; k++)
			seen = !strcmp(done[k], r->runtime);
		if (seen)
			continue;
		done[nd++] = r->runtime;
		ref_line(d, s, wl, r->runtime,
		         h_summary_get(s, r->runtime, wl, "throughput_rps", NULL) ? "throughput_rps"
		                                                                   : "iters_per_us");
	}
}

/* Said on page one and in the section alike: the same words in both. */
#define NOT_MEASURED_WHERE "the command at the end of its section measures it"

/* A claim's template filled from the run (teach.c) into buf; when a
 * figure it names is missing, the sentence says which instead (where: the
 * place the command that measures it is, or NULL). */
static const char *fill(const struct ctx *x, size_t k, const char *t, const char *where,
                        char *buf, size_t len)
{
	struct h_teach_env env = { .server_cpus = x->server_cpus, .verdict = x->res[k].verdict };
	char missing[256] = "";
	int rc = h_teach_fill(&h_claims[k], &x->s, &env, t, buf, len, missing, sizeof missing);
	if (rc == 1)
		snprintf(buf, len, "Not measured in this run: it has no %s%s%s%s.", missing,
		         where ? " (" : "", where ? where : "", where ? ")" : "");
	else if (rc < 0)
		snprintf(buf, len, "(this claim's template in claims.c is broken: %s)", strerror(-rc));
	return buf;
}

static void say_filled(struct h_doc *d, const struct ctx *x, size_t k, const char *t)
{
	char buf[1024];
	h_doc_text(d, "%s", fill(x, k, t, NOT_MEASURED_WHERE, buf, sizeof buf));
}

/* The section's head: the claim in one line, the takeaway (what this run
 * measured, and why) beside its verdict, and this machine's caveats. */
static void takeaway(struct h_doc *d, const struct ctx *x, size_t k)
{
	const struct h_claim *c = &h_claims[k];
	const struct h_vresult *v = &x->res[k];
	h_doc_p(d, "claim");
	h_doc_strong(d, "The claim. ");
	h_doc_text(d, "%s", c->text);
	h_doc_end_p(d);
	h_doc_p(d, "takeaway");
	h_doc_strong(d, "Takeaway ");
	d_verdict(d, v->verdict);
	h_doc_text(d, " ");
	say_filled(d, x, k, c->takeaway);
	h_doc_end_p(d);
	h_doc_p(d, "why");
	h_doc_strong(d, "Why. ");
	say_filled(d, x, k, c->why);
	h_doc_end_p(d);
	int vm = x->f.vm == 1 && c->caveat_vm[0], one = x->server_cpus == 1 && c->caveat_cpu[0];
	if (vm || one) {
		h_doc_p(d, "caveat");
		h_doc_strong(d, "On this machine. ");
		if (one)
			say_filled(d, x, k, c->caveat_cpu);
		if (vm && one)
			h_doc_text(d, " ");
		if (vm)
			say_filled(d, x, k, c->caveat_vm);
		h_doc_end_p(d);
	}
	h_doc_p(d, NULL);
	h_doc_strong(d, "Verdict: ");
	d_verdict(d, v->verdict);
	h_doc_text(d, " — %s", short_reason(v));
	h_doc_end_p(d);
}

/* The section's end: its sources with where this run meets them, and the
 * run to try after predicting its outcome. */
static void sources_and_try(struct h_doc *d, const struct ctx *x, size_t k)
{
	const struct h_claim *c = &h_claims[k];
	h_doc_p(d, "sources");
	h_doc_strong(d, "Sources. ");
	char ids[128];
	snprintf(ids, sizeof ids, "%s", c->sources);
	int first = 1;
	for (char *save = NULL, *id = strtok_r(ids, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		const struct h_source *src = h_source_find(id);
		if (!src)
			continue;
		h_doc_text(d, "%s", first ? "" : "; ");
		h_doc_link(d, src->url, "%s", src->cite);
		first = 0;
	}
	h_doc_text(d, ". ");
	say_filled(d, x, k, c->agree);
	h_doc_end_p(d);
	h_doc_p(d, "try");
	h_doc_strong(d, "Try it. ");
	h_doc_text(d, "Predict first: %s Then run it, on a smaller budget than this report's: ",
	           c->predict);
	h_doc_code(d, c->command);
	h_doc_text(d, ", and read the answer with ");
	h_doc_code(d, "build/concbench report DIR");
	h_doc_text(d, " on the folder it names.");
	h_doc_end_p(d);
}

static void stall_timelines(struct h_doc *d, const struct ctx *x);

static void claim_section(struct h_doc *d, const struct ctx *x, size_t k)
{
	const struct h_claim *c = &h_claims[k];
	const struct h_vresult *v = &x->res[k];
	char words[1024];
	char id[8];
	snprintf(id, sizeof id, "c%s", c->id + 1);
	fprintf(d->h, "<section class=\"claim\" id=\"%s\">\n", id);
	h_doc_heading(d, 2, NULL, "%s · %s", c->id, c->title);
	takeaway(d, x, k);

	h_doc_heading(d, 3, NULL, "%s: the evidence", c->id);
	h_doc_p(d, NULL);
	h_doc_strong(d, "The question. ");
	h_doc_text(d, "%s", c->question);
	h_doc_end_p(d);
	h_doc_p(d, NULL);
	h_doc_strong(d, "The experiment. ");
	h_doc_rich(d, c->experiment);
	h_doc_text(d, " In this run:");
	h_doc_end_p(d);
	char wls[128];
	snprintf(wls, sizeof wls, "%s", c->workloads);
	for (char *save = NULL, *w = strtok_r(wls, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		describe_workload(d, x, w);
		peer_line(d, &x->s, w);
	}
	if (c->note[0]) {
		h_doc_p(d, NULL);
		h_doc_text(d, "%s", c->note);
		h_doc_end_p(d);
	}

	char names[128];
	snprintf(names, sizeof names, "%s", c->charts);
	for (char *save = NULL, *w = strtok_r(names, ",", &save); w; w = strtok_r(NULL, ",", &save))
		chart(d, x, w);

	h_doc_heading(d, 3, NULL, "%s: the measured figures", c->id);
	if (v->nfig)
		figures_table(d, x, v);
	else {
		h_doc_p(d, NULL);
		h_doc_text(d, "No figure of this run bears on the claim.");
		h_doc_end_p(d);
	}
	if (!strcmp(c->id, "C5") || !strcmp(c->id, "C6"))
		calibration_lines(d, x, c->workloads);
	if (!strcmp(c->id, "C11"))
		stack_switch_lines(d, x);
	if (!strcmp(c->id, "C3"))
		stall_timelines(d, x);
	if (c->refs[0]) {
		h_doc_p(d, NULL);
		h_doc_strong(d, "The literature's figures. ");
		h_doc_text(d, "%s", c->refs);
		h_doc_end_p(d);
	}
	h_doc_p(d, NULL);
	h_doc_strong(d, "The rule. ");
	h_doc_text(d, "%s", h_claim_words(c, words, sizeof words) ? c->words : words);
	h_doc_end_p(d);
	if (v->verdict == H_VERDICT_NO_DATA) {
		h_doc_p(d, "missing");
		h_doc_strong(d, "Missing data. ");
		h_doc_text(d, "This run cannot decide the claim. A run that can: ");
		h_doc_code(d, v->need[0] ? v->need : c->command);
		h_doc_text(d, " (then concbench report on its folder), or every claim at once: ");
		h_doc_code(d, "build/concbench run --suite standard");
		h_doc_text(d, ".");
		h_doc_end_p(d);
	}
	sources_and_try(d, x, k);
	fputs("</section>\n", d->h);
}

/* ---- the first page ---- */

static void machine_line(struct h_doc *d, const struct ctx *x);

/* CPUs a server cell had: the fewest its cells were bound to (the load
 * generator takes the rest), else the run's CPUs but the last (the
 * default split). 0 unknown. */
static int server_cpus(const struct ctx *x)
{
	int n = 0;
	for (size_t i = 0; i < x->f.ncells; i++) {
		const struct h_cellnote *c = &x->f.cells[i];
		const struct workload *w = wl_find(c->workload);
		if (w && w->load && c->ncpus_bound > 0 && (!n || c->ncpus_bound < n))
			n = c->ncpus_bound;
	}
	if (!n && x->s.ncpus > 0)
		n = x->s.ncpus > 1 ? x->s.ncpus - 1 : 1;
	return n;
}

/* The machine in a box: its CPUs and how the run split them, virtual or
 * not and what that inflates, and what another machine would change. */
static void machine_box(struct h_doc *d, const struct ctx *x)
{
	const char *vm = mf(&x->m, "virtualization.virtual_machine");
	const char *hv = mf(&x->m, "virtualization.hypervisor");
	int ncpus = x->s.ncpus, srv = x->server_cpus;
	h_doc_heading(d, 3, NULL, "The machine these figures come from");
	h_doc_p(d, "machine");
	h_doc_strong(d, "Machine. ");
	machine_line(d, x);
	h_doc_end_p(d);
	h_doc_p(d, "machine");
	h_doc_strong(d, "CPUs. ");
	if (ncpus > 0 && srv > 0)
		h_doc_text(d, "The run had %d CPU%s. Every server (echo, http, mixed) had %d and the "
		              "load generator %s; other workloads had all %d.",
		           ncpus, ncpus == 1 ? "" : "s", srv,
		           ncpus > srv ? "the rest" : "shared them", ncpus);
	else
		h_doc_text(d, "How many CPUs the run had is not recorded (no manifest.json).");
	if (srv == 1)
		h_doc_text(d, " With one server CPU, threads time-slice it: a heavy request stalls "
		              "threads too (C3), and one loop per core has nothing to spread over "
		              "(C8).");
	h_doc_end_p(d);
	h_doc_p(d, "machine");
	h_doc_strong(d, "Virtual or not. ");
	if (vm && !strcmp(vm, "true"))
		h_doc_text(d, "A virtual machine%s%s%s. That inflates every wake-up that crosses "
		              "CPUs (the hypervisor delivers the interrupt: C5's cross-core and unpinned "
		              "switches, threads' switching in C4), and it can flatter reads, which the "
		              "host may serve from its own cache (C9). Time the host gave other guests "
		              "(steal time) is not recorded here.",
		           hv && strcmp(hv, "null") ? " (" : "", hv && strcmp(hv, "null") ? hv : "",
		           hv && strcmp(hv, "null") ? ")" : "");
	else if (vm && !strcmp(vm, "false"))
		h_doc_text(d, "Not a virtual machine: wake-ups and reads are the hardware's own.");
	else
		h_doc_text(d, "Whether this was a virtual machine is not recorded.");
	h_doc_end_p(d);
	h_doc_p(d, "machine");
	h_doc_strong(d, "Elsewhere. ");
	h_doc_text(d, "On a laptop or a bare-metal server, expect ");
	if (vm && !strcmp(vm, "true"))
		h_doc_text(d, "cross-core switches much closer to same-core ones, direct reads at the "
		              "device's own speed, ");
	if (ncpus > 0 && ncpus < 4)
		h_doc_text(d, "more CPUs, so threads and loops per core can spread (C3, C8), ");
	h_doc_text(d, "and on a laptop more noise from frequency scaling and power saving. The "
	              "ranking of models rarely changes; the sizes of the gaps do.");
	h_doc_end_p(d);
}

/* How to read the figures: the units, once, and the glossary. */
static void reading_guide(struct h_doc *d, const struct ctx *x)
{
	(void)x;
	h_doc_heading(d, 3, NULL, "How to read it");
	h_doc_p(d, NULL);
	h_doc_strong(d, "Units. ");
	h_doc_text(d, "Times in ns (nanoseconds), µs (1,000 ns), ms (1,000 µs) and s; memory in "
	              "bytes, KiB (1,024 bytes) and MiB (1,024 KiB); thousands separated by commas; "
	              "× is a ratio. Every figure is a median over the repetitions, with its 95%% "
	              "interval and its min–max; one whose coefficient of variation is over 10%% "
	              "is marked noisy and deserves more --reps before it decides anything. A "
	              "ratio a rule compares with a threshold decides only when its 95%% interval "
	              "(a bootstrap over both sides' repetitions) clears it; otherwise the verdict "
	              "is inconclusive, with about how many reps would settle it.");
	h_doc_end_p(d);
	h_doc_p(d, NULL);
	h_doc_strong(d, "Words. ");
	h_doc_text(d, "Each term below is linked from its first use.");
	h_doc_end_p(d);
	d->no_links = 1;
	for (int i = 0; i < h_nglossary; i++) {
		char id[48];
		snprintf(id, sizeof id, "g-%s", h_glossary[i].id);
		h_doc_p(d, "gloss");
		h_doc_anchor(d, id);
		h_doc_strong(d, "%s", h_glossary[i].term);
		h_doc_text(d, ": %s", h_glossary[i].meaning);
		h_doc_end_p(d);
	}
	d->no_links = 0;
}

/* plots/trace_RT_WL.svg as a figure (the Markdown links its .png when
 * there is one): 0, or -ENOENT when the folder has no such timeline. */
static int trace_image(struct h_doc *d, const struct ctx *x, const char *rt, const char *wl)
{
	char svg[256], png[256], path[4400], alt[256];
	snprintf(svg, sizeof svg, "plots/trace_%s_%s.svg", rt, wl);
	snprintf(png, sizeof png, "plots/trace_%s_%s.png", rt, wl);
	snprintf(path, sizeof path, "%s/%s", x->dir, png);
	snprintf(alt, sizeof alt, "Timeline: %s running %s", rt, wl);
	return h_doc_image(d, svg, access(path, R_OK) == 0 ? png : svg, alt);
}

/* The measured timelines of `concbench trace` (plots/trace_RUNTIME_WORKLOAD.svg),
 * one per runtime, when the folder has them: what each model does while
 * its tasks wait, as the runtime recorded it. Pingpong first (the
 * hand-over), else sleep, echo, mixed; the five runtimes of the claims in
 * their usual order, then any other. */
static void timelines(struct h_doc *d, const struct ctx *x)
{
	static const char *const first[] = { "threads", "pool", "epoll", "coro", "coro-ucontext" };
	static const char *const wls[] = { "pingpong", "sleep", "echo", "mixed" };
	char pdir[4200], names[32][64];
	int n = 0;
	snprintf(pdir, sizeof pdir, "%s/plots", x->dir);
	DIR *dp = opendir(pdir);
	if (!dp)
		return;
	for (struct dirent *e; (e = readdir(dp)) && n < 32;) {
		size_t l = strlen(e->d_name);
		char *us;
		if (strncmp(e->d_name, "trace_", 6) || l < 11 || strcmp(e->d_name + l - 4, ".svg") ||
		    l - 10 >= sizeof names[0])
			continue;
		memcpy(names[n], e->d_name + 6, l - 10);
		names[n][l - 10] = '\0';
		if (!(us = strrchr(names[n], '_')))
			continue;
		*us = '\0'; /* the runtime's name; the workload follows */
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(names[i], names[n]);
		n += !dup;
	}
	closedir(dp);
	if (!n)
		return;
	qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	h_doc_heading(d, 3, "timelines", "What each model does while it waits, measured");
	h_doc_p(d, NULL);
	h_doc_text(d, "concbench trace ran a few tasks on each runtime with its recorder on: a "
	              "bar per task, green while its step ran on a CPU, grey while it waited for "
	              "what the step asked (a notify, a read, a sleep), orange once the runtime "
	              "knew the wait was over but had not yet run it. Stamped by the runtime "
	              "itself (CLOCK_MONOTONIC, thread, CPU: trace/*.csv); the recorder adds "
	              "about 0.1 µs per event, so read the shapes, not the durations of the "
	              "shortest runs. On a server, the last step of the first connection to "
	              "close runs long (about half a millisecond): that is the harness "
	              "sampling the server's memory there, after the measured window.");
	h_doc_end_p(d);
	/* In order: the five first, then the rest (sorted). */
	for (size_t k = 0; k <= sizeof first / sizeof first[0]; k++)
		for (int i = 0; i < n; i++) {
			int is_first = -1;
			for (size_t j = 0; j < sizeof first / sizeof first[0]; j++)
				if (!strcmp(names[i], first[j]))
					is_first = (int)j;
			if (k < sizeof first / sizeof first[0] ? is_first != (int)k : is_first >= 0)
				continue;
			for (size_t w = 0; w < sizeof wls / sizeof wls[0]; w++)
				if (trace_image(d, x, names[i], wls[w]) == 0)
					break;
		}
}

/* C3's stall as concbench trace recorded it (plots/trace_RT_mixed.*): on
 * a single executor the light requests wait out each heavy step; threads
 * run them beside it. Nothing when the folder has no such timeline. */
static void stall_timelines(struct h_doc *d, const struct ctx *x)
{
	static const char *const rts[] = { "epoll", "coro", "threads" };
	int shown = 0;
	for (size_t i = 0; i < sizeof rts / sizeof rts[0]; i++) {
		char path[4400];
		snprintf(path, sizeof path, "%s/plots/trace_%s_mixed.svg", x->dir, rts[i]);
		if (access(path, R_OK) != 0)
			continue;
		if (!shown++) {
			h_doc_heading(d, 3, NULL, "The stall, measured");
			h_doc_p(d, NULL);
			h_doc_text(d, "concbench trace's timelines of mixed (two connections, every third "
			              "request a heavy step): on a single executor a light request that "
			              "arrives during a heavy step stays orange (woken, not yet run) until "
			              "the step ends; on threads it runs at once on its own thread.");
			h_doc_end_p(d);
		}
		trace_image(d, x, rts[i], "mixed");
	}
	/* The cure beside the stall (C15): the same requests on epoll with the
	 * heavy step handed to the offload pool. */
	char path[4400];
	snprintf(path, sizeof path, "%s/plots/trace_epoll_mixed_offload.svg", x->dir);
	if (!shown || access(path, R_OK) != 0)
		return;
	h_doc_p(d, NULL);
	h_doc_text(d, "The cure (C15): the same requests on epoll with mixed offload=1. The heavy "
	              "step runs on a thread of the offload pool, so the loop's own thread goes on "
	              "running the light requests while it computes.");
	h_doc_end_p(d);
	trace_image(d, x, "epoll", "mixed_offload");
}

/* One machine in one line, from the manifest. */
static void machine_line(struct h_doc *d, const struct ctx *x)
{
	const struct manifest *m = &x->m;
	const char *cpu = mf(m, "cpu.model"), *topo = mf(m, "topology.summary"),
	           *kr = mf(m, "kernel.release"), *ks = mf(m, "kernel.sysname"),
	           *vm = mf(m, "virtualization.virtual_machine"),
	           *hv = mf(m, "virtualization.hypervisor"), *run = mf(m, "topology.run_cpuset");
	if (!m->n) {
		h_doc_text(d, "unknown (no manifest.json in the folder).");
		return;
	}
	h_doc_text(d, "%s; %s", cpu ? cpu : "unknown CPU", topo ? topo : "unknown topology");
	if (run)
		h_doc_text(d, " (the run used CPUs %s)", run);
	h_doc_text(d, "; %s %s", ks ? ks : "", kr ? kr : "");
	if (vm && !strcmp(vm, "true"))
		h_doc_text(d, "; a virtual machine%s%s%s", hv && strcmp(hv, "null") ? " (" : "",
		           hv && strcmp(hv, "null") ? hv : "", hv && strcmp(hv, "null") ? ")" : "");
	else if (vm && !strcmp(vm, "false"))
		h_doc_text(d, "; not a virtual machine");
	h_doc_text(d, ".");
}

/* The rows of one workload × metric at the largest value of `at` (NULL:
 * any), the best per runtime label, best first. */
struct ranked {
	char label[64];
	double v;
	const struct h_srow *r;
};

static int rank_cmp_hi(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;
	return (x < y) - (x > y);
}

/* near: the value of at to rank at, the measured one nearest it on a log
 * scale (tens of connections: 50); NaN: the largest. */
static int rank(const struct h_summary *s, const char *wl, const char *metric, const char *at,
                double near, const char *where, int hi, struct ranked *out, int max)
{
	double top = NAN;
	for (size_t i = 0; at && i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		double v = h_param_num(r->params, at, NAN);
		if (strcmp(r->workload, wl) || strcmp(r->metric, metric) || !isfinite(r->median))
			continue;
		if (isnan(near) ? isnan(top) || v > top
		                : v > 0 && (isnan(top) || fabs(log(v / near)) < fabs(log(top / near))))
			top = v;
	}
	int n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (strcmp(r->workload, wl) || strcmp(r->metric, metric) || !isfinite(r->median) ||
		    (at && h_param_num(r->params, at, NAN) != top))
			continue;
		if (!h_claims_runtime(r->runtime))
			continue; /* the picks lean on C1-C12: their five runtimes only */
		char pl[32];
		if (h_param_str(r->params, "placement", pl, sizeof pl) &&
		    !strcmp(pl, H_PLACEMENT_SHARED))
			continue; /* and on a server with CPUs of its own, as they do */
		if (where) {
			/* the row itself must carry where's pairs */
			char key[32], want[32], have[32];
			size_t klen = strcspn(where, "=");
			snprintf(key, sizeof key, "%.*s", (int)klen, where);
			snprintf(want, sizeof want, "%s", where + klen + (where[klen] == '='));
			if (!h_param_str(r->params, key, have, sizeof have) || strcmp(have, want))
				continue;
		}
		int k = 0;
		while (k < n && strcmp(out[k].label, r->runtime))
			k++;
		if (k == n) {
			if (n == max)
				continue;
			snprintf(out[n].label, sizeof out[n].label, "%s", r->runtime);
			out[n].v = r->median;
			out[n++].r = r;
		} else if (hi ? r->median > out[k].v : r->median < out[k].v) {
			out[k].v = r->median;
			out[k].r = r;
		}
	}
	if (!hi)
		for (int k = 0; k < n; k++)
			out[k].v = -out[k].v;
	qsort(out, (size_t)n, sizeof *out, rank_cmp_hi);
	if (!hi)
		for (int k = 0; k < n; k++)
			out[k].v = -out[k].v;
	return n;
}

/* Whether the repetitions of a runner-up reached the best's: its min–max
 * range overlaps the best's, so the medians' order may be luck. */
static int ranges_overlap(const struct ranked *best, const struct ranked *k, int hi)
{
	if (!best->r || !k->r)
		return 0;
	return hi ? k->r->max >= best->r->min : k->r->min <= best->r->max;
}

/* One row of the "which model" table from a ranking, best first (hi: the
 * highest is best). Runtimes within 10% of the best, or whose min–max range
 * overlaps the best's, share the pick: the run cannot tell them apart. */
static void pick_row(struct h_doc *d, const struct ctx *x, const char *job,
                     const struct ranked *rk, int n, int hi, const char *unit_note,
                     const char *ids)
{
	/* "C1 holds, C10 no data": the verdicts the pick leans on. */
	char claims_txt[160] = "", list[64];
	size_t cused = 0;
	snprintf(list, sizeof list, "%s", ids);
	for (char *save = NULL, *id = strtok_r(list, ",", &save); id;
	     id = strtok_r(NULL, ",", &save)) {
		for (size_t k = 0; k < H_NCLAIMS; k++)
			if (!strcmp(h_claims[k].id, id) && cused < sizeof claims_txt)
				cused += (size_t)snprintf(claims_txt + cused, sizeof claims_txt - cused,
				                          "%s%s %s", cused ? ", " : "", id,
				                          h_verdict_name(x->res[k].verdict));
	}
	char pick[128], why[512];
	size_t used = 0;
	if (!n) {
		struct h_doc_cell c[] = { T(job), T("not measured"), T(""), T(claims_txt) };
		h_doc_row(d, 4, c);
		return;
	}
	size_t pused = 0;
	for (int k = 0; k < n && pused < sizeof pick; k++)
		if (k == 0 || (hi ? rk[k].v >= 0.9 * rk[0].v : rk[k].v <= 1.1 * rk[0].v) ||
		    ranges_overlap(&rk[0], &rk[k], hi))
			pused += (size_t)snprintf(pick + pused, sizeof pick - pused, "%s%s",
			                          k ? " ≈ " : "", rk[k].label);
	for (int k = 0; k < n && used < sizeof why; k++) {
		char num[32];
		used += (size_t)snprintf(why + used, sizeof why - used, "%s%s %s", k ? ", " : "",
		                         rk[k].label, h_fmt_num(num, sizeof num, rk[k].v));
	}
	if (used < sizeof why)
		snprintf(why + used, sizeof why - used, " %s", unit_note);
	struct h_doc_cell c[] = { T(job), T(pick), T(why), T(claims_txt) };
	h_doc_row(d, 4, c);
}

/* The server row of the picks at conns near `near` (NaN: the largest);
 * writes it only when job is given or its point is the largest. Returns
 * the conns ranked at. */
static double server_pick(struct h_doc *d, const struct ctx *x, const char *io, double near,
                          const char *job)
{
	const struct h_summary *s = &x->s;
	struct ranked rk[16];
	char note[160];
	int n;
	n = rank(s, io, "throughput_rps", "conns", near, NULL, 1, rk, 16);
	snprintf(note, sizeof note, "requests per second on %s at conns=%.0f", io,
	         n ? h_param_num(rk[0].r->params, "conns", NAN) : NAN);
	/* The best throughput came from a client over 80% busy: it may be the
	 * client's limit, so the servers are ranked by their own CPU time per
	 * request instead, where the run has it. */
	const struct h_srow *cl = n ? h_summary_get(s, rk[0].r->runtime, io, "client_limited",
	                                            rk[0].r->params)
	                            : NULL;
	int hi = 1;
	if (cl && cl->median >= 1) {
		struct ranked by_cpu[16];
		int m = rank(s, io, "server_cpu_us_per_request", "conns", near, NULL, 0, by_cpu, 16);
		if (m) {
			n = m;
			hi = 0;
			memcpy(rk, by_cpu, sizeof by_cpu);
			snprintf(note, sizeof note,
			         "server CPU µs per request on %s at conns=%.0f (throughput is "
			         "client-limited)",
			         io, h_param_num(rk[0].r->params, "conns", NAN));
		}
	}
	double at = n ? h_param_num(rk[0].r->params, "conns", NAN) : NAN;
	if (job) {
		/* Only a point below the largest is a typical one. */
		double top = NAN;
		struct ranked big[16];
		if (rank(s, io, "throughput_rps", "conns", NAN, NULL, 1, big, 16))
			top = h_param_num(big[0].r->params, "conns", NAN);
		if (!(at < top))
			return NAN;
	}
	pick_row(d, x, job ? job : "a network server with many connections", rk, n, hi, note,
	         "C1,C4,C8");
	return at;
}

static void picks(struct h_doc *d, const struct ctx *x)
{
	const struct h_summary *s = &x->s;
	struct ranked rk[16];
	int n;
	char note[160];
	static const char *const head[] = { "job", "pick", "measured here (best first)", "claims" };
	h_doc_table(d, "picks", 4, head, NULL);

	double w = NAN;
	n = rank(s, "cpu", "iters_per_us", "work", NAN, NULL, 1, rk, 16);
	if (n)
		w = h_param_num(rk[0].r->params, "work", NAN);
	snprintf(note, sizeof note, "iterations per µs at work=%.0f", w);
	pick_row(d, x, "computation split into many tasks", rk, n, 1, note, "C1,C10");

	const char *io = h_summary_get(s, NULL, "echo", "throughput_rps", NULL) ? "echo" : "http";
	/* An ordinary program's scale (tens of connections) first, when the
	 * run measured one below its largest, then the largest. */
	server_pick(d, x, io, 50, "a network server with tens of connections");
	server_pick(d, x, io, NAN, NULL);

	/* Memory per waiting task: the lowest. */
	n = 0;
	for (const struct runtime *const *r = rt_registry; *r && n < 16; r++) {
		double m = h_mem_per_task(s, (*r)->name, NULL, 0);
		if (isnan(m) || !h_claims_runtime((*r)->name))
			continue;
		snprintf(rk[n].label, sizeof rk[n].label, "%s", (*r)->name);
		rk[n].v = -m;
		rk[n++].r = NULL;
	}
	qsort(rk, (size_t)n, sizeof *rk, rank_cmp_hi);
	for (int k = 0; k < n; k++)
		rk[k].v = -rk[k].v;
	pick_row(d, x, "very many tasks waiting at once (timers, idle connections)", rk, n, 0,
	         "KiB per waiting task", "C2,C7");

	/* The step inline (C3's cells): an offloaded row (C15's) is another
	 * program, and its label would not say so. */
	n = rank(s, "mixed", "light_p99_us", "heavy_us", NAN, "offload=0", 0, rk, 16);
	/* A model that served a fraction of the load (a pool whose workers are
	 * all held by a few connections) has a short tail for the few requests
	 * it answered: its latency is no recommendation. Only runtimes within
	 * 10% of the best throughput at the same point compete. */
	double best_rps = 0;
	double rps[16];
	for (int k = 0; k < n; k++) {
		const struct h_srow *t = h_summary_get(s, rk[k].r->runtime, "mixed", "throughput_rps",
		                                       rk[k].r->params);
		rps[k] = t ? t->median : NAN;
		if (rps[k] > best_rps)
			best_rps = rps[k];
	}
	int kept = 0;
	for (int k = 0; k < n; k++)
		if (!(rps[k] < 0.9 * best_rps))
			rk[kept++] = rk[k];
	n = kept;
	pick_row(d, x, "a service where some requests compute for long", rk, n, 0,
	         "µs light-request p99 beside heavy requests (among the runtimes that served "
	         "at least 90% of the best throughput)", "C3");

	n = rank(s, "pingpong", "ns_per_switch", NULL, NAN, NULL, 0, rk, 16);
	pick_row(d, x, "tasks handing work to each other (pipelines)", rk, n, 0,
	         "ns per switch (best placement)", "C5,C6,C11");

	n = rank(s, "file", "mib_per_s", "tasks", NAN, "cold=1", 1, rk, 16);
	pick_row(d, x, "reading files that are not in memory", rk, n, 1, "MiB/s, cold page cache",
	         "C9");
	h_doc_end_table(d);

	/* Memory at the scale a reader plans for, from the measured slopes. */
	static const int scale[] = { 10000, 100 };
	for (int i = 0; i < 2; i++) {
		int first = 1;
		for (const struct runtime *const *r = rt_registry; *r; r++) {
			char a[48], nn[32], src[128] = "";
			double m = h_mem_per_task(s, (*r)->name, src, sizeof src);
			if (isnan(m) || !strstr(src, "slope"))
				continue; /* a figure at one task count (a pool) does not scale */
			if (first) {
				h_doc_p(d, "scaled");
				h_doc_strong(d, "%s waiting tasks", h_fmt_num(nn, sizeof nn, scale[i]));
				h_doc_text(d, " (C7's measured slopes, times %s): ", nn);
			}
			h_doc_text(d, "%s%s as %s", first ? "" : ", ",
			           h_fmt_plain(a, sizeof a, m * scale[i], "KiB"), (*r)->name);
			first = 0;
		}
		if (!first) {
			h_doc_text(d, ".");
			h_doc_end_p(d);
		}
	}
}

static void first_page(struct h_doc *d, const struct ctx *x)
{
	const struct h_summary *s = &x->s;
	fputs("<section id=\"summary\">\n", d->h);
	h_doc_heading(d, 2, NULL, "In two minutes");

	/* What was compared: the runtimes and workloads the summary holds. */
	h_doc_p(d, NULL);
	h_doc_strong(d, "What was compared. ");
	int first = 1;
	for (const struct runtime *const *r = rt_registry; *r; r++) {
		if (!h_summary_get(s, (*r)->name, NULL, NULL, NULL))
			continue;
		h_doc_text(d, "%s", first ? "" : "; ");
		h_doc_code(d, (*r)->name);
		h_doc_text(d, " (%s)", (*r)->desc);
		first = 0;
	}
	if (first)
		h_doc_text(d, "nothing: the summary has no rows (every cell failed, or none ran)");
	h_doc_text(d, ". Workloads: ");
	first = 1;
	for (const struct workload *const *w = wl_registry; *w; w++) {
		if (!h_summary_get(s, NULL, (*w)->name, NULL, NULL))
			continue;
		h_doc_text(d, "%s", first ? "" : ", ");
		h_doc_code(d, (*w)->name);
		first = 0;
	}
	if (first)
		h_doc_text(d, "none.");
	else
		h_doc_text(d, ". Every runtime ran the same task code, so a difference is the execution "
		              "model and nothing else.");
	h_doc_end_p(d);
	machine_box(d, x);
	timelines(d, x);

	h_doc_heading(d, 3, NULL, "The claims, answered by this run");
	h_doc_p(d, NULL);
	h_doc_text(d, "Each verdict is computed from this run's figures by the rule its section "
	              "states: holds, does not hold, depends (and on what), inconclusive (a deciding "
	              "ratio's 95%% interval straddles its threshold: the section says about how "
	              "many repetitions would settle it), or no data (the section gives the "
	              "command that would produce it).");
	h_doc_end_p(d);
	/* The takeaway, not the rule's reason: a reader of page one alone
	 * gets each answer in plain units, its reason in the section. */
	static const char *const head[] = { "claim", "in short", "verdict", "takeaway" };
	h_doc_table(d, "headline", 4, head, NULL);
	for (size_t k = 0; k < H_NCLAIMS; k++) {
		char href[8], take[1024];
		snprintf(href, sizeof href, "#c%s", h_claims[k].id + 1);
		fill(x, k, h_claims[k].takeaway, NOT_MEASURED_WHERE, take, sizeof take);
		struct h_doc_cell c[] = { T(h_claims[k].id), T(h_claims[k].title),
		                          T(h_verdict_name(x->res[k].verdict)), T(take) };
		c[0].href = href;
		c[2].badge = verdict_class(x->res[k].verdict);
		c[2].strong = 1;
		h_doc_row(d, 4, c);
	}
	h_doc_end_table(d);

	h_doc_heading(d, 3, NULL, "Which model to pick, on this machine");
	h_doc_p(d, NULL);
	h_doc_text(d, "For each kind of job, the five runtimes of the claims C1-C12 ranked by this "
	              "run's own figure for it (at "
	              "the largest parameter point measured, and for a server also at tens of "
	              "connections, the scale of an ordinary program); runtimes within 10%% of the best, or "
	              "whose min–max range over the repetitions overlaps the best's, share the pick. "
	              "The claims' sections explain the why; the newer runtimes have sections of "
	              "their own, and the production libraries (uv, omp, nginx) are reference "
	              "lines beside the models in the claims' sections.");
	h_doc_end_p(d);
	picks(d, x);
	reading_guide(d, x);
	fputs("</section>\n", d->h);
}

/* ---- the machine ---- */

static void topology(struct h_doc *d, const struct ctx *x)
{
	char xml[4200], out[4200], pdir[4200];
	snprintf(xml, sizeof xml, "%s/topology.xml", x->dir);
	snprintf(pdir, sizeof pdir, "%s/plots", x->dir);
	snprintf(out, sizeof out, "%s/plots/topology.svg", x->dir);
	int have_xml = access(xml, R_OK) == 0;
	h_doc_p(d, NULL);
	if (!in_path("lstopo")) {
		h_doc_text(d, "No topology drawing: hwloc's lstopo is not installed (Debian: apt-get "
		              "install hwloc).");
		h_doc_end_p(d);
		return;
	}
	mkdir(pdir, 0777); /* EEXIST is fine; a failure shows as lstopo's */
	/* lstopo's default legend is this host and today's date: wrong for a
	 * run's topology.xml; name where the drawing comes from instead. */
	char legend[256];
	const char *host = mf(&x->m, "hostname");
	snprintf(legend, sizeof legend, have_xml ? "From the run's topology.xml (host %s)"
	                                         : "The machine writing the report, not the run's",
	         host ? host : "unknown");
	char *argv_xml[] = { "lstopo", "--if", "xml", "--input", xml, "--no-default-legend",
		             "--append-legend", legend, "--of", "svg", "--force", out, NULL };
	char *argv_here[] = { "lstopo", "--no-default-legend", "--append-legend", legend,
		              "--of", "svg", "--force", out, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = -1;
	if (posix_spawnp(&pid, "lstopo", &fa, NULL, have_xml ? argv_xml : argv_here, environ) == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	posix_spawn_file_actions_destroy(&fa);
	if (have_xml)
		h_doc_text(d, "The topology of the machine that ran, drawn by hwloc's lstopo from the "
		              "run's topology.xml:");
	else
		h_doc_text(d, "The run has no topology.xml, so this is the topology of the machine that "
		              "wrote the report, drawn by hwloc's lstopo — it may not be the machine "
		              "that ran:");
	h_doc_end_p(d);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    h_doc_image(d, "plots/topology.svg", "plots/topology.svg",
	                "Topology drawn by lstopo") < 0) {
		h_doc_p(d, "nochart");
		h_doc_text(d, "lstopo could not draw it (exit status %d).",
		           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		h_doc_end_p(d);
	}
}

static void manifest_table(struct h_doc *d, const struct ctx *x)
{
	const struct manifest *m = &x->m;
	static const struct {
		const char *label, *keys; /* space-separated manifest paths */
	} rows[] = {
		{ "CPU", "cpu.model cpu.vendor" },
		{ "topology", "topology.summary" },
		{ "CPUs the run used", "topology.run_cpuset" },
		{ "NUMA nodes, L3 caches", "topology.numa_nodes topology.l3_caches" },
		{ "kernel", "kernel.sysname kernel.release kernel.version kernel.machine" },
		{ "virtual machine", "virtualization.virtual_machine virtualization.hypervisor" },
		{ "container", "virtualization.container" },
		{ "frequency", "frequency.scaling_governor frequency.cpuinfo_max_khz:kHz "
		               "frequency.cpuinfo_mhz:MHz" },
		{ "transparent huge pages", "transparent_hugepages.enabled" },
		{ "isolated CPUs", "cpu_isolation.isolated" },
		{ "allocator", "allocator.libc allocator.malloc_from" },
		{ "RLIMIT_NOFILE (soft, hard)", "limits.RLIMIT_NOFILE.soft limits.RLIMIT_NOFILE.hard" },
		{ "RLIMIT_NPROC (soft)", "limits.RLIMIT_NPROC.soft" },
		{ "threads-max, pid_max", "limits.threads_max limits.pid_max" },
		{ "vm.max_map_count", "limits.max_map_count" },
		{ "cgroup pids.max", "limits.cgroup_pids_max" },
		{ "cgroup memory limit", "limits.cgroup_memory_max_bytes.value:bytes" },
		{ "compiler", "compiler" },
		{ "flags, build type", "cflags build_type" },
		{ "commit", "git_commit" },
		{ "written (time, host)", "created hostname" },
	};
	static const char *const head[] = { "", "value" };
	h_doc_table(d, "manifest", 2, head, NULL);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char val[512] = "", keys[256];
		size_t used = 0;
		snprintf(keys, sizeof keys, "%s", rows[i].keys);
		for (char *save = NULL, *k = strtok_r(keys, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
			/* "path:unit": the unit follows a number the manifest
			 * keeps bare. */
			char *unit = strchr(k, ':');
			if (unit)
				*unit++ = '\0';
			const char *v = mf(m, k);
			if (v && !strcmp(v, "null"))
				continue; /* not known on this machine */
			if (v && (!strcmp(v, "true") || !strcmp(v, "false")))
				v = v[0] == 't' ? "yes" : "no";
			char grouped[48];
			if (v && v[0] && strspn(v, "0123456789") == strlen(v) && strlen(v) < 16)
				v = h_fmt_num(grouped, sizeof grouped, strtod(v, NULL)); /* 192,729 */
			if (v && used < sizeof val)
				used += (size_t)snprintf(val + used, sizeof val - used, "%s%s%s%s",
				                         used ? ", " : "", v,
				                         unit && strcmp(v, "unlimited") ? " " : "",
				                         unit && strcmp(v, "unlimited") ? unit : "");
		}
		struct h_doc_cell c[] = { T(rows[i].label), T(used ? val : "not recorded") };
		h_doc_row(d, 2, c);
	}
	/* The command line, its words joined. */
	char cmd[1024] = "";
	size_t used = 0;
	for (int i = 0; used < sizeof cmd; i++) {
		char key[32];
		snprintf(key, sizeof key, "command_line.%d", i);
		const char *v = mf(m, key);
		if (!v)
			break;
		used += (size_t)snprintf(cmd + used, sizeof cmd - used, "%s%s", i ? " " : "", v);
	}
	struct h_doc_cell c[] = { T("command line"), T(used ? cmd : "not recorded") };
	h_doc_row(d, 2, c);
	h_doc_end_table(d);

	/* Everything else, for the record: HTML only, folded (the Markdown
	 * points at the file, which is just as readable). */
	fputs("<details><summary>Every manifest field</summary>\n<div class=\"scroll\"><table>"
	      "<thead><tr><th>field</th><th>value</th></tr></thead><tbody>\n", d->h);
	for (size_t i = 0; i < m->n; i++) {
		fputs("<tr><td>", d->h);
		h_html_esc(d->h, m->e[i].k);
		fputs("</td><td>", d->h);
		h_html_esc(d->h, m->e[i].v);
		fputs("</td></tr>\n", d->h);
	}
	fputs("</tbody></table></div></details>\n", d->h);
	fputs("Every field: see manifest.json in this folder.\n\n", d->m);
}

static void machine_section(struct h_doc *d, const struct ctx *x)
{
	fputs("<section class=\"claim\" id=\"machine\">\n", d->h);
	h_doc_heading(d, 2, NULL, "The machine");
	h_doc_p(d, NULL);
	if (x->m.n)
		h_doc_text(d, "From the run's manifest.json, written before the first cell ran.");
	else
		h_doc_text(d, "The folder has no readable manifest.json: the machine is unknown.");
	h_doc_end_p(d);
	if (x->m.n)
		manifest_table(d, x);
	topology(d, x);
	fputs("</section>\n", d->h);
}

/* ---- the document ---- */

static const char style[] =
	"body{font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#111;"
	"background:#fff;max-width:62rem;margin:0 auto;padding:0 1rem 3rem}"
	"h1{font-size:1.8rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #444}"
	"h3{margin-top:1.5rem}.sub{color:#444;margin-top:0}"
	"table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}"
	"th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}"
	"th{background:#eee}td.num{text-align:right;white-space:nowrap;"
	"font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}"
	".v{display:inline-block;padding:0 .45em;border:2px solid;border-radius:.3em;"
	"font-weight:bold;white-space:nowrap}"
	".v-holds{background:#dff3df;border-color:#1d6b1d}"
	".v-not{background:#f9dede;border-color:#8f1f1f;border-style:double}"
	".v-depends{background:#fbf0c9;border-color:#7a5c00;border-style:dashed}"
	".v-nodata{background:#eee;border-color:#777;border-style:dotted}"
	".v-inconclusive{background:#e8eefa;border-color:#34558b;border-style:dotted}"
	"p.verdict{font-size:1.05rem}p.run{margin:.2rem 0 .2rem 1rem}"
	"p.missing,p.nochart{background:#f4f4f4;border-left:4px solid #777;padding:.4rem .6rem}"
	"figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}"
	"figcaption{font-size:.9rem;color:#444}code{background:#f2f2f2;padding:0 .2em;"
	"overflow-wrap:anywhere}nav ol{columns:2}"
	"@media print{section.claim{break-before:page}.scroll{overflow:visible}nav{display:none}"
	"body{max-width:none}}";

static void write_doc(struct h_doc *d, const struct ctx *x)
{
	const char *commit = mf(&x->m, "git_commit"), *created = mf(&x->m, "created");
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<link rel=\"icon\" href=\"data:,\">\n<title>concbench report — ", d->h);
	h_html_esc(d->h, x->dir);
	fprintf(d->h, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n", style);
	fputs("<h1>Threads, a pool, or async? What this machine says</h1>\n<p class=\"sub\">", d->h);
	fputs("# Threads, a pool, or async? What this machine says\n\n", d->m);
	h_doc_text(d, "concbench report of %s", x->dir);
	if (created)
		h_doc_text(d, ", run started %s", created);
	if (commit)
		h_doc_text(d, ", commit %s", commit);
	h_doc_text(d, ".");
	fputs("</p>\n</header>\n", d->h);
	fputs("\n\n", d->m);

	first_page(d, x);

	fputs("<nav><h2>Contents</h2><ol>", d->h);
	for (size_t k = 0; k < H_NCLAIMS; k++) {
		fprintf(d->h, "<li><a href=\"#c%s\">%s · ", h_claims[k].id + 1, h_claims[k].id);
		h_html_esc(d->h, h_claims[k].title);
		fputs("</a></li>", d->h);
	}
	fputs("<li><a href=\"#machine\">The machine</a></li></ol></nav>\n", d->h);

	for (size_t k = 0; k < H_NCLAIMS; k++)
		claim_section(d, x, k);
	machine_section(d, x);
	fputs("</body>\n</html>\n", d->h);
}

/* Loads DIR, judges every claim and draws missing charts: 0, or an error
 * already said. */
static int ctx_load(struct ctx *x, const char *dir)
{
	memset(x, 0, sizeof *x);
	x->dir = dir;
	int err = h_summary_load(dir, &x->s);
	if (err)
		return err; /* it said why */
	err = h_runfacts_load(dir, &x->f);
	if (!err)
		err = manifest_load(dir, &x->m);
	if (err) {
		if (err == -ENOMEM)
			h_error("out of memory reading %s", dir);
		return err;
	}
	for (size_t k = 0; k < H_NCLAIMS; k++) {
		if (h_claims[k].rule)
			h_claims[k].rule(&x->s, &x->f, &x->res[k]);
	}
	ensure_plots(x);
	x->server_cpus = server_cpus(x);
	return 0;
}

static void ctx_free(struct ctx *x)
{
	h_summary_free(&x->s);
	h_runfacts_free(&x->f);
	manifest_free(&x->m);
}

int h_report_write(const char *dir)
{
	static struct ctx x; /* the rule results are large; one report per process */
	int err = ctx_load(&x, dir);
	if (err)
		goto out;

	/* The glossary's terms, linked at their first use. */
	static struct h_doc_term terms[64];
	int nterms = 0;
	for (int i = 0; i < h_nglossary && nterms < 64; i++)
		terms[nterms++] = (struct h_doc_term){ h_glossary[i].id, h_glossary[i].forms };
	struct h_doc d = { .scroll = 1, .terms = terms, .nterms = nterms };
	err = h_doc_open(&d, dir, "report");
	if (err) {
		h_error("cannot write the report in %s: %s", dir, strerror(-err));
		goto out;
	}
	write_doc(&d, &x);
	err = h_doc_close(&d); /* it said why */
	if (!err)
		printf("wrote %s/report.html and %s/report.md\n", dir, dir);
out:
	ctx_free(&x);
	return err;
}

/* ---- slides: one page per claim, for a projector ---- */

static const char slide_style[] =
	"body{font:28px/1.35 system-ui,sans-serif;color:#111;background:#fff;margin:0 auto;"
	"max-width:1280px;padding:1rem 2rem}h1{font-size:1.6em;margin:.3em 0}"
	".claim{color:#444;font-size:.8em}.takeaway{font-size:1.05em;font-weight:600}"
	".v{padding:0 .4em;border:3px solid;border-radius:.3em;white-space:nowrap}"
	".v-holds{background:#dff3df;border-color:#1d6b1d}.v-not{background:#f9dede;"
	"border-color:#8f1f1f;border-style:double}.v-depends{background:#fbf0c9;"
	"border-color:#7a5c00;border-style:dashed}.v-nodata{background:#eee;border-color:#777;"
	"border-style:dotted}img{display:block;width:100%;height:auto;margin:.3em 0}"
	".why{font-size:.85em}"
	"table{border-collapse:collapse;font-size:.8em}td{border:1px solid #999;padding:.2em .5em}"
	"td.num{text-align:right}.src{font-size:.6em;color:#444}";

static void slide_text(FILE *f, const struct ctx *x, size_t k, const char *t)
{
	char buf[1024];
	h_html_esc(f, fill(x, k, t, NULL, buf, sizeof buf));
}

/* The chart claim k's slide shows: the first of its charts the run drew
 * (plots/NAME.svg); 0 when it has none. */
static int slide_chart(const struct ctx *x, size_t k, char *name, size_t len)
{
	char list[128];
	snprintf(list, sizeof list, "%s", h_claims[k].charts);
	for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char path[4300];
		snprintf(path, sizeof path, "%s/plots/%s.svg", x->dir, w);
		if (access(path, R_OK) == 0) {
			snprintf(name, len, "%s", w);
			return 1;
		}
	}
	return 0;
}

/* DIR/slides/cN.html: the claim, its takeaway and verdict, one chart
 * across the slide, the one-line reason, its first three figures, its
 * sources; self-contained. */
static int write_slide(const struct ctx *x, size_t k)
{
	const struct h_claim *c = &h_claims[k];
	const struct h_vresult *v = &x->res[k];
	char sdir[4200], name[32];
	snprintf(sdir, sizeof sdir, "%s/slides", x->dir);
	snprintf(name, sizeof name, "c%s.html", c->id + 1);
	struct h_atomic a;
	FILE *f = h_atomic_open(&a, sdir, name);
	if (!f)
		return -errno;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	fprintf(f, "%s · ", c->id);
	h_html_esc(f, c->title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s · ", slide_style, c->id);
	h_html_esc(f, c->title);
	fputs("</h1>\n<p class=\"claim\">", f);
	h_html_esc(f, c->text);
	fprintf(f, "</p>\n<p class=\"takeaway\"><span class=\"%s\">%s</span> ",
	        verdict_class(v->verdict), h_verdict_name(v->verdict));
	slide_text(f, x, k, c->takeaway);
	fputs("</p>\n", f);
	/* One chart across the slide's width: the projector's version drawn
	 * for it (larger type), else the report's own. */
	char w[64];
	if (slide_chart(x, k, w, sizeof w)) {
		char path[4300];
		snprintf(path, sizeof path, "%s/slides/charts/%s.svg", x->dir, w);
		if (h_html_svg_img(f, path, NULL, w) != 0) {
			snprintf(path, sizeof path, "%s/plots/%s.svg", x->dir, w);
			h_html_svg_img(f, path, NULL, w);
		}
	}
	fputs("\n<p class=\"why\"><b>Why.</b> ", f);
	slide_text(f, x, k, c->why);
	fputs("</p>\n<table>\n", f);
	for (int i = 0; i < v->nfig && i < 3; i++) {
		const struct h_vfig *g = &v->fig[i];
		char val[64];
		fputs("<tr><td>", f);
		h_html_esc(f, g->what);
		fputs("</td><td class=\"num\">", f);
		h_html_esc(f, h_fmt_plain(val, sizeof val, g->median, g->unit));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"src\">", f);
	char ids[128];
	snprintf(ids, sizeof ids, "%s", c->sources);
	for (char *save = NULL, *id = strtok_r(ids, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		const struct h_source *src = h_source_find(id);
		if (src) {
			h_html_esc(f, src->cite);
			fputs(". ", f);
		}
	}
	fputs("concbench report of ", f);
	h_html_esc(f, x->dir);
	fputs("</p>\n</body>\n</html>\n", f);
	return h_atomic_commit(&a, f);
}

int h_report_slides(const char *dir)
{
	static struct ctx x;
	int err = ctx_load(&x, dir);
	char sdir[4200];
	snprintf(sdir, sizeof sdir, "%s/slides", dir);
	if (!err && mkdir(sdir, 0777) != 0 && errno != EEXIST) {
		err = -errno;
		h_error("cannot make %s: %s", sdir, strerror(-err));
	}
	/* The slides' charts drawn again for a projector; without gnuplot
	 * (or when that fails) a slide shows the report's own chart. */
	char gp[4200], names[1024] = "";
	for (size_t k = 0; !err && k < H_NCLAIMS; k++) {
		char w[64];
		size_t n = strlen(names);
		if (slide_chart(&x, k, w, sizeof w))
			snprintf(names + n, sizeof names - n, "%s%s", n ? "," : "", w);
	}
	if (!err && names[0] && h_find_in_path("gnuplot", gp, sizeof gp) &&
	    h_plot_slides(dir, names) != 0)
		printf("the slides show the report's charts: drawing them for a projector failed "
		       "(above)\n");
	for (size_t k = 0; !err && k < H_NCLAIMS; k++) {
		err = write_slide(&x, k);
		if (err)
			h_error("cannot write a slide in %s: %s", sdir, strerror(-err));
	}
	if (!err)
		printf("wrote %s/cN.html, one page per claim\n", sdir);
	ctx_free(&x);
	return err;
}

int h_report_writable(const char *dir)
{
	static const char *const outs[] = { "report.html", "report.md" };
	char path[4200];
	struct stat st;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, outs[i]);
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			h_error("cannot write the report: '%s' exists and is not a file", path);
			return H_REPORTED;
		}
	}
	/* Writable? Found out now, before minutes of plotting, by making the
	 * files the report is written through. */
	struct h_doc d;
	int e = h_doc_open(&d, dir, "report");
	if (e) {
		h_error("cannot write the report in '%s': %s", dir, strerror(-e));
		return H_REPORTED;
	}
	h_doc_abort(&d);
	return 0;
}
