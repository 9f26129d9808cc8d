/* zone_tables.c: per-zone variants of a processed table (B7.5).
 *
 * One pass reads every endpoint's zone once and numbers it; the per-zone tables are then
 * built from those numbers, so the (scattered) zone strings are not read again per zone. */
#include "table/zone_tables.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"

/* True if r opted out of zone-aware endpoints with annotate("zalando.org/traffic-zone-aware", "false"). */
static bool route_zone_aware_opt_out(const route *r)
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

/* Every endpoint's zone as a number: zone_of[first[r] + j] is 0 for no zone, else k + 1
 * for zones[k]. Routes that can never be filtered (fewer than 3 endpoints, or opted out)
 * are marked skip and their endpoints are not numbered. */
typedef struct {
	str *zones;
	size_t nzones;
	uint32_t *zone_of;
	size_t *first;
	bool *skip;
} zone_index;

static bool same(str a, str b) { return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0); }

static uint32_t zone_number(zone_index *x, arena *a, str zone, uint32_t *last)
{
	if (zone.len == 0)
		return 0;
	if (*last && same(x->zones[*last - 1], zone))
		return *last;
	for (size_t k = 0; k < x->nzones; k++)   /* clusters have a handful of zones */
		if (same(x->zones[k], zone))
			return *last = (uint32_t)k + 1;
	*(str *)arena_array_push(a, (void **)&x->zones, &x->nzones, sizeof *x->zones) = arena_strndup(a, zone.ptr, zone.len);
	return *last = (uint32_t)x->nzones;
}

/* Zones of routes that are skipped still count for the zone set (B7.5: every endpoint). */
static void index_zones(zone_index *x, arena *a, const route_table *t)
{
	memset(x, 0, sizeof *x);
	size_t total = 0;
	for (size_t i = 0; i < t->n; i++)
		total += t->routes[i].nendpoints;
	x->zone_of = arena_alloc(a, (total ? total : 1) * sizeof *x->zone_of);
	x->first = arena_alloc(a, (t->n ? t->n : 1) * sizeof *x->first);
	x->skip = arena_alloc(a, (t->n ? t->n : 1) * sizeof *x->skip);
	uint32_t last = 0;
	size_t at = 0;
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		x->first[i] = at;
		x->skip[i] = r->nendpoints < ZONE_MIN_ENDPOINTS || route_zone_aware_opt_out(r);
		for (size_t j = 0; j < r->nendpoints; j++)
			x->zone_of[at++] = zone_number(x, a, r->endpoints[j].zone, &last);
	}
}

static int zone_table_cmp(const void *a, const void *b)
{
	return str_cmp(((const zone_table *)a)->zone, ((const zone_table *)b)->zone);
}

/* The number of a zone name, 0 if no endpoint has it. */
static uint32_t zone_position(const zone_index *x, str zone)
{
	for (size_t k = 0; k < x->nzones; k++)
		if (same(x->zones[k], zone))
			return (uint32_t)k + 1;
	return 0;
}

/* The table of the zone numbered zn (0: a zone no endpoint has: every route unchanged). */
static route_table *build_zone(const route_table *t, const zone_index *x, uint32_t zn, size_t *nfiltered)
{
	route_table *z = route_table_new();
	size_t filtered = 0;
	if (t->n) {
		z->routes = arena_alloc(z->arena, t->n * sizeof *z->routes);
		memcpy(z->routes, t->routes, t->n * sizeof *z->routes);
		z->n = z->cap = t->n;
	}
	for (size_t i = 0; zn && i < z->n; i++) {
		if (x->skip[i])
			continue;
		route *r = &z->routes[i];
		const uint32_t *zones = x->zone_of + x->first[i];
		size_t count = 0;
		for (size_t j = 0; j < r->nendpoints; j++)
			count += zones[j] == zn;
		if (count < ZONE_MIN_ENDPOINTS)
			continue;
		filtered++;
		if (count == r->nendpoints)
			continue;
		lb_endpoint *kept = arena_array_alloc(z->arena, count, sizeof *kept);
		size_t k = 0;
		for (size_t j = 0; j < r->nendpoints; j++)
			if (zones[j] == zn)
				kept[k++] = r->endpoints[j];
		r->endpoints = kept;
		r->nendpoints = k;
	}
	if (nfiltered)
		*nfiltered = filtered;
	return z;
}

route_table *zone_table_build(const route_table *t, str zone, size_t *nfiltered)
{
	arena *a = arena_new();
	zone_index x;
	index_zones(&x, a, t);
	route_table *z = build_zone(t, &x, zone_position(&x, zone), nfiltered);
	arena_free(a);
	return z;
}

zone_tables *zone_tables_build(const route_table *t)
{
	arena *a = arena_new();
	zone_tables *z = arena_alloc(a, sizeof *z);
	z->arena = a;
	zone_index x;
	index_zones(&x, a, t);
	z->n = x.nzones;
	z->v = arena_alloc(a, (x.nzones ? x.nzones : 1) * sizeof *z->v);
	for (size_t k = 0; k < x.nzones; k++) {
		z->v[k].zone = x.zones[k];
		z->v[k].table = build_zone(t, &x, (uint32_t)k + 1, &z->v[k].nfiltered);
	}
	qsort(z->v, z->n, sizeof *z->v, zone_table_cmp);   /* numbers follow first sight; names sort */
	return z;
}

