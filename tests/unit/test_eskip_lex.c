/* The eskip lexer (spec A2), exercised through the public parsers. */
#include <math.h>

#include "eskip_test_util.h"
#include "test.h"

/* The arguments of the single filter in s (which must parse). */
static call *one_filter(arena *a, const char *s, size_t n)
{
	call *c = NULL;
	size_t nc = 0;
	if (eskip_parse_filters(a, s, n, &c, &nc, NULL) || nc != 1)
		return NULL;
	return c;
}

TEST(whitespace_single_bytes)
{
	/* 0x85 and 0xA0 alone are whitespace; the UTF-8 NBSP C2 A0 is not. */
	CHECK_STR(roundtrip("r:\x85*\xa0->\t\v\f\r\n<shunt>"), "r: * -> <shunt>;");
	CHECK_STR(roundtrip("\xc2\xa0* -> <shunt>"), "ERR 0: parse failed after token , position 0: unexpected token");
}

TEST(comments)
{
	CHECK_STR(roundtrip("// c\nr: * -> <shunt>; // end"), "r: * -> <shunt>;");
	CHECK_STR(roundtrip("r: * // a comment\n -> <shunt> // end\n"), "r: * -> <shunt>;");
	CHECK_STR(roundtrip("#"), "ERR 0: parse failed after token , position 0: unexpected token");
	CHECK_STR(roundtrip("//"), "");
}

TEST(punctuation_errors)
{
	CHECK_STR(parse_error("r: * & * -> <shunt>"), "parse failed after token *, last route id: r, position 5: syntax error");
	CHECK_STR(parse_error("r: * -> <shunt>; -"), "parse failed after token ;, last route id: r, position 17: unexpected token");
	CHECK_STR(parse_error("r: * -> <shunt>; /"), "parse failed after token ;, last route id: r, position 17: invalid character");
	CHECK_STR(parse_error("r: * -> <shunt>; /abc"), "parse failed after token ;, last route id: r, position 21: incomplete token");
}

TEST(fixed_backend_tokens)
{
	CHECK_STR(roundtrip("* -> <loopback>"), "* -> <loopback>");
	CHECK_STR(roundtrip("* -> <dynamic>"), "* -> <dynamic>");
	CHECK_STR(roundtrip("* -> <forward>"), "* -> <forward>");
	CHECK_STR(parse_error("* -> < shunt>"), "parse failed after token >, position 13: syntax error");
	CHECK_STR(parse_error("* -> <Shunt>"), "parse failed after token >, position 12: syntax error");
}

TEST(identifiers)
{
	CHECK_STR(filters("f(1r)"), "ERR: parse failed after token r, position 4: syntax error");
	CHECK_STR(filters("__oauth2_grant_callback()"), "__oauth2_grant_callback()");
	CHECK_STR(roundtrip("kube_ns__name______: * -> <shunt>"), "kube_ns__name______: * -> <shunt>;");
}

TEST(numbers)
{
	CHECK_STR(filters("f(0, 42, 007, 3.14, .3, -42, -.3, -0)"), "f(0, 42, 7, 3.14, 0.3, -42, -0.3, -0)");
	CHECK_STR(filters("f(123456789012345677877719597056)"), "f(123456789012345677877719597056)");
	CHECK_STR(filters("f(0.2222222222222222)"), "f(0.2222222222222222)");
	CHECK_STR(filters("f(0.1, 0.123, 0.123456789, 123456789)"), "f(0.1, 0.123, 0.123456789, 123456789)");
	arena *a = arena_new();
	call *c = one_filter(a, "f(-0, 1.2345678901234568, 9007199254740993)", 43);
	CHECK(c != NULL);
	if (c) {
		CHECK(c->args[0].num == 0 && signbit(c->args[0].num));
		CHECK(c->args[1].num == 1.2345678901234568);
		CHECK(c->args[2].num == 9007199254740992.0);   /* correctly rounded (ties to even) */
	}
	/* overflow gives +Inf, as Go ignores ParseFloat's range error */
	char big[420] = "f(1";
	memset(big + 3, '0', 400);
	strcpy(big + 403, ")");
	CHECK_STR(filters(big), "f(+Inf)");
	arena_free(a);
}

