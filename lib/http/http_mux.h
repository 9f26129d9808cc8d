/* http_mux.h: which handler a request URI reaches, as Go 1.22's http.ServeMux decides it for
 * the patterns skipper's routesrv registers (spec eskip-and-http.md B2, B4).
 *
 * The request URI is taken as sent (escaped, with its query):
 *   1. url.ParseRequestURI must accept it (else 400, as Go's server answers);
 *   2. the path stays escaped (URL.EscapedPath(): as written when that is a valid escaped
 *      path, else re-escaped from its decoded form);
 *   3. a path that is not clean (path.Clean; "//routes", "/./routes", "/routes/..",
 *      "/routes/.", a trailing slash kept) is redirected: 301 to the cleaned path, escaped
 *      once more as Go's url.URL.String() does, with the raw query;
 *   4. patterns match segment by segment on the unescaped segments: "/r%6Futes" is /routes,
 *      "/routes%2Fx" is the one segment "routes/x" (no pattern: 404) and "/routes/a%2Fb" is
 *      the zone "a/b". A "{name}" segment matches one non-empty segment, a pattern ending
 *      in "/" matches everything below it, and "/tree" redirects to "/tree/" when only the
 *      subtree is registered.
 * Queries never take part in matching.
 *
 * Ownership: a mux_route owns its two bufs (mux_route_free); patterns and the URI are
 * borrowed for the call. */
#ifndef ROUTESRV_HTTP_MUX_H
#define ROUTESRV_HTTP_MUX_H
#include <stddef.h>

#include "base/buf.h"

typedef enum {
	MUX_NOT_FOUND = 0,      /* 404 "404 page not found" */
	MUX_MATCH,              /* the pattern at index `pattern` */
	MUX_REDIRECT,           /* 301 to `location` */
	MUX_BAD_REQUEST,        /* 400: a request URI Go's server does not accept */
} mux_kind;

typedef struct {
	mux_kind kind;
	int pattern;            /* MUX_MATCH: index into the pattern list */
	buf wildcard;           /* MUX_MATCH of a pattern ending in "{name}": the segment, unescaped */
	buf location;           /* MUX_REDIRECT: the Location header value */
} mux_route;

#define MUX_ROUTE_INIT { MUX_NOT_FOUND, -1, BUF_INIT, BUF_INIT }

/* Routes request_uri (NULL: 400) against n patterns in Go syntax ("/health",
 * "/routes/{zone}", "/metrics/"); NULL entries are not registered. Patterns must not
 * overlap (the first match wins). out must be MUX_ROUTE_INIT or reset by mux_route_free. */
void http_mux_route(const char *const *patterns, size_t n, const char *request_uri, mux_route *out);
void mux_route_free(mux_route *r);
#endif
