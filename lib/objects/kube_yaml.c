/* kube_yaml.c: YAML streams → jv documents with Go yaml.v2's scalar resolution (YAML 1.1),
 * so manifests mean what they mean to kubectl and to skipper's fixture harness. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "objects/kube_read_internal.h"
#include "base/xalloc.h"

/* Alias expansion budget per stream: nodes reachable through aliases. Real manifests
 * stay far below; a "billion laughs" document hits it after a few levels. */
#define YAML_ALIAS_NODE_LIMIT 1000000
/* Nesting limit, yaml.v2's: libyaml's scanner spends time proportional to the open flow
 * collections on every token, so 100 000 nested '[' would take minutes. */
#define YAML_MAX_DEPTH 10000
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

typedef struct {
	jv value;            /* the array or object being built */
	bool is_map;
	bool have_key;
	jv key;              /* string, when have_key */
	bool key_is_merge;   /* the pending key is a plain "<<" */
	char *anchor;        /* malloc'd, or NULL */
} yaml_frame;

typedef struct {
	yaml_frame *stack;
	size_t depth, cap;
	jv anchors;          /* object: anchor name -> value (a hash lookup per alias), when have_anchors */
	bool have_anchors;
	size_t alias_nodes;  /* nodes expanded through aliases so far */
	jv root;
	bool have_root;
	/* where the document and the items of its top-level "items" sequence start */
	size_t doc_line;
	size_t *item_lines, nitem_lines, item_lines_cap;
} yaml_builder;

/* --- scalar resolution (yaml.v2 resolve.go) --------------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Go strconv.ParseInt(s, 0, 64) on s with '_' removed: sign, 0x/0o/0b prefixes, leading-0 octal. */
static bool parse_go_int(const char *s, double *out)
{
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : 99;
		if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = neg ? -(double)v : (double)v;
	return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_yaml_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	size_t int_digits = strspn(s, "0123456789");
	s += int_digits;
	if (*s == '.') {
		size_t frac = strspn(s + 1, "0123456789");
		if (!int_digits && !frac)
			return false;
		s += 1 + frac;
	} else if (!int_digits) {
		return false;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		size_t exp = strspn(s, "0123456789");
		if (!exp)
			return false;
		s += exp;
	}
	return *s == 0;
}

static jv resolve_number(const char *text)
{
	char plain[128];
	size_t n = 0;
	for (const char *p = text; *p && n + 1 < sizeof plain; p++)
		if (*p != '_')
			plain[n++] = *p;
	plain[n] = 0;
	if (strlen(text) >= sizeof plain)
		return jv_invalid();
	double v;
	if (parse_go_int(plain, &v))
		return jv_number(v);
	if (is_yaml_float(plain))
		return jv_number(strtod(plain, NULL));
	return jv_invalid();
}

/* A plain scalar's value: null, bool, number or (otherwise) the string itself. */
jv kube_yaml_resolve_plain(const char *text, size_t len)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
	static const char *const falses[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL };
	static const char *const infs[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
	static const char *const neg_infs[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
	if (strlen(text) != len)   /* an embedded NUL: only a string can hold it */
		return jv_string_sized(text, (int)len);
	if (in_list(text, nulls))
		return jv_null();
	if (in_list(text, trues))
		return jv_true();
	if (in_list(text, falses))
		return jv_false();
	if (in_list(text, infs))
		return jv_number(INFINITY);
	if (in_list(text, neg_infs))
		return jv_number(-INFINITY);
	if (in_list(text, nans))
		return jv_number(NAN);
	if (strchr("0123456789+-.", text[0])) {
		jv n = resolve_number(text);
		if (jv_is_valid(n))
			return n;
	}
	return jv_string_sized(text, (int)len);
}

static jv scalar_value(const yaml_event_t *e)
{
	const char *text = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	const char *tag = (const char *)e->data.scalar.tag;
	if (tag && strcmp(tag, "tag:yaml.org,2002:str") == 0)
		return jv_string_sized(text, (int)len);
	if (tag && (strcmp(tag, "tag:yaml.org,2002:int") == 0 || strcmp(tag, "tag:yaml.org,2002:float") == 0 ||
		    strcmp(tag, "tag:yaml.org,2002:bool") == 0 || strcmp(tag, "tag:yaml.org,2002:null") == 0))
		return kube_yaml_resolve_plain(text, len);
	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || tag)
		return jv_string_sized(text, (int)len);
	return kube_yaml_resolve_plain(text, len);
}

/* --- building ----------------------------------------------------------------------------- */

/* Counts nodes of v, stopping once `limit` is exceeded (aliases share subtrees, so an
 * uncapped walk of a hostile document could take exponential time). */
