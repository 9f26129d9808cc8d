/* Unit tests for the Kubernetes object reader (kube_read.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "objects/kube_read.h"
#include "base/log.h"
#include "test.h"

static kube_read_options read_opts;   /* .strict as the test sets it */

static kube_cluster *read_text(const char *text, const char *list_kind, int *rc, buf *err)
{
	kube_cluster *c = kube_cluster_new();
	buf_reset(err);
	*rc = kube_read_buffer(c, text, strlen(text), "in.json", list_kind, &read_opts, err);
	return c;
}

static const char *S(str s) { return s.ptr ? s.ptr : ""; }

TEST(json_single_ingress)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text(
		"{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\","
		"\"metadata\":{\"namespace\":\"foo\",\"name\":\"bar\",\"annotations\":{\"a\":\"1\"},\"labels\":{\"app\":\"x\"}},"
		"\"spec\":{\"ingressClassName\":\"skipper\",\"defaultBackend\":{\"service\":{\"name\":\"d\",\"port\":{\"number\":81}}},"
		"\"rules\":[{\"host\":\"h.example.org\",\"http\":{\"paths\":[{\"path\":\"/a\",\"pathType\":\"Prefix\","
		"\"backend\":{\"service\":{\"name\":\"svc\",\"port\":{\"name\":\"http\"}}}}]}},{\"host\":\"no-http\"}],"
		"\"tls\":[{\"hosts\":[\"h.example.org\"],\"secretName\":\"s\"}]}}",
		NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->ningresses, 1);
	if (c->ningresses == 1) {
		kube_ingress *i = &c->ingresses[0];
		CHECK(i->meta.present && i->has_spec);
		CHECK_STR(S(i->meta.ns), "foo");
		CHECK_STR(S(i->meta.name), "bar");
		CHECK_STR(S(*kube_map_get(&i->meta.annotations, "a")), "1");
		CHECK(kube_map_get(&i->meta.annotations, "b") == NULL);
		CHECK_STR(S(*kube_map_get(&i->meta.labels, "app")), "x");
		CHECK_STR(S(i->ingress_class_name), "skipper");
		CHECK(i->default_backend.present);
		CHECK_STR(S(i->default_backend.service), "d");
		CHECK_INT(i->default_backend.port_number, 81);
		CHECK_INT(i->nrules, 2);
		CHECK(i->rules[0].has_http && !i->rules[1].has_http);
		CHECK_INT(i->rules[0].npaths, 1);
		CHECK_STR(S(i->rules[0].paths[0].path_type), "Prefix");
		CHECK(i->rules[0].paths[0].has_backend);
		CHECK_STR(S(i->rules[0].paths[0].backend.port_name), "http");
		CHECK_INT(i->rules[0].paths[0].backend.port_number, 0);
		CHECK_INT(i->ntls, 1);
		CHECK_STR(S(i->tls[0].hosts[0]), "h.example.org");
	}
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(json_list_and_unknown_kinds)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text(
		"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"10.0.0.1\","
		"\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080},{\"port\":81,\"targetPort\":\"web\"},{\"port\":82}]}},"
		"{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"ignored\"}},"
		"{\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"a\"},\"subsets\":[{\"addresses\":[{\"ip\":\"10.2.0.1\"},{\"ip\":\"10.2.0.2\"}],"
		"\"ports\":[{\"name\":\"http\",\"port\":8080}]}]}"
		"],\"metadata\":{}}",
		NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nservices, 1);
	CHECK_INT(c->nendpoints, 1);
	CHECK_INT(c->ningresses + c->nroutegroups + c->nslices, 0);
	if (c->nservices == 1) {
		kube_service *s = &c->services[0];
		CHECK_INT(s->nports, 3);
		CHECK(s->ports[0].has_target_port && !s->ports[0].target_port_is_name);
		CHECK_INT(s->ports[0].target_port, 8080);
		CHECK(s->ports[1].has_target_port && s->ports[1].target_port_is_name);
		CHECK_STR(S(s->ports[1].target_port_name), "web");
		CHECK(!s->ports[2].has_target_port);
		CHECK_STR(S(s->cluster_ip), "10.0.0.1");
	}
	if (c->nendpoints == 1) {
		CHECK_INT(c->endpoints[0].nsubsets, 1);
		CHECK_INT(c->endpoints[0].subsets[0].naddresses, 2);
		CHECK_STR(S(c->endpoints[0].subsets[0].addresses[1]), "10.2.0.2");
		CHECK_INT(c->endpoints[0].subsets[0].ports[0].port, 8080);
	}
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(typed_list_items_without_kind)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text("{\"kind\":\"EndpointSliceList\",\"items\":[{\"metadata\":{\"name\":\"s1\",\"labels\":"
				    "{\"kubernetes.io/service-name\":\"svc\"}},\"ports\":[{\"port\":80,\"appProtocol\":\"h2c\"}],"
				    "\"endpoints\":[{\"addresses\":[\"10.0.0.1\"],\"zone\":\"z1\",\"conditions\":{\"ready\":false,"
				    "\"terminating\":true}},{\"addresses\":[\"10.0.0.2\"]}]},"
				    "{\"metadata\":{\"name\":\"s2\"},\"ports\":null}]}",
				    NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nslices, 2);
	if (c->nslices == 2) {
		kube_endpointslice *s = &c->slices[0];
		CHECK_STR(S(s->service_name), "svc");
		CHECK(s->has_ports);
		CHECK_STR(S(s->ports[0].app_protocol), "h2c");
		CHECK_INT(s->nendpoints, 2);
		CHECK(s->endpoints[0].has_conditions && s->endpoints[0].ready_set && !s->endpoints[0].ready);
		CHECK(s->endpoints[0].terminating);
		CHECK_STR(S(s->endpoints[0].zone), "z1");
		CHECK(!s->endpoints[1].has_conditions && !s->endpoints[1].ready_set);
		CHECK(!c->slices[1].has_ports);
	}
	kube_cluster_free(c);
	/* An API response: its items carry no kind, the caller names it. */
	c = read_text("{\"kind\":\"IngressList\",\"items\":[{\"metadata\":{\"name\":\"i\"},\"spec\":{}}]}", "Ingress", &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->ningresses, 1);
	kube_cluster_free(c);
	buf_free(&err);
}

