/* eskip_parse.c: eskip documents, predicate lists and filter lists (spec A3, A4).
 *
 * Skipper uses a goyacc LALR(1) parser. This is a hand-written recursive-descent parser
 * for the same grammar. An LALR parser never shifts a token that cannot continue a valid
 * prefix, so it reports an error exactly at the first such token; this parser reads each
 * token once and fails at that same token, which gives the same "after token X, position
 * N" text. The one side effect of LALR reductions that shows in messages is skipper's
 * lastRouteID, set when `routeid: symbol` is reduced; see parse_document() for when that
 * happens.
 *
 * Error precedence is skipper's: a syntax error anywhere wins; then a lexer error that the
 * grammar accepted as end of input; then the first semantic error of a route in document
 * order (skipper converts routes only after the whole document parsed). */
#include "eskip/eskip.h"
#include "eskip/eskip_internal.h"
#include "eskip/eskip_lex.h"

#include <stdlib.h>
#include <string.h>

/* A malloc'd scratch array reused for every route of one parse. */
typedef struct {
	void *v;
	size_t n, cap;
} scratch;

static void *scratch_push(scratch *s, size_t size)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = realloc(s->v, s->cap * size);
		if (!s->v)
			abort();
	}
	return (char *)s->v + size * s->n++;
}

typedef struct {
	eskip_lexer lx;
	arena *a;
	tok_kind tok;            /* current lookahead */
	str route_id;            /* skipper's lastRouteID */
	bool have_route_id;

	bool syntax_failed;
	buf syntax_msg;
	long syntax_pos;
	bool lex_failed;         /* message frozen when the lexer failed */
	buf lex_msg;
	long lex_pos;
	bool sem_failed;         /* first semantic (route conversion) error */
	buf sem_msg;

	/* the route being parsed */
	scratch args, preds, filters, eps;
	backend_type bt;
	str backend, algo;

	route_table *t;          /* document mode: where routes go */
	size_t first_route;      /* t->n before this parse */
	str names[64];           /* recently used call names, see intern() */
} parser;

static const str empty = { "", 0 };

static void parser_init(parser *ps, arena *a, const char *text, size_t len)
{
	memset(ps, 0, sizeof *ps);
	eskip_lex_init(&ps->lx, a, text, len);
	ps->a = a;
}

static void parser_free(parser *ps)
{
	free(ps->args.v);
	free(ps->preds.v);
	free(ps->filters.v);
	free(ps->eps.v);
	buf_free(&ps->syntax_msg);
	buf_free(&ps->lex_msg);
	buf_free(&ps->sem_msg);
}

/* "parse failed after token <LAST>[, last route id: <ID>], position <POS>: <MSG>" */
static void format_error(const parser *ps, buf *out, const char *msg)
{
	buf_reset(out);
	buf_puts(out, "parse failed after token ");
	buf_append(out, ps->lx.last.ptr, ps->lx.last.len);
	if (ps->have_route_id) {
		buf_puts(out, ", last route id: ");
		buf_append(out, ps->route_id.ptr, ps->route_id.len);
	}
	buf_printf(out, ", position %ld: %s", eskip_lex_pos(&ps->lx), msg);
}

/* Reads the next token. A lexer error freezes its message with the state at that moment
 * (skipper formats it inside Lex) and shows up to the grammar as end of input. */
static void advance(parser *ps)
{
	ps->tok = eskip_lex_next(&ps->lx);
	if (ps->lx.err && !ps->lex_failed) {
		ps->lex_failed = true;
		ps->lex_pos = eskip_lex_pos(&ps->lx);
		format_error(ps, &ps->lex_msg, ps->lx.err);
	}
}

static bool syntax_error(parser *ps)
{
	ps->syntax_failed = true;
	ps->syntax_pos = eskip_lex_pos(&ps->lx);
	format_error(ps, &ps->syntax_msg, "syntax error");
	return false;
}

/* --- grammar ----------------------------------------------------------------------------- */

/* The arena copy of a predicate/filter/algorithm name. A table uses a few dozen names tens of
 * thousands of times; one shared copy per name saves an allocation per call. Strings are
 * immutable and live as long as the arena, so sharing them is safe. */
