/* kube_read.c: Kubernetes objects from buffers, files, directories and stdin. */
#include "objects/kube_read.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/input_read.h"
#include "objects/kube_read_internal.h"
#include "base/log.h"
#include "source/source_identity.h"

/* Directory recursion limit: symlinked directories could otherwise loop forever. */
#define MAX_DIR_DEPTH 32

typedef struct {
	kube_read_ctx *r;
	const char *list_kind;
} yaml_doc_ctx;

static int yaml_doc(void *ud, jv doc)
{
	yaml_doc_ctx *y = ud;
	return kube_decode_document(y->r, doc, y->list_kind);
}

/* Input whose first significant byte opens a JSON object or array is JSON, anything else YAML. */
static bool looks_like_json(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')
			continue;
		return data[i] == '{' || data[i] == '[';
	}
	return false;
}

int kube_read_buffer(kube_cluster *c, const char *data, size_t len, const char *source, const char *list_kind,
		     const kube_read_options *o, buf *err)
{
	kube_read_ctx r = { .c = c, .source = source, .err = err };
	if (o)
		r.opts = *o;
	if (looks_like_json(data, len))
		return kube_read_json(&r, data, len, list_kind);
	/* An API list response is always JSON: a body that is not (a proxy's error page, garbage)
	 * must fail the cycle, not read as an empty YAML stream that drops every object. */
	if (list_kind) {
		buf_reset(err);
		buf_printf(err, "%s: invalid JSON: the response is not a JSON object", source);
		return -1;
	}
	r.yaml = true;
	yaml_doc_ctx y = { &r, list_kind };
	return kube_yaml_documents(data, len, source, yaml_doc, &y, err);
}

static int read_file(kube_cluster *c, const char *path, const kube_read_options *o, buf *err)
{
	buf data = BUF_INIT;
	int rc = strcmp(path, "-") == 0 ? input_read_fd(STDIN_FILENO, SIZE_MAX, &data)
					: input_read_file(path, SIZE_MAX, &data);
	if (rc != 0)
		buf_printf(err, "%s: %s", path, strerror(errno));
	else
		rc = kube_read_buffer(c, data.ptr ? data.ptr : "", data.len, path, NULL, o, err);
	buf_free(&data);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Hidden entries are skipped: ConfigMap volumes keep a second copy of every file under
 * "..data", and editors leave dot files behind. */
static int skip_hidden(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int read_dir(kube_cluster *c, const char *path, int depth, const kube_read_options *o, buf *err)
{
	if (depth > MAX_DIR_DEPTH) {
		buf_printf(err, "%s: directories nested too deeply (symlink loop?)", path);
		return -1;
	}
	struct dirent **names;
	int n = scandir(path, &names, skip_hidden, by_name);
	if (n < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			char *child;
			if (asprintf(&child, "%s/%s", path, names[i]->d_name) < 0)
				abort();
			struct stat st;
			if (stat(child, &st) != 0)
				log_kv(LOG_WARN, "Skipping unreadable entry", "path", child, "error", strerror(errno), NULL);
			else if (S_ISDIR(st.st_mode))
				rc = read_dir(c, child, depth + 1, o, err);
			else if (S_ISREG(st.st_mode) && source_manifest_name(names[i]->d_name))
				rc = read_file(c, child, o, err);
			free(child);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int kube_read_path(kube_cluster *c, const char *path, const kube_read_options *o, buf *err)
{
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return read_dir(c, path, 0, o, err);
	return read_file(c, path, o, err);
}

int kube_read_fetched(kube_cluster *c, const kube_fetch_result *r, const kube_read_options *o, buf *err)
{
	kube_read_options strict = { 0 };
	if (o)
		strict = *o;
	strict.strict = true;
	int rc = 0;
	buf e = BUF_INIT;
	for (size_t i = 0; i < KUBE_NLISTS && rc == 0; i++) {
		const kube_list *l = &r->lists[i];
		for (size_t p = 0; p < l->npages && rc == 0; p++) {
			const buf *page = &l->pages[p];
			rc = kube_read_buffer(c, page->ptr ? page->ptr : "", page->len, l->urls[p], l->kind, &strict, &e);
			if (rc != 0)
				buf_printf(err, KUBE_LOAD_ERROR "%s", e.ptr ? e.ptr : l->urls[p]);
		}
	}
	c->routegroups_known = r->routegroups_known;
	buf_free(&e);
	return rc;
}
