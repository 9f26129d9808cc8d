/* redact.c: URL userinfo passwords masked in printed text (see redact.h). */
#include "base/redact.h"

#include <string.h>

static bool ends_authority(char c)
{
	return c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
	       c == '\'' || c == '<' || c == '>' || c == '\\';
}

/* For the URL whose "://" is at p: the password's span [*pw, *pw_end) if the userinfo has
 * one ("user:password@"); false otherwise. */
static bool password_at(const char *p, const char *end, const char **pw, const char **pw_end)
{
	const char *a = p + 3, *e = a, *at = NULL;
	for (; e < end && !ends_authority(*e); e++)
		if (*e == '@')
			at = e;   /* the last '@' ends the userinfo, as url.Parse reads it */
	if (!at)
		return false;
	const char *colon = memchr(a, ':', (size_t)(at - a));
	if (!colon)
		return false;   /* a user name alone */
	*pw = colon + 1;
	*pw_end = at;
	return true;
}

static const char *next_scheme_sep(const char *p, const char *end)
{
	return end - p >= 3 ? memmem(p, (size_t)(end - p), "://", 3) : NULL;
}

bool redact_needed(const char *text, size_t n)
{
	const char *end = text + n, *pw, *pw_end;
	for (const char *p = text; (p = next_scheme_sep(p, end)) != NULL; p += 3)
		if (password_at(p, end, &pw, &pw_end))
			return true;
	return false;
}

void redact_append(buf *out, const char *text, size_t n)
{
	const char *end = text + n, *from = text, *pw, *pw_end;
	for (const char *p = text; (p = next_scheme_sep(p, end)) != NULL;) {
		if (!password_at(p, end, &pw, &pw_end)) {
			p += 3;
			continue;
		}
		buf_append(out, from, (size_t)(pw - from));
		buf_puts(out, REDACTED_PASSWORD);
		from = p = pw_end;
	}
	buf_append(out, from, (size_t)(end - from));
}

char *redact_dup(const char *s)
{
	if (!s)
		return NULL;
	buf b = BUF_INIT;
	redact_append(&b, s, strlen(s));
	return buf_steal(&b, NULL);
}
