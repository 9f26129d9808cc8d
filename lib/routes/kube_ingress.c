/* kube_ingress.c: Ingress conversion order, validation and per-Ingress inputs (spec
 * kubernetes-to-eskip.md §3.3, §2.1, §7.1, §7.7). */
#include "base/xalloc.h"
#include "routes/kube_ingress.h"

#include <errno.h>
#include <jv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "routes/kube_annotations.h"
#include "routes/kube_ingress_internal.h"
#include "go/regex.h"

#define ANN_FILTER "zalando.org/skipper-filter"
#define ANN_RATELIMIT "zalando.org/ratelimit"
#define ANN_PREDICATE "zalando.org/skipper-predicate"
#define ANN_ROUTES "zalando.org/skipper-routes"
#define ANN_LB "zalando.org/skipper-loadbalancer"
#define ANN_WEIGHTS "zalando.org/backend-weights"
#define ANN_PROTOCOL "zalando.org/skipper-backend-protocol"
#define ANN_PATH_MODE "zalando.org/skipper-ingress-path-mode"
#define ANN_REDIRECT "zalando.org/skipper-ingress-redirect"
#define ANN_REDIRECT_CODE "zalando.org/skipper-ingress-redirect-code"
#define ANN_BACKEND "zalando.org/skipper-backend"
#define ANN_CLASS "kubernetes.io/ingress.class"

static const char *const lb_algorithms[] = {
	"roundRobin", "random", "consistentHash", "powerOfRandomNChoices", "weightedRoundRobin", "leastRequests", NULL,
};

static void ing_vlog(ing_state *st, const ing_ctx *c, const char *path, log_level level, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	kube_cycle_log(st->cy, c->ing, &c->ing->meta, level, "Ingress", c->ns, path, "%s", msg);
	free(msg);
}

void ing_log(ing_state *st, const ing_ctx *c, log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ing_vlog(st, c, NULL, level, fmt, ap);
	va_end(ap);
}

/* The spec path of an annotation, as -check reports it. */
static void annotation_path(char *out, size_t size, const char *key)
{
	snprintf(out, size, "metadata.annotations[\"%s\"]", key);
}

