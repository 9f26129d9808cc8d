/* Tests for http_conditional.c: every precondition rule of spec B2.1 step 7b. */
#include "http/http_conditional.h"
#include "test.h"

#define ETAG "\"0123456789abcdef0123456789abcdef\""
#define GZ_ETAG "\"0123456789abcdef0123456789abcdef+gzip\""
/* Tue, 03 Mar 2026 10:00:00 GMT */
#define MODTIME ((time_t)1772532000)

static http_cond_result eval(const char *im, const char *inm, const char *ims, const char *ius)
{
	http_cond_request r = { true, im, inm, ims, ius };
	return http_cond_evaluate(&r, ETAG, MODTIME, 0);
}

static http_cond_result eval_inm(const char *inm) { return eval(NULL, inm, NULL, NULL); }

TEST(no_conditionals_serve)
{
	CHECK_INT(eval(NULL, NULL, NULL, NULL), HTTP_COND_SERVE);
	CHECK_INT(eval("", "", "", ""), HTTP_COND_SERVE);
	CHECK_INT(eval("  ", " ", NULL, NULL), HTTP_COND_SERVE);
}

TEST(if_none_match_exact)
{
	CHECK_INT(eval_inm(ETAG), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm("\"other\""), HTTP_COND_SERVE);
	CHECK_INT(eval_inm("  " ETAG "  "), HTTP_COND_NOT_MODIFIED);
}

TEST(if_none_match_weak_comparison)
{
	CHECK_INT(eval_inm("W/" ETAG), HTTP_COND_NOT_MODIFIED);
	http_cond_request r = { true, NULL, ETAG, NULL, NULL };
	CHECK_INT(http_cond_evaluate(&r, "W/" ETAG, MODTIME, 0), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm("w/" ETAG), HTTP_COND_SERVE);   /* the prefix is case-sensitive */
}

TEST(if_none_match_lists)
{
	CHECK_INT(eval_inm("\"a\", " ETAG), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm("\"a\",W/\"b\"," ETAG), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm(",, ,\"a\" , " ETAG " ,"), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm("\"a\", \"b\""), HTTP_COND_SERVE);
	/* the first unparsable element ends the scan: later tags do not count */
	CHECK_INT(eval_inm("\"a\", bogus, " ETAG), HTTP_COND_SERVE);
	CHECK_INT(eval_inm(ETAG ", bogus"), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm("\"unterminated"), HTTP_COND_SERVE);
	CHECK_INT(eval_inm("\"sp ace\", " ETAG), HTTP_COND_SERVE);
}

TEST(if_none_match_star)
{
	CHECK_INT(eval_inm("*"), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval_inm("\"a\", *"), HTTP_COND_NOT_MODIFIED);
}

TEST(plain_and_gzip_tags_differ)
{
	CHECK_INT(eval_inm(GZ_ETAG), HTTP_COND_SERVE);
	http_cond_request r = { true, NULL, ETAG, NULL, NULL };
	CHECK_INT(http_cond_evaluate(&r, GZ_ETAG, MODTIME, 0), HTTP_COND_SERVE);
	r.if_none_match = GZ_ETAG;
	CHECK_INT(http_cond_evaluate(&r, GZ_ETAG, MODTIME, 0), HTTP_COND_NOT_MODIFIED);
}

TEST(if_modified_since)
{
	CHECK_INT(eval(NULL, NULL, "Tue, 03 Mar 2026 10:00:00 GMT", NULL), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval(NULL, NULL, "Tue, 03 Mar 2026 10:00:01 GMT", NULL), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(eval(NULL, NULL, "Tue, 03 Mar 2026 09:59:59 GMT", NULL), HTTP_COND_SERVE);
	CHECK_INT(eval(NULL, NULL, "yesterday", NULL), HTTP_COND_SERVE);   /* unparsable: ignored */
}

TEST(if_modified_since_only_for_get_and_head)
{
	http_cond_request r = { false, NULL, NULL, "Tue, 03 Mar 2026 10:00:00 GMT", NULL };
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, 0), HTTP_COND_SERVE);
}

TEST(if_none_match_suppresses_if_modified_since)
{
	CHECK_INT(eval(NULL, "\"stale\"", "Tue, 03 Mar 2026 10:00:00 GMT", NULL), HTTP_COND_SERVE);
	CHECK_INT(eval(NULL, ETAG, "Tue, 03 Mar 2026 09:00:00 GMT", NULL), HTTP_COND_NOT_MODIFIED);
}

