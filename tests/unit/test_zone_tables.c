/* Per-zone tables (B7.5): threshold of 3 endpoints, opt-out filter, routes never dropped,
 * unknown zones served the full table. */
#include <stdlib.h>

#include "base/gzip.h"
#include "eskip/eskip.h"
#include "table/zone_tables.h"
#include "test.h"

static route_table *parse(const char *text)
{
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	if (eskip_parse(t, text, strlen(text), &err, NULL) != 0)
		printf("  parse error: %s\n", err.ptr);
	buf_free(&err);
	route_table_canonicalize(t);
	return t;
}

static const char *served(const route_table *t)
{
	static buf out;
	buf_free(&out);
	served_form_print(&out, t);
	buf_putc(&out, 0);
	return out.ptr;
}

#define EP(n, z) "\"http://10.0.0." #n ":80?zone=" z "\""

/* A: 4 endpoints in z1 and 4 in z2; B: 1 in z1, 4 in z2; C: 4 in z1, 4 in z2 but opted out;
 * D: no endpoints; E: 3 in z1 and 2 in z3. */
static const char *const table_text =
	"A: Path(\"/a\") -> <roundRobin, " EP(1, "z1") ", " EP(2, "z1") ", " EP(3, "z1") ", " EP(4, "z1") ", "
	EP(5, "z2") ", " EP(6, "z2") ", " EP(7, "z2") ", " EP(8, "z2") ">;\n"
	"B: Path(\"/b\") -> <roundRobin, " EP(11, "z1") ", " EP(12, "z2") ", " EP(13, "z2") ", " EP(14, "z2") ", "
	EP(15, "z2") ">;\n"
	"C: Path(\"/c\") -> annotate(\"zalando.org/traffic-zone-aware\", \"false\") -> <roundRobin, " EP(21, "z1") ", "
	EP(22, "z1") ", " EP(23, "z1") ", " EP(24, "z1") ", " EP(25, "z2") ", " EP(26, "z2") ", " EP(27, "z2") ", "
	EP(28, "z2") ">;\n"
	"D: Path(\"/d\") -> <shunt>;\n"
	"E: Path(\"/e\") -> <roundRobin, " EP(31, "z1") ", " EP(32, "z1") ", " EP(33, "z1") ", " EP(34, "z3") ", "
	EP(35, "z3") ">;\n"
	"F: Path(\"/f\") -> <roundRobin, \"http://10.0.0.41:80\", \"http://10.0.0.42:80\", \"http://10.0.0.43:80\">;";

static size_t endpoints_of(const route_table *t, const char *id, const char *zone, size_t *in_zone)
{
	for (size_t i = 0; i < t->n; i++)
		if (str_eq_c(t->routes[i].id, id)) {
			*in_zone = 0;
			for (size_t j = 0; j < t->routes[i].nendpoints; j++)
				*in_zone += str_eq_c(t->routes[i].endpoints[j].zone, zone);
			return t->routes[i].nendpoints;
		}
	return (size_t)-1;
}

TEST(zone_set)
{
	route_table *t = parse(table_text);
	zone_tables *z = zone_tables_build(t);
	CHECK_INT(z->n, 3);
	CHECK_STR(z->v[0].zone.ptr, "z1");
	CHECK_STR(z->v[1].zone.ptr, "z2");
	CHECK_STR(z->v[2].zone.ptr, "z3");
	for (size_t i = 0; i < z->n; i++)
		CHECK_INT(z->v[i].table->n, t->n);   /* X-Count is the full count */
	CHECK(zone_tables_find(z, str_c("z2")) == &z->v[1]);
	CHECK(zone_tables_find(z, str_c("eu-central-1x")) == NULL);
	CHECK(zone_tables_find(z, str_c("")) == NULL);
	zone_tables_free(z);
	route_table_free(t);
}

