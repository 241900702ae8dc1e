/* child.c — the pipe between a forked child and its parent: the child sends
 * one fixed-size result and exits; the parent reads it under a deadline, so
 * a hung or dead child is a result, never a hang. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

_Noreturn void h_child_send_exit(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3); /* the parent is gone: nobody to tell */
		p += w;
		left -= (size_t)w;
	}
	_exit(0);
}

long h_read_deadline(int fd, void *buf, size_t len, uint64_t deadline_ns, int *timed_out)
{
	char *p = buf;
	size_t got = 0;
	*timed_out = 0;
	while (got < len) {
		uint64_t now = h_now_ns();
		if (now >= deadline_ns) {
			*timed_out = 1;
			break;
		}
		uint64_t left_ms = (deadline_ns - now + 999999) / 1000000;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pr == 0)
			continue; /* the loop head decides whether time is up */
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			break; /* EOF: the child died before sending everything */
		got += (size_t)n;
	}
	return (long)got;
}

uint64_t h_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
