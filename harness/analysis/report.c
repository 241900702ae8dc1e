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
	{ "memory", "memory per waiting task against tasks, user and kernel" },
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
	{ "file", "file: MiB/s cold and warm" },
	{ "skew_cpu", "cpu: iterations per µs at even (skew=0) and skewed task sizes, by runtime" },
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

static void describe_workload(struct h_doc *d, const struct h_summary *s,
                              const struct h_runfacts *f, const char *wl)
{
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
		for (int k = 0; k < rts[i].n; k++)
			h_doc_text(d, "%s%s", k ? " | " : "", rts[i].val[k]);
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
			h_doc_text(d, "%s%s = ", first ? (pass ? " Fixed: " : swept) : "; ",
			           keys[j].name);
			first = 0;
			for (int m = 0; m < keys[j].n; m++)
				h_doc_text(d, "%s%s", m ? ", " : "", keys[j].val[m]);
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
		h_doc_text(d, "%s%s (%s): %s", shown ? "; " : " Failed cells (in no median): ",
		           c->runtime, c->params, c->limit[0] ? c->limit : c->error);
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

static void figures_table(struct h_doc *d, const struct h_vresult *v)
{
	static const char *const head[] = { "figure", "median", "95% interval", "min–max", "n",
		                                "unit", "noisy", "reference" };
	h_doc_table(d, "figs", 8, head, NULL);
	for (int i = 0; i < v->nfig; i++) {
		const struct h_vfig *g = &v->fig[i];
		char med[32], range[72] = "—", ci[72] = "—", n[24] = "—";
		h_fmt_num(med, sizeof med, g->median);
		if (g->n > 0) {
			char a[32], b[32];
			snprintf(range, sizeof range, "%s–%s", h_fmt_num(a, sizeof a, g->min),
			         h_fmt_num(b, sizeof b, g->max));
			snprintf(n, sizeof n, "%ld", g->n);
		}
		if (isfinite(g->ci_lo) && isfinite(g->ci_hi)) {
			char a[32], b[32];
			snprintf(ci, sizeof ci, "%s–%s", h_fmt_num(a, sizeof a, g->ci_lo),
			         h_fmt_num(b, sizeof b, g->ci_hi));
		}
		struct h_doc_cell c[] = { T(g->what), NUM(med), NUM(ci), NUM(range), NUM(n),
			                T(g->unit), T(g->noisy ? "noisy" : ""), T(g->ref) };
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
				h_doc_text(d, "%s calibration %s: %.2f µs per switch.", kind, place[k],
				           calv / 1e3);
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

/* run --peer nginx: the reference line of a server section. At the
 * largest conns where the peer has a throughput, the best of our models
 * at the same workload parameters, as a share of the peer's. */
static void peer_line(struct h_doc *d, const struct h_summary *s, const char *wl)
{
	const struct h_srow *peer = NULL, *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (!strcmp(r->workload, wl) && !strncmp(r->runtime, "peer:", 5) &&
		    !strcmp(r->metric, "throughput_rps") && r->median > 0 &&
		    (!peer || h_param_num(r->params, "conns", 0) > h_param_num(peer->params, "conns", 0)))
			peer = r;
	}
	if (!peer)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (!strcmp(r->workload, wl) && strncmp(r->runtime, "peer:", 5) &&
		    strncmp(r->runtime, "remote:", 7) && !strcmp(r->metric, "throughput_rps") &&
		    isfinite(r->median) && h_params_match(r->params, peer->params) &&
		    (!best || r->median > best->median))
			best = r;
	}
	char a[32], b[32];
	h_doc_p(d, "peer");
	h_doc_strong(d, "Reference: %s. ", peer->runtime);
	if (best)
		h_doc_text(d, "At conns=%.0f the fastest hand-written model (%s, %s req/s) serves "
		              "%.0f%% of %s's throughput (%s req/s), measured by the same client on "
		              "the same CPUs.",
		           h_param_num(peer->params, "conns", NAN), best->runtime,
		           h_fmt_num(a, sizeof a, best->median), 100 * best->median / peer->median,
		           peer->runtime + 5, h_fmt_num(b, sizeof b, peer->median));
	else
		h_doc_text(d, "%s served %s req/s at conns=%.0f; no model of ours ran that point.",
		           peer->runtime + 5, h_fmt_num(b, sizeof b, peer->median),
		           h_param_num(peer->params, "conns", NAN));
	h_doc_end_p(d);
}

static void claim_section(struct h_doc *d, const struct ctx *x, size_t k)
{
	const struct h_claim *c = &h_claims[k];
	const struct h_vresult *v = &x->res[k];
	char words[1024];
	char id[8];
	snprintf(id, sizeof id, "c%s", c->id + 1);
	fprintf(d->h, "<section class=\"claim\" id=\"%s\">\n", id);
	h_doc_heading(d, 2, NULL, "%s · %s", c->id, c->title);

	h_doc_p(d, "verdict");
	h_doc_strong(d, "Verdict: ");
	d_verdict(d, v->verdict);
	h_doc_text(d, " — %s", short_reason(v));
	h_doc_end_p(d);

	h_doc_p(d, "claim");
	h_doc_strong(d, "The claim. ");
	h_doc_text(d, "%s", c->text);
	h_doc_end_p(d);
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
		describe_workload(d, &x->s, &x->f, w);
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
		figures_table(d, v);
	else {
		h_doc_p(d, NULL);
		h_doc_text(d, "No figure of this run bears on the claim.");
		h_doc_end_p(d);
	}
	if (!strcmp(c->id, "C5") || !strcmp(c->id, "C6"))
		calibration_lines(d, x, c->workloads);
	if (c->refs[0]) {
		h_doc_p(d, NULL);
		h_doc_strong(d, "The literature. ");
		h_doc_text(d, "%s", c->refs);
		h_doc_end_p(d);
	}
	h_doc_p(d, NULL);
	h_doc_strong(d, "The rule. ");
	h_doc_text(d, "%s", h_claim_words(c, words, sizeof words) ? c->words : words);
	h_doc_text(d, " Figures are medians over the repetitions; a noisy one (coefficient of "
	          "variation over 10%%) deserves more --reps before it decides anything.");
	h_doc_end_p(d);
	if (v->verdict == H_VERDICT_NO_DATA) {
		h_doc_p(d, "missing");
		h_doc_strong(d, "Missing data. ");
		h_doc_text(d, "This run cannot decide the claim. A run that can: ");
		h_doc_code(d, v->need[0] ? v->need : c->command);
		h_doc_text(d, " (then concbench report on its folder), or every claim at once: ");
		h_doc_code(d, "concbench run --suite standard");
		h_doc_text(d, ".");
		h_doc_end_p(d);
	}
	fputs("</section>\n", d->h);
}

/* ---- the first page ---- */

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

static int rank(const struct h_summary *s, const char *wl, const char *metric, const char *at,
                const char *where, int hi, struct ranked *out, int max)
{
	double top = NAN;
	for (size_t i = 0; at && i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		double v = h_param_num(r->params, at, NAN);
		if (!strcmp(r->workload, wl) && !strcmp(r->metric, metric) && isfinite(r->median) &&
		    (isnan(top) || v > top))
			top = v;
	}
	int n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (strcmp(r->workload, wl) || strcmp(r->metric, metric) || !isfinite(r->median) ||
		    (at && h_param_num(r->params, at, NAN) != top))
			continue;
		if (!strncmp(r->runtime, "peer:", 5))
			continue; /* a reference (peer_line), not a model to pick */
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

static void picks(struct h_doc *d, const struct ctx *x)
{
	const struct h_summary *s = &x->s;
	struct ranked rk[16];
	int n;
	char note[160];
	static const char *const head[] = { "job", "pick", "measured here (best first)", "claims" };
	h_doc_table(d, "picks", 4, head, NULL);

	double w = NAN;
	n = rank(s, "cpu", "iters_per_us", "work", NULL, 1, rk, 16);
	if (n)
		w = h_param_num(rk[0].r->params, "work", NAN);
	snprintf(note, sizeof note, "iterations per µs at work=%.0f", w);
	pick_row(d, x, "computation split into many tasks", rk, n, 1, note, "C1,C10");

	const char *io = h_summary_get(s, NULL, "echo", "throughput_rps", NULL) ? "echo" : "http";
	n = rank(s, io, "throughput_rps", "conns", NULL, 1, rk, 16);
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
		int m = rank(s, io, "server_cpu_us_per_request", "conns", NULL, 0, by_cpu, 16);
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
	pick_row(d, x, "a network server with many connections", rk, n, hi, note, "C1,C4,C8");

	/* Memory per waiting task: the lowest. */
	n = 0;
	for (const struct runtime *const *r = rt_registry; *r && n < 16; r++) {
		double m = h_mem_per_task(s, (*r)->name, NULL, 0);
		if (isnan(m))
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

	n = rank(s, "mixed", "light_p99_us", "heavy_us", NULL, 0, rk, 16);
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

	n = rank(s, "pingpong", "ns_per_switch", NULL, NULL, 0, rk, 16);
	pick_row(d, x, "tasks handing work to each other (pipelines)", rk, n, 0,
	         "ns per switch (best placement)", "C5,C6,C11");

	n = rank(s, "file", "mib_per_s", "tasks", "cold=1", 1, rk, 16);
	pick_row(d, x, "reading files that are not in memory", rk, n, 1, "MiB/s, cold page cache",
	         "C9");
	h_doc_end_table(d);
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
	h_doc_p(d, NULL);
	h_doc_strong(d, "Machine. ");
	machine_line(d, x);
	h_doc_end_p(d);

	h_doc_heading(d, 3, NULL, "The claims, answered by this run");
	h_doc_p(d, NULL);
	h_doc_text(d, "Each verdict is computed from this run's figures by the rule its section "
	              "states: holds, does not hold, depends (and on what), or no data (the section "
	              "gives the command that would produce it).");
	h_doc_end_p(d);
	static const char *const head[] = { "claim", "in short", "verdict", "what this run measured" };
	h_doc_table(d, "headline", 4, head, NULL);
	for (size_t k = 0; k < H_NCLAIMS; k++) {
		char href[8];
		snprintf(href, sizeof href, "#c%s", h_claims[k].id + 1);
		struct h_doc_cell c[] = { T(h_claims[k].id), T(h_claims[k].title),
		                          T(h_verdict_name(x->res[k].verdict)), T(short_reason(&x->res[k])) };
		c[0].href = href;
		c[2].badge = verdict_class(x->res[k].verdict);
		c[2].strong = 1;
		h_doc_row(d, 4, c);
	}
	h_doc_end_table(d);

	h_doc_heading(d, 3, NULL, "Which model to pick, on this machine");
	h_doc_p(d, NULL);
	h_doc_text(d, "For each kind of job, the runtimes ranked by this run's own figure for it (at "
	              "the largest parameter point measured); runtimes within 10%% of the best, or "
	              "whose min–max range over the repetitions overlaps the best's, share the pick. "
	              "The claims' sections explain the why.");
	h_doc_end_p(d);
	picks(d, x);
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

int h_report_write(const char *dir)
{
	static struct ctx x; /* the rule results are large; one report per process */
	memset(&x, 0, sizeof x);
	x.dir = dir;
	int err = h_summary_load(dir, &x.s);
	if (err)
		return err; /* it said why */
	err = h_runfacts_load(dir, &x.f);
	if (!err)
		err = manifest_load(dir, &x.m);
	if (err) {
		if (err == -ENOMEM)
			h_error("out of memory reading %s", dir);
		goto out;
	}
	for (size_t k = 0; k < H_NCLAIMS; k++) {
		if (h_claims[k].rule)
			h_claims[k].rule(&x.s, &x.f, &x.res[k]);
	}
	ensure_plots(&x);

	struct h_doc d = { .scroll = 1 };
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
	h_summary_free(&x.s);
	h_runfacts_free(&x.f);
	manifest_free(&x.m);
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
