/* deletion_guard.c: holding updates that delete too much (see deletion_guard.h). */
#include "pipeline/deletion_guard.h"

#include <stdio.h>

#include "base/log.h"
#include "base/metrics.h"

void deletion_guard_init(deletion_guard *g, double max_fraction, long hold_ms)
{
	*g = (deletion_guard){ .max_fraction = max_fraction > 0 ? max_fraction : 0, .hold_ms = hold_ms > 0 ? hold_ms : 0 };
	/* exposed even when off, so an alert on them works whatever the flags */
	metrics_declare("routes.deletion_held");
	metrics_gauge("routes.held_deletions", 0);
}

static void end_hold(deletion_guard *g, const char *why)
{
	if (!g->holding)
		return;
	g->holding = false;
	log_kv(LOG_INFO, why, NULL);
	metrics_gauge("routes.held_deletions", 0);
}

void deletion_guard_clear(deletion_guard *g)
{
	end_hold(g, "held update withdrawn: the sources are back to the served table");
}

static void log_hold(const deletion_guard *g, size_t served, size_t deleted, size_t count, double held_for, bool news)
{
	char limit[32];
	snprintf(limit, sizeof limit, "%g", g->max_fraction);
	log_field after = g->hold_ms ? LOG_MS("published_after", g->hold_ms) : LOG_STR("published_after", "never");
	log_typed(news ? LOG_WARN : LOG_DEBUG, "update held: it deletes more routes than -max-route-deletion allows",
		  LOG_INT("served", served), LOG_INT("count", count), LOG_INT("deleted", deleted), LOG_STR("limit", limit),
		  LOG_MS("held_for", (long long)(held_for * 1000)), after);
}

bool deletion_guard_allows(deletion_guard *g, size_t served, size_t deleted, size_t count, double now)
{
	if (g->max_fraction <= 0 || served == 0 || (double)deleted <= g->max_fraction * (double)served) {
		end_hold(g, "held update withdrawn: the new table deletes within -max-route-deletion");
		return true;
	}
	if (!g->holding) {
		g->holding = true;
		g->since = now;
		g->held_deleted = g->held_count = (size_t)-1;
	}
	double held_for = now - g->since;
	if (g->hold_ms && held_for * 1000 >= (double)g->hold_ms) {
		g->holding = false;
		metrics_gauge("routes.held_deletions", 0);
		log_typed(LOG_WARN, "publishing the held update: its deletion persisted for -max-route-deletion-hold",
			  LOG_INT("deleted", deleted));
		return true;
	}
	bool news = deleted != g->held_deleted || count != g->held_count;
	log_hold(g, served, deleted, count, held_for, news);
	g->held_deleted = deleted;
	g->held_count = count;
	metrics_count("routes.deletion_held");
	metrics_gauge("routes.held_deletions", (double)deleted);
	return false;
}