/* An API answer that is not JSON (garbage, an HTML error page, nothing) fails the read: read
 * as YAML it would be an empty list and drop every object of that kind from the table. */
TEST(api_response_must_be_json)
{
	buf err = BUF_INIT;
	int rc;
	const char *bodies[] = { "garbage", "<html>502 Bad Gateway</html>", "", "items: []" };
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		kube_cluster *c = read_text(bodies[i], "Ingress", &rc, &err);
		CHECK_INT(rc, -1);
		CHECK(err.ptr && strstr(err.ptr, "in.json") && strstr(err.ptr, "invalid JSON"));
		kube_cluster_free(c);
	}
	buf_free(&err);
}

/* Issue 11: a 200 answer that is not a well-formed list of the requested kind is an error,
 * never an empty list (that would delete every route of the kind). */
TEST(api_response_must_be_a_list_of_the_kind)
{
	buf err = BUF_INIT;
	int rc;
	static const struct {
		const char *body, *want;
	} bad[] = {
		{ "{}", "in.json: the response is not an IngressList (no kind)" },
		{ "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"etcd\",\"code\":500}",
		  "in.json: the response is not an IngressList (kind \"Status\")" },
		{ "{\"kind\":\"IngressList\",\"metadata\":{},\"items\":null}", "in.json: the IngressList has no items array (missing or null)" },
		{ "{\"kind\":\"IngressList\",\"metadata\":{}}", "in.json: the IngressList has no items array (missing or null)" },
		{ "{\"kind\":\"ServiceList\",\"items\":[]}", "in.json: the response is not an IngressList (kind \"ServiceList\")" },
		{ "{\"items\":[{\"metadata\":{\"name\":\"i\"},\"spec\":{}}]}", "in.json: the response is not an IngressList (no kind)" },
		{ "[]", "in.json: the response is not a JSON object" },
		{ "{\"kind\":\"IngressList\",\"items\":[]} {\"kind\":\"IngressList\",\"items\":[]}", "in.json: unexpected data after the list" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		kube_cluster *c = read_text(bad[i].body, "Ingress", &rc, &err);
		CHECK_INT(rc, -1);
		CHECK_STR(err.ptr, bad[i].want);
		kube_cluster_free(c);
	}
	kube_cluster *c = read_text("{\"kind\":\"IngressList\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}", "Ingress", &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->ningresses, 0);
	kube_cluster_free(c);
	/* files are not API pages, but must hold Kubernetes objects (issue 17) */
	c = read_text("{}", NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK_STR(err.ptr, "in.json:1: not a Kubernetes object: an empty object ({})");
	kube_cluster_free(c);
	buf_free(&err);
}

/* Issue 17: input that holds no Kubernetes object, or something that is not one, is an
 * error naming the file, the line and what was found; a well-formed empty List is fine. */
TEST(files_must_hold_kubernetes_objects)
{
	buf err = BUF_INIT;
	int rc;
	static const struct {
		const char *body, *want;
	} bad[] = {
		{ "", "in.json: holds no Kubernetes object (empty)" },
		{ "# nothing\n\n", "in.json: holds no Kubernetes object (only blanks or comments)" },
		{ "hello: world\n", "in.json:1: not a Kubernetes object: no \"kind\" (keys: hello)" },
		{ "root:x:0:0:root:/root:/bin/bash\n", "in.json:1: not a Kubernetes object: a text (a string), not a mapping" },
		{ "[{\"kind\":\"Ingress\"}]", "in.json:1: not a Kubernetes object: a JSON array (jq -s output? wrap the objects "
						"in a List: {\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[...]})" },
		{ "{\"items\":[]}", "in.json:1: not a Kubernetes object: an \"items\" array without a List kind" },
		{ "{\"kind\":\"List\",\"items\":[\n{\"kind\":\"Service\"},\n{\"metadata\":{}}]}",
		  "in.json:3: not a Kubernetes object: no \"kind\" (keys: metadata)" },
		{ "kind: List\nitems:\n- kind: Service\n- 42\n", "in.json:4: not a Kubernetes object: a number" },
		{ "kind: Service\n---\nr1: Path(\"/\") -> <shunt>\n", "in.json:3: not a Kubernetes object: no \"kind\" (keys: r1)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		kube_cluster *c = read_text(bad[i].body, NULL, &rc, &err);
		CHECK_INT(rc, -1);
		CHECK_STR(err.ptr, bad[i].want);
		kube_cluster_free(c);
	}
	static const char *const good[] = {
		"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[]}",
		"apiVersion: v1\nkind: List\nitems: []\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		kube_cluster *c = read_text(good[i], NULL, &rc, &err);
		CHECK_INT(rc, 0);
		kube_cluster_free(c);
	}
	buf_free(&err);
}

/* Every object knows the file and the line of its document or list item. */
TEST(objects_know_file_and_line)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text("# a comment\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n"
				    "kind: List\nitems:\n- kind: Service\n  metadata: {name: b}\n-\n  kind: Service\n"
				    "  metadata: {name: c}\n", NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nservices, 3);
	if (c->nservices == 3) {
		CHECK_STR(c->services[0].meta.source, "in.json");
		CHECK_INT(c->services[0].meta.line, 3);
		CHECK_INT(c->services[1].meta.line, 9);
		CHECK_INT(c->services[2].meta.line, 12);
	}
	kube_cluster_free(c);
	c = read_text("{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"}}\n\n{\"kind\":\"List\",\"items\":[\n"
		      "{\"kind\":\"Service\",\"metadata\":{\"name\":\"b\"}},\n\n{\"kind\":\"Service\"}]}", NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nservices, 3);
	if (c->nservices == 3) {
		CHECK_INT(c->services[0].meta.line, 1);
		CHECK_INT(c->services[1].meta.line, 4);
		CHECK_INT(c->services[2].meta.line, 6);
	}
	kube_cluster_free(c);
	/* API pages are no files: no provenance */
	c = read_text("{\"kind\":\"IngressList\",\"items\":[{\"metadata\":{\"name\":\"i\"}}]}", "Ingress", &rc, &err);
	CHECK_INT(rc, 0);
	if (c->ningresses == 1)
		CHECK(c->ingresses[0].meta.source == NULL);
	kube_cluster_free(c);
	buf_free(&err);
}

/* Issue 11: a raw NUL (or any control byte) inside a JSON string is invalid JSON that jq
 * accepts; it must fail the read naming the object, not reach the table. */
TEST(raw_control_characters_in_strings)
{
	buf err = BUF_INIT;
	int rc;
	static const char body[] = "{\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Service\","
				   "\"metadata\":{\"namespace\":\"ns\",\"name\":\"svc\",\"annotations\":{\"a\":\"x\0y\"}},"
				   "\"spec\":{\"type\":\"ClusterIP\"}}]}";
	kube_cluster *c = kube_cluster_new();
	rc = kube_read_buffer(c, body, sizeof body - 1, "in.json", NULL, NULL, &err);
	CHECK_INT(rc, -1);
	CHECK_STR(err.ptr, "in.json:1:124: invalid JSON: raw control character U+0000 in a string (kind=Service ns=ns name=svc)");
	kube_cluster_free(c);
	/* the same bytes escaped are valid JSON */
	c = read_text("{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\",\"annotations\":{\"a\":\"x\\u0001y\"}},\"spec\":{}}", NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nservices, 1);
	kube_cluster_free(c);
	/* an API page (items without kind); jq refuses U+0001 by itself, only NUL gets through */
	static const char page[] = "{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":{\"name\":\"a\x01\"},\"spec\":{}}]}";
	c = kube_cluster_new();
	rc = kube_read_buffer(c, page, sizeof page - 1, "in.json", "Service", NULL, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "in.json:1:") && strstr(err.ptr, "control character"));   /* jq refuses U+0001 itself */
	kube_cluster_free(c);
	/* YAML: libyaml refuses control characters in the stream */
	static const char yaml[] = "kind: Service\nmetadata: {name: \"a\0b\"}\nspec: {}\n";
	c = kube_cluster_new();
	rc = kube_read_buffer(c, yaml, sizeof yaml - 1, "in.yaml", NULL, NULL, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "control characters are not allowed"));
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(yaml_multi_document)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text("# a manifest\n"
				    "apiVersion: zalando.org/v1\n"
				    "kind: RouteGroup\n"
				    "metadata:\n  name: rg\n  annotations:\n    zalando.org/skipper-ingress-redirect: true\n"
				    "    code: 302\n"
				    "spec:\n  hosts: [a.example.org]\n"
				    "  backends:\n  - name: b\n    type: service\n    serviceName: svc\n    servicePort: 80\n"
				    "  - &lb {name: lb, type: lb, endpoints: [\"http://10.0.0.1:80\"]}\n"
				    "  defaultBackends:\n  - backendName: b\n    weight: 3\n  - backendName: null\n"
				    "  routes:\n  - pathSubtree: /\n    methods: [GET, HEAD]\n    filters: ['status(200)']\n  - null\n"
				    "---\n"
				    "---\n"
				    "kind: Service\nmetadata: {name: svc, namespace: ns}\nspec:\n  ports:\n  - port: 80\n    targetPort: web\n"
				    "  - port: 81\n    targetPort: 8081\n",
				    NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nroutegroups, 1);
	CHECK_INT(c->nservices, 1);
	if (c->nroutegroups == 1) {
		kube_routegroup *rg = &c->routegroups[0];
		CHECK_STR(S(*kube_map_get(&rg->meta.annotations, "zalando.org/skipper-ingress-redirect")), "true");
		CHECK_STR(S(*kube_map_get(&rg->meta.annotations, "code")), "302");
		CHECK_INT(rg->nhosts, 1);
		CHECK_INT(rg->nbackends, 2);
		CHECK_INT(rg->backends[0].service_port, 80);
		CHECK_STR(S(rg->backends[1].type), "lb");
		CHECK_INT(rg->backends[1].nendpoints, 1);
		CHECK_INT(rg->ndefault_backends, 2);
		CHECK(rg->default_backends[0].name_present && !rg->default_backends[1].name_present);
		CHECK_INT(rg->default_backends[0].weight, 3);
		CHECK_INT(rg->nroutes, 2);
		CHECK(rg->routes[0].present && !rg->routes[1].present);
		CHECK_INT(rg->routes[0].nmethods, 2);
		CHECK_STR(S(rg->routes[0].filters[0]), "status(200)");
	}
	if (c->nservices == 1) {
		CHECK_STR(S(c->services[0].meta.ns), "ns");
		CHECK(c->services[0].ports[0].target_port_is_name);
		CHECK_STR(S(c->services[0].ports[0].target_port_name), "web");
		CHECK(!c->services[0].ports[1].target_port_is_name);
		CHECK_INT(c->services[0].ports[1].target_port, 8081);
	}
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(yaml_anchors_merge_and_bomb)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text("kind: Service\nmetadata:\n  name: s\n  labels: &l {app: x, tier: web}\n"
				    "  annotations:\n    <<: *l\n    tier: api\nspec: {}\n",
				    NULL, &rc, &err);
	CHECK_INT(rc, 0);
	if (c->nservices == 1) {
		CHECK_STR(S(*kube_map_get(&c->services[0].meta.annotations, "app")), "x");
		CHECK_STR(S(*kube_map_get(&c->services[0].meta.annotations, "tier")), "api");
	}
	kube_cluster_free(c);
	c = read_text("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
		      NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "alias expansion limit"));
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(case_insensitive_keys_and_null)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text(
		"{\"kind\":\"RouteGroup\",\"Metadata\":{\"NAME\":\"rg\",\"namespace\":null,\"annotations\":null},"
		"\"spec\":{\"backends\":[{\"Name\":\"b\",\"servicePort\":null}],\"defaultBackends\":[{\"backendname\":\"b\"}],"
		"\"hosts\":null,\"routes\":[{\"path\":\"/\",\"Path\":\"/exact-wins\"}]}}",
		NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nroutegroups, 1);
	if (c->nroutegroups == 1) {
		kube_routegroup *rg = &c->routegroups[0];
		CHECK(rg->meta.present);
		CHECK_STR(S(rg->meta.name), "rg");
		CHECK_INT(rg->meta.ns.len, 0);
		CHECK_INT(rg->meta.annotations.n, 0);
		CHECK_STR(S(rg->backends[0].name), "b");
		CHECK_INT(rg->backends[0].service_port, 0);
		CHECK(rg->default_backends[0].name_present);
		CHECK_STR(S(rg->default_backends[0].backend_name), "b");
		CHECK_INT(rg->nhosts, 0);
		CHECK_STR(S(rg->routes[0].path), "/");
	}
	kube_cluster_free(c);
	buf_free(&err);
}

