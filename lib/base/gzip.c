/* gzip.c: libdeflate wrappers for whole-buffer gzip. */
#include "base/gzip.h"

#include <libdeflate.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/xalloc.h"

static void *must(void *p)
{
	if (!p)
		out_of_memory();
	return p;
}

void gzip_compress(buf *out, const void *data, size_t len, int level)
{
	level = level < 1 ? 1 : level > 12 ? 12 : level;
	struct libdeflate_compressor *c = must(libdeflate_alloc_compressor(level));
	size_t bound = libdeflate_gzip_compress_bound(c, len);
	buf_reserve(out, bound + 1);
	size_t n = libdeflate_gzip_compress(c, data, len, out->ptr + out->len, bound);
	libdeflate_free_compressor(c);
	if (n == 0) {   /* cannot happen with a bound-sized output buffer */
		fputs("routesrv: gzip compression failed\n", stderr);
		abort();
	}
	out->len += n;
	out->ptr[out->len] = 0;
}

/* --- spliced gzip ------------------------------------------------------------------------ */

const unsigned char gzip_splice_header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };

static void deflate_begin(z_stream *z, int level)
{
	memset(z, 0, sizeof *z);
	level = level < 1 ? 1 : level > 9 ? 9 : level;
	/* raw deflate (-15): the gzip framing is the splicer's */
	if (deflateInit2(z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		out_of_memory();
}

/* Compresses data[0..len) with a full flush at the end: byte-aligned, no history after it. */
static void deflate_flushed(z_stream *z, buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	do {
		/* zlib counts in uInt: feed at most 1 GiB at a time */
		size_t step = len > (1u << 30) ? (1u << 30) : len;
		z->next_in = (unsigned char *)p;
		z->avail_in = (uInt)step;
		p += step;
		len -= step;
		int flush = len ? Z_NO_FLUSH : Z_FULL_FLUSH;
		do {
			size_t room = deflateBound(z, z->avail_in) + 64;
			buf_reserve(out, room);
			z->next_out = (unsigned char *)out->ptr + out->len;
			z->avail_out = (uInt)room;
			if (deflate(z, flush) == Z_STREAM_ERROR)
				abort();
			out->len += room - z->avail_out;
		} while (z->avail_out == 0 || z->avail_in);
	} while (len);
	out->ptr[out->len] = 0;
}

void gzip_piece(buf *out, const void *data, size_t len, int level, unsigned long *crc)
{
	z_stream z;
	deflate_begin(&z, level);
	deflate_flushed(&z, out, data, len);
	deflateEnd(&z);
	*crc = gzip_crc32(0, data, len);
}

void gzip_pieces(buf *out, const void *data, size_t len, const size_t *cuts, size_t ncuts, const bool *want,
		 int level, size_t *at, unsigned long *crcs)
{
	z_stream z;
	deflate_begin(&z, level);
	const char *p = data;
	size_t from = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		at[i] = out->len;
		crcs[i] = 0;
		if (!want || want[i]) {
			/* a full flush ends each piece: the next one starts without history, so
			 * skipping pieces in between changes nothing */
			deflate_flushed(&z, out, p + from, to - from);
			crcs[i] = gzip_crc32(0, p + from, to - from);
		}
		from = to;
	}
	at[ncuts + 1] = out->len;
	deflateEnd(&z);
}

unsigned long gzip_crc32_combine(unsigned long crc_a, unsigned long crc_b, size_t len_b)
{
	return crc32_combine(crc_a, crc_b, (z_off_t)len_b);
}

unsigned long gzip_crc32(unsigned long crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len) {
		size_t step = len > (1u << 30) ? (1u << 30) : len;
		crc = crc32(crc, p, (uInt)step);
		p += step;
		len -= step;
	}
	return crc;
}

void gzip_splice_trailer(buf *out, unsigned long crc, size_t len)
{
	/* an empty final block with fixed codes: BFINAL 1, BTYPE 01, end-of-block 0000000 */
	unsigned char t[GZIP_SPLICE_TRAILER_LEN] = { 0x03, 0x00 };
	for (int i = 0; i < 4; i++) {
		t[2 + i] = (unsigned char)(crc >> (8 * i));
		t[6 + i] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	buf_append(out, t, sizeof t);
}

bool gzip_is_gzip(const void *data, size_t len)
{
	const unsigned char *p = data;
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* The ISIZE trailer field: uncompressed size mod 2^32 of the last member, a first guess. */
static size_t size_hint(const unsigned char *p, size_t len)
{
	if (len < 18)
		return 0;
	const unsigned char *t = p + len - 4;
	return (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
}

/* Decompresses one member at in into out, growing the output until it fits.
 * Returns the bytes of input consumed, or 0 with a reason in err. */
static size_t inflate_member(struct libdeflate_decompressor *d, buf *out, const unsigned char *in, size_t len,
			     size_t max_out, size_t base_len, buf *err)
{
	size_t cap = size_hint(in, len);
	if (cap < len * 4)
		cap = len * 4;
	if (cap < 4096)
		cap = 4096;
	for (;;) {
		size_t room = max_out ? max_out - (out->len - base_len) : SIZE_MAX;
		size_t try = cap < room ? cap : room;
		buf_reserve(out, try + 1);
		size_t in_used = 0, got = 0;
		enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, in, len, out->ptr + out->len, try, &in_used, &got);
		if (r == LIBDEFLATE_SUCCESS) {
			out->len += got;
			out->ptr[out->len] = 0;
			return in_used;
		}
		if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
			buf_puts(err, r == LIBDEFLATE_BAD_DATA ? "corrupt or truncated gzip data" : "gzip decompression failed");
			return 0;
		}
		if (try == room) {
			buf_printf(err, "gzip data decompresses to more than %zu bytes", max_out);
			return 0;
		}
		if (cap > SIZE_MAX / 2) {
			buf_puts(err, "gzip data too large");
			return 0;
		}
		cap *= 2;
	}
}

int gzip_decompress(buf *out, const void *data, size_t len, size_t max_out, buf *err)
{
	const unsigned char *p = data;
	if (!gzip_is_gzip(p, len)) {
		buf_puts(err, "not gzip data (bad magic bytes)");
		return -1;
	}
	struct libdeflate_decompressor *d = must(libdeflate_alloc_decompressor());
	size_t base_len = out->len, off = 0;
	int rc = 0;
	/* Concatenated members decompress to the concatenation, as gunzip(1) does. */
	while (off < len) {
		size_t used = inflate_member(d, out, p + off, len - off, max_out, base_len, err);
		if (used == 0) {
			out->len = base_len;
			if (out->ptr)
				out->ptr[out->len] = 0;
			rc = -1;
			break;
		}
		off += used;
	}
	libdeflate_free_decompressor(d);
	return rc;
}
