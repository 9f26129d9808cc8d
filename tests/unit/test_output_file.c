/* output_file: the commands' -o — byte ranges in order, atomic replacement of regular
 * files, no temporary file left behind, the old file kept on failure, devices written into. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/output_file.h"
#include "test.h"

static char dir[] = "/tmp/test_output_file.XXXXXX";

static char *slurp(const char *path)
{
	static char text[4096];
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void remove_all(void)
{
	DIR *d = opendir(dir);
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.') {
			char path[512];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
}

TEST(ranges_in_order_and_no_temporary_left)
{
	char path[512];
	snprintf(path, sizeof path, "%s/out", dir);
	struct iovec iov[] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
	buf err = BUF_INIT;
	CHECK_INT(output_file_write(path, iov, 3, &err), 0);
	CHECK_STR(slurp(path), "abcde");
	CHECK_INT(entries(), 1);
	buf_free(&err);
	remove_all();
}

TEST(replaces_with_the_umask_mode)
{
	char path[512];
	snprintf(path, sizeof path, "%s/out", dir);
	buf err = BUF_INIT, text = BUF_INIT;
	buf_puts(&text, "old");
	mode_t mask = umask(022);
	CHECK_INT(output_file_write_buf(path, &text, &err), 0);
	buf_reset(&text);
	buf_puts(&text, "new");
	CHECK_INT(output_file_write_buf(path, &text, &err), 0);
	umask(mask);
	CHECK_STR(slurp(path), "new");
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK_INT(entries(), 1);
	buf_free(&text);
	buf_free(&err);
	remove_all();
}

TEST(empty_buf_writes_an_empty_file)
{
	char path[512];
	snprintf(path, sizeof path, "%s/empty", dir);
	buf err = BUF_INIT, none = BUF_INIT;
	CHECK_INT(output_file_write_buf(path, &none, &err), 0);
	CHECK_STR(slurp(path), "");
	buf_free(&err);
	remove_all();
}

TEST(missing_directory_is_one_line_error)
{
	char path[512];
	snprintf(path, sizeof path, "%s/no/such/out", dir);
	struct iovec iov = { "x", 1 };
	buf err = BUF_INIT;
	CHECK_INT(output_file_write(path, &iov, 1, &err), -1);
	char want[600];
	snprintf(want, sizeof want, "cannot write %s: No such file or directory", path);
	CHECK_STR(err.ptr, want);
	buf_free(&err);
}

TEST(directory_is_not_replaced)
{
	char path[512];
	snprintf(path, sizeof path, "%s/sub", dir);
	CHECK_INT(mkdir(path, 0755), 0);
	struct iovec iov = { "x", 1 };
	buf err = BUF_INIT;
	CHECK_INT(output_file_write(path, &iov, 1, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "Is a directory"));
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT(entries(), 1);   /* no temporary file beside it */
	rmdir(path);
	buf_free(&err);
}

TEST(device_is_written_into)
{
	struct iovec iov = { "x", 1 };
	buf err = BUF_INIT;
	CHECK_INT(output_file_write("/dev/null", &iov, 1, &err), 0);
	struct stat st;
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	buf_free(&err);
}

TEST(many_ranges_span_several_writev_calls)
{
	char path[512];
	snprintf(path, sizeof path, "%s/many", dir);
	enum { N = 3000 };
	struct iovec *iov = calloc(N, sizeof *iov);
	for (size_t i = 0; i < N; i++)
		iov[i] = (struct iovec){ .iov_base = i % 2 ? "b" : "a", .iov_len = 1 };
	buf err = BUF_INIT;
	CHECK_INT(output_file_write(path, iov, N, &err), 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == N);
	const char *text = slurp(path);
	CHECK(text && strncmp(text, "abab", 4) == 0);
	free(iov);
	buf_free(&err);
	remove_all();
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	RUN(ranges_in_order_and_no_temporary_left);
	RUN(replaces_with_the_umask_mode);
	RUN(empty_buf_writes_an_empty_file);
	RUN(missing_directory_is_one_line_error);
	RUN(directory_is_not_replaced);
	RUN(device_is_written_into);
	RUN(many_ranges_span_several_writev_calls);
	remove_all();
	rmdir(dir);
	return TEST_SUMMARY();
}
