#!/usr/bin/env bats
# routesrv-fetch against a fake Kubernetes API server (helpers/fake_kube_api.py):
# what is requested and how, paging, label selectors, namespaces, credentials (token file,
# rotation, in-cluster, kubeconfig, exec plugins, TLS with client certificates) and every
# failure the fetch must turn into exit status 3 with one line naming URL and reason.

bats_require_minimum_version 1.5.0

load helpers/common

CLUSTER="$HELPERS/../fixtures/fetch/cluster.yaml"

setup_file() {
	# A CA, a server certificate for 127.0.0.1 and a client certificate, made per run.
	cd "$BATS_FILE_TMPDIR"
	make_api_certificates fetch-test-ca
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	openssl req "${ec[@]}" -keyout client.key -out client.csr -subj /CN=routesrv 2>/dev/null
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1 2>/dev/null
	# An unrelated CA the server certificate does not chain to.
	openssl req -x509 "${ec[@]}" -keyout other.key -out other.crt -days 1 -subj /CN=other-ca 2>/dev/null
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	isolate_kube_environment
	TLS="$BATS_FILE_TMPDIR"
	VERSION=$("$BIN/routesrv-fetch" --version | awk '{print $2}')
}

teardown() {
	stop_api
	if [ -n "${SILENT_PID:-}" ]; then
		kill "$SILENT_PID" 2>/dev/null || true
		wait "$SILENT_PID" 2>/dev/null || true
	fi
}

# Starts the fake API with the given arguments; sets API (base URL), API_PORT, API_PID.
start_api() {
	local portfile="$BATS_TEST_TMPDIR/api.port"
	rm -f "$portfile"
	: > "$BATS_TEST_TMPDIR/api.log"
	"$PYTHON" "$HELPERS/fake_kube_api.py" --port-file "$portfile" --log "$BATS_TEST_TMPDIR/api.log" \
		--lifetime 120 "$@" 3>&- &
	API_PID=$!
	for _ in $(seq 600); do
		[ -s "$portfile" ] && break
		kill -0 "$API_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$portfile" ] || { echo "fake API did not start" >&2; return 1; }
	API_PORT=$(cat "$portfile")
	API="http://127.0.0.1:$API_PORT"
}

stop_api() {
	if [ -n "${API_PID:-}" ]; then
		kill "$API_PID" 2>/dev/null || true
		wait "$API_PID" 2>/dev/null || true
		API_PID=
	fi
}

# The request log: one line per request, "path?query" with query keys sorted.
requests() {
	jq -r 'select(.event == "request") | .path + (if (.query | length) > 0
		then "?" + (.query | to_entries | map(.key + "=" + (.value | tostring)) | join("&")) else "" end)' \
		"$BATS_TEST_TMPDIR/api.log"
}

# Values of one request header, one line per request.
header() {
	jq -r --arg h "$1" 'select(.event == "request") | .headers[$h] // "-"' "$BATS_TEST_TMPDIR/api.log"
}

connections() {
	jq -s '[.[] | select(.event == "connect")] | length' "$BATS_TEST_TMPDIR/api.log"
}

# kind ns/name of each output item, in output order.
items() {
	jq -r '.items[] | .kind + " " + .metadata.namespace + "/" + .metadata.name' "$@"
}

@test "lists every kind in skipper's order, cheap reads, one connection, identified" {
	start_api --fixtures "$CLUSTER"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_success
	printf '%s\n' "$output" > out.json
	run requests
	assert_output - <<'OUT'
/apis/networking.k8s.io/v1/ingresses?resourceVersion=0
/apis/zalando.org/v1
/apis/zalando.org/v1/routegroups?resourceVersion=0
/api/v1/services?resourceVersion=0
/api/v1/endpoints?resourceVersion=0
OUT
	run connections
	assert_output 1
	run header user-agent
	assert_output "$(printf "routesrv/$VERSION\n%.0s" 1 2 3 4 5)"
	run header accept-encoding
	assert_output "$(printf -- '-\n%.0s' 1 2 3 4 5)"
	run header authorization
	assert_output "$(printf -- '-\n%.0s' 1 2 3 4 5)"
}

