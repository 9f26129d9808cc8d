/* route_process.c: routesrv's whole-table processing (default filters, OAuth2 callback
 * route, editors, clones, canonical sort), spec eskip-and-http.md A9 and B7.3. */
#include "routes/route_process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "base/log.h"
#include "go/regex.h"

#define OAUTH2_CALLBACK_ROUTE_ID "__oauth2_grant_callback"
#define CLONE_PREFIX "clone_"

void route_processing_init(route_processing *p)
{
	memset(p, 0, sizeof *p);
	p->arena = arena_new();
	p->flag.oauth2_callback_path = ROUTE_PROCESS_DEFAULT_OAUTH2_CALLBACK_PATH;
}

const opt_def *route_processing_flags(route_processing *p, size_t *n)
{
	const opt_def table[] = {
		{ .name = "processing-group", .kind = OPT_GROUP, .help = "Route processing (skipper's routesrv flags)" },
		{ .name = "default-filters-prepend", .kind = OPT_LIST, .target = &p->flag.default_filters_prepend,
		  .metavar = "FILTERS", .help = "eskip filters put before every route's own filters" },
		{ .name = "default-filters-append", .kind = OPT_LIST, .target = &p->flag.default_filters_append,
		  .metavar = "FILTERS", .help = "eskip filters put after every route's own filters" },
		{ .name = "edit-route", .kind = OPT_LIST, .target = &p->flag.edit_route, .metavar = "/REGEXP/REPLACEMENT/",
		  .help = "rewrite matching predicates and filters of every route (applied in flag order)" },
		{ .name = "clone-route", .kind = OPT_LIST, .target = &p->flag.clone_route, .metavar = "/REGEXP/REPLACEMENT/",
		  .help = "add a clone_<id> copy of every route the rewrite changes (applied in flag order)" },
		{ .name = "enable-oauth2-grant-flow", .kind = OPT_BOOL, .target = &p->enable_oauth2_grant_flow,
		  .help = "add the __oauth2_grant_callback route" },
		{ .name = "oauth2-callback-path", .kind = OPT_STRING, .target = &p->flag.oauth2_callback_path,
		  .metavar = "PATH", .help = "path of the OAuth2 grant callback route" },
		{ .name = NULL },
	};
	opt_def *copy = arena_alloc(p->arena, sizeof table);
	memcpy(copy, table, sizeof table);
	if (n)
		*n = sizeof table / sizeof *table - 1;
	return copy;
}

/* --- flag values --------------------------------------------------------------------------- */

int route_changer_parse(arena *a, const char *value, route_changer *out, buf *err)
{
	memset(out, 0, sizeof *out);
	if (!value || !*value) {
		buf_puts(err, "empty string as an argument is not allowed");
		return -1;
	}
	/* Go: strings.Split(value, value[:1]) must give ["", regexp, replacement, tail]. */
	char sep = value[0];
	const char *parts[4];
	size_t lens[4], nparts = 0;
	for (const char *s = value;;) {
		const char *next = strchr(s, sep);
		if (nparts < 4) {
			parts[nparts] = s;
			lens[nparts] = next ? (size_t)(next - s) : strlen(s);
		}
		nparts++;
		if (!next)
			break;
		s = next + 1;
	}
	if (nparts != 4) {
		buf_printf(err, "unexpected size of string split: %zu", nparts);
		return -1;
	}
	out->re = regex_compile(parts[1], lens[1], err);
	if (!out->re)
		return -1;
	out->replacement = arena_strndup(a, parts[2], lens[2]);
	return 0;
}

static void flag_error(buf *err, const char *flag, const char *value, const buf *msg)
{
	buf_printf(err, "invalid value \"%s\" for flag -%s: %s", value ? value : "", flag, msg->ptr ? msg->ptr : "");
}

