/* RouteGroup validation messages (spec kubernetes-to-eskip.md §8.1), Go url.Parse, and
 * conversion details (ids, contexts, catch-alls, twins) on hand-built RouteGroups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "table/served_form.h"
#include "go/go_url.h"
#include "routes/kube_compile.h"
#include "routes/kube_cycle.h"
#include "routes/kube_options.h"
#include "routes/kube_rg_backends.h"
#include "routes/kube_rg_validate.h"
#include "routes/kube_routegroup.h"
#include "kube_test_util.h"
#include "test.h"

/* --- building RouteGroups ---------------------------------------------------------- */

static arena *A;

static str S(const char *s) { return arena_strdup(A, s); }

static str *strs(size_t n, const char *const *v)
{
	str *out = arena_alloc(A, (n ? n : 1) * sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = S(v[i]);
	return out;
}

#define STRS(...) strs(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *), (const char *[]){ __VA_ARGS__ })
#define NSTRS(...) (sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *))

/* A valid RouteGroup: ns/name, host example.org, service backend "app" (svc:80) as default. */
static kube_routegroup *valid_rg(const char *ns, const char *name)
{
	kube_routegroup *rg = arena_alloc(A, sizeof *rg);
	rg->meta.present = true;
	rg->meta.ns = S(ns);
	rg->meta.name = S(name);
	rg->has_spec = true;
	rg->hosts = STRS("example.org");
	rg->nhosts = 1;
	rg->backends = arena_alloc(A, 4 * sizeof *rg->backends);
	rg->backends[0] = (kube_rg_backend){ .name = S("app"), .type = S("service"), .service_name = S("svc"), .service_port = 80 };
	rg->nbackends = 1;
	rg->default_backends = arena_alloc(A, 4 * sizeof *rg->default_backends);
	rg->default_backends[0] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("app") };
	rg->ndefault_backends = 1;
	return rg;
}

static kube_rg_route *add_route(kube_routegroup *rg)
{
	kube_rg_route *old = rg->routes;
	rg->routes = arena_alloc(A, (rg->nroutes + 1) * sizeof *rg->routes);
	if (rg->nroutes)
		memcpy(rg->routes, old, rg->nroutes * sizeof *old);
	kube_rg_route *r = &rg->routes[rg->nroutes++];
	r->present = true;
	return r;
}

static kube_rg_backend *add_backend(kube_routegroup *rg, const char *name, const char *type)
{
	kube_rg_backend *b = &rg->backends[rg->nbackends++];
	*b = (kube_rg_backend){ .name = S(name), .type = S(type) };
	return b;
}

static char *validate(const kube_routegroup *rg)
{
	static char out[4096];
	buf err = BUF_INIT;
	int rc = kube_rg_validate(rg, &err);
	snprintf(out, sizeof out, "%s", rc ? (err.ptr ? err.ptr : "(empty)") : "ok");
	buf_free(&err);
	return out;
}

/* --- phase A ---------------------------------------------------------------------- */

TEST(valid_routegroup_passes)
{
	CHECK_STR(validate(valid_rg("", "x")), "ok");
}

TEST(name_and_spec)
{
	kube_routegroup *rg = valid_rg("", "");
	CHECK_STR(validate(rg), "route group without name");
	rg = valid_rg("foo", "x");
	rg->meta.present = false;
	CHECK_STR(validate(rg), "route group without name");
	rg = valid_rg("", "x");
	rg->has_spec = false;
	CHECK_STR(validate(rg), "error in route group default/x: route group without spec");
	rg = valid_rg("foo", "x");
	rg->nbackends = 0;
	CHECK_STR(validate(rg), "error in route group foo/x: route group without backend");
}

