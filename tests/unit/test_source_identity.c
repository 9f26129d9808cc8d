/* Unit tests for source_identity: which changes of the inputs move the fingerprint. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source_identity.h"
#include "source/source_settle.h"
#include "test.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) abort();
	fputs(text, f);
	fclose(f);
}

static source_fingerprint tree_kind_fp(const char *path, source_tree_kind kind, bool *settled)
{
	source_identity id;
	source_fingerprint fp;
	source_identity_begin(&id);
	source_identity_tree(&id, path, kind);
	bool s = source_identity_finish(&id, &fp);
	if (settled) *settled = s;
	return fp;
}

static source_fingerprint tree_fp(const char *path, bool *settled)
{
	return tree_kind_fp(path, SOURCE_TREE_ALL, settled);
}

static source_fingerprint bytes_fp(const char *a, const char *b)
{
	source_identity id;
	source_fingerprint fp;
	source_identity_begin(&id);
	source_identity_bytes(&id, a, strlen(a));
	source_identity_bytes(&id, b, strlen(b));
	source_identity_finish(&id, &fp);
	return fp;
}

TEST(same_tree_same_fingerprint)
{
	source_fingerprint a = tree_fp(dir, NULL), b = tree_fp(dir, NULL);
	CHECK(source_fingerprint_equal(&a, &b));
}

TEST(rewrite_with_old_size_and_mtime_is_seen)
{
	char path[128];
	snprintf(path, sizeof path, "%s/one.yaml", dir);
	struct stat before;
	CHECK(stat(path, &before) == 0);
	source_fingerprint a = tree_fp(dir, NULL);
	usleep(20000);   /* a later ctime tick */
	write_file("one.yaml", "kind: Tw\n");   /* the same length as "kind: One" */
	struct timespec times[2] = { before.st_atim, before.st_mtim };
	CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
	struct stat after;
	CHECK(stat(path, &after) == 0);
	CHECK_INT(after.st_size, before.st_size);
	CHECK_INT(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	source_fingerprint b = tree_fp(dir, NULL);
	CHECK(!source_fingerprint_equal(&a, &b));
}

TEST(new_entries_hidden_ones_too_are_seen)
{
	source_fingerprint a = tree_fp(dir, NULL);
	write_file(".hidden", "x");
	source_fingerprint b = tree_fp(dir, NULL);
	CHECK(!source_fingerprint_equal(&a, &b));
	char sub[128];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	CHECK(mkdir(sub, 0755) == 0);
	write_file("sub/two.json", "{}");
	source_fingerprint c = tree_fp(dir, NULL);
	CHECK(!source_fingerprint_equal(&b, &c));
}

TEST(symlink_swap_is_seen)
{
	char link[128], tmp[128];
	snprintf(link, sizeof link, "%s/current", dir);
	snprintf(tmp, sizeof tmp, "%s/current.new", dir);
	write_file("a.json", "{\"a\":1}");
	write_file("b.json", "{\"b\":1}");
	CHECK(symlink("a.json", link) == 0);
	source_fingerprint a = tree_fp(link, NULL);
	CHECK(symlink("b.json", tmp) == 0);
	CHECK(rename(tmp, link) == 0);
	source_fingerprint b = tree_fp(link, NULL);
	CHECK(!source_fingerprint_equal(&a, &b));
}

TEST(missing_path_has_a_fingerprint_of_its_own)
{
	char path[128];
	snprintf(path, sizeof path, "%s/nothing-here", dir);
	source_fingerprint a = tree_fp(path, NULL), b = tree_fp(path, NULL);
	CHECK(source_fingerprint_equal(&a, &b));
	source_fingerprint c = tree_fp(dir, NULL);
	CHECK(!source_fingerprint_equal(&a, &c));
}

TEST(manifest_trees_count_what_kube_read_path_reads)
{
	source_fingerprint a = tree_kind_fp(dir, SOURCE_TREE_MANIFESTS, NULL);
	write_file("serve.log", "a log line");
	write_file(".swp.yaml", "x");
	source_fingerprint b = tree_kind_fp(dir, SOURCE_TREE_MANIFESTS, NULL);
	CHECK(source_fingerprint_equal(&a, &b));
	write_file("three.yml", "kind: Three");
	source_fingerprint c = tree_kind_fp(dir, SOURCE_TREE_MANIFESTS, NULL);
	CHECK(!source_fingerprint_equal(&b, &c));
	write_file("sub/four.json", "{}");
	source_fingerprint d = tree_kind_fp(dir, SOURCE_TREE_MANIFESTS, NULL);
	CHECK(!source_fingerprint_equal(&c, &d));
}

