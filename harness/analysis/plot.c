/* plot.c — the charts of a finished run, drawn by gnuplot.
 *
 * Every chart is one row of charts[] below: its name (DIR/plots/NAME.svg,
 * .png and .dat; the report refers to charts by these names), the gnuplot
 * script of its kind (plots/KIND.gp; charts of one shape share a script and
 * differ in the knobs passed to it), the workload and metrics it draws, and
 * the writer of its data shape. For each chart, h_plot() groups the run's
 * rows (read with h_summary_load(), the reader the report uses too, so a
 * chart and the verdict beside it see the same rows) into series, lets the
 * writer put a small whitespace-separated data file in DIR/plots/NAME.dat
 * (readable on its own; its first lines give the command that redraws it),
 * then runs gnuplot once per format:
 *
 *     gnuplot -e "datafile='D'; outfile='O'; fmt='svg'; title='T'; ..." plots/bars.gp
 *
 * A chart without rows in the run is skipped with one line on stdout, and
 * its files from an earlier `plot` are removed: plots/ never shows a chart
 * drawn from other data than summary.csv's.
 *
 * The scripts come from CB_SOURCE_DIR/plots, or from $CONCBENCH_PLOTS when
 * set (an installed copy, or a test's broken script). gnuplot is spawned
 * directly, not through a shell, so only gnuplot's own -e parser sees the
 * paths: it has no escape for a single quote inside '...', so a path holding
 * one (or a control character, which would end the command) is refused with
 * -EINVAL rather than mangled; titles, which plot.c makes, have such
 * characters replaced.
 *
 * Series. A chart's series is a runtime at one setting of every parameter
 * except the chart's own keys: its x parameter (tasks for memory, conns for
 * the connection charts, placement for the switch bars) and its `pick`
 * parameter (rounds for switch: of rows differing only in it, the largest
 * stands for them). pool at workers=1 and at workers=4 are two lines, or two
 * groups of bars. A series is labelled with the runtime's name alone unless
 * that runtime has several series, in which case the parameters that differ
 * follow in brackets: "epoll (loops=2)".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"

extern char **environ;

struct chart;

struct series {
	const char *runtime;
	char *key;                  /* params without the chart's own keys */
	char label[160];
	const struct h_srow **rows; /* the chart's rows of this series, summary order */
	size_t n, cap;
	bool out;                   /* left out by the writer (with a note) */
};

/* What a writer works from. */
struct plot {
	const struct chart *c;
	const struct h_summary *sum;
	struct series *s;
	size_t ns;
	char title[256]; /* the chart's title; a writer adds what it chose */
	char vars[256];  /* gnuplot assignments a writer adds to the chart's opts */
	char colors[768]; /* each block's (or group's) runtime colour, in data order */
};

/* Writes the chart's data; returns the number of values written (0: the
 * chart is skipped) or a negative errno. */
typedef int (*write_fn)(FILE *f, struct plot *p);

struct chart {
	const char *name;     /* DIR/plots/NAME.*: a stable name others refer to */
	const char *kind;     /* plots/KIND.gp draws it */
	const char *workload;
	const char *metrics[8]; /* the summary metrics drawn, NULL-terminated */
	const char *xkey;     /* the parameter along x, or across a group's bars */
	const char *xabsent;  /* xkey's value in a row without it */
	const char *pick;     /* see "Series" above */
	const char *const *names; /* {raw, shown, ..., NULL}: bar names */
	write_fn write;
	const char *title, *xlabel, *ylabel;
	const char *title_keys; /* params named in the title when every row agrees */
	const char *opts;     /* the script's own knobs, as gnuplot assignments */
	bool zero_ok;         /* keep medians <= 0 (the script copes; see memory) */
	const char *zero_metric; /* keep this metric's zeros (drawn on a linear axis) */
};

/* ---- colours ---- */

/* One colour per runtime, the same in every chart: a reader who learnt
 * "blue is threads" on one chart must not read blue as pool on the next.
 * The colour follows the runtime's name, not the series' place in the
 * chart (gnuplot's linetype i, which gave epoll pool's colour whenever pool
 * had one series fewer). Several series of one runtime (pool at workers=1
 * and 4) share its colour and differ by dash and point shape. Okabe-Ito
 * first (safe for colour-blind readers), then Paul Tol's. */
static const struct {
	const char *runtime, *rgb;
} rt_colours[] = {
	{"threads", "#0072b2"},    {"pool", "#d55e00"},       {"epoll", "#009e73"},
	{"coro", "#cc79a7"},       {"coro-ucontext", "#882255"}, {"steal", "#e69f00"},
	{"coro-steal", "#56b4e9"}, {"uring", "#6a3d9a"},      {"uv", "#999933"},
	{"omp", "#b15928"},        {"peer:nginx", "#444444"},
};

/* A runtime not in the table (one added later) still gets a colour of its
 * own name, stable across charts and runs: a hash into colours the table
 * does not use. */
const char *h_plot_colour(const char *runtime)
{
	static const char *const spare[] = {"#117733", "#cc6677", "#44aa99", "#aa4499",
	                                    "#661100", "#6699cc"};
	for (size_t i = 0; i < sizeof rt_colours / sizeof rt_colours[0]; i++)
		if (strcmp(rt_colours[i].runtime, runtime) == 0)
			return rt_colours[i].rgb;
	unsigned h = 5381;
	for (const char *c = runtime; *c; c++)
		h = h * 33 + (unsigned char)*c;
	return spare[h % (sizeof spare / sizeof spare[0])];
}

/* The next block's (or bar group's) runtime: its colour joins the list the
 * scripts read as `colors` (word i+1 for block i). */
static void note_colour(struct plot *p, const char *runtime)
{
	size_t n = strlen(p->colors);
	snprintf(p->colors + n, sizeof p->colors - n, "%s%s", n ? " " : "", h_plot_colour(runtime));
}

/* ---- series ---- */

static bool chart_metric(const struct chart *c, const char *metric)
{
	for (const char *const *m = c->metrics; *m; m++)
		if (strcmp(*m, metric) == 0)
			return true;
	return false;
}

static void free_series(struct plot *p)
{
	for (size_t i = 0; i < p->ns; i++) {
		free(p->s[i].key);
		free(p->s[i].rows);
	}
	free(p->s);
	p->s = NULL;
	p->ns = 0;
}

/* Whether every shown series of s[i]'s runtime has the entry "k=v" (len bytes). */
static bool shared_by_runtime(const struct plot *p, size_t i, const char *kv, size_t len)
{
	for (size_t j = 0; j < p->ns; j++) {
		if (p->s[j].out || strcmp(p->s[j].runtime, p->s[i].runtime) != 0)
			continue;
		bool has = false;
		for (const char *q = p->s[j].key; *q && !has; q += strcspn(q, ";"), q += *q == ';')
			has = strcspn(q, ";") == len && strncmp(q, kv, len) == 0;
		if (!has)
			return false;
	}
	return true;
}

/* The runtime's name, then in brackets the parameters that tell its shown
 * series apart (not those all of them share, such as the workload's ms=50).
 * Run again whenever a writer leaves series out: "threads (ms=10)" becomes
 * "threads" once it is the only threads line. */
static void relabel(struct plot *p)
{
	for (size_t i = 0; i < p->ns; i++) {
		struct series *s = &p->s[i];
		char *l = s->label;
		size_t cap = sizeof s->label;
		int n = snprintf(l, cap, "%s", s->runtime);
		bool open = false;
		for (const char *q = s->key; *q && n < (int)cap; q += strcspn(q, ";"), q += *q == ';') {
			size_t len = strcspn(q, ";");
			if (shared_by_runtime(p, i, q, len))
				continue;
			n += snprintf(l + n, cap - (size_t)n, "%s%.*s", open ? " " : " (", (int)len, q);
			open = true;
		}
		if (open && n < (int)cap)
			snprintf(l + n, cap - (size_t)n, ")");
		/* The data file quotes labels; a quote or newline would end one. */
		for (char *q = l; *q; q++)
			if (*q == '"' || *q == '\n' || *q == '\r')
				*q = '_';
	}
}

