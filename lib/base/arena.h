/* arena.h: a bump allocator that owns everything of one route table.
 *
 * Ownership: every string, array and route of a table lives in its arena and is freed
 * all at once by arena_free(). Nothing allocated from an arena is freed on its own.
 * Allocation failure aborts the process (out of memory is not an input error). */
#ifndef ROUTESRV_ARENA_H
#define ROUTESRV_ARENA_H
#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* A byte string with a length; ptr is also NUL-terminated (ptr[len] == 0), so it can be
 * passed to C string functions when it is known to hold no NUL byte. ptr is never NULL
 * for strings made by the functions below; a zero-initialised str is the empty string. */
typedef struct {
	const char *ptr;
	size_t len;
} str;

arena *arena_new(void);
/* The same, starting with a 1 KiB chunk instead of 64 KiB (chunks double as it grows): for
 * the many small arenas of a long-lived store, one per watched object or compiled group. */
arena *arena_new_small(void);
void arena_free(arena *a);                 /* NULL is fine */
/* An arena that allocates only from the caller's zeroed block [block, block + size), e.g. memory
 * shared with another process, which then sees the same bytes at the same addresses. When the
 * block is used up, full() is called; it must not return (exit, longjmp). arena_free frees the
 * arena's own bookkeeping only, never the block. */
arena *arena_new_fixed(void *block, size_t size, void (*full)(void));
/* Hands a mapping (from mmap) to a: arena_free(a) unmaps it. */
void arena_own_mapping(arena *a, void *addr, size_t len);
size_t arena_bytes(const arena *a);        /* bytes reserved, for metrics and benchmarks */

void *arena_alloc(arena *a, size_t size);  /* zeroed, aligned for any type */
/* Grows an array allocated in `a` from old_n to new_n elements, keeping the old ones; the
 * new elements are zeroed. Callers double capacities. The old pointer must not be used
 * afterwards: a large block (ARENA_LARGE bytes and up) has a malloc block of its own and
 * is resized in place or moved with realloc, a small one is copied to a new block. */
void *arena_grow(arena *a, void *old, size_t old_n, size_t new_n, size_t elem_size);
#define ARENA_LARGE (128 * 1024)

/* Arrays in arenas (inside routes and Kubernetes objects) have an implicit capacity: room
 * for the next power of two (from 4) of elements is always reserved for n elements.
 * Allocate them only with arena_array_alloc() and grow them only with arena_array_push(),
 * or a later push would write past the end. */
void *arena_array_alloc(arena *a, size_t n, size_t elem_size);   /* zeroed */
/* Appends one zeroed element to *arr (n elements) and returns it; *n is incremented. */
void *arena_array_push(arena *a, void **arr, size_t *n, size_t elem_size);

str arena_strndup(arena *a, const char *s, size_t n);
str arena_strdup(arena *a, const char *s);   /* s NULL gives the empty string */
str arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Helpers for the str type; str_c() makes a str from a C string literal or buffer. */
static inline str str_c(const char *s) { str r = { s ? s : "", 0 }; while (s && s[r.len]) r.len++; return r; }
int str_eq(str a, str b);
int str_eq_c(str a, const char *b);
int str_cmp(str a, str b);                   /* bytewise, shorter first on a common prefix */
#endif