/* Each occurrence appends its filters; an empty or comment-only value adds none. */
static int parse_default_filters(route_processing *p, const char *flag, const opt_list *values, call **out,
				 size_t *n, buf *err)
{
	for (size_t i = 0; i < values->n; i++) {
		const char *v = values->v[i] ? values->v[i] : "";
		call *calls;
		size_t ncalls;
		buf msg = BUF_INIT;
		if (eskip_parse_filters(p->arena, v, strlen(v), &calls, &ncalls, &msg) != 0) {
			buf perr = BUF_INIT;
			buf_printf(&perr, "failed to parse default filters: %s", msg.ptr ? msg.ptr : "");
			flag_error(err, flag, v, &perr);
			buf_free(&perr);
			buf_free(&msg);
			return -1;
		}
		buf_free(&msg);
		for (size_t k = 0; k < ncalls; k++)
			*(call *)arena_array_push(p->arena, (void **)out, n, sizeof **out) = calls[k];
	}
	return 0;
}

static int parse_changers(route_processing *p, const char *flag, const opt_list *values, route_changer **out,
			  size_t *n, buf *err)
{
	*out = arena_alloc(p->arena, (values->n ? values->n : 1) * sizeof **out);
	for (size_t i = 0; i < values->n; i++) {
		buf msg = BUF_INIT;
		if (route_changer_parse(p->arena, values->v[i], &(*out)[*n], &msg) != 0) {
			flag_error(err, flag, values->v[i], &msg);
			buf_free(&msg);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

int route_processing_finish(route_processing *p, buf *err)
{
	if (parse_default_filters(p, "default-filters-prepend", &p->flag.default_filters_prepend, &p->prepend,
				  &p->nprepend, err) ||
	    parse_default_filters(p, "default-filters-append", &p->flag.default_filters_append, &p->append,
				  &p->nappend, err) ||
	    parse_changers(p, "edit-route", &p->flag.edit_route, &p->edits, &p->nedits, err) ||
	    parse_changers(p, "clone-route", &p->flag.clone_route, &p->clones, &p->nclones, err))
		return -1;
	p->oauth2_callback_path = arena_strdup(p->arena, p->flag.oauth2_callback_path);
	return 0;
}

void route_processing_free(route_processing *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nedits; i++)
		regex_free(p->edits[i].re);
	for (size_t i = 0; i < p->nclones; i++)
		regex_free(p->clones[i].re);
	arena_free(p->arena);
	memset(p, 0, sizeof *p);
}

/* --- the edit step ------------------------------------------------------------------------- */

typedef int (*parse_calls_fn)(arena *a, const char *text, size_t len, call **out, size_t *n, buf *err);

/* "Failed to parse predicate: <err>" at level error, as skipper logs it. (Formatted here
 * and passed to log_kv: log_printf hands qsort a NULL field list, which UBSan rejects.) */
static void log_parse_failure(const char *what, const char *err)
{
	buf msg = BUF_INIT;
	buf_printf(&msg, "Failed to parse %s: %s", what, err);
	log_kv(LOG_ERROR, msg.ptr, NULL);
	buf_free(&msg);
}

/* Rewrites each call's "Name(args)" text; a changed text that parses replaces the call by
 * the first parsed one. The list is copied on the first change (copy on write). */
static bool edit_calls(arena *a, call **list, size_t n, const route_changer *c, parse_calls_fn parse,
		       const char *what)
{
	bool changed = false, owned = false;
	buf text = BUF_INIT, edited = BUF_INIT, err = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_reset(&text);
		buf_reset(&edited);
		eskip_print_call(&text, &(*list)[i]);
		regex_replace_all(c->re, text.ptr, text.len, c->replacement.ptr, c->replacement.len, &edited);
		if (edited.len == text.len && memcmp(edited.ptr ? edited.ptr : "", text.ptr, text.len) == 0)
			continue;
		call *parsed;
		size_t nparsed;
		buf_reset(&err);
		if (parse(a, edited.ptr ? edited.ptr : "", edited.len, &parsed, &nparsed, &err) != 0) {
			log_parse_failure(what, err.ptr ? err.ptr : "");
			continue;
		}
		if (nparsed == 0) {   /* skipper panics here; we keep the old call */
			buf_reset(&err);
			buf_printf(&err, "no %s in \"%s\"", what, edited.ptr ? edited.ptr : "");
			log_parse_failure(what, err.ptr);
			continue;
		}
		if (!owned) {
			call *copy = arena_array_alloc(a, n, sizeof *copy);
			memcpy(copy, *list, n * sizeof *copy);
			*list = copy;
			owned = true;
		}
		(*list)[i] = parsed[0];
		changed = true;
	}
	buf_free(&text);
	buf_free(&edited);
	buf_free(&err);
	return changed;
}

/* The A9.2 "edit one route" step on r, which must be canonical: rewrites each predicate
 * and filter text with c, keeping a rewrite that parses. Arrays are copied before they are
 * changed (allocated in a), so lists shared with other routes stay untouched. Returns
 * whether anything changed. */
static bool route_edit(arena *a, route *r, const route_changer *c)
{
	bool preds = edit_calls(a, &r->predicates, r->npredicates, c, eskip_parse_predicates, "predicate");
	bool filters = edit_calls(a, &r->filters, r->nfilters, c, eskip_parse_filters, "filter");
	return preds || filters;
}

/* --- the pipeline ---------------------------------------------------------------------------- */

static void add_default_filters(route_table *t, const route_processing *p)
{
	if (p->nprepend == 0 && p->nappend == 0)
		return;
	for (size_t i = 0; i < t->n; i++) {
		route *r = &t->routes[i];
		size_t n = p->nprepend + r->nfilters + p->nappend;
		call *f = arena_array_alloc(t->arena, n, sizeof *f);
		memcpy(f, p->prepend, p->nprepend * sizeof *f);
		if (r->nfilters)
			memcpy(f + p->nprepend, r->filters, r->nfilters * sizeof *f);
		if (p->nappend)
			memcpy(f + p->nprepend + r->nfilters, p->append, p->nappend * sizeof *f);
		r->filters = f;
		r->nfilters = n;
	}
}

static void add_oauth2_callback_route(route_table *t, const route_processing *p)
{
	arena *a = t->arena;
	route *r = route_table_add(t);
	r->id = arena_strdup(a, OAUTH2_CALLBACK_ROUTE_ID);
	arg path = arg_string(a, p->oauth2_callback_path.ptr ? p->oauth2_callback_path.ptr : "",
			      p->oauth2_callback_path.len);
	route_add_predicate(a, r, "Path", 1, &path);
	route_add_filter(a, r, "grantCallback", 0, NULL);
	r->backend_type = BACKEND_SHUNT;
}

/* Editors and clones work on canonical routes (A9.2). Routes an editor leaves unchanged
 * are canonical too here, which changes nothing: the served form is canonical anyway. */
static void canonicalize_in_place(route_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		route c;
		route_canonical(t->arena, &t->routes[i], &c);
		t->routes[i] = c;
	}
}

