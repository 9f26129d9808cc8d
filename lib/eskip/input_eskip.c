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

int input_read_eskip(route_table *t, const char *name, const input_opts *o, buf *err)
{
	buf text = BUF_INIT, why = BUF_INIT;
	int rc;
	if (input_read(name, o, &text, &why) != 0) {
		buf_printf(err, "%s: %s", input_display_name(name), why.ptr);
		rc = -1;
	} else {
		rc = input_parse_eskip(t, name, text.ptr, text.len, err);
	}
	buf_free(&text);
	buf_free(&why);
	return rc;
}
