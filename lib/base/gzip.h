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

/* --- spliced gzip: one gzip member assembled from independently compressed pieces -------
 *
 * A document made of parts that other documents share (zone documents, zone_tables.h) gets
 * its gzip representation from compressed pieces instead of compressing it whole: each
 * piece is raw deflate data that starts without history and ends on a byte boundary with a
 * non-final block (zlib's full flush), so pieces decode in any order after each other. A
 * member is then gzip_splice_header(), the pieces, and gzip_splice_trailer() with the CRC-32
 * of the whole content (gzip_crc32_combine of the pieces') and its length: one ordinary
 * gzip member that every decoder reads. Compression level as gzip_compress (zlib's 1..9). */

/* Appends one piece: data[0..len) compressed on its own; *crc receives its CRC-32. */
void gzip_piece(buf *out, const void *data, size_t len, int level, unsigned long *crc);

/* Compresses data into consecutive pieces split at cuts[0..ncuts) (increasing offsets
 * within [0, len]; 0 and len are implied). Appends the pieces to out; piece i covers
 * data[from_i, to_i), its bytes start at out offset at[i] (ncuts + 2 entries: at[ncuts + 1]
 * is the end) and its CRC-32 is crcs[i]. Only pieces whose want[i] is set are compressed
 * (want NULL: all); the others are left empty. One compressor for all of them. */
void gzip_pieces(buf *out, const void *data, size_t len, const size_t *cuts, size_t ncuts, const bool *want,
		 int level, size_t *at, unsigned long *crcs);

/* The CRC-32 of a + b from theirs and b's length (zlib's crc32_combine). */
unsigned long gzip_crc32_combine(unsigned long crc_a, unsigned long crc_b, size_t len_b);
/* The CRC-32 of data continued from crc (0 to start). */
unsigned long gzip_crc32(unsigned long crc, const void *data, size_t len);

/* The 10-byte member header and the end of a spliced member (an empty final block, the
 * CRC-32 and the length mod 2^32), as static bytes / appended bytes. */
extern const unsigned char gzip_splice_header[10];
void gzip_splice_trailer(buf *out, unsigned long crc, size_t len);
#define GZIP_SPLICE_TRAILER_LEN 10

/* True when data starts with the gzip magic bytes 1f 8b. */
bool gzip_is_gzip(const void *data, size_t len);
#endif
