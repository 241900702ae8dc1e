/* mem.c — what a cell's tasks cost in memory, the user's share and the
 * kernel's.
 *
 * User: RSS and PSS of the cell's process from /proc/self/smaps_rollup (one
 * file, summed by the kernel over every mapping; it walks the page tables,
 * so it is read at sampling points only, never in a loop).
 *
 * Kernel: a thread's kernel stack (16 KiB on x86-64), its page tables and
 * its slab objects (task_struct and friends) appear in no RSS figure. They
 * are read, best first, from:
 *   1. a cgroup v2 child cgroup of our own, made for the cell: its
 *      memory.stat splits the kernel's share into kernel_stack, pagetables
 *      and slab, for this process alone;
 *   2. a cgroup v1 memory child cgroup: memory.kmem.usage_in_bytes is the
 *      kernel total for this process alone (v1 has no split, so the parts
 *      come from 3.);
 *   3. /proc/meminfo (KernelStack, PageTables, Slab): system-wide, so
 *      everything else the machine does in the meantime is in the delta.
 *      The cell samples it twice before setup and records the difference
 *      as the noise of the method.
 * Both cgroup kinds charge in batches (up to 64 pages per CPU are
 * pre-charged), so they are exact to about ±256 KiB per CPU: fine for a
 * slope over thousands of tasks, not for one.
 *
 * Sockets: the kernel's buffers of a connection are in none of the above
 * per process (cgroup v2 charges them as "sock", v1 not at all).
 * NETLINK_SOCK_DIAG gives each socket's own figures (INET_DIAG_SKMEMINFO);
 * h_mem_sock_diag sums them over the TCP sockets of one local port: a
 * server's listener and the server side of each of its connections, in
 * this network namespace, whichever process holds them (the load
 * generator asks, at its window's end, while every connection is open).
 *
 * The parent makes the cgroup before the fork and removes it after reaping
 * the child, so a killed child leaves nothing behind. CONCBENCH_CGROUP=off
 * in the environment skips the cgroups (method 3), for tests and for
 * machines where making cgroups is unwelcome.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure.h"

/* Reads a small file whole into buf (NUL-terminated). 0 or -errno. */
static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

/* The number after "key" at the start of a line ("Rss:   1234 kB",
 * "kernel_stack 16384"), or NaN. key includes its ':' where there is one. */
static double field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) != 0 || (p[klen] != ' ' && p[klen] != '\t'))
			continue;
		char *end;
		double v = strtod(p + klen, &end);
		return end == p + klen ? NAN : v;
	}
	return NAN;
}

/* The samplers run inside a task's step at peak, on whatever stack that
 * task has: a coroutine's may be 16 KiB. So their buffers come from the
 * heap, not the stack. */
#define BUFSZ 8192

int h_mem_user(double *rss_kib, double *pss_kib)
{
	char *buf = malloc(BUFSZ);
	if (!buf)
		return -ENOMEM;
	int rc = slurp("/proc/self/smaps_rollup", buf, BUFSZ);
	if (rc == 0) {
		*rss_kib = field(buf, "Rss:");
		*pss_kib = field(buf, "Pss:");
		rc = isnan(*rss_kib) ? -EINVAL : 0;
	}
	free(buf);
	return rc;
}

/* One sock_diag dump of family fam's TCP sockets whose local port is
 * `port` (the kernel filters a dump on idiag_sport; checked again here),
 * added to *bytes and *n. 0 or -errno. */
