/* Tests for kube_changes.c and the metadata it reads: resourceVersion, the newest
 * managedFields time (read leniently), which objects changed between two reads. */
#include <stdio.h>
#include <string.h>

#include "objects/kube_changes.h"
#include "objects/kube_read.h"
#include "test.h"

/* An object of kind with a resourceVersion and managedFields times (NULL: none). */
static void object(buf *b, const char *kind, const char *name, const char *rv, const char *t1, const char *t2)
{
	buf_printf(b, "%s{\"kind\":\"%s\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"%s\"", b->len > 1 ? "," : "",
		   kind, name);
	if (rv) buf_printf(b, ",\"resourceVersion\":\"%s\"", rv);
	if (t1) {
		buf_printf(b, ",\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\",\"time\":\"%s\"}", t1);
		if (t2) buf_printf(b, ",{\"manager\":\"controller\",\"operation\":\"Update\",\"time\":\"%s\"}", t2);
		buf_puts(b, "]");
	}
	buf_puts(b, "}}");
}

/* Reads a List of the items, strictly as API lists are read: the fields kube_changes reads
 * never fail an object. */
static kube_cluster *read_list(const buf *items)
{
	buf doc = BUF_INIT, err = BUF_INIT;
	buf_printf(&doc, "{\"kind\":\"List\",\"items\":[%s]}", items->ptr + 1);
	kube_cluster *c = kube_cluster_new();
	kube_read_options strict = { .strict = true };
	CHECK_INT(kube_read_buffer(c, doc.ptr, doc.len, "in.json", NULL, &strict, &err), 0);
	buf_free(&doc);
	buf_free(&err);
	return c;
}

TEST(times)
{
	long long t = 0;
	CHECK(kube_parse_time("2026-11-27T11:16:13Z", &t));
	CHECK_INT(t, 1795778173);
	CHECK(kube_parse_time("2026-11-27T11:16:13.999Z", &t));
	CHECK_INT(t, 1795778173);
	CHECK(kube_parse_time("2026-11-27T12:16:13+01:00", &t));
	CHECK_INT(t, 1795778173);
	CHECK(!kube_parse_time("2026-11-27 11:16:13Z", &t));
	CHECK(!kube_parse_time("2026-11-27T11:16:13", &t));
	CHECK(!kube_parse_time("2026-13-27T11:16:13Z", &t));
	CHECK(!kube_parse_time("2026-11-27T11:16:13Zjunk", &t));
	CHECK(!kube_parse_time("", &t));
}

TEST(metadata_is_read_leniently)
{
	buf items = BUF_INIT;
	buf_putc(&items, '[');
	object(&items, "Service", "a", "41", "2026-11-27T11:16:13Z", "2026-11-27T11:20:00Z");
	/* skipper never decodes these fields: other types are ignored, not errors */
	buf_puts(&items, ",{\"kind\":\"Service\",\"metadata\":{\"name\":\"b\",\"resourceVersion\":7,"
			 "\"managedFields\":[{\"time\":5},\"x\",{\"time\":\"yesterday\"}]}}");
	buf_puts(&items, ",{\"kind\":\"Service\",\"metadata\":{\"name\":\"c\",\"managedFields\":{}}}");
	kube_cluster *c = read_list(&items);
	CHECK_INT(c->nservices, 3);
	if (c->nservices == 3) {
		CHECK_STR(c->services[0].meta.resource_version.ptr, "41");
		CHECK_INT(c->services[0].meta.managed_time, 1795778400);
		CHECK_INT(c->services[1].meta.resource_version.len, 0);
		CHECK_INT(c->services[1].meta.managed_time, 0);
		CHECK_INT(c->services[2].meta.managed_time, 0);
	}
	kube_cluster_free(c);
	buf_free(&items);
}

static long long read_and_commit(kube_changes *k, const buf *items)
{
	kube_cluster *c = read_list(items);
	kube_changes_add(k, c);
	kube_cluster_free(c);
	return kube_changes_commit(k);
}

TEST(changed_objects_and_their_newest_time)
{
	kube_changes *k = kube_changes_new();
	buf r1 = BUF_INIT, r2 = BUF_INIT, r3 = BUF_INIT, r4 = BUF_INIT;
	buf_putc(&r1, '[');
	object(&r1, "Ingress", "shop", "10", "2026-11-27T11:00:00Z", NULL);
	object(&r1, "Endpoints", "shop", "11", "2026-11-27T11:00:05Z", NULL);
	object(&r1, "Service", "blog", "12", "2026-11-27T11:00:09Z", NULL);
	/* the first read: everything is new, nothing to measure */
	CHECK_INT(read_and_commit(k, &r1), 0);
	/* the same objects: nothing changed */
	CHECK_INT(read_and_commit(k, &r1), 0);
	/* the Endpoints changed (a pod rolled); the blog Service is older but unchanged */
	buf_putc(&r2, '[');
	object(&r2, "Ingress", "shop", "10", "2026-11-27T11:00:00Z", NULL);
	object(&r2, "Endpoints", "shop", "20", "2026-11-27T11:00:02Z", "2026-11-27T11:05:00Z");
	object(&r2, "Service", "blog", "12", "2026-11-27T11:00:09Z", NULL);
	CHECK_INT(read_and_commit(k, &r2), 1795777500);
	/* a new object, and one deleted (no time) */
	buf_putc(&r3, '[');
	object(&r3, "Ingress", "shop", "10", "2026-11-27T11:00:00Z", NULL);
	object(&r3, "Endpoints", "shop", "20", "2026-11-27T11:00:02Z", "2026-11-27T11:05:00Z");
	object(&r3, "RouteGroup", "new", "30", "2026-11-27T11:06:00Z", NULL);
	CHECK_INT(read_and_commit(k, &r3), 1795777560);
	/* a failed read is forgotten: the next one compares with the last completed read */
	buf_putc(&r4, '[');
	object(&r4, "Ingress", "shop", "40", "2026-11-27T11:07:00Z", NULL);
	kube_cluster *c = read_list(&r4);
	kube_changes_add(k, c);
	kube_cluster_free(c);
	kube_changes_abort(k);
	CHECK_INT(read_and_commit(k, &r3), 0);
	/* the same name in another kind is another object */
	buf r5 = BUF_INIT;
	buf_putc(&r5, '[');
	object(&r5, "Ingress", "shop", "10", "2026-11-27T11:00:00Z", NULL);
	object(&r5, "Endpoints", "shop", "20", "2026-11-27T11:00:02Z", "2026-11-27T11:05:00Z");
	object(&r5, "RouteGroup", "new", "30", "2026-11-27T11:06:00Z", NULL);
	object(&r5, "Service", "shop", "10", "2026-11-27T11:08:00Z", NULL);
	CHECK_INT(read_and_commit(k, &r5), 1795777680);
	/* objects without a resourceVersion never count */
	buf r6 = BUF_INIT;
	buf_putc(&r6, '[');
	object(&r6, "Service", "file", NULL, "2026-11-27T12:00:00Z", NULL);
	CHECK_INT(read_and_commit(k, &r6), 0);
	buf_free(&r1);
	buf_free(&r2);
	buf_free(&r3);
	buf_free(&r4);
	buf_free(&r5);
	buf_free(&r6);
	kube_changes_free(k);
}

int main(void)
{
	RUN(times);
	RUN(metadata_is_read_leniently);
	RUN(changed_objects_and_their_newest_time);
	return TEST_SUMMARY();
}
