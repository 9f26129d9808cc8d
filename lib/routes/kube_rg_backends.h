/* kube_rg_backends.h: a RouteGroup backend applied to a route (spec kubernetes-to-eskip.md
 * §8.6, with §5.4 endpoint resolution, §5.7 backend shape and §8.5 zone awareness).
 *
 * Ownership: everything added to the route is allocated in `a` (the output table's arena). */
#ifndef ROUTESRV_KUBE_RG_BACKENDS_H
#define ROUTESRV_KUBE_RG_BACKENDS_H
#include <stdbool.h>

#include "base/arena.h"
#include "base/buf.h"
#include "routes/kube_cycle.h"
#include "objects/kube_model.h"
#include "eskip/route.h"

/* What a backend needs from its RouteGroup and conversion context. */
typedef struct {
	kube_cycle *cy;
	const kube_routegroup *rg;
	str ns;               /* namespace or "default" */
	str zone;             /* zone filter for service endpoints; empty: none */
	bool zone_opt_out;    /* zalando.org/traffic-zone-aware: "false" */
} kube_rg_backend_ctx;

/* Sets the route's backend from b. The route's filters at this point are its own: a
 * "no endpoints" service and a forward backend replace them. Appends the tracing tag when
 * enabled. Service backends get their default filters prepended (a failure to parse them
 * is logged and they are left out). Returns 0, or -1 with skipper's error text in err
 * (service not found / type not supported / target port not found / not allowed
 * network backend or LB endpoint). */
int kube_rg_apply_backend(const kube_rg_backend_ctx *bc, arena *a, const kube_rg_backend *b, route *r, buf *err);

/* Go's url.Parse(address) + allow-list match of its host name (false if it does not parse). */
bool kube_rg_address_allowed(const kube_options *o, str address);
#endif
