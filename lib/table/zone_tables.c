/* zone_tables.c: per-zone variants of a processed table (B7.5).
 *
 * One pass reads every endpoint's zone once and numbers it; the per-zone tables are then
 * built from those numbers, so the (scattered) zone strings are not read again per zone. */
#include "table/zone_tables.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "base/gzip.h"
#include "eskip/eskip.h"
#include "routes/kube_strmap.h"

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
	kube_strmap numbers;   /* zone name → its number */
} zone_index;

static bool same(str a, str b) { return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0); }

static uint32_t zone_number(zone_index *x, arena *a, str zone, uint32_t *last)
{
	if (zone.len == 0)
		return 0;
	if (*last && same(x->zones[*last - 1], zone))
		return *last;
	/* a tenant can name any number of zones: a hash map, not a scan of the ones seen */
	uintptr_t k = (uintptr_t)kube_strmap_get(&x->numbers, zone);
	if (k)
		return *last = (uint32_t)k;
	*(str *)arena_array_push(a, (void **)&x->zones, &x->nzones, sizeof *x->zones) = arena_strndup(a, zone.ptr, zone.len);
	kube_strmap_put(&x->numbers, x->zones[x->nzones - 1], (void *)(uintptr_t)x->nzones);
	return *last = (uint32_t)x->nzones;
}

