/* xalloc.h: allocations that do not fail. Out of memory is not an input error: the process
 * says "routesrv: out of memory" on stderr and aborts.
 *
 * Ownership: the caller frees what these return, with free(). */
#ifndef ROUTESRV_XALLOC_H
#define ROUTESRV_XALLOC_H
#include <stdarg.h>
#include <stddef.h>

_Noreturn void out_of_memory(void);
void *xmalloc(size_t n);
/* Zeroed room for n elements; never NULL, also for n == 0 (room for one). */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* The first n bytes of s (up to a NUL) as a string; s may be NULL when n is 0. */
char *xstrndup(const char *s, size_t n);
/* vasprintf's result (malloc'd); the caller frees it. */
char *xvasprintf(const char *fmt, va_list ap);
#endif
