/* Go (RE2) regexps on PCRE2: Go's error messages, Go's matching rules, Go's
 * ReplaceAllString/Expand semantics. Expected values are what Go's regexp package gives. */
#include <stdlib.h>

#include "go/regex.h"
#include "test.h"

/* Compiles p; returns the error message (static) or NULL on success. */
static const char *compile_error(const char *p)
{
	static buf err;
	buf_free(&err);
	regex *re = regex_compile(p, strlen(p), &err);
	if (re) {
		regex_free(re);
		return NULL;
	}
	return err.ptr ? err.ptr : "";
}

static bool matches(const char *p, const char *s, size_t len)
{
	buf err = BUF_INIT;
	regex *re = regex_compile(p, strlen(p), &err);
	if (!re) {
		printf("  unexpected compile error for %s: %s\n", p, err.ptr);
		buf_free(&err);
		return false;
	}
	bool m = regex_search(re, s, len);
	regex_free(re);
	return m;
}

static bool match(const char *p, const char *s) { return matches(p, s, strlen(s)); }

/* ReplaceAllString(s, tmpl); result is static. */
static const char *replace(const char *p, const char *s, const char *tmpl)
{
	static buf out;
	buf err = BUF_INIT;
	buf_reset(&out);
	regex *re = regex_compile(p, strlen(p), &err);
	if (!re) {
		buf_free(&err);
		return "(compile error)";
	}
	regex_replace_all(re, s, strlen(s), tmpl, strlen(tmpl), &out);
	regex_free(re);
	buf_putc(&out, 0);
	return out.ptr;
}

