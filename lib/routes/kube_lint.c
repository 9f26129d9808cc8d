/* kube_lint.c: warnings about objects and their converted routes (see kube_lint.h). The
 * route checks run on the processed, canonical table, where every matcher is a generic
 * predicate. */
#include "routes/kube_lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "routes/kube_strmap.h"

static void warn(kube_reporter *rep, const struct kube_origin *o, const char *msg)
{
	kube_report(rep, LOG_WARN, KUBE_LINT, o->kind, &o->meta, o->meta.ns, NULL, msg);
}

/* --- unknown names ---------------------------------------------------------------------- */

/* The names of an object's filters and predicates are checked where the object writes them
 * (annotations, RouteGroup routes), not in its routes: an Ingress path whose Service has no
 * endpoints gets a status(502) route without the annotation's filters, and manifests in CI
 * have no Endpoints. Once per object and name; text that does not parse is the validation's
 * error, not this warning's. */
typedef struct {
	kube_reporter *rep;
	const char *kind;
	const kube_meta *meta;
	kube_strmap seen;
	arena *a;
} names_ctx;

static void check_calls(names_ctx *x, const call *calls, size_t n, bool filters, const char *path)
{
	for (size_t i = 0; i < n; i++) {
		str name = calls[i].name;
		if (filters ? skipper_filter_known(name) : skipper_predicate_known(name))
			continue;
		if (!kube_strmap_add(&x->seen, arena_printf(x->a, "%d %.*s", filters, (int)name.len, name.ptr), x))
			continue;
		const char *what = filters ? "filter" : "predicate";
		kube_reportf(x->rep, LOG_WARN, KUBE_LINT, x->kind, x->meta, x->meta->ns, path,
			     "unknown %s \"%.*s\": skipper has no %s of that name and drops the routes that use it", what,
			     name.len > 100 ? 100 : (int)name.len, name.ptr, what);
	}
}

static void check_text(names_ctx *x, str text, bool filters, const char *path)
{
	call *calls;
	size_t n;
	buf err = BUF_INIT;
	int rc = filters ? eskip_parse_filters(x->a, text.ptr, text.len, &calls, &n, &err)
			 : eskip_parse_predicates(x->a, text.ptr, text.len, &calls, &n, &err);
	if (rc == 0)
		check_calls(x, calls, n, filters, path);
	buf_free(&err);
}

static void ingress_names(names_ctx *x, const kube_ingress *ing)
{
	static const char *const keys[] = { "zalando.org/skipper-filter", "zalando.org/skipper-predicate" };
	for (int f = 0; f < 2; f++) {
		const str *v = kube_map_get(&ing->meta.annotations, keys[f]);
		if (v)
			check_text(x, *v, f == 0, arena_printf(x->a, "metadata.annotations[\"%s\"]", keys[f]).ptr);
	}
	const str *routes = kube_map_get(&ing->meta.annotations, "zalando.org/skipper-routes");
	route_table *t = routes ? route_table_new() : NULL;
	buf err = BUF_INIT;
	if (t && eskip_parse(t, routes->ptr, routes->len, &err, NULL) == 0)
		for (size_t i = 0; i < t->n; i++) {
			const char *path = "metadata.annotations[\"zalando.org/skipper-routes\"]";
			check_calls(x, t->routes[i].predicates, t->routes[i].npredicates, false, path);
			check_calls(x, t->routes[i].filters, t->routes[i].nfilters, true, path);
		}
	buf_free(&err);
	route_table_free(t);
}

static void routegroup_names(names_ctx *x, const kube_routegroup *rg)
{
	for (size_t i = 0; i < rg->nroutes; i++) {
		const kube_rg_route *r = &rg->routes[i];
		for (size_t j = 0; j < r->npredicates; j++)
			check_text(x, r->predicates[j], false, arena_printf(x->a, "spec.routes[%zu].predicates[%zu]", i, j).ptr);
		for (size_t j = 0; j < r->nfilters; j++)
			check_text(x, r->filters[j], true, arena_printf(x->a, "spec.routes[%zu].filters[%zu]", i, j).ptr);
	}
}

