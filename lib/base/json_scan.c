/* json_scan.c: JSON text scanned in place (see json_scan.h).
 *
 * The checker is a loop over an explicit stack of open brackets rather than recursion, so
 * hostile nesting costs no C stack; strings, which are most of a Kubernetes object's bytes,
 * go through SSE2 compares 16 bytes at a time where there is SSE2 (every x86-64), else a
 * byte-class table. */
#include "base/json_scan.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

const char *json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

const char *json_skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

const char *json_skip_value(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p == '"')
		return json_skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	size_t depth = 0;
	for (; p < end; p++) {
		switch (*p) {
		case '"':
			p = json_skip_string(p, end);
			if (!p)
				return NULL;
			p--;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* --- validation ------------------------------------------------------------------------------ */

static const char *fail(json_error *e, const char *at, const char *reason)
{
	e->at = at;
	e->reason = reason;
	return NULL;
}

/* Bytes that stand for themselves inside a string: not '"', '\\' or a control character. */
#define PLAIN(c) ((unsigned char)(c) >= 0x20 && (c) != '"' && (c) != '\\')
#define ROW(b) PLAIN(b), PLAIN(b + 1), PLAIN(b + 2), PLAIN(b + 3), PLAIN(b + 4), PLAIN(b + 5), PLAIN(b + 6), PLAIN(b + 7)
static const bool plain_byte[256] = {
	ROW(0), ROW(8), ROW(16), ROW(24), ROW(32), ROW(40), ROW(48), ROW(56),
	ROW(64), ROW(72), ROW(80), ROW(88), ROW(96), ROW(104), ROW(112), ROW(120),
	ROW(128), ROW(136), ROW(144), ROW(152), ROW(160), ROW(168), ROW(176), ROW(184),
	ROW(192), ROW(200), ROW(208), ROW(216), ROW(224), ROW(232), ROW(240), ROW(248),
};
#undef ROW
#undef PLAIN

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The first byte at or after u that is not plain (or end). */
static const unsigned char *skip_plain(const unsigned char *u, const unsigned char *end)
{
#ifdef __SSE2__
	/* 16 bytes per step: long strings (annotations, filters, certificates) are common. */
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1f);
	while (end - u >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)u);
		__m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
					       _mm_cmpeq_epi8(_mm_max_epu8(v, control), control));   /* v <= 0x1f */
		int mask = _mm_movemask_epi8(special);
		if (mask)
			return u + __builtin_ctz((unsigned)mask);
		u += 16;
	}
#endif
	while (end - u >= 4 && plain_byte[u[0]] && plain_byte[u[1]] && plain_byte[u[2]] && plain_byte[u[3]])
		u += 4;
	while (u < end && plain_byte[*u])
		u++;
	return u;
}

