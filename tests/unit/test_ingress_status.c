/* Tests for the Ingress status writer's pure parts (pipeline/ingress_status.c): the
 * load-balancer addresses of a Service by type, the set comparison and the merge patch. */
#include <stdlib.h>
#include <string.h>

#include "objects/kube_read.h"
#include "pipeline/ingress_status.h"
#include "test.h"
#include "kube_test_util.h"


/* The patch ingress_status would send for Service ns/lb of yaml, or "missing". */
static char *patch_for(const char *yaml, bool slices, const char *zone)
{
	kube_options ko;
	kube_options_init(&ko);
	ko.endpointslices = slices;
	ko.flag.topology_zone = zone;
	buf err = BUF_INIT;
	CHECK_INT(kube_options_finish(&ko, &err), 0);
	kube_cluster *c = kube_test_cluster(yaml);
	arena *a = arena_new();
	kube_lb_ingress *v;
	size_t n;
	buf out = BUF_INIT;
	if (ingress_status_addresses(a, c, &ko, str_c("ns"), str_c("lb"), &v, &n) != 0)
		buf_puts(&out, "missing");
	else
		ingress_status_patch(&out, v, n);
	arena_free(a);
	kube_cluster_free(c);
	kube_options_free(&ko);
	buf_free(&err);
	return buf_steal(&out, NULL);
}

#define CHECK_PATCH(yaml, slices, zone, want_ingress) do { char *p_ = patch_for(yaml, slices, zone); \
	CHECK_STR(p_, strcmp(want_ingress, "missing") == 0 ? "missing" \
		: "{\"status\":{\"loadBalancer\":{\"ingress\":[" want_ingress "]}}}"); free(p_); } while (0)

#define SVC(spec) "kind: Service\nmetadata: {namespace: ns, name: lb}\nspec: " spec "\n"

TEST(addresses_by_service_type)
{
	CHECK_PATCH(SVC("{type: ExternalName, externalName: lb.example.org}"), false, "", "{\"hostname\":\"lb.example.org\"}");
	CHECK_PATCH(SVC("{type: ExternalName}"), false, "", "");
	CHECK_PATCH(SVC("{type: ClusterIP, clusterIP: 10.3.0.1}"), false, "", "{\"ip\":\"10.3.0.1\"}");
	CHECK_PATCH(SVC("{type: ClusterIP, clusterIP: None}"), false, "", "");
	CHECK_PATCH(SVC("{type: ClusterIP, clusterIP: 10.3.0.1, externalIPs: [1.2.3.4]}"), false, "", "{\"ip\":\"10.3.0.1\"}");
	/* LoadBalancer: status entries with an ip or a hostname, else externalIPs */
	CHECK_PATCH(SVC("{type: LoadBalancer, externalIPs: [1.2.3.4]}") "status: {loadBalancer: {ingress: "
		    "[{ip: 5.6.7.8}, {hostname: a.elb.example}, {}]}}\n", false, "",
		    "{\"ip\":\"5.6.7.8\"},{\"hostname\":\"a.elb.example\"}");
	CHECK_PATCH(SVC("{type: LoadBalancer, externalIPs: [1.2.3.4, 1.2.3.5]}") "status: {loadBalancer: {}}\n", false, "",
		    "{\"ip\":\"1.2.3.4\"},{\"ip\":\"1.2.3.5\"}");
	/* other types, and a type left empty: externalIPs */
	CHECK_PATCH(SVC("{externalIPs: [9.9.9.9]}"), false, "", "{\"ip\":\"9.9.9.9\"}");
	CHECK_PATCH(SVC("{type: Weird}"), false, "", "");
	/* a missing Service; another namespace is another Service */
	CHECK_PATCH("kind: Service\nmetadata: {namespace: other, name: lb}\nspec: {type: ClusterIP, clusterIP: 1.1.1.1}\n",
		    false, "", "missing");
}

TEST(node_port_addresses)
{
	const char *eps = "---\nkind: Endpoints\nmetadata: {namespace: ns, name: lb}\n"
			  "subsets: [{addresses: [{ip: 10.0.0.9}, {ip: 10.0.0.10}]}, {addresses: [{ip: 10.0.0.1}]}]\n";
	char yaml[1024];
	/* externalIPs win */
	snprintf(yaml, sizeof yaml, "%s%s", SVC("{type: NodePort, externalIPs: [1.2.3.4]}"), eps);
	CHECK_PATCH(yaml, false, "", "{\"ip\":\"1.2.3.4\"}");
	/* else the endpoints' addresses, sorted */
	snprintf(yaml, sizeof yaml, "%s%s", SVC("{type: NodePort}"), eps);
	CHECK_PATCH(yaml, false, "", "{\"ip\":\"10.0.0.1\"},{\"ip\":\"10.0.0.10\"},{\"ip\":\"10.0.0.9\"}");
	/* EndpointSlices, reduced to the topology zone when it has at least 3 */
	const char *slices = "---\nkind: EndpointSlice\nmetadata: {namespace: ns, name: lb-1, labels: "
			     "{kubernetes.io/service-name: lb}}\nports: [{port: 80}]\nendpoints:\n"
			     "- {addresses: [10.1.0.4], zone: b}\n- {addresses: [10.1.0.3], zone: a}\n"
			     "- {addresses: [10.1.0.2], zone: a}\n- {addresses: [10.1.0.1], zone: a}\n";
	snprintf(yaml, sizeof yaml, "%s%s", SVC("{type: NodePort}"), slices);
	CHECK_PATCH(yaml, true, "", "{\"ip\":\"10.1.0.1\"},{\"ip\":\"10.1.0.2\"},{\"ip\":\"10.1.0.3\"},{\"ip\":\"10.1.0.4\"}");
	CHECK_PATCH(yaml, true, "a", "{\"ip\":\"10.1.0.1\"},{\"ip\":\"10.1.0.2\"},{\"ip\":\"10.1.0.3\"}");
	CHECK_PATCH(yaml, true, "b", "{\"ip\":\"10.1.0.1\"},{\"ip\":\"10.1.0.2\"},{\"ip\":\"10.1.0.3\"},{\"ip\":\"10.1.0.4\"}");
}

TEST(status_compared_as_a_set)
{
	kube_lb_ingress a[] = { { str_c("1.1.1.1"), str_c("") }, { str_c(""), str_c("h") } };
	kube_lb_ingress b[] = { { str_c(""), str_c("h") }, { str_c("1.1.1.1"), str_c("") }, { str_c(""), str_c("h") } };
	kube_lb_ingress c[] = { { str_c("1.1.1.1"), str_c("") } };
	CHECK(ingress_status_equal(a, 2, b, 3));
	CHECK(!ingress_status_equal(a, 2, c, 1));
	CHECK(ingress_status_equal(NULL, 0, NULL, 0));
	CHECK(!ingress_status_equal(NULL, 0, c, 1));
}

TEST(patch_escapes_json)
{
	kube_lb_ingress a[] = { { str_c(""), str_c("a\"b") } };
	buf out = BUF_INIT;
	ingress_status_patch(&out, a, 1);
	CHECK_STR(out.ptr, "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"a\\\"b\"}]}}}");
	buf_free(&out);
}

int main(void)
{
	RUN(addresses_by_service_type);
	RUN(node_port_addresses);
	RUN(status_compared_as_a_set);
	RUN(patch_escapes_json);
	return TEST_SUMMARY();
}
