/* trace.c — `concbench trace`: measured timelines. One tiny cell per
 * runtime x workload (a few tasks, a few milliseconds), run like any other
 * cell (cell.c: its own child process, its load generator for the server
 * workloads) but with the runtime's recorder on (runtimes/trace.h): every
 * run of a task's step, what it then waited for, and when it was woken,
 * stamped by the runtime with CLOCK_MONOTONIC, its thread and its CPU.
 * The child writes DIR/trace/RUNTIME-WORKLOAD.csv; the cli draws the
 * charts (analysis: h_plot_traces).
 *
 * The sizes are fixed and small on purpose: the charts must show single
 * runs and waits a reader can follow (tens of bars, not thousands), and the
 * whole command must cost a couple of seconds so a suite can include it.
 * The figures of such a cell are not measurements of throughput: the
 * recorder itself adds some 50-100 ns per event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../runtimes/trace.h"
#include "measure.h"

/* Events each thread may record: far more than the tiny cells make (a
 * pingpong of 20 rounds records ~160), so none is dropped; 1.5 MiB of
 * address space a thread, touched only as far as it is used. */
#define TRACE_EVENTS 65536

struct tiny {
	const char *workload;
	const char *file;  /* the timeline's name in trace/RT-FILE.csv; NULL: the workload's */
	const char *needs; /* a runtime parameter the timeline needs; NULL: none */
	const char *set[5][2]; /* name, value: over the workload's defaults */
};
/* pingpong: 20 round trips; sleep: 4 tasks sleeping 1 ms; echo: 2
 * connections of 4 messages; mixed: 2 connections of 6 requests, every
 * third a /heavy one of 0.5 ms CPU work, the stall of claim C3; and the
 * same with the heavy step handed to the offload pool (C15, the cure), on
 * the runtimes that have one (offload_threads: the others run it inline,
 * which is the stall again). File names keep one '-', between runtime and
 * timeline (plot.c splits there). */
#define TINY_MIXED { "conns", "2" }, { "requests", "6" }, { "heavy_every", "3" }, { "heavy_us", "500" }
static const struct tiny tiny[] = {
	{ "pingpong", NULL, NULL, { { "rounds", "20" } } },
	{ "sleep", NULL, NULL, { { "tasks", "4" }, { "ms", "1" } } },
	{ "echo", NULL, NULL, { { "conns", "2" }, { "requests", "4" } } },
	{ "mixed", NULL, NULL, { TINY_MIXED } },
	{ "mixed", "mixed_offload", "offload_threads", { TINY_MIXED, { "offload", "1" } } },
};
#define NTINY (sizeof tiny / sizeof tiny[0])
const char *const h_trace_workloads[] = { "pingpong", "sleep", "echo", "mixed", NULL };

int h_trace_begin(void)
{
	return rt_trace_start(TRACE_EVENTS);
}

int h_trace_end(const char *path, char *err, size_t errlen)
{
	rt_trace_stop();
	uint64_t dropped = 0;
	rt_trace_count(&dropped);
	FILE *f = fopen(path, "we");
	int rc = f ? rt_trace_write(f) : -errno;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	else if (dropped) {
		snprintf(err, errlen, "the trace dropped %llu events (more than %d a thread)",
		         (unsigned long long)dropped, TRACE_EVENTS);
		rc = -ENOSPC;
	}
	rt_trace_reset();
	return rc;
}

static int fill_params(struct h_cell *c, const struct tiny *t)
{
	struct h_plist pl = { { c->wl->params, c->rt->params } };
	int np = h_plist_count(&pl);
	c->params = calloc(np > 0 ? (size_t)np : 1, sizeof *c->params);
	if (!c->params)
		return -ENOMEM;
	for (int i = 0; i < np; i++)
		c->params[i] = h_plist_at(&pl, i)->def;
	for (size_t s = 0; s < sizeof t->set / sizeof t->set[0] && t->set[s][0]; s++)
		for (int j = h_plist_find(&pl, t->set[s][0], 0); j >= 0;
		     j = h_plist_find(&pl, t->set[s][0], j + 1)) {
			c->params[j] = strtoll(t->set[s][1], NULL, 10);
			if (j < 64)
				c->setmask |= 1ull << j;
		}
	return 0;
}

static const struct tiny *tiny_of(const struct workload *wl)
{
	for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++)
		if (strcmp(tiny[i].workload, wl->name) == 0)
			return &tiny[i];
	return NULL;
}

/* The CPUs: every usable one; a server workload's load generator on the
 * last, the server on the rest (all of them on one CPU), as `run` does. */
struct machine {
	hwloc_topology_t topo;
	hwloc_bitmap_t all, client, server;
	struct h_place place, splace;
	int have_place, have_splace;
};