const zone_table *zone_tables_find(const zone_tables *z, str zone)
{
	for (size_t i = 0; z && i < z->n; i++)
		if (same(z->v[i].zone, zone))
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

/* --- zone documents from the full document ---------------------------------------------- */

/* Scratch space of one zone_docs build (grown as needed). */
typedef struct {
	lb_endpoint *kept;
	size_t cap;
} scratch;

static void scratch_fit(scratch *s, size_t n)
{
	if (n <= s->cap)
		return;
	s->cap = n * 2;
	if (!(s->kept = realloc(s->kept, s->cap * sizeof *s->kept)))
		abort();
}

/* Route i with only its endpoints in zone zn: copied from its text where it has the usual
 * shape, else printed from a copy of the route with the kept endpoints. */
static void put_shortened(buf *out, const served_doc *d, size_t i, const route *r, const uint32_t *zones,
			  uint32_t zn, scratch *s)
{
	if (d->endpoints[i] != SIZE_MAX) {
		const char *text = d->doc.ptr + d->start[i], *ep = d->doc.ptr + d->endpoints[i];
		buf_append(out, text, (size_t)(ep - text));
		bool first = true;
		for (size_t j = 0; j < r->nendpoints; j++) {
			size_t n = served_endpoint_text_len(&r->endpoints[j]);
			if (zones[j] == zn) {
				if (!first)
					buf_append(out, ", ", 2);
				first = false;
				buf_append(out, ep, n);
			}
			ep += n + 2;   /* and ", " */
		}
		buf_append(out, ">;", d->bare ? 1 : 2);
		return;
	}
	scratch_fit(s, r->nendpoints);
	route copy = *r;
	size_t k = 0;
	for (size_t j = 0; j < r->nendpoints; j++)
		if (zones[j] == zn)
			s->kept[k++] = r->endpoints[j];
	copy.endpoints = s->kept;
	copy.nendpoints = k;
	served_route_print(out, &copy, d->bare);
}

/* The document of the zone numbered zn (0: no endpoint has it, the full document). Routes are
 * shortened under the same rule as build_zone. Returns how many routes were filtered. */
static size_t put_zone_doc(buf *out, const route_table *t, const served_doc *d, const zone_index *x, uint32_t zn,
			   scratch *s)
{
	size_t filtered = 0, run = 0, run_end = 0;   /* unchanged bytes not yet copied: doc[run, run_end) */
	buf_reserve(out, d->doc.len);
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		const uint32_t *zones = x->zone_of + x->first[i];
		size_t count = 0;
		for (size_t j = 0; zn && !x->skip[i] && j < r->nendpoints; j++)
			count += zones[j] == zn;
		bool shortened = count >= ZONE_MIN_ENDPOINTS && count < r->nendpoints;
		filtered += count >= ZONE_MIN_ENDPOINTS;
		size_t from = i ? d->start[i] - 1 : 0;   /* with the "\n" before it */
		if (!shortened) {
			if (run_end != from)
				run = from;
			run_end = d->start[i + 1] - 1;
			continue;
		}
		buf_append(out, d->doc.ptr + run, run_end - run);
		run = run_end = d->start[i + 1] - 1;
		if (i)
			buf_putc(out, '\n');
		put_shortened(out, d, i, r, zones, zn, s);
	}
	buf_append(out, d->doc.ptr ? d->doc.ptr + run : "", run_end - run);
	return filtered;
}

size_t zone_doc_print(buf *out, const route_table *t, const served_doc *d, str zone)
{
	arena *a = arena_new();
	zone_index x;
	index_zones(&x, a, t);
	scratch s = { NULL, 0 };
	size_t filtered = put_zone_doc(out, t, d, &x, zone_position(&x, zone), &s);
	free(s.kept);
	arena_free(a);
	return filtered;
}

static int zone_doc_cmp(const void *a, const void *b)
{
	return str_cmp(((const zone_doc *)a)->zone, ((const zone_doc *)b)->zone);
}

zone_docs *zone_docs_build(const route_table *t, const served_doc *d)
{
	arena *a = arena_new();
	zone_docs *z = arena_alloc(a, sizeof *z);
	z->arena = a;
	zone_index x;
	index_zones(&x, a, t);
	z->n = x.nzones;
	z->v = arena_alloc(a, (x.nzones ? x.nzones : 1) * sizeof *z->v);
	scratch s = { NULL, 0 };
	for (size_t k = 0; k < x.nzones; k++) {
		zone_doc *zd = &z->v[k];
		zd->zone = x.zones[k];
		zd->nfiltered = put_zone_doc(&zd->doc, t, d, &x, (uint32_t)k + 1, &s);
		if (zd->nfiltered == 0)
			buf_free(&zd->doc);   /* the full document */
	}
	free(s.kept);
	qsort(z->v, z->n, sizeof *z->v, zone_doc_cmp);
	return z;
}

void zone_docs_free(zone_docs *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->n; i++)
		buf_free(&z->v[i].doc);
	arena_free(z->arena);
}
