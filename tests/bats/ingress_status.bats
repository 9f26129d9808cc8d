#!/usr/bin/env bats
# routesrv-serve's -kubernetes-status-from-service against the fake API (which applies merge
# patches): the status of every served Ingress whose load-balancer addresses differ is
# PATCHed, nothing when equal, other controllers' Ingresses are left alone, a failing PATCH
# is logged, retried, and never touches the served table.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
STATUS_PATH=/apis/networking.k8s.io/v1/namespaces/default/ingresses

setup_file() {
	# the fake API as an in-cluster API server over TLS
	cd "$BATS_FILE_TMPDIR"
	make_api_certificates ingress-status-test-ca
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	isolate_kube_environment
	SERVE_PID=
	API_PID=
	mkdir cluster
	cp "$EXAMPLES"/cluster/*.yaml cluster/
	# skipper's own Service, a load balancer with a host name
	cat > cluster/skipper.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata: {namespace: kube-system, name: skipper-ingress}
spec: {type: LoadBalancer, clusterIP: 10.3.9.9, ports: [{port: 80, targetPort: 9999}]}
status: {loadBalancer: {ingress: [{hostname: lb-1.elb.example.org}]}}
---
# already right: no PATCH
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: default, name: done}
spec: {rules: [{host: done.example.org, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop-frontend, port: {number: 80}}}}]}}]}
status: {loadBalancer: {ingress: [{hostname: lb-1.elb.example.org}]}}
---
# another controller's: never touched
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: default, name: theirs, annotations: {kubernetes.io/ingress.class: nginx}}
spec: {rules: [{host: theirs.example.org, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop-frontend, port: {number: 80}}}}]}}]}
YAML
}

teardown() {
	stop_serve
	stop_api
}

# PATCH requests of the API log: "<path> <content-type> <body>", one per line.
patches() {
	jq -r 'select(.event == "request" and .method == "PATCH") | "\(.path) \(.headers["content-type"]) \(.body | tojson)"' \
		"$BATS_TEST_TMPDIR/api.log"
}

@test "the status of every served Ingress that differs is PATCHed once; equal ones are left alone" {
	start_api --fixtures cluster
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-status-from-service kube-system/skipper-ingress
	wait_log 'msg="updated the load balancer status of Ingresses" updated=1'
	# the PATCHed status makes the next list differ; once it is equal, nothing more is sent
	wait_more_log 'msg="routes did not change"' 3
	run patches
	assert_output "$STATUS_PATH/shop/status application/merge-patch+json {\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"lb-1.elb.example.org\"}]}}}"
	# the API has it
	run curl -s "$API/apis/networking.k8s.io/v1/namespaces/default/ingresses/shop"
	assert_equal "$(jq -c .status <<<"$output")" '{"loadBalancer":{"ingress":[{"hostname":"lb-1.elb.example.org"}]}}'
	# the table is what it is without the flag
	curl -s "$URL/routes" > with.eskip
	stop_serve
	start_serve -kubernetes -kubernetes-url "$API"
	wait_log 'msg="routes initialized"'
	run cmp with.eskip <(curl -s "$URL/routes")
	assert_success
}

@test "watch mode plans statuses from the watched objects: PATCHed after the first table and for an Ingress added later" {
	start_api --fixtures cluster
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-watch -kubernetes-status-from-service kube-system/skipper-ingress
	wait_log 'msg="updated the load balancer status of Ingresses" updated=1'
	run patches
	assert_output "$STATUS_PATH/shop/status application/merge-patch+json {\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"lb-1.elb.example.org\"}]}}}"
	wait_request 'ingresses\?watch=1'
	control apply '{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"late","namespace":"default"},"spec":{"rules":[{"host":"late.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"shop-frontend","port":{"number":80}}}}]}}]}}' >/dev/null
	wait_log 'msg="updated the load balancer status of Ingresses" updated=1' 2
	run patches
	assert_line --partial "$STATUS_PATH/late/status application/merge-patch+json"
	assert_equal "${#lines[@]}" 2
	# an Endpoints change elsewhere plans nothing new; the load balancer's new name, every Ingress
	control apply '{"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"shop-frontend","namespace":"default"},"subsets":[{"addresses":[{"ip":"10.2.9.9"}],"ports":[{"port":8080}]}]}' >/dev/null
	control apply '{"kind":"Service","apiVersion":"v1","metadata":{"namespace":"kube-system","name":"skipper-ingress"},"spec":{"type":"LoadBalancer","clusterIP":"10.3.9.9","ports":[{"port":80,"targetPort":9999}]},"status":{"loadBalancer":{"ingress":[{"hostname":"lb-2.elb.example.org"}]}}}' >/dev/null
	wait_log 'msg="updated the load balancer status of Ingresses" updated=3'
	run patches
	assert_equal "$(grep -c 'lb-2.elb.example.org' <<<"$output")" 3
}

@test "in-cluster: PATCHes go through the API client (TLS, service-account token); without the flag nothing is written" {
	start_in_cluster_api "$BATS_FILE_TMPDIR" --fixtures cluster
	# without the flag routesrv only reads
	start_serve -kubernetes -kubernetes-in-cluster
	wait_log 'msg="routes initialized"'
	wait_more_log 'msg="routes did not change"' 2
	stop_serve
	run jq -r 'select(.event == "request") | .method' "$BATS_TEST_TMPDIR/api.log"
	[ "${#lines[@]}" -gt 0 ] && refute_output --partial PATCH
	# with it, over the pod's TLS connection with its token
	start_serve -kubernetes -kubernetes-in-cluster -kubernetes-status-from-service kube-system/skipper-ingress
	wait_log 'msg="updated the load balancer status of Ingresses" updated=1'
	run jq -r 'select(.event == "request" and .method == "PATCH") | "\(.path) \(.headers.authorization)"' \
		"$BATS_TEST_TMPDIR/api.log"
	assert_output "$STATUS_PATH/shop/status Bearer sa-token"
}

@test "a failing PATCH is logged, sent again next cycle, and the table is served all the same" {
	start_api --fixtures cluster --fault "$STATUS_PATH/shop/status=403"
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-status-from-service kube-system/skipper-ingress
	wait_log 'msg="routes initialized"'
	wait_log 'msg="failed to update the load balancer status of Ingresses"' 3
	grep -q "level=error msg=\"failed to update the load balancer status of Ingresses\" error=\"PATCH $API$STATUS_PATH/shop/status: HTTP 403 Forbidden: ingresses.networking.k8s.io \\\\\"shop\\\\\" is forbidden: .*cannot patch resource \\\\\"ingresses/status\\\\\".*\" failed=1 kind=Ingress name=shop ns=default updated=0" serve.log ||
		fail "$(grep 'load balancer status' serve.log | head -3)"
	# sent again while the inputs stay the same (not decoded again)
	run bash -c "jq -r 'select(.method == \"PATCH\") | .path' '$BATS_TEST_TMPDIR/api.log' | sort | uniq -c"
	[[ "$output" =~ ^\ *([0-9]+)\ $STATUS_PATH/shop/status$ ]] && [ "${BASH_REMATCH[1]}" -ge 3 ] || fail "$output"
	# the cycle did not fail and the table is served
	run grep -c 'failed to fetch routes' serve.log
	assert_output 0
	[ "$(status "$URL/routes")" = 200 ]
}

@test "the Service must be among the listed ones: service not found, logged every cycle" {
	start_api --fixtures cluster
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-status-from-service kube-system/nope
	wait_log 'msg="routes initialized"'
	wait_log 'level=error msg="failed to update the load balancer status of Ingresses" error="service not found: kube-system/nope"' 3
	run patches
	assert_output ""
	# -kubernetes-namespace scopes the Services listed, as in skipper
	stop_serve
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-namespace default \
		-kubernetes-status-from-service kube-system/skipper-ingress
	wait_log 'error="service not found: kube-system/skipper-ingress"'
}

@test "-kubernetes-status-from-service takes NAMESPACE/NAME" {
	for v in skipper-ingress /x x/ a/b/c; do
		run --separate-stderr "$BIN/routesrv-serve" -kubernetes-url http://127.0.0.1:1 -kubernetes-status-from-service "$v"
		assert_failure 2
		assert_equal "$stderr" "routesrv-serve: invalid value \"$v\" for flag -kubernetes-status-from-service: want NAMESPACE/NAME"
	done
}
