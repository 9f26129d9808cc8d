/* eskip_print.c: skipper's eskip printer, byte for byte (spec A6).
 *
 * Output goes straight into the buf: space is reserved once per piece and bytes are
 * written through a pointer, so printing a big table costs no function call per byte and
 * no snprintf for strings. */
#include "eskip/eskip.h"
#include "eskip/eskip_internal.h"

#include <stdlib.h>
#include <string.h>

/* Room for n more bytes plus the NUL the buf promises; returns the write position. */
static inline char *room(buf *b, size_t n)
{
	if (b->cap - b->len < n + 1)
		buf_reserve(b, n);
	return b->ptr + b->len;
}

static inline void put(buf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	memcpy(room(b, n), s, n);
	b->len += n;
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

void eskip_print_go_float(buf *out, double v) { go_print_float(out, v, true); }

/* Served tables must parse again in every skipper, and eskip has no exponent syntax, so
 * arguments print positionally (1e-05 as 0.00001): the same double, a different spelling
 * than Go's %g (documented deviation; DECISIONS.md 5). */
void eskip_print_number(buf *out, double v) { go_print_float(out, v, false); }

static inline void put_str(buf *b, str s) { put(b, s.ptr, s.len); }

static inline void terminate(buf *b)
{
	room(b, 0);
	b->ptr[b->len] = 0;
}

/* escape letters of the control bytes skipper escapes; 0: byte is copied as is */
static const char esc_letter[256] = {
	['\\'] = '\\', ['\a'] = 'a', ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
	['\t'] = 't', ['\v'] = 'v',
};

/* escape(s, extra) (A6.2): the replacements are applied one after another in skipper, but
 * none of them produces a byte a later one would touch, so one pass is equivalent. */
void eskip_escape(buf *out, const char *s, size_t n, char extra)
{
	char *o = room(out, 2 * n), *start = o;
	for (size_t i = 0; i < n; i++) {
		char c = s[i], e = esc_letter[(unsigned char)c];
		if (e) {
			*o++ = '\\';
			*o++ = e;
		} else if (c == extra) {
			*o++ = '\\';
			*o++ = c;
		} else {
			*o++ = c;
		}
	}
	out->len += (size_t)(o - start);
}

static void put_quoted(buf *out, str s)
{
	*room(out, 1) = '"';
	out->len++;
	eskip_escape(out, s.ptr, s.len, '"');
	*room(out, 1) = '"';
	out->len++;
}

/* A legacy regexp as /.../. An empty one is printed as "" (which parses back to the same
 * empty legacy regexp): skipper prints //, which the lexer reads as the start of a comment
 * (spec A6.3 [QUIRK]; found by fuzz_eskip; routesrv(7)). */
static void put_regexp(buf *out, str s)
{
	if (s.len == 0) {
		PUT_LIT(out, "\"\"");
		return;
	}
	*room(out, 1) = '/';
	out->len++;
	eskip_escape(out, s.ptr, s.len, '/');
	*room(out, 1) = '/';
	out->len++;
}

static void print_arg(buf *out, const arg *a)
{
	if (a->type == ARG_STRING)
		put_quoted(out, a->s);
	else
		eskip_print_number(out, a->num);
}

void eskip_print_arg(buf *out, const arg *a)
{
	print_arg(out, a);
	terminate(out);
}

static void print_call(buf *out, const call *c)
{
	put_str(out, c->name);
	PUT_LIT(out, "(");
	for (size_t i = 0; i < c->nargs; i++) {
		if (i)
			PUT_LIT(out, ", ");
		print_arg(out, &c->args[i]);
	}
	PUT_LIT(out, ")");
}

void eskip_print_call(buf *out, const call *c)
{
	print_call(out, c);
	terminate(out);
}

/* --- predicates (A6.3) ------------------------------------------------------------------ */

typedef struct {
	size_t off, len;
} span;

static int span_cmp(const void *a, const void *b, void *base)
{
	const span *x = a, *y = b;
	const char *s = base;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(s + x->off, s + y->off, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Legacy Header / HeaderRegexp entries: printed one by one, then sorted as strings (the
 * printed text, not the names, is what skipper sorts). */
static void print_sorted_pairs(buf *out, const header_pair *p, size_t n, bool regexp, bool *first)
{
	if (n == 0)
		return;
	buf tmp = BUF_INIT;
	span small[16], *sp = n <= 16 ? small : malloc(n * sizeof *sp);
	if (!sp)
		abort();
	for (size_t i = 0; i < n; i++) {
		sp[i].off = tmp.len;
		if (regexp)
			PUT_LIT(&tmp, "HeaderRegexp(");
		else
			PUT_LIT(&tmp, "Header(");
		put_quoted(&tmp, p[i].name);
		PUT_LIT(&tmp, ", ");
		if (regexp)
			put_regexp(&tmp, p[i].value);
		else
			put_quoted(&tmp, p[i].value);
		PUT_LIT(&tmp, ")");
		sp[i].len = tmp.len - sp[i].off;
	}
	if (n > 1)   /* qsort_r: no global state, printers may run in several threads */
		qsort_r(sp, n, sizeof *sp, span_cmp, tmp.ptr);   /* equal strings are identical */
	for (size_t i = 0; i < n; i++) {
		if (!*first)
			PUT_LIT(out, " && ");
		*first = false;
		put(out, tmp.ptr + sp[i].off, sp[i].len);
	}
	if (sp != small)
		free(sp);
	buf_free(&tmp);
}

static inline void and_sep(buf *out, bool *first)
{
	if (!*first)
		PUT_LIT(out, " && ");
	*first = false;
}

static void print_predicates(buf *out, const route *r)
{
	bool first = true;
	if (r->path.len) {
		and_sep(out, &first);
		PUT_LIT(out, "Path(");
		put_quoted(out, r->path);
		PUT_LIT(out, ")");
	}
	for (size_t i = 0; i < r->nhost_regexps; i++) {
		and_sep(out, &first);
		PUT_LIT(out, "Host(");
		put_regexp(out, r->host_regexps[i]);
		PUT_LIT(out, ")");
	}
	for (size_t i = 0; i < r->npath_regexps; i++) {
		and_sep(out, &first);
		PUT_LIT(out, "PathRegexp(");
		put_regexp(out, r->path_regexps[i]);
		PUT_LIT(out, ")");
	}
	if (r->method.len) {
		and_sep(out, &first);
		PUT_LIT(out, "Method(");
		put_quoted(out, r->method);
		PUT_LIT(out, ")");
	}
	print_sorted_pairs(out, r->headers, r->nheaders, false, &first);
	print_sorted_pairs(out, r->header_regexps, r->nheader_regexps, true, &first);
	for (size_t i = 0; i < r->npredicates; i++) {
		const call *c = &r->predicates[i];
		if (c->name.len == 3 && memcmp(c->name.ptr, "Any", 3) == 0)
			continue;
		and_sep(out, &first);
		print_call(out, c);
	}
	if (first)
		PUT_LIT(out, "*");
}

/* --- backend (A6.5) ---------------------------------------------------------------------- */

static void print_endpoint(buf *out, const lb_endpoint *e, bool escaped)
{
	if (escaped)
		eskip_escape(out, e->address.ptr, e->address.len, '"');
	else
		put_str(out, e->address);
	if (e->zone.len) {
		PUT_LIT(out, "?zone=");
		go_query_escape(out, e->zone.ptr, e->zone.len);
	}
}

void eskip_print_endpoint(buf *out, const lb_endpoint *e)
{
	print_endpoint(out, e, false);
	terminate(out);
}

/* Network addresses and LB endpoints are escaped like strings: skipper prints them raw, so a
 * quote or backslash in an address (possible in RouteGroup network/lb backends) breaks the
 * whole table for every skipper; escaped, they parse back to the same address. Forward prints
 * "<forward>": skipper prints the raw, normally empty Backend field, which leaves nothing
 * after the arrow. Both are documented deviations (A6.5, DECISIONS.md 5). */
static void print_backend(buf *out, const route *r)
{
	if (r->shunt || r->backend_type == BACKEND_SHUNT) {
		PUT_LIT(out, "<shunt>");
		return;
	}
	switch (r->backend_type) {
	case BACKEND_LOOPBACK: PUT_LIT(out, "<loopback>"); return;
	case BACKEND_DYNAMIC: PUT_LIT(out, "<dynamic>"); return;
	case BACKEND_FORWARD: PUT_LIT(out, "<forward>"); return;
	case BACKEND_LB:
		PUT_LIT(out, "<");
		if (r->lb_algorithm.len) {
			put_str(out, r->lb_algorithm);
			PUT_LIT(out, ", ");
		}
		for (size_t i = 0; i < r->nendpoints; i++) {
			if (i)
				PUT_LIT(out, ", ");
			PUT_LIT(out, "\"");
			print_endpoint(out, &r->endpoints[i], true);
			PUT_LIT(out, "\"");
		}
		PUT_LIT(out, ">");
		return;
	default:
		PUT_LIT(out, "\"");
		eskip_escape(out, r->backend.ptr, r->backend.len, '"');
		PUT_LIT(out, "\"");
		return;
	}
}

/* --- routes and documents (A6.6) --------------------------------------------------------- */

static void separator(buf *out, const eskip_print_opts *o)
{
	if (o && o->pretty) {
		PUT_LIT(out, "\n");
		const char *ind = o->indent ? o->indent : "  ";
		put(out, ind, strlen(ind));
		PUT_LIT(out, "-> ");
	} else {
		PUT_LIT(out, " -> ");
	}
}

static void print_expression(buf *out, const route *r, const eskip_print_opts *o)
{
	print_predicates(out, r);
	for (size_t i = 0; i < r->nfilters; i++) {
		separator(out, o);
		print_call(out, &r->filters[i]);
	}
	separator(out, o);
	print_backend(out, r);
}

void eskip_print_expression(buf *out, const route *r, const eskip_print_opts *o)
{
	print_expression(out, r, o);
	terminate(out);
}

void eskip_print_routes(buf *out, const route *routes, size_t n, const eskip_print_opts *o)
{
	if (n == 1 && routes[0].id.len == 0) {
		print_expression(out, &routes[0], o);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i) {
				if (o && o->pretty)
					PUT_LIT(out, "\n\n");
				else
					PUT_LIT(out, "\n");
			}
			put_str(out, routes[i].id);
			PUT_LIT(out, ": ");
			print_expression(out, &routes[i], o);
			PUT_LIT(out, ";");
		}
	}
	terminate(out);
}
