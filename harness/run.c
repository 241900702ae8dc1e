/* run.c — `concbench run`: checks the parameters against the selected
 * runtimes and workloads, builds the matrix, prepares the output folder,
 * then runs every cell in its own child and writes the results. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

/* ---- parameter checks ---- */

/* The k-th parameter list of the run: workloads' first, then runtimes'. */
static const struct cb_param *param_at(const struct h_run_opts *o, int k)
{
	return k < o->nwls ? o->wls[k]->params : o->rts[k - o->nwls]->params;
}

/* "a, b, c": every distinct parameter name of the selected runtimes and
 * workloads, for the message naming the valid keys. */
static void valid_keys(const struct h_run_opts *o, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < o->nwls + o->nrts; k++) {
		for (const struct cb_param *p = param_at(o, k); p && p->name; p++) {
			int dup = 0;
			/* Earlier lists whole, this one up to p (two runtimes may
			 * share one list). */
			for (int j = 0; j <= k && !dup; j++)
				for (const struct cb_param *q = param_at(o, j);
				     q && q->name && !(j == k && q == p) && !dup; q++)
					dup = strcmp(q->name, p->name) == 0;
			if (!dup && used < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
				                         p->name);
		}
	}
}

/* A set must name a parameter of some selected runtime or workload, and
 * each value must be in the range of every parameter it names. */
static int check_set(const struct h_run_opts *o, const struct h_set *s, const char *origin)
{
	int found = 0;
	for (int k = 0; k < o->nwls + o->nrts; k++) {
		int is_wl = k < o->nwls;
		const struct cb_param *p = param_at(o, k);
		const char *name = is_wl ? o->wls[k]->name : o->rts[k - o->nwls]->name;
		for (; p && p->name; p++) {
			if (strcmp(p->name, s->key) != 0)
				continue;
			found = 1;
			char owner[96], err[256];
			snprintf(owner, sizeof owner, "%s %s", is_wl ? "workload" : "runtime", name);
			for (int i = 0; i < s->nvals; i++)
				if (h_param_check(p, owner, s->vals[i], err, sizeof err) < 0) {
					h_error("%s%s", origin, err);
					return -1;
				}
		}
	}
	if (!found) {
		char keys[512];
		valid_keys(o, keys, sizeof keys);
		if (keys[0])
			h_error("%sunknown parameter '%s' (choose from: %s)", origin, s->key, keys);
		else
			h_error("%sunknown parameter '%s' (the selected runtimes and workloads take "
			        "none)", origin, s->key);
		return -1;
	}
	return 0;
}

/* The suite's sets for the selected workloads, parsed and checked. A bad
 * entry is a bug in the suite table, reported like a bad --set. */
static int suite_sets(const struct h_run_opts *o, struct h_set **out,
                      const struct workload ***owner, int *n)
{
	*out = NULL;
	*owner = NULL;
	*n = 0;
	if (!o->suite)
		return 0;
	*out = calloc(H_SUITE_MAX_SETS, sizeof **out);
	*owner = calloc(H_SUITE_MAX_SETS, sizeof **owner);
	if (!*out || !*owner) {
		h_error("out of memory");
		return -1;
	}
	char origin[64];
	snprintf(origin, sizeof origin, "suite %s: ", o->suite->name);
	const struct h_suite_set *end = o->suite->sets + H_SUITE_MAX_SETS;
	for (const struct h_suite_set *ss = o->suite->sets; ss < end && ss->workload; ss++) {
		const struct workload *wl = NULL;
		for (int k = 0; k < o->nwls; k++)
			if (strcmp(o->wls[k]->name, ss->workload) == 0)
				wl = o->wls[k];
		if (!wl)
			continue; /* the user narrowed --workload */
		char err[256];
		if (h_set_parse(ss->set, &(*out)[*n], err, sizeof err) < 0) {
			h_error("%s%s", origin, err);
			return -1;
		}
		(*owner)[*n] = wl;
		(*n)++;
		struct h_run_opts one = { .wls = &wl, .nwls = 1 };
		if (check_set(&one, &(*out)[*n - 1], origin) < 0)
			return -1;
	}
	return 0;
}

/* ---- the matrix ---- */

struct matrix {
	struct h_cell *cells;
	long n;
};

static void matrix_free(struct matrix *m)
{
	for (long i = 0; i < m->n; i++)
		free(m->cells[i].params);
	free(m->cells);
	m->cells = NULL;
	m->n = 0;
}

/* runtime × workload × point × rep, reps innermost so a point's reps run
 * back to back. pass 0 counts, pass 1 fills. */
