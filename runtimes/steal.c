/* steal.c — a work-stealing M:N scheduler (Tokio's multi-threaded runtime
 * and Go's scheduler, in their common shape), shared by the steal and
 * coro-steal runtimes. See steal.h for the interface.
 *
 * Workers: one thread each, not bound to a CPU (neither Go nor Tokio
 * binds; the harness binds the process to the cell); the thread that calls
 * run() waits for them, as Tokio's block_on does. It used to be worker 0
 * itself, and then the kernel put worker 1, woken by it, on its own busy
 * CPU: this VM's two vCPUs share no cache level the kernel knows of, so a
 * wake-up looks for no idle CPU beyond the waker's and the wakee's last,
 * and the load balancer took some 4-6 ms to move one of them to the idle
 * CPU. A cpu cell of 256 tasks x 50,000 iterations (some 12 ms on two
 * CPUs) ran 30% slower than pool's, whose calling thread waits too:
 * `concbench run --runtime steal,pool,epoll --workload cpu --set loops=2
 * --set workers=2 --set tasks=256 --set work=50000 --set skew=0,2 --reps 7
 * --order shuffle`, medians: steal 350 iterations/us, pool 508, epoll
 * loops=2 498 (skew=2: 405, 508, 451); tasks stamped with their thread and
 * CPU showed both workers on CPU 1 and CPU 0 idle for the first 5.9 ms.
 * With the caller waiting, alternating with the code before in the same
 * minutes (`run --runtime steal,pool --workload cpu --set workers=2 --set
 * tasks=256 --set work=50000 --set skew=0,2 --reps 5 --order shuffle`,
 * twice each), steal/pool went from 0.91-1.01 (skew=0) and 0.73-0.78
 * (skew=2) to 1.00-1.02 at both. Both still lose the odd run to the same
 * placement (pool's two workers start on one CPU now and then).
 * Each has
 *  - a local run queue: a 256-slot ring, single producer (the owner pushes
 *    at tail) and many consumers (the owner pops and thieves take halves,
 *    both by CAS on head): Go's runq. A full ring moves half of itself to
 *    the injection queue, so a push never fails;
 *  - a LIFO slot: the task the running one just woke runs next, while its
 *    data is hot in cache (a pingpong stays on one worker and costs no
 *    queue traffic). At most 3 LIFO picks in a row, then the ring's head,
 *    so two tasks waking each other cannot starve the rest (Tokio's cap).
 *    Not stealable, as in Tokio: only a displaced task goes to the ring;
 *  - a timer heap (loop.c's rt_heap) under a mutex: a sleep lands on the
 *    heap of the worker that ran it, which fires it; an idle worker also
 *    fires the expired timers of the others (trying their lock) and sleeps
 *    no later than the earliest deadline of any worker, so a timer whose
 *    worker runs a long step still fires on time (Go steals timers so).
 * The injection queue (a mutex and a list) takes spawns from outside a
 * worker (before run()) and ring overflow; a worker looks at it every 61
 * ticks (Go's figure: prime, so it does not beat with other periods) and
 * whenever its own queues are empty, taking a batch of len/workers + 1.
 *
 * Idle: injection queue, the reactor without blocking, then stealing half
 * a random victim's ring, then parking. At most half of the workers search
 * (steal) at once, as in Go: more would only fight over the same victims.
 * A push onto a ring (not the LIFO slot) wakes a parked worker when nobody
 * is searching; a searcher that found work and left work behind wakes the
 * next (Go's hand-off). Lost wake-ups are ruled out Dekker-style: a pusher
 * publishes then reads the idle count, a parker counts itself idle then
 * re-reads every queue, each with a full fence in between.
 *
 * I/O, reactor=0 (the default): one shared reactor, an epoll instance for
 * the whole runtime, polled (a) without blocking by a busy worker every 61
 * ticks and by an idle one before it steals, and (b) blocking by at most
 * one parked worker, the "driver" (Tokio's and Go's way), woken through an
 * eventfd in the same epoll set. Any idle worker can poll every fd and the
 * readiness lands on the worker that polled, where a sibling can steal it.
 * Its cost: a mutex over the fd queues, and the waking worker retries the
 * parked I/O under it. Measured earlier (`concbench run --runtime
 * steal,epoll --workload echo --set conns=100 --set requests=0 --set
 * seconds=1 --set loops=1,2 --reps 3`, the server on one CPU so one
 * worker): steal 6,723 requests/s, epoll 7,529, epoll loops=2 8,624.
 * Edge-triggered and registered once per file, as in loop.c (see
 * fd_park); the race of "parks after its EAGAIN while an edge arrives on
 * another thread" is closed by a per-fd sequence number the poller bumps
 * under the mutex: a parker re-checks it under the same mutex and retries
 * the I/O if an edge came in between.
 *
 * I/O, reactor=1: an epoll set (and wake eventfd) per worker. A task's fd
 * is in the set of the worker it parked on last, its "home": a task stolen
 * and parked on another worker moves the fd (EPOLL_CTL_ADD to the new set,
 * DEL from the old, both under the fd mutex, see fd_watch), so each
 * fd is in one set and each edge is reported once. Left in both sets with
 * EPOLLET, every edge would be reported twice, and each stale report costs
 * the fd mutex and a failed retry; it would still be correct, since fd
 * queues stay global and a parked op leaves its queue (exactly once)
 * under the fd mutex, whichever set reported the edge: that is also what
 * makes the move safe while the fd's other task waits on it. A fresh ADD
 * reports a state that is ready already, so an edge the old set had not
 * reported yet is not lost. A worker polls its own set without blocking
 * every 61 ticks; an idle one its own and then every other worker's whose
 * lock it gets (trylock: a held one is being polled or blocked in); the
 * tasks a poll completes go to the polling worker's ring, which is the one
 * about to run them (a ring has one producer, its owner). Parking: each
 * parked worker blocks in its own set, holding its lock, woken by its
 * eventfd (which helpers leave undrained); so an fd is always watched, by
 * its home worker running (its ticks, its search) or parked. With no fd
 * waiting anywhere a parker sleeps on its futex: only a park adds an fd
 * to a set, the parker's own. What it loses: an fd whose home worker runs
 * a long step waits for that step unless an idle worker searches meanwhile
 * (a parked one is blocked in its own set, not in the busy one's).
 *
 * Why reactor=0 is the default: it took less server CPU per request, at
 * the same throughput within the noise. `concbench run --runtime steal
 * --workload echo --set conns=100,1000 --set requests=0 --set seconds=2
 * --set reactor=0,1 --set workers=2 --reps 5 --order shuffle --cpus 0,1
 * --client-cpus 0,1` (the server's 2 workers on both CPUs, the client
 * sharing them; 2-core VM at a load average of ~5 from other jobs),
 * medians, shared vs per worker: server CPU per request 9.8 vs 13.2 us at
 * 100 connections, 11.8 vs 13.7 us at 1,000 (cov 5-9%); requests/s 29,472
 * vs 27,833 and 29,529 vs 27,054 (cov 43-56%: noise). With --client-cpus 1
 * (the server on CPU 0 alone): 14.3 vs 15.5 and 17.5 vs 19.3 us per
 * request; 19,974 vs 21,193 and 16,683 vs 12,903 requests/s (cov 17-31%).
 * Where the extra CPU goes (reasoned, not profiled): an idle worker's
 * search makes an epoll_wait per worker's set instead of one, a migration
 * two epoll_ctl under the fd mutex, and a parked worker with fds waiting
 * sleeps in epoll_wait and is woken by an eventfd write where reactor=0's
 * non-drivers use a futex. Without fds the two are the same code: `run
 * --runtime steal --workload cpu --set skew=0,4 --set workers=2 --set
 * reactor=0,1 --reps 5 --order shuffle --cpus 0,1`: task clock 55.4 vs 54.1
 * ms (skew=0), 54.8 vs 55.0 ms (skew=4); `run --runtime steal,coro-steal
 * --workload pingpong,pipepingpong` (same sets): pipepingpong 23.3 vs 26.6
 * us per switch (steal, cov 12%, 30%), 32.1 vs 32.8 (coro-steal); event
 * pingpong 52 vs 72 ns (cov 85%, 65%: noise). What reactor=1 is for, one
 * epoll lock per worker instead of one for all, does not show on 2
 * workers; more were not measured.
 *
 * Events: a spinlock (held for a few instructions) over count and waiters,
 * skipped with one worker (ev_lock says why that is safe and what it saved).
 * A notify puts the waiter in the notifier's LIFO slot: the woken task runs
 * on the waker's worker (Tokio's and Go's choice) and migrates from there.
 *
 * Deadlock: a worker parking that finds every worker idle, no task on any
 * ring or in the injection queue, no parked fd op and no timer anywhere
 * ends the run with -EDEADLK: nothing can make any live task runnable
 * again. A task leaves its fd queue only once it is on a ring (see park()).
 *
 * Offload (RT_OFFLOAD): the job goes to offload.c's pool and the task
 * parks on the job's eventfd like a read, in the reactor.
 *
 * Stackful tasks (coro-steal): a coroutine tries its op on its own stack
 * (rt_steal_try); if it must park it switches to its worker's scheduler
 * first, which then registers the wait (rt_steal_perform), so no other
 * worker can resume a coroutine whose stack is still in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "offload.h"
#include "steal.h"

#define INJ_EVERY 61    /* ticks between looks at the injection queue and the reactor */
#define LIFO_MAX 3      /* LIFO picks in a row */
#define MODE_RUN 0
#define MODE_FUTEX 1
#define MODE_EPOLL 2

