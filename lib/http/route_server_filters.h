/* route_server_filters.h: the -route-server-filters middleware of routesrv-serve's main
 * listener (spec eskip-and-http.md B5), for the subset of skipper filters the spec's C-NOTE
 * names: status(code), inlineContent(text[, mime]), annotate(k, v), setResponseHeader(name,
 * value), mtlsAuthn(), mtlsCN(cn, ...). Other names fail at start-up with skipper's
 * `failed to get filter for routeserver "<name>"`, bad arguments with `failed to create
 * filter "<name>" for routeserver: invalid filter parameters`.
 *
 * Per request (not for /health): request hooks in order until one serves a response
 * (inlineContent; an mTLS filter rejecting: 401 without TLS or without a client
 * certificate, 403 when the check fails, with `WWW-Authenticate: <Host>`), then the
 * response hooks of the filters that ran, in reverse order: status() sets a served
 * response's status, setResponseHeader() sets a header on whatever response goes out.
 * annotate() only records a value in skipper's per-request state bag: no HTTP effect.
 *
 * Ownership: a chain owns copies of its arguments; results point into the chain and the
 * request (valid until the request ends). Threads: a built chain is read-only. */
#ifndef ROUTESRV_ROUTE_SERVER_FILTERS_H
#define ROUTESRV_ROUTE_SERVER_FILTERS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/opt.h"

typedef struct route_filters route_filters;

/* Builds the chain from the flag's values (each an eskip filter chain, appended in order).
 * NULL with a message in err; an empty list gives a chain that does nothing. */
route_filters *route_filters_new(const opt_list *values, buf *err);
void route_filters_free(route_filters *f);          /* NULL is fine */
bool route_filters_empty(const route_filters *f);   /* NULL counts as empty */

typedef struct {
	void *tls_session;       /* gnutls_session_t, NULL for plain HTTP */
	const char *host;        /* the Host header, or NULL */
} rsf_request;

enum { RSF_MAX_HEADERS = 34 };

typedef struct {
	bool served;             /* a filter answered: send status/body instead of the handler's */
	int status;
	const char *body;        /* served body (may be empty) */
	size_t body_len;
	const char *content_type;        /* NULL: none */
	struct { const char *name, *value; } headers[RSF_MAX_HEADERS];   /* set on the response */
	size_t nheaders;
} rsf_result;

void route_filters_run(const route_filters *f, const rsf_request *rq, rsf_result *out);
#endif