TEST(backend_messages)
{
	kube_routegroup *rg = valid_rg("ns", "x");
	add_backend(rg, "app", "shunt");
	CHECK_STR(validate(rg), "error in route group ns/x: backends with duplicate name: app");

	rg = valid_rg("ns", "x");
	add_backend(rg, "b", "foo");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: b, unsupported backend type: foo");
	rg->backends[1].algorithm = S("fastest");   /* both wrong: the algorithm message wins */
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: b, unsupported algorithm");

	rg = valid_rg("ns", "x");
	add_backend(rg, "", "shunt");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: , unnamed backend");

	rg = valid_rg("ns", "x");
	add_backend(rg, "n", "network");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: n, address missing in backend: n");

	rg = valid_rg("ns", "x");
	add_backend(rg, "s", "");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: s, service name missing in backend: s");
	rg->backends[1].service_name = S("svc");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: s, invalid service port in backend: s, 0");
	rg->backends[1].service_port = 65536;
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: s, invalid service port in backend: s, 65536");
	rg->backends[1].service_port = -1;
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: s, invalid service port in backend: s, -1");
	rg->backends[1].service_port = 65535;
	CHECK_STR(validate(rg), "ok");

	rg = valid_rg("ns", "x");
	add_backend(rg, "l", "lb");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend: l, missing LB endpoints in backend: l");
}

TEST(reference_messages)
{
	kube_routegroup *rg = valid_rg("ns", "x");
	rg->default_backends[1] = rg->default_backends[0];
	rg->ndefault_backends = 2;
	CHECK_STR(validate(rg), "error in route group ns/x: duplicate backend reference: app");

	rg = valid_rg("ns", "x");
	rg->default_backends[0].name_present = false;
	rg->default_backends[0].backend_name = S("");
	CHECK_STR(validate(rg), "error in route group ns/x: unnamed backend reference");

	rg = valid_rg("ns", "x");
	rg->default_backends[0].backend_name = S("nope");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid backend reference: nope");

	rg = valid_rg("ns", "x");
	rg->default_backends[0].weight = -3;
	CHECK_STR(validate(rg), "error in route group ns/x: invalid weight in backend: app, -3");

	rg = valid_rg("ns", "x");
	rg->ndefault_backends = 0;
	CHECK_STR(validate(rg), "error in route group ns/x: missing backend reference");
}

TEST(route_messages)
{
	kube_routegroup *rg = valid_rg("ns", "x");
	add_route(rg);
	add_route(rg)->present = false;
	CHECK_STR(validate(rg), "error in route group ns/x: invalid route at 1, invalid route spec");

	rg = valid_rg("ns", "x");
	rg->ndefault_backends = 0;
	add_route(rg);
	CHECK_STR(validate(rg), "error in route group ns/x: invalid route at 0, missing backend reference");

	rg = valid_rg("ns", "x");
	kube_rg_route *r = add_route(rg);
	r->backends = arena_alloc(A, sizeof *r->backends);
	r->backends[0] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("other") };
	r->nbackends = 1;
	CHECK_STR(validate(rg), "error in route group ns/x: invalid route at 0, invalid backend reference: other");

	rg = valid_rg("ns", "x");
	r = add_route(rg);
	r->path = S("/a");
	r->path_subtree = S("/b");
	CHECK_STR(validate(rg), "error in route group ns/x: invalid route at 0, path and path subtree in the same route");

	rg = valid_rg("ns", "x");
	r = add_route(rg);
	r->methods = STRS("GET", "");
	r->nmethods = 2;
	CHECK_STR(validate(rg), "error in route group ns/x: invalid route at 0, invalid method");
}

/* --- phase B ---------------------------------------------------------------------- */

TEST(filter_and_predicate_messages)
{
	kube_routegroup *rg = valid_rg("ns", "x");
	kube_rg_route *r = add_route(rg);
	r->filters = STRS("foo#", " ", "a() -> b()", "status(201) ");
	r->nfilters = 4;
	CHECK_STR(validate(rg), "parse failed after token foo, position 3: syntax error\n"
				"single filter expected at \" \"\n"
				"single filter expected at \"a() -> b()\"");

	rg = valid_rg("ns", "x");
	r = add_route(rg);
	r->predicates = STRS("Header#", "A() && B()", "*", "Method(\"GET\")");
	r->npredicates = 4;
	CHECK_STR(validate(rg), "parse failed after token Header, position 6: syntax error\n"
				"single predicate expected at \"A() && B()\"\n"
				"single predicate expected at \"*\"");
}

