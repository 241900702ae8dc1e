/* plot.c — charts from DIR/summary.csv, drawn by gnuplot.
 *
 * For each chart this writes a small whitespace-separated data file,
 * DIR/plots/<chart>.dat (readable on its own, and enough to redraw the chart
 * by hand), then runs gnuplot once per format with plots/<chart>.gp:
 *
 *     gnuplot -e "datafile='D'; outfile='O'; fmt='svg'" plots/switch.gp
 *
 * The scripts come from CB_SOURCE_DIR/plots, or from $CONCBENCH_PLOTS when
 * set (an installed copy, or a test's broken script). gnuplot is spawned
 * directly, not through a shell, so only gnuplot's own -e parser sees the
 * paths: it has no escape for a single quote inside '...', so a path holding
 * one (or a control character, which would end the command) is refused with
 * -EINVAL rather than mangled.
 *
 * Series. A chart's series is a runtime at one setting of every parameter
 * except the chart's x parameter ("tasks" for memory, "rounds" for switch):
 * pool at workers=1 and at workers=4 are two lines, or two bars. A series is
 * labelled with the runtime's name alone unless that runtime has several
 * series, in which case the parameters that differ follow in brackets.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

struct chart;

struct row {
	char *runtime, *params;
	double median, min, max;
	long n;
	long long x; /* the chart's x parameter, -1 when absent */
	const struct chart *chart;
};

struct series {
	const char *runtime;
	char *rest;        /* params without the x parameter */
	char label[160];
	struct row **pts;  /* in summary order, then sorted by x where it matters */
	size_t n;
};

typedef int (*write_fn)(FILE *f, const struct chart *c, struct series *s, size_t ns);

struct chart {
	const char *name, *workload, *metric;
	const char *xparam; /* the parameter along the chart's x axis, or the one
	                     * whose largest value is kept (switch: rounds) */
	write_fn write;     /* returns the number of points written */
};

/* ---- summary.csv ---- */

/* The value of key in "k=v;k=v", or -1 when absent. */
static long long param_ll(const char *params, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = params; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
			return strtoll(p + klen + 1, NULL, 10);
	return -1;
}

/* params without the key=v entry, its separators tidied. */
static char *params_without(const char *params, const char *key)
{
	char *out = malloc(strlen(params) + 1);
	if (!out)
		return NULL;
	size_t klen = strlen(key), n = 0;
	for (const char *p = params; *p;) {
		size_t len = strcspn(p, ";");
		if (!(strncmp(p, key, klen) == 0 && p[klen] == '=')) {
			if (n)
				out[n++] = ';';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len + (p[len] == ';');
	}
	out[n] = '\0';
	return out;
}

static double field_num(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	return end == s ? NAN : v;
}

static void free_rows(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].runtime);
		free(rows[i].params);
	}
	free(rows);
}

/* Reads the rows of summary.csv that some chart uses. The writer
 * (results.c) never quotes: it replaces commas and quotes in names, so a
 * plain split on commas is exact. A malformed line is an error, not a
 * silently shorter chart. */
