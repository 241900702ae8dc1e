/* placement.c — where a cell runs: --placement names a relation between two
 * CPUs (the two sides of a pingpong), and this picks a pair that has it from
 * the hwloc topology, within the CPUs the run may use:
 *
 *   same-core      one CPU for both tasks: every hand-over is a switch on
 *                  that CPU (cpuset {a}, both tasks on a)
 *   smt-sibling    two hardware threads of one core
 *   cross-core     two cores, the nearest pair there is (sharing an L3 if
 *                  any two do, else a package)
 *   same-l3        two cores that share an L3 cache
 *   cross-l3       two cores under different L3 caches
 *   cross-package  two packages (sockets)
 *   unpinned       every CPU of the run, no preference: the scheduler's choice
 *
 * A pair relation gives the cell the cpuset {a, b} and asks the workload to
 * put its first task on a and its second on b (wl_env.cpu_a/cpu_b); a
 * runtime with a thread per task binds each there, a single-threaded one
 * runs inside {a, b}. A relation the machine cannot offer is refused with
 * one sentence saying why, before anything runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"

const char *const h_placement_names[] = {
	"same-core", "cross-core", "unpinned", "smt-sibling", "same-l3", "cross-l3",
	"cross-package", NULL,
};

enum rel { SAME_CORE, CROSS_CORE, UNPINNED, SMT_SIBLING, SAME_L3, CROSS_L3, CROSS_PACKAGE };

/* The PU's ancestor of a type, or NULL (hwloc may not know the L3, or a
 * core, on some machines: then no pair can rely on it). */
static hwloc_obj_t up(hwloc_topology_t topo, hwloc_obj_t pu, hwloc_obj_type_t type)
{
	return hwloc_get_ancestor_obj_by_type(topo, type, pu);
}

/* A PU's core: its Core ancestor, or the PU itself where hwloc has no
 * Core level (each PU is then its own core). */
static hwloc_obj_t core_of(hwloc_topology_t topo, hwloc_obj_t pu)
{
	hwloc_obj_t c = up(topo, pu, HWLOC_OBJ_CORE);
	return c ? c : pu;
}

/* Does (a, b) have relation r? With `near` set, cross-core also asks for a
 * shared L3 (near 2) or package (near 1): the nearest cross-core pair. */
static int has(hwloc_topology_t topo, enum rel r, hwloc_obj_t a, hwloc_obj_t b, int near)
{
	hwloc_obj_t ca = core_of(topo, a), cb = core_of(topo, b);
	hwloc_obj_t la = up(topo, a, HWLOC_OBJ_L3CACHE), lb = up(topo, b, HWLOC_OBJ_L3CACHE);
	hwloc_obj_t pa = up(topo, a, HWLOC_OBJ_PACKAGE), pb = up(topo, b, HWLOC_OBJ_PACKAGE);
	switch (r) {
	case SMT_SIBLING:
		return ca == cb && ca != a;
	case CROSS_CORE:
		if (ca == cb)
			return 0;
		if (near == 2)
			return la && la == lb;
		if (near == 1)
			return pa && pa == pb;
		return 1;
	case SAME_L3:
		return ca != cb && la && la == lb;
	case CROSS_L3:
		/* Same package first (near 1): an L3 boundary inside a package
		 * is the interesting one (chiplets, clusters). */
		return ca != cb && la && lb && la != lb && (!near || (pa && pa == pb));
	case CROSS_PACKAGE:
		return pa && pb && pa != pb;
	default:
		return 0;
	}
}

/* The first pair (a < b, in OS index order) within `set` with relation r. */
static int find_pair(hwloc_topology_t topo, hwloc_const_cpuset_t set, enum rel r, int near,
                     int *oa, int *ob)
{
	unsigned i, j;
	hwloc_bitmap_foreach_begin(i, set)
		hwloc_obj_t a = hwloc_get_pu_obj_by_os_index(topo, i);
		if (!a)
			continue;
		hwloc_bitmap_foreach_begin(j, set)
			if (j <= i)
				continue;
			hwloc_obj_t b = hwloc_get_pu_obj_by_os_index(topo, j);
			if (b && has(topo, r, a, b, near)) {
				*oa = (int)i;
				*ob = (int)j;
				return 0;
			}
		hwloc_bitmap_foreach_end();
	hwloc_bitmap_foreach_end();
	return -ENOENT;
}

int h_placement_valid(const char *name)
{
	for (int i = 0; h_placement_names[i]; i++)
		if (strcmp(h_placement_names[i], name) == 0)
			return 1;
	return 0;
}

