/* eskip_url.c: LB endpoints of the eskip semantic pass: endpoint checks (A4 step 1:
 * ParseRequestURI through go/go_url.c's parser, one scheme per route) and zone extraction
 * from ?zone= (A7).
 *
 * Only acceptance and error texts are modelled, not Go's URL struct: an endpoint that parses
 * is kept byte-identical unless it carries a zone. */
#include "eskip/eskip_internal.h"

#include <stdlib.h>
#include <string.h>

#include "go/go_url.h"

static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static int unhex(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static bool scheme_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))   /* scheme bytes: letters, digits, + - . */
			return false;
	return true;
}

/* A4 step 1 for one endpoint. A path-only endpoint has no scheme and so disables the check
 * for the next one (quirk). */
bool eskip_endpoint_valid(str ep, str *prev_scheme, buf *err)
{
	go_url u;
	if (go_url_parse_request_uri(ep, &u, err) != 0)
		return false;
	if (prev_scheme->len && !scheme_eq(prev_scheme->ptr, prev_scheme->len, u.scheme.ptr, u.scheme.len)) {
		buf_puts(err, "loadbalancer endpoints cannot have mixed protocols");
		return false;
	}
	*prev_scheme = u.scheme;
	return true;
}

/* Letters, digits and -._~: bytes that need no escaping anywhere in a URL (QueryEscape keeps
 * exactly these; hosts and paths accept them). */
