/* kube_client.c: list the objects routesrv needs from the Kubernetes API (libcurl). */
#include "source/kube_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <jv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <time.h>

#include "base/input_read.h"
#include "base/json_scan.h"
#include "source/kube_client_internal.h"
#include "source/kubeconfig.h"
#include "base/log.h"
#include "base/redact.h"
#include "base/xalloc.h"

#define DEFAULT_SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define EXEC_PLUGIN_TIMEOUT_MS 30000L
#define EXEC_EXPIRY_LEEWAY_S 10          /* refresh plugin credentials this early */
#define MAX_RESERVE (1L << 30)           /* trust a Content-Length this far */
#define HUGE_PAGE ((size_t)2 << 20)
#define RECV_BUFFER_SIZE (512L * 1024)   /* libcurl's maximum before 7.88: fewer, larger callbacks */
#define CRD_GONE_CHECKS 10               /* discoveries in a row that must miss a CRD seen before */

/* --- configuration and flags ---------------------------------------------------------------- */

void kube_client_config_init(kube_client_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	/* skipper's client: 10 s for the dial, the TLS handshake and the response headers,
	 * nothing for the body (a 20 MB list over a busy link takes what it takes) */
	cfg->connect_timeout_ms = 10000;
	cfg->timeout_ms = 10000;
	cfg->stall_timeout_ms = 10000;
	cfg->max_pages = KUBE_DEFAULT_MAX_PAGES;
}

const opt_def *kube_client_config_flags(kube_client_config *cfg, size_t *n)
{
	static opt_def defs[] = {
		{ .name = "kubernetes-api-group", .kind = OPT_GROUP, .help = "Kubernetes API connection" },
		{ .name = "kubernetes-url", .kind = OPT_STRING, .metavar = "URL", .completion = "url",
		  .help = "API server URL, e.g. " KUBE_DEFAULT_URL " where kubectl proxy listens" },
		{ .name = "kubernetes-in-cluster", .kind = OPT_BOOL,
		  .help = "connect as a pod: KUBERNETES_SERVICE_HOST/PORT, service-account token and CA" },
		{ .name = "kubernetes-token-file", .kind = OPT_STRING, .metavar = "FILE", .completion = "file",
		  .help = "bearer token file, re-read every cycle and after a 401" },
		{ .name = "kubeconfig", .kind = OPT_STRING, .metavar = "FILE", .completion = "file",
		  .help = "kubeconfig file" },
		{ .name = "kube-context", .kind = OPT_STRING, .metavar = "NAME",
		  .help = "kubeconfig context instead of current-context" },
		{ .name = "kubernetes-namespace", .kind = OPT_STRING, .metavar = "NAMESPACE",
		  .help = "list only this namespace", .default_text = "all namespaces" },
		{ .name = "kubernetes-ca-file", .kind = OPT_STRING, .metavar = "FILE", .completion = "file",
		  .help = "CA certificates (PEM) to verify the API server" },
		{ .name = "kubernetes-client-cert", .kind = OPT_STRING, .metavar = "FILE", .completion = "file",
		  .help = "client certificate (PEM)" },
		{ .name = "kubernetes-client-key", .kind = OPT_STRING, .metavar = "FILE", .completion = "file",
		  .help = "client key (PEM)" },
		{ .name = "kubernetes-insecure-skip-tls-verify", .kind = OPT_BOOL,
		  .help = "do not verify the API server certificate (tests only)" },
		{ .name = "kubernetes-gzip", .kind = OPT_BOOL,
		  .help = "send Accept-Encoding: gzip (saves bandwidth, costs API server CPU)" },
		{ .name = "kubernetes-consistent-reads", .kind = OPT_BOOL,
		  .help = "quorum reads from etcd instead of resourceVersion=0 (watch cache)" },
		{ .name = "kubernetes-page-size", .kind = OPT_INT, .metavar = "N",
		  .help = "list in pages of N objects (limit/continue); 0: no paging" },
		{ .name = "kubernetes-max-pages", .kind = OPT_INT, .metavar = "N",
		  .help = "fail a list that takes more than N pages (continue tokens that never end)" },
		{ .name = "kubernetes-connect-timeout", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "connect and TLS handshake timeout" },
		{ .name = "kubernetes-timeout", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "time from sending a request to its response headers (connecting included); "
			  "the body is not bounded, see -kubernetes-stall-timeout" },
		{ .name = "kubernetes-stall-timeout", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "fail a request whose body stops arriving: no bytes for this long once the "
			  "response headers are in" },
		{ .name = NULL },
	};
	/* Without connection flags, each command has its own rule (kube_client_config.discovery). */
	bool kubectl = cfg->discovery == KUBE_DISCOVER_KUBECTL;
	defs[1].default_text = kubectl ? "as kubectl: $KUBECONFIG, else ~/.kube/config, else " KUBE_DEFAULT_URL
				       : KUBE_DEFAULT_URL " (as skipper; $KUBECONFIG is not read)";
	defs[4].default_text = kubectl ? "first entry of $KUBECONFIG, else ~/.kube/config" : "~/.kube/config";
	void *targets[] = {
		NULL, &cfg->url, &cfg->in_cluster, &cfg->token_file, &cfg->kubeconfig, &cfg->kube_context, &cfg->namespace,
		&cfg->ca_file, &cfg->client_cert, &cfg->client_key, &cfg->insecure_skip_tls_verify, &cfg->gzip,
		&cfg->consistent_reads, &cfg->page_size, &cfg->max_pages, &cfg->connect_timeout_ms, &cfg->timeout_ms,
		&cfg->stall_timeout_ms,
	};
	_Static_assert(sizeof targets / sizeof *targets + 1 == sizeof defs / sizeof *defs, "one target per flag");
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
		defs[i].target = targets[i];
	*n = sizeof defs / sizeof *defs - 1;
	return defs;
}

/* --- the client -------------------------------------------------------------------------------- */

struct kube_client {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char *base_url;                  /* without a trailing '/'; may hold userinfo: never print it */
	char *ns;                        /* NULL: cluster-wide */
	bool gzip, consistent_reads;
	long page_size, max_pages, connect_timeout_ms, timeout_ms, stall_timeout_ms;

	/* Credentials: a token file wins over a static token, which wins over an exec plugin. */
	char *token_file;
	char *static_token;              /* secret */
	kubeconfig kc;                   /* kept for the exec plugin */
	bool have_kc;
	kube_exec_credential exec_cred;  /* cached plugin output */
	bool exec_cred_valid;
	char *token;                     /* the token in use (secret) */
	struct curl_slist *headers;      /* holds "Authorization: Bearer <token>" (secret) */

