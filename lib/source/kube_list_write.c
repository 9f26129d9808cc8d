/* kube_list_write.c: the fetched list bodies as one JSON List, without a value tree
 * (kube_fetch_result_write_list in kube_client.h).
 *
 * routesrv-fetch should cost little more than downloading the lists (bench/fetch). Parsing
 * ~20 MB into jv values and printing them again costs several times the download, and the
 * output needs no tree: each body is validated in one pass (json_scan.h), which also finds
 * the items and their metadata.namespace/name in place; each item is then copied as the
 * server sent it, with "kind" and "apiVersion" spliced in after its opening brace (list
 * items from the API lack them). Nothing is parsed twice: routesrv-compile parses the
 * output once, as routesrv-serve parses the bodies once (kube_fetch_result_decode).
 *
 * Order: by list (kube_list_id), then namespace/name (compared as their JSON text; items
 * without a metadata object first), the API's order on ties. Quorum reads come in that
 * order already (etcd keys are /registry/<resource>/<namespace>/<name>) and pages
 * concatenated keep it; watch-cache reads (resourceVersion=0) are not promised to by older
 * API servers. So the order is checked in one pass and the items sorted only when needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "base/json_scan.h"
#include "source/kube_client.h"


typedef struct {
	const char *p;
	size_t n;
} span;

/* One output item: its object text and sort key. */
typedef struct {
	const char *start, *end;
	span ns, name, rv;               /* string contents as JSON text, without quotes */
	bool has_meta;
	size_t order;                    /* position in the API's answer, for stable ties */
} list_item;

typedef struct {
	list_item *v;
	size_t n, cap;
} item_vec;

static list_item *item_push(item_vec *items)
{
	if (items->n == items->cap) {
		items->cap = items->cap ? 2 * items->cap : 256;
		items->v = realloc(items->v, items->cap * sizeof *items->v);
		if (!items->v)
			abort();
	}
	list_item *it = &items->v[items->n];
	*it = (list_item){ .order = items->n };
	items->n++;
	return it;
}

/* key is a JSON string with its quotes; exact match, as the API spells its fields. */
static bool key_is(const char *key, const char *key_end, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(key_end - key) == n + 2 && memcmp(key + 1, name, n) == 0;
}

/* The metadata value at w->p: validated, with namespace and name noted when it is an object. */
static bool walk_metadata(json_walk *w, list_item *it)
{
	if (*w->p != '{')
		return json_walk_value(w);
	json_walk m;
	const char *key, *key_end;
	int rc;
	if (json_object_begin(&m, w->p, w->end, w->depth, w->err) != 0)
		return false;
	it->has_meta = true;
	while ((rc = json_object_next(&m, &key, &key_end)) == 1) {
		span *dst = key_is(key, key_end, "namespace") ? &it->ns : key_is(key, key_end, "name") ? &it->name
			  : key_is(key, key_end, "resourceVersion") ? &it->rv : NULL;
		const char *value = m.p;
		if (!json_walk_value(&m))
			return false;
		if (dst && *value == '"')
			*dst = (span){ value + 1, (size_t)(m.p - value - 2) };
	}
	w->p = m.p;
	return rc == 0;
}

/* The item object at w->p: validated, start/end and sort key noted. */
static bool walk_item(json_walk *w, list_item *it)
{
	json_walk o;
	const char *key, *key_end;
	int rc;
	it->start = w->p;
	if (json_object_begin(&o, w->p, w->end, w->depth, w->err) != 0)
		return false;
	while ((rc = json_object_next(&o, &key, &key_end)) == 1)
		if (!(key_is(key, key_end, "metadata") ? walk_metadata(&o, it) : json_walk_value(&o)))
			return false;
	it->end = w->p = o.p;
	return rc == 0;
}

typedef enum {
	PAGE_OK, PAGE_INVALID, PAGE_NOT_OBJECT, PAGE_WRONG_KIND, PAGE_NO_ITEMS, PAGE_ITEMS_NOT_LIST, PAGE_ITEM_NOT_OBJECT
} page_status;

/* Validates a non-object value at p, to tell invalid JSON from JSON of the wrong shape. */
static page_status wrong_shape(const char *p, const char *end, json_error *e, page_status shape)
{
	return json_check_value(p, end, e) ? shape : PAGE_INVALID;
}

/* The elements of the items array at w->p. *index counts them for messages. */
static page_status walk_items(json_walk *top, item_vec *items, size_t *index, json_error *e)
{
	json_walk a;
	int rc;
	if (json_array_begin(&a, top->p, top->end, top->depth, e) != 0)
		return PAGE_INVALID;
	for (*index = 0; (rc = json_array_next(&a)) == 1; (*index)++) {
		if (*a.p != '{')
			return wrong_shape(a.p, a.end, e, PAGE_ITEM_NOT_OBJECT);
		if (!walk_item(&a, item_push(items)))
			return PAGE_INVALID;
	}
	top->p = a.p;
	return rc == 0 ? PAGE_OK : PAGE_INVALID;
}

typedef struct {
	const char *start, *end;
} text_span;

