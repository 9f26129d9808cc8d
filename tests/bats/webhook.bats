#!/usr/bin/env bats
# routesrv-webhook (issue 15 section 2), beyond skipper's answers (tests/conformance/
# run-validation): TLS, 400 answers, /healthz, /metrics, -mode=skipper against -mode=full, and
# that it never talks to an API server. Certificates are made with openssl in the test's
# directory, as serve_edge.bats does; the webhook listens on 127.0.0.1.

load helpers/common
load helpers/serve
bats_require_minimum_version 1.5.0

ADMISSION="$(cd "$HELPERS/../.." && pwd)/conformance/skipper-validation/admission"

setup() {
	cd "$BATS_TEST_TMPDIR"
	HOOK_PID=
	API_PID=
	[ -d "$ADMISSION" ] || fail "fixtures missing: $ADMISSION"
}

teardown() {
	if [ -n "$HOOK_PID" ]; then
		kill -TERM "$HOOK_PID" 2>/dev/null || true
		wait "$HOOK_PID" 2>/dev/null || true
	fi
	stop_api
}

# start_webhook FLAGS...: routesrv-webhook on a free loopback port; sets PORT, URL (http or
# https, by whether -tls-cert-file is among the flags), CURL (curl with the CA), HOOK_PID.
start_webhook() {
	PORT=$(closed_port)
	URL="http://127.0.0.1:$PORT"
	CURL=(curl -s)
	if [[ " $* " == *" -tls-cert-file "* ]]; then
		URL="https://127.0.0.1:$PORT"
		CURL=(curl -s --cacert ca.crt)
	fi
	"$BIN/routesrv-webhook" -address "127.0.0.1:$PORT" "$@" >webhook.log 2>&1 3>&- &
	HOOK_PID=$!
	for _ in $(seq 600); do
		[ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] && return 0
		kill -0 "$HOOK_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "routesrv-webhook did not start:" >&2
	cat webhook.log >&2
	return 1
}

# review PATH FILE [CURL ARGS...]: POSTs an AdmissionReview; prints "STATUS BODY".
review() {
	local path=$1 file=$2
	shift 2
	"${CURL[@]}" -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "@$file" "$@" "$URL$path" |
		awk '{ l[NR] = $0 } END { printf "%s", l[NR]; for (i = 1; i < NR; i++) printf " %s", l[i]; print "" }'
}

# allowed ANSWER: the response's "allowed" (true/false), or "none"
allowed() {
	python3 -c 'import json, sys; print(str(json.loads(sys.argv[1].split(" ", 1)[1])["response"]["allowed"]).lower())' "$1"
}

metric_of() { # NAME{LABELS}
	"${CURL[@]}" "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

make_certs() {
	cat >ext.cnf <<-'CNF'
	[srv]
	subjectAltName=IP:127.0.0.1,DNS:routesrv-webhook.kube-system.svc
	extendedKeyUsage=serverAuth
	CNF
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj /CN=test-ca -days 2 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=routesrv-webhook 2>/dev/null
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
		-extfile ext.cnf -extensions srv 2>/dev/null
}

# ingress_review FILE UID ANNOTATIONS: an AdmissionReview of an Ingress with those annotations
# (a JSON object) and a backend Service that exists nowhere.
ingress_review() {
	cat >"$1" <<-JSON
	{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"$2","object":
	 {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"team",
	  "annotations":$3},
	  "spec":{"rules":[{"host":"shop.example.org","http":{"paths":[{"path":"/","pathType":"Prefix",
	   "backend":{"service":{"name":"missing","port":{"number":80}}}}]}}]}}}}
	JSON
}

# An Ingress that skipper's webhook admits (its annotations parse) but whose redirect-code
# annotation skipper's data client rejects when it converts it: only -mode=full refuses it.
linter_only() {
	ingress_review linter-only.json u-lint '{"zalando.org/skipper-ingress-redirect-code":"bad"}'
}

@test "webhook: plain HTTP without certificates: /healthz 200, AdmissionReviews answered, 404 elsewhere; SIGTERM exits 0" {
	start_webhook
	assert_equal "$URL" "http://127.0.0.1:$PORT"
	run "${CURL[@]}" -i "$URL/healthz"
	assert_line --partial 'HTTP/1.1 200'
	assert_line 'ok'
	run review /ingresses "$ADMISSION/ingress/valid-ingress-without-annotations.json"
	assert_output --regexp '^200 '
	assert_equal "$(allowed "$output")" true
	assert_equal "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/other")" 404
	grep -q 'msg="admission webhook listening" address="127.0.0.1:'"$PORT"'" mode=full tls=false' webhook.log
	# SIGTERM ends it with status 0
	kill -TERM "$HOOK_PID"
	st=0
	wait "$HOOK_PID" || st=$?
	HOOK_PID=
	assert_equal "$st" 0
}

