/* fleet.c: the client table, the publications it is compared with, and the convergence
 * watch (see fleet.h). The views' text forms are in fleet_render.c. */
#include "http/fleet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "base/log.h"
#include "base/metrics.h"

/* --- the client table ------------------------------------------------------------------ */

/* Clients per shard: a new client's slot is looked up among the shard's keys, so a lookup
 * costs the same for any cap. */
#define SHARD_CLIENTS 64

/* What a poll that changes nothing but the time reads and writes, in one cache line: with
 * hundreds of clients spread over the shards, a poll that touched the client's texts too
 * (several lines, scattered over the heap) cost the 304 path about a tenth of its rate
 * (bench/serve, 300 skippers). The client's texts (fleet_client) are written only when its
 * tag, publication or path changes. */
typedef struct {
	_Alignas(64) int64_t last_seen;      /* monotonic ns */
	unsigned long polls;
	/* The tag it holds as the request path passed it: a pointer into the snapshot of
	 * publication seq, compared, never read (with seq it names one tag of one table). */
	const char *tag;
	unsigned long seq;
	uint64_t zone;                       /* zone_hash() of its path */
} hot_slot;

/* One shard: its own lock and cache lines, so request threads polling for different
 * clients never wait for each other, and two threads polling for one client wait for a
 * few stores. keys[] is open-addressed from key % cap (a slot once taken is never emptied,
 * only reused for another client, so a probe stops at the first empty slot); keys are 0 in
 * empty slots. hot[i] and clients[i] belong to keys[i]; a client's time and poll count live
 * in hot[i] only (collect() puts them in the copies it hands out). */
typedef struct {
	_Alignas(64) pthread_mutex_t mu;
	size_t cap;
	fleet_client *clients;
	uint64_t keys[SHARD_CLIENTS];
	hot_slot hot[SHARD_CLIENTS];
} shard;

/* A publication as the fleet remembers it: when, and (for the current one and the kept
 * ones) the snapshot itself. */
typedef struct {
	unsigned long seq;
	int64_t mono_ns;
	double wall;
} publication;

#define HISTORY 64     /* publication times remembered, for the age of a stale client's table */
#define WATCH_TICK_NS (100 * 1000000LL)

struct fleet {
	fleet_config cfg;
	shard *shards;
	size_t nshards;
	atomic_ulong evicted, cut;
	/* Publications and the watch, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t wake;
	snapshot *current;                   /* the latest publication's table (a reference) */
	snapshot *kept[FLEET_KEPT_TABLES];   /* earlier ones a stale client may hold, newest first */
	publication history[HISTORY];        /* by seq % HISTORY */
	bool watching;                       /* the current table has not converged yet */
	bool stopping;
	pthread_t thread;
};

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double wall_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The address as bytes, IPv4-mapped IPv6 as IPv4 (a ":port" listener takes both). */
static size_t address_bytes(const struct sockaddr *sa, unsigned char out[17])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (sa && sa->sa_family == AF_INET) {
		out[0] = 4;
		memcpy(out + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 5;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, 12) == 0) {
			out[0] = 4;
			memcpy(out + 1, a + 12, 4);
			return 5;
		}
		out[0] = 6;
		memcpy(out + 1, a, 16);
		return 17;
	}
	out[0] = 0;
	return 1;
}

static void address_text(const struct sockaddr *sa, char out[FLEET_ADDRESS_MAX])
{
	unsigned char b[17];
	size_t n = address_bytes(sa, b);
	int family = n == 5 ? AF_INET : n == 17 ? AF_INET6 : AF_UNSPEC;
	if (family == AF_UNSPEC || !inet_ntop(family, b + 1, out, FLEET_ADDRESS_MAX))
		snprintf(out, FLEET_ADDRESS_MAX, "unknown");
}

