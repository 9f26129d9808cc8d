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

static void mark_span(marked_line *l, size_t start, size_t end)
{
	l->marks = realloc(l->marks, (l->nmarks + 1) * sizeof *l->marks);
	if (!l->marks)
		abort();
	l->marks[l->nmarks++] = (span){ start, end };
}

/* Marks what was rendered since start. */
static void mark(marked_line *l, size_t start)
{
	mark_span(l, start, l->text.len);
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

/* Marks, inside the backend text that starts at byte `from`, each endpoint whose flag is
 * set: the endpoints appear in order, each as the quoted string of its printed form. */
static void mark_endpoints(marked_line *l, size_t from, const route *r, const bool *flags)
{
	buf ep = BUF_INIT, quoted = BUF_INIT;
	size_t at = from;
	for (size_t i = 0; i < r->nendpoints; i++) {
		buf_reset(&ep);
		buf_reset(&quoted);
		eskip_print_endpoint(&ep, &r->endpoints[i]);
		arg a = { .type = ARG_STRING, .s = { ep.ptr ? ep.ptr : "", ep.len } };
		eskip_print_arg(&quoted, &a);
		const char *hit = memmem(l->text.ptr + at, l->text.len - at, quoted.ptr, quoted.len);
		if (!hit)
			break;
		size_t start = (size_t)(hit - l->text.ptr);
		at = start + quoted.len;
		if (flags[i])
			mark_span(l, start, at);
	}
	buf_free(&ep);
	buf_free(&quoted);
}

/* "id: expression;" with the marked predicates, filters and backend (or, with endpoint
 * flags, the endpoints flagged) recorded as spans. The same bytes as eskip_print_routes for
 * a canonical route (Any is never printed). */
static void render_route(marked_line *l, const route *r, const bool *pred_marks, const bool *filter_marks,
			 bool backend_mark, const bool *endpoint_flags)
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
	if (endpoint_flags)
		mark_endpoints(l, start, r, endpoint_flags);
	else if (backend_mark)
		mark(l, start);
	buf_putc(b, ';');
}

/* --- columns ------------------------------------------------------------------------- */

/* Terminal columns of UTF-8 text: one per character (continuation bytes do not count). */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Byte offset `count` characters after (or, negative, before) pos, within [0, n]. */
static size_t step_chars(const char *s, size_t n, size_t pos, long count)
{
	for (; count > 0 && pos < n; count--)
		do
			pos++;
		while (pos < n && ((unsigned char)s[pos] & 0xC0) == 0x80);
	for (; count < 0 && pos > 0; count++)
		do
			pos--;
		while (pos > 0 && ((unsigned char)s[pos] & 0xC0) == 0x80);
	return pos;
}

static const char ELLIPSIS[] = "...";
#define ELLIPSIS_COLS 3

/* Appends s, or when it is wider than width (0: no limit) its start and end with "..."
 * between: for names and IDs, whose both ends tell. */
static void put_fitted(buf *out, const char *s, size_t n, size_t width)
{
	size_t c = columns(s, n);
	if (!width || c <= width || width <= ELLIPSIS_COLS + 2) {
		buf_append(out, s, n);
		return;
	}
	size_t keep = width - ELLIPSIS_COLS, head = keep - keep / 2;
	buf_append(out, s, step_chars(s, n, 0, (long)head));
	buf_puts(out, ELLIPSIS);
	size_t tail = step_chars(s, n, n, -(long)(keep / 2));
	buf_append(out, s + tail, n - tail);
}

/* The window [*start, *end) of a line wider than avail columns: from a little before its
 * first mark (or its start), as far as fits, with room for "..." on each cut side. */
static void window(const marked_line *l, size_t avail, size_t *start, size_t *end)
{
	const char *t = l->text.ptr;
	size_t n = l->text.len;
	size_t focus = l->nmarks ? l->marks[0].start : 0;
	*start = step_chars(t, n, focus, -(long)(avail / 4));
	size_t budget = avail - (*start ? ELLIPSIS_COLS : 0);
	if (columns(t + *start, n - *start) <= budget) {
		/* The rest fits: show as much before it as the width allows. */
		*end = n;
		*start = step_chars(t, n, n, -(long)(avail - ELLIPSIS_COLS));
		return;
	}
	*end = step_chars(t, n, *start, (long)(budget - ELLIPSIS_COLS));
}

