/* uring — io_uring through liburing: every wait is a submission, a
 * completion resumes the task.
 *
 * The model. Tasks are stackless steps as on epoll (the same driver, the
 * same ready queue and counting events of loop.c); what differs is how a
 * wait is performed. epoll asks the kernel "is this fd ready?" and then
 * makes the syscall itself; here the loop hands the kernel the operation
 * (IORING_OP_READ, SEND/WRITE, ACCEPT, TIMEOUT) in a shared submission
 * ring, and the kernel posts its result in a completion ring. The SQEs a
 * batch of steps produces go to the kernel in one io_uring_submit_and_wait
 * (one syscall that submits every op and sleeps for the first completion);
 * completions are read from shared memory without a syscall. So:
 *  - a server pays about one syscall per loop iteration, however many
 *    connections it serves in it, where epoll pays a recv and a send per
 *    request and an epoll_wait per iteration;
 *  - a read of a regular file is truly asynchronous: the kernel reads the
 *    page cache without blocking (async buffered reads) or hands an
 *    O_DIRECT read to the device and completes it later, while the loop
 *    runs other tasks. On epoll a regular file is "always ready" and a cold
 *    read blocks the one thread: the `file` workload's timer shows it (C9);
 *  - a sleep is an IORING_OP_TIMEOUT in the kernel's own timer wheel, not a
 *    heap in user space: one SQE per sleep, no timer bookkeeping here.
 * Events (RT_WAIT/RT_NOTIFY) never enter the kernel: they are loop.c's
 * counting events, and a pingpong between two tasks makes no syscall at all
 * (the loop only enters the kernel when it has SQEs or nothing to run).
 *
 * What it costs. Each ring is memory shared with the kernel: 1024 SQEs of
 * 64 bytes and 2048 CQEs of 16 bytes, ~100 KiB a ring. An
 * op the kernel cannot complete at once (a socket with no data) costs an
 * internal poll registration and a task_work callback in the kernel, more
 * kernel work per op than epoll's readiness bit; a read that must block
 * (O_DIRECT on some filesystems, buffered writes) goes to the kernel's
 * io-wq worker threads, kernel threads that the CPU figures count. A task
 * has at most one op in flight (the contract), so there is no queue depth
 * per task: the batch is across tasks.
 *
 * Design choices, and why:
 *  - Reads are IORING_OP_READ at offset -1 (the file position, as read(2)):
 *    the `file` workload lseeks and then reads, and sockets and pipes have
 *    no position. Writes are IORING_OP_SEND with MSG_NOSIGNAL (a closed
 *    peer is -EPIPE, not SIGPIPE, as loop.c does with send()); an fd that
 *    answers ENOTSOCK is remembered and gets IORING_OP_WRITE.
 *  - An fd in O_NONBLOCK mode makes the kernel answer -EAGAIN instead of
 *    waiting (io_uring honours the flag); then the loop submits a POLL_ADD
 *    and retries the op when it fires, so a workload may hand us either kind.
 *  - Accept is multishot where the kernel has it (5.19, probed through
 *    IORING_OP_SOCKET of the same release): one SQE per listener yields
 *    a completion per connection; connections accepted while no task waits
 *    are kept in a small per-fd queue and handed to the next RT_ACCEPT at
 *    once, without a syscall. The multishot ends when the listener is shut
 *    down (the workloads' end_accepting), or is cancelled at destroy, where
 *    a connection accepted for nobody is closed.
 *  - loops=N (0: one per CPU), thread-per-core as epoll's: N rings, one
 *    thread each bound round robin to the CPUs; a task runs on ring
 *    t->shard % N. Spawning into another ring goes through its inbox (a
 *    mutex) and an eventfd write; each ring keeps an IORING_OP_READ of its
 *    eventfd in flight, so the wake-up arrives as one more completion.
 *    An event belongs to the first ring that uses it; a wait from another
 *    ring gets -EXDEV (as epoll), a notify from another ring is counted
 *    atomically on the event and handed to its ring through the same
 *    inbox and eventfd.
 *  - Deadlock: with one ring, when nothing is ready and no op of a task is
 *    in the kernel, every live task waits on an event nobody can notify:
 *    -EDEADLK, as epoll. With N rings the eventfd read is always in flight
 *    and another ring may still notify, so (as epoll's loops) it is not
 *    detected: the harness's watchdog ends it.
 *  - Probe at create: io_uring_queue_init itself. ENOSYS (no io_uring),
 *    EPERM (kernel.io_uring_disabled, seccomp, a container's policy) or a
 *    kernel without the ops used here make create() return RT_UNAVAILABLE with
 *    the reason in env->why: the harness records the cell as skipped, the
 *    tests exit 77. CB_URING_DISABLE=1 in the environment simulates it.
 *
 * Knobs, each off by default (the plain path above):
 *  - sqpoll=1: IORING_SETUP_SQPOLL, a kernel thread per ring polls the
 *    submission ring, so submitting costs no syscall while it is awake (it
 *    sleeps after 1 ms idle). It burns a CPU of its own while it spins: on
 *    a 2-CPU cell it competes with the loop and the client.
 *  - fixed_files=1: each fd is registered in the ring's file table at a
 *    task's first op on it (IOSQE_FIXED_FILE), saving the kernel's file
 *    lookup and reference per op. Because the contract never tells the
 *    runtime when an fd closes, and a registered file stays open, the
 *    registration is dropped when the task that made it finishes: two
 *    io_uring_register calls per task and fd, worth it only for tasks that
 *    make many ops. fds beyond the table (RLIMIT_NOFILE at create, at most
 *    65536) take the plain path.
 *  - defer_taskrun=1: IORING_SETUP_DEFER_TASKRUN | SINGLE_ISSUER (6.1):
 *    the kernel runs completion work only when the loop enters to wait,
 *    not by interrupting it. A kernel that refuses it runs without, saying
 *    why on stderr.
 *  - Provided buffers (IORING_OP_PROVIDE_BUFFERS, buffer rings) are not
 *    offered: their point is that a waiting read holds no buffer of its
 *    own, but the contract's RT_READ comes with the task's buffer, so the
 *    kernel's choice of buffer would cost a copy into it on every read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../loop.h"
#include "../offload.h"

_Static_assert(RT_UNAVAILABLE == -EOPNOTSUPP, "runtime.h spells -EOPNOTSUPP without errno.h");

#define UR_BLOCK 1024
#define UR_LOOPS_MAX 256
#define UR_ENTRIES 1024
#define UR_FIXED_MAX 65536

/* user_data: a task's record (8-aligned, tag 0), or the loop's own ops. */
enum { UD_TASK = 0, UD_WAKE = 1, UD_ACCEPT = 2, UD_IGNORE = 3, UD_TAGS = 7 };

