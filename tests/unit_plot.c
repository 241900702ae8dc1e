/* unit_plot: h_plot draws every chart of issue 5 from a synthetic
 * summary.csv (switch, switch_pipes, memory, sleep_tasks, sleep_overlap,
 * efficiency, conns_echo, conns_http, latency_echo, latency_http, mixed,
 * file) as a well-formed SVG and an 800-pixel-wide PNG, and writes the rows
 * each chart documents into its .dat: the most rounds per placement, a gap
 * for a placement not measured, "epoll (loops=2)" beside loops=1, the
 * latency spectrum at the largest connection count every series has,
 * efficiency against the one-CPU baseline, the memory slopes. A chart
 * without rows is skipped with a line on stdout and its stale files
 * removed; a missing summary is -ENOENT, a path gnuplot cannot be given
 * -EINVAL, a failing script an error with no half-written chart. Exits 77
 * when gnuplot is not installed, after the checks that do not need it.
 *
 * The validators are tried on bad files first (a truncated SVG, a PNG of
 * the wrong width): a check that cannot fail proves nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/analysis/analysis.h"

#include "tests/check.h"

static const char *const all_charts[] = {
	"switch",     "switch_pipes", "memory",       "sleep_tasks",
	"sleep_overlap", "efficiency", "conns_echo",  "conns_http",
	"latency_echo", "latency_http", "mixed",       "file",
};
#define NCHARTS (sizeof all_charts / sizeof all_charts[0])

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

/* Whether dir/name is a non-empty, well-formed XML document whose root is
 * <svg>: python3's XML parser, else xmllint, else (neither installed) the
 * first bytes only. The paths are mkdtemp's: no shell quoting needed. */
static bool valid_svg(const char *dir, const char *name)
{
	char buf[4096], cmd[1200];
	long size = head(dir, name, buf, sizeof buf);
	if (size <= 0 || !strstr(buf, "<svg"))
		return false;
	if (t_have("python3"))
		snprintf(cmd, sizeof cmd,
		         "python3 -c 'import sys, xml.etree.ElementTree as E; "
		         "r = E.parse(sys.argv[1]).getroot(); "
		         "sys.exit(r.tag not in (\"svg\", \"{http://www.w3.org/2000/svg}svg\"))' "
		         "%s/%s 2>/dev/null",
		         dir, name);
	else if (t_have("xmllint"))
		snprintf(cmd, sizeof cmd,
		         "xmllint --noout %s/%s 2>/dev/null && "
		         "xmllint --xpath 'name(/*)' %s/%s 2>/dev/null | grep -qx svg",
		         dir, name, dir, name);
	else
		return true;
	return system(cmd) == 0;
}

static unsigned be32(const unsigned char *p)
{
	return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* Whether dir/name is a PNG (signature, then an IHDR chunk first) of the
 * given width and a non-zero height, and big enough to hold a drawing. */
static bool valid_png(const char *dir, const char *name, unsigned width)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	unsigned char buf[64];
	long size = head(dir, name, (char *)buf, sizeof buf);
	return size > 1000 && memcmp(buf, sig, sizeof sig) == 0 && be32(buf + 8) == 13 &&
	       memcmp(buf + 12, "IHDR", 4) == 0 && be32(buf + 16) == width && be32(buf + 20) > 0;
}

/* The data file line that starts with prefix, or NULL. */
static char *dat_line(const char *dir, const char *name, const char *prefix, char *out, size_t len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	REQUIRE(f);
	char *found = NULL;
	while (!found && fgets(out, (int)len, f))
		if (strncmp(out, prefix, strlen(prefix)) == 0)
			found = out;
	fclose(f);
	return found;
}

static bool has_line(const char *dir, const char *name, const char *prefix)
{
	char line[1024];
	return dat_line(dir, name, prefix, line, sizeof line) != NULL;
}

/* The byte offset of the line starting with prefix in dir/name, or -1. */
static long dat_offset(const char *dir, const char *name, const char *prefix)
{
	char path[512], line[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	REQUIRE(f);
	long off = -1;
	for (long pos = ftell(f); off < 0 && fgets(line, sizeof line, f); pos = ftell(f))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			off = pos;
	fclose(f);
	return off;
}

/* h_plot(dir) with its stdout in dir/plot.out. */
static int plot_capture(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/plot.out", dir);
	fflush(stdout);
	int saved = dup(1), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	REQUIRE(saved >= 0 && fd >= 0);
	REQUIRE(dup2(fd, 1) == 1);
	close(fd);
	int rc = h_plot(dir);
	fflush(stdout);
	REQUIRE(dup2(saved, 1) == 1);
	close(saved);
	return rc;
}

/* Checks a validator on bad files before it is trusted on good ones. */
static void check_validators(const char *dir)
{
	t_write_file(dir, "bad.svg", "<?xml version=\"1.0\"?>\n<svg width=\"800\"><g></svg>\n");
	REQUIRE(!valid_svg(dir, "bad.svg")); /* not well-formed */
	t_write_file(dir, "bad.svg", "<?xml version=\"1.0\"?>\n<html><svg/></html>\n");
	REQUIRE(!valid_svg(dir, "bad.svg")); /* the root is not <svg> */
	t_write_file(dir, "bad.svg", "");
	REQUIRE(!valid_svg(dir, "bad.svg"));
	t_write_file(dir, "good.svg", "<?xml version=\"1.0\"?>\n"
	                            "<svg xmlns=\"http://www.w3.org/2000/svg\"><g/></svg>\n");
	REQUIRE(valid_svg(dir, "good.svg"));

	/* A PNG head: signature, IHDR of width w and height 500, then padding. */
	unsigned char png[1200] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
	                           'I', 'H', 'D', 'R', 0, 0, 0x03, 0x21, 0, 0, 0x01, 0xf4};
	char path[512];
	snprintf(path, sizeof path, "%s/bad.png", dir);
	FILE *f = fopen(path, "wb");
	REQUIRE(f && fwrite(png, 1, sizeof png, f) == sizeof png && fclose(f) == 0);
	REQUIRE(!valid_png(dir, "bad.png", 800)); /* 0x321 = 801 wide */
	REQUIRE(valid_png(dir, "bad.png", 801));
	png[12] = 'X';
	f = fopen(path, "wb");
	REQUIRE(f && fwrite(png, 1, sizeof png, f) == sizeof png && fclose(f) == 0);
	REQUIRE(!valid_png(dir, "bad.png", 801)); /* no IHDR first */
	remove(path);
	snprintf(path, sizeof path, "%s/bad.svg", dir);
	remove(path);
	snprintf(path, sizeof path, "%s/good.svg", dir);
	remove(path);
}

