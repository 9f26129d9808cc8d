/* kube_ingress_internal.h: state shared by the Ingress conversion files
 * (kube_ingress.c: order, validation, per-Ingress inputs, default backend;
 * kube_ingress_paths.c: path routes, path types, ExternalName, weights;
 * kube_ingress_routes.c: host buckets, redirects, custom routes, east-west, forward,
 * catch-alls). Not a public interface.
 *
 * Ownership: routes and everything they point to live in the output table's arena
 * (st->a); per-cycle lookups and scratch data in the cycle arena (st->cy->arena). */
#ifndef ROUTESRV_KUBE_INGRESS_INTERNAL_H
#define ROUTESRV_KUBE_INGRESS_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>

#include "routes/kube_cycle.h"
#include "routes/kube_strmap.h"
#include "routes/kube_traffic.h"
#include "eskip/route.h"

/* printf arguments for a str with "%.*s" (zero-initialised strs have a NULL ptr). */
#define SP(s) (int)(s).len, ((s).ptr ? (s).ptr : "")

/* The routes of one rule host, in insertion order, plus the host's redirect bookkeeping. */
typedef struct {
	str host;
	route *routes; size_t n, cap;
	bool code_set;       /* hostCode[host] */
	long code;
	bool disabled;       /* hostDisabled[host] */
} ing_bucket;

/* A default-backend route kept for its east-west copy (§7.3). */
typedef struct {
	route r;
	str ns, name;
} ing_default_route;

/* State of the whole Ingress part of one cycle (§7.1). */
typedef struct {
	kube_cycle *cy;
	const kube_options *o;
	arena *a;                         /* output arena */
	route_table *out;
	kube_strmap buckets;              /* host → ing_bucket* */
	ing_default_route *default_routes; size_t ndefault_routes;   /* for the east-west copies */
} ing_state;

/* Inputs computed once per Ingress (§7.1 step 2). */
typedef struct {
	const kube_ingress *ing;
	str ns, name;
	bool redirect_enable, redirect_disable, redirect_ignore;
	long redirect_code;
	call *filters; size_t nfilters;           /* ratelimit -> skipper-filter */
	bool has_predicates;                       /* skipper-predicate present */
	call *predicates; size_t npredicates;
	bool forward;                              /* skipper-backend: forward with a forward URL */
	route *custom; size_t ncustom;             /* skipper-routes, parsed */
	kube_strmap weights;                       /* service → double* */
	kube_path_mode path_mode;
	bool protocol_set; str protocol;           /* skipper-backend-protocol */
	bool lb_set; str lb_algorithm;             /* skipper-loadbalancer */
	bool zone_opt_out;                         /* traffic-zone-aware: "false" */
	size_t origin;                     /* route.origin of its routes (collecting reporter), or 0 */
} ing_ctx;

/* kube_ingress.c */
void ing_log(ing_state *st, const ing_ctx *c, log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* kube_ingress_paths.c */
/* §7.4: applies the rule path to r in the given mode. */
void ing_set_path(arena *a, route *r, kube_path_mode mode, str path_type, str path);
/* §7.2-§7.6 for one rule path with its traffic share; adds the routes to the buckets. */
void ing_convert_path(ing_state *st, ing_ctx *c, str host, const kube_ingress_path *p, const kube_traffic *t);
/* §7.3: the default backend route, appended to the output; NULL if none results. */
void ing_convert_default_backend(ing_state *st, ing_ctx *c);
/* §7.5: traffic per rule path (grouped by path string). out has rule->npaths entries. */
void ing_rule_traffic(ing_state *st, ing_ctx *c, const kube_ingress_rule *rule, kube_traffic *out);

/* kube_ingress_routes.c */
/* §7.2 steps 12-14 for a finished path or ExternalName route of host: forward rewrite,
 * bucket, redirect twin or config annotations, east-west copy. */
void ing_place_path_route(ing_state *st, const ing_ctx *c, str host, route *r);
/* §7.8: the custom routes for one rule path. */
void ing_custom_routes(ing_state *st, ing_ctx *c, str host, const kube_ingress_path *p);
/* §7.11: the forward rewrite, if the Ingress asks for it. */
void ing_forward_rewrite(const ing_state *st, const ing_ctx *c, route *r);
/* §7.1 end: buckets with east-west-range predicates, catch-alls and their twins, then the
 * east-west copies of default-backend routes. */
void ing_flush(ing_state *st);
#endif
