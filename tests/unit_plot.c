/* unit_plot: h_plot draws the switch and memory charts from a synthetic
 * summary.csv as real SVG and PNG files, picks the rows the charts document
 * (most rounds per runtime; one line per runtime over task counts), skips a
 * chart without data, and reports a missing summary (-ENOENT), a path gnuplot
 * cannot be given (-EINVAL) and a failing gnuplot script (an error, no
 * half-written chart). Exits 77 when gnuplot is not installed, after the
 * checks that do not need it. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/harness.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #c);                                 \
			exit(1);                                               \
		}                                                              \
	} while (0)

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	CHECK(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs(text, f);
	CHECK(fclose(f) == 0);
}

/* The first len bytes of dir/name; the file's size, or -1 when absent. */
static long head(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	memset(buf, 0, len);
	size_t got = fread(buf, 1, len - 1, f);
	(void)got;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	return size;
}

static bool exists(const char *dir, const char *name)
{
	char buf[8];
	return head(dir, name, buf, sizeof buf) >= 0;
}

static void check_svg(const char *dir, const char *name)
{
	char buf[4096];
	long size = head(dir, name, buf, sizeof buf);
	CHECK(size > 0);
	CHECK(strncmp(buf, "<?xml", 5) == 0 || strstr(buf, "<svg"));
}

static void check_png(const char *dir, const char *name)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	char buf[64];
	long size = head(dir, name, buf, sizeof buf);
	CHECK(size > 1000); /* a drawn 800x500 chart, not an empty image */
	CHECK(memcmp(buf, sig, sizeof sig) == 0);
}

/* The data file line that starts with prefix, or NULL. */
static char *dat_line(const char *dir, const char *name, const char *prefix, char *out, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	CHECK(f);
	char *found = NULL;
	while (!found && fgets(out, (int)len, f))
		if (strncmp(out, prefix, strlen(prefix)) == 0)
			found = out;
	fclose(f);
	return found;
}

