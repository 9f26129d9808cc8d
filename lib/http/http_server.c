/* http_server.c: the main and support listeners on libmicrohttpd (see http_server.h). */
#include "http/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/gzip.h"
#include "http/http_conditional.h"
#include "http/http_conns.h"
#include "http/http_framing.h"
#include "http/http_mux.h"
#include "base/log.h"
#include "base/metrics.h"

/* The main listener's patterns, as skipper's routesrv registers them (B2); the shard
 * endpoints only when configured. The support listener's are B4's. */
enum { PAT_ROUTES, PAT_ZONE, PAT_HEALTH, PAT_REDIS, PAT_VALKEY, PAT_COUNT };
enum { PAT_METRICS, PAT_METRICS_TREE, PAT_SUPPORT_COUNT };
static const char *const support_patterns[PAT_SUPPORT_COUNT] = { "/metrics", "/metrics/" };

struct http_server {
	struct MHD_Daemon *daemon;
	const char *patterns[PAT_COUNT];     /* NULL: not registered */
	int listen_fd;
	http_server_config cfg;
	snapshot_slot *slot;                 /* NULL for the support listener */
	bool tls;                            /* the listener speaks TLS */
	http_conns *conns;                   /* open connections, read-header deadline */
	atomic_long in_flight;               /* requests between first call and completion */
	/* Fixed answers, built once. */
	struct MHD_Response *not_found;      /* 404 "404 page not found\n" (Go's ServeMux) */
	struct MHD_Response *empty;          /* 404 before the first table, 405: no body */
	struct MHD_Response *health_ok;      /* 204 */
	struct MHD_Response *health_wait;    /* 503 "routes were not initialized yet\n" */
	struct MHD_Response *unauthorized;   /* 401, WWW-Authenticate: Bearer */
	struct MHD_Response *bad_request;    /* 400 "400 Bad Request" (Go's server) */
	const http_webhook *hook;            /* the webhook listener's handler, else NULL */
};

/* A response about to be queued: the body is kept for copies with the filter chain's
 * headers (prebuilt responses are shared and never changed). */
typedef struct {
	int status;
	struct MHD_Response *r;
	const char *body;                    /* alive until the request completes */
	size_t len;
	bool own;                            /* r was made for this request: destroy it */
} answer;

/* Per-request state, from the request line (on_request_line) to the completion callback. */
typedef struct {
	mux_route route;                     /* where the request URI leads (http_mux.h) */
	bool started;                        /* the header is complete: the handler ran once */
	struct timespec start;
	snapshot *snap;                      /* the snapshot this request is answered from */
	int status;
	bool routes;                         /* a /routes request: counted in the metrics */
	buf body;                            /* webhook: the request body so far */
	bool too_large;                      /* webhook: the body went beyond max_body */
} request;

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct MHD_Response *text_response(const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r) abort();
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	return r;
}

static struct MHD_Response *empty_response(void)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r) abort();
	return r;
}

static answer shared(int status, struct MHD_Response *r, const char *body, size_t len)
{
	return (answer){ status, r, body, len, false };
}

static answer empty_answer(http_server *srv, int status)
{
	return shared(status, srv->empty, "", 0);
}

