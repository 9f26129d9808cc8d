#!/usr/bin/env bats
# routesrv-compile: inputs (stdin, files, directories), output forms, options, exit codes.

load helpers/common
bats_require_minimum_version 1.5.0

EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"
ROUTE='kube_shop__web__shop_example_org_____web: Host("^(shop[.]example[.]org[.]?(:[0-9]+)?)$") && PathSubtree("/") -> <roundRobin, "http://10.2.0.1:8080", "http://10.2.0.2:8080">;'

# The fixture harness's defaults keep the output to the routes of the objects themselves.
QUIET=(-kubernetes-healthcheck=false -kubernetes-https-redirect=false)

ingress() {
	cat <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  labels: {tier: front}
spec:
  rules:
  - host: shop.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
EOF
}

service() {
	cat <<'EOF'
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, labels: {tier: front}}
spec:
  clusterIP: 10.3.0.1
  ports: [{name: http, port: 80, targetPort: 8080}]
EOF
}

endpoints() {
	cat <<'EOF'
{"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "shop"},
 "subsets": [{"addresses": [{"ip": "10.2.0.1"}, {"ip": "10.2.0.2"}], "ports": [{"name": "http", "port": 8080}]}]}
EOF
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	{ ingress; echo ---; service; echo ---; endpoints; echo ---
	  printf 'kind: ConfigMap\nmetadata: {name: other, namespace: shop}\ndata: {a: b}\n'; } > app.yaml
}

@test "stdin (no operand and -) gives the served form" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" < app.yaml
	assert_success
	assert_output "$ROUTE"
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" - < app.yaml
	assert_success
	assert_output "$ROUTE"
}

@test "files and directories: recursive, *.yaml *.yml *.json only, objects from all of them" {
	mkdir -p dir/nested
	ingress > dir/a-ingress.yaml
	service > dir/nested/b-service.yml
	endpoints > dir/nested/c-endpoints.json
	endpoints | sed 's/10.2.0.1/10.9.9.9/' > dir/nested/notes.txt
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" dir
	assert_success
	assert_output "$ROUTE"
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" dir/a-ingress.yaml dir/nested/b-service.yml dir/nested/c-endpoints.json
	assert_success
	assert_output "$ROUTE"
}

@test "a kubectl-style List and a typed list are read" {
	printf '{"kind":"ServiceList","items":[{"metadata":{"name":"web","namespace":"shop"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080}]}}]}\n' > svc.json
	printf '{"kind":"List","items":[%s]}\n' "$(endpoints | tr -d '\n')" > ep.json
	ingress > ing.yaml
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" ing.yaml svc.json ep.json
	assert_success
	assert_output "$ROUTE"
}

@test "the text ends with a newline: wc -l counts every route; the served bytes and ETag stay" {
	run --separate-stderr bash -c "'$BIN/routesrv-compile' '$EXAMPLES/cluster' | wc -l"
	assert_success
	count=$("$BIN/routesrv-compile" -json "$EXAMPLES/cluster" | jq length)
	[ "$count" -gt 5 ]
	assert_output "$count"
	"$BIN/routesrv-compile" -o table.eskip "$EXAMPLES/cluster"
	[ "$(tail -c 1 table.eskip | od -An -c | tr -d ' ')" = '\n' ]
	# routesrv-etag of the text is the tag of the served bytes: the text without its newline
	"$BIN/routesrv-etag" -o served.eskip table.eskip > tag
	cmp <(cat served.eskip; echo) table.eskip
	assert_equal "$(cat tag)" "\"$(xxhsum -H2 served.eskip | cut -d' ' -f1)\""
	# an empty table is no text at all
	"$BIN/routesrv-compile" "${QUIET[@]}" -o empty.eskip - <<<"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[]}"
	[ ! -s empty.eskip ]
}

@test "CLI defaults add the health-check and redirect routes" {
	run "$BIN/routesrv-compile" app.yaml
	assert_success
	assert_line --partial 'kube__healthz_up: Path("/kube-system/healthz")'
	assert_line --partial 'kube__redirect: '
}