/* A hash of address, User-Agent and identity; an absent header differs from an empty one. */
static uint64_t client_key(const fleet_poll *p)
{
	unsigned char a[17];
	uint64_t h = XXH3_64bits(a, address_bytes(p->address, a));
	h = p->user_agent ? XXH3_64bits_withSeed(p->user_agent, strlen(p->user_agent), h) : h * 31 + 1;
	h = p->identity ? XXH3_64bits_withSeed(p->identity, strlen(p->identity), h ^ 0x9e3779b97f4a7c15ULL) : h * 37 + 2;
	return h ? h : 1;
}

static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Whether two quoted tags name the same bytes (their hex digits; "+gzip" aside). */
static bool same_table(const char *a, const char *b)
{
	return strlen(a) > ETAG_HEX_LEN && strlen(b) > ETAG_HEX_LEN && memcmp(a + 1, b + 1, ETAG_HEX_LEN) == 0;
}

static bool same_zone(const fleet_client *c, const char *zone)
{
	if (!zone) return !c->has_zone;
	return c->has_zone && strncmp(c->zone, zone, FLEET_ZONE_MAX - 1) == 0 &&
	       c->zone_cut == (strlen(zone) >= FLEET_ZONE_MAX);
}

static void set_zone(fleet_client *c, const char *zone)
{
	c->has_zone = zone != NULL;
	c->zone_cut = zone && strlen(zone) >= FLEET_ZONE_MAX;
	copy_cut(c->zone, sizeof c->zone, zone ? zone : "");
}

/* The client holds etag, of publication seq, from t on. */
static void holds_tag(fleet_client *c, hot_slot *h, const char *etag, unsigned long seq, int64_t t)
{
	if (!same_table(c->etag, etag)) c->since = t;
	if (strcmp(c->etag, etag) != 0) copy_cut(c->etag, sizeof c->etag, etag);
	c->seq = seq;
	h->tag = etag;
	h->seq = seq;
}

/* The path's zone as one number: 0 for /routes. */
static uint64_t zone_hash(const char *zone)
{
	if (!zone) return 0;
	uint64_t h = XXH3_64bits(zone, strlen(zone));
	return h ? h : 1;
}

/* Whether a 304 confirms what the client was last recorded with, on the same path: then
 * only its time and poll count change. */
static bool unchanged(const hot_slot *h, const fleet_poll *p, uint64_t zone)
{
	return p->etag && p->etag == h->tag && p->seq == h->seq && zone == h->zone;
}

/* A poll of a known client. */
static void update(fleet_client *c, hot_slot *h, const fleet_poll *p, uint64_t zone)
{
	if (!unchanged(h, p, zone)) {
		if (p->etag) holds_tag(c, h, p->etag, p->seq, p->now_ns);
		if (!same_zone(c, p->zone)) set_zone(c, p->zone);
		h->zone = zone;
	}
	h->last_seen = p->now_ns;
	h->polls++;
}

/* A client not seen before (or not since it left the fleet), before its first poll. */
static void fresh_client(fleet_client *c, const fleet_poll *p)
{
	memset(c, 0, sizeof *c);
	address_text(p->address, c->address);
	c->has_identity = p->identity != NULL;
	copy_cut(c->identity, sizeof c->identity, p->identity ? p->identity : "");
	copy_cut(c->user_agent, sizeof c->user_agent, p->user_agent ? p->user_agent : "");
	c->first_seen = p->now_ns;
}

static bool expired(const fleet *f, const hot_slot *h, int64_t now)
{
	return now - h->last_seen >= (int64_t)f->cfg.expiry_ms * 1000000LL;
}

static size_t next_slot(const shard *sh, size_t i)
{
	return i + 1 == sh->cap ? 0 : i + 1;
}

/* The key's slot, or -1. */
static int find(const shard *sh, uint64_t key)
{
	size_t i = key % sh->cap;
	for (size_t n = 0; n < sh->cap && sh->keys[i]; n++, i = next_slot(sh, i))
		if (sh->keys[i] == key) return (int)i;
	return -1;
}

