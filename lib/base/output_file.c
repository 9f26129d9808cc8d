/* output_file.c: see output_file.h. */
#include "base/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int output_fd_writev(int fd, const struct iovec *ranges, size_t n)
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

static int write_into(const char *path, const struct iovec *iov, size_t n, buf *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cannot_write(err, path, errno);
	int rc = output_fd_writev(fd, iov, n), error = errno;
	if (close(fd) != 0 && rc == 0)
		rc = -1, error = errno;
	return rc == 0 ? 0 : cannot_write(err, path, error);
}

/* mkstemp makes the file 0600; a plain open(O_CREAT, 0666) would honour the umask instead. */
static int default_mode(int fd)
{
	mode_t mask = umask(0);
	umask(mask);
	return fchmod(fd, 0666 & ~mask);
}

static int replace_atomically(const char *path, const struct iovec *iov, size_t n, buf *err)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		abort();
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return cannot_write(err, path, errno);
	}
	int rc = default_mode(fd) == 0 && output_fd_writev(fd, iov, n) == 0 ? 0 : -1, error = errno;
	if (close(fd) != 0 && rc == 0)
		rc = -1, error = errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1, error = errno;
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc == 0 ? 0 : cannot_write(err, path, error);
}

int output_file_write(const char *path, const struct iovec *iov, size_t n, buf *err)
{
	if (strcmp(path, "-") == 0)
		return write_stdout(iov, n, err);
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_into(path, iov, n, err);
	return replace_atomically(path, iov, n, err);
}

int output_file_write_buf(const char *path, const buf *b, buf *err)
{
	struct iovec one = { .iov_base = b->ptr, .iov_len = b->len };
	return output_file_write(path, &one, b->len ? 1 : 0, err);
}
