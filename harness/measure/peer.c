/* peer.c — servers that are not ours, measured by the same load generator
 * as our cells: a remote HOST:PORT (`concbench load`), and production
 * peers started by the run itself (`run --peer nginx`), so that the report
 * can say how the hand-written models stand against what people ship.
 *
 * A peer's cell is an h_cell like any other: c->rt is a runtime with a
 * name and nothing else (no create, no run: h_peer_is), c->wl the workload
 * whose client it gets, c->params that workload's values. Its line in
 * results.jsonl and its summary rows are a server cell's: the client's
 * metrics and rusage; for nginx also nginx's own CPU time and peak RSS
 * (its processes' rusage) in the server fields.
 *
 * nginx: each cell starts a fresh nginx (a generated configuration in a
 * temporary prefix under $TMPDIR, 127.0.0.1 on a free port, one worker per
 * server CPU, bound to the server CPUs), waits until it accepts, runs the
 * load from the client CPUs, and stops it. Nothing may outlive the run,
 * whatever ends it: nginx runs under a keeper process that holds the read
 * end of a pipe from the run. When the run closes it, or dies (even by
 * SIGKILL: the kernel closes it), the keeper stops nginx's whole process
 * group (SIGTERM, then SIGKILL after 2 s), reaps every process of it (it
 * is their subreaper, so a worker orphaned by its master comes back to
 * it), removes the prefix, and reports nginx's rusage. nginx has a process
 * group of its own, so a Ctrl-C at the terminal reaches the run (which
 * decides) and not nginx.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

#define NS_PER_MS 1000000ull

/* A peer is a runtime with a name and nothing to run; cmd_load makes its
 * own, "remote:HOST:PORT". */
const struct runtime h_peer_nginx = {
	.name = "peer:nginx",
	.desc = "nginx (Debian's nginx-light), one worker per server CPU: a production HTTP "
	        "server as the reference, not a model of ours",
};

/* By name: no runtime of ours has a colon in its name. */
int h_peer_is(const struct runtime *rt)
{
	return rt && (!strncmp(rt->name, "peer:", 5) || !strncmp(rt->name, "remote:", 7));
}

int h_peer_serves(const struct runtime *rt, const struct workload *wl)
{
	if (rt == &h_peer_nginx)
		return strcmp(wl->name, "http") == 0;
	return h_peer_is(rt) && wl->load != NULL;
}

/* ---- a cell against a server that is not ours ---- */

/* The parameter `name` of the cell's workload, or def. */
static int64_t wparam(const struct h_cell *c, const char *name, int64_t def)
{
	struct h_plist pl = { { c->wl->params, NULL } };
	int i = h_plist_find(&pl, name, 0);
	return i >= 0 ? c->params[i] : def;
}

static int remote_load(const struct h_cell *c, const struct h_target *to, struct wl_load *load)
{
	const char *w = c->wl->name;
	int echo = strcmp(w, "echo") == 0;
	if (!echo && strcmp(w, "http") != 0)
		return -EINVAL; /* mixed needs our server's /heavy */
	const struct sockaddr *sa = (const struct sockaddr *)&to->sa;
	int port = sa->sa_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port)
	                                     : ntohs(((const struct sockaddr_in *)sa)->sin_port);
	*load = (struct wl_load){
		.proto = echo ? WL_PROTO_ECHO : WL_PROTO_HTTP,
		.port = port,
		.conns = (int)wparam(c, "conns", 10),
		.requests = wparam(c, "requests", 0),
		.seconds = wparam(c, "seconds", 0),
		.msg_bytes = echo ? wparam(c, "msg_bytes", 64) : 0,
		.rate = wparam(c, "rate", 0),
		.warmup_ms = wparam(c, "warmup_ms", 0),
		.hot_pct = wparam(c, "hot_pct", 0),
		.hot_x = wparam(c, "hot_x", 10),
		.hot_seed = wparam(c, "hot_seed", 1),
	};
	return 0;
}

