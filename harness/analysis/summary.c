/* summary.c — reading a finished run back (see summary.h).
 *
 * The writers (results.c) never quote a field: they replace commas and
 * quotes in names, so a plain split on commas is exact. A malformed line is
 * an error, never a silently shorter table: a chart or a verdict built on a
 * half-read file would be wrong without saying so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "../../runtimes/runtime.h"

#define FITS_HEADER "runtime,workload,params,metric,unit,n,slope,intercept,r2"

static double num_or_nan(const char *s)
{
	char *end;
	if (!*s)
		return NAN;
	double v = strtod(s, &end);
	return end == s || *end ? NAN : v;
}

/* Splits line in place into exactly n comma-separated fields. */
static int split(char *line, char **fld, int n)
{
	char *rest = line;
	int nf = 0;
	for (char *t; nf < n && (t = strsep(&rest, ","));)
		fld[nf++] = t;
	return nf == n && !rest ? 0 : -1;
}

/* Reads path line by line into rows of `size` bytes via fill(); required
 * files must exist. Returns 0, or -errno after one line on stderr. */
typedef int (*fill_fn)(void *row, char **fld);

static int read_csv(const char *path, const char *header, int nfields, int oldest, int required,
                    size_t size, fill_fn fill, void **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		if (!required && errno == ENOENT)
			return 0;
		int e = errno;
		fprintf(stderr, "concbench: cannot read %s: %s\n", path, strerror(e));
		return -e;
	}
	char *line = NULL, *fld[16];
	size_t cap = 0, n = 0, rcap = 0;
	char *rows = NULL;
	long lineno = 0;
	int err = 0, have = nfields; /* the fields this file's lines have */
	char empty[] = "";
	while (!err && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1) {
			/* A file from an older concbench lacks the last columns
			 * (summary.csv before ci_lo,ci_hi): they read as empty. It
			 * has at least the oldest format's `oldest` columns. */
			size_t hl = strlen(line);
			have = 1;
			for (const char *c = line; *c; c++)
				have += *c == ',';
			if (strcmp(line, header) != 0 &&
			    !(have >= oldest && strncmp(line, header, hl) == 0 && header[hl] == ',')) {
				fprintf(stderr, "concbench: %s: the header is not \"%s\"\n", path, header);
				err = -EINVAL;
			}
			continue;
		}
		if (!line[0])
			continue;
		for (int i = have; i < nfields; i++)
			fld[i] = empty;
		if (split(line, fld, have) < 0) {
			fprintf(stderr, "concbench: %s:%ld: expected %d comma-separated fields\n", path,
			        lineno, have);
			err = -EINVAL;
			break;
		}
		if (n == rcap) {
			size_t ncap = rcap ? 2 * rcap : 64;
			char *r = realloc(rows, ncap * size);
			if (!r) {
				err = -ENOMEM;
				break;
			}
			rows = r;
			rcap = ncap;
		}
		memset(rows + n * size, 0, size);
		err = fill(rows + n * size, fld);
		n++; /* a half-filled row is freed with the rest */
	}
	if (!err && lineno == 0 && required) {
		fprintf(stderr, "concbench: %s is empty\n", path);
		err = -EINVAL;
	}
	if (err == -ENOMEM)
		fprintf(stderr, "concbench: out of memory reading %s\n", path);
	free(line);
	fclose(f);
	*out = rows;
	*nout = n;
	return err;
}

static int dup5(char **dst[5], char **fld)
{
	for (int i = 0; i < 5; i++)
		if (!(*dst[i] = strdup(fld[i])))
			return -ENOMEM;
	return 0;
}

static int fill_srow(void *p, char **fld)
{
	struct h_srow *r = p;
	char **d[5] = { &r->runtime, &r->workload, &r->params, &r->metric, &r->unit };
	if (dup5(d, fld) < 0)
		return -ENOMEM;
	r->n = strtol(fld[5], NULL, 10);
	r->median = num_or_nan(fld[6]);
	r->min = num_or_nan(fld[7]);
	r->max = num_or_nan(fld[8]);
	if (isnan(r->min))
		r->min = r->median;
	if (isnan(r->max))
		r->max = r->median;
	r->cov = num_or_nan(fld[9]);
	r->noisy = strcmp(fld[10], "1") == 0;
	r->ci_lo = num_or_nan(fld[11]);
	r->ci_hi = num_or_nan(fld[12]);
	return 0;
}