int h_placement_resolve(hwloc_topology_t topo, hwloc_const_cpuset_t within, const char *name,
                        struct h_place *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->cpu_a = out->cpu_b = -1;
	int r = -1;
	for (int i = 0; h_placement_names[i]; i++)
		if (strcmp(h_placement_names[i], name) == 0)
			r = i;
	if (r < 0) {
		snprintf(err, errlen, "unknown placement '%s'", name);
		return -EINVAL;
	}
	out->name = h_placement_names[r];
	out->cpuset = hwloc_bitmap_alloc();
	if (!out->cpuset) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	char cpus[256];
	hwloc_bitmap_list_snprintf(cpus, sizeof cpus, within);

	int a = -1, b = -1, rc = 0;
	switch ((enum rel)r) {
	case UNPINNED:
		hwloc_bitmap_copy(out->cpuset, within);
		return 0;
	case SAME_CORE:
		a = b = hwloc_bitmap_first(within);
		rc = a < 0 ? -ENOENT : 0;
		break;
	case CROSS_CORE:
		rc = find_pair(topo, within, CROSS_CORE, 2, &a, &b);
		if (rc < 0)
			rc = find_pair(topo, within, CROSS_CORE, 1, &a, &b);
		if (rc < 0)
			rc = find_pair(topo, within, CROSS_CORE, 0, &a, &b);
		if (rc < 0)
			snprintf(err, errlen, "cannot place cross-core: CPUs %s are all on one core "
			         "(give --cpus with two cores)", cpus);
		break;
	case SMT_SIBLING:
		rc = find_pair(topo, within, SMT_SIBLING, 0, &a, &b);
		if (rc < 0)
			snprintf(err, errlen, "cannot place smt-sibling: no core among CPUs %s has two "
			         "hardware threads (no SMT here, or --cpus leaves one per core)", cpus);
		break;
	case SAME_L3:
		rc = find_pair(topo, within, SAME_L3, 0, &a, &b);
		if (rc < 0)
			snprintf(err, errlen, "cannot place same-l3: no two cores among CPUs %s share "
			         "an L3 cache%s", cpus,
			         hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE) ? ""
			                                                           : " (hwloc finds no L3)");
		break;
	case CROSS_L3:
		rc = find_pair(topo, within, CROSS_L3, 1, &a, &b);
		if (rc < 0)
			rc = find_pair(topo, within, CROSS_L3, 0, &a, &b);
		if (rc < 0)
			snprintf(err, errlen, "cannot place cross-l3: CPUs %s share one L3 cache%s",
			         cpus,
			         hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_L3CACHE) ? ""
			                                                           : " (hwloc finds no L3)");
		break;
	case CROSS_PACKAGE:
		rc = find_pair(topo, within, CROSS_PACKAGE, 0, &a, &b);
		if (rc < 0)
			snprintf(err, errlen, "cannot place cross-package: CPUs %s are all in one "
			         "package", cpus);
		break;
	}
	if (rc < 0) {
		if (a < 0 && r == SAME_CORE)
			snprintf(err, errlen, "cannot place same-core: no CPU to run on");
		hwloc_bitmap_free(out->cpuset);
		out->cpuset = NULL;
		return -ENOTSUP;
	}
	hwloc_bitmap_only(out->cpuset, (unsigned)a);
	hwloc_bitmap_set(out->cpuset, (unsigned)b);
	out->cpu_a = a;
	out->cpu_b = b;
	return 0;
}

void h_placement_free(struct h_place *p)
{
	if (p->cpuset)
		hwloc_bitmap_free(p->cpuset);
	p->cpuset = NULL;
}

int h_machine_load(hwloc_topology_t *topo, hwloc_bitmap_t *all, hwloc_bitmap_t *client,
                   hwloc_bitmap_t *server)
{
	/* Cgroups of cells whose run was killed with SIGKILL (see mem.c). */
	h_cgroup_sweep();
	if (hwloc_topology_init(topo) != 0) {
		*topo = NULL;
		h_error("hwloc_topology_init failed: %s", strerror(errno));
		return H_REPORTED;
	}
	if (hwloc_topology_load(*topo) != 0) {
		h_error("hwloc cannot load the topology: %s", strerror(errno));
		return H_REPORTED;
	}
	*all = hwloc_bitmap_alloc();
	*client = hwloc_bitmap_alloc();
	*server = hwloc_bitmap_alloc();
	if (!*all || !*client || !*server) {
		h_error("out of memory");
		return H_REPORTED;
	}
	return 0;
}

int h_cpus_usable(hwloc_topology_t topo, hwloc_bitmap_t out)
{
	/* hwloc's allowed set is the cgroup cpuset (a container's); the
	 * affinity mask (taskset, a job scheduler's binding, numactl) is not
	 * in it. A run that used the allowed set alone would bind its cells
	 * to CPUs the user never gave it. */
	hwloc_bitmap_t aff = hwloc_bitmap_alloc();
	if (!aff)
		return -ENOMEM;
	if (hwloc_get_cpubind(topo, aff, HWLOC_CPUBIND_PROCESS) != 0)
		hwloc_bitmap_copy(aff, hwloc_topology_get_allowed_cpuset(topo));
	hwloc_bitmap_and(out, aff, hwloc_topology_get_allowed_cpuset(topo));
	hwloc_bitmap_free(aff);
	return 0;
}
