/* route_check_parsable / route_table_drop_unparsable: routes whose served text skipper would
 * reject are found, with skipper's error; every route of the conformance tables passes; the
 * structural shortcut agrees with the literal print+parse check on every route tried. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "eskip/eskip.h"
#include "table/served_form.h"
#include "eskip/eskip_internal.h"
#include "routes/route_process.h"
#include "test.h"

/* --- building routes ------------------------------------------------------------------ */

static route *new_route(route_table *t, const char *id)
{
	route *r = route_table_add(t);
	r->id = arena_strdup(t->arena, id);
	r->backend_type = BACKEND_SHUNT;
	return r;
}

static void lb(route_table *t, route *r, const char *const *addresses, const char *zone)
{
	r->backend_type = BACKEND_LB;
	for (size_t i = 0; addresses[i]; i++)
		route_add_endpoint(t->arena, r, arena_strdup(t->arena, addresses[i]), arena_strdup(t->arena, zone));
}

static void pred1(route_table *t, route *r, const char *name, arg a) { route_add_predicate(t->arena, r, name, 1, &a); }

static void pred2(route_table *t, route *r, const char *name, arg a, arg b)
{
	arg args[2] = { a, b };
	route_add_predicate(t->arena, r, name, 2, args);
}

/* The check's verdict: "ok" or the error text (static). Also asserts the shortcut agrees
 * with the literal check, message included. */
static buf out;

static const char *verdict(const route *r)
{
	buf lit = BUF_INIT;
	buf_reset(&out);
	int rc = route_check_parsable(r, &out);
	int lrc = route_check_parsable_literal(r, true, &lit);
	CHECK_INT(rc, lrc);
	if (rc)
		CHECK_STR(out.ptr, lit.ptr);
	buf_free(&lit);
	if (rc == 0) {
		buf_reset(&out);
		buf_puts(&out, "ok");
	}
	return out.ptr;
}

/* --- the cases fuzzing found ------------------------------------------------------------ */

TEST(good_routes_pass)
{
	route_table *t = route_table_new();
	static const char *const eps[] = { "http://10.2.0.1:8080", "http://10.2.0.2:8080", NULL };
	route *r = new_route(t, "kube_ns__app__example_org____app");
	pred1(t, r, "Host", arg_cstr(t->arena, "^(example[.]org[.]?(:[0-9]+)?)$"));
	pred1(t, r, "PathSubtree", arg_cstr(t->arena, "/"));
	pred2(t, r, "Header", arg_cstr(t->arena, "a"), arg_cstr(t->arena, "b\"\\\n\x04"));
	arg w = arg_number(-0.25);
	route_add_filter(t->arena, r, "setWeight", 1, &w);
	lb(t, r, eps, "eu-central-1a");
	CHECK_STR(verdict(r), "ok");
	route *n = new_route(t, "net");
	n->backend_type = BACKEND_NETWORK;
	n->backend = arena_strdup(t->arena, "http://a b\"c");   /* escaped by the printer */
	CHECK_STR(verdict(n), "ok");
	route_table_free(t);
}

TEST(endpoint_ip_with_a_space)
{
	route_table *t = route_table_new();
	static const char *const eps[] = { "http://10.2.0.1:8080", "http://10.2.0 .2:8080", NULL };
	route *r = new_route(t, "kube_ns__app");
	lb(t, r, eps, "");
	CHECK_STR(verdict(r), "parse \"http://10.2.0 .2:8080\": invalid character \" \" in host name");
	route_table_free(t);
}

TEST(endpoint_ip_with_a_control_escape)
{
	route_table *t = route_table_new();
	static const char *const eps[] = { "http://10.2.0.%04:8080", "http://10.2.0.2:8080", NULL };
	route *r = new_route(t, "kube_ns__app");
	lb(t, r, eps, "");
	CHECK_STR(verdict(r), "parse \"http://10.2.0.%04:8080\": invalid URL escape \"%04\"");
	route_table_free(t);
}

