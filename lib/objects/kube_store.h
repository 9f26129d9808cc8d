/* kube_store.h: the watched objects, as the API server last described them (watch mode,
 * spec kubernetes-watch.md W1, W3).
 *
 * Per resource type (kube_list_id), objects keyed by "namespace/name" hold their
 * metadata.resourceVersion and, when the store keeps text (kube_store_new), their JSON text
 * as the API sent it, with "kind" and "apiVersion" first (list items get them spliced in,
 * event objects have them). The store is fed by the watch (source/kube_watch.h): a complete
 * list replaces a type's objects, ADDED and MODIFIED put one, DELETED removes one, a
 * RouteGroup CRD that went away drops that type. Each change reports whether it changed
 * anything, so that a relist that found nothing new or an event that repeats what is stored
 * triggers no rebuild, and tells a kube_store_change function about each object it added,
 * changed or removed, with the object's text: watch mode's incremental compile keeps its
 * own copy of every object (incremental.h), so the store of routesrv-serve keeps keys and
 * resourceVersions only, and a list (the first, a 410's, the periodic relist) reaches the
 * compile as the objects it changed. An object without a resourceVersion (never from an API
 * server) keeps its text all the same: its bytes are its version.
 *
 * kube_store_each gives a type's objects in the API's list order (etcd's key order,
 * "namespace/name" bytewise), so that a table compiled from a store that keeps text is the
 * table a poll of the same objects compiles (pipeline_load_store). Nothing is decoded here.
 *
 * Bounds: an object is at most KUBE_WATCH_MAX_EVENT bytes (the watch frames no more); the
 * map is hashed with a per-process seed (base/hmap.h), so tenant names cannot make lookups
 * linear; iteration in order sorts (n log n).
 *
 * Ownership: the store owns copies of everything it is given (kube_store_free). Not
 * thread-safe: the watch's thread owns it. */
#ifndef ROUTESRV_KUBE_STORE_H
#define ROUTESRV_KUBE_STORE_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "source/kube_client.h"
#include "source/kube_watch.h"

typedef struct kube_store kube_store;

/* One stored object; borrowed from the store until its next change. */
typedef struct {
	const char *key;           /* "namespace/name" (JSON string contents, escapes kept) */
	size_t keylen;
	const char *text;          /* the object's JSON with kind and apiVersion first; NULL when
	                            * the store does not keep it */
	size_t len;
	const char *rv;            /* metadata.resourceVersion, "" when absent */
} kube_store_object;

/* keep_text: keep every object's text (kube_store_each gives it; pipeline_load_store needs
 * it); false: only keys and resourceVersions. */
kube_store *kube_store_new(bool keep_text);
void kube_store_free(kube_store *s);   /* NULL is fine */

/* Told of each object a change added (ADDED), changed (MODIFIED: another version) or removed
 * (DELETED: text NULL). ns and name are JSON string contents (escapes kept); the text has
 * kind and apiVersion first; all borrowed for the call. */
typedef struct {
	void (*fn)(void *ctx, kube_list_id id, kube_watch_type type, str ns, str name, const char *text, size_t len);
	void *ctx;
	bool every;   /* a list tells every object it holds (unchanged ones as ADDED): for a consumer
	               * that starts afresh */
} kube_store_change;

/* Replaces every object of type id with the items of a complete list (validated first: on
 * -1 with "GET <url>: ..." in err the store is unchanged). Returns how many objects were
 * added, changed (another version) or removed. A RouteGroup list marks RouteGroups known.
 * fn (may be NULL) is told of each. */
long kube_store_replace(kube_store *s, kube_list_id id, const kube_list *l, const kube_store_change *fn, buf *err);
/* Applies one watch event's object. 1 when the store changed (fn, may be NULL, is told), 0
 * when it already held this version (or a DELETED object it did not hold), -1 when the text
 * is not a JSON object (err). */
int kube_store_apply(kube_store *s, kube_list_id id, kube_watch_type type, const char *object, size_t len,
		     const kube_store_change *fn, buf *err);
/* Removes every object of type id (the RouteGroup CRD is gone: RouteGroups unknown again),
 * telling fn (may be NULL) of each. Returns how many were removed. */
size_t kube_store_drop(kube_store *s, kube_list_id id, const kube_store_change *fn);

size_t kube_store_count(const kube_store *s, kube_list_id id);
/* The RouteGroup CRD was listed (kube_store_replace) and not dropped since. */
bool kube_store_routegroups_known(const kube_store *s);
/* Bytes of object text and resourceVersions held (a metric; the store's size is about this). */
size_t kube_store_bytes(const kube_store *s);

typedef int (*kube_store_fn)(void *ctx, kube_list_id id, const kube_store_object *o);
/* Calls fn for every object of type id in "namespace/name" byte order; stops at the first
 * non-zero return and returns it (else 0). The store must not change meanwhile. */
int kube_store_each(const kube_store *s, kube_list_id id, kube_store_fn fn, void *ctx);
#endif