uint64_t h_remote_cell_run(struct h_cell *c, const struct h_target *to, pid_t server,
                           hwloc_topology_t topo, int timeout_s)
{
	uint64_t handled = 0;
	struct h_cell_result *r = &c->res;
	h_cell_result_clear(r);
	r->ok = 1; /* ok until an h_cell_fail() says otherwise */
	c->done = 1;
	struct wl_load load;
	if (remote_load(c, to, &load) < 0) {
		h_cell_fail(r, "workload %s cannot be run against a server that is not ours", c->wl->name);
		return 0;
	}
	/* About 110 KiB: not on the stack of a caller that may be deep. */
	struct h_loadgen *lg = calloc(1, sizeof *lg);
	struct wl_report *rep = calloc(1, sizeof *rep);
	if (!lg || !rep) {
		h_cell_fail(r, "out of memory");
		goto out;
	}
	load.conns = h_loadgen_clamp_conns(load.conns);
	uint64_t t0 = h_now_ns();
	int rc = h_loadgen_start_at(&load, to, server, topo, c->client_cpus, lg);
	if (rc < 0) {
		h_cell_fail(r, "load generator: %s", strerror(-rc));
		goto out;
	}
	lg->conns_asked = (int)wparam(c, "conns", load.conns);
	h_cell_pid = lg->pid; /* a second Ctrl-C of `run` stops the client */
	rc = h_loadgen_finish(lg, timeout_s * 1000, rep);
	h_cell_pid = 0;
	r->wall_ns = h_now_ns() - t0;
	rep->error[sizeof rep->error - 1] = '\0';
	if (rc < 0 && !rep->error[0])
		snprintf(rep->error, sizeof rep->error, "load generator: %s", strerror(-rc));
	if (rep->error[0])
		h_cell_fail(r, "%s", rep->error);
	r->nmetrics = rep->nmetrics < 0 ? 0 : rep->nmetrics > WL_MAX_METRICS ? WL_MAX_METRICS
	                                                                    : rep->nmetrics;
	memcpy(r->metrics, rep->metrics, sizeof r->metrics);
	if (lg->ru_ok) {
		r->client = 1;
		r->client_cpu_user_ns = lg->ru_user_ns;
		r->client_cpu_sys_ns = lg->ru_sys_ns;
		r->client_ctx_voluntary = lg->ru_nvcsw;
		r->client_ctx_involuntary = lg->ru_nivcsw;
		r->client_rss_peak_kib = lg->ru_maxrss_kib;
	}
	if (rc == 0) {
		handled = lg->res.completed;
		uint64_t m = lg->res.cpus_used;
		size_t used = 0;
		for (int i = 0; i < 64 && used < sizeof r->client_cpus_used; i++)
			if (m >> i & 1)
				used += (size_t)snprintf(r->client_cpus_used + used,
				                         sizeof r->client_cpus_used - used, "%s%d",
				                         used ? "," : "", i);
	}
out:
	free(lg);
	free(rep);
	return handled;
}

/* ---- nginx ---- */

static const char *const sbin_dirs[] = { "/usr/sbin", "/usr/local/sbin", "/sbin", NULL };

/* nginx's path: $CONCBENCH_NGINX when set (an nginx of your own build;
 * the tests name a missing one), else $PATH, then the sbin folders a
 * user's PATH may lack (Debian puts nginx in /usr/sbin). */
