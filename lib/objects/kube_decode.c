/* kube_decode.c: one Kubernetes object as a jv value → the compact structs of kube_model.h,
 * with Go encoding/json's rules where skipper depends on them (spec §3.2): keys match
 * exactly first, then case-insensitively; unknown keys are ignored; null is the zero value;
 * a value of the wrong type is an error (the first one is reported, as Go does). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "objects/kube_read.h"
#include "objects/kube_read_internal.h"
#include "base/log.h"
#include "base/arena.h"


/* A field path, kept on the stack while decoding and spelled out only for an error. */
typedef struct seg {
	const struct seg *up;
	const char *name;        /* NULL: an array index */
	int index;
} seg;

typedef struct {
	kube_read_ctx *r;
	arena *a;
	bool bad;                /* a type mismatch was found */
	buf field, reason;       /* the first mismatch */
} dec;

/* --- primitives ----------------------------------------------------------------------------- */

/* Field names are string literals: their jv strings are made once and kept (refcounted
 * copies are cheap; a fresh jv_string per lookup was a malloc and a hash each time). */
static jv key_string(const char *key)
{
	static struct { const char *key; jv v; } cache[64];
	static size_t n;
	for (size_t i = 0; i < n; i++)
		if (cache[i].key == key)
			return jv_copy(cache[i].v);
	if (n == sizeof cache / sizeof *cache)
		return jv_string(key);
	cache[n].key = key;
	cache[n].v = jv_string(key);
	return jv_copy(cache[n++].v);
}

jv kube_json_field(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), key_string(key));
	if (jv_is_valid(v))
		return v;
	jv_free(v);
	size_t klen = strlen(key);
	jv found = jv_invalid();
	for (int it = jv_object_iter(obj); jv_object_iter_valid(obj, it); it = jv_object_iter_next(obj, it)) {
		jv k = jv_object_iter_key(obj, it);
		bool match = (size_t)jv_string_length_bytes(jv_copy(k)) == klen && strcasecmp(jv_string_value(k), key) == 0;
		jv_free(k);
		if (match) {
			found = jv_object_iter_value(obj, it);
			break;
		}
	}
	return found;
}

static void print_path(buf *b, const seg *s)
{
	if (!s)
		return;
	print_path(b, s->up);
	if (s->name)
		buf_printf(b, "%s%s", s->up ? "." : "", s->name);
	else
		buf_printf(b, "[%d]", s->index);
}

static const char *json_type(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: return "string";
	case JV_KIND_NUMBER: return "number";
	case JV_KIND_TRUE:
	case JV_KIND_FALSE: return "bool";
	case JV_KIND_ARRAY: return "array";
	case JV_KIND_OBJECT: return "object";
	default: return "null";
	}
}

static void mismatch(dec *d, const seg *s, jv v, const char *want)
{
	if (!d->bad) {
		d->bad = true;
		print_path(&d->field, s);
		if (jv_get_kind(v) == JV_KIND_NUMBER && strcmp(want, "integer") == 0)
			buf_printf(&d->reason, "cannot unmarshal number %.17g into %s", jv_number_value(v), want);
		else
			buf_printf(&d->reason, "cannot unmarshal %s into %s", json_type(v), want);
	}
	jv_free(v);
}

static bool absent(jv v)
{
	jv_kind k = jv_get_kind(v);
	return k == JV_KIND_INVALID || k == JV_KIND_NULL;
}

/* Shortest decimal text that reads back as v (for YAML numbers standing for strings). */
static str number_text(arena *a, double v)
{
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return arena_strdup(a, tmp);
}

static str d_string(dec *d, const seg *s, jv v)
{
	str out = { "", 0 };
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		out = arena_strndup(d->a, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		break;
	case JV_KIND_NUMBER:
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		/* In YAML an unquoted 80 or true in a string field is the string, as kubectl reads it. */
		if (d->r->yaml) {
			out = jv_get_kind(v) == JV_KIND_NUMBER ? number_text(d->a, jv_number_value(v))
				: arena_strdup(d->a, jv_get_kind(v) == JV_KIND_TRUE ? "true" : "false");
			break;
		}
		mismatch(d, s, v, "string");
		return out;
	default:
		mismatch(d, s, v, "string");
		return out;
	}
	jv_free(v);
	return out;
}

