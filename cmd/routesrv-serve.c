/* routesrv-serve: the route server. Polls the sources every -source-poll-timeout ms,
 * compiles and processes the table, and serves it to skippers at /routes with ETags
 * (spec eskip-and-http.md part B). Exit status: 0 after a SIGTERM/SIGINT shutdown,
 * 1 when the main or support listener cannot start or -kubernetes-in-cluster finds no
 * service-account token or CA, 2 usage or configuration error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/opt.h"
#include "base/opt_skipper.h"
#include "http/access_tokens.h"
#include "http/fleet.h"
#include "http/http_server.h"
#include "http/route_server_filters.h"
#include "http/shards.h"
#include "http/snapshot.h"
#include "http/tls_config.h"
#include "pipeline/ingress_status.h"
#include "pipeline/pipeline.h"
#include "pipeline/poll_loop.h"
#include "pipeline/watch_loop.h"

static const char *address = ":9090";
static const char *support_address = ":9911";
static long poll_interval_ms = 3000;
static long settle_ms = SOURCE_SETTLE_DEFAULT_MS;
static double max_deletion;
static long deletion_hold_ms;
static long max_zones = ZONE_DEFAULT_MAX_ZONES;
static long healthcheck_wait_ms = 45000;
static bool kubernetes_flag, log_json;
static const char *manifests, *routes_file, *config_file;
/* Hostile clients. */
static long max_connections = 10000;
static long idle_timeout_ms = 60000, read_header_timeout_ms = 60000;
/* Access control. */
static const char *token_file, *tls_cert, *tls_key, *tls_min_version = "1.2", *mtls_ca;
static bool enable_mtls, enable_tls, mtls_append_ca;
static opt_list server_filters;
/* Shard endpoints (B2.3). */
static const char *redis_ns, *redis_name, *valkey_ns, *valkey_name;
static long redis_port = 6379, valkey_port = 6379;
/* Flags skipper's routesrv acts on that routesrv-serve does not implement (spec B9: pprof,
 * tracing, tokeninfo filters; B6: cipher suites, key log): ignored, their values kept to
 * warn when one asks for the feature. */
static struct {
	const char *opentracing, *tokeninfo_url, *key_log_file;
	bool profile, exclude_insecure_ciphers;
	opt_list open_telemetry;
} unimplemented = { .opentracing = "noop", .tokeninfo_url = "", .key_log_file = "" };
/* The fleet view (fleet.h). */
static long fleet_max_clients = FLEET_DEFAULT_MAX_CLIENTS;
/* A client that has not polled for this many poll intervals has left the fleet: skippers
 * poll every -source-poll-timeout too, so ten missed polls are no hiccup. */
enum { FLEET_EXPIRY_POLLS = 10 };

/* Watch mode. */
static bool watch_mode;
static watch_loop_config watch_cfg;
static kube_watch_config watch_client_cfg;

#define GROUP(n, t) { .name = n, .kind = OPT_GROUP, .help = t }
#define STRING(n, t, mv, h, c) { .name = n, .kind = OPT_STRING, .target = t, .metavar = mv, .help = h, .completion = c }
#define BOOL(n, t, h) { .name = n, .kind = OPT_BOOL, .target = t, .help = h }
#define INT(n, t, mv, h) { .name = n, .kind = OPT_INT, .target = t, .metavar = mv, .help = h }
#define DURATION(n, t, h) { .name = n, .kind = OPT_DURATION, .target = t, .metavar = "DURATION", .help = h }

/* One warning line naming the given flags that ask skipper's routesrv for a feature
 * routesrv-serve does not have (a tracer other than noop, pprof, ...). */
static void warn_unimplemented(void)
{
	const char *tracer = unimplemented.opentracing;
	const struct {
		const char *name;
		bool on;
	} features[] = {
		{ "enable-profile", unimplemented.profile },
		{ "opentracing", *tracer && strcmp(tracer, "noop") != 0 && strncmp(tracer, "noop ", 5) != 0 },
		{ "open-telemetry", unimplemented.open_telemetry.n > 0 },
		{ "oauth2-tokeninfo-url", *unimplemented.tokeninfo_url != 0 },
		{ "exclude-insecure-cipher-suites", unimplemented.exclude_insecure_ciphers },
		{ "tls-key-log-file", *unimplemented.key_log_file != 0 },
	};
	buf names = BUF_INIT;
	for (size_t i = 0; i < sizeof features / sizeof *features; i++)
		if (features[i].on)
			buf_printf(&names, "%s%s", names.len ? "," : "", features[i].name);
	if (names.len)
		log_kv(LOG_WARN, "not implemented by routesrv-serve, ignored: skipper's routesrv acts on these flags",
		       "flags", names.ptr, NULL);
	buf_free(&names);
}

