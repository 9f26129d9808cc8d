/* eskip_check.c: would skipper parse this route? (route_check_parsable and
 * route_table_drop_unparsable, eskip.h).
 *
 * The definition is literal: a route is parsable when its served text (the document of a
 * table holding only it) parses with eskip_parse into one route with the same id. One bad
 * route makes skipper reject the whole table and keep its old one, so routesrv drops such
 * routes instead of serving them.
 *
 * Printing and parsing each of 40 000 routes on every table change costs more than the
 * check is worth, so a structural check first proves the usual route parsable without
 * printing it. It only says yes where the printed text is known to lex and parse:
 *   - no legacy fields (their regexp printing has quirks of its own);
 *   - the id, call names and LB algorithm are symbols, so they lex as one token each;
 *   - numbers are finite: eskip_print_number writes them positionally, which lexes back to
 *     the same double; strings are escaped by the printer and always lex back exactly;
 *   - an LB backend has endpoints;
 *   - the parser's own semantic rules (eskip_predicates_valid, eskip_endpoint_valid) accept
 *     the predicates and the endpoint texts as printed ("address?zone=QueryEscape(zone)").
 * Everything else (in practice: routes that are broken) goes through the literal print and
 * parse, which also gives skipper's exact error text. */
#include "eskip/eskip.h"
#include "eskip/eskip_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define NAME_CACHE 64

/* Scratch space of one check, reused across the routes of a table. */
typedef struct {
	buf text, err;
	arena *parsed;   /* for the literal parse; NULL until needed */
	/* Call names already shown to be symbols, by address: a table uses a few dozen names,
	 * each string shared by many calls (interned by the parser, literals in the converters). */
	const char *names[NAME_CACHE];
	size_t name_lens[NAME_CACHE];
} checker;

static void checker_free(checker *c)
{
	buf_free(&c->text);
	buf_free(&c->err);
	arena_free(c->parsed);
}

