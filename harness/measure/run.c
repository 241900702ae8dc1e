/* run.c — `concbench run`: checks the parameters against the selected
 * runtimes and workloads, builds the matrix, prepares the output folder,
 * then runs every cell in its own child and writes the results.
 *
 * Long runs: the first SIGINT or SIGTERM lets the running cell finish and
 * stops there; a second one kills that cell (which is then not recorded,
 * so a resume runs it again). Either way every finished cell is on disk,
 * summary.csv is written over them, and run.json says "partial".
 * `--resume DIR` rebuilds the same matrix from DIR/run.json, reads back
 * DIR/results.jsonl, runs only the cells missing from it (each point's
 * warm-up again first, since the machine has gone cold), appends, and
 * rewrites the summary over everything. A last line cut by a crash is
 * removed first; a folder is written by one process at a time (lock_folder).
 *
 * Errors: a function here that fails has printed one line (h_error) and
 * returns H_REPORTED; h_cmd_run alone picks the exit status.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

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

/* Whether a selected runtime or workload takes key. */
static int takes_key(const struct h_run_opts *o, const char *key)
{
	for (int k = 0; k < o->nwls + o->nrts; k++)
		for (const struct cb_param *p = param_at(o, k); p && p->name; p++)
			if (!strcmp(p->name, key))
				return 1;
	return 0;
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
					return H_REPORTED;
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
		return H_REPORTED;
	}
	return 0;
}

/* ---- suite parts ---- */

/* One part of a suite as the options of the one `run` command it stands
 * for: the user's runtimes and workloads narrowed to the part's, the part's
 * sets then the user's (a later set of a key overrides an earlier one), the
 * user's --placement or else the part's. A part left with no runtime or no
 * workload has nrts or nwls 0 and is skipped. A bad part entry is a bug in
 * the suite table, reported like a bad --set. */
static int part_opts(const struct h_run_opts *o, const struct h_suite_part *part,
                     struct h_run_opts *po)
{
	*po = *o;
	po->suite = NULL;
	po->rts = calloc((size_t)o->nrts + 2, sizeof *po->rts); /* + a peer (plan_parts) */
	po->wls = calloc((size_t)o->nwls + 1, sizeof *po->wls);
	po->sets = calloc((size_t)o->nsets + H_SUITE_MAX_SETS + 1, sizeof *po->sets);
	po->nrts = po->nwls = po->nsets = 0;
	if (!po->rts || !po->wls || !po->sets) {
		h_error("out of memory");
		return H_REPORTED;
	}
	for (int i = 0; i < o->nrts; i++)
		if (h_suite_part_takes(part, o->rts[i]))
			po->rts[po->nrts++] = o->rts[i];
	for (int i = 0; i < o->nwls; i++)
		if (h_list_has(part->workloads, o->wls[i]->name))
			po->wls[po->nwls++] = o->wls[i];
	if (!po->nrts || !po->nwls)
		return 0;
	char origin[96];
	snprintf(origin, sizeof origin, "suite %s, part %s: ", o->suite ? o->suite->name : "",
	         part->what);
	for (int i = 0; i < H_SUITE_MAX_SETS && part->sets[i]; i++) {
		char err[256];
		if (h_set_parse(part->sets[i], &po->sets[po->nsets], err, sizeof err) < 0) {
			h_error("%s%s", origin, err);
			return H_REPORTED;
		}
		/* A set for a runtime --runtime left out of the part (C13's
		 * workers=2 for steal, C14's defer_taskrun for uring, with
		 * only epoll left) applies to no cell: dropped, not refused.
		 * unit_params checks that every part's set names a parameter
		 * of the whole part, so no typo hides here. */
		if (!takes_key(po, po->sets[po->nsets].key)) {
			h_set_free(&po->sets[po->nsets]);
			continue;
		}
		po->nsets++;
		if (check_set(po, &po->sets[po->nsets - 1], origin) < 0)
			return H_REPORTED;
	}
	po->owned_sets = po->nsets;
	for (int i = 0; i < o->nsets; i++)
		po->sets[po->nsets++] = o->sets[i]; /* borrowed: freed by the caller */
	if (!o->placements)
		po->placements = part->placements;
	po->count_syscalls = o->count_syscalls || part->count_syscalls;
	return 0;
}

static void part_opts_free(struct h_run_opts *po)
{
	for (int i = 0; i < po->owned_sets; i++)
		h_set_free(&po->sets[i]);
	free(po->sets);
	free(po->rts);
	free(po->wls);
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

/* runtime × workload × point × placement × (warm-ups, then reps), reps
 * innermost so a point's reps run back to back right after its warm-up.
 * pass 0 counts, pass 1 fills. */
static int build_matrix(const struct h_run_opts *o, const struct h_place *places,
                        const struct h_place *splaces, int nplaces,
                        hwloc_const_cpuset_t client, struct matrix *m)
{
	long total = m->n, per_point = (long)nplaces * (o->reps + o->warmup);
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		long at = m->n;
		for (int r = 0; r < o->nrts && rc == 0; r++) {
			for (int w = 0; w < o->nwls && rc == 0; w++) {
				if (h_peer_is(o->rts[r]) && !h_peer_serves(o->rts[r], o->wls[w]))
					continue;
				const struct h_set *sets = o->sets;
				int ns = o->nsets;
				struct h_plist pl = { { o->wls[w]->params, o->rts[r]->params } };
				int np = h_plist_count(&pl);
				long points = h_sweep_count(&pl, sets, ns);
				if (pass == 0 &&
				    (points == 0 || points > (H_MAX_CELLS - total) / per_point)) {
					h_error("the matrix has more than %d cells; sweep fewer values",
					        H_MAX_CELLS);
					rc = H_REPORTED;
					break;
				}
				if (pass == 0) {
					total += points * per_point;
					continue;
				}
				for (long p = 0; p < points && rc == 0; p++) {
					for (int pi = 0; pi < nplaces && rc == 0; pi++) {
						for (int k = 0; k < o->warmup + o->reps; k++) {
							struct h_cell *c = &m->cells[at];
							c->rt = o->rts[r];
							c->wl = o->wls[w];
							/* A server workload runs beside its
							 * client: its own placements. */
							c->place = c->wl->load ? &splaces[pi] : &places[pi];
							c->client_cpus = c->wl->load ? client : NULL;
							c->net = c->wl->load ? o->net : NULL;
							c->warmup = k < o->warmup;
							c->no_reserve = o->no_reserve;
							c->count_syscalls = o->count_syscalls;
							c->rep = c->warmup ? k + 1 : k - o->warmup + 1;
							c->params = calloc(np > 0 ? (size_t)np : 1,
							                   sizeof *c->params);
							if (!c->params) {
								h_error("out of memory");
								rc = H_REPORTED;
								break;
							}
							m->n = ++at;
							h_sweep_point(&pl, sets, ns, p, c->params, &c->setmask);
						}
					}
				}
			}
		}
		if (pass == 0 && rc == 0) {
			struct h_cell *cells = realloc(m->cells, (total > 0 ? (size_t)total : 1) *
			                                             sizeof *m->cells);
			if (!cells) {
				h_error("out of memory");
				rc = H_REPORTED;
			} else {
				m->cells = cells;
				memset(cells + m->n, 0, (size_t)(total - m->n) * sizeof *cells);
			}
		}
	}
	return rc;
}

