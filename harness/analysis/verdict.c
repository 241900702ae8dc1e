/* verdict.c — the rules that judge CLAIMS.md on a run's own numbers.
 *
 * Each rule reads the summary (medians over the ok reps) and, where a claim
 * is about what *failed* or where a cell ran, the run facts from
 * results.jsonl. A rule never decides on data it lacks: it says what is
 * missing and which run would produce it. The thresholds are named
 * constants (analysis.h) that the rule's words (claims.c) and the figure
 * labels here print: change one and the text follows.
 *
 * The claims are about models (threads, a pool, an event loop,
 * coroutines); a runtime is on a claim's side by its traits (runtime.h),
 * never by its name, so a new runtime is judged by what it is. C1-C12 were
 * written about five runtimes, and their rules judge those five only
 * (on_five): another runtime's cells in the same run are set beside them
 * in the report, never in their verdicts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "../../runtimes/runtime.h"

const char *h_verdict_name(enum h_verdict v)
{
	switch (v) {
	case H_VERDICT_HOLDS: return "holds";
	case H_VERDICT_DOES_NOT_HOLD: return "does not hold";
	case H_VERDICT_DEPENDS: return "depends";
	case H_VERDICT_INCONCLUSIVE: return "inconclusive";
	default: return "no data";
	}
}

/* A number inside a format argument list: the compound literal lives until
 * the end of the enclosing full expression's block. */
#define N(v) h_fmt_num((char[32]){ 0 }, 32, (v))

/* A parameter's value as given: "1000", never "1.00e+03". */
static char *fmt_param(char *buf, size_t len, double v)
{
	snprintf(buf, len, v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%g", v);
	return buf;
}
#define P(v) fmt_param((char[32]){ 0 }, 32, (v))
/* A threshold as the rule's words print it: "1.3", "20". */
#define TH(v) h_fmt_threshold((char[32]){ 0 }, 32, (v), H_THR_NUM)

/* A figure's reference text: REF("≥ %s to hold", TH(x)). */
static const char *ref_fmt(char *buf, size_t len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static const char *ref_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}
#define REF(...) ref_fmt((char[256]){ 0 }, 256, __VA_ARGS__)

/* "1 worker", "2 workers". */
#define WORKERS(n) ((n) == 1 ? "worker" : "workers")

/* ---- run facts: results.jsonl, the manifest ---- */

struct line_ctx {
	struct h_cellnote c;
	int warmup;
	size_t plen;
};

static int ncpus_of(const char *list)
{
	int n = 0;
	for (const char *p = list; *p;) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p)
			return 0;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return 0;
		}
		n += (int)(b - a + 1);
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return 0;
	}
	return n;
}

static void append_param(struct line_ctx *l, const char *key, const char *val)
{
	size_t room = sizeof l->c.params - l->plen;
	int n = snprintf(l->c.params + l->plen, room, "%s%s=%s", l->plen ? ";" : "", key, val);
	if (n > 0 && (size_t)n < room)
		l->plen += (size_t)n;
}

static int line_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct line_ctx *l = ctx;
	struct h_cellnote *c = &l->c;
	if (!strcmp(path, "runtime") && t == H_JSTR)
		snprintf(c->runtime, sizeof c->runtime, "%s", s);
	else if (!strcmp(path, "workload") && t == H_JSTR)
		snprintf(c->workload, sizeof c->workload, "%s", s);
	else if (!strncmp(path, "params.", 7))
		append_param(l, path + 7, s);
	else if (!strcmp(path, "placement") && t == H_JSTR)
		append_param(l, "placement", s);
	else if (!strcmp(path, "cpus_bound") && t == H_JSTR)
		c->ncpus_bound = ncpus_of(s);
	else if (!strcmp(path, "warmup"))
		l->warmup = !strcmp(s, "true");
	else if (!strcmp(path, "ok"))
		c->ok = !strcmp(s, "true");
	else if (!strcmp(path, "error") && t == H_JSTR)
		snprintf(c->error, sizeof c->error, "%s", s);
	else if (!strcmp(path, "limit") && t == H_JSTR)
		snprintf(c->limit, sizeof c->limit, "%s", s);
	else if (!strcmp(path, "reserve") && t == H_JBOOL && !strcmp(s, "true")) {
		/* Not the kernel's wall: the reserve left in front of it (the
		 * record's limit_at says where the wall is). After "limit". */
		size_t n = strlen(c->limit);
		snprintf(c->limit + n, sizeof c->limit - n, ", stopped at the reserve");
	}
	return 0;
}

static int manifest_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct h_runfacts *f = ctx;
	if (!strcmp(path, "virtualization.virtual_machine") && t == H_JBOOL)
		f->vm = !strcmp(s, "true");
	else if (!strcmp(path, "virtualization.hypervisor") && t == H_JSTR)
		snprintf(f->hypervisor, sizeof f->hypervisor, "%s", s);
	return 0;
}

int h_runfacts_load(const char *dir, struct h_runfacts *f)
{
	memset(f, 0, sizeof *f);
	f->vm = -1;
	char path[4200];
	char *line = NULL;
	size_t cap = 0, ncap = 0;
	int err = 0;

	snprintf(path, sizeof path, "%s/manifest.json", dir);
	h_json_walk_file(path, manifest_cb, f); /* absent or broken: facts unknown */

	snprintf(path, sizeof path, "%s/results.jsonl", dir);
	FILE *r = fopen(path, "re");
	long lineno = 0;
	while (r && getline(&line, &cap, r) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		struct line_ctx l = { 0 };
		if (h_json_walk(line, line_cb, &l) < 0) {
			/* A line cut short by a kill mid-write is the last one;
			 * anything else means the file is not ours. */
			int c = fgetc(r);
			if (c == EOF)
				break;
			fprintf(stderr, "concbench: %s:%ld: not a JSON object\n", path, lineno);
			err = -EINVAL;
			break;
		}
		if (l.warmup || !l.c.runtime[0])
			continue;
		if (f->ncells == ncap) {
			size_t nc = ncap ? 2 * ncap : 64;
			struct h_cellnote *v = realloc(f->cells, nc * sizeof *v);
			if (!v) {
				err = -ENOMEM;
				break;
			}
			f->cells = v;
			ncap = nc;
		}
		f->cells[f->ncells++] = l.c;
	}
	if (r)
		fclose(r);
	free(line);
	if (err)
		h_runfacts_free(f);
	return err;
}

void h_runfacts_free(struct h_runfacts *f)
{
	free(f->cells);
	f->cells = NULL;
	f->ncells = 0;
}

/* ---- selecting rows ---- */

/* The models the claims name, as classes of runtimes by their traits
 * (runtime.h). ANY_RT (0) does not constrain; a runtime not registered, or
 * stating no traits, is in no other class. */
enum model {
	ANY_RT,
	PARALLEL,    /* tasks on kernel threads, switched by the kernel: threads, pool */
	ASYNC,       /* tasks switched in user space: epoll, coro, coro-ucontext */
	THREADS,     /* a kernel thread per task: threads */
	POOL,        /* a fixed set of kernel threads that a waiting task holds: pool */
	ASYNC_NOSYS, /* switched in user space with no syscall per switch: epoll, coro */
	LOOP,        /* stackless callbacks on an event loop: epoll */
	HANDWRITTEN, /* stackful, a hand-written stack switch: coro */
	UCONTEXT,    /* stackful, switched by swapcontext: coro-ucontext */
	LOOP_PER_CPU, /* event loops, as many as a parameter says: epoll (loops=N); not
	               * work stealing (steals), where tasks move between them */
	ASYNC_FILES_INLINE, /* ASYNC, reading regular files in its one thread: not uring */
	STEALS,      /* tasks move between worker threads by stealing: steal, coro-steal */
	COMPLETION,  /* stackless, I/O by submission and completion: uring */
	READINESS_LOOPS, /* stackless loops per CPU waiting on readiness: epoll, not uring */
};

static int in_class(enum model c, const char *runtime)
{
	if (c == ANY_RT)
		return 1;
	const struct runtime *rt = rt_find(runtime);
	enum rt_switch sw = rt ? rt->switches : 0;
	switch (c) {
	case PARALLEL: return sw == RT_SWITCH_KERNEL;
	case ASYNC: return sw && sw != RT_SWITCH_KERNEL;
	case THREADS: return sw == RT_SWITCH_KERNEL && rt->cpus == RT_CPUS_ALL;
	case POOL: return sw == RT_SWITCH_KERNEL && rt->cpus == RT_CPUS_PARAM;
	case ASYNC_NOSYS: return sw == RT_SWITCH_STACK || sw == RT_SWITCH_CALLBACK;
	case LOOP: return sw == RT_SWITCH_CALLBACK;
	case HANDWRITTEN: return sw == RT_SWITCH_STACK;
	case UCONTEXT: return sw == RT_SWITCH_UCONTEXT;
	case LOOP_PER_CPU: return sw == RT_SWITCH_CALLBACK && rt->cpus == RT_CPUS_PARAM && !rt->steals;
	case ASYNC_FILES_INLINE: return sw && sw != RT_SWITCH_KERNEL && rt->files == RT_FILES_INLINE;
	case STEALS: return sw && sw != RT_SWITCH_KERNEL && rt->steals;
	case COMPLETION: return sw == RT_SWITCH_CALLBACK && rt->files == RT_FILES_ASYNC;
	case READINESS_LOOPS:
		return sw == RT_SWITCH_CALLBACK && rt->cpus == RT_CPUS_PARAM && !rt->steals &&
		       rt->files == RT_FILES_INLINE;
	default: return 0;
	}
}

/* The value params give a runtime's cpus_param (a pool's workers); def
 * when they give none or the runtime has none. */
static double cpus_param(const char *runtime, const char *params, double def)
{
	const struct runtime *rt = rt_find(runtime);
	return rt && rt->cpus_param ? h_param_num(params, rt->cpus_param, def) : def;
}

/* One thread runs every task (by the traits, whatever the CPUs): an event
 * loop with one loop, a coroutine scheduler. The executor a blocking step
 * stalls. */
static int single_executor(const char *runtime, const char *params)
{
	return h_runtime_threads(runtime, params, 0) == 1;
}

static void placement_of(const char *params, char *buf, size_t len)
{
	if (!h_param_str(params, "placement", buf, len))
		snprintf(buf, len, "unpinned"); /* the default, unnamed in params */
}

/* Whether a row's server had every CPU of the run, its client's too. */
static int is_shared(const char *params)
{
	char pl[32];
	placement_of(params, pl, sizeof pl);
	return !strcmp(pl, H_PLACEMENT_SHARED);
}

/* Whether the key p (klen bytes) is in the comma list skip (NULL: none). */
static int skipped_key(const char *skip, const char *p, size_t klen)
{
	for (const char *k = skip; k && *k; k += strcspn(k, ","), k += *k == ',')
		if (strcspn(k, ",") == klen && !strncmp(k, p, klen))
			return 1;
	return 0;
}

/* The workload point a row measures, comparable across runtimes: params
 * without the runtime's own keys, placement and the keys of the comma
 * list `skip` (NULL: none). */
static void wl_point(const char *runtime, const char *params, const char *skip, char *buf,
                     size_t len)
{
	const struct runtime *rt = rt_find(runtime);
	size_t n = 0;
	buf[0] = '\0';
	for (const char *p = params; *p;) {
		size_t plen = strcspn(p, ";"), klen = strcspn(p, "=;");
		int drop = (klen == 9 && !strncmp(p, "placement", 9)) || skipped_key(skip, p, klen);
		for (const struct cb_param *c = rt ? rt->params : NULL; c && c->name && !drop; c++)
			drop = strlen(c->name) == klen && !strncmp(p, c->name, klen);
		if (!drop && n + plen + 2 < len) {
			n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n ? ";" : "", (int)plen,
			                      p);
		}
		p += plen + (p[plen] == ';');
	}
}

/* A query over summary rows; a NULL or zero field does not constrain. */
struct q {
	const char *wl, *metric;
	enum model rts; /* runtimes allowed */
	const char *rt;    /* this runtime only */
	const char *key;        /* with val: key's value must equal val */
	double val;
	const char *key2; /* a second key = val2 */
	double val2;
	const char *placement; /* "unpinned" also matches rows without one */
	const char *point;     /* wl_point(row, skip) must equal this */
	const char *skip;
	int single;      /* 1: single-executor rows only */
	int multi_loops; /* 1: async rows on several threads only (epoll loops >= 2) */
	/* 1: rows whose heavy work went to a blocking pool (offload=1) only;
	 * 0: rows without it only. The claims before C15 are about work done
	 * in the step: an offloaded row would answer C3 or C9 with the cure. */
	int offload;
	/* 1: skewed server rows (hot_pct > 0) only; 0: rows without skew only.
	 * Every claim but C13 is about connections alike. */
	int hot;
	/* 1: server rows whose server shared every CPU with its client
	 * (placement=shared) only; 0: the others only; -1: either. The claims
	 * compare servers on CPUs of their own, the load generator's apart;
	 * C13's skewed echo was always run shared (labelled since 2026-12-02,
	 * "unpinned" before), C15 reads both. */
	int shared;
};

static int q_match(const struct q *q, const struct h_srow *r)
{
	if (!isfinite(r->median) || (q->wl && strcmp(q->wl, r->workload)) ||
	    (q->metric && strcmp(q->metric, r->metric)) || !in_class(q->rts, r->runtime) ||
	    (q->rt && strcmp(q->rt, r->runtime)))
		return 0;
	if (q->key && h_param_num(r->params, q->key, NAN) != q->val)
		return 0;
	if (q->key2 && h_param_num(r->params, q->key2, NAN) != q->val2)
		return 0;
	if ((h_param_num(r->params, "offload", 0) > 0) != (q->offload == 1))
		return 0;
	if ((h_param_num(r->params, "hot_pct", 0) > 0) != (q->hot == 1))
		return 0;
	if (q->shared >= 0 && is_shared(r->params) != q->shared)
		return 0;
	if (q->single && !single_executor(r->runtime, r->params))
		return 0;
	if (q->multi_loops &&
	    (!in_class(ASYNC, r->runtime) || h_runtime_threads(r->runtime, r->params, 0) < 2))
		return 0;
	if (q->placement) {
		char pl[32];
		placement_of(r->params, pl, sizeof pl);
		if (strcmp(pl, q->placement))
			return 0;
	}
	if (q->point) {
		char pt[512];
		wl_point(r->runtime, r->params, q->skip, pt, sizeof pt);
		if (strcmp(pt, q->point))
			return 0;
	}
	return 1;
}

/* A query literal: Q(.wl = "cpu", .metric = "iters_per_us"). */
#define Q(...) (&(struct q){ __VA_ARGS__ })

/* The matching row with the highest (hi) or lowest median. */
static const struct h_srow *q_best(const struct h_summary *s, const struct q *q, int hi)
{
	const struct h_srow *b = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (q_match(q, r) && (!b || (hi ? r->median > b->median : r->median < b->median)))
			b = r;
	}
	return b;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The distinct values of key among the matching rows, ascending. */
static int q_values(const struct h_summary *s, const struct q *q, const char *key, double *v,
                    int max)
{
	int n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		double x = h_param_num(r->params, key, NAN);
		if (!q_match(q, r) || isnan(x))
			continue;
		int seen = 0;
		for (int k = 0; k < n && !seen; k++)
			seen = v[k] == x;
		if (!seen && n < max)
			v[n++] = x;
	}
	qsort(v, (size_t)n, sizeof *v, cmp_dbl);
	return n;
}

/* A row's companion at the same point: another metric of the same cell group. */
static const struct h_srow *same_point(const struct h_summary *s, const struct h_srow *r,
                                       const char *metric)
{
	return h_summary_get(s, r->runtime, r->workload, metric, r->params);
}

/* "pool (workers=1)": the runtime with the runtime parameters that differ
 * from its defaults, so two settings of one runtime read apart. */
static const char *rt_label(const struct h_srow *r, char *buf, size_t len)
{
	const struct runtime *rt = rt_find(r->runtime);
	size_t n = (size_t)snprintf(buf, len, "%s", r->runtime);
	int first = 1;
	for (const struct cb_param *c = rt ? rt->params : NULL; c && c->name && n < len; c++) {
		double v = h_param_num(r->params, c->name, NAN);
		if (isnan(v) || v == (double)c->def)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", first ? " (" : ", ", c->name,
		                      P(v));
		first = 0;
	}
	if (!first && n < len)
		snprintf(buf + n, len - n, ")");
	return buf;
}
#define L(r) rt_label((r), (char[64]){ 0 }, 64)

/* CPUs the cells of a row's point were bound to (the least, over its
 * cells), 0 when results.jsonl does not say. */
static int cell_cpus(const struct h_runfacts *f, const char *runtime, const char *workload,
                     const char *params)
{
	int n = 0;
	for (size_t i = 0; f && i < f->ncells; i++) {
		const struct h_cellnote *c = &f->cells[i];
		if (!strcmp(c->runtime, runtime) && !strcmp(c->workload, workload) &&
		    h_params_match(c->params, params) && c->ncpus_bound > 0 && (!n || c->ncpus_bound < n))
			n = c->ncpus_bound;
	}
	return n;
}

/* CPUs a server workload had: its cells' cpuset, else the run's CPUs but
 * the last, which the load generator takes by default (every one when
 * the server shared them with it). 0 unknown. */
static int server_cpus(const struct h_summary *s, const struct h_runfacts *f,
                       const struct h_srow *r)
{
	int n = cell_cpus(f, r->runtime, r->workload, r->params);
	if (!n && s->ncpus > 0)
		n = s->ncpus > 1 && !is_shared(r->params) ? s->ncpus - 1 : s->ncpus;
	return n;
}

/* The state of one decide(): analysis is single-threaded. */
static struct {
	unsigned flip;  /* bit k: the k-th close call goes against its point */
	int k;          /* close calls met so far in this run of the rule */
	int record;     /* the first run: keep the close calls and noisy notes */
	int nclose;
	struct h_vclose close[H_VCLOSE_MAX];
	const struct h_summary *s; /* the summary being judged (fig_row's percentile names) */
	char noisy[2][320]; /* noisy figures decided on: [0] clear by their interval, [1] with none */
	size_t nnoisy[2];
} J;

/* ---- building the result ---- */

static void init(struct h_vresult *o)
{
	memset(o, 0, sizeof *o);
	o->verdict = H_VERDICT_NO_DATA;
}

static void set(struct h_vresult *o, enum h_verdict v, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void set(struct h_vresult *o, enum h_verdict v, const char *fmt, ...)
{
	va_list ap;
	o->verdict = v;
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof o->reason, fmt, ap);
	va_end(ap);
}

static void need(struct h_vresult *o, const char *cmd)
{
	snprintf(o->need, sizeof o->need, "%s", cmd);
}

static struct h_vfig *fig_new(struct h_vresult *o, const char *ref, const char *fmt, va_list ap)
{
	static struct h_vfig spill; /* past H_VFIG_MAX: dropped, never overflowing */
	struct h_vfig *g = o->nfig < H_VFIG_MAX ? &o->fig[o->nfig++] : &spill;
	memset(g, 0, sizeof *g);
	vsnprintf(g->what, sizeof g->what, fmt, ap);
	snprintf(g->ref, sizeof g->ref, "%s", ref ? ref : "");
	return g;
}

