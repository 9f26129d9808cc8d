/* Tests for fleet.c: who is a client, current and stale (gzip, zones), the cap (LRU), expiry,
 * concurrent polls, the kept tables, the views and the convergence watch. */
#include <arpa/inet.h>
#include <jv.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/metrics.h"
#include "http/fleet.h"
#include "metrics_test_util.h"
#include "test.h"

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static const int64_t MS = 1000000;

/* A table with an optional zone-a document, published in slot and announced to f. */
static snapshot *publish(snapshot_slot *slot, fleet *f, const char *doc, const char *zone_a)
{
	buf b = BUF_INIT;
	buf_puts(&b, doc);
	snapshot *s = snapshot_new(1772532000, &b, 1);
	if (zone_a) {
		buf z = BUF_INIT;
		buf_puts(&z, zone_a);
		snapshot_add_zone(s, "zone-a", &z, 1);
	}
	snapshot_seal(s);
	snapshot_publish(slot, s);
	if (f) fleet_published(f, s);
	return s;
}

typedef struct {
	const char *ip, *agent, *identity, *zone;
} who;

/* A GET answered 304 from s: the client confirms the tag s has for its path, plain or gzip. */
static void poll_at(fleet *f, who w, const snapshot *s, bool gzip, int64_t t)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, w.ip, &a.sin_addr);
	fleet_poll p = {
		.address = (const struct sockaddr *)&a,
		.user_agent = w.agent,
		.identity = w.identity,
		.zone = w.zone,
		.etag = snapshot_table_for(s, w.zone)->etag[gzip ? SNAP_GZIP : SNAP_PLAIN],
		.seq = s->seq,
		.now_ns = t,
	};
	fleet_record(f, &p);
}

/* A GET about to be answered 200 from s; returns the key for fleet_served(). */
static uint64_t download_at(fleet *f, who w, const snapshot *s, int64_t t)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, w.ip, &a.sin_addr);
	fleet_poll p = { .address = (const struct sockaddr *)&a, .user_agent = w.agent, .identity = w.identity,
			 .zone = w.zone, .etag = NULL, .seq = s->seq, .now_ns = t };
	return fleet_record(f, &p);
}

static fleet *new_fleet(snapshot_slot *slot, size_t max, long expiry_ms)
{
	fleet_config cfg = { .max_clients = max, .expiry_ms = expiry_ms, .slot = slot };
	return fleet_new(&cfg);
}

static const fleet_client *find_client(const fleet_view *v, const char *identity, bool *current)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->clients[i].identity, identity) == 0) {
			if (current) *current = v->current[i];
			return &v->clients[i];
		}
	return NULL;
}

TEST(clients_are_address_agent_and_identity)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 30000);
	snapshot *s = publish(&slot, f, "a: * -> <shunt>", NULL);
	int64_t t = now_ns();
	poll_at(f, (who){ "10.0.0.1", "skipper", "pod-1", NULL }, s, true, t);
	poll_at(f, (who){ "10.0.0.1", "skipper", "pod-1", NULL }, s, true, t + 1);   /* the same client */
	poll_at(f, (who){ "10.0.0.1", "skipper", "pod-2", NULL }, s, true, t);       /* behind one address */
	poll_at(f, (who){ "10.0.0.1", "curl", NULL, NULL }, s, false, t);            /* another agent */
	poll_at(f, (who){ "10.0.0.1", "skipper", NULL, NULL }, s, false, t);         /* no identity */
	poll_at(f, (who){ "10.0.0.2", "skipper", NULL, NULL }, s, false, t);         /* another address */
	fleet_view v;
	fleet_view_take(f, &v);
	CHECK_INT(v.n, 5);
	CHECK_INT(v.ncurrent, 5);
	CHECK_INT(v.tables, 1);
	const fleet_client *c = find_client(&v, "pod-1", NULL);
	CHECK(c != NULL);
	if (c) {
		CHECK_INT(c->polls, 2);
		CHECK_STR(c->address, "10.0.0.1");
		CHECK_STR(c->user_agent, "skipper");
		CHECK(c->has_identity && !c->has_zone);
		CHECK_STR(c->etag, s->full.etag[SNAP_GZIP]);
	}
	fleet_view_free(&v);
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

