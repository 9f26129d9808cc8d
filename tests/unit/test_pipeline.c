/* The pipeline (pipeline.h): the selection rule (files selected client-side, API lists taken
 * as the API server selected them, decoded strictly), the served table (served form, ETags,
 * zone documents) and routesrv-compile's printing all come from one definition. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "pipeline/pipeline.h"
#include "test.h"

/* Two Ingresses, one labelled team=a, one team=b, with their Service and Endpoints (three
 * endpoints in zone z1, one in z2). */
static const char *const cluster_yaml =
	"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
	"metadata: {name: a, namespace: ns, labels: {team: a}}\n"
	"spec: {rules: [{host: a.example.org, http: {paths: [{path: /, pathType: Prefix,"
	" backend: {service: {name: svc, port: {number: 80}}}}]}}]}\n"
	"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"
	"metadata: {name: b, namespace: ns, labels: {team: b}}\n"
	"spec: {rules: [{host: b.example.org, http: {paths: [{path: /, pathType: Prefix,"
	" backend: {service: {name: svc, port: {number: 80}}}}]}}]}\n"
	"---\napiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: ns}\n"
	"spec: {clusterIP: 10.3.0.1, ports: [{name: http, port: 80, targetPort: 8080}]}\n"
	"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	"metadata: {name: svc-1, namespace: ns, labels: {kubernetes.io/service-name: svc}}\n"
	"addressType: IPv4\nports: [{name: http, port: 8080}]\n"
	"endpoints: [{addresses: [10.2.0.1], zone: z1}, {addresses: [10.2.0.2], zone: z1},"
	" {addresses: [10.2.0.3], zone: z1}, {addresses: [10.2.0.4], zone: z2}]\n";

typedef struct {
	kube_options ko;
	route_processing rp;
	pipeline_options po;
} setup;

static void setup_init(setup *s, const char *ingress_selector)
{
	kube_options_init(&s->ko);
	route_processing_init(&s->rp);
	s->ko.healthcheck = false;
	s->ko.https_redirect = false;
	s->ko.endpointslices = true;
	if (ingress_selector)
		s->ko.flag.ingresses_label_selector = ingress_selector;
	buf err = BUF_INIT;
	CHECK_INT(kube_options_finish(&s->ko, &err), 0);
	CHECK_INT(route_processing_finish(&s->rp, &err), 0);
	buf_free(&err);
	s->po = (pipeline_options){ .kube = &s->ko, .process = &s->rp };
}

static void setup_free(setup *s)
{
	route_processing_free(&s->rp);
	kube_options_free(&s->ko);
}

static bool has_host(const route_table *t, const char *host)
{
	buf out = BUF_INIT;
	served_form_print(&out, t);
	bool found = out.ptr && strstr(out.ptr, host);
	buf_free(&out);
	return found;
}

TEST(files_are_selected_client_side)
{
	setup s;
	setup_init(&s, "team=a");
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	CHECK_INT(pipeline_load_buffer(&s.po, cluster_yaml, strlen(cluster_yaml), "cluster.yaml", t, &err), 0);
	CHECK(has_host(t, "a[.]example[.]org"));
	CHECK(!has_host(t, "b[.]example[.]org"));
	route_table_free(t);
	buf_free(&err);
	setup_free(&s);
}

/* An API list response as the API server sends it (items without kind). */
static void add_page(kube_fetch_result *r, kube_list_id id, const char *kind, const char *body)
{
	kube_list *l = &r->lists[id];
	l->kind = kind;
	l->fetched = true;
	l->pages = calloc(1, sizeof *l->pages);
	l->urls = calloc(1, sizeof *l->urls);
	buf_puts(&l->pages[0], body);
	l->urls[0] = strdup("http://api/test");
	l->npages = 1;
}

/* What the API returned was selected by the API server: the pipeline does not filter it
 * again (a server that ignored the selector is not second-guessed), and decodes strictly. */