/* ing_log about the annotation `key` (-check names it as the problem's path). */
static void ing_log_annotation(ing_state *st, const ing_ctx *c, const char *key, log_level level, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void ing_log_annotation(ing_state *st, const ing_ctx *c, const char *key, log_level level, const char *fmt, ...)
{
	char path[128];
	annotation_path(path, sizeof path, key);
	va_list ap;
	va_start(ap, fmt);
	ing_vlog(st, c, path, level, fmt, ap);
	va_end(ap);
}

static const str *annotation(const kube_ingress *ing, const char *key)
{
	return kube_map_get(&ing->meta.annotations, key);
}

/* --- class filter and order (§3.3) ---------------------------------------------------- */

bool kube_ingress_class_matches(const kube_options *o, const kube_ingress *ing)
{
	const str *cls = annotation(ing, ANN_CLASS);
	if (cls && cls->len && !regex_list_any_match(o->ingress_class, *cls))
		return false;
	if (ing->ingress_class_name.len && !regex_list_any_match(o->ingress_class, ing->ingress_class_name))
		return false;
	return true;
}

static int by_namespace_name(const void *x, const void *y)
{
	const kube_ingress *a = *(const kube_ingress *const *)x, *b = *(const kube_ingress *const *)y;
	if (a->meta.present != b->meta.present)
		return a->meta.present ? 1 : -1;
	int c = str_cmp(a->meta.ns, b->meta.ns);
	if (!c)
		c = str_cmp(a->meta.name, b->meta.name);
	return c ? c : (a < b ? -1 : a > b);   /* stable: array order */
}

/* --- validation (§2.1) ------------------------------------------------------------------ */

static bool valid_lb_algorithm(str v)
{
	if (v.len == 0)   /* [quirk] present but empty passes; the LB then has no algorithm */
		return true;
	for (size_t i = 0; lb_algorithms[i]; i++)
		if (str_eq_c(v, lb_algorithms[i]))
			return true;
	return false;
}

/* Appends "invalid "<key>" annotation: <msg>" to the joined error list and hands it to each. */
static void add_error(buf *errs, const char *key, const char *msg, kube_ingress_error_fn each, void *ud)
{
	size_t start = errs->len ? errs->len + 1 : 0;
	if (errs->len)
		buf_putc(errs, '\n');
	buf_printf(errs, "invalid \"%s\" annotation: %s", key, msg);
	if (each)
		each(ud, key, errs->ptr + start);
}

int kube_ingress_validate(const kube_ingress *ing, buf *errs, kube_ingress_error_fn each, void *ud)
{
	buf err = BUF_INIT;
	arena *scratch = arena_new();
	call *calls;
	size_t n, before = errs->len;
	const str *v;
	if ((v = annotation(ing, ANN_FILTER)) && eskip_parse_filters(scratch, v->ptr, v->len, &calls, &n, &err) != 0)
		add_error(errs, ANN_FILTER, err.ptr ? err.ptr : "", each, ud);
	buf_reset(&err);
	if ((v = annotation(ing, ANN_PREDICATE)) && eskip_parse_predicates(scratch, v->ptr, v->len, &calls, &n, &err) != 0)
		add_error(errs, ANN_PREDICATE, err.ptr ? err.ptr : "", each, ud);
	buf_reset(&err);
	if ((v = annotation(ing, ANN_ROUTES))) {
		route_table *t = route_table_new();
		if (eskip_parse(t, v->ptr, v->len, &err, NULL) != 0)
			add_error(errs, ANN_ROUTES, err.ptr ? err.ptr : "", each, ud);
		route_table_free(t);
	}
	if ((v = annotation(ing, ANN_LB)) && !valid_lb_algorithm(*v))
		add_error(errs, ANN_LB, "unsupported algorithm", each, ud);
	buf_free(&err);
	arena_free(scratch);
	return errs->len == before ? 0 : -1;
}

/* -check: each annotation's error is a problem of its own, with the annotation's path. */
typedef struct {
	ing_state *st;
	const kube_ingress *ing;
} annotation_report;

static void report_annotation(void *ud, const char *key, const char *msg)
{
	const annotation_report *r = ud;
	ing_state *st = r->st;
	const kube_ingress *ing = r->ing;
	char path[128];
	annotation_path(path, sizeof path, key);
	kube_cycle_log(st->cy, ing, &ing->meta, LOG_ERROR, "Ingress", ing->meta.ns, path, "[ingress] %s", msg);
}

static bool validate(ing_state *st, const kube_ingress *ing)
{
	buf errs = BUF_INIT;
	bool collecting = kube_reporter_collects(st->cy->reporter);
	annotation_report r = { st, ing };
	bool ok = kube_ingress_validate(ing, &errs, collecting ? report_annotation : NULL, &r) == 0;
	if (!ok) {
		kube_report_skipped(st->cy->reporter, "Ingress");
		if (!collecting)
			kube_cycle_log(st->cy, ing, &ing->meta, LOG_ERROR, "Ingress", ing->meta.ns, NULL, "[ingress] %s", errs.ptr);
	}
	buf_free(&errs);
	return ok;
}

/* --- per-Ingress inputs (§7.1 step 2) -------------------------------------------------- */

/* Go strconv.Atoi on a redirect code; false if it is not a decimal integer. */
static bool parse_int(str s, long *out)
{
	if (s.len == 0 || s.len > 18)
		return false;
	char tmp[24];
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = 0;
	const char *p = tmp;
	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	*out = strtol(tmp, NULL, 10);
	return true;
}

static void read_redirect(ing_state *st, ing_ctx *c)
{
	const kube_ingress *ing = c->ing;
	const str *v = annotation(ing, ANN_REDIRECT);
	c->redirect_enable = v && str_eq_c(*v, "true");
	c->redirect_disable = v && str_eq_c(*v, "false");
	const char *needle = "Header(\"X-Forwarded-Proto\"";
	const str *pred = annotation(ing, ANN_PREDICATE), *routes = annotation(ing, ANN_ROUTES);
	c->redirect_ignore = (pred && memmem(pred->ptr, pred->len, needle, strlen(needle))) ||
			     (routes && memmem(routes->ptr, routes->len, needle, strlen(needle)));
	c->redirect_code = st->o->redirect_code;
	if ((v = annotation(ing, ANN_REDIRECT_CODE))) {
		long code;
		if (parse_int(*v, &code) && code >= 300 && code < 400)
			c->redirect_code = code;
		else
			ing_log_annotation(st, c, ANN_REDIRECT_CODE, LOG_ERROR, "invalid redirect code annotation: %.*s", SP(*v));
	}
}

static void read_filters_and_predicates(ing_state *st, ing_ctx *c)
{
	const str *rl = annotation(c->ing, ANN_RATELIMIT), *f = annotation(c->ing, ANN_FILTER);
	buf chain = BUF_INIT, err = BUF_INIT;
	if (rl)
		buf_append(&chain, rl->ptr, rl->len);
	if (f) {
		if (chain.len)
			buf_puts(&chain, " -> ");
		buf_append(&chain, f->ptr, f->len);
	}
	if ((rl || f) && eskip_parse_filters(st->a, chain.ptr ? chain.ptr : "", chain.len, &c->filters, &c->nfilters, &err) != 0) {
		/* the validation has parsed skipper-filter alone: with a ratelimit, that is the culprit */
		ing_log_annotation(st, c, rl ? ANN_RATELIMIT : ANN_FILTER, LOG_ERROR, "Cannot parse annotation filters: %s",
				   err.ptr ? err.ptr : "");
		c->filters = NULL;
		c->nfilters = 0;
	}
	buf_reset(&err);
	const str *p = annotation(c->ing, ANN_PREDICATE);
	c->has_predicates = p != NULL;
	if (p && eskip_parse_predicates(st->a, p->ptr, p->len, &c->predicates, &c->npredicates, &err) != 0) {
		ing_log_annotation(st, c, ANN_PREDICATE, LOG_ERROR, "Cannot parse annotation predicates: %s",
				   err.ptr ? err.ptr : "");
		c->predicates = NULL;
		c->npredicates = 0;
	}
	buf_free(&chain);
	buf_free(&err);
}

static void read_custom_routes(ing_state *st, ing_ctx *c)
{
	const str *v = annotation(c->ing, ANN_ROUTES);
	if (!v)
		return;
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	if (eskip_parse(t, v->ptr, v->len, &err, NULL) == 0 && t->n) {
		c->custom = arena_alloc(st->a, t->n * sizeof *c->custom);
		for (size_t i = 0; i < t->n; i++)
			route_deep_copy(st->a, &t->routes[i], &c->custom[i]);
		c->ncustom = t->n;
	}
	buf_free(&err);
	route_table_free(t);
}

/* backend-weights: a JSON object of service → number, decoded as Go's encoding/json does
 * into map[string]float64 (wrong-typed values count as 0; invalid JSON gives no weights). */
static void read_weights(ing_state *st, ing_ctx *c)
{
	kube_strmap_init(&c->weights, st->cy->arena);
	const str *v = annotation(c->ing, ANN_WEIGHTS);
	if (!v)
		return;
	jv doc = jv_parse_sized(v->ptr ? v->ptr : "", (int)v->len);
	if (!jv_is_valid(doc)) {
		jv msg = jv_invalid_get_msg(doc);
		ing_log_annotation(st, c, ANN_WEIGHTS, LOG_ERROR, "Error while parsing backend-weights annotation: %s",
			jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "invalid JSON");
		jv_free(msg);
		return;
	}
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		if (jv_get_kind(doc) != JV_KIND_NULL)
			ing_log_annotation(st, c, ANN_WEIGHTS, LOG_ERROR, "Error while parsing backend-weights annotation: %s",
				"json: cannot unmarshal into map[string]float64");
		jv_free(doc);
		return;
	}
	bool type_error = false;
	jv_object_foreach(doc, key, value) {
		double *w = arena_alloc(st->cy->arena, sizeof *w);
		if (jv_get_kind(value) == JV_KIND_NUMBER)
			*w = jv_number_value(value);
		else if (jv_get_kind(value) != JV_KIND_NULL)
			type_error = true;
		str k = { jv_string_value(key), (size_t)jv_string_length_bytes(jv_copy(key)) };
		kube_strmap_put(&c->weights, k, w);
		jv_free(key);
		jv_free(value);
	}
	if (type_error)
		ing_log_annotation(st, c, ANN_WEIGHTS, LOG_ERROR, "Error while parsing backend-weights annotation: %s",
			"json: cannot unmarshal into Go value of type float64");
	jv_free(doc);
}