static int add_row(struct series *s, const struct h_srow *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		const struct h_srow **rows = realloc(s->rows, cap * sizeof *rows);
		if (!rows)
			return -ENOMEM;
		s->rows = rows;
		s->cap = cap;
	}
	s->rows[s->n++] = r;
	return 0;
}

/* A runtime that ran the chart's workload but has none of its metrics is
 * named, so a missing line is explained (pool reports no per-task memory:
 * its tasks never all wait at once). O(rows × (series + runtimes named)). */
static void note_missing_runtimes(const struct plot *p)
{
	const char *named[16];
	size_t nnamed = 0;
	for (size_t i = 0; i < p->sum->n; i++) {
		const struct h_srow *r = &p->sum->rows[i];
		if (strcmp(r->workload, p->c->workload) != 0)
			continue;
		bool seen = false;
		for (size_t k = 0; k < p->ns && !seen; k++)
			seen = strcmp(p->s[k].runtime, r->runtime) == 0;
		for (size_t k = 0; k < nnamed && !seen; k++)
			seen = strcmp(named[k], r->runtime) == 0;
		if (seen || nnamed == sizeof named / sizeof named[0])
			continue;
		named[nnamed++] = r->runtime;
		printf("%s chart: left out %s (no %s rows)\n", p->c->name, r->runtime,
		       p->c->metrics[0]);
	}
}

/* Groups chart c's plottable rows into series, in the order the summary
 * lists them (the order the run matrix ran). O(rows × series): a summary
 * holds tens of rows per chart. Log axes cannot show a value <= 0, so such
 * points are left out with a note, unless the chart copes with them. */
static int build_series(struct plot *p)
{
	const struct chart *c = p->c;
	const struct h_summary *sum = p->sum;
	const char *drop[3] = {NULL}, **d = drop;
	if (c->xkey)
		*d++ = c->xkey;
	if (c->pick)
		*d++ = c->pick;
	size_t cap = 0;
	for (size_t i = 0; i < sum->n; i++) {
		const struct h_srow *r = &sum->rows[i];
		if (strcmp(r->workload, c->workload) != 0 || !chart_metric(c, r->metric))
			continue;
		bool zero_kept = c->zero_ok || (c->zero_metric && !strcmp(r->metric, c->zero_metric) &&
		                                r->median == 0);
		if (!isfinite(r->median) || (!zero_kept && !(r->median > 0))) {
			printf("%s chart: left out %s %s %s (median %g%s)\n", c->name, r->runtime,
			       r->params, r->metric, r->median,
			       isfinite(r->median) ? " is not positive" : "");
			continue;
		}
		/* An open loop at a share of capacity (load_pct > 0) belongs to
		 * the load charts alone: in a chart by connections it would be a
		 * second line per runtime, at a throughput the client chose. */
		if (h_param_num(r->params, "load_pct", 0) > 0 &&
		    !(c->xkey && strcmp(c->xkey, "load_pct") == 0))
			continue;
		char *key = h_params_without(r->params, drop);
		if (!key)
			return -ENOMEM;
		size_t k = 0;
		while (k < p->ns && !(strcmp(p->s[k].runtime, r->runtime) == 0 &&
		                      strcmp(p->s[k].key, key) == 0))
			k++;
		if (k == p->ns) {
			if (p->ns == cap) {
				size_t ncap = cap ? 2 * cap : 8;
				struct series *s = realloc(p->s, ncap * sizeof *s);
				if (!s) {
					free(key);
					return -ENOMEM;
				}
				p->s = s;
				cap = ncap;
			}
			p->s[p->ns++] = (struct series){.runtime = r->runtime, .key = key};
		} else {
			free(key);
		}
		if (add_row(&p->s[k], r))
			return -ENOMEM;
	}
	if (p->ns) /* else the whole chart is skipped, with its own note */
		note_missing_runtimes(p);
	relabel(p);
	return 0;
}

/* xkey's value in params; the chart's xabsent (or "") when absent. */
static void xval(const struct chart *c, const char *params, char *buf, size_t len)
{
	if (!c->xkey || !h_param_str(params, c->xkey, buf, len))
		snprintf(buf, len, "%s", c->xabsent ? c->xabsent : "");
}

/* Whether a should stand for its series rather than b: the larger pick
 * parameter (switch: most rounds, where start-up and the first cache
 * misses weigh least), then the more repetitions. */
static bool better(const struct chart *c, const struct h_srow *a, const struct h_srow *b)
{
	if (!b)
		return true;
	if (c->pick) {
		double pa = h_param_num(a->params, c->pick, -1), pb = h_param_num(b->params, c->pick, -1);
		if (pa != pb)
			return pa > pb;
	}
	return a->n > b->n;
}

/* The row of series s for metric whose xkey value is x (a string, NULL:
 * any), or NULL. */
static const struct h_srow *row_at(const struct plot *p, const struct series *s,
                                   const char *metric, const char *x)
{
	const struct h_srow *best = NULL;
	char v[64];
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = s->rows[i];
		if (strcmp(r->metric, metric) != 0)
			continue;
		if (x) {
			xval(p->c, r->params, v, sizeof v);
			if (strcmp(v, x) != 0)
				continue;
		}
		if (better(p->c, r, best))
			best = r;
	}
	return best;
}

/* The same at a numeric x. */
static const struct h_srow *row_at_num(const struct plot *p, const struct series *s,
                                       const char *metric, double x)
{
	const struct h_srow *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = s->rows[i];
		if (strcmp(r->metric, metric) == 0 && h_param_num(r->params, p->c->xkey, NAN) == x &&
		    better(p->c, r, best))
			best = r;
	}
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Series s's distinct xkey values, ascending, into xs (room for s->n). */
static size_t series_xs(const struct plot *p, const struct series *s, double *xs)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		double x = h_param_num(s->rows[i]->params, p->c->xkey, NAN);
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = xs[j] == x;
		if (!dup && isfinite(x))
			xs[n++] = x;
	}
	qsort(xs, n, sizeof *xs, cmp_double);
	return n;
}

/* Of line charts: a series measured at one x is a point, not a line. When
 * some series has a line, lone points are left out with a note: a run of
 * both the sleep overlap sweep (ms=10,30,100 at tasks=100) and the memory
 * sweep (tasks=1000… at ms=100) would otherwise add a legend entry per
 * task count to the overlap chart. */
static int drop_lone_points(struct plot *p)
{
	size_t most = 0;
	size_t *nx = calloc(p->ns ? p->ns : 1, sizeof *nx);
	double *xs = NULL;
	if (!nx)
		return -ENOMEM;
	for (size_t i = 0; i < p->ns; i++) {
		double *t = realloc(xs, (p->s[i].n ? p->s[i].n : 1) * sizeof *xs);
		if (!t) {
			free(xs);
			free(nx);
			return -ENOMEM;
		}
		xs = t;
		nx[i] = series_xs(p, &p->s[i], xs);
		if (nx[i] > most)
			most = nx[i];
	}
	/* One note for them all: a standard run leaves out a dozen. */
	size_t dropped = 0;
	for (size_t i = 0; i < p->ns && most >= 2; i++)
		if (nx[i] < 2 && !p->s[i].out) {
			if (!dropped)
				printf("%s chart: left out the series measured at one %s value (no line):",
				       p->c->name, p->c->xkey);
			if (dropped < 3)
				printf("%s %s %s", dropped ? "," : "", p->s[i].runtime, p->s[i].key);
			p->s[i].out = true;
			dropped++;
		}
	if (dropped > 3)
		printf(" and %zu more", dropped - 3);
	if (dropped) {
		printf("\n");
		relabel(p);
	}
	free(xs);
	free(nx);
	return 0;
}