	bool (*interrupt)(void *ctx);    /* kube_client_set_interrupt */
	void *interrupt_ctx;
	bool interrupted;                /* the last request was abandoned by it */

	bool default_url;                /* no flag or kubeconfig chose the server */
	bool unreachable;                /* the last request failed to connect */

	bool warned_no_routegroups;      /* warn once per process, as skipper */
	bool routegroups_seen;           /* the last accepted discovery listed RouteGroups */
	char *in_cluster_ca;             /* the service-account CA in use (in-cluster), or NULL */
	int routegroups_missing;         /* discoveries in a row since then that did not */
};

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void free_headers(kube_client *c)
{
	for (struct curl_slist *h = c->headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(c->headers);
	c->headers = NULL;
}

/* Installs the request headers for the current token (none: no Authorization). */
static void set_headers(kube_client *c)
{
	free_headers(c);
	c->headers = curl_slist_append(NULL, "Accept: application/json");
	if (c->token) {
		size_t n = strlen(c->token) + 32;
		char *h = malloc(n);
		if (!h)
			abort();
		snprintf(h, n, "Authorization: Bearer %s", c->token);
		c->headers = curl_slist_append(c->headers, h);
		explicit_bzero(h, n);
		free(h);
	}
	if (!c->headers)
		abort();
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
}

static void set_token(kube_client *c, const char *token)
{
	if (c->token && token && strcmp(c->token, token) == 0)
		return;
	wipe_free(c->token);
	c->token = token ? xstrdup(token) : NULL;
	set_headers(c);
}

/* Reads a token file: surrounding whitespace is trimmed (as client-go does); control
 * characters inside would forge headers and are refused. The token itself is never
 * part of a message. */
static int read_token_file(const char *path, char **out, buf *err)
{
	buf b = BUF_INIT;
	if (input_read_file(path, SIZE_MAX, &b) != 0) {
		buf_printf(err, "reading token file %s: %s", path, strerror(errno));
		if (b.ptr)
			explicit_bzero(b.ptr, b.cap);
		buf_free(&b);
		return -1;
	}
	size_t start = 0, end = b.len;
	while (start < end && strchr(" \t\r\n", b.ptr[start]))
		start++;
	while (end > start && strchr(" \t\r\n", b.ptr[end - 1]))
		end--;
	int rc = -1;
	if (end == start)
		buf_printf(err, "token file %s is empty", path);
	else {
		rc = 0;
		for (size_t i = start; i < end; i++)
			if ((unsigned char)b.ptr[i] < 0x21 || b.ptr[i] == 0x7f)
				rc = -1;
		if (rc != 0)
			buf_printf(err, "token file %s holds more than one token (whitespace or control characters)", path);
		else
			*out = strndup(b.ptr + start, end - start);
	}
	if (b.ptr)
		explicit_bzero(b.ptr, b.cap);
	buf_free(&b);
	return rc;
}

static int set_blob(CURL *curl, CURLoption opt, const kubeconfig_blob *b)
{
	struct curl_blob blob = { b->ptr, b->len, CURL_BLOB_COPY };
	return curl_easy_setopt(curl, opt, &blob) == CURLE_OK ? 0 : -1;
}

/* Exec plugin credentials: runs the plugin when there is no valid cached credential. */
static int refresh_exec(kube_client *c, bool force, buf *err)
{
	time_t now = time(NULL);
	if (c->exec_cred_valid && !force &&
	    (!c->exec_cred.has_expiry || c->exec_cred.expiry - EXEC_EXPIRY_LEEWAY_S > now))
		return 0;
	kube_exec_credential_clear(&c->exec_cred);
	c->exec_cred_valid = false;
	if (kubeconfig_exec_run(c->kc.exec, c->kc.server, EXEC_PLUGIN_TIMEOUT_MS, &c->exec_cred, err) != 0)
		return -1;
	c->exec_cred_valid = true;
	if (c->exec_cred.cert.ptr &&
	    (set_blob(c->curl, CURLOPT_SSLCERT_BLOB, &c->exec_cred.cert) || set_blob(c->curl, CURLOPT_SSLKEY_BLOB, &c->exec_cred.key))) {
		buf_printf(err, "exec plugin %s: libcurl does not take client certificates from memory", c->kc.exec->command);
		return -1;
	}
	set_token(c, c->exec_cred.token);
	return 0;
}

/* Brings the credentials up to date: at the start of each fetch and, forced, after a 401.
 * Returns whether the credentials may have changed (so a retry makes sense). */
static int refresh_credentials(kube_client *c, bool force, bool *refreshable, buf *err)
{
	*refreshable = false;
	if (c->token_file) {
		char *t = NULL;
		if (read_token_file(c->token_file, &t, err) != 0)
			return -1;
		set_token(c, t);
		wipe_free(t);
		*refreshable = true;
	} else if (c->static_token) {
		set_token(c, c->static_token);
	} else if (c->have_kc && c->kc.exec) {
		*refreshable = true;
		return refresh_exec(c, force, err);
	}
	return 0;
}

/* Applies TLS settings; files are read by libcurl on each new connection. */
static int setup_tls(kube_client *c, const char *ca_file, const kubeconfig_blob *ca_data, const char *cert_file,
		     const kubeconfig_blob *cert_data, const char *key_file, const kubeconfig_blob *key_data, bool insecure,
		     buf *err)
{
	CURL *h = c->curl;
	int rc = 0;
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca_file)
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, ca_file) != CURLE_OK;
	else if (ca_data && ca_data->ptr)
		rc |= set_blob(h, CURLOPT_CAINFO_BLOB, ca_data);
	if (cert_file)
		rc |= curl_easy_setopt(h, CURLOPT_SSLCERT, cert_file) != CURLE_OK;
	else if (cert_data && cert_data->ptr)
		rc |= set_blob(h, CURLOPT_SSLCERT_BLOB, cert_data);
	if (key_file)
		rc |= curl_easy_setopt(h, CURLOPT_SSLKEY, key_file) != CURLE_OK;
	else if (key_data && key_data->ptr)
		rc |= set_blob(h, CURLOPT_SSLKEY_BLOB, key_data);
	curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
#if LIBCURL_VERSION_NUM >= 0x075700
	/* Service-account CAs rotate: re-read the CA file for new connections after a minute. */
	curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 60L);
