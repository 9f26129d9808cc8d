/* kube_changes.c: object versions of two reads compared by hash (see kube_changes.h). */
#include "objects/kube_changes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/xalloc.h"

typedef struct {
	uint64_t *v;
	size_t n, cap;
} versions;

struct kube_changes {
	versions last;          /* the last completed read, sorted */
	versions adding;        /* the read being added */
	bool have_last;
	long long newest;       /* of the changed objects added so far */
};

kube_changes *kube_changes_new(void)
{
	kube_changes *k = calloc(1, sizeof *k);
	if (!k) out_of_memory();
	return k;
}

void kube_changes_free(kube_changes *k)
{
	if (!k) return;
	free(k->last.v);
	free(k->adding.v);
	free(k);
}

/* One object's kind, namespace, name and version as one hash (lengths keep the parts apart). */
static uint64_t version_hash(const char *kind, const kube_meta *m)
{
	const str *parts[3] = { &m->ns, &m->name, &m->resource_version };
	uint64_t h = XXH3_64bits(kind, strlen(kind));
	for (int i = 0; i < 3; i++) {
		uint64_t len = parts[i]->len;
		h = XXH3_64bits_withSeed(&len, sizeof len, h);
		h = XXH3_64bits_withSeed(parts[i]->ptr, parts[i]->len, h);
	}
	return h;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void add_object(kube_changes *k, const char *kind, const kube_meta *m)
{
	if (!m->present || !m->resource_version.len) return;
	uint64_t h = version_hash(kind, m);
	if (k->adding.n == k->adding.cap) {
		k->adding.cap = k->adding.cap ? 2 * k->adding.cap : 256;
		k->adding.v = xrealloc(k->adding.v, k->adding.cap * sizeof *k->adding.v);
	}
	k->adding.v[k->adding.n++] = h;
	bool changed = !k->last.n || !bsearch(&h, k->last.v, k->last.n, sizeof h, u64_cmp);
	if (changed && m->managed_time > k->newest) k->newest = m->managed_time;
}

/* Every object of an array of `size`-byte elements whose kube_meta is at meta_offset. */
static void add_all(kube_changes *k, const char *kind, const void *arr, size_t n, size_t size, size_t meta_offset)
{
	for (size_t i = 0; i < n; i++)
		add_object(k, kind, (const kube_meta *)((const char *)arr + i * size + meta_offset));
}

#define ADD(k, kind, arr, n, type) add_all((k), (kind), (arr), (n), sizeof(type), offsetof(type, meta))

void kube_changes_add(kube_changes *k, const kube_cluster *c)
{
	ADD(k, "Ingress", c->ingresses, c->ningresses, kube_ingress);
	ADD(k, "RouteGroup", c->routegroups, c->nroutegroups, kube_routegroup);
	ADD(k, "Service", c->services, c->nservices, kube_service);
	ADD(k, "Endpoints", c->endpoints, c->nendpoints, kube_endpoints);
	ADD(k, "EndpointSlice", c->slices, c->nslices, kube_endpointslice);
}

long long kube_changes_commit(kube_changes *k)
{
	long long newest = k->have_last ? k->newest : 0;
	if (k->adding.n) qsort(k->adding.v, k->adding.n, sizeof *k->adding.v, u64_cmp);
	versions old = k->last;
	k->last = k->adding;
	k->adding = (versions){ old.v, 0, old.cap };
	k->have_last = true;
	k->newest = 0;
	return newest;
}

void kube_changes_abort(kube_changes *k)
{
	k->adding.n = 0;
	k->newest = 0;
}
