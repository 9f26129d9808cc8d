/* kube_model.c: the cluster container and map lookup of the Kubernetes object model. */
#include "objects/kube_model.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

const str *kube_map_get(const kube_map *m, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < m->n; i++)
		if (m->items[i].key.len == klen && memcmp(m->items[i].key.ptr, key, klen) == 0)
			return &m->items[i].value;
	return NULL;
}

kube_cluster *kube_cluster_new(void)
{
	kube_cluster *c = calloc(1, sizeof *c);
	if (!c)
		out_of_memory();
	c->arena = arena_new();
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