static void fig_row(struct h_vresult *o, const struct h_srow *r, const char *ref, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
static void fig_row(struct h_vresult *o, const struct h_srow *r, const char *ref, const char *fmt,
                    ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct h_vfig *g = fig_new(o, ref, fmt, ap);
	va_end(ap);
	snprintf(g->unit, sizeof g->unit, "%s", r->unit);
	g->median = r->median;
	g->min = r->min;
	g->max = r->max;
	g->ci_lo = r->ci_lo;
	g->ci_hi = r->ci_hi;
	g->n = r->n;
	g->noisy = r->noisy;
	/* A percentile of too few samples is the maximum, and says so. */
	char pn[16];
	double p, n;
	if (J.s && h_pct_name(J.s, r, pn, sizeof pn, &p, &n) == 0) {
		size_t len = strlen(g->what);
		snprintf(g->what + len, sizeof g->what - len,
		         " [the max: %s samples, too few for a p%s (%s)]", N(n),
		         h_fmt_threshold((char[32]){ 0 }, 32, p, H_THR_NUM),
		         N((double)h_pct_min_samples(p)));
	}
}

/* Returns the figure (fig_ci may add its interval). */
static struct h_vfig *fig_val(struct h_vresult *o, double v, const char *unit, const char *ref,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static struct h_vfig *fig_val(struct h_vresult *o, double v, const char *unit, const char *ref,
                              const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct h_vfig *g = fig_new(o, ref, fmt, ap);
	va_end(ap);
	snprintf(g->unit, sizeof g->unit, "%s", unit);
	g->median = g->min = g->max = v;
	g->ci_lo = g->ci_hi = NAN;
	return g;
}

/* A server row whose load generator was over 80% busy (the median of its
 * cells' client_limited flag is 1): its throughput may be the client's
 * limit, not the server's. Marks the figure just added from r "client-
 * limited" and counts it in *n for client_reason. Runs from before the
 * flag existed have no such row: nothing is marked. */
static void client_mark(struct h_vresult *o, const struct h_summary *s, const struct h_srow *r,
                        int *n)
{
	const struct h_srow *cl = r ? same_point(s, r, "client_limited") : NULL;
	if (!cl || cl->median < 1 || o->nfig < 1)
		return;
	struct h_vfig *g = &o->fig[o->nfig - 1];
	size_t len = strlen(g->what);
	snprintf(g->what + len, sizeof g->what - len, " (client-limited)");
	(*n)++;
}

/* After set(): the reason says when a figure it compares was client-limited. */
static void client_reason(struct h_vresult *o, int n)
{
	size_t len = strlen(o->reason);
	if (n > 0)
		snprintf(o->reason + len, sizeof o->reason - len,
		         "; client-limited: the load generator was over 80%% busy in %d of the "
		         "figures compared, so they may measure the client",
		         n);
}

/* Two-part claims: both parts true holds, both false does not hold, one
 * of each depends; a part the run lacks (-1) leaves the claim undecided. */
static enum h_verdict two_parts(int a, int b)
{
	if (a < 0 || b < 0)
		return H_VERDICT_NO_DATA;
	if (a && b)
		return H_VERDICT_HOLDS;
	return a || b ? H_VERDICT_DEPENDS : H_VERDICT_DOES_NOT_HOLD;
}

/* ---- deciding on intervals ----
 *
 * A rule compares a figure with a threshold through ge()/le() below,
 * passing the figure with its 95% interval: the ratio of two rows'
 * medians resampling both rows' repetitions (h_boot_ratio_ci), a
 * difference likewise (h_boot_diff_ci), or one median's own interval.
 * An interval clear of the threshold decides as the point would; one that
 * straddles it is a close call. decide() runs the rule once with every
 * close call at its point's side (today's verdict), then with each
 * combination of them flipped: when every outcome gives the same verdict
 * the straddle did not matter; when they differ the verdict is
 * inconclusive, and the reason names each close call with about how many
 * reps would settle it. Enumerating rather than threading a third truth
 * value through every rule keeps each rule's logic as it reads. */

/* A figure with its interval (NaN ends: none known). */
struct iv {
	double v, lo, hi;
	long n;     /* repetitions behind it, the fewer side's */
	int noisy;  /* a row it comes from is flagged noisy */
	const char *what;
};


int h_interval_side(double v, double lo, double hi, double thr)
{
	if (isnan(lo) || isnan(hi))
		return v >= thr ? 1 : -1;
	if (lo >= thr)
		return 1;
	if (hi < thr)
		return -1;
	return 0;
}

long h_reps_to_settle(double v, double lo, double hi, double thr, long n)
{
	double half = v >= thr ? v - lo : hi - v, gap = fabs(v - thr);
	if (n < 2 || !(gap > 0) || !(half > 0))
		return 0;
	double want = ceil((double)n * (half / gap) * (half / gap) - 1e-9); /* 4.0000001 is 4 */
	if (want <= n)
		want = n + 1;
	return want > H_SETTLE_MAX_REPS ? 0 : (long)want;
}

/* A row's median interval when it is one: known and about its median (a
 * row built without one, zeroed, is not). */
static int has_ci(const struct h_srow *r)
{
	return isfinite(r->ci_lo) && isfinite(r->ci_hi) && r->ci_lo <= r->median &&
	       r->median <= r->ci_hi && r->ci_lo < r->ci_hi;
}

static long min_n(const struct h_srow *a, const struct h_srow *b)
{
	long na = a->nrep ? a->nrep : a->n, nb = b->nrep ? b->nrep : b->n;
	return na < nb ? na : nb;
}

/* median(a) / median(b) with its interval: the bootstrap over both rows'
 * repetitions, else (a summary.csv alone) the bounds the medians'
 * intervals allow, which are wider. */
static struct iv iv_ratio(const struct h_srow *a, const struct h_srow *b, const char *what)
{
	struct iv x = { a->median / b->median, NAN, NAN, min_n(a, b), a->noisy || b->noisy, what };
	struct h_ci ci;
	if (a == b) /* one row over itself: exactly 1, not two resamplings of it */
		x.lo = x.hi = x.v;
	else if (a->nrep >= 2 && b->nrep >= 2 && h_boot_ratio_ci(a->rep, a->nrep, b->rep, b->nrep, &ci) == 0) {
		x.lo = ci.lo;
		x.hi = ci.hi;
	} else if (has_ci(a) && has_ci(b) && a->ci_lo > 0 && b->ci_lo > 0) {
		x.lo = a->ci_lo / b->ci_hi;
		x.hi = a->ci_hi / b->ci_lo;
	}
	return x;
}

/* median(a) - median(b), the same way. */
static struct iv iv_diff(const struct h_srow *a, const struct h_srow *b, const char *what)
{
	struct iv x = { a->median - b->median, NAN, NAN, min_n(a, b), a->noisy || b->noisy, what };
	struct h_ci ci;
	if (a == b)
		x.lo = x.hi = x.v;
	else if (a->nrep >= 2 && b->nrep >= 2 && h_boot_diff_ci(a->rep, a->nrep, b->rep, b->nrep, &ci) == 0) {
		x.lo = ci.lo;
		x.hi = ci.hi;
	} else if (has_ci(a) && has_ci(b)) {
		x.lo = a->ci_lo - b->ci_hi;
		x.hi = a->ci_hi - b->ci_lo;
	}
	return x;
}

/* One row's median with its own interval. */
static struct iv iv_row(const struct h_srow *r, const char *what)
{
	int k = has_ci(r);
	return (struct iv){ r->median, k ? r->ci_lo : NAN, k ? r->ci_hi : NAN,
		            r->nrep ? r->nrep : r->n, r->noisy, what };
}

/* x scaled by k > 0 (a threshold that is a multiple of another figure). */
static struct iv iv_scale(struct iv x, double k)
{
	x.v *= k;
	x.lo *= k;
	x.hi *= k;
	return x;
}

static void noisy_note(const struct iv *x, int none)
{
	if (!J.record || !x->noisy || !x->what || strstr(J.noisy[none], x->what))
		return;
	size_t *u = &J.nnoisy[none];
	int n = snprintf(J.noisy[none] + *u, sizeof J.noisy[none] - *u, "%s%s", *u ? ", " : "",
	                 x->what);
	if (n > 0 && *u + (size_t)n < sizeof J.noisy[none])
		*u += (size_t)n;
}

/* Whether x is at least y (a threshold with an interval of its own, or a
 * constant: lo = hi = v). Deciding on intervals as the section above says. */
static int ge_cmp(struct iv x, struct iv y, int mirrored);

static int ge_iv(struct iv x, struct iv y)
{
	return ge_cmp(x, y, 0);
}

/* mirrored: x and y are negated (le() below), to be shown as they were. */
static int ge_cmp(struct iv x, struct iv y, int mirrored)
{
	int point = x.v >= y.v;
	double ylo = isnan(y.lo) ? y.v : y.lo, yhi = isnan(y.hi) ? y.v : y.hi;
	int known = !isnan(x.lo) && !isnan(x.hi);
	if (!known) {
		noisy_note(&x, 1);
		return point;
	}
	if (x.lo >= yhi)
		return noisy_note(&x, 0), 1;
	if (x.hi < ylo)
		return noisy_note(&x, 0), 0;
	/* Straddling: the threshold at the point side's end of its own
	 * interval, the one that must be cleared. */
	int k = J.k++;
	if (J.record && J.nclose < H_VCLOSE_MAX) {
		struct h_vclose *c = &J.close[J.nclose++];
		double thr = point ? yhi : ylo, sg = mirrored ? -1 : 1;
		snprintf(c->what, sizeof c->what, "%s", x.what ? x.what : "a figure");
		c->v = sg * x.v;
		c->lo = mirrored ? -x.hi : x.lo;
		c->hi = mirrored ? -x.lo : x.hi;
		c->thr = sg * y.v;
		c->thr_lo = mirrored ? -yhi : ylo;
		c->thr_hi = mirrored ? -ylo : yhi;
		c->n = x.n;
		c->reps = h_reps_to_settle(x.v, x.lo, x.hi, thr, x.n);
	}
	return k < 31 && (J.flip >> k & 1) ? !point : point;
}

static struct iv iv_const(double v)
{
	return (struct iv){ v, v, v, 0, 0, NULL };
}

/* The figure just added (fig_val: a ratio, a slope) with the interval the
 * rule decides on; n stays 0, as a computed figure has no min–max. */
static void fig_ci(struct h_vresult *o, struct iv x)
{
	if (o->nfig < 1)
		return;
	struct h_vfig *g = &o->fig[o->nfig - 1];
	g->ci_lo = x.lo;
	g->ci_hi = x.hi;
	g->noisy = x.noisy;
}

/* x >= thr, x <= thr (the same straddle, mirrored). */
static int ge(struct iv x, double thr)
{
	return ge_iv(x, iv_const(thr));
}

static int le(struct iv x, double thr)
{
	/* x <= thr is -x >= -thr: the interval mirrored. */
	struct iv m = { -x.v, -x.hi, -x.lo, x.n, x.noisy, x.what };
	return ge_cmp(m, iv_const(-thr), 1);
}

/* Removes from list ("a, b, c", as noisy_note builds it) every name that
 * is a close call's. */
static void drop_close(char *list, const struct h_vclose *c, int n)
{
	char out[sizeof J.noisy[0]] = "";
	size_t u = 0;
	for (char *p = list, *e; *p; p = *e ? e + 2 : e) {
		e = strstr(p, ", ");
		if (!e)
			e = p + strlen(p);
		int drop = 0;
		for (int i = 0; i < n && !drop; i++)
			drop = strlen(c[i].what) == (size_t)(e - p) && !strncmp(c[i].what, p, (size_t)(e - p));
		if (!drop && u + (size_t)(e - p) + 3 < sizeof out)
			u += (size_t)snprintf(out + u, sizeof out - u, "%s%.*s", u ? ", " : "",
			                      (int)(e - p), p);
	}
	memcpy(list, out, u + 1);
}

/* The largest number of close calls enumerated (2^k runs of the rule);
 * beyond it the verdict is inconclusive without trying. */
#define CLOSE_ENUM_MAX 8

static void decide(void (*rule)(const struct h_summary *, const struct h_runfacts *,
                                struct h_vresult *),
                   const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	memset(&J, 0, sizeof J);
	J.record = 1;
	J.s = s;
	rule(s, f, o);
	J.record = 0;
	int k = J.k, differ = k > CLOSE_ENUM_MAX;
	struct h_vresult *t = k && !differ ? malloc(sizeof *t) : NULL;
	for (unsigned m = 1; t && m < 1u << k && !differ; m++) {
		J.flip = m;
		J.k = 0;
		rule(s, f, t);
		differ = t->verdict != o->verdict;
	}
	free(t);
	o->nclose = J.nclose;
	memcpy(o->close, J.close, sizeof J.close);
	if (differ && o->verdict != H_VERDICT_NO_DATA) {
		char was[sizeof o->reason], buf[sizeof o->reason];
		memcpy(was, o->reason, sizeof was);
		size_t n = (size_t)snprintf(buf, sizeof buf, "inconclusive:");
		for (int i = 0; i < o->nclose && n < sizeof buf; i++) {
			const struct h_vclose *c = &o->close[i];
			char settle[96];
			if (c->reps)
				snprintf(settle, sizeof settle, "likely settled by about %ld reps",
				         c->reps);
			else
				snprintf(settle, sizeof settle,
				         "not likely to settle: the figure sits on the threshold");
			/* A threshold that is itself a figure (another runtime's,
			 * scaled) has an interval of its own: the straddle may be
			 * against it, not against its median. */
			char thr[96];
			if (c->thr_hi > c->thr_lo)
				snprintf(thr, sizeof thr, "%s (its own interval %s–%s)", N(c->thr),
				         N(c->thr_lo), N(c->thr_hi));
			else
				snprintf(thr, sizeof thr, "%s", N(c->thr));
			n += (size_t)snprintf(buf + n, sizeof buf - n,
			                      "%s %s is %s (95%% interval %s–%s) against %s: %s "
			                      "(this run had %ld)",
			                      i ? ";" : "", c->what, N(c->v), N(c->lo), N(c->hi), thr,
			                      settle, c->n);
		}
		/* Then what the point figures alone said, cut to fit. */
		static const char alone[] = "; the medians alone say ";
		if (n + sizeof alone < sizeof buf) {
			memcpy(buf + n, alone, sizeof alone);
			n += sizeof alone - 1;
			size_t w = strnlen(was, sizeof was - 1);
			if (w > sizeof buf - 1 - n)
				w = sizeof buf - 1 - n;
			memcpy(buf + n, was, w);
			buf[n + w] = '\0';
		}
		set(o, H_VERDICT_INCONCLUSIVE, "%s", buf);
	}
	/* A noisy figure (cov over 10%) never decides unnamed. One compared
	 * with two thresholds may clear one and straddle the other: it is
	 * named among the close calls, not as clear. */
	drop_close(J.noisy[0], o->close, o->nclose);
	for (int i = 0; i < 2 && o->verdict != H_VERDICT_NO_DATA; i++) {
		size_t len = strlen(o->reason);
		if (J.noisy[i][0])
			snprintf(o->reason + len, sizeof o->reason - len,
			         i ? "; decided on noisy figures with no interval (more --reps would "
			             "give one): %s"
			           : "; noisy figures, their intervals clear of the thresholds: %s",
			         J.noisy[i]);
	}
}

/* h_rule_cN: the rule cN_rule below, decided on its figures' intervals. */
#define DECIDED(id)                                                                        \
	static void id##_rule(const struct h_summary *, const struct h_runfacts *,           \
	                      struct h_vresult *);                                           \
	void h_rule_##id(const struct h_summary *s, const struct h_runfacts *f,              \
	                 struct h_vresult *o)                                                \
	{                                                                                    \
		decide(id##_rule, s, f, o);                                                  \
	}

/* Whether a C1-C12 rule reads runtime's rows: one of the five, or a
 * runtime with the very traits of one of the five that the run lacks (it
 * stands in for it: a runtime the harness knows by no name is judged by
 * what it is, tests/traits_extra.sh). In a run of the five, no other: uv
 * (one loop) and steal have no such twin, omp's is the pool. */
static int judged(const struct h_summary *s, const char *runtime)
{
	if (h_claims_runtime(runtime))
		return 1;
	const struct runtime *rt = rt_find(runtime);
	for (const struct runtime *const *k = rt_registry; rt && *k; k++) {
		if (!h_claims_runtime((*k)->name) || (*k)->switches != rt->switches ||
		    (*k)->cpus != rt->cpus || (*k)->steals != rt->steals || (*k)->files != rt->files)
			continue;
		for (size_t i = 0; i < s->n; i++)
			if (!strcmp(s->rows[i].runtime, (*k)->name))
				return 0;
		return 1;
	}
	return 0;
}

/* judged() once per runtime name (it reads every row). */
struct judged_memo {
	const char *rt[64];
	int keep[64], n;
};
static int judged_memo(struct judged_memo *m, const struct h_summary *s, const char *runtime)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->rt[i], runtime))
			return m->keep[i];
	int k = judged(s, runtime);
	if (m->n < 64) {
		m->rt[m->n] = runtime;
		m->keep[m->n++] = k;
	}
	return k;
}

/* A rule of C1-C12 judges the rows, fits and cells of the five runtimes
 * those claims were written about and nothing else (judged): "the pool",
 * "the best async" are picked by traits among these, so another runtime's
 * cells at the same points (uv, omp, uring, steal) never change a C1-C12
 * verdict; the report sets them beside it instead.
 * decided: through decide() (its close calls), else the rule alone. */
static void on_five(void (*rule)(const struct h_summary *, const struct h_runfacts *,
                                 struct h_vresult *),
                    int decided, const struct h_summary *s, const struct h_runfacts *f,
                    struct h_vresult *o)
{
	struct h_summary v = *s;
	struct h_runfacts vf = f ? *f : (struct h_runfacts){ 0 };
	v.rows = malloc((s->n ? s->n : 1) * sizeof *v.rows);
	v.fits = malloc((s->nfits ? s->nfits : 1) * sizeof *v.fits);
	vf.cells = malloc((vf.ncells ? vf.ncells : 1) * sizeof *vf.cells);
	if (!v.rows || !v.fits || !vf.cells) {
		init(o);
		set(o, H_VERDICT_NO_DATA, "not judged: out of memory");
	} else {
		struct judged_memo m = { .n = 0 };
		v.n = v.nfits = vf.ncells = 0;
		for (size_t i = 0; i < s->n; i++)
			if (judged_memo(&m, s, s->rows[i].runtime))
				v.rows[v.n++] = s->rows[i];
		for (size_t i = 0; i < s->nfits; i++)
			if (judged_memo(&m, s, s->fits[i].runtime))
				v.fits[v.nfits++] = s->fits[i];
		for (size_t i = 0; f && i < f->ncells; i++)
			if (judged_memo(&m, s, f->cells[i].runtime))
				vf.cells[vf.ncells++] = f->cells[i];
		J.s = &v;
		if (decided)
			decide(rule, &v, f ? &vf : NULL, o);
		else
			rule(&v, f ? &vf : NULL, o);
	}
	J.s = s; /* v is freed: a later rule's fig_row must not read it */
	free(v.rows);
	free(v.fits);
	free(vf.cells);
}

/* h_rule_cN for a claim of C1-C12: the rule cN_rule below, on the five's
 * rows (on_five), decided on its figures' intervals when decided is 1. */