/* ---- the order cells run in (see enum h_order) ---- */

const char *const h_order_names[] = { "rounds", "shuffle", "points" };

struct okey {
	long round, rank, group, sub;
	struct h_cell cell;
};

static int okey_cmp(const void *a, const void *b)
{
	const struct okey *x = a, *y = b;
	long d[] = { x->round - y->round, x->rank - y->rank, x->group - y->group, x->sub - y->sub };
	for (int i = 0; i < 4; i++)
		if (d[i])
			return d[i] < 0 ? -1 : 1;
	return 0;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Puts the part's cells m->cells[start..] (build_matrix's order: each
 * point's warm-ups and reps back to back) in o->order. A round is rep k
 * of every point, a point's warm-ups just before its rep 1, so a warm-up
 * still warms what its point is about to run; a point's order inside a
 * round stays the plan's (load_pct's capacity cells before their shares).
 * 0 or H_REPORTED. */
static int order_part(const struct h_run_opts *o, struct matrix *m, long start)
{
	long n = m->n - start, per = o->warmup + o->reps;
	if (o->order == H_ORDER_POINTS || n <= per)
		return 0;
	struct okey *k = malloc((size_t)n * sizeof *k);
	long *rank = calloc((size_t)o->nrts, sizeof *rank);
	if (!k || !rank) {
		free(k);
		free(rank);
		h_error("out of memory");
		return H_REPORTED;
	}
	for (long j = 0; j < n; j++) {
		const struct h_cell *c = &m->cells[start + j];
		long sub = j % per;
		long round = sub < o->warmup ? 0 : sub - o->warmup;
		long r = 0;
		while (r < o->nrts && o->rts[r] != c->rt)
			r++;
		if (o->order == H_ORDER_SHUFFLE) {
			/* The runtimes' order in this round: a seeded Fisher-Yates,
			 * the same for the same seed and round (resume re-plans it). */
			for (long i = 0; i < o->nrts; i++)
				rank[i] = i;
			for (long i = o->nrts - 1; i > 0; i--) {
				long x = (long)(mix64(o->order_seed + 0x9e3779b97f4a7c15ull *
				                                         (uint64_t)(round * 64 + i)) %
				                (uint64_t)(i + 1));
				long t = rank[i];
				rank[i] = rank[x];
				rank[x] = t;
			}
		}
		k[j] = (struct okey){ .round = round,
			              .rank = o->order == H_ORDER_SHUFFLE ? rank[r] : 0,
			              .group = j / per, .sub = sub, .cell = *c };
	}
	qsort(k, (size_t)n, sizeof *k, okey_cmp);
	for (long j = 0; j < n; j++)
		m->cells[start + j] = k[j].cell;
	free(k);
	free(rank);
	return 0;
}

/* ---- placements ---- */

/* --placement's list resolved against the topology, or one unpinned
 * placement (not named in the params) when none was given. */
static int resolve_places(const struct h_run_opts *o, hwloc_topology_t topo,
                          hwloc_const_cpuset_t cpuset, const char *who, struct h_place **out,
                          int *n)
{
	char **names = NULL;
	int count = 1;
	*out = NULL;
	*n = 0;
	if (o->placements) {
		count = h_split_list(o->placements, &names);
		if (count < 0) {
			h_error("empty placement in --placement '%s'", o->placements);
			return H_REPORTED;
		}
	}
	struct h_place *p = calloc((size_t)count, sizeof *p);
	if (!p) {
		h_strv_free(names);
		h_error("out of memory");
		return H_REPORTED;
	}
	int rc = 0;
	for (int i = 0; i < count && rc == 0; i++) {
		const char *name = names ? names[i] : "unpinned";
		char err[300];
		for (int j = 0; j < i; j++)
			if (strcmp(p[j].name, name) == 0) {
				h_error("placement '%s' given twice in --placement", name);
				rc = H_REPORTED;
			}
		if (rc == 0 && h_placement_resolve(topo, cpuset, name, &p[i], err, sizeof err) < 0) {
			h_error("%s%s", err, who);
			rc = H_REPORTED;
		}
		p[i].given = names != NULL;
		*n = i + 1;
	}
	h_strv_free(names);
	*out = p;
	return rc;
}

static void places_free(struct h_place *p, int n)
{
	for (int i = 0; i < n; i++)
		h_placement_free(&p[i]);
	free(p);
}

/* ---- CPUs ---- */

/* The run's CPUs: --cpus, which must lie within the CPUs this process may
 * use (h_cpus_usable), or all of those. *source says which, for the
 * manifest. */
/* The CPUs this process may use (h_cpus_usable) and their list for the
 * messages (*list NULL when it could not be made): free both. NULL after
 * the message. */
static hwloc_bitmap_t usable_cpus(hwloc_topology_t topo, char **list)
{
	hwloc_bitmap_t usable = hwloc_bitmap_alloc();
	if (!usable || h_cpus_usable(topo, usable) < 0) {
		hwloc_bitmap_free(usable);
		h_error("out of memory");
		return NULL;
	}
	if (hwloc_bitmap_list_asprintf(list, usable) < 0)
		*list = NULL;
	return usable;
}

static int choose_cpus(const struct h_run_opts *o, hwloc_topology_t topo, hwloc_bitmap_t set,
                       const char **source)
{
	char *usable_s;
	hwloc_bitmap_t usable = usable_cpus(topo, &usable_s);
	if (!usable)
		return H_REPORTED;
	int rc = 0;
	*source = o->cpus ? "--cpus" : "affinity";
	if (!o->cpus) {
		hwloc_bitmap_copy(set, usable);
	} else if (h_parse_cpus(o->cpus, set) < 0) {
		h_error("bad --cpus '%s' (OS CPU indexes like 0, 0-1 or 0,2-3; allowed: %s)",
		        o->cpus, usable_s ? usable_s : "?");
		rc = H_REPORTED;
	} else if (!hwloc_bitmap_isincluded(set, usable)) {
		hwloc_bitmap_t extra = hwloc_bitmap_alloc();
		int first = -1;
		if (extra) {
			hwloc_bitmap_andnot(extra, set, usable);
			first = hwloc_bitmap_first(extra);
			hwloc_bitmap_free(extra);
		}
		h_error("CPU %d in --cpus '%s' is not available (allowed: %s: this process's "
		        "affinity within its cgroup cpuset)", first, o->cpus, usable_s ? usable_s : "?");
		rc = H_REPORTED;
	}
	if (rc == 0 && hwloc_bitmap_iszero(set)) {
		h_error("no CPU to run on (allowed: %s)", usable_s ? usable_s : "none");
		rc = H_REPORTED;
	}
	free(usable_s);
	hwloc_bitmap_free(usable);
	return rc;
}

