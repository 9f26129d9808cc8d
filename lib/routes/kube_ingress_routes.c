/* kube_ingress_routes.c: Ingress host buckets, HTTPS redirect twins, custom routes,
 * east-west copies, forward backend and catch-alls (spec kubernetes-to-eskip.md §7.7-§7.12). */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "routes/kube_annotations.h"
#include "routes/kube_hostrx.h"
#include "routes/kube_ids.h"
#include "routes/kube_ingress_internal.h"
#include "base/log.h"


static void set_host(arena *a, route *r, str host)
{
	r->host_regexps = arena_array_alloc(a, 1, sizeof *r->host_regexps);
	r->host_regexps[0] = kube_host_rx1(a, host);
	r->nhost_regexps = 1;
}

static void make_shunt(route *r)
{
	r->backend_type = BACKEND_SHUNT;
	r->backend = (str){ "", 0 };
	r->lb_algorithm = (str){ "", 0 };
	r->endpoints = NULL;
	r->nendpoints = 0;
}

/* --- buckets and forward (§7.11, §7.12) ----------------------------------------------------- */

static ing_bucket *bucket_of(ing_state *st, str host)
{
	kube_cycle_depends(st->cy, KUBE_DEP_HOST, host, (str){ "", 0 });
	ing_bucket *b = kube_strmap_get(&st->buckets, host);
	if (!b) {
		b = arena_alloc(st->cy->arena, sizeof *b);
		b->host = arena_strndup(st->a, host.ptr ? host.ptr : "", host.len);
		kube_strmap_put(&st->buckets, host, b);
	}
	return b;
}

static void bucket_put(ing_state *st, str host, const route *r)
{
	ing_bucket *b = bucket_of(st, host);
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		b->routes = arena_grow(st->cy->arena, b->routes, b->n, cap, sizeof *b->routes);
		b->cap = cap;
	}
	b->routes[b->n++] = *r;
}

void ing_forward_rewrite(const ing_state *st, const ing_ctx *c, route *r)
{
	if (!c->forward)
		return;
	r->filters = NULL;
	r->nfilters = 0;
	/* the parser's legacy shunt flag wins over the backend type in skipper's printer and
	 * comparison, so a custom <shunt> route stays a shunt */
	if (r->shunt)
		return;
	make_shunt(r);
	r->backend_type = BACKEND_NETWORK;
	r->backend = arena_strndup(st->a, st->o->forward_backend_url.ptr, st->o->forward_backend_url.len);
}

static void bucket_add(ing_state *st, const ing_ctx *c, str host, route *r)
{
	r->origin = c->origin;
	ing_forward_rewrite(st, c, r);
	bucket_put(st, host, r);
}

/* --- east-west (§7.9) --------------------------------------------------------------------- */

static str east_west_host(ing_state *st, str first, str second)
{
	str d = st->o->east_west_domain;
	return arena_printf(st->cy->arena, "%.*s.%.*s.%.*s", SP(first), SP(second), SP(d));
}

static void add_east_west(ing_state *st, const ing_ctx *c, const route *r)
{
	if (!st->o->east_west)
		return;
	str host = east_west_host(st, c->name, c->ns);
	route ew;
	route_deep_copy(st->a, r, &ew);
	ew.id = kube_eastwest_id(st->a, r->id);
	set_host(st->a, &ew, host);
	bucket_add(st, c, host, &ew);
}

/* --- redirects (§7.7) ----------------------------------------------------------------------- */

static void add_redirect_header(arena *a, route *r)
{
	r->headers = arena_array_alloc(a, 1, sizeof *r->headers);
	r->headers[0] = (header_pair){ arena_strdup(a, "X-Forwarded-Proto"), arena_strdup(a, "http") };
	r->nheaders = 1;
	call *preds = arena_array_alloc(a, r->npredicates + 1, sizeof *preds);
	arg w = arg_number(1000);
	preds[0] = (call){ .name = arena_strdup(a, "Weight"), .nargs = 1 };
	preds[0].args = arena_array_alloc(a, 1, sizeof(arg));
	preds[0].args[0] = w;
	if (r->npredicates)
		memcpy(preds + 1, r->predicates, r->npredicates * sizeof *preds);
	r->predicates = preds;
	r->npredicates++;
}

