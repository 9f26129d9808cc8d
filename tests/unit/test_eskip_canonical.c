/* Canonical form (A8.1), equality (A8.4, A8.5) and the served form (DECISIONS.md 1). */
#include <math.h>
#include <stdlib.h>

#include "eskip_test_util.h"
#include "test.h"

static str S(arena *a, const char *s) { return arena_strdup(a, s); }

/* The canonical route's predicates, printed as a " | " list. */
static const char *canonical_preds(const route *r)
{
	arena *a = arena_new();
	route c;
	route_canonical(a, r, &c);
	buf *b = util_buf();
	for (size_t i = 0; i < c.npredicates; i++) {
		if (i)
			buf_puts(b, " | ");
		eskip_print_call(b, &c.predicates[i]);
	}
	arena_free(a);
	return b->ptr;
}

static void add_str(arena *a, str **arr, size_t *n, const char *s) { *(str *)arena_array_push(a, (void **)arr, n, sizeof(str)) = S(a, s); }

static void add_pair(arena *a, header_pair **arr, size_t *n, const char *k, const char *v)
{
	*(header_pair *)arena_array_push(a, (void **)arr, n, sizeof(header_pair)) = (header_pair){ S(a, k), S(a, v) };
}

static void add_generic(arena *a, route *r, const char *name, const char *v)
{
	arg x = arg_cstr(a, v);
	route_add_predicate(a, r, name, 1, &x);
}

TEST(canonical_vectors)
{
	route_table *t = route_table_new();
	arena *a = t->arena;
	route *r = route_table_add(t);
	r->path = S(a, "/foo");
	CHECK_STR(canonical_preds(r), "Path(\"/foo\")");
	add_generic(a, r, "Path", "/bar");
	CHECK_STR(canonical_preds(r), "Path(\"/bar\")");   /* a generic Path wins */

	r = route_table_add(t);
	add_str(a, &r->host_regexps, &r->nhost_regexps, "foo");
	add_generic(a, r, "Host", "bar");
	CHECK_STR(canonical_preds(r), "Host(\"bar\") | Host(\"foo\")");

	r = route_table_add(t);
	r->method = S(a, "GET");
	add_generic(a, r, "Method", "POST");
	CHECK_STR(canonical_preds(r), "Method(\"GET\") | Method(\"POST\")");   /* legacy Method is prepended */

	r = route_table_add(t);
	add_generic(a, r, "B", "1");
	add_generic(a, r, "A", "x");
	add_generic(a, r, "B", "0");
	add_str(a, &r->path_regexps, &r->npath_regexps, "^/x");
	CHECK_STR(canonical_preds(r), "A(\"x\") | B(\"1\") | B(\"0\") | PathRegexp(\"^/x\")");   /* stable by name */

	/* legacy headers by name then value; generic two-string ones join that order */
	r = route_table_add(t);
	add_pair(a, &r->headers, &r->nheaders, "b", "1");
	add_pair(a, &r->headers, &r->nheaders, "a", "2");
	add_pair(a, &r->header_regexps, &r->nheader_regexps, "x", "2");
	add_pair(a, &r->header_regexps, &r->nheader_regexps, "x", "1");
	arg hv[2] = { arg_cstr(a, "a"), arg_cstr(a, "1") };
	route_add_predicate(a, r, "Header", 2, hv);
	CHECK_STR(canonical_preds(r), "Header(\"a\", \"1\") | Header(\"a\", \"2\") | Header(\"b\", \"1\") | "
				      "HeaderRegexp(\"x\", \"1\") | HeaderRegexp(\"x\", \"2\")");
	route_table_free(t);
}

TEST(canonical_backend)
{
	route_table *t = route_table_new();
	arena *a = t->arena;
	route *r = route_table_add(t);
	route c;
	r->shunt = true;
	r->backend = S(a, "http://dropped");
	route_canonical(a, r, &c);
	CHECK_INT(c.backend_type, BACKEND_SHUNT);
	CHECK_INT(c.backend.len, 0);
	CHECK(!c.shunt);

	r = route_table_add(t);   /* endpoints on a network route are dropped */
	route_add_endpoint(a, r, S(a, "http://x"), (str){ "", 0 });
	r->backend = S(a, "http://b");
	route_canonical(a, r, &c);
	CHECK_INT(c.nendpoints, 0);
	CHECK_STR(c.backend.ptr, "http://b");

	r = route_table_add(t);   /* lb: endpoints sorted by address, stably */
	r->backend_type = BACKEND_LB;
	r->backend = S(a, "dropped");
	r->lb_algorithm = S(a, "random");
	route_add_endpoint(a, r, S(a, "http://b"), S(a, "z2"));
	route_add_endpoint(a, r, S(a, "http://a"), S(a, ""));
	route_add_endpoint(a, r, S(a, "http://b"), S(a, "z1"));
	route_canonical(a, r, &c);
	CHECK_INT(c.backend.len, 0);
	CHECK_STR(c.lb_algorithm.ptr, "random");
	CHECK(c.nendpoints == 3 && str_eq_c(c.endpoints[0].address, "http://a") && str_eq_c(c.endpoints[1].zone, "z2") &&
	      str_eq_c(c.endpoints[2].zone, "z1"));
	CHECK(str_eq_c(r->endpoints[0].address, "http://b"));   /* the source is untouched */

	r = route_table_add(t);   /* other types drop every backend field */
	r->backend_type = BACKEND_LOOPBACK;
	r->backend = S(a, "x");
	r->lb_algorithm = S(a, "y");
	route_canonical(a, r, &c);
	CHECK(c.backend_type == BACKEND_LOOPBACK && c.backend.len == 0 && c.lb_algorithm.len == 0);
	route_table_free(t);
}

