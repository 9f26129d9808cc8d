/* route_diff.h: semantic difference of two route tables, per route ID (spec A8.5, A11).
 *
 * Route order, whitespace, comments and legacy-vs-generic spelling do not matter: both
 * sides are compared in canonical form (A8.1), which also sorts predicates by name and LB
 * endpoints by address. Routes are matched by ID (optionally after stripping a prefix);
 * a route is "changed" when its predicates, filters or backend differ. An ID that occurs
 * more than once on a side is reported as a duplicate and makes the tables different, as
 * skipper's EqLists does; its routes are still matched as well as possible (equal routes
 * pair up, the rest pair up as changes, the remainder is added or removed).
 *
 * Ownership: a route_diff owns an arena with the normalised routes and entries; they
 * share strings and arrays with the input routes, so the inputs must outlive the diff.
 * Free with route_diff_free(). */
#ifndef ROUTESRV_ROUTE_DIFF_H
#define ROUTESRV_ROUTE_DIFF_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "eskip/route.h"

typedef enum { ROUTE_ADDED, ROUTE_REMOVED, ROUTE_CHANGED } route_change;

/* Parts of a changed route that differ (bit mask). */
enum { DIFF_PREDICATES = 1, DIFF_FILTERS = 2, DIFF_BACKEND = 4 };

typedef struct {
	route_change kind;
	str key;                   /* the ID matched on (prefix stripped) */
	const route *old_route;    /* normalised canonical form with its own ID; NULL if added */
	const route *new_route;    /* NULL if removed */
	unsigned parts;            /* DIFF_* for ROUTE_CHANGED, else 0 */
} route_diff_entry;

typedef struct {
	str key;
	size_t old_count, new_count;   /* routes with this ID on each side */
} route_diff_dup;

typedef struct {
	const char *const *ignore_id_prefixes;   /* the first matching prefix is stripped */
	size_t nignore_id_prefixes;
	bool ignore_zones;         /* LB endpoint zones are dropped before comparing */
	bool ignore_endpoints;     /* LB endpoint lists are dropped (type and algorithm remain) */
} route_diff_opts;

typedef struct {
	arena *arena;
	route_diff_entry *entries; /* sorted by key; within a key: old routes in input order, then additions */
	size_t n;
	route_diff_dup *dups;      /* sorted by key */
	size_t ndups;
	size_t added, removed, changed, unchanged;
} route_diff;

/* Compares two route lists (any form; canonicalised here). o may be NULL. */
void route_diff_compute(route_diff *d, const route *old_routes, size_t nold, const route *new_routes, size_t nnew,
			const route_diff_opts *o);
bool route_diff_same(const route_diff *d);        /* no entries and no duplicates */
void route_diff_free(route_diff *d);

/* DIFF_* mask of two canonical routes (IDs are not compared). */
unsigned route_parts_differ(const route *a, const route *b);
/* Marks the calls of each list that are not part of a longest common subsequence of the
 * two lists (call_eq), i.e. the ones a reader should look at. */
void calls_mark_differences(const call *a, size_t na, const call *b, size_t nb, bool *a_differs, bool *b_differs);

/* --- output ----------------------------------------------------------------------- */
typedef struct {
	const char *old_name, *new_name;   /* shown in headers and JSON */
	bool color;                        /* ANSI colours instead of ^^^ marker lines */
	bool stat;                         /* the summary line only (JSON: counts only) */
} route_diff_print_opts;

/* Human-readable report (see routesrv-diff(1)): "--- OLD" / "+++ NEW" headers, duplicate
 * IDs, then per ID "- id: route;", "+ id: route;" or "~ id (parts)" with the old and new
 * route and the differing predicates/filters/backend marked, then the summary line. */
void route_diff_print_text(buf *out, const route_diff *d, const route_diff_print_opts *o);
/* The summary line without newline, e.g. "3 routes differ: 1 added, 1 removed, 1 changed,
 * 120 unchanged" (", N duplicate IDs" when there are any). */
void route_diff_print_summary(buf *out, const route_diff *d);
/* One JSON object (no trailing newline); routes in the JSON form of eskip_print_json. */
void route_diff_print_json(buf *out, const route_diff *d, const route_diff_print_opts *o);
#endif
