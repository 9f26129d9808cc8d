/* kube_watch.c: LIST + WATCH streams on libcurl's multi interface (see kube_watch.h). */
#include "source/kube_watch.h"

#include <curl/curl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/clock.h"
#include "base/json_scan.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/redact.h"
#include "base/xalloc.h"
#include "source/kube_client_internal.h"

#define ERROR_BODY_MAX 4096       /* of a non-200 answer, kept for the message */
#define FRESH_AFTER_S 60.0        /* a watch that ran this long failed afresh: backoff restarts */

struct kube_watch;

typedef struct {
	struct kube_watch *w;
	kube_list_id id;
	const char *selector;
	bool wanted;            /* listed and watched (RouteGroups: while their CRD is present) */
	bool synced;            /* had a complete list (RouteGroups: or are known to be absent) */
	bool listed;            /* listed at least once (the next LIST counts as a relist) */
	bool need_list;         /* list (again) before watching */
	char *rv;               /* where the next watch resumes */
	CURL *easy;             /* the watch in flight, or NULL */
	struct curl_slist *headers;
	char *shown_url;        /* redacted, for messages */
	char errbuf[CURL_ERROR_SIZE];
	buf in;                 /* stream bytes not framed into events yet (or an error answer) */
	bool failed;            /* the stream delivered a bad event or an ERROR: retry after a backoff */
	bool gone;              /* an ERROR 410: list again */
	buf why;                /* what failed in the stream */
	unsigned failures;      /* consecutive failures, for the backoff */
	double due;             /* CLOCK_MONOTONIC seconds: when to list or watch next */
	double started;         /* when the current watch began */
} stream;

struct kube_watch {
	kube_client *client;
	kube_watch_config cfg;
	kube_watch_handler h;
	CURLM *multi;
	stream s[KUBE_NLISTS];
	uint64_t rng;
	/* The RouteGroup CRD: known after the first decided discovery; suspect after a 404 of
	 * the RouteGroup watch (checks every recheck_ms decide). */
	bool rg_known, rg_present, rg_suspect;
	double rg_check_at;
	double last_event;
	bool delivered;         /* a handler was called since kube_watch_run last returned */
	buf first_list_error;   /* the last failure of a list that never succeeded */
};


