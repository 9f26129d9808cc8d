/* kube_compile.c: one conversion cycle, Kubernetes objects → routes (spec
 * kubernetes-to-eskip.md §0 steps 2-7, §9.1, §9.2). */
#include "routes/kube_compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "routes/kube_cycle.h"
#include "routes/kube_ingress.h"
#include "routes/kube_routegroup.h"
#include "routes/kube_rg_validate.h"
#include "routes/kube_strmap.h"
#include "base/log.h"

/* --- global routes (§9.1) --------------------------------------------------------------------- */

static void put_quoted(buf *b, const char *s)
{
	arg a = { .type = ARG_STRING, .s = str_c(s) };
	eskip_print_arg(b, &a);
}

/* Appends routes parsed from eskip text, as skipper builds its global routes. */
static void add_parsed(route_table *out, const buf *text)
{
	buf err = BUF_INIT;
	if (eskip_parse(out, text->ptr, text->len, &err, NULL) != 0)
		log_printf(LOG_ERROR, "failed to create global routes: %s", err.ptr ? err.ptr : "");
	buf_free(&err);
}

static void add_healthcheck_routes(const kube_options *o, route_table *out)
{
	static const char *const cidrs[] = { "10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "127.0.0.1/8", "fd00::/8", "::1/128" };
	buf source = BUF_INIT, text = BUF_INIT;
	buf_printf(&source, "%s(", o->reverse_source_predicate ? "SourceFromLast" : "Source");
	for (size_t i = 0; i < sizeof cidrs / sizeof *cidrs; i++) {
		if (i)
			buf_puts(&source, ", ");
		put_quoted(&source, cidrs[i]);
	}
	for (size_t i = 0; i < o->nhealthcheck_cidrs; i++) {
		buf_puts(&source, ", ");
		put_quoted(&source, o->healthcheck_cidrs[i].ptr);
	}
	buf_putc(&source, ')');
	buf_printf(&text, "kube__healthz_up: Path(\"/kube-system/healthz\") && %s -> %sstatus(200) -> <shunt>;\n",
		source.ptr, o->app_log_level >= LOG_DEBUG ? "" : "disableAccessLog(200) -> ");
	buf_printf(&text, "kube__healthz_down: Path(\"/kube-system/healthz\") && %s && Shutdown() -> status(503) -> <shunt>;\n",
		source.ptr);
	add_parsed(out, &text);
	buf_free(&source);
	buf_free(&text);
}

static void add_redirect_route(const kube_options *o, route_table *out)
{
	buf text = BUF_INIT;
	buf_printf(&text, "kube__redirect: Header(\"X-Forwarded-Proto\", \"http\") && Weight(1000) -> redirectTo(%ld, \"https:\") -> <shunt>;",
		o->redirect_code);
	add_parsed(out, &text);
	buf_free(&text);
}

/* --- de-duplication (§9.2) ---------------------------------------------------------------------- */

static char *expression(const route *r)
{
	buf b = BUF_INIT;
	eskip_print_expression(&b, r, NULL);
	return buf_steal(&b, NULL);
}

/* Keeps the first route of every id; a later one with a different text is logged. */
static void dedup(route_table *t, kube_reporter *rep)
{
	arena *scratch = arena_new();
	kube_strmap seen;
	kube_strmap_init(&seen, scratch);
	size_t kept = 0;
	for (size_t i = 0; i < t->n; i++) {
		route *r = &t->routes[i];
		size_t *first = kube_strmap_get(&seen, r->id);
		if (!first) {
			first = arena_alloc(scratch, sizeof *first);
			*first = kept;
			kube_strmap_put(&seen, r->id, first);
			t->routes[kept++] = *r;
			continue;
		}
		char *existing = expression(&t->routes[*first]), *ignored = expression(r);
		const struct kube_origin *o = kube_reporter_origin_get(rep, r->origin);
		if (strcmp(existing, ignored) != 0 && o)
			kube_reportf(rep, LOG_ERROR, KUBE_DROP, o->kind, &o->meta, o->meta.ns, NULL,
				"Ignoring route with the same id %.*s, existing: %s, ignored: %s",
				(int)r->id.len, r->id.ptr ? r->id.ptr : "", existing, ignored);
		else if (strcmp(existing, ignored) != 0)   /* a global route (§9.1): no object */
			log_printf(LOG_ERROR, "Ignoring route with the same id %.*s, existing: %s, ignored: %s",
				(int)r->id.len, r->id.ptr ? r->id.ptr : "", existing, ignored);
		free(existing);
		free(ignored);
	}
	t->n = kept;
	arena_free(scratch);
}

/* --- admission validation ------------------------------------------------------------------ */

int kube_validate_objects(const kube_cluster *c, buf *msg)
{
	size_t before = msg->len;
	buf err = BUF_INIT;
	for (size_t i = 0; i < c->ningresses; i++) {
		buf_reset(&err);
		if (kube_ingress_validate(&c->ingresses[i], &err, NULL, NULL) != 0)
			buf_printf(msg, "%s%s", msg->len ? "\n" : "", err.ptr);
	}
	for (size_t i = 0; i < c->nroutegroups; i++) {
		buf_reset(&err);
		if (kube_rg_validate(&c->routegroups[i], &err) != 0)
			buf_printf(msg, "%s%s", msg->len ? "\n" : "", err.ptr);
	}
	buf_free(&err);
	return msg->len == before ? 0 : -1;
}

/* --- the cycle (§0) ------------------------------------------------------------------------------- */

void kube_compile(const kube_cluster *c, const kube_options *o, route_table *out)
{
	kube_compile_observed(c, o, NULL, out, NULL, true);
}

void kube_compile_report(const kube_cluster *c, const kube_options *o, kube_reporter *rep, route_table *out)
{
	kube_compile_observed(c, o, rep, out, NULL, true);
}

/* Without a caller's reporter, a logging one of the call's own still registers every route's
 * object (kube_reporter_origin), so that the lines about a route (dedup) name it too; the
 * routes' origins are cleared again, as they index a reporter that is gone. */
void kube_compile_observed(const kube_cluster *c, const kube_options *o, kube_reporter *rep, route_table *out,
			   const kube_observer *obs, bool global_routes)
{
	kube_reporter own;
	size_t from = out->n;
	if (!rep)
		kube_reporter_init(&own, false);
	kube_reporter *r = rep ? rep : &own;
	kube_cycle cy;
	kube_cycle_init(&cy, c, o, r);
	cy.observer = obs;
	kube_compile_ingresses_cycle(&cy, out);
	kube_compile_routegroups_cycle(&cy, out);
	kube_cycle_free(&cy);
	if (global_routes && o->healthcheck)
		add_healthcheck_routes(o, out);
	if (global_routes && o->https_redirect)
		add_redirect_route(o, out);
	dedup(out, r);
	if (rep)
		return;
	for (size_t i = from; i < out->n; i++)
		out->routes[i].origin = 0;
	kube_reporter_free(&own);
}
