/* Ingress conversion and the shared Kubernetes building blocks (spec kubernetes-to-eskip.md
 * §5, §7, §9): host regexps, route ids (Unicode and invalid UTF-8), both traffic
 * algorithms with the spec's examples, endpoint resolution (Endpoints subsets, merged
 * EndpointSlices with ready/terminating rules, zones), default filters, and small
 * end-to-end Ingress conversions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eskip/eskip.h"
#include "table/served_form.h"
#include "routes/kube_compile.h"
#include "routes/kube_cycle.h"
#include "routes/kube_default_filters.h"
#include "routes/kube_endpoints.h"
#include "routes/kube_hostrx.h"
#include "routes/kube_ids.h"
#include "objects/kube_read.h"
#include "routes/kube_traffic.h"
#include "base/log.h"
#include "kube_test_util.h"
#include "test.h"

static arena *A;

static const char *S(str s) { return arena_strndup(A, s.ptr ? s.ptr : "", s.len).ptr; }

/* --- host regexp and ids ------------------------------------------------------------------ */

TEST(host_regexp)
{
	str one = str_c("example.org");
	CHECK_STR(S(kube_host_rx(A, &one, 1)), "^(example[.]org[.]?(:[0-9]+)?)$");
	str two[] = { str_c("a.b"), str_c("c.d") };
	CHECK_STR(S(kube_host_rx(A, two, 2)), "^(a[.]b[.]?(:[0-9]+)?|c[.]d[.]?(:[0-9]+)?)$");
	CHECK_STR(S(kube_host_rx1(A, str_c(""))), "^([.]?(:[0-9]+)?)$");
	CHECK_STR(S(kube_host_rx1(A, str_c("*.Example.org"))), "^(*[.]Example[.]org[.]?(:[0-9]+)?)$");
}

TEST(ingress_ids)
{
	CHECK_STR(S(kube_ingress_route_id(A, str_c("foo"), str_c("qux"), str_c("www.example.org"), str_c("/test"), str_c("bar"))),
		  "kube_foo__qux__www_example_org___test__bar");
	CHECK_STR(S(kube_ingress_route_id(A, str_c("foo"), str_c("qux"), str_c("www.example.org"), str_c("/"), str_c("bar"))),
		  "kube_foo__qux__www_example_org_____bar");
	CHECK_STR(S(kube_ingress_route_id(A, str_c("namespace1"), str_c("ingress1"), str_c(""), str_c(""), str_c(""))),
		  "kube_namespace1__ingress1______");
	CHECK_STR(S(kube_ingress_catchall_id(A, str_c("www3.example.org"))), "kube___catchall__www3_example_org____");
}

TEST(ids_unicode_per_rune_vs_per_byte)
{
	/* "ä" is two bytes, "€" three, "😀" four: one "_" each per rune, one per byte for T() */
	CHECK_STR(S(kube_id_sanitize_runes(A, str_c("a\xc3\xa4-\xe2\x82\xac\xf0\x9f\x98\x80z"))), "a____z");
	CHECK_STR(S(kube_id_sanitize_bytes(A, str_c("a\xc3\xa4-\xe2\x82\xac"))), "a______");
	/* invalid UTF-8: every bad byte separately (a lone continuation, a truncated sequence,
	 * an overlong encoding, a surrogate) */
	CHECK_STR(S(kube_id_sanitize_runes(A, str_c("x\x80y"))), "x_y");
	CHECK_STR(S(kube_id_sanitize_runes(A, str_c("x\xe2\x82y"))), "x__y");
	CHECK_STR(S(kube_id_sanitize_runes(A, str_c("\xc0\xaf"))), "__");
	CHECK_STR(S(kube_id_sanitize_runes(A, str_c("\xed\xa0\x80"))), "___");
}

