/* kube_lint.c: warnings about objects and their converted routes (see kube_lint.h). The
 * route checks run on the processed, canonical table, where every matcher is a generic
 * predicate. */
#include "routes/kube_lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "routes/kube_strmap.h"

/* The namespace to name: a RouteGroup without one is in "default", as skipper reads it (an
 * Ingress without one is rejected before it has routes). */
static str object_ns(const kube_meta *m)
{
	return m->ns.len ? m->ns : (str){ "default", 7 };
}

static void warn(kube_reporter *rep, const struct kube_origin *o, const char *msg)
{
	kube_report(rep, LOG_WARN, KUBE_LINT, o->kind, &o->meta, object_ns(&o->meta), NULL, msg);
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

/* Where the names were written: a fixed path, or spec.routes[i].<list>[j] (formatted only
 * for a report). */
typedef struct {
	const char *fixed, *list;
	size_t i, j;
} where;

static void check_calls(names_ctx *x, const call *calls, size_t n, bool filters, const where *w)
{
	for (size_t i = 0; i < n; i++) {
		str name = calls[i].name;
		if (filters ? skipper_filter_known(name) : skipper_predicate_known(name))
			continue;
		if (!kube_strmap_add(&x->seen, arena_printf(x->a, "%d %.*s", filters, (int)name.len, name.ptr), x))
			continue;
		const char *what = filters ? "filter" : "predicate";
		const char *path = w->fixed ? w->fixed : arena_printf(x->a, "spec.routes[%zu].%s[%zu]", w->i, w->list, w->j).ptr;
		kube_reportf(x->rep, LOG_WARN, KUBE_LINT, x->kind, x->meta, object_ns(x->meta), path,
			     "unknown %s \"%.*s\": skipper has no %s of that name and drops the routes that use it", what,
			     name.len > 100 ? 100 : (int)name.len, name.ptr, what);
	}
}

static void check_text(names_ctx *x, str text, bool filters, const where *w)
{
	call *calls;
	size_t n;
	buf err = BUF_INIT;
	int rc = filters ? eskip_parse_filters(x->a, text.ptr, text.len, &calls, &n, &err)
			 : eskip_parse_predicates(x->a, text.ptr, text.len, &calls, &n, &err);
	if (rc == 0)
		check_calls(x, calls, n, filters, w);
	buf_free(&err);
}

static void ingress_names(names_ctx *x, const kube_ingress *ing)
{
	static const where filter = { "metadata.annotations[\"zalando.org/skipper-filter\"]", NULL, 0, 0 },
			   predicate = { "metadata.annotations[\"zalando.org/skipper-predicate\"]", NULL, 0, 0 },
			   routes = { "metadata.annotations[\"zalando.org/skipper-routes\"]", NULL, 0, 0 };
	const str *v;
	if ((v = kube_map_get(&ing->meta.annotations, "zalando.org/skipper-filter")))
		check_text(x, *v, true, &filter);
	if ((v = kube_map_get(&ing->meta.annotations, "zalando.org/skipper-predicate")))
		check_text(x, *v, false, &predicate);
	if (!(v = kube_map_get(&ing->meta.annotations, "zalando.org/skipper-routes")))
		return;
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	if (eskip_parse(t, v->ptr, v->len, &err, NULL) == 0)
		for (size_t i = 0; i < t->n; i++) {
			check_calls(x, t->routes[i].predicates, t->routes[i].npredicates, false, &routes);
			check_calls(x, t->routes[i].filters, t->routes[i].nfilters, true, &routes);
		}
	buf_free(&err);
	route_table_free(t);
}

static void routegroup_names(names_ctx *x, const kube_routegroup *rg)
{
	for (size_t i = 0; i < rg->nroutes; i++) {
		const kube_rg_route *r = &rg->routes[i];
		for (size_t j = 0; j < r->npredicates; j++)
			check_text(x, r->predicates[j], false, &(where){ NULL, "predicates", i, j });
		for (size_t j = 0; j < r->nfilters; j++)
			check_text(x, r->filters[j], true, &(where){ NULL, "filters", i, j });
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

/* s equals the string literal lit (no strlen per call: this runs for every route). */
#define IS(s, lit) ((s).len == sizeof(lit) - 1 && memcmp((s).ptr, lit, sizeof(lit) - 1) == 0)

/* --- host and path ------------------------------------------------------------------------ */

static bool is_path(str name)
{
	return IS(name, "Path") || IS(name, "PathSubtree") || IS(name, "PathRegexp");
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
		if (IS(r->predicates[i].name, "Host") && r->predicates[i].nargs == 1)
			return r->predicates[i].args[0].s;
	return (str){ "", 0 };
}

/* Bytes with their length in front: no content can run into what follows. */
static void put_sized(buf *key, const void *p, size_t n)
{
	buf_append(key, (const char *)&n, sizeof n);
	buf_append(key, p, n);
}

/* A call as map-key bytes: name, argument count, then each argument's type and value (strings
 * raw, numbers as their bytes), all sized; equal keys are equal calls. Cheaper than printing
 * the call as eskip, and exact for any bytes. */
static void put_call_key(buf *key, const call *c)
{
	put_sized(key, c->name.ptr, c->name.len);
	buf_append(key, (const char *)&c->nargs, sizeof c->nargs);
	for (size_t i = 0; i < c->nargs; i++) {
		const arg *a = &c->args[i];
		buf_putc(key, a->type == ARG_STRING ? 's' : 'n');
		if (a->type == ARG_STRING)
			put_sized(key, a->s.ptr, a->s.len);
		else
			buf_append(key, (const char *)&a->num, sizeof a->num);
	}
}

/* Host, path and method calls into key (reset first): what a route claims; false when it
 * has no host. Other predicates only narrow the claim; they decide which route wins, and
 * *others counts them. */
static bool claim(buf *key, const route *r, size_t *others, bool *has_path)
{
	bool host = false;
	buf_reset(key);
	*others = 0;
	*has_path = false;
	for (size_t i = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		bool h = IS(c->name, "Host"), p = is_path(c->name), m = IS(c->name, "Method");
		if (!h && !p && !m) {
			(*others)++;
			continue;
		}
		host |= h;
		*has_path |= p;
		put_call_key(key, c);
	}
	return host;
}

static void describe(buf *b, const route *r)
{
	for (size_t i = 0, n = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		if (IS(c->name, "Host") || IS(c->name, "Method"))
			continue;
		buf_puts(b, n++ ? " && " : "");
		eskip_print_call(b, c);
	}
}

/* The first route of every claim is kept in a map (one probe per route, the key built in
 * one reused buf); a later route of another object with the same claim is reported. */
static void duplicate_claims(const route_table *t, kube_reporter *rep, arena *a)
{
	kube_strmap first, reported;
	kube_strmap_init(&first, a);
	kube_strmap_init(&reported, a);
	buf key = BUF_INIT, ignored = BUF_INIT;
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		const struct kube_origin *o = kube_reporter_origin_get(rep, r->origin);
		size_t others, first_others;
		bool has_path, first_path;
		if (!o || ends_with(r->id, "__catchall__0_0"))   /* catch-alls: shadowing_catchalls */
			continue;
		if (!claim(&key, r, &others, &has_path))
			continue;
		str k = { key.ptr, key.len };
		if (kube_strmap_add(&first, k, (void *)r))
			continue;
		const route *f = kube_strmap_get(&first, k);
		if (f->origin == r->origin)
			continue;
		/* once per pair of objects */
		if (!kube_strmap_add(&reported, arena_printf(a, "%zu %zu", f->origin, r->origin), (void *)r))
			continue;
		claim(&ignored, f, &first_others, &first_path);
		const struct kube_origin *p = kube_reporter_origin_get(rep, f->origin);
		buf msg = BUF_INIT, what = BUF_INIT;
		str first_ns = object_ns(&p->meta);
		describe(&what, r);
		buf_puts(&msg, "host ");
		put_host(&msg, route_host(r));
		buf_printf(&msg, " %s%s: also claimed by %s %.*s/%.*s (route %.*s); ", what.len ? what.ptr : "every path",
			   has_path ? "" : " (no path)", p->kind, (int)first_ns.len, first_ns.ptr, (int)p->meta.name.len,
			   p->meta.name.ptr, (int)f->id.len, f->id.ptr);
		if (others == first_others)
			buf_printf(&msg, "both have %zu other predicate%s, so which one skipper picks is undefined", others,
				   others == 1 ? "" : "s");
		else
			buf_printf(&msg, "%s wins where both match: %zu other predicate%s against %zu",
				   others > first_others ? "this object's route" : "that route",
				   others > first_others ? others : first_others,
				   (others > first_others ? others : first_others) == 1 ? "" : "s",
				   others > first_others ? first_others : others);
		warn(rep, o, msg.ptr);
		buf_free(&msg);
		buf_free(&what);
	}
	buf_free(&key);
	buf_free(&ignored);
}

/* --- RouteGroup catch-alls over Ingresses ----------------------------------------------------- */


/* The Host argument of a route with only a Host predicate and nothing narrower than "/",
 * or empty. */
static str host_only(const route *r)
{
	str host = { "", 0 };
	for (size_t i = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		if (IS(c->name, "Host") && c->nargs == 1 && c->args[0].type == ARG_STRING)
			host = c->args[0].s;
		else if (IS(c->name, "PathSubtree") && c->nargs == 1 && IS(c->args[0].s, "/"))
			continue;
		else if (IS(c->name, "PathRegexp") && c->nargs == 1 && IS(c->args[0].s, "^/"))
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
