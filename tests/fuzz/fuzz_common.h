/* fuzz_common.h: what every libFuzzer target here shares.
 *
 * The library logs skipped objects and parse failures on stderr; at tens of thousands of
 * inputs a second that drowns libFuzzer's own report. The log lines are still formatted
 * (their quoting is code worth fuzzing) but go to /dev/null: only the stdio `stderr`
 * stream is replaced, so libFuzzer (which copied the pointer at start-up) and the
 * sanitizers (which write to fd 2) still report on the terminal. */
#ifndef ROUTESRV_FUZZ_COMMON_H
#define ROUTESRV_FUZZ_COMMON_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "eskip/route.h"

static inline void fuzz_quiet_logs(void)
{
	if (getenv("FUZZ_SHOW_LOGS"))
		return;
	FILE *null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
	log_set_timestamps(false);
}

/* A violated property: report it through a crash libFuzzer records with the input. */
#define FUZZ_ASSERT(cond, ...) do { if (!(cond)) { \
	fprintf(stdout, "fuzz property violated: %s\n", #cond); fprintf(stdout, __VA_ARGS__); \
	fputc('\n', stdout); fflush(stdout); abort(); } } while (0)

/* Whether s holds any of the (non-NUL) bytes. */
static inline bool fuzz_has_any(str s, const char *bytes)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] && strchr(bytes, s.ptr[i]))
			return true;
	return false;
}

/* Two things skipper's printer does not round-trip, in skipper as here, so the properties
 * exclude tables holding them (the fuzzing report lists both):
 *   - network backends and LB endpoints are printed between quotes without escaping
 *     (spec A6.4): a '"' or '\\' in one makes the printed table unparsable;
 *   - an LB endpoint with a zone prints as Address + "?zone=..." (spec A7): when the
 *     re-serialised Address keeps a query or a fragment, the zone lands after it. */
static inline bool fuzz_known_unprintable(const route_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		if (fuzz_has_any(r->backend, "\"\\"))
			return true;
		for (size_t j = 0; j < r->nendpoints; j++) {
			const lb_endpoint *e = &r->endpoints[j];
			if (fuzz_has_any(e->address, "\"\\") || fuzz_has_any(e->zone, "\"\\"))
				return true;
			if (e->zone.len && fuzz_has_any(e->address, "?#"))
				return true;
		}
	}
	return false;
}
#endif
