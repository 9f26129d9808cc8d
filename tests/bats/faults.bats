#!/usr/bin/env bats
# routesrv-serve against a failing Kubernetes API (issue 8, "Faults"): the API server down,
# slow beyond -kubernetes-timeout, answering 500/403/410, garbage, truncated bodies, the
# RouteGroup CRD disappearing, the token file rotated or briefly missing. For each fault:
#   - the last good table stays served: the same bytes, ETags and 304s, /health 204;
#   - every failing cycle logs one "failed to fetch routes" line naming the URL and reason,
#     counts routes.fetch_errors, and leaves the last-success timestamp where it was;
#   - when the fault ends serve recovers by itself: one "fetching routes recovered" line,
#     then the changed cluster's table.
# The fault starts and ends by restarting the fake API on the same port with other flags
# (cluster A before, cluster B after: B moves one endpoint of the shop application).

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
INGRESSES=/apis/networking.k8s.io/v1/ingresses
FAILED='msg="failed to fetch routes"'

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	API_PID=
	cp -r "$EXAMPLES/cluster" a
	cp -r "$EXAMPLES/cluster" b
	sed -i 's/10\.2\.2\.22/10.2.2.29/' b/shop.yaml
	grep -q 10.2.2.29 b/shop.yaml
}

teardown() {
	stop_serve
	stop_api
}

# Serves cluster A through the fake API (API arguments first, then -- and serve flags);
# records the table as BEFORE, TAG, GZ_TAG.
serve_cluster_a() {
	local api_args=() serve_args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do api_args+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	serve_args=("$@")
	start_api --fixtures a "${api_args[@]}"
	PORT=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API" "${serve_args[@]}"
	wait_log "routes initialized"
	BEFORE=$(curl -s "$URL/routes")
	TAG=$(header_value Etag "$URL/routes")
	GZ_TAG=$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes")
	grep -q 10.2.2.22 <<<"$BEFORE"
	grep -q '^kube_rg__default__blog__' <<<"$BEFORE"
}

# The API server again, on the same port, with other arguments.
restart_api() {
	stop_api
	start_api --port "$PORT" "$@"
}

assert_table_kept() {
	assert_equal "$(curl -s "$URL/routes")" "$BEFORE"
	assert_equal "$(header_value Etag "$URL/routes")" "$TAG"
	assert_equal "$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes")" "$GZ_TAG"
	assert_equal "$(status -H "If-None-Match: $TAG" "$URL/routes")" 304
	assert_equal "$(curl -s -H 'Accept-Encoding: gzip' "$URL/routes" | gzip -dc)" "$BEFORE"
	assert_equal "$(status "$URL/health")" 204
}

# While the fault lasts: failure lines matching the reason $1 keep coming, the table and
# the last-success timestamp stay, routes.fetch_errors grows.
assert_fault() {
	wait_log "$FAILED.*$1"
	local success errors
	success=$(metric routesrv_last_successful_poll_timestamp_seconds)
	errors=$(metric 'routesrv_custom_total{key="routes.fetch_errors"}')
	[ -n "$success" ] && [ -n "$errors" ]
	wait_more_log "$FAILED.*$1" 2
	assert_table_kept
	assert_equal "$(metric routesrv_last_successful_poll_timestamp_seconds)" "$success"
	[ "$(metric 'routesrv_custom_total{key="routes.fetch_errors"}')" -gt "$errors" ]
}

# The fault ends with cluster B: one recovery line, then B's table; every failing cycle
# logged exactly one error line and counted it once.
assert_recovers() {
	restart_api --fixtures b "$@"
	wait_log 'msg="fetching routes recovered" failed_polls=[1-9][0-9]* failing_for=[0-9hmµ.]*s'
	wait_log 'msg="routes updated"' 2
	after=$(curl -s "$URL/routes")
	grep -q 10.2.2.29 <<<"$after"
	refute [ "$after" = "$BEFORE" ]
	assert_equal "$(header_value Etag "$URL/routes")" "$(printf '%s' "$after" | "$BIN/routesrv-etag")"
	assert_equal "$(status "$URL/health")" 204
	# After the recovery no cycle fails: the counts are final.
	assert_equal "$(metric 'routesrv_custom_total{key="routes.fetch_errors"}')" "$(grep -c "$FAILED" serve.log)"
	assert_equal "$(grep -c 'level=error' serve.log)" "$(grep -c "$FAILED" serve.log)"
	# Each run of failed cycles ends in one recovery line that counts them (failed_polls);
	# cycles may succeed between the runs (the fault ends before the API restarts with B).
	run awk -v failed="$FAILED" '
		index($0, failed) { run++; next }
		/msg="fetching routes recovered"/ {
			n = $0; sub(/.*failed_polls=/, "", n); sub(/ .*/, "", n)
			if (run == 0 || n + 0 != run) { print "recovery after " run " failures: " $0; bad = 1 }
			run = 0; recoveries++
		}
		END { if (run || !recoveries) { print run " failures without recovery"; bad = 1 }; exit bad }' serve.log
	assert_success
	# A recovery line follows the last failure, and the new table follows the recovery.
	last_failure=$(grep -n "$FAILED" serve.log | tail -1 | cut -d: -f1)
	recovered=$(grep -n 'msg="fetching routes recovered"' serve.log | tail -1 | cut -d: -f1)
	updated=$(grep -n 'msg="routes updated"' serve.log | tail -1 | cut -d: -f1)
	[ "$last_failure" -lt "$recovered" ] && [ "$recovered" -lt "$updated" ]
}

