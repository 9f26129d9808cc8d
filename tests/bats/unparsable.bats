#!/usr/bin/env bats
# Routes skipper could not parse are dropped, not served (route_process's last step): one bad
# Kubernetes object must not make the whole table unparsable for every skipper.

load helpers/common
bats_require_minimum_version 1.5.0

QUIET=(-kubernetes-healthcheck=false -kubernetes-https-redirect=false)

GOOD_INGRESS='kube_shop__api__api_example_org_____api: Host("^(api[.]example[.]org[.]?(:[0-9]+)?)$") && PathSubtree("/") -> <roundRobin, "http://10.2.1.1:8080", "http://10.2.1.2:8080">;'
GOOD_RG='kube_rg__shop__rg__all__0_0: Host("^(rg[.]example[.]org[.]?(:[0-9]+)?)$") && Path("/good") -> "http://app.example.org";'

# Two Ingresses, one of whose Endpoints has an IP with a space; a RouteGroup with a good
# route and one with Header("a", 1), which the predicate-list parser accepts but skipper's
# route parser rejects.
cluster() {
	cat <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - host: shop.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  rules:
  - host: api.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: api, port: {number: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.3.0.1
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  clusterIP: 10.3.0.2
  ports: [{name: http, port: 80, targetPort: 8080}]
---
{"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "shop"},
 "subsets": [{"addresses": [{"ip": "10.2.0.1"}, {"ip": "10.2.0 .2"}], "ports": [{"name": "http", "port": 8080}]}]}
---
{"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "api", "namespace": "shop"},
 "subsets": [{"addresses": [{"ip": "10.2.1.1"}, {"ip": "10.2.1.2"}], "ports": [{"name": "http", "port": 8080}]}]}
---
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {name: rg, namespace: shop}
spec:
  hosts: [rg.example.org]
  backends:
  - {name: app, type: network, address: "http://app.example.org"}
  defaultBackends: [{backendName: app}]
  routes:
  - path: /good
  - path: /bad
    predicates: ['Header("a", 1)']
EOF
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	cluster > cluster.yaml
}

teardown() {
	if [ -n "${SERVE_PID:-}" ]; then kill -INT "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
}

@test "an Endpoints IP with a space and Header(\"a\", 1) drop their routes, logged; the rest is served" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" cluster.yaml
	assert_success
	assert_line --index 1 "$GOOD_RG"
	assert_line --index 2 "$GOOD_INGRESS"
	refute_output --partial 'kube_shop__web__'
	refute_output --partial 'Header("a", 1)'
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *'level=error msg="Dropping route that skipper could not parse" error="invalid route \"kube_rg__shop__rg__all__1_0\": Header predicate expects 2 string arguments" id=kube_rg__shop__rg__all__1_0'* ]]
	[[ "$stderr" == *'level=error msg="Dropping route that skipper could not parse" error="parse \"http://10.2.0 .2:8080\": invalid character \" \" in host name" id=kube_shop__web__shop_example_org_____web'* ]]
	[ "$(grep -c Dropping <<<"$stderr")" -eq 2 ]
}

@test "the table served with dropped routes parses (routesrv-etag reads it)" {
	"$BIN/routesrv-compile" "${QUIET[@]}" -o table.eskip cluster.yaml 2>/dev/null
	run "$BIN/routesrv-etag" -o served.eskip table.eskip
	assert_success
	cmp table.eskip <(cat served.eskip; echo)   # compile ends its text with a newline
}

@test "an Endpoints IP with a %04 escape drops its route; JSON logs carry the id and the error" {
	sed 's/10.2.0 .2/10.2.0.%04/' cluster.yaml > escaped.yaml
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" -application-log-json-enabled escaped.yaml
	assert_success
	refute_output --partial 'kube_shop__web__'
	[[ "$stderr" == *'"error":"parse \"http://10.2.0.%04:8080\": invalid URL escape \"%04\""'* ]]
	[[ "$stderr" == *'"id":"kube_shop__web__shop_example_org_____web"'* ]]
}

@test "without bad objects nothing is dropped and nothing is logged" {
	sed -e 's/10.2.0 .2/10.2.0.2/' -e '/Header("a", 1)/d' cluster.yaml > fine.yaml
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" fine.yaml
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	# only the INFO line counting the objects, none skipped
	[ "$(without_counts <<<"$stderr")" = '' ]
	[[ "$stderr" == *'msg="Read '*' objects: Ingress '*' skipped)'* ]]
	refute grep -q ' [1-9][0-9]* skipped' <<<"$stderr"
}

@test "routesrv-etag drops a route whose number overflows to +Inf, as serve does" {
	printf 'a: * -> f(%s) -> <shunt>;\nb: * -> <shunt>;' "$(printf '9%.0s' $(seq 400))" > inf.eskip
	run --separate-stderr "$BIN/routesrv-etag" -o served.eskip inf.eskip
	assert_success
	[ "$(cat served.eskip)" = 'b: * -> <shunt>;' ]
	[[ "$stderr" == *'msg="Dropping route that skipper could not parse" error="parse failed after token (, last route id: a, position 10: syntax error" id=a'* ]]
	run "$BIN/routesrv-etag" served.eskip
	assert_success
}

@test "routesrv-serve drops them too and counts them in routes.unparsable_dropped" {
	load helpers/serve
	mkdir manifests && cp cluster.yaml manifests/
	# One cycle only: a file younger than 2 s is read again by the next cycle (its
	# fingerprint is not settled), which would drop and count the routes again.
	start_serve -kubernetes-manifests manifests -source-poll-timeout 600000 "${QUIET[@]}"
	wait_log "routes initialized"
	run curl -s "$URL/routes"
	assert_line "$GOOD_RG"
	refute_output --partial 'kube_shop__web__'
	assert_equal "$(metric 'routesrv_custom_total{key="routes.unparsable_dropped"}')" 2
}
