/* etag.h: the ETag of a served table (DECISIONS.md 2).
 *
 * The tag is `"` + 32 lowercase hex digits of XXH3-128 over the served bytes + `"`; the
 * gzip representation's tag is `"<same hex>+gzip"` (skipper's convention). The hex is the
 * canonical (big-endian) form of the 128-bit hash, high 64 bits first, so it equals the
 * output of `xxhsum -H2` on the same bytes. Everything here writes into caller arrays. */
#ifndef ROUTESRV_ETAG_H
#define ROUTESRV_ETAG_H
#include <stdbool.h>
#include <stddef.h>

#define ETAG_HEX_LEN 32
/* Room for the longest tag: quote, hex, "+gzip", quote, NUL. */
#define ETAG_MAX (1 + ETAG_HEX_LEN + 5 + 1 + 1)

/* Writes the 32 hex digits of XXH3-128(data) and a NUL into hex. */
void etag_hash_hex(const void *data, size_t len, char hex[ETAG_HEX_LEN + 1]);
/* Both steps at once. */
void etag_of(const void *data, size_t len, bool gzip, char tag[ETAG_MAX]);
/* The tags of a document's two representations, hashing it once. */
void etag_pair(const void *data, size_t len, char plain[ETAG_MAX], char gzip[ETAG_MAX]);
/* The same for a document in pieces (the tags of their concatenation). */
struct iovec;
void etag_pair_iov(const struct iovec *v, size_t n, char plain[ETAG_MAX], char gzip[ETAG_MAX]);
#endif
