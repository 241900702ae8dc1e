/* loop.c — the event-loop core under the epoll and coro runtimes: ready
 * queue, timer heap, fd table over epoll, counting events. See loop.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "offload.h"

uint64_t rt_loop_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- timer heap ------------------------------------------------------- */

int rt_heap_reserve(struct rt_heap *h, size_t n)
{
	if (n <= h->cap)
		return 0;
	size_t cap = h->cap ? h->cap * 2 : 64;
	if (cap < n)
		cap = n;
	struct rt_heap_ent *v = realloc(h->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

static inline void heap_put(struct rt_heap *h, size_t i, struct rt_heap_ent e)
{
	h->v[i] = e;
	e.t->idx = i;
}

static void heap_sift_up(struct rt_heap *h, size_t i)
{
	struct rt_heap_ent e = h->v[i];
	while (i) {
		size_t p = (i - 1) / 2;
		if (h->v[p].deadline <= e.deadline)
			break;
		heap_put(h, i, h->v[p]);
		i = p;
	}
	heap_put(h, i, e);
}

static void heap_sift_down(struct rt_heap *h, size_t i)
{
	struct rt_heap_ent e = h->v[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && h->v[c + 1].deadline < h->v[c].deadline)
			c++;
		if (h->v[c].deadline >= e.deadline)
			break;
		heap_put(h, i, h->v[c]);
		i = c;
	}
	heap_put(h, i, e);
}

int rt_heap_push(struct rt_heap *h, struct rt_timer *t, uint64_t deadline)
{
	int err = rt_heap_reserve(h, h->len + 1);
	if (err)
		return err;
	t->deadline = deadline;
	h->v[h->len] = (struct rt_heap_ent){ deadline, t };
	heap_sift_up(h, h->len++);
	return 0;
}

static void heap_remove_at(struct rt_heap *h, size_t i)
{
	h->v[i].t->idx = RT_TIMER_IDLE;
	struct rt_heap_ent last = h->v[--h->len];
	if (i == h->len)
		return;
	heap_put(h, i, last);
	/* The moved entry may belong above or below its new place. */
	heap_sift_down(h, i);
	heap_sift_up(h, last.t->idx);
}

struct rt_timer *rt_heap_pop(struct rt_heap *h)
{
	if (!h->len)
		return NULL;
	struct rt_timer *t = h->v[0].t;
	heap_remove_at(h, 0);
	return t;
}

void rt_heap_remove(struct rt_heap *h, struct rt_timer *t)
{
	if (t->idx != RT_TIMER_IDLE && t->idx < h->len && h->v[t->idx].t == t)
		heap_remove_at(h, t->idx);
}

void rt_heap_fini(struct rt_heap *h)
{
	free(h->v);
	*h = (struct rt_heap){ 0 };
}

/* ---- fd table and non-blocking I/O ------------------------------------ */

/* What the loop knows of the file at e's number, forgotten: a new file
 * may have it (see fd_park). */
static void fd_reset(struct rt_fdent *e)
{
	e->registered = e->notsock = e->rd_drained = e->rd_hup = 0;
}

/* The fd table is indexed by fd number and grown by doubling: O(1) lookup,
 * about 56 bytes per fd number up to the highest one seen. */
static struct rt_fdent *fd_ent(struct rt_loop *l, int fd)
{
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct rt_fdent *v = realloc(l->fds, n * sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = l->nfds; i < n; i++) {
			rt_queue_init(&v[i].rd);
			rt_queue_init(&v[i].wr);
			fd_reset(&v[i]);
		}
		l->fds = v;
		l->nfds = n;
	}
	return &l->fds[fd];
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* One attempt at the op that never blocks the thread: the result, or -EAGAIN.
 *
 * Why not "set O_NONBLOCK once when the fd enters the table": a workload may
 * close an fd and get the same number back for a fresh, blocking file (the
 * kernel hands out the lowest free number), and the loop is never told about
 * close(). A cached "already non-blocking" would then block the only thread,
 * and with both ends of a socket in this process, forever. So:
 *  - sockets (the common case) use recv/send with MSG_DONTWAIT: non-blocking
 *    per call, no flag to remember, no extra syscall. MSG_NOSIGNAL turns a
 *    write to a closed peer into -EPIPE rather than a process-killing SIGPIPE.
 *  - other fds (pipes, files) and listening sockets get O_NONBLOCK checked
 *    with one fcntl(F_GETFL) per op (~0.1 µs), set if missing.
 * The accepted fd is returned in blocking mode, as the contract says, because
 * the workload may hand it to any runtime. */
long rt_loop_try_io(unsigned char *notsock, const struct rt_op *op)
{
	ssize_t r;
	int err;

	switch (op->kind) {
	case RT_OFFLOAD: /* begun: its fd is the job's completion */
		return rt_offload_try(op);
	case RT_READ:
		if (!*notsock) {
			do
				r = recv(op->fd, op->buf, op->len, MSG_DONTWAIT);
			while (r < 0 && errno == EINTR);
			if (r >= 0)
				return r;
			if (errno != ENOTSOCK)
				return -errno;
			*notsock = 1;
		}
		if ((err = set_nonblock(op->fd)))
			return err;
		do
			r = read(op->fd, op->buf, op->len);
		while (r < 0 && errno == EINTR);
		break;
	case RT_WRITE:
		if (!*notsock) {
			do
				r = send(op->fd, op->buf, op->len, MSG_DONTWAIT | MSG_NOSIGNAL);
			while (r < 0 && errno == EINTR);
			if (r >= 0)
				return r;
			if (errno != ENOTSOCK)
				return -errno;
			*notsock = 1;
		}
		if ((err = set_nonblock(op->fd)))
			return err;
		do
			r = write(op->fd, op->buf, op->len);
		while (r < 0 && errno == EINTR);
		break;
	case RT_ACCEPT:
		if ((err = set_nonblock(op->fd)))
			return err;
		do
			r = accept4(op->fd, NULL, NULL, SOCK_CLOEXEC);
		while (r < 0 && (errno == EINTR || errno == ECONNABORTED));
		break;
	default:
		return -EINVAL;
	}
	return r < 0 ? -errno : r;
}

/* Edge-triggered, registered for both directions, once per file. Why
 * edge-triggered: the fd stays registered when nobody waits on it, and
 * level-triggered would then report a readable socket on every epoll_wait
 * while its task is busy elsewhere: a busy loop, or an epoll_ctl(MOD) on
 * every park and unpark to avoid one. With edges an idle registration costs
 * at most one stale event per state change. Edges are safe here because a
 * task parks only after its own syscall said EAGAIN, on this same thread, so
 * the next change of state is an edge epoll still has to report; and a
 * wake-up retries the parked ops until EAGAIN again, so no edge is consumed
 * without draining it.
 * Why "registered" must be forgotten: epoll keys a registration by (file,
 * fd number), and a file's last close removes it by itself, unseen. A new
 * file with the same number (the kernel hands out the lowest free one)
 * would then never be reported, and its task would park forever. So the
 * flag is cleared wherever the loop sees a number change files: a close the
 * workload announces (rt_close -> rt_loop_forget_fd), a file the loop hands
 * out (accept's fd, an offload's eventfd) and one it closes (the offload's
 * eventfd when the job is done). A workload that closes a waited-on fd with
 * plain close() and has a task wait on a new file of that number breaks the
 * contract (runtime.h, rt_close). Before, every park paid an epoll_ctl(ADD)
 * (EEXIST when still there): 0.85 syscalls per echo request. */
static int fd_park(struct rt_loop *l, struct rt_fdent *e, struct rt_task *t, const struct rt_op *op)
{
	if (!e->registered) {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			.data.fd = op->fd,
		};
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, op->fd, &ev) < 0 && errno != EEXIST)
			return -errno;
		e->registered = 1;
	}
	rt_lrec_of(t)->op = *op;
	rt_queue_push(op->kind == RT_WRITE ? &e->wr : &e->rd, t);
	l->fdwaiting++;
	return 0;
}