static __thread struct rt_sworker *cur;

/* The full fence of the Dekker pair (maybe_wake, park). TSan does not
 * model fences: there, a seq_cst read-modify-write of one shared word on
 * both sides gives the same order (whichever RMW comes second sees the
 * other side's write), and TSan follows it. */
#if defined(__SANITIZE_THREAD__)
#define FULL_FENCE(s) atomic_fetch_add(&(s)->fence, 0)
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FULL_FENCE(s) atomic_fetch_add(&(s)->fence, 0)
#endif
#endif
#ifndef FULL_FENCE
#define FULL_FENCE(s) atomic_thread_fence(memory_order_seq_cst)
#endif

struct rt_sworker *rt_steal_current(void)
{
	return cur;
}

/* An event: loop.h's fields under a spinlock. count is read and written
 * with __atomic builtins (loop.h's field is plain) because a wait looks at
 * it without the lock first. */
struct st_event {
	struct rt_event ev;
	atomic_flag lk;
};

static void spin_lock(atomic_flag *f)
{
	for (unsigned i = 0; atomic_flag_test_and_set_explicit(f, memory_order_acquire); i++)
		if (i > 64) /* the holder may be preempted: let it run */
			sched_yield();
}

static void spin_unlock(atomic_flag *f)
{
	atomic_flag_clear_explicit(f, memory_order_release);
}

/* The event's lock, skipped when one worker runs: event ops come only
 * from steps, steps run only on workers, so then every one of them runs on
 * that worker's thread (and a run's workers are joined before the next
 * run sets nact). The lock's atomic exchange was most of coro-steal's
 * one-worker pingpong: three a switch (the wait's try, the notify, the
 * wait's registration), some 25 of its 40 ns by perf. */
static void ev_lock(const struct rt_sworker *w, struct st_event *e)
{
	if (w->s->nact > 1)
		spin_lock(&e->lk);
}

static void ev_unlock(const struct rt_sworker *w, struct st_event *e)
{
	if (w->s->nact > 1)
		spin_unlock(&e->lk);
}

static uint64_t ev_count(const struct st_event *e)
{
	return __atomic_load_n(&e->ev.count, __ATOMIC_RELAXED);
}

/* Under the event's lock: the lock orders the writers, the atomic store
 * only makes the wait's unlocked look a read of a whole value. */
static void ev_count_set(struct st_event *e, uint64_t n)
{
	__atomic_store_n(&e->ev.count, n, __ATOMIC_RELAXED);
}

