/* ingress_status.c: the Ingress status writer of -kubernetes-status-from-service (see
 * ingress_status.h). */
#include "pipeline/ingress_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "eskip/eskip.h"
#include "routes/kube_endpoints.h"
#include "routes/kube_ingress.h"
#include "source/kube_status.h"

/* A PATCH that failed, sent again next cycle. */
typedef struct {
	char *ns, *name, *patch;
} pending_patch;

struct ingress_status {
	kube_client *client;
	const kube_options *ko;
	char *ns, *name;                 /* the Service */
	pending_patch *pending;
	size_t npending, cap;            /* grown by doubling: 15k Ingresses on a first rollout */
	bool service_missing;            /* the last cluster planned from had no such Service */
};

ingress_status *ingress_status_new(kube_client *client, const kube_options *ko, const char *service, buf *err)
{
	const char *slash = strchr(service, '/');
	if (!slash || slash == service || !slash[1] || strchr(slash + 1, '/')) {
		buf_printf(err, "invalid value \"%s\" for flag -kubernetes-status-from-service: want NAMESPACE/NAME", service);
		return NULL;
	}
	ingress_status *s = xmalloc(sizeof *s);
	*s = (ingress_status){ .client = client, .ko = ko, .name = xstrdup(slash + 1) };
	s->ns = xmalloc((size_t)(slash - service) + 1);
	memcpy(s->ns, service, (size_t)(slash - service));
	s->ns[slash - service] = 0;
	return s;
}

static void clear_pending(ingress_status *s)
{
	for (size_t i = 0; i < s->npending; i++) {
		free(s->pending[i].ns);
		free(s->pending[i].name);
		free(s->pending[i].patch);
	}
	free(s->pending);
	s->pending = NULL;
	s->npending = s->cap = 0;
}

void ingress_status_free(ingress_status *s)
{
	if (!s)
		return;
	clear_pending(s);
	free(s->ns);
	free(s->name);
	free(s);
}

/* --- addresses ------------------------------------------------------------------------- */

static void push_address(arena *a, kube_lb_ingress **v, size_t *n, str ip, str hostname)
{
	kube_lb_ingress *slot = arena_array_push(a, (void **)v, n, sizeof *slot);
	*slot = (kube_lb_ingress){ ip, hostname };
}

static void external_ips(arena *a, const kube_service *svc, kube_lb_ingress **v, size_t *n)
{
	for (size_t i = 0; i < svc->nexternal_ips; i++)
		push_address(a, v, n, svc->external_ips[i], str_c(""));
}

/* The Service's endpoint IPs, sorted, reduced to the topology zone with EndpointSlices. */
static void endpoint_ips(arena *a, const kube_cluster *c, const kube_options *ko, str ns, str name,
			 kube_lb_ingress **v, size_t *n)
{
	const lb_endpoint *eps;
	size_t neps = kube_service_endpoint_addresses(a, c, ns, name, ko->endpointslices, &eps);
	kube_eps list = { eps, neps };
	if (ko->endpointslices)
		list = kube_zone_filter(a, list, ko->topology_zone);
	for (size_t i = 0; i < list.n; i++)
		push_address(a, v, n, list.items[i].address, str_c(""));
}

int ingress_status_addresses(arena *a, const kube_cluster *c, const kube_options *ko, str ns, str name,
			     kube_lb_ingress **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const kube_service *svc = NULL;
	for (size_t i = 0; i < c->nservices && !svc; i++) {
		const kube_service *s = &c->services[i];
		str sns = s->meta.ns.len ? s->meta.ns : str_c("default");
		if (str_eq(sns, ns) && str_eq(s->meta.name, name))
			svc = s;
	}
	if (!svc)
		return -1;
	if (str_eq_c(svc->type, "ExternalName")) {
		if (svc->external_name.len)
			push_address(a, out, n, str_c(""), svc->external_name);
	} else if (str_eq_c(svc->type, "ClusterIP")) {
		if (svc->cluster_ip.len && !str_eq_c(svc->cluster_ip, "None"))
			push_address(a, out, n, svc->cluster_ip, str_c(""));
	} else if (str_eq_c(svc->type, "NodePort")) {
		if (svc->nexternal_ips)
			external_ips(a, svc, out, n);
		else
			endpoint_ips(a, c, ko, ns, name, out, n);
	} else if (str_eq_c(svc->type, "LoadBalancer")) {
		for (size_t i = 0; i < svc->nlb; i++)
			if (svc->lb[i].ip.len)
				push_address(a, out, n, svc->lb[i].ip, str_c(""));
			else if (svc->lb[i].hostname.len)
				push_address(a, out, n, str_c(""), svc->lb[i].hostname);
		if (!*n)
			external_ips(a, svc, out, n);
	} else {
		external_ips(a, svc, out, n);
	}
	return 0;
}

/* --- comparison and the patch ---------------------------------------------------------------- */

static int address_cmp(const void *x, const void *y)
{
	const kube_lb_ingress *a = x, *b = y;
	int c = str_cmp(a->ip, b->ip);
	return c ? c : str_cmp(a->hostname, b->hostname);
}

/* Sorted copy without duplicates, in a. */
static size_t as_set(arena *a, const kube_lb_ingress *v, size_t n, kube_lb_ingress **out)
{
	kube_lb_ingress *s = arena_alloc(a, n * sizeof *s + 1);
	if (n)
		memcpy(s, v, n * sizeof *s);
	if (n > 1)
		qsort(s, n, sizeof *s, address_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || address_cmp(&s[m - 1], &s[i]) != 0)
			s[m++] = s[i];
	*out = s;
	return m;
}