TEST(if_none_match_other_methods_412)
{
	http_cond_request r = { false, NULL, ETAG, NULL, NULL };
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, 0), HTTP_COND_PRECONDITION_FAILED);
}

TEST(if_match_strong)
{
	CHECK_INT(eval(ETAG, NULL, NULL, NULL), HTTP_COND_SERVE);
	CHECK_INT(eval("\"a\", " ETAG, NULL, NULL, NULL), HTTP_COND_SERVE);
	CHECK_INT(eval("*", NULL, NULL, NULL), HTTP_COND_SERVE);
	CHECK_INT(eval("\"a\"", NULL, NULL, NULL), HTTP_COND_PRECONDITION_FAILED);
	CHECK_INT(eval("W/" ETAG, NULL, NULL, NULL), HTTP_COND_PRECONDITION_FAILED);   /* weak never matches */
	CHECK_INT(eval("garbage", NULL, NULL, NULL), HTTP_COND_PRECONDITION_FAILED);
	http_cond_request r = { true, "W/" ETAG, NULL, NULL, NULL };
	CHECK_INT(http_cond_evaluate(&r, "W/" ETAG, MODTIME, 0), HTTP_COND_PRECONDITION_FAILED);
}

TEST(if_unmodified_since)
{
	CHECK_INT(eval(NULL, NULL, NULL, "Tue, 03 Mar 2026 10:00:00 GMT"), HTTP_COND_SERVE);
	CHECK_INT(eval(NULL, NULL, NULL, "Tue, 03 Mar 2026 09:59:59 GMT"), HTTP_COND_PRECONDITION_FAILED);
	CHECK_INT(eval(NULL, NULL, NULL, "not a date"), HTTP_COND_SERVE);
}

TEST(if_match_overrides_if_unmodified_since)
{
	CHECK_INT(eval(ETAG, NULL, NULL, "Tue, 03 Mar 2026 09:59:59 GMT"), HTTP_COND_SERVE);
	CHECK_INT(eval("\"a\"", NULL, NULL, "Tue, 03 Mar 2026 11:00:00 GMT"), HTTP_COND_PRECONDITION_FAILED);
}

TEST(precondition_failure_before_not_modified)
{
	CHECK_INT(eval("\"a\"", ETAG, NULL, NULL), HTTP_COND_PRECONDITION_FAILED);
	CHECK_INT(eval(ETAG, ETAG, NULL, NULL), HTTP_COND_NOT_MODIFIED);
}

TEST(zero_modtime_ignores_dates)
{
	http_cond_request r = { true, NULL, NULL, "Tue, 03 Mar 2026 10:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT" };
	CHECK_INT(http_cond_evaluate(&r, ETAG, 0, 0), HTTP_COND_SERVE);
}

/* Two tables within one second share Last-Modified: the later one's dates count only from
 * the next second on (issue 11 item 5). */
TEST(dated_from_after_two_changes_in_one_second)
{
	const time_t next = MODTIME + 1;
	http_cond_request r = { true, NULL, NULL, "Tue, 03 Mar 2026 10:00:00 GMT", NULL };
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, next), HTTP_COND_SERVE);
	r.if_modified_since = "Tue, 03 Mar 2026 10:00:01 GMT";
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, next), HTTP_COND_NOT_MODIFIED);
	r.if_modified_since = "Tue, 03 Mar 2026 09:59:59 GMT";
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, next), HTTP_COND_SERVE);
	/* the ETag still tells them apart, and If-None-Match decides alone */
	r.if_none_match = ETAG;
	r.if_modified_since = "Tue, 03 Mar 2026 10:00:00 GMT";
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, next), HTTP_COND_NOT_MODIFIED);
	http_cond_request u = { true, NULL, NULL, NULL, "Tue, 03 Mar 2026 10:00:00 GMT" };
	CHECK_INT(http_cond_evaluate(&u, ETAG, MODTIME, next), HTTP_COND_PRECONDITION_FAILED);
	u.if_unmodified_since = "Tue, 03 Mar 2026 10:00:01 GMT";
	CHECK_INT(http_cond_evaluate(&u, ETAG, MODTIME, next), HTTP_COND_SERVE);
	/* dated_from before Last-Modified (or 0) is Last-Modified: Go's rule */
	r.if_none_match = NULL;
	r.if_modified_since = "Tue, 03 Mar 2026 10:00:00 GMT";
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, MODTIME - 5), HTTP_COND_NOT_MODIFIED);
	CHECK_INT(http_cond_evaluate(&r, ETAG, MODTIME, 0), HTTP_COND_NOT_MODIFIED);
}

