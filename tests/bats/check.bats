#!/usr/bin/env bats
# routesrv-compile -check (issue 15) and the loud failures of issue 17 section 1.

load helpers/common
bats_require_minimum_version 1.5.0

CHECK_FIXTURES="$(cd "$HELPERS/../fixtures/check" && pwd)"

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$CHECK_FIXTURES/cluster.yaml" .
}

@test "-check: errors and every warning kind, sorted by file and line, exit 1" {
	run -1 "$BIN/routesrv-compile" -check cluster.yaml
	assert_line --index 0 'cluster.yaml:9: Ingress default/bad-filter: [ingress] invalid "zalando.org/skipper-filter" annotation: parse failed after token this, position 4: syntax error'
	assert_line 'cluster.yaml:25: Ingress default/typo: warning: Failed to get service nosvc, 80'
	assert_line --partial 'cluster.yaml:25: Ingress default/typo: warning: unknown filter "setRequestHeaderr"'
	assert_line --partial 'cluster.yaml:25: Ingress default/typo: warning: host b.example.org PathSubtree("/"): also claimed by Ingress default/dup'
	assert_line 'cluster.yaml:58: RouteGroup default/rg: [routegroup] duplicate host "a.example.org"'
	assert_line --partial 'cluster.yaml:71: RouteGroup default/rg2: warning: catch-all route kube_rg____c_example_org__catchall__0_0'
	assert_line --partial 'shadows Ingress default/plain on host c.example.org'
	# sorted by line
	lines=$(printf '%s\n' "${lines[@]}" | cut -d: -f2)
	[ "$lines" = "$(printf '%s\n' "$lines" | sort -n)" ]
}

@test "-check: missing Services are not reported when the inputs hold no Service" {
	grep -v '^$' cluster.yaml | awk 'BEGIN{RS="---\n"; ORS="---\n"} !/kind: Service\n/' >noservices.yaml
	run -1 "$BIN/routesrv-compile" -check noservices.yaml
	refute_output --partial 'Failed to get service'
	assert_output --partial '[routegroup] duplicate host'
}

@test "-check: nothing to report exits 0 and prints nothing" {
	cat >good.yaml <<'YAML'
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {namespace: default, name: ok}
spec:
  hosts: [ok.example.org]
  backends: [{name: b, type: shunt}]
  routes: [{pathSubtree: /, filters: ['status(200)'], backends: [{backendName: b}]}]
YAML
	run -0 "$BIN/routesrv-compile" -check good.yaml
	assert_output ''
}

@test "-check-warnings=error: warnings alone exit 1; warn: 0" {
	cat >warn.yaml <<'YAML'
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {namespace: default, name: typo}
spec:
  hosts: [ok.example.org]
  backends: [{name: b, type: shunt}]
  routes: [{pathSubtree: /, filters: ['stauts(200)'], backends: [{backendName: b}]}]
YAML
	run -0 "$BIN/routesrv-compile" -check warn.yaml
	assert_output --partial 'warn.yaml:1: RouteGroup default/typo: warning: unknown filter "stauts"'
	run -1 "$BIN/routesrv-compile" -check -check-warnings=error warn.yaml
}

@test "-check-format=json: one object per problem with file, line, kind, namespace, name, severity, message, path" {
	run -1 "$BIN/routesrv-compile" -check -check-format=json cluster.yaml
	first=$(printf '%s\n' "$output" | head -n 1)
	python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o=={"file":"cluster.yaml","line":9,"kind":"Ingress","namespace":"default","name":"bad-filter","severity":"error","message":"[ingress] invalid \"zalando.org/skipper-filter\" annotation: parse failed after token this, position 4: syntax error","path":"metadata.annotations[\"zalando.org/skipper-filter\"]"}, o' "$first"
	printf '%s\n' "$output" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	assert_output --partial '"severity":"warning"'
}

@test "-check: line numbers in JSON lists and stdin" {
	python3 -c '
import json
print(json.dumps({"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"zalando.org/v1","kind":"RouteGroup","metadata":{"namespace":"a","name":"good"},"spec":{"hosts":["x.org"],"backends":[{"name":"b","type":"shunt"}],"defaultBackends":[{"backendName":"b"}]}},
 {"apiVersion":"zalando.org/v1","kind":"RouteGroup","metadata":{"namespace":"a","name":"bad"},"spec":{"hosts":["y.org","y.org"],"backends":[{"name":"b","type":"shunt"}],"defaultBackends":[{"backendName":"b"}]}}]}, indent=1))' >list.json
	line=$(grep -n '"kind": "RouteGroup"' list.json | sed -n 2p | cut -d: -f1)
	run -1 "$BIN/routesrv-compile" -check list.json
	# the item's line: its opening brace, two lines above its "kind" (indent=1)
	assert_output "list.json:$((line - 2)): RouteGroup a/bad: [routegroup] duplicate host \"y.org\""
	run -1 "$BIN/routesrv-compile" -check - <list.json
	assert_output "-:$((line - 2)): RouteGroup a/bad: [routegroup] duplicate host \"y.org\""
}

