#!/usr/bin/env bats
# routesrv-serve's edge: bearer tokens (-routes-token-file), TLS and mTLS on the main
# listener, the -route-server-filters subset (spec eskip-and-http.md B5, B6), hostile
# clients (header and line limits, connection limit, read-header deadline, a crowd of idle
# and slow connections, pipelining) and the Redis/Valkey shard endpoints (B2.3).
# Certificates are made with openssl in the test's directory; servers listen on 127.0.0.1.

load helpers/common

TABLE='a: Path("/a") -> <shunt>;
b: * -> "http://b";'

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	printf '%s' "$TABLE" >routes.eskip
}

teardown() {
	if [ -n "$SERVE_PID" ]; then
		kill -INT "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
}

# Starts routesrv-serve serving routes.eskip with the given flags; sets PORT, URL (http or,
# with -enable-mtls or -enable-tls among the flags, https), METRICS, SERVE_PID; waits for any answer.
start_edge() {
	PORT=$(closed_port)
	local support
	support=$(closed_port)
	local scheme=http
	case " $* " in *" -enable-mtls "* | *" -enable-tls "*) scheme=https ;; esac
	URL="$scheme://127.0.0.1:$PORT"
	METRICS="http://127.0.0.1:$support/metrics"
	"$BIN/routesrv-serve" -address "127.0.0.1:$PORT" -support-listener "127.0.0.1:$support" \
		-source-poll-timeout 100 "$@" >serve.log 2>&1 3>&- &
	SERVE_PID=$!
	for _ in $(seq 200); do
		grep -q "routes initialized\|received empty routes" serve.log 2>/dev/null && return 0
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "routesrv-serve did not start:" >&2
	cat serve.log >&2
	return 1
}

code() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

# A CA, a server certificate for 127.0.0.1/localhost, a client certificate (CN trusted-cn)
# from the CA, one with another CN, and a self-signed client with the trusted CN.
make_certs() {
	cat >ext.cnf <<-'EOF'
	[srv]
	subjectAltName=DNS:localhost,IP:127.0.0.1
	extendedKeyUsage=serverAuth,clientAuth
	[cli]
	extendedKeyUsage=clientAuth
	EOF
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj /CN=test-ca -days 2 2>/dev/null
	sign server server-cn srv
	sign client trusted-cn cli
	sign other other-cn cli
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -subj /CN=trusted-cn -days 2 2>/dev/null
}

sign() { # NAME CN EXTENSIONS
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 \
		-extfile ext.cnf -extensions "$3" 2>/dev/null
}

# --- bearer tokens ------------------------------------------------------------------------

@test "tokens: /routes needs a listed bearer token, /health stays open" {
	printf '\n  first-token  \n\n\tsecond-token\n\n' >tokens
	start_edge -routes-file routes.eskip -routes-token-file tokens
	run curl -s -D - -o /dev/null "$URL/routes"
	assert_line --partial 'HTTP/1.1 401'
	assert_line --partial 'WWW-Authenticate: Bearer'
	assert_equal "$(code -H 'Authorization: Bearer wrong' "$URL/routes")" 401
	assert_equal "$(code -H 'Authorization: Bearer first-tok' "$URL/routes")" 401
	assert_equal "$(code -H 'Authorization: Bearer first-token-and-more' "$URL/routes")" 401
	assert_equal "$(code -H 'Authorization: Basic Zmlyc3QtdG9rZW4=' "$URL/routes")" 401
	assert_equal "$(code -H 'Authorization: Bearer first-token' "$URL/routes")" 200
	assert_equal "$(code -H 'Authorization: bearer   second-token ' "$URL/routes/zone-a")" 200
	assert_equal "$(code "$URL/health")" 204
	run curl -s -H 'Authorization: Bearer second-token' "$URL/routes"
	assert_output "$(printf '%s\n%s' 'a: Path("/a") -> <shunt>;' 'b: * -> "http://b";')"
}