/* --- /routes ------------------------------------------------------------------------- */

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static bool is_get_or_head(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* -routes-token-file: a current token in "Authorization: Bearer <token>". */
static bool authorized(http_server *srv, struct MHD_Connection *c)
{
	if (!srv->cfg.tokens)
		return true;
	access_tokens_refresh(srv->cfg.tokens, false);
	return access_tokens_allow(srv->cfg.tokens, header(c, MHD_HTTP_HEADER_AUTHORIZATION));
}

static answer serve_routes(http_server *srv, struct MHD_Connection *c, const char *method, const char *zone, request *rq)
{
	rq->routes = true;
	if (!authorized(srv, c)) return shared(MHD_HTTP_UNAUTHORIZED, srv->unauthorized, "", 0);
	if (!is_get_or_head(method)) return empty_answer(srv, MHD_HTTP_METHOD_NOT_ALLOWED);
	rq->snap = snapshot_acquire(srv->slot);
	if (!rq->snap) return empty_answer(srv, MHD_HTTP_NOT_FOUND);
	const snapshot_table *t = snapshot_table_for(rq->snap, zone);
	int enc = http_accepts_gzip(header(c, MHD_HTTP_HEADER_ACCEPT_ENCODING)) ? SNAP_GZIP : SNAP_PLAIN;
	http_cond_request cr = {
		.get_or_head = true,
		.if_match = header(c, MHD_HTTP_HEADER_IF_MATCH),
		.if_none_match = header(c, MHD_HTTP_HEADER_IF_NONE_MATCH),
		.if_modified_since = header(c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE),
		.if_unmodified_since = header(c, MHD_HTTP_HEADER_IF_UNMODIFIED_SINCE),
	};
	switch (http_cond_evaluate(&cr, t->etag[enc], rq->snap->last_modified, rq->snap->dated_from)) {
	case HTTP_COND_NOT_MODIFIED:
		return shared(MHD_HTTP_NOT_MODIFIED, t->not_modified[enc], "", 0);
	case HTTP_COND_PRECONDITION_FAILED:
		return shared(MHD_HTTP_PRECONDITION_FAILED, t->failed[enc], "", 0);
	case HTTP_COND_SERVE:
		break;
	}
	return shared(MHD_HTTP_OK, t->ok[enc], t->bytes[enc], t->len[enc]);
}

/* B2.3: GET only (HEAD too is 405), the service's endpoints as JSON. */
static answer serve_shards(http_server *srv, struct MHD_Connection *c, const char *method, shards *sh)
{
	if (!authorized(srv, c)) return shared(MHD_HTTP_UNAUTHORIZED, srv->unauthorized, "", 0);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0) return empty_answer(srv, MHD_HTTP_METHOD_NOT_ALLOWED);
	buf body = BUF_INIT;
	size_t count;
	shards_body(sh, &body, &count);
	struct MHD_Response *r = MHD_create_response_from_buffer(body.len, body.ptr, MHD_RESPMEM_MUST_COPY);
	buf_free(&body);
	if (!r) abort();
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	/* The copy is the response's own; filter headers are added to it directly. */
	return (answer){ MHD_HTTP_OK, r, NULL, 0, true };
}

/* Go's Redirect: Location, and for GET and HEAD a short HTML body naming it. */
static answer redirect_answer(const char *method, const char *location)
{
	bool get_or_head = is_get_or_head(method);
	buf body = BUF_INIT;
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0) {
		buf_puts(&body, "<a href=\"");
		for (const char *p = location; *p; p++) {
			switch (*p) {
			case '&': buf_puts(&body, "&amp;"); break;
			case '<': buf_puts(&body, "&lt;"); break;
			case '>': buf_puts(&body, "&gt;"); break;
			case '"': buf_puts(&body, "&#34;"); break;
			case '\'': buf_puts(&body, "&#39;"); break;
			default: buf_putc(&body, *p);
			}
		}
		buf_puts(&body, "\">Moved Permanently</a>.\n\n");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(body.len, body.ptr ? body.ptr : "", MHD_RESPMEM_MUST_COPY);
	buf_free(&body);
	if (!r) abort();
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	if (get_or_head) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	return (answer){ MHD_HTTP_MOVED_PERMANENTLY, r, NULL, 0, true };
}

static answer not_found(http_server *srv)
{
	return shared(MHD_HTTP_NOT_FOUND, srv->not_found, "404 page not found\n", 19);
}

static answer serve_health(http_server *srv);

/* The zone of /routes/{zone}; one with a NUL byte (%00) is no zone any table has. */
static const char *zone_of(const request *rq)
{
	const buf *w = &rq->route.wildcard;
	return w->ptr && strlen(w->ptr) == w->len ? w->ptr : "";
}

