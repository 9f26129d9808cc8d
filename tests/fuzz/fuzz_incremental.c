/* fuzz_incremental: watch mode's incremental compile (pipeline/incremental.h) driven by
 * events made of the input, checked against a full compile after every event.
 *
 * Input: a flags byte, then objects (JSON or YAML, one each) separated by "\n%%\n". A piece
 * that starts with "D" deletes an object the state holds (the next byte picks which); any
 * other piece is one object, added or modified under the key its own metadata gives (as the
 * watch keys events); a piece that is not exactly one Ingress, RouteGroup, Service,
 * Endpoints or EndpointSlice is sent too, under the key of a held object, and must be
 * refused. Flags byte: bit 0-1 -max-zones (1, 2, 3 or 64), bit 2 EndpointSlices on, bits
 * 3-5 the lines per gzip member (1..8, so small tables have many).
 * Properties: no crash, leak or UB; a refused event leaves the state as it was; after every
 * event the published bytes (full document, ETags, count, gzip body, every zone's document
 * and gzip body) equal a full compile of the objects the state holds (pipeline_decode_buffer
 * of each in (kind, namespace, name) order, as the watch loop's relist reads its store). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/gzip.h"
#include "base/xalloc.h"
#include "fuzz_common.h"
#include "pipeline/incremental.h"
#include "pipeline/pipeline.h"

#define MAX_INPUT 65536
#define MAX_OBJECTS 48

static kube_options options, options_slices;
static route_processing processing;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	buf err = BUF_INIT;
	kube_options_init(&options);
	kube_options_init(&options_slices);
	options_slices.endpointslices = true;
	route_processing_init(&processing);
	if (kube_options_finish(&options, &err) != 0 || kube_options_finish(&options_slices, &err) != 0 ||
	    route_processing_finish(&processing, &err) != 0) {
		fprintf(stdout, "default options rejected: %s\n", err.ptr);
		abort();
	}
	buf_free(&err);
	log_setup(false, options.app_log_level);
	return 0;
}

typedef struct {
	incremental_kind kind;
	char *ns, *name;
	char *text; size_t len;
} held;

typedef struct {
	held v[MAX_OBJECTS];
	size_t n;
} store;

static int held_cmp(const void *x, const void *y)
{
	const held *a = x, *b = y;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	int r = strcmp(a->ns, b->ns);
	return r ? r : strcmp(a->name, b->name);
}

static void held_free(held *h)
{
	free(h->ns);
	free(h->name);
	free(h->text);
}

/* The kind and key of a piece that is exactly one object of the five kinds; false if not. */
static bool one_object(const pipeline_options *po, const char *text, size_t len, held *out)
{
	kube_cluster *c = kube_cluster_new();
	buf err = BUF_INIT;
	bool ok = pipeline_decode_buffer(po, text, len, "piece", c, &err) == 0;
	size_t n = c->ningresses + c->nroutegroups + c->nservices + c->nendpoints + c->nslices;
	ok = ok && n == 1;
	if (ok) {
		const kube_meta *m = c->ningresses ? &c->ingresses[0].meta : c->nroutegroups ? &c->routegroups[0].meta
				   : c->nservices ? &c->services[0].meta : c->nendpoints ? &c->endpoints[0].meta
				   : &c->slices[0].meta;
		out->kind = c->ningresses ? INCR_INGRESS : c->nroutegroups ? INCR_ROUTEGROUP : c->nservices ? INCR_SERVICE
			  : c->nendpoints ? INCR_ENDPOINTS : INCR_ENDPOINTSLICE;
		out->ns = xstrndup(m->ns.ptr, m->ns.len);
		out->name = xstrndup(m->name.ptr, m->name.len);
	}
	kube_cluster_free(c);
	buf_free(&err);
	return ok;
}

static bool same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void check_gzip(const char *what, const buf *gz, const char *want, size_t wn)
{
	buf plain = BUF_INIT, err = BUF_INIT;
	int rc = gzip_decompress(&plain, gz->ptr ? gz->ptr : "", gz->len, 0, &err);
	FUZZ_ASSERT(rc == 0 && same(plain.ptr, plain.len, want, wn), "%s: the gzip body is not the document (%s)", what,
		    err.ptr ? err.ptr : "");
	buf_free(&plain);
	buf_free(&err);
}

