#!/usr/bin/env bats
# routesrv-serve -kubernetes-watch against the fake API server (kubernetes-watch.md W1, W3,
# W4): every failure path of watch mode. No test asserts a timing: waits are bounded, and the
# debounce tests use windows far longer than the events they group.

load helpers/common
load helpers/serve

CLUSTER="$HELPERS/../fixtures/fetch/cluster.yaml"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	stop_serve
	stop_api
}

serve_watch() { # FLAGS...
	start_serve -kubernetes-url "$API" -kubernetes-watch "$@"
}

# shop/web's Endpoints with one address (labels as in the fixture).
eps() { # IP
	printf '{"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"web","namespace":"shop","labels":{"team":"shop"}},"subsets":[{"addresses":[{"ip":"%s"}],"ports":[{"name":"http","port":8080}]}]}' "$1"
}

# Waits (up to 60 s) until /routes matches (or with !, no longer matches) the grep pattern.
wait_routes() { # [!] PATTERN
	local negate=
	[ "$1" = '!' ] && { negate=1; shift; }
	for _ in $(seq 1200); do
		if curl -s "$URL/routes" | grep -q -- "$1"; then
			[ -z "$negate" ] && return 0
		elif [ -n "$negate" ] && [ "$(status "$URL/routes")" = 200 ]; then
			return 0
		fi
		sleep 0.05
	done
	echo "timed out waiting for /routes ${negate:+not }to match '$1':" >&2
	curl -s "$URL/routes" >&2
	cat serve.log >&2
	return 1
}

etag() {
	header_value ETag "$URL/routes"
}

# The served table is what a poll of the API's objects now compiles (fetch | compile).
assert_table_is_polls() {
	"$BIN/routesrv-fetch" -kubernetes-url "$API" | "$BIN/routesrv-compile" - >want.eskip
	{ curl -s "$URL/routes"; echo; } >got.eskip   # the served form has no final newline
	run diff want.eskip got.eskip
	assert_success
}

lists() { # the requests that are not watches
	requests | grep -v 'watch=1' || true
}

@test "fail closed: /health 503 and /routes 404 until every resource type is listed; then served, then only watches" {
	start_api --fixtures "$CLUSTER"
	control "fault?path=/api/v1/services&spec=500" >/dev/null
	serve_watch
	wait_log 'failed to list for the watch.*kind=Service' 2
	assert_equal "$(status "$URL/health")" 503
	assert_equal "$(status "$URL/routes")" 404
	run grep -c 'routes initialized' serve.log
	assert_output 0
	control "fault?path=/api/v1/services" >/dev/null   # the API answers again
	wait_log 'routes initialized'
	assert_equal "$(status "$URL/health")" 204
	wait_routes 'kube_shop__web__shop_example_org_____web:.*10.2.1.2:8080'
	wait_request 'endpoints\?watch=1'
	# each type listed once (Services until it worked), then watched from its list's RV
	run lists
	assert_equal "$(grep -c '^/apis/networking.k8s.io/v1/ingresses?' <<<"$output")" 1
	assert_equal "$(grep -c '^/api/v1/endpoints?' <<<"$output")" 1
	assert [ "$(grep -c '^/api/v1/services?' <<<"$output")" -ge 3 ]
	assert [ "$(metric 'routesrv_custom_total{key="routes.fetch_errors"}')" -ge 2 ]
	run requests
	assert_line --partial '/apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion='
	assert_line --partial '/apis/zalando.org/v1/routegroups?watch=1&resourceVersion='
	assert_line --partial '/api/v1/services?watch=1&resourceVersion='
}

@test "a change is published after the debounce: the new table, a new ETag, watch metrics; no list at rest" {
	start_api --fixtures "$CLUSTER"
	serve_watch
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	before=$(etag)
	nlists=$(lists | wc -l)
	control apply "$(eps 10.2.1.9)" >/dev/null
	wait_routes 'kube_shop__web__shop_example_org_____web:.*"http://10.2.1.9:8080"'
	assert [ "$(etag)" != "$before" ]
	run grep -c 'msg="routes updated"' serve.log
	assert_output 2   # the first table, then the change
	assert_equal "$(lists | wc -l)" "$nlists"
	assert_equal "$(metric 'routesrv_custom_total{key="watch.events.modified"}')" 1
	assert [ -n "$(metric 'routesrv_custom_gauges{key="watch.debounce_delay_seconds"}')" ]
	assert [ -n "$(metric 'routesrv_custom_gauges{key="watch.last_event_age_seconds"}')" ]
	assert_equal "$(metric 'routesrv_custom_total{key="watch.relists"}')" 0
	assert_equal "$(metric 'routesrv_custom_total{key="watch.reconnects"}')" 0
	assert [ -n "$(metric 'routesrv_last_successful_poll_timestamp_seconds')" ]
}