@test "tokens: a changed file is picked up; a missing one keeps the last tokens, logged and counted" {
	echo old-token >tokens
	start_edge -routes-file routes.eskip -routes-token-file tokens
	assert_equal "$(code -H 'Authorization: Bearer old-token' "$URL/routes")" 200
	echo new-token-with-another-size >tokens.next
	mv tokens.next tokens
	for _ in $(seq 1200); do
		[ "$(code -H 'Authorization: Bearer new-token-with-another-size' "$URL/routes")" = 200 ] && break
		sleep 0.05
	done
	assert_equal "$(code -H 'Authorization: Bearer new-token-with-another-size' "$URL/routes")" 200
	assert_equal "$(code -H 'Authorization: Bearer old-token' "$URL/routes")" 401
	rm tokens
	for _ in $(seq 1200); do
		grep -q "failed to read the routes token file" serve.log && break
		sleep 0.05
	done
	run grep "failed to read the routes token file" serve.log
	assert_output --partial 'file=tokens'
	assert_equal "$(code -H 'Authorization: Bearer new-token-with-another-size' "$URL/routes")" 200
	run curl -s "$METRICS"
	assert_output --regexp 'routesrv_custom_total\{key="routes.token_file_errors"\} [1-9]'
	# Tokens appear nowhere: not in logs, not in metrics.
	run grep -c "old-token\|new-token" serve.log
	assert_output 0
	run curl -s "$METRICS"
	assert_output --partial 'routesrv_custom_total'
	refute_output --partial "token-"
}

@test "tokens: SIGHUP re-reads a file whose size and mtime did not change" {
	echo token-aaaa >tokens
	touch -d '2020-01-01 00:00:00' tokens
	start_edge -routes-file routes.eskip -routes-token-file tokens
	assert_equal "$(code -H 'Authorization: Bearer token-aaaa' "$URL/routes")" 200
	# Same inode, size and mtime: only SIGHUP tells the server to look again.
	printf 'token-bbbb\n' | dd of=tokens conv=notrunc 2>/dev/null
	touch -d '2020-01-01 00:00:00' tokens
	kill -HUP "$SERVE_PID"
	for _ in $(seq 1200); do
		[ "$(code -H 'Authorization: Bearer token-bbbb' "$URL/routes")" = 200 ] && break
		sleep 0.05
	done
	assert_equal "$(code -H 'Authorization: Bearer token-bbbb' "$URL/routes")" 200
	assert_equal "$(code -H 'Authorization: Bearer token-aaaa' "$URL/routes")" 401
}

@test "tokens: an unreadable or empty token file at start-up is a usage error (status 2)" {
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -routes-token-file missing-tokens
	assert_failure 2
	assert_output --partial "missing-tokens: No such file or directory"
	printf '\n  \n' >empty-tokens
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -routes-token-file empty-tokens
	assert_failure 2
	assert_output --partial "empty-tokens: no token in the file"
}

@test "tokens guard the shard endpoints too" {
	echo tok >tokens
	printf 'apiVersion: v1\nkind: Endpoints\nmetadata: {namespace: ns, name: redis}\nsubsets: [{addresses: [{ip: 10.0.0.1}]}]\n' >cluster.yaml
	start_edge -kubernetes-manifests cluster.yaml -routes-token-file tokens \
		-kubernetes-redis-service-namespace ns -kubernetes-redis-service-name redis
	assert_equal "$(code "$URL/swarm/redis/shards")" 401
	run curl -s -H 'Authorization: Bearer tok' "$URL/swarm/redis/shards"
	assert_output '{"endpoints":[{"address":"10.0.0.1:6379"}]}'
}

# --- TLS and mTLS -------------------------------------------------------------------------

