/* regex.c: Go (RE2) regexps on PCRE2.
 *
 * A Go-grammar parser walks the pattern once, left to right as Go's regexp/syntax does, so
 * it reports the first error Go would report, with Go's message. While walking it writes an
 * equivalent PCRE2 pattern: literals and class members as \x{..}, Go's \s and \v spelled
 * out, named groups as plain groups (the names are kept here, since Go allows names PCRE
 * does not). Everything PCRE2 would read differently from Go is thereby either translated
 * or rejected before PCRE2 sees it. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "go/regex.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct regex {
	pcre2_code *code;
	uint32_t ngroups;
	char **names;          /* names[1..ngroups]: group name or NULL; names[0] unused */
};

struct regex_list {
	regex **v;
	size_t n;
};

/* Go regexp/syntax error codes (ErrorCode strings). */
#define E_MISSING_BRACKET "missing closing ]"
#define E_MISSING_PAREN "missing closing )"
#define E_UNEXPECTED_PAREN "unexpected )"
#define E_INVALID_ESCAPE "invalid escape sequence"
#define E_TRAILING_BACKSLASH "trailing backslash at end of expression"
#define E_INVALID_PERL_OP "invalid or unsupported Perl syntax"
#define E_INVALID_NAMED_CAPTURE "invalid named capture"
#define E_INVALID_CHAR_RANGE "invalid character class range"
#define E_INVALID_REPEAT_OP "invalid nested repetition operator"
#define E_INVALID_REPEAT_SIZE "invalid repeat count"
#define E_MISSING_REPEAT_ARG "missing argument to repetition operator"
#define E_INVALID_UTF8 "invalid UTF-8"

#define GO_MAX_RUNE 0x10FFFF
#define GO_MAX_REPEAT 1000
#define GO_MAX_NESTING 1000

/* --- UTF-8 ---------------------------------------------------------------------------- */

/* Go's utf8.DecodeRune: *cp gets the rune; returns its width, 1 for an invalid byte
 * (*cp = -1), 0 at the end. */
static size_t utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
	if (n == 0) {
		*cp = -1;
		return 0;
	}
	unsigned c = s[0];
	*cp = -1;
	if (c < 0x80) {
		*cp = (int32_t)c;
		return 1;
	}
	size_t w = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
	if (w == 0 || c > 0xF4 || w > n)
		return 1;
	uint32_t v = c & (0xFF >> (w + 1));
	for (size_t i = 1; i < w; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 1;
		v = v << 6 | (s[i] & 0x3F);
	}
	static const uint32_t min_for_width[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (v < min_for_width[w] || v > GO_MAX_RUNE || (v >= 0xD800 && v <= 0xDFFF))
		return 1;
	*cp = (int32_t)v;
	return w;
}

/* --- the Go-grammar translator ------------------------------------------------------------ */

typedef enum { LAST_NONE, LAST_ATOM, LAST_REPEAT } last_kind;

typedef struct {
	long max_weight;       /* largest product of nested {n,m} counts inside the group */
} group_frame;

typedef struct {
	const char *p;
	size_t n, i;
	buf out;
	buf *err;
	bool failed;

	char **names;          /* per capturing group, index 0 unused */
	size_t ngroups;

	group_frame *frames;   /* frames[0] is the whole pattern */
	size_t depth;

	last_kind last;
	long last_weight;      /* Go's repeatIsValid budget used by the last atom */
	size_t last_repeat_at; /* where the last repetition operator started */

	/* \p spans in the output, to name Go's error when PCRE2 rejects a property name */
	struct { size_t out_start, out_end, src_start, src_len; } *props;
	size_t nprops;
} translator;

static void go_error(translator *t, const char *code, size_t at, size_t len)
{
	if (t->failed)
		return;
	t->failed = true;
	buf_printf(t->err, "error parsing regexp: %s: `%.*s`", code, (int)len, t->p + at);
}

static bool at_end(const translator *t, size_t i) { return i >= t->n; }

/* Decodes the rune at i; an invalid sequence is Go's "invalid UTF-8" error on the rest. */
static bool next_rune(translator *t, size_t i, int32_t *cp, size_t *w)
{
	*w = utf8_decode((const unsigned char *)t->p + i, t->n - i, cp);
	if (*cp < 0) {
		go_error(t, E_INVALID_UTF8, i, t->n - i);
		return false;
	}
	return true;
}

