/* watch_loop.h: routesrv-serve -kubernetes-watch, the event-driven alternative to the poll
 * loop (spec kubernetes-watch.md W1, W3, W4).
 *
 * The watch (source/kube_watch.h) lists every resource type once and then streams its
 * changes into an object store (objects/kube_store.h: keys and resourceVersions), which
 * hands every object a list or an event changed to the incremental compile
 * (incremental.h); that keeps each object's text and recompiles only what a change
 * touches. A change marks the table stale; the incremental compile's table is published
 * through the poll loop's publish path (publish.h publish_incremental: the same byte
 * comparison, deletion guard, zone cap, snapshot, logs and metrics; its gzip members and
 * zone documents served as they are):
 *   - debounce (W4): when changes have been quiet for debounce_ms, but never later than
 *     debounce_max_ms after the first pending change, so a burst gives one table;
 *   - fail closed: nothing is built before every resource type has had a complete first
 *     list (RouteGroups: or their CRD is known absent); /health answers 503 until then;
 *   - while watches fail, nothing changes the store and the last good table stays served;
 *     an object with a field of the wrong type is skipped with an error naming it (as in
 *     a file; a poll fails the whole cycle), an object that does not decode keeps its
 *     previous version;
 *   - a list after a 410 (or the RouteGroup CRD appearing) changes the objects that differ
 *     from the store's versions, as events would;
 *   - a safety net against a missed event or an incremental compile gone wrong: every
 *     relist_ms every type is listed again; the lists change the incremental state as any
 *     list does, whose table is kept aside and its memory given back; the pages are
 *     compiled in full on their own (pipeline_load_relisted, not from the state it checks).
 *     When that table differs from the watched one served before, the differing routes are
 *     logged (WARN, "relist: Inserted route 1 of 2" ...) and counted
 *     (watch.relist_differences); when it differs from the incremental one (the same
 *     objects: a bug), that is logged at ERROR and counted (watch.incremental_differences).
 *     The full one is served, and the incremental state built again from the same pages
 *     (peak memory: a compile or a state, not both; every relist starts it afresh). A
 *     relist with a refused list changes nothing more. SIGHUP (POLL_WAKE_RELOAD) runs it
 *     at once.
 * With -kubernetes-status-from-service the store keeps every object's text too: statuses
 * are planned from a full load of it (pipeline_load_store) after a publication whose changes
 * can move a status (an Ingress, a Service, endpoints in the status Service's namespace);
 * PATCHes that failed are sent again after every publication.
 *
 * Metrics (besides kube_watch's and publish's): watch.relist_differences,
 * watch.incremental_differences, watch.full_relists (counters), watch.debounce_delay_seconds (first pending change → rebuild),
 * watch.rebuild_seconds, watch.last_event_age_seconds, watch.store_bytes (gauges); the
 * last-success timestamp stays current while every watch runs; each table a change replaced
 * is observed in routesrv_change_latency_seconds{from="event"} (since the first pending
 * event arrived).
 *
 * Threads: all on the calling thread, like the poll loop: the watch's streams, the store,
 * the compile (jv). Ownership: the loop borrows its config (client, options, slot). */
#ifndef ROUTESRV_WATCH_LOOP_H
#define ROUTESRV_WATCH_LOOP_H
#include "http/snapshot.h"
#include "pipeline/ingress_status.h"
#include "pipeline/pipeline.h"
#include "pipeline/poll_loop.h"
#include "source/kube_client.h"
#include "source/kube_watch.h"

typedef struct {
	kube_client *client;
	const pipeline_options *pipeline;
	const kube_watch_config *watch;
	long debounce_ms;            /* -watch-debounce */
	long debounce_max_ms;        /* -watch-debounce-max */
	long relist_ms;              /* -watch-relist-interval; 0: never */
	snapshot_slot *slot;
	double max_deletion;         /* -max-route-deletion (deletion_guard.h); 0: off */
	long deletion_hold_ms;       /* -max-route-deletion-hold; 0: never publish a held update */
	size_t max_zones;            /* -max-zones (zone_tables.h) */
	ingress_status *status;      /* -kubernetes-status-from-service, or NULL: planned from each
	                              * rebuild's cluster, sent after it published */
	/* Called right after each publication with the new table (the fleet view); NULL: none. */
	void (*on_publish)(void *ctx, snapshot *s);
	void *on_publish_ctx;
	/* Readable when the command's wait function has something to take (a signalfd of the
	 * signals it waits for); -1: none. */
	int wake_fd;
} watch_loop_config;

/* Sets the defaults: debounce 100 ms, at most 1 s, a full relist every 10 minutes. */
void watch_loop_config_init(watch_loop_config *cfg);
/* The flags of watch mode (-kubernetes-watch, -watch-debounce, -watch-debounce-max,
 * -watch-relist-interval): opt.h entries from a group title to a {NULL} entry, targets in
 * cfg and *enabled (kube_watch_config_flags adds the watch's own). A static table: call once. */
const opt_def *watch_loop_flags(watch_loop_config *cfg, bool *enabled, size_t *n);
/* 0, or -1 with a usage message in err. */
int watch_loop_check(const watch_loop_config *cfg, buf *err);

typedef struct watch_loop watch_loop;

watch_loop *watch_loop_new(const watch_loop_config *cfg);
void watch_loop_free(watch_loop *l);   /* NULL is fine */

/* Logs "starting watching", runs until wait() returns POLL_WAKE_STOP, then logs "watching
 * stopped". wait is called with a deadline already reached whenever wake_fd is readable and
 * at least every quarter second (it takes signals and ends the shutdown wait). */
void watch_loop_run(watch_loop *l, poll_wait_fn wait, void *ctx);
#endif