TEST(routegroup_ids)
{
	CHECK_STR(S(kube_rg_route_id(A, str_c(""), str_c("my-app"), str_c("get"), 0, 1, false)), "kube_rg__default__my_app__get__0_1");
	CHECK_STR(S(kube_rg_route_id(A, str_c("ns"), str_c("a"), str_c("all"), 2, 0, true)), "kube_rg__internal_ns__a__all__2_0");
	CHECK_STR(S(kube_rg_catchall_id(A, str_c("example.org"), false)), "kube_rg____example_org__catchall__0_0");
	CHECK_STR(S(kube_rg_catchall_id(A, str_c("example.ingress.cluster.local"), true)),
		  "kube_rg__internal___example_ingress_cluster_local__catchall__0_0");
	CHECK_STR(S(kube_eastwest_id(A, str_c("kube_rg__default__myapp__all__0_0"))), "kubeew_rg__default__myapp__all__0_0");
	CHECK_STR(S(kube_eastwest_id(A, str_c("kube_foo__qux__www_example_org_____qux"))), "kubeew_foo__qux__www_example_org_____qux");
}

/* --- traffic (§5.8) ---------------------------------------------------------------------- */

static const char *traffic_text(kube_traffic_algorithm alg, const double *w, size_t n, const char *const *names)
{
	str nm[8] = { { 0 } };
	kube_traffic t[8] = { { 0 } };
	for (size_t i = 0; i < n; i++)
		nm[i] = str_c(names ? names[i] : (const char *[]){ "a", "b", "c", "d", "e", "f" }[i]);
	kube_traffic_compute(alg, nm, w, n, t);
	buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		route r = { 0 };
		kube_traffic_apply(A, &t[i], &r);
		if (i)
			buf_puts(&b, " | ");
		if (!kube_traffic_allowed(&t[i]))
			buf_puts(&b, "(dropped) ");
		for (size_t j = 0; j < r.npredicates; j++) {
			if (j)
				buf_puts(&b, " && ");
			eskip_print_call(&b, &r.predicates[j]);
		}
	}
	const char *text = arena_strndup(A, b.ptr ? b.ptr : "", b.len).ptr;
	buf_free(&b);
	return text;
}

TEST(traffic_predicate_examples)
{
	CHECK_STR(traffic_text(TRAFFIC_PREDICATE, (double[]){ 1, 2, 3, 4 }, 4, NULL),
		  "Traffic(0.1) && True() && True() | Traffic(0.2222222222222222) && True() | Traffic(0.42857142857142855) | ");
	CHECK_STR(traffic_text(TRAFFIC_PREDICATE, (double[]){ 1, 0, 1, 1 }, 4, NULL),
		  "Traffic(0.3333333333333333) && True() && True() | (dropped) Traffic(0) && True() | Traffic(0.5) | ");
	CHECK_STR(traffic_text(TRAFFIC_PREDICATE, (double[]){ 84, 42, 0, 0 }, 4, NULL),
		  "Traffic(0.6666666666666666) && True() && True() |  | (dropped) Traffic(0) | (dropped) Traffic(0)");
	CHECK_STR(traffic_text(TRAFFIC_PREDICATE, (double[]){ 0, 0 }, 2, NULL), "Traffic(0.5) | ");
	/* a repeated name takes the later entry's result: x gets its zero-weight share */
	CHECK_STR(traffic_text(TRAFFIC_PREDICATE, (double[]){ 30, 70, 0 }, 3, (const char *const[]){ "x", "y", "x" }),
		  "(dropped) Traffic(0) |  | (dropped) Traffic(0)");
	CHECK_STR(traffic_text(TRAFFIC_PREDICATE, (double[]){ 30, 70, 0 }, 3, (const char *const[]){ "x", "y", "z" }),
		  "Traffic(0.3) && True() |  | (dropped) Traffic(0)");
}

TEST(traffic_segment_examples)
{
	CHECK_STR(traffic_text(TRAFFIC_SEGMENT_PREDICATE, (double[]){ 1, 2, 3, 4 }, 4, NULL),
		  "TrafficSegment(0, 0.1) | TrafficSegment(0.1, 0.3) | TrafficSegment(0.3, 0.6) | TrafficSegment(0.6, 1)");
	CHECK_STR(traffic_text(TRAFFIC_SEGMENT_PREDICATE, (double[]){ 0, 1, 2 }, 3, NULL),
		  "(dropped) TrafficSegment(0, 0) | TrafficSegment(0, 0.3333333333333333) | TrafficSegment(0.3333333333333333, 1)");
	CHECK_STR(traffic_text(TRAFFIC_SEGMENT_PREDICATE, (double[]){ 84, 0, 42 }, 3, NULL),
		  "TrafficSegment(0, 0.6666666666666666) | (dropped) TrafficSegment(0.6666666666666666, 0.6666666666666666) | "
		  "TrafficSegment(0.6666666666666666, 1)");
	CHECK_STR(traffic_text(TRAFFIC_SEGMENT_PREDICATE, (double[]){ 5 }, 1, NULL), "");
	CHECK_STR(traffic_text(TRAFFIC_SEGMENT_PREDICATE, (double[]){ 0, 0 }, 2, NULL), "TrafficSegment(0, 0.5) | TrafficSegment(0.5, 1)");
}