#endif
	if (insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (rc)
		buf_printf(err, "this libcurl cannot use the configured TLS certificates");
	return rc ? -1 : 0;
}

static char *base_without_slash(const char *url)
{
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

static int setup_in_cluster(kube_client *c, const kube_client_config *cfg, buf *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	if (!host || !*host || !port || !*port) {
		buf_printf(err, "-kubernetes-in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
		return -1;
	}
	const char *dir = getenv(KUBE_SERVICEACCOUNT_DIR_ENV);
	if (!dir || !*dir)
		dir = DEFAULT_SERVICEACCOUNT_DIR;
	buf b = BUF_INIT;
	bool v6 = strchr(host, ':') != NULL;
	buf_printf(&b, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
	c->base_url = buf_steal(&b, NULL);
	buf_printf(&b, "%s/token", dir);
	c->token_file = buf_steal(&b, NULL);
	buf_printf(&b, "%s/ca.crt", dir);
	char *ca = buf_steal(&b, NULL);
	int rc = setup_tls(c, cfg->ca_file ? cfg->ca_file : ca, NULL, cfg->client_cert, NULL, cfg->client_key, NULL,
			   cfg->insecure_skip_tls_verify, err);
	c->in_cluster_ca = cfg->ca_file ? xstrdup(cfg->ca_file) : ca;
	if (cfg->token_file && *cfg->token_file) {
		free(c->token_file);
		c->token_file = xstrdup(cfg->token_file);
	}
	return rc;
}

static int setup_kubeconfig(kube_client *c, const kube_client_config *cfg, buf *err)
{
	char *path = kubeconfig_path(cfg->kubeconfig, cfg->discovery == KUBE_DISCOVER_KUBECTL);
	int rc = kubeconfig_load(&c->kc, path, cfg->kube_context, err);
	free(path);
	c->have_kc = true;
	if (rc != 0)
		return -1;
	kubeconfig *k = &c->kc;
	c->base_url = base_without_slash(k->server);
	if (k->proxy_url)
		curl_easy_setopt(c->curl, CURLOPT_PROXY, k->proxy_url);
	if (cfg->token_file && *cfg->token_file)
		c->token_file = xstrdup(cfg->token_file);
	else if (k->token_file)
		c->token_file = xstrdup(k->token_file);
	else if (k->token)
		c->static_token = xstrdup(k->token);
	bool flag_cert = cfg->client_cert && *cfg->client_cert;
	return setup_tls(c, cfg->ca_file ? cfg->ca_file : k->ca_file, &k->ca_data,
			 flag_cert ? cfg->client_cert : k->client_cert_file, flag_cert ? NULL : &k->client_cert_data,
			 flag_cert ? cfg->client_key : k->client_key_file, flag_cert ? NULL : &k->client_key_data,
			 cfg->insecure_skip_tls_verify || k->insecure_skip_tls_verify, err);
}

static int setup_url(kube_client *c, const kube_client_config *cfg, buf *err)
{
	const char *url = cfg->url && *cfg->url ? cfg->url : KUBE_DEFAULT_URL;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		buf_printf(err, "-kubernetes-url %s: must start with http:// or https://", url);
		return -1;
	}
	c->base_url = base_without_slash(url);
	if (cfg->token_file && *cfg->token_file)
		c->token_file = xstrdup(cfg->token_file);
	return setup_tls(c, cfg->ca_file, NULL, cfg->client_cert, NULL, cfg->client_key, NULL,
			 cfg->insecure_skip_tls_verify, err);
}

static bool given(const char *s) { return s && *s; }

/* kubectl's rule reads ~/.kube/config when neither a flag nor $KUBECONFIG names one. */
static bool home_kubeconfig_exists(const kube_client_config *cfg)
{
	if (cfg->discovery != KUBE_DISCOVER_KUBECTL)
		return false;
	char *path = kubeconfig_path(NULL, true);
	bool found = access(path, F_OK) == 0;
	free(path);
	return found;
}

/* Connection mode: in-cluster; else an explicit URL; else a kubeconfig when one is named
 * (-kubeconfig, -kube-context or $KUBECONFIG) or, with kubectl's rule, ~/.kube/config
 * exists; else skipper's default, kubectl proxy. */
static int choose_mode(kube_client *c, const kube_client_config *cfg, buf *err)
{
	bool kubeconfig_flags = given(cfg->kubeconfig) || given(cfg->kube_context);
	bool skipper = cfg->discovery == KUBE_DISCOVER_SKIPPER;
	if (cfg->in_cluster && given(cfg->url) && skipper && !kubeconfig_flags) {
		/* skipper's routesrv takes the in-cluster settings and never reads the URL */
		char *shown = redact_dup(cfg->url);
		log_kv(LOG_INFO, "-kubernetes-url is ignored with -kubernetes-in-cluster, as in skipper", "url", shown, NULL);
		free(shown);
		return setup_in_cluster(c, cfg, err);
	}
	if (cfg->in_cluster && (given(cfg->url) || kubeconfig_flags)) {
		buf_printf(err, "-kubernetes-in-cluster excludes -kubernetes-url, -kubeconfig and -kube-context");
		return -1;
	}
	if (given(cfg->url) && kubeconfig_flags) {
		buf_printf(err, "-kubernetes-url excludes -kubeconfig and -kube-context");
		return -1;
	}
	if (given(cfg->client_cert) != given(cfg->client_key)) {
		buf_printf(err, "-kubernetes-client-cert and -kubernetes-client-key go together");
		return -1;
	}
	if (cfg->page_size < 0) {
		buf_printf(err, "-kubernetes-page-size must not be negative");
		return -1;
	}
	if (cfg->max_pages <= 0) {
		buf_printf(err, "-kubernetes-max-pages must be positive");
		return -1;
	}
	if (cfg->in_cluster)
		return setup_in_cluster(c, cfg, err);
	if (given(cfg->url))
		return setup_url(c, cfg, err);
	if (kubeconfig_flags || (!skipper && (given(getenv("KUBECONFIG")) || home_kubeconfig_exists(cfg))))
		return setup_kubeconfig(c, cfg, err);
	c->default_url = true;
	return setup_url(c, cfg, err);
}

void kube_client_set_interrupt(kube_client *c, bool (*interrupted)(void *ctx), void *ctx)
{
	c->interrupt = interrupted;
	c->interrupt_ctx = ctx;
}

bool kube_client_interrupted(const kube_client *c)
{
	return c->interrupted;
}

kube_client *kube_client_new(const kube_client_config *cfg, buf *err)
{
	static bool curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	kube_client *c = calloc(1, sizeof *c);
	if (!c || !(c->curl = curl_easy_init()))
		abort();
	c->gzip = cfg->gzip;
	c->consistent_reads = cfg->consistent_reads;
	c->page_size = cfg->page_size;
	c->max_pages = cfg->max_pages;
	c->timeout_ms = cfg->timeout_ms;
	c->stall_timeout_ms = cfg->stall_timeout_ms;
	c->connect_timeout_ms = cfg->connect_timeout_ms;
	if (given(cfg->namespace))
		c->ns = xstrdup(cfg->namespace);
	CURL *h = c->curl;
	curl_easy_setopt(h, CURLOPT_USERAGENT, "routesrv/" ROUTESRV_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* Bounded like skipper's client: connecting (TLS included) here, the time to the
	 * response headers and then stalls of the body by on_progress; never the total, so a
	 * huge list that keeps arriving is read to its end. (Not libcurl's low-speed limit: it
	 * also runs while the headers are awaited, cutting -kubernetes-timeout short.) */
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, RECV_BUFFER_SIZE);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);   /* never carry the token elsewhere */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	/* Only when asked: in-cluster, compression costs the API server CPU for nothing. */
	if (cfg->gzip)
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
	set_headers(c);
	buf e = BUF_INIT;
	if (choose_mode(c, cfg, &e) != 0) {
		redact_append(err, e.ptr ? e.ptr : "", e.len);   /* -kubernetes-url or server: may hold a password */
		buf_free(&e);
		kube_client_free(c);
		return NULL;
	}
	buf_free(&e);
	return c;
}

void kube_client_free(kube_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free_headers(c);
	free(c->base_url);
	free(c->ns);
	free(c->token_file);
	free(c->in_cluster_ca);
	wipe_free(c->static_token);
	wipe_free(c->token);
	kube_exec_credential_clear(&c->exec_cred);
	if (c->have_kc)
		kubeconfig_free(&c->kc);
	free(c);
}

int kube_client_check_credentials(kube_client *c, buf *err)
{
	if (!c->in_cluster_ca)
		return 0;
	buf ca = BUF_INIT, e = BUF_INIT;
	int rc = 0;
	if (input_read_file(c->in_cluster_ca, SIZE_MAX, &ca) != 0) {
		buf_printf(&e, "reading CA file %s: %s", c->in_cluster_ca, strerror(errno));
		rc = -1;
	} else {
		bool refreshable;
		rc = refresh_credentials(c, false, &refreshable, &e);
	}
	if (rc != 0) {
		buf_puts(err, "-kubernetes-in-cluster: ");
		redact_append(err, e.ptr ? e.ptr : "", e.len);
	}
	buf_free(&ca);
	buf_free(&e);
	return rc;
}

const char *kube_client_hint(const kube_client *c)
{
	if (!c->unreachable)
		return NULL;
	if (c->default_url)
		return "no kubeconfig was found and nothing listens at " KUBE_DEFAULT_URL
		       ": start `kubectl proxy`, or pass -kubeconfig FILE (or -kubernetes-url URL)";
	if (c->have_kc)
		return "the kubeconfig's server is unreachable: check the context (-kube-context), "
		       "or start `kubectl proxy` and pass -kubernetes-url " KUBE_DEFAULT_URL;
	return "the API server is unreachable: is `kubectl proxy` running, or should this be "
	       "-kubeconfig FILE?";
}

/* --- requests ------------------------------------------------------------------------------------ */

/* One transfer's state, seen by libcurl's callbacks. */
typedef struct {
	CURL *curl;
	kube_client *client;             /* its interrupt (kube_client_set_interrupt) */
	buf *body;
	struct timespec start;           /* CLOCK_MONOTONIC, when the request started */
	struct timespec last_data;       /* when bytes last arrived */
	long header_timeout_ms;          /* -kubernetes-timeout; <= 0: none */
	long stall_timeout_ms;           /* -kubernetes-stall-timeout; <= 0: none */
	bool headers_done;               /* the final response's header block ended */
	bool header_timeout_hit;         /* on_progress aborted the transfer: no headers in time */
	bool stall_hit;                  /* on_progress aborted the transfer: the body stalled */
	bool interrupt_hit;              /* on_progress aborted the transfer: the client's interrupt */
} transfer;

static long ms_since(const struct timespec *then)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - then->tv_sec) * 1000 + (now.tv_nsec - then->tv_nsec) / 1000000;
}

