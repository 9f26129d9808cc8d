/* arena.c: bump allocation in chunks that grow with the table. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t reserved;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("routesrv: out of memory\n", stderr);
		abort();
	}
	return p;
}

arena *arena_new(void)
{
	arena *a = xmalloc(sizeof *a);
	a->head = NULL;
	a->reserved = 0;
	return a;
}

void arena_free(arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

size_t arena_bytes(const arena *a) { return a ? a->reserved : 0; }

void *arena_alloc(arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		/* Chunks double with the arena so big tables need few mallocs. */
		size_t want = a->reserved > ARENA_MIN_CHUNK ? a->reserved : ARENA_MIN_CHUNK;
		if (want < size)
			want = size;
		if (want > SIZE_MAX - sizeof *c)
			abort();
		c = xmalloc(sizeof *c + want);
		c->size = want;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->reserved += want;
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

void *arena_grow(arena *a, void *old, size_t old_n, size_t new_n, size_t elem_size)
{
	if (new_n && elem_size > SIZE_MAX / new_n)
		abort();
	void *p = arena_alloc(a, new_n * elem_size);
	if (old && old_n)
		memcpy(p, old, (old_n < new_n ? old_n : new_n) * elem_size);
	return p;
}

str arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return (str){ p, n };
}

str arena_strdup(arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : arena_strndup(a, "", 0); }

str arena_vprintf(arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
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
