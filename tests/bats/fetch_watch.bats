#!/usr/bin/env bats
# routesrv-fetch -watch: the watch client alone against the fake API server (kubernetes-watch.md
# W1, W3): events as JSON lines, and every failure path (cut streams, 410 as an event or an
# answer, bookmarks, timeouts, backoff, garbage, the RouteGroup CRD coming and going).

load helpers/common
load helpers/serve

CLUSTER="$HELPERS/../fixtures/fetch/cluster.yaml"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	stop_watch
	stop_api
}

# Starts routesrv-fetch -watch with the given flags; events go to events.json, logs to watch.log.
start_watch() {
	"$BIN/routesrv-fetch" -kubernetes-url "$API" -watch "$@" >events.json 2>watch.log 3>&- &
	FETCH_PID=$!
}

stop_watch() {
	if [ -n "${FETCH_PID:-}" ]; then
		kill -TERM "$FETCH_PID" 2>/dev/null || true
		wait "$FETCH_PID" 2>/dev/null || true
		FETCH_PID=
	fi
}

# Waits (up to 60 s) until FILE has at least N lines matching PATTERN.
wait_lines() { # FILE PATTERN N
	for _ in $(seq 1200); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $3 x '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

watches() { # [RESOURCE]: the watch requests (of one resource)
	requests | grep 'watch=1' | grep -- "${1:-}" || true
}

events() {
	jq -r '.type + " " + .object.kind + " " + (.object.metadata.namespace // "") + "/" + .object.metadata.name' events.json
}

# Waits (up to 60 s) until at least N events (default 1) match the grep pattern ("TYPE Kind ns/name").
wait_event() { # PATTERN [N]
	for _ in $(seq 1200); do
		[ "$(events 2>/dev/null | grep -c -- "$1")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for ${2:-1} x '$1' among the events:" >&2
	events >&2
	return 1
}

svc() { # NAME [LABELS-JSON]
	printf '{"kind":"Service","apiVersion":"v1","metadata":{"name":"%s","namespace":"shop","labels":%s},"spec":{"ports":[{"port":80}]}}' "$1" "${2:-{\}}"
}

@test "every object as ADDED in skipper's list order, then each change; lists, then watches from the lists' RV" {
	start_api --fixtures "$CLUSTER"
	start_watch
	wait_request '/endpoints\?watch=1' 1
	control apply "$(svc new)" >/dev/null
	control apply "$(svc new '{"team":"x"}')" >/dev/null
	control delete "$(svc new)" >/dev/null
	wait_lines events.json DELETED 1
	run events
	assert_output - <<'OUT'
ADDED Ingress default/admin
ADDED Ingress default/api
ADDED Ingress shop/web
ADDED RouteGroup shop/checkout
ADDED Service default/api
ADDED Service shop/web
ADDED Endpoints default/api
ADDED Endpoints shop/web
ADDED Service shop/new
MODIFIED Service shop/new
DELETED Service shop/new
OUT
	# one JSON object per line, the object as the API sent it with kind and apiVersion
	run jq -c '.object.spec.ports' <(sed -n 9p events.json)
	assert_output '[{"port":80}]'
	rv=$(curl -s "$API/api/v1/services" | jq -r .metadata.resourceVersion)
	run requests
	assert_line --index 0 '/apis/networking.k8s.io/v1/ingresses?resourceVersion=0'
	assert_line --index 1 '/apis/zalando.org/v1?'
	assert_line --index 2 '/apis/zalando.org/v1/routegroups?resourceVersion=0'
	assert_line --index 3 '/api/v1/services?resourceVersion=0'
	assert_line --index 4 '/api/v1/endpoints?resourceVersion=0'
	run watches
	assert_equal "${#lines[@]}" 4
	for l in "${lines[@]}"; do
		[[ "$l" =~ resourceVersion=$((rv - 3))\&allowWatchBookmarks=true\&timeoutSeconds=(300|[3-5][0-9][0-9])$ ]]
	done
	# every watch identified as routesrv, as the lists are
	run jq -r 'select(.event == "request" and .query.watch == "1") | .headers["user-agent"]' api.log
	assert_equal "$(sort -u <<<"$output")" "routesrv/$(sed -n 's/^VERSION *:= *//p' "$HELPERS/../../../Makefile")"
	stop_watch
}

@test "the label selectors, the namespace and EndpointSlices apply to lists and watches alike" {
	start_api --fixtures "$CLUSTER"
	start_watch -kubernetes-namespace shop -kubernetes-ingresses-label-selector team=shop \
		-kubernetes-services-label-selector team=shop -enable-kubernetes-endpointslices
	wait_request '/endpointslices\?watch=1' 1
	run requests
	assert_line '/apis/networking.k8s.io/v1/namespaces/shop/ingresses?labelSelector=team%3Dshop&resourceVersion=0'
	assert_line '/api/v1/namespaces/shop/services?labelSelector=team%3Dshop&resourceVersion=0'
	assert_line --partial '/apis/networking.k8s.io/v1/namespaces/shop/ingresses?watch=1&labelSelector=team%3Dshop&resourceVersion='
	assert_line --partial '/api/v1/namespaces/shop/services?watch=1&labelSelector=team%3Dshop&resourceVersion='
	assert_line --partial '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?watch=1&resourceVersion='
	refute_line --partial '/api/v1/endpoints'
	control apply "$(svc other '{"team":"core"}')" >/dev/null
	control apply "$(svc mine '{"team":"shop"}')" >/dev/null
	wait_event 'shop/mine' 1   # the watch saw neither "other" nor anything elsewhere
	run grep -c other events.json
	assert_output 0
}

@test "a cut stream: watched again from the last event's RV after a jittered backoff of 0.8-1.6 s" {
	start_api --fixtures "$CLUSTER"
	start_watch
	wait_request '/services\?watch=1' 1
	rv=$(control apply "$(svc new)" | jq -r .resourceVersion)
	wait_event 'shop/new' 1
	control cut >/dev/null
	wait_request "services\\?watch=1&resourceVersion=$rv&" 1
	run grep 'msg="watch failed; watching again from the last resource version"' watch.log
	assert_line --partial 'kind=Service'
	assert_line --partial 'transfer closed with outstanding read data remaining'
	for d in $(grep -o 'retry_in=[0-9.]*' watch.log | cut -d= -f2); do
		awk -v d="$d" 'BEGIN { exit !(d >= 0.8 && d < 1.6) }'
	done
	# nothing was lost or repeated
	control apply "$(svc new2)" >/dev/null
	wait_event 'shop/new2' 1
	run grep -c ADDED events.json
	assert_output 10
}

@test "failing watches back off: 0.8-1.6 s, then 1.6-3.2 s, then they recover" {
	start_api --fixtures "$CLUSTER"
	start_watch
	wait_request '/services\?watch=1' 1
	control "fault?path=/api/v1/services&spec=503&times=2" >/dev/null
	control cut >/dev/null
	wait_lines watch.log 'kind=Service' 3
	wait_request 'services\?watch=1' 4
	run grep -o 'kind=Service retry_in=[0-9.]*' watch.log
	assert_equal "${#lines[@]}" 3
	awk -F= '{ print $3 }' <<<"$output" >delays
	run awk 'NR == 1 && ($1 < 0.8 || $1 >= 1.6) || NR == 2 && ($1 < 1.6 || $1 >= 3.2) || NR == 3 && ($1 < 3.2 || $1 >= 6.4) { print "bad delay " NR ": " $1 }' delays
	assert_output ''
	assert_equal "$(grep -c 'HTTP 503 Service Unavailable' watch.log)" 2
	# recovered: the third try (the fault is used up) streams again
	control apply "$(svc new)" >/dev/null
	wait_event 'shop/new' 1
}

@test "410 Gone as an ERROR event or as the answer: listed again; what changed meanwhile comes as events" {
	start_api --fixtures "$CLUSTER"
	start_watch
	wait_request '/services\?watch=1' 1
	# The service watch fails for a while; meanwhile objects change and history is compacted.
	control "fault?path=/api/v1/services&spec=500&times=1" >/dev/null
	control cut >/dev/null
	control apply "$(svc new)" >/dev/null
	control delete "$(svc web)" >/dev/null
	control "compact?gone=http" >/dev/null
	wait_lines watch.log 'watch expired' 1
	wait_event 'DELETED Service' 1
	run tail -n 2 <(events)
	assert_output - <<'OUT'
ADDED Service shop/new
DELETED Service shop/web
OUT
	assert_equal "$(requests | grep -c '^/api/v1/services?resourceVersion=0$')" 2
	# An ERROR 410 event in an open stream: every kind lists again.
	control "compact?expire=1" >/dev/null
	wait_lines watch.log 'watch expired' 5
	wait_request '^/api/v1/endpoints\?resourceVersion=0$' 2
	run grep -c '"type":"ADDED"' events.json
	assert_output 9   # the lists after the 410 found nothing new
}

@test "bookmarks move the resume point; watches end at timeoutSeconds (random in [T, 2T)) and resume" {
	start_api --fixtures "$CLUSTER" --bookmark-interval 0.3
	start_watch -watch-timeout 1s
	wait_request '/services\?watch=1' 1
	rv=$(control apply "$(svc new)" | jq -r .resourceVersion)   # a Service change only
	wait_request "ingresses\\?watch=1&resourceVersion=$rv&" 1
	run watches
	for l in "${lines[@]}"; do [[ "$l" =~ timeoutSeconds=[12]$ ]]; done
	run grep -c 'watch failed' watch.log
	assert_output 0
	run grep -c BOOKMARK events.json   # bookmarks are not events for the user
	assert_output 0
}

@test "a stream that is not JSON fails and is watched again from the same RV" {
	start_api --fixtures "$CLUSTER"
	start_watch
	wait_request '/endpoints\?watch=1' 1
	control "fault?path=/api/v1/endpoints&spec=garbage&times=1" >/dev/null
	control cut >/dev/null
	wait_lines watch.log 'an event is not' 1
	wait_request 'endpoints\?watch=1' 3
	run watches endpoints
	assert_equal "$(cut -d'&' -f2 <<<"$output" | sort -u | wc -l)" 1
}

@test "RouteGroup CRD: absent, installed (listed and watched), removed (gone after 10 checks: DELETED)" {
	printf 'disableRouteGroups: true\n' >no-rg.api
	start_api --fixtures "$CLUSTER" --api no-rg.api
	start_watch -watch-crd-interval 200ms
	wait_request '/endpoints\?watch=1' 1
	run requests
	refute_line --partial routegroups
	control "crd?routegroups=present" >/dev/null
	wait_event 'RouteGroup shop/checkout' 1
	wait_request 'routegroups\?watch=1' 1
	control "crd?routegroups=absent" >/dev/null
	wait_event 'DELETED' 1
	run tail -n 1 <(events)
	assert_output 'DELETED RouteGroup shop/checkout'
	run grep -c 'but RouteGroups were listed before' watch.log
	assert_output 9
	run grep -c 'RouteGroups CRD is gone: going on without RouteGroups' watch.log
	assert_output 1
}

@test "the first list failing exits 3 naming the request; SIGTERM exits 0; -o does not combine" {
	start_api --fixtures "$CLUSTER" --fault /api/v1/services=500
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -watch
	assert_failure 3
	assert_output --partial "failed to load cluster state: GET $API/api/v1/services?resourceVersion=0: HTTP 500"
	stop_api
	start_api --fixtures "$CLUSTER"
	start_watch
	wait_request '/endpoints\?watch=1' 1
	kill -TERM "$FETCH_PID"
	rc=0
	wait "$FETCH_PID" || rc=$?
	FETCH_PID=
	assert_equal "$rc" 0
	run "$BIN/routesrv-fetch" -kubernetes-url "$API" -watch -o out.json
	assert_failure 2
	assert_output --partial 'does not combine with -o'
}