/* The same bad item in lenient and strict mode. */
TEST(wrong_types_strict_and_lenient)
{
	const char *text = "{\"kind\":\"RouteGroupList\",\"items\":["
			   "{\"metadata\":{\"name\":\"bad\",\"namespace\":\"ns\"},\"spec\":{\"defaultBackends\":"
			   "[{\"backendName\":\"b\",\"weight\":0.5}]}},"
			   "{\"metadata\":{\"name\":\"good\"},\"spec\":{}}]}";
	buf err = BUF_INIT;
	int rc;
	read_opts.strict = false;
	kube_cluster *c = read_text(text, NULL, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(c->nroutegroups, 1);
	if (c->nroutegroups == 1)
		CHECK_STR(S(c->routegroups[0].meta.name), "good");
	kube_cluster_free(c);

	read_opts.strict = true;
	c = read_text(text, NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "RouteGroup ns/bad"));
	CHECK(err.ptr && strstr(err.ptr, "spec.defaultBackends[0].weight"));
	kube_cluster_free(c);

	/* A string where an integer belongs, and a scalar where a list belongs. */
	c = read_text("{\"kind\":\"RouteGroup\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"routes\":[{\"methods\":\"GET\"}]}}",
		      NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "spec.routes[0].methods: cannot unmarshal string into array"));
	kube_cluster_free(c);
	c = read_text("{\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"ports\":[{\"port\":\"80\"}]}}", NULL,
		      &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "spec.ports[0].port"));
	kube_cluster_free(c);
	/* JSON is stricter than YAML for strings: an annotation must be a JSON string. */
	c = read_text("{\"kind\":\"Ingress\",\"metadata\":{\"name\":\"x\",\"annotations\":{\"a\":true}}}", NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strstr(err.ptr, "metadata.annotations.a"));
	kube_cluster_free(c);
	read_opts.strict = false;
	buf_free(&err);
}