/* Room for a body of n bytes in an empty buf. Large bodies get memory in 2 MiB steps with
 * a transparent-huge-page hint: a 10 MB list otherwise costs thousands of page faults,
 * which measured as much as validating it. buf's fields are public and its memory is
 * malloc'd, which aligned_alloc memory is too (free and realloc take it). */
static void reserve_body(buf *b, size_t n)
{
	if (n < HUGE_PAGE || b->cap) {
		buf_reserve(b, n);
		return;
	}
	size_t cap = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	char *p = aligned_alloc(HUGE_PAGE, cap);
	if (!p) {
		buf_reserve(b, n);
		return;
	}
	madvise(p, cap, MADV_HUGEPAGE);      /* a hint; ignored where THP is off */
	p[0] = 0;
	b->ptr = p;
	b->cap = cap;
	b->len = 0;
}

/* Appends to the body; room for an announced Content-Length is made once, so a 10 MB list
 * is not copied again and again while the buffer doubles. */
static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	transfer *s = userdata;
	clock_gettime(CLOCK_MONOTONIC, &s->last_data);
	if (s->body->len == 0) {
		curl_off_t announced = -1;
		if (curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) == CURLE_OK &&
		    announced > 0 && announced <= MAX_RESERVE)
			reserve_body(s->body, (size_t)announced + 1);
	}
	buf_append(s->body, p, size * n);
	return size * n;
}

/* Notes the end of the response headers (an empty line; 1xx interim responses do not
 * count: their header block is followed by the real one). */
static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	transfer *t = userdata;
	size_t len = size * n;
	if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		long code = 0;
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200) {
			t->headers_done = true;
			clock_gettime(CLOCK_MONOTONIC, &t->last_data);
		}
	}
	return len;
}

