/* test_kube_lint: the filter and predicate names the linter knows (skipper_names.c, whose
 * tables scripts/gen-skipper-names generates at build time) are exactly those of
 * docs/spec/skipper-filters-predicates.tsv, sorted for bsearch, and looked up as skipper
 * spells them. The generator's own error cases: tests/bats/gen_names.bats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/kube_lint.h"
#include "test.h"

#define NAMES_TSV "docs/spec/skipper-filters-predicates.tsv"

typedef struct {
	char **v;
	size_t n;
} names;

static int by_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of one kind in the spec's file, sorted; n == 0 when the file is missing. */
static names spec_names(const char *kind)
{
	names out = { NULL, 0 };
	FILE *f = fopen(NAMES_TSV, "r");
	if (!f) {
		printf("  %s missing (run from the repository root)\n", NAMES_TSV);
		return out;
	}
	char line[256];
	size_t klen = strlen(kind);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, kind, klen) != 0 || line[klen] != '\t')
			continue;
		out.v = realloc(out.v, (out.n + 1) * sizeof *out.v);
		out.v[out.n++] = strdup(line + klen + 1);
	}
	fclose(f);
	qsort(out.v, out.n, sizeof *out.v, by_strcmp);
	return out;
}

static void names_free(names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
}

static void check_table(bool filters, const char *kind)
{
	names want = spec_names(kind);
	size_t n;
	const char *const *got = skipper_names(filters, &n);
	CHECK(want.n > 20);   /* the file is there and holds the kind */
	CHECK_INT(n, want.n);
	for (size_t i = 0; i < n && i < want.n; i++)
		CHECK_STR(got[i], want.v[i]);
	for (size_t i = 1; i < n; i++)
		CHECK(strcmp(got[i - 1], got[i]) < 0);   /* strictly sorted: bsearch finds every name */
	for (size_t i = 0; i < want.n; i++)
		CHECK(filters ? skipper_filter_known(str_c(want.v[i])) : skipper_predicate_known(str_c(want.v[i])));
	names_free(&want);
}

TEST(filter_names_are_the_spec_table)
{
	check_table(true, "filter");
}

TEST(predicate_names_are_the_spec_table)
{
	check_table(false, "predicate");
}

TEST(lookups_are_exact)
{
	CHECK(skipper_filter_known(str_c("setRequestHeader")));
	CHECK(!skipper_filter_known(str_c("setRequestHeaderr")));
	CHECK(!skipper_filter_known(str_c("setrequestheader")));   /* names are case-sensitive */
	CHECK(!skipper_filter_known(str_c("Path")));               /* a predicate, not a filter */
	CHECK(skipper_predicate_known(str_c("PathSubtree")));
	CHECK(!skipper_predicate_known(str_c("pathSubtree")));
	CHECK(!skipper_predicate_known(str_c("")));
	/* a name given with its length, not NUL-terminated */
	str host = { "HostAny(x)", 7 };
	CHECK(skipper_predicate_known(host));
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	CHECK(!skipper_filter_known(str_c(longname)));
}

int main(void)
{
	RUN(filter_names_are_the_spec_table);
	RUN(predicate_names_are_the_spec_table);
	RUN(lookups_are_exact);
	return TEST_SUMMARY();
}