TEST(parse_error_positions)
{
	buf err = BUF_INIT;
	int rc;
	kube_cluster *c = read_text("{\"kind\":\"List\",\n\"items\":[\n{\"kind\":\"Service\"},\n{\"kind\": ]\n]}", NULL, &rc,
				    &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strncmp(err.ptr, "in.json:4:", 10) == 0);
	kube_cluster_free(c);
	c = read_text("{\"kind\": \"Service\",\n  \"metadata\": {\"name\": x}}", NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strncmp(err.ptr, "in.json:2:", 10) == 0);
	kube_cluster_free(c);
	c = read_text("{\"kind\": \"Service\"", NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strncmp(err.ptr, "in.json:1:", 10) == 0);
	kube_cluster_free(c);
	c = read_text("kind: Service\nmetadata:\n  name: a\n - b\n", NULL, &rc, &err);
	CHECK_INT(rc, -1);
	CHECK(err.ptr && strncmp(err.ptr, "in.json:4:", 10) == 0);
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(files_and_directories)
{
	char dir[] = "/tmp/test_kube_read.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/sub", dir);
	CHECK(mkdir(path, 0700) == 0);
	const struct { const char *name, *text; } files[] = {
		{ "b.yaml", "kind: Service\nmetadata: {name: second}\nspec: {}\n" },
		{ "a.json", "{\"kind\":\"Service\",\"metadata\":{\"name\":\"first\"},\"spec\":{}}" },
		{ "sub/c.yml", "kind: Service\nmetadata: {name: third}\nspec: {}\n" },
		{ "notes.txt", "kind: Service\nmetadata: {name: ignored}\n" },
		{ ".hidden.yaml", "kind: Service\nmetadata: {name: hidden}\n" },
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fputs(files[i].text, f);
			fclose(f);
		}
	}
	kube_cluster *c = kube_cluster_new();
	buf err = BUF_INIT;
	CHECK_INT(kube_read_path(c, dir, NULL, &err), 0);
	CHECK_INT(c->nservices, 3);
	if (c->nservices == 3) {
		CHECK_STR(S(c->services[0].meta.name), "first");
		CHECK_STR(S(c->services[1].meta.name), "second");
		CHECK_STR(S(c->services[2].meta.name), "third");
	}
	snprintf(path, sizeof path, "%s/notes.txt", dir);   /* named explicitly: read whatever the suffix */
	CHECK_INT(kube_read_path(c, path, NULL, &err), 0);
	CHECK_INT(c->nservices, 4);
	snprintf(path, sizeof path, "%s/missing.yaml", dir);
	CHECK_INT(kube_read_path(c, path, NULL, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "missing.yaml: No such file"));
	kube_cluster_free(c);
	buf_free(&err);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	log_set_timestamps(false);
	log_setup(false, LOG_ERROR);
	RUN(json_single_ingress);
	RUN(json_list_and_unknown_kinds);
	RUN(typed_list_items_without_kind);
	RUN(api_response_must_be_json);
	RUN(api_response_must_be_a_list_of_the_kind);
	RUN(files_must_hold_kubernetes_objects);
	RUN(objects_know_file_and_line);
	RUN(raw_control_characters_in_strings);
	RUN(yaml_multi_document);
	RUN(yaml_anchors_merge_and_bomb);
	RUN(case_insensitive_keys_and_null);
	RUN(wrong_types_strict_and_lenient);
	RUN(parse_error_positions);
	RUN(files_and_directories);
	return TEST_SUMMARY();
}