#define ON_FIVE(id, decided)                                                               \
	static void id##_rule(const struct h_summary *, const struct h_runfacts *,           \
	                      struct h_vresult *);                                           \
	void h_rule_##id(const struct h_summary *s, const struct h_runfacts *f,              \
	                 struct h_vresult *o)                                                \
	{                                                                                    \
		on_five(id##_rule, decided, s, f, o);                                        \
	}

/* ---- C1: async for I/O, threads for CPU ---- */

/* Memory per task of a sleep row's point: user + kernel when the cell saw
 * every task alive at its peak, else RSS growth per task. */
static double sleep_mem_at(const struct h_summary *s, const struct h_srow *r)
{
	const struct h_srow *u = same_point(s, r, "mem_user_kib_per_task");
	const struct h_srow *k = same_point(s, r, "mem_kernel_kib_per_task");
	if (u && k)
		return u->median + k->median;
	const struct h_srow *m = same_point(s, r, "mem_per_task_kib");
	return m ? m->median : NAN;
}

/* The largest value of key at which threads and some async runtime both
 * have (wl, metric) rows; NaN when none. */
static double largest_common(const struct h_summary *s, const char *wl, const char *metric,
                             const char *key, enum model a, enum model b)
{
	double v[256];
	int n = q_values(s, Q(.wl = wl, .metric = metric, .rts = a), key, v, 256);
	for (int i = n - 1; i >= 0; i--)
		if (q_best(s, Q(.wl = wl, .metric = metric, .rts = b, .key = key, .val = v[i]), 1))
			return v[i];
	return NAN;
}

static const char *io_workload(const struct h_summary *s, enum model rts)
{
	if (q_best(s, Q(.wl = "echo", .metric = "throughput_rps", .rts = rts), 1))
		return "echo";
	if (q_best(s, Q(.wl = "http", .metric = "throughput_rps", .rts = rts), 1))
		return "http";
	return NULL;
}

/* CPUs a cpu row's runtime keeps busy: its parallelism on its cells'
 * cpuset (else the run's CPUs). */
static int row_parallelism(const struct h_summary *s, const struct h_runfacts *f,
                           const struct h_srow *r)
{
	int n = cell_cpus(f, r->runtime, r->workload, r->params);
	return h_runtime_parallelism(r->runtime, r->params, n ? n : s->ncpus);
}

/* The CPU side at equal CPUs: the best kernel-thread row (threads, pool)
 * against the best event loop per CPU (epoll loops=N) at the same work,
 * tasks and parallelism. -1 with no such pair. */
static int c1_cpu(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o,
                  char *why, size_t len)
{
	double works[256];
	int nw = q_values(s, Q(.wl = "cpu", .metric = "iters_per_us"), "work", works, 256);
	if (!nw)
		return -1;
	double w = works[nw - 1];
	const struct h_srow *par = NULL, *loop = NULL;
	int pn = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *p = &s->rows[i];
		if (!q_match(Q(.wl = "cpu", .metric = "iters_per_us", .rts = PARALLEL, .key = "work",
		               .val = w),
		             p))
			continue;
		int n = row_parallelism(s, f, p);
		double tasks = h_param_num(p->params, "tasks", NAN);
		for (size_t j = 0; j < s->n; j++) {
			const struct h_srow *l = &s->rows[j];
			if (!q_match(Q(.wl = "cpu", .metric = "iters_per_us", .rts = LOOP_PER_CPU,
			               .key = "work", .val = w, .key2 = "tasks", .val2 = tasks),
			             l) ||
			    row_parallelism(s, f, l) != n)
				continue;
			/* The most CPUs, then the fastest of each side. */
			if (!par || n > pn || (n == pn && p->median > par->median) ||
			    (n == pn && p == par && l->median > loop->median)) {
				par = p;
				loop = l;
				pn = n;
			}
		}
	}
	const struct h_srow *bp = q_best(
	        s, Q(.wl = "cpu", .metric = "iters_per_us", .rts = PARALLEL, .key = "work", .val = w),
	        1);
	const struct h_srow *one = q_best(s,
	                                  Q(.wl = "cpu", .metric = "iters_per_us", .rts = ASYNC,
	                                    .single = 1, .key = "work", .val = w),
	                                  1);
	/* The old comparison, shown but not judged: it measures the CPU count. */
	if (bp && one)
		fig_val(o, bp->median / one->median, "×", "not judged: the CPU count",
		        "%s on %d CPUs over %s on %d", L(bp), row_parallelism(s, f, bp), L(one),
		        row_parallelism(s, f, one));
	if (!par) {
		const struct h_srow *bl = q_best(s,
		                                 Q(.wl = "cpu", .metric = "iters_per_us",
		                                   .rts = LOOP_PER_CPU, .key = "work", .val = w),
		                                 1);
		if (bp && bl)
			snprintf(why, len,
			         "CPU side: %s runs cpu on %d CPUs, %s on %d: not compared at unequal "
			         "CPUs (epoll's loops = the run's CPUs compares them)",
			         L(bp), row_parallelism(s, f, bp), L(bl), row_parallelism(s, f, bl));
		return -1;
	}
	double ratio = par->median / loop->median;
	fig_row(o, par, "", "%s, cpu work=%s on %d CPUs: iterations per µs", L(par), P(w), pn);
	fig_row(o, loop, "", "%s, cpu work=%s on %d CPUs: iterations per µs (a loop per CPU)",
	        L(loop), P(w), pn);
	fig_val(o, ratio, "×", REF("≥ %s to hold", TH(H_C1_CPU_RATIO)),
	        "CPU side: kernel threads over a loop per CPU, equal CPUs");
	if (pn < 2) {
		snprintf(why, len,
		         "the run had one CPU, so there was no parallelism to compare (%s: %s× "
		         "%s)",
		         L(par), N(ratio), L(loop));
		return 0;
	}
	snprintf(why, len,
	         "on %d CPUs each, %s does %s× what %s does on cpu work (parallelism, not "
	         "threads against async)",
	         pn, L(par), N(ratio), L(loop));
	return ge(iv_ratio(par, loop, "CPU side: kernel threads over a loop per CPU"),
	          H_C1_CPU_RATIO);
}

ON_FIVE(c1, 1)
static void c1_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	int io = -1, ncl = 0;
	char cpuwhy[256] = "CPU side not measured (no cpu rows of threads or pool and a loop per "
	                    "CPU at equal CPUs)";
	char iowhy[256] = "I/O side: no echo, http or sleep rows for threads and an async runtime";

	int cpu = c1_cpu(s, f, o, cpuwhy, sizeof cpuwhy);

	const char *wl = io_workload(s, THREADS);
	double c = wl ? largest_common(s, wl, "throughput_rps", "conns", THREADS, ASYNC) : NAN;
	/* Server CPU per request where the rows have it (the server's own
	 * CPU, not the load generator's): a client-limited throughput ranks
	 * nothing. */
	static const char spr[] = "server_cpu_us_per_request";
	double cc = wl ? largest_common(s, wl, spr, "conns", THREADS, ASYNC) : NAN;
	if (!isnan(cc)) {
		const struct h_srow *th = q_best(
		        s, Q(.wl = wl, .metric = spr, .rts = THREADS, .key = "conns", .val = cc), 0);
		const struct h_srow *as = q_best(
		        s, Q(.wl = wl, .metric = spr, .rts = ASYNC, .key = "conns", .val = cc), 0);
		double ratio = th->median / as->median;
		fig_row(o, th, "", "threads, %s conns=%s: server CPU per request", wl, P(cc));
		fig_row(o, as, "", "%s, %s conns=%s: server CPU per request (best async)", L(as), wl,
		        P(cc));
		fig_val(o, ratio, "×", REF("≥ %s to hold", TH(H_C1_IO_RATIO)),
		        "I/O side: threads' server CPU per request over async's");
		io = ge(iv_ratio(th, as, "I/O side: threads' server CPU per request over async's"),
		        H_C1_IO_RATIO);
		snprintf(iowhy, sizeof iowhy,
		         "%s serves %s at conns=%s for %s× less server CPU per request than threads",
		         L(as), wl, P(cc), N(ratio));
	} else if (!isnan(c)) {
		const struct h_srow *th = q_best(s,
		                                 Q(.wl = wl, .metric = "throughput_rps",
		                                   .rts = THREADS, .key = "conns", .val = c),
		                                 1);
		const struct h_srow *as = q_best(s,
		                                 Q(.wl = wl, .metric = "throughput_rps",
		                                   .rts = ASYNC, .key = "conns", .val = c),
		                                 1);
		double ratio = as->median / th->median;
		fig_row(o, th, "", "threads, %s conns=%s: throughput", wl, P(c));
		client_mark(o, s, th, &ncl);
		fig_row(o, as, "", "%s, %s conns=%s: throughput (best async)", L(as), wl, P(c));
		client_mark(o, s, as, &ncl);
		fig_val(o, ratio, "×", REF("≥ %s to hold", TH(H_C1_IO_RATIO)),
		        "I/O side: async over threads");
		io = ge(iv_ratio(as, th, "I/O side: async over threads"), H_C1_IO_RATIO);
		snprintf(iowhy, sizeof iowhy, "%s serves %s at conns=%s at %s× threads' rate",
		         L(as), wl, P(c), N(ratio));
	} else {
		double t = largest_common(s, "sleep", "elapsed_ms", "tasks", THREADS, ASYNC);
		if (!isnan(t)) {
			const struct h_srow *th =
			        q_best(s,
			               Q(.wl = "sleep", .metric = "elapsed_ms", .rts = THREADS,
			                 .key = "tasks", .val = t),
			               0);
			const struct h_srow *as = q_best(s,
			                                 Q(.wl = "sleep", .metric = "elapsed_ms",
			                                   .rts = ASYNC, .key = "tasks", .val = t),
			                                 0);
			double mt = sleep_mem_at(s, th), ma = sleep_mem_at(s, as);
			double ratio = as->median / th->median;
			fig_row(o, th, "", "threads, sleep tasks=%s: elapsed", P(t));
			fig_row(o, as, "", "%s, sleep tasks=%s: elapsed (best async)", L(as), P(t));
			fig_val(o, mt, "KiB", "", "threads, sleep tasks=%s: memory per task", P(t));
			fig_val(o, ma, "KiB", "", "%s, sleep tasks=%s: memory per task", L(as),
			        P(t));
			if (!isnan(mt) && !isnan(ma)) {
				io = le(iv_ratio(as, th, "I/O side: async over threads, sleep elapsed"),
				        H_C1_SLEEP_RATIO) &&
				     ma < mt;
				snprintf(
				        iowhy, sizeof iowhy,
				        "%s waits out sleep tasks=%s in %s× threads' time at %s "
				        "KiB per task against %s",
				        L(as), P(t), N(ratio), N(ma), N(mt));
			}
		}
	}

	enum h_verdict v = two_parts(cpu, io);
	switch (v) {
	case H_VERDICT_HOLDS: set(o, v, "holds: %s; %s", cpuwhy, iowhy); break;
	case H_VERDICT_DOES_NOT_HOLD: set(o, v, "does not hold: %s; %s", cpuwhy, iowhy); break;
	case H_VERDICT_DEPENDS:
		set(o, v, "depends on the kind of work: it holds for %s work only (%s; %s)",
		    cpu ? "CPU-bound" : "I/O-bound", cpuwhy, iowhy);
		break;
	default:
		set(o, v, "not enough data: %s; %s", cpuwhy,
		    io < 0 ? "I/O side not measured" : iowhy);
		need(o,
		     cpu < 0 ? "concbench run --runtime threads,pool,epoll --workload cpu --set "
		               "loops=2 --set work=1000,100000"
		             : "concbench run --runtime all --workload echo --set "
		               "conns=10,100,1000 --set requests=100");
	}
	client_reason(o, ncl);
}

/* ---- C2: concurrent waits overlap ---- */

/* How many tasks of a row's point its runtime can run at once: a
 * kernel-switching runtime with a fixed set of threads (a pool) caps at
 * its cpus_param value, 0 meaning one per CPU of its cells (else of the
 * run); INFINITY for the others; 0 when the CPUs are unknown. */
static double concurrent_cap(const struct h_summary *s, const struct h_runfacts *f,
                             const struct h_srow *r)
{
	if (!in_class(POOL, r->runtime))
		return INFINITY;
	int n = cell_cpus(f, r->runtime, r->workload, r->params);
	int64_t t = h_runtime_threads(r->runtime, r->params, n ? n : s->ncpus);
	return t > 0 ? (double)t : 0;
}

ON_FIVE(c2, 1)
static void c2_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	struct per {
		const char *rt;
		int points;
		const struct h_srow *worst;
		double worst_ratio;
	} per[16];
	int nper = 0;
	/* Only each runtime's smallest task count among those it can run at
	 * once: the overlap experiment. At tens of thousands of tasks elapsed
	 * time is mostly creating them (C7's sweep), and a pool's tasks beyond
	 * its workers wait for one (C12's cap): neither says whether waits
	 * overlap. A runtime with no such point is left out, named. */
	struct { const char *rt; double tasks, cap; } least[16];
	int nleast = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		double tasks = h_param_num(r->params, "tasks", NAN);
		if (strcmp(r->workload, "sleep") || strcmp(r->metric, "elapsed_ms") || isnan(tasks))
			continue;
		int k = 0;
		while (k < nleast && strcmp(least[k].rt, r->runtime))
			k++;
		if (k == nleast) {
			if (nleast == 16)
				continue;
			least[nleast++] = (typeof(least[0])){ r->runtime, INFINITY, 0 };
		}
		double cap = concurrent_cap(s, f, r);
		if (cap > least[k].cap)
			least[k].cap = cap;
		if (tasks <= cap && tasks < least[k].tasks)
			least[k].tasks = tasks;
	}
	char left[256] = "";
	size_t lused = 0;
	for (int j = 0; j < nleast; j++)
		if (isinf(least[j].tasks))
			lused += (size_t)snprintf(
			        left + lused, lused < sizeof left ? sizeof left - lused : 0,
			        "%s%s (no sleep point within %s %s)", lused ? ", " : "", least[j].rt,
			        least[j].cap > 0 ? P(least[j].cap) : "its unknown",
			        least[j].cap == 1 ? "worker" : "workers");
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		double ms = h_param_num(r->params, "ms", NAN);
		if (strcmp(r->workload, "sleep") || strcmp(r->metric, "elapsed_ms") ||
		    !isfinite(r->median) || isnan(ms))
			continue;
		int smallest = 0;
		for (int j = 0; j < nleast; j++)
			smallest |= !strcmp(least[j].rt, r->runtime) &&
			            h_param_num(r->params, "tasks", NAN) == least[j].tasks;
		if (!smallest)
			continue;
		int k = 0;
		while (k < nper && strcmp(per[k].rt, r->runtime))
			k++;
		if (k == nper) {
			if (nper == 16)
				continue;
			per[nper++] = (struct per){ .rt = r->runtime };
		}
		double ratio = r->median / (H_C2_SLACK * ms + H_C2_OVERHEAD_MS);
		per[k].points++;
		if (!per[k].worst || ratio > per[k].worst_ratio) {
			per[k].worst = r;
			per[k].worst_ratio = ratio;
		}
	}
	char note[300] = "";
	if (left[0])
		snprintf(note, sizeof note, "; left out: %s", left);
	if (!nper) {
		set(o, H_VERDICT_NO_DATA, "not enough data: no sleep rows a runtime can run at once%s",
		    note);
		return;
	}
	int nfail = 0;
	char failing[400] = "";
	size_t used = 0;
	for (int k = 0; k < nper; k++) {
		const struct h_srow *r = per[k].worst;
		double ms = h_param_num(r->params, "ms", 0),
		       tasks = h_param_num(r->params, "tasks", NAN);
		char ref[96];
		snprintf(ref, sizeof ref, "≤ %s ms (%s × %s + %s)",
		         N(H_C2_SLACK * ms + H_C2_OVERHEAD_MS), TH(H_C2_SLACK), P(ms),
		         TH(H_C2_OVERHEAD_MS));
		fig_row(o, r, ref, "%s, sleep tasks=%s ms=%s: elapsed (its worst of %d points)",
		        L(r), P(tasks), P(ms), per[k].points);
		char what[96];
		snprintf(what, sizeof what, "%s's elapsed at sleep tasks=%s ms=%s", L(r), P(tasks),
		         P(ms));
		if (le(iv_row(r, what), H_C2_SLACK * ms + H_C2_OVERHEAD_MS))
			continue;
		nfail++;
		used += (size_t)snprintf(
		        failing + used, used < sizeof failing ? sizeof failing - used : 0,
		        "%s%s takes %s ms at tasks=%s ms=%s", nfail > 1 ? "; " : "", L(r),
		        N(r->median), P(tasks), P(ms));
	}
	if (!nfail)
		set(o, H_VERDICT_HOLDS,
		    "holds: every runtime (%d) waited out every point within %s × ms + %s ms, each "
		    "at a task count it runs at once%s",
		    nper, TH(H_C2_SLACK), TH(H_C2_OVERHEAD_MS), note);
	else if (nfail == nper)
		set(o, H_VERDICT_DOES_NOT_HOLD, "does not hold: no runtime overlaps the waits (%s)%s",
		    failing, note);
	else
		set(o, H_VERDICT_DEPENDS, "depends on the runtime: %s%s", failing, note);
}

/* ---- C3: a heavy step stalls its executor ---- */

/* A runtime's light-request p99 at a mixed point over the same runtime's at
 * heavy_us=0 with every other parameter alike: what the heavy requests
 * added. NAN without a baseline row. */
static double c3_excess(const struct h_summary *s, const struct h_srow *r, const char *pb,
                        const struct h_srow **base)
{
	const struct h_srow *b = q_best(s,
	                                Q(.wl = "mixed", .metric = "light_p99_us", .rt = r->runtime,
	                                  .key = "heavy_us", .val = 0, .point = pb,
	                                  .skip = "heavy_us"),
	                                0);
	if (base)
		*base = b;
	return b ? r->median - b->median : NAN;
}

/* "+" before an excess that is not negative: "+1376", "-3539". */
static const char *c3_sign(double v)
{
	return v < 0 ? "" : "+";
}