/* The published table equals a full compile of the held objects. */
static void check(const pipeline_options *po, incremental *inc, store *s, size_t max_zones)
{
	const incremental_served *got = incremental_publish(inc, NULL);
	held sorted[MAX_OBJECTS];
	memcpy(sorted, s->v, s->n * sizeof *sorted);
	qsort(sorted, s->n, sizeof *sorted, held_cmp);
	kube_cluster *c = kube_cluster_new();
	c->routegroups_known = true;
	buf err = BUF_INIT;
	for (size_t i = 0; i < s->n; i++)
		FUZZ_ASSERT(pipeline_decode_buffer(po, sorted[i].text, sorted[i].len, "held", c, &err) == 0,
			    "a held object does not decode again: %s", err.ptr);
	route_table *t = route_table_new();
	pipeline_compile_cluster(po, c, t, NULL, true);
	pipeline_process(po, t);
	pipeline_served want;
	pipeline_serve(t, &want);
	pipeline_serve_zones(t, &want, max_zones);
	const pipeline_served *g = &got->served;
	FUZZ_ASSERT(same(g->full.doc.ptr, g->full.doc.len, want.full.doc.ptr, want.full.doc.len),
		    "the document differs from a full compile's\n--- incremental:\n%.*s\n--- full:\n%.*s",
		    (int)g->full.doc.len, g->full.doc.ptr, (int)want.full.doc.len, want.full.doc.ptr);
	FUZZ_ASSERT(!strcmp(g->etag, want.etag) && !strcmp(g->etag_gzip, want.etag_gzip) && g->count == want.count,
		    "ETags or count differ");
	check_gzip("full document", &got->gzip, want.full.doc.ptr, want.full.doc.len);
	FUZZ_ASSERT(g->zones->n == want.zones->n && g->zones->nzones == want.zones->nzones, "zone counts differ");
	for (size_t z = 0; z < want.zones->n; z++) {
		const zone_doc *a = &g->zones->v[z], *b = &want.zones->v[z];
		FUZZ_ASSERT(str_eq(a->zone, b->zone) && a->nfiltered == b->nfiltered && a->nshortened == b->nshortened,
			    "zone %s differs from a full compile's", b->zone.ptr);
		if (!b->nshortened)
			continue;
		buf pa = BUF_INIT, pb = BUF_INIT, ga = BUF_INIT;
		zone_doc_write(&pa, a, ZONE_PLAIN, g->full.doc.ptr);
		zone_doc_write(&pb, b, ZONE_PLAIN, want.full.doc.ptr);
		zone_doc_write(&ga, a, ZONE_GZIP, got->gzip.ptr);
		FUZZ_ASSERT(same(pa.ptr, pa.len, pb.ptr, pb.len) && !strcmp(a->etag[0], b->etag[0]) &&
			    !strcmp(a->etag[1], b->etag[1]), "zone %s's document differs from a full compile's", b->zone.ptr);
		if (a->nseg[ZONE_GZIP])
			check_gzip("zone document", &ga, pb.ptr, pb.len);
		buf_free(&pa);
		buf_free(&pb);
		buf_free(&ga);
	}
	pipeline_served_free(&want);
	route_table_free(t);
	kube_cluster_free(c);
	buf_free(&err);
}

static void send_piece(const pipeline_options *po, incremental *inc, store *s, const char *p, size_t len)
{
	buf err = BUF_INIT;
	if (len >= 2 && p[0] == 'D') {   /* delete a held object */
		if (!s->n)
			return;
		held *h = &s->v[(unsigned char)p[1] % s->n];
		incremental_event ev = { .type = INCR_DELETED, .kind = h->kind, .ns = str_c(h->ns), .name = str_c(h->name) };
		FUZZ_ASSERT(incremental_apply(inc, &ev, &err) == 0, "a delete was refused: %s", err.ptr);
		held_free(h);
		*h = s->v[--s->n];
		buf_free(&err);
		return;
	}
	held h = { 0 };
	if (!one_object(po, p, len, &h)) {   /* not one object: refused under a held key, nothing changes */
		if (s->n) {
			held *k = &s->v[len % s->n];
			char before[ETAG_MAX];
			snprintf(before, sizeof before, "%s", incremental_publish(inc, NULL)->served.etag);
			incremental_event ev = { .type = INCR_MODIFIED, .kind = k->kind, .ns = str_c(k->ns),
						 .name = str_c(k->name), .data = p, .len = len };
			if (incremental_apply(inc, &ev, &err) != 0) {
				bool changed = true;
				incremental_publish(inc, &changed);
				FUZZ_ASSERT(!changed, "a refused event changed the table (was %s)", before);
			} else {   /* it decoded to nothing (selected out): the object is absent now */
				held_free(k);
				*k = s->v[--s->n];
			}
		}
		buf_free(&err);
		return;
	}
	size_t i = 0;
	while (i < s->n && (s->v[i].kind != h.kind || strcmp(s->v[i].ns, h.ns) || strcmp(s->v[i].name, h.name)))
		i++;
	if (i == s->n && s->n == MAX_OBJECTS) {
		held_free(&h);
		return;
	}
	incremental_event ev = { .type = i < s->n ? INCR_MODIFIED : INCR_ADDED, .kind = h.kind, .ns = str_c(h.ns),
				 .name = str_c(h.name), .data = p, .len = len };
	FUZZ_ASSERT(incremental_apply(inc, &ev, &err) == 0, "one object was refused: %s", err.ptr);
	h.text = calloc(1, len + 1);
	if (!h.text)
		abort();
	memcpy(h.text, p, len);
	h.len = len;
	if (i < s->n) {
		held_free(&s->v[i]);
		s->v[i] = h;
	} else {
		s->v[s->n++] = h;
	}
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > MAX_INPUT)
		return 0;
	static const size_t caps[] = { 1, 2, 3, ZONE_DEFAULT_MAX_ZONES };
	size_t max_zones = caps[data[0] & 3];
	pipeline_options po = { .kube = data[0] & 4 ? &options_slices : &options, .process = &processing };
	incremental *inc = incremental_new(&po, max_zones);
	incremental_set_member_lines(inc, 1 + ((data[0] >> 3) & 7));
	store s = { .n = 0 };
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		send_piece(&po, inc, &s, p, len);
		check(&po, inc, &s, max_zones);
		p += len + (sep ? 4 : 0);
	}
	incremental_free(inc);
	for (size_t i = 0; i < s.n; i++)
		held_free(&s.v[i]);
	return 0;
}
