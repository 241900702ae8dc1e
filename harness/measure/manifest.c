/* manifest.c — DIR/manifest.json: the environment a result was measured in.
 *
 * A number without its machine is not a result: a cross-core wake-up costs
 * ten times more on some virtual machines, a thread's memory depends on
 * RLIMIT_STACK, and the largest task count a model reached depends on
 * threads-max, vm.max_map_count and RLIMIT_NOFILE. So every run records the
 * CPU, the hwloc topology and the cpuset it ran on, the kernel, whether it ran
 * in a virtual machine (and how we know), the limits, the build and the
 * command line.
 *
 * It also records what moves such figures without changing the code: CPU
 * vulnerability mitigations (a kernel entry costs more with them),
 * transparent huge pages (memory per task), isolated CPUs, the frequency
 * governor and limits, and which malloc the process uses.
 *
 * Everything is best effort: a file that is missing or unreadable (another
 * architecture, a container hiding /sys) becomes null, never a failure. Only
 * failing to write the manifest itself is an error. The file is written
 * atomically (h_atomic_*), so a reader never sees half a manifest.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "measure.h"

#define MANIFEST_SCHEMA "concbench.manifest" /* results/SCHEMA.md */

/* ---- a small pretty-printing JSON writer (commas and indentation) ---- */

struct jw {
	FILE *f;
	int depth;
	bool first; /* no member written yet at this depth */
};

static void jw_key(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->first ? "\n" : ",\n", w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	w->first = false;
	if (key) {
		h_json_str(w->f, key);
		fputs(": ", w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	w->depth++;
	w->first = true;
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	if (!w->first) {
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	fputc(c, w->f);
	w->first = false;
}

static void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	h_json_str(w->f, s);
}

static void jw_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	fprintf(w->f, "%lld", v);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

static void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

/* ---- reading the system ---- */

/* The first line of a file without its newline, or NULL when unreadable/empty. */
static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *r = fgets(buf, (int)len, f);
	fclose(f);
	if (!r)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	/* DMI strings come padded with spaces. */
	for (size_t n = strlen(buf); n > 0 && isspace((unsigned char)buf[n - 1]); n--)
		buf[n - 1] = '\0';
	return buf[0] ? buf : NULL;
}

/* A file holding one integer (or "max"): 0 with *v set, 1 for "max"
 * (unlimited), negative errno when missing or unparsable. */
static int read_ll(const char *path, long long *v)
{
	char buf[64];
	if (!read_line(path, buf, sizeof buf))
		return -ENOENT;
	if (strcmp(buf, "max") == 0)
		return 1;
	char *end;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static void jw_file_ll(struct jw *w, const char *key, const char *path)
{
	long long v;
	int r = read_ll(path, &v);
	if (r == 0)
		jw_int(w, key, v);
	else if (r == 1)
		jw_str(w, key, "unlimited");
	else
		jw_null(w, key);
}

/* The value of the first "key<spaces>: value" line of a /proc file such as
 * /proc/cpuinfo or /proc/meminfo, or NULL. */
static char *proc_field(const char *path, const char *key, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *line = NULL, *found = NULL;
	size_t cap = 0, klen = strlen(key);
	while (!found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, key, klen) != 0)
			continue;
		char *p = line + klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			continue; /* a longer key with this prefix */
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		p[strcspn(p, "\n")] = '\0';
		snprintf(out, len, "%s", p);
		found = out;
	}
	free(line);
	fclose(f);
	return found;
}

/* Whether the x86 "flags" line of /proc/cpuinfo lists flag. The line can be
 * over a kilobyte, so it is read whole rather than into a fixed buffer. */
static bool cpuinfo_has_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool has = false;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5) != 0 || !strchr(line, ':'))
			continue;
		for (char *save, *t = strtok_r(strchr(line, ':') + 1, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save))
			if (strcmp(t, flag) == 0)
				has = true;
		break; /* every CPU lists the same flags */
	}
	free(line);
	fclose(f);
	return has;
}

