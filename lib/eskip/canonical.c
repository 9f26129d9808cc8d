/* canonical.c: canonical form, equality and the served order of route tables (spec A8,
 * DECISIONS.md 1; the served form is printed by table/served_form.c).
 *
 * Canonical form: every legacy field becomes a generic predicate, predicates are stably
 * sorted by name, LB endpoints by address, the shunt flag becomes the shunt backend type and
 * backend fields the type does not use are dropped.
 *
 * Where skipper is nondeterministic we fix an order: legacy Header / HeaderRegexp entries
 * (Go maps) are emitted sorted by name, then value. So that the served form is a fixed point,
 * same-named Header / HeaderRegexp predicates with two string arguments are also ordered by
 * (name, value) when they are generic (RouteGroup routes carry generic Header predicates;
 * re-parsing their printed form turns them into legacy entries, which come out sorted). */
#include "eskip/eskip.h"
#include "eskip/eskip_internal.h"

#include <stdlib.h>
#include <string.h>

/* --- stable sort --------------------------------------------------------------------------- */

#define SORT_RUN 8

static void insertion_sort(char *a, size_t n, size_t size, char *hold, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++) {
		if (cmp(a + (i - 1) * size, a + i * size) <= 0)
			continue;
		memcpy(hold, a + i * size, size);
		size_t j = i;
		while (j > 0 && cmp(a + (j - 1) * size, hold) > 0) {
			memcpy(a + j * size, a + (j - 1) * size, size);
			j--;
		}
		memcpy(a + j * size, hold, size);
	}
}

static void merge(const char *src, char *dst, size_t lo, size_t mid, size_t hi, size_t size,
		  int (*cmp)(const void *, const void *))
{
	size_t i = lo, j = mid, k = lo;
	while (i < mid && j < hi) {
		/* take from the right run only when strictly smaller: that keeps it stable */
		if (cmp(src + j * size, src + i * size) < 0)
			memcpy(dst + k++ * size, src + j++ * size, size);
		else
			memcpy(dst + k++ * size, src + i++ * size, size);
	}
	memcpy(dst + k * size, src + i * size, (mid - i) * size);
	k += mid - i;
	memcpy(dst + k * size, src + j * size, (hi - j) * size);
}

/* Bottom-up merge sort over insertion-sorted runs: O(n log n) for 30 000-route tables, and
 * an already sorted array (the common case when a table is re-canonicalised) costs n-1
 * comparisons and no allocation. */
void stable_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *a = base;
	size_t i = 1;
	while (i < n && cmp(a + (i - 1) * size, a + i * size) <= 0)
		i++;
	if (i >= n)
		return;
	char *tmp = malloc(n * size + size);
	if (!tmp)
		abort();
	char *hold = tmp + n * size;
	for (size_t lo = 0; lo < n; lo += SORT_RUN)
		insertion_sort(a + lo * size, n - lo < SORT_RUN ? n - lo : SORT_RUN, size, hold, cmp);
	char *src = a, *dst = tmp;
	for (size_t w = SORT_RUN; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			merge(src, dst, lo, mid, hi, size, cmp);
		}
		char *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * size);
	free(tmp);
}

/* --- canonical form -------------------------------------------------------------------------- */

static str cp(arena *a, str s, bool deep)
{
	if (!s.ptr)
		return (str){ "", 0 };
	return deep ? arena_strndup(a, s.ptr, s.len) : s;
}

static call copy_call(arena *a, const call *c, bool deep)
{
	if (!deep)
		return *c;
	call out = { .name = cp(a, c->name, true), .nargs = c->nargs };
	out.args = arena_array_alloc(a, c->nargs, sizeof *out.args);
	for (size_t i = 0; i < c->nargs; i++) {
		out.args[i] = c->args[i];
		out.args[i].s = cp(a, c->args[i].s, true);
	}
	return out;
}

