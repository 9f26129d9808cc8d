/* bench/compile/zones.c: what the zone tables (spec eskip-and-http.md B7.5) add to a compile.
 *
 *   zones [conversion flags] FILE
 *
 * Runs routesrv-compile's pipeline on FILE (pipeline_compile_files: read, label selection,
 * conversion, routesrv's processing; pipeline_serve: the served form with each route's place
 * and its ETags), then makes every zone's document from it (pipeline_serve_zones), as
 * routesrv-serve does for each snapshot. Prints
 * the CPU time of both parts, best of 3 runs in one process. Built and run by bench/compile/run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/opt.h"
#include "pipeline/pipeline.h"

#define RUNS 3

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The served table of path and its document, as routesrv-compile makes them; the caller frees both. */
static route_table *compile(const char *path, const kube_options *ko, const route_processing *rp,
			    pipeline_served *served)
{
	buf err = BUF_INIT;
	pipeline_options po = { .kube = ko, .process = rp };
	route_table *t = pipeline_compile_files(&po, &path, 1, &err);
	if (!t) {
		fprintf(stderr, "zones: %s\n", err.ptr);
		exit(2);
	}
	buf_free(&err);
	pipeline_serve(t, served);
	return t;
}

/* Every zone's document; returns the zone count. */
static size_t zone_documents(const route_table *t, pipeline_served *served, size_t *filtered_routes)
{
	pipeline_serve_zones(t, served, ZONE_DEFAULT_MAX_ZONES);
	const zone_docs *z = served->zones;
	*filtered_routes = 0;
	for (size_t i = 0; i < z->n; i++)
		*filtered_routes += z->v[i].nfiltered;
	return z->n;
}

int main(int argc, char **argv)
{
	kube_options ko;
	route_processing rp;
	kube_options_init(&ko);
	route_processing_init(&rp);
	size_t nflags;
	const opt_def *flags = kube_options_flags(&ko, &nflags);
	opt_command cmd = {
		.name = "zones",
		.usage = "[conversion flags] FILE",
		.summary = "CPU time of compiling FILE and of its zone tables.",
		.opts = (opt_def *)flags,
		.min_operands = 1,
		.max_operands = 1,
	};
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);
	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0 || route_processing_finish(&rp, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	log_setup(false, LOG_WARN);   /* a synthetic cluster logs nothing worth timing */

	double best_compile = -1, best_zones = -1;
	size_t nzones = 0, routes = 0, filtered = 0;
	for (int run = 0; run < RUNS; run++) {
		double t0 = cpu_seconds();
		pipeline_served served;
		route_table *t = compile(operands[0], &ko, &rp, &served);
		double t1 = cpu_seconds();
		nzones = zone_documents(t, &served, &filtered);
		double t2 = cpu_seconds();
		routes = t->n;
		pipeline_served_free(&served);
		route_table_free(t);
		if (best_compile < 0 || t1 - t0 < best_compile)
			best_compile = t1 - t0;
		if (best_zones < 0 || t2 - t1 < best_zones)
			best_zones = t2 - t1;
	}
	printf("zones    %zu routes, %zu zones, %zu zone-shortened routes\n", routes, nzones, filtered);
	printf("zones    compile cpu %.3f s, zone tables cpu %.3f s: +%.1f %% (goal <= 10)\n", best_compile, best_zones,
	       best_compile > 0 ? 100 * best_zones / best_compile : 0);
	buf_free(&err);
	route_processing_free(&rp);
	kube_options_free(&ko);
	return 0;
}
