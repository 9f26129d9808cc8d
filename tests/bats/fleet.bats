#!/usr/bin/env bats
# The fleet view (routesrv-serve(1) FLEET): curl clients play skippers, each holding the
# ETag it was served and sending it back in If-None-Match, as skipper's -routes-urls client
# does. /fleet on the support listener, expiry, the cap, the metrics, the convergence log
# line, the change latency, and routesrv-diff -fleet. Servers listen on 127.0.0.1 only.

load helpers/common
load helpers/serve

# Three endpoints in zone-a, one in zone-b: zone-a gets its own document, zone-b the full one.
ZONED='r1: Path("/r1") -> <roundRobin, "http://10.0.0.1:80?zone=zone-a", "http://10.0.0.2:80?zone=zone-a", "http://10.0.0.3:80?zone=zone-a", "http://10.0.0.4:80?zone=zone-b">;
r2: Path("/r2") -> <roundRobin, "http://10.0.1.1:80?zone=zone-a", "http://10.0.1.2:80?zone=zone-b">;'
# The zone-b endpoint of r1 moves: the full table changes, zone-a's document does not.
ZONED_B_MOVED=${ZONED//10.0.0.4/10.0.0.5}

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
}

teardown() {
	stop_serve
}

# Polls every second unless the flags say otherwise: clients leave after 10 s without a poll,
# which no test's pauses reach however loaded the machine is.
serve_table() { # TEXT, then extra flags
	printf '%s\n' "$1" >routes.eskip
	shift
	start_serve -routes-file routes.eskip -source-poll-timeout 1000 "$@"
	wait_log "routes initialized"
	FLEET="http://127.0.0.1:$SUPPORT_PORT/fleet"
}

# Replaces the table atomically and waits until it is served.
change_table() { # TEXT
	local n
	n=$(grep -c 'msg="routes updated"' serve.log)
	printf '%s\n' "$1" >routes.eskip.new
	mv routes.eskip.new routes.eskip
	wait_log 'msg="routes updated"' $((n + 1))
}

# One poll of skipper NAME for PATH (extra curl arguments follow, e.g. --compressed): sends
# the tag it holds, keeps the one a 200 brings.
skipper_poll() { # NAME PATH [curl args]
	local name=$1 path=$2
	shift 2
	local args=(-s -o /dev/null -D "headers.$name" -H "X-Skipper-Instance: $name")
	[ -s "tag.$name" ] && args+=(-H "If-None-Match: $(cat "tag.$name")")
	curl "${args[@]}" "$@" "$URL$path"
	if head -1 "headers.$name" | grep -q ' 200'; then
		tr -d '\r' <"headers.$name" | awk -F': ' 'tolower($1) == "etag" { print $2 }' >"tag.$name"
	fi
}

# "identity state" per client of /fleet (JSON), sorted by identity. (The tests' own
# requests use HEAD, which the fleet view does not record.)
states() {
	curl -s "$FLEET${1:-}" | jq -r '.clients[] | "\(.identity) \(.state)"' | sort
}

served_tag() { # PATH: the tag /routes has now
	header_value Etag -I "$URL${1:-/routes}"
}

fleet_field() { # jq filter
	curl -s "$FLEET" | jq -r "$1"
}