void rt_loop_forget_fd(struct rt_loop *l, int fd)
{
	if (fd >= 0 && (size_t)fd < l->nfds)
		fd_reset(&l->fds[fd]);
}

/* rt_loop_try_io on e, except a read of a socket known empty (rt_fdent's
 * rd_drained): -EAGAIN without the recv. A read that leaves the socket
 * empty says so for the next one (rt_loop_read_empties); epoll reports
 * the next arrival as an edge (edge-triggered, registered at the latest
 * when that read parks: an ADD reports a socket already readable), and
 * the edge clears it (loop_poll). Not for pipes and other files (read()
 * through notsock), nor once the peer's close was reported. */
static long fd_io(struct rt_fdent *e, const struct rt_op *op)
{
	if (op->kind == RT_READ && e->rd_drained)
		return -EAGAIN;
	long r = rt_loop_try_io(&e->notsock, op);
	if (!e->notsock && !e->rd_hup && rt_loop_read_empties(op, r))
		e->rd_drained = 1;
	return r;
}

/* An op on e finished with r: the numbers whose file the loop itself just
 * changed (see fd_park). Never reallocates the table, so e stays valid. */
static void fd_done(struct rt_loop *l, struct rt_fdent *e, const struct rt_op *op, long r)
{
	if (op->kind == RT_OFFLOAD) /* rt_offload_try closed the eventfd */
		fd_reset(e);
	else if (op->kind == RT_ACCEPT && r >= 0)
		rt_loop_forget_fd(l, (int)r);
}