/* A predicate made from a legacy field; names are static strings, never freed. */
static call legacy_call(arena *a, const char *name, size_t name_len, str v1, const str *v2, bool deep)
{
	call c = { .name = { name, name_len }, .nargs = v2 ? 2 : 1 };
	c.args = arena_array_alloc(a, c.nargs, sizeof *c.args);
	c.args[0] = (arg){ .type = ARG_STRING, .s = cp(a, v1, deep) };
	if (v2)
		c.args[1] = (arg){ .type = ARG_STRING, .s = cp(a, *v2, deep) };
	return c;
}

static bool is_header_name(str n)
{
	return (n.len == 6 && memcmp(n.ptr, "Header", 6) == 0) || (n.len == 12 && memcmp(n.ptr, "HeaderRegexp", 12) == 0);
}

static bool two_strings(const call *c) { return c->nargs == 2 && c->args[0].type == ARG_STRING && c->args[1].type == ARG_STRING; }

/* By name; within Header / HeaderRegexp, entries with two string args by (name, value)
 * first, the others after them in their original order. */
static int pred_cmp(const void *pa, const void *pb)
{
	const call *x = pa, *y = pb;
	if (x->name.len && y->name.len && x->name.ptr[0] != y->name.ptr[0])   /* the usual case, no memcmp */
		return (unsigned char)x->name.ptr[0] < (unsigned char)y->name.ptr[0] ? -1 : 1;
	int c = str_cmp(x->name, y->name);
	if (c || !is_header_name(x->name))
		return c;
	bool tx = two_strings(x), ty = two_strings(y);
	if (!tx || !ty)
		return (int)ty - (int)tx;
	c = str_cmp(x->args[0].s, y->args[0].s);
	return c ? c : str_cmp(x->args[1].s, y->args[1].s);
}

static int pair_cmp(const void *pa, const void *pb)
{
	const header_pair *x = pa, *y = pb;
	int c = str_cmp(x->name, y->name);
	return c ? c : str_cmp(x->value, y->value);
}

static int endpoint_cmp(const void *pa, const void *pb)
{
	return str_cmp(((const lb_endpoint *)pa)->address, ((const lb_endpoint *)pb)->address);
}

/* Legacy Header or HeaderRegexp entries, sorted by (name, value), as predicates at p[k...]. */
static size_t add_pairs(arena *a, call *p, size_t k, const header_pair *src, size_t n, bool regexp, bool deep)
{
	if (n == 0)
		return k;
	header_pair *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		abort();
	memcpy(sorted, src, n * sizeof *sorted);
	stable_sort(sorted, n, sizeof *sorted, pair_cmp);
	for (size_t i = 0; i < n; i++)
		p[k++] = regexp ? legacy_call(a, "HeaderRegexp", 12, sorted[i].name, &sorted[i].value, deep)
				: legacy_call(a, "Header", 6, sorted[i].name, &sorted[i].value, deep);
	free(sorted);
	return k;
}

static bool is_sorted(const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		if (cmp((const char *)base + (i - 1) * size, (const char *)base + i * size) > 0)
			return false;
	return true;
}

static bool has_legacy(const route *r)
{
	return r->path.len || r->nhost_regexps || r->npath_regexps || r->method.len || r->nheaders || r->nheader_regexps;
}