@test "clients holding the current table, a stale one, its gzip variant and zone documents" {
	serve_table "$ZONED"
	skipper_poll plain /routes
	skipper_poll gzip /routes --compressed
	skipper_poll zone-a /routes/zone-a --compressed
	skipper_poll zone-b /routes/zone-b
	run states
	assert_output 'gzip current
plain current
zone-a current
zone-b current'
	assert_equal "$(fleet_field '.summary.tables')" 1
	old_tag=$(cat tag.plain)
	"$BIN/routesrv-etag" -o old.eskip routes.eskip
	change_table "$ZONED_B_MOVED"
	skipper_poll gzip /routes --compressed
	# zone-a's document did not change: its client holds the current one already
	run states
	assert_output 'gzip current
plain stale
zone-a current
zone-b stale'
	assert_equal "$(fleet_field '.summary | "\(.current) \(.stale) \(.tables)"')" '2 2 2'
	assert_equal "$(fleet_field '.clients[] | select(.identity == "gzip") | .etag')" "$(cat tag.gzip)"
	case "$(cat tag.gzip)" in *+gzip\") ;; *) false ;; esac
	assert_equal "$(fleet_field '.clients[] | select(.identity == "zone-b") | .path')" /routes/zone-b
	assert_equal "$(fleet_field '.table.etag')" "$(served_tag)"
	assert_equal "$(fleet_field '.clients[] | select(.identity == "plain") | .current_etag')" "$(served_tag)"
	run states '?stale=1'
	assert_output 'plain stale
zone-b stale'
	# the stale clients' table is still there, by any spelling of its tag
	hex=${old_tag//\"/}
	assert_equal "$(curl -s "http://127.0.0.1:$SUPPORT_PORT/fleet/tables/$hex")" "$(cat old.eskip)"
	assert_equal "$(curl -s --compressed "http://127.0.0.1:$SUPPORT_PORT/fleet/tables/%22$hex+gzip%22")" "$(cat old.eskip)"
	grep -q 10.0.0.4 <<<"$(curl -s "http://127.0.0.1:$SUPPORT_PORT/fleet/tables/$hex")"
	assert_equal "$(status "http://127.0.0.1:$SUPPORT_PORT/fleet/tables/00000000000000000000000000000000")" 404
}

@test "the text form for terminals lines its columns up" {
	serve_table "$ZONED"
	skipper_poll a-long-skipper-name /routes --compressed
	skipper_poll b /routes/zone-a
	change_table "$ZONED_B_MOVED"
	run curl -s -H 'Accept: text/plain' "$FLEET"
	assert_success
	assert_line --index 0 --regexp '^table    "[0-9a-f]{32}"  2 routes  published [0-9-]{10}T'
	assert_line --index 1 --regexp '^clients  2: 1 current, 1 stale; 2 tables held \(a client leaves after 10s without a poll; at most 4096\)$'
	assert_line --regexp '^ADDRESS +IDENTITY +PATH +ETAG +STATE +AGE +LAST SEEN +POLLS$'
	# every row has its tag, state and poll count under the heading's columns
	header=$(grep '^ADDRESS' <<<"$output")
	etag_col=$(awk -v h="$header" 'BEGIN { print index(h, "ETAG") }')
	state_col=$(awk -v h="$header" 'BEGIN { print index(h, "STATE") }')
	rows=$(grep '^127\.0\.0\.1' <<<"$output")
	assert_equal "$(wc -l <<<"$rows")" 2
	while read -r row; do
		assert_equal "${row:etag_col-1:1}" '"'
		[[ "${row:state_col-1}" =~ ^(current|stale\ for\ [0-9.]+m?s) ]]
	done <<<"$rows"
	assert_line --regexp '^127\.0\.0\.1  a-long-skipper-name  /routes  +"[0-9a-f]{32}\+gzip"  +stale for [0-9.]+m?s '
	assert_line --regexp '^127\.0\.0\.1  b  +/routes/zone-a  +"[0-9a-f]{32}"  +current '
	run curl -s -H 'Accept: text/plain' "$FLEET?stale=1"
	refute_line --partial 'zone-a  '
}

@test "a table counts as held once its download arrived whole" {
	# a table too large for the socket buffers: a client that stops reading never gets it all
	seq 150000 | awk '{ printf "r%d: Path(\"/r%d\") -> <roundRobin, \"http://10.0.0.1:80\", \"http://10.0.0.2:80\">;\n", $1, $1 }' >big.eskip
	start_serve -routes-file big.eskip -source-poll-timeout 1000
	wait_log "routes initialized"
	FLEET="http://127.0.0.1:$SUPPORT_PORT/fleet"
	skipper_poll done /routes
	run curl -s -o /dev/null --max-filesize 1000 -H 'X-Skipper-Instance: cut' "$URL/routes"
	assert_equal "$status" 63   # curl gave up: the body was larger than it takes
	run states
	assert_output 'cut stale
done current'
	assert_equal "$(fleet_field '.clients[] | select(.identity == "cut") | "\(.etag)|\(.polls)"')" '|1'
}

@test "/fleet is on the support listener only; -fleet-max-clients 0 turns the view off" {
	serve_table "$ZONED"
	skipper_poll a /routes
	assert_equal "$(status "$URL/fleet")" 404
	assert_equal "$(status "$URL/fleet/tables/x")" 404
	assert_equal "$(status "$FLEET")" 200
	assert_equal "$(header_value Content-Type "$FLEET")" application/json
	assert_equal "$(header_value Content-Type -H 'Accept: text/plain' "$FLEET")" 'text/plain; charset=utf-8'
	stop_serve
	serve_table "$ZONED" -fleet-max-clients 0
	skipper_poll a /routes
	assert_equal "$(status "$FLEET")" 404
	refute grep -q routesrv_fleet_clients <<<"$(curl -s "$METRICS")"
	run "$BIN/routesrv-serve" -fleet-max-clients -1
	assert_failure 2
	assert_output --partial 'invalid value "-1" for flag -fleet-max-clients: must be 0 to 100000'
	run "$BIN/routesrv-serve" -fleet-max-clients 100001
	assert_failure 2
}

@test "a client that stops polling leaves the fleet after 10 poll intervals" {
	serve_table "$ZONED" -source-poll-timeout 100   # a client leaves after 1 s
	skipper_poll gone /routes
	skipper_poll alive /routes
	run states
	assert_output 'alive current
gone current'
	for _ in $(seq 600); do
		skipper_poll alive /routes
		[ "$(states)" = 'alive current' ] && break
		sleep 0.1
	done
	run states
	assert_output 'alive current'
	# back after leaving: a new client, its polls counted afresh
	skipper_poll gone /routes
	assert_equal "$(fleet_field '.clients[] | select(.identity == "gone") | .polls')" 1
}

@test "at -fleet-max-clients the least recently seen client makes room" {
	serve_table "$ZONED" -fleet-max-clients 2
	skipper_poll a /routes
	skipper_poll b /routes
	skipper_poll a /routes
	skipper_poll c /routes
	run states
	assert_output 'a current
c current'
	assert_equal "$(metric routesrv_fleet_evicted_total)" 1
	assert_equal "$(fleet_field .max_clients)" 2
}

@test "metrics: clients by state, tables held, convergence time and change latency" {
	serve_table "$ZONED"
	skipper_poll a /routes --compressed
	skipper_poll b /routes
	wait_log 'msg="table converged"'
	assert_equal "$(metric 'routesrv_fleet_clients{state="current"}')" 2
	assert_equal "$(metric 'routesrv_fleet_clients{state="stale"}')" 0
	assert_equal "$(metric routesrv_fleet_tables)" 1
	assert_equal "$(metric routesrv_fleet_convergence_seconds_count)" 1
	# the first table measures start-up, not a change
	assert_equal "$(metric 'routesrv_change_latency_seconds_count{from="cycle_start"}')" ''
	change_table "$ZONED_B_MOVED"
	skipper_poll a /routes --compressed
	assert_equal "$(metric 'routesrv_fleet_clients{state="current"}')" 1
	assert_equal "$(metric 'routesrv_fleet_clients{state="stale"}')" 1
	assert_equal "$(metric routesrv_fleet_tables)" 2
	assert_equal "$(metric 'routesrv_change_latency_seconds_count{from="cycle_start"}')" 1
	# a routes file carries no managedFields
	assert_equal "$(metric 'routesrv_change_latency_seconds_count{from="managed_fields"}')" ''
	skipper_poll b /routes
	wait_log 'msg="table converged"' 2
	assert_equal "$(metric routesrv_fleet_convergence_seconds_count)" 2
	assert_equal "$(metric routesrv_fleet_tables)" 1
	assert_equal "$(metric routesrv_fleet_convergence_cut_total)" 0
}

@test "the convergence log line names the table, the clients and the time" {
	serve_table "$ZONED"
	skipper_poll a /routes --compressed
	skipper_poll b /routes/zone-a
	skipper_poll c /routes/zone-b
	wait_log 'msg="table converged"'
	change_table "$ZONED_B_MOVED"
	new_hex=$(served_tag | tr -d '"')
	skipper_poll a /routes --compressed
	skipper_poll c /routes/zone-b
	# b's zone document did not change: c was the last one to take the new table
	wait_log 'msg="table converged"' 2
	run grep 'msg="table converged"' serve.log
	assert_line --index 1 --regexp "^time=\"[^\"]+\" level=info msg=\"table converged\" clients=3 etag=$new_hex seconds=[0-9]+\.[0-9]{3}$"
	assert_equal "$(grep -c "msg=\"table converged\".*etag=$new_hex" serve.log)" 1
	assert_equal "$(status "http://127.0.0.1:$SUPPORT_PORT/fleet/tables/$new_hex")" 200
}

