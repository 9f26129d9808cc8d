/* deletion_guard.h: an opt-in guard against mass deletion (beyond skipper; routesrv(7)).
 *
 * An API server that answers valid but empty lists (a restored etcd backup, a wrong
 * namespace or label selector after a configuration change) or a manifests directory
 * emptied by mistake would delete every route of the fleet at once, while the health-check
 * and redirect routes keep the table from being empty (so the "empty table never replaces a
 * served one" rule does not apply). With -max-route-deletion F, an update that would delete
 * more than F of the served table's routes is held: the served table stays, the hold is
 * logged with the counts (WARN when it starts or its counts change, DEBUG otherwise),
 * counted (routes.deletion_held per held update) and shown (gauge routes.held_deletions:
 * the routes the held update would delete, 0 when none; both exist from start-up, also
 * with the guard off), and /health keeps answering.
 *
 * A held update is published when the deleting change has persisted, in every cycle, for
 * -max-route-deletion-hold; with a hold of 0 (the default) it is never published: an operator
 * who means the deletion restarts routesrv-serve (its first table is never held, nothing is
 * served yet) or raises the limit. A cycle whose table deletes within the limit (the API
 * recovered) ends the hold and is published as usual. Off by default (-max-route-deletion 0):
 * skipper's behaviour.
 *
 * Both the poll loop and an event-driven loop call deletion_guard_allows() in their publish
 * step, with the served table's route count and the routes the new table lacks.
 *
 * Ownership: a deletion_guard is the caller's (a plain value). Not thread-safe. */
#ifndef ROUTESRV_DELETION_GUARD_H
#define ROUTESRV_DELETION_GUARD_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	double max_fraction;     /* 0: off; else the largest fraction of served routes one update may delete */
	long hold_ms;            /* how long a deleting change must persist to be published; 0: never */
	bool holding;
	double since;            /* monotonic seconds of the first held update */
	size_t held_deleted, held_count;   /* of the latest held update (for its log line) */
} deletion_guard;

void deletion_guard_init(deletion_guard *g, double max_fraction, long hold_ms);

/* Whether an update that leaves `count` routes and deletes `deleted` of the `served` routes
 * may be published at `now` (monotonic seconds). False: held (logged, counted); call again
 * with the next cycle's update, which is how the hold is timed. */
bool deletion_guard_allows(deletion_guard *g, size_t served, size_t deleted, size_t count, double now);

/* The served table stays as it is (the sources are back to it): any hold ends. */
void deletion_guard_clear(deletion_guard *g);
#endif
