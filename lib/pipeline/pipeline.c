/* pipeline.c: routesrv's pipeline, defined once (see pipeline.h). */
#include "pipeline/pipeline.h"

#include <jv.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

#include "eskip/eskip.h"
#include "eskip/input_eskip.h"
#include "objects/kube_selector.h"
#include "objects/kube_store.h"
#include "routes/kube_compile.h"
#include "routes/kube_lint.h"

/* --- load ---------------------------------------------------------------------------------- */

void pipeline_fetch_request(const pipeline_options *o, kube_fetch_request *req)
{
	const kube_options *k = o->kube;
	*req = (kube_fetch_request){
		.ingresses = k->flag.ingresses_label_selector,
		.routegroups = k->flag.routegroups_label_selector,
		.services = k->flag.services_label_selector,
		.endpoints = k->flag.endpoints_label_selector,
		.endpointslices = k->flag.endpointslices_label_selector,
		.endpointslices_enabled = k->endpointslices,
	};
}

int pipeline_fetch(const pipeline_options *o, kube_client *api, kube_fetch_result *out, buf *err)
{
	kube_fetch_request req;
	pipeline_fetch_request(o, &req);
	return kube_fetch(api, &req, out, err);
}

void pipeline_compile_cluster(const pipeline_options *o, const kube_cluster *c, route_table *out,
			      const kube_observer *obs, bool global_routes)
{
	kube_compile_observed(c, o->kube, o->reporter, out, obs, global_routes);
}

/* Every load ends here: a decoded, selected cluster becomes routes, then the hook sees it. */
static void compile_cluster(const pipeline_options *o, const kube_cluster *c, route_table *out)
{
	pipeline_compile_cluster(o, c, out, NULL, true);
	if (o->on_cluster)
		o->on_cluster(o->on_cluster_ctx, c);
}

/* How many objects of each counted kind c holds. */
static void counts(const kube_cluster *c, size_t n[KUBE_NCOUNTS])
{
	n[KUBE_COUNT_INGRESS] = c->ningresses;
	n[KUBE_COUNT_ROUTEGROUP] = c->nroutegroups;
	n[KUBE_COUNT_SERVICE] = c->nservices;
	n[KUBE_COUNT_ENDPOINTS] = c->nendpoints;
	n[KUBE_COUNT_SLICE] = c->nslices;
}

/* One INFO line: how many objects of each kind were read, used and skipped. */
static void log_counts(const kube_reporter *rep, const size_t read[KUBE_NCOUNTS])
{
	if (!log_enabled(LOG_INFO))
		return;
	buf msg = BUF_INIT;
	size_t total = 0;
	for (int k = 0; k < KUBE_NCOUNTS; k++)
		total += read[k];
	buf_printf(&msg, "Read %zu object%s", total, total == 1 ? "" : "s");
	const char *sep = ": ";
	for (int k = 0; k < KUBE_NCOUNTS; k++) {
		if (!read[k])
			continue;
		size_t skipped = rep->skipped[k] < read[k] ? rep->skipped[k] : read[k];
		buf_printf(&msg, "%s%s %zu (%zu used, %zu skipped)", sep, kube_count_kind_name((kube_count_kind)k), read[k],
			   read[k] - skipped, skipped);
		sep = ", ";
	}
	char class_skipped[32];
	snprintf(class_skipped, sizeof class_skipped, "%zu", rep->class_skipped);
	log_kv(LOG_INFO, msg.ptr, "other_class", class_skipped, NULL);
	buf_free(&msg);
}

/* The client-side half of the selection rule: objects that did not come from the API
 * server, which applies the selectors itself. EndpointSlices given without
 * -enable-kubernetes-endpointslices are not used: said once. */
