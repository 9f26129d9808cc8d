/* pipeline.h: routesrv's pipeline, defined once. Every command, the poll loop, the benches
 * and the fuzzers go through it, so that "what routesrv-compile prints" and "what
 * routesrv-serve serves" cannot drift apart.
 *
 *   read/fetch → decode → select → compile → process → served form → zone documents → ETags
 *   source/      objects/  objects/ routes/   routes/   table/        table/           table/
 *
 *   - load: objects from a source become raw routes (read or fetched bytes, decoded,
 *     selected, compiled by skipper's rules). The selection rule lives here only: the API
 *     filters server-side (the client sends the label selectors, pipeline_fetch),
 *     files are filtered client-side after decoding. API lists decode strictly (a field of the
 *     wrong type fails the load, as skipper's list decoding); files skip such an object with a
 *     log line. eskip route files give routes as they are.
 *   - process: routesrv's processing (route_process.h: default filters, OAuth2 callback,
 *     edits, clones, canonical order, unparsable routes dropped).
 *   - serve: the served form with each route's place, its ETags, then (separately, since
 *     only the server needs them) every zone's document.
 *
 * Watch mode: each step takes and returns plain values (a cluster in, routes appended to a
 * table; a processed table in, a served table out). The incremental pipeline
 * (pipeline/incremental.h) calls the decode and compile steps one object group at a time
 * (pipeline_decode_buffer, pipeline_compile_cluster), processes each group with
 * pipeline_process and patches the served table from each route's place (served_doc).
 *
 * Ownership: options are borrowed for each call; routes are appended to the caller's table
 * (nothing in it borrows from the sources or the options); a pipeline_served owns its bytes
 * (pipeline_served_free). Not thread-safe: one thread runs the pipeline (jv, the client). */
#ifndef ROUTESRV_PIPELINE_H
#define ROUTESRV_PIPELINE_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "eskip/route.h"
#include "objects/kube_model.h"
#include "objects/kube_read.h"
#include "objects/kube_store.h"
#include "routes/kube_options.h"
#include "routes/route_process.h"
#include "source/kube_client.h"
#include "table/etag.h"
#include "table/zone_tables.h"

typedef struct {
	const kube_options *kube;           /* conversion flags, label selectors included */
	const route_processing *process;    /* processing flags; NULL: none (canonical order and
	                                     * the parsability check only, as routesrv-etag) */
	kube_read_options read;             /* decoding of files (processes; strict is the source's) */
	/* Called with each cluster loaded (selected, before it is freed), e.g. for the shard
	 * endpoints of routesrv-serve. NULL: none. */
	void (*on_cluster)(void *ctx, const kube_cluster *c);
	void *on_cluster_ctx;
	/* Where problems about objects go (objects/kube_report.h); NULL: logged. A logging
	 * reporter also counts the objects of a file load, and the load logs at INFO how many
	 * of each kind it read, used and skipped (routesrv-compile). */
	kube_reporter *reporter;
} pipeline_options;

/* --- load: source → objects → raw routes -------------------------------------------------- */

/* The selection rule's request: the conversion flags' label selectors and endpoint kind
 * (what pipeline_fetch lists and a watch watches). */
void pipeline_fetch_request(const pipeline_options *o, kube_fetch_request *req);
/* Lists the cluster with the client: the label selectors of the conversion flags go to the
 * API server (server-side selection), and the endpoint kind they choose is listed. */
int pipeline_fetch(const pipeline_options *o, kube_client *api, kube_fetch_result *out, buf *err);
/* Routes of fetched API lists (decoded strictly, not selected again). Consumes fetched: its
 * bodies are freed as soon as they are decoded, before the compile, to keep the peak low. */
int pipeline_load_fetched(const pipeline_options *o, kube_fetch_result *fetched, route_table *out, buf *err);
/* The same for watch mode's periodic relist (lists collected from the watch), decoded as the
 * incremental compile decodes each object (an object with a field of the wrong type is
 * skipped and named, where a poll's strict decoding fails the whole list), so that the
 * relist's table compares like with like with the incremental one. listed stays the
 * caller's (the relist builds the incremental state again from it). */
int pipeline_load_relisted(const pipeline_options *o, kube_fetch_result *listed, route_table *out, buf *err);
/* Routes of the watched objects of a store that keeps text (watch mode with
 * -kubernetes-status-from-service plans statuses from it): each type's stored objects, in the API's list
 * order, decoded strictly as one list page, as pipeline_load_fetched decodes a poll's lists
 * of the same objects, so both give the same table. Not selected again (the watches were).
 * -1 with "failed to load cluster state: watched <Kind>s: <Kind> <ns>/<name>: ..." in err. */
int pipeline_load_store(const pipeline_options *o, const kube_store *store, route_table *out, buf *err);
/* Routes of Kubernetes objects in files, directories or "-" (selected after decoding). */
int pipeline_load_files(const pipeline_options *o, const char *const *paths, size_t npaths, route_table *out,
			buf *err);
