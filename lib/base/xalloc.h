/* xalloc.h: allocations that do not fail. Out of memory is not an input error: the process
 * says "routesrv: out of memory" on stderr and aborts.
 *
 * Ownership: the caller frees what these return, with free(). */
#ifndef ROUTESRV_XALLOC_H
#define ROUTESRV_XALLOC_H
#include <stddef.h>

_Noreturn void out_of_memory(void);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
#endif
