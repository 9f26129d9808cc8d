/* eskip_bench: parse, print (served form) and hash speed of a generated routing table.
 *
 * Usage: eskip_bench [-n ROUTES] [-json FILE] [-eskip FILE]
 * Generates ROUTES (default 20000) realistic Kubernetes-style routes (Host regexps,
 * PathSubtree, several filters, LB backends with 3-5 endpoints) as one eskip document,
 * then times each stage separately, repeating it for at least a second, and prints MB/s.
 * -json writes the same routes in the JSON form (for the `jq empty` reference run),
 * -eskip the generated document. Prints measurements only; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "eskip/eskip.h"
#include "table/served_form.h"
#include "table/etag.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned next_rand(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const filters[] = {
	"setRequestHeader(\"X-Forwarded-Proto\", \"https\")",
	"ratelimit(20, \"1m\")",
	"modPath(\"^/api/v[0-9]+\", \"/\")",
	"appendResponseHeader(\"Strict-Transport-Security\", \"max-age=31536000\")",
	"flowId(\"reuse\")",
	"compress()",
	"backendTimeout(\"10s\")",
	"stateBagToTag(\"auth-user\", \"client.uid\")",
	"oauthTokeninfoAnyScope(\"uid\", \"team/read\")",
	"setDynamicBackendUrl(\"https://fallback.example.org\")",
};

/* One route in the shape the Kubernetes data client produces. */
static void gen_route(buf *out, unsigned i)
{
	unsigned ns = next_rand(60), app = i;
	buf_printf(out, "kube_ns%u__app%u__app%u_example_org____svc%u:\n  Host(\"^(app%u[.]example[.]org[.]?(:[0-9]+)?)$\")", ns,
		   app, app, app, app);
	buf_printf(out, " && PathSubtree(\"/api/v%u/items%u\")", next_rand(3) + 1, next_rand(1000));
	if (next_rand(4) == 0)
		buf_printf(out, " && Method(\"%s\")", next_rand(2) ? "GET" : "POST");
	if (next_rand(5) == 0)
		buf_printf(out, " && Header(\"X-Canary\", \"group-%u\") && Weight(%u)", next_rand(9), next_rand(50) + 1);
	unsigned nf = 2 + next_rand(4), first = next_rand(10);
	for (unsigned f = 0; f < nf; f++)
		buf_printf(out, "\n  -> %s", filters[(first + f * 3) % 10]);
	unsigned ne = 3 + next_rand(3);
	buf_printf(out, "\n  -> <%s", next_rand(3) ? "roundRobin" : "powerOfRandomNChoices");
	for (unsigned e = 0; e < ne; e++)
		buf_printf(out, ", \"http://10.%u.%u.%u:8080\"", next_rand(256), next_rand(256), next_rand(254) + 1);
	buf_puts(out, ">;\n\n");
}

static int write_file(const char *path, const buf *b)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(b->ptr, 1, b->len, f) != b->len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/* Runs stage() until at least a second has passed (and at least 3 times); seconds per run. */
#define TIME_STAGE(seconds, body) do { \
	int runs_ = 0; double start_ = now(), t_; \
	do { body; runs_++; t_ = now() - start_; } while (t_ < 1.0 || runs_ < 3); \
	(seconds) = t_ / runs_; } while (0)

static void report(const char *stage, size_t bytes, double seconds, const char *goal)
{
	printf("%-6s %8.1f MB/s  (%zu bytes in %.2f ms)%s\n", stage, (double)bytes / 1e6 / seconds, bytes, seconds * 1e3, goal);
}

int main(int argc, char **argv)
{
	unsigned n = 20000;
	const char *json_path = NULL, *eskip_path = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			n = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "-json") == 0)
			json_path = argv[i + 1];
		else if (strcmp(argv[i], "-eskip") == 0)
			eskip_path = argv[i + 1];
	}
	buf doc = BUF_INIT;
	for (unsigned i = 0; i < n; i++)
		gen_route(&doc, i);
	if (eskip_path && write_file(eskip_path, &doc) != 0)
		return 2;

	buf err = BUF_INIT;
	route_table *t = NULL;
	double parse_s, print_s, hash_s;
	TIME_STAGE(parse_s, {
		route_table_free(t);
		t = route_table_new();
		if (eskip_parse(t, doc.ptr, doc.len, &err, NULL) != 0) {
			fprintf(stderr, "eskip_bench: generated table does not parse: %s\n", err.ptr);
			return 2;
		}
	});
	route_table_canonicalize(t);
	buf served = BUF_INIT;
	TIME_STAGE(print_s, {
		buf_reset(&served);
		served_form_print(&served, t);
	});
	char hex[ETAG_HEX_LEN + 1];
	TIME_STAGE(hash_s, etag_hash_hex(served.ptr, served.len, hex));

	printf("routes %u, eskip document %zu bytes, served form %zu bytes, ETag \"%s\"\n", n, doc.len, served.len, hex);
	report("parse", doc.len, parse_s, "  goal >= 150 MB/s");
	report("print", served.len, print_s, "  goal >= 300 MB/s");
	report("hash", served.len, hash_s, "");

	if (json_path) {
		buf json = BUF_INIT;
		eskip_print_json(&json, t->routes, t->n);
		if (write_file(json_path, &json) != 0)
			return 2;
		buf_free(&json);
	}
	buf_free(&doc), buf_free(&served), buf_free(&err);
	route_table_free(t);
	return 0;
}