TEST(phase_b_collects_everything_in_order)
{
	kube_routegroup *rg = valid_rg("ns", "x");
	rg->hosts = STRS("a.org", "b.org", "a.org", "a.org");
	rg->nhosts = 4;
	kube_rg_backend *n = add_backend(rg, "n1", "network");
	n->address = S("http://a b");
	n = add_backend(rg, "n2", "network");
	n->address = S("http://host/");
	kube_rg_route *r = add_route(rg);
	r->predicates = STRS("x#");
	r->npredicates = 1;
	r = add_route(rg);
	r->filters = STRS("");
	r->nfilters = 1;
	CHECK_STR(validate(rg), "single filter expected at \"\"\n"
				"parse failed after token x, position 1: syntax error\n"
				"failed to parse backend address \"http://a b\": parse \"http://a b\": invalid character \" \" in host name\n"
				"backend address \"http://host/\" does not match scheme://host format\n"
				"duplicate host \"a.org\"\n"
				"duplicate host \"a.org\"");
}

static const char *address_check(const char *address)
{
	kube_routegroup *rg = valid_rg("ns", "x");
	kube_rg_backend *n = add_backend(rg, "n", "network");
	n->address = S(address);
	return validate(rg);
}

TEST(network_address_format)
{
	CHECK_STR(address_check("https://app.example.org"), "ok");
	CHECK_STR(address_check("http://10.0.0.1:8080"), "ok");
	CHECK_STR(address_check("http://user:pw@host"), "ok");
	CHECK_STR(address_check("http://host#frag"), "ok");
	CHECK_STR(address_check("http://host?"), "ok");   /* ForceQuery leaves RawQuery empty */
	CHECK_STR(address_check("http://host?a=b"), "backend address \"http://host?a=b\" does not match scheme://host format");
	CHECK_STR(address_check("host.example.org"), "backend address \"host.example.org\" does not match scheme://host format");
	CHECK_STR(address_check("mailto:x"), "backend address \"mailto:x\" does not match scheme://host format");
	CHECK_STR(address_check("http://host:abc"),
		"failed to parse backend address \"http://host:abc\": parse \"http://host:abc\": invalid port \":abc\" after host");
	CHECK_STR(address_check("://x"), "failed to parse backend address \"://x\": parse \"://x\": missing protocol scheme");
	CHECK_STR(address_check("10.0.0.1:80"),
		"failed to parse backend address \"10.0.0.1:80\": parse \"10.0.0.1:80\": first path segment in URL cannot contain colon");
	CHECK_STR(address_check("http://[::1"),
		"failed to parse backend address \"http://[::1\": parse \"http://[::1\": missing ']' in host");
	CHECK_STR(address_check("http://h%zz"),
		"failed to parse backend address \"http://h%zz\": parse \"http://h%zz\": invalid URL escape \"%zz\"");
	CHECK_STR(address_check("http://a\tb"),
		"failed to parse backend address \"http://a\\tb\": parse \"http://a\\tb\": net/url: invalid control character in URL");
}

TEST(go_url_hostname)
{
	arena *a = arena_new();
	go_url u;
	CHECK_INT(go_url_parse(a, str_c("https://User@Ext.Example.org:8443/p?q#f"), &u, NULL), 0);
	str h = go_url_hostname(&u);
	CHECK_STR(arena_strndup(a, h.ptr, h.len).ptr, "Ext.Example.org");
	CHECK(u.has_path);
	CHECK_STR(u.scheme.ptr, "https");
	CHECK_INT(go_url_parse(a, str_c("http://[fe80::1]:80"), &u, NULL), 0);
	h = go_url_hostname(&u);
	CHECK_STR(arena_strndup(a, h.ptr, h.len).ptr, "fe80::1");
	/* in a host, Go accepts only %25 and escapes of bytes >= 0x80 */
	CHECK_INT(go_url_parse(a, str_c("http://a%2Eb"), &u, NULL), -1);
	CHECK_INT(go_url_parse(a, str_c("http://a%C3%A9b"), &u, NULL), 0);
	h = go_url_hostname(&u);
	CHECK_STR(arena_strndup(a, h.ptr, h.len).ptr, "a\xc3\xa9" "b");
	arena_free(a);
}

/* --- conversion ------------------------------------------------------------------ */

static kube_options opts;

