/* Every *.eskip fixture of the skipper conformance data (tests/conformance/skipper,
 * relative to the repository root, where the tests run): it parses, its served form parses
 * back to an equal table, and the served form is a fixed point (DECISIONS.md 1); through the
 * pipeline as routesrv-etag runs it (process without flags, serve), the table it serves
 * serves itself again with the same ETags. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "eskip_test_util.h"
#include "pipeline/pipeline.h"
#include "test.h"

static size_t files_seen, routes_seen, etags_checked;

/* routesrv-etag's pipeline on text: the served table (caller frees). */
static bool etag_pipeline(const char *text, size_t n, pipeline_served *out)
{
	route_table *t = route_table_new();
	pipeline_options po = { .process = NULL };
	bool ok = eskip_parse(t, text, n, NULL, NULL) == 0;
	if (ok) {
		pipeline_process(&po, t);
		pipeline_serve(t, out);
	}
	route_table_free(t);
	return ok;
}

/* What routesrv-etag serves for a fixture serves itself again: same bytes, same tags. */
static void check_etag_fixed_point(const char *path, const char *text, size_t n)
{
	pipeline_served a, b;
	if (!etag_pipeline(text, n, &a))
		return;   /* reported by check_fixture */
	CHECK(etag_pipeline(a.full.doc.ptr ? a.full.doc.ptr : "", a.full.doc.len, &b));
	bool same = a.full.doc.len == b.full.doc.len &&
		    (a.full.doc.len == 0 || memcmp(a.full.doc.ptr, b.full.doc.ptr, a.full.doc.len) == 0);
	if (!same || strcmp(a.etag, b.etag) != 0 || strcmp(a.etag_gzip, b.etag_gzip) != 0)
		printf("  %s: the served table does not serve itself again with the same tags\n", path);
	CHECK(same);
	CHECK_STR(b.etag, a.etag);
	CHECK_STR(b.etag_gzip, a.etag_gzip);
	etags_checked++;
	pipeline_served_free(&a);
	pipeline_served_free(&b);
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf b = BUF_INIT;
	char tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, k);
	fclose(f);
	return buf_steal(&b, n);
}

static bool has_duplicate_ids(const route_table *sorted)
{
	for (size_t i = 1; i < sorted->n; i++)
		if (str_eq(sorted->routes[i - 1].id, sorted->routes[i].id))
			return true;
	return false;
}

static void check_fixture(const char *path)
{
	size_t n;
	char *text = read_file(path, &n);
	CHECK(text != NULL);
	if (!text)
		return;
	route_table *orig = route_table_new(), *t = route_table_new(), *back = route_table_new();
	buf err = BUF_INIT, s1 = BUF_INIT, s2 = BUF_INIT;
	if (eskip_parse(orig, text, n, &err, NULL) || eskip_parse(t, text, n, &err, NULL)) {
		printf("  %s: %s\n", path, err.ptr);
		CHECK(!"fixture parses");
		goto done;
	}
	routes_seen += orig->n;
	route_table_canonicalize(t);
	served_form_print(&s1, t);
	if (eskip_parse(back, s1.ptr ? s1.ptr : "", s1.len, &err, NULL)) {
		printf("  %s: served form does not parse: %s\n", path, err.ptr);
		CHECK(!"served form parses");
		goto done;
	}
	if (has_duplicate_ids(t)) {
		/* EqLists calls any list with a duplicate id unequal: compare the id-sorted
		 * canonical tables element by element instead. */
		route_table_canonicalize(back);
		bool eq = back->n == t->n;
		for (size_t i = 0; eq && i < t->n; i++)
			eq = route_eq(&t->routes[i], &back->routes[i]);
		if (!eq)
			printf("  %s: served form is a different table\n", path);
		CHECK(eq);
	} else {
		bool eq = route_lists_eq(orig->routes, orig->n, back->routes, back->n);
		if (!eq)
			printf("  %s: served form is a different table\n", path);
		CHECK(eq);
		route_table_canonicalize(back);
	}
	served_form_print(&s2, back);
	if (s1.len != s2.len || (s1.len && memcmp(s1.ptr, s2.ptr, s1.len) != 0)) {
		printf("  %s: served form is not a fixed point\n", path);
		CHECK(!"fixed point");
	}
done:
	buf_free(&err);
	buf_free(&s1);
	buf_free(&s2);
	route_table_free(orig);
	route_table_free(t);
	route_table_free(back);
	free(text);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);
	if (type == FTW_F && len > 6 && strcmp(path + len - 6, ".eskip") == 0) {
		files_seen++;
		check_fixture(path);
		size_t n;
		char *text = read_file(path, &n);
		if (text)
			check_etag_fixed_point(path, text, n);
		free(text);
	}
	return 0;
}

TEST(skipper_fixtures)
{
	if (!REQUIRE_DIR(TEST_FIXTURES))
		return;
	CHECK_INT(nftw(TEST_FIXTURES, visit, 16, FTW_PHYS), 0);
	printf("  %zu fixtures, %zu routes, %zu served tables with stable ETags\n", files_seen, routes_seen,
	       etags_checked);
	CHECK(files_seen > 200);
	CHECK(etags_checked == files_seen);
}

int main(void)
{
	RUN(skipper_fixtures);
	util_cleanup();
	return TEST_SUMMARY();
}
