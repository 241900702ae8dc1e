/* results.c — what a run leaves behind: results.jsonl (one line per cell,
 * fsync'd as it finishes, so a crash or a power cut loses at most the
 * running cell), summary.csv (median, min, max over the ok reps), and the
 * cross-runtime checksum check. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

static int nparams(const struct h_cell *c)
{
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	return h_plist_count(&pl);
}

static int nwparams(const struct h_cell *c)
{
	struct h_plist pl = { { c->wl->params, NULL } };
	return h_plist_count(&pl);
}

char *h_cell_params_str(const struct h_cell *c, char sep, int only_set, char *buf, size_t len)
{
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int n = h_plist_count(&pl);
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (only_set && (i >= 64 || !(c->setmask >> i & 1)))
			continue;
		int w = snprintf(buf + used, len - used, "%s%s=%" PRId64, used ? (char[]){ sep, 0 } : "",
		                 h_plist_at(&pl, i)->name, c->params[i]);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0'; /* truncated: keep whole pairs only */
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

int h_results_append(FILE *f, const struct h_cell *c)
{
	const struct h_cell_result *r = &c->res;
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int n = h_plist_count(&pl);

	fputs("{\"runtime\":", f);
	h_json_str(f, c->rt->name);
	fputs(",\"workload\":", f);
	h_json_str(f, c->wl->name);
	fputs(",\"params\":{", f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		h_json_str(f, h_plist_at(&pl, i)->name);
		fprintf(f, ":%" PRId64, c->params[i]);
	}
	fprintf(f, "},\"rep\":%d,\"ok\":%s,\"error\":", c->rep, r->ok ? "true" : "false");
	h_json_str(f, r->ok ? NULL : r->error);
	/* A hex string: a JSON number is a double to most readers and would
	 * lose the low bits of a 64-bit checksum. */
	if (r->ok)
		fprintf(f, ",\"checksum\":\"0x%016llx\"", (unsigned long long)r->checksum);
	else
		fputs(",\"checksum\":null", f);
	fprintf(f,
	        ",\"wall_ns\":%" PRIu64 ",\"cpu_user_ns\":%" PRIu64 ",\"cpu_sys_ns\":%" PRIu64
	        ",\"ctx_voluntary\":%" PRIu64 ",\"ctx_involuntary\":%" PRIu64
	        ",\"rss_peak_kib\":%" PRIu64 ",\"tasks_reached\":%" PRIu64 ",\"limit\":",
	        r->wall_ns, r->cpu_user_ns, r->cpu_sys_ns, r->ctx_voluntary, r->ctx_involuntary,
	        r->rss_peak_kib, r->tasks_reached);
	h_json_str(f, r->limit[0] ? r->limit : NULL);
	fputs(",\"metrics\":{", f);
	for (int i = 0; i < r->nmetrics; i++) {
		if (i)
			fputc(',', f);
		h_json_str(f, r->metrics[i].name);
		fputc(':', f);
		h_json_num(f, r->metrics[i].value);
	}
	fputs("}}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	if (fsync(fileno(f)) != 0 && errno != EINVAL) /* EINVAL: a pipe or tty */
		return -errno;
	return 0;
}

/* ---- summary.csv ---- */

static int same_point(const struct h_cell *a, const struct h_cell *b, int with_runtime)
{
	if (a->wl != b->wl)
		return 0;
	if (with_runtime && a->rt != b->rt)
		return 0;
	int n = with_runtime ? nparams(a) : nwparams(a);
	return memcmp(a->params, b->params, (size_t)n * sizeof *a->params) == 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* CSV fields here never need quoting: names are ours, but a comma or a
 * newline would still break the format, so they are replaced. */
static void csv_field(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ',' || *s == '\n' || *s == '\r' || *s == '"' ? '_' : *s, f);
}

static void csv_num(FILE *f, double v)
{
	/* Integers (counts, ns, and most medians) exactly; others with ten
	 * significant digits, more than any measurement here can claim. */
	if (v == (double)(long long)v && fabs(v) < 9e15)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.10g", v);
}

static const struct {
	const char *name, *unit;
	size_t off;
} core_metrics[] = {
	{ "wall_ns", "ns", offsetof(struct h_cell_result, wall_ns) },
	{ "cpu_user_ns", "ns", offsetof(struct h_cell_result, cpu_user_ns) },
	{ "cpu_sys_ns", "ns", offsetof(struct h_cell_result, cpu_sys_ns) },
	{ "ctx_voluntary", "switches", offsetof(struct h_cell_result, ctx_voluntary) },
	{ "ctx_involuntary", "switches", offsetof(struct h_cell_result, ctx_involuntary) },
	{ "rss_peak_kib", "KiB", offsetof(struct h_cell_result, rss_peak_kib) },
};

static void summary_row(FILE *f, const struct h_cell *c, const char *params, const char *metric,
                        const char *unit, double *v, int n)
{
	if (n == 0)
		return; /* nothing ok to summarise; results.jsonl holds the errors */
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	csv_field(f, c->rt->name);
	fputc(',', f);
	csv_field(f, c->wl->name);
	fputc(',', f);
	csv_field(f, params);
	fputc(',', f);
	csv_field(f, metric);
	fputc(',', f);
	csv_field(f, unit);
	fprintf(f, ",%d,", n);
	csv_num(f, med);
	fputc(',', f);
	csv_num(f, v[0]);
	fputc(',', f);
	csv_num(f, v[n - 1]);
	fputc('\n', f);
}

/* Cells are grouped by sorting indexes (qsort_r with the cell array as
 * context): O(n log n), so even the largest matrix summarises at once. */
struct order {
	const struct h_cell *cells;
	int with_runtime; /* group by runtime × workload × params, or by
	                   * workload × workload params (the checksum key) */
	int by_checksum;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_cells(const void *pa, const void *pb, void *arg)
{
	const struct order *o = arg;
	long ia = *(const long *)pa, ib = *(const long *)pb;
	const struct h_cell *a = &o->cells[ia], *b = &o->cells[ib];
	int d = cmp_u64((uintptr_t)a->wl, (uintptr_t)b->wl);
	if (!d && o->with_runtime)
		d = cmp_u64((uintptr_t)a->rt, (uintptr_t)b->rt);
	int n = o->with_runtime ? nparams(a) : nwparams(a);
	for (int i = 0; i < n && !d; i++)
		d = (a->params[i] > b->params[i]) - (a->params[i] < b->params[i]);
	if (!d && o->by_checksum)
		d = cmp_u64(a->res.checksum, b->res.checksum);
	if (!d)
		d = (ia > ib) - (ia < ib); /* stable: matrix order within a group */
	return d;
}

/* Indexes of the cells (only the ok ones if ok_only), sorted by o. */
static long *sorted(const struct h_cell *cells, long n, const struct order *o, int ok_only,
                    long *count)
{
	long *idx = malloc((n > 0 ? (size_t)n : 1) * sizeof *idx);
	if (!idx)
		return NULL;
	long k = 0;
	for (long i = 0; i < n; i++)
		if (!ok_only || cells[i].res.ok)
			idx[k++] = i;
	qsort_r(idx, (size_t)k, sizeof *idx, cmp_cells, (void *)o);
	*count = k;
	return idx;
}

static int cmp_first(const void *pa, const void *pb)
{
	const long *a = pa, *b = pb; /* {first index, start in idx, length} */
	return (a[0] > b[0]) - (a[0] < b[0]);
}

/* One group: every rep of one runtime × workload × parameter point, the
 * cells g[0..len) (indexes into cells, in matrix order). */
static void summary_group(FILE *f, const struct h_cell *cells, const long *g, long len,
                          double *v)
{
	const struct h_cell *c0 = &cells[g[0]];
	char params[1024];
	h_cell_params_str(c0, ';', 0, params, sizeof params);

	for (size_t m = 0; m < sizeof core_metrics / sizeof core_metrics[0]; m++) {
		int k = 0;
		for (long i = 0; i < len; i++)
			if (cells[g[i]].res.ok)
				v[k++] = (double)*(const uint64_t *)((const char *)&cells[g[i]].res +
				                                      core_metrics[m].off);
		summary_row(f, c0, params, core_metrics[m].name, core_metrics[m].unit, v, k);
	}

	/* Workload metrics, in the order of their first appearance; a name is
	 * summarised at its first occurrence only. Groups hold a few reps of
	 * at most WL_MAX_METRICS metrics, so the quadratic scan is cheap. */
	for (long i = 0; i < len; i++) {
		const struct h_cell_result *r = &cells[g[i]].res;
		if (!r->ok)
			continue;
		for (int m = 0; m < r->nmetrics; m++) {
			const char *name = r->metrics[m].name;
			int seen = 0;
			for (long j = 0; j <= i && !seen; j++) {
				const struct h_cell_result *rj = &cells[g[j]].res;
				int upto = j < i ? rj->nmetrics : m;
				for (int q = 0; rj->ok && q < upto && !seen; q++)
					seen = strcmp(rj->metrics[q].name, name) == 0;
			}
			if (seen)
				continue;
			int k = 0;
			for (long j = i; j < len; j++) {
				const struct h_cell_result *rj = &cells[g[j]].res;
				for (int q = 0; rj->ok && q < rj->nmetrics; q++)
					if (strcmp(rj->metrics[q].name, name) == 0) {
						v[k++] = rj->metrics[q].value;
						break;
					}
			}
			summary_row(f, c0, params, name, r->metrics[m].unit, v, k);
		}
	}
}

int h_summary_write(const char *dir, const struct h_cell *cells, long n)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/summary.csv", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	struct order o = { cells, 1, 0 };
	long k;
	long *idx = sorted(cells, n, &o, 0, &k);
	double *v = calloc(n > 0 ? (size_t)n : 1, sizeof *v);
	long(*groups)[3] = calloc(n > 0 ? (size_t)n : 1, sizeof *groups);
	FILE *f = NULL;
	int err = 0;
	if (!idx || !v || !groups) {
		err = ENOMEM;
		goto out;
	}
	/* Groups in the order the matrix ran them: by their first cell. */
	long ng = 0;
	for (long i = 0; i < k; i++) {
		if (i == 0 || !same_point(&cells[idx[i - 1]], &cells[idx[i]], 1)) {
			groups[ng][0] = idx[i];
			groups[ng][1] = i;
			groups[ng][2] = 0;
			ng++;
		}
		groups[ng - 1][2]++;
	}
	qsort(groups, (size_t)ng, sizeof *groups, cmp_first);

	f = fopen(path, "w");
	if (!f) {
		err = errno;
		goto out;
	}
	fputs(H_SUMMARY_HEADER "\n", f);
	for (long g = 0; g < ng; g++)
		summary_group(f, cells, idx + groups[g][1], groups[g][2], v);
	if (ferror(f))
		err = EIO;
	if (fflush(f) != 0 && !err)
		err = errno;
	if (!err && fsync(fileno(f)) != 0)
		err = errno;
out:
	if (f && fclose(f) != 0 && !err)
		err = errno;
	free(idx);
	free(v);
	free(groups);
	return -err;
}

/* ---- checksums ---- */

long h_checksum_check(const struct h_cell *cells, long n, FILE *out)
{
	/* Sorted by checksum key, then checksum, then matrix order: within a
	 * point, equal checksums form runs, and the longest run (the earliest
	 * on a tie) is the expected checksum. When one runtime is wrong, that
	 * names the one runtime, not everybody else. */
	struct order o = { cells, 0, 1 };
	long k;
	long *idx = sorted(cells, n, &o, 1, &k);
	long *ref = malloc((n > 0 ? (size_t)n : 1) * sizeof *ref);
	long *votes = malloc((n > 0 ? (size_t)n : 1) * sizeof *votes);
	if (!idx || !ref || !votes) {
		free(idx);
		free(ref);
		free(votes);
		fprintf(out, "concbench: out of memory checking checksums\n");
		return 1;
	}
	for (long i = 0; i < n; i++)
		ref[i] = -1;
	for (long p = 0; p < k;) {
		long end = p;
		while (end < k && same_point(&cells[idx[p]], &cells[idx[end]], 0))
			end++;
		long best = idx[p], best_votes = 0;
		for (long r = p; r < end;) {
			long e = r;
			while (e < end && cells[idx[e]].res.checksum == cells[idx[r]].res.checksum)
				e++;
			if (e - r > best_votes || (e - r == best_votes && idx[r] < best)) {
				best = idx[r]; /* a run's first element is its earliest cell */
				best_votes = e - r;
			}
			r = e;
		}
		for (long i = p; i < end; i++) {
			ref[idx[i]] = best;
			votes[idx[i]] = best_votes;
		}
		p = end;
	}

	long bad = 0;
	for (long i = 0; i < n; i++) {
		if (ref[i] < 0)
			continue;
		const struct h_cell *c = &cells[i], *r = &cells[ref[i]];
		if (c->res.checksum == r->res.checksum)
			continue;
		char params[1024];
		fprintf(out,
		        "concbench: checksum mismatch: %s %s %s rep %d got 0x%016llx, expected "
		        "0x%016llx (as %ld cell(s) got, e.g. %s rep %d)\n",
		        c->rt->name, c->wl->name, h_cell_params_str(c, ' ', 0, params, sizeof params),
		        c->rep, (unsigned long long)c->res.checksum,
		        (unsigned long long)r->res.checksum, votes[i], r->rt->name, r->rep);
		bad++;
	}
	free(idx);
	free(ref);
	free(votes);
	return bad;
}
