/* input_eskip.c: eskip documents from files, stdin and URLs, with located errors. */
#include "eskip/input_eskip.h"

#include <string.h>

#include "eskip/eskip.h"

void text_line_col(const char *text, size_t len, size_t pos, long *line, long *col)
{
	if (pos > len)
		pos = len;
	long l = 1;
	size_t line_start = 0;
	for (const char *p = text, *end = text + pos; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
		l++;
		line_start = (size_t)(p - text) + 1;
	}
	*line = l;
	*col = (long)(pos - line_start) + 1;
}

/* Skipper's message quotes the last token's decoded value, which may hold newlines or other
 * control bytes; escape them so the message stays on one line. */
static void append_one_line(buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			buf_puts(out, "\\n");
		else if (c == '\r')
			buf_puts(out, "\\r");
		else if (c < 0x20 && c != '\t')
			buf_printf(out, "\\x%02x", c);
		else
			buf_putc(out, (char)c);
	}
}

int input_parse_eskip(route_table *t, const char *name, const char *text, size_t len, buf *err)
{
	buf why = BUF_INIT;
	long pos = -1;
	const char *shown = input_display_name(name);
	if (eskip_parse(t, text ? text : "", len, &why, &pos) == 0) {
		buf_free(&why);
		return 0;
	}
	if (pos >= 0) {
		long line, col;
		text_line_col(text, len, (size_t)pos, &line, &col);
		buf_printf(err, "%s:%ld:%ld: ", shown, line, col);
	} else {
		buf_printf(err, "%s: ", shown);
	}
	if (why.len)
		append_one_line(err, why.ptr, why.len);
	else
		buf_puts(err, "parse failed");
	buf_free(&why);
	return -1;
}

/* Whether text can start an eskip document: after blanks and // comments, nothing, an
 * identifier (a route ID or a predicate) or "*". Metrics ("# HELP"), JSON, YAML lists,
 * HTML and binary data cannot. */
static bool may_be_eskip(const char *t, size_t n)
{
	size_t i = 0;
	for (;;) {
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
			i++;
		if (i + 1 < n && t[i] == '/' && t[i + 1] == '/') {
			const char *nl = memchr(t + i, '\n', n - i);
			i = nl ? (size_t)(nl - t) : n;
			continue;
		}
		break;
	}
	if (i == n)
		return true;
	unsigned char c = (unsigned char)t[i];
	return c == '*' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* What was received, without its content: size, Content-Type and the first few printable
 * bytes of the first line (a word such as "# HELP routesrv_c" or "{\"kind\":\"List\"",
 * never far enough to reach a value that could be secret). */
static void describe_received(buf *out, const char *t, size_t n, const char *content_type)
{
	buf_printf(out, "received %zu bytes", n);
	if (content_type && *content_type) {
		buf_puts(out, " (Content-Type ");
		append_one_line(out, content_type, strnlen(content_type, 120));
		buf_putc(out, ')');
	}
	size_t shown = 0;
	while (shown < n && shown < 16 && t[shown] != '\n' && t[shown] != '\r' && (unsigned char)t[shown] >= 0x20 &&
	       (unsigned char)t[shown] < 0x7f)
		shown++;
	if (shown == 0)
		buf_puts(out, " (binary or empty first line)");
	else
		buf_puts(out, " starting with \""), append_one_line(out, t, shown), buf_putc(out, '"');
}

int input_read_eskip(route_table *t, const char *name, const input_opts *o, buf *err)
{
	buf text = BUF_INIT, why = BUF_INIT;
	char content_type[128];
	int rc = -1;
	const char *shown = input_display_name(name);
	if (input_read_typed(name, o, &text, content_type, sizeof content_type, &why) != 0) {
		buf_printf(err, "%s: %s", shown, why.ptr);
	} else if (!may_be_eskip(text.ptr, text.len)) {
		buf_printf(err, "%s: not an eskip routing table: ", shown);
		describe_received(err, text.ptr, text.len, content_type);
	} else {
		rc = input_parse_eskip(t, name, text.ptr, text.len, err);
		if (rc != 0 && content_type[0]) {
			buf_puts(err, " (Content-Type ");
			append_one_line(err, content_type, strnlen(content_type, 120));
			buf_putc(err, ')');
		}
	}
	buf_free(&text);
	buf_free(&why);
	return rc;
}