@test "output: one List, items with kind and apiVersion, by kind then namespace/name" {
	start_api --fixtures "$CLUSTER"
	"$BIN/routesrv-fetch" -kubernetes-url "$API" > out.json
	run jq -r '.kind + " " + .apiVersion' out.json
	assert_output 'List v1'
	run items out.json
	assert_output - <<'OUT'
Ingress default/admin
Ingress default/api
Ingress shop/web
RouteGroup shop/checkout
Service default/api
Service shop/web
Endpoints default/api
Endpoints shop/web
OUT
	run jq -r '.items[] | .apiVersion' out.json
	assert_output "$(printf '%s\n' networking.k8s.io/v1 networking.k8s.io/v1 networking.k8s.io/v1 zalando.org/v1 v1 v1 v1 v1)"
	# The object itself is passed through unchanged.
	run jq -c '.items[1].metadata.annotations' out.json
	assert_output '{"zalando.org/skipper-filter":"setRequestHeader(\"X-Test\", \"1\")"}'
}

@test "-o FILE writes the List; a failed fetch keeps the previous file" {
	start_api --fixtures "$CLUSTER"
	"$BIN/routesrv-fetch" -kubernetes-url "$API" > stdout.json
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -o list.json
	assert_success
	assert_output ''
	cmp stdout.json list.json
	stop_api
	start_api --fixtures "$CLUSTER" --fault /api/v1/services=500
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -o list.json
	assert_failure 3
	cmp stdout.json list.json
	run ls
	refute_output --partial tmp
}

@test "-kubernetes-consistent-reads asks for quorum reads (no resourceVersion)" {
	start_api --fixtures "$CLUSTER"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-consistent-reads
	assert_success
	run requests
	refute_output --partial resourceVersion
	assert_line /api/v1/services
}

@test "-kubernetes-page-size pages with limit/continue and gives the same List" {
	start_api --fixtures "$CLUSTER"
	"$BIN/routesrv-fetch" -kubernetes-url "$API" > whole.json
	: > api.log
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-page-size 2
	assert_success
	printf '%s\n' "$output" > paged.json
	cmp whole.json paged.json
	run requests
	assert_output - <<'OUT'
/apis/networking.k8s.io/v1/ingresses?limit=2&resourceVersion=0
/apis/networking.k8s.io/v1/ingresses?continue=Mg==&limit=2
/apis/zalando.org/v1
/apis/zalando.org/v1/routegroups?limit=2&resourceVersion=0
/api/v1/services?limit=2&resourceVersion=0
/api/v1/endpoints?limit=2&resourceVersion=0
OUT
	run connections
	assert_output 1
}

@test "410 Gone on a continue token restarts the list once" {
	start_api --fixtures "$CLUSTER" --fault /apis/networking.k8s.io/v1/ingresses=gone-on-continue:1
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-page-size 1 -o out.json
	assert_success
	assert_output --partial 'level=info msg="continue token expired; listing again from the start"'
	run items out.json
	assert_line --index 0 'Ingress default/admin'
	assert_line --index 2 'Ingress shop/web'
	assert_line --index 3 'RouteGroup shop/checkout'
	run jq -r 'select(.event == "request" and (.path | endswith("ingresses"))) | "\(.status) \(.query.continue // "-")"' api.log
	assert_output - <<'OUT'
200 -
410 MQ==
200 -
200 MQ==
200 Mg==
OUT
}

@test "410 Gone twice fails the fetch" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/services=gone-on-continue:always
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-page-size 1
	assert_failure 3
	assert_output --regexp "failed to load cluster state: GET $API/api/v1/services\?limit=1&continue=[^ ]+: HTTP 410 Gone: The provided continue parameter is too old"
	run jq -r 'select(.event == "request" and .path == "/api/v1/services") | .status' api.log
	assert_output "$(printf '200\n410\n200\n410')"
}

@test "label selectors are applied server-side, urlquery-escaped" {
	start_api --fixtures "$CLUSTER"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-ingresses-label-selector team=core \
		-kubernetes-services-label-selector 'team=shop,tier!=db' -kubernetes-routegroups-label-selector team=core \
		-kubernetes-endpoints-label-selector team
	assert_success
	run items <(printf '%s\n' "$output")
	assert_output - <<'OUT'
Ingress default/admin
Ingress default/api
Service shop/web
Endpoints default/api
Endpoints shop/web
OUT
	run jq -r 'select(.event == "request") | .query.labelSelector // "-"' api.log
	assert_output "$(printf '%s\n' team=core - team=core 'team=shop,tier!=db' team)"
}

