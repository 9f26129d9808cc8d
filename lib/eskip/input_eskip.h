/* input_eskip.h: read an input (file, "-", URL; see input_read.h) and parse it as an eskip
 * document, with errors a user can find in the input.
 *
 * Messages are one line and name the input:
 *   routes.eskip:3:17: parse failed after token ->, last route id: r2, position 49: syntax error
 *   http://127.0.0.1:9911/routes: HTTP status 500 Internal Server Error
 * Line and column (both 1-based; the column counts bytes) are computed from skipper's byte
 * position, which stays in the message unchanged. Input that cannot start an eskip document
 * (Prometheus metrics, JSON, HTML, binary data) is said to be so, with what was received:
 *   http://127.0.0.1:9911/metrics: not an eskip routing table: received 2638 bytes
 *   (Content-Type text/plain; version=0.0.4) starting with "# HELP routesrv_"
 * (at most 16 bytes of the first line are shown). */
#ifndef ROUTESRV_INPUT_ESKIP_H
#define ROUTESRV_INPUT_ESKIP_H
#include <stddef.h>

#include "base/buf.h"
#include "base/input_read.h"
#include "eskip/route.h"

/* Appends the routes of input `name` to t. Returns 0, or -1 with the message in err (on
 * error no route is appended). */
int input_read_eskip(route_table *t, const char *name, const input_opts *o, buf *err);

/* Parses text (already read from `name`) into t; errors as above. */
int input_parse_eskip(route_table *t, const char *name, const char *text, size_t len, buf *err);

/* 1-based line and byte column of byte offset pos in text (pos may equal len). */
void text_line_col(const char *text, size_t len, size_t pos, long *line, long *col);
#endif