@test "TLS: -enable-tls serves HTTPS with -tls-cert/-tls-key; plain HTTP to the port gets no answer" {
	make_certs
	start_edge -routes-file routes.eskip -enable-tls -tls-cert server.crt -tls-key server.key
	assert_equal "$(code --cacert ca.crt "$URL/routes")" 200
	assert_equal "$(code --cacert ca.crt "$URL/health")" 204
	assert_equal "$(code "http://127.0.0.1:$PORT/routes")" 000
	run curl -s --cacert ca.crt "$URL/routes"
	assert_output "$(printf '%s\n%s' 'a: Path("/a") -> <shunt>;' 'b: * -> "http://b";')"
	# no client certificate is asked for without a CA
	run openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.crt </dev/null
	refute_output --partial 'Acceptable client certificate CA names'
	# The key appears nowhere in the logs.
	run grep -c "PRIVATE KEY" serve.log
	assert_output 0
}

@test "TLS: -tls-cert/-tls-key alone leave the listener plain HTTP, as skipper's routesrv (a shared proxy config)" {
	make_certs
	start_edge -routes-file routes.eskip -tls-cert server.crt -tls-key server.key -mtls-authn-ca ca.crt
	assert_equal "$URL" "http://127.0.0.1:$PORT"
	assert_equal "$(code "$URL/routes")" 200
	assert_equal "$(code --cacert ca.crt "https://127.0.0.1:$PORT/routes")" 000
	run grep -c -- "-tls-cert and -tls-key are not used without -enable-mtls or -enable-tls" serve.log
	assert_output 1
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID" || true
	# The proxy's certificate paths need not exist where routesrv runs: they are not read.
	start_edge -routes-file routes.eskip -tls-cert /nonexistent/proxy.crt -tls-key /nonexistent/proxy.key
	assert_equal "$(code "$URL/routes")" 200
}

@test "TLS: -tls-min-version 1.3 refuses a TLS 1.2 client, the default 1.2 refuses 1.1" {
	make_certs
	start_edge -routes-file routes.eskip -enable-tls -tls-cert server.crt -tls-key server.key -tls-min-version 1.3
	assert_equal "$(code --cacert ca.crt --tls-max 1.2 "$URL/routes")" 000
	assert_equal "$(code --cacert ca.crt --tlsv1.3 "$URL/routes")" 200
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID" || true
	start_edge -routes-file routes.eskip -enable-tls -tls-cert server.crt -tls-key server.key
	assert_equal "$(code --cacert ca.crt --tls-max 1.1 "$URL/routes")" 000
	assert_equal "$(code --cacert ca.crt --tls-max 1.2 "$URL/routes")" 200
}

@test "TLS: several certificate pairs are chosen by the client's SNI name" {
	make_certs
	openssl req -x509 -newkey rsa:2048 -nodes -keyout b.key -out b.crt -subj /CN=b.example \
		-addext subjectAltName=DNS:b.example -days 2 2>/dev/null
	start_edge -routes-file routes.eskip -enable-tls -tls-cert server.crt,b.crt -tls-key server.key,b.key
	subject() {
		openssl s_client -connect "127.0.0.1:$PORT" -servername "$1" </dev/null 2>/dev/null |
			openssl x509 -noout -subject
	}
	run subject b.example
	assert_output --partial "CN = b.example"
	run subject localhost
	assert_output --partial "CN = server-cn"
	run subject unknown.example
	assert_output --partial "CN = server-cn"
}

