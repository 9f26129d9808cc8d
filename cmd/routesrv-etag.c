/* routesrv-etag: print the ETag routesrv-serve sends for an eskip table (DECISIONS.md 1-2),
 * and optionally write the table's served form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/opt.h"
#include "base/output_file.h"
#include "base/input_read.h"
#include "pipeline/pipeline.h"

static const char *output_file;
static bool gzip_tag;

static opt_def options[] = {
	{ .name = "o", .kind = OPT_STRING, .target = &output_file, .metavar = "FILE", .completion = "file",
	  .help = "also write the served form to FILE (-: stdout, the tag then goes to stderr)" },
	{ .name = "gzip", .kind = OPT_BOOL, .target = &gzip_tag,
	  .help = "print the tag of the gzip representation (\"<hash>+gzip\")" },
	{ 0 },
};

static opt_command command = {
	.name = "routesrv-etag",
	.usage = "[flags] [FILE|URL|-]...",
	.summary = "Print the ETag of an eskip routing table as routesrv-serve sends it (standard input without "
		   "operands); of several inputs, one \"TAG  NAME\" line each, as sha256sum.",
	.opts = options,
	.min_operands = 0,
	.max_operands = -1,
};

/* Freed at exit, also on the error paths (fail() exits), so leak checkers stay quiet. */
static route_table *table;
static pipeline_served served;
static buf err = BUF_INIT;
static char **operands;

static void free_all(void)
{
	route_table_free(table);
	pipeline_served_free(&served);
	buf_free(&err);
}

static void fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "routesrv-etag: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(2);
}

static void write_served(const char *path, const buf *text)
{
	if (output_file_write_buf(path, text, &err) != 0)
		fail("%s%s", err.ptr, "");
}

/* An id-less route is a whole document on its own; next to other routes it would be
 * printed as ": expr;", which does not parse. */
static int check_ids(const route_table *t, buf *why)
{
	for (size_t i = 0; t->n >= 2 && i < t->n; i++)
		if (t->routes[i].id.len == 0) {
			buf_puts(why, "a route without id (a lone route expression) cannot be part of a table of several routes");
			return -1;
		}
	return 0;
}

/* The served form of one input in `served` and its tag; -1 with the message in err. */
static int tag_input(const char *name, char tag[ETAG_MAX])
{
	route_table_free(table);
	table = route_table_new();
	pipeline_served_free(&served);
	if (pipeline_load_eskip(&name, 1, table, &err) != 0 || check_ids(table, &err) != 0)
		return -1;
	/* No processing flags: canonical order, and the routes whose served text would not parse
	 * dropped (a number literal too large for a double reads as +Inf), as routesrv-serve does. */
	pipeline_options po = { .process = NULL };
	pipeline_process(&po, table);
	pipeline_serve(table, &served);
	snprintf(tag, ETAG_MAX, "%s", gzip_tag ? served.etag_gzip : served.etag);
	return 0;
}

int main(int argc, char **argv)
{
	int ninputs;
	opt_parse(&command, argc, argv, &operands, &ninputs);
	atexit(free_all);
	if (ninputs > 1 && output_file)
		opt_usage_error(&command, "-o writes the served form of one input, not of %d", ninputs);
	static char dash[] = "-";
	char *stdin_only[] = { dash, NULL };
	char **names = ninputs ? operands : stdin_only;
	int nnames = ninputs ? ninputs : 1, status = 0;

	for (int i = 0; i < nnames; i++) {
		char tag[ETAG_MAX];
		buf_reset(&err);
		if (tag_input(names[i], tag) != 0) {
			if (nnames == 1)
				fail("%s%s", err.ptr, "");
			/* as sha256sum: report this input, go on with the next, fail at the end */
			fprintf(stderr, "routesrv-etag: %s\n", err.ptr);
			status = 2;
			continue;
		}
		if (output_file)
			write_served(output_file, &served.full.doc);
		FILE *tag_out = output_file && strcmp(output_file, "-") == 0 ? stderr : stdout;
		if (nnames == 1)
			fprintf(tag_out, "%s\n", tag);
		else
			fprintf(tag_out, "%s  %s\n", tag, input_display_name(names[i]));
	}
	if (fflush(stdout) != 0 || fflush(stderr) != 0)
		fail("%s: %s", "standard output", strerror(errno));
	return status;
}