static long d_int(dec *d, const seg *s, jv v)
{
	if (absent(v)) {
		jv_free(v);
		return 0;
	}
	if (jv_get_kind(v) != JV_KIND_NUMBER) {
		mismatch(d, s, v, "integer");
		return 0;
	}
	double n = jv_number_value(v);
	if (n != floor(n) || n < -9.2e18 || n > 9.2e18) {
		mismatch(d, s, v, "integer");
		return 0;
	}
	jv_free(v);
	return (long)n;
}

/* *bool in Go: *set tells whether a value was there. */
static bool d_bool(dec *d, const seg *s, jv v, bool *set)
{
	jv_kind k = jv_get_kind(v);
	*set = false;
	if (k == JV_KIND_TRUE || k == JV_KIND_FALSE) {
		*set = true;
		jv_free(v);
		return k == JV_KIND_TRUE;
	}
	if (absent(v))
		jv_free(v);
	else
		mismatch(d, s, v, "bool");
	return false;
}

/* An object value, or jv_invalid() when absent, null or of another type (then a mismatch). */
static jv d_object(dec *d, const seg *s, jv v)
{
	if (jv_get_kind(v) == JV_KIND_OBJECT)
		return v;
	if (absent(v))
		jv_free(v);
	else
		mismatch(d, s, v, "object");
	return jv_invalid();
}

static jv d_array(dec *d, const seg *s, jv v, int *n)
{
	*n = 0;
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		*n = jv_array_length(jv_copy(v));
		return v;
	}
	if (absent(v))
		jv_free(v);
	else
		mismatch(d, s, v, "array");
	return jv_invalid();
}

/* --- one pass over an object's keys ------------------------------------------------------------ */

/* The names of the fields a struct decodes, with their lengths (compared first) and their
 * jv strings, made on first use and kept: a fresh jv_string per lookup was a malloc and a
 * hash each time (jv stays on one thread, so the lazy init needs no lock). */
typedef struct {
	const char *name;
	size_t len;
	bool made;
	jv key;
} field_name;
#define F(s) { s, sizeof s - 1, false, { 0 } }
#define MAX_FIELDS 8

/* The values of an object's fields, in the order of its field_name table. */
typedef struct {
	const field_name *names;
	jv v[MAX_FIELDS];        /* owned; jv_invalid() when absent or taken */
} fields;

/* Finds the fields of obj (borrowed) as kube_json_field does: the exact key wins (a hash
 * lookup each), else the first key, in jq's key order, equal ignoring ASCII case. The keys
 * are walked once for all fields without an exact key together, and only when there are
 * such fields: walking jq's object slots costs more than the lookups. */
static void fields_get(fields *f, jv obj, field_name *names, size_t n)
{
	bool missing[MAX_FIELDS];
	size_t nmissing = 0;
	f->names = names;
	for (size_t i = 0; i < n; i++) {
		if (!names[i].made) {
			names[i].key = jv_string_sized(names[i].name, (int)names[i].len);
			names[i].made = true;
		}
		f->v[i] = jv_object_get(jv_copy(obj), jv_copy(names[i].key));
		missing[i] = !jv_is_valid(f->v[i]);
		nmissing += missing[i];
	}
	for (int it = jv_object_iter(obj); nmissing && jv_object_iter_valid(obj, it); it = jv_object_iter_next(obj, it)) {
		jv k = jv_object_iter_key(obj, it);
		const char *key = jv_string_value(k);
		size_t klen = (size_t)jv_string_length_bytes(jv_copy(k));
		for (size_t i = 0; i < n; i++)
			if (missing[i] && names[i].len == klen && strncasecmp(key, names[i].name, klen) == 0) {
				jv_free(f->v[i]);
				f->v[i] = jv_object_iter_value(obj, it);
				missing[i] = false;
				nmissing--;
				break;
			}
		jv_free(k);
	}
}

/* Takes field i's value (owned by the caller from now on). */
static jv take(fields *f, size_t i)
{
	jv v = f->v[i];
	f->v[i] = jv_invalid();
	return v;
}