@test "TLS: certificate errors are skipper's, at start-up (status 2)" {
	make_certs
	serve() { run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip "$@"; }
	serve -enable-tls -tls-cert server.crt,client.crt -tls-key server.key
	assert_failure 2
	assert_output --partial "number of certificates does not match number of keys"
	serve -enable-mtls -mtls-authn-ca ca.crt -tls-cert server.crt -tls-key client.key
	assert_failure 2
	assert_output --partial "failed to load X509 keypair from server.crt and client.key: "
	serve -enable-tls -tls-cert nope.crt -tls-key server.key
	assert_failure 2
	assert_output --partial "failed to load X509 keypair from nope.crt and server.key: open nope.crt: no such file or directory"
	serve -enable-tls -tls-cert server.crt -tls-key server.key -tls-min-version 1.4
	assert_failure 2
	assert_output --partial '-tls-min-version'
	serve -enable-mtls -mtls-authn-ca ca.crt
	assert_failure 2
	assert_output --partial "-enable-mtls needs -tls-cert and -tls-key"
	serve -enable-tls
	assert_failure 2
	assert_output --partial "-enable-tls needs -tls-cert and -tls-key"
	serve -enable-mtls -tls-cert server.crt -tls-key server.key
	assert_failure 2
	assert_output --partial "-enable-mtls needs -mtls-authn-ca or -mtls-authn-append-ca"
	serve -enable-mtls -tls-cert server.crt -tls-key server.key -mtls-authn-ca nope-ca.crt
	assert_failure 2
	assert_output --partial "failed to load CA certificates from nope-ca.crt"
	refute_output --partial "PRIVATE KEY"
}

@test "mTLS (TestMtlsRoutesrv): a verified client certificate is required for every request" {
	make_certs
	start_edge -routes-file routes.eskip -tls-cert server.crt -tls-key server.key -enable-mtls \
		-mtls-authn-ca ca.crt -route-server-filters 'mtlsAuthn() -> mtlsCN("trusted-cn")'
	assert_equal "$(code --cacert ca.crt --cert client.crt --key client.key "$URL/health")" 204
	assert_equal "$(code --cacert ca.crt --cert client.crt --key client.key "$URL/routes")" 200
	# No certificate, or one from another CA: no answer at all, as after a failed handshake.
	assert_equal "$(code --cacert ca.crt "$URL/routes")" 000
	assert_equal "$(code --cacert ca.crt "$URL/health")" 000
	assert_equal "$(code --cacert ca.crt --cert rogue.crt --key rogue.key "$URL/routes")" 000
	# Verified, but not the CN the filter wants: 403.
	assert_equal "$(code --cacert ca.crt --cert other.crt --key other.key "$URL/routes")" 403
}

@test "mTLS filters with -enable-tls: 401 without a certificate, 403 when it does not verify" {
	make_certs
	start_edge -routes-file routes.eskip -enable-tls -tls-cert server.crt -tls-key server.key -mtls-authn-ca ca.crt \
		-route-server-filters 'mtlsAuthn()'
	run curl -s -D - -o /dev/null --cacert ca.crt "$URL/routes"
	assert_line --partial 'HTTP/1.1 401'
	assert_line --partial 'WWW-Authenticate: 127.0.0.1:'
	assert_equal "$(code --cacert ca.crt --cert rogue.crt --key rogue.key "$URL/routes")" 403
	assert_equal "$(code --cacert ca.crt --cert client.crt --key client.key "$URL/routes")" 200
	assert_equal "$(code --cacert ca.crt "$URL/health")" 204
}

# A second CA whose certificates the test puts in the "system" store ($SSL_CERT_FILE or
# $SSL_CERT_DIR, which Go's x509.SystemCertPool reads) and a client certificate from it.
make_system_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout sys-ca.key -out sys-ca.crt -subj /CN=system-ca -days 2 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout sys-client.key -out sys-client.csr -subj /CN=trusted-cn 2>/dev/null
	openssl x509 -req -in sys-client.csr -CA sys-ca.crt -CAkey sys-ca.key -CAcreateserial -out sys-client.crt \
		-days 2 -extfile ext.cnf -extensions cli 2>/dev/null
}

