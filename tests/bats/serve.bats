#!/usr/bin/env bats
# routesrv-serve as skipper's fleet sees it: the HTTP contract of spec eskip-and-http.md
# part B (headers, ETags, conditional requests, gzip, zones, health, metrics), the poll
# cycle (updates, last good table on failures, empty tables), skipper's routesrv_test.go
# behaviours (B12) as black-box tests, and shutdown. Servers listen on 127.0.0.1 only.

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"

TABLE3='b: * -> "http://b";
a: Path("/a") -> <shunt>;
c: Host("c") -> setPath("/c") -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.2:80">;'
TABLE2='a: Path("/a") -> <shunt>;
b: * -> "http://b2";'

# Three endpoints in zone-a, one in zone-b: filtered for zone-a, full for zone-b.
ZONED='r1: Path("/r1") -> <roundRobin, "http://10.0.0.1:80?zone=zone-a", "http://10.0.0.2:80?zone=zone-a", "http://10.0.0.3:80?zone=zone-a", "http://10.0.0.4:80?zone=zone-b">;
r2: Path("/r2") -> <roundRobin, "http://10.0.1.1:80?zone=zone-a", "http://10.0.1.2:80?zone=zone-b">;'

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	API_PID=
}

teardown() {
	if [ -n "$SERVE_PID" ]; then
		kill -INT "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	stop_api
}

serve_table() { # TEXT, then extra flags
	printf '%s' "$1" >routes.eskip
	shift
	start_serve -routes-file routes.eskip "$@"
	wait_log "routes initialized"
}

# --- before the first table (TestNotInitializedRoutesAreNotServed) ---------------------

@test "before the first table /routes is 404 without a body and /health is 503" {
	start_serve -routes-file missing.eskip
	wait_log "failed to fetch routes"
	run headers "$URL/routes"
	assert_line --index 0 'HTTP/1.1 404 Not Found'
	assert_line 'Content-Length: 0'
	refute_line --partial 'Content-Type'
	run curl -s "$URL/routes/zone-a"
	assert_output ''
	run curl -s -w '%{http_code}' "$URL/health"
	assert_output "routes were not initialized yet
503"
	run header_value Content-Type "$URL/health"
	assert_output 'text/plain; charset=utf-8'
	grep -q 'level=error msg="failed to fetch routes" error="missing.eskip: No such file or directory"' serve.log
}

@test "the first table is served once the routes file appears; /health turns 204" {
	start_serve -routes-file routes.eskip
	wait_log "failed to fetch routes"
	printf '%s' "$TABLE3" >routes.eskip
	wait_log "routes initialized"
	assert_equal "$(status "$URL/routes")" 200
	assert_equal "$(status "$URL/health")" 204
	assert_equal "$(status -X POST "$URL/health")" 204
}

@test "an empty source is not served (TestEmptyRoutesAreNotServed)" {
	: >routes.eskip
	start_serve -routes-file routes.eskip
	wait_log "received empty routes; ignoring" 2
	assert_equal "$(status "$URL/routes")" 404
	assert_equal "$(curl -s "$URL/routes")" ''
	assert_equal "$(status "$URL/health")" 503
}

# --- methods and paths -----------------------------------------------------------------

@test "methods other than GET and HEAD get 405 without a body, before and after the first table" {
	start_serve -routes-file missing.eskip
	for m in POST PUT DELETE PATCH OPTIONS; do
		assert_equal "$(status -X "$m" "$URL/routes")" 405
	done
	run headers -X POST -H 'Content-Length: 0' "$URL/routes"
	assert_line --index 0 'HTTP/1.1 405 Method Not Allowed'
	assert_line 'Content-Length: 0'
	refute_line --partial 'Allow:'
	# a request with a body never reaches a handler (issue 11): 400
	assert_equal "$(status -X POST -d 'x=y' "$URL/routes")" 400
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID"
	SERVE_PID=
	serve_table "$TABLE3"
	assert_equal "$(status -X POST -H 'Content-Length: 0' "$URL/routes")" 405   # TestWrongMethodToRouteSrv
	assert_equal "$(status -X DELETE "$URL/routes/zone-a")" 405
}

@test "unknown paths are 404 with Go's body; /routes/ and /routes/a/b are not zones" {
	serve_table "$TABLE3"
	for p in / /route /routes/ /routes/a/b /health/ /metrics; do
		run curl -s -w ' %{http_code}' "$URL$p"
		assert_output "404 page not found
 404"
	done
	run header_value X-Content-Type-Options "$URL/nope"
	assert_output nosniff
}

