/* cmd_analysis.c — the commands that read a results folder: plot, report
 * and compare. Their arguments are checked here; the drawing, the report
 * and the comparison are analysis/'s. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/analysis.h"
#include "cli.h"

void cli_plot_usage(FILE *f)
{
	fputs("usage: concbench plot DIR\n\n"
	      "Draws DIR/plots/<chart>.svg and .png from DIR/summary.csv with gnuplot.\n"
	      "\n"
	      "exit status: 0 ok; 1 a chart not drawn (gnuplot missing included); 2 bad\n"
	      "usage, or a folder that is not a concbench results folder\n",
	      f);
}

void cli_report_usage(FILE *f)
{
	fputs("usage: concbench report DIR [--slides]\n\n"
	      "Writes DIR/report.html (one self-contained file: charts inline, nothing\n"
	      "fetched) and DIR/report.md (linking DIR/plots/*.png): a verdict on each\n"
	      "claim C1-C12 about threads, pools and async, computed from DIR's figures,\n"
	      "with the figures and the rule beside it; which model to pick for which\n"
	      "job; and the machine. Draws the charts first (concbench plot) when\n"
	      "DIR/plots lacks them; without gnuplot the report has the tables and says\n"
	      "why the charts are missing.\n"
	      "\n"
	      "  --slides    instead, DIR/slides/c1.html ... c12.html: one self-contained\n"
	      "              page per claim for a projector (takeaway, verdict, one chart,\n"
	      "              three figures)\n"
	      "\n"
	      "exit status: 0 ok; 1 the report not written; 2 bad usage, or a folder\n"
	      "that is not a concbench results folder\n",
	      f);
}

void cli_compare_usage(FILE *f)
{
	fputs("usage: concbench compare DIR1 DIR2 [DIR3 ...] [--out DIR] [--fail-if-worse PCT]\n"
	      "\n"
	      "Puts runs side by side (machines, commits): for every runtime x workload x\n"
	      "params x metric row in both DIR1/summary.csv and DIRk/summary.csv, the two\n"
	      "medians, the ratio DIRk/DIR1 and whether the difference is significant.\n"
	      "When both folders hold results.jsonl, the ratio gets a 95% interval (a\n"
	      "seeded bootstrap over both runs' repetitions) and the call is a two-sided\n"
	      "Mann-Whitney U test at 5% (it needs 4 reps a side to ever say yes); with\n"
	      "a summary.csv alone, the min-max ranges of the reps must not overlap,\n"
	      "neither row be noisy, and both have two reps or more. Writes compare.csv,\n"
	      "compare.json, compare.md, compare.html (one self-contained file) and a\n"
	      "chart of the headline ratios, compare.svg and compare.png, into the output\n"
	      "folder; files of an earlier comparison there are replaced. More than two\n"
	      "folders (at most 8): each against DIR1, one column per run.\n"
	      "\n"
	      "  --out DIR              output folder, created with its parents\n"
	      "                         (default DIRlast/compare-<name of DIR1>)\n"
	      "  --fail-if-worse PCT    exit 1 when a headline figure is significantly\n"
	      "                         worse than DIR1's by more than PCT percent (a time\n"
	      "                         or memory above 1+PCT/100 times, a rate below\n"
	      "                         1-PCT/100 times): a regression gate for CI\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "Runs with no row in common are compared anyway (a note on stderr, every\n"
	      "row listed as its run's own). The same folder twice gives ratios of 1.\n"
	      "\n"
	      "exit status: 0 ok; 1 a summary could not be read, an output not written\n"
	      "(gnuplot missing included), or a regression under --fail-if-worse; 2 bad\n"
	      "usage, or a folder that is not a concbench results folder (no summary.csv,\n"
	      "or a summary.csv or results.jsonl concbench did not write)\n",
	      f);
}

/* `plot DIR`, `report DIR`: the one folder, or NULL with *status set (the
 * usage printed after a lone --help or -h; any other word is a folder). */