@test "mTLS: -mtls-authn-append-ca adds the system's CAs to -mtls-authn-ca (\$SSL_CERT_FILE as in Go)" {
	make_certs
	make_system_ca
	SSL_CERT_FILE=$PWD/sys-ca.crt start_edge -routes-file routes.eskip -enable-mtls -tls-cert server.crt \
		-tls-key server.key -mtls-authn-ca ca.crt -mtls-authn-append-ca
	assert_equal "$(code --cacert ca.crt --cert sys-client.crt --key sys-client.key "$URL/routes")" 200
	assert_equal "$(code --cacert ca.crt --cert client.crt --key client.key "$URL/routes")" 200
	assert_equal "$(code --cacert ca.crt --cert rogue.crt --key rogue.key "$URL/routes")" 000
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID" || true
	# without the flag the system's CAs do not count
	SSL_CERT_FILE=$PWD/sys-ca.crt start_edge -routes-file routes.eskip -enable-mtls -tls-cert server.crt \
		-tls-key server.key -mtls-authn-ca ca.crt
	assert_equal "$(code --cacert ca.crt --cert sys-client.crt --key sys-client.key "$URL/routes")" 000
	assert_equal "$(code --cacert ca.crt --cert client.crt --key client.key "$URL/routes")" 200
}

@test "mTLS: -mtls-authn-append-ca alone trusts the system's CAs only (\$SSL_CERT_DIR, GnuTLS's store by default)" {
	make_certs
	make_system_ca
	mkdir sys-certs
	cp sys-ca.crt sys-certs/
	SSL_CERT_DIR=$PWD/sys-certs start_edge -routes-file routes.eskip -enable-mtls -tls-cert server.crt \
		-tls-key server.key -mtls-authn-append-ca
	assert_equal "$(code --cacert ca.crt --cert sys-client.crt --key sys-client.key "$URL/routes")" 200
	assert_equal "$(code --cacert ca.crt --cert client.crt --key client.key "$URL/routes")" 000
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID" || true
	# Without the variables: the machine's trust store (ca-certificates), whose CA names
	# the server lists when it asks for a client certificate, next to -mtls-authn-ca's.
	[ -s /etc/ssl/certs/ca-certificates.crt ] || { echo "no system trust store" >&2; false; }
	env -u SSL_CERT_FILE -u SSL_CERT_DIR "$BIN/routesrv-serve" -address "127.0.0.1:$PORT" -support-listener 127.0.0.1:0 \
		-routes-file routes.eskip -enable-mtls -tls-cert server.crt -tls-key server.key -mtls-authn-ca ca.crt \
		-mtls-authn-append-ca >serve.log 2>&1 3>&- &
	SERVE_PID=$!
	for _ in $(seq 1200); do grep -q "routes initialized" serve.log && break; sleep 0.05; done
	names=$(openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.crt </dev/null 2>/dev/null |
		sed -n '/^Acceptable client certificate CA names/,/^Client Certificate Types\|^Requested/p' | grep -c ' = ')
	[ "$names" -gt 10 ] || { echo "only $names CA names listed" >&2; false; }
	run openssl s_client -connect "127.0.0.1:$PORT" -CAfile ca.crt </dev/null
	assert_output --partial 'CN = test-ca'
}

@test "mtlsAuthn on plain HTTP answers 401 with WWW-Authenticate: <Host>" {
	start_edge -routes-file routes.eskip -route-server-filters 'mtlsAuthn()'
	run curl -s -D - -o /dev/null -H 'Host: routesrv.example' "$URL/routes"
	assert_line --partial 'HTTP/1.1 401'
	assert_line --partial 'WWW-Authenticate: routesrv.example'
	assert_equal "$(code "$URL/health")" 204
}

# --- -route-server-filters (B5, B12) -------------------------------------------------------

@test "filters: status(401) -> inlineContent(\"blocked\") blocks everything but /health" {
	start_edge -routes-file routes.eskip -route-server-filters 'status(401) -> inlineContent("blocked")'
	run curl -s -D - "$URL/routes"
	assert_line --partial 'HTTP/1.1 401'
	assert_line --partial 'Content-Type: text/plain; charset=utf-8'
	assert_line 'blocked'
	assert_equal "$(code "$URL/nope")" 401
	assert_equal "$(code "$URL/health")" 204
	# Requests the chain answers are not counted as /routes requests (B8).
	run curl -s "$METRICS"
	refute_output --partial 'key="401"'
}