static opt_def *build_table(kube_client_config *cfg, kube_options *ko, route_processing *rp)
{
	static const char *const tls_versions[] = { "1.0", "1.1", "1.2", "1.3", NULL };
	const opt_def own[] = {
		GROUP("server-group", "Server"),
		STRING("address", &address, "ADDR", "listen address for /routes and /health (\":9090\": all interfaces)", NULL),
		STRING("support-listener", &support_address, "ADDR", "listen address for /metrics and /fleet", NULL),
		{ .name = "source-poll-timeout", .kind = OPT_INT, .target = &poll_interval_ms, .metavar = "MS",
		  .help = "poll interval in milliseconds" },
		{ .name = "wait-for-healthcheck-interval", .kind = OPT_DURATION, .target = &healthcheck_wait_ms,
		  .metavar = "DURATION", .help = "keep serving this long after SIGTERM before shutting down" },
		BOOL("application-log-json-enabled", &log_json, "log as JSON lines"),
		STRING("config-file", &config_file, "FILE", "YAML file of flag values (command-line flags win)", "file"),
		INT("max-connections", &max_connections, "N", "most connections the main listener keeps open at once"),
		INT("max-zones", &max_zones, "N",
		    "most zones with a document of their own at /routes/{zone}; the zones with the fewest "
		    "endpoints beyond it get the full table"),
		DURATION("idle-timeout", &idle_timeout_ms, "close a connection that sends nothing for this long"),
		DURATION("read-header-timeout", &read_header_timeout_ms,
			 "close a connection whose next request header is not complete this long after it opened "
			 "or its last response (0: no limit)"),
		{ .name = "fleet-max-clients", .kind = OPT_INT, .target = &fleet_max_clients, .metavar = "N",
		  .help = "clients (by address, User-Agent and " FLEET_IDENTITY_HEADER " header) the fleet view "
			  "remembers (/fleet on the support listener, convergence metrics and log line); the least "
			  "recently seen makes room for a new one, one that has not polled for 10 poll intervals "
			  "leaves; 0: no fleet view" },
		GROUP("access-group", "Access control"),
		STRING("routes-token-file", &token_file, "FILE",
		       "bearer tokens, one per line, that /routes and the shard endpoints require (re-read on change)",
		       "file"),
		BOOL("enable-mtls", &enable_mtls,
		     "serve TLS (-tls-cert, -tls-key) and require a client certificate that verifies against "
		     "-mtls-authn-ca"),
		BOOL("enable-tls", &enable_tls,
		     "serve TLS (-tls-cert, -tls-key) without requiring client certificates (routesrv only)"),
		STRING("tls-cert", &tls_cert, "FILES",
		       "PEM certificates for -enable-mtls or -enable-tls (comma list, pairs with -tls-key); "
		       "alone they leave the listener plain HTTP, as in skipper", "file"),
		STRING("tls-key", &tls_key, "FILES", "PEM private keys of -tls-cert (comma list)", "file"),
		{ .name = "tls-min-version", .kind = OPT_STRING, .target = &tls_min_version, .metavar = "VERSION",
		  .help = "lowest TLS version accepted (10 to 13 work too, as in skipper)", .choices = tls_versions,
		  .flags = OPT_OPEN_CHOICES },
		STRING("mtls-authn-ca", &mtls_ca, "FILES", "CA certificates (PEM, comma list) client certificates must chain to",
		       "file"),
		BOOL("mtls-authn-append-ca", &mtls_append_ca,
		     "add the system's CA certificates to -mtls-authn-ca ($SSL_CERT_FILE, $SSL_CERT_DIR as in Go)"),
		{ .name = "route-server-filters", .kind = OPT_LIST, .target = &server_filters, .metavar = "FILTERS",
		  .help = "filters every request but /health passes (status, inlineContent, annotate, "
			  "setResponseHeader, mtlsAuthn, mtlsCN)" },
		GROUP("shards-group", "Shard endpoints"),
		STRING("kubernetes-redis-service-namespace", &redis_ns, "NS",
		       "with -kubernetes-redis-service-name: serve /swarm/redis/shards", NULL),
		STRING("kubernetes-redis-service-name", &redis_name, "NAME", "the Redis service whose endpoints are served", NULL),
		INT("kubernetes-redis-service-port", &redis_port, "PORT", "port of the Redis shard addresses"),
		STRING("kubernetes-valkey-service-namespace", &valkey_ns, "NS",
		       "with -kubernetes-valkey-service-name: serve /swarm/valkey/shards", NULL),
		STRING("kubernetes-valkey-service-name", &valkey_name, "NAME", "the Valkey service whose endpoints are served",
		       NULL),
		INT("kubernetes-valkey-service-port", &valkey_port, "PORT", "port of the Valkey shard addresses"),
		GROUP("source-group", "Sources"),
		BOOL("kubernetes", &kubernetes_flag, "accepted for skipper compatibility: the API is the default source"),
		STRING("kubernetes-manifests", &manifests, "PATH",
		       "compile Kubernetes objects from this file or directory every cycle", "file"),
		STRING("routes-file", &routes_file, "FILE", "serve this eskip file, re-read when it changes", "file"),
		DURATION("source-settle-interval", &settle_ms,
			 "publish a changed file (-routes-file, -kubernetes-manifests, -default-filters-dir) only once "
			 "it has stayed the same this long (0: at once; replace files atomically)"),
		{ .name = "max-route-deletion", .kind = OPT_FLOAT, .target = &max_deletion, .metavar = "FRACTION",
		  .help = "hold an update that deletes more than this fraction of the served routes, e.g. 0.3 "
			  "(0: off, as skipper)" },
		DURATION("max-route-deletion-hold", &deletion_hold_ms,
			 "publish a held update once its deletion has persisted this long (0: never)"),
	};
	opt_table t = { 0 };
	size_t count;
	opt_table_add(&t, own, sizeof own / sizeof *own);
	const opt_def *defs = kube_client_config_flags(cfg, &count);
	opt_table_add(&t, defs, count);
	defs = kube_options_flags(ko, &count);
	opt_table_add(&t, defs, count);
	defs = route_processing_flags(rp, &count);
	opt_table_add(&t, defs, count);
	/* Without effect in skipper's routesrv too: -kubernetes-enable-tls only makes the proxy
	 * read Secrets, and -opentracing-backend-name-tag never reaches its data client (§1). */
	opt_table_ignore(&t, "kubernetes-enable-tls");
	opt_table_ignore(&t, "opentracing-backend-name-tag");
	/* skipper's routesrv parses skipper's whole flag set: so does routesrv-serve. */
	opt_skipper_add_ignored(&t);
	opt_table_track(&t, "enable-profile", &unimplemented.profile);
	opt_table_track(&t, "opentracing", &unimplemented.opentracing);
	opt_table_track(&t, "open-telemetry", &unimplemented.open_telemetry);
	opt_table_track(&t, "oauth2-tokeninfo-url", &unimplemented.tokeninfo_url);
	opt_table_track(&t, "exclude-insecure-cipher-suites", &unimplemented.exclude_insecure_ciphers);
	opt_table_track(&t, "tls-key-log-file", &unimplemented.key_log_file);
	defs = watch_loop_flags(&watch_cfg, &watch_mode, &count);
	opt_table_add(&t, defs, count);
	defs = kube_watch_config_flags(&watch_client_cfg, &count);
	opt_table_add(&t, defs + 1, count - 1);   /* in watch_loop's group */
	return opt_table_done(&t);
}

