#!/usr/bin/env bats
# routesrv-serve takes skipper's whole flag set (docs/spec/skipper-flags.tsv), as skipper's
# routesrv does: every flag with a value of its Go type, on the command line and in
# -config-file; a value Go refuses is exit status 2 naming the flag; the flags it has no use
# for are logged once at start-up and change nothing; the other commands stay strict.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/serve

TSV="$(cd "$HELPERS/../../.." && pwd)/docs/spec/skipper-flags.tsv"
EXAMPLES="$(cd "$HELPERS/../../../examples" && pwd)"

setup() {
	cd "$BATS_TEST_TMPDIR"
	[ -s "$TSV" ] || fail "missing $TSV"
	SERVE_PID=
	VERSION=$("$BIN/routesrv-serve" --version)
}

teardown() {
	stop_serve
}

# "name<TAB>type" of every flag of the tsv.
skipper_flags() {
	grep -v '^#' "$TSV" | awk -F'\t' '$1 != "name" && $1 != "" { print $1 "\t" $2 }'
}

# A valid value of Go type $2 for flag $1, cycling through the forms Go takes ($3: a counter).
# Flags routesrv-serve implements get a value it accepts too (its first enumerated value).
valid_value() {
	local name=$1 type=$2 i=$3 choice
	choice=$(awk -F'\t' -v n="$name" '$1 == n && $11 != "ignored" { split($4, c, "|"); print c[1] }' options.tsv)
	if [ -n "$choice" ]; then echo "=$choice"; return; fi
	case $type in
	Bool) local forms=("" =true =false =1 =0 =t =F =TRUE =False =T =f =FALSE =True); echo "${forms[i % 13]}" ;;
	Int|Int64) local forms=(=42 =0x2a =-7 =0o17 =1_000 =+3 =017 =0b101); echo "${forms[i % 8]}" ;;
	Uint64) echo =0x200000 ;;
	Float64) echo =1.5e3 ;;
	Duration) local forms=(=1m30s =250ms =0 =1h2m3.5s =.5s =3us); echo "${forms[i % 6]}" ;;
	Func) echo =RequireAndVerifyClientCert ;;
	*) echo =some-value ;;
	esac
}

@test "every flag of skipper-flags.tsv takes a valid value of its Go type" {
	"$BIN/routesrv-serve" --help-options > options.tsv
	[ "$(skipper_flags | wc -l)" -eq 283 ]
	local i=0 n=0 failures=""
	while IFS=$'\t' read -r name type; do
		[ "$name" = version ] && continue   # -version prints the version: tested below
		v=$(valid_value "$name" "$type" "$i")
		# -version last: everything before it is parsed and checked, then it exits 0
		out=$("$BIN/routesrv-serve" "-$name$v" -version 2>&1) && [ "$out" = "$VERSION" ] ||
			failures+="-$name$v: $out"$'\n'
		# the other syntax: -name value (Bool flags take no separate value)
		if [ "$type" != Bool ]; then
			out=$("$BIN/routesrv-serve" "--$name" "${v#=}" -version 2>&1) && [ "$out" = "$VERSION" ] ||
				failures+="--$name ${v#=}: $out"$'\n'
		fi
		i=$((i + 1)); n=$((n + 1))
	done < <(skipper_flags)
	[ -z "$failures" ] || fail "$failures"
	[ "$n" -eq 282 ]
}

@test "a value Go refuses is exit status 2 naming the flag" {
	while read -r arg; do
		run --separate-stderr "$BIN/routesrv-serve" $arg -version
		assert_failure 2
		[ "${#stderr_lines[@]}" -eq 1 ] || fail "$arg: ${stderr_lines[*]}"
		flag=${arg%%=*}
		[[ "$stderr" == "routesrv-serve: invalid value \""*"\" for flag $flag: "* ]] || fail "$arg: $stderr"
	done <<-'ARGS'
	-insecure=yes
	-enable-api-usage-monitoring=2
	-max-loopbacks=1.5
	-max-loopbacks=0x
	-max-loopbacks=1__0
	-max-content-length=9223372036854775808
	-max-matcher-buffer-size=-1
	-prometheus-native-histogram-bucket-factor=1e400
	-prometheus-native-histogram-bucket-factor=0x1.8
	-lb-healthcheck-interval=10
	-lb-healthcheck-interval=1sec
	-lb-healthcheck-interval=9999999h
	-tls-client-auth=Bogus
	-wait-for-healthcheck-interval=-1s
	-source-poll-timeout=3s
	ARGS
	# a flag that needs a value and has none
	run --separate-stderr "$BIN/routesrv-serve" -opentracing
	assert_failure 2
	assert_equal "$stderr" "routesrv-serve: flag needs an argument: -opentracing"
}