static void emit(translator *t, const char *s) { buf_puts(&t->out, s); }

static void emit_rune(translator *t, int32_t cp)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
		buf_putc(&t->out, (char)cp);
	else
		buf_printf(&t->out, "\\x{%X}", (unsigned)cp);
}

static void atom_done(translator *t, long weight)
{
	t->last = LAST_ATOM;
	t->last_weight = weight;
	group_frame *f = &t->frames[t->depth];
	if (weight > f->max_weight)
		f->max_weight = weight;
}

static int unhex(int32_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_ascii_alnum(int32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_octal(const translator *t, size_t i) { return !at_end(t, i) && t->p[i] >= '0' && t->p[i] <= '7'; }

/* Go's parseEscape at t->i (a backslash): a single character. */
static bool parse_escape(translator *t, int32_t *out)
{
	size_t s = t->i, i = s + 1, w;
	int32_t c;
	if (at_end(t, i)) {
		go_error(t, E_TRAILING_BACKSLASH, s, 0);
		return false;
	}
	if (!next_rune(t, i, &c, &w))
		return false;
	i += w;
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (!is_octal(t, i))
			break;   /* a backreference: not supported */
		/* fall through */
	case '0': {
		int32_t r = c - '0';
		for (int k = 1; k < 3 && is_octal(t, i); k++)
			r = r * 8 + (t->p[i++] - '0');
		*out = r;
		t->i = i;
		return true;
	}
	case 'x': {
		if (at_end(t, i))
			break;
		if (!next_rune(t, i, &c, &w))
			return false;
		i += w;
		if (c == '{') {
			int32_t r = 0;
			int nhex = 0;
			for (;;) {
				if (at_end(t, i))
					goto bad;
				if (!next_rune(t, i, &c, &w))
					return false;
				i += w;
				if (c == '}')
					break;
				int v = unhex(c);
				if (v < 0)
					goto bad;
				r = r * 16 + v;
				if (r > GO_MAX_RUNE)
					goto bad;
				nhex++;
			}
			if (nhex == 0)
				break;
			*out = r;
			t->i = i;
			return true;
		}
		int x = unhex(c), y = -1;
		if (!at_end(t, i)) {
			if (!next_rune(t, i, &c, &w))
				return false;
			i += w;
			y = unhex(c);
		}
		if (x < 0 || y < 0)
			break;
		*out = x * 16 + y;
		t->i = i;
		return true;
	}
	case 'a': *out = '\a'; t->i = i; return true;
	case 'f': *out = '\f'; t->i = i; return true;
	case 'n': *out = '\n'; t->i = i; return true;
	case 'r': *out = '\r'; t->i = i; return true;
	case 't': *out = '\t'; t->i = i; return true;
	case 'v': *out = '\v'; t->i = i; return true;
	default:
		if (c < 0x80 && !is_ascii_alnum(c)) {   /* escaped punctuation is itself */
			*out = c;
			t->i = i;
			return true;
		}
	}
bad:
	go_error(t, E_INVALID_ESCAPE, s, i - s);
	return false;
}

/* \d \D \w \W \s \S at t->i; in_class selects the spelling inside [...]. Go's \s has no VT. */
static bool parse_perl_class(translator *t, bool in_class)
{
	if (t->n - t->i < 2 || t->p[t->i] != '\\')
		return false;
	char c = t->p[t->i + 1];
	switch (c) {
	case 'd': case 'D': case 'w': case 'W':
		buf_printf(&t->out, "\\%c", c);
		break;
	case 's':
		emit(t, in_class ? "\\t\\n\\f\\r\\x{20}" : "[\\t\\n\\f\\r\\x{20}]");
		break;
	case 'S':
		emit(t, in_class ? "\\x{0}-\\x{8}\\x{B}\\x{E}-\\x{1F}\\x{21}-\\x{10FFFF}" : "[^\\t\\n\\f\\r\\x{20}]");
		break;
	default:
		return false;
	}
	t->i += 2;
	return true;
}

/* \pX, \p{Name}, \PX, \P{^Name} at t->i: checked for shape here, names by PCRE2 (which
 * knows Go's categories and scripts); returns 1 done, 0 not a \p, -1 error. */
static int parse_unicode_class(translator *t)
{
	size_t s = t->i;
	if (t->n - s < 2 || t->p[s] != '\\' || (t->p[s + 1] != 'p' && t->p[s + 1] != 'P'))
		return 0;
	int32_t c;
	size_t w, end;
	if (at_end(t, s + 2)) {
		go_error(t, E_INVALID_CHAR_RANGE, s, t->n - s);
		return -1;
	}
	if (!next_rune(t, s + 2, &c, &w))
		return -1;
	if (c != '{') {
		end = s + 2 + w;
	} else {
		const char *close = memchr(t->p + s, '}', t->n - s);
		if (!close) {
			go_error(t, E_INVALID_CHAR_RANGE, s, t->n - s);
			return -1;
		}
		end = (size_t)(close - t->p) + 1;
	}
	size_t out_start = t->out.len;
	buf_append(&t->out, t->p + s, end - s);
	t->props = realloc(t->props, (t->nprops + 1) * sizeof *t->props);
	if (!t->props)
		abort();
	t->props[t->nprops].out_start = out_start;
	t->props[t->nprops].out_end = t->out.len;
	t->props[t->nprops].src_start = s;
	t->props[t->nprops].src_len = end - s;
	t->nprops++;
	t->i = end;
	return 1;
}

static const char *const posix_classes[] = {
	"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
	"space", "upper", "word", "xdigit", NULL,
};

/* [:alpha:] / [:^alpha:] inside a class at t->i: 1 done, 0 not one, -1 error. */
static int parse_named_class(translator *t)
{
	size_t s = t->i;
	if (t->n - s <= 2 || t->p[s] != '[' || t->p[s + 1] != ':')
		return 0;
	const char *close = memmem(t->p + s + 2, t->n - s - 2, ":]", 2);
	if (!close)
		return 0;
	size_t end = (size_t)(close - t->p) + 2;
	const char *name = t->p + s + 2;
	size_t len = (size_t)(close - name);
	if (len && *name == '^') {
		name++;
		len--;
	}
	for (const char *const *c = posix_classes; *c; c++)
		if (strlen(*c) == len && memcmp(*c, name, len) == 0) {
			buf_append(&t->out, t->p + s, end - s);
			t->i = end;
			return 1;
		}
	go_error(t, E_INVALID_CHAR_RANGE, s, end - s);
	return -1;
}

/* One class member character (Go's parseClassChar). */
static bool parse_class_char(translator *t, size_t class_start, int32_t *cp)
{
	if (at_end(t, t->i)) {
		go_error(t, E_MISSING_BRACKET, class_start, t->n - class_start);
		return false;
	}
	if (t->p[t->i] == '\\')
		return parse_escape(t, cp);
	size_t w;
	if (!next_rune(t, t->i, cp, &w))
		return false;
	t->i += w;
	return true;
}

static bool parse_class(translator *t)
{
	size_t start = t->i++;
	emit(t, "[");
	if (!at_end(t, t->i) && t->p[t->i] == '^') {
		emit(t, "^");
		t->i++;
	}
	for (bool first = true; at_end(t, t->i) || t->p[t->i] != ']' || first; first = false) {
		int r = parse_named_class(t);
		if (r == 0)
			r = parse_unicode_class(t);
		if (r < 0)
			return false;
		if (r > 0 || parse_perl_class(t, true))
			continue;
		size_t range_start = t->i;
		int32_t lo, hi;
		if (!parse_class_char(t, start, &lo))
			return false;
		hi = lo;
		if (t->n - t->i >= 2 && t->p[t->i] == '-' && t->p[t->i + 1] != ']') {
			t->i++;
			if (!parse_class_char(t, start, &hi))
				return false;
			if (hi < lo) {
				go_error(t, E_INVALID_CHAR_RANGE, range_start, t->i - range_start);
				return false;
			}
		}
		emit_rune(t, lo);
		if (hi != lo) {
			emit(t, "-");
			emit_rune(t, hi);
		}
	}
	t->i++;
	emit(t, "]");
	atom_done(t, 1);
	return true;
}

/* Go's parseInt for repeat counts: no leading zeros; huge values become -1. */
static bool parse_count(const translator *t, size_t *i, long *out)
{
	size_t j = *i;
	if (at_end(t, j) || t->p[j] < '0' || t->p[j] > '9')
		return false;
	if (t->n - j >= 2 && t->p[j] == '0' && t->p[j + 1] >= '0' && t->p[j + 1] <= '9')
		return false;
	long v = 0;
	for (; !at_end(t, j) && t->p[j] >= '0' && t->p[j] <= '9'; j++)
		v = v < 0 || v >= 100000000 ? -1 : v * 10 + (t->p[j] - '0');
	*out = v;
	*i = j;
	return true;
}

/* {n}, {n,}, {n,m} at t->i; false if it is not one (then "{" is a literal). */
static bool parse_repeat_braces(const translator *t, long *min, long *max, size_t *end)
{
	size_t i = t->i + 1;
	if (!parse_count(t, &i, min))
		return false;
	if (at_end(t, i))
		return false;
	if (t->p[i] == ',') {
		i++;
		if (at_end(t, i))
			return false;
		if (t->p[i] == '}')
			*max = -1;
		else if (!parse_count(t, &i, max))
			return false;
	} else {
		*max = *min;
	}
	if (at_end(t, i) || t->p[i] != '}')
		return false;
	*end = i + 1;
	return true;
}

/* A repetition operator spanning [t->i, op_end); braces give min/max (else both -2). */
static bool apply_repeat(translator *t, size_t op_end, long min, long max)
{
	size_t before = t->i, after = op_end;
	if (!at_end(t, after) && t->p[after] == '?')
		after++;
	if (t->last == LAST_REPEAT) {
		go_error(t, E_INVALID_REPEAT_OP, t->last_repeat_at, after - t->last_repeat_at);
		return false;
	}
	if (t->last == LAST_NONE) {
		go_error(t, E_MISSING_REPEAT_ARG, before, after - before);
		return false;
	}
	long weight = t->last_weight;
	if (min != -2) {
		long m = max < 0 ? min : max;
		if (m == 0)
			weight = 1;
		else if (min >= 2 || max >= 2) {
			if (m > GO_MAX_REPEAT || weight > GO_MAX_REPEAT / m) {
				go_error(t, E_INVALID_REPEAT_SIZE, before, after - before);
				return false;
			}
			weight *= m;
		}
	}
	buf_append(&t->out, t->p + before, after - before);
	t->i = after;
	atom_done(t, weight);
	t->last = LAST_REPEAT;
	t->last_repeat_at = before;
	return true;
}

static bool valid_capture_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_' && !is_ascii_alnum((unsigned char)s[i]))
			return false;
	return true;
}

