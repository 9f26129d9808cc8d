/* output_file: the commands' -o — byte ranges in order, atomic replacement of regular
 * files, no temporary file left behind, the old file kept on failure, devices written into. */
#include <dirent.h>
#include <stdbool.h>
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

/* Issue 11: `chmod 600 cl.json; routesrv-fetch -o cl.json` left it world-readable. */
TEST(keeps_an_existing_files_mode_and_owner)
{
	char path[512];
	snprintf(path, sizeof path, "%s/private", dir);
	buf err = BUF_INIT, text = BUF_INIT;
	buf_puts(&text, "old");
	CHECK_INT(output_file_write_buf(path, &text, &err), 0);
	CHECK_INT(chmod(path, 0600), 0);
	bool root = geteuid() == 0;
	if (root)   /* the owner is kept where the process may set it */
		CHECK_INT(chown(path, 65534, 65534), 0);
	mode_t mask = umask(0);   /* a new file would be 0666 */
	buf_reset(&text);
	buf_puts(&text, "new");
	CHECK_INT(output_file_write_buf(path, &text, &err), 0);
	umask(mask);
	CHECK_STR(slurp(path), "new");
	struct stat st;
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	if (root)
		CHECK(st.st_uid == 65534 && st.st_gid == 65534);
	CHECK_INT(entries(), 1);
	buf_free(&text);
	buf_free(&err);
	remove_all();
}

static char *at(const char *name)
{
	static char paths[4][512];
	static int next;
	char *p = paths[next++ % 4];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* -o naming a symbolic link writes its target (in the target's directory), the link stays;
 * chains, relative targets and dangling links are followed. */
TEST(symlink_target_is_written_and_the_link_kept)
{
	CHECK_INT(mkdir(at("real"), 0755), 0);
	buf err = BUF_INIT, text = BUF_INIT;
	buf_puts(&text, "old");
	CHECK_INT(output_file_write_buf(at("real/table"), &text, &err), 0);
	CHECK_INT(chmod(at("real/table"), 0640), 0);
	CHECK_INT(symlink("real/table", at("hop")), 0);   /* relative to the link's directory */
	CHECK_INT(symlink(at("hop"), at("link")), 0);      /* absolute, to another link */
	buf_reset(&text);
	buf_puts(&text, "new");
	CHECK_INT(output_file_write_buf(at("link"), &text, &err), 0);
	struct stat st;
	CHECK(lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(lstat(at("hop"), &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_STR(slurp(at("real/table")), "new");
	CHECK(stat(at("real/table"), &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK_INT(entries(), 3);   /* real/, hop, link: no temporary file */
	/* a dangling link: its target is created */
	CHECK_INT(symlink("real/fresh", at("dangling")), 0);
	CHECK_INT(output_file_write_buf(at("dangling"), &text, &err), 0);
	CHECK_STR(slurp(at("real/fresh")), "new");
	CHECK(lstat(at("dangling"), &st) == 0 && S_ISLNK(st.st_mode));
	/* a loop is an error naming the path given */
	CHECK_INT(symlink("loop", at("loop")), 0);
	buf_reset(&err);
	CHECK_INT(output_file_write_buf(at("loop"), &text, &err), -1);
	char want[600];
	snprintf(want, sizeof want, "cannot write %s: Too many levels of symbolic links", at("loop"));
	CHECK_STR(err.ptr, want);
	/* a link to a device writes into the device */
	CHECK_INT(symlink("/dev/null", at("null")), 0);
	CHECK_INT(output_file_write_buf(at("null"), &text, &err), 0);
	CHECK(lstat(at("null"), &st) == 0 && S_ISLNK(st.st_mode));
	unlink(at("real/table"));
	unlink(at("real/fresh"));
	rmdir(at("real"));
	buf_free(&text);
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
	RUN(keeps_an_existing_files_mode_and_owner);
	RUN(symlink_target_is_written_and_the_link_kept);
	remove_all();
	rmdir(dir);
	return TEST_SUMMARY();
}