static route enable_twin(arena *a, const route *r, long code)
{
	route src = *r;   /* the twin drops the filters and the backend: no need to copy them */
	src.filters = NULL;
	src.nfilters = 0;
	src.endpoints = NULL;
	src.nendpoints = 0;
	route t;
	route_deep_copy(a, &src, &t);
	t.id = kube_id_suffix(a, r->id, "_https_redirect");
	add_redirect_header(a, &t);
	t.filters = NULL;
	t.nfilters = 0;
	arg args[2] = { arg_number((double)code), arg_cstr(a, "https:") };
	route_add_filter(a, &t, "redirectTo", 2, args);
	make_shunt(&t);
	return t;
}

static route disable_twin(arena *a, const route *r)
{
	route t;
	route_deep_copy(a, r, &t);
	t.id = kube_id_suffix(a, r->id, "_disable_https_redirect");
	add_redirect_header(a, &t);
	return t;
}

/* Whether a path route's host gets redirect twins and the normal annotation family. */
static bool external_host(const ing_state *st, str host)
{
	if (kube_host_internal(st->o, host))
		return false;
	/* the raw domain option counts even when east-west is off (§7.7) */
	str d = st->o->east_west ? st->o->east_west_domain : str_c(st->o->flag.east_west_domain);
	return !(d.len && host.len >= d.len && memcmp(host.ptr + host.len - d.len, d.ptr, d.len) == 0);
}

void ing_place_path_route(ing_state *st, const ing_ctx *c, str host, route *r)
{
	r->origin = c->origin;
	ing_forward_rewrite(st, c, r);
	bool external = external_host(st, host);
	route twin;
	bool has_twin = false;
	if (external && !c->redirect_ignore) {
		ing_bucket *b = bucket_of(st, host);
		if (c->redirect_enable || (!c->redirect_disable && st->o->https_redirect)) {
			twin = enable_twin(st->a, r, c->redirect_code);
			b->code_set = true;
			b->code = c->redirect_code;
			has_twin = true;
		} else if (c->redirect_disable) {
			twin = disable_twin(st->a, r);
			b->disabled = true;
			has_twin = true;
		}
	}
	kube_append_config_annotations(st->a, r, &c->ing->meta.annotations, st->o, !external);
	bucket_put(st, host, r);
	if (has_twin)
		bucket_add(st, c, host, &twin);
	add_east_west(st, c, r);
}

/* Custom routes mark their host without the ignore and external-host checks. */
static void mark_custom_redirect(ing_state *st, const ing_ctx *c, str host)
{
	ing_bucket *b = bucket_of(st, host);
	if (c->redirect_enable || (!c->redirect_disable && st->o->https_redirect)) {
		b->code_set = true;
		b->code = c->redirect_code;
	} else if (c->redirect_disable) {
		b->disabled = true;
	}
}

/* --- custom routes (§7.8) --------------------------------------------------------------------- */

static size_t path_predicate_count(const route *r)
{
	size_t n = r->path.len ? 1 : 0;
	for (size_t i = 0; i < r->npredicates; i++)
		if (str_eq_c(r->predicates[i].name, "Path") || str_eq_c(r->predicates[i].name, "PathSubtree"))
			n++;
	return n;
}

static str custom_route_id(ing_state *st, const ing_ctx *c, str host, str path, str cid, size_t k)
{
	arena *a = st->cy->arena;
	str name = arena_printf(a, "%.*s_%.*s_%zu", SP(c->name), SP(cid), k);
	buf hp = BUF_INIT;
	buf_append(&hp, host.ptr ? host.ptr : "", host.len);
	for (size_t i = 0; i < path.len; i++)
		buf_putc(&hp, path.ptr[i] == '/' ? '_' : path.ptr[i]);
	str host_path = arena_strndup(a, hp.ptr ? hp.ptr : "", hp.len);
	buf_free(&hp);
	return kube_ingress_route_id(st->a, c->ns, name, host_path, (str){ "", 0 }, (str){ "", 0 });
}