/* Symbol bytes: 2 may start a symbol (A-Z a-z _), 1 may follow (and digits). */
static const unsigned char symbol_byte[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['_'] = 2,
	['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, ['G'] = 2, ['H'] = 2, ['I'] = 2,
	['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2,
	['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2, ['Y'] = 2, ['Z'] = 2,
	['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 2,
	['j'] = 2, ['k'] = 2, ['l'] = 2, ['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2,
	['s'] = 2, ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2, ['y'] = 2, ['z'] = 2,
};

/* [A-Za-z_][A-Za-z0-9_]*: the lexer's symbol (A2.4). Branch-free over the bytes: ids are
 * long (kube ids run to 60 bytes and more). */
static bool is_symbol(str s)
{
	if (s.len == 0 || symbol_byte[(unsigned char)s.ptr[0]] != 2)
		return false;
	unsigned char ok = 1;
	for (size_t i = 1; i < s.len; i++)
		ok &= symbol_byte[(unsigned char)s.ptr[i]] != 0;
	return ok;
}

static bool is_any(str name) { return name.len == 3 && memcmp(name.ptr, "Any", 3) == 0; }

static bool is_symbol_name(checker *k, str name)
{
	size_t h = ((uintptr_t)name.ptr >> 3) % NAME_CACHE;
	if (k->names[h] == name.ptr && k->name_lens[h] == name.len && name.ptr)
		return true;
	if (!is_symbol(name))
		return false;
	k->names[h] = name.ptr;
	k->name_lens[h] = name.len;
	return true;
}

/* The call prints as tokens that lex back to the same call. */
static bool call_lexes(checker *k, const call *c)
{
	if (!is_symbol_name(k, c->name))
		return false;
	for (size_t i = 0; i < c->nargs; i++)
		if (c->args[i].type == ARG_NUMBER && !isfinite(c->args[i].num))
			return false;
	return true;
}

static bool has_legacy(const route *r)
{
	return r->path.len || r->nhost_regexps || r->npath_regexps || r->method.len || r->nheaders || r->nheader_regexps;
}

static bool scheme_eq(str a, str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if ((a.ptr[i] | 0x20) != (b.ptr[i] | 0x20))
			return false;
	return true;
}

/* The endpoints as the parser sees them: the printed text, unescaped by the lexer. */
static bool endpoints_valid(const route *r, checker *c)
{
	str prev = { "", 0 };
	for (size_t i = 0; i < r->nendpoints; i++) {
		const lb_endpoint *e = &r->endpoints[i];
		str scheme;
		if (eskip_endpoint_plain(e, &scheme)) {   /* the usual endpoint, in one pass */
			if (prev.len && !scheme_eq(prev, scheme))
				return false;
			prev = scheme;
			continue;
		}
		str text = e->address;
		if (e->zone.len) {
			buf_reset(&c->text);
			eskip_print_endpoint(&c->text, e);
			text = (str){ c->text.ptr, c->text.len };
		}
		if (!eskip_endpoint_valid(text, &prev, &c->err))
			return false;
		if (e->zone.len)   /* prev points into c->text: keep the scheme elsewhere */
			prev = (str){ e->address.ptr, prev.len };
	}
	return true;
}

/* True only when r's served text certainly parses back to one route with r's id; false
 * means "not proven" (see the top of the file). alone: r is the table's only route, where
 * an empty id prints as the bare expression. */
static bool provably_parsable(const route *r, bool alone, checker *c)
{
	if (has_legacy(r) || !(is_symbol(r->id) || (alone && r->id.len == 0)))
		return false;
	for (size_t i = 0; i < r->npredicates; i++)
		if (!is_any(r->predicates[i].name) && !call_lexes(c, &r->predicates[i]))
			return false;
	for (size_t i = 0; i < r->nfilters; i++)
		if (!call_lexes(c, &r->filters[i]))
			return false;
	bool lb = !r->shunt && r->backend_type == BACKEND_LB;
	if (lb && (r->nendpoints == 0 || (r->lb_algorithm.len && !is_symbol(r->lb_algorithm))))
		return false;
	buf_reset(&c->err);
	if (!eskip_predicates_valid(r->predicates, r->npredicates, r->id, &c->err))
		return false;
	return !lb || endpoints_valid(r, c);
}

/* The route's text in a served document: "id: expr;", or the bare expression for the only
 * route of a table without id; an id-less route among others prints as ": expr;". */
static void print_served_route(buf *out, const route *r, bool alone)
{
	if (r->id.len || alone) {
		eskip_print_routes(out, r, 1, NULL);
		return;
	}
	buf_append(out, ": ", 2);
	eskip_print_expression(out, r, NULL);
	buf_putc(out, ';');
}

/* The literal check: print, parse, compare the id. */
static int parse_printed(const route *r, bool alone, checker *c, buf *err)
{
	buf_reset(&c->text);
	print_served_route(&c->text, r, alone);
	if (!c->parsed)
		c->parsed = arena_new();
	route_table t = { .arena = c->parsed };
	int rc = eskip_parse(&t, c->text.ptr, c->text.len, err, NULL);
	if (rc == 0 && (t.n != 1 || !str_eq(t.routes[0].id, r->id))) {
		buf_reset(err);
		buf_puts(err, "route id ");
		go_quote(err, r->id.ptr, r->id.len);
		if (t.n == 1) {
			buf_puts(err, " reads back as ");
			go_quote(err, t.routes[0].id.ptr, t.routes[0].id.len);
		} else {
			buf_printf(err, " reads back as %zu routes", t.n);
		}
		rc = -1;
	}
	/* The parsed routes are not needed: start afresh rather than let the arena grow. */
	if (arena_bytes(c->parsed) > (1u << 20)) {
		arena_free(c->parsed);
		c->parsed = NULL;
	}
	return rc;
}

static int check_route(const route *r, bool alone, checker *c, buf *err)
{
	if (provably_parsable(r, alone, c))
		return 0;
	return parse_printed(r, alone, c, err);
}

int route_check_parsable(const route *r, buf *err)
{
	checker c = { .text = BUF_INIT, .err = BUF_INIT };
	buf msg = BUF_INIT;
	int rc = check_route(r, true, &c, &msg);
	if (rc && err)
		buf_append(err, msg.ptr, msg.len);
	buf_free(&msg);
	checker_free(&c);
	return rc;
}

int route_check_parsable_literal(const route *r, bool alone, buf *err)
{
	checker c = { .text = BUF_INIT, .err = BUF_INIT };
	buf msg = BUF_INIT;
	int rc = parse_printed(r, alone, &c, &msg);
	if (rc && err)
		buf_append(err, msg.ptr, msg.len);
	buf_free(&msg);
	checker_free(&c);
	return rc;
}

size_t route_table_drop_unparsable(route_table *t, route_drop_fn dropped, void *ctx)
{
	checker c = { .text = BUF_INIT, .err = BUF_INIT };
	buf err = BUF_INIT;
	bool alone = t->n == 1;
	size_t kept = 0;
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		buf_reset(&err);
		if (check_route(r, alone, &c, &err) == 0) {
			if (kept != i)
				t->routes[kept] = *r;
			kept++;
		} else if (dropped) {
			dropped(r, err.ptr ? err.ptr : "", ctx);
		}
	}
	size_t n = t->n - kept;
	t->n = kept;
	buf_free(&err);
	checker_free(&c);
	return n;
}