void kube_lint_objects(const kube_cluster *c, kube_reporter *rep)
{
	if (!rep || !rep->collect)
		return;
	arena *a = arena_new();
	for (size_t i = 0; i < c->ningresses + c->nroutegroups; i++) {
		bool ing = i < c->ningresses;
		const kube_meta *m = ing ? &c->ingresses[i].meta : &c->routegroups[i - c->ningresses].meta;
		names_ctx x = { rep, ing ? "Ingress" : "RouteGroup", m, { 0 }, a };
		kube_strmap_init(&x.seen, a);
		if (ing)
			ingress_names(&x, &c->ingresses[i]);
		else
			routegroup_names(&x, &c->routegroups[i - c->ningresses]);
	}
	arena_free(a);
}

static bool ends_with(str s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

/* --- host and path ------------------------------------------------------------------------ */

static bool is_path(str name)
{
	return str_eq_c(name, "Path") || str_eq_c(name, "PathSubtree") || str_eq_c(name, "PathRegexp");
}

/* The host a kube_host_rx regexp ("^(a[.]example[.]org[.]?(:[0-9]+)?)$") stands for, for
 * messages; other regexps as they are. */
static void put_host(buf *b, str rx)
{
	static const char head[] = "^(", tail[] = "[.]?(:[0-9]+)?)$";
	size_t hl = sizeof head - 1, tl = sizeof tail - 1;
	if (rx.len <= hl + tl || memcmp(rx.ptr, head, hl) != 0 || memcmp(rx.ptr + rx.len - tl, tail, tl) != 0) {
		buf_append(b, rx.ptr, rx.len);
		return;
	}
	for (size_t i = hl; i < rx.len - tl; i++) {
		if (rx.len - tl - i >= 3 && memcmp(rx.ptr + i, "[.]", 3) == 0) {
			buf_putc(b, '.');
			i += 2;
		} else {
			buf_putc(b, rx.ptr[i]);
		}
	}
}

static str route_host(const route *r)
{
	for (size_t i = 0; i < r->npredicates; i++)
		if (str_eq_c(r->predicates[i].name, "Host") && r->predicates[i].nargs == 1)
			return r->predicates[i].args[0].s;
	return (str){ "", 0 };
}

/* "Host(..) Path(..) Method(..)": what a route claims, or empty when it has no host. Other
 * predicates only narrow the claim; they decide which route wins. */
static str claim(arena *a, const route *r, size_t *others, bool *has_path)
{
	buf b = BUF_INIT;
	bool host = false;
	*others = 0;
	*has_path = false;
	for (size_t i = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		bool h = str_eq_c(c->name, "Host"), p = is_path(c->name), m = str_eq_c(c->name, "Method");
		if (!h && !p && !m) {
			(*others)++;
			continue;
		}
		host |= h;
		*has_path |= p;
		eskip_print_call(&b, c);
		buf_putc(&b, ' ');
	}
	str s = host ? arena_strndup(a, b.ptr, b.len) : (str){ "", 0 };
	buf_free(&b);
	return s;
}

typedef struct {
	const route *r;
	size_t others;
} claimant;

static void describe(buf *b, const route *r)
{
	for (size_t i = 0, n = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		if (str_eq_c(c->name, "Host") || str_eq_c(c->name, "Method"))
			continue;
		buf_puts(b, n++ ? " && " : "");
		eskip_print_call(b, c);
	}
}

static void duplicate_claims(const route_table *t, kube_reporter *rep, arena *a)
{
	kube_strmap first, reported;
	kube_strmap_init(&first, a);
	kube_strmap_init(&reported, a);
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		const struct kube_origin *o = kube_reporter_origin_get(rep, r->origin);
		size_t others;
		bool has_path;
		if (!o || ends_with(r->id, "__catchall__0_0"))   /* catch-alls: shadowing_catchalls */
			continue;
		str key = claim(a, r, &others, &has_path);
		if (!key.len)
			continue;
		claimant *c = kube_strmap_get(&first, key);
		if (!c) {
			c = arena_alloc(a, sizeof *c);
			*c = (claimant){ r, others };
			kube_strmap_put(&first, key, c);
			continue;
		}
		const struct kube_origin *p = kube_reporter_origin_get(rep, c->r->origin);
		if (c->r->origin == r->origin)
			continue;
		/* once per pair of objects */
		if (!kube_strmap_add(&reported, arena_printf(a, "%zu %zu", c->r->origin, r->origin), (void *)r))
			continue;
		buf msg = BUF_INIT, what = BUF_INIT;
		describe(&what, r);
		buf_puts(&msg, "host ");
		put_host(&msg, route_host(r));
		buf_printf(&msg, " %s%s: also claimed by %s %.*s/%.*s (route %.*s); ", what.len ? what.ptr : "every path",
			   has_path ? "" : " (no path)", p->kind, (int)p->meta.ns.len, p->meta.ns.ptr, (int)p->meta.name.len,
			   p->meta.name.ptr, (int)c->r->id.len, c->r->id.ptr);
		if (others == c->others)
			buf_printf(&msg, "both have %zu other predicate%s, so which one skipper picks is undefined", others,
				   others == 1 ? "" : "s");
		else
			buf_printf(&msg, "%s wins where both match: %zu other predicate%s against %zu", others > c->others ?
				   "this object's route" : "that route", others > c->others ? others : c->others,
				   (others > c->others ? others : c->others) == 1 ? "" : "s",
				   others > c->others ? c->others : others);
		warn(rep, o, msg.ptr);
		buf_free(&msg);
		buf_free(&what);
	}
}