static bool marked_at(const marked_line *l, size_t pos)
{
	for (size_t i = 0; i < l->nmarks; i++)
		if (pos >= l->marks[i].start && pos < l->marks[i].end)
			return true;
	return false;
}

/* Writes prefix + line within width columns (0: no limit; see window()); marked spans in
 * reverse video (colour) or underlined with ^ on a line of their own. Returns whether a
 * marked span lies outside what was shown. */
static bool emit_line(buf *out, const char *prefix, const char *color, const marked_line *l, bool use_color,
		      size_t width)
{
	const char *t = l->text.ptr ? l->text.ptr : "";
	size_t n = l->text.len, start = 0, end = n, indent = strlen(prefix);
	if (width && indent + ELLIPSIS_COLS * 2 + 8 < width && indent + columns(t, n) > width)
		window(l, width - indent, &start, &end);
	if (use_color)
		buf_puts(out, color);
	buf_puts(out, prefix);
	if (start)
		buf_puts(out, ELLIPSIS);
	bool on = false;
	for (size_t i = start; i < end; i++) {
		bool m = use_color && marked_at(l, i);
		if (m != on)
			buf_puts(out, m ? MARK_ON : MARK_OFF);
		on = m;
		buf_putc(out, t[i]);
	}
	if (on)
		buf_puts(out, MARK_OFF);
	if (end < n)
		buf_puts(out, ELLIPSIS);
	buf_puts(out, use_color ? RESET "\n" : "\n");
	bool hidden = false;
	for (size_t i = 0; i < l->nmarks; i++)
		hidden |= l->marks[i].start < start || l->marks[i].end > end;
	if (use_color || l->nmarks == 0)
		return hidden;
	buf carets = BUF_INIT;
	size_t last = 0;
	for (size_t i = 0; i < indent + (start ? ELLIPSIS_COLS : 0); i++)
		buf_putc(&carets, ' ');
	for (size_t i = start; i < end; i = step_chars(t, n, i, 1)) {
		bool m = marked_at(l, i);
		buf_putc(&carets, m ? '^' : ' ');
		if (m)
			last = carets.len;
	}
	if (last) {
		buf_append(out, carets.ptr, last);
		buf_putc(out, '\n');
	}
	buf_free(&carets);
	return hidden;
}

static void line_free(marked_line *l)
{
	buf_free(&l->text);
	free(l->marks);
}

