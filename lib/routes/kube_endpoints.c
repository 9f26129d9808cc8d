/* kube_endpoints.c: service/endpoints/endpointslice indexes and backend resolution (spec
 * kubernetes-to-eskip.md §3.5-§3.7, §5.3, §5.4, §5.6, §5.7). */
#include "routes/kube_endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "routes/kube_strmap.h"
#include "base/log.h"
#include "eskip/route.h"   /* arena_array_push */

/* printf arguments for a str with "%.*s" (zero-initialised strs have a NULL ptr). */
#define SP(s) (int)(s).len, ((s).ptr ? (s).ptr : "")

/* EndpointSlices of one service merged by skipper's rules (§3.7). */
typedef struct {
	const kube_endpoint_port *ports; size_t nports;   /* of the last slice processed */
	lb_endpoint *eps; size_t neps;                     /* ready, not terminating; unordered */
} merged_slices;

struct kube_endpoint_state {
	arena *arena;
	bool slices_mode;
	kube_strmap services, endpoints, slices;   /* (ns or default, name) / (raw ns, service) */
	kube_strmap ingress_cache, rg_cache;       /* cache key → kube_eps* */
	kube_strmap port_indexes;                  /* service pointer bytes → kube_strmap* (port_index) */
};

static const str default_ns = { "default", 7 };

static str ns_or_default(str ns)
{
	return ns.len ? ns : default_ns;
}

/* --- merging EndpointSlices ------------------------------------------------------------ */

typedef struct {
	const kube_endpointslice **items;   /* grown by slice_group_add (doubling) */
	size_t n;
} slice_group;

/* One Service may have thousands of slices: growing by one would copy O(n^2) pointers. */
static void slice_group_add(arena *a, slice_group *g, const kube_endpointslice *s)
{
	*(const kube_endpointslice **)arena_array_push(a, (void **)&g->items, &g->n, sizeof *g->items) = s;
}

enum { EP_ABSENT, EP_READY, EP_TERMINATING };

typedef struct {
	lb_endpoint ep;
	int state;
} address_state;

static void merge_endpoint(arena *a, kube_strmap *seen, const kube_slice_endpoint *e)
{
	/* skipper reads addresses[0] and panics on an empty list; such endpoints are skipped */
	if (e->naddresses == 0)
		return;
	str addr = e->addresses[0];
	address_state *st = kube_strmap_get(seen, addr);
	if (st && st->state == EP_TERMINATING)
		return;
	if (!st) {
		st = arena_alloc(a, sizeof *st);
		kube_strmap_put(seen, addr, st);
	}
	if (e->has_conditions && e->terminating) {
		st->state = EP_TERMINATING;
		return;
	}
	bool ready = !e->has_conditions || !e->ready_set || e->ready;
	if (ready) {
		st->state = EP_READY;
		st->ep = (lb_endpoint){ addr, e->zone };
	}
}

static merged_slices *merge_group(arena *a, const slice_group *g)
{
	merged_slices *m = arena_alloc(a, sizeof *m);
	kube_strmap seen;
	kube_strmap_init(&seen, a);
	for (size_t i = 0; i < g->n; i++) {
		const kube_endpointslice *s = g->items[i];
		for (size_t j = 0; j < s->nendpoints; j++)
			merge_endpoint(a, &seen, &s->endpoints[j]);
		m->ports = s->ports;
		m->nports = s->nports;
	}
	m->eps = arena_alloc(a, (seen.n ? seen.n : 1) * sizeof *m->eps);
	for (size_t i = 0; i < seen.n; i++) {
		const address_state *st = seen.entries[i].value;
		if (st->state == EP_READY)
			m->eps[m->neps++] = st->ep;
	}
	return m;
}

static void index_slices(kube_endpoint_state *st, const kube_cluster *c)
{
	kube_strmap groups;
	kube_strmap_init(&groups, st->arena);
	for (size_t i = 0; i < c->nslices; i++) {
		const kube_endpointslice *s = &c->slices[i];
		if (!s->has_ports)
			continue;
		str key = kube_key2(st->arena, s->meta.ns, s->service_name);
		slice_group *g = kube_strmap_get(&groups, key);
		if (!g) {
			g = arena_alloc(st->arena, sizeof *g);
			kube_strmap_put(&groups, key, g);
		}
		slice_group_add(st->arena, g, s);
	}
	for (size_t i = 0; i < groups.n; i++)
		kube_strmap_put(&st->slices, groups.entries[i].key, merge_group(st->arena, groups.entries[i].value));
}

