/* log.h: structured logs on stderr, logfmt by default, JSON on request.
 *
 * The line shape follows skipper's logrus text format, so fixtures' log expectations and
 * operators' grep habits carry over:
 *   time="2026-11-27T10:00:00Z" level=error msg="Failed to get service bar, baz" kind=Ingress name=qux ns=foo
 * Extra fields are sorted by key (as logrus does). Values needing quotes are quoted with
 * Go %q escaping. Never pass tokens, keys or other secrets as values; URL userinfo
 * passwords in the message or any value are masked anyway (redact.h: user:xxxxx@). */
#ifndef ROUTESRV_LOG_H
#define ROUTESRV_LOG_H
#include <stdbool.h>

typedef enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

/* Process-wide settings; call once from main (defaults: logfmt, INFO, timestamps on). */
void log_setup(bool json, log_level level);
/* Parses skipper's level names (ERROR, WARN, INFO, DEBUG; case-insensitive). 0 ok, -1 bad. */
int log_level_parse(const char *s, log_level *out);
bool log_enabled(log_level level);
/* For tests: omit the time field so output is reproducible. */
void log_set_timestamps(bool on);

/* Logs msg with key/value fields given as const char * pairs, terminated by NULL:
 *   log_kv(LOG_ERROR, "Failed to get service", "kind", "Ingress", "ns", ns, NULL); */
void log_kv(log_level level, const char *msg, ...) __attribute__((sentinel));
/* printf-style message without fields. */
void log_printf(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