static str intern(parser *ps, str name)
{
	unsigned h = (unsigned)(name.len * 31 + (unsigned char)name.ptr[0] * 7 + (unsigned char)name.ptr[name.len - 1] * 3) & 63;
	str *e = &ps->names[h];
	if (e->ptr && e->len == name.len && memcmp(e->ptr, name.ptr, name.len) == 0)
		return *e;
	*e = arena_strndup(ps->a, name.ptr, name.len);
	return *e;
}

/* '(' args ')' after a call name; appends the call to list. args := ε | arg | args ',' arg,
 * which makes ONE leading comma legal: f(, "a") (the quirk in A3). */
static bool parse_call(parser *ps, str name, scratch *list)
{
	if (ps->tok != TOK_OPENPAREN)
		return syntax_error(ps);
	ps->args.n = 0;
	advance(ps);
	if (ps->tok != TOK_CLOSEPAREN) {
		if (ps->tok == TOK_COMMA)
			advance(ps);
		for (;;) {
			arg *a = scratch_push(&ps->args, sizeof *a);
			if (ps->tok == TOK_NUMBER)
				*a = (arg){ .type = ARG_NUMBER, .num = ps->lx.num, .s = empty };
			else if (ps->tok == TOK_STRING || ps->tok == TOK_REGEXP)
				*a = (arg){ .type = ARG_STRING, .s = ps->lx.text };   /* already in the arena */
			else
				return syntax_error(ps);
			advance(ps);
			if (ps->tok == TOK_CLOSEPAREN)
				break;
			if (ps->tok != TOK_COMMA)
				return syntax_error(ps);
			advance(ps);
		}
	}
	call *c = scratch_push(list, sizeof *c);
	c->name = intern(ps, name);
	c->nargs = ps->args.n;
	c->args = arena_array_alloc(ps->a, c->nargs, sizeof *c->args);
	if (c->nargs)
		memcpy(c->args, ps->args.v, c->nargs * sizeof *c->args);
	advance(ps);
	return true;
}

/* predicate := '*' | SYMBOL '(' args ')'. "*" keeps a static name: it is always dropped. */
static bool parse_predicate(parser *ps)
{
	if (ps->tok == TOK_ANY) {
		call *c = scratch_push(&ps->preds, sizeof *c);
		*c = (call){ .name = { "*", 1 } };
		advance(ps);
		return true;
	}
	if (ps->tok != TOK_SYMBOL)
		return syntax_error(ps);
	str name = ps->lx.text;
	advance(ps);
	return parse_call(ps, name, &ps->preds);
}

/* predicate ('&&' predicate)*, starting at the current token. */
static bool parse_predicates(parser *ps)
{
	for (;;) {
		if (!parse_predicate(ps))
			return false;
		if (ps->tok != TOK_AND)
			return true;
		advance(ps);
	}
}

/* lbbackend := '<' [SYMBOL ','] STRING (',' STRING)* '>'; the current token is '<'. */
static bool parse_lb(parser *ps)
{
	ps->bt = BACKEND_LB;
	advance(ps);
	if (ps->tok == TOK_SYMBOL) {
		ps->algo = ps->lx.text;
		advance(ps);
		if (ps->tok != TOK_COMMA)
			return syntax_error(ps);
		advance(ps);
	}
	for (;;) {
		if (ps->tok != TOK_STRING)
			return syntax_error(ps);
		*(str *)scratch_push(&ps->eps, sizeof(str)) = ps->lx.text;
		advance(ps);
		if (ps->tok == TOK_CLOSEARROW)
			break;
		if (ps->tok != TOK_COMMA)
			return syntax_error(ps);
		advance(ps);
	}
	advance(ps);
	return true;
}

