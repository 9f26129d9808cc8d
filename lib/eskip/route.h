/* route.h: skipper's route model (spec eskip-and-http.md A1) and route tables.
 *
 * A route keeps what skipper keeps: the legacy matcher fields the eskip parser fills
 * (Path, Host, PathRegexp, Method, Header, HeaderRegexp) apart from the generic predicates,
 * because skipper prints them differently (A6.3). The canonical form (A8.1) moves all of
 * them into the generic list; served tables are always canonical.
 *
 * Ownership: a route_table owns an arena; every route, string and array reachable from
 * the table lives in that arena and is freed by route_table_free(). Routes may share
 * arrays (e.g. default filters) because nothing is freed separately. To move a route to
 * another table, deep-copy it into the other arena with route_deep_copy(). */
#ifndef ROUTESRV_ROUTE_H
#define ROUTESRV_ROUTE_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

typedef enum { ARG_NUMBER, ARG_STRING } arg_type;

/* A predicate or filter argument: a double or a byte string (regexp literals become strings). */
typedef struct {
	arg_type type;
	double num;
	str s;
} arg;

/* A predicate or filter call: Name(args...). */
typedef struct {
	str name;
	arg *args;
	size_t nargs;
} call;

/* Values match skipper's BackendType enum. */
typedef enum {
	BACKEND_NETWORK = 0,
	BACKEND_SHUNT = 1,
	BACKEND_LOOPBACK = 2,
	BACKEND_DYNAMIC = 3,
	BACKEND_LB = 4,
	BACKEND_FORWARD = 5,
} backend_type;

typedef struct {
	str address;
	str zone;       /* empty: no zone */
} lb_endpoint;

/* A legacy Header / HeaderRegexp entry. headers: names are unique (a map in skipper);
 * header_regexps: several entries may share a name, kept in source order per name. */
typedef struct {
	str name;
	str value;
} header_pair;

typedef struct route {
	str id;

	/* Legacy matcher fields (set by the eskip document parser only). */
	str path;                 /* empty: none */
	str *host_regexps;   size_t nhost_regexps;
	str *path_regexps;   size_t npath_regexps;
	str method;               /* empty: none */
	header_pair *headers;        size_t nheaders;
	header_pair *header_regexps; size_t nheader_regexps;

	call *predicates; size_t npredicates;   /* generic predicates, in order */
	call *filters;    size_t nfilters;

	bool shunt;               /* legacy flag set by the parser for <shunt> */
	backend_type backend_type;
	str backend;              /* network address */
	str lb_algorithm;         /* empty: none */
	lb_endpoint *endpoints; size_t nendpoints;

	/* The object the route was converted from, for reports about it: 1-based index into the
	 * origins of the kube_reporter given to the conversion (objects/kube_report.h); 0 when
	 * none (no reporter given, or a route of no single object). Copies keep it. */
	size_t origin;
} route;

typedef struct {
	arena *arena;
	route *routes;
	size_t n, cap;
} route_table;

/* --- tables ----------------------------------------------------------------------- */
route_table *route_table_new(void);
/* A table in arena a, which it takes over (freed with the table): e.g. arena_new_small(). */
route_table *route_table_new_in(arena *a);
void route_table_free(route_table *t);                  /* NULL is fine */
/* Appends a zeroed route (network backend, no fields) and returns it; the pointer is valid
 * until the next route_table_add (the array may move). */
route *route_table_add(route_table *t);
/* Deep copies into arena a: every string and array of the result is new. */
void route_deep_copy(arena *a, const route *src, route *dst);
call *calls_copy(arena *a, const call *src, size_t n);
str *strs_copy(arena *a, const str *src, size_t n);

/* --- building routes (all memory from a->) ----------------------------------------- */
arg arg_number(double v);
arg arg_string(arena *a, const char *s, size_t n);
arg arg_cstr(arena *a, const char *s);
/* Appends Name(args...) to the predicate or filter list; returns the new call. */
call *route_add_predicate(arena *a, route *r, const char *name, size_t nargs, const arg *args);
call *route_add_filter(arena *a, route *r, const char *name, size_t nargs, const arg *args);
/* Inserts calls at the front of a call list (e.g. prepend filters). */
void route_prepend_filters(arena *a, route *r, const call *calls, size_t n);
void route_append_filters(arena *a, route *r, const call *calls, size_t n);
void route_append_predicates(arena *a, route *r, const call *calls, size_t n);
void route_add_endpoint(arena *a, route *r, str address, str zone);

const char *backend_type_name(backend_type t);          /* "network", "shunt", ... */
#endif
