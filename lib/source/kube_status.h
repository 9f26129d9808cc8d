/* kube_status.h: writes an Ingress's status through the API client, for skipper's
 * -kubernetes-status-from-service (spec kubernetes-to-eskip.md §1, §3.1 step 7): a PATCH of
 * the status subresource with a JSON merge patch (Content-Type application/merge-patch+json),
 * with the client's connection, credentials and timeouts (kube_client.h). Needs the RBAC
 * verb "patch" on ingresses/status (deploy/components/ingress-status).
 *
 * Ownership: everything is borrowed for the call. Poll thread only, like the client. */
#ifndef ROUTESRV_KUBE_STATUS_H
#define ROUTESRV_KUBE_STATUS_H
#include <stddef.h>

#include "base/buf.h"
#include "source/kube_client.h"

/* PATCHes /apis/networking.k8s.io/v1/namespaces/<ns>/ingresses/<name>/status with patch
 * (a merge patch, e.g. {"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}}).
 * 0 ok; -1 with "PATCH <url>: <reason>" in err. */
int kube_patch_ingress_status(kube_client *c, const char *ns, const char *name, const char *patch, size_t len,
			      buf *err);
#endif