static void apply_clone(route_table *t, const route_changer *c)
{
	size_t n = t->n;
	for (size_t i = 0; i < n; i++) {
		route candidate = t->routes[i];   /* edits copy arrays before changing them */
		if (!route_edit(t->arena, &candidate, c))
			continue;
		candidate.id = arena_printf(t->arena, CLONE_PREFIX "%.*s", (int)candidate.id.len,
					    candidate.id.ptr ? candidate.id.ptr : "");
		*route_table_add(t) = candidate;
	}
}

/* A route_drop_fn (eskip.h) logging step 5's line:
 *   level=error msg="Dropping route that skipper could not parse" error="<err>" id=<id> */
static void route_log_dropped(const route *r, const char *err, void *ctx)
{
	(void)ctx;
	buf id = BUF_INIT;
	buf_append(&id, r->id.ptr ? r->id.ptr : "", r->id.len);
	log_kv(LOG_ERROR, "Dropping route that skipper could not parse", "id", id.ptr ? id.ptr : "", "error", err,
	       NULL);
	buf_free(&id);
}

size_t route_process(route_table *t, const route_processing *p)
{
	return route_process_report(t, p, route_log_dropped, NULL);
}

size_t route_process_report(route_table *t, const route_processing *p, route_drop_fn dropped, void *ctx)
{
	if (p) {
		add_default_filters(t, p);
		if (p->enable_oauth2_grant_flow)
			add_oauth2_callback_route(t, p);
		if (p->nedits || p->nclones)
			canonicalize_in_place(t);
		for (size_t e = 0; e < p->nedits; e++)
			for (size_t i = 0; i < t->n; i++)
				route_edit(t->arena, &t->routes[i], &p->edits[e]);
		for (size_t c = 0; c < p->nclones; c++)
			apply_clone(t, &p->clones[c]);
	}
	route_table_canonicalize(t);
	return route_table_drop_unparsable(t, dropped, ctx);
}