@test "-o writes the file and nothing to stdout" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" -o out.eskip app.yaml
	assert_success
	assert_output ''
	run cat out.eskip
	assert_output "$ROUTE"
}

@test "-o on a device writes into it instead of replacing it" {
	run "$BIN/routesrv-compile" "${QUIET[@]}" -o /dev/null app.yaml
	assert_success
	[ -c /dev/null ]
}

@test "--json prints a JSON array of the routes" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" --json app.yaml
	assert_success
	run jq -r '.[0].id, (.[0].backend.endpoints | length)' <<< "$output"
	assert_output $'kube_shop__web__shop_example_org_____web\n2'
}

@test "--pretty puts each part on its own line, same routes" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" --pretty app.yaml
	assert_success
	assert_line --index 0 'kube_shop__web__shop_example_org_____web: Host("^(shop[.]example[.]org[.]?(:[0-9]+)?)$") && PathSubtree("/")'
	assert_line --index 1 '  -> <roundRobin, "http://10.2.0.1:8080", "http://10.2.0.2:8080">;'
	"$BIN/routesrv-compile" "${QUIET[@]}" --pretty -o pretty.eskip app.yaml
	"$BIN/routesrv-compile" "${QUIET[@]}" -o plain.eskip app.yaml
	run "$BIN/routesrv-diff" -quiet plain.eskip pretty.eskip
	assert_success
}

@test "label selectors drop objects read from files" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" -kubernetes-ingresses-label-selector=tier=front app.yaml
	assert_success
	assert_output "$ROUTE"
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" -kubernetes-ingresses-label-selector=tier=back app.yaml
	assert_success
	assert_output ''
	# The Endpoints carry no labels: with a selector on them the route loses its endpoints.
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" -kubernetes-endpoints-label-selector=tier app.yaml
	assert_success
	refute_output --partial '10.2.0.1'
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" '-kubernetes-services-label-selector=!tier' app.yaml
	assert_success
	refute_output --partial '10.2.0.1'
}

@test "unknown flags and bad values exit 2 with a message" {
	run "$BIN/routesrv-compile" -no-such-flag app.yaml
	assert_failure 2
	assert_line --partial 'unknown flag: -no-such-flag'
	run "$BIN/routesrv-compile" -kubernetes-path-mode=regexp app.yaml
	assert_failure 2
	assert_line --partial 'kubernetes-path-mode'
	run "$BIN/routesrv-compile" -kubernetes-backend-traffic-algorithm=weighted app.yaml
	assert_failure 2
	run "$BIN/routesrv-compile" '-kubernetes-east-west-range-predicates=Foo(' app.yaml
	assert_failure 2
	assert_line --partial 'kubernetes-east-west-range-predicates'
	run "$BIN/routesrv-compile" -kubernetes-annotation-predicates='a=b=True()' -kubernetes-annotation-predicates='a=b=False()' app.yaml
	assert_failure 2
	assert_line --partial 'duplicate annotation key-value pair a=b'
	run "$BIN/routesrv-compile" -kubernetes-annotation-filters-append='no-value' app.yaml
	assert_failure 2
	run "$BIN/routesrv-compile" -kubernetes-ingress-class='(' app.yaml
	assert_failure 2
	assert_line --partial 'kubernetes-ingress-class'
	run "$BIN/routesrv-compile" -kubernetes-services-label-selector='a in (b)' app.yaml
	assert_failure 2
	run "$BIN/routesrv-compile" -application-log-level=chatty app.yaml
	assert_failure 2
	run "$BIN/routesrv-compile" -edit-route=x app.yaml
	assert_failure 2
}

@test "an unparsable file exits 2 naming file, line and column" {
	printf '{"kind": "Service",\n "metadata": {"name": oops}}\n' > bad.json
	run "$BIN/routesrv-compile" bad.json
	assert_failure 2
	assert_output --regexp '^routesrv-compile: bad\.json:2:[0-9]+: '
	printf 'kind: Service\nmetadata:\n  name: a\n - b\n' > bad.yaml
	run "$BIN/routesrv-compile" app.yaml bad.yaml
	assert_failure 2
	assert_output --regexp '^routesrv-compile: bad\.yaml:4:[0-9]+: '
	run "$BIN/routesrv-compile" missing.yaml
	assert_failure 2
	assert_output --partial 'missing.yaml: No such file or directory'
}