static void read_path_mode(ing_state *st, ing_ctx *c)
{
	c->path_mode = st->o->path_mode;
	const str *v = annotation(c->ing, ANN_PATH_MODE);
	if (!v)
		return;
	if (str_eq_c(*v, "kubernetes-ingress"))
		c->path_mode = PATH_MODE_KUBERNETES_INGRESS;
	else if (str_eq_c(*v, "path-regexp"))
		c->path_mode = PATH_MODE_PATH_REGEXP;
	else if (str_eq_c(*v, "path-prefix"))
		c->path_mode = PATH_MODE_PATH_PREFIX;
	else
		ing_log_annotation(st, c, ANN_PATH_MODE, LOG_ERROR, "Failed to get path mode: invalid path mode string: %.*s",
				   SP(*v));
}

static void read_inputs(ing_state *st, ing_ctx *c)
{
	read_redirect(st, c);
	read_filters_and_predicates(st, c);
	const str *v = annotation(c->ing, ANN_BACKEND);
	c->forward = v && str_eq_c(*v, "forward") && st->o->forward_backend_url.len > 0;
	read_custom_routes(st, c);
	read_weights(st, c);
	read_path_mode(st, c);
	if ((v = annotation(c->ing, ANN_PROTOCOL))) {
		c->protocol_set = true;
		c->protocol = *v;
	}
	if ((v = annotation(c->ing, ANN_LB))) {
		c->lb_set = true;
		c->lb_algorithm = *v;
	}
	c->zone_opt_out = kube_zone_aware_disabled(&c->ing->meta);
}

