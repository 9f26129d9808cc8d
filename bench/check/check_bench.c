/* bench/check/check_bench.c: the cost of dropping unparsable routes (route_process's last
 * step, route_table_drop_unparsable) on a compiled table.
 *
 *   check_bench [conversion flags] FILE
 *
 * Runs routesrv-compile's pipeline on FILE (pipeline_compile_files: read, label selection,
 * conversion, routesrv's processing), then times on the processed table: the check as route_process runs it (a
 * structural proof with a print+parse fallback), printing and parsing every route (the
 * literal check), and printing the served form (for scale). Best of 5 runs, milliseconds of
 * wall time. Built and run by bench/check/run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/opt.h"
#include "eskip/eskip.h"
#include "eskip/eskip_internal.h"
#include "pipeline/pipeline.h"

#define RUNS 5

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static route_table *compile(const char *path, const kube_options *ko, const route_processing *rp)
{
	buf err = BUF_INIT;
	pipeline_options po = { .kube = ko, .process = rp };
	route_table *t = pipeline_compile_files(&po, &path, 1, &err);
	if (!t) {
		fprintf(stderr, "check_bench: %s\n", err.ptr);
		exit(2);
	}
	buf_free(&err);
	return t;
}

static void keep_best(double *best, double v)
{
	if (*best < 0 || v < *best)
		*best = v;
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
		.name = "check_bench",
		.usage = "[conversion flags] FILE",
		.summary = "Time of the parsability check on FILE's compiled table.",
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
	log_setup(false, LOG_WARN);

	route_table *t = compile(operands[0], &ko, &rp);
	double check = -1, literal = -1, print = -1;
	size_t dropped = 0, failed = 0;
	for (int run = 0; run < RUNS; run++) {
		size_t n = t->n;
		double t0 = now_ms();
		dropped = route_table_drop_unparsable(t, NULL, NULL);
		double t1 = now_ms();
		t->n = n;
		failed = 0;
		for (size_t i = 0; i < t->n; i++)
			failed += route_check_parsable_literal(&t->routes[i], t->n == 1, NULL) != 0;
		double t2 = now_ms();
		buf doc = BUF_INIT;
		served_form_print(&doc, t);
		double t3 = now_ms();
		buf_free(&doc);
		keep_best(&check, t1 - t0);
		keep_best(&literal, t2 - t1);
		keep_best(&print, t3 - t2);
	}
	printf("check    %zu routes (dropped %zu; literal check failed %zu)\n", t->n, dropped, failed);
	printf("check    %.1f ms (goal <= 20 for 40 000 routes); print+parse every route %.1f ms; "
	       "printing the served form %.1f ms\n", check, literal, print);
	route_table_free(t);
	buf_free(&err);
	route_processing_free(&rp);
	kube_options_free(&ko);
	return dropped != 0 || failed != 0;
}
