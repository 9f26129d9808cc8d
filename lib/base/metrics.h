/* metrics.h: routesrv-serve's metrics in Prometheus text format (spec eskip-and-http.md B8).
 *
 * Names are skipper routesrv's, so dashboards and alerts carry over:
 *   routesrv_custom_total{key="<status>"|"routes.fetch_errors"|"routes.empty"}   counters
 *   routesrv_custom_gauges{key="polling_started_timestamp"|"routes.initialized_timestamp"|
 *                               "routes.updated_timestamp"|"routes.total"|"routes.byte"}
 *   routesrv_backend_combined_duration_seconds, routesrv_backend_duration_seconds
 *       {host="",route="routersv",zone=""}   request duration histograms (the typo is skipper's)
 * plus routesrv's own: routesrv_poll_duration_seconds (histogram),
 * routesrv_last_successful_poll_timestamp_seconds, routesrv_table_bytes{encoding=...},
 * routesrv_build_info{version=...} 1, and the process_* series of Prometheus' process
 * collector (CPU, RSS, fds, start time).
 * As in skipper, a custom series appears only after its first use, except the counters
 * operators alert on, which routesrv-serve declares at 0 when it starts (an alert on
 * increase() then sees the first failure, and a missing series means a missing target).
 *
 * Thread safety: every function may be called from any thread. The request path
 * (metrics_observe_request) uses only atomics; keyed counters and gauges take a mutex
 * (they change once per poll). Process-wide state; nothing to free. */
#ifndef ROUTESRV_METRICS_H
#define ROUTESRV_METRICS_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* One /routes request: status counter and both duration histograms. */
void metrics_observe_request(int status, double seconds);

/* routesrv_custom_total{key=key} += 1 (e.g. "routes.fetch_errors"). */
void metrics_count(const char *key);
/* routesrv_custom_total{key=key} exists from now on, at 0 until counted. */
void metrics_declare(const char *key);
/* routesrv_custom_gauges{key=key} = value (e.g. "routes.total"). */
void metrics_gauge(const char *key, double value);

/* One poll cycle's duration; a successful one also sets the last-success timestamp. */
void metrics_observe_poll(double seconds, bool ok);
/* Sizes of the served full table's representations. */
void metrics_table_bytes(size_t plain, size_t gzip);

/* Appends the whole exposition (text format 0.0.4) to out. */
void metrics_render(buf *out);

/* Seconds since the Unix epoch, with sub-second precision. */
double metrics_now(void);

/* --- pieces for a command's own families (routesrv-webhook), rendered the same way -------- */

#define METRICS_MAX_BUCKETS 16
/* A histogram of durations in seconds; observing is lock-free. */
typedef struct {
	const double *bounds;
	int nbounds;
	atomic_ulong counts[METRICS_MAX_BUCKETS + 1];   /* non-cumulative; the last one is +Inf */
	atomic_ullong sum_ns;
} metrics_histogram;
/* Prometheus' default buckets (0.005 ... 10 s), no observation. */
void metrics_histogram_init(metrics_histogram *h);
void metrics_histogram_observe(metrics_histogram *h, double seconds);
/* "# HELP name help" and "# TYPE name type" lines: once per family, before its series. */
void metrics_put_header(buf *out, const char *name, const char *type, const char *help);
/* One series: name{labels} v (labels: `k="v",...` or ""), v as Go's client writes it. */
void metrics_put_sample(buf *out, const char *name, const char *labels, double v);
/* One histogram series: its _bucket lines (labels plus le), _sum and _count. */
void metrics_put_histogram(buf *out, const char *name, const metrics_histogram *h, const char *labels);
/* Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang writes values. */
void metrics_put_float(buf *out, double v);
/* routesrv_build_info{version=...} 1, and the process_* families of Prometheus' process
 * collector. */
void metrics_render_build_info(buf *out);
void metrics_render_process(buf *out);
#endif
