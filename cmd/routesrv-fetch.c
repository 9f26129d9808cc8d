/* routesrv-fetch: list the Kubernetes objects routesrv compiles, as one JSON List.
 * Exit status: 0 ok, 2 usage or configuration error, 3 API or network error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/output_file.h"
#include "pipeline/pipeline.h"

#define EXIT_API 3

static const char *output_path, *config_file;
static bool log_json;

/* Of the conversion flags, fetch uses those that change what is listed. */
static bool fetch_uses(const char *name)
{
	size_t n = strlen(name), s = strlen("-label-selector");
	return strcmp(name, "enable-kubernetes-endpointslices") == 0 ||
	       (n > s && strcmp(name + n - s, "-label-selector") == 0);
}

static opt_def *build_table(kube_client_config *cfg, kube_options *ko)
{
	const opt_def output[] = {
		{ .name = "output-group", .kind = OPT_GROUP, .help = "Output and logging" },
		{ .name = "o", .kind = OPT_STRING, .target = &output_path, .metavar = "FILE", .completion = "file",
		  .help = "write the List to FILE (replaced only on success) instead of stdout" },
		{ .name = "application-log-json-enabled", .kind = OPT_BOOL, .target = &log_json, .help = "log as JSON lines" },
		{ .name = "config-file", .kind = OPT_STRING, .target = &config_file, .metavar = "FILE", .completion = "file",
		  .help = "YAML file of flag values (command-line flags win)" },
	};
	opt_table t = { 0 };
	size_t nc, nk;
	const opt_def *client = kube_client_config_flags(cfg, &nc);
	opt_table_add(&t, client, nc);
	opt_table_add(&t, &(opt_def){ .name = "selection-group", .kind = OPT_GROUP, .help = "What to list" }, 1);
	const opt_def *conv = kube_options_flags(ko, &nk);
	for (size_t i = 0; i < nk; i++)
		if (conv[i].name && conv[i].kind != OPT_GROUP && fetch_uses(conv[i].name))
			opt_table_add(&t, &conv[i], 1);
	opt_table_add(&t, output, sizeof output / sizeof *output);
	for (size_t i = 0; i < nk; i++)   /* and the same log level flag as the other commands */
		if (conv[i].name && strcmp(conv[i].name, "application-log-level") == 0)
			opt_table_add(&t, &conv[i], 1);
	return opt_table_done(&t);
}

/* An empty -o, like -o -, means standard output. */
static int write_output(const kube_list_text *t)
{
	buf err = BUF_INIT;
	const char *path = output_path && *output_path ? output_path : "-";
	int rc = output_file_write(path, t->pieces, t->n, &err);
	if (rc != 0)
		log_printf(LOG_ERROR, "%s", err.ptr);
	buf_free(&err);
	return rc;
}

int main(int argc, char **argv)
{
	kube_client_config cfg;
	kube_options ko;
	kube_client_config_init(&cfg);
	cfg.discovery = KUBE_DISCOVER_KUBECTL;   /* a tool next to kubectl connects where kubectl does */
	kube_options_init(&ko);
	opt_command cmd = {
		.name = "routesrv-fetch",
		.usage = "[flags]",
		.summary = "List the Ingresses, RouteGroups, Services and Endpoints(Slices) routesrv compiles, "
			   "as one JSON List.",
		.opts = build_table(&cfg, &ko),
		.min_operands = 0,
		.max_operands = 0,
	};
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);

	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	log_setup(log_json, ko.app_log_level);
	pipeline_options po = { .kube = &ko };

	kube_client *client = kube_client_new(&cfg, &err);
	if (!client)
		opt_usage_error(&cmd, "%s", err.ptr);

	int status = 0;
	kube_fetch_result res;
	kube_list_text out;
	if (pipeline_fetch(&po, client, &res, &err) != 0) {
		const char *hint = kube_client_hint(client);
		log_printf(LOG_ERROR, "%s%s%s", err.ptr, hint ? "; " : "", hint ? hint : "");
		status = EXIT_API;
	} else {
		if (kube_fetch_result_list_text(&res, &out, &err) != 0) {
			log_printf(LOG_ERROR, "%s", err.ptr);
			status = EXIT_API;
		} else {
			if (write_output(&out) != 0)
				status = 1;
			kube_list_text_free(&out);
		}
		kube_fetch_result_free(&res);
	}
	buf_free(&err);
	kube_client_free(client);
	kube_options_free(&ko);
	return status;
}
