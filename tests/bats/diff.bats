#!/usr/bin/env bats
# routesrv-diff: semantic comparison of two tables, report formats, options, exit codes.

load helpers/common

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf 'a: * -> <shunt>;\nb: Path("/b") -> "http://b";\nc: * -> f(1) -> <shunt>;\n' > old.eskip
	printf 'c: * -> f(2) -> <shunt>;\nd: * -> <loopback>;\nb: Path("/b") -> "http://b";\n' > new.eskip
}

teardown() {
	stop_http_server
}

@test "equal tables: exit 0 and a summary" {
	printf '// same, other order and spelling\nc: * -> f(1) -> <shunt>; b: Path(/\\/b/)\n -> "http://b"; a: * -> <shunt>' > same.eskip
	run "$BIN/routesrv-diff" old.eskip same.eskip
	assert_success
	assert_output '0 routes differ: 0 added, 0 removed, 0 changed, 3 unchanged'
}

@test "different tables: exit 1 with per-route report and summary" {
	run "$BIN/routesrv-diff" old.eskip new.eskip
	assert_failure 1
	assert_output - <<'OUT'
--- old.eskip
+++ new.eskip
- a: * -> <shunt>;
~ c (filters)
  - c: * -> f(1) -> <shunt>;
            ^^^^
  + c: * -> f(2) -> <shunt>;
            ^^^^
+ d: * -> <loopback>;
3 routes differ: 1 added, 1 removed, 1 changed, 1 unchanged
OUT
}

@test "--quiet prints nothing, --stat only the summary" {
	run "$BIN/routesrv-diff" --quiet old.eskip new.eskip
	assert_failure 1
	assert_output ''
	run "$BIN/routesrv-diff" -quiet old.eskip old.eskip
	assert_success
	assert_output ''
	run "$BIN/routesrv-diff" --stat old.eskip new.eskip
	assert_failure 1
	assert_output '3 routes differ: 1 added, 1 removed, 1 changed, 1 unchanged'
}

@test "--json is machine-readable" {
	run "$BIN/routesrv-diff" --json old.eskip new.eskip
	assert_failure 1
	echo "$output" | jq -e '.same == false and .counts.added == 1 and .counts.unchanged == 1'
	echo "$output" | jq -e '.added[0].id == "d" and .added[0].route.backend.type == "loopback"'
	echo "$output" | jq -e '.removed[0].route.id == "a"'
	echo "$output" | jq -e '.changed[0].differs == ["filters"] and .changed[0].old.filters[0].args == [1]'
	run "$BIN/routesrv-diff" --json --stat old.eskip new.eskip
	echo "$output" | jq -e 'has("added") | not'
	run "$BIN/routesrv-diff" --json old.eskip old.eskip
	assert_success
	echo "$output" | jq -e '.same == true and .added == [] and .changed == []'
}

@test "--color: always colours, never and auto (not a terminal) do not" {
	run "$BIN/routesrv-diff" --color=always old.eskip new.eskip
	assert_failure 1
	assert_output --partial $'\033[31m- a: * -> <shunt>;\033[0m'
	assert_output --partial $'\033[7mf(2)\033[27m'
	refute_output --partial '^^^^'
	run "$BIN/routesrv-diff" --color=auto old.eskip new.eskip
	refute_output --partial $'\033['
	run "$BIN/routesrv-diff" --color=never old.eskip new.eskip
	refute_output --partial $'\033['
	run "$BIN/routesrv-diff" --color=sometimes old.eskip new.eskip
	assert_failure 2
}

@test "--ignore-id-prefix, --ignore-zones, --ignore-endpoints" {
	printf 'kube_a: * -> <"http://10.0.0.1:80?zone=z1", "http://10.0.0.2:80">;' > k.eskip
	printf 'a: * -> <"http://10.0.0.2:80?zone=z2", "http://10.0.0.1:80">;' > p.eskip
	run "$BIN/routesrv-diff" --stat k.eskip p.eskip
	assert_failure 1
	assert_output '2 routes differ: 1 added, 1 removed, 0 changed, 0 unchanged'
	run "$BIN/routesrv-diff" --stat --ignore-id-prefix kube_ k.eskip p.eskip
	assert_failure 1
	assert_output '1 route differs: 0 added, 0 removed, 1 changed, 0 unchanged'
	run "$BIN/routesrv-diff" --ignore-id-prefix=x_ --ignore-id-prefix=kube_ --ignore-zones k.eskip p.eskip
	assert_success
	printf 'a: * -> <"http://10.9.9.9:80">;' > q.eskip
	run "$BIN/routesrv-diff" --ignore-endpoints --ignore-id-prefix kube_ k.eskip q.eskip
	assert_success
}

