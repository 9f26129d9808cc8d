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
#include "table/etag.h"
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

/* --- every zone's served document, sharing what the full one has -------------------------
 *
 * What serve publishes at /routes/<zone>. A zone name costs only what its document does not
 * share with the full one (one EndpointSlice can name hundreds of zones: each used to cost a
 * full document and a full gzip body). Each zone's document is a list of segments, in order:
 * slices of the full document, and the zone's own text of the routes it shortens, where a
 * run of shortened routes and the unchanged routes between them (less than ZONE_GAP_MIN
 * bytes apart) is one piece. Its gzip representation is one gzip member spliced from
 * compressed pieces (gzip.h): the zone's own runs compressed on their own, and for every
 * slice of the full document the full document's pieces, compressed once per table at the
 * union of all zones' slice boundaries and shared by every zone. Nothing is compressed when
 * a request comes. A zone whose runs cover the whole document (the usual case of a few real
 * zones, whose endpoint lists are shortened everywhere) is one own piece with no gzip
 * segments: the server compresses it whole with libdeflate, as it does the full document.
 *
 * At most max_zones zones get a document of their own: those with the most endpoints (ties:
 * by name), so that a tenant's extra zone names cannot crowd out the cluster's real ones.
 * The others are served the full table, as any zone no endpoint names (zone_docs.nzones
 * counts them all). The bytes equal zone_doc_print()'s for every zone. */
#define ZONE_GAP_MIN 65536
#define ZONE_DEFAULT_MAX_ZONES 64

enum { ZONE_PLAIN = 0, ZONE_GZIP = 1 };
enum { ZONE_SEG_FULL, ZONE_SEG_OWN, ZONE_SEG_SHARED };

/* A piece of a representation: `len` bytes at `ptr`, or, for ZONE_SEG_FULL (ptr NULL), at
 * `off` in the full document's representation of the same encoding (which the snapshot owns
 * by then: it resolves them). zone_docs_build's gzip segments all have ptr; the incremental
 * compile's (pipeline/incremental.h) take whole gzip members of the full document. */
typedef struct {
	const char *ptr;
	size_t off, len;
	unsigned char src;       /* ZONE_SEG_* */
} zone_segment;

typedef struct {
	str zone;                /* lives in the zone_docs' arena */
	size_t nfiltered;        /* routes reduced to this zone's endpoints (B7.5) */
	size_t nshortened;       /* of those, the ones that lost endpoints; 0: the document is the
	                          * full one (no segments: share the full table's) */
	zone_segment *seg[2];    /* [ZONE_PLAIN], [ZONE_GZIP], in the arena; no gzip segments: the
	                          * document is one piece, to be compressed whole */
	size_t nseg[2], len[2];
	char etag[2][ETAG_MAX];  /* "<hex>" and "<hex>+gzip" of the plain document */
	buf own;                 /* the zone's own bytes, which its segments point into */
} zone_doc;

typedef struct {
	zone_doc *v;             /* sorted by zone name */
	size_t n;
	size_t nzones;           /* zones the endpoints name; those beyond n are served the full table */
	buf shared;              /* compressed pieces of the full document, shared by the zones */
	arena *arena;
} zone_docs;

/* The documents of the (at most max_zones) zones of t; d is t's served_doc and must stay
 * until the segments' full-document slices are resolved. Never NULL. */
zone_docs *zone_docs_build(const route_table *t, const served_doc *d, size_t max_zones);
void zone_docs_free(zone_docs *z);                                        /* NULL is fine */
/* Once a zone document's own bytes are final: points its ZONE_SEG_OWN segments (whose `off`
 * is in z->own) into them and computes its ETags from its plain segments (full-document
 * slices in d). For builders of zone documents (zone_docs_build, the incremental compile). */
void zone_doc_finish(zone_doc *z, const served_doc *d);
/* Writes a zone's representation enc (ZONE_PLAIN, ZONE_GZIP) out whole into out, full-document
 * slices taken from full, the full document's representation enc (for tests and tools; the
 * server sends the segments as they are). */
void zone_doc_write(buf *out, const zone_doc *z, int enc, const char *full);

#endif