@test "-check: unreadable input, no Kubernetes objects or flags that do not go with -check exit 2" {
	run -2 "$BIN/routesrv-compile" -check missing.yaml
	assert_output --partial 'missing.yaml: No such file or directory'
	run -2 "$BIN/routesrv-compile" -check - </dev/null
	assert_output --partial 'holds no Kubernetes object'
	run -2 "$BIN/routesrv-compile" -check -check-format=xml cluster.yaml
	# flags that do not go together
	run -2 "$BIN/routesrv-compile" -check -json cluster.yaml
	assert_output --partial '-check prints problems, not routes'
	run -2 "$BIN/routesrv-compile" -check -zone eu-central-1a cluster.yaml
	run -2 "$BIN/routesrv-compile" -check-format=json cluster.yaml
	assert_output --partial '-check-format and -check-warnings go with -check'
	run -2 "$BIN/routesrv-compile" -check-warnings=error cluster.yaml
}

@test "issue 17: input that is not Kubernetes objects fails with exit 2, naming file and what was found" {
	run -2 "$BIN/routesrv-compile" /etc/passwd
	assert_output 'routesrv-compile: /etc/passwd:1: not a Kubernetes object: a text (a string), not a mapping'
	run -2 "$BIN/routesrv-compile" - <<<'{}'
	assert_output 'routesrv-compile: -:1: not a Kubernetes object: an empty object ({})'
	run -2 "$BIN/routesrv-compile" - <<<'hello: world'
	assert_output 'routesrv-compile: -:1: not a Kubernetes object: no "kind" (keys: hello)'
	run -2 "$BIN/routesrv-compile" - </dev/null
	assert_output 'routesrv-compile: -: holds no Kubernetes object (empty)'
	run -2 "$BIN/routesrv-compile" - <<<'[{"apiVersion":"v1","kind":"Service"}]'
	assert_output --partial 'routesrv-compile: -:1: not a Kubernetes object: a JSON array (jq -s output?'
	printf 'r1: Path("/") -> "http://x";\n' >routes.eskip
	run -2 "$BIN/routesrv-compile" routes.eskip
	assert_output 'routesrv-compile: routes.eskip:1: not a Kubernetes object: no "kind" (keys: r1)'
	# a pipeline whose fetch failed hands compile nothing: the pipeline fails
	run -2 bash -c 'set -o pipefail; true | "$1/routesrv-compile" -' _ "$BIN"
	# a List without an items array is no empty cluster
	run -2 "$BIN/routesrv-compile" - <<<'{"apiVersion":"v1","kind":"List"}'
	assert_output 'routesrv-compile: -:1: not a Kubernetes object: a List without an "items" array (missing, null or not an array)'
	run -2 "$BIN/routesrv-compile" - <<<'{"apiVersion":"v1","kind":"IngressList","items":null}'
	assert_output --partial 'not a Kubernetes object: an IngressList without an "items" array'
	printf 'apiVersion: v1\nkind: List\nitems: {}\n' >badlist.yaml
	run -2 "$BIN/routesrv-compile" badlist.yaml
	assert_output --partial 'badlist.yaml:1: not a Kubernetes object: a List without an "items" array'
	# a well-formed empty List is fine
	run -0 "$BIN/routesrv-compile" -kubernetes-healthcheck=false -kubernetes-https-redirect=false - <<<'{"apiVersion":"v1","kind":"List","items":[]}'
}

@test "issue 17: INFO (the default) says how many objects of each kind were read, used and skipped; class skips listed at DEBUG" {
	cat >classed.yaml <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: default
  name: public
  annotations: {kubernetes.io/ingress.class: public}
spec:
  rules: [{host: p.example.org, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc, port: {number: 80}}}}]}}]
YAML
	# INFO is the default level
	run -0 --separate-stderr "$BIN/routesrv-compile" -kubernetes-ingress-class '^skipper$' cluster.yaml classed.yaml
	count=$(printf '%s\n' "$stderr" | grep -c 'msg="Read ')
	[ "$count" -eq 1 ]
	printf '%s\n' "$stderr" | grep -F 'msg="Read 9 objects: Ingress 5 (3 used, 2 skipped), RouteGroup 2 (1 used, 1 skipped), Service 1 (1 used, 0 skipped), Endpoints 1 (1 used, 0 skipped)" other_class=1'
	refute grep -F 'Skipping object of another class' <<<"$stderr"
	run -0 --separate-stderr "$BIN/routesrv-compile" -application-log-level DEBUG -kubernetes-ingress-class '^skipper$' cluster.yaml classed.yaml
	printf '%s\n' "$stderr" | grep -F 'msg="Skipping object of another class" kind=Ingress name=public ns=default source=classed.yaml'
	run -0 --separate-stderr "$BIN/routesrv-compile" -application-log-level WARN cluster.yaml
	refute grep -F 'msg="Read ' <<<"$stderr"
}

