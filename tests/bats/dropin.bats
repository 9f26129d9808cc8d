#!/usr/bin/env bats
# routesrv-serve as a drop-in for skipper's routesrv (issue 12): a Deployment's arguments and
# a -config-file shared with skipper proxies work unchanged and serve the same table; the
# connection rules of skipper's routesrv (in-cluster wins over -kubernetes-url, $KUBECONFIG
# ignored, missing service-account files fail the start); exec credential plugins run as
# clean processes. Servers listen on 127.0.0.1 only.

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"

setup_file() {
	# A CA and a server certificate for 127.0.0.1: the fake API as an in-cluster API server.
	cd "$BATS_FILE_TMPDIR"
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 1 -subj /CN=dropin-test-ca 2>/dev/null
	openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 \
		-extfile san.ext 2>/dev/null
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT ROUTESRV_SERVICEACCOUNT_DIR
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	TLS="$BATS_FILE_TMPDIR"
	SERVE_PID=
	API_PID=
}

teardown() {
	stop_serve
	stop_api
}

# The fake API over TLS with a service-account token, and the pod's view of it: the
# environment and service-account directory -kubernetes-in-cluster reads.
start_in_cluster_api() {
	start_api --tls-cert "$TLS/server.crt" --tls-key "$TLS/server.key" --token sa-token "$@"
	mkdir -p sa
	cp "$TLS/ca.crt" sa/ca.crt
	printf 'sa-token\n' > sa/token
	export KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$API_PORT ROUTESRV_SERVICEACCOUNT_DIR=$PWD/sa
}

# --- exec credential plugins ----------------------------------------------------------------

@test "exec credential plugins start with no signal blocked or ignored" {
	start_api --fixtures "$EXAMPLES/cluster" --token exec-token
	cat > plugin.sh <<'SH'
#!/bin/sh
grep -E '^Sig(Blk|Ign):' /proc/$$/status > "$(dirname "$0")/plugin.signals"
printf '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "exec-token"}}\n'
SH
	chmod +x plugin.sh
	cat > kubeconfig <<KC
current-context: c
clusters: [{name: k, cluster: {server: "$API"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh}}}]
KC
	start_serve -kubernetes -kubeconfig kubeconfig
	wait_log 'msg="routes initialized"'
	run cat plugin.signals
	assert_line --index 0 "$(printf 'SigBlk:\t0000000000000000')"
	# Signals 1-31 have their default action. (glibc's posix_spawn leaves its two internal
	# real-time signals, 32 and 33, ignored in every process it starts: bits 0x180000000.)
	ignored=$(awk '$1 == "SigIgn:" { print $2 }' plugin.signals)
	assert_equal "$(( 0x$ignored & 0x7fffffff ))" 0
}