TEST(threshold_and_opt_out)
{
	route_table *t = parse(table_text);
	zone_tables *z = zone_tables_build(t);
	const route_table *z1 = zone_tables_find(z, str_c("z1"))->table;
	const route_table *z2 = zone_tables_find(z, str_c("z2"))->table;
	const route_table *z3 = zone_tables_find(z, str_c("z3"))->table;
	size_t in;
	CHECK_INT(endpoints_of(z1, "A", "z1", &in), 4);  CHECK_INT(in, 4);   /* filtered */
	CHECK_INT(endpoints_of(z2, "A", "z2", &in), 4);  CHECK_INT(in, 4);
	CHECK_INT(endpoints_of(z1, "B", "z1", &in), 5);  CHECK_INT(in, 1);   /* 1 in z1: unchanged */
	CHECK_INT(endpoints_of(z2, "B", "z2", &in), 4);  CHECK_INT(in, 4);
	CHECK_INT(endpoints_of(z1, "C", "z1", &in), 8);                        /* opted out */
	CHECK_INT(endpoints_of(z2, "C", "z2", &in), 8);
	CHECK_INT(endpoints_of(z1, "D", "z1", &in), 0);                        /* no endpoints */
	CHECK_INT(endpoints_of(z1, "E", "z1", &in), 3);  CHECK_INT(in, 3);   /* exactly 3: filtered */
	CHECK_INT(endpoints_of(z3, "E", "z3", &in), 5);  CHECK_INT(in, 2);   /* 2: unchanged */
	CHECK_INT(endpoints_of(z1, "F", "z1", &in), 3);                        /* zone-less endpoints */
	CHECK_INT(zone_tables_find(z, str_c("z1"))->nfiltered, 2);
	CHECK_INT(zone_tables_find(z, str_c("z2"))->nfiltered, 2);
	CHECK_INT(zone_tables_find(z, str_c("z3"))->nfiltered, 0);
	/* z3 filters nothing: byte-identical to the full table. */
	char *full = strdup(served(t));
	CHECK_STR(served(z3), full);
	free(full);
	/* The full table is untouched. */
	CHECK_INT(endpoints_of(t, "A", "z1", &in), 8);
	zone_tables_free(z);
	route_table_free(t);
}

TEST(printed_zone_table)
{
	route_table *t = parse("r: * -> <roundRobin, " EP(1, "a") ", " EP(2, "b") ", " EP(3, "a") ", " EP(4, "a") ">;\n"
			       "s: * -> <shunt>;");
	route_table *za = zone_table_build(t, str_c("a"), NULL);
	CHECK_STR(served(za), "r: * -> <roundRobin, \"http://10.0.0.1:80?zone=a\", \"http://10.0.0.3:80?zone=a\", "
			      "\"http://10.0.0.4:80?zone=a\">;\ns: * -> <shunt>;");
	route_table_free(za);
	/* Any zone name works with zone_table_build; an unknown one changes nothing. */
	route_table *zx = zone_table_build(t, str_c("nowhere"), NULL);
	char *full = strdup(served(t));
	CHECK_STR(served(zx), full);
	free(full);
	route_table_free(zx);
	route_table_free(t);
}

TEST(opt_out_needs_exact_filter)
{
	route_table *t = parse(
		"a: * -> annotate(\"zalando.org/traffic-zone-aware\", \"true\") -> <roundRobin, " EP(1, "z") ", " EP(2, "z") ", "
		EP(3, "z") ", " EP(4, "y") ">;\n"
		"b: * -> annotate(\"zalando.org/traffic-zone-aware\", \"false\", \"x\") -> <roundRobin, " EP(11, "z") ", "
		EP(12, "z") ", " EP(13, "z") ", " EP(14, "y") ">;\n"
		"c: * -> Annotate(\"zalando.org/traffic-zone-aware\", \"false\") -> <roundRobin, " EP(21, "z") ", "
		EP(22, "z") ", " EP(23, "z") ", " EP(24, "y") ">;\n"
		"d: * -> status(200) -> annotate(\"zalando.org/traffic-zone-aware\", \"false\") -> <roundRobin, " EP(31, "z") ", "
		EP(32, "z") ", " EP(33, "z") ", " EP(34, "y") ">;");
	route_table *z = zone_table_build(t, str_c("z"), NULL);
	size_t in;
	CHECK_INT(endpoints_of(z, "a", "z", &in), 3);
	CHECK_INT(endpoints_of(z, "b", "z", &in), 3);
	CHECK_INT(endpoints_of(z, "c", "z", &in), 3);
	CHECK_INT(endpoints_of(z, "d", "z", &in), 4);   /* opted out anywhere in the chain */
	route_table_free(z);
	route_table_free(t);
}

TEST(no_zones)
{
	route_table *t = parse("a: * -> <shunt>; b: * -> <roundRobin, \"http://1:80\", \"http://2:80\", \"http://3:80\">;");
	zone_tables *z = zone_tables_build(t);
	CHECK_INT(z->n, 0);
	CHECK(zone_tables_find(z, str_c("a")) == NULL);
	zone_tables_free(z);
	route_table *empty = route_table_new();
	z = zone_tables_build(empty);
	CHECK_INT(z->n, 0);
	zone_tables_free(z);
	route_table_free(empty);
	route_table_free(t);
}