@test "issue 17: every log line about an object names it, with source=FILE; RouteGroup errors too" {
	run -0 --separate-stderr "$BIN/routesrv-compile" cluster.yaml
	printf '%s\n' "$stderr" | grep -F 'level=error msg="[routegroup] duplicate host \"a.example.org\"" kind=RouteGroup name=rg ns=default source=cluster.yaml'
	printf '%s\n' "$stderr" | grep -F 'msg="Failed to get service nosvc, 80" kind=Ingress name=typo ns=default source=cluster.yaml'
	refute bash -c 'grep "level=error" | grep -v "kind=.* name=.* ns=.* source=cluster.yaml"' <<<"$stderr"
}

@test "issue 17: EndpointSlices without -enable-kubernetes-endpointslices: one warning" {
	cat >slices.yaml <<'YAML'
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: default, name: s1, labels: {kubernetes.io/service-name: svc}}
ports: [{port: 8080}]
endpoints: [{addresses: [10.0.0.1]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {namespace: default, name: s2, labels: {kubernetes.io/service-name: svc}}
ports: [{port: 8080}]
endpoints: [{addresses: [10.0.0.2]}]
YAML
	run -0 --separate-stderr "$BIN/routesrv-compile" slices.yaml
	[ "$(printf '%s\n' "$stderr" | grep -c 'EndpointSlices ignored: -enable-kubernetes-endpointslices is not set')" -eq 1 ]
	run -0 --separate-stderr "$BIN/routesrv-compile" -enable-kubernetes-endpointslices slices.yaml
	refute grep -F 'EndpointSlices ignored' <<<"$stderr"
}

@test "issue 17: a Helm template in a directory is skipped with a message naming it" {
	mkdir chart
	cp cluster.yaml chart/a.yaml
	cat >chart/deployment.yaml <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .Release.Name }}
spec:
  rules:
  {{- range .Values.hosts }}
  - host: {{ . }}
  {{- end }}
YAML
	run -0 --separate-stderr "$BIN/routesrv-compile" chart
	printf '%s\n' "$stderr" | grep -F 'level=warning msg="Skipping a file that looks like a Helm template (render it first: helm template)" line=4 source=chart/deployment.yaml'
	assert_output --partial 'kube_default__typo__'
}