/* Aborts a request when the client's interrupt says so (a shutdown), whose response headers
 * have not arrived within -kubernetes-timeout (skipper's ResponseHeaderTimeout), or whose
 * body then receives nothing for -kubernetes-stall-timeout. libcurl calls this often while
 * data flows and about once a second while none does. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	transfer *t = userdata;
	const kube_client *c = t->client;
	t->interrupt_hit = c->interrupt && c->interrupt(c->interrupt_ctx);
	if (t->interrupt_hit)
		return 1;
	if (!t->headers_done) {
		t->header_timeout_hit = t->header_timeout_ms > 0 && ms_since(&t->start) >= t->header_timeout_ms;
		return t->header_timeout_hit;
	}
	t->stall_hit = t->stall_timeout_ms > 0 && ms_since(&t->last_data) >= t->stall_timeout_ms;
	return t->stall_hit;
}

static const char *status_text(long code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 410: return "Gone";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

/* The reason an error response gives: the message of a Kubernetes Status object (it names
 * the missing RBAC verb and resource for a 403), else the start of the body. */
static void describe_error_body(const buf *body, buf *err)
{
	if (!body->len)
		return;
	jv doc = jv_parse_sized(body->ptr, (int)body->len);
	if (jv_get_kind(doc) == JV_KIND_OBJECT) {
		jv msg = jv_object_get(jv_copy(doc), jv_string("message"));
		if (jv_get_kind(msg) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(msg)) > 0) {
			buf_printf(err, ": %s", jv_string_value(msg));
			jv_free(msg);
			jv_free(doc);
			return;
		}
		jv_free(msg);
	}
	jv_free(doc);
	buf_puts(err, ": ");
	size_t n = 0;
	for (size_t i = 0; i < body->len && n < 120; i++, n++) {
		unsigned char ch = (unsigned char)body->ptr[i];
		buf_putc(err, ch >= 0x20 && ch < 0x7f ? (char)ch : ' ');
	}
	if (body->len > 120)
		buf_puts(err, "...");
}

/* One request: a GET, or a method with a payload (PATCH). */
typedef struct {
	const char *method;
	const char *url;                 /* may hold userinfo: messages are redacted by callers */
	const char *content_type;        /* of the payload */
	const char *payload;
	size_t payload_len;
} http_request;

/* Why a transfer timed out, naming the flag that bounds it. */
static void timeout_error(kube_client *c, const http_request *r, const transfer *t, buf *err)
{
	buf d = BUF_INIT;
	if (t->header_timeout_hit) {
		opt_format_duration(&d, c->timeout_ms);
		buf_printf(err, "%s %s: no response headers within %s (-kubernetes-timeout)", r->method, r->url, d.ptr);
	} else if (t->stall_hit) {
		opt_format_duration(&d, c->stall_timeout_ms);
		buf_printf(err, "%s %s: no data received for %s (-kubernetes-stall-timeout)", r->method, r->url, d.ptr);
	} else {   /* libcurl's only timeout here: connecting, TLS handshake included */
		opt_format_duration(&d, c->connect_timeout_ms);
		buf_printf(err, "%s %s: could not connect within %s (-kubernetes-connect-timeout)", r->method, r->url, d.ptr);
	}
	buf_free(&d);
}