/* Whether a (any order, duplicates) is the set `set` (as_set's result); scratch from a. */
static bool equals_set(arena *scratch, const kube_lb_ingress *a, size_t na, const kube_lb_ingress *set, size_t nset)
{
	kube_lb_ingress *sa;
	size_t ma = as_set(scratch, a, na, &sa);
	bool eq = ma == nset;
	for (size_t i = 0; eq && i < ma; i++)
		eq = address_cmp(&sa[i], &set[i]) == 0;
	return eq;
}

bool ingress_status_equal(const kube_lb_ingress *a, size_t na, const kube_lb_ingress *b, size_t nb)
{
	arena *scratch = arena_new();
	kube_lb_ingress *sb;
	size_t mb = as_set(scratch, b, nb, &sb);
	bool eq = equals_set(scratch, a, na, sb, mb);
	arena_free(scratch);
	return eq;
}

void ingress_status_patch(buf *out, const kube_lb_ingress *a, size_t n)
{
	buf_puts(out, "{\"status\":{\"loadBalancer\":{\"ingress\":[");
	for (size_t i = 0; i < n; i++) {
		bool ip = a[i].ip.len > 0;
		str v = ip ? a[i].ip : a[i].hostname;
		buf_printf(out, "%s{\"%s\":", i ? "," : "", ip ? "ip" : "hostname");
		eskip_json_string(out, v.ptr, v.len);
		buf_putc(out, '}');
	}
	buf_puts(out, "]}}}");
}

/* --- the cycle --------------------------------------------------------------------------------- */

static void plan_patch(ingress_status *s, const char *ns, const char *name, const char *patch)
{
	if (s->npending == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->pending = xrealloc(s->pending, s->cap * sizeof *s->pending);
	}
	s->pending[s->npending++] = (pending_patch){ xstrdup(ns), xstrdup(name), xstrdup(patch) };
}

void ingress_status_plan(ingress_status *s, const kube_cluster *c)
{
	clear_pending(s);
	arena *a = arena_new();
	kube_lb_ingress *want;
	size_t nwant;
	s->service_missing = ingress_status_addresses(a, c, s->ko, str_c(s->ns), str_c(s->name), &want, &nwant) != 0;
	if (s->service_missing) {
		arena_free(a);
		return;
	}
	buf patch = BUF_INIT;
	ingress_status_patch(&patch, want, nwant);
	kube_lb_ingress *want_set;
	size_t nwant_set = as_set(a, want, nwant, &want_set);
	for (size_t i = 0; i < c->ningresses; i++) {
		const kube_ingress *ing = &c->ingresses[i];
		if (!ing->meta.present || !ing->meta.ns.len || !ing->meta.name.len || !kube_ingress_class_matches(s->ko, ing))
			continue;
		if (!equals_set(a, ing->lb, ing->nlb, want_set, nwant_set))
			plan_patch(s, ing->meta.ns.ptr, ing->meta.name.ptr, patch.ptr);
	}
	buf_free(&patch);
	arena_free(a);
}

void ingress_status_send(ingress_status *s)
{
	if (s->service_missing) {   /* every cycle, as skipper */
		char msg[600];
		snprintf(msg, sizeof msg, "service not found: %s/%s", s->ns, s->name);
		log_kv(LOG_ERROR, "failed to update the load balancer status of Ingresses", "error", msg, NULL);
		return;
	}
	size_t updated = 0, failed = 0, kept = 0;
	buf first_error = BUF_INIT;
	const char *first_ns = NULL, *first_name = NULL;
	for (size_t i = 0; i < s->npending; i++) {
		pending_patch *p = &s->pending[i];
		buf err = BUF_INIT;
		if (kube_patch_ingress_status(s->client, p->ns, p->name, p->patch, strlen(p->patch), &err) == 0) {
			updated++;
			log_kv(LOG_DEBUG, "updated the load balancer status", "kind", "Ingress", "ns", p->ns, "name", p->name,
			       NULL);
			free(p->ns);
			free(p->name);
			free(p->patch);
		} else {
			if (failed++ == 0)
				buf_append(&first_error, err.ptr, err.len);
			s->pending[kept++] = *p;   /* sent again next cycle */
			if (failed == 1)
				first_ns = s->pending[kept - 1].ns, first_name = s->pending[kept - 1].name;
		}
		buf_free(&err);
	}
	s->npending = kept;
	if (failed)
		log_typed(LOG_ERROR, "failed to update the load balancer status of Ingresses", LOG_INT("failed", failed),
			  LOG_INT("updated", updated), LOG_STR("kind", "Ingress"), LOG_STR("ns", first_ns),
			  LOG_STR("name", first_name), LOG_STR("error", first_error.ptr));
	else if (updated)
		log_typed(LOG_INFO, "updated the load balancer status of Ingresses", LOG_INT("updated", updated));
	buf_free(&first_error);
}

/* --- planning from every decoded cluster ------------------------------------------------------ */

static void hooked_cluster_read(void *ctx, const kube_cluster *c)
{
	const ingress_status_hook *h = ctx;
	if (h->inner->on_cluster)
		h->inner->on_cluster(h->inner->on_cluster_ctx, c);
	ingress_status_plan(h->s, c);
}

const pipeline_options *ingress_status_hooked(ingress_status_hook *h, ingress_status *s, const pipeline_options *o)
{
	if (!s)
		return o;
	*h = (ingress_status_hook){ .inner = o, .s = s, .o = *o };
	h->o.on_cluster = hooked_cluster_read;
	h->o.on_cluster_ctx = h;
	return &h->o;
}