@test "duplicate IDs are reported and make the tables different" {
	printf 'a: * -> <shunt>;\na: * -> <shunt>;' > dup.eskip
	run "$BIN/routesrv-diff" dup.eskip dup.eskip
	assert_failure 1
	assert_line '! duplicate ID a: 2 routes in dup.eskip, 2 in dup.eskip'
	assert_line --partial '1 duplicate ID'
}

@test "stdin as one side; both stdin is a usage error" {
	run bash -c "'$BIN/routesrv-diff' - new.eskip < old.eskip"
	assert_failure 1
	assert_line '--- stdin'
	run "$BIN/routesrv-diff" - -
	assert_failure 2
	run "$BIN/routesrv-diff" old.eskip
	assert_failure 2
}

@test "unparsable input: exit 2 naming the input and position" {
	printf 'a: * -> <shunt>;\nb: Path("/x" -> <shunt>;' > bad.eskip
	run "$BIN/routesrv-diff" old.eskip bad.eskip
	assert_failure 2
	assert_output --regexp '^routesrv-diff: bad.eskip:2:16: parse failed after token ->, last route id: b, position 32: syntax error$'
	printf 'r: * -> setPath("open' > trunc.eskip
	run "$BIN/routesrv-diff" trunc.eskip old.eskip
	assert_failure 2
	assert_output 'routesrv-diff: trunc.eskip:1:22: parse failed after token (, last route id: r, position 21: syntax error'
}

@test "missing file: exit 2" {
	run "$BIN/routesrv-diff" old.eskip /nonexistent.eskip
	assert_failure 2
	assert_output 'routesrv-diff: /nonexistent.eskip: No such file or directory'
}

@test "URLs: served table, gzip response, redirect, HTTP 500, bad gzip, unreachable" {
	mkdir www
	cp old.eskip www/routes
	start_http_server www
	base="http://127.0.0.1:$HTTP_PORT"
	run "$BIN/routesrv-diff" "$base/routes?limit=100000&nopretty" old.eskip
	assert_success
	run "$BIN/routesrv-diff" "$base/gzip/routes" new.eskip
	assert_failure 1
	assert_line "--- $base/gzip/routes"
	run "$BIN/routesrv-diff" "$base/redirect/routes" old.eskip
	assert_success
	run "$BIN/routesrv-diff" old.eskip "$base/status/500"
	assert_failure 2
	assert_output "routesrv-diff: $base/status/500: HTTP status 500 Internal Server Error"
	run "$BIN/routesrv-diff" old.eskip "$base/missing"
	assert_failure 2
	assert_output --partial 'HTTP status 404'
	run "$BIN/routesrv-diff" "$base/badgzip/routes" old.eskip
	assert_failure 2
	assert_output --partial 'gzip'
	port=$(closed_port)
	run "$BIN/routesrv-diff" old.eskip "http://127.0.0.1:$port/routes"
	assert_failure 2
	assert_output --regexp "^routesrv-diff: http://127.0.0.1:$port/routes: "
}

# Every conformance table against an independently reformatted and reordered copy (0),
# the same with its first route removed (1) and with a filter added to it (1).
@test "every conformance table: reformatted copy 0, one route removed or changed 1" {
	files=()
	while IFS= read -r f; do files+=("$f"); done < <(find "$FIXTURES" -name '*.eskip' | sort)
	[ "${#files[@]}" -gt 200 ]
	for mode in reformat drop change; do
		args=()
		for i in "${!files[@]}"; do args+=("${files[i]}" "$mode$i.eskip"); done
		python3 "$HELPERS/eskip_edit.py" "$mode" "${args[@]}"
	done
	# Plain calls, not `run`: a sweep of 700 commands pays for every subshell.
	local tested=0 st out
	for i in "${!files[@]}"; do
		f=${files[i]}
		st=0; "$BIN/routesrv-diff" --quiet "$f" "reformat$i.eskip" || st=$?
		[ "$st" -eq 0 ] || { echo "reformatted copy differs ($st): $f"; "$BIN/routesrv-diff" "$f" "reformat$i.eskip"; return 1; }
		[ -s "$f" ] && grep -q ':' "$f" || continue   # empty tables have no route to remove
		st=0; "$BIN/routesrv-diff" --quiet "$f" "drop$i.eskip" || st=$?
		[ "$st" -eq 1 ] || { echo "removed route not found ($st): $f"; return 1; }
		st=0; out=$("$BIN/routesrv-diff" --stat "$f" "change$i.eskip") || st=$?
		[ "$st" -eq 1 ] || { echo "changed route not found ($st): $f"; return 1; }
		[[ "${out##*$'\n'}" == "1 route differs: 0 added, 0 removed, 1 changed, "* ]] || { echo "$f: $out"; return 1; }
		tested=$((tested + 1))
	done
	[ "$tested" -gt 200 ]
}

