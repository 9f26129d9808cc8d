/* http_conns.h: the main listener's open connections and their read-header deadline
 * (-read-header-timeout), which libmicrohttpd does not have: its own timeout
 * (-idle-timeout) only ends connections that send nothing at all, so a client trickling a
 * byte now and then (slowloris) would hold its connection for ever.
 *
 * A connection is "waiting for a request" from the moment it is accepted and again from
 * the end of each response until the next request's header is complete. A sweeper thread
 * shuts down (shutdown(2), both directions) every connection that has been waiting for
 * longer than the deadline; libmicrohttpd then sees the socket closed and cleans up. An
 * idle keep-alive connection therefore also ends after the deadline (Go's default idle
 * timeout equals its read timeout, 60 s, as ours do).
 *
 * Connections are registered when libmicrohttpd opens them and removed when it reports
 * them closed, which it does before closing the socket: a shutdown never reaches a reused
 * descriptor. Threads: any request thread; one mutex guards the list. Ownership:
 * http_conns_stop() frees the registry (after the daemon stopped: no connection left). */
#ifndef ROUTESRV_HTTP_CONNS_H
#define ROUTESRV_HTTP_CONNS_H
#include <stdatomic.h>
#include <stdbool.h>

typedef struct http_conn {
	struct http_conn *prev, *next;
	int fd;
	atomic_bool waiting;            /* between requests: the deadline runs */
	atomic_llong since_ms;          /* CLOCK_MONOTONIC ms the wait started */
	int peer;                       /* the server's cached TLS client verdict, 0 = unknown */
} http_conn;

typedef struct http_conns http_conns;

/* Starts the sweeper; timeout_ms <= 0: connections are tracked but never shut down. */
http_conns *http_conns_start(long timeout_ms);
void http_conns_stop(http_conns *c);                 /* NULL is fine */

http_conn *http_conns_add(http_conns *c, int fd);
void http_conns_remove(http_conns *c, http_conn *conn);

void http_conn_request_started(http_conn *conn);     /* the request header is complete */
void http_conn_request_done(http_conn *conn);        /* the response was sent */
#endif
