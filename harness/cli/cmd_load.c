/* cmd_load.c — `concbench load HOST:PORT`: the built-in load generator on
 * its own, against any server (ours under `concbench serve`, nginx, a
 * server on another host), measured as a server cell's client is and
 * written as a results folder that report and compare read: the runtime
 * is "remote:HOST:PORT", the workload the protocol's (http or echo). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../measure/measure.h"
#include "cli.h"

void cli_load_usage(FILE *f)
{
	fputs("usage: concbench load HOST:PORT [OPTIONS]\n"
	      "\n"
	      "Drives a server with concbench's own load generator (one thread, epoll,\n"
	      "every response verified: HTTP wants 200 and \"Hello, World!\", echo its own\n"
	      "bytes back), closed loop or open loop with Poisson arrivals, and measures it\n"
	      "as a server cell's client: throughput, the latency spectrum p50 ... p99.99,\n"
	      "the client's own CPU per request. Prints them, and writes a results folder\n"
	      "(manifest.json, results.jsonl, summary.csv) that report and compare read,\n"
	      "with runtime remote:HOST:PORT.\n"
	      "\n"
	      "  HOST:PORT           the server: 127.0.0.1:8080, [::1]:8080, a host name\n"
	      "  --workload NAME     the protocol: http (default) or echo\n"
	      "  --set KEY=VALUE     conns=N connections (default 10); seconds=S measured\n"
	      "                      window (default 5) after warmup_ms=MS (default 500);\n"
	      "                      requests=N per connection instead of a window;\n"
	      "                      rate=R requests per second in all: open loop, latency\n"
	      "                      from each request's intended time (default 0: closed\n"
	      "                      loop, one request in flight per connection);\n"
	      "                      msg_bytes=B (echo, default 64)\n"
	      "  --reps N            repetitions, 1..1000 (default 1)\n"
	      "  --client-cpus LIST  OS CPU indexes the load generator is bound to\n"
	      "                      (default: not bound)\n"
	      "  --out DIR           output folder, new or empty (default\n"
	      "                      results/YYYYmmdd-HHMMSS); - for none (with --json)\n"
	      "  --json              the last repetition's results.jsonl line on stdout, the\n"
	      "                      text on stderr (for a program on another host), with\n"
	      "                      this host's short manifest (client_host)\n"
	      "  --no-probe          no test connection first (run --client-host: its server\n"
	      "                      accepts exactly conns connections)\n"
	      "  --timeout SEC       per repetition, 1..86400 (default 300)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "exit status: 0 every response right; 1 no server at HOST:PORT, or a request\n"
	      "failed (the folder is still written); 2 bad usage\n",
	      f);
}

enum { OPT_WORKLOAD = 256, OPT_SET, OPT_REPS, OPT_CLIENT_CPUS, OPT_OUT, OPT_JSON, OPT_TIMEOUT,
       OPT_NO_PROBE };

static const struct option load_options[] = {
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "set", required_argument, NULL, OPT_SET },
	{ "reps", required_argument, NULL, OPT_REPS },
	{ "client-cpus", required_argument, NULL, OPT_CLIENT_CPUS },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct load_args {
	const char *target, *workload, *reps, *client_cpus, *out, *timeout;
	const char **setv;
	int nsetv;
	int json, no_probe;
};

static int parse_load(const struct cli_command *self, int argc, char **argv,
                      struct load_args *a)
{
	struct cli_parser p = { .cmd = self, .opts = load_options, .argc = argc, .argv = argv,
		                .missing = "a value", .words = 1 };
	int c;
	while ((c = cli_next(&p)) >= CLI_WORD) {
		switch (c) {
		case CLI_WORD:
			if (a->target) {
				h_error("load takes one HOST:PORT (got '%s' and '%s')", a->target, p.arg);
				return CLI_BAD;
			}
			a->target = p.arg;
			break;
		case OPT_WORKLOAD: a->workload = p.arg; break;
		case OPT_SET: a->setv[a->nsetv++] = p.arg; break;
		case OPT_REPS: a->reps = p.arg; break;
		case OPT_CLIENT_CPUS: a->client_cpus = p.arg; break;
		case OPT_OUT: a->out = p.arg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_TIMEOUT: a->timeout = p.arg; break;
		case OPT_NO_PROBE: a->no_probe = 1; break;
		}
	}
	return c;
}

/* The workload's parameter values: its defaults, a window of 5 s rather
 * than a count (unless requests is set), then --set. H_REPORTED after a
 * usage error. */
