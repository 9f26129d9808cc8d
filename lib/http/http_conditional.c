/* http_conditional.c: Go http.ServeContent's precondition checks (see http_conditional.h). */
#include "http/http_conditional.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef enum { COND_NONE, COND_TRUE, COND_FALSE } cond;

/* textproto.TrimString: ASCII whitespace at both ends. */
static bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *trim_left(const char *s)
{
	while (*s && is_ascii_space(*s)) s++;
	return s;
}

/* Length of s without trailing ASCII whitespace. */
static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && is_ascii_space(s[n - 1])) n--;
	return n;
}

static bool etag_char_ok(unsigned char c) { return c == 0x21 || (c >= 0x23 && c <= 0x7E) || c >= 0x80; }

/* Go's scanETag on s[0..n): on success sets *tag and *taglen and returns the rest's offset;
 * returns 0 when s does not start with a valid (optionally weak) entity tag. */
static size_t scan_etag(const char *s, size_t n, const char **tag, size_t *taglen)
{
	size_t start = (n >= 2 && s[0] == 'W' && s[1] == '/') ? 2 : 0;
	if (n - start < 2 || s[start] != '"') return 0;
	for (size_t i = start + 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			*tag = s;
			*taglen = i + 1;
			return i + 1;
		}
		if (!etag_char_ok(c)) return 0;
	}
	return 0;
}

static bool strip_weak(const char **s, size_t *n)
{
	if (*n >= 2 && (*s)[0] == 'W' && (*s)[1] == '/') {
		*s += 2;
		*n -= 2;
		return true;
	}
	return false;
}

static bool etag_weak_match(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);
	strip_weak(&a, &na);
	strip_weak(&b, &nb);
	return na == nb && memcmp(a, b, na) == 0;
}

static bool etag_strong_match(const char *a, size_t na, const char *b)
{
	return na > 0 && a[0] == '"' && na == strlen(b) && memcmp(a, b, na) == 0;
}

/* Scans a comma-separated entity-tag list the way Go's checkIfMatch/checkIfNoneMatch do. */
static bool etag_list_matches(const char *list, const char *etag, bool strong)
{
	const char *p = list;
	for (;;) {
		p = trim_left(p);
		size_t n = trimmed_len(p);
		if (n == 0) return false;
		if (p[0] == ',') {
			p++;
			continue;
		}
		if (p[0] == '*') return true;
		const char *tag;
		size_t taglen, used = scan_etag(p, n, &tag, &taglen);
		if (used == 0) return false;
		if (strong ? etag_strong_match(tag, taglen, etag) : etag_weak_match(tag, taglen, etag))
			return true;
		p += used;
	}
}

bool http_etag_list_matches_weak(const char *list, const char *etag)
{
	return list && etag_list_matches(list, etag, false);
}

bool http_etag_list_matches_strong(const char *list, const char *etag)
{
	return list && etag_list_matches(list, etag, true);
}

/* --- dates --------------------------------------------------------------------------- */