static int address_zone_cmp(const void *x, const void *y)
{
	const lb_endpoint *a = x, *b = y;
	int c = str_cmp(a->address, b->address);
	return c ? c : str_cmp(a->zone, b->zone);
}

size_t kube_service_endpoint_addresses(arena *a, const kube_cluster *c, str ns, str svc, bool endpointslices,
	const lb_endpoint **out)
{
	lb_endpoint *v = NULL;
	size_t n = 0;
	if (endpointslices) {
		slice_group g = { 0 };
		for (size_t i = 0; i < c->nslices; i++) {
			const kube_endpointslice *s = &c->slices[i];
			if (s->has_ports && str_eq(s->meta.ns, ns) && str_eq(s->service_name, svc))
				slice_group_add(a, &g, s);
		}
		merged_slices *m = merge_group(a, &g);
		n = m->neps;
		v = arena_alloc(a, n * sizeof *v + 1);
		memcpy(v, m->eps, n * sizeof *v);
	} else {
		const kube_endpoints *found = NULL;
		for (size_t i = 0; i < c->nendpoints; i++) {
			const kube_endpoints *e = &c->endpoints[i];
			str ens = e->meta.ns.len ? e->meta.ns : str_c("default");
			if (str_eq(ens, ns) && str_eq(e->meta.name, svc))
				found = e;
		}
		for (size_t i = 0; found && i < found->nsubsets; i++)
			for (size_t j = 0; j < found->subsets[i].naddresses; j++) {
				lb_endpoint *slot = arena_array_push(a, (void **)&v, &n, sizeof *slot);
				*slot = (lb_endpoint){ found->subsets[i].addresses[j], str_c("") };
			}
	}
	if (n > 1)
		qsort(v, n, sizeof *v, address_zone_cmp);
	*out = v;
	return n;
}

/* --- indexes ------------------------------------------------------------------------------ */

kube_endpoint_state *kube_endpoint_state_new(arena *a, const kube_cluster *c, bool endpointslices, kube_reporter *rep)
{
	kube_endpoint_state *st = arena_alloc(a, sizeof *st);
	st->arena = a;
	st->slices_mode = endpointslices;
	kube_strmap_init(&st->services, a);
	kube_strmap_init(&st->endpoints, a);
	kube_strmap_init(&st->slices, a);
	kube_strmap_init(&st->ingress_cache, a);
	kube_strmap_init(&st->rg_cache, a);
	kube_strmap_init(&st->port_indexes, a);

	for (size_t i = 0; i < c->nservices; i++) {
		const kube_service *s = &c->services[i];
		if (!s->meta.present || !s->has_spec) {
			/* skipper says it once per cycle, without naming the Service; routesrv names
			 * each (issue 17: every line about an object names it) */
			kube_report_skipped(rep, "Service");
			kube_report(rep, LOG_ERROR, KUBE_DROP, "Service", &s->meta, s->meta.ns, NULL,
				    "Invalid service resource detected.");
			continue;
		}
		kube_strmap_put(&st->services, kube_key2(a, ns_or_default(s->meta.ns), s->meta.name), (void *)s);
	}
	if (endpointslices) {
		index_slices(st, c);
	} else {
		for (size_t i = 0; i < c->nendpoints; i++) {
			const kube_endpoints *e = &c->endpoints[i];
			kube_strmap_put(&st->endpoints, kube_key2(a, ns_or_default(e->meta.ns), e->meta.name), (void *)e);
		}
	}
	return st;
}

const kube_service *kube_find_service(const kube_cycle *cy, str ns, str name)
{
	char stack[512];
	str key;
	kube_cycle_depends(cy, KUBE_DEP_SERVICE, ns, name);
	ns = ns_or_default(ns);
	if (ns.len + name.len + 1 <= sizeof stack) {
		memcpy(stack, ns.ptr, ns.len);
		stack[ns.len] = 0;
		memcpy(stack + ns.len + 1, name.ptr, name.len);
		key = (str){ stack, ns.len + 1 + name.len };
	} else {
		key = kube_key2(cy->arena, ns, name);
	}
	return kube_strmap_get(&cy->eps->services, key);
}

