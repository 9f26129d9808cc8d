/* source_settle.c: the settle rule (see source_settle.h). */
#include "source/source_settle.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/opt.h"

void source_settle_init(source_settle *s, long interval_ms)
{
	*s = (source_settle){ .interval_ms = interval_ms > 0 ? interval_ms : 0 };
	metrics_declare("routes.unsettled");
}

void source_settle_reset(source_settle *s)
{
	s->have_seen = false;
}

static void log_waiting(const source_settle *s, bool first)
{
	if (!first && !log_enabled(LOG_DEBUG))
		return;
	buf msg = BUF_INIT;
	buf_puts(&msg, first ? "inputs are changing; the last table stays served until they are unchanged for "
			     : "inputs changed again; waiting until they are unchanged for ");
	opt_format_duration(&msg, s->interval_ms);
	log_kv(first ? LOG_INFO : LOG_DEBUG, msg.ptr, NULL);
	buf_free(&msg);
}

bool source_settle_observe(source_settle *s, const source_fingerprint *fp, double now, double *recheck_at)
{
	if (s->interval_ms == 0)
		return true;
	if (!s->have_seen || !source_fingerprint_equal(fp, &s->seen)) {
		log_waiting(s, !s->waiting);
		s->have_seen = true;
		s->seen = *fp;
		s->since = now;
	} else if (now - s->since >= (double)s->interval_ms / 1000) {
		s->waiting = false;
		return true;
	}
	s->waiting = true;
	*recheck_at = s->since + (double)s->interval_ms / 1000;
	metrics_count("routes.unsettled");
	return false;
}