enum { P_LOOPS, P_SQPOLL, P_FIXED, P_DEFER, P_OTHREADS };

static const struct cb_param ur_params[] = {
	{ "loops", "loops", "rings, one thread each, bound round robin to the CPUs (thread-per-core); "
	  "0: one per CPU; a task runs on ring shard % loops", 1, 0, UR_LOOPS_MAX },
	{ "sqpoll", "", "1: a kernel thread polls each submission ring (IORING_SETUP_SQPOLL): "
	  "no syscall to submit, a CPU spent spinning", 0, 0, 1 },
	{ "fixed_files", "", "1: register each fd in the ring's file table at a task's first op "
	  "on it (IOSQE_FIXED_FILE), dropped when the task ends", 0, 0, 1 },
	{ "defer_taskrun", "", "1: IORING_SETUP_DEFER_TASKRUN (kernel 6.1): completion work runs "
	  "only when the loop waits; falls back, saying why, where refused", 0, 0, 1 },
	RT_OFFLOAD_PARAM,
	{ .name = NULL },
};

extern const struct runtime rt_uring;

/* A task's record: loop.c's (task, res, the op in progress) and what the
 * kernel reads after the step returned. */
struct ur_rec {
	struct rt_lrec l;
	struct __kernel_timespec ts; /* RT_SLEEP's: read by the kernel at submit */
	int polling;                 /* a POLL_ADD in flight before retrying the op */
	int owned;                   /* fixed_files: first slot this task registered, -1 */
};

union ur_slot {
	struct ur_rec r;
	union ur_slot *next_free;
};

struct ur_block {
	struct ur_block *next;
	union ur_slot recs[UR_BLOCK];
};

/* Per fd number. */
struct ur_fd {
	struct rt_queue acc;  /* tasks waiting for the multishot accept */
	int *pend;            /* connections it accepted for nobody yet */
	unsigned phead, plen, pcap;
	unsigned char armed;  /* a multishot accept is in flight on it */
	unsigned char notsock;
	unsigned char fixed;  /* registered in the ring's file table */
	int next_owned;       /* fixed: the owner's next slot, -1 */
};

struct rt_uring;

struct ur_shard {
	struct rt_loop loop; /* ready queue, live count, stats, events */
	struct io_uring ring;
	int ring_ok;
	struct rt_uring *u;
	union ur_slot *free;
	struct ur_block *blocks;
	struct ur_fd *fds;
	size_t nfds;
	size_t inflight; /* tasks whose op is in the kernel or waiting on an accept */
	int idx;
	/* loops > 1 */
	int efd;
	uint64_t efd_buf;
	int efd_armed;
	_Atomic int mail;        /* the inbox may hold something */
	pthread_mutex_t mu;      /* guards inbox and remote */
	struct rt_queue inbox;   /* tasks spawned here from other rings */
	struct ur_event *remote; /* events notified from other rings */
	pthread_t tid;
	int err;
} __attribute__((aligned(64)));

struct rt_uring {
	struct rt rt;
	int nsh;
	struct ur_shard *sh;
	int ncpus;
	int *cpus;
	int sqpoll, fixed, defer, multishot;
	unsigned nfixed; /* slots in each ring's file table */
	int running;
	_Atomic int64_t glive;
	_Atomic uint64_t gpeak;
	pthread_mutex_t gomu;
	pthread_cond_t gocv;
	int go;
};

struct ur_event {
	struct rt_event ev; /* first: loop.c sees only this */
	_Atomic(struct ur_shard *) owner;
	_Atomic uint64_t remote; /* notifies from other rings not yet applied */
	_Atomic int queued;      /* on the owner's remote list */
	struct ur_event *next;
};

static __thread struct ur_shard *ur_cur;

static inline struct ur_shard *shard_of_loop(struct rt_loop *l)
{
	return (struct ur_shard *)((char *)l - offsetof(struct ur_shard, loop));
}

static inline struct ur_rec *rec_of(struct rt_task *t)
{
	return (struct ur_rec *)t->priv;
}

/* ---- records --------------------------------------------------------------- */

