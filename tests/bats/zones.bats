#!/usr/bin/env bats
# Zone documents at /routes/{zone} (issue 11 item 3): a zone costs what its document does not
# share with the full one, so one EndpointSlice naming many zones cannot multiply memory.
# Whatever their layout in memory (slices of the full document, the zone's own runs, gzip
# spliced from shared compressed pieces), the bytes served are routesrv-compile -zone's, in
# both encodings, for every zone; -max-zones caps the zones with documents of their own.

load helpers/common
load helpers/serve

setup() {
	cd "$BATS_TEST_TMPDIR"
	SERVE_PID=
	mkdir cluster
	# 800 applications with an EndpointSlice of 2 endpoints (zones zone-a, zone-b: never
	# shortened), 3 more with 4 + 4 (shortened in zone-a and zone-b) far apart in the table,
	# and a tenant's EndpointSlice of 60 endpoints over 20 zone names (tenant.yaml).
	awk 'function app(name, eps,    a) {
		printf "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: %s\n  namespace: default\nspec:\n  rules:\n  - host: %s.example.org\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: %s\n            port:\n              number: 80\n", name, name, name
		printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: default\nspec:\n  clusterIP: 10.3.0.1\n  ports:\n  - port: 80\n    targetPort: 8080\n", name
		printf "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: %s-x\n  namespace: default\n  labels:\n    kubernetes.io/service-name: %s\naddressType: IPv4\nports:\n- port: 8080\nendpoints:\n", name, name
		for (a = 0; a < eps; a++)
			printf "- addresses: [10.%d.%d.%d]\n  zone: %s\n", 1 + int(n / 250), n % 250, a, a % 2 ? "zone-b" : "zone-a"
		n++
	}
	BEGIN {
		for (i = 0; i < 800; i++) app(sprintf("app%03d", i), 2)
		app("app000a", 8); app("app400a", 8); app("app799a", 8)
	}' >cluster/apps.yaml
	tenant 60 20 >cluster/tenant.yaml
	FLAGS=(-enable-kubernetes-endpointslices)
}

# tenant ENDPOINTS ZONES: the tenant's application, whose one EndpointSlice spreads ENDPOINTS
# endpoints over ZONES zone names (zone-t-00, zone-t-01, ... or zone-t-000, ... from 100 on).
tenant() {
	awk -v eps="$1" -v zones="$2" 'BEGIN {
		printf "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: tenant\n  namespace: default\nspec:\n  rules:\n  - host: tenant.example.org\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: tenant\n            port:\n              number: 80\n"
		printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: tenant\n  namespace: default\nspec:\n  clusterIP: 10.3.0.2\n  ports:\n  - port: 80\n    targetPort: 8080\n"
		printf "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: tenant-x\n  namespace: default\n  labels:\n    kubernetes.io/service-name: tenant\naddressType: IPv4\nports:\n- port: 8080\nendpoints:\n"
		for (a = 0; a < eps; a++)
			printf "- addresses: [10.9.%d.%d]\n  zone: zone-t-" (zones > 100 ? "%03d" : "%02d") "\n", int(a / 250), a % 250, a % zones
	}'
}

teardown() {
	stop_serve
}

