/* The eskip printer (A6): numbers, escaping, predicate order, backends, documents. */
#include <math.h>

#include "eskip_test_util.h"
#include "test.h"

static const char *num(double v)
{
	buf *b = util_buf();
	eskip_print_go_float(b, v);
	return b->ptr;
}

TEST(number_printing)
{
	CHECK_STR(num(0), "0");
	CHECK_STR(num(-0.0), "-0");
	CHECK_STR(num(1), "1");
	CHECK_STR(num(-42), "-42");
	CHECK_STR(num(123456789), "123456789");
	CHECK_STR(num(1.2345678901234568e29), "123456789012345677877719597056");
	CHECK_STR(num(1e21), "1000000000000000000000");
	CHECK_STR(num(1e100), "10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104");
	CHECK_STR(num(INFINITY), "+Inf");
	CHECK_STR(num(-INFINITY), "-Inf");
	CHECK_STR(num(NAN), "NaN");
	CHECK_STR(num(0.1), "0.1");
	CHECK_STR(num(0.123), "0.123");
	CHECK_STR(num(0.123456789), "0.123456789");
	CHECK_STR(num(3.14), "3.14");
	CHECK_STR(num(-0.3), "-0.3");
	CHECK_STR(num(0.2222222222222222), "0.2222222222222222");
	CHECK_STR(num(0.1 + 0.2), "0.30000000000000004");
	CHECK_STR(num(0.0001), "0.0001");
	CHECK_STR(num(1e-05), "1e-05");
	CHECK_STR(num(0.00001234), "1.234e-05");
	CHECK_STR(num(-2.5e-10), "-2.5e-10");
	CHECK_STR(num(1.5e-100), "1.5e-100");
	CHECK_STR(num(5e-324), "5e-324");
	CHECK_STR(num(100000.5), "100000.5");
	CHECK_STR(num(123456.7), "123456.7");
	CHECK_STR(num(1234567.5), "1.2345675e+06");
	CHECK_STR(num(ldexp(1, -44)), "5.684341886080802e-14");
}

/* print → parse gives the same double (B13) */
TEST(number_roundtrip)
{
	const double vals[] = { 0, 1, 0.1, 0.123, 0.123456789, -42, 123, 123456789, 1.2345678901234568e29, -0.0, 100000.5 };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		buf b = BUF_INIT;
		buf_puts(&b, "f(");
		eskip_print_go_float(&b, vals[i]);
		buf_puts(&b, ")");
		arena *a = arena_new();
		call *c;
		size_t n;
		CHECK_INT(eskip_parse_filters(a, b.ptr, b.len, &c, &n, NULL), 0);
		CHECK(n == 1 && c[0].args[0].num == vals[i] && signbit(c[0].args[0].num) == signbit(vals[i]));
		arena_free(a);
		buf_free(&b);
	}
}

/* A shunt route with Path = v, PathRegexp = v and filter afilter(v). */
static const char *escaped_route(const char *v, size_t n)
{
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	r->path = arena_strndup(t->arena, v, n);
	r->path_regexps = arena_array_alloc(t->arena, 1, sizeof(str));
	r->path_regexps[0] = r->path;
	r->npath_regexps = 1;
	arg a = arg_string(t->arena, v, n);
	route_add_filter(t->arena, r, "afilter", 1, &a);
	r->shunt = true;
	r->backend_type = BACKEND_SHUNT;
	buf *out = util_buf();
	eskip_print_expression(out, r, NULL);
	route_table_free(t);
	return out->ptr;
}

TEST(escaping_on_print)
{
	CHECK_STR(escaped_route("\\", 1), "Path(\"\\\\\") && PathRegexp(/\\\\/) -> afilter(\"\\\\\") -> <shunt>");
	CHECK_STR(escaped_route("/", 1), "Path(\"/\") && PathRegexp(/\\//) -> afilter(\"/\") -> <shunt>");
	CHECK_STR(escaped_route("\"", 1), "Path(\"\\\"\") && PathRegexp(/\"/) -> afilter(\"\\\"\") -> <shunt>");
	CHECK_STR(escaped_route("\\\n\"/", 4), "Path(\"\\\\\\n\\\"/\") && PathRegexp(/\\\\\\n\"\\//) -> afilter(\"\\\\\\n\\\"/\") -> <shunt>");
	CHECK_STR(escaped_route("\a\b\f\n\r\t\v\x01\xff", 9),
		  "Path(\"\\a\\b\\f\\n\\r\\t\\v\x01\xff\") && PathRegexp(/\\a\\b\\f\\n\\r\\t\\v\x01\xff/) -> "
		  "afilter(\"\\a\\b\\f\\n\\r\\t\\v\x01\xff\") -> <shunt>");
}