@test "a burst of 200 changes gives few publications, and the last one is correct" {
	start_api --fixtures "$CLUSTER"
	serve_watch -watch-debounce 2s -watch-debounce-max 30s
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	{
		echo '{"kind":"List","items":['
		for i in $(seq 1 200); do
			[ "$i" -gt 1 ] && echo ,
			eps "10.3.$((i / 100)).$((i % 100))"
		done
		echo ']}'
	} >burst.json
	control apply "$(cat burst.json)" >/dev/null
	wait_routes '"http://10.3.2.0:8080"'
	assert_equal "$(metric 'routesrv_custom_total{key="watch.events.modified"}')" 200
	run grep -c 'msg="routes updated"' serve.log
	assert [ "$output" -le 3 ]   # the first table and, in any case, far fewer than 200
	run curl -s "$URL/routes"
	refute_output --partial '10.3.1.99:8080'
	assert_table_is_polls
}

@test "410 Gone: the type is listed again and what changed while its watch was down is served" {
	start_api --fixtures "$CLUSTER"
	serve_watch
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	control "fault?path=/api/v1/endpoints&spec=500&times=1" >/dev/null
	control cut >/dev/null
	control apply "$(eps 10.2.1.7)" >/dev/null
	control "compact?gone=http" >/dev/null
	wait_log 'watch expired'
	wait_routes '"http://10.2.1.7:8080"'
	assert [ "$(metric 'routesrv_custom_total{key="watch.relists"}')" -ge 1 ]
	assert_equal "$(requests | grep -c '^/api/v1/endpoints?resourceVersion=0$')" 2
	# an ERROR 410 in an open stream: every type lists again, and nothing changes
	before=$(etag)
	control "compact?expire=1" >/dev/null
	wait_request '^/api/v1/endpoints\?resourceVersion=0$' 3
	wait_request '^/api/v1/services\?resourceVersion=0$' 2
	assert_equal "$(etag)" "$before"
}

@test "the API down: the last table stays served and healthy, watches retry with backoff, then recover" {
	start_api --fixtures "$CLUSTER"
	serve_watch
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	before=$(etag)
	for p in /apis/networking.k8s.io/v1/ingresses /apis/zalando.org/v1/routegroups /api/v1/services /api/v1/endpoints; do
		control "fault?path=$p&spec=503" >/dev/null
	done
	control cut >/dev/null
	wait_log 'watch failed; watching again from the last resource version.*HTTP 503.*kind=Endpoints' 2
	assert_equal "$(etag)" "$before"
	assert_equal "$(status "$URL/health")" 204
	assert [ "$(metric 'routesrv_custom_total{key="watch.reconnects"}')" -ge 1 ]
	for p in /apis/networking.k8s.io/v1/ingresses /apis/zalando.org/v1/routegroups /api/v1/services /api/v1/endpoints; do
		control "fault?path=$p" >/dev/null
	done
	control apply "$(eps 10.2.1.8)" >/dev/null
	wait_routes '"http://10.2.1.8:8080"'
}

@test "RouteGroup CRD: absent (no RouteGroup routes), installed (listed, watched, served), removed (gone after 10 checks)" {
	printf 'disableRouteGroups: true\n' >no-rg.api
	start_api --fixtures "$CLUSTER" --api no-rg.api
	serve_watch -watch-crd-interval 200ms
	wait_log 'routes initialized'
	run curl -s "$URL/routes"
	refute_output --partial 'kube_rg__'
	control "crd?routegroups=present" >/dev/null
	wait_routes 'kube_rg__shop__checkout__all__0_0:'
	wait_request 'routegroups\?watch=1'
	control "crd?routegroups=absent" >/dev/null
	wait_routes ! 'kube_rg__'
	run grep -c 'RouteGroups CRD is gone: going on without RouteGroups' serve.log
	assert_output 1
	run grep -c 'but RouteGroups were listed before' serve.log
	assert_output 9
}

@test "EndpointSlices, the namespace and the label selectors apply to the watches as to lists" {
	start_api --fixtures "$CLUSTER"
	serve_watch -enable-kubernetes-endpointslices -kubernetes-ingresses-label-selector team=shop \
		-kubernetes-endpointslices-label-selector team=shop
	wait_log 'routes initialized'
	wait_request 'endpointslices\?watch=1'
	run requests
	assert_line --partial '/apis/networking.k8s.io/v1/ingresses?watch=1&labelSelector=team%3Dshop&resourceVersion='
	assert_line --partial '/apis/discovery.k8s.io/v1/endpointslices?watch=1&labelSelector=team%3Dshop&resourceVersion='
	refute_line --partial '/api/v1/endpoints'
	run curl -s "$URL/routes"
	assert_output --partial 'kube_shop__web__'
	refute_output --partial 'kube_default__'
	# an Ingress that does not match the selector never reaches the table
	control apply '{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"other","namespace":"shop","labels":{"team":"core"}},"spec":{"rules":[{"host":"other.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}' >/dev/null
	control apply '{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"mine","namespace":"shop","labels":{"team":"shop"}},"spec":{"rules":[{"host":"mine.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}' >/dev/null
	wait_routes 'kube_shop__mine__'
	run curl -s "$URL/routes"
	refute_output --partial 'other'
}

