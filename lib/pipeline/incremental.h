/* incremental.h: the pipeline driven by object events (watch mode, issue 14 §2): an event
 * recompiles only the objects it touches, and the served table is patched from the parts
 * that changed. The bytes served are those a full compile of the same objects serves
 * (pipeline_load_buffer of the objects, pipeline_process, pipeline_serve,
 * pipeline_serve_zones); tests/unit/test_incremental.c checks it after every step of
 * random event sequences.
 *
 * How (the steps are pipeline.h's, called one object group at a time):
 *   - decode: each event's bytes are decoded and selected alone (pipeline_decode_buffer);
 *     an object the selectors reject, or that decodes to nothing (a wrong-typed field is
 *     skipped with a log line, as for files), is absent.
 *   - units: Ingresses and RouteGroups are compiled in units, groups of objects that can
 *     influence each other's routes: Ingresses sharing a host bucket (catch-alls, redirect
 *     twins, east-west), objects reading the same Service/Endpoints/EndpointSlice (skipper's
 *     per-cycle endpoint caches), and objects whose routes have an id in common (the
 *     first-wins de-duplication, clones, the stable sort). What an object reads is reported
 *     by the compile itself (kube_observer, routes/kube_cycle.h), so the groups follow the
 *     converters; when a compile finds a unit touching another, both are merged and compiled
 *     again (correctness first: a unit only ever grows to be right). The cluster-wide
 *     routes (health check, HTTPS redirect, the OAuth2 callback) are a unit of their own.
 *   - compile and process: a unit is a cluster of its objects and the Services, Endpoints
 *     and EndpointSlices they read (pipeline_compile_cluster), processed alone
 *     (pipeline_process; the OAuth2 route only in the cluster-wide unit), printed alone
 *     (served_doc_print).
 *   - serve: the routes of every unit, merged by id (no id is in two units), give the full
 *     document and its ETags: runs of lines unchanged since the last publish are copied
 *     from its document in one piece, new lines from their unit's printed lines.
 *   - zones: zone_tables.h's documents, with the same bytes and the same -max-zones rule (the
 *     zones with the most endpoints, ties by name). A route's text in a zone that shortens
 *     it is printed once, when its unit compiles, by the zone documents' printer on that
 *     route alone (zone_doc_print), and kept with the unit. A zone's document is segments:
 *     slices of the full document, and runs of its own around its shortened lines (joined
 *     as zone_docs_build joins them); its gzip body is the full document's gzip members
 *     where it shortens none of their lines, and members of its own over the same lines
 *     elsewhere, reused across publishes as the full document's are. So a zone costs what
 *     it shortens, not a document, and a publish rebuilds zones in O(their own bytes).
 *   - gzip: each document is a sequence of gzip members (RFC 1952 §2.2: one stream to
 *     gunzip, Python's gzip, Go's gzip.Reader (multistream by default), libdeflate here), each compressing a run of whole
 *     lines that starts at a line whose id hashes to a multiple of 512 (or after 1 MiB), so
 *     bounds depend only on the lines' own bytes; a member whose lines are the same old
 *     lines in a row is the previous publish's member again, so a change recompresses the
 *     member around it. The cost: the body is 3.8 % (ingress) to 5.0 % (mixed) larger than
 *     one gzip stream of the same document (bench/incremental).
 *   - fall-backs, all to doing more: a group that turns out to read a Service it was not
 *     compiled with, or to share a read or an id with another unit, is merged and compiled
 *     again; routes without id (never from the converters) make the documents come from the
 *     whole table (served_doc_print, zone_docs_build).
 *
 * Events are cheap (the store is updated, affected objects marked); incremental_publish
 * does the work once for everything pending (so a debounced burst compiles each unit once).
 *
 * Differences from one full compile, in log lines only: a log line about an object is
 * printed when its unit is compiled, so lines about unchanged objects are not repeated.
 * The default-filters directory (-default-filters-dir) is read when a unit compiles (a
 * change of its files reaches the units compiled after it: the periodic full relist's
 * comparison is what catches it). The store's order (kind, namespace, name) is the order a
 * full compile must read objects in for equal bytes where order matters (objects under
 * both "" and "default", several EndpointSlices of one service).
 *
 * Cost: an event costs the compile of its unit (usually one object) plus copying the
 * documents (O(table bytes), memcpy) and hashing the full one for its ETag; a unit grows
 * with what its objects share (e.g. every Ingress on the host "" is one unit).
 *
 * Ownership: incremental_new borrows the options (they must outlive the state); events
 * are borrowed for the call (the store keeps a copy of each object's text, decoded only
 * while a unit reading it compiles: text costs a fraction of the decoded object). The
 * served table returned by incremental_publish is owned by the state and valid until the
 * next incremental_publish or incremental_free, except its zone documents, which the
 * caller may take (incremental_take_zones). Not thread-safe: one thread runs it (jv). */