/* aarch64's /proc/cpuinfo has no model name, only the implementer's code. */
static const char *arm_implementer(const char *code)
{
	static const struct { unsigned id; const char *name; } tab[] = {
		{0x41, "ARM"}, {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"},
		{0x48, "HiSilicon"}, {0x4e, "NVIDIA"}, {0x51, "Qualcomm"}, {0x61, "Apple"},
		{0xc0, "Ampere"},
	};
	unsigned long id = strtoul(code, NULL, 0);
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (tab[i].id == id)
			return tab[i].name;
	return code;
}

static void write_cpu(struct jw *w, hwloc_topology_t topo)
{
	char model[256], vendor[64], impl[32], part[32], list[256];
	const char *m = proc_field("/proc/cpuinfo", "model name", model, sizeof model);
	const char *v = proc_field("/proc/cpuinfo", "vendor_id", vendor, sizeof vendor);
	hwloc_obj_t pkg = topo ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0) : NULL;
	if (!m && pkg)
		m = hwloc_obj_get_info_by_name(pkg, "CPUModel");
	if (!v && pkg)
		v = hwloc_obj_get_info_by_name(pkg, "CPUVendor");
	bool arm = proc_field("/proc/cpuinfo", "CPU implementer", impl, sizeof impl) != NULL;
	if (!m && arm && proc_field("/proc/cpuinfo", "CPU part", part, sizeof part)) {
		snprintf(model, sizeof model, "%s part %s", arm_implementer(impl), part);
		m = model;
	}
	if (!v && arm)
		v = arm_implementer(impl);

	jw_open(w, "cpu", '{');
	jw_str(w, "model", m);
	jw_str(w, "vendor", v);
	long on = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
	if (on > 0)
		jw_int(w, "online", on);
	else
		jw_null(w, "online");
	if (conf > 0)
		jw_int(w, "configured", conf);
	else
		jw_null(w, "configured");
	jw_str(w, "online_list", read_line("/sys/devices/system/cpu/online", list, sizeof list));
	jw_close(w, '}');
}

static void plural(char *buf, size_t len, int n, const char *one, const char *many)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "%s%d %s", used ? ", " : "", n, n == 1 ? one : many);
}

static void write_topology(struct jw *w, hwloc_topology_t topo, hwloc_const_cpuset_t cpuset)
{
	if (!topo) {
		jw_null(w, "topology");
		return;
	}
	int pkgs = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	int pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	char summary[128] = "";
	plural(summary, sizeof summary, pkgs, "package", "packages");
	plural(summary, sizeof summary, cores, "core", "cores");
	plural(summary, sizeof summary, pus, "PU", "PUs");

	jw_open(w, "topology", '{');
	jw_str(w, "summary", summary);
	jw_int(w, "packages", pkgs);
	jw_int(w, "numa_nodes", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE));
	jw_int(w, "l3_caches", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE));
	jw_int(w, "cores", cores);
	jw_int(w, "pus", pus);
	/* The NUMA nodes' memory as hwloc counts it; on some VMs (hot-plugged
	 * memory) this differs from MemTotal, so both are kept. */
	hwloc_obj_t root = hwloc_get_root_obj(topo);
	jw_int(w, "numa_memory_kib", (long long)(root->total_memory / 1024));
	char *list = NULL;
	if (cpuset && hwloc_bitmap_list_asprintf(&list, cpuset) >= 0) {
		jw_str(w, "run_cpuset", list);
		jw_int(w, "run_pus", hwloc_bitmap_weight(cpuset));
	} else {
		jw_null(w, "run_cpuset");
		jw_null(w, "run_pus");
	}
	free(list);
	jw_close(w, '}');
}

static void write_kernel(struct jw *w, const struct utsname *u)
{
	jw_open(w, "kernel", '{');
	jw_str(w, "sysname", u->sysname);
	jw_str(w, "release", u->release);
	jw_str(w, "version", u->version);
	jw_str(w, "machine", u->machine);
	jw_close(w, '}');
}

/* ---- virtual machine or not ---- */

/* The hypervisor's CPUID signature (leaf 0x40000000), which x86 hypervisors
 * publish when they set the "hypervisor" flag. */
