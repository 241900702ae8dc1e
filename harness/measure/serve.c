/* serve.c — `concbench serve`: one server workload (echo, http, mixed) on one
 * runtime, listening on 127.0.0.1 for clients from outside (curl, wrk, a
 * browser), until SIGINT or SIGTERM.
 *
 * The server is the very code a cell runs: the runtime in this process's
 * main thread, the workload's tasks on it. Only the end differs. A cell's
 * server accepts exactly `conns` connections and ends when they close;
 * here conns is the workload's maximum (the RLIMIT_NOFILE clamp applies,
 * and `--set conns=N` restores "serve N connections, then end"), and a
 * signal ends it: SIGINT and SIGTERM are blocked in every thread (the mask
 * is set before the runtime makes any) and read from a signalfd by one
 * watcher thread, which calls the workload's stop(): the listeners stop
 * accepting and every open connection is shut down, so each task reads EOF
 * and ends, run() returns, and finish() counts what was served. Nothing is
 * cut short in a signal handler, so the exit is the ordinary path:
 * teardown, destroy, exit 0.
 *
 * A runtime that does not come back within STOP_GRACE_S after the signal
 * (a task blocked somewhere no shutdown reaches) is reported and the
 * process exits 1; a second signal exits 1 at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "measure.h"

#define STOP_GRACE_S 10

int h_cmd_serve(int argc, char **argv);

static void serve_usage(FILE *f)
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
	      "                      --set conns=N to end after N connections\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "exit status: 0 stopped cleanly; 1 the server failed; 2 bad usage\n",
	      f);
}

/* ---- argument checks ---- */

static void server_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct workload *const *w = wl_registry; *w; w++)
		if ((*w)->load)
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
			                         used ? ", " : "", (*w)->name);
}

static void runtime_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct runtime *const *r = rt_registry; *r; r++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		                         used ? ", " : "", (*r)->name);
}

static void param_names(const struct h_plist *pl, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < h_plist_count(pl); i++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		                         used ? ", " : "", h_plist_at(pl, i)->name);
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
		return -1;
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
		char names[512];
		param_names(pl, names, sizeof names);
		h_error("unknown parameter '%s' for runtime %s and workload %s (choose from: %s)",
		        set.key, rt->name, wl->name, names);
		goto out;
	}
	rc = 0;
out:
	h_set_free(&set);
	return rc;
}

/* ---- the signal watcher ---- */

struct watcher {
	int sfd;  /* signalfd: SIGINT, SIGTERM */
	int done; /* eventfd: run() returned */
	int stopped_by; /* the signal that stopped the server, 0 if none */
	pthread_t th;
	const struct workload *wl; /* what the signal stops: wl->stop(state) */
	void *state;
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	int deadline_ms = -1;
	for (;;) {
		struct pollfd pf[2] = { { .fd = w->sfd, .events = POLLIN },
			                { .fd = w->done, .events = POLLIN } };
		int n = poll(pf, 2, deadline_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (n == 0) {
			const char *sig = sigabbrev_np(w->stopped_by);
			h_error("the server did not stop within %d s of SIG%s; exiting", STOP_GRACE_S,
			        sig ? sig : "?");
			_exit(H_EXIT_FAILED);
		}
		if (pf[1].revents)
			return NULL;
		struct signalfd_siginfo si;
		if (read(w->sfd, &si, sizeof si) != (ssize_t)sizeof si)
			continue;
		if (w->stopped_by) {
			const char *sig = sigabbrev_np((int)si.ssi_signo);
			h_error("second signal (SIG%s): exiting without waiting for the server",
			        sig ? sig : "?");
			_exit(H_EXIT_FAILED);
		}
		w->stopped_by = (int)si.ssi_signo;
		w->wl->stop(w->state);
		deadline_ms = STOP_GRACE_S * 1000;
	}
}

/* ---- the command ---- */

enum { OPT_RUNTIME = 256, OPT_WORKLOAD, OPT_PORT, OPT_CPUS, OPT_SET };

static const struct option serve_options[] = {
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "set", required_argument, NULL, OPT_SET },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
#define SERVE_OPTION_NAMES "--runtime, --workload, --port, --cpus, --set, --help"

static const char *option_name(int val)
{
	for (const struct option *o = serve_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

/* Binds this process to --cpus (or every allowed CPU) and fills *cpus with
 * their OS indexes. 0, or -1 after the message. */
static int bind_cpus(hwloc_topology_t topo, const char *list, int **cpus, int *ncpus)
{
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo);
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc = -1;
	if (!set) {
		h_error("out of memory");
		return -1;
	}
	if (!list) {
		hwloc_bitmap_copy(set, allowed);
	} else if (h_parse_cpus(list, set) < 0) {
		h_error("bad --cpus '%s' (OS CPU indexes like 0, 0-3 or 0,2-3)", list);
		goto out;
	} else if (!hwloc_bitmap_isincluded(set, allowed)) {
		char *s = NULL;
		hwloc_bitmap_list_asprintf(&s, allowed);
		h_error("--cpus '%s' names CPUs this process may not use (allowed: %s)", list,
		        s ? s : "?");
		free(s);
		goto out;
	}
	if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) != 0) {
		h_error("cannot bind to CPUs %s: %s", list ? list : "(all)", strerror(errno));
		rc = -2;
		goto out;
	}
	*ncpus = hwloc_bitmap_weight(set);
	*cpus = calloc(*ncpus > 0 ? (size_t)*ncpus : 1, sizeof **cpus);
	if (!*cpus) {
		h_error("out of memory");
		goto out;
	}
	int n = 0;
	unsigned id;
	hwloc_bitmap_foreach_begin(id, set)
		(*cpus)[n++] = (int)id;
	hwloc_bitmap_foreach_end();
	rc = 0;
out:
	hwloc_bitmap_free(set);
	return rc;
}

