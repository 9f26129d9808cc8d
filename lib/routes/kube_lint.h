/* kube_lint.h: routesrv-compile -check's warnings: what converts but is probably wrong
 * (issue 15), reported as KUBE_LINT problems (objects/kube_report.h).
 * kube_lint_objects, about the objects as written:
 *   - a filter or predicate name skipper does not know (skipper's routing drops the routes
 *     that use it), in an Ingress's filter, predicate or routes annotation or a RouteGroup
 *     route's filters and predicates, with that path.
 * kube_lint_routes, about the object a route came from (route.origin):
 *   - the same host and path claimed by routes of more than one object, with which one
 *     skipper prefers and why (more predicates win; equal ones leave it undefined);
 *   - a RouteGroup catch-all (Host only, 404 shunt) on a host where an Ingress route has no
 *     more specific path: they compete for the same requests.
 * Missing backend Services and ports are reported by the conversion itself
 * (KUBE_MISSING_REF). Cost: O(n log n) in the routes (hash maps keyed by host and path).
 *
 * Ownership: the table is only read; problems go to the reporter. */
#ifndef ROUTESRV_KUBE_LINT_H
#define ROUTESRV_KUBE_LINT_H
#include <stdbool.h>
#include <stddef.h>

#include "eskip/route.h"
#include "objects/kube_report.h"

void kube_lint_objects(const kube_cluster *c, kube_reporter *rep);
void kube_lint_routes(const route_table *t, kube_reporter *rep);

/* The names of docs/spec/skipper-filters-predicates.tsv (skipper_names.c). */
bool skipper_filter_known(str name);
bool skipper_predicate_known(str name);
const char *const *skipper_names(bool filters, size_t *n);
#endif