/* Whether field i is present and not null (it stays in f). */
static bool given(const fields *f, size_t i)
{
	jv_kind k = jv_get_kind(f->v[i]);
	return k != JV_KIND_INVALID && k != JV_KIND_NULL;
}

static void fields_free(fields *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jv_free(f->v[i]);
}

/* --- field helpers: decode field i of f ------------------------------------------------------- */

static str f_string(dec *d, const seg *up, fields *f, size_t i)
{
	seg s = { up, f->names[i].name, 0 };
	return d_string(d, &s, take(f, i));
}

static long f_int(dec *d, const seg *up, fields *f, size_t i)
{
	seg s = { up, f->names[i].name, 0 };
	return d_int(d, &s, take(f, i));
}

static bool f_bool(dec *d, const seg *up, fields *f, size_t i, bool *set)
{
	seg s = { up, f->names[i].name, 0 };
	return d_bool(d, &s, take(f, i), set);
}

static str *f_strings(dec *d, const seg *up, fields *f, size_t i, size_t *n)
{
	seg s = { up, f->names[i].name, 0 };
	int len;
	jv arr = d_array(d, &s, take(f, i), &len);
	str *out = len ? arena_alloc(d->a, (size_t)len * sizeof *out) : NULL;
	for (int j = 0; j < len; j++) {
		seg sj = { &s, NULL, j };
		out[j] = d_string(d, &sj, jv_array_get(jv_copy(arr), j));
	}
	jv_free(arr);
	*n = (size_t)len;
	return out;
}

static kube_map f_strmap(dec *d, const seg *up, fields *f, size_t i)
{
	seg s = { up, f->names[i].name, 0 };
	kube_map m = { NULL, 0, false };
	jv o = d_object(d, &s, take(f, i));
	if (!jv_is_valid(o))
		return m;
	m.items = arena_alloc(d->a, (size_t)jv_object_length(jv_copy(o)) * sizeof *m.items + 1);
	for (int it = jv_object_iter(o); jv_object_iter_valid(o, it); it = jv_object_iter_next(o, it)) {
		jv k = jv_object_iter_key(o, it);
		seg sk = { &s, jv_string_value(k), 0 };
		kube_kv *kv = &m.items[m.n++];
		kv->key = arena_strndup(d->a, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
		kv->value = d_string(d, &sk, jv_object_iter_value(o, it));
		jv_free(k);
	}
	jv_free(o);
	kube_map_sort(&m);
	return m;
}

/* Decodes the array field i of f into a new arena array of `size`-byte elements, calling
 * each(d, &seg, item, element) per item; items are borrowed by the callback. */
typedef void (*item_fn)(dec *d, const seg *s, jv item, void *out);

static void *f_array(dec *d, const seg *up, fields *f, size_t i, size_t size, item_fn each, size_t *n)
{
	seg s = { up, f->names[i].name, 0 };
	int len;
	jv arr = d_array(d, &s, take(f, i), &len);
	char *out = len ? arena_alloc(d->a, (size_t)len * size) : NULL;
	for (int j = 0; j < len; j++) {
		seg sj = { &s, NULL, j };
		jv item = jv_array_get(jv_copy(arr), j);
		if (jv_get_kind(item) == JV_KIND_OBJECT)
			each(d, &sj, item, out + (size_t)j * size);
		else if (!absent(item))
			mismatch(d, &sj, jv_copy(item), "object");
		jv_free(item);
	}
	jv_free(arr);
	*n = (size_t)len;
	return out;
}

/* Runs fn on the object field i of f when it is present; returns whether it was. */
static bool f_object(dec *d, const seg *up, fields *f, size_t i, item_fn fn, void *out)
{
	seg s = { up, f->names[i].name, 0 };
	jv o = d_object(d, &s, take(f, i));
	if (!jv_is_valid(o))
		return false;
	fn(d, &s, o, out);
	jv_free(o);
	return true;
}

/* Declares `f` holding the named fields of object o (indexes follow the order of names). */
#define FIELDS(f, o, ...)                                                                   \
	static field_name f##_names[] = { __VA_ARGS__ };                              \
	enum { f##_n = sizeof f##_names / sizeof *f##_names };                              \
	_Static_assert(f##_n <= MAX_FIELDS, "too many fields");                             \
	fields f;                                                                           \
	fields_get(&f, o, f##_names, f##_n)

/* --- shared parts ----------------------------------------------------------------------------- */

static void meta_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_meta *m = out;
	FIELDS(f, o, F("namespace"), F("name"), F("annotations"), F("labels"));
	m->present = true;
	m->ns = f_string(d, s, &f, 0);
	m->name = f_string(d, s, &f, 1);
	m->annotations = f_strmap(d, s, &f, 2);
	m->labels = f_strmap(d, s, &f, 3);
}

static void tls_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_tls *t = out;
	FIELDS(f, o, F("hosts"), F("secretName"));
	t->hosts = f_strings(d, s, &f, 0, &t->nhosts);
	t->secret_name = f_string(d, s, &f, 1);
}

/* status.loadBalancer.ingress of Ingresses and Services */
typedef struct {
	kube_lb_ingress **v;
	size_t *n;
} lb_target;

static void lb_ingress_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_lb_ingress *l = out;
	FIELDS(f, o, F("ip"), F("hostname"));
	l->ip = f_string(d, s, &f, 0);
	l->hostname = f_string(d, s, &f, 1);
}

static void load_balancer_fields(dec *d, const seg *s, jv o, void *out)
{
	lb_target *t = out;
	FIELDS(f, o, F("ingress"));
	*t->v = f_array(d, s, &f, 0, sizeof **t->v, lb_ingress_fields, t->n);
}

static void lb_status_fields(dec *d, const seg *s, jv o, void *out)
{
	FIELDS(f, o, F("loadBalancer"));
	f_object(d, s, &f, 0, load_balancer_fields, out);
}

/* --- Ingress ------------------------------------------------------------------------------------ */

static void port_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_ingress_backend *b = out;
	FIELDS(f, o, F("name"), F("number"));
	b->port_name = f_string(d, s, &f, 0);
	b->port_number = f_int(d, s, &f, 1);
}

