/* kube_traffic.h: weighted traffic between the backends of one path / route (spec
 * kubernetes-to-eskip.md §5.8): `traffic-predicate` (Traffic(p) + True() padding) and
 * `traffic-segment-predicate` (TrafficSegment(min, max)).
 *
 * Results follow skipper's name → result map: the entry for index i is the result stored
 * under names[i], so duplicate names share one result (the later entry for
 * traffic-predicate; for traffic-segment the first occurrence's segment unless all
 * weights are zero, then the later one).
 *
 * Ownership: the caller provides the output array of n entries; nothing is allocated
 * except the predicates added by kube_traffic_apply (in the given arena). */
#ifndef ROUTESRV_KUBE_TRAFFIC_H
#define ROUTESRV_KUBE_TRAFFIC_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "routes/kube_options.h"
#include "eskip/route.h"

typedef struct {
	kube_traffic_algorithm algorithm;
	double value;       /* traffic-predicate: the Traffic() argument (1: no predicate) */
	long balance;       /* traffic-predicate: number of True() after it */
	double min, max;    /* traffic-segment-predicate */
} kube_traffic;

/* Computes the traffic of n backends (names, weights ≥ 0) into out[0..n-1]. */
void kube_traffic_compute(kube_traffic_algorithm alg, const str *names, const double *weights,
	size_t n, kube_traffic *out);
/* Ingress only: whether the backend gets a route at all (value > 0, or min != max). */
bool kube_traffic_allowed(const kube_traffic *t);
/* Appends the traffic predicates to the route's generic predicates. */
void kube_traffic_apply(arena *a, const kube_traffic *t, route *r);
#endif
