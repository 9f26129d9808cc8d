/* metrics_test_util.h: reading one series of the metrics exposition in unit tests. */
#ifndef ROUTESRV_METRICS_TEST_UTIL_H
#define ROUTESRV_METRICS_TEST_UTIL_H
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"

/* The value of one metrics line (exact name with labels); -1 when absent. */
static inline double metric(const char *series)
{
	buf out = BUF_INIT;
	metrics_render(&out);
	double v = -1;
	size_t n = strlen(series);
	for (const char *p = out.ptr; p && *p;) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') v = strtod(p + n + 1, NULL);
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	buf_free(&out);
	return v;
}
#endif
