/* metrics.c: counters, gauges and histograms behind metrics.h, rendered in the Prometheus
 * text format the way Go's client_golang writes it (float format, sorted label values). */
#include "base/metrics.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* --- histograms (lock-free: per-bucket counters, sum in nanoseconds) ---------------------- */

#define MAX_BUCKETS METRICS_MAX_BUCKETS
typedef metrics_histogram histogram;

/* Prometheus' default buckets, as skipper's routesrv uses them. */
static const double default_bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
/* Poll cycles take from milliseconds (no change) to tens of seconds (a large cluster). */
static const double poll_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };

static histogram request_hist = { default_bounds, 11, { 0 }, 0 };
static histogram poll_hist = { poll_bounds, 12, { 0 }, 0 };

void metrics_histogram_init(metrics_histogram *h)
{
	*h = (metrics_histogram){ .bounds = default_bounds, .nbounds = 11 };
}

void metrics_histogram_observe(metrics_histogram *h, double seconds)
{
	int i = 0;
	while (i < h->nbounds && seconds > h->bounds[i]) i++;
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	if (seconds > 0) atomic_fetch_add_explicit(&h->sum_ns, (unsigned long long)(seconds * 1e9), memory_order_relaxed);
}

/* --- request status counters (lock-free, indexed by status code) ---------------------- */

static atomic_ulong status_counts[600];

/* --- keyed counters and gauges (mutex; they change once per poll) -------------------- */

typedef struct {
	char key[64];
	double value;
} keyed;

#define MAX_KEYED 32
static pthread_mutex_t keyed_mu = PTHREAD_MUTEX_INITIALIZER;
static keyed counters[MAX_KEYED], gauges[MAX_KEYED];
static size_t ncounters, ngauges;
static double last_success = -1, table_plain = -1, table_gzip = -1;

static keyed *keyed_find(keyed *list, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i].key, key) == 0) return &list[i];
	if (*n == MAX_KEYED) return NULL;   /* the key set is fixed in code; this cannot fill */
	keyed *k = &list[(*n)++];
	snprintf(k->key, sizeof k->key, "%s", key);
	k->value = 0;
	return k;
}

double metrics_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void metrics_observe_request(int status, double seconds)
{
	if (status >= 100 && status < 600) atomic_fetch_add_explicit(&status_counts[status], 1, memory_order_relaxed);
	metrics_histogram_observe(&request_hist, seconds);
}

void metrics_count(const char *key)
{
	pthread_mutex_lock(&keyed_mu);
	keyed *k = keyed_find(counters, &ncounters, key);
	if (k) k->value += 1;
	pthread_mutex_unlock(&keyed_mu);
}

void metrics_declare(const char *key)
{
	pthread_mutex_lock(&keyed_mu);
	keyed_find(counters, &ncounters, key);
	pthread_mutex_unlock(&keyed_mu);
}

void metrics_gauge(const char *key, double value)
{
	pthread_mutex_lock(&keyed_mu);
	keyed *k = keyed_find(gauges, &ngauges, key);
	if (k) k->value = value;
	pthread_mutex_unlock(&keyed_mu);
}

void metrics_observe_poll(double seconds, bool ok)
{
	metrics_histogram_observe(&poll_hist, seconds);
	if (!ok) return;
	pthread_mutex_lock(&keyed_mu);
	last_success = metrics_now();
	pthread_mutex_unlock(&keyed_mu);
}

void metrics_table_bytes(size_t plain, size_t gzip)
{
	pthread_mutex_lock(&keyed_mu);
	table_plain = (double)plain;
	table_gzip = (double)gzip;
	pthread_mutex_unlock(&keyed_mu);
}

/* --- rendering ----------------------------------------------------------------------- */

/* Go's strconv.FormatFloat(v, 'g', -1, 64), which client_golang uses: the shortest digits
 * that round-trip, in exponent form when the exponent is < -4 or >= 6 (Go's rule for the
 * shortest form), e.g. 1.772532e+09, 0.005, 123456. */
void metrics_put_float(buf *out, double v)
{
	if (isnan(v)) { buf_puts(out, "NaN"); return; }
	if (isinf(v)) { buf_puts(out, v > 0 ? "+Inf" : "-Inf"); return; }
	if (v == 0) { buf_putc(out, '0'); return; }
	char tmp[64];
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v) break;
	}
	snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
	int exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6) buf_puts(out, tmp);
	else buf_printf(out, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
}

void metrics_put_header(buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int keyed_cmp(const void *a, const void *b) { return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key); }

/* A family of keyed series, sorted by key; nothing at all without series. */
static void put_keyed(buf *out, const char *name, const char *type, const char *help, keyed *all, size_t n)
{
	if (n == 0) return;
	qsort(all, n, sizeof *all, keyed_cmp);
	metrics_put_header(out, name, type, help);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%s{key=\"%s\"} ", name, all[i].key);
		metrics_put_float(out, all[i].value);
		buf_putc(out, '\n');
	}
}

/* Status counters and keyed counters together, sorted by key as client_golang does. */
static void render_custom_total(buf *out)
{
	keyed all[600 + MAX_KEYED];
	size_t n = 0;
	for (int s = 100; s < 600; s++) {
		unsigned long c = atomic_load_explicit(&status_counts[s], memory_order_relaxed);
		if (c == 0) continue;
		snprintf(all[n].key, sizeof all[n].key, "%d", s);
		all[n++].value = (double)c;
	}
	pthread_mutex_lock(&keyed_mu);
	for (size_t i = 0; i < ncounters; i++) all[n++] = counters[i];
	pthread_mutex_unlock(&keyed_mu);
	put_keyed(out, "routesrv_custom_total", "counter", "Total number of custom metrics.", all, n);
}