/* The fd changed state: complete parked ops in FIFO order until one finds
 * nothing to do (that one and those behind it wait for the next edge). */
static void fd_wake(struct rt_loop *l, struct rt_fdent *e, struct rt_queue *q)
{
	struct rt_task *t;
	while ((t = q->head)) {
		struct rt_lrec *rec = rt_lrec_of(t);
		long r = fd_io(e, &rec->op);
		if (r == -EAGAIN)
			break;
		fd_done(l, e, &rec->op, r);
		rt_queue_pop(q);
		l->fdwaiting--;
		rec->res = r;
		rt_trace_wake(t);
		rt_queue_push(&l->ready, t);
	}
}

/* ---- the loop ---------------------------------------------------------- */

int rt_loop_init(struct rt_loop *l, rt_resume_fn resume)
{
	memset(l, 0, sizeof(*l));
	l->resume = resume;
	rt_queue_init(&l->ready);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	return 0;
}

void rt_loop_fini(struct rt_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
	free(l->fds);
	l->fds = NULL;
	l->nfds = 0;
	rt_heap_fini(&l->timers);
}

int rt_loop_add(struct rt_loop *l, struct rt_task *t, struct rt_lrec *rec)
{
	/* Each live task is in the heap at most once, so growing it here (at
	 * spawn, amortised) means a sleep never allocates and never fails. */
	int err = rt_heap_reserve(&l->timers, l->live + 1);
	if (err)
		return err;
	rec->task = t;
	rec->res = 0;
	rec->timer.idx = RT_TIMER_IDLE;
	t->priv = rec;
	rt_queue_push(&l->ready, t);
	l->stats.spawned++;
	if (++l->live > l->stats.peak_live)
		l->stats.peak_live = l->live;
	return 0;
}

void rt_loop_fail(struct rt_loop *l, int err, const char *limit)
{
	if (l->stats.err)
		return;
	l->stats.err = err;
	strncpy(l->stats.limit, limit, sizeof(l->stats.limit) - 1);
}

void rt_loop_done(struct rt_loop *l, struct rt_task *t)
{
	l->stats.completed++;
	l->live--;
	if (t->release)
		t->release(t);
}

