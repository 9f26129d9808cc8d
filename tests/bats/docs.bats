#!/usr/bin/env bats
# One option table per command drives --help, the man page's OPTIONS and the completions:
# these tests fail when any of them drifts from the table.

bats_require_minimum_version 1.5.0

setup() {
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
	BIN=${ROUTESRV_BIN:?}
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

commands() { for c in "$BIN"/routesrv-*; do basename "$c"; done; }

@test "every command has --help on stdout with exit 0, and --version" {
	for c in $(commands); do
		run "$BIN/$c" --help
		assert_success
		assert_line --partial "Usage: $c"
		run "$BIN/$c" --version
		assert_success
		assert_output --regexp "^$c [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "an unknown flag is exit 2 with one line naming it" {
	for c in $(commands); do
		run --separate-stderr "$BIN/$c" -no-such-flag
		assert_failure 2
		[[ "${stderr_lines[0]}" == *"-no-such-flag"* ]]
	done
}

@test "man OPTIONS sections and completions match the option tables" {
	run "$TOP/scripts/gen-docs" --check "$BIN"
	assert_success
}

@test "every man page renders without a warning" {
	for page in "$TOP"/man/*.[17]; do
		run bash -c "MANWIDTH=80 man --warnings -l '$page' 2>&1 >/dev/null"
		assert_success
		assert_output ""
		run mandoc -T lint -W warning "$page"
		assert_success
	done
}

@test "every command has a man page naming each of its flags" {
	for c in $(commands); do
		[ -f "$TOP/man/$c.1" ]
		for flag in $("$BIN/$c" --help-options | cut -f1 | grep .); do
			grep -q "^\.It Fl $flag\( \|$\)" "$TOP/man/$c.1" || { echo "$c.1 lacks -$flag"; false; }
		done
	done
}

@test "the bash completion completes flags and enumerated values" {
	source "$TOP/completions/routesrv.bash"
	COMP_WORDS=(routesrv-compile -kubernetes-path-m); COMP_CWORD=1
	_routesrv_compile
	assert_equal "${COMPREPLY[*]}" "-kubernetes-path-mode"
	COMP_WORDS=(routesrv-compile -kubernetes-path-mode path-p); COMP_CWORD=2
	_routesrv_compile
	assert_equal "${COMPREPLY[*]}" "path-prefix"
}

@test "make install and uninstall with PREFIX and DESTDIR" {
	dest=$BATS_TEST_TMPDIR/dest
	run make -C "$TOP" -s install PREFIX=/usr DESTDIR="$dest"
	assert_success
	for c in $(commands); do
		[ -x "$dest/usr/bin/$c" ]
		[ -f "$dest/usr/share/man/man1/$c.1" ]
		[ -f "$dest/usr/share/bash-completion/completions/$c" ]
	done
	[ -f "$dest/usr/share/man/man7/routesrv.7" ]
	[ -f "$dest/usr/share/zsh/vendor-completions/_routesrv" ]
	run make -C "$TOP" -s uninstall PREFIX=/usr DESTDIR="$dest"
	assert_success
	run find "$dest" -type f
	assert_output ""
}