void ing_custom_routes(ing_state *st, ing_ctx *c, str host, const kube_ingress_path *p)
{
	for (size_t k = 0; k < c->ncustom; k++) {
		route r;
		route_deep_copy(st->a, &c->custom[k], &r);
		set_host(st->a, &r, host);
		r.id = custom_route_id(st, c, host, p->path, c->custom[k].id, k);
		ing_set_path(st->a, &r, c->path_mode, p->path_type, p->path);
		if (path_predicate_count(&r) > 1) {
			ing_log(st, c, LOG_ERROR, "Ignoring route due to multiple path predicates: %.*s", SP(r.id));
		} else {
			kube_append_config_annotations(st->a, &r, &c->ing->meta.annotations, st->o,
				kube_host_internal(st->o, host));
			kube_prepend_application_annotate(st->a, &r, &c->ing->meta, st->o);
			bucket_add(st, c, host, &r);
			mark_custom_redirect(st, c, host);
		}
		add_east_west(st, c, &r);
	}
}

/* --- the end of the Ingress part (§7.1, §7.10, §7.12) --------------------------------------- */

static bool has_catchall(const ing_bucket *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->routes[i].npath_regexps == 0)
			return true;
		for (size_t j = 0; j < b->routes[i].npath_regexps; j++)
			if (str_eq_c(b->routes[i].path_regexps[j], "^/"))
				return true;
	}
	return false;
}

static void append_range_predicates(ing_state *st, ing_bucket *b)
{
	const kube_options *o = st->o;
	for (size_t d = 0; d < o->neast_west_range_domains; d++) {
		str dom = o->east_west_range_domains[d];
		if (b->host.len < dom.len || memcmp(b->host.ptr + b->host.len - dom.len, dom.ptr, dom.len) != 0)
			continue;
		for (size_t i = 0; i < b->n; i++)
			route_append_predicates(st->a, &b->routes[i],
				calls_copy(st->a, o->east_west_range_predicates, o->neast_west_range_predicates),
				o->neast_west_range_predicates);
	}
}

static void add_catchall(ing_state *st, const ing_bucket *b)
{
	route r = { 0 };
	r.id = kube_ingress_catchall_id(st->a, b->host);
	r.host_regexps = strs_copy(st->a, b->routes[0].host_regexps, b->routes[0].nhost_regexps);
	r.nhost_regexps = b->routes[0].nhost_regexps;
	make_shunt(&r);
	*route_table_add(st->out) = r;
	if (b->code_set)
		*route_table_add(st->out) = enable_twin(st->a, &r, b->code);
	if (b->disabled)
		*route_table_add(st->out) = disable_twin(st->a, &r);
}

static void add_default_east_west(ing_state *st)
{
	for (size_t i = 0; i < st->ndefault_routes; i++) {
		const ing_default_route *d = &st->default_routes[i];
		route ew;
		route_deep_copy(st->a, &d->r, &ew);
		ew.id = kube_eastwest_id(st->a, d->r.id);
		/* [quirk] namespace and name swapped compared to all other east-west hosts */
		set_host(st->a, &ew, east_west_host(st, d->ns, d->name));
		*route_table_add(st->out) = ew;
	}
}

void ing_flush(ing_state *st)
{
	for (size_t i = 0; i < st->buckets.n; i++) {
		ing_bucket *b = st->buckets.entries[i].value;
		if (b->n == 0)
			continue;
		append_range_predicates(st, b);
		for (size_t j = 0; j < b->n; j++)
			*route_table_add(st->out) = b->routes[j];
		if (!st->o->disable_catchall_routes && !has_catchall(b))
			add_catchall(st, b);
	}
	add_default_east_west(st);
}
