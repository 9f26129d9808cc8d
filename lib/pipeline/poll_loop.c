/* poll_loop.c: sources → raw routes → processed table → snapshot (see poll_loop.h). */
#include "pipeline/poll_loop.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/metrics.h"
#include "objects/kube_changes.h"
#include "source/source_identity.h"
#include "source/source_settle.h"
#include "pipeline/deletion_guard.h"

/* No route table survives a cycle: a 20 000-route table takes about 35 MB as structs, five
 * times its served bytes, so between cycles the loop keeps only the snapshot (the bytes),
 * and a new table is compared with the served one by its served bytes. What it keeps of
 * the inputs is their fingerprint: a cycle whose inputs are those of the last good one
 * stops before parsing them (same inputs, same table). */
struct poll_loop {
	poll_config cfg;
	bool loaded;                    /* the last cycle that read every source succeeded */
	source_fingerprint loaded_api;  /* what it read: the API's bodies */
	source_fingerprint loaded_files;   /* the files by identity */
	bool files_trusted;             /* loaded_files had no racy timestamp (source_identity.h) */
	source_fingerprint loaded_contents;   /* the files by identity and bytes */
	source_settle settle;           /* the settle rule for file sources */
	deletion_guard guard;           /* -max-route-deletion */
	size_t zones_beyond;            /* zones beyond -max-zones in the last table */
	double recheck_at;              /* monotonic time a settling file is looked at again; 0: none */
	size_t last_raw_count;          /* routes the sources gave when they were last read */
	bool force_reload;
	unsigned long failed_cycles;    /* consecutive cycles whose sources failed */
	double failing_since;           /* monotonic time of the first of them */
	kube_changes *changes;          /* objects of the last read, for the change latency */
	pipeline_options load;          /* the pipeline's, with cluster_read as its hook */
	double cycle_start;             /* Unix time the current cycle started */
	long long changed_at;           /* the newest managedFields time of this cycle's changes */
};

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void cluster_read(void *ctx, const kube_cluster *c);

poll_loop *poll_loop_new(const poll_config *cfg)
{
	poll_loop *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->cfg = *cfg;
	source_settle_init(&p->settle, cfg->settle_ms);
	deletion_guard_init(&p->guard, cfg->max_deletion, cfg->deletion_hold_ms);
	p->changes = kube_changes_new();
	p->load = *cfg->pipeline;
	p->load.on_cluster = cluster_read;
	p->load.on_cluster_ctx = p;
	/* The counters operators alert on exist from start-up, at 0 (see metrics.h). */
	metrics_declare("routes.fetch_errors");
	metrics_declare("routes.empty");
	metrics_declare("routes.unparsable_dropped");
	return p;
}

void poll_loop_free(poll_loop *p)
{
	if (p) kube_changes_free(p->changes);
	free(p);
}

/* Makes the next cycle re-read -routes-file even when it looks unchanged (SIGHUP). */
static void poll_loop_force_reload(poll_loop *p)
{
	p->force_reload = true;
}

/* --- sources ------------------------------------------------------------------------- */