/* The slot for a new client: the first empty one of its probe, else the least recently
 * seen (evicted unless it had left the fleet already). */
static size_t free_slot(fleet *f, shard *sh, uint64_t key, int64_t now)
{
	size_t i = key % sh->cap;
	for (size_t n = 0; n < sh->cap; n++, i = next_slot(sh, i))
		if (sh->keys[i] == 0) return i;
	size_t lru = 0;
	for (i = 1; i < sh->cap; i++)
		if (sh->hot[i].last_seen < sh->hot[lru].last_seen) lru = i;
	if (!expired(f, &sh->hot[lru], now)) atomic_fetch_add_explicit(&f->evicted, 1, memory_order_relaxed);
	return lru;
}

static shard *shard_of(fleet *f, uint64_t key)
{
	return &f->shards[(key >> 32) % f->nshards];
}

uint64_t fleet_record(fleet *f, const fleet_poll *p)
{
	uint64_t key = client_key(p), zone = zone_hash(p->zone);
	shard *sh = shard_of(f, key);
	pthread_mutex_lock(&sh->mu);
	int i = find(sh, key);
	if (i >= 0 && !expired(f, &sh->hot[i], p->now_ns)) {
		update(&sh->clients[i], &sh->hot[i], p, zone);
		pthread_mutex_unlock(&sh->mu);
		return key;
	}
	pthread_mutex_unlock(&sh->mu);
	/* A new client: its texts are formatted outside the lock (on the stack). */
	fleet_client c;
	fresh_client(&c, p);
	pthread_mutex_lock(&sh->mu);
	i = find(sh, key);   /* another thread may have added it meanwhile */
	if (i < 0 || expired(f, &sh->hot[i], p->now_ns)) {
		if (i < 0) i = (int)free_slot(f, sh, key, p->now_ns);
		sh->keys[i] = key;
		sh->clients[i] = c;
		sh->hot[i] = (hot_slot){ .last_seen = p->now_ns };
		update(&sh->clients[i], &sh->hot[i], p, zone);   /* no tag yet: recorded whole */
	} else {
		update(&sh->clients[i], &sh->hot[i], p, zone);
	}
	pthread_mutex_unlock(&sh->mu);
	return key;
}

void fleet_served(fleet *f, uint64_t key, const char *etag, unsigned long seq, int64_t now_ns)
{
	shard *sh = shard_of(f, key);
	pthread_mutex_lock(&sh->mu);
	int i = find(sh, key);   /* gone when it made room for another client meanwhile */
	if (i >= 0) holds_tag(&sh->clients[i], &sh->hot[i], etag, seq, now_ns);
	pthread_mutex_unlock(&sh->mu);
}

/* Copies the clients seen at or after `seen_from` (monotonic ns). */
static fleet_client *collect(fleet *f, int64_t seen_from, size_t *n)
{
	size_t cap = 64, len = 0;
	fleet_client *v = malloc(cap * sizeof *v);
	if (!v) abort();
	for (size_t s = 0; s < f->nshards; s++) {
		shard *sh = &f->shards[s];
		pthread_mutex_lock(&sh->mu);
		for (size_t i = 0; i < sh->cap; i++) {
			if (sh->keys[i] == 0 || sh->hot[i].last_seen < seen_from) continue;
			if (len == cap && !(v = realloc(v, (cap *= 2) * sizeof *v))) abort();
			v[len] = sh->clients[i];
			v[len].last_seen = sh->hot[i].last_seen;
			v[len++].polls = sh->hot[i].polls;
		}
		pthread_mutex_unlock(&sh->mu);
	}
	*n = len;
	return v;
}

static int64_t expiry_ns(const fleet *f)
{
	return (int64_t)f->cfg.expiry_ms * 1000000LL;
}

static const char *client_zone(const fleet_client *c)
{
	return c->has_zone && !c->zone_cut ? c->zone : NULL;
}

/* Whether c holds table s for its path (see fleet.h: current and stale). A client answered
 * from a later publication than s holds what replaced it. */
