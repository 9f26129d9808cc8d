/* publish_diff (pipeline/publish.h): the routes that differ between two served forms, counted
 * as inserted, deleted and updated, whatever lines the two forms share at their start and end
 * (which it skips without splitting them). Checked against a plain merge of every line. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/publish.h"
#include "test.h"

/* The counts of a merge of every line by id (what publish_diff computed before it skipped
 * the common lines). */
static publish_changes naive(const char *a, const char *b)
{
	publish_changes cc = { 0, 0, 0 };
	char *x = strdup(a), *y = strdup(b), *sx = NULL, *sy = NULL;
	char *la = *x ? strtok_r(x, "\n", &sx) : NULL, *lb = *y ? strtok_r(y, "\n", &sy) : NULL;
	while (la || lb) {
		int c = !la ? 1 : !lb ? -1 : strncmp(la, lb, strcspn(la, ":") > strcspn(lb, ":") ? strcspn(la, ":") + 1 : strcspn(lb, ":") + 1);
		if (c < 0) { cc.deleted++; la = strtok_r(NULL, "\n", &sx); }
		else if (c > 0) { cc.inserted++; lb = strtok_r(NULL, "\n", &sy); }
		else {
			cc.updated += strcmp(la, lb) != 0;
			la = strtok_r(NULL, "\n", &sx);
			lb = strtok_r(NULL, "\n", &sy);
		}
	}
	free(x);
	free(y);
	return cc;
}

static void check(const char *a, const char *b, size_t ins, size_t del, size_t upd)
{
	publish_changes got = publish_diff(a, strlen(a), b, strlen(b), LOG_DEBUG, "", 0);
	publish_changes want = naive(a, b);
	CHECK_INT(got.inserted, ins);
	CHECK_INT(got.deleted, del);
	CHECK_INT(got.updated, upd);
	CHECK_INT(got.inserted, want.inserted);
	CHECK_INT(got.deleted, want.deleted);
	CHECK_INT(got.updated, want.updated);
}

TEST(differences_anywhere_in_the_table)
{
	const char *t = "a: A;\nb: B;\nc: C;\nd: D;";
	check(t, t, 0, 0, 0);
	check("", t, 4, 0, 0);
	check(t, "", 0, 4, 0);
	check(t, "a: A;\nb: X;\nc: C;\nd: D;", 0, 0, 1);            /* in the middle */
	check(t, "a: X;\nb: B;\nc: C;\nd: D;", 0, 0, 1);            /* the first line */
	check(t, "a: A;\nb: B;\nc: C;\nd: X;", 0, 0, 1);            /* the last line, no final newline */
	check(t, "a: A;\nb: B;\nc: C;\nd: D;\ne: E;", 1, 0, 0);     /* appended */
	check(t, "a: A;\nb: B;\nc: C;", 0, 1, 0);                   /* the last one deleted */
	check(t, "a: A;\nbb: B;\nc: C;\nd: D;", 1, 1, 0);           /* an id longer by a byte */
	check(t, "a: A;\nb: B;\nb2: B;\nc: C;\nd: D;", 1, 0, 0);     /* inserted in the middle */
	check("a: A;\nb: BB;\nc: C;", "a: A;\nb: B;\nc: C;", 0, 0, 1);   /* a line shortened */
	check("a: A;\nb: B;", "a: A;\nb: B;\nb: B;", 1, 0, 0);      /* the same line twice (never served) */
	/* large tables: the common ends span many chunks */
	buf x = BUF_INIT, y = BUF_INIT;
	for (int i = 0; i < 3000; i++) {
		buf_printf(&x, "%s%05d: Path(\"/%d\") -> <shunt>;", i ? "\n" : "", i, i);
		if (i == 1500)
			buf_printf(&y, "\n01500: Path(\"/changed\") -> <shunt>;\n01500b: Path(\"/new\") -> <shunt>;");
		else if (i != 2999)
			buf_printf(&y, "%s%05d: Path(\"/%d\") -> <shunt>;", i ? "\n" : "", i, i);
	}
	check(x.ptr, y.ptr, 1, 1, 1);
	buf_free(&x);
	buf_free(&y);
}

int main(void)
{
	RUN(differences_anywhere_in_the_table);
	return TEST_SUMMARY();
}
