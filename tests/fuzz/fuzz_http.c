/* fuzz_http: the request handling of routesrv-serve that is ours. The server parses HTTP
 * with libmicrohttpd; what it does with a request is the routing of its request URI
 * (http_mux.h: the whole input, up to its first NUL, as the URI) and the pure precondition
 * logic of http_conditional.h (If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since, Accept-Encoding), fuzzed here. For the preconditions the input is
 * split at NUL bytes into: method flag, the four conditional headers, Accept-Encoding, the
 * ETag and a date string; missing pieces are absent (NULL). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/http_conditional.h"
#include "http/http_mux.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

enum { F_METHOD, F_IF_MATCH, F_IF_NONE_MATCH, F_IF_MODIFIED, F_IF_UNMODIFIED, F_ACCEPT, F_ETAG, F_DATE, NFIELDS };

static const char *const patterns[] = { "/routes", "/routes/{zone}", "/health", "/metrics/" };

/* A redirect's Location is a clean path Go accepts: routing it never redirects again. */
static void route_uri(const char *uri)
{
	mux_route r = MUX_ROUTE_INIT, again = MUX_ROUTE_INIT;
	http_mux_route(patterns, 4, uri, &r);
	if (r.kind == MUX_REDIRECT) {
		http_mux_route(patterns, 4, r.location.ptr, &again);
		FUZZ_ASSERT(again.kind == MUX_MATCH || again.kind == MUX_NOT_FOUND, "%s redirects to %s, which gives %d",
			    uri, r.location.ptr, (int)again.kind);
	}
	FUZZ_ASSERT(r.kind != MUX_MATCH || r.pattern != 1 || r.wildcard.len > 0, "%s: empty zone", uri);
	mux_route_free(&r);
	mux_route_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	route_uri(text);
	const char *field[NFIELDS] = { 0 };
	char *p = text, *end = text + size;
	for (int i = 0; i < NFIELDS && p <= end; i++) {
		field[i] = p;
		p += strlen(p) + 1;
	}
	const char *etag = field[F_ETAG] ? field[F_ETAG] : "\"7ef5e84b1bd2416b937530050160555d\"";
	time_t last_modified = 1700000000;
	if (field[F_DATE])
		(void)http_date_parse(field[F_DATE], &last_modified);

	http_cond_request rq = {
		.get_or_head = field[F_METHOD] && field[F_METHOD][0] != 'P',
		.if_match = field[F_IF_MATCH],
		.if_none_match = field[F_IF_NONE_MATCH],
		.if_modified_since = field[F_IF_MODIFIED],
		.if_unmodified_since = field[F_IF_UNMODIFIED],
	};
	http_cond_result r = http_cond_evaluate(&rq, etag, last_modified, 0);
	FUZZ_ASSERT(r == HTTP_COND_SERVE || r == HTTP_COND_NOT_MODIFIED || r == HTTP_COND_PRECONDITION_FAILED,
		    "unknown result %d", (int)r);
	(void)http_accepts_gzip(field[F_ACCEPT]);

	/* Each header alone, as the only condition, and the list matchers on every piece. */
	for (int i = F_IF_MATCH; i < NFIELDS; i++) {
		if (!field[i])
			continue;
		(void)http_etag_list_matches_weak(field[i], etag);
		(void)http_etag_list_matches_strong(field[i], etag);
		time_t t;
		if (http_date_parse(field[i], &t) == 0) {
			/* A date we format parses back to the same second. */
			char out[30];
			http_date_format(t, out);
			time_t t2;
			if (t >= 0 && t < 253402300800)   /* years 1970..9999 fit the 29-byte format */
				FUZZ_ASSERT(http_date_parse(out, &t2) == 0 && t2 == t, "date %s → %lld → %s does not round-trip",
					    field[i], (long long)t, out);
		}
	}
	free(text);
	return 0;
}