static int diag_dump(int fd, int fam, int port, double *bytes, int *n)
{
	/* The states of a connection and LISTEN (1 to 11) but TIME_WAIT (6)
	 * and CLOSE (7): a mini socket with no buffers, and a socket bound
	 * but neither listening nor connected. Named one by one, so that
	 * newer pseudo states (NEW_SYN_RECV 12, BOUND_INACTIVE 13) stay out. */
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req = { .nh = { .nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
	                  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = (unsigned)fam },
	          .r = { .sdiag_family = (uint8_t)fam, .sdiag_protocol = IPPROTO_TCP,
	                 .idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1),
	                 .idiag_states = ((1u << 12) - 2) & ~((1u << 6) | (1u << 7)),
	                 .id = { .idiag_sport = htons((uint16_t)port) } } };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&nl, sizeof nl) < 0)
		return -errno;
	char *buf = malloc(BUFSZ * 4);
	if (!buf)
		return -ENOMEM;
	int rc = 1;
	while (rc == 1) {
		ssize_t len = recv(fd, buf, BUFSZ * 4, 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			rc = len < 0 ? -errno : -EPROTO;
			break;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; rc == 1 && NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				rc = 0;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				rc = e->error < 0 ? e->error : -EPROTO;
			} else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				const struct inet_diag_msg *m = NLMSG_DATA(h);
				if (m->id.idiag_sport != htons((uint16_t)port))
					continue;
				(*n)++;
				int alen = (int)NLMSG_PAYLOAD(h, sizeof *m);
				for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, alen);
				     a = RTA_NEXT(a, alen)) {
					if (a->rta_type != INET_DIAG_SKMEMINFO ||
					    RTA_PAYLOAD(a) < SK_MEMINFO_VARS * sizeof(uint32_t))
						continue;
					const uint32_t *mi = RTA_DATA(a);
					/* Held in the kernel for the connection: data
					 * received and not yet read (RMEM_ALLOC), data
					 * queued to send and not yet acknowledged
					 * (WMEM_QUEUED), memory charged to the socket in
					 * advance (FWD_ALLOC: the protocol's accounting
					 * counts it as used), and option memory
					 * (OPTMEM: filters, ancillary data; usually 0).
					 * Not WMEM_ALLOC (what of the send queue is in
					 * the lower layers: in WMEM_QUEUED already) nor
					 * BACKLOG (skbs waiting for the socket's lock:
					 * a moment's figure). The struct tcp_sock itself
					 * is slab, in no per-socket figure. */
					*bytes += (double)mi[SK_MEMINFO_RMEM_ALLOC] +
					          (double)mi[SK_MEMINFO_WMEM_QUEUED] +
					          (double)mi[SK_MEMINFO_FWD_ALLOC] +
					          (double)mi[SK_MEMINFO_OPTMEM];
				}
			}
		}
	}
	free(buf);
	return rc;
}

int h_mem_sock_diag(int port, double *kib, int *count)
{
	*kib = NAN;
	*count = 0;
	if (port < 1 || port > 65535)
		return -EINVAL;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	double bytes = 0;
	int n = 0;
	int rc = diag_dump(fd, AF_INET, port, &bytes, &n);
	/* A dual-stack listener's connections are AF_INET6; a kernel without
	 * IPv6 refuses that dump, which leaves the IPv4 figure whole. */
	if (rc == 0 && diag_dump(fd, AF_INET6, port, &bytes, &n) < 0)
		rc = 0;
	close(fd);
	if (rc == 0) {
		*kib = bytes / 1024.0;
		*count = n;
	}
	return rc;
}

int h_mem_meminfo(struct h_kmem *k)
{
	char *buf = malloc(BUFSZ);
	if (!buf)
		return -ENOMEM;
	int rc = slurp("/proc/meminfo", buf, BUFSZ);
	if (rc == 0) {
		k->stack = field(buf, "KernelStack:");
		k->pagetables = field(buf, "PageTables:");
		k->slab = field(buf, "Slab:");
		k->total = k->stack + k->pagetables + k->slab;
		rc = isnan(k->total) ? -EINVAL : 0;
	}
	free(buf);
	return rc;
}

/* ---- the cell's own cgroup ---- */

/* The mount point of the cgroup hierarchy for a v1 controller (ctl) or of
 * v2 (ctl NULL), and its root within the hierarchy, from
 * /proc/self/mountinfo: "id parent maj:min root mountpoint opts... - fstype
 * source superopts". */
static int cg_mount(const char *ctl, char *mnt, size_t mlen, char *root, size_t rlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int found = -ENOENT;
	while (found < 0 && getline(&line, &cap, f) > 0) {
		char r[1024], m[1024], fstype[64], super[512];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", r, m) != 2 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		if (ctl ? strcmp(fstype, "cgroup") != 0 : strcmp(fstype, "cgroup2") != 0)
			continue;
		if (ctl) {
			int has = 0;
			for (char *s, *t = strtok_r(super, ",", &s); t; t = strtok_r(NULL, ",", &s))
				has |= strcmp(t, ctl) == 0;
			if (!has)
				continue;
		}
		snprintf(mnt, mlen, "%s", m);
		snprintf(root, rlen, "%s", r);
		found = 0;
	}
	free(line);
	fclose(f);
	return found;
}

