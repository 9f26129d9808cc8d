/* hash_seed.h: the per-process seed of every hash map over tenant keys (kube_strmap, hmap),
 * from the kernel's random source, so nobody can precompute keys that share one probe
 * chain and turn each lookup linear. Thread-safe; the same value for the whole process. */
#ifndef ROUTESRV_HASH_SEED_H
#define ROUTESRV_HASH_SEED_H
#include <stdint.h>

uint64_t hash_seed(void);
#endif