static void service_backend_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_ingress_backend *b = out;
	FIELDS(f, o, F("name"), F("port"));
	b->present = true;
	b->service = f_string(d, s, &f, 0);
	f_object(d, s, &f, 1, port_fields, b);
}

static void ingress_backend_fields(dec *d, const seg *s, jv o, void *out)
{
	FIELDS(f, o, F("service"));
	f_object(d, s, &f, 0, service_backend_fields, out);
}

static void ingress_path_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_ingress_path *p = out;
	FIELDS(f, o, F("path"), F("pathType"), F("backend"));
	p->path = f_string(d, s, &f, 0);
	p->path_type = f_string(d, s, &f, 1);
	p->has_backend = f_object(d, s, &f, 2, ingress_backend_fields, &p->backend);
}

static void ingress_http_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_ingress_rule *r = out;
	FIELDS(f, o, F("paths"));
	r->paths = f_array(d, s, &f, 0, sizeof *r->paths, ingress_path_fields, &r->npaths);
}

static void ingress_rule_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_ingress_rule *r = out;
	FIELDS(f, o, F("host"), F("http"));
	r->host = f_string(d, s, &f, 0);
	r->has_http = f_object(d, s, &f, 1, ingress_http_fields, r);
}

static void ingress_spec_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_ingress *ing = out;
	FIELDS(f, o, F("ingressClassName"), F("defaultBackend"), F("rules"), F("tls"));
	ing->has_spec = true;
	ing->ingress_class_name = f_string(d, s, &f, 0);
	f_object(d, s, &f, 1, ingress_backend_fields, &ing->default_backend);
	ing->rules = f_array(d, s, &f, 2, sizeof *ing->rules, ingress_rule_fields, &ing->nrules);
	ing->tls = f_array(d, s, &f, 3, sizeof *ing->tls, tls_fields, &ing->ntls);
}

/* --- RouteGroup --------------------------------------------------------------------------------- */

static void rg_backend_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_rg_backend *b = out;
	FIELDS(f, o, F("name"), F("type"), F("address"), F("algorithm"), F("endpoints"), F("serviceName"),
	       F("servicePort"));
	b->name = f_string(d, s, &f, 0);
	b->type = f_string(d, s, &f, 1);
	b->address = f_string(d, s, &f, 2);
	b->algorithm = f_string(d, s, &f, 3);
	b->endpoints = f_strings(d, s, &f, 4, &b->nendpoints);
	b->service_name = f_string(d, s, &f, 5);
	b->service_port = f_int(d, s, &f, 6);
}

