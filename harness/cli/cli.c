/* cli.c — the command line: commands, usage text, `list`, `plot`, and the
 * parsing of `run`'s options. Every bad input ends here as one line on
 * stderr naming the valid choices, and exit status 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../measure/measure.h"
#include "../analysis/analysis.h"
#include "cli.h"

static void version_print(FILE *f)
{
	fprintf(f, "concbench %s (commit %s, %s build, %s)\n", H_VERSION, CB_GIT_COMMIT,
	        CB_BUILD_TYPE, CB_COMPILER);
}

/* "a, b, c" of the registry names, into buf. */
static const char *runtime_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct runtime *const *r = rt_registry; *r; r++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		                         r == rt_registry ? "" : ", ", (*r)->name);
	return buf;
}

static const char *workload_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct workload *const *w = wl_registry; *w; w++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		                         w == wl_registry ? "" : ", ", (*w)->name);
	return buf;
}

static const char *suite_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct h_suite *s = h_suites; s->name; s++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		                         s == h_suites ? "" : ", ", s->name);
	return buf;
}

static void usage(FILE *f)
{
	fputs("usage: concbench COMMAND [ARGS]\n"
	      "\n"
	      "concbench compares how a thread per task, a thread pool, an epoll event loop\n"
	      "and coroutines run the same workloads, each cell in its own child process\n"
	      "pinned with hwloc.\n"
	      "\n"
	      "commands:\n"
	      "  run [OPTIONS]   run a matrix of runtimes x workloads x parameters x reps\n"
	      "                  and write DIR/manifest.json, results.jsonl, summary.csv\n"
	      "                  (concbench run --help for the options)\n"
	      "  list            the runtimes and workloads, with their parameters,\n"
	      "                  defaults and ranges; the suites, part by part\n"
	      "  serve [OPTIONS] one server workload (echo, http, mixed) on one runtime,\n"
	      "                  for clients of your own, until SIGINT or SIGTERM\n"
	      "                  (concbench serve --help for the options)\n"
	      "  plot DIR        draw DIR/plots/*.svg and *.png from DIR/summary.csv\n"
	      "  report DIR      write DIR/report.html and report.md: every claim judged\n"
	      "                  on DIR's figures (concbench report --help)\n"
	      "  compare A B     run B against run A: ratios B/A, and which exceed the noise\n"
	      "  help [run]      this text, or run's\n"
	      "\n"
	      "options:\n"
	      "  -h, --help      this text\n"
	      "  --version       the version and the git commit it was built from\n"
	      "\n"
	      "exit status: 0 ok; 1 a cell failed or checksums disagree; 2 bad usage\n",
	      f);
}

static void run_usage(FILE *f)
{
	char rts[256], wls[256], suites[128];
	fprintf(f,
	        "usage: concbench run --runtime LIST --workload LIST [OPTIONS]\n"
	        "       concbench run --suite NAME [OPTIONS]\n"
	        "\n"
	        "Runs every cell (runtime x workload x parameter point x placement x rep)\n"
	        "in a fresh child process bound to --cpus, checks that every runtime\n"
	        "computed the same checksum, and writes DIR/manifest.json, DIR/run.json,\n"
	        "DIR/results.jsonl (one line per cell, with kernel counters, memory at\n"
	        "peak and the CPUs used), DIR/summary.csv and summary.json (median, min,\n"
	        "max, coefficient of variation over the ok reps; noisy when over 10%%)\n"
	        "and DIR/fits.csv (memory per task over a sweep of tasks).\n"
	        "\n"
	        "  --runtime LIST      comma-separated runtimes, or all:\n"
	        "                      %s\n"
	        "  --workload LIST     comma-separated workloads, or all:\n"
	        "                      %s\n"
	        "  --set KEY=V[,V...]  a parameter of a selected workload or runtime (see\n"
	        "                      concbench list); several values sweep it, and several\n"
	        "                      swept keys give their cartesian product. Values are\n"
	        "                      plain decimal integers; _ may group digits (1_000_000).\n"
	        "                      Repeat --set for more keys.\n"
	        "  --reps N            repetitions of each point, 1..1000 (default 5)\n"
	        "  --warmup N          unrecorded-in-summary warm-up cells before each point's\n"
	        "                      reps, 0..100 (default 1; results.jsonl marks them)\n"
	        "  --placement LIST    where the two tasks of a pair run, swept like --set:\n"
	        "                      same-core, cross-core, unpinned, smt-sibling, same-l3,\n"
	        "                      cross-l3, cross-package (refused when this machine's\n"
	        "                      topology has no such pair; default: unpinned)\n"
	        "  --cpus LIST         OS CPU indexes every cell is bound to, like 0, 0-1 or\n"
	        "                      0,2-3 (default: every allowed CPU)\n"
	        "  --client-cpus LIST  where the load generator of the server workloads (echo,\n"
	        "                      http, mixed) runs (default: the last CPU of --cpus; the\n"
	        "                      server gets the others, or shares when none is left)\n"
	        "  --out DIR           output folder, new or empty; created with its parents\n"
	        "                      (default results/YYYYmmdd-HHMMSS)\n"
	        "  --suite NAME        a predefined plan (see `concbench list`): %s.\n"
	        "                      --runtime and --workload narrow it; --set, --reps\n"
	        "                      and --placement override its choices.\n"
	        "  --timeout SEC       per-cell time limit, 1..86400 (default 300); a cell past\n"
	        "                      it is killed and recorded with error \"timeout\"\n"
	        "  --resume DIR        finish an interrupted run: the plan comes from\n"
	        "                      DIR/run.json, only the cells missing from\n"
	        "                      DIR/results.jsonl run (only --timeout may go with it)\n"
	        "  -h, --help          this text\n"
	        "\n"
	        "SIGINT or SIGTERM stops after the running cell (a second one stops it too);\n"
	        "run.json then says \"partial\" and --resume DIR completes the run.\n"
	        "\n"
	        "exit status: 0 every cell ok; 1 a cell failed, checksums disagree or the run\n"
	        "was interrupted (every finished cell is still written); 2 bad usage\n",
	        runtime_names(rts, sizeof rts), workload_names(wls, sizeof wls),
	        suite_names(suites, sizeof suites));
}