/* The value of key if every shown row of the chart agrees on it. */
static bool uniform_param(const struct plot *p, const char *key, char *buf, size_t len)
{
	bool any = false;
	char v[64];
	for (size_t i = 0; i < p->ns; i++)
		for (size_t j = 0; j < p->s[i].n && !p->s[i].out; j++) {
			if (!h_param_str(p->s[i].rows[j]->params, key, v, sizeof v))
				return false;
			if (any && strcmp(v, buf) != 0)
				return false;
			snprintf(buf, len, "%s", v);
			any = true;
		}
	return any;
}

/* ---- data files ---- */

/* s in double quotes; a quote or line break in it would end the field. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fputc(*s == '"' || *s == '\n' || *s == '\r' ? '_' : *s, f);
	fputc('"', f);
}

static const char *shown_name(const struct chart *c, const char *raw)
{
	for (const char *const *n = c->names; n && n[0]; n += 2)
		if (strcmp(n[0], raw) == 0)
			return n[1];
	return raw;
}

/* Median, min and max times scale (NaN when there is no row); n. */
static int put_value(FILE *f, const struct h_srow *r, double scale)
{
	if (!r || !isfinite(scale)) {
		fputs(" NaN NaN NaN 0", f);
		return 0;
	}
	/* The error bar: the median's 95% interval where the run has one,
	 * else the range (one rep, or a run from before the intervals). */
	double lo = isfinite(r->ci_lo) ? r->ci_lo : r->min, hi = isfinite(r->ci_hi) ? r->ci_hi : r->max;
	fprintf(f, " %.9g %.9g %.9g %ld", r->median * scale, lo * scale, hi * scale, r->n);
	return 1;
}

enum { MAX_BARS = 12 };

/* Grouped bars (switch, switch_pipes, mixed, file): one row per series, one
 * bar per value of xkey in the order the run met them (placement: as given
 * to --placement), or per metric when the chart has no xkey. A bar the run
 * lacks (pool on same-core deadlocks by design) is NaN: a gap, not a zero. */
static int write_bars(FILE *f, struct plot *p)
{
	const struct chart *c = p->c;
	char bars[MAX_BARS][64];
	size_t nb = 0;
	if (c->xkey) {
		for (size_t i = 0; i < p->ns; i++)
			for (size_t j = 0; j < p->s[i].n; j++) {
				char v[64];
				xval(c, p->s[i].rows[j]->params, v, sizeof v);
				size_t k = 0;
				while (k < nb && strcmp(bars[k], v) != 0)
					k++;
				if (k < nb)
					continue;
				if (nb == MAX_BARS) {
					printf("%s chart: left out %s=%s (more than %d bars a group)\n",
					       c->name, c->xkey, v, MAX_BARS);
					continue;
				}
				snprintf(bars[nb++], sizeof bars[0], "%s", v);
			}
	} else {
		/* Only the metrics the run has: a bar missing from every group
		 * would leave the script no range to draw it in. */
		for (const char *const *m = c->metrics; *m && nb < MAX_BARS; m++) {
			bool any = false;
			for (size_t i = 0; i < p->ns && !any; i++)
				any = row_at(p, &p->s[i], *m, NULL) != NULL;
			if (any)
				snprintf(bars[nb++], sizeof bars[0], "%s", *m);
		}
	}
	fprintf(f, "# One row per runtime series, one bar per %s: the median over n\n"
	           "# repetitions, then min and max (NaN: not measured).\n",
	        c->xkey ? c->xkey : "metric");
	if (c->pick)
		fprintf(f, "# A series measured at several %s shows the row with the most.\n", c->pick);
	fputs("group", f);
	for (size_t b = 0; b < nb; b++) {
		/* A percentile bar (mixed's heavy p99) some series has too few
		 * samples for: its figure there is the maximum, and the legend
		 * says so. */
		char lab[160];
		double pv = NAN;
		for (size_t i = 0; !c->xkey && i < p->ns; i++) {
			const struct h_srow *r = row_at(p, &p->s[i], bars[b], NULL);
			char pn[16];
			double q, ns;
			if (r && h_pct_name(p->sum, r, pn, sizeof pn, &q, &ns) == 0)
				pv = q;
		}
		if (isnan(pv))
			snprintf(lab, sizeof lab, "%s", shown_name(c, bars[b]));
		else
			/* Short: the legend is one row above the plot, and gnuplot
			 * gives every entry the widest one's room. */
			snprintf(lab, sizeof lab, "%s (max where < %llu samples)", shown_name(c, bars[b]),
			         (unsigned long long)h_pct_min_samples(pv));
		fputc(' ', f);
		put_quoted(f, lab);
		fputs(" lo hi n", f);
	}
	fputc('\n', f);
	int values = 0;
	for (size_t i = 0; i < p->ns; i++) {
		note_colour(p, p->s[i].runtime);
		put_quoted(f, p->s[i].label);
		for (size_t b = 0; b < nb; b++)
			values += c->xkey ? put_value(f, row_at(p, &p->s[i], c->metrics[0], bars[b]), 1)
			                  : put_value(f, row_at(p, &p->s[i], bars[b], NULL), 1);
		fputc('\n', f);
	}
	return values;
}

/* The cpu workload's efficiency in percent, as a factor on iters_per_us. */
static double efficiency_scale(const struct h_summary *sum, const struct h_srow *r)
{
	return 100 * h_cpu_efficiency(sum, r) / r->median;
}

/* Writes the trailing columns of a series' rows (memory: its label and
 * fits, which the script reads back for each panel's title). */
typedef void (*tail_fn)(FILE *f, const struct plot *p, const struct series *s, bool header);

/* Lines (sleep_tasks, sleep_overlap, efficiency, conns_*, memory): one
 * block per series (gnuplot's "index"), points sorted by x, for each metric
 * of the chart its median, min, max and n. Each block's header row names
 * the series over the first median column, which scripts read back as the
 * legend entry (columnheader(2)), and the other metrics over theirs. */
static int write_blocks(FILE *f, struct plot *p, double (*scale)(const struct h_summary *,
                                                                 const struct h_srow *),
                        tail_fn tail)
{
	const struct chart *c = p->c;
	int err = drop_lone_points(p);
	if (err)
		return err;
	fprintf(f, "# One block per runtime series (two blank lines apart), its points by %s.\n"
	           "# Columns: %s, then for each metric median lo hi n (lo-hi: the median's 95%% interval,\n"
	           "# or min-max without one; NaN: not measured);\n"
	           "# the header names the series over the first median column.\n",
	        c->xkey, c->xkey);
	int values = 0, blocks = 0;
	for (size_t i = 0; i < p->ns; i++) {
		struct series *s = &p->s[i];
		if (s->out)
			continue;
		double *xs = malloc(s->n * sizeof *xs);
		if (!xs)
			return -ENOMEM;
		size_t nx = series_xs(p, s, xs);
		if (!nx) {
			printf("%s chart: left out %s %s (no %s= parameter)\n", c->name, s->runtime,
			       s->key, c->xkey);
		} else {
			fprintf(f, "%s%s ", blocks++ ? "\n\n" : "", c->xkey);
			note_colour(p, s->runtime);
			put_quoted(f, s->label);
			fputs(" lo hi n", f);
			for (const char *const *m = c->metrics + 1; *m; m++)
				fprintf(f, " %s lo hi n", *m);
			if (tail)
				tail(f, p, s, true);
			fputc('\n', f);
		}
		for (size_t j = 0; j < nx; j++) {
			fprintf(f, "%.9g", xs[j]);
			for (const char *const *m = c->metrics; *m; m++) {
				const struct h_srow *r = row_at_num(p, s, *m, xs[j]);
				values += put_value(f, r, r && scale ? scale(p->sum, r) : 1);
			}
			if (tail)
				tail(f, p, s, false);
			fputc('\n', f);
		}
		free(xs);
	}
	return values;
}

