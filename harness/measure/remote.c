/* remote.c — a server cell's client on another host: `run --client-host
 * netns:NAME | ssh:[USER@]HOST` and `--listen ADDR`.
 *
 * The cell's server starts here as always (cell.c); once it listens, the
 * cell's child sends its struct wl_load through a second pipe to the run
 * (the cell's parent), which runs `BIN load ADDR:PORT --json ...` on the
 * client host through the transport:
 *   netns:NAME        ip netns exec NAME BIN load ...
 *   ssh:[USER@]HOST   ssh -n -o BatchMode=yes -o ConnectTimeout=5 HOST BIN load ...
 * and reads back the one results.jsonl line `load --json` prints: the same
 * load generator's metrics, its own rusage (client_*) and its host's
 * short manifest (client_host). The client is the run's child, never the
 * cell's, so the cell's wait4 — the server's CPU time, switches and peak
 * RSS — holds none of its cost, whichever transport; and the client's
 * clock alone times the requests, so the hosts' clocks need no sync.
 *
 * The load's description goes to the client as `--set` words made from
 * the very struct wl_load a local client would get (h_load_words), so
 * windows, warm-up, rate (load_pct's offered rate included), conns and
 * message size are the same on both paths.
 *
 * Bounded: the client gets the cell's time limit (load --timeout) and the
 * run kills it at the same deadline; ssh gives up connecting after 5 s
 * and never asks for a password. A transport that fails (no such
 * namespace, ssh refused, no binary there) ends the cell at once with the
 * client's last line of stderr as the reason: the server, which would
 * wait for connections that never come, is killed (cell.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "measure.h"

#define NS_PER_MS 1000000ull

int h_net_parse(const char *listen, const char *spec, const char *bin, struct h_net *n,
                char *err, size_t errlen)
{
	memset(n, 0, sizeof *n);
	if (listen) {
		struct in_addr a;
		if (inet_pton(AF_INET, listen, &a) != 1 || a.s_addr == htonl(INADDR_ANY)) {
			snprintf(err, errlen, "bad --listen '%s' (an IPv4 address of this host, like "
			         "10.0.0.1; not 0.0.0.0)", listen);
			return -EINVAL;
		}
		n->listen_ip = a.s_addr;
		snprintf(n->listen, sizeof n->listen, "%s", listen);
	}
	if (spec) {
		const char *host = NULL;
		if (strncmp(spec, "netns:", 6) == 0) {
			n->transport = H_CLIENT_NETNS;
			host = spec + 6;
		} else if (strncmp(spec, "ssh:", 4) == 0) {
			n->transport = H_CLIENT_SSH;
			host = spec + 4;
		}
		/* The name goes into an argv (netns) or a remote shell's
		 * command line (ssh): a plain word only. */
		int plain = host && host[0] && host[0] != '-' && strlen(host) < sizeof n->host;
		for (const char *p = host; plain && *p; p++)
			plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			        (*p >= '0' && *p <= '9') || strchr("._-@:", *p);
		if (!plain) {
			snprintf(err, errlen, "bad --client-host '%s' (netns:NAME or ssh:[USER@]HOST)",
			         spec);
			return -EINVAL;
		}
		snprintf(n->host, sizeof n->host, "%s", host);
		snprintf(n->spec, sizeof n->spec, "%s", spec);
	}
	if (bin && !spec) {
		snprintf(err, errlen, "--client-bin goes with --client-host");
		return -EINVAL;
	}
	if (bin && (!bin[0] || strchr(bin, '\'') || strlen(bin) >= sizeof n->bin)) {
		snprintf(err, errlen, "bad --client-bin '%s'", bin);
		return -EINVAL;
	}
	if (bin) {
		snprintf(n->bin, sizeof n->bin, "%s", bin);
	} else {
		/* The same build at the same path on the client host. */
		ssize_t len = readlink("/proc/self/exe", n->bin, sizeof n->bin - 1);
		if (len <= 0) {
			snprintf(err, errlen, "cannot find this binary's path: give --client-bin");
			return -EINVAL;
		}
		n->bin[len] = '\0';
	}
	return 0;
}

/* `load`'s words for l, into w[][64]: --workload and one --set a field.
 * The one place the load crosses to another host. Returns the count, or
 * -ENOTSUP for a load `load` cannot make (mixed's /heavy requests). */
