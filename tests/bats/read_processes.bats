#!/usr/bin/env bats
# routesrv-compile reads a large JSON list in two processes (the second half of the items in a
# child); the table, the log lines and the errors are exactly those of one process
# (ROUTESRV_READ_JOBS=1). ROUTESRV_READ_FORK_BYTES lowers the 4 MiB threshold so that a small
# generated cluster is split too.

load helpers/common
bats_require_minimum_version 1.5.0

GEN="$HELPERS/../../../bench/compile/gen"

# 200 applications (one item per line) where the Ingresses of app-3 (first half) and app-180
# (second half) have a field of the wrong type, so both are skipped with a log line; extra
# sed expressions break the cluster further.
cluster() {
	"$GEN" 200 "${MODE:-ingress}" | sed -e '/"kind":"Ingress","metadata":{"name":"app-3",/s/"ingressClassName":"skipper"/"ingressClassName":7/' \
		-e '/"kind":"Ingress","metadata":{"name":"app-180",/s/"ingressClassName":"skipper"/"ingressClassName":7/' "$@" \
		>"$BATS_TEST_TMPDIR/cluster.json"
}

# compile JOBS: runs routesrv-compile with JOBS processes; stdout, stderr (without the time
# field) and the exit status land in $BATS_TEST_TMPDIR/JOBS.{out,err,status}.
compile() {
	local status=0 out="$BATS_TEST_TMPDIR/$1"
	ROUTESRV_READ_JOBS=$1 ROUTESRV_READ_FORK_BYTES=1000 "$BIN/routesrv-compile" -enable-kubernetes-endpointslices \
		"$BATS_TEST_TMPDIR/cluster.json" >"$out.out" 2>"$out.raw" || status=$?
	sed 's/^time="[^"]*" //' "$out.raw" >"$out.err"
	echo "$status" >"$out.status"
}

same_as_one_process() {
	compile 1
	compile 2
	cmp "$BATS_TEST_TMPDIR/1.out" "$BATS_TEST_TMPDIR/2.out"
	cmp "$BATS_TEST_TMPDIR/1.err" "$BATS_TEST_TMPDIR/2.err"
	cmp "$BATS_TEST_TMPDIR/1.status" "$BATS_TEST_TMPDIR/2.status"
}

@test "two processes: the table and the skipped objects' log lines of one, in order" {
	cluster
	same_as_one_process
	run cat "$BATS_TEST_TMPDIR/2.status"
	assert_output 0
	run grep -c 'Skipping object with a field of the wrong type' "$BATS_TEST_TMPDIR/2.err"
	assert_output 2
	run grep -o 'name=app-[0-9]*' "$BATS_TEST_TMPDIR/2.err"
	assert_output $'name=app-3\nname=app-180'
	run grep -c 'app_199' "$BATS_TEST_TMPDIR/2.out"
	assert_output 4   # the last application's routes come from the child
}

@test "two processes: -check reports the problems of both halves, and the counts cover both" {
	cluster
	for jobs in 1 2; do
		run -1 env ROUTESRV_READ_JOBS=$jobs ROUTESRV_READ_FORK_BYTES=1000 "$BIN/routesrv-compile" -check \
			"$BATS_TEST_TMPDIR/cluster.json"
		printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/check$jobs"
	done
	cmp "$BATS_TEST_TMPDIR/check1" "$BATS_TEST_TMPDIR/check2"
	assert_equal "$(grep -o 'Ingress team-[0-9]*/app-[0-9]*' "$BATS_TEST_TMPDIR/check2")" $'Ingress team-3/app-3\nIngress team-83/app-180'
	# the INFO line of two processes counts the child's skipped object too (same_as_one_process
	# compares the whole stderr)
	compile 2
	grep -qF 'Ingress 200 (198 used, 2 skipped)' "$BATS_TEST_TMPDIR/2.err"
}

@test "two processes: RouteGroups and EndpointSlices" {
	MODE=mixed cluster
	same_as_one_process
	run grep -c 'kube_rg_' "$BATS_TEST_TMPDIR/2.out"
	[ "$output" -gt 300 ]
}

@test "two processes: a syntax error in the second half, after the log lines before it" {
	cluster -e '/"kind":"Ingress","metadata":{"name":"app-190",/s/"pathType":"Prefix"/"pathType":Prefix/'
	same_as_one_process
	run cat "$BATS_TEST_TMPDIR/2.status"
	assert_output 2
	run cat "$BATS_TEST_TMPDIR/2.err"
	assert_line --index 0 --partial 'name=app-3'
	assert_line --index 1 --partial 'name=app-180'
	assert_line --index 2 --regexp '^routesrv-compile: .*cluster.json:[0-9]+:[0-9]+: Invalid numeric literal'
	[ ! -s "$BATS_TEST_TMPDIR/2.out" ]
}

@test "two processes: a syntax error in the first half stops before the second half's log lines" {
	cluster -e '/"kind":"Ingress","metadata":{"name":"app-10",/s/"pathType":"Prefix"/"pathType":Prefix/'
	same_as_one_process
	run cat "$BATS_TEST_TMPDIR/2.err"
	assert_line --index 0 --partial 'name=app-3'
	assert_line --index 1 --partial 'Invalid numeric literal'
	refute_output --partial 'app-180'
}

@test "two processes: objects too big for the shared region are read by the parent" {
	# 800 000 empty rules: 2.4 MB of JSON, about 32 MB of decoded rules, more than the child's
	# region (4 x its JSON + 16 MiB); the child gives up and the parent reads its half.
	"$GEN" 100 | sed '$d' >"$BATS_TEST_TMPDIR/cluster.json"   # without the closing "]}"
	{
		printf ',{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"big","namespace":"team-1"},"spec":{"rules":['
		yes '{},' | head -n 799999 | tr -d '\n'
		printf '{"host":"big.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"app-1","port":{"number":80}}}}]}}]}}\n]}\n'
	} >>"$BATS_TEST_TMPDIR/cluster.json"
	same_as_one_process
	run cat "$BATS_TEST_TMPDIR/2.status"
	assert_output 0
	run grep -c 'big_example_org' "$BATS_TEST_TMPDIR/2.out"
	[ "$output" -ge 1 ]
}
