/* routesrv-diff: semantic difference of two eskip routing tables (files, stdin or URLs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/opt.h"
#include "eskip/input_eskip.h"
#include "eskip/route_diff.h"
#include "http/fleet_report.h"
#include "routes/kube_ids.h"

static const char *color = "auto", *fleet_url;
static bool quiet, brief, report_identical, unified, stat_only, json, ignore_zones, ignore_endpoints, insecure;
static opt_list ignore_id_prefixes;
static long timeout_ms = 30000, width, repeat = 1, interval_ms = 5000;

static const char *const color_choices[] = { "auto", "always", "never", NULL };

static opt_def options[] = {
	{ .name = "group-output", .kind = OPT_GROUP, .help = "Output" },
	{ .name = "unified", .alias = "u", .kind = OPT_BOOL, .target = &unified,
	  .help = "the per-route report, grouped by object (the default; -u as in diff(1))" },
	{ .name = "stat", .kind = OPT_BOOL, .target = &stat_only,
	  .help = "print the counts of each object (Ingress, RouteGroup) and the summary line (with -json: only "
		  "the counts)" },
	{ .name = "brief", .alias = "q", .kind = OPT_BOOL, .target = &brief,
	  .help = "print only \"Tables OLD and NEW differ\" when they do, as diff -q" },
	{ .name = "report-identical-tables", .alias = "s", .kind = OPT_BOOL, .target = &report_identical,
	  .help = "say \"Tables OLD and NEW are identical\" when they are, as diff -s" },
	{ .name = "quiet", .kind = OPT_BOOL, .target = &quiet, .help = "print nothing; the exit status tells the result" },
	{ .name = "json", .kind = OPT_BOOL, .target = &json, .help = "print the result as one JSON object" },
	{ .name = "width", .alias = "W", .kind = OPT_INT, .target = &width, .metavar = "COLUMNS",
	  .default_text = "$COLUMNS, else the terminal's width, else no limit",
	  .help = "cut route lines around their first difference to fit COLUMNS, wrap endpoint lists; 0: no limit" },
	{ .name = "color", .kind = OPT_STRING, .target = &color, .metavar = "WHEN", .choices = color_choices,
	  .help = "colour the report (auto: on a terminal, unless NO_COLOR is set or TERM is dumb)" },
	{ .name = "group-comparison", .kind = OPT_GROUP, .help = "Comparison" },
	{ .name = "ignore-id-prefix", .kind = OPT_LIST, .target = &ignore_id_prefixes, .metavar = "PREFIX",
	  .help = "strip PREFIX from route IDs before matching them (the first matching prefix)" },
	{ .name = "ignore-zones", .kind = OPT_BOOL, .target = &ignore_zones,
	  .help = "drop LB endpoint zones before comparing" },
	{ .name = "ignore-endpoints", .kind = OPT_BOOL, .target = &ignore_endpoints,
	  .help = "drop LB endpoint lists before comparing (type and algorithm still count)" },
	{ .name = "repeat", .kind = OPT_INT, .target = &repeat, .metavar = "N",
	  .help = "read and compare both tables N times, -interval apart, and report only the differences seen "
		  "in every comparison (tables of a cluster whose pods roll differ for a moment); stops early "
		  "when a comparison finds none" },
	{ .name = "interval", .kind = OPT_DURATION, .target = &interval_ms, .metavar = "DURATION",
	  .help = "time between two comparisons of -repeat" },
	{ .name = "group-fleet", .kind = OPT_GROUP, .help = "Fleet" },
	{ .name = "fleet", .kind = OPT_STRING, .target = &fleet_url, .metavar = "URL", .completion = "url",
	  .help = "instead of OLD and NEW: summarise the fleet of skippers a route server's support listener "
		  "shows (URL, or URL/fleet): clients per table, the stale ones, and how each stale table differs "
		  "from the current one (counted; the report with -u, per object with -stat)" },
	{ .name = "group-input", .kind = OPT_GROUP, .help = "Input" },
	{ .name = "timeout", .kind = OPT_DURATION, .target = &timeout_ms, .metavar = "DURATION",
	  .help = "time limit for reading a URL" },
	{ .name = "insecure", .kind = OPT_BOOL, .target = &insecure,
	  .help = "do not verify TLS certificates of https URLs" },
	{ 0 },
};

static opt_command command = {
	.name = "routesrv-diff",
	.usage = "[flags] OLD NEW | -fleet URL",
	.summary = "Compare two eskip routing tables semantically (OLD and NEW: files, - for standard input, or "
		   "http(s) URLs), or the tables a fleet of skippers holds (-fleet). Exit status: 0 same (every "
		   "client current), 1 different (stale clients), 2 trouble.",
	.opts = options,
	.min_operands = 0,
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

/* -width, else $COLUMNS, else the terminal's width when standard output is one, else none. */
static size_t output_width(void)
{
	if (opt_find(&command, "width")->seen)
		return (size_t)width;
	const char *env = getenv("COLUMNS");
	char *end;
	long n = env ? strtol(env, &end, 10) : 0;
	if (env && *env && !*end && n > 0)
		return (size_t)n;
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

static route_diff_opts diff_options(void)
{
	return (route_diff_opts){
		.ignore_id_prefixes = ignore_id_prefixes.v,
		.nignore_id_prefixes = ignore_id_prefixes.n,
		.ignore_zones = ignore_zones,
		.ignore_endpoints = ignore_endpoints,
	};
}

static int write_out(const buf *out)
{
	if (out->len && (fwrite(out->ptr, 1, out->len, stdout) != out->len || fflush(stdout) != 0)) {
		perror("routesrv-diff: standard output");
		return 2;
	}
	return 0;
}

/* Two generations of tables (-repeat keeps the previous comparison's), freed at exit, also
 * when a later input fails, so leak checkers stay quiet. */
static route_table *tables[2][2];
static route_diff diffs[2];
static char **names;   /* the operands: owned by opt */

static void free_all(void)
{
	for (int g = 0; g < 2; g++) {
		route_diff_free(&diffs[g]);
		route_table_free(tables[g][0]);
		route_table_free(tables[g][1]);
	}
}

static route_table *load(int gen, int i, const input_opts *io)
{
	route_table_free(tables[gen][i]);
	tables[gen][i] = route_table_new();
	buf err = BUF_INIT;
	if (input_read_eskip(tables[gen][i], names[i], io, &err) != 0) {
		fprintf(stderr, "routesrv-diff: %s\n", err.ptr);
		buf_free(&err);
		exit(2);
	}
	buf_free(&err);
	return tables[gen][i];
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Compares the operands -repeat times; the last comparison, keeping only what every one found. */
static const route_diff *compare(void)
{
	input_opts io = { .timeout_ms = timeout_ms, .insecure = insecure };
	route_diff_opts dopts = diff_options();
	route_diff *d = NULL;
	for (long k = 0; k < repeat; k++) {
		int gen = (int)(k % 2);
		if (k)
			sleep_ms(interval_ms);
		route_diff_free(&diffs[gen]);
		route_table *old_t = load(gen, 0, &io), *new_t = load(gen, 1, &io);
		route_diff_compute(&diffs[gen], old_t->routes, old_t->n, new_t->routes, new_t->n, &dopts);
		if (d)
			route_diff_keep_persistent(&diffs[gen], d);
		d = &diffs[gen];
		if (route_diff_same(d))
			break;   /* nothing left that every comparison could have seen */
	}
	return d;
}

static int print_report(const route_diff *d)
{
	const char *old_name = input_display_name(names[0]), *new_name = input_display_name(names[1]);
	bool same = route_diff_same(d);
	buf out = BUF_INIT;
	if (brief || (report_identical && same && !json && !stat_only)) {
		if (!same)
			buf_printf(&out, "Tables %s and %s differ\n", old_name, new_name);
		else if (report_identical)
			buf_printf(&out, "Tables %s and %s are identical\n", old_name, new_name);
	} else {
		route_diff_print_opts po = {
			.old_name = old_name,
			.new_name = new_name,
			.color = !json && use_color(),
			.stat = stat_only,
			.width = json ? 0 : output_width(),
			.group_of = kube_route_group,
		};
		if (json) {
			route_diff_print_json(&out, d, &po);
			buf_putc(&out, '\n');
		} else {
			route_diff_print_text(&out, d, &po);
		}
	}
	int status = write_out(&out);
	buf_free(&out);
	return status;
}

/* -fleet: the fleet's tables; exit 0 when every client holds the current one, 1 when some
 * hold a stale one, 2 when the fleet or a table could not be read. */
static int fleet_summary(void)
{
	input_opts io = { .timeout_ms = timeout_ms, .insecure = insecure };
	fleet_report r;
	buf err = BUF_INIT, out = BUF_INIT;
	if (fleet_report_read(fleet_url, &io, &r, &err) != 0) {
		fprintf(stderr, "routesrv-diff: %s\n", err.ptr);
		buf_free(&err);
		fleet_report_free(&r);
		return 2;
	}
	route_diff_opts dopts = diff_options();
	int status = fleet_report_compare(&r, &io, &dopts) ? 2 : r.stale ? 1 : 0;
	/* the per-table reports only when asked for: -u or -stat given */
	bool reports = opt_find(&command, "unified")->seen || stat_only;
	route_diff_print_opts po = { .color = !json && use_color(), .stat = stat_only,
				     .width = json ? 0 : output_width(), .group_of = kube_route_group };
	if (quiet) {
		/* the exit status only */
	} else if (brief || (report_identical && !r.stale && !json)) {
		if (r.stale) buf_printf(&out, "Fleet %s: %zu of %zu clients hold a stale table\n", r.url, r.stale, r.n);
		else if (report_identical) buf_printf(&out, "Fleet %s: every client holds the current table\n", r.url);
	} else if (json) {
		fleet_report_print_json(&out, &r, reports, &po);
		buf_putc(&out, '\n');
	} else {
		fleet_report_print_text(&out, &r, reports, &po);
	}
	for (size_t g = 0; g < r.ngroups; g++)
		if (r.groups[g].error && !r.groups[g].gone)
			fprintf(stderr, "routesrv-diff: %s\n", r.groups[g].error);
	if (write_out(&out) != 0) status = 2;
	buf_free(&out);
	buf_free(&err);
	fleet_report_free(&r);
	return status;
}

int main(int argc, char **argv)
{
	int nnames;
	opt_parse(&command, argc, argv, &names, &nnames);
	atexit(free_all);
	if (fleet_url) {
		if (nnames != 0)
			opt_usage_error(&command, "-fleet reads the tables from the route server: no OLD and NEW");
		if (repeat != 1)
			opt_usage_error(&command, "-repeat compares OLD and NEW, not a fleet");
		if (timeout_ms <= 0)
			opt_usage_error(&command, "-timeout must be positive");
		return fleet_summary();
	}
	if (nnames != 2)
		opt_usage_error(&command, "%s", nnames < 2 ? "OLD and NEW are needed (or -fleet URL)" : "too many operands");
	if (strcmp(names[0], "-") == 0 && strcmp(names[1], "-") == 0)
		opt_usage_error(&command, "OLD and NEW cannot both be standard input");
	if (timeout_ms <= 0)
		opt_usage_error(&command, "-timeout must be positive");
	if (width < 0)
		opt_usage_error(&command, "invalid value \"%ld\" for flag -width: must not be negative", width);
	if (repeat < 1)
		opt_usage_error(&command, "invalid value \"%ld\" for flag -repeat: must be at least 1", repeat);
	if (repeat > 1 && (strcmp(names[0], "-") == 0 || strcmp(names[1], "-") == 0))
		opt_usage_error(&command, "-repeat reads its inputs again: standard input cannot be one of them");
	(void)unified;   /* the only report format; accepted for diff(1) habits */

	const route_diff *d = compare();
	int status = route_diff_same(d) ? 0 : 1;
	if (!quiet && print_report(d) != 0)
		status = 2;
	return status;
}