static char *cpuid_signature(char *out, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return NULL;
	__cpuid(0x40000000, a, b, c, d);
	char sig[13];
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	size_t n = 0;
	for (int i = 0; i < 12 && sig[i] && n + 1 < len; i++)
		out[n++] = isprint((unsigned char)sig[i]) ? sig[i] : '?';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n ? out : NULL;
#else
	(void)out;
	(void)len;
	return NULL;
#endif
}

struct name_map {
	const char *needle, *name;
};

static const char *map_name(const struct name_map *tab, const char *s)
{
	if (!s)
		return NULL;
	for (; tab->needle; tab++)
		if (strstr(s, tab->needle))
			return tab->name;
	return NULL;
}

static const struct name_map cpuid_names[] = {
	{"KVMKVMKVM", "kvm"}, {"Microsoft Hv", "microsoft"}, {"VMwareVMware", "vmware"},
	{"XenVMMXenVMM", "xen"}, {"TCGTCGTCGTCG", "qemu"}, {"bhyve", "bhyve"},
	{"VBoxVBoxVBox", "oracle"}, {"ACRNACRNACRN", "acrn"}, {" lrpepyh  vr", "parallels"},
	{NULL, NULL},
};

/* sys_vendor and product_name strings that only virtual machines report. */
static const struct name_map dmi_names[] = {
	{"QEMU", "qemu"}, {"KVM", "kvm"}, {"VMware", "vmware"}, {"VirtualBox", "oracle"},
	{"innotek", "oracle"}, {"Xen", "xen"}, {"Virtual Machine", "microsoft"},
	{"Parallels", "parallels"}, {"BHYVE", "bhyve"}, {"Google Compute Engine", "google"},
	{"OpenStack", "openstack"}, {"Amazon EC2", "amazon"}, {"Firecracker", "firecracker"},
	{NULL, NULL},
};

/* systemd-detect-virt ARG's answer, or NULL when the program is absent.
 * It knows many more cases than we do (nested, containers), so it is asked
 * when present; a missing program costs one failed exec by the shell. */
static char *detect_virt(const char *arg, char *out, size_t len)
{
	char cmd[64];
	snprintf(cmd, sizeof cmd, "systemd-detect-virt %s 2>/dev/null", arg);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char *r = fgets(out, (int)len, p);
	int st = pclose(p);
	/* Exit 1 with "none" means "not virtualized"; 127 means no such program. */
	if (!r || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	return out[0] ? out : NULL;
}

static void write_virtualization(struct jw *w)
{
	char sig[16], vendor[128], product[128], hvtype[64], sdv[64], sdc[64];
	bool flag = cpuinfo_has_flag("hypervisor");
	const char *cpuid = cpuid_signature(sig, sizeof sig);
	const char *dmi_v = read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof vendor);
	const char *dmi_p = read_line("/sys/class/dmi/id/product_name", product, sizeof product);
	const char *hv = read_line("/sys/hypervisor/type", hvtype, sizeof hvtype);
	const char *sd_vm = detect_virt("--vm", sdv, sizeof sdv);
	const char *sd_ct = detect_virt("--container", sdc, sizeof sdc);
	if (sd_ct && strcmp(sd_ct, "none") == 0)
		sd_ct = NULL;
	const char *dmi = map_name(dmi_names, dmi_p);
	if (!dmi)
		dmi = map_name(dmi_names, dmi_v);

	/* The name: systemd-detect-virt first (it resolves nesting and
	 * look-alikes), then the CPUID signature, Xen's sysfs file, DMI. */
	const char *name = NULL;
	if (sd_vm && strcmp(sd_vm, "none") != 0)
		name = sd_vm;
	if (!name)
		name = map_name(cpuid_names, cpuid);
	if (!name && cpuid)
		name = cpuid;
	if (!name && hv && strcmp(hv, "none") != 0)
		name = hv;
	if (!name)
		name = dmi;

	jw_open(w, "virtualization", '{');
	jw_bool(w, "virtual_machine", name || flag);
	jw_str(w, "hypervisor", name);
	jw_open(w, "detected_by", '[');
	if (flag)
		jw_str(w, NULL, "cpuinfo hypervisor flag");
	if (cpuid)
		jw_str(w, NULL, "cpuid leaf 0x40000000");
	if (dmi)
		jw_str(w, NULL, "dmi sys_vendor/product_name");
	if (hv && strcmp(hv, "none") != 0)
		jw_str(w, NULL, "/sys/hypervisor/type");
	if (sd_vm && strcmp(sd_vm, "none") != 0)
		jw_str(w, NULL, "systemd-detect-virt --vm");
	jw_close(w, ']');
	/* A container shares the host kernel: no extra switch cost, but its
	 * cgroup limits (below) may be the ones that stop a sweep. */
	jw_str(w, "container", sd_ct);
	jw_open(w, "evidence", '{');
	jw_bool(w, "cpuinfo_hypervisor_flag", flag);
	jw_str(w, "cpuid_signature", cpuid);
	jw_str(w, "dmi_sys_vendor", dmi_v);
	jw_str(w, "dmi_product_name", dmi_p);
	jw_str(w, "sys_hypervisor_type", hv);
	jw_str(w, "systemd_detect_virt_vm", sd_vm);
	jw_close(w, '}');
	jw_close(w, '}');
}

