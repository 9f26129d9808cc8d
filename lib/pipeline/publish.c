/* publish.c: processed routes → served snapshot (see publish.h). */
#include "pipeline/publish.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/metrics.h"

/* --- the routes that differ: a merge of the old and new served forms, one route per line --- */

typedef struct {
	const char *line;
	size_t len, idlen;
} served_line;

/* Splits a served form into its route lines (sorted by id by construction). */
static served_line *split_lines(const char *text, size_t len, size_t *n)
{
	size_t cap = 16;
	served_line *v = malloc(cap * sizeof *v);
	if (!v)
		abort();
	*n = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (*n == cap && !(v = realloc(v, (cap *= 2) * sizeof *v)))
			abort();
		const char *colon = memchr(text + i, ':', end - i);
		v[(*n)++] = (served_line){ text + i, end - i, colon ? (size_t)(colon - (text + i)) : 0 };
		i = end + 1;
	}
	return v;
}

static int id_cmp(const served_line *a, const served_line *b)
{
	size_t n = a->idlen < b->idlen ? a->idlen : b->idlen;
	int c = memcmp(a->line, b->line, n);
	return c ? c : (a->idlen > b->idlen) - (a->idlen < b->idlen);
}


/* Logs the differing routes marked `mark` in order ("<prefix>Inserted route 2 of 5", B7.6),
 * while the budget lasts. */
static void log_marked(const served_line *v, const char *marks, size_t n, char mark, size_t count, const char *what,
		       const char *op, log_level level, const char *prefix, size_t *budget)
{
	for (size_t i = 0, k = 0; i < n && *budget; i++) {
		if (marks[i] != mark)
			continue;
		char msg[128], id[256];
		snprintf(msg, sizeof msg, "%s%s route %zu of %zu", prefix, what, ++k, count);
		snprintf(id, sizeof id, "%.*s", (int)v[i].idlen, v[i].line);
		log_kv(level, msg, "op", op, "id", id, NULL);
		--*budget;
	}
}

static bool line_start(const char *text, size_t len, size_t tail)
{
	return tail == len || text[len - tail - 1] == '\n';
}

/* The whole lines both forms start with (*head bytes) and end with (*tail bytes): the same
 * routes unchanged, so that only the lines between are split and merged, and a change of one
 * route costs a memcmp of the table rather than a split of every line of both. */
static void common_ends(const char *a, size_t na, const char *b, size_t nb, size_t *head, size_t *tail)
{
	enum { CHUNK = 4096 };
	size_t n = na < nb ? na : nb, h = 0, t = 0;
	while (h + CHUNK <= n && memcmp(a + h, b + h, CHUNK) == 0)
		h += CHUNK;
	while (h < n && a[h] == b[h])
		h++;
	if (h == na && h == nb) {
		*head = h;
		*tail = 0;
		return;
	}
	while (h > 0 && a[h - 1] != '\n')   /* back to the start of the first differing line */
		h--;
	size_t most = n - h;   /* the tail does not overlap the head */
	while (t + CHUNK <= most && memcmp(a + na - t - CHUNK, b + nb - t - CHUNK, CHUNK) == 0)
		t += CHUNK;
	while (t < most && a[na - t - 1] == b[nb - t - 1])
		t++;
	while (t > 0 && !(line_start(a, na, t) && line_start(b, nb, t)))   /* whole lines in both */
		t--;
	*head = h;
	*tail = t;
}

publish_changes publish_diff(const char *old, size_t oldlen, const char *new, size_t newlen, log_level level,
			     const char *prefix, size_t max_logged)
{
	size_t na, nb, head, tail;
	common_ends(old, oldlen, new, newlen, &head, &tail);
	served_line *a = split_lines(old + head, oldlen - head - tail, &na);
	served_line *b = split_lines(new + head, newlen - head - tail, &nb);
	publish_changes cc = { 0, 0, 0 };
	/* Each line gets a mark: 'i' inserted (b), 'd' deleted (a), 'u' updated (b). */
	char *ma = calloc(na + 1, 1), *mb = calloc(nb + 1, 1);
	if (!ma || !mb)
		abort();
	for (size_t i = 0, j = 0; i < na || j < nb;) {
		int c = i == na ? 1 : j == nb ? -1 : id_cmp(&a[i], &b[j]);
		if (c < 0) { ma[i++] = 'd'; cc.deleted++; }
		else if (c > 0) { mb[j++] = 'i'; cc.inserted++; }
		else {
			if (a[i].len != b[j].len || memcmp(a[i].line, b[j].line, a[i].len) != 0) { mb[j] = 'u'; cc.updated++; }
			i++;
			j++;
		}
	}
	/* B7.6's order: inserted, then deleted, then updated. */
	size_t budget = max_logged;
	log_marked(b, mb, nb, 'i', cc.inserted, "Inserted", "inserted", level, prefix, &budget);
	log_marked(a, ma, na, 'd', cc.deleted, "Deleted", "deleted", level, prefix, &budget);
	log_marked(b, mb, nb, 'u', cc.updated, "Updated", "updated", level, prefix, &budget);
	free(ma);
	free(mb);
	free(a);
	free(b);
	return cc;
}