static bool holds(const fleet_client *c, const snapshot *s)
{
	if (c->seq > s->seq) return true;
	return same_table(c->etag, snapshot_table_for(s, client_zone(c))->etag[SNAP_PLAIN]);
}

/* --- publications and the convergence watch ----------------------------------------------- */

typedef struct {
	bool converged;
	size_t holders;              /* clients holding it that were in the fleet since it was published */
	double seconds;
} convergence;

/* Whether every active client holds the table published at pub_ns, and since when (see
 * fleet.h: the last client to take it, or the last one to leave without it). */
static convergence check(fleet *f, const snapshot *s, int64_t pub_ns, int64_t now)
{
	size_t n;
	fleet_client *v = collect(f, pub_ns - expiry_ns(f), &n);
	convergence c = { false, 0, 0 };
	int64_t at = pub_ns;
	bool missing = false;
	for (size_t i = 0; i < n; i++) {
		bool has = holds(&v[i], s), active = now - v[i].last_seen < expiry_ns(f);
		if (has) c.holders++;
		if (has && v[i].since > at) at = v[i].since;
		if (!has && active) missing = true;
		if (!has && !active && v[i].last_seen + expiry_ns(f) > at) at = v[i].last_seen + expiry_ns(f);
	}
	free(v);
	c.converged = !missing && c.holders > 0;
	c.seconds = (double)(at - pub_ns) / 1e9;
	return c;
}

/* Drops the kept tables no active stale client holds (under f->mu). */
static void drop_unheld(fleet *f, int64_t now)
{
	size_t n;
	fleet_client *v = collect(f, now - expiry_ns(f), &n);
	for (size_t k = 0; k < FLEET_KEPT_TABLES; k++) {
		if (!f->kept[k]) continue;
		bool held = false;
		for (size_t i = 0; i < n && !held; i++)
			held = v[i].seq == f->kept[k]->seq && !(f->current && holds(&v[i], f->current));
		if (!held) {
			snapshot_release(f->kept[k]);
			f->kept[k] = NULL;
		}
	}
	free(v);
}

static void log_converged(const snapshot *s, const convergence *c)
{
	char hex[ETAG_HEX_LEN + 1], clients[32], secs[32];
	snprintf(hex, sizeof hex, "%.*s", ETAG_HEX_LEN, s->full.etag[SNAP_PLAIN] + 1);
	snprintf(clients, sizeof clients, "%zu", c->holders);
	snprintf(secs, sizeof secs, "%.3f", c->seconds);
	log_kv(LOG_INFO, "table converged", "etag", hex, "clients", clients, "seconds", secs, NULL);
}

/* Waits up to one tick for a publication or the stop (under f->mu). */
static void wait_tick(fleet *f)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WATCH_TICK_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&f->wake, &f->mu, &until);
}

