/* The eskip parser: grammar (A3), entry points (A3.1), semantic pass (A4), zones (A7),
 * error messages and positions (A2.8, B13). */
#include "eskip_test_util.h"
#include "test.h"

TEST(empty_documents)
{
	const char *docs[] = { "", "   \n\t", "// only a comment", ";", ";;;", "; ;\n;// x" };
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		CHECK_STR(roundtrip(docs[i]), "");
}

TEST(document_shapes)
{
	CHECK_STR(roundtrip("r1:*-><shunt>;"), "r1: * -> <shunt>;");
	CHECK_STR(roundtrip(";;a: * -> <shunt>;;; b: * -> <shunt>;;"), "a: * -> <shunt>;\nb: * -> <shunt>;");
	CHECK_STR(roundtrip("Foo() -> <shunt>"), "Foo() -> <shunt>");
	CHECK_STR(roundtrip("* && Custom() -> <shunt>"), "Custom() -> <shunt>");
	CHECK_STR(roundtrip("A() && * && B() -> f() -> g(1) -> \"http://x\""), "A() && B() -> f() -> g(1) -> \"http://x\"");
	CHECK_STR(roundtrip("* -> <roundRobin,\"http://a\",\n \"http://b\">"), "* -> <roundRobin, \"http://a\", \"http://b\">");
	CHECK_STR(roundtrip("* -> <\"http://a\">"), "* -> <\"http://a\">");
}

TEST(grammar_errors)
{
	/* a lone route only as the whole document */
	CHECK_STR(parse_error("* -> <shunt>;"), "parse failed after token ;, position 13: syntax error");
	CHECK_STR(parse_error("; * -> <shunt>"), "parse failed after token *, position 3: syntax error");
	/* missing ';' between definitions */
	CHECK_STR(parse_error("a: * -> <shunt> b: * -> <shunt>"),
		  "parse failed after token b, last route id: a, position 17: syntax error");
	/* predicates need parentheses, routes need a backend */
	CHECK_STR(parse_error("a: Foo -> <shunt>"), "parse failed after token ->, last route id: a, position 9: syntax error");
	CHECK_STR(parse_error("a: * -> f()"), "parse failed after token ), last route id: a, position 11: syntax error");
	CHECK_STR(parse_error("a: -> <shunt>"), "parse failed after token ->, last route id: a, position 5: syntax error");
	/* symbols are not arguments */
	CHECK_STR(parse_error("a: F(x) -> <shunt>"), "parse failed after token x, last route id: a, position 6: syntax error");
	/* after a ';' a symbol is always a route id, even before '(' */
	CHECK_STR(parse_error("a: * -> <shunt>; Foo() -> <shunt>"),
		  "parse failed after token (, last route id: Foo, position 21: syntax error");
	/* the first symbol becomes the route id for every lookahead but '(' */
	CHECK_STR(parse_error("foo bar"), "parse failed after token bar, last route id: foo, position 7: syntax error");
	CHECK_STR(parse_error("foo#"), "parse failed after token foo, last route id: foo, position 3: syntax error");
	CHECK_STR(parse_error("x: * -> <shunt>; y#"), "parse failed after token y, last route id: y, position 18: syntax error");
}

TEST(args_leading_comma_quirk)
{
	CHECK_STR(filters("f(, \"a\", \"b\")"), "f(\"a\", \"b\")");
	CHECK_STR(filters("f(,1)"), "f(1)");
	CHECK_STR(filters("f(,)"), "ERR: parse failed after token ), position 4: syntax error");
	CHECK_STR(filters("f(\"a\",)"), "ERR: parse failed after token ), position 7: syntax error");
	CHECK_STR(filters("f(,,\"a\")"), "ERR: parse failed after token ,, position 4: syntax error");
	CHECK_STR(filters("f()"), "f()");
}

TEST(lb_backend_errors)
{
	CHECK_STR(parse_error("* -> <>"), "parse failed after token >, position 7: syntax error");
	CHECK_STR(parse_error("* -> <   >"), "parse failed after token >, position 10: syntax error");
	CHECK_STR(parse_error("* -> <roundRobin>"), "parse failed after token >, position 17: syntax error");
	CHECK_STR(parse_error("* -> <roundRobin, \"a\" \"b\">"), "parse failed after token b, position 25: syntax error");
}

