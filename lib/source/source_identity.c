/* source_identity.c: fingerprints of poll-cycle inputs (see source_identity.h). */
#include "source/source_identity.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define MAX_DEPTH 64    /* symlink loops end here; kube_read_path stops earlier */

void source_identity_begin(source_identity *id)
{
	id->state = XXH3_createState();
	if (!id->state)
		abort();
	XXH3_128bits_reset(id->state);
	id->now = time(NULL);
	id->unsettled = false;
	id->contents = false;
}

void source_identity_contents(source_identity *id)
{
	id->contents = true;
}

void source_identity_bytes(source_identity *id, const void *data, size_t len)
{
	uint64_t n = len;
	XXH3_128bits_update(id->state, &n, sizeof n);   /* lengths keep "ab"+"c" apart from "a"+"bc" */
	if (len)
		XXH3_128bits_update(id->state, data, len);
}

bool source_manifest_name(const char *name)
{
	static const char *const suffixes[] = { ".yaml", ".yml", ".json" };
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		size_t m = strlen(suffixes[i]);
		if (n > m && strcmp(name + n - m, suffixes[i]) == 0)
			return true;
	}
	return false;
}

static void add_u64(source_identity *id, uint64_t v)
{
	XXH3_128bits_update(id->state, &v, sizeof v);
}

static void add_stat(source_identity *id, const struct stat *st)
{
	uint64_t v[8] = {
		st->st_dev, st->st_ino, (uint64_t)st->st_size, st->st_mode,
		(uint64_t)st->st_mtim.tv_sec, (uint64_t)st->st_mtim.tv_nsec,
		(uint64_t)st->st_ctim.tv_sec, (uint64_t)st->st_ctim.tv_nsec,
	};
	XXH3_128bits_update(id->state, v, sizeof v);
	time_t newest = st->st_mtim.tv_sec > st->st_ctim.tv_sec ? st->st_mtim.tv_sec : st->st_ctim.tv_sec;
	if (newest > id->now - SOURCE_SETTLE_SECONDS)
		id->unsettled = true;
}

/* A regular file's bytes, as they are read now; a read error goes in as its errno. */
static void add_contents(source_identity *id, const char *path)
{
	char block[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		add_u64(id, (uint64_t)errno);
		return;
	}
	ssize_t n;
	uint64_t total = 0;
	while ((n = read(fd, block, sizeof block)) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0) {
			XXH3_128bits_update(id->state, block, (size_t)n);
			total += (uint64_t)n;
		}
	}
	add_u64(id, n < 0 ? (uint64_t)errno : 0);
	add_u64(id, total);
	close(fd);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

/* Whether an entry below the top path counts (directories are looked into either way). */
static bool counts(source_tree_kind kind, const char *name, const struct stat *st)
{
	if (kind == SOURCE_TREE_ALL)
		return true;
	return name[0] != '.' && (S_ISDIR(st->st_mode) || source_manifest_name(name));
}

static void add_tree(source_identity *id, const char *path, const char *name, source_tree_kind kind, int depth)
{
	struct stat st;
	int rc = stat(path, &st);
	if (name && rc == 0 && !counts(kind, name, &st))
		return;
	source_identity_bytes(id, path, strlen(path));
	if (rc != 0) {
		add_u64(id, (uint64_t)errno);   /* missing: the read reports it */
		return;
	}
	/* A directory of manifests is its entries: its own times move whenever anything is
	 * created next to them (a log file), which must not count. */
	if (!(kind == SOURCE_TREE_MANIFESTS && S_ISDIR(st.st_mode)))
		add_stat(id, &st);
	if (id->contents && S_ISREG(st.st_mode))
		add_contents(id, path);
	if (!S_ISDIR(st.st_mode) || depth >= MAX_DEPTH)
		return;
	struct dirent **names;
	int n = scandir(path, &names, not_dots, by_name);
	if (n < 0) {
		add_u64(id, (uint64_t)errno);
		return;
	}
	for (int i = 0; i < n; i++) {
		char *child;
		if (asprintf(&child, "%s/%s", path, names[i]->d_name) < 0)
			abort();
		add_tree(id, child, names[i]->d_name, kind, depth + 1);
		free(child);
		free(names[i]);
	}
	free(names);
}

void source_identity_tree(source_identity *id, const char *path, source_tree_kind kind)
{
	add_tree(id, path, NULL, kind, 0);
}

bool source_identity_finish(source_identity *id, source_fingerprint *out)
{
	XXH128_hash_t h = XXH3_128bits_digest(id->state);
	XXH3_freeState(id->state);
	id->state = NULL;
	out->hi = h.high64;
	out->lo = h.low64;
	return !id->unsettled;
}