/* Reads -routes-file into out. */
static int load_routes_file(poll_loop *p, route_table *out, buf *err)
{
	struct stat st;
	const char *path = p->cfg.routes_file;
	if (stat(path, &st) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	return pipeline_load_eskip(&path, 1, out, err);
}

/* Notes which objects of each cluster read changed (kube_changes.h), then hands it to the
 * command's hook (shard endpoints). */
static void cluster_read(void *ctx, const kube_cluster *c)
{
	poll_loop *p = ctx;
	kube_changes_add(p->changes, c);
	if (p->cfg.pipeline->on_cluster)
		p->cfg.pipeline->on_cluster(p->cfg.pipeline->on_cluster_ctx, c);
}

/* The fingerprint of the API's bodies as fetched. */
static source_fingerprint api_fingerprint(const kube_fetch_result *fetched)
{
	source_identity id;
	source_fingerprint fp;
	source_identity_begin(&id);
	if (fetched) {
		unsigned char crd = fetched->routegroups_known;
		source_identity_bytes(&id, &crd, 1);
		for (size_t i = 0; i < KUBE_NLISTS; i++) {
			const kube_list *l = &fetched->lists[i];
			uint64_t head[2] = { l->fetched, l->npages };
			source_identity_bytes(&id, head, sizeof head);
			for (size_t pg = 0; pg < l->npages; pg++)
				source_identity_bytes(&id, l->pages[pg].ptr, l->pages[pg].len);
		}
	}
	source_identity_finish(&id, &fp);
	return fp;
}

/* The files this cycle reads: the manifests, the routes file and the default-filters
 * directory (when a Kubernetes source uses it), by identity and, with contents, by bytes.
 * False when it must not be trusted next cycle (see source_identity.h). */
static bool files_fingerprint(poll_loop *p, bool contents, source_fingerprint *out)
{
	source_identity id;
	source_identity_begin(&id);
	if (contents)
		source_identity_contents(&id);
	if (p->cfg.manifests)
		source_identity_tree(&id, p->cfg.manifests, SOURCE_TREE_MANIFESTS);
	if (p->cfg.routes_file)
		source_identity_tree(&id, p->cfg.routes_file, SOURCE_TREE_ALL);
	const str *dir = &p->cfg.pipeline->kube->default_filters_dir;
	if ((p->cfg.client || p->cfg.manifests) && dir->len)
		source_identity_tree(&id, dir->ptr, SOURCE_TREE_ALL);
	return source_identity_finish(&id, out);
}

/* The API's cluster reaches the pipeline's own on_cluster hook, then the status writer. */
typedef struct {
	const poll_loop *p;
	const pipeline_options *inner;
} api_hook;

static void api_cluster_read(void *ctx, const kube_cluster *c)
{
	const api_hook *h = ctx;
	if (h->inner->on_cluster)
		h->inner->on_cluster(h->inner->on_cluster_ctx, c);
	ingress_status_plan(h->p->cfg.status, c);
}

static int load_api(poll_loop *p, kube_fetch_result *fetched, route_table *raw, buf *err)
{
	if (!p->cfg.status)
		return pipeline_load_fetched(&p->load, fetched, raw, err);   /* frees fetched */
	api_hook hook = { p, &p->load };
	pipeline_options o = p->load;
	o.on_cluster = api_cluster_read;
	o.on_cluster_ctx = &hook;
	return pipeline_load_fetched(&o, fetched, raw, err);
}

static bool has_files(const poll_loop *p)
{
	return p->cfg.manifests || p->cfg.routes_file ||
	       ((p->cfg.client || p->cfg.manifests) && p->cfg.pipeline->kube->default_filters_dir.len);
}

/* Whether the files changed while they were read (their identity differs from `before`): one
 * written in place may have been read half-written. Only with the settle rule on: without it
 * files are replaced atomically, so what was read is a whole file, and the next cycle reads
 * the new one (as when the change comes after the read); discarding the read would waste a
 * cycle for every replacement that happens to fall into one. */
static bool changed_while_read(poll_loop *p, const source_fingerprint *before)
{
	source_fingerprint after;
	files_fingerprint(p, false, &after);
	if (source_fingerprint_equal(&after, before))
		return false;
	log_kv(LOG_DEBUG, "inputs changed while they were read; reading them again once they settle", NULL);
	return true;
}

/* What load_sources did. */
typedef enum {
	LOAD_READ,        /* raw holds the routes of every source */
	LOAD_UNCHANGED,   /* the inputs are those of the last good cycle: nothing read */
	LOAD_SETTLING,    /* files are still changing: nothing read, the last table stays */
} load_result;

/* Reads every source into raw, unless their inputs are those of the last good cycle (and
 * no SIGHUP asked for a re-read), or files among them are still changing (source_settle.h).
 * The API is fetched every cycle; what is skipped is parsing, compiling and printing. Files
 * are compared by identity first and, when that is not conclusive (changed or racy), by
 * their bytes, so a racy timestamp costs a read of the bytes, never a parse. */
static int load_sources(poll_loop *p, route_table *raw, load_result *res, buf *err)
{
	*res = LOAD_READ;
	kube_fetch_result fetched;
	if (p->cfg.client && pipeline_fetch(p->cfg.pipeline, p->cfg.client, &fetched, err) != 0) {
		p->loaded = false;
		return -1;
	}
	source_fingerprint api = api_fingerprint(p->cfg.client ? &fetched : NULL), files, contents = { 0, 0 };
	bool trusted = files_fingerprint(p, false, &files);
	bool api_same = p->loaded && source_fingerprint_equal(&api, &p->loaded_api);
	bool files_same = p->loaded && p->files_trusted && source_fingerprint_equal(&files, &p->loaded_files);
	if (has_files(p) && !files_same) {
		files_fingerprint(p, true, &contents);
		files_same = p->loaded && source_fingerprint_equal(&contents, &p->loaded_contents);
		if (files_same) {   /* the same bytes: now known by identity */
			p->loaded_files = files;
			p->files_trusted = trusted;
		}
	}
	if (!files_same && has_files(p) && !source_settle_observe(&p->settle, &contents, mono_now(), &p->recheck_at))
		*res = LOAD_SETTLING;
	else if (api_same && files_same && !p->force_reload)
		*res = LOAD_UNCHANGED;
	if (*res != LOAD_READ) {
		if (p->cfg.client)
			kube_fetch_result_free(&fetched);
		return 0;
	}
	p->loaded = false;
	int rc = 0;
	if (p->cfg.client)
		rc = load_api(p, &fetched, raw, err);   /* frees fetched */
	if (rc == 0 && p->cfg.manifests)
		rc = pipeline_load_files(&p->load, &p->cfg.manifests, 1, raw, err);
	if (rc == 0 && p->cfg.routes_file)
		rc = load_routes_file(p, raw, err);
	if (rc != 0) {
		kube_changes_abort(p->changes);
		return -1;
	}
	if (!files_same && p->cfg.settle_ms > 0 && changed_while_read(p, &files)) {
		kube_changes_abort(p->changes);   /* the read is thrown away */
		source_settle_reset(&p->settle);
		*res = LOAD_SETTLING;
		return 0;
	}
	if (!files_same)
		p->loaded_contents = contents;
	p->changed_at = kube_changes_commit(p->changes);
	p->force_reload = false;
	p->loaded = true;
	p->loaded_api = api;
	p->loaded_files = files;
	p->files_trusted = trusted;
	return 0;
}

/* --- change summary: a merge of the old and new served forms, one route per line -------- */

typedef struct {
	const char *line;
	size_t len, idlen;
} served_line;

/* Splits a served form into its route lines (sorted by id by construction). */
static served_line *split_lines(const char *text, size_t len, size_t *n)
{
	size_t cap = 16;
	served_line *v = malloc(cap * sizeof *v);
	if (!v)
		abort();
	*n = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (*n == cap && !(v = realloc(v, (cap *= 2) * sizeof *v)))
			abort();
		const char *colon = memchr(text + i, ':', end - i);
		v[(*n)++] = (served_line){ text + i, end - i, colon ? (size_t)(colon - (text + i)) : 0 };
		i = end + 1;
	}
	return v;
}