static void rg_backend_ref_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_rg_backend_ref *b = out;
	FIELDS(f, o, F("backendName"), F("weight"));
	b->name_present = given(&f, 0);
	b->backend_name = f_string(d, s, &f, 0);
	b->weight = f_int(d, s, &f, 1);
}

static void rg_route_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_rg_route *r = out;
	FIELDS(f, o, F("path"), F("pathSubtree"), F("pathRegexp"), F("backends"), F("filters"), F("predicates"),
	       F("methods"));
	r->present = true;
	r->path = f_string(d, s, &f, 0);
	r->path_subtree = f_string(d, s, &f, 1);
	r->path_regexp = f_string(d, s, &f, 2);
	r->backends = f_array(d, s, &f, 3, sizeof *r->backends, rg_backend_ref_fields, &r->nbackends);
	r->filters = f_strings(d, s, &f, 4, &r->nfilters);
	r->predicates = f_strings(d, s, &f, 5, &r->npredicates);
	r->methods = f_strings(d, s, &f, 6, &r->nmethods);
}

static void rg_spec_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_routegroup *rg = out;
	FIELDS(f, o, F("hosts"), F("backends"), F("defaultBackends"), F("routes"), F("tls"));
	rg->has_spec = true;
	rg->hosts = f_strings(d, s, &f, 0, &rg->nhosts);
	rg->backends = f_array(d, s, &f, 1, sizeof *rg->backends, rg_backend_fields, &rg->nbackends);
	rg->default_backends = f_array(d, s, &f, 2, sizeof *rg->default_backends, rg_backend_ref_fields,
				       &rg->ndefault_backends);
	rg->routes = f_array(d, s, &f, 3, sizeof *rg->routes, rg_route_fields, &rg->nroutes);
	rg->tls = f_array(d, s, &f, 4, sizeof *rg->tls, tls_fields, &rg->ntls);
}

/* --- Service, Endpoints, EndpointSlice ---------------------------------------------------------- */

static void service_port_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_service_port *p = out;
	FIELDS(f, o, F("name"), F("protocol"), F("port"), F("targetPort"));
	p->name = f_string(d, s, &f, 0);
	p->protocol = f_string(d, s, &f, 1);
	p->port = f_int(d, s, &f, 2);
	/* int-or-string: a JSON string is a port name, anything else must be an integer. */
	p->has_target_port = given(&f, 3);
	if (jv_get_kind(f.v[3]) == JV_KIND_STRING) {
		p->target_port_is_name = true;
		p->target_port_name = f_string(d, s, &f, 3);
	} else {
		p->target_port = f_int(d, s, &f, 3);
	}
}

static void service_spec_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_service *svc = out;
	FIELDS(f, o, F("type"), F("clusterIP"), F("externalName"), F("ports"), F("externalIPs"));
	svc->has_spec = true;
	svc->type = f_string(d, s, &f, 0);
	svc->cluster_ip = f_string(d, s, &f, 1);
	svc->external_name = f_string(d, s, &f, 2);
	svc->ports = f_array(d, s, &f, 3, sizeof *svc->ports, service_port_fields, &svc->nports);
	svc->external_ips = f_strings(d, s, &f, 4, &svc->nexternal_ips);
}

static void endpoint_port_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_endpoint_port *p = out;
	FIELDS(f, o, F("name"), F("protocol"), F("appProtocol"), F("port"));
	p->name = f_string(d, s, &f, 0);
	p->protocol = f_string(d, s, &f, 1);
	p->app_protocol = f_string(d, s, &f, 2);
	p->port = f_int(d, s, &f, 3);
}

static void address_ip_fields(dec *d, const seg *s, jv o, void *out)
{
	FIELDS(f, o, F("ip"));
	*(str *)out = f_string(d, s, &f, 0);
}

static void subset_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_endpoint_subset *sub = out;
	FIELDS(f, o, F("addresses"), F("ports"));
	sub->addresses = f_array(d, s, &f, 0, sizeof *sub->addresses, address_ip_fields, &sub->naddresses);
	sub->ports = f_array(d, s, &f, 1, sizeof *sub->ports, endpoint_port_fields, &sub->nports);
}