/* --- addresses ---------------------------------------------------------------------------- */

static str endpoint_url(arena *a, str scheme, str ip, long port)
{
	bool v6 = ip.len && memchr(ip.ptr, ':', ip.len) != NULL;
	return arena_printf(a, v6 ? "%.*s://[%.*s]:%ld" : "%.*s://%.*s:%ld", SP(scheme), SP(ip), port);
}

static int by_address(const void *x, const void *y)
{
	const lb_endpoint *a = x, *b = y;
	int c = str_cmp(a->address, b->address);
	return c ? c : str_cmp(a->zone, b->zone);
}

static kube_eps sorted(lb_endpoint *eps, size_t n)
{
	if (n > 1)
		qsort(eps, n, sizeof *eps, by_address);
	return (kube_eps){ eps, n };
}

/* The addresses of one Endpoints subset at one port. */
static kube_eps subset_eps(arena *a, const kube_endpoint_subset *s, str scheme, long port)
{
	lb_endpoint *eps = arena_alloc(a, (s->naddresses ? s->naddresses : 1) * sizeof *eps);
	for (size_t i = 0; i < s->naddresses; i++)
		eps[i] = (lb_endpoint){ endpoint_url(a, scheme, s->addresses[i], port), { "", 0 } };
	return sorted(eps, s->naddresses);
}

/* The merged slice endpoints at one port, with zones. */
static kube_eps slice_eps(arena *a, const merged_slices *m, str scheme, long port)
{
	lb_endpoint *eps = arena_alloc(a, (m->neps ? m->neps : 1) * sizeof *eps);
	for (size_t i = 0; i < m->neps; i++)
		eps[i] = (lb_endpoint){ endpoint_url(a, scheme, m->eps[i].address, port), m->eps[i].zone };
	return sorted(eps, m->neps);
}

static bool is_tcp(const kube_endpoint_port *p)
{
	return str_eq_c(p->protocol, "TCP");
}

/* The h2c rule: the slice port found by the service port's name or number declares
 * appProtocol kubernetes.io/h2c. */
static bool slice_port_h2c(const merged_slices *m, str name, long number)
{
	for (size_t i = 0; i < m->nports; i++) {
		const kube_endpoint_port *p = &m->ports[i];
		if (is_tcp(p) && (str_eq(p->name, name) || p->port == number))
			return str_eq_c(p->app_protocol, "kubernetes.io/h2c");
	}
	return false;
}

static kube_eps *cached(kube_strmap *cache, arena *a, str key, kube_eps eps)
{
	kube_eps *p = arena_alloc(a, sizeof *p);
	*p = eps;
	kube_strmap_put(cache, key, p);
	return p;
}

static str cache_key(arena *a, str ns, str svc, str target, str protocol)
{
	return kube_key2(a, kube_key2(a, ns, svc), kube_key2(a, target, protocol));
}

str kube_target_port_string(arena *a, const kube_service_port *sp)
{
	if (sp->target_port_is_name)
		return sp->target_port_name;
	return arena_printf(a, "%ld", sp->target_port);
}

/* --- Ingress (§5.3) ------------------------------------------------------------------------ */

str kube_ingress_port_string(arena *a, const kube_ingress_backend *b)
{
	if (b->port_number != 0)
		return arena_printf(a, "%ld", b->port_number);
	return b->port_name;
}

/* Service ports are looked up once per route, and one Service may have thousands: beyond
 * PORT_INDEX_MIN ports the lookups go through an index built on first use, so an Ingress
 * with n paths against a Service with m ports costs O(n + m), not O(n * m). The index maps
 * (keys prefixed by the lookup kind) to the first port, in order, that the scan would find:
 *   "i" + name, "i" + decimal port   ports with a targetPort (§5.3.2)
 *   "r" + decimal port               every port (RouteGroup servicePort, §5.4) */
#define PORT_INDEX_MIN 16

/* The index key of a port name (by_name) or number; tmp must hold kind, name and a NUL. */
static str port_key(char *tmp, size_t size, char kind, bool by_name, str name, long port)
{
	int n = by_name ? snprintf(tmp, size, "%c%.*s", kind, SP(name)) : snprintf(tmp, size, "%c%ld", kind, port);
	return (str){ tmp, n > 0 && (size_t)n < size ? (size_t)n : size - 1 };
}

