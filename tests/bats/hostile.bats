#!/usr/bin/env bats
# Hostile input to the commands (issue 8): random bytes, 100 000 levels of nesting, YAML
# alias bombs, wrong JSON types in every field, 50 MB strings, invalid UTF-8 and NUL
# bytes. Every run must end with exit 2 and a one-line message (or, where skipper skips an
# object, a logged skip and exit 0), never with a signal, within 1 GiB of address space.
# The inputs are generated at test time into $BATS_TEST_TMPDIR.

load helpers/common
bats_require_minimum_version 1.5.0

# Address-space limit of every run (KiB). AddressSanitizer reserves terabytes of shadow
# memory, so sanitizer builds run without it (they still must not die of a signal).
MEM_LIMIT_KB=1048576

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	stop_http_server
}

sanitized_build() {
	grep -q __asan_init "$BIN/routesrv-compile" 2>/dev/null
}

# bounded CMD [ARG...]: runs a command under the memory limit (and a hang guard that kills
# it after 300 s) and sets $status, $output (stdout) and $stderr like `run`. Fails the test
# on a signal, which includes being killed by the guard.
bounded() {
	local limit="ulimit -v $MEM_LIMIT_KB;"
	sanitized_build && limit=
	run --separate-stderr bash -c "$limit"' exec timeout -s KILL 300 "$@"' bounded "$@"
	if [ "$status" -gt 128 ]; then
		echo "$* died of signal $((status - 128)); stderr: ${stderr:0:500}" >&2
		return 1
	fi
}

# The run failed with exit 2 and one line on stderr that contains $1.
assert_one_line_error() {
	assert_equal "$status" 2
	local lines
	lines=$(printf '%s\n' "$stderr" | wc -l)
	[ -n "$stderr" ] && [ "$lines" -eq 1 ] || fail "expected one line on stderr, got $lines: ${stderr:0:500}"
	[[ "$stderr" == *"$1"* ]] || fail "stderr lacks \"$1\": ${stderr:0:500}"
}

# Every stderr line of the run is a log line (level=...).
assert_only_log_lines() {
	local line
	while IFS= read -r line; do
		[ -z "$line" ] || [[ "$line" == *"level="* ]] || fail "not a log line: ${line:0:300}"
	done <<<"$stderr"
}

# A small cluster whose Ingress and RouteGroup both become routes: cluster.json (a List).
write_cluster() {
	python3 - <<'EOF'
import json
ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
       "metadata": {"name": "shop", "namespace": "default", "labels": {"app": "shop"},
                    "annotations": {"zalando.org/skipper-filter": "status(201)",
                                    "zalando.org/skipper-predicate": "Method(\"GET\")",
                                    "zalando.org/backend-weights": "{\"shop\": 100}"}},
       "spec": {"ingressClassName": "skipper",
                "tls": [{"hosts": ["shop.example.org"], "secretName": "tls"}],
                "rules": [{"host": "shop.example.org",
                           "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                               "backend": {"service": {"name": "shop", "port": {"number": 80}}}},
                                              {"path": "/api", "pathType": "Exact",
                                               "backend": {"service": {"name": "shop", "port": {"name": "http"}}}}]}}]}}
rg = {"apiVersion": "zalando.org/v1", "kind": "RouteGroup",
      "metadata": {"name": "rg", "namespace": "default"},
      "spec": {"hosts": ["rg.example.org"],
               "backends": [{"name": "app", "type": "service", "serviceName": "shop", "servicePort": 80},
                            {"name": "out", "type": "network", "address": "http://example.org"},
                            {"name": "lb", "type": "lb", "endpoints": ["http://10.0.0.1:80"], "algorithm": "random"}],
               "defaultBackends": [{"backendName": "app", "weight": 1}],
               "routes": [{"path": "/", "methods": ["GET"], "predicates": ["Header(\"a\", \"b\")"],
                           "filters": ["status(200)"], "backends": [{"backendName": "out", "weight": 2}]},
                          {"pathSubtree": "/lb", "backends": [{"backendName": "lb"}]}]}}
svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop", "namespace": "default"},
       "spec": {"type": "ClusterIP", "clusterIP": "10.3.0.1",
                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}}
eps = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "shop", "namespace": "default"},
       "subsets": [{"addresses": [{"ip": "10.2.0.1"}, {"ip": "10.2.0.2"}],
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}
sl = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
      "metadata": {"name": "shop-x", "namespace": "default", "labels": {"kubernetes.io/service-name": "shop"}},
      "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
      "endpoints": [{"addresses": ["10.2.0.1"], "zone": "eu-1a", "conditions": {"ready": True}}]}
json.dump({"apiVersion": "v1", "kind": "List", "items": [ing, rg, svc, eps, sl]}, open("cluster.json", "w"))
EOF
}

@test "the generated cluster compiles (the base of the wrong-type variants)" {
	write_cluster
	bounded "$BIN/routesrv-compile" cluster.json
	assert_success
	assert_output --partial 'shop[.]example'
	assert_output --partial 'rg[.]example'
}

@test "random bytes: compile, etag and diff exit 2 with one line" {
	python3 -c 'import random, sys; r = random.Random(8); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(1 << 20)))' > random.bin
	printf 'a: * -> <shunt>;' > ok.eskip
	for c in routesrv-compile routesrv-etag; do
		bounded "$BIN/$c" random.bin
		assert_one_line_error random.bin
	done
	bounded "$BIN/routesrv-diff" ok.eskip random.bin
	assert_one_line_error random.bin
	bounded "$BIN/routesrv-diff" random.bin ok.eskip
	assert_one_line_error random.bin
}

@test "random printable text: no signal, exit 0 or 2" {
	for seed in 1 2 3 4 5 6 7 8; do
		python3 -c 'import random, sys; r = random.Random(int(sys.argv[1])); print("".join(r.choice("{}[]:,-&*!|>\"'"'"' \n\tabc01.#/\\()<>;") for _ in range(20000)))' "$seed" > text.$seed
		bounded "$BIN/routesrv-compile" text.$seed
		[ "$status" -eq 0 ] || assert_one_line_error text.$seed
		bounded "$BIN/routesrv-etag" text.$seed
		[ "$status" -eq 0 ] || assert_one_line_error text.$seed
	done
}

@test "100 000 levels of JSON arrays and objects: exit 2, depth error" {
	python3 - <<'EOF'
n = 100000
open("arrays.json", "w").write("[" * n + "]" * n)
open("objects.json", "w").write('{"a":' * n + "1" + "}" * n)
open("in-items.json", "w").write('{"kind":"List","items":[' + "[" * n + "]" * n + "]}")
open("in-field.json", "w").write('{"kind":"Ingress","metadata":{"name":"x","annotations":' + '{"a":' * n + "1" + "}" * n + "}}")
EOF
	for f in arrays.json objects.json in-items.json in-field.json; do
		bounded "$BIN/routesrv-compile" $f
		assert_one_line_error "$f:1:"
		assert_output ''
	done
}

@test "100 000 levels of YAML flow sequences and mappings: exit 2, depth error" {
	python3 - <<'EOF'
n = 100000
open("seq.yaml", "w").write("kind: Ingress\nspec: " + "[" * n + "]" * n + "\n")
open("map.yaml", "w").write("kind: Ingress\nspec: " + "{a: " * n + "1" + "}" * n + "\n")
open("top.yaml", "w").write("--- " + "[" * n + "]" * n + "\n")
EOF
	for f in seq.yaml map.yaml top.yaml; do
		bounded "$BIN/routesrv-compile" $f
		assert_one_line_error "exceeded max depth of 10000"
		assert_output ''
	done
}

@test "YAML alias bombs (billion laughs, in sequences and in merge keys): exit 2" {
	python3 - <<'EOF'
lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for prev, name in zip("abcdefgh", "bcdefghi"):
    lines.append(f"{name}: &{name} [" + ", ".join(["*" + prev] * 9) + "]")
open("laughs.yaml", "w").write("kind: Ingress\nmetadata: {name: x}\nspec:\n" + "".join("  " + l + "\n" for l in lines))
maps = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}"]
for i in range(1, 10):
    maps.append(f"m{i}: &m{i} [" + ", ".join([f"*m{i-1}"] * 9) + "]")
