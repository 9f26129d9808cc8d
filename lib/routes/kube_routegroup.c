/* kube_routegroup.c: RouteGroup → routes (spec kubernetes-to-eskip.md §8).
 *
 * Each RouteGroup is converted in up to two contexts (§8.2): the external one (external
 * hosts, or no hosts at all) and the internal one (hosts under an east-west-range domain).
 * A context builds its main routes (implicit §8.3 or explicit §8.4), each followed by its
 * east-west copy (§8.10) and HTTPS-redirect twin (§8.9), then its catch-alls (§8.8), and
 * finally appends the context's configured extras to all of them.
 *
 * Backend lookups, host and method de-duplication are hash lookups (kube_strmap): a
 * RouteGroup's hosts, backends, methods and items cost O(n) each, never O(n^2). */
#include "routes/kube_routegroup.h"

#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "routes/kube_annotations.h"
#include "routes/kube_compile.h"
#include "routes/kube_hostrx.h"
#include "routes/kube_ids.h"
#include "routes/kube_rg_backends.h"
#include "routes/kube_rg_validate.h"
#include "routes/kube_strmap.h"
#include "routes/kube_traffic.h"
#include "base/log.h"
#include "go/regex.h"

typedef struct {
	kube_cycle *cy;
	const kube_options *o;
	const kube_routegroup *rg;
	const kube_strmap *backends;   /* backend name -> kube_rg_backend* */
	route_table *out;
	arena *a;                      /* out->arena */
	str ns;                        /* namespace or "default" */
	bool internal;
	const str *hosts; size_t nhosts;
	str host_rx;                   /* hostRx(hosts); unused without hosts */
	bool redirect;                 /* emit HTTPS-redirect twins */
	bool east_west;                /* emit east-west copies */
	kube_rg_backend_ctx bc;
	kube_traffic *default_traffic; /* over defaultBackends */
	/* Catch-all bookkeeping (§8.8): every recorded route is recorded under every host of
	 * the context, so one flag pair describes all hosts. */
	bool recorded, host_only_recorded;
} rg_context;


static const kube_rg_backend *find_backend(const rg_context *cx, str name)
{
	return kube_strmap_get(cx->backends, name);   /* validation: every reference resolves */
}

static kube_traffic *compute_traffic(const rg_context *cx, const kube_rg_backend_ref *refs, size_t n)
{
	kube_traffic *t = arena_alloc(cx->cy->arena, (n ? n : 1) * sizeof *t);
	str *names = arena_alloc(cx->cy->arena, (n ? n : 1) * sizeof *names);
	double *weights = arena_alloc(cx->cy->arena, (n ? n : 1) * sizeof *weights);
	for (size_t i = 0; i < n; i++) {
		names[i] = refs[i].backend_name;
		weights[i] = (double)refs[i].weight;
	}
	kube_traffic_compute(cx->o->traffic_algorithm, names, weights, n, t);
	return t;
}

/* --- small route helpers ----------------------------------------------------------- */

static void add_string_call(arena *a, route *r, bool filter, const char *name, str value)
{
	arg v = arg_string(a, value.ptr, value.len);
	if (filter)
		route_add_filter(a, r, name, 1, &v);
	else
		route_add_predicate(a, r, name, 1, &v);
}

/* Fresh predicate, filter and endpoint arrays, so that appending to a copy can never write
 * into spare capacity another route also uses. Calls and strings are shared (immutable). */
static route route_dup(arena *a, const route *src)
{
	route r = *src;
	r.predicates = NULL;
	r.npredicates = 0;
	r.filters = NULL;
	r.nfilters = 0;
	r.endpoints = NULL;
	r.nendpoints = 0;
	route_append_predicates(a, &r, src->predicates, src->npredicates);
	route_append_filters(a, &r, src->filters, src->nfilters);
	for (size_t i = 0; i < src->nendpoints; i++)
		route_add_endpoint(a, &r, src->endpoints[i].address, src->endpoints[i].zone);
	return r;
}

static bool host_only(const route *r)
{
	for (size_t i = 0; i < r->npredicates; i++)
		if (!str_eq_c(r->predicates[i].name, "Host"))
			return false;
	return true;
}

