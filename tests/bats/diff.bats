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
	tested=0
	for i in "${!files[@]}"; do
		f=${files[i]}
		run "$BIN/routesrv-diff" --quiet "$f" "reformat$i.eskip"
		[ "$status" -eq 0 ] || { echo "reformatted copy differs ($status): $f"; "$BIN/routesrv-diff" "$f" "reformat$i.eskip"; return 1; }
		[ -s "$f" ] && grep -q ':' "$f" || continue   # empty tables have no route to remove
		run "$BIN/routesrv-diff" --quiet "$f" "drop$i.eskip"
		[ "$status" -eq 1 ] || { echo "removed route not found ($status): $f"; return 1; }
		run "$BIN/routesrv-diff" --stat "$f" "change$i.eskip"
		[ "$status" -eq 1 ] || { echo "changed route not found ($status): $f"; return 1; }
		[[ "$output" == "1 route differs: 0 added, 0 removed, 1 changed, "* ]] || { echo "$f: $output"; return 1; }
		tested=$((tested + 1))
	done
	[ "$tested" -gt 200 ]
}
