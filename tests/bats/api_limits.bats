#!/usr/bin/env bats
# routesrv-serve bounds what the Kubernetes API can make it do (issue 11 item 8): a list whose
# continue tokens never end fails after -kubernetes-max-pages pages (the last table stays),
# and SIGINT/SIGTERM end a cycle whose API request hangs, so the listeners close on time.

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
SERVICES=/api/v1/services

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	API_PID=
	cp -r "$EXAMPLES/cluster" a
}

teardown() {
	stop_serve
	stop_api
}

@test "continue tokens that never end: the list fails after -kubernetes-max-pages pages, the table stays" {
	start_api --fixtures a
	PORT=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-page-size 1 -kubernetes-max-pages 20
	wait_log "routes initialized"
	before=$(curl -s "$URL/routes")
	stop_api
	start_api --port "$PORT" --fixtures a --fault "$SERVICES=endless-continue"
	wait_log 'did not end after'
	run grep -m1 'did not end after' serve.log
	assert_output --partial "GET $API$SERVICES?"
	assert_output --partial 'the list did not end after 20 pages (-kubernetes-max-pages)'
	assert_equal "$(curl -s "$URL/routes")" "$before"
	assert_equal "$(status "$URL/health")" 204
	# each failed list asked for exactly 20 pages of services
	[ "$(grep -c "\"path\": \"$SERVICES\"" "$BATS_TEST_TMPDIR/api.log")" -ge 20 ]
}

@test "routesrv-fetch: a list that never ends exits 3 naming the cap" {
	start_api --fixtures a --fault "$SERVICES=endless-continue"
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-page-size 2 -kubernetes-max-pages 5
	assert_failure 3
	assert_output --partial 'the list did not end after 5 pages (-kubernetes-max-pages)'
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -kubernetes-max-pages 0
	assert_failure 2
	assert_output --partial '-kubernetes-max-pages must be positive'
}

# Serves cluster A, then restarts the API so that services answer only after 90 s, and waits
# until a cycle has listed RouteGroups from it (services come next, and hang).
serve_with_hanging_services() {
	start_api --fixtures a
	PORT=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API" -kubernetes-timeout 120s "$@"
	wait_log "routes initialized"
	stop_api
	local before
	before=$(grep -c '"path": "/apis/zalando.org/v1/routegroups"' "$BATS_TEST_TMPDIR/api.log")
	start_api --port "$PORT" --fixtures a --fault "$SERVICES=slow:90"
	for _ in $(seq 1200); do
		[ "$(grep -c '"path": "/apis/zalando.org/v1/routegroups"' "$BATS_TEST_TMPDIR/api.log")" -gt "$before" ] && break
		sleep 0.05
	done
	sleep 0.5
}

# Waits up to $1 seconds for routesrv-serve to exit; fails if it is still running.
assert_exits_within() {
	for _ in $(seq $(($1 * 20))); do
		kill -0 "$SERVE_PID" 2>/dev/null || { wait "$SERVE_PID" || true; SERVE_PID=; return 0; }
		sleep 0.05
	done
	echo "routesrv-serve still runs $1 s after the signal" >&2
	cat serve.log >&2
	return 1
}

@test "SIGINT while an API request hangs: the request is abandoned and the listeners close" {
	serve_with_hanging_services
	kill -INT "$SERVE_PID"
	assert_exits_within 15
	grep -q 'msg="poll cycle interrupted"' serve.log
	grep -q 'msg="server shut down"' serve.log
	! grep -q 'interrupted.*msg="failed to fetch routes"\|msg="failed to fetch routes".*interrupted' serve.log
}

@test "SIGTERM while an API request hangs: serving goes on for the healthcheck wait, then it ends" {
	serve_with_hanging_services -wait-for-healthcheck-interval 2s
	kill -TERM "$SERVE_PID"
	assert_equal "$(status "$URL/health")" 204
	assert_exits_within 20
	grep -q 'msg="shutting down the server in 2s..."' serve.log
	grep -q 'msg="poll cycle interrupted"' serve.log
	grep -q 'msg="server shut down"' serve.log
}