static const char *const roundtrip_values[] = {
	"s", " ", "/", "//", "\\", "\\\\", "\\x", "\\\\x", "/x", "//x", "\"", "\"\"", "\\/", "\\//", "/\\", "/\\\\",
	"//\\\\", "/\\/\\", "\\/\\/", "^\\/foo(#.*)?$", "foo\\/bar",
	/* with control characters: strings only */
	"\n", "\\\n", "\\\\\n", "\n\\", "\n\\\\", "\\\n\\", "\"\n", "\\\"\n",
};
#define N_CONTROL 8

/* Parses the printed route of escaped_route(v) and checks every value came back. */
static void check_value_roundtrip(const char *v, bool regexp_too)
{
	route_table *t = parse_table(escaped_route(v, strlen(v)));
	CHECK(t != NULL);
	if (!t) {
		printf("    value: [%s]\n", v);
		return;
	}
	const route *r = &t->routes[0];
	CHECK_STR(r->path.ptr, v);
	CHECK_STR(r->filters[0].args[0].s.ptr, v);
	if (regexp_too) {
		CHECK(r->npath_regexps == 1);
		if (r->npath_regexps == 1)
			CHECK_STR(r->path_regexps[0].ptr, v);
	}
	route_table_free(t);
}

TEST(string_roundtrip)
{
	const size_t n = sizeof roundtrip_values / sizeof *roundtrip_values;
	for (size_t i = 0; i < n; i++)
		check_value_roundtrip(roundtrip_values[i], i < n - N_CONTROL);
	/* every byte value survives a string round trip */
	char all[256];
	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = 0;
	check_value_roundtrip(all, false);
}

TEST(regexp_roundtrip)
{
	const char *extra[] = { "[/]", "[\\[]", "[\\]]", "[\\]", "[\"]", "[\\\"]" };
	for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
		check_value_roundtrip(extra[i], true);
	CHECK_STR(roundtrip("Host(/\\d/) -> <shunt>"), "Host(/\\\\d/) -> <shunt>");
	CHECK_STR(roundtrip("Host(/\\\\d/) -> <shunt>"), "Host(/\\\\d/) -> <shunt>");
	CHECK_STR(roundtrip("Host(\"\") -> <shunt>"), "Host(\"\") -> <shunt>");   /* skipper prints Host(//), a comment (routesrv(7)) */
	CHECK_STR(roundtrip("modPath(/^\\/api/, \"\") -> <shunt>"), "modPath(\"^/api\", \"\") -> <shunt>");
}

TEST(legacy_predicate_order)
{
	CHECK_STR(roundtrip("Header(\"x-frontend-type\", \"mobile-app\") && Header(\"X-Forwarded-Proto\", \"http\") -> <shunt>"),
		  "Header(\"X-Forwarded-Proto\", \"http\") && Header(\"x-frontend-type\", \"mobile-app\") -> <shunt>");
	CHECK_STR(roundtrip("HeaderRegexp(\"B\", /3/) && HeaderRegexp(\"B\", /2/) && HeaderRegexp(\"A\", /1/) -> <shunt>"),
		  "HeaderRegexp(\"A\", /1/) && HeaderRegexp(\"B\", /2/) && HeaderRegexp(\"B\", /3/) -> <shunt>");
	CHECK_STR(roundtrip("True() && Cookie(\"alpha\", \"/^enabled$/\") && Method(\"GET\") && "
			    "HeaderRegexp(\"B\", /3/) && Header(\"x-frontend-type\", \"mobile-app\") && "
			    "Header(\"X-Forwarded-Proto\", \"http\") && HeaderRegexp(\"A\", /1/) -> <shunt>"),
		  "Method(\"GET\") && Header(\"X-Forwarded-Proto\", \"http\") && Header(\"x-frontend-type\", \"mobile-app\") && "
		  "HeaderRegexp(\"A\", /1/) && HeaderRegexp(\"B\", /3/) && True() && Cookie(\"alpha\", \"/^enabled$/\") -> <shunt>");
	/* the printed strings are sorted, not the names: "a!" sorts before "a" once quoted */
	CHECK_STR(roundtrip("Header(\"a\", \"1\") && Header(\"a!\", \"2\") -> <shunt>"),
		  "Header(\"a!\", \"2\") && Header(\"a\", \"1\") -> <shunt>");
	CHECK_STR(roundtrip("Weight(1) && Method(\"GET\") && PathRegexp(/b/) && Host(/a/) && Path(\"/p\") -> <shunt>"),
		  "Path(\"/p\") && Host(/a/) && PathRegexp(/b/) && Method(\"GET\") && Weight(1) -> <shunt>");
}

