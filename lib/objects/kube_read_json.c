/* kube_read_json.c: JSON input without one big jv tree.
 *
 * A 20 MB list response parsed whole needs ~10x its size as jv values. Instead a small
 * structural scanner walks the top-level object, finds the "items" array and hands each
 * element's text to jq's parser on its own, so only one item is a jv at any time. The
 * other top-level values (kind, metadata, ...) are parsed too, so malformed JSON anywhere
 * is still an error with its position. With kube_read_options.processes = 2 a forked child parses
 * the second half of a large list's items at the same time (see read_items_forked). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "objects/kube_read.h"

#include "base/json_scan.h"
#include "objects/kube_read_internal.h"
#include "base/arena.h"

typedef struct {
	kube_read_ctx *r;
	const char *data, *end;
	struct jv_parser *parser;   /* reused for items, see parse_reusing */
	const char *line_at;        /* line_of's cursor: line_no is the line at line_at */
	size_t line_no;
} scan;

/* The 1-based line of `at`: newlines counted from the last position asked for (objects are
 * read in order, so the whole input is counted about once). */
static size_t line_of(scan *s, const char *at)
{
	if (!s->line_at || at < s->line_at) {
		s->line_at = s->data;
		s->line_no = 1;
	}
	for (const char *p = s->line_at; (p = memchr(p, '\n', (size_t)(at - p))) != NULL; p++)
		s->line_no++;
	s->line_at = at;
	return s->line_no;
}

/* Items without a List kind: {"items": [...]} is no Kubernetes object. */
static int kindless_list(scan *s)
{
	return kube_not_an_object(s->r, "an \"items\" array without a List kind");
}

/* Line and 0-based column of offset off. */
static void position(const char *data, const char *at, size_t *line, size_t *col)
{
	*line = 1;
	const char *line_start = data;
	for (const char *p = data; p < at; p++)
		if (*p == '\n')
			(*line)++, line_start = p + 1;
	*col = (size_t)(at - line_start);
}

/* Re-bases jq's "<reason> at line L, column C" (relative to the parsed span) on the input. */
static void parse_error(scan *s, const char *start, const char *msg)
{
	size_t line, col;
	position(s->data, start, &line, &col);
	const char *at = strstr(msg, " at line ");
	unsigned long l = 1, c = 0;
	size_t reason_len = strlen(msg);
	if (at && sscanf(at, " at line %lu, column %lu", &l, &c) == 2) {
		reason_len = (size_t)(at - msg);
		col = l == 1 ? col + c : c;
		line += l - 1;
	} else {
		col++;
	}
	buf_printf(s->r->err, "%s:%zu:%zu: %.*s", s->r->source, line, col, (int)reason_len, msg);
}

/* An object or array through one parser kept across items: setting up jq's parser clears
 * ~18 KB of number-conversion state, which for 1 KB items costs more than the parsing.
 * The parser returns a top-level object or array as soon as its bracket closes, so the
 * next item starts with a clean parser. Returns false (and drops the parser) for anything
 * unusual; the caller then parses the text again on a fresh parser for exact errors. */
static bool parse_reusing(scan *s, const char *start, const char *stop, jv *out)
{
	if (*start != '{' && *start != '[')
		return false;
	if (!s->parser)
		s->parser = jv_parser_new(0);
	jv_parser_set_buf(s->parser, start, (int)(stop - start), 1);
	jv v = jv_parser_next(s->parser);
	if (jv_is_valid(v) && jv_parser_remaining(s->parser) == 0) {
		*out = v;
		return true;
	}
	jv_free(v);
	jv_parser_free(s->parser);
	s->parser = NULL;
	return false;
}