static void print_whole_route(buf *out, const char *prefix, const char *color, const route *r,
			      const route_diff_print_opts *o)
{
	marked_line l = { 0 };
	render_route(&l, r, NULL, NULL, false, NULL);
	emit_line(out, prefix, color, &l, o->color, o->width);
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

/* "~ id (what)": the ID fitted into the width with the label. */
static void change_head(buf *out, str key, const char *what, const route_diff_print_opts *o)
{
	size_t label = strlen(what) + 5;   /* "~ " + " (" + ")" */
	buf_printf(out, "%s~ ", o->color ? CYAN : "");
	put_fitted(out, key.ptr, key.len, o->width > label ? o->width - label : 0);
	buf_printf(out, " (%s)%s", what, o->color ? RESET : "");
}

/* " -ADDR ... +ADDR ..." after a line's first col columns: the endpoints only one side has.
 * On that line when they fit the width, else wrapped onto lines indented by four. */
static void put_endpoint_delta(buf *out, const route_diff_entry *e, const route_diff_print_opts *o, size_t col)
{
	size_t ntokens = e->nendpoints_gone + e->nendpoints_new, total = 0;
	buf *tokens = calloc(ntokens ? ntokens : 1, sizeof *tokens);
	if (!tokens)
		abort();
	for (size_t i = 0; i < ntokens; i++) {
		bool gone = i < e->nendpoints_gone;
		buf_putc(&tokens[i], gone ? '-' : '+');
		eskip_print_endpoint(&tokens[i], gone ? e->endpoints_gone[i] : e->endpoints_new[i - e->nendpoints_gone]);
		total += 1 + columns(tokens[i].ptr, tokens[i].len);
	}
	bool wrap = o->width && col + total > o->width;
	for (size_t i = 0; i < ntokens; i++) {
		size_t cols = columns(tokens[i].ptr, tokens[i].len);
		if (wrap && (i == 0 || col + 1 + cols > o->width)) {
			buf_puts(out, "\n   ");
			col = 3;
		}
		buf_putc(out, ' ');
		if (o->color)
			buf_puts(out, tokens[i].ptr[0] == '-' ? RED : GREEN);
		buf_append(out, tokens[i].ptr, tokens[i].len);
		if (o->color)
			buf_puts(out, RESET);
		col += 1 + cols;
		buf_free(&tokens[i]);
	}
	buf_putc(out, '\n');
	free(tokens);
}

/* "~ id (endpoints) -ADDR +ADDR": the endpoints a rolling deployment changed. */
static void print_endpoint_change(buf *out, const route_diff_entry *e, const route_diff_print_opts *o)
{
	change_head(out, e->key, "endpoints", o);
	put_endpoint_delta(out, e, o, 2 + columns(e->key.ptr, e->key.len) + strlen(" (endpoints)"));
}

static void print_change(buf *out, const route_diff_entry *e, const route_diff_print_opts *o)
{
	if (e->parts == DIFF_BACKEND && e->endpoint_delta) {
		print_endpoint_change(out, e, o);
		return;
	}
	const route *old_r = e->old_route, *new_r = e->new_route;
	char parts[64];
	change_head(out, e->key, part_names(e->parts, parts, sizeof parts), o);
	buf_putc(out, '\n');
	bool *op = marks_for(old_r->npredicates), *np = marks_for(new_r->npredicates);
	bool *of = marks_for(old_r->nfilters), *nf = marks_for(new_r->nfilters);
	bool *oe = marks_for(old_r->nendpoints), *ne = marks_for(new_r->nendpoints);
	calls_mark_differences(old_r->predicates, old_r->npredicates, new_r->predicates, new_r->npredicates, op, np);
	calls_mark_differences(old_r->filters, old_r->nfilters, new_r->filters, new_r->nfilters, of, nf);
	bool backend = (e->parts & DIFF_BACKEND) != 0;
	bool per_endpoint = backend && e->endpoint_delta && endpoints_mark_differences(old_r, new_r, oe, ne);
	marked_line lo = { 0 }, ln = { 0 };
	render_route(&lo, old_r, op, of, backend, per_endpoint ? oe : NULL);
	render_route(&ln, new_r, np, nf, backend, per_endpoint ? ne : NULL);
	bool cut = emit_line(out, "  - ", RED, &lo, o->color, o->width);
	cut |= emit_line(out, "  + ", GREEN, &ln, o->color, o->width);
	if (per_endpoint && cut) {   /* the width hid a difference: the endpoints' on a line of their own */
		buf_puts(out, "  endpoints");
		put_endpoint_delta(out, e, o, strlen("  endpoints"));
	}
	line_free(&lo), line_free(&ln);
	free(op), free(np), free(of), free(nf), free(oe), free(ne);
}

/* --- groups ---------------------------------------------------------------------------- */

typedef struct {
	route_group g;
	size_t entry;
} grouped;

static int grouped_cmp(const void *pa, const void *pb)
{
	const grouped *a = pa, *b = pb;
	if (a->g.rank != b->g.rank)
		return a->g.rank < b->g.rank ? -1 : 1;
	int c = str_cmp(a->g.ns, b->g.ns);
	if (!c)
		c = str_cmp(a->g.name, b->g.name);
	return c ? c : (a->entry > b->entry) - (a->entry < b->entry);
}

/* The entries in group order (entries keep their key order within a group). Without a
 * grouping function every entry is in the one unnamed group. malloc'd. */
static grouped *group_entries(const route_diff *d, route_group_fn group_of)
{
	grouped *v = malloc((d->n ? d->n : 1) * sizeof *v);
	if (!v)
		abort();
	for (size_t i = 0; i < d->n; i++) {
		const route_diff_entry *e = &d->entries[i];
		v[i] = (grouped){ .g = { .rank = 0 }, .entry = i };
		if (group_of)
			group_of(e->new_route ? e->new_route->id : e->old_route->id, &v[i].g);
	}
	qsort(v, d->n, sizeof *v, grouped_cmp);
	return v;
}

static bool same_group(const route_group *a, const route_group *b)
{
	return a->rank == b->rank && a->kind == b->kind && str_eq(a->ns, b->ns) && str_eq(a->name, b->name);
}

/* "Ingress ns/name", "catch-all routes"; routes of no known origin: "other routes". */
static void group_label(buf *out, const route_group *g)
{
	buf_puts(out, g->kind ? g->kind : "other routes");
	if (g->ns.len || g->name.len)
		buf_printf(out, " %.*s/%.*s", (int)g->ns.len, g->ns.ptr, (int)g->name.len, g->name.ptr);
}

static bool any_known_group(const grouped *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].g.kind)
			return true;
	return false;
}

