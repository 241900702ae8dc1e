/* teach.c — a claim's takeaway, reason and agreement with its sources,
 * written as templates in the claims table (claims.c) and filled here from
 * the run's own figures, in plain units. Nothing here holds a number of its
 * own: a figure the run lacks makes the takeaway say so, never a default.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

char *h_fmt_plain(char *buf, size_t len, double v, const char *unit)
{
	char n[48];
	static const struct {
		const char *unit;
		double ns;
	} times[] = { { "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	if (!isfinite(v)) {
		snprintf(buf, len, "n/a");
		return buf;
	}
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		if (strcmp(unit, times[i].unit))
			continue;
		double ns = v * times[i].ns, a = fabs(ns);
		const char *u = a >= 1e9 ? "s" : a >= 1e6 ? "ms" : a >= 1e3 ? "µs" : "ns";
		double div = a >= 1e9 ? 1e9 : a >= 1e6 ? 1e6 : a >= 1e3 ? 1e3 : 1;
		snprintf(buf, len, "%s %s", h_fmt_num(n, sizeof n, ns / div), u);
		return buf;
	}
	if (!strcmp(unit, "KiB")) {
		double a = fabs(v);
		if (a < 1)
			snprintf(buf, len, "%s bytes", h_fmt_num(n, sizeof n, round(v * 1024)));
		else
			snprintf(buf, len, "%s %s",
			         h_fmt_num(n, sizeof n, a >= 1048576 ? v / 1048576 : a >= 1024 ? v / 1024 : v),
			         a >= 1048576 ? "GiB" : a >= 1024 ? "MiB" : "KiB");
		return buf;
	}
	if (!strcmp(unit, "fraction")) {
		snprintf(buf, len, "%s%%", h_fmt_num(n, sizeof n, 100 * v));
		return buf;
	}
	static const struct {
		const char *unit, *words;
	} names[] = { { "×", "×" },
		      { "req/s", " requests/s" },
		      { "iter/us", " iterations per µs" },
		      { "conns", " connections" },
		      { "switches", " switches" },
		      { "ticks", " ticks" },
		      { "MiB/s", " MiB/s" } };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(unit, names[i].unit)) {
			snprintf(buf, len, "%s%s", h_fmt_num(n, sizeof n, v), names[i].words);
			return buf;
		}
	snprintf(buf, len, "%s%s%s", h_fmt_num(n, sizeof n, v), unit[0] ? " " : "", unit);
	return buf;
}

/* A resolved figure: its value, unit and (for a row) the row. */
struct tval {
	double v;
	char unit[24];
	const struct h_srow *row;
};

/* The one row of the figure's spec, picking max/min keys in order. */
static const struct h_srow *find_row(const struct h_summary *s, const struct h_tfig *f)
{
	const struct h_srow **cand = malloc((s->n ? s->n : 1) * sizeof *cand);
	if (!cand)
		return NULL;
	size_t n = 0;
	char fixed[256] = "", ext[256] = "";
	size_t fu = 0, eu = 0;
	/* Split where into fixed pairs and extremes. */
	for (const char *p = f->where ? f->where : ""; *p;) {
		size_t l = strcspn(p, ";");
		const char *eq = memchr(p, '=', l);
		int extreme = eq && ((size_t)(p + l - eq - 1) == 3) &&
		              (!strncmp(eq + 1, "max", 3) || !strncmp(eq + 1, "min", 3));
		if (extreme && eu < sizeof ext)
			eu += (size_t)snprintf(ext + eu, sizeof ext - eu, "%s%.*s", eu ? ";" : "", (int)l, p);
		else if (!extreme && fu < sizeof fixed)
			fu += (size_t)snprintf(fixed + fu, sizeof fixed - fu, "%s%.*s", fu ? ";" : "", (int)l, p);
		p += l + (p[l] == ';');
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct h_srow *r = &s->rows[i];
		if (!strcmp(r->runtime, f->runtime) && !strcmp(r->workload, f->workload) &&
		    !strcmp(r->metric, f->metric) && isfinite(r->median) &&
		    h_params_match(r->params, fixed))
			cand[n++] = r;
	}
	for (const char *p = ext; *p && n;) {
		size_t l = strcspn(p, ";"), kl = strcspn(p, "=");
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)kl, p);
		int hi = p[kl + 2] == 'a'; /* m*a*x */
		double best = NAN;
		for (size_t i = 0; i < n; i++) {
			double v = h_param_num(cand[i]->params, key, NAN);
			if (!isnan(v) && (isnan(best) || (hi ? v > best : v < best)))
				best = v;
		}
		size_t kept = 0;
		for (size_t i = 0; i < n && !isnan(best); i++)
			if (h_param_num(cand[i]->params, key, NAN) == best)
				cand[kept++] = cand[i];
		if (!isnan(best))
			n = kept;
		p += l + (p[l] == ';');
	}
	const struct h_srow *r = n ? cand[0] : NULL;
	free(cand);
	return r;
}

static const struct h_tfig *fig_named(const struct h_claim *c, const char *name, size_t n)
{
	for (int i = 0; i < H_TFIG_MAX && c->figs[i].name; i++)
		if (strlen(c->figs[i].name) == n && !strncmp(c->figs[i].name, name, n))
			return &c->figs[i];
	return NULL;
}