static void futex_wait(_Atomic uint32_t *a, uint32_t val, const struct timespec *rel)
{
	syscall(SYS_futex, (uint32_t *)a, FUTEX_WAIT_PRIVATE, val, rel, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *a)
{
	syscall(SYS_futex, (uint32_t *)a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---- the injection queue ------------------------------------------------ */

static void inj_push_list(struct rt_steal *s, struct rt_queue *q)
{
	if (!q->head)
		return;
	pthread_mutex_lock(&s->inj_mu);
	if (s->inj.tail)
		s->inj.tail->next = q->head;
	else
		s->inj.head = q->head;
	s->inj.tail = q->tail;
	s->inj.len += q->len;
	atomic_store(&s->inj_len, s->inj.len);
	pthread_mutex_unlock(&s->inj_mu);
}

/* ---- the local ring ----------------------------------------------------- */

static uint32_t ring_len(struct rt_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	return t - h;
}

/* Owner only. A full ring sends half of itself and t to the injector. */
static void ring_push(struct rt_sworker *w, struct rt_task *t)
{
	struct rt_ring *r = &w->ring;
	for (;;) {
		uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
		uint32_t tl = atomic_load_explicit(&r->tail, memory_order_relaxed);
		if (tl - h < RT_STEAL_RING) {
			atomic_store_explicit(&r->buf[tl % RT_STEAL_RING], t, memory_order_relaxed);
			atomic_store_explicit(&r->tail, tl + 1, memory_order_release);
			return;
		}
		struct rt_task *half[RT_STEAL_RING / 2];
		for (uint32_t i = 0; i < RT_STEAL_RING / 2; i++)
			half[i] = atomic_load_explicit(&r->buf[(h + i) % RT_STEAL_RING], memory_order_relaxed);
		if (!atomic_compare_exchange_strong_explicit(&r->head, &h, h + RT_STEAL_RING / 2,
		                                             memory_order_acq_rel, memory_order_relaxed))
			continue; /* a thief made room meanwhile */
		struct rt_queue q;
		rt_queue_init(&q);
		for (uint32_t i = 0; i < RT_STEAL_RING / 2; i++)
			rt_queue_push(&q, half[i]);
		rt_queue_push(&q, t);
		inj_push_list(w->s, &q);
		return;
	}
}

/* Owner only. */
static struct rt_task *ring_pop(struct rt_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	for (;;) {
		uint32_t tl = atomic_load_explicit(&r->tail, memory_order_relaxed);
		if (h == tl)
			return NULL;
		struct rt_task *t = atomic_load_explicit(&r->buf[h % RT_STEAL_RING], memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&r->head, &h, h + 1, memory_order_acq_rel,
		                                          memory_order_acquire))
			return t;
	}
}

/* Takes half of v's ring (rounded up) into w's (empty) ring and returns one
 * of them to run, or NULL. */
static struct rt_task *ring_steal(struct rt_sworker *w, struct rt_sworker *v)
{
	struct rt_ring *r = &v->ring;
	struct rt_task *got[RT_STEAL_RING / 2];
	uint32_t n;
	for (;;) {
		uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
		uint32_t tl = atomic_load_explicit(&r->tail, memory_order_acquire);
		n = tl - h;
		n -= n / 2;
		if (n == 0)
			return NULL;
		if (n > RT_STEAL_RING / 2)
			continue; /* head and tail read at different times */
		for (uint32_t i = 0; i < n; i++)
			got[i] = atomic_load_explicit(&r->buf[(h + i) % RT_STEAL_RING], memory_order_relaxed);
		if (atomic_compare_exchange_strong_explicit(&r->head, &h, h + n, memory_order_acq_rel,
		                                            memory_order_relaxed))
			break;
	}
	for (uint32_t i = 0; i + 1 < n; i++)
		ring_push(w, got[i]);
	return got[n - 1];
}

/* ---- parking and waking ------------------------------------------------- */

static void kick(struct rt_steal *s, struct rt_sworker *x, int mode)
{
	if (mode == MODE_EPOLL) {
		uint64_t one = 1;
		/* fails only when already nonzero */
		ssize_t n = write(s->per_worker ? x->efd : s->efd, &one, sizeof one);
		(void)n;
	} else {
		futex_wake(&x->wake);
	}
}

/* Under s->mu. */
static struct rt_sworker *idle_pop(struct rt_steal *s, int *mode)
{
	struct rt_sworker *x = s->idle_list;
	if (!x)
		return NULL;
	s->idle_list = x->idle_next;
	x->idle = 0;
	atomic_fetch_sub(&s->nidle, 1);
	*mode = x->mode;
	atomic_store(&x->wake, 1);
	return x;
}

static void wake_one(struct rt_steal *s)
{
	int mode = MODE_FUTEX;
	pthread_mutex_lock(&s->mu);
	struct rt_sworker *x = idle_pop(s, &mode);
	pthread_mutex_unlock(&s->mu);
	if (x)
		kick(s, x, mode);
}

/* Work was published (a ring push, the injector): wake a parked worker if
 * nobody is searching already. The fence pairs with park()'s. */
static void maybe_wake(struct rt_steal *s)
{
	FULL_FENCE(s);
	if (atomic_load_explicit(&s->nsearching, memory_order_relaxed) == 0 &&
	    atomic_load_explicit(&s->nidle, memory_order_relaxed) > 0)
		wake_one(s);
}

static void stop_all(struct rt_steal *s)
{
	atomic_store(&s->stop, 1);
	struct rt_sworker *woken[RT_STEAL_WORKERS_MAX];
	int modes[RT_STEAL_WORKERS_MAX], n = 0;
	pthread_mutex_lock(&s->mu);
	for (struct rt_sworker *x; n < RT_STEAL_WORKERS_MAX && (x = idle_pop(s, &modes[n]));)
		woken[n++] = x;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < n; i++)
		kick(s, woken[i], modes[i]);
}

/* ---- the task's wait being over ----------------------------------------- */

/* t is runnable: into w's LIFO slot; the task it displaces goes to the
 * ring, where a thief may take it. */
static void ready_lifo(struct rt_sworker *w, struct rt_task *t)
{
	struct rt_task *old = w->lifo;
	rt_trace_wake(t);
	w->lifo = t;
	if (old) {
		ring_push(w, old);
		maybe_wake(w->s);
	}
}

static void ready_ring(struct rt_sworker *w, struct rt_task *t)
{
	rt_trace_wake(t);
	ring_push(w, t);
}

void rt_steal_ready(struct rt_sworker *w, struct rt_task *t)
{
	ring_push(w, t);
	maybe_wake(w->s);
}

/* ---- timers --------------------------------------------------------------- */

/* Moves v's expired timers' tasks onto w's ring: w's own (v == w), or an
 * idle w's help for a worker busy in a long step (Go steals timers the
 * same way), which only tries v's lock. */
static void fire_timers(struct rt_sworker *w, struct rt_sworker *v)
{
	uint64_t d = atomic_load_explicit(&v->tnext, memory_order_acquire);
	if (d == UINT64_MAX)
		return;
	uint64_t now = rt_loop_now_ns();
	if (d > now)
		return;
	if (v == w)
		pthread_mutex_lock(&v->tmu);
	else if (pthread_mutex_trylock(&v->tmu) != 0)
		return;
	int n = 0;
	while (v->timers.len && v->timers.v[0].deadline <= now) {
		struct rt_timer *tm = rt_heap_pop(&v->timers);
		struct rt_lrec *rec = (struct rt_lrec *)((char *)tm - offsetof(struct rt_lrec, timer));
		rec->res = 0;
		ready_ring(w, rec->task);
		n++;
	}
	atomic_store_explicit(&v->tnext, v->timers.len ? v->timers.v[0].deadline : UINT64_MAX,
	                      memory_order_release);
	pthread_mutex_unlock(&v->tmu);
	atomic_fetch_sub(&w->s->ntimers, n);
	if (n > 1)
		maybe_wake(w->s);
}

/* ---- the reactor ---------------------------------------------------------- */

/* The entry of fd, made when create and missing; NULL past the table. */
static struct rt_sfd *sfd(struct rt_steal *s, int fd, int create)
{
	size_t c = (size_t)fd / RT_SFD_CHUNK;
	if (fd < 0 || c >= RT_SFD_CHUNKS)
		return NULL;
	struct rt_sfd *p = atomic_load_explicit(&s->fds[c], memory_order_acquire);
	if (!p && create) {
		pthread_mutex_lock(&s->fdmu);
		p = atomic_load_explicit(&s->fds[c], memory_order_relaxed);
		if (!p && (p = calloc(RT_SFD_CHUNK, sizeof(*p)))) {
			for (size_t i = 0; i < RT_SFD_CHUNK; i++) {
				rt_queue_init(&p[i].rd);
				rt_queue_init(&p[i].wr);
			}
			atomic_store_explicit(&s->fds[c], p, memory_order_release);
		}
		pthread_mutex_unlock(&s->fdmu);
	}
	return p ? &p[fd % RT_SFD_CHUNK] : NULL;
}

static long sio(struct rt_sfd *e, const struct rt_op *op)
{
	unsigned char ns = atomic_load_explicit(&e->notsock, memory_order_relaxed);
	long r = rt_loop_try_io(&ns, op);
	if (ns)
		atomic_store_explicit(&e->notsock, 1, memory_order_relaxed);
	return r;
}

/* sio for an op begun when e->seq was seq (loaded with acquire before it,
 * or under fdmu): a read skips the recv that would say EAGAIN when one
 * since the last reported edge found the socket empty, and records that
 * it did (rt_sfd's dseq; rt_loop_read_empties says why a short read of a
 * stream socket means empty). An edge reported meanwhile has moved seq, so
 * a record made by a read that raced it never matches: the next read
 * tries. The poller stores hup before it moves seq (release), so a reader
 * that sees the new seq sees hup. */
static long sio_seq(struct rt_sfd *e, const struct rt_op *op, uint32_t seq)
{
	if (op->kind != RT_READ)
		return sio(e, op);
	if (atomic_load_explicit(&e->dseq, memory_order_relaxed) == seq + 1)
		return -EAGAIN;
	long r = sio(e, op);
	if (!atomic_load_explicit(&e->notsock, memory_order_relaxed) &&
	    !atomic_load_explicit(&e->hup, memory_order_relaxed) && rt_loop_read_empties(op, r))
		atomic_store_explicit(&e->dseq, seq + 1, memory_order_relaxed);
	return r;
}

/* The number fd has (or is about to have) a new file: its entry forgets
 * the old one's set and kind. Takes fdmu unless locked (the caller holds
 * it); a chunk not made yet starts so. */
static void fd_forget(struct rt_steal *s, int fd, int locked)
{
	struct rt_sfd *e = sfd(s, fd, 0);
	if (!e)
		return;
	if (!locked)
		pthread_mutex_lock(&s->fdmu);
	e->home = 0;
	atomic_store_explicit(&e->notsock, 0, memory_order_relaxed);
	atomic_store_explicit(&e->dseq, 0, memory_order_relaxed);
	atomic_store_explicit(&e->hup, 0, memory_order_relaxed);
	if (!locked)
		pthread_mutex_unlock(&s->fdmu);
}

void rt_steal_forget_fd(struct rt_steal *s, int fd)
{
	fd_forget(s, fd, 0);
}

/* op finished with r: an accepted fd is a new file whose number's entry
 * may still describe a closed one (loop.c's fd_done). Once per connection,
 * so taking fdmu here costs nothing that shows. */
static void fd_done(struct rt_steal *s, const struct rt_op *op, long r, int locked)
{
	if (op->kind == RT_ACCEPT && r >= 0)
		fd_forget(s, (int)r, locked);
}

/* Under fdmu: complete parked ops in FIFO order until one finds nothing. */
static int fd_wake(struct rt_sworker *w, struct rt_sfd *e, struct rt_queue *q)
{
	int n = 0;
	struct rt_task *t;
	while ((t = q->head)) {
		struct rt_lrec *rec = rt_lrec_of(t);
		long r = sio_seq(e, &rec->op, atomic_load_explicit(&e->seq, memory_order_relaxed));
		if (r == -EAGAIN)
			break;
		fd_done(w->s, &rec->op, r, 1);
		rt_queue_pop(q);
		rec->res = r;
		ready_ring(w, t);
		/* Only now: the deadlock check in park() must never see the
		 * task neither waiting on its fd nor on a ring (the poller
		 * may be a parked worker, counted idle). */
		atomic_fetch_sub(&w->s->fdwaiting, 1);
		n++;
	}
	return n;
}

/* Polls the epoll set epfd, whose wake eventfd is efd (timeout_ns < 0: no
 * limit); the tasks it completes go to w's ring. The caller holds the
 * driver role (the shared reactor) or the set's rmu (one per worker). Only
 * the one that blocks in the set drains efd: a worker polling another's
 * set must leave its wake-up there (level-triggered, so it stays ready). */
static void reactor_poll(struct rt_sworker *w, int epfd, int efd, int drain, int64_t timeout_ns)
{
	struct rt_steal *s = w->s;
	struct epoll_event evs[256];
	int n = -1;
	if (!s->no_pwait2) {
		struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
		n = epoll_pwait2(epfd, evs, 256, timeout_ns < 0 ? NULL : &ts, NULL);
		if (n < 0 && errno == ENOSYS)
			s->no_pwait2 = 1;
	}
	if (s->no_pwait2) {
		int ms = timeout_ns < 0 ? -1 : timeout_ns > (int64_t)INT32_MAX * 1000000 ? INT32_MAX : (int)((timeout_ns + 999999) / 1000000);
		n = epoll_wait(epfd, evs, 256, ms);
	}
	if (n <= 0)
		return;
	int woke = 0;
	pthread_mutex_lock(&s->fdmu);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		uint32_t ev = evs[i].events;
		if (fd == efd) {
			uint64_t v;
			ssize_t r = drain ? read(efd, &v, sizeof v) : 0;
			(void)r;
			continue;
		}
		struct rt_sfd *e = sfd(s, fd, 0);
		if (!e)
			continue;
		if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			atomic_store_explicit(&e->hup, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&e->seq, 1, memory_order_release);
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			woke += fd_wake(w, e, &e->rd);
		if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			woke += fd_wake(w, e, &e->wr);
	}
	pthread_mutex_unlock(&s->fdmu);
	if (woke > 1)
		maybe_wake(s);
}