@test "filters: a passing chain serves the table; the first serving filter ends the chain" {
	start_edge -routes-file routes.eskip -route-server-filters 'annotate("test", "ok")' \
		-route-server-filters 'setResponseHeader("X-Guard", "seen")'
	run curl -s -D - -o /dev/null "$URL/routes"
	assert_line --partial 'HTTP/1.1 200'
	assert_line --partial 'X-Guard: seen'
	assert_line --partial 'X-Count: 2'
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID" || true
	start_edge -routes-file routes.eskip -route-server-filters \
		'annotate("k", "v") -> status(403) -> inlineContent("no", "text/x-test") -> inlineContent("never")'
	run curl -s -D - "$URL/routes"
	assert_line --partial 'HTTP/1.1 403'
	assert_line --partial 'Content-Type: text/x-test'
	assert_line 'no'
}

@test "filters: unknown names and bad arguments stop start-up with skipper's messages" {
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -route-server-filters 'setPath("/x")'
	assert_failure 2
	assert_output --partial 'failed to get filter for routeserver "setPath"'
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -route-server-filters 'status("x")'
	assert_failure 2
	assert_output --partial 'failed to create filter "status" for routeserver: invalid filter parameters'
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -route-server-filters 'status(401) ->'
	assert_failure 2
	assert_output --partial '-route-server-filters'
}

# --- hostile clients ------------------------------------------------------------------------

@test "hostile: oversized header 431, oversized request line 414, then the server goes on" {
	start_edge -routes-file routes.eskip
	assert_equal "$(code -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$URL/routes")" 431
	assert_equal "$(code "$URL/routes?$(head -c 20000 /dev/zero | tr '\0' a)")" 414
	assert_equal "$(code "$URL/routes")" 200
}

@test "hostile: pipelined requests are answered in order" {
	start_edge -routes-file routes.eskip
	run python3 "$HELPERS/hostile_clients.py" pipeline "$PORT"
	assert_success
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line --index 1 'HTTP/1.1 204 No Content'
	assert_line --index 2 'HTTP/1.1 404 Not Found'
	assert_equal "${#lines[@]}" 3
}

@test "hostile: with 1000 idle and 200 slow-header connections open /routes still answers in 1 s" {
	start_edge -routes-file routes.eskip
	"$PYTHON" "$HELPERS/hostile_clients.py" crowd "$PORT" 1000 200 20 crowd.ready >crowd.out 2>&1 3>&- &
	local crowd=$!
	for _ in $(seq 300); do
		[ -s crowd.ready ] && break
		sleep 0.05
	done
	[ -s crowd.ready ] || { cat crowd.out; kill "$crowd"; false; }
	run curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/routes"
	kill "$crowd" 2>/dev/null || true
	wait "$crowd" 2>/dev/null || true
	assert_output 200
}

@test "hostile: a header that never completes is cut off after -read-header-timeout" {
	start_edge -routes-file routes.eskip -read-header-timeout 1s
	run python3 "$HELPERS/hostile_clients.py" header-deadline "$PORT" 10
	assert_output closed
	assert_equal "$(code "$URL/routes")" 200
}

@test "hostile: beyond -max-connections a request waits until a connection closes" {
	start_edge -routes-file routes.eskip -max-connections 4
	run python3 "$HELPERS/hostile_clients.py" limit "$PORT" 4
	assert_line --index 0 waiting
	assert_line --index 1 answered
}

@test "hostile: -max-connections and the timeouts must be positive" {
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -max-connections 0
	assert_failure 2
	run "$BIN/routesrv-serve" -address 127.0.0.1:0 -routes-file routes.eskip -idle-timeout 0s
	assert_failure 2
}

# --- request framing (issue 11 item 7): one 400, then the connection is closed ---------------

# Sends $2 (escapes decoded) to port $1 and expects exactly one status line, 400, and a close.
refused() {
	run python3 "$HELPERS/hostile_clients.py" raw "$1" "$2"
	assert_success
	assert_output "$(printf 'HTTP/1.1 400 Bad Request\nclosed')"
}

