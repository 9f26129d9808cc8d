/* buf.h: a growable byte buffer for output (printing, HTTP bodies, file contents).
 *
 * Ownership: the caller owns the buf and frees it with buf_free(); buf_steal() hands the
 * bytes (malloc'd, NUL-terminated) to the caller. Allocation failure aborts. */
#ifndef ROUTESRV_BUF_H
#define ROUTESRV_BUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *ptr;      /* NUL-terminated whenever len > 0 or after any append */
	size_t len, cap;
} buf;

#define BUF_INIT { NULL, 0, 0 }
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(buf *b);            /* len = 0, keeps the memory */
void buf_free(buf *b);
char *buf_steal(buf *b, size_t *len);  /* never NULL; b is empty afterwards */
#endif