static void list_params(const struct cb_param *p)
{
	if (!p || !p->name) {
		fputs("params: none", stdout);
		return;
	}
	/* " | " between parameters: their help text may hold ';' and ','. */
	fputs("params:", stdout);
	for (; p->name; p++)
		printf(" %s=%lld [%lld..%lld%s%s] %s%s", p->name, (long long)p->def,
		       (long long)p->min, (long long)p->max, p->unit && p->unit[0] ? " " : "",
		       p->unit ? p->unit : "", p->help ? p->help : "", p[1].name ? " |" : "");
}

/* One line per runtime or workload, so `grep '^runtime'` finds them. */
static void list_one(const char *kind, const char *name, const char *desc,
                     const struct cb_param *params)
{
	desc = desc ? desc : "";
	size_t n = strlen(desc);
	printf("%s %-14s %s%s ", kind, name, desc, n && desc[n - 1] != '.' ? "." : "");
	list_params(params);
	putchar('\n');
}

static int cmd_list(int argc, char **argv)
{
	if (argc > 1) {
		h_error("list takes no arguments (got '%s')", argv[1]);
		return H_EXIT_USAGE;
	}
	for (const struct runtime *const *r = rt_registry; *r; r++)
		list_one("runtime ", (*r)->name, (*r)->desc, (*r)->params);
	for (const struct workload *const *w = wl_registry; *w; w++)
		list_one("workload", (*w)->name, (*w)->desc, (*w)->params);
	/* A suite line, then one indented line per part: what `run --suite`
	 * will do, before it takes minutes doing it. */
	for (const struct h_suite *s = h_suites; s->name; s++) {
		printf("suite    %-14s %s\n", s->name, s->desc);
		for (const struct h_suite_part *p = s->parts;
		     p < s->parts + H_SUITE_MAX_PARTS && p->runtimes; p++) {
			printf("           %s: --runtime %s --workload %s", p->what, p->runtimes,
			       p->workloads);
			for (int i = 0; i < H_SUITE_MAX_SETS && p->sets[i]; i++)
				printf(" --set %s", p->sets[i]);
			if (p->placements)
				printf(" --placement %s", p->placements);
			printf(" --reps %d\n", s->reps);
		}
	}
	return H_EXIT_OK;
}