static int id_cmp(const served_line *a, const served_line *b)
{
	size_t n = a->idlen < b->idlen ? a->idlen : b->idlen;
	int c = memcmp(a->line, b->line, n);
	return c ? c : (a->idlen > b->idlen) - (a->idlen < b->idlen);
}

typedef struct {
	size_t inserted, deleted, updated;
} change_counts;

static void log_route_change(const char *what, const char *op, size_t i, size_t n, const served_line *l)
{
	char msg[64], id[256];
	snprintf(msg, sizeof msg, "%s route %zu of %zu", what, i, n);
	snprintf(id, sizeof id, "%.*s", (int)l->idlen, l->line);
	log_kv(LOG_DEBUG, msg, "op", op, "id", id, NULL);
}

/* Counts the routes that differ between two served forms and, with log_routes, logs them
 * one by one (B7.6: inserted, then deleted, then updated). */
static change_counts diff_served(const char *old, size_t oldlen, const char *new, size_t newlen, bool log_routes)
{
	size_t na, nb;
	served_line *a = split_lines(old, oldlen, &na), *b = split_lines(new, newlen, &nb);
	change_counts cc = { 0, 0, 0 };
	/* Each line gets a mark: 'i' inserted (b), 'd' deleted (a), 'u' updated (b). */
	char *ma = calloc(na + 1, 1), *mb = calloc(nb + 1, 1);
	if (!ma || !mb)
		abort();
	for (size_t i = 0, j = 0; i < na || j < nb;) {
		int c = i == na ? 1 : j == nb ? -1 : id_cmp(&a[i], &b[j]);
		if (c < 0) { ma[i++] = 'd'; cc.deleted++; }
		else if (c > 0) { mb[j++] = 'i'; cc.inserted++; }
		else {
			if (a[i].len != b[j].len || memcmp(a[i].line, b[j].line, a[i].len) != 0) { mb[j] = 'u'; cc.updated++; }
			i++;
			j++;
		}
	}
	if (log_routes) {
		size_t k = 0;
		for (size_t j = 0; j < nb; j++) if (mb[j] == 'i') log_route_change("Inserted", "inserted", ++k, cc.inserted, &b[j]);
		k = 0;
		for (size_t i = 0; i < na; i++) if (ma[i] == 'd') log_route_change("Deleted", "deleted", ++k, cc.deleted, &a[i]);
		k = 0;
		for (size_t j = 0; j < nb; j++) if (mb[j] == 'u') log_route_change("Updated", "updated", ++k, cc.updated, &b[j]);
	}
	free(ma);
	free(mb);
	free(a);
	free(b);
	return cc;
}