/* Whether the JSON string [v, v_end) (quotes included) is exactly want followed by "List". */
static bool is_list_kind(const char *v, const char *v_end, const char *want)
{
	size_t n = strlen(want);
	return (size_t)(v_end - v) == n + 6 && v[0] == '"' && memcmp(v + 1, want, n) == 0 && memcmp(v + 1 + n, "List\"", 5) == 0;
}

/* One list body: a JSON object of kind <kind>List whose "items" is an array of objects (a 200
 * answer without them, {} or a Status, is not an empty list: issue 11). *kind_text is the
 * "kind" member's text (quotes included), if any. */
static page_status walk_page(const char *text, const char *end, const char *kind, item_vec *items, size_t *index,
			     json_error *e, text_span *kind_text)
{
	json_walk top;
	const char *key, *key_end;
	int rc;
	bool have_items = false;
	*kind_text = (text_span){ NULL, NULL };
	const char *p = json_skip_ws(text, end);
	if (p < end && *p != '{')
		return wrong_shape(p, end, e, PAGE_NOT_OBJECT);
	if (json_object_begin(&top, p, end, 0, e) != 0)
		return PAGE_INVALID;
	size_t first = items->n;
	while ((rc = json_object_next(&top, &key, &key_end)) == 1) {
		if (key_is(key, key_end, "items") && *top.p == 'n')
			have_items = false;   /* "items": null (the last one counts, as in jq) */
		if (!key_is(key, key_end, "items") || *top.p == 'n') {
			const char *v = top.p;
			if (!json_walk_value(&top))
				return PAGE_INVALID;
			if (key_is(key, key_end, "kind"))
				*kind_text = (text_span){ v, top.p };
			continue;
		}
		have_items = true;
		items->n = first;        /* "items" twice: the last one counts, as in jq */
		if (*top.p != '[')
			return wrong_shape(top.p, end, e, PAGE_ITEMS_NOT_LIST);
		page_status st = walk_items(&top, items, index, e);
		if (st != PAGE_OK)
			return st;
	}
	if (rc != 0)
		return PAGE_INVALID;
	p = json_skip_ws(top.p, end);
	if (p < end) {
		*e = (json_error){ p, "unexpected data after the object" };
		return PAGE_INVALID;
	}
	if (!kind_text->start || !is_list_kind(kind_text->start, kind_text->end, kind))
		return PAGE_WRONG_KIND;
	return have_items ? PAGE_OK : PAGE_NO_ITEMS;
}

static int collect_page(const kube_list *l, size_t page, item_vec *items, buf *err)
{
	const buf *body = &l->pages[page];
	const char *text = body->ptr ? body->ptr : "", *url = l->urls[page];
	json_error e = { text, "" };
	size_t index = 0;
	text_span kind;
	switch (walk_page(text, text + body->len, l->kind, items, &index, &e, &kind)) {
	case PAGE_OK:
		return 0;
	case PAGE_INVALID:
		buf_printf(err, "GET %s: invalid JSON at byte %zu of %zu: %s", url, (size_t)(e.at - text), body->len,
			   e.reason);
		break;
	case PAGE_NOT_OBJECT:
		buf_printf(err, "GET %s: the response is not a JSON object", url);
		break;
	case PAGE_WRONG_KIND:
		if (kind.start)
			buf_printf(err, "GET %s: the response is not a%s %sList (kind %.*s)", url, strchr("AEIOU", *l->kind) ? "n" : "",
				   l->kind, (int)(kind.end - kind.start), kind.start);
		else
			buf_printf(err, "GET %s: the response is not a%s %sList (no kind)", url, strchr("AEIOU", *l->kind) ? "n" : "",
				   l->kind);
		break;
	case PAGE_NO_ITEMS:
		buf_printf(err, "GET %s: the %sList has no items array (missing or null)", url, l->kind);
		break;
	case PAGE_ITEMS_NOT_LIST:
		buf_printf(err, "GET %s: items is not a list", url);
		break;
	case PAGE_ITEM_NOT_OBJECT:
		buf_printf(err, "GET %s: items[%zu] is not an object", url, index);
		break;
	}
	return -1;
}

static int cmp_span(span a, span b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;        /* an absent field is the empty span {NULL, 0} */
	return c ? c : (a.n > b.n) - (a.n < b.n);
}

static int cmp_items(const void *a, const void *b)
{
	const list_item *x = a, *y = b;
	if (x->has_meta != y->has_meta)
		return x->has_meta ? 1 : -1;
	if (x->has_meta) {
		int c = cmp_span(x->ns, y->ns);
		if (!c)
			c = cmp_span(x->name, y->name);
		if (c)
			return c;
	}
	return (x->order > y->order) - (x->order < y->order);
}

static void sort_items(item_vec *items)
{
	for (size_t i = 1; i < items->n; i++)
		if (cmp_items(&items->v[i - 1], &items->v[i]) > 0) {
			qsort(items->v, items->n, sizeof *items->v, cmp_items);
			return;
		}
}

/* The separator and opening of each item, with "kind" and "apiVersion" spliced in:
 * [first item?][item has members?]. */