@test "webhook: TLS with -tls-cert-file and -tls-key-file (the CA verifies it); plain HTTP gets no answer" {
	make_certs
	start_webhook -tls-cert-file server.crt -tls-key-file server.key
	run review /routegroups "$ADMISSION/rg/rg-with-duplicate-hosts.json"
	assert_output --regexp '^200 '
	assert_equal "$(allowed "$output")" false
	# not trusted without the CA; not HTTP
	assert_equal "$(curl -s -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/healthz")" 000
	assert_equal "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" 000
	grep -q 'tls=true' webhook.log
	refute grep -q 'PRIVATE KEY' webhook.log
}

@test "webhook: TLS start-up errors exit 2: one file without the other, a missing or broken file" {
	make_certs
	run -2 "$BIN/routesrv-webhook" -address 127.0.0.1:0 -tls-cert-file server.crt
	assert_output --partial '-tls-cert-file and -tls-key-file go together'
	run -2 "$BIN/routesrv-webhook" -address 127.0.0.1:0 -tls-cert-file missing.crt -tls-key-file server.key
	assert_output --partial 'missing.crt'
	echo garbage >broken.key
	run -2 "$BIN/routesrv-webhook" -address 127.0.0.1:0 -tls-cert-file server.crt -tls-key-file broken.key
	assert_output --partial 'broken.key'
	run -2 "$BIN/routesrv-webhook" -mode=exact
	assert_output --partial 'must be one of full, skipper'
	# no API server flags: it never asks one
	run -2 "$BIN/routesrv-webhook" -kubernetes-url http://127.0.0.1:1
	assert_output --partial 'unknown flag'
}

@test "webhook: 400 for another method, another or no content type, an unparsable body, no AdmissionReview, over 3 MiB" {
	start_webhook
	good="$ADMISSION/ingress/valid-ingress-without-annotations.json"
	assert_equal "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/ingresses")" 400                       # GET
	assert_equal "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
		--data-binary "@$good" "$URL/ingresses")" 400
	assert_equal "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
		--data-binary "@$good" "$URL/ingresses")" 400
	assert_equal "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type:' --data-binary "@$good" \
		"$URL/routegroups")" 400
	assert_equal "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json; charset=utf-8' \
		--data-binary "@$good" "$URL/ingresses")" 400
	printf '{"request": ' >cut.json
	assert_equal "$(review /ingresses cut.json | cut -d' ' -f1)" 400
	printf '[1, 2]' >array.json
	assert_equal "$(review /routegroups array.json | cut -d' ' -f1)" 400
	printf '{"kind": "AdmissionReview"}' >norequest.json
	assert_equal "$(review /routegroups norequest.json | cut -d' ' -f1)" 400
	# 3 MiB is the limit: a valid review padded to just below it is answered, one byte more is not
	python3 - "$good" <<-'PY'
	import json, sys
	review = json.load(open(sys.argv[1]))
	for name, size in (("limit.json", 3 << 20), ("over.json", (3 << 20) + 1)):
	    review["pad"] = ""
	    text = json.dumps(review)
	    review["pad"] = "x" * (size - len(text))
	    text = json.dumps(review)
	    assert len(text) == size, (name, len(text))
	    open(name, "w").write(text)
	PY
	assert_equal "$(review /ingresses limit.json | cut -d' ' -f1)" 200
	assert_equal "$(review /ingresses over.json | cut -d' ' -f1)" 400
	# invalid requests are counted, and the webhook still answers
	assert_equal "$(metric_of 'routesrv_webhook_invalid_requests_total{admitter="ingress"}')" 6
	assert_equal "$(metric_of 'routesrv_webhook_invalid_requests_total{admitter="routegroup"}')" 3
	assert_equal "$(metric_of 'routesrv_webhook_approved_requests_total{admitter="ingress"}')" 1
	run review /ingresses "$good"
	assert_output --regexp '^200 '
}

