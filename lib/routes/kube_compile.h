/* kube_compile.h: Kubernetes objects → skipper routes, as skipper's Kubernetes data client
 * computes them (spec kubernetes-to-eskip.md §0 steps 2-7).
 *
 * kube_compile filters by class, validates and sorts Ingresses and RouteGroups, converts
 * them (§7, §8), appends the global routes (§9.1) and de-duplicates by id (§9.2).
 * Skipped objects are logged (log.h) with kind/ns/name, as skipper does; they never fail
 * the whole conversion. The result is not canonicalized or sorted (see route_process).
 *
 * Ownership: routes are appended to `out` (its arena); the cluster and options are only
 * read. Per-cycle caches live inside the call. */
#ifndef ROUTESRV_KUBE_COMPILE_H
#define ROUTESRV_KUBE_COMPILE_H
#include "objects/kube_model.h"
#include "objects/kube_report.h"
#include "routes/kube_options.h"
#include "eskip/route.h"
#include "routes/kube_cycle.h"

void kube_compile(const kube_cluster *c, const kube_options *o, route_table *out);
/* The same, with problems about objects going to rep (kube_report.h; NULL: logged). */
void kube_compile_report(const kube_cluster *c, const kube_options *o, kube_reporter *rep, route_table *out);

/* skipper's admission validation of the Ingresses and RouteGroups in c (what its webhook
 * answers; spec §2.1, §8.1): each object's errors are appended to msg, joined with "\n".
 * 0 when all are valid, -1 otherwise. */
int kube_validate_objects(const kube_cluster *c, buf *msg);
/* The same, telling obs (may be NULL) what each Ingress and RouteGroup reads across
 * objects (kube_cycle.h; obs is borrowed for the call), with the global routes (§9.1) only
 * if global_routes: a part of a cluster compiled alone leaves them to another part. */
void kube_compile_observed(const kube_cluster *c, const kube_options *o, kube_reporter *rep, route_table *out,
			   const kube_observer *obs, bool global_routes);

/* The pieces, for the converters and their tests. */
void kube_compile_ingresses(const kube_cluster *c, const kube_options *o, route_table *out);
void kube_compile_routegroups(const kube_cluster *c, const kube_options *o, route_table *out);
#endif
