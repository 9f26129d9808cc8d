/* output_file.c: see output_file.h. */
#include "base/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes every range to fd with writev; short writes and EINTR continue. 0, or -1 with
 * errno set. */
static int output_fd_writev(int fd, const struct iovec *ranges, size_t n)
{
	size_t i = 0, done = 0;                    /* bytes of ranges[i] already written */
	while (i < n) {
		struct iovec iov[IOV_MAX < 1024 ? IOV_MAX : 1024];
		int cnt = 0;
		for (size_t k = i; k < n && cnt < (int)(sizeof iov / sizeof *iov); k++, cnt++) {
			iov[cnt] = ranges[k];
			if (k == i) {
				iov[cnt].iov_base = (char *)iov[cnt].iov_base + done;
				iov[cnt].iov_len -= done;
			}
		}
		ssize_t w = writev(fd, iov, cnt);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		size_t left = (size_t)w;
		while (i < n && left >= ranges[i].iov_len - done) {
			left -= ranges[i].iov_len - done;
			done = 0;
			i++;
		}
		done += left;
	}
	return 0;
}

static int cannot_write(buf *err, const char *what, int error)
{
	buf_printf(err, "cannot write %s: %s", what, strerror(error));
	return -1;
}

static int write_stdout(const struct iovec *iov, size_t n, buf *err)
{
	if (fflush(stdout) != 0 || output_fd_writev(STDOUT_FILENO, iov, n) != 0)
		return cannot_write(err, "standard output", errno);
	return 0;
}

/* Messages name the path as given (`name`), not the link target written. */
static int write_into(const char *path, const struct iovec *iov, size_t n, const char *name, buf *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cannot_write(err, name, errno);
	int rc = output_fd_writev(fd, iov, n), error = errno;
	if (close(fd) != 0 && rc == 0)
		rc = -1, error = errno;
	return rc == 0 ? 0 : cannot_write(err, name, error);
}

/* mkstemp makes the file 0600. A replaced file's owner, group and mode are kept (chown first:
 * it clears set-id bits); ownership only where the process may change it. A new file gets
 * what a plain open(O_CREAT, 0666) would give it. */
static int set_mode(int fd, const struct stat *old)
{
	if (old) {
		if (fchown(fd, old->st_uid, old->st_gid) != 0)
			(void)!fchown(fd, (uid_t)-1, old->st_gid);   /* a group we belong to, at least */
		return fchmod(fd, old->st_mode & 07777);
	}
	mode_t mask = umask(0);
	umask(mask);
	return fchmod(fd, 0666 & ~mask);
}

static int replace_atomically(const char *path, const struct stat *old, const struct iovec *iov, size_t n,
			      const char *name, buf *err)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		abort();
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return cannot_write(err, name, errno);
	}
	int rc = set_mode(fd, old) == 0 && output_fd_writev(fd, iov, n) == 0 ? 0 : -1, error = errno;
	if (close(fd) != 0 && rc == 0)
		rc = -1, error = errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1, error = errno;
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc == 0 ? 0 : cannot_write(err, name, error);
}

#define MAX_LINKS 40   /* as the kernel's path walk (ELOOP) */

/* The file a chain of symbolic links at path ends in (path itself when it is none; the end
 * may not exist). Malloc'd; NULL with errno set. */
static char *follow_links(const char *path)
{
	char *p = strdup(path);
	if (!p)
		abort();
	for (int hops = 0;; hops++) {
		struct stat st;
		if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
			return p;   /* a missing file is written where the chain points */
		if (hops == MAX_LINKS) {
			free(p);
			errno = ELOOP;
			return NULL;
		}
		char target[PATH_MAX];
		ssize_t len = readlink(p, target, sizeof target - 1);
		if (len < 0) {
			free(p);
			return NULL;
		}
		target[len] = 0;
		char *next;
		const char *slash = strrchr(p, '/');
		if (target[0] == '/' || !slash) {
			next = strdup(target);
			if (!next)
				abort();
		} else if (asprintf(&next, "%.*s/%s", (int)(slash - p), p, target) < 0) {
			abort();
		}
		free(p);
		p = next;
	}
}

int output_file_write(const char *path, const struct iovec *iov, size_t n, buf *err)
{
	if (strcmp(path, "-") == 0)
		return write_stdout(iov, n, err);
	char *target = follow_links(path);
	if (!target)
		return cannot_write(err, path, errno);
	struct stat st;
	bool exists = stat(target, &st) == 0;
	int rc = exists && !S_ISREG(st.st_mode) ? write_into(target, iov, n, path, err)
						 : replace_atomically(target, exists ? &st : NULL, iov, n, path, err);
	free(target);
	return rc;
}

int output_file_write_buf(const char *path, const buf *b, buf *err)
{
	struct iovec one = { .iov_base = b->ptr, .iov_len = b->len };
	return output_file_write(path, &one, b->len ? 1 : 0, err);
}
