/* cmd_run.c — `concbench run`: its options, checked and resolved into a
 * struct h_run_opts for measure's h_cmd_run. With --resume the plan is the
 * first session's command line, read back from DIR/run.json and parsed
 * again. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../measure/measure.h"
#include "cli.h"

void cli_run_usage(FILE *f)
{
	struct cli_names rts, wls, suites;
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
	        "  --reps N            repetitions of each point, 1..1000 (default 5), or auto:\n"
	        "                      at least 5, then more until the headline figure's\n"
	        "                      median has a 95%% interval within --ci-target PCT of\n"
	        "                      it (default 5) or --reps-max N reps ran (default 20);\n"
	        "                      run.json records each point's reps\n"
	        "  --warmup N          unrecorded-in-summary warm-up cells before each point's\n"
	        "                      reps, 0..100 (default 1; results.jsonl marks them);\n"
	        "                      none for a server point with a timed window\n"
	        "                      (requests=0): its warmup_ms warms it in-cell\n"
	        "  --order ORDER       the order cells run in: rounds (default: rep 1 of every\n"
	        "                      point, then rep 2 ..., so slow drift of the machine\n"
	        "                      spreads over every runtime), shuffle[:SEED] (rounds,\n"
	        "                      the runtimes of each round in a seeded order; seed\n"
	        "                      1 unless given) or points (each point's reps back to\n"
	        "                      back); run.json records it\n"
	        "  --placement LIST    where the two tasks of a pair run, swept like --set:\n"
	        "                      same-core, cross-core, unpinned, smt-sibling, same-l3,\n"
	        "                      cross-l3, cross-package (refused when this machine's\n"
	        "                      topology has no such pair; default: unpinned)\n"
	        "  --cpus LIST         OS CPU indexes every cell is bound to, like 0, 0-1 or\n"
	        "                      0,2-3, within this process's CPU affinity (taskset)\n"
	        "                      and cgroup cpuset (default: all of those)\n"
	        "  --client-cpus LIST  where the load generator of the server workloads (echo,\n"
	        "                      http, mixed) runs (default: the last CPU of --cpus; the\n"
	        "                      server gets the others, or shares when none is left)\n"
	        "  --listen ADDR       server workloads listen on ADDR, an IPv4 address of this\n"
	        "                      host (default 127.0.0.1: nothing else is bound unless\n"
	        "                      asked), and their client connects there\n"
	        "  --client-host SPEC  run the server workloads' client on another host:\n"
	        "                      netns:NAME (ip netns exec NAME) or ssh:[USER@]HOST\n"
	        "                      (ssh -o BatchMode=yes), as `concbench load --json`; its\n"
	        "                      figures and host join each cell (client_host)\n"
	        "  --client-bin PATH   concbench on the client host (default: this binary's\n"
	        "                      path)\n"
	        "  --out DIR           output folder, new or empty; created with its parents\n"
	        "                      (default results/YYYYmmdd-HHMMSS)\n"
	        "  --suite NAME        a predefined plan (see `concbench list`): %s.\n"
	        "                      --runtime and --workload narrow it; --set, --reps\n"
	        "                      and --placement override its choices.\n"
	        "  --timeout SEC       per-cell time limit, 1..86400 (default 300); a cell past\n"
	        "                      it is killed and recorded with error \"timeout\"\n"
	        "  --no-reserve        let a cell take the machine's last PIDs and memory.\n"
	        "                      By default each cell stops short of kernel.pid_max,\n"
	        "                      threads-max, pids.max and vm.max_map_count by a reserve\n"
	        "                      (max(2048, 5%%), a quarter of a small limit) and keeps\n"
	        "                      max(1 GiB, 10%%) of memory available, recording the\n"
	        "                      limit with \"reserve\": true. WARNING: without it, other\n"
	        "                      programs cannot fork while such a cell runs\n"
	        "  --count-syscalls    server cells count the server's syscalls (perf_event_open\n"
	        "                      on raw_syscalls:sys_enter, with tracefs mounted): metrics\n"
	        "                      syscalls, syscalls_per_request; off by default, as it\n"
	        "                      slows every syscall on the machine while a cell runs\n"
	        "  --peer nginx        each http point also runs nginx (when installed: a\n"
	        "                      note otherwise) on the server CPUs, one worker per CPU,\n"
	        "                      measured by the same client: runtime peer:nginx\n"
	        "  --resume DIR        finish an interrupted run: the plan comes from\n"
	        "                      DIR/run.json, only the cells missing from\n"
	        "                      DIR/results.jsonl run (only --timeout may go with it)\n"
	        "  -h, --help          this text\n"
	        "\n"
	        "SIGINT or SIGTERM stops after the running cell (a second one stops it too);\n"
	        "run.json then says \"partial\" and --resume DIR completes the run.\n"
	        "\n"
	        "exit status: 0 every cell ok; 1 a cell failed, checksums disagree or the run\n"
	        "was interrupted (every finished cell is still written); 2 bad usage, a\n"
	        "folder another concbench is writing (one writer at a time), or a --resume\n"
	        "whose run.json plans none of the folder's cells\n",
	        cli_runtime_names(&rts), cli_workload_names(&wls, 0), cli_suite_names(&suites));
}

/* ---- parse: the options as strings ---- */