@test "the full relist finds a lost event: the differing routes are logged and counted, the full table wins" {
	start_api --fixtures "$CLUSTER"
	serve_watch -watch-relist-interval 0
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	control "apply?lose=1" "$(eps 10.2.1.6)" >/dev/null   # no watch hears of it
	kill -HUP "$SERVE_PID"   # a relist now (the interval would do it later)
	wait_routes '"http://10.2.1.6:8080"'
	wait_log "the full relist's table differs from the watched one"
	wait_log 'msg="full relist done" objects_changed=1 table_differs=true'
	run grep 'relist: Updated route' serve.log
	assert_line --partial 'level=warning msg="relist: Updated route 1 of 2" id=kube_rg__shop__checkout__all__0_0 op=updated'
	assert_line --partial 'level=warning msg="relist: Updated route 2 of 2" id=kube_shop__web__shop_example_org_____web op=updated'
	assert_equal "$(metric 'routesrv_custom_total{key="watch.relist_differences"}')" 1
	assert_table_is_polls
	# a relist that finds what the watches said changes nothing and is not a difference
	kill -HUP "$SERVE_PID"
	wait_log 'msg="full relist done" objects_changed=0 table_differs=false'
	assert_equal "$(metric 'routesrv_custom_total{key="watch.relist_differences"}')" 1
	assert_equal "$(metric 'routesrv_custom_total{key="watch.incremental_differences"}')" 0
	# the incremental state, built again from the relist's pages, goes on with the next event
	control apply "$(eps 10.2.1.8)" >/dev/null
	wait_routes '"http://10.2.1.8:8080"'
	assert_table_is_polls
}

@test "a relist with a list that cannot be read changes nothing: the table and the incremental state stay" {
	start_api --fixtures "$CLUSTER"
	serve_watch -watch-relist-interval 0
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	control "fault?path=/api/v1/endpoints&spec=garbage&times=1" >/dev/null
	kill -HUP "$SERVE_PID"
	wait_log 'periodic full relist failed; the watched table stays'
	assert_table_is_polls
	control apply "$(eps 10.2.1.8)" >/dev/null   # the state it kept goes on with the next event
	wait_routes '"http://10.2.1.8:8080"'
	assert_table_is_polls
}

@test "the periodic relist runs at its interval" {
	start_api --fixtures "$CLUSTER"
	serve_watch -watch-relist-interval 300ms
	wait_log 'routes initialized'
	wait_log 'msg="full relist done"' 2
	assert [ "$(metric 'routesrv_custom_total{key="watch.full_relists"}')" -ge 2 ]
	assert_equal "$(metric 'routesrv_custom_total{key="watch.relist_differences"}')" 0
}

@test "an object with a field of the wrong type is skipped, named, and the rest served; fixed, it is served" {
	start_api --fixtures "$CLUSTER"
	serve_watch
	wait_log 'routes initialized'
	wait_request 'ingresses\?watch=1'
	control apply '{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"bad","namespace":"shop"},"spec":{"rules":[{"host":"bad.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":"80"}}}}]}}]}}' >/dev/null
	control apply "$(eps 10.2.1.5)" >/dev/null   # a change after it is served all the same
	wait_routes '"http://10.2.1.5:8080"'
	wait_log 'level=error msg="Skipping object with a field of the wrong type".*field="spec.rules\[0\].http.paths\[0\].backend.service.port.number" kind=Ingress name=bad ns=shop'
	run curl -s "$URL/routes"
	refute_output --partial 'bad.example.org'
	control apply '{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"bad","namespace":"shop"},"spec":{"rules":[{"host":"bad.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}' >/dev/null
	wait_routes 'bad_example_org'
	assert_table_is_polls
}

@test "-kubernetes-watch: usage errors exit 2" {
	run "$BIN/routesrv-serve" -kubernetes-watch -routes-file x.eskip
	assert_failure 2
	assert_output --partial 'does not combine with -kubernetes-manifests or -routes-file'
	run "$BIN/routesrv-serve" -kubernetes-watch -watch-debounce 2s -watch-debounce-max 1s
	assert_failure 2
	assert_output --partial 'shorter than -watch-debounce'
}