# --- the table and its headers ----------------------------------------------------------

@test "GET /routes: the served form with Content-Type, X-Count, Etag, Last-Modified, Content-Length" {
	serve_table "$TABLE3"
	"$BIN/routesrv-etag" -o served.eskip routes.eskip >tag
	run curl -s "$URL/routes"
	assert_output "$(cat served.eskip)"
	run headers "$URL/routes"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'Content-Type: text/plain; charset=utf-8'
	assert_line 'X-Count: 3'
	assert_line "Etag: $(cat tag)"
	assert_line "Content-Length: $(wc -c <served.eskip)"
	refute_line --partial 'Content-Encoding'
	lm=$(header_value Last-Modified "$URL/routes")
	[[ "$lm" =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ GMT$ ]]
	run grep -c 'level=info msg="routes updated" bytes='"$(wc -c <served.eskip)"' count=3 deleted=0 hash='"$(tr -d '"' <tag)"' inserted=3 updated=0' serve.log
	assert_output 1
}

@test "the served table parses back to the source routes (TestFetchedRoutesAreServedInEskipFormat)" {
	serve_table "$TABLE3"
	curl -s "$URL/routes" >served.eskip
	run "$BIN/routesrv-diff" routes.eskip served.eskip
	assert_success
	assert_equal "$(status "$URL/health")" 204
}

@test "HEAD carries the headers of GET and no body (TestESkipBytesHandlerWithXCount)" {
	serve_table "$TABLE3"
	run curl -s -I "$URL/routes"
	assert_line --partial 'X-Count: 3'
	assert_line --partial "Content-Length: $(curl -s "$URL/routes" | wc -c)"
	run curl -s -X HEAD --max-time 5 "$URL/routes"
	assert_output ''
	assert_equal "$(header_value Etag -I "$URL/routes")" "$(header_value Etag "$URL/routes")"
}

# --- conditional requests (B2.1) ------------------------------------------------------------

@test "If-None-Match with the ETag gives 304 with Etag and X-Count only (TestESkipBytesHandlerWithCorrectEtag)" {
	serve_table "$TABLE3"
	tag=$(header_value Etag "$URL/routes")
	run headers -H "If-None-Match: $tag" "$URL/routes"
	assert_line --index 0 'HTTP/1.1 304 Not Modified'
	assert_line "Etag: $tag"
	assert_line 'X-Count: 3'
	refute_line --partial 'Content-Type'
	refute_line --partial 'Content-Encoding'
	refute_line --partial 'Last-Modified'
	assert_equal "$(curl -s -H "If-None-Match: $tag" "$URL/routes")" ''
}

@test "If-None-Match compares weakly, scans lists and accepts *" {
	serve_table "$TABLE3"
	tag=$(header_value Etag "$URL/routes")
	assert_equal "$(status -H "If-None-Match: W/$tag" "$URL/routes")" 304
	assert_equal "$(status -H "If-None-Match: \"other\", W/\"x\",$tag" "$URL/routes")" 304
	assert_equal "$(status -H 'If-None-Match: *' "$URL/routes")" 304
	assert_equal "$(status -H "If-None-Match: \"other\"" "$URL/routes")" 200
	# The first element that is not an entity tag ends the list.
	assert_equal "$(status -H "If-None-Match: bogus, $tag" "$URL/routes")" 200
}

@test "a stale ETag gets the new table (TestESkipBytesHandlerWithStaleEtag, TestRoutesAreUpdated)" {
	serve_table "$TABLE3"
	old=$(header_value Etag "$URL/routes")
	printf '%s' "$TABLE2" >routes.eskip
	wait_log "routes updated" 2
	run curl -s -H "If-None-Match: $old" -w '\n%{http_code}' "$URL/routes"
	assert_output "$TABLE2
200"
	assert_equal "$(header_value X-Count "$URL/routes")" 2
	new=$(header_value Etag "$URL/routes")
	[ "$new" != "$old" ]
	assert_equal "$new" "$("$BIN/routesrv-etag" routes.eskip)"
}

@test "If-Modified-Since: 304 when not newer, 200 when older; ignored when If-None-Match is present" {
	serve_table "$TABLE3"
	lm=$(header_value Last-Modified "$URL/routes")
	assert_equal "$(status -H "If-Modified-Since: $lm" "$URL/routes")" 304
	assert_equal "$(status -H 'If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT' "$URL/routes")" 200
	assert_equal "$(status -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT' "$URL/routes")" 304
	assert_equal "$(status -H 'If-Modified-Since: not a date' "$URL/routes")" 200
	assert_equal "$(status -H "If-Modified-Since: $lm" -H 'If-None-Match: "stale"' "$URL/routes")" 200
}

