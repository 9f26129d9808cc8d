/* Unit tests: json_scan (strict validation agrees with RFC 8259 and with jq on the texts
 * both accept or refuse; walkers) and kube_fetch_result_write_list (textual splice, order,
 * one-line errors naming the URL). */
#include <jv.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"
#include "source/kube_client.h"
#include "test.h"

/* The whole text is exactly one valid JSON value (surrounding whitespace allowed). */
static bool valid(const char *s)
{
	json_error e = { NULL, NULL };
	const char *end = s + strlen(s);
	const char *p = json_check_value(s, end, &e);
	return p && json_skip_ws(p, end) == end;
}

static bool jq_valid(const char *s)
{
	jv v = jv_parse(s);
	bool ok = jv_is_valid(v);
	jv_free(v);
	return ok;
}

TEST(valid_json)
{
	static const char *const ok[] = {
		"{}", "[]", " { } ", "0", "-0", "1.5e+10", "-12.0E-3", "true", "false", "null", "\"\"",
		"\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"", "\"\xc3\xa9 utf-8\"",
		"{\"a\":[1,{\"b\":null},\"c\"],\"d\":{}}", "[[[[]]]]", "{\"items\":[{\"metadata\":{\"name\":\"x\"}}]}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		CHECK(valid(ok[i]));
		CHECK(jq_valid(ok[i]));
	}
}

TEST(invalid_json)
{
	static const char *const bad[] = {
		"", "{", "[", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "{\"a\" 1}",
		"{a:1}", "{\"a\":1]", "[1}", "\"abc", "\"a\\x\"", "\"\\u12\"", "\"\\u12g4\"", "01", "1.", ".5", "-",
		"1e", "1e+", "tru", "nul", "falsey", "+1", "[1 2]", "{\"a\":1 \"b\":2}", "\"a\tb\"", "\"a\nb\"",
		"{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"x\"", "<html>this is not JSON</html>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (valid(bad[i]))
			printf("  accepted: %s\n", bad[i]);
		CHECK(!valid(bad[i]));
	}
}

/* Strings are scanned 16 bytes at a time: a special byte at every offset of a long string. */
TEST(long_strings_every_offset)
{
	char s[64];
	for (size_t at = 1; at < 40; at++) {
		memset(s, 'a', sizeof s);
		s[0] = '"';
		s[50] = '"';
		s[51] = 0;
		CHECK(valid(s));
		s[at] = '\n';
		CHECK(!valid(s));
		s[at] = '"';
		CHECK(!valid(s));             /* the string ends early, "aaa" follows */
		s[at] = '\\';
		CHECK(!valid(s));             /* "\\a" is no escape */
		s[at] = (char)0xe9;
		CHECK(valid(s));              /* bytes above 0x7f are not checked as UTF-8 */
	}
}

TEST(errors_point_at_the_problem)
{
	const char *s = "{\"a\":[1,2,x]}";
	json_error e = { NULL, NULL };
	CHECK(json_check_value(s, s + strlen(s), &e) == NULL);
	CHECK_INT(e.at - s, 10);
	CHECK_STR(e.reason, "expected a value");
	const char *cut = "{\"a\":\"bc";
	CHECK(json_check_value(cut, cut + strlen(cut), &e) == NULL);
	CHECK_STR(e.reason, "unterminated string");
}

TEST(depth_limit_as_jq)
{
	char deep[2 * JSON_MAX_DEPTH + 3];
	for (size_t depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
		memset(deep, '[', depth);
		memset(deep + depth, ']', depth);
		deep[2 * depth] = 0;
		CHECK_INT(valid(deep), depth <= JSON_MAX_DEPTH);
		CHECK_INT(jq_valid(deep), depth <= JSON_MAX_DEPTH);
	}
}

TEST(walk_object_members)
{
	const char *s = "{ \"a\" : 1 , \"b\" : {\"c\":[true]} }";
	json_error e;
	json_walk w;
	const char *k, *ke;
	CHECK_INT(json_object_begin(&w, s, s + strlen(s), 0, &e), 0);
	CHECK_INT(json_object_next(&w, &k, &ke), 1);
	CHECK_INT(ke - k, 3);
	CHECK(json_walk_value(&w));
	CHECK_INT(json_object_next(&w, &k, &ke), 1);
	json_walk in;
	CHECK_INT(json_object_begin(&in, w.p, w.end, w.depth, &e), 0);
	CHECK_INT(json_object_next(&in, &k, &ke), 1);
	CHECK(json_walk_value(&in));
	CHECK_INT(json_object_next(&in, &k, &ke), 0);
	w.p = in.p;
	CHECK_INT(json_object_next(&w, &k, &ke), 0);
	CHECK_STR(w.p, "");
}