static const kube_strmap *port_index(kube_cycle *cy, const kube_service *svc)
{
	kube_endpoint_state *st = cy->eps;
	str id = { (const char *)&svc, sizeof svc };
	kube_strmap *x = kube_strmap_get(&st->port_indexes, id);
	if (x)
		return x;
	x = arena_alloc(cy->arena, sizeof *x);
	kube_strmap_init(x, cy->arena);
	char tmp[512];
	for (size_t i = 0; i < svc->nports; i++) {
		kube_service_port *p = &svc->ports[i];
		if (p->has_target_port) {   /* kube_strmap_add: the first port wins, as in the scan */
			if (p->name.len && p->name.len + 2 <= sizeof tmp)   /* an empty name matches nothing */
				kube_strmap_add(x, port_key(tmp, sizeof tmp, 'i', true, p->name, 0), p);
			kube_strmap_add(x, port_key(tmp, sizeof tmp, 'i', false, p->name, p->port), p);
		}
		kube_strmap_add(x, port_key(tmp, sizeof tmp, 'r', false, p->name, p->port), p);
	}
	kube_strmap_put(&st->port_indexes, id, x);
	return x;
}

const kube_service_port *kube_ingress_service_port(kube_cycle *cy, const kube_service *svc, const kube_ingress_backend *b)
{
	char num[32];
	str want;
	if (b->port_number != 0) {
		snprintf(num, sizeof num, "%ld", b->port_number);
		want = str_c(num);
	} else {
		want = b->port_name;
	}
	if (want.len == 0)
		return NULL;
	if (svc->nports > PORT_INDEX_MIN) {
		char tmp[512];
		if (want.len + 2 > sizeof tmp)
			return NULL;   /* longer than any indexed name, and no number */
		return kube_strmap_get(port_index(cy, svc), port_key(tmp, sizeof tmp, 'i', true, want, 0));
	}
	for (size_t i = 0; i < svc->nports; i++) {
		const kube_service_port *p = &svc->ports[i];
		if (!p->has_target_port)
			continue;
		char port[32];
		snprintf(port, sizeof port, "%ld", p->port);
		if (str_eq_c(want, port) || str_eq(want, p->name))
			return p;
	}
	return NULL;
}

/* The first port numbered `number` (a RouteGroup servicePort), with or without targetPort. */
static const kube_service_port *service_port_numbered(kube_cycle *cy, const kube_service *svc, long number)
{
	if (svc->nports > PORT_INDEX_MIN) {
		char tmp[32];
		return kube_strmap_get(port_index(cy, svc), port_key(tmp, sizeof tmp, 'r', false, (str){ NULL, 0 }, number));
	}
	for (size_t i = 0; i < svc->nports; i++)
		if (svc->ports[i].port == number)
			return &svc->ports[i];
	return NULL;
}

str kube_force_service_address(arena *a, str ns, str svc, const kube_service_port *sp)
{
	bool https = !sp->target_port_is_name && sp->target_port == 443;
	str target = kube_target_port_string(a, sp);
	return arena_printf(a, "%s://%.*s.%.*s.svc.cluster.local:%.*s", https ? "https" : "http",
		SP(svc), SP(ns), SP(target));
}

static kube_eps ingress_endpoints_mode(kube_cycle *cy, str ns, str svc, const kube_service_port *sp, str scheme)
{
	kube_cycle_depends(cy, KUBE_DEP_SERVICE, ns, svc);
	const kube_endpoints *e = kube_strmap_get(&cy->eps->endpoints, kube_key2(cy->arena, ns_or_default(ns), svc));
	if (!e)
		return (kube_eps){ NULL, 0 };
	for (size_t i = 0; i < e->nsubsets; i++) {
		const kube_endpoint_subset *s = &e->subsets[i];
		if (s->nports == 1)
			return subset_eps(cy->arena, s, scheme, s->ports[0].port);
		for (size_t j = 0; j < s->nports; j++)
			if (str_eq(s->ports[j].name, sp->name))
				return subset_eps(cy->arena, s, scheme, s->ports[j].port);
	}
	return (kube_eps){ NULL, 0 };
}

