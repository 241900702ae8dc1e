/* cmd_serve.c — `concbench serve`: its options, checked and turned into the
 * server's parameter values for measure's h_serve. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../measure/measure.h"
#include "cli.h"

void cli_serve_usage(FILE *f)
{
	fputs("usage: concbench serve --runtime NAME --workload http|echo|mixed [OPTIONS]\n"
	      "\n"
	      "Serves one workload on one runtime on 127.0.0.1 until SIGINT or SIGTERM, so\n"
	      "that any client can drive it (curl, wrk, ab...). Prints\n"
	      "\"listening on 127.0.0.1:PORT\" once it accepts, and what it served when it\n"
	      "stops.\n"
	      "\n"
	      "  --runtime NAME      the runtime that runs the server (concbench list)\n"
	      "  --workload NAME     a server workload: http, echo or mixed\n"
	      "  --port P            TCP port, 0..65535 (default 0: any free port)\n"
	      "  --cpus LIST         OS CPU indexes to bind the server to, like 0 or 0-1\n"
	      "                      (default: every allowed CPU)\n"
	      "  --set KEY=VALUE     a parameter of the runtime or the workload, e.g.\n"
	      "                      --set workers=64 (pool), --set heavy_us=500 (mixed),\n"
	      "                      --set conns=N: at most N connections open at once\n"
	      "                      (more wait in the listen backlog; default: as many as\n"
	      "                      RLIMIT_NOFILE allows)\n"
	      "  --idle-ms MS        close a connection that sends no complete request\n"
	      "                      (echo: no data) within MS, or lingers that long on\n"
	      "                      close (default 10000; 0: never)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "exit status: 0 stopped cleanly; 1 the server failed; 2 bad usage\n",
	      f);
}

enum { OPT_RUNTIME = 256, OPT_WORKLOAD, OPT_PORT, OPT_CPUS, OPT_SET, OPT_IDLE };

static const struct option serve_options[] = {
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "idle-ms", required_argument, NULL, OPT_IDLE },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "set", required_argument, NULL, OPT_SET },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What `serve` was given, as strings. */
struct serve_args {
	const char *runtime, *workload, *port, *cpus, *idle_ms;
	const char **setv;
	int nsetv;
};

/* CLI_END, CLI_HELP, or CLI_BAD after a usage error. */
static int parse_serve(const struct cli_command *self, int argc, char **argv,
                       struct serve_args *a)
{
	struct cli_parser p = { .cmd = self, .opts = serve_options, .argc = argc, .argv = argv,
		                .missing = "a value" };
	int c;
	while ((c = cli_next(&p)) > CLI_WORD) {
		switch (c) {
		case OPT_RUNTIME: a->runtime = p.arg; break;
		case OPT_WORKLOAD: a->workload = p.arg; break;
		case OPT_PORT: a->port = p.arg; break;
		case OPT_CPUS: a->cpus = p.arg; break;
		case OPT_IDLE: a->idle_ms = p.arg; break;
		case OPT_SET: a->setv[a->nsetv++] = p.arg; break;
		}
	}
	return c;
}

/* The runtime and the server workload named; H_REPORTED after a usage error. */
static int find_names(const struct serve_args *a, struct h_serve_opts *o)
{
	struct cli_names rts, servers;
	cli_runtime_names(&rts);
	cli_workload_names(&servers, 1);
	if (!a->runtime || !a->workload) {
		h_error("serve needs --runtime (%s) and --workload (%s)", rts.buf, servers.buf);
		return H_REPORTED;
	}
	o->rt = rt_find(a->runtime);
	if (!o->rt) {
		h_error("unknown runtime '%s' (choose from: %s)", a->runtime, rts.buf);
		return H_REPORTED;
	}
	o->wl = wl_find(a->workload);
	if (!o->wl) {
		h_error("unknown workload '%s' (serve takes a server: %s)", a->workload,
		        servers.buf);
		return H_REPORTED;
	}
	if (!o->wl->load) {
		h_error("workload '%s' is not a server (choose from: %s)", a->workload,
		        servers.buf);
		return H_REPORTED;
	}
	return 0;
}

/* Applies one --set KEY=VALUE to every parameter of that name. 0, or -1
 * after a usage error. */