static int find_nginx(char *out, size_t len)
{
	const char *own = getenv("CONCBENCH_NGINX");
	if (own && own[0]) {
		snprintf(out, len, "%s", own);
		struct stat st; /* a directory is searchable (X_OK), not a program */
		return stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0
		               ? 0
		               : -ENOENT;
	}
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path ? path : "");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/nginx", d[0] ? d : ".");
		if (access(out, X_OK) == 0)
			return 0;
	}
	for (int i = 0; sbin_dirs[i]; i++) {
		snprintf(out, len, "%s/nginx", sbin_dirs[i]);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* `nginx -v` ("nginx version: nginx/1.22.1", on stderr): "1.22.1". */
static int nginx_version(const char *bin, char *out, size_t len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		dup2(p[1], STDOUT_FILENO);
		execl(bin, "nginx", "-v", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char buf[256];
	int timed_out;
	long got = h_read_deadline(p[0], buf, sizeof buf - 1, h_now_ns() + 5000 * NS_PER_MS,
	                           &timed_out);
	close(p[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got > 0 ? got : 0] = '\0';
	const char *v = strstr(buf, "nginx/");
	if (!v)
		return -ENOEXEC;
	v += 6;
	size_t n = strcspn(v, " \r\n");
	snprintf(out, len, "%.*s", (int)n, v);
	return 0;
}

static char nginx_bin[4096];

int h_peer_find(const char *name, const struct runtime **rt, char *version, size_t len,
                char *why, size_t whylen)
{
	*rt = NULL;
	if (strcmp(name, "nginx") != 0) {
		snprintf(why, whylen, "unknown peer '%s' (choose from: nginx)", name);
		return -EINVAL;
	}
	if (find_nginx(nginx_bin, sizeof nginx_bin) < 0) {
		snprintf(why, whylen, "%s", getenv("CONCBENCH_NGINX") && getenv("CONCBENCH_NGINX")[0]
		                                ? "CONCBENCH_NGINX names no executable"
		                                : "nginx is not installed (Debian: apt-get install "
		                                  "nginx-light)");
		return -ENOENT;
	}
	int rc = nginx_version(nginx_bin, version, len);
	if (rc < 0) {
		snprintf(why, whylen, "%s -v does not say its version: %s", nginx_bin,
		         rc == -ENOEXEC ? "not nginx?" : strerror(-rc));
		return rc;
	}
	*rt = &h_peer_nginx;
	return 0;
}

/* A port on 127.0.0.1 that nobody holds now (nginx binds it a moment
 * later; a clash is retried with another). */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sa;
	int rc = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		rc = -errno;
	close(fd);
	return rc < 0 ? rc : ntohs(sa.sin_port);
}

static int write_conf(const char *prefix, int port, int workers, int conns)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/nginx.conf", prefix);
	FILE *f = fopen(path, "wxe");
	if (!f)
		return -errno;
	/* The TechEmpower plaintext answer our http server gives: 200 and
	 * "Hello, World!" as text/plain, on keep-alive connections that last
	 * the whole load (nginx closes one after keepalive_requests, 1000 by
	 * default, which our client would count as an error). Every path nginx
	 * would write is in the prefix: Debian's compiled-in ones
	 * (/var/lib/nginx, /var/log/nginx) may not exist or be writable.
	 * The listen backlog holds every connection opened at once, as our
	 * servers' does (nginx's default is 511). Twice the connections as
	 * worker_connections: at conns + 64 nginx logged "worker_connections
	 * are not enough, reusing connections" at 1,000 connections and closed
	 * 32 of them unanswered (1.22.1, measured). The descriptors within the
	 * hard limit nginx may raise its own to. */
	int wconns = 2 * conns + 64, nofile = 2 * conns + 128;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    (rlim_t)nofile > rl.rlim_max)
		nofile = (int)rl.rlim_max;
	fprintf(f,
	        "daemon off;\n"
	        "master_process on;\n"
	        "worker_processes %d;\n"
	        "worker_rlimit_nofile %d;\n"
	        "pid %s/nginx.pid;\n"
	        "error_log %s/error.log error;\n"
	        "events { worker_connections %d; }\n"
	        "http {\n"
	        "  access_log off;\n"
	        "  keepalive_requests 2147483647;\n"
	        "  keepalive_timeout 3600s;\n"
	        "  client_body_temp_path %s/body;\n"
	        "  proxy_temp_path %s/proxy;\n"
	        "  fastcgi_temp_path %s/fastcgi;\n"
	        "  uwsgi_temp_path %s/uwsgi;\n"
	        "  scgi_temp_path %s/scgi;\n"
	        "  server {\n"
	        "    listen 127.0.0.1:%d default_server backlog=%d;\n"
	        "    location / { default_type text/plain; return 200 \"Hello, World!\"; }\n"
	        "  }\n"
	        "}\n",
	        workers, nofile, prefix, prefix, wconns, prefix, prefix, prefix, prefix,
	        prefix, port, conns + 64);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	remove(path);
	return 0;
}

