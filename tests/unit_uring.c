/* unit_uring — what the uring runtime does that the others do not:
 *  - unavailable: with CB_URING_DISABLE set (a simulated kernel without
 *    io_uring), create() returns RT_UNAVAILABLE and says why;
 *  - a read in the kernel does not hold the loop: readers make O_DIRECT
 *    reads (page-cache reads where the folder refuses O_DIRECT) of a file,
 *    and a timer task sleeping beside them must run while reads are still
 *    outstanding. On a loop that reads a regular file in the step's thread
 *    (epoll) the timer only ever runs when no read is in progress, so the
 *    count of such ticks is the property, with no time asserted;
 *  - notify across rings (loops=2): two tasks on different rings play
 *    pingpong on two events, each owned by the other's ring, an exact
 *    count of rounds;
 *  - with one ring, tasks that wait on an event nobody can notify end the
 *    run with -EDEADLK;
 *  - a connection the multishot accept took while no task waited is handed
 *    to the next accept, and one nobody took is closed at destroy;
 *  - fixed_files=1: an fd a finished task registered is let go, so the
 *    socket it closed is really closed.
 * Exits 77 when io_uring is unavailable here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "runtimes/runtime.h"
#include "workloads/net.h"

#include "tests/check.h"

static const struct runtime *ur;
static int cpus[CPU_SETSIZE], ncpus;

static struct rt *make(int64_t loops)
{
	int64_t p[8];
	t_param_defaults(ur->params, p);
	t_param_set(ur->params, p, "loops", loops);
	char why[160] = "";
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus, .why = why, .why_len = sizeof why };
	struct rt *rt;
	int err = ur->create(&rt, &env, p);
	if (err == RT_UNAVAILABLE) {
		printf("uring: %s: skipped\n", why);
		exit(77);
	}
	REQUIRE(err == 0);
	return rt;
}

/* ---- unavailable ---------------------------------------------------------- */

static void test_unavailable(void)
{
	setenv("CB_URING_DISABLE", "1", 1);
	int64_t p[8];
	t_param_defaults(ur->params, p);
	char why[160] = "";
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus, .why = why, .why_len = sizeof why };
	struct rt *rt = NULL;
	CHECK(ur->create(&rt, &env, p) == RT_UNAVAILABLE);
	CHECK(strstr(why, "io_uring is unavailable") && strstr(why, "CB_URING_DISABLE"));
	unsetenv("CB_URING_DISABLE");
}

/* ---- the timer beside reads in the kernel ---------------------------------- */

#define READERS 4
#define BLK 4096
#define NBLK 256
#define TICKS 5
#define MAX_READS 2000 /* each: a runtime that never lets the timer run still ends */

static _Atomic int outstanding; /* readers between returning RT_READ and being resumed */
static _Atomic int ticks, ticks_overlapping, readers_left;

struct reader {
	struct rt_task t;
	int fd, idx, started, reads;
	char *buf;
};

static struct rt_op reader_step(struct rt_task *t, long res)
{
	struct reader *r = t->arg;
	if (r->started) {
		atomic_fetch_sub(&outstanding, 1);
		if (res != BLK)
			FAIL("read: %ld", res);
	}
	r->started = 1;
	if (atomic_load(&ticks) >= TICKS || ++r->reads > MAX_READS) {
		atomic_fetch_sub(&readers_left, 1);
		return rt_op_done();
	}
	off_t off = (off_t)((r->reads * 37 + r->idx * 101) % NBLK) * BLK;
	if (lseek(r->fd, off, SEEK_SET) < 0)
		FAIL("lseek: %s", strerror(errno));
	atomic_fetch_add(&outstanding, 1);
	return rt_op_read(r->fd, r->buf, BLK);
}

static struct rt_op timer_step(struct rt_task *t, long res)
{
	(void)t;
	if (res != 0)
		FAIL("sleep: %ld", res);
	static int started;
	if (started) {
		atomic_fetch_add(&ticks, 1);
		if (atomic_load(&outstanding) > 0)
			atomic_fetch_add(&ticks_overlapping, 1);
	}
	started = 1;
	if (atomic_load(&readers_left) == 0 || atomic_load(&ticks) >= TICKS)
		return rt_op_done();
	return rt_op_sleep(200 * 1000);
}

