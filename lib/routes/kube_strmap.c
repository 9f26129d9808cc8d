/* kube_strmap.c: open-addressing hash map over byte strings (XXH3).
 *
 * Keys are tenant input (hosts, paths, names): the hash is seeded once per process
 * (base/hash_seed.h). Iteration follows insertion order, never the hash. */
#include "routes/kube_strmap.h"

#include <stdint.h>
#include <string.h>
#include <xxhash.h>

#include "base/hash_seed.h"

void kube_strmap_init(kube_strmap *m, arena *a)
{
	*m = (kube_strmap){ .arena = a };
}

static unsigned long long hash_of(str key)
{
	return XXH3_64bits_withSeed(key.len ? key.ptr : "", key.len, hash_seed());
}

/* The slot holding key, or the empty slot where it would go. */
static size_t slot_of(const kube_strmap *m, str key, unsigned long long h)
{
	size_t mask = m->nslots - 1;
	size_t i = (size_t)h & mask;
	while (m->slots[i]) {
		const kube_strmap_entry *e = &m->entries[m->slots[i] - 1];
		if (e->hash == h && str_eq(e->key, key))
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

void *kube_strmap_get(const kube_strmap *m, str key)
{
	if (m->n == 0)
		return NULL;
	size_t s = m->slots[slot_of(m, key, hash_of(key))];
	return s ? m->entries[s - 1].value : NULL;
}

/* Keeps the load factor at most 1/2; entries keep their hashes. */
static void grow_slots(kube_strmap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 16, mask = n - 1;
	m->nslots = n;
	m->slots = arena_alloc(m->arena, n * sizeof *m->slots);
	for (size_t e = 0; e < m->n; e++) {
		size_t i = (size_t)m->entries[e].hash & mask;
		while (m->slots[i])
			i = (i + 1) & mask;
		m->slots[i] = e + 1;
	}
}

/* Looks key up; if absent, adds it and sets *added. Returns the entry. */
static kube_strmap_entry *find_or_add(kube_strmap *m, str key, void *value, bool *added)
{
	unsigned long long h = hash_of(key);
	if ((m->n + 1) * 2 > m->nslots)
		grow_slots(m);
	size_t slot = slot_of(m, key, h);
	if (m->slots[slot]) {
		*added = false;
		return &m->entries[m->slots[slot] - 1];
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		m->entries = arena_grow(m->arena, m->entries, m->n, cap, sizeof *m->entries);
		m->cap = cap;
	}
	kube_strmap_entry *e = &m->entries[m->n++];
	e->key = arena_strndup(m->arena, key.len ? key.ptr : "", key.len);
	e->value = value;
	e->hash = h;
	m->slots[slot] = m->n;
	*added = true;
	return e;
}

kube_strmap_entry *kube_strmap_put(kube_strmap *m, str key, void *value)
{
	bool added;
	kube_strmap_entry *e = find_or_add(m, key, value, &added);
	e->value = value;
	return e;
}

bool kube_strmap_add(kube_strmap *m, str key, void *value)
{
	bool added;
	find_or_add(m, key, value, &added);
	return added;
}

str kube_key2(arena *a, str x, str y)
{
	char *p = arena_alloc(a, x.len + y.len + 2);
	if (x.len)
		memcpy(p, x.ptr, x.len);
	p[x.len] = 0;
	if (y.len)
		memcpy(p + x.len + 1, y.ptr, y.len);
	return (str){ p, x.len + 1 + y.len };
}