static size_t count_nodes(jv v, size_t limit)
{
	size_t n = 1;
	jv_kind k = jv_get_kind(v);
	if (k == JV_KIND_ARRAY) {
		int len = jv_array_length(jv_copy(v));
		for (int i = 0; i < len && n <= limit; i++)
			n += count_nodes(jv_array_get(jv_copy(v), i), limit - n);
	} else if (k == JV_KIND_OBJECT) {
		for (int it = jv_object_iter(v); jv_object_iter_valid(v, it) && n <= limit; it = jv_object_iter_next(v, it))
			n += count_nodes(jv_object_iter_value(v, it), limit - n);
	}
	jv_free(v);
	return n;
}

/* A redefinition replaces the old value. */
static void remember_anchor(yaml_builder *b, const char *name, jv value)
{
	if (!b->have_anchors) {
		b->anchors = jv_object();
		b->have_anchors = true;
	}
	b->anchors = jv_object_set(b->anchors, jv_string(name), value);
}

/* Merges mapping m into obj without replacing keys obj already has ("<<" merge key). */
static jv merge_into(jv obj, jv m)
{
	if (jv_get_kind(m) != JV_KIND_OBJECT) {
		jv_free(m);
		return obj;
	}
	for (int it = jv_object_iter(m); jv_object_iter_valid(m, it); it = jv_object_iter_next(m, it)) {
		jv key = jv_object_iter_key(m, it);
		if (jv_object_has(jv_copy(obj), jv_copy(key)))
			jv_free(key);
		else
			obj = jv_object_set(obj, key, jv_object_iter_value(m, it));
	}
	jv_free(m);
	return obj;
}

/* Turns a key node into a string as Go does when a YAML map becomes a JSON object. */
static jv key_string(jv key)
{
	if (jv_get_kind(key) == JV_KIND_STRING)
		return key;
	if (jv_get_kind(key) == JV_KIND_NULL) {
		jv_free(key);
		return jv_string("null");
	}
	return jv_dump_string(key, 0);
}

/* Hands a finished node to its parent (or makes it the document root). */
static void add_value(yaml_builder *b, jv v)
{
	if (b->depth == 0) {
		if (b->have_root)
			jv_free(b->root);
		b->root = v;
		b->have_root = true;
		return;
	}
	yaml_frame *f = &b->stack[b->depth - 1];
	if (!f->is_map) {
		f->value = jv_array_append(f->value, v);
	} else if (!f->have_key) {
		f->key = key_string(v);
		f->have_key = true;
	} else if (f->key_is_merge) {
		jv_free(f->key);
		if (jv_get_kind(v) == JV_KIND_ARRAY) {
			int len = jv_array_length(jv_copy(v));
			for (int i = 0; i < len; i++)
				f->value = merge_into(f->value, jv_array_get(jv_copy(v), i));
			jv_free(v);
		} else {
			f->value = merge_into(f->value, v);
		}
		f->have_key = f->key_is_merge = false;
	} else {
		f->value = jv_object_set(f->value, f->key, v);
		f->have_key = false;
	}
}

static void push_frame(yaml_builder *b, bool is_map, const unsigned char *anchor)
{
	if (b->depth == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->stack = xrealloc(b->stack, b->cap * sizeof *b->stack);
	}
	b->stack[b->depth++] = (yaml_frame){
		.value = is_map ? jv_object() : jv_array(),
		.is_map = is_map,
		.anchor = anchor ? strdup((const char *)anchor) : NULL,
	};
}

static void pop_frame(yaml_builder *b)
{
	yaml_frame f = b->stack[--b->depth];
	if (f.have_key)
		jv_free(f.key);
	if (f.anchor) {
		remember_anchor(b, f.anchor, jv_copy(f.value));
		free(f.anchor);
	}
	add_value(b, f.value);
}

static bool expecting_key(const yaml_builder *b)
{
	return b->depth && b->stack[b->depth - 1].is_map && !b->stack[b->depth - 1].have_key;
}

static void on_scalar(yaml_builder *b, const yaml_event_t *e)
{
	jv v;
	bool key = expecting_key(b);
	bool plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !e->data.scalar.tag;
	if (key) {
		/* Keys keep their text: a YAML key `on` is the Kubernetes key "on". */
		v = jv_string_sized((const char *)e->data.scalar.value, (int)e->data.scalar.length);
	} else {
		v = scalar_value(e);
	}
	if (e->data.scalar.anchor)
		remember_anchor(b, (const char *)e->data.scalar.anchor, jv_copy(v));
	add_value(b, v);
	if (key && plain && strcmp((const char *)e->data.scalar.value, "<<") == 0)
		b->stack[b->depth - 1].key_is_merge = true;
}