# --- at fleet scale: endpoints, objects, terminals, repeated comparisons ---------------------

# Kubernetes route IDs: an Ingress (two paths), a RouteGroup, an east-west copy, a catch-all,
# the cluster-wide health-check route and one of another scheme.
write_fleet_tables() {
	local api='kube_default__shop__shop_example_org___api__shop_api'
	cat > fleet-old.eskip <<EOF
kube__healthz_up: Path("/kube-system/healthz") -> status(200) -> <shunt>;
$api: Host("^shop[.]example[.]org$") && PathSubtree("/api") -> <roundRobin, "http://10.2.2.21:9000", "http://10.2.2.22:9000", "http://10.2.2.24:9000">;
kube_default__shop__shop_example_org_____shop_frontend: Host("^shop[.]example[.]org$") && PathSubtree("/") -> ratelimit(10, "1m") -> <roundRobin, "http://10.2.1.11:8080", "http://10.2.1.12:8080">;
kubeew_default__shop__shop_example_org___api__shop_api: Host("^shop[.]default[.]svc$") -> <roundRobin, "http://10.2.2.21:9000", "http://10.2.2.22:9000">;
kube_rg__default__blog__all__0_0: Host("^blog[.]example[.]org$") -> <roundRobin, "http://10.2.3.31:8080">;
kube_rg____blog_example_org__catchall__0_0: Host("^blog[.]example[.]org$") -> <shunt>;
static_route: Path("/static") -> <shunt>;
EOF
	cat > fleet-new.eskip <<EOF
kube__healthz_up: Path("/kube-system/healthz") -> status(204) -> <shunt>;
$api: Host("^shop[.]example[.]org$") && PathSubtree("/api") -> <roundRobin, "http://10.2.2.21:9000", "http://10.2.2.23:9000", "http://10.2.2.24:9000">;
kube_default__shop__shop_example_org_____shop_frontend: Host("^shop[.]example[.]org$") && PathSubtree("/") -> ratelimit(20, "1m") -> <roundRobin, "http://10.2.1.11:8080", "http://10.2.1.13:8080">;
kubeew_default__shop__shop_example_org___api__shop_api: Host("^shop[.]default[.]svc$") -> <roundRobin, "http://10.2.2.21:9000", "http://10.2.2.23:9000">;
kube_rg__default__blog__all__0_0: Host("^blog[.]example[.]org$") -> <roundRobin, "http://10.2.3.32:8080">;
static_route: Path("/static/") -> <shunt>;
EOF
}

@test "a changed LB endpoint list shows the endpoints that changed, not the whole list" {
	write_fleet_tables
	run "$BIN/routesrv-diff" fleet-old.eskip fleet-new.eskip
	assert_failure 1
	assert_line '~ kube_default__shop__shop_example_org___api__shop_api (endpoints) -http://10.2.2.22:9000 +http://10.2.2.23:9000'
	assert_line '~ kube_rg__default__blog__all__0_0 (endpoints) -http://10.2.3.31:8080 +http://10.2.3.32:8080'
	refute_output --partial '  - kube_default__shop__shop_example_org___api__shop_api:'
	# with a filter change too, both lines are shown; the carets mark the filter and the one
	# endpoint that changed, not the whole list
	run "$BIN/routesrv-diff" -W 0 fleet-old.eskip fleet-new.eskip
	line=$(grep -n -- '  - kube_default__shop__shop_example_org_____shop_frontend' <<<"$output" | cut -d: -f1)
	old_route=${lines[line - 1]} carets=${lines[line]}
	marked=$(python3 -c 'import sys; r, c = sys.argv[1], sys.argv[2]; print("|".join(w for w in "".join(r[i] if i < len(c) and c[i] == "^" else " " for i in range(len(r))).split()))' "$old_route" "$carets")
	assert_equal "$marked" 'ratelimit(10,|"1m")|"http://10.2.1.12:8080"'
	# the JSON form names them too
	run "$BIN/routesrv-diff" -json fleet-old.eskip fleet-new.eskip
	echo "$output" | jq -e '.changed[] | select(.id == "kube_rg__default__blog__all__0_0") | .endpoints == {"removed": ["http://10.2.3.31:8080"], "added": ["http://10.2.3.32:8080"]}'
	# a different algorithm is not an endpoint change
	printf 'r: * -> <random, "http://a:1", "http://b:1">;' > alg-old.eskip
	printf 'r: * -> <roundRobin, "http://a:1", "http://b:1">;' > alg-new.eskip
	run "$BIN/routesrv-diff" alg-old.eskip alg-new.eskip
	assert_line '~ r (backend)'
}