/* Parses exactly one JSON value in [start, stop) with jq. */
static int parse_span_jq(scan *s, const char *start, const char *stop, jv *out)
{
	if (start < stop && parse_reusing(s, start, stop, out))
		return 0;
	if (start == stop) {
		parse_error(s, start, "expected a value");
		return -1;
	}
	struct jv_parser *p = jv_parser_new(0);
	jv_parser_set_buf(p, start, (int)(stop - start), 0);
	jv v = jv_parser_next(p);
	int rc = 0;
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);
		parse_error(s, start, jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "unexpected end of input");
		jv_free(msg);
		rc = -1;
	} else {
		jv extra = jv_parser_next(p);
		if (jv_is_valid(extra) || jv_invalid_has_msg(jv_copy(extra))) {
			jv_free(v);
			parse_error(s, start, "unexpected data after a value");
			rc = -1;
		}
		jv_free(extra);
		*out = v;
	}
	jv_parser_free(p);
	return rc;
}

/* The string member `key` of obj (borrowed), or "". */
static const char *member_string(jv obj, const char *key, jv *keep)
{
	*keep = jv_get_kind(obj) == JV_KIND_OBJECT ? kube_json_field(obj, key) : jv_invalid();
	return jv_get_kind(*keep) == JV_KIND_STRING ? jv_string_value(*keep) : "";
}

/* A raw control character at `at` inside a string: invalid JSON (RFC 8259 7), which jq
 * accepts and would copy into the served table. The whole input is refused, as Go's
 * decoder (skipper) refuses it, naming the object by its kind and metadata (borrowed; either
 * may be missing). */
static void control_error(scan *s, const char *at, const char *kind, jv meta)
{
	size_t line, col;
	position(s->data, at, &line, &col);
	buf_printf(s->r->err, "%s:%zu:%zu: invalid JSON: raw control character U+%04X in a string", s->r->source, line,
		   col + 1, (unsigned)(unsigned char)*at);
	jv ns, name;
	const char *n = member_string(meta, "namespace", &ns), *nm = member_string(meta, "name", &name);
	if ((kind && *kind) || *nm)
		buf_printf(s->r->err, " (kind=%s ns=%s name=%s)", kind ? kind : "", n, nm);
	jv_free(ns);
	jv_free(name);
}

/* The same for a value v parsed from the text (a list item: it names itself). */
static void control_error_in(scan *s, const char *at, jv v)
{
	jv kind, meta = jv_get_kind(v) == JV_KIND_OBJECT ? kube_json_field(v, "metadata") : jv_invalid();
	control_error(s, at, member_string(v, "kind", &kind), meta);
	jv_free(kind);
	jv_free(meta);
}

/* Parses exactly one JSON value in [start, stop); raw control characters in strings, which
 * jq lets through, are refused. */
static int parse_span(scan *s, const char *start, const char *stop, jv *out)
{
	if (parse_span_jq(s, start, stop, out) != 0)
		return -1;
	const char *bad = json_find_string_control(start, stop);
	if (!bad)
		return 0;
	control_error_in(s, bad, *out);
	jv_free(*out);
	*out = jv_invalid();
	return -1;
}

/* The scanner found no end for the value at p: let jq say what is wrong and where. */
static int broken_value(scan *s, const char *p, const char *stop)
{
	jv v;
	if (parse_span(s, p, stop, &v) == 0) {
		jv_free(v);
		parse_error(s, p, "unterminated value");
	}
	return -1;
}

static bool key_is(const char *k, const char *k_end, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(k_end - k) == n + 2 && strncasecmp(k + 1, name, n) == 0;
}

/* Decodes each element of the items array at [p, stop). */
static int read_items(scan *s, const char *p, const char *stop, const char *item_kind)
{
	p = json_skip_ws(p + 1, stop);
	if (p < stop && *p == ']')
		return 0;
	for (;;) {
		const char *e = json_skip_value(p, stop);
		if (!e)
			return broken_value(s, p, stop);
		jv item;
		if (parse_span(s, p, e, &item) != 0)
			return -1;
		s->r->line = line_of(s, p);
		if (kube_decode_item(s->r, item, item_kind) != 0)
			return -1;
		p = json_skip_ws(e, stop);
		if (p < stop && *p == ',') {
			p = json_skip_ws(p + 1, stop);
			continue;
		}
		if (p < stop && *p == ']')
			return 0;
		parse_error(s, p, "expected ',' or ']' after an array element");
		return -1;
	}
}

