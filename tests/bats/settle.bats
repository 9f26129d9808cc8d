#!/usr/bin/env bats
# routesrv-serve never publishes a file that is still being written (issue 11 item 1): a file
# rewritten in place, line by line or in 8 KB chunks, is published only once it has stayed
# the same for -source-settle-interval; until then the last good table stays served. Every
# publication logs "routes updated count=N", so no such line may count fewer routes than the
# complete file, and the complete new file must be published in the end.

load helpers/common
load helpers/serve

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
}

teardown() {
	stop_serve
}

# eskip_routes N BACKEND: N routes, one per line.
eskip_routes() {
	awk -v n="$1" -v be="$2" 'BEGIN { for (i = 0; i < n; i++) printf "r%04d: Path(\"/p%d\") -> \"%s\";\n", i, i, be }'
}

# manifests N IP: a multi-document YAML of N applications (Ingress, Service, Endpoints).
manifests() {
	awk -v n="$1" -v ip="$2" 'BEGIN { for (i = 0; i < n; i++) {
		printf "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app%d\n  namespace: default\nspec:\n  rules:\n  - host: app%d.example.org\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: app%d\n            port:\n              number: 80\n", i, i, i
		printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app%d\n  namespace: default\nspec:\n  clusterIP: 10.3.0.1\n  ports:\n  - port: 80\n    targetPort: 8080\n", i
		printf "---\napiVersion: v1\nkind: Endpoints\nmetadata:\n  name: app%d\n  namespace: default\nsubsets:\n- addresses:\n  - ip: %s\n  - ip: 10.2.0.2\n  ports:\n  - port: 8080\n", i, ip
	} }'
}

# rewrite_in_place SRC DST CHUNK PAUSE: truncates DST, then writes SRC into it CHUNK bytes
# (or, with CHUNK=line, one line) at a time, PAUSE seconds apart, flushing each.
rewrite_in_place() {
	python3 - "$@" <<'EOF'
import sys, time
src, dst, chunk, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
data = open(src, "rb").read()
pieces = data.splitlines(keepends=True) if chunk == "line" else [data[i:i + int(chunk)] for i in range(0, len(data), int(chunk))]
with open(dst, "r+b") as f:
    f.truncate(0)
    for p in pieces:
        f.write(p)
        f.flush()
        time.sleep(pause)
EOF
}

# Every "routes updated" line counts $1 routes; at least $2 such lines.
assert_every_publication_complete() {
	local counts
	counts=$(grep 'msg="routes updated"' serve.log | sed 's/.* count=\([0-9]*\).*/\1/' | sort -u)
	[ "$(grep -c 'msg="routes updated"' serve.log)" -ge "$2" ] || { cat serve.log >&2; return 1; }
	assert_equal "$counts" "$1"
}

@test "routes file rewritten in place line by line: only the complete file is published" {
	eskip_routes 803 http://10.0.0.1:80 >routes.eskip
	eskip_routes 803 http://10.0.0.2:80 >new.eskip
	start_serve -routes-file routes.eskip
	wait_log 'msg="routes initialized"'
	rewrite_in_place new.eskip routes.eskip line 0.003
	wait_log 'msg="routes updated"' 2
	curl -s "$URL/routes" >served.eskip
	assert_equal "$(grep -c 10.0.0.2 served.eskip)" 803
	assert_every_publication_complete 803 2
	grep -q 'msg="inputs are changing; the last table stays served until they are unchanged for 1s"' serve.log
	[ "$(metric 'routesrv_custom_total{key="routes.unsettled"}')" -ge 1 ]
}

@test "manifests written in place in 8 KB chunks: only the complete file is published" {
	mkdir cluster
	manifests 400 10.2.0.1 >cluster/apps.yaml
	manifests 400 10.2.0.9 >new.yaml
	"$BIN/routesrv-compile" new.yaml >want.eskip
	routes=$(grep -c '' want.eskip)
	[ "$routes" -gt 800 ]
	start_serve -kubernetes-manifests cluster
	wait_log 'msg="routes initialized"'
	rewrite_in_place new.yaml cluster/apps.yaml 8192 0.01
	wait_log 'msg="routes updated"' 2
	assert_equal "$(curl -s "$URL/routes")" "$(cat want.eskip)"
	assert_every_publication_complete "$routes" 2
}

@test "a file is first published once it has settled; -source-settle-interval 0 publishes at once" {
	eskip_routes 3 http://10.0.0.1:80 >routes.eskip
	start_serve -routes-file routes.eskip -source-settle-interval 300ms
	wait_log 'msg="routes initialized"'
	grep -q 'unchanged for 300ms' serve.log
	stop_serve
	start_serve -routes-file routes.eskip -source-settle-interval 0
	wait_log 'msg="routes initialized"'
	! grep -q 'inputs are changing' serve.log
}

@test "-source-settle-interval must not be negative" {
	run "$BIN/routesrv-serve" -routes-file x -source-settle-interval -1s
	assert_failure 2
	assert_output --partial 'invalid value "-1s" for flag -source-settle-interval'
}
