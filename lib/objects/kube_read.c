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

static int yaml_doc(void *ud, jv doc, const kube_yaml_lines *lines)
{
	yaml_doc_ctx *y = ud;
	y->r->line = lines->doc;
	y->r->ndocs++;
	y->r->item_lines = lines->items;
	y->r->nitem_lines = lines->nitems;
	int rc = kube_decode_document(y->r, doc, y->list_kind);
	y->r->item_lines = NULL;
	y->r->nitem_lines = 0;
	return rc;
}

/* A Go template action ("{{ .Values.x }}", "{{- include ...", a "{{/" comment) at p: the
 * file is a Helm template, not a manifest. Text such as inlineContent("{{x}}") in a quoted
 * annotation does not look like one. */
static bool template_action(const char *p, const char *end)
{
	static const char *const words[] = { "if", "else", "end", "range", "with", "include", "template", "define",
					     "toYaml", "block", "tpl", "required", "default", "quote", NULL };
	p += 2;
	if (p < end && *p == '-')
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '.' || *p == '$' || *p == '/'))
		return true;
	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(end - p) > n && memcmp(p, words[i], n) == 0 && (p[n] == ' ' || p[n] == '}'))
			return true;
	}
	return false;
}

/* The line of the first template action in YAML text, or 0. */
static size_t helm_template_line(const char *data, size_t len)
{
	const char *end = data + len;
	size_t line = 1;
	for (const char *p = data; p + 1 < end; p++) {
		if (*p == '\n')
			line++;
		else if (p[0] == '{' && p[1] == '{' && template_action(p, end))
			return line;
	}
	return 0;
}

static void skip_helm_template(const char *source, size_t line)
{
	char at[32];
	snprintf(at, sizeof at, "%zu", line);
	log_kv(LOG_WARN, "Skipping a file that looks like a Helm template (render it first: helm template)", "line", at,
	       "source", source, NULL);
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

/* in_dir: the buffer is a file found in a directory, where an empty file is skipped with
 * a warning; a named file or stdin without any document is an error. */
static int read_buffer(kube_cluster *c, const char *data, size_t len, const char *source, const char *list_kind,
		       const kube_read_options *o, bool in_dir, buf *err)
{
	kube_read_ctx r = { .c = c, .source = source, .err = err, .line = 1 };
	if (o)
		r.opts = *o;
	if (!list_kind)
		r.source_kept = arena_strdup(c->arena, source).ptr;
	int rc;
	if (looks_like_json(data, len)) {
		rc = kube_read_json(&r, data, len, list_kind);
	} else if (list_kind) {
		/* An API list response is always JSON: a body that is not (a proxy's error page,
		 * garbage) must fail the cycle, not read as an empty YAML stream that drops every
		 * object. */
		buf_reset(err);
		buf_printf(err, "%s: invalid JSON: the response is not a JSON object", source);
		return -1;
	} else {
		size_t helm = helm_template_line(data, len);
		if (helm) {
			skip_helm_template(source, helm);
			return 0;
		}
		r.yaml = true;
		yaml_doc_ctx y = { &r, list_kind };
		rc = kube_yaml_documents(data, len, source, yaml_doc, &y, err);
	}
	if (rc == 0 && !list_kind && r.ndocs == 0) {
		if (in_dir) {
			log_kv(LOG_WARN, "Skipping a file that holds no Kubernetes object", "source", source, NULL);
			return 0;
		}
		buf_printf(err, "%s: holds no Kubernetes object (%s)", source, len ? "only blanks or comments" : "empty");
		return -1;
	}
	return rc;
}

int kube_read_buffer(kube_cluster *c, const char *data, size_t len, const char *source, const char *list_kind,
		     const kube_read_options *o, buf *err)
{
	return read_buffer(c, data, len, source, list_kind, o, false, err);
}

static int read_file(kube_cluster *c, const char *path, const kube_read_options *o, bool in_dir, buf *err)
{
	buf data = BUF_INIT;
	int rc = strcmp(path, "-") == 0 ? input_read_fd(STDIN_FILENO, SIZE_MAX, &data)
					: input_read_file(path, SIZE_MAX, &data);
	if (rc != 0)
		buf_printf(err, "%s: %s", path, strerror(errno));
	else
		rc = read_buffer(c, data.ptr ? data.ptr : "", data.len, path, NULL, o, in_dir, err);
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
				rc = read_file(c, child, o, true, err);
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
	return read_file(c, path, o, false, err);
}

int kube_read_fetched(kube_cluster *c, const kube_fetch_result *r, const kube_read_options *o, buf *err)
{
	kube_read_options strict = { 0 };
	if (o)
		strict = *o;
	strict.strict = true;
	return kube_read_lists(c, r, &strict, err);
}

int kube_read_lists(kube_cluster *c, const kube_fetch_result *r, const kube_read_options *o, buf *err)
{
	int rc = 0;
	buf e = BUF_INIT;
	for (size_t i = 0; i < KUBE_NLISTS && rc == 0; i++) {
		const kube_list *l = &r->lists[i];
		for (size_t p = 0; p < l->npages && rc == 0; p++) {
			const buf *page = &l->pages[p];
			rc = kube_read_buffer(c, page->ptr ? page->ptr : "", page->len, l->urls[p], l->kind, o, &e);
			if (rc != 0)
				buf_printf(err, KUBE_LOAD_ERROR "%s", e.ptr ? e.ptr : l->urls[p]);
		}
	}
	c->routegroups_known = r->routegroups_known;
	buf_free(&e);
	return rc;
}
