/* A minimal unit-test harness: each test file defines TEST(name) functions and a
 * main() calling RUN(name) for each, then TEST_SUMMARY(). Failures print file:line and
 * the failed expression; the last line is "N passed, M failed" (parsed by tests/run-unit). */
#ifndef ROUTESRV_TEST_H
#define ROUTESRV_TEST_H
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int test_passed, test_failed, test_current_failed;

#define TEST(name) static void test_##name(void)
#define RUN(name) do { \
	test_current_failed = 0; test_##name(); \
	if (test_current_failed) { test_failed++; printf("FAIL %s\n", #name); } \
	else { test_passed++; printf("ok %s\n", #name); } } while (0)
#define TEST_SUMMARY() (printf("%d passed, %d failed\n", test_passed, test_failed), test_failed != 0)

#define CHECK(cond) do { if (!(cond)) { \
	printf("  %s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); test_current_failed = 1; } } while (0)
/* Compares two NUL-terminated strings; NULL equals only NULL. */
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
	if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0)) { \
		printf("  %s:%d: %s\n    got:  \"%s\"\n    want: \"%s\"\n", __FILE__, __LINE__, #got, \
			g_ ? g_ : "(null)", w_ ? w_ : "(null)"); test_current_failed = 1; } } while (0)
#define CHECK_INT(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) { printf("  %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
		test_current_failed = 1; } } while (0)

/* Skipper's fixture sets, vendored in the repository (tests run from its root: make unit). */
#define TEST_FIXTURES "tests/conformance/skipper"
/* Missing fixtures are a failure that says so, never a skipped test that passes. */
static inline bool test_require_dir(const char *dir, const char *file, int line)
{
	struct stat st;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	printf("  %s:%d: fixtures missing: %s is not a directory (run from the repository root)\n", file, line, dir);
	test_current_failed = 1;
	return false;
}
#define REQUIRE_DIR(dir) test_require_dir((dir), __FILE__, __LINE__)
#endif