enum { OPT_RUNTIME = 256, OPT_WORKLOAD, OPT_SET, OPT_REPS, OPT_CPUS, OPT_OUT, OPT_SUITE,
       OPT_TIMEOUT, OPT_WARMUP, OPT_PLACEMENT, OPT_RESUME, OPT_CLIENT_CPUS, OPT_NO_RESERVE,
       OPT_ORDER, OPT_PEER, OPT_LISTEN, OPT_CLIENT_HOST, OPT_CLIENT_BIN, OPT_CI_TARGET,
       OPT_REPS_MAX, OPT_COUNT_SYSCALLS };

/* In the order the messages list them. */
static const struct option run_options[] = {
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "set", required_argument, NULL, OPT_SET },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "ci-target", required_argument, NULL, OPT_CI_TARGET },
	{ "reps-max", required_argument, NULL, OPT_REPS_MAX },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "order", required_argument, NULL, OPT_ORDER },
	{ "placement", required_argument, NULL, OPT_PLACEMENT },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "client-cpus", required_argument, NULL, OPT_CLIENT_CPUS },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "client-host", required_argument, NULL, OPT_CLIENT_HOST },
	{ "client-bin", required_argument, NULL, OPT_CLIENT_BIN },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "suite", required_argument, NULL, OPT_SUITE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "no-reserve", no_argument, NULL, OPT_NO_RESERVE },
	{ "count-syscalls", no_argument, NULL, OPT_COUNT_SYSCALLS },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What `run` was given, as strings; checked and resolved below. */
struct run_args {
	const char *runtime, *workload, *reps, *warmup, *timeout, *suite, *cpus, *out;
	const char *placement, *resume, *client_cpus, *order, *peer;
	const char *listen, *client_host, *client_bin;
	const char *ci_target, *reps_max;
	const char **setv;
	int nsetv;
	int no_reserve;
	int count_syscalls;
	int given; /* options other than --resume and --timeout */
};

/* Parses run's options (argv[0] is "run") into a, whose setv has room for
 * argc values. CLI_END, CLI_HELP, or CLI_BAD after a usage error. */
static int parse_run(const struct cli_command *self, int argc, char **argv,
                     struct run_args *a)
{
	struct cli_parser p = { .cmd = self, .opts = run_options, .argc = argc, .argv = argv,
		                .missing = "a value" };
	int c;
	while ((c = cli_next(&p)) > CLI_WORD) {
		a->given += c != OPT_RESUME && c != OPT_TIMEOUT;
		switch (c) {
		case OPT_RUNTIME: a->runtime = p.arg; break;
		case OPT_WORKLOAD: a->workload = p.arg; break;
		case OPT_SET: a->setv[a->nsetv++] = p.arg; break;
		case OPT_REPS: a->reps = p.arg; break;
		case OPT_WARMUP: a->warmup = p.arg; break;
		case OPT_ORDER: a->order = p.arg; break;
		case OPT_PLACEMENT: a->placement = p.arg; break;
		case OPT_CPUS: a->cpus = p.arg; break;
		case OPT_OUT: a->out = p.arg; break;
		case OPT_SUITE: a->suite = p.arg; break;
		case OPT_TIMEOUT: a->timeout = p.arg; break;
		case OPT_RESUME: a->resume = p.arg; break;
		case OPT_CLIENT_CPUS: a->client_cpus = p.arg; break;
		case OPT_NO_RESERVE: a->no_reserve = 1; break;
		case OPT_COUNT_SYSCALLS: a->count_syscalls = 1; break;
		case OPT_PEER: a->peer = p.arg; break;
		case OPT_LISTEN: a->listen = p.arg; break;
		case OPT_CLIENT_HOST: a->client_host = p.arg; break;
		case OPT_CLIENT_BIN: a->client_bin = p.arg; break;
		case OPT_CI_TARGET: a->ci_target = p.arg; break;
		case OPT_REPS_MAX: a->reps_max = p.arg; break;
		}
	}
	return c;
}

