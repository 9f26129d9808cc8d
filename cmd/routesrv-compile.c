/* routesrv-compile: Kubernetes objects (JSON or YAML files, directories, stdin) → the
 * routing table routesrv would serve for them, with skipper's conversion flags; with -check,
 * the problems of those objects instead (a linter for manifests and CI).
 * Exit status: 0 ok (-check: nothing to report), 1 (-check) errors, or warnings with
 * -check-warnings=error, 2 usage, option or input error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/output_file.h"
#include "pipeline/pipeline.h"

static const char *output_path, *zone_name, *config_file;
static const char *check_format = "text", *check_warnings = "warn";
static bool pretty, json, log_json, check;

static const char *const check_formats[] = { "text", "json", NULL };
static const char *const warning_modes[] = { "warn", "error", NULL };

static opt_def *build_table(kube_options *ko, route_processing *rp)
{
	const opt_def own[] = {
		{ .name = "output-group", .kind = OPT_GROUP, .help = "Output and logging" },
		{ .name = "o", .kind = OPT_STRING, .target = &output_path, .metavar = "FILE",
		  .help = "write the table to FILE (replaced only on success) instead of stdout", .completion = "file" },
		{ .name = "pretty", .kind = OPT_BOOL, .target = &pretty,
		  .help = "print for humans: each filter and the backend on a line of its own" },
		{ .name = "json", .kind = OPT_BOOL, .target = &json, .help = "print the routes as a JSON array" },
		{ .name = "zone", .kind = OPT_STRING, .target = &zone_name, .metavar = "NAME",
		  .help = "print the table a skipper in zone NAME gets (/routes/NAME)" },
		{ .name = "application-log-json-enabled", .kind = OPT_BOOL, .target = &log_json, .help = "log as JSON lines" },
		{ .name = "config-file", .kind = OPT_STRING, .target = &config_file, .metavar = "FILE",
		  .help = "YAML file of flag values (command-line flags win)", .completion = "file" },
		{ .name = "check-group", .kind = OPT_GROUP, .help = "Checking objects (a linter)" },
		{ .name = "check", .kind = OPT_BOOL, .target = &check,
		  .help = "report every problem of the objects (FILE:LINE: Kind namespace/name: message) "
			  "instead of printing routes" },
		{ .name = "check-format", .kind = OPT_STRING, .target = &check_format, .metavar = "FORMAT",
		  .choices = check_formats, .help = "-check output: text lines, or one JSON object per problem" },
		{ .name = "check-warnings", .kind = OPT_STRING, .target = &check_warnings, .metavar = "MODE",
		  .choices = warning_modes, .help = "-check exit status for warnings only: warn (0) or error (1)" },
	};
	opt_table t = { 0 };
	size_t count;
	opt_table_add(&t, own, sizeof own / sizeof *own);
	const opt_def *defs = kube_options_flags(ko, &count);
	opt_table_add(&t, defs, count);
	defs = route_processing_flags(rp, &count);
	opt_table_add(&t, defs, count);
	return opt_table_done(&t);
}

/* Large JSON lists are read by two processes (this command has one thread, so it may fork).
 * ROUTESRV_READ_JOBS=1 reads in one process; ROUTESRV_READ_FORK_BYTES lowers the 4 MiB
 * threshold so tests can compare both on small inputs. */
static kube_read_options read_options(void)
{
	const char *jobs = getenv("ROUTESRV_READ_JOBS"), *bytes = getenv("ROUTESRV_READ_FORK_BYTES");
	kube_read_options r = { .processes = jobs && strcmp(jobs, "1") == 0 ? 1 : 2 };
	if (bytes && *bytes)
		r.fork_bytes = strtoul(bytes, NULL, 10);
	return r;
}

static int write_output(const buf *b)
{
	buf err = BUF_INIT;
	int rc = output_file_write_buf(output_path ? output_path : "-", b, &err);
	if (rc != 0)
		log_printf(LOG_ERROR, "%s", err.ptr);
	buf_free(&err);
	return rc;
}