@test "ignored flags are logged once at start-up, on one line, and change nothing" {
	printf 'r1: Path("/a") -> <shunt>;\n' > routes.eskip
	start_serve -routes-file routes.eskip
	wait_log 'msg="routes initialized"'
	curl -s -D - "$URL/routes" | tr -d '\r' | grep -v -e '^Date:' -e '^Last-Modified:' > plain.out
	stop_serve
	"$BIN/routesrv-serve" --help-options | awk -F'\t' '$11 == "ignored"' > ignored.tsv
	args=()
	want=()
	local i=0
	while IFS=$'\t' read -r name kind _; do
		case $kind in
		bool) args+=("-$name") ;;
		int) args+=("-$name=7") ;;
		uint) args+=("-$name=7") ;;
		float) args+=("-$name=0.5") ;;
		duration) args+=("-$name=2s") ;;
		*) [ "$name" = tls-client-auth ] && args+=("-$name=NoClientCert") || args+=("-$name=x$i") ;;
		esac
		want+=("$name")
		i=$((i + 1))
	done < ignored.tsv
	[ "${#args[@]}" -ge 219 ]
	start_serve -routes-file routes.eskip "${args[@]}"
	wait_log 'msg="routes initialized"'
	curl -s -D - "$URL/routes" | tr -d '\r' | grep -v -e '^Date:' -e '^Last-Modified:' > ignored.out
	run diff plain.out ignored.out
	assert_success
	run grep -c 'ignoring skipper flags' serve.log
	assert_output 1
	line=$(grep 'ignoring skipper flags' serve.log)
	[[ "$line" == *'level=info msg="ignoring skipper flags routesrv-serve has no use for" flags='* ]] || fail "$line"
	got=$(sed 's/.* flags=//; s/"//g' <<<"$line" | tr ',' '\n')
	assert_equal "$got" "$(printf '%s\n' "${want[@]}")"
	# nothing logged when none is given
	stop_serve
	start_serve -routes-file routes.eskip
	wait_log 'msg="routes initialized"'
	run grep -c 'ignoring skipper flags' serve.log
	assert_output 0
}

