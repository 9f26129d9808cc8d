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
	/* A changed LB backend with the same algorithm on both sides (a rolling deployment's
	 * change): the endpoints only the old side has, and those only the new side has. */
	bool endpoint_delta;
	const lb_endpoint **endpoints_gone, **endpoints_new;
	size_t nendpoints_gone, nendpoints_new;
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
	unsigned comparisons;      /* 1, or how many route_diff_keep_persistent() saw */
	size_t transient;          /* differences that came or went between comparisons */
} route_diff;

/* Compares two route lists (any form; canonicalised here). o may be NULL. */
void route_diff_compute(route_diff *d, const route *old_routes, size_t nold, const route *new_routes, size_t nnew,
			const route_diff_opts *o);
bool route_diff_same(const route_diff *d);        /* no entries and no duplicates */
void route_diff_free(route_diff *d);

/* For repeated comparisons of changing tables (routesrv-diff -repeat): keeps the entries and
 * duplicate reports of d that prev (the previous comparison, itself filtered) has too, with
 * the same kind, key and routes. d->transient adds to prev's the entries of d that prev
 * lacks and those of prev that d lacks. A difference that pods rolling between two reads
 * make lasts one comparison; a real one stays. */
void route_diff_keep_persistent(route_diff *d, const route_diff *prev);

/* DIFF_* mask of two canonical routes (IDs are not compared). */
unsigned route_parts_differ(const route *a, const route *b);
/* Marks the calls of each list that are not part of a longest common subsequence of the
 * two lists (call_eq), i.e. the ones a reader should look at. */
void calls_mark_differences(const call *a, size_t na, const call *b, size_t nb, bool *a_differs, bool *b_differs);
/* For two LB backends with the same algorithm, marks the endpoints (address and zone) only
 * one side has and returns true; false (nothing marked) for other backends. */
bool endpoints_mark_differences(const route *a, const route *b, bool *a_only, bool *b_only);

/* --- grouping by origin ------------------------------------------------------------- */
/* Where a route came from, as its ID tells (e.g. the Kubernetes object: routes/kube_ids.h
 * has the function for skipper's ID scheme). Reports list the entries group by group. */
typedef struct {
	int rank;                  /* groups sort by rank, then namespace, then name */
	const char *kind;          /* e.g. "Ingress"; NULL: no known origin */
	str ns, name;              /* parts of the ID as spelled there; empty when the kind has none */
} route_group;
typedef void (*route_group_fn)(str id, route_group *g);

/* --- output ----------------------------------------------------------------------- */
typedef struct {
	const char *old_name, *new_name;   /* shown in headers and JSON */
	bool color;                        /* ANSI colours instead of ^^^ marker lines */
	bool stat;                         /* counts per group and the summary line (JSON: counts only) */
	size_t width;                      /* most columns per line; 0: no limit */
	route_group_fn group_of;           /* NULL: no grouping */
} route_diff_print_opts;

/* Human-readable report (see routesrv-diff(1)): "--- OLD" / "+++ NEW" headers, duplicate
 * IDs, then group by group ("@@ Ingress ns/name @@") per ID "- id: route;", "+ id: route;",
 * "~ id (endpoints) -ADDR +ADDR" for a changed LB endpoint list, or "~ id (parts)" with the
 * old and new route and the differing predicates, filters and endpoints marked; then the
 * summary line. With a width, a route line longer than it shows the part around its first
 * difference with "..." where it is cut, endpoint lists wrap. */
void route_diff_print_text(buf *out, const route_diff *d, const route_diff_print_opts *o);
/* The summary line without newline, e.g. "3 routes differ: 1 added, 1 removed, 1 changed,
 * 120 unchanged" (", N duplicate IDs" when there are any; after several comparisons
 * "; N transient in M comparisons"). */
void route_diff_print_summary(buf *out, const route_diff *d);
/* One JSON object (no trailing newline); routes in the JSON form of eskip_print_json. */
void route_diff_print_json(buf *out, const route_diff *d, const route_diff_print_opts *o);
#endif
