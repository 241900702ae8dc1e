/* files.c — folders, atomic writes and $PATH: what every command that
 * writes or runs something needs. */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

int h_mkdir_p(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		int exists = 0;
		if (mkdir(buf, 0777) != 0) {
			if (errno != EEXIST)
				return -errno;
			exists = 1;
		}
		if (exists || saved == '\0') {
			struct stat st;
			if (stat(buf, &st) != 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		if (saved == '\0')
			return 0;
		*p = saved;
	}
}

int h_find_in_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL) {
		int dlen = (int)strcspn(p, ":");
		struct stat st;
		/* An empty PATH entry means the current directory. */
		if (snprintf(out, len, "%.*s/%s", dlen, dlen ? p : ".", prog) < (int)len &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

FILE *h_atomic_open(struct h_atomic *a, const char *dir, const char *name)
{
	a->fd = -1;
	if (snprintf(a->tmp, sizeof a->tmp, "%s/.%s.XXXXXX", dir, name) >= (int)sizeof a->tmp ||
	    snprintf(a->path, sizeof a->path, "%s/%s", dir, name) >= (int)sizeof a->path) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkostemp(a->tmp, O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* mkstemp makes the file 0600; what the harness writes is for anyone
	 * to read. */
	fchmod(fd, 0644);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(a->tmp);
		errno = e;
		return NULL;
	}
	a->fd = fd;
	return f;
}

int h_atomic_commit(struct h_atomic *a, FILE *f)
{
	/* fsync before rename: otherwise a crash can leave an empty file in
	 * place of the old one. Costs one disk flush per file written. */
	int err = 0;
	if (fflush(f) != 0)
		err = -errno;
	else if (ferror(f))
		err = -EIO; /* an earlier write failed; its errno is long gone */
	else if (fsync(a->fd) != 0)
		err = -errno;
	if (fclose(f) != 0 && !err)
		err = -errno;
	if (!err && rename(a->tmp, a->path) != 0)
		err = -errno;
	if (err)
		unlink(a->tmp);
	a->fd = -1;
	return err;
}

void h_atomic_abort(struct h_atomic *a, FILE *f)
{
	fclose(f);
	unlink(a->tmp);
	a->fd = -1;
}
