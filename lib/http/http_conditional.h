/* http_conditional.h: HTTP conditional-request logic for /routes, as pure functions.
 *
 * These reproduce Go's http.ServeContent precondition checks (spec eskip-and-http.md
 * B2.1 step 7b), which skipper's routesrv answers with, so that clients see the same
 * 200/304/412 decisions:
 *   If-Match (strong compare, "*", lists) → else If-Unmodified-Since → 412 on failure;
 *   If-None-Match (weak compare, "*", lists) → 304 on a match, and when present it
 *   suppresses If-Modified-Since; otherwise If-Modified-Since → 304 when not newer.
 * Only the first line of each header counts; an empty header value counts as absent.
 *
 * Dates are whole seconds, so a date is compared with the first second from which it can
 * only name this representation (`dated_from`): Go compares with Last-Modified itself,
 * which is the same unless an earlier, different representation was served with a
 * Last-Modified in or after that second (two changes within one second). Then
 * If-Modified-Since equal to Last-Modified gets the representation (200), not 304, and
 * If-Unmodified-Since equal to it fails (412): the date cannot tell which of them the
 * client has; the ETag can.
 *
 * Ownership: nothing is allocated; strings are borrowed for the duration of the call. */
#ifndef ROUTESRV_HTTP_CONDITIONAL_H
#define ROUTESRV_HTTP_CONDITIONAL_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef enum {
	HTTP_COND_SERVE = 0,            /* send the representation (200) */
	HTTP_COND_NOT_MODIFIED,         /* 304 */
	HTTP_COND_PRECONDITION_FAILED,  /* 412 */
} http_cond_result;

/* The request's conditional headers (first line of each; NULL when absent). */
typedef struct {
	bool get_or_head;               /* method is GET or HEAD */
	const char *if_match;
	const char *if_none_match;
	const char *if_modified_since;
	const char *if_unmodified_since;
} http_cond_request;

/* Evaluates the preconditions against the response's ETag (as sent, with quotes), its
 * Last-Modified time and the first second whose date names it alone (whole seconds, UTC;
 * dated_from >= last_modified, or 0 for last_modified). */
http_cond_result http_cond_evaluate(const http_cond_request *req, const char *etag, time_t last_modified,
	time_t dated_from);

/* Entity-tag list checks as Go implements them: the list is scanned left to right; "*"
 * matches; the first element that is not a valid entity tag ends the scan (no match). */
bool http_etag_list_matches_weak(const char *list, const char *etag);
bool http_etag_list_matches_strong(const char *list, const char *etag);

/* Parses an HTTP date in one of the three formats Go's http.ParseTime accepts:
 * "Mon, 02 Jan 2006 15:04:05 GMT", "Monday, 02-Jan-06 15:04:05 MST" and
 * "Mon Jan _2 15:04:05 2006" (zone names are taken as UTC). 0 ok, -1 unparsable. */
int http_date_parse(const char *s, time_t *out);
/* Formats t as "Mon, 02 Jan 2006 15:04:05 GMT" into out (at least 30 bytes). */
void http_date_format(time_t t, char out[30]);

/* True when a gzip body is wanted: the first Accept-Encoding header value contains the
 * substring "gzip" (skipper's rule: "gzip;q=0" and "x-gzip" count too). NULL → false. */
bool http_accepts_gzip(const char *accept_encoding);
#endif