TEST(generic_any_skipped)
{
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	route_add_predicate(t->arena, r, "Any", 0, NULL);
	buf b = BUF_INIT;
	eskip_print_expression(&b, r, NULL);
	CHECK_STR(b.ptr, "* -> \"\"");   /* the empty route */
	route_add_predicate(t->arena, r, "Foo", 0, NULL);
	buf_reset(&b);
	eskip_print_expression(&b, r, NULL);
	CHECK_STR(b.ptr, "Foo() -> \"\"");
	buf_free(&b);
	route_table_free(t);
}

/* Arguments never print in exponent form: eskip cannot parse it (documented deviation). */
TEST(arguments_print_positionally)
{
	buf b = BUF_INIT;
	const arg args[] = { arg_number(1e-05), arg_number(-1.234e-05), arg_number(1234567.5), arg_number(5e-324) };
	const char *want[] = { "0.00001", "-0.00001234", "1234567.5", NULL };
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&b);
		eskip_print_arg(&b, &args[i]);
		CHECK_STR(b.ptr, want[i]);
	}
	/* and parse back to the same double, down to the smallest subnormal */
	for (size_t i = 0; i < 4; i++) {
		buf_reset(&b);
		buf_puts(&b, "f(");
		eskip_print_arg(&b, &args[i]);
		buf_puts(&b, ")");
		arena *a = arena_new();
		call *c;
		size_t n;
		CHECK_INT(eskip_parse_filters(a, b.ptr, b.len, &c, &n, NULL), 0);
		CHECK(n == 1 && c[0].args[0].num == args[i].num);
		arena_free(a);
	}
	buf_free(&b);
}

TEST(backends)
{
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	buf b = BUF_INIT;
	r->backend = arena_strdup(t->arena, "a\"b\\c");
	eskip_print_expression(&b, r, NULL);
	/* escaped (skipper prints them raw, which does not parse again) */
	CHECK_STR(b.ptr, "* -> \"a\\\"b\\\\c\"");
	r->shunt = true;                            /* the legacy flag wins over the type */
	buf_reset(&b);
	eskip_print_expression(&b, r, NULL);
	CHECK_STR(b.ptr, "* -> <shunt>");
	r->shunt = false;
	r->backend_type = BACKEND_FORWARD;
	buf_reset(&b);
	eskip_print_expression(&b, r, NULL);
	CHECK_STR(b.ptr, "* -> <forward>");
	r->backend_type = BACKEND_LB;
	route_add_endpoint(t->arena, r, arena_strdup(t->arena, "http://42.0.1.2:8080"), (str){ "", 0 });
	route_add_endpoint(t->arena, r, arena_strdup(t->arena, "http://42.0.1.3:8080"), arena_strdup(t->arena, "z 1/é"));
	buf_reset(&b);
	eskip_print_expression(&b, r, NULL);
	CHECK_STR(b.ptr, "* -> <\"http://42.0.1.2:8080\", \"http://42.0.1.3:8080?zone=z+1%2F%C3%A9\">");
	r->lb_algorithm = arena_strdup(t->arena, "roundRobin");
	buf_reset(&b);
	eskip_print_expression(&b, r, NULL);
	CHECK_STR(b.ptr, "* -> <roundRobin, \"http://42.0.1.2:8080\", \"http://42.0.1.3:8080?zone=z+1%2F%C3%A9\">");
	buf_free(&b);
	route_table_free(t);
	CHECK_STR(roundtrip("* -> <roundRobin, \"http://42.0.1.2:8080\", \"http://42.0.1.3:8080\">"),
		  "* -> <roundRobin, \"http://42.0.1.2:8080\", \"http://42.0.1.3:8080\">");
	CHECK_STR(roundtrip("* -> <\"http://127.0.0.1:9997\">"), "* -> <\"http://127.0.0.1:9997\">");
}