static int fill_fit(void *p, char **fld)
{
	struct h_fitrow *r = p;
	char **d[5] = { &r->runtime, &r->workload, &r->params, &r->metric, &r->unit };
	if (dup5(d, fld) < 0)
		return -ENOMEM;
	r->n = strtol(fld[5], NULL, 10);
	r->slope = num_or_nan(fld[6]);
	r->intercept = num_or_nan(fld[7]);
	r->r2 = num_or_nan(fld[8]);
	return 0;
}

static int manifest_cb(void *ctx, const char *path, enum h_jtype type, const char *str)
{
	if (type == H_JNUM && strcmp(path, "topology.run_pus") == 0)
		*(int *)ctx = atoi(str);
	return 0;
}

static int read_ncpus(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	int n = 0;
	h_json_walk_file(path, manifest_cb, &n); /* absent or broken: unknown, 0 */
	return n > 0 ? n : 0;
}

static int reps_load(const char *dir, struct h_reps *r, int quiet);

/* Each row's repetitions, for the intervals of the ratios a verdict
 * compares. Best effort: a run without results.jsonl (or one that cannot
 * be read) leaves rows without them, and a rule then falls back on the
 * medians' intervals. */
static void attach_reps(const char *dir, struct h_summary *s)
{
	struct h_reps reps;
	if (reps_load(dir, &reps, 1) < 0)
		return; /* the reader that needs the file whole says what is wrong */
	double *buf = reps.n ? malloc(H_REPS_MAX * sizeof *buf) : NULL;
	for (size_t i = 0; buf && i < s->n; i++) {
		struct h_srow *r = &s->rows[i];
		int n = h_reps_of(&reps, r, buf, H_REPS_MAX);
		if (n > 0 && (r->rep = malloc((size_t)n * sizeof *r->rep))) {
			memcpy(r->rep, buf, (size_t)n * sizeof *buf);
			r->nrep = n;
		}
	}
	free(buf);
	h_reps_free(&reps);
}

int h_summary_load(const char *dir, struct h_summary *s)
{
	memset(s, 0, sizeof *s);
	char path[4200];
	if (snprintf(path, sizeof path, "%s/summary.csv", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	void *rows;
	int err = read_csv(path, H_SUMMARY_HEADER, 13, 11, 1, sizeof *s->rows, fill_srow, &rows,
	                   &s->n);
	s->rows = rows;
	if (!err) {
		snprintf(path, sizeof path, "%s/fits.csv", dir);
		err = read_csv(path, FITS_HEADER, 9, 9, 0, sizeof *s->fits, fill_fit, &rows, &s->nfits);
		s->fits = rows;
	}
	if (err) {
		h_summary_free(s);
		return err;
	}
	s->ncpus = read_ncpus(dir);
	attach_reps(dir, s);
	return 0;
}

void h_summary_free(struct h_summary *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct h_srow *r = &s->rows[i];
		free(r->runtime), free(r->workload), free(r->params), free(r->metric), free(r->unit);
		free(r->rep);
	}
	for (size_t i = 0; i < s->nfits; i++) {
		struct h_fitrow *r = &s->fits[i];
		free(r->runtime), free(r->workload), free(r->params), free(r->metric), free(r->unit);
	}
	free(s->rows);
	free(s->fits);
	memset(s, 0, sizeof *s);
}

/* ---- the repetitions behind each median: results.jsonl ----
 *
 * summary.csv holds a median and a range; an interval and a rank test need
 * every repetition's value, which only results.jsonl has. A summary row's
 * metric is a number of the line under the same name: top level (wall_ns),
 * metrics.NAME, counters.NAME, or mem.KEY as mem_KEY (results.c's names).
 * Warm-ups and failed cells are left out, as the summary leaves them. */



#define LINE_VALS 256

struct rline {
	char runtime[64], workload[64], place[64], params[1024];
	size_t plen;
	int warmup, ok, nv, bad;
	char name[LINE_VALS][64];
	double v[LINE_VALS];
};

static int rline_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct rline *l = ctx;
	const char *dot = strchr(path, '.');
	if (!strcmp(path, "runtime") && t == H_JSTR)
		snprintf(l->runtime, sizeof l->runtime, "%s", s);
	else if (!strcmp(path, "workload") && t == H_JSTR)
		snprintf(l->workload, sizeof l->workload, "%s", s);
	else if (!strcmp(path, "placement") && t == H_JSTR)
		snprintf(l->place, sizeof l->place, "%s", s);
	else if (!strcmp(path, "warmup"))
		l->warmup = !strcmp(s, "true");
	else if (!strcmp(path, "ok"))
		l->ok = !strcmp(s, "true");
	else if (!strncmp(path, "params.", 7)) {
		size_t room = sizeof l->params - l->plen;
		int n = snprintf(l->params + l->plen, room, "%s%s=%s", l->plen ? ";" : "", path + 7, s);
		if (n < 0 || (size_t)n >= room)
			l->bad = 1;
		else
			l->plen += (size_t)n;
	} else if (t == H_JNUM && l->nv < LINE_VALS) {
		const char *name = NULL, *pre = "";
		if (!dot)
			name = path;
		else if (!strncmp(path, "metrics.", 8) || !strncmp(path, "counters.", 9))
			name = dot + 1;
		else if (!strncmp(path, "mem.", 4))
			name = dot + 1, pre = "mem_";
		if (name && !strchr(name, '.')) {
			snprintf(l->name[l->nv], sizeof l->name[0], "%s%s", pre, name);
			l->v[l->nv++] = strtod(s, NULL);
		}
	}
	return 0;
}