static void select_and_compile(const pipeline_options *o, kube_cluster *c, route_table *out)
{
	kube_reporter *rep = o->reporter;
	size_t read[KUBE_NCOUNTS], kept[KUBE_NCOUNTS];
	counts(c, read);
	for (int k = 0; rep && k < KUBE_NCOUNTS; k++)
		read[k] += rep->skipped[k];   /* the decoder's rejects were read too */
	if (c->nslices && !o->kube->endpointslices) {
		char n[32];
		snprintf(n, sizeof n, "%zu", c->nslices);
		log_kv(LOG_WARN, "EndpointSlices ignored: -enable-kubernetes-endpointslices is not set (Endpoints are used)",
		       "count", n, NULL);
		if (rep)
			rep->skipped[KUBE_COUNT_SLICE] += c->nslices;
	}
	kube_fetch_request req;
	pipeline_fetch_request(o, &req);
	size_t before[KUBE_NCOUNTS];
	counts(c, before);
	kube_cluster_select(c, &req);
	counts(c, kept);
	for (int k = 0; rep && k < KUBE_NCOUNTS; k++)
		if (k != KUBE_COUNT_SLICE || o->kube->endpointslices)
			rep->skipped[k] += before[k] - kept[k];
	if (rep)
		rep->services_given = c->nservices > 0;
	compile_cluster(o, c, out);
	if (rep && !rep->collect)
		log_counts(rep, read);
}

/* Fetched lists decoded strictly (a poll's) or as the incremental compile decodes objects. */
/* consume: the pages are freed once decoded, before the compile (a poll's peak memory). */
static int load_lists(const pipeline_options *o, kube_fetch_result *fetched, bool strict, bool consume, route_table *out,
		      buf *err)
{
	kube_cluster *c = kube_cluster_new();
	kube_read_options lenient = o->read;
	lenient.strict = false;
	int rc = strict ? kube_read_fetched(c, fetched, &o->read, err) : kube_read_lists(c, fetched, &lenient, err);
	if (consume)
		kube_fetch_result_free(fetched);   /* the objects own copies of what they use */
	if (rc == 0)
		compile_cluster(o, c, out);   /* selected by the API server */
	kube_cluster_free(c);
	return rc;
}

int pipeline_load_fetched(const pipeline_options *o, kube_fetch_result *fetched, route_table *out, buf *err)
{
	return load_lists(o, fetched, true, true, out, err);
}

int pipeline_load_relisted(const pipeline_options *o, kube_fetch_result *listed, route_table *out, buf *err)
{
	return load_lists(o, listed, false, false, out, err);
}

/* The store's objects of one type become one API list page, decoded as a poll decodes its
 * lists (strict): one page per type keeps the transient copy to the largest type. */
typedef struct {
	buf page;
	bool first;
} store_page;

static int add_stored(void *ctx, kube_list_id id, const kube_store_object *o)
{
	(void)id;
	store_page *p = ctx;
	if (!p->first)
		buf_putc(&p->page, ',');
	p->first = false;
	buf_append(&p->page, o->text, o->len);
	return 0;
}

int pipeline_load_store(const pipeline_options *o, const kube_store *store, route_table *out, buf *err)
{
	kube_cluster *c = kube_cluster_new();
	kube_read_options strict = o->read;
	strict.strict = true;
	int rc = 0;
	for (int id = 0; id < KUBE_NLISTS && rc == 0; id++) {
		if (!kube_store_count(store, (kube_list_id)id))
			continue;
		const char *kind = kube_list_kind((kube_list_id)id);
		store_page p = { BUF_INIT, true };
		buf_printf(&p.page, "{\"kind\":\"%sList\",\"items\":[", kind);
		kube_store_each(store, (kube_list_id)id, add_stored, &p);
		buf_puts(&p.page, "]}");
		char source[64];
		snprintf(source, sizeof source, "watched %ss", kind);
		buf e = BUF_INIT;
		rc = kube_read_buffer(c, p.page.ptr, p.page.len, source, kind, &strict, &e);
		if (rc != 0)
			buf_printf(err, KUBE_LOAD_ERROR "%s", e.ptr ? e.ptr : source);
		buf_free(&e);
		buf_free(&p.page);
	}
	c->routegroups_known = kube_store_routegroups_known(store);
	if (rc == 0)
		compile_cluster(o, c, out);   /* selected by the API server, as a poll's lists */
	kube_cluster_free(c);
	return rc;
}

int pipeline_load_files(const pipeline_options *o, const char *const *paths, size_t npaths, route_table *out,
			buf *err)
{
	kube_read_options files = o->read;
	files.strict = false;
	files.reporter = o->reporter;
	kube_cluster *c = kube_cluster_new();
	int rc = 0;
	for (size_t i = 0; i < npaths && rc == 0; i++)
		rc = kube_read_path(c, paths[i], &files, err);
	if (rc == 0)
		select_and_compile(o, c, out);
	kube_cluster_free(c);
	return rc;
}

