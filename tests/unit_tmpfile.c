/* unit_tmpfile — wl_tmpfile (workloads/util.c), the file workload's
 * temporary file, both ways: O_TMPFILE, and the mkstemp + unlink fallback
 * for filesystems without it (taken on purpose here, as no filesystem at
 * hand lacks O_TMPFILE). Each way gives a file that is writable, can be
 * opened again through /proc/self/fd with an offset of its own, and has no
 * name in the folder at any point after the call; a missing folder gives
 * ENOENT. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workloads/workload.h"

#include "tests/check.h"

static void one_way(const char *dir, int otmpfile)
{
	const char *way = otmpfile ? "O_TMPFILE" : "mkstemp + unlink";
	int fd = wl_tmpfile(dir, otmpfile);
	CHECKF(fd >= 0, "%s: %s", way, strerror(-fd));
	if (fd < 0)
		return;
	CHECKF(t_count_entries(dir) == 0, "%s: a name is left in the folder", way);
	struct stat st;
	REQUIRE(fstat(fd, &st) == 0);
	CHECKF(S_ISREG(st.st_mode) && st.st_nlink == 0, "%s: mode %o, %ju links", way,
	       (unsigned)st.st_mode, (uintmax_t)st.st_nlink);
	CHECKF((st.st_mode & 077) == 0, "%s: mode %o lets others in", way, (unsigned)st.st_mode);
	CHECKF((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "%s: not close-on-exec", way);
	REQUIRE(pwrite(fd, "0123456789", 10, 0) == 10);

	char self[64], buf[8] = { 0 };
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int r1 = open(self, O_RDONLY | O_CLOEXEC), r2 = open(self, O_RDONLY | O_CLOEXEC);
	CHECKF(r1 >= 0 && r2 >= 0, "%s: cannot open %s again: %s", way, self, strerror(errno));
	if (r1 >= 0 && r2 >= 0) {
		/* Offsets of their own: r2 moved does not move r1. */
		REQUIRE(lseek(r2, 6, SEEK_SET) == 6);
		CHECKF(read(r1, buf, 3) == 3 && memcmp(buf, "012", 3) == 0, "%s: r1 read %.3s", way,
		       buf);
		CHECKF(read(r2, buf, 3) == 3 && memcmp(buf, "678", 3) == 0, "%s: r2 read %.3s", way,
		       buf);
	}
	if (r1 >= 0)
		close(r1);
	if (r2 >= 0)
		close(r2);
	close(fd);
	CHECKF(t_count_entries(dir) == 0, "%s: a name appeared in the folder", way);
	printf("%s: a nameless file in %s, opened again with its own offset\n", way, dir);
}

int main(void)
{
	char dir[256], missing[300];
	t_tmpdir(dir, sizeof dir, "unit_tmpfile");
	one_way(dir, 1);
	one_way(dir, 0);
	snprintf(missing, sizeof missing, "%s/missing", dir);
	CHECK(wl_tmpfile(missing, 1) == -ENOENT);
	CHECK(wl_tmpfile(missing, 0) == -ENOENT);
	t_rm_tree(dir);
	return t_exit_status();
}