/* The server workloads' split of the CPUs: the load generator on
 * --client-cpus (default: the last CPU of the run; either way within the
 * CPUs this process may use), the server on the rest, or on all of them,
 * shared, when nothing is left. */
static int split_client(const struct h_run_opts *o, hwloc_topology_t topo,
                        hwloc_const_cpuset_t cpuset, hwloc_bitmap_t client, hwloc_bitmap_t server)
{
	if (o->client_cpus) {
		char *usable_s;
		hwloc_bitmap_t usable = usable_cpus(topo, &usable_s);
		if (!usable)
			return H_REPORTED;
		int bad = h_parse_cpus(o->client_cpus, client) < 0 ||
		          !hwloc_bitmap_isincluded(client, usable) || hwloc_bitmap_iszero(client);
		if (bad)
			h_error("bad --client-cpus '%s' (OS CPU indexes like 3 or 2-3; allowed: %s)",
			        o->client_cpus, usable_s ? usable_s : "?");
		free(usable_s);
		hwloc_bitmap_free(usable);
		if (bad)
			return H_REPORTED;
	} else {
		hwloc_bitmap_only(client, (unsigned)hwloc_bitmap_last(cpuset));
	}
	hwloc_bitmap_andnot(server, cpuset, client);
	if (hwloc_bitmap_iszero(server))
		hwloc_bitmap_copy(server, cpuset);
	return 0;
}

/* ---- the output folder ---- */

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
int h_prepare_out(const char *given, char *dir, size_t len)
{
	int rc;
	if (given) {
		if (!given[0]) {
			h_error("empty --out (give a folder name)");
			return H_REPORTED;
		}
		if (snprintf(dir, len, "%s", given) >= (int)len) {
			h_error("output folder name too long: '%s'", given);
			return H_REPORTED;
		}
		struct stat st;
		if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
			h_error("cannot use '%s' as the output folder: it exists and is not a folder",
			        dir);
			return H_REPORTED;
		}
		rc = h_mkdir_p(dir);
		if (rc < 0) {
			h_error("cannot create output folder '%s': %s", dir, strerror(-rc));
			return H_REPORTED;
		}
		rc = is_empty(dir);
		if (rc == 0) {
			h_error("output folder '%s' is not empty (results are never overwritten: "
			        "choose a new --out)", dir);
			return H_REPORTED;
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
			rc = h_mkdir_p(dir);
			if (rc < 0) {
				h_error("cannot create output folder '%s': %s", dir, strerror(-rc));
				return H_REPORTED;
			}
			rc = is_empty(dir);
			if (rc != 0 || k == 100)
				break;
		}
	}
	if (rc < 0) {
		h_error("cannot read output folder '%s': %s", dir, strerror(-rc));
		return H_REPORTED;
	}
	if (rc == 0) {
		h_error("output folder '%s' is not empty", dir);
		return H_REPORTED;
	}
	/* Prove it writable now, as a usage error, rather than after the
	 * first cell has run (root passes access(2) even on a read-only fs). */
	char probe[4200];
	snprintf(probe, sizeof probe, "%s/.concbench-probe", dir);
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		h_error("cannot write in output folder '%s': %s", dir, strerror(errno));
		return H_REPORTED;
	}
	close(fd);
	unlink(probe);
	return 0;
}

/* ---- run.json: the plan and how far it got ---- */