typedef struct {
	const char *items, *items_end;   /* the "items" array, if any */
	jv kind;                         /* the "kind" string, or invalid */
} top_object;

/* Walks the top-level object at [p, stop): parses every value except the items array.
 * Returns 0, or -1 on a syntax error (message in err). */
static int walk_object(scan *s, const char *p, const char *stop, top_object *t)
{
	t->items = t->items_end = NULL;
	t->kind = jv_invalid();
	p = json_skip_ws(p + 1, stop);
	if (p < stop && *p == '}')
		return 0;
	for (;;) {
		if (p >= stop || *p != '"')
			return parse_error(s, p, "expected a string key in an object"), -1;
		const char *k = p, *k_end = json_skip_string(p, stop);
		if (!k_end)
			return parse_error(s, p, "unterminated string"), -1;
		p = json_skip_ws(k_end, stop);
		if (p >= stop || *p != ':')
			return parse_error(s, p, "expected ':' after an object key"), -1;
		p = json_skip_ws(p + 1, stop);
		const char *v_end = json_skip_value(p, stop);
		if (!v_end)
			return broken_value(s, p, stop);
		if (key_is(k, k_end, "items") && *p == '[') {
			t->items = p, t->items_end = v_end;
		} else {
			jv v;
			if (parse_span(s, p, v_end, &v) != 0)
				return -1;
			if (key_is(k, k_end, "kind") && jv_get_kind(v) == JV_KIND_STRING && !jv_is_valid(t->kind))
				t->kind = v;
			else
				jv_free(v);
		}
		p = json_skip_ws(v_end, stop);
		if (p < stop && *p == ',') {
			p = json_skip_ws(p + 1, stop);
			continue;
		}
		if (p < stop && *p == '}')
			return 0;
		return parse_error(s, p, "expected ',' or '}' after an object value"), -1;
	}
}

/* An API list page (list_kind set) must be one <list_kind>List object with an items array:
 * a 200 answer of another shape ({}, a Status, "items": null, a list of another kind) is
 * not an empty list, and taking it for one would delete every route of that kind. */
static int check_api_page(scan *s, const char *kind, bool has_items, const char *list_kind)
{
	if (!list_kind)
		return 0;
	char want[96];
	snprintf(want, sizeof want, "%sList", list_kind);
	if (!kind || strcmp(kind, want) != 0) {
		buf_printf(s->r->err, "%s: the response is not a%s %s (%s%s%s)", s->r->source,
			   strchr("AEIOU", *want) ? "n" : "", want, kind ? "kind \"" : "no kind", kind ? kind : "",
			   kind ? "\"" : "");
		return -1;
	}
	if (!has_items) {
		buf_printf(s->r->err, "%s: the %s has no items array (missing or null)", s->r->source, want);
		return -1;
	}
	return 0;
}

/* One top-level value at [p, stop). */
static int read_value(scan *s, const char *p, const char *stop, const char *list_kind)
{
	top_object t;
	if (*p == '{') {
		if (walk_object(s, p, stop, &t) != 0) {
			jv_free(t.kind);
			return -1;
		}
		const char *kind = jv_is_valid(t.kind) ? jv_string_value(t.kind) : NULL;
		if (check_api_page(s, kind, t.items != NULL, list_kind) != 0) {
			jv_free(t.kind);
			return -1;
		}
		char ibuf[64];
		const char *item_kind = kind ? kube_list_item_kind(kind, ibuf, sizeof ibuf) : NULL;
		if (t.items && (!kind || item_kind)) {
			if (!kind && !list_kind) {
				jv_free(t.kind);
				return kindless_list(s);
			}
			if (list_kind)
				item_kind = list_kind;
			int rc = read_items(s, t.items, t.items_end, item_kind && *item_kind ? item_kind : NULL);
			jv_free(t.kind);
			return rc;
		}
		jv_free(t.kind);
	}
	jv v;
	if (parse_span(s, p, stop, &v) != 0)
		return -1;
	return kube_decode_document(s->r, v, list_kind);
}