/* Opens a group written to PCRE2 as pcre_open; a capturing group records its name (or NULL). */
static bool open_group(translator *t, bool capturing, const char *name, size_t name_len, const char *pcre_open)
{
	if (t->depth + 1 >= GO_MAX_NESTING) {
		go_error(t, "expression nests too deeply", 0, t->n);
		return false;
	}
	if (capturing) {
		t->names = realloc(t->names, (t->ngroups + 2) * sizeof *t->names);
		if (!t->names)
			abort();
		t->ngroups++;
		t->names[t->ngroups] = name ? strndup(name, name_len) : NULL;
	}
	t->depth++;
	t->frames[t->depth].max_weight = 1;
	emit(t, pcre_open);
	t->last = LAST_NONE;
	return true;
}

/* "(?" at t->i: named captures, flag groups (?i) and (?i:...); everything else is Go's
 * "invalid or unsupported Perl syntax" (lookarounds, atomic groups, comments, ...). */
static bool parse_perl_group(translator *t)
{
	size_t s = t->i, rest = t->n - s;
	bool with_p = rest > 4 && t->p[s + 2] == 'P' && t->p[s + 3] == '<';
	bool with_angle = rest > 3 && t->p[s + 2] == '<';
	if (with_p || with_angle) {
		size_t name_at = s + (with_p ? 4 : 3);
		const char *close = memchr(t->p + s, '>', rest);
		if (!close) {
			go_error(t, E_INVALID_NAMED_CAPTURE, s, rest);
			return false;
		}
		size_t end = (size_t)(close - t->p);
		if (!valid_capture_name(t->p + name_at, end - name_at)) {
			go_error(t, E_INVALID_NAMED_CAPTURE, s, end + 1 - s);
			return false;
		}
		t->i = end + 1;
		return open_group(t, true, t->p + name_at, end - name_at, "(");
	}
	size_t i = s + 2, flags_at = i;
	int sign = 1;
	bool saw_flag = false;
	while (!at_end(t, i)) {
		int32_t c;
		size_t w;
		if (!next_rune(t, i, &c, &w))
			return false;
		i += w;
		if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
			saw_flag = true;
		} else if (c == '-') {
			if (sign < 0)
				break;
			sign = -1;
			saw_flag = false;
		} else if (c == ':' || c == ')') {
			if (sign < 0 && !saw_flag)
				break;
			size_t nflags = i - 1 - flags_at;
			t->i = i;
			if (c == ':') {
				buf b = BUF_INIT;
				buf_printf(&b, "(?%.*s:", (int)nflags, t->p + flags_at);
				bool ok = open_group(t, false, NULL, 0, b.ptr);
				buf_free(&b);
				return ok;
			}
			if (nflags)
				buf_printf(&t->out, "(?%.*s)", (int)nflags, t->p + flags_at);
			if (t->last == LAST_REPEAT)   /* a flag group ends Go's repeat run */
				t->last = LAST_ATOM;
			return true;
		} else {
			break;
		}
	}
	go_error(t, E_INVALID_PERL_OP, s, i - s);
	return false;
}

