/* trace.c — the recorder behind trace.h: a buffer per thread, merged and
 * numbered only when written. */
#define _GNU_SOURCE /* sched_getcpu, gettid */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

_Atomic int rt_trace_on;

/* One thread's events. Buffers stay on the list after their thread exits
 * (the threads runtime's threads are gone by the time the trace is
 * written) and are freed by the next start or reset. */
struct tbuf {
	struct tbuf *next;
	pid_t tid;
	size_t n, cap;
	uint64_t dropped;
	struct rt_trace_ev ev[];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct tbuf *bufs;
static size_t per_thread;
static _Atomic uint64_t gen;         /* a start makes every thread's buffer stale */
static _Atomic uint64_t lost;        /* events of threads that got no buffer */
/* The calling thread's buffer and the generation it was made in, kept
 * apart: a start or reset frees every buffer, so a stale one's own gen
 * may not be read (ASan: a use after free, once a thread traced two runs). */
static _Thread_local struct tbuf *mine;
static _Thread_local uint64_t mine_gen;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct tbuf *buf_get(void)
{
	uint64_t g = atomic_load_explicit(&gen, memory_order_acquire);
	if (mine && mine_gen == g)
		return mine;
	pthread_mutex_lock(&mu);
	struct tbuf *b = malloc(sizeof *b + per_thread * sizeof b->ev[0]);
	if (b) {
		*b = (struct tbuf){ .next = bufs, .tid = gettid(), .cap = per_thread };
		bufs = b;
	}
	pthread_mutex_unlock(&mu);
	mine = b;
	mine_gen = g;
	return b;
}

void rt_trace_record(const struct rt_task *t, int kind, int op)
{
	struct tbuf *b = buf_get();
	if (!b) {
		atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
		return;
	}
	if (b->n == b->cap) {
		b->dropped++;
		return;
	}
	b->ev[b->n++] = (struct rt_trace_ev){ .t_ns = now_ns(), .task = t, .cpu = sched_getcpu(),
	                                      .kind = (uint8_t)kind, .op = (uint8_t)op };
}

struct rt_op rt_trace_step(struct rt_task *t, long res)
{
	rt_trace_record(t, RT_TRACE_RUN, 0);
	struct rt_op op = t->step(t, res);
	/* After RT_DONE the task may be freed by its release(): only its
	 * address is kept, never read. */
	rt_trace_record(t, RT_TRACE_STOP, op.kind);
	return op;
}

static void free_bufs(void)
{
	while (bufs) {
		struct tbuf *n = bufs->next;
		free(bufs);
		bufs = n;
	}
}

int rt_trace_start(size_t n)
{
	if (n == 0)
		return -EINVAL;
	pthread_mutex_lock(&mu);
	free_bufs();
	per_thread = n;
	atomic_store(&lost, 0);
	atomic_fetch_add_explicit(&gen, 1, memory_order_release);
	pthread_mutex_unlock(&mu);
	atomic_store_explicit(&rt_trace_on, 1, memory_order_relaxed);
	return 0;
}

void rt_trace_stop(void)
{
	atomic_store_explicit(&rt_trace_on, 0, memory_order_relaxed);
}

void rt_trace_reset(void)
{
	rt_trace_stop();
	pthread_mutex_lock(&mu);
	free_bufs();
	atomic_fetch_add_explicit(&gen, 1, memory_order_release);
	pthread_mutex_unlock(&mu);
}

uint64_t rt_trace_count(uint64_t *dropped)
{
	uint64_t n = 0, d = atomic_load(&lost);
	pthread_mutex_lock(&mu);
	for (struct tbuf *b = bufs; b; b = b->next) {
		n += b->n;
		d += b->dropped;
	}
	pthread_mutex_unlock(&mu);
	if (dropped)
		*dropped = d;
	return n;
}

/* ---- writing ---- */

struct row {
	const struct rt_trace_ev *ev;
	const struct tbuf *b;
	size_t seq; /* its place in its thread's buffer: ties keep that order */
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->ev->t_ns != y->ev->t_ns)
		return x->ev->t_ns < y->ev->t_ns ? -1 : 1;
	if (x->b != y->b)
		return x->b->tid < y->b->tid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *const op_names[] = {
	[RT_READ] = "read", [RT_WRITE] = "write", [RT_ACCEPT] = "accept", [RT_SLEEP] = "sleep",
	[RT_WAIT] = "wait", [RT_NOTIFY] = "notify", [RT_DONE] = "done", [RT_OFFLOAD] = "offload",
};
static const char *const kind_names[] = { "run", "stop", "wake" };

/* A task's number: by first appearance. A task that finished frees its
 * number's address, so a later task allocated at the same address (a new
 * connection) gets a number of its own. */
struct tid_map {
	const struct rt_task *task;
	long id;
	int live;
};

int rt_trace_write(FILE *f)
{
	pthread_mutex_lock(&mu);
	size_t n = 0, nthreads = 0;
	for (struct tbuf *b = bufs; b; b = b->next) {
		n += b->n;
		nthreads++;
	}
	struct row *rows = malloc((n ? n : 1) * sizeof *rows);
	struct tid_map *tasks = malloc((n ? n : 1) * sizeof *tasks);
	const struct tbuf **threads = malloc((nthreads ? nthreads : 1) * sizeof *threads);
	if (!rows || !tasks || !threads) {
		pthread_mutex_unlock(&mu);
		free(rows);
		free(tasks);
		free(threads);
		return -ENOMEM;
	}
	size_t k = 0;
	for (struct tbuf *b = bufs; b; b = b->next)
		for (size_t i = 0; i < b->n; i++)
			rows[k++] = (struct row){ .ev = &b->ev[i], .b = b, .seq = i };
	qsort(rows, n, sizeof *rows, row_cmp);

	size_t ntasks = 0, nth = 0;
	long next_id = 0;
	uint64_t t0 = n ? rows[0].ev->t_ns : 0;
	fputs("t_ns,thread,tid,cpu,task,event,op\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct rt_trace_ev *e = rows[i].ev;
		size_t th = 0;
		while (th < nth && threads[th] != rows[i].b)
			th++;
		if (th == nth)
			threads[nth++] = rows[i].b;
		size_t j = ntasks;
		while (j > 0 && !(tasks[j - 1].live && tasks[j - 1].task == e->task))
			j--;
		if (j == 0) {
			tasks[ntasks++] = (struct tid_map){ e->task, next_id++, 1 };
			j = ntasks;
		}
		long id = tasks[j - 1].id;
		if (e->kind == RT_TRACE_STOP && e->op == RT_DONE)
			tasks[j - 1].live = 0;
		fprintf(f, "%llu,%zu,%d,%d,%ld,%s,%s\n", (unsigned long long)(e->t_ns - t0), th,
		        (int)rows[i].b->tid, e->cpu, id, kind_names[e->kind < 3 ? e->kind : 0],
		        e->kind == RT_TRACE_STOP && (size_t)e->op < sizeof op_names / sizeof op_names[0] &&
		                op_names[e->op]
		            ? op_names[e->op]
		            : "");
	}
	pthread_mutex_unlock(&mu);
	free(rows);
	free(tasks);
	free(threads);
	return fflush(f) != 0 || ferror(f) ? -EIO : 0;
}
