/* go_url.c: Go's net/url parsing (see go_url.h). One parser serves url.Parse (RouteGroup
 * backends) and url.ParseRequestURI (eskip LB endpoints); the steps and messages mirror
 * Go's url.parse / parseAuthority / parseHost / unescape so that skipper's validation
 * messages and allow-list decisions come out the same. */
#include "go/go_url.h"

#include <string.h>

#include "go/go_text.h"   /* go_quote: Go's %q for the error texts */

typedef enum { ENC_PATH, ENC_HOST, ENC_ZONE, ENC_USER, ENC_FRAGMENT } go_encoding;

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int unhex(char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

static const char *find_char(str s, char c) { return s.len ? memchr(s.ptr, c, s.len) : NULL; }

static const char *find_last_char(str s, char c)
{
	for (size_t i = s.len; i > 0; i--)
		if (s.ptr[i - 1] == c)
			return s.ptr + i - 1;
	return NULL;
}

static str sub(str s, size_t from, size_t to) { return (str){ s.ptr + from, to - from }; }

/* ASCII host bytes Go accepts unescaped (shouldEscape(c, encodeHost) == false): letters,
 * digits and -_.~!$&'()*+,;=:[]<>" ; a table because every LB endpoint's host goes through it. */
static const unsigned char host_ok[128] = {
	['-'] = 1, ['_'] = 1, ['.'] = 1, ['~'] = 1, ['!'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1,
	['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, [';'] = 1, ['='] = 1, [':'] = 1,
	['['] = 1, [']'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
	['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Go's shouldEscape(c, encodeHost) (encodeZone is the same for these bytes). */
static bool host_must_escape(unsigned char c) { return c >= 0x80 || !host_ok[c]; }

static int escape_error(buf *err, const char *p, size_t n)
{
	buf_puts(err, "invalid URL escape ");
	go_quote(err, p, n);
	return -1;
}

/* Go's unescape() acceptance: bad %-escapes; in hosts %-escaped ASCII below 0x80 (other
 * than %25), in zones escapes of bytes a host may not hold, and in both bytes that would
 * need escaping. The decoded value is made separately (unescape) where it is needed. */
static int check_unescape(str s, go_encoding mode, buf *err)
{
	for (size_t i = 0; i < s.len;) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '%') {
			if (i + 2 >= s.len || !is_hex(s.ptr[i + 1]) || !is_hex(s.ptr[i + 2]))
				return escape_error(err, s.ptr + i, s.len - i > 3 ? 3 : s.len - i);
			bool pct25 = s.ptr[i + 1] == '2' && s.ptr[i + 2] == '5';
			if (mode == ENC_HOST && unhex(s.ptr[i + 1]) < 8 && !pct25)
				return escape_error(err, s.ptr + i, 3);
			if (mode == ENC_ZONE) {
				unsigned char v = (unsigned char)(unhex(s.ptr[i + 1]) << 4 | unhex(s.ptr[i + 2]));
				if (!pct25 && v != ' ' && host_must_escape(v))
					return escape_error(err, s.ptr + i, 3);
			}
			i += 3;
			continue;
		}
		if ((mode == ENC_HOST || mode == ENC_ZONE) && c < 0x80 && host_must_escape(c)) {
			buf_puts(err, "invalid character ");
			go_quote(err, s.ptr + i, 1);
			buf_puts(err, " in host name");
			return -1;
		}
		i++;
	}
	return 0;
}

/* Decodes the %-escapes of a string check_unescape accepted. */
static str unescape(arena *a, str s)
{
	if (!find_char(s, '%'))
		return s;
	char *out = arena_alloc(a, s.len + 1);
	size_t n = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] == '%') {
			out[n++] = (char)(unhex(s.ptr[i + 1]) << 4 | unhex(s.ptr[i + 2]));
			i += 2;
		} else {
			out[n++] = s.ptr[i];
		}
	}
	return (str){ out, n };
}

/* ":digits" or empty. */
static bool valid_optional_port(str p)
{
	if (p.len == 0)
		return true;
	if (p.ptr[0] != ':')
		return false;
	for (size_t i = 1; i < p.len; i++)
		if (!is_digit(p.ptr[i]))
			return false;
	return true;
}

static int invalid_port(buf *err, str port)
{
	buf_puts(err, "invalid port ");
	go_quote(err, port.ptr, port.len);
	buf_puts(err, " after host");
	return -1;
}

/* Go's parseHost acceptance (the host stays escaped). */
static int parse_host(str host, buf *err)
{
	if (host.len && host.ptr[0] == '[') {
		const char *close = find_last_char(host, ']');
		if (!close) {
			buf_puts(err, "missing ']' in host");
			return -1;
		}
		size_t i = (size_t)(close - host.ptr);
		if (!valid_optional_port(sub(host, i + 1, host.len)))
			return invalid_port(err, sub(host, i + 1, host.len));
		const char *zone = memmem(host.ptr, i, "%25", 3);
		if (zone) {
			size_t z = (size_t)(zone - host.ptr);
			return check_unescape(sub(host, 0, z), ENC_HOST, err) ||
			       check_unescape(sub(host, z, i), ENC_ZONE, err) ||
			       check_unescape(sub(host, i, host.len), ENC_HOST, err) ? -1 : 0;
		}
	} else {
		/* From the FIRST colon, as Go 1.26+ does (rejects "a:1:2" and "::1"; skipper's
		 * go.mod asks for a newer Go). */
		const char *colon = find_char(host, ':');
		if (colon) {
			str port = sub(host, (size_t)(colon - host.ptr), host.len);
			if (!valid_optional_port(port))
				return invalid_port(err, port);
		}
	}
	return check_unescape(host, ENC_HOST, err);
}

static bool valid_userinfo(str s)
{
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (!is_alpha(c) && !is_digit(c) && !strchr("-._:~!$&'()*+,;=%@", c))
			return false;   /* includes every non-ASCII byte, as Go rejects non-ASCII runes */
	}
	return true;
}