static answer route_request(http_server *srv, struct MHD_Connection *c, const char *method, request *rq)
{
	if (rq->route.kind == MUX_REDIRECT) return redirect_answer(method, rq->route.location.ptr);
	if (rq->route.kind != MUX_MATCH) return not_found(srv);
	switch (rq->route.pattern) {
	case PAT_ROUTES: return serve_routes(srv, c, method, NULL, rq);
	case PAT_ZONE: return serve_routes(srv, c, method, zone_of(rq), rq);
	case PAT_HEALTH: return serve_health(srv);
	case PAT_REDIS: return serve_shards(srv, c, method, srv->cfg.redis);
	case PAT_VALKEY: return serve_shards(srv, c, method, srv->cfg.valkey);
	}
	return not_found(srv);
}

static answer serve_health(http_server *srv)
{
	if (snapshot_slot_ready(srv->slot)) return shared(MHD_HTTP_NO_CONTENT, srv->health_ok, "", 0);
	return shared(MHD_HTTP_SERVICE_UNAVAILABLE, srv->health_wait, "routes were not initialized yet\n", 32);
}

/* --- the filter chain (B5) --------------------------------------------------------------- */

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	MHD_add_response_header(cls, key, value);
	return MHD_YES;
}

static void set_headers(struct MHD_Response *r, const rsf_result *f)
{
	for (size_t i = 0; i < f->nheaders; i++) {
		const char *old;
		while ((old = MHD_get_response_header(r, f->headers[i].name)))
			MHD_del_response_header(r, f->headers[i].name, old);
		MHD_add_response_header(r, f->headers[i].name, f->headers[i].value);
	}
}

/* The handler's answer with the chain's response headers: a copy of a shared response. */
static answer with_headers(answer a, const rsf_result *f)
{
	if (f->nheaders == 0) return a;
	if (!a.own) {
		struct MHD_Response *r = MHD_create_response_from_buffer(a.len, (void *)a.body, MHD_RESPMEM_PERSISTENT);
		if (!r) abort();
		MHD_get_response_headers(a.r, copy_header, r);
		a.r = r;
		a.own = true;
	}
	set_headers(a.r, f);
	return a;
}

/* A response a filter served. */
static answer filter_answer(const rsf_result *f)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(f->body_len, (void *)f->body, MHD_RESPMEM_PERSISTENT);
	if (!r) abort();
	if (f->content_type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
	set_headers(r, f);
	return (answer){ f->status, r, f->body, f->body_len, true };
}

static void *tls_session(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci ? ci->tls_session : NULL;
}

static http_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* -enable-mtls: a client certificate that verifies, checked once per connection. */
static bool client_verified(http_server *srv, struct MHD_Connection *c)
{
	if (!srv->tls || !srv->cfg.tls->require_client_cert) return true;
	http_conn *k = conn_of(c);
	if (k && k->peer) return k->peer == 1;
	bool ok = tls_peer_verify(tls_session(c)) == TLS_PEER_VERIFIED;
	if (k) k->peer = ok ? 1 : -1;
	return ok;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, request *rq, answer a)
{
	rq->status = a.status;
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)a.status, a.r);
	if (a.own) MHD_destroy_response(a.r);
	return ret;
}

static bool is_health(const request *rq)
{
	return rq->route.kind == MUX_MATCH && rq->route.pattern == PAT_HEALTH;
}

static enum MHD_Result handle_main(http_server *srv, struct MHD_Connection *c, const char *method, request *rq)
{
	if (!client_verified(srv, c)) {
		log_kv(LOG_DEBUG, "closing a connection without a verified client certificate", NULL);
		return MHD_NO;
	}
	/* /health bypasses the chain (exact path only), as in skipper. */
	if (is_health(rq)) return send_answer(c, rq, serve_health(srv));
	if (route_filters_empty(srv->cfg.filters)) return send_answer(c, rq, route_request(srv, c, method, rq));
	rsf_request frq = { tls_session(c), header(c, MHD_HTTP_HEADER_HOST) };
	rsf_result f;
	route_filters_run(srv->cfg.filters, &frq, &f);
	if (f.served) return send_answer(c, rq, filter_answer(&f));   /* not counted (B8) */
	return send_answer(c, rq, with_headers(route_request(srv, c, method, rq), &f));
}