@test "webhook: /metrics counts requests, approvals, rejections and durations per admitter, from 0" {
	start_webhook -mode=skipper
	for a in ingress routegroup; do
		for m in requests invalid_requests approved_requests rejected_requests; do
			assert_equal "$(metric_of "routesrv_webhook_${m}_total{admitter=\"$a\"}")" 0
		done
		assert_equal "$(metric_of "routesrv_webhook_admission_duration_seconds_count{admitter=\"$a\"}")" 0
	done
	approved=0 rejected=0
	for f in "$ADMISSION"/ingress/*.json; do
		ans=$(review /ingresses "$f")
		if [ "$(allowed "$ans")" = true ]; then approved=$((approved + 1)); else rejected=$((rejected + 1)); fi
	done
	[ "$approved" -ge 1 ] && [ "$rejected" -ge 1 ]
	review /routegroups "$ADMISSION/rg/rg-with-duplicate-hosts.json" >/dev/null
	assert_equal "$(metric_of 'routesrv_webhook_requests_total{admitter="ingress"}')" $((approved + rejected))
	assert_equal "$(metric_of 'routesrv_webhook_approved_requests_total{admitter="ingress"}')" "$approved"
	assert_equal "$(metric_of 'routesrv_webhook_rejected_requests_total{admitter="ingress"}')" "$rejected"
	assert_equal "$(metric_of 'routesrv_webhook_rejected_requests_total{admitter="routegroup"}')" 1
	assert_equal "$(metric_of 'routesrv_webhook_admission_duration_seconds_count{admitter="ingress"}')" $((approved + rejected))
	assert_equal "$(metric_of 'routesrv_webhook_admission_duration_seconds_bucket{admitter="routegroup",le="+Inf"}')" 1
	run "${CURL[@]}" "$URL/metrics"
	assert_line '# TYPE routesrv_webhook_admission_duration_seconds histogram'
	assert_line --regexp '^routesrv_build_info\{version="[0-9.]+"\} 1$'
	assert_line --regexp '^process_resident_memory_bytes [0-9.e+]+$'
}

@test "webhook: -mode=skipper admits what only the linter rejects; -mode=full rejects it with the data client's message, not the warnings" {
	linter_only
	start_webhook -mode=skipper
	run review /ingresses linter-only.json
	assert_equal "$(allowed "$output")" true
	kill -TERM "$HOOK_PID"; wait "$HOOK_PID" || true; HOOK_PID=
	start_webhook
	run review /ingresses linter-only.json
	assert_equal "$(allowed "$output")" false
	assert_output --partial '"uid":"u-lint"'
	assert_output --partial '"message":"invalid redirect code annotation: bad"'
	# routesrv-compile -check says the same about the object
	python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["request"]["object"]))' linter-only.json >obj.json
	run -1 "$BIN/routesrv-compile" -check obj.json
	assert_output 'obj.json:1: Ingress team/shop: invalid redirect code annotation: bad'
	# what -check only warns about (an unknown filter name; the Service, which the webhook
	# never looks up) is admitted
	ingress_review warn.json u-warn '{"zalando.org/skipper-filter":"setRequestHeaderr(\"a\", \"b\")"}'
	run review /ingresses warn.json
	assert_equal "$(allowed "$output")" true
	python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["request"]["object"]))' warn.json >warn-obj.json
	printf '{"apiVersion":"v1","kind":"Service","metadata":{"namespace":"team","name":"missing"},"spec":{"ports":[{"port":80,"targetPort":8080}]}}\n' >svc.json
	run -0 "$BIN/routesrv-compile" -check warn-obj.json svc.json
	assert_output --partial 'warning: unknown filter "setRequestHeaderr"'
}

@test "webhook: a review without an object (DELETE) is admitted by -mode=full; -mode=skipper answers as skipper" {
	printf '%s' '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-del","operation":"DELETE","object":null,"oldObject":{"metadata":{"name":"x","namespace":"y"}}}}' >delete.json
	start_webhook
	for path in /ingresses /routegroups; do
		run review "$path" delete.json
		assert_output --regexp '^200 '
		assert_output --partial '"uid":"u-del"'
		assert_equal "$(allowed "$output")" true
	done
	kill -TERM "$HOOK_PID"; wait "$HOOK_PID" || true; HOOK_PID=
	start_webhook -mode=skipper
	run review /ingresses delete.json
	assert_equal "$(allowed "$output")" true
	run review /routegroups delete.json
	assert_equal "$(allowed "$output")" false
	assert_output --partial '"message":"route group without name"'
}

@test "webhook: never contacts an API server, whatever the environment offers" {
	start_api
	cat >kubeconfig <<-EOF
	apiVersion: v1
	kind: Config
	clusters: [{name: c, cluster: {server: "$API"}}]
	contexts: [{name: c, context: {cluster: c}}]
	current-context: c
	EOF
	PORT=$(closed_port)
	URL="http://127.0.0.1:$PORT"
	CURL=(curl -s)
	KUBECONFIG=$PWD/kubeconfig KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$API_PORT \
		"$BIN/routesrv-webhook" -address "127.0.0.1:$PORT" >webhook.log 2>&1 3>&- &
	HOOK_PID=$!
	for _ in $(seq 600); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ] && break
		sleep 0.05
	done
	linter_only
	for f in "$ADMISSION"/ingress/*.json linter-only.json; do review /ingresses "$f" >/dev/null; done
	for f in "$ADMISSION"/rg/*.json; do review /routegroups "$f" >/dev/null; done
	assert_equal "$(metric_of 'routesrv_webhook_requests_total{admitter="ingress"}')" 6
	# the fake API server logs every connection and request: none came; one of ours does
	[ ! -s "$BATS_TEST_TMPDIR/api.log" ]
	curl -s -o /dev/null "$API/api/v1/services"
	grep -q '"path": "/api/v1/services"' "$BATS_TEST_TMPDIR/api.log"
}