static int read_summary(const char *path, const struct chart *charts, size_t ncharts,
                        struct row **out, size_t *nout)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		fprintf(stderr, "concbench: cannot read %s: %s\n", path, strerror(e));
		return -e;
	}
	char *line = NULL;
	size_t cap = 0, n = 0, rcap = 0;
	struct row *rows = NULL;
	int err = 0;
	long lineno = 0;
	while (!err && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, H_SUMMARY_HEADER) != 0) {
				fprintf(stderr, "concbench: %s: the header is not \"%s\"\n", path,
				        H_SUMMARY_HEADER);
				err = -EINVAL;
			}
			continue;
		}
		if (!line[0])
			continue;
		/* The first nine fields are what charts use; cov and noisy
		 * follow them. */
		char *fld[11], *rest = line;
		int nf = 0;
		for (char *t; nf < 11 && (t = strsep(&rest, ","));)
			fld[nf++] = t;
		if (nf != 11 || rest) {
			fprintf(stderr, "concbench: %s:%ld: expected 11 comma-separated fields\n",
			        path, lineno);
			err = -EINVAL;
			break;
		}
		const struct chart *c = NULL;
		for (size_t i = 0; i < ncharts && !c; i++)
			if (strcmp(fld[1], charts[i].workload) == 0 &&
			    strcmp(fld[3], charts[i].metric) == 0)
				c = &charts[i];
		if (!c)
			continue;
		if (n == rcap) {
			size_t ncap = rcap ? 2 * rcap : 32;
			struct row *r = realloc(rows, ncap * sizeof *r);
			if (!r) {
				err = -ENOMEM;
				break;
			}
			rows = r;
			rcap = ncap;
		}
		struct row *r = &rows[n];
		r->runtime = strdup(fld[0]);
		r->params = strdup(fld[2]);
		if (!r->runtime || !r->params) {
			free(r->runtime);
			free(r->params);
			err = -ENOMEM;
			break;
		}
		n++;
		r->n = strtol(fld[5], NULL, 10);
		r->median = field_num(fld[6]);
		r->min = field_num(fld[7]);
		r->max = field_num(fld[8]);
		/* A missing spread is drawn as none rather than dropping the point. */
		if (!isfinite(r->min))
			r->min = r->median;
		if (!isfinite(r->max))
			r->max = r->median;
		r->x = param_ll(r->params, c->xparam);
		r->chart = c;
	}
	if (!err && lineno == 0) {
		fprintf(stderr, "concbench: %s is empty\n", path);
		err = -EINVAL;
	}
	free(line);
	fclose(f);
	if (err) {
		free_rows(rows, n);
		return err;
	}
	*out = rows;
	*nout = n;
	return 0;
}

/* ---- series ---- */

static void free_series(struct series *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].rest);
		free(s[i].pts);
	}
	free(s);
}

/* Whether every series of s[i]'s runtime has the entry "k=v" (len bytes). */
static bool shared_by_runtime(const struct series *s, size_t ns, size_t i, const char *kv,
                              size_t len)
{
	for (size_t j = 0; j < ns; j++) {
		if (strcmp(s[j].runtime, s[i].runtime) != 0)
			continue;
		bool has = false;
		for (const char *p = s[j].rest; *p && !has; p += strcspn(p, ";"), p += *p == ';')
			has = strcspn(p, ";") == len && strncmp(p, kv, len) == 0;
		if (!has)
			return false;
	}
	return true;
}

/* The runtime's name, then in brackets the parameters that tell its series
 * apart (not those all of them share, such as the workload's ms=50). */
static void label_series(struct series *s, size_t ns, size_t i)
{
	char *l = s[i].label;
	size_t cap = sizeof s[i].label;
	int n = snprintf(l, cap, "%s", s[i].runtime);
	bool open = false;
	for (const char *p = s[i].rest; *p && n < (int)cap; p += strcspn(p, ";"), p += *p == ';') {
		size_t len = strcspn(p, ";");
		if (shared_by_runtime(s, ns, i, p, len))
			continue;
		n += snprintf(l + n, cap - (size_t)n, "%s%.*s", open ? " " : " (", (int)len, p);
		open = true;
	}
	if (open && n < (int)cap)
		snprintf(l + n, cap - (size_t)n, ")");
	/* The data file quotes labels; a quote or newline would end one. */
	for (char *p = l; *p; p++)
		if (*p == '"' || *p == '\n' || *p == '\r')
			*p = '_';
}

/* Groups chart c's plottable rows into series, in the order the summary
 * lists them (the order the run matrix ran). O(rows × series): a summary
 * holds tens of rows per chart. Log axes cannot show a value <= 0 (a memory
 * slope below the measurement's resolution can be), so such points are
 * left out with a note. */
