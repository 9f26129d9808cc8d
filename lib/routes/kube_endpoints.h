/* kube_endpoints.h: Services, Endpoints and EndpointSlices of one cycle, and how a backend
 * resolves to endpoint addresses (spec kubernetes-to-eskip.md §3.5-§3.7, §5.3, §5.4, §5.6,
 * §5.7).
 *
 * Services and Endpoints are indexed by (namespace or "default", name); EndpointSlices are
 * merged per (raw namespace, kubernetes.io/service-name) with skipper's ready/terminating
 * rules. Resolution results are cached per cycle with skipper's keys, quirks included:
 * Ingress (ns, svc, targetPort, key-protocol), RouteGroup (ns, svc, target, "TCP").
 *
 * Ownership: the state lives in the cycle arena (kube_cycle.h). Endpoint lists returned
 * by the resolvers point into the cycle arena and stay valid for the cycle; they are
 * sorted by address and must not be modified. Routes shaped by kube_backend_apply copy
 * what they keep into the route arena. */
#ifndef ROUTESRV_KUBE_ENDPOINTS_H
#define ROUTESRV_KUBE_ENDPOINTS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "routes/kube_cycle.h"
#include "objects/kube_model.h"
#include "eskip/route.h"

/* An endpoint list: "<scheme>://<ip>:<port>" addresses with their zones (EndpointSlices). */
typedef struct {
	const lb_endpoint *items;
	size_t n;
} kube_eps;

/* Builds the indexes in cy->arena; called by kube_cycle_init. Services without metadata or
 * spec are left out and reported to rep (NULL: logged). */
kube_endpoint_state *kube_endpoint_state_new(arena *a, const kube_cluster *c, bool endpointslices, kube_reporter *rep);

/* The IP addresses of a service's endpoints, for consumers outside a conversion cycle (the
 * shard endpoints, the Ingress status): every subset's addresses of its Endpoints (the last
 * object named ns/name; no namespace counts as "default") or, with endpointslices, the ready
 * addresses of its EndpointSlices (raw namespace, label kubernetes.io/service-name) merged
 * by skipper's rules (§3.7) with their zones. Sorted bytewise by address (then zone),
 * duplicates kept; allocated in a. */
size_t kube_service_endpoint_addresses(arena *a, const kube_cluster *c, str ns, str svc, bool endpointslices,
	const lb_endpoint **out);

/* Service by (namespace, name); an empty namespace means "default". NULL if absent. */
const kube_service *kube_find_service(const kube_cycle *cy, str ns, str name);

/* --- Ingress (§5.3) ----------------------------------------------------------------- */
/* The backend port as skipper prints it: the number if non-zero, else the name. */
str kube_ingress_port_string(arena *a, const kube_ingress_backend *b);
/* §5.3.2: the first service port with a targetPort whose port number (decimal) or name
 * equals the backend port string; NULL if none (the caller then uses zero endpoints).
 * Services with many ports are looked up through a per-cycle index (O(1) per lookup). */
const kube_service_port *kube_ingress_service_port(kube_cycle *cy, const kube_service *svc,
	const kube_ingress_backend *b);
/* §5.3.5/§5.3.6: endpoint addresses of a ClusterIP-like service port (not ExternalName,
 * not force-service). protocol: the zalando.org/skipper-backend-protocol annotation if
 * protocol_set, else "http". zone_filter: apply §5.6 with the configured topology zone
 * (false when the Ingress has zalando.org/traffic-zone-aware: "false"). */
kube_eps kube_ingress_endpoints(kube_cycle *cy, str ns, str svc, const kube_service_port *sp,
	str protocol, bool protocol_set, bool zone_filter);
/* §5.3.4: http(s)://<svc>.<ns>.svc.cluster.local:<targetPort>, https iff targetPort is the integer 443. */
str kube_force_service_address(arena *a, str ns, str svc, const kube_service_port *sp);
/* The targetPort as a string (number or name). */
str kube_target_port_string(arena *a, const kube_service_port *sp);

/* --- RouteGroup (§5.4) ---------------------------------------------------------------- */
/* Resolves a `service` backend in namespace ns ("" means "default").
 * protocol: the zalando.org/skipper-backend-protocol annotation value, or "" when the
 * annotation is absent (then "http", or "h2c" by the EndpointSlice appProtocol). zone: the zone to filter by
 * (§5.6), or the empty string for none (internal context, opt-out, no zone configured).
 * Returns 0 with the (possibly empty) list in *out, or -1 with skipper's message in err:
 * "<ns>/<svc>: service not found", "not supported service type in service/<ns>/<svc>: <type>",
 * "target port not found: <svc>:<port>". */
int kube_rg_endpoints(kube_cycle *cy, str ns, str svc, long service_port, str protocol,
	str zone, kube_eps *out, buf *err);

/* --- Zones and backend shape (§5.6, §5.7) ------------------------------------------- */
/* §5.6: if zone is non-empty and at least 3 endpoints have exactly that zone, only those
 * (a new list in a); else eps unchanged. */
kube_eps kube_zone_filter(arena *a, kube_eps eps, str zone);

typedef enum { KUBE_SHAPE_NO_ENDPOINTS, KUBE_SHAPE_NETWORK, KUBE_SHAPE_LB } kube_backend_shape;

/* §5.7: 0 endpoints → filters replaced by status(502) -> inlineContent("no endpoints")
 * and <shunt>; 1 → network backend (zone dropped); ≥2 → LB backend with `algorithm`
 * (empty: none printed) and the endpoints with zones. Strings are copied into a. */
kube_backend_shape kube_backend_apply(arena *a, route *r, kube_eps eps, str algorithm);
#endif