TEST(go_error_messages)
{
	CHECK_STR(compile_error("\\1"), "error parsing regexp: invalid escape sequence: `\\1`");
	CHECK_STR(compile_error("(a)\\1"), "error parsing regexp: invalid escape sequence: `\\1`");
	CHECK_STR(compile_error("a(?=b)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?=`");
	CHECK_STR(compile_error("a(?!b)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?!`");
	CHECK_STR(compile_error("(?>a)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?>`");
	CHECK_STR(compile_error("(?#c)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?#`");
	CHECK_STR(compile_error("(?x)a"), "error parsing regexp: invalid or unsupported Perl syntax: `(?x`");
	CHECK_STR(compile_error("(?P=n)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?P`");
	CHECK_STR(compile_error("(?i-)a"), "error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`");
	CHECK_STR(compile_error("a++"), "error parsing regexp: invalid nested repetition operator: `++`");
	CHECK_STR(compile_error("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
	CHECK_STR(compile_error("a{2}{3}"), "error parsing regexp: invalid nested repetition operator: `{2}{3}`");
	CHECK_STR(compile_error("*a"), "error parsing regexp: missing argument to repetition operator: `*`");
	CHECK_STR(compile_error("a|+?"), "error parsing regexp: missing argument to repetition operator: `+?`");
	CHECK_STR(compile_error("(*UTF)"), "error parsing regexp: missing argument to repetition operator: `*`");
	CHECK_STR(compile_error("(abc"), "error parsing regexp: missing closing ): `(abc`");
	CHECK_STR(compile_error("abc)"), "error parsing regexp: unexpected ): `abc)`");
	CHECK_STR(compile_error("x[abc"), "error parsing regexp: missing closing ]: `[abc`");
	CHECK_STR(compile_error("a{1001}"), "error parsing regexp: invalid repeat count: `{1001}`");
	CHECK_STR(compile_error("a{3,2}"), "error parsing regexp: invalid repeat count: `{3,2}`");
	CHECK_STR(compile_error("(a{100}){20}"), "error parsing regexp: invalid repeat count: `{20}`");
	CHECK_STR(compile_error("ab\\"), "error parsing regexp: trailing backslash at end of expression: ``");
	CHECK_STR(compile_error("[z-a]"), "error parsing regexp: invalid character class range: `z-a`");
	CHECK_STR(compile_error("[[:foo:]]"), "error parsing regexp: invalid character class range: `[:foo:]`");
	CHECK_STR(compile_error("\\p{Foo}"), "error parsing regexp: invalid character class range: `\\p{Foo}`");
	CHECK_STR(compile_error("(?P<>a)"), "error parsing regexp: invalid named capture: `(?P<>`");
	CHECK_STR(compile_error("(?P<a-b>x)"), "error parsing regexp: invalid named capture: `(?P<a-b>`");
	CHECK_STR(compile_error("\\Z"), "error parsing regexp: invalid escape sequence: `\\Z`");
	CHECK_STR(compile_error("\\C"), "error parsing regexp: invalid escape sequence: `\\C`");
	CHECK_STR(compile_error("[\\b]"), "error parsing regexp: invalid escape sequence: `\\b`");
	CHECK_STR(compile_error("\\x{zz}"), "error parsing regexp: invalid escape sequence: `\\x{z`");
	CHECK_STR(compile_error("\\8"), "error parsing regexp: invalid escape sequence: `\\8`");
	CHECK_STR(compile_error("a\xff"), "error parsing regexp: invalid UTF-8: `\xff`");
}

TEST(go_accepts)
{
	const char *ok[] = {
		"", "skipper", "^(test[.]example[.]org[.]?(:[0-9]+)?)$", "Source[(](.*)[)]", "(?i)abc", "(?i:a)b",
		"(?P<name>x)", "(?<name>x)", "(?P<1x>a)", "(?P<d>a)(?P<d>b)", "\\Qa.b\\E", "[[:alpha:]]", "\\pL\\p{Greek}",
		"a{,5}", "{", "x{01}", "a*?", "[]a]", "[^]a]", "[a-]", "\\x41\\x{263a}", "\\012", "(?U)a+", "(?s).", "(?m)^$",
		".*", "a{1000}", "[\\d\\s\\S]", "\\A\\b\\B\\z",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		const char *e = compile_error(ok[i]);
		if (e)
			printf("  %s: %s\n", ok[i], e);
		CHECK(e == NULL);
	}
}

TEST(go_matching)
{
	CHECK(match("skipper", "my-skipper-x"));                 /* unanchored search */
	CHECK(match("skipper-test", "skipper-test, other-test"));
	CHECK(!match("^skipper$", "skipper-x"));
	CHECK(!match("a$", "a\n"));                              /* $ only at the end of text */
	CHECK(match("(?m)a$", "a\nb"));
	CHECK(match("(?m)^$", "a\n"));                           /* (?m)^ after a final newline */
	CHECK(!match("^\\s$", "\v"));                            /* Go's \s has no VT */
	CHECK(match("^\\S$", "\v"));
	CHECK(match("^[^\\s]$", "\v"));
	CHECK(match("^\\v$", "\v"));                             /* \v is VT, not a class */
	CHECK(match("^x{01}$", "x{01}"));                        /* not a repeat in Go */
	CHECK(match("^\\012$", "\n"));                           /* octal */
	CHECK(match("^[^a]$", "\n"));
	CHECK(!match("^.$", "\n"));
	CHECK(match("(?s)^.$", "\n"));
	CHECK(match("^.$", "\r"));
	CHECK(match("(?i)^\xc3\xa9$", "\xc3\x89"));              /* é vs É: Unicode folding */
	CHECK(match("^.$", "\xc3\xa9"));                          /* one character, two bytes */
	CHECK(!match("^\\w$", "\xc3\xa9"));                       /* \w is ASCII */
	CHECK(match("^\\pL$", "\xc3\xa9"));
	CHECK(match("^a\\.b$", "a.b"));
	CHECK(match("^\\Qa.b\\E$", "a.b"));
	CHECK(!match("^\\Qa.b\\E$", "axb"));
	CHECK(match("^\\{$", "{"));
	CHECK(match("^[[:digit:]]+$", "0123"));
	CHECK(matches("^a\\x00b$", "a\0b", 3));                   /* NUL in subject */
	CHECK(match("b", "\xff" "b"));                             /* invalid UTF-8 in the subject */
	CHECK(match("^(?U)a+$", "aaa"));
}

TEST(replace_expand)
{
	/* Go's documentation examples for ReplaceAllString. */
	CHECK_STR(replace("a(x*)b", "-ab-axxb-", "T"), "-T-T-");
	CHECK_STR(replace("a(x*)b", "-ab-axxb-", "$1"), "--xx-");
	CHECK_STR(replace("a(x*)b", "-ab-axxb-", "$1W"), "---");      /* group "1W" */
	CHECK_STR(replace("a(x*)b", "-ab-axxb-", "${1}W"), "-W-xxW-");
	CHECK_STR(replace("(?P<first>[a-zA-Z]+) (?P<last>[a-zA-Z]+)", "Alan Turing", "$last $first"), "Turing Alan");
	CHECK_STR(replace("(?P<first>[a-zA-Z]+) (?P<last>[a-zA-Z]+)", "Alan Turing", "${last}_${first}"), "Turing_Alan");
	CHECK_STR(replace("(a)", "a", "$$1"), "$1");
	CHECK_STR(replace("(a)", "a", "$1x"), "");
	CHECK_STR(replace("(a)", "a", "${1}x"), "ax");
	CHECK_STR(replace("(a)", "a", "${1"), "${1");                /* malformed: literal */
	CHECK_STR(replace("(a)", "a", "x$"), "x$");
	CHECK_STR(replace("(a)", "a", "$!"), "$!");
	CHECK_STR(replace("(a)", "a", "$2"), "");                    /* no such group */
	CHECK_STR(replace("(a)", "a", "$01"), "");                   /* leading zero: a name */
	CHECK_STR(replace("(a)|(b)", "b", "[$1]"), "[]");            /* did not take part */
	CHECK_STR(replace("(?P<d>a)|(?P<d>b)", "b", "[$d]"), "[b]");  /* first participating */
	CHECK_STR(replace("(?P<1x>a)", "a", "$1x"), "a");
	/* Routes: the spec's edit vector. */
	CHECK_STR(replace("Source[(](.*)[)]", "Source(\"1.2.3.4/26\", \"10.5.5.0/24\")", "ClientIP($1)"),
		  "ClientIP(\"1.2.3.4/26\", \"10.5.5.0/24\")");
	CHECK_STR(replace("Host", "Host(\"x\")", "HostAny"), "HostAny(\"x\")");
}

TEST(replace_empty_matches)
{
	CHECK_STR(replace("a*", "baaac", "X"), "XbXcX");
	CHECK_STR(replace("", "abc", "-"), "-a-b-c-");
	CHECK_STR(replace("", "", "-"), "-");
	CHECK_STR(replace("", "\xc3\xa9", "-"), "-\xc3\xa9-");          /* one UTF-8 character */
	CHECK_STR(replace("", "\xff" "a", "-"), "-\xff-a-");           /* invalid byte: width 1 */
	CHECK_STR(replace("x*", "xax", "-"), "-a-");
	CHECK_STR(replace("a|", "ab", "-"), "-b-");
	CHECK_STR(replace("^", "ab", "-"), "-ab");
	CHECK_STR(replace("$", "ab", "-"), "ab-");
	CHECK_STR(replace("\\b", "ab cd", "|"), "|ab| |cd|");
}

TEST(lists)
{
	buf err = BUF_INIT;
	const char *pats[] = { "^a", "b$" };
	regex_list *l = regex_list_compile(pats, 2, "kubernetes-allowed-external-name", &err);
	CHECK(l != NULL);
	CHECK_INT(regex_list_len(l), 2);
	CHECK(regex_list_any_match(l, str_c("abc")));
	CHECK(regex_list_any_match(l, str_c("cab")));
	CHECK(!regex_list_any_match(l, str_c("cba")));
	regex_list_free(l);

	l = regex_list_compile(NULL, 0, "x", &err);
	CHECK(l != NULL);
	CHECK(!regex_list_any_match(l, str_c("")));
	regex_list_free(l);

	const char *bad[] = { "ok", "a(" };
	l = regex_list_compile(bad, 2, "kubernetes-ingress-class", &err);
	CHECK(l == NULL);
	CHECK_STR(err.ptr, "invalid -kubernetes-ingress-class \"a(\": error parsing regexp: missing closing ): `a(`");
	buf_free(&err);
}

/* Random patterns from regexp syntax pieces: never a crash, every error in Go's shape,
 * and matching/replacing with what compiles terminates. Deterministic (fixed seed). */
TEST(random_patterns)
{
	static const char *const pieces[] = {
		"a", "b", ".", "*", "+", "?", "{2}", "{1,3}", "{,2}", "(", ")", "(?:", "(?i)", "(?P<n>", "(?<m>", "[", "]",
		"^", "$", "|", "\\", "\\d", "\\s", "\\1", "\\x{41}", "\\pL", "[:alpha:]", "-", "\xc3\xa9", "\xff", "{",
		"}", "(?=", "\\Q", "\\E", "\\b", "\\z",
	};
	const size_t npieces = sizeof pieces / sizeof *pieces;
	unsigned seed = 12345;
	int compiled = 0, rejected = 0;
	for (int i = 0; i < 20000; i++) {
		char pat[128] = "";
		int len = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 8;
		for (int k = 0; k < len; k++)
			strcat(pat, pieces[((seed = seed * 1103515245 + 12345) >> 16) % npieces]);
		buf err = BUF_INIT;
		regex *re = regex_compile(pat, strlen(pat), &err);
		if (!re) {
			rejected++;
			CHECK(err.ptr && strncmp(err.ptr, "error parsing regexp: ", 22) == 0);
			buf_free(&err);
			continue;
		}
		compiled++;
		buf out = BUF_INIT;
		const char *subject = "ab\xc3\xa9" "ba\n\xff" "-aab";
		regex_search(re, subject, strlen(subject));
		regex_replace_all(re, subject, strlen(subject), "[$1$n${m}$$]", 12, &out);
		buf_free(&out);
		regex_free(re);
	}
	CHECK(compiled > 1000);
	CHECK(rejected > 1000);
}

int main(void)
{
	RUN(go_error_messages);
	RUN(go_accepts);
	RUN(go_matching);
	RUN(replace_expand);
	RUN(replace_empty_matches);
	RUN(lists);
	RUN(random_patterns);
	return TEST_SUMMARY();
}