/* xorshift64*: jitter needs no more. */
static double rand01(kube_watch *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (double)((w->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static const char *kind_of(const stream *s)
{
	return kube_list_kind(s->id);
}

void kube_watch_config_init(kube_watch_config *cfg)
{
	*cfg = (kube_watch_config){
		.timeout_ms = 300000,
		.backoff_initial_ms = 800,
		.backoff_max_ms = 30000,
		.discovery_interval_ms = 30000,
		.recheck_ms = 3000,
	};
}

const opt_def *kube_watch_config_flags(kube_watch_config *cfg, size_t *n)
{
	static opt_def defs[] = {
		{ .name = "watch-group", .kind = OPT_GROUP, .help = "Watching the API" },
		{ .name = "watch-timeout", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "each watch asks the API server to end it after a random time between this and twice "
			  "this (timeoutSeconds), then watches again" },
		{ .name = "watch-crd-interval", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "while the RouteGroup CRD is not installed, look for it this often" },
		{ .name = NULL },
	};
	defs[1].target = &cfg->timeout_ms;
	defs[2].target = &cfg->discovery_interval_ms;
	*n = sizeof defs / sizeof *defs - 1;
	return defs;
}

int kube_watch_config_check(const kube_watch_config *cfg, buf *err)
{
	if (cfg->timeout_ms <= 0) {
		buf_puts(err, "invalid value for flag -watch-timeout: must be positive");
		return -1;
	}
	if (cfg->discovery_interval_ms <= 0) {
		buf_puts(err, "invalid value for flag -watch-crd-interval: must be positive");
		return -1;
	}
	return 0;
}

kube_watch *kube_watch_new(kube_client *client, const kube_fetch_request *req, const kube_watch_config *cfg,
			   const kube_watch_handler *handler)
{
	kube_watch *w = calloc(1, sizeof *w);
	if (!w || !(w->multi = curl_multi_init()))
		out_of_memory();
	w->client = client;
	w->cfg = *cfg;
	w->h = *handler;
	if (getrandom(&w->rng, sizeof w->rng, GRND_NONBLOCK) != (ssize_t)sizeof w->rng || !w->rng)
		w->rng = (uint64_t)(clock_mono_seconds() * 1e9) | 1;
	const char *selectors[KUBE_NLISTS] = {
		[KUBE_LIST_INGRESSES] = req->ingresses,
		[KUBE_LIST_ROUTEGROUPS] = req->routegroups,
		[KUBE_LIST_SERVICES] = req->services,
		[KUBE_LIST_ENDPOINTS] = req->endpoints,
		[KUBE_LIST_ENDPOINTSLICES] = req->endpointslices,
	};
	for (int i = 0; i < KUBE_NLISTS; i++) {
		stream *s = &w->s[i];
		*s = (stream){ .w = w, .id = (kube_list_id)i, .selector = selectors[i], .need_list = true,
			       .in = BUF_INIT, .why = BUF_INIT };
		s->wanted = i == KUBE_LIST_INGRESSES || i == KUBE_LIST_SERVICES ||
			    i == (req->endpointslices_enabled ? KUBE_LIST_ENDPOINTSLICES : KUBE_LIST_ENDPOINTS);
		if (i == KUBE_LIST_ENDPOINTS || i == KUBE_LIST_ENDPOINTSLICES)
			s->synced = !s->wanted;   /* the kind not asked for is complete as it is: empty */
	}
	return w;
}

static void stop_watch(kube_watch *w, stream *s)
{
	if (!s->easy)
		return;
	curl_multi_remove_handle(w->multi, s->easy);
	curl_easy_cleanup(s->easy);
	kube_client_stream_headers_free(s->headers);
	free(s->shown_url);
	s->easy = NULL;
	s->headers = NULL;
	s->shown_url = NULL;
	buf_reset(&s->in);
	buf_reset(&s->why);
	s->failed = s->gone = false;
}

void kube_watch_free(kube_watch *w)
{
	if (!w)
		return;
	for (int i = 0; i < KUBE_NLISTS; i++) {
		stop_watch(w, &w->s[i]);
		free(w->s[i].rv);
		buf_free(&w->s[i].in);
		buf_free(&w->s[i].why);
	}
	curl_multi_cleanup(w->multi);
	buf_free(&w->first_list_error);
	free(w);
}

/* The wait before the next try: backoff_initial_ms doubling per failure up to
 * backoff_max_ms, times 1 to 2 at random (client-go's jitter factor 1). */
static double backoff_s(kube_watch *w, const stream *s)
{
	double base = (double)w->cfg.backoff_initial_ms / 1000.0;
	for (unsigned i = 1; i < s->failures && base < (double)w->cfg.backoff_max_ms / 1000.0; i++)
		base *= 2;
	if (base > (double)w->cfg.backoff_max_ms / 1000.0)
		base = (double)w->cfg.backoff_max_ms / 1000.0;
	return base * (1.0 + rand01(w));
}

static void log_retry(log_level level, const char *msg, const stream *s, const char *error, double delay)
{
	char in[32];
	snprintf(in, sizeof in, "%.3fs", delay);
	log_kv(level, msg, "kind", kind_of(s), "error", error, "retry_in", in, NULL);
}

/* --- LIST ------------------------------------------------------------------------------------ */

/* Lists s's resource (blocking); on success hands the list over and starts the watch from
 * its RV at once. 0, or -1 with the reason in err (then retried after a backoff). */
static int do_list(kube_watch *w, stream *s, buf *err)
{
	kube_list l;
	char *rv;
	if (s->listed)
		metrics_count("watch.relists");
	if (kube_client_list(w->client, s->id, s->selector, &l, &rv, err) != 0) {
		/* A failed list is what a failed poll is: an API failure operators alert on. */
		metrics_count("routes.fetch_errors");
		s->failures++;
		double delay = backoff_s(w, s);
		s->due = clock_mono_seconds() + delay;
		log_retry(LOG_ERROR, "failed to list for the watch", s, err->ptr ? err->ptr : "", delay);
		if (!s->listed) {
			buf_reset(&w->first_list_error);
			buf_append(&w->first_list_error, err->ptr, err->len);
		}
		return -1;
	}
	stop_watch(w, s);   /* a running watch's events are older than this list */
	free(s->rv);
	s->rv = rv;
	s->need_list = false;
	s->listed = s->synced = true;
	s->failures = 0;
	s->due = 0;
	w->h.on_list(w->h.ctx, s->id, &l);
	w->delivered = true;
	kube_client_list_free(&l);
	return 0;
}

/* --- events ----------------------------------------------------------------------------------- */

static bool key_is(const char *key, const char *key_end, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(key_end - key) == n + 2 && memcmp(key + 1, name, n) == 0;
}

/* The contents of a JSON string without escapes, [p + 1, end - 1); false for strings with
 * backslashes (RVs and event types never have any). */
static bool plain_string(const char *p, const char *end, const char **s, size_t *n)
{
	if (end - p < 2 || *p != '"' || memchr(p, '\\', (size_t)(end - p)))
		return false;
	*s = p + 1;
	*n = (size_t)(end - p - 2);
	return true;
}

/* Finds member `name` of the (validated) object [p, end): its value's span, or false. */
static bool member(const char *p, const char *end, const char *name, const char **v, const char **v_end)
{
	json_error e;
	json_walk o;
	const char *key, *key_end;
	if (json_object_begin(&o, p, end, 0, &e) != 0)
		return false;
	while (json_object_next(&o, &key, &key_end) == 1) {
		const char *at = o.p;
		if (!json_walk_value(&o))
			return false;
		if (key_is(key, key_end, name)) {
			*v = at;
			*v_end = o.p;
			return true;
		}
	}
	return false;
}

/* object.metadata.resourceVersion becomes the resume point, when the object has one. */
static void take_rv(stream *s, const char *obj, const char *obj_end)
{
	const char *meta, *meta_end, *rv, *rv_end, *text;
	size_t n;
	if (member(obj, obj_end, "metadata", &meta, &meta_end) && *meta == '{' &&
	    member(meta, meta_end, "resourceVersion", &rv, &rv_end) && plain_string(rv, rv_end, &text, &n) && n) {
		free(s->rv);
		s->rv = strndup(text, n);
		if (!s->rv)
			out_of_memory();
	}
}

static void stream_failed(stream *s, const char *fmt, const char *detail)
{
	if (s->failed)
		return;
	s->failed = true;
	buf_reset(&s->why);
	buf_printf(&s->why, fmt, detail);
}

/* An ERROR event: 410 means list again; anything else is a failed stream. */
static void error_event(stream *s, const char *obj, const char *obj_end)
{
	const char *code = NULL, *code_end = NULL, *msg, *msg_end, *text = "";
	size_t n = 0;
	bool has_code = obj && member(obj, obj_end, "code", &code, &code_end);
	if (obj && member(obj, obj_end, "message", &msg, &msg_end))
		plain_string(msg, msg_end, &text, &n);
	char detail[512];
	snprintf(detail, sizeof detail, "%.*s (code %.*s)", (int)(n > 400 ? 400 : n), text,
		 has_code ? (int)(code_end - code) : 1, has_code ? code : "-");
	if (has_code && code_end - code == 3 && memcmp(code, "410", 3) == 0) {
		s->gone = true;
		buf_reset(&s->why);
		buf_puts(&s->why, detail);
		return;
	}
	stream_failed(s, "ERROR event: %s", detail);
}

/* One framed JSON value of the stream: {"type": ..., "object": {...}}. */
static void handle_event(kube_watch *w, stream *s, const char *v, const char *end, double arrived)
{
	json_error e = { v, "" };
	json_walk top;
	const char *key, *key_end, *type = NULL, *type_end = NULL, *obj = NULL, *obj_end = NULL;
	int rc;
	if (*v != '{' || json_object_begin(&top, v, end, 0, &e) != 0) {
		stream_failed(s, "an event is not a JSON object%s", "");
		return;
	}
	while ((rc = json_object_next(&top, &key, &key_end)) == 1) {
		const char *at = top.p;
		if (!json_walk_value(&top))
			break;
		if (key_is(key, key_end, "type"))
			type = at, type_end = top.p;
		else if (key_is(key, key_end, "object") && *at == '{')
			obj = at, obj_end = top.p;
	}
	if (rc != 0) {
		stream_failed(s, "an event is not valid JSON: %s", e.reason);
		return;
	}
	const char *t;
	size_t tn;
	if (!type || !plain_string(type, type_end, &t, &tn)) {
		stream_failed(s, "an event without a type%s", "");
		return;
	}
	static const struct { const char *name, *metric; int type; } types[] = {
		{ "ADDED", "watch.events.added", KUBE_WATCH_ADDED },
		{ "MODIFIED", "watch.events.modified", KUBE_WATCH_MODIFIED },
		{ "DELETED", "watch.events.deleted", KUBE_WATCH_DELETED },
		{ "BOOKMARK", "watch.events.bookmark", -1 },
		{ "ERROR", "watch.events.error", -2 },
	};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		if (tn != strlen(types[i].name) || memcmp(t, types[i].name, tn) != 0)
			continue;
		metrics_count(types[i].metric);
		if (types[i].type == -2) {
			error_event(s, obj, obj_end);
			return;
		}
		if (!obj) {
			stream_failed(s, "a %s event without an object", types[i].name);
			return;
		}
		w->last_event = arrived;
		take_rv(s, obj, obj_end);
		if (types[i].type >= 0) {
			w->delivered = true;
			w->h.on_event(w->h.ctx, s->id, (kube_watch_type)types[i].type, obj, (size_t)(obj_end - obj), arrived);
		}
		return;
	}
	char shown[64];
	snprintf(shown, sizeof shown, "%.*s", (int)(tn > 40 ? 40 : tn), t);
	stream_failed(s, "an event of unknown type %s", shown);
}

/* Hands every complete JSON value in s->in to handle_event and keeps the rest. */
static void frame(kube_watch *w, stream *s, double arrived)
{
	const char *p = s->in.ptr, *end = p + s->in.len;
	while (!s->failed && !s->gone) {
		const char *v = json_skip_ws(p, end);
		const char *after = v < end ? json_skip_value(v, end) : NULL;
		if (!after) {
			p = v;
			break;
		}
		handle_event(w, s, v, after, arrived);
		p = after;
	}
	size_t used = (size_t)(p - s->in.ptr);
	memmove(s->in.ptr, p, s->in.len - used);
	s->in.len -= used;
	if (s->in.ptr)
		s->in.ptr[s->in.len] = 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
	stream *s = userdata;
	long status = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {   /* an error answer: keep its start for the message */
		if (s->in.len < ERROR_BODY_MAX)
			buf_append(&s->in, p, size * n < ERROR_BODY_MAX - s->in.len ? size * n : ERROR_BODY_MAX - s->in.len);
		return size * n;
	}
	buf_append(&s->in, p, size * n);
	frame(s->w, s, clock_mono_seconds());
	if (!s->failed && s->in.len > KUBE_WATCH_MAX_EVENT)
		stream_failed(s, "an event larger than %s bytes", "67108864");
	return s->failed || s->gone ? 0 : size * n;   /* 0 ends the transfer */
}

/* --- WATCH ------------------------------------------------------------------------------------ */

static void start_watch(kube_watch *w, stream *s)
{
	long base = (w->cfg.timeout_ms + 999) / 1000;
	long timeout = base + (long)(rand01(w) * (double)base);
	char *url = kube_client_watch_url(w->client, s->id, s->selector, s->rv, timeout);
	s->easy = kube_client_stream(w->client, url, &s->headers);
	s->shown_url = redact_dup(url);
	free(url);
	s->errbuf[0] = 0;
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
	/* The server ends the watch at timeoutSeconds; one that hangs beyond is cut here. */
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (timeout + 30) * 1000L);
	if (curl_multi_add_handle(w->multi, s->easy) != CURLM_OK)
		abort();
	s->started = clock_mono_seconds();
	if (s->failures)
		metrics_count("watch.reconnects");
}

/* A watch transfer ended: decide what comes next. */
static void watch_done(kube_watch *w, stream *s, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	double now = clock_mono_seconds();
	/* bytes of an event that never ended: the stream was cut */
	bool cut_in_event = status == 200 && s->in.len && json_skip_ws(s->in.ptr, s->in.ptr + s->in.len) !=
								 s->in.ptr + s->in.len;
	buf err = BUF_INIT;
	if (s->gone || status == 410) {
		if (s->gone)
			buf_append(&err, s->why.ptr, s->why.len);
		else
			kube_client_describe_status(s->shown_url, status, &s->in, &err);
		log_kv(LOG_INFO, "watch expired (resource version too old); listing again", "kind", kind_of(s), "error",
		       err.ptr ? err.ptr : "", NULL);
		s->need_list = true;
		s->due = now;
	} else if (status == 404 && s->id == KUBE_LIST_ROUTEGROUPS) {
		log_kv(LOG_WARN, "RouteGroup watch answered 404: checking whether the CRD is gone", "url", s->shown_url, NULL);
		w->rg_suspect = true;
		w->rg_check_at = now;
		s->need_list = true;   /* events may be lost meanwhile */
	} else if (rc == CURLE_OK && status == 200 && !s->failed && !cut_in_event) {
		s->failures = 0;   /* the server ended it (timeoutSeconds): watch again at once */
		s->due = now;
	} else {
		if (s->failed)
			buf_append(&err, s->why.ptr, s->why.len);
		else if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR)
			buf_printf(&err, "GET %s: %s", s->shown_url, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		else if (status != 200)
			kube_client_describe_status(s->shown_url, status, &s->in, &err);
		else
			buf_printf(&err, "GET %s: the stream ended inside an event", s->shown_url);
		while (err.len && (err.ptr[err.len - 1] == '\n' || err.ptr[err.len - 1] == '\r'))
			err.ptr[--err.len] = 0;
		if (status == 401) {
			buf cred = BUF_INIT;
			if (kube_client_refresh(w->client, &cred) < 0)
				buf_printf(&err, "; refreshing credentials failed: %s", cred.ptr ? cred.ptr : "");
			buf_free(&cred);
		}
		if (now - s->started >= FRESH_AFTER_S)
			s->failures = 0;
		s->failures++;
		double delay = backoff_s(w, s);
		s->due = now + delay;
		log_retry(LOG_WARN, "watch failed; watching again from the last resource version", s, err.ptr ? err.ptr : "",
			  delay);
	}
	buf_free(&err);
	stop_watch(w, s);
}

static void drain(kube_watch *w)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(w->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		stream *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		watch_done(w, s, m->data.result);
	}
}