/* A zone document as served: its plain segments equal want, its gzip segments decompress
 * to want, and its ETags are those of want. */
static void check_served_doc(const zone_doc *z, const served_doc *d, const char *want)
{
	buf got = BUF_INIT, gz = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	if (z->nshortened)
		zone_doc_write(&got, z, ZONE_PLAIN, d->doc.ptr);
	else   /* nothing shortened: no document of its own, the full one is served */
		buf_append(&got, d->doc.ptr, d->doc.len);
	buf_putc(&got, 0);
	CHECK_STR(got.ptr, want);
	if (z->nshortened) {
		CHECK_INT(z->len[ZONE_PLAIN], strlen(want));
		char tag[ETAG_MAX], gztag[ETAG_MAX];
		etag_pair(want, strlen(want), tag, gztag);
		CHECK_STR(z->etag[ZONE_PLAIN], tag);
		CHECK_STR(z->etag[ZONE_GZIP], gztag);
	}
	if (z->nseg[ZONE_GZIP]) {   /* spliced (else the server compresses the one piece whole) */
		CHECK(z->nseg[ZONE_PLAIN] > 1);
		zone_doc_write(&gz, z, ZONE_GZIP, d->doc.ptr);
		CHECK_INT(gz.len, z->len[ZONE_GZIP]);
		CHECK(gzip_decompress(&plain, gz.ptr, gz.len, 0, &err) == 0);
		buf_putc(&plain, 0);
		CHECK_STR(plain.ptr, want);
	}
	buf_free(&got);
	buf_free(&gz);
	buf_free(&plain);
	buf_free(&err);
}

/* Every zone's document made from the full one (served_doc, zone_doc_print, zone_docs_build)
 * has the bytes of the zone table printed on its own; zone names and one unknown zone. */
static void check_documents(const route_table *t, const char *const *zones, size_t nzones)
{
	served_doc d = { .doc = BUF_INIT };
	served_doc_print(&d, t);
	buf_putc(&d.doc, 0);
	CHECK_STR(d.doc.ptr, served(t));
	d.doc.len--;
	zone_docs *docs = zone_docs_build(t, &d, ZONE_DEFAULT_MAX_ZONES);
	CHECK_INT(docs->n, nzones);
	CHECK_INT(docs->nzones, nzones);
	for (size_t i = 0; i <= nzones; i++) {
		str zone = str_c(i < nzones ? zones[i] : "unknown-zone");
		size_t want_filtered;
		route_table *z = zone_table_build(t, zone, &want_filtered);
		const char *want = served(z);
		buf got = BUF_INIT;
		CHECK_INT(zone_doc_print(&got, t, &d, zone), want_filtered);
		buf_putc(&got, 0);
		CHECK_STR(got.ptr, want);
		if (i < nzones) {
			CHECK_STR(docs->v[i].zone.ptr, zones[i]);
			CHECK_INT(docs->v[i].nfiltered, want_filtered);
			check_served_doc(&docs->v[i], &d, want);
		}
		buf_free(&got);
		route_table_free(z);
	}
	zone_docs_free(docs);
	served_doc_free(&d);
}

TEST(documents_from_the_full_document)
{
	static const char *const zones[] = { "z1", "z2", "z3" };
	route_table *t = parse(table_text);
	check_documents(t, zones, 3);
	route_table_free(t);
}

/* Routes whose text is not the plain shape are printed: escaped addresses, zones that need
 * query escaping, a non-LB backend that still has endpoints, an id-less route among others. */
TEST(documents_of_unusual_routes)
{
	static const char *const zones[] = { "z 1", "z1", "z2", "z3" };
	route_table *t = parse(table_text);
	t->routes[0].endpoints[1].address = str_c("http://10.0.0.2:80/\"quoted\\");
	for (size_t j = 0; j < 4; j++)
		t->routes[1].endpoints[j + 1].zone = str_c("z 1");
	t->routes[4].backend_type = BACKEND_NETWORK;
	t->routes[4].backend = str_c("http://network.example.org");
	t->routes[5].id = str_c("");
	check_documents(t, zones, 4);
	route_table_free(t);
}