static bool parse_backend(parser *ps)
{
	switch (ps->tok) {
	case TOK_STRING:
		ps->bt = BACKEND_NETWORK;
		ps->backend = ps->lx.text;
		break;
	case TOK_SHUNT: ps->bt = BACKEND_SHUNT; break;
	case TOK_LOOPBACK: ps->bt = BACKEND_LOOPBACK; break;
	case TOK_DYNAMIC: ps->bt = BACKEND_DYNAMIC; break;
	case TOK_FORWARD: ps->bt = BACKEND_FORWARD; break;
	case TOK_OPENARROW: return parse_lb(ps);
	default: return syntax_error(ps);
	}
	advance(ps);
	return true;
}

/* After the predicates: '->' (filter '->')* backend. A symbol after an arrow can only
 * start a filter, because no backend starts with one. */
static bool parse_route_tail(parser *ps)
{
	if (ps->tok != TOK_ARROW)
		return syntax_error(ps);
	advance(ps);
	while (ps->tok == TOK_SYMBOL) {
		str name = ps->lx.text;
		advance(ps);
		if (!parse_call(ps, name, &ps->filters))
			return false;
		if (ps->tok != TOK_ARROW)
			return syntax_error(ps);
		advance(ps);
	}
	return parse_backend(ps);
}

static void route_begin(parser *ps)
{
	ps->preds.n = ps->filters.n = ps->eps.n = 0;
	ps->bt = BACKEND_NETWORK;
	ps->backend = ps->algo = empty;
}

/* --- semantic pass (A4) ---------------------------------------------------------------- */

static bool semantic_error(parser *ps)
{
	ps->sem_failed = true;
	return false;
}

/* Every endpoint must be a request URI; schemes must not change once one was seen. */
static bool check_endpoints(parser *ps)
{
	const str *eps = ps->eps.v;
	str prev = empty;
	for (size_t i = 0; i < ps->eps.n; i++)
		if (!eskip_endpoint_valid(eps[i], &prev, &ps->sem_msg))
			return semantic_error(ps);
	return true;
}

typedef enum { P_GENERIC, P_DROP, P_PATH, P_HOST, P_PATHREGEXP, P_METHOD, P_HEADER, P_HEADERREGEXP } pred_kind;

static pred_kind classify(str name)
{
#define IS(lit) (name.len == sizeof lit - 1 && memcmp(name.ptr, lit, sizeof lit - 1) == 0)
	switch (name.len) {
	case 1: return IS("*") ? P_DROP : P_GENERIC;
	case 3: return IS("Any") ? P_DROP : P_GENERIC;
	case 4: return IS("Path") ? P_PATH : IS("Host") ? P_HOST : P_GENERIC;
	case 6: return IS("Method") ? P_METHOD : IS("Header") ? P_HEADER : P_GENERIC;
	case 10: return IS("PathRegexp") ? P_PATHREGEXP : P_GENERIC;
	case 12: return IS("HeaderRegexp") ? P_HEADERREGEXP : P_GENERIC;
	default: return P_GENERIC;
	}
#undef IS
}

/* Exactly n string arguments, or skipper's message naming the route. */
static bool string_args(const call *p, size_t n, str id, buf *err)
{
	bool ok = p->nargs == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = p->args[i].type == ARG_STRING;
	if (ok)
		return true;
	buf_puts(err, "invalid route ");
	go_quote(err, id.ptr, id.len);
	buf_puts(err, ": ");
	buf_append(err, p->name.ptr, p->name.len);
	if (n == 1)
		buf_puts(err, " predicate expects 1 string argument");
	else
		buf_printf(err, " predicate expects %zu string arguments", n);
	return false;
}

/* Whether a Header predicate before preds[i] has the same name. The earlier ones all
 * passed their argument check (the first failure ends the pass), so that Header(1, 2)
 * never counts as a header name is skipper's "only after a valid occurrence" rule. */
static bool header_seen(const call *preds, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (classify(preds[j].name) == P_HEADER && str_eq(preds[j].args[0].s, preds[i].args[0].s))
			return true;
	return false;
}

/* Path and Method: one string argument, at most once (a duplicate counts only after a
 * valid first occurrence, as in skipper). */
static bool single_string_once(const call *p, bool *seen, const char *duplicate_msg, str id, buf *err)
{
	if (*seen) {
		buf_puts(err, duplicate_msg);
		return false;
	}
	if (!string_args(p, 1, id, err))
		return false;
	*seen = true;
	return true;
}