@test "an update moves Last-Modified, so the old If-Modified-Since gets 200 (TestESkipBytesHandlerWithOldLastModified)" {
	serve_table "$TABLE3"
	lm=$(header_value Last-Modified "$URL/routes")
	printf '%s' "$TABLE2" >routes.eskip
	wait_log "routes updated" 2
	assert_equal "$(status -H "If-Modified-Since: $lm" "$URL/routes")" 200
}

@test "unchanged content keeps Last-Modified (TestESkipBytesHandlerWithNoUpdate)" {
	serve_table "$TABLE3"
	lm=$(header_value Last-Modified "$URL/routes")
	# The same routes in another order and formatting: a new file, the same table.
	printf '%s\n\n' "$TABLE3" | tac >routes.eskip
	wait_log "routes did not change" 2
	sleep 1.1
	touch routes.eskip
	wait_log "routes did not change" 4
	assert_equal "$(header_value Last-Modified "$URL/routes")" "$lm"
	assert_equal "$(status -H "If-Modified-Since: $lm" "$URL/routes")" 304
	run grep -c 'routes updated' serve.log
	assert_output 1
}

# Replaces routes.eskip (atomically) with a table of one route "r$1" and waits until it is
# served: the updates have a new id each, so each one publishes.
change_table() {
	printf 'r%s: Path("/%s") -> <shunt>;' "$1" "$1" >routes.next
	mv routes.next routes.eskip
	wait_log "routes updated" "$(($1 + 1))"
}

epoch() { date -u -d "$1" +%s; }

@test "Last-Modified never runs ahead of Date, however fast the table changes (issue 11)" {
	# mv replaces the file atomically: no settle interval needed (routesrv-serve(1))
	serve_table 'r0: * -> <shunt>;' -source-settle-interval 0
	for i in $(seq 1 25); do
		change_table "$i"
		run headers "$URL/routes"
		lm=$(echo "$output" | awk -F': ' '$1 == "Last-Modified" { print $2 }')
		date=$(echo "$output" | awk -F': ' '$1 == "Date" { print $2 }')
		[ -n "$lm" ] && [ -n "$date" ]
		if [ "$(epoch "$lm")" -gt "$(epoch "$date")" ]; then
			echo "update $i: Last-Modified $lm is after Date $date" >&2
			false
		fi
	done
}

@test "a table changed within the second of an earlier Last-Modified never answers 304 to it (issue 11)" {
	serve_table 'r0: * -> <shunt>;' -source-settle-interval 0
	# Fast changes until two updates land within one second: then both tables carry the
	# same Last-Modified, and only the ETag tells them apart.
	prev=$(header_value Last-Modified "$URL/routes")
	for i in $(seq 1 40); do
		change_table "$i"
		lm=$(header_value Last-Modified "$URL/routes")
		[ "$lm" = "$prev" ] && break
		prev=$lm
	done
	[ "$lm" = "$prev" ] || { echo "no two updates within one second in 40 tries" >&2; false; }
	assert_equal "$(status -H "If-Modified-Since: $lm" "$URL/routes")" 200
	assert_equal "$(status -H "If-Unmodified-Since: $lm" "$URL/routes")" 412
	tag=$(header_value Etag "$URL/routes")
	assert_equal "$(status -H "If-None-Match: $tag" -H "If-Modified-Since: $lm" "$URL/routes")" 304
	# a second later the date names the table alone again
	sleep 1.1
	assert_equal "$(status -H "If-Modified-Since: $(date -u -R | sed 's/+0000/GMT/')" "$URL/routes")" 304
}

@test "after a restart with another table the old Last-Modified gets 200 (issue 11)" {
	serve_table 'r0: * -> <shunt>;'
	for i in $(seq 1 15); do change_table "$i"; done
	lm=$(header_value Last-Modified "$URL/routes")
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID"
	SERVE_PID=
	sleep 1.1
	printf 'other: * -> <shunt>;' >routes.eskip
	start_serve -routes-file routes.eskip
	wait_log "routes initialized"
	assert_equal "$(status -H "If-Modified-Since: $lm" "$URL/routes")" 200
}