TEST(fresh_files_are_unsettled)
{
	bool settled = true;
	write_file("fresh.yaml", "kind: Fresh\n");
	tree_fp(dir, &settled);
	CHECK(!settled);
}

TEST(buffers_are_length_delimited)
{
	source_fingerprint a = bytes_fp("ab", "c"), b = bytes_fp("a", "bc"), c = bytes_fp("ab", "c");
	CHECK(!source_fingerprint_equal(&a, &b));
	CHECK(source_fingerprint_equal(&a, &c));
	source_identity id;
	source_fingerprint empty;
	source_identity_begin(&id);
	CHECK(source_identity_finish(&id, &empty));   /* nothing on disk: settled */
}

static source_fingerprint contents_fp(const char *path)
{
	source_identity id;
	source_fingerprint fp;
	source_identity_begin(&id);
	source_identity_contents(&id);
	source_identity_tree(&id, path, SOURCE_TREE_ALL);
	source_identity_finish(&id, &fp);
	return fp;
}

/* With contents, a rewrite that keeps size, mtime and ctime in one clock tick is seen too:
 * here simulated by comparing two files that differ only in their bytes. */
TEST(contents_tell_equal_identities_apart)
{
	write_file("c1.yaml", "kind: A");
	char path[128];
	snprintf(path, sizeof path, "%s/c1.yaml", dir);
	source_fingerprint a = contents_fp(path), b = contents_fp(path);
	CHECK(source_fingerprint_equal(&a, &b));
	source_identity id;
	source_fingerprint with, without;
	source_identity_begin(&id);
	source_identity_tree(&id, path, SOURCE_TREE_ALL);
	source_identity_finish(&id, &without);
	with = contents_fp(path);
	CHECK(!source_fingerprint_equal(&with, &without));
	write_file("c1.yaml", "kind: B");
	b = contents_fp(path);
	CHECK(!source_fingerprint_equal(&a, &b));
}

/* The settle rule: settled only when equal to every observation since one an interval ago. */
TEST(settle_rule)
{
	source_settle s;
	source_settle_init(&s, 1000);
	source_fingerprint x = { 1, 2 }, y = { 3, 4 };
	double recheck = 0;
	CHECK(!source_settle_observe(&s, &x, 10.0, &recheck));   /* first sight */
	CHECK(recheck == 11.0);
	CHECK(!source_settle_observe(&s, &x, 10.5, &recheck));
	CHECK(!source_settle_observe(&s, &y, 10.9, &recheck));   /* changed: the interval starts again */
	CHECK(recheck == 11.9);
	CHECK(!source_settle_observe(&s, &y, 11.5, &recheck));
	CHECK(source_settle_observe(&s, &y, 11.9, &recheck));
	CHECK(source_settle_observe(&s, &y, 30.0, &recheck));    /* still the same: still settled */
	source_settle_reset(&s);
	CHECK(!source_settle_observe(&s, &y, 31.0, &recheck));
	source_settle_init(&s, 0);                               /* off */
	CHECK(source_settle_observe(&s, &x, 1.0, &recheck));
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_source_identity.XXXXXX");
	if (!mkdtemp(dir)) return 1;
	write_file("one.yaml", "kind: One");
	RUN(same_tree_same_fingerprint);
	RUN(rewrite_with_old_size_and_mtime_is_seen);
	RUN(new_entries_hidden_ones_too_are_seen);
	RUN(symlink_swap_is_seen);
	RUN(missing_path_has_a_fingerprint_of_its_own);
	RUN(manifest_trees_count_what_kube_read_path_reads);
	RUN(fresh_files_are_unsettled);
	RUN(buffers_are_length_delimited);
	RUN(contents_tell_equal_identities_apart);
	RUN(settle_rule);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0) return 1;
	return TEST_SUMMARY();
}
