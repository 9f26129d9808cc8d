/* snapshot.c: building, sharing and retiring served tables (see snapshot.h). */
#include "http/snapshot.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/gzip.h"
#include "http/http_conditional.h"

/* Sets the headers a representation carries; 304s carry only Etag and X-Count (Go's
 * writeNotModified drops Content-Type, Content-Length, Content-Encoding, Last-Modified). */
static void add_headers(struct MHD_Response *r, const snapshot_table *t, int enc, const char *last_modified, bool full)
{
	char count[32];
	snprintf(count, sizeof count, "%zu", t->count);
	if (full) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, "X-Count", count);
	/* Go writes the canonical header name "Etag"; clients compare names case-insensitively. */
	MHD_add_response_header(r, "Etag", t->etag[enc]);
	if (!full) return;
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, last_modified);
	if (enc == SNAP_GZIP) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
}

static struct MHD_Response *empty_response(void)
{
	return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
}

/* Builds the six responses of a table; the bytes stay owned by the table (persistent). */
static void build_responses(snapshot_table *t, time_t last_modified)
{
	char date[30];
	http_date_format(last_modified, date);
	for (int enc = SNAP_PLAIN; enc <= SNAP_GZIP; enc++) {
		t->ok[enc] = t->iov[enc] ? MHD_create_response_from_iovec(t->iov[enc], t->niov[enc], NULL, NULL)
					 : MHD_create_response_from_buffer(t->len[enc], t->bytes[enc], MHD_RESPMEM_PERSISTENT);
		t->not_modified[enc] = empty_response();
		t->failed[enc] = empty_response();
		if (!t->ok[enc] || !t->not_modified[enc] || !t->failed[enc]) {
			fprintf(stderr, "routesrv: out of memory building responses\n");
			abort();
		}
		add_headers(t->ok[enc], t, enc, date, true);
		add_headers(t->not_modified[enc], t, enc, date, false);
		add_headers(t->failed[enc], t, enc, date, true);
	}
}

/* gzip: the body made by the caller (taken over), or NULL: compressed here. */
static void table_init(snapshot_table *t, buf *plain, buf *gzip, size_t count, time_t last_modified)
{
	buf gz = BUF_INIT;
	if (gzip) {
		gz = *gzip;
		*gzip = (buf)BUF_INIT;
	} else {
		gzip_compress(&gz, plain->ptr ? plain->ptr : "", plain->len, GZIP_DEFAULT_LEVEL);
	}
	t->count = count;
	t->bytes[SNAP_PLAIN] = buf_steal(plain, &t->len[SNAP_PLAIN]);
	t->bytes[SNAP_GZIP] = buf_steal(&gz, &t->len[SNAP_GZIP]);
	etag_pair(t->bytes[SNAP_PLAIN], t->len[SNAP_PLAIN], t->etag[SNAP_PLAIN], t->etag[SNAP_GZIP]);
	build_responses(t, last_modified);
}

static void table_free(snapshot_table *t)
{
	for (int enc = SNAP_PLAIN; enc <= SNAP_GZIP; enc++) {
		/* MHD counts references: a connection still holding a response keeps the object,
		 * but never reads the bytes after its request completed (when we get here). */
		if (t->ok[enc]) MHD_destroy_response(t->ok[enc]);
		if (t->not_modified[enc]) MHD_destroy_response(t->not_modified[enc]);
		if (t->failed[enc]) MHD_destroy_response(t->failed[enc]);
		if (!t->borrowed[enc]) free(t->bytes[enc]);
		free(t->iov[enc]);
	}
}

snapshot *snapshot_new(time_t last_modified, buf *plain, size_t count)
{
	return snapshot_new_gzip(last_modified, plain, NULL, count);
}

snapshot *snapshot_new_gzip(time_t last_modified, buf *plain, buf *gzip, size_t count)
{
	snapshot *s = calloc(1, sizeof *s);
	if (!s) abort();
	atomic_init(&s->refs, 1);
	s->last_modified = last_modified;
	table_init(&s->full, plain, gzip, count, last_modified);
	return s;
}

void snapshot_add_zone(snapshot *s, const char *zone, buf *plain, size_t count)
{
	snapshot_zone *zones = realloc(s->zones, (s->nzones + 1) * sizeof *zones);
	if (!zones) abort();
	s->zones = zones;
	snapshot_zone *z = &s->zones[s->nzones++];
	z->zone = strdup(zone);
	if (!z->zone) abort();
	const snapshot_table *full = &s->full;
	if (!plain || (plain->len == full->len[SNAP_PLAIN] && count == full->count &&
		       (plain->len == 0 || memcmp(plain->ptr, full->bytes[SNAP_PLAIN], plain->len) == 0))) {
		z->table = &s->full;
		if (plain)
			buf_free(plain);
		return;
	}
	z->table = calloc(1, sizeof *z->table);
	if (!z->table) abort();
	table_init(z->table, plain, NULL, count, s->last_modified);
	s->zone_bytes += z->table->len[SNAP_PLAIN] + z->table->len[SNAP_GZIP];
}