/* What the keeper reports when nginx is gone: nginx's processes' rusage,
 * and its exit status. */
struct keeper_report {
	int status;
	int early; /* nginx exited before it was told to */
	struct rusage ru;
};

/* The keeper: see the top of the file. ctl: EOF means stop; st: one byte
 * when nginx died by itself, then the report when all is gone. */
static _Noreturn void keeper(const char *prefix, char *const argv[], hwloc_topology_t topo,
                             hwloc_const_cpuset_t cpus, int ctl, int st)
{
	signal(SIGINT, SIG_IGN); /* the run decides what Ctrl-C means */
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* To 3 and 4, by way of fds above both (either may be 3 or 4 now). */
	ctl = fcntl(ctl, F_DUPFD, 10);
	st = fcntl(st, F_DUPFD, 10);
	if (ctl < 0 || st < 0 || dup2(ctl, 3) < 0 || dup2(st, 4) < 0)
		_exit(6);
	close_range(5, ~0u, 0);
	ctl = 3;
	st = 4;
	pid_t ng = fork();
	if (ng == 0) {
		/* nginx: its own process group (its workers join it), the
		 * server CPUs, default signals, no fd of ours but stdio, whose
		 * output goes to the prefix. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (topo && cpus && !hwloc_bitmap_iszero(cpus))
			hwloc_set_cpubind(topo, cpus, HWLOC_CPUBIND_PROCESS);
		char out[4200];
		snprintf(out, sizeof out, "%s/stderr.log", prefix);
		int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int nul = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		close_range(3, ~0u, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	struct keeper_report kr = { .status = -1 };
	if (ng > 0) {
		setpgid(ng, ng); /* both sides, so neither races the other */
		int gone = 0;
		for (;;) {
			struct pollfd p = { .fd = ctl, .events = POLLIN };
			int n = poll(&p, 1, 50);
			if (!gone && waitpid(ng, &kr.status, WNOHANG) == ng) {
				gone = kr.early = 1;
				char b = 'x';
				ssize_t w = write(st, &b, 1);
				(void)w;
			}
			if (n > 0) {
				char b;
				if (read(ctl, &b, 1) <= 0)
					break; /* EOF: the run is done with nginx, or gone */
			}
		}
		/* Fast shutdown for the group; what is left after 2 s is killed. */
		kill(-ng, SIGTERM);
		uint64_t until = h_now_ns() + 2000 * NS_PER_MS;
		while (!gone && h_now_ns() < until) {
			if (waitpid(ng, &kr.status, WNOHANG) == ng)
				gone = 1;
			else
				usleep(5000);
		}
		kill(-ng, SIGKILL);
		if (!gone)
			waitpid(ng, &kr.status, 0);
		/* Every worker, orphaned or not, is ours to reap (subreaper). */
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
	}
	getrusage(RUSAGE_CHILDREN, &kr.ru);
	nftw(prefix, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	h_child_send_exit(st, &kr, sizeof kr);
}

struct nginx {
	pid_t keeper;
	int ctl, st; /* write end: closing it stops nginx; the keeper's reports */
	int port;
	pid_t master; /* nginx's master, its process group's leader (0: unknown) */
	char prefix[256];
	char err[160];
};

/* nginx's master from its pid file, which it writes a moment after it
 * listens (so up to 1 s of tries after the port answered): the leader of
 * the process group its workers share (the keeper made it one). 0 when it
 * never came. */
static pid_t nginx_master(const char *prefix)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/nginx.pid", prefix);
	for (int i = 0; i < 100; i++) {
		FILE *f = fopen(path, "re");
		long pid = 0;
		int got = f ? fscanf(f, "%ld", &pid) : 0;
		if (f)
			fclose(f);
		if (got == 1 && pid > 0)
			return (pid_t)pid;
		usleep(10000);
	}
	return 0;
}

