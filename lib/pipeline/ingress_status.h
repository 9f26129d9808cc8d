/* ingress_status.h: skipper's -kubernetes-status-from-service=<namespace>/<name> in
 * routesrv-serve: every cycle after listing, the load-balancer addresses of that Service are
 * computed, and the status subresource of every Ingress routesrv serves (its class matches
 * -kubernetes-ingress-class) whose status.loadBalancer.ingress differs, compared as a set of
 * (ip, hostname), is PATCHed with {"status":{"loadBalancer":{"ingress":[...]}}} through the
 * API client (source/kube_status.h).
 *
 * Addresses by Service type (skipper's rules): ExternalName → its externalName as hostname
 * (none if empty); ClusterIP → its clusterIP (none if empty or "None"); NodePort →
 * spec.externalIPs if any, else the Service's endpoint IPs (sorted; EndpointSlices with
 * -enable-kubernetes-endpointslices, reduced to -kubernetes-topology-zone by skipper's rule
 * of at least 3 endpoints there); LoadBalancer → status.loadBalancer.ingress entries with an
 * ip or hostname, else spec.externalIPs; other types → spec.externalIPs. The Service is
 * looked up among the listed ones (within -kubernetes-namespace and the Services' label
 * selector, as in skipper); a missing one is the error "service not found: ns/name".
 *
 * A cycle plans from the cluster it decoded (ingress_status_plan: the PATCHes to send) and
 * sends them after it has published its table (ingress_status_send), so thousands of
 * PATCHes on a first rollout never delay the table. Errors are logged (one line per cycle,
 * with the count and the first error), never fail the cycle or touch the served table.
 * PATCHes that failed stay planned and are sent again in the next good cycle, also when its
 * inputs are unchanged and so not decoded (skipper patches every cycle whatever differs;
 * unchanged inputs mean the same differences).
 *
 * Ownership: ingress_status_new copies the service name and borrows the client and the
 * options (they outlive it); ingress_status_free frees it. Poll thread only. */
#ifndef ROUTESRV_INGRESS_STATUS_H
#define ROUTESRV_INGRESS_STATUS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "objects/kube_model.h"
#include "pipeline/pipeline.h"
#include "routes/kube_options.h"
#include "source/kube_client.h"

typedef struct ingress_status ingress_status;

/* NULL with a one-line message in err when service is not NAMESPACE/NAME. */
ingress_status *ingress_status_new(kube_client *client, const kube_options *ko, const char *service, buf *err);
void ingress_status_free(ingress_status *s);   /* NULL is fine */

/* Replaces the planned PATCHes with those the cluster just listed calls for. */
void ingress_status_plan(ingress_status *s, const kube_cluster *c);
/* Sends the planned PATCHes; those that fail stay planned. */
void ingress_status_send(ingress_status *s);

/* The pipeline options a load runs with so that every cluster it decodes is planned from:
 * o's own on_cluster hook first, then ingress_status_plan. s NULL: o itself. The result
 * lives in h (valid while h and o do). Used by the poll loop and the watch loop alike. */
typedef struct {
	const pipeline_options *inner;
	ingress_status *s;
	pipeline_options o;
} ingress_status_hook;
const pipeline_options *ingress_status_hooked(ingress_status_hook *h, ingress_status *s, const pipeline_options *o);

/* --- the pure parts, for tests ------------------------------------------------------------ */

/* The addresses of Service ns/name in c, allocated in a. 0 ok (possibly none); -1 when the
 * Service is not in c. */
int ingress_status_addresses(arena *a, const kube_cluster *c, const kube_options *ko, str ns, str name,
			     kube_lb_ingress **out, size_t *n);
/* Whether two address lists are the same set of (ip, hostname). */
bool ingress_status_equal(const kube_lb_ingress *a, size_t na, const kube_lb_ingress *b, size_t nb);
/* The merge patch that sets the addresses: {"status":{"loadBalancer":{"ingress":[...]}}},
 * each entry {"ip":...} or {"hostname":...}. */
void ingress_status_patch(buf *out, const kube_lb_ingress *a, size_t n);
#endif