static int build_series(const struct chart *c, struct row *rows, size_t nrows,
                        struct series **out, size_t *nout)
{
	struct series *s = calloc(nrows ? nrows : 1, sizeof *s);
	if (!s)
		return -ENOMEM;
	size_t ns = 0;
	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		if (r->chart != c)
			continue;
		if (!(r->median > 0) || !isfinite(r->median)) {
			printf("%s chart: left out %s %s (median %g is not positive)\n", c->name,
			       r->runtime, r->params, r->median);
			continue;
		}
		char *rest = params_without(r->params, c->xparam);
		if (!rest) {
			free_series(s, ns);
			return -ENOMEM;
		}
		size_t k = 0;
		while (k < ns && !(strcmp(s[k].runtime, r->runtime) == 0 && strcmp(s[k].rest, rest) == 0))
			k++;
		if (k == ns) {
			s[ns].runtime = r->runtime;
			s[ns].rest = rest;
			s[ns].pts = calloc(nrows, sizeof *s[ns].pts);
			ns++;
			if (!s[k].pts) {
				free_series(s, ns);
				return -ENOMEM;
			}
		} else {
			free(rest);
		}
		s[k].pts[s[k].n++] = r;
	}
	for (size_t i = 0; i < ns; i++)
		label_series(s, ns, i);
	*out = s;
	*nout = ns;
	return 0;
}

/* ---- data files ---- */

/* switch: one bar per series. When a series was measured at several round
 * counts, the one with the most rounds is shown (start-up and the first
 * cache misses weigh least there); ties go to the row with most samples. */
static int write_switch(FILE *f, const struct chart *c, struct series *s, size_t ns)
{
	fprintf(f, "# %s chart: workload %s, metric %s (from summary.csv)\n", c->name, c->workload,
	        c->metric);
	fprintf(f, "# One bar per runtime: the median over n repetitions, with min and max.\n"
	           "# A runtime measured at several round counts shows the one with most rounds.\n"
	           "# label median min max n params\n");
	for (size_t i = 0; i < ns; i++) {
		struct row *best = s[i].pts[0];
		for (size_t j = 1; j < s[i].n; j++) {
			struct row *r = s[i].pts[j];
			if (r->x > best->x || (r->x == best->x && r->n > best->n))
				best = r;
		}
		fprintf(f, "\"%s\" %.9g %.9g %.9g %ld \"%s\"\n", s[i].label, best->median, best->min,
		        best->max, best->n, best->params);
	}
	return (int)ns;
}

static int cmp_x(const void *a, const void *b)
{
	const struct row *x = *(struct row *const *)a, *y = *(struct row *const *)b;
	return (x->x > y->x) - (x->x < y->x);
}

/* memory: one block per series (gnuplot's "index"), points sorted by task
 * count. Each block's header row names the series over its median column,
 * which the script reads back as the legend entry (columnheader(2)). */
static int write_memory(FILE *f, const struct chart *c, struct series *s, size_t ns)
{
	fprintf(f, "# %s chart: workload %s, metric %s (from summary.csv)\n", c->name, c->workload,
	        c->metric);
	fprintf(f, "# One block per runtime; its header names the runtime over the median column.\n"
	           "# tasks median min max n (KiB per task, over n repetitions)\n");
	int points = 0, blocks = 0;
	for (size_t i = 0; i < ns; i++) {
		size_t k = 0;
		for (size_t j = 0; j < s[i].n; j++)
			if (s[i].pts[j]->x > 0)
				s[i].pts[k++] = s[i].pts[j];
			else
				printf("%s chart: left out %s %s (no %s= parameter)\n", c->name,
				       s[i].pts[j]->runtime, s[i].pts[j]->params, c->xparam);
		s[i].n = k;
		if (!k)
			continue;
		qsort(s[i].pts, k, sizeof *s[i].pts, cmp_x);
		fprintf(f, "%stasks \"%s\" min max n\n", blocks++ ? "\n\n" : "", s[i].label);
		for (size_t j = 0; j < k; j++) {
			struct row *r = s[i].pts[j];
			fprintf(f, "%lld %.9g %.9g %.9g %ld\n", r->x, r->median, r->min, r->max, r->n);
			points++;
		}
	}
	return points;
}

static const struct chart charts[] = {
	{"switch", "pingpong", "ns_per_switch", "rounds", write_switch},
	{"memory", "sleep", "mem_per_task_kib", "tasks", write_memory},
};

/* ---- gnuplot ---- */

