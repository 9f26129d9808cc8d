/* watch_loop.c: watch → store → debounced rebuild → publish (see watch_loop.h). */
#include "pipeline/watch_loop.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/xalloc.h"
#include "objects/kube_store.h"
#include "pipeline/incremental.h"
#include "pipeline/publish.h"

/* wait() is called at least this often: it takes signals and ends a shutdown's wait. */
#define WAKE_S 0.25
/* After a list the store could not take (not valid JSON), relist this much later. */
#define BAD_LIST_RETRY_S 5.0

struct watch_loop {
	watch_loop_config cfg;
	deletion_guard guard;     /* -max-route-deletion, as in the poll loop */
	publish_state pub;
	kube_watch *watch;
	/* Every object's text is kept once: by the incremental compile (incremental.h), which
	 * the store feeds with each object a list or an event changed (kube_store_change). The
	 * store keeps keys and resourceVersions (what a list is compared with), and text only
	 * for -kubernetes-status-from-service, which plans from a full load of it. The periodic
	 * relist compiles from the pages it just listed (relisted), so the safety net does not
	 * read the state it checks. */
	kube_store *store;
	incremental *inc;
	kube_fetch_result relisted;   /* the lists of a running periodic relist (collecting) */
	bool collecting;
	bool relist_incomplete;   /* a list of the running relist was refused (not collected) */
	bool status_stale;        /* a change statuses depend on since they were last planned */
	bool synced;              /* every type had its first complete list: tables may be built */
	bool pending;             /* the store changed since the last rebuild */
	double first_pending;     /* CLOCK_MONOTONIC seconds of the first and the last pending change */
	double last_pending;
	double first_pending_wall;  /* the first pending change's arrival, Unix seconds */
	double rebuild_since;     /* the rebuild's first_pending_wall (0: not from events) */
	double relist_at;         /* the next full relist (INFINITY: never) */
	long relist_changed;      /* objects a running full relist found changed */
};


static void to_timespec(double s, struct timespec *t)
{
	t->tv_sec = (time_t)s;
	t->tv_nsec = (long)((s - (double)t->tv_sec) * 1e9);
}

void watch_loop_config_init(watch_loop_config *cfg)
{
	*cfg = (watch_loop_config){
		.debounce_ms = 100,
		.debounce_max_ms = 1000,
		.relist_ms = 600000,
		.wake_fd = -1,
	};
}

const opt_def *watch_loop_flags(watch_loop_config *cfg, bool *enabled, size_t *n)
{
	static opt_def defs[] = {
		{ .name = "watch-mode-group", .kind = OPT_GROUP, .help = "Watch mode (routesrv only)" },
		{ .name = "kubernetes-watch", .kind = OPT_BOOL,
		  .help = "list once, then watch the API and publish each change after the debounce, instead of "
			  "polling" },
		{ .name = "watch-debounce", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "rebuild the table when changes have been quiet this long" },
		{ .name = "watch-debounce-max", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "rebuild the table at the latest this long after the first pending change" },
		{ .name = "watch-relist-interval", .kind = OPT_DURATION, .metavar = "DURATION",
		  .help = "list everything again this often and publish the full table if it differs from the "
			  "watched one (0: never)" },
		{ .name = NULL },
	};
	defs[1].target = enabled;
	defs[2].target = &cfg->debounce_ms;
	defs[3].target = &cfg->debounce_max_ms;
	defs[4].target = &cfg->relist_ms;
	*n = sizeof defs / sizeof *defs - 1;
	return defs;
}

int watch_loop_check(const watch_loop_config *cfg, buf *err)
{
	if (cfg->debounce_ms < 0 || cfg->debounce_max_ms < 0 || cfg->relist_ms < 0) {
		buf_puts(err, "invalid value for a -watch-* duration flag: negative");
		return -1;
	}
	if (cfg->debounce_max_ms < cfg->debounce_ms) {
		buf_puts(err, "invalid value for flag -watch-debounce-max: shorter than -watch-debounce");
		return -1;
	}
	return 0;
}

/* --- the store, fed by the watch ------------------------------------------------------------ */

static void changed(watch_loop *l, double at)
{
	if (!l->pending) {
		l->pending = true;
		l->first_pending = at;
		l->first_pending_wall = metrics_now() - (clock_mono_seconds() - at);
	}
	l->last_pending = at;
}

