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
 * tests/conformance.c computes without the file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "workload.h"

static const struct cb_param file_params[] = {
	{ "file_mib", "MiB", "size of the file read", 64, 1, 65536 },
	{ "block_kib", "KiB", "bytes per read", 64, 1, 65536 },
	{ "tasks", "tasks", "readers, each through its own fd, each its share of the file", 8, 1, 10000 },
	{ "cold", "", "1: drop the file's pages from the page cache before the run; 0: read from memory", 1, 0, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

struct reader {
	struct rt_task t;
	struct file_state *s;
	int fd;
	int started;
	uint64_t left; /* bytes of its share not read yet */
	size_t want, got; /* the block being filled */
	uint64_t sum, reads, bytes;
	char *buf;
};

struct file_state {
	int64_t file_mib, block_kib, tasks;
	size_t blk;
	struct reader *r;
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
	atomic_fetch_add(&s->done, 1);
	note_end(s);
	return rt_op_done();
}

/* The next block: whole blocks, and the share's tail. */
static struct rt_op next_block(struct reader *r)
{
	r->want = r->left < r->s->blk ? (size_t)r->left : r->s->blk;
	r->got = 0;
	return rt_op_read(r->fd, r->buf, r->want);
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
		return rt_op_read(r->fd, r->buf + r->got, r->want - r->got);
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
	s->blk = (size_t)s->block_kib * 1024;
	uint64_t size = (uint64_t)s->file_mib << 20;
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
	if (!err && cold) {
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
	/* Shares in whole blocks: task i gets blocks [i·n/tasks, (i+1)·n/tasks),
	 * the last block possibly short; with more tasks than blocks some get
	 * none and end at once. */
	uint64_t nblk = (size + s->blk - 1) / s->blk;
	for (int64_t i = 0; i < s->tasks && !err; i++) {
		struct reader *r = &s->r[i];
		uint64_t b0 = nblk * (uint64_t)i / (uint64_t)s->tasks;
		uint64_t b1 = nblk * (uint64_t)(i + 1) / (uint64_t)s->tasks;
		uint64_t start = b0 * s->blk, end = b1 * s->blk < size ? b1 * s->blk : size;
		r->s = s;
		r->left = end > start ? end - start : 0;
		r->t = (struct rt_task){ .step = reader_step, .arg = r, .cpu = -1 };
		r->buf = r->left ? malloc(s->blk) : NULL;
		if (r->left && !r->buf)
			err = -ENOMEM;
		else if ((r->fd = open(self, O_RDONLY | O_CLOEXEC)) < 0) {
			err = -errno;
			wl_why(env, "cannot open the temporary file again through %s: %s", self,
			       strerror(-err));
		} else if (lseek(r->fd, (off_t)start, SEEK_SET) < 0)
			err = -errno;
	}
	if (!err)
		s->cached_pct = cached_pct(wfd, size);
	close(wfd);
	for (int64_t i = 0; i < s->tasks && !err; i++)
		err = rt_spawn(rt, &s->r[i].t);
	return err;
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
	free(s);
}

const struct workload wl_file = {
	.name = "file",
	.desc = "tasks read shares of a regular file in blocks: epoll cannot wait on a file",
	.params = file_params,
	.setup = file_setup,
	.finish = file_finish,
	.teardown = file_teardown,
};
