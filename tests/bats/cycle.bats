#!/usr/bin/env bats
# routesrv-serve's poll cycle skips parsing when its inputs are those of the last good cycle
# (lib/source/source_identity.h): the API's bodies byte for byte, files by identity (inode, size,
# mtime, ctime). What shows it from outside: an object's warning is logged when the inputs
# are read, so once per change (and per SIGHUP) instead of once per cycle. And no change
# may be missed: rewrites that keep size and mtime, ConfigMap-style symlink swaps.

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
WARNING='msg="Invalid service resource detected."'

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	API_PID=
	mkdir cluster
	cp "$EXAMPLES"/cluster/*.yaml cluster/
	# A Service without a spec: every read of the cluster logs a warning for it.
	printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  namespace: default\n' >>cluster/shop.yaml
}

teardown() {
	stop_serve
	stop_api
}

# Files younger than 2 s are read again every cycle (their timestamps may not have moved
# yet for a write in the same clock tick); tests that count reads start with older files.
settle() { sleep 2.1; }

@test "manifests: unchanged inputs are not read again; SIGHUP and a change read them" {
	settle
	start_serve -kubernetes-manifests cluster
	wait_log "routes initialized"
	wait_more_log 'msg="routes did not change"' 5
	assert_equal "$(grep -c "$WARNING" serve.log)" 1
	kill -HUP "$SERVE_PID"
	wait_log "$WARNING" 2
	wait_more_log 'msg="routes did not change"' 3
	assert_equal "$(grep -c "$WARNING" serve.log)" 2
	sed -i 's/10\.2\.2\.22/10.2.2.29/' cluster/shop.yaml
	wait_log 'msg="routes updated"' 2
	grep -q 10.2.2.29 <<<"$(curl -s "$URL/routes")"
}

@test "manifests: a file rewritten with its old size and mtime is read without SIGHUP" {
	settle
	start_serve -kubernetes-manifests cluster
	wait_log "routes initialized"
	wait_more_log 'msg="routes did not change"' 3
	stamp=$(stat -c %y cluster/shop.yaml)
	size=$(stat -c %s cluster/shop.yaml)
	sed -i 's/10\.2\.2\.22/10.2.2.29/' cluster/shop.yaml
	touch -d "$stamp" cluster/shop.yaml
	assert_equal "$(stat -c %s cluster/shop.yaml)" "$size"
	assert_equal "$(stat -c %y cluster/shop.yaml)" "$stamp"
	wait_log 'msg="routes updated"' 2
	grep -q 10.2.2.29 <<<"$(curl -s "$URL/routes")"
}

@test "manifests: a ConfigMap volume's ..data symlink swap is read; a log file next to them is not a change" {
	mkdir -p vol/..v1 vol/..v2
	cp cluster/*.yaml vol/..v1/
	cp cluster/*.yaml vol/..v2/
	sed -i 's/10\.2\.2\.22/10.2.2.29/' vol/..v2/shop.yaml
	ln -s ..v1 vol/..data
	for f in shop.yaml blog.yaml; do ln -s "..data/$f" "vol/$f"; done
	settle
	start_serve -kubernetes-manifests vol
	wait_log "routes initialized"
	echo "an unrelated line" >vol/notes.log
	wait_more_log 'msg="routes did not change"' 5
	assert_equal "$(grep -c "$WARNING" serve.log)" 1
	# kubelet's update: a new ..data symlink renamed over the old one
	ln -s ..v2 vol/..data_tmp
	mv -T vol/..data_tmp vol/..data
	wait_log 'msg="routes updated"' 2
	grep -q 10.2.2.29 <<<"$(curl -s "$URL/routes")"
}

@test "API: bodies equal to the last cycle's are not decoded again; other bodies are" {
	start_api --fixtures cluster
	PORT=$API_PORT
	start_serve -kubernetes -kubernetes-url "$API"
	wait_log "routes initialized"
	wait_more_log 'msg="routes did not change"' 5
	assert_equal "$(grep -c "$WARNING" serve.log)" 1
	# every cycle still asks the API
	[ "$(grep -c '"path": "/apis/networking.k8s.io/v1/ingresses"' api.log)" -ge 6 ]
	sed -i 's/10\.2\.2\.22/10.2.2.29/' cluster/shop.yaml
	stop_api
	start_api --port "$PORT" --fixtures cluster
	wait_log 'msg="routes updated"' 2
	grep -q 10.2.2.29 <<<"$(curl -s "$URL/routes")"
	[ "$(grep -c "$WARNING" serve.log)" -ge 2 ]
}

@test "routes file: rewritten with its old size and mtime, it is read again" {
	printf 'a: Path("/a") -> <shunt>;' >routes.eskip
	settle
	start_serve -routes-file routes.eskip
	wait_log "routes initialized"
	wait_more_log 'msg="routes did not change"' 3
	stamp=$(stat -c %y routes.eskip)
	printf 'b: Path("/b") -> <shunt>;' >routes.eskip
	touch -d "$stamp" routes.eskip
	wait_log 'msg="routes updated"' 2
	assert_equal "$(curl -s "$URL/routes")" 'b: Path("/b") -> <shunt>;'
}
