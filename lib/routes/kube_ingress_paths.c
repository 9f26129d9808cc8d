/* kube_ingress_paths.c: Ingress path routes, path types and modes, ExternalName services,
 * weights and the default backend (spec kubernetes-to-eskip.md §7.2-§7.6). */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "routes/kube_annotations.h"
#include "routes/kube_default_filters.h"
#include "routes/kube_endpoints.h"
#include "routes/kube_hostrx.h"
#include "routes/kube_ids.h"
#include "routes/kube_ingress_internal.h"
#include "go/regex.h"

/* --- path handling (§7.4) ---------------------------------------------------------------- */

static void add_path_predicate(arena *a, route *r, const char *name, str path)
{
	arg p = arg_string(a, path.ptr ? path.ptr : "", path.len);
	route_add_predicate(a, r, name, 1, &p);
}

/* Regexp forms replace the route's whole legacy PathRegexp list. */
static void set_path_regexp(arena *a, route *r, str rx)
{
	r->path_regexps = arena_array_alloc(a, 1, sizeof *r->path_regexps);
	r->path_regexps[0] = rx;
	r->npath_regexps = 1;
}

void ing_set_path(arena *a, route *r, kube_path_mode mode, str path_type, str path)
{
	if (path.len == 0)
		return;
	if (str_eq_c(path_type, "Exact")) {
		add_path_predicate(a, r, "Path", path);
		return;
	}
	if (str_eq_c(path_type, "Prefix")) {
		add_path_predicate(a, r, "PathSubtree", path);
		return;
	}
	switch (mode) {
	case PATH_MODE_KUBERNETES_INGRESS:
		if (str_eq_c(path, "/"))
			set_path_regexp(a, r, arena_strdup(a, "^/"));
		else
			set_path_regexp(a, r, arena_printf(a, "^(%.*s)", SP(path)));
		break;
	case PATH_MODE_PATH_REGEXP:
		set_path_regexp(a, r, arena_strndup(a, path.ptr, path.len));
		break;
	case PATH_MODE_PATH_PREFIX:
		add_path_predicate(a, r, "PathSubtree", path);
		break;
	}
}

/* --- traffic (§7.5) ----------------------------------------------------------------------- */

static double weight_of(const ing_ctx *c, str service)
{
	const double *w = kube_strmap_get(&c->weights, service);
	return w ? *w : 0;
}

static int by_path_then_index(const void *x, const void *y, void *ctx)
{
	const kube_ingress_rule *rule = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = str_cmp(rule->paths[i].path, rule->paths[j].path);
	return c ? c : (i > j) - (i < j);
}

/* The paths of a rule are grouped by path string (skipper's map of path -> backends): the
 * indexes sorted by (path, index) give each group's members in rule order, in O(n log n)
 * however many paths the rule has. */
void ing_rule_traffic(ing_state *st, ing_ctx *c, const kube_ingress_rule *rule, kube_traffic *out)
{
	size_t n = rule->npaths;
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	str *names = malloc((n ? n : 1) * sizeof *names);
	double *weights = malloc((n ? n : 1) * sizeof *weights);
	kube_traffic *group = malloc((n ? n : 1) * sizeof *group);
	if (!order || !names || !weights || !group)
		abort();
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, by_path_then_index, (void *)rule);
	for (size_t g = 0; g < n;) {
		size_t m = 0;
		do {
			names[m] = rule->paths[order[g + m]].backend.service;
			weights[m] = weight_of(c, names[m]);
			m++;
		} while (g + m < n && str_eq(rule->paths[order[g + m]].path, rule->paths[order[g]].path));
		kube_traffic_compute(st->o->traffic_algorithm, names, weights, m, group);
		for (size_t k = 0; k < m; k++)
			out[order[g + k]] = group[k];
		g += m;
	}
	free(order);
	free(names);
	free(weights);
	free(group);
}

/* --- the parts after the backend (§7.2 steps 8-14) --------------------------------------- */