maps.append("m10: {<<: *m9}")
open("merge.yaml", "w").write("kind: Ingress\nmetadata: {name: x}\nspec:\n" + "".join("  " + l + "\n" for l in maps))
EOF
	for f in laughs.yaml merge.yaml; do
		bounded "$BIN/routesrv-compile" $f
		assert_one_line_error "alias expansion limit"
	done
}

@test "wrong JSON types in every field of every object: a logged skip or exit 2, never a signal" {
	write_cluster
	python3 - <<'EOF'
import copy, json
cluster = json.load(open("cluster.json"))
wrong = [42, "text", [1], {"k": "v"}, None, True]

def paths(v, prefix=()):
    yield prefix
    if isinstance(v, dict):
        for k, x in v.items():
            yield from paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from paths(x, prefix + (i,))

def replaced(v, path, new):
    v = copy.deepcopy(v)
    if not path:
        return new
    parent = v
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = new
    return v

n = 0
for i, obj in enumerate(cluster["items"]):
    for path in paths(obj):
        if path in ((), ("kind",)):
            continue   # without a kind there is nothing to convert
        for w in wrong:
            old = obj
            for p in path:
                old = old[p]
            if type(old) is type(w):
                continue
            items = list(cluster["items"])
            items[i] = replaced(obj, path, w)
            doc = dict(cluster, items=items)
            json.dump(doc, open(f"wrong-{n:04d}.json", "w"))
            open(f"wrong-{n:04d}.what", "w").write(obj["kind"] + " " + ".".join(map(str, path)) + " = " + json.dumps(w))
            n += 1
print(n)
EOF
	# One shell runs every case under the limits (`bounded` per case would cost a bats `run`
	# and two shells each) and forks nothing but the command: it prints "ok", "skip",
	# "error" or the failure, one line per case. One hang guard for all of them.
	local limit="ulimit -v $MEM_LIMIT_KB;"
	sanitized_build && limit=
	timeout -s KILL 600 bash -c "$limit"'
		for f in wrong-*.json; do
			"$0" "$f" >/dev/null 2>err; st=$?
			mapfile -t lines < err
			case $st in
			0) res=ok
			   for l in "${lines[@]}"; do
				[[ -z $l || $l == *level=* ]] || { res="FAIL not a log line: ${l:0:300}"; break; }
				[[ $l == *"wrong type"* ]] && res=skip
			   done ;;
			2) res=error
			   [ ${#lines[@]} -eq 1 ] && [[ ${lines[0]} == *"$f"* ]] ||
				res="FAIL not one error line naming $f: ${lines[*]:0:3}" ;;
			*) res="FAIL exit $st" ;;
			esac
			[[ $res == FAIL* ]] && res="$res ($(<"${f%.json}.what"))"
			echo "$res"
		done' "$BIN/routesrv-compile" > results
	! grep -m 5 '^FAIL' results || fail "$(grep -c '^FAIL' results) cases failed"
	local skipped
	skipped=$(grep -c '^skip$' results)
	[ "$(wc -l < results)" -eq "$(ls wrong-*.json | wc -l)" ]
	# Most replacements make the decoder skip the object with a log line naming the field.
	[ "$skipped" -gt 100 ] || fail "only $skipped logged skips ($(grep -c '^error$' results) exit 2)"
}

@test "a wrong type is logged with kind, name and field, and the other objects still compile" {
	write_cluster
	python3 -c '
import json
c = json.load(open("cluster.json"))
c["items"][0]["spec"]["rules"][0]["http"]["paths"] = {"not": "a list"}
json.dump(c, open("bad-paths.json", "w"))'
	bounded "$BIN/routesrv-compile" bad-paths.json
	assert_success
	[[ "$stderr" == *'field="spec.rules[0].http.paths"'*'kind=Ingress name=shop ns=default'* ]] || fail "$stderr"
	refute_output --partial 'shop[.]example'
	assert_output --partial 'rg[.]example'
}

