/* Tests for snapshot.c: representations, ETags, zones and the publish/acquire protocol. */
#include <string.h>

#include "table/etag.h"
#include "base/gzip.h"
#include "http/snapshot.h"
#include "test.h"

static buf text(const char *s)
{
	buf b = BUF_INIT;
	buf_puts(&b, s);
	return b;
}

static snapshot *make(const char *doc, size_t count)
{
	buf b = text(doc);
	snapshot *s = snapshot_new(1772532000, &b, count);
	CHECK_INT(b.len, 0);   /* taken over */
	return s;
}

TEST(representations_and_etags)
{
	const char *doc = "a: Path(\"/a\") -> <shunt>;\nb: * -> \"http://b\"";
	snapshot *s = make(doc, 2);
	char want[ETAG_MAX], want_gz[ETAG_MAX];
	etag_of(doc, strlen(doc), false, want);
	etag_of(doc, strlen(doc), true, want_gz);
	CHECK_STR(s->full.etag[SNAP_PLAIN], want);
	CHECK_STR(s->full.etag[SNAP_GZIP], want_gz);
	CHECK_INT(s->full.count, 2);
	CHECK_INT(s->full.len[SNAP_PLAIN], strlen(doc));
	CHECK(memcmp(s->full.bytes[SNAP_PLAIN], doc, strlen(doc)) == 0);
	buf plain = BUF_INIT, err = BUF_INIT;
	CHECK_INT(gzip_decompress(&plain, s->full.bytes[SNAP_GZIP], s->full.len[SNAP_GZIP], 0, &err), 0);
	CHECK_INT(plain.len, strlen(doc));
	CHECK(plain.ptr && memcmp(plain.ptr, doc, plain.len) == 0);
	for (int enc = SNAP_PLAIN; enc <= SNAP_GZIP; enc++)
		CHECK(s->full.ok[enc] && s->full.not_modified[enc] && s->full.failed[enc]);
	buf_free(&plain);
	buf_free(&err);
	snapshot_release(s);
}

TEST(zones_share_identical_documents)
{
	snapshot *s = make("a: * -> <roundRobin, \"http://1\", \"http://2\">", 1);
	buf same = text("a: * -> <roundRobin, \"http://1\", \"http://2\">");
	buf other = text("a: * -> <roundRobin, \"http://1\">");
	snapshot_add_zone(s, "zone-b", &same, 1);
	snapshot_add_zone(s, "zone-a", &other, 1);
	snapshot_seal(s);
	CHECK_INT(s->nzones, 2);
	CHECK(snapshot_table_for(s, "zone-b") == &s->full);
	const snapshot_table *a = snapshot_table_for(s, "zone-a");
	CHECK(a != &s->full);
	CHECK(strcmp(a->etag[SNAP_PLAIN], s->full.etag[SNAP_PLAIN]) != 0);
	CHECK(strstr(a->etag[SNAP_GZIP], "+gzip\"") != NULL);
	CHECK(snapshot_table_for(s, "unknown") == &s->full);
	CHECK(snapshot_table_for(s, NULL) == &s->full);
	snapshot_release(s);
}

TEST(zone_lookup_after_sorting)
{
	const char *names[] = { "z3", "a1", "m2", "b0" };
	snapshot *s = make("r: * -> <shunt>", 1);
	for (int i = 0; i < 4; i++) {
		char doc[64];
		snprintf(doc, sizeof doc, "r: * -> \"http://%s\"", names[i]);
		buf b = text(doc);
		snapshot_add_zone(s, names[i], &b, 1);
	}
	snapshot_seal(s);
	for (int i = 0; i < 4; i++) {
		char doc[64];
		snprintf(doc, sizeof doc, "r: * -> \"http://%s\"", names[i]);
		const snapshot_table *t = snapshot_table_for(s, names[i]);
		CHECK(t->len[SNAP_PLAIN] == strlen(doc) && memcmp(t->bytes[SNAP_PLAIN], doc, strlen(doc)) == 0);
	}
	snapshot_release(s);
}

TEST(publish_keeps_acquired_snapshot_alive)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	CHECK(snapshot_acquire(&slot) == NULL);
	CHECK(!snapshot_slot_ready(&slot));
	snapshot_publish(&slot, make("a: * -> <shunt>", 1));
	CHECK(snapshot_slot_ready(&slot));
	snapshot *held = snapshot_acquire(&slot);
	CHECK(held != NULL);
	CHECK_INT(atomic_load(&held->refs), 2);
	snapshot_publish(&slot, make("b: * -> <shunt>", 1));
	/* The request's snapshot is whole and unchanged after the swap. */
	CHECK_INT(atomic_load(&held->refs), 1);
	CHECK(memcmp(held->full.bytes[SNAP_PLAIN], "a: ", 3) == 0);
	snapshot *now = snapshot_acquire(&slot);
	CHECK(now != held);
	CHECK(memcmp(now->full.bytes[SNAP_PLAIN], "b: ", 3) == 0);
	snapshot_release(held);
	snapshot_release(now);
	snapshot_slot_clear(&slot);
	CHECK(snapshot_acquire(&slot) == NULL);
}

/* A request knows which publication answered it: each one numbers its table. */
TEST(publish_numbers_tables)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	snapshot *a = make("a: * -> <shunt>", 1), *b = make("b: * -> <shunt>", 1);
	CHECK_INT(a->seq, 0);
	snapshot_publish(&slot, a);
	CHECK_INT(a->seq, 1);
	snapshot_publish(&slot, b);
	CHECK_INT(b->seq, 2);
	snapshot_slot_clear(&slot);
}

static snapshot *at(time_t last_modified, const char *doc)
{
	buf b = text(doc);
	return snapshot_new(last_modified, &b, 1);
}

/* Issue 11 item 5: Last-Modified is the time of the change; a table published in the second
 * of an earlier table's Last-Modified (or after the clock went back) is dated only from
 * the second after it. */
TEST(publish_dates_tables_apart_within_one_second)
{
	snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	const time_t t = 1772532000;
	snapshot *a = at(t, "a: * -> <shunt>");
	snapshot_publish(&slot, a);
	CHECK_INT(a->last_modified, t);
	CHECK_INT(a->dated_from, t);
	snapshot *b = at(t, "b: * -> <shunt>");
	snapshot_publish(&slot, b);
	CHECK_INT(b->last_modified, t);   /* never ahead of the time of the change */
	CHECK_INT(b->dated_from, t + 1);
	snapshot *c = at(t, "c: * -> <shunt>");
	snapshot_publish(&slot, c);
	CHECK_INT(c->dated_from, t + 1);
	snapshot *d = at(t + 2, "d: * -> <shunt>");
	snapshot_publish(&slot, d);
	CHECK_INT(d->dated_from, t + 2);
	snapshot *e = at(t - 10, "e: * -> <shunt>");   /* the clock was set back */
	snapshot_publish(&slot, e);
	CHECK_INT(e->last_modified, t - 10);
	CHECK_INT(e->dated_from, t + 3);
	snapshot_slot_clear(&slot);
}

int main(void)
{
	RUN(representations_and_etags);
	RUN(zones_share_identical_documents);
	RUN(zone_lookup_after_sorting);
	RUN(publish_keeps_acquired_snapshot_alive);
	RUN(publish_numbers_tables);
	RUN(publish_dates_tables_apart_within_one_second);
	return TEST_SUMMARY();
}