/* The run's first hand-off, on a loop that is the run's only executor
 * thread (apart) and may run on several CPUs: the loop stays on the CPU it
 * is on and the pool's threads get the others. Why: on a machine whose
 * CPUs share no cache level the kernel knows of (this VM's vCPUs), a
 * wake-up looks for no idle CPU, so a loop woken while a pool thread runs
 * a 10 ms step on the loop's last CPU waits for that CPU though the other
 * idles. epoll mixed heavy_us=10000 offload=1, the server on 2 CPUs: light
 * p99 2.3x its heavy_us=0 baseline left to the kernel, 1.15x with the loop
 * and the pool apart (medians of 9 reps; README's mixed row, C15). Only at a hand-off: binding the
 * loop in every run would make an unpinned placement a same-core one. */
static void keep_apart(struct rt_loop *l)
{
	l->apart_tried = 1;
	cpu_set_t all, one;
	int cpu = sched_getcpu();
	if (pthread_getaffinity_np(pthread_self(), sizeof all, &all) || CPU_COUNT(&all) < 2 ||
	    cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &all))
		return;
	cpu_set_t *saved = malloc(sizeof *saved);
	if (!saved)
		return; /* placement only: the run goes on as it was */
	*saved = all;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (pthread_setaffinity_np(pthread_self(), sizeof one, &one)) {
		free(saved);
		return;
	}
	CPU_CLR(cpu, &all);
	rt_offload_cpus(&all, sizeof all);
	l->apart_saved = saved;
}

/* The run is over: the loop's thread and the pool back on every CPU the
 * loop had (the thread may run another runtime next, in a test). */
static void apart_end(struct rt_loop *l)
{
	l->apart_tried = 0;
	if (!l->apart_saved)
		return;
	pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), l->apart_saved);
	rt_offload_cpus(l->apart_saved, sizeof(cpu_set_t));
	free(l->apart_saved);
	l->apart_saved = NULL;
}

int rt_loop_perform_other(struct rt_loop *l, struct rt_task *t, const struct rt_op *op, long *res)
{
	struct rt_lrec *rec = rt_lrec_of(t);

	struct rt_op begun;
	switch (op->kind) {
	case RT_OFFLOAD: /* to the pool; then a wait on its eventfd like a read */
		if (l->apart && !l->apart_tried)
			keep_apart(l);
		if (!(op = rt_offload_as_read(op, &begun, res)))
			return 1;
		/* fall through */
	case RT_READ:
	case RT_WRITE:
	case RT_ACCEPT: {
		if (op->fd < 0) {
			*res = -EBADF;
			return 1;
		}
		struct rt_fdent *e = fd_ent(l, op->fd);
		if (!e) {
			*res = -ENOMEM;
			return 1;
		}
		if (op == &begun) /* a fresh eventfd */
			fd_reset(e);
		long r = fd_io(e, op);
		if (r == -EAGAIN && (r = fd_park(l, e, t, op)) == 0)
			return 0;
		fd_done(l, e, op, r);
		*res = r;
		return 1;
	}
	case RT_SLEEP: {
		if (op->ns == 0) { /* a yield: to the back of the ready queue */
			rec->res = 0;
			rt_trace_wake(t);
			rt_queue_push(&l->ready, t);
			return 0;
		}
		uint64_t when = rt_loop_deadline(op->ns);
		int err = rt_heap_push(&l->timers, &rec->timer, when);
		if (err) { /* unreachable: rt_loop_add reserved the room */
			*res = err;
			return 1;
		}
		return 0;
	}
	case RT_WAIT:
	case RT_NOTIFY: /* inline in loop.h; here for a caller that comes anyway */
		return rt_loop_perform(l, t, op, res);
	default:
		*res = -EINVAL;
		return 1;
	}
}

/* Waits for fd events up to timeout_ns (-1: no limit) and queues the tasks
 * they complete. epoll_pwait2 takes nanoseconds, so a 100 µs sleep is not
 * rounded up to a millisecond; kernels before 5.11 fall back to epoll_wait
 * with the timeout rounded up (never early). */