/* --- RouteGroup discovery --------------------------------------------------------------------- */

/* Checks after a 404 or an undecided discovery: recheck_ms, or sooner when the CRD is
 * looked for more often than that anyway. */
static long recheck_ms(const kube_watch *w)
{
	return w->cfg.recheck_ms < w->cfg.discovery_interval_ms ? w->cfg.recheck_ms : w->cfg.discovery_interval_ms;
}

static void discover(kube_watch *w, double now)
{
	stream *s = &w->s[KUBE_LIST_ROUTEGROUPS];
	buf err = BUF_INIT;
	int known = kube_client_routegroups(w->client, &err);
	if (known > 0) {
		if (!w->rg_present || w->rg_suspect) {
			s->need_list = true;
			s->due = now;
		}
		w->rg_present = s->wanted = true;
		w->rg_suspect = false;
		w->rg_check_at = INFINITY;   /* the watch tells when it goes */
	} else if (known == 0) {
		if (w->rg_present && w->h.on_gone) {
			w->h.on_gone(w->h.ctx, KUBE_LIST_ROUTEGROUPS);
			w->delivered = true;
		}
		stop_watch(w, s);
		w->rg_present = w->rg_suspect = s->wanted = false;
		s->synced = true;   /* no RouteGroups is a complete state */
		s->need_list = true;
		w->rg_check_at = now + (double)w->cfg.discovery_interval_ms / 1000.0;
	} else {
		log_kv(LOG_WARN, "RouteGroup discovery undecided; checking again", "error", err.ptr ? err.ptr : "", NULL);
		w->rg_check_at = now + (double)recheck_ms(w) / 1000.0;
	}
	if (known >= 0)
		w->rg_known = true;
	buf_free(&err);
}