static int load_values(const struct load_args *a, const struct workload *wl, int64_t *vals,
                       uint64_t *mask)
{
	struct h_plist pl = { { wl->params, NULL } };
	int n = h_plist_count(&pl);
	for (int i = 0; i < n; i++)
		vals[i] = h_plist_at(&pl, i)->def;
	int ireq = h_plist_find(&pl, "requests", 0), isec = h_plist_find(&pl, "seconds", 0);
	if (ireq >= 0 && isec >= 0) {
		vals[ireq] = 0;
		vals[isec] = 5;
	}
	int req_set = 0, sec_set = 0;
	for (int s = 0; s < a->nsetv; s++) {
		struct h_set set;
		char err[256];
		if (h_set_parse(a->setv[s], &set, err, sizeof err) < 0) {
			h_error("%s", err);
			return H_REPORTED;
		}
		int i = h_plist_find(&pl, set.key, 0), rc = 0;
		if (set.nvals != 1) {
			h_error("--set %s: load takes one value per parameter (no sweeps)", set.key);
			rc = H_REPORTED;
		} else if (i < 0 || !strcmp(set.key, "port")) {
			struct cli_names names = { .used = 0 };
			for (int k = 0; k < n; k++)
				if (strcmp(h_plist_at(&pl, k)->name, "port"))
					cli_names_add(&names, h_plist_at(&pl, k)->name);
			h_error("unknown parameter '%s' for load %s (choose from: %s)", set.key,
			        wl->name, names.buf);
			rc = H_REPORTED;
		} else if (h_param_check(h_plist_at(&pl, i), "load", set.vals[0], err,
		                         sizeof err) < 0) {
			h_error("%s", err);
			rc = H_REPORTED;
		} else {
			vals[i] = set.vals[0];
			*mask |= i < 64 ? 1ull << i : 0;
			req_set |= i == ireq;
			sec_set |= i == isec;
		}
		h_set_free(&set);
		if (rc < 0)
			return rc;
	}
	/* requests=N alone means a count: the default window gives way. */
	if (req_set && !sec_set && vals[ireq] > 0)
		vals[isec] = 0;
	if (ireq >= 0 && isec >= 0 && vals[ireq] == 0 && vals[isec] == 0) {
		h_error("load needs seconds=S (a window) or requests=N (a count), not both 0");
		return H_REPORTED;
	}
	return 0;
}