ON_FIVE(c3, 1)
static void c3_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	/* The threads point with the largest heavy_us that a single executor
	 * shares, both with a heavy_us=0 baseline: latency at one heavy_us alone
	 * is set by the arrival pattern as much as by the stall, so the rule
	 * reads what heavy requests added to each runtime's own light p99. */
	const struct h_srow *th = NULL;
	char pt[512] = "", pb[512] = "";
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		char p[512], b[512];
		if (!q_match(Q(.wl = "mixed", .metric = "light_p99_us", .rts = THREADS), r) ||
		    h_param_num(r->params, "heavy_us", 0) <= 0 ||
		    h_param_num(r->params, "heavy_every", 1) <= 0)
			continue;
		wl_point(r->runtime, r->params, NULL, p, sizeof p);
		wl_point(r->runtime, r->params, "heavy_us", b, sizeof b);
		if (isnan(c3_excess(s, r, b, NULL)))
			continue;
		int shared = 0;
		for (size_t k = 0; k < s->n && !shared; k++) {
			const struct h_srow *e = &s->rows[k];
			shared = q_match(Q(.wl = "mixed", .metric = "light_p99_us", .rts = ASYNC,
			                   .single = 1, .point = p),
			                 e) &&
			         !isnan(c3_excess(s, e, b, NULL));
		}
		if (!shared)
			continue;
		if (!th ||
		    h_param_num(r->params, "heavy_us", 0) >
		            h_param_num(th->params, "heavy_us", 0) ||
		    (h_param_num(r->params, "heavy_us", 0) ==
		             h_param_num(th->params, "heavy_us", 0) &&
		     r->median < th->median)) {
			th = r;
			snprintf(pt, sizeof pt, "%s", p);
			snprintf(pb, sizeof pb, "%s", b);
		}
	}
	if (!th) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: no mixed rows for threads and a single executor at a "
		    "heavy_us > 0 and at heavy_us=0 alike (run `concbench run --runtime "
		    "epoll,threads --workload mixed --set heavy_us=0,2000,10000 --set rate=1000`)");
		return;
	}
	const struct h_srow *thb = NULL;
	double heavy = h_param_num(th->params, "heavy_us", 0);
	double tex = c3_excess(s, th, pb, &thb);
	fig_row(o, thb, "", "threads, mixed heavy_us=0: light-request p99");
	fig_row(o, th, "", "threads, mixed heavy_us=%s: light-request p99 (%s%s µs)", P(heavy),
	        c3_sign(tex), N(tex));
	/* Threads' excess, at least nothing: a heavy step that sped threads up
	 * is noise, not a lower bar. */
	double tbar = tex > 0 ? tex : 0;
	struct iv tiv = iv_diff(th, thb, "threads' excess");
	tiv.v = tbar;
	tiv.lo = tiv.lo > 0 ? tiv.lo : 0;
	tiv.hi = tiv.hi > 0 ? tiv.hi : 0;
	int stall = 0, clean = 0, n = 0;
	char detail[400] = "";
	size_t used = 0;
	for (const struct runtime *const *rt = rt_registry; *rt; rt++) {
		const struct h_srow *r = q_best(s,
		                                Q(.wl = "mixed", .metric = "light_p99_us",
		                                  .rts = ASYNC, .rt = (*rt)->name, .single = 1,
		                                  .point = pt),
		                                0);
		const struct h_srow *rb = NULL;
		double ex = r ? c3_excess(s, r, pb, &rb) : NAN;
		if (isnan(ex))
			continue;
		n++;
		/* The same runtime at the next smaller heavy_us > 0, when there is
		 * one: the excess must grow with the step. */
		const struct h_srow *sm = NULL;
		for (size_t i = 0; i < s->n; i++) {
			const struct h_srow *x = &s->rows[i];
			double hx = h_param_num(x->params, "heavy_us", 0);
			if (q_match(Q(.wl = "mixed", .metric = "light_p99_us", .rt = r->runtime,
			              .single = 1, .point = pb, .skip = "heavy_us"),
			            x) &&
			    hx > 0 && hx < heavy &&
			    (!sm || hx > h_param_num(sm->params, "heavy_us", 0)))
				sm = x;
		}
		double sex = sm ? sm->median - rb->median : NAN;
		char what[96];
		snprintf(what, sizeof what, "%s's excess at heavy_us=%s", L(r), P(heavy));
		struct iv eiv = iv_diff(r, rb, what);
		int big = ge(eiv, H_C3_STALL_HEAVY * heavy);
		/* Growing: ex > sex, the same baseline on both sides, so r's p99
		 * over sm's. */
		char gw[128];
		snprintf(gw, sizeof gw, "%s's light p99 at heavy_us=%s less at heavy_us=%s", L(r),
		         sm ? P(h_param_num(sm->params, "heavy_us", 0)) : "", P(heavy));
		int grows = !sm || !ge(iv_diff(sm, r, gw), 0); /* strictly: equal is flat */
		int st = ge_iv(eiv, iv_scale(tiv, H_C3_STALL)) && big && grows;
		int cl = !big;
		stall += st;
		clean += cl;
		fig_row(o, rb, "", "%s, mixed heavy_us=0: light-request p99", L(r));
		if (sm)
			fig_row(o, sm, "", "%s, mixed heavy_us=%s: light-request p99 (%s%s µs)", L(r),
			        P(h_param_num(sm->params, "heavy_us", 0)), c3_sign(sex), N(sex));
		fig_row(o, r, "", "%s, mixed heavy_us=%s: light-request p99 (%s%s µs)", L(r), P(heavy),
		        c3_sign(ex), N(ex));
		const struct h_srow *late = same_point(s, r, "light_late_share");
		if (late)
			fig_row(o, late, "", "%s, mixed heavy_us=%s: share of light requests later than "
			                     "heavy_us/2", L(r), P(heavy));
		used += (size_t)snprintf(detail + used,
		                         used < sizeof detail ? sizeof detail - used : 0,
		                         "%s%s %s%s µs%s", used ? ", " : "", L(r), c3_sign(ex), N(ex),
		                         sm ? (grows ? " (growing)" : " (not growing)") : "");
	}
	const struct h_srow *tl = same_point(s, th, "light_late_share");
	if (tl)
		fig_row(o, tl, "", "threads, mixed heavy_us=%s: share of light requests later than "
		                   "heavy_us/2", P(heavy));
	const struct h_srow *hv = same_point(s, th, "heavy_p99_us");
	if (hv)
		fig_row(o, hv, "", "threads, mixed: heavy-request p99");

	int cpus = server_cpus(s, f, th);
	/* A stall that shows against flat threads holds even on one CPU;
	 * otherwise one CPU cannot tell: time slicing stalls threads too. */
	if (stall == n) {
		set(o, H_VERDICT_HOLDS,
		    "holds: a %s µs step inline adds to light requests' p99 on every single "
		    "executor (%s over heavy_us=0) against threads' %s%s µs",
		    P(heavy), detail, c3_sign(tex), N(tex));
	} else if (cpus == 1) {
		set(o, H_VERDICT_DEPENDS,
		    "depends on cores: the server had one CPU, where time slicing stalls threads "
		    "too (light p99 over heavy_us=0 at heavy_us=%s: threads %s%s µs; %s)",
		    P(heavy), c3_sign(tex), N(tex), detail);
	} else if (clean == n) {
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: a %s µs step adds under %s of it to the single executors' light "
		    "p99 (%s; threads %s%s µs)",
		    P(heavy), h_fmt_threshold((char[32]){ 0 }, 32, H_C3_STALL_HEAVY, H_THR_WORD),
		    detail, c3_sign(tex), N(tex));
	} else {
		set(o, H_VERDICT_DEPENDS,
		    "depends on the runtime: light p99 over heavy_us=0 at heavy_us=%s: %s against "
		    "threads' %s%s µs; only some stall by the rule",
		    P(heavy), detail, c3_sign(tex), N(tex));
	}
}

/* ---- C4: thread-per-connection and many connections ---- */

/* What C4's reason adds: client-limited figures, and the memory per
 * connection a run from before the server's RSS was kept apart cannot
 * give. */
static void c4_notes(struct h_vresult *o, int ncl, int mixed_rss)
{
	client_reason(o, ncl);
	size_t len = strlen(o->reason);
	if (mixed_rss)
		snprintf(o->reason + len, sizeof o->reason - len,
		         "; server memory per connection: no data (this run's peak RSS includes "
		         "the load generator's)");
}

ON_FIVE(c4, 1)
static void c4_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	const char *wl = io_workload(s, THREADS);
	/* A threads cell that failed (a limit, a timeout) is the clearest
	 * answer; it is in no median. */
	const struct h_cellnote *failed = NULL;
	for (size_t i = 0; f && i < f->ncells; i++) {
		const struct h_cellnote *c = &f->cells[i];
		if (!c->ok && in_class(THREADS, c->runtime) &&
		    (!strcmp(c->workload, "echo") || !strcmp(c->workload, "http")) &&
		    (!failed ||
		     h_param_num(c->params, "conns", 0) < h_param_num(failed->params, "conns", 0)))
			failed = c;
	}
	double conns[256];
	int nc = wl ? q_values(s, Q(.wl = wl, .metric = "throughput_rps", .rts = THREADS), "conns",
	                       conns, 256)
	            : 0;
	if (failed) {
		fig_val(o, h_param_num(failed->params, "conns", NAN), "conns", "",
		        "threads, %s: failed at conns (%s%s%s)", failed->workload,
		        failed->limit[0] ? "limit " : "", failed->limit[0] ? failed->limit : "",
		        failed->limit[0] ? "" : failed->error);
	}
	if (nc < 2 && !failed) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: threads need an echo or http sweep over conns (%s)",
		    nc ? "only one conns value measured" : "none measured");
		return;
	}
	const struct h_srow *th = NULL, *as = NULL, *pk = NULL;
	double peak = NAN;
	int ncl = 0, mixed_rss = 0;
	if (nc >= 1) {
		double c = conns[nc - 1];
		th = q_best(s,
		            Q(.wl = wl, .metric = "throughput_rps", .rts = THREADS, .key = "conns",
		              .val = c),
		            1);
		char pt[512];
		wl_point(th->runtime, th->params, "conns", pt, sizeof pt);
		pk = q_best(s,
		            Q(.wl = wl, .metric = "throughput_rps", .rts = THREADS, .point = pt,
		              .skip = "conns"),
		            1);
		peak = pk->median;
		wl_point(th->runtime, th->params, NULL, pt, sizeof pt);
		as = q_best(s, Q(.wl = wl, .metric = "throughput_rps", .rts = ASYNC, .point = pt),
		            1);
		/* Every conns point of threads, then the best async at the largest. */
		for (int i = 0; i < nc; i++) {
			const struct h_srow *r =
			        q_best(s,
			               Q(.wl = wl, .metric = "throughput_rps", .rts = THREADS,
			                 .key = "conns", .val = conns[i]),
			               1);
			const struct h_srow *rows[] = { r, i == nc - 1 ? as : NULL };
			for (int k = 0; k < 2 && rows[k]; k++) {
				const struct h_srow *x = rows[k];
				/* The server's own switches: the perf counter opens
				 * after the load generator forks, while rusage of the
				 * cell counts the client's too. */
				const struct h_srow *p99 = same_point(s, x, "p99_us"),
				                    *cs = same_point(s, x, "context_switches"),
				                    *rq = same_point(s, x, "requests"),
				                    *rss = same_point(s, x, "rss_peak_kib");
				fig_row(o, x, "", "%s, %s conns=%s: throughput", L(x), wl,
				        P(conns[i]));
				client_mark(o, s, x, &ncl);
				if (p99)
					fig_row(o, p99, "", "%s, %s conns=%s: p99 latency", L(x),
					        wl, P(conns[i]));
				if (cs && rq && rq->median > 0)
					fig_val(o, cs->median / rq->median, "switches", "",
					        "%s, %s conns=%s: server context switches per request",
					        L(x), wl, P(conns[i]));
				/* Peak RSS is the server process's own only where the
				 * run kept the client's apart (client_rss_peak_kib
				 * beside it); before that it was the larger of server
				 * and client, which is no server figure. Its growth over
				 * the smallest connection count, per added connection,
				 * is what a connection costs in user memory; the
				 * kernel's memory of the server's sockets
				 * (server_sock_kib, sock_diag at the window's end) is
				 * in no RSS and is added where both points have it
				 * (a sum of medians: close to the median of sums
				 * over a few reps). server_sockets marks that
				 * figure: runs before it sampled SO_MEMINFO in the
				 * server once its first connection ended, while the
				 * client was closing the rest (another moment, and
				 * only what was still open). */
				if (rss && !same_point(s, x, "client_rss_peak_kib")) {
					mixed_rss = 1;
					rss = NULL;
				}
				const struct h_srow *rss0 = NULL, *sock0 = NULL;
				static const char *const no_conns[] = { "conns", NULL };
				char *rest = rss && conns[i] > conns[0]
				                     ? h_params_without(x->params, no_conns)
				                     : NULL;
				if (rest) {
					char where[1200];
					snprintf(where, sizeof where, "%s%sconns=%s", rest,
					         rest[0] ? ";" : "", P(conns[0]));
					rss0 = h_summary_get(s, x->runtime, wl, "rss_peak_kib", where);
					sock0 = h_summary_get(s, x->runtime, wl, "server_sock_kib", where);
					free(rest);
				}
				const struct h_srow *sock = rss ? same_point(s, x, "server_sock_kib") : NULL;
				int diag = sock && same_point(s, x, "server_sockets");
				int socks = diag && sock0 && isfinite(sock->median) &&
				            isfinite(sock0->median);
				if (rss && rss0 && socks)
					fig_val(o,
					        (rss->median - rss0->median + sock->median - sock0->median) /
					                (conns[i] - conns[0]),
					        "KiB", "",
					        "%s, %s conns=%s: server memory growth per connection "
					        "over conns=%s (peak RSS + its sockets' kernel memory, "
					        "sock_diag)",
					        L(x), wl, P(conns[i]), P(conns[0]));
				else if (rss && rss0)
					fig_val(o, (rss->median - rss0->median) / (conns[i] - conns[0]),
					        "KiB", "",
					        "%s, %s conns=%s: server peak RSS growth per connection "
					        "over conns=%s (socket buffers not included)",
					        L(x), wl, P(conns[i]), P(conns[0]));
				/* Beside it, the sockets' part alone. */
				if (sock && isfinite(sock->median))
					fig_val(o, sock->median / conns[i], "KiB", "",
					        "%s, %s conns=%s: server socket buffers per connection "
					        "(kernel, %s)",
					        L(x), wl, P(conns[i]), diag ? "sock_diag" : "SO_MEMINFO");
			}
		}
	}
	if (failed) {
		set(o, H_VERDICT_HOLDS, "holds: thread-per-connection failed at conns=%s (%s)",
		    P(h_param_num(failed->params, "conns", NAN)),
		    failed->limit[0] ? failed->limit : failed->error);
		c4_notes(o, ncl, mixed_rss);
		return;
	}
	double c = conns[nc - 1], t = th->median;
	char range[96] = "";
	if (c < H_C4_C10K)
		snprintf(range, sizeof range,
		         "; the sweep stops at conns=%s, short of the C10k regime", P(c));
	struct iv tp = iv_ratio(th, pk, "threads' throughput over their peak"),
	          ta = as ? iv_ratio(th, as, "threads' throughput over the best async's")
	                  : iv_const(NAN);
	if (le(tp, H_C4_DROP) || (as && le(ta, H_C4_DROP)))
		set(o, H_VERDICT_HOLDS,
		    "holds: at conns=%s threads serve %s req/s, %s× their own peak and %s× the "
		    "best async (%s)%s",
		    P(c), N(t), N(t / peak), as ? N(t / as->median) : "n/a", as ? L(as) : "none",
		    range);
	else if (as && ge(ta, 1 - H_C4_NEAR) && ge(tp, 1 - H_C4_NEAR))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: at conns=%s threads keep %s× their peak and %s× the best "
		    "async (%s)%s",
		    P(c), N(t / peak), N(t / as->median), L(as), range);
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on the connection count: at conns=%s threads keep %s× their peak "
		    "and %s× the best async%s",
		    P(c), N(t / peak), as ? N(t / as->median) : "n/a", range);
	c4_notes(o, ncl, mixed_rss);
}

/* ---- C5: thread switch cost against Bendersky ---- */

ON_FIVE(c5, 1)
static void c5_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	static const char *const places[] = { "same-core", "cross-core", "unpinned", NULL };
	/* Bendersky's figures in µs: "1.2–1.5" pinned, "2.2" unpinned. */
	char pinned[32], unpinned[32];
	snprintf(pinned, sizeof pinned, "%s–%s", TH(H_C5_PINNED_LO_NS / 1e3),
	         TH(H_C5_PINNED_HI_NS / 1e3));
	snprintf(unpinned, sizeof unpinned, "%s", TH(H_C5_UNPINNED_NS / 1e3));
	const char *const refs[] = { REF("%s µs pinned (Bendersky 2018)", pinned), "",
		                     REF("≈%s µs unpinned (Bendersky 2018)", unpinned) };
	const struct h_srow *r[3];
	for (int i = 0; places[i]; i++) {
		r[i] = q_best(s,
		              Q(.wl = "pingpong", .metric = "ns_per_switch", .rts = THREADS,
		                .placement = places[i]),
		              0);
		if (r[i])
			fig_row(o, r[i], refs[i], "threads pingpong, %s: ns per switch", places[i]);
	}
	/* "Within ×H_C5_BAND" of the quoted figures: the same order of
	 * magnitude on a different CPU and kernel, not a match to the
	 * nanosecond. */
	int pin = r[0] ? ge(iv_row(r[0], "threads' same-core switch"),
	                    H_C5_PINNED_LO_NS / H_C5_BAND) &&
	                         le(iv_row(r[0], "threads' same-core switch"),
	                            H_C5_PINNED_HI_NS * H_C5_BAND)
	               : -1;
	int unp = r[2] ? ge(iv_row(r[2], "threads' unpinned switch (ns)"),
	                    H_C5_UNPINNED_NS / H_C5_BAND) &&
	                         le(iv_row(r[2], "threads' unpinned switch (ns)"),
	                            H_C5_UNPINNED_NS * H_C5_BAND)
	               : -1;
	char vmnote[200] = "";
	/* cross-core is the wake-up on another core by construction; unpinned
	 * only mostly is. */
	double far = r[1] ? r[1]->median : r[2] ? r[2]->median : NAN;
	if (f && f->vm == 1 && r[0] && far >= H_C5_VM_FAR * r[0]->median) {
		char hv[48] = "";
		if (f->hypervisor[0])
			snprintf(hv, sizeof hv, " (%s)", f->hypervisor);
		snprintf(
		        vmnote, sizeof vmnote,
		        "; on this virtual machine%s a wake-up on another core costs %s× a "
		        "same-core switch",
		        hv, N(far / r[0]->median));
	}
	const char *ps = r[0] ? N(r[0]->median / 1000) : "?",
	           *us = r[2] ? N(r[2]->median / 1000) : "?";
	switch (two_parts(pin, unp)) {
	case H_VERDICT_HOLDS:
		set(o, H_VERDICT_HOLDS,
		    "holds: %s µs same-core and %s µs unpinned, within ×%s of %s and %s µs%s", ps,
		    us, TH(H_C5_BAND), pinned, unpinned, vmnote);
		break;
	case H_VERDICT_DOES_NOT_HOLD:
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: %s µs same-core and %s µs unpinned, neither within ×%s of "
		    "%s and %s µs%s",
		    ps, us, TH(H_C5_BAND), pinned, unpinned, vmnote);
		break;
	case H_VERDICT_DEPENDS:
		set(o, H_VERDICT_DEPENDS,
		    "depends on placement: %s is within ×%s of %s µs (%s µs) but %s is not (%s "
		    "µs)%s",
		    pin ? "same-core" : "unpinned", TH(H_C5_BAND), pin ? pinned : unpinned,
		    pin ? ps : us, pin ? "unpinned" : "same-core", pin ? us : ps, vmnote);
		break;
	default:
		if (r[0])
			set(o, H_VERDICT_NO_DATA,
			    "not enough data: threads pingpong same-core %s µs (%s the ×%s band "
			    "of %s µs), unpinned not measured",
			    ps, pin ? "within" : "outside", TH(H_C5_BAND), pinned);
		else if (r[2])
			set(o, H_VERDICT_NO_DATA,
			    "not enough data: threads pingpong unpinned %s µs (%s the ×%s band "
			    "of %s µs), same-core not measured",
			    us, unp ? "within" : "outside", TH(H_C5_BAND), unpinned);
		else
			set(o, H_VERDICT_NO_DATA, "not enough data: threads pingpong not measured");
		need(o,
		     "concbench run --runtime threads --workload pingpong --placement "
		     "same-core,cross-core,unpinned");
	}
}