/* The predicate list of A8.1 steps 2-7. */
static void canonical_predicates(arena *a, const route *src, route *dst, bool deep)
{
	/* Already canonical (re-canonicalising a served table): share the array. */
	if (!deep && !has_legacy(src) && is_sorted(src->predicates, src->npredicates, sizeof *src->predicates, pred_cmp)) {
		dst->predicates = src->npredicates ? src->predicates : NULL;
		dst->npredicates = src->npredicates;
		return;
	}
	bool generic_path = false;
	for (size_t i = 0; i < src->npredicates; i++)
		generic_path |= src->predicates[i].name.len == 4 && memcmp(src->predicates[i].name.ptr, "Path", 4) == 0;
	bool legacy_path = src->path.len && !generic_path;   /* a generic Path wins */
	size_t n = src->npredicates + legacy_path + src->nhost_regexps + src->npath_regexps + (src->method.len != 0) +
		   src->nheaders + src->nheader_regexps;
	if (n == 0)
		return;
	call *p = arena_array_alloc(a, n, sizeof *p);
	size_t k = 0;
	if (src->method.len)   /* prepended; the stable sort keeps it before generic Methods */
		p[k++] = legacy_call(a, "Method", 6, src->method, NULL, deep);
	for (size_t i = 0; i < src->npredicates; i++)
		p[k++] = copy_call(a, &src->predicates[i], deep);
	if (legacy_path)
		p[k++] = legacy_call(a, "Path", 4, src->path, NULL, deep);
	for (size_t i = 0; i < src->nhost_regexps; i++)
		p[k++] = legacy_call(a, "Host", 4, src->host_regexps[i], NULL, deep);
	for (size_t i = 0; i < src->npath_regexps; i++)
		p[k++] = legacy_call(a, "PathRegexp", 10, src->path_regexps[i], NULL, deep);
	k = add_pairs(a, p, k, src->headers, src->nheaders, false, deep);
	k = add_pairs(a, p, k, src->header_regexps, src->nheader_regexps, true, deep);
	stable_sort(p, k, sizeof *p, pred_cmp);
	dst->predicates = p;
	dst->npredicates = k;
}

static void canonical_backend(arena *a, const route *src, route *dst, bool deep)
{
	dst->backend_type = src->backend_type;
	if (src->backend_type == BACKEND_NETWORK && src->shunt) {
		dst->backend_type = BACKEND_SHUNT;
	} else if (src->backend_type == BACKEND_NETWORK) {
		dst->backend = cp(a, src->backend, deep);
	} else if (src->backend_type == BACKEND_LB) {
		dst->lb_algorithm = cp(a, src->lb_algorithm, deep);
		dst->nendpoints = src->nendpoints;
		if (!deep && is_sorted(src->endpoints, src->nendpoints, sizeof *src->endpoints, endpoint_cmp)) {
			dst->endpoints = src->endpoints;   /* already in order: share */
			return;
		}
		dst->endpoints = arena_array_alloc(a, src->nendpoints, sizeof *dst->endpoints);
		for (size_t i = 0; i < src->nendpoints; i++)
			dst->endpoints[i] = (lb_endpoint){ cp(a, src->endpoints[i].address, deep), cp(a, src->endpoints[i].zone, deep) };
		stable_sort(dst->endpoints, dst->nendpoints, sizeof *dst->endpoints, endpoint_cmp);
	}
}

void route_canonical_into(arena *a, const route *src, route *dst, bool deep)
{
	static const str empty = { "", 0 };
	memset(dst, 0, sizeof *dst);
	dst->path = dst->method = dst->backend = dst->lb_algorithm = empty;
	dst->id = cp(a, src->id, deep);
	dst->origin = src->origin;
	canonical_predicates(a, src, dst, deep);
	dst->nfilters = src->nfilters;
	if (deep) {
		dst->filters = arena_array_alloc(a, src->nfilters, sizeof *dst->filters);
		for (size_t i = 0; i < src->nfilters; i++)
			dst->filters[i] = copy_call(a, &src->filters[i], true);
	} else {
		dst->filters = src->filters;   /* shared, as skipper's Canonical does */
	}
	canonical_backend(a, src, dst, deep);
}

void route_canonical(arena *a, const route *src, route *dst) { route_canonical_into(a, src, dst, true); }

/* --- equality (A8.4, A8.5) ------------------------------------------------------------------- */

bool arg_eq(const arg *a, const arg *b)
{
	if (a->type != b->type)
		return false;
	return a->type == ARG_NUMBER ? a->num == b->num : str_eq(a->s, b->s);   /* NaN != NaN */
}

