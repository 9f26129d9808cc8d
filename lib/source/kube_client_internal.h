/* kube_client_internal.h: what other files of the source stage do through a kube_client:
 *   - kube_status.c sends one request with the client's connection, credentials and
 *     timeouts (kube_client_request);
 *   - the watch (kube_watch.c) lists one resource at a time with its resourceVersion, asks
 *     the RouteGroup discovery with its presence rule, and runs watch streams on handles
 *     configured like the client's own (connection, TLS, credentials).
 * Not for other stages: they use kube_client.h, kube_status.h and kube_watch.h.
 *
 * Every message written to err is redacted (URLs may hold a password); tokens never
 * appear in one. Ownership as annotated per function. */
#ifndef ROUTESRV_KUBE_CLIENT_INTERNAL_H
#define ROUTESRV_KUBE_CLIENT_INTERNAL_H
#include <stddef.h>

#include "base/buf.h"
#include "source/kube_client.h"

struct curl_slist;

/* Sends METHOD <base URL><path> with the payload (content_type) and the client's
 * credentials, once more after a 401 when they can be refreshed. 0 for a 2xx answer (its
 * body in response); -1 with "<METHOD> <url>: <reason>" in err (the HTTP status and the
 * Status message for other answers), URL passwords masked. */
int kube_client_request(kube_client *c, const char *method, const char *path, const char *content_type,
			const char *payload, size_t len, buf *response, buf *err);

/* Lists one resource as kube_fetch does (credentials brought up to date first, paging,
 * cheap reads). 0 with the pages in *l (kube_list as in kube_fetch_result; free with
 * kube_client_list_free) and the list's metadata.resourceVersion in *rv (malloc'd); -1 with
 * "GET <url>: <reason>" in err. */
int kube_client_list(kube_client *c, kube_list_id id, const char *selector, kube_list *l, char **rv, buf *err);
/* Frees the pages and URLs of a list kube_client_list filled. */
void kube_client_list_free(kube_list *l);
/* The RouteGroup discovery with kube_fetch's presence rule (a CRD seen before is taken as
 * gone only after 10 discoveries in a row miss it): 1 list RouteGroups, 0 go on without
 * them, -1 undecided (err: the failure, or how many checks missed it so far). */
int kube_client_routegroups(kube_client *c, buf *err);
/* The watch URL of a resource: the list's path with watch=1, the label selector,
 * resourceVersion=rv, allowWatchBookmarks=true and timeoutSeconds. Malloc'd; it may hold
 * the URL's password: redact it before showing it. */
char *kube_client_watch_url(const kube_client *c, kube_list_id id, const char *selector, const char *rv,
			    long timeout_s);
/* A CURL easy handle (returned as void *) for url, configured as the client's (TLS,
 * proxy, timeouts to connect, user agent) with a copy of its current headers in *headers
 * (free with kube_client_stream_headers_free after the handle). No total time limit and no
 * write function: the caller sets them. */
void *kube_client_stream(kube_client *c, const char *url, struct curl_slist **headers);
void kube_client_stream_headers_free(struct curl_slist *headers);
/* Re-reads the credentials after a 401: 1 they may have changed (retry), 0 nothing to
 * refresh, -1 refreshing failed (err). */
int kube_client_refresh(kube_client *c, buf *err);
/* "GET <url>: HTTP <status> <text>: <the Status message or the body's start>". */
void kube_client_describe_status(const char *url, long status, const buf *body, buf *err);
#endif
