/* http_server.h: routesrv-serve's two listeners on libmicrohttpd (spec eskip-and-http.md
 * B2-B4, peers-and-platform.md §4.1).
 *
 * Main listener: /routes and /routes/{zone} (GET, HEAD; other methods 405), /health
 * (204 once a table is served, 503 before), everything else 404 "404 page not found".
 * Every answer for /routes comes from prebuilt responses in the current snapshot; the only
 * per-request work is routing the path, picking plain or gzip and the precondition checks.
 * It runs libmicrohttpd's internal epoll thread pool, one thread per core.
 * Support listener: /metrics and /metrics/... (Prometheus text, gzip when accepted).
 *
 * Addresses are Go's: "host:port", ":port" (all interfaces, IPv6 and IPv4), "[v6]:port".
 *
 * Threads: request threads only read snapshots and update metrics (atomics); they never
 * touch jv or route tables. Ownership: the server borrows the slot; http_server_stop()
 * frees the server. */
#ifndef ROUTESRV_HTTP_SERVER_H
#define ROUTESRV_HTTP_SERVER_H
#include "buf.h"
#include "snapshot.h"

typedef struct http_server http_server;

/* Starts the main listener; threads 0 = one per online core. NULL with a one-line reason
 * in err (e.g. "listen tcp 127.0.0.1:9090: Address already in use"). */
http_server *http_server_start_routes(const char *address, snapshot_slot *slot, unsigned threads, buf *err);
/* Starts the support listener (metrics). */
http_server *http_server_start_support(const char *address, buf *err);

/* Graceful stop: stop accepting (new connections are refused), let requests in flight
 * finish (at most timeout_ms), then close every connection and free the server. */
void http_server_stop(http_server *s, long timeout_ms);
#endif
