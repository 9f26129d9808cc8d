#!/usr/bin/env bats
# The fake Kubernetes API server watches as kubernetes-watch.md W1 says the real one does:
# the watch client's failure tests (watch.bats) rely on these behaviours.

load helpers/common
load helpers/serve

CLUSTER="$HELPERS/../fixtures/fetch/cluster.yaml"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	stop_api
}

# A watch in the background: watch PATH-AND-QUERY OUTFILE; WATCH_PID is curl's.
watch_bg() {
	curl -sN -m 30 "$API$1" >"$2" 2>&1 &
	WATCH_PID=$!
	for _ in $(seq 200); do
		[ "$(control stats | jq .watches)" -ge 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# Waits for the background watch in this shell (not in run's subshell, which does not own
# curl): its exit status in $status.
wait_watch() {
	status=0
	wait "$WATCH_PID" || status=$?
}

events() { # FILE: "TYPE ns/name" per event
	jq -r '.type + " " + (.object.metadata.namespace // "") + "/" + (.object.metadata.name // "")' "$1"
}

svc() { # NAME [LABELS-JSON]
	printf '{"kind":"Service","apiVersion":"v1","metadata":{"name":"%s","namespace":"shop","labels":%s},"spec":{"ports":[{"port":80}]}}' "$1" "${2:-{\}}"
}

@test "lists carry an RV per object and per list; a change moves both" {
	start_api --fixtures "$CLUSTER"
	run curl -s "$API/api/v1/services"
	list_rv=$(echo "$output" | jq -r .metadata.resourceVersion)
	run jq -r '.items[].metadata.resourceVersion' <<<"$output"
	assert_success
	[ "$(echo "$output" | sort -u | wc -l)" -eq 2 ]
	answer=$(control apply "$(svc new)")
	new_rv=$(echo "$answer" | jq -r .resourceVersion)
	[ "$new_rv" -gt "$list_rv" ]
	run curl -s "$API/api/v1/services"
	assert_equal "$(echo "$output" | jq -r .metadata.resourceVersion)" "$new_rv"
	assert_equal "$(echo "$output" | jq -r '.items[] | select(.metadata.name == "new") | .metadata.resourceVersion')" "$new_rv"
}

@test "watch from RV 0 starts with ADDED for every object, then streams changes with kind and apiVersion" {
	start_api --fixtures "$CLUSTER"
	watch_bg "/api/v1/services?watch=1&resourceVersion=0&timeoutSeconds=2" w.json
	control apply "$(svc new)" >/dev/null
	control delete "$(svc web)" >/dev/null
	wait "$WATCH_PID"
	run events w.json
	assert_output - <<'OUT'
ADDED default/api
ADDED shop/web
ADDED shop/new
DELETED shop/web
OUT
	run jq -r '.object.kind + " " + .object.apiVersion' w.json
	assert_output "$(printf 'Service v1\n%.0s' 1 2 3 4)"
}

@test "watch from a list's RV resumes after it; the namespace and label selector apply, with transitions" {
	start_api --fixtures "$CLUSTER"
	rv=$(curl -s "$API/api/v1/services" | jq -r .metadata.resourceVersion)
	control apply "$(svc a '{"team":"shop"}')" >/dev/null
	control apply "$(svc b)" >/dev/null
	watch_bg "/api/v1/namespaces/shop/services?watch=true&resourceVersion=$rv&labelSelector=team%3Dshop&timeoutSeconds=2" w.json
	control apply "$(svc b '{"team":"shop"}')" >/dev/null   # starts matching: ADDED
	control apply "$(svc a '{"team":"core"}')" >/dev/null   # stops matching: DELETED
	wait "$WATCH_PID"
	run events w.json
	assert_output - <<'OUT'
ADDED shop/a
ADDED shop/b
DELETED shop/a
OUT
}

@test "bookmarks carry only the RV; one comes before a timeout ends the stream" {
	start_api --fixtures "$CLUSTER" --bookmark-interval 600
	watch_bg "/api/v1/endpoints?watch=1&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=2" w.json
	control bookmark >/dev/null
	rv=$(control apply "$(svc new)" | jq -r .resourceVersion)
	wait "$WATCH_PID"
	run jq -c 'select(.type == "BOOKMARK") | .object' w.json
	assert_output "$(printf '{"kind":"Endpoints","apiVersion":"v1","metadata":{"resourceVersion":"%s"}}\n' "$((rv - 1))" "$rv")"
	run jq -r .how <(grep watch-end api.log)
	assert_output timeout
}

@test "after compaction an old RV gets an ERROR 410 event, or an HTTP 410 answer" {
	start_api --fixtures "$CLUSTER"
	rv=$(curl -s "$API/api/v1/services" | jq -r .metadata.resourceVersion)
	control apply "$(svc new)" >/dev/null
	control compact >/dev/null
	run curl -s -m 10 "$API/api/v1/services?watch=1&resourceVersion=$rv"
	assert_equal "$(jq -c '[.type, .object.code, .object.reason]' <<<"$output")" '["ERROR",410,"Expired"]'
	control "compact?gone=http" >/dev/null
	run curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/api/v1/services?watch=1&resourceVersion=$rv"
	assert_output 410
	# A current RV still resumes.
	now=$(control stats | jq -r .resourceVersion)
	run curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/api/v1/services?watch=1&resourceVersion=$now&timeoutSeconds=1"
	assert_output 200
}

@test "open watches: cut mid-stream, expired with an ERROR 410, ended when the CRD goes (then 404)" {
	start_api --fixtures "$CLUSTER"
	watch_bg "/api/v1/endpoints?watch=1" w.json
	control cut >/dev/null
	wait_watch
	assert_equal "$status" 18   # curl: transfer closed with outstanding read data remaining
	watch_bg "/api/v1/endpoints?watch=1" w.json
	control "compact?expire=1" >/dev/null
	wait_watch
	assert_equal "$status" 0
	assert_equal "$(tail -n 1 w.json | jq -r .type)" ERROR
	watch_bg "/apis/zalando.org/v1/routegroups?watch=1" w.json
	control "crd?routegroups=absent" >/dev/null
	wait_watch
	assert_equal "$status" 0
	run curl -s -o /dev/null -w '%{http_code}' "$API/apis/zalando.org/v1/routegroups?watch=1"
	assert_output 404
	run curl -s "$API/apis/zalando.org/v1"
	assert_equal "$(jq -c .resources <<<"$output")" '[]'
	run jq -r .how <(grep watch-end api.log)
	assert_output "$(printf 'cut\nexpired\ncrd')"
}

@test "faults added at run time apply to watches, N times" {
	start_api --fixtures "$CLUSTER"
	control "fault?path=/api/v1/services&spec=500&times=2" >/dev/null
	for want in 500 500 200; do
		run curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/api/v1/services?watch=1&timeoutSeconds=1"
		assert_output "$want"
	done
}
