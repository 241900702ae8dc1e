/* results.c — what a run leaves behind: results.jsonl (one line per cell,
 * fsync'd as it finishes, so a crash or a power cut loses at most the
 * running cell; read back by --resume), summary.csv and summary.json
 * (median, min, max and coefficient of variation over the ok reps, warm-ups
 * left out), fits.csv (memory per task as a slope over a sweep of task
 * counts), and the cross-runtime checksum check. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure.h"

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

static const char *place_name(const struct h_cell *c)
{
	return c->place ? c->place->name : "unpinned";
}

/* The params string, leaving out parameter index `skip` (-1: none). */
static char *params_str(const struct h_cell *c, char sep, int only_set, int skip, char *buf,
                        size_t len)
{
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int n = h_plist_count(&pl);
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i <= n; i++) {
		int w;
		if (i == n) {
			if (!c->place || !c->place->given)
				break;
			w = snprintf(buf + used, len - used, "%s%s=%s", used ? (char[]){ sep, 0 } : "",
			             "placement", c->place->name);
		} else {
			if (i == skip || (only_set && (i >= 64 || !(c->setmask >> i & 1))))
				continue;
			w = snprintf(buf + used, len - used, "%s%s=%" PRId64,
			             used ? (char[]){ sep, 0 } : "", h_plist_at(&pl, i)->name,
			             c->params[i]);
		}
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0'; /* truncated: keep whole pairs only */
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

char *h_cell_params_str(const struct h_cell *c, char sep, int only_set, char *buf, size_t len)
{
	return params_str(c, sep, only_set, -1, buf, len);
}

/* ---- results.jsonl ---- */

/* The keys of the "mem" object and the measurements they hold. */
static const struct {
	const char *key;
	int hm;
} mem_keys[] = {
	{ "rss_kib", H_HM_MEM_RSS },
	{ "pss_kib", H_HM_MEM_PSS },
	{ "user_kib", H_HM_MEM_USER },
	{ "kernel_kib", H_HM_MEM_KERNEL },
	{ "kernel_stack_kib", H_HM_MEM_KSTACK },
	{ "pagetables_kib", H_HM_MEM_PAGETABLES },
	{ "slab_kib", H_HM_MEM_SLAB },
	{ "user_kib_per_task", H_HM_MEM_USER_PER_TASK },
	{ "kernel_kib_per_task", H_HM_MEM_KERNEL_PER_TASK },
	{ "kernel_stack_kib_per_task", H_HM_MEM_KSTACK_PER_TASK },
};
#define NMEMKEYS (int)(sizeof mem_keys / sizeof mem_keys[0])

static int have_mem(const struct h_cell_result *r)
{
	for (int i = 0; i < NMEMKEYS; i++)
		if (!isnan(r->hm[mem_keys[i].hm]))
			return 1;
	return 0;
}

/* The load generator's rusage (server workloads): results.jsonl fields
 * and summary rows of the same names, for the cells that had a client. */
static const struct {
	const char *name, *unit;
	size_t off;
} client_metrics[] = {
	{ "client_cpu_user_ns", "ns", offsetof(struct h_cell_result, client_cpu_user_ns) },
	{ "client_cpu_sys_ns", "ns", offsetof(struct h_cell_result, client_cpu_sys_ns) },
	{ "client_ctx_voluntary", "switches", offsetof(struct h_cell_result, client_ctx_voluntary) },
	{ "client_ctx_involuntary", "switches",
	  offsetof(struct h_cell_result, client_ctx_involuntary) },
	{ "client_rss_peak_kib", "KiB", offsetof(struct h_cell_result, client_rss_peak_kib) },
};
#define NCLIENT (sizeof client_metrics / sizeof client_metrics[0])

int h_results_append(FILE *f, const struct h_cell *c)
{
	const struct h_cell_result *r = &c->res;
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int n = h_plist_count(&pl);

	/* Every line says what it is (results/SCHEMA.md): lines outlive the
	 * binary that wrote them (--resume, compare). */
	fputs("{\"schema\":\"concbench.results\",\"schema_version\":1,\"runtime\":", f);
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
	fputs("},\"placement\":", f);
	h_json_str(f, place_name(c));
	char bound[256] = "";
	if (c->place && c->place->cpuset)
		hwloc_bitmap_list_snprintf(bound, sizeof bound, c->place->cpuset);
	fputs(",\"cpus_bound\":", f);
	h_json_str(f, bound[0] ? bound : NULL);
	fprintf(f, ",\"cpu_a\":%d,\"cpu_b\":%d", c->place ? c->place->cpu_a : -1,
	        c->place ? c->place->cpu_b : -1);
	bound[0] = '\0';
	if (c->client_cpus)
		hwloc_bitmap_list_snprintf(bound, sizeof bound, c->client_cpus);
	fputs(",\"client_cpus_bound\":", f);
	h_json_str(f, bound[0] ? bound : NULL);
	fprintf(f, ",\"rep\":%d,\"warmup\":%s,\"ok\":%s,\"error\":", c->rep,
	        c->warmup ? "true" : "false", r->ok ? "true" : "false");
	h_json_str(f, r->ok ? NULL : r->error);
	if (r->skipped)
		fputs(",\"skipped\":true", f);
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
	/* The reserve stopped the cell, not the kernel: where the kernel's
	 * wall is (mem.c, struct h_reserve). */
	if (r->reserve)
		fprintf(f, ",\"reserve\":true,\"limit_max\":%" PRId64 ",\"limit_at\":%" PRId64,
		        r->limit_max, r->limit_at);
	fputs(",\"metrics\":{", f);
	for (int i = 0; i < r->nmetrics; i++) {
		if (i)
			fputc(',', f);
		h_json_str(f, r->metrics[i].name);
		fputc(':', f);
		h_json_num(f, r->metrics[i].value);
	}
	fputs("},\"metric_units\":{", f);
	for (int i = 0; i < r->nmetrics; i++) {
		if (i)
			fputc(',', f);
		h_json_str(f, r->metrics[i].name);
		fputc(':', f);
		h_json_str(f, r->metrics[i].unit);
	}
	fputs("},\"counters\":{", f);
	for (int i = 0; i < H_NCTR; i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", h_hm[i].name);
		h_json_num(f, r->hm[i]);
	}
	fputs("},\"counters_unavailable\":{", f);
	for (int i = 0, k = 0; i < H_NCTR; i++) {
		if (!isnan(r->hm[i]) || !r->ctr_why[i][0])
			continue;
		fprintf(f, "%s\"%s\":", k++ ? "," : "", h_hm[i].name);
		h_json_str(f, r->ctr_why[i]);
	}
	fputs("},\"counters_user_only\":[", f);
	for (int i = 0, k = 0; i < H_NCTR; i++)
		if (r->ctr_user_only >> i & 1)
			fprintf(f, "%s\"%s\"", k++ ? "," : "", h_hm[i].name);
	char sys_why[H_WHY_LEN];
	h_perf_syscalls_why(r->syscalls_err, sys_why, sizeof sys_why);
	fputs("],\"syscalls_why\":", f);
	h_json_str(f, sys_why[0] ? sys_why : NULL);
	fprintf(f, ",\"threads_at_read\":%d,\"mem\":", r->threads_at_read);
	if (have_mem(r)) {
		fputc('{', f);
		for (int i = 0; i < NMEMKEYS; i++) {
			fprintf(f, "%s\"%s\":", i ? "," : "", mem_keys[i].key);
			h_json_num(f, r->hm[mem_keys[i].hm]);
		}
		fputs(",\"method\":", f);
		h_json_str(f, r->mem_method[0] ? r->mem_method : NULL);
		fputs(",\"parts_method\":", f);
		h_json_str(f, r->mem_parts_method[0] ? r->mem_parts_method : NULL);
		fputs(",\"meminfo_noise_kib\":", f);
		h_json_num(f, r->mem_noise_kib);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"create_ns_per_task\":", f);
	h_json_num(f, r->hm[H_HM_CREATE_NS_PER_TASK]);
	fputs(",\"steal_ms\":", f);
	h_json_num(f, r->hm[H_HM_STEAL_MS]);
	fputs(",\"others_ms\":", f);
	h_json_num(f, r->hm[H_HM_OTHERS_MS]);
	fputs(",\"cpus_used\":", f);
	h_json_str(f, r->cpus_used[0] ? r->cpus_used : NULL);
	fputs(",\"switch_count_check\":", f);
	h_json_str(f, r->switch_check[0] ? r->switch_check : NULL);
	fputs(",\"client_cpus_used\":", f);
	h_json_str(f, r->client_cpus_used[0] ? r->client_cpus_used : NULL);
	/* Server workloads: the load generator's rusage, apart from the
	 * server's above. */
	for (size_t i = 0; i < NCLIENT; i++) {
		fprintf(f, ",\"%s\":", client_metrics[i].name);
		if (r->client)
			fprintf(f, "%" PRIu64, *(const uint64_t *)((const char *)r + client_metrics[i].off));
		else
			fputs("null", f);
	}
	/* The host the client ran on: `load`'s own, or the one a run reached
	 * with --client-host (remote.c); absent for a client on this host. */
	const struct h_host *h = &c->client_host;
	if (h->hostname[0] || h->cpus) {
		fputs(",\"client_host\":{\"transport\":", f);
		h_json_str(f, h->transport[0] ? h->transport : NULL);
		fputs(",\"hostname\":", f);
		h_json_str(f, h->hostname);
		fputs(",\"kernel\":", f);
		h_json_str(f, h->kernel);
		fputs(",\"cpu_model\":", f);
		h_json_str(f, h->cpu_model[0] ? h->cpu_model : NULL);
		fprintf(f, ",\"cpus\":%d}", h->cpus);
	}
	fputs("}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	/* EINVAL: a pipe or tty; no fd at all: a memory stream (tests). */
	if (fileno(f) >= 0 && fsync(fileno(f)) != 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* ---- reading a line back (--resume) ---- */

#define MAX_LINE_PARAMS 64

struct line {
	char runtime[64], workload[64], placement[32];
	int nparams;
	char pname[MAX_LINE_PARAMS][48];
	int64_t pval[MAX_LINE_PARAMS];
	int rep, warmup;
	int seen_ok;
	struct h_cell_result res;
	struct h_host host;
};

static int metric_slot(struct h_cell_result *r, const char *name)
{
	for (int i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return i;
	if (r->nmetrics >= WL_MAX_METRICS)
		return -1;
	snprintf(r->metrics[r->nmetrics].name, sizeof r->metrics[0].name, "%s", name);
	return r->nmetrics++;
}

static int u64_of(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int line_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct line *l = ctx;
	struct h_cell_result *r = &l->res;
	double num = t == H_JNUM ? strtod(s, NULL) : NAN;
	const char *dot = strchr(path, '.');
	const char *sub = dot ? dot + 1 : NULL;
	size_t head = dot ? (size_t)(dot - path) : strlen(path);
#define IS(name) (head == strlen(name) && strncmp(path, name, head) == 0)
	static const struct {
		const char *key;
		size_t off;
	} u64s[] = {
		{ "wall_ns", offsetof(struct h_cell_result, wall_ns) },
		{ "cpu_user_ns", offsetof(struct h_cell_result, cpu_user_ns) },
		{ "cpu_sys_ns", offsetof(struct h_cell_result, cpu_sys_ns) },
		{ "ctx_voluntary", offsetof(struct h_cell_result, ctx_voluntary) },
		{ "ctx_involuntary", offsetof(struct h_cell_result, ctx_involuntary) },
		{ "rss_peak_kib", offsetof(struct h_cell_result, rss_peak_kib) },
		{ "tasks_reached", offsetof(struct h_cell_result, tasks_reached) },
	};
	if (!sub) {
		for (size_t i = 0; i < sizeof u64s / sizeof u64s[0]; i++)
			if (IS(u64s[i].key))
				return t == H_JNUM ? u64_of(s, (uint64_t *)((char *)r + u64s[i].off))
				                   : -EINVAL;
		for (size_t i = 0; i < NCLIENT; i++) {
			if (!IS(client_metrics[i].name) || t == H_JNULL)
				continue;
			if (t != H_JNUM)
				return -EINVAL;
			r->client = 1;
			return u64_of(s, (uint64_t *)((char *)r + client_metrics[i].off));
		}
	}
	if (IS("runtime") && t == H_JSTR)
		snprintf(l->runtime, sizeof l->runtime, "%s", s);
	else if (IS("workload") && t == H_JSTR)
		snprintf(l->workload, sizeof l->workload, "%s", s);
	else if (IS("placement") && t == H_JSTR)
		snprintf(l->placement, sizeof l->placement, "%s", s);
	else if (IS("params") && sub && t == H_JNUM) {
		if (l->nparams >= MAX_LINE_PARAMS)
			return -EINVAL;
		snprintf(l->pname[l->nparams], sizeof l->pname[0], "%s", sub);
		char *end;
		l->pval[l->nparams++] = strtoll(s, &end, 10);
		if (*end)
			return -EINVAL;
	} else if (IS("rep") && t == H_JNUM)
		l->rep = atoi(s);
	else if (IS("warmup") && t == H_JBOOL)
		l->warmup = s[0] == 't';
	else if (IS("ok") && t == H_JBOOL) {
		r->ok = s[0] == 't';
		l->seen_ok = 1;
	} else if (IS("error") && t == H_JSTR)
		snprintf(r->error, sizeof r->error, "%s", s);
	else if (IS("skipped") && t == H_JBOOL)
		r->skipped = s[0] == 't';
	else if (IS("checksum") && t == H_JSTR)
		return u64_of(s, &r->checksum);
	else if (IS("limit") && t == H_JSTR)
		snprintf(r->limit, sizeof r->limit, "%s", s);
	else if (IS("reserve") && t == H_JBOOL)
		r->reserve = s[0] == 't';
	else if ((IS("limit_max") || IS("limit_at")) && t == H_JNUM)
		*(IS("limit_max") ? &r->limit_max : &r->limit_at) = strtoll(s, NULL, 10);
	else if ((IS("metrics") || IS("metric_units")) && sub) {
		int m = metric_slot(r, sub);
		if (m < 0)
			return -EINVAL;
		if (IS("metrics"))
			r->metrics[m].value = num;
		else if (t == H_JSTR)
			snprintf(r->metrics[m].unit, sizeof r->metrics[m].unit, "%s", s);
	} else if ((IS("counters") || IS("counters_unavailable")) && sub) {
		for (int i = 0; i < H_NCTR; i++) {
			if (strcmp(sub, h_hm[i].name) != 0)
				continue;
			if (IS("counters"))
				r->hm[i] = num;
			else if (t == H_JSTR)
				snprintf(r->ctr_why[i], H_WHY_LEN, "%s", s);
		}
	} else if (IS("counters_user_only") && t == H_JSTR) {
		for (int i = 0; i < H_NCTR; i++)
			if (strcmp(s, h_hm[i].name) == 0)
				r->ctr_user_only |= 1 << i;
	} else if (IS("threads_at_read") && t == H_JNUM)
		r->threads_at_read = atoi(s);
	else if (IS("mem") && sub) {
		for (int i = 0; i < NMEMKEYS; i++)
			if (strcmp(sub, mem_keys[i].key) == 0)
				r->hm[mem_keys[i].hm] = num;
		if (strcmp(sub, "method") == 0 && t == H_JSTR)
			snprintf(r->mem_method, sizeof r->mem_method, "%s", s);
		else if (strcmp(sub, "parts_method") == 0 && t == H_JSTR)
			snprintf(r->mem_parts_method, sizeof r->mem_parts_method, "%s", s);
		else if (strcmp(sub, "meminfo_noise_kib") == 0)
			r->mem_noise_kib = num;
	} else if (IS("create_ns_per_task"))
		r->hm[H_HM_CREATE_NS_PER_TASK] = num;
	else if (IS("steal_ms"))
		r->hm[H_HM_STEAL_MS] = num;
	else if (IS("others_ms"))
		r->hm[H_HM_OTHERS_MS] = num;
	else if (IS("cpus_used") && t == H_JSTR)
		snprintf(r->cpus_used, sizeof r->cpus_used, "%s", s);
	else if (IS("switch_count_check") && t == H_JSTR)
		snprintf(r->switch_check, sizeof r->switch_check, "%s", s);
	else if (IS("client_cpus_used") && t == H_JSTR)
		snprintf(r->client_cpus_used, sizeof r->client_cpus_used, "%s", s);
	else if (IS("client_host") && sub) {
		struct h_host *h = &l->host;
		if (strcmp(sub, "cpus") == 0 && t == H_JNUM)
			h->cpus = atoi(s);
		else if (t == H_JSTR && strcmp(sub, "transport") == 0)
			snprintf(h->transport, sizeof h->transport, "%s", s);
		else if (t == H_JSTR && strcmp(sub, "hostname") == 0)
			snprintf(h->hostname, sizeof h->hostname, "%s", s);
		else if (t == H_JSTR && strcmp(sub, "kernel") == 0)
			snprintf(h->kernel, sizeof h->kernel, "%s", s);
		else if (t == H_JSTR && strcmp(sub, "cpu_model") == 0)
			snprintf(h->cpu_model, sizeof h->cpu_model, "%s", s);
	}
#undef IS
	return 0;
}

static int line_is(const struct line *l, const struct h_cell *c)
{
	if (strcmp(l->runtime, c->rt->name) || strcmp(l->workload, c->wl->name) ||
	    strcmp(l->placement, place_name(c)) || l->rep != c->rep || l->warmup != c->warmup)
		return 0;
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int n = h_plist_count(&pl);
	if (l->nparams != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(l->pname[i], h_plist_at(&pl, i)->name) || l->pval[i] != c->params[i])
			return 0;
	return 1;
}

/* One results.jsonl line into a new *lp (the caller frees it, also on
 * error; NULL on -ENOMEM): 0, -EINVAL when it is not a line we write, or
 * h_json_walk's return. */
static int line_read(const char *text, struct line **lp)
{
	struct line *l = *lp = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	for (int i = 0; i < H_NHM; i++)
		l->res.hm[i] = NAN;
	l->res.mem_noise_kib = NAN;
	int rc = h_json_walk(text, line_cb, l);
	if (rc == 0 && (!l->runtime[0] || !l->workload[0] || !l->seen_ok))
		rc = -EINVAL;
	return rc;
}

long h_results_restore(const char *text, struct h_cell *cells, long n, long hint)
{
	struct line *l;
	int rc = line_read(text, &l);
	long found = -1;
	if (rc == 0 && !l->placement[0])
		snprintf(l->placement, sizeof l->placement, "unpinned");
	/* Lines come in matrix order, so the search starts where the last
	 * one matched: linear overall for a whole file. */
	for (long k = 0; rc == 0 && k < n && found < 0; k++) {
		long i = (hint + k) % n;
		if (!cells[i].done && line_is(l, &cells[i]))
			found = i;
	}
	if (found >= 0) {
		cells[found].res = l->res;
		cells[found].client_host = l->host;
		cells[found].done = 1;
	}
	free(l);
	return rc < 0 ? rc : found;
}

int h_results_parse(const char *text, struct h_cell_result *r, struct h_host *host)
{
	struct line *l;
	int rc = line_read(text, &l);
	if (rc == 0) {
		*r = l->res;
		*host = l->host;
	}
	free(l);
	return rc < 0 ? rc : 0;
}

/* ---- summary.csv, summary.json, fits.csv ---- */

static int same_point(const struct h_cell *a, const struct h_cell *b, int with_runtime)
{
	if (a->wl != b->wl)
		return 0;
	if (with_runtime && (a->rt != b->rt || strcmp(place_name(a), place_name(b)) != 0))
		return 0;
	int n = with_runtime ? nparams(a) : nwparams(a);
	return memcmp(a->params, b->params, (size_t)n * sizeof *a->params) == 0;
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
	 * significant digits, more than any measurement here can claim. An
	 * unknown value is an empty field. */
	if (!isfinite(v))
		return;
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

struct out {
	FILE *csv, *json, *fits;
	long json_rows, json_fits;
};

/* summary.json's numbers: ten significant digits, like the CSV (json.c's
 * six are enough for a result line's metrics, not for a median of ns). */
static void json_num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == (double)(long long)v && fabs(v) < 9e15)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.10g", v);
}

/* One summary row, in both formats. d NULL: a row that is not a
 * distribution over reps (a fit): value as median, min and max. */
static void row(struct out *o, const struct h_cell *c, const char *params, const char *metric,
                const char *unit, const struct h_dist *d)
{
	/* A CPU mask's spread is not a measurement's: no CoV for it. */
	int spread = strcmp(unit, "cpu mask") != 0;
	double cov = spread ? d->cov : NAN;
	int noisy = spread && h_dist_noisy(d);
	FILE *f = o->csv;
	csv_field(f, c->rt->name);
	fputc(',', f);
	csv_field(f, c->wl->name);
	fputc(',', f);
	csv_field(f, params);
	fputc(',', f);
	csv_field(f, metric);
	fputc(',', f);
	csv_field(f, unit);
	fprintf(f, ",%d,", d->n);
	csv_num(f, d->median);
	fputc(',', f);
	csv_num(f, d->min);
	fputc(',', f);
	csv_num(f, d->max);
	fputc(',', f);
	if (isfinite(cov))
		fprintf(f, "%.4g", cov);
	fprintf(f, ",%d,", noisy);
	csv_num(f, spread ? d->ci_lo : NAN);
	fputc(',', f);
	csv_num(f, spread ? d->ci_hi : NAN);
	fputc('\n', f);

	f = o->json;
	fputs(o->json_rows++ ? ",\n    {" : "\n    {", f);
	fputs("\"runtime\":", f);
	h_json_str(f, c->rt->name);
	fputs(",\"workload\":", f);
	h_json_str(f, c->wl->name);
	fputs(",\"params\":", f);
	h_json_str(f, params);
	fputs(",\"placement\":", f);
	h_json_str(f, place_name(c));
	fputs(",\"metric\":", f);
	h_json_str(f, metric);
	fputs(",\"unit\":", f);
	h_json_str(f, unit);
	fprintf(f, ",\"n\":%d,\"median\":", d->n);
	json_num(f, d->median);
	fputs(",\"min\":", f);
	json_num(f, d->min);
	fputs(",\"max\":", f);
	json_num(f, d->max);
	fputs(",\"cov\":", f);
	json_num(f, cov);
	fprintf(f, ",\"noisy\":%s,\"ci_lo\":", noisy ? "true" : "false");
	json_num(f, spread ? d->ci_lo : NAN);
	fputs(",\"ci_hi\":", f);
	json_num(f, spread ? d->ci_hi : NAN);
	fputc('}', f);
}

static void dist_row(struct out *o, const struct h_cell *c, const char *params,
                     const char *metric, const char *unit, double *v, int n)
{
	if (n == 0)
		return; /* nothing ok to summarise; results.jsonl holds the errors */
	struct h_dist d;
	h_dist_of(v, n, &d);
	row(o, c, params, metric, unit, &d);
}

static int counts(const struct h_cell *c)
{
	return c->done && !c->warmup;
}

/* Cells are grouped by sorting indexes (qsort_r with the cell array as
 * context): O(n log n), so even the largest matrix summarises at once. */
struct order {
	const struct h_cell *cells;
	int with_runtime; /* group by runtime × workload × params × placement,
	                   * or by workload × workload params (the checksum key) */
	int by_checksum;
	const char *skip; /* a parameter left out of the key (fits: "tasks") */
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
	if (!d && o->with_runtime)
		d = strcmp(place_name(a), place_name(b));
	int n = o->with_runtime ? nparams(a) : nwparams(a);
	struct h_plist pl = { { a->wl->params, a->rt->params } };
	int skip = o->skip ? h_plist_find(&pl, o->skip, 0) : -1;
	for (int i = 0; i < n && !d; i++)
		if (i != skip)
			d = (a->params[i] > b->params[i]) - (a->params[i] < b->params[i]);
	if (!d && o->by_checksum)
		d = cmp_u64(a->res.checksum, b->res.checksum);
	if (!d)
		d = (ia > ib) - (ia < ib); /* stable: matrix order within a group */
	return d;
}

/* Same group under o: everything cmp_cells compares but the checksum and
 * the index. */
static int same_group(const struct order *o, long ia, long ib)
{
	const struct h_cell *a = &o->cells[ia], *b = &o->cells[ib];
	if (a->wl != b->wl)
		return 0;
	if (o->with_runtime && (a->rt != b->rt || strcmp(place_name(a), place_name(b)) != 0))
		return 0;
	int n = o->with_runtime ? nparams(a) : nwparams(a);
	struct h_plist pl = { { a->wl->params, a->rt->params } };
	int skip = o->skip ? h_plist_find(&pl, o->skip, 0) : -1;
	for (int i = 0; i < n; i++)
		if (i != skip && a->params[i] != b->params[i])
			return 0;
	return 1;
}

/* Indexes of the cells that pass `keep`, sorted by o. */
static long *sorted(const struct h_cell *cells, long n, const struct order *o,
                    int (*keep)(const struct h_cell *), long *count)
{
	long *idx = malloc((n > 0 ? (size_t)n : 1) * sizeof *idx);
	if (!idx)
		return NULL;
	long k = 0;
	for (long i = 0; i < n; i++)
		if (keep(&cells[i]))
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

/* Groups of sorted indexes, in the order the matrix ran them (by their
 * first cell): rows of {first index, start in idx, length}. */
static long (*groups_of(const struct order *o, const long *idx, long k, long *ng))[3]
{
	long(*g)[3] = calloc(k > 0 ? (size_t)k : 1, sizeof *g);
	if (!g)
		return NULL;
	long n = 0;
	for (long i = 0; i < k; i++) {
		if (i == 0 || !same_group(o, idx[i - 1], idx[i])) {
			g[n][0] = idx[i];
			g[n][1] = i;
			g[n][2] = 0;
			n++;
		}
		g[n - 1][2]++;
	}
	qsort(g, (size_t)n, sizeof *g, cmp_first);
	*ng = n;
	return g;
}

/* One group: every rep of one runtime × workload × parameter point ×
 * placement, the cells g[0..len) (indexes into cells, in matrix order). */
static void summary_group(struct out *o, const struct h_cell *cells, const long *g, long len,
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
		dist_row(o, c0, params, core_metrics[m].name, core_metrics[m].unit, v, k);
	}
	for (size_t m = 0; m < NCLIENT; m++) {
		int k = 0;
		for (long i = 0; i < len; i++)
			if (cells[g[i]].res.ok && cells[g[i]].res.client)
				v[k++] = (double)*(const uint64_t *)((const char *)&cells[g[i]].res +
				                                      client_metrics[m].off);
		dist_row(o, c0, params, client_metrics[m].name, client_metrics[m].unit, v, k);
	}
	/* The harness's own: counters, memory at peak, creation. Absent
	 * (NaN) values are left out, so n can be below the reps. */
	for (int m = 0; m < H_NHM; m++) {
		int k = 0;
		for (long i = 0; i < len; i++)
			if (cells[g[i]].res.ok && !isnan(cells[g[i]].res.hm[m]))
				v[k++] = cells[g[i]].res.hm[m];
		dist_row(o, c0, params, h_hm[m].name, h_hm[m].unit, v, k);
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
						if (!isnan(rj->metrics[q].value))
							v[k++] = rj->metrics[q].value;
						break;
					}
			}
			dist_row(o, c0, params, name, r->metrics[m].unit, v, k);
		}
	}
}

/* Memory per task: a least-squares line of memory at peak against the
 * task count, over every ok rep of a sweep (each rep one point, so R²
 * shows the reps' scatter too), user and kernel apart. */
static const struct {
	const char *metric;
	int hm;
	const char *r2;
} fit_defs[] = {
	{ "mem_slope_user_kib_per_task", H_HM_MEM_USER, "mem_slope_user_r2" },
	{ "mem_slope_kernel_kib_per_task", H_HM_MEM_KERNEL, "mem_slope_kernel_r2" },
	{ "mem_slope_kernel_stack_kib_per_task", H_HM_MEM_KSTACK, "mem_slope_kernel_stack_r2" },
};

static void fit_group(struct out *o, const struct h_cell *cells, const long *g, long len,
                      double *x, double *y)
{
	const struct h_cell *c0 = &cells[g[0]];
	struct h_plist pl = { { c0->wl->params, c0->rt->params } };
	int ti = h_plist_find(&pl, "tasks", 0);
	if (ti < 0)
		return;
	char params[1024];
	params_str(c0, ';', 0, ti, params, sizeof params);
	for (size_t d = 0; d < sizeof fit_defs / sizeof fit_defs[0]; d++) {
		int k = 0;
		for (long i = 0; i < len; i++) {
			const struct h_cell *c = &cells[g[i]];
			/* Only cells whose per-task figure exists: every task was
			 * alive at the peak. A pool holds `workers` at once, and a
			 * slope over its few waiters would read as nearly free. */
			if (c->res.ok && !isnan(c->res.hm[fit_defs[d].hm]) &&
			    !isnan(c->res.hm[H_HM_MEM_USER_PER_TASK])) {
				x[k] = (double)c->params[ti];
				y[k++] = c->res.hm[fit_defs[d].hm];
			}
		}
		struct h_fit fit;
		if (h_linfit(x, y, k, &fit) < 0)
			continue; /* one task count: no slope */
		FILE *f = o->fits;
		csv_field(f, c0->rt->name);
		fputc(',', f);
		csv_field(f, c0->wl->name);
		fputc(',', f);
		csv_field(f, params);
		fprintf(f, ",%s,KiB/task,%d,", fit_defs[d].metric, k);
		csv_num(f, fit.slope);
		fputc(',', f);
		csv_num(f, fit.intercept);
		fputc(',', f);
		if (isfinite(fit.r2))
			fprintf(f, "%.6f", fit.r2);
		fputc('\n', f);
		struct h_dist ds = { .n = k, .median = fit.slope, .min = fit.slope,
		                     .max = fit.slope, .mean = fit.slope, .cov = NAN,
		                     .ci_lo = NAN, .ci_hi = NAN }; /* a fit: no median to resample */
		row(o, c0, params, fit_defs[d].metric, "KiB/task", &ds);
		struct h_dist dr = { .n = k, .median = fit.r2, .min = fit.r2, .max = fit.r2,
		                     .mean = fit.r2, .cov = NAN, .ci_lo = NAN, .ci_hi = NAN };
		row(o, c0, params, fit_defs[d].r2, "", &dr);
	}
}

/* The three summary files are each written atomically (h_atomic_*): a
 * resumed run rewrites them, and a crash must leave the old ones whole.
 * open_in does nothing once *err is set; close_out commits, or drops the
 * file when err is set. Both deal in negative errnos. */
static FILE *open_in(struct h_atomic *a, const char *dir, const char *name, int *err)
{
	if (*err)
		return NULL;
	FILE *f = h_atomic_open(a, dir, name);
	if (!f)
		*err = -errno;
	return f;
}

static int close_out(struct h_atomic *a, FILE *f, int err)
{
	if (!f)
		return err;
	if (err) {
		h_atomic_abort(a, f);
		return err;
	}
	return h_atomic_commit(a, f);
}

int h_summary_write(const char *dir, const struct h_cell *cells, long n)
{
	struct order o = { cells, 1, 0, NULL };
	struct order fo = { cells, 1, 0, "tasks" };
	long k = 0, fk = 0, ng = 0, nfg = 0;
	long *idx = sorted(cells, n, &o, counts, &k);
	long *fidx = sorted(cells, n, &fo, counts, &fk);
	double *v = calloc(n > 0 ? (size_t)n : 1, sizeof *v);
	double *y = calloc(n > 0 ? (size_t)n : 1, sizeof *y);
	long(*groups)[3] = idx ? groups_of(&o, idx, k, &ng) : NULL;
	long(*fgroups)[3] = fidx ? groups_of(&fo, fidx, fk, &nfg) : NULL;
	struct out out = { 0 };
	struct h_atomic acsv, ajson, afits;
	int err = 0;
	if (!idx || !fidx || !v || !y || !groups || !fgroups) {
		err = -ENOMEM;
		goto done;
	}
	out.csv = open_in(&acsv, dir, "summary.csv", &err);
	out.json = open_in(&ajson, dir, "summary.json", &err);
	out.fits = open_in(&afits, dir, "fits.csv", &err);
	if (err)
		goto done;

	fputs(H_SUMMARY_HEADER "\n", out.csv);
	fputs("runtime,workload,params,metric,unit,n,slope,intercept,r2\n", out.fits);
	fprintf(out.json, "{\n  \"schema\": \"concbench.summary\",\n  \"schema_version\": 1,\n"
	                  "  \"noisy_cov\": %g,\n"
	                  "  \"rows\": [", H_NOISY_COV);
	for (long g = 0; g < ng; g++)
		summary_group(&out, cells, idx + groups[g][1], groups[g][2], v);
	for (long g = 0; g < nfg; g++)
		fit_group(&out, cells, fidx + fgroups[g][1], fgroups[g][2], v, y);
	fputs(out.json_rows ? "\n  ]\n}\n" : "]\n}\n", out.json);
done:
	err = close_out(&acsv, out.csv, err);
	err = close_out(&ajson, out.json, err);
	err = close_out(&afits, out.fits, err);
	free(idx);
	free(fidx);
	free(v);
	free(y);
	free(groups);
	free(fgroups);
	return err;
}

/* ---- checksums ---- */

/* A peer's server is not our workload's code: it has no checksum to agree. */
static int ok_cell(const struct h_cell *c)
{
	return c->done && c->res.ok && !h_peer_is(c->rt);
}

long h_checksum_check(const struct h_cell *cells, long n, FILE *out)
{
	/* Sorted by checksum key, then checksum, then matrix order: within a
	 * point, equal checksums form runs, and the longest run (the earliest
	 * on a tie) is the expected checksum. When one runtime is wrong, that
	 * names the one runtime, not everybody else. Warm-ups count: they
	 * did the same work. */
	struct order o = { cells, 0, 1, NULL };
	long k;
	long *idx = sorted(cells, n, &o, ok_cell, &k);
	long *ref = malloc((n > 0 ? (size_t)n : 1) * sizeof *ref);
	long *votes = malloc((n > 0 ? (size_t)n : 1) * sizeof *votes);
	if (!idx || !ref || !votes) {
		free(idx);
		free(ref);
		free(votes);
		fprintf(out, "concbench: out of memory checking checksums\n");
		return H_REPORTED;
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
		        "concbench: checksum mismatch: %s %s %s %s%d got 0x%016llx, expected "
		        "0x%016llx (as %ld cell(s) got, e.g. %s rep %d)\n",
		        c->rt->name, c->wl->name, h_cell_params_str(c, ' ', 0, params, sizeof params),
		        c->warmup ? "warm-up " : "rep ", c->rep, (unsigned long long)c->res.checksum,
		        (unsigned long long)r->res.checksum, votes[i], r->rt->name, r->rep);
		bad++;
	}
	free(idx);
	free(ref);
	free(votes);
	return bad;
}