/* --- signals and shutdown (B10) ------------------------------------------------------- */

typedef struct {
	sigset_t signals;                /* SIGTERM, SIGINT, SIGHUP: blocked, taken by sigtimedwait */
	bool stopping;
	bool reload;                     /* a SIGHUP asked for a cycle with files re-read */
	struct timespec stop_at;         /* CLOCK_MONOTONIC */
	http_server *routes, *support;
	access_tokens *tokens;           /* -routes-token-file, re-read on SIGHUP */
	shards *redis, *valkey;
} run_state;

static bool reached(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static const struct timespec *earlier(const struct timespec *a, const struct timespec *b)
{
	return (a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec)) ? a : b;
}

static void begin_shutdown(run_state *st, long delay_ms)
{
	buf msg = BUF_INIT;
	buf_puts(&msg, "shutting down the server in ");
	opt_format_duration(&msg, delay_ms);
	buf_puts(&msg, "...");
	log_kv(LOG_INFO, msg.ptr, NULL);
	buf_free(&msg);
	clock_gettime(CLOCK_MONOTONIC, &st->stop_at);
	st->stop_at.tv_sec += delay_ms / 1000;
	st->stop_at.tv_nsec += delay_ms % 1000 * 1000000L;
	if (st->stop_at.tv_nsec >= 1000000000L) {
		st->stop_at.tv_sec++;
		st->stop_at.tv_nsec -= 1000000000L;
	}
	st->stopping = true;
}