#define MAX_WORDS 24
static int h_load_words(const struct wl_load *l, char (*w)[64])
{
	if (l->heavy_every > 0 || l->late_us > 0)
		return -ENOTSUP;
	int n = 0;
	snprintf(w[n++], 64, "--workload");
	snprintf(w[n++], 64, "%s", l->proto == WL_PROTO_ECHO ? "echo" : "http");
	const struct {
		const char *key;
		int64_t v;
	} kv[] = {
		{ "conns", l->conns },         { "requests", l->requests },
		{ "seconds", l->seconds },     { "warmup_ms", l->warmup_ms },
		{ "rate", l->rate },           { "msg_bytes", l->msg_bytes },
		{ "hot_pct", l->hot_pct },     { "hot_x", l->hot_x },
		{ "hot_seed", l->hot_seed },
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
		if (!strcmp(kv[i].key, "msg_bytes") && l->proto != WL_PROTO_ECHO)
			continue;
		if (!strncmp(kv[i].key, "hot_", 4) && l->hot_pct == 0)
			continue; /* an even load says nothing of skew */
		snprintf(w[n++], 64, "--set");
		snprintf(w[n++], 64, "%s=%lld", kv[i].key, (long long)kv[i].v);
	}
	return n;
}

/* The transport's argv for the load at ADDR:port, in out->argv (pointing
 * into out->buf). */
struct argv_buf {
	char *argv[MAX_WORDS + 24];
	char words[MAX_WORDS][64];
	char target[96], timeout[16], cpus[256];
	char cmd[8192]; /* ssh: the remote shell's command line */
};

static void sh_quote(char *out, size_t len, size_t *used, const char *s)
{
	*used += (size_t)snprintf(out + *used, *used < len ? len - *used : 0, "%s'%s'",
	                          *used ? " " : "", s);
}

static int build_argv(const struct h_cell *c, const struct wl_load *load, int timeout_s,
                      struct argv_buf *b)
{
	int nw = h_load_words(load, b->words);
	if (nw < 0)
		return nw;
	char addr[INET_ADDRSTRLEN] = "127.0.0.1";
	if (c->net->listen_ip)
		inet_ntop(AF_INET, &c->net->listen_ip, addr, sizeof addr);
	snprintf(b->target, sizeof b->target, "%s:%d", addr, load->port);
	snprintf(b->timeout, sizeof b->timeout, "%d", timeout_s);
	/* The load: no folder on the client host (its line comes back here),
	 * no probe (the server accepts exactly conns connections; a probe
	 * would take one). */
	const char *tail[MAX_WORDS + 12];
	int nt = 0;
	tail[nt++] = c->net->bin;
	tail[nt++] = "load";
	tail[nt++] = b->target;
	tail[nt++] = "--json";
	tail[nt++] = "--out";
	tail[nt++] = "-";
	tail[nt++] = "--no-probe";
	tail[nt++] = "--timeout";
	tail[nt++] = b->timeout;
	for (int i = 0; i < nw; i++)
		tail[nt++] = b->words[i];
	/* A namespace is this machine: the client keeps the CPUs a local
	 * client would have. Another host's CPUs are its own. */
	if (c->net->transport == H_CLIENT_NETNS && c->client_cpus &&
	    !hwloc_bitmap_iszero(c->client_cpus)) {
		hwloc_bitmap_list_snprintf(b->cpus, sizeof b->cpus, c->client_cpus);
		tail[nt++] = "--client-cpus";
		tail[nt++] = b->cpus;
	}
	int n = 0;
	if (c->net->transport == H_CLIENT_NETNS) {
		b->argv[n++] = "ip";
		b->argv[n++] = "netns";
		b->argv[n++] = "exec";
		b->argv[n++] = (char *)c->net->host;
		for (int i = 0; i < nt; i++)
			b->argv[n++] = (char *)tail[i];
	} else {
		static char *const ssh[] = { "ssh", "-n", "-o", "BatchMode=yes", "-o",
			                     "ConnectTimeout=5", "-o", "ServerAliveInterval=5",
			                     "-o", "ServerAliveCountMax=3", NULL };
		for (int i = 0; ssh[i]; i++)
			b->argv[n++] = ssh[i];
		b->argv[n++] = "--";
		b->argv[n++] = (char *)c->net->host;
		size_t used = 0;
		for (int i = 0; i < nt; i++)
			sh_quote(b->cmd, sizeof b->cmd, &used, tail[i]);
		if (used >= sizeof b->cmd)
			return -E2BIG;
		b->argv[n++] = b->cmd;
	}
	b->argv[n] = NULL;
	return 0;
}

/* Keeps the last line of text that was not empty. */
static void keep_tail(char *tail, size_t len, const char *buf, size_t n)
{
	size_t end = n;
	while (end && (buf[end - 1] == '\n' || buf[end - 1] == '\r' || buf[end - 1] == ' '))
		end--;
	if (!end)
		return;
	size_t start = end;
	while (start && buf[start - 1] != '\n')
		start--;
	size_t k = end - start < len - 1 ? end - start : len - 1;
	memcpy(tail, buf + start, k);
	tail[k] = '\0';
}

