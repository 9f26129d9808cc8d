# Shared set-up for the command tests of routesrv-etag and routesrv-diff.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Debian's python3, which scripts/deps installs with PyYAML, unless PYTHON names another: a
# python3 found first in PATH (pyenv shims, virtualenvs) may lack PyYAML, and a shim costs a
# shell script per start. Every python3 in the tests goes through this function, except
# background processes, which run "$PYTHON" itself so that $! is their pid.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
python3() { "$PYTHON" "$@"; }
# Skipper's fixture sets, vendored in the repository. A test that needs them calls
# require_fixtures: missing fixtures fail the test and say so (never a skip or a vacuous pass).
FIXTURES="${FIXTURES:-$(cd "$HELPERS/../.." && pwd)/conformance/skipper}"
BIN="${ROUTESRV_BIN:?ROUTESRV_BIN must point at the built commands}"

# Tests talk to 127.0.0.1 only; a proxy from the environment must not interfere.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

# stdin without routesrv-compile's INFO line counting the objects it read (issue 17), for tests
# that compare the other log lines with skipper's or with an earlier routesrv's.
without_counts() { grep -Ev '^(time="[^"]*" )?level=info msg="Read [0-9]+ objects?[:"]' || true; }

require_fixtures() {   # [DIR...]: each must be a directory (default: $FIXTURES)
	local d
	for d in "${@:-$FIXTURES}"; do
		[ -d "$d" ] || { echo "fixtures missing: $d is not a directory" >&2; return 1; }
	done
}

# Starts helpers/http_server.py serving $1 and sets HTTP_PORT and HTTP_PID.
start_http_server() {
	local portfile="$BATS_TEST_TMPDIR/port"
	"$PYTHON" "$HELPERS/http_server.py" "$1" "$portfile" 3>&- &
	HTTP_PID=$!
	for _ in $(seq 400); do
		[ -s "$portfile" ] && break
		sleep 0.05
	done
	HTTP_PORT=$(cat "$portfile")
}

stop_http_server() {
	if [ -n "${HTTP_PID:-}" ]; then
		kill "$HTTP_PID" 2>/dev/null || true
		wait "$HTTP_PID" 2>/dev/null || true
		HTTP_PID=
	fi
}

# A TCP port on 127.0.0.1 with nothing listening: bind, note the port, close.
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