/* 0 resolved; 1 not in the run (missing says what); -EINVAL no such name. */
static int resolve(const struct h_claim *c, const struct h_summary *s, const struct h_tfig *f,
                   struct tval *out, char *missing, size_t mlen, int depth)
{
	memset(out, 0, sizeof *out);
	if (depth > H_TFIG_MAX)
		return -EINVAL;
	if (f->op) {
		struct tval a, b = { 0 };
		const struct h_tfig *fa = f->a ? fig_named(c, f->a, strlen(f->a)) : NULL;
		const struct h_tfig *fb = f->b ? fig_named(c, f->b, strlen(f->b)) : NULL;
		if (!fa || (f->op != 'l' && !fb))
			return -EINVAL;
		int rc = resolve(c, s, fa, &a, missing, mlen, depth + 1);
		if (!rc && fb)
			rc = resolve(c, s, fb, &b, missing, mlen, depth + 1);
		if (rc)
			return rc;
		if (f->op == '-') {
			out->v = a.v - b.v;
			snprintf(out->unit, sizeof out->unit, "%s", a.unit);
		} else {
			out->v = a.v / (f->op == 'l' ? f->lit : b.v);
			snprintf(out->unit, sizeof out->unit, "×");
		}
		out->row = a.row;
		return isfinite(out->v) ? 0 : (snprintf(missing, mlen, "a finite %s", f->name), 1);
	}
	if (!strcmp(f->metric, "mem_per_task")) {
		out->v = h_mem_per_task(s, f->runtime, NULL, 0);
		snprintf(out->unit, sizeof out->unit, "KiB");
		if (isnan(out->v)) {
			snprintf(missing, mlen, "%s memory per waiting task on %s", f->runtime, f->workload);
			return 1;
		}
		return 0;
	}
	/* "k=@name": k as name's row has it (the same point as another figure). */
	struct h_tfig same = *f;
	char where[256] = "";
	size_t wu = 0;
	for (const char *p = f->where ? f->where : ""; *p && wu < sizeof where;) {
		size_t l = strcspn(p, ";"), kl = strcspn(p, "=");
		if (kl < l && p[kl + 1] == '@') {
			const struct h_tfig *o = fig_named(c, p + kl + 2, l - kl - 2);
			struct tval ov;
			char key[64];
			snprintf(key, sizeof key, "%.*s", (int)kl, p);
			if (!o || o == f)
				return -EINVAL;
			int rc = resolve(c, s, o, &ov, missing, mlen, depth + 1);
			if (rc)
				return rc;
			double pv = ov.row ? h_param_num(ov.row->params, key, NAN) : NAN;
			wu += (size_t)snprintf(where + wu, sizeof where - wu, "%s%s=%.17g", wu ? ";" : "",
			                       key, pv);
		} else
			wu += (size_t)snprintf(where + wu, sizeof where - wu, "%s%.*s", wu ? ";" : "",
			                       (int)l, p);
		p += l + (p[l] == ';');
	}
	same.where = where;
	const struct h_srow *r = find_row(s, &same);
	if (!r) {
		snprintf(missing, mlen, "%s %s %s%s%s", f->runtime, f->workload, f->metric,
		         f->where ? " at " : "", f->where ? f->where : "");
		return 1;
	}
	out->v = r->median;
	out->row = r;
	snprintf(out->unit, sizeof out->unit, "%s", r->unit);
	return 0;
}

static const char *agrees(enum h_verdict v)
{
	switch (v) {
	case H_VERDICT_HOLDS: return "agrees";
	case H_VERDICT_DOES_NOT_HOLD: return "disagrees";
	case H_VERDICT_DEPENDS: return "agrees in part";
	default: return "cannot say";
	}
}

int h_teach_fill(const struct h_claim *c, const struct h_summary *s,
                 const struct h_teach_env *env, const char *t, char *buf, size_t len,
                 char *missing, size_t mlen)
{
	size_t used = 0;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (const char *p = t ? t : ""; *p;) {
		const char *open = strchr(p, '{');
		size_t lit = open ? (size_t)(open - p) : strlen(p);
		if (used + lit >= len)
			return -ENOSPC;
		memcpy(buf + used, p, lit);
		used += lit;
		buf[used] = '\0';
		if (!open)
			break;
		const char *close = strchr(open, '}');
		if (!close)
			return -EINVAL;
		char tok[96], val[96];
		snprintf(tok, sizeof tok, "%.*s", (int)(close - open - 1), open + 1);
		if (!strcmp(tok, "server_cpus")) {
			if (!env || env->server_cpus <= 0) {
				snprintf(missing, mlen, "the server's CPU count (manifest.json)");
				return 1;
			}
			snprintf(val, sizeof val, "%d", env->server_cpus);
		} else if (!strcmp(tok, "agrees"))
			snprintf(val, sizeof val, "%s", agrees(env ? env->verdict : H_VERDICT_NO_DATA));
		else {
			char *at = strchr(tok, '@');
			const struct h_tfig *f = fig_named(c, tok, at ? (size_t)(at - tok) : strlen(tok));
			if (!f)
				return -EINVAL;
			struct tval v;
			int rc = resolve(c, s, f, &v, missing, mlen, 0);
			if (rc)
				return rc;
			if (!at)
				h_fmt_plain(val, sizeof val, v.v, v.unit);
			else {
				char *unit = strchr(at + 1, ':');
				if (unit)
					*unit++ = '\0';
				double pv = v.row ? h_param_num(v.row->params, at + 1, NAN) : NAN;
				if (isnan(pv)) {
					snprintf(missing, mlen, "the %s of %s", at + 1, f->name);
					return 1;
				}
				if (unit)
					h_fmt_plain(val, sizeof val, pv, unit);
				else
					h_fmt_num(val, sizeof val, pv);
			}
		}
		size_t vl = strlen(val);
		if (used + vl >= len)
			return -ENOSPC;
		memcpy(buf + used, val, vl + 1);
		used += vl;
		p = close + 1;
	}
	return 0;
}
