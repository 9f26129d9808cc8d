/* kube_rg_backends.c: RouteGroup backend types (spec kubernetes-to-eskip.md §8.6). */
#include "routes/kube_rg_backends.h"

#include <string.h>

#include "eskip/eskip_internal.h"   /* eskip_endpoint_from_string: LB endpoint zones (A7) */
#include "go/go_url.h"
#include "routes/kube_annotations.h"
#include "routes/kube_default_filters.h"
#include "routes/kube_endpoints.h"
#include "go/regex.h"

bool kube_rg_address_allowed(const kube_options *o, str address)
{
	arena *scratch = arena_new();
	go_url u;
	bool ok = go_url_parse(scratch, address, &u, NULL) == 0 &&
		  regex_list_any_match(o->allowed_external_names, go_url_hostname(&u));
	arena_free(scratch);
	return ok;
}

static str algorithm_or_default(const kube_options *o, str algorithm)
{
	return algorithm.len ? algorithm : o->default_lb_algorithm;
}

static void put_str(buf *b, str s) { buf_append(b, s.ptr, s.len); }

/* §5.9.3: prepends the default filters of (ns, service); a broken file is logged per use. */
static void prepend_default_filters(const kube_rg_backend_ctx *bc, arena *a, str service, route *r)
{
	call *calls = NULL;
	size_t n = 0;
	buf err = BUF_INIT;
	if (kube_default_filters_get(bc->cy->default_filters, a, bc->ns, service, &calls, &n, &err) == 0) {
		route_prepend_filters(a, r, calls, n);
	} else {
		kube_cycle_log(bc->cy, bc->rg, &bc->rg->meta, LOG_ERROR, "RouteGroup", bc->ns, NULL,
			"Failed to retrieve default filters: error while applying default filters for route group "
			"and service: %.*s/%.*s %.*s, %s", (int)bc->ns.len, bc->ns.ptr,
			(int)bc->rg->meta.name.len, bc->rg->meta.name.ptr, (int)service.len, service.ptr,
			err.ptr ? err.ptr : "");
	}
	buf_free(&err);
}

static int apply_service(const kube_rg_backend_ctx *bc, arena *a, const kube_rg_backend *b, route *r, buf *err)
{
	const str *proto = kube_map_get(&bc->rg->meta.annotations, "zalando.org/skipper-backend-protocol");
	kube_eps eps;
	if (kube_rg_endpoints(bc->cy, bc->ns, b->service_name, b->service_port, proto ? *proto : (str){ "", 0 },
			      bc->zone, &eps, err))
		return -1;
	kube_backend_shape shape = kube_backend_apply(a, r, eps, algorithm_or_default(bc->cy->opts, b->algorithm));
	/* the "no endpoints" pair replaced the filters, so the opt-out marker is gone there too */
	if (bc->zone_opt_out && shape != KUBE_SHAPE_NO_ENDPOINTS)
		kube_prepend_zone_aware_annotate(a, r);
	return 0;
}

static int apply_lb(const kube_rg_backend_ctx *bc, arena *a, const kube_rg_backend *b, route *r, buf *err)
{
	const kube_options *o = bc->cy->opts;
	for (size_t i = 0; i < b->nendpoints; i++) {
		if (!kube_rg_address_allowed(o, b->endpoints[i])) {
			buf_puts(err, "routegroup with not allowed explicit LB endpoint: ");
			put_str(err, b->endpoints[i]);
			return -1;
		}
	}
	r->backend_type = BACKEND_LB;
	r->lb_algorithm = arena_strndup(a, algorithm_or_default(o, b->algorithm).ptr, algorithm_or_default(o, b->algorithm).len);
	r->endpoints = NULL;
	r->nendpoints = 0;
	for (size_t i = 0; i < b->nendpoints; i++) {
		/* the address may point into the cluster's memory: copy it into the route's */
		lb_endpoint e = eskip_endpoint_from_string(a, b->endpoints[i]);
		route_add_endpoint(a, r, arena_strndup(a, e.address.ptr, e.address.len),
			arena_strndup(a, e.zone.ptr, e.zone.len));
	}
	return 0;
}

static void add_tracing_tag(arena *a, const kube_rg_backend *b, route *r)
{
	arg args[2] = { arg_cstr(a, "skipper.backend_name"), arg_string(a, b->name.ptr, b->name.len) };
	route_add_filter(a, r, "tracingTag", 2, args);
}

int kube_rg_apply_backend(const kube_rg_backend_ctx *bc, arena *a, const kube_rg_backend *b, route *r, buf *err)
{
	const kube_options *o = bc->cy->opts;
	bool service = b->type.len == 0 || str_eq_c(b->type, "service");
	if (service) {
		if (apply_service(bc, a, b, r, err))
			return -1;
	} else if (str_eq_c(b->type, "network")) {
		if (!kube_rg_address_allowed(o, b->address)) {
			buf_puts(err, "routegroup with not allowed network backend: ");
			put_str(err, b->address);
			return -1;
		}
		r->backend_type = BACKEND_NETWORK;
		r->backend = arena_strndup(a, b->address.ptr, b->address.len);
	} else if (str_eq_c(b->type, "lb")) {
		if (apply_lb(bc, a, b, r, err))
			return -1;
	} else if (str_eq_c(b->type, "forward")) {
		/* skipper resolves forward in the data client: the forward URL as a network
		 * backend, and the filters collected so far (the route's own) dropped */
		r->backend_type = BACKEND_NETWORK;
		r->backend = arena_strndup(a, o->forward_backend_url.ptr, o->forward_backend_url.len);
		r->filters = NULL;
		r->nfilters = 0;
	} else if (str_eq_c(b->type, "shunt")) {
		r->backend_type = BACKEND_SHUNT;
	} else if (str_eq_c(b->type, "loopback")) {
		r->backend_type = BACKEND_LOOPBACK;
	} else if (str_eq_c(b->type, "dynamic")) {
		r->backend_type = BACKEND_DYNAMIC;
	}
	if (o->backend_name_tracing_tag)
		add_tracing_tag(a, b, r);
	if (service)
		prepend_default_filters(bc, a, b->service_name, r);
	return 0;
}
