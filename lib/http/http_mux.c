/* http_mux.c: Go 1.22's ServeMux path handling (see http_mux.h). The steps follow Go's
 * ServeMux.findHandler, cleanPath, path.Clean and the routing tree's firstSegment. */
#include "http/http_mux.h"

#include <stdbool.h>
#include <string.h>

#include "go/go_text.h"
#include "go/go_url.h"

static bool is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static int unhex(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* url.PathUnescape of an escape-checked string (go_url accepted it). */
static void unescape(buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
			buf_putc(out, (char)(unhex(s[i + 1]) << 4 | unhex(s[i + 2])));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* URL.EscapedPath() of a request whose path was written as raw. */
static void escaped_path(buf *out, str raw)
{
	if (go_path_valid_encoded(raw.ptr, raw.len)) {
		buf_append(out, raw.ptr, raw.len);
		return;
	}
	buf decoded = BUF_INIT;
	unescape(&decoded, raw.ptr, raw.len);
	go_path_escape(out, decoded.ptr ? decoded.ptr : "", decoded.len);
	buf_free(&decoded);
}

/* path.Clean of a rooted path p[0..n) into out (which starts with "/"). */
static void clean_rooted(buf *out, const char *p, size_t n)
{
	buf_putc(out, '/');
	size_t dotdot = 1;
	for (size_t r = 1; r < n;) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (out->len > dotdot) {
				out->len--;
				while (out->len > dotdot && out->ptr[out->len] != '/') out->len--;
				out->ptr[out->len] = 0;
			}
		} else {
			if (out->len != 1) buf_putc(out, '/');
			for (; r < n && p[r] != '/'; r++) buf_putc(out, p[r]);
		}
	}
}

/* Go's cleanPath: rooted, cleaned, a trailing slash kept. */
static void clean_path(buf *out, const char *p, size_t n)
{
	buf rooted = BUF_INIT;
	if (n == 0 || p[0] != '/') buf_putc(&rooted, '/');
	buf_append(&rooted, p, n);
	clean_rooted(out, rooted.ptr, rooted.len);
	if (rooted.ptr[rooted.len - 1] == '/' && out->len > 1) buf_putc(out, '/');
	buf_free(&rooted);
}

/* The '/'-separated segments of [p, end), raw; one empty segment after a trailing '/'. */
typedef struct {
	const char *p, *end;
	bool done;
} segments;

static bool next_segment(segments *it, str *seg)
{
	if (it->done) return false;
	const char *slash = memchr(it->p, '/', (size_t)(it->end - it->p));
	*seg = (str){ it->p, slash ? (size_t)(slash - it->p) : (size_t)(it->end - it->p) };
	if (slash) it->p = slash + 1;
	else it->done = true;
	return true;
}

/* Compares an escaped path segment, unescaped, with a pattern's literal segment. */
static bool segment_is(str raw, str lit)
{
	if (!memchr(raw.ptr, '%', raw.len)) return raw.len == lit.len && memcmp(raw.ptr, lit.ptr, lit.len) == 0;
	buf d = BUF_INIT;
	unescape(&d, raw.ptr, raw.len);
	bool eq = d.len == lit.len && memcmp(d.ptr ? d.ptr : "", lit.ptr, lit.len) == 0;
	buf_free(&d);
	return eq;
}

static bool is_wildcard(str seg) { return seg.len > 2 && seg.ptr[0] == '{' && seg.ptr[seg.len - 1] == '}'; }

typedef enum { PAT_NO, PAT_YES, PAT_WANTS_SLASH } pat_match;

/* Matches a clean path against one pattern; a "{name}" segment's value goes to wildcard.
 * PAT_WANTS_SLASH: the path is a subtree pattern without its trailing slash. */
