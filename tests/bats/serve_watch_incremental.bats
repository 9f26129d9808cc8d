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
# want.etag and want.etag_gzip. FLAGS: conversion flags for both (e.g. EndpointSlices).
FLAGS=()
compile_api() {
	"$BIN/routesrv-fetch" "${FLAGS[@]}" -kubernetes-url "$API" >objects.json
	"$BIN/routesrv-compile" "${FLAGS[@]}" objects.json >want.eskip
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

# An application shop/NAME: Ingress, Service and one EndpointSlice whose endpoints are the
# arguments, each ZONE=ADDRESS, as a YAML stream.
zoned_app() { # NAME ZONE=ADDRESS...
	local name=$1
	shift
	printf -- '---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: %s\n  namespace: shop\nspec:\n  rules:\n  - host: %s.example.org\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: %s\n            port:\n              number: 80\n' "$name" "$name" "$name"
	printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: shop\nspec:\n  clusterIP: 10.3.0.1\n  ports:\n  - port: 80\n    targetPort: 8080\n' "$name"
	zoned_slice "$name" "$@"
}

zoned_slice() { # NAME ZONE=ADDRESS...
	local name=$1 e
	shift
	printf -- '---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: %s-x\n  namespace: shop\n  labels:\n    kubernetes.io/service-name: %s\naddressType: IPv4\nports:\n- port: 8080\nendpoints:\n' "$name" "$name"
	for e in "$@"; do
		printf -- '- addresses: [%s]\n  zone: %s\n' "${e#*=}" "${e%%=*}"
	done
}

# /routes/ZONE (plain and gzip, both ETags) is routesrv-compile's document for that zone
# (own: -zone ZONE, a zone with a document of its own) or the full one (full: a zone beyond
# -max-zones, or unknown), of the objects routesrv-fetch gets now. Call after
# assert_served_is_compiled (the full table current: the zones come in the same snapshot).
assert_zone_is_compiled() { # ZONE own|full
	local zone=$1
	"$BIN/routesrv-fetch" "${FLAGS[@]}" -kubernetes-url "$API" >zone-objects.json
	if [ "$2" = own ]; then
		"$BIN/routesrv-compile" "${FLAGS[@]}" -zone "$zone" zone-objects.json >zone-want.eskip
	else
		"$BIN/routesrv-compile" "${FLAGS[@]}" zone-objects.json >zone-want.eskip
	fi
	"$BIN/routesrv-etag" -o zone-want.routes zone-want.eskip >zone-want.etag
	curl -s "$URL/routes/$zone" -o zone-got.routes
	cmp zone-want.routes zone-got.routes || { echo "/routes/$zone is not routesrv-compile's ($2)" >&2; false; }
	assert_equal "$(header_value Etag "$URL/routes/$zone")" "$(cat zone-want.etag)"
	curl -s -H 'Accept-Encoding: gzip' "$URL/routes/$zone" -o zone-got.gz
	gunzip -c zone-got.gz >zone-got.gunzipped
	cmp zone-want.routes zone-got.gunzipped || { echo "/routes/$zone: the gzip body differs" >&2; false; }
	assert_equal "$(header_value Etag -H 'Accept-Encoding: gzip' "$URL/routes/$zone")" \
		"$("$BIN/routesrv-etag" -gzip zone-want.eskip)"
}

@test "watch mode with zones and -max-zones: /routes/<zone> is routesrv-compile -zone's before and after an endpoint change" {
	# zone-a 4 endpoints, zone-b 4, zone-c 3 (shortened in web's zone documents, 3 each):
	# with -max-zones 2, zone-c is beyond the cap and gets the full table
	{
		zoned_app web zone-a=10.0.0.1 zone-a=10.0.0.2 zone-a=10.0.0.3 zone-b=10.0.1.1 zone-b=10.0.1.2 \
			zone-b=10.0.1.3 zone-c=10.0.2.1 zone-c=10.0.2.2 zone-c=10.0.2.3
		zoned_app api zone-a=10.1.0.1 zone-b=10.1.1.1
	} >zoned.yaml
	FLAGS=(-enable-kubernetes-endpointslices)
	start_api --fixtures zoned.yaml
	start_serve -kubernetes-url "$API" -kubernetes-watch "${FLAGS[@]}" -max-zones 2
	wait_log 'routes initialized'
	wait_request 'endpointslices\?watch=1'
	assert_served_is_compiled
	assert_equal "$(metric 'routesrv_custom_gauges{key="routes.zones_beyond_max"}')" 1
	assert_zone_is_compiled zone-a own
	assert_zone_is_compiled zone-b own
	assert_zone_is_compiled zone-c full
	assert_zone_is_compiled zone-unknown full
	# zone-a's document is its own: web is shortened to zone-a's endpoints
	curl -s "$URL/routes/zone-a" >zone-a.routes
	assert grep -q '"http://10.0.0.1:8080?zone=zone-a"' zone-a.routes
	refute grep -q '10.0.1.1' zone-a.routes
	assert grep -q '10.0.1.1' got.routes

	# an endpoint change: zone-a's 10.0.0.1 moves to 10.0.0.9, zone-c grows to 6 endpoints,
	# so that zone-b (4) is now the one beyond the cap and zone-c (6) gets its own document
	control apply "$(zoned_slice web zone-a=10.0.0.9 zone-a=10.0.0.2 zone-a=10.0.0.3 zone-b=10.0.1.1 \
		zone-b=10.0.1.2 zone-b=10.0.1.3 zone-c=10.0.2.1 zone-c=10.0.2.2 zone-c=10.0.2.3 zone-c=10.0.2.4 \
		zone-c=10.0.2.5 zone-c=10.0.2.6)" >/dev/null
	assert_served_is_compiled
	assert grep -q '10.0.0.9' got.routes
	assert_zone_is_compiled zone-a own
	assert_zone_is_compiled zone-b full
	assert_zone_is_compiled zone-c own
	assert grep -q '"http://10.0.0.9:8080?zone=zone-a"' <(curl -s "$URL/routes/zone-a")
	curl -s "$URL/routes/zone-c" >zone-c.routes
	assert grep -q '"http://10.0.2.6:8080?zone=zone-c"' zone-c.routes
	refute grep -q '10.0.0.2' zone-c.routes
	run grep -c 'full relist' serve.log
	assert_output 0
}
