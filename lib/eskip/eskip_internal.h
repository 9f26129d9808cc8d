/* eskip_internal.h: helpers shared by the eskip library files (parser, printers, canonical
 * form, JSON). Private: not part of the API in eskip.h. */
#ifndef ROUTESRV_ESKIP_INTERNAL_H
#define ROUTESRV_ESKIP_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "eskip/route.h"
#include "go/go_float.h"
#include "go/go_text.h"

/* --- eskip_print.c ------------------------------------------------------------------ */
/* Skipper's escape(s, extra) (A6.2): backslash, \a\b\f\n\r\t\v, and `extra` gets a backslash. */
void eskip_escape(buf *out, const char *s, size_t n, char extra);

/* --- eskip_url.c -------------------------------------------------------------------- */
/* A4 step 1 for the next LB endpoint string of a route: it must be a request URI, and its
 * scheme must agree with *prev_scheme (the previous endpoint's; start with an empty str).
 * Returns true and updates *prev_scheme, or false with skipper's message appended to err. */
bool eskip_endpoint_valid(str ep, str *prev_scheme, buf *err);
/* A quick sufficient condition for the above: e prints as scheme://host[:port], then
 * ?zone=<zone> if it has a zone, with only letters, digits and -._~ in host and zone (no
 * byte to escape or validate): such a text is always a request URI. *scheme gets the scheme.
 * False means "not shown", not "invalid". */
bool eskip_endpoint_plain(const lb_endpoint *e, str *scheme);
/* LB endpoint string → {address, zone} (A7), allocated in a. */
lb_endpoint eskip_endpoint_from_string(arena *a, str s);

/* --- eskip_parse.c ------------------------------------------------------------------ */
/* A4 step 3's rules over a route's predicates in parse order: argument counts and types of
 * Path, Host, PathRegexp, Method, Header, HeaderRegexp; a second Path, a second Method, a
 * second Header of one name. "*" and "Any" are ignored. Returns true, or false with
 * skipper's message (naming id) appended to err. */
bool eskip_predicates_valid(const call *preds, size_t n, str id, buf *err);

/* --- eskip_check.c ------------------------------------------------------------------ */
/* route_check_parsable without the structural shortcut: always prints and parses (tests
 * compare the two). alone: r is its table's only route. */
int route_check_parsable_literal(const route *r, bool alone, buf *err);

/* --- canonical.c -------------------------------------------------------------------- */
/* Canonical form (A8.1) of src into *dst. deep: every string and array is copied into a;
 * otherwise dst shares strings, argument arrays and the filter array with src. */
void route_canonical_into(arena *a, const route *src, route *dst, bool deep);
/* Stable sort (merge sort; insertion sort for short runs). */
void stable_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
#endif
