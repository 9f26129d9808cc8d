#!/usr/bin/env bats
# routesrv-etag: the ETag of an eskip table, the served form (-o), errors and exit codes.

load helpers/common

# The 45-byte served table of spec A6.6 and its XXH3-128, checked with `xxhsum -H2`.
SERVED_AB='a: Path("/a") -> <shunt>;
b: * -> "http://b";'
TAG_AB='"7ef5e84b1bd2416b937530050160555d"'

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	stop_http_server
}

@test "prints the tag of the served form, whatever the input order and formatting" {
	printf '// two routes\nb: *\n  -> "http://b";\n\na: Path(/\\/a/) -> <shunt>' > in.eskip
	run "$BIN/routesrv-etag" in.eskip
	assert_success
	assert_output "$TAG_AB"
}

@test "reads standard input without operands and with -" {
	run bash -c "printf '%s' '$SERVED_AB' | '$BIN/routesrv-etag'"
	assert_success
	assert_output "$TAG_AB"
	run bash -c "printf '%s' '$SERVED_AB' | '$BIN/routesrv-etag' -"
	assert_output "$TAG_AB"
}

@test "--gzip prints the gzip-variant tag" {
	printf '%s' "$SERVED_AB" > in.eskip
	run "$BIN/routesrv-etag" --gzip in.eskip
	assert_success
	assert_output '"7ef5e84b1bd2416b937530050160555d+gzip"'
}

@test "several files: one tag per file with its name, as sha256sum; a bad one fails at the end" {
	printf 'b: * -> "http://b";' > b.eskip
	printf 'a: Path("/a") -> <shunt>;' > a.eskip
	printf 'b: * -> "http://b";\na: Path("/a") -> <shunt>;' > ab.eskip
	tag_b=$("$BIN/routesrv-etag" b.eskip) tag_a=$("$BIN/routesrv-etag" a.eskip)
	[ "$tag_a" != "$tag_b" ]
	run "$BIN/routesrv-etag" b.eskip a.eskip ab.eskip
	assert_success
	assert_output - <<OUT
$tag_b  b.eskip
$tag_a  a.eskip
$TAG_AB  ab.eskip
OUT
	# the same ID in two files is no longer merged into one table silently
	run "$BIN/routesrv-etag" b.eskip b.eskip
	assert_output "$tag_b  b.eskip"$'\n'"$tag_b  b.eskip"
	run --separate-stderr "$BIN/routesrv-etag" a.eskip missing.eskip - < b.eskip
	assert_failure 2
	assert_output "$tag_a  a.eskip"$'\n'"$tag_b  stdin"
	assert_equal "$stderr" "routesrv-etag: missing.eskip: No such file or directory"
	run "$BIN/routesrv-etag" -o out.eskip a.eskip b.eskip
	assert_failure 2
}

@test "-o writes the served form; its tag equals xxhsum of the file" {
	printf 'b: * -> "http://b";\na: Path("/a") -> <shunt>;\n' > in.eskip
	run "$BIN/routesrv-etag" -o out.eskip in.eskip
	assert_success
	assert_output "$TAG_AB"
	[ "$(cat out.eskip)" = "$SERVED_AB" ]
	[ "$(wc -c < out.eskip)" -eq 45 ]   # no trailing newline
	if command -v xxhsum >/dev/null; then
		[ "\"$(xxhsum -H2 out.eskip | cut -d' ' -f1)\"" = "$TAG_AB" ]
	fi
}

@test "-o sits in a pipeline and replaces the file atomically" {
	echo 'old content' > routes.eskip
	run bash -c "printf 'x: * -> <shunt>' | '$BIN/routesrv-etag' -o routes.eskip"
	assert_success
	[ "$(cat routes.eskip)" = "x: * -> <shunt>;" ]
	[ -z "$(ls routes.eskip.* 2>/dev/null)" ]   # no temporary file left
}

@test "-o into a FIFO or device writes into it, never replaces it" {
	printf '%s' "$SERVED_AB" > in.eskip
	mkfifo fifo
	cat fifo > from-fifo 3>&- &
	local reader=$!
	run "$BIN/routesrv-etag" -o fifo in.eskip
	assert_success
	assert_output "$TAG_AB"
	[ -p fifo ] || { kill "$reader"; false; }   # replaced: the reader would wait for ever
	wait "$reader"
	[ "$(cat from-fifo)" = "$SERVED_AB" ]
	run "$BIN/routesrv-etag" -o /dev/null in.eskip
	assert_success
	assert_output "$TAG_AB"
	assert [ -c /dev/null ]
}

@test "-o - writes the served form to stdout and the tag to stderr" {
	printf '%s' "$SERVED_AB" > in.eskip
	run bash -c "'$BIN/routesrv-etag' -o - in.eskip 2>tag"
	assert_success
	assert_output "$SERVED_AB"
	[ "$(cat tag)" = "$TAG_AB" ]
}

@test "an empty table has the tag of the empty string" {
	run "$BIN/routesrv-etag" /dev/null
	assert_success
	assert_output '"99aa06d3014798d86001c324468d497f"'
}

@test "unknown escapes are kept as they are (not an error)" {
	printf 'r: * -> setPath("\\q\\d") -> <shunt>;' > in.eskip
	run "$BIN/routesrv-etag" -o - in.eskip
	assert_success
	assert_output --partial 'setPath("\\q\\d")'
}

@test "garbage: exit 2 with file, line, column and skipper's message" {
	printf 'r1: Path("/foo") -> <shunt>;\nr2: Path("/bar") -> #' > bad.eskip
	run "$BIN/routesrv-etag" bad.eskip
	assert_failure 2
	assert_output 'routesrv-etag: bad.eskip:2:21: parse failed after token ->, last route id: r2, position 49: syntax error'
}

