/* kube_read.h: Kubernetes objects from JSON or YAML into a kube_cluster.
 *
 * Accepted input: one object, a `List`, or a typed list (`IngressList`, ...) whose items
 * carry no `kind` (as the API returns them), in JSON or multi-document YAML. Objects of
 * kinds routesrv does not use are ignored. JSON goes through libjq's jv one item at a
 * time; YAML through libyaml. Decoding follows Go encoding/json where skipper depends on
 * it (spec kubernetes-to-eskip.md §3.2: case-insensitive keys, null = zero value).
 *
 * Errors: a document that cannot be parsed returns -1 with "<source>:<line>:<col>: <reason>"
 * (or a byte offset for JSON) in err. An object with wrong field types is skipped with a
 * log line naming kind, namespace/name and the field (strict: see kube_read_strict). */
#ifndef ROUTESRV_KUBE_READ_H
#define ROUTESRV_KUBE_READ_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "objects/kube_model.h"

/* Reads objects from a buffer; `source` names it in messages ("-" for stdin).
 * `list_kind` is the kind of the items when the buffer is an API list response whose items
 * carry no kind (e.g. "Ingress"), or NULL to take kinds from the objects. */
int kube_read_buffer(kube_cluster *c, const char *data, size_t len, const char *source, const char *list_kind, buf *err);
/* Reads a file, a directory (recursively: *.yaml, *.yml, *.json, in sorted order) or "-". */
int kube_read_path(kube_cluster *c, const char *path, buf *err);
/* Whether a directory entry of that name is read (and so fingerprinted, source_identity.c):
 * *.yaml, *.yml or *.json. */
bool kube_read_manifest_name(const char *name);

/* When true (the API client sets it), a type mismatch anywhere in an item fails the whole
 * read with an error, as skipper's list decoding does; when false (files) the item is
 * skipped with a log line. */
extern bool kube_read_strict;

/* How many processes read a large JSON list (kube_read_fork_bytes of items and more): 1
 * (the default) reads in this process; 2 forks a child that parses and decodes the second
 * half of the items into memory shared with this process while this one does the first half
 * (libjq is not thread-safe, so processes rather than threads). Objects, log lines and errors
 * come out as from one process. Only for single-threaded commands (routesrv-compile): fork
 * copies one thread only. */
extern int kube_read_processes;
extern size_t kube_read_fork_bytes;   /* 4 MiB; smaller only for tests */
#endif
