/* kube_strmap.h: a byte-string → pointer hash map living in an arena, for the per-cycle
 * indexes and caches of the Kubernetes conversion (services by namespace/name, host
 * buckets, endpoint caches). Insertion order is kept so iteration is deterministic.
 *
 * Ownership: keys are copied into the map's arena; values are borrowed pointers. The map
 * is released with its arena (there is no free). */
#ifndef ROUTESRV_KUBE_STRMAP_H
#define ROUTESRV_KUBE_STRMAP_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

typedef struct {
	str key;
	void *value;
	unsigned long long hash;   /* of key: probes compare it first, growing never rehashes */
} kube_strmap_entry;

typedef struct {
	arena *arena;
	kube_strmap_entry *entries; size_t n, cap;   /* in insertion order */
	size_t *slots; size_t nslots;                 /* index + 1 into entries; 0 = empty */
} kube_strmap;

void kube_strmap_init(kube_strmap *m, arena *a);
void *kube_strmap_get(const kube_strmap *m, str key);
/* Sets key → value (replacing an existing value); returns the entry. */
kube_strmap_entry *kube_strmap_put(kube_strmap *m, str key, void *value);
/* Adds key → value unless key is present (then nothing changes); true if it was added.
 * One probe: the usual way to find duplicates (value must not be NULL). */
bool kube_strmap_add(kube_strmap *m, str key, void *value);
/* A key made of two parts joined by a NUL byte (e.g. namespace, name), in a. */
str kube_key2(arena *a, str x, str y);
#endif
