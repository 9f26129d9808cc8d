/* kube_annotations.h: additions driven by object metadata and options, shared by Ingress
 * and RouteGroup conversion (spec kubernetes-to-eskip.md §5.9.1, §5.9.2).
 *
 * Ownership: added calls are deep-copied into the given arena (the route's table arena). */
#ifndef ROUTESRV_KUBE_ANNOTATIONS_H
#define ROUTESRV_KUBE_ANNOTATIONS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "objects/kube_model.h"
#include "routes/kube_options.h"
#include "eskip/route.h"

/* §5.9.1: the configured annotation predicates and filters of the normal family
 * (internal == false) or the east-west-range family (internal == true). */
void kube_append_config_annotations(arena *a, route *r, const kube_map *annotations,
	const kube_options *o, bool internal);
/* §5.9.2: prepends annotate("Application", "<label value>") if the
 * -kubernetes-application-annotation-label option is set and the label is non-empty. */
void kube_prepend_application_annotate(arena *a, route *r, const kube_meta *meta, const kube_options *o);
/* Prepends annotate("zalando.org/traffic-zone-aware", "false"). */
void kube_prepend_zone_aware_annotate(arena *a, route *r);
/* Whether the object has zalando.org/traffic-zone-aware: "false" (opt-out of §5.6). */
bool kube_zone_aware_disabled(const kube_meta *meta);
/* Whether a host is internal: it ends with any -kubernetes-east-west-range-domains suffix
 * (plain string suffix). */
bool kube_host_internal(const kube_options *o, str host);
#endif