/* One route without id prints as its bare expression, shortened too. */
TEST(documents_of_a_bare_route)
{
	static const char *const zones[] = { "z1", "z2" };
	route_table *t = parse("* -> <roundRobin, " EP(1, "z1") ", " EP(2, "z2") ", " EP(3, "z1") ", " EP(4, "z1") ">");
	CHECK_INT(t->n, 1);
	check_documents(t, zones, 2);
	route_table_free(t);
	route_table *empty = route_table_new();
	check_documents(empty, NULL, 0);
	route_table_free(empty);
}

/* A large table: 3000 routes of about 150 bytes; a tenant's route (r1500) has 3 endpoints in
 * each of 100 zones, r0100 and r2900 have 4 in z-000 and 4 in z-001, so zone documents are
 * spliced from runs of their own and slices of the full document. */
static route_table *large_table(void)
{
	buf text = BUF_INIT;
	for (int i = 0; i < 3000; i++) {
		buf_printf(&text, "r%04d: Path(\"/application-%04d/some/longer/path\") -> setRequestHeader(\"X-App\", \"a%d\") -> ",
			   i, i, i);
		if (i == 1500) {
			buf_puts(&text, "<roundRobin");
			for (int k = 0; k < 300; k++)
				buf_printf(&text, ", \"http://10.1.%d.%d:80?zone=z-%03d\"", k / 200, k % 200, k % 100);
			buf_puts(&text, ">;\n");
		} else if (i == 100 || i == 2900) {
			buf_puts(&text, "<roundRobin");
			for (int k = 0; k < 8; k++)
				buf_printf(&text, ", \"http://10.2.%d.%d:80?zone=z-00%d\"", i / 100, k, k % 2);
			buf_puts(&text, ">;\n");
		} else {
			buf_printf(&text, "\"http://10.3.%d.%d:80\";\n", i / 200, i % 200);
		}
	}
	route_table *t = parse(text.ptr);
	buf_free(&text);
	return t;
}

TEST(spliced_documents_of_many_zones)
{
	route_table *t = large_table();
	CHECK_INT(t->n, 3000);
	served_doc d = { .doc = BUF_INIT };
	served_doc_print(&d, t);
	zone_docs *docs = zone_docs_build(t, &d, 1000);
	CHECK_INT(docs->n, 100);
	size_t spliced = 0;
	for (size_t i = 0; i < docs->n; i++) {
		const zone_doc *z = &docs->v[i];
		route_table *zt = zone_table_build(t, z->zone, NULL);
		check_served_doc(z, &d, served(zt));
		route_table_free(zt);
		spliced += z->nseg[ZONE_GZIP] > 0;
		/* what a zone costs is its own bytes: the routes it shortens (with up to ZONE_GAP_MIN
		 * of the document around them), not the document */
		CHECK(z->own.len < d.doc.len / 5);
		if (strcmp(z->zone.ptr, "z-001") > 0)
			CHECK(z->own.len < 1024);
	}
	CHECK_INT(spliced, 100);
	CHECK(docs->shared.len > 0);
	zone_docs_free(docs);
	served_doc_free(&d);
	route_table_free(t);
}

/* -max-zones: the zones with the most endpoints keep their documents, the others (and any
 * zone no endpoint names) are served the full table. */
TEST(zone_cap_keeps_the_zones_with_most_endpoints)
{
	route_table *t = large_table();
	served_doc d = { .doc = BUF_INIT };
	served_doc_print(&d, t);
	zone_docs *docs = zone_docs_build(t, &d, 2);
	CHECK_INT(docs->nzones, 100);
	CHECK_INT(docs->n, 2);
	/* z-000 and z-001 have 3 + 8 endpoints each, the other 98 zones 3 */
	CHECK_STR(docs->n > 0 ? docs->v[0].zone.ptr : "", "z-000");
	CHECK_STR(docs->n > 1 ? docs->v[1].zone.ptr : "", "z-001");
	zone_docs_free(docs);
	docs = zone_docs_build(t, &d, 0);
	CHECK_INT(docs->n, 0);
	zone_docs_free(docs);
	served_doc_free(&d);
	route_table_free(t);
}

int main(void)
{
	RUN(zone_set);
	RUN(threshold_and_opt_out);
	RUN(printed_zone_table);
	RUN(opt_out_needs_exact_filter);
	RUN(no_zones);
	RUN(documents_from_the_full_document);
	RUN(documents_of_unusual_routes);
	RUN(documents_of_a_bare_route);
	RUN(spliced_documents_of_many_zones);
	RUN(zone_cap_keeps_the_zones_with_most_endpoints);
	return TEST_SUMMARY();
}
