/* log.h: structured logs on stderr, logfmt by default, JSON on request.
 *
 * The line shape follows skipper's logrus text format, so fixtures' log expectations and
 * operators' grep habits carry over:
 *   time="2026-11-27T10:00:00Z" level=error msg="Failed to get service bar, baz" kind=Ingress name=qux ns=foo
 * Extra fields are sorted by key (as logrus does). Values needing quotes are quoted with
 * Go %q escaping. Fields keep Go's types as logrus writes them (log_typed): numbers are
 * numbers in JSON ("count":12), durations are Go's time.Duration, written as Go prints it in
 * text (timeout=3s) and as nanoseconds in JSON ("timeout":3000000000). Never pass tokens, keys or other secrets as values; URL userinfo
 * passwords in the message or any value are masked anyway (redact.h: user:xxxxx@). */
#ifndef ROUTESRV_LOG_H
#define ROUTESRV_LOG_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

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
/* A typed field: LOG_STR, LOG_INT, LOG_BOOL, LOG_MS (a duration in milliseconds),
 * LOG_NS (in nanoseconds). */
typedef enum { LOG_FIELD_STRING, LOG_FIELD_INT, LOG_FIELD_BOOL, LOG_FIELD_DURATION } log_field_type;
typedef struct {
	const char *key;
	log_field_type type;
	const char *s;                   /* LOG_FIELD_STRING */
	long long i;                     /* INT; BOOL 0/1; DURATION in nanoseconds */
} log_field;
#define LOG_STR(k, v) ((log_field){ .key = (k), .type = LOG_FIELD_STRING, .s = (v) })
#define LOG_INT(k, v) ((log_field){ .key = (k), .type = LOG_FIELD_INT, .i = (long long)(v) })
#define LOG_BOOL(k, v) ((log_field){ .key = (k), .type = LOG_FIELD_BOOL, .i = (v) ? 1 : 0 })
#define LOG_MS(k, ms) ((log_field){ .key = (k), .type = LOG_FIELD_DURATION, .i = (long long)(ms) * 1000000LL })
#define LOG_NS(k, ns) ((log_field){ .key = (k), .type = LOG_FIELD_DURATION, .i = (long long)(ns) })

/* Logs msg with typed fields:
 *   log_typed(LOG_INFO, "routes updated", LOG_INT("count", n), LOG_STR("hash", h)); */
#define log_typed(level, msg, ...)                                                                  \
	log_fields((level), (msg), (const log_field[]){ __VA_ARGS__ },                              \
		   sizeof((const log_field[]){ __VA_ARGS__ }) / sizeof(log_field))
void log_fields(log_level level, const char *msg, const log_field *fields, size_t n);

/* Go's time.Duration.String() of ns nanoseconds: "3s", "1.5s", "2m0s", "1h0m0s", "250ms",
 * "1.5µs", "100ns", "0s", "-1s". */
void log_duration_text(buf *out, long long ns);

/* printf-style message without fields. */
void log_printf(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