/* The vectors of A2.8. */
TEST(error_message_vectors)
{
	CHECK_STR(roundtrip("fooId: * -> #"), "ERR 12: parse failed after token ->, last route id: fooId, position 12: syntax error");
	CHECK_STR(parse_error("r1: Path(\"/foo\") -> <shunt>; r2: Path(\"/bar\") -> #"),
		  "parse failed after token ->, last route id: r2, position 49: syntax error");
	CHECK_STR(roundtrip("* -> #"), "ERR 5: parse failed after token ->, position 5: syntax error");
	CHECK_STR(roundtrip("* -> <shunt> #"), "ERR 13: parse failed after token <shunt>, position 13: unexpected token");
	CHECK_STR(filters("trallala"), "ERR: parse failed after token trallala, position 8: syntax error");
	CHECK_STR(filters("foo-bar"), "ERR: parse failed after token foo, position 3: syntax error");
	CHECK_STR(preds("not predicates"), "ERR: parse failed after token predicates, position 14: syntax error");
	CHECK_STR(preds("Header#"), "ERR: parse failed after token Header, position 6: syntax error");
	/* a lexer error after an accepted document survives */
	CHECK_STR(filters("foo() #"), "ERR: parse failed after token ), position 6: unexpected token");
}

TEST(predicate_and_filter_lists)
{
	CHECK_STR(preds("*"), "null");
	CHECK_STR(preds(""), "null");
	CHECK_STR(preds(" \t\n"), "null");
	CHECK_STR(preds("Foo(-.3)"), "Foo(-0.3)");
	CHECK_STR(preds("///"), "null");
	CHECK_STR(preds("//\x01\xff\xfe\" abc("), "null");
	CHECK_STR(preds("* && Any() && Path(\"/a\") && Foo(/x/)"), "Any() | Path(\"/a\") | Foo(\"x\")");
	CHECK_STR(preds("A() B()"), "ERR: parse failed after token B, position 5: syntax error");
	CHECK_STR(preds("A() -> B()"), "ERR: parse failed after token ->, position 6: syntax error");
	CHECK_STR(filters(""), "null");
	CHECK_STR(filters("// x"), "null");
	CHECK_STR(filters("a() -> b(1, \"2\") -> c()"), "a() | b(1, \"2\") | c()");
	CHECK_STR(filters("a() ->"), "ERR: parse failed after token ->, position 6: syntax error");
	CHECK_STR(filters("a() && b()"), "ERR: parse failed after token &&, position 6: syntax error");
}

TEST(unicode_trim)
{
	/* U+3000 and U+2028 at the ends, then positions count from the trimmed text */
	CHECK_STR(preds("\xe3\x80\x80 Foo() \xe2\x80\xa8"), "Foo()");
	CHECK_STR(preds("\xe3\x80\x80 Header#"), "ERR: parse failed after token Header, position 6: syntax error");
	CHECK_STR(filters("\xc2\xa0\xc2\x85\xe1\x9a\x80\xe2\x80\x8a\xe2\x80\xaf\xe2\x81\x9f foo-bar"),
		  "ERR: parse failed after token foo, position 3: syntax error");
	/* a lone 0xA0 byte is not a rune, so not trimmed, but the lexer skips it */
	CHECK_STR(filters("\xa0" "f()\xa0"), "f()");
	/* only at the ends: U+3000 inside is an unexpected byte */
	CHECK_STR(filters("f() \xe3\x80\x80 -> g()"), "ERR: parse failed after token ), position 4: unexpected token");
}