@test "a table replaced before every client holds it is counted as cut" {
	serve_table "$ZONED"
	skipper_poll a /routes
	skipper_poll b /routes
	wait_log 'msg="table converged"'
	change_table "$ZONED_B_MOVED"
	skipper_poll a /routes
	change_table "$ZONED"
	assert_equal "$(metric routesrv_fleet_convergence_cut_total)" 1
	skipper_poll a /routes
	skipper_poll b /routes
	wait_log 'msg="table converged"' 2
	assert_equal "$(metric routesrv_fleet_convergence_seconds_count)" 2
}

# An Ingress, its Service and Endpoints as `kubectl get -o yaml` shows them: with a
# resourceVersion and managedFields.
cluster() { # ENDPOINTS-IP ENDPOINTS-RESOURCEVERSION ENDPOINTS-MANAGED-TIME
	cat <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: default
  resourceVersion: "100"
  managedFields:
  - manager: kubectl-client-side-apply
    operation: Update
    time: "2026-01-01T00:00:00Z"
spec:
  rules:
  - host: shop.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: shop
            port:
              number: 80
---
apiVersion: v1
kind: Service
metadata:
  name: shop
  namespace: default
  resourceVersion: "101"
spec:
  clusterIP: 10.3.0.10
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Endpoints
metadata:
  name: shop
  namespace: default
  resourceVersion: "$2"
  managedFields:
  - manager: kube-controller-manager
    operation: Update
    time: "$3"
subsets:
- addresses:
  - ip: $1
  ports:
  - port: 8080
EOF
}

