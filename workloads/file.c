/* file — `tasks` tasks read a regular file the workload creates, in blocks
 * of `block_kib`, each through its own fd with RT_READ, and checksum what
 * they read. Each task reads its 1/tasks share (a contiguous run of whole
 * blocks), so the bytes read are the file's size whatever the task count
 * and MiB/s compares across counts.
 *
 * A regular file is always "ready" to epoll (it cannot even be registered),
 * so each runtime does what its model does: threads and pool block the
 * task's thread in read(), and others run meanwhile; the event loop and the
 * coroutine scheduler just call read(), which returns data at once from the
 * page cache, or blocks the one thread (and every other task) while the
 * device reads. That difference is the measured point.
 *
 * The page cache: with cold=1 (default), setup writes the file back
 * (fdatasync) and drops its pages with posix_fadvise(POSIX_FADV_DONTNEED),
 * which works on one's own file without root (unlike
 * /proc/sys/vm/drop_caches, which would also hit every other process), so
 * the reads go to the device. It drops nothing on tmpfs or where pages are
 * mapped: the metric cached_pct (mincore, just before the run) says what
 * share was still in memory. cold=0 measures reads from memory.
 *
 * The file lives in $TMPDIR (or /tmp) with no name from its creation on
 * (wl_tmpfile: O_TMPFILE, else mkstemp and unlink), so a cell killed while
 * it writes up to file_mib leaves nothing behind; each task opens it again
 * through /proc/self/fd for a file offset of its own.
 * Word i (64-bit, little-endian in memory) of the file is mix64(i + 1); the
 * checksum is the sum of every word read plus the bytes read, which
 * tests/conformance.c computes without the file.
 *
 * direct=1: random reads that can show the stall. Contiguous reads overlap
 * through readahead, and a cold file on a virtual machine is likely served
 * from the host's cache, so MiB/s alone cannot show a loop blocked in
 * read(). Here each read is of one whole block at a random block-aligned
 * offset (block index mix64(FILE_SEED + (task << 32) + k) mod the file's
 * whole blocks, for the task's k-th read; lseek, then RT_READ: the
 * contract has no pread), through an fd opened with O_DIRECT into a
 * 4096-aligned buffer, so no page cache and no readahead: every read waits
 * for the device. Each task makes its share of the file's whole blocks in
 * reads, so the bytes read are the file's whole blocks again. The checksum
 * is the same formula over the blocks read; it depends on the task count,
 * never on the runtime or the order. The file's pages are written back
 * and dropped first, whatever cold says. Where O_DIRECT cannot be had
 * (tmpfs and ramfs keep files in memory, and tmpfs even accepts O_DIRECT
 * there; a filesystem refusing the flag; a block smaller than the device's)
 * the same reads go through the page cache: the metric direct_used says
 * 0, and a note on stderr says why.
 *
 * The timer (timer_us > 0): a task spawned first that sleeps until the
 * next tick of a fixed timer_us schedule, again and again while the reads
 * run, and records how late each tick was served: the runtime's answer to
 * "a timer, a heartbeat, a request due now" while files are read. Every
 * tick due before the last read ended counts, at the time the timer got
 * to run: one late wake that overslept ten ticks records ten lateness
 * figures, not one, so a runtime that stalls is not under-sampled (the
 * load generator's intended-send-time rule). On threads it has a thread of
 * its own, on the pool a worker of its own (spawned first, it is the first
 * a worker takes; the readers share the other workers; a pool of one
 * worker gets no timer, since a sleeper holding the only worker would wait
 * for readers that never run), on epoll (loop 0) and coro it shares the
 * thread that blocks in read(): that is what it measures.
 *
 * offload=1: each read is handed to the runtime's blocking pool
 * (RT_OFFLOAD), the cure libuv applies to every file read (uv_fs_read on
 * its thread pool): the loop runs the timer while a pool thread waits for
 * the device, and the read costs a hand-off. The lseek stays in the step;
 * the pool's thread does the read() at that offset. Same reads, same
 * checksum. threads, pool and omp read inline either way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "workload.h"

static const struct cb_param file_params[] = {
	{ "file_mib", "MiB", "size of the file read", 64, 1, 65536 },
	{ "block_kib", "KiB", "bytes per read", 64, 1, 65536 },
	{ "tasks", "tasks", "readers, each through its own fd, each its share of the file", 8, 1, 10000 },
	{ "cold", "", "1: drop the file's pages from the page cache before the run; 0: read from memory", 1, 0, 1 },
	{ "direct", "", "1: each read a random whole block with O_DIRECT (no page cache, no readahead); 0: shares in order", 0, 0, 1 },
	{ "timer_us", "us", "period of a timer task that measures how late the runtime wakes it during the reads; 0: none", 1000, 0, 1000000 },
	{ "offload", "", "1: each read goes to the runtime's blocking pool (RT_OFFLOAD: libuv's way with files), 0: the executor reads", 0, 0, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

/* The direct mode's random sequence: fixed, so the checksum is too. */
#define FILE_SEED 0x5eedf11eull
/* O_DIRECT wants the buffer aligned to the device's logical block: 4096
 * covers every common one. */
