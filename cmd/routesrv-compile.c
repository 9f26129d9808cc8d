/* routesrv-compile: Kubernetes objects (JSON or YAML files, directories, stdin) → the
 * routing table routesrv would serve for them, with skipper's conversion flags.
 * Exit status: 0 ok, 2 usage, option or input error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "eskip/eskip.h"
#include "routes/kube_compile.h"
#include "routes/kube_options.h"
#include "objects/kube_options_fixture.h"
#include "objects/kube_read.h"
#include "objects/kube_selector.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/output_file.h"
#include "routes/route_process.h"
#include "table/zone_tables.h"


static const char *output_path, *zone_name, *config_file, *fixture_options;
static bool pretty, json, log_json;

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
		{ .name = "fixture-options", .kind = OPT_STRING, .target = &fixture_options, .metavar = "FILE",
		  .help = "apply a skipper fixture .kube option file with the fixture harness's defaults (for tests)",
		  .completion = "file", .flags = OPT_HIDDEN },
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

/* The fixture harness builds its options from Go zero values: no health check and no HTTPS
 * redirect unless the .kube file (or an explicit flag) turns them on. */
static void apply_fixture_options(opt_command *cmd, kube_options *ko)
{
	opt_def *hc = opt_find(cmd, "kubernetes-healthcheck"), *redirect = opt_find(cmd, "kubernetes-https-redirect");
	if (hc && !hc->seen)
		ko->healthcheck = false;
	if (redirect && !redirect->seen)
		ko->https_redirect = false;
	buf err = BUF_INIT;
	if (kube_options_load_fixture(ko, fixture_options, &err) != 0)
		opt_usage_error(cmd, "-fixture-options %s", err.ptr);
	buf_free(&err);
}

static void read_inputs(const opt_command *cmd, kube_cluster *c, char **operands, int noperands)
{
	static char *stdin_only[] = { "-", NULL };
	if (noperands == 0)
		operands = stdin_only, noperands = 1;
	buf err = BUF_INIT;
	for (int i = 0; i < noperands; i++)
		if (kube_read_path(c, operands[i], &err) != 0) {
			fprintf(stderr, "%s: %s\n", cmd->name, err.ptr);
			exit(2);
		}
	buf_free(&err);
}

/* Large JSON lists are read by two processes (this command has one thread, so it may fork).
 * ROUTESRV_READ_JOBS=1 reads in one process; ROUTESRV_READ_FORK_BYTES lowers the 4 MiB
 * threshold so tests can compare both on small inputs. */
static void read_processes(void)
{
	const char *jobs = getenv("ROUTESRV_READ_JOBS"), *bytes = getenv("ROUTESRV_READ_FORK_BYTES");
	kube_read_processes = jobs && strcmp(jobs, "1") == 0 ? 1 : 2;
	if (bytes && *bytes)
		kube_read_fork_bytes = strtoul(bytes, NULL, 10);
}

static void format(buf *out, const route_table *t)
{
	if (json) {
		eskip_print_json(out, t->routes, t->n);
		buf_putc(out, '\n');
	} else if (pretty) {
		eskip_print_opts po = { .pretty = true };
		eskip_print_routes(out, t->routes, t->n, &po);
		if (t->n)
			buf_putc(out, '\n');
	} else {
		eskip_print_served(out, t);   /* the bytes routesrv-serve serves (main adds the newline) */
	}
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
	if (fixture_options)
		apply_fixture_options(&cmd, &ko);

	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0 || route_processing_finish(&rp, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	log_setup(log_json, ko.app_log_level);

	read_processes();
	kube_cluster *c = kube_cluster_new();
	read_inputs(&cmd, c, operands, noperands);
	kube_cluster_select(c, &ko);

	route_table *t = route_table_new();
	kube_compile(c, &ko, t);
	kube_cluster_free(c);   /* routes own copies of everything they use */
	route_process(t, &rp);

	buf out = BUF_INIT;
	route_table *zoned = NULL;
	if (zone_name && !json && !pretty) {
		/* the zone's document made from the full one, as routesrv-serve makes it */
		served_doc full = { .doc = BUF_INIT };
		served_doc_print(&full, t);
		zone_doc_print(&out, t, &full, str_c(zone_name));
		served_doc_free(&full);
	} else {
		zoned = zone_name ? zone_table_build(t, str_c(zone_name), NULL) : NULL;
		format(&out, zoned ? zoned : t);
	}
	/* Output for terminals and text tools ends with a newline (wc -l counts every route); the
	 * served bytes are the text without it, and routesrv-etag reads both to the served tag. */
	if (out.len && out.ptr[out.len - 1] != '\n')
		buf_putc(&out, '\n');
	int status = write_output(&out) == 0 ? 0 : 2;

	buf_free(&out);
	buf_free(&err);
	route_table_free(zoned);
	route_table_free(t);
	route_processing_free(&rp);
	kube_options_free(&ko);
	return status;
}
