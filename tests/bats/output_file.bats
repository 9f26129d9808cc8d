#!/usr/bin/env bats
# Issue 11 item 6: -o FILE of routesrv-fetch, routesrv-compile and routesrv-etag keeps an
# existing file's mode (chmod 600 stays 600), gives a new file 0666 less the umask, and
# writes through a symbolic link into its target (the link stays).

load helpers/common
load helpers/serve

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"

setup() {
	cd "$BATS_TEST_TMPDIR"
	API_PID=
}

teardown() {
	stop_api
}

mode() { stat -c %a "$1"; }

# run_o NAME FILE: writes FILE with command NAME (fetch from the fake API, compile, etag).
run_o() {
	case $1 in
	fetch) "$BIN/routesrv-fetch" -kubernetes-url "$API" -o "$2" ;;
	compile) "$BIN/routesrv-compile" -o "$2" "$EXAMPLES/cluster" ;;
	etag) "$BIN/routesrv-compile" "$EXAMPLES/cluster" | "$BIN/routesrv-etag" -o "$2" >/dev/null ;;
	esac
}

@test "-o keeps a private file private, a new file gets 0666 less the umask (fetch, compile, etag)" {
	start_api --fixtures "$EXAMPLES/cluster"
	for cmd in fetch compile etag; do
		echo old >"$cmd.out"
		chmod 600 "$cmd.out"
		run_o "$cmd" "$cmd.out"
		assert_equal "$(mode "$cmd.out")" 600
		grep -q shop "$cmd.out"
		(umask 027 && run_o "$cmd" "$cmd.new")
		assert_equal "$(mode "$cmd.new")" 640
	done
	assert_equal "$(ls | grep -c tmp)" 0
}

@test "-o through a symbolic link writes the target in its directory; the link stays" {
	start_api --fixtures "$EXAMPLES/cluster"
	mkdir data
	for cmd in fetch compile etag; do
		echo old >"data/$cmd.out"
		chmod 640 "data/$cmd.out"
		ln -s "data/$cmd.out" "$cmd.link"
		run_o "$cmd" "$cmd.link"
		[ -L "$cmd.link" ]
		grep -q shop "data/$cmd.out"
		assert_equal "$(mode "data/$cmd.out")" 640
	done
	assert_equal "$(ls data | grep -c tmp)" 0
	ln -s loop loop
	run "$BIN/routesrv-compile" -o loop "$EXAMPLES/cluster"
	assert_failure
	assert_output --partial "cannot write loop: Too many levels of symbolic links"
}