/* --- RouteGroup catch-alls over Ingresses ----------------------------------------------------- */


/* The Host argument of a route with only a Host predicate and nothing narrower than "/",
 * or empty. */
static str host_only(const route *r)
{
	str host = { "", 0 };
	for (size_t i = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		if (str_eq_c(c->name, "Host") && c->nargs == 1 && c->args[0].type == ARG_STRING)
			host = c->args[0].s;
		else if (str_eq_c(c->name, "PathSubtree") && c->nargs == 1 && str_eq_c(c->args[0].s, "/"))
			continue;
		else if (str_eq_c(c->name, "PathRegexp") && c->nargs == 1 && str_eq_c(c->args[0].s, "^/"))
			continue;
		else
			return (str){ "", 0 };
	}
	return host;
}

static void shadowing_catchalls(const route_table *t, kube_reporter *rep, arena *a)
{
	kube_strmap catchalls, reported;
	kube_strmap_init(&catchalls, a);
	kube_strmap_init(&reported, a);
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		const struct kube_origin *o = kube_reporter_origin_get(rep, r->origin);
		str host;
		if (o && strcmp(o->kind, "RouteGroup") == 0 && ends_with(r->id, "__catchall__0_0") &&
		    r->backend_type == BACKEND_SHUNT && (host = host_only(r)).len)
			kube_strmap_put(&catchalls, host, (void *)r);
	}
	if (!catchalls.n)
		return;
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		const struct kube_origin *o = kube_reporter_origin_get(rep, r->origin);
		str host;
		if (!o || strcmp(o->kind, "Ingress") != 0 || !(host = host_only(r)).len)
			continue;
		const route *c = kube_strmap_get(&catchalls, host);
		if (!c || !kube_strmap_add(&reported, arena_printf(a, "%zu %zu", c->origin, r->origin), (void *)r))
			continue;
		const struct kube_origin *g = kube_reporter_origin_get(rep, c->origin);
		buf msg = BUF_INIT;
		buf_printf(&msg, "catch-all route %.*s (404 for paths the RouteGroup does not route) shadows Ingress "
			   "%.*s/%.*s on host ", (int)c->id.len, c->id.ptr, (int)o->meta.ns.len, o->meta.ns.ptr,
			   (int)o->meta.name.len, o->meta.name.ptr);
		put_host(&msg, host);
		buf_printf(&msg, ": its route %.*s has no more specific path, so skipper may answer 404 instead of the "
			   "Ingress's backend", (int)r->id.len, r->id.ptr);
		warn(rep, g, msg.ptr);
		buf_free(&msg);
	}
}

void kube_lint_routes(const route_table *t, kube_reporter *rep)
{
	if (!rep || !rep->collect)
		return;
	arena *a = arena_new();
	duplicate_claims(t, rep, a);
	shadowing_catchalls(t, rep, a);
	arena_free(a);
}