/* ---- C6: async switches are cheaper, until I/O drives them ---- */

static const char *c6_placement(const struct h_summary *s)
{
	static const char *const pref[] = { "same-core", "unpinned", NULL };
	for (int i = 0; pref[i]; i++) {
		int ok = 1;
		for (int w = 0; w < 2 && ok; w++) {
			const char *wl = w ? "pipepingpong" : "pingpong";
			ok = q_best(s,
			            Q(.wl = wl, .metric = "ns_per_switch", .rts = THREADS,
			              .placement = pref[i]),
			            0) &&
			     q_best(s,
			            Q(.wl = wl, .metric = "ns_per_switch", .rts = ASYNC_NOSYS,
			              .placement = pref[i]),
			            0);
		}
		if (ok)
			return pref[i];
	}
	return NULL;
}

ON_FIVE(c6, 1)
static void c6_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	(void)f;
	init(o);
	const char *pl = c6_placement(s);
	if (!pl) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: needs pingpong and pipepingpong on threads and on epoll "
		    "or coro, at one placement");
		return;
	}
	double ratio[2];
	struct iv riv[2];
	for (int w = 0; w < 2; w++) {
		const char *wl = w ? "pipepingpong" : "pingpong";
		const struct h_srow *t = q_best(
		        s, Q(.wl = wl, .metric = "ns_per_switch", .rts = THREADS, .placement = pl),
		        0);
		const struct h_srow *a = q_best(
		        s,
		        Q(.wl = wl, .metric = "ns_per_switch", .rts = ASYNC_NOSYS, .placement = pl),
		        0);
		fig_row(o, t, "≈1.7 µs (Blandy 2021)", "threads %s, %s: ns per switch", wl, pl);
		fig_row(o, a, w ? "≈1.7 µs when I/O-driven (Blandy 2021)" : "≈0.2 µs (Blandy 2021)",
		        "%s %s, %s: ns per switch (best of epoll, coro)", L(a), wl, pl);
		ratio[w] = t->median / a->median;
		riv[w] = iv_ratio(t, a, w ? "R_p, threads over async on pipes"
		                          : "R_e, threads over async on events");
		fig_val(o, ratio[w], "×",
		        w ? REF("≈1 (Blandy 2021); ≤ %s and ≤ R_e / %s to hold",
		                TH(H_C6_PIPES_MAX), TH(H_C6_CONVERGE))
		          : REF("≈8.5 (Blandy 2021); ≥ %s to hold", TH(H_C6_EVENTS_MIN)),
		        "%s: threads over async", w ? "pipes, R_p" : "events, R_e");
	}
	double re = ratio[0], rp = ratio[1];
	/* Converging means a ratio near one over pipes (Blandy), not merely a
	 * third of a large one: 134× falling to 44× has not converged. */
	int ev = ge(riv[0], H_C6_EVENTS_MIN);
	int conv = ge_iv(iv_scale(riv[0], 1.0 / H_C6_CONVERGE), riv[1]) &&
	           le(riv[1], H_C6_PIPES_MAX);
	if (ev && conv)
		set(o, H_VERDICT_HOLDS,
		    "holds: at %s an async switch is %s× cheaper over events, but only %s× over "
		    "pipes, where every switch is an fd wake-up",
		    pl, N(re), N(rp));
	else if (!ev)
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: at %s an async switch over events is only %s× cheaper than "
		    "a thread's",
		    pl, N(re));
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on what drives the switch: at %s async is %s× cheaper over events "
		    "and still %s× over pipes (not within %s× of a thread's)",
		    pl, N(re), N(rp), TH(H_C6_PIPES_MAX));
}

/* ---- C7: memory per task ---- */

/* The two-sided 95% quantile of Student's t with df degrees of freedom
 * (Cornish-Fisher from the normal's 1.96: within 4% at df 3, 0.1% past 20). */
static double t95(long df)
{
	const double z = 1.959964, d = (double)df;
	if (df < 1)
		return NAN;
	double z3 = z * z * z, z5 = z3 * z * z;
	return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
}

/* A fit's slope's standard error from what fits.csv keeps: with SSreg =
 * r² SStot = b² Sxx and SSres = (1 − r²) SStot, se² = b² (1 − r²) / (r² (n − 2)).
 * NaN when it cannot be told (r² unknown or 0, n ≤ 2). */
static double slope_se(const struct h_fitrow *f)
{
	if (f->n <= 2 || !(f->r2 > 0) || f->r2 > 1)
		return NAN;
	return fabs(f->slope) * sqrt((1 - f->r2) / (f->r2 * (double)(f->n - 2)));
}

/* Memory per task of a sleep row's point (sleep_mem_at) with an interval:
 * user + kernel, each median's interval added (wider than a bootstrap of
 * the sums, never narrower than either part's). */
static struct iv sleep_mem_iv(const struct h_summary *s, const struct h_srow *r, const char *what)
{
	const struct h_srow *u = same_point(s, r, "mem_user_kib_per_task");
	const struct h_srow *k = same_point(s, r, "mem_kernel_kib_per_task");
	if (!u || !k) {
		const struct h_srow *m = same_point(s, r, "mem_per_task_kib");
		return m ? iv_row(m, what) : (struct iv){ NAN, NAN, NAN, 0, 0, what };
	}
	struct iv x = { u->median + k->median, NAN, NAN, min_n(u, k), u->noisy || k->noisy, what };
	if (has_ci(u) && has_ci(k)) {
		x.lo = u->ci_lo + k->ci_lo;
		x.hi = u->ci_hi + k->ci_hi;
	}
	return x;
}

/* A runtime's memory per task with its interval: the slope over a task
 * sweep (fits.csv, user + kernel), its interval t × the slopes' standard
 * errors combined; else the per-task figure at the largest tasks. */
static struct iv mem_per_task_iv(const struct h_summary *s, const char *runtime, char *src,
                                 size_t len, const char *what)
{
	const struct h_fitrow *u =
	        h_fit_get(s, runtime, "sleep", "mem_slope_user_kib_per_task", "stack_touch=0");
	if (!u)
		u = h_fit_get(s, runtime, "sleep", "mem_slope_user_kib_per_task", NULL);
	if (u && isfinite(u->slope)) {
		const struct h_fitrow *k =
		        h_fit_get(s, runtime, "sleep", "mem_slope_kernel_kib_per_task", u->params);
		int both = k && isfinite(k->slope);
		if (src)
			snprintf(src, len, "slope over %ld points%s (fits.csv)", u->n,
			         both ? ", user + kernel" : ", user only");
		double se = slope_se(u), sk = both ? slope_se(k) : 0;
		double half = t95(u->n - 2) * sqrt(se * se + sk * sk);
		/* The reps behind each point (a sleep row's), which more reps
		 * would raise; the fit's observations when no row says. */
		const struct h_srow *r =
		        q_best(s, Q(.wl = "sleep", .metric = "elapsed_ms", .rt = runtime), 1);
		double v = u->slope + (both ? k->slope : 0);
		return (struct iv){ v, v - half, v + half, r ? r->n : u->n, 0, what };
	}
	/* No sweep: the per-task figure at the largest tasks. */
	double t[256];
	int n = q_values(s, Q(.wl = "sleep", .metric = "elapsed_ms", .rt = runtime), "tasks", t,
	                 256);
	for (int i = n - 1; i >= 0; i--) {
		const struct h_srow *r = q_best(s,
		                                Q(.wl = "sleep", .metric = "elapsed_ms", .rt = runtime,
		                                  .key = "tasks", .val = t[i]),
		                                0);
		struct iv m = sleep_mem_iv(s, r, what);
		if (!isnan(m.v)) {
			if (src)
				snprintf(src, len, "per task at tasks=%s, %s", P(t[i]),
				         same_point(s, r, "mem_kernel_kib_per_task")
				                 ? "user + kernel"
				                 : "RSS growth only");
			return m;
		}
	}
	if (src)
		snprintf(src, len, "not measured");
	return (struct iv){ NAN, NAN, NAN, 0, 0, what };
}

double h_mem_per_task(const struct h_summary *s, const char *runtime, char *src, size_t len)
{
	return mem_per_task_iv(s, runtime, src, len, NULL).v;
}

ON_FIVE(c7, 1)
static void c7_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	(void)f;
	init(o);
	/* threads, epoll, coro, coro-ucontext, pool; each figure is the
	 * first registered runtime of its class that has one. */
	static const enum model cls[] = { THREADS, LOOP, HANDWRITTEN, UCONTEXT, POOL };
	static const char *const refs[] = { "≈20 KiB incl. kernel (Blandy 2021)",
		                            "a few hundred bytes (Blandy 2021)", "", "", "" };
	static const char *const whats[] = { "a thread's memory per task (KiB)",
		                             "an epoll task's memory per task (KiB)",
		                             "a coro task's memory per task (KiB)", NULL, NULL };
	struct iv m[5];
	for (int i = 0; i < 5; i++) {
		m[i] = (struct iv){ NAN, NAN, NAN, 0, 0, whats[i] };
		for (const struct runtime *const *rt = rt_registry; *rt; rt++) {
			char src[96];
			if (!in_class(cls[i], (*rt)->name))
				continue;
			struct iv v = mem_per_task_iv(s, (*rt)->name, src, sizeof src, whats[i]);
			if (isnan(v.v))
				continue;
			fig_val(o, v.v, "KiB", refs[i], "%s, sleep: memory per task (%s)",
			        (*rt)->name, src);
			fig_ci(o, v);
			if (isnan(m[i].v))
				m[i] = v;
		}
	}
	struct iv th = m[0], ep = m[1], co = m[2];
	if (isnan(th.v) || isnan(ep.v)) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: sleep memory per task for threads and epoll");
		return;
	}
	/* coro between: above epoll's and below threads' (each against the
	 * other's interval). */
	int order = isnan(co.v) || (!ge_iv(ep, co) && !ge_iv(co, th));
	char cs[64] = "coro not measured";
	if (!isnan(co.v))
		snprintf(cs, sizeof cs, "coro %s KiB", N(co.v));
	if (ge(th, H_C7_THREAD_MIN_KIB) && le(ep, H_C7_EPOLL_MAX_KIB) && order)
		set(o, H_VERDICT_HOLDS, "holds: a thread costs %s KiB, an epoll task %s KiB, %s",
		    N(th.v), N(ep.v), cs);
	else if (ge_iv(iv_scale(ep, H_C7_NOT_RATIO), th))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: a thread costs %s KiB, at most %s× an epoll task's %s KiB (%s)",
		    N(th.v), TH(H_C7_NOT_RATIO), N(ep.v), cs);
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on the task's state and stack: a thread costs %s KiB, an epoll "
		    "task %s KiB, %s%s%s",
		    N(th.v), N(ep.v), cs,
		    ep.v > H_C7_EPOLL_MAX_KIB
		            ? REF(" (epoll above %s KiB: raise tasks for a cleaner slope)",
		                  TH(H_C7_EPOLL_MAX_KIB))
		            : "",
		    order ? "" : " (coro not between)");
}

/* ---- C8: thread-per-core ---- */

ON_FIVE(c8, 1)
static void c8_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	const char *wl = NULL;
	for (int w = 0; w < 2 && !wl; w++) {
		const char *name = w ? "http" : "echo";
		if (q_best(s, Q(.wl = name, .metric = "throughput_rps", .multi_loops = 1), 1))
			wl = name;
	}
	if (!wl) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: no echo or http rows for epoll with loops >= 2");
		return;
	}
	double conns[256];
	int nc = q_values(s, Q(.wl = wl, .metric = "throughput_rps", .multi_loops = 1), "conns",
	                  conns, 256);
	const struct h_srow *many = NULL, *one = NULL, *th = NULL;
	double c = NAN;
	for (int i = nc - 1; i >= 0 && !th; i--) {
		c = conns[i];
		many = q_best(s,
		              Q(.wl = wl, .metric = "throughput_rps", .multi_loops = 1,
		                .key = "conns", .val = c),
		              1);
		one = q_best(s,
		             Q(.wl = wl, .metric = "throughput_rps", .rts = LOOP, .single = 1,
		               .key = "conns", .val = c),
		             1);
		th = one ? q_best(s,
		                  Q(.wl = wl, .metric = "throughput_rps", .rts = THREADS,
		                    .key = "conns", .val = c),
		                  1)
		         : NULL;
	}
	if (!th) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: needs %s on epoll loops=1, epoll loops>=2 and threads at "
		    "one conns value",
		    wl);
		return;
	}
	int cpus = server_cpus(s, f, many);
	int ncl = 0;
	fig_row(o, many, "", "%s, %s conns=%s: throughput", L(many), wl, P(c));
	client_mark(o, s, many, &ncl);
	fig_row(o, one, "", "epoll (loops=1), %s conns=%s: throughput", wl, P(c));
	client_mark(o, s, one, &ncl);
	fig_row(o, th, "", "threads, %s conns=%s: throughput", wl, P(c));
	client_mark(o, s, th, &ncl);
	if (cpus)
		fig_val(o, cpus, "CPUs", "",
		        "CPUs the server had (the load generator took the rest)");
	double r1 = many->median / one->median, rt = many->median / th->median;
	char lbl[64];
	rt_label(many, lbl, sizeof lbl);
	if (cpus == 1) {
		/* Loops sharing one CPU test nothing thread-per-core claims. */
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: the server had one CPU here (the load generator took the "
		    "other), so the loops shared it; thread-per-core needs at least 2: run the "
		    "command below on a machine with 3 or more CPUs, or (later) with the client "
		    "on another host (%s: %s× one loop, %s× threads at conns=%s, not judged)",
		    lbl, N(r1), N(rt), P(c));
		need(o, "concbench run --runtime threads,epoll --workload echo --set loops=1,2 --set "
		        "conns=10,100,1000 --set requests=0 --set seconds=1");
	} else if (ge(iv_ratio(many, one, "loops over one loop"), H_C8_WIN) &
	           ge(iv_ratio(many, th, "loops over threads"), H_C8_WIN)) {
		set(o, H_VERDICT_HOLDS, "holds: %s serves %s× one loop and %s× threads at conns=%s",
		    lbl, N(r1), N(rt), P(c));
	} else if (le(iv_ratio(many, one, "loops over one loop"), H_C8_LOSE) &
	           le(iv_ratio(many, th, "loops over threads"), H_C8_LOSE)) {
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: %s serves %s× one loop and %s× threads at conns=%s", lbl, N(r1),
		    N(rt), P(c));
	} else {
		set(o, H_VERDICT_DEPENDS,
		    "depends on the competitor: %s serves %s× one loop but %s× threads at conns=%s",
		    lbl, N(r1), N(rt), P(c));
	}
	client_reason(o, ncl);
}

/* ---- C9: regular files and the event loop ---- */

/* The timer's lateness figure of a file row r (timer_late_p99_us): the
 * p99 when both rows have enough ticks for one, else the latest tick. */
static const struct h_srow *c9_late(const struct h_summary *s, const struct h_srow *r, int p99)
{
	return p99 ? r : same_point(s, r, "timer_late_max_us");
}

static double c9_ticks(const struct h_summary *s, const struct h_srow *r)
{
	const struct h_srow *t = same_point(s, r, "timer_ticks");
	return t ? t->median : 0;
}

ON_FIVE(c9, 1)
static void c9_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	(void)f;
	init(o);
	/* The direct=1 point with the most readers that threads and a single
	 * executor both ran with the timer (with one reader nothing overlaps
	 * on threads either). A run without the timer (made before it
	 * existed) has no figure the claim can be judged on: MiB/s cannot
	 * show a stall that readahead and the host's cache hide. */
	double tasks[256];
	int nt = q_values(s,
	                  Q(.wl = "file", .metric = "timer_late_p99_us", .rts = THREADS,
	                    .key = "direct", .val = 1),
	                  "tasks", tasks, 256);
	const struct h_srow *th = NULL, *ex = NULL;
	char pt[512] = "";
	for (int i = nt - 1; i >= 0 && !ex; i--) {
		th = q_best(s,
		            Q(.wl = "file", .metric = "timer_late_p99_us", .rts = THREADS,
		              .key = "direct", .val = 1, .key2 = "tasks", .val2 = tasks[i]),
		            0);
		wl_point(th->runtime, th->params, NULL, pt, sizeof pt);
		/* The least late single executor that reads files in its thread:
		 * the claim must hold for it (one whose reads the kernel makes
		 * asynchronously, io_uring, is the claim's exception). */
		ex = q_best(s,
		            Q(.wl = "file", .metric = "timer_late_p99_us", .rts = ASYNC_FILES_INLINE,
		              .single = 1,
		              .point = pt),
		            0);
	}
	if (!ex) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: no file rows with direct=1 and the timer's lateness "
		    "(timer_late_p99_us) for threads and a single executor");
		return;
	}
	double tth = c9_ticks(s, th), tex = c9_ticks(s, ex);
	int p99 = tth >= H_C9_TICKS && tex >= H_C9_TICKS;
	const struct h_srow *lth = c9_late(s, th, p99), *lex = c9_late(s, ex, p99);
	if (!lth || !lex) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: the file rows with direct=1 lack timer_late_max_us");
		return;
	}
	const char *stat = p99 ? "p99" : "latest tick";
	double period = h_param_num(th->params, "timer_us", NAN);
	int refused = 0;
	for (const struct runtime *const *rt = rt_registry; *rt; rt++) {
		const struct h_srow *r = q_best(
		        s, Q(.wl = "file", .metric = "timer_late_p99_us", .rt = (*rt)->name, .point = pt),
		        0);
		if (!r)
			continue;
		const struct h_srow *l = c9_late(s, r, p99), *m = same_point(s, r, "mib_per_s");
		const struct h_srow *du = same_point(s, r, "direct_used");
		if (l)
			fig_row(o, l, "", "%s, file direct=1 tasks=%s: timer lateness, %s (%s ticks)",
			        L(r), P(h_param_num(r->params, "tasks", NAN)), stat,
			        N(c9_ticks(s, r)));
		if (m)
			fig_row(o, m, "", "%s, file direct=1: read rate", L(r));
		if ((r == th || r == ex) && du && du->median < 1)
			refused = 1;
	}
	/* The same single executor reading from memory: what blocking on the
	 * device adds to the copying. */
	const struct h_srow *mem = q_best(s,
	                                  Q(.wl = "file", .metric = "timer_late_p99_us",
	                                    .rt = ex->runtime, .key = "cold", .val = 0,
	                                    .key2 = "direct", .val2 = 0),
	                                  0);
	int mp99 = mem && c9_ticks(s, mem) >= H_C9_TICKS;
	const struct h_srow *lmem = mem ? c9_late(s, mem, mp99) : NULL;
	if (lmem)
		fig_row(o, lmem, "", "%s, file from the page cache (cold=0): timer lateness, %s "
		        "(%s ticks)", L(mem), mp99 ? "p99" : "latest tick", N(c9_ticks(s, mem)));
	/* The cure (C15's), when the run has it: the same executor's reads
	 * handed to its blocking pool (file offload=1), the timer served
	 * meanwhile. A figure only: the claim is about the reads it makes. */
	char cpt[512];
	wl_point(ex->runtime, ex->params, "offload", cpt, sizeof cpt);
	const struct h_srow *cure = q_best(s,
	                                   Q(.wl = "file", .metric = "timer_late_p99_us",
	                                     .rt = ex->runtime, .point = cpt, .skip = "offload",
	                                     .offload = 1),
	                                   0);
	int cp99 = cure && c9_ticks(s, cure) >= H_C9_TICKS;
	const struct h_srow *lcure = cure ? c9_late(s, cure, cp99) : NULL;
	if (lcure)
		fig_row(o, lcure, "", "%s, file direct=1 offload=1 (each read on the blocking pool, "
		        "the cure): timer lateness, %s (%s ticks)", L(cure),
		        cp99 ? "p99" : "latest tick", N(c9_ticks(s, cure)));
	double ratio = lex->median / (lth->median > 1 ? lth->median : 1);
	fig_val(o, ratio, "×", REF("≥ %s to hold", TH(H_C9_LATE)),
	        "%s's timer lateness over threads', direct=1 (%s)", L(ex), stat);
	char lbl[64];
	rt_label(ex, lbl, sizeof lbl);
	/* Over threads' lateness, at least 1 µs (as ratio above). */
	struct iv c9_iv = lth->median > 1 ? iv_ratio(lex, lth, "the timer's lateness over threads'")
	                                  : iv_row(lex, "the timer's lateness over threads'");
	char extra[160] = "";
	if (!p99)
		snprintf(extra, sizeof extra,
		         " (the latest tick: %s and %s ticks are too few for a p99, which needs %s)",
		         N(tth), N(tex), TH(H_C9_TICKS));
	if (refused)
		set(o, H_VERDICT_DEPENDS,
		    "depends on the filesystem: it refused O_DIRECT (direct_used=0), so the reads "
		    "came from the page cache; %s's timer was still %s µs late against threads' "
		    "%s µs (%s×)%s",
		    lbl, N(lex->median), N(lth->median), N(ratio), extra);
	else if (ge(c9_iv, H_C9_LATE) && !(lex->median < period))
		set(o, H_VERDICT_HOLDS,
		    "holds: %s blocks in every read, so its timer, due every %s µs, was %s µs late "
		    "(%s) while threads' was %s µs: %s×%s",
		    lbl, P(period), N(lex->median), stat, N(lth->median), N(ratio), extra);
	else if (le(c9_iv, H_C9_NOT))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: %s's timer was %s µs late (%s) during direct reads, threads' "
		    "%s µs (%s×): the loop did not stall%s",
		    lbl, N(lex->median), stat, N(lth->median), N(ratio), extra);
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on storage speed: %s's timer was %s µs late (%s), %s× threads' %s µs, "
		    "short of %s×%s%s",
		    lbl, N(lex->median), stat, N(ratio), N(lth->median), TH(H_C9_LATE),
		    lex->median < period ? " or under one period" : "", extra);
}