/* Generic Header/HeaderRegexp predicates on X-Forwarded-Proto (exact, case-sensitive). */
static bool has_proto_predicate(const route *r)
{
	for (size_t i = 0; i < r->npredicates; i++) {
		const call *p = &r->predicates[i];
		if ((str_eq_c(p->name, "Header") || str_eq_c(p->name, "HeaderRegexp")) && p->nargs > 0 &&
		    p->args[0].type == ARG_STRING && str_eq_c(p->args[0].s, "X-Forwarded-Proto"))
			return true;
	}
	return false;
}

/* --- emitting ------------------------------------------------------------------------ */

static void record_for_catchall(rg_context *cx, const route *r)
{
	if (cx->nhosts == 0)
		return;
	cx->recorded = true;
	if (host_only(r))
		cx->host_only_recorded = true;
}

/* §8.10: Host predicates replaced by the name.namespace.<east-west domain> host. */
static void emit_east_west(rg_context *cx, const route *r)
{
	arena *a = cx->a;
	route c = route_dup(a, r);
	c.id = kube_eastwest_id(a, r->id);
	size_t k = 0;
	for (size_t i = 0; i < c.npredicates; i++)
		if (!str_eq_c(c.predicates[i].name, "Host"))
			c.predicates[k++] = c.predicates[i];
	c.npredicates = k;
	str host = arena_printf(a, "%.*s.%.*s.%.*s", (int)cx->rg->meta.name.len, cx->rg->meta.name.ptr,
		(int)cx->ns.len, cx->ns.ptr, (int)cx->o->east_west_domain.len, cx->o->east_west_domain.ptr);
	add_string_call(a, &c, false, "Host", kube_host_rx1(a, host));
	*route_table_add(cx->out) = c;
}

/* §8.9: the route's predicates plus Header("X-Forwarded-Proto", "http") → redirectTo. */
static void emit_redirect(rg_context *cx, const route *r)
{
	arena *a = cx->a;
	route t = route_dup(a, r);
	t.id = kube_id_suffix(a, r->id, "_https_redirect");
	arg header[2] = { arg_cstr(a, "X-Forwarded-Proto"), arg_cstr(a, "http") };
	route_add_predicate(a, &t, "Header", 2, header);
	t.filters = NULL;
	t.nfilters = 0;
	arg redirect[2] = { arg_number((double)cx->o->redirect_code), arg_cstr(a, "https:") };
	route_add_filter(a, &t, "redirectTo", 2, redirect);
	t.backend_type = BACKEND_SHUNT;
	t.backend = (str){ "", 0 };
	t.lb_algorithm = (str){ "", 0 };
	t.endpoints = NULL;
	t.nendpoints = 0;
	*route_table_add(cx->out) = t;
}

/* Finishes a main route (traffic, application annotate) and emits it with its copies. */
static void emit_main(rg_context *cx, route *r, const kube_traffic *traffic)
{
	kube_traffic_apply(cx->a, traffic, r);
	kube_prepend_application_annotate(cx->a, r, &cx->rg->meta, cx->o);
	record_for_catchall(cx, r);
	*route_table_add(cx->out) = *r;
	if (cx->east_west)
		emit_east_west(cx, r);
	if (cx->redirect && !has_proto_predicate(r))
		emit_redirect(cx, r);
}

/* --- implicit routes (§8.3) ------------------------------------------------------------ */

static int implicit_routes(rg_context *cx, buf *err)
{
	const kube_routegroup *rg = cx->rg;
	for (size_t j = 0; j < rg->ndefault_backends; j++) {
		route r = { 0 };
		r.id = kube_rg_route_id(cx->a, cx->ns, rg->meta.name, str_c("all"), 0, j, cx->internal);
		const kube_rg_backend *b = find_backend(cx, rg->default_backends[j].backend_name);
		if (!b || kube_rg_apply_backend(&cx->bc, cx->a, b, &r, err))
			return -1;
		if (cx->nhosts)
			add_string_call(cx->a, &r, false, "Host", cx->host_rx);
		emit_main(cx, &r, &cx->default_traffic[j]);
	}
	return 0;
}

/* --- explicit routes (§8.4) ------------------------------------------------------------ */

/* Parses the route's predicates[] or filters[] items into one list (grown by doubling:
 * a route may have many thousand items). */
