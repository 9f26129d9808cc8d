#!/usr/bin/env bats
# The test harness itself: tests/run-unit sums every unit-test binary, whatever they do.

load helpers/common

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "run-unit: a binary that crashes before its summary is a failure, and the others still count" {
	printf '#!/bin/sh\necho "ok a"\nkill -SEGV $$\n' > crash
	printf '#!/bin/sh\necho "3 passed, 0 failed"\n' > good
	printf '#!/bin/sh\necho "2 passed, 0 failed"\nexit 1\n' > leaky
	chmod +x crash good leaky
	run "$BATS_TEST_DIRNAME/../run-unit" ./crash ./good ./leaky
	assert_failure 1
	assert_line "unit: 3 passed, 2 failed"
	assert_output --partial "./crash exited 139"
	assert_output --partial "./leaky exited 1"
}