/* ---- C10: a pool for computation ---- */

struct effs {
	double work[64], eff[64];
	const struct h_srow *row[64]; /* the iters_per_us row behind each */
	int n;
};

/* Efficiency per work value of one series, the best row at each. */
static void series_eff(const struct h_summary *s, enum model rts, const char *pt,
                       struct effs *e)
{
	e->n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (!q_match(Q(.wl = "cpu", .metric = "iters_per_us", .rts = rts, .point = pt,
		               .skip = "work"),
		             r))
			continue;
		/* A pool "sized to the cores": the default, or one worker per CPU. */
		double nw = cpus_param(r->runtime, r->params, 0);
		if (nw != 0 && nw != s->ncpus)
			continue;
		double w = h_param_num(r->params, "work", NAN), x = h_cpu_efficiency(s, r);
		if (isnan(w) || isnan(x))
			continue;
		int k = 0;
		while (k < e->n && e->work[k] != w)
			k++;
		if (k == e->n) {
			if (e->n == 64)
				continue;
			e->work[e->n] = w;
			e->row[e->n] = r;
			e->eff[e->n++] = x;
		} else if (x > e->eff[k]) {
			e->eff[k] = x;
			e->row[k] = r;
		}
	}
	/* Sort by work (insertion: a handful of points). */
	for (int i = 1; i < e->n; i++)
		for (int j = i; j > 0 && e->work[j - 1] > e->work[j]; j--) {
			double t = e->work[j];
			e->work[j] = e->work[j - 1];
			e->work[j - 1] = t;
			t = e->eff[j];
			e->eff[j] = e->eff[j - 1];
			e->eff[j - 1] = t;
			const struct h_srow *r = e->row[j];
			e->row[j] = e->row[j - 1];
			e->row[j - 1] = r;
		}
}

/* Efficiency at e's point i in percent with its interval: the row's rate
 * over the single-core baseline's (both resampled), over its CPUs. */
static struct iv eff_iv(const struct h_summary *s, const struct effs *e, int i, const char *what)
{
	const struct h_srow *r = e->row[i], *base = h_cpu_baseline(s);
	int p = h_runtime_parallelism(r->runtime, r->params, s->ncpus);
	struct iv x = iv_scale(iv_ratio(r, base, what), 100.0 / p);
	x.v = 100 * e->eff[i]; /* the same figure, without the rounding of the scaling */
	return x;
}

/* The smallest work at which series e reaches H_C10_EFF, each point judged
 * on its interval; NaN when none. Every point is compared, not only up to
 * the first that reaches it, so the close calls are the same whichever
 * way an earlier one falls (decide() flips them by their order). */
static double first_half(const struct h_summary *s, const struct effs *e, const char *whose)
{
	double w = NAN;
	for (int i = 0; i < e->n; i++) {
		char what[96];
		snprintf(what, sizeof what, "%s efficiency at work=%s (%%)", whose, P(e->work[i]));
		if (ge(eff_iv(s, e, i, what), 100 * H_C10_EFF) && isnan(w))
			w = e->work[i];
	}
	return w;
}

ON_FIVE(c10, 1)
static void c10_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	(void)f;
	init(o);
	/* The cpu point (all but work) where threads and pool have the most
	 * work values in common. */
	struct effs te = { 0 }, pe = { 0 };
	char best[512] = "";
	int bestn = -1;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		char pt[512];
		if (!q_match(Q(.wl = "cpu", .metric = "iters_per_us", .rts = THREADS), r))
			continue;
		wl_point(r->runtime, r->params, "work", pt, sizeof pt);
		struct effs a, b;
		series_eff(s, THREADS, pt, &a);
		series_eff(s, POOL, pt, &b);
		int n = a.n < b.n ? a.n : b.n;
		if (b.n && n > bestn) {
			bestn = n;
			te = a;
			pe = b;
			snprintf(best, sizeof best, "%s", pt);
		}
	}
	if (bestn < 2) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: efficiency needs threads and a pool sized to the cores "
		    "over a sweep of work, and a single-core baseline (%s)",
		    bestn < 0 ? "no such rows" : "one work value measured");
		for (int i = 0; i < te.n; i++)
			fig_val(o, 100 * te.eff[i], "%", "", "threads, cpu work=%s: efficiency",
			        P(te.work[i]));
		for (int i = 0; i < pe.n; i++)
			fig_val(o, 100 * pe.eff[i], "%", "", "pool, cpu work=%s: efficiency",
			        P(pe.work[i]));
		return;
	}
	for (int i = 0; i < te.n; i++) {
		fig_val(o, 100 * te.eff[i], "%", REF("≥ %s%%", TH(100 * H_C10_EFF)),
		        "threads, cpu %s work=%s: efficiency", best, P(te.work[i]));
		fig_ci(o, eff_iv(s, &te, i, NULL));
	}
	for (int i = 0; i < pe.n; i++) {
		fig_val(o, 100 * pe.eff[i], "%",
		        i == pe.n - 1 ? REF("≥ %s%% at the largest work", TH(100 * H_C10_POOL_EFF))
		                      : REF("≥ %s%%", TH(100 * H_C10_EFF)),
		        "pool, cpu %s work=%s: efficiency", best, P(pe.work[i]));
		fig_ci(o, eff_iv(s, &pe, i, NULL));
	}
	/* The deciding figures: where each series' efficiency crosses 50%
	 * (METG), and the pool's at the largest work. */
	double tw = first_half(s, &te, "threads'"), pw = first_half(s, &pe, "the pool's"),
	       plast = pe.eff[pe.n - 1];
	char pwhat[96];
	snprintf(pwhat, sizeof pwhat, "the pool's efficiency at the largest work=%s (%%)",
	         P(pe.work[pe.n - 1]));
	int pfull = ge(eff_iv(s, &pe, pe.n - 1, pwhat), 100 * H_C10_POOL_EFF);
	char ts[64], ps[64];
	snprintf(ts, sizeof ts, isnan(tw) ? "never (up to work=%s)" : "at work=%s",
	         P(isnan(tw) ? te.work[te.n - 1] : tw));
	snprintf(ps, sizeof ps, isnan(pw) ? "never (up to work=%s)" : "at work=%s",
	         P(isnan(pw) ? pe.work[pe.n - 1] : pw));
	if (!isnan(pw) && (isnan(tw) || tw > pw) && pfull)
		set(o, H_VERDICT_HOLDS,
		    "holds: the pool reaches %s%% efficiency %s, threads %s; the pool runs at "
		    "%s%% at the largest work",
		    TH(100 * H_C10_EFF), ps, ts, N(100 * plast));
	else if (!isnan(tw) && (isnan(pw) || tw <= pw))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: threads reach %s%% efficiency %s, no later than the pool (%s)",
		    TH(100 * H_C10_EFF), ts, ps);
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on the grain: the pool reaches %s%% %s, threads %s, but the pool "
		    "peaks at %s%% (< %s%%)",
		    TH(100 * H_C10_EFF), ps, ts, N(100 * plast), TH(100 * H_C10_POOL_EFF));
}

/* ---- C11: hand-written switch against swapcontext ---- */

ON_FIVE(c11, 1)
static void c11_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	(void)f;
	init(o);
	static const char *const pref[] = { "same-core", "unpinned", "cross-core", NULL };
	const struct h_srow *c = NULL, *u = NULL;
	const char *pl = NULL;
	for (int i = 0; pref[i] && !(c && u); i++) {
		pl = pref[i];
		c = q_best(s,
		           Q(.wl = "pingpong", .metric = "ns_per_switch", .rts = HANDWRITTEN,
		             .placement = pl),
		           0);
		u = q_best(s,
		           Q(.wl = "pingpong", .metric = "ns_per_switch", .rts = UCONTEXT,
		             .placement = pl),
		           0);
	}
	if (!c || !u) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: pingpong on coro and coro-ucontext at one placement");
		return;
	}
	double ratio = u->median / c->median;
	fig_row(o, c, "9 ns (Boost.Context fcontext)", "coro pingpong, %s: ns per switch", pl);
	fig_row(o, u, "547 ns (Boost.Context ucontext)",
	        "coro-ucontext pingpong, %s: ns per switch", pl);
	fig_val(o, ratio, "×", REF("≈60 (Boost.Context); ≥ %s to hold", TH(H_C11_RATIO)),
	        "ucontext over coro");
	struct iv uc = iv_ratio(u, c, "ucontext over coro");
	if (le(iv_row(c, "coro's switch (ns)"), H_C11_CORO_MAX_NS) && ge(uc, H_C11_RATIO))
		set(o, H_VERDICT_HOLDS,
		    "holds: coro switches in %s ns, swapcontext in %s ns (%s×), at %s",
		    N(c->median), N(u->median), N(ratio), pl);
	else if (!ge(uc, H_C11_NOT_RATIO))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: swapcontext costs only %s× the hand-written switch (%s "
		    "against %s ns, %s)",
		    N(ratio), N(u->median), N(c->median), pl);
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on what else a switch does: coro %s ns, swapcontext %s ns (%s×) at "
		    "%s; the scheduler's queue work dilutes the register swap",
		    N(c->median), N(u->median), N(ratio), pl);
}

/* ---- C12: a pool caps concurrency and can deadlock ---- */

static int is_deadlock(const struct h_cellnote *c)
{
	return strstr(c->limit, "deadlock") != NULL;
}

ON_FIVE(c12, 1)
static void c12_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	int a = -1, b = -1;
	char awhy[300] = "the pool's cap: not measured", bwhy[200] = "deadlock: not measured";

	/* (a) The largest conns beyond the workers against the largest within,
	 * at one workers setting. */
	const char *wl = io_workload(s, POOL);
	for (size_t i = 0; f && i < f->ncells && a < 0; i++) {
		const struct h_cellnote *c = &f->cells[i];
		double w = cpus_param(c->runtime, c->params, 0);
		if (w <= 0)
			w = c->ncpus_bound;
		if (!c->ok && in_class(POOL, c->runtime) &&
		    (!strcmp(c->workload, "echo") || !strcmp(c->workload, "http")) && w > 0 &&
		    h_param_num(c->params, "conns", 0) > w) {
			a = 1;
			snprintf(awhy, sizeof awhy, "%s with conns=%s > %s %s failed (%s)",
			         c->workload, P(h_param_num(c->params, "conns", 0)), P(w),
			         WORKERS(w), c->limit[0] ? c->limit : c->error);
			fig_val(o, h_param_num(c->params, "conns", 0), "conns", "",
			        "pool, %s workers=%s: failed at conns", c->workload, P(w));
		}
	}
	if (a < 0 && wl) {
		const struct h_srow *hi = NULL, *lo = NULL;
		int whi = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct h_srow *r = &s->rows[i];
			if (!q_match(Q(.wl = wl, .metric = "throughput_rps", .rts = POOL), r))
				continue;
			double w = cpus_param(r->runtime, r->params, 0);
			int ww = w > 0 ? (int)w : server_cpus(s, f, r);
			double c = h_param_num(r->params, "conns", NAN);
			if (ww > 0 && c > ww && (!hi || c > h_param_num(hi->params, "conns", 0))) {
				hi = r;
				whi = ww;
			}
		}
		if (hi) {
			char pt[512];
			wl_point(hi->runtime, hi->params, "conns", pt, sizeof pt);
			for (size_t i = 0; i < s->n; i++) {
				const struct h_srow *r = &s->rows[i];
				if (q_match(Q(.wl = wl, .metric = "throughput_rps", .rts = POOL,
				              .point = pt, .skip = "conns"),
				            r) &&
				    cpus_param(r->runtime, r->params, 0) ==
				            cpus_param(hi->runtime, hi->params, 0) &&
				    h_param_num(r->params, "conns", 0) <= whi &&
				    (!lo || h_param_num(r->params, "conns", 0) >
				                    h_param_num(lo->params, "conns", 0)))
					lo = r;
			}
			const struct h_srow *err = same_point(s, hi, "errors");
			const struct h_srow *p99hi = same_point(s, hi, "p99_us");
			/* Runs with a steady-state window count the connections that
			 * got nothing in it: the cap itself, which p99 may hide when
			 * the served connections answer thousands of requests and
			 * each starved one adds a single sample. */
			const struct h_srow *starved = same_point(s, hi, "conns_starved");
			double chi = h_param_num(hi->params, "conns", 0);
			fig_row(o, hi, "", "%s, %s conns=%s (> %d %s): throughput", L(hi), wl,
			        P(chi), whi, WORKERS(whi));
			if (p99hi)
				fig_row(o, p99hi, "", "%s, %s conns=%s: p99 latency", L(hi), wl,
				        P(chi));
			if (err)
				fig_row(o, err, "0", "%s, %s conns=%s: client errors", L(hi), wl,
				        P(chi));
			if (starved)
				fig_row(o, starved, "0",
				        "%s, %s conns=%s: connections with no response in the window",
				        L(hi), wl, P(chi));
			if (err && err->median > 0) {
				a = 1;
				snprintf(awhy, sizeof awhy,
				         "with conns=%s > %d %s the client saw %s errors",
				         P(chi), whi, WORKERS(whi), N(err->median));
			}
			if (!lo && a < 0)
				snprintf(
				        awhy, sizeof awhy,
				        "the pool's cap: %s ran only at conns=%s > %d %s, "
				        "with no point within the workers to compare",
				        wl, P(chi), whi, WORKERS(whi));
			if (lo && a < 0) {
				double clo = h_param_num(lo->params, "conns", 0);
				const struct h_srow *p99lo = same_point(s, lo, "p99_us");
				fig_row(o, lo, "", "%s, %s conns=%s (≤ %d %s): throughput",
				        L(lo), wl, P(clo), whi, WORKERS(whi));
				if (p99lo)
					fig_row(o, p99lo, "", "%s, %s conns=%s: p99 latency", L(lo),
					        wl, P(clo));
				int slow = p99hi && p99lo &&
				           ge(iv_ratio(p99hi, p99lo, "p99 beyond the workers over within"),
				              H_C12_P99_RATIO);
				int flat = le(iv_ratio(hi, lo, "throughput beyond the workers over within"),
				              1);
				a = slow || flat;
				snprintf(
				        awhy, sizeof awhy,
				        "the pool (%d %s) serves %s at conns=%s with %s× the "
				        "throughput and %s× the p99 of conns=%s",
				        whi, WORKERS(whi), wl, P(chi), N(hi->median / lo->median),
				        p99hi && p99lo ? N(p99hi->median / p99lo->median) : "n/a", P(clo));
			}
			if (starved && starved->median > 0 && !(err && err->median > 0)) {
				size_t len = a == 1 && lo ? strlen(awhy) : 0;
				snprintf(awhy + len, sizeof awhy - len,
				         "%s%s of %s connections got no response in the window",
				         len ? "; " : "", N(starved->median), P(chi));
				a = 1;
			}
		}
	}

	/* (b) pingpong on a one-worker pool: both tasks need a worker. */
	for (size_t i = 0; f && i < f->ncells; i++) {
		const struct h_cellnote *c = &f->cells[i];
		char pl[32] = "";
		h_param_str(c->params, "placement", pl, sizeof pl);
		double w = cpus_param(c->runtime, c->params, 0);
		if (!in_class(POOL, c->runtime) || strcmp(c->workload, "pingpong") ||
		    !(w == 1 || (w == 0 && (c->ncpus_bound == 1 || !strcmp(pl, "same-core")))))
			continue;
		if (!c->ok && is_deadlock(c)) {
			b = 1;
			snprintf(bwhy, sizeof bwhy,
			         "pingpong on a one-worker pool was stopped and reported as %s",
			         c->limit);
			break;
		}
		b = 0;
		snprintf(bwhy, sizeof bwhy, "pingpong on a one-worker pool %s",
		         c->ok ? "completed"
		         : !strcmp(c->error, "timeout")
		                 ? "hung until the watchdog killed it (not detected)"
		                 : "failed without a deadlock limit");
	}
	if (b >= 0)
		fig_val(o, b, "", "1",
		        "pool, pingpong with one worker: deadlock detected (1 yes, 0 no)");

	switch (two_parts(a, b)) {
	case H_VERDICT_HOLDS: set(o, H_VERDICT_HOLDS, "holds: %s; %s", awhy, bwhy); break;
	case H_VERDICT_DOES_NOT_HOLD:
		set(o, H_VERDICT_DOES_NOT_HOLD, "does not hold: %s; %s", awhy, bwhy);
		break;
	case H_VERDICT_DEPENDS:
		set(o, H_VERDICT_DEPENDS, "depends on the workload: %s (%s); %s (%s)",
		    a ? "the cap shows" : "the cap does not show", awhy,
		    b ? "the deadlock shows" : "the deadlock does not show", bwhy);
		break;
	default:
		set(o, H_VERDICT_NO_DATA, "not enough data: %s; %s", awhy, bwhy);
		need(o,
		     a < 0 ? "concbench run --runtime pool --workload echo,pingpong --set "
		             "workers=1 --set conns=1,8"
		           : "concbench run --runtime pool --workload pingpong --set workers=1");
	}
}