/* Without blocking: the shared reactor unless a worker drives it; with a
 * reactor per worker, w's own, and when others too, every other worker's
 * whose lock is free (an idle w helps a busy one; a held lock means its
 * holder polls it, or blocks in it). */
static void poll_nonblock(struct rt_sworker *w, int others)
{
	struct rt_steal *s = w->s;
	if (atomic_load_explicit(&s->fdwaiting, memory_order_relaxed) <= 0)
		return;
	if (!s->per_worker) {
		int z = 0;
		if (atomic_compare_exchange_strong(&s->driver, &z, 1)) {
			reactor_poll(w, s->epfd, s->efd, 1, 0);
			atomic_store(&s->driver, 0);
		}
		return;
	}
	for (int i = 0; i < (others ? s->nact : 1); i++) {
		struct rt_sworker *v = &s->w[(w->idx + i) % s->nact];
		if (pthread_mutex_trylock(&v->rmu) != 0)
			continue;
		reactor_poll(w, v->epfd, v->efd, v == w, 0);
		pthread_mutex_unlock(&v->rmu);
	}
}

/* Under fdmu: op->fd joins the epoll set this park needs it in, unless it
 * is there already (e->home, see fd_park). reactor=1: the fd leaves the
 * set of the worker it was parked on last and joins w's, so each edge is
 * reported once, by one set. In one critical section: were the ADD outside
 * it, two tasks of one fd parking on two workers at once could each delete
 * the other's fresh registration and leave the fd in no set. The
 * invariant: the fd is in its home's set, or closed (which leaves every
 * set, unseen: see fd_park). An offload's eventfd is joined and never
 * recorded: a fresh file each time, parked on once and closed by
 * rt_offload_try, so recording it would save nothing, and the record left
 * after that close (another worker may get the number first) would make
 * the number's next file skip its ADD. */