static void render_custom_gauges(buf *out)
{
	keyed all[MAX_KEYED];
	pthread_mutex_lock(&keyed_mu);
	size_t n = ngauges;
	memcpy(all, gauges, n * sizeof *all);
	pthread_mutex_unlock(&keyed_mu);
	put_keyed(out, "routesrv_custom_gauges", "gauge", "Gauges number of custom metrics.", all, n);
}

static unsigned long histogram_total(const histogram *h)
{
	unsigned long total = 0;
	for (int i = 0; i <= h->nbounds; i++) total += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
	return total;
}

void metrics_put_histogram(buf *out, const char *name, const metrics_histogram *h, const char *labels)
{
	unsigned long counts[MAX_BUCKETS + 1], total = 0;
	for (int i = 0; i <= h->nbounds; i++) total += counts[i] = atomic_load_explicit(&h->counts[i], memory_order_relaxed);
	const char *sep = *labels ? "," : "";
	unsigned long cum = 0;
	for (int i = 0; i < h->nbounds; i++) {
		cum += counts[i];
		buf_printf(out, "%s_bucket{%s%sle=\"", name, labels, sep);
		metrics_put_float(out, h->bounds[i]);
		buf_printf(out, "\"} %lu\n", cum);
	}
	buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name, labels, sep, total);
	buf_printf(out, "%s_sum%s%s%s ", name, *labels ? "{" : "", labels, *labels ? "}" : "");
	metrics_put_float(out, (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9);
	buf_printf(out, "\n%s_count%s%s%s %lu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "", total);
}

/* A family of one series, nothing before its first observation. labels: the series' labels
 * without "le" (e.g. `host="",route="routersv",zone=""`) or "". */
static void render_histogram(buf *out, const char *name, const char *help, histogram *h, const char *labels)
{
	if (histogram_total(h) == 0) return;
	metrics_put_header(out, name, "histogram", help);
	metrics_put_histogram(out, name, h, labels);
}

void metrics_put_sample(buf *out, const char *name, const char *labels, double v)
{
	buf_printf(out, "%s%s%s%s ", name, *labels ? "{" : "", labels, *labels ? "}" : "");
	metrics_put_float(out, v);
	buf_putc(out, '\n');
}

static void put_gauge(buf *out, const char *name, const char *type, const char *help, double v)
{
	metrics_put_header(out, name, type, help);
	buf_printf(out, "%s ", name);
	metrics_put_float(out, v);
	buf_putc(out, '\n');
}

static void render_own(buf *out)
{
	pthread_mutex_lock(&keyed_mu);
	double success = last_success, plain = table_plain, gz = table_gzip;
	pthread_mutex_unlock(&keyed_mu);
	render_histogram(out, "routesrv_poll_duration_seconds", "Duration in seconds of one poll cycle (fetch, compile, serve).", &poll_hist, "");
	if (success >= 0)
		put_gauge(out, "routesrv_last_successful_poll_timestamp_seconds", "gauge",
			"Unix time of the last poll that read the source without error.", success);
	if (plain >= 0) {
		metrics_put_header(out, "routesrv_table_bytes", "gauge", "Bytes of the served full table per encoding.");
		buf_puts(out, "routesrv_table_bytes{encoding=\"gzip\"} ");
		metrics_put_float(out, gz);
		buf_puts(out, "\nroutesrv_table_bytes{encoding=\"identity\"} ");
		metrics_put_float(out, plain);
		buf_putc(out, '\n');
	}
}

/* --- process collector (names as Prometheus' process collector) --------------------- */

static double boot_time(void)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[256];
	double bt = 0;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "btime ", 6) == 0) bt = atof(line + 6);
	if (f) fclose(f);
	return bt;
}

static long count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (!d) return -1;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.') n++;
	closedir(d);
	return n - 1;   /* the directory stream's own descriptor */
}

void metrics_render_process(buf *out)
{
	char line[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f) return;
	size_t len = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[len] = 0;
	/* Fields after the parenthesised command name (which may contain spaces). */
	char *p = strrchr(line, ')');
	unsigned long utime, stime, vsize;
	unsigned long long starttime;
	long rss;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %llu %lu %ld",
			&utime, &stime, &starttime, &vsize, &rss) != 5)
		return;
	double hz = (double)sysconf(_SC_CLK_TCK);
	struct rlimit rl;
	put_gauge(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (double)(utime + stime) / hz);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		put_gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", (double)rl.rlim_cur);
	put_gauge(out, "process_open_fds", "gauge", "Number of open file descriptors.", (double)count_open_fds());
	put_gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", (double)rss * (double)sysconf(_SC_PAGESIZE));
	put_gauge(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", boot_time() + (double)starttime / hz);
	put_gauge(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", (double)vsize);
}

/* Prometheus' build_info convention: a constant 1 labelled with the version, so a query can
 * join it to tell which version every replica runs. */
void metrics_render_build_info(buf *out)
{
	metrics_put_header(out, "routesrv_build_info", "gauge",
		   "A metric with a constant '1' value labeled by the version routesrv was built from.");
	buf_puts(out, "routesrv_build_info{version=\"" ROUTESRV_VERSION "\"} 1\n");
}

void metrics_render(buf *out)
{
	render_histogram(out, "routesrv_backend_combined_duration_seconds", "Duration in seconds of a proxy backend combined.", &request_hist, "");
	render_histogram(out, "routesrv_backend_duration_seconds", "Duration in seconds of a proxy backend.", &request_hist, "host=\"\",route=\"routersv\",zone=\"\"");
	render_custom_gauges(out);
	render_custom_total(out);
	render_own(out);
	metrics_render_build_info(out);
	metrics_render_process(out);
}