#ifndef ROUTESRV_INCREMENTAL_H
#define ROUTESRV_INCREMENTAL_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "pipeline/pipeline.h"

typedef enum { INCR_ADDED, INCR_MODIFIED, INCR_DELETED } incremental_type;
typedef enum { INCR_INGRESS, INCR_ROUTEGROUP, INCR_SERVICE, INCR_ENDPOINTS, INCR_ENDPOINTSLICE } incremental_kind;

typedef struct {
	incremental_type type;             /* ADDED and MODIFIED both replace the object */
	incremental_kind kind;
	str ns, name;                      /* the object's key */
	const char *data; size_t len;      /* one object, JSON or YAML; unused for DELETED */
} incremental_event;

typedef struct {
	pipeline_served served;            /* full document, ETags, count, zone documents (zone_tables.h:
	                                    * segments; a ZONE_SEG_FULL segment of the gzip
	                                    * representation is a slice of `gzip`, not of the plain
	                                    * document) */
	buf gzip;                          /* full document as concatenated gzip members */
	size_t members;                    /* gzip members of the full document */
} incremental_served;

typedef struct incremental incremental;

/* max_zones: -max-zones, the zones with a document of their own (zone_tables.h). */
incremental *incremental_new(const pipeline_options *o, size_t max_zones);
/* Applies one event: 0, or -1 with "kind=K ns=N name=X: <why>" in err when its bytes do
 * not decode (the previous version of the object stays). */
int incremental_apply(incremental *inc, const incremental_event *ev, buf *err);
/* Whether the RouteGroup CRD exists (as kube_cluster.routegroups_known); default true. */
void incremental_set_routegroups_known(incremental *inc, bool known);
/* Compiles what events touched and returns the served table, patched; `changed` (may be
 * NULL) says whether its bytes differ from the previous publish. */
const incremental_served *incremental_publish(incremental *inc, bool *changed);
/* Hands the last publish's zone documents to the caller (zone_docs_free, or a snapshot takes
 * them: snapshot_add_zones); NULL when taken already. The state keeps no pointer into them. */
zone_docs *incremental_take_zones(incremental *inc);
void incremental_free(incremental *inc);   /* NULL is fine */

/* What the state holds, for benchmarks and metrics. */
typedef struct {
	size_t objects, units, largest_unit, compiled_objects;   /* compiled: since incremental_new */
	size_t gzip_members_reused, gzip_members_compressed;     /* by the last publish */
} incremental_stats;
void incremental_get_stats(const incremental *inc, incremental_stats *s);

/* Members of about `lines` lines instead of 512 (0: 512): for tests, so that small tables
 * have many members. */
void incremental_set_member_lines(incremental *inc, size_t lines);

/* Appends a gzip body of doc made of members cut at content-defined line bounds (as
 * incremental_publish makes it, without reuse): for the compression cost benchmark. */
void incremental_gzip_members(buf *out, const char *doc, size_t len);
#endif
