/* fleet_report_print.c: routesrv-diff -fleet's report, as text and as JSON (see
 * fleet_report.h). */
#include <stdio.h>
#include <string.h>

#include "base/opt.h"
#include "base/text_table.h"
#include "eskip/eskip.h"
#include "http/fleet_report.h"

static void quoted_hex(buf *out, const char *hex)
{
	buf_printf(out, "\"%s\"", hex);
}

/* Whether a group's clients get another table than the full one (a zone's document). */
static bool due_zone_table(const fleet_report *r, const fleet_report_group *g)
{
	return r->has_table && strlen(r->etag) > ETAG_HEX_LEN && strncmp(r->etag + 1, g->now, ETAG_HEX_LEN) != 0;
}

static void changes_cell(buf *cell, const fleet_report *r, const fleet_report_group *g)
{
	if (g->current) return;
	if (due_zone_table(r, g)) {
		buf_puts(cell, "to zone table ");
		quoted_hex(cell, g->now);
		buf_puts(cell, ": ");
	}
	if (g->compared) route_diff_print_summary(cell, &g->diff);
	else text_table_put_printable(cell, g->error ? g->error : "not compared");
}

static void put_seconds(buf *out, double seconds)
{
	long ms = (long)(seconds * 1000 + 0.5);
	opt_format_duration(out, ms >= 1000 ? (ms + 50) / 100 * 100 : ms);
}

static void stale_clients(buf *out, const fleet_report *r)
{
	static const char *const names[] = { "ADDRESS", "IDENTITY", "PATH", "ETAG", "STALE FOR", "AGE", "LAST SEEN",
					     "POLLS" };
	enum { NCOLS = sizeof names / sizeof *names };
	text_table t;
	text_table_init(&t, NCOLS);
	buf *row = text_table_row(&t);
	for (int k = 0; k < NCOLS; k++) buf_puts(&row[k], names[k]);
	for (size_t i = 0; i < r->n; i++) {
		const fleet_report_client *c = &r->clients[i];
		if (c->current) continue;
		row = text_table_row(&t);
		text_table_put_printable(&row[0], c->address);
		text_table_put_printable(&row[1], c->identity ? c->identity : c->user_agent);
		text_table_put_printable(&row[2], c->path);
		text_table_put_printable(&row[3], c->etag);
		put_seconds(&row[4], c->stale_for);
		if (c->age >= 0) put_seconds(&row[5], c->age);
		else buf_puts(&row[5], "?");
		put_seconds(&row[6], c->last_seen_ago);
		buf_puts(&row[6], " ago");
		buf_printf(&row[7], "%lu", c->polls);
	}
	buf_printf(out, "\nstale clients\n");
	text_table_print(&t, out, "");
	text_table_free(&t);
}

void fleet_report_print_text(buf *out, const fleet_report *r, bool unified, const route_diff_print_opts *po)
{
	buf_printf(out, "fleet    %s\n", r->url);
	if (r->has_table) {
		buf_printf(out, "table    ");
		text_table_put_printable(out, r->etag);
		buf_printf(out, "  %zu routes", r->routes);
		if (r->published) {
			buf_puts(out, "  published ");
			text_table_put_printable(out, r->published);
		}
		buf_putc(out, '\n');
	} else {
		buf_puts(out, "table    none yet\n");
	}
	buf_printf(out, "clients  %zu: %zu current, %zu stale; %zu table%s held\n", r->n, r->current, r->stale, r->tables,
		   r->tables == 1 ? "" : "s");
	if (r->ngroups) {
		text_table t;
		text_table_init(&t, 4);
		buf *row = text_table_row(&t);
		buf_puts(&row[0], "CLIENTS");
		buf_puts(&row[1], "TABLE");
		buf_puts(&row[2], "STATE");
		buf_puts(&row[3], "CHANGES TO THE CURRENT TABLE");
		for (size_t g = 0; g < r->ngroups; g++) {
			const fleet_report_group *gr = &r->groups[g];
			row = text_table_row(&t);
			buf_printf(&row[0], "%zu", gr->n);
			quoted_hex(&row[1], gr->held);
			buf_puts(&row[2], gr->current ? "current" : "stale");
			changes_cell(&row[3], r, gr);
		}
		buf_putc(out, '\n');
		text_table_print(&t, out, "");
		text_table_free(&t);
	}
	if (r->stale) stale_clients(out, r);
	for (size_t g = 0; unified && g < r->ngroups; g++) {
		const fleet_report_group *gr = &r->groups[g];
		if (!gr->compared) continue;
		buf old_name = BUF_INIT, new_name = BUF_INIT;
		quoted_hex(&old_name, gr->held);
		buf_printf(&old_name, " (%zu stale client%s)", gr->n, gr->n == 1 ? "" : "s");
		quoted_hex(&new_name, gr->now);
		buf_puts(&new_name, " (current)");
		route_diff_print_opts o = *po;
		o.old_name = old_name.ptr;
		o.new_name = new_name.ptr;
		buf_putc(out, '\n');
		if (o.stat) buf_printf(out, "%s -> %s\n", o.old_name, o.new_name);
		route_diff_print_text(out, &gr->diff, &o);
		buf_free(&old_name);
		buf_free(&new_name);
	}
}

