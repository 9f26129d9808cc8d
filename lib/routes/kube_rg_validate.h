/* kube_rg_validate.h: RouteGroup validation with skipper's messages (spec
 * kubernetes-to-eskip.md §8.1).
 *
 * Phase A (structure, backends, references, routes) stops at the first problem and wraps it
 * as "error in route group <ns>/<name>: <msg>"; phase B (filters, predicates, network
 * backend addresses, duplicate hosts) collects every problem, joined with "\n".
 * The caller logs "[routegroup] <message>" and drops the RouteGroup.
 *
 * Ownership: nothing is kept; scratch memory comes from a private arena. */
#ifndef ROUTESRV_KUBE_RG_VALIDATE_H
#define ROUTESRV_KUBE_RG_VALIDATE_H
#include "base/buf.h"
#include "objects/kube_model.h"

/* 0 when valid; -1 with the message appended to err. */
int kube_rg_validate(const kube_routegroup *rg, buf *err);

#endif