static int loop_poll(struct rt_loop *l, int64_t timeout_ns)
{
	struct epoll_event evs[256];
	int n = -1;

	if (!l->no_pwait2) {
		struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
		n = epoll_pwait2(l->epfd, evs, 256, timeout_ns < 0 ? NULL : &ts, NULL);
		if (n < 0 && errno == ENOSYS)
			l->no_pwait2 = 1;
	}
	if (l->no_pwait2) {
		int ms = timeout_ns < 0 ? -1 : timeout_ns > (int64_t)INT32_MAX * 1000000 ? INT32_MAX : (int)((timeout_ns + 999999) / 1000000);
		n = epoll_wait(l->epfd, evs, 256, ms);
	}
	if (n < 0)
		return errno == EINTR ? 0 : -errno;

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		uint32_t ev = evs[i].events;
		if (fd < 0 || (size_t)fd >= l->nfds)
			continue;
		struct rt_fdent *e = &l->fds[fd];
		if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			e->rd_hup = 1;
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
			e->rd_drained = 0; /* readable again: the next read tries */
			fd_wake(l, e, &e->rd);
		}
		if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			fd_wake(l, e, &e->wr);
	}
	return 0;
}

static void fire_timers(struct rt_loop *l)
{
	if (!l->timers.len)
		return;
	uint64_t now = rt_loop_now_ns();
	while (l->timers.len && l->timers.v[0].deadline <= now) {
		struct rt_timer *tm = rt_heap_pop(&l->timers);
		struct rt_lrec *rec = (struct rt_lrec *)((char *)tm - offsetof(struct rt_lrec, timer));
		rec->res = 0;
		rt_trace_wake(rec->task);
		rt_queue_push(&l->ready, rec->task);
	}
}

static int loop_run(struct rt_loop *l);

int rt_loop_run(struct rt_loop *l)
{
	int err = loop_run(l);
	apart_end(l);
	return err;
}

static int loop_run(struct rt_loop *l)
{
	while (l->live) {
		/* Run the tasks ready now, not the ones they make ready: two tasks
		 * notifying each other would otherwise starve timers and fds. With
		 * no fd waited on and no timer set there is nothing to starve, so
		 * the batch goes on: a pingpong then stays in this loop instead of
		 * passing the checks below on every switch (epoll's pingpong
		 * measured ~10% less CPU per switch). An empty queue ends it early: a
		 * resumed coroutine may have handed over to the rest. */
		struct rt_task *t;
		for (size_t n = l->ready.len;
		     (t = l->ready.head) && (n || !rt_loop_armed(l)); n -= n > 0) {
			rt_queue_pop(&l->ready);
			l->resume(l, t, rt_lrec_of(t)->res);
		}
		if (!l->live)
			break;

		int err = 0;
		if (!rt_queue_empty(&l->ready)) {
			/* Only look at fds when someone waits on one: an epoll_wait
			 * per batch would be a syscall per switch in a pingpong. */
			if (l->fdwaiting)
				err = loop_poll(l, 0);
		} else if (rt_loop_armed(l)) {
			int64_t timeout = -1;
			if (l->timers.len) {
				uint64_t now = rt_loop_now_ns(), d = l->timers.v[0].deadline;
				timeout = d <= now ? 0 : d - now > INT64_MAX ? INT64_MAX : (int64_t)(d - now);
			}
			err = loop_poll(l, timeout);
		} else {
			/* Every live task waits on an event and nobody is left to
			 * notify it. */
			return l->stats.err ? l->stats.err : -EDEADLK;
		}
		if (err)
			return err;
		fire_timers(l);
	}
	return l->stats.err;
}

int rt_loop_event_new(struct rt_event **out)
{
	struct rt_event *ev = malloc(sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->count = 0;
	rt_queue_init(&ev->waiters);
	*out = ev;
	return 0;
}

void rt_loop_event_free(struct rt_event *ev)
{
	free(ev);
}
