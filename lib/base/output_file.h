/* output_file.h: the commands' -o FILE — write a result so that a failed run never leaves
 * a half-written file behind, and never replaces a device or FIFO.
 *
 * Ownership: nothing is kept; the byte ranges are only read. */
#ifndef ROUTESRV_OUTPUT_FILE_H
#define ROUTESRV_OUTPUT_FILE_H
#include <stddef.h>
#include <sys/uio.h>

#include "base/buf.h"

/* Writes the byte ranges iov[0..n) in order to path:
 *   "-"                 standard output (stdio is flushed first);
 *   a symbolic link:    what it points to (the chain followed, up to 40 links): the link
 *                       stays, its target is written by the rules below, in the target's
 *                       directory, as editors and cp do (a dangling link creates its target);
 *   an existing non-regular file (-o /dev/null, a FIFO): straight into it — renaming over
 *                       it would replace the device node with a plain file;
 *   anything else:      a temporary file PATH.tmpXXXXXX in the same directory, renamed over
 *                       path once complete, removed on failure. It gets the mode (and, where
 *                       the process may, the owner and group) of the file it replaces, so a
 *                       chmod 600 file stays private; a new file gets 0666 less the umask,
 *                       as a plain open would make it.
 * 0 ok; -1 with "cannot write PATH: reason" (or "cannot write standard output: reason")
 * in err. */
int output_file_write(const char *path, const struct iovec *iov, size_t n, buf *err);

/* output_file_write of one buffer (an empty or never-filled buf writes an empty file). */
int output_file_write_buf(const char *path, const buf *b, buf *err);

#endif