static double metric(const struct h_cell_result *r, const char *name)
{
	for (int i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return r->metrics[i].value;
	return NAN;
}

/* What was measured, for a person: one rep. */
static void tell(FILE *f, const struct h_cell *c, int rep, int reps)
{
	const struct h_cell_result *r = &c->res;
	char at[32] = "";
	if (reps > 1)
		snprintf(at, sizeof at, "rep %d: ", rep);
	fprintf(f, "%sthroughput %.0f req/s (%.0f requests in %.2f s, %.0f errors)\n", at,
	        metric(r, "throughput_rps"), metric(r, "requests"), metric(r, "window_s"),
	        metric(r, "errors"));
	fprintf(f, "%slatency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f\n",
	        at, metric(r, "p50_us"), metric(r, "p90_us"), metric(r, "p99_us"),
	        metric(r, "p999_us"), metric(r, "p9999_us"), metric(r, "max_us"));
	fprintf(f, "%sclient: %.2f us CPU per request, %.0f%% busy%s\n", at,
	        metric(r, "client_cpu_us_per_request"), 100 * metric(r, "client_cpu_util"),
	        metric(r, "client_limited") >= 1 ? " (over 80%: the throughput may be the "
	                                           "client's limit)" : "");
}

int cli_cmd_load(const struct cli_command *self, int argc, char **argv)
{
	struct load_args a = { .setv = calloc((size_t)argc + 1, sizeof *a.setv) };
	if (!a.setv) {
		h_error("out of memory");
		return H_EXIT_FAILED;
	}
	int status = H_EXIT_USAGE, reps = 1, timeout = 300;
	struct h_cell *cells = NULL;
	int64_t *vals = NULL;
	hwloc_topology_t topo = NULL;
	hwloc_bitmap_t client = NULL;
	FILE *res = NULL;
	char dir[4096], path[4200];
	int rc = parse_load(self, argc, argv, &a);
	if (rc != CLI_END) {
		if (rc == CLI_HELP)
			status = H_EXIT_OK;
		goto out;
	}
	if (!a.target) {
		h_error("load needs HOST:PORT (like 127.0.0.1:8080; see concbench load --help)");
		goto out;
	}
	struct h_target to;
	char err[300];
	if (h_target_parse(a.target, &to, err, sizeof err) < 0) {
		h_error("%s", err);
		goto out;
	}
	const char *wname = a.workload ? a.workload : "http";
	const struct workload *wl = wl_find(wname);
	if (!wl || (strcmp(wname, "http") && strcmp(wname, "echo"))) {
		h_error("load speaks http or echo (got --workload '%s')", wname);
		goto out;
	}
	if ((a.reps && cli_count("--reps", a.reps, 1, 1000, &reps) < 0) ||
	    (a.timeout && cli_count("--timeout", a.timeout, 1, 86400, &timeout) < 0))
		goto out;
	struct h_plist pl = { { wl->params, NULL } };
	int np = h_plist_count(&pl);
	uint64_t mask = 0;
	vals = calloc((size_t)np + 1, sizeof *vals);
	cells = calloc((size_t)reps, sizeof *cells);
	if (!vals || !cells) {
		h_error("out of memory");
		status = H_EXIT_FAILED;
		goto out;
	}
	if (load_values(&a, wl, vals, &mask) < 0)
		goto out;
	if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
		h_error("hwloc cannot load the topology: %s", strerror(errno));
		status = H_EXIT_FAILED;
		goto out;
	}
	if (a.client_cpus) {
		hwloc_bitmap_t usable = hwloc_bitmap_alloc();
		client = hwloc_bitmap_alloc();
		int bad = !usable || !client || h_cpus_usable(topo, usable) < 0 ||
		          h_parse_cpus(a.client_cpus, client) < 0 ||
		          !hwloc_bitmap_isincluded(client, usable) || hwloc_bitmap_iszero(client);
		char *us = NULL;
		if (bad && usable && hwloc_bitmap_list_asprintf(&us, usable) < 0)
			us = NULL;
		if (bad)
			h_error("bad --client-cpus '%s' (OS CPU indexes like 1 or 0-1; allowed: %s)",
			        a.client_cpus, us ? us : "?");
		free(us);
		hwloc_bitmap_free(usable);
		if (bad)
			goto out;
	}
	/* Nobody there is one line and exit 1 at once, not 15 s of the
	 * client's retries (which are for a server of ours still starting). */
	rc = a.no_probe ? 0 : h_target_probe(&to, 5000);
	if (rc < 0) {
		h_error("cannot connect to %s: %s", to.name, strerror(-rc));
		status = H_EXIT_FAILED;
		goto out;
	}
	/* --out -: no folder; the line on stdout is the result. */
	int nofolder = a.out && !strcmp(a.out, "-");
	if (nofolder && !a.json) {
		h_error("--out - (no folder) needs --json");
		goto out;
	}
	if (!nofolder && h_prepare_out(a.out, dir, sizeof dir) < 0)
		goto out;
	status = H_EXIT_FAILED;

	/* The server's name is the runtime's: a runtime with nothing to run
	 * (h_peer_is). */
	static char rname[160];
	snprintf(rname, sizeof rname, "remote:%s", to.name);
	static struct runtime remote = { .desc = "a server concbench did not start" };
	remote.name = rname;
	h_manifest_peer(rname, NULL);
	/* argv is h_main's less the program's name: the whole command line
	 * starts one before it. */
	rc = nofolder ? 0
	              : h_manifest_write_named(dir, "manifest.json", argc + 1, argv - 1, topo,
	                                       client, client ? "--client-cpus" : NULL, NULL, NULL);
	if (rc < 0) {
		h_error("cannot write %s/manifest.json: %s", dir, strerror(-rc));
		goto out;
	}
	snprintf(path, sizeof path, "%s/results.jsonl", nofolder ? "/dev" : dir);
	res = fopen(nofolder ? "/dev/null" : path, nofolder ? "we" : "axe");
	if (!res) {
		h_error("cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	int iport = h_plist_find(&pl, "port", 0);
	const struct sockaddr *sa = (const struct sockaddr *)&to.sa;
	if (iport >= 0)
		vals[iport] = sa->sa_family == AF_INET6
		                      ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
		                      : ntohs(((const struct sockaddr_in *)sa)->sin_port);
	FILE *text = a.json ? stderr : stdout;
	int failed = 0;
	for (int k = 0; k < reps; k++) {
		struct h_cell *c = &cells[k];
		c->rt = &remote;
		c->wl = wl;
		c->params = vals;
		c->setmask = mask;
		c->client_cpus = client;
		c->rep = k + 1;
		/* The client is this host: its short manifest in the line, for
		 * a run on another host (remote.c) to record. */
		if (a.json)
			h_host_self(&c->client_host);
		h_remote_cell_run(c, &to, 0, topo, timeout);
		rc = h_results_append(res, c);
		if (rc < 0) {
			h_error("cannot write %s: %s", path, strerror(-rc));
			goto out;
		}
		if (!c->res.ok) {
			h_error("load on %s, rep %d: %s", to.name, k + 1, c->res.error);
			failed++;
		}
		tell(text, c, k + 1, reps);
		fflush(text);
	}
	if (a.json && h_results_append(stdout, &cells[reps - 1]) < 0) {
		h_error("cannot write the JSON to stdout: %s", strerror(errno));
		goto out;
	}
	rc = nofolder ? 0 : h_summary_write(dir, cells, reps);
	if (rc < 0) {
		h_error("cannot write the summary in %s: %s", dir, strerror(-rc));
		goto out;
	}
	if (!nofolder)
		fprintf(text, "%s\n", dir);
	status = failed ? H_EXIT_FAILED : H_EXIT_OK;
out:
	if (res && fclose(res) != 0 && status == H_EXIT_OK) {
		h_error("cannot write %s: %s", path, strerror(errno));
		status = H_EXIT_FAILED;
	}
	if (client)
		hwloc_bitmap_free(client);
	if (topo)
		hwloc_topology_destroy(topo);
	free(cells);
	free(vals);
	free(a.setv);
	return status;
}