@test "If-Match and If-Unmodified-Since fail with 412 and keep the headers" {
	serve_table "$TABLE3"
	tag=$(header_value Etag "$URL/routes")
	lm=$(header_value Last-Modified "$URL/routes")
	assert_equal "$(status -H "If-Match: $tag" "$URL/routes")" 200
	assert_equal "$(status -H 'If-Match: *' "$URL/routes")" 200
	assert_equal "$(status -H "If-Match: W/$tag" "$URL/routes")" 412
	run headers -H 'If-Match: "other"' "$URL/routes"
	assert_line --index 0 'HTTP/1.1 412 Precondition Failed'
	assert_line "Etag: $tag"
	assert_line 'X-Count: 3'
	assert_line 'Content-Type: text/plain; charset=utf-8'
	assert_equal "$(status -H "If-Unmodified-Since: $lm" "$URL/routes")" 200
	assert_equal "$(status -H 'If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT' "$URL/routes")" 412
	# If-Match decides alone when present.
	assert_equal "$(status -H "If-Match: $tag" -H 'If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT' "$URL/routes")" 200
}

# --- gzip (TestESkipBytesHandlerGzip) ----------------------------------------------------------

@test "Accept-Encoding gzip: a gzip body with the +gzip ETag; 304 with that tag" {
	serve_table "$TABLE3"
	plain=$(curl -s "$URL/routes")
	plain_tag=$(header_value Etag "$URL/routes")
	run headers -H 'Accept-Encoding: gzip' "$URL/routes"
	assert_line 'Content-Encoding: gzip'
	assert_line 'Content-Type: text/plain; charset=utf-8'
	assert_line 'X-Count: 3'
	gz_tag=$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes")
	assert_equal "$gz_tag" "$("$BIN/routesrv-etag" -gzip routes.eskip)"
	assert_equal "$gz_tag" "${plain_tag%\"}+gzip\""
	curl -s -H 'Accept-Encoding: gzip' "$URL/routes" >body.gz
	assert_equal "$(gzip -dc body.gz)" "$plain"
	assert_equal "$(curl -s --compressed "$URL/routes")" "$plain"
	run headers -H 'Accept-Encoding: gzip' -H "If-None-Match: $gz_tag" "$URL/routes"
	assert_line --index 0 'HTTP/1.1 304 Not Modified'
	refute_line --partial 'Content-Encoding'
	refute_line --partial 'Content-Type'
	assert_line 'X-Count: 3'
	# Each tag matches only its own representation.
	assert_equal "$(status -H 'Accept-Encoding: gzip' -H "If-None-Match: $plain_tag" "$URL/routes")" 200
	assert_equal "$(status -H "If-None-Match: $gz_tag" "$URL/routes")" 200
}

@test "gzip is chosen by the substring rule of the first Accept-Encoding value" {
	serve_table "$TABLE3"
	for ae in 'gzip;q=0' 'x-gzip' 'br, gzip'; do
		assert_equal "$(header_value Content-Encoding -H "Accept-Encoding: $ae" "$URL/routes")" gzip
	done
	assert_equal "$(header_value Content-Encoding -H 'Accept-Encoding: br' "$URL/routes")" ''
	assert_equal "$(header_value Content-Encoding -H 'Accept-Encoding: identity' "$URL/routes")" ''
}

@test "after an update the gzip representation follows (count 3 -> 2)" {
	serve_table "$TABLE3"
	gz_tag=$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes")
	printf '%s' "$TABLE2" >routes.eskip
	wait_log "routes updated" 2
	assert_equal "$(status -H 'Accept-Encoding: gzip' -H "If-None-Match: $gz_tag" "$URL/routes")" 200
	assert_equal "$(header_value X-Count -H 'Accept-Encoding: gzip' "$URL/routes")" 2
	assert_equal "$(curl -s --compressed "$URL/routes")" "$TABLE2"
}

# --- zones (TestRoutesWithZone, TestZoneAware*) ---------------------------------------------------

@test "/routes/{zone}: filtered to the zone with 3+ endpoints there, else the full route" {
	serve_table "$ZONED"
	run curl -s "$URL/routes/zone-a"
	assert_output 'r1: Path("/r1") -> <roundRobin, "http://10.0.0.1:80?zone=zone-a", "http://10.0.0.2:80?zone=zone-a", "http://10.0.0.3:80?zone=zone-a">;
r2: Path("/r2") -> <roundRobin, "http://10.0.1.1:80?zone=zone-a", "http://10.0.1.2:80?zone=zone-b">;'
	assert_equal "$(header_value X-Count "$URL/routes/zone-a")" 2
	assert_equal "$(header_value X-Count -H 'Accept-Encoding: gzip' "$URL/routes/zone-a")" 2
	assert_equal "$(curl -s --compressed "$URL/routes/zone-a")" "$(curl -s "$URL/routes/zone-a")"
	full_tag=$(header_value Etag "$URL/routes")
	zone_tag=$(header_value Etag "$URL/routes/zone-a")
	[ "$zone_tag" != "$full_tag" ]
	assert_equal "$zone_tag" "$(curl -s "$URL/routes/zone-a" | "$BIN/routesrv-etag")"
	assert_equal "$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes/zone-a")" "${zone_tag%\"}+gzip\""
	assert_equal "$(status -H "If-None-Match: $zone_tag" "$URL/routes/zone-a")" 304
	# zone-b has one endpoint per route: below the threshold, the full table.
	assert_equal "$(curl -s "$URL/routes/zone-b")" "$(curl -s "$URL/routes")"
	assert_equal "$(header_value Etag "$URL/routes/zone-b")" "$full_tag"
}