@test "change latency is measured from the newest managedFields time of the objects that changed" {
	mkdir cluster
	cluster 10.2.1.11 200 2026-01-01T00:00:00Z >cluster/shop.yaml
	start_serve -kubernetes-manifests cluster
	wait_log "routes initialized"
	# the Endpoints were written 20 s ago (a lower bound: whole seconds), the Ingress long before
	written=$(date -u -d '20 seconds ago' +%Y-%m-%dT%H:%M:%SZ)
	cluster 10.2.1.12 201 "$written" >cluster/shop.yaml.new
	mv cluster/shop.yaml.new cluster/shop.yaml
	wait_log 'msg="routes updated"' 2
	assert_equal "$(metric 'routesrv_change_latency_seconds_count{from="managed_fields"}')" 1
	assert_equal "$(metric 'routesrv_change_latency_seconds_bucket{from="managed_fields",le="10"}')" 0
	assert_equal "$(metric 'routesrv_change_latency_seconds_bucket{from="managed_fields",le="30"}')" 1
	assert_equal "$(metric 'routesrv_change_latency_seconds_count{from="cycle_start"}')" 1
	assert_equal "$(metric 'routesrv_change_latency_seconds_bucket{from="cycle_start",le="10"}')" 1
	# the objects are read every cycle (young files); unchanged ones are no change
	wait_more_log 'msg="routes did not change"' 3
	assert_equal "$(metric 'routesrv_change_latency_seconds_count{from="managed_fields"}')" 1
}