@test "an object with a field of the wrong type is skipped with a log line" {
	printf '{"kind":"Service","metadata":{"name":"web","namespace":"shop"},"spec":{"ports":[{"port":"80"}]}}\n' > svc.json
	ingress > ing.yaml
	endpoints > ep.json
	run "$BIN/routesrv-compile" "${QUIET[@]}" ing.yaml svc.json ep.json
	assert_success
	assert_line --partial 'level=error msg="Skipping object with a field of the wrong type"'
	assert_line --partial 'field="spec.ports[0].port" kind=Service name=web ns=shop'
	refute_line --partial '10.2.0.1'
}

@test "-application-log-json-enabled logs JSON lines" {
	printf '{"kind":"Service","metadata":{"name":"x"},"spec":{"ports":"no"}}\n' > svc.json
	run --separate-stderr "$BIN/routesrv-compile" -application-log-json-enabled svc.json
	assert_success
	run jq -r 'select(.kind) | .kind' <<< "$stderr"
	assert_output 'Service'
	# the INFO line with the object counts is a JSON line too
	run jq -r 'select(.kind == null) | .level + " " + .msg' <<< "$stderr"
	assert_output 'info Read 1 object: Service 1 (0 used, 1 skipped)'
}

@test "stderr: one INFO line counting the objects read, used and skipped, at the default level; WARN silences it" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" app.yaml
	assert_success
	assert_output "$ROUTE"
	assert_equal "$(sed 's/^time="[^"]*" //' <<<"$stderr")" \
		'level=info msg="Read 3 objects: Ingress 1 (1 used, 0 skipped), Service 1 (1 used, 0 skipped), Endpoints 1 (1 used, 0 skipped)" other_class=0'
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" -application-log-level WARN app.yaml
	assert_success
	assert_equal "$stderr" ''
}

@test "-zone prints the table of one zone" {
	ingress > ing.yaml
	service > svc.yaml
	cat > slice.yaml <<'EOF'
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x, namespace: shop, labels: {kubernetes.io/service-name: web}}
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- {addresses: [10.2.0.1], zone: a}
- {addresses: [10.2.0.2], zone: a}
- {addresses: [10.2.0.3], zone: a}
- {addresses: [10.2.0.4], zone: b}
EOF
	run "$BIN/routesrv-compile" "${QUIET[@]}" -enable-kubernetes-endpointslices -zone=a ing.yaml svc.yaml slice.yaml
	assert_success
	assert_output --partial '"http://10.2.0.3:8080?zone=a"'
	refute_output --partial '10.2.0.4'
	run "$BIN/routesrv-compile" "${QUIET[@]}" -enable-kubernetes-endpointslices -zone=b ing.yaml svc.yaml slice.yaml
	assert_success
	assert_output --partial '10.2.0.4'
	assert_output --partial '10.2.0.1'
}

@test "a skipper .kube file becomes flags (tests/conformance/kube-flags); -fixture-options is gone" {
	local kube_flags=(python3 "$BATS_TEST_DIRNAME/../conformance/kube-flags") flags
	printf 'httpsRedirect: true\nhttpsRedirectCode: 301\n' > set.kube
	mapfile -t flags < <("${kube_flags[@]}" set.kube)
	run "$BIN/routesrv-compile" "${flags[@]}" app.yaml
	assert_success
	assert_output --partial 'redirectTo(301, "https:")'
	refute_output --partial 'kube__healthz_up'
	printf 'noSuchKey: 1\n' > bad.kube
	run "${kube_flags[@]}" bad.kube
	assert_failure 2
	assert_output --partial 'unknown key noSuchKey'
	run "$BIN/routesrv-compile" -fixture-options set.kube app.yaml
	assert_failure 2
}