/* The pairwise definition kube_traffic had before issue 11 (every name compared with every
 * other): the sort-based version must give the same results. */
static size_t ref_last(const str *names, size_t n, size_t i)
{
	for (size_t j = n; j-- > i + 1;)
		if (str_eq(names[j], names[i]))
			return j;
	return i;
}

static size_t ref_first(const str *names, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (str_eq(names[j], names[i]))
			return j;
	return i;
}

static void ref_traffic(kube_traffic_algorithm alg, const str *names, const double *w, size_t n, kube_traffic *out)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += w[i];
	if (alg == TRAFFIC_PREDICATE) {
		bool all_zero = sum == 0;
		if (all_zero)
			sum = (double)n;
		size_t last = 0;
		for (size_t i = 0; i < n; i++)
			if (all_zero || w[i] > 0)
				last = i;
		kube_traffic raw[16];
		double remaining = sum;
		for (size_t i = 0; i < n; i++) {
			double x = all_zero ? 1 : w[i];
			raw[i] = (kube_traffic){ .algorithm = TRAFFIC_PREDICATE, .balance = (long)n - (long)i - 2 };
			raw[i].value = i == last ? 1 : x == 0 ? 0 : x / remaining;
			remaining -= x;
		}
		for (size_t i = 0; i < n; i++)
			out[i] = raw[ref_last(names, n, i)];
		return;
	}
	sum = 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = (kube_traffic){ .algorithm = TRAFFIC_SEGMENT_PREDICATE };
		if (ref_first(names, i) != i)
			continue;
		out[i].min = sum;
		sum += w[i];
		out[i].max = sum;
	}
	if (sum == 0) {
		sum = (double)n;
		for (size_t i = 0; i < n; i++) {
			size_t j = ref_last(names, n, i);
			out[i].min = (double)j;
			out[i].max = (double)(j + 1);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = out[ref_first(names, i)];
	}
	for (size_t i = 0; i < n; i++) {
		out[i].min /= sum;
		out[i].max /= sum;
	}
}

TEST(traffic_agrees_with_the_pairwise_definition)
{
	static const char *const alphabet[] = { "a", "b", "c", "d", "e" };
	unsigned seed = 11;
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % 12);
		str names[16];
		double w[16];
		for (size_t i = 0; i < n; i++) {
			names[i] = str_c(alphabet[rand_r(&seed) % 5]);
			w[i] = rand_r(&seed) % 3 == 0 ? 0 : (double)(rand_r(&seed) % 100);
		}
		for (int alg = 0; alg < 2; alg++) {
			kube_traffic_algorithm a = alg ? TRAFFIC_SEGMENT_PREDICATE : TRAFFIC_PREDICATE;
			kube_traffic got[16], want[16];
			kube_traffic_compute(a, names, w, n, got);
			ref_traffic(a, names, w, n, want);
			for (size_t i = 0; i < n; i++) {
				bool same = got[i].algorithm == want[i].algorithm && got[i].value == want[i].value &&
					    got[i].balance == want[i].balance && got[i].min == want[i].min && got[i].max == want[i].max;
				if (!same) {
					CHECK(same);
					printf("    round %d algorithm %d entry %zu\n", round, alg, i);
					return;
				}
			}
		}
	}
}

/* --- endpoints (§3.7, §5.3, §5.4, §5.6) ----------------------------------------------------- */

static kube_cluster *cluster_from(const char *yaml)
{
	kube_cluster *c = kube_cluster_new();
	buf err = BUF_INIT;
	if (kube_read_buffer(c, yaml, strlen(yaml), "test", NULL, NULL, &err) != 0)
		printf("  read: %s\n", err.ptr);
	buf_free(&err);
	return c;
}

