/* JSON form of routes (A10). */
#include <math.h>

#include "eskip_test_util.h"
#include "test.h"

static const char *json(const route *r, size_t n)
{
	buf *b = util_buf();
	eskip_print_json(b, r, n);
	return b->ptr;
}

static const char *json_doc(const char *doc)
{
	route_table *t = parse_table(doc);
	if (!t)
		return "parse error";
	const char *s = json(t->routes, t->n);
	route_table_free(t);
	return s;
}

TEST(spec_examples)
{
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	r->id = arena_strdup(t->arena, "beef");
	r->backend_type = BACKEND_LB;
	r->lb_algorithm = arena_strdup(t->arena, "roundRobin");
	route_add_endpoint(t->arena, r, arena_strdup(t->arena, "http://10.0.0.1:8080"), arena_strdup(t->arena, "eu-central-1a"));
	CHECK_STR(json(r, 1), "[{\"id\":\"beef\",\"backend\":{\"type\":\"lb\",\"algorithm\":\"roundRobin\","
			      "\"endpoints\":[\"http://10.0.0.1:8080?zone=eu-central-1a\"]}}]");
	r = route_table_add(t);
	r->id = arena_strdup(t->arena, "sh");
	r->shunt = true;
	CHECK_STR(json(r, 1), "[{\"id\":\"sh\",\"backend\":{\"type\":\"shunt\"}}]");
	CHECK_STR(json(t->routes, 0), "[]");
	route_table_free(t);
}

TEST(omitempty_and_canonical)
{
	CHECK_STR(json_doc("* -> \"\""), "[{}]");
	CHECK_STR(json_doc("r: Path(\"/a\") && Foo() -> f(1, \"x\") -> \"http://b\""),
		  "[{\"id\":\"r\",\"backend\":{\"type\":\"network\",\"address\":\"http://b\"},"
		  "\"predicates\":[{\"name\":\"Foo\"},{\"name\":\"Path\",\"args\":[\"/a\"]}],"
		  "\"filters\":[{\"name\":\"f\",\"args\":[1,\"x\"]}]}]");
	CHECK_STR(json_doc("a: * -> <loopback>; b: * -> <dynamic>; c: * -> <forward>"),
		  "[{\"id\":\"a\",\"backend\":{\"type\":\"loopback\"}},{\"id\":\"b\",\"backend\":{\"type\":\"dynamic\"}},"
		  "{\"id\":\"c\",\"backend\":{\"type\":\"forward\"}}]");
}

TEST(string_escaping)
{
	/* control bytes, quotes, HTML characters raw, invalid UTF-8, U+2028, valid UTF-8 */
	const char doc[] = "f(\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\a\x01\x7f<>&\xff\xe2\x80\xa8\xc3\xa9\xed\xa0\x80\") -> <shunt>";
	CHECK_STR(json_doc(doc), "[{\"backend\":{\"type\":\"shunt\"},\"predicates\":[{\"name\":\"f\",\"args\":"
				 "[\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0007\\u0001\x7f<>&\\ufffd\\u2028\xc3\xa9\\ufffd\\ufffd\\ufffd\"]}]}]");
}

TEST(numbers)
{
	route_table *t = route_table_new();
	route *r = route_table_add(t);
	const double v[] = { 50, -0.0, 0.5, 1e-7, 1e-6, 1e21, 1e20, 123456789012345678.0, -2.5e-10, 1.5e300, NAN, INFINITY };
	arg args[sizeof v / sizeof *v];
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		args[i] = arg_number(v[i]);
	route_add_filter(t->arena, r, "n", sizeof v / sizeof *v, args);
	CHECK_STR(json(r, 1), "[{\"filters\":[{\"name\":\"n\",\"args\":[50,-0,0.5,1e-7,0.000001,1e+21,100000000000000000000,"
			      "123456789012345680,-2.5e-10,1.5e+300,null,null]}]}]");
	route_table_free(t);
}

int main(void)
{
	RUN(spec_examples);
	RUN(omitempty_and_canonical);
	RUN(string_escaping);
	RUN(numbers);
	util_cleanup();
	return TEST_SUMMARY();
}