/* Starts argv with stdout and stderr to pipes, stdin from /dev/null, in a
 * process group of its own (a Ctrl-C is the run's to decide on) and dying
 * with the run. 0 or a negative errno. */
static int spawn(char *const argv[], pid_t *pid, int *out, int *err)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		int e = errno;
		close(po[0]);
		close(po[1]);
		return -e;
	}
	fflush(NULL);
	pid_t parent = getpid();
	*pid = fork();
	if (*pid < 0) {
		int e = errno;
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		return -e;
	}
	if (*pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(po[1], STDOUT_FILENO) < 0 ||
		    dup2(pe[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	*out = po[0];
	*err = pe[0];
	return 0;
}

int h_remote_run(const struct h_cell *c, int lfd, int timeout_s, struct h_remote_out *o)
{
	memset(o, 0, sizeof *o);
	uint64_t deadline = h_now_ns() + (uint64_t)timeout_s * 1000000000ull;
	int timed_out;
	long got = h_read_deadline(lfd, &o->load, sizeof o->load, deadline, &timed_out);
	if (got != (long)sizeof o->load)
		return 0; /* no server: the cell's own result says why */
	o->started = 1;
	struct argv_buf *b = calloc(1, sizeof *b);
	char *out = malloc(1 << 16);
	int rc = !b || !out ? -ENOMEM : build_argv(c, &o->load, timeout_s, b);
	if (rc < 0) {
		snprintf(o->error, sizeof o->error, "%s",
		         rc == -ENOTSUP ? "workload's load cannot run on another host (`concbench "
		                          "load` speaks http and echo without /heavy)"
		                        : strerror(-rc));
		goto done;
	}
	pid_t pid = -1;
	int ofd = -1, efd = -1;
	rc = spawn(b->argv, &pid, &ofd, &efd);
	if (rc < 0) {
		snprintf(o->error, sizeof o->error, "cannot start the transport: %s", strerror(-rc));
		goto done;
	}
	size_t nout = 0;
	char ebuf[4096], etail[160] = "";
	struct pollfd pf[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
	int open_fds = 2;
	timed_out = 0;
	while (open_fds) {
		uint64_t now = h_now_ns();
		if (now >= deadline) {
			timed_out = 1;
			break;
		}
		uint64_t left = (deadline - now) / NS_PER_MS + 1;
		int pr = poll(pf, 2, left > 60000 ? 60000 : (int)left);
		if (pr < 0 && errno != EINTR)
			break;
		for (int i = 0; pr > 0 && i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			ssize_t n = i == 0 ? read(ofd, out + nout, (1 << 16) - 1 - nout)
			                   : read(efd, ebuf, sizeof ebuf);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0 || (i == 0 && nout + (size_t)n >= (1 << 16) - 1)) {
				pf[i].fd = -1; /* EOF, an error, or more than a line's worth */
				open_fds--;
				continue;
			}
			if (i == 0)
				nout += (size_t)n;
			else
				keep_tail(etail, sizeof etail, ebuf, (size_t)n);
		}
	}
	if (timed_out || open_fds)
		kill(pid, SIGKILL);
	close(ofd);
	close(efd);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out[nout] = '\0';
	/* The line: the last one on stdout that is a results line. */
	char *line = NULL;
	for (char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "{\"schema\":\"concbench.results\"", 29) == 0)
			line = p;
	if (line && strchr(line, '\n'))
		*strchr(line, '\n') = '\0';
	if (timed_out) {
		snprintf(o->error, sizeof o->error, "client on %.64s: no answer within %d s (timeout)",
		         c->net->spec, timeout_s);
	} else if (!line) {
		/* `load` says "concbench: ..."; ip and ssh say their own. */
		const char *why = etail[0] ? etail : "no results line and no message";
		if (!strncmp(why, "concbench: ", 11))
			why += 11;
		snprintf(o->error, sizeof o->error, "client on %.48s: %.100s (exit status %d)",
		         c->net->spec, why,
		         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	} else if (h_results_parse(line, &o->res, &o->host) < 0) {
		snprintf(o->error, sizeof o->error, "client on %.64s: its results line is unreadable",
		         c->net->spec);
	} else {
		o->ok = 1;
		snprintf(o->host.transport, sizeof o->host.transport, "%s", c->net->spec);
	}
done:
	free(b);
	free(out);
	return o->ok ? 0 : -EIO;
}