/* --- JSON ---------------------------------------------------------------------------------- */

static void json_str(buf *out, const char *s)
{
	if (s) eskip_json_string(out, s, strlen(s));
	else buf_puts(out, "null");
}

static void json_group(buf *out, const fleet_report_group *g, bool unified,
		       const route_diff_print_opts *po)
{
	char held[ETAG_MAX], now[ETAG_MAX];
	snprintf(held, sizeof held, "\"%s\"", g->held);
	snprintf(now, sizeof now, "\"%s\"", g->now);
	buf_puts(out, "{\"etag\":");
	json_str(out, held);
	buf_puts(out, ",\"current_etag\":");
	json_str(out, now);
	buf_printf(out, ",\"clients\":%zu,\"current\":%s,\"diff\":", g->n, g->current ? "true" : "false");
	if (g->compared) {
		route_diff_print_opts o = *po;
		o.old_name = held;
		o.new_name = now;
		o.stat = !unified;   /* counted, not listed, unless asked */
		route_diff_print_json(out, &g->diff, &o);
	} else {
		buf_puts(out, "null");
	}
	buf_puts(out, ",\"error\":");
	json_str(out, g->error);
	buf_putc(out, '}');
}

static void json_client(buf *out, const fleet_report_client *c)
{
	const struct { const char *key, *value; } texts[] = {
		{ "address", c->address }, { "identity", c->identity }, { "user_agent", c->user_agent },
		{ "path", c->path }, { "etag", c->etag }, { "current_etag", c->current_etag },
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		buf_printf(out, "%s\"%s\":", i ? "," : "{", texts[i].key);
		json_str(out, texts[i].value);
	}
	buf_printf(out, ",\"stale_seconds\":%.3f,\"age_seconds\":", c->stale_for);
	if (c->age >= 0) buf_printf(out, "%.3f", c->age);
	else buf_puts(out, "null");
	buf_printf(out, ",\"last_seen_seconds_ago\":%.3f,\"polls\":%lu}", c->last_seen_ago, c->polls);
}

void fleet_report_print_json(buf *out, const fleet_report *r, bool unified, const route_diff_print_opts *po)
{
	buf_puts(out, "{\"fleet\":");
	json_str(out, r->url);
	buf_puts(out, ",\"table\":");
	if (r->has_table) {
		buf_puts(out, "{\"etag\":");
		json_str(out, r->etag);
		buf_printf(out, ",\"routes\":%zu,\"published\":", r->routes);
		json_str(out, r->published);
		buf_putc(out, '}');
	} else {
		buf_puts(out, "null");
	}
	buf_printf(out, ",\"summary\":{\"clients\":%zu,\"current\":%zu,\"stale\":%zu,\"tables\":%zu},\"tables\":[", r->n,
		   r->current, r->stale, r->tables);
	for (size_t g = 0; g < r->ngroups; g++) {
		if (g) buf_putc(out, ',');
		json_group(out, &r->groups[g], unified, po);
	}
	buf_puts(out, "],\"stale\":[");
	bool first = true;
	for (size_t i = 0; i < r->n; i++) {
		if (r->clients[i].current) continue;
		if (!first) buf_putc(out, ',');
		first = false;
		json_client(out, &r->clients[i]);
	}
	buf_puts(out, "]}");
}