@test "an unknown zone gets the full table with the full ETag; zones are percent-decoded" {
	serve_table "$ZONED"
	assert_equal "$(curl -s "$URL/routes/nowhere")" "$(curl -s "$URL/routes")"
	assert_equal "$(header_value Etag "$URL/routes/nowhere")" "$(header_value Etag "$URL/routes")"
	assert_equal "$(curl -s "$URL/routes/zone%2Da")" "$(curl -s "$URL/routes/zone-a")"
}

@test "the zone opt-out annotation keeps all endpoints" {
	serve_table 'r1: Path("/r1") -> annotate("zalando.org/traffic-zone-aware", "false") -> <roundRobin, "http://10.0.0.1:80?zone=zone-a", "http://10.0.0.2:80?zone=zone-a", "http://10.0.0.3:80?zone=zone-a", "http://10.0.0.4:80?zone=zone-b">;'
	assert_equal "$(curl -s "$URL/routes/zone-a")" "$(curl -s "$URL/routes")"
}

@test "a zone table follows updates (TestEtagWithZoneAwareRoutingFallback)" {
	serve_table "$ZONED"
	old=$(header_value Etag "$URL/routes/zone-a")
	printf '%s' "${ZONED//zone=zone-a\", \"http:\/\/10.0.0.2/zone=zone-b\", \"http://10.0.0.2}" >routes.eskip
	wait_log "routes updated" 2
	new=$(header_value Etag "$URL/routes/zone-a")
	[ "$new" != "$old" ]
	assert_equal "$(status -H "If-None-Match: $old" "$URL/routes/zone-a")" 200
	assert_equal "$(curl -s "$URL/routes/zone-a")" "$(curl -s "$URL/routes")"
}

# --- the poll cycle ---------------------------------------------------------------------------

@test "a broken routes file keeps the last table served and counts fetch errors" {
	serve_table "$TABLE3"
	before=$(curl -s "$URL/routes")
	tag=$(header_value Etag "$URL/routes")
	printf 'a: Path("/a") -> ' >routes.eskip
	wait_log "failed to fetch routes" 2
	assert_equal "$(curl -s "$URL/routes")" "$before"
	assert_equal "$(status -H "If-None-Match: $tag" "$URL/routes")" 304
	grep -q 'level=error msg="failed to fetch routes" error="routes.eskip:1:' serve.log
	run curl -s "$METRICS"
	assert_line --regexp '^routesrv_custom_total\{key="routes\.fetch_errors"\} [1-9][0-9]*$'
	printf '%s' "$TABLE2" >routes.eskip
	wait_log "routes updated" 2
	assert_equal "$(curl -s "$URL/routes")" "$TABLE2"
}

@test "an empty table never replaces a served one" {
	serve_table "$TABLE3"
	before=$(curl -s "$URL/routes")
	: >routes.eskip
	wait_log "received empty routes; ignoring" 2
	assert_equal "$(curl -s "$URL/routes")" "$before"
	assert_equal "$(status "$URL/health")" 204
	run curl -s "$METRICS"
	assert_line --regexp '^routesrv_custom_total\{key="routes\.empty"\} [1-9][0-9]*$'
}

@test "SIGHUP re-reads a routes file whose size and mtime did not change" {
	serve_table 'a: Path("/a") -> <shunt>;'
	stamp=$(stat -c %y routes.eskip)
	printf 'b: Path("/b") -> <shunt>;' >routes.eskip
	touch -d "$stamp" routes.eskip
	kill -HUP "$SERVE_PID"
	wait_log "routes updated" 2
	assert_equal "$(curl -s "$URL/routes")" 'b: Path("/b") -> <shunt>;'
}