@test "routesrv-diff -fleet: clients per table, the stale ones, the changes counted" {
	serve_table "$ZONED"
	skipper_poll a /routes --compressed
	skipper_poll b /routes
	skipper_poll c /routes/zone-b
	change_table "$ZONED_B_MOVED"
	skipper_poll a /routes --compressed
	old=$(cat tag.b)
	run "$BIN/routesrv-diff" -fleet "http://127.0.0.1:$SUPPORT_PORT"
	assert_failure 1
	assert_line --index 0 "fleet    $FLEET"
	assert_line --index 2 'clients  3: 1 current, 2 stale; 2 tables held'
	assert_line --regexp '^CLIENTS +TABLE +STATE +CHANGES TO THE CURRENT TABLE$'
	assert_line --regexp '^1 +"[0-9a-f]{32}" +current$'
	assert_line --regexp "^2 +$old +stale +1 route differs: 0 added, 0 removed, 1 changed, 1 unchanged$"
	assert_line --regexp '^127\.0\.0\.1 +b +/routes +"[0-9a-f]{32}" '
	assert_line --regexp '^127\.0\.0\.1 +c +/routes/zone-b +"[0-9a-f]{32}" '
	refute_line --partial '10.0.0.5'   # counted, not printed
	run "$BIN/routesrv-diff" -u -W 0 -fleet "$FLEET"
	assert_failure 1
	assert_line "--- $old (2 stale clients)"
	assert_line --partial '-http://10.0.0.4:80?zone=zone-b +http://10.0.0.5:80?zone=zone-b'
	run "$BIN/routesrv-diff" -json -fleet "$FLEET/"
	assert_failure 1
	assert_equal "$(jq -r '.summary.stale, (.tables[1].diff.counts.changed), (.stale | length)' <<<"$output")" '2
1
2'
	assert_equal "$(jq -r '.tables[1] | has("diff") and (.diff | has("changed") | not)' <<<"$output")" true
	run "$BIN/routesrv-diff" -q -fleet "$FLEET"
	assert_failure 1
	assert_output "Fleet $FLEET: 2 of 3 clients hold a stale table"
	skipper_poll b /routes
	skipper_poll c /routes/zone-b
	run "$BIN/routesrv-diff" -s -fleet "$FLEET"
	assert_success
	assert_output "Fleet $FLEET: every client holds the current table"
	run "$BIN/routesrv-diff" -fleet "$FLEET"
	assert_success
	assert_line 'clients  3: 3 current, 0 stale; 1 table held'
}

@test "routesrv-diff -fleet: what it cannot read is trouble, named" {
	serve_table "$ZONED"
	run "$BIN/routesrv-diff" -fleet "http://127.0.0.1:$(closed_port)"
	assert_failure 2
	assert_output --regexp '^routesrv-diff: http://127\.0\.0\.1:[0-9]+/fleet: .*connect'
	# the routes listener: /routes/fleet is the table for a zone called fleet
	run "$BIN/routesrv-diff" -fleet "$URL/routes"
	assert_failure 2
	assert_output "routesrv-diff: $URL/routes/fleet: not a fleet view (JSON with table, summary and clients expected)"
	run "$BIN/routesrv-diff" -fleet "$URL"
	assert_failure 2
	assert_output "routesrv-diff: $URL/fleet: HTTP status 404 Not Found"
	mkdir www
	printf '{"clients": 3}' >www/fleet
	start_http_server www
	run "$BIN/routesrv-diff" -fleet "http://127.0.0.1:$HTTP_PORT"
	stop_http_server
	assert_failure 2
	assert_output "routesrv-diff: http://127.0.0.1:$HTTP_PORT/fleet: not a fleet view (JSON with table, summary and clients expected)"
	run "$BIN/routesrv-diff" -fleet "$FLEET" a b
	assert_failure 2
	assert_output --partial '-fleet reads the tables from the route server: no OLD and NEW'
	run "$BIN/routesrv-diff" a
	assert_failure 2
	assert_output --partial 'OLD and NEW are needed (or -fleet URL)'
}