bool eskip_predicates_valid(const call *preds, size_t n, str id, buf *err)
{
	bool path_set = false, method_set = false;
	for (size_t i = 0; i < n; i++) {
		const call *p = &preds[i];
		switch (classify(p->name)) {
		case P_DROP:
		case P_GENERIC:
			break;
		case P_PATH:
			if (!single_string_once(p, &path_set, "duplicate path tree predicate", id, err))
				return false;
			break;
		case P_METHOD:
			if (!single_string_once(p, &method_set, "duplicate method predicate", id, err))
				return false;
			break;
		case P_HOST:
		case P_PATHREGEXP:
			if (!string_args(p, 1, id, err))
				return false;
			break;
		case P_HEADERREGEXP:
			if (!string_args(p, 2, id, err))
				return false;
			break;
		case P_HEADER:
			if (!string_args(p, 2, id, err))
				return false;
			if (header_seen(preds, i)) {
				buf_puts(err, "duplicate header predicate: ");
				buf_append(err, p->args[0].s.ptr, p->args[0].s.len);
				return false;
			}
			break;
		}
	}
	return true;
}

static void push_str(arena *a, str **arr, size_t *n, str s) { *(str *)arena_array_push(a, (void **)arr, n, sizeof s) = s; }

static void push_pair(arena *a, header_pair **arr, size_t *n, str k, str v)
{
	*(header_pair *)arena_array_push(a, (void **)arr, n, sizeof **arr) = (header_pair){ k, v };
}

/* Moves Path, Host, PathRegexp, Method, Header and HeaderRegexp into the legacy fields,
 * drops * and Any, keeps the rest as generic predicates in order (A4 step 3), after
 * eskip_predicates_valid checked them (route_check_parsable applies the same rules).
 * Deviation: Path("") and Method("") stay generic predicates. Skipper stores "" in the
 * legacy field, which means "none", so the predicate silently vanishes and the printed
 * route differs from what was parsed; keeping it makes the served form a fixed point
 * (DECISIONS.md 1). They still count for the duplicate checks. */
static bool apply_predicates(parser *ps, route *r, str id)
{
	call *preds = ps->preds.v;
	if (!eskip_predicates_valid(preds, ps->preds.n, id, &ps->sem_msg))
		return semantic_error(ps);
	size_t generic = 0;
	for (size_t i = 0; i < ps->preds.n; i++) {
		call *p = &preds[i];
		const arg *a = p->args;
		switch (classify(p->name)) {
		case P_DROP:
			break;
		case P_GENERIC:
			preds[generic++] = *p;
			break;
		case P_PATH:
			if (a[0].s.len)
				r->path = a[0].s;
			else
				preds[generic++] = *p;
			break;
		case P_METHOD:
			if (a[0].s.len)
				r->method = a[0].s;
			else
				preds[generic++] = *p;
			break;
		case P_HOST:
			push_str(ps->a, &r->host_regexps, &r->nhost_regexps, a[0].s);
			break;
		case P_PATHREGEXP:
			push_str(ps->a, &r->path_regexps, &r->npath_regexps, a[0].s);
			break;
		case P_HEADERREGEXP:
			push_pair(ps->a, &r->header_regexps, &r->nheader_regexps, a[0].s, a[1].s);
			break;
		case P_HEADER:
			push_pair(ps->a, &r->headers, &r->nheaders, a[0].s, a[1].s);
			break;
		}
	}
	r->npredicates = generic;
	r->predicates = arena_array_alloc(ps->a, generic, sizeof *r->predicates);
	if (generic)
		memcpy(r->predicates, preds, generic * sizeof *preds);
	return true;
}

/* Makes room for the next route. Doubling from 64 copies the (large) route structs about
 * log n times and page faults on fresh arena memory dominate parsing big tables, so after
 * 64 routes the table grows once to the number of routes the rest of the text probably holds,
 * extrapolated from the bytes per route so far (+12%). */