TEST(legacy_fields)
{
	route_table *t = parse_table("r: Path(\"/p\") && Host(/h1/) && Host(\"h2\") && PathRegexp(/^\\/x/) && Method(\"GET\") && "
				     "Header(\"A\", \"1\") && HeaderRegexp(\"B\", /2/) && HeaderRegexp(\"B\", /1/) && "
				     "Weight(50) && Any() && * && PathSubtree(\"/s\") -> f() -> \"http://b\"");
	CHECK(t != NULL);
	if (!t)
		return;
	const route *r = &t->routes[0];
	CHECK_STR(r->id.ptr, "r");
	CHECK_STR(r->path.ptr, "/p");
	CHECK_INT(r->nhost_regexps, 2);
	CHECK_STR(r->host_regexps[1].ptr, "h2");
	CHECK_INT(r->npath_regexps, 1);
	CHECK_STR(r->path_regexps[0].ptr, "^/x");
	CHECK_STR(r->method.ptr, "GET");
	CHECK_INT(r->nheaders, 1);
	CHECK_INT(r->nheader_regexps, 2);
	CHECK_STR(r->header_regexps[0].value.ptr, "2");   /* source order per name */
	CHECK_INT(r->npredicates, 2);
	CHECK_STR(r->predicates[0].name.ptr, "Weight");
	CHECK(r->predicates[0].args[0].type == ARG_NUMBER && r->predicates[0].args[0].num == 50.0);
	CHECK_STR(r->predicates[1].name.ptr, "PathSubtree");
	CHECK_INT(r->nfilters, 1);
	CHECK_INT(r->backend_type, BACKEND_NETWORK);
	CHECK_STR(r->backend.ptr, "http://b");
	CHECK(!r->shunt);
	route_table_free(t);

	t = parse_table("route: Any() -> <shunt>; // some comment");
	CHECK(t && t->n == 1 && t->routes[0].npredicates == 0 && t->routes[0].shunt &&
	      t->routes[0].backend_type == BACKEND_SHUNT);
	route_table_free(t);
	t = parse_table("* -> <roundRobin, \"http://a\">");
	CHECK(t && t->n == 1 && t->routes[0].id.len == 0 && t->routes[0].backend_type == BACKEND_LB &&
	      str_eq_c(t->routes[0].lb_algorithm, "roundRobin") && t->routes[0].nendpoints == 1);
	route_table_free(t);
}

/* Deviation: Path("") and Method("") stay generic (skipper loses them). */
TEST(empty_path_stays_generic)
{
	CHECK_STR(roundtrip("Path(\"\") && Host(/x/) -> <shunt>"), "Host(/x/) && Path(\"\") -> <shunt>");
	CHECK_STR(roundtrip("Method(\"\") -> <shunt>"), "Method(\"\") -> <shunt>");
	CHECK_STR(parse_error("Path(\"\") && Path(\"/x\") -> <shunt>"), "duplicate path tree predicate");
}

TEST(semantic_errors)
{
	CHECK_STR(roundtrip("Method(\"GET\", \"POST\") -> <shunt>"),
		  "ERR -1: invalid route \"\": Method predicate expects 1 string argument");
	CHECK_STR(parse_error("foo: Path(\"/endpoint\") && Header(\"Foo\") -> <shunt>;"),
		  "invalid route \"foo\": Header predicate expects 2 string arguments");
	CHECK_STR(parse_error("Path(\"/one\") && Path(\"/two\") -> <shunt>"), "duplicate path tree predicate");
	CHECK_STR(parse_error("Method(\"HEAD\") && Method(\"GET\") -> <shunt>"), "duplicate method predicate");
	CHECK_STR(parse_error("Header(\"a\", \"1\") && Header(\"a\", \"2\") -> <shunt>"), "duplicate header predicate: a");
	CHECK_STR(parse_error("r: Path(1) -> <shunt>"), "invalid route \"r\": Path predicate expects 1 string argument");
	CHECK_STR(parse_error("r: Host() -> <shunt>"), "invalid route \"r\": Host predicate expects 1 string argument");
	CHECK_STR(parse_error("r: PathRegexp(\"a\", \"b\") -> <shunt>"),
		  "invalid route \"r\": PathRegexp predicate expects 1 string argument");
	CHECK_STR(parse_error("r: HeaderRegexp(\"a\", 1) -> <shunt>"),
		  "invalid route \"r\": HeaderRegexp predicate expects 2 string arguments");
	/* the duplicate check comes before the argument check */
	CHECK_STR(parse_error("Path(\"/a\") && Path(1) -> <shunt>"), "duplicate path tree predicate");
	/* an invalid first occurrence is the error */
	CHECK_STR(parse_error("Path(1) && Path(\"/a\") -> <shunt>"), "invalid route \"\": Path predicate expects 1 string argument");
	/* names are case-sensitive: path() is generic */
	CHECK_STR(roundtrip("path(1) && Path(\"/a\") -> <shunt>"), "Path(\"/a\") && path(1) -> <shunt>");
	/* the first failing route in document order */
	CHECK_STR(parse_error("a: Path(1) -> <shunt>; b: Method(1) -> <shunt>"),
		  "invalid route \"a\": Path predicate expects 1 string argument");
}