static int parse_items(arena *a, const str *items, size_t n, bool filters, call **out, size_t *nout, buf *err)
{
	*out = NULL;
	*nout = 0;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		call *calls;
		size_t ncalls;
		buf perr = BUF_INIT;
		int rc = filters ? eskip_parse_filters(a, items[i].ptr, items[i].len, &calls, &ncalls, &perr)
				 : eskip_parse_predicates(a, items[i].ptr, items[i].len, &calls, &ncalls, &perr);
		if (rc) {
			int shown = items[i].len > 48 ? 48 : (int)items[i].len;
			buf_printf(err, "[eskip] %s, '%.*s'; ", filters ? "filter" : "predicate", shown, items[i].ptr);
			buf_append(err, perr.ptr, perr.len);
			buf_free(&perr);
			return -1;
		}
		buf_free(&perr);
		if (*nout + ncalls > cap) {
			size_t grown = cap ? 2 * cap : 4;
			while (grown < *nout + ncalls)
				grown *= 2;
			*out = arena_grow(a, *out, *nout, grown, sizeof **out);
			cap = grown;
		}
		if (ncalls)
			memcpy(*out + *nout, calls, ncalls * sizeof *calls);
		*nout += ncalls;
	}
	return 0;
}

static str ascii_case(arena *a, str s, bool upper)
{
	char *p = arena_alloc(a, s.len + 1);
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		p[i] = c;
	}
	return (str){ p, s.len };
}

/* The route's methods with exact duplicates removed (first occurrence order); one empty
 * entry for "no method". */
static size_t unique_methods(arena *a, const kube_rg_route *gr, str **out)
{
	str *m = arena_alloc(a, (gr->nmethods ? gr->nmethods : 1) * sizeof *m);
	size_t n = 0;
	arena *scratch = arena_new();
	kube_strmap seen;
	kube_strmap_init(&seen, scratch);
	for (size_t i = 0; i < gr->nmethods; i++)
		if (kube_strmap_add(&seen, gr->methods[i], m))   /* any non-NULL value marks "seen" */
			m[n++] = gr->methods[i];
	arena_free(scratch);
	if (n == 0)
		m[n++] = (str){ "", 0 };
	*out = m;
	return n;
}

/* Path/PathSubtree, PathRegexp and Host: the predicates that precede Method. */
static void path_and_host(const rg_context *cx, const kube_rg_route *gr, route *r)
{
	arena *a = cx->a;
	if (gr->path.len)
		add_string_call(a, r, false, "Path", gr->path);
	else if (gr->path_subtree.len)
		add_string_call(a, r, false, "PathSubtree", gr->path_subtree);
	if (gr->path_regexp.len)
		add_string_call(a, r, false, "PathRegexp", gr->path_regexp);
	if (cx->nhosts)
		add_string_call(a, r, false, "Host", cx->host_rx);
}

static int explicit_route(rg_context *cx, size_t i, buf *err)
{
	const kube_routegroup *rg = cx->rg;
	const kube_rg_route *gr = &rg->routes[i];
	arena *a = cx->a;
	call *predicates, *filters;
	size_t npredicates, nfilters;
	if (parse_items(a, gr->predicates, gr->npredicates, false, &predicates, &npredicates, err) ||
	    parse_items(a, gr->filters, gr->nfilters, true, &filters, &nfilters, err))
		return -1;

	const kube_rg_backend_ref *refs = gr->backends;
	size_t nrefs = gr->nbackends;
	const kube_traffic *traffic;
	if (nrefs) {
		traffic = compute_traffic(cx, refs, nrefs);
	} else {
		refs = rg->default_backends;
		nrefs = rg->ndefault_backends;
		traffic = cx->default_traffic;
	}
	str *methods;
	size_t nmethods = unique_methods(a, gr, &methods);
	for (size_t m = 0; m < nmethods; m++) {
		for (size_t j = 0; j < nrefs; j++) {
			route r = { 0 };
			str method_id = methods[m].len ? ascii_case(a, methods[m], false) : str_c("all");
			r.id = kube_rg_route_id(a, cx->ns, rg->meta.name, method_id, i, j, cx->internal);
			path_and_host(cx, gr, &r);
			if (methods[m].len)
				add_string_call(a, &r, false, "Method", ascii_case(a, methods[m], true));
			route_append_predicates(a, &r, predicates, npredicates);
			route_append_filters(a, &r, filters, nfilters);
			const kube_rg_backend *b = find_backend(cx, refs[j].backend_name);
			if (!b || kube_rg_apply_backend(&cx->bc, a, b, &r, err))
				return -1;
			emit_main(cx, &r, &traffic[j]);
		}
	}
	return 0;
}