static int write_lines(FILE *f, struct plot *p)
{
	return write_blocks(f, p, NULL, NULL);
}

/* sleep_tasks: when every line waited the same time, that wait is the
 * floor no runtime can beat; a reference line shows how far above it each
 * climbs as tasks are added. */
static int write_sleep_tasks(FILE *f, struct plot *p)
{
	int values = write_blocks(f, p, NULL, NULL);
	char ms[32], *end;
	double wait = values > 0 && uniform_param(p, "ms", ms, sizeof ms) ? strtod(ms, &end) : 0;
	if (wait > 0 && !*end)
		snprintf(p->vars, sizeof p->vars, "hline=%g; hlabel='the wait itself (ms=%g)'", wait,
		         wait);
	return values;
}

/* conns_*: a third panel, fairness, when the run measured it (runs made
 * before the load generator measured a steady-state window have none: their
 * chart keeps two panels and the column is NaN). */
static int write_conns(FILE *f, struct plot *p)
{
	int values = write_blocks(f, p, NULL, NULL);
	for (size_t i = 0; i < p->ns && values > 0; i++)
		if (!p->s[i].out && row_at(p, &p->s[i], "fairness", NULL)) {
			snprintf(p->vars, sizeof p->vars, "fair=1");
			break;
		}
	return values;
}

/* load_*: the hockey stick. Each runtime's p99 against the throughput it
 * achieved, open loop at shares of its own capacity (load_pct > 0); the
 * capacity itself (load_pct=0, the closed loop) is in the legend, not on
 * the line: a closed loop's latency is set by its connection count, not
 * by the load, so it is no point of this curve. x is what was achieved,
 * not offered: past capacity the two part, and the line bends back.
 * Series without a share, or without the capacity it is a share of, are
 * left out. */
static int write_load(FILE *f, struct plot *p)
{
	int err = drop_lone_points(p);
	if (err)
		return err;
	fprintf(f, "# One block per runtime series (two blank lines apart), its points by load_pct.\n"
	           "# Columns: throughput achieved (median req/s), then p99_us median lo hi n.\n"
	           "# The header names the series and its capacity (load_pct=0, closed loop).\n");
	int values = 0, blocks = 0;
	for (size_t i = 0; i < p->ns; i++) {
		struct series *s = &p->s[i];
		double *xs = malloc(s->n * sizeof *xs);
		if (!xs)
			return -ENOMEM;
		size_t nx = s->out ? 0 : series_xs(p, s, xs);
		const struct h_srow *cap = nx >= 2 && xs[0] == 0
		                                 ? row_at_num(p, s, "throughput_rps", 0) : NULL;
		if (!cap) {
			free(xs);
			continue;
		}
		char label[256], num[32];
		h_fmt_num(num, sizeof num, cap->median);
		snprintf(label, sizeof label, "%s (capacity %s req/s)", s->label, num);
		fprintf(f, "%sthroughput_rps ", blocks++ ? "\n\n" : "");
		note_colour(p, s->runtime);
		put_quoted(f, label);
		fputs(" lo hi n\n", f);
		for (size_t j = 1; j < nx; j++) {
			const struct h_srow *x = row_at_num(p, s, "throughput_rps", xs[j]);
			const struct h_srow *y = row_at_num(p, s, "p99_us", xs[j]);
			if (!x || !y)
				continue;
			fprintf(f, "%.9g", x->median);
			values += put_value(f, y, 1);
			fputc('\n', f);
		}
		free(xs);
	}
	return values;
}

/* Efficiency needs a one-CPU runtime's rate as the baseline: without one
 * (a run of threads and pool only) there is nothing to divide by. */
static int write_efficiency(FILE *f, struct plot *p)
{
	if (p->ns && p->s[0].n && isnan(h_cpu_efficiency(p->sum, p->s[0].rows[0]))) {
		printf("%s chart: no baseline (the run has no one-CPU runtime such as coro "
		       "or epoll with loops=1)\n", p->c->name);
		return 0;
	}
	return write_blocks(f, p, efficiency_scale, NULL);
}

/* memory's trailing columns: the series label (each panel's title) and
 * its slopes from fits.csv, the memory a task adds as tasks grow without
 * bound (NaN without a task sweep). */
static void memory_tail(FILE *f, const struct plot *p, const struct series *s, bool header)
{
	if (header) {
		fputs(" label slope_user slope_kernel", f);
		return;
	}
	static const char *const fits[] = {"mem_slope_user_kib_per_task",
	                                   "mem_slope_kernel_kib_per_task"};
	fputc(' ', f);
	put_quoted(f, s->label);
	for (size_t i = 0; i < 2; i++) {
		const struct h_fitrow *r = h_fit_get(p->sum, s->runtime, p->c->workload, fits[i], s->key);
		if (r && isfinite(r->slope))
			fprintf(f, " %.4g", r->slope);
		else
			fputs(" NaN", f);
	}
}

static int write_memory(FILE *f, struct plot *p)
{
	return write_blocks(f, p, NULL, memory_tail);
}

/* The latency spectrum's points: x = 1/(1-p), so 90%, 99%, 99.9% are
 * evenly spaced on a log axis and the tail gets the room it deserves. */
static const struct {
	const char *metric;
	double p;
} pcts[] = {
	{"p50_us", 0.5},   {"p75_us", 0.75},   {"p90_us", 0.9},      {"p95_us", 0.95},
	{"p99_us", 0.99},  {"p999_us", 0.999}, {"p9999_us", 0.9999},
};

/* Whether series s was measured at xkey = x. */
static bool series_has(const struct plot *p, const struct series *s, double x)
{
	for (size_t i = 0; i < s->n; i++)
		if (h_param_num(s->rows[i]->params, p->c->xkey, NAN) == x)
			return true;
	return false;
}

/* Latency spectrum (latency_echo, latency_http): one block per series at
 * one connection count, the largest every series reached, so lines compare
 * like with like; series without it are left out with a note. */
static int write_latency(FILE *f, struct plot *p)
{
	const struct chart *c = p->c;
	double at = NAN;
	if (!p->ns)
		return 0;
	/* Candidates: the first series' values, largest first. */
	double *xs = malloc((p->s[0].n ? p->s[0].n : 1) * sizeof *xs);
	if (!xs)
		return -ENOMEM;
	size_t nx = series_xs(p, &p->s[0], xs);
	for (size_t j = nx; j-- > 0 && isnan(at);) {
		bool all = true;
		for (size_t k = 1; k < p->ns && all; k++)
			all = series_has(p, &p->s[k], xs[j]);
		if (all)
			at = xs[j];
	}
	/* No value common to all: the first series' largest; the others
	 * lacking it are left out below. */
	if (isnan(at) && nx)
		at = xs[nx - 1];
	free(xs);
	if (isnan(at))
		return 0;
	bool dropped = false;
	for (size_t i = 0; i < p->ns; i++) {
		if (!series_has(p, &p->s[i], at)) {
			printf("%s chart: left out %s %s (not measured at %s=%g)\n", c->name,
			       p->s[i].runtime, p->s[i].key, c->xkey, at);
			p->s[i].out = dropped = true;
		}
	}
	if (dropped)
		relabel(p);
	size_t len = strlen(p->title);
	snprintf(p->title + len, sizeof p->title - len, " at %g connections", at);

	fprintf(f, "# One block per runtime series at %s=%g: for each percentile p,\n"
	           "# x = 1/(1-p) (p50: 2, p99: 100), the latency's median over n repetitions,\n"
	           "# its min and max (us). The header names the series over the median column.\n",
	        c->xkey, at);
	int values = 0, blocks = 0;
	double cut = INFINITY; /* the lowest percentile left out for too few samples */
	for (size_t i = 0; i < p->ns; i++) {
		if (p->s[i].out)
			continue;
		fprintf(f, "%sx ", blocks++ ? "\n\n" : "");
		note_colour(p, p->s[i].runtime);
		put_quoted(f, p->s[i].label);
		fputs(" lo hi n percentile\n", f);
		for (size_t j = 0; j < sizeof pcts / sizeof pcts[0]; j++) {
			const struct h_srow *r = row_at_num(p, &p->s[i], pcts[j].metric, at);
			if (!r)
				continue; /* p75, p95, p9999: not in older runs */
			/* Too few samples for this percentile: the figure is the
			 * maximum, not a point of the spectrum; left out, and the
			 * title says so. */
			char pn[16];
			double pv, ns;
			if (h_pct_name(p->sum, r, pn, sizeof pn, &pv, &ns) == 0) {
				if (pv < cut)
					cut = pv;
				continue;
			}
			fprintf(f, "%.9g", 1 / (1 - pcts[j].p));
			values += put_value(f, r, 1);
			fprintf(f, " %s\n", pcts[j].metric);
		}
	}
	if (isfinite(cut)) {
		len = strlen(p->title);
		snprintf(p->title + len, sizeof p->title - len,
		         " (p%g+: too few samples)", cut);
		printf("%s chart: p%g and above left out where a series had fewer than %llu "
		       "samples: those figures are its maximum\n",
		       c->name, cut, (unsigned long long)h_pct_min_samples(cut));
	}
	return values;
}