/* --- the fast path: one walk over a top-level object --------------------------------------------
 *
 * The path above walks the text three times (the whole value, then each top-level member,
 * then each item) to find where jq should parse. A 20 MB list is mostly items, so the
 * common case walks it once instead: walk_layout records every member's and every item's
 * span without parsing anything, then read_layout parses them in the order the path above
 * would. The spans are the ones the path above finds whenever the walk accepts the text:
 * it gives up (and the path above runs, for exact error messages and positions) on anything
 * unusual: a missing comma or colon, an empty or unterminated value, a bare value holding a
 * quote or an opening bracket (which json_skip_value's bracket count and the per-member skip
 * would see differently). Nothing has been parsed or logged by then. */

typedef struct {
	const char *start, *end;
} span;

typedef struct {
	span *v;
	size_t n, cap;
} spans;

typedef struct {
	spans members;                   /* key, value, key, value, ... except items */
	spans elements;                  /* the elements of the last "items" array */
	const char *items;               /* that array, NULL when there is none */
	const char *end;                 /* just past the object */
} layout;

static void spans_add(spans *l, const char *start, const char *end)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort();
	}
	l->v[l->n++] = (span){ start, end };
}

/* p at '"': past the closing quote (a backslash escapes the next byte, as json_skip_string). */
static const char *skip_string_fast(const char *p, const char *end)
{
	for (p++; p < end; p += 2) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return NULL;
		const char *b = memchr(p, '\\', (size_t)(q - p));
		if (!b)
			return q + 1;
		p = b;   /* the escaped byte is skipped by p += 2 */
	}
	return NULL;
}

/* Bytes json_skip_value counts or skips inside an object or array: quotes and brackets. */
static const bool structural[256] = { ['"'] = true, ['{'] = true, ['}'] = true, ['['] = true, [']'] = true };