@test "framing: Content-Length twice, with Transfer-Encoding, or with a body is refused" {
	start_edge -routes-file routes.eskip
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 0\r\n\r\nhello'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n'
	refused "$PORT" 'POST /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'
	# the body is not read as a second request (no 204 for the /health inside it)
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 37\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n'
}

@test "framing: a negative, huge or non-numeric Content-Length gets one answer, not two header blocks" {
	start_edge -routes-file routes.eskip
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n'
}

@test "framing: malformed header syntax is refused (space or tab before the colon, NUL, CR, folding)" {
	start_edge -routes-file routes.eskip
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nX-A\t: b\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\x00y\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n'
	# a NUL in a field name: libmicrohttpd's own 400, also once
	refused "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nX\x00A: b\r\n\r\n'
}

@test "framing: GET with Content-Length: 0 is served and keeps the connection; the support listener refuses too" {
	start_edge -routes-file routes.eskip
	run python3 "$HELPERS/hostile_clients.py" raw "$PORT" 'GET /routes HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nX-Tab:\ta\t\r\n\r\nGET /health HTTP/1.1\nHost: x\n\n'
	assert_output "$(printf 'HTTP/1.1 200 OK\nopen')"
	run python3 "$HELPERS/hostile_clients.py" raw "$PORT" 'GET /health HTTP/1.0\r\n\r\n'
	assert_output "$(printf 'HTTP/1.1 204 No Content\nclosed')"
	local support=${METRICS#http://127.0.0.1:}
	refused "${support%/metrics}" 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	# refusals are not /routes requests: not counted
	run curl -s "$METRICS"
	refute_output --partial 'key="400"'
}

# --- paths as Go's ServeMux routes them (issue 12, B2) --------------------------------------

path_code() {
	curl -s --path-as-is -o /dev/null -w '%{http_code} %header{location}' "$@"
}

@test "paths: unclean paths are redirected (301) to the cleaned path, query kept" {
	start_edge -routes-file routes.eskip
	assert_equal "$(path_code "$URL/routes/.")" "301 /routes"
	assert_equal "$(path_code "$URL/routes/..")" "301 /"
	assert_equal "$(path_code "$URL//routes")" "301 /routes"
	assert_equal "$(path_code "$URL/./routes?nopretty&limit=5")" "301 /routes?nopretty&limit=5"
	assert_equal "$(path_code "$URL/x/../health")" "301 /health"
	run curl -s --path-as-is -D - "$URL/routes/."
	assert_line --partial 'Content-Type: text/html; charset=utf-8'
	assert_line '<a href="/routes">Moved Permanently</a>.'
	# following the redirect gets the table
	assert_equal "$(curl -s -L --path-as-is -o /dev/null -w '%{http_code}' "$URL//routes")" 200
	# the support listener routes the same way
	assert_equal "$(path_code "${METRICS%/metrics}//metrics")" "301 /metrics"
	assert_equal "$(path_code "${METRICS%/metrics}/metrics/anything")" "200 "
}

@test "paths: escaped slashes, trailing slashes and escaped letters route as in Go" {
	start_edge -routes-file routes.eskip
	assert_equal "$(path_code "$URL/routes%2Fx")" "404 "
	assert_equal "$(path_code "$URL/routes/")" "404 "
	assert_equal "$(path_code "$URL/routes/a/b")" "404 "
	assert_equal "$(path_code "$URL/health/")" "404 "
	assert_equal "$(path_code "$URL/r%6Futes")" "200 "
	assert_equal "$(path_code "$URL/%68ealth")" "204 "
	# a zone with an escaped slash is one zone (unknown here: the full table)
	assert_equal "$(path_code "$URL/routes/a%2Fb")" "200 "
	assert_equal "$(path_code "$URL/routes/%zz")" "400 "
}

# --- shard endpoints (B2.3, TestRedisEndpoints/-Slices, TestValkey...) ------------------------

ENDPOINTS='apiVersion: v1
kind: Endpoints
metadata: {namespace: skipper, name: redis}
subsets:
- addresses: [{ip: 10.2.55.7}, {ip: 10.2.5.7}]
  ports: [{port: 6379}]
---
apiVersion: v1
kind: Endpoints
metadata: {namespace: skipper, name: valkey}
subsets:
- addresses: [{ip: "fd00::2"}, {ip: 10.9.0.1}]
'

SLICES='apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: skipper, name: redis-a, labels: {kubernetes.io/service-name: redis}}
ports: [{port: 6379}]
endpoints:
- addresses: [10.2.55.7]
  conditions: {ready: true}
- addresses: [10.2.9.9]
  conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: skipper, name: redis-b, labels: {kubernetes.io/service-name: redis}}
