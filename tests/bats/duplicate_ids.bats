#!/usr/bin/env bats
# Two objects whose routes share an id (skipper's §9.2 de-duplication): skipper keeps the
# first route and logs the one it ignores. The log line names the ignored route's object
# (kind= name= ns=, and source= for a file) in every compile, not only under -check.

load helpers/common
load helpers/serve
bats_require_minimum_version 1.5.0

QUIET=(-kubernetes-healthcheck=false -kubernetes-https-redirect=false)

# "a--b"/"c" and "a"/"b--c" both give route ids kube_a__b__c__…; the Prefix path of a--b/c
# (PathSubtree) comes after the Exact one (Path), so its route is the one ignored.
cluster() {
	cat <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: c, namespace: a--b}
spec:
  rules:
  - host: shop.example.org
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b--c, namespace: a}
spec:
  rules:
  - host: shop.example.org
    http:
      paths:
      - {path: /, pathType: Exact, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a--b}
spec: {clusterIP: 10.3.0.1, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec: {clusterIP: 10.3.0.2, ports: [{port: 80}]}
EOF
}

# skipper's message, unchanged, then the fields naming the object
IGNORED='level=error msg="Ignoring route with the same id kube_a__b__c__shop_example_org_____web, existing: Host(/^(shop[.]example[.]org[.]?(:[0-9]+)?)$/) && Path(\"/\") -> status(502) -> inlineContent(\"no endpoints\") -> <shunt>, ignored: Host(/^(shop[.]example[.]org[.]?(:[0-9]+)?)$/) && PathSubtree(\"/\") -> status(502) -> inlineContent(\"no endpoints\") -> <shunt>" kind=Ingress name=c ns=a--b'

setup() {
	cd "$BATS_TEST_TMPDIR"
	cluster > cluster.yaml
}

teardown() {
	stop_serve
}

@test "routesrv-compile: the ignored duplicate's line names its object and file" {
	run --separate-stderr "$BIN/routesrv-compile" "${QUIET[@]}" cluster.yaml
	assert_success
	assert_output --partial 'Path("/")'
	refute_output --partial 'PathSubtree'
	[ "$(grep -c 'Ignoring route with the same id' <<<"$stderr")" -eq 1 ] || fail "$stderr"
	grep -qF "$IGNORED source=cluster.yaml" <<<"$stderr" || fail "$stderr"
}

@test "routesrv-serve -kubernetes-manifests: the ignored duplicate's line names its object and file" {
	mkdir manifests && cp cluster.yaml manifests/
	start_serve -kubernetes-manifests manifests -source-poll-timeout 600000 "${QUIET[@]}"
	wait_log "routes initialized"
	grep -F 'Ignoring route with the same id' serve.log | grep -qF "$IGNORED source=manifests/cluster.yaml" ||
		fail "$(cat serve.log)"
}