@test "-config-file: skipper proxy keys are accepted and ignored; a bad value names the file and the flag" {
	printf 'r1: Path("/a") -> <shunt>;\n' > routes.eskip
	cat > proxy.yaml <<'YAML'
# a skipper proxy's configuration, shared with routesrv
enable-ratelimits: true
enable-breakers: true
max-idle-connection-backend: 64
idle-timeout-server: 62s
read-timeout-server: 5m
write-timeout-server: 60s
close-idle-conns-period: 20s
metrics-flavour: [codahale, prometheus]
enable-prometheus-metrics: true
opentracing: noop
access-log-json-enabled: true
max-matcher-buffer-size: 2097152
prometheus-native-histogram-bucket-factor: 1.1
forwarded-headers: X-Forwarded-For,X-Forwarded-Proto=https
passive-health-check:
  period: 1m
  min-requests: 10
routes-file: routes.eskip
YAML
	start_serve -config-file proxy.yaml
	wait_log 'msg="routes initialized"'
	line=$(grep 'ignoring skipper flags' serve.log)
	for k in enable-ratelimits metrics-flavour idle-timeout-server max-matcher-buffer-size \
		prometheus-native-histogram-bucket-factor forwarded-headers opentracing; do
		[[ "$line" =~ [\",]$k[\",] ]] || fail "$k not listed: $line"
	done
	run curl -s "$URL/routes"
	assert_output 'r1: Path("/a") -> <shunt>;'
	# routesrv-serve's own keys in the file work as before (routes-file here)
	stop_serve
	printf 'idle-timeout-server: 62\n' > bad.yaml
	run --separate-stderr "$BIN/routesrv-serve" -config-file bad.yaml
	assert_failure 2
	assert_equal "$stderr" "routesrv-serve: -config-file bad.yaml: invalid value \"62\" for flag -idle-timeout-server: needs a duration such as 3s or 250ms"
}

@test "-config-file: every flag of skipper-flags.tsv as a key, with a valid value of its Go type" {
	"$BIN/routesrv-serve" --help-options > options.tsv
	# one file with every key (config-file is the flag naming it)
	local i=0
	: > all.yaml
	while IFS=$'\t' read -r name type; do
		case $name in version|config-file) continue ;; esac
		v=$(valid_value "$name" "$type" "$i")
		v=${v#=}
		printf '%s: %s\n' "$name" "${v:-true}" >> all.yaml
		i=$((i + 1))
	done < <(skipper_flags)
	[ "$(wc -l < all.yaml)" -eq 281 ]
	# the whole file is read and every value taken: parsing ends at the extra operand
	run --separate-stderr "$BIN/routesrv-serve" -config-file all.yaml extra
	assert_failure 2
	assert_equal "$stderr" "routesrv-serve: extra operand 'extra' (usage: routesrv-serve [flags])"
	# a value Go refuses is refused in the file too, naming the file and the flag (values that
	# skipper's own YAML decoding of the file refuses as well)
	while read -r key value; do
		printf '%s %s\n' "$key" "$value" > bad.yaml
		run --separate-stderr "$BIN/routesrv-serve" -config-file bad.yaml extra
		assert_failure 2
		[[ "$stderr" == "routesrv-serve: -config-file bad.yaml: invalid value \"$value\" for flag -${key%:}: "* ]] ||
			fail "$key $value: $stderr"
	done <<-'KEYS'
	insecure: maybe
	max-loopbacks: 1.5
	max-content-length: 9223372036854775808
	max-matcher-buffer-size: -1
	prometheus-native-histogram-bucket-factor: 0x1.8
	lb-healthcheck-interval: 1sec
	tls-client-auth: Bogus
	KEYS
	# the ignored keys of a file are recognized: listed in the one start-up line, table unchanged
	printf 'r1: Path("/a") -> <shunt>;\n' > routes.eskip
	awk -F'\t' '$11 == "ignored" { print $1 }' options.tsv > ignored.txt
	awk -F': ' 'NR == FNR { ignored[$1] = 1; next } $1 in ignored' ignored.txt all.yaml > ignored.yaml
	cut -d: -f1 ignored.yaml > want.txt
	[ "$(wc -l < want.txt)" -eq "$(wc -l < ignored.txt)" ]
	start_serve -config-file ignored.yaml -routes-file routes.eskip
	wait_log 'msg="routes initialized"'
	run curl -s "$URL/routes"
	assert_output 'r1: Path("/a") -> <shunt>;'
	got=$(grep 'ignoring skipper flags' serve.log | sed 's/.* flags=//; s/"//g' | tr ',' '\n' | sort)
	assert_equal "$got" "$(sort want.txt)"
}

@test "--help lists routesrv-serve's own flags and says the others are accepted; completions leave them out" {
	run "$BIN/routesrv-serve" --help
	assert_success
	refute_output --partial -enable-api-usage-monitoring
	refute_output --partial -opentracing-backend-name-tag
	assert_output --partial "-kubernetes-status-from-service"
	assert_output --regexp "2[0-9]{2} more of skipper's flags are accepted, their values checked as skipper does, and"
	top=$(cd "$HELPERS/../../.." && pwd)
	run grep -c -- '-enable-api-usage-monitoring' "$top/completions/routesrv.bash" "$top/completions/_routesrv"
	assert_output "$(printf '%s\n' "$top/completions/routesrv.bash:0" "$top/completions/_routesrv:0")"
	# the man page lists them
	MANWIDTH=100 man -l "$top/man/routesrv-serve.1" 2>/dev/null | grep -q -- '-enable-api-usage-monitoring'
}

@test "the other commands stay strict: skipper's proxy flags are unknown there" {
	for c in routesrv-compile routesrv-fetch routesrv-etag routesrv-diff; do
		run --separate-stderr "$BIN/$c" -enable-api-usage-monitoring
		assert_failure 2
		[[ "$stderr" == "$c: unknown flag: -enable-api-usage-monitoring"* ]] || fail "$c: $stderr"
	done
}

@test "routesrv-serve's own flags with skipper's names have skipper's Go types" {
	"$BIN/routesrv-serve" --help-options | awk -F'\t' '$1 != "" && $11 != "ignored" { print $1 "\t" $2 }' | sort > own.tsv
	skipper_flags | sort > skipper.tsv
	join -t $'\t' own.tsv skipper.tsv > both.tsv
	[ "$(wc -l < both.tsv)" -ge 60 ]
	while IFS=$'\t' read -r name kind type; do
		case "$type/$kind" in
		Bool/bool|String/string|Int/int|Int64/int|Duration/duration|Var/list) ;;
		*) fail "-$name: skipper's $type, routesrv-serve's $kind" ;;
		esac
	done < both.tsv
}

@test "-opentracing-backend-name-tag: no tracingTag in routesrv-serve (as skipper's routesrv), routesrv-compile keeps the option" {
	require_fixtures
	fixture="$FIXTURES/routegroups/tracing-tag/implicit-routes.yaml"
	run "$BIN/routesrv-compile" -opentracing-backend-name-tag "$fixture"
	assert_success
	assert_output --partial 'tracingTag("skipper.backend_name"'
	start_serve -kubernetes-manifests "$fixture" -opentracing-backend-name-tag
	wait_log 'msg="routes initialized"'
	run curl -s "$URL/routes"
	refute_output --partial tracingTag
	assert_equal "$output" "$("$BIN/routesrv-compile" "$fixture")"
	grep -q 'flags=opentracing-backend-name-tag' serve.log
}

@test "a help group titled as skipper's flags holds only flags of skipper-flags.tsv (the label selectors are routesrv's)" {
	"$BIN/routesrv-serve" --help-options |
		awk -F'\t' '$1 == "" { group = $7; next } $11 != "ignored" && group ~ /skipper.s (routesrv )?flags\)$/ { print $1 }' |
		sort > claimed.txt
	[ "$(wc -l < claimed.txt)" -ge 30 ]
	skipper_flags | cut -f1 | sort > skipper.txt
	run comm -23 claimed.txt skipper.txt
	assert_output ""
	# and they have a group of their own, which says whose they are
	run "$BIN/routesrv-serve" --help
	assert_output --partial "Label selection (routesrv's flags"
}

@test "the flags skipper's routesrv acts on (spec B9) that routesrv-serve ignores are named in routesrv(7) as not implemented" {
	top=$(cd "$HELPERS/../../.." && pwd)
	spec="$top/docs/spec/eskip-and-http.md"
	[ -s "$spec" ] || fail "missing $spec"
	awk '/^## B9\./, /^## B10\./' "$spec" | awk -F'|' '/^\| `-/ { print $2 }' | grep -o -- '-[a-z0-9-]*' |
		sed 's/^-//' | sort -u > routesrv-flags.txt
	[ "$(wc -l < routesrv-flags.txt)" -ge 30 ]
	"$BIN/routesrv-serve" --help-options | awk -F'\t' '$11 == "ignored" { print $1 }' | sort > ignored.txt
	comm -12 routesrv-flags.txt ignored.txt > unimplemented.txt
	[ -s unimplemented.txt ]
	differences=$(sed -n '/^\.Sh DIFFERENCES/,/^\.Sh /p' "$top/man/routesrv.7" | sed -n '/^\.It$/,$p' | grep -A20 '^Not implemented:')
	while read -r flag; do
		grep -q -- "Fl $flag\b" <<<"$differences" || fail "routesrv(7) does not name -$flag as not implemented"
	done < unimplemented.txt
}

@test "flags skipper's routesrv acts on and routesrv-serve does not implement: a warning when one asks for the feature" {
	printf 'r1: Path("/a") -> <shunt>;\n' > routes.eskip
	start_serve -routes-file routes.eskip -opentracing='lightstep component-name=routesrv' -enable-profile \
		-open-telemetry=otel.yaml -oauth2-tokeninfo-url=https://tokeninfo.example.org -exclude-insecure-cipher-suites \
		-tls-key-log-file=/tmp/keys -insecure
	wait_log 'msg="routes initialized"'
	run grep -c 'level=warning msg="not implemented by routesrv-serve' serve.log
	assert_output 1
	run grep 'level=warning msg="not implemented by routesrv-serve' serve.log
	assert_output --partial "msg=\"not implemented by routesrv-serve, ignored: skipper's routesrv acts on these flags\" flags=\"enable-profile,opentracing,open-telemetry,oauth2-tokeninfo-url,exclude-insecure-cipher-suites,tls-key-log-file\""
	# they are ignored flags all the same, listed with the proxy's
	grep -q 'msg="ignoring skipper flags routesrv-serve has no use for" flags="insecure,opentracing,enable-profile,' serve.log
	stop_serve
	# values that ask for nothing: no warning
	start_serve -routes-file routes.eskip -opentracing=noop -enable-profile=false -exclude-insecure-cipher-suites=false \
		-tls-key-log-file= -oauth2-tokeninfo-url=
	wait_log 'msg="routes initialized"'
	run grep -c 'not implemented by routesrv-serve' serve.log
	assert_output 0
}