static void print_entry(buf *out, const route_diff_entry *e, const route_diff_print_opts *o)
{
	if (e->kind == ROUTE_REMOVED)
		print_whole_route(out, "- ", RED, e->old_route, o);
	else if (e->kind == ROUTE_ADDED)
		print_whole_route(out, "+ ", GREEN, e->new_route, o);
	else
		print_change(out, e, o);
}

static void print_entries(buf *out, const route_diff *d, const grouped *v, const route_diff_print_opts *o)
{
	bool headers = any_known_group(v, d->n);
	for (size_t i = 0; i < d->n; i++) {
		if (headers && (i == 0 || !same_group(&v[i].g, &v[i - 1].g))) {
			buf label = BUF_INIT;
			group_label(&label, &v[i].g);
			buf_printf(out, "%s@@ ", o->color ? CYAN : "");
			put_fitted(out, label.ptr, label.len, o->width > 6 ? o->width - 6 : 0);
			buf_printf(out, " @@%s\n", o->color ? RESET : "");
			buf_free(&label);
		}
		print_entry(out, &d->entries[v[i].entry], o);
	}
}

typedef struct {
	size_t first, count;           /* v[first .. first + count) */
	size_t added, removed, changed;
} group_counts;

/* Consecutive runs of one group in v, with their counts. malloc'd; *n groups. */
static group_counts *count_groups(const route_diff *d, const grouped *v, size_t *n)
{
	group_counts *gc = malloc((d->n ? d->n : 1) * sizeof *gc);
	if (!gc)
		abort();
	*n = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (i == 0 || !same_group(&v[i].g, &v[i - 1].g))
			gc[(*n)++] = (group_counts){ .first = i };
		group_counts *c = &gc[*n - 1];
		c->count++;
		route_change k = d->entries[v[i].entry].kind;
		*(k == ROUTE_ADDED ? &c->added : k == ROUTE_REMOVED ? &c->removed : &c->changed) += 1;
	}
	return gc;
}

static void put_counts(buf *out, const group_counts *c)
{
	const char *sep = "";
	if (c->added)
		buf_printf(out, "%s%zu added", sep, c->added), sep = ", ";
	if (c->removed)
		buf_printf(out, "%s%zu removed", sep, c->removed), sep = ", ";
	if (c->changed)
		buf_printf(out, "%s%zu changed", sep, c->changed);
}

/* --stat: one line per group, "  Ingress ns/name  1 added, 2 changed", names aligned. */
static void print_group_stat(buf *out, const route_diff *d, const grouped *v, const route_diff_print_opts *o)
{
	if (!any_known_group(v, d->n))
		return;
	size_t ngroups;
	group_counts *gc = count_groups(d, v, &ngroups);
	buf *labels = calloc(ngroups ? ngroups : 1, sizeof *labels);
	if (!labels)
		abort();
	size_t widest = 0;
	for (size_t i = 0; i < ngroups; i++) {
		group_label(&labels[i], &v[gc[i].first].g);
		size_t c = columns(labels[i].ptr, labels[i].len);
		widest = c > widest ? c : widest;
	}
	/* The counts take at most about 40 columns; names give way on narrow terminals. */
	size_t cap = o->width > 48 ? o->width - 42 : o->width ? 6 : 0;
	if (cap && widest > cap)
		widest = cap;
	for (size_t i = 0; i < ngroups; i++) {
		buf name = BUF_INIT;
		put_fitted(&name, labels[i].ptr, labels[i].len, widest);
		buf_printf(out, "  %s", name.ptr);
		for (size_t c = columns(name.ptr, name.len); c < widest + 2; c++)
			buf_putc(out, ' ');
		put_counts(out, &gc[i]);
		buf_putc(out, '\n');
		buf_free(&name);
		buf_free(&labels[i]);
	}
	free(labels);
	free(gc);
}