/* The gzip tag and the plain tag name one table; a zone client whose document did not
 * change stays current; tables held counts publications, not tags. */
TEST(current_and_stale_across_gzip_and_zones)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 30000);
	snapshot *s1 = publish(&slot, f, "a: * -> <roundRobin, \"http://1\", \"http://2\">", "a: * -> <roundRobin, \"http://1\">");
	int64_t t = now_ns();
	who old_full = { "10.0.0.1", "skipper", "old-full", NULL }, old_gzip = { "10.0.0.2", "skipper", "old-gzip", NULL };
	who zone = { "10.0.0.3", "skipper", "zone", "zone-a" }, other = { "10.0.0.4", "skipper", "other-zone", "zone-b" };
	poll_at(f, old_full, s1, false, t);
	poll_at(f, old_gzip, s1, true, t);
	poll_at(f, zone, s1, true, t);
	poll_at(f, other, s1, true, t);   /* an unknown zone gets the full table */
	/* only the full table changes (a second endpoint outside zone-a) */
	snapshot *s2 = publish(&slot, f, "a: * -> <roundRobin, \"http://1\", \"http://3\">", "a: * -> <roundRobin, \"http://1\">");
	who new_gzip = { "10.0.0.5", "skipper", "new-gzip", NULL };
	poll_at(f, new_gzip, s2, true, t + 1);
	fleet_view v;
	fleet_view_take(f, &v);
	bool cur;
	CHECK(find_client(&v, "old-full", &cur) && !cur);
	CHECK(find_client(&v, "old-gzip", &cur) && !cur);
	CHECK(find_client(&v, "other-zone", &cur) && !cur);
	CHECK(find_client(&v, "zone", &cur) && cur);
	CHECK(find_client(&v, "new-gzip", &cur) && cur);
	CHECK_INT(v.ncurrent, 2);
	CHECK_INT(v.tables, 2);
	/* stale first */
	CHECK(!v.current[0] && v.current[v.n - 1]);
	const fleet_client *z = find_client(&v, "zone", NULL);
	CHECK(z && z->has_zone);
	if (z) {
		CHECK_STR(z->zone, "zone-a");
		CHECK_STR(fleet_view_current_etag(&v, z), snapshot_table_for(s2, "zone-a")->etag[SNAP_GZIP]);
	}
	fleet_view_free(&v);
	/* The stale clients' table is still served by its tag, in any spelling. */
	const snapshot_table *t1;
	char bare[ETAG_MAX];
	snprintf(bare, sizeof bare, "%.32s", s1->full.etag[SNAP_PLAIN] + 1);
	const char *spellings[] = { s1->full.etag[SNAP_PLAIN], s1->full.etag[SNAP_GZIP], bare };
	for (int i = 0; i < 3; i++) {
		snapshot *k = fleet_find_table(f, spellings[i], &t1);
		CHECK(k == s1 && t1 == &s1->full);
		snapshot_release(k);
	}
	snapshot *k = fleet_find_table(f, snapshot_table_for(s2, "zone-a")->etag[SNAP_PLAIN], &t1);
	CHECK(k == s2 && t1 == snapshot_table_for(s2, "zone-a"));
	snapshot_release(k);
	CHECK(fleet_find_table(f, "\"00000000000000000000000000000000\"", &t1) == NULL);
	CHECK(fleet_find_table(f, "nonsense", &t1) == NULL);
	CHECK(fleet_find_table(f, "\"", &t1) == NULL);
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

/* A 200 counts once its body was sent whole: a download that failed leaves the client on
 * the table it had, stale, for longer and longer. */
