/* json_scan.h: JSON text scanned in place, for when no value tree is needed.
 *
 * Two levels, both without allocation:
 *   - json_skip_*: structural skipping (strings and bracket matching) that trusts the text.
 *     kube_read_json cuts list items out with it before jq parses each item, so jq still
 *     finds and positions every syntax error.
 *   - json_check_value and the json_walk functions: strict RFC 8259 validation in one pass,
 *     for routesrv-fetch, which passes list items through as text and must still refuse a
 *     truncated or invalid body. Strings are checked for escapes and control characters, not
 *     for UTF-8 (jq, which reads the output later, replaces invalid bytes, it does not fail).
 *     Nesting deeper than JSON_MAX_DEPTH fails, as it does in jq's parser.
 *
 * All positions are pointers into the caller's text [p, end); nothing is copied or owned. */
#ifndef ROUTESRV_JSON_SCAN_H
#define ROUTESRV_JSON_SCAN_H
#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 256

const char *json_skip_ws(const char *p, const char *end);
/* p at '"': the position after the closing quote, or NULL when there is none. */
const char *json_skip_string(const char *p, const char *end);
/* The end of the value at p, or NULL when a string or bracket never closes. Brackets are
 * only counted: "{]" passes. */
const char *json_skip_value(const char *p, const char *end);

/* The first raw control character (a byte below 0x20) inside a string of the JSON text
 * [p, end), or NULL. Such text is invalid JSON that jq's parser accepts and copies into the
 * string; readers that hand text to jq refuse it with this check. Trusts the structure. */
const char *json_find_string_control(const char *p, const char *end);

/* The first error found: where and what (a static string). */
typedef struct {
	const char *at;
	const char *reason;
} json_error;

/* Validates one value at p (leading whitespace allowed); returns the position after it, or
 * NULL with e set. What follows the value is the caller's business. */
const char *json_check_value(const char *p, const char *end, json_error *e);

/* Walks an object or array while validating it, so a caller can look inside selected
 * members (descend with a nested walk) and let json_walk_value check the rest:
 *
 *   json_walk w;
 *   if (json_object_begin(&w, p, end, 0, &e) != 0) ...
 *   while ((rc = json_object_next(&w, &key, &key_end)) == 1)
 *       if (<key is interesting>) { json_walk in; json_object_begin(&in, w.p, end, w.depth, &e); ...; w.p = in.p; }
 *       else if (!json_walk_value(&w)) ...
 *
 * After the walk ends (0) w.p is just past the closing bracket. */
typedef struct {
	const char *p, *end;
	unsigned depth;                  /* containers open, this one included */
	bool first;
	json_error *err;
} json_walk;

/* p at (whitespace before) '{' or '['; depth = containers around it. 0, or -1 with err set. */
int json_object_begin(json_walk *w, const char *p, const char *end, unsigned depth, json_error *err);
int json_array_begin(json_walk *w, const char *p, const char *end, unsigned depth, json_error *err);
/* 1: a member whose key (quotes included) is [*key, *key_end), w->p at its value;
 * 0: the object ended; -1: error. */
int json_object_next(json_walk *w, const char **key, const char **key_end);
/* 1: w->p at the next element; 0: the array ended; -1: error. */
int json_array_next(json_walk *w);
/* Validates the value at w->p and moves past it; false on error. */
bool json_walk_value(json_walk *w);
#endif