static union ur_slot *rec_get(struct ur_shard *sh)
{
	if (!sh->free) {
		struct ur_block *b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = sh->blocks;
		sh->blocks = b;
		for (size_t i = 0; i < UR_BLOCK; i++) {
			b->recs[i].next_free = sh->free;
			sh->free = &b->recs[i];
		}
	}
	union ur_slot *r = sh->free;
	sh->free = r->next_free;
	return r;
}

static void rec_put(struct ur_shard *sh, union ur_slot *r)
{
	r->next_free = sh->free;
	sh->free = r;
}

static int shard_add(struct ur_shard *sh, struct rt_task *t)
{
	union ur_slot *r = rec_get(sh);
	int err = r ? rt_loop_add(&sh->loop, t, &r->r.l) : -ENOMEM;
	if (err) {
		if (r)
			rec_put(sh, r);
		rt_loop_fail(&sh->loop, err, "memory");
		return err;
	}
	r->r.polling = 0;
	r->r.owned = -1;
	return 0;
}

/* ---- the fd table -------------------------------------------------------- */

static struct ur_fd *fd_ent(struct ur_shard *sh, int fd)
{
	if ((size_t)fd >= sh->nfds) {
		size_t n = sh->nfds ? sh->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct ur_fd *v = realloc(sh->fds, n * sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = sh->nfds; i < n; i++) {
			memset(&v[i], 0, sizeof v[i]);
			rt_queue_init(&v[i].acc);
			v[i].next_owned = -1;
		}
		sh->fds = v;
		sh->nfds = n;
	}
	return &sh->fds[fd];
}

/* fixed_files: the slot for fd (its own number), registering it for t's
 * life; -1: use the plain fd. */
static int fixed_slot(struct ur_shard *sh, struct ur_fd *e, int fd, struct ur_rec *rec)
{
	if (!sh->u->fixed || (unsigned)fd >= sh->u->nfixed)
		return -1;
	if (e->fixed)
		return fd;
	if (io_uring_register_files_update(&sh->ring, (unsigned)fd, &fd, 1) != 1)
		return -1;
	e->fixed = 1;
	e->next_owned = rec->owned;
	rec->owned = fd;
	return fd;
}

/* The task is done: its registrations go, so a closed fd is really closed
 * (the table holds a reference) and a new file under the number is looked
 * up afresh. */
static void fixed_drop(struct ur_shard *sh, struct ur_rec *rec)
{
	static int minus_one = -1;
	for (int fd = rec->owned; fd >= 0;) {
		struct ur_fd *e = &sh->fds[fd];
		io_uring_register_files_update(&sh->ring, (unsigned)fd, &minus_one, 1);
		e->fixed = 0;
		fd = e->next_owned;
		e->next_owned = -1;
	}
	rec->owned = -1;
}

/* ---- submissions ----------------------------------------------------------- */

/* A free SQE; when the ring is full, hand the batch to the kernel first.
 * NULL only when the kernel refuses the submission. */
static struct io_uring_sqe *sqe_get(struct ur_shard *sh)
{
	struct io_uring_sqe *s;
	while (!(s = io_uring_get_sqe(&sh->ring))) {
		int r = sh->u->sqpoll ? io_uring_sqring_wait(&sh->ring) : io_uring_submit(&sh->ring);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
			return NULL;
	}
	return s;
}

/* Submits rec's op (or the poll before retrying it). 0 or -errno (then
 * nothing is in flight). */
static int submit_op(struct ur_shard *sh, struct ur_rec *rec)
{
	const struct rt_op *op = &rec->l.op;
	struct io_uring_sqe *s = sqe_get(sh);
	if (!s)
		return -EAGAIN;
	struct ur_fd *e = op->fd >= 0 ? fd_ent(sh, op->fd) : NULL;
	if (op->fd >= 0 && !e) {
		io_uring_prep_nop(s); /* the SQE is taken: make it harmless */
		io_uring_sqe_set_data64(s, UD_IGNORE);
		return -ENOMEM;
	}
	int slot = -1;
	if (rec->polling) {
		io_uring_prep_poll_add(s, op->fd, op->kind == RT_WRITE ? POLLOUT : POLLIN);
	} else {
		switch (op->kind) {
		case RT_READ:
			slot = fixed_slot(sh, e, op->fd, rec);
			io_uring_prep_read(s, slot >= 0 ? slot : op->fd, op->buf, (unsigned)op->len,
			                   (uint64_t)-1);
			break;
		case RT_WRITE:
			slot = fixed_slot(sh, e, op->fd, rec);
			if (e->notsock)
				io_uring_prep_write(s, slot >= 0 ? slot : op->fd, op->buf,
				                    (unsigned)op->len, (uint64_t)-1);
			else
				io_uring_prep_send(s, slot >= 0 ? slot : op->fd, op->buf, op->len,
				                   MSG_NOSIGNAL);
			break;
		case RT_ACCEPT:
			slot = fixed_slot(sh, e, op->fd, rec);
			io_uring_prep_accept(s, slot >= 0 ? slot : op->fd, NULL, NULL, SOCK_CLOEXEC);
			break;
		case RT_SLEEP: {
			/* An absolute deadline from the step's return, not from the
			 * submission at the end of the batch: the rest of the batch's
			 * steps do not lengthen the sleep. */
			uint64_t when = rt_loop_deadline(op->ns);
			rec->ts.tv_sec = (long long)(when / 1000000000u);
			rec->ts.tv_nsec = (long long)(when % 1000000000u);
			io_uring_prep_timeout(s, &rec->ts, 0, IORING_TIMEOUT_ABS);
			break;
		}
		default:
			io_uring_prep_nop(s);
			io_uring_sqe_set_data64(s, UD_IGNORE);
			return -EINVAL;
		}
		if (slot >= 0)
			s->flags |= IOSQE_FIXED_FILE;
	}
	io_uring_sqe_set_data(s, rec);
	sh->inflight++;
	return 0;
}