/* Stops the listeners in skipper's order: support first, then main (new connections are
 * refused at once; requests in flight may finish). */
static void stop_servers(run_state *st)
{
	http_server_stop(st->support, 5000);
	st->support = NULL;
	log_kv(LOG_INFO, "supportServer shut down", NULL);
	http_server_stop(st->routes, 60000);
	st->routes = NULL;
	log_kv(LOG_INFO, "server shut down", NULL);
}

/* Takes one signal, waiting at most rel: SIGTERM starts the -wait-for-healthcheck-interval
 * countdown (polling and serving go on), SIGINT the same without the wait, SIGHUP asks for
 * a cycle now with files re-read (and re-reads the token file). Returns the signal or -1. */
static int take_signal(run_state *st, const struct timespec *rel)
{
	int sig = sigtimedwait(&st->signals, NULL, rel);
	if (sig == SIGHUP) {
		if (st->tokens)
			access_tokens_refresh(st->tokens, true);
		st->reload = true;
	} else if (sig == SIGTERM && !st->stopping) {
		begin_shutdown(st, healthcheck_wait_ms);
	} else if (sig == SIGINT) {
		begin_shutdown(st, 0);
	}
	return sig;
}

/* The API client's interrupt (kube_client_set_interrupt): signals are taken during a cycle
 * too, and once the shutdown is due the request in flight is abandoned, so a hanging API
 * server never holds the listeners open. */
static bool cycle_interrupted(void *ctx)
{
	run_state *st = ctx;
	static const struct timespec now = { 0, 0 };
	while (take_signal(st, &now) > 0)
		;
	return st->stopping && reached(&st->stop_at);
}

/* The poll loop's wait: sleeps until the next cycle is due, while taking signals
 * (take_signal); a SIGHUP runs a cycle now, the end of a shutdown countdown stops the
 * listeners and the loop. */
static poll_wake wait_between_polls(void *ctx, const struct timespec *deadline)
{
	run_state *st = ctx;
	/* The token file is also checked between cycles, so that a rotation or a missing file
	 * is noticed (logged, counted) even while no client asks. */
	if (st->tokens)
		access_tokens_refresh(st->tokens, false);
	for (;;) {
		if (st->reload) {   /* a SIGHUP, possibly taken during the cycle */
			st->reload = false;
			return POLL_WAKE_RELOAD;
		}
		const struct timespec *until = st->stopping ? earlier(deadline, &st->stop_at) : deadline;
		struct timespec now, rel = { 0, 0 };
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!reached(until)) {
			rel.tv_sec = until->tv_sec - now.tv_sec;
			rel.tv_nsec = until->tv_nsec - now.tv_nsec;
			if (rel.tv_nsec < 0) {
				rel.tv_sec--;
				rel.tv_nsec += 1000000000L;
			}
		}
		/* Even when the next cycle is already due (a cycle overran), signals are taken
		 * first, so that a slow source never delays a shutdown by more than one cycle. */
		if (take_signal(st, &rel) > 0)
			continue;
		if (st->stopping && reached(&st->stop_at)) {
			stop_servers(st);
			return POLL_WAKE_STOP;
		}
		if (reached(until))
			return POLL_WAKE_TICK;
	}
}