@test "50 MB strings: annotation values, a YAML scalar and an eskip string literal" {
	write_cluster
	python3 - <<'EOF'
import json
big = "x" * (50 << 20)
c = json.load(open("cluster.json"))
ing = c["items"][0]
ing["metadata"]["annotations"] = {"zalando.org/skipper-filter": 'setPath("/' + big + '")', "unused": big}
json.dump(c, open("big-filter.json", "w"))
ing["metadata"]["annotations"] = {"zalando.org/skipper-filter": big + "("}
json.dump(c, open("big-bad-filter.json", "w"))
open("big-scalar.yaml", "w").write("kind: Ingress\nmetadata:\n  name: x\n  annotations:\n    a: " + big + "\n")
open("big.eskip", "w").write('r: * -> setPath("' + big + '") -> <shunt>;')
open("big-open.eskip", "w").write('r: * -> setPath("' + big)
EOF
	bounded "$BIN/routesrv-compile" -o out.eskip big-filter.json
	assert_success
	[ "$(stat -c %s out.eskip)" -gt $((50 << 20)) ] || fail "the 50 MB filter argument is not in the table"

	bounded "$BIN/routesrv-compile" -o out2.eskip big-bad-filter.json
	assert_success
	assert_only_log_lines
	[[ "$stderr" == *'kind=Ingress'* ]] || fail "no logged skip: ${stderr:0:300}"

	bounded "$BIN/routesrv-compile" big-scalar.yaml
	assert_success

	bounded "$BIN/routesrv-etag" -o served.eskip big.eskip
	assert_success
	assert_output --regexp '^"[0-9a-f]{32}"$'
	bounded "$BIN/routesrv-diff" -quiet big.eskip served.eskip
	assert_success

	bounded "$BIN/routesrv-etag" big-open.eskip
	assert_one_line_error big-open.eskip
}

@test "invalid UTF-8: JSON strings are decoded (U+FFFD), YAML and eskip outside literals exit 2" {
	printf '{"kind":"Ingress","metadata":{"name":"a\xff\xfeb","namespace":"d"},"spec":{"rules":[{"host":"h\xc3.org","http":{"paths":[{"path":"/\xe2\x82","pathType":"Prefix","backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}' > bad.json
	bounded "$BIN/routesrv-compile" bad.json
	assert_success
	assert_only_log_lines

	printf 'kind: Ingress\nmetadata: {name: "a\xff"}\n' > bad.yaml
	bounded "$BIN/routesrv-compile" bad.yaml
	assert_one_line_error "bad.yaml:"

	printf 'r: Path("/\xff\xfe") -> setPath("\xc3") -> <shunt>;' > in-literal.eskip
	bounded "$BIN/routesrv-etag" in-literal.eskip
	assert_success
	printf 'r\xff: * -> <shunt>;' > outside.eskip
	bounded "$BIN/routesrv-etag" outside.eskip
	assert_one_line_error outside.eskip
}

@test "NUL bytes: escaped in JSON strings, raw in JSON, YAML and eskip" {
	printf '{"kind":"Ingress","metadata":{"name":"a\\u0000b","namespace":"d","annotations":{"zalando.org/skipper-filter":"status(\\u0000)"}},"spec":{"rules":[{"host":"x\\u0000y","http":{"paths":[{"path":"/\\u0000","pathType":"Prefix","backend":{"service":{"name":"s\\u0000","port":{"number":80}}}}]}}]}}' > escaped.json
	bounded "$BIN/routesrv-compile" escaped.json
	assert_success
	assert_only_log_lines

	# A raw NUL inside a JSON string is invalid JSON that jq takes (Go's decoder rejects it):
	# the read fails naming the object, as every syntax error does (issue 11). Outside a
	# string a NUL is a syntax error too.
	printf '{"kind":"Ingress","metadata":{"name":"a\0b","namespace":"d"},"spec":{}}' > raw-in-string.json
	bounded "$BIN/routesrv-compile" raw-in-string.json
	assert_one_line_error raw-in-string.json
	[[ "$stderr" == *"raw control character U+0000 in a string (kind=Ingress ns=d name=a"* ]]
	printf '{"kind":"Ingress",\0"metadata":{}}' > raw.json
	bounded "$BIN/routesrv-compile" raw.json
	assert_one_line_error raw.json

	printf 'kind: Ingress\nmetadata: {name: a\0b}\n' > raw.yaml
	bounded "$BIN/routesrv-compile" raw.yaml
	assert_one_line_error raw.yaml

	printf 'r: Path("/a\0b") -> <shunt>;' > in-literal.eskip
	bounded "$BIN/routesrv-etag" -o served.eskip in-literal.eskip
	assert_success
	cmp -s in-literal.eskip served.eskip || fail "the NUL byte did not survive: $(od -c served.eskip | head -3)"
	printf 'r: Path("/a")\0 -> <shunt>;' > outside.eskip
	bounded "$BIN/routesrv-etag" outside.eskip
	assert_one_line_error outside.eskip
	bounded "$BIN/routesrv-diff" in-literal.eskip outside.eskip
	assert_one_line_error outside.eskip
}

