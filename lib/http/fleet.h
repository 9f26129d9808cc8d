/* fleet.h: the fleet view: which client holds which table, and when a table has reached
 * every client.
 *
 * Every skipper polls /routes with the ETag of the table it holds, so the route server sees
 * the whole fleet. A client is one remote address (IPv4-mapped IPv6 addresses count as
 * IPv4) with one User-Agent and, when it sends one, one X-Skipper-Instance header value
 * (FLEET_IDENTITY_HEADER: a name the client chooses, e.g. its pod name, so that clients
 * behind one address stay apart). A GET of /routes or /routes/{zone} answered 304 records
 * the ETag it confirmed as the one the client holds; one answered 200 records the ETag
 * served once the whole body has been sent (a download that fails or times out leaves the
 * client on the table it had). Both record the path, the time and the number of polls; HEAD
 * requests and other answers record nothing.
 *
 * Current and stale: a client is current when the ETag it holds is the one the current
 * table has for its path (the full table, or its zone's document), in either encoding: the
 * gzip tag "<hex>+gzip" names the same bytes as "<hex>". A zone client whose zone's
 * document did not change in a publication stays current. Every other client is stale.
 * "Tables held" counts publications, not tags: the plain and gzip tags and the zone tags of
 * one publication are one table.
 *
 * Bounded: at most max_clients clients (FLEET_DEFAULT_MAX_CLIENTS), split over shards of at
 * most 64 by the hash of the client's identity (one shard per 64 clients of the cap, so up
 * to 64 clients the limit is exact); a new client replaces the least recently seen client of
 * its shard (counted as evicted). A client not seen for expiry_ms leaves the fleet: it is no
 * longer listed, counted or waited for; routesrv-serve sets it to 10 poll intervals.
 *
 * Convergence: after each publication a thread checks (every 100 ms, only while the table
 * has not converged) whether every active client holds it; then it logs at INFO
 * "table converged" etag=<hex> clients=N seconds=S and observes S in
 * routesrv_fleet_convergence_seconds. S is exact, not the check's granularity: the time the
 * last client took the table, or the time the last client that did not take it left the
 * fleet (last seen + expiry). A publication replaced before it converged is counted in
 * routesrv_fleet_convergence_cut_total. A publication with no active client converges
 * when the first client takes it.
 *
 * Old tables: the server keeps the documents of up to FLEET_KEPT_TABLES earlier
 * publications while an active client holds one, so /fleet/tables/{etag} can serve a stale
 * client's table (routesrv-diff -fleet compares them with the current one).
 *
 * Threads: fleet_record() and fleet_served() run on request threads: no allocation, one
 * short per-shard lock (the client's shard); a 304 that confirms what the client was last
 * recorded with touches three cache lines of its shard (lock, key, time and count), nothing
 * else. Everything else takes the shards one at a time and copies.
 * fleet_published() runs on the publishing thread. Ownership: the fleet borrows the slot;
 * it holds references to the snapshots it keeps; fleet_free() stops its thread and frees
 * everything. */
#ifndef ROUTESRV_FLEET_H
#define ROUTESRV_FLEET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "http/snapshot.h"

#define FLEET_IDENTITY_HEADER "X-Skipper-Instance"
#define FLEET_DEFAULT_MAX_CLIENTS 4096
/* About 440 bytes a client, allocated up front: 100 000 clients take 44 MB. */
#define FLEET_MAX_CLIENTS_LIMIT 100000
#define FLEET_KEPT_TABLES 3
/* Bytes kept of a client's texts; longer values are cut (the whole value still tells
 * clients apart). */
#define FLEET_ADDRESS_MAX 48
#define FLEET_IDENTITY_MAX 64
#define FLEET_AGENT_MAX 96
#define FLEET_ZONE_MAX 64      /* Kubernetes zone names are label values: at most 63 bytes */

typedef struct fleet fleet;

