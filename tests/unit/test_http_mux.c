/* Tests for http_mux.c: Go 1.22 ServeMux routing of skipper's routesrv patterns (B2, B4),
 * including the odd paths of issue 12 (/routes/., /routes/.., /routes%2Fx). */
#include "http/http_mux.h"
#include "test.h"

enum { ROUTES, ZONE, HEALTH, REDIS, VALKEY };
static const char *const main_patterns[] = { "/routes", "/routes/{zone}", "/health", "/swarm/redis/shards", NULL };
static const char *const support_patterns[] = { "/metrics", "/metrics/" };

/* "match <i> <wildcard>", "redirect <location>", "404" or "400". */
static const char *route(const char *const *patterns, size_t n, const char *uri)
{
	static char out[512];
	mux_route r = MUX_ROUTE_INIT;
	http_mux_route(patterns, n, uri, &r);
	switch (r.kind) {
	case MUX_MATCH:
		snprintf(out, sizeof out, "match %d %s", r.pattern, r.wildcard.ptr ? r.wildcard.ptr : "");
		break;
	case MUX_REDIRECT:
		snprintf(out, sizeof out, "redirect %s", r.location.ptr);
		break;
	case MUX_NOT_FOUND:
		snprintf(out, sizeof out, "404");
		break;
	case MUX_BAD_REQUEST:
		snprintf(out, sizeof out, "400");
		break;
	}
	mux_route_free(&r);
	return out;
}

static const char *main_route(const char *uri) { return route(main_patterns, 5, uri); }

TEST(exact_patterns)
{
	CHECK_STR(main_route("/routes"), "match 0 ");
	CHECK_STR(main_route("/routes?x=1&nopretty"), "match 0 ");
	CHECK_STR(main_route("/health"), "match 2 ");
	CHECK_STR(main_route("/swarm/redis/shards"), "match 3 ");
	CHECK_STR(main_route("/swarm/valkey/shards"), "404");   /* not registered */
	CHECK_STR(main_route("/"), "404");
	CHECK_STR(main_route("/nope"), "404");
	CHECK_STR(main_route("/routesx"), "404");
	CHECK_STR(main_route("/health/"), "404");
	CHECK_STR(main_route("/Routes"), "404");
}

TEST(zone_wildcard_is_one_non_empty_segment)
{
	CHECK_STR(main_route("/routes/eu-central-1a"), "match 1 eu-central-1a");
	CHECK_STR(main_route("/routes/eu%2Dcentral-1a"), "match 1 eu-central-1a");
	CHECK_STR(main_route("/routes/a%2Fb"), "match 1 a/b");
	CHECK_STR(main_route("/routes/"), "404");
	CHECK_STR(main_route("/routes/a/b"), "404");
	CHECK_STR(main_route("/routes/a/"), "404");
	CHECK_STR(main_route("/routes/zone?x"), "match 1 zone");
}

TEST(segments_compare_unescaped)
{
	CHECK_STR(main_route("/r%6Futes"), "match 0 ");
	CHECK_STR(main_route("/%68ealth"), "match 2 ");
	/* one segment "routes/x": neither /routes nor /routes/{zone} */
	CHECK_STR(main_route("/routes%2Fx"), "404");
	CHECK_STR(main_route("/routes%2f"), "404");
}

TEST(unclean_paths_redirect_to_the_cleaned_path_with_the_query)
{
	CHECK_STR(main_route("/routes/."), "redirect /routes");
	CHECK_STR(main_route("/routes/.."), "redirect /");
	CHECK_STR(main_route("/routes/./"), "redirect /routes/");
	CHECK_STR(main_route("//routes"), "redirect /routes");
	CHECK_STR(main_route("/./routes"), "redirect /routes");
	CHECK_STR(main_route("/x/../routes?a=1&b"), "redirect /routes?a=1&b");
	CHECK_STR(main_route("/routes//zone"), "redirect /routes/zone");
	CHECK_STR(main_route("/../../routes"), "redirect /routes");
	CHECK_STR(main_route("/routes/a/../b/"), "redirect /routes/b/");
	CHECK_STR(main_route("/nope/.."), "redirect /");
	/* the cleaned path is escaped once more, as url.URL.String() does */
	CHECK_STR(main_route("//routes%2Fx"), "redirect /routes%252Fx");
	/* a lone '?' (ForceQuery) carries no query over */
	CHECK_STR(main_route("//routes?"), "redirect /routes");
	/* dot segments that are escaped are not dot segments */
	CHECK_STR(main_route("/routes/%2E%2E"), "match 1 ..");
}

TEST(escaped_path_is_re_escaped_when_not_valid_as_written)
{
	/* '"' cannot stand in an escaped path: Go re-escapes the decoded path, and the %2F
	 * becomes a real separator (three segments: no pattern) */
	CHECK_STR(main_route("/routes/a%2Fb\""), "404");
	CHECK_STR(main_route("/routes/b\""), "match 1 b\"");
	CHECK_STR(main_route("/routes/%7Ezone"), "match 1 ~zone");
}

TEST(request_uris_go_rejects_are_400)
{
	CHECK_STR(main_route(NULL), "400");
	CHECK_STR(main_route(""), "400");
	CHECK_STR(main_route("routes"), "400");
	CHECK_STR(main_route("/routes/%zz"), "400");
	CHECK_STR(main_route("/routes/%4"), "400");
	CHECK_STR(main_route("/routes\x01"), "400");
	CHECK_STR(main_route("/routes/a b"), "400");
}

TEST(absolute_form_and_asterisk)
{
	CHECK_STR(main_route("http://routesrv/routes"), "match 0 ");
	CHECK_STR(main_route("http://routesrv"), "redirect /");
	CHECK_STR(main_route("*"), "redirect /%2A");
}

TEST(subtree_patterns)
{
	CHECK_STR(route(support_patterns, 2, "/metrics"), "match 0 ");
	CHECK_STR(route(support_patterns, 2, "/metrics/"), "match 1 ");
	CHECK_STR(route(support_patterns, 2, "/metrics/a/b"), "match 1 ");
	CHECK_STR(route(support_patterns, 2, "//metrics"), "redirect /metrics");
	CHECK_STR(route(support_patterns, 2, "/metrics/../x"), "redirect /x");
	CHECK_STR(route(support_patterns, 2, "/x"), "404");
	/* only the subtree registered: "/tree" redirects to "/tree/" */
	const char *const tree[] = { "/metrics/" };
	CHECK_STR(route(tree, 1, "/metrics?q"), "redirect /metrics/?q");
	CHECK_STR(route(tree, 1, "/metrics/x"), "match 0 ");
}

int main(void)
{
	RUN(exact_patterns);
	RUN(zone_wildcard_is_one_non_empty_segment);
	RUN(segments_compare_unescaped);
	RUN(unclean_paths_redirect_to_the_cleaned_path_with_the_query);
	RUN(escaped_path_is_re_escaped_when_not_valid_as_written);
	RUN(request_uris_go_rejects_are_400);
	RUN(absolute_form_and_asterisk);
	RUN(subtree_patterns);
	return TEST_SUMMARY();
}