static void explicit_routes(rg_context *cx)
{
	for (size_t i = 0; i < cx->rg->nroutes; i++) {
		size_t mark = cx->out->n;
		buf err = BUF_INIT;
		if (explicit_route(cx, i, &err)) {
			/* the whole routes[i] goes (every method and backend); what it already
			 * recorded for the catch-alls stays, as in skipper */
			cx->out->n = mark;
			kube_cycle_log(cx->cy, cx->rg, &cx->rg->meta, LOG_ERROR, "RouteGroup", cx->ns, NULL,
				"Ignoring route: %s", err.ptr ? err.ptr : "");
		}
		buf_free(&err);
	}
}

/* --- catch-alls and extras ---------------------------------------------------------- */

static void catch_alls(rg_context *cx)
{
	if (cx->o->disable_catchall_routes || !cx->recorded || cx->host_only_recorded)
		return;
	for (size_t i = 0; i < cx->nhosts; i++) {
		route *r = route_table_add(cx->out);
		r->id = kube_rg_catchall_id(cx->a, cx->hosts[i], cx->internal);
		add_string_call(cx->a, r, false, "Host", kube_host_rx1(cx->a, cx->hosts[i]));
		r->backend_type = BACKEND_SHUNT;
	}
}

/* §8.2: configured predicates and filters on every route of the context. */
static void context_extras(rg_context *cx, size_t from)
{
	const kube_options *o = cx->o;
	for (size_t i = from; i < cx->out->n; i++) {
		route *r = &cx->out->routes[i];
		if (cx->internal && o->neast_west_range_predicates)
			route_append_predicates(cx->a, r, calls_copy(cx->a, o->east_west_range_predicates,
				o->neast_west_range_predicates), o->neast_west_range_predicates);
		kube_append_config_annotations(cx->a, r, &cx->rg->meta.annotations, o, cx->internal);
	}
}

/* Converts one context; -1 with the error when an implicit route fails (nothing emitted). */
static int convert_context(rg_context *cx, buf *err)
{
	size_t from = cx->out->n;
	cx->default_traffic = compute_traffic(cx, cx->rg->default_backends, cx->rg->ndefault_backends);
	if (cx->rg->nroutes == 0) {
		if (implicit_routes(cx, err)) {
			cx->out->n = from;
			return -1;
		}
	} else {
		explicit_routes(cx);
	}
	catch_alls(cx);
	context_extras(cx, from);
	return 0;
}

/* --- one RouteGroup ------------------------------------------------------------------ */

static bool ends_with(str s, str suffix)
{
	return s.len >= suffix.len && memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0;
}

static bool redirect_enabled(const kube_options *o, const kube_routegroup *rg)
{
	const str *v = kube_map_get(&rg->meta.annotations, "zalando.org/skipper-ingress-redirect");
	if (v && str_eq_c(*v, "true"))
		return true;
	if (v && str_eq_c(*v, "false"))
		return false;
	return o->https_redirect;
}

static rg_context new_context(kube_cycle *cy, const kube_routegroup *rg, const kube_strmap *backends,
	route_table *out, bool internal, const str *hosts, size_t nhosts)
{
	const kube_options *o = cy->opts;
	rg_context cx = { .cy = cy, .o = o, .rg = rg, .backends = backends, .out = out, .a = out->arena,
			  .internal = internal, .hosts = hosts, .nhosts = nhosts };
	cx.ns = rg->meta.ns.len ? rg->meta.ns : str_c("default");
	cx.host_rx = kube_host_rx(cy->arena, hosts, nhosts);
	bool opt_out = kube_zone_aware_disabled(&rg->meta);
	cx.bc = (kube_rg_backend_ctx){ .cy = cy, .rg = rg, .ns = cx.ns, .zone_opt_out = opt_out };
	if (!internal) {
		if (!opt_out)
			cx.bc.zone = o->topology_zone;
		cx.redirect = redirect_enabled(o, rg);
		cx.east_west = o->east_west;
		for (size_t i = 0; i < nhosts && cx.east_west; i++)
			if (ends_with(hosts[i], o->east_west_domain))
				cx.east_west = false;   /* one east-west host disables all copies */
	}
	return cx;
}

