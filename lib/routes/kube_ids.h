/* kube_ids.h: route IDs of converted Ingresses and RouteGroups (spec kubernetes-to-eskip.md §5.2).
 *
 * Ingress IDs sanitise per Unicode code point (one "_" per non-word rune, one per invalid
 * UTF-8 byte); RouteGroup IDs sanitise per byte.
 *
 * Ownership: every result is allocated in the given arena. */
#ifndef ROUTESRV_KUBE_IDS_H
#define ROUTESRV_KUBE_IDS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "eskip/route_diff.h"

/* S(): every code point outside ASCII [0-9A-Za-z_] becomes "_". */
str kube_id_sanitize_runes(arena *a, str s);
/* T(): every byte outside ASCII [0-9A-Za-z_] becomes "_". */
str kube_id_sanitize_bytes(arena *a, str s);

/* Ingress routeID: kube_ + S(ns) + __ + S(name) + __ + S(host) + __ + S(path) + __ + S(backend). */
str kube_ingress_route_id(arena *a, str ns, str name, str host, str path, str backend);
/* Ingress catch-all: routeID("", "catchall", host, "", ""). */
str kube_ingress_catchall_id(arena *a, str host);

/* RouteGroup: kube_rg__ + [internal_] + T(ns or "default") + __ + T(name) + __ + T(method)
 * + __ + route_index + _ + backend_index. method is used as given (callers pass the
 * lower-cased method or "all"). */
str kube_rg_route_id(arena *a, str ns, str name, str method, size_t route_index,
	size_t backend_index, bool internal);
/* RouteGroup catch-all: kube_rg__ + [internal_] + __ + T(host) + __catchall__0_0. */
str kube_rg_catchall_id(arena *a, str host, bool internal);

/* East-west copy: "kubeew" + id without its leading "kube" (ids not starting with "kube"
 * get "kubeew" + the whole id). */
str kube_eastwest_id(arena *a, str id);
/* id + suffix, e.g. "_https_redirect" / "_disable_https_redirect". */
str kube_id_suffix(arena *a, str id, const char *suffix);

/* The object a route ID names, for reports grouped by object (a route_group_fn): Ingress
 * or RouteGroup with namespace and name as the ID spells them (sanitised: "kube-system"
 * reads "kube_system"), "cluster-wide routes" (kube__healthz_*, kube__redirect), "catch-all
 * routes", or no kind for IDs of another scheme. East-west and -clone-route copies belong
 * to their object. Best effort where the scheme is ambiguous: an Ingress's named custom
 * routes (name_customid_index) form a group of their own, an Ingress in namespace "rg"
 * reads as a RouteGroup. ns and name point into id. */
void kube_route_group(str id, route_group *g);
#endif
