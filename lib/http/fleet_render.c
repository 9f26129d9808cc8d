/* fleet_render.c: /fleet as JSON and as aligned text for terminals (see fleet.h). Client
 * texts (identity, User-Agent, zone) are the clients' own: JSON escapes them, the text form
 * shows control bytes as '?'. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/opt.h"
#include "base/text_table.h"
#include "eskip/eskip.h"
#include "http/fleet.h"

/* RFC 3339 in UTC with milliseconds, e.g. 2026-11-27T11:16:13.042Z. */
static void put_time(buf *out, double unix_seconds)
{
	time_t secs = (time_t)unix_seconds;
	long ms = (long)((unix_seconds - (double)secs) * 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char text[40];
	strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(out, "%s.%03ldZ", text, ms);
}

static void json_time(buf *out, double unix_seconds)
{
	buf_putc(out, '"');
	put_time(out, unix_seconds);
	buf_putc(out, '"');
}

static void put_string(buf *out, const char *s)
{
	eskip_json_string(out, s, strlen(s));
}

static void put_path(buf *out, const fleet_client *c)
{
	buf_puts(out, "/routes");
	if (c->has_zone) buf_printf(out, "/%s%s", c->zone, c->zone_cut ? "..." : "");
}

static void json_table(const fleet_view *v, buf *out)
{
	const snapshot *s = v->table;
	if (!s) {
		buf_puts(out, "null");
		return;
	}
	buf_puts(out, "{\"etag\":");
	put_string(out, s->full.etag[SNAP_PLAIN]);
	buf_puts(out, ",\"etag_gzip\":");
	put_string(out, s->full.etag[SNAP_GZIP]);
	buf_printf(out, ",\"routes\":%zu,\"published\":", s->full.count);
	if (v->published > 0) json_time(out, v->published);
	else buf_puts(out, "null");
	buf_puts(out, ",\"zones\":[");
	for (size_t z = 0; z < s->nzones; z++) {
		if (z) buf_putc(out, ',');
		put_string(out, s->zones[z].zone);
	}
	buf_puts(out, "]}");
}

static void json_client(const fleet_view *v, size_t i, buf *out)
{
	const fleet_client *c = &v->clients[i];
	buf_puts(out, "{\"address\":");
	put_string(out, c->address);
	buf_puts(out, ",\"identity\":");
	if (c->has_identity) put_string(out, c->identity);
	else buf_puts(out, "null");
	buf_puts(out, ",\"user_agent\":");
	put_string(out, c->user_agent);
	buf_puts(out, ",\"path\":");
	buf path = BUF_INIT;
	put_path(&path, c);
	put_string(out, path.ptr);
	buf_free(&path);
	buf_puts(out, ",\"etag\":");
	put_string(out, c->etag);
	buf_puts(out, ",\"current_etag\":");
	put_string(out, fleet_view_current_etag(v, c));
	buf_printf(out, ",\"state\":\"%s\",\"stale_seconds\":%.3f,\"age_seconds\":", v->current[i] ? "current" : "stale",
		   v->stale_for[i]);
	if (v->age[i] >= 0) buf_printf(out, "%.3f", v->age[i]);
	else buf_puts(out, "null");
	buf_puts(out, ",\"first_seen\":");
	json_time(out, fleet_view_wall(v, c->first_seen));
	buf_puts(out, ",\"last_seen\":");
	json_time(out, fleet_view_wall(v, c->last_seen));
	buf_printf(out, ",\"last_seen_seconds_ago\":%.3f,\"polls\":%lu}", (double)(v->now_ns - c->last_seen) / 1e9,
		   c->polls);
}

void fleet_render_json(const fleet_view *v, bool stale_only, buf *out)
{
	buf_puts(out, "{\"table\":");
	json_table(v, out);
	buf_printf(out, ",\"summary\":{\"clients\":%zu,\"current\":%zu,\"stale\":%zu,\"tables\":%zu,\"evicted\":%lu,"
			"\"convergence_cut\":%lu},\"max_clients\":%zu,\"expiry_seconds\":%.3f,\"clients\":[",
		   v->n, v->ncurrent, v->n - v->ncurrent, v->tables, v->evicted, v->cut, v->max_clients,
		   (double)v->expiry_ms / 1000);
	bool first = true;
	for (size_t i = 0; i < v->n; i++) {
		if (stale_only && v->current[i]) continue;
		if (!first) buf_putc(out, ',');
		first = false;
		json_client(v, i, out);
	}
	buf_puts(out, "]}\n");
}

/* --- text ------------------------------------------------------------------------------------- */

/* A duration for people: "850ms", "3.2s", "2m5.1s" (Go's form, rounded to what matters). */
static void put_duration(buf *out, double seconds)
{
	long ms = (long)(seconds * 1000 + 0.5);
	opt_format_duration(out, ms >= 1000 ? (ms + 50) / 100 * 100 : ms);
}

enum { COL_ADDRESS, COL_IDENTITY, COL_PATH, COL_ETAG, COL_STATE, COL_AGE, COL_SEEN, COL_POLLS, NCOLS };
static const char *const col_names[NCOLS] = { "ADDRESS", "IDENTITY", "PATH", "ETAG", "STATE", "AGE", "LAST SEEN",
					      "POLLS" };

static void client_cells(const fleet_view *v, size_t i, buf cells[NCOLS])
{
	const fleet_client *c = &v->clients[i];
	buf_puts(&cells[COL_ADDRESS], c->address);
	/* who it is: the identity it gave, else its User-Agent */
	text_table_put_printable(&cells[COL_IDENTITY], c->has_identity ? c->identity : c->user_agent);
	buf path = BUF_INIT;
	put_path(&path, c);
	text_table_put_printable(&cells[COL_PATH], path.ptr);
	buf_free(&path);
	buf_puts(&cells[COL_ETAG], c->etag);
	if (v->current[i]) {
		buf_puts(&cells[COL_STATE], "current");
	} else {
		buf_puts(&cells[COL_STATE], "stale for ");
		put_duration(&cells[COL_STATE], v->stale_for[i]);
	}
	if (v->age[i] >= 0) put_duration(&cells[COL_AGE], v->age[i]);
	else buf_puts(&cells[COL_AGE], "?");
	put_duration(&cells[COL_SEEN], (double)(v->now_ns - c->last_seen) / 1e9);
	buf_puts(&cells[COL_SEEN], " ago");
	buf_printf(&cells[COL_POLLS], "%lu", c->polls);
}

static void text_header(const fleet_view *v, buf *out)
{
	if (v->table) {
		buf_printf(out, "table    %s  %zu routes  published ", v->table->full.etag[SNAP_PLAIN], v->table->full.count);
		if (v->published > 0) {
			put_time(out, v->published);
			buf_puts(out, " (");
			put_duration(out, v->now - v->published);
			buf_puts(out, " ago)\n");
		} else {
			buf_puts(out, "just now\n");
		}
	} else {
		buf_puts(out, "table    none yet\n");
	}
	buf_printf(out, "clients  %zu: %zu current, %zu stale; %zu table%s held (a client leaves after ", v->n, v->ncurrent,
		   v->n - v->ncurrent, v->tables, v->tables == 1 ? "" : "s");
	opt_format_duration(out, v->expiry_ms);
	buf_printf(out, " without a poll; at most %zu)\n", v->max_clients);
}

void fleet_render_text(const fleet_view *v, bool stale_only, buf *out)
{
	text_header(v, out);
	text_table t;
	text_table_init(&t, NCOLS);
	buf *head = text_table_row(&t);
	for (int k = 0; k < NCOLS; k++) buf_puts(&head[k], col_names[k]);
	for (size_t i = 0; i < v->n; i++)
		if (!stale_only || !v->current[i]) client_cells(v, i, text_table_row(&t));
	buf_putc(out, '\n');
	text_table_print(&t, out, "");
	text_table_free(&t);
}