TEST(expression_and_pretty)
{
	CHECK_STR(roundtrip("Method(\"GET\") -> static(\"/some\", \"/file\") -> <shunt>"),
		  "Method(\"GET\") -> static(\"/some\", \"/file\") -> <shunt>");
	const char *d = "Method(\"GET\") -> filter(\"expression\") -> <shunt>";
	CHECK_STR(roundtrip_n(d, strlen(d), true), "Method(\"GET\")\n  -> filter(\"expression\")\n  -> <shunt>");
	const char *doc = "route1: Method(\"GET\") -> filter(\"expression\") -> <shunt>;\n"
			  "route2: Path(\"/some/path\") -> \"https://www.example.org\";";
	CHECK_STR(roundtrip_n(doc, strlen(doc), true), "route1: Method(\"GET\")\n  -> filter(\"expression\")\n  -> <shunt>;\n\n"
						      "route2: Path(\"/some/path\")\n  -> \"https://www.example.org\";");
	/* a custom indent */
	route_table *t = parse_table(d);
	buf b = BUF_INIT;
	eskip_print_opts o = { true, "\t" };
	eskip_print_routes(&b, t->routes, t->n, &o);
	CHECK_STR(b.ptr, "Method(\"GET\")\n\t-> filter(\"expression\")\n\t-> <shunt>");
	buf_free(&b);
	route_table_free(t);
}

TEST(documents)
{
	const char *doc = "a: Path(\"/a\") -> <shunt>;\nb: * -> \"http://b\";";
	const char *p = roundtrip(doc);
	CHECK_STR(p, doc);
	CHECK_INT(strlen(p), 45);
	/* skipper's document test: printing is idempotent over three cycles */
	const char *b13 = "route1: Method(\"GET\") -> filter(\"expression\") -> <shunt>;\n"
			  "route2: Path(\"/some/path\") -> \"https://www.example.org\";";
	const char *c1 = roundtrip(b13), *c2 = roundtrip(c1), *c3 = roundtrip(c2);
	CHECK_STR(c1, b13);
	CHECK_STR(c2, b13);
	CHECK_STR(c3, b13);
	/* zero routes print nothing; one id-less route prints its expression */
	route_table *t = route_table_new();
	buf b = BUF_INIT;
	eskip_print_routes(&b, t->routes, 0, NULL);
	CHECK_INT(b.len, 0);
	route_table_add(t);
	eskip_print_routes(&b, t->routes, 1, NULL);
	CHECK_STR(b.ptr, "* -> \"\"");
	route_table_add(t);
	buf_reset(&b);
	eskip_print_routes(&b, t->routes, 2, NULL);
	CHECK_STR(b.ptr, ": * -> \"\";\n: * -> \"\";");
	buf_free(&b);
	route_table_free(t);
}

TEST(print_call_and_arg)
{
	route_table *t = route_table_new();
	arg args[3] = { arg_number(1.5), arg_cstr(t->arena, "x\"y"), arg_number(-0.0) };
	call c = { arena_strdup(t->arena, "f"), args, 3 };
	buf b = BUF_INIT;
	eskip_print_call(&b, &c);
	CHECK_STR(b.ptr, "f(1.5, \"x\\\"y\", -0)");
	buf_reset(&b);
	eskip_print_arg(&b, &args[1]);
	CHECK_STR(b.ptr, "\"x\\\"y\"");
	buf_free(&b);
	route_table_free(t);
}

int main(void)
{
	RUN(number_printing);
	RUN(number_roundtrip);
	RUN(escaping_on_print);
	RUN(string_roundtrip);
	RUN(regexp_roundtrip);
	RUN(legacy_predicate_order);
	RUN(generic_any_skipped);
	RUN(arguments_print_positionally);
	RUN(backends);
	RUN(expression_and_pretty);
	RUN(documents);
	RUN(print_call_and_arg);
	util_cleanup();
	return TEST_SUMMARY();
}
