/* Regression tests for inputs found by fuzzing and hostile-input testing (issue 8,
 * tests/fuzz, tests/bats/hostile.bats): each test names the bug it pins down. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "eskip/eskip.h"
#include "eskip/route.h"
#include "objects/kube_model.h"
#include "objects/kube_read.h"
#include "source/kubeconfig.h"
#include "table/served_form.h"
#include "test.h"

/* fuzz_kubeconfig: "+5:00" made rfc3339_parse step 6 bytes past a 5-byte offset and read
 * beyond the string (heap-buffer-overflow under ASan). */
TEST(rfc3339_short_offsets_are_rejected)
{
	static const char *const bad[] = { "2026-11-27T10:00:00+5:00", "2026-11-27T10:00:00+1:2", "2026-11-27T10:00:00+05:0",
					   "2026-11-27T10:00:00-0500", "2026-11-27T10:00:00+", "2026-11-27T10:00:00+05:" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		/* An exact-size heap copy, so that ASan sees a read past the end. */
		size_t n = strlen(bad[i]) + 1;
		char *s = malloc(n);
		memcpy(s, bad[i], n);
		time_t t;
		CHECK_INT(rfc3339_parse(s, &t), -1);
		free(s);
	}
	time_t t;
	CHECK_INT(rfc3339_parse("2026-11-27T12:00:00+02:00", &t), 0);
	CHECK_INT(t, 1795773600);
}

TEST(exec_credential_with_a_short_offset)
{
	const char *json = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
			   "\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"2026-11-27T10:00:00.020+5:00\"}}";
	kube_exec_credential c;
	memset(&c, 0, sizeof c);
	buf err = BUF_INIT;
	CHECK_INT(kube_exec_credential_parse(json, strlen(json), "client.authentication.k8s.io/v1", &c, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "expirationTimestamp"));
	kube_exec_credential_clear(&c);
	buf_free(&err);
}

static char *nested(const char *prefix, char open, char close, size_t n)
{
	size_t p = strlen(prefix);
	char *s = malloc(p + 2 * n + 2);
	memcpy(s, prefix, p);
	memset(s + p, open, n);
	memset(s + p + n, close, n);
	strcpy(s + p + 2 * n, "\n");
	return s;
}

/* hostile.bats: 100 000 nested YAML flow sequences kept libyaml's scanner busy for minutes
 * (its cost per token grows with the open flow levels). */
TEST(yaml_nesting_limit)
{
	char *yaml = nested("kind: Ingress\nspec: ", '[', ']', 100000);
	kube_cluster *c = kube_cluster_new();
	buf err = BUF_INIT;
	CHECK_INT(kube_read_buffer(c, yaml, strlen(yaml), "deep.yaml", NULL, NULL, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "deep.yaml:2:") && strstr(err.ptr, "exceeded max depth of 10000"));
	kube_cluster_free(c);
	buf_free(&err);
	free(yaml);
}

TEST(kubeconfig_nesting_limit)
{
	char path[] = "/tmp/test_fuzz_regressions.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	char *yaml = nested("current-context: ", '[', ']', 100000);
	CHECK(write(fd, yaml, strlen(yaml)) == (ssize_t)strlen(yaml));
	close(fd);
	kubeconfig k;
	buf err = BUF_INIT;
	CHECK_INT(kubeconfig_load(&k, path, NULL, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "exceeded max depth of 10000"));
	kubeconfig_free(&k);
	buf_free(&err);
	free(yaml);
	unlink(path);
}

/* Served form of a document (canonical, sorted); NULL if it does not parse. */
static char *served_form(const char *text, size_t len)
{
	route_table *t = route_table_new();
	buf err = BUF_INIT, out = BUF_INIT;
	char *r = NULL;
	if (eskip_parse(t, text, len, &err, NULL) == 0) {
		route_table_canonicalize(t);
		served_form_print(&out, t);
		r = strdup(out.ptr ? out.ptr : "");
	}
	route_table_free(t);
	buf_free(&err);
	buf_free(&out);
	return r;
}

/* fuzz_eskip (issue 11): the plain printer wrote an empty legacy regexp as // (skipper's
 * printer does), which the lexer reads as a comment: Host("") printed as `Host(//)` did not
 * parse back. The artifact, and the same for PathRegexp and HeaderRegexp. */
TEST(empty_legacy_regexps_print_parsably)
{
	static const char *const docs[] = {
		"r: Host(\"\") -> <shunt>;",   /* the fuzzer's artifact */
		"r: PathRegexp(\"\") && Host(/a/) -> <shunt>;",
		"r: HeaderRegexp(\"X\", \"\") && HeaderRegexp(\"X\", /b/) -> <shunt>;",
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		route_table *t = route_table_new();
		buf err = BUF_INIT;
		CHECK_INT(eskip_parse(t, docs[i], strlen(docs[i]), &err, NULL), 0);
		for (int pretty = 0; pretty <= 1; pretty++) {
			buf printed = BUF_INIT;
			eskip_print_routes(&printed, t->routes, t->n, &(eskip_print_opts){ .pretty = pretty });
			CHECK(strstr(printed.ptr, "//") == NULL);
			char *want = served_form(docs[i], strlen(docs[i])), *got = served_form(printed.ptr, printed.len);
			CHECK(want != NULL);
			CHECK_STR(got, want);
			free(want);
			free(got);
			buf_free(&printed);
		}
		route_table_free(t);
		buf_free(&err);
	}
}

/* fuzz_eskip (issue 11): an LB endpoint whose query has "zone" in it but only pairs with
 * an empty key and value (`?=&zone;`) left the decoding buffer unallocated, and the
 * re-encoding added offsets to its NULL pointer (UBSan: applying zero offset to null
 * pointer; seen under make check SANITIZE=1). */
TEST(lb_endpoint_query_of_empty_pairs)
{
	const char *doc = "r: * -> <\"http://b:2/?=&zone;x\">;";
	char *s = served_form(doc, strlen(doc));
	CHECK(s != NULL);
	CHECK_STR(s, "r: * -> <\"http://b:2/?=&zone;x\">;");
	free(s);
}

int main(void)
{
	RUN(rfc3339_short_offsets_are_rejected);
	RUN(exec_credential_with_a_short_offset);
	RUN(yaml_nesting_limit);
	RUN(kubeconfig_nesting_limit);
	RUN(empty_legacy_regexps_print_parsably);
	RUN(lb_endpoint_query_of_empty_pairs);
	return TEST_SUMMARY();
}