/* --- the loop --------------------------------------------------------------------------------- */

/* Discovery, lists and watch starts that are due, in skipper's list order. */
static void due_work(kube_watch *w)
{
	for (int i = 0; i < KUBE_NLISTS; i++) {
		stream *s = &w->s[i];
		if (i == KUBE_LIST_ROUTEGROUPS && clock_mono_seconds() >= w->rg_check_at)
			discover(w, clock_mono_seconds());
		if (!s->wanted || s->easy || s->due > clock_mono_seconds() || (i == KUBE_LIST_ROUTEGROUPS && w->rg_suspect))
			continue;
		buf err = BUF_INIT;
		if (!s->need_list || do_list(w, s, &err) == 0)
			start_watch(w, s);
		buf_free(&err);
	}
}

static double next_due(const kube_watch *w)
{
	double next = w->rg_check_at;
	for (int i = 0; i < KUBE_NLISTS; i++) {
		const stream *s = &w->s[i];
		if (s->wanted && !s->easy && !(i == KUBE_LIST_ROUTEGROUPS && w->rg_suspect) && s->due < next)
			next = s->due;
	}
	return next;
}

int kube_watch_run(kube_watch *w, int fd, const struct timespec *deadline)
{
	double until = deadline ? (double)deadline->tv_sec + (double)deadline->tv_nsec / 1e9 : INFINITY;
	for (;;) {
		due_work(w);
		int running;
		curl_multi_perform(w->multi, &running);
		drain(w);
		double now = clock_mono_seconds(), next = next_due(w);
		if (w->delivered) {   /* the caller may now have something due sooner */
			w->delivered = false;
			return 2;
		}
		if (now >= until)
			return 0;
		if (next > until)
			next = until;
		double wait_ms = (next - now) * 1000.0 + 1;
		long curl_ms = -1;
		curl_multi_timeout(w->multi, &curl_ms);
		if (curl_ms >= 0 && (double)curl_ms < wait_ms)
			wait_ms = (double)curl_ms;
		if (wait_ms > INT_MAX)
			wait_ms = INT_MAX;
		if (wait_ms < 0)
			wait_ms = 0;
		struct curl_waitfd extra = { fd, CURL_WAIT_POLLIN, 0 };
		curl_multi_poll(w->multi, fd >= 0 ? &extra : NULL, fd >= 0 ? 1 : 0, (int)wait_ms, NULL);
		if (fd >= 0 && (extra.revents & CURL_WAIT_POLLIN))
			return 1;
	}
}