static void arm_accept(struct ur_shard *sh, struct ur_fd *e, int fd)
{
	struct io_uring_sqe *s = sqe_get(sh);
	if (!s)
		return; /* the waiter stays queued; the next accept tries again */
	io_uring_prep_multishot_accept(s, fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(s, ((uint64_t)fd << 3) | UD_ACCEPT);
	e->armed = 1;
}

static void arm_wake(struct ur_shard *sh)
{
	struct io_uring_sqe *s = sqe_get(sh);
	if (!s)
		return;
	io_uring_prep_read(s, sh->efd, &sh->efd_buf, sizeof sh->efd_buf, 0);
	io_uring_sqe_set_data64(s, UD_WAKE);
	sh->efd_armed = 1;
}

static void make_ready(struct ur_shard *sh, struct rt_task *t, long res)
{
	rt_lrec_of(t)->res = res;
	rt_trace_wake(t);
	rt_queue_push(&sh->loop.ready, t);
}

/* ---- events across rings --------------------------------------------------- */

static int event_mine(struct rt_event *ev, struct ur_shard *sh)
{
	struct ur_event *e = (struct ur_event *)ev;
	struct ur_shard *o = atomic_load_explicit(&e->owner, memory_order_acquire);
	if (o == sh)
		return 1;
	if (o)
		return 0;
	return atomic_compare_exchange_strong(&e->owner, &o, sh) || o == sh;
}

static void wake(struct ur_shard *sh)
{
	uint64_t one = 1;
	ssize_t n = write(sh->efd, &one, sizeof one); /* fails only when already nonzero */
	(void)n;
}

/* A notify from another ring: counted on the event, which goes on its
 * owner's remote list once (queued), and the owner is woken. */
static void notify_remote(struct ur_event *e)
{
	struct ur_shard *o = atomic_load_explicit(&e->owner, memory_order_acquire);
	atomic_fetch_add(&e->remote, 1);
	if (atomic_exchange(&e->queued, 1))
		return;
	pthread_mutex_lock(&o->mu);
	e->next = o->remote;
	o->remote = e;
	pthread_mutex_unlock(&o->mu);
	atomic_store(&o->mail, 1);
	wake(o);
}

static void event_post(struct ur_shard *sh, struct rt_event *ev)
{
	struct rt_task *w = rt_queue_pop(&ev->waiters);
	if (w)
		make_ready(sh, w, 0);
	else
		ev->count++;
}

/* ---- the loop ---------------------------------------------------------------- */

static void task_gone(struct rt_uring *u)
{
	if (u->nsh > 1 && atomic_fetch_sub(&u->glive, 1) == 1)
		for (int i = 0; i < u->nsh; i++) {
			atomic_store(&u->sh[i].mail, 1);
			wake(&u->sh[i]);
		}
}

/* Performs op for t: 1 with *res when it completed at once, 0 when t waits
 * (the loop resumes it). */
static int perform(struct ur_shard *sh, struct rt_task *t, const struct rt_op *op, long *res)
{
	struct ur_rec *rec = rec_of(t);
	switch (op->kind) {
	case RT_READ:
	case RT_WRITE:
	case RT_ACCEPT:
		if (op->fd < 0) {
			*res = -EBADF;
			return 1;
		}
		if (op->kind == RT_ACCEPT && sh->u->multishot) {
			struct ur_fd *e = fd_ent(sh, op->fd);
			if (!e) {
				*res = -ENOMEM;
				return 1;
			}
			if (e->plen) {
				*res = e->pend[e->phead++];
				if (--e->plen == 0)
					e->phead = 0;
				return 1;
			}
			rt_queue_push(&e->acc, t);
			sh->inflight++;
			if (!e->armed)
				arm_accept(sh, e, op->fd);
			return 0;
		}
		/* fallthrough */
	case RT_SLEEP:
		if (op->kind == RT_SLEEP && op->ns == 0)
			return rt_loop_perform(&sh->loop, t, op, res); /* a yield */
		rec->l.op = *op;
		rec->polling = 0;
		if ((*res = submit_op(sh, rec)) < 0)
			return 1;
		return 0;
	case RT_OFFLOAD: {
		/* To the pool; its completion (an eventfd) is polled through
		 * the ring like any fd, then read (on_task_cqe). */
		rec->l.op = *op;
		int err = rt_offload_begin(&rec->l.op);
		if (err) {
			*res = err;
			return 1;
		}
		rec->polling = 1;
		if ((*res = submit_op(sh, rec)) < 0)
			return 1;
		return 0;
	}
	case RT_WAIT:
	case RT_NOTIFY:
		if (sh->u->nsh > 1 && !event_mine(op->ev, sh)) {
			if (op->kind == RT_WAIT) {
				*res = -EXDEV;
				return 1;
			}
			notify_remote((struct ur_event *)op->ev);
			*res = 0;
			return 1;
		}
		return rt_loop_perform(&sh->loop, t, op, res);
	default:
		*res = -EINVAL;
		return 1;
	}
}

/* The inside-out driver: step until the task waits or finishes. */
static void ur_resume(struct rt_loop *l, struct rt_task *t, long res)
{
	struct ur_shard *sh = shard_of_loop(l);
	for (;;) {
		struct rt_op op = rt_step(t, res);
		if (op.kind == RT_DONE) {
			struct ur_rec *rec = rec_of(t);
			if (rec->owned >= 0)
				fixed_drop(sh, rec);
			rec_put(sh, (union ur_slot *)rec);
			rt_loop_done(l, t); /* may release (free) t */
			task_gone(sh->u);
			return;
		}
		if (!perform(sh, t, &op, &res))
			return;
	}
}

static void on_task_cqe(struct ur_shard *sh, struct ur_rec *rec, long res)
{
	const struct rt_op *op = &rec->l.op;
	sh->inflight--;
	if (rec->polling && op->kind == RT_OFFLOAD) { /* the job's eventfd polled */
		rec->polling = 0;
		if (res >= 0 || res == -EINTR)
			res = rt_offload_try(op);
		if (res == -EAGAIN) {
			rec->polling = 1;
			if ((res = submit_op(sh, rec)) == 0)
				return;
		}
	} else if (rec->polling) { /* the fd is ready: the op again */
		rec->polling = 0;
		if (res >= 0 || res == -EINTR) {
			if ((res = submit_op(sh, rec)) == 0)
				return;
		}
	} else if (op->kind == RT_SLEEP) {
		res = res == -ETIME ? 0 : res;
	} else if (res == -EAGAIN || res == -EINTR) {
		/* -EAGAIN: an O_NONBLOCK fd, which io_uring does not wait on. */
		rec->polling = res == -EAGAIN;
		if ((res = submit_op(sh, rec)) == 0)
			return;
	} else if (res == -ENOTSOCK && op->kind == RT_WRITE) {
		struct ur_fd *e = fd_ent(sh, op->fd);
		if (e && !e->notsock) {
			e->notsock = 1;
			if ((res = submit_op(sh, rec)) == 0)
				return;
		}
	}
	make_ready(sh, rec->l.task, res);
}

static void on_accept_cqe(struct ur_shard *sh, int fd, int res, unsigned flags)
{
	struct ur_fd *e = (size_t)fd < sh->nfds ? &sh->fds[fd] : NULL;
	if (!e) { /* cannot happen: armed from an entry */
		if (res >= 0)
			close(res);
		return;
	}
	if (!(flags & IORING_CQE_F_MORE))
		e->armed = 0;
	struct rt_task *w = rt_queue_pop(&e->acc);
	if (w) {
		sh->inflight--;
		make_ready(sh, w, res);
	} else if (res >= 0) {
		if (e->phead + e->plen == e->pcap) {
			if (e->phead) {
				memmove(e->pend, e->pend + e->phead, e->plen * sizeof *e->pend);
				e->phead = 0;
			} else {
				unsigned cap = e->pcap ? 2 * e->pcap : 16;
				int *v = realloc(e->pend, cap * sizeof *v);
				if (!v) {
					close(res); /* the client sees a reset; the run goes on */
					return;
				}
				e->pend = v;
				e->pcap = cap;
			}
		}
		e->pend[e->phead + e->plen++] = res;
	}
	if (!e->armed && !rt_queue_empty(&e->acc))
		arm_accept(sh, e, fd);
}

/* Every completion there is, without a syscall (beyond the flush of an
 * overflowed ring). Fields are copied before the ring slots are released,
 * so handling may submit. */
static void reap(struct ur_shard *sh)
{
	struct io_uring_cqe *cq[64];
	struct {
		uint64_t ud;
		int res;
		unsigned flags;
	} v[64];
	unsigned n;
	while ((n = io_uring_peek_batch_cqe(&sh->ring, cq, 64)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			v[i].ud = cq[i]->user_data;
			v[i].res = cq[i]->res;
			v[i].flags = cq[i]->flags;
		}
		io_uring_cq_advance(&sh->ring, n);
		for (unsigned i = 0; i < n; i++) {
			switch (v[i].ud & UD_TAGS) {
			case UD_TASK:
				on_task_cqe(sh, (struct ur_rec *)(uintptr_t)v[i].ud, v[i].res);
				break;
			case UD_WAKE:
				sh->efd_armed = 0;
				break;
			case UD_ACCEPT:
				on_accept_cqe(sh, (int)(v[i].ud >> 3), v[i].res, v[i].flags);
				break;
			default:
				break;
			}
		}
		if (n < 64)
			break;
	}
}

/* loops > 1: tasks spawned here from other rings, and their notifies. */
static void mailbox(struct ur_shard *sh)
{
	if (!atomic_exchange(&sh->mail, 0))
		return;
	pthread_mutex_lock(&sh->mu);
	struct rt_queue q = sh->inbox;
	struct ur_event *ev = sh->remote;
	rt_queue_init(&sh->inbox);
	sh->remote = NULL;
	pthread_mutex_unlock(&sh->mu);
	for (struct rt_task *t; (t = rt_queue_pop(&q));)
		if (shard_add(sh, t))
			task_gone(sh->u); /* never runs; the failure is in the stats */
	while (ev) {
		struct ur_event *next = ev->next;
		/* Cleared before the count is taken: a notify after this
		 * queues the event again. */
		atomic_store(&ev->queued, 0);
		for (uint64_t n = atomic_exchange(&ev->remote, 0); n; n--)
			event_post(sh, &ev->ev);
		ev = next;
	}
}

/* Submits what the batch queued; with wait, sleeps until a completion. */
static int enter(struct ur_shard *sh, int wait)
{
	int r = 0;
	if (wait)
		r = io_uring_submit_and_wait(&sh->ring, 1);
	else if (io_uring_sq_ready(&sh->ring))
		r = sh->u->defer ? io_uring_submit_and_get_events(&sh->ring)
		                 : io_uring_submit(&sh->ring);
	else if (sh->u->defer && sh->inflight)
		r = io_uring_get_events(&sh->ring); /* completions run only when asked */
	if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY && r != -ETIME)
		return r;
	return 0;
}

