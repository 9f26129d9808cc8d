/* fuzz_eskip: the eskip parser's three entry points, and on every successful document
 * parse the printer/canonical/served-form properties:
 *   - the served form of a parsed table parses again, and the served form of that parse
 *     is byte-identical (the served form is a fixed point);
 *   - the plain and the pretty print of the parsed routes parse again to the same served
 *     form (printing loses nothing the served form keeps), except where skipper's printer
 *     is known not to round-trip (spec A6.2, A2.7, A6.4): legacy regexps holding control
 *     bytes or '[' (printed /.../ and re-lexed with the naive bracket toggle), and backend
 *     addresses or LB endpoints holding '"' or '\' (printed unescaped);
 *   - the JSON printer runs on the canonical routes;
 *   - the table diffed against a changed copy (an endpoint, a predicate gone, two filters
 *     swapped, IDs grouped by the Kubernetes scheme) gives text reports whose route lines fit
 *     the width they were given, in colour and not, and a JSON report.
 * The first input byte selects nothing: every input goes through all three parsers, so
 * one corpus serves them all. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eskip/eskip.h"
#include "eskip/route_diff.h"
#include "table/served_form.h"
#include "fuzz_common.h"
#include "eskip/route.h"
#include "routes/kube_ids.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* Parses text into a new table; NULL when it does not parse. */
static route_table *parse(const char *text, size_t len, buf *err)
{
	route_table *t = route_table_new();
	buf_reset(err);
	if (eskip_parse(t, text, len, err, NULL) != 0) {
		route_table_free(t);
		return NULL;
	}
	return t;
}

static void served(route_table *t, buf *out)
{
	route_table_canonicalize(t);
	buf_reset(out);
	served_form_print(out, t);
}

/* Asserts that `text` (printed by us) parses and serves as `want`. */
static void check_reparse(const char *what, const buf *text, const buf *want)
{
	buf err = BUF_INIT, got = BUF_INIT;
	route_table *t = parse(text->ptr ? text->ptr : "", text->len, &err);
	FUZZ_ASSERT(t != NULL, "%s does not parse: %s\n--- text:\n%.*s", what, err.ptr, (int)text->len, text->ptr);
	served(t, &got);
	FUZZ_ASSERT(got.len == want->len && memcmp(got.ptr, want->ptr, got.len) == 0,
		    "%s serves differently\n--- text:\n%.*s\n--- served:\n%.*s\n--- want:\n%.*s", what,
		    (int)text->len, text->ptr, (int)got.len, got.ptr, (int)want->len, want->ptr);
	route_table_free(t);
	buf_free(&err);
	buf_free(&got);
}

/* Bytes the legacy regexp printer escapes as two-character sequences, or that the lexer's
 * bracket toggle trips on: such values do not round-trip (spec A2.7, A6.2). */
#define REGEXP_UNSAFE "[\a\b\f\n\r\t\v"

static bool legacy_unprintable(const route *r)
{
	for (size_t i = 0; i < r->nhost_regexps; i++)
		if (fuzz_has_any(r->host_regexps[i], REGEXP_UNSAFE))
			return true;
	for (size_t i = 0; i < r->npath_regexps; i++)
		if (fuzz_has_any(r->path_regexps[i], REGEXP_UNSAFE))
			return true;
	for (size_t i = 0; i < r->nheader_regexps; i++)
		if (fuzz_has_any(r->header_regexps[i].value, REGEXP_UNSAFE))
			return true;
	return false;
}

static bool table_unprintable(const route_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (legacy_unprintable(&t->routes[i]))
			return true;
	return fuzz_known_unprintable(t);
}

/* Columns of one line of UTF-8 text without ANSI escapes. */
static size_t line_columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\033') {
			while (i < n && s[i] != 'm')
				i++;
			continue;
		}
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	return c;
}