/* --- publishing ---------------------------------------------------------------------- */

static void empty_routes(void)
{
	log_kv(LOG_INFO, "received empty routes; ignoring", NULL);
	metrics_count("routes.empty");
}

/* Zones beyond -max-zones are served the full table: said when their number changes, and
 * shown in routes.zones_beyond_max. */
static void note_zone_cap(poll_loop *p, const zone_docs *z)
{
	size_t beyond = z->nzones - z->n;
	metrics_gauge("routes.zones_beyond_max", (double)beyond);
	if (beyond == p->zones_beyond)
		return;
	p->zones_beyond = beyond;
	if (!beyond) {
		log_kv(LOG_INFO, "every zone has its own document again", NULL);
		return;
	}
	log_typed(LOG_WARN, "more zones than -max-zones: those with the fewest endpoints are served the full table",
		  LOG_INT("zones", z->nzones), LOG_INT("max_zones", z->n));
}

static void log_update(const char *msg, const snapshot *s, const change_counts *cc)
{
	/* hash: the ETag without quotes, under the field name skipper's routesrv logs it with. */
	char hash[ETAG_MAX];
	snprintf(hash, sizeof hash, "%.*s", ETAG_HEX_LEN, s->full.etag[SNAP_PLAIN] + 1);
	log_typed(LOG_INFO, msg, LOG_INT("count", s->full.count), LOG_INT("bytes", s->full.len[SNAP_PLAIN]),
		  LOG_STR("hash", hash), LOG_INT("inserted", cc->inserted), LOG_INT("deleted", cc->deleted),
		  LOG_INT("updated", cc->updated));
}

