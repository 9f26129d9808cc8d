/* test_log: log lines keep Go's types as logrus writes them (numbers bare in JSON, durations
 * as Go prints them in text and as nanoseconds in JSON), and Go's Duration.String(). */
#include <stdlib.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "test.h"

/* Runs fn with stderr captured; returns what it wrote (static). */
static const char *captured(void (*fn)(void))
{
	static char text[2048];
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	text[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	return text;
}

static void typed_line(void)
{
	log_typed(LOG_INFO, "routes updated", LOG_INT("count", 12), LOG_INT("bytes", 2230), LOG_STR("hash", "a0c"),
		  LOG_MS("timeout", 3000), LOG_BOOL("cached", true), LOG_INT("delta", -4));
}

TEST(typed_fields_text)
{
	log_set_timestamps(false);
	log_setup(false, LOG_INFO);
	CHECK_STR(captured(typed_line),
		  "level=info msg=\"routes updated\" bytes=2230 cached=true count=12 delta=-4 hash=a0c timeout=3s\n");
}

TEST(typed_fields_json)
{
	log_set_timestamps(false);
	log_setup(true, LOG_INFO);
	CHECK_STR(captured(typed_line), "{\"level\":\"info\",\"msg\":\"routes updated\",\"bytes\":2230,\"cached\":true,"
					"\"count\":12,\"delta\":-4,\"hash\":\"a0c\",\"timeout\":3000000000}\n");
	log_setup(false, LOG_INFO);
}

static void string_fields(void)
{
	log_kv(LOG_WARN, "plain", "n", "12", NULL);
}

TEST(log_kv_values_stay_strings)
{
	log_set_timestamps(false);
	log_setup(true, LOG_INFO);
	CHECK_STR(captured(string_fields), "{\"level\":\"warning\",\"msg\":\"plain\",\"n\":\"12\"}\n");
	log_setup(false, LOG_INFO);
}

static const char *duration(long long ns)
{
	static buf b = BUF_INIT;
	buf_reset(&b);
	log_duration_text(&b, ns);
	return b.ptr;
}

TEST(go_duration_string)
{
	CHECK_STR(duration(0), "0s");
	CHECK_STR(duration(1), "1ns");
	CHECK_STR(duration(1500), "1.5\u00b5s");
	CHECK_STR(duration(250000000), "250ms");
	CHECK_STR(duration(1500000), "1.5ms");
	CHECK_STR(duration(3000000000LL), "3s");
	CHECK_STR(duration(1500000000LL), "1.5s");
	CHECK_STR(duration(120000000000LL), "2m0s");
	CHECK_STR(duration(3723500000000LL), "1h2m3.5s");
	CHECK_STR(duration(3600000000000LL), "1h0m0s");
	CHECK_STR(duration(-1000000000LL), "-1s");
	CHECK_STR(duration(1000000001LL), "1.000000001s");
}

int main(void)
{
	RUN(typed_fields_text);
	RUN(typed_fields_json);
	RUN(log_kv_values_stay_strings);
	RUN(go_duration_string);
	return TEST_SUMMARY();
}