TEST(api_lists_are_not_selected_again_and_decode_strictly)
{
	setup s;
	setup_init(&s, "team=a");
	kube_fetch_result r = { 0 };
	add_page(&r, KUBE_LIST_INGRESSES, "Ingress",
		 "{\"kind\":\"IngressList\",\"items\":[{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\","
		 "\"labels\":{\"team\":\"b\"}},\"spec\":{\"rules\":[{\"host\":\"b.example.org\",\"http\":{\"paths\":"
		 "[{\"path\":\"/\",\"pathType\":\"Prefix\",\"backend\":{\"service\":{\"name\":\"svc\",\"port\":"
		 "{\"number\":80}}}}]}}]}}]}");
	add_page(&r, KUBE_LIST_SERVICES, "Service",
		 "{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":{\"name\":\"svc\",\"namespace\":\"ns\"},"
		 "\"spec\":{\"clusterIP\":\"10.3.0.1\",\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}]}}]}");
	add_page(&r, KUBE_LIST_ENDPOINTSLICES, "EndpointSlice",
		 "{\"kind\":\"EndpointSliceList\",\"items\":[{\"metadata\":{\"name\":\"svc-1\",\"namespace\":\"ns\","
		 "\"labels\":{\"kubernetes.io/service-name\":\"svc\"}},\"addressType\":\"IPv4\",\"ports\":"
		 "[{\"name\":\"http\",\"port\":8080}],\"endpoints\":[{\"addresses\":[\"10.2.0.1\"]}]}]}");
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	CHECK_INT(pipeline_load_fetched(&s.po, &r, t, &err), 0);   /* frees r */
	CHECK(has_host(t, "b[.]example[.]org"));
	route_table_free(t);

	/* A field of the wrong type fails an API load; the same object from a file is skipped. */
	const char *bad = "{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":{\"name\":\"x\"},\"spec\":{\"ports\":"
			  "[{\"port\":\"80\"}]}}]}";
	add_page(&r, KUBE_LIST_SERVICES, "Service", bad);
	t = route_table_new();
	buf_reset(&err);
	CHECK_INT(pipeline_load_fetched(&s.po, &r, t, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "failed to load cluster state: "));
	CHECK_INT(r.lists[KUBE_LIST_SERVICES].npages, 0);   /* consumed on failure too */
	buf_reset(&err);
	CHECK_INT(pipeline_load_buffer(&s.po, bad, strlen(bad), "services.json", t, &err), 0);
	route_table_free(t);
	buf_free(&err);
	setup_free(&s);
}

/* The served table is the one printer's bytes, its tags are those of the bytes, and each
 * zone's document is what routesrv-compile -zone prints. */
TEST(served_table_form_etags_and_zones)
{
	setup s;
	setup_init(&s, NULL);
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	CHECK_INT(pipeline_load_buffer(&s.po, cluster_yaml, strlen(cluster_yaml), "cluster.yaml", t, &err), 0);
	CHECK_INT(pipeline_process(&s.po, t), 0);
	pipeline_served served;
	pipeline_serve(t, &served);
	buf plain = BUF_INIT;
	pipeline_print(&plain, t, PIPELINE_PRINT_SERVED, NULL);
	CHECK_INT(served.full.doc.len, plain.len);
	CHECK(plain.len && memcmp(plain.ptr, served.full.doc.ptr, plain.len) == 0);
	char tag[ETAG_MAX], gz[ETAG_MAX];
	etag_of(plain.ptr, plain.len, false, tag);
	etag_of(plain.ptr, plain.len, true, gz);
	CHECK_STR(served.etag, tag);
	CHECK_STR(served.etag_gzip, gz);
	CHECK_INT(served.count, t->n);

	CHECK(served.zones == NULL);
	pipeline_serve_zones(t, &served, ZONE_DEFAULT_MAX_ZONES);
	CHECK(served.zones != NULL);
	CHECK_INT(served.zones ? served.zones->n : 0, 2);
	for (size_t i = 0; served.zones && i < served.zones->n; i++) {
		const zone_doc *z = &served.zones->v[i];
		buf printed = BUF_INIT;
		pipeline_print(&printed, t, PIPELINE_PRINT_SERVED, z->zone.ptr);
		buf want = BUF_INIT;
		if (z->nshortened)
			zone_doc_write(&want, z, ZONE_PLAIN, served.full.doc.ptr);
		else
			buf_append(&want, served.full.doc.ptr, served.full.doc.len);
		CHECK_INT(printed.len, want.len);
		CHECK(printed.len == want.len && memcmp(printed.ptr, want.ptr, want.len) == 0);
		buf_free(&want);
		if (strcmp(z->zone.ptr, "z1") == 0) {
			CHECK(z->nfiltered > 0);
			CHECK(!strstr(printed.ptr, "10.2.0.4"));
		}
		buf_free(&printed);
	}
	pipeline_served_free(&served);
	buf_free(&plain);
	route_table_free(t);
	buf_free(&err);
	setup_free(&s);
}

int main(void)
{
	log_setup(false, LOG_ERROR);
	RUN(files_are_selected_client_side);
	RUN(api_lists_are_not_selected_again_and_decode_strictly);
	RUN(served_table_form_etags_and_zones);
	return TEST_SUMMARY();
}
