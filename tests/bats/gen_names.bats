#!/usr/bin/env bats
# scripts/gen-skipper-names: the linter's tables of filter and predicate names are generated
# from docs/spec/skipper-filters-predicates.tsv at build time (one source of truth); bad input
# fails the build with a line naming the file and line, never a table with a hole.

load helpers/common
bats_require_minimum_version 1.5.0

TOP="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
GEN="$TOP/scripts/gen-skipper-names"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "gen-skipper-names: both tables, sorted by byte value, every name of the spec's file" {
	printf '# a comment\nkind\tname\nfilter\tsetPath\npredicate\tPath\nfilter\tSed\nfilter\tappendA\npredicate\tHost\n' >t.tsv
	run -0 "$GEN" t.tsv
	assert_equal "$(printf '%s\n' "${lines[@]:1}")" "$(printf '%s\n' \
		'static const char *const filters[] = {' '	"Sed",' '	"appendA",' '	"setPath",' '};' \
		'static const char *const predicates[] = {' '	"Host",' '	"Path",' '};')"
	run -0 "$GEN" "$TOP/docs/spec/skipper-filters-predicates.tsv"
	spec=$(grep -cE '^(filter|predicate)	' "$TOP/docs/spec/skipper-filters-predicates.tsv")
	[ "$spec" -gt 150 ]
	[ "$(printf '%s\n' "$output" | grep -c '^	"')" -eq "$spec" ]
}

@test "gen-skipper-names: another kind, a bad name, a name twice, no header, a kind without names fail with FILE:LINE" {
	printf 'kind\tname\nfilter\ta\nfiltre\tb\npredicate\tP\n' >kind.tsv
	run -1 "$GEN" kind.tsv
	assert_output 'kind.tsv:3: unknown kind "filtre" (filter or predicate)'
	printf 'kind\tname\nfilter\tset Path\npredicate\tP\n' >name.tsv
	run -1 "$GEN" name.tsv
	assert_output 'name.tsv:2: "set Path" is not a filter or predicate name'
	printf 'kind\tname\nfilter\ta\nfilter\ta\npredicate\tP\n' >twice.tsv
	run -1 "$GEN" twice.tsv
	assert_output 'twice.tsv:3: filter "a" given twice'
	printf 'filter\ta\n' >header.tsv
	run -1 "$GEN" header.tsv
	assert_output 'header.tsv:1: expected the header "kind<TAB>name"'
	printf 'kind\tname\nfilter\ta\n' >nopred.tsv
	run -1 "$GEN" nopred.tsv
	assert_output --partial 'nopred.tsv:2: no predicate names'
	: >empty.tsv
	run -1 "$GEN" empty.tsv
	assert_output --partial 'empty.tsv:0: empty'
	run -1 "$GEN" missing.tsv
	assert_output --partial 'missing.tsv: cannot read'
}