TEST(a_table_is_held_once_it_arrived)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 30000);
	snapshot *s1 = publish(&slot, f, "a: * -> <shunt>", NULL);
	who w = { "10.0.0.1", "s", "slow", NULL };
	int64_t t = now_ns();
	uint64_t key = download_at(f, w, s1, t);
	fleet_view v;
	fleet_view_take(f, &v);
	bool cur = true;
	const fleet_client *c = find_client(&v, "slow", &cur);
	CHECK(c && !cur && c->etag[0] == 0 && c->polls == 1);   /* polled, holds nothing yet */
	fleet_view_free(&v);
	fleet_served(f, key, s1->full.etag[SNAP_GZIP], s1->seq, t + 5 * MS);
	fleet_view_take(f, &v);
	c = find_client(&v, "slow", &cur);
	CHECK(c && cur && c->since == t + 5 * MS);
	if (c) CHECK_STR(c->etag, s1->full.etag[SNAP_GZIP]);
	CHECK(v.stale_for[0] == 0);
	fleet_view_free(&v);
	/* s2: the download is answered, never arrives (no fleet_served): still on s1 */
	snapshot *s2 = publish(&slot, f, "b: * -> <shunt>", NULL);
	download_at(f, w, s2, now_ns());
	struct timespec pause = { 0, 20 * MS };
	nanosleep(&pause, NULL);
	fleet_view_take(f, &v);
	c = find_client(&v, "slow", &cur);
	CHECK(c && !cur && c->polls == 2);
	if (c) CHECK_STR(c->etag, s1->full.etag[SNAP_GZIP]);
	CHECK(v.stale_for[0] >= 0.02);   /* since s2 was published */
	fleet_view_free(&v);
	CHECK(metric("routesrv_fleet_longest_stale_seconds") >= 0.02);
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

/* The client with that identity as a view shows it now (zeroed when absent). */
static fleet_client client_now(fleet *f, const char *identity)
{
	fleet_view v;
	fleet_view_take(f, &v);
	const fleet_client *c = find_client(&v, identity, NULL);
	fleet_client copy = c ? *c : (fleet_client){ 0 };
	fleet_view_free(&v);
	return copy;
}

/* A 304 that confirms the tag a client was last recorded with only counts the poll; one on
 * another path, or from another publication, is recorded whole although the tag is the same
 * string (an unknown zone gets the full table: /routes and /routes/zone-x share one tag). */
TEST(a_repeated_tag_on_another_path_or_table_is_recorded)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 30000);
	snapshot *s1 = publish(&slot, f, "a: * -> <shunt>", NULL);
	int64_t t = now_ns();
	who full = { "10.0.0.1", "s", "moving", NULL }, unknown = { "10.0.0.1", "s", "moving", "zone-x" },
	    other = { "10.0.0.1", "s", "moving", "zone-y" };
	poll_at(f, full, s1, false, t);
	poll_at(f, full, s1, false, t + 1 * MS);
	poll_at(f, unknown, s1, false, t + 2 * MS);
	fleet_client c = client_now(f, "moving");
	CHECK(c.polls == 3 && c.last_seen == t + 2 * MS && c.has_zone);
	CHECK_STR(c.zone, "zone-x");
	poll_at(f, other, s1, false, t + 3 * MS);
	poll_at(f, full, s1, false, t + 4 * MS);
	c = client_now(f, "moving");
	CHECK(c.polls == 5 && !c.has_zone);
	/* the same bytes published again: the same tag, a later table (s1 held for the
	 * comparison: once replaced, the fleet's thread may free it at any time) */
	snapshot_ref(s1);
	snapshot *s2 = publish(&slot, f, "a: * -> <shunt>", NULL);
	CHECK_STR(s2->full.etag[SNAP_PLAIN], s1->full.etag[SNAP_PLAIN]);
	snapshot_release(s1);
	poll_at(f, full, s2, false, t + 5 * MS);
	c = client_now(f, "moving");
	CHECK(c.polls == 6 && c.seq == s2->seq && c.since == t);
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

/* At the cap, a new client replaces the least recently seen one. */
TEST(cap_replaces_least_recently_seen)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 3, 30000);
	snapshot *s = publish(&slot, f, "a: * -> <shunt>", NULL);
	int64_t t = now_ns();
	poll_at(f, (who){ "10.0.0.1", "s", "a", NULL }, s, true, t - 4 * MS);
	poll_at(f, (who){ "10.0.0.1", "s", "b", NULL }, s, true, t - 3 * MS);
	poll_at(f, (who){ "10.0.0.1", "s", "c", NULL }, s, true, t - 2 * MS);
	poll_at(f, (who){ "10.0.0.1", "s", "a", NULL }, s, true, t - 1 * MS);   /* a is recent again */
	poll_at(f, (who){ "10.0.0.1", "s", "d", NULL }, s, true, t);            /* b goes */
	fleet_view v;
	fleet_view_take(f, &v);
	CHECK_INT(v.n, 3);
	CHECK(find_client(&v, "a", NULL) && find_client(&v, "c", NULL) && find_client(&v, "d", NULL));
	CHECK(find_client(&v, "b", NULL) == NULL);
	CHECK_INT(v.evicted, 1);
	fleet_view_free(&v);
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