static void make_heads(kube_list_text *t, size_t list, const kube_list *l)
{
	for (int first = 0; first < 2; first++)
		for (int members = 0; members < 2; members++) {
			char *h = t->heads[list][first][members];
			int n = snprintf(h, sizeof t->heads[list][first][members], "%s{\"kind\":\"%s\",\"apiVersion\":\"%s\"%s",
					 first ? "\n" : ",\n", l->kind, l->api_version, members ? "," : "");
			if (n < 0 || (size_t)n >= sizeof t->heads[list][first][members])
				abort();   /* kinds and API versions are the fixed names of kube_client.c */
		}
}

static void push_piece(kube_list_text *t, const void *p, size_t n)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->pieces = realloc(t->pieces, t->cap * sizeof *t->pieces);
		if (!t->pieces)
			abort();
	}
	t->pieces[t->n++] = (struct iovec){ (void *)p, n };
	t->bytes += n;
}

static void add_items(kube_list_text *t, size_t list, const item_vec *items, bool *first)
{
	for (size_t i = 0; i < items->n; i++) {
		const list_item *it = &items->v[i];
		const char *rest = it->start + 1;          /* after '{' */
		bool members = *json_skip_ws(rest, it->end) != '}';
		const char *head = t->heads[list][*first][members];
		push_piece(t, head, strlen(head));
		push_piece(t, rest, (size_t)(it->end - rest));
		*first = false;
	}
}

static const char LIST_OPEN[] = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[";
static const char LIST_CLOSE[] = "\n]}\n";

int kube_fetch_result_list_text(const kube_fetch_result *r, kube_list_text *t, buf *err)
{
	memset(t, 0, sizeof *t);
	push_piece(t, LIST_OPEN, sizeof LIST_OPEN - 1);
	bool first = true;
	buf e = BUF_INIT;
	for (size_t i = 0; i < KUBE_NLISTS; i++) {
		const kube_list *l = &r->lists[i];
		if (!l->npages)
			continue;
		item_vec items = { NULL, 0, 0 };
		for (size_t p = 0; p < l->npages; p++)
			if (collect_page(l, p, &items, &e) != 0) {
				buf_printf(err, KUBE_LOAD_ERROR "%s", e.ptr);
				buf_free(&e);
				free(items.v);
				kube_list_text_free(t);
				return -1;
			}
		sort_items(&items);
		make_heads(t, i, l);
		add_items(t, i, &items, &first);
		free(items.v);
	}
	push_piece(t, LIST_CLOSE, sizeof LIST_CLOSE - 1);
	buf_free(&e);
	return 0;
}

void kube_list_text_free(kube_list_text *t)
{
	free(t->pieces);
	memset(t, 0, sizeof *t);
}

int kube_fetch_result_write_list(const kube_fetch_result *r, buf *out, buf *err)
{
	kube_list_text t;
	if (kube_fetch_result_list_text(r, &t, err) != 0)
		return -1;
	buf_reserve(out, t.bytes);
	for (size_t i = 0; i < t.n; i++)
		buf_append(out, t.pieces[i].iov_base, t.pieces[i].iov_len);
	kube_list_text_free(&t);
	return 0;
}

/* --- items one by one (the watch: kube_client.h) ---------------------------------------------- */

static void item_out(const list_item *it, kube_list_item *out)
{
	*out = (kube_list_item){
		.text = it->start, .len = (size_t)(it->end - it->start),
		.ns = it->ns.p, .nslen = it->ns.n, .name = it->name.p, .namelen = it->name.n, .rv = it->rv.p, .rvlen = it->rv.n,
	};
}

int kube_list_items(const kube_list *l, kube_list_item_fn fn, void *ctx, buf *err)
{
	item_vec items = { NULL, 0, 0 };
	int rc = 0;
	for (size_t p = 0; p < l->npages && rc == 0; p++)
		rc = collect_page(l, p, &items, err);
	for (size_t i = 0; i < items.n && rc == 0; i++) {
		kube_list_item it;
		item_out(&items.v[i], &it);
		fn(ctx, &it);
	}
	free(items.v);
	return rc;
}

int kube_object_item(const char *text, size_t len, kube_list_item *out, buf *err)
{
	json_error e = { text, "" };
	json_walk w = { .p = json_skip_ws(text, text + len), .end = text + len, .err = &e };
	list_item it = { 0 };
	if (w.p >= w.end || *w.p != '{' || !walk_item(&w, &it)) {
		buf_printf(err, "invalid JSON object at byte %zu: %s", (size_t)(e.at - text), *e.reason ? e.reason : "not an object");
		return -1;
	}
	item_out(&it, out);
	return 0;
}

void kube_list_item_print(buf *out, const char *kind, const char *api_version, const kube_list_item *it)
{
	const char *rest = it->text + 1, *end = it->text + it->len;   /* after '{' */
	buf_printf(out, "{\"kind\":\"%s\",\"apiVersion\":\"%s\"%s", kind, api_version,
		   *json_skip_ws(rest, end) != '}' ? "," : "");
	buf_append(out, rest, (size_t)(end - rest));
}