@test "-check: unknown names where the object writes them, also without Endpoints (manifests in CI)" {
	cat >names.yaml <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: team
  name: shop
  annotations:
    zalando.org/skipper-filter: setRequestHeaderr("a", "b") -> status(200)
    zalando.org/skipper-predicate: Hedaer("a", "b")
    zalando.org/skipper-routes: 'r1: Cookei("c") -> stauts(404) -> <shunt>;'
spec:
  rules: [{host: shop.example.org, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: v1
kind: Service
metadata: {namespace: team, name: web}
spec: {ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {namespace: team, name: rg}
spec:
  hosts: [rg.example.org]
  backends: [{name: b, type: shunt}]
  routes:
  - {pathSubtree: /, predicates: ['Method("GET")', 'Trafic(0.5)'], filters: ['status(200)', 'inlineContnet("x")'], backends: [{backendName: b}]}
YAML
	run -0 "$BIN/routesrv-compile" -check -check-format=json names.yaml
	python3 - "$output" <<-'PY'
	import json, sys
	got = sorted((p["name"], p["message"].split(":")[0], p["path"]) for p in map(json.loads, sys.argv[1].splitlines())
	             if p["message"].startswith("unknown"))
	want = sorted([
	    ("shop", 'unknown filter "setRequestHeaderr"', 'metadata.annotations["zalando.org/skipper-filter"]'),
	    ("shop", 'unknown predicate "Hedaer"', 'metadata.annotations["zalando.org/skipper-predicate"]'),
	    ("shop", 'unknown predicate "Cookei"', 'metadata.annotations["zalando.org/skipper-routes"]'),
	    ("shop", 'unknown filter "stauts"', 'metadata.annotations["zalando.org/skipper-routes"]'),
	    ("rg", 'unknown predicate "Trafic"', "spec.routes[0].predicates[1]"),
	    ("rg", 'unknown filter "inlineContnet"', "spec.routes[0].filters[1]"),
	])
	assert got == want, got
	PY
}

@test "-check: a backend Service port that does not exist is a warning (only when the inputs hold Services)" {
	cat >ports.yaml <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: team, name: shop}
spec:
  rules:
  - host: shop.example.org
    http:
      paths:
      - {path: /a, pathType: Prefix, backend: {service: {name: web, port: {number: 81}}}}
      - {path: /b, pathType: Prefix, backend: {service: {name: web, port: {name: admin}}}}
      - {path: /c, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
YAML
	cat >svc.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata: {namespace: team, name: web}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
YAML
	run -0 "$BIN/routesrv-compile" -check ports.yaml svc.yaml
	assert_line 'ports.yaml:1: Ingress team/shop: warning: Service web has no port 81: the path'"'"'s route answers 502 "no endpoints"'
	assert_line 'ports.yaml:1: Ingress team/shop: warning: Service web has no port admin: the path'"'"'s route answers 502 "no endpoints"'
	[ "${#lines[@]}" -eq 2 ]
	run -1 "$BIN/routesrv-compile" -check -check-warnings=error ports.yaml svc.yaml
	# manifests without Services: nothing to compare with
	run -0 "$BIN/routesrv-compile" -check ports.yaml
	assert_output ''
	# compile logs nothing about it, as skipper
	run -0 --separate-stderr "$BIN/routesrv-compile" ports.yaml svc.yaml
	refute grep -F 'no port' <<<"$stderr"
}

@test "-check-format=json: annotation errors carry the annotation's path" {
	cat >anns.yaml <<'YAML'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: team
  name: shop
  annotations:
    zalando.org/ratelimit: 'ratelimit(('
    zalando.org/backend-weights: '{"web": '
    zalando.org/skipper-ingress-path-mode: bogus
    zalando.org/skipper-ingress-redirect-code: "999"
spec:
  rules: [{host: shop.example.org, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
YAML
	run -1 "$BIN/routesrv-compile" -check -check-format=json anns.yaml
	python3 - "$output" <<-'PY'
	import json, sys
	got = sorted((p["message"].split(":")[0], p.get("path")) for p in map(json.loads, sys.argv[1].splitlines()))
	want = sorted([
	    ("invalid redirect code annotation", 'metadata.annotations["zalando.org/skipper-ingress-redirect-code"]'),
	    ("Cannot parse annotation filters", 'metadata.annotations["zalando.org/ratelimit"]'),
	    ("Error while parsing backend-weights annotation", 'metadata.annotations["zalando.org/backend-weights"]'),
	    ("Failed to get path mode", 'metadata.annotations["zalando.org/skipper-ingress-path-mode"]'),
	])
	assert got == want, got
	PY
}

@test "-check: a route skipper could not parse is an error of the object it came from" {
	cat >rg.yaml <<'YAML'
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {name: rg, namespace: shop}
spec:
  hosts: [rg.example.org]
  backends: [{name: app, type: network, address: "http://app.example.org"}]
  defaultBackends: [{backendName: app}]
  routes:
  - path: /good
  - path: /bad
    predicates: ['Header("a", 1)']
YAML
	run -1 "$BIN/routesrv-compile" -check -kubernetes-https-redirect=false rg.yaml
	assert_output 'rg.yaml:1: RouteGroup shop/rg: Dropping route that skipper could not parse: route kube_rg__shop__rg__all__1_0: invalid route "kube_rg__shop__rg__all__1_0": Header predicate expects 2 string arguments'
}

@test "issue 17: fetch from a closed port | compile | etag: the pipeline fails and compile says why" {
	run bash -c 'set -o pipefail; "$1/routesrv-fetch" -kubernetes-url http://127.0.0.1:1 | "$1/routesrv-compile" | "$1/routesrv-etag" -o routes.eskip; s=("${PIPESTATUS[@]}"); echo "status ${s[*]}"; exit "${s[1]}"' _ "$BIN"
	assert_failure 2
	assert_line --partial 'routesrv-compile: -: holds no Kubernetes object (empty)'
	assert_line --regexp '^status [1-9][0-9]* 2 0$'
}

@test "-check: a RouteGroup without a namespace is named default/NAME, as skipper reads it" {
	cat >nons.yaml <<'YAML'
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {name: typo}
spec:
  hosts: [ok.example.org]
  backends: [{name: b, type: shunt}]
  routes: [{pathSubtree: /, filters: ['stauts(200)'], backends: [{backendName: b}]}]
---
apiVersion: zalando.org/v1
kind: RouteGroup
metadata: {name: other}
spec:
  hosts: [ok.example.org]
  backends: [{name: b, type: shunt}]
  routes: [{pathSubtree: /, backends: [{backendName: b}]}]
YAML
	run -0 "$BIN/routesrv-compile" -check nons.yaml
	assert_line --partial 'nons.yaml:1: RouteGroup default/typo: warning: unknown filter "stauts"'
	assert_line --partial 'nons.yaml:1: RouteGroup default/typo: warning: host ok.example.org PathSubtree("/"): also claimed by RouteGroup default/other'
}
