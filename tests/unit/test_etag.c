/* ETag (XXH3-128), gzip and input_read tests.
 * The hash vectors were computed independently with `xxhsum -H2` (xxHash 0.8.1 CLI). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "table/etag.h"
#include "base/gzip.h"
#include "base/input_read.h"
#include "test.h"

static void check_hex(const char *data, size_t len, const char *want)
{
	char hex[ETAG_HEX_LEN + 1];
	etag_hash_hex(data, len, hex);
	CHECK_STR(hex, want);
}

TEST(xxh3_128_vectors)
{
	check_hex("", 0, "99aa06d3014798d86001c324468d497f");
	check_hex("abc", 3, "06b05ab6733a618578af5f94892f3950");
	/* The 45-byte served table of spec A6.6. */
	const char *table = "a: Path(\"/a\") -> <shunt>;\nb: * -> \"http://b\";";
	CHECK_INT(strlen(table), 45);
	check_hex(table, strlen(table), "7ef5e84b1bd2416b937530050160555d");
	/* XXH3 has separate code paths for 17-128, 129-240 and >240 bytes. */
	char digits[201];
	for (int i = 0; i < 200; i++)
		digits[i] = (char)('0' + i % 10);
	check_hex(digits, 100, "931051f058803fac50f1ac05bb72ed13");
	check_hex(digits, 200, "3002ce74d0912319cabd4a5ce8f7ef2d");
	char *xs = malloc(100000);
	memset(xs, 'x', 100000);
	check_hex(xs, 100000, "0fe996a84987456bd8b99a30e426ac41");
	free(xs);
}

TEST(tag_forms)
{
	char tag[ETAG_MAX];
	etag_of("abc", 3, false, tag);
	CHECK_STR(tag, "\"06b05ab6733a618578af5f94892f3950\"");
	etag_of("abc", 3, true, tag);
	CHECK_STR(tag, "\"06b05ab6733a618578af5f94892f3950+gzip\"");
	CHECK_INT(strlen(tag) + 1, ETAG_MAX);
}

TEST(gzip_round_trip)
{
	const char *text = "r1: Path(\"/a\") -> <shunt>;\nr2: * -> \"http://b\";";
	for (int level = 0; level <= 13; level += 6) {
		buf z = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
		gzip_compress(&z, text, strlen(text), level);
		CHECK(gzip_is_gzip(z.ptr, z.len));
		CHECK_INT(gzip_decompress(&plain, z.ptr, z.len, 0, &err), 0);
		CHECK_STR(plain.ptr, text);
		buf_free(&z), buf_free(&plain), buf_free(&err);
	}
}

TEST(gzip_empty_and_large)
{
	buf z = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	gzip_compress(&z, "", 0, 6);
	CHECK_INT(gzip_decompress(&plain, z.ptr, z.len, 0, &err), 0);
	CHECK_INT(plain.len, 0);
	/* Highly compressible: the ISIZE guess and the doubling loop must still fit it. */
	size_t n = 5u << 20;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i % 7 ? 'a' : '\n');
	buf_reset(&z);
	gzip_compress(&z, big, n, 1);
	CHECK(z.len < n / 100);
	CHECK_INT(gzip_decompress(&plain, z.ptr, z.len, 0, &err), 0);
	CHECK_INT(plain.len, n);
	CHECK(memcmp(plain.ptr, big, n) == 0);
	/* The size guard. */
	buf_reset(&plain);
	CHECK_INT(gzip_decompress(&plain, z.ptr, z.len, n - 1, &err), -1);
	CHECK(strstr(err.ptr, "more than") != NULL);
	CHECK_INT(plain.len, 0);
	free(big);
	buf_free(&z), buf_free(&plain), buf_free(&err);
}

TEST(gzip_concatenated_members)
{
	buf z = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	gzip_compress(&z, "abc", 3, 6);
	gzip_compress(&z, "def", 3, 6);
	buf_puts(&plain, "pre:");
	CHECK_INT(gzip_decompress(&plain, z.ptr, z.len, 0, &err), 0);
	CHECK_STR(plain.ptr, "pre:abcdef");
	buf_free(&z), buf_free(&plain), buf_free(&err);
}

TEST(gzip_bad_input)
{
	buf z = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	CHECK_INT(gzip_decompress(&plain, "hello", 5, 0, &err), -1);
	CHECK_STR(err.ptr, "not gzip data (bad magic bytes)");
	buf_reset(&err);
	gzip_compress(&z, "some text to compress", 21, 6);
	/* Truncated, then corrupted. */
	CHECK_INT(gzip_decompress(&plain, z.ptr, z.len - 5, 0, &err), -1);
	CHECK_STR(err.ptr, "corrupt or truncated gzip data");
	buf_reset(&err);
	z.ptr[z.len - 8] ^= 0x55;   /* CRC32 mismatch */
	CHECK_INT(gzip_decompress(&plain, z.ptr, z.len, 0, &err), -1);
	CHECK_INT(plain.len, 0);
	buf_free(&z), buf_free(&plain), buf_free(&err);
}

static char *temp_file(const void *data, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_etag.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

TEST(input_read_files)
{
	buf out = BUF_INIT, err = BUF_INIT;
	char *path = temp_file("r: * -> <shunt>;", 16);
	CHECK_INT(input_read(path, NULL, &out, &err), 0);
	CHECK_STR(out.ptr, "r: * -> <shunt>;");
	unlink(path);

	/* A gzip file is decompressed. */
	buf z = BUF_INIT;
	gzip_compress(&z, "zipped", 6, 6);
	path = temp_file(z.ptr, z.len);
	buf_reset(&out);
	CHECK_INT(input_read(path, NULL, &out, &err), 0);
	CHECK_STR(out.ptr, "zipped");
	unlink(path);

	buf_reset(&out);
	CHECK_INT(input_read("/nonexistent/routes.eskip", NULL, &out, &err), -1);
	CHECK_STR(err.ptr, "No such file or directory");
	buf_reset(&err);
	CHECK_INT(input_read("/", NULL, &out, &err), -1);
	CHECK_STR(err.ptr, "Is a directory");

	/* The size limit. */
	buf_reset(&err);
	path = temp_file("0123456789", 10);
	input_opts o = { .max_bytes = 4 };
	CHECK_INT(input_read(path, &o, &out, &err), -1);
	CHECK_STR(err.ptr, "input larger than 4 bytes");
	unlink(path);
	buf_free(&z), buf_free(&out), buf_free(&err);
}

TEST(input_names)
{
	CHECK(input_is_url("http://127.0.0.1:9911/routes"));
	CHECK(input_is_url("HTTPS://example.org/"));
	CHECK(!input_is_url("httpfile"));
	CHECK(!input_is_url("-"));
	CHECK_STR(input_display_name("-"), "stdin");
	CHECK_STR(input_display_name("a.eskip"), "a.eskip");
}

int main(void)
{
	RUN(xxh3_128_vectors);
	RUN(tag_forms);
	RUN(gzip_round_trip);
	RUN(gzip_empty_and_large);
	RUN(gzip_concatenated_members);
	RUN(gzip_bad_input);
	RUN(input_read_files);
	RUN(input_names);
	return TEST_SUMMARY();
}