static void stamp(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct progress_state {
	long cells, done, failed; /* counting reps, not warm-ups */
	long limited;             /* failed cells that recorded the limit they met */
	long skipped;             /* not run: the runtime is unavailable here */
	int resumed;
	char started[32];
};

/* ---- --reps auto: a point's reps stop once its figure is settled ---- */

static int same_cell_point(const struct h_cell *a, const struct h_cell *b);

/* The figure a point's repetitions must settle: its workload's headline
 * (the first of these it reports), else the timed region's wall time. */
static const char *const auto_metrics[] = { "ns_per_switch", "iters_per_us", "throughput_rps",
	                                    "elapsed_ms", "mib_per_s", NULL };

static double auto_value(const struct h_cell *c, const char **name)
{
	for (int k = 0; auto_metrics[k]; k++)
		for (int i = 0; i < c->res.nmetrics; i++)
			if (!strcmp(c->res.metrics[i].name, auto_metrics[k])) {
				*name = auto_metrics[k];
				return c->res.metrics[i].value;
			}
	*name = "wall_ns";
	return (double)c->res.wall_ns;
}

/* The done reps of cell i's point: how many ran (*ran), and whether they
 * settle it: at least H_REPS_AUTO_MIN ran, and the median of the ok ones
 * has a 95% interval within ci_target_pct of it on either side (a point
 * whose first H_REPS_AUTO_MIN reps all failed is settled too: repeating a
 * limit measures nothing). O(cells) a call. */
static int point_settled(const struct matrix *m, long i, const struct h_run_opts *o, int *ran)
{
	double v[1024];
	int n = 0, nr = 0;
	const char *name = NULL;
	for (long j = 0; j < m->n; j++) {
		const struct h_cell *c = &m->cells[j];
		if (c->warmup || !c->done || !same_cell_point(&m->cells[i], c))
			continue;
		nr++;
		if (c->res.ok && n < 1024) {
			double x = auto_value(c, &name);
			if (isfinite(x))
				v[n++] = x;
		}
	}
	*ran = nr;
	if (nr < H_REPS_AUTO_MIN)
		return 0;
	if (n == 0)
		return 1;
	struct h_dist d;
	h_dist_of(v, n, &d);
	if (!isfinite(d.ci_lo) || !isfinite(d.ci_hi))
		return 0;
	double half = fmax(d.median - d.ci_lo, d.ci_hi - d.median);
	return half <= o->ci_target_pct / 100 * fabs(d.median);
}

/* run.json's reps_auto: the rule, then every point with the reps it ran. */
static void write_reps_auto(FILE *f, const struct matrix *m, const struct h_run_opts *o)
{
	fprintf(f, ",\n  \"reps\": \"auto\",\n  \"reps_auto\": {\"ci_target_pct\": %g, "
	           "\"reps_min\": %d, \"reps_max\": %d, \"metric\": ",
	        o->ci_target_pct, H_REPS_AUTO_MIN, o->reps);
	h_json_str(f, "the first of ns_per_switch, iters_per_us, throughput_rps, elapsed_ms, "
	              "mib_per_s the workload reports, else wall_ns");
	fputs(", \"points\": [", f);
	int first = 1;
	for (long i = 0; m && i < m->n; i++) {
		const struct h_cell *c = &m->cells[i];
		if (c->warmup)
			continue;
		int seen = 0;
		for (long j = 0; j < i && !seen; j++)
			seen = !m->cells[j].warmup && same_cell_point(c, &m->cells[j]);
		if (seen)
			continue;
		int ran, settled = point_settled(m, i, o, &ran);
		char params[1024];
		fputs(first ? "\n    {\"runtime\": " : ",\n    {\"runtime\": ", f);
		first = 0;
		h_json_str(f, c->rt->name);
		fputs(", \"workload\": ", f);
		h_json_str(f, c->wl->name);
		fputs(", \"params\": ", f);
		h_json_str(f, h_cell_params_str(c, ';', 0, params, sizeof params));
		fprintf(f, ", \"reps\": %d, \"settled\": %s}", ran, settled ? "true" : "false");
	}
	fputs(first ? "]}" : "\n  ]}", f);
}

/* Written atomically (h_atomic_*), so a reader (or a resume after a
 * crash) never sees half of it. status: running, complete or partial. */
static int write_run_json(const char *dir, const struct h_run_opts *o,
                          const struct progress_state *ps, const char *status,
                          const struct matrix *m)
{
	char now[32];
	stamp(now, sizeof now);
	struct h_atomic a;
	FILE *f = h_atomic_open(&a, dir, "run.json");
	if (!f)
		return -errno;
	fputs("{\n  \"schema\": \"concbench.run\",\n  \"schema_version\": 1,\n  \"status\": ", f);
	h_json_str(f, status);
	fputs(",\n  \"args\": [", f);
	for (int i = 0; i < o->run_argc; i++) {
		fputs(i ? ", " : "", f);
		h_json_str(f, o->run_argv[i]);
	}
	fputs("],\n  \"order\": ", f);
	h_json_str(f, h_order_names[o->order]);
	if (o->order == H_ORDER_SHUFFLE)
		fprintf(f, ",\n  \"order_seed\": %llu", (unsigned long long)o->order_seed);
	if (o->reps_auto)
		write_reps_auto(f, m, o);
	fprintf(f, ",\n  \"cells\": %ld,\n  \"cells_done\": %ld,\n  \"cells_failed\": %ld,\n"
	           "  \"cells_limited\": %ld,\n  \"resumed\": %d,\n  \"started\": ",
	        ps->cells, ps->done, ps->failed, ps->limited, ps->resumed);
	h_json_str(f, ps->started);
	fputs(",\n  \"updated\": ", f);
	h_json_str(f, now);
	fputs("\n}\n", f);
	return h_atomic_commit(&a, f);
}

/* The previous session's run.json fields a resume continues from. */
static int resume_cb(void *ctx, const char *path, enum h_jtype t, const char *s)
{
	struct progress_state *ps = ctx;
	if (t == H_JNUM && strcmp(path, "resumed") == 0)
		ps->resumed = atoi(s);
	else if (t == H_JSTR && strcmp(path, "started") == 0)
		snprintf(ps->started, sizeof ps->started, "%s", s);
	return 0;
}

/* What restore found in results.jsonl. */
struct restored {
	long lines;    /* lines read, the last bad one included */
	long matched;  /* lines that are cells of the plan, warm-ups included */
	long stray;    /* lines that are not, the last bad one excluded */
	off_t cut_at;  /* where a bad last line starts, or -1 */
	long cut_len;
	int cut_short; /* 1: it has no newline (a crash mid-write); 0: no results line */
};

/* Reads DIR/results.jsonl back into the matrix. Warm-up lines are not
 * restored: a point that still misses reps gets a fresh warm-up. A last
 * line cut short (no newline) or that is no results line is noted in
 * rs->cut_at, for open_folder to remove: appending after it would glue
 * the next line onto it. */
static int restore(const char *path, struct matrix *m, struct restored *rs)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		h_error("cannot resume: cannot read %s: %s", path, strerror(errno));
		return H_REPORTED;
	}
	char *line = NULL;
	size_t cap = 0;
	long hint = 0;
	off_t at = 0;
	int rc = 0, last_bad = 0;
	*rs = (struct restored){ .cut_at = -1 };
	for (ssize_t len; (len = getline(&line, &cap, f)) > 0; at += len) {
		rs->lines++;
		last_bad = 0;
		long i = line[len - 1] != '\n' ? -EINVAL
		                               : h_results_restore(line, m->cells, m->n, hint);
		if (i == -ENOMEM) {
			h_error("out of memory");
			rc = H_REPORTED;
			break;
		}
		if (i < 0) {
			/* -1: a results line of another plan; below: none at all */
			last_bad = i < -1;
			if (last_bad) {
				rs->cut_at = at;
				rs->cut_len = (long)len;
				rs->cut_short = line[len - 1] != '\n';
			}
			rs->stray++;
			continue;
		}
		rs->matched++;
		if (m->cells[i].warmup) {
			m->cells[i].done = 0; /* see above */
			continue;
		}
		hint = i + 1;
	}
	if (last_bad)
		rs->stray--;
	else
		rs->cut_at = -1; /* a bad line before good ones is no crash's: left alone */
	free(line);
	fclose(f);
	return rc;
}

/* ---- signals ---- */

static volatile sig_atomic_t stop_sig, kill_sent;

static void on_signal(int sig)
{
	static const char first[] =
		"\nconcbench: stopping after the current cell (signal again to stop it now)\n";
	if (!stop_sig) {
		stop_sig = sig;
		ssize_t w = write(STDERR_FILENO, first, sizeof first - 1);
		(void)w;
		return;
	}
	pid_t p = h_cell_pid;
	if (p > 0 && !kill_sent) {
		kill_sent = 1;
		kill(p, SIGKILL);
	}
}

/* ---- progress ---- */

struct bar {
	int tty;
	int gone; /* stderr's reader has gone (EPIPE): no more progress */
	long total, finished; /* cells to run this session, warm-ups included */
	uint64_t t0_ns;
};

/* Progress text on stderr until its reader goes (`run 2>&1 | head`): from
 * the first write that fails with EPIPE on, the run goes on silently. */
__attribute__((format(printf, 2, 3))) static void say(struct bar *b, const char *fmt, ...)
{
	if (b->gone)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (n < 0 && errno == EPIPE)
		b->gone = 1;
}

static void describe(const struct h_cell *c, char *buf, size_t len)
{
	char params[512];
	h_cell_params_str(c, ' ', 1, params, sizeof params);
	snprintf(buf, len, "%s %s %s%s%s %d", c->rt->name, c->wl->name, params,
	         params[0] ? " " : "", c->warmup ? "warm-up" : "rep", c->rep);
}

