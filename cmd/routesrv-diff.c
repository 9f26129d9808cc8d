/* routesrv-diff: semantic difference of two eskip routing tables (files, stdin or URLs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "eskip/input_eskip.h"
#include "base/opt.h"
#include "eskip/route_diff.h"

static const char *color = "auto";
static bool quiet, stat_only, json, ignore_zones, ignore_endpoints, insecure;
static opt_list ignore_id_prefixes;
static long timeout_ms = 30000;

static const char *const color_choices[] = { "auto", "always", "never", NULL };

static opt_def options[] = {
	{ .name = "group-output", .kind = OPT_GROUP, .help = "Output" },
	{ .name = "color", .kind = OPT_STRING, .target = &color, .metavar = "WHEN", .choices = color_choices,
	  .help = "colour the report: auto (on a terminal without NO_COLOR), always or never" },
	{ .name = "quiet", .kind = OPT_BOOL, .target = &quiet, .help = "print nothing; the exit status tells the result" },
	{ .name = "stat", .kind = OPT_BOOL, .target = &stat_only, .help = "print only the summary line (with -json: only the counts)" },
	{ .name = "json", .kind = OPT_BOOL, .target = &json, .help = "print the result as one JSON object" },
	{ .name = "group-comparison", .kind = OPT_GROUP, .help = "Comparison" },
	{ .name = "ignore-id-prefix", .kind = OPT_LIST, .target = &ignore_id_prefixes, .metavar = "PREFIX",
	  .help = "strip PREFIX from route IDs before matching them (the first matching prefix)" },
	{ .name = "ignore-zones", .kind = OPT_BOOL, .target = &ignore_zones,
	  .help = "drop LB endpoint zones before comparing" },
	{ .name = "ignore-endpoints", .kind = OPT_BOOL, .target = &ignore_endpoints,
	  .help = "drop LB endpoint lists before comparing (type and algorithm still count)" },
	{ .name = "group-input", .kind = OPT_GROUP, .help = "Input" },
	{ .name = "timeout", .kind = OPT_DURATION, .target = &timeout_ms, .metavar = "DURATION",
	  .help = "time limit for reading a URL" },
	{ .name = "insecure", .kind = OPT_BOOL, .target = &insecure,
	  .help = "do not verify TLS certificates of https URLs" },
	{ 0 },
};

static opt_command command = {
	.name = "routesrv-diff",
	.usage = "[flags] OLD NEW",
	.summary = "Compare two eskip routing tables semantically (OLD and NEW: files, - for standard input, or http(s) URLs).",
	.opts = options,
	.min_operands = 2,
	.max_operands = 2,
};

static bool use_color(void)
{
	if (strcmp(color, "always") == 0)
		return true;
	if (strcmp(color, "never") == 0)
		return false;
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0);
}

/* Freed at exit, also when a later input fails, so leak checkers stay quiet. */
static route_table *tables[2];
static char **names;   /* the operands: owned by opt */

static void free_all(void)
{
	route_table_free(tables[0]);
	route_table_free(tables[1]);
}

static route_table *load(int i, const input_opts *io)
{
	tables[i] = route_table_new();
	buf err = BUF_INIT;
	if (input_read_eskip(tables[i], names[i], io, &err) != 0) {
		fprintf(stderr, "routesrv-diff: %s\n", err.ptr);
		buf_free(&err);
		exit(2);
	}
	buf_free(&err);
	return tables[i];
}

int main(int argc, char **argv)
{
	int nnames;
	opt_parse(&command, argc, argv, &names, &nnames);
	atexit(free_all);
	if (strcmp(names[0], "-") == 0 && strcmp(names[1], "-") == 0)
		opt_usage_error(&command, "OLD and NEW cannot both be standard input");
	if (timeout_ms <= 0)
		opt_usage_error(&command, "-timeout must be positive");

	input_opts io = { .timeout_ms = timeout_ms, .insecure = insecure };
	route_table *old_t = load(0, &io), *new_t = load(1, &io);

	route_diff_opts dopts = {
		.ignore_id_prefixes = ignore_id_prefixes.v,
		.nignore_id_prefixes = ignore_id_prefixes.n,
		.ignore_zones = ignore_zones,
		.ignore_endpoints = ignore_endpoints,
	};
	route_diff d;
	route_diff_compute(&d, old_t->routes, old_t->n, new_t->routes, new_t->n, &dopts);
	int status = route_diff_same(&d) ? 0 : 1;

	if (!quiet) {
		route_diff_print_opts po = {
			.old_name = input_display_name(names[0]),
			.new_name = input_display_name(names[1]),
			.color = !json && use_color(),
			.stat = stat_only,
		};
		buf out = BUF_INIT;
		if (json) {
			route_diff_print_json(&out, &d, &po);
			buf_putc(&out, '\n');
		} else {
			route_diff_print_text(&out, &d, &po);
		}
		if (fwrite(out.ptr, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
			perror("routesrv-diff: standard output");
			status = 2;
		}
		buf_free(&out);
	}
	route_diff_free(&d);
	return status;
}
