/* redact.h: credentials out of everything routesrv prints (issue 11).
 *
 * A URL may carry a password in its userinfo (-kubernetes-url http://admin:secret@host, a
 * kubeconfig server:, an input URL of routesrv-etag or routesrv-diff). Every message that
 * names a URL, and as a last line of defence every log line and usage error, goes through
 * redact_append, which masks the password as Go's url.URL.Redacted does: "user:xxxxx@".
 * The user name stays (it helps to tell configurations apart and is no secret).
 *
 * The authority of a URL ends at the first '/', '?', '#', whitespace, quote or '<', '>'
 * after "://"; its userinfo is what precedes the last '@' in it. A password holding a raw
 * '/' must be percent-encoded (RFC 3986), as clients require anyway.
 *
 * Ownership: redact_append appends to the caller's buf; redact_dup returns malloc'd text. */
#ifndef ROUTESRV_REDACT_H
#define ROUTESRV_REDACT_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define REDACTED_PASSWORD "xxxxx"

/* Appends text[0..n) with every URL userinfo password replaced by REDACTED_PASSWORD. */
void redact_append(buf *out, const char *text, size_t n);
/* Whether text[0..n) holds a URL userinfo password (what redact_append would change). */
bool redact_needed(const char *text, size_t n);
/* A redacted copy of the C string s (malloc'd; s NULL gives NULL). */
char *redact_dup(const char *s);
#endif
