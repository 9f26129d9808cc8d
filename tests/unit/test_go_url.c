/* go_url: the one URL parser behind url.Parse (RouteGroup backends) and url.ParseRequestURI
 * (eskip LB endpoints) — where the two entry points differ, and rules they share. */
#include "go/go_url.h"
#include "test.h"

static const char *request_error(const char *s)
{
	static buf err = BUF_INIT;
	buf_reset(&err);
	go_url u;
	return go_url_parse_request_uri(str_c(s), &u, &err) == 0 ? NULL : err.ptr;
}

static const char *parse_error(const char *s)
{
	static buf err = BUF_INIT;
	buf_reset(&err);
	arena *a = arena_new();
	go_url u;
	int rc = go_url_parse(a, str_c(s), &u, &err);
	arena_free(a);
	return rc == 0 ? NULL : err.ptr;
}

TEST(request_uri_rejects_what_parse_accepts)
{
	CHECK_STR(request_error(""), "parse \"\": empty url");
	CHECK_STR(parse_error(""), NULL);
	CHECK_STR(request_error("a/b"), "parse \"a/b\": invalid URI for request");
	CHECK_STR(parse_error("a/b"), NULL);
	/* no fragment split for a request URI: '#' is a host byte Go refuses */
	CHECK_STR(request_error("http://h#f"), "parse \"http://h#f\": invalid character \"#\" in host name");
	CHECK_STR(parse_error("http://h#f"), NULL);
}

TEST(request_uri_without_scheme_has_no_authority)
{
	go_url u;
	buf err = BUF_INIT;
	CHECK_INT(go_url_parse_request_uri(str_c("//h:x/p"), &u, &err), 0);   /* a path */
	CHECK_INT((int)u.host.len, 0);
	CHECK_STR(parse_error("//h:x/p"), "parse \"//h:x/p\": invalid port \":x\" after host");
	buf_free(&err);
}

TEST(shared_rules)
{
	/* ports from the first colon (Go 1.26+), the same text for both entry points */
	CHECK_STR(request_error("http://a:1:2"), "parse \"http://a:1:2\": invalid port \":1:2\" after host");
	CHECK_STR(parse_error("http://a:1:2"), "parse \"http://a:1:2\": invalid port \":1:2\" after host");
	CHECK_STR(request_error("http://a b"), "parse \"http://a b\": invalid character \" \" in host name");
	CHECK_STR(request_error("http://u\xc3\xa9@h"), "parse \"http://u\xc3\xa9@h\": net/url: invalid userinfo");
	CHECK_STR(request_error("http://a%2Eb"), "parse \"http://a%2Eb\": invalid URL escape \"%2E\"");
	CHECK_STR(request_error(":x"), "parse \":x\": missing protocol scheme");
}

/* Go's unescape(encodeZone): an escape in an IPv6 zone may only stand for a byte a host
 * could hold as written, or a space. */
TEST(zone_escapes)
{
	CHECK_STR(request_error("http://[fe80::1%25en0]:80"), NULL);
	CHECK_STR(request_error("http://[fe80::1%25a%20b]"), NULL);
	CHECK_STR(request_error("http://[fe80::1%25a%41]"), NULL);
	CHECK_STR(request_error("http://[fe80::1%25a%00]"), "parse \"http://[fe80::1%25a%00]\": invalid URL escape \"%00\"");
	CHECK_STR(request_error("http://[fe80::1%25%C3%A9]"), "parse \"http://[fe80::1%25%C3%A9]\": invalid URL escape \"%C3\"");
	CHECK_STR(parse_error("http://[fe80::1%25%C3%A9]"), "parse \"http://[fe80::1%25%C3%A9]\": invalid URL escape \"%C3\"");
}

TEST(request_uri_keeps_scheme_and_host_as_written)
{
	go_url u;
	buf err = BUF_INIT;
	CHECK_INT(go_url_parse_request_uri(str_c("HTTP://A%2541b:8/p?q=1"), &u, &err), 0);
	CHECK(str_eq_c(u.scheme, "HTTP"));
	CHECK(str_eq_c(u.host, "A%2541b:8"));
	CHECK(str_eq_c(u.raw_query, "q=1"));
	CHECK(u.has_path);
	arena *a = arena_new();
	CHECK_INT(go_url_parse(a, str_c("HTTP://A%2541b:8/p?q=1"), &u, &err), 0);
	CHECK(str_eq_c(u.scheme, "http"));
	CHECK(str_eq_c(u.host, "A%41b:8"));
	arena_free(a);
	buf_free(&err);
}

int main(void)
{
	RUN(request_uri_rejects_what_parse_accepts);
	RUN(request_uri_without_scheme_has_no_authority);
	RUN(shared_rules);
	RUN(zone_escapes);
	RUN(request_uri_keeps_scheme_and_host_as_written);
	return TEST_SUMMARY();
}