static void options(bool harness)
{
	kube_options_free(&opts);
	if (harness)
		kube_options_init_harness(&opts);
	else
		kube_options_init(&opts);
}

static int finish(void)
{
	buf err = BUF_INIT;
	int rc = kube_options_finish(&opts, &err);
	if (rc)
		printf("  options: %s\n", err.ptr);
	buf_free(&err);
	return rc;
}

/* Converts the RouteGroups with a shunt-only setup (no services needed) and returns the
 * served form. */
static char *convert(kube_routegroup *const *rgs, size_t n)
{
	kube_cluster *c = kube_cluster_new();
	c->routegroups_known = true;
	c->routegroups = arena_alloc(c->arena, n * sizeof *c->routegroups);
	for (size_t i = 0; i < n; i++)
		c->routegroups[i] = *rgs[i];
	/* the LB endpoint strings as the reader would leave them: in the cluster arena */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < c->routegroups[i].nbackends; j++) {
			kube_rg_backend *b = &c->routegroups[i].backends[j];
			str *eps = arena_alloc(c->arena, (b->nendpoints ? b->nendpoints : 1) * sizeof *eps);
			for (size_t k = 0; k < b->nendpoints; k++)
				eps[k] = arena_strndup(c->arena, b->endpoints[k].ptr, b->endpoints[k].len);
			b->endpoints = eps;
		}
	c->nroutegroups = n;
	route_table *t = route_table_new();
	kube_compile_routegroups(c, &opts, t);
	kube_cluster_free(c);   /* routes must not point into the cluster's memory */
	route_table_canonicalize(t);
	buf out = BUF_INIT;
	served_form_print(&out, t);
	route_table_free(t);
	static char text[16384];
	snprintf(text, sizeof text, "%s", out.ptr ? out.ptr : "");
	buf_free(&out);
	return text;
}

static kube_routegroup *shunt_rg(const char *ns, const char *name)
{
	kube_routegroup *rg = valid_rg(ns, name);
	rg->backends[0] = (kube_rg_backend){ .name = S("app"), .type = S("shunt") };
	return rg;
}

TEST(ids_methods_and_order)
{
	options(true);
	CHECK_INT(finish(), 0);
	kube_routegroup *rg = shunt_rg("", "my-app.v2");
	kube_rg_route *r = add_route(rg);
	r->path = S("/a");
	r->methods = STRS("get", "GET", "get");
	r->nmethods = 3;
	r = add_route(rg);
	r->path_subtree = S("/b");
	r->predicates = STRS("Traffic(0.5)");
	r->npredicates = 1;
	/* get and GET share an id (the first wins in §9.2 de-duplication, done later) */
	CHECK_STR(convert(&rg, 1),
		"kube_rg____example_org__catchall__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__default__my_app_v2__all__1_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") && PathSubtree(\"/b\") && Traffic(0.5) -> <shunt>;\n"
		"kube_rg__default__my_app_v2__get__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") && Method(\"GET\") && Path(\"/a\") -> <shunt>;\n"
		"kube_rg__default__my_app_v2__get__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") && Method(\"GET\") && Path(\"/a\") -> <shunt>;");
}

TEST(implicit_route_is_host_only_no_catchall)
{
	options(true);
	CHECK_INT(finish(), 0);
	kube_routegroup *rg = shunt_rg("ns", "x");
	CHECK_STR(convert(&rg, 1), "kube_rg__ns__x__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;");
	rg->nhosts = 0;   /* no hosts: no Host predicate, never a catch-all */
	kube_rg_route *r = add_route(rg);
	r->path = S("/p");
	CHECK_STR(convert(&rg, 1), "kube_rg__ns__x__all__0_0: Path(\"/p\") -> <shunt>;");
}

TEST(invalid_routegroup_dropped_others_kept)
{
	options(true);
	CHECK_INT(finish(), 0);
	kube_routegroup *rgs[2] = { shunt_rg("ns", "bad"), shunt_rg("ns", "good") };
	kube_rg_route *r = add_route(rgs[0]);
	r->filters = STRS("foo#");
	r->nfilters = 1;
	CHECK_STR(convert(rgs, 2), "kube_rg__ns__good__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;");
}