/* A table that replaced another was published: how long its change took from the cycle's
 * start and, when known, from the newest write among the objects that changed. The first
 * table measures start-up, not a change. */
static void observe_change_latency(poll_loop *p)
{
	metrics_change_published(METRICS_FROM_CYCLE_START, p->cycle_start);
	if (p->changed_at > 0)
		metrics_change_published(METRICS_FROM_MANAGED_FIELDS, (double)p->changed_at);
}

/* Processes the routes (in place) and publishes them when their served bytes differ from
 * the current snapshot's. This byte comparison is what decides updates in skipper too
 * (B7.5); skipper's earlier comparison of the raw routes (B7.4) only decides whether to
 * process them, and keeping the raw table for it would cost five times the table's bytes. */
static void update(poll_loop *p, route_table *t)
{
	/* counted each time the inputs change and the table is processed again */
	for (size_t dropped = pipeline_process(p->cfg.pipeline, t); dropped; dropped--)
		metrics_count("routes.unparsable_dropped");
	if (t->n == 0) {
		empty_routes();
		return;
	}
	pipeline_served served;
	pipeline_serve(t, &served);
	buf *plain = &served.full.doc;
	snapshot *cur = snapshot_acquire(p->cfg.slot);
	const char *old = cur ? cur->full.bytes[SNAP_PLAIN] : "";
	size_t oldlen = cur ? cur->full.len[SNAP_PLAIN] : 0;
	if (cur && oldlen == plain->len && memcmp(old, plain->ptr, oldlen) == 0) {
		log_kv(LOG_INFO, "routes did not change", NULL);
		deletion_guard_clear(&p->guard);
		snapshot_release(cur);
		pipeline_served_free(&served);
		return;
	}
	change_counts cc = diff_served(old, oldlen, plain->ptr, plain->len, false);
	if (cur && !deletion_guard_allows(&p->guard, cur->full.count, cc.deleted, t->n, mono_now())) {
		p->loaded = false;   /* read again next cycle: the hold lasts while the change persists */
		snapshot_release(cur);
		pipeline_served_free(&served);
		return;
	}
	/* Last-Modified is the time of the change; two changes in one second share it, and
	 * snapshot_publish() keeps If-Modified-Since from confusing them (snapshot.h). */
	time_t now = time(NULL);
	/* zone documents first: they are made from the full document, which the snapshot takes
	 * (and then serves their slices of it) */
	pipeline_serve_zones(t, &served, p->cfg.max_zones);
	note_zone_cap(p, served.zones);
	snapshot *s = snapshot_new(now, plain, t->n);
	snapshot_add_zones(s, served.zones);
	served.zones = NULL;   /* the snapshot's now */
	pipeline_served_free(&served);
	metrics_table_bytes(s->full.len[SNAP_PLAIN], s->full.len[SNAP_GZIP]);
	metrics_gauge("routes.zone_bytes", (double)s->zone_bytes);
	double wall = metrics_now();
	if (!cur) {
		log_update("routes initialized", s, &cc);
		metrics_gauge("routes.initialized_timestamp", wall);
	}
	log_update("routes updated", s, &cc);
	metrics_gauge("routes.updated_timestamp", wall);
	metrics_gauge("routes.total", (double)s->full.count);
	metrics_gauge("routes.byte", (double)s->full.len[SNAP_PLAIN]);
	if (log_enabled(LOG_DEBUG))
		diff_served(old, oldlen, s->full.bytes[SNAP_PLAIN], s->full.len[SNAP_PLAIN], true);
	snapshot_publish(p->cfg.slot, s);
	if (cur)
		observe_change_latency(p);
	snapshot_release(cur);
	if (p->cfg.on_publish)
		p->cfg.on_publish(p->cfg.on_publish_ctx, s);
}