static int fd_watch(struct rt_sworker *w, struct rt_sfd *e, const struct rt_op *op)
{
	struct rt_steal *s = w->s;
	int home = s->per_worker ? w->idx + 1 : 1;
	int offload = op->kind == RT_OFFLOAD;
	if (e->home == home && !offload)
		return 0;
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.fd = op->fd,
	};
	if (epoll_ctl(s->per_worker ? w->epfd : s->epfd, EPOLL_CTL_ADD, op->fd, &ev) < 0 &&
	    errno != EEXIST)
		return -errno;
	if (s->per_worker && e->home && e->home != home)
		epoll_ctl(s->w[e->home - 1].epfd, EPOLL_CTL_DEL, op->fd, NULL); /* ENOENT when closed since */
	e->home = offload ? 0 : home;
	return 0;
}

/* Parks t on e for op. 1 with *res when the op completed after all.
 * Registered once per file, as loop.c's fd_park (which says why edges,
 * and why the record must be forgotten): e->home says which epoll set
 * holds the file at this number, so a park there makes no epoll_ctl. A
 * file's last close leaves every set unseen, so the record is reset
 * wherever the number may get a new file: rt_close (rt_steal_forget_fd),
 * accept's fd (fd_done); an offload's eventfd is never recorded (fd_watch).
 * Before, every park made an epoll_ctl(ADD), EEXIST nearly every time:
 * `concbench run --runtime steal,coro-steal --workload echo --set
 * conns=100 --set requests=0 --set seconds=2 --count-syscalls --reps 3`,
 * medians, before and after in the same minutes: steal 4.02 -> 3.02
 * syscalls per request, coro-steal 4.94 -> 4.01; with --set reactor=1
 * 3.98 -> 3.02 and 5.00 -> 4.00. */
static int fd_park(struct rt_sworker *w, struct rt_sfd *e, struct rt_task *t, const struct rt_op *op,
                   long *res)
{
	struct rt_steal *s = w->s;
	for (;;) {
		uint32_t seq = atomic_load_explicit(&e->seq, memory_order_acquire);
		long r = sio_seq(e, op, seq);
		if (r != -EAGAIN) {
			fd_done(s, op, r, 0);
			*res = r;
			return 1;
		}
		pthread_mutex_lock(&s->fdmu);
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) != seq) {
			/* An edge came between the try and now: try again. */
			pthread_mutex_unlock(&s->fdmu);
			continue;
		}
		/* A fresh ADD reports a state that is ready already, so an edge
		 * before it (or one the old set had not reported yet) is not
		 * lost. */
		int err = fd_watch(w, e, op);
		if (err) {
			pthread_mutex_unlock(&s->fdmu);
			*res = err;
			return 1;
		}
		rt_lrec_of(t)->op = *op;
		rt_queue_push(op->kind == RT_WRITE ? &e->wr : &e->rd, t);
		atomic_fetch_add(&s->fdwaiting, 1);
		pthread_mutex_unlock(&s->fdmu);
		/* Nobody may be polling, and this worker has other tasks to run
		 * first: a parked worker takes the reactor. With nothing else
		 * to run, this worker polls it itself in a moment (a pipe
		 * pingpong then stays on one worker, no wake-up per switch).
		 * With a reactor per worker, the fd is in this worker's set,
		 * which it polls every INJ_EVERY ticks: a woken worker could
		 * only poll it too early. */
		if (!s->per_worker && atomic_load(&s->driver) == 0 && atomic_load(&s->nidle) > 0 &&
		    (w->lifo || ring_len(&w->ring) > 0))
			wake_one(s);
		return 0;
	}
}