static pat_match match_pattern(const char *pattern, str path, buf *wildcard)
{
	size_t plen = strlen(pattern);
	bool subtree = plen > 1 && pattern[plen - 1] == '/';
	segments pi = { pattern + 1, pattern + plen - subtree, false };
	segments si = { path.ptr + 1, path.ptr + path.len, false };
	str ps, ss;
	while (next_segment(&pi, &ps)) {
		if (!next_segment(&si, &ss)) return PAT_NO;
		if (is_wildcard(ps)) {
			if (ss.len == 0) return PAT_NO;
			buf_reset(wildcard);
			unescape(wildcard, ss.ptr, ss.len);
		} else if (!segment_is(ss, ps)) {
			return PAT_NO;
		}
	}
	bool more = next_segment(&si, &ss);
	if (subtree) return more ? PAT_YES : PAT_WANTS_SLASH;
	return more ? PAT_NO : PAT_YES;
}

/* What cleanPath leaves as it is: rooted, no empty segment but a trailing one, no "." or
 * ".." segment. (The usual request: no copy is made of it.) */
static bool is_clean(str p)
{
	if (p.len == 0 || p.ptr[0] != '/') return false;
	for (size_t i = 1, start = 1; i <= p.len; i++) {
		if (i < p.len && p.ptr[i] != '/') continue;
		size_t n = i - start;
		const char *seg = p.ptr + start;
		if ((n == 0 && i < p.len) || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

/* The 301 target: the path as Go's url.URL{Path: p, RawQuery: q}.String() writes it. */
static void set_redirect(mux_route *out, const char *path, size_t len, str query)
{
	out->kind = MUX_REDIRECT;
	go_path_escape(&out->location, path, len);
	if (query.len) {
		buf_putc(&out->location, '?');
		buf_append(&out->location, query.ptr, query.len);
	}
}

void http_mux_route(const char *const *patterns, size_t n, const char *request_uri, mux_route *out)
{
	out->kind = MUX_BAD_REQUEST;
	out->pattern = -1;
	go_url u;
	buf err = BUF_INIT;
	int rc = request_uri ? go_url_parse_request_uri((str){ request_uri, strlen(request_uri) }, &u, &err) : -1;
	buf_free(&err);
	/* Go's server reads the request line up to the first space: one in the URI breaks it. */
	if (rc != 0 || strchr(request_uri, ' ')) return;
	buf escaped = BUF_INIT, clean = BUF_INIT;
	str path = u.path;   /* the path routed: escaped and clean */
	bool unchanged = is_clean(path) && go_path_valid_encoded(path.ptr, path.len);
	if (!unchanged) {
		escaped_path(&escaped, u.path);
		clean_path(&clean, escaped.ptr ? escaped.ptr : "", escaped.len);
		path = (str){ clean.ptr, clean.len };
		unchanged = clean.len == escaped.len && memcmp(clean.ptr, escaped.ptr ? escaped.ptr : "", clean.len) == 0;
	}
	out->kind = MUX_NOT_FOUND;
	bool wants_slash = false;
	for (size_t i = 0; i < n && out->kind == MUX_NOT_FOUND; i++) {
		if (!patterns[i]) continue;
		buf_reset(&out->wildcard);
		pat_match m = match_pattern(patterns[i], path, &out->wildcard);
		if (m == PAT_YES) {
			out->kind = MUX_MATCH;
			out->pattern = (int)i;
		}
		wants_slash |= m == PAT_WANTS_SLASH;
	}
	if (out->kind == MUX_NOT_FOUND && wants_slash) {   /* Go's matchOrRedirect: "/tree" to "/tree/" */
		buf slash = BUF_INIT;
		buf_append(&slash, path.ptr, path.len);
		buf_putc(&slash, '/');
		set_redirect(out, slash.ptr, slash.len, u.raw_query);
		buf_free(&slash);
	} else if (!unchanged) {
		out->pattern = -1;
		set_redirect(out, path.ptr, path.len, u.raw_query);
	}
	if (out->kind != MUX_MATCH) buf_reset(&out->wildcard);
	buf_free(&escaped);
	buf_free(&clean);
}

void mux_route_free(mux_route *r)
{
	buf_free(&r->wildcard);
	buf_free(&r->location);
	*r = (mux_route)MUX_ROUTE_INIT;
}