void route_diff_print_summary(buf *out, const route_diff *d)
{
	buf_printf(out, "%zu route%s differ%s: %zu added, %zu removed, %zu changed, %zu unchanged", d->n,
		   d->n == 1 ? "" : "s", d->n == 1 ? "s" : "", d->added, d->removed, d->changed, d->unchanged);
	if (d->ndups)
		buf_printf(out, ", %zu duplicate ID%s", d->ndups, d->ndups == 1 ? "" : "s");
	if (d->comparisons > 1)
		buf_printf(out, "; %zu transient in %u comparisons", d->transient, d->comparisons);
}

void route_diff_print_text(buf *out, const route_diff *d, const route_diff_print_opts *o)
{
	bool c = o->color;
	grouped *v = group_entries(d, o->group_of);
	if (o->stat) {
		print_group_stat(out, d, v, o);
	} else if (!route_diff_same(d)) {
		buf_printf(out, "%s--- %s%s\n", c ? BOLD : "", o->old_name, c ? RESET : "");
		buf_printf(out, "%s+++ %s%s\n", c ? BOLD : "", o->new_name, c ? RESET : "");
		for (size_t i = 0; i < d->ndups; i++) {
			buf_puts(out, "! duplicate ID ");
			put_fitted(out, d->dups[i].key.ptr, d->dups[i].key.len, o->width > 60 ? o->width - 60 : 0);
			buf_printf(out, ": %zu route%s in %s, %zu in %s\n", d->dups[i].old_count,
				   d->dups[i].old_count == 1 ? "" : "s", o->old_name, d->dups[i].new_count, o->new_name);
		}
		print_entries(out, d, v, o);
	}
	free(v);
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

static void json_group(buf *out, const route_group *g)
{
	buf_puts(out, "{\"kind\":");
	if (g->kind)
		eskip_json_string(out, g->kind, strlen(g->kind));
	else
		buf_puts(out, "null");
	buf_puts(out, ",\"namespace\":");
	eskip_json_string(out, g->ns.ptr ? g->ns.ptr : "", g->ns.len);
	buf_puts(out, ",\"name\":");
	eskip_json_string(out, g->name.ptr ? g->name.ptr : "", g->name.len);
	buf_putc(out, '}');
}

static void json_endpoint_list(buf *out, const lb_endpoint *const *v, size_t n)
{
	buf ep = BUF_INIT;
	buf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		buf_reset(&ep);
		eskip_print_endpoint(&ep, v[i]);
		if (i)
			buf_putc(out, ',');
		eskip_json_string(out, ep.ptr, ep.len);
	}
	buf_putc(out, ']');
	buf_free(&ep);
}

static void json_entries(buf *out, const route_diff *d, route_change kind, const route_diff_print_opts *o)
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
		if (o->group_of) {
			route_group g = { .rank = 0 };
			o->group_of(e->new_route ? e->new_route->id : e->old_route->id, &g);
			buf_puts(out, ",\"group\":");
			json_group(out, &g);
		}
		if (e->endpoint_delta) {
			buf_puts(out, ",\"endpoints\":{\"removed\":");
			json_endpoint_list(out, e->endpoints_gone, e->nendpoints_gone);
			buf_puts(out, ",\"added\":");
			json_endpoint_list(out, e->endpoints_new, e->nendpoints_new);
			buf_putc(out, '}');
		}
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
	buf_printf(out, ",\"counts\":{\"added\":%zu,\"removed\":%zu,\"changed\":%zu,\"unchanged\":%zu,\"duplicates\":%zu,"
		   "\"transient\":%zu,\"comparisons\":%u}",
		   d->added, d->removed, d->changed, d->unchanged, d->ndups, d->transient, d->comparisons);
	if (o->group_of) {
		grouped *v = group_entries(d, o->group_of);
		size_t ngroups;
		group_counts *gc = count_groups(d, v, &ngroups);
		buf_puts(out, ",\"groups\":[");
		for (size_t i = 0; i < ngroups; i++) {
			buf_puts(out, i ? ",{\"group\":" : "{\"group\":");
			json_group(out, &v[gc[i].first].g);
			buf_printf(out, ",\"added\":%zu,\"removed\":%zu,\"changed\":%zu}", gc[i].added, gc[i].removed,
				   gc[i].changed);
		}
		buf_putc(out, ']');
		free(gc);
		free(v);
	}
	if (!o->stat) {
		json_entries(out, d, ROUTE_ADDED, o);
		json_entries(out, d, ROUTE_REMOVED, o);
		json_entries(out, d, ROUTE_CHANGED, o);
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
