/* perf.c — kernel counters for one cell, from perf_event_open(2).
 *
 * Each counter is opened on its own (no group): a group is scheduled on the
 * PMU all or nothing, so one counter the PMU lacks would take the others
 * down with it. They are opened disabled, on the calling thread, with
 * inherit=1 so that every thread the runtime creates afterwards is counted
 * too; the harness enables them right before run() and disables them right
 * after, so creating the runtime, setup and teardown are not counted.
 *
 * inherit: a thread's counts live in its own copy of the counter while it
 * runs and are folded into the parent counter when it exits. A read of the
 * parent adds the copies of threads still alive, so nothing is lost either
 * way; the cell still waits (briefly) for the runtime's threads to exit
 * before reading, so that the figure does not depend on that kernel detail.
 *
 * The software counters (task-clock, context-switches, cpu-migrations,
 * page-faults) exist wherever perf_event_open does. The hardware ones
 * (cycles, instructions, cache-misses) need a PMU, which many virtual
 * machines do not expose: then the counter is null and the reason says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "measure.h"

static const struct {
	uint32_t type;
	uint64_t config;
	/* Counts only kernel-side events (a context switch happens in the
	 * kernel): with exclude_kernel it would read 0, so it is never
	 * retried that way. */
	int kernel_only;
} defs[H_NCTR] = {
	[H_CTR_TASK_CLOCK] = { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 0 },
	[H_CTR_CONTEXT_SWITCHES] = { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 1 },
	[H_CTR_CPU_MIGRATIONS] = { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	[H_CTR_PAGE_FAULTS] = { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0 },
	[H_CTR_CYCLES] = { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0 },
	[H_CTR_INSTRUCTIONS] = { PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 0 },
	[H_CTR_CACHE_MISSES] = { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, 0 },
};

/* Names and units of everything the harness measures itself, as they
 * appear in results and summaries: the counters (perf's names, with _),
 * then the memory and creation figures the cell takes at peak. */
const struct h_hm_def h_hm[H_NHM] = {
	[H_CTR_TASK_CLOCK] = { "task_clock", "ns" },
	[H_CTR_CONTEXT_SWITCHES] = { "context_switches", "switches" },
	[H_CTR_CPU_MIGRATIONS] = { "cpu_migrations", "migrations" },
	[H_CTR_PAGE_FAULTS] = { "page_faults", "faults" },
	[H_CTR_CYCLES] = { "cycles", "cycles" },
	[H_CTR_INSTRUCTIONS] = { "instructions", "instructions" },
	[H_CTR_CACHE_MISSES] = { "cache_misses", "misses" },
	[H_HM_MEM_RSS] = { "mem_rss_kib", "KiB" },
	[H_HM_MEM_PSS] = { "mem_pss_kib", "KiB" },
	[H_HM_MEM_USER] = { "mem_user_kib", "KiB" },
	[H_HM_MEM_KERNEL] = { "mem_kernel_kib", "KiB" },
	[H_HM_MEM_KSTACK] = { "mem_kernel_stack_kib", "KiB" },
	[H_HM_MEM_PAGETABLES] = { "mem_pagetables_kib", "KiB" },
	[H_HM_MEM_SLAB] = { "mem_slab_kib", "KiB" },
	[H_HM_MEM_USER_PER_TASK] = { "mem_user_kib_per_task", "KiB" },
	[H_HM_MEM_KERNEL_PER_TASK] = { "mem_kernel_kib_per_task", "KiB" },
	[H_HM_MEM_KSTACK_PER_TASK] = { "mem_kernel_stack_kib_per_task", "KiB" },
	[H_HM_CREATE_NS_PER_TASK] = { "create_ns_per_task", "ns" },
	[H_HM_STEAL_MS] = { "steal_ms", "ms" },
	[H_HM_OTHERS_MS] = { "others_ms", "ms" },
};

static int open_attr(uint32_t type, uint64_t config, int exclude_kernel)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = type;
	a.config = config;
	a.disabled = 1;
	a.inherit = 1;
	a.exclude_hv = 1;
	a.exclude_kernel = (unsigned)exclude_kernel;
	/* Scaling information, in case the PMU multiplexes hardware counters. */
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	long fd = syscall(SYS_perf_event_open, &a, 0 /* this thread */, -1 /* any cpu */,
	                  -1 /* no group */, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static int open_one(int i, int exclude_kernel)
{
	return open_attr(defs[i].type, defs[i].config, exclude_kernel);
}

void h_perf_open(struct h_perf *p)
{
	memset(p, 0, sizeof *p);
	p->sys_fd = -1;
	p->sys_err = H_SYS_NOT_ASKED;
	/* CONCBENCH_COUNTERS=off: no counter at all, to measure what the
	 * inherited counters add to a switch (each one is saved and restored
	 * at every context switch of every thread); like CONCBENCH_CGROUP=off. */
	const char *env = getenv("CONCBENCH_COUNTERS");
	if (env && strcmp(env, "off") == 0) {
		for (int i = 0; i < H_NCTR; i++) {
			p->fd[i] = -1;
			p->err[i] = ECANCELED;
		}
		return;
	}
	for (int i = 0; i < H_NCTR; i++) {
		int fd = open_one(i, 0);
		/* perf_event_paranoid >= 2 refuses kernel-side counting to an
		 * unprivileged process: user-side counts are still worth
		 * having, and the result says which ones they are. */
		if ((fd == -EACCES || fd == -EPERM) && !defs[i].kernel_only) {
			fd = open_one(i, 1);
			if (fd >= 0)
				p->user_only[i] = 1;
		}
		p->fd[i] = fd >= 0 ? fd : -1;
		p->err[i] = fd >= 0 ? 0 : -fd;
	}
}

static void each(struct h_perf *p, unsigned long req)
{
	/* A disabled inherited counter disables its threads' copies too. */
	for (int i = 0; i < H_NCTR; i++)
		if (p->fd[i] >= 0)
			ioctl(p->fd[i], req, 0);
	if (p->sys_fd >= 0)
		ioctl(p->sys_fd, req, 0);
}

void h_perf_enable(struct h_perf *p)
{
	each(p, PERF_EVENT_IOC_ENABLE);
}

void h_perf_disable(struct h_perf *p)
{
	each(p, PERF_EVENT_IOC_DISABLE);
}

static int paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = -100;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -100;
		fclose(f);
	}
	return v;
}