int pipeline_decode_buffer(const pipeline_options *o, const char *data, size_t len, const char *name,
			   kube_cluster *c, buf *err)
{
	kube_read_options files = o->read;
	files.strict = false;
	files.reporter = o->reporter;
	if (kube_read_buffer(c, data, len, name, NULL, &files, err) != 0)
		return -1;
	kube_fetch_request req;
	pipeline_fetch_request(o, &req);
	kube_cluster_select(c, &req);
	return 0;
}

int pipeline_load_buffer(const pipeline_options *o, const char *data, size_t len, const char *name, route_table *out,
			 buf *err)
{
	kube_read_options files = o->read;
	files.strict = false;
	files.reporter = o->reporter;
	kube_cluster *c = kube_cluster_new();
	int rc = kube_read_buffer(c, data, len, name, NULL, &files, err);
	if (rc == 0)
		select_and_compile(o, c, out);   /* selected, counted, compiled */
	kube_cluster_free(c);
	return rc;
}

int pipeline_load_eskip(const char *const *paths, size_t npaths, route_table *out, buf *err)
{
	for (size_t i = 0; i < npaths; i++)
		if (input_read_eskip(out, paths[i], NULL, err) != 0)
			return -1;
	return 0;
}

/* --- process ------------------------------------------------------------------------------- */

size_t pipeline_process(const pipeline_options *o, route_table *t)
{
	return route_process(t, o->process);
}

route_table *pipeline_compile_files(const pipeline_options *o, const char *const *paths, size_t npaths, buf *err)
{
	route_table *t = route_table_new();
	if (pipeline_load_files(o, paths, npaths, t, err) != 0) {
		route_table_free(t);
		return NULL;
	}
	pipeline_process(o, t);
	return t;
}

/* --- check -------------------------------------------------------------------------------- */

/* A route_drop_fn: an unparsable route is an error of the object it came from. */
static void report_dropped(const route *r, const char *err, void *ctx)
{
	kube_reporter *rep = ctx;
	const struct kube_origin *o = kube_reporter_origin_get(rep, r->origin);
	if (o)
		kube_reportf(rep, LOG_ERROR, KUBE_DROP, o->kind, &o->meta, o->meta.ns, NULL,
			     "Dropping route that skipper could not parse: route %.*s: %s", (int)r->id.len, r->id.ptr, err);
}

/* An on_cluster hook: the objects' own checks, on the cluster the load compiled. */
static void lint_objects(void *rep, const kube_cluster *c)
{
	kube_lint_objects(c, rep);
}

/* The input of a check: files, or a buffer. */
typedef struct {
	bool files;
	const char *const *paths;
	size_t npaths;
	const char *data, *name;
	size_t len;
} check_input;

static int check(const pipeline_options *o, const check_input *in, kube_reporter *rep, buf *err)
{
	pipeline_options po = *o;
	po.reporter = rep;
	po.on_cluster = lint_objects;
	po.on_cluster_ctx = rep;
	route_table *t = route_table_new();
	int rc = in->files ? pipeline_load_files(&po, in->paths, in->npaths, t, err)
			   : pipeline_load_buffer(&po, in->data, in->len, in->name, t, err);
	if (rc == 0) {
		route_process_report(t, o->process, report_dropped, rep);
		kube_lint_routes(t, rep);
		kube_problems_sort(rep);
	}
	route_table_free(t);
	return rc;
}

int pipeline_check(const pipeline_options *o, const char *const *paths, size_t npaths, kube_reporter *rep, buf *err)
{
	check_input in = { true, paths, npaths, NULL, NULL, 0 };
	return check(o, &in, rep, err);
}

int pipeline_check_buffer(const pipeline_options *o, const char *data, size_t len, const char *name, kube_reporter *rep,
			  buf *err)
{
	check_input in = { false, NULL, 0, data, name, len };
	return check(o, &in, rep, err);
}