/* ---- ops ------------------------------------------------------------------ */

int rt_steal_try(struct rt_sworker *w, const struct rt_op *op, long *res)
{
	switch (op->kind) {
	case RT_READ:
	case RT_WRITE:
	case RT_ACCEPT: {
		struct rt_sfd *e = sfd(w->s, op->fd, 1);
		if (!e) {
			*res = op->fd < 0 ? -EBADF : -ENOMEM;
			return 1;
		}
		long r = sio_seq(e, op, atomic_load_explicit(&e->seq, memory_order_acquire));
		if (r == -EAGAIN)
			return 0;
		fd_done(w->s, op, r, 0);
		*res = r;
		return 1;
	}
	case RT_WAIT: {
		struct st_event *e = (struct st_event *)op->ev;
		*res = 0;
		/* Nothing posted: park without the lock, the registration
		 * (perform) looks again under it. A pingpong's waits all end
		 * here, so this saves a locked exchange per switch. */
		if (!ev_count(e))
			return 0;
		int took = 0;
		ev_lock(w, e);
		uint64_t n = ev_count(e);
		if (n) {
			ev_count_set(e, n - 1);
			took = 1;
		}
		ev_unlock(w, e);
		return took;
	}
	case RT_NOTIFY: {
		struct st_event *e = (struct st_event *)op->ev;
		ev_lock(w, e);
		struct rt_task *x = rt_queue_pop(&e->ev.waiters);
		if (!x)
			ev_count_set(e, ev_count(e) + 1);
		ev_unlock(w, e);
		if (x) {
			rt_lrec_of(x)->res = 0;
			ready_lifo(w, x);
		}
		*res = 0;
		return 1;
	}
	case RT_SLEEP:
	case RT_OFFLOAD: /* never done at once; begun by perform, off the coroutine's stack */
		return 0;
	default:
		*res = -EINVAL;
		return 1;
	}
}

int rt_steal_perform(struct rt_sworker *w, struct rt_task *t, const struct rt_op *op, long *res)
{
	struct rt_lrec *rec = rt_lrec_of(t);
	struct rt_op begun;
	switch (op->kind) {
	case RT_OFFLOAD: /* to the pool; then a wait on its eventfd like a read */
		if (!(op = rt_offload_as_read(op, &begun, res)))
			return 1;
		/* fall through */
	case RT_READ:
	case RT_WRITE:
	case RT_ACCEPT: {
		struct rt_sfd *e = sfd(w->s, op->fd, 1);
		if (!e) {
			*res = op->fd < 0 ? -EBADF : -ENOMEM;
			return 1;
		}
		return fd_park(w, e, t, op, res);
	}
	case RT_SLEEP: {
		if (op->ns == 0) { /* a yield: to the back of this worker's ring */
			rec->res = 0;
			ready_ring(w, t);
			return 0;
		}
		uint64_t when = rt_loop_deadline(op->ns);
		atomic_fetch_add(&w->s->ntimers, 1);
		pthread_mutex_lock(&w->tmu);
		int err = rt_heap_push(&w->timers, &rec->timer, when);
		atomic_store_explicit(&w->tnext, w->timers.len ? w->timers.v[0].deadline : UINT64_MAX,
		                      memory_order_release);
		pthread_mutex_unlock(&w->tmu);
		if (err) {
			atomic_fetch_sub(&w->s->ntimers, 1);
			*res = err;
			return 1;
		}
		return 0;
	}
	case RT_WAIT: {
		struct st_event *e = (struct st_event *)op->ev;
		ev_lock(w, e);
		uint64_t n = ev_count(e);
		if (n) {
			ev_count_set(e, n - 1);
			ev_unlock(w, e);
			*res = 0;
			return 1;
		}
		rec->res = 0;
		rt_queue_push(&e->ev.waiters, t);
		ev_unlock(w, e); /* t may run elsewhere from here: not touched again */
		return 0;
	}
	default:
		return rt_steal_try(w, op, res);
	}
}

/* ---- spawning, finishing ------------------------------------------------- */

void rt_steal_add(struct rt_steal *s, struct rt_task *t, struct rt_lrec *rec)
{
	rec->task = t;
	rec->res = 0;
	rec->timer.idx = RT_TIMER_IDLE;
	t->priv = rec;
	atomic_fetch_add(&s->spawned, 1);
	uint64_t n = (uint64_t)atomic_fetch_add(&s->live, 1) + 1;
	uint64_t peak = atomic_load_explicit(&s->peak, memory_order_relaxed);
	while (n > peak && !atomic_compare_exchange_weak(&s->peak, &peak, n))
		;
	struct rt_sworker *w = cur;
	if (w && w->s == s) {
		ring_push(w, t);
	} else {
		struct rt_queue q;
		rt_queue_init(&q);
		rt_queue_push(&q, t);
		inj_push_list(s, &q);
	}
	if (s->running)
		maybe_wake(s);
}

void rt_steal_done(struct rt_steal *s, struct rt_task *t)
{
	if (t->release)
		t->release(t);
	atomic_fetch_add(&s->completed, 1);
	if (atomic_fetch_sub(&s->live, 1) == 1)
		stop_all(s);
}

void rt_steal_fail(struct rt_steal *s, int err, const char *limit, int reserve)
{
	pthread_mutex_lock(&s->err_mu);
	if (!s->err) {
		s->err = err;
		strncpy(s->limit, limit, sizeof(s->limit) - 1);
		s->reserve = reserve;
	}
	pthread_mutex_unlock(&s->err_mu);
}

/* ---- the worker loop ------------------------------------------------------ */

static struct rt_task *inj_take(struct rt_sworker *w)
{
	struct rt_steal *s = w->s;
	if (atomic_load_explicit(&s->inj_len, memory_order_relaxed) == 0)
		return NULL;
	/* What fits in w's ring: a push here must not overflow back into the
	 * injector, whose lock is held. */
	size_t room = RT_STEAL_RING - ring_len(&w->ring);
	pthread_mutex_lock(&s->inj_mu);
	size_t n = s->inj.len / (size_t)s->nact + 1;
	if (n > RT_STEAL_RING / 2)
		n = RT_STEAL_RING / 2;
	if (n > room + 1)
		n = room + 1;
	struct rt_task *first = rt_queue_pop(&s->inj);
	for (size_t i = 1; i < n && s->inj.head; i++)
		ring_push(w, rt_queue_pop(&s->inj));
	atomic_store(&s->inj_len, s->inj.len);
	pthread_mutex_unlock(&s->inj_mu);
	return first;
}