static const char *const short_days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const long_days[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A cursor over the date text; every step fails by setting ok = false. */
typedef struct {
	const char *p;
	bool ok;
} cursor;

/* Go's lookup: case-insensitive prefix match against a name table; returns the index. */
static int take_name(cursor *c, const char *const *names, int n)
{
	for (int i = 0; c->ok && i < n; i++) {
		size_t len = strlen(names[i]);
		if (strncasecmp(c->p, names[i], len) == 0) {
			c->p += len;
			return i;
		}
	}
	c->ok = false;
	return -1;
}

/* Go's skip(): a literal, where a space in the layout matches a run of one or more spaces
 * (Go also lets it match nothing at the end of the text, which then fails anyway). */
static void take_literal(cursor *c, const char *lit)
{
	while (c->ok && *lit) {
		if (*lit == ' ') {
			if (*c->p && *c->p != ' ') c->ok = false;
			while (*lit == ' ') lit++;
			while (*c->p == ' ') c->p++;
			continue;
		}
		if (*c->p != *lit) {
			c->ok = false;
			return;
		}
		c->p++;
		lit++;
	}
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* Go's getnum: one or two digits, or exactly two when fixed. */
static int take_num(cursor *c, bool fixed)
{
	if (!c->ok || !is_digit(c->p[0])) { c->ok = false; return 0; }
	if (!is_digit(c->p[1])) {
		if (fixed) c->ok = false;
		return *c->p++ - '0';
	}
	int v = (c->p[0] - '0') * 10 + (c->p[1] - '0');
	c->p += 2;
	return v;
}

static int take_digits(cursor *c, int n)
{
	int v = 0;
	for (int i = 0; c->ok && i < n; i++) {
		if (!is_digit(c->p[i])) { c->ok = false; return 0; }
		v = v * 10 + (c->p[i] - '0');
	}
	if (c->ok) c->p += n;
	return v;
}

/* "15:04:05", plus an optional fraction that Go accepts even when the layout has none. */
static void take_clock(cursor *c, struct tm *tm)
{
	tm->tm_hour = take_num(c, false);
	take_literal(c, ":");
	tm->tm_min = take_num(c, true);
	take_literal(c, ":");
	tm->tm_sec = take_num(c, true);
	if (c->ok && (c->p[0] == '.' || c->p[0] == ',') && is_digit(c->p[1])) {
		c->p++;
		while (is_digit(*c->p)) c->p++;
	}
	if (tm->tm_hour >= 24 || tm->tm_min >= 60 || tm->tm_sec >= 60) c->ok = false;
}

/* Go's stdTZ for names: "UTC", "GMT", 3 upper-case letters, or 4-5 ending in 'T'. */
static void take_zone_name(cursor *c)
{
	if (!c->ok) return;
	size_t upper = 0;
	while (c->p[upper] >= 'A' && c->p[upper] <= 'Z') upper++;
	if (upper == 3 || ((upper == 4 || upper == 5) && c->p[upper - 1] == 'T')) c->p += upper;
	else c->ok = false;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool day_in_range(const struct tm *tm)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max = days[tm->tm_mon] + (tm->tm_mon == 1 && is_leap(tm->tm_year + 1900));
	return tm->tm_mday >= 1 && tm->tm_mday <= max;
}

static bool finish(cursor *c, struct tm *tm, time_t *out)
{
	if (!c->ok || *c->p != '\0' || !day_in_range(tm)) return false;
	*out = timegm(tm);
	return true;
}

/* "Mon, 02 Jan 2006 15:04:05 GMT" */
static bool parse_rfc1123(const char *s, time_t *out)
{
	cursor c = { s, true };
	struct tm tm = { 0 };
	take_name(&c, short_days, 7);
	take_literal(&c, ", ");
	tm.tm_mday = take_num(&c, true);
	take_literal(&c, " ");
	tm.tm_mon = take_name(&c, months, 12);
	take_literal(&c, " ");
	tm.tm_year = take_digits(&c, 4) - 1900;
	take_literal(&c, " ");
	take_clock(&c, &tm);
	take_literal(&c, " GMT");
	return finish(&c, &tm, out);
}

/* "Monday, 02-Jan-06 15:04:05 MST" */
static bool parse_rfc850(const char *s, time_t *out)
{
	cursor c = { s, true };
	struct tm tm = { 0 };
	take_name(&c, long_days, 7);
	take_literal(&c, ", ");
	tm.tm_mday = take_num(&c, true);
	take_literal(&c, "-");
	tm.tm_mon = take_name(&c, months, 12);
	take_literal(&c, "-");
	int yy = take_digits(&c, 2);
	tm.tm_year = yy >= 69 ? yy : yy + 100;
	take_literal(&c, " ");
	take_clock(&c, &tm);
	take_literal(&c, " ");
	take_zone_name(&c);
	return finish(&c, &tm, out);
}

/* "Mon Jan _2 15:04:05 2006" */
static bool parse_asctime(const char *s, time_t *out)
{
	cursor c = { s, true };
	struct tm tm = { 0 };
	take_name(&c, short_days, 7);
	take_literal(&c, " ");
	tm.tm_mon = take_name(&c, months, 12);
	take_literal(&c, " ");
	if (c.ok && *c.p == ' ') c.p++;
	tm.tm_mday = take_num(&c, false);
	take_literal(&c, " ");
	take_clock(&c, &tm);
	take_literal(&c, " ");
	tm.tm_year = take_digits(&c, 4) - 1900;
	return finish(&c, &tm, out);
}

int http_date_parse(const char *s, time_t *out)
{
	if (!s) return -1;
	if (parse_rfc1123(s, out) || parse_rfc850(s, out) || parse_asctime(s, out)) return 0;
	return -1;
}

void http_date_format(time_t t, char out[30])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", short_days[tm.tm_wday], tm.tm_mday,
		months[tm.tm_mon], (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* --- the precondition order (RFC 7232 §6, as Go implements it) ----------------------- */

/* Go reads headers trimmed, and an empty value is the same as no header. */
static bool present(const char *h) { return h && trimmed_len(trim_left(h)) > 0; }

static cond check_if_match(const http_cond_request *r, const char *etag)
{
	if (!present(r->if_match)) return COND_NONE;
	return http_etag_list_matches_strong(r->if_match, etag) ? COND_TRUE : COND_FALSE;
}

/* Go ignores date conditions when the modification time is unknown (zero or the epoch).
 * A date at or after dated_from names this representation: not modified since then. */
static cond check_if_unmodified_since(const http_cond_request *r, time_t modtime, time_t dated_from)
{
	time_t t;
	if (!present(r->if_unmodified_since) || modtime <= 0) return COND_NONE;
	if (http_date_parse(r->if_unmodified_since, &t) != 0) return COND_NONE;
	return dated_from <= t ? COND_TRUE : COND_FALSE;
}

static cond check_if_none_match(const http_cond_request *r, const char *etag)
{
	if (!present(r->if_none_match)) return COND_NONE;
	return http_etag_list_matches_weak(r->if_none_match, etag) ? COND_FALSE : COND_TRUE;
}

static cond check_if_modified_since(const http_cond_request *r, time_t modtime, time_t dated_from)
{
	time_t t;
	if (!r->get_or_head || !present(r->if_modified_since) || modtime <= 0) return COND_NONE;
	if (http_date_parse(r->if_modified_since, &t) != 0) return COND_NONE;
	return dated_from <= t ? COND_FALSE : COND_TRUE;
}

http_cond_result http_cond_evaluate(const http_cond_request *req, const char *etag, time_t last_modified,
	time_t dated_from)
{
	if (dated_from < last_modified) dated_from = last_modified;
	cond c = check_if_match(req, etag);
	if (c == COND_NONE) c = check_if_unmodified_since(req, last_modified, dated_from);
	if (c == COND_FALSE) return HTTP_COND_PRECONDITION_FAILED;
	switch (check_if_none_match(req, etag)) {
	case COND_FALSE:
		return req->get_or_head ? HTTP_COND_NOT_MODIFIED : HTTP_COND_PRECONDITION_FAILED;
	case COND_NONE:
		if (check_if_modified_since(req, last_modified, dated_from) == COND_FALSE) return HTTP_COND_NOT_MODIFIED;
		break;
	case COND_TRUE:
		break;
	}
	return HTTP_COND_SERVE;
}

bool http_accepts_gzip(const char *accept_encoding)
{
	return accept_encoding && strstr(accept_encoding, "gzip") != NULL;
}