int pipeline_admit(const pipeline_options *o, const char *json, size_t len, bool skipper_exact, buf *msg)
{
	kube_cluster *c = kube_cluster_new();
	kube_read_options strict = { .strict = true };
	buf err = BUF_INIT;
	int rc = 0;
	if (kube_read_buffer(c, json, len, "object", NULL, &strict, &err) != 0) {
		buf_append(msg, err.ptr, err.len);
		rc = -1;
	} else if (kube_validate_objects(c, msg) != 0) {
		rc = 1;
	} else if (!skipper_exact) {
		kube_reporter rep;
		kube_reporter_init(&rep, true);
		route_table *t = route_table_new();
		kube_compile_report(c, o->kube, &rep, t);
		route_process_report(t, o->process, report_dropped, &rep);
		for (size_t i = 0; i < rep.nproblems; i++) {
			const kube_problem *p = &rep.problems[i];
			if (p->severity != KUBE_PROBLEM_ERROR)
				continue;
			buf_printf(msg, "%s%.*s", msg->len ? "\n" : "", (int)p->message.len, p->message.ptr);
			rc = 1;
		}
		route_table_free(t);
		kube_reporter_free(&rep);
	}
	buf_free(&err);
	kube_cluster_free(c);
	return rc;
}

static jv jv_str(str s)
{
	return jv_string_sized(s.ptr ? s.ptr : "", (int)s.len);
}

void pipeline_check_print(buf *out, const kube_reporter *rep, bool json)
{
	for (size_t i = 0; i < rep->nproblems; i++) {
		const kube_problem *p = &rep->problems[i];
		const char *file = *p->file ? p->file : "(api)";
		bool warning = p->severity == KUBE_PROBLEM_WARNING;
		if (!json) {
			buf_printf(out, "%s:%zu: %s %.*s/%.*s: %s%.*s\n", file, p->line, p->kind, (int)p->ns.len, p->ns.ptr,
				   (int)p->name.len, p->name.ptr, warning ? "warning: " : "", (int)p->message.len,
				   p->message.ptr);
			continue;
		}
		jv o = jv_object();
		o = jv_object_set(o, jv_string("file"), jv_string(file));
		o = jv_object_set(o, jv_string("line"), jv_number((double)p->line));
		o = jv_object_set(o, jv_string("kind"), jv_string(p->kind));
		o = jv_object_set(o, jv_string("namespace"), jv_str(p->ns));
		o = jv_object_set(o, jv_string("name"), jv_str(p->name));
		o = jv_object_set(o, jv_string("severity"), jv_string(warning ? "warning" : "error"));
		o = jv_object_set(o, jv_string("message"), jv_str(p->message));
		if (p->path.len)
			o = jv_object_set(o, jv_string("path"), jv_str(p->path));
		jv s = jv_dump_string(o, 0);
		buf_puts(out, jv_string_value(s));
		buf_putc(out, '\n');
		jv_free(s);
	}
}

/* --- serve --------------------------------------------------------------------------------- */

void pipeline_serve(const route_table *t, pipeline_served *s)
{
	memset(s, 0, sizeof *s);
	s->full.doc = (buf)BUF_INIT;
	served_doc_print(&s->full, t);
	etag_pair(s->full.doc.ptr ? s->full.doc.ptr : "", s->full.doc.len, s->etag, s->etag_gzip);
	s->count = t->n;
}

void pipeline_serve_zones(const route_table *t, pipeline_served *s, size_t max_zones)
{
	if (!s->zones)
		s->zones = zone_docs_build(t, &s->full, max_zones);
}

void pipeline_served_free(pipeline_served *s)
{
	served_doc_free(&s->full);
	zone_docs_free(s->zones);
	s->zones = NULL;
}

void pipeline_print(buf *out, const route_table *t, pipeline_print_format f, const char *zone)
{
	if (f == PIPELINE_PRINT_SERVED) {
		if (!zone) {
			served_form_print(out, t);
			return;
		}
		/* the zone's document made from the full one, as routesrv-serve makes it */
		served_doc full = { .doc = BUF_INIT };
		served_doc_print(&full, t);
		zone_doc_print(out, t, &full, str_c(zone));
		served_doc_free(&full);
		return;
	}
	route_table *zoned = zone ? zone_table_build(t, str_c(zone), NULL) : NULL;
	const route_table *p = zoned ? zoned : t;
	if (f == PIPELINE_PRINT_JSON) {
		eskip_print_json(out, p->routes, p->n);
		buf_putc(out, '\n');
	} else {
		eskip_print_opts po = { .pretty = true };
		eskip_print_routes(out, p->routes, p->n, &po);
		if (p->n)
			buf_putc(out, '\n');
	}
	route_table_free(zoned);
}