@test "at debug level every change is logged per route (TestFetchedRoutesAreServedInEskipFormatDebug)" {
	serve_table "$TABLE3" -application-log-level=DEBUG
	grep -q 'level=debug msg="Inserted route 3 of 3" id=c op=inserted' serve.log
	printf '%s' "$TABLE2" >routes.eskip
	wait_log "routes updated" 2
	grep -q 'msg="routes updated" bytes=[0-9]* count=2 deleted=1 hash=[0-9a-f]* inserted=0 updated=1' serve.log
	grep -q 'level=debug msg="Deleted route 1 of 1" id=c op=deleted' serve.log
	grep -q 'level=debug msg="Updated route 1 of 1" id=b op=updated' serve.log
}

# --- processing flags (TestRoutesWithDefaultFilters, ...EditRoute, ...CloneRoute, ...OAuth2Callback) ---

@test "default filters, edits, clones and the OAuth2 callback route apply to the served table" {
	serve_table 'r: Host("example.org") -> setPath("/x") -> "http://r";' \
		-default-filters-prepend 'enableAccessLog(4, 5)' -default-filters-append 'status(200)' \
		-edit-route '/Host[(](.*)[)]/HostAny($1)/' -clone-route '/setPath/setRequestHeader/' \
		-enable-oauth2-grant-flow -oauth2-callback-path /.well-known/oauth2-callback
	run curl -s "$URL/routes"
	assert_line '__oauth2_grant_callback: Path("/.well-known/oauth2-callback") -> grantCallback() -> <shunt>;'
	assert_line --partial 'r: HostAny("example.org") -> enableAccessLog(4, 5) -> setPath("/x") -> status(200) -> "http://r"'
	assert_line --partial 'clone_r: HostAny("example.org") -> enableAccessLog(4, 5) -> setRequestHeader("/x") -> status(200)'
	assert_equal "$(header_value X-Count "$URL/routes")" 3
}

# --- Kubernetes sources -----------------------------------------------------------------------

@test "-kubernetes-manifests serves the bundled example cluster, as routesrv-compile computes it" {
	start_serve -kubernetes-manifests "$EXAMPLES/cluster" -kubernetes
	wait_log "routes initialized"
	curl -s "$URL/routes" >served.eskip
	grep -q '^kube_default__shop__shop_example_org_____shop_frontend: ' served.eskip
	grep -q '^kube_rg__default__blog__all__1_0: .*ratelimit(10, "1m")' served.eskip
	assert_equal "$(header_value Etag "$URL/routes")" "$("$BIN/routesrv-etag" served.eskip)"
	if [ -x "$BIN/routesrv-compile" ]; then
		"$BIN/routesrv-compile" "$EXAMPLES/cluster" >compiled.eskip
		assert_equal "$(header_value Etag "$URL/routes")" "$("$BIN/routesrv-etag" compiled.eskip)"
	fi
}

@test "-kubernetes-manifests applies the label selectors as routesrv-compile does" {
	mkdir manifests
	sed 's/^  name: shop$/  name: shop\n  labels: {team: shop}/' "$EXAMPLES/cluster/shop.yaml" >manifests/shop.yaml
	cp "$EXAMPLES/cluster/blog.yaml" manifests/
	grep -q 'team: shop' manifests/shop.yaml
	start_serve -kubernetes-manifests manifests -kubernetes-ingresses-label-selector team=shop \
		-kubernetes-routegroups-label-selector team=none
	wait_log "routes initialized"
	curl -s "$URL/routes" >served.eskip
	grep -q '^kube_default__shop__' served.eskip
	! grep -q '^kube_rg__' served.eskip
	"$BIN/routesrv-compile" -kubernetes-ingresses-label-selector team=shop \
		-kubernetes-routegroups-label-selector team=none manifests >compiled.eskip
	# the served bytes are the compiled text without its final newline
	cmp <(cat served.eskip; echo) compiled.eskip
}

