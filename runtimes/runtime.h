/* runtime.h — the contract between workloads and runtimes.
 *
 * A task is a small state machine. Its step() does its CPU work inline and
 * returns the next wait it needs (an rt_op). A runtime is the only code that
 * performs waits: it blocks a thread, parks a callback or yields a coroutine,
 * then calls step() again with the wait's result. Because every runtime drives
 * the same task code, a difference in the figures is the execution model.
 *
 * Dependencies point one way: workloads include this header and nothing of a
 * runtime's internals; the harness knows runtimes only through rt_registry[]
 * and their traits (below: never by name).
 *
 * Errors: functions return 0 or a negative errno.
 */
#ifndef CONCBENCH_RUNTIME_H
#define CONCBENCH_RUNTIME_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/* A declared integer parameter (of a runtime or of a workload), settable
 * with `--set name=value`. Lists end with an entry whose name is NULL. */
struct cb_param {
	const char *name;
	const char *unit; /* "tasks", "ms", "KiB", "" ... */
	const char *help;
	int64_t def, min, max;
};

enum rt_op_kind {
	RT_READ,   /* read(fd, buf, len): res = bytes (0 at EOF) or -errno */
	RT_WRITE,  /* write(fd, buf, len): res = bytes written or -errno */
	RT_ACCEPT, /* accept(fd): res = the new fd (blocking mode) or -errno */
	RT_SLEEP,  /* sleep ns nanoseconds: res = 0 */
	RT_WAIT,   /* wait on ev until its count is > 0, then take one: res = 0 */
	RT_NOTIFY, /* add one to ev's count, waking one waiter; never blocks: res = 0 */
	RT_DONE,   /* the task is finished; the runtime never touches it again
	            * except to call its release() */
	RT_OFFLOAD, /* run job->fn(job->arg) off the executor, on a blocking pool
	             * (runtimes/offload.c), the executor running other tasks
	             * meanwhile (Tokio's spawn_blocking, libuv's uv_queue_work):
	             * res = fn's return, or -errno when it could not be handed
	             * off. Runtimes whose waits block a thread of their own
	             * anyway (threads, pool, omp) call fn inline: see offload.h */
};

struct rt_event; /* opaque; each runtime defines its own */

struct rt_op {
	enum rt_op_kind kind;
	int fd;
	void *buf;
	size_t len;
	uint64_t ns;
	struct rt_event *ev;
};

/* An offloaded call (RT_OFFLOAD): the caller's storage, one in flight per
 * job. fn runs on another thread: it may touch only what the task will not
 * touch until it resumes. The rest is the runtime's. */
struct rt_offload {
	long (*fn)(void *arg);
	void *arg;
	long res;                 /* fn's return, stored before the completion */
	struct rt_offload *next;  /* the pool's queue */
	int efd;                  /* the completion: an eventfd the executor waits on */
};

struct rt_task;
/* res is the result of the previous wait (see enum rt_op_kind); 0 on the
 * first call. */
typedef struct rt_op (*rt_step_fn)(struct rt_task *t, long res);

struct rt_task {
	rt_step_fn step;
	void (*release)(struct rt_task *t); /* optional: called after RT_DONE */
	void *arg;                          /* the workload's */
	int cpu;                            /* preferred OS cpu index, -1 for any */
	int shard;                          /* with rt->shards > 1: the loop that runs it */
	/* Owned by the runtime from spawn until release: an intrusive link and a
	 * per-task pointer, so a runtime needs no allocation per task switch. */
	struct rt_task *next;
	void *priv;
};

/* What a runtime is told about the run: the CPUs of its cpuset (the harness
 * has already bound the process there with hwloc). */
struct rt_env {
	int ncpus;
	const int *cpus; /* OS indexes */
	/* The reserve the harness leaves the machine (harness/measure/mem.c):
	 * a runtime that makes a thread per task has at most max_threads of
	 * them alive (0: no cap) and stops making them while MemAvailable is
	 * under mem_floor_kib (0: no floor); either fails the run like the
	 * kernel's own refusal, with limit naming the resource (threads_limit,
	 * or "memory") and rt_stats.reserve set. Why here and not a cgroup's
	 * pids.max: a cgroup with the pids controller cannot be made on every
	 * machine (cgroup v2 delegates controllers only to cgroups without
	 * processes; containers often mount it read-only), while a count in
	 * the runtime works everywhere, as root too (RLIMIT_NPROC does not bind
	 * root), and names the limit it stands for. Only thread-per-task
	 * runtimes can take a PID per task: the others make a fixed few. The
	 * memory floor binds threads and the coroutine runtimes (a stack a
	 * task); epoll's tasks are the workload's own state. */
	uint64_t max_threads;
	const char *threads_limit;
	uint64_t mem_floor_kib;
	/* Where create() says why the model cannot run on this machine at all
	 * (io_uring off or missing): it then returns RT_UNAVAILABLE, and the
	 * harness records the cell as skipped with that reason, not failed
	 * (tests exit 77). NULL: nowhere to say it. */
	char *why;
	size_t why_len;
};
/* create()'s answer when the machine lacks what the model needs (the
 * reason in env->why); no other create() returns it. */