/* The last line of nginx's error log (why it would not start), or "". */
static void nginx_why(const char *prefix, char *out, size_t len)
{
	out[0] = '\0';
	static const char *const logs[] = { "error.log", "stderr.log" };
	for (int k = 0; k < 2 && !out[0]; k++) {
		char path[4200], line[512];
		snprintf(path, sizeof path, "%s/%s", prefix, logs[k]);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof line, f))
			if (line[0] && line[0] != '\n')
				snprintf(out, len, "%.*s", (int)strcspn(line, "\n"), line);
		fclose(f);
	}
}

/* Starts nginx and waits until it accepts on its port (at most 5 s). 0,
 * or a negative errno with n->err saying why (nginx is then stopped). */
static int nginx_start(struct nginx *n, const struct h_cell *c, hwloc_topology_t topo)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(n->prefix, sizeof n->prefix, "%s/concbench-nginx-XXXXXX",
	         tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(n->prefix)) {
		int e = errno;
		snprintf(n->err, sizeof n->err, "cannot make nginx's prefix: %s", strerror(e));
		return -e;
	}
	int workers = c->place && c->place->cpuset ? hwloc_bitmap_weight(c->place->cpuset) : 1;
	workers = workers < 1 ? 1 : workers;
	int conns = h_loadgen_clamp_conns((int)wparam(c, "conns", 10));
	int port = free_port();
	int rc = port < 0 ? port : write_conf(n->prefix, port, workers, conns);
	if (rc < 0) {
		snprintf(n->err, sizeof n->err, "cannot write nginx's configuration: %s",
		         strerror(-rc));
		nftw(n->prefix, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		return rc;
	}
	n->port = port;
	char conf[4200], errlog[4200], pfx[300];
	snprintf(conf, sizeof conf, "%s/nginx.conf", n->prefix);
	snprintf(errlog, sizeof errlog, "%s/error.log", n->prefix);
	snprintf(pfx, sizeof pfx, "%s/", n->prefix);
	/* -e: the error log before the configuration is read, which would
	 * otherwise be Debian's /var/log/nginx/error.log. */
	char *argv[] = { nginx_bin, "-p", pfx, "-c", conf, "-e", errlog, NULL };
	int ctl[2], st[2];
	if (pipe2(ctl, O_CLOEXEC) != 0) {
		rc = -errno;
		nftw(n->prefix, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		snprintf(n->err, sizeof n->err, "pipe: %s", strerror(-rc));
		return rc;
	}
	if (pipe2(st, O_CLOEXEC) != 0) {
		rc = -errno;
		close(ctl[0]);
		close(ctl[1]);
		nftw(n->prefix, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		snprintf(n->err, sizeof n->err, "pipe: %s", strerror(-rc));
		return rc;
	}
	fflush(NULL);
	pid_t k = fork();
	if (k == 0) {
		close(ctl[1]);
		close(st[0]);
		keeper(n->prefix, argv, topo, c->place ? c->place->cpuset : NULL, ctl[0], st[1]);
	}
	close(ctl[0]);
	close(st[1]);
	if (k < 0) {
		rc = -errno;
		close(ctl[1]);
		close(st[0]);
		nftw(n->prefix, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		snprintf(n->err, sizeof n->err, "fork: %s", strerror(-rc));
		return rc;
	}
	n->keeper = k;
	n->ctl = ctl[1];
	n->st = st[0];
	struct h_target to;
	char name[32], err[200];
	snprintf(name, sizeof name, "127.0.0.1:%d", port);
	h_target_parse(name, &to, err, sizeof err);
	uint64_t until = h_now_ns() + 5000 * NS_PER_MS;
	for (;;) {
		rc = h_target_probe(&to, 200);
		if (rc == 0) {
			n->master = nginx_master(n->prefix);
			return 0;
		}
		struct pollfd p = { .fd = n->st, .events = POLLIN };
		if (poll(&p, 1, 0) > 0) {
			nginx_why(n->prefix, n->err, sizeof n->err);
			if (!n->err[0])
				snprintf(n->err, sizeof n->err, "nginx exited at start");
			return -ECHILD;
		}
		if (h_now_ns() >= until) {
			snprintf(n->err, sizeof n->err, "nginx did not accept on %s within 5 s", name);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

/* Stops nginx (closing ctl tells the keeper), waits for the keeper's
 * report (it has reaped every nginx process and removed the prefix by
 * then), and reaps the keeper. 0 with *kr, or a negative errno. */
static int nginx_stop(struct nginx *n, struct keeper_report *kr)
{
	if (n->keeper <= 0)
		return -ECHILD;
	close(n->ctl);
	n->ctl = -1;
	/* The keeper sends its report and exits (after at most 2 s of
	 * shutdown and the reaping); an early byte may come first. */
	uint64_t until = h_now_ns() + 10000 * NS_PER_MS;
	int timed_out = 0;
	char b[sizeof *kr + 1];
	long got = h_read_deadline(n->st, b, sizeof b, until, &timed_out);
	if (got >= (long)sizeof *kr)
		memcpy(kr, b + (got - (long)sizeof *kr), sizeof *kr);
	close(n->st);
	if (timed_out)
		kill(n->keeper, SIGKILL);
	int status;
	while (waitpid(n->keeper, &status, 0) < 0 && errno == EINTR)
		;
	n->keeper = 0;
	return got >= (long)sizeof *kr ? 0 : -EPIPE;
}

void h_peer_cell_run(struct h_cell *c, hwloc_topology_t topo, int timeout_s)
{
	struct h_cell_result *r = &c->res;
	h_cell_result_clear(r);
	r->ok = 1; /* ok until an h_cell_fail() says otherwise */
	c->done = 1;
	if (c->rt != &h_peer_nginx || !nginx_bin[0]) {
		h_cell_fail(r, "peer %s was not found (h_peer_find)", c->rt->name);
		return;
	}
	struct nginx n = { .ctl = -1, .st = -1 };
	int rc = nginx_start(&n, c, topo);
	for (int tries = 1; rc == -ECHILD && strstr(n.err, "in use") && tries < 3; tries++) {
		struct keeper_report kr;
		nginx_stop(&n, &kr); /* someone took the port meanwhile: another */
		n = (struct nginx){ .ctl = -1, .st = -1 };
		rc = nginx_start(&n, c, topo);
	}
	if (rc == 0) {
		struct h_target to;
		char name[32], err[200];
		snprintf(name, sizeof name, "127.0.0.1:%d", n.port);
		h_target_parse(name, &to, err, sizeof err);
		/* The client reads the CPU clocks of nginx's process group (the
		 * master and its workers) at its window's ends. */
		h_remote_cell_run(c, &to, n.master > 0 ? -n.master : 0, topo, timeout_s);
	} else {
		h_cell_fail(r, "nginx: %s", n.err);
	}
	struct keeper_report kr;
	if (n.keeper > 0 && nginx_stop(&n, &kr) == 0 && rc == 0) {
		/* nginx's own cost over its life, as a server cell's fields
		 * are over the cell; server_cpu_us_per_request is the window's
		 * (the client's reads of the group's CPU clocks). */
		r->cpu_user_ns = (uint64_t)kr.ru.ru_utime.tv_sec * 1000000000ull +
		                 (uint64_t)kr.ru.ru_utime.tv_usec * 1000ull;
		r->cpu_sys_ns = (uint64_t)kr.ru.ru_stime.tv_sec * 1000000000ull +
		                (uint64_t)kr.ru.ru_stime.tv_usec * 1000ull;
		r->ctx_voluntary = (uint64_t)kr.ru.ru_nvcsw;
		r->ctx_involuntary = (uint64_t)kr.ru.ru_nivcsw;
		r->rss_peak_kib = (uint64_t)kr.ru.ru_maxrss;
		if (kr.early && r->ok)
			h_cell_fail(r, "nginx exited during the load");
	} else if (n.keeper == 0 && rc == 0 && r->ok) {
		h_cell_fail(r, "nginx: its keeper did not report");
	}
}