/* Routes of Kubernetes objects in memory, JSON or YAML (selected as files are); `name`
 * names the buffer in messages. */
int pipeline_load_buffer(const pipeline_options *o, const char *data, size_t len, const char *name, route_table *out,
			 buf *err);
/* The load steps one at a time, for the incremental compile (pipeline/incremental.h):
 * decode objects from memory as pipeline_load_buffer does (lenient, selected client-side)
 * into c; compile a decoded, selected cluster into out, telling obs (may be NULL) what each
 * object reads across objects (routes/kube_cycle.h), with the cluster-wide routes
 * (health check, HTTPS redirect) only if global_routes. The on_cluster hook is not called:
 * such a cluster may be a part of one. */
typedef struct kube_observer kube_observer;   /* routes/kube_cycle.h */
int pipeline_decode_buffer(const pipeline_options *o, const char *data, size_t len, const char *name,
			   kube_cluster *c, buf *err);
void pipeline_compile_cluster(const pipeline_options *o, const kube_cluster *c, route_table *out,
			      const kube_observer *obs, bool global_routes);
/* Routes of eskip documents (files, URLs, "-"), as they are. */
int pipeline_load_eskip(const char *const *paths, size_t npaths, route_table *out, buf *err);

/* --- process ----------------------------------------------------------------------------- */

/* routesrv's processing of t in place; returns how many unparsable routes it dropped. */
size_t pipeline_process(const pipeline_options *o, route_table *t);
/* Load from files and process: the table routesrv-compile prints. NULL with the message in
 * err when a file cannot be read. */
route_table *pipeline_compile_files(const pipeline_options *o, const char *const *paths, size_t npaths, buf *err);

/* --- check: routesrv-compile -check ----------------------------------------------------------- */

/* Every problem of the objects in files, directories or "-", without printing routes:
 * read, select, compile and process as pipeline_compile_files does, with rep (a collecting
 * reporter, kube_reporter_init(rep, true)) receiving what skipper rejects or drops (errors)
 * and what converts but is probably wrong (warnings: routes/kube_lint.h, and missing backend
 * Services when the inputs hold Services); the problems end sorted by file and line. -1 with
 * the message in err when the input cannot be read or is not Kubernetes objects. The
 * objects' own checks take o->on_cluster's place (it is not called). */
int pipeline_check(const pipeline_options *o, const char *const *paths, size_t npaths, kube_reporter *rep, buf *err);
/* The same for objects in memory (data, len; name is their file name in the problems). */
int pipeline_check_buffer(const pipeline_options *o, const char *data, size_t len, const char *name, kube_reporter *rep,
			  buf *err);
/* Prints rep's problems: "FILE:LINE: Kind namespace/name: [warning: ]message" lines, or one
 * JSON object per line (file, line, kind, namespace, name, severity, message, path). */
void pipeline_check_print(buf *out, const kube_reporter *rep, bool json);

/* --- admit: one object, as an admission webhook sees it ------------------------------------------ */

/* Validates one Ingress or RouteGroup (JSON with its kind; decoded strictly). skipper_exact:
 * skipper's webhook answer (kube_validate_objects); otherwise also every error -check reports
 * for the object alone (what the data client would drop; no warnings, and no missing
 * Services: the webhook never asks the API server). Cost depends on the object only.
 * Returns 0 allowed, 1 rejected with the messages in msg (joined with "\n"), -1 when the
 * object cannot be decoded (the reason in msg). */
int pipeline_admit(const pipeline_options *o, const char *json, size_t len, bool skipper_exact, buf *msg);

/* --- serve: processed routes → served table ------------------------------------------------- */

typedef struct {
	served_doc full;                    /* the served form, with each route's place */
	char etag[ETAG_MAX];                /* of full.doc: "<hex>" */
	char etag_gzip[ETAG_MAX];           /* of its gzip representation: "<hex>+gzip" */
	zone_docs *zones;                   /* every zone's document; NULL until pipeline_serve_zones */
	size_t count;                       /* routes (X-Count) */
} pipeline_served;

/* The served form of processed t and its ETags into s (zeroed first). */
void pipeline_serve(const route_table *t, pipeline_served *s);
/* Adds the documents of at most max_zones zones (B7.5; zone_tables.h: the zones with the most
 * endpoints), made from s->full and sharing its bytes: keep s->full until they are resolved. */
void pipeline_serve_zones(const route_table *t, pipeline_served *s, size_t max_zones);
void pipeline_served_free(pipeline_served *s);

/* How routesrv-compile prints a table: the served form, for humans, or JSON. */
typedef enum { PIPELINE_PRINT_SERVED, PIPELINE_PRINT_PRETTY, PIPELINE_PRINT_JSON } pipeline_print_format;
/* Appends what a skipper in `zone` gets (NULL: the full table) of processed t, in format f. */
void pipeline_print(buf *out, const route_table *t, pipeline_print_format f, const char *zone);
#endif
