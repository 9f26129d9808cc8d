/* kube_store.c: watched objects per type in hash maps (see kube_store.h). */
#include "objects/kube_store.h"

#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "base/xalloc.h"

typedef struct {
	char *text, *rv;           /* text: NULL when not kept */
	size_t len;                /* of the text, kept or not */
} stored;

struct kube_store {
	hmap types[KUBE_NLISTS];   /* "namespace/name" → stored* */
	bool keep_text;
	bool routegroups_known;
	size_t bytes;
};

kube_store *kube_store_new(bool keep_text)
{
	kube_store *s = calloc(1, sizeof *s);
	if (!s)
		out_of_memory();
	s->keep_text = keep_text;
	return s;
}

static size_t stored_bytes(const stored *o)
{
	return (o->text ? o->len : 0) + strlen(o->rv);
}

static void stored_free(kube_store *s, stored *o)
{
	if (!o)
		return;
	s->bytes -= stored_bytes(o);
	free(o->text);
	free(o->rv);
	free(o);
}

static void clear_map(kube_store *s, hmap *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].key)
			stored_free(s, m->slots[i].value);
	hmap_free(m);
}

void kube_store_free(kube_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < KUBE_NLISTS; i++)
		clear_map(s, &s->types[i]);
	free(s);
}

static str object_key(buf *tmp, const kube_list_item *it)
{
	buf_reset(tmp);
	buf_append(tmp, it->ns ? it->ns : "", it->nslen);
	buf_putc(tmp, '/');
	buf_append(tmp, it->name ? it->name : "", it->namelen);
	return (str){ tmp->ptr, tmp->len };
}

/* The same version: equal RVs when both have one (the API's word for it), else equal bytes
 * (objects that did not come from an API server: their text is kept for this). */
static bool same_version(const stored *o, const kube_list_item *it, const char *text, size_t len)
{
	if (*o->rv && it->rvlen)
		return strlen(o->rv) == it->rvlen && memcmp(o->rv, it->rv, it->rvlen) == 0;
	return o->text && o->len == len && memcmp(o->text, text, len) == 0;
}

/* Tells fn (if any) about one object; the key "namespace/name" is split at its first '/'
 * (names and namespaces have none). */
static void tell(const kube_store_change *fn, kube_list_id id, kube_watch_type type, str key, const char *text,
		 size_t len)
{
	if (!fn || !fn->fn)
		return;
	const char *slash = memchr(key.ptr, '/', key.len);
	size_t nslen = slash ? (size_t)(slash - key.ptr) : 0;
	str ns = { key.ptr, nslen }, name = { key.ptr + (slash ? nslen + 1 : 0), key.len - (slash ? nslen + 1 : 0) };
	fn->fn(fn->ctx, id, type, ns, name, text, len);
}

/* Puts the object into m unless it holds the same version; takes text (malloc'd), which is
 * given to fn and then kept only if the store keeps text or the object has no RV. 1 when m
 * changed. */
static int put(kube_store *s, hmap *m, kube_list_id id, const kube_list_item *it, char *text, size_t len,
	       const kube_store_change *fn)
{
	buf key = BUF_INIT;
	str k = object_key(&key, it);
	stored *old = hmap_get(m, k);
	if (old && same_version(old, it, text, len)) {
		free(text);
		buf_free(&key);
		return 0;
	}
	tell(fn, id, old ? KUBE_WATCH_MODIFIED : KUBE_WATCH_ADDED, k, text, len);
	stored *o = xmalloc(sizeof *o);
	*o = (stored){ .text = text, .len = len, .rv = xmalloc(it->rvlen + 1) };
	if (it->rvlen)
		memcpy(o->rv, it->rv, it->rvlen);
	o->rv[it->rvlen] = 0;
	if (!s->keep_text && it->rvlen) {
		free(o->text);
		o->text = NULL;
	}
	s->bytes += stored_bytes(o);
	stored_free(s, hmap_put(m, k, o));
	buf_free(&key);
	return 1;
}

/* --- a complete list ------------------------------------------------------------------------ */

typedef struct {
	kube_store *s;
	kube_list_id id;
	hmap *old, fresh;
	long changed;
	const kube_store_change *fn;
} replacing;