/* §5.3.6 port selection over the merged slice ports (TCP only); 0 when nothing fits. */
static long ingress_slice_port(const merged_slices *m, const kube_service_port *sp)
{
	if (sp->name.len) {
		for (size_t i = 0; i < m->nports; i++)
			if (is_tcp(&m->ports[i]) && (str_eq(m->ports[i].name, sp->name) || m->ports[i].port == sp->port))
				return m->ports[i].port;
		return 0;
	}
	if (!sp->target_port_is_name)
		return sp->target_port;
	for (size_t i = 0; i < m->nports; i++)
		if (is_tcp(&m->ports[i]) && (m->ports[i].name.len == 0 || m->ports[i].port == sp->port))
			return m->ports[i].port;
	return 0;
}

static kube_eps ingress_slices_mode(kube_cycle *cy, str ns, str svc, const kube_service_port *sp,
	str protocol, bool protocol_set)
{
	kube_cycle_depends(cy, KUBE_DEP_SERVICE, ns, svc);
	const merged_slices *m = kube_strmap_get(&cy->eps->slices, kube_key2(cy->arena, ns, svc));
	if (!m)
		return (kube_eps){ NULL, 0 };
	str scheme = protocol;
	if (!protocol_set && slice_port_h2c(m, sp->name, sp->port))
		scheme = str_c("h2c");
	return slice_eps(cy->arena, m, scheme, ingress_slice_port(m, sp));
}

kube_eps kube_ingress_endpoints(kube_cycle *cy, str ns, str svc, const kube_service_port *sp,
	str protocol, bool protocol_set, bool zone_filter)
{
	kube_endpoint_state *st = cy->eps;
	if (!protocol_set)
		protocol = str_c("http");
	str key_protocol = st->slices_mode && !protocol_set ? (str){ "", 0 } : protocol;
	str key = cache_key(cy->arena, ns, svc, kube_target_port_string(cy->arena, sp), key_protocol);
	kube_eps *hit = kube_strmap_get(&st->ingress_cache, key);
	if (!hit) {
		kube_eps eps = st->slices_mode ? ingress_slices_mode(cy, ns, svc, sp, protocol, protocol_set)
					       : ingress_endpoints_mode(cy, ns, svc, sp, protocol);
		hit = cached(&st->ingress_cache, cy->arena, key, eps);
	}
	if (zone_filter)
		return kube_zone_filter(cy->arena, *hit, cy->opts->topology_zone);
	return *hit;
}

/* --- RouteGroup (§5.4) -------------------------------------------------------------------- */

static kube_eps rg_endpoints_mode(kube_cycle *cy, str ns, str svc, const kube_service_port *sp, str scheme)
{
	kube_cycle_depends(cy, KUBE_DEP_SERVICE, ns, svc);
	const kube_endpoints *e = kube_strmap_get(&cy->eps->endpoints, kube_key2(cy->arena, ns, svc));
	if (!e)
		return (kube_eps){ NULL, 0 };
	for (size_t i = 0; i < e->nsubsets; i++) {
		const kube_endpoint_subset *s = &e->subsets[i];
		for (size_t j = 0; j < s->nports; j++) {
			const kube_endpoint_port *p = &s->ports[j];
			if (sp->target_port_is_name ? !str_eq(p->name, sp->target_port_name) : p->port != sp->target_port)
				continue;
			return subset_eps(cy->arena, s, scheme, p->port);
		}
	}
	return (kube_eps){ NULL, 0 };
}

static kube_eps rg_slices_mode(kube_cycle *cy, str ns, str svc, const kube_service_port *sp, str protocol, bool protocol_set)
{
	kube_cycle_depends(cy, KUBE_DEP_SERVICE, ns, svc);
	const merged_slices *m = kube_strmap_get(&cy->eps->slices, kube_key2(cy->arena, ns, svc));
	if (!m)
		return (kube_eps){ NULL, 0 };
	str name = sp->target_port_is_name ? sp->target_port_name : (str){ "", 0 };
	long number = sp->target_port_is_name ? 0 : sp->target_port;
	long port = 0;
	for (size_t i = 0; i < m->nports; i++)
		if (is_tcp(&m->ports[i]) && (str_eq(m->ports[i].name, name) || m->ports[i].port == number)) {
			port = m->ports[i].port;
			break;
		}
	str scheme = protocol;
	if (!protocol_set && slice_port_h2c(m, name, number))
		scheme = str_c("h2c");
	return slice_eps(cy->arena, m, scheme, port);
}