static const incremental_kind incremental_kinds[KUBE_NLISTS] = {
	[KUBE_LIST_INGRESSES] = INCR_INGRESS,
	[KUBE_LIST_ROUTEGROUPS] = INCR_ROUTEGROUP,
	[KUBE_LIST_SERVICES] = INCR_SERVICE,
	[KUBE_LIST_ENDPOINTS] = INCR_ENDPOINTS,
	[KUBE_LIST_ENDPOINTSLICES] = INCR_ENDPOINTSLICE,
};

/* One object the store changed, to the incremental compile. An object whose bytes do not
 * decode is logged and counted as a failed poll is; the table keeps its previous version
 * (incremental.h). */
/* Whether a change of this object can change the planned Ingress statuses: an Ingress, a
 * Service, or endpoints in the status Service's namespace (a NodePort Service's addresses are
 * its endpoints'). Endpoints elsewhere, the usual change, do not: no full load for them. */
static bool status_depends_on(const watch_loop *l, kube_list_id id, str ns)
{
	if (id == KUBE_LIST_INGRESSES || id == KUBE_LIST_SERVICES)
		return true;
	if (id != KUBE_LIST_ENDPOINTS && id != KUBE_LIST_ENDPOINTSLICES)
		return false;
	const char *svc = l->cfg.pipeline->kube->flag.status_from_service, *slash = svc ? strchr(svc, '/') : NULL;
	return !slash || ((size_t)(slash - svc) == ns.len && memcmp(svc, ns.ptr, ns.len) == 0);
}

static void feed(void *ctx, kube_list_id id, kube_watch_type type, str ns, str name, const char *text, size_t len)
{
	watch_loop *l = ctx;
	l->status_stale |= l->cfg.status && status_depends_on(l, id, ns);
	incremental_event ev = {
		.type = type == KUBE_WATCH_DELETED ? INCR_DELETED : type == KUBE_WATCH_ADDED ? INCR_ADDED : INCR_MODIFIED,
		.kind = incremental_kinds[id],
		.ns = ns,
		.name = name,
		.data = text,
		.len = len,
	};
	buf err = BUF_INIT;
	if (incremental_apply(l->inc, &ev, &err) != 0) {
		log_kv(LOG_ERROR, "failed to fetch routes", "error", err.ptr ? err.ptr : "", NULL);
		metrics_count("routes.fetch_errors");
	}
	buf_free(&err);
}

static void on_list(void *ctx, kube_list_id id, kube_list *list)
{
	watch_loop *l = ctx;
	buf err = BUF_INIT;
	kube_store_change to_inc = { feed, l, false };
	long n = kube_store_replace(l->store, id, list, &to_inc, &err);
	if (n < 0) {
		/* The watch resumes from this list's RV, so what the store missed must come from
		 * another list: soon, not at the next safety-net relist. */
		log_kv(LOG_ERROR, "failed to fetch routes", "error", err.ptr ? err.ptr : "", NULL);
		metrics_count("routes.fetch_errors");
		double soon = clock_mono_seconds() + BAD_LIST_RETRY_S;
		if (soon < l->relist_at)
			l->relist_at = soon;
		l->relist_incomplete |= l->collecting;
		buf_free(&err);
		return;
	}
	if (n > 0) {
		l->relist_changed += n;
		changed(l, clock_mono_seconds());
	}
	if (id == KUBE_LIST_ROUTEGROUPS)
		incremental_set_routegroups_known(l->inc, true);
	if (l->collecting) {   /* the periodic relist compiles the pages themselves */
		l->relisted.lists[id] = *list;
		*list = (kube_list){ 0 };
	}
	buf_free(&err);
}

static void on_event(void *ctx, kube_list_id id, kube_watch_type type, const char *object, size_t len, double arrived)
{
	watch_loop *l = ctx;
	buf err = BUF_INIT;
	kube_store_change to_inc = { feed, l, false };
	int rc = kube_store_apply(l->store, id, type, object, len, &to_inc, &err);
	if (rc < 0)   /* kube_watch framed it as a JSON object: not expected */
		log_kv(LOG_ERROR, "a watch event's object cannot be stored", "kind", kube_list_kind(id), "error",
		       err.ptr ? err.ptr : "", NULL);
	else if (rc > 0)
		changed(l, arrived);
	buf_free(&err);
}

static void on_gone(void *ctx, kube_list_id id)
{
	watch_loop *l = ctx;
	kube_store_change to_inc = { feed, l, false };
	kube_store_drop(l->store, id, &to_inc);
	incremental_set_routegroups_known(l->inc, false);
	changed(l, clock_mono_seconds());   /* known → unknown changes the table even with no objects */
}