TEST(error_precedence)
{
	/* a syntax error later in the document wins over a semantic error */
	CHECK_STR(parse_error("a: Path(1) -> <shunt>; b: * -> #"),
		  "parse failed after token ->, last route id: b, position 31: syntax error");
	/* so does a lexer error the grammar accepted as end of input */
	CHECK_STR(parse_error("a: Path(1) -> <shunt>; #"),
		  "parse failed after token ;, last route id: a, position 23: unexpected token");
}

TEST(lb_endpoint_validation)
{
	CHECK_STR(parse_error("* -> <roundRobin, \"http://localhost:80\", \"fastcgi://localhost:80\">"),
		  "loadbalancer endpoints cannot have mixed protocols");
	CHECK_STR(parse_error("* -> <\"http://a\", \"/b\">"), "loadbalancer endpoints cannot have mixed protocols");
	/* a path-only endpoint has no scheme and disables the check for the next one */
	CHECK_STR(parse_error("* -> <\"/a\", \"fastcgi://b\">"), "");
	CHECK_STR(parse_error("* -> <\"HTTP://a\", \"http://b\">"), "");
	CHECK_STR(parse_error("* -> <\"foo\">"), "parse \"foo\": invalid URI for request");
	CHECK_STR(parse_error("* -> <\"\">"), "parse \"\": empty url");
	CHECK_STR(parse_error("* -> <\":foo\">"), "parse \":foo\": missing protocol scheme");
	CHECK_STR(parse_error("* -> <\"http://a b\">"), "parse \"http://a b\": invalid character \" \" in host name");
	CHECK_STR(parse_error("* -> <\"http://a:x\">"), "parse \"http://a:x\": invalid port \":x\" after host");
	CHECK_STR(parse_error("* -> <\"http://[::1\">"), "parse \"http://[::1\": missing ']' in host");
	CHECK_STR(parse_error("* -> <\"http://a/%zz\">"), "parse \"http://a/%zz\": invalid URL escape \"%zz\"");
	CHECK_STR(parse_error("* -> <\"http://a/%4\">"), "parse \"http://a/%4\": invalid URL escape \"%4\"");
	CHECK_STR(parse_error("* -> <\"http://a\\tb\">"), "parse \"http://a\\tb\": net/url: invalid control character in URL");
	CHECK_STR(parse_error("* -> <\"http://u s@a\">"), "parse \"http://u s@a\": net/url: invalid userinfo");
	CHECK_STR(parse_error("* -> <\"http://[::1]:80\", \"http://u:p@a:1/x?y#z\">"), "");
	CHECK_STR(parse_error("* -> <\"mailto:x\">"), "");
	/* the error is returned as is, not wrapped in "invalid route" */
	CHECK_STR(parse_error("r: * -> <\"x\">"), "parse \"x\": invalid URI for request");
	/* network backends are not validated */
	CHECK_STR(parse_error("* -> \"not a url\""), "");
}

static const lb_endpoint *endpoint(route_table *t, size_t i) { return t && t->n ? &t->routes[0].endpoints[i] : NULL; }

TEST(zone_extraction)
{
	route_table *t = parse_table("* -> <\"http://10.0.0.1:8080?zone=eu-central-1a\", \"http://a?x=1&zone=z&b=2+3&zone=q\", "
				     "\"http://a?zone=\", \"HTTP://a/p?zone=a%20b\", \"http://b:1\">");
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_STR(endpoint(t, 0)->address.ptr, "http://10.0.0.1:8080");
	CHECK_STR(endpoint(t, 0)->zone.ptr, "eu-central-1a");
	CHECK_STR(endpoint(t, 1)->address.ptr, "http://a?b=2+3&x=1");
	CHECK_STR(endpoint(t, 1)->zone.ptr, "z");
	CHECK_STR(endpoint(t, 2)->address.ptr, "http://a?zone=");
	CHECK_STR(endpoint(t, 2)->zone.ptr, "");
	CHECK_STR(endpoint(t, 3)->address.ptr, "http://a/p");
	CHECK_STR(endpoint(t, 3)->zone.ptr, "a b");
	CHECK_STR(endpoint(t, 4)->address.ptr, "http://b:1");
	buf out = BUF_INIT;
	eskip_print_endpoint(&out, endpoint(t, 3));
	CHECK_STR(out.ptr, "http://a/p?zone=a+b");
	buf_reset(&out);
	eskip_print_endpoint(&out, endpoint(t, 1));
	CHECK_STR(out.ptr, "http://a?b=2+3&x=1?zone=z");   /* quirk: two '?' */
	buf_free(&out);
	route_table_free(t);
	t = parse_table("* -> <\"/p?zone=z#frag\", \"/q?zone=#x\">");
	CHECK(t != NULL);
	CHECK_STR(endpoint(t, 0)->address.ptr, "/p#frag");
	CHECK_STR(endpoint(t, 0)->zone.ptr, "z");
	CHECK_STR(endpoint(t, 1)->address.ptr, "/q?zone=#x");
	route_table_free(t);
	CHECK_STR(roundtrip("* -> <random, \"http://127.0.0.1:9997?zone=eu-central-1a\", \"http://127.0.0.1:9998?zone=eu-central-1b\">"),
		  "* -> <random, \"http://127.0.0.1:9997?zone=eu-central-1a\", \"http://127.0.0.1:9998?zone=eu-central-1b\">");
}