/* A client not seen for the expiry leaves the fleet: it is not listed, its place goes to a
 * new client without counting as an eviction, and when it comes back it starts over. */
TEST(expiry)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 2, 1000);
	snapshot *s = publish(&slot, f, "a: * -> <shunt>", NULL);
	int64_t t = now_ns();
	who gone = { "10.0.0.1", "s", "gone", NULL }, here = { "10.0.0.1", "s", "here", NULL };
	poll_at(f, gone, s, true, t - 3000 * MS);
	poll_at(f, gone, s, true, t - 2000 * MS);
	poll_at(f, here, s, true, t);
	fleet_view v;
	fleet_view_take(f, &v);
	CHECK_INT(v.n, 1);
	CHECK(find_client(&v, "here", NULL) != NULL);
	fleet_view_free(&v);
	poll_at(f, (who){ "10.0.0.2", "s", "new", NULL }, s, true, t + 1);   /* takes gone's place */
	fleet_view_take(f, &v);
	CHECK_INT(v.n, 2);
	CHECK(find_client(&v, "new", NULL) && find_client(&v, "here", NULL));
	CHECK_INT(v.evicted, 0);
	fleet_view_free(&v);
	poll_at(f, gone, s, true, t + 2);   /* back: the least recently seen live client goes */
	fleet_view_take(f, &v);
	const fleet_client *c = find_client(&v, "gone", NULL);
	CHECK(c != NULL);
	if (c) CHECK_INT(c->polls, 1);
	CHECK(find_client(&v, "here", NULL) == NULL);
	CHECK_INT(v.evicted, 1);
	fleet_view_free(&v);
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

typedef struct {
	fleet *f;
	const snapshot *s;
	int id, polls, clients;
} worker;

static void *poll_many(void *ctx)
{
	worker *w = ctx;
	char identity[32];
	for (int i = 0; i < w->polls; i++) {
		snprintf(identity, sizeof identity, "pod-%d", (i + w->id) % w->clients);
		poll_at(w->f, (who){ "10.0.0.1", "skipper", identity, NULL }, w->s, true, now_ns());
	}
	return NULL;
}

/* Request threads poll at once, for the same and for different clients: every poll is
 * counted once, and the cap holds. */
TEST(concurrent_polls)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	for (int round = 0; round < 2; round++) {
		size_t cap = round == 0 ? 4096 : 100;
		fleet *f = new_fleet(&slot, cap, 30000);
		snapshot *s = publish(&slot, f, "a: * -> <shunt>", NULL);
		enum { THREADS = 4, POLLS = 20000, CLIENTS = 300 };
		pthread_t th[THREADS];
		worker w[THREADS];
		for (int i = 0; i < THREADS; i++) {
			w[i] = (worker){ f, s, i, POLLS, CLIENTS };
			pthread_create(&th[i], NULL, poll_many, &w[i]);
		}
		for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
		fleet_view v;
		fleet_view_take(f, &v);
		unsigned long polls = 0;
		for (size_t i = 0; i < v.n; i++) polls += v.clients[i].polls;
		if (round == 0) {
			CHECK_INT(v.n, CLIENTS);
			CHECK_INT(polls, THREADS * POLLS);
			CHECK_INT(v.evicted, 0);
		} else {
			CHECK(v.n <= cap);
			CHECK(v.n >= cap * 3 / 4);
			CHECK(v.evicted > 0);
		}
		fleet_view_free(&v);
		fleet_free(f);
	}
	snapshot_slot_clear(&slot);
}

/* A histogram's count (0 before its first observation). */
static double count_of(const char *histogram)
{
	char series[128];
	snprintf(series, sizeof series, "%s_count", histogram);
	double v = metric(series);
	return v < 0 ? 0 : v;
}


