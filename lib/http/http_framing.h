/* http_framing.h: which requests are refused before any handler sees them (400, then the
 * connection is closed): routesrv serves only GET and HEAD without a body, so anything that
 * frames a body, or frames it ambiguously, is a request-smuggling risk behind a proxy and
 * is refused instead of guessed at:
 *   - Transfer-Encoding in any form;
 *   - more than one Content-Length, or one whose value is not 0 (a body, or garbage);
 *   - a field name that is not an RFC 9110 token (a space or tab before the colon, ...);
 *   - a field value with a control character other than HTAB (a lone CR, DEL, ...);
 *   - a header line that is not exactly "name:" OWS value line-end: a NUL byte anywhere in
 *     it, or a continuation line (obs-fold).
 *
 * libmicrohttpd 0.9.75 hands the application only parsed fields, and loses what matters
 * here: a NUL ends a value early (the rest is dropped silently) and a continuation line is
 * glued on. It parses in place, though: the request line and header lines stay in the
 * connection's read buffer, with each line end (CRLF or LF) and each field's colon
 * overwritten with NUL. So the check also proves that the parsed fields tile those bytes
 * exactly, line by line; whatever libmicrohttpd dropped shows up as bytes between them.
 * (One case cannot show: a NUL as the last byte of a value before a bare LF reads like
 * a CRLF. It changes no framing.) That layout is libmicrohttpd's internal business, verified
 * for 0.9.75 only: with another version (raw_layout_known false) the tiling proof is left
 * out, so a changed layout can never make every request fail, and the checks on the parsed
 * fields (framing, names, values) still apply.
 *
 * Ownership: nothing is allocated; the view borrows the connection's bytes for the call. */
#ifndef ROUTESRV_HTTP_FRAMING_H
#define ROUTESRV_HTTP_FRAMING_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *name, *value;
	size_t name_len, value_len;
} http_field;

/* A request's header as libmicrohttpd left it in the read buffer. */
typedef struct {
	const char *line_end;       /* the end of the request line's version (its terminator follows) */
	const char *end;            /* the end of the header: just past the empty line's terminator */
	const http_field *fields;   /* in order, pointers into [line_end, end) */
	size_t nfields;
	bool raw_layout_known;      /* the bytes are laid out as 0.9.75 leaves them: check the tiling */
	/* A listener that takes request bodies (the admission webhook): one Content-Length of
	 * decimal digits is fine; Transfer-Encoding and several lengths are still refused. */
	bool body_allowed;
} http_request_head;

/* NULL when the request may reach a handler; else the reason it gets 400 (static text). */
const char *http_framing_check(const http_request_head *h);
#endif