static char *rep_key(const char *rt, const char *wl, const char *params, const char *metric)
{
	char *k = NULL;
	if (asprintf(&k, "%s\037%s\037%s\037%s", rt, wl, params, metric) < 0)
		return NULL;
	return k;
}

static int rep_cmp(const void *p, const void *q)
{
	return strcmp(((const struct h_rep *)p)->key, ((const struct h_rep *)q)->key);
}

void h_reps_free(struct h_reps *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].key);
	for (size_t i = 0; i < r->np; i++)
		free(r->places[i]);
	free(r->v);
	free(r->places);
	memset(r, 0, sizeof *r);
}

/* Loads dir/results.jsonl's values. A missing file is no error (the ranges
 * rule applies); a line that is not JSON is, unless it is the last one (a
 * run killed mid-write). 0 or a negative errno, after one line on stderr. */
static int reps_load(const char *dir, struct h_reps *r, int quiet)
{
	memset(r, 0, sizeof *r);
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/results.jsonl", dir) >= (int)sizeof path)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	r->found = 1;
	struct rline *l = malloc(sizeof *l);
	char *text = NULL;
	size_t cap = 0;
	long lineno = 0;
	int err = l ? 0 : -ENOMEM;
	while (!err && getline(&text, &cap, f) > 0) {
		lineno++;
		if (text[strspn(text, " \t\r\n")] == '\0')
			continue;
		memset(l, 0, offsetof(struct rline, name));
		if (h_json_walk(text, rline_cb, l) < 0) {
			int c = fgetc(f);
			if (c == EOF)
				break;
			if (!quiet)
				h_error("%s:%ld: not a JSON object", path, lineno);
			err = -EINVAL;
			break;
		}
		if (l->warmup || !l->ok || l->bad || !l->runtime[0] || !l->workload[0])
			continue;
		if (r->np == r->pcap) {
			size_t nc = r->pcap ? 2 * r->pcap : 256;
			char **pv = realloc(r->places, nc * sizeof *pv);
			if (!pv) {
				err = -ENOMEM;
				break;
			}
			r->places = pv;
			r->pcap = nc;
		}
		char *place = strdup(l->place[0] ? l->place : "unpinned");
		if (!place) {
			err = -ENOMEM;
			break;
		}
		r->places[r->np++] = place;
		for (int i = 0; i < l->nv && !err; i++) {
			if (!isfinite(l->v[i]))
				continue;
			if (r->n == r->cap) {
				size_t nc = r->cap ? 2 * r->cap : 1024;
				struct h_rep *v = realloc(r->v, nc * sizeof *v);
				if (!v) {
					err = -ENOMEM;
					break;
				}
				r->v = v;
				r->cap = nc;
			}
			char *k = rep_key(l->runtime, l->workload, l->params, l->name[i]);
			if (!k) {
				err = -ENOMEM;
				break;
			}
			r->v[r->n++] = (struct h_rep){ k, place, l->v[i] };
		}
	}
	fclose(f);
	free(text);
	free(l);
	if (err == -ENOMEM && !quiet)
		h_error("out of memory reading %s", path);
	if (err) {
		h_reps_free(r);
		return err;
	}
	/* Stable enough: equal keys are one row's reps, in any order. */
	qsort(r->v, r->n, sizeof *r->v, rep_cmp);
	return 0;
}