static const char *one_folder(const struct cli_command *self, int argc, char **argv,
                              int *status)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		self->usage(stdout);
		*status = H_EXIT_OK;
		return NULL;
	}
	*status = H_EXIT_USAGE;
	if (argc < 2) {
		h_error("%s needs a results folder (usage: concbench %s DIR)", self->name,
		        self->name);
		return NULL;
	}
	if (argc > 2) {
		h_error("%s takes one results folder (got '%s' too)", self->name, argv[2]);
		return NULL;
	}
	return argv[1];
}

int cli_cmd_plot(const struct cli_command *self, int argc, char **argv)
{
	int status;
	const char *dir = one_folder(self, argc, argv, &status);
	if (!dir)
		return status;
	if (cli_results_dir(dir) < 0)
		return H_EXIT_USAGE;
	int rc = h_plot(dir);
	/* A summary.csv that is not ours (or a path gnuplot cannot be given):
	 * bad input, as for report and compare; the reader has said why. */
	if (rc == -EINVAL)
		return H_EXIT_USAGE;
	if (rc < 0) {
		h_error("plotting '%s' failed: %s", dir, strerror(-rc));
		return H_EXIT_FAILED;
	}
	return H_EXIT_OK;
}

int cli_cmd_report(const struct cli_command *self, int argc, char **argv)
{
	int status, slides = 0;
	/* --slides, before or after the folder: dropped from the words. */
	char *words[3] = { argv[0], NULL, NULL };
	int nw = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--slides"))
			slides = 1;
		else if (nw < 3)
			words[nw++] = argv[i];
		else
			nw++;
	}
	if (nw > 3) {
		h_error("report takes one results folder (got '%s' too)", words[2]);
		return H_EXIT_USAGE;
	}
	argc = nw;
	argv = words;
	const char *arg = one_folder(self, argc, argv, &status);
	if (!arg)
		return status;
	/* "results/x/" and "results/x" name one folder: one spelling in the
	 * paths the report prints. */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", arg);
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	if (cli_results_dir(dir) < 0 || h_report_writable(dir) < 0)
		return H_EXIT_USAGE;
	int rc = slides ? h_report_slides(dir) : h_report_write(dir);
	if (rc == -EINVAL)
		return H_EXIT_USAGE; /* a summary.csv or results.jsonl that is not ours */
	return rc < 0 ? H_EXIT_FAILED : H_EXIT_OK;
}

static const struct option compare_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "fail-if-worse", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_cmd_compare(const struct cli_command *self, int argc, char **argv)
{
	struct h_compare_opts o = { .n = 0, .out = NULL, .fail_pct = NAN };
	/* Options may come before or after the folders. */
	struct cli_parser p = { .cmd = self, .opts = compare_options, .argc = argc, .argv = argv,
		                .missing = "a folder", .words = 1, .name_by_word = 1 };
	int c;
	while ((c = cli_next(&p)) != CLI_END) {
		switch (c) {
		case CLI_HELP: return H_EXIT_OK;
		case CLI_BAD: return H_EXIT_USAGE;
		case CLI_WORD:
			if (o.n == H_COMPARE_MAX_RUNS) {
				h_error("compare takes at most %d results folders (got '%s' too)",
				        H_COMPARE_MAX_RUNS, p.arg);
				return H_EXIT_USAGE;
			}
			o.dir[o.n++] = p.arg;
			break;
		case 'o':
			if (!p.arg[0] || strncmp(p.arg, "--", 2) == 0) {
				h_error("option '--out' needs a folder");
				return H_EXIT_USAGE;
			}
			o.out = p.arg;
			break;
		case 'f': {
			char *end;
			errno = 0;
			double v = strtod(p.arg, &end);
			if (!p.arg[0] || *end || errno || !isfinite(v) || v < 0) {
				h_error("option '--fail-if-worse' needs a percentage, 0 or more (got '%s')",
				        p.arg);
				return H_EXIT_USAGE;
			}
			o.fail_pct = v;
			break;
		}
		}
	}
	if (o.n < 2) {
		h_error("compare needs two results folders or more (usage: concbench compare DIR1 "
		        "DIR2 [DIR3 ...] [--out DIR] [--fail-if-worse PCT])");
		return H_EXIT_USAGE;
	}
	for (int k = 0; k < o.n; k++)
		if (cli_results_dir(o.dir[k]) < 0)
			return H_EXIT_USAGE;
	return h_compare(&o);
}
