/* fleet_report.h: a fleet as a route server's support listener shows it (GET /fleet, JSON:
 * see fleet.h), grouped by the table each client holds, for routesrv-diff -fleet.
 *
 * A group is one table held (its hex digits: the plain and gzip tags of one document are
 * one table) together with the table its clients get now (their path's current document):
 * the current group holds it already; every other group is stale, and its table can be
 * compared with the current one, both read from /fleet/tables/{etag}.
 *
 * Errors name the URL: "http://...:9911/fleet: not a fleet view (JSON with table, summary
 * and clients expected)", or input_read's message.
 *
 * Ownership: a fleet_report owns every string and array in it (fleet_report_free). */
#ifndef ROUTESRV_FLEET_REPORT_H
#define ROUTESRV_FLEET_REPORT_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/input_read.h"
#include "eskip/route.h"
#include "eskip/route_diff.h"
#include "table/etag.h"

typedef struct {
	char *address, *identity, *user_agent, *path;   /* identity: NULL when the client gave none */
	char etag[ETAG_MAX], current_etag[ETAG_MAX];    /* as /fleet gives them, quoted */
	bool current;
	double age, stale_for, last_seen_ago;           /* seconds; age < 0: unknown */
	unsigned long polls;
} fleet_report_client;

typedef struct {
	char held[ETAG_HEX_LEN + 1], now[ETAG_HEX_LEN + 1];   /* hex of the table held, and of the one due */
	bool current;
	size_t *members;                 /* indexes into the report's clients */
	size_t n;
	/* Set by fleet_report_compare for a stale group: */
	route_table *old_t, *new_t;
	route_diff diff;                 /* valid when compared */
	bool compared;
	bool gone;                       /* the server no longer keeps the held table (404) */
	char *error;                     /* why it was not compared, or NULL */
} fleet_report_group;

typedef struct {
	char *url;                       /* the /fleet URL read */
	char *base;                      /* the support listener: url without "/fleet" */
	bool has_table;
	char etag[ETAG_MAX];             /* the current full table's tag, quoted */
	size_t routes;
	char *published;                 /* RFC 3339, or NULL */
	size_t current, stale, tables;   /* the server's counts */
	fleet_report_client *clients;
	size_t n;
	fleet_report_group *groups;      /* the current group first, then by clients, most first */
	size_t ngroups;
} fleet_report;

/* Reads `where` (a support listener's base URL, or its /fleet URL) into r. 0, or -1 with
 * the message in err. */
int fleet_report_read(const char *where, const input_opts *o, fleet_report *r, buf *err);
void fleet_report_free(fleet_report *r);
/* The URL of the document with that hex: <base>/fleet/tables/<hex>. */
void fleet_report_table_url(const fleet_report *r, const char *hex, buf *out);

/* Reads each stale group's table and the one due instead, and compares them. Returns the
 * number of groups that could not be compared for another reason than the table being no
 * longer kept (an unreachable server, a table that does not parse). */
size_t fleet_report_compare(fleet_report *r, const input_opts *io, const route_diff_opts *o);

/* The summary: the current table, the counts, one line per table held (clients, current or
 * stale, and the summary line of the changes to the current table), then the stale clients
 * in aligned columns. unified: each stale table's report follows (po->stat: its per-object
 * counts); po names nothing (the tags name the tables). */
void fleet_report_print_text(buf *out, const fleet_report *r, bool unified, const route_diff_print_opts *po);
/* The same as one JSON object: fleet, table, summary, tables (each with its diff: counts
 * and groups only unless unified) and stale (the clients). */
void fleet_report_print_json(buf *out, const fleet_report *r, bool unified, const route_diff_print_opts *po);
#endif
