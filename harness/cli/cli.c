/* cli.c — the commands, as one table; h_main finds the one named and runs
 * it. Also the top-level help, the version and `list`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../measure/measure.h"
#include "cli.h"

static void version_print(FILE *f)
{
	fprintf(f, "concbench %s (commit %s, %s build, %s)\n", H_VERSION, CB_GIT_COMMIT,
	        CB_BUILD_TYPE, CB_COMPILER);
}

/* The command list below is written by hand, for its layout; the unit test
 * unit_cli checks that it names every listed command of the table. */
void cli_usage(FILE *f)
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
	      "  load HOST:PORT  the load generator alone against any http or echo server:\n"
	      "                  throughput, latency, a results folder (load --help)\n"
	      "  plot DIR        draw DIR/plots/*.svg and *.png from DIR/summary.csv\n"
	      "  report DIR      write DIR/report.html and report.md: every claim judged\n"
	      "                  on DIR's figures (concbench report --help)\n"
	      "  compare A B     run B against run A: ratios B/A, and which exceed the noise\n"
	      "  fleet HOSTS     the same run on every host of a GNU parallel sshloginfile,\n"
	      "                  the folders brought back and compared (fleet --help)\n"
	      "  trace [OPTIONS] measured timelines: when each task of a tiny run ran,\n"
	      "                  waited and woke; DIR/trace/*.csv and their charts\n"
	      "  help [run]      this text, or run's\n"
	      "\n"
	      "options:\n"
	      "  -h, --help      this text\n"
	      "  --version       the version and the git commit it was built from\n"
	      "\n"
	      "exit status: 0 ok; 1 a cell failed or checksums disagree; 2 bad usage, or\n"
	      "a folder that is not a concbench results folder (plot, report, compare)\n",
	      f);
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

static int cmd_list(const struct cli_command *self, int argc, char **argv)
{
	(void)self;
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
			char rts[256] = "";
			size_t n = 0;
			for (const struct runtime *const *r = rt_registry; *r && p->only; r++)
				if (h_suite_part_takes(p, *r) && n + strlen((*r)->name) + 2 < sizeof rts)
					n += (size_t)sprintf(rts + n, "%s%s", n ? "," : "", (*r)->name);
			printf("           %s: --runtime %s --workload %s", p->what,
			       p->only ? rts : p->runtimes, p->workloads);
			for (int i = 0; i < H_SUITE_MAX_SETS && p->sets[i]; i++)
				printf(" --set %s", p->sets[i]);
			if (p->placements)
				printf(" --placement %s", p->placements);
			printf(" --reps %d\n", s->reps);
		}
	}
	return H_EXIT_OK;
}

static int cmd_version(const struct cli_command *self, int argc, char **argv)
{
	(void)self, (void)argc, (void)argv;
	version_print(stdout);
	return H_EXIT_OK;
}

/* --help, -h: the top-level help, whatever follows. */
static int cmd_usage(const struct cli_command *self, int argc, char **argv)
{
	(void)self, (void)argc, (void)argv;
	cli_usage(stdout);
	return H_EXIT_OK;
}

/* help [run]: the top-level help, or run's (the one the help offers). */
static int cmd_help(const struct cli_command *self, int argc, char **argv)
{
	(void)self;
	if (argc > 1 && !strcmp(argv[1], "run"))
		cli_run_usage(stdout);
	else
		cli_usage(stdout);
	return H_EXIT_OK;
}

const struct cli_command cli_commands[] = {
	{ "run", cli_cmd_run, cli_run_usage, 0 },
	{ "serve", cli_cmd_serve, cli_serve_usage, 0 },
	{ "load", cli_cmd_load, cli_load_usage, 0 },
	{ "list", cmd_list, NULL, 0 },
	{ "plot", cli_cmd_plot, cli_plot_usage, 0 },
	{ "report", cli_cmd_report, cli_report_usage, 0 },
	{ "compare", cli_cmd_compare, cli_compare_usage, 0 },
	{ "fleet", cli_cmd_fleet, cli_fleet_usage, 0 },
	{ "trace", cli_cmd_trace, cli_trace_usage, 0 },
	{ "help", cmd_help, cli_usage, 0 },
	{ "--help", cmd_usage, cli_usage, 1 },
	{ "-h", cmd_usage, cli_usage, 1 },
	{ "--version", cmd_version, NULL, 1 },
	{ "version", cmd_version, NULL, 1 },
	{ NULL, NULL, NULL, 0 },
};

int h_main(int argc, char **argv)
{
	struct cli_names choices = { .used = 0 };
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!c->unlisted)
			cli_names_add(&choices, c->name);
	if (argc < 2) {
		h_error("missing command (choose from: %s; see concbench --help)", choices.buf);
		return H_EXIT_USAGE;
	}
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(c, argc - 1, argv + 1);
	h_error("unknown command '%s' (choose from: %s)", argv[1], choices.buf);
	return H_EXIT_USAGE;
}