/* --- start-up ------------------------------------------------------------------------- */

static void block_signals(run_state *st)
{
	sigemptyset(&st->signals);
	sigaddset(&st->signals, SIGTERM);
	sigaddset(&st->signals, SIGINT);
	sigaddset(&st->signals, SIGHUP);
	/* Blocked first thing, before any thread starts, so every thread inherits the mask and
	 * only the poll thread takes them (in sigtimedwait); and so that one sent during a slow
	 * start (a CA store, credentials) waits for the loop instead of being lost: a background
	 * job of a shell starts with SIGINT ignored, and an ignored signal that is not blocked
	 * is discarded. */
	pthread_sigmask(SIG_BLOCK, &st->signals, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Each connection takes a descriptor: raise the soft limit to the hard one and keep
 * -max-connections below what it allows (listeners, API client, files: 64 spare). */
static unsigned connection_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return (unsigned)max_connections;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)max_connections + 64 > rl.rlim_cur) {
		long allowed = rl.rlim_cur > 128 ? (long)rl.rlim_cur - 64 : 64;
		log_typed(LOG_WARN, "-max-connections lowered to what the open-files limit allows",
			  LOG_INT("requested", max_connections), LOG_INT("max_connections", allowed));
		return (unsigned)allowed;
	}
	return (unsigned)max_connections;
}

/* B2.3: a shard endpoint when both its namespace and name are given. */
static shards *shard_endpoint(const char *kind, const char *ns, const char *name, long port, const kube_options *ko)
{
	if (!ns || !*ns || !name || !*name)
		return NULL;
	return shards_new(kind, ns, name, port, ko->endpointslices);
}

/* The pipeline's on_cluster hook: each cycle's cluster state refreshes the shard lists. */
static void cluster_read(void *ctx, const kube_cluster *c)
{
	run_state *st = ctx;
	if (st->redis)
		shards_update(st->redis, c);
	if (st->valkey)
		shards_update(st->valkey, c);
}

/* poll_loop's on_publish hook: the fleet view compares its clients with the new table. */
static void table_published(void *ctx, snapshot *s)
{
	fleet_published(ctx, s);
}

/* -kubernetes-watch: the watch loop instead of the poll loop, with the same wait (signals,
 * shutdown), woken by a signalfd of the signals it takes. */
static void run_watch(kube_client *client, const pipeline_options *po, snapshot_slot *slot, ingress_status *status,
		      fleet *skippers, run_state *st)
{
	watch_cfg.on_publish = skippers ? table_published : NULL;
	watch_cfg.on_publish_ctx = skippers;
	watch_cfg.status = status;
	watch_cfg.client = client;
	watch_cfg.pipeline = po;
	watch_cfg.watch = &watch_client_cfg;
	watch_cfg.slot = slot;
	watch_cfg.max_deletion = max_deletion;
	watch_cfg.deletion_hold_ms = deletion_hold_ms;
	watch_cfg.max_zones = (size_t)max_zones;
	watch_cfg.wake_fd = signalfd(-1, &st->signals, SFD_CLOEXEC | SFD_NONBLOCK);
	watch_loop *loop = watch_loop_new(&watch_cfg);
	watch_loop_run(loop, wait_between_polls, st);
	watch_loop_free(loop);
	if (watch_cfg.wake_fd >= 0)
		close(watch_cfg.wake_fd);
}

/* The API is read when asked for explicitly, or when no file source is given. */
static bool use_api(opt_command *cmd)
{
	const char *const explicit[] = { "kubernetes-url", "kubernetes-in-cluster", "kubeconfig", NULL };
	for (int i = 0; explicit[i]; i++) {
		opt_def *d = opt_find(cmd, explicit[i]);
		if (d && d->seen)
			return true;
	}
	return !manifests && !routes_file;
}