/* Every chart's rows. threads measured pingpong same-core at two round
 * counts: the chart shows the one with more rounds (2100), not the first
 * listed (9999). pool has no same-core row (it deadlocks there). Lines of
 * other metrics (wall_ns) must be ignored. */
static const char summary[] =
	H_SUMMARY_HEADER_V1 "\n"
	/* switch: placement from the params, absent = unpinned */
	"threads,pingpong,rounds=1000;stack_kib=0;placement=same-core,ns_per_switch,ns,3,9999,9000,11000,0.05,0\n"
	"threads,pingpong,rounds=100000;stack_kib=0;placement=same-core,ns_per_switch,ns,3,2100,1900,2600,0.05,0\n"
	"threads,pingpong,rounds=100000;stack_kib=0;placement=same-core,wall_ns,ns,3,4.2e8,4.1e8,4.4e8,0.05,0\n"
	"threads,pingpong,rounds=100000;stack_kib=0;placement=cross-core,ns_per_switch,ns,3,42000,40000,44000,0.05,0\n"
	"threads,pingpong,rounds=100000;stack_kib=0,ns_per_switch,ns,3,36000,34000,39000,0.05,0\n"
	"pool,pingpong,rounds=100000;workers=2;placement=cross-core,ns_per_switch,ns,3,31000,30000,33000,0.05,0\n"
	"pool,pingpong,rounds=100000;workers=2,ns_per_switch,ns,3,40000,39000,41000,0.05,0\n"
	"pool,pingpong,rounds=100000;workers=4;placement=cross-core,ns_per_switch,ns,3,30500,30000,31000,0.05,0\n"
	"coro,pingpong,rounds=100000;stack_kib=64;placement=same-core,ns_per_switch,ns,3,18.5,17.9,21.2,0.05,0\n"
	"coro,pingpong,rounds=100000;stack_kib=64;placement=cross-core,ns_per_switch,ns,3,25.2,24.9,25.4,0.05,0\n"
	"coro,pingpong,rounds=100000;stack_kib=64,ns_per_switch,ns,3,26,24.9,27.1,0.05,0\n"
	/* switch_pipes */
	"threads,pipepingpong,rounds=100000;stack_kib=0;placement=same-core,ns_per_switch,ns,3,4225,4215,4235,0.05,0\n"
	"threads,pipepingpong,rounds=100000;stack_kib=0;placement=cross-core,ns_per_switch,ns,3,33463,31472,35454,0.05,0\n"
	"epoll,pipepingpong,rounds=100000;loops=1;placement=same-core,ns_per_switch,ns,3,1992,1985,1999,0.05,0\n"
	"epoll,pipepingpong,rounds=100000;loops=1;placement=cross-core,ns_per_switch,ns,3,2000,1959,2041,0.05,0\n"
	/* memory and sleep_tasks: a task sweep at ms=50; coro's rows out of
	 * order; epoll's kernel share 0 (below resolution); pool without
	 * per-task memory */
	"threads,sleep,tasks=100;ms=50;stack_kib=0,mem_user_kib_per_task,KiB,3,9.64,9.5,9.8,0.01,0\n"
	"threads,sleep,tasks=100;ms=50;stack_kib=0,mem_kernel_kib_per_task,KiB,3,26.64,26.6,26.7,0.01,0\n"
	"threads,sleep,tasks=100;ms=50;stack_kib=0,elapsed_ms,ms,3,52.1,51.9,53.0,0.01,0\n"
	"threads,sleep,tasks=1000;ms=50;stack_kib=0,mem_user_kib_per_task,KiB,3,8.54,8.5,8.6,0.01,0\n"
	"threads,sleep,tasks=1000;ms=50;stack_kib=0,mem_kernel_kib_per_task,KiB,3,26.57,26.5,26.6,0.01,0\n"
	"threads,sleep,tasks=1000;ms=50;stack_kib=0,elapsed_ms,ms,3,131,122,140,0.05,0\n"
	"threads,sleep,tasks=10000;ms=50;stack_kib=0,mem_user_kib_per_task,KiB,3,8.45,8.4,8.5,0.01,0\n"
	"threads,sleep,tasks=10000;ms=50;stack_kib=0,mem_kernel_kib_per_task,KiB,3,26.56,26.5,26.6,0.01,0\n"
	"threads,sleep,tasks=10000;ms=50;stack_kib=0,elapsed_ms,ms,3,384,370,401,0.05,0\n"
	"coro,sleep,tasks=10000;ms=50;stack_kib=64,mem_user_kib_per_task,KiB,3,4.13,4.1,4.2,0.01,0\n"
	"coro,sleep,tasks=10000;ms=50;stack_kib=64,mem_kernel_kib_per_task,KiB,3,0.67,0.66,0.68,0.01,0\n"
	"coro,sleep,tasks=10000;ms=50;stack_kib=64,elapsed_ms,ms,3,56,55,58,0.01,0\n"
	"coro,sleep,tasks=100;ms=50;stack_kib=64,mem_user_kib_per_task,KiB,3,5.84,5.8,5.9,0.01,0\n"
	"coro,sleep,tasks=100;ms=50;stack_kib=64,mem_kernel_kib_per_task,KiB,3,0.72,0.7,0.74,0.01,0\n"
	"coro,sleep,tasks=100;ms=50;stack_kib=64,elapsed_ms,ms,3,50.4,50.3,50.6,0.01,0\n"
	"coro,sleep,tasks=1000;ms=50;stack_kib=64,mem_user_kib_per_task,KiB,3,4.26,4.2,4.3,0.01,0\n"
	"coro,sleep,tasks=1000;ms=50;stack_kib=64,mem_kernel_kib_per_task,KiB,3,0.672,0.67,0.68,0.01,0\n"
	"coro,sleep,tasks=1000;ms=50;stack_kib=64,elapsed_ms,ms,3,51,50.8,51.3,0.01,0\n"
	"epoll,sleep,tasks=100;ms=50;loops=1,mem_user_kib_per_task,KiB,3,1.88,1.8,1.9,0.01,0\n"
	"epoll,sleep,tasks=100;ms=50;loops=1,mem_kernel_kib_per_task,KiB,3,0,0,0,,0\n"
	"epoll,sleep,tasks=1000;ms=50;loops=1,mem_user_kib_per_task,KiB,3,0.26,0.25,0.27,0.01,0\n"
	"epoll,sleep,tasks=1000;ms=50;loops=1,mem_kernel_kib_per_task,KiB,3,0,0,0,,0\n"
	"pool,sleep,tasks=100;ms=50;workers=2,elapsed_ms,ms,3,2510,2500,2520,0.01,0\n"
	/* sleep_overlap: a wait sweep at tasks=50 */
	"threads,sleep,tasks=50;ms=5;stack_kib=0,elapsed_ms,ms,3,8.07,7.9,8.3,0.01,0\n"
	"threads,sleep,tasks=50;ms=20;stack_kib=0,elapsed_ms,ms,3,23.1,22.9,23.4,0.01,0\n"
	"threads,sleep,tasks=50;ms=50;stack_kib=0,elapsed_ms,ms,3,53.0,52.8,53.3,0.01,0\n"
	"pool,sleep,tasks=50;ms=5;workers=2,elapsed_ms,ms,3,129,128,130,0.01,0\n"
	"pool,sleep,tasks=50;ms=20;workers=2,elapsed_ms,ms,3,505,504,506,0.01,0\n"
	"pool,sleep,tasks=50;ms=50;workers=2,elapsed_ms,ms,3,1255,1254,1256,0.01,0\n"
	/* efficiency: 2 CPUs (manifest.json); coro's best rate, 100, is the
	 * one-CPU baseline */
	"threads,cpu,tasks=200;work=100;stack_kib=0,iters_per_us,iters/us,3,3,2.9,3.1,0.01,0\n"
	"threads,cpu,tasks=200;work=10000;stack_kib=0,iters_per_us,iters/us,3,150,140,160,0.01,0\n"
	"pool,cpu,tasks=200;work=100;workers=0,iters_per_us,iters/us,3,120,110,130,0.01,0\n"
	"pool,cpu,tasks=200;work=10000;workers=0,iters_per_us,iters/us,3,196,190,198,0.01,0\n"
	"coro,cpu,tasks=200;work=100;stack_kib=64,iters_per_us,iters/us,3,50,45,55,0.01,0\n"
	"coro,cpu,tasks=200;work=10000;stack_kib=64,iters_per_us,iters/us,3,100,98,101,0.01,0\n"
	/* conns_echo, latency_echo: epoll at loops=1 and loops=2, the latter
	 * without conns=100, so the spectrum is drawn at conns=10 */
	"threads,echo,conns=1;seconds=1;stack_kib=0,throughput_rps,req/s,3,9918,9800,10000,0.01,0\n"
	"threads,echo,conns=1;seconds=1;stack_kib=0,p99_us,us,3,162,150,170,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,throughput_rps,req/s,3,114158,110000,115000,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p50_us,us,3,80,78,82,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p75_us,us,3,120,118,122,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p90_us,us,3,150,140,160,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p95_us,us,3,180,170,190,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p99_us,us,3,206,200,210,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p999_us,us,3,900,800,1000,0.01,0\n"
	"threads,echo,conns=10;seconds=1;stack_kib=0,p9999_us,us,3,2000,1900,2100,0.01,0\n"
	"threads,echo,conns=100;seconds=1;stack_kib=0,throughput_rps,req/s,3,67059,66000,68000,0.01,0\n"
	"threads,echo,conns=100;seconds=1;stack_kib=0,p50_us,us,3,1000,990,1010,0.01,0\n"
	"threads,echo,conns=100;seconds=1;stack_kib=0,p99_us,us,3,14123,14000,14200,0.01,0\n"
	"epoll,echo,conns=1;seconds=1;loops=1,throughput_rps,req/s,3,5615,5600,5700,0.01,0\n"
	"epoll,echo,conns=1;seconds=1;loops=1,p99_us,us,3,3006,3000,3010,0.01,0\n"
	"epoll,echo,conns=10;seconds=1;loops=1,throughput_rps,req/s,3,58137,58000,58200,0.01,0\n"
	"epoll,echo,conns=10;seconds=1;loops=1,p50_us,us,3,60,59,61,0.01,0\n"
	"epoll,echo,conns=10;seconds=1;loops=1,p99_us,us,3,4022,4000,4050,0.01,0\n"
	"epoll,echo,conns=100;seconds=1;loops=1,throughput_rps,req/s,3,39984,39000,40000,0.01,0\n"
	"epoll,echo,conns=100;seconds=1;loops=1,p99_us,us,3,13336,13000,13500,0.01,0\n"
	/* fairness: pool serves one connection of 100 (0.01), none at all of
	 * 1000 (0: kept, on the linear panel); epoll loops=2 has none (NaN) */
	"pool,echo,conns=1;seconds=1;workers=1,throughput_rps,req/s,3,9000,8900,9100,0.01,0\n"
	"pool,echo,conns=1;seconds=1;workers=1,p99_us,us,3,150,140,160,0.01,0\n"
	"pool,echo,conns=1;seconds=1;workers=1,fairness,index,3,1,1,1,0,0\n"
	"pool,echo,conns=10;seconds=1;workers=1,throughput_rps,req/s,3,9050,9000,9100,0.01,0\n"
	"pool,echo,conns=10;seconds=1;workers=1,p99_us,us,3,1000000,1000000,1000000,0,0\n"
	"pool,echo,conns=10;seconds=1;workers=1,fairness,index,3,0.1,0.1,0.1,0,0\n"
	"pool,echo,conns=100;seconds=1;workers=1,throughput_rps,req/s,3,9100,9000,9200,0.01,0\n"
	"pool,echo,conns=100;seconds=1;workers=1,p99_us,us,3,1000000,1000000,1000000,0,0\n"
	"pool,echo,conns=100;seconds=1;workers=1,fairness,index,3,0.01,0.01,0.01,0,0\n"
	"pool,echo,conns=1000;seconds=1;workers=1,p99_us,us,3,1000000,1000000,1000000,0,0\n"
	"pool,echo,conns=1000;seconds=1;workers=1,fairness,index,3,0,0,0,,0\n"
	"epoll,echo,conns=1;seconds=1;loops=2,throughput_rps,req/s,3,8000,7900,8100,0.01,0\n"
	"epoll,echo,conns=1;seconds=1;loops=2,p99_us,us,3,2000,1900,2100,0.01,0\n"
	"epoll,echo,conns=10;seconds=1;loops=2,throughput_rps,req/s,3,80000,79000,81000,0.01,0\n"
	"epoll,echo,conns=10;seconds=1;loops=2,p50_us,us,3,50,49,51,0.01,0\n"
	"epoll,echo,conns=10;seconds=1;loops=2,p99_us,us,3,2500,2400,2600,0.01,0\n"
	/* conns_http, latency_http: no p75, p95 or p9999 (older runs) */
	"threads,http,conns=1;seconds=1;stack_kib=0,throughput_rps,req/s,3,10010,10000,10020,0.01,0\n"
	"threads,http,conns=1;seconds=1;stack_kib=0,p99_us,us,3,2138,2100,2200,0.01,0\n"
	"threads,http,conns=10;seconds=1;stack_kib=0,throughput_rps,req/s,3,35179,35000,35300,0.01,0\n"
	"threads,http,conns=10;seconds=1;stack_kib=0,p50_us,us,3,90,88,92,0.01,0\n"
	"threads,http,conns=10;seconds=1;stack_kib=0,p90_us,us,3,200,190,210,0.01,0\n"
	"threads,http,conns=10;seconds=1;stack_kib=0,p99_us,us,3,3186,3100,3200,0.01,0\n"
	"threads,http,conns=10;seconds=1;stack_kib=0,p999_us,us,3,4000,3900,4100,0.01,0\n"
	"coro,http,conns=1;seconds=1;stack_kib=64,throughput_rps,req/s,3,7344,7300,7400,0.01,0\n"
	"coro,http,conns=1;seconds=1;stack_kib=64,p99_us,us,3,3399,3300,3400,0.01,0\n"
	"coro,http,conns=10;seconds=1;stack_kib=64,throughput_rps,req/s,3,44851,44000,45000,0.01,0\n"
	"coro,http,conns=10;seconds=1;stack_kib=64,p50_us,us,3,70,69,71,0.01,0\n"
	"coro,http,conns=10;seconds=1;stack_kib=64,p99_us,us,3,4055,4000,4100,0.01,0\n"
	/* mixed */
	"threads,mixed,conns=20;heavy_every=50;heavy_us=2000;stack_kib=0,light_p99_us,us,3,5881,5800,5900,0.01,0\n"
	"threads,mixed,conns=20;heavy_every=50;heavy_us=2000;stack_kib=0,heavy_p99_us,us,3,7815,7800,7900,0.01,0\n"
	"epoll,mixed,conns=20;heavy_every=50;heavy_us=2000;loops=1,light_p99_us,us,3,2105,2100,2110,0.01,0\n"
	"epoll,mixed,conns=20;heavy_every=50;heavy_us=2000;loops=1,heavy_p99_us,us,3,4153,4100,4200,0.01,0\n"
	/* file */
	"threads,file,file_mib=8;tasks=8;cold=0;stack_kib=0,mib_per_s,MiB/s,3,7140,7000,7200,0.01,0\n"
	"threads,file,file_mib=8;tasks=8;cold=1;stack_kib=0,mib_per_s,MiB/s,3,833,800,850,0.01,0\n"
	"epoll,file,file_mib=8;tasks=8;cold=0;loops=1,mib_per_s,MiB/s,3,7421,7400,7500,0.01,0\n"
	"epoll,file,file_mib=8;tasks=8;cold=1;loops=1,mib_per_s,MiB/s,3,1098,1000,1100,0.01,0\n";