/* ---- the charts ---- */

/* skew_cpu: the series that ran some skew > 0 (C13's experiment), even
 * and skewed bars side by side; the cpu grain sweep's series, at skew=0
 * alone, would bury them. They are moved behind the ones drawn, so
 * free_series still frees every one. */
static int write_skew(FILE *f, struct plot *p)
{
	size_t kept = 0;
	for (size_t i = 0; i < p->ns; i++) {
		bool skewed = false;
		for (size_t j = 0; j < p->s[i].n && !skewed; j++)
			skewed = h_param_num(p->s[i].rows[j]->params, "skew", 0) > 0;
		if (skewed) {
			struct series t = p->s[kept];
			p->s[kept++] = p->s[i];
			p->s[i] = t;
		}
	}
	size_t all = p->ns;
	p->ns = kept;
	/* Named by what tells the drawn series apart, not the grain sweep's
	 * tasks and work: "threads", not "threads (tasks=256 work=50000)". */
	relabel(p);
	int values = kept ? write_bars(f, p) : 0;
	p->ns = all;
	/* The title names what the drawn series share (tasks, work). */
	for (size_t i = kept; i < all; i++)
		p->s[i].out = true;
	return values;
}

/* offload: light p99 against heavy_us, a line per runtime and arm
 * (offload=0, offload=1), for the runtimes that ran offload=1 (C15's
 * experiment); C3's sweep on the others stays in the mixed chart. */
static int write_offload(FILE *f, struct plot *p)
{
	for (size_t i = 0; i < p->ns; i++) {
		bool off = false;
		for (size_t j = 0; j < p->ns && !off; j++)
			for (size_t k = 0; k < p->s[j].n && !off; k++)
				off = strcmp(p->s[j].runtime, p->s[i].runtime) == 0 &&
				      h_param_num(p->s[j].rows[k]->params, "offload", 0) > 0;
		p->s[i].out = !off;
	}
	relabel(p);
	return write_lines(f, p);
}

static const char *const file_names[] = {
	"0", "page cache (cold=0)", "1", "device (cold=1)", NULL,
};
static const char *const skew_names[] = {
	"0", "even sizes (skew=0)", "1", "skewed (skew=1)", "2", "skewed (skew=2)", NULL,
};
static const char *const mixed_names[] = {
	"light_p99_us", "light requests", "heavy_p99_us", "heavy requests", NULL,
};

#define PCT_METRICS {"p50_us", "p75_us", "p90_us", "p95_us", "p99_us", "p999_us", "p9999_us"}

static const struct chart charts[] = {
	{.name = "switch", .kind = "bars", .workload = "pingpong", .metrics = {"ns_per_switch"},
	 .xkey = "placement", .xabsent = "unpinned", .pick = "rounds", .write = write_bars,
	 .title = "Context-switch cost by runtime and placement", .xlabel = "runtime",
	 .ylabel = "ns per switch (log scale)", .title_keys = "rounds", .opts = "logy='1'"},
	{.name = "switch_pipes", .kind = "bars", .workload = "pipepingpong",
	 .metrics = {"ns_per_switch"}, .xkey = "placement", .xabsent = "unpinned",
	 .pick = "rounds", .write = write_bars,
	 .title = "Switch cost when every switch is a pipe wake-up", .xlabel = "runtime",
	 .ylabel = "ns per switch (log scale)", .title_keys = "rounds", .opts = "logy='1'"},
	{.name = "memory", .kind = "memory", .workload = "sleep",
	 .metrics = {"mem_user_kib_per_task", "mem_kernel_kib_per_task"}, .xkey = "tasks",
	 .write = write_memory, .title = "Memory per waiting task: user and kernel",
	 .xlabel = "concurrent tasks (log scale)", .ylabel = "grown ÷ tasks (KiB, log scale)",
	 .zero_ok = true},
	{.name = "sleep_tasks", .kind = "lines", .workload = "sleep", .metrics = {"elapsed_ms"},
	 .xkey = "tasks", .write = write_sleep_tasks,
	 .title = "Wall time of N tasks all waiting at once",
	 .xlabel = "concurrent tasks (log scale)", .ylabel = "wall time (ms)", .title_keys = "ms",
	 .opts = "logx='1'"},
	{.name = "sleep_overlap", .kind = "lines", .workload = "sleep", .metrics = {"elapsed_ms"},
	 .xkey = "ms", .write = write_lines,
	 .title = "Concurrent waits take as long as the longest one",
	 .xlabel = "the wait of every task (ms)", .ylabel = "wall time (ms)", .title_keys = "tasks",
	 .opts = "diag='ideal: the longest wait'"},
	{.name = "efficiency", .kind = "lines", .workload = "cpu", .metrics = {"iters_per_us"},
	 .xkey = "work", .write = write_efficiency,
	 .title = "CPU-bound tasks: efficiency against task size",
	 .xlabel = "work per task (hash iterations, log scale)",
	 .ylabel = "efficiency (% of 1-CPU rate × usable CPUs)", .title_keys = "tasks",
	 .opts = "logx='1'; logy='0'; ymin=0; ymaxmin=110; hline=50; hlabel='50%'"},
	{.name = "conns_echo", .kind = "conns", .workload = "echo",
	 .metrics = {"throughput_rps", "p99_us", "fairness"}, .xkey = "conns",
	 .write = write_conns, .title = "echo: throughput, p99 latency and fairness against connections",
	 .xlabel = "concurrent connections (log scale)", .zero_metric = "fairness"},
	{.name = "conns_http", .kind = "conns", .workload = "http",
	 .metrics = {"throughput_rps", "p99_us", "fairness"}, .xkey = "conns",
	 .write = write_conns, .title = "http: throughput, p99 latency and fairness against connections",
	 .xlabel = "concurrent connections (log scale)", .zero_metric = "fairness"},
	{.name = "load_echo", .kind = "lines", .workload = "echo",
	 .metrics = {"throughput_rps", "p99_us"}, .xkey = "load_pct", .write = write_load,
	 .title = "echo: p99 latency against load",
	 .xlabel = "throughput achieved (req/s)", .ylabel = "p99 latency (µs)",
	 .title_keys = "conns", .opts = "logx='0'; keybelow=1"},
	{.name = "load_http", .kind = "lines", .workload = "http",
	 .metrics = {"throughput_rps", "p99_us"}, .xkey = "load_pct", .write = write_load,
	 .title = "http: p99 latency against load",
	 .xlabel = "throughput achieved (req/s)", .ylabel = "p99 latency (µs)",
	 .title_keys = "conns", .opts = "logx='0'; keybelow=1"},
	{.name = "latency_echo", .kind = "latency", .workload = "echo", .metrics = PCT_METRICS,
	 .xkey = "conns", .write = write_latency, .title = "echo: latency by percentile",
	 .xlabel = "percentile", .ylabel = "latency (µs, log scale)"},
	{.name = "latency_http", .kind = "latency", .workload = "http", .metrics = PCT_METRICS,
	 .xkey = "conns", .write = write_latency, .title = "http: latency by percentile",
	 .xlabel = "percentile", .ylabel = "latency (µs, log scale)"},
	{.name = "mixed", .kind = "bars", .workload = "mixed",
	 .metrics = {"light_p99_us", "heavy_p99_us"}, .names = mixed_names, .write = write_bars,
	 .title = "p99 latency, light and heavy requests", .xlabel = "runtime",
	 .ylabel = "p99 latency (µs, log scale)", .title_keys = "heavy_us,heavy_every",
	 .opts = "logy='1'"},
	{.name = "offload", .kind = "lines", .workload = "mixed", .metrics = {"light_p99_us"},
	 .xkey = "heavy_us", .write = write_offload,
	 .title = "Light-request p99: the heavy step inline or offloaded",
	 .xlabel = "CPU work of a heavy request (heavy_us, µs)",
	 .ylabel = "light-request p99 (µs, log scale)", .title_keys = "heavy_every,rate",
	 .opts = "logx='0'; logy='1'"},
	{.name = "file", .kind = "bars", .workload = "file", .metrics = {"mib_per_s"},
	 .xkey = "cold", .names = file_names, .write = write_bars,
	 .title = "Reading a regular file: page cache and device", .xlabel = "runtime",
	 .ylabel = "read throughput (MiB/s)", .title_keys = "file_mib"},
	{.name = "skew_cpu", .kind = "bars", .workload = "cpu", .metrics = {"iters_per_us"},
	 .xkey = "skew", .xabsent = "0", .names = skew_names, .write = write_skew,
	 .title = "cpu: even and skewed task sizes (bars: skew)", .xlabel = "runtime",
	 .ylabel = "hash iterations per µs (higher: shorter makespan)",
	 .title_keys = "tasks,work"},
	{.name = "create", .kind = "lines", .workload = "sleep", .metrics = {"create_ns_per_task"},
	 .xkey = "tasks", .write = write_lines, .title = "Creating a task: time per task",
	 .xlabel = "tasks created (log scale)", .ylabel = "ns per task (log scale)",
	 .opts = "logx='1'; logy='1'"},
};