int h_cmd_serve(int argc, char **argv)
{
	const char *rt_name = NULL, *wl_name = NULL, *port_s = NULL, *cpus_s = NULL;
	const char **setv = calloc((size_t)argc + 1, sizeof *setv);
	int nsetv = 0;
	if (!setv) {
		h_error("out of memory");
		return H_EXIT_FAILED;
	}

	opterr = 0;
	optind = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:h", serve_options, NULL);
		if (c == -1)
			break;
		if (c >= OPT_RUNTIME && optarg && strncmp(optarg, "--", 2) == 0 &&
		    argv[optind - 1] == optarg) {
			h_error("option '--%s' needs a value", option_name(c));
			goto usage;
		}
		switch (c) {
		case OPT_RUNTIME: rt_name = optarg; break;
		case OPT_WORKLOAD: wl_name = optarg; break;
		case OPT_PORT: port_s = optarg; break;
		case OPT_CPUS: cpus_s = optarg; break;
		case OPT_SET: setv[nsetv++] = optarg; break;
		case 'h':
			serve_usage(stdout);
			free(setv);
			return H_EXIT_OK;
		case ':':
			if (optopt >= OPT_RUNTIME)
				h_error("option '--%s' needs a value", option_name(optopt));
			else
				h_error("option '%s' needs a value", argv[optind - 1]);
			goto usage;
		default:
			if (optopt && optopt < OPT_RUNTIME)
				h_error("unknown option '-%c' for serve (choose from: %s)", optopt,
				        SERVE_OPTION_NAMES);
			else
				h_error("unknown option '%s' for serve (choose from: %s)",
				        argv[optind - 1], SERVE_OPTION_NAMES);
			goto usage;
		}
	}
	if (optind < argc) {
		h_error("unexpected argument '%s' for serve (options: %s)", argv[optind],
		        SERVE_OPTION_NAMES);
		goto usage;
	}

	char rts[256], servers[128];
	runtime_names(rts, sizeof rts);
	server_names(servers, sizeof servers);
	if (!rt_name || !wl_name) {
		h_error("serve needs --runtime (%s) and --workload (%s)", rts, servers);
		goto usage;
	}
	const struct runtime *rt = rt_find(rt_name);
	if (!rt) {
		h_error("unknown runtime '%s' (choose from: %s)", rt_name, rts);
		goto usage;
	}
	const struct workload *wl = wl_find(wl_name);
	if (!wl) {
		h_error("unknown workload '%s' (serve takes a server: %s)", wl_name, servers);
		goto usage;
	}
	if (!wl->load) {
		h_error("workload '%s' is not a server (choose from: %s)", wl_name, servers);
		goto usage;
	}

	/* The parameters: defaults, then --set, then --port; conns is the
	 * workload's maximum unless set. */
	struct h_plist pl = { { wl->params, rt->params } };
	int np = h_plist_count(&pl);
	int64_t *vals = calloc(np > 0 ? (size_t)np : 1, sizeof *vals);
	if (!vals) {
		h_error("out of memory");
		free(setv);
		return H_EXIT_FAILED;
	}
	for (int i = 0; i < np; i++)
		vals[i] = h_plist_at(&pl, i)->def;
	uint64_t chosen = 0;
	for (int i = 0; i < nsetv; i++)
		if (apply_set(setv[i], &pl, rt, wl, vals, &chosen) < 0)
			goto usage_vals;
	int iport = h_plist_find(&pl, "port", 0), iconns = h_plist_find(&pl, "conns", 0);
	if (port_s) {
		int64_t port;
		if (h_parse_i64(port_s, &port) < 0 || port < 0 || port > 65535) {
			h_error("bad --port '%s' (a whole number from 0 to 65535; 0 picks a free port)",
			        port_s);
			goto usage_vals;
		}
		if (iport < 0) {
			h_error("workload %s takes no port", wl->name);
			goto usage_vals;
		}
		vals[iport] = port;
	}
	if (iconns >= 0 && !(iconns < 64 && (chosen >> iconns) & 1))
		vals[iconns] = h_plist_at(&pl, iconns)->max;

	/* From here on failures are the run's, not the usage's. */
	int status = H_EXIT_FAILED;
	hwloc_topology_t topo = NULL;
	int *cpus = NULL, ncpus = 0;
	struct rt *r = NULL;
	void *state = NULL;
	int setup_done = 0;
	struct watcher w = { .sfd = -1, .done = -1 };
	int watching = 0;

	if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
		h_error("hwloc cannot load the topology: %s", strerror(errno));
		goto out;
	}
	int brc = bind_cpus(topo, cpus_s, &cpus, &ncpus);
	if (brc < 0) {
		if (brc == -1)
			status = H_EXIT_USAGE;
		goto out;
	}

	/* Blocked before any thread exists, so every runtime thread inherits
	 * the mask and only the signalfd sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	w.sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	w.done = eventfd(0, EFD_CLOEXEC);
	if (w.sfd < 0 || w.done < 0) {
		h_error("signalfd/eventfd: %s", strerror(errno));
		goto out;
	}

	int nw = 0;
	while (wl->params && wl->params[nw].name)
		nw++;
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
	int rc = rt->create(&r, &env, vals + nw);
	if (rc < 0) {
		h_error("runtime %s: %s", rt->name, strerror(-rc));
		goto out;
	}
	/* A capped runtime (the pool) serves at most max_concurrency tasks at
	 * once, the accept task among them: say so rather than let clients
	 * beyond the cap wait in silence. */
	if (r->max_concurrency == 1) {
		h_error("runtime %s runs one task at a time and the accept task takes it: no "
		        "connection could be served (raise it: concbench list shows its parameters)",
		        rt->name);
		status = H_EXIT_USAGE;
		goto out;
	}
	if (r->max_concurrency > 1)
		fprintf(stderr,
		        "concbench: note: runtime %s runs at most %llu tasks at once and the accept "
		        "task is one: %llu connection%s served at a time, more wait their turn\n",
		        rt->name, (unsigned long long)r->max_concurrency,
		        (unsigned long long)r->max_concurrency - 1,
		        r->max_concurrency == 2 ? " is" : "s are");

	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1 };
	rc = wl->setup(&state, r, vals, &wenv);
	if (rc < 0) {
		/* A half-built server may have tasks parked: exit without
		 * teardown, as a cell does. */
		if (rc == -EADDRINUSE || rc == -EACCES)
			h_error("cannot listen on 127.0.0.1:%lld: %s",
			        (long long)(iport >= 0 ? vals[iport] : 0), strerror(-rc));
		else
			h_error("workload %s setup: %s", wl->name, strerror(-rc));
		goto out;
	}
	setup_done = 1;
	struct wl_load load;
	memset(&load, 0, sizeof load);
	wl->load(state, &load);
	printf("listening on 127.0.0.1:%d\n", load.port);
	printf("serving %s on runtime %s (up to %d connections); SIGINT or SIGTERM stops\n",
	       wl->name, rt->name, load.conns);
	fflush(stdout);

	w.wl = wl;
	w.state = state;
	if ((rc = pthread_create(&w.th, NULL, watch, &w)) != 0) {
		h_error("cannot start the signal watcher: %s", strerror(rc));
		goto out;
	}
	watching = 1;

	rc = rt->run(r);

	uint64_t one = 1;
	if (write(w.done, &one, sizeof one) != (ssize_t)sizeof one)
		h_error("eventfd: %s", strerror(errno));
	pthread_join(w.th, NULL);
	watching = 0;
	if (rc < 0) {
		h_error("runtime %s: %s", rt->name, strerror(-rc));
		goto out;
	}

	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	wl->finish(state, &rep);
	if (w.stopped_by)
		printf("stopped by SIG%s; ", sigabbrev_np(w.stopped_by) ? sigabbrev_np(w.stopped_by) : "?");
	else
		printf("every connection served; ");
	printf("served:");
	int conns_set = iconns >= 0 && iconns < 64 && ((chosen >> iconns) & 1);
	for (int i = 0; i < rep.nmetrics && i < WL_MAX_METRICS; i++) {
		/* conns_asked is our own "as many as possible", not news. */
		if (!conns_set && strcmp(rep.metrics[i].name, "conns_asked") == 0)
			continue;
		printf(" %s=%.15g", rep.metrics[i].name, rep.metrics[i].value);
	}
	putchar('\n');
	fflush(stdout);
	rep.error[sizeof rep.error - 1] = '\0';
	if (rep.error[0]) {
		h_error("%s", rep.error);
		goto out;
	}
	wl->teardown(state, r);
	state = NULL;
	rt->destroy(r);
	r = NULL;
	status = H_EXIT_OK;
out:
	if (watching) {
		/* Only on an early failure: the watcher is still waiting. */
		uint64_t one1 = 1;
		if (write(w.done, &one1, sizeof one1) == (ssize_t)sizeof one1)
			pthread_join(w.th, NULL);
	}
	if (status != H_EXIT_OK && (setup_done || r)) {
		/* Tasks may be parked mid-way: let the exit reclaim it all. */
		fflush(NULL);
		_exit(status);
	}
	if (w.sfd >= 0)
		close(w.sfd);
	if (w.done >= 0)
		close(w.done);
	free(cpus);
	if (topo)
		hwloc_topology_destroy(topo);
	free(vals);
	free(setv);
	return status;

usage_vals:
	free(vals);
usage:
	free(setv);
	return H_EXIT_USAGE;
}