TEST(table_restored_on_error)
{
	route_table *t = route_table_new();
	const char *ok = "a: * -> <shunt>";
	const char *bad = "b: * -> <shunt>; c: * -> #";
	const char *semantic = "b: * -> <shunt>; c: Path(1) -> <shunt>";
	CHECK_INT(eskip_parse(t, ok, strlen(ok), NULL, NULL), 0);
	CHECK_INT(t->n, 1);
	long pos = 0;
	CHECK_INT(eskip_parse(t, bad, strlen(bad), NULL, &pos), -1);
	CHECK_INT(pos, 25);
	CHECK_INT(t->n, 1);
	CHECK_INT(eskip_parse(t, semantic, strlen(semantic), NULL, &pos), -1);
	CHECK_INT(pos, -1);
	CHECK_INT(t->n, 1);
	CHECK_INT(eskip_parse(t, ok, strlen(ok), NULL, NULL), 0);
	CHECK_INT(t->n, 2);
	route_table_free(t);
}

TEST(duplicate_ids_accepted)
{
	CHECK_STR(roundtrip("a: * -> <shunt>; a: * -> <loopback>"), "a: * -> <shunt>;\na: * -> <loopback>;");
}

/* Thousands of routes of uneven size appended to a non-empty table (the table grows once
 * by an estimate after 64 routes; the estimate must never lose or reorder routes). */
TEST(big_document)
{
	buf doc = BUF_INIT;
	for (int i = 0; i < 3000; i++) {
		buf_printf(&doc, "r%d: Path(\"/%d\")", i, i);
		for (int k = 0; k < (i < 100 ? 0 : i % 9); k++)
			buf_printf(&doc, " && P%d(\"%0*d\")", k, 40 * k, k);
		buf_puts(&doc, " -> <shunt>;\n");
	}
	route_table *t = parse_table("first: * -> <shunt>");
	CHECK_INT(eskip_parse(t, doc.ptr, doc.len, NULL, NULL), 0);
	CHECK_INT(t->n, 3001);
	bool ok = str_eq_c(t->routes[0].id, "first");
	for (int i = 0; i < 3000 && ok; i++) {
		char id[16];
		snprintf(id, sizeof id, "r%d", i);
		ok = str_eq_c(t->routes[i + 1].id, id) && t->routes[i + 1].npredicates == (size_t)(i < 100 ? 0 : i % 9);
	}
	CHECK(ok);
	buf_free(&doc);
	route_table_free(t);
}

int main(void)
{
	RUN(empty_documents);
	RUN(document_shapes);
	RUN(grammar_errors);
	RUN(args_leading_comma_quirk);
	RUN(lb_backend_errors);
	RUN(error_message_vectors);
	RUN(predicate_and_filter_lists);
	RUN(unicode_trim);
	RUN(legacy_fields);
	RUN(empty_path_stays_generic);
	RUN(semantic_errors);
	RUN(error_precedence);
	RUN(lb_endpoint_validation);
	RUN(zone_extraction);
	RUN(table_restored_on_error);
	RUN(duplicate_ids_accepted);
	RUN(big_document);
	util_cleanup();
	return TEST_SUMMARY();
}
