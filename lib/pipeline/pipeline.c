/* pipeline.c: routesrv's pipeline, defined once (see pipeline.h). */
#include "pipeline/pipeline.h"

#include <string.h>

#include "eskip/eskip.h"
#include "eskip/input_eskip.h"
#include "objects/kube_selector.h"
#include "routes/kube_compile.h"

/* --- load ---------------------------------------------------------------------------------- */

/* The selection rule's request: the conversion flags' label selectors and endpoint kind. */
static void fetch_request(const pipeline_options *o, kube_fetch_request *req)
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
	fetch_request(o, &req);
	return kube_fetch(api, &req, out, err);
}

void pipeline_compile_cluster(const pipeline_options *o, const kube_cluster *c, route_table *out,
			      const kube_observer *obs, bool global_routes)
{
	kube_compile_observed(c, o->kube, out, obs, global_routes);
}

/* Every load ends here: a decoded, selected cluster becomes routes, then the hook sees it. */
static void compile_cluster(const pipeline_options *o, const kube_cluster *c, route_table *out)
{
	pipeline_compile_cluster(o, c, out, NULL, true);
	if (o->on_cluster)
		o->on_cluster(o->on_cluster_ctx, c);
}

/* The client-side half of the selection rule: objects that did not come from the API
 * server, which applies the selectors itself. */
static void select_and_compile(const pipeline_options *o, kube_cluster *c, route_table *out)
{
	kube_fetch_request req;
	fetch_request(o, &req);
	kube_cluster_select(c, &req);
	compile_cluster(o, c, out);
}

int pipeline_load_fetched(const pipeline_options *o, kube_fetch_result *fetched, route_table *out, buf *err)
{
	kube_cluster *c = kube_cluster_new();
	int rc = kube_read_fetched(c, fetched, &o->read, err);
	kube_fetch_result_free(fetched);   /* the objects own copies of what they use */
	if (rc == 0)
		compile_cluster(o, c, out);   /* selected by the API server */
	kube_cluster_free(c);
	return rc;
}

int pipeline_load_files(const pipeline_options *o, const char *const *paths, size_t npaths, route_table *out,
			buf *err)
{
	kube_read_options files = o->read;
	files.strict = false;
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
	if (kube_read_buffer(c, data, len, name, NULL, &files, err) != 0)
		return -1;
	kube_fetch_request req;
	fetch_request(o, &req);
	kube_cluster_select(c, &req);
	return 0;
}

int pipeline_load_buffer(const pipeline_options *o, const char *data, size_t len, const char *name, route_table *out,
			 buf *err)
{
	kube_cluster *c = kube_cluster_new();
	int rc = pipeline_decode_buffer(o, data, len, name, c, err);
	if (rc == 0)
		compile_cluster(o, c, out);
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

/* --- serve --------------------------------------------------------------------------------- */

void pipeline_serve(const route_table *t, pipeline_served *s)
{
	memset(s, 0, sizeof *s);
	s->full.doc = (buf)BUF_INIT;
	served_doc_print(&s->full, t);
	etag_pair(s->full.doc.ptr ? s->full.doc.ptr : "", s->full.doc.len, s->etag, s->etag_gzip);
	s->count = t->n;
}

void pipeline_serve_zones(const route_table *t, pipeline_served *s)
{
	if (!s->zones)
		s->zones = zone_docs_build(t, &s->full);
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
