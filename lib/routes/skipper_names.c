/* skipper_names.c: the filter and predicate names skipper knows, from
 * docs/spec/skipper-filters-predicates.tsv, the one list of them (test_kube_lint checks the
 * compiled tables against the file, tests/bats/gen_names.bats the generator). */
#include "routes/kube_lint.h"

#include <stdlib.h>
#include <string.h>

/* filters[] and predicates[], sorted with strcmp: generated at build time from the spec's
 * file by scripts/gen-skipper-names (into $(BUILDROOT)/gen, on the include path). */
#include "skipper_names.inc"

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool known(const char *const *names, size_t n, str name)
{
	char tmp[128];
	if (name.len >= sizeof tmp)
		return false;
	memcpy(tmp, name.ptr, name.len);
	tmp[name.len] = 0;
	return bsearch(tmp, names, n, sizeof *names, by_name) != NULL;
}

bool skipper_filter_known(str name) { return known(filters, sizeof filters / sizeof *filters, name); }
bool skipper_predicate_known(str name) { return known(predicates, sizeof predicates / sizeof *predicates, name); }

const char *const *skipper_names(bool want_filters, size_t *n)
{
	*n = want_filters ? sizeof filters / sizeof *filters : sizeof predicates / sizeof *predicates;
	return want_filters ? filters : predicates;
}