/* One sentence on why a counter of this type has no value. */
static void why_not(uint32_t type, int err, char *out, size_t len)
{
	const char *name = strerrorname_np(err);
	name = name ? name : "error";
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		if (type == PERF_TYPE_HARDWARE)
			snprintf(out, len, "not supported by this PMU (%s)", name);
		else
			snprintf(out, len, "not supported by this kernel (%s)", name);
		break;
	case EACCES:
	case EPERM: {
		int v = paranoid();
		if (v > -100)
			snprintf(out, len, "not permitted (%s, kernel.perf_event_paranoid=%d)", name, v);
		else
			snprintf(out, len, "not permitted (%s)", name);
		break;
	}
	case ENOSYS:
		snprintf(out, len, "no perf_event_open in this kernel (ENOSYS)");
		break;
	case ECANCELED:
		snprintf(out, len, "turned off (CONCBENCH_COUNTERS=off)");
		break;
	default:
		snprintf(out, len, "%s (%s)", strerror(err), name);
	}
}

void h_perf_read(struct h_perf *p, double *val, char (*why)[H_WHY_LEN])
{
	for (int i = 0; i < H_NCTR; i++) {
		val[i] = NAN;
		why[i][0] = '\0';
		if (p->fd[i] < 0) {
			why_not(defs[i].type, p->err[i], why[i], H_WHY_LEN);
			continue;
		}
		uint64_t v[3]; /* value, time enabled, time running */
		ssize_t n = read(p->fd[i], v, sizeof v);
		if (n != (ssize_t)sizeof v) {
			why_not(defs[i].type, n < 0 ? errno : EIO, why[i], H_WHY_LEN);
			continue;
		}
		if (v[1] == 0) {
			/* Never enabled: run() returned before any tick of it. */
			val[i] = 0;
		} else if (v[2] == 0) {
			snprintf(why[i], H_WHY_LEN, "never scheduled: the PMU was busy (multiplexed out)");
		} else if (v[2] < v[1]) {
			/* Multiplexed: the kernel counted part of the time;
			 * scale, as perf stat does. */
			val[i] = (double)v[0] * ((double)v[1] / (double)v[2]);
		} else {
			val[i] = (double)v[0];
		}
	}
}