TEST(canonical_is_deep)
{
	arena *src = arena_new(), *dst = arena_new();
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	r->id = S(t->arena, "r");
	r->path = S(t->arena, "/p");
	add_generic(t->arena, r, "Foo", "v");
	arg f = arg_cstr(t->arena, "x");
	route_add_filter(t->arena, r, "f", 1, &f);
	route c;
	route_canonical(dst, r, &c);
	route_table_free(t);   /* the canonical copy must not point into the freed table */
	buf b = BUF_INIT;
	eskip_print_routes(&b, &c, 1, NULL);
	CHECK_STR(b.ptr, "r: Foo(\"v\") && Path(\"/p\") -> f(\"x\") -> \"\";");
	buf_free(&b);
	arena_free(src);
	arena_free(dst);
}

TEST(arg_and_call_equality)
{
	arena *a = arena_new();
	arg n10 = arg_number(10), s10 = arg_cstr(a, "10"), n10b = arg_number(10.0), nan = arg_number(NAN);
	arg z = arg_number(0.0), nz = arg_number(-0.0);
	CHECK(arg_eq(&n10, &n10b));
	CHECK(!arg_eq(&n10, &s10));
	CHECK(!arg_eq(&nan, &nan));
	CHECK(arg_eq(&z, &nz));   /* Go's float == */
	call c1 = { S(a, "f"), &n10, 1 }, c2 = { S(a, "f"), &n10b, 1 }, c3 = { S(a, "g"), &n10, 1 }, c4 = { S(a, "f"), NULL, 0 };
	CHECK(call_eq(&c1, &c2));
	CHECK(!call_eq(&c1, &c3));
	CHECK(!call_eq(&c1, &c4));
	arena_free(a);
}

TEST(route_equality)
{
	route_table *t = route_table_new();
	arena *a = t->arena;
	route *r1 = route_table_add(t), *r2 = route_table_add(t);
	r1->shunt = true;
	r2->backend_type = BACKEND_SHUNT;
	CHECK(route_eq(&t->routes[0], &t->routes[1]));
	CHECK(route_eq(NULL, NULL));
	CHECK(!route_eq(&t->routes[0], NULL));
	route_table_free(t);

	/* legacy fields equal their generic form */
	route_table *p = parse_table("r: Path(\"/a\") && Host(/x/) && Header(\"k\", \"v\") -> <shunt>");
	t = route_table_new();
	a = t->arena;
	route *g = route_table_add(t);
	g->id = S(a, "r");
	arg hv[2] = { arg_cstr(a, "k"), arg_cstr(a, "v") };
	route_add_predicate(a, g, "Header", 2, hv);
	add_generic(a, g, "Path", "/a");
	add_generic(a, g, "Host", "x");
	g->backend_type = BACKEND_SHUNT;
	CHECK(route_eq(&p->routes[0], g));
	g->id = S(a, "other");
	CHECK(!route_eq(&p->routes[0], g));
	route_table_free(p);
	route_table_free(t);

	route_table *x = parse_table("a: * -> f(1) -> g() -> <shunt>; b: * -> g() -> f(1) -> <shunt>");
	x->routes[1].id = x->routes[0].id;
	CHECK(!route_eq(&x->routes[0], &x->routes[1]));   /* filter order matters */
	route_table_free(x);
}

TEST(list_equality)
{
	route_table *a = parse_table("a: * -> <shunt>; b: Path(\"/b\") -> \"http://b\"; c: * -> <loopback>");
	route_table *b = parse_table("c: * -> <loopback>; a: * -> <shunt>; b: Path(\"/b\") -> \"http://b\"");
	route_table *c = parse_table("c: * -> <loopback>; a: * -> <shunt>");
	route_table *d = parse_table("a: * -> <shunt>; a: * -> <shunt>");
	route_table *e = parse_table("c: * -> <loopback>; a: * -> <shunt>; b: Path(\"/c\") -> \"http://b\"");
	CHECK(route_lists_eq(a->routes, a->n, b->routes, b->n));
	CHECK(!route_lists_eq(a->routes, a->n, c->routes, c->n));
	CHECK(!route_lists_eq(a->routes, a->n, e->routes, e->n));
	CHECK(!route_lists_eq(d->routes, d->n, d->routes, d->n));   /* any duplicate id: unequal */
	CHECK(route_lists_eq(NULL, 0, NULL, 0));
	route_table_free(a);
	route_table_free(b);
	route_table_free(c);
	route_table_free(d);
	route_table_free(e);
}