int h_reps_load(const char *dir, struct h_reps *r)
{
	return reps_load(dir, r, 0);
}

/* The reps of summary row s into out (at most max): its params without a
 * placement=NAME entry, which only the summary writes, and then only the
 * cells at that placement. The number found. */
int h_reps_of(const struct h_reps *r, const struct h_srow *s, double *out, int max)
{
	if (!r->n)
		return 0;
	char params[1024], place[64] = "";
	size_t k = 0;
	for (const char *p = s->params; *p; p += strcspn(p, ";"), p += *p == ';') {
		size_t len = strcspn(p, ";");
		if (len > 10 && !strncmp(p, "placement=", 10)) {
			snprintf(place, sizeof place, "%.*s", (int)(len - 10), p + 10);
			continue;
		}
		if (k + len + 2 > sizeof params)
			return 0;
		if (k)
			params[k++] = ';';
		memcpy(params + k, p, len);
		k += len;
	}
	params[k] = '\0';
	struct h_rep want = { rep_key(s->runtime, s->workload, params, s->metric), NULL, 0 };
	if (!want.key)
		return 0;
	const struct h_rep *hit = bsearch(&want, r->v, r->n, sizeof *r->v, rep_cmp);
	int n = 0;
	if (hit) {
		const struct h_rep *b = hit, *e = hit;
		while (b > r->v && !strcmp(b[-1].key, want.key))
			b--;
		while (e < r->v + r->n && !strcmp(e->key, want.key))
			e++;
		for (; b < e && n < max; b++)
			if (!place[0] || !strcmp(b->place, place))
				out[n++] = b->v;
	}
	free(want.key);
	return n;
}


/* ---- percentiles named honestly ---- */

int h_pct_name(const struct h_summary *s, const struct h_srow *r, char *name, size_t len,
               double *p, double *samples)
{
	*p = *samples = NAN;
	const char *m = r->metric, *pre = "";
	if (!strncmp(m, "light_", 6) || !strncmp(m, "heavy_", 6)) {
		pre = !strncmp(m, "light_", 6) ? "light_" : "heavy_";
		m += 6;
	}
	size_t nd = strspn(m + 1, "0123456789");
	if (m[0] != 'p' || nd < 2 || strcmp(m + 1 + nd, "_us"))
		return -1;
	/* p50, p99; p999 is 99.9 and p9999 99.99. */
	char d[16];
	snprintf(d, sizeof d, "%.*s", (int)(nd < 10 ? nd : 10), m + 1);
	char pct[24];
	snprintf(pct, sizeof pct, nd > 2 ? "%.2s.%s" : "%s", d, d + 2);
	*p = strtod(pct, NULL);
	char sm[40];
	snprintf(sm, sizeof sm, "%ssamples", pre);
	const struct h_srow *n = h_summary_get(s, r->runtime, r->workload, sm, r->params);
	if (!n && !pre[0])
		n = h_summary_get(s, r->runtime, r->workload, "requests", r->params);
	if (n)
		*samples = n->min;
	int named = !n || h_pct_named(*p, *samples);
	snprintf(name, len, named ? "p%s" : "max", pct);
	return named;
}

/* ---- parameters ---- */

/* The entry "key=..." in params, its value's start and length. */
static const char *param_at(const char *params, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	for (const char *p = params; p && *p;) {
		size_t len = strcspn(p, ";");
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			*vlen = len - klen - 1;
			return p + klen + 1;
		}
		p += len + (p[len] == ';');
	}
	return NULL;
}

int h_param_str(const char *params, const char *key, char *buf, size_t len)
{
	size_t vlen;
	const char *v = param_at(params, key, &vlen);
	if (!v)
		return 0;
	if (len)
		snprintf(buf, len, "%.*s", (int)vlen, v);
	return 1;
}