/* The chart's title, then "(k=v, k=v)" for its title_keys that every
 * shown row shares: what a reader needs to know was held fixed. */
static void finish_title(struct plot *p)
{
	const char *keys = p->c->title_keys;
	bool open = false;
	for (const char *k = keys; k && *k; k += strcspn(k, ","), k += *k == ',') {
		char key[32], v[64];
		snprintf(key, sizeof key, "%.*s", (int)strcspn(k, ","), k);
		if (!uniform_param(p, key, v, sizeof v))
			continue;
		size_t len = strlen(p->title);
		snprintf(p->title + len, sizeof p->title - len, "%s%s=%s", open ? ", " : " (", key, v);
		open = true;
	}
	size_t len = strlen(p->title);
	if (open)
		snprintf(p->title + len, sizeof p->title - len, ")");
}

/* ---- gnuplot ---- */

/* gnuplot's '...' strings have no escape for a quote; a control character
 * would end the -e command. Such paths are refused, never rewritten. */
static bool gnuplot_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\'' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* Appends "; name='value'" to vars, the value made safe for '...': a
 * quote becomes a typographic apostrophe, a control character a space. */
static void add_var(char *vars, size_t cap, const char *name, const char *value)
{
	size_t n = strlen(vars);
	if (!value || n + strlen(name) + 6 >= cap)
		return;
	n += (size_t)sprintf(vars + n, "; %s='", name);
	for (; *value && n + 5 < cap; value++) {
		if (*value == '\'') {
			memcpy(vars + n, "\u2019", 3); /* UTF-8 of U+2019 */
			n += 3;
		} else {
			vars[n++] = (unsigned char)*value < 0x20 ? ' ' : *value;
		}
	}
	vars[n++] = '\'';
	vars[n] = '\0';
}

/* Draws one chart file; a failed run removes what gnuplot left half-written. */
static int run_gnuplot(const char *gnuplot, const char *script, const char *dat,
                       const char *out, const char *fmt, const char *vars)
{
	char expr[3 * PATH_MAX + 2048];
	snprintf(expr, sizeof expr, "datafile='%s'; outfile='%s'; fmt='%s'%s", dat, out, fmt, vars);
	char *argv[] = {"gnuplot", "-e", expr, (char *)script, NULL};
	posix_spawn_file_actions_t fa;
	int e = posix_spawn_file_actions_init(&fa);
	if (e)
		return -e;
	/* A script waiting for input (pause, a typo'd interactive command)
	 * must see end of file, not hang on the terminal. */
	e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	fflush(stdout); /* our lines before gnuplot's, when both go to one pipe */
	if (!e)
		e = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		fprintf(stderr, "concbench: cannot run %s: %s\n", gnuplot, strerror(e));
		return -e;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	struct stat sb;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFEXITED(st))
			fprintf(stderr, "concbench: gnuplot failed (exit status %d) drawing %s with %s\n",
			        WEXITSTATUS(st), out, script);
		else
			fprintf(stderr, "concbench: gnuplot died (signal %d) drawing %s with %s\n",
			        WTERMSIG(st), out, script);
		unlink(out);
		return -EIO;
	}
	if (stat(out, &sb) != 0 || sb.st_size == 0) {
		fprintf(stderr, "concbench: gnuplot wrote no %s (script %s)\n", out, script);
		unlink(out);
		return -EIO;
	}
	return 0;
}

/* For other chart writers (compare.c): finds gnuplot on PATH and draws one
 * file, with the same path checks and clean-up as the charts here. */
int h_gnuplot_draw(const char *script, const char *dat, const char *out, const char *fmt)
{
	char gp[PATH_MAX];
	if (!h_find_in_path("gnuplot", gp, sizeof gp)) {
		fprintf(stderr, "concbench: gnuplot not found (apt-get install gnuplot-nox)\n");
		return -ENOENT;
	}
	if (!gnuplot_safe(script) || !gnuplot_safe(dat) || !gnuplot_safe(out) ||
	    !gnuplot_safe(fmt)) {
		fprintf(stderr, "concbench: cannot draw %s: gnuplot cannot be given a path "
		                "holding a single quote or a control character\n", out);
		return -EINVAL;
	}
	int err = run_gnuplot(gp, script, dat, out, fmt, "");
	if (!err)
		printf("wrote %s\n", out);
	return err;
}

static const char *const fmts[] = {"svg", "png"};

/* A skipped chart's files from an earlier plot are stale: removed. */
static void remove_chart(const char *pdir, const char *name)
{
	static const char *const exts[] = {"dat", "svg", "png"};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (snprintf(path, sizeof path, "%s/%s.%s", pdir, name, exts[i]) < (int)sizeof path)
			unlink(path);
}

/* Writes chart c's data file and draws it in both formats. 0 also when
 * the chart is skipped for want of data. */
