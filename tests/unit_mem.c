/* unit_mem — the memory samplers see what is known to be there.
 *
 * User: RSS and PSS (smaps_rollup) grow by a 64 MiB block once it is
 * touched, within 5%. The block is an anonymous mapping rather than a
 * malloc so that no allocator adds its own pages to the figure under test,
 * and its pages are touched by writes ASan does not instrument: ASan's
 * memset would fault in the block's shadow as well (one byte per eight:
 * RSS +72 MiB, seen on a fresh machine).
 *
 * Kernel: a child process joins a cell cgroup when one can be made (as the
 * harness's cells do) and starts 64 threads that block; the kernel figure
 * must grow by at least 64 kernel stacks (16 KiB each on x86-64 and
 * arm64; 8 KiB is the floor on any 64-bit Linux we run on). From the
 * cgroup that is certain; from system-wide /proc/meminfo the machine's
 * other activity is in the delta too, so there the check only needs the
 * stacks to show up, not an exact figure. The cgroup is removed after.
 *
 * Sockets: a listener of this process on a port of its own and one
 * loopback TCP connection to it: h_mem_sock_diag on that port sees two
 * sockets (the listener and the accepted side; the connecting side's
 * local port is another), none before the listener exists. 64 KiB sent
 * to the accepted side and left unread: loopback delivers within send(),
 * so its receive queue holds it when send returns, and the figure must
 * grow by at least that much (its truesize, the figure SKMEMINFO reports,
 * is larger than the payload, never smaller). Sent the other way, to the
 * connecting side, it must not: that socket is the client's. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

#define BLOCK_KIB (64 * 1024)
#define THREADS 64

/* One write per page, hidden from ASan: an instrumented write (or its
 * memset) would fault in the block's shadow too. */
__attribute__((no_sanitize("address"))) static void touch(char *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < len; i += (size_t)page)
		((volatile char *)p)[i] = 1;
}

static void test_user(void)
{
	double rss0, pss0, rss1, pss1;
	CHECK(h_mem_user(&rss0, &pss0) == 0);
	char *p = mmap(NULL, (size_t)BLOCK_KIB * 1024, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	touch(p, (size_t)BLOCK_KIB * 1024);
	CHECK(h_mem_user(&rss1, &pss1) == 0);
	double drss = rss1 - rss0, dpss = pss1 - pss0;
	fprintf(stderr, "unit_mem: 64 MiB touched: RSS +%.0f KiB, PSS +%.0f KiB\n", drss, dpss);
	CHECK(t_near(drss, BLOCK_KIB, 0.05 * BLOCK_KIB));
	CHECK(t_near(dpss, BLOCK_KIB, 0.05 * BLOCK_KIB));
	munmap(p, (size_t)BLOCK_KIB * 1024);
}

static int gate[2];

static void *blocked(void *arg)
{
	(void)arg;
	char c;
	ssize_t n = read(gate[0], &c, 1); /* until the write end closes */
	(void)n;
	return NULL;
}

/* In a child (so the cgroup holds it alone): 0 when the check passed, 1
 * when it failed, 77 when it could not be made meaningful. */
static int kernel_child(const struct h_cgroup *cg)
{
	int use_cg = cg->kind && h_cgroup_join(cg) == 0;
	struct h_kmem k0, k1;
	int rc = use_cg ? h_cgroup_read(cg, &k0) : h_mem_meminfo(&k0);
	if (rc < 0 || pipe(gate) != 0)
		return 1;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024); /* keep user memory small */
	pthread_t t[THREADS];
	int made = 0;
	for (; made < THREADS; made++)
		if (pthread_create(&t[made], &attr, blocked, NULL) != 0)
			break;
	usleep(20000); /* let them all reach read() */
	rc = use_cg ? h_cgroup_read(cg, &k1) : h_mem_meminfo(&k1);
	close(gate[1]);
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	if (rc < 0 || made < THREADS)
		return 1;
	double total = k1.total - k0.total, stack = k1.stack - k0.stack;
	char stacks[48] = "stacks not in this source";
	if (!isnan(stack))
		snprintf(stacks, sizeof stacks, "stacks %+.0f KiB", stack);
	fprintf(stderr, "unit_mem: %d threads: kernel +%.0f KiB (%s) from %s\n", THREADS, total,
	        stacks, use_cg ? (cg->kind == 2 ? "cgroup v2" : "cgroup v1 kmem") : "/proc/meminfo");
	double floor = THREADS * 8.0;
	if (use_cg)
		return total >= floor ? 0 : 1;
	/* meminfo: the stacks must show, but another process may free as
	 * many meanwhile: a miss there is not proof of a bug. */
	if (stack >= floor)
		return 0;
	fprintf(stderr, "unit_mem: system-wide figure too noisy to judge here\n");
	return 77;
}