/* ---- the syscall counter ----
 *
 * raw_syscalls:sys_enter fires at every syscall's entry; a counting (not
 * sampling) perf event on it, inherited like the others, counts the
 * syscalls of this process's threads. Its cost is not only ours: while any
 * perf event is attached to the tracepoint, every task on the machine
 * enters its syscalls through the kernel's traced (slow) path. So it is
 * opened only when asked (run --count-syscalls), right before run(), and
 * closed right after the read. */

/* The tracepoint's id, from tracefs where it is already mounted (debugfs
 * holds it as tracing/ too): 0 with *id, or an H_SYS_* reason. Nothing is
 * mounted here: a harness that mounted tracefs would change the machine
 * it measures. */
static int sys_enter_id(uint64_t *id)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	int mounted = 0, denied = 0;
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		char path[96];
		snprintf(path, sizeof path, "%s/events/raw_syscalls/sys_enter/id", roots[i]);
		FILE *f = fopen(path, "re");
		if (f) {
			unsigned long long v;
			int ok = fscanf(f, "%llu", &v) == 1;
			fclose(f);
			if (ok) {
				*id = v;
				return 0;
			}
		}
		denied |= errno == EACCES || errno == EPERM;
		snprintf(path, sizeof path, "%s/events", roots[i]);
		mounted |= access(path, F_OK) == 0;
	}
	return denied ? H_SYS_TRACEFS_DENIED : mounted ? H_SYS_NO_TRACEPOINT : H_SYS_NO_TRACEFS;
}

void h_perf_open_syscalls(struct h_perf *p)
{
	uint64_t id = 0;
	if (p->err[0] == ECANCELED) { /* CONCBENCH_COUNTERS=off: none at all */
		p->sys_err = ECANCELED;
		return;
	}
	p->sys_err = sys_enter_id(&id);
	if (p->sys_err)
		return;
	/* Counted in the kernel (the syscall's entry), so never retried with
	 * exclude_kernel as the others are: that would count nothing. */
	int fd = open_attr(PERF_TYPE_TRACEPOINT, id, 0);
	p->sys_fd = fd >= 0 ? fd : -1;
	p->sys_err = fd >= 0 ? 0 : -fd;
}

double h_perf_read_syscalls(struct h_perf *p, int *err)
{
	uint64_t v[3]; /* value, time enabled, time running */
	*err = p->sys_err;
	if (p->sys_fd < 0)
		return NAN;
	ssize_t n = read(p->sys_fd, v, sizeof v);
	if (n != (ssize_t)sizeof v) {
		*err = n < 0 ? errno : EIO;
		return NAN;
	}
	return (double)v[0]; /* a software event: never multiplexed */
}

void h_perf_syscalls_why(int err, char *out, size_t len)
{
	static const char *const words[] = {
		[-H_SYS_NOT_ASKED] = "not asked for (run --count-syscalls)",
		[-H_SYS_NO_TRACEFS] = "no tracefs mounted (/sys/kernel/tracing)",
		[-H_SYS_NO_TRACEPOINT] = "no raw_syscalls:sys_enter tracepoint in tracefs",
		[-H_SYS_TRACEFS_DENIED] = "tracefs not readable (EACCES)",
	};
	if (err > 0)
		why_not(PERF_TYPE_TRACEPOINT, err, out, len);
	else if (err < 0 && -err < (int)(sizeof words / sizeof *words))
		snprintf(out, len, "%s", words[-err]);
	else
		out[0] = '\0';
}

void h_perf_close(struct h_perf *p)
{
	for (int i = 0; i < H_NCTR; i++)
		if (p->fd[i] >= 0) {
			close(p->fd[i]);
			p->fd[i] = -1;
		}
	if (p->sys_fd >= 0) {
		close(p->sys_fd);
		p->sys_fd = -1;
	}
}