/* --- /metrics ------------------------------------------------------------------------ */

static enum MHD_Result serve_metrics(struct MHD_Connection *c, request *rq)
{
	buf text = BUF_INIT, gz = BUF_INIT;
	metrics_render(&text);
	bool gzip = http_accepts_gzip(header(c, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	if (gzip) {
		gzip_compress(&gz, text.ptr ? text.ptr : "", text.len, 1);
		buf_free(&text);
		text = gz;
	}
	size_t len;
	char *body = buf_steal(&text, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) abort();
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	if (gzip) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	return send_answer(c, rq, (answer){ MHD_HTTP_OK, r, NULL, 0, true });
}

static enum MHD_Result route_support(http_server *srv, struct MHD_Connection *c, const char *method, request *rq)
{
	if (rq->route.kind == MUX_MATCH) return serve_metrics(c, rq);
	if (rq->route.kind == MUX_REDIRECT) return send_answer(c, rq, redirect_answer(method, rq->route.location.ptr));
	return send_answer(c, rq, not_found(srv));
}

/* --- the webhook listener ------------------------------------------------------------ */

/* Collects the body; once it is complete, the handler answers. */
static enum MHD_Result webhook_request(http_server *srv, struct MHD_Connection *c, const char *method,
				       const char *upload, size_t *upload_size, request *rq)
{
	const http_webhook *hook = srv->hook;
	if (*upload_size) {
		size_t room = hook->max_body > rq->body.len ? hook->max_body - rq->body.len : 0;
		size_t take = *upload_size < room ? *upload_size : room;
		buf_append(&rq->body, upload, take);
		rq->too_large |= take < *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->route.kind == MUX_REDIRECT) return send_answer(c, rq, redirect_answer(method, rq->route.location.ptr));
	if (rq->route.kind != MUX_MATCH) return send_answer(c, rq, not_found(srv));
	http_post req = { rq->route.pattern, method, header(c, MHD_HTTP_HEADER_CONTENT_TYPE),
			  rq->body.ptr ? rq->body.ptr : "", rq->body.len, rq->too_large,
			  header(c, MHD_HTTP_HEADER_ACCEPT_ENCODING) };
	http_answer out = { 200, BUF_INIT, NULL };
	hook->handle(hook->ctx, &req, &out);
	size_t len;
	char *body = buf_steal(&out.body, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) abort();
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				out.content_type ? out.content_type : "text/plain; charset=utf-8");
	return send_answer(c, rq, (answer){ out.status, r, NULL, 0, true });
}

/* --- the request's framing (http_framing.h) ------------------------------------------- */

/* The header field libmicrohttpd is given before it reads the client's (see on_request_line). */
static const char claimed_length_name[] = "Content-Length", claimed_length_value[] = "0";

typedef struct {
	http_field *v, stack[32];
	size_t n, cap;
} field_list;

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
		const char *value, size_t value_size)
{
	field_list *l = cls;
	if (key == claimed_length_name) return MHD_YES;
	if (l->n == l->cap) {
		http_field *v = malloc(2 * l->cap * sizeof *v);
		if (!v) abort();
		memcpy(v, l->v, l->n * sizeof *v);
		if (l->v != l->stack) free(l->v);
		l->v = v;
		l->cap *= 2;
	}
	l->v[l->n++] = (http_field){ key, value ? value : "", key_size, value_size };
	return MHD_YES;
}

/* Whether the running libmicrohttpd is the one whose in-place header layout
 * http_framing_check was verified against (http_framing.h). */
static bool raw_layout_known(void)
{
	static int known = -1;   /* benign race: every thread computes the same value */
	if (known < 0) known = strcmp(MHD_get_version(), "0.9.75") == 0;
	return known;
}

/* Why a request must not reach a handler, or NULL (http_framing_check on the bytes
 * libmicrohttpd parsed in place: they start at the method). */