@test "label selectors are escaped as Go's url.QueryEscape does" {
	start_api --fixtures "$CLUSTER"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-ingresses-label-selector 'app.kubernetes.io/name=web,tier!=db'
	assert_success
	run jq -r 'select(.event == "request") | .raw_query' api.log
	assert_line --index 0 'labelSelector=app.kubernetes.io%2Fname%3Dweb%2Ctier%21%3Ddb&resourceVersion=0'
}

@test "-kubernetes-namespace lists one namespace; discovery stays cluster-wide" {
	start_api --fixtures "$CLUSTER"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-namespace shop -enable-kubernetes-endpointslices
	assert_success
	run items <(printf '%s\n' "$output")
	assert_output - <<'OUT'
Ingress shop/web
RouteGroup shop/checkout
Service shop/web
EndpointSlice shop/web-abcde
OUT
	run requests
	assert_output - <<'OUT'
/apis/networking.k8s.io/v1/namespaces/shop/ingresses?resourceVersion=0
/apis/zalando.org/v1
/apis/zalando.org/v1/namespaces/shop/routegroups?resourceVersion=0
/api/v1/namespaces/shop/services?resourceVersion=0
/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?resourceVersion=0
OUT
}

@test "-kubernetes-gzip asks for gzip and decodes it; without it nothing is asked" {
	start_api --fixtures "$CLUSTER"
	"$BIN/routesrv-fetch" -kubernetes-url "$API" > plain.json
	: > api.log
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-gzip
	assert_success
	printf '%s\n' "$output" > gzip.json
	cmp plain.json gzip.json
	run header accept-encoding
	assert_output "$(printf 'gzip\n%.0s' 1 2 3 4 5)"
}

@test "bearer token from -kubernetes-token-file; a wrong token fails without printing it" {
	printf 'sekrit-token-1\n' > token
	start_api --fixtures "$CLUSTER" --token sekrit-token-1
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-token-file token
	assert_success
	run header authorization
	assert_output "$(printf 'Bearer sekrit-token-1\n%.0s' 1 2 3 4 5)"
	printf 'wrong-token-2' > token
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-token-file token
	assert_failure 3
	assert_output --partial "failed to load cluster state: GET $API/apis/networking.k8s.io/v1/ingresses?resourceVersion=0: HTTP 401 Unauthorized: Unauthorized"
	refute_output --partial wrong-token-2
	refute_output --partial sekrit
}

@test "a rotated token is re-read after a 401 and the request retried once" {
	printf 'old-token\n' > token
	start_api --fixtures "$CLUSTER" --token new-token --token-write-on-401 "$PWD/token"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-token-file token
	assert_success
	refute_output --partial new-token
	refute_output --partial old-token
	run jq -r 'select(.event == "request") | "\(.status) \(.headers.authorization)"' api.log
	assert_line --index 0 '401 Bearer old-token'
	assert_line --index 1 '200 Bearer new-token'
	assert_line --index 5 '200 Bearer new-token'
	run connections
	assert_output 1
}

@test "missing or empty token file: exit 3 naming the file" {
	start_api --fixtures "$CLUSTER"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-token-file nope
	assert_failure 3
	assert_output --partial 'reading token file nope: No such file or directory'
	: > empty
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-token-file empty
	assert_failure 3
	assert_output --partial 'token file empty is empty'
	printf 'two\ntokens\n' > two
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-token-file two
	assert_failure 3
	refute_output --partial tokens
}

@test "403 names the URL, status and the missing RBAC permission" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/services=403
	run "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_failure 3
	assert_equal "${#lines[@]}" 1
	assert_output --partial "failed to load cluster state: GET $API/api/v1/services?resourceVersion=0: HTTP 403 Forbidden: services is forbidden: User \\\"system:serviceaccount:default:routesrv\\\" cannot list resource \\\"services\\\" in API group \\\"\\\" at the cluster scope"
}

