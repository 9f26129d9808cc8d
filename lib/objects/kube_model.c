/* kube_model.c: the cluster container and map lookup of the Kubernetes object model. */
#include "objects/kube_model.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

const str *kube_map_find(const kube_map *m, str key)
{
	if (!m->sorted) {   /* maps built by hand (tests) */
		for (size_t i = 0; i < m->n; i++)
			if (str_eq(m->items[i].key, key))
				return &m->items[i].value;
		return NULL;
	}
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = str_cmp(m->items[mid].key, key);
		if (c == 0)
			return &m->items[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const str *kube_map_get(const kube_map *m, const char *key)
{
	return kube_map_find(m, str_c(key));
}

static int by_key(const void *x, const void *y)
{
	return str_cmp(((const kube_kv *)x)->key, ((const kube_kv *)y)->key);
}

void kube_map_sort(kube_map *m)
{
	if (m->n > 1)
		qsort(m->items, m->n, sizeof *m->items, by_key);
	m->sorted = true;
}

kube_cluster *kube_cluster_new(void)
{
	return kube_cluster_new_in(arena_new());
}

kube_cluster *kube_cluster_new_in(arena *a)
{
	kube_cluster *c = calloc(1, sizeof *c);
	if (!c)
		out_of_memory();
	c->arena = a;
	c->routegroups_known = true;
	return c;
}

void kube_cluster_free(kube_cluster *c)
{
	if (!c)
		return;
	arena_free(c->arena);
	free(c);
}
