/* serve.c — `concbench serve` (its options: cli/cmd_serve.c): one server
 * workload (echo, http, mixed) on one runtime, listening on 127.0.0.1 for
 * clients from outside (curl, wrk, a browser), until SIGINT or SIGTERM.
 *
 * The server is the very code a cell runs: the runtime in this process's
 * main thread, the workload's tasks on it. Only the end differs. A cell's
 * server accepts exactly `conns` connections and ends when they close;
 * here (wl_env.serve) it runs until stopped, conns caps the connections
 * open at once (default: the workload's maximum, clamped to what
 * RLIMIT_NOFILE allows; a closed connection's slot and memory serve the
 * next), a connection idle past idle_ms is closed, and only a signal ends
 * it: SIGINT and SIGTERM are blocked in every thread (the mask
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

/* ---- the server, phase by phase ---- */

/* Binds this process to --cpus (or every allowed CPU) and fills *cpus with
 * their OS indexes. 0, or an exit status after the message: H_EXIT_USAGE for
 * a bad --cpus, H_EXIT_FAILED when binding failed. */
static int bind_cpus(hwloc_topology_t topo, const char *list, int **cpus, int *ncpus)
{
	/* Within the CPUs this process may use (its affinity too: see
	 * h_cpus_usable), never the machine's. */
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc = H_EXIT_USAGE;
	if (!set || !allowed || h_cpus_usable(topo, allowed) < 0) {
		hwloc_bitmap_free(set);
		hwloc_bitmap_free(allowed);
		h_error("out of memory");
		return H_EXIT_FAILED;
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
		rc = H_EXIT_FAILED;
		goto out;
	}
	*ncpus = hwloc_bitmap_weight(set);
	*cpus = calloc(*ncpus > 0 ? (size_t)*ncpus : 1, sizeof **cpus);
	if (!*cpus) {
		h_error("out of memory");
		rc = H_EXIT_FAILED;
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
	hwloc_bitmap_free(allowed);
	return rc;
}

/* What the phases share. */
struct server {
	const struct h_serve_opts *o;
	hwloc_topology_t topo;
	int *cpus, ncpus;
	struct rt *r;
	void *state;
	int setup_done;
	struct watcher w;
	int watching;
};

/* Blocks SIGINT and SIGTERM and opens the watcher's signalfd and eventfd.
 * Called before any thread exists, so every runtime thread inherits the
 * mask and only the signalfd sees them. 0 or an exit status. */
static int block_stop_signals(struct watcher *w)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	w->sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	w->done = eventfd(0, EFD_CLOEXEC);
	if (w->sfd < 0 || w->done < 0) {
		h_error("signalfd/eventfd: %s", strerror(errno));
		return H_EXIT_FAILED;
	}
	return 0;
}

/* The topology, this process bound to --cpus, the stop signals blocked.
 * 0 or an exit status. */
static int prepare(struct server *s)
{
	if (hwloc_topology_init(&s->topo) != 0 || hwloc_topology_load(s->topo) != 0) {
		h_error("hwloc cannot load the topology: %s", strerror(errno));
		return H_EXIT_FAILED;
	}
	int rc = bind_cpus(s->topo, s->o->cpus, &s->cpus, &s->ncpus);
	return rc ? rc : block_stop_signals(&s->w);
}

static int workload_nparams(const struct workload *wl)
{
	int nw = 0;
	while (wl->params && wl->params[nw].name)
		nw++;
	return nw;
}

/* Creates the runtime on the bound CPUs. 0 or an exit status. */
static int create_runtime(struct server *s)
{
	const struct runtime *rt = s->o->rt;
	char why[160] = "";
	struct rt_env env = { .ncpus = s->ncpus, .cpus = s->cpus, .why = why, .why_len = sizeof why };
	int rc = rt->create(&s->r, &env, s->o->vals + workload_nparams(s->o->wl));
	if (rc < 0) {
		h_error("runtime %s: %s", rt->name, rc == RT_UNAVAILABLE && why[0] ? why : strerror(-rc));
		return H_EXIT_FAILED;
	}
	/* A capped runtime (the pool) serves at most max_concurrency tasks at
	 * once, the accept task among them: say so rather than let clients
	 * beyond the cap wait in silence. */
	uint64_t cap = s->r->max_concurrency;
	if (cap == 1) {
		h_error("runtime %s runs one task at a time and the accept task takes it: no "
		        "connection could be served (raise it: concbench list shows its parameters)",
		        rt->name);
		return H_EXIT_USAGE;
	}
	if (cap > 1)
		fprintf(stderr,
		        "concbench: note: runtime %s runs at most %llu tasks at once and the accept "
		        "task is one: %llu connection%s served at a time, more wait their turn\n",
		        rt->name, (unsigned long long)cap, (unsigned long long)cap - 1,
		        cap == 2 ? " is" : "s are");
	return 0;
}

/* The workload's setup: its listeners open; says where. 0 or an exit
 * status. */