#define FILE_ALIGN 4096

struct reader {
	struct rt_task t;
	struct file_state *s;
	int fd;
	int started;
	uint64_t idx;  /* the task's index: direct=1 draws its blocks from it */
	uint64_t left; /* bytes of its share not read yet */
	uint64_t k;    /* direct=1: reads started */
	size_t want, got; /* the block being filled */
	struct rt_offload job; /* offload=1: the read in flight on the pool */
	uint64_t sum, reads, bytes;
	char *buf;
};

/* The co-resident timer (see the top): ticks at t0 + k·period. */
struct ftimer {
	struct rt_task t;
	struct file_state *s;
	uint64_t period, t0, k;
	uint64_t *late; /* ns late, one per tick counted */
	size_t n, cap;
	int lost;       /* a tick not recorded for want of memory */
};

struct file_state {
	int64_t file_mib, block_kib, tasks;
	int direct;     /* asked for */
	int offload;    /* reads through RT_OFFLOAD */
	int direct_used; /* got: the reads bypass the page cache */
	size_t blk;
	uint64_t nblk;  /* direct=1: whole blocks in the file */
	struct reader *r;
	struct ftimer *timer; /* NULL: none */
	double cached_pct;
	_Atomic uint64_t first_start, last_end;
	_Atomic uint64_t sum, reads, bytes;
	_Atomic int64_t done;
	_Atomic int err;
};

static void note_end(struct file_state *s)
{
	uint64_t end = wl_now_ns(), last = atomic_load(&s->last_end);
	while (end > last && !atomic_compare_exchange_weak(&s->last_end, &last, end))
		;
}

static struct rt_op reader_end(struct reader *r, int err)
{
	struct file_state *s = r->s;
	if (err) {
		int zero = 0;
		atomic_compare_exchange_strong(&s->err, &zero, err);
	}
	atomic_fetch_add(&s->sum, r->sum);
	atomic_fetch_add(&s->reads, r->reads);
	atomic_fetch_add(&s->bytes, r->bytes);
	/* The end before the count: the timer, seeing the count complete,
	 * reads the last end as final. */
	note_end(s);
	atomic_fetch_add(&s->done, 1);
	return rt_op_done();
}

/* offload=1: the read on the blocking pool, at the fd's offset (set by
 * the step before: the task touches neither fd nor buffer until it
 * resumes), with read()'s result as RT_READ gives it. */
static long pool_read(void *arg)
{
	struct reader *r = arg;
	ssize_t n;
	do
		n = read(r->fd, r->buf + r->got, r->want - r->got);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (long)n;
}

/* Reads the rest of the block being filled: by the executor (RT_READ), or
 * with offload=1 by the runtime's blocking pool, so that an event loop
 * runs its other tasks (the timer) while the device reads: how libuv reads
 * files (uv_fs_read on its thread pool). */
static struct rt_op read_rest(struct reader *r)
{
	if (r->s->offload) {
		r->job = (struct rt_offload){ .fn = pool_read, .arg = r };
		return rt_op_offload(&r->job);
	}
	return rt_op_read(r->fd, r->buf + r->got, r->want - r->got);
}

/* The next block: whole blocks, and the share's tail; direct=1, a random
 * whole block, the file offset set first (the step's own syscall: it never
 * waits, and the contract's RT_READ reads at the offset). */
