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

/* The LCS table is quadratic; beyond this many cells the middle part is marked whole. */
#define LCS_MAX_CELLS ((size_t)1 << 20)

static void mark_lcs(const call *a, size_t na, const call *b, size_t nb, bool *a_differs, bool *b_differs)
{
	size_t w = nb + 1;
	size_t *len = calloc((na + 1) * w, sizeof *len);
	if (!len)
		abort();
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			len[i * w + j] = call_eq(&a[i], &b[j]) ? len[(i + 1) * w + j + 1] + 1
				: len[(i + 1) * w + j] > len[i * w + j + 1] ? len[(i + 1) * w + j] : len[i * w + j + 1];
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

void calls_mark_differences(const call *a, size_t na, const call *b, size_t nb, bool *a_differs, bool *b_differs)
{
	for (size_t i = 0; i < na; i++)
		a_differs[i] = true;
	for (size_t j = 0; j < nb; j++)
		b_differs[j] = true;
	/* Equal heads are always matched by the LCS traceback, so the common prefix is taken
	 * first; the classic LCS table covers the rest when it is small. A route may carry many
	 * thousand calls: then the common suffix is taken too (still a longest common
	 * subsequence), and beyond LCS_MAX_CELLS the middle stays marked, a coarser but linear
	 * answer instead of a table of na * nb cells. */
	size_t pre = 0;
	while (pre < na && pre < nb && call_eq(&a[pre], &b[pre]))
		a_differs[pre] = b_differs[pre] = false, pre++;
	size_t ma = na - pre, mb = nb - pre;
	if (ma && mb && (ma + 1) > LCS_MAX_CELLS / (mb + 1)) {
		while (ma && mb && call_eq(&a[pre + ma - 1], &b[pre + mb - 1]))
			a_differs[pre + --ma] = b_differs[pre + --mb] = false;
		if ((ma + 1) > LCS_MAX_CELLS / (mb + 1))
			return;
	}
	if (ma && mb)
		mark_lcs(a + pre, ma, b + pre, mb, a_differs + pre, b_differs + pre);
}

/* Endpoints compare by address, then zone: the canonical order sorts by address only. */
static int endpoint_cmp(const lb_endpoint *a, const lb_endpoint *b)
{
	int c = str_cmp(a->address, b->address);
	return c ? c : str_cmp(a->zone, b->zone);
}

static int endpoint_ptr_cmp(const void *pa, const void *pb)
{
	return endpoint_cmp(*(const lb_endpoint *const *)pa, *(const lb_endpoint *const *)pb);
}

static const lb_endpoint **sorted_endpoints(const route *r)
{
	const lb_endpoint **v = malloc((r->nendpoints ? r->nendpoints : 1) * sizeof *v);
	if (!v)
		abort();
	for (size_t i = 0; i < r->nendpoints; i++)
		v[i] = &r->endpoints[i];
	qsort(v, r->nendpoints, sizeof *v, endpoint_ptr_cmp);
	return v;
}

bool endpoints_mark_differences(const route *a, const route *b, bool *a_only, bool *b_only)
{
	if (a->backend_type != BACKEND_LB || b->backend_type != BACKEND_LB || !str_eq(a->lb_algorithm, b->lb_algorithm))
		return false;
	const lb_endpoint **va = sorted_endpoints(a), **vb = sorted_endpoints(b);
	for (size_t i = 0; i < a->nendpoints; i++)
		a_only[i] = true;
	for (size_t j = 0; j < b->nendpoints; j++)
		b_only[j] = true;
	/* A merge of the sorted lists; a repeated endpoint pairs up once per occurrence. */
	size_t i = 0, j = 0;
	while (i < a->nendpoints && j < b->nendpoints) {
		int c = endpoint_cmp(va[i], vb[j]);
		if (c == 0)
			a_only[va[i++] - a->endpoints] = b_only[vb[j++] - b->endpoints] = false;
		else if (c < 0)
			i++;
		else
			j++;
	}
	free(va);
	free(vb);
	return true;
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

/* The endpoints of r whose mark is set, as an arena array. */
static const lb_endpoint **marked_endpoints(arena *a, const route *r, const bool *marks, size_t *n)
{
	const lb_endpoint **v = arena_alloc(a, (r->nendpoints ? r->nendpoints : 1) * sizeof *v);
	*n = 0;
	for (size_t i = 0; i < r->nendpoints; i++)
		if (marks[i])
			v[(*n)++] = &r->endpoints[i];
	return v;
}

static void endpoint_delta(arena *a, route_diff_entry *e)
{
	const route *o = e->old_route, *n = e->new_route;
	bool *om = calloc(o->nendpoints + 1, sizeof *om), *nm = calloc(n->nendpoints + 1, sizeof *nm);
	if (!om || !nm)
		abort();
	if (endpoints_mark_differences(o, n, om, nm)) {
		e->endpoint_delta = true;
		e->endpoints_gone = marked_endpoints(a, o, om, &e->nendpoints_gone);
		e->endpoints_new = marked_endpoints(a, n, nm, &e->nendpoints_new);
	}
	free(om);
	free(nm);
}

static void add_entry(route_diff *d, route_change kind, str key, const route *o, const route *n)
{
	route_diff_entry *e = arena_array_push(d->arena, (void **)&d->entries, &d->n, sizeof *e);
	e->kind = kind;
	e->key = key;
	e->old_route = o;
	e->new_route = n;
	e->parts = kind == ROUTE_CHANGED ? route_parts_differ(o, n) : 0;
	if (e->parts & DIFF_BACKEND)
		endpoint_delta(d->arena, e);
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
	d->comparisons = 1;
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

/* --- repeated comparisons --------------------------------------------------------------- */

static bool same_route(const route *a, const route *b)
{
	return a == b || (a && b && str_eq(a->id, b->id) && route_parts_differ(a, b) == 0);
}

static bool same_entry(const route_diff_entry *a, const route_diff_entry *b)
{
	return a->kind == b->kind && str_eq(a->key, b->key) && same_route(a->old_route, b->old_route) &&
	       same_route(a->new_route, b->new_route);
}

/* Whether prev's entries [from, n) with a's key hold one equal to a; *from advances past
 * smaller keys (both lists are sorted by key). */
static bool seen_before(const route_diff *prev, size_t *from, const route_diff_entry *a)
{
	while (*from < prev->n && str_cmp(prev->entries[*from].key, a->key) < 0)
		(*from)++;
	for (size_t i = *from; i < prev->n && str_eq(prev->entries[i].key, a->key); i++)
		if (same_entry(&prev->entries[i], a))
			return true;
	return false;
}

void route_diff_keep_persistent(route_diff *d, const route_diff *prev)
{
	size_t kept = 0, from = 0;
	d->transient = prev->transient;
	d->added = d->removed = d->changed = 0;
	for (size_t i = 0; i < d->n; i++) {
		const route_diff_entry *e = &d->entries[i];
		if (!seen_before(prev, &from, e)) {
			d->transient++;
			continue;
		}
		*(e->kind == ROUTE_ADDED ? &d->added : e->kind == ROUTE_REMOVED ? &d->removed : &d->changed) += 1;
		d->entries[kept++] = *e;
	}
	d->transient += prev->n - kept;   /* differences that went away since the last comparison */
	d->n = kept;
	size_t dups = 0, j = 0;   /* both sorted by key, one report per key */
	for (size_t i = 0; i < d->ndups; i++) {
		while (j < prev->ndups && str_cmp(prev->dups[j].key, d->dups[i].key) < 0)
			j++;
		if (j < prev->ndups && str_eq(d->dups[i].key, prev->dups[j].key) &&
		    d->dups[i].old_count == prev->dups[j].old_count && d->dups[i].new_count == prev->dups[j].new_count)
			d->dups[dups++] = d->dups[i];
	}
	d->transient += d->ndups - dups + prev->ndups - dups;
	d->ndups = dups;
	d->comparisons = prev->comparisons + 1;
}

void route_diff_free(route_diff *d)
{
	arena_free(d->arena);
	memset(d, 0, sizeof *d);
}
