/* zone_tables.h: the per-zone variants of a processed table (spec eskip-and-http.md B7.5,
 * kubernetes-to-eskip.md §9.3 step 5), served at /routes/<zone>.
 *
 * Zones are every non-empty zone of any LB endpoint of any route, sorted bytewise. The
 * table of zone Z holds every route of the full table, in the same order:
 *   - unchanged if it has the filter annotate("zalando.org/traffic-zone-aware", "false")
 *     (exactly that name and two string arguments): the opt-out;
 *   - else, if at least ZONE_MIN_ENDPOINTS of its LB endpoints are in Z, the route with just
 *     those endpoints (original order);
 *   - else unchanged (the backend type is not looked at, only the endpoint list).
 * Routes are never dropped, so a zone's X-Count is the full table's count. A zone table can
 * print byte-identically to the full table. A zone not in the set is served the full table
 * (zone_tables_find returns NULL for it).
 *
 * Ownership: zone tables borrow from the full table: each has its own arena with its route
 * array and the shortened endpoint arrays, while strings, predicates and filters still
 * point into the full table's arena. Free the zone tables (zone_tables_free /
 * route_table_free) before, or together with, the full table; do not modify the full table
 * while they are in use. */
#ifndef ROUTESRV_ZONE_TABLES_H
#define ROUTESRV_ZONE_TABLES_H
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "route.h"

#define ZONE_MIN_ENDPOINTS 3
#define ZONE_AWARE_ANNOTATION "zalando.org/traffic-zone-aware"

typedef struct {
	str zone;              /* lives in the zone_tables' arena */
	route_table *table;    /* borrowing table, see above; t->n == full table's n */
	size_t nfiltered;      /* how many routes had their endpoints reduced to this zone */
} zone_table;

typedef struct {
	zone_table *v;
	size_t n;
	arena *arena;
} zone_tables;

/* Builds the tables of every zone of t (t is normally processed: canonical and sorted, so
 * the zone tables are too). Never NULL; n is 0 when no endpoint has a zone. */
zone_tables *zone_tables_build(const route_table *t);
/* The table of one zone, or NULL for a zone not in the set (serve the full table). */
const zone_table *zone_tables_find(const zone_tables *z, str zone);
void zone_tables_free(zone_tables *z);   /* NULL is fine; frees every zone table */

/* The table a skipper in `zone` gets: a borrowing table as above, for any zone name (an
 * unknown zone gives every route unchanged). Free with route_table_free. */
route_table *zone_table_build(const route_table *t, str zone, size_t *nfiltered);

/* True if r opted out of zone-aware endpoints with annotate("zalando.org/traffic-zone-aware", "false"). */
bool route_zone_aware_opt_out(const route *r);
#endif