# routesrv-fetch decodes only the list envelopes; the items pass through undecoded (wrong
# field types are routesrv-compile's business, tested above).
@test "routesrv-fetch: hostile API bodies fail the fetch (exit 3) with one error line" {
	mkdir api
	python3 - <<'EOF'
import json, random
n = 100000
empty = lambda kind: json.dumps({"kind": kind, "metadata": {"resourceVersion": "1"}, "items": []})
open("api/services", "w").write(empty("ServiceList"))
open("api/endpoints", "w").write(empty("EndpointsList"))
r = random.Random(3)
bodies = {
    "random": bytes(r.getrandbits(8) for _ in range(1 << 16)),
    "deep": ("[" * n + "]" * n).encode(),
    "deep-items": ('{"kind":"IngressList","items":[' + "{\"a\":" * n + "1" + "}" * n + "]}").encode(),
    "nul": b'{"kind":"IngressList",\0"items":[]}',
    "truncated": b'{"kind":"IngressList","items":[{"metadata":{"name":"a"',
}
for name, body in bodies.items():
    open("body-" + name, "wb").write(body)
EOF
	start_http_server "$BATS_TEST_TMPDIR/api"
	local b
	for b in body-*; do
		cp "$b" api/ingresses
		bounded "$BIN/routesrv-fetch" -kubernetes-url "http://127.0.0.1:$HTTP_PORT"
		assert_equal "$status" 3
		assert_output ''
		assert_only_log_lines
		[ "$(printf '%s\n' "$stderr" | grep -c 'level=error')" -eq 1 ] || fail "$b: $stderr"
	done
}

# A kubeconfig that cannot be read is a configuration error (exit 2) with one line.
@test "routesrv-fetch -kubeconfig: deep nesting, an alias bomb and random bytes exit 2" {
	python3 - <<'EOF2'
import random
n = 100000
open("deep.yaml", "w").write("current-context: " + "[" * n + "]" * n + "\n")
open("deep-map.yaml", "w").write("users: " + "{a: " * n + "1" + "}" * n + "\n")
lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for prev, name in zip("abcdefgh", "bcdefghi"):
    lines.append(f"{name}: &{name} [" + ", ".join(["*" + prev] * 9) + "]")
open("laughs.yaml", "w").write("\n".join(lines) + "\ncurrent-context: x\ncontexts: *i\n")
r = random.Random(5)
open("random.yaml", "wb").write(bytes(r.getrandbits(8) for _ in range(1 << 16)))
EOF2
	local f
	for f in deep.yaml deep-map.yaml laughs.yaml random.yaml; do
		bounded "$BIN/routesrv-fetch" -kubeconfig "$f"
		assert_equal "$status" 2
		assert_output ''
		[[ "${stderr%%$'\n'*}" == "routesrv-fetch: $f"* ]] || fail "$f: ${stderr:0:300}"
		[[ "$stderr" != *$'\n'* ]] || fail "$f: more than one line: ${stderr:0:300}"
	done
	bounded "$BIN/routesrv-fetch" -kubeconfig deep.yaml
	[[ "$stderr" == *"exceeded max depth of 10000"* ]] || fail "${stderr:0:300}"
}
