#!/usr/bin/env bats
# The production manifests stay consistent with the commands they run.

setup() {
	load 'helpers/common'
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

@test "every flag the Deployment passes is one routesrv-serve knows" {
	run python3 - "$TOP/deploy/base/deployment.yaml" <<-'PY'
	import sys, yaml
	for doc in yaml.safe_load_all(open(sys.argv[1])):
	    if doc and doc["kind"] == "Deployment":
	        for c in doc["spec"]["template"]["spec"]["containers"]:
	            for a in c["args"][1:]:
	                print(a.lstrip("-").split("=")[0])
	PY
	assert_success
	known=$("$BIN/routesrv-serve" --help-options | cut -f1)
	for flag in $output; do
		grep -qx -- "$flag" <<<"$known" || fail "deployment.yaml passes unknown flag -$flag"
	done
}

@test "the ClusterRole only reads, and only what routesrv converts" {
	run python3 - "$TOP/deploy/base/rbac.yaml" <<-'PY'
	import sys, yaml
	for doc in yaml.safe_load_all(open(sys.argv[1])):
	    if doc and doc["kind"] == "ClusterRole":
	        for rule in doc["rules"]:
	            assert sorted(rule["verbs"]) == ["get", "list", "watch"], rule
	            for r in rule["resources"]:
	                print(r)
	PY
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "endpoints endpointslices ingresses routegroups services "
}

@test "the ingress-status component adds exactly the patch verb on ingresses/status and the flag" {
	run python3 - "$TOP/deploy" <<-'PY'
	import sys, yaml
	top = sys.argv[1]
	comp = yaml.safe_load(open(top + "/components/ingress-status/kustomization.yaml"))
	assert comp["kind"] == "Component", comp["kind"]
	docs = [d for f in ("rbac.yaml", "deployment.yaml") for d in yaml.safe_load_all(open(top + "/base/" + f)) if d]
	def target(t):
	    found = [d for d in docs if d["kind"] == t["kind"] and d["metadata"]["name"] == t["name"]]
	    assert len(found) == 1, t
	    return found[0]
	def add(doc, path, value):   # JSON patch "add", with "-" appending to a list
	    keys = path.strip("/").split("/")
	    for k in keys[:-1]:
	        doc = doc[int(k)] if isinstance(doc, list) else doc[k]
	    assert keys[-1] == "-", path
	    doc.append(value)
	for p in comp["patches"]:
	    for op in yaml.safe_load(p["patch"]):
	        assert op["op"] == "add", op
	        add(target(p["target"]), op["path"], op["value"])
	role = target({"kind": "ClusterRole", "name": "routesrv"})
	writes = [r for r in role["rules"] if set(r["verbs"]) - {"get", "list", "watch"}]
	assert writes == [{"apiGroups": ["networking.k8s.io"], "resources": ["ingresses/status"], "verbs": ["patch"]}], writes
	args = target({"kind": "Deployment", "name": "routesrv"})["spec"]["template"]["spec"]["containers"][0]["args"]
	print([a for a in args if a.startswith("-kubernetes-status-from-service=")][0])
	PY
	assert_success
	assert_output "-kubernetes-status-from-service=kube-system/skipper-ingress"
	# the overlay shows how to use it
	grep -q '^#   - ../../components/ingress-status$' "$TOP/deploy/overlays/example/kustomization.yaml"
}

@test "the Deployment runs non-root, read-only, without privilege escalation, with probes on /health" {
	run python3 - "$TOP/deploy/base/deployment.yaml" <<-'PY'
	import sys, yaml
	for doc in yaml.safe_load_all(open(sys.argv[1])):
	    if doc and doc["kind"] == "Deployment":
	        spec = doc["spec"]
	        assert spec["replicas"] >= 2
	        pod = spec["template"]["spec"]
	        assert pod["securityContext"]["runAsNonRoot"] is True
	        for c in pod["containers"]:
	            sc = c["securityContext"]
	            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
	            assert c["readinessProbe"]["httpGet"]["path"] == "/health"
	            assert "livenessProbe" in c and "resources" in c
	        print("ok")
	PY
	assert_success
	assert_output "ok"
}

@test "the pod outlives its shutdown: terminationGracePeriodSeconds covers -wait-for-healthcheck-interval and a drain" {
	default=$("$BIN/routesrv-serve" --help-options | awk -F'\t' '$1 == "wait-for-healthcheck-interval" { print $6 }')
	[ -n "$default" ]
	run python3 - "$TOP/deploy/base/deployment.yaml" "$default" <<-'PY'
	import re, sys, yaml
	def seconds(d):   # Go durations as routesrv writes them: 45s, 1m0s, 1m30s, 500ms
	    total = 0.0
	    for n, unit in re.findall(r"([0-9.]+)(h|ms|m|s)", d):
	        total += float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
	    return total
	for doc in yaml.safe_load_all(open(sys.argv[1])):
	    if doc and doc["kind"] == "Deployment":
	        pod = doc["spec"]["template"]["spec"]
	        wait = seconds(sys.argv[2])
	        for a in pod["containers"][0]["args"]:
	            if a.lstrip("-").startswith("wait-for-healthcheck-interval="):
	                wait = seconds(a.split("=", 1)[1])
	        grace = pod.get("terminationGracePeriodSeconds", 30)   # Kubernetes' default
	        # the listeners close and requests in flight finish after the wait: 10 s at least
	        assert grace >= wait + 10, "terminationGracePeriodSeconds %s < wait %s + 10 s" % (grace, wait)
	        print("grace %d wait %d" % (grace, wait))
	PY
	assert_success
	assert_output "grace 60 wait 45"
}

# Applies a kustomization the way kustomize does for what ours use: resources (files and
# directories with a kustomization.yaml), components (a Component's resources), images (name
# -> newName:newTag), replicas, and JSON 6902 patches with "add" operations whose target name
# is a regexp (anchored, as kustomize's). Prints each Deployment as "== NAME", its image,
# replicas and args (argv[1:]), in the order kustomize resolves them.
KUSTOMIZE_PY='
import os, re, sys, yaml
def build(d, kind="Kustomization"):
    k = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
    assert k["kind"] == kind, "%s: %s, not %s" % (d, k["kind"], kind)
    docs = []
    for r in k.get("resources", []):
        p = os.path.normpath(os.path.join(d, r))
        docs += build(p) if os.path.isdir(p) else [x for x in yaml.safe_load_all(open(p)) if x]
    for c in k.get("components", []):
        docs += build(os.path.normpath(os.path.join(d, c)), "Component")
    deps = [x for x in docs if x["kind"] == "Deployment"]
    for img in k.get("images", []):
        for dep in deps:
            for c in dep["spec"]["template"]["spec"]["containers"]:
                name, _, tag = c["image"].partition(":")
                if name == img["name"]:
                    c["image"] = img.get("newName", name) + ":" + img.get("newTag", tag)
    for r in k.get("replicas", []):
        matched = [dep for dep in deps if dep["metadata"]["name"] == r["name"]]
        assert matched, "replicas: no Deployment %s" % r["name"]
        for dep in matched:
            dep["spec"]["replicas"] = r["count"]
    for p in k.get("patches", []):
        t = p["target"]
        matched = [x for x in docs if x["kind"] == t["kind"] and re.fullmatch(t["name"], x["metadata"]["name"])]
        assert matched, "patch target not found: %s" % t
        for op in yaml.safe_load(p["patch"]):
            assert op["op"] == "add", op
            for x in matched:
                node = x
                parts = op["path"].strip("/").split("/")
                for part in parts[:-1]:
                    node = node[int(part)] if isinstance(node, list) else node[part]
                if parts[-1] == "-":
                    node.append(op["value"])
                else:
                    node[parts[-1]] = op["value"]
    return docs
for doc in build(sys.argv[1]):
    if doc["kind"] == "Deployment":
        c = doc["spec"]["template"]["spec"]["containers"][0]
        print("== " + doc["metadata"]["name"])
        print(c["image"])
        print(doc["spec"]["replicas"])
        for a in c["args"][1:]:
            print(a)
'

# deployment NAME: the lines of one Deployment in $output (a KUSTOMIZE_PY result) into $lines
deployment() {
	mapfile -t lines < <(awk -v n="== $1" '$0 == n { on = 1; next } /^== / { on = 0 } on' <<<"$output")
	[ "${#lines[@]}" -gt 0 ] || fail "no Deployment $1"
}

# flags_known COMMAND ARG...: each -flag[=value] is one COMMAND knows
flags_known() {
	local cmd=$1 a flag known
	shift
	known=$("$BIN/$cmd" --help-options | cut -f1)
	for a in "$@"; do
		flag=${a#-}; flag=${flag%%=*}
		grep -qx -- "$flag" <<<"$known" || fail "passes -$flag, which $cmd does not know"
	done
}

@test "kustomize: the base and the example overlay build, with flags routesrv-serve knows" {
	for dir in deploy/base deploy/overlays/example; do
		run python3 -c "$KUSTOMIZE_PY" "$TOP/$dir"
		assert_success
		deployment routesrv
		flags_known routesrv-serve "${lines[@]:2}"
	done
	run python3 -c "$KUSTOMIZE_PY" "$TOP/deploy/base"
	deployment routesrv
	assert_equal "${lines[0]}" 'routesrv:0.1.0'
	run python3 -c "$KUSTOMIZE_PY" "$TOP/deploy/overlays/example"
	deployment routesrv
	assert_equal "${lines[0]}" 'registry.example.org/platform/routesrv:0.1.0'
	assert_equal "${lines[1]}" 3
	assert_line -- '-kubernetes-ingress-class=skipper'
	assert_line -- '-wait-for-healthcheck-interval=45s'
	# the base's image tag is the version the commands report
	assert_equal "$(grep -o 'newTag: .*' "$TOP/deploy/base/kustomization.yaml")" \
		"newTag: $("$BIN/routesrv-serve" --version | cut -d' ' -f2)"
}

@test "kustomize: the webhook is a Component the example overlay includes, with the server's image and conversion flags" {
	grep -qx 'kind: Component' "$TOP/deploy/webhook/kustomization.yaml"
	run python3 -c "$KUSTOMIZE_PY" "$TOP/deploy/base"
	refute_line '== routesrv-webhook'   # optional: not in the base
	run python3 -c "$KUSTOMIZE_PY" "$TOP/deploy/overlays/example"
	assert_success
	all=$output
	deployment routesrv-webhook
	assert_equal "${lines[0]}" 'registry.example.org/platform/routesrv:0.1.0'
	flags_known routesrv-webhook "${lines[@]:2}"
	webhook=("${lines[@]:2}")
	# every conversion flag the server gets (one that routesrv-webhook knows too), the webhook
	# gets with the same value: both judge objects the same way
	output=$all
	deployment routesrv
	webhook_known=$("$BIN/routesrv-webhook" --help-options | cut -f1)
	shared=0
	for a in "${lines[@]:2}"; do
		flag=${a#-}; flag=${flag%%=*}
		# listeners and logs are each command's own; the webhook sees no endpoints
		case $flag in address|application-log-*|enable-kubernetes-endpointslices) continue ;; esac
		grep -qx -- "$flag" <<<"$webhook_known" || continue
		shared=$((shared + 1))
		printf '%s\n' "${webhook[@]}" | grep -qxF -- "$a" || fail "the webhook lacks $a"
	done
	[ "$shared" -ge 3 ]
}

@test "kustomize: the webhook's manifests: TLS files mounted, probes on /healthz over HTTPS, no token, its paths, failurePolicy Ignore" {
	run python3 - "$TOP/deploy/webhook/webhook.yaml" <<-'PY'
	import sys, yaml
	docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d}
	dep, svc, vwc = docs["Deployment"], docs["Service"], docs["ValidatingWebhookConfiguration"]
	pod = dep["spec"]["template"]["spec"]
	assert pod["automountServiceAccountToken"] is False   # it never talks to the API server
	assert pod["securityContext"]["runAsNonRoot"] is True
	c = pod["containers"][0]
	assert c["args"][0] == "routesrv-webhook", c["args"]
	flags = dict((a.lstrip("-").split("=", 1) + [""])[:2] for a in c["args"][1:])
	mount = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}["tls"]
	assert flags["tls-cert-file"].startswith(mount + "/") and flags["tls-key-file"].startswith(mount + "/")
	port = flags["address"].rsplit(":", 1)[1]
	assert [p for p in c["ports"] if str(p["containerPort"]) == port and p["name"] == "https"]
	for probe in ("readinessProbe", "livenessProbe"):
	    g = c[probe]["httpGet"]
	    assert (g["path"], g["port"], g["scheme"]) == ("/healthz", "https", "HTTPS"), probe
	assert c["securityContext"]["readOnlyRootFilesystem"] is True
	assert svc["spec"]["ports"][0]["targetPort"] == "https"
	assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
	paths = {}
	for w in vwc["webhooks"]:
	    s = w["clientConfig"]["service"]
	    assert (s["name"], s["namespace"]) == (svc["metadata"]["name"], svc["metadata"]["namespace"])
	    assert w["failurePolicy"] == "Ignore" and w["admissionReviewVersions"] == ["v1"]
	    for r in w["rules"]:
	        for res in r["resources"]:
	            paths[res] = s["path"]
	print(" ".join("%s=%s" % kv for kv in sorted(paths.items())))
	PY
	assert_success
	assert_output 'ingresses=/ingresses routegroups=/routegroups'
}

