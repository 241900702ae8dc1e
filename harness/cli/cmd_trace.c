/* cmd_trace.c — `concbench trace`: its options here, the cells in
 * measure/trace.c, the charts in analysis/plot.c (h_plot_traces). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/analysis.h"
#include "../measure/measure.h"
#include "cli.h"

void cli_trace_usage(FILE *f)
{
	fputs("usage: concbench trace [--runtime LIST] [--workload LIST] [--out DIR]\n"
	      "\n"
	      "Measured timelines: runs one tiny cell per runtime x workload (pingpong of\n"
	      "20 rounds, 4 sleeping tasks, echo and mixed with 2 connections) with the\n"
	      "runtime's recorder on: when each task ran, what it then waited for and when\n"
	      "it was woken, on which thread and CPU, stamped by the runtime. Writes\n"
	      "DIR/trace/RUNTIME-WORKLOAD.csv (results/SCHEMA.md) and draws each as a\n"
	      "timeline, DIR/plots/trace_RUNTIME_WORKLOAD.svg and .png (gnuplot); `report\n"
	      "DIR` shows them. The recorder adds some 100 ns per event: these cells show\n"
	      "what each model does, they are not measurements of its speed.\n"
	      "\n"
	      "  --runtime LIST   comma-separated runtimes, or all (default: the five of\n"
	      "                   claims C1-C12: threads, pool, epoll, coro, coro-ucontext)\n"
	      "  --workload LIST  pingpong, sleep, echo, mixed, or all (default: all)\n"
	      "  --out DIR        the results folder to add trace/ and plots/ to, created\n"
	      "                   with its parents (default results/<YYYYmmdd-HHMMSS>)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "exit status: 0 ok; 1 a cell failed or a chart was not drawn; 2 bad usage\n",
	      f);
}

enum { OPT_RUNTIME = 256, OPT_WORKLOAD, OPT_OUT };

static const struct option trace_options[] = {
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_cmd_trace(const struct cli_command *self, int argc, char **argv)
{
	struct cli_parser p = { .cmd = self, .opts = trace_options, .argc = argc, .argv = argv,
		                .missing = "a value" };
	const char *rtl = "threads,pool,epoll,coro,coro-ucontext";
	const char *wll = "pingpong,sleep,echo,mixed";
	struct h_trace_opts o = { .timeout_s = 20 };
	int c;
	while ((c = cli_next(&p)) > CLI_WORD) {
		switch (c) {
		case OPT_RUNTIME: rtl = p.arg; break;
		case OPT_WORKLOAD: wll = strcmp(p.arg, "all") == 0 ? wll : p.arg; break;
		case OPT_OUT: o.out = p.arg; break;
		}
	}
	if (c == CLI_HELP)
		return H_EXIT_OK;
	if (c == CLI_BAD)
		return H_EXIT_USAGE;
	const struct runtime **rts = NULL;
	const struct workload **wls = NULL;
	int status = H_EXIT_USAGE;
	o.nrts = cli_resolve_runtimes(rtl, &rts);
	if (o.nrts < 0)
		goto out;
	o.nwls = cli_resolve_workloads(wll, &wls);
	if (o.nwls < 0)
		goto out;
	o.rts = rts;
	o.wls = wls;
	for (int w = 0; w < o.nwls; w++) {
		int known = 0;
		for (const char *const *n = h_trace_workloads; *n; n++)
			known |= strcmp(*n, wls[w]->name) == 0;
		if (!known) {
			h_error("trace has no tiny size for workload '%s' (choose from: pingpong, "
			        "sleep, echo, mixed)", wls[w]->name);
			goto out;
		}
	}
	char dir[4096];
	status = h_cmd_trace(&o, dir, sizeof dir);
	if (status != H_EXIT_USAGE && h_plot_traces(dir) < 0)
		status = H_EXIT_FAILED;
out:
	free(rts);
	free(wls);
	return status;
}