static void fmt_duration(double s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, len, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

/* On a terminal: one line redrawn in place with the cell count, the
 * running cell and the time left at the mean pace so far. */
static void bar_draw(struct bar *b, const struct h_cell *running)
{
	if (!b->tty)
		return;
	char what[600], eta[32] = "?";
	describe(running, what, sizeof what);
	if (b->finished > 0) {
		double per = (double)(h_now_ns() - b->t0_ns) / 1e9 / (double)b->finished;
		fmt_duration(per * (double)(b->total - b->finished), eta, sizeof eta);
	}
	struct winsize ws;
	int width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col : 80;
	char line[1024];
	int n = snprintf(line, sizeof line, "[%ld/%ld] %3ld%% ETA %s  %s", b->finished + 1, b->total,
	                 b->total ? b->finished * 100 / b->total : 100, eta, what);
	if (n >= width)
		line[width - 1] = '\0'; /* no wrap: \r could not redraw it */
	say(b, "\r\033[K%s", line);
}

/* A finished cell: one line each when not on a terminal; on a terminal
 * only failures get a line of their own (above the bar). */
static void cell_done(struct bar *b, const struct h_cell *c)
{
	const struct h_cell_result *r = &c->res;
	if (b->tty && r->ok)
		return;
	char what[600];
	describe(c, what, sizeof what);
	if (b->tty)
		say(b, "\r\033[K");
	say(b, "[%ld/%ld] %s: ", b->finished, b->total, what);
	if (r->ok) {
		double ns = (double)r->wall_ns;
		if (ns < 1e6)
			say(b, "ok %.1f us\n", ns / 1e3);
		else if (ns < 1e10)
			say(b, "ok %.1f ms\n", ns / 1e6);
		else
			say(b, "ok %.2f s\n", ns / 1e9);
		return;
	}
	if (r->skipped) { /* error reads "skipped: why" */
		say(b, "%s\n", r->error);
		return;
	}
	say(b, "FAILED: %s", r->error);
	if (r->limit[0])
		say(b, " (reached %llu tasks, limit %s)", (unsigned long long)r->tasks_reached,
		    r->limit);
	say(b, "\n");
}

static int same_cell_point(const struct h_cell *a, const struct h_cell *b)
{
	if (a->rt != b->rt || a->wl != b->wl || a->place != b->place)
		return 0;
	struct h_plist pl = { { a->wl->params, a->rt->params } };
	return memcmp(a->params, b->params, (size_t)h_plist_count(&pl) * sizeof *a->params) == 0;
}

/* Whether c is a server cell whose timed window has a warm-up of its own
 * (requests=0, warmup_ms > 0): the load generator loads the server for
 * warmup_ms before the window opens, in the very process the window
 * measures (threads made, connections open, caches and predictors warm),
 * which a warm-up cell, another process, can never do for it. And in
 * rounds order a warm-up cell stands only before rep 1: reps 2..N go
 * without one, so whatever else it warms, most reps lack it anyway. Its
 * 1.5-2 s a point was 13% of the standard suite (results/reference). */
static int window_warms(const struct h_cell *c)
{
	if (!c->wl->load)
		return 0;
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int rq = h_plist_find(&pl, "requests", 0), wm = h_plist_find(&pl, "warmup_ms", 0);
	return rq >= 0 && wm >= 0 && c->params[rq] == 0 && c->params[wm] > 0;
}

/* Whether cell i is a warm-up not worth running: a server point's whose
 * window warms itself (window_warms), its point has every rep
 * done already, or, in rounds (reps apart), its rep 1, the one it stands
 * right before and warms (a resumed point's other reps come rounds later:
 * a warm-up now would warm nothing of theirs). O(cells) a call. */
static int warmup_needless(const struct matrix *m, long i, enum h_order order)
{
	if (!m->cells[i].warmup)
		return 0;
	if (window_warms(&m->cells[i]))
		return 1;
	int missing = 0;
	for (long j = i + 1; j < m->n; j++) {
		const struct h_cell *c = &m->cells[j];
		if (c->warmup || !same_cell_point(&m->cells[i], c))
			continue;
		if (order != H_ORDER_POINTS && c->rep == 1)
			return c->done;
		missing += !c->done;
	}
	return !missing;
}

/* ---- load_pct: an open loop at a share of a capacity measured here ----
 *
 * A server's latency against load (the hockey stick) is only comparable
 * across runtimes at the same share of each one's own capacity: 30,000
 * req/s is idle for one and overload for another. So a point with
 * load_pct > 0 takes its rate from the same point's load_pct=0 cells (the
 * closed loop's steady-state throughput) measured earlier in this run.
 * load_pct is its workload's last parameter, so it varies fastest and the
 * load_pct=0 cells come first. */

static int param_index(const struct h_cell *c, const char *name)
{
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	return h_plist_find(&pl, name, 0);
}

/* Whether b is a's point at load_pct=0 (index lp): the same runtime,
 * workload, placement and every other parameter. */
static int is_capacity_of(const struct h_cell *a, const struct h_cell *b, int lp)
{
	if (a->rt != b->rt || a->wl != b->wl || a->place != b->place || b->params[lp] != 0)
		return 0;
	struct h_plist pl = { { a->wl->params, a->rt->params } };
	for (int i = h_plist_count(&pl) - 1; i >= 0; i--)
		if (i != lp && a->params[i] != b->params[i])
			return 0;
	return 1;
}

/* Before any cell runs: a load_pct point needs its capacity point in the
 * plan, a closed loop (rate=0: load_pct sets the rate) and a timed window
 * (requests=0). 0 or H_REPORTED. */
static int check_load_pct(const struct matrix *m)
{
	for (long i = 0; i < m->n; i++) {
		const struct h_cell *c = &m->cells[i];
		int lp = c->wl->load ? param_index(c, "load_pct") : -1;
		if (lp < 0 || c->params[lp] == 0)
			continue;
		long long pct = (long long)c->params[lp];
		if (c->params[param_index(c, "rate")] != 0) {
			h_error("load_pct=%lld sets the open loop's rate itself: leave rate at 0", pct);
			return H_REPORTED;
		}
		if (c->params[param_index(c, "requests")] != 0) {
			h_error("load_pct=%lld needs a timed window: set requests=0 (and seconds)", pct);
			return H_REPORTED;
		}
		long j = 0;
		while (j < m->n && !is_capacity_of(c, &m->cells[j], lp))
			j++;
		if (j == m->n) {
			h_error("load_pct=%lld is a share of the point's capacity, measured at load_pct=0 "
			        "in the same run: add 0 to the list (--set load_pct=0,%lld)", pct, pct);
			return H_REPORTED;
		}
	}
	return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sets cell i's offered rate from its capacity cells done so far, or, with
 * none that succeeded, fails it with the reason (done, not run). */
static void set_offered(struct matrix *m, long i)
{
	struct h_cell *c = &m->cells[i];
	int lp = c->wl->load ? param_index(c, "load_pct") : -1;
	if (lp < 0 || c->params[lp] == 0)
		return;
	double *tp = malloc((size_t)m->n * sizeof *tp);
	int n = 0;
	for (long j = 0; tp && j < m->n; j++) {
		const struct h_cell *b = &m->cells[j];
		if (!b->done || b->warmup || !b->res.ok || !is_capacity_of(c, b, lp))
			continue;
		for (int k = 0; k < b->res.nmetrics; k++)
			if (strcmp(b->res.metrics[k].name, "throughput_rps") == 0 &&
			    b->res.metrics[k].value > 0)
				tp[n++] = b->res.metrics[k].value;
	}
	if (n > 0) {
		qsort(tp, (size_t)n, sizeof *tp, cmp_dbl);
		c->capacity_rps = n % 2 ? tp[n / 2] : (tp[n / 2 - 1] + tp[n / 2]) / 2;
		c->offered_rps = (int64_t)(c->capacity_rps * (double)c->params[lp] / 100.0 + 0.5);
	}
	free(tp);
	if (c->offered_rps > 0)
		return;
	h_cell_result_clear(&c->res); /* NaN, not 0, for what it never measured */
	c->res.ok = 0;
	snprintf(c->res.error, sizeof c->res.error,
	         "no capacity to take %lld%% of: this point's load_pct=0 cells %s",
	         (long long)c->params[lp], tp ? "failed or measured nothing" : "(out of memory)");
	c->done = 1;
}

/* ---- the command, phase by phase ---- */

/* A suite part's options, with the placements resolved for it. */
struct part {
	struct h_run_opts o;
	struct h_place *places, *splaces;
	int nplaces, nsplaces;
};

/* What `concbench run` holds from the plan to the last file; freed by
 * close_run alone. */
struct run {
	const struct h_run_opts *o;
	struct part *parts;
	int nparts;
	hwloc_topology_t topo;
	hwloc_bitmap_t cpuset, client, server;
	const char *cpuset_source; /* "affinity" or "--cpus" */
	struct matrix m;
	char dir[4096];
	char results[4200]; /* DIR/results.jsonl */
	FILE *res;
	struct progress_state ps;
	struct bar bar;
	long warm_failed;
	int handlers; /* old_int and old_term hold the handlers to restore */
	struct sigaction old_int, old_term;
	int lockfd;   /* DIR/.lock, locked while >= 0 (see lock_folder) */
	const struct runtime *peer; /* --peer, when installed (peer.c) */
};

/* --peer: the peer joins every part (part < 0) or part `part` alone (a
 * suite part's own peer) where a workload it serves is, as one more
 * runtime; not installed, a note and the run goes on without it. 0, or
 * H_REPORTED for a peer nobody knows. */
static int plan_peer(struct run *r, const char *name, int part)
{
	char version[64], why[160];
	int rc = h_peer_find(name, &r->peer, version, sizeof version, why, sizeof why);
	if (rc == -EINVAL) {
		h_error("--peer: %s", why);
		return H_REPORTED;
	}
	if (rc < 0) {
		h_error("note: --peer %s: %s; the run goes on without it", name, why);
		return 0;
	}
	int joined = 0, lo = part < 0 ? 0 : part, hi = part < 0 ? r->nparts : part + 1;
	for (int i = lo; i < hi; i++) {
		struct h_run_opts *po = &r->parts[i].o;
		int serves = 0;
		for (int w = 0; po->nrts && w < po->nwls; w++)
			serves |= h_peer_serves(r->peer, po->wls[w]);
		if (serves) {
			po->rts[po->nrts++] = r->peer;
			joined = 1;
		}
	}
	if (!joined)
		h_error("note: --peer %s: no workload of this run is one it serves (http)", name);
	else
		h_manifest_peer(r->peer->name, version);
	return 0;
}

/* The plan: one part per suite part, or the command line as one, each
 * with its sets checked. 0 or H_REPORTED. */
static int plan_parts(struct run *r)
{
	const struct h_run_opts *o = r->o;
	for (int i = 0; i < o->nsets; i++)
		if (check_set(o, &o->sets[i], "") < 0)
			return H_REPORTED;
	static const struct h_suite_part whole = { "command line", "all", "all", NULL, { 0 }, H_ONLY_ANY, 0, NULL, 0 };
	int wanted = 1;
	if (o->suite)
		for (wanted = 0; wanted < H_SUITE_MAX_PARTS && o->suite->parts[wanted].runtimes;)
			wanted++;
	r->parts = calloc((size_t)wanted, sizeof *r->parts);
	if (!r->parts) {
		h_error("out of memory");
		return H_REPORTED;
	}
	for (; r->nparts < wanted; r->nparts++)
		if (part_opts(o, o->suite ? &o->suite->parts[r->nparts] : &whole,
		              &r->parts[r->nparts].o) < 0) {
			r->nparts++; /* half made: close_run frees it */
			return H_REPORTED;
		}
	if (o->peer)
		return plan_peer(r, o->peer, -1);
	/* A suite part's own peer (the standard suite's nginx beside uv): not
	 * when --peer already put one in every part. */
	for (int i = 0; o->suite && i < r->nparts; i++)
		if (o->suite->parts[i].peer && r->parts[i].o.nrts &&
		    plan_peer(r, o->suite->parts[i].peer, i) < 0)
			return H_REPORTED;
	return 0;
}

/* The run's CPUs, the server workloads' split of them, every part's
 * placements and the matrix of cells. 0 or H_REPORTED. */
static int plan_matrix(struct run *r)
{
	const struct h_run_opts *o = r->o;
	if (choose_cpus(o, r->topo, r->cpuset, &r->cpuset_source) < 0)
		return H_REPORTED;
	int servers = 0;
	for (int i = 0; i < r->nparts; i++)
		for (int w = 0; w < r->parts[i].o.nwls && r->parts[i].o.nrts; w++)
			servers += r->parts[i].o.wls[w]->load != NULL;
	char who[300] = "";
	if (servers) {
		char cl[128];
		if (split_client(o, r->topo, r->cpuset, r->client, r->server) < 0)
			return H_REPORTED;
		hwloc_bitmap_list_snprintf(cl, sizeof cl, r->client);
		snprintf(who, sizeof who, " (for the server workloads, whose client has CPU %s: see "
		         "--client-cpus)", cl);
	}
	for (int i = 0; i < r->nparts; i++) {
		struct part *pt = &r->parts[i];
		if (!pt->o.nrts || !pt->o.nwls)
			continue;
		if (resolve_places(&pt->o, r->topo, r->cpuset, "", &pt->places, &pt->nplaces) < 0)
			return H_REPORTED;
		int part_servers = 0;
		for (int w = 0; w < pt->o.nwls; w++)
			part_servers += pt->o.wls[w]->load != NULL;
		/* A part that shares: server and client on every CPU (the
		 * suite's part i is r->parts[i]). */
		int share = o->suite && o->suite->parts[i].share_cpus && !o->client_cpus;
		hwloc_const_cpuset_t server = share ? r->cpuset : r->server;
		hwloc_const_cpuset_t client = share ? r->cpuset : r->client;
		if (part_servers &&
		    resolve_places(&pt->o, r->topo, server, who, &pt->splaces, &pt->nsplaces) < 0)
			return H_REPORTED;
		/* A server on its client's CPUs too is another experiment than
		 * one on CPUs of its own, at the same params: its own label
		 * keeps the summary's rows apart (base.h). Not on one CPU,
		 * where nothing else was possible; not a pinned pair, named
		 * already. */
		if (part_servers && hwloc_bitmap_intersects(server, client) &&
		    hwloc_bitmap_weight(r->cpuset) > 1)
			for (int k = 0; k < pt->nsplaces; k++)
				if (!strcmp(pt->splaces[k].name, "unpinned")) {
					pt->splaces[k].name = H_PLACEMENT_SHARED;
					pt->splaces[k].given = 1;
				}
		long start = r->m.n;
		if (build_matrix(&pt->o, pt->places, pt->splaces, pt->nplaces, client, &r->m) < 0 ||
		    order_part(&pt->o, &r->m, start) < 0)
			return H_REPORTED;
	}
	if (r->m.n == 0) {
		h_error("suite %s has no part with the runtimes and workloads chosen",
		        o->suite ? o->suite->name : "?");
		return H_REPORTED;
	}
	return 0;
}

/* One writer per folder: a run and a resume of it, or two resumes, would
 * interleave or overwrite results.jsonl. A POSIX record lock on DIR/.lock,
 * held until the process ends: the kernel drops it however the process
 * dies, and unlike flock(2) the cells' forked children do not inherit it,
 * so it cannot outlive this process in a child still being killed. The
 * file stays (removing it would let a third writer lock a new file while
 * a second still holds the old one). 0, or H_REPORTED. */
static int lock_folder(struct run *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/.lock", r->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		h_error("cannot lock '%s': cannot open %s: %s", r->dir, path, strerror(errno));
		return H_REPORTED;
	}
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;
		struct flock who = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if ((e == EAGAIN || e == EACCES) && fcntl(fd, F_GETLK, &who) == 0 &&
		    who.l_type != F_UNLCK)
			h_error("'%s' is being written by another concbench (pid %ld): one writer "
			        "at a time (wait for it, or stop it and --resume)", r->dir,
			        (long)who.l_pid);
		else
			h_error("cannot lock %s: %s", path, strerror(e));
		close(fd);
		return H_REPORTED;
	}
	r->lockfd = fd;
	return 0;
}