static void reserve_route(parser *ps)
{
	route_table *t = ps->t;
	if (t->n < t->cap)
		return;
	size_t cap = t->cap ? t->cap * 2 : 64, done = t->n - ps->first_route;
	if (done >= 64) {
		size_t per_route = (size_t)(ps->lx.p - ps->lx.begin) / done + 1;
		size_t more = (size_t)(ps->lx.end - ps->lx.p) / per_route + 1;
		if (t->n + more + more / 8 + 16 > cap)
			cap = t->n + more + more / 8 + 16;
	}
	t->routes = arena_grow(t->arena, t->routes, t->n, cap, sizeof *t->routes);
	t->cap = cap;
}

/* Converts the parsed route into the table (A4). After the first semantic error nothing
 * more is converted, but parsing goes on: a later syntax error takes precedence. */
static void emit_route(parser *ps, str id)
{
	if (ps->sem_failed)
		return;
	if (ps->bt == BACKEND_LB && !check_endpoints(ps))
		return;
	route r;
	memset(&r, 0, sizeof r);
	r.id = id.len ? arena_strndup(ps->a, id.ptr, id.len) : empty;
	r.path = r.method = r.backend = r.lb_algorithm = empty;
	r.nfilters = ps->filters.n;
	r.filters = arena_array_alloc(ps->a, r.nfilters, sizeof *r.filters);
	if (r.nfilters)
		memcpy(r.filters, ps->filters.v, r.nfilters * sizeof *r.filters);
	r.shunt = ps->bt == BACKEND_SHUNT;
	r.backend_type = ps->bt;
	r.backend = ps->backend;
	if (ps->algo.len)
		r.lb_algorithm = intern(ps, ps->algo);
	r.nendpoints = ps->eps.n;
	r.endpoints = arena_array_alloc(ps->a, r.nendpoints, sizeof *r.endpoints);
	for (size_t i = 0; i < r.nendpoints; i++)
		r.endpoints[i] = eskip_endpoint_from_string(ps->a, ((str *)ps->eps.v)[i]);
	if (!apply_predicates(ps, &r, id))
		return;
	reserve_route(ps);
	*route_table_add(ps->t) = r;
}

/* --- documents --------------------------------------------------------------------------- */

static void set_route_id(parser *ps, str id)
{
	ps->route_id = id;
	ps->have_route_id = true;
}

/* After the route id: ':' route. */
static bool parse_routedef(parser *ps, str id)
{
	if (ps->tok != TOK_COLON)
		return syntax_error(ps);
	advance(ps);
	route_begin(ps);
	if (!parse_predicates(ps) || !parse_route_tail(ps))
		return false;
	emit_route(ps, id);
	return true;
}

/* A lone route without id: the whole document. The current token is '*', or '(' after the
 * first predicate's name (given). */
static bool parse_lone_route(parser *ps, const str *first_name)
{
	route_begin(ps);
	if (first_name) {
		if (!parse_call(ps, *first_name, &ps->preds))
			return false;
		if (ps->tok == TOK_AND) {
			advance(ps);
			if (!parse_predicates(ps))
				return false;
		}
	} else if (!parse_predicates(ps)) {
		return false;
	}
	if (!parse_route_tail(ps))
		return false;
	if (ps->tok != TOK_EOF)
		return syntax_error(ps);
	emit_route(ps, empty);
	return true;
}

/* document := routes | route. A leading symbol is a route id unless '(' follows (then it
 * names the first predicate of a lone route). In skipper's tables the state after that
 * first symbol reduces `routeid: symbol` by default, i.e. for every lookahead but '(' —
 * so the id shows in the error even when no ':' follows ("foo bar" → last route id: foo).
 * After a ';' the reduction needs no lookahead: the id is set before the next token. */
