#!/usr/bin/env bats
# -max-route-deletion (issue 11 item 9, beyond skipper): an update that would delete more than
# the given fraction of the served routes is held; the served table and /health stay, the hold
# is logged with its counts and counted; it ends when the sources come back, and is published
# after -max-route-deletion-hold when that is set. Off by default (skipper publishes it).
# The failure it guards against: an API server that starts answering valid but empty lists
# (here: the fake API restarted on the same port with no objects).

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
HELD='msg="update held: it deletes more routes than -max-route-deletion allows"'

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	API_PID=
	cp -r "$EXAMPLES/cluster" a
	mkdir empty
}

teardown() {
	stop_serve
	stop_api
}

# Serves the example cluster (12 routes) through the fake API with the given serve flags.
serve_cluster() {
	start_api --fixtures a
	PORT=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API" "$@"
	wait_log "routes initialized"
	BEFORE=$(curl -s "$URL/routes")
	assert_equal "$(header_value X-Count "$URL/routes")" 12
}

# Waits (up to 60 s) until the series $1 of /metrics is at least $2.
wait_until_metric_at_least() {
	for _ in $(seq 1200); do
		[ "$(metric "$1")" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.05
	done
	echo "$1 did not reach $2: $(metric "$1")" >&2
	return 1
}

# The API restarted on the same port, answering with the objects of $1.
api_answers() {
	stop_api
	start_api --port "$PORT" --fixtures "$1"
}

@test "default: an API answering empty lists deletes every route but the health-check ones, as skipper" {
	serve_cluster
	api_answers empty
	wait_log 'msg="routes updated"' 2
	assert_equal "$(header_value X-Count "$URL/routes")" 3
}

@test "an API answering empty lists: the update is held, the table and /health stay, logged and counted" {
	serve_cluster -max-route-deletion 0.5
	assert_equal "$(metric 'routesrv_custom_total{key="routes.deletion_held"}')" 0
	api_answers empty
	wait_log "$HELD" 1
	run grep -m1 "$HELD" serve.log
	assert_output --regexp 'level=warning .* count=3 deleted=9 held_for=0s limit=0.5 published_after=never served=12'
	# held every cycle while the change persists; logged at warning level once
	wait_until_metric_at_least 'routesrv_custom_total{key="routes.deletion_held"}' 3
	assert_equal "$(grep -c "$HELD" serve.log)" 1
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.held_deletions"}')" 9
	assert_equal "$(curl -s "$URL/routes")" "$BEFORE"
	assert_equal "$(status "$URL/health")" 204
	assert_equal "$(grep -c 'msg="routes updated"' serve.log)" 1
	# the API recovers: the hold ends, nothing is published (the table is the served one)
	api_answers a
	wait_log 'msg="held update withdrawn: the sources are back to the served table"'
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.held_deletions"}')" 0
	assert_equal "$(curl -s "$URL/routes")" "$BEFORE"
}

@test "-max-route-deletion-hold: a deletion that persists is published after the hold" {
	serve_cluster -max-route-deletion 0.5 -max-route-deletion-hold 1s
	api_answers empty
	wait_log "$HELD"
	wait_log 'msg="publishing the held update: its deletion persisted for -max-route-deletion-hold"'
	wait_log 'msg="routes updated"' 2
	assert_equal "$(header_value X-Count "$URL/routes")" 3
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.held_deletions"}')" 0
}

@test "a deletion within the limit is published at once" {
	serve_cluster -max-route-deletion 0.5
	mkdir b
	cp a/shop.yaml b/   # the blog RouteGroup goes: 5 of 12 routes
	api_answers b
	wait_log 'msg="routes updated"' 2
	assert_equal "$(header_value X-Count "$URL/routes")" 7
	! grep -q "$HELD" serve.log
}

@test "-max-route-deletion takes a fraction below 1" {
	for bad in 1 -0.1 x 0.5x; do
		run "$BIN/routesrv-serve" -routes-file x -max-route-deletion "$bad"
		assert_failure 2
		assert_output --partial "invalid value \"$bad\" for flag -max-route-deletion"
	done
}