#define RT_UNAVAILABLE (-95) /* -EOPNOTSUPP */
/* MemAvailable from /proc/meminfo in KiB, 0 when unreadable: what a runtime
 * holds mem_floor_kib against. One read of a ~1.5 KiB file, some 20 us:
 * call it every few hundred creations, not each (runtimes/blocking.c). */
uint64_t rt_mem_available_kib(void);

/* How far a run got. When spawning failed, limit names what stopped it
 * ("threads-max", "kernel.pid_max", "vm.max_map_count", "RLIMIT_NPROC", "pids.max", "memory",
 * "RLIMIT_NOFILE"...) and err holds the negative errno. */
struct rt_stats {
	uint64_t spawned;
	uint64_t completed;
	uint64_t peak_live;
	int err;
	char limit[48];
	int reserve; /* limit is the harness's reserve (rt_env), not the kernel's */
};

/* The instance header every runtime embeds first in its own state. */
struct rt {
	const struct runtime *ops;
	/* How many tasks can be in progress at once: 0 when the model has no cap
	 * of its own (limits of the kernel aside); the pool sets its worker
	 * count. A workload must not make more tasks than this wait for each
	 * other, or it deadlocks the runtime. */
	uint64_t max_concurrency;
	/* Independent schedulers (epoll's loops=N, one per core): a task runs
	 * on loop t->shard % shards. 1 for every other runtime. A runtime sets
	 * it in create(); 0 reads as 1. */
	int shards;
};

/* Traits: what kind of model a runtime is, stated by the runtime itself, so
 * the harness's judgements that depend on the model go by what it is, not
 * by its name, and a new runtime is summarised and judged by its own. 0 is
 * "not stated": the harness then assumes one CPU, checks no switch count
 * and counts the runtime on no side of a claim. */

/* How many CPUs it keeps busy: the threads that run tasks. The CPU
 * efficiency divides by it (the cell's CPUs at most), the claims' single
 * executor is the runtime with one, thread-per-core the one with several
 * event loops. */
enum rt_cpus {
	RT_CPUS_ALL = 1, /* a thread per task: every CPU of the cell */
	RT_CPUS_PARAM,   /* a fixed set of threads, as many as the parameter named
	                  * cpus_param says, 0 meaning one per CPU: a pool's
	                  * workers, epoll's loops */
	RT_CPUS_ONE,     /* one thread runs every task */
};

/* How one task hands the CPU to another. It sets how many context switches
 * a pingpong round trip must count (two with the kernel, none in user
 * space), and which side of the switch-cost claims it is on. */
enum rt_switch {
	RT_SWITCH_KERNEL = 1, /* a kernel thread switch: a futex wake and a
	                       * sleep; a waiting task holds its thread */
	RT_SWITCH_STACK,      /* a user-space stack switch, hand-written:
	                       * registers only */
	RT_SWITCH_UCONTEXT,   /* a user-space stack switch by ucontext's
	                       * swapcontext, which also makes a syscall
	                       * (sigprocmask) per switch */
	RT_SWITCH_CALLBACK,   /* stackless: the step returns to the event loop,
	                       * which calls the next task's */
};

/* How a read of a regular file waits. Regular files have no readiness
 * (epoll cannot wait on one), so by default (0) the read is made by the
 * thread that runs the task, which it blocks: on an event loop, every task
 * of the loop with it (claim C9 is about that stall). */
enum rt_files {
	RT_FILES_INLINE = 0,
	RT_FILES_ASYNC, /* the kernel reads while the executor runs other tasks (io_uring) */
};

