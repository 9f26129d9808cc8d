/* kube_read_internal.h: the pieces of the Kubernetes object reader (kube_read.h), shared
 * by its source files only: document dispatch and jv → struct decoding (kube_decode.c),
 * the JSON item splitter (kube_read_json.c) and YAML → jv conversion (kube_yaml.c). */
#ifndef ROUTESRV_KUBE_READ_INTERNAL_H
#define ROUTESRV_KUBE_READ_INTERNAL_H
#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "objects/kube_model.h"
#include "objects/kube_read.h"

typedef struct {
	kube_cluster *c;
	const char *source;     /* file name or "-" for messages */
	bool yaml;              /* values came from YAML: plain scalars may stand for strings */
	kube_read_options opts; /* strict, processes, fork_bytes (never NULL here) */
	buf *err;               /* receives the message when a call returns -1 */
	/* Provenance given to each decoded object (kube_meta.source, .line): the file name in
	 * the cluster's arena (NULL for API pages) and the line of the document or item being
	 * decoded; a YAML List's items have lines of their own (item_lines, by index). */
	const char *source_kept;
	size_t line;
	const size_t *item_lines;
	size_t nitem_lines;
	size_t ndocs;           /* top-level documents seen, to tell empty input */
} kube_read_ctx;

/* Files must hold Kubernetes objects: -1 with "<source>:<line>: not a Kubernetes object:
 * <what>" in r->err. */
int kube_not_an_object(kube_read_ctx *r, const char *what);

/* Decodes one top-level document: an object, a `List` or a typed list. `list_kind` is the
 * kind of kind-less items (API list responses) or NULL. Consumes doc. Returns 0, or -1
 * (strict mode, a type mismatch) with the message in r->err. */
int kube_decode_document(kube_read_ctx *r, jv doc, const char *list_kind);
/* Decodes one object whose kind is `kind` (NULL: read it from the object). Consumes obj. */
int kube_decode_object(kube_read_ctx *r, jv obj, const char *kind);
/* One item of a list: of kind item_kind (a typed list, an API page), or (NULL: a plain List
 * read from a file) an object naming its kind, else an error (kube_not_an_object). */
int kube_decode_item(kube_read_ctx *r, jv item, const char *item_kind);

/* "IngressList" → "Ingress" in buf out; NULL if kind is not a typed list ("List" gives ""). */
const char *kube_list_item_kind(const char *kind, char *out, size_t outlen);
/* Looks a key up as Go's encoding/json does: exact match first, then case-insensitively.
 * Borrows obj; returns an owned value, or jv_invalid() when absent. */
jv kube_json_field(jv obj, const char *key);

/* JSON input: one or more values one after another. Objects with an "items" array are
 * split into items without parsing the whole text into one jv tree. */
int kube_read_json(kube_read_ctx *r, const char *data, size_t len, const char *list_kind);

/* YAML input: every document of a stream as a jv (YAML 1.1 scalar resolution as Go's
 * yaml.v2: plain true/false/yes/no/on/off, ints, floats, null; quoted scalars are strings;
 * anchors, aliases and << merge keys; alias expansion is capped against "billion laughs").
 * Calls each(ud, doc) per non-empty document (doc owned by the callback); stops when it
 * returns non-zero and returns that. A syntax error returns -1 with
 * "<source>:<line>:<col>: <reason>" in err. */
/* The value of a plain (unquoted, untagged) scalar under those rules: null, bool, number,
 * or the text as a string. */
jv kube_yaml_resolve_plain(const char *text, size_t len);

/* Where a document starts (1-based lines): its root node, and each item of a top-level
 * "items" sequence (a List), in order. */
typedef struct {
	size_t doc;
	const size_t *items;
	size_t nitems;
} kube_yaml_lines;
typedef int (*kube_yaml_doc_fn)(void *ud, jv doc, const kube_yaml_lines *lines);
int kube_yaml_documents(const char *data, size_t len, const char *source, kube_yaml_doc_fn each, void *ud, buf *err);
#endif