/* The watch thread: while the current table has not converged, checks every tick. */
static void *watch(void *ctx)
{
	fleet *f = ctx;
	pthread_mutex_lock(&f->mu);
	while (!f->stopping) {
		if (!f->watching) {
			pthread_cond_wait(&f->wake, &f->mu);
			continue;
		}
		wait_tick(f);
		if (f->stopping || !f->watching) continue;
		snapshot *s = f->current;
		snapshot_ref(s);
		int64_t pub = f->history[s->seq % HISTORY].mono_ns;
		pthread_mutex_unlock(&f->mu);
		convergence c = check(f, s, pub, mono_ns());
		pthread_mutex_lock(&f->mu);
		bool report = c.converged && f->watching && f->current == s;
		if (report) f->watching = false;
		drop_unheld(f, mono_ns());
		pthread_mutex_unlock(&f->mu);
		if (report) {
			log_converged(s, &c);
			metrics_observe_convergence(c.seconds);
		}
		snapshot_release(s);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static bool any_active(fleet *f, int64_t now)
{
	size_t n;
	fleet_client *v = collect(f, now - expiry_ns(f), &n);
	free(v);
	return n > 0;
}

void fleet_published(fleet *f, snapshot *s)
{
	int64_t now = mono_ns();
	bool clients = any_active(f, now);
	snapshot_ref(s);
	pthread_mutex_lock(&f->mu);
	if (f->watching && clients) {
		atomic_fetch_add_explicit(&f->cut, 1, memory_order_relaxed);
		log_kv(LOG_DEBUG, "table replaced before it converged", NULL);
	}
	/* The table replaced is kept while a client may hold it; the oldest kept one goes. */
	snapshot_release(f->kept[FLEET_KEPT_TABLES - 1]);
	memmove(f->kept + 1, f->kept, (FLEET_KEPT_TABLES - 1) * sizeof *f->kept);
	f->kept[0] = f->current;
	f->current = s;
	f->history[s->seq % HISTORY] = (publication){ s->seq, now, wall_now() };
	f->watching = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->mu);
}

/* --- metrics ------------------------------------------------------------------------------- */

static size_t metric_samples(void *ctx, metrics_sample *out, size_t max)
{
	fleet *f = ctx;
	if (max < 6) return 0;
	fleet_view v;
	fleet_view_take(f, &v);
	const char *clients_help = "Active clients of /routes by whether they hold the current table.";
	out[0] = (metrics_sample){ "routesrv_fleet_clients", "gauge", clients_help, "state=\"current\"", (double)v.ncurrent };
	out[1] = (metrics_sample){ "routesrv_fleet_clients", "gauge", clients_help, "state=\"stale\"",
				   (double)(v.n - v.ncurrent) };
	out[2] = (metrics_sample){ "routesrv_fleet_tables", "gauge",
				   "Distinct tables (publications) the active clients hold.", "", (double)v.tables };
	out[3] = (metrics_sample){ "routesrv_fleet_evicted_total", "counter",
				   "Clients that made room for a new one at -fleet-max-clients.", "", (double)v.evicted };
	out[4] = (metrics_sample){ "routesrv_fleet_convergence_cut_total", "counter",
				   "Published tables replaced before every active client held them.", "", (double)v.cut };
	double longest = 0;
	for (size_t i = 0; i < v.n; i++)
		if (v.stale_for[i] > longest) longest = v.stale_for[i];
	out[5] = (metrics_sample){ "routesrv_fleet_longest_stale_seconds", "gauge",
				   "The longest an active client has held a stale table: seconds since the publication that "
				   "replaced it (0: no client is stale).", "", longest };
	fleet_view_free(&v);
	return 6;
}

/* --- life cycle ------------------------------------------------------------------------------ */

fleet *fleet_new(const fleet_config *cfg)
{
	fleet *f = calloc(1, sizeof *f);
	if (!f) abort();
	f->cfg = *cfg;
	f->nshards = (cfg->max_clients + SHARD_CLIENTS - 1) / SHARD_CLIENTS;
	f->shards = aligned_alloc(64, f->nshards * sizeof *f->shards);
	if (!f->shards) abort();
	memset(f->shards, 0, f->nshards * sizeof *f->shards);
	for (size_t s = 0; s < f->nshards; s++) {
		shard *sh = &f->shards[s];
		pthread_mutex_init(&sh->mu, NULL);
		/* the cap split evenly: the first shards take the remainder */
		sh->cap = cfg->max_clients / f->nshards + (s < cfg->max_clients % f->nshards);
		sh->clients = calloc(sh->cap, sizeof *sh->clients);
		if (!sh->clients) abort();
	}
	atomic_init(&f->evicted, 0);
	atomic_init(&f->cut, 0);
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&f->thread, NULL, watch, f) != 0) abort();
	metrics_set_source(metric_samples, f);
	return f;
}

