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

#include "base/arena.h"
#include "base/buf.h"
#include "eskip/route.h"
#include "table/served_form.h"

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

/* --- zone documents from the full document ------------------------------------------------
 *
 * A zone's served document differs from the full one only in the routes whose endpoints it
 * shortens, and there only in the endpoint list at the end of the route. Printing every
 * zone's table again cost as much as printing the full table once per zone; instead the
 * full document is printed once with each route's place recorded, and each zone document is
 * copied from it: runs of unchanged routes in one piece, a shortened route as its text up to
 * the first endpoint followed by the kept endpoints' text. A route whose text does not have
 * the expected shape (escaped endpoint text, a non-LB backend) is printed instead; the shape
 * is checked right after printing the full document's route, while its bytes are in the cache. The result
 * is byte for byte served_form_print() of zone_table_build()'s table. */

/* Appends the served document of `zone` for t (d is t's served_doc): the bytes of
 * served_form_print(zone_table_build(t, zone, &nfiltered)). Returns nfiltered; 0 means the
 * document equals d->doc. */
size_t zone_doc_print(buf *out, const route_table *t, const served_doc *d, str zone);

/* Every zone's served document (what serve publishes at /routes/<zone>), sorted by zone name.
 * A zone whose nfiltered is 0 has an empty doc: its document is the full one. */
typedef struct {
	str zone;              /* lives in the zone_docs' arena */
	buf doc;
	size_t nfiltered;
} zone_doc;

typedef struct {
	zone_doc *v;
	size_t n;
	arena *arena;
} zone_docs;

zone_docs *zone_docs_build(const route_table *t, const served_doc *d);   /* never NULL */
void zone_docs_free(zone_docs *z);                                        /* NULL is fine */

#endif