static int on_alias(yaml_builder *b, const yaml_event_t *e, const char **problem)
{
	const char *name = (const char *)e->data.alias.anchor;
	jv value = b->have_anchors ? jv_object_get(jv_copy(b->anchors), jv_string(name)) : jv_invalid();
	if (jv_is_valid(value)) {
		size_t budget = YAML_ALIAS_NODE_LIMIT - b->alias_nodes;
		size_t n = count_nodes(jv_copy(value), budget);
		if (n > budget) {
			jv_free(value);
			*problem = "too many aliased nodes (alias expansion limit)";
			return -1;
		}
		b->alias_nodes += n;
		add_value(b, value);
		return 0;
	}
	jv_free(value);
	*problem = "unknown anchor referenced by alias";
	return -1;
}

static void builder_reset(yaml_builder *b)
{
	while (b->depth) {
		yaml_frame *f = &b->stack[--b->depth];
		jv_free(f->value);
		if (f->have_key)
			jv_free(f->key);
		free(f->anchor);
	}
	if (b->have_root)
		jv_free(b->root);
	b->have_root = false;
	if (b->have_anchors)
		jv_free(b->anchors);
	b->have_anchors = false;
}

static void builder_free(yaml_builder *b)
{
	builder_reset(b);
	free(b->stack);
	free(b->item_lines);
}

/* Notes the line of a node that starts at `mark`: the document's root, or an item of the
 * root mapping's "items" sequence. */
static void note_line(yaml_builder *b, const yaml_mark_t *mark)
{
	if (b->depth == 0) {
		b->doc_line = mark->line + 1;
		return;
	}
	if (b->depth != 2 || !b->stack[0].is_map || !b->stack[0].have_key || b->stack[1].is_map)
		return;
	jv key = b->stack[0].key;
	if (jv_get_kind(key) != JV_KIND_STRING || strcmp(jv_string_value(key), "items") != 0)
		return;
	if (b->nitem_lines == b->item_lines_cap) {
		b->item_lines_cap = b->item_lines_cap ? 2 * b->item_lines_cap : 64;
		b->item_lines = xrealloc(b->item_lines, b->item_lines_cap * sizeof *b->item_lines);
	}
	b->item_lines[b->nitem_lines++] = mark->line + 1;
}

static void parser_error(buf *err, const char *source, const yaml_parser_t *p)
{
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;
	buf_printf(err, "%s:%zu:%zu: %s%s%s", source, m->line + 1, m->column + 1, p->problem ? p->problem : "YAML error",
		   p->context ? " " : "", p->context ? p->context : "");
}

/* Handles one event; returns 1 when the stream ended, 0 to continue, -1 on error. */
static int on_event(yaml_builder *b, const yaml_event_t *e, kube_yaml_doc_fn each, void *ud, int *cb_rc,
		    const char **problem)
{
	switch (e->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		builder_reset(b);
		b->alias_nodes = 0;
		b->nitem_lines = 0;
		b->doc_line = e->start_mark.line + 1;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		if (b->have_root) {
			jv doc = b->root;
			b->have_root = false;
			kube_yaml_lines lines = { b->doc_line, b->item_lines, b->nitem_lines };
			if (jv_get_kind(doc) == JV_KIND_NULL)
				jv_free(doc);
			else if ((*cb_rc = each(ud, doc, &lines)) != 0)
				return 1;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		note_line(b, &e->start_mark);
		on_scalar(b, e);
		return 0;
	case YAML_ALIAS_EVENT:
		note_line(b, &e->start_mark);
		return on_alias(b, e, problem);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		note_line(b, &e->start_mark);
		if (b->depth >= YAML_MAX_DEPTH) {
			*problem = "exceeded max depth of " STRINGIFY(YAML_MAX_DEPTH);
			return -1;
		}
		if (e->type == YAML_SEQUENCE_START_EVENT)
			push_frame(b, false, e->data.sequence_start.anchor);
		else
			push_frame(b, true, e->data.mapping_start.anchor);
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		pop_frame(b);
		return 0;
	default:
		return 0;
	}
}

int kube_yaml_documents(const char *data, size_t len, const char *source, kube_yaml_doc_fn each, void *ud, buf *err)
{
	yaml_parser_t parser;
	yaml_builder b = { .depth = 0 };
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	int rc = 0, cb_rc = 0;
	for (;;) {
		yaml_event_t e;
		if (!yaml_parser_parse(&parser, &e)) {
			parser_error(err, source, &parser);
			rc = -1;
			break;
		}
		const char *problem = NULL;
		int step = on_event(&b, &e, each, ud, &cb_rc, &problem);
		if (step < 0)
			buf_printf(err, "%s:%zu:%zu: %s", source, e.start_mark.line + 1, e.start_mark.column + 1, problem);
		yaml_event_delete(&e);
		if (step < 0)
			rc = -1;
		if (step != 0)
			break;
	}
	builder_free(&b);
	yaml_parser_delete(&parser);
	return rc ? rc : cb_rc;
}