static const char fits[] =
	"runtime,workload,params,metric,unit,n,slope,intercept,r2\n"
	"threads,sleep,ms=50;stack_kib=0,mem_slope_user_kib_per_task,KiB/task,9,8.415,121.5,1.0\n"
	"threads,sleep,ms=50;stack_kib=0,mem_slope_kernel_kib_per_task,KiB/task,9,26.56,6.37,1.0\n"
	"coro,sleep,ms=50;stack_kib=64,mem_slope_user_kib_per_task,KiB/task,9,4.088,172.2,1.0\n"
	"coro,sleep,ms=50;stack_kib=64,mem_slope_kernel_kib_per_task,KiB/task,9,0.6645,6.4,1.0\n";

/* Every series of chart NAME (its labels: lines starting with prefix, in
 * data order) is drawn in its runtime's colour, the word of the redraw
 * command's colors='...' at its place, which is h_plot_colour(runtime) and
 * is in the SVG: the same runtime the same colour in every chart, whatever
 * its place among the series. Returns the number of series checked. */
static int check_colours(const char *dir, const char *name, const char *prefix)
{
	char dat[64], path[600], line[4096], colors[1024] = "";
	snprintf(dat, sizeof dat, "plots/%s.dat", name);
	REQUIRE(dat_line(dir, dat, "#   gnuplot -e", line, sizeof line));
	char *c = strstr(line, "colors='");
	REQUIRE(c);
	snprintf(colors, sizeof colors, "%.*s", (int)strcspn(c + 8, "'"), c + 8);
	snprintf(path, sizeof path, "%s/%s", dir, dat);
	FILE *f = fopen(path, "r");
	REQUIRE(f);
	int n = 0;
	char *word = colors;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			continue;
		char rt[64];
		const char *l = line + strlen(prefix);
		snprintf(rt, sizeof rt, "%.*s", (int)strcspn(l, " \""), l); /* "pool (ms=10)": pool */
		REQUIRE(*word);
		size_t wl = strcspn(word, " ");
		const char *want = h_plot_colour(rt);
		if (wl != strlen(want) || strncmp(word, want, wl) != 0) {
			fprintf(stderr, "unit_plot: %s: %s drawn in %.*s, its colour is %s\n", name, rt,
			        (int)wl, word, want);
			exit(1);
		}
		/* gnuplot's SVG writes #0072b2 as rgb(  0, 114, 178) for a
		 * line, rgb(0,114,178) for a fill pattern. */
		unsigned r, g, b;
		char svg[600], rgb[32], fill[32];
		REQUIRE(sscanf(want, "#%2x%2x%2x", &r, &g, &b) == 3);
		snprintf(rgb, sizeof rgb, "rgb(%3u, %3u, %3u)", r, g, b);
		snprintf(fill, sizeof fill, "rgb(%u,%u,%u)", r, g, b);
		snprintf(svg, sizeof svg, "%s/plots/%s.svg", dir, name);
		char *text = t_read_file(svg);
		REQUIRE(text && (strstr(text, rgb) || strstr(text, fill)));
		free(text);
		word += wl + (word[wl] == ' ');
		n++;
	}
	fclose(f);
	REQUIRE(!*word); /* a colour for every series, none over */
	return n;
}

