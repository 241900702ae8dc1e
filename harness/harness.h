/* harness.h — the harness's internal interfaces. The harness is the only
 * module that knows both runtimes and workloads (through their registries). */
#ifndef CONCBENCH_HARNESS_H
#define CONCBENCH_HARNESS_H

#include <stdio.h>
#include <stdint.h>
#include <hwloc.h>

#include "../workloads/workload.h"

/* Exit statuses of the CLI. */
enum { H_EXIT_OK = 0, H_EXIT_FAILED = 1, H_EXIT_USAGE = 2 };

/* json.c: just enough JSON to write results and manifests. */
void h_json_str(FILE *f, const char *s);           /* a quoted, escaped string; null for NULL */
void h_json_num(FILE *f, double v);                /* a number; null for NaN/inf */
/* Reads a JSON file's top-level string or number field `key` into out
 * (numbers as written); returns 0, or -ENOENT when absent. Good enough for
 * the flat objects the harness itself writes. */
int h_json_get(const char *line, const char *key, char *out, size_t outlen);

/* manifest.c: writes DIR/manifest.json, the environment every result needs:
 * CPU model, hwloc topology summary, kernel, virtual machine or not, resource
 * limits, compiler and flags, git commit, the command line, the cpuset. */
int h_manifest_write(const char *dir, int argc, char **argv, hwloc_topology_t topo,
                     hwloc_const_cpuset_t cpuset);

/* plot.c: reads DIR/summary.csv and draws DIR/plots/<chart>.svg and .png with
 * the gnuplot scripts under plots/ (found at CB_SOURCE_DIR/plots, or
 * $CONCBENCH_PLOTS). Prints one line per chart written. 0 or a negative errno;
 * a missing gnuplot is -ENOENT with a message naming the package. */
int h_plot(const char *dir);
/* Runs `gnuplot -e "datafile='DAT'; outfile='OUT'; fmt='FMT'" SCRIPT` (the
 * convention of plots/common.gp) and checks OUT was written, removing it
 * otherwise. 0, -ENOENT without gnuplot, -EINVAL for a path gnuplot's -e
 * cannot quote, -EIO when gnuplot fails; one line on stderr for each. */
int h_gnuplot_draw(const char *script, const char *dat, const char *out, const char *fmt);
/* The first executable regular file named prog along $PATH (an empty entry
 * is the current folder; no PATH: /usr/local/bin:/usr/bin:/bin), into out:
 * 1, or 0 when there is none. */
int h_find_in_path(const char *prog, char *out, size_t len);

/* compare.c: `concbench compare DIR1 DIR2 [--out DIR]` (argv[0] is
 * "compare"); returns the exit status. */
int h_cmd_compare(int argc, char **argv);

/* summary.csv is long format, one row per runtime × workload × parameter
 * point × metric, so a chart can select the rows it needs:
 *   runtime,workload,params,metric,unit,n,median,min,max,cov,noisy
 * params is "k=v;k=v" in declaration order (workload's, then runtime's),
 * then placement=NAME when --placement chose it. Core metrics (wall_ns,
 * cpu_user_ns, ...), kernel counters and memory at peak appear as metrics
 * too. cov is the coefficient of variation over the reps (empty for fewer
 * than two); noisy is 1 when it exceeds 10%. Memory-per-task fits add rows
 * mem_slope_*_kib_per_task and mem_slope_*_r2 whose params leave out tasks. */
#define H_SUMMARY_HEADER "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy"

#endif