static int cmd_plot(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: concbench plot DIR\n\n"
		     "Draws DIR/plots/<chart>.svg and .png from DIR/summary.csv with gnuplot.");
		return H_EXIT_OK;
	}
	if (argc < 2) {
		h_error("plot needs a results folder (usage: concbench plot DIR)");
		return H_EXIT_USAGE;
	}
	if (argc > 2) {
		h_error("plot takes one results folder (got '%s' too)", argv[2]);
		return H_EXIT_USAGE;
	}
	struct stat st;
	if (stat(argv[1], &st) != 0 || !S_ISDIR(st.st_mode)) {
		h_error("no results folder '%s'", argv[1]);
		return H_EXIT_USAGE;
	}
	char path[4096];
	if (snprintf(path, sizeof path, "%s/summary.csv", argv[1]) >= (int)sizeof path ||
	    access(path, R_OK) != 0) {
		h_error("no summary.csv in '%s' (is it a folder written by concbench run?)",
		        argv[1]);
		return H_EXIT_USAGE;
	}
	int rc = h_plot(argv[1]);
	if (rc < 0) {
		h_error("plotting '%s' failed: %s", argv[1], strerror(-rc));
		return H_EXIT_FAILED;
	}
	return H_EXIT_OK;
}

/* ---- run ---- */

/* Resolves a --runtime or --workload list against a registry; "all"
 * selects everything. Returns the count, or -1 after a usage error. */
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
		return -1;
	}
	if (n < 0) {
		h_error("empty %s in --%s '%s' (choose from: %s, all)", what, what, list,
		        choices);
		return -1;
	}
	const void **sel = calloc((size_t)nreg + 1, sizeof *sel);
	int nsel = 0, all = 0;
	if (!sel) {
		h_strv_free(items);
		h_error("out of memory");
		return -1;
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
	return -1;
}

static const char *rt_name_of(const void *p)
{
	return ((const struct runtime *)p)->name;
}

static const char *wl_name_of(const void *p)
{
	return ((const struct workload *)p)->name;
}