/* One request. 0 with *status set; -1 with "<METHOD> <url>: <transport error>" in err. */
static int http_do(kube_client *c, const http_request *r, buf *body, long *status, buf *err)
{
	buf_reset(body);
	c->errbuf[0] = 0;
	CURL *h = c->curl;
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	transfer t = { .curl = h, .client = c, .body = body, .header_timeout_ms = c->timeout_ms,
		       .stall_timeout_ms = c->stall_timeout_ms };
	clock_gettime(CLOCK_MONOTONIC, &t.start);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	struct curl_slist *headers = NULL;
	if (r->payload) {
		/* the request headers of every request, then the payload's */
		for (struct curl_slist *l = c->headers; l; l = l->next)
			headers = curl_slist_append(headers, l->data);
		char ct[128];
		snprintf(ct, sizeof ct, "Content-Type: %s", r->content_type);
		headers = curl_slist_append(headers, ct);
		headers = curl_slist_append(headers, "Expect:");   /* no 100-continue round trip */
		if (!headers)
			abort();
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->payload);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->payload_len);
	}
	CURLcode rc = curl_easy_perform(h);
	if (r->payload) {   /* back to plain GETs with the client's headers */
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
		for (struct curl_slist *l = headers; l; l = l->next)
			explicit_bzero(l->data, strlen(l->data));
		curl_slist_free_all(headers);
	}
	c->unreachable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
			 rc == CURLE_COULDNT_RESOLVE_PROXY;
	if (rc == CURLE_ABORTED_BY_CALLBACK && t.interrupt_hit) {
		c->interrupted = true;
		buf_printf(err, "%s %s: interrupted", r->method, r->url);
		return -1;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT || (rc == CURLE_ABORTED_BY_CALLBACK && (t.header_timeout_hit || t.stall_hit))) {
		timeout_error(c, r, &t, err);
		return -1;
	}
	if (rc != CURLE_OK) {
		buf_printf(err, "%s %s: %s", r->method, r->url, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		/* libcurl's error buffer ends with a newline for some errors: keep one line */
		while (err->len && (err->ptr[err->len - 1] == '\n' || err->ptr[err->len - 1] == '\r'))
			err->ptr[--err->len] = 0;
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static void status_error(const char *method, const char *url, long status, const buf *body, buf *err)
{
	const char *text = status_text(status);
	buf_printf(err, "%s %s: HTTP %ld%s%s", method, url, status, *text ? " " : "", text);
	describe_error_body(body, err);
}

/* A request with one retry after a 401 when the credentials can be refreshed. Returns 0
 * with the status in *status (non-2xx included), -1 on transport or credential errors. */
static int request_with_auth(kube_client *c, const http_request *r, buf *body, long *status, buf *err)
{
	if (http_do(c, r, body, status, err) != 0)
		return -1;
	if (*status != 401)
		return 0;
	bool refreshable;
	buf cred_err = BUF_INIT;
	int rc = refresh_credentials(c, true, &refreshable, &cred_err);
	if (rc != 0) {
		buf_printf(err, "%s %s: HTTP 401 Unauthorized, and refreshing credentials failed: %s", r->method, r->url,
			   cred_err.ptr);
		buf_free(&cred_err);
		return -1;
	}
	buf_free(&cred_err);
	if (!refreshable)
		return 0;
	char *shown = redact_dup(r->url);
	log_kv(LOG_INFO, "API server answered 401 Unauthorized; retrying once with refreshed credentials", "url", shown,
	       NULL);
	free(shown);
	return http_do(c, r, body, status, err);
}

static int get_with_auth(kube_client *c, const char *url, buf *body, long *status, buf *err)
{
	http_request r = { .method = "GET", .url = url };
	return request_with_auth(c, &r, body, status, err);
}

int kube_client_request(kube_client *c, const char *method, const char *path, const char *content_type,
			const char *payload, size_t len, buf *response, buf *err)
{
	buf url = BUF_INIT, e = BUF_INIT;
	buf_printf(&url, "%s%s", c->base_url, path);
	http_request r = { .method = method, .url = url.ptr, .content_type = content_type, .payload = payload,
			   .payload_len = len };
	long status = 0;
	int rc = request_with_auth(c, &r, response, &status, &e);
	if (rc == 0 && (status < 200 || status > 299)) {
		status_error(method, url.ptr, status, response, &e);
		rc = -1;
	}
	if (rc != 0)
		redact_append(err, e.ptr ? e.ptr : "", e.len);   /* the base URL may hold a password */
	buf_free(&url);
	buf_free(&e);
	return rc;
}

/* --- URLs ----------------------------------------------------------------------------------------- */

/* Go's url.QueryEscape: unreserved bytes stay, space becomes '+', the rest %XX. */
static void query_escape(buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			buf_putc(b, (char)*p);
		else if (*p == ' ')
			buf_putc(b, '+');
		else
			buf_printf(b, "%%%02X", *p);
	}
}

typedef struct {
	const char *kind, *api_version;
	const char *prefix;              /* /api/v1 or /apis/<group>/<version> */
	const char *resource;
} list_def;

static const list_def list_defs[KUBE_NLISTS] = {
	[KUBE_LIST_INGRESSES] = { "Ingress", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1", "ingresses" },
	[KUBE_LIST_ROUTEGROUPS] = { "RouteGroup", "zalando.org/v1", "/apis/zalando.org/v1", "routegroups" },
	[KUBE_LIST_SERVICES] = { "Service", "v1", "/api/v1", "services" },
	[KUBE_LIST_ENDPOINTS] = { "Endpoints", "v1", "/api/v1", "endpoints" },
	[KUBE_LIST_ENDPOINTSLICES] = { "EndpointSlice", "discovery.k8s.io/v1", "/apis/discovery.k8s.io/v1",
				       "endpointslices" },
};

static char *list_url(const kube_client *c, const list_def *d, const char *selector, const char *cont)
{
	buf b = BUF_INIT;
	buf_printf(&b, "%s%s", c->base_url, d->prefix);
	if (c->ns) {
		buf_puts(&b, "/namespaces/");
		query_escape(&b, c->ns);
	}
	buf_printf(&b, "/%s", d->resource);
	char sep = '?';
	if (given(selector)) {
		buf_printf(&b, "%clabelSelector=", sep);
		query_escape(&b, selector);
		sep = '&';
	}
	if (c->page_size > 0) {
		buf_printf(&b, "%climit=%ld", sep, c->page_size);
		sep = '&';
	}
	if (cont) {
		/* A continue token carries its own snapshot; resourceVersion must not be sent with it. */
		buf_printf(&b, "%ccontinue=", sep);
		query_escape(&b, cont);
	} else if (!c->consistent_reads) {
		buf_printf(&b, "%cresourceVersion=0", sep);
	}
	return buf_steal(&b, NULL);
}

/* --- the continue token, without parsing the whole list ------------------------------------------ */

/* Reads a JSON string at p (at its opening quote) into out (if not NULL); returns the
 * position after it, or NULL. Escapes other than \uXXXX above ASCII are decoded. */
static const char *scan_string(const char *p, const char *end, buf *out)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p != '\\') {
			if (out)
				buf_putc(out, *p);
			continue;
		}
		if (++p >= end)
			return NULL;
		char ch = *p;
		switch (ch) {
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u': {
			if (end - p < 5)
				return NULL;
			unsigned v = 0;
			if (sscanf(p + 1, "%4x", &v) != 1)
				return NULL;
			ch = v < 0x80 ? (char)v : '?';
			p += 4;
			break;
		}
		default: break;     /* \" \\ \/ */
		}
		if (out)
			buf_putc(out, ch);
	}
	return NULL;
}

/* Walks the members of the object at p, calling fn for each key; fn returns the position
 * after the value, or NULL to stop. */
typedef const char *(*member_fn)(const char *key, const char *value, const char *end, void *ctx);

static void scan_object(const char *p, const char *end, member_fn fn, void *ctx)
{
	p = json_skip_ws(p, end);
	if (p >= end || *p != '{')
		return;
	p = json_skip_ws(p + 1, end);
	buf key = BUF_INIT;
	while (p && p < end && *p == '"') {
		buf_reset(&key);
		buf_putc(&key, 0);
		key.len = 0;
		p = scan_string(p, end, &key);
		if (!p)
			break;
		p = json_skip_ws(p, end);
		if (p >= end || *p != ':')
			break;
		p = fn(key.ptr, json_skip_ws(p + 1, end), end, ctx);
		if (!p)
			break;
		p = json_skip_ws(p, end);
		if (p < end && *p == ',')
			p = json_skip_ws(p + 1, end);
	}
	buf_free(&key);
}

/* One string member of a list's metadata: its name and where it goes. */
typedef struct {
	const char *name;
	buf *out;
} metadata_want;

static const char *wanted_member(const char *key, const char *value, const char *end, void *ctx)
{
	metadata_want *want = ctx;
	if (strcmp(key, want->name) == 0 && value < end && *value == '"') {
		buf_reset(want->out);
		return scan_string(value, end, want->out);
	}
	return json_skip_value(value, end);
}

/* Stops the walk after metadata: the API sends it before items, so the items (nearly all of
 * the body) are not scanned here; the consumers of the body scan them once. */
static const char *metadata_member(const char *key, const char *value, const char *end, void *ctx)
{
	if (strcmp(key, "metadata") == 0) {
		const char *after = json_skip_value(value, end);
		if (after)
			scan_object(value, after, wanted_member, ctx);
		return NULL;
	}
	return json_skip_value(value, end);
}

/* A string of the list's metadata (continue, resourceVersion), or NULL when it is absent or
 * empty. Malloc'd. */
static char *list_metadata(const buf *body, const char *name)
{
	buf value = BUF_INIT;
	metadata_want want = { name, &value };
	scan_object(body->ptr, body->ptr + body->len, metadata_member, &want);
	if (!value.len) {
		buf_free(&value);
		return NULL;
	}
	return buf_steal(&value, NULL);
}