/* --- publishing ---------------------------------------------------------------------- */


void publish_empty_routes(void)
{
	log_kv(LOG_INFO, "received empty routes; ignoring", NULL);
	metrics_count("routes.empty");
}

/* Zones beyond -max-zones are served the full table: said when their number changes, and
 * shown in routes.zones_beyond_max. */
static void note_zone_cap(publish_state *st, const zone_docs *z)
{
	size_t beyond = z->nzones - z->n;
	metrics_gauge("routes.zones_beyond_max", (double)beyond);
	if (beyond == st->zones_beyond)
		return;
	st->zones_beyond = beyond;
	if (!beyond) {
		log_kv(LOG_INFO, "every zone has its own document again", NULL);
		return;
	}
	log_typed(LOG_WARN, "more zones than -max-zones: those with the fewest endpoints are served the full table",
		  LOG_INT("zones", z->nzones), LOG_INT("max_zones", z->n));
}

static void log_update(const char *msg, const snapshot *s, const publish_changes *cc)
{
	/* hash: the ETag without quotes, under the field name skipper's routesrv logs it with. */
	char hash[ETAG_MAX];
	snprintf(hash, sizeof hash, "%.*s", ETAG_HEX_LEN, s->full.etag[SNAP_PLAIN] + 1);
	log_typed(LOG_INFO, msg, LOG_INT("count", s->full.count), LOG_INT("bytes", s->full.len[SNAP_PLAIN]),
		  LOG_STR("hash", hash), LOG_INT("inserted", cc->inserted), LOG_INT("deleted", cc->deleted),
		  LOG_INT("updated", cc->updated));
}

/* Where the pieces of a table that is published come from, asked only once it is: the
 * poll's full compile builds its zone documents then, the incremental compile hands over
 * those it patched. */
typedef struct {
	buf *take;                            /* the plain document to take over; NULL: it stays the
	                                       * caller's (copied, as the gzip body always is) */
	const buf *gzip;                      /* the full document's gzip body; NULL: compressed here */
	zone_docs *(*zones)(void *ctx);       /* the zone documents, taken over (slices of the snapshot's full
	                                       * document in both encodings) */
	void *ctx;
} publish_parts;

/* The served document plain (count routes; taken or copied: parts->take) published when its
 * bytes differ from the current snapshot's, unless the deletion guard holds it. This byte
 * comparison is what decides updates in skipper too (B7.5); skipper's earlier comparison of
 * the raw routes (B7.4) only decides whether to process them, and keeping the raw table for
 * it would cost five times the table's bytes. */