static void conditions_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_slice_endpoint *e = out;
	FIELDS(f, o, F("ready"), F("terminating"), F("serving"));
	bool set;
	e->has_conditions = true;
	e->ready = f_bool(d, s, &f, 0, &e->ready_set);
	e->terminating = f_bool(d, s, &f, 1, &set);
	f_bool(d, s, &f, 2, &set);
}

static void slice_endpoint_fields(dec *d, const seg *s, jv o, void *out)
{
	kube_slice_endpoint *e = out;
	FIELDS(f, o, F("addresses"), F("zone"), F("conditions"));
	e->addresses = f_strings(d, s, &f, 0, &e->naddresses);
	e->zone = f_string(d, s, &f, 1);
	f_object(d, s, &f, 2, conditions_fields, e);
}

/* --- objects ---------------------------------------------------------------------------------- */

typedef enum { K_INGRESS, K_ROUTEGROUP, K_SERVICE, K_ENDPOINTS, K_SLICE, K_OTHER } obj_kind;

static obj_kind kind_of(const char *kind)
{
	static const char *const names[] = { "Ingress", "RouteGroup", "Service", "Endpoints", "EndpointSlice" };
	for (int i = 0; i < K_OTHER; i++)
		if (strcmp(kind, names[i]) == 0)
			return (obj_kind)i;
	return K_OTHER;
}

/* Decodes obj into a new element of the cluster array for kind k; returns the meta of the
 * element, and the push is undone by the caller when decoding failed. */
static kube_meta *decode_into(dec *d, obj_kind k, jv obj)
{
	kube_cluster *c = d->r->c;
	switch (k) {
	case K_INGRESS: {
		kube_ingress *ing = arena_array_push(c->arena, (void **)&c->ingresses, &c->ningresses, sizeof *ing);
		FIELDS(f, obj, F("metadata"), F("spec"), F("status"));
		f_object(d, NULL, &f, 0, meta_fields, &ing->meta);
		f_object(d, NULL, &f, 1, ingress_spec_fields, ing);
		f_object(d, NULL, &f, 2, lb_status_fields, &(lb_target){ &ing->lb, &ing->nlb });
		return &ing->meta;
	}
	case K_ROUTEGROUP: {
		kube_routegroup *rg = arena_array_push(c->arena, (void **)&c->routegroups, &c->nroutegroups, sizeof *rg);
		FIELDS(f, obj, F("metadata"), F("spec"));
		f_object(d, NULL, &f, 0, meta_fields, &rg->meta);
		f_object(d, NULL, &f, 1, rg_spec_fields, rg);
		return &rg->meta;
	}
	case K_SERVICE: {
		kube_service *svc = arena_array_push(c->arena, (void **)&c->services, &c->nservices, sizeof *svc);
		FIELDS(f, obj, F("metadata"), F("spec"), F("status"));
		f_object(d, NULL, &f, 0, meta_fields, &svc->meta);
		f_object(d, NULL, &f, 1, service_spec_fields, svc);
		f_object(d, NULL, &f, 2, lb_status_fields, &(lb_target){ &svc->lb, &svc->nlb });
		return &svc->meta;
	}
	case K_ENDPOINTS: {
		kube_endpoints *ep = arena_array_push(c->arena, (void **)&c->endpoints, &c->nendpoints, sizeof *ep);
		FIELDS(f, obj, F("metadata"), F("subsets"));
		f_object(d, NULL, &f, 0, meta_fields, &ep->meta);
		ep->subsets = f_array(d, NULL, &f, 1, sizeof *ep->subsets, subset_fields, &ep->nsubsets);
		return &ep->meta;
	}
	case K_SLICE: {
		kube_endpointslice *sl = arena_array_push(c->arena, (void **)&c->slices, &c->nslices, sizeof *sl);
		FIELDS(f, obj, F("metadata"), F("ports"), F("endpoints"));
		f_object(d, NULL, &f, 0, meta_fields, &sl->meta);
		const str *svc = kube_map_get(&sl->meta.labels, "kubernetes.io/service-name");
		if (svc)
			sl->service_name = *svc;
		/* A slice whose ports are null or missing is ignored with its endpoints (spec §3.7). */
		sl->has_ports = given(&f, 1);
		sl->ports = f_array(d, NULL, &f, 1, sizeof *sl->ports, endpoint_port_fields, &sl->nports);
		sl->endpoints = f_array(d, NULL, &f, 2, sizeof *sl->endpoints, slice_endpoint_fields, &sl->nendpoints);
		return &sl->meta;
	}
	default:
		return NULL;
	}
}