static int listen_and_announce(struct server *s)
{
	const struct workload *wl = s->o->wl;
	char why[160] = "";
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1, .serve = 1, .idle_ms = s->o->idle_ms,
		               .why = why, .why_len = sizeof why };
	int rc = wl->setup(&s->state, s->r, s->o->vals, &wenv);
	if (rc < 0) {
		/* A half-built server may have tasks parked: exit without
		 * teardown, as a cell does. */
		if (rc == -EADDRINUSE || rc == -EACCES) {
			struct h_plist pl = { { wl->params, s->o->rt->params } };
			int iport = h_plist_find(&pl, "port", 0);
			h_error("cannot listen on 127.0.0.1:%lld: %s",
			        (long long)(iport >= 0 ? s->o->vals[iport] : 0), strerror(-rc));
		} else {
			h_error("workload %s setup: %s", wl->name, why[0] ? why : strerror(-rc));
		}
		return H_EXIT_FAILED;
	}
	s->setup_done = 1;
	struct wl_load load;
	memset(&load, 0, sizeof load);
	wl->load(s->state, &load);
	printf("listening on 127.0.0.1:%d\n", load.port);
	printf("serving %s on runtime %s (at most %d connections open at once", wl->name,
	       s->o->rt->name, load.conns);
	if (s->o->idle_ms > 0)
		printf("; a connection idle for %lld ms is closed", (long long)s->o->idle_ms);
	printf("); SIGINT or SIGTERM stops\n");
	fflush(stdout);
	return 0;
}

/* Tells the watcher run() returned, and waits for it. */
static void stop_watcher(struct server *s)
{
	uint64_t one = 1;
	if (write(s->w.done, &one, sizeof one) != (ssize_t)sizeof one)
		h_error("eventfd: %s", strerror(errno));
	pthread_join(s->w.th, NULL);
	s->watching = 0;
}

/* The runtime's run(), with the watcher ready to stop it on a signal.
 * 0 or an exit status. */
static int serve_until_stopped(struct server *s)
{
	s->w.wl = s->o->wl;
	s->w.state = s->state;
	int rc = pthread_create(&s->w.th, NULL, watch, &s->w);
	if (rc != 0) {
		h_error("cannot start the signal watcher: %s", strerror(rc));
		return H_EXIT_FAILED;
	}
	s->watching = 1;
	rc = s->o->rt->run(s->r);
	stop_watcher(s);
	if (rc < 0) {
		h_error("runtime %s: %s", s->o->rt->name, strerror(-rc));
		return H_EXIT_FAILED;
	}
	return 0;
}

/* The workload's finish(): what was served, on stdout. 0 or an exit
 * status. */
static int report_served(struct server *s)
{
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	s->o->wl->finish(s->state, &rep);
	int sig = s->w.stopped_by;
	if (sig)
		printf("stopped by SIG%s; ", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	else
		printf("every connection served; ");
	printf("served:");
	for (int i = 0; i < rep.nmetrics && i < WL_MAX_METRICS; i++) {
		/* conns_asked is our own "as many as possible", not news. */
		if (!s->o->conns_set && strcmp(rep.metrics[i].name, "conns_asked") == 0)
			continue;
		printf(" %s=%.15g", rep.metrics[i].name, rep.metrics[i].value);
	}
	putchar('\n');
	fflush(stdout);
	rep.error[sizeof rep.error - 1] = '\0';
	if (rep.error[0]) {
		h_error("%s", rep.error);
		return H_EXIT_FAILED;
	}
	return 0;
}

/* After a clean stop: teardown and destroy; after a failure with tasks
 * maybe parked mid-way, _exit. Then what prepare() made. The exit status. */
static int shut_down(struct server *s, int status)
{
	if (status == H_EXIT_OK) {
		s->o->wl->teardown(s->state, s->r);
		s->o->rt->destroy(s->r);
		s->state = NULL;
		s->r = NULL;
	}
	if (s->watching) {
		/* Only on an early failure: the watcher is still waiting. */
		uint64_t one = 1;
		if (write(s->w.done, &one, sizeof one) == (ssize_t)sizeof one)
			pthread_join(s->w.th, NULL);
	}
	if (status != H_EXIT_OK && (s->setup_done || s->r)) {
		/* Let the exit reclaim it all. */
		fflush(NULL);
		_exit(status);
	}
	if (s->w.sfd >= 0)
		close(s->w.sfd);
	if (s->w.done >= 0)
		close(s->w.done);
	free(s->cpus);
	if (s->topo)
		hwloc_topology_destroy(s->topo);
	return status;
}

int h_serve(const struct h_serve_opts *o)
{
	struct server s = { .o = o, .w = { .sfd = -1, .done = -1 } };
	int status = prepare(&s);
	if (!status)
		status = create_runtime(&s);
	if (!status)
		status = listen_and_announce(&s);
	if (!status)
		status = serve_until_stopped(&s);
	if (!status)
		status = report_served(&s);
	return shut_down(&s, status);
}
