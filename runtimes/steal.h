/* steal.h — the work-stealing M:N scheduler shared by the steal runtime
 * (stackless steps, runtimes/steal/) and coro-steal (stackful coroutines,
 * runtimes/coro-steal/), as loop.h is shared by epoll and coro. What
 * "run a task" means is the runtime's (the run callback); everything else
 * — run queues, stealing, parking, timers, the reactor, events — is here.
 * See steal.c's header for the design and its costs.
 */
#ifndef CONCBENCH_STEAL_H
#define CONCBENCH_STEAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "loop.h" /* rt_heap, rt_lrec, rt_timer, rt_queue */

#define RT_STEAL_RING 256     /* local run queue slots (Go's and Tokio's size) */
#define RT_STEAL_WORKERS_MAX 256

/* A local run queue: single producer (the owning worker pushes at tail),
 * many consumers (the owner and thieves move head by CAS). Go's runq. */
struct rt_ring {
	_Atomic uint32_t head;
	_Atomic uint32_t tail;
	_Atomic(struct rt_task *) buf[RT_STEAL_RING];
};

struct rt_steal;

struct rt_sworker {
	struct rt_ring ring;
	/* The task just woken by the running one: run next (LIFO), not
	 * stealable (Tokio's rule: it is about to run here, and a thief would
	 * only bounce a pingpong between cores). Only the owner touches it. */
	struct rt_task *lifo;
	unsigned lifo_run;       /* LIFO picks in a row (capped, so the ring is not starved) */
	uint32_t tick;
	uint64_t rng;
	struct rt_heap timers;   /* tasks that sleep on this worker, under tmu */
	pthread_mutex_t tmu;     /* taken by the owner, and tried by idle workers */
	_Atomic uint64_t tnext;  /* the earliest deadline, UINT64_MAX for none */
	struct rt_steal *s;
	int idx;
	/* Parking: wake is the futex word, mode how the worker sleeps (under
	 * s->mu), idle_next the idle list. */
	_Atomic uint32_t wake;
	int mode;                /* 0 running, 1 futex, 2 epoll (holds the reactor) */
	int idle;
	struct rt_sworker *idle_next;
	int searching;
	/* reactor=1: this worker's own epoll set, its wake eventfd (in the
	 * set), and the lock of whoever polls it (the owner; others only try). */
	int epfd, efd;
	pthread_mutex_t rmu;
	pthread_t tid;
	void *user;              /* the runtime's per-worker state */
} __attribute__((aligned(64)));

/* Run t (taken from a queue; its result is in rt_lrec_of(t)->res) until it
 * parks or is done. Called on w's thread. */
typedef void (*rt_steal_run_fn)(struct rt_sworker *w, struct rt_task *t);

/* One fd number's waiters, in fixed chunks so an entry never moves. */
struct rt_sfd {
	struct rt_queue rd, wr;
	_Atomic uint32_t seq; /* bumped (under fdmu) by every event the reactor sees */
	_Atomic unsigned char notsock;
	/* loop.h's rd_drained with the reactor on other threads: a read that
	 * found the socket empty (EAGAIN, or fewer bytes than asked) stores
	 * the seq it began at, + 1; while seq has not moved since, no edge was
	 * reported after it, and the next read parks without its recv
	 * (steal.c's sio_seq). hup: the reactor reported the peer's close, so
	 * never (an EOF already queued brings no edge). Both reset with the
	 * number's file (fd_forget). */
	_Atomic uint32_t dseq;
	_Atomic unsigned char hup;
	/* The epoll set that holds the file at this number, so a park there
	 * needs no epoll_ctl: 0 none, else 1 (reactor=0: the shared set) or
	 * 1 + the worker whose set it is (reactor=1). Reset to 0 wherever the
	 * number may get a new file (rt_steal_forget_fd, accept's fd; see
	 * fd_park in steal.c). Under fdmu, not atomic: every park takes fdmu
	 * anyway (the seq check), and with reactor=1 "not at home, so ADD
	 * here and DEL there" must be one critical section (fd_watch). */
	int home;
};
#define RT_SFD_CHUNK 4096
#define RT_SFD_CHUNKS 1024 /* fds up to 4M */

