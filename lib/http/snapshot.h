/* snapshot.h: one immutable, served routing table with everything a request needs.
 *
 * A snapshot holds the full table and its per-zone variants (spec eskip-and-http.md B7.5),
 * each as plain bytes and gzip bytes, both ETags (DECISIONS.md 2), the route count, the
 * shared Last-Modified time, and prebuilt libmicrohttpd responses for 200, 304 and 412 in
 * both encodings. It is built once per table change on the poll thread and never changes
 * afterwards, so request threads read it without locks. A zone whose document is
 * byte-identical to the full one shares the full table's bytes and responses.
 *
 * Publishing: a snapshot_slot holds the current snapshot. Request threads take a
 * reference with snapshot_acquire() and drop it with snapshot_release() when their
 * response has been sent; snapshot_publish() swaps in a new one and drops the slot's
 * reference to the old one, which is freed when its last request finishes. A request
 * therefore sees one whole snapshot, never a mix of two (skipper#3984).
 *
 * Last-Modified is the time the table changed (never later than a response's Date, unless
 * the clock is set back), so two changes within one second share it. snapshot_publish()
 * sets dated_from, the first second whose If-Modified-Since / If-Unmodified-Since date
 * names the new table alone: its Last-Modified, or the second after the latest
 * Last-Modified served before when that is not earlier (http_conditional.h).
 *
 * Ownership: snapshot_new() returns a snapshot with one reference, owned by the caller
 * until it is handed to snapshot_publish(). Bytes passed in bufs are taken over (the
 * bufs are left empty). */
#ifndef ROUTESRV_SNAPSHOT_H
#define ROUTESRV_SNAPSHOT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "table/etag.h"
#include "table/zone_tables.h"

struct MHD_Response;
struct MHD_IoVec;

enum { SNAP_PLAIN = 0, SNAP_GZIP = 1 };

/* One served document (the full table or one zone's) in both encodings. */
typedef struct {
	char *bytes[2];                  /* [SNAP_PLAIN] served form, [SNAP_GZIP] gzip of it; NULL:
	                                  * in pieces (iov) */
	size_t len[2];
	struct MHD_IoVec *iov[2];        /* a body in pieces (a zone document's segments), or NULL */
	unsigned niov[2];
	bool borrowed[2];                /* the bytes belong to the snapshot's zone_docs */
	char etag[2][ETAG_MAX];          /* "<hex>" and "<hex>+gzip" */
	size_t count;                    /* routes in the document (X-Count) */
	struct MHD_Response *ok[2];              /* 200 with body */
	struct MHD_Response *not_modified[2];    /* 304: Etag and X-Count only */
	struct MHD_Response *failed[2];          /* 412: headers, no body */
} snapshot_table;

typedef struct {
	char *zone;
	snapshot_table *table;           /* its own, or the full table when identical */
} snapshot_zone;

typedef struct snapshot {
	atomic_long refs;
	time_t last_modified;            /* whole seconds, UTC: when the table changed */
	time_t dated_from;               /* set by snapshot_publish (http_cond_evaluate) */
	unsigned long seq;               /* set by snapshot_publish: 1, 2, ... per slot */
	snapshot_table full;
	snapshot_zone *zones;            /* sorted by name after snapshot_seal() */
	size_t nzones;
	zone_docs *zone_docs;            /* what zone tables added by snapshot_add_zones() point into */
	size_t zone_bytes;               /* bytes the zone tables hold of their own, both encodings
	                                  * (what zone names cost beyond the full table) */
} snapshot;

/* A new snapshot whose full table is plain (taken over) with `count` routes. Builds the
 * gzip bytes (libdeflate), ETags and responses. */
snapshot *snapshot_new(time_t last_modified, buf *plain, size_t count);
/* The same with the gzip body made by the caller (taken over; any valid gzip of plain, e.g.
 * concatenated members: watch mode's incremental.h) instead of compressing plain here. A zone
 * document's ZONE_SEG_FULL gzip segments are then slices of this body (snapshot_add_zones). */
snapshot *snapshot_new_gzip(time_t last_modified, buf *plain, buf *gzip, size_t count);
/* Adds a zone's document (taken over); shares the full table when the bytes are equal,
 * or when plain is NULL (the caller knows the zone's document is the full one). */
void snapshot_add_zone(snapshot *s, const char *zone, buf *plain, size_t count);
/* Adds every zone document of z (zone_tables.h), taking z over: the snapshot frees it with
 * itself. Their bodies are served as they are, in segments (libmicrohttpd iovec responses):
 * slices of s's full table and the zones' own bytes; nothing is copied, and only a document
 * written out whole (without gzip segments) is compressed here, as the full table is.
 * A zone whose document is the full one shares the full table. Seals s. */
void snapshot_add_zones(snapshot *s, zone_docs *z);
/* Sorts the zones for lookup; call once after the last snapshot_add_zone(). */
void snapshot_seal(snapshot *s);

/* The table for a zone (NULL: the full table); an unknown zone gets the full table. */
const snapshot_table *snapshot_table_for(const snapshot *s, const char *zone);

/* Another reference to s (e.g. the fleet view keeps the tables stale clients hold). */
void snapshot_ref(snapshot *s);
void snapshot_release(snapshot *s);          /* NULL is fine; frees on the last reference */

typedef struct {
	pthread_mutex_t mu;              /* guards only the pointer load + reference increment */
	snapshot *current;               /* NULL until the first table */
	time_t latest_modified;          /* the latest Last-Modified published (publisher only) */
	unsigned long published;         /* snapshots published so far (publisher only) */
} snapshot_slot;

#define SNAPSHOT_SLOT_INIT { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 }

/* The current snapshot with a new reference, or NULL before the first table. */
snapshot *snapshot_acquire(snapshot_slot *slot);
/* Makes s current (the slot takes the caller's reference), sets its dated_from and its
 * publication number (seq: a later table has a larger one, so a request knows which
 * publication it was answered from), and releases the old one. One publishing thread. */
void snapshot_publish(snapshot_slot *slot, snapshot *s);
/* Releases the slot's snapshot (at exit). */
void snapshot_slot_clear(snapshot_slot *slot);
/* True once a table has been published (it never becomes false again). */
bool snapshot_slot_ready(snapshot_slot *slot);
#endif
