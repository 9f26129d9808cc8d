/* route_process.h: the processing routesrv applies to a whole table before serving it
 * (spec eskip-and-http.md A9, B7.3; kubernetes-to-eskip.md §9.3), in routesrv's order:
 *   1. default filters: every route's filters become prepend ++ own ++ append;
 *   2. with -enable-oauth2-grant-flow, the route
 *        __oauth2_grant_callback: Path(<-oauth2-callback-path>) -> grantCallback() -> <shunt>
 *      is appended (after step 1, so it carries no default filters);
 *   3. each -edit-route in flag order, then each -clone-route in flag order (clones of
 *      earlier clone flags are seen by later ones);
 *   4. every route in canonical form, stably sorted by id (route_table_canonicalize);
 *   5. routes whose served text skipper would not parse are dropped, each logged at level
 *      error: "Dropping route that skipper could not parse" with its id and the parse error
 *      (route_table_drop_unparsable). Skipper's routesrv serves them, and every skipper
 *      then rejects the whole table and keeps its old one.
 * Every command runs it through the pipeline (pipeline/pipeline.h), so a table compiled
 * with the same flags is byte for byte the table served.
 *
 * Deviations from skipper (for the man page):
 *   - -oauth2-callback-path defaults to /.well-known/oauth2-callback (the proxy's default);
 *     skipper's routesrv uses its empty default verbatim, serving Path(""), which the proxy
 *     reads as no path at all: a catch-all grantCallback() route. An explicitly empty value
 *     still gives Path("").
 *   - an edit whose result parses to no predicate/filter at all (e.g. "*") is logged as a
 *     parse failure and skipped (skipper panics);
 *   - edits never write through to filter lists shared with other routes (skipper's editor
 *     mutates the shared list in place).
 *
 * Ownership: route_processing owns an arena with the parsed default filters and the
 * compiled regexps; route_processing_free releases them. route_process allocates in the
 * table's arena only. */
#ifndef ROUTESRV_ROUTE_PROCESS_H
#define ROUTESRV_ROUTE_PROCESS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/opt.h"
#include "eskip/eskip.h"
#include "eskip/route.h"

typedef struct regex regex;

/* One -edit-route / -clone-route value: /REGEXP/REPLACEMENT/ (any first character). */
typedef struct {
	regex *re;
	str replacement;
} route_changer;

#define ROUTE_PROCESS_DEFAULT_OAUTH2_CALLBACK_PATH "/.well-known/oauth2-callback"

typedef struct {
	/* Raw flag values (targets of the opt_def table). */
	struct {
		opt_list default_filters_prepend, default_filters_append;
		opt_list edit_route, clone_route;
		const char *oauth2_callback_path;
	} flag;
	bool enable_oauth2_grant_flow;

	/* Parsed by route_processing_finish. */
	call *prepend; size_t nprepend;
	call *append; size_t nappend;
	route_changer *edits; size_t nedits;
	route_changer *clones; size_t nclones;
	str oauth2_callback_path;

	arena *arena;
} route_processing;

void route_processing_init(route_processing *p);
/* The opt_def entries (an OPT_GROUP heading first, then the six flags, then a {NULL}
 * entry); *n excludes the terminator. Targets point into p; the array lives in p's arena.
 * Commands copy them into their own table. */
const opt_def *route_processing_flags(route_processing *p, size_t *n);
/* Parses and compiles the flag values. Returns 0, or -1 with skipper's flag error in err:
 *   invalid value "<v>" for flag -edit-route: unexpected size of string split: 3
 *   invalid value "<v>" for flag -default-filters-prepend: failed to parse default filters: <err>
 * (commands print it and exit 2). */
int route_processing_finish(route_processing *p, buf *err);
void route_processing_free(route_processing *p);

/* Parses one -edit-route/-clone-route value into *out (regexp malloc'd: regex_free it, or
 * let route_processing_free do it). Returns 0, or -1 with the bare skipper error in err
 * ("empty string as an argument is not allowed", "unexpected size of string split: <n>",
 * or a Go regexp compile error). */
int route_changer_parse(arena *a, const char *value, route_changer *out, buf *err);

/* Applies steps 1-5 above to t in place. Parse failures of edited text are logged
 * (level error, "Failed to parse predicate: ..." / "Failed to parse filter: ...").
 * Returns how many routes step 5 dropped. p NULL: no processing flags (steps 4 and 5 only). */
size_t route_process(route_table *t, const route_processing *p);
/* The same; each route dropped as unparsable goes to dropped(r, err, ctx) instead of the log. */
size_t route_process_report(route_table *t, const route_processing *p, route_drop_fn dropped, void *ctx);


#endif
