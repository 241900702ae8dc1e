/* options.c — what every command's parsing shares: the getopt_long loop
 * and its messages, the name lists the messages offer, and --runtime and
 * --workload lists resolved against the registries. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../measure/measure.h"
#include "cli.h"

/* ---- options ---- */

static const char *long_name(const struct option *opts, int val)
{
	for (const struct option *o = opts; o->name; o++)
		if (o->val == val)
			return o->name;
	return NULL;
}

static void start(struct cli_parser *p)
{
	for (const struct option *o = p->opts; o->name; o++) {
		char name[64];
		snprintf(name, sizeof name, "--%s", o->name);
		cli_names_add(&p->names, name);
	}
	opterr = 0; /* our own one-line messages */
	optind = 0; /* glibc: a full re-initialisation */
}

int cli_next(struct cli_parser *p)
{
	if (!p->names.used)
		start(p);
	/* After "--" getopt is done; what follows are words. */
	if (p->rest) {
		if (optind >= p->argc)
			return CLI_END;
		p->arg = p->argv[optind++];
		return CLI_WORD;
	}
	/* "+": no argv permutation, a word ends the options; "-": words come
	 * back in order as 1. ":": a missing value returns ':'. */
	int c = getopt_long(p->argc, p->argv, p->words ? "-:h" : "+:h", p->opts, NULL);
	p->arg = optarg;
	switch (c) {
	case -1:
		if (optind >= p->argc)
			return CLI_END;
		if (p->words) {
			p->rest = 1;
			return cli_next(p);
		}
		h_error("unexpected argument '%s' for %s (options: %s)", p->argv[optind],
		        p->cmd->name, p->names.buf);
		return CLI_BAD;
	case 1:
		return CLI_WORD;
	case 'h':
		p->cmd->usage(stdout);
		return CLI_HELP;
	case ':': {
		const char *name = long_name(p->opts, optopt);
		if (name)
			h_error("option '--%s' needs %s", name, p->missing);
		else
			h_error("option '%s' needs %s", p->argv[optind - 1], p->missing);
		return CLI_BAD;
	}
	case '?':
		if (!p->name_by_word && optopt > 0 && optopt < 256)
			h_error("unknown option '-%c' for %s (choose from: %s)", optopt, p->cmd->name,
			        p->names.buf);
		else
			h_error("unknown option '%s' for %s (choose from: %s)", p->argv[optind - 1],
			        p->cmd->name, p->names.buf);
		return CLI_BAD;
	}
	/* "--runtime --workload cpu": the next option is no value. */
	if (optarg && strncmp(optarg, "--", 2) == 0 && p->argv[optind - 1] == optarg) {
		h_error("option '--%s' needs %s", long_name(p->opts, c), p->missing);
		return CLI_BAD;
	}
	return c;
}

/* ---- name lists ---- */

void cli_names_add(struct cli_names *n, const char *name)
{
	size_t len = sizeof n->buf;
	n->used += (size_t)snprintf(n->buf + n->used, n->used < len ? len - n->used : 0,
	                            "%s%s", n->used ? ", " : "", name);
}

static void names_start(struct cli_names *n)
{
	n->used = 0;
	n->buf[0] = '\0';
}

const char *cli_runtime_names(struct cli_names *n)
{
	names_start(n);
	for (const struct runtime *const *r = rt_registry; *r; r++)
		cli_names_add(n, (*r)->name);
	return n->buf;
}

const char *cli_workload_names(struct cli_names *n, int servers_only)
{
	names_start(n);
	for (const struct workload *const *w = wl_registry; *w; w++)
		if (!servers_only || (*w)->load)
			cli_names_add(n, (*w)->name);
	return n->buf;
}

const char *cli_suite_names(struct cli_names *n)
{
	names_start(n);
	for (const struct h_suite *s = h_suites; s->name; s++)
		cli_names_add(n, s->name);
	return n->buf;
}

const char *cli_placement_names(struct cli_names *n)
{
	names_start(n);
	for (int i = 0; h_placement_names[i]; i++)
		cli_names_add(n, h_placement_names[i]);
	return n->buf;
}

/* ---- runtime and workload lists ---- */

/* Resolves a --runtime or --workload list against a registry. The count,
 * or H_REPORTED after a usage error. */
static int resolve(const char *what, const char *list, const char *choices,
                   const void *const *registry, const char *(*name_of)(const void *),
                   const void ***out)
{
	int nreg = 0;
	while (registry[nreg])
		nreg++;
	char **items;
	int n = h_split_list(list, &items);
	if (n == -ENOMEM) {
		h_error("out of memory");
		return H_REPORTED;
	}
	if (n < 0) {
		h_error("empty %s in --%s '%s' (choose from: %s, all)", what, what, list,
		        choices);
		return H_REPORTED;
	}
	const void **sel = calloc((size_t)nreg + 1, sizeof *sel);
	int nsel = 0, all = 0;
	if (!sel) {
		h_strv_free(items);
		h_error("out of memory");
		return H_REPORTED;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(items[i], "all") == 0) {
			all = 1;
			continue;
		}
		int k = 0;
		while (registry[k] && strcmp(name_of(registry[k]), items[i]) != 0)
			k++;
		if (!registry[k]) {
			h_error("unknown %s '%s' (choose from: %s, all)", what, items[i], choices);
			goto fail;
		}
		for (int j = 0; j < nsel; j++)
			if (sel[j] == registry[k]) {
				h_error("%s '%s' given twice in --%s", what, items[i], what);
				goto fail;
			}
		sel[nsel++] = registry[k];
	}
	if (all) {
		for (nsel = 0; nsel < nreg; nsel++)
			sel[nsel] = registry[nsel];
	}
	h_strv_free(items);
	*out = sel;
	return nsel;
fail:
	h_strv_free(items);
	free(sel);
	return H_REPORTED;
}

static const char *rt_name_of(const void *p)
{
	return ((const struct runtime *)p)->name;
}

static const char *wl_name_of(const void *p)
{
	return ((const struct workload *)p)->name;
}

int cli_resolve_runtimes(const char *list, const struct runtime ***out)
{
	struct cli_names n;
	const void **sel = NULL;
	int nsel = resolve("runtime", list, cli_runtime_names(&n),
	                   (const void *const *)rt_registry, rt_name_of, &sel);
	*out = (const struct runtime **)sel;
	return nsel;
}

int cli_resolve_workloads(const char *list, const struct workload ***out)
{
	struct cli_names n;
	const void **sel = NULL;
	int nsel = resolve("workload", list, cli_workload_names(&n, 0),
	                   (const void *const *)wl_registry, wl_name_of, &sel);
	*out = (const struct workload **)sel;
	return nsel;
}

/* ---- numbers and folders ---- */

int cli_count(const char *opt, const char *s, int min, int max, int *out)
{
	int64_t v;
	if (h_parse_i64(s, &v) < 0 || v < min || v > max) {
		h_error("bad %s '%s' (a whole number from %d to %d)", opt, s, min, max);
		return H_REPORTED;
	}
	*out = (int)v;
	return 0;
}

int cli_results_dir(const char *dir)
{
	struct stat st;
	if (!dir[0] || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		h_error("no results folder '%s'", dir);
		return H_REPORTED;
	}
	char path[4200];
	if (snprintf(path, sizeof path, "%s/summary.csv", dir) >= (int)sizeof path ||
	    access(path, R_OK) != 0) {
		h_error("no summary.csv in '%s' (is it a folder written by concbench run?)", dir);
		return H_REPORTED;
	}
	return 0;
}