@test "the Kubernetes API source: served, and the last table kept through API failures" {
	cp "$EXAMPLES/cluster/shop.yaml" cluster.yaml
	start_api --fixtures cluster.yaml
	port=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API"
	wait_log "routes initialized"
	before=$(curl -s "$URL/routes")
	grep -q '^kube_default__shop__shop_example_org___api__shop_api: ' <<<"$before"
	if [ -x "$BIN/routesrv-fetch" ] && [ -x "$BIN/routesrv-compile" ]; then
		"$BIN/routesrv-fetch" -kubernetes-url "$API" | "$BIN/routesrv-compile" >compiled.eskip
		assert_equal "$(header_value Etag "$URL/routes")" "$("$BIN/routesrv-etag" compiled.eskip)"
	fi
	# API down: connection refused (TestLastRoutesAreServedDespiteSourceFailure).
	stop_api
	n=$(grep -c 'failed to fetch routes' serve.log || true)
	wait_log "failed to fetch routes" $((n + 2))
	assert_equal "$(curl -s "$URL/routes")" "$before"
	# API answering 500, JSON cut short, a body that is not JSON at all.
	for fault in 500 truncate-json garbage; do
		start_api --port "$port" --fixtures cluster.yaml --fault "/apis/networking.k8s.io/v1/ingresses=$fault"
		n=$(grep -c 'failed to fetch routes' serve.log)
		wait_log "failed to fetch routes" $((n + 2))
		assert_equal "$(curl -s "$URL/routes")" "$before"
		stop_api
	done
	assert_equal "$(status "$URL/health")" 204
}

# --- metrics (B8) ---------------------------------------------------------------------------------

@test "/metrics: routesrv's names, process metrics, poll histogram, last success, table bytes" {
	serve_table "$TABLE3"
	curl -s "$URL/routes" >/dev/null
	curl -s -o /dev/null -H "If-None-Match: $(header_value Etag "$URL/routes")" "$URL/routes"
	run curl -s "$METRICS"
	assert_line --regexp '^routesrv_custom_total\{key="200"\} [0-9]+$'
	assert_line 'routesrv_custom_total{key="304"} 1'
	assert_line --regexp '^routesrv_custom_gauges\{key="polling_started_timestamp"\} [0-9.e+]+$'
	assert_line --regexp '^routesrv_custom_gauges\{key="routes.initialized_timestamp"\} [0-9.e+]+$'
	assert_line --regexp '^routesrv_custom_gauges\{key="routes.updated_timestamp"\} [0-9.e+]+$'
	assert_line 'routesrv_custom_gauges{key="routes.total"} 3'
	assert_line "routesrv_custom_gauges{key=\"routes.byte\"} $(curl -s "$URL/routes" | wc -c)"
	assert_line --regexp '^routesrv_backend_combined_duration_seconds_bucket\{le="0.005"\} [0-9]+$'
	assert_line --regexp '^routesrv_backend_duration_seconds_count\{host="",route="routersv",zone=""\} [0-9]+$'
	assert_line --regexp '^routesrv_poll_duration_seconds_count [1-9][0-9]*$'
	assert_line --regexp '^routesrv_last_successful_poll_timestamp_seconds [0-9.e+]+$'
	assert_line "routesrv_table_bytes{encoding=\"identity\"} $(curl -s "$URL/routes" | wc -c)"
	assert_line --regexp '^process_cpu_seconds_total [0-9.e+-]+$'
	assert_line --regexp '^process_resident_memory_bytes [0-9.e+]+$'
	assert_line --regexp '^process_open_fds [0-9]+$'
	assert_line '# TYPE routesrv_custom_total counter'
	assert_equal "$(status "http://127.0.0.1:$SUPPORT_PORT/metrics/x")" 200
	assert_equal "$(status "http://127.0.0.1:$SUPPORT_PORT/other")" 404
	assert_equal "$(curl -s --compressed "$METRICS" | grep -c '^routesrv_custom_total')" \
		"$(curl -s "$METRICS" | grep -c '^routesrv_custom_total')"
}

# --- start-up errors and shutdown (B10, TestServerShutdownHTTP) -------------------------------------

@test "a busy address ends start-up with status 1 and the reason" {
	serve_table "$TABLE3"
	run "$BIN/routesrv-serve" -address "127.0.0.1:$MAIN_PORT" -routes-file routes.eskip
	assert_failure 1
	assert_output --partial "listen tcp 127.0.0.1:$MAIN_PORT: Address already in use"
}

@test "a busy support listener ends start-up with status 1 too: metrics and probes need it" {
	serve_table "$TABLE3"
	main=$(closed_port)
	run timeout -s INT 10 "$BIN/routesrv-serve" -address "127.0.0.1:$main" -support-listener "127.0.0.1:$MAIN_PORT" \
		-routes-file routes.eskip
	assert_failure 1
	assert_output --partial "Failed support listener: listen tcp 127.0.0.1:$MAIN_PORT: Address already in use"
	# the main listener it had opened is closed again
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$main/health"
	assert_output 000
}