static void test_kernel(void)
{
	struct h_cgroup cg;
	int mk = h_cgroup_make(&cg, 0);
	fprintf(stderr, "unit_mem: cell cgroup: %s\n",
	        mk == 0 ? cg.dir : cg.why);
	CHECK((mk == 0) == (cg.kind != 0));
	fflush(stderr);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(kernel_child(&cg));
	int st = t_wait(pid);
	CHECK(WIFEXITED(st));
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	CHECK(code == 0 || code == 77);
	if (cg.kind) {
		char dir[sizeof cg.dir];
		snprintf(dir, sizeof dir, "%s", cg.dir);
		h_cgroup_remove(&cg);
		struct stat sb;
		CHECK(stat(dir, &sb) != 0 && errno == ENOENT);
	}
}

static void test_sockets(void)
{
	double k0, k1, k2, k3;
	int n0, n1, n2, n3;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	REQUIRE(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 &&
	        getsockname(l, (struct sockaddr *)&a, &al) == 0);
	int port = ntohs(a.sin_port);
	int rc = h_mem_sock_diag(port, &k0, &n0);
	if (rc == -EPROTONOSUPPORT || rc == -EACCES) {
		CHECK(isnan(k0) && n0 == 0);
		fprintf(stderr, "unit_mem: sock_diag refused: %s\n", strerror(-rc));
		close(l);
		return;
	}
	CHECKF(rc == 0 && n0 == 0, "a bound socket that does not listen: rc %d, %d sockets", rc, n0);
	CHECK(h_mem_sock_diag(0, &k0, &n0) == -EINVAL && isnan(k0));
	REQUIRE(listen(l, 1) == 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	REQUIRE(s >= 0);
	static char buf[64 * 1024];
	memset(buf, 'x', sizeof buf);
	CHECK(h_mem_sock_diag(port, &k1, &n1) == 0);
	CHECKF(n1 == 2, "%d sockets on port %d, want the listener and the accepted one", n1, port);
	size_t sent = 0;
	while (sent < sizeof buf) {
		ssize_t n = send(c, buf + sent, sizeof buf - sent, 0);
		REQUIRE(n > 0);
		sent += (size_t)n;
	}
	CHECK(h_mem_sock_diag(port, &k2, &n2) == 0 && n2 == 2);
	/* Back to the client: its receive queue is not the server's. */
	for (sent = 0; sent < sizeof buf;) {
		ssize_t n = send(s, buf + sent, sizeof buf - sent, 0);
		REQUIRE(n > 0);
		sent += (size_t)n;
	}
	CHECK(h_mem_sock_diag(port, &k3, &n3) == 0 && n3 == 2);
	fprintf(stderr, "unit_mem: port %d: %.0f KiB with a connection, 64 KiB unread by the "
	        "server %.0f, and by the client %.0f\n", port, k1, k2, k3);
	CHECK(k2 - k1 >= 64);
	CHECKF(k3 - k2 < 64, "the client's receive queue counted as the server's: %.0f -> %.0f",
	       k2, k3);
	close(s);
	close(c);
	close(l);
}

int main(void)
{
	test_sockets();
	test_user();
	struct h_kmem k;
	CHECK(h_mem_meminfo(&k) == 0 && k.stack > 0 && k.slab > 0 && k.total > 0);
	test_kernel();
	return t_exit_status();
}