static int draw(const struct chart *c, const struct h_summary *sum, const char *pdir,
                const char *sdir, const char *gnuplot, bool slide)
{
	struct plot p = {.c = c, .sum = sum};
	snprintf(p.title, sizeof p.title, "%s", c->title);
	char *data = NULL;
	size_t dlen = 0;
	char dat[PATH_MAX], script[PATH_MAX], out[PATH_MAX], vars[2048] = "";
	int err = build_series(&p);
	if (err)
		goto out;
	if (snprintf(dat, sizeof dat, "%s/%s.dat", pdir, c->name) >= (int)sizeof dat ||
	    snprintf(script, sizeof script, "%s/%s.gp", sdir, c->kind) >= (int)sizeof script) {
		err = -ENAMETOOLONG;
		goto out;
	}
	if (!p.ns) {
		printf("skipped the %s chart: summary.csv has no %s rows for workload %s\n", c->name,
		       c->metrics[0], c->workload);
		remove_chart(pdir, c->name);
		goto out;
	}
	/* The writer fills memory first: the file's header gives the title,
	 * which the writer may complete (latency: the connection count). */
	FILE *m = open_memstream(&data, &dlen);
	if (!m) {
		err = -errno;
		goto out;
	}
	int values = c->write(m, &p);
	if (fclose(m) != 0 && values >= 0)
		values = -ENOMEM;
	if (values < 0) {
		err = values;
		goto out;
	}
	if (values == 0) {
		printf("skipped the %s chart: no plottable %s rows\n", c->name, c->metrics[0]);
		remove_chart(pdir, c->name);
		goto out;
	}
	finish_title(&p);
	add_var(vars, sizeof vars, "title", p.title);
	add_var(vars, sizeof vars, "xlabel", c->xlabel);
	add_var(vars, sizeof vars, "ylabel", c->ylabel);
	if (c->opts)
		snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "; %s", c->opts);
	if (p.vars[0])
		snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "; %s", p.vars);
	add_var(vars, sizeof vars, "colors", p.colors);
	if (slide) /* common.gp: larger type and lines, for a projector */
		snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "; slide=1");

	FILE *f = fopen(dat, "we");
	if (!f) {
		err = -errno;
		fprintf(stderr, "concbench: cannot write %s: %s\n", dat, strerror(-err));
		goto out;
	}
	fprintf(f, "# %s chart: workload %s (from summary.csv). Redraw it, in this folder, with\n"
	           "#   gnuplot -e \"datafile='%s.dat'; outfile='%s.svg'; fmt='svg'%s\" %s\n",
	        c->name, c->workload, c->name, c->name, vars, script);
	fwrite(data, 1, dlen, f);
	if (fflush(f) != 0 || ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -EIO;
	if (err) {
		fprintf(stderr, "concbench: cannot write %s\n", dat);
		goto out;
	}
	if (access(script, R_OK) != 0) {
		err = -errno;
		fprintf(stderr, "concbench: cannot read the gnuplot script %s: %s\n", script,
		        strerror(errno));
		goto out;
	}
	if (!gnuplot) {
		fprintf(stderr, "concbench: gnuplot not found (apt-get install gnuplot-nox)\n");
		err = -ENOENT;
		goto out;
	}
	/* A slide's chart is inlined in its page: SVG alone. */
	for (size_t i = 0; i < (slide ? 1 : sizeof fmts / sizeof fmts[0]) && !err; i++) {
		if (snprintf(out, sizeof out, "%s/%s.%s", pdir, c->name, fmts[i]) >= (int)sizeof out)
			err = -ENAMETOOLONG;
		else if (!(err = run_gnuplot(gnuplot, script, dat, out, fmts[i], vars)))
			printf("wrote %s\n", out);
	}
out:
	free(data);
	free_series(&p);
	return err;
}

/* Whether chart name is in the comma-separated list only (NULL: every chart). */
static bool listed(const char *only, const char *name)
{
	size_t len = strlen(name);
	for (const char *q = only; q && *q; q += strcspn(q, ","), q += *q == ',')
		if (strcspn(q, ",") == len && strncmp(q, name, len) == 0)
			return true;
	return !only;
}

/* Draws into DIR/SUB the charts listed in only (NULL: all of them). */
static int plot_into(const char *dir, const char *sub, const char *only, bool slide)
{
	if (!dir)
		return -EINVAL;
	char pdir[PATH_MAX];
	if (snprintf(pdir, sizeof pdir, "%s/%s", dir, sub) >= (int)sizeof pdir)
		return -ENAMETOOLONG;
	struct h_summary sum;
	int err = h_summary_load(dir, &sum);
	if (err)
		return err;
	if (!gnuplot_safe(pdir)) {
		fprintf(stderr, "concbench: cannot plot into %s: gnuplot cannot be given a path "
		                "holding a single quote or a control character\n", pdir);
		h_summary_free(&sum);
		return -EINVAL;
	}
	if (mkdir(pdir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "concbench: cannot create %s: %s\n", pdir, strerror(errno));
		h_summary_free(&sum);
		return err;
	}
	const char *sdir = getenv("CONCBENCH_PLOTS");
	if (!sdir || !*sdir)
		sdir = CB_SOURCE_DIR "/plots";

	/* Looked up now, needed only once a chart has data: a summary without
	 * chart rows plots (nothing) on a machine without gnuplot. */
	char gp[PATH_MAX];
	const char *gnuplot = h_find_in_path("gnuplot", gp, sizeof gp) ? gp : NULL;
	/* A chart that fails does not stop the others; the first error is
	 * returned. Without gnuplot none can be drawn: stop at the first. */
	for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
		if (!listed(only, charts[i].name))
			continue;
		int e = draw(&charts[i], &sum, pdir, sdir, gnuplot, slide);
		if (e && !err)
			err = e;
		if (e && !gnuplot)
			break;
	}
	h_summary_free(&sum);
	return err;
}

int h_plot(const char *dir)
{
	return plot_into(dir, "plots", NULL, false);
}

int h_plot_slides(const char *dir, const char *names)
{
	char sdir[PATH_MAX];
	if (!dir || !names)
		return -EINVAL;
	if (snprintf(sdir, sizeof sdir, "%s/slides", dir) >= (int)sizeof sdir)
		return -ENAMETOOLONG;
	if (mkdir(sdir, 0755) != 0 && errno != EEXIST) {
		int err = -errno;
		fprintf(stderr, "concbench: cannot create %s: %s\n", sdir, strerror(errno));
		return err;
	}
	return plot_into(dir, "slides/charts", names, true);
}

/* ---- the timelines of `concbench trace` ---- */

/* One task's row: its state since `since`, the thread it last ran on. */
struct trow {
	long task;
	int state; /* 0 not started, 1 running, 2 waiting, 3 woken (ready), 4 done */
	double since_us, woke_us;
	long thread, threads; /* the thread of its first run; how many it ran on */
	long runs, waits;
	char why[12];         /* what it waits for */
};

static struct trow *trow_of(struct trow **rows, size_t *n, size_t *cap, long task)
{
	for (size_t i = 0; i < *n; i++)
		if ((*rows)[i].task == task)
			return &(*rows)[i];
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		struct trow *r = realloc(*rows, c * sizeof *r);
		if (!r)
			return NULL;
		*rows = r;
		*cap = c;
	}
	struct trow *r = &(*rows)[(*n)++];
	*r = (struct trow){ .task = task, .thread = -1 };
	return r;
}

/* Segments as "row x0 x1", one block per state (gnuplot's index): 0
 * running, 1 waiting, 2 woken but not yet run. Returns the rows, or a
 * negative errno. */