@test "404, 500 and 503 on a list fail the whole fetch" {
	for spec in /apis/networking.k8s.io/v1/ingresses=404 /apis/zalando.org/v1/routegroups=500 \
		/api/v1/endpoints=503:overloaded; do
		start_api --fixtures "$CLUSTER" --fault "$spec"
		run "$BIN/routesrv-fetch" -kubernetes-url "$API"
		assert_failure 3
		assert_equal "${#lines[@]}" 1
		assert_output --regexp "level=error msg=\"failed to load cluster state: GET $API${spec%%=*}\\?resourceVersion=0: HTTP (404 Not Found|500 Internal Server Error|503 Service Unavailable): "
		stop_api
	done
}

@test "RouteGroup discovery 404: one warning, no RouteGroups, success" {
	start_api --fixtures "$CLUSTER" --fault /apis/zalando.org/v1=404
	run "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_success
	assert_line --partial 'level=warning msg="RouteGroups CRD is not installed in the cluster.'
	run jq -r '.items[].kind' <(printf '%s\n' "$output" | grep -v level=)
	refute_output --partial RouteGroup
	run requests
	refute_output --partial routegroups
}

@test "RouteGroup discovery without routegroups: no request, no warning" {
	printf 'disableRouteGroups: true\n' > no-rg.api
	start_api --fixtures "$CLUSTER" --api no-rg.api
	run "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_success
	refute_output --partial level=
	run requests
	refute_output --partial routegroups
}

@test "garbage, truncated JSON and a cut connection fail the fetch" {
	for spec in garbage truncate-json truncate; do
		start_api --fixtures "$CLUSTER" --fault "/api/v1/services=$spec"
		run "$BIN/routesrv-fetch" -kubernetes-url "$API"
		assert_failure 3
		assert_equal "${#lines[@]}" 1
		assert_output --partial "failed to load cluster state: GET $API/api/v1/services?resourceVersion=0: "
		stop_api
	done
}

@test "invalid JSON: one line naming the URL, the byte offset and what is wrong" {
	start_api --fixtures "$CLUSTER" --fault "/api/v1/services=garbage"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_failure 3
	assert_output --partial "GET $API/api/v1/services?resourceVersion=0: invalid JSON at byte 0 of 29: expected a value"
	stop_api
	start_api --fixtures "$CLUSTER" --fault "/api/v1/endpoints=truncate-json"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -o out.json
	assert_failure 3
	assert_output --partial "GET $API/api/v1/endpoints?resourceVersion=0: invalid JSON at byte 47 of 47: unexpected end of input"
	assert [ ! -e out.json ]
}

@test "items are passed through as sent, with kind and apiVersion first" {
	start_api --fixtures "$CLUSTER"
	"$BIN/routesrv-fetch" -kubernetes-url "$API" > out.json
	curl -s "$API/api/v1/services?resourceVersion=0" > services.json
	# Each Service line of the output is the API's item text, byte for byte (the fake server
	# puts blanks after ':' and ','), with the two members spliced in after its '{'.
	local head='{"kind":"Service","apiVersion":"v1",'
	run grep -c -F "$head" out.json
	assert_output 2
	grep -F "$head" out.json | while IFS= read -r line; do
		item="{${line#"$head"}"
		item=${item%,}
		assert [ "$item" != "${item/: /}" ]
		grep -q -F "$item" services.json
	done
}

@test "a .kube file's endpoint slice and label selector keys (kube-flags --fetch) choose what is listed" {
	start_api --fixtures "$CLUSTER"
	printf 'enable-kubernetes-endpointslices: true\nkubernetes-ingresses-label-selector:\n  team: core\ntopology-zone: eu-central-1a\n' > set.kube
	local flags
	mapfile -t flags < <(python3 "$BATS_TEST_DIRNAME/../conformance/kube-flags" --fetch set.kube)
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" "${flags[@]}"
	assert_success
	run requests
	assert_output - <<'OUT'
/apis/networking.k8s.io/v1/ingresses?labelSelector=team=core&resourceVersion=0
/apis/zalando.org/v1
/apis/zalando.org/v1/routegroups?resourceVersion=0
/api/v1/services?resourceVersion=0
/apis/discovery.k8s.io/v1/endpointslices?resourceVersion=0
OUT
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -fixture-options set.kube
	assert_failure 2
}

