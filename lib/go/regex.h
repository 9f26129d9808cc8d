/* regex.h: Go (RE2) regular expressions on top of PCRE2.
 *
 * skipper's flags and annotations hold Go regexps; routesrv must accept and reject the same
 * patterns and match the same way. regex_compile() parses the pattern with Go's grammar,
 * reports Go's errors ("error parsing regexp: invalid escape sequence: `\1`"), and hands
 * PCRE2 a translated pattern whose meaning is Go's:
 *   - constructs Go rejects are rejected (backreferences, lookarounds, atomic groups,
 *     possessive quantifiers, \Z, \h, \K, (?x), verbs, ...), with Go's message;
 *   - $ without (?m) matches only at the end of the text (PCRE2_DOLLAR_ENDONLY), (?m)^ also
 *     after a final newline (PCRE2_ALT_CIRCUMFLEX), only "\n" is a newline;
 *   - \s is Go's [\t\n\f\r ] (no VT), \v is VT, octal escapes and {n,m} follow Go's rules
 *     (a repeat count above 1000 is an error, "{01}" is literal text);
 *   - UTF-8 mode with ASCII \d \w \b, Unicode case folding and \p classes as in Go;
 *     invalid UTF-8 in the subject never matches a pattern character (Go would match it as
 *     U+FFFD; patterns that depend on that are the only known difference);
 *   - named groups keep Go's names (any ASCII letters, digits and _, duplicates allowed).
 * Matching is leftmost-first (Perl order), which is what Go's regexp package does.
 *
 * Ownership: a regex and a regex_list are malloc'd and freed with regex_free / regex_list_free.
 * A compiled regex is immutable; matching allocates per call, so one regex may be used from
 * several threads at once. */
#ifndef ROUTESRV_REGEX_H
#define ROUTESRV_REGEX_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"

typedef struct regex regex;

/* Compiles a Go-syntax pattern. Returns NULL with Go's error message appended to err. */
regex *regex_compile(const char *pattern, size_t len, buf *err);
void regex_free(regex *re);   /* NULL is fine */

/* Go's MatchString: is there a match anywhere in s? */
bool regex_search(const regex *re, const char *s, size_t len);

/* Go's ReplaceAllString: appends s with every match replaced by the expansion of template
 * ($1, ${1}, $name, ${name}, $$; "$1x" names the group "1x"; a group that did not take part
 * or does not exist expands to nothing; a malformed "$" stays literal). An empty match right
 * after the previous match is not replaced; after an empty match the search moves on by one
 * UTF-8 character. */
void regex_replace_all(const regex *re, const char *s, size_t len, const char *tmpl, size_t tmpl_len, buf *out);

/* --- lists (Kubernetes class filters, external-name allow-list) ------------------------ */
typedef struct regex_list regex_list;

/* Compiles n patterns. On error returns NULL and appends
 *   invalid -<flag> "<pattern>": <Go error>
 * to err. n == 0 gives an empty list (which matches nothing). */
regex_list *regex_list_compile(const char *const *patterns, size_t n, const char *flag, buf *err);
/* True if any regexp of the list matches somewhere in s (Go MatchString); false if empty. */
bool regex_list_any_match(const regex_list *l, str s);
size_t regex_list_len(const regex_list *l);
void regex_list_free(regex_list *l);   /* NULL is fine */
#endif