/* A whole number in [min, max] for option `opt`, or -1 after an error. */
static int parse_count(const char *opt, const char *s, int min, int max, int *out)
{
	int64_t v;
	if (h_parse_i64(s, &v) < 0 || v < min || v > max) {
		h_error("bad %s '%s' (a whole number from %d to %d)", opt, s, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

enum { OPT_RUNTIME = 256, OPT_WORKLOAD, OPT_SET, OPT_REPS, OPT_CPUS, OPT_OUT, OPT_SUITE,
       OPT_TIMEOUT, OPT_WARMUP, OPT_PLACEMENT, OPT_RESUME, OPT_CLIENT_CPUS };

static const struct option run_options[] = {
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "set", required_argument, NULL, OPT_SET },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "suite", required_argument, NULL, OPT_SUITE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "placement", required_argument, NULL, OPT_PLACEMENT },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "client-cpus", required_argument, NULL, OPT_CLIENT_CPUS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
#define RUN_OPTION_NAMES                                                                   \
	"--runtime, --workload, --set, --reps, --warmup, --placement, --cpus, --client-cpus, " \
	"--out, --suite, --timeout, --resume, --help"

static const char *option_name(int val)
{
	for (const struct option *o = run_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

/* What `run` was given, as strings; checked and resolved by cmd_run. */
struct run_args {
	const char *runtime, *workload, *reps, *warmup, *timeout, *suite, *cpus, *out;
	const char *placement, *resume, *client_cpus;
	char **setv;
	int nsetv;
	int given; /* options other than --resume and --timeout */
};

/* Parses run's options (argv[0] is "run"). 0, 1 after --help, or -1 after
 * a usage error. */
static int parse_run(int argc, char **argv, struct run_args *a)
{
	opterr = 0; /* our own one-line messages */
	optind = 0; /* glibc: a full re-initialisation */
	for (;;) {
		/* "+": no argv permutation; a stray word ends the options and
		 * is reported below. ":": a missing value returns ':'. */
		int c = getopt_long(argc, argv, "+:h", run_options, NULL);
		if (c == -1)
			break;
		/* "--runtime --workload cpu": the next option is no value. */
		if (c >= OPT_RUNTIME && optarg && strncmp(optarg, "--", 2) == 0 &&
		    argv[optind - 1] == optarg) {
			h_error("option '--%s' needs a value", option_name(c));
			return -1;
		}
		a->given += c != OPT_RESUME && c != OPT_TIMEOUT;
		switch (c) {
		case OPT_RUNTIME: a->runtime = optarg; break;
		case OPT_WORKLOAD: a->workload = optarg; break;
		case OPT_SET: a->setv[a->nsetv++] = optarg; break;
		case OPT_REPS: a->reps = optarg; break;
		case OPT_WARMUP: a->warmup = optarg; break;
		case OPT_PLACEMENT: a->placement = optarg; break;
		case OPT_CPUS: a->cpus = optarg; break;
		case OPT_OUT: a->out = optarg; break;
		case OPT_SUITE: a->suite = optarg; break;
		case OPT_TIMEOUT: a->timeout = optarg; break;
		case OPT_RESUME: a->resume = optarg; break;
		case OPT_CLIENT_CPUS: a->client_cpus = optarg; break;
		case 'h':
			run_usage(stdout);
			return 1;
		case ':':
			if (optopt >= OPT_RUNTIME)
				h_error("option '--%s' needs a value", option_name(optopt));
			else
				h_error("option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			if (optopt && optopt < OPT_RUNTIME)
				h_error("unknown option '-%c' for run (choose from: %s)", optopt,
				        RUN_OPTION_NAMES);
			else
				h_error("unknown option '%s' for run (choose from: %s)",
				        argv[optind - 1], RUN_OPTION_NAMES);
			return -1;
		}
	}
	if (optind < argc) {
		h_error("unexpected argument '%s' for run (options: %s)", argv[optind],
		        RUN_OPTION_NAMES);
		return -1;
	}
	return 0;
}

/* DIR/run.json's "args": the plan of the run to resume, as a NULL-ended
 * array of copies. */
struct stored {
	char **v;
	int n, cap, bad;
};

static int args_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct stored *st = ctx;
	if (strncmp(path, "args.", 5) != 0)
		return 0;
	if (t != H_JSTR) {
		st->bad = 1;
		return 0;
	}
	if (st->n + 2 > st->cap) {
		int cap = st->cap ? 2 * st->cap : 16;
		char **v = realloc(st->v, (size_t)cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		st->v = v;
		st->cap = cap;
	}
	st->v[st->n] = strdup(s);
	if (!st->v[st->n])
		return -ENOMEM;
	st->v[++st->n] = NULL;
	return 0;
}

static int load_plan(const char *dir, struct stored *st)
{
	char path[4200];
	struct stat sb;
	if (!dir[0] || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		h_error("cannot resume '%s': no such results folder", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/run.json", dir);
	int rc = h_json_walk_file(path, args_cb, st);
	if (rc == -ENOENT) {
		h_error("cannot resume '%s': no run.json in it (was it written by concbench run?)",
		        dir);
		return -1;
	}
	if (rc == -ENOMEM) {
		h_error("out of memory");
		return -1;
	}
	if (rc < 0 || st->bad || st->n < 1 || strcmp(st->v[0], "run") != 0) {
		h_error("cannot resume '%s': %s has no readable plan (\"args\")", dir, path);
		return -1;
	}
	return 0;
}

/* argc, argv: from "run" on; full_argc, full_argv: the whole command line,
 * for the manifest. */
static int cmd_run(int argc, char **argv, int full_argc, char **full_argv)
{
	struct run_args a = { 0 }, user = { 0 };
	/* 300 s: a 2-worker pool serving 1000 connections × 1000 requests, one
	 * connection per worker at a time, takes 160 s on a 2-core VM. */
	struct h_run_opts o = { .reps = 5, .warmup = 1, .timeout_s = 300 };
	const void **rts = NULL, **wls = NULL;
	struct stored plan = { 0 };
	int status = H_EXIT_USAGE;
	char rtnames[256], wlnames[256], suites[128];
	runtime_names(rtnames, sizeof rtnames);
	workload_names(wlnames, sizeof wlnames);
	suite_names(suites, sizeof suites);
	a.setv = calloc((size_t)argc + 1, sizeof *a.setv);
	if (!a.setv) {
		h_error("out of memory");
		return H_EXIT_FAILED;
	}

	int rc = parse_run(argc, argv, &a);
	if (rc != 0) {
		status = rc > 0 ? H_EXIT_OK : H_EXIT_USAGE;
		goto out;
	}
	o.run_argc = argc;
	o.run_argv = argv;
	if (a.resume) {
		/* The plan is the first session's command line, parsed again;
		 * only the time limit may change. */
		if (a.given) {
			h_error("--resume takes no other options but --timeout (the plan comes from "
			        "%s/run.json)", a.resume);
			goto out;
		}
		user = a;
		a.setv = NULL; /* user's now */
		if (load_plan(user.resume, &plan) < 0)
			goto out;
		memset(&a, 0, sizeof a);
		a.setv = calloc((size_t)plan.n + 1, sizeof *a.setv);
		if (!a.setv) {
			h_error("out of memory");
			goto out;
		}
		rc = parse_run(plan.n, plan.v, &a);
		if (rc != 0 || a.resume) {
			if (rc == 0)
				h_error("cannot resume '%s': its plan holds --resume", user.resume);
			goto out;
		}
		if (user.timeout)
			a.timeout = user.timeout;
		o.resume = user.resume;
		o.run_argc = plan.n;
		o.run_argv = plan.v;
	}

	if (a.suite) {
		o.suite = h_suite_find(a.suite);
		if (!o.suite) {
			h_error("unknown suite '%s' (choose from: %s)", a.suite, suites);
			goto out;
		}
		/* Each part picks its own; these only narrow them. */
		if (!a.runtime)
			a.runtime = "all";
		if (!a.workload)
			a.workload = "all";
		o.reps = o.suite->reps;
	}
	if (!a.runtime || !a.workload) {
		h_error("run needs --runtime and --workload, or --suite (choose from: %s); see "
		        "concbench run --help", suites);
		goto out;
	}
	o.nrts = resolve("runtime", a.runtime, rtnames, (const void *const *)rt_registry,
	                 rt_name_of, &rts);
	if (o.nrts < 0)
		goto out;
	o.nwls = resolve("workload", a.workload, wlnames, (const void *const *)wl_registry,
	                 wl_name_of, &wls);
	if (o.nwls < 0)
		goto out;
	o.rts = (const struct runtime **)rts;
	o.wls = (const struct workload **)wls;
	if (a.reps && parse_count("--reps", a.reps, 1, 1000, &o.reps) < 0)
		goto out;
	if (a.warmup && parse_count("--warmup", a.warmup, 0, 100, &o.warmup) < 0)
		goto out;
	if (a.timeout && parse_count("--timeout", a.timeout, 1, 86400, &o.timeout_s) < 0)
		goto out;
	if (a.placement) {
		char **items, names[256];
		size_t used = 0;
		names[0] = '\0';
		for (int i = 0; h_placement_names[i]; i++)
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
			                         i ? ", " : "", h_placement_names[i]);
		int n = h_split_list(a.placement, &items);
		if (n == -ENOMEM) {
			h_error("out of memory");
			goto out;
		}
		if (n < 0) {
			h_error("empty placement in --placement '%s' (choose from: %s)", a.placement,
			        names);
			goto out;
		}
		for (int i = 0; i < n; i++)
			if (!h_placement_valid(items[i])) {
				h_error("unknown placement '%s' (choose from: %s)", items[i], names);
				h_strv_free(items);
				goto out;
			}
		h_strv_free(items);
		o.placements = a.placement;
	}
	o.cpus = a.cpus;
	o.client_cpus = a.client_cpus;
	o.out = a.out;

	o.sets = calloc((size_t)a.nsetv + 1, sizeof *o.sets);
	if (!o.sets) {
		h_error("out of memory");
		goto out;
	}
	for (int i = 0; i < a.nsetv; i++) {
		char err[256];
		if (h_set_parse(a.setv[i], &o.sets[i], err, sizeof err) < 0) {
			h_error("%s", err);
			goto out;
		}
		o.nsets++;
		for (int j = 0; j < i; j++)
			if (strcmp(o.sets[j].key, o.sets[i].key) == 0) {
				h_error("parameter '%s' set twice (sweep values as one list: --set %s=A,B)",
				        o.sets[i].key, o.sets[i].key);
				goto out;
			}
	}
	o.argc = full_argc;
	o.argv = full_argv;
	status = h_cmd_run(&o);
out:
	for (int i = 0; i < o.nsets; i++)
		h_set_free(&o.sets[i]);
	free(o.sets);
	free(a.setv);
	free(user.setv);
	h_strv_free(plan.v);
	free(rts);
	free(wls);
	return status;
}

int h_main(int argc, char **argv)
{
	if (argc < 2) {
		h_error("missing command (choose from: run, serve, list, plot, report, compare, help; "
		        "see concbench --help)");
		return H_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && !strcmp(cmd, "help") && !strcmp(argv[2], "run"))
			run_usage(stdout);
		else
			usage(stdout);
		return H_EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		version_print(stdout);
		return H_EXIT_OK;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1, argc, argv);
	if (!strcmp(cmd, "plot"))
		return cmd_plot(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return h_cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return h_cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "serve"))
		return h_cmd_serve(argc - 1, argv + 1);
	h_error("unknown command '%s' (choose from: run, serve, list, plot, report, compare, "
	        "help)", cmd);
	return H_EXIT_USAGE;
}
