/* kube_read.h: Kubernetes objects from JSON or YAML into a kube_cluster.
 *
 * Accepted input: one object, a `List`, or a typed list (`IngressList`, ...) whose items
 * carry no `kind` (as the API returns them), in JSON or multi-document YAML. Objects of
 * kinds routesrv does not use are ignored. JSON goes through libjq's jv one item at a
 * time; YAML through libyaml. Decoding follows Go encoding/json where skipper depends on
 * it (spec kubernetes-to-eskip.md §3.2: case-insensitive keys, null = zero value).
 *
 * Errors: a document that cannot be parsed returns -1 with "<source>:<line>:<col>: <reason>"
 * in err. Files must hold Kubernetes objects: a document that is not an object with a kind
 * (a scalar, a JSON array, {}, `hello: world`, an eskip file) or a List without kind, and a
 * named file or stdin with no document at all, are errors naming the file and what was found
 * (a well-formed empty List is fine). A YAML file that looks like a Helm template (a `{{`
 * action) is skipped with a warning naming it. Each object keeps its file and line
 * (kube_meta.source, .line). An object with wrong field types is skipped with a
 * log line naming kind, namespace/name and the field (kube_read_options.strict: an error).
 *
 * Ownership: objects go into the caller's cluster (its arena); options are borrowed. */
#ifndef ROUTESRV_KUBE_READ_H
#define ROUTESRV_KUBE_READ_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "objects/kube_model.h"
#include "objects/kube_report.h"
#include "source/kube_client.h"

/* How objects are read. A NULL kube_read_options * means all zero: lenient, one process. */
typedef struct {
	/* True: a type mismatch anywhere in an item fails the whole read with an error, as
	 * skipper's list decoding does (API lists); false: the item is skipped with a log line
	 * (files). */
	bool strict;
	/* How many processes read a large JSON list (fork_bytes of items and more): 0 or 1 reads
	 * in this process; 2 forks a child that parses and decodes the second half of the items
	 * into memory shared with this process while this one does the first half (libjq is not
	 * thread-safe, so processes rather than threads). Objects, log lines and errors come out
	 * as from one process. Only for single-threaded commands (routesrv-compile): fork copies
	 * one thread only. */
	int processes;
	size_t fork_bytes;       /* 0: KUBE_READ_FORK_BYTES; smaller only for tests */
	/* Where problems about objects go (objects/kube_report.h); NULL: logged. Borrowed. */
	kube_reporter *reporter;
} kube_read_options;

#define KUBE_READ_FORK_BYTES (4u << 20)

/* Reads objects from a buffer; `source` names it in messages ("-" for stdin).
 * `list_kind` is the kind of the items when the buffer is an API list response whose items
 * carry no kind (e.g. "Ingress"), or NULL to take kinds from the objects. */
int kube_read_buffer(kube_cluster *c, const char *data, size_t len, const char *source, const char *list_kind,
		     const kube_read_options *o, buf *err);
/* Reads a file, a directory (recursively: source_manifest_name() files, in sorted order) or "-". */
int kube_read_path(kube_cluster *c, const char *path, const kube_read_options *o, buf *err);
/* Decodes every page of an API fetch into c (strict, whatever o says: skipper's list decoding)
 * and sets c->routegroups_known. 0 ok; -1 with "failed to load cluster state: ..." in err. */
int kube_read_fetched(kube_cluster *c, const kube_fetch_result *r, const kube_read_options *o, buf *err);
/* The same, decoded as o says (o->strict false: an object with a field of the wrong type is
 * skipped with a log line naming it, as the incremental compile skips it): watch mode's
 * periodic relist, which compares its table with the incremental one. */
int kube_read_lists(kube_cluster *c, const kube_fetch_result *r, const kube_read_options *o, buf *err);
#endif