/* ---- C13: work stealing under uneven load ---- */

/* A cpu row's makespan in ms: its point's total work (tasks × work, which
 * skew keeps) over its rate, first task start to last task end. */
static double c13_makespan(const struct h_srow *r)
{
	double t = h_param_num(r->params, "tasks", NAN), w = h_param_num(r->params, "work", NAN);
	return t * w / r->median / 1e3;
}

/* The share of the cell's CPU time (wall × CPUs) its threads did not run:
 * a loop that finished its share early leaves its CPU idle. NaN without
 * the rows. A contended machine shows here too: say it beside the figure. */
static double c13_idle(const struct h_summary *s, const struct h_srow *r, int n)
{
	const struct h_srow *tc = same_point(s, r, "task_clock"), *w = same_point(s, r, "wall_ns");
	if (!tc || !w || w->median <= 0 || n < 1)
		return NAN;
	double idle = 1 - tc->median / (w->median * n);
	return idle < 0 ? 0 : idle;
}

/* The steal row and the loop-per-CPU row at one point, at equal CPUs. */
struct c13_pair {
	const struct h_srow *st, *lp;
	int n;
};

/* The pair of wl's metric (hot: the skewed server rows, else none of them)
 * at point pt (skip: a key pt leaves out, with key=val), the most CPUs
 * first. */
static struct c13_pair c13_find(const struct h_summary *s, const struct h_runfacts *f,
                                const char *wl, const char *metric, int hot, const char *pt,
                                const char *skip, double val)
{
	struct c13_pair b = { 0 };
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *st = &s->rows[i];
		if (!q_match(Q(.wl = wl, .metric = metric, .rts = STEALS, .point = pt, .skip = skip,
		               .key = skip, .val = val, .hot = hot, .shared = -1),
		             st))
			continue;
		int n = row_parallelism(s, f, st);
		char own[512]; /* the loop's row must be at steal's own point */
		wl_point(st->runtime, st->params, NULL, own, sizeof own);
		for (size_t j = 0; j < s->n; j++) {
			const struct h_srow *lp = &s->rows[j];
			if (!q_match(Q(.wl = wl, .metric = metric, .rts = LOOP_PER_CPU, .point = own,
			               .hot = hot, .shared = -1),
			             lp) ||
			    row_parallelism(s, f, lp) != n)
				continue;
			if (!b.st || n > b.n || (n == b.n && lp->median > b.lp->median) ||
			    (n == b.n && st->median > b.st->median)) {
				b = (struct c13_pair){ st, lp, n };
			}
		}
	}
	return b;
}

/* The loops' makespan over steal's with its interval: at equal tasks ×
 * work, steal's rate over the loops' (both rows' reps resampled). */
static struct iv c13_ratio(const struct c13_pair *p, const char *what)
{
	struct iv x = iv_ratio(p->st, p->lp, what);
	x.v = c13_makespan(p->lp) / c13_makespan(p->st);
	return x;
}

/* Figures of one load: steal, the loops, the pool and threads beside. */
static void c13_figs(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o,
                     const struct c13_pair *p, const char *load, const char *ref)
{
	char pt[512];
	wl_point(p->st->runtime, p->st->params, NULL, pt, sizeof pt);
	fig_val(o, c13_makespan(p->st), "ms", "", "%s, cpu %s (%s) on %d CPUs: makespan", L(p->st),
	        load, pt, p->n);
	fig_val(o, c13_makespan(p->lp), "ms", "", "%s, cpu %s on %d CPUs: makespan", L(p->lp), load,
	        p->n);
	const struct h_srow *pool = q_best(
	        s, Q(.wl = "cpu", .metric = "iters_per_us", .rts = POOL, .point = pt), 1);
	const struct h_srow *th = q_best(
	        s, Q(.wl = "cpu", .metric = "iters_per_us", .rts = THREADS, .point = pt), 1);
	if (pool)
		fig_val(o, c13_makespan(pool), "ms", "not judged", "%s, cpu %s on %d CPUs: makespan",
		        L(pool), load, row_parallelism(s, f, pool));
	if (th)
		fig_val(o, c13_makespan(th), "ms", "not judged", "threads, cpu %s: makespan", load);
	double is = c13_idle(s, p->st, p->n), il = c13_idle(s, p->lp, p->n);
	if (!isnan(is) && !isnan(il)) {
		fig_val(o, 100 * is, "%", "",
		        "%s, cpu %s: CPU unused (1 − task clock / wall × CPUs: idle, or taken by "
		        "other processes)",
		        L(p->st), load);
		fig_val(o, 100 * il, "%", "", "%s, cpu %s: CPU unused", L(p->lp), load);
	}
	struct iv r = c13_ratio(p, NULL);
	fig_val(o, r.v, "×", ref, "cpu %s: the loops' makespan over steal's", load);
	fig_ci(o, r);
}

/* Skewed echo (hot_pct > 0): steal's and the loops' rows at steal's point,
 * at equal CPUs (2 or more); their figures, and whether steal serves at
 * least H_C13_ECHO_KEEP of the loops' throughput (1, 0, or -1 without the
 * rows). why: a sentence for the verdict. */
static int c13_echo(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o,
                    char *why, size_t len)
{
	struct c13_pair p = c13_find(s, f, "echo", "throughput_rps", 1, NULL, NULL, 0);
	if (!p.st || p.n < 2)
		return -1;
	const struct h_srow *st = p.st, *lp = p.lp;
	int n = p.n;
	char load[96];
	snprintf(load, sizeof load, "echo hot_pct=%s hot_x=%s conns=%s",
	         P(h_param_num(st->params, "hot_pct", NAN)), P(h_param_num(st->params, "hot_x", NAN)),
	         P(h_param_num(st->params, "conns", NAN)));
	const struct h_srow *rows[2] = { st, lp };
	for (int k = 0; k < 2; k++) {
		const struct h_srow *p99 = same_point(s, rows[k], "p99_us");
		const struct h_srow *fair = same_point(s, rows[k], "fairness");
		fig_row(o, rows[k], "", "%s, %s on %d CPUs: throughput", L(rows[k]), load, n);
		if (p99)
			fig_row(o, p99, "", "%s, %s: p99 latency", L(rows[k]), load);
		if (fair)
			fig_row(o, fair, "", "%s, %s: fairness (Jain's index; the skew alone gives "
			        "less than 1)", L(rows[k]), load);
	}
	struct iv r = iv_ratio(st, lp, "skewed echo: steal's throughput over the loops'");
	fig_val(o, r.v, "×", REF("≥ %s to hold", TH(H_C13_ECHO_KEEP)),
	        "%s: steal's throughput over the loops'", load);
	fig_ci(o, r);
	snprintf(why, len, "on skewed connections (%s) %s serves %s req/s, %s %s (%s×)", load,
	         L(st), N(st->median), L(lp), N(lp->median), N(r.v));
	return ge(r, H_C13_ECHO_KEEP);
}

DECIDED(c13)
static void c13_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	/* The largest skew with a steal and a loop-per-CPU row at equal CPUs. */
	double skews[64];
	int ns = q_values(s, Q(.wl = "cpu", .metric = "iters_per_us", .rts = STEALS), "skew",
	                  skews, 64);
	struct c13_pair sk = { 0 };
	for (int i = ns - 1; i >= 0 && skews[i] > 0 && (!sk.st || sk.n < 2); i--) {
		struct c13_pair p = c13_find(s, f, "cpu", "iters_per_us", 0, NULL, "skew", skews[i]);
		if (p.st && (!sk.st || p.n > sk.n))
			sk = p;
	}
	if (!sk.st) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: no cpu rows of a stealing scheduler and a loop per CPU "
		    "(epoll loops=N) with skew > 0 at the same point and equal CPUs");
		return;
	}
	if (sk.n < 2) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: %s and %s ran skewed cpu on one CPU, where there is nothing "
		    "to balance (run it on 2 or more CPUs)",
		    L(sk.st), L(sk.lp));
		return;
	}
	char pts[512];
	wl_point(sk.st->runtime, sk.st->params, "skew", pts, sizeof pts);
	double skew = h_param_num(sk.st->params, "skew", 0);
	char load[64];
	snprintf(load, sizeof load, "skew=%s", P(skew));
	c13_figs(s, f, o, &sk, load, REF("≥ %s to hold", TH(H_C13_SKEW_WIN)));
	double rs = c13_makespan(sk.lp) / c13_makespan(sk.st);
	int skewed = ge(c13_ratio(&sk, "skewed: the loops' makespan over steal's"), H_C13_SKEW_WIN);
	char skwhy[640];
	snprintf(skwhy, sizeof skwhy,
	         "on skewed sizes (skew=%s) %s finishes in %s ms, %s in %s ms (%s×)", P(skew),
	         L(sk.st), N(c13_makespan(sk.st)), L(sk.lp), N(c13_makespan(sk.lp)), N(rs));
	/* Skewed connections too, when the run has them: the skewed side
	 * holds when both do. */
	char echowhy[320];
	int echo = c13_echo(s, f, o, echowhy, sizeof echowhy);
	if (echo >= 0) {
		size_t l = strlen(skwhy);
		snprintf(skwhy + l, sizeof skwhy - l, "; %s", echowhy);
		skewed = skewed && echo;
	}

	struct c13_pair ev = c13_find(s, f, "cpu", "iters_per_us", 0, pts, "skew", 0);
	int even = -1;
	char evwhy[256] = "even sizes (skew=0: every task the same) not measured at the same point";
	if (ev.st && ev.n == sk.n) {
		c13_figs(s, f, o, &ev, "skew=0", REF("≤ %s to hold", TH(H_C13_EVEN_NEAR)));
		double re = c13_makespan(ev.lp) / c13_makespan(ev.st);
		even = le(c13_ratio(&ev, "even: the loops' makespan over steal's"), H_C13_EVEN_NEAR);
		snprintf(evwhy, sizeof evwhy, "on even sizes %s takes %s ms, %s %s ms (%s×)",
		         L(ev.lp), N(c13_makespan(ev.lp)), L(ev.st), N(c13_makespan(ev.st)), N(re));
	}
	switch (two_parts(skewed, even)) {
	case H_VERDICT_HOLDS:
		set(o, H_VERDICT_HOLDS, "holds on %d CPUs: %s; %s", sk.n, skwhy, evwhy);
		break;
	case H_VERDICT_DOES_NOT_HOLD:
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold on %d CPUs: stealing does not win on skewed sizes (%s) and "
		    "loses on even ones (%s)",
		    sk.n, skwhy, evwhy);
		break;
	case H_VERDICT_DEPENDS:
		set(o, H_VERDICT_DEPENDS, "depends on the load: %s (%s %s×); %s (%s %s×)", skwhy,
		    skewed ? "stealing wins, ≥" : "stealing does not win, <", TH(H_C13_SKEW_WIN),
		    evwhy, even ? "the loops keep up, ≤" : "the loops are slower, >",
		    TH(H_C13_EVEN_NEAR));
		break;
	default:
		set(o, H_VERDICT_NO_DATA, "not enough data: %s; %s", skwhy, evwhy);
	}
}

/* ---- C14: io_uring against epoll ---- */

/* Every uring configuration (its runtime parameters: defer_taskrun, sqpoll,
 * fixed_files) with a server CPU per request at e's point and with as many
 * loops as e, into out (summary order): how many. */
static int c14_configs(const struct h_summary *s, const struct h_srow *e, const char *metric,
                       const struct h_srow **out, int max)
{
	char pt[512];
	wl_point(e->runtime, e->params, NULL, pt, sizeof pt);
	int64_t n = h_runtime_threads(e->runtime, e->params, s->ncpus), k = 0;
	for (size_t i = 0; i < s->n && k < max; i++) {
		const struct h_srow *r = &s->rows[i];
		if (q_match(Q(.wl = e->workload, .metric = metric, .rts = COMPLETION, .point = pt), r) &&
		    h_runtime_threads(r->runtime, r->params, s->ncpus) == n)
			out[k++] = r;
	}
	return (int)k;
}

/* A uring row's label when several configurations ran: "uring (default)"
 * for the one at every default, else rt_label's "uring (defer_taskrun=1)". */
static const char *c14_label(const struct h_srow *r, int n, char *buf, size_t len)
{
	rt_label(r, buf, len);
	if (n > 1 && !strcmp(buf, r->runtime))
		snprintf(buf, len, "%s (default)", r->runtime);
	return buf;
}
#define L14(r, n) c14_label((r), (n), (char[64]){ 0 }, 64)

DECIDED(c14)
static void c14_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	static const char spr[] = "server_cpu_us_per_request";
	const char *wl = NULL;
	const struct h_srow *u = NULL, *e = NULL;
	/* The largest conns of echo, else http, where uring and an epoll with
	 * as many loops both have a server CPU per request. */
	static const char *const wls[] = { "echo", "http", NULL };
	for (int k = 0; wls[k] && !u; k++) {
		for (size_t i = 0; i < s->n; i++) {
			const struct h_srow *r = &s->rows[i];
			if (!q_match(Q(.wl = wls[k], .metric = spr, .rts = COMPLETION), r))
				continue;
			char pt[512];
			wl_point(r->runtime, r->params, NULL, pt, sizeof pt);
			int64_t n = h_runtime_threads(r->runtime, r->params, s->ncpus);
			for (size_t j = 0; j < s->n; j++) {
				const struct h_srow *x = &s->rows[j];
				if (!q_match(Q(.wl = wls[k], .metric = spr, .rts = READINESS_LOOPS,
				               .point = pt),
				             x) ||
				    h_runtime_threads(x->runtime, x->params, s->ncpus) != n)
					continue;
				double c = h_param_num(r->params, "conns", 0);
				if (!u || c > h_param_num(u->params, "conns", 0) ||
				    (c == h_param_num(u->params, "conns", 0) && x->median < e->median)) {
					u = r;
					e = x;
					wl = wls[k];
				}
			}
		}
	}
	/* Not run, or run and skipped: io_uring unavailable or disabled. */
	char skipped[160] = "";
	for (size_t i = 0; f && i < f->ncells && !skipped[0]; i++)
		if (in_class(COMPLETION, f->cells[i].runtime) && !f->cells[i].ok &&
		    !strncmp(f->cells[i].error, "skipped", 7))
			snprintf(skipped, sizeof skipped, "%s's cells were %s", f->cells[i].runtime,
			         f->cells[i].error);
	static const char nosys[] =
	        "syscalls per request: not counted (run without --count-syscalls, or no "
	        "raw_syscalls:sys_enter counter here: syscalls_why in results.jsonl)";
	if (!u) {
		if (skipped[0])
			set(o, H_VERDICT_NO_DATA, "not enough data: %s", skipped);
		else
			set(o, H_VERDICT_NO_DATA,
			    "not enough data: no echo or http rows of uring and epoll with the same "
			    "loops and a server CPU per request");
		return;
	}
	/* Every uring configuration run at that point (the standard suite's
	 * defer_taskrun=0,1): each is shown, and the claim is judged on the
	 * one that spends the least server CPU per request: the claim is
	 * about what io_uring can do, and the setting that does it is named
	 * beside the default's figure. A run with one configuration is
	 * judged on it, as before. */
	const struct h_srow *cf[8];
	int ncf = c14_configs(s, e, spr, cf, 8), ncl = 0;
	const struct h_srow *def = NULL;
	for (int k = 0; k < ncf; k++) {
		if (!k || cf[k]->median < u->median)
			u = cf[k];
		char lab[64];
		if (!strcmp(rt_label(cf[k], lab, sizeof lab), cf[k]->runtime))
			def = cf[k];
	}
	double c = h_param_num(u->params, "conns", 0);
	for (int k = 0; k < ncf; k++) {
		const struct h_srow *r = cf[k], *tr = same_point(s, r, "throughput_rps"),
		                    *sr = same_point(s, r, "syscalls_per_request");
		fig_row(o, r, r == u && ncf > 1 ? "judged: the least" : "",
		        "%s, %s conns=%s: server CPU per request", L14(r, ncf), wl, P(c));
		if (tr) {
			fig_row(o, tr, "not judged", "%s, %s conns=%s: throughput", L14(r, ncf), wl,
			        P(c));
			client_mark(o, s, tr, &ncl);
		}
		if (sr)
			fig_row(o, sr, "", "%s, %s conns=%s: syscalls per request", L14(r, ncf), wl,
			        P(c));
	}
	/* epoll after them, as each: CPU, throughput, syscalls. */
	fig_row(o, e, "", "%s, %s conns=%s: server CPU per request", L(e), wl, P(c));
	const struct h_srow *te = same_point(s, e, "throughput_rps"),
	                    *se = same_point(s, e, "syscalls_per_request");
	if (te) {
		fig_row(o, te, "not judged", "%s, %s conns=%s: throughput", L(e), wl, P(c));
		client_mark(o, s, te, &ncl);
	}
	if (se)
		fig_row(o, se, "", "%s, %s conns=%s: syscalls per request", L(e), wl, P(c));
	const struct h_srow *pu = same_point(s, u, "p99_us"), *pe = same_point(s, e, "p99_us");
	if (pu && pe) {
		fig_row(o, pu, "not judged", "%s, %s conns=%s: p99 latency", L14(u, ncf), wl, P(c));
		fig_row(o, pe, "not judged", "%s, %s conns=%s: p99 latency", L(e), wl, P(c));
	}
	/* A run whose cells counted syscalls (--count-syscalls) has this metric. */
	const struct h_srow *su = same_point(s, u, "syscalls_per_request");
	double ratio = e->median / u->median;
	char what[96];
	snprintf(what, sizeof what, "epoll's server CPU per request over %s's", L14(u, ncf));
	struct iv r = iv_ratio(e, u, what);
	fig_val(o, ratio, "×", REF("≥ %s to hold", TH(H_C14_CPU_WIN)), "%s", what);
	fig_ci(o, r);
	char sys[160];
	if (su && se)
		snprintf(sys, sizeof sys, "syscalls per request %s against %s", N(su->median),
		         N(se->median));
	else
		snprintf(sys, sizeof sys, "%s", nosys);
	/* The judged setting is not the default: the default's figure beside
	 * it, so a reader sees what io_uring costs as set up by default. */
	char dflt[160] = "";
	if (def && def != u)
		snprintf(dflt, sizeof dflt, " (%s: %s µs)", L14(def, ncf), N(def->median));
	if (ge(r, H_C14_CPU_WIN))
		set(o, H_VERDICT_HOLDS,
		    "holds: on %s at conns=%s %s spends %s µs of server CPU per request%s, %s %s µs "
		    "(%s×); %s",
		    wl, P(c), L14(u, ncf), N(u->median), dflt, L(e), N(e->median), N(ratio), sys);
	else if (le(r, H_C14_CPU_LOSE))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: on %s at conns=%s %s spends %s µs of server CPU per request%s, "
		    "no less than %s's %s µs; %s",
		    wl, P(c), L14(u, ncf), N(u->median), dflt, L(e), N(e->median), sys);
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on the load: on %s at conns=%s %s saves %s× server CPU per request "
		    "against %s%s, short of %s×; %s",
		    wl, P(c), L14(u, ncf), N(ratio), L(e), dflt, TH(H_C14_CPU_WIN), sys);
	client_reason(o, ncl);
}