@test "the counters operators alert on exist at 0 from start-up; routesrv_build_info has the version" {
	serve_table "$TABLE3"
	run curl -s "$METRICS"
	assert_line 'routesrv_custom_total{key="routes.fetch_errors"} 0'
	assert_line 'routesrv_custom_total{key="routes.empty"} 0'
	assert_line 'routesrv_custom_total{key="routes.unparsable_dropped"} 0'
	assert_line '# TYPE routesrv_build_info gauge'
	assert_line "routesrv_build_info{version=\"$("$BIN/routesrv-serve" --version | cut -d' ' -f2)\"} 1"
	# one family header for the counters, as before
	[ "$(grep -c '^# TYPE routesrv_custom_total counter$' <<<"$output")" -eq 1 ]
}

@test "bad flag values are usage errors (status 2)" {
	run "$BIN/routesrv-serve" -source-poll-timeout 0 -routes-file x
	assert_failure 2
	assert_output --partial 'source-poll-timeout'
	run "$BIN/routesrv-serve" -no-such-flag
	assert_failure 2
	run "$BIN/routesrv-serve" -edit-route 'x'
	assert_failure 2
}

@test "SIGTERM: keeps serving during -wait-for-healthcheck-interval, then refuses connections and exits 0" {
	serve_table "$TABLE3" -wait-for-healthcheck-interval 3s
	kill -TERM "$SERVE_PID"
	wait_log "shutting down the server in 3s..."
	assert_equal "$(status "$URL/routes")" 200
	assert_equal "$(status "$URL/health")" 204
	assert_equal "$(status "$METRICS")" 200
	rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	assert_equal "$rc" 0
	assert_equal "$(status "$URL/routes")" 000
	assert_equal "$(status "$METRICS")" 000
	run grep -o 'msg="[^"]*"' serve.log
	assert_line --index $((${#lines[@]} - 3)) 'msg="supportServer shut down"'
	assert_line --index $((${#lines[@]} - 2)) 'msg="server shut down"'
	assert_line --index $((${#lines[@]} - 1)) 'msg="polling stopped"'
}

@test "SIGINT shuts down at once with status 0" {
	serve_table "$TABLE3" -wait-for-healthcheck-interval 1h
	kill -INT "$SERVE_PID"
	rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	assert_equal "$rc" 0
	grep -q 'shutting down the server in 0s...' serve.log
}

@test "JSON logs with -application-log-json-enabled" {
	serve_table "$TABLE3" -application-log-json-enabled
	run grep -c '"msg":"routes initialized"' serve.log
	assert_output 1
	# Go's types as logrus writes them: numbers bare, a time.Duration in nanoseconds
	run jq -c 'select(.msg == "routes initialized") | [(.count | type), (.bytes | type), (.hash | type)]' serve.log
	assert_output '["number","number","string"]'
	run jq -c 'select(.msg == "starting polling") | .timeout' serve.log
	assert_output 100000000
}

@test "text logs write durations as Go prints them" {
	serve_table "$TABLE3"
	grep -q 'msg="starting polling" timeout=100ms' serve.log
}

@test "docs/rollout.md's alert rules name the series routesrv-serve exposes" {
	serve_table "$TABLE3"
	curl -s "$METRICS" > metrics.txt
	run python3 - "$BATS_TEST_DIRNAME/../../docs/rollout.md" metrics.txt <<-'PY'
	import re, sys, yaml
	doc = open(sys.argv[1], encoding="utf-8").read()
	rules = None
	for block in re.findall(r"```yaml\n(.*?)```", doc, re.S):
	    y = yaml.safe_load(block)
	    if isinstance(y, dict) and "groups" in y:
	        rules = [r for g in y["groups"] for r in g["rules"]]
	assert rules and len(rules) >= 5, "no alert rules found"
	exposed = set()
	for line in open(sys.argv[2]):
	    m = re.match(r"([a-z_]+)(\{[^}]*\})? ", line)
	    if m:
	        exposed.add(m.group(1) + (m.group(2) or ""))
	names = {e.split("{")[0] for e in exposed}
	for r in rules:
	    assert r["alert"] and r["expr"], r
	    for name, labels in re.findall(r"\b(routesrv_[a-z_]+)(\{[^}]*\})?", r["expr"]):
	        assert name in names, "%s: %s is not exposed" % (r["alert"], name)
	        key = re.search(r'key="([^"]+)"', labels or "")
	        if key:
	            assert '%s{key="%s"}' % (name, key.group(1)) in exposed, "%s: %s{key=%s} is not exposed" % (r["alert"], name, key.group(1))
	print("rules %d" % len(rules))
	PY
	assert_success
	assert_output --regexp '^rules [0-9]+$'
}