@test "the report is grouped by Kubernetes object; --stat counts per object" {
	write_fleet_tables
	run "$BIN/routesrv-diff" -W 0 fleet-old.eskip fleet-new.eskip
	assert_failure 1
	run grep -E '^@@ ' <<<"$output"
	assert_output - <<'OUT'
@@ cluster-wide routes @@
@@ Ingress default/shop @@
@@ RouteGroup default/blog @@
@@ catch-all routes @@
@@ other routes @@
OUT
	# the east-west copy belongs to its Ingress
	run "$BIN/routesrv-diff" fleet-old.eskip fleet-new.eskip
	run awk '/^@@ Ingress default\/shop @@/ { on = 1; next } /^@@/ { on = 0 } on && /^~/ { print $2 }' <<<"$output"
	assert_output - <<'OUT'
kube_default__shop__shop_example_org_____shop_frontend
kube_default__shop__shop_example_org___api__shop_api
kubeew_default__shop__shop_example_org___api__shop_api
OUT
	run "$BIN/routesrv-diff" --stat fleet-old.eskip fleet-new.eskip
	assert_failure 1
	assert_output - <<'OUT'
  cluster-wide routes      1 changed
  Ingress default/shop     3 changed
  RouteGroup default/blog  1 changed
  catch-all routes         1 removed
  other routes             1 changed
7 routes differ: 0 added, 1 removed, 6 changed, 0 unchanged
OUT
	run "$BIN/routesrv-diff" --json --stat fleet-old.eskip fleet-new.eskip
	echo "$output" | jq -e '.groups[1] == {"group": {"kind": "Ingress", "namespace": "default", "name": "shop"}, "added": 0, "removed": 0, "changed": 3}'
	echo "$output" | jq -e '.groups[4].group.kind == null'
}

@test "a width for terminals: -W, \$COLUMNS; lines are cut around their first difference" {
	write_fleet_tables
	for w in 60 80 100; do
		run "$BIN/routesrv-diff" -W "$w" fleet-old.eskip fleet-new.eskip
		assert_failure 1
		run awk -v w="$w" 'length > w' <<<"$output"
		assert_output ""
	done
	run "$BIN/routesrv-diff" -W 80 fleet-old.eskip fleet-new.eskip
	# the changed filter stays in view, with ... where the line is cut, and carets under it
	assert_line --regexp '^  - \.\.\..*ratelimit\(10, "1m"\).*\.\.\.$'
	line=$(grep -n -- '^  - \.\.\..*ratelimit(10' <<<"$output" | cut -d: -f1)
	route_line=${lines[line - 1]} carets=${lines[line]}
	first_caret=${carets%%^*}
	assert_equal "${route_line:${#first_caret}:9}" 'ratelimit'
	# long endpoint lists wrap instead of being cut
	assert_line '    -http://10.2.2.22:9000 +http://10.2.2.23:9000'
	# an endpoint change the cut hides from a route line gets a line of its own
	assert_line '  endpoints -http://10.2.1.12:8080 +http://10.2.1.13:8080'
	run "$BIN/routesrv-diff" -W 0 fleet-old.eskip fleet-new.eskip
	refute_line --partial '  endpoints -'
	COLUMNS=60 run "$BIN/routesrv-diff" fleet-old.eskip fleet-new.eskip
	run awk 'length > 60' <<<"$output"
	assert_output ""
	# not a terminal and no $COLUMNS: no limit; -W 0: no limit either
	COLUMNS= run "$BIN/routesrv-diff" fleet-old.eskip fleet-new.eskip
	assert_line '  + kube_default__shop__shop_example_org_____shop_frontend: Host("^shop[.]example[.]org$") && PathSubtree("/") -> ratelimit(20, "1m") -> <roundRobin, "http://10.2.1.11:8080", "http://10.2.1.13:8080">;'
	COLUMNS=60 run "$BIN/routesrv-diff" -W 0 fleet-old.eskip fleet-new.eskip
	assert_line --partial '"http://10.2.1.13:8080">;'
	run "$BIN/routesrv-diff" -W -1 fleet-old.eskip fleet-new.eskip
	assert_failure 2
}