static bool wait_metric(const char *series, double want)
{
	for (int i = 0; i < 500; i++) {
		if (metric(series) >= want) return true;
		struct timespec ten_ms = { 0, 10 * MS };
		nanosleep(&ten_ms, NULL);
	}
	return false;
}

/* A table converges when every active client holds it; the time is that of the last poll
 * that took it, not of the check. A table replaced first is counted as cut. */
TEST(convergence)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 30000);
	double before = count_of("routesrv_fleet_convergence_seconds");
	snapshot *s1 = publish(&slot, f, "a: * -> <shunt>", NULL);
	char s1_tag[ETAG_MAX];   /* s1 goes once nobody holds it */
	memcpy(s1_tag, s1->full.etag[SNAP_PLAIN], ETAG_MAX);
	who a = { "10.0.0.1", "s", "a", NULL }, b = { "10.0.0.2", "s", "b", NULL };
	poll_at(f, a, s1, true, now_ns());
	poll_at(f, b, s1, true, now_ns());
	CHECK(wait_metric("routesrv_fleet_convergence_seconds_count", before + 1));
	double sum0 = metric("routesrv_fleet_convergence_seconds_sum");
	snapshot *s2 = publish(&slot, f, "b: * -> <shunt>", NULL);
	int64_t t = now_ns();
	poll_at(f, a, s2, true, t + 2000 * MS);
	/* b still holds s1: nothing converges */
	struct timespec pause = { 0, 300 * MS };
	nanosleep(&pause, NULL);
	CHECK(metric("routesrv_fleet_convergence_seconds_count") == before + 1);
	const snapshot_table *old;
	snapshot *kept = fleet_find_table(f, s1_tag, &old);
	CHECK(kept == s1);   /* b's table is kept */
	snapshot_release(kept);
	poll_at(f, b, s2, false, t + 3000 * MS);
	CHECK(wait_metric("routesrv_fleet_convergence_seconds_count", before + 2));
	double took = metric("routesrv_fleet_convergence_seconds_sum") - sum0;
	CHECK(took >= 3.0 && took < 4.0);   /* b's poll, 3 s after t, which follows the publication */
	CHECK(fleet_find_table(f, s1_tag, &old) == NULL);   /* nobody holds it */
	/* s3 is replaced by s4 before a and b take it */
	double cut0 = metric("routesrv_fleet_convergence_cut_total");
	publish(&slot, f, "c: * -> <shunt>", NULL);
	snapshot *s4 = publish(&slot, f, "d: * -> <shunt>", NULL);
	CHECK(metric("routesrv_fleet_convergence_cut_total") == cut0 + 1);
	poll_at(f, a, s4, true, now_ns());
	poll_at(f, b, s4, true, now_ns());
	CHECK(wait_metric("routesrv_fleet_convergence_seconds_count", before + 3));
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

/* A client that stops polling holds a table back until it leaves the fleet: the time is its
 * last poll plus the expiry. */
TEST(convergence_waits_for_a_silent_client_to_leave)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 500);
	snapshot *s1 = publish(&slot, f, "a: * -> <shunt>", NULL);
	who a = { "10.0.0.1", "s", "a", NULL }, silent = { "10.0.0.2", "s", "silent", NULL };
	poll_at(f, silent, s1, true, now_ns());
	poll_at(f, a, s1, true, now_ns());
	double count = count_of("routesrv_fleet_convergence_seconds");
	CHECK(wait_metric("routesrv_fleet_convergence_seconds_count", count + 1));
	double sum0 = metric("routesrv_fleet_convergence_seconds_sum");
	int64_t last = now_ns();
	poll_at(f, silent, s1, true, last);
	snapshot *s2 = publish(&slot, f, "b: * -> <shunt>", NULL);
	poll_at(f, a, s2, true, now_ns());
	CHECK(wait_metric("routesrv_fleet_convergence_seconds_count", count + 2));
	double took = metric("routesrv_fleet_convergence_seconds_sum") - sum0;
	CHECK(took > 0.3 && took <= 0.5);   /* the silent client left 500 ms after its last poll */
	fleet_free(f);
	snapshot_slot_clear(&slot);
}