static const unsigned char unreserved[256] = {
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
	['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

bool eskip_endpoint_plain(const lb_endpoint *e, str *scheme)
{
	const char *s = e->address.ptr, *end = s + e->address.len, *p = s;
	if (p == end || !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
		return false;
	while (p < end && (unreserved[(unsigned char)*p] || *p == '+') && *p != '_' && *p != '~')
		p++;   /* the scheme: a letter, then letters, digits, + - . */
	*scheme = (str){ s, (size_t)(p - s) };
	if (end - p < 4 || memcmp(p, "://", 3) != 0 || !unreserved[(unsigned char)p[3]])
		return false;
	for (p += 3; p < end && unreserved[(unsigned char)*p]; p++)
		;   /* the host */
	if (p < end && *p == ':')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			;   /* the port */
	if (p != end)
		return false;
	for (size_t i = 0; i < e->zone.len; i++)
		if (!unreserved[(unsigned char)e->zone.ptr[i]])
			return false;
	return true;
}

/* --- zone extraction (A7) -------------------------------------------------------------- */

/* Go's QueryUnescape into out; false on a bad %-escape. */
static bool query_unescape(buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			buf_putc(out, ' ');
		} else if (s[i] == '%') {
			if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return false;
			buf_putc(out, (char)(unhex(s[i + 1]) << 4 | unhex(s[i + 2])));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
	return true;
}

typedef struct {
	size_t key, key_len, val, val_len;   /* offsets into the decoding buffer */
} query_pair;

/* By key, then by position (pairs are decoded in order, so offsets grow): a stable sort. */
static int pair_key_cmp(const void *a, const void *b, void *base)
{
	const query_pair *x = a, *y = b;
	const char *s = base;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(s + x->key, s + y->key, n);
	if (!c)
		c = (x->key_len > y->key_len) - (x->key_len < y->key_len);
	return c ? c : (x->key > y->key) - (x->key < y->key);
}

/* Go's url.ParseQuery (errors drop the pair) followed by removing every "zone" key and
 * Values.Encode() of the rest (keys sorted, stable per key). Returns the first zone value
 * in *zone (decoded); the re-encoded query goes to enc. */
static void split_zone(const char *q, size_t n, buf *dec, buf *zone, bool *has_zone, buf *enc)
{
	query_pair pairs[64], *pv = pairs;
	size_t np = 0, cap = 64;
	*has_zone = false;
	for (const char *p = q, *end = q + n; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end, *seg = p;
		p = amp ? amp + 1 : end;
		if (seg == seg_end || memchr(seg, ';', (size_t)(seg_end - seg)))
			continue;
		const char *eq = memchr(seg, '=', (size_t)(seg_end - seg));
		const char *kend = eq ? eq : seg_end;
		query_pair qp = { .key = dec->len };
		if (!query_unescape(dec, seg, (size_t)(kend - seg)))
			continue;
		qp.key_len = dec->len - qp.key;
		qp.val = dec->len;
		if (eq && !query_unescape(dec, eq + 1, (size_t)(seg_end - eq - 1)))
			continue;
		qp.val_len = dec->len - qp.val;
		if (qp.key_len == 4 && memcmp(dec->ptr + qp.key, "zone", 4) == 0) {
			if (!*has_zone)
				buf_append(zone, dec->ptr + qp.val, qp.val_len);
			*has_zone = true;
			continue;
		}
		if (np == cap) {
			query_pair *nv = malloc(2 * cap * sizeof *nv);
			if (!nv)
				abort();
			memcpy(nv, pv, np * sizeof *nv);
			if (pv != pairs)
				free(pv);
			pv = nv;
			cap *= 2;
		}
		pv[np++] = qp;
	}
	const char *base = dec->ptr ? dec->ptr : "";   /* every key and value empty: no buffer yet */
	/* O(n log n): an endpoint URL is tenant input and may carry thousands of pairs */
	if (np > 1)
		qsort_r(pv, np, sizeof *pv, pair_key_cmp, (void *)base);
	for (size_t i = 0; i < np; i++) {
		if (i)
			buf_putc(enc, '&');
		go_query_escape(enc, base + pv[i].key, pv[i].key_len);
		buf_putc(enc, '=');
		go_query_escape(enc, base + pv[i].val, pv[i].val_len);
	}
	if (pv != pairs)
		free(pv);
}

/* Re-serialises the URL without the zone: lower-cased scheme and the rest up to the query
 * as written, the re-encoded query, and a non-empty fragment as written. This matches Go's
 * URL.String() for endpoints of the usual scheme://host:port[/path] shape. */
lb_endpoint eskip_endpoint_from_string(arena *a, str s)
{
	lb_endpoint e = { s, { "", 0 } };
	const char *qm = memchr(s.ptr, '?', s.len);   /* fast path: no query, or no "zone" in it */
	if (!qm || !memmem(qm, s.len - (size_t)(qm - s.ptr), "zone", 4))
		return e;
	go_url u;
	buf dec = BUF_INIT, zone = BUF_INIT, enc = BUF_INIT, out = BUF_INIT;
	bool has_zone = false;
	if (go_url_parse(NULL, s, &u, NULL) != 0 || !u.raw_query.len)
		goto done;
	split_zone(u.raw_query.ptr, u.raw_query.len, &dec, &zone, &has_zone, &enc);
	if (!has_zone || zone.len == 0)
		goto done;
	for (size_t i = 0; i < u.scheme.len; i++)
		buf_putc(&out, (char)(u.scheme.ptr[i] | (u.scheme.ptr[i] >= 'A' && u.scheme.ptr[i] <= 'Z' ? 0x20 : 0)));
	const char *query_mark = u.raw_query.ptr - 1;
	buf_append(&out, s.ptr + u.scheme.len, (size_t)(query_mark - s.ptr) - u.scheme.len);
	if (enc.len) {
		buf_putc(&out, '?');
		buf_append(&out, enc.ptr, enc.len);
	}
	if (u.fragment.len)   /* a lone '#' is dropped, as Go's String() does */
		buf_append(&out, u.fragment.ptr - 1, u.fragment.len + 1);
	e.address = arena_strndup(a, out.ptr ? out.ptr : "", out.len);
	e.zone = arena_strndup(a, zone.ptr, zone.len);
done:
	buf_free(&dec);
	buf_free(&zone);
	buf_free(&enc);
	buf_free(&out);
	return e;
}