/* A fetch result of one list with the given pages. */
static kube_fetch_result one_list(kube_list_id id, const char *kind, const char *api_version, const char *const *pages,
				  size_t n)
{
	kube_fetch_result r;
	memset(&r, 0, sizeof r);
	kube_list *l = &r.lists[id];
	l->kind = kind;
	l->api_version = api_version;
	l->fetched = true;
	l->pages = calloc(n, sizeof *l->pages);
	l->urls = calloc(n, sizeof *l->urls);
	for (size_t i = 0; i < n; i++) {
		buf_puts(&l->pages[i], pages[i]);
		l->urls[i] = strdup("http://api/x");
	}
	l->npages = n;
	return r;
}

static char *write_list(kube_fetch_result *r, char **err)
{
	buf out = BUF_INIT, e = BUF_INIT;
	int rc = kube_fetch_result_write_list(r, &out, &e);
	kube_fetch_result_free(r);
	*err = rc == 0 ? NULL : buf_steal(&e, NULL);
	buf_free(&e);
	if (rc != 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out, NULL);
}

TEST(write_list_splices_kind_and_sorts)
{
	static const char *const pages[] = {
		"{\"kind\":\"ServiceList\",\"metadata\":{\"continue\":\"x\"},\"items\":[{\"metadata\":{\"namespace\":\"b\","
		"\"name\":\"a\"},\"spec\":{}},{}]}",
		" {\"items\" : [ {\"metadata\":{\"name\":\"z\",\"namespace\":\"a\"}}, {\"metadata\":{\"name\":\"n\"}} ], \"kind\":\"ServiceList\"} \n",
	};
	kube_fetch_result r = one_list(KUBE_LIST_SERVICES, "Service", "v1", pages, 2);
	char *err, *out = write_list(&r, &err);
	CHECK_STR(out, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n"
		       "{\"kind\":\"Service\",\"apiVersion\":\"v1\"}"
		       ",\n{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"}}"
		       ",\n{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"z\",\"namespace\":\"a\"}}"
		       ",\n{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"namespace\":\"b\",\"name\":\"a\"},"
		       "\"spec\":{}}\n]}\n");
	CHECK(jq_valid(out));
	free(out);
	free(err);
}

TEST(write_list_refuses_broken_bodies)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "{\"items\":[{\"metadata\":{\"name\":\"x\"", "GET http://api/x: invalid JSON at byte 33 of 33: "
							    "unexpected end of input" },
		{ "<html>", "GET http://api/x: invalid JSON at byte 0 of 6: expected a value" },
		{ "", "GET http://api/x: invalid JSON at byte 0 of 0: unexpected end of input" },
		{ "[]", "GET http://api/x: the response is not a JSON object" },
		{ "{\"items\":{}}", "GET http://api/x: items is not a list" },
		{ "{\"items\":[{},1]}", "GET http://api/x: items[1] is not an object" },
		{ "{\"items\":[]} x", "GET http://api/x: invalid JSON at byte 13 of 14: unexpected data after the object" },
		{ "{\"items\":[{\"a\":01}]}", "GET http://api/x: invalid JSON at byte 16 of 20: expected ',' or '}'" },
		/* issue 11: only a list of the requested kind counts */
		{ "{}", "GET http://api/x: the response is not an IngressList (no kind)" },
		{ "{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":500}", "GET http://api/x: the response is not an IngressList (kind \"Status\")" },
		{ "{\"kind\":\"ServiceList\",\"items\":[]}", "GET http://api/x: the response is not an IngressList (kind \"ServiceList\")" },
		{ "{\"items\":[]}", "GET http://api/x: the response is not an IngressList (no kind)" },
		{ "{\"kind\":\"IngressList\",\"items\":null}", "GET http://api/x: the IngressList has no items array (missing or null)" },
		{ "{\"kind\":\"IngressList\"}", "GET http://api/x: the IngressList has no items array (missing or null)" },
		{ "{\"kind\":\"IngressList\",\"items\":[],\"items\":null}", "GET http://api/x: the IngressList has no items array (missing or null)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		kube_fetch_result r = one_list(KUBE_LIST_INGRESSES, "Ingress", "networking.k8s.io/v1", &cases[i].body, 1);
		char *err, *out = write_list(&r, &err);
		CHECK(out == NULL);
		buf want = BUF_INIT;
		buf_printf(&want, "failed to load cluster state: %s", cases[i].want);
		CHECK_STR(err, want.ptr);
		buf_free(&want);
		free(err);
		free(out);
	}
}

TEST(write_list_empty_items)
{
	static const char *const pages[] = { "{\"kind\":\"IngressList\",\"items\":[]}", "{\"items\":[],\"kind\":\"IngressList\"}" };
	kube_fetch_result r = one_list(KUBE_LIST_INGRESSES, "Ingress", "networking.k8s.io/v1", pages, 2);
	char *err, *out = write_list(&r, &err);
	CHECK_STR(out, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n]}\n");
	free(out);
	free(err);
}

int main(void)
{
	RUN(valid_json);
	RUN(invalid_json);
	RUN(long_strings_every_offset);
	RUN(errors_point_at_the_problem);
	RUN(depth_limit_as_jq);
	RUN(walk_object_members);
	RUN(write_list_splices_kind_and_sorts);
	RUN(write_list_refuses_broken_bodies);
	RUN(write_list_empty_items);
	return TEST_SUMMARY();
}
