#!/usr/bin/env bats
# Issue 11 item 8: a 200 answer of the Kubernetes API is a list only when it is a well-formed
# list of the requested kind. `{}`, a Status, "items": null, a list of another kind and a body
# with a raw NUL byte inside a string (invalid JSON that jq accepts) each fail: routesrv-fetch
# exits 3 with one line naming the URL and what is wrong; routesrv-serve keeps its table and
# logs the failed cycle. Bodies are served by the fake API's body:FILE fault.

load helpers/common
load helpers/serve
bats_require_minimum_version 1.5.0

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
INGRESSES=/apis/networking.k8s.io/v1/ingresses

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	API_PID=
	printf '{}' >empty.json
	printf '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcd is unavailable","code":500}' >status.json
	printf '{"kind":"IngressList","apiVersion":"networking.k8s.io/v1","metadata":{"resourceVersion":"1"},"items":null}' >null-items.json
	printf '{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}' >other-kind.json
	printf '{"kind":"IngressList","apiVersion":"networking.k8s.io/v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"shop\0x","namespace":"default"},"spec":{"rules":[{"host":"nul.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"shop-frontend","port":{"number":80}}}}]}}]}}]}' >nul.json
	grep -qa 'shop.x' nul.json
}

teardown() {
	stop_serve
	stop_api
}

# expected message per body file
reason() {
	case $1 in
	empty.json) echo 'the response is not an IngressList (no kind)' ;;
	status.json) echo 'the response is not an IngressList (kind "Status")' ;;
	null-items.json) echo 'the IngressList has no items array (missing or null)' ;;
	other-kind.json) echo 'the response is not an IngressList (kind "ServiceList")' ;;
	nul.json) echo 'control character' ;;
	esac
}

@test "routesrv-fetch: a 200 that is not a list of the kind exits 3 naming the URL and the reason" {
	for body in empty.json status.json null-items.json other-kind.json nul.json; do
		start_api --fixtures "$EXAMPLES/cluster" --fault "$INGRESSES=body:$BATS_TEST_TMPDIR/$body"
		run --separate-stderr "$BIN/routesrv-fetch" -kubernetes-url "$API"
		assert_equal "$status" 3
		assert_equal "$output" ""
		[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ] || fail "$body: more than one line: $stderr"
		[[ "$stderr" == *"GET $API$INGRESSES"* ]] || fail "$body: no URL in: $stderr"
		[[ "${stderr//\\\"/\"}" == *"$(reason "$body")"* ]] || fail "$body: no reason in: $stderr"
		stop_api
	done
}

@test "routesrv-fetch: a list of the kind, empty or not, is fine" {
	start_api --fixtures "$EXAMPLES/cluster"
	run --separate-stderr "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_success
	[[ "$output" == *'"kind":"Ingress"'* ]]
}

# Waits until a "failed to fetch routes" line (quotes unescaped) contains $1.
wait_failure() {
	for _ in $(seq 400); do
		grep 'msg="failed to fetch routes"' serve.log | sed 's/\\"/"/g' | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	echo "timed out waiting for a failed cycle with '$1':" >&2
	tail -5 serve.log >&2
	return 1
}

@test "routesrv-serve: each such answer fails the cycle and keeps the served table" {
	start_api --fixtures "$EXAMPLES/cluster"
	local port=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API"
	wait_log "routes initialized"
	local before tag
	before=$(curl -s "$URL/routes")
	tag=$(header_value Etag "$URL/routes")
	grep -q '^kube_default__shop__' <<<"$before"
	local updates
	updates=$(grep -c 'msg="routes updated"' serve.log || true)
	for body in empty.json status.json null-items.json other-kind.json nul.json; do
		stop_api
		start_api --port "$port" --fixtures "$EXAMPLES/cluster" --fault "$INGRESSES=body:$BATS_TEST_TMPDIR/$body"
		wait_failure "$(reason "$body")"
		assert_equal "$(curl -s "$URL/routes")" "$before"
		assert_equal "$(header_value Etag "$URL/routes")" "$tag"
		assert_equal "$(status "$URL/health")" 204
	done
	assert_equal "$(grep -c 'msg="routes updated"' serve.log)" "$updates"
	assert_equal "$(grep -ca 'nul.example.org' serve.log)" 0
}
