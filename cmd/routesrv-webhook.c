/* routesrv-webhook: a Kubernetes admission webhook for Ingresses and RouteGroups, a drop-in
 * for skipper's (POST /routegroups, POST /ingresses with AdmissionReview admission.k8s.io/v1,
 * /healthz, /metrics). It never talks to the API server: each answer depends on the one
 * object in the request (pipeline_admit), so its cost does not grow with the cluster.
 * -mode=skipper answers exactly as skipper; -mode=full (default) also rejects what
 * routesrv-compile -check reports as errors for the object.
 * Exit status: 0 after SIGINT/SIGTERM, 2 usage or start-up error. */
#include <jv.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/opt.h"
#include "http/http_server.h"
#include "http/tls_config.h"
#include "pipeline/pipeline.h"

#define MAX_BODY (3u << 20)   /* skipper's: 3 MiB */

static const char *address = "", *cert_file, *key_file, *mode = "full";
static bool log_json;
static const char *const modes[] = { "full", "skipper", NULL };

enum { PAT_RG, PAT_INGRESS, PAT_HEALTHZ, PAT_METRICS, PAT_N };
static const char *const patterns[PAT_N] = { "/routegroups", "/ingresses", "/healthz", "/metrics" };

/* --- metrics ----------------------------------------------------------------------------------
 * skipper's webhook metrics are not named by the spec (docs/spec), so these are routesrv's
 * own names (routesrv_webhook_*, as routesrv-serve's routesrv_*), rendered like its other
 * metrics; every series exists at 0 from start-up. One request thread: plain counters. */

enum { C_REQUESTS, C_INVALID, C_APPROVED, C_REJECTED, NCOUNTERS };
static const char *const counter_names[NCOUNTERS][2] = {
	{ "routesrv_webhook_requests_total", "Admission requests received, valid or not." },
	{ "routesrv_webhook_invalid_requests_total",
	  "Requests answered 400: another method or content type, a body over 3 MiB or no AdmissionReview." },
	{ "routesrv_webhook_approved_requests_total", "Admission reviews answered allowed." },
	{ "routesrv_webhook_rejected_requests_total", "Admission reviews answered not allowed." },
};

typedef struct {
	const char *labels;                  /* admitter="routegroup" */
	unsigned long count[NCOUNTERS];
	metrics_histogram duration;
} admitter_metrics;
static admitter_metrics admitters[2] = { { .labels = "admitter=\"routegroup\"" },
					 { .labels = "admitter=\"ingress\"" } };

static void render_metrics(buf *out)
{
	for (int k = 0; k < NCOUNTERS; k++) {
		metrics_put_header(out, counter_names[k][0], "counter", counter_names[k][1]);
		for (int a = 0; a < 2; a++)
			metrics_put_sample(out, counter_names[k][0], admitters[a].labels, (double)admitters[a].count[k]);
	}
	metrics_put_header(out, "routesrv_webhook_admission_duration_seconds", "histogram",
			   "Seconds spent validating one admission review.");
	for (int a = 0; a < 2; a++)
		metrics_put_histogram(out, "routesrv_webhook_admission_duration_seconds", &admitters[a].duration,
				      admitters[a].labels);
	metrics_render_build_info(out);
	metrics_render_process(out);
}

/* --- admission ---------------------------------------------------------------------------------- */

typedef struct {
	pipeline_options po;
	bool exact;
} webhook;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The AdmissionReview answer (skipper's shape: status only when not allowed). */
static void review_answer(http_answer *out, jv uid, bool allowed, const char *message)
{
	jv resp = jv_object();
	resp = jv_object_set(resp, jv_string("uid"), uid);
	resp = jv_object_set(resp, jv_string("allowed"), jv_bool(allowed));
	if (!allowed)
		resp = jv_object_set(resp, jv_string("status"), jv_object_set(jv_object(), jv_string("message"),
										 jv_string(message)));
	jv review = jv_object();
	review = jv_object_set(review, jv_string("kind"), jv_string("AdmissionReview"));
	review = jv_object_set(review, jv_string("apiVersion"), jv_string("admission.k8s.io/v1"));
	review = jv_object_set(review, jv_string("response"), resp);
	jv text = jv_dump_string(review, 0);
	buf_puts(&out->body, jv_string_value(text));
	jv_free(text);
	out->status = 200;
	out->content_type = "application/json";
}

static void admit(webhook *w, const http_post *req, http_answer *out, admitter_metrics *m, const char *kind)
{
	m->count[C_REQUESTS]++;
	if (strcmp(req->method, "POST") != 0 || !req->content_type || strcmp(req->content_type, "application/json") != 0 ||
	    req->too_large) {
		m->count[C_INVALID]++;
		out->status = 400;
		return;
	}
	jv review = jv_parse_sized(req->body, (int)req->len);
	jv request = jv_get_kind(review) == JV_KIND_OBJECT ? jv_object_get(jv_copy(review), jv_string("request")) : jv_invalid();
	if (jv_get_kind(request) != JV_KIND_OBJECT) {
		m->count[C_INVALID]++;
		log_kv(LOG_ERROR, "Failed to parse request", "admitter", kind, NULL);
		out->status = 400;
		jv_free(review);
		jv_free(request);
		return;
	}
	jv_free(review);
	double start = now();
	jv uid = jv_object_get(jv_copy(request), jv_string("uid"));
	if (jv_get_kind(uid) != JV_KIND_STRING) {
		jv_free(uid);
		uid = jv_string("");
	}
	jv object = jv_object_get(jv_copy(request), jv_string("object"));
	/* No object (a DELETE): nothing to check, and -mode=full admits it, so that no deletion
	 * is ever blocked; skipper's webhook checks an empty object (a RouteGroup "without name"). */
	bool no_object = jv_get_kind(object) != JV_KIND_OBJECT;
	if (no_object) {
		jv_free(object);
		object = jv_object();
	}
	object = jv_object_set(object, jv_string("kind"), jv_string(kind));
	jv text = jv_dump_string(object, 0);
	buf msg = BUF_INIT, full = BUF_INIT;
	int rc = no_object && !w->exact ? 0
		 : pipeline_admit(&w->po, jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)), w->exact,
				  &msg);
	if (rc < 0)
		buf_printf(&full, "could not parse %s: %s", kind, msg.ptr ? msg.ptr : "");
	else
		buf_append(&full, msg.ptr, msg.len);
	review_answer(out, uid, rc == 0, full.ptr ? full.ptr : "");
	if (rc == 0) {
		m->count[C_APPROVED]++;
		log_kv(LOG_DEBUG, "Approved", "admitter", kind, NULL);
	} else {
		m->count[C_REJECTED]++;
		log_kv(LOG_DEBUG, "Rejected", "admitter", kind, "message", full.ptr ? full.ptr : "", NULL);
	}
	metrics_histogram_observe(&m->duration, now() - start);
	jv_free(text);
	jv_free(request);
	buf_free(&msg);
	buf_free(&full);
}

