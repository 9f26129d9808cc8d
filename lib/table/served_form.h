/* served_form.h: the served form of a processed table (DECISIONS.md 1): the bytes
 * routesrv-serve serves at /routes, routesrv-compile prints and routesrv-etag hashes.
 *
 * The served form is the eskip document of the canonical, id-sorted table (route_process),
 * non-pretty: "id: expr;" joined by "\n", no trailing newline. A table of exactly one route
 * with an empty id prints as the bare expression, as skipper's Fprint does: ": expr;" would
 * not parse again, which breaks the fixed-point rule, while the bare expression parses back
 * to the same id-less route. (Several routes with empty ids cannot round-trip in any form;
 * they print as ": expr;", which route_table_drop_unparsable removes from served tables.)
 *
 * This file is the only printer of the served form. served_doc_print() also records where
 * each route's text is, so that zone documents can be copied from it (zone_tables.h).
 *
 * Ownership: a served_doc owns its doc and offsets (served_doc_free); printers append to
 * caller-owned bufs. */
#ifndef ROUTESRV_SERVED_FORM_H
#define ROUTESRV_SERVED_FORM_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "eskip/route.h"

/* A route's endpoints are reduced to a zone only when at least this many are in it (B7.5). */
#define ZONE_MIN_ENDPOINTS 3

/* The served document of a table with where each route's text is. */
typedef struct {
	buf doc;          /* the served form; owned (buf_steal it to keep it) */
	size_t *start;    /* n + 1 offsets: route i is doc[start[i], start[i + 1] - 1); a "\n" follows each route but the last */
	size_t *endpoints;   /* n offsets: where route i's first LB endpoint text is, checked while
	                      * it was in the cache; SIZE_MAX when the route is printed instead */
	size_t n;
	bool bare;        /* a table of one route without id: printed as the bare expression */
} served_doc;

/* Prints t's served form into d->doc (which must be empty) and records the routes' places.
 * t must be canonical and sorted (route_process or route_table_canonicalize). */
void served_doc_print(served_doc *d, const route_table *t);
void served_doc_free(served_doc *d);   /* frees the offsets and doc */

/* Appends t's served form to out (the same bytes as served_doc_print, no places). */
void served_form_print(buf *out, const route_table *t);

/* One route as the served form has it: "id: expr;", or the bare expression (bare: the
 * table is this one id-less route). */
void served_route_print(buf *out, const route *r, bool bare);
/* Length of an LB endpoint's printed text, quotes included: "address?zone=zone". */
size_t served_endpoint_text_len(const lb_endpoint *e);
#endif