/* --- rebuild and publish ---------------------------------------------------------------------- */

/* -kubernetes-status-from-service plans from the watched cluster: a full load of the store
 * (which keeps text for it; its table unused), only when a status writer is configured and
 * something statuses depend on changed; PATCHes that failed are sent again either way (as a
 * poll whose inputs did not change sends them). */
static void plan_status(watch_loop *l)
{
	if (!l->status_stale) {
		ingress_status_send(l->cfg.status);
		return;
	}
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	ingress_status_hook hook;
	if (pipeline_load_store(ingress_status_hooked(&hook, l->cfg.status, l->cfg.pipeline), l->store, t, &err) == 0) {
		l->status_stale = false;
		ingress_status_send(l->cfg.status);
	} else {
		log_kv(LOG_ERROR, "failed to plan Ingress statuses", "error", err.ptr ? err.ptr : "", NULL);
	}
	route_table_free(t);
	buf_free(&err);
}

/* The table of the watched objects, published: the incremental compile patches the last
 * one from the objects that changed (incremental.h), and publish_incremental serves its
 * documents and gzip members as they are. */
static publish_result watch_rebuild(watch_loop *l)
{
	double t0 = clock_mono_seconds();
	publish_hook published = { l->cfg.on_publish, l->cfg.on_publish_ctx };
	publish_result r = publish_incremental(l->cfg.slot, l->inc, &published, &l->pub);
	if (r == PUBLISH_UPDATED && l->rebuild_since > 0)
		metrics_change_published(METRICS_FROM_EVENT, l->rebuild_since);
	if (l->cfg.status)   /* after publishing, as the poll loop does */
		plan_status(l);
	malloc_trim(0);   /* between rebuilds only the store, the incremental state and the snapshot stay */
	metrics_gauge("watch.rebuild_seconds", clock_mono_seconds() - t0);
	return r;
}

/* Rebuilds now, with the delay since the first pending change as a metric. */
static publish_result rebuild_pending(watch_loop *l)
{
	metrics_gauge("watch.debounce_delay_seconds", clock_mono_seconds() - l->first_pending);
	l->pending = false;
	l->rebuild_since = l->first_pending_wall;
	publish_result r = watch_rebuild(l);
	l->rebuild_since = 0;
	return r;
}

/* When the pending changes are due (W4): quiet for debounce, at most debounce_max. */
static double rebuild_due(const watch_loop *l)
{
	if (!l->pending || !l->synced)
		return INFINITY;
	double quiet = l->last_pending + (double)l->cfg.debounce_ms / 1000.0;
	double latest = l->first_pending + (double)l->cfg.debounce_max_ms / 1000.0;
	return quiet < latest ? quiet : latest;
}

/* Logs and counts the routes by which the relist's full table differs from the watched one. */
static void log_difference(const snapshot *watched, const buf *full)
{
	publish_changes cc = publish_diff(watched->full.bytes[SNAP_PLAIN], watched->full.len[SNAP_PLAIN],
					  full->ptr ? full->ptr : "", full->len, LOG_WARN, "relist: ", 100);
	log_typed(LOG_WARN, "the full relist's table differs from the watched one; the full one is served",
		  LOG_INT("inserted", cc.inserted), LOG_INT("deleted", cc.deleted), LOG_INT("updated", cc.updated));
	metrics_count("watch.relist_differences");
}

/* The incremental state built anew from the objects of the relist's pages (every listed type
 * told every object, unchanged ones as ADDED). */
static void rebuild_incremental(watch_loop *l, kube_fetch_result *pages)
{
	incremental_free(l->inc);
	l->inc = incremental_new(l->cfg.pipeline, l->cfg.max_zones);
	incremental_set_routegroups_known(l->inc, kube_store_routegroups_known(l->store));
	kube_store_change every = { feed, l, true };
	buf err = BUF_INIT;
	for (int id = 0; id < KUBE_NLISTS; id++) {
		if (!pages->lists[id].fetched)
			continue;
		buf_reset(&err);
		if (kube_store_replace(l->store, (kube_list_id)id, &pages->lists[id], &every, &err) < 0)   /* (accepted when listed) */
			log_kv(LOG_ERROR, "the relist's objects could not build the incremental state", "error",
			       err.ptr ? err.ptr : "", NULL);
	}
	buf_free(&err);
}