int kube_rg_endpoints(kube_cycle *cy, str ns, str svc, long service_port, str protocol,
	str zone, kube_eps *out, buf *err)
{
	kube_endpoint_state *st = cy->eps;
	ns = ns_or_default(ns);
	const kube_service *s = kube_find_service(cy, ns, svc);
	if (!s) {
		cy->missing_ref = true;
		buf_printf(err, "%.*s/%.*s: service not found", SP(ns), SP(svc));
		return -1;
	}
	if (s->type.len != 9 || strncasecmp(s->type.ptr, "ClusterIP", 9) != 0) {
		buf_printf(err, "not supported service type in service/%.*s/%.*s: %.*s", SP(ns), SP(svc), SP(s->type));
		return -1;
	}
	const kube_service_port *sp = service_port_numbered(cy, s, service_port);
	/* skipper panics on a matching port without targetPort; routesrv reports it as not found */
	if (!sp || !sp->has_target_port) {
		cy->missing_ref = !sp;   /* a port without targetPort is there, but broken */
		buf_printf(err, "target port not found: %.*s:%ld", SP(svc), service_port);
		return -1;
	}
	bool protocol_set = protocol.len > 0;
	if (!protocol_set)
		protocol = str_c("http");
	str key = cache_key(cy->arena, ns, svc, kube_target_port_string(cy->arena, sp), str_c("TCP"));
	kube_eps *hit = kube_strmap_get(&st->rg_cache, key);
	if (!hit) {
		kube_eps eps = st->slices_mode ? rg_slices_mode(cy, ns, svc, sp, protocol, protocol_set)
					       : rg_endpoints_mode(cy, ns, svc, sp, protocol);
		hit = cached(&st->rg_cache, cy->arena, key, eps);
	}
	*out = kube_zone_filter(cy->arena, *hit, zone);
	return 0;
}

/* --- zones and shape ---------------------------------------------------------------------- */

kube_eps kube_zone_filter(arena *a, kube_eps eps, str zone)
{
	if (zone.len == 0)
		return eps;
	size_t in_zone = 0;
	for (size_t i = 0; i < eps.n; i++)
		if (str_eq(eps.items[i].zone, zone))
			in_zone++;
	if (in_zone < 3)
		return eps;
	lb_endpoint *out = arena_alloc(a, in_zone * sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < eps.n; i++)
		if (str_eq(eps.items[i].zone, zone))
			out[k++] = eps.items[i];
	return (kube_eps){ out, k };
}

/* Replaces the route's filters by the "no endpoints" pair and makes it a shunt. */
static void kube_no_endpoints_shunt(arena *a, route *r)
{
	r->filters = NULL;
	r->nfilters = 0;
	arg status = arg_number(502);
	route_add_filter(a, r, "status", 1, &status);
	arg text = arg_cstr(a, "no endpoints");
	route_add_filter(a, r, "inlineContent", 1, &text);
	r->backend_type = BACKEND_SHUNT;
	r->backend = (str){ "", 0 };
	r->lb_algorithm = (str){ "", 0 };
	r->endpoints = NULL;
	r->nendpoints = 0;
}

static str copy(arena *a, str s)
{
	return arena_strndup(a, s.ptr ? s.ptr : "", s.len);
}

kube_backend_shape kube_backend_apply(arena *a, route *r, kube_eps eps, str algorithm)
{
	if (eps.n == 0) {
		kube_no_endpoints_shunt(a, r);
		return KUBE_SHAPE_NO_ENDPOINTS;
	}
	if (eps.n == 1) {
		r->backend_type = BACKEND_NETWORK;
		r->backend = copy(a, eps.items[0].address);
		return KUBE_SHAPE_NETWORK;
	}
	r->backend_type = BACKEND_LB;
	r->lb_algorithm = copy(a, algorithm);
	/* one allocation of the final size instead of pushes that outgrow 4 slots */
	r->endpoints = arena_array_alloc(a, eps.n, sizeof *r->endpoints);
	r->nendpoints = eps.n;
	for (size_t i = 0; i < eps.n; i++)
		r->endpoints[i] = (lb_endpoint){ copy(a, eps.items[i].address), copy(a, eps.items[i].zone) };
	return KUBE_SHAPE_LB;
}