static int machine_load(struct machine *m)
{
	char err[300];
	if (h_machine_load(&m->topo, &m->all, &m->client, &m->server) < 0)
		return H_REPORTED;
	if (h_cpus_usable(m->topo, m->all) < 0) {
		h_error("out of memory");
		return H_REPORTED;
	}
	hwloc_bitmap_only(m->client, (unsigned)hwloc_bitmap_last(m->all));
	hwloc_bitmap_andnot(m->server, m->all, m->client);
	if (hwloc_bitmap_iszero(m->server))
		hwloc_bitmap_copy(m->server, m->all);
	if (h_placement_resolve(m->topo, m->all, "unpinned", &m->place, err, sizeof err) < 0 ||
	    !(m->have_place = 1) ||
	    h_placement_resolve(m->topo, m->server, "unpinned", &m->splace, err, sizeof err) < 0) {
		h_error("%s", err);
		return H_REPORTED;
	}
	m->have_splace = 1;
	return 0;
}

static void machine_free(struct machine *m)
{
	if (m->have_place)
		h_placement_free(&m->place);
	if (m->have_splace)
		h_placement_free(&m->splace);
	hwloc_bitmap_free(m->all);
	hwloc_bitmap_free(m->client);
	hwloc_bitmap_free(m->server);
	if (m->topo)
		hwloc_topology_destroy(m->topo);
}

static int prepare_dir(const char *given, char *dir, size_t len)
{
	if (!given)
		return h_prepare_out(NULL, dir, len);
	if (!given[0]) {
		h_error("empty --out (give a folder name)");
		return H_REPORTED;
	}
	if (snprintf(dir, len, "%s", given) >= (int)len) {
		h_error("output folder name too long: '%s'", given);
		return H_REPORTED;
	}
	return 0;
}

/* One tiny cell of runtime rt on t, traced into tdir/RT-FILE.csv. */
static int trace_one(struct machine *m, const struct runtime *rt, const struct workload *wl,
                     const struct tiny *t, const char *tdir, int timeout_s)
{
	const char *name = t->file ? t->file : wl->name;
	char path[4200];
	snprintf(path, sizeof path, "%s/%s-%s.csv", tdir, rt->name, name);
	struct h_cell c = { .rt = rt, .wl = wl, .rep = 1, .trace_csv = path };
	c.place = wl->load ? &m->splace : &m->place;
	c.client_cpus = wl->load ? m->client : NULL;
	h_cell_result_clear(&c.res);
	if (fill_params(&c, t) < 0) {
		h_error("out of memory");
		return H_REPORTED;
	}
	unlink(path); /* a failed cell leaves no older timeline behind */
	h_cell_run(&c, m->topo, timeout_s);
	int rc = 0;
	if (c.res.skipped)
		printf("skipped %s %s: %s\n", rt->name, name, c.res.error);
	else if (!c.res.ok) {
		h_error("%s %s: %s", rt->name, name, c.res.error);
		unlink(path);
		rc = H_REPORTED;
	} else
		printf("wrote %s\n", path);
	free(c.params);
	return rc;
}

int h_cmd_trace(const struct h_trace_opts *o, char *dir, size_t len)
{
	for (int w = 0; w < o->nwls; w++)
		if (!tiny_of(o->wls[w])) {
			h_error("trace has no tiny size for workload '%s' (pingpong, sleep, echo, mixed)",
			        o->wls[w]->name);
			return H_EXIT_USAGE;
		}
	if (prepare_dir(o->out, dir, len) < 0)
		return H_EXIT_USAGE;
	char tdir[4096];
	int rc;
	/* An existing folder (a suite's results) gets a trace/ beside its
	 * other files: the trace never touches them. */
	if (snprintf(tdir, sizeof tdir, "%s/trace", dir) >= (int)sizeof tdir)
		rc = -ENAMETOOLONG;
	else
		rc = h_mkdir_p(tdir);
	if (rc < 0) {
		h_error("cannot create '%s/trace': %s", dir, strerror(-rc));
		return H_EXIT_FAILED;
	}
	struct machine m = { 0 };
	if (machine_load(&m) < 0) {
		machine_free(&m);
		return H_EXIT_FAILED;
	}
	int status = H_EXIT_OK;
	for (int r = 0; r < o->nrts; r++)
		for (int w = 0; w < o->nwls; w++)
			for (size_t k = 0; k < NTINY; k++) {
				const struct tiny *t = &tiny[k];
				struct h_plist own = { { o->rts[r]->params, NULL } };
				if (strcmp(t->workload, o->wls[w]->name) != 0 ||
				    (t->needs && h_plist_find(&own, t->needs, 0) < 0))
					continue;
				if (trace_one(&m, o->rts[r], o->wls[w], t, tdir, o->timeout_s) < 0)
					status = H_EXIT_FAILED;
			}
	machine_free(&m);
	return status;
}