/* The safety net: every type listed again. The lists change the incremental state as any
 * list does (the objects that differ from the store); its table is kept aside, and its
 * memory given back before the pages are compiled in full on their own
 * (pipeline_load_relisted), so that the peak is a compile or a state, not both. The full table
 * is compared with the watched one served before: a difference (an event the watch missed)
 * is logged route by route and counted; it is compared with the incremental one too (the same
 * objects: a difference is a bug, counted apart). The full one is served, and the
 * incremental state built again from the same pages: every relist starts it afresh. */
static void full_relist(watch_loop *l)
{
	if (l->pending)
		rebuild_pending(l);   /* the watched table, complete up to now */
	metrics_count("watch.full_relists");
	l->relist_changed = 0;
	bool differs = false;
	snapshot *watched = snapshot_acquire(l->cfg.slot);
	buf err = BUF_INIT;
	l->relisted = (kube_fetch_result){ .routegroups_known = false };
	l->relist_incomplete = false;
	l->collecting = true;
	int rc = kube_watch_relist(l->watch, &err);
	l->collecting = false;
	l->relisted.routegroups_known = kube_store_routegroups_known(l->store);
	if (rc != 0 || l->relist_incomplete) {   /* types that listed are current all the same; no full table */
		log_kv(LOG_WARN, "periodic full relist failed; the watched table stays", "error", err.ptr ? err.ptr : "",
		       NULL);
		kube_fetch_result_free(&l->relisted);
	} else {
		char incremental_etag[ETAG_MAX], full_etag[ETAG_MAX] = "";
		snprintf(incremental_etag, sizeof incremental_etag, "%s", incremental_publish(l->inc, NULL)->served.etag);
		incremental_free(l->inc);
		l->inc = NULL;   /* built again below (nothing reads it meanwhile) */
		malloc_trim(0);   /* its pages back to the system: the compile's arenas do not reuse freed heap */
		route_table *t = route_table_new();
		buf_reset(&err);
		if (pipeline_load_relisted(l->cfg.pipeline, &l->relisted, t, &err) != 0) {
			log_kv(LOG_ERROR, "failed to fetch routes", "error", err.ptr ? err.ptr : "", NULL);
			metrics_count("routes.fetch_errors");
		} else {
			pipeline_process(l->cfg.pipeline, t);
			pipeline_served full;
			pipeline_serve(t, &full);
			const buf *doc = &full.full.doc;
			if (watched && (watched->full.len[SNAP_PLAIN] != doc->len ||
					memcmp(watched->full.bytes[SNAP_PLAIN], doc->ptr ? doc->ptr : "", doc->len) != 0)) {
				log_difference(watched, doc);
				differs = true;
			}
			snprintf(full_etag, sizeof full_etag, "%s", full.etag);
			if (strcmp(incremental_etag, full.etag) != 0) {
				log_kv(LOG_ERROR, "the incremental table differs from the full compile of the same objects; "
						  "the full one is served and the incremental state built again", NULL);
				metrics_count("watch.incremental_differences");
			}
			publish_hook published = { l->cfg.on_publish, l->cfg.on_publish_ctx };
			publish_processed(l->cfg.slot, t, &full, &published, &l->pub);
			pipeline_served_free(&full);
			l->pending = false;   /* the relist's changes are in the table served now */
		}
		route_table_free(t);
		/* from the same pages (every type's: an incomplete relist never gets here) */
		rebuild_incremental(l, &l->relisted);
		kube_fetch_result_free(&l->relisted);
		/* built now, not at the next change (whose propagation it would delay) */
		const incremental_served *rebuilt = incremental_publish(l->inc, NULL);
		if (*full_etag && strcmp(rebuilt->served.etag, full_etag) != 0) {
			log_kv(LOG_ERROR, "the incremental state built from the relist differs from its full compile", NULL);
			metrics_count("watch.incremental_differences");
		}
		if (l->cfg.status)
			plan_status(l);
		malloc_trim(0);
	}
	snapshot_release(watched);
	buf_free(&err);
	log_typed(LOG_INFO, "full relist done", LOG_INT("objects_changed", l->relist_changed),
		  LOG_STR("table_differs", differs ? "true" : "false"));
	l->relist_at = l->cfg.relist_ms ? clock_mono_seconds() + (double)l->cfg.relist_ms / 1000.0 : INFINITY;
}

/* --- the loop ------------------------------------------------------------------------------- */