/* A zone document's table: its segments as they are, the full table's slices resolved (in the
 * full table's bytes of the same encoding). */
static snapshot_table *table_of_zone(const snapshot *s, const zone_doc *zd)
{
	snapshot_table *t = calloc(1, sizeof *t);
	if (!t) abort();
	t->count = s->full.count;
	for (int enc = SNAP_PLAIN; enc <= SNAP_GZIP; enc++) {
		memcpy(t->etag[enc], zd->etag[enc], ETAG_MAX);
		t->len[enc] = zd->len[enc];
		size_t n = zd->nseg[enc];
		t->borrowed[enc] = n > 0;
		if (n == 0) {   /* a document written out whole (one plain piece): compressed whole */
			buf gz = BUF_INIT;
			gzip_compress(&gz, t->bytes[SNAP_PLAIN], t->len[SNAP_PLAIN], GZIP_DEFAULT_LEVEL);
			t->bytes[enc] = buf_steal(&gz, &t->len[enc]);
			continue;
		}
		if (n == 1 && zd->seg[enc][0].ptr) {   /* one piece of its own: a plain buffer */
			t->bytes[enc] = (char *)zd->seg[enc][0].ptr;
			continue;
		}
		t->iov[enc] = calloc(n ? n : 1, sizeof *t->iov[enc]);
		if (!t->iov[enc]) abort();
		for (size_t i = 0; i < n; i++) {
			const zone_segment *g = &zd->seg[enc][i];
			t->iov[enc][i].iov_base = g->ptr ? g->ptr : s->full.bytes[enc] + g->off;
			t->iov[enc][i].iov_len = g->len;
		}
		t->niov[enc] = (unsigned)n;
	}
	build_responses(t, s->last_modified);
	return t;
}

void snapshot_add_zones(snapshot *s, zone_docs *z)
{
	s->zone_docs = z;
	s->zone_bytes += z->shared.len;   /* the full document's pieces, compressed once for all zones */
	snapshot_zone *zones = realloc(s->zones, (s->nzones + z->n + 1) * sizeof *zones);
	if (!zones) abort();
	s->zones = zones;
	for (size_t i = 0; i < z->n; i++) {
		snapshot_zone *sz = &s->zones[s->nzones++];
		sz->zone = strdup(z->v[i].zone.ptr);
		if (!sz->zone) abort();
		sz->table = z->v[i].nshortened ? table_of_zone(s, &z->v[i]) : &s->full;
		s->zone_bytes += z->v[i].own.len;
		if (sz->table != &s->full && !sz->table->borrowed[SNAP_GZIP])   /* compressed whole */
			s->zone_bytes += sz->table->len[SNAP_GZIP];
	}
	snapshot_seal(s);
}

static int zone_cmp(const void *a, const void *b)
{
	return strcmp(((const snapshot_zone *)a)->zone, ((const snapshot_zone *)b)->zone);
}

void snapshot_seal(snapshot *s)
{
	if (s->nzones > 1) qsort(s->zones, s->nzones, sizeof *s->zones, zone_cmp);
}

const snapshot_table *snapshot_table_for(const snapshot *s, const char *zone)
{
	if (zone && s->nzones > 0) {
		snapshot_zone key = { (char *)zone, NULL };
		const snapshot_zone *z = bsearch(&key, s->zones, s->nzones, sizeof *s->zones, zone_cmp);
		if (z) return z->table;
	}
	return &s->full;
}

void snapshot_ref(snapshot *s) { atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed); }

void snapshot_release(snapshot *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
	for (size_t i = 0; i < s->nzones; i++) {
		if (s->zones[i].table != &s->full) {
			table_free(s->zones[i].table);
			free(s->zones[i].table);
		}
		free(s->zones[i].zone);
	}
	free(s->zones);
	zone_docs_free(s->zone_docs);
	table_free(&s->full);
	free(s);
}

snapshot *snapshot_acquire(snapshot_slot *slot)
{
	pthread_mutex_lock(&slot->mu);
	snapshot *s = slot->current;
	if (s) snapshot_ref(s);
	pthread_mutex_unlock(&slot->mu);
	return s;
}

void snapshot_publish(snapshot_slot *slot, snapshot *s)
{
	if (s) {
		/* A date names this table alone only after every Last-Modified served before
		 * (two changes within one second share theirs). */
		s->dated_from = s->last_modified;
		if (slot->latest_modified >= s->last_modified) s->dated_from = slot->latest_modified + 1;
		else slot->latest_modified = s->last_modified;
		s->seq = ++slot->published;
	}
	pthread_mutex_lock(&slot->mu);
	snapshot *old = slot->current;
	slot->current = s;
	pthread_mutex_unlock(&slot->mu);
	snapshot_release(old);
}

void snapshot_slot_clear(snapshot_slot *slot) { snapshot_publish(slot, NULL); }

bool snapshot_slot_ready(snapshot_slot *slot)
{
	pthread_mutex_lock(&slot->mu);
	bool ready = slot->current != NULL;
	pthread_mutex_unlock(&slot->mu);
	return ready;
}