static bool have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* The byte offset of the line starting with prefix in dir/name, or -1. */
static long dat_offset(const char *dir, const char *name, const char *prefix)
{
	char path[512], line[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	CHECK(f);
	long off = -1;
	for (long pos = ftell(f); off < 0 && fgets(line, sizeof line, f); pos = ftell(f))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			off = pos;
	fclose(f);
	return off;
}

/* threads was measured at two round counts: the chart must show the one
 * with more rounds (median 2100), not the first listed (9999). Lines of
 * other workloads and metrics must be ignored. */
static const char summary[] =
	H_SUMMARY_HEADER "\n"
	"threads,pingpong,rounds=1000,ns_per_switch,ns,5,9999,9000,11000,0.05,0\n"
	"threads,pingpong,rounds=100000,ns_per_switch,ns,5,2100,1900,2600,0.05,0\n"
	"threads,pingpong,rounds=100000,wall_ns,ns,5,4.2e8,4.1e8,4.4e8,0.05,0\n"
	"pool,pingpong,rounds=100000;workers=2,ns_per_switch,ns,5,2500,2300,3100,0.05,0\n"
	"coro,pingpong,rounds=100000;stack_kib=64,ns_per_switch,ns,5,18.5,17.9,21.2,0.05,0\n"
	"threads,sleep,tasks=100;ms=50,mem_per_task_kib,KiB,3,40.1,36.0,44.5,0.05,0\n"
	"threads,sleep,tasks=1000;ms=50,mem_per_task_kib,KiB,3,30.4,29.8,31.5,0.05,0\n"
	"threads,sleep,tasks=10000;ms=50,mem_per_task_kib,KiB,3,28.2,28.0,28.9,0.05,0\n"
	"coro,sleep,tasks=10000;ms=50;stack_kib=64,mem_per_task_kib,KiB,3,8.3,8.2,8.4,0.05,0\n"
	"coro,sleep,tasks=100;ms=50;stack_kib=64,mem_per_task_kib,KiB,3,12.0,9.5,14.2,0.05,0\n"
	"coro,sleep,tasks=1000;ms=50;stack_kib=64,mem_per_task_kib,KiB,3,8.9,8.6,9.4,0.05,0\n"
	"cpu,cpu,work=1000,iters_per_us,iters/us,5,120,110,130,0.05,0\n";

int main(void)
{
	char dir[] = "/tmp/unit_plot.XXXXXX";
	CHECK(mkdtemp(dir));

	/* No summary.csv: -ENOENT, whether or not gnuplot exists. */
	CHECK(h_plot(dir) == -ENOENT);
	/* A header that is not ours is refused rather than misread. */
	write_file(dir, "summary.csv", "a,b,c\n1,2,3\n");
	CHECK(h_plot(dir) == -EINVAL);
	/* A summary with no chart's data draws nothing and is not an error,
	 * even without gnuplot. */
	write_file(dir, "summary.csv",
	           H_SUMMARY_HEADER "\ncpu,cpu,work=1000,iters_per_us,iters/us,5,120,110,130,0.05,0\n");
	CHECK(h_plot(dir) == 0);
	CHECK(!exists(dir, "plots/switch.svg") && !exists(dir, "plots/memory.svg"));

	if (!have_gnuplot()) {
		rm_tree(dir);
		fprintf(stderr, "unit_plot: gnuplot not installed: skip\n");
		return 77;
	}

	write_file(dir, "summary.csv", summary);
	CHECK(h_plot(dir) == 0);
	check_svg(dir, "plots/switch.svg");
	check_svg(dir, "plots/memory.svg");
	check_png(dir, "plots/switch.png");
	check_png(dir, "plots/memory.png");

	char line[512];
	CHECK(dat_line(dir, "plots/switch.dat", "\"threads\" 2100 ", line, sizeof line));
	CHECK(!dat_line(dir, "plots/switch.dat", "\"threads\" 9999", line, sizeof line));
	CHECK(dat_line(dir, "plots/switch.dat", "\"pool\" 2500 ", line, sizeof line));
	CHECK(dat_line(dir, "plots/switch.dat", "\"coro\" 18.5 ", line, sizeof line));
	/* Memory: a block per runtime, points in task order. */
	CHECK(dat_line(dir, "plots/memory.dat", "tasks \"threads\"", line, sizeof line));
	CHECK(dat_line(dir, "plots/memory.dat", "tasks \"coro\"", line, sizeof line));
	/* coro's rows come unsorted in the summary; a line needs them in order. */
	long c100 = dat_offset(dir, "plots/memory.dat", "100 12 9.5 14.2 3");
	long c1000 = dat_offset(dir, "plots/memory.dat", "1000 8.9 8.6 9.4 3");
	long c10000 = dat_offset(dir, "plots/memory.dat", "10000 8.3 8.2 8.4 3");
	CHECK(c100 > 0 && c100 < c1000 && c1000 < c10000);

	/* Only one chart's data: the other is skipped, and its old files are
	 * not what is being checked, so start from an empty plots/. */
	char sub[600];
	snprintf(sub, sizeof sub, "%s/plots", dir);
	rm_tree(sub);
	write_file(dir, "summary.csv",
	           H_SUMMARY_HEADER "\n"
	           "threads,sleep,tasks=1000;ms=50,mem_per_task_kib,KiB,3,30.4,29.8,31.5,0.05,0\n"
	           "epoll,sleep,tasks=1000;ms=50,mem_per_task_kib,KiB,3,0.9,0.8,1.1,0.05,0\n");
	CHECK(h_plot(dir) == 0);
	check_svg(dir, "plots/memory.svg"); /* one task count: bars */
	check_png(dir, "plots/memory.png");
	CHECK(!exists(dir, "plots/switch.svg"));

	/* A failing script is an error and leaves no chart behind, even when
	 * it drew something before failing (its exit status decides). */
	char gpdir[] = "/tmp/unit_plot_gp.XXXXXX";
	CHECK(mkdtemp(gpdir));
	write_file(gpdir, "memory.gp",
	           "set terminal svg\nset output outfile\nplot datafile index 0 using 1:2\n"
	           "set output\nplot datafile using 1:(no_such_function($2))\n");
	CHECK(setenv("CONCBENCH_PLOTS", gpdir, 1) == 0);
	rm_tree(sub);
	CHECK(h_plot(dir) < 0);
	CHECK(!exists(dir, "plots/memory.svg") && !exists(dir, "plots/memory.png"));
	CHECK(unsetenv("CONCBENCH_PLOTS") == 0);
	rm_tree(gpdir);

	/* A results folder whose path holds a single quote cannot be passed to
	 * gnuplot -e: -EINVAL, nothing drawn. */
	char quoted[] = "/tmp/unit_plot'q.XXXXXX";
	CHECK(mkdtemp(quoted));
	write_file(quoted, "summary.csv", summary);
	CHECK(h_plot(quoted) == -EINVAL);
	rm_tree(quoted);

	rm_tree(dir);
	return 0;
}
