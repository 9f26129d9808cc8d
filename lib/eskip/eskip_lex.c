/* eskip_lex.c: the eskip lexer, byte for byte like skipper's (spec A2).
 *
 * Hot path of table parsing: character classes come from one table, strings are scanned
 * first and decoded in a second pass straight into the arena, and numbers that are small
 * integers are converted without strtod. */
#include "eskip/eskip_lex.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_OTHER, C_SPACE, C_DIGIT, C_ALPHA };

/* Character classes. Whitespace includes the single bytes 0x85 and 0xA0 (skipper tests
 * bytes, not runes). C_ALPHA is an identifier start: A-Z a-z _. */
static const unsigned char cls[256] = {
	[' '] = C_SPACE, ['\n'] = C_SPACE, ['\t'] = C_SPACE, ['\v'] = C_SPACE, ['\f'] = C_SPACE,
	['\r'] = C_SPACE, [0x85] = C_SPACE, [0xA0] = C_SPACE,
	['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
	['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
	['_'] = C_ALPHA,
	['A'] = C_ALPHA, ['B'] = C_ALPHA, ['C'] = C_ALPHA, ['D'] = C_ALPHA, ['E'] = C_ALPHA,
	['F'] = C_ALPHA, ['G'] = C_ALPHA, ['H'] = C_ALPHA, ['I'] = C_ALPHA, ['J'] = C_ALPHA,
	['K'] = C_ALPHA, ['L'] = C_ALPHA, ['M'] = C_ALPHA, ['N'] = C_ALPHA, ['O'] = C_ALPHA,
	['P'] = C_ALPHA, ['Q'] = C_ALPHA, ['R'] = C_ALPHA, ['S'] = C_ALPHA, ['T'] = C_ALPHA,
	['U'] = C_ALPHA, ['V'] = C_ALPHA, ['W'] = C_ALPHA, ['X'] = C_ALPHA, ['Y'] = C_ALPHA,
	['Z'] = C_ALPHA,
	['a'] = C_ALPHA, ['b'] = C_ALPHA, ['c'] = C_ALPHA, ['d'] = C_ALPHA, ['e'] = C_ALPHA,
	['f'] = C_ALPHA, ['g'] = C_ALPHA, ['h'] = C_ALPHA, ['i'] = C_ALPHA, ['j'] = C_ALPHA,
	['k'] = C_ALPHA, ['l'] = C_ALPHA, ['m'] = C_ALPHA, ['n'] = C_ALPHA, ['o'] = C_ALPHA,
	['p'] = C_ALPHA, ['q'] = C_ALPHA, ['r'] = C_ALPHA, ['s'] = C_ALPHA, ['t'] = C_ALPHA,
	['u'] = C_ALPHA, ['v'] = C_ALPHA, ['w'] = C_ALPHA, ['x'] = C_ALPHA, ['y'] = C_ALPHA,
	['z'] = C_ALPHA,
};

#define CLS(c) cls[(unsigned char)(c)]

void eskip_lex_init(eskip_lexer *l, arena *a, const char *text, size_t len)
{
	memset(l, 0, sizeof *l);
	l->begin = l->p = text ? text : "";
	l->end = l->p + (text ? len : 0);
	l->a = a;
	l->last = (str){ "", 0 };
	l->text = l->last;
}

/* Records a lexer error. `at` is where the unconsumed input starts afterwards: the
 * offending byte for "unexpected token", the end of what was scanned otherwise (A2.8). */
static tok_kind fail(eskip_lexer *l, const char *msg, const char *at)
{
	l->err = msg;
	l->p = at;
	return l->kind = TOK_EOF;
}

/* A token whose text is the input slice [l->p, l->p + n). */
static tok_kind token(eskip_lexer *l, tok_kind k, size_t n)
{
	l->text = (str){ l->p, n };
	l->last = l->text;
	l->p += n;
	return l->kind = k;
}

/* Skips whitespace and // comments (to, not including, the next newline). */
static const char *skip_space(const char *p, const char *end)
{
	for (;;) {
		while (p < end && CLS(*p) == C_SPACE)
			p++;
		if (end - p < 2 || p[0] != '/' || p[1] != '/')
			return p;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl : end;
	}
}

/* Number text → double, correctly rounded like Go's ParseFloat. Small integers are exact in
 * a double and converted directly; everything else goes through strtod, fed with
 * "<digits>e-<fraction digits>" so the locale's decimal point never matters. Overflow gives
 * ±Inf (strtod's HUGE_VAL), which is what skipper gets from ignoring ParseFloat's error. */
static double number_value(const char *s, size_t n)
{
	bool neg = *s == '-';
	const char *p = s + neg, *end = s + n;
	if (end - p <= 15 && !memchr(p, '.', (size_t)(end - p))) {
		uint64_t v = 0;
		for (; p < end; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		double d = (double)v;
		return neg ? -d : d;   /* "-0" gives negative zero, as in Go */
	}
	char small[96], *tmp = n + 32 <= sizeof small ? small : malloc(n + 32);
	if (!tmp)
		abort();
	size_t k = 0, frac = 0;
	bool in_frac = false;
	if (neg)
		tmp[k++] = '-';
	for (; p < end; p++) {
		if (*p == '.') {
			in_frac = true;
			continue;
		}
		tmp[k++] = *p;
		frac += in_frac;
	}
	if (k == (size_t)neg)      /* ".5" has digits; only a defensive guard */
		tmp[k++] = '0';
	k += (size_t)sprintf(tmp + k, "e-%zu", frac);
	double d = strtod(tmp, NULL);
	if (tmp != small)
		free(tmp);
	return d;
}

/* Optional '-', then a run of digits with at most one '.'; a second '.' ends the token. */
static tok_kind lex_number(eskip_lexer *l)
{
	const char *s = l->p, *q = s + (*s == '-'), *end = l->end;
	bool dot = false;
	for (; q < end; q++) {
		if (*q == '.') {
			if (dot)
				break;
			dot = true;
		} else if (CLS(*q) != C_DIGIT) {
			break;
		}
	}
	if (q[-1] == '.')        /* "3." ".", "-." */
		return fail(l, "incomplete token", q);
	l->num = number_value(s, (size_t)(q - s));
	return token(l, TOK_NUMBER, (size_t)(q - s));
}

static tok_kind lex_symbol(eskip_lexer *l)
{
	const char *q = l->p + 1;
	while (q < l->end && CLS(*q) >= C_DIGIT)
		q++;
	return token(l, TOK_SYMBOL, (size_t)(q - l->p));
}

/* Value of a backslash escape in a string literal; 0 keeps both bytes. */
static char string_escape(char c, char delim)
{
	switch (c) {
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	case '\\': return '\\';
	default: return c == delim ? delim : 0;
	}
}

/* A string literal delimited by `"` or '`'; escapes are processed in both (A2.6). */
static tok_kind lex_string(eskip_lexer *l)
{
	const char delim = *l->p;
	const char *s = l->p + 1, *q, *end = l->end;
	bool escapes = false;
	/* Fast path: memchr finds the delimiter; if no backslash comes before it, that is
	 * the end. Otherwise walk byte by byte from the first backslash. */
	q = memchr(s, delim, (size_t)(end - s));
	const char *bs = memchr(s, '\\', (size_t)((q ? q : end) - s));
	if (bs) {
		escapes = true;
		for (q = bs; q < end && *q != delim; q++)
			if (*q == '\\')
				q++;      /* the escaped byte may be the delimiter */
	}
	if (!q || q >= end)
		return fail(l, "incomplete token", end);
	size_t n = (size_t)(q - s);
	if (!escapes) {
		l->text = arena_strndup(l->a, s, n);
	} else {
		char *out = arena_alloc(l->a, n + 1), *o = out;
		for (const char *p = s; p < q; p++) {
			if (*p != '\\') {
				*o++ = *p;
				continue;
			}
			char e = string_escape(p[1], delim);
			if (e) {
				*o++ = e;
			} else {
				*o++ = '\\';
				*o++ = p[1];
			}
			p++;
		}
		*o = 0;
		l->text = (str){ out, (size_t)(o - out) };
	}
	l->last = l->text;
	l->p = q + 1;
	return l->kind = TOK_STRING;
}

/* A regexp literal after its opening '/' (A2.7). Pass 1 finds the closing '/' with the
 * escaped / in-group state machine; pass 2 decodes the same bytes into the arena. The
 * naive [ ] toggle is skipper's: it looks at `escaped` before the current byte. */
static const char *regexp_end(const char *p, const char *end)
{
	bool escaped = false, group = false;
	for (; p < end; p++) {
		char c = *p;
		if (!escaped && !group && c == '[')
			group = true;
		else if (!escaped && group && c == ']')
			group = false;
		if (escaped)
			escaped = false;
		else if (c == '/' && !group)
			return p;
		else if (c == '\\')
			escaped = true;
	}
	return NULL;
}

static tok_kind lex_regexp(eskip_lexer *l)
{
	const char *s = l->p + 1, *q = regexp_end(s, l->end);
	if (!q)
		return fail(l, "incomplete token", l->end);
	char *out = arena_alloc(l->a, (size_t)(q - s) + 1), *o = out;
	bool escaped = false;
	for (const char *p = s; p < q; p++) {
		char c = *p;
		if (escaped) {
			if (c != '/' && c != '\\')
				*o++ = '\\';    /* \d stays \d; only \/ and \\ lose the backslash */
			*o++ = c;
			escaped = false;
		} else if (c == '\\') {
			escaped = true;
		} else {
			*o++ = c;
		}
	}
	*o = 0;
	l->text = (str){ out, (size_t)(o - out) };
	l->last = l->text;
	l->p = q + 1;
	return l->kind = TOK_REGEXP;
}

/* '<' starts a fixed backend token only when the exact lowercase text follows. */
static tok_kind lex_openarrow(eskip_lexer *l)
{
	static const struct { const char *text; size_t len; tok_kind kind; } fixed[] = {
		{ "<shunt>", 7, TOK_SHUNT },
		{ "<loopback>", 10, TOK_LOOPBACK },
		{ "<dynamic>", 9, TOK_DYNAMIC },
		{ "<forward>", 9, TOK_FORWARD },
	};
	size_t left = (size_t)(l->end - l->p);
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (left >= fixed[i].len && memcmp(l->p, fixed[i].text, fixed[i].len) == 0)
			return token(l, fixed[i].kind, fixed[i].len);
	return token(l, TOK_OPENARROW, 1);
}

tok_kind eskip_lex_next(eskip_lexer *l)
{
	if (l->err)
		return l->kind = TOK_EOF;
	const char *p = l->p = skip_space(l->p, l->end);
	if (p == l->end)
		return l->kind = TOK_EOF;
	const char next = p + 1 < l->end ? p[1] : 0;
	switch (*p) {
	case ',': return token(l, TOK_COMMA, 1);
	case '(': return token(l, TOK_OPENPAREN, 1);
	case ')': return token(l, TOK_CLOSEPAREN, 1);
	case ':': return token(l, TOK_COLON, 1);
	case ';': return token(l, TOK_SEMICOLON, 1);
	case '>': return token(l, TOK_CLOSEARROW, 1);
	case '*': return token(l, TOK_ANY, 1);
	case '<': return lex_openarrow(l);
	case '"':
	case '`': return lex_string(l);
	case '&':
		if (next == '&')
			return token(l, TOK_AND, 2);
		return fail(l, "unexpected token", p);
	case '-':
		if (next == '>')
			return token(l, TOK_ARROW, 2);
		if (next == '.' || CLS(next) == C_DIGIT)
			return lex_number(l);
		return fail(l, "unexpected token", p);
	case '/':
		/* "//" was skipped as a comment; a '/' as the very last byte is an error. */
		if (p + 1 == l->end)
			return fail(l, "invalid character", p);
		return lex_regexp(l);
	case '.': return lex_number(l);
	default:
		if (CLS(*p) == C_DIGIT)
			return lex_number(l);
		if (CLS(*p) == C_ALPHA)
			return lex_symbol(l);
		return fail(l, "unexpected token", p);
	}
}