TEST(class_filter)
{
	options(true);
	opts.flag.routegroup_class = "^internal$";
	CHECK_INT(finish(), 0);
	kube_routegroup *rgs[3] = { shunt_rg("ns", "a"), shunt_rg("ns", "b"), shunt_rg("ns", "c") };
	kube_kv *kv = arena_alloc(A, sizeof *kv);
	kv->key = S("zalando.org/routegroup.class");
	kv->value = S("internal");
	rgs[0]->meta.annotations = (kube_map){ kv, 1, false };
	kube_kv *other = arena_alloc(A, sizeof *other);
	other->key = S("zalando.org/routegroup.class");
	other->value = S("skipper");
	rgs[1]->meta.annotations = (kube_map){ other, 1, false };
	/* a: matches; b: another class; c: no annotation, kept */
	CHECK_STR(convert(rgs, 3),
		"kube_rg__ns__a__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__ns__c__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;");
}

TEST(redirect_twin_and_east_west_copy)
{
	options(true);
	opts.https_redirect = true;
	opts.flag.https_redirect_code = 302;
	opts.east_west = true;
	CHECK_INT(finish(), 0);
	kube_routegroup *rg = shunt_rg("", "x");
	kube_rg_route *r = add_route(rg);
	r->path = S("/app");
	r->filters = STRS("setPath(\"/\")");
	r->nfilters = 1;
	CHECK_STR(convert(&rg, 1),
		"kube_rg____example_org__catchall__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__default__x__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") && Path(\"/app\") -> setPath(\"/\") -> <shunt>;\n"
		"kube_rg__default__x__all__0_0_https_redirect: Header(\"X-Forwarded-Proto\", \"http\") && Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") && Path(\"/app\") -> redirectTo(302, \"https:\") -> <shunt>;\n"
		"kubeew_rg__default__x__all__0_0: Host(\"^(x[.]default[.]skipper[.]cluster[.]local[.]?(:[0-9]+)?)$\") && Path(\"/app\") -> setPath(\"/\") -> <shunt>;");
}

TEST(internal_context)
{
	options(true);
	static const char *domains[] = { "ingress.cluster.local" };
	opts.flag.east_west_range_domains = (opt_list){ .v = domains, .n = 1 };
	opts.flag.east_west_range_predicates = "ClientIP(\"10.2.0.0/16\")";
	opts.https_redirect = true;
	CHECK_INT(finish(), 0);
	kube_routegroup *rg = shunt_rg("", "x");
	rg->hosts = STRS("a.ingress.cluster.local");
	kube_rg_route *r = add_route(rg);
	r->path = S("/app");
	/* internal only: no redirect twins, the EW-range predicate on the catch-all too */
	CHECK_STR(convert(&rg, 1),
		"kube_rg__internal___a_ingress_cluster_local__catchall__0_0: ClientIP(\"10.2.0.0/16\") && Host(\"^(a[.]ingress[.]cluster[.]local[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__internal_default__x__all__0_0: ClientIP(\"10.2.0.0/16\") && Host(\"^(a[.]ingress[.]cluster[.]local[.]?(:[0-9]+)?)$\") && Path(\"/app\") -> <shunt>;");
}

TEST(service_errors_drop_the_route_or_the_group)
{
	options(true);
	CHECK_INT(finish(), 0);
	/* explicit: only routes[1] (missing service) goes */
	kube_routegroup *rg = shunt_rg("ns", "x");
	add_backend(rg, "svc", "service")->service_name = S("missing");
	rg->backends[1].service_port = 80;
	add_route(rg)->path = S("/ok");
	kube_rg_route *r = add_route(rg);
	r->path = S("/bad");
	r->backends = arena_alloc(A, 2 * sizeof *r->backends);
	r->backends[0] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("app"), .weight = 1 };
	r->backends[1] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("svc"), .weight = 1 };
	r->nbackends = 2;
	CHECK_STR(convert(&rg, 1),
		"kube_rg____example_org__catchall__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__ns__x__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") && Path(\"/ok\") -> <shunt>;");
	/* implicit: the whole RouteGroup goes */
	rg = shunt_rg("ns", "x");
	add_backend(rg, "svc", "service")->service_name = S("missing");
	rg->backends[1].service_port = 80;
	rg->default_backends[1] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("svc") };
	rg->ndefault_backends = 2;
	CHECK_STR(convert(&rg, 1), "");
}

