/* poll_loop.h: routesrv-serve's poll cycle (spec eskip-and-http.md B7).
 *
 * One cycle: read every configured source (the Kubernetes API, -kubernetes-manifests,
 * -routes-file); stop there ("routes did not change") when their inputs are those of the
 * last good cycle (source_identity.h: API bodies byte for byte, files by identity), else
 * load, process and serve them through the pipeline (pipeline.h; this replaces B7.4's
 * comparison of the raw routes): the served form and the zone documents (B7.5), published
 * as a new snapshot only when the bytes changed. Files that are still changing are not read
 * until they have settled (source_settle.h): the last good table stays served meanwhile. A source failure is logged ("failed to fetch routes") and counted
 * (routes.fetch_errors); the last good table stays served. An empty table never replaces
 * a non-empty one ("received empty routes; ignoring"), and with -max-route-deletion an update
 * that deletes too much of the served table is held (deletion_guard.h). A good cycle with
 * the API as a source ends with the Ingress status PATCHes of -kubernetes-status-from-service,
 * after its table is published.
 *
 * How long a change took (routesrv_change_latency_seconds, metrics.h): each publication
 * but the first is measured from the start of its cycle, and, when objects that changed
 * since the last read carry metadata.managedFields times, from the newest of them
 * (kube_changes.h: whole seconds).
 *
 * Timing (B7.1): the first cycle runs at once, then one per interval; a cycle that
 * overruns the interval delays the next one (it starts at once), cycles never stack.
 *
 * Threads: everything here runs on the calling thread (the only one that touches jv,
 * route tables and the API client); request threads only see published snapshots.
 * Ownership: the loop borrows everything in its config; poll_loop_free() frees the loop. */
#ifndef ROUTESRV_POLL_LOOP_H
#define ROUTESRV_POLL_LOOP_H
#include <stdbool.h>
#include <time.h>

#include "http/snapshot.h"
#include "pipeline/ingress_status.h"
#include "pipeline/pipeline.h"
#include "source/kube_client.h"
#include "source/source_settle.h"

typedef struct {
	kube_client *client;                     /* the API source, or NULL */
	const char *manifests;                   /* -kubernetes-manifests PATH, or NULL */
	const char *routes_file;                 /* -routes-file FILE, or NULL */
	/* Conversion and processing options; its on_cluster hook sees each cluster read (the
	 * API's, then the manifests'), e.g. for the shard endpoints. Poll thread. */
	const pipeline_options *pipeline;
	long interval_ms;                        /* -source-poll-timeout, > 0 */
	long settle_ms;                          /* -source-settle-interval (source_settle.h); 0: off */
	double max_deletion;                     /* -max-route-deletion (deletion_guard.h); 0: off */
	long deletion_hold_ms;                   /* -max-route-deletion-hold; 0: never publish a held update */
	size_t max_zones;                        /* -max-zones (zone_tables.h) */
	snapshot_slot *slot;                     /* where tables are published */
	/* -kubernetes-status-from-service, or NULL: planned from each cluster the API gives
	 * (ingress_status_plan), sent at the end of every good cycle (ingress_status_send). */
	ingress_status *status;
	/* Called right after each publication with the new table (e.g. for the fleet view);
	 * NULL: none. Poll thread. */
	void (*on_publish)(void *ctx, snapshot *s);
	void *on_publish_ctx;
} poll_config;

typedef struct poll_loop poll_loop;

/* What a wait between cycles was ended by. */
typedef enum {
	POLL_WAKE_TICK,      /* the deadline passed: run the next cycle */
	POLL_WAKE_RELOAD,    /* run a cycle now, re-reading files even if they look unchanged */
	POLL_WAKE_STOP,      /* leave the loop */
} poll_wake;

/* Waits until deadline (CLOCK_MONOTONIC) or an event; supplied by the command. */
typedef poll_wake (*poll_wait_fn)(void *ctx, const struct timespec *deadline);

poll_loop *poll_loop_new(const poll_config *cfg);
void poll_loop_free(poll_loop *p);              /* NULL is fine */


/* Logs "starting polling", runs cycles until wait() returns POLL_WAKE_STOP, then logs
 * "polling stopped". */
void poll_loop_run(poll_loop *p, poll_wait_fn wait, void *ctx);
#endif