/* ---- --resume: the stored plan ---- */

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
		return H_REPORTED;
	}
	snprintf(path, sizeof path, "%s/run.json", dir);
	int rc = h_json_walk_file(path, args_cb, st);
	if (rc == -ENOENT) {
		h_error("cannot resume '%s': no run.json in it (was it written by concbench run?)",
		        dir);
		return H_REPORTED;
	}
	if (rc == -ENOMEM) {
		h_error("out of memory");
		return H_REPORTED;
	}
	if (rc < 0 || st->bad || st->n < 1 || strcmp(st->v[0], "run") != 0) {
		h_error("cannot resume '%s': %s has no readable plan (\"args\")", dir, path);
		return H_REPORTED;
	}
	return 0;
}

/* Replaces a, the --resume command line, by the stored plan parsed again
 * (only the time limit may change); user keeps what was given. 0, or -1
 * after a usage error. */
static int resume_plan(const struct cli_command *self, struct run_args *a,
                       struct run_args *user, struct stored *plan, struct h_run_opts *o)
{
	if (a->given) {
		h_error("--resume takes no other options but --timeout (the plan comes from "
		        "%s/run.json)", a->resume);
		return H_REPORTED;
	}
	*user = *a;
	memset(a, 0, sizeof *a);
	if (load_plan(user->resume, plan) < 0)
		return H_REPORTED;
	a->setv = calloc((size_t)plan->n + 1, sizeof *a->setv);
	if (!a->setv) {
		h_error("out of memory");
		return H_REPORTED;
	}
	int rc = parse_run(self, plan->n, plan->v, a);
	if (rc != CLI_END || a->resume) {
		if (rc == CLI_END)
			h_error("cannot resume '%s': its plan holds --resume", user->resume);
		return H_REPORTED;
	}
	if (user->timeout)
		a->timeout = user->timeout;
	o->resume = user->resume;
	o->run_argc = plan->n;
	o->run_argv = plan->v;
	return 0;
}

/* ---- resolve: the suite, runtimes and workloads ---- */

static int resolve_names(struct run_args *a, struct h_run_opts *o)
{
	struct cli_names suites;
	cli_suite_names(&suites);
	if (a->suite) {
		o->suite = h_suite_find(a->suite);
		if (!o->suite) {
			h_error("unknown suite '%s' (choose from: %s)", a->suite, suites.buf);
			return H_REPORTED;
		}
		/* Each part picks its own; these only narrow them. */
		if (!a->runtime)
			a->runtime = "all";
		if (!a->workload)
			a->workload = "all";
		o->reps = o->suite->reps;
	}
	if (!a->runtime || !a->workload) {
		h_error("run needs --runtime and --workload, or --suite (choose from: %s); see "
		        "concbench run --help", suites.buf);
		return H_REPORTED;
	}
	o->nrts = cli_resolve_runtimes(a->runtime, &o->rts);
	if (o->nrts < 0)
		return H_REPORTED;
	o->nwls = cli_resolve_workloads(a->workload, &o->wls);
	if (o->nwls < 0)
		return H_REPORTED;
	return 0;
}

/* ---- the rest of h_run_opts: numbers, placements, sets ---- */

static int check_placements(const char *list)
{
	struct cli_names names;
	cli_placement_names(&names);
	char **items;
	int n = h_split_list(list, &items);
	if (n == -ENOMEM) {
		h_error("out of memory");
		return H_REPORTED;
	}
	if (n < 0) {
		h_error("empty placement in --placement '%s' (choose from: %s)", list, names.buf);
		return H_REPORTED;
	}
	for (int i = 0; i < n; i++)
		if (!h_placement_valid(items[i])) {
			h_error("unknown placement '%s' (choose from: %s)", items[i], names.buf);
			h_strv_free(items);
			return H_REPORTED;
		}
	h_strv_free(items);
	return 0;
}

/* o->sets from the --set strings; o->nsets counts those to free. */
static int parse_sets(const struct run_args *a, struct h_run_opts *o)
{
	o->sets = calloc((size_t)a->nsetv + 1, sizeof *o->sets);
	if (!o->sets) {
		h_error("out of memory");
		return H_REPORTED;
	}
	for (int i = 0; i < a->nsetv; i++) {
		char err[256];
		if (h_set_parse(a->setv[i], &o->sets[i], err, sizeof err) < 0) {
			h_error("%s", err);
			return H_REPORTED;
		}
		o->nsets++;
		for (int j = 0; j < i; j++)
			if (strcmp(o->sets[j].key, o->sets[i].key) == 0) {
				h_error("parameter '%s' set twice (sweep values as one list: --set %s=A,B)",
				        o->sets[i].key, o->sets[i].key);
				return H_REPORTED;
			}
	}
	return 0;
}