static void annotate(kube_routegroup *rg, const char *key, const char *value)
{
	kube_kv *kv = arena_alloc(A, (rg->meta.annotations.n + 1) * sizeof *kv);
	if (rg->meta.annotations.n)
		memcpy(kv, rg->meta.annotations.items, rg->meta.annotations.n * sizeof *kv);
	kv[rg->meta.annotations.n] = (kube_kv){ S(key), S(value) };
	rg->meta.annotations = (kube_map){ kv, rg->meta.annotations.n + 1, false };
}

TEST(backend_types_and_tracing_tag)
{
	options(true);
	opts.flag.forward_backend_url = "http://forward.example";
	opts.backend_name_tracing_tag = true;
	CHECK_INT(finish(), 0);
	kube_routegroup *rg = shunt_rg("ns", "x");
	rg->nhosts = 0;
	add_backend(rg, "fw", "forward");
	add_backend(rg, "net", "network")->address = S("https://app.example.org");
	kube_rg_backend *lb = add_backend(rg, "lb", "lb");
	lb->endpoints = STRS("http://10.0.0.2:80?zone=eu-1", "http://10.0.0.1:80");
	lb->nendpoints = 2;
	lb->algorithm = S("random");
	const char *names[] = { "fw", "net", "lb" };
	for (size_t i = 0; i < 3; i++) {
		kube_rg_route *r = add_route(rg);
		r->path = arena_printf(A, "/%zu", i);
		r->filters = STRS("setPath(\"/\")");
		r->nfilters = 1;
		r->backends = arena_alloc(A, sizeof *r->backends);
		r->backends[0] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S(names[i]) };
		r->nbackends = 1;
	}
	/* forward drops the route's own filters; the tag follows whatever is left */
	CHECK_STR(convert(&rg, 1),
		"kube_rg__ns__x__all__0_0: Path(\"/0\") -> tracingTag(\"skipper.backend_name\", \"fw\") -> \"http://forward.example\";\n"
		"kube_rg__ns__x__all__1_0: Path(\"/1\") -> setPath(\"/\") -> tracingTag(\"skipper.backend_name\", \"net\") -> \"https://app.example.org\";\n"
		"kube_rg__ns__x__all__2_0: Path(\"/2\") -> setPath(\"/\") -> tracingTag(\"skipper.backend_name\", \"lb\") -> <random, \"http://10.0.0.1:80\", \"http://10.0.0.2:80?zone=eu-1\">;");
}

TEST(allow_list)
{
	options(true);
	opts.only_allowed_external_names = true;
	static const char *allowed[] = { "^ok[.]org$" };
	opts.flag.allowed_external_names = (opt_list){ .v = allowed, .n = 1 };
	CHECK_INT(finish(), 0);
	CHECK(kube_rg_address_allowed(&opts, str_c("https://ok.org:8443/")));
	CHECK(!kube_rg_address_allowed(&opts, str_c("https://no.org")));
	CHECK(!kube_rg_address_allowed(&opts, str_c("10.0.0.1:80")));   /* does not parse as a URL */
	kube_routegroup *rg = shunt_rg("ns", "x");
	rg->nhosts = 0;
	kube_rg_backend *lb = add_backend(rg, "lb", "lb");
	lb->endpoints = STRS("https://ok.org", "https://no.org");
	lb->nendpoints = 2;
	add_backend(rg, "net", "network")->address = S("https://ok.org");
	kube_rg_route *r = add_route(rg);
	r->path = S("/lb");
	r->backends = arena_alloc(A, sizeof *r->backends);
	r->backends[0] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("lb") };
	r->nbackends = 1;
	r = add_route(rg);
	r->path = S("/net");
	r->backends = arena_alloc(A, sizeof *r->backends);
	r->backends[0] = (kube_rg_backend_ref){ .name_present = true, .backend_name = S("net") };
	r->nbackends = 1;
	CHECK_STR(convert(&rg, 1), "kube_rg__ns__x__all__1_0: Path(\"/net\") -> \"https://ok.org\";");
	options(true);
	CHECK_INT(finish(), 0);
	CHECK(kube_rg_address_allowed(&opts, str_c("https://no.org")));   /* not restricted: allow all */
	CHECK(!kube_rg_address_allowed(&opts, str_c("10.0.0.1:80")));   /* not even then */
	CHECK(kube_rg_address_allowed(&opts, str_c("ok.org:80")));   /* scheme "ok.org", empty host */
}

