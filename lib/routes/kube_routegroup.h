/* kube_routegroup.h: RouteGroup (zalando.org/v1) conversion within one conversion cycle
 * (spec kubernetes-to-eskip.md §8). kube_compile_routegroups (kube_compile.h) is the same
 * with a cycle of its own.
 *
 * Order: validation (§8.1, failures logged "[routegroup] …" and dropped), class filter
 * (-kubernetes-routegroup-class on zalando.org/routegroup.class), sort by (namespace, name),
 * then each RouteGroup independently: external context, internal context (§8.2).
 *
 * Ownership: routes are appended to `out` (its arena); the cycle's cluster and options are
 * only read. */
#ifndef ROUTESRV_KUBE_ROUTEGROUP_H
#define ROUTESRV_KUBE_ROUTEGROUP_H
#include "routes/kube_cycle.h"
#include "eskip/route.h"

void kube_compile_routegroups_cycle(kube_cycle *cy, route_table *out);
#endif