/* --resume: the folder's run.json and results.jsonl read back into the
 * matrix; otherwise a new, empty output folder. Either way locked for this
 * process alone. 0 or H_REPORTED. */
static int open_folder(struct run *r)
{
	if (!r->o->resume)
		return h_prepare_out(r->o->out, r->dir, sizeof r->dir) < 0 ? H_REPORTED
		                                                        : lock_folder(r);
	char path[4200];
	snprintf(r->dir, sizeof r->dir, "%s", r->o->resume);
	if (lock_folder(r) < 0)
		return H_REPORTED;
	snprintf(path, sizeof path, "%s/run.json", r->dir);
	h_json_walk_file(path, resume_cb, &r->ps); /* cli/cmd_run.c has read the plan from it */
	r->ps.resumed++;
	snprintf(path, sizeof path, "%s/results.jsonl", r->dir);
	struct restored rs;
	if (restore(path, &r->m, &rs) < 0)
		return H_REPORTED;
	/* Lines, but not one of this plan's: run.json is another run's (copied
	 * over, or edited). Appending would mix two plans in one file. */
	if (rs.stray && !rs.matched) {
		h_error("cannot resume '%s': none of the %ld lines of %s belongs to the plan in "
		        "%s/run.json (is that run.json another run's?)", r->dir, rs.stray, path, r->dir);
		return H_REPORTED;
	}
	if (rs.cut_at >= 0) {
		if (truncate(path, rs.cut_at) != 0) {
			h_error("cannot remove the cut last line of %s: %s", path, strerror(errno));
			return H_REPORTED;
		}
		h_error("note: the last line of %s was %s (%ld bytes): removed it; its cell runs "
		        "again", path, rs.cut_short ? "cut short by a crash mid-write" :
		        "not a results line", rs.cut_len);
	}
	if (rs.stray)
		h_error("warning: %ld line(s) of %s match no cell of the plan (ignored)", rs.stray,
		        path);
	return 0;
}

