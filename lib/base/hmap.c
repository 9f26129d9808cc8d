/* hmap.c: open addressing with linear probing and backward-shift deletion (see hmap.h). */
#include "base/hmap.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/hash_seed.h"
#include "base/xalloc.h"

static unsigned long long hash_of(str key)
{
	return XXH3_64bits_withSeed(key.len ? key.ptr : "", key.len, hash_seed());
}

/* The slot holding key, or the empty slot where it would go (nslots > n, so one exists). */
static size_t find(const hmap *m, str key, unsigned long long h)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask;
	while (m->slots[i].key) {
		const hmap_slot *s = &m->slots[i];
		if (s->hash == h && s->len == key.len && memcmp(s->key, key.ptr, key.len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

void *hmap_get(const hmap *m, str key)
{
	if (m->n == 0)
		return NULL;
	const hmap_slot *s = &m->slots[find(m, key, hash_of(key))];
	return s->key ? s->value : NULL;
}

static void grow(hmap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 16, mask = n - 1;
	hmap_slot *slots = calloc(n, sizeof *slots);
	if (!slots)
		out_of_memory();
	for (size_t j = 0; j < m->nslots; j++) {
		if (!m->slots[j].key)
			continue;
		size_t i = (size_t)m->slots[j].hash & mask;
		while (slots[i].key)
			i = (i + 1) & mask;
		slots[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = n;
}

void **hmap_ref(hmap *m, str key)
{
	if ((m->n + 1) * 2 > m->nslots)
		grow(m);
	unsigned long long h = hash_of(key);
	hmap_slot *s = &m->slots[find(m, key, h)];
	if (!s->key) {
		s->key = xmalloc(key.len + 1);
		if (key.len)
			memcpy(s->key, key.ptr, key.len);
		s->key[key.len] = 0;
		s->len = key.len;
		s->hash = h;
		s->value = NULL;
		m->n++;
	}
	return &s->value;
}

void *hmap_put(hmap *m, str key, void *value)
{
	void **v = hmap_ref(m, key), *old = *v;
	*v = value;
	return old;
}

void *hmap_del(hmap *m, str key)
{
	if (m->n == 0)
		return NULL;
	size_t mask = m->nslots - 1, i = find(m, key, hash_of(key));
	if (!m->slots[i].key)
		return NULL;
	void *value = m->slots[i].value;
	free(m->slots[i].key);
	/* Backward shift: move later entries of the run into the hole when their home slot
	 * is not between the hole and themselves (cyclically). */
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = (size_t)m->slots[j].hash & mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		m->slots[i] = m->slots[j];
		i = j;
	}
	m->slots[i] = (hmap_slot){ NULL, 0, 0, NULL };
	m->n--;
	return value;
}

void hmap_free(hmap *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		free(m->slots[i].key);
	free(m->slots);
	*m = (hmap)HMAP_INIT;
}