/* ---- C15: offload, the cure for C3 ---- */

/* The mixed row of r's runtime at r's runtime settings (its label: loops,
 * offload_threads) and r's placement (shared or not), metric, heavy_us =
 * hu and offload = off, r's point otherwise; NULL without one. */
static const struct h_srow *c15_at(const struct h_summary *s, const struct h_srow *r,
                                   const char *metric, double hu, int off)
{
	char pt[512], lab[64];
	wl_point(r->runtime, r->params, "heavy_us,offload", pt, sizeof pt);
	rt_label(r, lab, sizeof lab);
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *x = &s->rows[i];
		if (q_match(Q(.wl = "mixed", .metric = metric, .rt = r->runtime, .key = "heavy_us",
		              .val = hu, .point = pt, .skip = "heavy_us,offload", .offload = off,
		              .shared = is_shared(r->params)),
		            x) &&
		    !strcmp(L(x), lab))
			return x;
	}
	return NULL;
}

/* The offloaded light-p99 row of a single executor at the largest
 * heavy_us > 0 that has the inline row beside it and the inline
 * heavy_us=0 baseline, at placement shared (1) or not (0), per runtime
 * setting into pick (at most max): how many. lack says what a row missed. */
static int c15_pick(const struct h_summary *s, int shared, const struct h_srow **pick, int max,
                    char *lack, size_t lacklen)
{
	int np = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		double hu = h_param_num(r->params, "heavy_us", 0);
		if (!q_match(Q(.wl = "mixed", .metric = "light_p99_us", .rts = ASYNC, .single = 1,
		               .offload = 1, .shared = shared),
		             r) ||
		    hu <= 0 || h_param_num(r->params, "heavy_every", 1) <= 0)
			continue;
		const struct h_srow *r0 = c15_at(s, r, "light_p99_us", hu, 0);
		if (!r0 || !c15_at(s, r, "light_p99_us", 0, 0)) {
			snprintf(lack, lacklen, "%s has offload=1 light p99 at heavy_us=%s but %s",
			         L(r), P(hu),
			         !r0 ? "no offload=0 row at the same point (C3's part)"
			             : "no offload=0 heavy_us=0 baseline");
			continue;
		}
		int k = 0;
		while (k < np && strcmp(L(pick[k]), L(r)))
			k++;
		if (k == np && np < max)
			pick[np++] = r;
		else if (k < np && hu > h_param_num(pick[k]->params, "heavy_us", 0))
			pick[k] = r;
	}
	return np;
}

/* The server on every CPU (placement=shared, two or more): the pool's
 * threads can run beside the loop, which is what the claim is about. Per
 * picked row: the baseline (heavy_us=0 inline), the stall (inline) and
 * the cure (offloaded) with the cure over the baseline against {near}×.
 * Returns -1 without such rows (why: the reason), else the picks that
 * held (cured and stalled) in *held, cured in *cured, of np returned;
 * detail: one clause per pick; *cpus the fewest server CPUs. */
static int c15_two(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o,
                   int *held, int *cured, int *cpus, char *detail, size_t len)
{
	const struct h_srow *pick[8];
	char lack[256] = "";
	int np = c15_pick(s, 1, pick, 8, lack, sizeof lack);
	*held = *cured = *cpus = 0;
	if (!np) {
		snprintf(detail, len, "%s",
		         lack[0] ? lack
		         : s->ncpus == 1 ? "the run had one CPU: nothing runs beside the loop"
		                         : "no mixed rows with placement=shared");
		return -1;
	}
	size_t used = 0;
	detail[0] = '\0';
	for (int k = 0; k < np; k++) {
		const struct h_srow *r1 = pick[k];
		double hu = h_param_num(r1->params, "heavy_us", 0);
		const struct h_srow *r0 = c15_at(s, r1, "light_p99_us", hu, 0),
		                    *b0 = c15_at(s, r1, "light_p99_us", 0, 0);
		int c = server_cpus(s, f, r1);
		*cpus = !*cpus || (c && c < *cpus) ? c : *cpus;
		if (c < 2) {
			snprintf(detail, len, "%s's shared cells had %d CPU: nothing runs beside the "
			         "loop", L(r1), c);
			return -1;
		}
		fig_row(o, b0, "", "%s on %d CPUs shared with the client, mixed heavy_us=0, "
		        "inline: light-request p99 (the baseline)", L(r1), c);
		fig_row(o, r0, "", "%s on %d CPUs, heavy_us=%s, inline: light-request p99 (the "
		        "stall)", L(r1), c, P(hu));
		fig_row(o, r1, "", "%s on %d CPUs, heavy_us=%s, offload=1: light-request p99 (the "
		        "cure)", L(r1), c, P(hu));
		char w1[96], w0[96];
		snprintf(w1, sizeof w1, "%s on %d CPUs: the cure's light p99 over the baseline", L(r1),
		         c);
		snprintf(w0, sizeof w0, "%s on %d CPUs: the stall's light p99 over the baseline",
		         L(r1), c);
		struct iv a = iv_ratio(r1, b0, w1), z = iv_ratio(r0, b0, w0);
		fig_val(o, a.v, "×", REF("≤ %s to hold", TH(H_C15_NEAR)),
		        "%s on %d CPUs, heavy_us=%s: offloaded light p99 over heavy_us=0 inline",
		        L(r1), c, P(hu));
		fig_ci(o, a);
		fig_val(o, z.v, "×", REF("> %s: a stall to cure", TH(H_C15_NEAR)),
		        "%s on %d CPUs, heavy_us=%s: inline light p99 over heavy_us=0", L(r1), c,
		        P(hu));
		fig_ci(o, z);
		int cu = le(a, H_C15_NEAR), st = ge(z, H_C15_NEAR);
		*held += cu && st;
		*cured += cu;
		used += (size_t)snprintf(detail + used, used < len ? len - used : 0,
		                         "%s%s at heavy_us=%s: %s× offloaded, %s× inline (%s µs "
		                         "against %s)",
		                         used ? "; " : "", L(r1), P(hu), N(a.v), N(z.v),
		                         N(r1->median), N(b0->median));
	}
	return np;
}

DECIDED(c15)
static void c15_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	init(o);
	/* Two arms. With the server on every CPU (placement=shared, two or
	 * more), the pool's threads run beside the loop: the claim is judged
	 * there when the run has it. On the server's own CPU (one, the load
	 * generator on the other, C3's cells): what time slicing leaves,
	 * judged only when the run has no shared cells (runs before them get
	 * the verdict they had).
	 *
	 * Per runtime setting, its offloaded light row at the largest
	 * heavy_us > 0 that has the inline row beside it and the inline
	 * heavy_us=0 baseline: the C3 sweep's worst step, with and without the
	 * cure. A single executor only: that is what C3 stalls. The offloaded
	 * arm's own baseline where the run has it (the quick suite does not:
	 * at heavy_us=0 offload changes only the heavy requests, which do
	 * nothing), else the inline one. */
	const struct h_srow *pick[8];
	char lack[256] = "";
	int np = c15_pick(s, 0, pick, 8, lack, sizeof lack);
	int held = 0, uncured = 0, nostall = 0, cpus = 0;
	char detail[400] = "", cost[200] = "";
	size_t used = 0;
	for (int k = 0; k < np; k++) {
		const struct h_srow *r1 = pick[k];
		double hu = h_param_num(r1->params, "heavy_us", 0);
		const struct h_srow *r0 = c15_at(s, r1, "light_p99_us", hu, 0),
		                    *b0 = c15_at(s, r1, "light_p99_us", 0, 0),
		                    *b1o = c15_at(s, r1, "light_p99_us", 0, 1), *b1 = b1o ? b1o : b0;
		int c = server_cpus(s, f, r1);
		cpus = !cpus || (c && c < cpus) ? c : cpus;
		fig_row(o, b0, "", "%s, mixed heavy_us=0, inline: light-request p99", L(r1));
		if (b1o)
			fig_row(o, b1, "", "%s, mixed heavy_us=0, offload=1: light-request p99", L(r1));
		/* Every heavy_us both arms ran, not only the one judged: how the
		 * gap opens with the step. */
		double hv[16];
		int nh = q_values(s, Q(.wl = "mixed", .metric = "light_p99_us", .rt = r1->runtime,
		                       .offload = 1),
		                  "heavy_us", hv, 16);
		for (int i = 0; i < nh; i++) {
			const struct h_srow *x1 = hv[i] > 0 ? c15_at(s, r1, "light_p99_us", hv[i], 1) : NULL,
			                    *x0 = x1 ? c15_at(s, r1, "light_p99_us", hv[i], 0) : NULL;
			if (!x0)
				continue;
			fig_row(o, x0, "", "%s, mixed heavy_us=%s, inline: light-request p99 (%s× "
			                   "heavy_us=0)", L(r1), P(hv[i]), N(x0->median / b0->median));
			fig_row(o, x1, "", "%s, mixed heavy_us=%s, offload=1: light-request p99 (%s× "
			                   "heavy_us=0)", L(r1), P(hv[i]), N(x1->median / b1->median));
		}
		char w1[96], w0[96];
		snprintf(w1, sizeof w1, "%s's offloaded light p99 over its heavy_us=0", L(r1));
		snprintf(w0, sizeof w0, "%s's inline light p99 over its heavy_us=0", L(r1));
		struct iv a = iv_ratio(r1, b1, w1), z = iv_ratio(r0, b0, w0);
		fig_val(o, a.v, "×", REF("≤ %s to hold", TH(H_C15_NEAR)),
		        "%s, heavy_us=%s: offloaded light p99 over heavy_us=0%s", L(r1), P(hu),
		        b1o ? "" : " inline (the run has no offloaded baseline)");
		fig_ci(o, a);
		fig_val(o, z.v, "×", REF("> %s: a stall to cure", TH(H_C15_NEAR)),
		        "%s, heavy_us=%s: inline light p99 over heavy_us=0", L(r1), P(hu));
		fig_ci(o, z);
		int cured = le(a, H_C15_NEAR), stalled = ge(z, H_C15_NEAR);
		held += cured && stalled;
		uncured += !cured;
		nostall += cured && !stalled;
		used += (size_t)snprintf(detail + used, used < sizeof detail ? sizeof detail - used : 0,
		                         "%s%s at heavy_us=%s: %s× offloaded, %s× inline",
		                         used ? "; " : "", L(r1), P(hu), N(a.v), N(z.v));
		/* The hand-off's cost: at heavy_us=0 a heavy request's work is
		 * nothing, so its latency with offload=1 over offload=0 is the
		 * trip to the pool and back. Its median: 50 requests make a p99
		 * of too few samples (the max). Shown, not judged. */
		const struct h_srow *h1 = c15_at(s, r1, "heavy_p50_us", 0, 1),
		                    *h0 = c15_at(s, r1, "heavy_p50_us", 0, 0);
		if (h1 && h0) {
			fig_row(o, h0, "not judged", "%s, mixed heavy_us=0, inline: heavy-request p50",
			        L(r1));
			fig_row(o, h1, "not judged", "%s, mixed heavy_us=0, offload=1: heavy-request p50",
			        L(r1));
			struct iv hd = iv_diff(h1, h0, "the hand-off");
			fig_val(o, hd.v, "µs", "not judged",
			        "%s: the hand-off (heavy-request p50 at heavy_us=0, offload=1 "
			        "less inline)",
			        L(r1));
			fig_ci(o, hd);
			if (!cost[0])
				snprintf(cost, sizeof cost,
				         "; the hand-off adds %s µs to a heavy request's p50 on %s (heavy_us=0: "
				         "%s against %s µs)",
				         N(h1->median - h0->median), L(r1), N(h1->median), N(h0->median));
		}
		const struct h_srow *c1 = c15_at(s, r1, "server_cpu_us_per_request", 0, 1),
		                    *c0 = c15_at(s, r1, "server_cpu_us_per_request", 0, 0);
		if (c1 && c0) {
			fig_row(o, c0, "not judged", "%s, mixed heavy_us=0, inline: server CPU per "
			                             "request", L(r1));
			fig_row(o, c1, "not judged", "%s, mixed heavy_us=0, offload=1: server CPU per "
			                             "request", L(r1));
		}
	}
	int held2, cured2, cpus2;
	char two[400];
	int n2 = c15_two(s, f, o, &held2, &cured2, &cpus2, two, sizeof two);
	if (n2 > 0) {
		/* Judged with the pool beside the loop; the one-CPU arm beside. */
		char one[460];
		if (np)
			snprintf(one, sizeof one, "; on one server CPU, what time slicing leaves: %s%s",
			         detail, cost);
		else
			snprintf(one, sizeof one, "; on one server CPU: not run");
		if (held2 == n2)
			set(o, H_VERDICT_HOLDS,
			    "holds on %d CPUs shared with the client: handed to the pool, the heavy step "
			    "leaves light requests' p99 within %s× of the heavy_us=0 baseline, where "
			    "inline it is over (%s)%s",
			    cpus2, TH(H_C15_NEAR), two, one);
		else if (!cured2)
			set(o, H_VERDICT_DOES_NOT_HOLD,
			    "does not hold on %d CPUs shared with the client: with offload=1 light "
			    "requests' p99 is still over %s× the heavy_us=0 baseline (%s)%s",
			    cpus2, TH(H_C15_NEAR), two, one);
		else if (cured2 == n2)
			set(o, H_VERDICT_DEPENDS,
			    "depends on the load: on %d CPUs the inline step did not stall light "
			    "requests past %s× either, so there was nothing to cure (%s)%s",
			    cpus2, TH(H_C15_NEAR), two, one);
		else
			set(o, H_VERDICT_DEPENDS, "depends on the runtime, on %d CPUs: %s%s", cpus2, two,
			    one);
		return;
	}
	if (!np) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: %s; with the server on every CPU: %s (run `concbench run "
		    "--runtime epoll --workload mixed --set conns=20 --set requests=0 --set "
		    "seconds=2 --set rate=1000 --set heavy_every=50 --set heavy_us=0,10000 --set "
		    "offload=0,1`, and again with --client-cpus over every CPU)",
		    lack[0] ? lack
		            : "no mixed rows of a single executor with offload=1 at a heavy_us > 0",
		    two);
		return;
	}
	/* No shared cells: judged on the server's own CPU, as before. */
	char none[440];
	snprintf(none, sizeof none, "; with the server on 2 or more CPUs: no data (%s)", two);
	if (held == np)
		set(o, H_VERDICT_HOLDS,
		    "holds: handed to the pool, the heavy step leaves light requests' p99 within "
		    "%s× of the heavy_us=0 baseline, where inline it is over (%s)%s%s%s",
		    TH(H_C15_NEAR), detail, cost,
		    cpus == 1 ? "; on one server CPU, which the pool's thread time-slices with the "
		                "loop"
		              : "",
		    none);
	else if (cpus == 1)
		set(o, H_VERDICT_DEPENDS,
		    "depends on cores: the server had one CPU, which the pool's thread shares with "
		    "the loop, so the offloaded step still takes the loop's CPU for a time slice at "
		    "a time (%s)%s%s",
		    detail, cost, none);
	else if (uncured == np)
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: with offload=1 light requests' p99 is still over %s× the "
		    "heavy_us=0 baseline (%s)%s%s",
		    TH(H_C15_NEAR), detail, cost, none);
	else if (nostall == np)
		set(o, H_VERDICT_DEPENDS,
		    "depends on the load: the inline step did not stall light requests past %s× "
		    "either, so there was nothing to cure (%s)%s%s",
		    TH(H_C15_NEAR), detail, cost, none);
	else
		set(o, H_VERDICT_DEPENDS, "depends on the runtime: %s%s%s", detail, cost, none);
}

/* ---- C16: the cost of creating a task ---- */

DECIDED(c16)
static void c16_rule(const struct h_summary *s, const struct h_runfacts *f, struct h_vresult *o)
{
	(void)f;
	init(o);
	static const char m[] = "create_ns_per_task";
	double t = largest_common(s, "sleep", m, "tasks", THREADS, ASYNC);
	/* Every runtime's figure at its smallest and largest task count: the
	 * growth with the count, the least over the waits (ms) measured. */
	for (const struct runtime *const *rt = rt_registry; *rt; rt++) {
		double v[64];
		int n = q_values(s, Q(.wl = "sleep", .metric = m, .rt = (*rt)->name), "tasks", v, 64);
		for (int i = 0; i < n; i += n > 1 ? n - 1 : 1) {
			const struct h_srow *r = q_best(s,
			                                Q(.wl = "sleep", .metric = m, .rt = (*rt)->name,
			                                  .key = "tasks", .val = v[i]),
			                                0);
			fig_val(o, r->median / 1e3, "µs",
			        in_class(THREADS, r->runtime) ? "17 µs (Blandy, a thread)"
			        : in_class(ASYNC, r->runtime) ? "0.3 µs (Blandy, an async task)"
			                                      : "",
			        "%s, sleep tasks=%s: creation per task", L(r), P(v[i]));
			fig_ci(o, iv_scale(iv_row(r, NULL), 1e-3));
		}
	}
	if (isnan(t)) {
		set(o, H_VERDICT_NO_DATA,
		    "not enough data: no sleep rows with create_ns_per_task for threads and an "
		    "async runtime at one task count");
		return;
	}
	const struct h_srow *th = q_best(
	        s, Q(.wl = "sleep", .metric = m, .rts = THREADS, .key = "tasks", .val = t), 0);
	const struct h_srow *as = q_best(
	        s, Q(.wl = "sleep", .metric = m, .rts = ASYNC, .key = "tasks", .val = t), 0);
	double tu = th->median / 1e3, au = as->median / 1e3;
	struct iv r = iv_ratio(th, as, "threads' creation over the async task's");
	fig_val(o, r.v, "×", "≈57 (Blandy)", "threads' creation over %s's, tasks=%s", L(as), P(t));
	fig_ci(o, r);
	/* Each side against its own bound (in µs), then the ratio against 1. */
	if (ge(iv_scale(iv_row(th, "a thread's creation (µs)"), 1e-3), H_C16_THREAD_MIN_US) &&
	    le(iv_scale(iv_row(as, "an async task's creation (µs)"), 1e-3), H_C16_ASYNC_MAX_US))
		set(o, H_VERDICT_HOLDS,
		    "holds: at tasks=%s a thread takes %s µs to create and start waiting, %s's "
		    "task %s µs (%s×)",
		    P(t), N(tu), L(as), N(au), N(tu / au));
	else if (le(r, 1))
		set(o, H_VERDICT_DOES_NOT_HOLD,
		    "does not hold: at tasks=%s a thread takes %s µs, no more than %s's task (%s µs)",
		    P(t), N(tu), L(as), N(au));
	else
		set(o, H_VERDICT_DEPENDS,
		    "depends on the machine: at tasks=%s a thread takes %s µs, %s's task %s µs "
		    "(%s×), outside ≥ %s µs and ≤ %s µs",
		    P(t), N(tu), L(as), N(au), N(tu / au), TH(H_C16_THREAD_MIN_US),
		    TH(H_C16_ASYNC_MAX_US));
}