static int apply_set(const char *arg, const struct h_plist *pl, const struct runtime *rt,
                     const struct workload *wl, int64_t *vals, uint64_t *chosen)
{
	struct h_set set;
	char err[256];
	if (h_set_parse(arg, &set, err, sizeof err) < 0) {
		h_error("%s", err);
		return H_REPORTED;
	}
	int rc = -1;
	if (set.nvals != 1) {
		h_error("--set %s: serve takes one value per parameter (no sweeps)", set.key);
		goto out;
	}
	int nw = 0;
	while (wl->params && wl->params[nw].name)
		nw++;
	int found = 0;
	for (int i = h_plist_find(pl, set.key, 0); i >= 0; i = h_plist_find(pl, set.key, i + 1)) {
		char owner[96];
		snprintf(owner, sizeof owner, "%s %s", i < nw ? "workload" : "runtime",
		         i < nw ? wl->name : rt->name);
		if (h_param_check(h_plist_at(pl, i), owner, set.vals[0], err, sizeof err) < 0) {
			h_error("%s", err);
			goto out;
		}
		vals[i] = set.vals[0];
		if (i < 64)
			*chosen |= 1ull << i;
		found = 1;
	}
	if (!found) {
		struct cli_names names = { .used = 0 };
		for (int i = 0; i < h_plist_count(pl); i++)
			cli_names_add(&names, h_plist_at(pl, i)->name);
		h_error("unknown parameter '%s' for runtime %s and workload %s (choose from: %s)",
		        set.key, rt->name, wl->name, names.buf);
		goto out;
	}
	rc = 0;
out:
	h_set_free(&set);
	return rc;
}

/* The parameters: defaults, then --set, then --port; conns (the most open
 * at once) is the workload's maximum unless set. Fills vals; H_REPORTED after a usage error. */
static int param_values(const struct serve_args *a, struct h_serve_opts *o, int64_t *vals)
{
	struct h_plist pl = { { o->wl->params, o->rt->params } };
	for (int i = 0; i < h_plist_count(&pl); i++)
		vals[i] = h_plist_at(&pl, i)->def;
	uint64_t chosen = 0;
	for (int i = 0; i < a->nsetv; i++)
		if (apply_set(a->setv[i], &pl, o->rt, o->wl, vals, &chosen) < 0)
			return H_REPORTED;
	int iport = h_plist_find(&pl, "port", 0), iconns = h_plist_find(&pl, "conns", 0);
	if (a->port) {
		int64_t port;
		if (h_parse_i64(a->port, &port) < 0 || port < 0 || port > 65535) {
			h_error("bad --port '%s' (a whole number from 0 to 65535; 0 picks a free port)",
			        a->port);
			return H_REPORTED;
		}
		if (iport < 0) {
			h_error("workload %s takes no port", o->wl->name);
			return H_REPORTED;
		}
		vals[iport] = port;
	}
	o->conns_set = iconns >= 0 && iconns < 64 && ((chosen >> iconns) & 1);
	if (iconns >= 0 && !o->conns_set)
		vals[iconns] = h_plist_at(&pl, iconns)->max;
	return 0;
}

int cli_cmd_serve(const struct cli_command *self, int argc, char **argv)
{
	struct serve_args a = { .setv = calloc((size_t)argc + 1, sizeof *a.setv) };
	struct h_serve_opts o = { 0 };
	int64_t *vals = NULL;
	if (!a.setv) {
		h_error("out of memory");
		return H_EXIT_FAILED;
	}
	int status = H_EXIT_USAGE;
	int rc = parse_serve(self, argc, argv, &a);
	if (rc != CLI_END) {
		if (rc == CLI_HELP)
			status = H_EXIT_OK;
		goto out;
	}
	if (find_names(&a, &o) < 0)
		goto out;
	struct h_plist pl = { { o.wl->params, o.rt->params } };
	int np = h_plist_count(&pl);
	vals = calloc(np > 0 ? (size_t)np : 1, sizeof *vals);
	if (!vals) {
		h_error("out of memory");
		status = H_EXIT_FAILED;
		goto out;
	}
	if (param_values(&a, &o, vals) < 0)
		goto out;
	o.vals = vals;
	o.cpus = a.cpus;
	int idle = 10000; /* a client that has said nothing for 10 s is gone */
	if (a.idle_ms && cli_count("--idle-ms", a.idle_ms, 0, 86400000, &idle) < 0)
		goto out;
	o.idle_ms = idle;
	status = h_serve(&o);
out:
	free(vals);
	free(a.setv);
	return status;
}