static int build_matrix(const struct h_run_opts *o, const struct h_set *ssets,
                        const struct workload *const *sowner, int nssets, struct matrix *m)
{
	struct h_set *sets = calloc((size_t)(nssets + o->nsets) + 1, sizeof *sets);
	if (!sets) {
		h_error("out of memory");
		return -1;
	}
	long total = 0;
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		long at = 0;
		for (int r = 0; r < o->nrts && rc == 0; r++) {
			for (int w = 0; w < o->nwls && rc == 0; w++) {
				/* The suite's sets for this workload, then the user's,
				 * which override a suite's set of the same key. */
				int ns = 0;
				for (int i = 0; i < nssets; i++)
					if (sowner[i] == o->wls[w])
						sets[ns++] = ssets[i];
				for (int i = 0; i < o->nsets; i++)
					sets[ns++] = o->sets[i];
				struct h_plist pl = { { o->wls[w]->params, o->rts[r]->params } };
				int np = h_plist_count(&pl);
				long points = h_sweep_count(&pl, sets, ns);
				if (pass == 0 &&
				    (points == 0 || points > (H_MAX_CELLS - total) / o->reps)) {
					h_error("the matrix has more than %d cells; sweep fewer values",
					        H_MAX_CELLS);
					rc = -1;
					break;
				}
				if (pass == 0) {
					total += points * o->reps;
					continue;
				}
				for (long p = 0; p < points && rc == 0; p++) {
					for (int rep = 1; rep <= o->reps; rep++) {
						struct h_cell *c = &m->cells[at];
						c->rt = o->rts[r];
						c->wl = o->wls[w];
						c->rep = rep;
						c->params = calloc(np > 0 ? (size_t)np : 1, sizeof *c->params);
						if (!c->params) {
							h_error("out of memory");
							rc = -1;
							break;
						}
						m->n = ++at;
						h_sweep_point(&pl, sets, ns, p, c->params, &c->setmask);
					}
				}
			}
		}
		if (pass == 0 && rc == 0) {
			m->cells = calloc(total > 0 ? (size_t)total : 1, sizeof *m->cells);
			if (!m->cells) {
				h_error("out of memory");
				rc = -1;
			}
		}
	}
	free(sets);
	return rc;
}

/* ---- CPUs ---- */

static int choose_cpus(const struct h_run_opts *o, hwloc_topology_t topo, hwloc_bitmap_t set)
{
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo);
	char *allowed_s = NULL;
	if (hwloc_bitmap_list_asprintf(&allowed_s, allowed) < 0)
		allowed_s = NULL;
	int rc = 0;
	if (!o->cpus) {
		hwloc_bitmap_copy(set, allowed);
	} else if (h_parse_cpus(o->cpus, set) < 0) {
		h_error("bad --cpus '%s' (OS CPU indexes like 0, 0-1 or 0,2-3; allowed: %s)",
		        o->cpus, allowed_s ? allowed_s : "?");
		rc = -1;
	} else if (!hwloc_bitmap_isincluded(set, allowed)) {
		hwloc_bitmap_t extra = hwloc_bitmap_alloc();
		int first = -1;
		if (extra) {
			hwloc_bitmap_andnot(extra, set, allowed);
			first = hwloc_bitmap_first(extra);
			hwloc_bitmap_free(extra);
		}
		h_error("CPU %d in --cpus '%s' is not available (allowed: %s)", first, o->cpus,
		        allowed_s ? allowed_s : "?");
		rc = -1;
	}
	if (rc == 0 && hwloc_bitmap_iszero(set)) {
		h_error("no CPU to run on (allowed: %s)", allowed_s ? allowed_s : "none");
		rc = -1;
	}
	free(allowed_s);
	return rc;
}

/* ---- the output folder ---- */

/* mkdir -p. 0 or -errno. */
static int mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		int exists = 0;
		if (mkdir(buf, 0777) != 0) {
			if (errno != EEXIST)
				return -errno;
			exists = 1;
		}
		if (exists || saved == '\0') {
			struct stat st;
			if (stat(buf, &st) != 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		if (saved == '\0')
			return 0;
		*p = saved;
	}
}

/* 1 when dir holds nothing but . and .., 0 when it holds more, -errno. */
static int is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* Makes the output folder: new or empty, and writable. Results are never
 * overwritten, so a folder with anything in it is refused; the default
 * name gets a -2, -3... suffix when two runs start in the same second. */
static int prepare_out(const char *given, char *dir, size_t len)
{
	int rc;
	if (given) {
		if (!given[0]) {
			h_error("empty --out (give a folder name)");
			return -1;
		}
		if (snprintf(dir, len, "%s", given) >= (int)len) {
			h_error("output folder name too long: '%s'", given);
			return -1;
		}
		struct stat st;
		if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
			h_error("cannot use '%s' as the output folder: it exists and is not a folder",
			        dir);
			return -1;
		}
		rc = mkdir_p(dir);
		if (rc < 0) {
			h_error("cannot create output folder '%s': %s", dir, strerror(-rc));
			return -1;
		}
		rc = is_empty(dir);
		if (rc == 0) {
			h_error("output folder '%s' is not empty (results are never overwritten: "
			        "choose a new --out)", dir);
			return -1;
		}
	} else {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
		for (int k = 1;; k++) {
			if (k == 1)
				snprintf(dir, len, "results/%s", stamp);
			else
				snprintf(dir, len, "results/%s-%d", stamp, k);
			rc = mkdir_p(dir);
			if (rc < 0) {
				h_error("cannot create output folder '%s': %s", dir, strerror(-rc));
				return -1;
			}
			rc = is_empty(dir);
			if (rc != 0 || k == 100)
				break;
		}
	}
	if (rc < 0) {
		h_error("cannot read output folder '%s': %s", dir, strerror(-rc));
		return -1;
	}
	if (rc == 0) {
		h_error("output folder '%s' is not empty", dir);
		return -1;
	}
	/* Prove it writable now, as a usage error, rather than after the
	 * first cell has run (root passes access(2) even on a read-only fs). */
	char probe[4200];
	snprintf(probe, sizeof probe, "%s/.concbench-probe", dir);
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		h_error("cannot write in output folder '%s': %s", dir, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(probe);
	return 0;
}