static int shard_loop(struct ur_shard *sh)
{
	struct rt_loop *l = &sh->loop;
	struct rt_uring *u = sh->u;
	int mt = u->nsh > 1;
	for (;;) {
		if (mt)
			mailbox(sh);
		/* The tasks ready now, not those they make ready (loop.c's rule). */
		for (size_t n = l->ready.len; n; n--) {
			struct rt_task *t = rt_queue_pop(&l->ready);
			if (!t)
				break;
			l->resume(l, t, rt_lrec_of(t)->res);
		}
		if (mt ? atomic_load(&u->glive) == 0 : l->live == 0)
			break;
		int wait;
		if (!rt_queue_empty(&l->ready) || (mt && atomic_load(&sh->mail)))
			wait = 0;
		else if (sh->inflight || mt)
			wait = 1;
		else
			return l->stats.err ? l->stats.err : -EDEADLK;
		if (mt && !sh->efd_armed)
			arm_wake(sh);
		int err = enter(sh, wait);
		if (err)
			return err;
		reap(sh);
	}
	return l->stats.err;
}

/* ---- loops > 1 ------------------------------------------------------------- */

static void bind_cpu(struct rt_uring *u, int i)
{
	if (u->ncpus <= 0)
		return;
	int cpu = u->cpus[i % u->ncpus];
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* unbound on failure: placement only */
}

