/* Tests for metrics.c: the change-latency histogram a publication (poll or watch mode)
 * observes, and series from a source rendered at scrape time. */
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"
#include "metrics_test_util.h"
#include "test.h"

/* What a watch loop does with an event that arrived 2 s before its table was published. */
TEST(change_latency_from_an_events_arrival)
{
	CHECK(metric("routesrv_change_latency_seconds_count{from=\"event\"}") == -1);   /* none yet */
	metrics_change_published(METRICS_FROM_EVENT, metrics_now() - 2.0);
	CHECK(metric("routesrv_change_latency_seconds_bucket{from=\"event\",le=\"1\"}") == 0);
	CHECK(metric("routesrv_change_latency_seconds_bucket{from=\"event\",le=\"3\"}") == 1);
	CHECK(metric("routesrv_change_latency_seconds_count{from=\"event\"}") == 1);
	double sum = metric("routesrv_change_latency_seconds_sum{from=\"event\"}");
	CHECK(sum >= 2.0 && sum < 2.5);
	/* a clock ahead of ours (the API server's) counts as no time, not as negative */
	metrics_change_published(METRICS_FROM_MANAGED_FIELDS, metrics_now() + 10);
	CHECK(metric("routesrv_change_latency_seconds_bucket{from=\"managed_fields\",le=\"0.01\"}") == 1);
	CHECK(metric("routesrv_change_latency_seconds_count{from=\"cycle_start\"}") == -1);
}

static size_t two_samples(void *ctx, metrics_sample *out, size_t max)
{
	(void)ctx;
	if (max < 2) return 0;
	out[0] = (metrics_sample){ "test_clients", "gauge", "Clients.", "state=\"a\"", 1 };
	out[1] = (metrics_sample){ "test_clients", "gauge", "Clients.", "state=\"b\"", 2 };
	return 2;
}

TEST(a_source_renders_at_scrape_time)
{
	metrics_set_source(two_samples, NULL);
	buf out = BUF_INIT;
	metrics_render(&out);
	CHECK(strstr(out.ptr, "# HELP test_clients Clients.\n# TYPE test_clients gauge\n"
			      "test_clients{state=\"a\"} 1\ntest_clients{state=\"b\"} 2\n") != NULL);
	buf_free(&out);
	metrics_set_source(NULL, NULL);
	CHECK(metric("test_clients{state=\"a\"}") == -1);
}

int main(void)
{
	RUN(change_latency_from_an_events_arrival);
	RUN(a_source_renders_at_scrape_time);
	return TEST_SUMMARY();
}
