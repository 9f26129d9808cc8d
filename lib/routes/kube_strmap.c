/* kube_strmap.c: open-addressing hash map over byte strings (XXH3).
 *
 * Keys are tenant input (hosts, paths, names): the hash is seeded once per process from
 * the kernel's random source, so nobody can precompute keys that share one probe chain and
 * turn each lookup linear. Iteration follows insertion order, never the hash. */
#include "routes/kube_strmap.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>

static uint64_t hash_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void make_seed(void)
{
	if (getrandom(&hash_seed, sizeof hash_seed, GRND_NONBLOCK) != (ssize_t)sizeof hash_seed) {
		struct timespec ts;   /* no entropy yet (early boot): the clock still varies */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		hash_seed = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)ts.tv_sec;
	}
}

void kube_strmap_init(kube_strmap *m, arena *a)
{
	pthread_once(&seed_once, make_seed);
	*m = (kube_strmap){ .arena = a };
}

static size_t slot_of(const kube_strmap *m, str key)
{
	size_t mask = m->nslots - 1;
	size_t i = (size_t)XXH3_64bits_withSeed(key.len ? key.ptr : "", key.len, hash_seed) & mask;
	while (m->slots[i]) {
		if (str_eq(m->entries[m->slots[i] - 1].key, key))
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

void *kube_strmap_get(const kube_strmap *m, str key)
{
	if (m->n == 0)
		return NULL;
	size_t s = m->slots[slot_of(m, key)];
	return s ? m->entries[s - 1].value : NULL;
}

/* Keeps the load factor at most 1/2. */
static void grow_slots(kube_strmap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 16;
	m->nslots = n;
	m->slots = arena_alloc(m->arena, n * sizeof *m->slots);
	for (size_t e = 0; e < m->n; e++)
		m->slots[slot_of(m, m->entries[e].key)] = e + 1;
}

kube_strmap_entry *kube_strmap_put(kube_strmap *m, str key, void *value)
{
	if (m->n) {
		size_t s = m->slots[slot_of(m, key)];
		if (s) {
			m->entries[s - 1].value = value;
			return &m->entries[s - 1];
		}
	}
	if ((m->n + 1) * 2 > m->nslots)
		grow_slots(m);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		m->entries = arena_grow(m->arena, m->entries, m->n, cap, sizeof *m->entries);
		m->cap = cap;
	}
	kube_strmap_entry *e = &m->entries[m->n++];
	e->key = arena_strndup(m->arena, key.len ? key.ptr : "", key.len);
	e->value = value;
	m->slots[slot_of(m, key)] = m->n;
	return e;
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
