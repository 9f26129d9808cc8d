# Helpers for tests that run routesrv-serve (and the fake Kubernetes API) on 127.0.0.1.
# Load after helpers/common. Every wait is bounded (generously: test files run in parallel on
# a shared machine, and a bound only matters when a test fails); none asserts a timing.

# Starts routesrv-serve on free loopback ports with -source-poll-timeout 100 and the given
# flags; sets URL, METRICS, MAIN_PORT, SUPPORT_PORT, SERVE_PID. Waits until the main
# listener answers (any status). SERVE_WRAP (an array, e.g. valgrind and its options) goes
# in front of the command.
SERVE_WRAP=()
start_serve() {
	MAIN_PORT=$(closed_port)
	SUPPORT_PORT=$(closed_port)
	URL="http://127.0.0.1:$MAIN_PORT"
	METRICS="http://127.0.0.1:$SUPPORT_PORT/metrics"
	"${SERVE_WRAP[@]}" "$BIN/routesrv-serve" -address "127.0.0.1:$MAIN_PORT" -support-listener "127.0.0.1:$SUPPORT_PORT" \
		-source-poll-timeout 100 "$@" >serve.log 2>&1 3>&- &
	SERVE_PID=$!
	for _ in $(seq 1200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" != 000 ] && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "routesrv-serve did not start:" >&2
	cat serve.log >&2
	return 1
}

stop_serve() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill -INT "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
		SERVE_PID=
	fi
}

# Waits (up to 60 s) until serve.log has at least $2 (default 1) lines matching the grep pattern $1.
wait_log() {
	local want=${2:-1}
	for _ in $(seq 1200); do
		[ "$(grep -c -- "$1" serve.log)" -ge "$want" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $want x '$1' in serve.log:" >&2
	cat serve.log >&2
	return 1
}

# Waits for $2 (default 2) more lines matching $1 than serve.log has now.
wait_more_log() {
	local n
	n=$(grep -c -- "$1" serve.log || true)
	wait_log "$1" $((n + ${2:-2}))
}

# Response headers of a request (status line first), CR removed.
headers() {
	curl -s -D - -o /dev/null "$@" | tr -d '\r'
}

header_value() { # NAME, then curl arguments
	local name=$1
	shift
	headers "$@" | awk -v n="$(echo "$name" | tr A-Z a-z)" -F': ' 'tolower($1) == n { print $2; exit }'
}

status() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

# The value of one series of /metrics (exact name with labels), or nothing.
metric() {
	curl -s "$METRICS" | awk -v n="$1" '$1 == n { print $2 }'
}

# Starts the fake Kubernetes API with the given arguments; sets API, API_PORT, API_PID.
# With --port P it listens on that port again (a restarted API server).
start_api() {
	local portfile="$BATS_TEST_TMPDIR/api.port"
	rm -f "$portfile"
	"$PYTHON" "$HELPERS/fake_kube_api.py" --port-file "$portfile" --log "$BATS_TEST_TMPDIR/api.log" \
		--lifetime 120 "$@" 3>&- &
	API_PID=$!
	for _ in $(seq 600); do
		[ -s "$portfile" ] && break
		kill -0 "$API_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$portfile" ] || { echo "fake API did not start" >&2; return 1; }
	API_PORT=$(cat "$portfile")
	API="http://127.0.0.1:$API_PORT"
}

stop_api() {
	if [ -n "${API_PID:-}" ]; then
		kill "$API_PID" 2>/dev/null || true
		wait "$API_PID" 2>/dev/null || true
		API_PID=
	fi
}

# The fake API over TLS with the certificates of make_api_certificates in directory $1 and a
# service-account token, and the pod's view of it: the environment and service-account
# directory (./sa) that -kubernetes-in-cluster reads. The other arguments go to start_api.
start_in_cluster_api() {
	local certs=$1
	shift
	start_api --tls-cert "$certs/server.crt" --tls-key "$certs/server.key" --token sa-token "$@"
	mkdir -p sa
	cp "$certs/ca.crt" sa/ca.crt
	printf 'sa-token\n' > sa/token
	export KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$API_PORT ROUTESRV_SERVICEACCOUNT_DIR=$PWD/sa
}

# POSTs /_control/OP to the fake API (watch tests change the cluster this way); prints the answer.
control() { # OP [BODY]
	curl -s -X POST --data-binary "${2:-}" "$API/_control/$1"
}

# The requests the fake API server answered: path?query, one per line.
requests() {
	jq -r 'select(.event == "request" and (.path | startswith("/_control") | not)) | .path + "?" + .raw_query' \
		"$BATS_TEST_TMPDIR/api.log"
}

# Waits (up to 60 s) until at least N requests (default 1) match the grep -E pattern.
wait_request() { # PATTERN [N]
	for _ in $(seq 1200); do
		[ "$(requests | grep -cE -- "$1")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for ${2:-1} x '$1' among the requests:" >&2
	requests >&2
	return 1
}
