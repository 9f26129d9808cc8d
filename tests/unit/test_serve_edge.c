/* Tests for the server edge: shard JSON (shards.c), bearer tokens (access_tokens.c) and the
 * route-server filter chain (route_server_filters.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/access_tokens.h"
#include "objects/kube_read.h"
#include "http/route_server_filters.h"
#include "http/shards.h"
#include "test.h"
#include "kube_test_util.h"


static void check_shards(const char *yaml, bool slices, const char *ns, const char *want, size_t want_count)
{
	kube_cluster *c = kube_test_cluster(yaml);
	buf out = BUF_INIT;
	size_t count = 99;
	shards_json(&out, c, ns, "redis", 6379, slices, &count);
	CHECK_STR(out.ptr, want);
	CHECK_INT(count, want_count);
	buf_free(&out);
	kube_cluster_free(c);
}

TEST(shards_from_endpoints)
{
	const char *y = "apiVersion: v1\nkind: Endpoints\nmetadata: {namespace: ns, name: redis}\n"
			"subsets:\n- addresses: [{ip: 10.2.55.7}, {ip: 10.2.5.70}]\n- addresses: [{ip: 10.2.5.7}, {ip: 'fd00::1'}]\n";
	/* Sorted as IPs (10.2.5.7 before 10.2.5.70), IPv6 in brackets. */
	check_shards(y, false, "ns",
		     "{\"endpoints\":[{\"address\":\"10.2.5.7:6379\"},{\"address\":\"10.2.5.70:6379\"},"
		     "{\"address\":\"10.2.55.7:6379\"},{\"address\":\"[fd00::1]:6379\"}]}", 4);
	check_shards(y, false, "other", "{\"endpoints\":[]}", 0);
	check_shards(y, true, "ns", "{\"endpoints\":[]}", 0);   /* slices mode reads slices only */
	/* Without a namespace an Endpoints object is in "default". */
	check_shards("apiVersion: v1\nkind: Endpoints\nmetadata: {name: redis}\nsubsets: [{addresses: [{ip: 1.2.3.4}]}]\n",
		     false, "default", "{\"endpoints\":[{\"address\":\"1.2.3.4:6379\"}]}", 1);
}

TEST(shards_from_slices)
{
	const char *y = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
			"metadata: {namespace: ns, name: a, labels: {kubernetes.io/service-name: redis}}\n"
			"ports: [{port: 6379}]\nendpoints:\n"
			"- addresses: [10.0.0.2]\n  conditions: {ready: false}\n"
			"- addresses: [10.0.0.1]\n"
			"- addresses: [10.0.0.3]\n  conditions: {ready: true}\n"
			"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
			"metadata: {namespace: ns, name: b, labels: {kubernetes.io/service-name: redis}}\n"
			"ports: [{port: 6379}]\nendpoints:\n"
			"- addresses: [10.0.0.2]\n  conditions: {ready: true}\n"
			"- addresses: [10.0.0.3]\n  conditions: {ready: true, terminating: true}\n"
			"- addresses: [10.0.0.1]\n"
			"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
			"metadata: {namespace: ns, name: c, labels: {kubernetes.io/service-name: redis}}\n"
			"endpoints:\n- addresses: [10.0.0.9]\n";
	/* .2 ready in one slice; .3 terminating in one; .1 once per slice; c has no ports. */
	check_shards(y, true, "ns", "{\"endpoints\":[{\"address\":\"10.0.0.1:6379\"},{\"address\":\"10.0.0.2:6379\"}]}", 2);
}

static char *token_file(const char *content)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_tokens_%d", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	return path;
}