void fleet_free(fleet *f)
{
	if (!f) return;
	metrics_set_source(NULL, NULL);
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	for (size_t s = 0; s < f->nshards; s++) {
		pthread_mutex_destroy(&f->shards[s].mu);
		free(f->shards[s].clients);
	}
	free(f->shards);
	snapshot_release(f->current);
	for (size_t k = 0; k < FLEET_KEPT_TABLES; k++) snapshot_release(f->kept[k]);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* --- views ----------------------------------------------------------------------------------- */

static int view_order(const void *pa, const void *pb, void *ctx)
{
	(void)ctx;
	const fleet_client *a = pa, *b = pb;
	int c;
	if ((c = strcmp(a->address, b->address))) return c;
	if ((c = strcmp(a->identity, b->identity))) return c;
	return strcmp(a->user_agent, b->user_agent);
}

/* Sorts the view's clients: stale first, then by address, identity, user agent. */
static void sort_view(fleet_view *v)
{
	size_t n = v->n, k = 0;
	fleet_client *sorted = malloc((n ? n : 1) * sizeof *sorted);
	bool *cur = malloc((n ? n : 1) * sizeof *cur);
	if (!sorted || !cur) abort();
	for (int pass = 0; pass < 2; pass++) {
		size_t start = k;
		for (size_t i = 0; i < n; i++)
			if (v->current[i] == (pass == 1)) sorted[k++] = v->clients[i];
		qsort_r(sorted + start, k - start, sizeof *sorted, view_order, NULL);
		for (size_t i = start; i < k; i++) cur[i] = pass == 1;
	}
	free(v->clients);
	free(v->current);
	v->clients = sorted;
	v->current = cur;
}

static int seq_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return (x > y) - (x < y);
}

/* Distinct publications held: current clients hold the current one; a client whose first
 * download has not arrived yet holds none. */
static size_t count_tables(const fleet_view *v)
{
	unsigned long *seqs = malloc((v->n ? v->n : 1) * sizeof *seqs);
	if (!seqs) abort();
	size_t n = 0, tables = 0;
	for (size_t i = 0; i < v->n; i++) {
		unsigned long seq = v->current[i] && v->table ? v->table->seq : v->clients[i].seq;
		if (seq) seqs[n++] = seq;
	}
	qsort(seqs, n, sizeof *seqs, seq_cmp);
	for (size_t i = 0; i < n; i++) tables += i == 0 || seqs[i] != seqs[i - 1];
	free(seqs);
	return tables;
}

/* Since when a stale client's table is not current: the first publication after the one it
 * was answered from (a zone's document may have changed later: then this is an upper
 * bound; when that publication is no longer remembered, the oldest one remembered after
 * it: a lower bound), or its first poll when it never received a table. */
static double stale_for(const fleet_view *v, const fleet_client *c, const publication history[HISTORY])
{
	int64_t from = c->first_seen;
	if (c->seq) {
		bool found = false;
		for (size_t k = 0; k < HISTORY; k++) {
			const publication *p = &history[k];
			if (p->seq > c->seq && (!found || p->mono_ns < from)) {
				from = p->mono_ns;
				found = true;
			}
		}
	}
	return from < v->now_ns ? (double)(v->now_ns - from) / 1e9 : 0;
}