/* This session's files before its first cell: its manifest, the topology
 * (first session only), results.jsonl open for appending, and run.json
 * saying "running" with the cells counted. 0 or H_REPORTED. */
static int start_session(struct run *r)
{
	const struct h_run_opts *o = r->o;
	char mname[64] = "manifest.json", path[4200];
	if (o->resume)
		snprintf(mname, sizeof mname, "manifest-resume-%d.json", r->ps.resumed);
	struct h_reserve rv;
	int has_rv = !o->no_reserve && h_reserve_compute(&rv) == 0;
	/* Once per session, before any cell: the yardstick of the switch
	 * figures (calib.c), on this session's machine. */
	struct h_calib cal;
	h_calib_measure(r->topo, r->cpuset, &cal);
	int rc = h_manifest_write_named(r->dir, mname, o->argc, o->argv, r->topo, r->cpuset,
	                                r->cpuset_source, has_rv ? &rv : NULL, &cal);
	if (rc < 0) {
		h_error("cannot write %s/%s: %s", r->dir, mname, strerror(-rc));
		return H_REPORTED;
	}
	/* The topology itself, for the report's drawing (lstopo --input): the
	 * run's machine, not whichever machine later draws the report. A
	 * resumed run keeps the first session's. */
	snprintf(path, sizeof path, "%s/topology.xml", r->dir);
	if (access(path, F_OK) != 0 && hwloc_topology_export_xml(r->topo, path, 0) != 0)
		h_error("note: cannot write %s: %s (the report will not draw the topology)", path,
		        strerror(errno));
	snprintf(r->results, sizeof r->results, "%s/results.jsonl", r->dir);
	/* O_APPEND both times: every line lands at the end of the file as it
	 * is, whatever else has happened to it. */
	r->res = fopen(r->results, o->resume ? "ae" : "axe");
	if (!r->res) {
		h_error("cannot %s %s: %s", o->resume ? "append to" : "create", r->results,
		        strerror(errno));
		return H_REPORTED;
	}

	struct bar *b = &r->bar;
	*b = (struct bar){ .tty = isatty(STDERR_FILENO), .t0_ns = h_now_ns() };
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		b->tty = 0;
	struct progress_state *ps = &r->ps;
	for (long i = 0; i < r->m.n; i++) {
		const struct h_cell *c = &r->m.cells[i];
		if (!c->warmup) {
			ps->cells++;
			ps->done += c->done;
			ps->failed += c->done && !c->res.ok;
			ps->limited += c->done && !c->res.ok && c->res.limit[0];
			ps->skipped += c->done && c->res.skipped;
		}
		b->total += !c->done && !warmup_needless(&r->m, i, r->o->order);
	}
	if (!ps->started[0])
		stamp(ps->started, sizeof ps->started);
	rc = write_run_json(r->dir, o, ps, "running", &r->m);
	if (rc < 0) {
		h_error("cannot write %s/run.json: %s", r->dir, strerror(-rc));
		return H_REPORTED;
	}
	if (o->resume)
		say(b, "concbench: resuming %s: %ld of %ld cells done, %ld to run\n", r->dir,
		    ps->done, ps->cells, ps->cells - ps->done);
	return 0;
}