static bool close_group(translator *t)
{
	if (t->depth == 0) {
		go_error(t, E_UNEXPECTED_PAREN, 0, t->n);
		return false;
	}
	long weight = t->frames[t->depth].max_weight;
	t->depth--;
	t->i++;
	emit(t, ")");
	atom_done(t, weight);
	return true;
}

/* A backslash outside a class. */
static bool parse_top_escape(translator *t)
{
	if (t->n - t->i >= 2) {
		char c = t->p[t->i + 1];
		if (c == 'A' || c == 'b' || c == 'B' || c == 'z') {
			buf_printf(&t->out, "\\%c", c);
			t->i += 2;
			atom_done(t, 1);
			return true;
		}
		if (c == 'C') {
			go_error(t, E_INVALID_ESCAPE, t->i, 2);
			return false;
		}
		if (c == 'Q') {   /* \Q...\E: literal text up to \E or the end */
			size_t i = t->i + 2;
			const char *e = memmem(t->p + i, t->n - i, "\\E", 2);
			size_t lit_end = e ? (size_t)(e - t->p) : t->n;
			while (i < lit_end) {
				int32_t cp;
				size_t w;
				if (!next_rune(t, i, &cp, &w))
					return false;
				emit_rune(t, cp);
				atom_done(t, 1);
				i += w;
			}
			t->i = e ? lit_end + 2 : t->n;
			return true;
		}
	}
	int r = parse_unicode_class(t);
	if (r < 0)
		return false;
	if (r > 0 || parse_perl_class(t, false)) {
		atom_done(t, 1);
		return true;
	}
	int32_t cp;
	if (!parse_escape(t, &cp))
		return false;
	emit_rune(t, cp);
	atom_done(t, 1);
	return true;
}

