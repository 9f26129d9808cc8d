/* gzip.h: one-shot gzip compression and decompression of whole buffers (libdeflate).
 *
 * Used for the gzip representation of served tables (built once per change) and for
 * reading gzip-encoded HTTP bodies and gzip files.
 *
 * Ownership: results are appended to a caller-owned buf; error messages (one line, no
 * trailing newline) are appended to a caller-owned buf. Allocation failure aborts. */
#ifndef ROUTESRV_GZIP_H
#define ROUTESRV_GZIP_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define GZIP_DEFAULT_LEVEL 6   /* Go's gzip.DefaultCompression is deflate level 6 as well */

/* Appends one gzip member holding data[0..len) (header MTIME 0, no name) to out.
 * level: 1 (fast) .. 12 (libdeflate's slowest); values outside are clamped. */
void gzip_compress(buf *out, const void *data, size_t len, int level);

/* Appends the decompressed content of a gzip stream (one or more concatenated members,
 * as gunzip accepts) to out. Returns 0, or -1 with a reason in err when the data is not
 * gzip, is corrupt or truncated, or would decompress to more than max_out bytes
 * (0: no limit; a guard against decompression bombs from untrusted servers).
 * On error out keeps its previous length. */
int gzip_decompress(buf *out, const void *data, size_t len, size_t max_out, buf *err);

/* True when data starts with the gzip magic bytes 1f 8b. */
bool gzip_is_gzip(const void *data, size_t len);
#endif
