#!/usr/bin/env bats
# -config-file: a YAML file whose keys are flag names (skipper's format) for routesrv-compile,
# routesrv-fetch and routesrv-serve; flags on the command line win.

bats_require_minimum_version 1.5.0

setup() {
	load 'helpers/common'
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	CLUSTER="$TOP/examples/cluster"
	cd "$BATS_TEST_TMPDIR"
}

# SIGINT stops serve at once; SIGTERM would wait out -wait-for-healthcheck-interval (45 s).
teardown() {
	if [ -n "${SERVE_PID:-}" ]; then kill -INT "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
}

@test "compile: scalar and list values from the file shape the table" {
	cat >config.yaml <<-'YAML'
	kubernetes-https-redirect: false
	kubernetes-healthcheck: false
	default-filters-prepend:
	  - 'tee("mirror")'
	  - 'status(200)'
	YAML
	run "$BIN/routesrv-compile" -config-file config.yaml "$CLUSTER"
	assert_success
	refute_output --partial "kube__healthz_up"
	refute_output --partial "_https_redirect"
	assert_output --partial 'PathSubtree("/api") -> tee("mirror") -> status(200) -> <roundRobin'
}

@test "compile: a flag on the command line wins over the file" {
	printf 'kubernetes-healthcheck: false\nkubernetes-https-redirect-code: 301\n' >config.yaml
	run "$BIN/routesrv-compile" -config-file config.yaml "$CLUSTER"
	assert_success
	refute_output --partial "kube__healthz_up"
	assert_output --partial 'redirectTo(301, "https:")'
	run "$BIN/routesrv-compile" -config-file config.yaml -kubernetes-healthcheck "$CLUSTER"
	assert_success
	assert_output --partial "kube__healthz_up:"
	assert_output --partial 'redirectTo(301, "https:")'
	run "$BIN/routesrv-compile" -kubernetes-https-redirect-code=302 -config-file config.yaml "$CLUSTER"
	assert_output --partial 'redirectTo(302, "https:")'
}

@test "compile: a skipper configuration keeps working (unknown keys and nested settings are skipper's proxy's)" {
	cat >config.yaml <<-'YAML'
	address: ":9090"
	max-loopbacks: 9
	kubernetes-https-redirect: false
	open-telemetry:
	  exporter:
	    otlp: { endpoint: "collector:4317" }
	kubernetes-healthcheck: false
	YAML
	run "$BIN/routesrv-compile" -config-file config.yaml "$CLUSTER"
	assert_success
	refute_output --partial "kube__redirect"
}

@test "compile: bad files are usage errors naming the file" {
	printf 'kubernetes-healthcheck: [true\n' >broken.yaml
	run --separate-stderr "$BIN/routesrv-compile" -config-file broken.yaml "$CLUSTER"
	assert_failure 2
	[[ "${stderr_lines[0]}" == *"broken.yaml"*"line "*"column "* ]]
	printf 'kubernetes-healthcheck: sometimes\n' >value.yaml
	run --separate-stderr "$BIN/routesrv-compile" -config-file value.yaml "$CLUSTER"
	assert_failure 2
	[[ "${stderr_lines[0]}" == *"value.yaml"*"kubernetes-healthcheck"* ]]
	run --separate-stderr "$BIN/routesrv-compile" -config-file missing.yaml "$CLUSTER"
	assert_failure 2
	[[ "${stderr_lines[0]}" == *"missing.yaml"* ]]
	printf -- '- a\n- b\n' >list.yaml
	run --separate-stderr "$BIN/routesrv-compile" -config-file list.yaml "$CLUSTER"
	assert_failure 2
}

@test "fetch: the API address comes from the file" {
	port=$(closed_port)
	printf 'kubernetes-url: http://127.0.0.1:%s\n' "$port" >config.yaml
	run --separate-stderr "$BIN/routesrv-fetch" -config-file config.yaml
	assert_failure 3
	[[ "$stderr" == *"http://127.0.0.1:$port/apis/networking.k8s.io/v1/ingresses"* ]]
}

@test "serve: listeners and source from the file" {
	main=$(closed_port)
	support=$(closed_port)
	cat >config.yaml <<-YAML
	address: 127.0.0.1:$main
	support-listener: 127.0.0.1:$support
	kubernetes-manifests: $CLUSTER
	kubernetes-healthcheck: false
	YAML
	"$BIN/routesrv-serve" -config-file config.yaml >serve.log 2>&1 3>&- &
	SERVE_PID=$!
	for _ in $(seq 600); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$main/health")" = 204 ] && break
		sleep 0.1
	done
	run curl -s "http://127.0.0.1:$main/routes"
	assert_output --partial "kube_default__shop__shop_example_org___api__shop_api:"
	refute_output --partial "kube__healthz_up"
}