/* ---- limits ---- */

static void jw_rlim(struct jw *w, const char *key, rlim_t v)
{
	if (v == RLIM_INFINITY)
		jw_str(w, key, "unlimited");
	else
		jw_int(w, key, (long long)v);
}

static void write_rlimit(struct jw *w, const char *key, int resource)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) != 0) {
		jw_null(w, key);
		return;
	}
	jw_open(w, key, '{');
	jw_rlim(w, "soft", rl.rlim_cur);
	jw_rlim(w, "hard", rl.rlim_max);
	jw_close(w, '}');
}

/* Our cgroup's path for a v1 controller (ctl) or, with ctl NULL, the v2
 * unified hierarchy, from /proc/self/cgroup ("id:controllers:path"). */
static bool cgroup_path(const char *ctl, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0'; /* line: the hierarchy id; c1 + 1: the controllers */
		const char *ctls = c1 + 1;
		if (ctl) {
			for (char *save, *t = strtok_r(c1 + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (strcmp(t, ctl) == 0)
					found = true;
		} else {
			found = strcmp(line, "0") == 0 && ctls[0] == '\0';
		}
		if (found)
			snprintf(out, len, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
	}
	fclose(f);
	return found;
}

/* One cgroup limit. Tried in order: our cgroup under v2, our cgroup under
 * the v1 controller, then the mount's root, which is our own cgroup when a
 * container mounts its namespace there. v1 spells "no limit" as a huge
 * number (LONG_MAX rounded to pages); anything past 2^62 is reported as
 * unlimited. */
static void write_cgroup_limit(struct jw *w, const char *key, const char *v1ctl,
                               const char *v1file, const char *v2file)
{
	char cg[256], path[4][PATH_MAX];
	int n = 0;
	if (cgroup_path(NULL, cg, sizeof cg))
		snprintf(path[n++], PATH_MAX, "/sys/fs/cgroup%s/%s", cg, v2file);
	if (cgroup_path(v1ctl, cg, sizeof cg))
		snprintf(path[n++], PATH_MAX, "/sys/fs/cgroup/%s%s/%s", v1ctl, cg, v1file);
	snprintf(path[n++], PATH_MAX, "/sys/fs/cgroup/%s", v2file);
	snprintf(path[n++], PATH_MAX, "/sys/fs/cgroup/%s/%s", v1ctl, v1file);

	for (int i = 0; i < n; i++) {
		long long v;
		int r = read_ll(path[i], &v);
		if (r < 0)
			continue;
		jw_open(w, key, '{');
		if (r == 1 || v >= (1LL << 62))
			jw_str(w, "value", "unlimited");
		else
			jw_int(w, "value", v);
		jw_str(w, "file", path[i]);
		jw_close(w, '}');
		return;
	}
	jw_null(w, key);
}

static void write_limits(struct jw *w)
{
	jw_open(w, "limits", '{');
	write_rlimit(w, "RLIMIT_NOFILE", RLIMIT_NOFILE);
	write_rlimit(w, "RLIMIT_NPROC", RLIMIT_NPROC);
	write_rlimit(w, "RLIMIT_STACK", RLIMIT_STACK);
	write_rlimit(w, "RLIMIT_AS", RLIMIT_AS);
	jw_file_ll(w, "threads_max", "/proc/sys/kernel/threads-max");
	jw_file_ll(w, "pid_max", "/proc/sys/kernel/pid_max");
	jw_file_ll(w, "max_map_count", "/proc/sys/vm/max_map_count");
	jw_file_ll(w, "overcommit_memory", "/proc/sys/vm/overcommit_memory");
	write_cgroup_limit(w, "cgroup_pids_max", "pids", "pids.max", "pids.max");
	write_cgroup_limit(w, "cgroup_memory_max_bytes", "memory", "memory.limit_in_bytes",
	                   "memory.max");
	jw_close(w, '}');
}

/* ---- what else moves the figures ---- */

/* /sys/devices/system/cpu/vulnerabilities/<name>: one line each, e.g.
 * "Mitigation: PTI" or "Not affected". In name order. */
static void write_vulnerabilities(struct jw *w)
{
	const char *dir = "/sys/devices/system/cpu/vulnerabilities";
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		jw_null(w, "cpu_vulnerabilities");
		return;
	}
	jw_open(w, "cpu_vulnerabilities", '{');
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], line[512];
		if (ents[i]->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
			jw_str(w, ents[i]->d_name, read_line(path, line, sizeof line));
		}
		free(ents[i]);
	}
	free(ents);
	jw_close(w, '}');
}