@test "binary garbage: exit 2, one line" {
	head -c 300 /dev/urandom > noise
	printf '\001\002' >> noise
	run "$BIN/routesrv-etag" noise
	assert_failure 2
	[ "${#lines[@]}" -eq 1 ]
	# random bytes may start like eskip (a parse error) or not (what was received)
	assert_output --regexp '^routesrv-etag: noise(:[0-9]+:[0-9]+: parse failed after token |: not an eskip routing table: received 302 bytes)'
}

@test "truncated input: the string runs to the end, then a syntax error at the end" {
	printf 'r: * -> "http://unterminated' > bad.eskip
	run "$BIN/routesrv-etag" bad.eskip
	assert_failure 2
	assert_output 'routesrv-etag: bad.eskip:1:29: parse failed after token ->, last route id: r, position 28: syntax error'
}

@test "unterminated string where the grammar may end: skipper's incomplete token" {
	printf 'a: * -> <shunt>;\n"http://unterminated' > bad.eskip
	run "$BIN/routesrv-etag" bad.eskip
	assert_failure 2
	assert_output 'routesrv-etag: bad.eskip:2:21: parse failed after token ;, last route id: a, position 37: incomplete token'
}

@test "a trailing lone backslash escapes the closing quote" {
	printf 'r: * -> setPath("abc\\") -> <shunt>' > bad.eskip
	[ "$(wc -c < bad.eskip)" -eq 34 ]
	run "$BIN/routesrv-etag" bad.eskip
	assert_failure 2
	assert_output --partial 'position 34: syntax error'
}

@test "semantic errors have no position" {
	printf 'r: Path("/a") && Path("/b") -> <shunt>' > bad.eskip
	run "$BIN/routesrv-etag" bad.eskip
	assert_failure 2
	assert_output 'routesrv-etag: bad.eskip: duplicate path tree predicate'
}

@test "errors in stdin are named stdin" {
	run bash -c "printf 'r: ->' | '$BIN/routesrv-etag'"
	assert_failure 2
	assert_output --regexp '^routesrv-etag: stdin:1:'
}

@test "a lone id-less route is a table of its own, also next to other files" {
	printf '* -> <shunt>' > lone.eskip
	printf 'a: * -> <shunt>;' > a.eskip
	run "$BIN/routesrv-etag" lone.eskip
	assert_success
	lone=$output
	run "$BIN/routesrv-etag" lone.eskip a.eskip
	assert_success
	assert_line "$lone  lone.eskip"
}

@test "missing file: exit 2 naming it" {
	run "$BIN/routesrv-etag" /nonexistent/routes.eskip
	assert_failure 2
	assert_output 'routesrv-etag: /nonexistent/routes.eskip: No such file or directory'
}

@test "unknown flag: exit 2" {
	run "$BIN/routesrv-etag" --no-such-flag
	assert_failure 2
}

@test "unwritable -o: exit 2 and no tag" {
	printf 'a: * -> <shunt>;' > a.eskip
	run "$BIN/routesrv-etag" -o /nonexistent/dir/out.eskip a.eskip
	assert_failure 2
	assert_output --partial '/nonexistent/dir/out.eskip'
}

@test "URLs: plain, gzip-encoded, HTTP 500, unreachable" {
	mkdir www
	printf '%s' "$SERVED_AB" > www/routes
	start_http_server www
	run "$BIN/routesrv-etag" "http://127.0.0.1:$HTTP_PORT/routes"
	assert_success
	assert_output "$TAG_AB"
	run "$BIN/routesrv-etag" "http://127.0.0.1:$HTTP_PORT/gzip/routes"
	assert_success
	assert_output "$TAG_AB"
	run "$BIN/routesrv-etag" "http://127.0.0.1:$HTTP_PORT/status/500"
	assert_failure 2
	assert_output "routesrv-etag: http://127.0.0.1:$HTTP_PORT/status/500: HTTP status 500 Internal Server Error"
	port=$(closed_port)
	run "$BIN/routesrv-etag" "http://127.0.0.1:$port/routes"
	assert_failure 2
	assert_output --regexp "^routesrv-etag: http://127.0.0.1:$port/routes: .*(refused|connect)"
}

# Every fixture goes through the same pipeline in test_eskip_conformance (unit); here the
# command, on every tenth.
@test "conformance tables: served form is a fixed point with a stable tag" {
	count=0
	while IFS= read -r f; do
		tag1=$("$BIN/routesrv-etag" -o served1 "$f") || { echo "failed: $f"; return 1; }
		tag2=$("$BIN/routesrv-etag" -o served2 served1) || { echo "re-parse failed: $f"; return 1; }
		cmp -s served1 served2 || { echo "not a fixed point: $f"; diff served1 served2; return 1; }
		[ "$tag1" = "$tag2" ] || { echo "tag changed: $f"; return 1; }
		count=$((count + 1))
	done < <(find "$FIXTURES" -name '*.eskip' | sort | awk 'NR % 10 == 1')
	[ "$count" -gt 20 ]
}

@test "every conformance table: a reformatted, reordered copy has the same tag" {
	args=()
	while IFS= read -r f; do
		n=${#args[@]}
		args+=("$f" "copy$n.eskip")
	done < <(find "$FIXTURES" -name '*.eskip' | sort)
	python3 "$HELPERS/eskip_edit.py" reformat "${args[@]}"
	for ((i = 0; i < ${#args[@]}; i += 2)); do
		a=$("$BIN/routesrv-etag" "${args[i]}")
		b=$("$BIN/routesrv-etag" "${args[i+1]}") || { echo "copy failed: ${args[i]}"; return 1; }
		[ "$a" = "$b" ] || { echo "tag differs for ${args[i]}"; return 1; }
	done
}