/* --- conversion (§7.1) ------------------------------------------------------------------ */

static void convert_rule(ing_state *st, ing_ctx *c, const kube_ingress_rule *rule)
{
	if (!rule->has_http) {
		ing_log(st, c, LOG_INFO, "Skipping rule without http definition");
		return;
	}
	kube_traffic *traffic = calloc(rule->npaths ? rule->npaths : 1, sizeof *traffic);
	if (!traffic)
		abort();
	ing_rule_traffic(st, c, rule, traffic);
	for (size_t j = 0; j < rule->npaths; j++) {
		ing_custom_routes(st, c, rule->host, &rule->paths[j]);
		if (kube_traffic_allowed(&traffic[j]))
			ing_convert_path(st, c, rule->host, &rule->paths[j], &traffic[j]);
	}
	free(traffic);
}

static void convert_ingress(ing_state *st, const kube_ingress *ing)
{
	if (!ing->meta.present || !ing->has_spec || ing->meta.ns.len == 0 || ing->meta.name.len == 0) {
		kube_report_skipped(st->cy->reporter, "Ingress");
		kube_cycle_log(st->cy, ing, &ing->meta, LOG_ERROR, "Ingress", ing->meta.ns, NULL,
			"invalid ingress item: missing Metadata or Spec");
		return;
	}
	ing_ctx c = { .ing = ing, .ns = ing->meta.ns, .name = ing->meta.name };
	st->cy->object = ing;
	if (st->cy->reporter)
		c.origin = kube_reporter_origin(st->cy->reporter, "Ingress", &ing->meta);
	read_inputs(st, &c);
	ing_convert_default_backend(st, &c);
	for (size_t i = 0; i < ing->nrules; i++)
		convert_rule(st, &c, &ing->rules[i]);
}

void kube_compile_ingresses_cycle(kube_cycle *cy, route_table *out)
{
	const kube_cluster *cl = cy->cluster;
	ing_state st = { .cy = cy, .o = cy->opts, .a = out->arena, .out = out };
	kube_strmap_init(&st.buckets, cy->arena);

	const kube_ingress **list = malloc((cl->ningresses ? cl->ningresses : 1) * sizeof *list);
	if (!list)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < cl->ningresses; i++) {
		if (kube_ingress_class_matches(cy->opts, &cl->ingresses[i]))
			list[n++] = &cl->ingresses[i];
		else
			kube_report_class_skipped(cy, "Ingress", &cl->ingresses[i].meta);
	}
	qsort(list, n, sizeof *list, by_namespace_name);
	for (size_t i = 0; i < n; i++)
		if (validate(&st, list[i]))
			convert_ingress(&st, list[i]);
	free(list);
	cy->object = NULL;   /* the flush reads only the buckets the Ingresses reported */
	ing_flush(&st);
}

void kube_compile_ingresses(const kube_cluster *c, const kube_options *o, route_table *out)
{
	kube_cycle cy;
	kube_cycle_init(&cy, c, o, NULL);
	kube_compile_ingresses_cycle(&cy, out);
	kube_cycle_free(&cy);
}
