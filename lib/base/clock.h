/* clock.h: the monotonic clock in seconds, for deadlines and durations (debounce, settle
 * intervals, hold times, backoff): it never jumps with the wall clock. Wall times for logs
 * and metrics come from metrics_now(). Nothing to free. */
#ifndef ROUTESRV_CLOCK_H
#define ROUTESRV_CLOCK_H

/* CLOCK_MONOTONIC now, in seconds. */
double clock_mono_seconds(void);
#endif