TEST(endpoint_zone_after_a_fragment)
{
	route_table *t = route_table_new();
	static const char *const eps[] = { "http://10.2.0.1:8080#f", NULL };
	route *r = new_route(t, "z");
	lb(t, r, eps, "eu-central-1a");
	CHECK_STR(verdict(r), "parse \"http://10.2.0.1:8080#f?zone=eu-central-1a\": invalid port \":8080#f\" after host");
	route_table_free(t);
}

TEST(endpoints_with_mixed_protocols_or_none)
{
	route_table *t = route_table_new();
	static const char *const eps[] = { "http://10.2.0.1:8080", "https://10.2.0.2:8443", NULL };
	route *r = new_route(t, "mixed");
	lb(t, r, eps, "z1");
	CHECK_STR(verdict(r), "loadbalancer endpoints cannot have mixed protocols");
	route *e = new_route(t, "empty");
	e->backend_type = BACKEND_LB;
	CHECK(strstr(verdict(e), "syntax error") != NULL);
	route_table_free(t);
}

TEST(header_with_a_number)
{
	route_table *t = route_table_new();
	route *r = new_route(t, "kube_rg__ns__rg__all__0_0");
	pred2(t, r, "Header", arg_cstr(t->arena, "a"), arg_number(1));
	CHECK_STR(verdict(r), "invalid route \"kube_rg__ns__rg__all__0_0\": Header predicate expects 2 string arguments");
	route_table_free(t);
}

TEST(legacy_predicates_with_wrong_arguments)
{
	route_table *t = route_table_new();
	route *p = new_route(t, "p");
	pred1(t, p, "Path", arg_number(1));
	CHECK_STR(verdict(p), "invalid route \"p\": Path predicate expects 1 string argument");
	route *m = new_route(t, "m");
	pred1(t, m, "Method", arg_number(2));
	CHECK_STR(verdict(m), "invalid route \"m\": Method predicate expects 1 string argument");
	route *h = new_route(t, "h");
	route_add_predicate(t->arena, h, "Host", 0, NULL);
	CHECK_STR(verdict(h), "invalid route \"h\": Host predicate expects 1 string argument");
	route *x = new_route(t, "x");
	pred2(t, x, "PathRegexp", arg_cstr(t->arena, "a"), arg_cstr(t->arena, "b"));
	CHECK_STR(verdict(x), "invalid route \"x\": PathRegexp predicate expects 1 string argument");
	route *hr = new_route(t, "hr");
	pred1(t, hr, "HeaderRegexp", arg_cstr(t->arena, "a"));
	CHECK_STR(verdict(hr), "invalid route \"hr\": HeaderRegexp predicate expects 2 string arguments");
	route_table_free(t);
}

TEST(duplicate_predicates)
{
	route_table *t = route_table_new();
	route *p = new_route(t, "p");
	pred1(t, p, "Path", arg_cstr(t->arena, "/a"));
	pred1(t, p, "Path", arg_cstr(t->arena, "/b"));
	CHECK_STR(verdict(p), "duplicate path tree predicate");
	route *m = new_route(t, "m");
	pred1(t, m, "Method", arg_cstr(t->arena, "GET"));
	pred1(t, m, "Method", arg_cstr(t->arena, "PUT"));
	CHECK_STR(verdict(m), "duplicate method predicate");
	route *h = new_route(t, "h");
	pred2(t, h, "Header", arg_cstr(t->arena, "X-A"), arg_cstr(t->arena, "1"));
	pred2(t, h, "Header", arg_cstr(t->arena, "X-B"), arg_cstr(t->arena, "1"));
	pred2(t, h, "Header", arg_cstr(t->arena, "X-A"), arg_cstr(t->arena, "2"));
	CHECK_STR(verdict(h), "duplicate header predicate: X-A");
	route *ok = new_route(t, "ok");   /* same name, different predicates: fine */
	pred2(t, ok, "HeaderRegexp", arg_cstr(t->arena, "X-A"), arg_cstr(t->arena, "1"));
	pred2(t, ok, "HeaderRegexp", arg_cstr(t->arena, "X-A"), arg_cstr(t->arena, "2"));
	pred1(t, ok, "Host", arg_cstr(t->arena, "a"));
	pred1(t, ok, "Host", arg_cstr(t->arena, "b"));
	CHECK_STR(verdict(ok), "ok");
	route_table_free(t);
}