static const char *framing_refusal(struct MHD_Connection *c, const char *method, const char *version,
				   bool body_allowed)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (!ci || !version) return "malformed request line";
	field_list l = { .v = l.stack, .cap = sizeof l.stack / sizeof *l.stack };
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect_field, &l);
	http_request_head h = { version + strlen(version), method + ci->header_size, l.v, l.n, raw_layout_known(),
				body_allowed };
	const char *why = http_framing_check(&h);
	if (l.v != l.stack) free(l.v);
	return why;
}

/* Answers 400 and closes the connection: queued on the handler's first call, the response
 * makes libmicrohttpd read nothing more from it (not the body, no next request). */
static enum MHD_Result refuse(http_server *srv, struct MHD_Connection *c, request *rq, const char *why)
{
	log_kv(LOG_DEBUG, "refused a request", "error", why, NULL);
	return send_answer(c, rq, shared(MHD_HTTP_BAD_REQUEST, srv->bad_request, "400 Bad Request", 15));
}

/* --- libmicrohttpd callbacks ---------------------------------------------------------- */

/* MHD_OPTION_URI_LOG_CALLBACK: the request line has been read, no header yet. The request
 * URI is still as sent (escaped, with its query), which is what Go's ServeMux routes on.
 * libmicrohttpd 0.9.75 answers a Content-Length it cannot parse (negative, too large, not
 * a number) itself, before any handler, and sends that answer's header twice. Giving it a
 * "Content-Length: 0" of our own before the client's fields makes its framing "no body"
 * (it takes the first one), and on_request's first call decides on the client's fields
 * alone (http_framing.h); the field is recognised by its address and never counted. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
	http_server *srv = cls;
	request *rq = calloc(1, sizeof *rq);
	if (!rq) abort();
	rq->route = (mux_route)MUX_ROUTE_INIT;
	if (srv->hook) {   /* bodies wanted: no claimed length */
		http_mux_route(srv->hook->patterns, srv->hook->npatterns, uri, &rq->route);
		return rq;
	}
	MHD_set_connection_value(c, MHD_HEADER_KIND, claimed_length_name, claimed_length_value);
	if (srv->slot) http_mux_route(srv->patterns, PAT_COUNT, uri, &rq->route);
	else http_mux_route(support_patterns, PAT_SUPPORT_COUNT, uri, &rq->route);
	return rq;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
		const char *version, const char *upload, size_t *upload_size, void **req_cls) {
	http_server *srv = cls;
	request *rq = *req_cls;
	if (!rq) return MHD_NO;   /* on_request_line always runs first */
	if (!rq->started) {
		/* The header is complete. Queueing a response now makes libmicrohttpd 0.9.75 close
		 * the connection (peers-and-platform.md §4.1), which only a refusal wants; every
		 * other request is answered on the next call. */
		rq->started = true;
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		atomic_fetch_add_explicit(&srv->in_flight, 1, memory_order_relaxed);
		http_conn_request_started(conn_of(c));
		const char *why = rq->route.kind == MUX_BAD_REQUEST ? "invalid request URI" : framing_refusal(c, method, version, srv->hook != NULL);
		return why ? refuse(srv, c, rq, why) : MHD_YES;
	}
	if (srv->hook) return webhook_request(srv, c, method, upload, upload_size, rq);
	if (!srv->slot) return route_support(srv, c, method, rq);
	return handle_main(srv, c, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	http_server *srv = cls;
	request *rq = *req_cls;
	if (!rq) return;
	if (rq->routes && rq->status) metrics_observe_request(rq->status, seconds_since(&rq->start));
	if (rq->started) {
		atomic_fetch_sub_explicit(&srv->in_flight, 1, memory_order_relaxed);
		http_conn_request_done(conn_of(c));
	}
	snapshot_release(rq->snap);
	buf_free(&rq->body);
	mux_route_free(&rq->route);
	free(rq);
	*req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	http_server *srv = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = http_conns_add(srv->conns, ci ? ci->connect_fd : -1);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_conns_remove(srv->conns, *socket_context);
		*socket_context = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n') line[--n] = 0;
	log_kv(LOG_DEBUG, line, "component", "libmicrohttpd", NULL);
}

/* --- listening sockets ---------------------------------------------------------------- */

/* Splits Go's "host:port" / "[v6]:port" / ":port" into host (empty: any) and port. */
static int split_address(const char *address, char *host, size_t hostlen, const char **port)
{
	const char *colon = strrchr(address, ':');
	if (!colon) return -1;
	const char *h = address;
	size_t n = (size_t)(colon - address);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= hostlen) return -1;
	memcpy(host, h, n);
	host[n] = 0;
	*port = colon + 1;
	return 0;
}