static struct rt_op next_block(struct reader *r)
{
	struct file_state *s = r->s;
	r->want = r->left < s->blk ? (size_t)r->left : s->blk;
	r->got = 0;
	if (s->direct) {
		uint64_t b = wl_mix64(FILE_SEED + (r->idx << 32) + r->k++) % s->nblk;
		if (lseek(r->fd, (off_t)(b * s->blk), SEEK_SET) < 0)
			return reader_end(r, -errno);
	}
	return read_rest(r);
}

static struct rt_op reader_step(struct rt_task *t, long res)
{
	struct reader *r = t->arg;
	struct file_state *s = r->s;
	if (!r->started) {
		r->started = 1;
		uint64_t now = wl_now_ns(), first = 0;
		/* The earliest start (not the first to CAS) is the start. */
		if (!atomic_compare_exchange_strong(&s->first_start, &first, now))
			while (now < first && !atomic_compare_exchange_weak(&s->first_start, &first, now))
				;
		if (r->left == 0)
			return reader_end(r, 0);
		return next_block(r);
	}
	if (res <= 0) /* an error, or the file ended before the share did */
		return reader_end(r, res < 0 ? (int)res : -EIO);
	r->reads++;
	r->got += (size_t)res;
	if (r->got < r->want) /* a short read: fill the block first, so words never straddle reads */
		return read_rest(r);
	uint64_t sum = 0;
	const uint64_t *w = (const uint64_t *)r->buf;
	for (size_t i = 0; i < r->want / 8; i++) /* shares and blocks are multiples of 1 KiB */
		sum += w[i];
	r->sum += sum;
	r->bytes += r->want;
	r->left -= r->want;
	if (r->left == 0)
		return reader_end(r, 0);
	return next_block(r);
}

static void timer_record(struct ftimer *tm, uint64_t late)
{
	if (tm->n == tm->cap) {
		size_t cap = tm->cap ? 2 * tm->cap : 4096;
		uint64_t *v = realloc(tm->late, cap * sizeof *v);
		if (!v) {
			tm->lost = 1;
			return;
		}
		tm->late = v;
		tm->cap = cap;
	}
	tm->late[tm->n++] = late;
}

static struct rt_op timer_step(struct rt_task *t, long res)
{
	(void)res;
	struct ftimer *tm = t->arg;
	struct file_state *s = tm->s;
	uint64_t now = wl_now_ns();
	int over = atomic_load(&s->done) == s->tasks;
	if (!tm->t0) {
		if (over)
			return rt_op_done();
		tm->t0 = now;
		tm->k = 1;
		return rt_op_sleep(tm->period);
	}
	/* Every tick due by now (once the reads are over: by their end) was
	 * served now. */
	uint64_t until = over ? atomic_load(&s->last_end) : now;
	for (uint64_t due; (due = tm->t0 + tm->k * tm->period) <= until; tm->k++)
		timer_record(tm, now > due ? now - due : 0);
	if (over)
		return rt_op_done();
	return rt_op_sleep(tm->t0 + tm->k * tm->period - now);
}