/* "always [madvise] never": the bracketed word is the setting. */
static void jw_sysfs_choice(struct jw *w, const char *key, const char *path)
{
	char line[256];
	char *s = read_line(path, line, sizeof line);
	char *open = s ? strchr(s, '[') : NULL, *close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		*close = '\0';
		s = open + 1;
	}
	jw_str(w, key, s);
}

static void write_thp(struct jw *w)
{
	jw_open(w, "transparent_hugepages", '{');
	jw_sysfs_choice(w, "enabled", "/sys/kernel/mm/transparent_hugepage/enabled");
	jw_sysfs_choice(w, "defrag", "/sys/kernel/mm/transparent_hugepage/defrag");
	jw_close(w, '}');
}

/* isolcpus= and nohz_full=: CPUs the scheduler leaves alone ("" for none). */
static void write_isolation(struct jw *w)
{
	static const char *const files[][2] = {
		{ "isolated", "/sys/devices/system/cpu/isolated" },
		{ "nohz_full", "/sys/devices/system/cpu/nohz_full" },
	};
	char line[256];
	jw_open(w, "cpu_isolation", '{');
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		FILE *f = fopen(files[i][1], "re");
		if (!f) {
			jw_null(w, files[i][0]);
			continue;
		}
		/* An empty file (no isolated CPU) is "", not null. */
		char *r = fgets(line, sizeof line, f);
		fclose(f);
		if (!r)
			line[0] = '\0';
		line[strcspn(line, "\n")] = '\0';
		jw_str(w, files[i][0], line);
	}
	jw_close(w, '}');
}

/* cpufreq of the first CPU of the run (a VM usually has none: then only
 * /proc/cpuinfo's "cpu MHz", which is the host's nominal figure). */