typedef struct {
	size_t max_clients;          /* > 0 */
	long expiry_ms;              /* > 0 */
	snapshot_slot *slot;         /* where tables are published (borrowed) */
} fleet_config;

fleet *fleet_new(const fleet_config *cfg);
void fleet_free(fleet *f);                   /* NULL is fine */

/* One answered poll, as the request path knows it. Strings are borrowed for the call. */
typedef struct {
	const struct sockaddr *address;      /* NULL: unknown */
	const char *user_agent, *identity;   /* NULL: header absent */
	const char *zone;                    /* NULL: /routes */
	const char *etag;                    /* the tag confirmed (304); NULL for a 200. It must
	                                      * point into the snapshot of publication seq
	                                      * (snapshot_table.etag[]), as the request path
	                                      * has it: a repeated poll is told by its address */
	unsigned long seq;                   /* the snapshot's publication number */
	int64_t now_ns;                      /* CLOCK_MONOTONIC */
} fleet_poll;

/* Request threads: records a poll answered 304, or about to be answered 200 (then the
 * client holds what it held until fleet_served()). Returns the client's key for that. */
uint64_t fleet_record(fleet *f, const fleet_poll *p);
/* Request threads: the 200 of the poll recorded under key was sent whole: the client holds
 * etag (a table of publication seq; a pointer into that snapshot, as for fleet_poll) from
 * now_ns on. */
void fleet_served(fleet *f, uint64_t key, const char *etag, unsigned long seq, int64_t now_ns);

/* The publishing thread, right after snapshot_publish(s): starts the convergence watch. */
void fleet_published(fleet *f, snapshot *s);

/* One client as the views show it. */
typedef struct {
	char address[FLEET_ADDRESS_MAX], identity[FLEET_IDENTITY_MAX], user_agent[FLEET_AGENT_MAX];
	char zone[FLEET_ZONE_MAX];
	bool has_identity, has_zone, zone_cut;
	char etag[ETAG_MAX];                 /* as served, quoted */
	unsigned long seq;                   /* the publication it was answered from */
	int64_t first_seen, last_seen, since;    /* monotonic ns; since: first poll with this tag */
	unsigned long polls;
} fleet_client;

/* What the views show, taken at one moment. */
typedef struct {
	snapshot *table;                     /* the current table (a reference), or NULL */
	double published;                    /* its publication time, Unix seconds; 0 unknown */
	fleet_client *clients;               /* the active clients, stale first, then by address,
	                                      * identity, user agent */
	bool *current;                       /* per client */
	double *age;                         /* per client: seconds since its table was
	                                      * published; < 0 unknown */
	double *stale_for;                   /* per client: seconds since a later table was
	                                      * published (0: current); at least, when that
	                                      * is too long ago to know */
	size_t n, ncurrent, tables;
	unsigned long evicted, cut;
	size_t max_clients;
	long expiry_ms;
	int64_t now_ns;                      /* monotonic, and the same moment's Unix time: */
	double now;
} fleet_view;

void fleet_view_take(fleet *f, fleet_view *v);
void fleet_view_free(fleet_view *v);
/* Unix time of a monotonic instant of the view. */
double fleet_view_wall(const fleet_view *v, int64_t mono_ns);
/* The tag the current table has for c's path, in c's encoding ("" before the first table). */
const char *fleet_view_current_etag(const fleet_view *v, const fleet_client *c);

/* /fleet as JSON or as aligned text for terminals; stale_only: only the stale clients
 * (the counts still cover every active client). */
void fleet_render_json(const fleet_view *v, bool stale_only, buf *out);
void fleet_render_text(const fleet_view *v, bool stale_only, buf *out);

/* The table whose tag (either encoding, full or zone document; quotes optional) is etag,
 * among the current and the kept ones: a snapshot reference for the caller to release, and
 * the table in *t. NULL when none has it. */
snapshot *fleet_find_table(fleet *f, const char *etag, const snapshot_table **t);
#endif