TEST(non_finite_numbers)
{
	route_table *t = route_table_new();
	double values[] = { NAN, INFINITY, -INFINITY };
	for (size_t i = 0; i < 3; i++) {
		route *r = new_route(t, "n");
		arg a = arg_number(values[i]);
		route_add_filter(t->arena, r, "setWeight", 1, &a);
		const char *v = verdict(r);
		CHECK(strncmp(v, "parse failed after token ", 25) == 0);
	}
	route *p = new_route(t, "p");   /* in a predicate too */
	pred1(t, p, "Weight", arg_number(NAN));
	CHECK(strstr(verdict(p), "position") != NULL);
	route_table_free(t);
}

TEST(ids_and_names_that_are_not_symbols)
{
	route_table *t = route_table_new();
	CHECK(strstr(verdict(new_route(t, "a b")), "syntax error") != NULL);
	CHECK(strstr(verdict(new_route(t, "9a")), "syntax error") != NULL);
	CHECK(strstr(verdict(new_route(t, "a-b")), "parse failed") != NULL);
	CHECK_STR(verdict(new_route(t, "a: * -> <shunt>; b")), "route id \"a: * -> <shunt>; b\" reads back as 2 routes");
	CHECK_STR(verdict(new_route(t, " a")), "route id \" a\" reads back as \"a\"");
	CHECK(strstr(verdict(new_route(t, "a //c\nb")), "syntax error") != NULL);
	CHECK_STR(verdict(new_route(t, "_a9")), "ok");
	CHECK_STR(verdict(new_route(t, "")), "ok");   /* alone: the bare expression */
	route *f = new_route(t, "f");
	route_add_filter(t->arena, f, "set-header", 0, NULL);
	CHECK(strstr(verdict(f), "parse failed") != NULL);
	route *s = new_route(t, "s");
	route_add_predicate(t->arena, s, "*", 0, NULL);
	CHECK(strstr(verdict(s), "syntax error") != NULL);
	route *a = new_route(t, "a");   /* Any is not printed at all */
	route_add_predicate(t->arena, a, "Any", 1, (arg[]){ arg_number(NAN) });
	CHECK_STR(verdict(a), "ok");
	route *l = new_route(t, "l");
	static const char *const eps[] = { "http://a:1", "http://b:1", NULL };
	lb(t, l, eps, "");
	l->lb_algorithm = arena_strdup(t->arena, "round robin");
	CHECK(strstr(verdict(l), "syntax error") != NULL);
	route_table_free(t);
}

TEST(legacy_fields_are_checked_as_printed)
{
	route_table *t = route_table_new();
	route *r = new_route(t, "legacy");
	r->path = arena_strdup(t->arena, "/a");
	route_add_predicate(t->arena, r, "Path", 1, (arg[]){ arg_cstr(t->arena, "/b") });
	CHECK_STR(verdict(r), "duplicate path tree predicate");
	route *h = new_route(t, "host");
	str *hosts = arena_array_alloc(t->arena, 1, sizeof *hosts);
	hosts[0] = arena_strdup(t->arena, "");   /* printed Host(//), a comment; now Host("") */
	h->host_regexps = hosts;
	h->nhost_regexps = 1;
	CHECK_STR(verdict(h), "ok");
	hosts[0] = arena_strdup(t->arena, "a[");   /* printed /a[/: the lexer's bracket toggle runs on */
	CHECK(strncmp(verdict(h), "parse failed", 12) == 0);
	route_table_free(t);
}

/* --- tables ----------------------------------------------------------------------------- */

typedef struct {
	buf log;
	size_t n;
} drops;

static void record_drop(const route *r, const char *err, void *ctx)
{
	drops *d = ctx;
	buf_printf(&d->log, "%.*s: %s\n", (int)r->id.len, r->id.ptr, err);
	d->n++;
}

