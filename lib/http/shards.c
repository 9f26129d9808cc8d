/* shards.c: Redis/Valkey shard lists from the cluster state (see shards.h). */
#include "http/shards.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/kube_endpoints.h"
#include "base/log.h"
#include "base/metrics.h"

struct shards {
	char *kind, *ns, *name;
	long port;
	bool endpointslices;
	pthread_mutex_t mu;      /* guards body/count */
	buf body;
	size_t count;
};

/* --- addresses ------------------------------------------------------------------------ */

static void json_string(buf *out, str s)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.ptr[i];
		if (ch == '"' || ch == '\\')
			buf_printf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&')   /* as Go's encoding/json */
			buf_printf(out, "\\u%04x", ch);
		else
			buf_putc(out, (char)ch);
	}
	buf_putc(out, '"');
}

void shards_json(buf *out, const kube_cluster *c, const char *ns, const char *name, long port,
	bool endpointslices, size_t *count)
{
	arena *scratch = arena_new();
	const lb_endpoint *ips = NULL;
	size_t n = c ? kube_service_endpoint_addresses(scratch, c, str_c(ns), str_c(name), endpointslices, &ips) : 0;
	buf_puts(out, "{\"endpoints\":[");
	buf addr = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_reset(&addr);
		/* net.JoinHostPort: a host with a colon is an IPv6 address and gets brackets. */
		str ip = ips[i].address;
		bool v6 = memchr(ip.ptr, ':', ip.len) != NULL;
		buf_printf(&addr, v6 ? "[%.*s]:%ld" : "%.*s:%ld", (int)ip.len, ip.ptr, port);
		buf_puts(out, i ? ",{\"address\":" : "{\"address\":");
		json_string(out, (str){ addr.ptr, addr.len });
		buf_putc(out, '}');
	}
	buf_puts(out, "]}");
	buf_free(&addr);
	*count = n;
	arena_free(scratch);
}

/* --- the served list -------------------------------------------------------------------- */

static char *dup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

shards *shards_new(const char *kind, const char *ns, const char *name, long port, bool endpointslices)
{
	shards *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->kind = dup(kind);
	s->ns = dup(ns);
	s->name = dup(name);
	s->port = port;
	s->endpointslices = endpointslices;
	pthread_mutex_init(&s->mu, NULL);
	shards_json(&s->body, NULL, s->ns, s->name, port, endpointslices, &s->count);
	char msg[600];
	snprintf(msg, sizeof msg, "Use endpoints %s/%s to fetch updated %s shards", s->ns, s->name, kind);
	log_kv(LOG_INFO, msg, NULL);
	return s;
}

void shards_free(shards *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	buf_free(&s->body);
	free(s->kind);
	free(s->ns);
	free(s->name);
	free(s);
}

void shards_update(shards *s, const kube_cluster *c)
{
	buf body = BUF_INIT;
	size_t count;
	shards_json(&body, c, s->ns, s->name, s->port, s->endpointslices, &count);
	pthread_mutex_lock(&s->mu);
	buf old = s->body;
	s->body = body;
	s->count = count;
	pthread_mutex_unlock(&s->mu);
	buf_free(&old);
}

void shards_body(shards *s, buf *out, size_t *count)
{
	pthread_mutex_lock(&s->mu);
	buf_append(out, s->body.ptr, s->body.len);
	*count = s->count;
	pthread_mutex_unlock(&s->mu);
	char key[64], msg[128];
	snprintf(key, sizeof key, "%s_endpoints", s->kind);
	metrics_gauge(key, (double)*count);
	if (log_enabled(LOG_DEBUG)) {
		snprintf(msg, sizeof msg, "%s updater called and found %zu %s endpoints", s->kind[0] == 'r' ? "Redis" : "Valkey",
			 *count, s->kind);
		log_kv(LOG_DEBUG, msg, NULL);
	}
}