static void undo_push(kube_cluster *c, obj_kind k)
{
	switch (k) {
	case K_INGRESS: c->ningresses--; break;
	case K_ROUTEGROUP: c->nroutegroups--; break;
	case K_SERVICE: c->nservices--; break;
	case K_ENDPOINTS: c->nendpoints--; break;
	case K_SLICE: c->nslices--; break;
	default: break;
	}
}

/* A string field of obj without decoding rules, for kinds and log lines. */
static const char *peek_string(jv obj, const char *key, char *out, size_t outlen)
{
	jv v = kube_json_field(obj, key);
	const char *r = NULL;
	if (jv_get_kind(v) == JV_KIND_STRING) {
		snprintf(out, outlen, "%s", jv_string_value(v));
		r = out;
	}
	jv_free(v);
	return r;
}

/* An object with a field of the wrong type: skipped with a log line, or (strict) an error. */
static int reject(dec *d, const char *kind, const kube_meta *m)
{
	const char *ns = m && m->ns.ptr ? m->ns.ptr : "", *name = m && m->name.ptr ? m->name.ptr : "";
	if (d->r->opts.strict) {
		buf_printf(d->r->err, "%s: %s %s/%s: field %s: %s", d->r->source, kind, ns, name, d->field.ptr, d->reason.ptr);
		return -1;
	}
	kube_reporter *rep = d->r->opts.reporter;
	kube_report_skipped(rep, kind);
	if (rep && rep->collect) {
		kube_meta where = m ? *m : (kube_meta){ 0 };
		where.source = d->r->source_kept;
		where.line = d->r->line;
		kube_reportf(rep, LOG_ERROR, KUBE_DROP, kind, &where, where.ns, d->field.ptr,
			     "Skipping object with a field of the wrong type: field %s: %s", d->field.ptr, d->reason.ptr);
		return 0;
	}
	log_kv(LOG_ERROR, "Skipping object with a field of the wrong type", "kind", kind, "ns", ns, "name", name,
	       "field", d->field.ptr, "error", d->reason.ptr, "source", d->r->source, NULL);
	return 0;
}

int kube_not_an_object(kube_read_ctx *r, const char *what)
{
	buf_printf(r->err, "%s:%zu: not a Kubernetes object: %s", r->source, r->line, what);
	return -1;
}

/* What a non-object document is, for the message. */
static const char *value_name(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_ARRAY: return "a JSON array (jq -s output? wrap the objects in a List: "
				   "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[...]})";
	case JV_KIND_STRING: return "a text (a string), not a mapping";
	case JV_KIND_NUMBER: return "a number";
	case JV_KIND_TRUE: case JV_KIND_FALSE: return "a boolean";
	default: return "not a mapping";
	}
}

/* An object without a kind: names a few of its keys, so that the user sees what it was. */
static int kindless(kube_read_ctx *r, jv obj)
{
	buf what = BUF_INIT;
	int n = 0;
	jv_object_foreach(obj, key, val) {
		if (n < 3)
			buf_printf(&what, "%s%s", n ? ", " : "", jv_string_value(key));
		n++;
		jv_free(key);
		jv_free(val);
	}
	int rc;
	if (n == 0) {
		rc = kube_not_an_object(r, "an empty object ({})");
	} else {
		buf msg = BUF_INIT;
		buf_printf(&msg, "no \"kind\" (keys: %s%s)", what.ptr, n > 3 ? ", ..." : "");
		rc = kube_not_an_object(r, msg.ptr);
		buf_free(&msg);
	}
	buf_free(&what);
	return rc;
}

