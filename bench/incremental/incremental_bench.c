/* bench/incremental/incremental_bench.c: the cost of one object change in the incremental
 * pipeline (pipeline/incremental.h) next to one full compile of the same cluster.
 *
 *   incremental_bench [-only full|incremental] [-changes N] [conversion flags] FILE
 *
 * FILE is a cluster as bench/compile/gen writes it (one List item per line). In one run:
 *   - anchor: one full compile of FILE as a poll cycle makes it once the lists are fetched:
 *     pipeline_load_buffer, pipeline_process, pipeline_serve, pipeline_serve_zones and the
 *     gzip bodies (gzip_compress of the full document and of the zone documents the
 *     snapshot compresses whole, as it makes them); best CPU time of 3;
 *   - the incremental state built from one ADDED event per item and a publish;
 *   - N changes of one Endpoints address each (apply + publish), then N changes of one
 *     Ingress path each: CPU time per change, mean and worst, as a ratio of the anchor;
 *   - the gzip body's size as members against one gzip stream of the same document;
 *   - a check that the last published table is byte for byte a full compile's.
 * With -only, it builds just one of the two and exits: bench/incremental/run measures the
 * peak RSS of each (/usr/bin/time) for the memory ratio. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/gzip.h"
#include "base/input_read.h"
#include "base/log.h"
#include "base/opt.h"
#include "pipeline/incremental.h"
#include "pipeline/pipeline.h"

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- the cluster as items ---------------------------------------------------------------------- */

typedef struct {
	incremental_kind kind;
	char *ns, *name;
	char *text;
} item;

/* The value of "key":"..." at its first occurrence after from, as a new string. */
static char *json_string(const char *from, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	const char *p = strstr(from, pat);
	if (!p)
		return strdup("");
	p += strlen(pat);
	const char *e = strchr(p, '"');
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

static size_t split_items(char *text, item **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "{\"apiVersion\"", 13) != 0)
			continue;
		size_t len = strlen(line);
		if (line[len - 1] == ',')
			line[--len] = 0;
		char *kind = json_string(line, "kind");
		item it = { .text = strdup(line) };
		if (!strcmp(kind, "Ingress")) it.kind = INCR_INGRESS;
		else if (!strcmp(kind, "RouteGroup")) it.kind = INCR_ROUTEGROUP;
		else if (!strcmp(kind, "Service")) it.kind = INCR_SERVICE;
		else if (!strcmp(kind, "Endpoints")) it.kind = INCR_ENDPOINTS;
		else it.kind = INCR_ENDPOINTSLICE;
		free(kind);
		const char *meta = strstr(line, "\"metadata\":");
		it.name = json_string(meta ? meta : line, "name");
		it.ns = json_string(meta ? meta : line, "namespace");
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			*out = realloc(*out, cap * sizeof **out);
		}
		(*out)[n++] = it;
	}
	return n;
}

/* The items as one List, in the store's order (kind, namespace, name): what a full compile reads. */
static int item_cmp(const void *x, const void *y)
{
	const item *a = x, *b = y;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	int c = strcmp(a->ns, b->ns);
	return c ? c : strcmp(a->name, b->name);
}