static bool find_in_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL) {
		int dlen = (int)strcspn(p, ":");
		struct stat st;
		/* An empty PATH entry means the current directory. */
		if (snprintf(out, len, "%.*s/%s", dlen, dlen ? p : ".", prog) < (int)len &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* gnuplot's '...' strings have no escape for a quote; a control character
 * would end the -e command. Such paths are refused, never rewritten. */
static bool gnuplot_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\'' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* Draws one chart file; a failed run removes what gnuplot left half-written. */
static int run_gnuplot(const char *gnuplot, const char *script, const char *dat,
                       const char *out, const char *fmt)
{
	char expr[3 * PATH_MAX];
	snprintf(expr, sizeof expr, "datafile='%s'; outfile='%s'; fmt='%s'", dat, out, fmt);
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
	printf("wrote %s\n", out);
	fflush(stdout);
	return 0;
}

/* Writes chart c's data file and draws it in both formats. 0 also when
 * the chart is skipped for want of data. */
static int draw(const struct chart *c, struct row *rows, size_t nrows, const char *pdir,
                const char *sdir, const char *gnuplot)
{
	struct series *s = NULL;
	size_t ns = 0;
	int err = build_series(c, rows, nrows, &s, &ns);
	if (err)
		return err;
	char dat[PATH_MAX], script[PATH_MAX], out[PATH_MAX];
	if (snprintf(dat, sizeof dat, "%s/%s.dat", pdir, c->name) >= (int)sizeof dat ||
	    snprintf(script, sizeof script, "%s/%s.gp", sdir, c->name) >= (int)sizeof script) {
		err = -ENAMETOOLONG;
		goto out;
	}
	if (!ns) {
		printf("skipped the %s chart: summary.csv has no %s rows for workload %s\n", c->name,
		       c->metric, c->workload);
		goto out;
	}
	FILE *f = fopen(dat, "we");
	if (!f) {
		err = -errno;
		fprintf(stderr, "concbench: cannot write %s: %s\n", dat, strerror(-err));
		goto out;
	}
	int points = c->write(f, c, s, ns);
	if (fflush(f) != 0 || ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -EIO;
	if (err) {
		fprintf(stderr, "concbench: cannot write %s\n", dat);
		goto out;
	}
	if (points == 0) {
		printf("skipped the %s chart: no plottable %s rows\n", c->name, c->metric);
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
	static const char *const fmts[] = {"svg", "png"};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0] && !err; i++) {
		if (snprintf(out, sizeof out, "%s/%s.%s", pdir, c->name, fmts[i]) >= (int)sizeof out)
			err = -ENAMETOOLONG;
		else
			err = run_gnuplot(gnuplot, script, dat, out, fmts[i]);
	}
out:
	free_series(s, ns);
	return err;
}

int h_plot(const char *dir)
{
	if (!dir)
		return -EINVAL;
	char path[PATH_MAX], pdir[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/summary.csv", dir) >= (int)sizeof path ||
	    snprintf(pdir, sizeof pdir, "%s/plots", dir) >= (int)sizeof pdir)
		return -ENAMETOOLONG;
	size_t nc = sizeof charts / sizeof charts[0], nrows = 0;
	struct row *rows = NULL;
	int err = read_summary(path, charts, nc, &rows, &nrows);
	if (err)
		return err;
	if (!gnuplot_safe(pdir)) {
		fprintf(stderr, "concbench: cannot plot into %s: gnuplot cannot be given a path "
		                "holding a single quote or a control character\n", pdir);
		free_rows(rows, nrows);
		return -EINVAL;
	}
	if (mkdir(pdir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "concbench: cannot create %s: %s\n", pdir, strerror(errno));
		free_rows(rows, nrows);
		return err;
	}
	const char *sdir = getenv("CONCBENCH_PLOTS");
	if (!sdir || !*sdir)
		sdir = CB_SOURCE_DIR "/plots";

	/* Looked up now, needed only once a chart has data: a summary without
	 * chart rows plots (nothing) on a machine without gnuplot. */
	char gp[PATH_MAX];
	const char *gnuplot = find_in_path("gnuplot", gp, sizeof gp) ? gp : NULL;
	/* A chart that fails does not stop the others; the first error is
	 * returned. Without gnuplot none can be drawn: stop at the first. */
	for (size_t i = 0; i < nc; i++) {
		int e = draw(&charts[i], rows, nrows, pdir, sdir, gnuplot);
		if (e && !err)
			err = e;
		if (e && !gnuplot)
			break;
	}
	free_rows(rows, nrows);
	return err;
}