int main(int argc, char **argv)
{
	run_state st = { 0 };
	block_signals(&st);
	kube_client_config cfg;
	kube_options ko;
	route_processing rp;
	kube_client_config_init(&cfg);
	kube_options_init(&ko);
	route_processing_init(&rp);
	watch_loop_config_init(&watch_cfg);
	kube_watch_config_init(&watch_client_cfg);
	opt_command cmd = {
		.name = "routesrv-serve",
		.usage = "[flags]",
		.summary = "Serve skipper's routing table, compiled from Kubernetes (or files) every few seconds, "
			   "at /routes with ETags.",
		.opts = build_table(&cfg, &ko, &rp),
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
	if (route_processing_finish(&rp, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	if (poll_interval_ms <= 0)
		opt_usage_error(&cmd, "invalid value \"%ld\" for flag -source-poll-timeout: must be positive",
				poll_interval_ms);
	if (!(max_deletion >= 0 && max_deletion < 1))
		opt_usage_error(&cmd, "invalid value \"%g\" for flag -max-route-deletion: a fraction from 0 (off) to below 1",
				max_deletion);
	if (deletion_hold_ms < 0)
		opt_usage_error(&cmd, "invalid value for flag -max-route-deletion-hold: negative");
	if (settle_ms < 0)
		opt_usage_error(&cmd, "invalid value for flag -source-settle-interval: negative");
	if (healthcheck_wait_ms < 0)
		opt_usage_error(&cmd, "invalid value for flag -wait-for-healthcheck-interval: negative");
	if (manifests && !*manifests)
		manifests = NULL;
	if (routes_file && !*routes_file)
		routes_file = NULL;

	buf ignored = BUF_INIT;
	if (opt_ignored_given(&cmd, &ignored))
		log_kv(LOG_INFO, "ignoring skipper flags routesrv-serve has no use for", "flags", ignored.ptr, NULL);
	buf_free(&ignored);
	warn_unimplemented();

	if (watch_mode && (manifests || routes_file))
		opt_usage_error(&cmd, "-kubernetes-watch watches the API: it does not combine with -kubernetes-manifests "
				      "or -routes-file");
	if (watch_mode && (watch_loop_check(&watch_cfg, &err) != 0 || kube_watch_config_check(&watch_client_cfg, &err) != 0))
		opt_usage_error(&cmd, "%s", err.ptr);
	if (max_zones < 0)
		opt_usage_error(&cmd, "invalid value \"%ld\" for flag -max-zones: must not be negative", max_zones);
	if (max_connections <= 0)
		opt_usage_error(&cmd, "invalid value \"%ld\" for flag -max-connections: must be positive", max_connections);
	if (idle_timeout_ms <= 0)
		opt_usage_error(&cmd, "invalid value for flag -idle-timeout: must be positive");
	if (redis_port <= 0 || redis_port > 65535 || valkey_port <= 0 || valkey_port > 65535)
		opt_usage_error(&cmd, "invalid shard service port: must be 1-65535");
	if (fleet_max_clients < 0 || fleet_max_clients > FLEET_MAX_CLIENTS_LIMIT)
		opt_usage_error(&cmd, "invalid value \"%ld\" for flag -fleet-max-clients: must be 0 to %d",
				fleet_max_clients, FLEET_MAX_CLIENTS_LIMIT);

	kube_client *client = NULL;
	if (use_api(&cmd) && !(client = kube_client_new(&cfg, &err)))
		opt_usage_error(&cmd, "%s", err.ptr);
	/* As skipper: a pod without its service-account token or CA fails at start-up (a
	 * crash-looping pod is seen; one that fails every cycle while ready is not). */
	if (client && kube_client_check_credentials(client, &err) != 0) {
		log_kv(LOG_ERROR, err.ptr, NULL);
		kube_client_free(client);
		return 1;
	}

	ingress_status *status = NULL;
	if (*ko.flag.status_from_service && !client)
		log_kv(LOG_WARN, "-kubernetes-status-from-service needs the Kubernetes API as a source: ignored", NULL);
	else if (*ko.flag.status_from_service && !(status = ingress_status_new(client, &ko, ko.flag.status_from_service, &err))) {
		kube_client_free(client);
		opt_usage_error(&cmd, "%s", err.ptr);
	}

	/* Start-up order of B10: source, shard endpoints, filter chain, TLS. */
	st.redis = shard_endpoint("redis", redis_ns, redis_name, redis_port, &ko);
	st.valkey = shard_endpoint("valkey", valkey_ns, valkey_name, valkey_port, &ko);
	route_filters *filters = route_filters_new(&server_filters, &err);
	if (!filters)
		opt_usage_error(&cmd, "%s", err.ptr);
	static tls_config tls;
	if ((enable_mtls || enable_tls) &&
	    tls_config_load(&tls, tls_cert, tls_key, tls_min_version, mtls_ca, mtls_append_ca, enable_mtls, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	if (!enable_mtls && !enable_tls && ((tls_cert && *tls_cert) || (tls_key && *tls_key)))
		log_kv(LOG_INFO, "-tls-cert and -tls-key are not used without -enable-mtls or -enable-tls: "
				 "the main listener serves plain HTTP, as skipper's routesrv does", NULL);
	if (token_file && *token_file && !(st.tokens = access_tokens_open(token_file, &err)))
		opt_usage_error(&cmd, "-routes-token-file: %s", err.ptr);

	static snapshot_slot slot = SNAPSHOT_SLOT_INIT;
	fleet *skippers = NULL;
	if (fleet_max_clients > 0) {
		fleet_config fc = { .max_clients = (size_t)fleet_max_clients,
				    .expiry_ms = FLEET_EXPIRY_POLLS * poll_interval_ms, .slot = &slot };
		skippers = fleet_new(&fc);
	}
	http_server_config sc = {
		.address = address,
		.slot = &slot,
		.max_connections = connection_limit(),
		.idle_timeout_ms = idle_timeout_ms,
		.read_header_timeout_ms = read_header_timeout_ms,
		.tokens = st.tokens,
		.tls = &tls,
		.filters = filters,
		.redis = st.redis,
		.valkey = st.valkey,
		.fleet = skippers,
	};
	st.routes = http_server_start_routes(&sc, &err);
	if (!st.routes) {
		log_kv(LOG_ERROR, err.ptr, NULL);
		ingress_status_free(status);
		fleet_free(skippers);
		kube_client_free(client);
		return 1;
	}
	buf_reset(&err);
	sc.address = *support_address ? support_address : ":80";
	st.support = http_server_start_support(&sc, &err);
	if (!st.support) {
		char msg[512];
		snprintf(msg, sizeof msg, "Failed support listener: %s", err.ptr);
		log_kv(LOG_ERROR, msg, NULL);
		/* Metrics are what alerts and the liveness probe read: an address that was asked
		 * for must work. Only skipper's accident, an empty value meaning :80 (which a
		 * non-root skipper cannot bind), stays a logged failure, as in skipper. */
		if (*support_address) {
			http_server_stop(st.routes, 0);
			ingress_status_free(status);
			fleet_free(skippers);
			kube_client_free(client);
			return 1;
		}
	}

	pipeline_options po = {
		.kube = &ko,
		.process = &rp,
		.on_cluster = (st.redis || st.valkey) ? cluster_read : NULL,
		.on_cluster_ctx = &st,
	};
	poll_config pc = {
		.client = client,
		.manifests = manifests,
		.routes_file = routes_file,
		.pipeline = &po,
		.interval_ms = poll_interval_ms,
		.settle_ms = settle_ms,
		.max_deletion = max_deletion,
		.deletion_hold_ms = deletion_hold_ms,
		.max_zones = (size_t)max_zones,
		.slot = &slot,
		.status = status,
		.on_publish = skippers ? table_published : NULL,
		.on_publish_ctx = skippers,
	};
	if (client)
		kube_client_set_interrupt(client, cycle_interrupted, &st);
	if (watch_mode)
		run_watch(client, &po, &slot, status, skippers, &st);
	else {
		poll_loop *loop = poll_loop_new(&pc);
		poll_loop_run(loop, wait_between_polls, &st);
		poll_loop_free(loop);
	}

	ingress_status_free(status);
	fleet_free(skippers);   /* after the listeners that record and show it stopped */
	snapshot_slot_clear(&slot);
	access_tokens_free(st.tokens);
	shards_free(st.redis);
	shards_free(st.valkey);
	route_filters_free(filters);
	tls_config_free(&tls);
	kube_client_free(client);
	route_processing_free(&rp);
	kube_options_free(&ko);
	buf_free(&err);
	return 0;
}