TEST(canonicalize_table)
{
	route_table *t = parse_table("b: * -> <shunt>; a: Method(\"GET\") && Path(\"/x\") -> <shunt>; c1: * -> <shunt>; "
				     "a: * -> <loopback>; B: * -> <dynamic>");
	CHECK_STR(served(t), "B: * -> <dynamic>;\na: Method(\"GET\") && Path(\"/x\") -> <shunt>;\na: * -> <loopback>;\n"
			     "b: * -> <shunt>;\nc1: * -> <shunt>;");
	CHECK(t->routes[1].path.len == 0 && t->routes[1].npredicates == 2);   /* legacy fields moved */
	route_table_free(t);

	/* a big table: stable merge sort by id */
	t = route_table_new();
	for (int i = 0; i < 5000; i++) {
		route *r = route_table_add(t);
		char id[16];
		snprintf(id, sizeof id, "r%04d", (i * 7919) % 1000);   /* five routes per id */
		r->id = S(t->arena, id);
		r->backend = arena_printf(t->arena, "http://%d", i);
	}
	route_table_canonicalize(t);
	bool ok = true;
	for (size_t i = 1; i < t->n; i++) {
		int c = str_cmp(t->routes[i - 1].id, t->routes[i].id);
		if (c > 0 || (c == 0 && atoi(t->routes[i - 1].backend.ptr + 7) > atoi(t->routes[i].backend.ptr + 7)))
			ok = false;
	}
	CHECK(ok);
	route_table_free(t);
}

/* parse(served) → canonicalize → print gives the same bytes. */
static void check_fixed_point(const char *doc)
{
	route_table *t = parse_table(doc);
	CHECK(t != NULL);
	if (!t)
		return;
	const char *s1 = served(t);
	route_table *t2 = parse_table(s1);
	CHECK(t2 != NULL);
	if (t2) {
		CHECK_STR(served(t2), s1);
		route_table_free(t2);
	}
	route_table_free(t);
}

TEST(served_fixed_point)
{
	check_fixed_point("");
	check_fixed_point("* -> <shunt>");
	check_fixed_point("Path(\"\") -> grantCallback() -> <shunt>");
	check_fixed_point("__oauth2_grant_callback: Path(\"\") -> grantCallback() -> <shunt>;");
	check_fixed_point(
		"z: Host(/^(www[.]example[.]org[.]?(:[0-9]+)?)$/) && PathRegexp(/^\\/api/) && Method(\"GET\") && "
		"Header(\"X-B\", \"1\") && Header(\"X-A\", \"2\") && HeaderRegexp(\"C\", /b/) && HeaderRegexp(\"C\", /a/) && "
		"Weight(2.5) && Cookie(\"alpha\", /^enabled$/) && Any() -> setPath(\"/\\\"q\\\"\") -> status(418) "
		"-> <roundRobin, \"http://10.0.0.2:80?zone=b\", \"http://10.0.0.1:80?zone=a%20z\">;\n"
		"a: Path(\"/x\\n\\\\\") && PathSubtree(\"/s\") -> \"http://b\";\n"
		"m: Method(\"POST\") && Path(\"/b\") -> <loopback>; d: * -> <dynamic>; f: * -> <forward>; n: * -> \"\";");
	/* generic same-named Header predicates (as RouteGroups make them) */
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	r->id = S(t->arena, "rg");
	arg h1[2] = { arg_cstr(t->arena, "X"), arg_cstr(t->arena, "1") }, h2[2] = { arg_cstr(t->arena, "A"), arg_cstr(t->arena, "2") };
	route_add_predicate(t->arena, r, "Header", 2, h1);
	route_add_predicate(t->arena, r, "Header", 2, h2);
	r->backend_type = BACKEND_SHUNT;
	const char *s1 = served(t);
	CHECK_STR(s1, "rg: Header(\"A\", \"2\") && Header(\"X\", \"1\") -> <shunt>;");
	route_table *t2 = parse_table(s1);
	CHECK(t2 && strcmp(served(t2), s1) == 0);
	route_table_free(t2);
	route_table_free(t);
}

int main(void)
{
	RUN(canonical_vectors);
	RUN(canonical_backend);
	RUN(canonical_is_deep);
	RUN(arg_and_call_equality);
	RUN(route_equality);
	RUN(list_equality);
	RUN(canonicalize_table);
	RUN(served_fixed_point);
	util_cleanup();
	return TEST_SUMMARY();
}
