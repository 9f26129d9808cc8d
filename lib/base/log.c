/* log.c: logfmt/JSON line writer. One fputs per line keeps lines whole across threads. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/redact.h"

static bool log_json;
static log_level log_max = LOG_INFO;
static bool log_time = true;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void log_setup(bool json, log_level level)
{
	log_json = json;
	log_max = level;
}

void log_set_timestamps(bool on) { log_time = on; }

bool log_enabled(log_level level) { return level <= log_max; }

int log_level_parse(const char *s, log_level *out)
{
	static const struct { const char *name; log_level level; } names[] = {
		{ "error", LOG_ERROR }, { "fatal", LOG_ERROR }, { "panic", LOG_ERROR }, { "warn", LOG_WARN },
		{ "warning", LOG_WARN }, { "info", LOG_INFO }, { "debug", LOG_DEBUG }, { "trace", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	return -1;
}

/* logrus quotes unless every byte is in [A-Za-z0-9-._/@^+]; empty values are quoted. */
static bool needs_quotes(const char *v)
{
	if (!*v)
		return true;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("-._/@^+", *p)))
			return true;
	return false;
}

/* Go %q-like escaping (also valid JSON string content for the bytes we emit). */
static void put_quoted(buf *b, const char *v)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

static int field_cmp(const void *a, const void *b)
{
	return strcmp(((const log_field *)a)->key, ((const log_field *)b)->key);
}

void log_duration_text(buf *out, long long ns)
{
	unsigned long long u = ns < 0 ? 0 - (unsigned long long)ns : (unsigned long long)ns;
	if (ns < 0)
		buf_putc(out, '-');
	if (u == 0) {
		buf_puts(out, "0s");
		return;
	}
	const char *unit = "s";
	int prec = 9;                       /* digits of the fraction */
	if (u < 1000)
		unit = "ns", prec = 0;
	else if (u < 1000000)
		unit = "\u00b5s", prec = 3;
	else if (u < 1000000000)
		unit = "ms", prec = 6;
	unsigned long long scale = 1;
	for (int i = 0; i < prec; i++)
		scale *= 10;
	unsigned long long whole = u / scale, frac = u % scale;
	if (u >= 1000000000) {              /* hours and minutes, as Go: 1h0m0s, 2m3.5s */
		unsigned long long h = whole / 3600, m = whole / 60 % 60;
		if (h)
			buf_printf(out, "%lluh", h);
		if (h || m)
			buf_printf(out, "%llum", m);
		whole %= 60;
	}
	buf_printf(out, "%llu", whole);
	if (frac) {
		char digits[24];
		snprintf(digits, sizeof digits, "%0*llu", prec, frac);
		size_t n = strlen(digits);
		while (n && digits[n - 1] == '0')
			n--;
		buf_printf(out, ".%.*s", (int)n, digits);
	}
	buf_puts(out, unit);
}

/* The value as logrus writes it: text for logfmt, a JSON value for JSON (numbers bare). */
static void field_value(const log_field *f, buf *out, bool *quoted_json)
{
	*quoted_json = false;
	switch (f->type) {
	case LOG_FIELD_STRING:
		buf_puts(out, f->s ? f->s : "");
		*quoted_json = true;
		break;
	case LOG_FIELD_INT:
		buf_printf(out, "%lld", f->i);
		break;
	case LOG_FIELD_BOOL:
		buf_puts(out, f->i ? "true" : "false");
		break;
	case LOG_FIELD_DURATION:
		if (log_json)
			buf_printf(out, "%lld", f->i);
		else
			log_duration_text(out, f->i);
		break;
	}
}

static void put_field(buf *b, const char *key, const char *value, bool quote_json, bool first)
{
	if (log_json) {
		buf_puts(b, first ? "{" : ",");
		put_quoted(b, key);
		buf_putc(b, ':');
		if (quote_json)
			put_quoted(b, value);
		else
			buf_puts(b, value);
		return;
	}
	if (!first)
		buf_putc(b, ' ');
	buf_puts(b, key);
	buf_putc(b, '=');
	if (needs_quotes(value))
		put_quoted(b, value);
	else
		buf_puts(b, value);
}

/* The field with any URL password masked (redact.h): whatever a caller passes, no log line
 * carries one. *tmp holds a redacted copy when one was needed. */
static const char *shown(const char *value, buf *tmp)
{
	if (!value || !redact_needed(value, strlen(value)))
		return value;
	buf_reset(tmp);
	redact_append(tmp, value, strlen(value));
	return tmp->ptr;
}

static void emit(log_level level, const char *msg, log_field *fields, size_t n)
{
	buf b = BUF_INIT, tmp = BUF_INIT, value = BUF_INIT;
	bool first = true;
	if (log_time) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		put_field(&b, "time", ts, true, first);
		first = false;
	}
	put_field(&b, "level", level_names[level], true, first);
	put_field(&b, "msg", shown(msg, &tmp), true, false);
	if (n > 1)
		qsort(fields, n, sizeof *fields, field_cmp);
	for (size_t i = 0; i < n; i++) {
		bool quote;
		buf_reset(&value);
		buf_putc(&value, 0);
		value.len = 0;
		field_value(&fields[i], &value, &quote);
		put_field(&b, fields[i].key, shown(value.ptr, &tmp), quote, false);
	}
	buf_puts(&b, log_json ? "}\n" : "\n");
	fputs(b.ptr, stderr);
	buf_free(&b);
	buf_free(&tmp);
	buf_free(&value);
}

void log_fields(log_level level, const char *msg, const log_field *fields, size_t n)
{
	if (!log_enabled(level))
		return;
	log_field copy[32];
	if (n > 32)
		n = 32;
	memcpy(copy, fields, n * sizeof *fields);
	emit(level, msg, copy, n);
}

void log_kv(log_level level, const char *msg, ...)
{
	if (!log_enabled(level))
		return;
	log_field fields[32];
	size_t n = 0;
	va_list ap;
	va_start(ap, msg);
	for (const char *k; (k = va_arg(ap, const char *)) != NULL && n < 32; n++)
		fields[n] = LOG_STR(k, va_arg(ap, const char *));
	va_end(ap);
	emit(level, msg, fields, n);
}

void log_printf(log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		buf_reserve(&b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	emit(level, b.ptr ? b.ptr : "", NULL, 0);
	buf_free(&b);
}
