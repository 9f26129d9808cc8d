/* hmap.h: a byte-string → pointer hash map with deletion, for state that lives across
 * cycles (the watched object store, the incremental compile's indexes).
 *
 * kube_strmap (routes/) is the per-cycle map: it lives in an arena and never deletes. An
 * hmap is malloc-based: keys are copied and freed with their entries, so a map whose keys
 * come and go (objects added and deleted for weeks) keeps only its live entries. Keys are
 * tenant input, so the hash is seeded per process (hash_seed.h). Open addressing with
 * backward-shift deletion: no tombstones, lookups stay short after any churn.
 * Iteration order is the slot order (not insertion order, not stable across changes).
 *
 * Ownership: the map owns its key copies; values are the caller's (hmap_free does not free
 * them). */
#ifndef ROUTESRV_HMAP_H
#define ROUTESRV_HMAP_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"   /* str */

typedef struct {
	char *key;                 /* NUL-terminated copy; NULL: an empty slot */
	size_t len;
	unsigned long long hash;
	void *value;
} hmap_slot;

typedef struct {
	hmap_slot *slots;
	size_t n, nslots;          /* entries, slots (a power of two, at most half full) */
} hmap;

#define HMAP_INIT { NULL, 0, 0 }

void *hmap_get(const hmap *m, str key);
/* Sets key → value; returns the previous value (NULL if the key was new). */
void *hmap_put(hmap *m, str key, void *value);
/* The value of key, added (as NULL) if absent: for a value made on first use. The pointer is
 * valid until the map next changes. */
void **hmap_ref(hmap *m, str key);
/* Removes key; returns its value, or NULL if absent. */
void *hmap_del(hmap *m, str key);
void hmap_free(hmap *m);   /* frees the slots and keys, not the values */

/* Iteration: for (size_t i = 0; i < m->nslots; i++) if (m->slots[i].key) ... (no changes meanwhile). */
#endif