ports: [{port: 6379}]
endpoints:
- addresses: [10.2.5.7]
- addresses: [10.2.8.8]
  conditions: {ready: true, terminating: true}
'

@test "shards: Endpoints give sorted host:port addresses; IPv6 in brackets; HEAD is 405" {
	printf '%s' "$ENDPOINTS" >cluster.yaml
	start_edge -kubernetes-manifests cluster.yaml \
		-kubernetes-redis-service-namespace skipper -kubernetes-redis-service-name redis \
		-kubernetes-valkey-service-namespace skipper -kubernetes-valkey-service-name valkey \
		-kubernetes-valkey-service-port 7000
	grep -q 'Use endpoints skipper/redis to fetch updated redis shards' serve.log
	grep -q 'Use endpoints skipper/valkey to fetch updated valkey shards' serve.log
	run curl -s -D - "$URL/swarm/redis/shards"
	assert_line --partial 'Content-Type: application/json'
	assert_line '{"endpoints":[{"address":"10.2.5.7:6379"},{"address":"10.2.55.7:6379"}]}'
	run curl -s "$URL/swarm/valkey/shards"
	assert_output '{"endpoints":[{"address":"10.9.0.1:7000"},{"address":"[fd00::2]:7000"}]}'
	assert_equal "$(code -I "$URL/swarm/redis/shards")" 405
	assert_equal "$(code -X POST "$URL/swarm/redis/shards")" 405
	run curl -s "$METRICS"
	assert_output --partial 'routesrv_custom_gauges{key="redis_endpoints"} 2'
}

@test "shards: EndpointSlices are merged (ready, not terminating) with -enable-kubernetes-endpointslices" {
	printf '%s' "$SLICES" >cluster.yaml
	start_edge -kubernetes-manifests cluster.yaml -enable-kubernetes-endpointslices \
		-kubernetes-redis-service-namespace skipper -kubernetes-redis-service-name redis
	run curl -s "$URL/swarm/redis/shards"
	assert_output '{"endpoints":[{"address":"10.2.5.7:6379"},{"address":"10.2.55.7:6379"}]}'
}

@test "shards: an unknown service is an empty list; unconfigured endpoints are 404; updates follow the cluster" {
	printf '%s' "$ENDPOINTS" >cluster.yaml
	start_edge -kubernetes-manifests cluster.yaml \
		-kubernetes-redis-service-namespace other -kubernetes-redis-service-name redis
	run curl -s "$URL/swarm/redis/shards"
	assert_output '{"endpoints":[]}'
	assert_equal "$(code "$URL/swarm/valkey/shards")" 404
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID" || true
	start_edge -kubernetes-manifests cluster.yaml \
		-kubernetes-redis-service-namespace skipper -kubernetes-redis-service-name redis
	sed 's/10.2.55.7/10.2.66.6/' cluster.yaml >cluster.next
	mv cluster.next cluster.yaml
	for _ in $(seq 1200); do
		curl -s "$URL/swarm/redis/shards" | grep -q 10.2.66.6 && break
		sleep 0.05
	done
	run curl -s "$URL/swarm/redis/shards"
	assert_output '{"endpoints":[{"address":"10.2.5.7:6379"},{"address":"10.2.66.6:6379"}]}'
}