static void list_item(void *ctx, const kube_list_item *it)
{
	replacing *r = ctx;
	buf text = BUF_INIT, key = BUF_INIT;
	kube_list_item_print(&text, kube_list_kind(r->id), kube_list_api_version(r->id), it);
	size_t len = text.len;
	char *owned = buf_steal(&text, NULL);
	/* Unchanged objects move from the old map to the new one as they are. */
	str k = object_key(&key, it);
	stored *old = hmap_del(r->old, k);
	if (old && same_version(old, it, owned, len)) {
		if (r->fn && r->fn->every)
			tell(r->fn, r->id, KUBE_WATCH_ADDED, k, owned, len);
		free(owned);
		stored_free(r->s, hmap_put(&r->fresh, k, old));
	} else {
		r->changed++;
		/* put() tells ADDED for an object it does not hold: a changed one is MODIFIED */
		if (old)
			hmap_put(&r->fresh, k, old);
		put(r->s, &r->fresh, r->id, it, owned, len, r->fn);
	}
	buf_free(&key);
}

/* Removes every object of m, telling fn of each as DELETED. */
static void delete_all(kube_store *s, hmap *m, kube_list_id id, const kube_store_change *fn)
{
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].key)
			tell(fn, id, KUBE_WATCH_DELETED, (str){ m->slots[i].key, m->slots[i].len }, NULL, 0);
	clear_map(s, m);
}

long kube_store_replace(kube_store *s, kube_list_id id, const kube_list *l, const kube_store_change *fn, buf *err)
{
	replacing r = { .s = s, .id = id, .old = &s->types[id], .fresh = HMAP_INIT, .fn = fn };
	/* kube_list_items validates every page before it calls list_item at all. */
	if (kube_list_items(l, list_item, &r, err) != 0)
		return -1;
	r.changed += (long)r.old->n;   /* what the list no longer has */
	delete_all(s, r.old, id, fn);
	s->types[id] = r.fresh;
	if (id == KUBE_LIST_ROUTEGROUPS)
		s->routegroups_known = true;
	return r.changed;
}

/* --- events --------------------------------------------------------------------------------- */

int kube_store_apply(kube_store *s, kube_list_id id, kube_watch_type type, const char *object, size_t len,
		     const kube_store_change *fn, buf *err)
{
	kube_list_item it;
	if (kube_object_item(object, len, &it, err) != 0)
		return -1;
	hmap *m = &s->types[id];
	if (type == KUBE_WATCH_DELETED) {
		buf key = BUF_INIT;
		str k = object_key(&key, &it);
		stored *old = hmap_del(m, k);
		if (old)
			tell(fn, id, KUBE_WATCH_DELETED, k, NULL, 0);
		buf_free(&key);
		stored_free(s, old);
		return old != NULL;
	}
	char *text = xmalloc(it.len + 1);
	memcpy(text, it.text, it.len);
	text[it.len] = 0;
	return put(s, m, id, &it, text, it.len, fn);
}

size_t kube_store_drop(kube_store *s, kube_list_id id, const kube_store_change *fn)
{
	size_t n = s->types[id].n;
	delete_all(s, &s->types[id], id, fn);
	if (id == KUBE_LIST_ROUTEGROUPS)
		s->routegroups_known = false;
	return n;
}

size_t kube_store_count(const kube_store *s, kube_list_id id)
{
	return s->types[id].n;
}

bool kube_store_routegroups_known(const kube_store *s)
{
	return s->routegroups_known;
}

size_t kube_store_bytes(const kube_store *s)
{
	return s->bytes;
}

/* --- in the API's order ---------------------------------------------------------------------- */

static int by_key(const void *a, const void *b)
{
	const hmap_slot *x = *(const hmap_slot *const *)a, *y = *(const hmap_slot *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

int kube_store_each(const kube_store *s, kube_list_id id, kube_store_fn fn, void *ctx)
{
	const hmap *m = &s->types[id];
	const hmap_slot **v = xmalloc((m->n ? m->n : 1) * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].key)
			v[n++] = &m->slots[i];
	qsort(v, n, sizeof *v, by_key);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const stored *o = v[i]->value;
		kube_store_object obj = { v[i]->key, v[i]->len, o->text, o->len, o->rv };
		rc = fn(ctx, id, &obj);
	}
	free(v);
	return rc;
}