static struct rt_task *next_local(struct rt_sworker *w)
{
	struct rt_steal *s = w->s;
	struct rt_task *t;
	if (atomic_load_explicit(&w->tnext, memory_order_relaxed) != UINT64_MAX)
		fire_timers(w, w);
	if (++w->tick % INJ_EVERY == 0) {
		poll_nonblock(w, 0);
		if ((t = inj_take(w)))
			return t;
	}
	if (w->lifo && w->lifo_run < LIFO_MAX) {
		t = w->lifo;
		w->lifo = NULL;
		w->lifo_run++;
		return t;
	}
	w->lifo_run = 0;
	if ((t = ring_pop(&w->ring)))
		return t;
	if ((t = w->lifo)) {
		w->lifo = NULL;
		return t;
	}
	(void)s;
	return NULL;
}

static uint64_t rnd(struct rt_sworker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static struct rt_task *find_work(struct rt_sworker *w)
{
	struct rt_steal *s = w->s;
	struct rt_task *t;
	if ((t = inj_take(w)))
		return t;
	poll_nonblock(w, 1);
	for (int i = 0; i < s->nact; i++)
		fire_timers(w, &s->w[i]);
	if ((t = ring_pop(&w->ring)))
		return t;
	if (s->nact < 2)
		return NULL;
	/* At most half of the workers search at once. */
	int k = atomic_load(&s->nsearching);
	do
		if (2 * (k + 1) > s->nact)
			return NULL;
	while (!atomic_compare_exchange_weak(&s->nsearching, &k, k + 1));
	for (int round = 0; round < 2 && !t; round++) {
		int start = (int)(rnd(w) % (uint64_t)s->nact);
		for (int i = 0; i < s->nact && !t; i++) {
			struct rt_sworker *v = &s->w[(start + i) % s->nact];
			if (v != w)
				t = ring_steal(w, v);
		}
		if (!t)
			t = inj_take(w);
	}
	int was = atomic_fetch_sub(&s->nsearching, 1);
	/* The last searcher found work and left some behind: hand the search
	 * on to a parked worker. */
	if (t && was == 1 && ring_len(&w->ring) > 0)
		maybe_wake(s);
	return t;
}

static int any_work(struct rt_steal *s)
{
	if (atomic_load(&s->inj_len))
		return 1;
	for (int i = 0; i < s->nact; i++)
		if (ring_len(&s->w[i].ring))
			return 1;
	return 0;
}

static void park(struct rt_sworker *w)
{
	struct rt_steal *s = w->s;
	pthread_mutex_lock(&s->mu);
	if (atomic_load(&s->stop)) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	atomic_store(&w->wake, 0);
	w->idle = 1;
	w->idle_next = s->idle_list;
	s->idle_list = w;
	int idle = atomic_fetch_add(&s->nidle, 1) + 1;
	if (idle == s->nact && atomic_load(&s->live) > 0 && atomic_load(&s->fdwaiting) == 0 &&
	    atomic_load(&s->ntimers) == 0 && !any_work(s)) {
		/* Every worker idle, nothing on any ring or in the injector,
		 * no fd or timer that could ever wake a task: every live task
		 * waits on an event nobody is left to notify. The rings are
		 * looked at too because an idle worker is not a quiet one: the
		 * driver, parked in reactor_poll and counted idle, moves tasks
		 * from fd queues onto its own ring. It used to decrement
		 * fdwaiting before that push, and this check (without the
		 * rings) could fall in between: a false -EDEADLK, seen once
		 * under TSan in unit_loop's fd-reuse test (a read completing
		 * on the driver while the other task parks on an event). Now
		 * the push comes first, so a task is always counted somewhere;
		 * the set of idle workers cannot change meanwhile (s->mu).
		 * The same race was unit_servers' "lost wake-up": the run
		 * ended early and a client waited 10 s for its answer (4 runs
		 * in 60 before, 40 of 40 clean after; unit_loop steal
		 * coro-steal under TSan 30 of 30, a 2-core VM at load 10-15). */
		s->deadlock = 1;
		pthread_mutex_unlock(&s->mu);
		stop_all(s);
		return;
	}
	/* Shared: one parked worker drives the reactor, the others sleep on
	 * their futex. One per worker: each parked worker blocks in its own
	 * set, which nobody else blocks in, so an fd whose task parked here
	 * is always watched (by this worker running, or parked); with no fd
	 * waiting anywhere the futex, as no fd can join this worker's set
	 * while it sleeps (a park adds to the parker's own set). */
	int z = 0;
	w->mode = atomic_load(&s->fdwaiting) > 0 &&
	                          (s->per_worker || atomic_compare_exchange_strong(&s->driver, &z, 1))
	                  ? MODE_EPOLL
	                  : MODE_FUTEX;
	int mode = w->mode;
	pthread_mutex_unlock(&s->mu);

	FULL_FENCE(s);
	/* Until the earliest timer of any worker: its own may be busy. */
	int64_t timeout = -1;
	uint64_t d = UINT64_MAX;
	for (int i = 0; i < s->nact; i++) {
		uint64_t x = atomic_load_explicit(&s->w[i].tnext, memory_order_acquire);
		d = x < d ? x : d;
	}
	if (d != UINT64_MAX) {
		uint64_t now = rt_loop_now_ns();
		timeout = d <= now ? 0 : d - now > INT64_MAX ? INT64_MAX : (int64_t)(d - now);
	}
	if (timeout != 0 && !any_work(s) && !atomic_load(&s->stop)) {
		if (mode == MODE_EPOLL && s->per_worker) {
			pthread_mutex_lock(&w->rmu); /* a helper's poll is short */
			reactor_poll(w, w->epfd, w->efd, 1, timeout);
			pthread_mutex_unlock(&w->rmu);
		} else if (mode == MODE_EPOLL) {
			reactor_poll(w, s->epfd, s->efd, 1, timeout);
		} else {
			struct timespec ts = { timeout / 1000000000, timeout % 1000000000 };
			futex_wait(&w->wake, 0, timeout < 0 ? NULL : &ts);
		}
	}
	pthread_mutex_lock(&s->mu);
	if (w->idle) { /* nobody woke us: take ourselves off the list */
		struct rt_sworker **pp = &s->idle_list;
		while (*pp != w)
			pp = &(*pp)->idle_next;
		*pp = w->idle_next;
		w->idle = 0;
		atomic_fetch_sub(&s->nidle, 1);
	}
	w->mode = MODE_RUN;
	pthread_mutex_unlock(&s->mu);
	if (mode == MODE_EPOLL && !s->per_worker)
		atomic_store(&s->driver, 0);
}

static void worker_loop(struct rt_sworker *w)
{
	struct rt_steal *s = w->s;
	cur = w;
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		struct rt_task *t = next_local(w);
		if (!t)
			t = find_work(w);
		if (t)
			s->run(w, t);
		else
			park(w);
	}
	cur = NULL;
}