/* p at '{' or '[': the end of the value as json_skip_value finds it, or NULL. */
static const char *skip_container_fast(const char *p, const char *end)
{
	size_t depth = 0;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (!structural[c]) {
			p++;
			continue;
		}
		if (c == '"') {
			if (!(p = skip_string_fast(p, end)))
				return NULL;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (--depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

/* The end of the value at p, or NULL where the walk gives up (see above). */
static const char *walk_value(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string_fast(p, end);
	if (*p == '{' || *p == '[')
		return skip_container_fast(p, end);
	const char *v = p;
	while (p < end && !strchr(",}] \t\r\n", *p)) {
		if (*p == '"' || *p == '{' || *p == '[')
			return NULL;
		p++;
	}
	return p > v ? p : NULL;
}

/* The elements of the array at p; the end of the array, or NULL. */
static const char *walk_items(spans *items, const char *p, const char *end)
{
	items->n = 0;
	p = json_skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return p + 1;
	for (;;) {
		const char *e = walk_value(p, end);
		if (!e)
			return NULL;
		spans_add(items, p, e);
		p = json_skip_ws(e, end);
		if (p < end && *p == ']')
			return p + 1;
		if (p >= end || *p != ',')
			return NULL;
		p = json_skip_ws(p + 1, end);
	}
}

/* The object at p; 0, or -1 where the walk gives up. */
static int walk_layout(layout *l, const char *p, const char *end)
{
	l->members.n = l->elements.n = 0;
	l->items = NULL;
	p = json_skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		l->end = p + 1;
		return 0;
	}
	for (;;) {
		if (p >= end || *p != '"')
			return -1;
		const char *k = p, *k_end = skip_string_fast(p, end);
		if (!k_end)
			return -1;
		p = json_skip_ws(k_end, end);
		if (p >= end || *p != ':')
			return -1;
		p = json_skip_ws(p + 1, end);
		const char *v_end;
		if (key_is(k, k_end, "items") && p < end && *p == '[') {
			if (!(v_end = walk_items(&l->elements, p, end)))
				return -1;
			l->items = p;
		} else {
			if (!(v_end = walk_value(p, end)))
				return -1;
			spans_add(&l->members, k, k_end);
			spans_add(&l->members, p, v_end);
		}
		p = json_skip_ws(v_end, end);
		if (p < end && *p == '}') {
			l->end = p + 1;
			return 0;
		}
		if (p >= end || *p != ',')
			return -1;
		p = json_skip_ws(p + 1, end);
	}
}

/* --- two processes (kube_read_options.processes) ------------------------------------------------------ */


/* Parses and decodes items [from, to) in order; stops at the first error. */
static int decode_items(scan *s, const spans *items, size_t from, size_t to, const char *kind)
{
	int rc = 0;
	for (size_t i = from; i < to && rc == 0; i++) {
		jv item;
		rc = parse_span(s, items->v[i].start, items->v[i].end, &item);
		s->r->line = line_of(s, items->v[i].start);
		if (rc == 0)
			rc = kube_decode_item(s->r, item, kind);
	}
	return rc;
}

/* What the child leaves at the start of the shared region for the parent. */
typedef struct {
	int done;           /* it got through its items: rc, err and c are valid */
	int rc;             /* 0, or -1 with err (the message the parent would have made) */
	str err;
	kube_cluster c;     /* its objects, allocated in the region; c.arena is not valid here */
	bool reported;      /* the read had a reporter: rep holds what the child's half added */
	kube_reporter rep;  /* its counts and problems (in the region); rep.arena is not valid */
} child_result;

#define RESULT_SIZE ((sizeof(child_result) + 63) & ~(size_t)63)

/* The region is used up: the child exits without a result and the parent reads its items. */
static void region_full(void)
{
	_exit(3);
}

/* In the child: items [from, n) into the region, log lines into logfd. Never returns. */
static void child_read(const scan *parent, const spans *items, size_t from, const char *kind, char *region,
		       size_t size, int logfd)
{
	if (dup2(logfd, STDERR_FILENO) < 0)
		_exit(3);
	child_result *res = (child_result *)(void *)region;
	kube_cluster c = { .arena = arena_new_fixed(region + RESULT_SIZE, size - RESULT_SIZE, region_full),
			   .routegroups_known = parent->r->c->routegroups_known };
	buf err = BUF_INIT;
	kube_read_ctx r = *parent->r;
	r.c = &c;
	r.err = &err;
	/* the parent's reporter is a copy here: the half's counts and problems go to a reporter
	 * of its own in the region, which the parent merges */
	const kube_reporter *prep = parent->r->opts.reporter;
	kube_reporter rep = { 0 };
	if (prep) {
		rep = (kube_reporter){ .collect = prep->collect, .services_given = prep->services_given, .arena = c.arena };
		r.opts.reporter = &rep;
	}
	scan s = { .r = &r, .data = parent->data, .end = parent->end };
	int rc = decode_items(&s, items, from, items->n, kind);
	if (rc != 0)
		res->err = arena_strndup(c.arena, err.ptr ? err.ptr : "", err.len);
	res->rc = rc;
	res->c = c;
	res->reported = prep != NULL;
	res->rep = rep;
	res->done = 1;
	if (s.parser)
		jv_parser_free(s.parser);
	buf_free(&err);
	arena_free(c.arena);   /* the bookkeeping only: the objects stay in the region */
	_exit(0);
}

/* Appends the n elements of src to the cluster array *arr. */
static void append(arena *a, void **arr, size_t *n, const void *src, size_t nsrc, size_t size)
{
	for (size_t i = 0; i < nsrc; i++)
		memcpy(arena_array_push(a, arr, n, size), (const char *)src + i * size, size);
}

/* The child's objects after the parent's own: the order of one process reading them all. */
static void adopt_objects(kube_cluster *c, const kube_cluster *from)
{
	append(c->arena, (void **)&c->ingresses, &c->ningresses, from->ingresses, from->ningresses, sizeof *c->ingresses);
	append(c->arena, (void **)&c->routegroups, &c->nroutegroups, from->routegroups, from->nroutegroups,
	       sizeof *c->routegroups);
	append(c->arena, (void **)&c->services, &c->nservices, from->services, from->nservices, sizeof *c->services);
	append(c->arena, (void **)&c->endpoints, &c->nendpoints, from->endpoints, from->nendpoints, sizeof *c->endpoints);
	append(c->arena, (void **)&c->slices, &c->nslices, from->slices, from->nslices, sizeof *c->slices);
}

/* The child's log lines, after the parent's own. */
static void replay_log(int logfd)
{
	char chunk[64 * 1024];
	ssize_t n;
	fflush(stderr);
	if (lseek(logfd, 0, SEEK_SET) != 0)
		return;
	while ((n = read(logfd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
		for (ssize_t off = 0; n > 0 && off < n;) {
			ssize_t w = write(STDERR_FILENO, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return;
			off += w;
		}
}

static pid_t wait_child(pid_t pid, int *status)
{
	pid_t r;
	while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return r;
}

/* Items [0, n) in two processes: this one parses the first half (by bytes) while a child
 * parses the second into a shared region mapped before the fork (so its pointers are valid
 * here). The decoded objects need less room than their JSON; when the region is still too
 * small, or anything else fails, the child's half is read here after all. */
static int read_items_forked(scan *s, const spans *items, const char *kind)
{
	const char *first = items->v[0].start;
	size_t n = items->n, half = (size_t)(items->v[n - 1].end - first) / 2, m = 1;
	while (m < n - 1 && (size_t)(items->v[m].start - first) < half)
		m++;
	size_t size = RESULT_SIZE + 4 * (size_t)(items->v[n - 1].end - items->v[m].start) + (16u << 20);
	char *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		return decode_items(s, items, 0, n, kind);
	int logfd = memfd_create("routesrv-read-log", MFD_CLOEXEC);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = logfd >= 0 ? fork() : -1;
	if (pid == 0)
		child_read(s, items, m, kind, region, size, logfd);
	if (pid < 0) {
		if (logfd >= 0)
			close(logfd);
		munmap(region, size);
		return decode_items(s, items, 0, n, kind);
	}
	int status = 0, rc = decode_items(s, items, 0, m, kind);
	if (rc != 0)
		kill(pid, SIGKILL);   /* one process would have stopped here: its half is not wanted */
	pid_t waited = wait_child(pid, &status);
	const child_result *res = (const child_result *)(const void *)region;
	bool usable = waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 && res->done;
	if (rc == 0 && usable) {
		replay_log(logfd);
		adopt_objects(s->r->c, &res->c);
		if (res->reported)
			kube_reporter_merge(s->r->opts.reporter, &res->rep);
		if (res->rc != 0)
			buf_append(s->r->err, res->err.ptr, res->err.len);
		rc = res->rc;
		arena_own_mapping(s->r->c->arena, region, size);   /* the objects live there */
	} else {
		munmap(region, size);
		if (rc == 0)
			rc = decode_items(s, items, m, n, kind);
	}
	close(logfd);
	return rc;
}

/* The items of a list, in two processes when that is allowed and worth it. */
static int read_item_spans(scan *s, const spans *items, const char *kind)
{
	size_t n = items->n;
	const kube_read_options *o = &s->r->opts;
	size_t threshold = o->fork_bytes ? o->fork_bytes : KUBE_READ_FORK_BYTES;
	if (o->processes > 1 && n >= 2 && (size_t)(items->v[n - 1].end - items->v[0].start) >= threshold)
		return read_items_forked(s, items, kind);
	return decode_items(s, items, 0, n, kind);
}

/* The walked object at p: what read_value does, on the recorded spans. */
static int read_layout(scan *s, const layout *l, const char *p, const char *list_kind)
{
	jv kind_v = jv_invalid(), meta_v = jv_invalid();
	for (size_t i = 0; i < l->members.n; i += 2) {
		const span *k = &l->members.v[i], *v = &l->members.v[i + 1];
		jv val;
		if (parse_span_jq(s, v->start, v->end, &val) != 0) {
			jv_free(kind_v);
			jv_free(meta_v);
			return -1;
		}
		if (key_is(k->start, k->end, "kind") && jv_get_kind(val) == JV_KIND_STRING && !jv_is_valid(kind_v))
			kind_v = val;
		else if (key_is(k->start, k->end, "metadata") && jv_get_kind(val) == JV_KIND_OBJECT && !jv_is_valid(meta_v))
			meta_v = val;
		else
			jv_free(val);
	}
	const char *kind = jv_is_valid(kind_v) ? jv_string_value(kind_v) : NULL;
	/* members are checked for raw control characters once all are parsed, so that the
	 * message can name the object (its kind and metadata are members too) */
	for (size_t i = 1; i < l->members.n; i += 2) {
		const char *bad = json_find_string_control(l->members.v[i].start, l->members.v[i].end);
		if (bad) {
			control_error(s, bad, kind, meta_v);
			jv_free(kind_v);
			jv_free(meta_v);
			return -1;
		}
	}
	jv_free(meta_v);
	if (check_api_page(s, kind, l->items != NULL, list_kind) != 0) {
		jv_free(kind_v);
		return -1;
	}
	char ibuf[64];
	const char *item_kind = kind ? kube_list_item_kind(kind, ibuf, sizeof ibuf) : NULL;
	if (l->items && (!kind || item_kind)) {
		if (!kind && !list_kind) {
			jv_free(kind_v);
			return kindless_list(s);
		}
		if (list_kind)
			item_kind = list_kind;
		int rc = read_item_spans(s, &l->elements, item_kind && *item_kind ? item_kind : NULL);
		jv_free(kind_v);
		return rc;
	}
	jv_free(kind_v);
	jv v;
	if (parse_span(s, p, l->end, &v) != 0)
		return -1;
	return kube_decode_document(s->r, v, list_kind);
}

int kube_read_json(kube_read_ctx *r, const char *data, size_t len, const char *list_kind)
{
	scan s = { .r = r, .data = data, .end = data + len };
	layout l = { { NULL, 0, 0 }, { NULL, 0, 0 }, NULL, NULL };
	const char *p = json_skip_ws(data, s.end);
	int rc = 0;
	if (list_kind && (p >= s.end || *p != '{')) {   /* an API list page: one object (check_api_page) */
		buf_printf(r->err, "%s: the response is not a JSON object", r->source);
		return -1;
	}
	for (bool first = true; p < s.end && rc == 0; first = false) {
		const char *e;
		r->line = line_of(&s, p);
		r->ndocs++;
		if (list_kind && !first) {
			buf_printf(r->err, "%s: unexpected data after the list", r->source);
			rc = -1;
			break;
		}
		if (*p == '{' && walk_layout(&l, p, s.end) == 0) {
			e = l.end;
			rc = read_layout(&s, &l, p, list_kind);
		} else if (!(e = json_skip_value(p, s.end))) {
			rc = broken_value(&s, p, s.end);
		} else {
			rc = read_value(&s, p, e, list_kind);
		}
		p = e ? json_skip_ws(e, s.end) : s.end;
	}
	free(l.members.v);
	free(l.elements.v);
	if (s.parser)
		jv_parser_free(s.parser);
	return rc;
}
