/* served_form.c: the served form of a table, with each route's place (see served_form.h). */
#include "table/served_form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"

void served_doc_free(served_doc *d)
{
	free(d->start);
	free(d->endpoints);
	d->start = d->endpoints = NULL;
	buf_free(&d->doc);
}

/* Bytes the printer copies as they are: in an address (eskip_escape), in a zone (QueryEscape). */
static bool plain_address(str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f)
			return false;
	}
	return true;
}

static bool plain_zone(str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.' || c == '~'))
			return false;
	}
	return true;
}

/* Length of an endpoint's printed text, quotes included: "address?zone=zone". */
size_t served_endpoint_text_len(const lb_endpoint *e)
{
	return 2 + e->address.len + (e->zone.len ? 6 + e->zone.len : 0);
}

static bool is_endpoint_text(const char *p, const lb_endpoint *e)
{
	if (*p++ != '"' || memcmp(p, e->address.ptr, e->address.len) != 0)
		return false;
	p += e->address.len;
	if (e->zone.len) {
		if (memcmp(p, "?zone=", 6) != 0 || memcmp(p + 6, e->zone.ptr, e->zone.len) != 0)
			return false;
		p += 6 + e->zone.len;
	}
	return *p == '"';
}

/* Where each endpoint's text starts in a route's text [text, text + len), found backwards
 * from the end ("...", "...">; ) and checked byte for byte; false if the text is not of that
 * shape (then the route is printed instead). */
static bool find_endpoints(const char *text, size_t len, bool bare, const route *r, size_t *at)
{
	size_t suffix = bare ? 1 : 2;
	if (r->nendpoints == 0 || len < suffix || memcmp(text + len - suffix, ">;", suffix) != 0)
		return false;
	size_t pos = len - suffix;
	for (size_t j = r->nendpoints; j-- > 0;) {
		const lb_endpoint *e = &r->endpoints[j];
		size_t n = served_endpoint_text_len(e);
		if (pos < n || !plain_address(e->address) || !plain_zone(e->zone))
			return false;
		pos -= n;
		if (!is_endpoint_text(text + pos, e))
			return false;
		at[j] = pos;
		if (j) {
			if (pos < 2 || memcmp(text + pos - 2, ", ", 2) != 0)
				return false;
			pos -= 2;
		}
	}
	return true;
}

void served_route_print(buf *out, const route *r, bool bare)
{
	if (!bare) {
		buf_append(out, r->id.ptr, r->id.len);   /* an id-less route among others: ": expr;" */
		buf_append(out, ": ", 2);
	}
	eskip_print_expression(out, r, NULL);
	if (!bare)
		buf_putc(out, ';');
}

/* The one printer of the served form; with places, it records where each route and its
 * first LB endpoint are (d->start, d->endpoints), else it only prints. */
static void print_doc(served_doc *d, const route_table *t, bool places)
{
	d->n = t->n;
	d->bare = t->n == 1 && t->routes[0].id.len == 0;
	if (places) {
		d->start = malloc((t->n + 1) * sizeof *d->start);
		d->endpoints = malloc((t->n ? t->n : 1) * sizeof *d->endpoints);
		if (!d->start || !d->endpoints)
			abort();
	}
	size_t *at = NULL, cap = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			buf_putc(&d->doc, '\n');
		if (places)
			d->start[i] = d->doc.len;
		const route *r = &t->routes[i];
		served_route_print(&d->doc, r, d->bare);
		if (!places)
			continue;
		d->endpoints[i] = SIZE_MAX;
		if (r->nendpoints < ZONE_MIN_ENDPOINTS)   /* never shortened */
			continue;
		if (r->nendpoints > cap) {
			cap = 2 * r->nendpoints;
			if (!(at = realloc(at, cap * sizeof *at)))
				abort();
		}
		if (find_endpoints(d->doc.ptr + d->start[i], d->doc.len - d->start[i], d->bare, r, at))
			d->endpoints[i] = d->start[i] + at[0];
	}
	free(at);
	if (places)
		d->start[t->n] = d->doc.len + 1;
}

void served_doc_print(served_doc *d, const route_table *t)
{
	print_doc(d, t, true);
}

void served_form_print(buf *out, const route_table *t)
{
	served_doc d = { .doc = *out };
	print_doc(&d, t, false);
	*out = d.doc;
}
