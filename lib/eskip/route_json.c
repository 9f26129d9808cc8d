/* route_json.c: routes as JSON, like skipper's Route.MarshalJSON (spec A10).
 *
 * Each route is printed in canonical form as {"id", "backend", "predicates", "filters"}
 * with Go's omitempty rules, no HTML escaping, Go's encoding/json string escaping (which
 * also makes any byte string valid JSON: invalid UTF-8 becomes \ufffd) and Go's float
 * format for numbers. Deviations: an empty list prints "[]" (the function promises an
 * array; Go marshals a nil slice as null), and NaN/±Inf print as null (Go's encoder fails
 * on them and produces nothing). */
#include "eskip/eskip.h"
#include "eskip/eskip_internal.h"

#include <math.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

#define PUT_LIT(b, lit) buf_append((b), (lit), sizeof(lit) - 1)

void eskip_json_string(buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_putc(out, '"');
	size_t run = 0;   /* bytes copied as they are, flushed in one append */
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		size_t size = 1;
		long r = c < 0x80 ? c : go_decode_rune(p + i, n - i, &size);
		if (r >= 0x80 && r != 0x2028 && r != 0x2029) {
			i += size;
			run += size;
			continue;
		}
		buf_append(out, s + i - run, run);
		run = 0;
		i += size;
		switch (r) {
		case '"': PUT_LIT(out, "\\\""); break;
		case '\\': PUT_LIT(out, "\\\\"); break;
		case '\b': PUT_LIT(out, "\\b"); break;
		case '\f': PUT_LIT(out, "\\f"); break;
		case '\n': PUT_LIT(out, "\\n"); break;
		case '\r': PUT_LIT(out, "\\r"); break;
		case '\t': PUT_LIT(out, "\\t"); break;
		case 0x2028: PUT_LIT(out, "\\u2028"); break;
		case 0x2029: PUT_LIT(out, "\\u2029"); break;
		case -1: PUT_LIT(out, "\\ufffd"); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_append(out, e, 6);
		}
		}
	}
	buf_append(out, s + n - run, run);
	buf_putc(out, '"');
}

static void json_str(buf *out, str s) { eskip_json_string(out, s.ptr ? s.ptr : "", s.len); }

/* encoding/json's float64: shortest digits, 'f' layout unless |v| < 1e-6 or |v| >= 1e21,
 * where it is 'e' with a two-digit negative exponent shortened (1e-07 → 1e-7). */
static void json_number(buf *out, double v)
{
	if (!isfinite(v)) {
		PUT_LIT(out, "null");
		return;
	}
	if (v == 0) {
		buf_puts(out, signbit(v) ? "-0" : "0");
		return;
	}
	char d[32], tmp[400], *o = tmp;
	int e, nd = go_float_shortest(v, d, &e);
	double av = fabs(v);
	if (v < 0)
		*o++ = '-';
	if (av < 1e-6 || av >= 1e21) {
		*o++ = d[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		*o++ = 'e';
		*o++ = e < 0 ? '-' : '+';
		int ae = e < 0 ? -e : e;
		if (ae >= 100)
			*o++ = (char)('0' + ae / 100);
		if (ae >= 10 || e > 0)   /* Go keeps "e+05" but shortens "e-05" to "e-5" */
			*o++ = (char)('0' + ae / 10 % 10);
		*o++ = (char)('0' + ae % 10);
	} else if (e < 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > e; i--)
			*o++ = '0';
		memcpy(o, d, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i <= e; i++)
			*o++ = i < nd ? d[i] : '0';
		if (nd > e + 1) {
			*o++ = '.';
			memcpy(o, d + e + 1, (size_t)(nd - e - 1));
			o += nd - e - 1;
		}
	}
	buf_append(out, tmp, (size_t)(o - tmp));
}

static void json_calls(buf *out, const char *key, const call *c, size_t n, bool *first)
{
	if (n == 0)
		return;
	if (!*first)
		buf_putc(out, ',');
	*first = false;
	buf_puts(out, key);
	buf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		PUT_LIT(out, "{\"name\":");
		json_str(out, c[i].name);
		if (c[i].nargs) {
			PUT_LIT(out, ",\"args\":[");
			for (size_t j = 0; j < c[i].nargs; j++) {
				if (j)
					buf_putc(out, ',');
				if (c[i].args[j].type == ARG_STRING)
					json_str(out, c[i].args[j].s);
				else
					json_number(out, c[i].args[j].num);
			}
			buf_putc(out, ']');
		}
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
}

static void json_backend(buf *out, const route *r, bool *first)
{
	if (r->backend_type == BACKEND_NETWORK && r->backend.len == 0)
		return;
	if (!*first)
		buf_putc(out, ',');
	*first = false;
	PUT_LIT(out, "\"backend\":{\"type\":");
	eskip_json_string(out, backend_type_name(r->backend_type), strlen(backend_type_name(r->backend_type)));
	if (r->backend.len) {
		PUT_LIT(out, ",\"address\":");
		json_str(out, r->backend);
	}
	if (r->lb_algorithm.len) {
		PUT_LIT(out, ",\"algorithm\":");
		json_str(out, r->lb_algorithm);
	}
	if (r->nendpoints) {
		PUT_LIT(out, ",\"endpoints\":[");
		buf ep = BUF_INIT;
		for (size_t i = 0; i < r->nendpoints; i++) {
			if (i)
				buf_putc(out, ',');
			buf_reset(&ep);
			eskip_print_endpoint(&ep, &r->endpoints[i]);
			eskip_json_string(out, ep.ptr, ep.len);
		}
		buf_free(&ep);
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
}

/* One canonical route. */
static void json_route(buf *out, const route *r)
{
	bool first = true;
	buf_putc(out, '{');
	if (r->id.len) {
		PUT_LIT(out, "\"id\":");
		json_str(out, r->id);
		first = false;
	}
	json_backend(out, r, &first);
	json_calls(out, "\"predicates\":", r->predicates, r->npredicates, &first);
	json_calls(out, "\"filters\":", r->filters, r->nfilters, &first);
	buf_putc(out, '}');
}

void eskip_print_json(buf *out, const route *routes, size_t n)
{
	arena *tmp = n ? arena_new() : NULL;
	buf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		route c;
		route_canonical_into(tmp, &routes[i], &c, false);
		if (i)
			buf_putc(out, ',');
		json_route(out, &c);
	}
	buf_putc(out, ']');
	arena_free(tmp);
}
