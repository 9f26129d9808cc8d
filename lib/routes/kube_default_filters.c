/* kube_default_filters.c: per-service default filters from a directory (spec
 * kubernetes-to-eskip.md §5.9.3). */
#include "routes/kube_default_filters.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eskip/eskip.h"
#include "base/input_read.h"
#include "routes/kube_annotations.h"
#include "base/log.h"

#define MAX_FILE_SIZE (1 << 20)

typedef struct {
	str name;           /* "<service>.<namespace>" */
	str text;
	bool parsed;
	call *calls; size_t ncalls;
	str error;          /* non-empty after a failed parse */
} filter_file;

struct kube_default_filters {
	arena *arena;
	filter_file *files; size_t n;   /* sorted by name */
};

/* Exactly one dot: the name splits into exactly two parts, as skipper requires. */
static bool has_two_parts(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot && !strchr(dot + 1, '.');
}

static int read_file(arena *a, const char *path, str *out)
{
	buf b = BUF_INIT;
	int rc = input_read_file(path, SIZE_MAX, &b);
	if (rc == 0)
		*out = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
	buf_free(&b);
	return rc;
}

static int by_name(const void *x, const void *y)
{
	return str_cmp(((const filter_file *)x)->name, ((const filter_file *)y)->name);
}

/* Reads one directory entry if it qualifies; unqualified entries are skipped (debug log). */
static void add_entry(kube_default_filters *df, const char *dir, const char *name, filter_file **files, size_t *cap)
{
	if (!has_two_parts(name)) {
		log_printf(LOG_DEBUG, "invalid default filter file name: %s", name);
		return;
	}
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	struct stat st;
	str text;
	bool ok = lstat(path, &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
		st.st_size <= MAX_FILE_SIZE && read_file(df->arena, path, &text) == 0;
	free(path);
	if (!ok) {
		log_printf(LOG_DEBUG, "default filter file skipped: %s", name);
		return;
	}
	if (df->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*files = realloc(*files, *cap * sizeof **files);
		if (!*files)
			abort();
	}
	(*files)[df->n++] = (filter_file){ .name = arena_strdup(df->arena, name), .text = text };
}

kube_default_filters *kube_default_filters_read(arena *a, const char *dir)
{
	if (!dir || !*dir)
		return NULL;
	DIR *d = opendir(dir);
	if (!d) {
		log_printf(LOG_ERROR, "could not fetch default filter configurations: open %s: %s", dir, strerror(errno));
		return NULL;
	}
	kube_default_filters *df = arena_alloc(a, sizeof *df);
	df->arena = a;
	filter_file *files = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		add_entry(df, dir, e->d_name, &files, &cap);
	}
	closedir(d);
	if (df->n) {
		df->files = arena_alloc(a, df->n * sizeof *df->files);
		memcpy(df->files, files, df->n * sizeof *files);
		qsort(df->files, df->n, sizeof *df->files, by_name);
	}
	free(files);
	return df;
}

/* Parses a file on first use and remembers the outcome. */
static void parse_once(kube_default_filters *df, filter_file *f)
{
	if (f->parsed)
		return;
	f->parsed = true;
	buf err = BUF_INIT;
	if (eskip_parse_filters(df->arena, f->text.ptr, f->text.len, &f->calls, &f->ncalls, &err) != 0) {
		f->error = arena_printf(df->arena, "[eskip] default filters: %s", err.ptr ? err.ptr : "parse error");
		f->calls = NULL;
		f->ncalls = 0;
	}
	buf_free(&err);
}

int kube_default_filters_get(kube_default_filters *df, arena *out, str ns, str service,
	call **calls, size_t *n, buf *err)
{
	*calls = NULL;
	*n = 0;
	if (!df || df->n == 0)
		return 0;
	buf key = BUF_INIT;
	buf_append(&key, service.ptr, service.len);
	buf_putc(&key, '.');
	buf_append(&key, ns.ptr, ns.len);
	filter_file probe = { .name = { key.ptr, key.len } };
	filter_file *f = bsearch(&probe, df->files, df->n, sizeof *df->files, by_name);
	buf_free(&key);
	if (!f)
		return 0;
	parse_once(df, f);
	if (f->error.len) {
		buf_append(err, f->error.ptr, f->error.len);
		return -1;
	}
	*calls = calls_copy(out, f->calls, f->ncalls);
	*n = f->ncalls;
	return 0;
}