/* Writes the file: word i is mix64(i + 1). 1 MiB at a time. */
static int fill(int fd, uint64_t size)
{
	const size_t chunk = 1 << 20;
	uint64_t *buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	int err = 0;
	for (uint64_t off = 0; off < size && !err; off += chunk) {
		for (size_t i = 0; i < chunk / 8; i++)
			buf[i] = wl_mix64(off / 8 + i + 1);
		for (size_t done = 0; done < chunk;) {
			ssize_t n = pwrite(fd, (char *)buf + done, chunk - done, (off_t)(off + done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? -errno : -EIO;
				break;
			}
			done += (size_t)n;
		}
	}
	free(buf);
	return err;
}

/* Percent of the file's pages in the page cache now (mincore on a mapping
 * of it); -1 if it cannot tell. The mapping is gone before the run. */
static double cached_pct(int fd, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (size + (uint64_t)page - 1) / (uint64_t)page;
	unsigned char *vec = malloc(pages);
	double pct = -1;
	if (vec && mincore(p, size, vec) == 0) {
		size_t in = 0;
		for (size_t i = 0; i < pages; i++)
			in += vec[i] & 1;
		pct = 100.0 * (double)in / (double)pages;
	}
	free(vec);
	munmap(p, size);
	return pct;
}

/* Whether the reads of st->blk bytes can bypass the page cache in the
 * file fd: 1, or 0 with why set. A probe read of the first block finds a
 * block size the device refuses (EINVAL) before the run does. */
static int direct_ok(int fd, const char *self, size_t blk, char *why, size_t len)
{
	struct statfs fs;
	/* tmpfs (since Linux 6.6) accepts O_DIRECT and still reads memory. */
	if (fstatfs(fd, &fs) == 0 && (fs.f_type == 0x01021994 /* TMPFS_MAGIC */ ||
	                              fs.f_type == 0x858458f6 /* RAMFS_MAGIC */)) {
		snprintf(why, len, "the folder is on tmpfs or ramfs, which keeps files in memory");
		return 0;
	}
	int dfd = open(self, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (dfd < 0) {
		snprintf(why, len, "the filesystem refuses O_DIRECT (%s)", strerror(errno));
		return 0;
	}
	void *buf = NULL;
	int e = posix_memalign(&buf, FILE_ALIGN, blk);
	ssize_t n = e ? -1 : pread(dfd, buf, blk, 0);
	if (n < 0)
		e = e ? e : errno;
	free(buf);
	close(dfd);
	if (n < 0) {
		snprintf(why, len, "an O_DIRECT read of %zu KiB fails (%s)", blk / 1024, strerror(e));
		return 0;
	}
	return 1;
}

static int file_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	struct file_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	*state = s;
	s->file_mib = p[0];
	s->block_kib = p[1];
	s->tasks = p[2];
	int cold = (int)p[3];
	s->direct = (int)p[4];
	int64_t timer_us = p[5];
	s->offload = (int)p[6];
	s->blk = (size_t)s->block_kib * 1024;
	uint64_t size = (uint64_t)s->file_mib << 20;
	s->nblk = size / s->blk;
	if (s->direct && s->nblk == 0) {
		wl_why(env, "direct=1 reads whole blocks: block_kib=%lld is larger than the file",
		       (long long)s->block_kib);
		return -EINVAL;
	}
	s->r = calloc((size_t)s->tasks, sizeof *s->r);
	if (!s->r)
		return -ENOMEM;
	for (int64_t i = 0; i < s->tasks; i++)
		s->r[i].fd = -1;

	const char *tmp = getenv("TMPDIR");
	const char *dir = tmp && *tmp ? tmp : "/tmp";
	int wfd = wl_tmpfile(dir, 1);
	if (wfd < 0) {
		wl_why(env, "cannot create a temporary file in %s: %s", dir, strerror(-wfd));
		return wfd;
	}
	int err = fill(wfd, size);
	if (!err && (cold || s->direct)) {
		/* DONTNEED drops clean pages only: write them back first. */
		if (fdatasync(wfd) < 0)
			err = -errno;
		else
			err = -posix_fadvise(wfd, 0, 0, POSIX_FADV_DONTNEED);
	}
	if (err)
		wl_why(env, "cannot write a %lld MiB temporary file in %s: %s", (long long)s->file_mib,
		       dir, strerror(-err));
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", wfd);
	if (!err && s->direct) {
		char why[160];
		s->direct_used = direct_ok(wfd, self, s->blk, why, sizeof why);
		if (!s->direct_used) {
			/* Said while it runs, as the cell's own notes are, and
			 * recorded in the metric direct_used. */
			fprintf(stderr,
			        "%sconcbench: note: file direct=1 in %s: %s; the random reads go "
			        "through the page cache (metric direct_used=0)\n",
			        isatty(STDERR_FILENO) ? "\r\033[K" : "", dir, why);
			fflush(stderr);
		}
	}
	/* Shares in whole blocks: task i gets blocks [i·n/tasks, (i+1)·n/tasks),
	 * the last block possibly short; with more tasks than blocks some get
	 * none and end at once. direct=1 makes as many reads of random whole
	 * blocks. */
	uint64_t nblk = s->direct ? s->nblk : (size + s->blk - 1) / s->blk;
	int oflags = O_RDONLY | O_CLOEXEC | (s->direct_used ? O_DIRECT : 0);
	for (int64_t i = 0; i < s->tasks && !err; i++) {
		struct reader *r = &s->r[i];
		uint64_t b0 = nblk * (uint64_t)i / (uint64_t)s->tasks;
		uint64_t b1 = nblk * (uint64_t)(i + 1) / (uint64_t)s->tasks;
		uint64_t start = b0 * s->blk, end = b1 * s->blk < size ? b1 * s->blk : size;
		r->s = s;
		r->idx = (uint64_t)i;
		r->left = end > start ? end - start : 0;
		/* With loops=N each loop gets its share of the readers; the
		 * timer is on loop 0. */
		r->t = (struct rt_task){ .step = reader_step, .arg = r, .cpu = -1, .shard = (int)i };
		if (r->left && posix_memalign((void **)&r->buf, FILE_ALIGN, s->blk) != 0) {
			r->buf = NULL;
			err = -ENOMEM;
		} else if ((r->fd = open(self, oflags)) < 0) {
			err = -errno;
			wl_why(env, "cannot open the temporary file again through %s: %s", self,
			       strerror(-err));
		} else if (!s->direct && lseek(r->fd, (off_t)start, SEEK_SET) < 0)
			err = -errno;
	}
	if (!err)
		s->cached_pct = cached_pct(wfd, size);
	close(wfd);
	/* The timer needs a thread of its own where tasks hold threads: a pool
	 * of one worker cannot give it one. */
	if (!err && timer_us > 0 && (rt->max_concurrency == 0 || rt->max_concurrency >= 2)) {
		s->timer = calloc(1, sizeof *s->timer);
		if (!s->timer)
			err = -ENOMEM;
		else {
			s->timer->s = s;
			s->timer->period = (uint64_t)timer_us * 1000;
			s->timer->t = (struct rt_task){ .step = timer_step, .arg = s->timer, .cpu = -1 };
			err = rt_spawn(rt, &s->timer->t);
		}
	}
	for (int64_t i = 0; i < s->tasks && !err; i++)
		err = rt_spawn(rt, &s->r[i].t);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void file_finish(void *state, struct wl_report *rep)
{
	struct file_state *s = state;
	uint64_t bytes = atomic_load(&s->bytes);
	rep->checksum = atomic_load(&s->sum) + bytes;
	int err = atomic_load(&s->err);
	if (err) {
		snprintf(rep->error, sizeof rep->error, "read: %s", strerror(-err));
		return;
	}
	if (atomic_load(&s->done) != s->tasks)
		return;
	double sec = (double)(atomic_load(&s->last_end) - atomic_load(&s->first_start)) / 1e9;
	wl_metric(rep, "mib_per_s", "MiB/s", sec > 0 ? (double)bytes / 1048576.0 / sec : 0);
	wl_metric(rep, "elapsed_ms", "ms", sec * 1e3);
	wl_metric(rep, "reads", "reads", (double)atomic_load(&s->reads));
	wl_metric(rep, "cached_pct", "%", s->cached_pct);
	if (s->direct)
		wl_metric(rep, "direct_used", "", s->direct_used);
	struct ftimer *tm = s->timer;
	if (!tm || tm->lost)
		return;
	/* ticks says how far the percentile can be trusted (p99 wants 1,000). */
	wl_metric(rep, "timer_ticks", "ticks", (double)tm->n);
	if (!tm->n)
		return;
	qsort(tm->late, tm->n, sizeof *tm->late, cmp_u64);
	double sum = 0;
	for (size_t i = 0; i < tm->n; i++)
		sum += (double)tm->late[i];
	size_t rank = (tm->n * 99 + 99) / 100; /* ceil(0.99 n), 1-based */
	wl_metric(rep, "timer_late_p99_us", "us", (double)tm->late[rank - 1] / 1e3);
	wl_metric(rep, "timer_late_max_us", "us", (double)tm->late[tm->n - 1] / 1e3);
	wl_metric(rep, "timer_late_mean_us", "us", sum / (double)tm->n / 1e3);
}

static void file_teardown(void *state, struct rt *rt)
{
	(void)rt;
	struct file_state *s = state;
	for (int64_t i = 0; s->r && i < s->tasks; i++) {
		if (s->r[i].fd >= 0)
			close(s->r[i].fd);
		free(s->r[i].buf);
	}
	free(s->r);
	if (s->timer)
		free(s->timer->late);
	free(s->timer);
	free(s);
}

const struct workload wl_file = {
	.name = "file",
	.desc = "tasks read shares of a regular file in blocks (direct=1: random, O_DIRECT), a "
	        "timer beside them: epoll cannot wait on a file",
	.params = file_params,
	.setup = file_setup,
	.finish = file_finish,
	.teardown = file_teardown,
};