/* The vtable: every runtime implements these and nothing more is public. */
struct runtime {
	const char *name;
	const char *desc;
	const struct cb_param *params; /* values arrive in this order */
	/* Traits (above). A kernel-switching runtime with RT_CPUS_PARAM caps
	 * concurrency: every task in progress holds one of its threads. */
	enum rt_cpus cpus;
	const char *cpus_param; /* RT_CPUS_PARAM: the name of one of params */
	enum rt_switch switches;
	/* 1: a task may move between the threads (work stealing: steal,
	 * coro-steal), so several threads are not thread-per-core loops. */
	int steals;
	enum rt_files files;
	int (*create)(struct rt **out, const struct rt_env *env, const int64_t *params);
	/* Before run() or from inside a running task's step(); thread-safe. */
	int (*spawn)(struct rt *rt, struct rt_task *t);
	/* Runs until every spawned task is done. Returns 0, or a negative errno
	 * when a task could not be started or the run could not go on
	 * (-EDEADLK when every worker is blocked and no progress is possible). */
	int (*run)(struct rt *rt);
	void (*destroy)(struct rt *rt);
	int (*event_new)(struct rt *rt, struct rt_event **out);
	void (*event_free)(struct rt *rt, struct rt_event *ev);
	void (*stats)(struct rt *rt, struct rt_stats *out);
	/* Optional (NULL: nothing to do): fd is about to be closed; see
	 * rt_close. The event loops keep each waited-on fd registered with
	 * the kernel and must learn that its number may come back as another
	 * file. */
	void (*forget_fd)(struct rt *rt, int fd);
};

/* NULL-terminated, in runtimes/registry.c. */
extern const struct runtime *const rt_registry[];
const struct runtime *rt_find(const char *name);

/* How many threads run tasks, by the traits: RT_THREADS_PER_TASK for a
 * thread per task, value for RT_CPUS_PARAM (cpus_param's value; 0 means
 * one per CPU: ncpus), else 1. The harness holds a runtime's parameters in
 * its own forms, so it looks the value up itself. Measure (the switch
 * check) and analysis (efficiency, the claims) both need this and may not
 * call each other: it lives here. */
#define RT_THREADS_PER_TASK INT64_MAX
static inline int64_t rt_task_threads(const struct runtime *rt, int64_t value, int64_t ncpus)
{
	switch (rt->cpus) {
	case RT_CPUS_ALL: return RT_THREADS_PER_TASK;
	case RT_CPUS_PARAM: return value > 0 ? value : ncpus;
	default: return 1;
	}
}

static inline int rt_spawn(struct rt *rt, struct rt_task *t)
{
	return rt->ops->spawn(rt, t);
}
/* Closes an fd a task has waited on (read, write, accept), from a step or
 * outside run(). A plain close() of such an fd while the run goes on breaks
 * the contract when a task later waits on a new file that gets the same
 * number: an event loop that keeps registrations (epoll, coro, steal,
 * coro-steal, uv) is never told about that file, and its task waits forever.
 * As with close() itself, no other task's op on fd may still be in flight:
 * the peer of a read that has returned may not have had its write's result
 * yet, and the runtime may still be recording what it learnt of the old
 * file. 0 or -errno. */
static inline int rt_close(struct rt *rt, int fd)
{
	if (rt->ops->forget_fd)
		rt->ops->forget_fd(rt, fd);
	return close(fd) < 0 ? -errno : 0;
}
static inline int rt_event_new(struct rt *rt, struct rt_event **ev)
{
	return rt->ops->event_new(rt, ev);
}
static inline void rt_event_free(struct rt *rt, struct rt_event *ev)
{
	rt->ops->event_free(rt, ev);
}

/* Op constructors, so a step reads as `return rt_wait(ev);`. */
static inline struct rt_op rt_op_read(int fd, void *buf, size_t len)
{
	return (struct rt_op){ .kind = RT_READ, .fd = fd, .buf = buf, .len = len };
}
static inline struct rt_op rt_op_write(int fd, const void *buf, size_t len)
{
	return (struct rt_op){ .kind = RT_WRITE, .fd = fd, .buf = (void *)buf, .len = len };
}
static inline struct rt_op rt_op_accept(int fd)
{
	return (struct rt_op){ .kind = RT_ACCEPT, .fd = fd };
}
static inline struct rt_op rt_op_sleep(uint64_t ns)
{
	return (struct rt_op){ .kind = RT_SLEEP, .fd = -1, .ns = ns };
}
static inline struct rt_op rt_op_wait(struct rt_event *ev)
{
	return (struct rt_op){ .kind = RT_WAIT, .fd = -1, .ev = ev };
}
static inline struct rt_op rt_op_notify(struct rt_event *ev)
{
	return (struct rt_op){ .kind = RT_NOTIFY, .fd = -1, .ev = ev };
}
static inline struct rt_op rt_op_offload(struct rt_offload *job)
{
	return (struct rt_op){ .kind = RT_OFFLOAD, .fd = -1, .buf = job };
}
static inline struct rt_op rt_op_done(void)
{
	return (struct rt_op){ .kind = RT_DONE, .fd = -1 };
}

#endif