@test "a slow API server runs into -kubernetes-timeout" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/endpoints=slow:5
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-timeout 300ms
	assert_failure 3
	assert_output --partial "GET $API/api/v1/endpoints?resourceVersion=0: no response headers within 300ms (-kubernetes-timeout)"
}

@test "a slow body that keeps arriving is read to its end: 12 s against the default 10 s timeouts" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/endpoints=trickle:12
	run --separate-stderr "$BIN/routesrv-fetch" -kubernetes-url "$API"
	assert_success
	run jq '.items | map(select(.kind == "Endpoints")) | length' <<<"$output"
	[ "$output" -gt 0 ]
}

@test "-kubernetes-stall-timeout bounds the body only: headers within -kubernetes-timeout are waited for" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/endpoints=slow:3
	run --separate-stderr "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-timeout 20s -kubernetes-stall-timeout 1s
	assert_success
	run jq '.items | map(select(.kind == "Endpoints")) | length' <<<"$output"
	[ "$output" -gt 0 ]
}

@test "a body that stops arriving runs into -kubernetes-stall-timeout" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/endpoints=stall:5
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-stall-timeout 1s
	assert_failure 3
	assert_output --partial "GET $API/api/v1/endpoints?resourceVersion=0: no data received for 1s (-kubernetes-stall-timeout)"
}

@test "a server that accepts but never answers the TLS handshake runs into -kubernetes-connect-timeout" {
	# a listener whose kernel completes the TCP handshake and that never says a word
	"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(120)' silent.port 3>&- &
	SILENT_PID=$!
	for _ in $(seq 400); do [ -s silent.port ] && break; sleep 0.05; done
	port=$(cat silent.port)
	# the connect timeout bounds the handshake, not -kubernetes-timeout (30 s here)
	run "$BIN/routesrv-fetch" -kubernetes-url "https://127.0.0.1:$port" -kubernetes-connect-timeout 1s \
		-kubernetes-timeout 30s
	assert_failure 3
	assert_output --partial "GET https://127.0.0.1:$port/apis/networking.k8s.io/v1/ingresses?resourceVersion=0: could not connect within 1s (-kubernetes-connect-timeout)"
}

@test "nothing listening: exit 3 naming the URL" {
	port=$(closed_port)
	run "$BIN/routesrv-fetch" -kubernetes-url "http://127.0.0.1:$port/"
	assert_failure 3
	assert_output --partial "failed to load cluster state: GET http://127.0.0.1:$port/apis/networking.k8s.io/v1/ingresses?resourceVersion=0: "
	assert_output --partial 'is `kubectl proxy` running, or should this be -kubeconfig FILE?'
	assert_equal "${#lines[@]}" 1
}

