/* http_server.h: routesrv-serve's two listeners on libmicrohttpd (spec eskip-and-http.md
 * B2-B4, peers-and-platform.md §4.1).
 *
 * Before any handler, on both listeners: a request with a body or ambiguous framing or
 * malformed header syntax gets 400 and its connection is closed (http_framing.h), and the
 * request URI is routed as Go's ServeMux routes it (http_mux.h: 301 to clean paths).
 * Main listener: /routes and /routes/{zone} (GET, HEAD; other methods 405), /health
 * (204 once a table is served, 503 before), /swarm/redis/shards and /swarm/valkey/shards
 * when configured (B2.3), everything else 404 "404 page not found".
 * Guards, outermost first: with -enable-mtls a verified client certificate (else the
 * connection is closed, as a failed handshake would); the -route-server-filters chain
 * (B5; not for /health); bearer tokens for /routes* and the shard endpoints (401 with
 * "WWW-Authenticate: Bearer"). Limits against hostile clients: connection count, idle
 * timeout, read-header deadline (http_conns.h), request header and line size (the
 * connection's 16 KiB memory pool: libmicrohttpd answers 431 or 414 beyond it).
 * Every answer for /routes comes from prebuilt responses in the current snapshot; the only
 * per-request work is routing the path, picking plain or gzip and the precondition checks.
 * It runs libmicrohttpd's internal epoll thread pool, one thread per core.
 * Support listener: /metrics and /metrics/... (Prometheus text, gzip when accepted).
 * TLS (main listener only) when cfg.tls holds certificate pairs: routesrv-serve loads them
 * only with -enable-mtls or -enable-tls.
 *
 * Addresses are Go's: "host:port", ":port" (all interfaces, IPv6 and IPv4), "[v6]:port".
 *
 * Threads: request threads only read snapshots and update metrics (atomics); they never
 * touch jv or route tables. Ownership: the server borrows the slot; http_server_stop()
 * frees the server. */
#ifndef ROUTESRV_HTTP_SERVER_H
#define ROUTESRV_HTTP_SERVER_H
#include "http/access_tokens.h"
#include "base/buf.h"
#include "http/route_server_filters.h"
#include "http/shards.h"
#include "http/snapshot.h"
#include "http/tls_config.h"

typedef struct http_server http_server;

/* Everything the listeners are given; pointers are borrowed and must outlive the server. */
typedef struct {
	const char *address;
	snapshot_slot *slot;                 /* main listener only */
	unsigned threads;                    /* 0: one per online core */
	unsigned max_connections;            /* 0: 10000 */
	long idle_timeout_ms;                /* no byte for this long ends a connection; 0: 60 s */
	long read_header_timeout_ms;         /* waiting for a request header; <= 0: no limit */
	access_tokens *tokens;               /* NULL: no token needed */
	tls_config *tls;                     /* NULL or without pairs: plain HTTP */
	const route_filters *filters;        /* NULL: no filter chain */
	shards *redis, *valkey;              /* NULL: that shard endpoint is absent */
	const struct http_webhook *webhook;  /* set by http_server_start_webhook only */
} http_server_config;

/* Starts the main listener. NULL with a one-line reason in err (e.g. "listen tcp
 * 127.0.0.1:9090: Address already in use"). */
http_server *http_server_start_routes(const http_server_config *cfg, buf *err);
/* Starts the support listener (metrics); only address, the limits and timeouts count. */
http_server *http_server_start_support(const http_server_config *cfg, buf *err);

/* A listener for POST requests with bodies (routesrv-webhook): requests are routed with
 * http_mux_route against `patterns`; a matched request's body (at most max_body bytes: a
 * longer one reaches the handler cut, with too_large set) is handed to handle once complete,
 * which fills the answer. Unmatched paths get 404 "404 page not found". Framing as on the
 * other listeners, except that one decimal Content-Length is accepted. One thread: the
 * handler may use jv. TLS when cfg.tls holds a pair. */
typedef struct {
	int status;
	buf body;                            /* the handler appends; freed by the server */
	const char *content_type;            /* static text; NULL: text/plain; charset=utf-8 */
} http_answer;
typedef struct {
	int pattern;                         /* index into patterns */
	const char *method, *content_type;   /* content_type NULL when absent */
	const char *body;
	size_t len;
	bool too_large;
	const char *accept_encoding;         /* NULL when absent */
} http_post;
typedef struct http_webhook {
	const char *const *patterns;
	size_t npatterns;
	size_t max_body;
	void (*handle)(void *ctx, const http_post *req, http_answer *out);
	void *ctx;
} http_webhook;
http_server *http_server_start_webhook(const http_server_config *cfg, const http_webhook *hook, buf *err);

/* Graceful stop: stop accepting (new connections are refused), let requests in flight
 * finish (at most timeout_ms), then close every connection and free the server. */
void http_server_stop(http_server *s, long timeout_ms);
#endif
