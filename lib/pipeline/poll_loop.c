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
#include "pipeline/publish.h"
#include "source/source_identity.h"

/* No route table survives a cycle: a 20 000-route table takes about 35 MB as structs, five
 * times its served bytes, so between cycles the loop keeps only the snapshot (the bytes),
 * and a new table is compared with the served one by its served bytes. What it keeps of
 * the inputs is their fingerprint: a cycle whose inputs are those of the last good one
 * stops before parsing them (same inputs, same table). */
struct poll_loop {
	poll_config cfg;
	source_fingerprint last_inputs; /* of the last cycle that read every source */
	bool inputs_known;              /* last_inputs is set and settled */
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

/* The fingerprint of this cycle's inputs: the API's bodies as fetched, the manifests, the
 * routes file and the default-filters directory as found on disk. False when it must not
 * be trusted next cycle (see source_identity.h). */
static bool inputs_fingerprint(poll_loop *p, const kube_fetch_result *fetched, source_fingerprint *out)
{
	source_identity id;
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
	if (p->cfg.manifests)
		source_identity_tree(&id, p->cfg.manifests, SOURCE_TREE_MANIFESTS);
	if (p->cfg.routes_file)
		source_identity_tree(&id, p->cfg.routes_file, SOURCE_TREE_ALL);
	const str *dir = &p->cfg.pipeline->kube->default_filters_dir;
	if ((fetched || p->cfg.manifests) && dir->len)
		source_identity_tree(&id, dir->ptr, SOURCE_TREE_ALL);
	return source_identity_finish(&id, out);
}

static int load_api(poll_loop *p, kube_fetch_result *fetched, route_table *raw, buf *err)
{
	ingress_status_hook hook;   /* the status writer plans from the API's cluster */
	return pipeline_load_fetched(ingress_status_hooked(&hook, p->cfg.status, &p->load), fetched, raw, err);
}

/* Reads every source into raw, unless their inputs are those of the last good cycle (and
 * no SIGHUP asked for a re-read): then *unchanged is set and raw stays empty. The API is
 * fetched every cycle; what is skipped is parsing, compiling and printing. */
static int load_sources(poll_loop *p, route_table *raw, bool *unchanged, buf *err)
{
	*unchanged = false;
	kube_fetch_result fetched;
	if (p->cfg.client && pipeline_fetch(p->cfg.pipeline, p->cfg.client, &fetched, err) != 0) {
		p->inputs_known = false;
		return -1;
	}
	source_fingerprint fp;
	bool settled = inputs_fingerprint(p, p->cfg.client ? &fetched : NULL, &fp);
	if (p->inputs_known && !p->force_reload && source_fingerprint_equal(&fp, &p->last_inputs)) {
		if (p->cfg.client)
			kube_fetch_result_free(&fetched);
		*unchanged = true;
		return 0;
	}
	p->inputs_known = false;
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
	p->changed_at = kube_changes_commit(p->changes);
	p->force_reload = false;
	p->last_inputs = fp;
	p->inputs_known = settled;
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
	double t0 = mono_now();
	p->cycle_start = metrics_now();
	p->changed_at = 0;
	route_table *raw = route_table_new();
	buf err = BUF_INIT;
	bool unchanged;
	int rc = load_sources(p, raw, &unchanged, &err);
	if (rc != 0) {
		source_failed(p, t0, &err);
	} else {
		source_recovered(p, t0);
		if (unchanged) {
			log_kv(LOG_INFO, "routes did not change", NULL);
			if (p->last_raw_count == 0)
				publish_empty_routes();
		} else {
			p->last_raw_count = raw->n;
			publish_hook hook = { p->cfg.on_publish, p->cfg.on_publish_ctx };
			if (publish_table(p->cfg.pipeline, p->cfg.slot, raw, &hook) == PUBLISH_UPDATED)
				observe_change_latency(p);
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
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (before(&next, &now)) next = now;
		poll_wake w = wait(ctx, &next);
		if (w == POLL_WAKE_STOP) break;
		if (w == POLL_WAKE_RELOAD) poll_loop_force_reload(p);
	}
	log_kv(LOG_INFO, "polling stopped", NULL);
}