bool call_eq(const call *a, const call *b)
{
	if (!str_eq(a->name, b->name) || a->nargs != b->nargs)
		return false;
	for (size_t i = 0; i < a->nargs; i++)
		if (!arg_eq(&a->args[i], &b->args[i]))
			return false;
	return true;
}

bool calls_eq(const call *a, size_t na, const call *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!call_eq(&a[i], &b[i]))
			return false;
	return true;
}

/* Compares two canonical routes field by field. */
static bool canonical_eq(const route *a, const route *b)
{
	if (!str_eq(a->id, b->id) || a->backend_type != b->backend_type || !str_eq(a->backend, b->backend) ||
	    !str_eq(a->lb_algorithm, b->lb_algorithm) || a->nendpoints != b->nendpoints)
		return false;
	for (size_t i = 0; i < a->nendpoints; i++)
		if (!str_eq(a->endpoints[i].address, b->endpoints[i].address) || !str_eq(a->endpoints[i].zone, b->endpoints[i].zone))
			return false;
	return calls_eq(a->predicates, a->npredicates, b->predicates, b->npredicates) &&
	       calls_eq(a->filters, a->nfilters, b->filters, b->nfilters);
}

static bool route_eq_in(arena *tmp, const route *a, const route *b)
{
	route ca, cb;
	route_canonical_into(tmp, a, &ca, false);
	route_canonical_into(tmp, b, &cb, false);
	return canonical_eq(&ca, &cb);
}

bool route_eq(const route *a, const route *b)
{
	if (!a || !b)
		return a == b;
	arena *tmp = arena_new();
	bool eq = route_eq_in(tmp, a, b);
	arena_free(tmp);
	return eq;
}

static int route_ptr_cmp(const void *pa, const void *pb)
{
	return str_cmp((*(const route *const *)pa)->id, (*(const route *const *)pb)->id);
}

/* Pointers to the routes, stably sorted by id (malloc'd; NULL for n == 0). */
static const route **sorted_by_id(const route *r, size_t n)
{
	if (n == 0)
		return NULL;
	const route **p = malloc(n * sizeof *p);
	if (!p)
		abort();
	for (size_t i = 0; i < n; i++)
		p[i] = &r[i];
	stable_sort(p, n, sizeof *p, route_ptr_cmp);
	return p;
}

static bool has_duplicate_id(const route **p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (str_eq(p[i - 1]->id, p[i]->id))
			return true;
	return false;
}

bool route_lists_eq(const route *a, size_t na, const route *b, size_t nb)
{
	const route **pa = sorted_by_id(a, na), **pb = sorted_by_id(b, nb);
	bool eq = !has_duplicate_id(pa, na) && !has_duplicate_id(pb, nb) && na == nb;
	if (eq && na) {
		arena *tmp = arena_new();   /* one scratch arena for the whole comparison */
		for (size_t i = 0; eq && i < na; i++)
			eq = route_eq_in(tmp, pa[i], pb[i]);
		arena_free(tmp);
	}
	free(pa);
	free(pb);
	return eq;
}

/* --- served form (DECISIONS.md 1) ------------------------------------------------------------ */

void route_table_canonicalize(route_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		route c;
		route_canonical_into(t->arena, &t->routes[i], &c, false);   /* same arena: sharing is safe */
		t->routes[i] = c;
	}
	if (t->n < 2)
		return;
	/* Sort pointers, not 200-byte routes, then permute once. */
	const route **p = sorted_by_id(t->routes, t->n);
	bool moved = false;
	for (size_t i = 0; i < t->n && !moved; i++)
		moved = p[i] != &t->routes[i];
	if (moved) {
		route *tmp = malloc(t->n * sizeof *tmp);
		if (!tmp)
			abort();
		for (size_t i = 0; i < t->n; i++)
			tmp[i] = *p[i];
		memcpy(t->routes, tmp, t->n * sizeof *tmp);
		free(tmp);
	}
	free(p);
}