@test "diff(1)'s short options: -q reports only that tables differ, -s that they are identical, -u is the default" {
	run "$BIN/routesrv-diff" -q old.eskip new.eskip
	assert_failure 1
	assert_output 'Tables old.eskip and new.eskip differ'
	run "$BIN/routesrv-diff" -q old.eskip old.eskip
	assert_success
	assert_output ''
	run "$BIN/routesrv-diff" -s old.eskip old.eskip
	assert_success
	assert_output 'Tables old.eskip and old.eskip are identical'
	run "$BIN/routesrv-diff" -s old.eskip new.eskip
	assert_failure 1
	assert_line '3 routes differ: 1 added, 1 removed, 1 changed, 1 unchanged'
	run "$BIN/routesrv-diff" old.eskip new.eskip
	expected=$output
	run "$BIN/routesrv-diff" -u old.eskip new.eskip
	assert_output "$expected"
}

@test "-repeat N reports only the differences seen in every one of N comparisons" {
	mkdir www
	printf 'a: * -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.2:80">;\nb: * -> f(1) -> <shunt>;\n' > www/routes
	# the other side: a pod rolls (a's endpoints differ only in the first read), b differs every time
	printf 'a: * -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.3:80">;\nb: * -> f(2) -> <shunt>;\n' > www/rolling.1
	printf 'a: * -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.2:80">;\nb: * -> f(2) -> <shunt>;\n' > www/rolling.2
	start_http_server www
	base="http://127.0.0.1:$HTTP_PORT"
	run "$BIN/routesrv-diff" -repeat 3 -interval 10ms "$base/routes" "$base/seq/rolling"
	assert_failure 1
	assert_line '~ b (filters)'
	refute_line --partial '~ a '
	assert_line '1 route differs: 0 added, 0 removed, 1 changed, 1 unchanged; 1 transient in 3 comparisons'
	cp www/rolling.1 www/again.1 && cp www/rolling.2 www/again.2
	run "$BIN/routesrv-diff" -json -repeat 2 -interval 10ms "$base/routes" "$base/seq/again"
	echo "$output" | jq -e '.counts.transient == 1 and .counts.comparisons == 2 and .counts.changed == 1'
	# once a comparison finds the tables equal, no difference can be in all: it stops there
	printf 'a: * -> <roundRobin, "http://10.0.0.1:80", "http://10.0.0.2:80">;\nb: * -> f(1) -> <shunt>;\n' > www/settle.1
	run "$BIN/routesrv-diff" -repeat 5 -interval 1h "$base/routes" "$base/seq/settle"
	assert_success
	assert_output '0 routes differ: 0 added, 0 removed, 0 changed, 2 unchanged'
	run "$BIN/routesrv-diff" -repeat 2 - old.eskip < old.eskip
	assert_failure 2
	assert_output --partial 'standard input'
	run "$BIN/routesrv-diff" -repeat 0 old.eskip old.eskip
	assert_failure 2
}

@test "a URL that serves no eskip: what was received, not a parse error at position 0" {
	mkdir www
	printf '# HELP routesrv_custom_total Total number of custom metrics.\n# TYPE routesrv_custom_total counter\n' > www/metrics
	printf '{"kind":"List","apiVersion":"v1","items":[{"token":"s3cr3t"}]}' > www/list
	printf '<!DOCTYPE html>\n<html></html>\n' > www/index.html
	start_http_server www
	base="http://127.0.0.1:$HTTP_PORT"
	run "$BIN/routesrv-diff" "$base/metrics" old.eskip
	assert_failure 2
	assert_output "routesrv-diff: $base/metrics: not an eskip routing table: received $(wc -c < www/metrics) bytes (Content-Type text/plain; charset=utf-8) starting with \"# HELP routesrv_\""
	run "$BIN/routesrv-diff" old.eskip "$base/json/list"
	assert_failure 2
	assert_output --partial '(Content-Type application/json) starting with "{"kind":"List",""'
	refute_output --partial 's3cr3t'
	run "$BIN/routesrv-diff" old.eskip "$base/index.html"
	assert_output --partial 'not an eskip routing table'
	head -c 300 /dev/urandom | tr '\n' x > binary
	printf '\001' | cat - binary > binary.bin
	run "$BIN/routesrv-diff" old.eskip binary.bin
	assert_failure 2
	assert_output "routesrv-diff: binary.bin: not an eskip routing table: received 301 bytes (binary or empty first line)"
	# eskip that fails to parse still gets the parser's message, with the Content-Type of a URL
	printf 'a: Path("/x" -> <shunt>;' > www/bad
	run "$BIN/routesrv-diff" old.eskip "$base/bad"
	assert_output --regexp "^routesrv-diff: $base/bad:1:16: parse failed .* \\(Content-Type text/plain; charset=utf-8\\)$"
}
