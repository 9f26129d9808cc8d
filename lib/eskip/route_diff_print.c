/* route_diff_print.c: text and JSON reports of a route_diff. */
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "eskip/route_diff.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define CYAN "\033[36m"
#define BOLD "\033[1m"
#define MARK_ON "\033[7m"     /* reverse video for the differing parts */
#define MARK_OFF "\033[27m"
#define RESET "\033[0m"

/* --- rendering a route with its differing parts ------------------------------------- */

typedef struct {
	size_t start, end;   /* byte range in the rendered line */
} span;

typedef struct {
	buf text;
	span *marks;
	size_t nmarks;
} marked_line;

static void mark(marked_line *l, size_t start)
{
	l->marks = realloc(l->marks, (l->nmarks + 1) * sizeof *l->marks);
	if (!l->marks)
		abort();
	l->marks[l->nmarks++] = (span){ start, l->text.len };
}

/* The backend part exactly as the eskip printer writes it: the expression of a route with
 * only this backend is "* -> <backend>". */
static void print_backend(buf *out, const route *r)
{
	route only = *r;
	only.predicates = NULL, only.npredicates = 0;
	only.filters = NULL, only.nfilters = 0;
	buf tmp = BUF_INIT;
	eskip_print_expression(&tmp, &only, NULL);
	static const char lead[] = "* -> ";
	size_t skip = tmp.len >= sizeof lead - 1 && memcmp(tmp.ptr, lead, sizeof lead - 1) == 0 ? sizeof lead - 1 : 0;
	buf_append(out, tmp.ptr + skip, tmp.len - skip);
	buf_free(&tmp);
}

/* "id: expression;" with the marked predicates, filters and backend recorded as spans.
 * The same bytes as eskip_print_routes for a canonical route (Any is never printed). */
static void render_route(marked_line *l, const route *r, const bool *pred_marks, const bool *filter_marks,
			 bool backend_mark)
{
	buf *b = &l->text;
	buf_append(b, r->id.ptr, r->id.len);
	buf_puts(b, ": ");
	size_t printed = 0;
	for (size_t i = 0; i < r->npredicates; i++) {
		if (str_eq_c(r->predicates[i].name, "Any"))
			continue;
		if (printed++)
			buf_puts(b, " && ");
		size_t start = b->len;
		eskip_print_call(b, &r->predicates[i]);
		if (pred_marks && pred_marks[i])
			mark(l, start);
	}
	if (!printed)
		buf_putc(b, '*');
	for (size_t i = 0; i < r->nfilters; i++) {
		buf_puts(b, " -> ");
		size_t start = b->len;
		eskip_print_call(b, &r->filters[i]);
		if (filter_marks && filter_marks[i])
			mark(l, start);
	}
	buf_puts(b, " -> ");
	size_t start = b->len;
	print_backend(b, r);
	if (backend_mark)
		mark(l, start);
	buf_putc(b, ';');
}

/* Writes prefix + line; differing spans in reverse video (colour) or underlined with ^. */
static void emit_line(buf *out, const char *prefix, const char *color, const marked_line *l, bool use_color)
{
	if (use_color)
		buf_puts(out, color);
	buf_puts(out, prefix);
	size_t at = 0;
	for (size_t i = 0; i < l->nmarks && use_color; i++) {
		buf_append(out, l->text.ptr + at, l->marks[i].start - at);
		buf_puts(out, MARK_ON);
		buf_append(out, l->text.ptr + l->marks[i].start, l->marks[i].end - l->marks[i].start);
		buf_puts(out, MARK_OFF);
		at = l->marks[i].end;
	}
	buf_append(out, l->text.ptr + at, l->text.len - at);
	buf_puts(out, use_color ? RESET "\n" : "\n");
	if (use_color || l->nmarks == 0)
		return;
	size_t col = 0, indent = strlen(prefix);
	for (size_t i = 0; i < indent; i++)
		buf_putc(out, ' ');
	for (size_t i = 0; i < l->nmarks; i++) {
		for (; col < l->marks[i].start; col++)
			buf_putc(out, ' ');
		for (; col < l->marks[i].end; col++)
			buf_putc(out, '^');
	}
	buf_putc(out, '\n');
}

static void line_free(marked_line *l)
{
	buf_free(&l->text);
	free(l->marks);
}

static void print_whole_route(buf *out, const char *prefix, const char *color, const route *r, bool use_color)
{
	marked_line l = { 0 };
	render_route(&l, r, NULL, NULL, false);
	emit_line(out, prefix, color, &l, use_color);
	line_free(&l);
}

static const char *part_names(unsigned parts, char *dst, size_t cap)
{
	static const char *const names[] = { "predicates", "filters", "backend" };
	dst[0] = 0;
	for (unsigned i = 0; i < 3; i++)
		if (parts & (1u << i)) {
			if (dst[0])
				strncat(dst, ", ", cap - strlen(dst) - 1);
			strncat(dst, names[i], cap - strlen(dst) - 1);
		}
	return dst;
}

static bool *marks_for(size_t n)
{
	bool *m = calloc(n ? n : 1, sizeof *m);
	if (!m)
		abort();
	return m;
}

static void print_change(buf *out, const route_diff_entry *e, bool use_color)
{
	const route *o = e->old_route, *n = e->new_route;
	char parts[64];
	part_names(e->parts, parts, sizeof parts);
	buf_printf(out, "%s~ %.*s (%s)%s\n", use_color ? CYAN : "", (int)e->key.len, e->key.ptr, parts, use_color ? RESET : "");
	bool *op = marks_for(o->npredicates), *np = marks_for(n->npredicates);
	bool *of = marks_for(o->nfilters), *nf = marks_for(n->nfilters);
	calls_mark_differences(o->predicates, o->npredicates, n->predicates, n->npredicates, op, np);
	calls_mark_differences(o->filters, o->nfilters, n->filters, n->nfilters, of, nf);
	bool backend = (e->parts & DIFF_BACKEND) != 0;
	marked_line lo = { 0 }, ln = { 0 };
	render_route(&lo, o, op, of, backend);
	render_route(&ln, n, np, nf, backend);
	emit_line(out, "  - ", RED, &lo, use_color);
	emit_line(out, "  + ", GREEN, &ln, use_color);
	line_free(&lo), line_free(&ln);
	free(op), free(np), free(of), free(nf);
}

void route_diff_print_summary(buf *out, const route_diff *d)
{
	buf_printf(out, "%zu route%s differ%s: %zu added, %zu removed, %zu changed, %zu unchanged", d->n,
		   d->n == 1 ? "" : "s", d->n == 1 ? "s" : "", d->added, d->removed, d->changed, d->unchanged);
	if (d->ndups)
		buf_printf(out, ", %zu duplicate ID%s", d->ndups, d->ndups == 1 ? "" : "s");
}

void route_diff_print_text(buf *out, const route_diff *d, const route_diff_print_opts *o)
{
	bool c = o->color;
	if (!o->stat && !route_diff_same(d)) {
		buf_printf(out, "%s--- %s%s\n", c ? BOLD : "", o->old_name, c ? RESET : "");
		buf_printf(out, "%s+++ %s%s\n", c ? BOLD : "", o->new_name, c ? RESET : "");
		for (size_t i = 0; i < d->ndups; i++)
			buf_printf(out, "! duplicate ID %.*s: %zu route%s in %s, %zu in %s\n", (int)d->dups[i].key.len,
				   d->dups[i].key.ptr, d->dups[i].old_count, d->dups[i].old_count == 1 ? "" : "s",
				   o->old_name, d->dups[i].new_count, o->new_name);
		for (size_t i = 0; i < d->n; i++) {
			const route_diff_entry *e = &d->entries[i];
			if (e->kind == ROUTE_REMOVED)
				print_whole_route(out, "- ", RED, e->old_route, c);
			else if (e->kind == ROUTE_ADDED)
				print_whole_route(out, "+ ", GREEN, e->new_route, c);
			else
				print_change(out, e, c);
		}
	}
	route_diff_print_summary(out, d);
	buf_putc(out, '\n');
}

/* --- JSON ---------------------------------------------------------------------------- */

/* One route object: eskip_print_json's array of one, without the brackets. */
static void json_route(buf *out, const route *r)
{
	buf tmp = BUF_INIT;
	eskip_print_json(&tmp, r, 1);
	if (tmp.len >= 2 && tmp.ptr[0] == '[' && tmp.ptr[tmp.len - 1] == ']')
		buf_append(out, tmp.ptr + 1, tmp.len - 2);
	else
		buf_append(out, tmp.ptr ? tmp.ptr : "null", tmp.ptr ? tmp.len : 4);
	buf_free(&tmp);
}

static void json_entries(buf *out, const route_diff *d, route_change kind)
{
	static const char *const names[] = { "predicates", "filters", "backend" };
	const char *field = kind == ROUTE_ADDED ? "added" : kind == ROUTE_REMOVED ? "removed" : "changed";
	buf_printf(out, ",\"%s\":[", field);
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		const route_diff_entry *e = &d->entries[i];
		if (e->kind != kind)
			continue;
		buf_puts(out, k++ ? ",{\"id\":" : "{\"id\":");
		eskip_json_string(out, e->key.ptr, e->key.len);
		if (kind == ROUTE_CHANGED) {
			buf_puts(out, ",\"differs\":[");
			for (unsigned p = 0, m = 0; p < 3; p++)
				if (e->parts & (1u << p))
					buf_printf(out, "%s\"%s\"", m++ ? "," : "", names[p]);
			buf_puts(out, "]");
		}
		if (e->old_route) {
			buf_puts(out, kind == ROUTE_CHANGED ? ",\"old\":" : ",\"route\":");
			json_route(out, e->old_route);
		}
		if (e->new_route) {
			buf_puts(out, kind == ROUTE_CHANGED ? ",\"new\":" : ",\"route\":");
			json_route(out, e->new_route);
		}
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
}

void route_diff_print_json(buf *out, const route_diff *d, const route_diff_print_opts *o)
{
	buf_printf(out, "{\"same\":%s,\"old\":", route_diff_same(d) ? "true" : "false");
	eskip_json_string(out, o->old_name, strlen(o->old_name));
	buf_puts(out, ",\"new\":");
	eskip_json_string(out, o->new_name, strlen(o->new_name));
	buf_printf(out, ",\"counts\":{\"added\":%zu,\"removed\":%zu,\"changed\":%zu,\"unchanged\":%zu,\"duplicates\":%zu}",
		   d->added, d->removed, d->changed, d->unchanged, d->ndups);
	if (!o->stat) {
		json_entries(out, d, ROUTE_ADDED);
		json_entries(out, d, ROUTE_REMOVED);
		json_entries(out, d, ROUTE_CHANGED);
		buf_puts(out, ",\"duplicates\":[");
		for (size_t i = 0; i < d->ndups; i++) {
			buf_puts(out, i ? ",{\"id\":" : "{\"id\":");
			eskip_json_string(out, d->dups[i].key.ptr, d->dups[i].key.len);
			buf_printf(out, ",\"old\":%zu,\"new\":%zu}", d->dups[i].old_count, d->dups[i].new_count);
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
}