/* The list's metadata.continue, or NULL when there is none (last page). Malloc'd. */
static char *continue_token(const buf *body)
{
	return list_metadata(body, "continue");
}

/* --- fetching ----------------------------------------------------------------------------------- */

static void list_reset(kube_list *l)
{
	for (size_t i = 0; i < l->npages; i++) {
		buf_free(&l->pages[i]);
		free(l->urls[i]);
	}
	free(l->pages);
	free(l->urls);
	l->pages = NULL;
	l->urls = NULL;
	l->npages = 0;
}

static void list_push(kube_list *l, char *url, buf *body)
{
	l->pages = realloc(l->pages, (l->npages + 1) * sizeof *l->pages);
	l->urls = realloc(l->urls, (l->npages + 1) * sizeof *l->urls);
	if (!l->pages || !l->urls)
		abort();
	l->urls[l->npages] = redact_dup(url);   /* for messages only: the request is done */
	free(url);
	l->pages[l->npages++] = *body;
	*body = (buf)BUF_INIT;
}

/* Lists one resource, following continue tokens; on 410 Gone for a continue token
 * (expired after about 5 minutes) the list starts over, once. */
static int fetch_list(kube_client *c, kube_list_id id, const char *selector, kube_list *l, buf *err)
{
	const list_def *d = &list_defs[id];
	l->kind = d->kind;
	l->api_version = d->api_version;
	l->fetched = true;
	bool restarted = false;
	char *cont = NULL;
	buf body = BUF_INIT;
	int rc = -1;
	for (;;) {
		char *url = list_url(c, d, selector, cont);
		long status;
		if (get_with_auth(c, url, &body, &status, err) != 0) {
			free(url);
			break;
		}
		if (status == 410 && cont && !restarted) {
			char *shown = redact_dup(url);
			log_kv(LOG_INFO, "continue token expired; listing again from the start", "url", shown, NULL);
			free(shown);
			free(url);
			free(cont);
			cont = NULL;
			restarted = true;
			list_reset(l);
			continue;
		}
		if (status != 200) {
			status_error("GET", url, status, &body, err);
			free(url);
			break;
		}
		free(cont);
		cont = c->page_size > 0 ? continue_token(&body) : NULL;
		if (cont && l->npages + 1 >= (size_t)c->max_pages) {
			buf_printf(err, "GET %s: the list did not end after %ld pages (-kubernetes-max-pages)", url,
				   c->max_pages);
			free(url);
			break;
		}
		list_push(l, url, &body);
		if (!cont) {
			rc = 0;
			break;
		}
	}
	free(cont);
	buf_free(&body);
	return rc;
}

static bool resources_have_routegroups(jv doc)
{
	jv res = jv_object_get(doc, jv_string("resources"));
	bool found = false;
	if (jv_get_kind(res) == JV_KIND_ARRAY) {
		jv_array_foreach(res, i, item) {
			if (jv_get_kind(item) == JV_KIND_OBJECT) {
				jv name = jv_object_get(jv_copy(item), jv_string("name"));
				if (jv_get_kind(name) == JV_KIND_STRING && strcmp(jv_string_value(name), "routegroups") == 0)
					found = true;
				jv_free(name);
			}
			jv_free(item);
		}
	}
	jv_free(res);
	return found;
}

/* GET /apis/zalando.org/v1: does the RouteGroup CRD exist? 1 yes, 0 no (*not_found: the
 * group answered 404), -1 error (in err). */
static int discover_routegroups(kube_client *c, bool *not_found, buf *err)
{
	char *url = NULL;
	buf b = BUF_INIT, body = BUF_INIT;
	buf_printf(&b, "%s/apis/zalando.org/v1", c->base_url);
	url = buf_steal(&b, NULL);
	long status;
	int rc = -1;
	*not_found = false;
	if (get_with_auth(c, url, &body, &status, err) != 0) {
		rc = -1;
	} else if (status == 404) {
		*not_found = true;
		rc = 0;
	} else if (status != 200) {
		status_error("GET", url, status, &body, err);
	} else {
		jv doc = jv_parse_sized(body.ptr ? body.ptr : "", (int)body.len);
		if (jv_get_kind(doc) != JV_KIND_OBJECT) {
			buf_printf(err, "GET %s: the discovery document is not a JSON object", url);
			jv_free(doc);
		} else {
			rc = resources_have_routegroups(doc) ? 1 : 0;
		}
	}
	free(url);
	buf_free(&body);
	return rc;
}

/* Whether this fetch lists RouteGroups (1), goes on without them (0) or fails (-1, err).
 *
 * skipper goes on without RouteGroups whenever the discovery fails or does not list them
 * (and routesrv-fetch, with a fresh client, does the same). For a server that keeps a
 * fleet's table that turns a discovery glitch into an outage: an API server that restarts
 * answers 404 for CRD groups until it has registered them again, and going on without
 * RouteGroups deletes every RouteGroup route from every skipper. So once RouteGroups were
 * seen, a failing discovery fails the fetch like any other request, and a missing CRD fails
 * it until CRD_GONE_CHECKS discoveries in a row agree; then the CRD is taken as uninstalled
 * (deleting a CRD deletes its objects) and the routes go. */
static int routegroups_presence(kube_client *c, int known, bool not_found, buf *err)
{
	if (known > 0) {
		c->routegroups_seen = true;
		c->routegroups_missing = 0;
		return 1;
	}
	if (c->routegroups_seen && known < 0)
		return -1;
	if (c->routegroups_seen && ++c->routegroups_missing < CRD_GONE_CHECKS) {
		buf_printf(err, "GET %s/apis/zalando.org/v1: %s, but RouteGroups were listed before "
				"(%d of %d checks before going on without them)", c->base_url,
			   not_found ? "HTTP 404 Not Found" : "no routegroups resource", c->routegroups_missing,
			   CRD_GONE_CHECKS);
		return -1;
	}
	if (c->routegroups_seen) {
		log_typed(LOG_WARN, "RouteGroups CRD is gone: going on without RouteGroups", LOG_INT("checks", CRD_GONE_CHECKS));
	}
	c->routegroups_seen = false;
	c->routegroups_missing = 0;
	if (known < 0) {
		log_printf(LOG_ERROR, "Error while checking known resource types: %s.", err->ptr);
		buf_reset(err);
	} else if (not_found && !c->warned_no_routegroups) {
		log_printf(LOG_WARN, "RouteGroups CRD is not installed in the cluster. See: "
				     "https://opensource.zalando.com/skipper/kubernetes/routegroups/#installation");
		c->warned_no_routegroups = true;
	}
	return 0;
}