static bool parse_one(translator *t)
{
	char c = t->p[t->i];
	switch (c) {
	case '(':
		if (t->n - t->i >= 2 && t->p[t->i + 1] == '?')
			return parse_perl_group(t);
		t->i++;
		return open_group(t, true, NULL, 0, "(");
	case '|':
		t->i++;
		emit(t, "|");
		t->last = LAST_NONE;
		return true;
	case ')':
		return close_group(t);
	case '^': case '$': case '.':
		buf_putc(&t->out, c);
		t->i++;
		atom_done(t, 1);
		return true;
	case '[':
		return parse_class(t);
	case '*': case '+': case '?':
		return apply_repeat(t, t->i + 1, -2, -2);
	case '{': {
		long min, max;
		size_t end;
		if (!parse_repeat_braces(t, &min, &max, &end)) {
			emit(t, "\\{");
			t->i++;
			atom_done(t, 1);
			return true;
		}
		if (min < 0 || min > GO_MAX_REPEAT || max > GO_MAX_REPEAT || (max >= 0 && min > max)) {
			go_error(t, E_INVALID_REPEAT_SIZE, t->i, end - t->i);
			return false;
		}
		return apply_repeat(t, end, min, max);
	}
	case '\\':
		return parse_top_escape(t);
	default: {
		int32_t cp;
		size_t w;
		if (!next_rune(t, t->i, &cp, &w))
			return false;
		emit_rune(t, cp);
		t->i += w;
		atom_done(t, 1);
		return true;
	}
	}
}