/* ---- running ---- */

static void progress(const struct h_cell *c, long i, long n)
{
	char params[512];
	const struct h_cell_result *r = &c->res;
	h_cell_params_str(c, ' ', 1, params, sizeof params);
	fprintf(stderr, "[%ld/%ld] %s %s %s%srep %d: ", i, n, c->rt->name, c->wl->name, params,
	        params[0] ? " " : "", c->rep);
	if (r->ok) {
		double ns = (double)r->wall_ns;
		if (ns < 1e6)
			fprintf(stderr, "ok %.1f us\n", ns / 1e3);
		else if (ns < 1e10)
			fprintf(stderr, "ok %.1f ms\n", ns / 1e6);
		else
			fprintf(stderr, "ok %.2f s\n", ns / 1e9);
		return;
	}
	fprintf(stderr, "FAILED: %s", r->error);
	if (r->limit[0])
		fprintf(stderr, " (reached %llu tasks, limit %s)", (unsigned long long)r->tasks_reached,
		        r->limit);
	fputc('\n', stderr);
}

int h_cmd_run(const struct h_run_opts *o)
{
	int status = H_EXIT_USAGE;
	struct h_set *ssets = NULL;
	const struct workload **sowner = NULL;
	int nssets = 0;
	struct matrix m = { 0 };
	hwloc_topology_t topo = NULL;
	hwloc_bitmap_t cpuset = NULL;
	FILE *res = NULL;
	char dir[4096];

	for (int i = 0; i < o->nsets; i++)
		if (check_set(o, &o->sets[i], "") < 0)
			goto out;
	if (suite_sets(o, &ssets, &sowner, &nssets) < 0)
		goto out;
	if (build_matrix(o, ssets, sowner, nssets, &m) < 0)
		goto out;

	/* Once, before any fork: every child inherits the loaded topology. */
	if (hwloc_topology_init(&topo) != 0) {
		topo = NULL;
		h_error("hwloc_topology_init failed: %s", strerror(errno));
		status = H_EXIT_FAILED;
		goto out;
	}
	if (hwloc_topology_load(topo) != 0) {
		h_error("hwloc cannot load the topology: %s", strerror(errno));
		status = H_EXIT_FAILED;
		goto out;
	}
	cpuset = hwloc_bitmap_alloc();
	if (!cpuset) {
		h_error("out of memory");
		status = H_EXIT_FAILED;
		goto out;
	}
	if (choose_cpus(o, topo, cpuset) < 0)
		goto out;
	if (prepare_out(o->out, dir, sizeof dir) < 0)
		goto out;

	status = H_EXIT_FAILED; /* from here on, trouble is a failed run */
	int rc = h_manifest_write(dir, o->argc, o->argv, topo, cpuset);
	if (rc < 0) {
		h_error("cannot write %s/manifest.json: %s", dir, strerror(-rc));
		goto out;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/results.jsonl", dir);
	res = fopen(path, "wxe");
	if (!res) {
		h_error("cannot create %s: %s", path, strerror(errno));
		goto out;
	}

	long failed = 0;
	for (long i = 0; i < m.n; i++) {
		struct h_cell *c = &m.cells[i];
		h_cell_run(c, topo, cpuset, o->timeout_s);
		failed += !c->res.ok;
		rc = h_results_append(res, c);
		if (rc < 0) {
			h_error("cannot write %s: %s", path, strerror(-rc));
			goto out;
		}
		progress(c, i + 1, m.n);
	}

	int ok = failed == 0;
	rc = h_summary_write(dir, m.cells, m.n);
	if (rc < 0) {
		h_error("cannot write %s/summary.csv: %s", dir, strerror(-rc));
		ok = 0;
	}
	long bad = h_checksum_check(m.cells, m.n, stderr);
	if (bad)
		ok = 0;
	if (failed)
		h_error("%ld of %ld cells failed (see %s)", failed, m.n, path);
	printf("%s\n", dir);
	status = ok ? H_EXIT_OK : H_EXIT_FAILED;
out:
	if (res && fclose(res) != 0 && status == H_EXIT_OK) {
		h_error("cannot write %s/results.jsonl: %s", dir, strerror(errno));
		status = H_EXIT_FAILED;
	}
	for (int i = 0; i < nssets; i++)
		h_set_free(&ssets[i]);
	free(ssets);
	free(sowner);
	matrix_free(&m);
	if (cpuset)
		hwloc_bitmap_free(cpuset);
	if (topo)
		hwloc_topology_destroy(topo);
	return status;
}
