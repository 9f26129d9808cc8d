/* fleet_report.c: GET /fleet, parsed with jq's jv and grouped by table (see fleet_report.h). */
#include "http/fleet_report.h"

#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "eskip/input_eskip.h"

/* <base>/fleet from a base URL or a /fleet URL (a trailing slash and a query dropped). */
static void fleet_url(const char *where, fleet_report *r)
{
	size_t n = strcspn(where, "?#");
	while (n > 0 && where[n - 1] == '/') n--;
	static const char suffix[] = "/fleet";
	size_t base = n;
	if (n >= sizeof suffix - 1 && memcmp(where + n - (sizeof suffix - 1), suffix, sizeof suffix - 1) == 0)
		base = n - (sizeof suffix - 1);
	r->base = xmalloc(base + 1);
	memcpy(r->base, where, base);
	r->base[base] = 0;
	r->url = xmalloc(base + sizeof suffix);
	memcpy(r->url, where, base);
	memcpy(r->url + base, suffix, sizeof suffix);
}

/* A string member of o (borrowed) as a new C string; NULL when absent or not a string. */
static char *member_string(jv o, const char *key)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	char *s = jv_get_kind(v) == JV_KIND_STRING ? xstrdup(jv_string_value(v)) : NULL;
	jv_free(v);
	return s;
}

static double member_number(jv o, const char *key, double absent)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : absent;
	jv_free(v);
	return d;
}

static void member_tag(jv o, const char *key, char out[ETAG_MAX])
{
	char *s = member_string(o, key);
	snprintf(out, ETAG_MAX, "%s", s ? s : "");
	free(s);
}

/* The hex digits of a quoted tag ("" when it is none). */
static void tag_hex(const char *tag, char hex[ETAG_HEX_LEN + 1])
{
	size_t n = strlen(tag) > ETAG_HEX_LEN ? ETAG_HEX_LEN : 0;
	memcpy(hex, tag + (n ? 1 : 0), n);
	hex[n] = 0;
}

static void read_client(jv c, fleet_report_client *out)
{
	out->address = member_string(c, "address");
	out->identity = member_string(c, "identity");
	out->user_agent = member_string(c, "user_agent");
	out->path = member_string(c, "path");
	if (!out->address) out->address = xstrdup("");
	if (!out->user_agent) out->user_agent = xstrdup("");
	if (!out->path) out->path = xstrdup("/routes");
	member_tag(c, "etag", out->etag);
	member_tag(c, "current_etag", out->current_etag);
	char *state = member_string(c, "state");
	out->current = state && strcmp(state, "current") == 0;
	free(state);
	out->age = member_number(c, "age_seconds", -1);
	out->stale_for = member_number(c, "stale_seconds", 0);
	out->last_seen_ago = member_number(c, "last_seen_seconds_ago", 0);
	out->polls = (unsigned long)member_number(c, "polls", 0);
}

static fleet_report_group *group_of(fleet_report *r, const char *held, const char *now, bool current)
{
	for (size_t g = 0; g < r->ngroups; g++)
		if (strcmp(r->groups[g].held, held) == 0 && strcmp(r->groups[g].now, now) == 0) return &r->groups[g];
	r->groups = xrealloc(r->groups, (r->ngroups + 1) * sizeof *r->groups);
	fleet_report_group *g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof *g);
	snprintf(g->held, sizeof g->held, "%s", held);
	snprintf(g->now, sizeof g->now, "%s", now);
	g->current = current;
	return g;
}

static int group_order(const void *pa, const void *pb)
{
	const fleet_report_group *a = pa, *b = pb;
	if (a->current != b->current) return a->current ? -1 : 1;
	if (a->n != b->n) return a->n > b->n ? -1 : 1;
	return strcmp(a->held, b->held);
}

static void group_clients(fleet_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		char held[ETAG_HEX_LEN + 1], now[ETAG_HEX_LEN + 1];
		tag_hex(r->clients[i].etag, held);
		tag_hex(r->clients[i].current_etag, now);
		fleet_report_group *g = group_of(r, held, now, r->clients[i].current);
		g->members = xrealloc(g->members, (g->n + 1) * sizeof *g->members);
		g->members[g->n++] = i;
	}
	qsort(r->groups, r->ngroups, sizeof *r->groups, group_order);
}

