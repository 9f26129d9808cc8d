/* arena.c: bump allocation in chunks that grow with the table.
 *
 * Small blocks are bumped from shared chunks; strings are packed without alignment and not
 * zeroed first (they are written at once). Large blocks (arrays of routes, objects, map
 * entries) get a malloc block each, so growing one is a realloc instead of a copy that
 * would leave the old array behind as garbage for the arena's lifetime. */
#include "base/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/xalloc.h"

#define ARENA_MIN_CHUNK (64 * 1024)
#define ARENA_SMALL_CHUNK 1024   /* arena_new_small */
#define ARENA_MAX_CHUNK (4 * 1024 * 1024)   /* bounds the unused tail of the last chunk */
#define ARENA_ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct mapping {
	struct mapping *next;
	void *addr;
	size_t len;
};

struct arena {
	struct chunk *head;    /* small blocks; the first chunk is the one being filled */
	struct chunk *large;   /* one large block per chunk, newest first */
	size_t reserved, small_reserved;
	unsigned char *fixed, *fixed_end;   /* arena_new_fixed: every block comes from here */
	void (*full)(void);
	struct mapping *mappings;           /* arena_own_mapping */
	size_t min_chunk;                   /* the smallest chunk it allocates */
};

arena *arena_new(void)
{
	arena *a = xmalloc(sizeof *a);
	*a = (arena){ .head = NULL, .min_chunk = ARENA_MIN_CHUNK };
	return a;
}

arena *arena_new_small(void)
{
	arena *a = arena_new();
	a->min_chunk = ARENA_SMALL_CHUNK;
	return a;
}

arena *arena_new_fixed(void *block, size_t size, void (*full)(void))
{
	arena *a = arena_new();
	a->fixed = block;
	a->fixed_end = a->fixed + size;
	a->full = full;
	return a;
}

void arena_own_mapping(arena *a, void *addr, size_t len)
{
	struct mapping *m = xmalloc(sizeof *m);
	*m = (struct mapping){ a->mappings, addr, len };
	a->mappings = m;
}

/* A block of the fixed arena; never reused, so it is still zero. */
static void *fixed_bump(arena *a, size_t size, size_t align)
{
	uintptr_t at = ((uintptr_t)a->fixed + align - 1) & ~(uintptr_t)(align - 1);
	if (at > (uintptr_t)a->fixed_end || (uintptr_t)a->fixed_end - at < size) {
		a->full();
		abort();   /* full() must not return */
	}
	a->fixed = (unsigned char *)at + size;
	a->reserved += size;
	return (void *)at;
}

static void free_chunks(struct chunk *c)
{
	for (struct chunk *next; c; c = next) {
		next = c->next;
		free(c);
	}
}

void arena_free(arena *a)
{
	if (!a)
		return;
	free_chunks(a->head);
	free_chunks(a->large);
	for (struct mapping *m = a->mappings, *next; m; m = next) {
		next = m->next;
		munmap(m->addr, m->len);
		free(m);
	}
	free(a);
}

size_t arena_bytes(const arena *a) { return a ? a->reserved : 0; }

static void *alloc_large(arena *a, size_t size)
{
	if (a->fixed)
		return fixed_bump(a, size, ARENA_ALIGN);
	if (size > SIZE_MAX - sizeof(struct chunk))
		abort();
	struct chunk *c = calloc(1, sizeof *c + size);   /* fresh pages come zeroed without a memset */
	if (!c)
		out_of_memory();
	c->size = c->used = size;
	c->next = a->large;
	a->large = c;
	a->reserved += size;
	return c->data;
}

/* `size` bytes at the given alignment from the current small chunk, not zeroed. */
static void *bump(arena *a, size_t size, size_t align)
{
	if (a->fixed)
		return fixed_bump(a, size, align);
	struct chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || at > c->size || c->size - at < size) {
		/* Chunks double with the arena so big tables need few mallocs. */
		size_t want = a->small_reserved > a->min_chunk ? a->small_reserved : a->min_chunk;
		if (want > ARENA_MAX_CHUNK)
			want = ARENA_MAX_CHUNK;
		if (want < size)
			want = size;
		c = xmalloc(sizeof *c + want);
		c->size = want;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->reserved += want;
		a->small_reserved += want;
		at = 0;
	}
	c->used = at + size;
	return c->data + at;
}

void *arena_alloc(arena *a, size_t size)
{
	if (size >= ARENA_LARGE)
		return alloc_large(a, size);
	void *p = bump(a, size, ARENA_ALIGN);
	memset(p, 0, size);
	return p;
}

/* The chunk link pointing at the large block `p`, or NULL if p is not one. */
static struct chunk **large_link(arena *a, const void *p)
{
	for (struct chunk **link = &a->large; *link; link = &(*link)->next)
		if ((*link)->data == p)
			return link;
	return NULL;
}

void *arena_grow(arena *a, void *old, size_t old_n, size_t new_n, size_t elem_size)
{
	if (new_n && elem_size > SIZE_MAX / new_n)
		abort();
	size_t keep = (old_n < new_n ? old_n : new_n) * elem_size, size = new_n * elem_size;
	struct chunk **link = old && size >= ARENA_LARGE ? large_link(a, old) : NULL;
	if (link) {
		struct chunk *c = realloc(*link, sizeof *c + size);
		if (!c)
			out_of_memory();
		a->reserved += size - c->size;
		c->size = c->used = size;
		*link = c;
		memset(c->data + keep, 0, size - keep);
		return c->data;
	}
	char *p = size >= ARENA_LARGE ? alloc_large(a, size) : bump(a, size, ARENA_ALIGN);
	if (old && keep)
		memcpy(p, old, keep);
	if (size >= ARENA_LARGE)
		return p;   /* the tail is zero already */
	memset(p + keep, 0, size - keep);
	return p;
}

str arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = n + 1 >= ARENA_LARGE ? alloc_large(a, n + 1) : bump(a, n + 1, 1);
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return (str){ p, n };
}

str arena_strdup(arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : arena_strndup(a, "", 0); }

static str arena_vprintf(arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *p = (size_t)n + 1 >= ARENA_LARGE ? alloc_large(a, (size_t)n + 1) : bump(a, (size_t)n + 1, 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return (str){ p, (size_t)n };
}

str arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	str r = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return r;
}

int str_eq(str a, str b) { return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0); }

int str_eq_c(str a, const char *b) { return str_eq(a, str_c(b)); }

int str_cmp(str a, str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
	if (c)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

static size_t array_capacity(size_t n)
{
	if (n == 0)
		return 0;
	size_t c = 4;
	while (c < n)
		c *= 2;
	return c;
}

void *arena_array_alloc(arena *a, size_t n, size_t elem_size)
{
	return n ? arena_grow(a, NULL, 0, array_capacity(n), elem_size) : NULL;
}

void *arena_array_push(arena *a, void **arr, size_t *n, size_t elem_size)
{
	if (*n == array_capacity(*n))   /* full: 0, 4, 8, 16, ... */
		*arr = arena_grow(a, *arr, *n, array_capacity(*n + 1), elem_size);
	char *slot = (char *)*arr + *n * elem_size;
	memset(slot, 0, elem_size);
	(*n)++;
	return slot;
}