static void write_frequency(struct jw *w, hwloc_const_cpuset_t cpuset)
{
	int cpu = cpuset ? hwloc_bitmap_first(cpuset) : 0;
	char base[128], path[192], buf[128];
	snprintf(base, sizeof base, "/sys/devices/system/cpu/cpu%d/cpufreq", cpu < 0 ? 0 : cpu);
	jw_open(w, "frequency", '{');
	jw_int(w, "cpu", cpu < 0 ? 0 : cpu);
	snprintf(path, sizeof path, "%s/scaling_governor", base);
	jw_str(w, "scaling_governor", read_line(path, buf, sizeof buf));
	snprintf(path, sizeof path, "%s/scaling_driver", base);
	jw_str(w, "scaling_driver", read_line(path, buf, sizeof buf));
	snprintf(path, sizeof path, "%s/cpuinfo_min_freq", base);
	jw_file_ll(w, "cpuinfo_min_khz", path);
	snprintf(path, sizeof path, "%s/cpuinfo_max_freq", base);
	jw_file_ll(w, "cpuinfo_max_khz", path);
	snprintf(path, sizeof path, "%s/scaling_max_freq", base);
	jw_file_ll(w, "scaling_max_khz", path);
	jw_file_ll(w, "boost", "/sys/devices/system/cpu/cpufreq/boost");
	jw_file_ll(w, "intel_pstate_no_turbo", "/sys/devices/system/cpu/intel_pstate/no_turbo");
	jw_str(w, "cpuinfo_mhz", proc_field("/proc/cpuinfo", "cpu MHz", buf, sizeof buf));
	jw_close(w, '}');
}

/* Which malloc this process calls: the object that defines the `malloc`
 * symbol we link against (libc, an LD_PRELOADed jemalloc or tcmalloc, a
 * sanitizer's interceptor in the executable). */
static void write_allocator(struct jw *w)
{
	jw_open(w, "allocator", '{');
	char libc[64];
	snprintf(libc, sizeof libc, "glibc %s (%s)", gnu_get_libc_version(),
	         gnu_get_libc_release());
	jw_str(w, "libc", libc);
	Dl_info info;
	void *(*m)(size_t) = malloc;
	if (dladdr(*(void **)&m, &info) && info.dli_fname) {
		jw_str(w, "malloc_from", info.dli_fname);
		const char *base = strrchr(info.dli_fname, '/');
		base = base ? base + 1 : info.dli_fname;
		jw_bool(w, "glibc_malloc", strncmp(base, "libc.so", 7) == 0);
	} else {
		jw_null(w, "malloc_from");
		jw_null(w, "glibc_malloc");
	}
	const char *preload = getenv("LD_PRELOAD");
	jw_str(w, "ld_preload", preload && preload[0] ? preload : NULL);
	jw_close(w, '}');
}

static void write_meminfo_kib(struct jw *w, const char *key, const char *field)
{
	char buf[64];
	if (proc_field("/proc/meminfo", field, buf, sizeof buf))
		jw_int(w, key, strtoll(buf, NULL, 10)); /* "24684092 kB" */
	else
		jw_null(w, key);
}

/* The reserve left to the machine at the run's start (cells recompute
 * it each): null with --no-reserve. */
static void write_reserve(struct jw *w, const struct h_reserve *rv)
{
	if (!rv) {
		jw_null(w, "reserve");
		return;
	}
	jw_open(w, "reserve", '{');
	if (rv->threads >= 0) {
		jw_int(w, "threads", rv->threads);
		jw_str(w, "threads_limit", rv->limit);
		jw_int(w, "limit_max", rv->limit_max);
		jw_int(w, "limit_at", rv->limit_at);
		jw_int(w, "kept", rv->kept);
	} else {
		jw_null(w, "threads");
	}
	jw_int(w, "mem_floor_kib", (long long)rv->mem_floor_kib);
	jw_int(w, "mem_available_kib", (long long)rv->mem_avail_kib);
	jw_close(w, '}');
}

static void jw_num(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	h_json_num(w->f, v);
}

/* calib.c's figures, each with what it is and its unit, so a reader of
 * the manifest alone knows what the yardstick measured. */