static void convert_routegroup(kube_cycle *cy, const kube_routegroup *rg, route_table *out)
{
	arena *a = cy->arena;
	str *external = arena_alloc(a, (rg->nhosts ? rg->nhosts : 1) * sizeof *external);
	str *internal = arena_alloc(a, (rg->nhosts ? rg->nhosts : 1) * sizeof *internal);
	size_t next = 0, nint = 0;
	kube_strmap backends;
	kube_strmap_init(&backends, a);
	for (size_t i = 0; i < rg->nbackends; i++)   /* names are unique (validated) */
		kube_strmap_add(&backends, rg->backends[i].name, (void *)&rg->backends[i]);
	/* Hosts are unique too: validation rejects a RouteGroup with a repeated host, so the
	 * de-duplication skipper does here has nothing left to remove. */
	for (size_t i = 0; i < rg->nhosts; i++) {
		if (kube_host_internal(cy->opts, rg->hosts[i]))
			internal[nint++] = rg->hosts[i];
		else
			external[next++] = rg->hosts[i];
	}
	str ns = rg->meta.ns.len ? rg->meta.ns : str_c("default");
	buf err = BUF_INIT;
	if (next > 0 || nint == 0) {
		rg_context cx = new_context(cy, rg, &backends, out, false, external, next);
		if (convert_context(&cx, &err)) {
			kube_cycle_log(cy, rg, &rg->meta, LOG_ERROR, "RouteGroup", ns, NULL,
				"Error transforming external hosts: %s", err.ptr ? err.ptr : "");
			buf_free(&err);
			return;   /* the internal part goes too */
		}
	}
	if (nint > 0) {
		rg_context cx = new_context(cy, rg, &backends, out, true, internal, nint);
		if (convert_context(&cx, &err))
			kube_cycle_log(cy, rg, &rg->meta, LOG_ERROR, "RouteGroup", ns, NULL,
				"Error transforming internal hosts: %s", err.ptr ? err.ptr : "");
	}
	buf_free(&err);
}

/* --- the list: validate, filter by class, sort -------------------------------------- */

static bool class_matches(const kube_options *o, const kube_routegroup *rg)
{
	const str *v = kube_map_get(&rg->meta.annotations, "zalando.org/routegroup.class");
	if (!v || v->len == 0 || !o->routegroup_class)
		return true;
	return regex_list_any_match(o->routegroup_class, *v);
}

static int by_namespace_name(const void *x, const void *y)
{
	const kube_routegroup *a = *(const kube_routegroup *const *)x, *b = *(const kube_routegroup *const *)y;
	int c = str_cmp(a->meta.ns, b->meta.ns);
	if (c == 0)
		c = str_cmp(a->meta.name, b->meta.name);
	if (c == 0)
		c = a < b ? -1 : a > b;   /* keep API order among equals */
	return c;
}

void kube_compile_routegroups_cycle(kube_cycle *cy, route_table *out)
{
	const kube_cluster *c = cy->cluster;
	if (!c->routegroups_known || c->nroutegroups == 0)
		return;
	const kube_routegroup **keep = arena_alloc(cy->arena, c->nroutegroups * sizeof *keep);
	size_t n = 0;
	for (size_t i = 0; i < c->nroutegroups; i++) {
		const kube_routegroup *rg = &c->routegroups[i];
		buf err = BUF_INIT;
		if (kube_rg_validate(rg, &err)) {
			kube_report_skipped(cy->reporter, "RouteGroup");
			kube_cycle_log(cy, rg, &rg->meta, LOG_ERROR, "RouteGroup", rg->meta.ns.len ? rg->meta.ns : str_c("default"),
				NULL, "[routegroup] %s", err.ptr);
		} else if (class_matches(cy->opts, rg)) {
			keep[n++] = rg;
		} else {
			kube_report_class_skipped(cy, "RouteGroup", &rg->meta);
		}
		buf_free(&err);
	}
	qsort(keep, n, sizeof *keep, by_namespace_name);
	for (size_t i = 0; i < n; i++) {
		cy->object = keep[i];
		size_t mark = out->n;
		convert_routegroup(cy, keep[i], out);
		kube_cycle_mark_origin(cy, out, mark, "RouteGroup", &keep[i]->meta);
	}
	cy->object = NULL;
}

void kube_compile_routegroups(const kube_cluster *c, const kube_options *o, route_table *out)
{
	kube_cycle cy;
	kube_cycle_init(&cy, c, o, NULL);
	kube_compile_routegroups_cycle(&cy, out);
	kube_cycle_free(&cy);
}
