/* redact: URL userinfo passwords masked in printed text (issue 11: no credentials in any log
 * line or error), as Go's url.URL.Redacted prints them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/redact.h"
#include "test.h"

static const char *redacted(const char *s)
{
	static buf b;
	buf_reset(&b);
	redact_append(&b, s, strlen(s));
	return b.ptr ? b.ptr : "";
}

TEST(passwords_are_masked_users_stay)
{
	CHECK_STR(redacted("http://admin:S3cretPassw0rd@127.0.0.1:18099"), "http://admin:xxxxx@127.0.0.1:18099");
	CHECK_STR(redacted("GET https://u:p@api.example.org:6443/api/v1/services?limit=500: HTTP 401"),
		  "GET https://u:xxxxx@api.example.org:6443/api/v1/services?limit=500: HTTP 401");
	CHECK_STR(redacted("http://admin@host/x"), "http://admin@host/x");        /* no password */
	CHECK_STR(redacted("http://:p@host"), "http://:xxxxx@host");
	CHECK_STR(redacted("http://u:@host"), "http://u:xxxxx@host");             /* an empty one too */
	CHECK_STR(redacted("http://u:p%40q@host"), "http://u:xxxxx@host");        /* encoded '@' */
	CHECK_STR(redacted("http://u:p@q@host/a"), "http://u:xxxxx@host/a");      /* the last '@' ends it */
	CHECK_STR(redacted("a http://u:1@h b https://v:2@i/p?q=http://w:3@j c"),
		  "a http://u:xxxxx@h b https://v:xxxxx@i/p?q=http://w:xxxxx@j c");
	CHECK_STR(redacted("error=\"GET http://a:b@h/x\""), "error=\"GET http://a:xxxxx@h/x\"");
	CHECK_STR(redacted("http://host/path@x:y"), "http://host/path@x:y");     /* '@' in the path */
	CHECK_STR(redacted("http://host?u=a:b@c"), "http://host?u=a:b@c");       /* in the query */
	CHECK_STR(redacted("no url here: a:b@c"), "no url here: a:b@c");
	CHECK_STR(redacted("://"), "://");
	CHECK_STR(redacted(""), "");
}

TEST(needed_and_dup)
{
	CHECK(redact_needed("x http://a:b@c", 14));
	CHECK(!redact_needed("x http://a@c", 12));
	CHECK(!redact_needed("plain", 5));
	char *d = redact_dup("https://k:secret@h:1/");
	CHECK_STR(d, "https://k:xxxxx@h:1/");
	free(d);
	CHECK(redact_dup(NULL) == NULL);
}

/* The last line of defence: whatever a caller passes, log lines carry no password. */
TEST(log_lines_are_masked)
{
	char path[] = "/tmp/test_redact.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log_set_timestamps(false);
	log_kv(LOG_ERROR, "GET http://a:pw1@h/x failed", "url", "https://b:pw2@i:1/", "n", "1", NULL);
	log_printf(LOG_ERROR, "%s", "proxy http://c:pw3@j");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	char text[512] = "";
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	close(fd);
	unlink(path);
	CHECK(n > 0);
	CHECK_STR(text, "level=error msg=\"GET http://a:xxxxx@h/x failed\" n=1 url=\"https://b:xxxxx@i:1/\"\n"
			"level=error msg=\"proxy http://c:xxxxx@j\"\n");
}

int main(void)
{
	RUN(passwords_are_masked_users_stay);
	RUN(needed_and_dup);
	RUN(log_lines_are_masked);
	return TEST_SUMMARY();
}