TEST(number_errors)
{
	CHECK_STR(filters("number(3.)"), "ERR: parse failed after token (, position 9: syntax error");
	CHECK(strncmp(filters("number(.3)"), "number(0.3)", 11) == 0);
	CHECK_STR(filters("number(3.14)"), "number(3.14)");
	CHECK_STR(filters("f(.)"), "ERR: parse failed after token (, position 3: syntax error");
	CHECK_STR(filters("f(1.2.3)"), "ERR: parse failed after token .3, position 7: syntax error");
	CHECK_STR(filters("f(1e5)"), "ERR: parse failed after token e5, position 5: syntax error");
	CHECK_STR(filters("f(-)"), "ERR: parse failed after token (, position 2: syntax error");
	CHECK_STR(filters("f(-.)"), "ERR: parse failed after token (, position 4: syntax error");
	CHECK_STR(filters("f(-x)"), "ERR: parse failed after token (, position 2: syntax error");
}

TEST(string_escapes)
{
	arena *a = arena_new();
	const char *src = "f(\"Line \\ \\1\\nLine 2\\r\\nLine 3\\a\\b\\f\\n\\r\\t\\v\")";
	const char want[] = "Line \\ \\1\nLine 2\r\nLine 3\a\b\f\n\r\t\v";
	call *c = one_filter(a, src, strlen(src));
	CHECK(c && c->args[0].type == ARG_STRING && c->args[0].s.len == sizeof want - 1 &&
	      memcmp(c->args[0].s.ptr, want, sizeof want - 1) == 0);

	/* backquotes process escapes too; \" keeps its backslash there, \` does not */
	c = one_filter(a, "f(`a\\`b\\\"c`)", 12);
	CHECK(c && c->args[0].s.len == 6 && memcmp(c->args[0].s.ptr, "a`b\\\"c", 6) == 0);
	/* raw newlines and any bytes are allowed inside */
	c = one_filter(a, "f(\"a\nb\xff\")", 9);
	CHECK(c && c->args[0].s.len == 4 && memcmp(c->args[0].s.ptr, "a\nb\xff", 4) == 0);
	/* \" inside "..." */
	c = one_filter(a, "f(\"\\\"\\\\\")", 9);
	CHECK(c && c->args[0].s.len == 2 && memcmp(c->args[0].s.ptr, "\"\\", 2) == 0);
	arena_free(a);

	CHECK_STR(filters("f(\"abc"), "ERR: parse failed after token (, position 6: syntax error");
	CHECK_STR(filters("f(\"abc\\\""), "ERR: parse failed after token (, position 8: syntax error");
	CHECK_STR(parse_error("r: * -> \"abc"), "parse failed after token ->, last route id: r, position 12: syntax error");
}

/* Regexp literal source → value (A2.7). */
TEST(regexp_values)
{
	static const char *const vec[][2] = {
		{ "/[/]/", "[/]" },
		{ "/[\\[]/", "[\\[]" },
		{ "/[\\]]/", "[\\]]" },
		{ "/[\\\\]/", "[\\]" },
		{ "/[\\/]/", "[/]" },
		{ "/[\"]/", "[\"]" },
		{ "/[\\\"]/", "[\\\"]" },
		{ "/\\//", "/" },
		{ "/[[:upper:]]/", "[[:upper:]]" },
		{ "/\\.html$/", "\\.html$" },
		{ "/^(\\/test1)/", "^(/test1)" },
		{ "/\\d\\n\\\\/", "\\d\\n\\" },
		{ "/[]a]/", "[]a]" },
	};
	arena *a = arena_new();
	for (size_t i = 0; i < sizeof vec / sizeof *vec; i++) {
		char src[64];
		snprintf(src, sizeof src, "f(%s)", vec[i][0]);
		call *c = one_filter(a, src, strlen(src));
		CHECK(c != NULL);
		if (c)
			CHECK_STR(c->args[0].s.ptr, vec[i][1]);
	}
	arena_free(a);
}

TEST(regexp_group_quirk)
{
	/* value \[ prints as /\\[/, which re-parses as an unterminated group */
	CHECK_STR(preds("P(/\\\\[/)"), "ERR: parse failed after token (, position 8: syntax error");
	/* the naive toggle: /[]/ ends at the first / after the first ] */
	CHECK_STR(preds("P(/[]/]/)"), "ERR: parse failed after token [], position 6: syntax error");
	/* empty regexp literal cannot be written: // is a comment */
	CHECK_STR(preds("P(//)"), "ERR: parse failed after token (, position 5: syntax error");
}

int main(void)
{
	RUN(whitespace_single_bytes);
	RUN(comments);
	RUN(punctuation_errors);
	RUN(fixed_backend_tokens);
	RUN(identifiers);
	RUN(numbers);
	RUN(number_errors);
	RUN(string_escapes);
	RUN(regexp_values);
	RUN(regexp_group_quirk);
	util_cleanup();
	return TEST_SUMMARY();
}
