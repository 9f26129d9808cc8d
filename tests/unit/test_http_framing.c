/* Tests for http_framing.c: the requests refused before any handler (issue 11 item 7). The
 * request bytes are laid out as libmicrohttpd 0.9.75 leaves them: line ends and each
 * field's colon overwritten with NUL, values cut at their first NUL (strlen). */
#include "http/http_framing.h"
#include "test.h"

#include <stdlib.h>

typedef struct {
	char bytes[1024];
	http_field fields[16];
	http_request_head head;
} parsed;

/* Lays out raw[0..n) (a request line, header lines, the empty line) as libmicrohttpd does. */
static void layout(parsed *p, const char *raw, size_t n)
{
	memcpy(p->bytes, raw, n);
	char *b = p->bytes, *end = b + n;
	size_t nf = 0;
	char *line = b;
	for (int first = 1; line < end; first = 0) {
		char *lf = memchr(line, '\n', (size_t)(end - line));
		char *eol = (lf > line && lf[-1] == '\r') ? lf - 1 : lf;
		for (char *q = eol; q <= lf; q++) *q = 0;
		if (first) {
			p->head.line_end = line + strlen(line);
		} else if (*line) {
			char *colon = strchr(line, ':');
			*colon = 0;
			char *v = colon + 1;
			while (*v == ' ' || *v == '\t') v++;
			p->fields[nf++] = (http_field){ line, v, (size_t)(colon - line), strlen(v) };
		}
		line = lf + 1;
	}
	p->head.end = end;
	p->head.fields = p->fields;
	p->head.nfields = nf;
	p->head.raw_layout_known = true;
}

static const char *check_n(const char *raw, size_t n)
{
	static parsed p;
	memset(&p, 0, sizeof p);
	layout(&p, raw, n);
	return http_framing_check(&p.head);
}

#define check(lit) check_n(lit, sizeof lit - 1)

TEST(plain_requests_pass)
{
	CHECK_STR(check("GET /routes HTTP/1.1\r\nHost: x\r\n\r\n"), NULL);
	CHECK_STR(check("GET /routes HTTP/1.0\r\n\r\n"), NULL);
	CHECK_STR(check("GET /routes HTTP/1.1\nHost: x\nAccept: */*\n\n"), NULL);
	CHECK_STR(check("GET /routes HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\", W/\"b\"\r\nX-Empty:\r\nX-Tab:\ta\t\r\n\r\n"), NULL);
	CHECK_STR(check("GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), NULL);
	CHECK_STR(check("HEAD /routes HTTP/1.1\r\ncontent-length: 00 \r\n\r\n"), NULL);
}

TEST(bodies_and_ambiguous_framing)
{
	CHECK_STR(check("POST /routes HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), "a request body (Content-Length is not 0)");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), "a request body (Content-Length is not 0)");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), "a request body (Content-Length is not 0)");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n"), "a request body (Content-Length is not 0)");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n"), "more than one Content-Length");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 0\r\n\r\n"), "more than one Content-Length");
	CHECK_STR(check("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), "Transfer-Encoding is not accepted");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length: 0\r\nTRANSFER-ENCODING: identity\r\n\r\n"), "Transfer-Encoding is not accepted");
}

TEST(field_names_are_tokens)
{
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n"), "malformed header field name");
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A\t: b\r\n\r\n"), "malformed header field name");
	CHECK_STR(check("GET / HTTP/1.1\r\nX(A): b\r\n\r\n"), "malformed header field name");
	CHECK_STR(check("GET / HTTP/1.1\r\n: b\r\n\r\n"), "malformed header field name");
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A_b.c~!#$%&'*+^`|: b\r\n\r\n"), NULL);
}

TEST(field_values_have_no_control_characters)
{
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n"), "malformed header field value");
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n"), "malformed header field value");
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n"), "malformed header field value");
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n\r\n"), NULL);
}

TEST(a_nul_that_cut_a_value_short_shows_between_the_fields)
{
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A: a\0b\r\nHost: x\r\n\r\n"), "malformed header line");
	CHECK_STR(check("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"), "malformed header line");
	CHECK_STR(check("GET / HTTP/1.1\r\nX-A: a\0\r\n\r\n"), "malformed header line");
	CHECK_STR(check("GET / HTTP/1.1\r\nContent-Length: 0\0 5\r\n\r\n"), "malformed header line");
}

TEST(fields_that_do_not_lie_in_the_header_are_refused)
{
	/* a continuation line makes libmicrohttpd move the field elsewhere */
	static parsed p;
	memset(&p, 0, sizeof p);
	const char raw[] = "GET / HTTP/1.1\r\nX-A: a\r\n\r\n";
	layout(&p, raw, sizeof raw - 1);
	static const char moved[] = "X-A\0a b";
	p.fields[0].name = moved;
	p.fields[0].value = moved + 4;
	p.fields[0].value_len = 3;
	CHECK_STR(http_framing_check(&p.head), "malformed header line");
	/* no request line end within the header */
	layout(&p, raw, sizeof raw - 1);
	p.head.line_end = p.head.end + 1;
	CHECK_STR(http_framing_check(&p.head), "malformed request line");
	/* bytes after the empty line's end */
	layout(&p, raw, sizeof raw - 1);
	p.head.end -= 3;
	CHECK_STR(http_framing_check(&p.head), "malformed header line");
}

TEST(another_libmicrohttpd_layout_checks_the_parsed_fields_only)
{
	static parsed p;
	memset(&p, 0, sizeof p);
	const char raw[] = "GET / HTTP/1.1\r\nX-A: a\r\n\r\n";
	layout(&p, raw, sizeof raw - 1);
	static const char moved[] = "X-A\0a b";
	p.fields[0].name = moved;
	p.fields[0].value = moved + 4;
	p.fields[0].value_len = 3;
	p.head.raw_layout_known = false;
	CHECK(http_framing_check(&p.head) == NULL);   /* a layout it does not know refuses nothing by itself */
	static const char chunked[] = "Transfer-Encoding\0chunked";
	p.fields[0].name = chunked;
	p.fields[0].name_len = 17;
	p.fields[0].value = chunked + 18;
	p.fields[0].value_len = 7;
	CHECK_STR(http_framing_check(&p.head), "Transfer-Encoding is not accepted");
}

int main(void)
{
	RUN(plain_requests_pass);
	RUN(bodies_and_ambiguous_framing);
	RUN(field_names_are_tokens);
	RUN(field_values_have_no_control_characters);
	RUN(a_nul_that_cut_a_value_short_shows_between_the_fields);
	RUN(fields_that_do_not_lie_in_the_header_are_refused);
	RUN(another_libmicrohttpd_layout_checks_the_parsed_fields_only);
	return TEST_SUMMARY();
}