/* Zones of routes that are skipped still count for the zone set (B7.5: every endpoint). */
static void index_zones(zone_index *x, arena *a, const route_table *t)
{
	memset(x, 0, sizeof *x);
	kube_strmap_init(&x->numbers, a);
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
	return zone.len ? (uint32_t)(uintptr_t)kube_strmap_get(&x->numbers, zone) : 0;
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

/* --- every zone's served document, sharing what the full one has ------------------------ */

typedef struct {
	uint32_t zone;     /* zone number */
	size_t route;      /* a route it shortens */
} zone_route;

static int zone_route_cmp(const void *a, const void *b)
{
	const zone_route *x = a, *y = b;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	return (x->route > y->route) - (x->route < y->route);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* What one build knows about every zone (indexed by zone number - 1). */
typedef struct {
	zone_index x;
	size_t *nfiltered, *endpoints;
	zone_route *pairs;           /* (zone, route) for every shortened route, by zone then route */
	size_t npairs;
	size_t *first_pair;          /* pairs of zone k: [first_pair[k], first_pair[k + 1]) */
} zone_survey;

/* One pass over the routes: which zone shortens which route, and how many each filters.
 * Per route its endpoints' zone numbers are sorted, so this costs E log E for E endpoints,
 * whatever the number of zones. */
static void survey(zone_survey *v, arena *a, const route_table *t)
{
	index_zones(&v->x, a, t);
	size_t nz = v->x.nzones;
	v->nfiltered = arena_alloc(a, (nz + 1) * sizeof *v->nfiltered);
	v->endpoints = arena_alloc(a, (nz + 1) * sizeof *v->endpoints);
	v->first_pair = arena_alloc(a, (nz + 2) * sizeof *v->first_pair);
	v->pairs = NULL;
	v->npairs = 0;
	uint32_t *sorted = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		const uint32_t *zones = v->x.zone_of + v->x.first[i];
		for (size_t j = 0; j < r->nendpoints; j++)
			if (zones[j])
				v->endpoints[zones[j] - 1]++;
		if (v->x.skip[i])
			continue;
		if (r->nendpoints > cap && !(sorted = realloc(sorted, (cap = 2 * r->nendpoints) * sizeof *sorted)))
			abort();
		memcpy(sorted, zones, r->nendpoints * sizeof *sorted);
		qsort(sorted, r->nendpoints, sizeof *sorted, u32_cmp);
		for (size_t j = 0; j < r->nendpoints;) {
			size_t k = j;
			while (k < r->nendpoints && sorted[k] == sorted[j])
				k++;
			if (sorted[j] && k - j >= ZONE_MIN_ENDPOINTS) {
				v->nfiltered[sorted[j] - 1]++;
				if (k - j < r->nendpoints)
					*(zone_route *)arena_array_push(a, (void **)&v->pairs, &v->npairs, sizeof *v->pairs) =
						(zone_route){ sorted[j], i };
			}
			j = k;
		}
	}
	free(sorted);
	if (v->npairs)
		qsort(v->pairs, v->npairs, sizeof *v->pairs, zone_route_cmp);
	for (size_t p = 0, k = 1; k <= nz + 1; k++) {
		while (p < v->npairs && v->pairs[p].zone < k)
			p++;
		v->first_pair[k - 1] = p;
	}
}

/* Zones by endpoints (most first), then name: the first max_zones get documents. */
static int zone_rank_cmp(const void *a, const void *b, void *ctx)
{
	const zone_survey *v = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	size_t ex = v->endpoints[x - 1], ey = v->endpoints[y - 1];
	if (ex != ey)
		return ex > ey ? -1 : 1;
	return str_cmp(v->x.zones[x - 1], v->x.zones[y - 1]);
}

/* A run of routes [a, b) that a zone writes itself. */
typedef struct {
	size_t a, b;
} zone_run;

/* Where route i's text ends in the full document, with its "\n". */
static size_t route_end(const served_doc *d, size_t i)
{
	return i + 1 < d->n ? d->start[i + 1] : d->doc.len;
}

/* The runs of a zone that shortens the routes of pairs[0..n): shortened routes less than
 * ZONE_GAP_MIN bytes apart (or from either end of the document) join one run. */
static zone_run *zone_runs(arena *a, const served_doc *d, const zone_route *pairs, size_t n, size_t *nruns)
{
	zone_run *runs = NULL;
	*nruns = 0;
	for (size_t p = 0; p < n; p++) {
		size_t i = pairs[p].route;
		zone_run *last = *nruns ? &runs[*nruns - 1] : NULL;
		if (last && d->start[i] - route_end(d, last->b - 1) < ZONE_GAP_MIN) {
			last->b = i + 1;
			continue;
		}
		*(zone_run *)arena_array_push(a, (void **)&runs, nruns, sizeof *runs) =
			(zone_run){ d->start[i] < ZONE_GAP_MIN ? 0 : i, i + 1 };
	}
	if (*nruns && d->doc.len - route_end(d, runs[*nruns - 1].b - 1) < ZONE_GAP_MIN)
		runs[*nruns - 1].b = d->n;
	return runs;
}

/* Whether a zone's document is better written out whole than spliced: when its runs cover
 * more than half of the document, sharing the rest saves less than compressing the document
 * whole (libdeflate, in one piece) costs less than compressing its runs and the shared slices
 * in pieces (zlib). */
static bool whole(const served_doc *d, const zone_run *runs, size_t nruns)
{
	size_t own = 0;
	for (size_t r = 0; r < nruns; r++)
		own += route_end(d, runs[r].b - 1) - d->start[runs[r].a];
	return own > d->doc.len / 2;
}

/* The full document's pieces, compressed once at every boundary of a zone's slice. */
typedef struct {
	size_t *cuts, ncuts;     /* sorted, unique, within (0, len) */
	size_t *at;              /* ncuts + 2 offsets into zone_docs.shared */
	unsigned long *crcs;     /* ncuts + 1 */
} full_pieces;

static size_t piece_of(const full_pieces *f, size_t off)
{
	size_t lo = 0, hi = f->ncuts;   /* the number of cuts <= off: the piece that starts at off */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (f->cuts[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The length of piece i of a document of len bytes. */
static size_t piece_len(const full_pieces *f, size_t i, size_t len)
{
	size_t from = i ? f->cuts[i - 1] : 0, to = i < f->ncuts ? f->cuts[i] : len;
	return to - from;
}

/* The pieces [p0, p1) that hold the slice [from, to) of a document of len bytes. */
static void pieces_of(const full_pieces *f, size_t from, size_t to, size_t len, size_t *p0, size_t *p1)
{
	*p0 = piece_of(f, from);
	*p1 = to == len ? f->ncuts + 1 : piece_of(f, to);
}

/* The slices zone documents take from the full one: from the end of one run (or the start)
 * to the next run (or the end). Calls fn for each slice of a spliced zone. */
static void each_slice(const served_doc *d, zone_run *const *runs, const size_t *nruns, size_t nzones,
		       void (*fn)(void *ctx, size_t from, size_t to), void *ctx)
{
	for (size_t k = 0; k < nzones; k++) {
		if (!nruns[k] || whole(d, runs[k], nruns[k]))
			continue;
		size_t pos = 0;
		for (size_t r = 0; r < nruns[k]; r++) {
			size_t from = d->start[runs[k][r].a];
			if (pos < from)
				fn(ctx, pos, from);
			pos = route_end(d, runs[k][r].b - 1);
		}
		if (pos < d->doc.len)
			fn(ctx, pos, d->doc.len);
	}
}

typedef struct {
	const full_pieces *f;
	long *diff;
	size_t len;
} want_ctx;

static void mark_slice(void *ctx, size_t from, size_t to)
{
	want_ctx *w = ctx;
	size_t p0, p1;
	pieces_of(w->f, from, to, w->len, &p0, &p1);
	w->diff[p0]++;
	w->diff[p1]--;
}

/* Which of the full document's pieces some zone's slice holds: only those are compressed. */
static bool *wanted_pieces(arena *a, const full_pieces *f, const served_doc *d, zone_run *const *runs,
			   const size_t *nruns, size_t nzones)
{
	want_ctx w = { f, arena_alloc(a, (f->ncuts + 2) * sizeof *w.diff), d->doc.len };
	each_slice(d, runs, nruns, nzones, mark_slice, &w);
	bool *want = arena_alloc(a, (f->ncuts + 1) * sizeof *want);
	long depth = 0;
	for (size_t i = 0; i <= f->ncuts; i++) {
		depth += w.diff[i];
		want[i] = depth > 0;
	}
	return want;
}

typedef struct {
	arena *a;
	size_t **cuts, *ncuts;
	size_t len;
} cut_ctx;

static void add_cuts(void *ctx, size_t from, size_t to)
{
	cut_ctx *c = ctx;
	if (from > 0)
		*(size_t *)arena_array_push(c->a, (void **)c->cuts, c->ncuts, sizeof **c->cuts) = from;
	if (to < c->len)
		*(size_t *)arena_array_push(c->a, (void **)c->cuts, c->ncuts, sizeof **c->cuts) = to;
}

static void push_seg(arena *a, zone_doc *z, int enc, zone_segment seg)
{
	*(zone_segment *)arena_array_push(a, (void **)&z->seg[enc], &z->nseg[enc], sizeof seg) = seg;
	z->len[enc] += seg.len;
}

/* Appends the text of routes [run.a, run.b) as zone zn has it. */
static void put_run(buf *out, const route_table *t, const served_doc *d, const zone_index *x, uint32_t zn,
		    zone_run run, scratch *s)
{
	for (size_t i = run.a; i < run.b; i++) {
		const route *r = &t->routes[i];
		const uint32_t *zones = x->zone_of + x->first[i];
		size_t count = 0;
		for (size_t j = 0; zn && !x->skip[i] && j < r->nendpoints; j++)
			count += zones[j] == zn;
		if (count >= ZONE_MIN_ENDPOINTS && count < r->nendpoints)
			put_shortened(out, d, i, r, zones, zn, s);
		else
			buf_append(out, d->doc.ptr + d->start[i], route_end(d, i) - d->start[i] - (i + 1 < d->n));
		if (i + 1 < d->n)
			buf_putc(out, '\n');
	}
}

/* A slice [from, to) of the full document: plain, and the shared pieces that hold it. */
static void put_slice(arena *a, zone_doc *z, const zone_docs *docs, const full_pieces *f, size_t from, size_t to,
		      size_t len, unsigned long *crc)
{
	push_seg(a, z, ZONE_PLAIN, (zone_segment){ NULL, from, to - from, ZONE_SEG_FULL });
	size_t p0, p1;
	pieces_of(f, from, to, len, &p0, &p1);
	push_seg(a, z, ZONE_GZIP, (zone_segment){ docs->shared.ptr + f->at[p0], 0, f->at[p1] - f->at[p0], ZONE_SEG_SHARED });
	for (size_t p = p0; p < p1; p++)
		*crc = gzip_crc32_combine(*crc, f->crcs[p], piece_len(f, p, len));
}

/* A zone document spliced from its own runs and slices of the full one. */
static void splice_zone(arena *a, zone_doc *z, const zone_docs *docs, const full_pieces *f, const route_table *t,
			const served_doc *d, const zone_index *x, uint32_t zn, const zone_run *runs, size_t nruns,
			scratch *s)
{
	buf text = BUF_INIT;
	unsigned long crc = 0;
	size_t pos = 0;
	push_seg(a, z, ZONE_GZIP, (zone_segment){ (const char *)gzip_splice_header, 0, sizeof gzip_splice_header,
						  ZONE_SEG_SHARED });
	for (size_t k = 0; k < nruns; k++) {
		size_t from = d->start[runs[k].a], to = route_end(d, runs[k].b - 1);
		if (pos < from)
			put_slice(a, z, docs, f, pos, from, d->doc.len, &crc);
		buf_reset(&text);
		put_run(&text, t, d, x, zn, runs[k], s);
		unsigned long c;
		size_t at = z->own.len;
		gzip_piece(&z->own, text.ptr ? text.ptr : "", text.len, GZIP_DEFAULT_LEVEL, &c);
		push_seg(a, z, ZONE_GZIP, (zone_segment){ NULL, at, z->own.len - at, ZONE_SEG_OWN });
		crc = gzip_crc32_combine(crc, c, text.len);
		push_seg(a, z, ZONE_PLAIN, (zone_segment){ NULL, z->own.len, text.len, ZONE_SEG_OWN });
		buf_append(&z->own, text.ptr ? text.ptr : "", text.len);
		pos = to;
	}
	if (pos < d->doc.len)
		put_slice(a, z, docs, f, pos, d->doc.len, d->doc.len, &crc);
	size_t at = z->own.len;
	gzip_splice_trailer(&z->own, crc, z->len[ZONE_PLAIN]);
	push_seg(a, z, ZONE_GZIP, (zone_segment){ NULL, at, GZIP_SPLICE_TRAILER_LEN, ZONE_SEG_OWN });
	buf_free(&text);
}

/* A zone document written out whole; its gzip body is left to the server, which compresses
 * it whole as it does the full document (no gzip segments). */
static void whole_zone(arena *a, zone_doc *z, const route_table *t, const served_doc *d, const zone_index *x,
		       uint32_t zn, scratch *s)
{
	put_zone_doc(&z->own, t, d, x, zn, s);
	push_seg(a, z, ZONE_PLAIN, (zone_segment){ NULL, 0, z->own.len, ZONE_SEG_OWN });
}

void zone_doc_finish(zone_doc *z, const served_doc *d)
{
	if (z->own.len + 1 < z->own.cap) {   /* give back what growing left over */
		char *p = realloc(z->own.ptr, z->own.len + 1);
		if (p) {
			z->own.ptr = p;
			z->own.cap = z->own.len + 1;
		}
	}
	struct iovec *v = malloc((z->nseg[ZONE_PLAIN] + 1) * sizeof *v);
	if (!v)
		abort();
	for (int enc = ZONE_PLAIN; enc <= ZONE_GZIP; enc++)
		for (size_t i = 0; i < z->nseg[enc]; i++)
			if (z->seg[enc][i].src == ZONE_SEG_OWN)
				z->seg[enc][i].ptr = z->own.ptr + z->seg[enc][i].off;
	for (size_t i = 0; i < z->nseg[ZONE_PLAIN]; i++) {
		const zone_segment *g = &z->seg[ZONE_PLAIN][i];
		v[i] = (struct iovec){ (void *)(g->ptr ? g->ptr : d->doc.ptr + g->off), g->len };
	}
	etag_pair_iov(v, z->nseg[ZONE_PLAIN], z->etag[ZONE_PLAIN], z->etag[ZONE_GZIP]);
	free(v);
}

static int zone_doc_cmp(const void *a, const void *b)
{
	return str_cmp(((const zone_doc *)a)->zone, ((const zone_doc *)b)->zone);
}

zone_docs *zone_docs_build(const route_table *t, const served_doc *d, size_t max_zones)
{
	arena *a = arena_new();
	zone_docs *z = arena_alloc(a, sizeof *z);
	z->arena = a;
	z->shared = (buf)BUF_INIT;
	zone_survey v;
	survey(&v, a, t);
	size_t nz = v.x.nzones;
	z->nzones = nz;
	uint32_t *order = arena_alloc(a, (nz + 1) * sizeof *order);
	for (size_t k = 0; k < nz; k++)
		order[k] = (uint32_t)k + 1;
	qsort_r(order, nz, sizeof *order, zone_rank_cmp, &v);
	z->n = nz < max_zones ? nz : max_zones;
	z->v = arena_alloc(a, (z->n + 1) * sizeof *z->v);
	/* the runs of every kept zone, and the boundaries of the slices they take from the full document */
	zone_run **runs = arena_alloc(a, (z->n + 1) * sizeof *runs);
	size_t *nruns = arena_alloc(a, (z->n + 1) * sizeof *nruns);
	full_pieces f = { NULL, 0, NULL, NULL };
	for (size_t k = 0; k < z->n; k++) {
		uint32_t zn = order[k];
		size_t np = v.first_pair[zn] - v.first_pair[zn - 1];
		const zone_route *pairs = np ? v.pairs + v.first_pair[zn - 1] : NULL;   /* (no pairs at all: NULL) */
		runs[k] = zone_runs(a, d, pairs, np, &nruns[k]);
	}
	cut_ctx cc = { a, &f.cuts, &f.ncuts, d->doc.len };
	each_slice(d, runs, nruns, z->n, add_cuts, &cc);
	bool spliced = false;
	for (size_t k = 0; k < z->n; k++)
		spliced |= nruns[k] && !whole(d, runs[k], nruns[k]);
	if (spliced) {
		size_t u = 0;
		if (f.ncuts)
			qsort(f.cuts, f.ncuts, sizeof *f.cuts, size_cmp);
		for (size_t i = 0; i < f.ncuts; i++)
			if (!u || f.cuts[u - 1] != f.cuts[i])
				f.cuts[u++] = f.cuts[i];
		f.ncuts = u;
		f.at = arena_alloc(a, (f.ncuts + 2) * sizeof *f.at);
		f.crcs = arena_alloc(a, (f.ncuts + 1) * sizeof *f.crcs);
		bool *want = wanted_pieces(a, &f, d, runs, nruns, z->n);
		gzip_pieces(&z->shared, d->doc.ptr ? d->doc.ptr : "", d->doc.len, f.cuts, f.ncuts, want,
			    GZIP_DEFAULT_LEVEL, f.at, f.crcs);
	}
	scratch s = { NULL, 0 };
	for (size_t k = 0; k < z->n; k++) {
		uint32_t zn = order[k];
		zone_doc *zd = &z->v[k];
		zd->zone = v.x.zones[zn - 1];
		zd->nfiltered = v.nfiltered[zn - 1];
		zd->nshortened = v.first_pair[zn] - v.first_pair[zn - 1];
		zd->own = (buf)BUF_INIT;
		if (!zd->nshortened)
			continue;   /* the full document */
		if (whole(d, runs[k], nruns[k]))
			whole_zone(a, zd, t, d, &v.x, zn, &s);
		else
			splice_zone(a, zd, z, &f, t, d, &v.x, zn, runs[k], nruns[k], &s);
		zone_doc_finish(zd, d);
	}
	free(s.kept);
	qsort(z->v, z->n, sizeof *z->v, zone_doc_cmp);
	return z;
}

void zone_doc_write(buf *out, const zone_doc *z, int enc, const char *full)
{
	for (size_t i = 0; i < z->nseg[enc]; i++) {
		const zone_segment *g = &z->seg[enc][i];
		buf_append(out, g->ptr ? g->ptr : full + g->off, g->len);
	}
}

void zone_docs_free(zone_docs *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->n; i++)
		buf_free(&z->v[i].own);
	buf_free(&z->shared);
	arena_free(z->arena);
}