/* One line per failed cycle, with the reason (it names the URL or file). */
static void source_failed(poll_loop *p, double now, const buf *err)
{
	if (p->failed_cycles++ == 0)
		p->failing_since = now;
	log_kv(LOG_ERROR, "failed to fetch routes", "error", err->ptr ? err->ptr : "", NULL);
	metrics_count("routes.fetch_errors");
}

/* After failures, says once that the sources answer again and how long they did not:
 * the error lines alone do not tell an operator when an outage ended. */
static void source_recovered(poll_loop *p, double now)
{
	if (p->failed_cycles == 0)
		return;
	/* a duration to the millisecond, as Go's Duration.Round(time.Millisecond) prints it */
	long long ms = (long long)((now - p->failing_since) * 1e3 + 0.5);
	log_typed(LOG_INFO, "fetching routes recovered", LOG_INT("failed_polls", p->failed_cycles),
		  LOG_MS("failing_for", ms));
	p->failed_cycles = 0;
}

/* One cycle now. */
static void poll_loop_cycle(poll_loop *p)
{
	double t0 = mono_now();
	p->cycle_start = metrics_now();
	p->changed_at = 0;
	route_table *raw = route_table_new();
	buf err = BUF_INIT;
	load_result res;
	int rc = load_sources(p, raw, &res, &err);
	if (rc != 0 && p->cfg.client && kube_client_interrupted(p->cfg.client)) {
		log_kv(LOG_INFO, "poll cycle interrupted", NULL);   /* shutting down: not a failure */
	} else if (rc != 0) {
		source_failed(p, t0, &err);
	} else {
		source_recovered(p, t0);
		if (res == LOAD_UNCHANGED) {
			log_kv(LOG_INFO, "routes did not change", NULL);
			if (p->last_raw_count == 0)
				empty_routes();
		} else if (res == LOAD_READ) {
			p->last_raw_count = raw->n;
			update(p, raw);
		}
		/* after publishing: thousands of PATCHes on a first rollout never delay the table */
		if (p->cfg.client && p->cfg.status)
			ingress_status_send(p->cfg.status);
	}
	route_table_free(raw);
	buf_free(&err);
	/* The table's memory goes back to the system: between cycles only the snapshot stays. */
	malloc_trim(0);
	metrics_observe_poll(mono_now() - t0, rc == 0);
}

/* --- timing -------------------------------------------------------------------------- */

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A file that is settling is looked at again as soon as it may have settled, when that is
 * before the next cycle is due (a start-up with files then waits the settle interval, not
 * a whole poll interval). */
static void settle_deadline(poll_loop *p, const struct timespec *start, struct timespec *next)
{
	if (p->recheck_at <= 0)
		return;
	double from_start = p->recheck_at - ((double)start->tv_sec + (double)start->tv_nsec / 1e9);
	p->recheck_at = 0;
	struct timespec at = *start;
	add_ms(&at, from_start > 0 ? (long)(from_start * 1000) + 1 : 0);
	if (before(&at, next))
		*next = at;
}

void poll_loop_run(poll_loop *p, poll_wait_fn wait, void *ctx)
{
	log_typed(LOG_INFO, "starting polling", LOG_MS("timeout", p->cfg.interval_ms));
	metrics_gauge("polling_started_timestamp", metrics_now());
	for (;;) {
		struct timespec start, now;
		clock_gettime(CLOCK_MONOTONIC, &start);
		poll_loop_cycle(p);
		/* Like Go's ticker: the next cycle is due one interval after this one started;
		 * when this one overran, it is due at once, and missed ticks are not made up. */
		struct timespec next = start;
		add_ms(&next, p->cfg.interval_ms);
		settle_deadline(p, &start, &next);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (before(&next, &now)) next = now;
		poll_wake w = wait(ctx, &next);
		if (w == POLL_WAKE_STOP) break;
		if (w == POLL_WAKE_RELOAD) poll_loop_force_reload(p);
	}
	log_kv(LOG_INFO, "polling stopped", NULL);
}