static int parse_authority(str auth, go_url *u, buf *err)
{
	const char *at = find_last_char(auth, '@');
	size_t host_from = at ? (size_t)(at - auth.ptr) + 1 : 0;
	u->host = sub(auth, host_from, auth.len);
	if (parse_host(u->host, err))
		return -1;
	if (!at)
		return 0;
	str user = sub(auth, 0, host_from - 1);
	if (!valid_userinfo(user)) {
		buf_puts(err, "net/url: invalid userinfo");
		return -1;
	}
	return check_unescape(user, ENC_USER, err);   /* username and password alike */
}

/* getScheme: "" and the whole input when there is no valid scheme. */
static int get_scheme(str s, str *scheme, str *rest, buf *err)
{
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (is_alpha(c))
			continue;
		if (is_digit(c) || c == '+' || c == '-' || c == '.') {
			if (i == 0)
				break;
			continue;
		}
		if (c == ':') {
			if (i == 0) {
				buf_puts(err, "missing protocol scheme");
				return -1;
			}
			*scheme = sub(s, 0, i);
			*rest = sub(s, i + 1, s.len);
			return 0;
		}
		break;
	}
	*scheme = (str){ "", 0 };
	*rest = s;
	return 0;
}

static size_t count_char(str s, char c)
{
	size_t n = 0;
	for (size_t i = 0; i < s.len; i++)
		n += s.ptr[i] == c;
	return n;
}

static bool has_control_byte(str s)
{
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.ptr[i] < ' ' || s.ptr[i] == 0x7f)
			return true;
	return false;
}

