/* poll_loop.c: sources → raw routes → processed table → snapshot (see poll_loop.h). */
#include "pipeline/poll_loop.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "objects/kube_changes.h"
#include "pipeline/publish.h"
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
	publish_state pub;              /* -max-zones, the guard, the zones beyond the cap */
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


static void cluster_read(void *ctx, const kube_cluster *c);

poll_loop *poll_loop_new(const poll_config *cfg)
{
	poll_loop *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->cfg = *cfg;
	source_settle_init(&p->settle, cfg->settle_ms);
	deletion_guard_init(&p->guard, cfg->max_deletion, cfg->deletion_hold_ms);
	p->pub = (publish_state){ .max_zones = cfg->max_zones, .guard = &p->guard };
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

static int load_api(poll_loop *p, kube_fetch_result *fetched, route_table *raw, buf *err)
{
	ingress_status_hook hook;   /* the status writer plans from the API's cluster */
	return pipeline_load_fetched(ingress_status_hooked(&hook, p->cfg.status, &p->load), fetched, raw, err);
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
	if (!files_same && has_files(p) &&
	    !source_settle_observe(&p->settle, &contents, clock_mono_seconds(), &p->recheck_at))
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

/* A table that replaced another was published: how long its change took from the cycle's
 * start and, when known, from the newest write among the objects that changed. The first
 * table measures start-up, not a change. */
static void observe_change_latency(poll_loop *p)
{
	metrics_change_published(METRICS_FROM_CYCLE_START, p->cycle_start);
	if (p->changed_at > 0)
		metrics_change_published(METRICS_FROM_MANAGED_FIELDS, (double)p->changed_at);
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
	double t0 = clock_mono_seconds();
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
				publish_empty_routes();
		} else if (res == LOAD_READ) {
			p->last_raw_count = raw->n;
			publish_hook hook = { p->cfg.on_publish, p->cfg.on_publish_ctx };
			publish_result r = publish_table(p->cfg.pipeline, p->cfg.slot, raw, &hook, &p->pub);
			if (r == PUBLISH_UPDATED)
				observe_change_latency(p);
			else if (r == PUBLISH_HELD)
				p->loaded = false;   /* read again next cycle: the hold lasts while the change persists */
		}
		/* after publishing: thousands of PATCHes on a first rollout never delay the table */
		if (p->cfg.client && p->cfg.status)
			ingress_status_send(p->cfg.status);
	}
	route_table_free(raw);
	buf_free(&err);
	/* The table's memory goes back to the system: between cycles only the snapshot stays. */
	malloc_trim(0);
	metrics_observe_poll(clock_mono_seconds() - t0, rc == 0);
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