static bool translate(translator *t)
{
	t->frames = calloc(GO_MAX_NESTING + 1, sizeof *t->frames);
	if (!t->frames)
		abort();
	t->frames[0].max_weight = 1;
	while (!at_end(t, t->i))
		if (!parse_one(t))
			return false;
	if (t->depth != 0) {
		go_error(t, E_MISSING_PAREN, 0, t->n);
		return false;
	}
	return true;
}

static void translator_free(translator *t, bool keep_names)
{
	if (!keep_names) {
		for (size_t i = 1; i <= t->ngroups; i++)
			free(t->names[i]);
		free(t->names);
	}
	free(t->frames);
	free(t->props);
	buf_free(&t->out);
}

/* PCRE2 refused a pattern the Go grammar accepted: mostly an unknown \p name. */
static void pcre_error(translator *t, int code, size_t offset)
{
	for (size_t i = 0; i < t->nprops; i++)
		if (offset >= t->props[i].out_start && offset <= t->props[i].out_end) {
			go_error(t, E_INVALID_CHAR_RANGE, t->props[i].src_start, t->props[i].src_len);
			return;
		}
	PCRE2_UCHAR msg[256];
	if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
		strcpy((char *)msg, "unsupported pattern");
	buf_printf(t->err, "error parsing regexp: %s: `%.*s`", (const char *)msg, (int)t->n, t->p);
	t->failed = true;
}

regex *regex_compile(const char *pattern, size_t len, buf *err)
{
	translator t = { .p = pattern, .n = len, .err = err, .last = LAST_NONE };
	if (!translate(&t)) {
		translator_free(&t, false);
		return NULL;
	}
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (!cc)
		abort();
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_parens_nest_limit(cc, GO_MAX_NESTING + 10);
	int code;
	PCRE2_SIZE offset;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_CIRCUMFLEX |
			PCRE2_NEVER_BACKSLASH_C;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)(t.out.ptr ? t.out.ptr : ""), t.out.len, opts, &code, &offset, cc);
	pcre2_compile_context_free(cc);
	if (!c) {
		pcre_error(&t, code, offset);
		translator_free(&t, false);
		return NULL;
	}
	/* No JIT: patterns here are small, and JIT code makes valgrind report false errors. */
	regex *re = calloc(1, sizeof *re);
	if (!re)
		abort();
	re->code = c;
	re->ngroups = (uint32_t)t.ngroups;
	re->names = t.names;
	translator_free(&t, true);
	return re;
}

void regex_free(regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	for (uint32_t i = 1; i <= re->ngroups; i++)
		free(re->names[i]);
	free(re->names);
	free(re);
}

/* --- matching ------------------------------------------------------------------------- */

static pcre2_match_data *match_data(const regex *re)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
	if (!md)
		abort();
	return md;
}