int kube_fetch(kube_client *c, const kube_fetch_request *r, kube_fetch_result *out, buf *err)
{
	memset(out, 0, sizeof *out);
	c->interrupted = false;
	buf e = BUF_INIT;
	bool refreshable;
	int rc = refresh_credentials(c, false, &refreshable, &e);
	if (rc == 0)
		rc = fetch_list(c, KUBE_LIST_INGRESSES, r->ingresses, &out->lists[KUBE_LIST_INGRESSES], &e);
	if (rc == 0) {
		bool not_found;
		int known = discover_routegroups(c, &not_found, &e);
		if (!c->interrupted)   /* an interrupted discovery tells nothing about the CRD */
			known = routegroups_presence(c, known, not_found, &e);
		out->routegroups_known = known > 0;
		if (known < 0)
			rc = -1;
		else if (known > 0)
			rc = fetch_list(c, KUBE_LIST_ROUTEGROUPS, r->routegroups, &out->lists[KUBE_LIST_ROUTEGROUPS], &e);
	}
	if (rc == 0)
		rc = fetch_list(c, KUBE_LIST_SERVICES, r->services, &out->lists[KUBE_LIST_SERVICES], &e);
	if (rc == 0 && r->endpointslices_enabled)
		rc = fetch_list(c, KUBE_LIST_ENDPOINTSLICES, r->endpointslices, &out->lists[KUBE_LIST_ENDPOINTSLICES], &e);
	else if (rc == 0)
		rc = fetch_list(c, KUBE_LIST_ENDPOINTS, r->endpoints, &out->lists[KUBE_LIST_ENDPOINTS], &e);
	if (rc != 0) {
		buf_puts(err, KUBE_LOAD_ERROR);   /* every message names a URL, which may hold a password */
		if (e.len)
			redact_append(err, e.ptr, e.len);
		else
			buf_puts(err, "unknown error");
		kube_fetch_result_free(out);
	}
	buf_free(&e);
	return rc;
}

void kube_fetch_result_free(kube_fetch_result *r)
{
	for (size_t i = 0; i < KUBE_NLISTS; i++)
		list_reset(&r->lists[i]);
	memset(r, 0, sizeof *r);
}


/* --- for the watch (kube_client_internal.h) ------------------------------------------------------ */

const char *kube_list_kind(kube_list_id id)
{
	return list_defs[id].kind;
}

const char *kube_list_api_version(kube_list_id id)
{
	return list_defs[id].api_version;
}

int kube_client_list(kube_client *c, kube_list_id id, const char *selector, kube_list *l, char **rv, buf *err)
{
	memset(l, 0, sizeof *l);
	*rv = NULL;
	bool refreshable;
	buf e = BUF_INIT;
	int rc = refresh_credentials(c, false, &refreshable, &e);
	if (rc == 0)
		rc = fetch_list(c, id, selector, l, &e);
	/* The pages of one list share the snapshot; the last page's RV is the list's. */
	if (rc == 0 && !(*rv = l->npages ? list_metadata(&l->pages[l->npages - 1], "resourceVersion") : NULL)) {
		buf_printf(&e, "GET %s: the list has no metadata.resourceVersion to watch from", l->urls[l->npages - 1]);
		rc = -1;
	}
	if (rc != 0) {
		redact_append(err, e.ptr ? e.ptr : "unknown error", e.ptr ? e.len : strlen("unknown error"));
		list_reset(l);
	}
	buf_free(&e);
	return rc;
}

void kube_client_list_free(kube_list *l)
{
	list_reset(l);
}

int kube_client_routegroups(kube_client *c, buf *err)
{
	buf e = BUF_INIT;
	bool refreshable, not_found = false;
	int known = refresh_credentials(c, false, &refreshable, &e);
	if (known == 0)
		known = discover_routegroups(c, &not_found, &e);
	known = routegroups_presence(c, known, not_found, &e);
	if (known < 0)
		redact_append(err, e.ptr ? e.ptr : "unknown error", e.ptr ? e.len : strlen("unknown error"));
	buf_free(&e);
	return known;
}

char *kube_client_watch_url(const kube_client *c, kube_list_id id, const char *selector, const char *rv,
			    long timeout_s)
{
	const list_def *d = &list_defs[id];
	buf b = BUF_INIT;
	buf_printf(&b, "%s%s", c->base_url, d->prefix);
	if (c->ns) {
		buf_puts(&b, "/namespaces/");
		query_escape(&b, c->ns);
	}
	buf_printf(&b, "/%s?watch=1", d->resource);
	if (given(selector)) {
		buf_puts(&b, "&labelSelector=");
		query_escape(&b, selector);
	}
	buf_puts(&b, "&resourceVersion=");
	query_escape(&b, rv);
	buf_printf(&b, "&allowWatchBookmarks=true&timeoutSeconds=%ld", timeout_s);
	return buf_steal(&b, NULL);
}

void *kube_client_stream(kube_client *c, const char *url, struct curl_slist **headers)
{
	CURL *h = curl_easy_duphandle(c->curl);
	if (!h)
		abort();
	/* A copy of the header list: set_headers frees the client's when the token changes,
	 * while this stream may still be running. */
	struct curl_slist *copy = NULL;
	for (struct curl_slist *s = c->headers; s; s = s->next)
		if (!(copy = curl_slist_append(copy, s->data)))
			abort();
	*headers = copy;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, copy);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	/* http_do's callbacks point at its finished transfer; a watch is idle between events,
	 * so neither -kubernetes-timeout nor the stall timeout applies to it. */
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, NULL);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
	/* A watch lasts minutes: its total time is the caller's (CURLOPT_TIMEOUT_MS). */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 0L);
	return h;
}

void kube_client_stream_headers_free(struct curl_slist *headers)
{
	for (struct curl_slist *h = headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(headers);
}

int kube_client_refresh(kube_client *c, buf *err)
{
	bool refreshable;
	buf e = BUF_INIT;
	int rc = refresh_credentials(c, true, &refreshable, &e);
	if (rc != 0)
		redact_append(err, e.ptr ? e.ptr : "", e.len);
	buf_free(&e);
	return rc != 0 ? -1 : refreshable ? 1 : 0;
}

void kube_client_describe_status(const char *url, long status, const buf *body, buf *err)
{
	buf e = BUF_INIT;
	status_error("GET", url, status, body, &e);
	redact_append(err, e.ptr, e.len);
	buf_free(&e);
}
