/* route_diff.c: per-ID semantic diff of route tables, and its text and JSON reports. */
#include "eskip/route_diff.h"

#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"

/* --- comparing ------------------------------------------------------------------------ */

static bool backends_eq(const route *a, const route *b)
{
	if (a->backend_type != b->backend_type)
		return false;
	if (a->backend_type == BACKEND_NETWORK)
		return str_eq(a->backend, b->backend);
	if (a->backend_type != BACKEND_LB)
		return true;
	if (!str_eq(a->lb_algorithm, b->lb_algorithm) || a->nendpoints != b->nendpoints)
		return false;
	for (size_t i = 0; i < a->nendpoints; i++)
		if (!str_eq(a->endpoints[i].address, b->endpoints[i].address) || !str_eq(a->endpoints[i].zone, b->endpoints[i].zone))
			return false;
	return true;
}

unsigned route_parts_differ(const route *a, const route *b)
{
	unsigned m = 0;
	if (!calls_eq(a->predicates, a->npredicates, b->predicates, b->npredicates))
		m |= DIFF_PREDICATES;
	if (!calls_eq(a->filters, a->nfilters, b->filters, b->nfilters))
		m |= DIFF_FILTERS;
	if (!backends_eq(a, b))
		m |= DIFF_BACKEND;
	return m;
}

void calls_mark_differences(const call *a, size_t na, const call *b, size_t nb, bool *a_differs, bool *b_differs)
{
	/* Classic LCS table; predicate and filter lists are short. */
	size_t w = nb + 1;
	size_t *len = calloc((na + 1) * w, sizeof *len);
	if (!len)
		abort();
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			len[i * w + j] = call_eq(&a[i], &b[j]) ? len[(i + 1) * w + j + 1] + 1
				: len[(i + 1) * w + j] > len[i * w + j + 1] ? len[(i + 1) * w + j] : len[i * w + j + 1];
	for (size_t i = 0; i < na; i++)
		a_differs[i] = true;
	for (size_t j = 0; j < nb; j++)
		b_differs[j] = true;
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		if (call_eq(&a[i], &b[j]) && len[i * w + j] == len[(i + 1) * w + j + 1] + 1)
			a_differs[i++] = b_differs[j++] = false;
		else if (len[(i + 1) * w + j] >= len[i * w + j + 1])
			i++;
		else
			j++;
	}
	free(len);
}

/* --- normalising ---------------------------------------------------------------------- */

typedef struct {
	str key;
	route *r;
	size_t index;   /* input position: keeps the sort stable */
	bool matched;
} side_item;

static str strip_prefix(str id, const route_diff_opts *o)
{
	for (size_t i = 0; o && i < o->nignore_id_prefixes; i++) {
		size_t n = strlen(o->ignore_id_prefixes[i]);
		if (n <= id.len && memcmp(id.ptr, o->ignore_id_prefixes[i], n) == 0)
			return (str){ id.ptr + n, id.len - n };
	}
	return id;
}

static void normalise(arena *a, const route *src, route *dst, const route_diff_opts *o)
{
	route_canonical(a, src, dst);
	if (o && o->ignore_endpoints) {
		dst->endpoints = NULL;
		dst->nendpoints = 0;
	} else if (o && o->ignore_zones && dst->nendpoints) {
		/* A fresh array: the canonical one may be shared with the input. */
		lb_endpoint *eps = arena_array_alloc(a, dst->nendpoints, sizeof *eps);
		for (size_t i = 0; i < dst->nendpoints; i++)
			eps[i].address = dst->endpoints[i].address;
		dst->endpoints = eps;
	}
}

static int item_cmp(const void *pa, const void *pb)
{
	const side_item *a = pa, *b = pb;
	int c = str_cmp(a->key, b->key);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

static side_item *prepare_side(arena *a, const route *routes, size_t n, const route_diff_opts *o)
{
	side_item *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
	for (size_t i = 0; i < n; i++) {
		items[i].r = arena_alloc(a, sizeof(route));
		normalise(a, &routes[i], items[i].r, o);
		items[i].key = strip_prefix(items[i].r->id, o);
		items[i].index = i;
	}
	qsort(items, n, sizeof *items, item_cmp);
	return items;
}

/* --- matching ----------------------------------------------------------------------- */

static void add_entry(route_diff *d, route_change kind, str key, const route *o, const route *n)
{
	route_diff_entry *e = arena_array_push(d->arena, (void **)&d->entries, &d->n, sizeof *e);
	e->kind = kind;
	e->key = key;
	e->old_route = o;
	e->new_route = n;
	e->parts = kind == ROUTE_CHANGED ? route_parts_differ(o, n) : 0;
	*(kind == ROUTE_ADDED ? &d->added : kind == ROUTE_REMOVED ? &d->removed : &d->changed) += 1;
}

/* Matches the routes sharing one key: equal pairs first, then changes, then the rest. */
static void match_group(route_diff *d, str key, side_item *o, size_t no, side_item *n, size_t nn)
{
	if (no > 1 || nn > 1) {
		route_diff_dup *dup = arena_array_push(d->arena, (void **)&d->dups, &d->ndups, sizeof *dup);
		*dup = (route_diff_dup){ key, no, nn };
	}
	for (size_t i = 0; i < no; i++)
		for (size_t j = 0; j < nn && !o[i].matched; j++)
			if (!n[j].matched && route_parts_differ(o[i].r, n[j].r) == 0) {
				o[i].matched = n[j].matched = true;
				d->unchanged++;
			}
	size_t j = 0;
	for (size_t i = 0; i < no; i++) {
		if (o[i].matched)
			continue;
		while (j < nn && n[j].matched)
			j++;
		if (j < nn) {
			n[j].matched = true;
			add_entry(d, ROUTE_CHANGED, key, o[i].r, n[j].r);
		} else {
			add_entry(d, ROUTE_REMOVED, key, o[i].r, NULL);
		}
	}
	for (j = 0; j < nn; j++)
		if (!n[j].matched)
			add_entry(d, ROUTE_ADDED, key, NULL, n[j].r);
}

static size_t group_end(const side_item *items, size_t n, size_t start, str key)
{
	size_t e = start;
	while (e < n && str_eq(items[e].key, key))
		e++;
	return e;
}

void route_diff_compute(route_diff *d, const route *old_routes, size_t nold, const route *new_routes, size_t nnew,
			const route_diff_opts *o)
{
	memset(d, 0, sizeof *d);
	d->arena = arena_new();
	side_item *os = prepare_side(d->arena, old_routes, nold, o);
	side_item *ns = prepare_side(d->arena, new_routes, nnew, o);
	size_t i = 0, j = 0;
	while (i < nold || j < nnew) {
		int c = i == nold ? 1 : j == nnew ? -1 : str_cmp(os[i].key, ns[j].key);
		str key = c <= 0 ? os[i].key : ns[j].key;
		size_t ie = c <= 0 ? group_end(os, nold, i, key) : i;
		size_t je = c >= 0 ? group_end(ns, nnew, j, key) : j;
		match_group(d, key, os + i, ie - i, ns + j, je - j);
		i = ie;
		j = je;
	}
}

bool route_diff_same(const route_diff *d)
{
	return d->n == 0 && d->ndups == 0;
}

void route_diff_free(route_diff *d)
{
	arena_free(d->arena);
	memset(d, 0, sizeof *d);
}