TEST(table_keeps_the_others_in_order)
{
	route_table *t = route_table_new();
	new_route(t, "a");
	pred2(t, new_route(t, "b"), "Header", arg_cstr(t->arena, "a"), arg_number(1));
	new_route(t, "c");
	new_route(t, "");   /* id-less among others: ": * -> <shunt>;" never parses */
	new_route(t, "d");
	drops d = { BUF_INIT, 0 };
	CHECK_INT(route_table_drop_unparsable(t, record_drop, &d), 2);
	CHECK_INT(d.n, 2);
	CHECK_INT(t->n, 3);
	buf served = BUF_INIT;
	served_form_print(&served, t);
	CHECK_STR(served.ptr, "a: * -> <shunt>;\nc: * -> <shunt>;\nd: * -> <shunt>;");
	CHECK_STR(d.log.ptr, "b: invalid route \"b\": Header predicate expects 2 string arguments\n"
			     ": parse failed after token :, position 1: syntax error\n");
	buf_free(&served);
	buf_free(&d.log);
	route_table_free(t);
}

TEST(route_process_drops_as_its_last_step)
{
	route_processing p;
	route_processing_init(&p);
	static const char *prepend[] = { "tee(1)" };
	p.flag.default_filters_prepend = (opt_list){ prepend, 1 };
	buf err = BUF_INIT;
	CHECK(route_processing_finish(&p, &err) == 0);
	route_table *t = route_table_new();
	pred1(t, new_route(t, "z_bad"), "Path", arg_number(1));
	new_route(t, "a_good");
	route_process(t, &p);
	buf served = BUF_INIT;
	served_form_print(&served, t);
	CHECK_STR(served.ptr, "a_good: * -> tee(1) -> <shunt>;");
	buf_free(&served);
	buf_free(&err);
	route_table_free(t);
	route_processing_free(&p);
}

/* --- every conformance route passes, and the shortcut agrees with the literal check --------- */

static size_t fixture_routes, fixture_dropped, disagreements;

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf b = BUF_INIT;
	char tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, k);
	fclose(f);
	return buf_steal(&b, n);
}

/* Checks r both ways; counts disagreements. */
static void compare(const route *r, bool alone)
{
	buf fast = BUF_INIT, lit = BUF_INIT;
	int rc = route_check_parsable(r, &fast);
	int lrc = route_check_parsable_literal(r, alone, &lit);
	if (alone && (rc != lrc || (rc && strcmp(fast.ptr, lit.ptr) != 0))) {
		disagreements++;
		printf("  disagreement on %.*s: %d %s / %d %s\n", (int)r->id.len, r->id.ptr, rc, fast.ptr ? fast.ptr : "",
		       lrc, lit.ptr ? lit.ptr : "");
	}
	buf_free(&fast);
	buf_free(&lit);
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	size_t len = strlen(path), n;
	if (type != FTW_F || len < 6 || strcmp(path + len - 6, ".eskip") != 0)
		return 0;
	char *text = read_file(path, &n);
	route_table *t = route_table_new();
	if (text && eskip_parse(t, text, n, NULL, NULL) == 0) {
		route_table_canonicalize(t);
		for (size_t i = 0; i < t->n; i++)
			compare(&t->routes[i], true);
		size_t before = t->n;
		fixture_routes += before;
		fixture_dropped += route_table_drop_unparsable(t, NULL, NULL);
	}
	route_table_free(t);
	free(text);
	return 0;
}

TEST(conformance_tables_pass_unchanged)
{
	if (!REQUIRE_DIR(TEST_FIXTURES))
		return;
	CHECK_INT(nftw(TEST_FIXTURES, visit, 16, FTW_PHYS), 0);
	CHECK(fixture_routes > 500);
	CHECK_INT(fixture_dropped, 0);
	CHECK_INT(disagreements, 0);
}

/* Random routes from a small alphabet of troublesome pieces: the shortcut and the literal
 * check must agree on each (verdict and message). Deterministic (fixed seed). */
