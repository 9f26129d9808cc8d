/* go_text.c: Go's text helpers that skipper's messages and escapes depend on:
 * utf8.DecodeRune, strconv.Quote (%q in error texts), strings.TrimSpace, url.QueryEscape and
 * the path escaping of url.URL. */
#include "go/go_text.h"

#include <stdbool.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";
static const char HEXDIG[] = "0123456789ABCDEF";

static bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* --- strconv.Quote --------------------------------------------------------------------- */

/* Decodes one UTF-8 rune like Go's utf8.DecodeRune: invalid input gives -1, size 1. */
long go_decode_rune(const unsigned char *s, size_t n, size_t *size)
{
	*size = 1;
	unsigned char c = s[0];
	if (c < 0x80)
		return c;
	int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
	if (len == 0 || c > 0xF4 || (size_t)len > n)
		return -1;
	long r = c & (0x7F >> len);
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		r = (r << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF))) || (len == 4 && (r < 0x10000 || r > 0x10FFFF)))
		return -1;
	*size = (size_t)len;
	return r;
}

/* An approximation of Go's unicode.IsPrint for non-ASCII runes: controls, spaces, format
 * characters and private use are not printable; everything else is. */
static bool rune_printable(long r)
{
	return !((r >= 0x80 && r <= 0xA0) || r == 0xAD || r == 0x1680 || (r >= 0x2000 && r <= 0x200F) ||
		 (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x2064) || r == 0x3000 || r == 0xFEFF ||
		 (r >= 0xE000 && r <= 0xF8FF) || (r & 0xFFFE) == 0xFFFE);
}

void go_quote(buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_putc(out, '"');
	for (size_t i = 0, size; i < n; i += size) {
		long r = go_decode_rune(p + i, n - i, &size);
		char tmp[12];
		if (r == '"' || r == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)r;
			buf_append(out, tmp, 2);
		} else if (r >= 0x20 && r < 0x7F) {
			buf_putc(out, (char)r);
		} else if (r > 0x7F && rune_printable(r)) {
			buf_append(out, s + i, size);
		} else if (r >= 7 && r <= 13) {
			static const char letters[] = "abtnvfr";   /* \a=7 ... \r=13 */
			tmp[0] = '\\';
			tmp[1] = letters[r - 7];
			buf_append(out, tmp, 2);
		} else if (r < 0 || r < 0x80) {       /* invalid byte, other control, DEL */
			unsigned char c = p[i];
			tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hexdig[c >> 4], tmp[3] = hexdig[c & 15];
			buf_append(out, tmp, 4);
		} else if (r < 0x10000) {
			buf_printf(out, "\\u%04lx", r);
		} else {
			buf_printf(out, "\\U%08lx", r);
		}
	}
	buf_putc(out, '"');
}

/* --- strings.TrimSpace ----------------------------------------------------------------- */

/* Length of the Unicode white-space rune at s (0: none). */
static size_t space_prefix(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2;
	if (n < 3)
		return 0;
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
		return 3;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Length of the Unicode white-space rune ending at s + n (0: none). */
static size_t space_suffix(const unsigned char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_prefix(s + n - k, k) == k)
			return k;
	return 0;
}

void go_trim_space(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t len = *n, k;
	while (len && (k = space_prefix(p, len)) != 0)
		p += k, len -= k;
	while (len && (k = space_suffix(p, len)) != 0)
		len -= k;
	*s = (const char *)p;
	*n = len;
}

/* --- net/url --------------------------------------------------------------------------- */

void go_query_escape(buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			buf_putc(out, (char)c);
		} else if (c == ' ') {
			buf_putc(out, '+');
		} else {
			char e[3] = { '%', HEXDIG[c >> 4], HEXDIG[c & 15] };
			buf_append(out, e, 3);
		}
	}
}

/* Go's shouldEscape(c, encodePath). */
static bool path_must_escape(unsigned char c)
{
	if (is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
		return false;
	return !strchr("$&+,/:;=@", c) || c == 0;
}

void go_path_escape(buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!path_must_escape(c)) {
			buf_putc(out, (char)c);
		} else {
			char e[3] = { '%', HEXDIG[c >> 4], HEXDIG[c & 15] };
			buf_append(out, e, 3);
		}
	}
}

bool go_path_valid_encoded(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != 0 && strchr("!$&'()*+,;=:@[]%", c))
			continue;
		if (path_must_escape(c))
			return false;
	}
	return true;
}
