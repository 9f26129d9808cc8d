/* Helpers for the eskip unit tests: parse/print round trips returning C strings.
 * Returned strings live in a small ring of buffers (valid for the next few calls);
 * util_cleanup() frees them so valgrind sees no leaks. */
#ifndef ESKIP_TEST_UTIL_H
#define ESKIP_TEST_UTIL_H
#include <stdbool.h>
#include <string.h>

#include "eskip/eskip.h"
#include "table/served_form.h"

static buf util_ring[8];
static int util_next;

static inline buf *util_buf(void)
{
	buf *b = &util_ring[util_next++ % 8];
	buf_reset(b);
	buf_reserve(b, 0);
	b->ptr[0] = 0;
	return b;
}

static inline void util_cleanup(void)
{
	for (int i = 0; i < 8; i++)
		buf_free(&util_ring[i]);
}

/* Parses doc (n bytes) and prints it back (Fprint form), or "ERR <pos>: <message>". */
static inline const char *roundtrip_n(const char *doc, size_t n, bool pretty)
{
	route_table *t = route_table_new();
	buf *out = util_buf(), err = BUF_INIT;
	long pos = 0;
	if (eskip_parse(t, doc, n, &err, &pos)) {
		buf_printf(out, "ERR %ld: %s", pos, err.ptr);
	} else {
		eskip_print_opts o = { pretty, "  " };
		eskip_print_routes(out, t->routes, t->n, &o);
	}
	buf_free(&err);
	route_table_free(t);
	return out->ptr;
}

static inline const char *roundtrip(const char *doc) { return roundtrip_n(doc, strlen(doc), false); }

/* Only the error message of a document parse ("" if it parsed). */
static inline const char *parse_error(const char *doc)
{
	route_table *t = route_table_new();
	buf *out = util_buf();
	if (eskip_parse(t, doc, strlen(doc), out, NULL) == 0)
		buf_reset(out);
	route_table_free(t);
	return out->ptr ? out->ptr : "";
}

/* Calls printed one per element joined by " | ", "null" for none, or "ERR: msg". */
static inline const char *calls_string(int (*fn)(arena *, const char *, size_t, call **, size_t *, buf *), const char *s, size_t n)
{
	arena *a = arena_new();
	buf *out = util_buf(), err = BUF_INIT;
	call *c;
	size_t nc;
	if (fn(a, s, n, &c, &nc, &err)) {
		buf_printf(out, "ERR: %s", err.ptr);
	} else if (nc == 0) {
		buf_puts(out, c == NULL ? "null" : "empty-but-not-null");
	} else {
		for (size_t i = 0; i < nc; i++) {
			if (i)
				buf_puts(out, " | ");
			eskip_print_call(out, &c[i]);
		}
	}
	buf_free(&err);
	arena_free(a);
	return out->ptr;
}

static inline const char *preds(const char *s) { return calls_string(eskip_parse_predicates, s, strlen(s)); }
static inline const char *filters(const char *s) { return calls_string(eskip_parse_filters, s, strlen(s)); }

/* Canonicalises the table and prints its served form. */
static inline const char *served(route_table *t)
{
	buf *out = util_buf();
	route_table_canonicalize(t);
	served_form_print(out, t);
	return out->ptr;
}

/* Parses doc into a new table; NULL on error. */
static inline route_table *parse_table(const char *doc)
{
	route_table *t = route_table_new();
	if (eskip_parse(t, doc, strlen(doc), NULL, NULL)) {
		route_table_free(t);
		return NULL;
	}
	return t;
}
#endif
