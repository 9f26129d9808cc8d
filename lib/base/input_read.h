/* input_read.h: read a whole input named by a string, as the command-line tools accept it:
 * a file path, "-" for standard input, or an http:// or https:// URL (libcurl).
 *
 * Inputs that start with the gzip magic bytes (a saved gzip response, a .gz file) and HTTP
 * bodies with Content-Encoding gzip are decompressed. HTTP: GET with
 * "Accept-Encoding: gzip", redirects followed (at most 5, http/https only: skipper's
 * ServeMux answers non-canonical paths with 301), connect and total timeouts; a non-2xx
 * status is an error.
 *
 * Errors are one line without the input's name (the caller prefixes it, see
 * input_display_name), e.g. "No such file or directory", "HTTP status 500 Internal Server
 * Error", "cannot connect: Failed to connect to 127.0.0.1 port 1 ...".
 *
 * Ownership: the content is appended to a caller-owned buf (NUL-terminated, may contain
 * NUL bytes); the error goes to a caller-owned buf. */
#ifndef ROUTESRV_INPUT_READ_H
#define ROUTESRV_INPUT_READ_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

typedef struct {
	long connect_timeout_ms;   /* 0: 10 s */
	long timeout_ms;           /* whole transfer; 0: 60 s */
	size_t max_bytes;          /* content limit after decompression; 0: 1 GiB */
	bool insecure;             /* https: skip certificate verification */
} input_opts;

/* Reads the input into out. o may be NULL for the defaults. Returns 0 or -1 (err set). */
int input_read(const char *name, const input_opts *o, buf *out, buf *err);
/* input_read that also copies a URL's Content-Type header (as sent) into content_type
 * (cap bytes, NUL-terminated; "" for files, stdin and responses without one). */
int input_read_typed(const char *name, const input_opts *o, buf *out, char *content_type, size_t cap, buf *err);

/* Appends all of fd to out (NUL-terminated, sized at once from fstat for a regular file).
 * 0; -1 with errno set; -2 once more than limit bytes were read (SIZE_MAX: no limit). */
int input_read_fd(int fd, size_t limit, buf *out);
/* input_read_fd of the file at path (opened O_CLOEXEC; -1 with errno also when it cannot be
 * opened). */
int input_read_file(const char *path, size_t limit, buf *out);

bool input_is_url(const char *name);
/* The name to show in messages and headers: "stdin" for "-", a URL with its userinfo
 * password masked (redact.h), else the name itself. A masked copy is kept until the
 * process exits (inputs are named on the command line: a handful). */
const char *input_display_name(const char *name);
#endif