static void diff_reports(const route_table *t, size_t width)
{
	route_table *u = route_table_new();
	for (size_t i = 0; i < t->n; i++) {
		route *r = route_table_add(u);
		route_deep_copy(u->arena, &t->routes[i], r);
		if (r->nendpoints)
			r->endpoints++, r->nendpoints--;
		if (r->npredicates)
			r->npredicates--;
		if (r->nfilters > 1) {
			call c = r->filters[0];
			r->filters[0] = r->filters[1];
			r->filters[1] = c;
		}
	}
	route_diff d, again;
	route_diff_compute(&d, t->routes, t->n, u->routes, u->n, NULL);
	route_diff_compute(&again, t->routes, t->n, u->routes, u->n, NULL);
	route_diff_keep_persistent(&again, &d);
	FUZZ_ASSERT(again.n == d.n && again.transient == 0, "a repeated comparison lost %zu entries", d.n - again.n);
	buf out = BUF_INIT;
	for (int color = 0; color < 2; color++) {
		route_diff_print_opts po = { .old_name = "a", .new_name = "b", .color = color, .width = width,
					     .group_of = kube_route_group };
		buf_reset(&out);
		route_diff_print_text(&out, &d, &po);
		for (const char *line = out.ptr, *end; line && line < out.ptr + out.len; line = end + 1) {
			end = memchr(line, '\n', (size_t)(out.ptr + out.len - line));
			if (!end)
				end = out.ptr + out.len;
			bool route_line = strncmp(line, "  - ", 4) == 0 || strncmp(line, "  + ", 4) == 0;
			size_t cols = line_columns(line, (size_t)(end - line));
			FUZZ_ASSERT(!route_line || width < 30 || cols <= width, "a route line of %zu columns at width %zu:\n%.*s",
				    cols, width, (int)(end - line), line);
		}
		po.stat = true;
		route_diff_print_text(&out, &d, &po);
	}
	buf_reset(&out);
	route_diff_print_json(&out, &d, &(route_diff_print_opts){ .old_name = "a", .new_name = "b",
								 .group_of = kube_route_group });
	buf_free(&out);
	route_diff_free(&again);
	route_diff_free(&d);
	route_table_free(u);
}

static void document_properties(const char *text, size_t len)
{
	buf err = BUF_INIT, plain = BUF_INIT, pretty = BUF_INIT, s1 = BUF_INIT, json = BUF_INIT;
	route_table *t = parse(text, len, &err);
	if (t) {
		eskip_print_routes(&plain, t->routes, t->n, &(eskip_print_opts){ .pretty = false });
		eskip_print_routes(&pretty, t->routes, t->n, &(eskip_print_opts){ .pretty = true });
		bool skip_print_checks = table_unprintable(t);
		served(t, &s1);
		eskip_print_json(&json, t->routes, t->n);
		if (!fuzz_known_unprintable(t))
			check_reparse("served form", &s1, &s1);
		if (!skip_print_checks) {
			check_reparse("plain print", &plain, &s1);
			check_reparse("pretty print", &pretty, &s1);
		}
		diff_reports(t, len ? (unsigned char)text[0] : 0);
		route_table_free(t);
	}
	buf_free(&err);
	buf_free(&plain);
	buf_free(&pretty);
	buf_free(&s1);
	buf_free(&json);
}

static void call_lists(const char *text, size_t len)
{
	arena *a = arena_new();
	buf err = BUF_INIT, out = BUF_INIT;
	call *calls;
	size_t n;
	if (eskip_parse_predicates(a, text, len, &calls, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			eskip_print_call(&out, &calls[i]);
	buf_reset(&err);
	if (eskip_parse_filters(a, text, len, &calls, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			eskip_print_call(&out, &calls[i]);
	buf_free(&err);
	buf_free(&out);
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers take a length, but callers pass NUL-terminated buffers too: give them an
	 * exact-size copy so reading past `size` is caught by ASan. */
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	document_properties(text, size);
	call_lists(text, size);
	free(text);
	return 0;
}
