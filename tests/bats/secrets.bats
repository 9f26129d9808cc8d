#!/usr/bin/env bats
# Issue 11 item 4: no credential in any log line or error. A password in URL userinfo
# (-kubernetes-url, a kubeconfig server:, routesrv-etag / routesrv-diff URL inputs) is shown
# as Go shows it, user:xxxxx@; bearer tokens and client key material never appear. Every
# line every command prints (stdout and stderr) is searched for the secrets, against the
# fake API server, a plain HTTP server and a closed port.

load helpers/common
load helpers/serve
bats_require_minimum_version 1.5.0

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
SECRET=S3cretPassw0rd
TOKEN=tok-5e1b7c0ffee9d2a4
KEYTEXT=KEYMATERIAL7f3a9

setup() {
	cd "$BATS_TEST_TMPDIR"
	unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	SERVE_PID=
	API_PID=
	HTTP_PID=
	CLOSED=$(closed_port)
	printf '%s\n' "$TOKEN" >token
	printf -- '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' "$KEYTEXT" >client.key
	cp client.key client.crt
	: >all.out
}

teardown() {
	stop_serve
	stop_api
	stop_http_server
}

# Runs a command, appending its stdout and stderr to all.out; sets status.
capture() {
	set +e
	"$@" >>all.out 2>&1 </dev/null
	status=$?
	set -e
}

# No secret in anything captured; the masked form shows where a URL was printed.
assert_no_secrets() {
	if grep -n -e "$SECRET" -e "$TOKEN" -e "$KEYTEXT" all.out serve.log 2>/dev/null; then
		fail "a secret was printed (above)"
	fi
}

kubeconfig() { # SERVER
	cat >kubeconfig <<-EOF
		apiVersion: v1
		kind: Config
		current-context: c
		contexts: [{name: c, context: {cluster: k, user: u}}]
		clusters: [{name: k, cluster: {server: "$1"}}]
		users: [{name: u, user: {token: "$TOKEN"}}]
	EOF
}

@test "routesrv-fetch: -kubernetes-url and kubeconfig server: with a password, a closed port and a 401" {
	capture "$BIN/routesrv-fetch" -kubernetes-url "http://admin:$SECRET@127.0.0.1:$CLOSED"
	assert_equal "$status" 3
	grep -q "GET http://admin:xxxxx@127.0.0.1:$CLOSED/" all.out
	capture "$BIN/routesrv-fetch" -kubernetes-url "ftp://admin:$SECRET@127.0.0.1:$CLOSED"
	assert_equal "$status" 2
	grep -q "ftp://admin:xxxxx@127.0.0.1:$CLOSED" all.out
	kubeconfig "http://admin:$SECRET@127.0.0.1:$CLOSED"
	capture "$BIN/routesrv-fetch" -kubeconfig kubeconfig
	assert_equal "$status" 3
	# the API refuses the token: 401 names the URL, never the token
	start_api --fixtures "$EXAMPLES/cluster" --token other-token
	kubeconfig "http://admin:$SECRET@127.0.0.1:$API_PORT"
	capture "$BIN/routesrv-fetch" -kubeconfig kubeconfig
	assert_equal "$status" 3
	grep -q "http://admin:xxxxx@127.0.0.1:$API_PORT/.*401" all.out
	capture "$BIN/routesrv-fetch" -kubernetes-url "http://admin:$SECRET@127.0.0.1:$API_PORT" -kubernetes-token-file token
	assert_equal "$status" 3
	# client key material that does not load
	capture "$BIN/routesrv-fetch" -kubernetes-url "https://admin:$SECRET@127.0.0.1:$CLOSED" \
		-kubernetes-client-cert client.crt -kubernetes-client-key client.key
	[ "$status" -ne 0 ]
	assert_no_secrets
}

@test "routesrv-serve: every failed cycle's error masks the password (API down, 401, JSON logs)" {
	start_api --fixtures "$EXAMPLES/cluster"
	local port=$API_PORT
	start_serve -kubernetes -kubernetes-url "http://admin:$SECRET@127.0.0.1:$port"
	wait_log "routes initialized"
	stop_api
	wait_log 'msg="failed to fetch routes"' 2
	start_api --port "$port" --fixtures "$EXAMPLES/cluster" --token other-token
	wait_log 'failed to fetch routes.*401' 2
	stop_serve
	grep -q "GET http://admin:xxxxx@127.0.0.1:$port/" serve.log
	mv serve.log serve1.log
	kubeconfig "http://admin:$SECRET@127.0.0.1:$CLOSED"
	start_serve -kubernetes -kubeconfig kubeconfig -application-log-json-enabled
	wait_log 'failed to fetch routes' 2
	stop_serve
	grep -q "admin:xxxxx@127.0.0.1:$CLOSED" serve.log
	cat serve1.log >>all.out
	assert_no_secrets
}

@test "routesrv-etag and routesrv-diff: URL inputs with a password (closed port, HTTP errors)" {
	start_http_server "$BATS_TEST_TMPDIR"
	for url in "http://admin:$SECRET@127.0.0.1:$CLOSED/routes" "http://admin:$SECRET@127.0.0.1:$HTTP_PORT/status/500" \
		"http://admin:$SECRET@127.0.0.1:$HTTP_PORT/missing"; do
		capture "$BIN/routesrv-etag" "$url"
		assert_equal "$status" 2
		capture "$BIN/routesrv-diff" "$url" /dev/null
		assert_equal "$status" 2
		capture "$BIN/routesrv-diff" /dev/null "$url"
		assert_equal "$status" 2
	done
	grep -q "http://admin:xxxxx@127.0.0.1:$CLOSED/routes" all.out
	# a table that differs: the diff header names the URL, masked
	printf 'r: * -> <shunt>;\n' >a.eskip
	capture "$BIN/routesrv-diff" "http://admin:$SECRET@127.0.0.1:$HTTP_PORT/a.eskip" /dev/null
	assert_equal "$status" 1
	grep -q -- "--- http://admin:xxxxx@127.0.0.1:$HTTP_PORT/a.eskip" all.out
	assert_no_secrets
}