/* --order rounds | shuffle[:SEED] | points. 0 or H_REPORTED. */
static int parse_order(const char *s, struct h_run_opts *o)
{
	o->order_seed = 1;
	if (strcmp(s, "rounds") == 0 || strcmp(s, "points") == 0 || strcmp(s, "shuffle") == 0) {
		o->order = s[0] == 'r' ? H_ORDER_ROUNDS : s[0] == 'p' ? H_ORDER_POINTS
		                                                      : H_ORDER_SHUFFLE;
		return 0;
	}
	int64_t seed;
	if (strncmp(s, "shuffle:", 8) == 0 && h_parse_i64(s + 8, &seed) == 0 && seed >= 0) {
		o->order = H_ORDER_SHUFFLE;
		o->order_seed = (uint64_t)seed;
		return 0;
	}
	h_error("bad --order '%s' (expected rounds, points, shuffle or shuffle:SEED with SEED a "
	        "non-negative integer)", s);
	return H_REPORTED;
}

static int fill_opts(const struct run_args *a, struct h_run_opts *o)
{
	if (a->reps && !strcmp(a->reps, "auto")) {
		o->reps_auto = 1;
		o->ci_target_pct = 5;
		o->reps = 20; /* the cap: the plan holds every rep a point may need */
	} else if (a->reps && cli_count("--reps", a->reps, 1, 1000, &o->reps) < 0) {
		return H_REPORTED;
	}
	if ((a->ci_target || a->reps_max) && !o->reps_auto) {
		h_error("%s needs --reps auto", a->ci_target ? "--ci-target" : "--reps-max");
		return H_REPORTED;
	}
	if (a->reps_max &&
	    cli_count("--reps-max", a->reps_max, H_REPS_AUTO_MIN, 1000, &o->reps) < 0)
		return H_REPORTED;
	if (a->ci_target) {
		char *end;
		double v = strtod(a->ci_target, &end);
		if (end == a->ci_target || *end || !(v > 0) || v > 100) {
			h_error("bad --ci-target '%s' (expected a percentage of the median, over 0 "
			        "and at most 100)",
			        a->ci_target);
			return H_REPORTED;
		}
		o->ci_target_pct = v;
	}
	if (a->warmup && cli_count("--warmup", a->warmup, 0, 100, &o->warmup) < 0)
		return H_REPORTED;
	if (a->timeout && cli_count("--timeout", a->timeout, 1, 86400, &o->timeout_s) < 0)
		return H_REPORTED;
	if (a->order && parse_order(a->order, o) < 0)
		return H_REPORTED;
	if (a->placement) {
		if (check_placements(a->placement) < 0)
			return H_REPORTED;
		o->placements = a->placement;
	}
	o->cpus = a->cpus;
	o->client_cpus = a->client_cpus;
	o->peer = a->peer;
	if (a->listen || a->client_host || a->client_bin) {
		static struct h_net net;
		char err[300];
		if (h_net_parse(a->listen, a->client_host, a->client_bin, &net, err, sizeof err) < 0) {
			h_error("%s", err);
			return H_REPORTED;
		}
		if (a->peer) {
			h_error("--peer runs its client on this host: not with --listen or "
			        "--client-host");
			return H_REPORTED;
		}
		o->net = &net;
	}
	o->no_reserve = a->no_reserve;
	o->count_syscalls = a->count_syscalls;
	o->out = a->out;
	return parse_sets(a, o);
}

int cli_cmd_run(const struct cli_command *self, int argc, char **argv)
{
	struct run_args a = { 0 }, user = { 0 };
	/* 300 s: a 2-worker pool serving 1000 connections × 1000 requests, one
	 * connection per worker at a time, takes 160 s on a 2-core VM. */
	struct h_run_opts o = { .reps = 5, .warmup = 1, .timeout_s = 300 };
	struct stored plan = { 0 };
	int status = H_EXIT_USAGE;

	a.setv = calloc((size_t)argc + 1, sizeof *a.setv);
	if (!a.setv) {
		h_error("out of memory");
		return H_EXIT_FAILED;
	}
	int rc = parse_run(self, argc, argv, &a);
	if (rc != CLI_END) {
		if (rc == CLI_HELP)
			status = H_EXIT_OK;
		goto out;
	}
	o.run_argc = argc;
	o.run_argv = argv;
	if (a.resume && resume_plan(self, &a, &user, &plan, &o) < 0)
		goto out;
	if (resolve_names(&a, &o) < 0 || fill_opts(&a, &o) < 0)
		goto out;
	/* h_main passes argv from the command's name on; the word before it is
	 * the program's: the manifest records the whole line. */
	o.argc = argc + 1;
	o.argv = argv - 1;
	status = h_cmd_run(&o);
out:
	for (int i = 0; i < o.nsets; i++)
		h_set_free(&o.sets[i]);
	free(o.sets);
	free(a.setv);
	free(user.setv);
	h_strv_free(plan.v);
	free(o.rts);
	free(o.wls);
	return status;
}