@test "API server down (connection refused): last table kept, recovery when it is back" {
	serve_cluster_a
	stop_api
	assert_fault "GET $API$INGRESSES?resourceVersion=0: .*[Cc]onnect"
	assert_recovers
}

@test "API slower than -kubernetes-timeout: the request times out, the table stays" {
	serve_cluster_a -- -kubernetes-timeout 300ms
	restart_api --fixtures a --fault "$INGRESSES=slow:2"
	assert_fault "GET $API$INGRESSES?resourceVersion=0: no response headers within 300ms (-kubernetes-timeout)"
	assert_recovers
}

@test "API answering 500: the Status message is logged, the table stays" {
	serve_cluster_a
	restart_api --fixtures a --fault "/api/v1/services=500:etcd is unavailable"
	assert_fault "GET $API/api/v1/services?resourceVersion=0: HTTP 500 Internal Server Error: etcd is unavailable\""
	assert_recovers
}

@test "API answering 403 with a Status body: the missing RBAC permission is logged, the table stays" {
	serve_cluster_a
	restart_api --fixtures a --fault "/api/v1/endpoints=403"
	assert_fault "GET $API/api/v1/endpoints?resourceVersion=0: HTTP 403 Forbidden: endpoints is forbidden: User .*cannot list resource .*endpoints.* at the cluster scope"
	assert_recovers
}

@test "API answering 410 Gone: the table stays" {
	serve_cluster_a
	restart_api --fixtures a --fault "$INGRESSES=410"
	assert_fault "GET $API$INGRESSES?resourceVersion=0: HTTP 410 Gone: Expired"
	assert_recovers
}

@test "410 for every continue token while paging: one fresh list, then the cycle fails; the table stays" {
	serve_cluster_a -- -kubernetes-page-size 1
	restart_api --fixtures a --fault "/api/v1/services=gone-on-continue:always"
	assert_fault "/api/v1/services?limit=1&continue=[^:]*: HTTP 410 Gone: The provided continue parameter is too old"
	grep -q 'msg="continue token expired; listing again from the start"' serve.log
	assert_recovers
}

@test "API answering garbage (200, not JSON): the table stays" {
	serve_cluster_a
	restart_api --fixtures a --fault "/apis/zalando.org/v1/routegroups=garbage"
	assert_fault "$API/apis/zalando.org/v1/routegroups?resourceVersion=0: invalid JSON: the response is not a JSON object"
	assert_recovers
}

@test "a truncated body (Content-Length promises more, the connection closes): the table stays" {
	serve_cluster_a
	restart_api --fixtures a --fault "$INGRESSES=truncate"
	assert_fault "GET $API$INGRESSES?resourceVersion=0: transfer closed with [0-9]* bytes remaining"
	assert_recovers
}

@test "JSON cut short (with a matching Content-Length): the table stays" {
	serve_cluster_a
	restart_api --fixtures a --fault "/api/v1/endpoints=truncate-json"
	assert_fault "$API/api/v1/endpoints?resourceVersion=0:1:[0-9]*: Unfinished JSON term at EOF"
	assert_recovers
}

# skipper goes on without RouteGroups when the discovery answers 404, which deletes every
# RouteGroup route from the fleet; serve keeps the table until 10 discoveries in a row
# agree (man routesrv-serve, DEVIATIONS).
# The grace lasts 10 cycles; at 1 s per cycle the checks of assert_fault (three failed
# cycles, then the table) end well inside it, however slowly the test itself runs.
@test "the RouteGroup CRD disappears (discovery 404): kept for 10 cycles, then served without RouteGroups" {
	serve_cluster_a -- -source-poll-timeout 1000
	restart_api --fixtures a --fault "/apis/zalando.org/v1=404"
	assert_fault "GET $API/apis/zalando.org/v1: HTTP 404 Not Found, but RouteGroups were listed before ([1-9] of 10 checks"
	wait_log 'level=warning msg="RouteGroups CRD is gone: going on without RouteGroups" checks=10'
	wait_log 'msg="routes updated"' 2
	run curl -s "$URL/routes"
	refute_output --partial kube_rg__
	assert_output --partial kube_default__shop__
	assert_equal "$(grep -c "$FAILED.*checks before going on without them" serve.log)" 9
	grep -q 'level=warning msg="RouteGroups CRD is not installed in the cluster' serve.log
	# The CRD comes back: its routes too, without any failed cycle.
	BEFORE=$(curl -s "$URL/routes")
	restart_api --fixtures b
	wait_log 'msg="routes updated"' 3
	run curl -s "$URL/routes"
	assert_output --partial kube_rg__default__blog__
	assert_output --partial 10.2.2.29
}

