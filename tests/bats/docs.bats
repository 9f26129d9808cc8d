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

@test "the table of skipper's flags is generated from the vendored skipper-flags.tsv" {
	run "$TOP/scripts/gen-skipper-flags" --check
	assert_success
	# one entry per flag of the tsv, in its order
	assert_equal "$(grep -c '^SKIPPER_FLAG(' "$TOP/lib/base/opt_skipper_table.h")" \
		"$(grep -v '^#' "$TOP/docs/spec/skipper-flags.tsv" | awk -F'\t' '$1 != "name" && $1 != ""' | wc -l)"
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

@test "man pages: quotes pair up, examples fit 80 columns, eskip examples render as eskip" {
	cd "$BATS_TEST_TMPDIR"
	for page in "$TOP"/man/*.[17]; do
		MANWIDTH=80 man -l "$page" 2>/dev/null > rendered.txt
		# a nested .Ql opens a second quote before the first one closes
		run python3 - rendered.txt <<-'PY'
		import sys
		depth = 0   # a quote may close on the next line
		for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
		    for ch in line:
		        depth += ch == "\u2018"
		        depth -= ch == "\u2019"
		        if depth > 1 or depth < 0:
		            print("%d: %s" % (n, line.rstrip()))
		            depth = 0
		            break
		    if len(line.rstrip("\n")) > 80:
		        print("%d: over 80 columns: %s" % (n, line.rstrip()))
		PY
		[ -z "$output" ] || fail "$(basename "$page"): $output"
	done
	MANWIDTH=200 man -l "$TOP/man/routesrv-serve.1" 2>/dev/null > serve.txt
	grep -qF '‘annotate("zalando.org/traffic-zone-aware", "false")’' serve.txt
}

@test "README tour: the compile, etag and diff examples print what the README shows" {
	cd "$TOP"
	# the example tables stay the example cluster's
	run cmp <("$BIN/routesrv-compile" examples/cluster) examples/before.eskip
	assert_success
	run python3 - README.md "$BIN" <<-'PY'
	import os, re, subprocess, sys
	text = open(sys.argv[1], encoding="utf-8").read()
	env = dict(os.environ, PATH=sys.argv[2] + ":" + os.environ["PATH"], COLUMNS="100")
	checked = 0
	for block in re.findall(r"```console\n(.*?)```", text, re.S):
	    lines = block.splitlines()
	    for i, line in enumerate(lines):
	        if not re.match(r"\$ routesrv-(compile|etag|diff) ", line):
	            continue
	        want = []
	        for follow in lines[i + 1:]:
	            if follow.startswith("$ "):
	                break
	            want.append(follow)
	        got = subprocess.run(["bash", "-c", line[2:]], env=env, capture_output=True, text=True).stdout
	        if got.splitlines() != want:
	            print("README: %s\n--- shown\n%s\n--- printed\n%s" % (line, "\n".join(want), got))
	        checked += 1
	print("checked %d" % checked)
	PY
	assert_success
	assert_output --regexp '^checked [0-9]+$'
	[ "${output#checked }" -ge 6 ]
}

@test "every command has a man page naming each of its flags" {
	for c in $(commands); do
		[ -f "$TOP/man/$c.1" ]
		for flag in $("$BIN/$c" --help-options | awk -F'\t' '$1 != "" && $11 != "ignored" { print $1 }'); do
			grep -q "^\.It \(Fl [^ ]* , \)\?Fl $flag\( \|$\)" "$TOP/man/$c.1" || { echo "$c.1 lacks -$flag"; false; }
		done
		# skipper's flags a command accepts and ignores are listed apart, one per line
		for flag in $("$BIN/$c" --help-options | awk -F'\t' '$11 == "ignored" { print $1 }'); do
			sed -n '/^\.\\" BEGIN IGNORED/,/^\.\\" END IGNORED/p' "$TOP/man/$c.1" | grep -q "^\.Fl $flag\( ,\)\?$" ||
				{ echo "$c.1 does not list ignored -$flag"; false; }
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

@test "--help: every line within 100 columns, descriptions in one column, no blank line inside a group" {
	for c in $(commands); do
		run "$BIN/$c" --help
		assert_success
		long=$(awk 'length > 100' <<<"$output")
		[ -z "$long" ] || fail "$c --help has lines over 100 columns: $long"
		# a blank line only before a group title or the -help/-version block
		run awk 'prev == "" && NR > 3 && $0 !~ /:$/ && $0 !~ /^  -help/ { print "blank line before: " $0 } { prev = $0 }' <<<"$output"
		assert_output ""
	done
	run "$BIN/routesrv-compile" --help
	assert_line '  -kubernetes-east-west-range-predicates PREDICATES'
	assert_line --regexp '^ {34}eskip predicates appended to routes of internal hosts$'
}

@test "--help writes defaults one way: [default: VALUE], durations as Go writes them, true booleans" {
	run "$BIN/routesrv-compile" --help
	refute_output --partial '(default true)'
	refute_output --partial '(default:'
	assert_output --regexp '-kubernetes-healthcheck +add the kube__healthz_up/down routes \[default: true\]'
	refute_output --partial 'fixture-options'
	run "$BIN/routesrv-serve" --help
	assert_output --partial '[default: 45s]'
	refute_output --regexp '\[default: [0-9]+ms\]'
	run bash -c "'$BIN/routesrv-fetch' --help | tr -s ' \n' ' '"
	refute_output --partial 'fixture-options'
	assert_output --partial '[default: as kubectl: $KUBECONFIG, else ~/.kube/config, else http://127.0.0.1:8001]'
}

@test "a near miss gets 'did you mean', a value outside the choices lists them" {
	run --separate-stderr "$BIN/routesrv-compile" -prety
	assert_failure 2
	assert_equal "$stderr" "routesrv-compile: unknown flag: -prety (did you mean -pretty? see routesrv-compile --help)"
	run --separate-stderr "$BIN/routesrv-compile" -kubernetes-path
	assert_failure 2
	[[ "$stderr" == *"did you mean -kubernetes-path-mode?"* ]]
	run --separate-stderr "$BIN/routesrv-compile" -zzzzzz
	assert_failure 2
	[[ "$stderr" != *"did you mean"* ]]
	run --separate-stderr "$BIN/routesrv-compile" -kubernetes-path-mode prefix
	assert_failure 2
	assert_equal "$stderr" 'routesrv-compile: invalid value "prefix" for flag -kubernetes-path-mode: must be one of kubernetes-ingress, path-regexp, path-prefix'
	run --separate-stderr "$BIN/routesrv-diff" -color sometimes a b
	assert_equal "$stderr" 'routesrv-diff: invalid value "sometimes" for flag -color: must be one of auto, always, never'
	# open choices are completed but the command decides: logrus's names in any case
	run "$BIN/routesrv-compile" -application-log-level trace - <<<'{"apiVersion":"v1","kind":"List","items":[]}'
	assert_success
}

@test "completions: enumerated values, no files for fetch and serve, apostrophes kept, zsh parses" {
	source "$TOP/completions/routesrv.bash"
	COMP_WORDS=(routesrv-serve -tls-min-version 1.); COMP_CWORD=2
	_routesrv_serve
	assert_equal "${COMPREPLY[*]}" "1.0 1.1 1.2 1.3"
	COMP_WORDS=(routesrv-fetch -application-log-level D); COMP_CWORD=2
	_routesrv_fetch
	assert_equal "${COMPREPLY[*]}" "DEBUG"
	cd "$BATS_TEST_TMPDIR" && touch afile
	COMP_WORDS=(routesrv-fetch a); COMP_CWORD=1
	_routesrv_fetch
	assert_equal "${#COMPREPLY[@]}" 0
	COMP_WORDS=(routesrv-compile a); COMP_CWORD=1
	_routesrv_compile
	assert_equal "${COMPREPLY[*]}" "afile"
	run zsh -n "$TOP/completions/_routesrv"
	assert_success
	grep -qF "route Ingress backends to the service'\''s cluster DNS name" "$TOP/completions/_routesrv"
	grep -qF ':level:(ERROR WARN INFO DEBUG)' "$TOP/completions/_routesrv"
	# operands are completed as files only for the commands that take them
	run awk '/^routesrv-(fetch|serve)\)/ { c = 1 } /^;;|^\t;;/ { c = 0 } c && /_files'"'"'$/' "$TOP/completions/_routesrv"
	assert_output ""
	grep -A200 '^routesrv-compile)' "$TOP/completions/_routesrv" | grep -m1 -q "'\*:file:_files'"
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
	# where Debian's zsh looks: vendor-completions for /usr, site-functions for /usr/local
	[ -f "$dest/usr/share/zsh/vendor-completions/_routesrv" ]
	run make -C "$TOP" -s install PREFIX=/usr/local DESTDIR="$dest"
	assert_success
	[ -f "$dest/usr/local/share/zsh/site-functions/_routesrv" ]
	zsh -c 'print -l $fpath' | grep -qx /usr/local/share/zsh/site-functions
	zsh -c 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions
	run make -C "$TOP" -s uninstall PREFIX=/usr/local DESTDIR="$dest"
	assert_success
	run make -C "$TOP" -s uninstall PREFIX=/usr DESTDIR="$dest"
	assert_success
	run find "$dest" -type f
	assert_output ""
}