static void *worker_main(void *arg)
{
	struct rt_sworker *w = arg;
	struct rt_steal *s = w->s;
	pthread_mutex_lock(&s->mu);
	while (!s->go)
		pthread_cond_wait(&s->gocv, &s->mu);
	int run = w->idx < s->nact;
	pthread_mutex_unlock(&s->mu);
	if (run)
		worker_loop(w);
	return NULL;
}

int rt_steal_run(struct rt_steal *s)
{
	if (atomic_load(&s->live) == 0)
		return s->err;
	atomic_store(&s->stop, 0);
	s->deadlock = 0;
	s->running = 1;
	s->go = 0;
	s->nact = s->n;
	int made;
	for (made = 0; made < s->n; made++) {
		int e = pthread_create(&s->w[made].tid, NULL, worker_main, &s->w[made]);
		if (e) {
			/* Run with the workers made (this thread when none): every
			 * task is in the injector yet, and the run reports the
			 * failure. */
			rt_steal_fail(s, -e, "threads", 0);
			break;
		}
	}
	/* The gate: no worker runs before nact is final. */
	pthread_mutex_lock(&s->mu);
	s->nact = made ? made : 1;
	s->go = 1;
	pthread_cond_broadcast(&s->gocv);
	pthread_mutex_unlock(&s->mu);
	if (!made)
		worker_loop(&s->w[0]);
	for (int i = 0; i < made; i++)
		pthread_join(s->w[i].tid, NULL);
	s->running = 0;
	if (s->deadlock)
		return s->err ? s->err : -EDEADLK;
	return s->err;
}

/* ---- set-up --------------------------------------------------------------- */

/* An epoll set with a level-triggered wake eventfd in it: a wake written
 * before the sleeper blocks still ends its wait; the sleeper drains it. */
static int reactor_make(int *epfd, int *efd)
{
	if ((*epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	if ((*efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = *efd };
	if (epoll_ctl(*epfd, EPOLL_CTL_ADD, *efd, &ev) < 0)
		return -errno;
	return 0;
}

static void reactor_close(int *epfd, int *efd)
{
	if (*epfd >= 0)
		close(*epfd);
	if (*efd >= 0)
		close(*efd);
	*epfd = *efd = -1;
}

int rt_steal_init(struct rt_steal *s, int workers, int per_worker, const struct rt_env *env,
                  rt_steal_run_fn run)
{
	memset(s, 0, sizeof(*s));
	s->epfd = s->efd = -1;
	s->per_worker = per_worker;
	if (workers <= 0)
		workers = env && env->ncpus > 0 ? env->ncpus : 1;
	if (workers > RT_STEAL_WORKERS_MAX)
		return -EINVAL;
	s->n = s->nact = workers;
	s->run = run;
	pthread_mutex_init(&s->inj_mu, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->gocv, NULL);
	pthread_mutex_init(&s->fdmu, NULL);
	pthread_mutex_init(&s->err_mu, NULL);
	rt_queue_init(&s->inj);
	s->w = aligned_alloc(64, (size_t)workers * sizeof(*s->w));
	if (!s->w)
		return -ENOMEM;
	memset(s->w, 0, (size_t)workers * sizeof(*s->w));
	for (int i = 0; i < workers; i++) {
		s->w[i].s = s;
		s->w[i].idx = i;
		s->w[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		pthread_mutex_init(&s->w[i].tmu, NULL);
		pthread_mutex_init(&s->w[i].rmu, NULL);
		atomic_init(&s->w[i].tnext, UINT64_MAX);
		s->w[i].epfd = s->w[i].efd = -1;
	}
	if (!per_worker)
		return reactor_make(&s->epfd, &s->efd);
	for (int i = 0; i < workers; i++) {
		int err = reactor_make(&s->w[i].epfd, &s->w[i].efd);
		if (err)
			return err;
	}
	return 0;
}

void rt_steal_fini(struct rt_steal *s)
{
	if (s->w)
		for (int i = 0; i < s->n; i++) {
			rt_heap_fini(&s->w[i].timers);
			pthread_mutex_destroy(&s->w[i].tmu);
			pthread_mutex_destroy(&s->w[i].rmu);
			reactor_close(&s->w[i].epfd, &s->w[i].efd);
		}
	free(s->w);
	s->w = NULL;
	for (int i = 0; i < RT_SFD_CHUNKS; i++)
		free(atomic_load(&s->fds[i]));
	reactor_close(&s->epfd, &s->efd);
	pthread_mutex_destroy(&s->inj_mu);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->gocv);
	pthread_mutex_destroy(&s->fdmu);
	pthread_mutex_destroy(&s->err_mu);
}

void rt_steal_stats(struct rt_steal *s, struct rt_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->spawned = atomic_load(&s->spawned);
	out->completed = atomic_load(&s->completed);
	out->peak_live = atomic_load(&s->peak);
	pthread_mutex_lock(&s->err_mu);
	out->err = s->err;
	memcpy(out->limit, s->limit, sizeof(out->limit));
	out->reserve = s->reserve;
	pthread_mutex_unlock(&s->err_mu);
}

int rt_steal_event_new(struct rt_event **out)
{
	struct st_event *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ev.count = 0;
	rt_queue_init(&e->ev.waiters);
	atomic_flag_clear(&e->lk);
	*out = &e->ev;
	return 0;
}

void rt_steal_event_free(struct rt_event *ev)
{
	free((struct st_event *)ev);
}