static bool parse_document(parser *ps)
{
	bool need_separator = false;
	advance(ps);
	if (ps->tok == TOK_ANY)
		return parse_lone_route(ps, NULL);
	if (ps->tok == TOK_SYMBOL) {
		str name = ps->lx.text;
		advance(ps);
		if (ps->tok == TOK_OPENPAREN)
			return parse_lone_route(ps, &name);
		set_route_id(ps, name);
		if (!parse_routedef(ps, name))
			return false;
		need_separator = true;
	}
	for (;;) {
		if (ps->tok == TOK_EOF)
			return true;
		if (ps->tok == TOK_SEMICOLON) {
			need_separator = false;
			advance(ps);
			continue;
		}
		if (need_separator || ps->tok != TOK_SYMBOL)
			return syntax_error(ps);
		str id = ps->lx.text;
		set_route_id(ps, id);
		advance(ps);
		if (!parse_routedef(ps, id))
			return false;
		need_separator = true;
	}
}

/* Picks the message by precedence (see the top of the file); 0 when there is none. */
static int parser_result(parser *ps, buf *err, long *err_pos)
{
	const buf *msg = NULL;
	long pos = -1;
	if (ps->syntax_failed) {
		msg = &ps->syntax_msg;
		pos = ps->syntax_pos;
	} else if (ps->lex_failed) {
		msg = &ps->lex_msg;
		pos = ps->lex_pos;
	} else if (ps->sem_failed) {
		msg = &ps->sem_msg;
	}
	if (!msg)
		return 0;
	if (err) {
		buf_reset(err);
		buf_append(err, msg->ptr, msg->len);
	}
	if (err_pos)
		*err_pos = pos;
	return -1;
}

int eskip_parse(route_table *t, const char *text, size_t len, buf *err, long *err_pos)
{
	size_t n0 = t->n;
	parser ps;
	parser_init(&ps, t->arena, text, len);
	ps.t = t;
	ps.first_route = n0;
	parse_document(&ps);
	int rc = parser_result(&ps, err, err_pos);
	if (rc)
		t->n = n0;
	parser_free(&ps);
	return rc;
}

/* Copies the collected calls to the arena, dropping "*" (ParsePredicates does, A3.1). */
static void take_calls(parser *ps, scratch *list, bool drop_any, call **out, size_t *n)
{
	call *v = list->v;
	size_t k = 0;
	for (size_t i = 0; i < list->n; i++)
		if (!drop_any || !(v[i].name.len == 1 && v[i].name.ptr[0] == '*'))
			v[k++] = v[i];
	*n = k;
	*out = k ? arena_array_alloc(ps->a, k, sizeof **out) : NULL;
	if (k)
		memcpy(*out, v, k * sizeof **out);
}

int eskip_parse_predicates(arena *a, const char *text, size_t len, call **out, size_t *n, buf *err)
{
	*out = NULL;
	*n = 0;
	go_trim_space(&text, &len);
	if (len == 0)
		return 0;
	parser ps;
	parser_init(&ps, a, text, len);
	advance(&ps);
	if (ps.tok != TOK_EOF && parse_predicates(&ps) && ps.tok != TOK_EOF)
		syntax_error(&ps);
	int rc = parser_result(&ps, err, NULL);
	if (rc == 0)
		take_calls(&ps, &ps.preds, true, out, n);
	parser_free(&ps);
	return rc;
}

/* filters := filter ('->' filter)* */
static bool parse_filter_list(parser *ps)
{
	for (;;) {
		if (ps->tok != TOK_SYMBOL)
			return syntax_error(ps);
		str name = ps->lx.text;
		advance(ps);
		if (!parse_call(ps, name, &ps->filters))
			return false;
		if (ps->tok == TOK_EOF)
			return true;
		if (ps->tok != TOK_ARROW)
			return syntax_error(ps);
		advance(ps);
	}
}

int eskip_parse_filters(arena *a, const char *text, size_t len, call **out, size_t *n, buf *err)
{
	*out = NULL;
	*n = 0;
	go_trim_space(&text, &len);
	if (len == 0)
		return 0;
	parser ps;
	parser_init(&ps, a, text, len);
	advance(&ps);
	if (ps.tok != TOK_EOF)
		parse_filter_list(&ps);
	int rc = parser_result(&ps, err, NULL);
	if (rc == 0)
		take_calls(&ps, &ps.filters, false, out, n);
	parser_free(&ps);
	return rc;
}
