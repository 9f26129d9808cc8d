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