static void write_calibration(struct jw *w, const struct h_calib *c)
{
	if (!c) {
		jw_null(w, "calibration");
		return;
	}
	static const char *const what[H_NCALIB] = {
		[H_CALIB_PIPE_SAME] = "two threads pass a 4-byte token through two pipes "
		                      "(perf bench sched pipe -T), both pinned to one CPU",
		[H_CALIB_PIPE_CROSS] = "two threads pass a 4-byte token through two pipes "
		                       "(perf bench sched pipe -T), pinned to two cores",
		[H_CALIB_FUTEX_SAME] = "two threads hand a futex word back and forth "
		                       "(FUTEX_WAIT/FUTEX_WAKE), both pinned to one CPU",
		[H_CALIB_FUTEX_CROSS] = "two threads hand a futex word back and forth "
		                        "(FUTEX_WAIT/FUTEX_WAKE), pinned to two cores",
	};
	jw_open(w, "calibration", '{');
	jw_str(w, "what", "measured once before the first cell: ns per switch = round-trip "
	                  "time / 2, the median over regions of region_ms each after a "
	                  "warm-up, the four ping-pongs' regions interleaved");
	jw_int(w, "timed_ms", (long long)c->box_ms);
	jw_int(w, "region_ms", (long long)c->region_ms);
	for (int i = 0; i < H_NCALIB; i++) {
		const struct h_calib_pp *p = &c->pp[i];
		int k = i % 2; /* same, cross */
		jw_open(w, h_calib_names[i], '{');
		jw_str(w, "what", what[i]);
		if (p->ns_per_switch > 0) {
			jw_num(w, "ns_per_switch", p->ns_per_switch);
			jw_str(w, "unit", "ns");
			/* The median's spread: every region, their range and the
			 * median's 95% bootstrap interval (null for one region). */
			jw_int(w, "regions", p->regions);
			jw_open(w, "region_ns_per_switch", '[');
			for (int r = 0; r < p->regions; r++)
				jw_num(w, NULL, p->region_ns[r]);
			jw_close(w, ']');
			jw_num(w, "min", p->min);
			jw_num(w, "max", p->max);
			jw_num(w, "ci_lo", p->ci_lo);
			jw_num(w, "ci_hi", p->ci_hi);
			jw_int(w, "round_trips", (long long)p->round_trips);
			jw_num(w, "timed_ms", (double)p->timed_ns / 1e6);
			jw_open(w, "cpus", '[');
			jw_int(w, NULL, c->cpu[k][0]);
			jw_int(w, NULL, c->cpu[k][1]);
			jw_close(w, ']');
		} else {
			jw_null(w, "ns_per_switch");
			jw_str(w, "unit", "ns");
			jw_str(w, "why", p->why);
		}
		jw_close(w, '}');
	}
	jw_open(w, "clock_read", '{');
	jw_str(w, "what", "one clock_gettime(CLOCK_MONOTONIC) call, averaged over calls");
	jw_num(w, "ns_per_call", c->clock_ns);
	jw_str(w, "unit", "ns");
	jw_int(w, "calls", (long long)c->clock_calls);
	jw_close(w, '}');
	jw_open(w, "stack_switch", '{');
	jw_str(w, "what", "two contexts switching back and forth on one CPU, no scheduler: "
	                  "ns per one-direction switch, the fastest of three regions of "
	                  "timed_ms of CPU time");
	if (c->sw_rc < 0) {
		jw_str(w, "why", strerror(-c->sw_rc));
	} else {
		jw_int(w, "cpu", c->sw.cpu);
		jw_int(w, "timed_ms", (long long)c->sw.region_ms);
		for (int i = 0; i < H_NPEERS; i++) {
			const struct h_switch_peer *r = &c->sw.row[i];
			jw_open(w, r->name, '{');
			jw_str(w, "what", r->what);
			if (r->ns >= 0) {
				jw_num(w, "ns_per_switch", r->ns);
				jw_int(w, "switches", (long long)r->switches);
			} else {
				jw_null(w, "ns_per_switch");
				jw_str(w, "why", r->why);
			}
			jw_close(w, '}');
		}
	}
	jw_close(w, '}');
	jw_close(w, '}');
}

/* The servers that are not ours this run measured (peer.c), and their
 * versions: "peers": {"peer:nginx": "1.22.1"}. */
#define MAX_PEERS 4
static char peer_name[MAX_PEERS][160], peer_version[MAX_PEERS][64];
static int npeers;

void h_manifest_peer(const char *name, const char *version)
{
	if (npeers == MAX_PEERS)
		return;
	snprintf(peer_name[npeers], sizeof peer_name[0], "%s", name);
	snprintf(peer_version[npeers], sizeof peer_version[0], "%s", version ? version : "");
	npeers++;
}