double h_param_num(const char *params, const char *key, double dflt)
{
	char buf[64], *end;
	if (!h_param_str(params, key, buf, sizeof buf) || !buf[0])
		return dflt;
	double v = strtod(buf, &end);
	return *end ? dflt : v;
}

char *h_params_without(const char *params, const char *const *keys)
{
	char *out = malloc(strlen(params) + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (const char *p = params; *p;) {
		size_t len = strcspn(p, ";"), klen = strcspn(p, "=;");
		int drop = 0;
		for (const char *const *k = keys; *k && !drop; k++)
			drop = strlen(*k) == klen && strncmp(p, *k, klen) == 0;
		if (!drop) {
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

/* Whether every "k=v" of where is an entry of params. */
int h_params_match(const char *params, const char *where)
{
	for (const char *w = where; w && *w;) {
		size_t len = strcspn(w, ";"), klen = strcspn(w, "=;");
		if (klen >= len)
			return 0; /* "k" without "=v": a caller's typo must not match all */
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)klen, w);
		size_t vlen;
		const char *v = param_at(params, key, &vlen);
		if (!v || vlen != len - klen - 1 || strncmp(v, w + klen + 1, vlen) != 0)
			return 0;
		w += len + (w[len] == ';');
	}
	return 1;
}

static int eq_or_any(const char *want, const char *have)
{
	return !want || strcmp(want, have) == 0;
}

size_t h_summary_find(const struct h_summary *s, const char *runtime, const char *workload,
                      const char *metric, const char *where, const struct h_srow **out,
                      size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (!eq_or_any(runtime, r->runtime) || !eq_or_any(workload, r->workload) ||
		    !eq_or_any(metric, r->metric) || !h_params_match(r->params, where))
			continue;
		if (n < max)
			out[n] = r;
		n++;
	}
	return n;
}

const struct h_srow *h_summary_get(const struct h_summary *s, const char *runtime,
                                   const char *workload, const char *metric, const char *where)
{
	const struct h_srow *r = NULL;
	return h_summary_find(s, runtime, workload, metric, where, &r, 1) ? r : NULL;
}

const struct h_fitrow *h_fit_get(const struct h_summary *s, const char *runtime,
                              const char *workload, const char *metric, const char *where)
{
	for (size_t i = 0; i < s->nfits; i++) {
		const struct h_fitrow *f = &s->fits[i];
		if (eq_or_any(runtime, f->runtime) && eq_or_any(workload, f->workload) &&
		    eq_or_any(metric, f->metric) && h_params_match(f->params, where))
			return f;
	}
	return NULL;
}

/* ---- analysis ---- */

int64_t h_runtime_threads(const char *runtime, const char *params, int ncpus)
{
	const struct runtime *rt = rt_find(runtime);
	if (!rt || !rt->cpus)
		return 0;
	double v = 0;
	for (const struct cb_param *p = rt->params; rt->cpus_param && p && p->name; p++)
		if (strcmp(p->name, rt->cpus_param) == 0)
			v = h_param_num(params, p->name, (double)p->def);
	return rt_task_threads(rt, (int64_t)v, ncpus);
}

int h_runtime_parallelism(const char *runtime, const char *params, int ncpus)
{
	if (ncpus < 1)
		ncpus = 1;
	int64_t n = h_runtime_threads(runtime, params, ncpus);
	return n < 1 ? 1 : n < ncpus ? (int)n : ncpus; /* 1: traits unknown */
}

const struct h_srow *h_cpu_baseline(const struct h_summary *s)
{
	/* The single-core rate: the best any one-thread model reached, at
	 * whatever grain, in this run. Measured here rather than assumed, so
	 * the figure means "of what this machine can do". */
	const struct h_srow *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (strcmp(r->workload, "cpu") != 0 || strcmp(r->metric, "iters_per_us") != 0 ||
		    !isfinite(r->median) || h_runtime_parallelism(r->runtime, r->params, s->ncpus) != 1)
			continue;
		if (!best || r->median > best->median)
			best = r;
	}
	return best && best->median > 0 ? best : NULL;
}

double h_cpu_efficiency(const struct h_summary *s, const struct h_srow *row)
{
	const struct h_srow *best = h_cpu_baseline(s);
	if (!row || !isfinite(row->median) || !best)
		return NAN;
	int p = h_runtime_parallelism(row->runtime, row->params, s->ncpus);
	return row->median / (best->median * p);
}