static void check_all_charts(const char *dir)
{
	char name[64], line[1024];
	for (size_t i = 0; i < NCHARTS; i++) {
		snprintf(name, sizeof name, "plots/%s.svg", all_charts[i]);
		if (!valid_svg(dir, name)) {
			fprintf(stderr, "unit_plot: %s is not a valid SVG\n", name);
			exit(1);
		}
		snprintf(name, sizeof name, "plots/%s.png", all_charts[i]);
		if (!valid_png(dir, name, 800)) {
			fprintf(stderr, "unit_plot: %s is not an 800 px wide PNG\n", name);
			exit(1);
		}
	}

	/* switch: a group per runtime series, a bar per placement in the
	 * order the run met them; most rounds; NaN where not measured. */
	REQUIRE(has_line(dir, "plots/switch.dat",
	                 "group \"same-core\" lo hi n \"cross-core\" lo hi n \"unpinned\" lo hi n\n"));
	REQUIRE(has_line(dir, "plots/switch.dat", "\"threads\" 2100 1900 2600 3 42000 40000 44000 3 "
	                                          "36000 34000 39000 3\n"));
	REQUIRE(!dat_line(dir, "plots/switch.dat", "\"threads\" 9999", line, sizeof line));
	REQUIRE(has_line(dir, "plots/switch.dat", "\"pool (workers=2)\" NaN NaN NaN 0 31000 "));
	REQUIRE(has_line(dir, "plots/switch.dat", "\"pool (workers=4)\" NaN NaN NaN 0 30500 "));
	REQUIRE(has_line(dir, "plots/switch.dat", "\"coro\" 18.5 17.9 21.2 3 25.2 "));
	REQUIRE(has_line(dir, "plots/switch_pipes.dat", "\"epoll\" 1992 1985 1999 3 2000 "));
	REQUIRE(!has_line(dir, "plots/switch_pipes.dat", "\"coro\""));

	/* Colours: a runtime's, by its name, in bars, lines, panels and
	 * spectra alike, whatever its place among a chart's series (the place
	 * chose it before, and gave epoll pool's colour on sleep_tasks). A
	 * runtime no table knows gets a stable colour of its name. */
	REQUIRE(check_colours(dir, "switch", "\"") >= 4);
	REQUIRE(check_colours(dir, "sleep_tasks", "tasks \"") >= 3);
	REQUIRE(check_colours(dir, "conns_echo", "conns \"") >= 3);
	REQUIRE(check_colours(dir, "latency_echo", "x \"") >= 2);
	REQUIRE(check_colours(dir, "memory", "tasks \"") >= 2);
	REQUIRE(strcmp(h_plot_colour("pool"), h_plot_colour("epoll")) != 0);
	REQUIRE(strcmp(h_plot_colour("threads"), h_plot_colour("pool")) != 0);
	REQUIRE(strcmp(h_plot_colour("some-new-runtime"), h_plot_colour("some-new-runtime")) == 0 &&
	        strlen(h_plot_colour("some-new-runtime")) == 7);

	/* memory: a block per series, points in task order, the slopes. */
	REQUIRE(has_line(dir, "plots/memory.dat", "tasks \"threads\" lo hi n "
	                                          "mem_kernel_kib_per_task lo hi n"));
	REQUIRE(has_line(dir, "plots/memory.dat",
	                 "1000 8.54 8.5 8.6 3 26.57 26.5 26.6 3 \"threads\" 8.415 26.56\n"));
	long c100 = dat_offset(dir, "plots/memory.dat", "100 5.84 ");
	long c1000 = dat_offset(dir, "plots/memory.dat", "1000 4.26 ");
	long c10000 = dat_offset(dir, "plots/memory.dat", "10000 4.13 ");
	REQUIRE(c100 > 0 && c100 < c1000 && c1000 < c10000);
	/* epoll's kernel share of 0 is kept (the script draws it as none);
	 * it has no fit, so no slopes. */
	REQUIRE(has_line(dir, "plots/memory.dat", "100 1.88 1.8 1.9 3 0 0 0 3 \"epoll\" NaN NaN\n"));
	REQUIRE(!has_line(dir, "plots/memory.dat", "tasks \"pool\""));

	/* sleep_tasks: a line per runtime at ms=50 (the overlap sweep's
	 * tasks=50 joins it); the lone points at ms=5 and ms=20 are left out,
	 * so no label needs "(ms=50)". sleep_overlap: a line per runtime over
	 * the wait at tasks=50; the task sweep's lone points are left out. */
	REQUIRE(has_line(dir, "plots/sleep_tasks.dat", "tasks \"threads\" lo hi n\n"));
	REQUIRE(has_line(dir, "plots/sleep_tasks.dat", "50 53 52.8 53.3 3\n"));
	REQUIRE(has_line(dir, "plots/sleep_tasks.dat", "10000 384 370 401 3\n"));
	REQUIRE(has_line(dir, "plots/sleep_tasks.dat", "tasks \"pool\" lo hi n\n"));
	REQUIRE(!has_line(dir, "plots/sleep_tasks.dat", "tasks \"threads (ms"));
	REQUIRE(has_line(dir, "plots/sleep_tasks.dat", "#   gnuplot -e \"datafile='sleep_tasks.dat'"));
	REQUIRE(has_line(dir, "plots/sleep_overlap.dat", "ms \"pool\" lo hi n\n"));
	REQUIRE(has_line(dir, "plots/sleep_overlap.dat", "50 1255 1254 1256 3\n"));
	REQUIRE(!has_line(dir, "plots/sleep_overlap.dat", "ms \"coro"));

	/* efficiency: threads at work=10000 ran 150 iters/us on 2 CPUs
	   * against coro's one-CPU 100: 75%; coro at work=100: 50%. */
	REQUIRE(has_line(dir, "plots/efficiency.dat", "10000 75 70 80 3\n"));
	REQUIRE(has_line(dir, "plots/efficiency.dat", "100 50 45 55 3\n"));

	/* conns: every metric per point, loops=1 and loops=2 two series;
	 * fairness NaN where not measured, its zero kept, and the third
	 * panel asked for (fair=1) only where a series has it. */
	REQUIRE(has_line(dir, "plots/conns_echo.dat",
	                 "conns \"epoll (loops=2)\" lo hi n p99_us lo hi n fairness lo hi n\n"));
	REQUIRE(has_line(dir, "plots/conns_echo.dat", "conns \"epoll (loops=1)\""));
	REQUIRE(has_line(dir, "plots/conns_echo.dat",
	                 "10 80000 79000 81000 3 2500 2400 2600 3 NaN NaN NaN 0\n"));
	REQUIRE(has_line(dir, "plots/conns_echo.dat",
	                 "100 9100 9000 9200 3 1000000 1000000 1000000 3 0.01 0.01 0.01 3\n"));
	REQUIRE(has_line(dir, "plots/conns_echo.dat", "1000 NaN NaN NaN 0 1000000 1000000 1000000 3 0 0 0 3\n"));
	REQUIRE(dat_line(dir, "plots/conns_echo.dat", "#   gnuplot -e", line, sizeof line) &&
	        strstr(line, "; fair=1; "));
	REQUIRE(has_line(dir, "plots/conns_http.dat",
	                 "conns \"coro\" lo hi n p99_us lo hi n fairness lo hi n\n"));
	REQUIRE(dat_line(dir, "plots/conns_http.dat", "#   gnuplot -e", line, sizeof line) &&
	        !strstr(line, "fair="));

	/* latency: at conns=10, the largest every series has; x = 1/(1-p). */
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "# One block per runtime series at conns=10:"));
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "x \"threads\" lo hi n percentile\n"));
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "2 80 78 82 3 p50_us\n"));
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "100 206 200 210 3 p99_us\n"));
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "10000 2000 1900 2100 3 p9999_us\n"));
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "100 2500 2400 2600 3 p99_us\n"));
	REQUIRE(!has_line(dir, "plots/latency_echo.dat", "100 14123"));
	REQUIRE(has_line(dir, "plots/latency_echo.dat", "#   gnuplot -e \"datafile='latency_echo.dat'; "
	                                                "outfile='latency_echo.svg'; fmt='svg'; "
	                                                "title='echo: latency by percentile at 10 "
	                                                "connections'"));
	/* http lacks p75, p95 and p9999: the spectrum has the rest. */
	REQUIRE(has_line(dir, "plots/latency_http.dat", "1000 4000 3900 4100 3 p999_us\n"));
	REQUIRE(!has_line(dir, "plots/latency_http.dat", "4 "));

	/* mixed: light and heavy bars; the title names heavy_us, heavy_every. */
	REQUIRE(has_line(dir, "plots/mixed.dat",
	                 "group \"light requests\" lo hi n \"heavy requests\" lo hi n\n"));
	REQUIRE(has_line(dir, "plots/mixed.dat", "\"epoll\" 2105 2100 2110 3 4153 4100 4200 3\n"));
	REQUIRE(has_line(dir, "plots/mixed.dat", "#   gnuplot -e \"datafile='mixed.dat'; outfile="
	                                         "'mixed.svg'; fmt='svg'; title='p99 latency, light "
	                                         "and heavy requests (heavy_us=2000, heavy_every=50)'"));
	/* file: page cache and device per runtime. */
	REQUIRE(has_line(dir, "plots/file.dat",
	                 "group \"page cache (cold=0)\" lo hi n \"device (cold=1)\" lo hi n\n"));
	REQUIRE(has_line(dir, "plots/file.dat", "\"threads\" 7140 7000 7200 3 833 800 850 3\n"));
}

