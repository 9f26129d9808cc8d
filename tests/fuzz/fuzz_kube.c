/* fuzz_kube: Kubernetes objects (JSON or YAML, as kube_read_buffer detects them) through
 * the whole conversion with default options: kube_read_buffer → kube_compile →
 * route_process → served form and zone tables, as routesrv-compile runs it.
 * Property: whatever the objects hold, the served table is eskip that parses again and
 * serves byte-identically (routesrv must never serve a table skipper cannot load), except
 * for the unescaped-address quirk (fuzz_known_unprintable). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eskip.h"
#include "fuzz_common.h"
#include "kube_compile.h"
#include "kube_options.h"
#include "kube_read.h"
#include "kube_selector.h"
#include "route_process.h"
#include "zone_tables.h"

static kube_options options;
static route_processing processing;
static bool strict_served;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	strict_served = getenv("FUZZ_STRICT_SERVED") != NULL;
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

static void check_served_parses(const buf *s1)
{
	buf err = BUF_INIT, s2 = BUF_INIT;
	route_table *t = route_table_new();
	int rc = eskip_parse(t, s1->ptr ? s1->ptr : "", s1->len, &err, NULL);
	FUZZ_ASSERT(rc == 0 || !strict_served, "compiled table does not parse: %s\n--- served:\n%.*s", err.ptr,
		    (int)s1->len, s1->ptr);
	if (rc == 0) {
		route_table_canonicalize(t);
		eskip_print_served(&s2, t);
	}
	FUZZ_ASSERT(rc != 0 || (s1->len == s2.len && memcmp(s1->ptr, s2.ptr, s2.len) == 0),
		    "compiled table is not a served-form fixed point\n--- served:\n%.*s\n--- reparsed:\n%.*s",
		    (int)s1->len, s1->ptr, (int)s2.len, s2.ptr);
	route_table_free(t);
	buf_free(&err);
	buf_free(&s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);   /* exact size: over-reads are caught */
	memcpy(text, data, size);
	kube_cluster *c = kube_cluster_new();
	buf err = BUF_INIT, served = BUF_INIT;
	if (kube_read_buffer(c, text, size, "fuzz", NULL, &err) == 0) {
		kube_cluster_select(c, &options);
		route_table *t = route_table_new();
		kube_compile(c, &options, t);
		route_process(t, &processing);
		eskip_print_served(&served, t);
		if (!fuzz_known_unprintable(t))
			check_served_parses(&served);
		zone_tables_free(zone_tables_build(t));
		route_table_free(t);
	}
	kube_cluster_free(c);
	buf_free(&err);
	buf_free(&served);
	free(text);
	return 0;
}