/* Go's parse(rawURL, viaRequest), leaving scheme and host as written; allocates nothing. */
static int parse(str s, bool via_request, go_url *u, buf *err)
{
	if (has_control_byte(s)) {
		buf_puts(err, "net/url: invalid control character in URL");
		return -1;
	}
	if (s.len == 0 && via_request) {
		buf_puts(err, "empty url");
		return -1;
	}
	if (s.len == 1 && s.ptr[0] == '*') {
		u->has_path = true;
		u->path = s;
		return 0;
	}
	str rest;
	if (get_scheme(s, &u->scheme, &rest, err))
		return -1;
	if (rest.len && rest.ptr[rest.len - 1] == '?' && count_char(rest, '?') == 1) {
		rest.len--;   /* ForceQuery: no RawQuery */
	} else {
		const char *q = find_char(rest, '?');
		if (q) {
			u->raw_query = sub(rest, (size_t)(q - rest.ptr) + 1, rest.len);
			rest.len = (size_t)(q - rest.ptr);
		}
	}
	if (!rest.len || rest.ptr[0] != '/') {
		if (u->scheme.len) {
			u->opaque = rest;
			return 0;
		}
		if (via_request) {
			buf_puts(err, "invalid URI for request");
			return -1;
		}
		const char *sl = find_char(rest, '/');
		if (find_char(sl ? sub(rest, 0, (size_t)(sl - rest.ptr)) : rest, ':')) {
			buf_puts(err, "first path segment in URL cannot contain colon");
			return -1;
		}
	}
	bool triple = rest.len >= 3 && memcmp(rest.ptr, "///", 3) == 0;
	if ((u->scheme.len || (!via_request && !triple)) && rest.len >= 2 && memcmp(rest.ptr, "//", 2) == 0) {
		str auth = sub(rest, 2, rest.len);
		const char *sl = find_char(auth, '/');
		rest = sl ? sub(auth, (size_t)(sl - auth.ptr), auth.len) : (str){ "", 0 };
		if (sl)
			auth.len = (size_t)(sl - auth.ptr);
		if (parse_authority(auth, u, err))
			return -1;
	}
	if (check_unescape(rest, ENC_PATH, err))
		return -1;
	u->path = rest;
	u->has_path = rest.len > 0;
	return 0;
}

static int wrap_error(buf *err, size_t mark, str quoted)
{
	/* The reason was appended at `mark`; Go prints `parse "<url>": <reason>`. */
	buf reason = BUF_INIT;
	buf_append(&reason, err->ptr + mark, err->len - mark);
	err->len = mark;
	buf_puts(err, "parse ");
	go_quote(err, quoted.ptr, quoted.len);
	buf_puts(err, ": ");
	buf_append(err, reason.ptr, reason.len);
	buf_free(&reason);
	return -1;
}

static int parse_fragment(str s, go_url *u, buf *err)
{
	const char *hash = find_char(s, '#');
	str before = hash ? sub(s, 0, (size_t)(hash - s.ptr)) : s;
	size_t mark = err->len;
	if (parse(before, false, u, err))
		return wrap_error(err, mark, before);
	if (hash) {
		u->fragment = sub(s, (size_t)(hash - s.ptr) + 1, s.len);
		if (check_unescape(u->fragment, ENC_FRAGMENT, err))
			return wrap_error(err, mark, s);
	}
	return 0;
}

int go_url_parse(arena *scratch, str s, go_url *u, buf *err)
{
	memset(u, 0, sizeof *u);
	buf ignored = BUF_INIT;
	int rc = parse_fragment(s, u, err ? err : &ignored);
	buf_free(&ignored);
	if (rc || !scratch)
		return rc;
	char *lower = arena_alloc(scratch, u->scheme.len + 1);
	for (size_t i = 0; i < u->scheme.len; i++) {
		char c = u->scheme.ptr[i];
		lower[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	u->scheme = (str){ lower, u->scheme.len };
	u->host = unescape(scratch, u->host);
	return 0;
}

int go_url_parse_request_uri(str s, go_url *u, buf *err)
{
	memset(u, 0, sizeof *u);
	size_t mark = err->len;
	return parse(s, true, u, err) ? wrap_error(err, mark, s) : 0;
}

str go_url_hostname(const go_url *u)
{
	str h = u->host;
	const char *colon = find_last_char(h, ':');
	if (colon && valid_optional_port(sub(h, (size_t)(colon - h.ptr), h.len)))
		h.len = (size_t)(colon - h.ptr);
	if (h.len >= 2 && h.ptr[0] == '[' && h.ptr[h.len - 1] == ']')
		h = sub(h, 1, h.len - 1);
	return h;
}
