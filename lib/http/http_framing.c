/* http_framing.c: the requests refused before any handler (see http_framing.h). */
#include "http/http_framing.h"

#include <stdbool.h>
#include <strings.h>

/* RFC 9110 tchar: "!#$%&'*+-.^_`|~", digits, letters. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '.': case '^': case '_': case '`': case '|': case '~':
		return true;
	default:
		return false;
	}
}

static bool valid_name(const http_field *f)
{
	if (f->name_len == 0) return false;
	for (size_t i = 0; i < f->name_len; i++)
		if (!is_tchar((unsigned char)f->name[i])) return false;
	return true;
}

static bool valid_value(const http_field *f)
{
	for (size_t i = 0; i < f->value_len; i++) {
		unsigned char c = (unsigned char)f->value[i];
		if ((c < ' ' && c != '\t') || c == 0x7f) return false;
	}
	return true;
}

static bool name_is(const http_field *f, const char *name, size_t len)
{
	return f->name_len == len && strncasecmp(f->name, name, len) == 0;
}

/* Content-Length of a request without a body: zeros, then optional white space. */
static bool zero_length(const http_field *f)
{
	size_t i = 0;
	while (i < f->value_len && f->value[i] == '0') i++;
	if (i == 0) return false;
	while (i < f->value_len && (f->value[i] == ' ' || f->value[i] == '\t')) i++;
	return i == f->value_len;
}

/* A Content-Length value: digits, then optional white space. */
static bool decimal(const http_field *f)
{
	size_t i = 0;
	while (i < f->value_len && f->value[i] >= '0' && f->value[i] <= '9') i++;
	if (i == 0 || i > 18) return false;
	while (i < f->value_len && (f->value[i] == ' ' || f->value[i] == '\t')) i++;
	return i == f->value_len;
}

/* Moves *p over the NULs libmicrohttpd left where a line ended (or several did) and says
 * whether there were between min and max of them before `next`. */
static bool line_ends(const char **p, const char *next, size_t min, size_t max)
{
	size_t n = 0;
	while (*p < next && **p == '\0') {
		(*p)++;
		n++;
	}
	return *p == next && n >= min && n <= max;
}

/* The field's own bytes: name, the colon (now NUL), optional white space, the value. */
static bool field_tiles(const http_field *f, const char **p, const char *end)
{
	const char *q = f->name + f->name_len;
	if (f->name != *p || q >= end || *q != '\0') return false;
	for (q++; q < end && (*q == ' ' || *q == '\t'); q++) {}
	if (f->value != q || (size_t)(end - q) < f->value_len) return false;
	*p = f->value + f->value_len;
	return true;
}

const char *http_framing_check(const http_request_head *h)
{
	size_t lengths = 0;
	bool body = false, chunked = false;
	const char *p = h->line_end;
	if (!p || !h->end || p > h->end) return "malformed request line";
	for (size_t i = 0; i < h->nfields; i++) {
		const http_field *f = &h->fields[i];
		/* one line end (CRLF or LF: one or two NULs) before each field */
		if (h->raw_layout_known && (f->name < p || f->name >= h->end || !line_ends(&p, f->name, 1, 2) ||
					    !field_tiles(f, &p, h->end)))
			return "malformed header line";
		if (!valid_name(f)) return "malformed header field name";
		if (!valid_value(f)) return "malformed header field value";
		if (name_is(f, "Content-Length", 14)) {
			lengths++;
			body |= !zero_length(f);
			if (h->body_allowed && !decimal(f)) return "malformed Content-Length";
		}
		chunked |= name_is(f, "Transfer-Encoding", 17);
	}
	/* the last line's end and the empty line's */
	if (h->raw_layout_known && !line_ends(&p, h->end, 2, 4)) return "malformed header line";
	if (chunked) return "Transfer-Encoding is not accepted";
	if (lengths > 1) return "more than one Content-Length";
	if (body && !h->body_allowed) return "a request body (Content-Length is not 0)";
	return NULL;
}
