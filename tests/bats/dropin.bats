#!/usr/bin/env bats
# routesrv-serve as a drop-in for skipper's routesrv (issue 12): a Deployment's arguments and
# a -config-file shared with skipper proxies work unchanged and serve the same table; the
# connection rules of skipper's routesrv (in-cluster wins over -kubernetes-url, $KUBECONFIG
# ignored, missing service-account files fail the start); exec credential plugins run as
# clean processes. Servers listen on 127.0.0.1 only.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"

setup_file() {
	# A CA and a server certificate for 127.0.0.1: the fake API as an in-cluster API server.
	cd "$BATS_FILE_TMPDIR"
	make_api_certificates dropin-test-ca
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	isolate_kube_environment
	TLS="$BATS_FILE_TMPDIR"
	SERVE_PID=
	API_PID=
}

teardown() {
	stop_serve
	stop_api
}

# --- exec credential plugins ----------------------------------------------------------------

@test "exec credential plugins start with no signal blocked or ignored" {
	start_api --fixtures "$EXAMPLES/cluster" --token exec-token
	cat > plugin.sh <<'SH'
#!/bin/sh
# builtins only, before anything else: the shell's own state as routesrv-serve started it
# (a shell blocks every signal while it waits for a child, so no child may run first)
while IFS= read -r line; do
	case $line in SigBlk:*|SigIgn:*) printf '%s\n' "$line" ;; esac
done < /proc/$$/status > "$0.signals"
printf '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "exec-token"}}\n'
SH
	chmod +x plugin.sh
	write_api_kubeconfig kubeconfig '{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh}}'
	start_serve -kubernetes -kubeconfig kubeconfig
	wait_log 'msg="routes initialized"'
	run cat plugin.sh.signals
	assert_line --index 0 "$(printf 'SigBlk:\t0000000000000000')"
	# Signals 1-31 have their default action. (glibc's posix_spawn leaves its two internal
	# real-time signals, 32 and 33, ignored in every process it starts: bits 0x180000000.)
	ignored=$(awk '$1 == "SigIgn:" { print $2 }' plugin.sh.signals)
	assert_equal "$(( 0x$ignored & 0x7fffffff ))" 0
}

@test "a SIGINT sent while routesrv-serve starts (a shell's background job: SIGINT ignored) stops it once started" {
	# The start waits on -config-file, a FIFO, until the signal has been sent. (A background
	# job of a shell starts with SIGINT ignored; an ignored signal that is not blocked is lost.)
	mkfifo config.yaml
	printf 'r: * -> <shunt>;\n' > routes.eskip
	"$BIN/routesrv-serve" -config-file config.yaml -routes-file routes.eskip -address 127.0.0.1:0 \
		-support-listener 127.0.0.1:0 >serve.log 2>&1 3>&- &
	SERVE_PID=$!
	for _ in $(seq 1200); do [ "$(cat "/proc/$SERVE_PID/wchan" 2>/dev/null)" = wait_for_partner ] && break; sleep 0.05; done
	[ "$(cat "/proc/$SERVE_PID/wchan")" = wait_for_partner ]   # opening the FIFO
	kill -INT "$SERVE_PID"
	printf 'address: 127.0.0.1:0\n' > config.yaml
	for _ in $(seq 1200); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$SERVE_PID" 2>/dev/null; then
		echo "the SIGINT was lost: routesrv-serve still runs" >&2
		kill -KILL "$SERVE_PID"
		false
	fi
	wait "$SERVE_PID"   # status 0: a clean shutdown
	SERVE_PID=
}

# --- connecting as skipper's routesrv --------------------------------------------------------

@test "in-cluster: -kubernetes-url is ignored (logged), the service account is used" {
	start_in_cluster_api "$TLS" --fixtures "$EXAMPLES/cluster"
	start_serve -kubernetes -kubernetes-in-cluster -kubernetes-url http://127.0.0.1:1
	wait_log 'msg="routes initialized"'
	grep -q 'msg="-kubernetes-url is ignored with -kubernetes-in-cluster, as in skipper" url="http://127.0.0.1:1"' serve.log
	run jq -r 'select(.event == "request") | .headers.authorization' "$BATS_TEST_TMPDIR/api.log"
	assert_line --index 0 'Bearer sa-token'
	# routesrv-fetch, a new tool, keeps calling the pair a mistake
	run "$BIN/routesrv-fetch" -kubernetes-in-cluster -kubernetes-url http://127.0.0.1:1
	assert_failure 2
	assert_output --partial excludes
}

@test "in-cluster: a missing service-account token or CA fails the start with status 1" {
	start_in_cluster_api "$TLS" --fixtures "$EXAMPLES/cluster"
	rm sa/token
	run --separate-stderr "$BIN/routesrv-serve" -kubernetes -kubernetes-in-cluster -address 127.0.0.1:0 \
		-support-listener 127.0.0.1:0
	assert_failure 1
	[[ "$stderr" == *"level=error msg=\"-kubernetes-in-cluster: reading token file $PWD/sa/token: No such file or directory\""* ]] ||
		fail "unexpected: $stderr"
	printf 'sa-token\n' > sa/token
	rm sa/ca.crt
	run --separate-stderr "$BIN/routesrv-serve" -kubernetes -kubernetes-in-cluster -address 127.0.0.1:0 \
		-support-listener 127.0.0.1:0
	assert_failure 1
	[[ "$stderr" == *"reading CA file $PWD/sa/ca.crt: No such file or directory"* ]] || fail "unexpected: $stderr"
	# no request was made: nothing started
	run jq -s '[.[] | select(.event == "request")] | length' "$BATS_TEST_TMPDIR/api.log"
	assert_output 0
}

