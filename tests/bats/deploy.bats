#!/usr/bin/env bats
# The production manifests stay consistent with the commands they run.

setup() {
	load 'helpers/common'
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

@test "every flag the Deployment passes is one routesrv-serve knows" {
	run python3 - "$TOP/deploy/deployment.yaml" <<-'PY'
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
	run python3 - "$TOP/deploy/rbac.yaml" <<-'PY'
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

@test "the Deployment runs non-root, read-only, without privilege escalation, with probes on /health" {
	run python3 - "$TOP/deploy/deployment.yaml" <<-'PY'
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