static long parsed(const char *s)
{
	time_t t;
	return http_date_parse(s, &t) == 0 ? (long)t : -1;
}

TEST(date_formats)
{
	CHECK_INT(parsed("Tue, 03 Mar 2026 10:00:00 GMT"), 1772532000);
	CHECK_INT(parsed("Tuesday, 03-Mar-26 10:00:00 GMT"), 1772532000);
	CHECK_INT(parsed("Tuesday, 03-Mar-26 10:00:00 UTC"), 1772532000);
	CHECK_INT(parsed("Tue Mar  3 10:00:00 2026"), 1772532000);
	CHECK_INT(parsed("Tue Mar 3 10:00:00 2026"), 1772532000);
	CHECK_INT(parsed("tue, 03 mar 2026 10:00:00 GMT"), 1772532000);   /* names: any case */
	CHECK_INT(parsed("Tue, 03 Mar 2026 10:00:00.5 GMT"), 1772532000); /* Go skips fractions */
	CHECK_INT(parsed("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
	CHECK_INT(parsed("Sunday, 01-Jan-68 00:00:00 GMT"), 3092601600);  /* yy < 69 → 20yy */
}

TEST(date_rejects)
{
	CHECK_INT(parsed(""), -1);
	CHECK_INT(parsed("Tue, 3 Mar 2026 10:00:00 GMT"), -1);      /* day needs two digits */
	CHECK_INT(parsed("Tue, 03 Mar 2026 10:00:00 UTC"), -1);     /* RFC 1123 form says GMT */
	CHECK_INT(parsed("Tue, 30 Feb 2026 10:00:00 GMT"), -1);
	CHECK_INT(parsed("Tue, 03 Mar 2026 24:00:00 GMT"), -1);
	CHECK_INT(parsed("Tue, 03 Mar 2026 10:60:00 GMT"), -1);
	CHECK_INT(parsed("Tue, 03 Mar 2026 10:00:00 GMT extra"), -1);
	CHECK_INT(parsed("Xyz, 03 Mar 2026 10:00:00 GMT"), -1);
	CHECK_INT(parsed("2026-03-03T10:00:00Z"), -1);
}

TEST(date_format)
{
	char out[30];
	http_date_format(1772532000, out);
	CHECK_STR(out, "Tue, 03 Mar 2026 10:00:00 GMT");
	http_date_format(0, out);
	CHECK_STR(out, "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(accepts_gzip_substring_rule)
{
	CHECK(http_accepts_gzip("gzip"));
	CHECK(http_accepts_gzip("gzip, deflate, br"));
	CHECK(http_accepts_gzip("gzip;q=0"));
	CHECK(http_accepts_gzip("x-gzip"));
	CHECK(!http_accepts_gzip("deflate, br"));
	CHECK(!http_accepts_gzip(""));
	CHECK(!http_accepts_gzip(NULL));
}

int main(void)
{
	RUN(no_conditionals_serve);
	RUN(if_none_match_exact);
	RUN(if_none_match_weak_comparison);
	RUN(if_none_match_lists);
	RUN(if_none_match_star);
	RUN(plain_and_gzip_tags_differ);
	RUN(if_modified_since);
	RUN(if_modified_since_only_for_get_and_head);
	RUN(if_none_match_suppresses_if_modified_since);
	RUN(if_none_match_other_methods_412);
	RUN(if_match_strong);
	RUN(if_unmodified_since);
	RUN(if_match_overrides_if_unmodified_since);
	RUN(precondition_failure_before_not_modified);
	RUN(zero_modtime_ignores_dates);
	RUN(dated_from_after_two_changes_in_one_second);
	RUN(date_formats);
	RUN(date_rejects);
	RUN(date_format);
	RUN(accepts_gzip_substring_rule);
	return TEST_SUMMARY();
}
