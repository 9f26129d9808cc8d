/* go_url.h: Go's net/url.Parse and url.ParseRequestURI, as far as skipper depends on them:
 * RouteGroup backend address validation and allow-list checks (spec kubernetes-to-eskip.md
 * §8.1, §8.6), LB endpoint validation and zone extraction in eskip (A4 step 1, A7). One
 * parser serves both, so they share every rule (the first-colon port rule, host escapes).
 *
 * Acceptance and error texts follow Go: a failure appends `parse "<url>": <reason>` to err
 * (e.g. `parse "http://a b": invalid character " " in host name`). Only the parts skipper
 * and the HTTP router (http_mux.c) look at are kept; the path stays escaped as written.
 *
 * Ownership: the str fields point into the caller's input (scheme and host into `scratch`
 * when lower-cased / unescaped); nothing else is allocated. */
#ifndef ROUTESRV_GO_URL_H
#define ROUTESRV_GO_URL_H
#include <stdbool.h>

#include "base/arena.h"
#include "base/buf.h"

typedef struct {
	str scheme;        /* empty: none */
	str opaque;        /* "scheme:rest" without a leading slash */
	str host;          /* host[:port]; empty: none */
	bool has_path;     /* the path is non-empty */
	str path;          /* the path as written (still escaped) */
	str raw_query;     /* after the first '?' (none for a lone trailing '?', Go's ForceQuery) */
	str fragment;      /* raw */
} go_url;

/* url.Parse: 0 with *u filled, or -1 with Go's error text appended to err (err may be NULL).
 * With scratch the scheme is lower-cased and the host unescaped into it; with NULL both stay
 * as written and nothing is allocated. */
int go_url_parse(arena *scratch, str s, go_url *u, buf *err);
/* url.ParseRequestURI: no fragment, "" and scheme-less relative references are errors, and
 * without a scheme "//x" is a path. Scheme and host stay as written; nothing is allocated. 0, or -1
 * with Go's error text appended to err. */
int go_url_parse_request_uri(str s, go_url *u, buf *err);
/* URL.Hostname(): the host without a valid ":port" suffix and without IPv6 brackets. */
str go_url_hostname(const go_url *u);
#endif
