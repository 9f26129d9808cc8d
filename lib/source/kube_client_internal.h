/* kube_client_internal.h: what other files of the source stage send through a kube_client
 * (kube_status.c): one request with the client's connection, credentials and timeouts.
 * Not for other stages: they use kube_client.h and kube_status.h. */
#ifndef ROUTESRV_KUBE_CLIENT_INTERNAL_H
#define ROUTESRV_KUBE_CLIENT_INTERNAL_H
#include <stddef.h>

#include "base/buf.h"
#include "source/kube_client.h"

/* Sends METHOD <base URL><path> with the payload (content_type) and the client's
 * credentials, once more after a 401 when they can be refreshed. 0 for a 2xx answer (its
 * body in response); -1 with "<METHOD> <url>: <reason>" in err (the HTTP status and the
 * Status message for other answers), URL passwords masked. */
int kube_client_request(kube_client *c, const char *method, const char *path, const char *content_type,
			const char *payload, size_t len, buf *response, buf *err);
#endif
