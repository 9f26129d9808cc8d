/* etag.c: XXH3-128 ETags. */
#include "table/etag.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <xxhash.h>

static void hex_of(XXH128_hash_t h, char hex[ETAG_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	XXH128_canonical_t c;
	/* The canonical form is big-endian (high64 first): the byte order xxhsum prints. */
	XXH128_canonicalFromHash(&c, h);
	for (size_t i = 0; i < sizeof c.digest; i++) {
		hex[2 * i] = digits[c.digest[i] >> 4];
		hex[2 * i + 1] = digits[c.digest[i] & 15];
	}
	hex[ETAG_HEX_LEN] = 0;
}

void etag_hash_hex(const void *data, size_t len, char hex[ETAG_HEX_LEN + 1])
{
	hex_of(XXH3_128bits(data, len), hex);
}

/* Writes the quoted tag for a hash: "<hex>" or, with gzip, "<hex>+gzip". */
static void etag_from_hex(const char hex[ETAG_HEX_LEN + 1], bool gzip, char tag[ETAG_MAX])
{
	snprintf(tag, ETAG_MAX, "\"%.*s%s\"", ETAG_HEX_LEN, hex, gzip ? "+gzip" : "");
}

void etag_of(const void *data, size_t len, bool gzip, char tag[ETAG_MAX])
{
	char hex[ETAG_HEX_LEN + 1];
	etag_hash_hex(data, len, hex);
	etag_from_hex(hex, gzip, tag);
}

void etag_pair(const void *data, size_t len, char plain[ETAG_MAX], char gzip[ETAG_MAX])
{
	char hex[ETAG_HEX_LEN + 1];
	etag_hash_hex(data, len, hex);
	etag_from_hex(hex, false, plain);
	etag_from_hex(hex, true, gzip);
}

void etag_pair_iov(const struct iovec *v, size_t n, char plain[ETAG_MAX], char gzip[ETAG_MAX])
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		abort();
	XXH3_128bits_reset(st);
	for (size_t i = 0; i < n; i++)
		if (v[i].iov_len)
			XXH3_128bits_update(st, v[i].iov_base, v[i].iov_len);
	char hex[ETAG_HEX_LEN + 1];
	hex_of(XXH3_128bits_digest(st), hex);
	XXH3_freeState(st);
	etag_from_hex(hex, false, plain);
	etag_from_hex(hex, true, gzip);
}