static void write_peers(struct jw *w)
{
	if (!npeers)
		return;
	jw_open(w, "peers", '{');
	for (int i = 0; i < npeers; i++)
		jw_str(w, peer_name[i], peer_version[i][0] ? peer_version[i] : NULL);
	jw_close(w, '}');
}

static void write_manifest(FILE *f, int argc, char **argv, hwloc_topology_t topo,
                           hwloc_const_cpuset_t cpuset, const char *cpuset_source,
                           const struct h_reserve *reserve, const struct h_calib *calib)
{
	struct jw w = {.f = f, .depth = 0, .first = true};
	struct utsname u;
	bool have_uname = uname(&u) == 0;

	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);

	jw_open(&w, NULL, '{');
	jw_str(&w, "schema", MANIFEST_SCHEMA);
	jw_int(&w, "schema_version", 1);
	jw_str(&w, "created", created);
	jw_open(&w, "command_line", '[');
	for (int i = 0; i < argc; i++)
		jw_str(&w, NULL, argv[i]);
	jw_close(&w, ']');
	jw_str(&w, "git_commit", CB_GIT_COMMIT);
	jw_str(&w, "compiler", CB_COMPILER);
	jw_str(&w, "cflags", CB_CFLAGS);
	jw_str(&w, "build_type", CB_BUILD_TYPE);
	/* The OpenMP library the omp runtime was linked with (CMake's CB_OMP). */
	jw_str(&w, "openmp", CB_OPENMP);
	jw_str(&w, "hostname", have_uname ? u.nodename : NULL);
	write_cpu(&w, topo);
	write_topology(&w, topo, cpuset);
	if (cpuset_source)
		jw_str(&w, "run_cpuset_source", cpuset_source);
	else
		jw_null(&w, "run_cpuset_source");
	write_reserve(&w, reserve);
	write_calibration(&w, calib);
	write_peers(&w);
	if (have_uname)
		write_kernel(&w, &u);
	else
		jw_null(&w, "kernel");
	write_virtualization(&w);
	write_vulnerabilities(&w);
	write_thp(&w);
	write_isolation(&w);
	write_frequency(&w, cpuset);
	write_allocator(&w);
	write_limits(&w);
	jw_open(&w, "memory", '{');
	write_meminfo_kib(&w, "mem_total_kib", "MemTotal");
	write_meminfo_kib(&w, "mem_available_kib", "MemAvailable");
	jw_int(&w, "page_size", sysconf(_SC_PAGESIZE));
	jw_close(&w, '}');
	jw_close(&w, '}');
	fputc('\n', f);
}

int h_manifest_write(const char *dir, int argc, char **argv, hwloc_topology_t topo,
                     hwloc_const_cpuset_t cpuset)
{
	return h_manifest_write_named(dir, "manifest.json", argc, argv, topo, cpuset, NULL, NULL,
	                              NULL);
}

int h_manifest_write_named(const char *dir, const char *name, int argc, char **argv,
                           hwloc_topology_t topo, hwloc_const_cpuset_t cpuset,
                           const char *cpuset_source, const struct h_reserve *reserve,
                           const struct h_calib *calib)
{
	if (!dir || !name || argc < 0 || (argc > 0 && !argv))
		return -EINVAL;
	struct h_atomic a;
	FILE *f = h_atomic_open(&a, dir, name);
	if (!f)
		return -errno;
	write_manifest(f, argc, argv, topo, cpuset, cpuset_source, reserve, calib);
	return h_atomic_commit(&a, f);
}

/* The few lines of a manifest a client host adds to each cell it served:
 * enough to tell hosts apart and see that it is not the server. */
void h_host_self(struct h_host *h)
{
	memset(h, 0, sizeof *h);
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(h->hostname, sizeof h->hostname, "%s", u.nodename);
		snprintf(h->kernel, sizeof h->kernel, "%s", u.release);
	}
	char model[256];
	const char *m = proc_field("/proc/cpuinfo", "model name", model, sizeof model);
	snprintf(h->cpu_model, sizeof h->cpu_model, "%s", m ? m : "");
	long on = sysconf(_SC_NPROCESSORS_ONLN);
	h->cpus = on > 0 ? (int)on : 0;
}
