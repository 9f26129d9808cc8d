/* fuzz_http: the request handling of routesrv-serve that is ours. The server parses HTTP
 * with libmicrohttpd and exposes no request parser of its own; what it does with a
 * request's headers is the pure precondition logic of http_conditional.h (If-Match,
 * If-None-Match, If-Modified-Since, If-Unmodified-Since, Accept-Encoding), fuzzed here.
 * The input is split at NUL bytes into: method flag, the four conditional headers,
 * Accept-Encoding, the ETag and a date string; missing pieces are absent (NULL). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/http_conditional.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

enum { F_METHOD, F_IF_MATCH, F_IF_NONE_MATCH, F_IF_MODIFIED, F_IF_UNMODIFIED, F_ACCEPT, F_ETAG, F_DATE, NFIELDS };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
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