watch_loop *watch_loop_new(const watch_loop_config *cfg)
{
	watch_loop *l = calloc(1, sizeof *l);
	if (!l)
		out_of_memory();
	l->cfg = *cfg;
	deletion_guard_init(&l->guard, cfg->max_deletion, cfg->deletion_hold_ms);
	l->pub = (publish_state){ .max_zones = cfg->max_zones, .guard = &l->guard };
	l->store = kube_store_new(cfg->status != NULL);
	l->inc = incremental_new(cfg->pipeline, cfg->max_zones);
	l->status_stale = true;   /* planned once the first table is out */
	kube_fetch_request req;
	pipeline_fetch_request(cfg->pipeline, &req);
	kube_watch_handler h = { on_list, on_event, on_gone, l };
	l->watch = kube_watch_new(cfg->client, &req, cfg->watch, &h);
	/* The counters operators alert on exist from start-up, at 0 (as the poll loop's). */
	metrics_declare("routes.fetch_errors");
	metrics_declare("routes.empty");
	metrics_declare("routes.unparsable_dropped");
	metrics_declare("watch.relist_differences");
	metrics_declare("watch.incremental_differences");
	metrics_declare("watch.relists");
	metrics_declare("watch.reconnects");
	return l;
}

void watch_loop_free(watch_loop *l)
{
	if (!l)
		return;
	kube_watch_free(l->watch);
	kube_store_free(l->store);
	incremental_free(l->inc);
	free(l);
}

/* Gauges that follow time rather than events. */
static void observe(watch_loop *l, double now)
{
	double last = kube_watch_last_event(l->watch);
	if (last > 0)
		metrics_gauge("watch.last_event_age_seconds", now - last);
	metrics_gauge("watch.store_bytes", (double)kube_store_bytes(l->store));
	if (l->synced && kube_watch_healthy(l->watch))
		metrics_source_current();
}

/* The first complete state: logged, and built at once (nothing to debounce yet). */
static void first_state(watch_loop *l)
{
	l->synced = true;
	char n[KUBE_NLISTS][32];
	for (int i = 0; i < KUBE_NLISTS; i++)
		snprintf(n[i], sizeof n[i], "%zu", kube_store_count(l->store, (kube_list_id)i));
	log_kv(LOG_INFO, "every resource type listed; watching for changes", "ingresses", n[KUBE_LIST_INGRESSES],
	       "routegroups", n[KUBE_LIST_ROUTEGROUPS], "services", n[KUBE_LIST_SERVICES], "endpoints",
	       n[KUBE_LIST_ENDPOINTS], "endpointslices", n[KUBE_LIST_ENDPOINTSLICES], NULL);
	/* whether the RouteGroup CRD exists reaches the compile also when nothing was listed */
	incremental_set_routegroups_known(l->inc, kube_store_routegroups_known(l->store));
	changed(l, clock_mono_seconds());
	rebuild_pending(l);
	l->relist_at = l->cfg.relist_ms ? clock_mono_seconds() + (double)l->cfg.relist_ms / 1000.0 : INFINITY;
}

void watch_loop_run(watch_loop *l, poll_wait_fn wait, void *ctx)
{
	char debounce[32], max[32];
	snprintf(debounce, sizeof debounce, "%ldms", l->cfg.debounce_ms);
	snprintf(max, sizeof max, "%ldms", l->cfg.debounce_max_ms);
	log_kv(LOG_INFO, "starting watching", "debounce", debounce, "debounce_max", max, NULL);
	metrics_gauge("polling_started_timestamp", metrics_now());
	l->relist_at = INFINITY;
	for (;;) {
		double now = clock_mono_seconds(), until = now + WAKE_S, due = rebuild_due(l);
		if (due < until)
			until = due;
		if (l->synced && l->relist_at < until)
			until = l->relist_at;
		struct timespec deadline, at_once;
		to_timespec(until, &deadline);
		kube_watch_run(l->watch, l->cfg.wake_fd, &deadline);
		clock_gettime(CLOCK_MONOTONIC, &at_once);
		poll_wake w = wait(ctx, &at_once);   /* signals, the shutdown wait */
		if (w == POLL_WAKE_STOP)
			break;
		if (!l->synced) {
			if (!kube_watch_synced(l->watch))
				continue;   /* fail closed: no table from a partial state */
			first_state(l);
		}
		now = clock_mono_seconds();
		if (w == POLL_WAKE_RELOAD || now >= l->relist_at)
			full_relist(l);
		else if (now >= rebuild_due(l))
			rebuild_pending(l);
		observe(l, clock_mono_seconds());
	}
	log_kv(LOG_INFO, "watching stopped", NULL);
}