void fleet_view_take(fleet *f, fleet_view *v)
{
	memset(v, 0, sizeof *v);
	publication history[HISTORY];
	pthread_mutex_lock(&f->mu);
	v->table = f->current;
	if (v->table) snapshot_ref(v->table);
	memcpy(history, f->history, sizeof history);
	pthread_mutex_unlock(&f->mu);
	v->now_ns = mono_ns();
	v->now = wall_now();
	v->max_clients = f->cfg.max_clients;
	v->expiry_ms = f->cfg.expiry_ms;
	v->evicted = atomic_load_explicit(&f->evicted, memory_order_relaxed);
	v->cut = atomic_load_explicit(&f->cut, memory_order_relaxed);
	v->clients = collect(f, v->now_ns - expiry_ns(f) + 1, &v->n);
	v->current = malloc((v->n ? v->n : 1) * sizeof *v->current);
	if (!v->current) abort();
	for (size_t i = 0; i < v->n; i++) v->ncurrent += v->current[i] = v->table && holds(&v->clients[i], v->table);
	sort_view(v);
	v->age = malloc((v->n ? v->n : 1) * sizeof *v->age);
	v->stale_for = malloc((v->n ? v->n : 1) * sizeof *v->stale_for);
	if (!v->age || !v->stale_for) abort();
	const publication *cur = v->table ? &history[v->table->seq % HISTORY] : NULL;
	if (cur && cur->seq == v->table->seq) v->published = fleet_view_wall(v, cur->mono_ns);
	for (size_t i = 0; i < v->n; i++) {
		unsigned long seq = v->current[i] ? v->table->seq : v->clients[i].seq;
		const publication *p = &history[seq % HISTORY];
		v->age[i] = p->seq == seq && seq ? (double)(v->now_ns - p->mono_ns) / 1e9 : -1;
		v->stale_for[i] = v->current[i] ? 0 : stale_for(v, &v->clients[i], history);
	}
	v->tables = count_tables(v);
}

void fleet_view_free(fleet_view *v)
{
	snapshot_release(v->table);
	free(v->clients);
	free(v->current);
	free(v->age);
	free(v->stale_for);
	memset(v, 0, sizeof *v);
}

double fleet_view_wall(const fleet_view *v, int64_t t)
{
	return v->now - (double)(v->now_ns - t) / 1e9;
}

const char *fleet_view_current_etag(const fleet_view *v, const fleet_client *c)
{
	if (!v->table) return "";
	bool gzip = strstr(c->etag, "+gzip") != NULL;
	return snapshot_table_for(v->table, client_zone(c))->etag[gzip ? SNAP_GZIP : SNAP_PLAIN];
}

/* --- old tables ------------------------------------------------------------------------------ */

/* The 32 hex digits of a tag given as hex, "hex", hex+gzip or "hex+gzip"; false otherwise. */
static bool tag_hex(const char *etag, char hex[ETAG_HEX_LEN + 1])
{
	const char *p = etag + (*etag == '"');
	size_t n = strspn(p, "0123456789abcdef");
	if (n != ETAG_HEX_LEN) return false;
	const char *rest = p + n;
	if (strncmp(rest, "+gzip", 5) == 0) rest += 5;
	if (*etag == '"' ? strcmp(rest, "\"") != 0 : *rest != 0) return false;
	memcpy(hex, p, ETAG_HEX_LEN);
	hex[ETAG_HEX_LEN] = 0;
	return true;
}

/* Whether a quoted tag has these hex digits. */
static bool tag_has_hex(const char *tag, const char *hex)
{
	return strlen(tag) > ETAG_HEX_LEN && memcmp(tag + 1, hex, ETAG_HEX_LEN) == 0;
}

static const snapshot_table *table_with(const snapshot *s, const char *hex)
{
	if (!s) return NULL;
	if (tag_has_hex(s->full.etag[SNAP_PLAIN], hex)) return &s->full;
	for (size_t z = 0; z < s->nzones; z++)
		if (tag_has_hex(s->zones[z].table->etag[SNAP_PLAIN], hex)) return s->zones[z].table;
	return NULL;
}

snapshot *fleet_find_table(fleet *f, const char *etag, const snapshot_table **t)
{
	char hex[ETAG_HEX_LEN + 1];
	*t = NULL;
	if (!tag_hex(etag, hex)) return NULL;
	snapshot *found = NULL;
	pthread_mutex_lock(&f->mu);
	for (int k = -1; k < FLEET_KEPT_TABLES && !found; k++) {
		snapshot *s = k < 0 ? f->current : f->kept[k];
		if ((*t = table_with(s, hex))) found = s;
	}
	if (found) snapshot_ref(found);
	pthread_mutex_unlock(&f->mu);
	return found;
}