static long trace_segments(FILE *in, FILE *seg[3], struct trow **rowsp, size_t *nrows,
                           long *nthreads, double *end_us)
{
	char line[256];
	size_t cap = 0;
	*rowsp = NULL;
	*nrows = 0;
	*nthreads = 0;
	*end_us = 0;
	if (!fgets(line, sizeof line, in) || strncmp(line, "t_ns,thread,tid,cpu,task,event,op", 33))
		return -EINVAL;
	while (fgets(line, sizeof line, in)) {
		unsigned long long t;
		long thread, task;
		int tid, cpu;
		char ev[8], op[12] = "";
		if (sscanf(line, "%llu,%ld,%d,%d,%ld,%7[a-z],%11[a-z]", &t, &thread, &tid, &cpu, &task,
		           ev, op) < 6)
			return -EINVAL;
		double us = (double)t / 1000.0;
		*end_us = us;
		if (thread + 1 > *nthreads)
			*nthreads = thread + 1;
		struct trow *r = trow_of(rowsp, nrows, &cap, task);
		if (!r)
			return -ENOMEM;
		long row = (long)(r - *rowsp);
		if (strcmp(ev, "run") == 0) {
			if (r->state == 2)
				fprintf(seg[1], "%ld %.3f %.3f\n", row, r->since_us, us);
			else if (r->state == 3) {
				fprintf(seg[1], "%ld %.3f %.3f\n", row, r->since_us, r->woke_us);
				fprintf(seg[2], "%ld %.3f %.3f\n", row, r->woke_us, us);
			}
			if (r->thread < 0) {
				r->thread = thread;
				r->threads = 1;
			} else if (r->thread != thread) {
				r->threads = 2;
			}
			r->state = 1;
			r->since_us = us;
			r->runs++;
		} else if (strcmp(ev, "stop") == 0 && r->state == 1) {
			fprintf(seg[0], "%ld %.3f %.3f\n", row, r->since_us, us);
			r->state = strcmp(op, "done") == 0 ? 4 : 2;
			r->since_us = us;
			snprintf(r->why, sizeof r->why, "%s", op);
			r->waits += r->state == 2;
		} else if (strcmp(ev, "wake") == 0 && r->state == 2) {
			r->state = 3;
			r->woke_us = us;
		}
	}
	/* Still waiting at the end (a task the run abandoned): to the end. */
	for (size_t i = 0; i < *nrows; i++)
		if ((*rowsp)[i].state == 2 || (*rowsp)[i].state == 3)
			fprintf(seg[1], "%zu %.3f %.3f\n", i, (*rowsp)[i].since_us, *end_us);
	return (long)*nrows;
}

static int plot_trace(const char *dir, const char *csvname, const char *gnuplot, const char *sdir)
{
	char name[256], csv[PATH_MAX], dat[PATH_MAX], out[PATH_MAX], script[PATH_MAX];
	size_t len = strlen(csvname) - 4; /* without ".csv" */
	if (len >= sizeof name)
		return -ENAMETOOLONG;
	memcpy(name, csvname, len);
	name[len] = '\0';
	char *dash = strrchr(name, '-'); /* workload names have none */
	if (!dash)
		return 0;
	*dash = '\0';
	const char *rt = name, *wl = dash + 1;
	snprintf(csv, sizeof csv, "%s/trace/%s", dir, csvname);
	if (snprintf(dat, sizeof dat, "%s/plots/trace_%s_%s.dat", dir, rt, wl) >= (int)sizeof dat ||
	    snprintf(script, sizeof script, "%s/trace.gp", sdir) >= (int)sizeof script)
		return -ENAMETOOLONG;
	FILE *in = fopen(csv, "re");
	if (!in) {
		fprintf(stderr, "concbench: cannot read %s: %s\n", csv, strerror(errno));
		return -errno;
	}
	char *buf[3] = { NULL, NULL, NULL };
	size_t blen[3] = { 0, 0, 0 };
	FILE *seg[3];
	for (int i = 0; i < 3; i++)
		seg[i] = open_memstream(&buf[i], &blen[i]);
	struct trow *rows = NULL;
	size_t nrows = 0;
	long nthreads = 0;
	double end_us = 0;
	long err = seg[0] && seg[1] && seg[2] ? trace_segments(in, seg, &rows, &nrows, &nthreads,
	                                                       &end_us)
	                                      : -ENOMEM;
	fclose(in);
	for (int i = 0; i < 3; i++)
		if (seg[i] && fclose(seg[i]) != 0 && err >= 0)
			err = -ENOMEM;
	FILE *f = NULL;
	if (err == -EINVAL)
		fprintf(stderr, "concbench: %s is not a trace concbench wrote\n", csv);
	else if (err >= 0 && !(f = fopen(dat, "we"))) {
		err = -errno;
		fprintf(stderr, "concbench: cannot write %s: %s\n", dat, strerror(errno));
	}
	char vars[1024] = "", title[600];
	if (f) {
		snprintf(title, sizeof title, "%s, %s: each task's runs and waits (%ld thread%s)", rt,
		         wl, nthreads, nthreads == 1 ? "" : "s");
		add_var(vars, sizeof vars, "title", title);
		snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "; rows=%zu; span=%.3f",
		         nrows, end_us);
		fprintf(f, "# trace chart: %s (from trace/%s). Redraw it, in this folder, with\n"
		           "#   gnuplot -e \"datafile='trace_%s_%s.dat'; outfile='trace_%s_%s.svg'; "
		           "fmt='svg'%s\" %s\n"
		           "# block 0: the rows, top to bottom: row \"label\"; then one block per\n"
		           "# state, \"row start_us end_us\": running, waiting, woken but not yet run\n",
		        name, csvname, rt, wl, rt, wl, vars, script);
		for (size_t i = 0; i < nrows; i++) {
			char th[48];
			if (rows[i].threads > 1)
				snprintf(th, sizeof th, "several threads");
			else
				snprintf(th, sizeof th, "thread %ld", rows[i].thread);
			fprintf(f, "%zu \"task %ld, %s\"\n", i, rows[i].task, th);
		}
		for (int i = 0; i < 3; i++) {
			fputs("\n\n", f);
			/* An empty state still gets a point off the chart, so
			 * gnuplot finds every block. */
			if (blen[i])
				fwrite(buf[i], 1, blen[i], f);
			else
				fputs("-10 0 0\n", f);
		}
		if (fclose(f) != 0) {
			err = -EIO;
			fprintf(stderr, "concbench: cannot write %s\n", dat);
		}
	}
	for (int i = 0; i < 3; i++)
		free(buf[i]);
	free(rows);
	if (err < 0)
		return (int)err;
	if (!gnuplot) {
		fprintf(stderr, "concbench: gnuplot not found (apt-get install gnuplot-nox)\n");
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		snprintf(out, sizeof out, "%s/plots/trace_%s_%s.%s", dir, rt, wl, fmts[i]);
		int e = run_gnuplot(gnuplot, script, dat, out, fmts[i], vars);
		if (e)
			return e;
		printf("wrote %s\n", out);
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int h_plot_traces(const char *dir)
{
	char tdir[PATH_MAX], pdir[PATH_MAX];
	if (snprintf(tdir, sizeof tdir, "%s/trace", dir) >= (int)sizeof tdir ||
	    snprintf(pdir, sizeof pdir, "%s/plots", dir) >= (int)sizeof pdir)
		return -ENAMETOOLONG;
	DIR *d = opendir(tdir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	if (!gnuplot_safe(pdir)) {
		closedir(d);
		fprintf(stderr, "concbench: cannot plot into %s: gnuplot cannot be given a path "
		                "holding a single quote or a control character\n", pdir);
		return -EINVAL;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int err = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l <= 4 || strcmp(e->d_name + l - 4, ".csv") != 0 || !gnuplot_safe(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				err = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name))) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!err && n && mkdir(pdir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "concbench: cannot create %s: %s\n", pdir, strerror(errno));
	}
	const char *sdir = getenv("CONCBENCH_PLOTS");
	if (!sdir || !*sdir)
		sdir = CB_SOURCE_DIR "/plots";
	char gp[PATH_MAX];
	const char *gnuplot = h_find_in_path("gnuplot", gp, sizeof gp) ? gp : NULL;
	if (names)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && !err; i++)
		err = plot_trace(dir, names[i], gnuplot, sdir);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}