@test "\$KUBECONFIG is not read by routesrv-serve (skipper's default: kubectl proxy), only -kubeconfig" {
	start_api --fixtures "$EXAMPLES/cluster"
	write_api_kubeconfig kubeconfig '{}'
	# $KUBECONFIG names a working cluster: routesrv-serve goes to 127.0.0.1:8001 all the same
	KUBECONFIG=$PWD/kubeconfig start_serve -kubernetes -kubernetes-connect-timeout 1s
	wait_log 'msg="failed to fetch routes".*127.0.0.1:8001'
	stop_serve
	run jq -s '[.[] | select(.event == "request")] | length' "$BATS_TEST_TMPDIR/api.log"
	assert_output 0
	# -kubeconfig names it: read
	KUBECONFIG=/nonexistent start_serve -kubernetes -kubeconfig kubeconfig
	wait_log 'msg="routes initialized"'
	# routesrv-fetch connects where kubectl does
	KUBECONFIG=$PWD/kubeconfig run "$BIN/routesrv-fetch"
	assert_success
}

# --- a skipper routesrv Deployment, unchanged ---------------------------------------------------

# The conversion flags of such a Deployment: they shape the table, so both runs pass them.
CONVERSION=(
	-kubernetes-path-mode=path-prefix
	-kubernetes-https-redirect=true
	-kubernetes-ingress-class=skipper
	-kubernetes-routegroup-class=skipper
	-kubernetes-backend-traffic-algorithm=traffic-segment-predicate
	-kubernetes-default-lb-algorithm=powerOfRandomNChoices
	-kubernetes-east-west-range-domains=ingress.cluster.local
	-kubernetes-east-west-range-predicates='ClientIP("10.2.0.0/15")'
	-whitelisted-healthcheck-cidr=172.31.0.0/16
)

@test "the args of skipper's routesrv Deployment and a proxy's -config-file serve the same table" {
	start_in_cluster_api "$TLS" --fixtures "$EXAMPLES/cluster"
	# the table of the conversion flags alone
	start_serve -kubernetes -kubernetes-in-cluster "${CONVERSION[@]}"
	wait_log 'msg="routes initialized"'
	curl -s -D - "$URL/routes" | tr -d '\r' | grep -v -e '^Date:' -e '^Last-Modified:' > plain.out
	stop_serve
	# skipper-ingress's configuration file, shared with the proxies (routesrv reads it too)
	cat > config.yaml <<'YAML'
application-log-level: INFO
enable-ratelimits: true
enable-breakers: true
breaker: type=consecutive,failures=5
max-idle-connection-backend: 64
idle-timeout-server: 62s
read-timeout-server: 5m
close-idle-conns-period: 20s
metrics-flavour: [prometheus]
histogram-metric-buckets: "0.005,0.01,0.025,0.05,0.1,0.25,0.5,1"
enable-connection-metrics: true
lb-healthcheck-interval: 3s
disabled-filters: [lua]
inline-routes: 'health: Path("/kube-system/healthz") -> status(200) -> <shunt>'
YAML
	# the args of Zalando's routesrv Deployment (address and listeners from start_serve)
	start_serve -config-file config.yaml \
		-kubernetes \
		-kubernetes-in-cluster \
		"${CONVERSION[@]}" \
		-wait-for-healthcheck-interval=45s \
		-enable-prometheus-metrics \
		-enable-api-usage-monitoring \
		-api-usage-monitoring-realm-keys=https://identity.zalando.com/realm \
		-api-usage-monitoring-client-keys=https://identity.zalando.com/managed-id,sub \
		-api-usage-monitoring-realms-tracking-pattern=services \
		-api-usage-monitoring-default-client-tracking-pattern=services[.].* \
		-forwarded-headers=X-Forwarded-For,X-Forwarded-Host,X-Forwarded-Method,X-Forwarded-Uri,X-Forwarded-Port=,X-Forwarded-Proto=https \
		-forwarded-headers-exclude-cidrs=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16 \
		-opentracing=noop \
		-opentracing-backend-name-tag \
		-kubernetes-enable-tls \
		-serve-host-metrics \
		-serve-route-metrics \
		-application-log-json-enabled
	wait_log '"msg":"routes initialized"'
	curl -s -D - "$URL/routes" | tr -d '\r' | grep -v -e '^Date:' -e '^Last-Modified:' > deployment.out
	grep -q '^HTTP/1.1 200' plain.out && grep -q '^X-Count: [1-9]' plain.out || fail "$(cat plain.out)"
	run diff plain.out deployment.out
	assert_success
	# one line says what was ignored
	run jq -r 'select(.msg == "ignoring skipper flags routesrv-serve has no use for") | .flags' serve.log
	assert_equal "${#lines[@]}" 1
	for f in enable-ratelimits breaker idle-timeout-server metrics-flavour enable-api-usage-monitoring \
		forwarded-headers forwarded-headers-exclude-cidrs opentracing opentracing-backend-name-tag \
		kubernetes-enable-tls serve-route-metrics inline-routes; do
		[[ ",$output," == *",$f,"* ]] || fail "-$f not in the ignored list: $output"
	done
	# routesrv-serve's own flags are not in it
	for f in kubernetes kubernetes-in-cluster kubernetes-path-mode wait-for-healthcheck-interval application-log-level; do
		[[ ",$output," != *",$f,"* ]] || fail "-$f listed as ignored: $output"
	done
}