/* Every cell not done yet, in matrix order, each line appended to
 * results.jsonl as it finishes, with the progress bar, until the end or a
 * signal (see on_signal). 0 or H_REPORTED. */
static int run_cells(struct run *r)
{
	struct sigaction sa;
	stop_sig = kill_sent = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &r->old_int);
	sigaction(SIGTERM, &sa, &r->old_term);
	r->handlers = 1; /* restored by close_run: the summary is written under them too */

	struct matrix *m = &r->m;
	for (long i = 0; i < m->n && !stop_sig; i++) {
		struct h_cell *c = &m->cells[i];
		if (c->done || warmup_needless(m, i, r->o->order))
			continue;
		int ran;
		if (r->o->reps_auto && !c->warmup && c->rep > H_REPS_AUTO_MIN &&
		    point_settled(m, i, r->o, &ran)) {
			r->ps.cells--; /* settled: a rep the run no longer needs */
			r->bar.total--;
			continue;
		}
		bar_draw(&r->bar, c);
		set_offered(m, i);
		if (!c->done && h_peer_is(c->rt))
			h_peer_cell_run(c, r->topo, r->o->timeout_s);
		else if (!c->done)
			h_cell_run(c, r->topo, r->o->timeout_s);
		if (kill_sent) {
			c->done = 0; /* stopped by us, not a result: a resume reruns it */
			break;
		}
		r->bar.finished++;
		int rc = h_results_append(r->res, c);
		if (rc < 0) {
			h_error("cannot write %s: %s", r->results, strerror(-rc));
			return H_REPORTED;
		}
		if (c->warmup) {
			r->warm_failed += !c->res.ok && !c->res.limit[0] && !c->res.skipped;
		} else {
			r->ps.done++;
			r->ps.failed += !c->res.ok;
			r->ps.limited += !c->res.ok && c->res.limit[0];
			r->ps.skipped += c->res.skipped;
		}
		cell_done(&r->bar, c);
	}
	if (r->bar.tty)
		say(&r->bar, "\r\033[K");
	return 0;
}

/* summary.csv and the other summaries, the checksum agreement across
 * runtimes, and run.json's final status. 0 when all are sound,
 * H_REPORTED after saying what is not. */
static int write_summary(struct run *r, int partial)
{
	int rc = 0, err = h_summary_write(r->dir, r->m.cells, r->m.n);
	if (err < 0) {
		h_error("cannot write the summary in %s: %s", r->dir, strerror(-err));
		rc = H_REPORTED;
	}
	if (h_checksum_check(r->m.cells, r->m.n, stderr))
		rc = H_REPORTED;
	err = write_run_json(r->dir, r->o, &r->ps, partial ? "partial" : "complete", &r->m);
	if (err < 0) {
		h_error("cannot write %s/run.json: %s", r->dir, strerror(-err));
		rc = H_REPORTED;
	}
	return rc;
}

/* The end of the session for the user: what failed, what met a limit,
 * whether it is partial, then the folder on stdout. */
static void tell_outcome(const struct run *r, int partial)
{
	const struct progress_state *ps = &r->ps;
	if (ps->failed > ps->limited + ps->skipped)
		h_error("%ld of %ld cells failed (see %s)", ps->failed - ps->limited - ps->skipped,
		        ps->cells, r->results);
	if (ps->skipped)
		h_error("note: %ld of %ld cells skipped: their runtime cannot run here (ok=false, "
		        "\"skipped\" and the reason in %s)", ps->skipped, ps->cells, r->results);
	if (ps->limited)
		h_error("note: %ld of %ld cells reached a limit of their model and recorded it "
		        "(ok=false, \"limit\" in %s)", ps->limited, ps->cells, r->results);
	if (r->warm_failed)
		h_error("%ld warm-up cell(s) failed (see %s)", r->warm_failed, r->results);
	if (partial)
		h_error("interrupted: %ld of %ld cells done; the run is partial (resume with: "
		        "concbench run --resume %s)", ps->done, ps->cells, r->dir);
	printf("%s\n", r->dir);
}

/* Restores the signal handlers, closes results.jsonl (a failure there
 * fails a run that was ok) and frees everything. Returns the exit status. */
static int close_run(struct run *r, int status)
{
	if (r->handlers) {
		sigaction(SIGINT, &r->old_int, NULL);
		sigaction(SIGTERM, &r->old_term, NULL);
	}
	if (r->res && fclose(r->res) != 0 && status == H_EXIT_OK) {
		h_error("cannot write %s/results.jsonl: %s", r->dir, strerror(errno));
		status = H_EXIT_FAILED;
	}
	matrix_free(&r->m);
	for (int i = 0; i < r->nparts; i++) {
		places_free(r->parts[i].places, r->parts[i].nplaces);
		places_free(r->parts[i].splaces, r->parts[i].nsplaces);
		part_opts_free(&r->parts[i].o);
	}
	free(r->parts);
	if (r->client)
		hwloc_bitmap_free(r->client);
	if (r->server)
		hwloc_bitmap_free(r->server);
	if (r->cpuset)
		hwloc_bitmap_free(r->cpuset);
	if (r->topo)
		hwloc_topology_destroy(r->topo);
	if (r->lockfd >= 0)
		close(r->lockfd); /* after the last write: the lock covers them all */
	return status;
}

int h_cmd_run(const struct h_run_opts *o)
{
	struct run run = { .o = o, .lockfd = -1 }, *r = &run;
	int status = H_EXIT_USAGE;
	/* `run ... 2>&1 | head` closes the pipe after a few lines: a write
	 * then fails with EPIPE (the bar stops, see say) instead of SIGPIPE
	 * killing the run with run.json "running". The cells' children inherit
	 * this; none needs SIGPIPE (the socket workloads ignore it themselves
	 * or send with MSG_NOSIGNAL), and a write of theirs to a gone stream
	 * then fails instead of killing the cell. Not restored: the folder's
	 * path, printed last, is still in stdout's buffer until exit. */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
	if (plan_parts(r) < 0)
		goto out;
	if (h_machine_load(&r->topo, &r->cpuset, &r->client, &r->server) < 0) {
		status = H_EXIT_FAILED;
		goto out;
	}
	if (plan_matrix(r) < 0 || check_load_pct(&r->m) < 0 || open_folder(r) < 0)
		goto out;
	status = H_EXIT_FAILED; /* from here on, trouble is a failed run */
	if (start_session(r) < 0 || run_cells(r) < 0)
		goto out;
	/* A cell that met a limit (threads-max, a deadlocked pool …) is a
	 * result, recorded with ok=false: it does not fail the run. */
	int partial = r->ps.done < r->ps.cells;
	int sound = write_summary(r, partial) == 0;
	tell_outcome(r, partial);
	status = sound && !partial && r->ps.failed == r->ps.limited + r->ps.skipped ? H_EXIT_OK
	                                                                           : H_EXIT_FAILED;
out:
	return close_run(r, status);
}