static char *eps_text(kube_eps e)
{
	buf b = BUF_INIT;
	for (size_t i = 0; i < e.n; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_printf(&b, "%s", e.items[i].address.ptr);
		if (e.items[i].zone.len)
			buf_printf(&b, "@%s", e.items[i].zone.ptr);
	}
	char *s = (char *)arena_strndup(A, b.ptr ? b.ptr : "", b.len).ptr;
	buf_free(&b);
	return s;
}

static const char *svc_yaml =
	"apiVersion: v1\nkind: Service\nmetadata: {namespace: ns, name: svc}\n"
	"spec:\n  type: ClusterIP\n  ports:\n"
	"  - {name: web, port: 80, targetPort: 8080}\n"
	"  - {name: admin, port: 81, targetPort: admin}\n";

/* A cycle over c with the harness options (kube_options_init_harness). */
static void harness_cycle(kube_cycle *cy, kube_options *o, const kube_cluster *c)
{
	kube_options_init_harness(o);
	buf err = BUF_INIT;
	CHECK(kube_options_finish(o, &err) == 0);
	buf_free(&err);
	kube_cycle_init(cy, c, o, NULL);
}

/* Services with many ports are looked up through an index (issue 11): it must find the
 * same port as the scan, first match in order, for names, numbers, repeats, a name that
 * reads as a number, ports without targetPort; and RouteGroup servicePorts likewise. */