@test "kubectl kustomize builds the same (where kubectl is installed)" {
	command -v kubectl >/dev/null || skip "kubectl is not installed"
	for dir in deploy/base deploy/overlays/example; do
		want=$(python3 -c "$KUSTOMIZE_PY" "$TOP/$dir")
		kubectl kustomize "$TOP/$dir" > "$BATS_TEST_TMPDIR/built.yaml"
		run python3 -c 'import sys, yaml
deps = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Deployment"]
for dep in sorted(deps, key=lambda d: d["metadata"]["name"]):
    c = dep["spec"]["template"]["spec"]["containers"][0]
    print("\n".join(["== " + dep["metadata"]["name"], c["image"], str(dep["spec"]["replicas"])] + c["args"][1:]))' "$BATS_TEST_TMPDIR/built.yaml"
		assert_success
		assert_equal "$output" "$want"
	done
}

@test "Dockerfile: a dependency layer before the sources, no test tools, stripped binaries, a .dockerignore" {
	df="$TOP/Dockerfile"
	deps_line=$(grep -n '^RUN ./scripts/deps build' "$df" | cut -d: -f1)
	copy_all=$(grep -n '^COPY \. \.' "$df" | cut -d: -f1)
	[ -n "$deps_line" ] && [ -n "$copy_all" ] && [ "$deps_line" -lt "$copy_all" ]
	grep -q '^COPY scripts/deps scripts/deps$' "$df"
	grep -q 'ROUTESRV_DEPS=build' "$df"
	grep -q 'make install-strip' "$df"
	# the build set holds no test or benchmark tool, and is a part of the whole set
	run "$TOP/scripts/deps" --list build
	assert_success
	for tool in bats valgrind clang wrk nginx python3 mandoc; do
		refute_line "$tool"
	done
	all=$("$TOP/scripts/deps" --list)
	for p in "${lines[@]}"; do grep -qx -- "$p" <<<"$all"; done
	for ignored in .git build bin; do grep -qx -- "$ignored" "$TOP/.dockerignore"; done
	# install-strip installs stripped commands
	dest=$BATS_TEST_TMPDIR/dest
	run make -C "$TOP" -s install-strip PREFIX=/usr DESTDIR="$dest"
	assert_success
	run file "$dest/usr/bin/routesrv-serve"
	assert_output --partial ', stripped'
	# every library the commands link comes with a package the runtime stage installs or
	# debian:12-slim has
	runtime=$(sed -n '/^FROM debian:12-slim/,$p' "$df")
	for p in libcurl4 libjq1 libonig5 libxxhash0 libyaml-0-2 libmicrohttpd12 libdeflate0 libpcre2-8-0 libgnutls30; do
		grep -q " $p" <<<"$runtime" || fail "runtime stage lacks $p"
	done
}