@test "skipper's cluster-state fixtures: failures fail, discovery errors are logged" {
	local dir="$FIXTURES/routegroups/cluster-state" n=0
	require_fixtures "$dir"
	for api in "$dir"/*.api; do
		local set="${api%.api}"
		args=(--api "$api")
		[ -f "$set.yaml" ] && args+=(--fixtures "$set.yaml")
		start_api "${args[@]}"
		run "$BIN/routesrv-fetch" -kubernetes-url "$API" -o out.json
		if [ -f "$set.error" ]; then
			assert_failure 3
			while IFS= read -r rx; do
				[ -n "$rx" ] && assert_output --regexp "$rx"
			done < "$set.error"
		else
			assert_success
		fi
		if [ -f "$set.log" ]; then
			while IFS= read -r rx; do
				[ -n "$rx" ] && assert_output --regexp "$rx"
			done < "$set.log"
		fi
		stop_api
		n=$((n + 1))
	done
	assert [ "$n" -ge 5 ]
}

@test "usage errors: exit 2" {
	run "$BIN/routesrv-fetch" extra
	assert_failure 2
	run "$BIN/routesrv-fetch" -no-such-flag
	assert_failure 2
	run "$BIN/routesrv-fetch" -kubernetes-in-cluster -kubernetes-url http://127.0.0.1:1
	assert_failure 2
	assert_output --partial 'excludes'
	run "$BIN/routesrv-fetch" -kubernetes-url ftp://127.0.0.1:1
	assert_failure 2
	run "$BIN/routesrv-fetch" -kubernetes-client-cert x.crt -kubernetes-url http://127.0.0.1:1
	assert_failure 2
	run "$BIN/routesrv-fetch" -kubernetes-in-cluster
	assert_failure 2
	assert_output --partial 'KUBERNETES_SERVICE_HOST'
}

# --- TLS, in-cluster and kubeconfig ---------------------------------------------------------------

start_tls_api() {
	start_api --fixtures "$CLUSTER" --tls-cert "$TLS/server.crt" --tls-key "$TLS/server.key" "$@"
	API="https://127.0.0.1:$API_PORT"
}

@test "TLS: the server certificate is verified against -kubernetes-ca-file" {
	start_tls_api
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-ca-file "$TLS/ca.crt"
	assert_success
	run connections
	assert_output 1
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-ca-file "$TLS/other.crt"
	assert_failure 3
	assert_output --partial "failed to load cluster state: GET $API/apis/networking.k8s.io/v1/ingresses?resourceVersion=0: "
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-insecure-skip-tls-verify
	assert_success
}

@test "TLS: client certificates" {
	start_tls_api --client-ca "$TLS/ca.crt"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-ca-file "$TLS/ca.crt"
	assert_failure 3
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-ca-file "$TLS/ca.crt" \
		-kubernetes-client-cert "$TLS/client.crt" -kubernetes-client-key "$TLS/client.key"
	assert_success
	run jq '.items | length' <(printf '%s\n' "$output")
	assert_output 8
}

@test "in-cluster: service host/port from the environment, service-account token and CA" {
	start_tls_api --token sa-token
	mkdir sa
	cp "$TLS/ca.crt" sa/ca.crt
	printf 'sa-token\n' > sa/token
	KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$API_PORT ROUTESRV_SERVICEACCOUNT_DIR=$PWD/sa \
		run "$BIN/routesrv-fetch" -kubernetes-in-cluster
	assert_success
	refute_output --partial sa-token
	run header authorization
	assert_line --index 0 'Bearer sa-token'
	# The wrong CA in the service-account directory is a TLS failure.
	cp "$TLS/other.crt" sa/ca.crt
	KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$API_PORT ROUTESRV_SERVICEACCOUNT_DIR=$PWD/sa \
		run "$BIN/routesrv-fetch" -kubernetes-in-cluster
	assert_failure 3
}

# Writes a kubeconfig with two contexts: "tls" (client cert data, CA data) and "plain"
# (token), current-context $1.
write_kubeconfig() {
	cat > kubeconfig <<EOF
apiVersion: v1
kind: Config
current-context: $1
clusters:
- name: tls-cluster
  cluster:
    server: https://127.0.0.1:${TLS_PORT:-1}
    certificate-authority-data: $(base64 -w0 < "$TLS/ca.crt")
- name: plain-cluster
  cluster:
    server: http://127.0.0.1:${PLAIN_PORT:-1}/
contexts:
- name: tls
  context:
    cluster: tls-cluster
    user: cert-user
- name: plain
  context:
    cluster: plain-cluster
    user: token-user
    namespace: ignored
users:
- name: cert-user
  user:
    client-certificate-data: $(base64 -w0 < "$TLS/client.crt")
    client-key-data: $(base64 -w0 < "$TLS/client.key")
- name: token-user
  user:
    token: kc-token
EOF
}

@test "kubeconfig: current-context, -kube-context, token, CA and client certificate data" {
	start_tls_api --client-ca "$TLS/ca.crt"
	TLS_PORT=$API_PORT
	write_kubeconfig tls
	run "$BIN/routesrv-fetch" -kubeconfig kubeconfig
	assert_success
	run jq '.items | length' <(printf '%s\n' "$output")
	assert_output 8
	stop_api
	start_api --fixtures "$CLUSTER" --token kc-token
	PLAIN_PORT=$API_PORT
	write_kubeconfig tls
	run "$BIN/routesrv-fetch" -kubeconfig kubeconfig -kube-context plain
	assert_success
	refute_output --partial kc-token
	run header authorization
	assert_line --index 0 'Bearer kc-token'
	# The context's namespace is kubectl's default, not a filter: routesrv lists cluster-wide.
	run requests
	assert_line --index 0 '/apis/networking.k8s.io/v1/ingresses?resourceVersion=0'
	run "$BIN/routesrv-fetch" -kubeconfig kubeconfig -kube-context nope
	assert_failure 2
	assert_output --partial 'context "nope" not found'
}

@test "kubeconfig from \$KUBECONFIG (first entry) and ~/.kube/config with -kube-context" {
	start_api --fixtures "$CLUSTER" --token kc-token
	PLAIN_PORT=$API_PORT
	write_kubeconfig plain
	KUBECONFIG="$PWD/kubeconfig:/nonexistent" run "$BIN/routesrv-fetch"
	assert_success
	mkdir -p "$HOME/.kube"
	mv kubeconfig "$HOME/.kube/config"
	run "$BIN/routesrv-fetch" -kube-context plain
	assert_success
}

@test "no connection flags: as kubectl, \$KUBECONFIG, then ~/.kube/config, then kubectl proxy with a hint" {
	start_api --fixtures "$CLUSTER" --token kc-token
	PLAIN_PORT=$API_PORT
	write_kubeconfig plain
	mkdir -p "$HOME/.kube"
	cp kubeconfig "$HOME/.kube/config"
	# ~/.kube/config alone, as kubectl reads it
	run "$BIN/routesrv-fetch"
	assert_success
	assert_output --partial '"kind":"List"'
	# $KUBECONFIG wins over ~/.kube/config
	sed "s/127.0.0.1:$API_PORT/127.0.0.1:$(closed_port)/" kubeconfig > broken
	KUBECONFIG="$PWD/broken" run "$BIN/routesrv-fetch" -kubernetes-connect-timeout 1s
	assert_failure 3
	assert_output --partial "the kubeconfig's server is unreachable"
	# neither: kubectl proxy's address, and the error says what to do
	rm "$HOME/.kube/config"
	run "$BIN/routesrv-fetch" -kubernetes-timeout 2s -kubernetes-connect-timeout 1s
	assert_failure 3
	assert_output --partial 'GET http://127.0.0.1:8001/apis/networking.k8s.io/v1/ingresses'
	assert_output --partial 'start `kubectl proxy`, or pass -kubeconfig FILE'
}

@test "kubeconfig: tokenFile relative to the kubeconfig, re-read per run" {
	start_api --fixtures "$CLUSTER" --token file-token
	mkdir -p conf
	printf 'file-token\n' > conf/token
	write_api_kubeconfig conf/kubeconfig '{tokenFile: token}'
	run "$BIN/routesrv-fetch" -kubeconfig conf/kubeconfig
	assert_success
	run header authorization
	assert_line --index 0 'Bearer file-token'
}

@test "kubeconfig: exec plugin with args and env, run once per fetch, re-run after a 401" {
	start_api --fixtures "$CLUSTER" --token exec-token-2
	cat > plugin.sh <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
echo run >> "$dir/plugin.runs"
printf '%s ' "$@" > "$dir/plugin.args"
printf '%s\n' "$PLUGIN_MODE" > "$dir/plugin.env"
printf '%s\n' "$KUBERNETES_EXEC_INFO" > "$dir/plugin.info"
n=$(wc -l < "$dir/plugin.runs")
cat <<JSON
{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
 "status": {"token": "exec-token-$n", "expirationTimestamp": "2099-01-01T00:00:00Z"}}
JSON
EOF
	chmod +x plugin.sh
	cat > kubeconfig <<EOF
current-context: c
clusters: [{name: k, cluster: {server: "$API"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./plugin.sh
      args: [get-token, --cluster, test]
      env: [{name: PLUGIN_MODE, value: testing}]
      provideClusterInfo: true
EOF
	run "$BIN/routesrv-fetch" -kubeconfig kubeconfig
	assert_success
	refute_output --partial exec-token
	run cat plugin.args
	assert_output 'get-token --cluster test '
	run cat plugin.env
	assert_output testing
	run jq -c . plugin.info
	assert_output "{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false,\"cluster\":{\"server\":\"$API\"}}}"
	# The first token was refused: the plugin ran again, then its credential served all requests.
	run wc -l < plugin.runs
	assert_output 2
	run jq -r 'select(.event == "request") | "\(.status) \(.headers.authorization)"' api.log
	assert_output "$(printf '401 Bearer exec-token-1\n'; printf '200 Bearer exec-token-2\n%.0s' 1 2 3 4 5)"
}

@test "kubeconfig: a failing exec plugin fails the fetch; bad kubeconfigs are usage errors" {
	start_api --fixtures "$CLUSTER"
	printf '#!/bin/sh\necho "no credentials here" >&2\nexit 7\n' > fail.sh
	chmod +x fail.sh
	write_api_kubeconfig kubeconfig '{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./fail.sh}}'
	run "$BIN/routesrv-fetch" -kubeconfig kubeconfig
	assert_failure 3
	assert_output --partial 'exec plugin'
	assert_output --partial 'exited with status 7'
	run "$BIN/routesrv-fetch" -kubeconfig nonexistent
	assert_failure 2
	printf 'current-context: [\n' > broken
	run "$BIN/routesrv-fetch" -kubeconfig broken
	assert_failure 2
	assert_output --partial broken
}

# --- routesrv-fetch | routesrv-compile ----------------------------------------------------------------

@test "routesrv-fetch | routesrv-compile equals routesrv-compile of the same files" {
	[ -x "$BIN/routesrv-compile" ] || skip "routesrv-compile is not built"
	start_api --fixtures "$CLUSTER"
	for es in "" -enable-kubernetes-endpointslices; do
		"$BIN/routesrv-fetch" -kubernetes-url "$API" $es > list.json
		"$BIN/routesrv-compile" $es - < list.json > fetched.eskip
		"$BIN/routesrv-compile" $es "$CLUSTER" > files.eskip
		run grep -c . files.eskip
		assert [ "$output" -ge 8 ]
		cmp fetched.eskip files.eskip
	done
}

@test "fetch | compile equals compile for skipper's fixture sets" {
	[ -x "$BIN/routesrv-compile" ] || skip "routesrv-compile is not built"
	local dirs=("$FIXTURES/routegroups/examples" "$FIXTURES/ingressV1/service-ports-endpointslices")
	require_fixtures "${dirs[@]}"
	# One fake API server serves every set under its own prefix; .kube files become flags
	# in one kube-flags process.
	local yamls=() sets=() kubes=() n=0
	for dir in "${dirs[@]}"; do
		for yaml in "$dir"/*.yaml; do
			yamls+=("$yaml")
			sets+=(--set "s${#yamls[@]}=$yaml")
			[ -f "${yaml%.yaml}.kube" ] && kubes+=("${yaml%.yaml}.kube")
		done
	done
	python3 "$BATS_TEST_DIRNAME/../conformance/kube-flags" --batch flags "${kubes[@]}"
	start_api "${sets[@]}"
	for i in "${!yamls[@]}"; do
		local yaml=${yamls[i]} opts=() fetch_opts=()
		local kube=flags/${yaml#/}
		kube=${kube%.yaml}.kube
		if [ -f "${yaml%.yaml}.kube" ]; then
			mapfile -t opts < "$kube.flags"
			mapfile -t fetch_opts < "$kube.fetch-flags"
		fi
		"$BIN/routesrv-fetch" -kubernetes-url "$API/sets/s$((i + 1))" "${fetch_opts[@]}" > list.json
		"$BIN/routesrv-compile" "${opts[@]}" - < list.json > fetched.eskip 2>/dev/null
		"$BIN/routesrv-compile" "${opts[@]}" "$yaml" > files.eskip 2>/dev/null
		cmp fetched.eskip files.eskip || { echo "differs: $yaml" >&2; return 1; }
		n=$((n + 1))
	done
	stop_api
	assert [ "$n" -ge 20 ]
}

@test "-o into a device or FIFO writes into it, never replaces it" {
	start_api --fixtures "$CLUSTER"
	mkfifo fifo
	cat fifo > from-fifo.json 3>&- &
	local reader=$!
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -o fifo
	assert_success
	wait "$reader"
	run jq '.items | length' from-fifo.json
	assert_output 8
	assert [ -p fifo ]
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -o /dev/null
	assert_success
	assert [ -c /dev/null ]
}