/* skipper-predicate; in path-prefix mode its Path/PathSubtree replace the rule's path (§7.4). */
static void append_annotation_predicates(ing_state *st, const ing_ctx *c, route *r)
{
	if (c->npredicates == 0)
		return;
	if (c->path_mode == PATH_MODE_PATH_PREFIX) {
		for (size_t i = 0; i < c->npredicates; i++) {
			if (!str_eq_c(c->predicates[i].name, "Path") && !str_eq_c(c->predicates[i].name, "PathSubtree"))
				continue;
			r->path = (str){ "", 0 };
			for (size_t j = 0; j < r->npredicates; j++) {
				if (str_eq_c(r->predicates[j].name, "Path") || str_eq_c(r->predicates[j].name, "PathSubtree")) {
					call *rest = arena_array_alloc(st->a, r->npredicates - 1, sizeof *rest);
					memcpy(rest, r->predicates, j * sizeof *rest);
					memcpy(rest + j, r->predicates + j + 1, (r->npredicates - j - 1) * sizeof *rest);
					r->predicates = rest;
					r->npredicates--;
					break;
				}
			}
		}
	}
	/* parsed into the route arena once per Ingress; routes share the calls (never changed in place) */
	route_append_predicates(st->a, r, c->predicates, c->npredicates);
}

static void prepend_default_filters(ing_state *st, const ing_ctx *c, route *r, str service)
{
	call *calls;
	size_t n;
	buf err = BUF_INIT;
	if (kube_default_filters_get(st->cy->default_filters, st->a, c->ns, service, &calls, &n, &err) != 0)
		ing_log(st, c, LOG_ERROR, "Failed to retrieve default filters: %s", err.ptr ? err.ptr : "");
	else
		route_prepend_filters(st->a, r, calls, n);
	buf_free(&err);
}

/* Steps 8-14 for a path route or an ExternalName route of host h. */
static void finish_route(ing_state *st, ing_ctx *c, str host, route *r, str service)
{
	if (r->backend_type != BACKEND_SHUNT && c->nfilters)
		route_prepend_filters(st->a, r, c->filters, c->nfilters);   /* shared, as the predicates */
	prepend_default_filters(st, c, r, service);
	append_annotation_predicates(st, c, r);
	kube_prepend_application_annotate(st->a, r, &c->ing->meta, st->o);
	ing_place_path_route(st, c, host, r);
}

/* --- ExternalName (§7.6) -------------------------------------------------------------------- */

/* Builds the ExternalName route into r; false (logged) if external names are disabled or
 * the name is not allowed. */
static bool external_name_route(ing_state *st, ing_ctx *c, const kube_service *svc,
	const kube_service_port *sp, route *r, const char *what)
{
	str ext = svc->external_name;
	if (!st->o->external_names) {
		ing_log(st, c, LOG_INFO, "%sNot enabled to reference external name from ingress: %.*s/%.*s", what,
			SP(c->ns), SP(c->name));
		return false;
	}
	if (!regex_list_any_match(st->o->allowed_external_names, ext)) {
		ing_log(st, c, LOG_INFO, "%sNot allowed external name: ingress with not allowed external name service: %.*s",
			what, SP(ext));
		return false;
	}
	bool https = !sp->target_port_is_name && sp->target_port == 443;
	str target = kube_target_port_string(st->a, sp);
	r->backend_type = BACKEND_NETWORK;
	r->backend = arena_printf(st->a, "%s://%.*s:%.*s", https ? "https" : "http", SP(ext), SP(target));
	if (!st->o->external_name_preserve_host) {
		arg args[2] = { arg_cstr(st->a, "Host"), arg_string(st->a, ext.ptr ? ext.ptr : "", ext.len) };
		route_add_filter(st->a, r, "setRequestHeader", 2, args);
	}
	return true;
}

/* --- endpoints and shape (§7.2 steps 4-6) ------------------------------------------------ */

static void apply_endpoints(ing_state *st, ing_ctx *c, route *r, str service, const kube_service_port *sp)
{
	kube_eps eps = { NULL, 0 };
	if (sp && st->o->force_service) {
		lb_endpoint *one = arena_alloc(st->cy->arena, sizeof *one);
		one->address = kube_force_service_address(st->cy->arena, c->ns, service, sp);
		eps = (kube_eps){ one, 1 };
	} else if (sp) {
		eps = kube_ingress_endpoints(st->cy, c->ns, service, sp, c->protocol, c->protocol_set, !c->zone_opt_out);
	}
	str algorithm = c->lb_set ? c->lb_algorithm : st->o->default_lb_algorithm;
	if (kube_backend_apply(st->a, r, eps, algorithm) == KUBE_SHAPE_LB && c->zone_opt_out)
		kube_prepend_zone_aware_annotate(st->a, r);
}

/* --- path route (§7.2) ----------------------------------------------------------------------- */

