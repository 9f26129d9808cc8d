/* go_text.h: Go standard-library text functions, byte for byte as skipper's messages and
 * escapes need them (utf8, strconv, strings, net/url).
 *
 * Ownership: the functions append to a caller-owned buf or return positions in the
 * caller's bytes; nothing is allocated here. */
#ifndef ROUTESRV_GO_TEXT_H
#define ROUTESRV_GO_TEXT_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* One UTF-8 rune like Go's utf8.DecodeRune: -1 with *size 1 for invalid input. */
long go_decode_rune(const unsigned char *s, size_t n, size_t *size);
/* Go strconv.Quote (used for %q in error messages). */
void go_quote(buf *out, const char *s, size_t n);
/* Go strings.TrimSpace on a byte range (Unicode white space, at both ends only). */
void go_trim_space(const char **s, size_t *n);
/* Go url.QueryEscape. */
void go_query_escape(buf *out, const char *s, size_t n);
/* Go's escape(s, encodePath), what URL.EscapedPath() writes for a path without RawPath:
 * everything but letters, digits, -_.~ and $&+,/:;=@ as %XX. */
void go_path_escape(buf *out, const char *s, size_t n);
/* Go's validEncoded(s, encodePath): s may stand as an escaped path as it is (RawPath). */
bool go_path_valid_encoded(const char *s, size_t n);
#endif