int kube_watch_relist(kube_watch *w, buf *err)
{
	int rc = 0;
	for (int i = 0; i < KUBE_NLISTS; i++) {
		stream *s = &w->s[i];
		if (i == KUBE_LIST_ROUTEGROUPS)
			discover(w, clock_mono_seconds());
		if (!s->wanted || (i == KUBE_LIST_ROUTEGROUPS && w->rg_suspect))
			continue;
		buf e = BUF_INIT;
		if (do_list(w, s, &e) == 0) {
			start_watch(w, s);
		} else if (rc == 0) {
			buf_append(err, e.ptr, e.len);
			rc = -1;
		}
		buf_free(&e);
	}
	return rc;
}

bool kube_watch_synced(const kube_watch *w)
{
	if (!w->rg_known)
		return false;
	for (int i = 0; i < KUBE_NLISTS; i++)
		if (!w->s[i].synced)
			return false;
	return true;
}

bool kube_watch_healthy(const kube_watch *w)
{
	if (!kube_watch_synced(w) || w->rg_suspect)
		return false;
	for (int i = 0; i < KUBE_NLISTS; i++)
		if (w->s[i].wanted && !w->s[i].easy)
			return false;
	return true;
}

double kube_watch_last_event(const kube_watch *w)
{
	return w->last_event;
}

bool kube_watch_first_list_failed(const kube_watch *w, buf *err)
{
	for (int i = 0; i < KUBE_NLISTS; i++)
		if (w->s[i].wanted && !w->s[i].listed && w->first_list_error.len) {
			buf_append(err, w->first_list_error.ptr, w->first_list_error.len);
			return true;
		}
	return false;
}