/* The fleet view in doc (borrowed) into r. */
static int parse(fleet_report *r, jv doc, buf *err)
{
	jv table = jv_object_get(jv_copy(doc), jv_string("table"));
	jv summary = jv_object_get(jv_copy(doc), jv_string("summary"));
	jv clients = jv_object_get(jv_copy(doc), jv_string("clients"));
	int rc = -1;
	if ((jv_get_kind(table) != JV_KIND_OBJECT && jv_get_kind(table) != JV_KIND_NULL) ||
	    jv_get_kind(summary) != JV_KIND_OBJECT || jv_get_kind(clients) != JV_KIND_ARRAY) {
		buf_printf(err, "%s: not a fleet view (JSON with table, summary and clients expected)", r->url);
		goto out;
	}
	if ((r->has_table = jv_get_kind(table) == JV_KIND_OBJECT)) {
		member_tag(table, "etag", r->etag);
		r->routes = (size_t)member_number(table, "routes", 0);
		r->published = member_string(table, "published");
	}
	r->current = (size_t)member_number(summary, "current", 0);
	r->stale = (size_t)member_number(summary, "stale", 0);
	r->tables = (size_t)member_number(summary, "tables", 0);
	r->n = (size_t)jv_array_length(jv_copy(clients));
	r->clients = xmalloc((r->n ? r->n : 1) * sizeof *r->clients);
	memset(r->clients, 0, (r->n ? r->n : 1) * sizeof *r->clients);
	jv_array_foreach(clients, i, c) {
		if (jv_get_kind(c) != JV_KIND_OBJECT) {
			jv_free(c);
			c = jv_object();
		}
		read_client(c, &r->clients[i]);
		jv_free(c);
	}
	group_clients(r);
	rc = 0;
out:
	jv_free(table);
	jv_free(summary);
	jv_free(clients);
	return rc;
}

int fleet_report_read(const char *where, const input_opts *o, fleet_report *r, buf *err)
{
	memset(r, 0, sizeof *r);
	fleet_url(where, r);
	buf body = BUF_INIT, why = BUF_INIT;
	int rc = -1;
	if (input_read(r->url, o, &body, &why) != 0) {
		buf_printf(err, "%s: %s", r->url, why.ptr);
	} else {
		jv doc = jv_parse_sized(body.ptr ? body.ptr : "", (int)body.len);
		if (jv_get_kind(doc) == JV_KIND_OBJECT) rc = parse(r, doc, err);
		else buf_printf(err, "%s: not a fleet view (JSON with table, summary and clients expected)", r->url);
		jv_free(doc);
	}
	buf_free(&body);
	buf_free(&why);
	return rc;
}

void fleet_report_free(fleet_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->clients[i].address);
		free(r->clients[i].identity);
		free(r->clients[i].user_agent);
		free(r->clients[i].path);
	}
	for (size_t g = 0; g < r->ngroups; g++) {
		fleet_report_group *gr = &r->groups[g];
		if (gr->compared) route_diff_free(&gr->diff);
		route_table_free(gr->old_t);
		route_table_free(gr->new_t);
		free(gr->error);
		free(gr->members);
	}
	free(r->groups);
	free(r->clients);
	free(r->published);
	free(r->url);
	free(r->base);
	memset(r, 0, sizeof *r);
}

void fleet_report_table_url(const fleet_report *r, const char *hex, buf *out)
{
	buf_printf(out, "%s/fleet/tables/%s", r->base, hex);
}

/* Reads the document with that hex from the server into a new table; NULL with the reason
 * in err. */
static route_table *read_table(const fleet_report *r, const char *hex, const input_opts *io, buf *err)
{
	buf url = BUF_INIT;
	fleet_report_table_url(r, hex, &url);
	route_table *t = route_table_new();
	if (input_read_eskip(t, url.ptr, io, err) != 0) {
		route_table_free(t);
		t = NULL;
	}
	buf_free(&url);
	return t;
}

size_t fleet_report_compare(fleet_report *r, const input_opts *io, const route_diff_opts *o)
{
	size_t failed = 0;
	for (size_t g = 0; g < r->ngroups; g++) {
		fleet_report_group *gr = &r->groups[g];
		if (gr->current) continue;
		buf err = BUF_INIT;
		gr->old_t = read_table(r, gr->held, io, &err);
		if (gr->old_t) gr->new_t = read_table(r, gr->now, io, &err);
		if (gr->old_t && gr->new_t) {
			route_diff_compute(&gr->diff, gr->old_t->routes, gr->old_t->n, gr->new_t->routes, gr->new_t->n, o);
			gr->compared = true;
		} else if (!gr->old_t && strstr(err.ptr ? err.ptr : "", "HTTP status 404")) {
			gr->gone = true;   /* kept only while a client holds it, and a few at most */
			gr->error = xstrdup("the server no longer keeps this table");
		} else {
			gr->error = xstrdup(err.ptr ? err.ptr : "cannot read the table");
			failed++;
		}
		buf_free(&err);
	}
	return failed;
}