static publish_result publish_doc(snapshot_slot *slot, const buf *plain, size_t count, const publish_parts *parts,
				  const publish_hook *hook, publish_state *st)
{
	const char *doc = plain->ptr ? plain->ptr : "";
	snapshot *cur = snapshot_acquire(slot);
	const char *old = cur ? cur->full.bytes[SNAP_PLAIN] : "";
	size_t oldlen = cur ? cur->full.len[SNAP_PLAIN] : 0;
	if (cur && oldlen == plain->len && memcmp(old, doc, oldlen) == 0) {
		log_kv(LOG_INFO, "routes did not change", NULL);
		if (st->guard)
			deletion_guard_clear(st->guard);
		snapshot_release(cur);
		return PUBLISH_UNCHANGED;
	}
	/* The guard needs counts only: the routes served, deleted by this table, and in it. */
	publish_changes cc = publish_diff(old, oldlen, doc, plain->len, LOG_DEBUG, "", 0);
	if (cur && st->guard && !deletion_guard_allows(st->guard, cur->full.count, cc.deleted, count, clock_mono_seconds())) {
		snapshot_release(cur);
		return PUBLISH_HELD;
	}
	/* Last-Modified is the time of the change; two changes in one second share it, and
	 * snapshot_publish() keeps If-Modified-Since from confusing them (snapshot.h). */
	time_t now = time(NULL);
	/* zone documents first: a full compile makes them from the full document, which the
	 * snapshot takes (and then serves their slices of it) */
	zone_docs *zones = parts->zones(parts->ctx);
	if (zones)
		note_zone_cap(st, zones);
	buf copy = BUF_INIT, gz = BUF_INIT;
	if (!parts->take)
		buf_append(&copy, doc, plain->len);
	if (parts->gzip)
		buf_append(&gz, parts->gzip->ptr ? parts->gzip->ptr : "", parts->gzip->len);
	snapshot *s = snapshot_new_gzip(now, parts->take ? parts->take : &copy, parts->gzip ? &gz : NULL, count);
	if (zones)
		snapshot_add_zones(s, zones);
	else {   /* the incremental compile's, handed over already: never expected */
		log_kv(LOG_ERROR, "no zone documents for this table; every zone is served the full table", NULL);
		snapshot_seal(s);
	}
	metrics_table_bytes(s->full.len[SNAP_PLAIN], s->full.len[SNAP_GZIP]);
	metrics_gauge("routes.zone_bytes", (double)s->zone_bytes);
	double wall = metrics_now();
	if (!cur) {
		log_update("routes initialized", s, &cc);
		metrics_gauge("routes.initialized_timestamp", wall);
	}
	log_update("routes updated", s, &cc);
	metrics_gauge("routes.updated_timestamp", wall);
	metrics_gauge("routes.total", (double)s->full.count);
	metrics_gauge("routes.byte", (double)s->full.len[SNAP_PLAIN]);
	if (log_enabled(LOG_DEBUG))
		publish_diff(old, oldlen, s->full.bytes[SNAP_PLAIN], s->full.len[SNAP_PLAIN], LOG_DEBUG, "", SIZE_MAX);
	bool replaced = cur != NULL;
	snapshot_release(cur);
	snapshot_publish(slot, s);   /* the slot holds s from here on */
	if (hook && hook->fn)
		hook->fn(hook->ctx, s);
	return replaced ? PUBLISH_UPDATED : PUBLISH_FIRST;
}

/* A full compile's zone documents, built only for a table that is published. */
typedef struct {
	const route_table *t;
	pipeline_served *served;
	size_t max_zones;
} table_zones;

static zone_docs *zones_of_table(void *ctx)
{
	table_zones *tz = ctx;
	pipeline_serve_zones(tz->t, tz->served, tz->max_zones);
	zone_docs *z = tz->served->zones;
	tz->served->zones = NULL;   /* the snapshot's now */
	return z;
}

publish_result publish_table(const pipeline_options *o, snapshot_slot *slot, route_table *t, const publish_hook *hook,
			     publish_state *st)
{
	/* counted each time the inputs change and the table is processed again */
	for (size_t dropped = pipeline_process(o, t); dropped; dropped--)
		metrics_count("routes.unparsable_dropped");
	pipeline_served served;
	pipeline_serve(t, &served);
	publish_result r = publish_processed(slot, t, &served, hook, st);
	pipeline_served_free(&served);
	return r;
}

publish_result publish_processed(snapshot_slot *slot, const route_table *t, pipeline_served *served,
				 const publish_hook *hook, publish_state *st)
{
	if (t->n == 0) {
		publish_empty_routes();
		return PUBLISH_EMPTY;
	}
	table_zones tz = { t, served, st->max_zones };
	publish_parts parts = { &served->full.doc, NULL, zones_of_table, &tz };
	return publish_doc(slot, &served->full.doc, t->n, &parts, hook, st);
}

static zone_docs *zones_of_incremental(void *ctx)
{
	return incremental_take_zones(ctx);
}

publish_result publish_incremental(snapshot_slot *slot, incremental *inc, const publish_hook *hook, publish_state *st)
{
	const incremental_served *s = incremental_publish(inc, NULL);
	if (s->served.count == 0) {
		publish_empty_routes();
		return PUBLISH_EMPTY;
	}
	/* its documents stay the state's: the next publish is spliced from them */
	publish_parts parts = { NULL, &s->gzip, zones_of_incremental, inc };
	return publish_doc(slot, &s->served.full.doc, s->served.count, &parts, hook, st);
}