/* -check: the problems instead of the routes. */
static int run_check(const kube_options *ko, const route_processing *rp, const char *const *inputs, size_t n)
{
	kube_reporter rep;
	kube_reporter_init(&rep, true);
	pipeline_options po = { .kube = ko, .process = rp, .read = read_options() };
	buf err = BUF_INIT, out = BUF_INIT;
	int status;
	if (pipeline_check(&po, inputs, n, &rep, &err) != 0) {
		fprintf(stderr, "routesrv-compile: %s\n", err.ptr);
		status = 2;
	} else {
		pipeline_check_print(&out, &rep, strcmp(check_format, "json") == 0);
		size_t errors = 0;
		for (size_t i = 0; i < rep.nproblems; i++)
			errors += rep.problems[i].severity == KUBE_PROBLEM_ERROR;
		bool warnings_fail = strcmp(check_warnings, "error") == 0;
		status = errors || (warnings_fail && rep.nproblems) ? 1 : 0;
		if (write_output(&out) != 0)
			status = 2;
	}
	buf_free(&out);
	buf_free(&err);
	kube_reporter_free(&rep);
	return status;
}

int main(int argc, char **argv)
{
	kube_options ko;
	route_processing rp;
	kube_options_init(&ko);
	route_processing_init(&rp);
	opt_command cmd = {
		.name = "routesrv-compile",
		.usage = "[flags] [FILE|DIR|-]...",
		.summary = "Compile Kubernetes Ingresses and RouteGroups (JSON or YAML) into the routing table routesrv serves.",
		.opts = build_table(&ko, &rp),
		.min_operands = 0,
		.max_operands = -1,
	};
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);
	if (pretty && json)
		opt_usage_error(&cmd, "-pretty and -json exclude each other");
	/* -check prints problems, not routes; its own flags without it are a forgotten -check */
	if (check && (pretty || json || zone_name))
		opt_usage_error(&cmd, "-check prints problems, not routes: -pretty, -json and -zone do not apply "
				      "(-check-format=json gives JSON)");
	if (!check && (strcmp(check_format, "text") != 0 || strcmp(check_warnings, "warn") != 0))
		opt_usage_error(&cmd, "-check-format and -check-warnings go with -check");

	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0 || route_processing_finish(&rp, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	log_setup(log_json, ko.app_log_level);

	static const char *const stdin_only[] = { "-" };
	const char *const *inputs = noperands ? (const char *const *)operands : stdin_only;
	size_t ninputs = noperands ? (size_t)noperands : 1;
	if (check) {
		int status = run_check(&ko, &rp, inputs, ninputs);
		route_processing_free(&rp);
		kube_options_free(&ko);
		buf_free(&err);
		return status;
	}
	/* A logging reporter counts the objects: the load says at INFO (the default level) how
	 * many of each kind it read, used and skipped, on one stderr line. */
	kube_reporter rep;
	kube_reporter_init(&rep, false);
	pipeline_options po = { .kube = &ko, .process = &rp, .read = read_options(), .reporter = &rep };
	route_table *t = pipeline_compile_files(&po, inputs, ninputs, &err);
	kube_reporter_free(&rep);
	if (!t) {
		fprintf(stderr, "%s: %s\n", cmd.name, err.ptr);
		exit(2);
	}
	buf out = BUF_INIT;
	pipeline_print_format f = json ? PIPELINE_PRINT_JSON : pretty ? PIPELINE_PRINT_PRETTY : PIPELINE_PRINT_SERVED;
	pipeline_print(&out, t, f, zone_name);
	/* Output for terminals and text tools ends with a newline (wc -l counts every route); the
	 * served bytes are the text without it, and routesrv-etag reads both to the served tag. */
	if (out.len && out.ptr[out.len - 1] != '\n')
		buf_putc(&out, '\n');
	int status = write_output(&out) == 0 ? 0 : 2;

	buf_free(&out);
	buf_free(&err);
	route_table_free(t);
	route_processing_free(&rp);
	kube_options_free(&ko);
	return status;
}
