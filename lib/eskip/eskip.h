/* eskip.h: skipper's route language: parse, print, canonical form, equality, the served
 * table's order, JSON form (spec eskip-and-http.md part A).
 *
 * Ownership: parsed routes go into a caller-supplied route_table (its arena owns them).
 * Error messages are written into a caller-supplied buf. Printers append to a buf. */
#ifndef ROUTESRV_ESKIP_H
#define ROUTESRV_ESKIP_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "eskip/route.h"

/* --- parsing (A2-A4) ----------------------------------------------------------------- */
/* Parses a route document and appends its routes to t. Returns 0, or -1 with skipper's
 * message in err (e.g. "parse failed after token ->, position 5: syntax error"); on error
 * no route is appended (t->n is restored). *err_pos (if not NULL) gets the byte offset of
 * a syntax error, or -1 for errors without a position (semantic errors). */
int eskip_parse(route_table *t, const char *text, size_t len, buf *err, long *err_pos);
/* Predicate / filter lists (annotations, flags, RouteGroup fields): trims Unicode space at
 * both ends, empty → 0 calls; predicates named "*" are dropped. The calls are allocated in
 * a; *out is NULL when *n is 0. */
int eskip_parse_predicates(arena *a, const char *text, size_t len, call **out, size_t *n, buf *err);
int eskip_parse_filters(arena *a, const char *text, size_t len, call **out, size_t *n, buf *err);

/* --- printing (A6) ------------------------------------------------------------------- */
typedef struct {
	bool pretty;           /* "\n  -> " between parts, "\n\n" between routes */
	const char *indent;    /* pretty indent, default "  " */
} eskip_print_opts;

void eskip_print_arg(buf *out, const arg *a);           /* 3.14, "esc\"aped" */
void eskip_print_go_float(buf *out, double v);          /* Go %.0f / shortest %g rule */
/* How arguments print: as Go, but never in exponent form, which eskip cannot parse. */
void eskip_print_number(buf *out, double v);
void eskip_print_call(buf *out, const call *c);         /* Name(arg, arg) */
/* Route expression without id (Route.String()). */
void eskip_print_expression(buf *out, const route *r, const eskip_print_opts *o);
/* A document (Fprint): 0 routes → nothing; one id-less route → its expression;
 * otherwise "id: expr;" joined by "\n" ("\n\n" pretty), no trailing newline. */
void eskip_print_routes(buf *out, const route *routes, size_t n, const eskip_print_opts *o);
/* LB endpoint as printed: address, or address + "?zone=" + QueryEscape(zone) (A7). */
void eskip_print_endpoint(buf *out, const lb_endpoint *e);

/* --- canonical form and equality (A8) ----------------------------------------------- */
/* Writes the canonical form of src into *dst, allocating in a (dst may not alias src).
 * Legacy fields are moved into generic predicates (legacy Header/HeaderRegexp entries
 * sorted by name then value), predicates stably sorted by name, LB endpoints sorted by
 * address, shunt flag normalised, unused backend fields dropped. */
void route_canonical(arena *a, const route *src, route *dst);
bool route_eq(const route *a, const route *b);         /* canonical comparison (A8.4) */
/* Order-insensitive list equality (A8.5): false if either list has a duplicate id. */
bool route_lists_eq(const route *a, size_t na, const route *b, size_t nb);
bool arg_eq(const arg *a, const arg *b);
bool call_eq(const call *a, const call *b);
/* Two lists of calls: the same length and call_eq pairwise (order matters). */
bool calls_eq(const call *a, size_t na, const call *b, size_t nb);

/* --- the served table's order (DECISIONS.md 1; printed by table/served_form.h) ------- */
/* Replaces every route of t by its canonical form and stably sorts the table by id. */
void route_table_canonicalize(route_table *t);

/* --- parsability (what skipper accepts) --------------------------------------------- */
/* 0 if r's served text (the document of a table holding only r: "id: expr;", or the bare
 * expression when the id is empty) parses with eskip_parse into one route with r's id;
 * else -1 with the reason appended to err: skipper's parse error (e.g. `invalid route
 * "x": Header predicate expects 2 string arguments`), or `route id "<id>" reads back as
 * ...` when the text parses into other routes. Most routes are proven parsable without
 * printing them (see eskip_check.c). */
int route_check_parsable(const route *r, buf *err);
/* Called for each route route_table_drop_unparsable removes, before it is removed. */
typedef void (*route_drop_fn)(const route *r, const char *err, void *ctx);
/* Removes every route whose text in t's served document would not parse (as above; in a
 * table of several routes an id-less route prints as ": expr;", which never parses), keeping
 * the order of the rest. Returns how many were removed. */
size_t route_table_drop_unparsable(route_table *t, route_drop_fn dropped, void *ctx);

/* --- JSON form (A10) -------------------------------------------------------------- */
/* Appends a JSON array of the routes in canonical form (one object per route). */
void eskip_print_json(buf *out, const route *routes, size_t n);
/* A JSON string as Go's encoder writes it without HTML escaping (invalid UTF-8 → \ufffd). */
void eskip_json_string(buf *out, const char *s, size_t n);
#endif