/* p at '"'; the position after the closing quote. */
static const char *check_string(const char *p, const char *end, json_error *e)
{
	const char *start = p;
	const unsigned char *u = (const unsigned char *)p + 1, *uend = (const unsigned char *)end;
	for (;;) {
		u = skip_plain(u, uend);
		if (u >= uend)
			return fail(e, start, "unterminated string");
		if (*u == '"')
			return (const char *)u + 1;
		if (*u != '\\')
			return fail(e, (const char *)u, "control character in a string");
		if (uend - u < 2)
			return fail(e, start, "unterminated string");
		switch (u[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			u += 2;
			break;
		case 'u':
			if (uend - u < 6 || !is_hex((char)u[2]) || !is_hex((char)u[3]) || !is_hex((char)u[4]) ||
			    !is_hex((char)u[5]))
				return fail(e, (const char *)u, "invalid \\u escape");
			u += 6;
			break;
		default:
			return fail(e, (const char *)u, "invalid escape in a string");
		}
	}
}

const char *json_find_string_control(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p, *uend = (const unsigned char *)end;
	while ((u = memchr(u, '"', (size_t)(uend - u))) != NULL) {
		for (u++;;) {
			u = skip_plain(u, uend);
			if (u >= uend)
				return NULL;   /* unterminated: the parser's error, not ours */
			if (*u == '"')
				break;
			if (*u != '\\')
				return (const char *)u;
			u += 2;
			if (u >= uend)
				return NULL;
		}
		u++;
	}
	return NULL;
}

static const char *digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *check_number(const char *p, const char *end, json_error *e)
{
	const char *start = p;
	if (*p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		p = digits(p, end);
	else
		return fail(e, start, "invalid number");
	if (p < end && *p == '.') {
		const char *frac = ++p;
		if ((p = digits(p, end)) == frac)
			return fail(e, start, "invalid number");
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		const char *exp = p;
		if ((p = digits(p, end)) == exp)
			return fail(e, start, "invalid number");
	}
	return p;
}

static const char *check_literal(const char *p, const char *end, const char *word, json_error *e)
{
	size_t n = strlen(word);
	if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
		return fail(e, p, "invalid literal");
	return p + n;
}

/* One value at p inside `depth` open containers. The stack holds the closing bracket of
 * each container this call opened. */
static const char *check_value_at(const char *p, const char *end, unsigned depth, json_error *e)
{
	char stack[JSON_MAX_DEPTH];
	unsigned n = 0;
	p = json_skip_ws(p, end);
	for (;;) {
		/* a value starts at p */
		if (p >= end)
			return fail(e, p, "unexpected end of input");
		switch (*p) {
		case '{':
		case '[':
			if (depth + n >= JSON_MAX_DEPTH)
				return fail(e, p, "nested too deeply");
			stack[n++] = *p == '{' ? '}' : ']';
			p = json_skip_ws(p + 1, end);
			if (p < end && *p == stack[n - 1]) {
				n--;
				p++;
				break;
			}
			if (stack[n - 1] == ']')
				continue;
			goto key;
		case '"':
			if (!(p = check_string(p, end, e)))
				return NULL;
			break;
		case 't': p = check_literal(p, end, "true", e); break;
		case 'f': p = check_literal(p, end, "false", e); break;
		case 'n': p = check_literal(p, end, "null", e); break;
		default:
			if (*p != '-' && (*p < '0' || *p > '9'))
				return fail(e, p, "expected a value");
			p = check_number(p, end, e);
			break;
		}
		if (!p)
			return NULL;
	after_value:
		if (n == 0)
			return p;
		p = json_skip_ws(p, end);
		if (p >= end)
			return fail(e, p, "unexpected end of input");
		if (*p == stack[n - 1]) {
			n--;
			p++;
			goto after_value;
		}
		if (*p != ',')
			return fail(e, p, stack[n - 1] == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
		p = json_skip_ws(p + 1, end);
		if (stack[n - 1] == ']')
			continue;
	key:
		if (p >= end || *p != '"')
			return fail(e, p, p >= end ? "unexpected end of input" : "expected a string key");
		if (!(p = check_string(p, end, e)))
			return NULL;
		p = json_skip_ws(p, end);
		if (p >= end || *p != ':')
			return fail(e, p, p >= end ? "unexpected end of input" : "expected ':' after a key");
		p = json_skip_ws(p + 1, end);
	}
}

const char *json_check_value(const char *p, const char *end, json_error *e)
{
	return check_value_at(p, end, 0, e);
}

/* --- walking ---------------------------------------------------------------------------------- */

static int begin(json_walk *w, const char *p, const char *end, unsigned depth, json_error *err, char open,
		 const char *what)
{
	*w = (json_walk){ .end = end, .depth = depth + 1, .first = true, .err = err };
	p = json_skip_ws(p, end);
	if (p >= end || *p != open) {
		fail(err, p, p >= end ? "unexpected end of input" : what);
		return -1;
	}
	if (w->depth > JSON_MAX_DEPTH) {
		fail(err, p, "nested too deeply");
		return -1;
	}
	w->p = p + 1;
	return 0;
}

int json_object_begin(json_walk *w, const char *p, const char *end, unsigned depth, json_error *err)
{
	return begin(w, p, end, depth, err, '{', "expected an object");
}

int json_array_begin(json_walk *w, const char *p, const char *end, unsigned depth, json_error *err)
{
	return begin(w, p, end, depth, err, '[', "expected an array");
}

/* Moves past the separator before the next entry: 1 at an entry, 0 past the closing
 * bracket, -1 on error. */
static int next_entry(json_walk *w, char close)
{
	const char *p = json_skip_ws(w->p, w->end);
	if (p >= w->end) {
		fail(w->err, p, "unexpected end of input");
		return -1;
	}
	if (*p == close) {
		w->p = p + 1;
		return 0;
	}
	if (!w->first) {
		if (*p != ',') {
			fail(w->err, p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
			return -1;
		}
		p = json_skip_ws(p + 1, w->end);
	}
	w->first = false;
	w->p = p;
	return 1;
}

int json_object_next(json_walk *w, const char **key, const char **key_end)
{
	int rc = next_entry(w, '}');
	if (rc != 1)
		return rc;
	const char *p = w->p;
	if (p >= w->end || *p != '"') {
		fail(w->err, p, p >= w->end ? "unexpected end of input" : "expected a string key");
		return -1;
	}
	*key = p;
	if (!(p = check_string(p, w->end, w->err)))
		return -1;
	*key_end = p;
	p = json_skip_ws(p, w->end);
	if (p >= w->end || *p != ':') {
		fail(w->err, p, p >= w->end ? "unexpected end of input" : "expected ':' after a key");
		return -1;
	}
	w->p = json_skip_ws(p + 1, w->end);
	return 1;
}

int json_array_next(json_walk *w)
{
	return next_entry(w, ']');
}

bool json_walk_value(json_walk *w)
{
	const char *p = check_value_at(w->p, w->end, w->depth, w->err);
	if (!p)
		return false;
	w->p = p;
	return true;
}