# The zones of the cluster: every zone name of an endpoint.
zones() { sed -n 's/^  zone: //p' cluster/*.yaml | sort -u; }

@test "every zone's document equals routesrv-compile -zone, plain and gzip, with its ETags" {
	start_serve -kubernetes-manifests cluster "${FLAGS[@]}" -source-settle-interval 0 \
		-route-server-filters 'setResponseHeader("X-Zones", "checked")'
	wait_log "routes initialized"
	full_tag=$(header_value Etag "$URL/routes")
	[ "$(curl -s "$URL/routes" | wc -c)" -gt 200000 ]   # large enough for documents in pieces
	n=0
	for z in $(zones) zone-unknown; do
		"$BIN/routesrv-compile" "${FLAGS[@]}" -zone "$z" cluster >want.eskip
		curl -s "$URL/routes/$z" >got.eskip
		echo >>got.eskip   # routesrv-compile ends the last line, the served form does not
		cmp want.eskip got.eskip || { echo "zone $z: /routes/$z differs from routesrv-compile -zone $z" >&2; false; }
		curl -s -H 'Accept-Encoding: gzip' -D headers "$URL/routes/$z" -o got.gz
		grep -qi '^content-encoding: gzip' headers
		grep -qi '^x-zones: checked' headers
		gzip -dc got.gz >gunzipped.eskip
		echo >>gunzipped.eskip
		cmp want.eskip gunzipped.eskip || { echo "zone $z: the gzip body differs" >&2; false; }
		python3 -c 'import gzip, sys; sys.stdout.buffer.write(gzip.decompress(open("got.gz", "rb").read()))' >py.eskip
		echo >>py.eskip
		cmp want.eskip py.eskip
		tag=$(header_value Etag "$URL/routes/$z")
		assert_equal "$tag" "$("$BIN/routesrv-etag" want.eskip)"
		assert_equal "$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes/$z")" "${tag%\"}+gzip\""
		assert_equal "$(status -H "If-None-Match: $tag" "$URL/routes/$z")" 304
		[ "$tag" != "$full_tag" ] && n=$((n + 1))
		assert_equal "$(header_value X-Count "$URL/routes/$z")" "$(grep -c '' want.eskip)"
	done
	# zone-a, zone-b and the tenant's 20 zones have documents of their own
	assert_equal "$n" 22
	# a range request or HEAD of a document in pieces works as of any other
	assert_equal "$(curl -s -I "$URL/routes/zone-t-07" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')" \
		"$(curl -s "$URL/routes/zone-t-07" | wc -c)"
}

@test "-max-zones: the zones with the fewest endpoints beyond it get the full table; logged and shown" {
	start_serve -kubernetes-manifests cluster "${FLAGS[@]}" -source-settle-interval 0 -max-zones 5
	wait_log "routes initialized"
	run grep 'more zones than -max-zones' serve.log
	assert_output --partial 'level=warning'
	assert_output --partial 'max_zones=5 zones=22'
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.zones_beyond_max"}')" 17
	full_tag=$(header_value Etag "$URL/routes")
	# zone-a and zone-b have the most endpoints: their documents stay
	"$BIN/routesrv-compile" "${FLAGS[@]}" -zone zone-a cluster >want.eskip
	assert_equal "$(curl -s "$URL/routes/zone-a")" "$(cat want.eskip)"
	[ "$(header_value Etag "$URL/routes/zone-a")" != "$full_tag" ]
	# of the tenant's 20 zones (3 endpoints each) the first 3 by name keep theirs, the rest get the full table
	[ "$(header_value Etag "$URL/routes/zone-t-02")" != "$full_tag" ]
	assert_equal "$(header_value Etag "$URL/routes/zone-t-03")" "$full_tag"
	assert_equal "$(header_value Etag "$URL/routes/zone-t-19")" "$full_tag"
	assert_equal "$(curl -s "$URL/routes/zone-t-19")" "$(curl -s "$URL/routes")"
}

@test "-max-zones must not be negative" {
	run "$BIN/routesrv-serve" -routes-file x -max-zones -1
	assert_failure 2
	assert_output --partial 'invalid value "-1" for flag -max-zones'
}

# Sums what a served zone document is, for every zone of the cluster: plain body, gzip body
# (decompressed) and ETags; prints "zones own_documents distinct_etags" and fails on a
# document whose gzip body differs from its plain one.
check_every_zone() {
	python3 - "$URL" "$@" <<'PY'
import gzip, sys, urllib.request
url, zones = sys.argv[1], sys.argv[2:]
def get(path, gz=False):
    req = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"} if gz else {})
    with urllib.request.urlopen(req) as r:
        return r.read(), r.headers["Etag"]
full, full_tag = get("/routes")
own, tags = 0, set()
for z in zones:
    plain, tag = get("/routes/" + z)
    packed, gz_tag = get("/routes/" + z, True)
    if gzip.decompress(packed) != plain:
        sys.exit(f"zone {z}: the gzip body is not the plain one")
    if gz_tag != tag[:-1] + '+gzip"':
        sys.exit(f"zone {z}: gzip ETag {gz_tag} for {tag}")
    own += tag != full_tag
    tags.add(tag)
print(len(zones), own, len(tags))
PY
}

# served_bytes: what the served documents hold, both encodings: the full table's and what the
# zone documents hold beyond it (the memory that zone names could multiply).
served_bytes() {
	echo $(($(metric 'routesrv_table_bytes{encoding="identity"}') + $(metric 'routesrv_table_bytes{encoding="gzip"}') +
		$(metric 'routesrv_custom_gauges{key="routes.zone_bytes"}')))
}

@test "300 zone names next to a large cluster cost at most twice what 3 do; each document is routesrv-compile -zone's" {
	tenant 900 3 >cluster/tenant.yaml
	start_serve -kubernetes-manifests cluster "${FLAGS[@]}" -source-settle-interval 0 -max-zones 1000
	wait_log "routes initialized"
	[ "$(metric 'routesrv_table_bytes{encoding="identity"}')" -gt 200000 ]
	[ "$(metric 'routesrv_custom_gauges{key="routes.zone_bytes"}')" -gt 0 ]
	three=$(served_bytes)
	stop_serve
	tenant 900 300 >cluster/tenant.yaml
	start_serve -kubernetes-manifests cluster "${FLAGS[@]}" -source-settle-interval 0 -max-zones 1000
	wait_log "routes initialized"
	[ "$(zones | wc -l)" -eq 302 ]
	# one document and its gzip per zone, as before, made 300 zones cost about 100 times 3
	echo "served bytes: 3 zones $three, 300 zones $(served_bytes)"
	[ "$(served_bytes)" -le $((2 * three)) ]
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.zones_beyond_max"}')" 0
	! grep -q 'more zones than -max-zones' serve.log
	# every zone has a document of its own (the tenant's route keeps its 3 endpoints in it),
	# its gzip body is its plain one
	run check_every_zone $(zones)
	assert_success
	assert_output '302 302 302'
	# and its bytes are routesrv-compile -zone's (zone-a, zone-b and every tenth tenant zone)
	for z in $(zones | awk 'NR <= 2 || /0$/ || /299/'); do
		"$BIN/routesrv-compile" "${FLAGS[@]}" -zone "$z" cluster >want.eskip
		curl -s "$URL/routes/$z" >got.eskip
		echo >>got.eskip
		cmp want.eskip got.eskip || { echo "zone $z: /routes/$z differs from routesrv-compile -zone $z" >&2; false; }
	done
}

@test "300 zone names and the default -max-zones: 64 documents (the cluster's zones among them), the rest the full table" {
	tenant 900 300 >cluster/tenant.yaml
	start_serve -kubernetes-manifests cluster "${FLAGS[@]}" -source-settle-interval 0
	wait_log "routes initialized"
	run grep 'more zones than -max-zones' serve.log
	assert_output --partial 'max_zones=64 zones=302'
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.zones_beyond_max"}')" 238
	# zone-a and zone-b (800 endpoints each) and the first 62 tenant zones by name (3 each)
	run check_every_zone $(zones)
	assert_success
	assert_output '302 64 65'
	full_tag=$(header_value Etag "$URL/routes")
	[ "$(header_value Etag "$URL/routes/zone-a")" != "$full_tag" ]
	[ "$(header_value Etag "$URL/routes/zone-t-061")" != "$full_tag" ]
	assert_equal "$(header_value Etag "$URL/routes/zone-t-062")" "$full_tag"
}
