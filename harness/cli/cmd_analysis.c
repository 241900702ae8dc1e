/* cmd_analysis.c — the commands that read a results folder: plot, report
 * and compare. Their arguments are checked here; the drawing, the report
 * and the comparison are analysis/'s. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
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
	fputs("usage: concbench report DIR\n\n"
	      "Writes DIR/report.html (one self-contained file: charts inline, nothing\n"
	      "fetched) and DIR/report.md (linking DIR/plots/*.png): a verdict on each\n"
	      "claim C1-C12 about threads, pools and async, computed from DIR's figures,\n"
	      "with the figures and the rule beside it; which model to pick for which\n"
	      "job; and the machine. Draws the charts first (concbench plot) when\n"
	      "DIR/plots lacks them; without gnuplot the report has the tables and says\n"
	      "why the charts are missing.\n"
	      "\n"
	      "exit status: 0 ok; 1 the report not written; 2 bad usage, or a folder\n"
	      "that is not a concbench results folder\n",
	      f);
}

void cli_compare_usage(FILE *f)
{
	fputs("usage: concbench compare DIR1 DIR2 [--out DIR]\n"
	      "\n"
	      "Puts two runs side by side (two machines, two commits): for every runtime x\n"
	      "workload x params x metric row in both DIR1/summary.csv and DIR2/summary.csv,\n"
	      "the two medians, the ratio DIR2/DIR1 and whether the difference is beyond\n"
	      "the noise (the min-max ranges of the reps do not overlap, neither row is\n"
	      "noisy, and both have two reps or more). Writes compare.csv, compare.md,\n"
	      "compare.html (one self-contained file) and a chart of the headline ratios,\n"
	      "compare.svg and compare.png, into the output folder; files of an earlier\n"
	      "comparison there are replaced.\n"
	      "\n"
	      "  --out DIR   output folder, created with its parents\n"
	      "              (default DIR2/compare-<name of DIR1>)\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Two runs with no row in common are compared anyway (a note on stderr, every\n"
	      "row listed as its run's own). The same folder twice gives ratios of 1.\n"
	      "\n"
	      "exit status: 0 ok; 1 a summary could not be read or an output not written\n"
	      "(gnuplot missing included); 2 bad usage, or a folder that is not a\n"
	      "concbench results folder (no summary.csv, or one concbench did not write)\n",
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
	int status;
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
	int rc = h_report_write(dir);
	if (rc == -EINVAL)
		return H_EXIT_USAGE; /* a summary.csv or results.jsonl that is not ours */
	return rc < 0 ? H_EXIT_FAILED : H_EXIT_OK;
}

static const struct option compare_options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_cmd_compare(const struct cli_command *self, int argc, char **argv)
{
	struct h_compare_opts o = { NULL, NULL, NULL };
	const char **dir[2] = { &o.a, &o.b };
	int ndir = 0;
	/* Options may come before or after the folders. */
	struct cli_parser p = { .cmd = self, .opts = compare_options, .argc = argc, .argv = argv,
		                .missing = "a folder", .words = 1, .name_by_word = 1 };
	int c;
	while ((c = cli_next(&p)) != CLI_END) {
		switch (c) {
		case CLI_HELP: return H_EXIT_OK;
		case CLI_BAD: return H_EXIT_USAGE;
		case CLI_WORD:
			if (ndir == 2) {
				h_error("compare takes two results folders (got '%s' too)", p.arg);
				return H_EXIT_USAGE;
			}
			*dir[ndir++] = p.arg;
			break;
		case 'o':
			if (!p.arg[0] || strncmp(p.arg, "--", 2) == 0) {
				h_error("option '--out' needs a folder");
				return H_EXIT_USAGE;
			}
			o.out = p.arg;
			break;
		}
	}
	if (ndir < 2) {
		h_error("compare needs two results folders (usage: concbench compare DIR1 DIR2 "
		        "[--out DIR])");
		return H_EXIT_USAGE;
	}
	if (cli_results_dir(o.a) < 0 || cli_results_dir(o.b) < 0)
		return H_EXIT_USAGE;
	return h_compare(&o);
}