TEST(tokens_parse_and_compare)
{
	char *path = token_file("\n  alpha \r\n\n\tbeta-2\n");
	buf err = BUF_INIT;
	access_tokens *t = access_tokens_open(path, &err);
	CHECK(t != NULL);
	CHECK(access_tokens_allow(t, "Bearer alpha"));
	CHECK(access_tokens_allow(t, "bearer  beta-2  "));
	CHECK(access_tokens_allow(t, "BEARER\talpha"));
	CHECK(!access_tokens_allow(t, "Bearer alph"));
	CHECK(!access_tokens_allow(t, "Bearer alphaa"));
	CHECK(!access_tokens_allow(t, "Bearer "));
	CHECK(!access_tokens_allow(t, "Bearer"));
	CHECK(!access_tokens_allow(t, "Beareralpha"));
	CHECK(!access_tokens_allow(t, "Basic alpha"));
	CHECK(!access_tokens_allow(t, "alpha"));
	CHECK(!access_tokens_allow(t, NULL));
	/* A replaced file counts after a forced refresh; an empty one keeps the last tokens. */
	token_file("gamma\n");
	access_tokens_refresh(t, true);
	CHECK(access_tokens_allow(t, "Bearer gamma"));
	CHECK(!access_tokens_allow(t, "Bearer alpha"));
	token_file(" \n\n");
	access_tokens_refresh(t, true);
	CHECK(access_tokens_allow(t, "Bearer gamma"));
	access_tokens_free(t);
	/* Nothing usable at start: an error naming the file, never its content. */
	CHECK(access_tokens_open(path, &err) == NULL);
	CHECK(strstr(err.ptr, "no token in the file") != NULL);
	unlink(path);
	buf_reset(&err);
	CHECK(access_tokens_open(path, &err) == NULL);
	CHECK(strstr(err.ptr, "No such file or directory") != NULL);
	buf_free(&err);
}

static route_filters *chain(const char *v, buf *err)
{
	const char *vals[] = { v };
	opt_list l = { vals, 1 };
	return route_filters_new(&l, err);
}

TEST(filter_chain)
{
	buf err = BUF_INIT;
	rsf_request rq = { NULL, "host.example" };
	rsf_result r;

	route_filters *f = chain("annotate(\"a\", \"b\") -> setResponseHeader(\"X-A\", \"1\") -> setResponseHeader(\"x-a\", \"2\")", &err);
	CHECK(f && !route_filters_empty(f));
	route_filters_run(f, &rq, &r);
	CHECK(!r.served);
	CHECK_INT(r.nheaders, 1);
	CHECK_STR(r.headers[0].value, "1");   /* response hooks run in reverse order */
	route_filters_free(f);

	f = chain("status(403) -> inlineContent(\"<html><b>x</b>\") -> status(500)", &err);
	route_filters_run(f, &rq, &r);
	CHECK(r.served);
	CHECK_INT(r.status, 403);   /* the filter after the serving one never ran */
	CHECK_STR(r.content_type, "text/html; charset=utf-8");
	route_filters_free(f);

	f = chain("mtlsCN(\"a\", \"b\")", &err);
	route_filters_run(f, &rq, &r);
	CHECK(r.served);
	CHECK_INT(r.status, 401);
	CHECK_STR(r.headers[0].name, "WWW-Authenticate");
	CHECK_STR(r.headers[0].value, "host.example");
	route_filters_free(f);

	f = chain("", &err);
	CHECK(f && route_filters_empty(f));
	route_filters_free(f);

	CHECK(chain("mtlsAuthn(1)", &err) == NULL);
	CHECK_STR(err.ptr, "failed to create filter \"mtlsAuthn\" for routeserver: invalid filter parameters");
	buf_reset(&err);
	CHECK(chain("status(99)", &err) == NULL);
	buf_reset(&err);
	CHECK(chain("setResponseHeader(\"X\", \"a\\r\\nB: c\")", &err) == NULL);
	buf_reset(&err);
	CHECK(chain("oauthTokeninfoAnyScope(\"x\")", &err) == NULL);
	CHECK_STR(err.ptr, "failed to get filter for routeserver \"oauthTokeninfoAnyScope\"");
	buf_free(&err);
}

int main(void)
{
	RUN(shards_from_endpoints);
	RUN(shards_from_slices);
	RUN(tokens_parse_and_compare);
	RUN(filter_chain);
	return TEST_SUMMARY();
}
