/* kube_ingress.h: Ingress (networking.k8s.io/v1) conversion within one conversion cycle
 * (spec kubernetes-to-eskip.md §7). kube_compile_ingresses (kube_compile.h) is the same
 * with a cycle of its own.
 *
 * Order: class filter (-kubernetes-ingress-class on kubernetes.io/ingress.class and
 * spec.ingressClassName), sort by (namespace, name), annotation validation (failures
 * logged "[ingress] …" and dropped), then every Ingress with host buckets, redirect
 * bookkeeping and catch-alls shared across all of them (§7.1).
 *
 * Ownership: routes are appended to `out` (its arena); the cycle's cluster and options are
 * only read. */
#ifndef ROUTESRV_KUBE_INGRESS_H
#define ROUTESRV_KUBE_INGRESS_H
#include "routes/kube_cycle.h"
#include "eskip/route.h"

void kube_compile_ingresses_cycle(kube_cycle *cy, route_table *out);
/* The class filter (§1): whether -kubernetes-ingress-class keeps ing (also for the Ingress
 * status writer, which must leave other controllers' Ingresses alone). */
bool kube_ingress_class_matches(const kube_options *o, const kube_ingress *ing);

/* skipper's validation of an Ingress's annotations (spec §2.1; what its admission webhook
 * answers): each error "invalid "<key>" annotation: <msg>" is appended to errs, joined with
 * "\n", and handed to each(ud, key, message) when each is non-NULL. 0 valid, -1 not. */
typedef void (*kube_ingress_error_fn)(void *ud, const char *key, const char *message);
int kube_ingress_validate(const kube_ingress *ing, buf *errs, kube_ingress_error_fn each, void *ud);
#endif