int kube_decode_object(kube_read_ctx *r, jv obj, const char *kind)
{
	char kbuf[64];
	dec d = { .r = r, .a = r->c->arena, .field = BUF_INIT, .reason = BUF_INIT };
	int rc = 0;
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		if (!absent(obj) && kind && kind_of(kind) != K_OTHER) {
			seg s = { NULL, "(item)", 0 };
			mismatch(&d, &s, jv_copy(obj), "object");
			rc = reject(&d, kind, NULL);
		}
		goto out;
	}
	FIELDS(f, obj, F("kind"));
	if (jv_get_kind(f.v[0]) == JV_KIND_STRING && *jv_string_value(f.v[0])) {
		snprintf(kbuf, sizeof kbuf, "%s", jv_string_value(f.v[0]));
		kind = kbuf;
	}
	fields_free(&f, f_n);
	if (kind) {
		obj_kind k = kind_of(kind);
		kube_meta *m = decode_into(&d, k, obj);
		if (m) {
			m->source = r->source_kept;
			m->line = r->line;
		}
		if (m && d.bad) {
			kube_meta copy = *m;
			undo_push(r->c, k);
			rc = reject(&d, kind, &copy);
		}
	}
out:
	jv_free(obj);
	buf_free(&d.field);
	buf_free(&d.reason);
	return rc;
}

const char *kube_list_item_kind(const char *kind, char *out, size_t outlen)
{
	size_t len = strlen(kind);
	if (len < 4 || strcmp(kind + len - 4, "List") != 0 || len - 4 >= outlen)
		return NULL;
	memcpy(out, kind, len - 4);
	out[len - 4] = 0;
	return out;
}

int kube_decode_item(kube_read_ctx *r, jv item, const char *item_kind)
{
	if (!item_kind && r->source_kept) {
		/* the items of a plain List name their kind */
		if (jv_get_kind(item) != JV_KIND_OBJECT) {
			int rc = kube_not_an_object(r, value_name(item));
			jv_free(item);
			return rc;
		}
		jv k = kube_json_field(item, "kind");
		bool has_kind = jv_get_kind(k) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(k)) > 0;
		jv_free(k);
		if (!has_kind) {
			int rc = kindless(r, item);
			jv_free(item);
			return rc;
		}
	}
	return kube_decode_object(r, item, item_kind);
}

int kube_decode_document(kube_read_ctx *r, jv doc, const char *list_kind)
{
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		int rc = list_kind ? 0 : kube_not_an_object(r, value_name(doc));
		jv_free(doc);
		return rc;
	}
	char kbuf[64], ibuf[64];
	const char *kind = peek_string(doc, "kind", kbuf, sizeof kbuf);
	if (kind && !*kind)
		kind = NULL;
	if (!kind && !list_kind) {
		int rc = kindless(r, doc);
		jv_free(doc);
		return rc;
	}
	const char *item_kind = kind ? kube_list_item_kind(kind, ibuf, sizeof ibuf) : NULL;
	jv items = kube_json_field(doc, "items");
	if (!list_kind && item_kind && jv_get_kind(items) != JV_KIND_ARRAY) {
		/* a List without items would pass for an empty cluster and empty the table: only
		 * a well-formed (empty) List is read as one */
		jv_free(items);
		jv_free(doc);
		buf msg = BUF_INIT;
		buf_printf(&msg, "a%s %s without an \"items\" array (missing, null or not an array)",
			   strchr("AEIOU", *kind) ? "n" : "", kind);
		int rc = kube_not_an_object(r, msg.ptr);
		buf_free(&msg);
		return rc;
	}
	bool is_list = jv_get_kind(items) == JV_KIND_ARRAY && (!kind || item_kind);
	if (!is_list) {
		jv_free(items);
		return kube_decode_object(r, doc, kind ? kind : list_kind);
	}
	jv_free(doc);
	if (list_kind)
		item_kind = list_kind;
	size_t doc_line = r->line;
	int rc = 0, n = jv_array_length(jv_copy(items));
	for (int i = 0; i < n && rc == 0; i++) {
		r->line = (size_t)i < r->nitem_lines ? r->item_lines[i] : doc_line;
		rc = kube_decode_item(r, jv_array_get(jv_copy(items), i), item_kind && *item_kind ? item_kind : NULL);
	}
	r->line = doc_line;
	jv_free(items);
	return rc;
}
