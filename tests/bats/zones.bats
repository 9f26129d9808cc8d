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
	# and a tenant's EndpointSlice of 60 endpoints over 20 zone names.
	awk 'function app(name, eps, z,    a) {
		printf "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: %s\n  namespace: default\nspec:\n  rules:\n  - host: %s.example.org\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: %s\n            port:\n              number: 80\n", name, name, name
		printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: default\nspec:\n  clusterIP: 10.3.0.1\n  ports:\n  - port: 80\n    targetPort: 8080\n", name
		printf "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: %s-x\n  namespace: default\n  labels:\n    kubernetes.io/service-name: %s\naddressType: IPv4\nports:\n- port: 8080\nendpoints:\n", name, name
		for (a = 0; a < eps; a++)
			printf "- addresses: [10.%d.%d.%d]\n  zone: %s\n", 1 + int(n / 250), n % 250, a, z == "" ? (a % 2 ? "zone-b" : "zone-a") : sprintf("%s-%02d", z, a % 20)
		n++
	}
	BEGIN {
		for (i = 0; i < 800; i++) app(sprintf("app%03d", i), 2, "")
		app("app000a", 8, ""); app("app400a", 8, ""); app("app799a", 8, "")
		app("tenant", 60, "zone-t")
	}' >cluster/apps.yaml
	FLAGS=(-enable-kubernetes-endpointslices)
}

teardown() {
	stop_serve
}

# The zones of the cluster: every zone name of an endpoint.
zones() { sed -n 's/^  zone: //p' cluster/apps.yaml | sort -u; }

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