static void handle(void *ctx, const http_post *req, http_answer *out)
{
	webhook *w = ctx;
	switch (req->pattern) {
	case PAT_RG:
		admit(w, req, out, &admitters[0], "RouteGroup");
		break;
	case PAT_INGRESS:
		admit(w, req, out, &admitters[1], "Ingress");
		break;
	case PAT_HEALTHZ:
		buf_puts(&out->body, "ok\n");
		break;
	case PAT_METRICS:
		render_metrics(&out->body);
		out->content_type = "text/plain; version=0.0.4; charset=utf-8";
		break;
	}
}

/* --- main ---------------------------------------------------------------------------------------- */

/* Serves until SIGINT or SIGTERM: 0, or 2 with the reason in err when the listener cannot
 * start. SIGINT and SIGTERM are blocked before the server's threads start (they inherit the
 * mask) and taken by sigwait: a signal arriving at any moment ends the wait. */
static int listen_until_signal(webhook *w, tls_config *tls, buf *err)
{
	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	if (!*address)
		address = tls ? ":9443" : ":9080";
	http_webhook hook = { patterns, PAT_N, MAX_BODY, handle, w };
	http_server_config cfg = { .address = address, .tls = tls, .read_header_timeout_ms = 10000 };
	http_server *srv = http_server_start_webhook(&cfg, &hook, err);
	if (!srv)
		return 2;
	log_kv(LOG_INFO, "admission webhook listening", "address", address, "mode", mode, "tls", tls ? "true" : "false",
	       NULL);
	int sig;
	sigwait(&signals, &sig);
	http_server_stop(srv, 5000);
	return 0;
}

static opt_def *build_table(kube_options *ko)
{
	const opt_def own[] = {
		{ .name = "webhook-group", .kind = OPT_GROUP, .help = "Admission webhook" },
		{ .name = "address", .kind = OPT_STRING, .target = &address, .metavar = "ADDR",
		  .default_text = ":9443 with a certificate, else :9080", .help = "listen on ADDR (host:port, :port)" },
		{ .name = "tls-cert-file", .kind = OPT_STRING, .target = &cert_file, .metavar = "FILE",
		  .help = "TLS certificate (PEM); without it the webhook speaks plain HTTP", .completion = "file" },
		{ .name = "tls-key-file", .kind = OPT_STRING, .target = &key_file, .metavar = "FILE",
		  .help = "TLS private key (PEM)", .completion = "file" },
		{ .name = "mode", .kind = OPT_STRING, .target = &mode, .metavar = "MODE", .choices = modes,
		  .help = "answers: full (also what routesrv-compile -check reports as errors) or skipper (skipper's exactly)" },
		{ .name = "application-log-json-enabled", .kind = OPT_BOOL, .target = &log_json, .help = "log as JSON lines" },
	};
	opt_table t = { 0 };
	size_t count;
	opt_table_add(&t, own, sizeof own / sizeof *own);
	const opt_def *defs = kube_options_flags(ko, &count);
	opt_table_add(&t, defs, count);
	return opt_table_done(&t);
}

int main(int argc, char **argv)
{
	kube_options ko;
	kube_options_init(&ko);
	opt_command cmd = {
		.name = "routesrv-webhook",
		.usage = "[flags]",
		.summary = "Admission webhook for Ingresses and RouteGroups (a drop-in for skipper's webhook).",
		.opts = build_table(&ko),
		.min_operands = 0,
		.max_operands = 0,
	};
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);
	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	if (!cert_file != !key_file)
		opt_usage_error(&cmd, "-tls-cert-file and -tls-key-file go together");
	log_setup(log_json, ko.app_log_level);
	for (int a = 0; a < 2; a++)
		metrics_histogram_init(&admitters[a].duration);

	tls_config tls = { 0 };
	int status = 2;
	if (cert_file && tls_config_load(&tls, cert_file, key_file, NULL, NULL, false, false, &err) != 0) {
		fprintf(stderr, "%s: %s\n", cmd.name, err.ptr);
	} else {
		webhook w = { .po = { .kube = &ko }, .exact = strcmp(mode, "skipper") == 0 };
		status = listen_until_signal(&w, cert_file ? &tls : NULL, &err);
		if (status != 0)
			fprintf(stderr, "%s: %s\n", cmd.name, err.ptr);
	}
	tls_config_free(&tls);
	kube_options_free(&ko);
	buf_free(&err);
	return status;
}