TEST(service_port_index_agrees_with_the_scan)
{
	buf yaml = BUF_INIT;
	buf_puts(&yaml, "apiVersion: v1\nkind: Service\nmetadata: {namespace: ns, name: many}\nspec:\n  type: ClusterIP\n  ports:\n");
	unsigned seed = 7;
	enum { NPORTS = 60 };
	for (int i = 0; i < NPORTS; i++) {
		int port = 80 + rand_r(&seed) % 20, name = rand_r(&seed) % 25;
		buf_printf(&yaml, "  - {port: %d", port);
		if (name < 20)
			buf_printf(&yaml, ", name: \"%s%d\"", name < 3 ? "" : "p", name < 3 ? 80 + name : name);
		if (rand_r(&seed) % 4)
			buf_printf(&yaml, ", targetPort: %d", 8000 + i);
		buf_puts(&yaml, "}\n");
	}
	kube_cluster *c = cluster_from(yaml.ptr);
	buf_free(&yaml);
	kube_options o;
	kube_cycle cy;
	harness_cycle(&cy, &o, c);
	buf err = BUF_INIT;
	const kube_service *s = kube_find_service(&cy, str_c("ns"), str_c("many"));
	CHECK(s && s->nports == NPORTS);
	for (int k = 0; s && k < 140; k++) {
		char name[16];
		kube_ingress_backend b = { .present = true, .service = str_c("many") };
		if (k < 40) {
			b.port_number = 70 + k;
		} else {
			snprintf(name, sizeof name, k < 60 ? "p%d" : "%d", k < 60 ? k - 40 : 20 + k);
			b.port_name = str_c(name);
		}
		char want_text[32];
		str want = b.port_number ? (snprintf(want_text, sizeof want_text, "%ld", b.port_number), str_c(want_text)) : b.port_name;
		const kube_service_port *want_port = NULL;
		for (size_t i = 0; i < s->nports && !want_port; i++) {
			char num[32];
			snprintf(num, sizeof num, "%ld", s->ports[i].port);
			if (s->ports[i].has_target_port && (str_eq_c(want, num) || str_eq(want, s->ports[i].name)))
				want_port = &s->ports[i];
		}
		CHECK(kube_ingress_service_port(&cy, s, &b) == want_port);
		if (k < 40) {   /* RouteGroup servicePort: the first port of that number */
			const kube_service_port *first = NULL;
			for (size_t i = 0; i < s->nports && !first; i++)
				if (s->ports[i].port == b.port_number)
					first = &s->ports[i];
			kube_eps e;
			buf_reset(&err);
			int rc = kube_rg_endpoints(&cy, str_c("ns"), str_c("many"), b.port_number, str_c(""), str_c(""), &e, &err);
			CHECK_INT(rc, first && first->has_target_port ? 0 : -1);
		}
	}
	kube_cycle_free(&cy);
	kube_options_free(&o);
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(ingress_endpoints_subsets)
{
	char yaml[2048];
	snprintf(yaml, sizeof yaml, "%s---\n"
		"apiVersion: v1\nkind: Endpoints\nmetadata: {namespace: ns, name: svc}\nsubsets:\n"
		"- addresses: [{ip: 10.0.0.9}]\n  ports: [{name: other, port: 1}, {name: other2, port: 2}]\n"
		"- addresses: [{ip: 10.0.0.2}, {ip: 10.0.0.1}, {ip: 'fd00::1'}]\n  ports: [{name: other, port: 3}, {name: web, port: 8080}]\n",
		svc_yaml);
	kube_cluster *c = cluster_from(yaml);
	kube_options o;
	kube_cycle cy;
	harness_cycle(&cy, &o, c);
	buf err = BUF_INIT;
	const kube_service *s = kube_find_service(&cy, str_c("ns"), str_c("svc"));
	CHECK(s != NULL);
	if (s) {
		kube_ingress_backend by_name = { .present = true, .service = str_c("svc"), .port_name = str_c("web") };
		kube_ingress_backend by_number = { .present = true, .service = str_c("svc"), .port_number = 80 };
		kube_ingress_backend missing = { .present = true, .service = str_c("svc"), .port_number = 8080 };
		const kube_service_port *sp = kube_ingress_service_port(&cy, s, &by_name);
		CHECK(sp == kube_ingress_service_port(&cy, s, &by_number));
		CHECK(kube_ingress_service_port(&cy, s, &missing) == NULL);
		kube_eps e = kube_ingress_endpoints(&cy, str_c("ns"), str_c("svc"), sp, str_c(""), false, true);
		/* the first subset has two ports and none named "web": the second one wins; sorted */
		CHECK_STR(eps_text(e), "http://10.0.0.1:8080 http://10.0.0.2:8080 http://[fd00::1]:8080");
		e = kube_ingress_endpoints(&cy, str_c("ns"), str_c("svc"), sp, str_c("https"), true, true);
		CHECK_STR(eps_text(e), "https://10.0.0.1:8080 https://10.0.0.2:8080 https://[fd00::1]:8080");
		CHECK_STR(S(kube_force_service_address(A, str_c("ns"), str_c("svc"), sp)), "http://svc.ns.svc.cluster.local:8080");
	}
	kube_eps e;
	buf_reset(&err);
	CHECK(kube_rg_endpoints(&cy, str_c("ns"), str_c("nope"), 80, str_c(""), str_c(""), &e, &err) == -1);
	CHECK_STR(err.ptr, "ns/nope: service not found");
	buf_reset(&err);
	CHECK(kube_rg_endpoints(&cy, str_c("ns"), str_c("svc"), 99, str_c(""), str_c(""), &e, &err) == -1);
	CHECK_STR(err.ptr, "target port not found: svc:99");
	CHECK(kube_rg_endpoints(&cy, str_c("ns"), str_c("svc"), 80, str_c(""), str_c(""), &e, &err) == 0);
	CHECK_STR(eps_text(e), "http://10.0.0.1:8080 http://10.0.0.2:8080 http://[fd00::1]:8080");
	kube_cycle_free(&cy);
	kube_options_free(&o);
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(endpointslices_merge_and_zones)
{
	char yaml[4096];
	snprintf(yaml, sizeof yaml, "%s---\n"
		"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {namespace: ns, name: s1, labels: {kubernetes.io/service-name: svc}}\n"
		"ports: [{name: web, port: 8080, protocol: TCP}]\n"
		"endpoints:\n"
		"- {addresses: [10.0.0.1], zone: a}\n"
		"- {addresses: [10.0.0.2], zone: a, conditions: {ready: false}}\n"
		"- {addresses: [10.0.0.3], zone: a, conditions: {ready: true}}\n"
		"- {addresses: [10.0.0.4], zone: b}\n"
		"- {addresses: [10.0.0.5], zone: a}\n"
		"---\n"
		"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {namespace: ns, name: s2, labels: {kubernetes.io/service-name: svc}}\n"
		"ports: [{name: web, port: 8080, protocol: TCP}]\n"
		"endpoints:\n"
		"- {addresses: [10.0.0.5], zone: a, conditions: {terminating: true}}\n"
		"- {addresses: [10.0.0.5], zone: a, conditions: {ready: true}}\n"
		"- {addresses: [10.0.0.6], zone: a}\n"
		"---\n"
		"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {namespace: ns, name: s3, labels: {kubernetes.io/service-name: svc}}\n"
		"endpoints:\n"
		"- {addresses: [10.0.0.7], zone: a}\n",
		svc_yaml);
	kube_cluster *c = cluster_from(yaml);
	kube_options o;
	kube_options_init_harness(&o);
	o.endpointslices = true;
	o.flag.topology_zone = "a";
	buf err = BUF_INIT;
	CHECK(kube_options_finish(&o, &err) == 0);
	kube_cycle cy;
	kube_cycle_init(&cy, c, &o, NULL);
	const kube_service *s = kube_find_service(&cy, str_c("ns"), str_c("svc"));
	kube_ingress_backend b = { .present = true, .service = str_c("svc"), .port_number = 80 };
	const kube_service_port *sp = s ? kube_ingress_service_port(&cy, s, &b) : NULL;
	CHECK(sp != NULL);
	if (sp) {
		/* not ready (.2), terminating (.5, even when listed ready later) and slices without
		 * ports (.7) are gone; zone a has three endpoints, so only those remain */
		kube_eps all = kube_ingress_endpoints(&cy, str_c("ns"), str_c("svc"), sp, str_c(""), false, false);
		CHECK_STR(eps_text(all), "http://10.0.0.1:8080@a http://10.0.0.3:8080@a http://10.0.0.4:8080@b http://10.0.0.6:8080@a");
		kube_eps zoned = kube_ingress_endpoints(&cy, str_c("ns"), str_c("svc"), sp, str_c(""), false, true);
		CHECK_STR(eps_text(zoned), "http://10.0.0.1:8080@a http://10.0.0.3:8080@a http://10.0.0.6:8080@a");
		/* fewer than three in the zone: everything */
		CHECK_STR(eps_text(kube_zone_filter(A, all, str_c("b"))), eps_text(all));
		CHECK_STR(eps_text(kube_zone_filter(A, all, str_c(""))), eps_text(all));
	}
	kube_cycle_free(&cy);
	kube_options_free(&o);
	kube_cluster_free(c);
	buf_free(&err);
}

TEST(backend_shape)
{
	route r = { 0 };
	arg a = arg_cstr(A, "x");
	route_add_filter(A, &r, "setPath", 1, &a);
	CHECK(kube_backend_apply(A, &r, (kube_eps){ NULL, 0 }, str_c("roundRobin")) == KUBE_SHAPE_NO_ENDPOINTS);
	CHECK(r.backend_type == BACKEND_SHUNT);
	CHECK_INT(r.nfilters, 2);
	CHECK_STR(r.filters[1].name.ptr, "inlineContent");
	lb_endpoint two[] = { { str_c("http://a:1"), str_c("z") }, { str_c("http://b:1"), str_c("") } };
	route n = { 0 };
	CHECK(kube_backend_apply(A, &n, (kube_eps){ two, 1 }, str_c("random")) == KUBE_SHAPE_NETWORK);
	CHECK_STR(n.backend.ptr, "http://a:1");
	CHECK(kube_backend_apply(A, &n, (kube_eps){ two, 2 }, str_c("")) == KUBE_SHAPE_LB);
	CHECK(n.backend_type == BACKEND_LB);
	CHECK_INT(n.nendpoints, 2);
	CHECK_STR(n.endpoints[0].zone.ptr, "z");
	CHECK_INT(n.lb_algorithm.len, 0);
}

/* --- default filters (§5.9.3) ---------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(default_filters_dir)
{
	char dir[] = "/tmp/routesrv-df-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char p[256];
	snprintf(p, sizeof p, "%s/bar.foo", dir);
	write_file(p, "setResponseHeader(\"default\", \"filter\") -> tee(\"x\")");
	snprintf(p, sizeof p, "%s/bad.foo", dir);
	write_file(p, "foo#");
	snprintf(p, sizeof p, "%s/a.b.c", dir);
	write_file(p, "status(200)");
	kube_default_filters *df = kube_default_filters_read(A, dir);
	CHECK(df != NULL);
	call *calls;
	size_t n;
	buf err = BUF_INIT;
	CHECK(kube_default_filters_get(df, A, str_c("foo"), str_c("bar"), &calls, &n, &err) == 0);
	CHECK_INT(n, 2);
	if (n == 2)
		CHECK_STR(calls[1].name.ptr, "tee");
	CHECK(kube_default_filters_get(df, A, str_c("foo"), str_c("none"), &calls, &n, &err) == 0);
	CHECK_INT(n, 0);
	CHECK(kube_default_filters_get(df, A, str_c("c"), str_c("a.b"), &calls, &n, &err) == 0);
	CHECK_INT(n, 0);   /* three dot-separated parts: ignored */
	CHECK(kube_default_filters_get(df, A, str_c("foo"), str_c("bad"), &calls, &n, &err) == -1);
	CHECK(err.ptr && strncmp(err.ptr, "[eskip] default filters: ", 25) == 0);
	CHECK(kube_default_filters_read(A, "/nonexistent-routesrv-dir") == NULL);
	CHECK(kube_default_filters_read(A, NULL) == NULL);
	buf_free(&err);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	CHECK(system(p) == 0);
}

/* --- end to end (§7) ------------------------------------------------------------------------ */

/* Compiles yaml with the harness options (plus setup) and returns the served form. */
static char *compile(const char *yaml, void (*setup)(kube_options *))
{
	kube_cluster *c = cluster_from(yaml);
	kube_options o;
	kube_options_init_harness(&o);
	if (setup)
		setup(&o);
	buf err = BUF_INIT;
	if (kube_options_finish(&o, &err) != 0)
		printf("  options: %s\n", err.ptr);
	route_table *t = route_table_new();
	kube_compile(c, &o, t);
	route_table_canonicalize(t);
	buf out = BUF_INIT;
	served_form_print(&out, t);
	char *s = (char *)arena_strndup(A, out.ptr ? out.ptr : "", out.len).ptr;
	buf_free(&out);
	buf_free(&err);
	route_table_free(t);
	kube_options_free(&o);
	kube_cluster_free(c);
	return s;
}

static const char *ing_yaml =
	"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
	"metadata:\n  namespace: ns\n  name: ing\n  annotations:\n"
	"    zalando.org/skipper-filter: setPath(\"/x\")\n"
	"    zalando.org/backend-weights: '{\"svc\": 30, \"svc2\": 70}'\n"
	"spec:\n  rules:\n  - host: www.example.org\n    http:\n      paths:\n"
	"      - {path: /a, pathType: ImplementationSpecific, backend: {service: {name: svc, port: {number: 80}}}}\n"
	"      - {path: /a, pathType: ImplementationSpecific, backend: {service: {name: svc2, port: {number: 80}}}}\n"
	"      - {path: /b, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}\n"
	"      - {path: /c, pathType: Exact, backend: {service: {name: svc, port: {number: 9}}}}\n"
	"---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {namespace: ns, name: svc}\n"
	"spec: {type: ClusterIP, ports: [{port: 80, targetPort: 8080}]}\n"
	"---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {namespace: ns, name: svc2}\n"
	"spec: {type: ClusterIP, ports: [{port: 80, targetPort: 8080}]}\n"
	"---\n"
	"apiVersion: v1\nkind: Endpoints\nmetadata: {namespace: ns, name: svc}\n"
	"subsets: [{addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}], ports: [{port: 8080}]}]\n"
	"---\n"
	"apiVersion: v1\nkind: Endpoints\nmetadata: {namespace: ns, name: svc2}\n"
	"subsets: [{addresses: [{ip: 10.0.0.3}], ports: [{port: 8080}]}]\n";

TEST(ingress_end_to_end)
{
	log_level saved = LOG_INFO;
	log_setup(false, LOG_ERROR);
	char *got = compile(ing_yaml, NULL);
	log_setup(false, saved);
	/* weights 30/70 on /a, the missing service's path is gone, the unknown port gives the
	 * "no endpoints" shunt without the skipper-filter, and the Exact path (a generic Path
	 * predicate, no PathRegexp) suppresses the host's catch-all */
	CHECK_STR(got,
		"kube_ns__ing__www_example_org___a__svc: Host(\"^(www[.]example[.]org[.]?(:[0-9]+)?)$\") && PathRegexp(\"^(/a)\") && Traffic(0.3)"
		" -> setPath(\"/x\") -> <roundRobin, \"http://10.0.0.1:8080\", \"http://10.0.0.2:8080\">;\n"
		"kube_ns__ing__www_example_org___a__svc2: Host(\"^(www[.]example[.]org[.]?(:[0-9]+)?)$\") && PathRegexp(\"^(/a)\")"
		" -> setPath(\"/x\") -> \"http://10.0.0.3:8080\";\n"
		"kube_ns__ing__www_example_org___c__svc: Host(\"^(www[.]example[.]org[.]?(:[0-9]+)?)$\") && Path(\"/c\")"
		" -> status(502) -> inlineContent(\"no endpoints\") -> <shunt>;");
}

static void with_redirect_and_healthcheck(kube_options *o)
{
	o->https_redirect = true;
	o->healthcheck = true;
	o->flag.https_redirect_code = 301;
}

static const char *catchall_yaml =
	"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
	"metadata: {namespace: ns, name: ing, annotations: {zalando.org/skipper-ingress-redirect-code: '302'}}\n"
	"spec:\n  rules:\n  - host: a.org\n    http:\n      paths:\n"
	"      - {path: /x, pathType: ImplementationSpecific, backend: {service: {name: svc, port: {number: 80}}}}\n"
	"---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {namespace: ns, name: svc}\n"
	"spec: {type: ClusterIP, ports: [{port: 80, targetPort: 8080}]}\n";

TEST(catchall_with_redirect_twin)
{
	char *got = compile(catchall_yaml, with_redirect_and_healthcheck);
	CHECK(strstr(got, "kube___catchall__a_org____: Host(\"^(a[.]org[.]?(:[0-9]+)?)$\") -> <shunt>;") != NULL);
	CHECK(strstr(got, "kube___catchall__a_org_____https_redirect: Header(\"X-Forwarded-Proto\", \"http\") && "
			  "Host(\"^(a[.]org[.]?(:[0-9]+)?)$\") && Weight(1000) -> redirectTo(302, \"https:\") -> <shunt>;") != NULL);
}

TEST(global_routes_and_redirect_twins)
{
	log_setup(false, LOG_ERROR);
	char *got = compile(ing_yaml, with_redirect_and_healthcheck);
	log_setup(false, LOG_INFO);
	CHECK(strstr(got, "kube__redirect: Header(\"X-Forwarded-Proto\", \"http\") && Weight(1000) -> redirectTo(301, \"https:\") -> <shunt>;") != NULL);
	CHECK(strstr(got, "kube__healthz_up: ") != NULL && strstr(got, "kube__healthz_down: ") != NULL);
	CHECK(strstr(got, "kube_ns__ing__www_example_org___a__svc_https_redirect: ") != NULL);
	CHECK(strstr(got, "kube_ns__ing__www_example_org___c__svc_https_redirect: ") != NULL);
	CHECK(strstr(got, "kube___catchall__") == NULL);
}

int main(void)
{
	A = arena_new();
	log_set_timestamps(false);
	RUN(host_regexp);
	RUN(ingress_ids);
	RUN(ids_unicode_per_rune_vs_per_byte);
	RUN(routegroup_ids);
	RUN(traffic_predicate_examples);
	RUN(traffic_segment_examples);
	RUN(traffic_agrees_with_the_pairwise_definition);
	RUN(service_port_index_agrees_with_the_scan);
	RUN(ingress_endpoints_subsets);
	RUN(endpointslices_merge_and_zones);
	RUN(backend_shape);
	RUN(default_filters_dir);
	RUN(ingress_end_to_end);
	RUN(global_routes_and_redirect_twins);
	RUN(catchall_with_redirect_twin);
	int rc = TEST_SUMMARY();
	arena_free(A);
	return rc;
}
