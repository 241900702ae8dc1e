/* offload.c — the blocking pool of RT_OFFLOAD (see offload.h): up to
 * offload_threads threads (rt_offload_size; RT_OFFLOAD_THREADS until a
 * runtime sets it), made on demand and kept for the process, over
 * one FIFO queue under a mutex. A job's completion is an eventfd write, so
 * each runtime learns of it through what it already waits on (epoll, an
 * io_uring read), as libuv's uv_queue_work signals its loop through an
 * async handle: no runtime needs a new cross-thread wake-up path.
 *
 * Why one process-wide pool and not one per runtime instance: the pool's
 * threads outlive a cell's runtime (a job still running when a failed run
 * is torn down must not find its pool gone), and a cell runs one runtime
 * at a time. Cost of a hand-off: an eventfd (made and closed per job), a
 * mutex and a condition variable signal, the pool thread's wake-up, the
 * eventfd write, the executor's reactor wake-up and read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "offload.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct rt_offload *head, *tail;
static int nthreads, nidle, maxthreads = RT_OFFLOAD_THREADS;
/* rt_offload_cpus' set, and how many times it was set: a pool thread
 * compares the count with the one it last applied when it takes a job. */
static cpu_set_t pool_cpus;
static unsigned pool_cpus_gen;

void rt_offload_cpus(const void *set, size_t size)
{
	pthread_mutex_lock(&mu);
	CPU_ZERO(&pool_cpus);
	memcpy(&pool_cpus, set, size < sizeof pool_cpus ? size : sizeof pool_cpus);
	pool_cpus_gen++;
	pthread_mutex_unlock(&mu);
}

int rt_offload_size(int64_t n)
{
	if (n < 1 || n > RT_OFFLOAD_THREADS_MAX)
		return -EINVAL;
	pthread_mutex_lock(&mu);
	maxthreads = (int)n;
	/* Idle threads above the size look again and end (pool_main). */
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

static void *pool_main(void *arg)
{
	(void)arg;
	unsigned gen = 0; /* no set applied: the creator's affinity */
	pthread_mutex_lock(&mu);
	for (;;) {
		while (!head) {
			if (nthreads > maxthreads) { /* the size was lowered */
				nthreads--;
				pthread_mutex_unlock(&mu);
				return NULL;
			}
			nidle++;
			pthread_cond_wait(&cv, &mu);
			nidle--;
		}
		struct rt_offload *j = head;
		head = j->next;
		if (!head)
			tail = NULL;
		cpu_set_t set;
		int move = gen != pool_cpus_gen;
		if (move) {
			set = pool_cpus;
			gen = pool_cpus_gen;
		}
		pthread_mutex_unlock(&mu);
		/* A set that fails (no CPU of it allowed any more) leaves the
		 * thread where it was: placement, not correctness. */
		if (move)
			pthread_setaffinity_np(pthread_self(), sizeof set, &set);
		long r = j->fn(j->arg);
		int efd = j->efd; /* read before the release below: see rt_offload_try */
		/* Release: the executor reads res (acquire) after the eventfd,
		 * and with it whatever fn wrote; TSan sees the pair. j is not
		 * touched after the write: the task may resume and reuse it. */
		__atomic_store_n(&j->res, r, __ATOMIC_RELEASE);
		uint64_t one = 1;
		ssize_t n = write(efd, &one, sizeof one);
		(void)n;
		pthread_mutex_lock(&mu);
	}
	return NULL;
}

int rt_offload_begin(struct rt_op *op)
{
	struct rt_offload *j = op->buf;
	if (!j || !j->fn)
		return -EINVAL;
	j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->efd < 0)
		return -errno;
	j->next = NULL;
	__atomic_store_n(&j->res, 0, __ATOMIC_RELAXED);
	op->fd = j->efd;
	pthread_mutex_lock(&mu);
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	int err = 0;
	if (nidle == 0 && nthreads < maxthreads) {
		/* Pool threads take no signals: the process's handlers run on
		 * the threads that expect them. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_t tid;
		err = pthread_create(&tid, &a, pool_main, NULL);
		pthread_attr_destroy(&a);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!err)
			nthreads++;
		else if (nthreads > 0)
			err = 0; /* the threads there are will take it */
	}
	if (err) { /* no thread at all: take the job back */
		head = tail = NULL;
		pthread_mutex_unlock(&mu);
		close(j->efd);
		j->efd = -1;
		return -err;
	}
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

long rt_offload_try(const struct rt_op *op)
{
	struct rt_offload *j = op->buf;
	uint64_t v;
	ssize_t n;
	while ((n = read(j->efd, &v, sizeof v)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	/* The acquire first: it orders the pool thread's last look at j
	 * (its read of efd) before this thread writes j again. */
	long r = __atomic_load_n(&j->res, __ATOMIC_ACQUIRE);
	close(j->efd);
	j->efd = -1;
	return r;
}

long rt_offload_inline(const struct rt_op *op)
{
	struct rt_offload *j = op->buf;
	if (!j || !j->fn)
		return -EINVAL;
	return j->fn(j->arg);
}