TEST(redirect_annotation_and_extras)
{
	options(true);
	opts.https_redirect = true;
	static const char *filters[] = { "team=a=comment(\"a\")" };
	opts.flag.annotation_filters_append = (opt_list){ .v = filters, .n = 1 };
	CHECK_INT(finish(), 0);
	kube_routegroup *rgs[3] = { shunt_rg("ns", "off"), shunt_rg("ns", "proto"), shunt_rg("ns", "twin") };
	annotate(rgs[0], "zalando.org/skipper-ingress-redirect", "false");
	kube_rg_route *r = add_route(rgs[1]);
	r->predicates = STRS("Header(\"X-Forwarded-Proto\", \"https\")");
	r->npredicates = 1;
	rgs[2]->hosts = STRS("t.org");
	annotate(rgs[2], "team", "a");
	CHECK_STR(convert(rgs, 3),
		"kube_rg____example_org__catchall__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__ns__off__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__ns__proto__all__0_0: Header(\"X-Forwarded-Proto\", \"https\") && Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__ns__twin__all__0_0: Host(\"^(t[.]org[.]?(:[0-9]+)?)$\") -> comment(\"a\") -> <shunt>;\n"
		"kube_rg__ns__twin__all__0_0_https_redirect: Header(\"X-Forwarded-Proto\", \"http\") && Host(\"^(t[.]org[.]?(:[0-9]+)?)$\") -> redirectTo(308, \"https:\") -> comment(\"a\") -> <shunt>;");
	options(true);
	CHECK_INT(finish(), 0);
	annotate(rgs[1], "zalando.org/skipper-ingress-redirect", "true");
	rgs[1]->routes[0].npredicates = 0;
	CHECK_STR(convert(&rgs[1], 1),
		"kube_rg__ns__proto__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;\n"
		"kube_rg__ns__proto__all__0_0_https_redirect: Header(\"X-Forwarded-Proto\", \"http\") && Host(\"^(example[.]org[.]?(:[0-9]+)?)$\") -> redirectTo(308, \"https:\") -> <shunt>;");
}

TEST(one_east_west_host_disables_copies)
{
	options(true);
	opts.east_west = true;
	CHECK_INT(finish(), 0);
	kube_routegroup *rg = shunt_rg("ns", "x");
	rg->hosts = STRS("example.org", "x.ns.skipper.cluster.local");
	rg->nhosts = 2;
	CHECK_STR(convert(&rg, 1),
		"kube_rg__ns__x__all__0_0: Host(\"^(example[.]org[.]?(:[0-9]+)?|x[.]ns[.]skipper[.]cluster[.]local[.]?(:[0-9]+)?)$\") -> <shunt>;");
}

int main(void)
{
	A = arena_new();
	log_setup(false, LOG_ERROR);
	log_set_timestamps(false);
	RUN(valid_routegroup_passes);
	RUN(name_and_spec);
	RUN(backend_messages);
	RUN(reference_messages);
	RUN(route_messages);
	RUN(filter_and_predicate_messages);
	RUN(phase_b_collects_everything_in_order);
	RUN(network_address_format);
	RUN(go_url_hostname);
	RUN(ids_methods_and_order);
	RUN(implicit_route_is_host_only_no_catchall);
	RUN(invalid_routegroup_dropped_others_kept);
	RUN(class_filter);
	RUN(redirect_twin_and_east_west_copy);
	RUN(internal_context);
	RUN(service_errors_drop_the_route_or_the_group);
	RUN(backend_types_and_tracing_tag);
	RUN(allow_list);
	RUN(redirect_annotation_and_extras);
	RUN(one_east_west_host_disables_copies);
	kube_options_free(&opts);
	arena_free(A);
	return TEST_SUMMARY();
}