/* On the ring's own thread: SINGLE_ISSUER (defer_taskrun) rings were
 * created disabled so that their submitter is the thread that runs them. */
static int shard_start(struct ur_shard *sh)
{
	/* liburing 2.3 (Debian 12) declares io_uring_enable_rings but its
	 * library does not export it: the syscall itself. */
	if (sh->u->defer && syscall(__NR_io_uring_register, sh->ring.ring_fd,
	                            IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
		return -errno;
	ur_cur = sh;
	int err = shard_loop(sh);
	ur_cur = NULL;
	return err;
}

static void *shard_main(void *arg)
{
	struct ur_shard *sh = arg;
	struct rt_uring *u = sh->u;
	bind_cpu(u, sh->idx);
	pthread_mutex_lock(&u->gomu);
	while (u->go == 0)
		pthread_cond_wait(&u->gocv, &u->gomu);
	int go = u->go;
	pthread_mutex_unlock(&u->gomu);
	if (go > 0)
		sh->err = shard_start(sh);
	return NULL;
}

static void set_go(struct rt_uring *u, int go)
{
	pthread_mutex_lock(&u->gomu);
	u->go = go;
	pthread_cond_broadcast(&u->gocv);
	pthread_mutex_unlock(&u->gomu);
}

static int run_mt(struct rt_uring *u)
{
	int err = 0, made;
	cpu_set_t saved;
	int have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
	u->go = 0;
	u->running = 1;
	for (made = 1; made < u->nsh; made++) {
		int e = pthread_create(&u->sh[made].tid, NULL, shard_main, &u->sh[made]);
		if (e) {
			err = -e;
			rt_loop_fail(&u->sh[0].loop, err, "threads");
			break;
		}
	}
	set_go(u, err ? -1 : 1);
	if (!err) {
		bind_cpu(u, 0);
		u->sh[0].err = shard_start(&u->sh[0]);
		if (u->sh[0].err) /* the others may wait for tasks of this ring forever */
			for (int i = 1; i < made; i++)
				wake(&u->sh[i]);
	}
	for (int i = 1; i < made; i++)
		pthread_join(u->sh[i].tid, NULL);
	u->running = 0;
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	for (int i = 0; i < u->nsh && !err; i++)
		err = u->sh[i].err;
	return err;
}

/* ---- create: the probe ------------------------------------------------------ */

static void say_why(const struct rt_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say_why(const struct rt_env *env, const char *fmt, ...)
{
	if (!env || !env->why || !env->why_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(env->why, env->why_len, fmt, ap);
	va_end(ap);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%sconcbench: note: uring: ", isatty(STDERR_FILENO) ? "\r\033[K" : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Why io_uring_queue_init failed with err, for a person. */
static void why_unavailable(const struct rt_env *env, int err)
{
	if (err == -ENOSYS) {
		say_why(env, "io_uring is unavailable: this kernel has no io_uring (ENOSYS)");
		return;
	}
	int disabled = -1;
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "re");
	if (f) {
		if (fscanf(f, "%d", &disabled) != 1)
			disabled = -1;
		fclose(f);
	}
	if (err == -EPERM && disabled > 0)
		say_why(env, "io_uring is unavailable: disabled by kernel.io_uring_disabled=%d",
		        disabled);
	else if (err == -EPERM)
		say_why(env, "io_uring is unavailable: not permitted (EPERM: a seccomp filter or "
		        "the container's policy)");
	else
		say_why(env, "io_uring is unavailable: io_uring_setup: %s", strerror(-err));
}

/* Sets up one ring with the knobs asked for, dropping a refused one (with
 * a note) as long as a plain ring can be had. */
static int ring_init(struct rt_uring *u, struct ur_shard *sh, const struct rt_env *env)
{
	if (u->defer && u->sqpoll) {
		/* The kernel's thread submits for an SQPOLL ring, and deferred
		 * work runs only in the submitter: Linux refuses the pair. */
		note("defer_taskrun=1 does not go with sqpoll=1 (the kernel refuses the pair): "
		     "running without defer_taskrun");
		u->defer = 0;
	}
	for (;;) {
		struct io_uring_params p;
		memset(&p, 0, sizeof p);
		if (u->sqpoll) {
			p.flags |= IORING_SETUP_SQPOLL;
			p.sq_thread_idle = 1; /* ms */
		}
		if (u->defer)
			p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			           IORING_SETUP_R_DISABLED;
		int r = io_uring_queue_init_params(UR_ENTRIES, &sh->ring, &p);
		if (r == 0) {
			sh->ring_ok = 1;
			return 0;
		}
		if (r == -EINVAL && u->defer) {
			note("defer_taskrun=1: the kernel refuses IORING_SETUP_DEFER_TASKRUN (%s; it "
			     "needs Linux 6.1): running without it", strerror(-r));
			u->defer = 0;
			continue;
		}
		if ((r == -EPERM || r == -EINVAL) && u->sqpoll) {
			note("sqpoll=1: the kernel refuses IORING_SETUP_SQPOLL (%s): running without it",
			     strerror(-r));
			u->sqpoll = 0;
			continue;
		}
		why_unavailable(env, r);
		return RT_UNAVAILABLE;
	}
}

/* The ops this runtime submits; IORING_OP_SOCKET arrived with multishot
 * accept (5.19), which has no opcode of its own to probe. */
static int probe_ops(struct rt_uring *u, struct io_uring *ring, const struct rt_env *env)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	if (!p) {
		say_why(env, "io_uring is unavailable: the kernel cannot be probed (before 5.6), "
		        "so it lacks IORING_OP_READ");
		return RT_UNAVAILABLE;
	}
	static const struct {
		int op;
		const char *name;
	} need[] = {
		{ IORING_OP_READ, "READ" },       { IORING_OP_WRITE, "WRITE" },
		{ IORING_OP_SEND, "SEND" },       { IORING_OP_ACCEPT, "ACCEPT" },
		{ IORING_OP_TIMEOUT, "TIMEOUT" }, { IORING_OP_POLL_ADD, "POLL_ADD" },
	};
	int err = 0;
	for (size_t i = 0; i < sizeof need / sizeof need[0] && !err; i++)
		if (!io_uring_opcode_supported(p, need[i].op)) {
			say_why(env, "io_uring is unavailable: the kernel lacks IORING_OP_%s",
			        need[i].name);
			err = RT_UNAVAILABLE;
		}
	u->multishot = io_uring_opcode_supported(p, IORING_OP_SOCKET);
	io_uring_free_probe(p);
	return err;
}

static void ur_destroy(struct rt *rt);

static int ur_create(struct rt **out, const struct rt_env *env, const int64_t *params)
{
	int64_t loops = params ? params[P_LOOPS] : 1;
	if (loops < 0 || loops > UR_LOOPS_MAX)
		return -EINVAL;
	int oerr = rt_offload_size(params ? params[P_OTHREADS] : RT_OFFLOAD_THREADS);
	if (oerr)
		return oerr;
	if (loops == 0)
		loops = env && env->ncpus > 0 ? env->ncpus : 1;
	if (loops > UR_LOOPS_MAX)
		loops = UR_LOOPS_MAX;
	const char *sim = getenv("CB_URING_DISABLE");
	if (sim && *sim && strcmp(sim, "0") != 0) {
		say_why(env, "io_uring is unavailable: CB_URING_DISABLE=%s simulates a kernel "
		        "without it", sim);
		return RT_UNAVAILABLE;
	}
	struct rt_uring *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->rt.ops = &rt_uring;
	u->rt.shards = (int)loops;
	u->nsh = (int)loops;
	u->sqpoll = params ? params[P_SQPOLL] != 0 : 0;
	u->fixed = params ? params[P_FIXED] != 0 : 0;
	u->defer = params ? params[P_DEFER] != 0 : 0;
	pthread_mutex_init(&u->gomu, NULL);
	pthread_cond_init(&u->gocv, NULL);
	u->sh = aligned_alloc(64, (size_t)loops * sizeof(*u->sh));
	if (!u->sh) {
		free(u);
		return -ENOMEM;
	}
	memset(u->sh, 0, (size_t)loops * sizeof(*u->sh));
	for (int i = 0; i < u->nsh; i++) {
		struct ur_shard *sh = &u->sh[i];
		sh->u = u;
		sh->idx = i;
		sh->efd = -1;
		sh->loop.epfd = -1;
		pthread_mutex_init(&sh->mu, NULL);
		rt_queue_init(&sh->inbox);
	}
	if (u->fixed) {
		struct rlimit rl;
		u->nfixed = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < UR_FIXED_MAX
		                    ? (unsigned)rl.rlim_cur
		                    : UR_FIXED_MAX;
	}
	int err = 0;
	for (int i = 0; i < u->nsh && !err; i++) {
		struct ur_shard *sh = &u->sh[i];
		/* loop.c's ready queue, counts and events; its epoll fd is not
		 * needed here. */
		err = rt_loop_init(&sh->loop, ur_resume);
		if (!err) {
			close(sh->loop.epfd);
			sh->loop.epfd = -1;
			err = ring_init(u, sh, env);
		}
		if (!err && i == 0)
			err = probe_ops(u, &sh->ring, env);
		if (!err && u->fixed) {
			int r = io_uring_register_files_sparse(&sh->ring, u->nfixed);
			if (r < 0) {
				note("fixed_files=1: the kernel refuses a sparse file table of %u (%s): "
				     "running without it", u->nfixed, strerror(-r));
				u->fixed = 0;
			}
		}
		if (!err && u->nsh > 1) {
			sh->efd = eventfd(0, EFD_CLOEXEC);
			if (sh->efd < 0)
				err = -errno;
		}
	}
	if (!err && u->nsh > 1 && env && env->ncpus > 0) {
		u->cpus = malloc((size_t)env->ncpus * sizeof(*u->cpus));
		if (!u->cpus)
			err = -ENOMEM;
		else {
			memcpy(u->cpus, env->cpus, (size_t)env->ncpus * sizeof(*u->cpus));
			u->ncpus = env->ncpus;
		}
	}
	if (err) {
		ur_destroy(&u->rt);
		return err;
	}
	*out = &u->rt;
	return 0;
}

/* ---- the vtable --------------------------------------------------------------- */

static void count_spawn(struct rt_uring *u)
{
	uint64_t n = (uint64_t)atomic_fetch_add(&u->glive, 1) + 1;
	uint64_t peak = atomic_load_explicit(&u->gpeak, memory_order_relaxed);
	while (n > peak && !atomic_compare_exchange_weak(&u->gpeak, &peak, n))
		;
}

static int ur_spawn(struct rt *rt, struct rt_task *t)
{
	struct rt_uring *u = (struct rt_uring *)rt;
	if (u->nsh == 1)
		return shard_add(&u->sh[0], t);
	struct ur_shard *sh = &u->sh[t->shard > 0 ? t->shard % u->nsh : 0];
	count_spawn(u);
	if (!u->running || ur_cur == sh) {
		int err = shard_add(sh, t);
		if (err)
			task_gone(u);
		return err;
	}
	pthread_mutex_lock(&sh->mu);
	rt_queue_push(&sh->inbox, t);
	pthread_mutex_unlock(&sh->mu);
	atomic_store(&sh->mail, 1);
	wake(sh);
	return 0;
}

static int ur_run(struct rt *rt)
{
	struct rt_uring *u = (struct rt_uring *)rt;
	if (u->nsh == 1)
		return shard_start(&u->sh[0]);
	return run_mt(u);
}

static void ur_destroy(struct rt *rt)
{
	struct rt_uring *u = (struct rt_uring *)rt;
	for (int i = 0; i < u->nsh; i++) {
		struct ur_shard *sh = &u->sh[i];
		if (sh->ring_ok) {
			/* Connections a multishot accepted for nobody, including
			 * any completed but not reaped, are closed, not leaked. */
			struct io_uring_cqe *c;
			unsigned head, n = 0;
			io_uring_for_each_cqe(&sh->ring, head, c)
			{
				if ((c->user_data & UD_TAGS) == UD_ACCEPT && c->res >= 0)
					close(c->res);
				n++;
			}
			io_uring_cq_advance(&sh->ring, n);
			io_uring_queue_exit(&sh->ring);
		}
		for (size_t f = 0; f < sh->nfds; f++) {
			struct ur_fd *e = &sh->fds[f];
			for (unsigned k = 0; k < e->plen; k++)
				close(e->pend[e->phead + k]);
			free(e->pend);
		}
		free(sh->fds);
		rt_loop_fini(&sh->loop);
		while (sh->blocks) {
			struct ur_block *b = sh->blocks;
			sh->blocks = b->next;
			free(b);
		}
		if (sh->efd >= 0)
			close(sh->efd);
		pthread_mutex_destroy(&sh->mu);
	}
	pthread_cond_destroy(&u->gocv);
	pthread_mutex_destroy(&u->gomu);
	free(u->sh);
	free(u->cpus);
	free(u);
}

static int ur_event_new(struct rt *rt, struct rt_event **out)
{
	(void)rt;
	struct ur_event *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ev.count = 0;
	rt_queue_init(&e->ev.waiters);
	atomic_init(&e->owner, NULL);
	atomic_init(&e->remote, 0);
	atomic_init(&e->queued, 0);
	e->next = NULL;
	*out = &e->ev;
	return 0;
}

static void ur_event_free(struct rt *rt, struct rt_event *ev)
{
	(void)rt;
	free((struct ur_event *)ev);
}

static void ur_stats(struct rt *rt, struct rt_stats *out)
{
	struct rt_uring *u = (struct rt_uring *)rt;
	if (u->nsh == 1) {
		*out = u->sh[0].loop.stats;
		return;
	}
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < u->nsh; i++) {
		const struct rt_stats *s = &u->sh[i].loop.stats;
		out->spawned += s->spawned;
		out->completed += s->completed;
		if (s->err && !out->err) {
			out->err = s->err;
			memcpy(out->limit, s->limit, sizeof(out->limit));
		}
	}
	out->peak_live = atomic_load(&u->gpeak);
}

const struct runtime rt_uring = {
	.name = "uring",
	.desc = "io_uring (liburing): a wait is a submission, a completion resumes the task; "
	        "steps run inline (loops=N: one ring per core)",
	.params = ur_params,
	.cpus = RT_CPUS_PARAM,
	.cpus_param = "loops",
	.switches = RT_SWITCH_CALLBACK,
	.files = RT_FILES_ASYNC,
	.create = ur_create,
	.spawn = ur_spawn,
	.run = ur_run,
	.destroy = ur_destroy,
	.event_new = ur_event_new,
	.event_free = ur_event_free,
	.stats = ur_stats,
};
