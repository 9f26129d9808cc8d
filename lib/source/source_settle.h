/* source_settle.h: the settle rule: never publish from inputs that are still changing.
 *
 * A file that is written in place (truncated, then written line by line or in chunks) can be
 * read at any moment of the writing, and its first half parses as a smaller, valid table:
 * published, it would delete the rest of the routes from every skipper. So a file source's
 * contents are published only once they have settled: an observation of them (identity and
 * bytes, source_identity_contents) must be equal to one made at least the settle interval
 * before, with no different observation in between. Until then the last good table stays
 * served. The API is not subject to the rule: its answers are complete or fail.
 *
 * The rule cannot tell a writer that pauses for longer than the interval from one that is
 * done: files should be replaced atomically (written next to the target, then renamed over
 * it, as `mv`, editors and ConfigMap volumes do), which is always safe.
 *
 * Logging: the first observation of a change is logged at INFO ("inputs are changing; ..."),
 * every further change while waiting at DEBUG, so a long write does not flood the log. Each
 * observation that holds a publication back counts routes.unsettled (metrics.h).
 *
 * Ownership: a source_settle is the caller's (a plain value). Not thread-safe. */
#ifndef ROUTESRV_SOURCE_SETTLE_H
#define ROUTESRV_SOURCE_SETTLE_H
#include <stdbool.h>

#include "source/source_identity.h"

#define SOURCE_SETTLE_DEFAULT_MS 1000

typedef struct {
	long interval_ms;              /* the settle interval; 0: every observation is settled */
	bool have_seen;                /* `seen` is set */
	bool waiting;                  /* the last observation was not settled */
	source_fingerprint seen;       /* the latest observation */
	double since;                  /* monotonic seconds when `seen` was first observed */
} source_settle;

void source_settle_init(source_settle *s, long interval_ms);

/* Records an observation made at `now` (monotonic seconds). True when it is settled: equal to
 * every observation since one at least the interval before. False otherwise (logged,
 * counted), with *recheck_at set to when it would be settled if nothing changes. */
bool source_settle_observe(source_settle *s, const source_fingerprint *fp, double now, double *recheck_at);

/* Forgets the observation being timed: the next one starts the interval again (e.g. the
 * inputs changed while they were being read). */
void source_settle_reset(source_settle *s);
#endif
