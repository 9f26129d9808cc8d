/* zone_tables.c: per-zone variants of a processed table (B7.5). */
#include "zone_tables.h"

#include <stdlib.h>
#include <string.h>

bool route_zone_aware_opt_out(const route *r)
{
	for (size_t i = 0; i < r->nfilters; i++) {
		const call *f = &r->filters[i];
		if (f->nargs == 2 && str_eq_c(f->name, "annotate") && f->args[0].type == ARG_STRING &&
		    f->args[1].type == ARG_STRING && str_eq_c(f->args[0].s, ZONE_AWARE_ANNOTATION) &&
		    str_eq_c(f->args[1].s, "false"))
			return true;
	}
	return false;
}

static size_t endpoints_in_zone(const route *r, str zone)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nendpoints; i++)
		n += str_eq(r->endpoints[i].zone, zone);
	return n;
}

/* Replaces r's endpoints (a shallow copy of the full table's route) by those in zone. */
static void keep_zone_endpoints(arena *a, route *r, str zone, size_t count)
{
	lb_endpoint *kept = arena_array_alloc(a, count, sizeof *kept);
	size_t k = 0;
	for (size_t i = 0; i < r->nendpoints; i++)
		if (str_eq(r->endpoints[i].zone, zone))
			kept[k++] = r->endpoints[i];
	r->endpoints = kept;
	r->nendpoints = k;
}

route_table *zone_table_build(const route_table *t, str zone, size_t *nfiltered)
{
	route_table *z = route_table_new();
	size_t filtered = 0;
	if (t->n) {
		z->routes = arena_alloc(z->arena, t->n * sizeof *z->routes);
		memcpy(z->routes, t->routes, t->n * sizeof *z->routes);
		z->n = z->cap = t->n;
	}
	for (size_t i = 0; i < z->n; i++) {
		route *r = &z->routes[i];
		if (r->nendpoints < ZONE_MIN_ENDPOINTS)
			continue;
		size_t count = endpoints_in_zone(r, zone);
		if (count < ZONE_MIN_ENDPOINTS || route_zone_aware_opt_out(r))
			continue;
		if (count != r->nendpoints)
			keep_zone_endpoints(z->arena, r, zone, count);
		filtered++;
	}
	if (nfiltered)
		*nfiltered = filtered;
	return z;
}

static int str_ptr_cmp(const void *a, const void *b) { return str_cmp(*(const str *)a, *(const str *)b); }

/* Every distinct non-empty endpoint zone of t, sorted. */
static str *collect_zones(arena *a, const route_table *t, size_t *n)
{
	str *zones = NULL;
	*n = 0;
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->routes[i].nendpoints; j++) {
			str zone = t->routes[i].endpoints[j].zone;
			if (zone.len == 0)
				continue;
			bool seen = false;
			for (size_t k = 0; k < *n && !seen; k++)   /* clusters have a handful of zones */
				seen = str_eq(zones[k], zone);
			if (!seen)
				*(str *)arena_array_push(a, (void **)&zones, n, sizeof *zones) = arena_strndup(a, zone.ptr, zone.len);
		}
	if (*n > 1)
		qsort(zones, *n, sizeof *zones, str_ptr_cmp);
	return zones;
}

zone_tables *zone_tables_build(const route_table *t)
{
	arena *a = arena_new();
	zone_tables *z = arena_alloc(a, sizeof *z);
	z->arena = a;
	size_t n;
	str *zones = collect_zones(a, t, &n);
	z->v = arena_alloc(a, (n ? n : 1) * sizeof *z->v);
	for (size_t i = 0; i < n; i++) {
		z->v[i].zone = zones[i];
		z->v[i].table = zone_table_build(t, zones[i], &z->v[i].nfiltered);
	}
	z->n = n;
	return z;
}

const zone_table *zone_tables_find(const zone_tables *z, str zone)
{
	for (size_t i = 0; z && i < z->n; i++)
		if (str_eq(z->v[i].zone, zone))
			return &z->v[i];
	return NULL;
}

void zone_tables_free(zone_tables *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->n; i++)
		route_table_free(z->v[i].table);
	arena_free(z->arena);
}