static void test_timer_beside_reads(void)
{
	char dir[64], path[96];
	t_tmpdir(dir, sizeof dir, "unit_uring");
	snprintf(path, sizeof path, "%s/f", dir);
	int wfd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	REQUIRE(wfd >= 0);
	char *block = malloc(BLK);
	REQUIRE(block);
	memset(block, 0x5a, BLK);
	for (int i = 0; i < NBLK; i++)
		REQUIRE(pwrite(wfd, block, BLK, (off_t)i * BLK) == BLK);
	free(block);
	REQUIRE(fdatasync(wfd) == 0);
	close(wfd);

	static struct reader rd[READERS];
	struct rt *rt = make(1);
	static struct rt_task timer = { .step = timer_step, .cpu = -1 };
	atomic_store(&readers_left, READERS);
	REQUIRE(rt_spawn(rt, &timer) == 0);
	int direct = 1;
	for (int i = 0; i < READERS; i++) {
		rd[i].fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
		if (rd[i].fd < 0) { /* tmpfs, or a filesystem refusing it */
			direct = 0;
			rd[i].fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		REQUIRE(rd[i].fd >= 0);
		REQUIRE(posix_memalign((void **)&rd[i].buf, 4096, BLK) == 0);
		rd[i].idx = i;
		rd[i].t = (struct rt_task){ .step = reader_step, .arg = &rd[i], .cpu = -1 };
		REQUIRE(rt_spawn(rt, &rd[i].t) == 0);
	}
	CHECK(ur->run(rt) == 0);
	ur->destroy(rt);
	printf("timer beside %s reads: %d ticks, %d with reads outstanding\n",
	       direct ? "O_DIRECT" : "page-cache", atomic_load(&ticks),
	       atomic_load(&ticks_overlapping));
	/* Every tick before the readers stopped found reads in the kernel:
	 * the readers stop at the TICKS-th tick, so all of them. */
	CHECK(atomic_load(&ticks) == TICKS);
	CHECK(atomic_load(&ticks_overlapping) == TICKS);
	for (int i = 0; i < READERS; i++) {
		close(rd[i].fd);
		free(rd[i].buf);
	}
	t_rm_tree(dir);
}

/* ---- notify across rings ---------------------------------------------------- */

#define ROUNDS 500

/* An event belongs to the first ring that uses it, so each player first
 * makes its own event its ring's (a notify and a wait that takes it back),
 * says so, and waits (sleeping 1 ms at a time) for the other to say so too;
 * then every notify crosses rings. */
static struct rt_event *ev_ping, *ev_pong;
static _Atomic int owned;

struct player {
	struct rt_task t;
	int phase, n;
	struct rt_event *mine, *theirs;
};

static struct rt_op player_step(struct rt_task *t, long res)
{
	struct player *p = t->arg;
	int ping = t->shard == 0;
	if (res != 0)
		FAIL("%s: %ld", ping ? "ping" : "pong", res);
	switch (p->phase) {
	case 0:
		p->phase = 1;
		return rt_op_notify(p->mine);
	case 1:
		p->phase = 2;
		return rt_op_wait(p->mine);
	case 2:
		atomic_fetch_add(&owned, 1);
		p->phase = 3;
		/* fallthrough */
	case 3:
		if (atomic_load(&owned) < 2)
			return rt_op_sleep(1000 * 1000);
		p->phase = ping ? 4 : 5;
		if (!ping)
			return rt_op_wait(p->mine);
		/* fallthrough */
	case 4: /* ping: notify, then wait for the answer */
		if (p->n == ROUNDS)
			return rt_op_done();
		p->n++;
		p->phase = 6;
		return rt_op_notify(p->theirs);
	case 6:
		p->phase = 4;
		return rt_op_wait(p->mine);
	case 5: /* pong: woken, answer, wait again */
		p->n++;
		p->phase = p->n == ROUNDS ? 7 : 8;
		return rt_op_notify(p->theirs);
	case 8:
		p->phase = 5;
		return rt_op_wait(p->mine);
	default:
		return rt_op_done();
	}
}

static void test_cross_ring_notify(void)
{
	struct rt *rt = make(2);
	REQUIRE(rt_event_new(rt, &ev_ping) == 0);
	REQUIRE(rt_event_new(rt, &ev_pong) == 0);
	static struct player ping, pong;
	ping = (struct player){ .mine = ev_ping, .theirs = ev_pong };
	pong = (struct player){ .mine = ev_pong, .theirs = ev_ping };
	ping.t = (struct rt_task){ .step = player_step, .arg = &ping, .cpu = -1, .shard = 0 };
	pong.t = (struct rt_task){ .step = player_step, .arg = &pong, .cpu = -1, .shard = 1 };
	REQUIRE(rt_spawn(rt, &ping.t) == 0);
	REQUIRE(rt_spawn(rt, &pong.t) == 0);
	CHECK(ur->run(rt) == 0);
	struct rt_stats st;
	ur->stats(rt, &st);
	CHECK(st.spawned == 2 && st.completed == 2);
	CHECK(ping.n == ROUNDS && pong.n == ROUNDS);
	printf("cross-ring pingpong: %d and %d rounds\n", ping.n, pong.n);
	rt_event_free(rt, ev_ping);
	rt_event_free(rt, ev_pong);
	ur->destroy(rt);
}

/* ---- deadlock ----------------------------------------------------------------- */

static struct rt_event *never;

static struct rt_op waiter_step(struct rt_task *t, long res)
{
	(void)t;
	(void)res;
	return rt_op_wait(never);
}

static void test_deadlock(void)
{
	struct rt *rt = make(1);
	REQUIRE(rt_event_new(rt, &never) == 0);
	static struct rt_task w[3];
	for (int i = 0; i < 3; i++) {
		w[i] = (struct rt_task){ .step = waiter_step, .cpu = -1 };
		REQUIRE(rt_spawn(rt, &w[i]) == 0);
	}
	CHECK(ur->run(rt) == -EDEADLK);
	rt_event_free(rt, never);
	ur->destroy(rt);
}

/* ---- multishot accept's backlog ------------------------------------------------ */

static int lfd, nacc, accepted[3];

static struct rt_op acceptor_step(struct rt_task *t, long res)
{
	static int started;
	(void)t;
	if (started) {
		if (res < 0)
			FAIL("accept: %s", strerror((int)-res));
		accepted[nacc++] = (int)res;
	}
	started = 1;
	if (nacc == 3)
		return rt_op_done();
	return rt_op_accept(lfd);
}

/* Three clients connect before the run: the first accept's multishot takes
 * all three, and the acceptor gets the other two from its queue. A fourth
 * connects after the run, is taken by the multishot still armed, for
 * nobody: destroy must close it, so the client sees the end, not a silent
 * open connection until its 2 s timeout. */
static void test_accept_backlog(void)
{
	int port, cl[4];
	REQUIRE(wl_net_listen(0, 16, 0, &lfd, &port) == 0);
	for (int i = 0; i < 3; i++)
		cl[i] = t_dial(port, 2);
	struct rt *rt = make(1);
	static struct rt_task a = { .step = acceptor_step, .cpu = -1 };
	REQUIRE(rt_spawn(rt, &a) == 0);
	CHECK(ur->run(rt) == 0);
	CHECK(nacc == 3);
	for (int i = 0; i < nacc; i++) {
		CHECK(accepted[i] >= 0);
		for (int j = 0; j < i; j++)
			CHECK(accepted[i] != accepted[j]);
		CHECK(write(accepted[i], "x", 1) == 1);
	}
	char c;
	for (int i = 0; i < 3; i++)
		CHECK(recv(cl[i], &c, 1, 0) == 1 && c == 'x');
	cl[3] = t_dial(port, 2);
	/* The connection is accepted when this thread next leaves the kernel
	 * (task work): a syscall or two is enough. */
	usleep(20 * 1000);
	ur->destroy(rt);
	ssize_t n = recv(cl[3], &c, 1, 0);
	int e = errno;
	CHECK(n == 0 || (n < 0 && e == ECONNRESET));
	if (!(n == 0 || (n < 0 && e == ECONNRESET)))
		printf("fourth client: recv %zd (%s): the connection was left open\n", n, strerror(e));
	for (int i = 0; i < nacc; i++)
		close(accepted[i]);
	for (int i = 0; i < 4; i++)
		close(cl[i]);
	close(lfd);
}

/* ---- fixed_files: a finished task's registrations go ------------------------ */

static int sp[2];

static struct rt_op closer_step(struct rt_task *t, long res)
{
	static char buf[8];
	static int started;
	(void)t;
	if (!started) {
		started = 1;
		return rt_op_read(sp[0], buf, sizeof buf);
	}
	if (res != 5)
		FAIL("read through a registered fd: %ld", res);
	close(sp[0]); /* the workload closes its fd and ends */
	return rt_op_done();
}

/* A task reads through a registered fd, closes it and ends: the peer must
 * see the end of the stream while the runtime still exists, which it would
 * not if the ring's file table still held the socket. */
static void test_fixed_close(void)
{
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	REQUIRE(write(sp[1], "hello", 5) == 5);
	int64_t p[8];
	t_param_defaults(ur->params, p);
	t_param_set(ur->params, p, "fixed_files", 1);
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus };
	struct rt *rt;
	REQUIRE(ur->create(&rt, &env, p) == 0);
	static struct rt_task c = { .step = closer_step, .cpu = -1 };
	REQUIRE(rt_spawn(rt, &c) == 0);
	CHECK(ur->run(rt) == 0);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(sp[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char ch;
	ssize_t n = recv(sp[1], &ch, 1, 0);
	CHECK(n == 0);
	if (n != 0)
		printf("fixed_files: the peer got %zd (%s), not the end: the socket stayed open\n", n,
		       n < 0 ? strerror(errno) : "data");
	ur->destroy(rt);
	close(sp[1]);
}

int main(void)
{
	ur = rt_find("uring");
	REQUIRE(ur);
	ncpus = t_allowed_cpus(cpus, CPU_SETSIZE);
	test_unavailable();
	test_timer_beside_reads();
	test_cross_ring_notify();
	test_deadlock();
	test_accept_backlog();
	test_fixed_close();
	return t_exit_status();
}