int main(void)
{
	char dir[256];
	t_tmpdir(dir, sizeof dir, "unit_plot");

	/* No summary.csv: -ENOENT, whether or not gnuplot exists. */
	REQUIRE(h_plot(dir) == -ENOENT);
	/* A header that is not ours is refused rather than misread. */
	t_write_file(dir, "summary.csv", "a,b,c\n1,2,3\n");
	REQUIRE(h_plot(dir) == -EINVAL);
	/* A summary with no chart's data draws nothing and is not an error,
	   * even without gnuplot. */
	t_write_file(dir, "summary.csv",
	             H_SUMMARY_HEADER_V1 "\nthreads,cpu,work=1000,wall_ns,ns,5,120,110,130,0.05,0\n");
	REQUIRE(plot_capture(dir) == 0);
	for (size_t i = 0; i < NCHARTS; i++) {
		char name[64];
		snprintf(name, sizeof name, "plots/%s.svg", all_charts[i]);
		REQUIRE(!exists(dir, name));
	}
	REQUIRE(has_line(dir, "plot.out", "skipped the switch chart: summary.csv has no "
	                                  "ns_per_switch rows for workload pingpong\n"));

	if (!t_have("gnuplot")) {
		t_rm_tree(dir);
		fprintf(stderr, "unit_plot: gnuplot not installed: skip\n");
		return 77;
	}
	check_validators(dir);

	/* Every chart, from one summary. */
	t_write_file(dir, "summary.csv", summary);
	t_write_file(dir, "fits.csv", fits);
	t_write_file(dir, "manifest.json", "{\"topology\":{\"run_pus\":2}}\n");
	REQUIRE(plot_capture(dir) == 0);
	check_all_charts(dir);
	REQUIRE(has_line(dir, "plot.out", "memory chart: left out pool (no mem_user_kib_per_task rows)\n"));
	REQUIRE(has_line(dir, "plot.out", "sleep_tasks chart: left out the series measured at one "
	                                  "tasks value (no line): threads ms=5;stack_kib=0, "));
	REQUIRE(has_line(dir, "plot.out", "wrote "));

	/* A slide's chart: drawn again, wider (1000 px) with larger type,
	 * into slides/charts, only the charts asked for, in the same colours. */
	REQUIRE(h_plot_slides(dir, "switch,nonesuch") == 0);
	char head_[512], line[1024];
	REQUIRE(head(dir, "slides/charts/switch.svg", head_, sizeof head_) > 0 &&
	        strstr(head_, "width=\"1000\""));
	REQUIRE(valid_svg(dir, "slides/charts/switch.svg"));
	REQUIRE(!exists(dir, "slides/charts/memory.svg"));
	REQUIRE(dat_line(dir, "slides/charts/switch.dat", "#   gnuplot -e", line, sizeof line) &&
	        strstr(line, "; slide=1"));

	/* Two charts' data: memory at one task count (stacked bars), and mixed
	   * without heavy requests (one bar a group: an all-NaN bar would leave
	   * the script no range). The others are skipped and their files from
	   * the full plot removed. */
	t_write_file(dir, "summary.csv",
	             H_SUMMARY_HEADER_V1 "\n"
	             "threads,sleep,tasks=1000;ms=50,mem_user_kib_per_task,KiB,3,8.5,8.4,8.6,0.05,0\n"
	             "threads,sleep,tasks=1000;ms=50,mem_kernel_kib_per_task,KiB,3,26.6,26.5,26.7,0.05,0\n"
	             "epoll,sleep,tasks=1000;ms=50,mem_user_kib_per_task,KiB,3,0.26,0.25,0.27,0.05,0\n"
	             "epoll,sleep,tasks=1000;ms=50,mem_kernel_kib_per_task,KiB,3,0,0,0,,0\n"
	             "threads,mixed,heavy_every=0,light_p99_us,us,3,5881,5800,5900,0.01,0\n"
	             "epoll,mixed,heavy_every=0,light_p99_us,us,3,2105,2100,2110,0.01,0\n");
	char path[600];
	snprintf(path, sizeof path, "%s/fits.csv", dir);
	REQUIRE(remove(path) == 0);
	REQUIRE(plot_capture(dir) == 0);
	REQUIRE(valid_svg(dir, "plots/memory.svg"));
	REQUIRE(valid_png(dir, "plots/memory.png", 800));
	REQUIRE(valid_svg(dir, "plots/mixed.svg"));
	REQUIRE(has_line(dir, "plots/mixed.dat", "group \"light requests\" lo hi n\n"));

	/* 40 heavy requests: their "p99" is the maximum, and the legend says
	 * so; 2,000 light ones keep their name. */
	t_write_file(dir, "summary.csv",
	             H_SUMMARY_HEADER_V1 "\n"
	             "epoll,mixed,heavy_us=2000,light_p99_us,us,3,2105,2100,2110,0.01,0\n"
	             "epoll,mixed,heavy_us=2000,heavy_p99_us,us,3,4153,4100,4200,0.01,0\n"
	             "epoll,mixed,heavy_us=2000,light_samples,requests,3,2000,2000,2000,0,0\n"
	             "epoll,mixed,heavy_us=2000,heavy_samples,requests,3,40,40,40,0,0\n");
	REQUIRE(plot_capture(dir) == 0);
	REQUIRE(has_line(dir, "plots/mixed.dat",
	                 "group \"light requests\" lo hi n \"heavy requests (max where < 1000 "
	                 "samples)\" lo hi n\n"));
	REQUIRE(!exists(dir, "plots/switch.svg") && !exists(dir, "plots/switch.png") &&
	        !exists(dir, "plots/switch.dat"));
	REQUIRE(!exists(dir, "plots/latency_http.png"));

	/* A failing script is an error and leaves no chart behind, even when
	   * it drew something before failing (its exit status decides). */
	char sub[600];
	snprintf(sub, sizeof sub, "%s/plots", dir);
	char gpdir[256];
	t_tmpdir(gpdir, sizeof gpdir, "unit_plot_gp");
	t_write_file(gpdir, "memory.gp",
	             "set terminal svg\nset output outfile\nplot datafile index 0 using 1:2\n"
	             "set output\nplot datafile using 1:(no_such_function($2))\n");
	REQUIRE(setenv("CONCBENCH_PLOTS", gpdir, 1) == 0);
	t_rm_tree(sub);
	REQUIRE(h_plot(dir) < 0);
	REQUIRE(!exists(dir, "plots/memory.svg") && !exists(dir, "plots/memory.png"));
	REQUIRE(unsetenv("CONCBENCH_PLOTS") == 0);
	t_rm_tree(gpdir);

	/* A results folder whose path holds a single quote cannot be passed to
	   * gnuplot -e: -EINVAL, nothing drawn. */
	char quoted[256];
	t_tmpdir(quoted, sizeof quoted, "unit_plot'q");
	t_write_file(quoted, "summary.csv", summary);
	REQUIRE(h_plot(quoted) == -EINVAL);
	t_rm_tree(quoted);

	t_rm_tree(dir);
	return 0;
}