static int listen_on(const struct addrinfo *ai, bool any6, buf *err)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) return -1;
	int on = 1, off = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	/* ":port" serves IPv4 and IPv6 on one socket, as Go does. */
	if (any6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) return fd;
	buf_reset(err);
	buf_puts(err, strerror(errno));
	close(fd);
	return -1;
}

static int open_listener(const char *address, buf *err)
{
	char host[256];
	const char *port;
	if (split_address(address, host, sizeof host, &port) != 0 || !*port) {
		buf_printf(err, "listen tcp %s: missing port in address", address);
		return -1;
	}
	struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_family = *host ? AF_UNSPEC : AF_INET6, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc != 0 && !*host) {   /* no IPv6 on this machine: all IPv4 interfaces */
		hints.ai_family = AF_INET;
		rc = getaddrinfo(NULL, port, &hints, &res);
	}
	if (rc != 0) {
		buf_printf(err, "listen tcp %s: %s", address, gai_strerror(rc));
		return -1;
	}
	buf why = BUF_INIT;
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = listen_on(ai, !*host && ai->ai_family == AF_INET6, &why);
	freeaddrinfo(res);
	if (fd < 0) buf_printf(err, "listen tcp %s: %s", address, why.len ? why.ptr : "no usable address");
	buf_free(&why);
	return fd;
}

/* --- start and stop ------------------------------------------------------------------- */

static struct MHD_Response *unauthorized_response(void)
{
	struct MHD_Response *r = empty_response();
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	return r;
}

/* libmicrohttpd takes whole seconds; anything below one second becomes one. */
static unsigned timeout_seconds(long ms)
{
	return ms <= 0 ? 60 : (unsigned)((ms + 999) / 1000);
}

static struct MHD_Daemon *start_daemon(http_server *srv, unsigned threads)
{
	const http_server_config *cfg = &srv->cfg;
	const tls_config *tls = srv->tls ? cfg->tls : NULL;
	void *cert_callback = tls ? tls_config_cert_callback(cfg->tls) : NULL;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (tls) flags |= MHD_USE_TLS;
	struct MHD_OptionItem opts[16] = {
		/* The logger first, so that messages about later options go through it. */
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL },
		{ MHD_OPTION_LISTEN_SOCKET, srv->listen_fd, NULL },
		/* Go's routesrv: 60 s read timeout, which is also its keep-alive idle timeout. */
		{ MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds(cfg->idle_timeout_ms), NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections ? cfg->max_connections : 10000, NULL },
		/* libmicrohttpd clears a connection's memory pool for every request: its default
		 * 32 KiB made that memset the largest user-space cost of a 304. 16 KiB still holds
		 * request headers far larger than any skipper sends; a request line or header
		 * beyond it is answered 414 or 431. */
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16 * 1024, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_line, srv },
	};
	size_t n = 8;
	/* A pool of one is no pool: libmicrohttpd warns about it, so leave it out. */
	if (threads > 1) opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, threads, NULL };
	if (tls) {
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)tls->priorities };
		if (cert_callback) {
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0, cert_callback };
		} else {
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key_pem };
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, tls->cert_pem };
		}
		/* Client certificates are requested (and can be verified) only with CAs. */
		if (tls->trust_pem) opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, tls->trust_pem };
	}
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

