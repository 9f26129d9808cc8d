/* go_url.h: Go's net/url.Parse, as far as skipper's RouteGroup code depends on it
 * (spec kubernetes-to-eskip.md §8.1 backend address validation, §8.6 allow-list checks).
 *
 * Acceptance and error texts follow Go: a failure appends `parse "<url>": <reason>` to err
 * (e.g. `parse "http://a b": invalid character " " in host name`). Only the parts skipper
 * looks at are kept; Path is reported as "non-empty or not" since validation only asks that.
 *
 * Ownership: the str fields point into the caller's input (host into `scratch` when it
 * had to be unescaped); nothing else is allocated. */
#ifndef ROUTESRV_GO_URL_H
#define ROUTESRV_GO_URL_H
#include <stdbool.h>

#include "arena.h"
#include "buf.h"

typedef struct {
	str scheme;        /* lower-cased in scratch; empty: none */
	str opaque;        /* "scheme:rest" without a leading slash */
	str host;          /* unescaped host[:port]; empty: none */
	bool has_path;     /* the unescaped path is non-empty */
	str raw_query;
	str fragment;      /* raw */
} go_url;

/* url.Parse: 0 with *u filled, or -1 with Go's error text appended to err (err may be NULL). */
int go_url_parse(arena *scratch, str s, go_url *u, buf *err);
/* URL.Hostname(): the host without a valid ":port" suffix and without IPv6 brackets. */
str go_url_hostname(const go_url *u);
#endif