struct rt_steal {
	int n;                   /* workers made at init */
	int nact;                /* of them running in this run() */
	struct rt_sworker *w;
	rt_steal_run_fn run;
	/* the injection queue: spawns from outside a worker, ring overflow */
	pthread_mutex_t inj_mu;
	struct rt_queue inj;
	_Atomic size_t inj_len;
	/* parking */
	pthread_mutex_t mu;
	pthread_cond_t gocv;     /* the start gate of run() */
	int go;
	int deadlock;
	struct rt_sworker *idle_list;
	_Atomic int nidle, nsearching;
	_Atomic int stop;
	_Atomic int fence;       /* TSan's stand-in for a fence (steal.c) */
	/* the shared reactor (reactor=0; per_worker: one per worker instead) */
	int per_worker;
	int epfd, efd;
	_Atomic int driver;      /* a worker blocks in epoll_wait */
	pthread_mutex_t fdmu;    /* guards the fd queues */
	_Atomic(struct rt_sfd *) fds[RT_SFD_CHUNKS];
	_Atomic int64_t fdwaiting, ntimers;
	int no_pwait2;
	/* accounting */
	_Atomic int64_t live;
	_Atomic uint64_t spawned, completed, peak;
	pthread_mutex_t err_mu;
	int err;
	char limit[48];
	int reserve;
	int running;
};

/* The calling thread's worker, NULL outside run(). */
struct rt_sworker *rt_steal_current(void);

/* The runtime parameter choosing the reactor (both runtimes, last in
 * their lists): 0 one shared epoll set, 1 one per worker (steal.c's
 * header says why the default). */
#define RT_STEAL_REACTOR_PARAM                                                                   \
	{ "reactor", "", "0: one shared epoll reactor any worker polls, one parked worker blocks in it; " \
	  "1: one per worker, an fd in the set of the worker its task parked on, idle workers " \
	  "poll the others'", 0, 0, 1 }

/* workers 0 = one per CPU of env; per_worker: the reactor parameter. 0 or
 * a negative errno. */
int rt_steal_init(struct rt_steal *s, int workers, int per_worker, const struct rt_env *env,
                  rt_steal_run_fn run);
void rt_steal_fini(struct rt_steal *s);
/* A new task, ready with res 0; t->priv must point at rec. To the calling
 * worker's queue from a step, else the injection queue. */
void rt_steal_add(struct rt_steal *s, struct rt_task *t, struct rt_lrec *rec);
/* Completes op at once (1, *res set) or parks t (0: the scheduler runs t
 * again with the result). Called on w's thread when t is not running on a
 * stack of its own any more (or never had one). */
int rt_steal_perform(struct rt_sworker *w, struct rt_task *t, const struct rt_op *op, long *res);
/* The part of perform that never parks: 1 with *res when op completes at
 * once, 0 when it would park. Safe on a coroutine's stack. */
int rt_steal_try(struct rt_sworker *w, const struct rt_op *op, long *res);
/* t is runnable (its result in its record): onto w's ring. */
void rt_steal_ready(struct rt_sworker *w, struct rt_task *t);
/* The task in w's LIFO slot, without taking it, and taking it: for a
 * runtime that switches to it directly (coro-steal's hand-over). */
static inline struct rt_task *rt_steal_peek_lifo(const struct rt_sworker *w)
{
	return w->lifo;
}
static inline void rt_steal_take_lifo(struct rt_sworker *w)
{
	w->lifo = NULL;
}
/* t returned RT_DONE and its record is let go: count it, release it. */
void rt_steal_done(struct rt_steal *s, struct rt_task *t);
void rt_steal_fail(struct rt_steal *s, int err, const char *limit, int reserve);
int rt_steal_run(struct rt_steal *s);
void rt_steal_stats(struct rt_steal *s, struct rt_stats *out);
/* fd is about to be closed (the runtime's forget_fd, for rt_close): its
 * number may come back as another file, which must join an epoll set and
 * may be a socket where this one was not. Thread-safe. */
void rt_steal_forget_fd(struct rt_steal *s, int fd);

int rt_steal_event_new(struct rt_event **out);
void rt_steal_event_free(struct rt_event *ev);

#endif