@test "the RouteGroup CRD no longer listed by discovery: the same grace, then no RouteGroups" {
	echo 'disableRouteGroups: true' >norg.api
	serve_cluster_a -- -source-poll-timeout 1000
	restart_api --fixtures a --api norg.api
	assert_fault "GET $API/apis/zalando.org/v1: no routegroups resource, but RouteGroups were listed before"
	wait_log 'msg="RouteGroups CRD is gone: going on without RouteGroups"'
	wait_log 'msg="routes updated"' 2
	refute [ "$(curl -s "$URL/routes" | grep -c kube_rg__)" -gt 0 ]
}

@test "a failing discovery after RouteGroups were seen fails the cycle instead of dropping them" {
	serve_cluster_a
	restart_api --fixtures a --fault "/apis/zalando.org/v1=503"
	assert_fault "GET $API/apis/zalando.org/v1: HTTP 503 Service Unavailable"
	refute grep -q 'Error while checking known resource types' serve.log
	assert_recovers
}

@test "a cluster without the RouteGroup CRD from the start: skipper's warning, no failure" {
	start_api --fixtures a --fault "/apis/zalando.org/v1=404"
	start_serve -kubernetes -kubernetes-url "$API"
	wait_log "routes initialized"
	wait_log 'msg="routes did not change"' 2
	refute grep -q "$FAILED" serve.log
	assert_equal "$(grep -c 'RouteGroups CRD is not installed' serve.log)" 1
	refute [ "$(curl -s "$URL/routes" | grep -c kube_rg__)" -gt 0 ]
}

@test "the token file rotated: the new token works without a restart" {
	echo token-1 >server-token
	echo token-1 >client-token
	serve_cluster_a --token-file server-token -- -kubernetes-token-file client-token
	# The API server accepts only the new token before the client has it: 401s.
	echo token-2 >server-token
	assert_fault "GET $API$INGRESSES?resourceVersion=0: HTTP 401 Unauthorized"
	grep -q 'msg="API server answered 401 Unauthorized; retrying once with refreshed credentials"' serve.log
	echo token-2 >client-token
	assert_recovers --token-file server-token
	refute grep -q token- serve.log
}

@test "the token file rotated just as the old token expires: the retry after the 401 succeeds" {
	echo token-1 >client-token
	serve_cluster_a --token token-1 -- -kubernetes-token-file client-token
	restart_api --fixtures b --token token-2 --token-write-on-401 "$BATS_TEST_TMPDIR/client-token"
	wait_log 'msg="routes updated"' 2
	grep -q 'msg="API server answered 401 Unauthorized; retrying once with refreshed credentials"' serve.log
	# Connection refused while the API restarted may fail a cycle; a 401 never does.
	refute grep -q "$FAILED.*HTTP 401" serve.log
	assert_equal "$(cat client-token)" token-2
	grep -q 10.2.2.29 <<<"$(curl -s "$URL/routes")"
}

@test "the token file briefly missing: the table stays, the token is read again when it is back" {
	echo token-1 >client-token
	serve_cluster_a --token token-1 -- -kubernetes-token-file client-token
	mv client-token client-token.away
	assert_fault "reading token file client-token: No such file or directory"
	mv client-token.away client-token
	assert_recovers --token token-1
	refute grep -q token-1 serve.log
}

@test "under valgrind: API faults, recovery and SIGTERM without memory errors or leaks" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	case "$(cd "$BIN" && pwd -P)" in */san/*) skip "sanitizer build" ;; esac
	SERVE_WRAP=(valgrind --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect
		--log-file="$BATS_TEST_TMPDIR/valgrind.log")
	echo token-1 >client-token
	serve_cluster_a --token token-1 -- -kubernetes-token-file client-token -wait-for-healthcheck-interval 0s
	stop_api
	wait_more_log "$FAILED.*[Cc]onnect" 2
	restart_api --fixtures a --token token-1 --fault "$INGRESSES=truncate"
	wait_more_log "$FAILED.*transfer closed" 2
	restart_api --fixtures a --token token-1 --fault "/api/v1/services=garbage"
	wait_more_log "$FAILED.*not a JSON object" 2
	restart_api --fixtures a --token token-2
	wait_more_log "$FAILED.*HTTP 401" 2
	restart_api --fixtures a --token token-1 --fault "/apis/zalando.org/v1=404"
	wait_more_log "$FAILED.*checks before going on" 2
	assert_recovers --token token-1
	curl -s -H 'Accept-Encoding: gzip' "$URL/routes" >/dev/null
	kill -TERM "$SERVE_PID"
	rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	cat "$BATS_TEST_TMPDIR/valgrind.log"
	assert_equal "$rc" 0
	grep -q 'Memcheck, a memory error detector' "$BATS_TEST_TMPDIR/valgrind.log"
	grep -q 'ERROR SUMMARY: 0 errors' "$BATS_TEST_TMPDIR/valgrind.log"
}