static void list_of(item *items, size_t n, buf *out)
{
	buf_puts(out, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[\n");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(out, ",\n");
		buf_puts(out, items[i].text);
	}
	buf_puts(out, "\n]}\n");
}

/* --- the anchor: a full compile ------------------------------------------------------------------ */

static void full_compile(const pipeline_options *po, const buf *list, pipeline_served *served, buf *gz)
{
	buf err = BUF_INIT;
	route_table *t = route_table_new();
	if (pipeline_load_buffer(po, list->ptr, list->len, "cluster", t, &err) != 0) {
		fprintf(stderr, "incremental_bench: %s\n", err.ptr);
		exit(2);
	}
	pipeline_process(po, t);
	pipeline_serve(t, served);
	pipeline_serve_zones(t, served, ZONE_DEFAULT_MAX_ZONES);
	gzip_compress(gz, served->full.doc.ptr, served->full.doc.len, GZIP_DEFAULT_LEVEL);
	/* a zone document without gzip segments is compressed whole when published (snapshot.c) */
	for (size_t z = 0; z < served->zones->n; z++) {
		const zone_doc *zd = &served->zones->v[z];
		if (!zd->nshortened || zd->nseg[ZONE_GZIP])
			continue;
		buf plain = BUF_INIT, zgz = BUF_INIT;
		zone_doc_write(&plain, zd, ZONE_PLAIN, served->full.doc.ptr);
		gzip_compress(&zgz, plain.ptr ? plain.ptr : "", plain.len, GZIP_DEFAULT_LEVEL);
		buf_free(&plain);
		buf_free(&zgz);
	}
	route_table_free(t);
	buf_free(&err);
}

static void send(incremental *inc, item *it)
{
	incremental_event ev = { .type = INCR_MODIFIED, .kind = it->kind, .ns = str_c(it->ns), .name = str_c(it->name),
				 .data = it->text, .len = strlen(it->text) };
	buf err = BUF_INIT;
	if (incremental_apply(inc, &ev, &err) != 0) {
		fprintf(stderr, "incremental_bench: %s\n", err.ptr);
		exit(2);
	}
	buf_free(&err);
}

/* Replaces the first occurrence of `from` in it->text by `to`. */
static void edit(item *it, const char *from, const char *to)
{
	char *p = strstr(it->text, from);
	if (!p) {
		fprintf(stderr, "incremental_bench: %s not found in %s/%s\n", from, it->ns, it->name);
		exit(2);
	}
	buf b = BUF_INIT;
	buf_append(&b, it->text, (size_t)(p - it->text));
	buf_puts(&b, to);
	buf_puts(&b, p + strlen(from));
	free(it->text);
	it->text = buf_steal(&b, NULL);
}

typedef struct {
	double sum, worst;
	size_t n;
} cost;

static void changes(incremental *inc, item *items, size_t n, incremental_kind kind, size_t count, cost *c)
{
	size_t *of_kind = calloc(n, sizeof *of_kind), m = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == kind)
			of_kind[m++] = i;
	*c = (cost){ 0 };
	for (size_t k = 0; k < count && m; k++) {
		item *it = &items[of_kind[(k * 7919) % m]];
		char ip[64], path[64];
		snprintf(ip, sizeof ip, "\"10.99.%zu.%zu\"", k / 250, k % 250);
		snprintf(path, sizeof path, "\"path\":\"/api%zu\"", k);
		bool address = kind != INCR_INGRESS;   /* Endpoints: "ip":"10.2...", slices: ["10.4...", ...] */
		char *old = !address ? strstr(it->text, "\"path\":\"")
			    : kind == INCR_ENDPOINTS ? strstr(it->text, "\"10.2.") : strstr(it->text, "\"10.4.");
		char *end = old ? strchr(old + (address ? 1 : 8), '"') : NULL;
		if (!end) {
			fprintf(stderr, "incremental_bench: no address or path in %s/%s\n", it->ns, it->name);
			exit(2);
		}
		char *was = strndup(old, (size_t)(end + 1 - old));
		edit(it, was, address ? ip : path);
		free(was);
		double t0 = cpu_seconds();
		send(inc, it);
		bool changed;
		incremental_publish(inc, &changed);
		double dt = cpu_seconds() - t0;
		if (!changed) {
			fprintf(stderr, "incremental_bench: a change left the table as it was\n");
			exit(2);
		}
		c->sum += dt;
		c->n++;
		if (dt > c->worst)
			c->worst = dt;
	}
	free(of_kind);
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	kube_options ko;
	route_processing rp;
	kube_options_init(&ko);
	route_processing_init(&rp);
	const char *only = NULL;
	long nchanges = 50;
	opt_table tab = { 0 };
	const opt_def own[] = {
		{ .name = "only", .kind = OPT_STRING, .target = &only, .metavar = "full|incremental",
		  .help = "build only this one and exit (for its peak RSS)" },
		{ .name = "changes", .kind = OPT_INT, .target = &nchanges, .metavar = "N",
		  .help = "changes of each kind to time" },
		{ .name = NULL },
	};
	opt_table_add(&tab, own, 2);
	size_t n;
	const opt_def *d = kube_options_flags(&ko, &n);
	opt_table_add(&tab, d, n);
	d = route_processing_flags(&rp, &n);
	opt_table_add(&tab, d, n);
	opt_command cmd = {
		.name = "incremental_bench",
		.usage = "[-only full|incremental] [-changes N] [conversion flags] FILE",
		.summary = "CPU per object change in the incremental pipeline against one full compile.",
		.opts = opt_table_done(&tab),
		.min_operands = 1,
		.max_operands = 1,
	};
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);
	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0 || route_processing_finish(&rp, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	log_setup(false, LOG_WARN);
	pipeline_options po = { .kube = &ko, .process = &rp };

	buf text = BUF_INIT;
	if (input_read_file(operands[0], SIZE_MAX, &text) != 0) {
		fprintf(stderr, "incremental_bench: cannot read %s\n", operands[0]);
		return 2;
	}
	item *items;
	size_t nitems = split_items(text.ptr, &items);
	buf_free(&text);
	qsort(items, nitems, sizeof *items, item_cmp);
	buf list = BUF_INIT;
	list_of(items, nitems, &list);

	if (only && !strcmp(only, "full")) {
		pipeline_served s;
		buf gz = BUF_INIT;
		full_compile(&po, &list, &s, &gz);
		printf("full        rss after %ld KiB, %zu routes\n", rss_kib(), s.count);
		return 0;
	}

	double anchor = -1;
	size_t routes = 0, gzip_whole = 0;
	if (!only) {
		for (int run = 0; run < 3; run++) {
			pipeline_served s;
			buf gz = BUF_INIT;
			double t0 = cpu_seconds();
			full_compile(&po, &list, &s, &gz);
			double dt = cpu_seconds() - t0;
			if (anchor < 0 || dt < anchor)
				anchor = dt;
			routes = s.count;
			gzip_whole = gz.len;
			pipeline_served_free(&s);
			buf_free(&gz);
		}
	}

	incremental *inc = incremental_new(&po, ZONE_DEFAULT_MAX_ZONES);
	double t0 = cpu_seconds();
	for (size_t i = 0; i < nitems; i++) {
		incremental_event ev = { .type = INCR_ADDED, .kind = items[i].kind, .ns = str_c(items[i].ns),
					 .name = str_c(items[i].name), .data = items[i].text, .len = strlen(items[i].text) };
		if (incremental_apply(inc, &ev, &err) != 0) {
			fprintf(stderr, "incremental_bench: %s\n", err.ptr);
			return 2;
		}
	}
	const incremental_served *out = incremental_publish(inc, NULL);
	double build = cpu_seconds() - t0;
	incremental_stats st;
	incremental_get_stats(inc, &st);
	if (only) {
		printf("incremental rss after %ld KiB, %zu routes, %zu units\n", rss_kib(), out->served.count, st.units);
		return 0;
	}
	printf("cluster     %zu objects, %zu routes, %zu units (largest %zu objects)\n", nitems, routes, st.units,
	       st.largest_unit);
	printf("full        compile+process+serve+zones+gzip cpu %.3f s (best of 3)\n", anchor);
	printf("incremental initial build cpu %.3f s (%.2f x a full compile)\n", build, build / anchor);

	cost ep, ing;
	incremental_kind eps = INCR_ENDPOINTSLICE;
	for (size_t i = 0; i < nitems; i++)
		if (items[i].kind == INCR_ENDPOINTS)
			eps = INCR_ENDPOINTS;
	changes(inc, items, nitems, eps, (size_t)nchanges, &ep);
	changes(inc, items, nitems, INCR_INGRESS, (size_t)nchanges, &ing);
	printf("%-11s %zu changes: cpu per change mean %.2f ms, worst %.2f ms: %.2f %% of a full compile (goal <= 5)\n",
	       eps == INCR_ENDPOINTS ? "endpoints" : "slices", ep.n, 1e3 * ep.sum / ep.n, 1e3 * ep.worst, 100 * ep.sum / ep.n / anchor);
	printf("ingress     %zu changes: cpu per change mean %.2f ms, worst %.2f ms: %.2f %% of a full compile (goal <= 5)\n",
	       ing.n, 1e3 * ing.sum / ing.n, 1e3 * ing.worst, 100 * ing.sum / ing.n / anchor);
	incremental_get_stats(inc, &st);
	printf("gzip        %zu members (last change: %zu compressed, %zu reused); body %zu bytes vs %zu as one stream: +%.2f %%\n",
	       out->members, st.gzip_members_compressed, st.gzip_members_reused, out->gzip.len, gzip_whole,
	       100.0 * ((double)out->gzip.len - (double)gzip_whole) / (double)gzip_whole);

	/* the last table is what a full compile of the changed objects serves */
	out = incremental_publish(inc, NULL);
	qsort(items, nitems, sizeof *items, item_cmp);
	buf_reset(&list);
	list_of(items, nitems, &list);
	pipeline_served s;
	buf gz = BUF_INIT;
	full_compile(&po, &list, &s, &gz);
	bool same = s.full.doc.len == out->served.full.doc.len &&
		    !memcmp(s.full.doc.ptr, out->served.full.doc.ptr, s.full.doc.len) && !strcmp(s.etag, out->served.etag);
	printf("check       the last table equals a full compile's: %s\n", same ? "yes" : "NO");
	pipeline_served_free(&s);
	buf_free(&gz);
	incremental_free(inc);
	for (size_t i = 0; i < nitems; i++) {
		free(items[i].ns);
		free(items[i].name);
		free(items[i].text);
	}
	free(items);
	buf_free(&list);
	buf_free(&err);
	route_processing_free(&rp);
	kube_options_free(&ko);
	return same ? 0 : 1;
}