void ing_convert_path(ing_state *st, ing_ctx *c, str host, const kube_ingress_path *p, const kube_traffic *t)
{
	/* skipper dereferences a missing backend and crashes; routesrv skips the path */
	if (!p->has_backend || !p->backend.present) {
		ing_log(st, c, LOG_ERROR, "invalid path rule, missing backend in: %.*s/%.*s/%.*s", SP(c->ns), SP(c->name), SP(host));
		return;
	}
	str service = p->backend.service;
	const kube_service *svc = kube_find_service(st->cy, c->ns, service);
	if (!svc) {
		str port = kube_ingress_port_string(st->cy->arena, &p->backend);
		st->cy->missing_ref = true;
		ing_log(st, c, LOG_ERROR, "Failed to get service %.*s, %.*s", SP(service), SP(port));
		return;
	}
	route r = { 0 };
	if (host.len) {
		r.host_regexps = arena_array_alloc(st->a, 1, sizeof *r.host_regexps);
		r.host_regexps[0] = kube_host_rx1(st->a, host);
		r.nhost_regexps = 1;
	}
	const kube_service_port *sp = kube_ingress_service_port(st->cy, svc, &p->backend);
	if (!sp && kube_reporter_collects(st->cy->reporter)) {
		/* skipper builds the "no endpoints" route without a word; -check warns (when the
		 * inputs hold Services: KUBE_MISSING_REF) */
		str port = kube_ingress_port_string(st->cy->arena, &p->backend);
		st->cy->missing_ref = true;
		ing_log(st, c, LOG_WARN, "Service %.*s has no port %.*s: the path's route answers 502 \"no endpoints\"",
			SP(service), SP(port));
	}
	if (sp && str_eq_c(svc->type, "ExternalName")) {
		if (!external_name_route(st, c, svc, sp, &r, ""))
			return;
		r.id = kube_ingress_route_id(st->a, c->ns, c->name, host, (str){ "", 0 }, svc->external_name);
		finish_route(st, c, host, &r, service);
		return;
	}
	r.id = kube_ingress_route_id(st->a, c->ns, c->name, host, p->path, service);
	apply_endpoints(st, c, &r, service, sp);
	ing_set_path(st->a, &r, c->path_mode, p->path_type, p->path);
	kube_traffic_apply(st->a, t, &r);
	finish_route(st, c, host, &r, service);
}

/* --- default backend (§7.3) ------------------------------------------------------------------ */

static void keep_default_route(ing_state *st, ing_ctx *c, route *r)
{
	r->origin = c->origin;
	ing_forward_rewrite(st, c, r);
	kube_prepend_application_annotate(st->a, r, &c->ing->meta, st->o);
	/* [quirk] skipper rewrites a forwarded default backend twice, dropping the annotate */
	ing_forward_rewrite(st, c, r);
	*route_table_add(st->out) = *r;
	if (st->o->east_west) {
		st->default_routes = arena_grow(st->a, st->default_routes, st->ndefault_routes,
			st->ndefault_routes + 1, sizeof *st->default_routes);
		st->default_routes[st->ndefault_routes++] = (ing_default_route){ *r, c->ns, c->name };
	}
}

void ing_convert_default_backend(ing_state *st, ing_ctx *c)
{
	const kube_ingress_backend *b = &c->ing->default_backend;
	if (!b->present)
		return;
	const kube_service *svc = kube_find_service(st->cy, c->ns, b->service);
	if (!svc) {
		str port = kube_ingress_port_string(st->cy->arena, b);
		st->cy->missing_ref = true;
		ing_log(st, c, LOG_ERROR, "Failed to get service %.*s, %.*s", SP(b->service), SP(port));
		st->cy->missing_ref = true;
		ing_log(st, c, LOG_ERROR, "Failed to convert default backend: service not found");
		return;
	}
	route r = { 0 };
	const kube_service_port *sp = kube_ingress_service_port(st->cy, svc, b);
	if (!sp) {
		str port = kube_ingress_port_string(st->cy->arena, b);
		st->cy->missing_ref = true;
		ing_log(st, c, LOG_ERROR, "Failed to find target port %.*s, %.*s", SP(b->service), SP(port));
	} else if (str_eq_c(svc->type, "ExternalName")) {
		if (!external_name_route(st, c, svc, sp, &r, "Failed to convert default backend: "))
			return;
		r.id = kube_ingress_route_id(st->a, c->ns, c->name, str_c("default"), (str){ "", 0 }, svc->external_name);
		keep_default_route(st, c, &r);
		return;
	}
	r.id = kube_ingress_route_id(st->a, c->ns, c->name, (str){ "", 0 }, (str){ "", 0 }, (str){ "", 0 });
	apply_endpoints(st, c, &r, b->service, sp);
	keep_default_route(st, c, &r);
}