static http_server *start(const http_server_config *cfg, snapshot_slot *slot, unsigned threads, buf *err)
{
	if (!raw_layout_known())
		log_kv(LOG_WARN, "header bytes are not checked for NUL bytes and folded lines (verified with libmicrohttpd 0.9.75 only)",
		       "libmicrohttpd", MHD_get_version(), NULL);
	int fd = open_listener(cfg->address, err);
	if (fd < 0) return NULL;
	http_server *srv = calloc(1, sizeof *srv);
	if (!srv) abort();
	srv->listen_fd = fd;
	srv->cfg = *cfg;
	srv->slot = slot;
	srv->tls = (slot || cfg->webhook) && cfg->tls && cfg->tls->npairs > 0;
	srv->hook = cfg->webhook;
	srv->conns = http_conns_start(cfg->read_header_timeout_ms);
	atomic_init(&srv->in_flight, 0);
	srv->not_found = text_response("404 page not found\n");
	srv->empty = empty_response();
	srv->health_ok = empty_response();
	srv->health_wait = text_response("routes were not initialized yet\n");
	srv->unauthorized = unauthorized_response();
	srv->bad_request = text_response("400 Bad Request");
	if (slot) {
		srv->patterns[PAT_ROUTES] = "/routes";
		srv->patterns[PAT_ZONE] = "/routes/{zone}";
		srv->patterns[PAT_HEALTH] = "/health";
		srv->patterns[PAT_REDIS] = cfg->redis ? "/swarm/redis/shards" : NULL;
		srv->patterns[PAT_VALKEY] = cfg->valkey ? "/swarm/valkey/shards" : NULL;
	}
	srv->daemon = start_daemon(srv, threads);
	if (!srv->daemon) {
		buf_printf(err, "listen tcp %s: libmicrohttpd could not start%s", cfg->address,
			   srv->tls ? " (TLS set-up failed)" : "");
		srv->listen_fd = -1;
		close(fd);
		http_server_stop(srv, 0);
		return NULL;
	}
	return srv;
}

http_server *http_server_start_routes(const http_server_config *cfg, buf *err)
{
	unsigned threads = cfg->threads;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	/* libmicrohttpd splits the connection limit among its threads: each needs one. */
	if (cfg->max_connections && threads > cfg->max_connections) threads = cfg->max_connections;
	return start(cfg, cfg->slot, threads, err);
}

http_server *http_server_start_support(const http_server_config *cfg, buf *err)
{
	http_server_config plain = { .address = cfg->address, .max_connections = cfg->max_connections,
		.idle_timeout_ms = cfg->idle_timeout_ms, .read_header_timeout_ms = cfg->read_header_timeout_ms };
	return start(&plain, NULL, 1, err);
}

http_server *http_server_start_webhook(const http_server_config *cfg, const http_webhook *hook, buf *err)
{
	http_server_config c = *cfg;
	c.webhook = hook;
	c.slot = NULL;
	return start(&c, NULL, 1, err);
}

void http_server_stop(http_server *s, long timeout_ms)
{
	if (!s) return;
	if (s->daemon) {
		/* Refuse new connections at once: quiesce stops accepting, and shutting the
		 * listening socket down makes the kernel reset connection attempts. */
		MHD_socket fd = MHD_quiesce_daemon(s->daemon);
		if (fd != MHD_INVALID_SOCKET) shutdown(fd, SHUT_RDWR);
		for (long waited = 0; atomic_load(&s->in_flight) > 0 && waited < timeout_ms; waited += 10) {
			struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
			nanosleep(&ten_ms, NULL);
		}
		MHD_stop_daemon(s->daemon);
	}
	if (s->listen_fd >= 0) close(s->listen_fd);
	MHD_destroy_response(s->not_found);
	MHD_destroy_response(s->empty);
	MHD_destroy_response(s->health_ok);
	MHD_destroy_response(s->health_wait);
	MHD_destroy_response(s->unauthorized);
	MHD_destroy_response(s->bad_request);
	http_conns_stop(s->conns);
	free(s);
}