/* Our path in that hierarchy, from /proc/self/cgroup. */
static int cg_self(const char *ctl, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char line[1024];
	int found = -ENOENT;
	while (found < 0 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0'; /* line: the hierarchy id; c1 + 1: the controllers */
		int match = 0;
		if (!ctl) {
			match = strcmp(line, "0") == 0 && c1[1] == '\0';
		} else {
			for (char *s, *t = strtok_r(c1 + 1, ",", &s); t; t = strtok_r(NULL, ",", &s))
				match |= strcmp(t, ctl) == 0;
		}
		if (match) {
			snprintf(out, len, "%s", c2 + 1);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static int has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; (p = strstr(p, word)); p += n)
		if ((p == text || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/* <mount><our path>: where our cgroup of that hierarchy is, and where
 * ours for the cells go. */
static int cg_home(const char *ctl, char *dir, size_t len)
{
	char mnt[1024], root[1024], self[1024];
	int rc = cg_mount(ctl, mnt, sizeof mnt, root, sizeof root);
	if (rc == 0)
		rc = cg_self(ctl, self, sizeof self);
	if (rc < 0)
		return rc;
	/* A mount of a sub-tree (root not "/") shows our path from the
	 * hierarchy's root: strip the mount's root off it. */
	const char *rel = self;
	if (strcmp(root, "/") != 0) {
		size_t n = strlen(root);
		if (strncmp(self, root, n) != 0 || (self[n] != '/' && self[n] != '\0'))
			return -ENOENT; /* we live outside the mounted part */
		rel = self + n;
	}
	if (strcmp(rel, "/") == 0)
		rel = "";
	if (snprintf(dir, len, "%s%s", mnt, rel) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir <mount><our path>/concbench-<pid>-<seq>. For v2 (ctl NULL) only
 * when our cgroup hands the memory controller down to its children (its
 * cgroup.subtree_control): otherwise the child would have no memory.stat. */
static int cg_mkdir(const char *ctl, unsigned seq, char *dir, size_t len)
{
	char home[1024];
	int rc = cg_home(ctl, home, sizeof home);
	if (rc < 0)
		return rc;
	if (!ctl) {
		char *buf = malloc(BUFSZ);
		if (!buf)
			return -ENOMEM;
		int has = snprintf(dir, len, "%s/cgroup.subtree_control", home) < (int)len &&
		          slurp(dir, buf, BUFSZ) == 0 && has_word(buf, "memory");
		free(buf);
		if (!has)
			return -EOPNOTSUPP;
	}
	if (snprintf(dir, len, "%s/concbench-%d-%u", home, (int)getpid(), seq) >= (int)len)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A parent killed with SIGKILL never removes its cell's cgroup (its child
 * dies with it, by PR_SET_PDEATHSIG, so the cgroup is empty). A directory
 * whose PID is alive is left alone: another run's, or ours. A recycled PID
 * keeps its stale directory until that process is gone too: harmless. */
static int cg_sweep_in(const char *home)
{
	DIR *d = opendir(home);
	if (!d)
		return 0;
	int removed = 0;
	char path[1400];
	for (struct dirent *e; (e = readdir(d));) {
		int pid, end = 0;
		unsigned seq;
		if (sscanf(e->d_name, "concbench-%d-%u%n", &pid, &seq, &end) != 2 ||
		    e->d_name[end] != '\0' || pid <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof path, "%s/%s", home, e->d_name);
		removed += rmdir(path) == 0;
	}
	closedir(d);
	return removed;
}

int h_cgroup_sweep(void)
{
	const char *env = getenv("CONCBENCH_CGROUP");
	if (env && strcmp(env, "off") == 0)
		return 0;
	char home[1024];
	int removed = 0;
	if (cg_home(NULL, home, sizeof home) == 0)
		removed += cg_sweep_in(home);
	if (cg_home("memory", home, sizeof home) == 0)
		removed += cg_sweep_in(home);
	return removed;
}

int h_cgroup_make(struct h_cgroup *cg, unsigned seq)
{
	memset(cg, 0, sizeof *cg);
	const char *env = getenv("CONCBENCH_CGROUP");
	if (env && strcmp(env, "off") == 0) {
		snprintf(cg->why, sizeof cg->why, "CONCBENCH_CGROUP=off");
		return -ECANCELED;
	}
	char path[sizeof cg->dir + 32], buf[512];
	/* v2: a child cgroup has memory.stat only when our cgroup enables the
	 * memory controller for its children, which we do not change. */
	int rc2 = cg_mkdir(NULL, seq, cg->dir, sizeof cg->dir);
	if (rc2 == 0) {
		snprintf(path, sizeof path, "%s/cgroup.controllers", cg->dir);
		if (slurp(path, buf, sizeof buf) == 0 && has_word(buf, "memory")) {
			cg->kind = 2;
			return 0;
		}
		rmdir(cg->dir);
		rc2 = -EOPNOTSUPP;
	}
	int rc1 = cg_mkdir("memory", seq, cg->dir, sizeof cg->dir);
	if (rc1 == 0) {
		snprintf(path, sizeof path, "%s/memory.kmem.usage_in_bytes", cg->dir);
		if (access(path, R_OK) == 0) {
			cg->kind = 1;
			return 0;
		}
		rmdir(cg->dir);
		rc1 = -EOPNOTSUPP;
	}
	cg->dir[0] = '\0';
	snprintf(cg->why, sizeof cg->why, "no cgroup: v2 %s, v1 memory %s",
	         rc2 == -EOPNOTSUPP ? "without the memory controller" : strerror(-rc2),
	         rc1 == -EOPNOTSUPP ? "without kmem accounting" : strerror(-rc1));
	return rc1 == -EOPNOTSUPP ? rc2 : rc1;
}

int h_cgroup_join(const struct h_cgroup *cg)
{
	if (!cg->kind)
		return -ENOENT;
	char path[sizeof cg->dir + 32], pid[32];
	snprintf(path, sizeof path, "%s/cgroup.procs", cg->dir);
	int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write(fd, pid, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return rc;
}

int h_cgroup_read(const struct h_cgroup *cg, struct h_kmem *k)
{
	k->total = k->stack = k->pagetables = k->slab = NAN;
	if (cg->kind != 1 && cg->kind != 2)
		return -ENOENT;
	char *path = malloc(sizeof cg->dir + 64), *buf = malloc(BUFSZ);
	int rc = -ENOMEM;
	if (!path || !buf)
		goto out;
	if (cg->kind == 2) {
		snprintf(path, sizeof cg->dir + 64, "%s/memory.stat", cg->dir);
		if ((rc = slurp(path, buf, BUFSZ)) < 0)
			goto out;
		/* Bytes. "kernel" (Linux 5.18+) also holds percpu, vmalloc and
		 * socket memory; older kernels have the parts only. */
		k->stack = field(buf, "kernel_stack") / 1024;
		k->pagetables = field(buf, "pagetables") / 1024;
		k->slab = field(buf, "slab") / 1024;
		k->total = field(buf, "kernel") / 1024;
		if (isnan(k->total))
			k->total = k->stack + k->pagetables + k->slab;
		rc = isnan(k->total) ? -EINVAL : 0;
	} else {
		snprintf(path, sizeof cg->dir + 64, "%s/memory.kmem.usage_in_bytes", cg->dir);
		if ((rc = slurp(path, buf, BUFSZ)) < 0)
			goto out;
		char *end;
		double v = strtod(buf, &end);
		rc = end == buf ? -EINVAL : 0;
		if (rc == 0)
			k->total = v / 1024;
	}
out:
	free(path);
	free(buf);
	return rc;
}

int h_cgroup_evict(const struct h_cgroup *cg, pid_t pid)
{
	if (!cg->kind)
		return 0;
	/* Back to the cgroup the cell's came from: its parent directory. */
	char path[sizeof cg->dir + 32], buf[32];
	snprintf(path, sizeof path, "%s", cg->dir);
	char *slash = strrchr(path, '/');
	if (!slash)
		return -EINVAL;
	snprintf(slash, sizeof path - (size_t)(slash - path), "/cgroup.procs");
	int n = snprintf(buf, sizeof buf, "%d\n", (int)pid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write(fd, buf, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return rc;
}

void h_cgroup_remove(struct h_cgroup *cg)
{
	if (!cg->kind)
		return;
	/* The child is reaped, so the cgroup is empty; charges that outlive
	 * it (cached slab objects) are moved to the parent by the kernel.
	 * EBUSY can follow a child's exit by a moment: retry briefly. */
	for (int i = 0; i < 100 && rmdir(cg->dir) != 0 && errno == EBUSY; i++)
		usleep(1000);
	cg->kind = 0;
}

/* ---- the reserve a cell leaves the machine ---- */

int64_t h_reserve_keep(int64_t max)
{
	if (max <= 0)
		return 0;
	int64_t k = max / 4 < 2048 ? max / 4 : 2048;
	return k > max / 20 ? k : max / 20;
}

uint64_t h_reserve_mem_kib(uint64_t total_kib, uint64_t avail_kib)
{
	uint64_t k = total_kib / 10 > 1048576 ? total_kib / 10 : 1048576;
	return k > avail_kib / 2 ? avail_kib / 2 : k;
}

static long long read_ll(const char *path)
{
	char buf[64], *end;
	if (slurp(path, buf, sizeof buf) < 0)
		return -1;
	long long v = strtoll(buf, &end, 10);
	return end == buf ? -1 : v; /* pids.max "max": no figure */
}

/* Takes limit `name` of value max, with `used` of it in use and `per`
 * units a thread, if it leaves fewer threads than rv has so far. */
static void bind_threads(struct h_reserve *rv, const char *name, long long max, long long used,
                         int per)
{
	if (max <= 0 || used < 0)
		return;
	int64_t kept = h_reserve_keep(max);
	int64_t room = (max - used - kept) / per;
	if (room < 0)
		room = 0;
	if (rv->threads >= 0 && room >= rv->threads)
		return;
	rv->threads = room;
	snprintf(rv->limit, sizeof rv->limit, "%s", name);
	rv->limit_max = max;
	rv->kept = kept / per;
	rv->limit_at = (max - used) / per;
}

/* Every pids.max from our cgroup of that hierarchy up to its root. */
static void bind_pids(struct h_reserve *rv, const char *ctl)
{
	char dir[1200], path[1300];
	char mnt[1024], root[1024];
	if (cg_home(ctl, dir, sizeof dir) < 0 || cg_mount(ctl, mnt, sizeof mnt, root, sizeof root) < 0)
		return;
	for (;;) {
		snprintf(path, sizeof path, "%s/pids.max", dir);
		long long max = read_ll(path);
		snprintf(path, sizeof path, "%s/pids.current", dir);
		bind_threads(rv, "pids.max", max, read_ll(path), 1);
		char *slash = strrchr(dir, '/');
		if (!slash || strlen(dir) <= strlen(mnt))
			return;
		*slash = '\0';
	}
}

int h_reserve_compute(struct h_reserve *rv)
{
	memset(rv, 0, sizeof *rv);
	rv->threads = rv->limit_max = rv->limit_at = -1;
	char *buf = malloc(BUFSZ);
	if (!buf)
		return -ENOMEM;
	/* "0.00 0.01 0.05 running/total lastpid": total is every thread that
	 * holds a PID now. RESERVED_PIDS (300) are never handed out again. */
	long long now = -1;
	if (slurp("/proc/loadavg", buf, BUFSZ) == 0 && strchr(buf, '/'))
		now = atoll(strchr(buf, '/') + 1);
	long long pid_max = read_ll("/proc/sys/kernel/pid_max");
	bind_threads(rv, "kernel.pid_max", pid_max, now < 0 ? -1 : now + 300, 1);
	bind_threads(rv, "threads-max", read_ll("/proc/sys/kernel/threads-max"), now, 1);
	bind_pids(rv, "pids");
	bind_pids(rv, NULL);
	/* Per process, so only the cell itself meets it; a thread maps its
	 * stack and a guard page. The cell is forked from us: our mappings. */
	long long maps = -1;
	FILE *f = fopen("/proc/self/maps", "re");
	if (f) {
		maps = 0;
		for (int c; (c = getc(f)) != EOF;)
			maps += c == '\n';
		fclose(f);
	}
	bind_threads(rv, "vm.max_map_count", read_ll("/proc/sys/vm/max_map_count"), maps, 2);

	if (slurp("/proc/meminfo", buf, BUFSZ) == 0) {
		double total = field(buf, "MemTotal:"), avail = field(buf, "MemAvailable:");
		if (!isnan(total) && !isnan(avail)) {
			rv->mem_avail_kib = (uint64_t)avail;
			rv->mem_floor_kib = h_reserve_mem_kib((uint64_t)total, (uint64_t)avail);
		}
	}
	free(buf);
	return 0;
}
