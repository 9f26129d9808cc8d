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

# In the current directory: ca.crt/ca.key (CN $1) and server.crt/server.key for 127.0.0.1
# signed by it (EC keys, valid one day), for a fake API server over TLS.
make_api_certificates() {
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 1 -subj "/CN=$1" 2>/dev/null
	openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 \
		-extfile san.ext 2>/dev/null
}

# Writes the kubeconfig file $1: one context whose cluster is $API and whose user is the
# YAML flow mapping $2, e.g. '{tokenFile: token}' or '{exec: {...}}'.
write_api_kubeconfig() {
	cat > "$1" <<EOF
current-context: c
clusters: [{name: k, cluster: {server: "$API"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: $2}]
EOF
}

# A test's commands see no kubeconfig or pod environment of the machine running the tests.
isolate_kube_environment() {
	unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT ROUTESRV_SERVICEACCOUNT_DIR
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
}
