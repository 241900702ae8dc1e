/* cli.h — the top layer: the only code that reads a command line. Uses
 * measure/, analysis/ and base/; nothing includes this header but the cli
 * files, main.c and the CLI tests.
 *
 *   cli.c          the command table, h_main, the top-level help, version, list
 *   options.c      what every command shares: getopt_long's loop and its
 *                  messages, name lists, runtime/workload lists resolved
 *   cmd_run.c      run
 *   cmd_serve.c    serve
 *   cmd_load.c     load
 *   cmd_analysis.c plot, report, compare
 *   cmd_fleet.c    fleet
 *   cmd_trace.c    trace
 *
 * Every bad input ends here as one line on stderr naming the valid choices,
 * and exit status 2 (H_EXIT_USAGE).
 */
#ifndef CONCBENCH_CLI_H
#define CONCBENCH_CLI_H

#if defined(CB_LAYER_BASE) || defined(CB_LAYER_MEASURE) || defined(CB_LAYER_ANALYSIS)
#error "cli.h: only the cli layer includes it"
#endif

#include <getopt.h>
#include <stdio.h>

#define H_VERSION "0.1.0"

struct runtime;
struct workload;

int h_main(int argc, char **argv);

/* ---- cli.c: the commands ---- */

struct cli_command {
	const char *name;
	/* argv[0] is the command's name; returns the exit status. */
	int (*fn)(const struct cli_command *self, int argc, char **argv);
	/* What `COMMAND --help` prints; NULL when the command has none. */
	void (*usage)(FILE *f);
	/* Another spelling (--help, -h, version, --version), not offered
	 * among the choices when a command is missing or unknown. */
	int unlisted;
};
extern const struct cli_command cli_commands[]; /* ends at name == NULL */
/* The top-level help: `concbench --help`. */
void cli_usage(FILE *f);

int cli_cmd_run(const struct cli_command *self, int argc, char **argv);
void cli_run_usage(FILE *f);
int cli_cmd_serve(const struct cli_command *self, int argc, char **argv);
void cli_serve_usage(FILE *f);
int cli_cmd_load(const struct cli_command *self, int argc, char **argv);
void cli_load_usage(FILE *f);
int cli_cmd_plot(const struct cli_command *self, int argc, char **argv);
void cli_plot_usage(FILE *f);
int cli_cmd_report(const struct cli_command *self, int argc, char **argv);
void cli_report_usage(FILE *f);
int cli_cmd_compare(const struct cli_command *self, int argc, char **argv);
void cli_compare_usage(FILE *f);
int cli_cmd_fleet(const struct cli_command *self, int argc, char **argv);
void cli_fleet_usage(FILE *f);
int cli_cmd_trace(const struct cli_command *self, int argc, char **argv);
void cli_trace_usage(FILE *f);

/* ---- options.c: parsing shared by every command ---- */

/* "a, b, c": the names a message offers as choices, built one by one. */
struct cli_names {
	char buf[512];
	size_t used;
};

/* getopt_long's loop over one command's options, with the messages every
 * command gives: a missing value, an unknown option, a stray word, and
 * --help (the command's usage on stdout). Set the first fields, then call
 * cli_next until it returns CLI_END, CLI_HELP or CLI_BAD. */
struct cli_parser {
	const struct cli_command *cmd; /* its name in the messages, its usage */
	const struct option *opts;     /* ends at name == NULL; "help" has val 'h' */
	int argc;                      /* argv[0] is the command's name */
	char **argv;
	const char *missing; /* what a missing value is called: "a value" */
	/* Words between and after the options come back as CLI_WORD
	 * (compare's folders); otherwise a word is a usage error. */
	int words;
	/* An unknown option is named by its letter when getopt has one ("-x",
	 * and "--help=3" as '-h': run, serve); with name_by_word by the word
	 * getopt last stepped past (compare). */
	int name_by_word;

	const char *arg;        /* after an option: its value; after CLI_WORD: the word */
	struct cli_names names; /* "--a, --b, --help", from opts, for the messages */
	int rest;               /* getopt is done ("--"): only words are left */
};
enum {
	CLI_END = 0,   /* no more options */
	CLI_WORD = 1,  /* a word that is no option (p->words) */
	CLI_HELP = -1, /* the usage was printed: exit 0 */
	CLI_BAD = -2,  /* one line on stderr: exit 2 */
};
/* The next option's val (with its value in p->arg), or one of the above. */
int cli_next(struct cli_parser *p);

void cli_names_add(struct cli_names *n, const char *name);
const char *cli_runtime_names(struct cli_names *n);
const char *cli_workload_names(struct cli_names *n, int servers_only);
const char *cli_suite_names(struct cli_names *n);
const char *cli_placement_names(struct cli_names *n);

/* A --runtime or --workload list ("all" selects everything) resolved
 * against rt_registry or wl_registry: *out gets a NULL-ended array to free,
 * the count is returned; H_REPORTED after a usage error. */
int cli_resolve_runtimes(const char *list, const struct runtime ***out);
int cli_resolve_workloads(const char *list, const struct workload ***out);

/* A whole number in [min, max] for option `opt`, or H_REPORTED after the message. */
int cli_count(const char *opt, const char *s, int min, int max, int *out);

/* 0 when dir is a folder with a readable summary.csv, else H_REPORTED after the
 * message (plot, report, compare). */
int cli_results_dir(const char *dir);

#endif