static const char *const names[] = { "Path", "Host", "Method", "Header", "HeaderRegexp", "PathRegexp", "Any", "*",
				     "Weight", "x-y", "", "True" };
static const char *const strings[] = { "", "/a", "a b", "\"", "\\", "\n", "%04", "a//b", "é" };
static const char *const addresses[] = { "http://10.0.0.1:80", "https://10.0.0.2:443", "http://a b", "/p",
					 "http://10.0.0.%04", "http://h/p?q=1", "http://h#f", "HTTP://X:1",
					 "http://[::1]:80", "http://a:b", "", "mailto:x" };
static const char *const zones[] = { "", "z1", "a b", "eu-central-1a", "%" };
static const char *const ids[] = { "r", "r2", "a b", "", "_", "9", "a;b" };

static unsigned long rng_state = 12345;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng_state >> 33) % n;
}
#define PICK(a) a[rnd(sizeof a / sizeof *a)]

static arg random_arg(arena *a)
{
	switch (rnd(5)) {
	case 0: return arg_number(rnd(3) == 0 ? NAN : (double)rnd(100) / 4 - 10);
	case 1: return arg_number(rnd(2) ? INFINITY : 1e-7);
	default: return arg_cstr(a, PICK(strings));
	}
}

static void random_calls(route_table *t, route *r, bool predicates)
{
	for (unsigned i = rnd(4); i > 0; i--) {
		size_t nargs = rnd(3);
		arg args[2];
		for (size_t k = 0; k < nargs; k++)
			args[k] = random_arg(t->arena);
		const char *name = predicates ? PICK(names) : (rnd(4) ? "setPath" : PICK(names));
		if (predicates)
			route_add_predicate(t->arena, r, name, nargs, args);
		else
			route_add_filter(t->arena, r, name, nargs, args);
	}
}

TEST(shortcut_agrees_with_print_and_parse)
{
	route_table *t = route_table_new();
	size_t failing = 0;
	for (int i = 0; i < 20000; i++) {
		route *r = new_route(t, PICK(ids));
		random_calls(t, r, true);
		random_calls(t, r, false);
		r->backend_type = (backend_type)rnd(6);
		if (rnd(3) == 0)
			r->backend_type = BACKEND_LB;
		if (r->backend_type == BACKEND_NETWORK)
			r->backend = arena_strdup(t->arena, PICK(strings));
		if (r->backend_type == BACKEND_LB) {
			for (unsigned k = rnd(4); k > 0; k--)
				route_add_endpoint(t->arena, r, arena_strdup(t->arena, PICK(addresses)),
						   arena_strdup(t->arena, PICK(zones)));
			if (rnd(4) == 0)
				r->lb_algorithm = arena_strdup(t->arena, rnd(2) ? "roundRobin" : "a b");
		}
		route c;
		route_canonical(t->arena, r, &c);
		compare(&c, true);
		failing += route_check_parsable(&c, NULL) != 0;
	}
	CHECK_INT(disagreements, 0);
	CHECK(failing > 1000 && failing < 19000);   /* both kinds were tried */
	route_table_free(t);
}

int main(void)
{
	RUN(good_routes_pass);
	RUN(endpoint_ip_with_a_space);
	RUN(endpoint_ip_with_a_control_escape);
	RUN(endpoint_zone_after_a_fragment);
	RUN(endpoints_with_mixed_protocols_or_none);
	RUN(header_with_a_number);
	RUN(legacy_predicates_with_wrong_arguments);
	RUN(duplicate_predicates);
	RUN(non_finite_numbers);
	RUN(ids_and_names_that_are_not_symbols);
	RUN(legacy_fields_are_checked_as_printed);
	RUN(table_keeps_the_others_in_order);
	RUN(route_process_drops_as_its_last_step);
	RUN(conformance_tables_pass_unchanged);
	RUN(shortcut_agrees_with_print_and_parse);
	buf_free(&out);
	return TEST_SUMMARY();
}
