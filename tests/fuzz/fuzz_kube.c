/* fuzz_kube: Kubernetes objects (JSON or YAML, as kube_read_buffer detects them) through
 * the whole pipeline with default options (pipeline.h): pipeline_load_buffer (decode, select,
 * compile) → pipeline_process → pipeline_serve and pipeline_serve_zones, as routesrv-compile
 * and routesrv-serve run it; then through routesrv-compile -check (pipeline_check_buffer) and
 * routesrv-webhook's admission in both modes (pipeline_admit).
 * Properties: whatever the objects hold, the served table and every zone's document parse
 * (routesrv must never serve a table skipper cannot load: route_process drops the routes
 * that would not parse), and the served table serves byte-identically again, except for a
 * zone after an endpoint's query or fragment (spec A7: the zone is lost on the way back).
 * FUZZ_STRICT_SERVED=0 checks only the fixed point of tables that parse. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eskip/eskip.h"
#include "fuzz_common.h"
#include "pipeline/pipeline.h"

static kube_options options;
static route_processing processing;
static bool strict_served;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	const char *strict = getenv("FUZZ_STRICT_SERVED");
	strict_served = !strict || strcmp(strict, "0") != 0;
	buf err = BUF_INIT;
	kube_options_init(&options);
	route_processing_init(&processing);
	if (kube_options_finish(&options, &err) != 0 || route_processing_finish(&processing, &err) != 0) {
		fprintf(stdout, "default options rejected: %s\n", err.ptr);
		abort();
	}
	buf_free(&err);
	log_setup(false, options.app_log_level);
	return 0;
}

/* Whether an LB endpoint has a zone after a query or fragment: parses, but not back to itself. */
static bool zone_after_query(const route_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->routes[i].nendpoints; j++) {
			const lb_endpoint *e = &t->routes[i].endpoints[j];
			if (e->zone.len && fuzz_has_any(e->address, "?#"))
				return true;
		}
	return false;
}

static void check_parses(const char *what, const char *text, size_t len)
{
	buf err = BUF_INIT;
	route_table *t = route_table_new();
	int rc = eskip_parse(t, text ? text : "", len, &err, NULL);
	FUZZ_ASSERT(rc == 0, "%s does not parse: %s\n--- served:\n%.*s", what, err.ptr, (int)len, text);
	route_table_free(t);
	buf_free(&err);
}

static void check_served(const route_table *served, const buf *s1)
{
	buf err = BUF_INIT, s2 = BUF_INIT;
	route_table *t = route_table_new();
	int rc = eskip_parse(t, s1->ptr ? s1->ptr : "", s1->len, &err, NULL);
	FUZZ_ASSERT(rc == 0 || !strict_served, "compiled table does not parse: %s\n--- served:\n%.*s", err.ptr,
		    (int)s1->len, s1->ptr);
	if (rc == 0 && !zone_after_query(served)) {
		route_table_canonicalize(t);
		served_form_print(&s2, t);
		FUZZ_ASSERT(s1->len == s2.len && memcmp(s1->ptr, s2.ptr, s2.len) == 0,
			    "compiled table is not a served-form fixed point\n--- served:\n%.*s\n--- reparsed:\n%.*s",
			    (int)s1->len, s1->ptr, (int)s2.len, s2.ptr);
	}
	route_table_free(t);
	buf_free(&err);
	buf_free(&s2);
}

/* Every zone's document (what serve publishes at /routes/<zone>) parses too. */
static void check_zone_docs(const route_table *t, pipeline_served *served)
{
	pipeline_serve_zones(t, served);
	const zone_docs *z = served->zones;
	for (size_t i = 0; strict_served && i < z->n; i++)
		if (z->v[i].nfiltered)
			check_parses("a zone document", z->v[i].doc.ptr, z->v[i].doc.len);
}

/* -check and the webhook: every problem names an object kind and comes sorted by line; an
 * object the webhook rejects has a message. */
static void check_and_admit(const pipeline_options *po, const char *text, size_t size)
{
	kube_reporter rep;
	kube_reporter_init(&rep, true);
	buf err = BUF_INIT, msg = BUF_INIT;
	if (pipeline_check_buffer(po, text, size, "fuzz", &rep, &err) == 0) {
		for (size_t i = 0; i < rep.nproblems; i++) {
			FUZZ_ASSERT(rep.problems[i].kind && *rep.problems[i].kind, "a problem without a kind: %.*s\n",
				    (int)rep.problems[i].message.len, rep.problems[i].message.ptr);
			FUZZ_ASSERT(i == 0 || rep.problems[i - 1].line <= rep.problems[i].line, "problems not sorted by line\n");
		}
		pipeline_check_print(&msg, &rep, true);
		buf_reset(&msg);
	}
	for (int exact = 0; exact < 2; exact++) {
		buf_reset(&msg);
		int rc = pipeline_admit(po, text, size, exact, &msg);
		FUZZ_ASSERT(rc == 0 || msg.len > 0, "rejected (%d) without a message\n", rc);
	}
	kube_reporter_free(&rep);
	buf_free(&err);
	buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);   /* exact size: over-reads are caught */
	memcpy(text, data, size);
	buf err = BUF_INIT;
	pipeline_options po = { .kube = &options, .process = &processing };
	route_table *t = route_table_new();
	if (pipeline_load_buffer(&po, text, size, "fuzz", t, &err) == 0) {
		pipeline_process(&po, t);
		pipeline_served served;
		pipeline_serve(t, &served);
		check_served(t, &served.full.doc);
		check_zone_docs(t, &served);
		pipeline_served_free(&served);
		zone_tables_free(zone_tables_build(t));
	}
	route_table_free(t);
	check_and_admit(&po, text, size);
	buf_free(&err);
	free(text);
	return 0;
}
