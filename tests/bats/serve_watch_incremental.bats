#!/usr/bin/env bats
# routesrv-serve -kubernetes-watch publishes through the incremental compile (incremental.h):
# after each step of a sequence of API changes, /routes (plain and gzip, both ETags) is what
# routesrv-compile makes of the same objects fetched from the same fake API server.

load helpers/common
load helpers/serve

CLUSTER="$HELPERS/../fixtures/fetch/cluster.yaml"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	stop_serve
	stop_api
}

# routesrv-compile of the API's objects now: the served form in want.routes, its ETags in
# want.etag and want.etag_gzip.
compile_api() {
	"$BIN/routesrv-fetch" -kubernetes-url "$API" >objects.json
	"$BIN/routesrv-compile" objects.json >want.eskip
	"$BIN/routesrv-etag" -o want.routes want.eskip >want.etag
	"$BIN/routesrv-etag" -gzip want.eskip >want.etag_gzip
}

# Waits (up to 60 s) until the served ETag is the compiled one, then checks every byte: the
# plain body and ETag, the gzip body (gunzip'd: gzip members read as one stream) and ETag.
assert_served_is_compiled() {
	compile_api
	local want got
	want=$(tr -d '"' <want.etag)
	for _ in $(seq 1200); do
		got=$(header_value Etag "$URL/routes" | tr -d '"')
		[ "$got" = "$want" ] && break
		sleep 0.05
	done
	assert_equal "$got" "$want"
	curl -s "$URL/routes" -o got.routes
	run cmp want.routes got.routes
	assert_success
	curl -s -H 'Accept-Encoding: gzip' "$URL/routes" -o got.gz
	assert_equal "$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes" | tr -d '"')" "$(tr -d '"' <want.etag_gzip)"
	gunzip -c got.gz >got.gunzipped
	run cmp want.routes got.gunzipped
	assert_success
}

# How many gzip members a body holds (RFC 1952 §2.2).
gzip_members() { # FILE
	python3 -c '
import sys, zlib
data, n = open(sys.argv[1], "rb").read(), 0
while data:
    d = zlib.decompressobj(31)
    d.decompress(data)
    data, n = d.unused_data, n + 1
print(n)' "$1"
}

# N Ingresses shop/bulk-I as one List, each with its own host (to the Service shop/web).
bulk_ingresses() { # N
	local i sep=
	printf '{"kind":"List","apiVersion":"v1","items":['
	for i in $(seq "$1"); do
		printf '%s{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"bulk-%d","namespace":"shop"},"spec":{"rules":[{"host":"bulk-%d.example.org","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}' "$sep" "$i" "$i"
		sep=,
	done
	printf ']}'
}

@test "watch mode serves routesrv-compile's bytes after each change: add, an Endpoints address, an Ingress deleted, a RouteGroup changed" {
	start_api --fixtures "$CLUSTER"
	start_serve -kubernetes-url "$API" -kubernetes-watch
	wait_log 'routes initialized'
	wait_request 'endpoints\?watch=1'
	assert_served_is_compiled

	# added: 700 Ingresses, so that the gzip body has several members (about 512 routes each)
	bulk_ingresses 700 >bulk.json
	control apply @bulk.json >/dev/null   # curl reads the body from the file
	assert_served_is_compiled
	assert grep -q 'bulk_700_example_org' got.routes
	assert [ "$(gzip_members got.gz)" -ge 2 ]

	# an Endpoints address changed
	control apply '{"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"web","namespace":"shop","labels":{"team":"shop"}},"subsets":[{"addresses":[{"ip":"10.2.1.1"},{"ip":"10.2.1.9"}],"ports":[{"name":"http","port":8080}]}]}' >/dev/null
	assert_served_is_compiled
	assert grep -q '"http://10.2.1.9:8080"' got.routes

	# an Ingress deleted
	control delete '{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"admin","namespace":"default"}}' >/dev/null
	assert_served_is_compiled
	refute grep -q 'admin_example_org' got.routes

	# a RouteGroup changed: another path, another filter
	control apply '{"kind":"RouteGroup","apiVersion":"zalando.org/v1","metadata":{"name":"checkout","namespace":"shop","labels":{"team":"shop"}},"spec":{"hosts":["checkout.example.org"],"backends":[{"name":"web","type":"service","serviceName":"web","servicePort":80}],"defaultBackends":[{"backendName":"web"}],"routes":[{"pathSubtree":"/cart","filters":["setPath(\"/basket\")"]}]}}' >/dev/null
	assert_served_is_compiled
	assert grep -q 'setPath("/basket")' got.routes

	# every change was published by the incremental compile, not by a relist
	run grep -c 'full relist' serve.log
	assert_output 0
}