TEST(views_render)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *f = new_fleet(&slot, 100, 30000);
	snapshot *s1 = publish(&slot, f, "a: * -> <shunt>", "a: * -> <shunt>");
	poll_at(f, (who){ "10.0.0.1", "Go-http-client/1.1", NULL, NULL }, s1, true, now_ns());
	snapshot *s2 = publish(&slot, f, "b: * -> <shunt>", NULL);
	poll_at(f, (who){ "10.0.0.22", "curl", "pod\n\"x\"", "zone-a" }, s2, false, now_ns());
	fleet_view v;
	fleet_view_take(f, &v);
	buf json = BUF_INIT;
	fleet_render_json(&v, false, &json);
	jv doc = jv_parse(json.ptr);
	CHECK(jv_is_valid(doc));
	if (jv_is_valid(doc)) {
		jv summary = jv_object_get(jv_copy(doc), jv_string("summary"));
		CHECK_INT(jv_number_value(jv_object_get(jv_copy(summary), jv_string("clients"))), 2);
		CHECK_INT(jv_number_value(jv_object_get(jv_copy(summary), jv_string("stale"))), 1);
		CHECK_INT(jv_number_value(jv_object_get(summary, jv_string("tables"))), 2);
		jv clients = jv_object_get(jv_copy(doc), jv_string("clients"));
		jv first = jv_array_get(jv_copy(clients), 0), second = jv_array_get(clients, 1);
		jv state = jv_object_get(jv_copy(first), jv_string("state"));
		CHECK_STR(jv_string_value(state), "stale");
		jv identity = jv_object_get(jv_copy(first), jv_string("identity"));
		CHECK(jv_get_kind(identity) == JV_KIND_NULL);
		jv path = jv_object_get(jv_copy(second), jv_string("path"));
		CHECK_STR(jv_string_value(path), "/routes/zone-a");
		jv id2 = jv_object_get(jv_copy(second), jv_string("identity"));
		CHECK_STR(jv_string_value(id2), "pod\n\"x\"");
		jv_free(state);
		jv_free(identity);
		jv_free(path);
		jv_free(id2);
		jv_free(first);
		jv_free(second);
	}
	jv_free(doc);
	buf_reset(&json);
	fleet_render_json(&v, true, &json);
	doc = jv_parse(json.ptr);
	jv clients = jv_object_get(doc, jv_string("clients"));
	CHECK_INT(jv_array_length(clients), 1);
	buf_free(&json);
	buf text = BUF_INIT;
	fleet_render_text(&v, false, &text);
	/* the columns line up: every row has its ETag where the header has ETAG */
	const char *head = strstr(text.ptr, "ADDRESS");
	CHECK(head != NULL);
	if (head) {
		size_t col = (size_t)(strstr(head, "ETAG") - head);
		const char *row = strchr(head, '\n') + 1;
		for (int i = 0; i < 2; i++) {
			CHECK(row[col] == '"');
			row = strchr(row, '\n') + 1;
		}
		CHECK(strstr(head, "pod?\"x\"") != NULL);   /* control bytes do not break rows */
	}
	buf_free(&text);
	fleet_view_free(&v);
	CHECK(metric("routesrv_fleet_clients{state=\"stale\"}") == 1);
	CHECK(metric("routesrv_fleet_clients{state=\"current\"}") == 1);
	CHECK(metric("routesrv_fleet_tables") == 2);
	fleet_free(f);
	CHECK(metric("routesrv_fleet_tables") == -1);   /* the source goes with the fleet */
	snapshot_slot_clear(&slot);
}

int main(void)
{
	RUN(clients_are_address_agent_and_identity);
	RUN(current_and_stale_across_gzip_and_zones);
	RUN(a_table_is_held_once_it_arrived);
	RUN(a_repeated_tag_on_another_path_or_table_is_recorded);
	RUN(cap_replaces_least_recently_seen);
	RUN(expiry);
	RUN(concurrent_polls);
	RUN(convergence);
	RUN(convergence_waits_for_a_silent_client_to_leave);
	RUN(views_render);
	return TEST_SUMMARY();
}
