/* publish.h: a processed table becomes the served snapshot (spec eskip-and-http.md B7.5,
 * B7.6), the same way for every loop that makes tables: routesrv-serve's poll loop and its
 * watch mode (watch_loop.h).
 *
 * publish_table processes the routes, builds the served form, ETags and zone documents
 * (pipeline.h) and publishes a new snapshot only when the served bytes differ from the
 * current one; it logs "routes initialized" / "routes updated" with the counts of inserted,
 * deleted and updated routes, "routes did not change", or, for an empty table (which never
 * replaces a served one), "received empty routes; ignoring" (routes.empty). With a deletion
 * guard (publish_state.guard) an update that deletes too much is held (PUBLISH_HELD); zones
 * beyond publish_state.max_zones are served the full table (said when their number changes).
 * Metrics: the routes.* gauges, table bytes, routes.zone_bytes, routes.zones_beyond_max,
 * routes.unparsable_dropped.
 *
 * publish_incremental publishes watch mode's incremental compile (incremental.h) through the
 * same steps: only the documents come from elsewhere.
 *
 * Threads: the loop's thread (jv, route tables); request threads only see published
 * snapshots. Ownership: the table is the caller's (processed in place), the slot too. */
#ifndef ROUTESRV_PUBLISH_H
#define ROUTESRV_PUBLISH_H
#include <stddef.h>

#include "base/log.h"
#include "eskip/route.h"
#include "http/snapshot.h"
#include "pipeline/deletion_guard.h"
#include "pipeline/incremental.h"
#include "pipeline/pipeline.h"

typedef enum {
	PUBLISH_HELD = -2,        /* deletes more than the deletion guard allows: the served table stays */
	PUBLISH_EMPTY = -1,       /* no routes: ignored, the served table stays */
	PUBLISH_UNCHANGED = 0,    /* the served bytes are those already published */
	PUBLISH_UPDATED = 1,      /* a new snapshot replaced the served one */
	PUBLISH_FIRST = 2,        /* the first snapshot is published */
} publish_result;

/* Called right after a publication with the new table (e.g. the fleet view); fn NULL: none. */
typedef struct {
	void (*fn)(void *ctx, snapshot *s);
	void *ctx;
} publish_hook;

/* A loop's limits and what it keeps from one publication to the next. */
typedef struct {
	size_t max_zones;            /* -max-zones: zones with a document of their own (zone_tables.h) */
	deletion_guard *guard;       /* -max-route-deletion (deletion_guard.h); NULL: none */
	size_t zones_beyond;         /* zones served the full table at the last publication */
} publish_state;

/* hook may be NULL. */
publish_result publish_table(const pipeline_options *o, snapshot_slot *slot, route_table *t, const publish_hook *hook,
			     publish_state *st);
/* The same for a table processed and served already (pipeline_serve): its zone
 * documents are built and the document taken when it is published (served stays the
 * caller's to free). Watch mode's relist publishes its full compile with it. */
publish_result publish_processed(snapshot_slot *slot, const route_table *t, pipeline_served *served,
				 const publish_hook *hook, publish_state *st);
/* Watch mode: incremental_publish(inc) published the same way (the same comparison, guard,
 * zone cap, logs, metrics and hook): the snapshot gets copies of its full document and of its
 * gzip members (snapshot_new_gzip), and takes its zone documents (incremental_take_zones) when
 * it is published. st->max_zones is unused: inc applies the one it was made with. */
publish_result publish_incremental(snapshot_slot *slot, incremental *inc, const publish_hook *hook, publish_state *st);
/* "received empty routes; ignoring", counted (routes.empty). */
void publish_empty_routes(void);

typedef struct {
	size_t inserted, deleted, updated;
} publish_changes;

/* The routes that differ between two served forms (sorted by route ID, one route per
 * line). With max_logged > 0, logs at `level` one line per differing route (msg, op=
 * inserted|deleted|updated, id=...), inserted first, at most max_logged of them. */
publish_changes publish_diff(const char *old, size_t oldlen, const char *new, size_t newlen, log_level level,
			     const char *msg, size_t max_logged);
#endif