bool regex_search(const regex *re, const char *s, size_t len)
{
	pcre2_match_data *md = match_data(re);
	int rc = pcre2_match(re->code, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* Go's regexp.extract: the group reference after a '$' at tmpl[*i]. Names are letters,
 * digits and '_' (non-ASCII UTF-8 counts as letters, which is what names in real templates
 * are); num is the group number or -1 for a name. */
static bool extract_ref(const char *tmpl, size_t len, size_t *i, const char **name, size_t *name_len, long *num)
{
	size_t j = *i;
	bool brace = j < len && tmpl[j] == '{';
	if (brace)
		j++;
	size_t start = j;
	while (j < len) {
		int32_t cp;
		size_t w = utf8_decode((const unsigned char *)tmpl + j, len - j, &cp);
		if (cp < 0 || (cp < 0x80 && cp != '_' && !is_ascii_alnum(cp)))
			break;
		j += w;
	}
	if (j == start)
		return false;
	*name = tmpl + start;
	*name_len = j - start;
	if (brace) {
		if (j >= len || tmpl[j] != '}')
			return false;
		j++;
	}
	long n = 0;
	for (size_t k = 0; k < *name_len; k++) {
		char c = (*name)[k];
		if (c < '0' || c > '9' || n >= 100000000) {
			n = -1;
			break;
		}
		n = n * 10 + (c - '0');
	}
	if (**name == '0' && *name_len > 1)
		n = -1;
	*num = n;
	*i = j;
	return true;
}

static void append_group(buf *out, const char *s, const PCRE2_SIZE *ov, uint32_t ngroups, long g)
{
	if (g < 0 || (uint32_t)g > ngroups || ov[2 * g] == PCRE2_UNSET)
		return;
	buf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* Go's Regexp.expand for one match. */
static void expand(const regex *re, const char *tmpl, size_t len, const char *s, const PCRE2_SIZE *ov, buf *out)
{
	size_t i = 0;
	while (i < len) {
		const char *dollar = memchr(tmpl + i, '$', len - i);
		if (!dollar)
			break;
		buf_append(out, tmpl + i, (size_t)(dollar - tmpl) - i);
		i = (size_t)(dollar - tmpl) + 1;
		if (i < len && tmpl[i] == '$') {
			buf_putc(out, '$');
			i++;
			continue;
		}
		const char *name;
		size_t name_len;
		long num;
		if (!extract_ref(tmpl, len, &i, &name, &name_len, &num)) {
			buf_putc(out, '$');   /* malformed: the '$' is literal */
			continue;
		}
		if (num >= 0) {
			append_group(out, s, ov, re->ngroups, num);
			continue;
		}
		for (uint32_t g = 1; g <= re->ngroups; g++)
			if (re->names[g] && strlen(re->names[g]) == name_len && memcmp(re->names[g], name, name_len) == 0 &&
			    ov[2 * g] != PCRE2_UNSET) {
				append_group(out, s, ov, re->ngroups, g);
				break;
			}
	}
	buf_append(out, tmpl + i, len - i);
}

void regex_replace_all(const regex *re, const char *s, size_t len, const char *tmpl, size_t tmpl_len, buf *out)
{
	if (!s)
		s = "";
	pcre2_match_data *md = match_data(re);
	size_t last_end = 0, pos = 0;
	while (pos <= len) {
		if (pcre2_match(re->code, (PCRE2_SPTR)s, len, pos, 0, md, NULL) < 0)
			break;
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t m0 = ov[0], m1 = ov[1];
		buf_append(out, s + last_end, m0 - last_end);
		/* No replacement for an empty match right after the previous match. */
		if (m1 > last_end || m0 == 0)
			expand(re, tmpl, tmpl_len, s, ov, out);
		last_end = m1;
		int32_t cp;
		size_t width = utf8_decode((const unsigned char *)s + pos, len - pos, &cp);
		if (pos + width > m1)
			pos += width;
		else if (pos + 1 > m1)
			pos++;
		else
			pos = m1;
	}
	buf_append(out, s + last_end, len - last_end);
	pcre2_match_data_free(md);
}

/* --- lists ---------------------------------------------------------------------------- */

regex_list *regex_list_compile(const char *const *patterns, size_t n, const char *flag, buf *err)
{
	regex_list *l = calloc(1, sizeof *l);
	if (!l || (n && !(l->v = calloc(n, sizeof *l->v))))
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *p = patterns[i] ? patterns[i] : "";
		buf msg = BUF_INIT;
		l->v[i] = regex_compile(p, strlen(p), &msg);
		if (!l->v[i]) {
			buf_printf(err, "invalid -%s \"%s\": %s", flag, p, msg.ptr);
			buf_free(&msg);
			regex_list_free(l);
			return NULL;
		}
		l->n++;
	}
	return l;
}

bool regex_list_any_match(const regex_list *l, str s)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (regex_search(l->v[i], s.ptr, s.len))
			return true;
	return false;
}

size_t regex_list_len(const regex_list *l) { return l ? l->n : 0; }

void regex_list_free(regex_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		regex_free(l->v[i]);
	free(l->v);
	free(l);
}
