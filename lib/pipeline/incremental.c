/* incremental.c: the pipeline driven by object events (see incremental.h). */
#include "pipeline/incremental.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/gzip.h"
#include "base/hmap.h"
#include "base/xalloc.h"
#include "routes/kube_compile.h"
#include "routes/kube_cycle.h"
#include "table/etag.h"
#include "table/served_form.h"
#include "table/zone_tables.h"

#define MEMBER_LINES 512           /* a member ends before a line with probability 1/512 */
#define MEMBER_MAX (1u << 20)      /* and always by this size */
#define MEMBER_LOOKAHEAD 128       /* at most this much of the line's id decides */

/* Room for element n of an array that only grows one at a time (its capacity is the next
 * power of two: n pushes cost O(n) copying, not O(n^2)). */
static void *grow_for(void *p, size_t n, size_t size)
{
	return n & (n - 1) ? p : xrealloc(p, (n ? 2 * n : 1) * size);   /* (never 0 bytes) */
}

/* An hmap without its values (hmap_free leaves them to the caller). */
static void hmap_free_values(hmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].key)
			free_value(m->slots[i].value);
	hmap_free(m);
}

/* --- keys ------------------------------------------------------------------------------------ */

/* A key of a tag and two strings, length-prefixed so that any bytes are unambiguous. */
typedef struct {
	char *p;
	size_t n;
} key;

static key key_make(char tag, str a, str b)
{
	key k = { .n = 1 + sizeof a.len + a.len + b.len };
	k.p = xcalloc(1, k.n);
	k.p[0] = tag;
	memcpy(k.p + 1, &a.len, sizeof a.len);
	if (a.len)
		memcpy(k.p + 1 + sizeof a.len, a.ptr, a.len);
	if (b.len)
		memcpy(k.p + 1 + sizeof a.len + a.len, b.ptr, b.len);
	return k;
}

/* What a converter's lookup of (ns, name) reads: Services and Endpoints are indexed under
 * "default" for an empty namespace, EndpointSlices under the raw one; one key for both
 * reads a little more than needed, never less. */
static key service_key(str ns, str name)
{
	return key_make('s', ns.len ? ns : str_c("default"), name);
}

/* A store key's two strings. */
static void key_parts(key k, str *a, str *b)
{
	size_t alen;
	memcpy(&alen, k.p + 1, sizeof alen);
	*a = (str){ k.p + 1 + sizeof alen, alen };
	*b = (str){ k.p + 1 + sizeof alen + alen, k.n - 1 - sizeof alen - alen };
}

/* --- objects, units ---------------------------------------------------------------------------- */

typedef struct unit unit;
typedef struct obj obj;

/* One object reading one key: a node of the key's list of readers, unlinked in O(1) (a key
 * that thousands of objects read, such as the host "", costs no scan per object). */
typedef struct edge {
	obj *o;
	struct edge *prev, *next;
} edge;

typedef struct {
	key k;
	edge *e;
} dep;

struct obj {
	key id;                        /* store key: kind, namespace, name */
	incremental_kind kind;
	char *bytes; size_t len;       /* the object's text as the event gave it; NULL: absent */
	kube_cluster *c;               /* decoded while a group compiles (obj_decode), else NULL */
	/* Ingresses and RouteGroups */
	unit *unit;                    /* NULL while pending */
	bool pending;                  /* in inc->pending: to be compiled */
	unsigned long mark;            /* == inc->gen: in the group being compiled */
	dep *deps; size_t ndeps;       /* what its last compile read (readers index) */
	/* Services, Endpoints, EndpointSlices */
	key provides;                  /* the service key it answers (providers index); p NULL: none */
};

typedef struct {
	obj **v;
	size_t n, cap;
} objvec;

static void objvec_push(objvec *v, obj *o)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 4;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = o;
}

static void objvec_remove(objvec *v, const obj *o)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i] == o) {
			v->v[i] = v->v[--v->n];
			return;
		}
}

static void objvec_free(void *p)
{
	objvec *v = p;
	if (v)
		free(v->v);
	free(v);
}

/* A gzip member of a published document: its lines [first, first + n), compressed. */
typedef struct {
	size_t first, n;
	bool last;                     /* it ends the document (no "\n" after it) */
	char *gz; size_t len;
} member;

typedef struct {
	member *v;
	size_t n;
} member_list;

/* A zone some endpoint of a live unit has (the zone set of zone_tables.h): what ranks it for
 * -max-zones and what its document needs. */
typedef struct {
	char *name; size_t len;
	size_t units;                  /* live units with an endpoint in it */
	size_t endpoints;              /* their endpoints in it (the rank: most first) */
	size_t nfiltered;              /* their routes with ZONE_MIN_ENDPOINTS or more endpoints in it */
	size_t nshortened;             /* of those, the ones that lose endpoints (a zone text of their own) */
	member_list m;                 /* the gzip members of its last document that were its own
	                                * (lines numbered as that publish's); empty if it had none */
	size_t sel;                    /* during a publish: its place among the kept zones + 1, or 0 */
} zone_state;

typedef struct {
	zone_state *z;
	size_t endpoints, nfiltered, nshortened;
} unit_zone;

/* A route of a unit as a zone's document has it, where that differs from its line. */
typedef struct {
	size_t i;
	zone_state *z;
	char *text; size_t len;
} zone_line;

struct unit {
	objvec members;
	bool global;                   /* holds the cluster-wide routes */
	bool live;                     /* its routes are served (false: dissolved) */
	route_table *routes;           /* compiled and processed, sorted by id */
	served_doc doc;                /* their served lines */
	key *ids; size_t nids;         /* ids it owns in inc->ids (compiled and processed) */
	bool empty_id;                 /* a route without id: the served form needs the whole table */
	unit_zone *uz; size_t nuz;     /* the zones of its endpoints */
	zone_line *zl; size_t nzl;     /* by route index */
	size_t slot;                   /* its place in inc->units */
	unit *next_dead;
};

/* A served line: route i of unit u; old: its index in the previous publish (SIZE_MAX: new). */
typedef struct {
	unit *u;
	size_t i;
	size_t old;
} line;


struct incremental {
	const pipeline_options *o;
	pipeline_options unit_opts;        /* the same without the OAuth2 callback route */
	route_processing unit_process;
	bool routegroups_known;

	hmap store;                        /* id → obj* */
	hmap readers;                      /* service or host key → edge* list of Ingresses/RouteGroups */
	hmap providers;                    /* service key → objvec* of Services/Endpoints/slices */
	hmap ids;                          /* route id → unit* */
	objvec pending;
	bool global_pending;
	unit **units; size_t nunits, capunits;   /* live units */
	unit **fresh; size_t nfresh, capfresh;   /* installed since the last publish */
	unit *dead;                        /* dissolved, freed after the next publish */
	unsigned long gen;
	bool dirty;                        /* the served table must be rebuilt */
	bool published;                    /* out holds a publish (the lines' old document) */

	line *lines; size_t nlines;        /* every served route, sorted by id */
	route_table merged;                /* their routes (shallow copies), for the zone documents */
	incremental_served out;
	member_list full_members;          /* of the published full document */
	size_t member_lines;               /* MEMBER_LINES, or smaller for tests */
	hmap zones;                        /* zone name → zone_state* */
	size_t max_zones;                  /* -max-zones (zone_tables.h) */
	bool empty_ids;                    /* a served route has no id (build_full) */
	incremental_stats stats;
};

/* --- the store ----------------------------------------------------------------------------------- */

static const char *const kind_names[] = { "Ingress", "RouteGroup", "Service", "Endpoints", "EndpointSlice" };

static bool is_route_kind(incremental_kind k)
{
	return k == INCR_INGRESS || k == INCR_ROUTEGROUP;
}

static size_t objects_of_kind(const kube_cluster *c, incremental_kind k)
{
	switch (k) {
	case INCR_INGRESS: return c->ningresses;
	case INCR_ROUTEGROUP: return c->nroutegroups;
	case INCR_SERVICE: return c->nservices;
	case INCR_ENDPOINTS: return c->nendpoints;
	case INCR_ENDPOINTSLICE: return c->nslices;
	}
	return 0;
}

static size_t objects_in(const kube_cluster *c)
{
	return c->ningresses + c->nroutegroups + c->nservices + c->nendpoints + c->nslices;
}

static key provided_key(const obj *o)
{
	if (!o->c)
		return (key){ 0 };
	switch (o->kind) {
	case INCR_SERVICE: return service_key(o->c->services[0].meta.ns, o->c->services[0].meta.name);
	case INCR_ENDPOINTS: return service_key(o->c->endpoints[0].meta.ns, o->c->endpoints[0].meta.name);
	case INCR_ENDPOINTSLICE: return service_key(o->c->slices[0].meta.ns, o->c->slices[0].service_name);
	default: return (key){ 0 };
	}
}

static objvec *index_vec(hmap *m, key k)
{
	void **slot = hmap_ref(m, (str){ k.p, k.n });
	if (!*slot)
		*slot = xcalloc(1, sizeof(objvec));
	return *slot;
}

static void index_remove(hmap *m, key k, const obj *o)
{
	objvec *v = hmap_get(m, (str){ k.p, k.n });
	if (!v)
		return;
	objvec_remove(v, o);
	if (v->n == 0)
		objvec_free(hmap_del(m, (str){ k.p, k.n }));
}

static void mark_pending(incremental *inc, obj *o)
{
	if (!o->pending) {
		o->pending = true;
		objvec_push(&inc->pending, o);
	}
}

/* Every Ingress and RouteGroup that read k becomes pending. */
static void touch_readers(incremental *inc, key k)
{
	for (edge *e = k.p ? hmap_get(&inc->readers, (str){ k.p, k.n }) : NULL; e; e = e->next)
		mark_pending(inc, e->o);
}

/* Replaces o's reads by keys (taken over), in the readers index too. */
static void set_deps(incremental *inc, obj *o, key *keys, size_t n)
{
	for (size_t i = 0; i < o->ndeps; i++) {
		dep *d = &o->deps[i];
		if (d->e->prev)
			d->e->prev->next = d->e->next;
		else if (d->e->next)
			*hmap_ref(&inc->readers, (str){ d->k.p, d->k.n }) = d->e->next;
		else
			hmap_del(&inc->readers, (str){ d->k.p, d->k.n });
		if (d->e->next)
			d->e->next->prev = d->e->prev;
		free(d->e);
		free(d->k.p);
	}
	free(o->deps);
	o->deps = n ? xcalloc(n, sizeof *o->deps) : NULL;
	o->ndeps = n;
	for (size_t i = 0; i < n; i++) {
		edge **head = (edge **)hmap_ref(&inc->readers, (str){ keys[i].p, keys[i].n });
		edge *e = xcalloc(1, sizeof *e);
		e->o = o;
		e->next = *head;
		if (*head)
			(*head)->prev = e;
		*head = e;
		o->deps[i] = (dep){ keys[i], e };
	}
	free(keys);
}

/* What an object not compiled yet will likely read: its backends' services and its rule
 * hosts. Only a first guess, to compile it with the right neighbours at once; the compile
 * reports what it really reads. */
static void guess_deps(incremental *inc, obj *o)
{
	key *d = NULL;
	size_t n = 0, cap = 0;
#define ADD(k) do { if (n == cap) { cap = cap ? 2 * cap : 8; d = xrealloc(d, cap * sizeof *d); } d[n++] = (k); } while (0)
	if (o->kind == INCR_INGRESS) {
		const kube_ingress *ing = &o->c->ingresses[0];
		if (ing->default_backend.present)
			ADD(service_key(ing->meta.ns, ing->default_backend.service));
		for (size_t i = 0; i < ing->nrules; i++) {
			ADD(key_make('h', ing->rules[i].host, (str){ "", 0 }));
			for (size_t j = 0; j < ing->rules[i].npaths; j++)
				if (ing->rules[i].paths[j].backend.present)
					ADD(service_key(ing->meta.ns, ing->rules[i].paths[j].backend.service));
		}
	} else {
		const kube_routegroup *rg = &o->c->routegroups[0];
		for (size_t i = 0; i < rg->nbackends; i++)
			if (rg->backends[i].service_name.len)
				ADD(service_key(rg->meta.ns, rg->backends[i].service_name));
	}
#undef ADD
	set_deps(inc, o, d, n);
}

static void obj_free(incremental *inc, obj *o)
{
	set_deps(inc, o, NULL, 0);
	if (o->provides.p)
		index_remove(&inc->providers, o->provides, o);
	free(o->provides.p);
	kube_cluster_free(o->c);
	free(o->bytes);
	free(o->id.p);
	free(o);
}

incremental *incremental_new(const pipeline_options *o, size_t max_zones)
{
	incremental *inc = xcalloc(1, sizeof *inc);
	inc->o = o;
	inc->max_zones = max_zones;
	inc->unit_opts = *o;   /* the cluster-wide routes are the global unit's */
	if (o->process) {
		inc->unit_process = *o->process;
		inc->unit_process.enable_oauth2_grant_flow = false;
		inc->unit_opts.process = &inc->unit_process;
	}
	inc->routegroups_known = true;
	inc->member_lines = MEMBER_LINES;
	inc->global_pending = true;
	inc->dirty = true;
	return inc;
}

/* "kind=K ns=N name=X", what messages about an object say. */
static void source_name(buf *b, incremental_kind kind, str ns, str name)
{
	buf_printf(b, "kind=%s ns=%.*s name=%.*s", kind_names[kind], (int)ns.len, ns.ptr ? ns.ptr : "", (int)name.len,
		   name.ptr ? name.ptr : "");
}

/* Decodes and selects one object's text as a full load would: 0 with the cluster of it in
 * *out (NULL when it is skipped or not selected: absent), -1 with the reason in err. */
static int decode_one(const incremental *inc, incremental_kind kind, str ns, str name, const char *data, size_t len,
		      kube_cluster **out, buf *err)
{
	buf source = BUF_INIT;
	source_name(&source, kind, ns, name);
	kube_cluster *c = kube_cluster_new_in(arena_new_small());
	int rc = pipeline_decode_buffer(inc->o, data ? data : "", len, source.ptr, c, err);
	size_t all = objects_in(c), mine = objects_of_kind(c, kind);
	if (rc == 0 && (all > 1 || all != mine)) {
		buf_printf(err, "%s: not one %s object", source.ptr, kind_names[kind]);
		rc = -1;
	}
	buf_free(&source);
	if (rc != 0 || all == 0) {
		kube_cluster_free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

/* Decodes a stored object for a compile (its text decoded before, so it does again). */
static void obj_decode(const incremental *inc, obj *o)
{
	if (o->c || !o->bytes)
		return;
	str ns, name;
	key_parts(o->id, &ns, &name);
	buf err = BUF_INIT;
	decode_one(inc, o->kind, ns, name, o->bytes, o->len, &o->c, &err);
	buf_free(&err);
}

static void obj_undecode(obj *o)
{
	kube_cluster_free(o->c);
	o->c = NULL;
}

int incremental_apply(incremental *inc, const incremental_event *ev, buf *err)
{
	kube_cluster *c = NULL;
	if (ev->type != INCR_DELETED && decode_one(inc, ev->kind, ev->ns, ev->name, ev->data, ev->len, &c, err) != 0)
		return -1;
	key id = key_make((char)('0' + ev->kind), ev->ns, ev->name);
	void **slot = hmap_ref(&inc->store, (str){ id.p, id.n });
	obj *o = *slot;
	if (!o) {
		if (!c) {   /* deleting what is not there */
			hmap_del(&inc->store, (str){ id.p, id.n });
			free(id.p);
			return 0;
		}
		o = *slot = xcalloc(1, sizeof *o);
		o->id = id;
		o->kind = ev->kind;
	} else {
		free(id.p);
	}
	free(o->bytes);
	o->bytes = NULL;
	o->len = 0;
	if (c) {   /* kept as text: a decoded object costs several times its text */
		o->bytes = xcalloc(1, ev->len + 1);
		memcpy(o->bytes, ev->data, ev->len);
		o->len = ev->len;
	}
	o->c = c;
	if (is_route_kind(o->kind)) {
		if (c && o->ndeps == 0)
			guess_deps(inc, o);
		obj_undecode(o);
		mark_pending(inc, o);   /* an absent one is dropped by the next publish */
		return 0;
	}
	/* Services, Endpoints, EndpointSlices: their readers compile again, before and after. */
	touch_readers(inc, o->provides);
	if (o->provides.p)
		index_remove(&inc->providers, o->provides, o);
	free(o->provides.p);
	o->provides = provided_key(o);
	obj_undecode(o);
	if (o->provides.p) {
		objvec_push(index_vec(&inc->providers, o->provides), o);
		touch_readers(inc, o->provides);
	}
	if (!o->bytes) {
		hmap_del(&inc->store, (str){ o->id.p, o->id.n });
		obj_free(inc, o);
	}
	return 0;
}

void incremental_set_routegroups_known(incremental *inc, bool known)
{
	if (inc->routegroups_known == known)
		return;
	inc->routegroups_known = known;
	for (size_t i = 0; i < inc->store.nslots; i++) {
		obj *o = inc->store.slots[i].value;
		if (inc->store.slots[i].key && o->kind == INCR_ROUTEGROUP)
			mark_pending(inc, o);
	}
}

/* --- units ------------------------------------------------------------------------------------- */

static void count_zones(const unit *u, int sign);
static void free_zone_lines(unit *u);

/* Takes u's routes out of the served table; its members go to `into` (or pending). */
static void dissolve(incremental *inc, unit *u, objvec *into, bool *global)
{
	if (!u->live)
		return;
	u->live = false;
	inc->dirty = true;
	count_zones(u, -1);
	for (size_t i = 0; i < u->nids; i++) {
		hmap_del(&inc->ids, (str){ u->ids[i].p, u->ids[i].n });
		free(u->ids[i].p);
	}
	free(u->ids);
	u->ids = NULL;
	u->nids = 0;
	for (size_t i = 0; i < u->members.n; i++) {
		obj *m = u->members.v[i];
		m->unit = NULL;
		if (into && m->bytes && m->mark != inc->gen) {
			m->mark = inc->gen;
			objvec_push(into, m);
		} else if (!into) {
			mark_pending(inc, m);
		}
	}
	if (u->global) {
		if (global)
			*global = true;
		else
			inc->global_pending = true;
	}
	inc->units[u->slot] = inc->units[--inc->nunits];
	inc->units[u->slot]->slot = u->slot;
	u->next_dead = inc->dead;
	inc->dead = u;
}

static void unit_free(unit *u)
{
	free_zone_lines(u);
	free(u->uz);
	free(u->members.v);
	route_table_free(u->routes);
	served_doc_free(&u->doc);
	for (size_t i = 0; i < u->nids; i++)
		free(u->ids[i].p);
	free(u->ids);
	free(u);
}

/* The compile of one group: its cluster and what its objects read. */
typedef struct {
	incremental *inc;
	kube_cluster sub;
	obj **ing, **rg;               /* the members behind sub.ingresses[i], sub.routegroups[i] */
	objvec decoded;                /* objects decoded for this compile */
	key *read; obj **reader; size_t nread, capread;
	hmap seen;                     /* (obj, key) pairs already in read */
} group_compile;

static void observed(void *ctx, const void *object, kube_dep_kind kind, str a, str b)
{
	group_compile *g = ctx;
	obj *o = NULL;
	const kube_ingress *ing = object;
	const kube_routegroup *rg = object;
	if (g->sub.ningresses && ing >= g->sub.ingresses && ing < g->sub.ingresses + g->sub.ningresses)
		o = g->ing[ing - g->sub.ingresses];
	else if (g->sub.nroutegroups && rg >= g->sub.routegroups && rg < g->sub.routegroups + g->sub.nroutegroups)
		o = g->rg[rg - g->sub.routegroups];
	if (!o)
		return;
	key k = kind == KUBE_DEP_HOST ? key_make('h', a, b) : service_key(a, b);
	/* (object, key) seen: the pointer's bytes and the key */
	char *pair = xcalloc(1, sizeof o + k.n);
	memcpy(pair, &o, sizeof o);
	memcpy(pair + sizeof o, k.p, k.n);
	void **slot = hmap_ref(&g->seen, (str){ pair, sizeof o + k.n });
	free(pair);
	if (*slot) {
		free(k.p);
		return;
	}
	*slot = o;
	if (g->nread == g->capread) {
		g->capread = g->capread ? 2 * g->capread : 16;
		g->read = xrealloc(g->read, g->capread * sizeof *g->read);
		g->reader = xrealloc(g->reader, g->capread * sizeof *g->reader);
	}
	g->read[g->nread] = k;
	g->reader[g->nread++] = o;
}

/* The order of the store: kind, namespace, name (what a full compile of the store sees). */
static int obj_cmp(const void *x, const void *y)
{
	const obj *a = *(obj *const *)x, *b = *(obj *const *)y;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	str ans, aname, bns, bname;
	key_parts(a->id, &ans, &aname);
	key_parts(b->id, &bns, &bname);
	int c = str_cmp(ans, bns);
	return c ? c : str_cmp(aname, bname);
}

static void sort_objs(objvec *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof *v->v, obj_cmp);
}

/* The cluster of the group's objects and every Service, Endpoints and EndpointSlice their
 * reads name (by their store keys: the order a full compile of the store sees them in). */
static void build_sub(group_compile *g, objvec *members, hmap *included)
{
	incremental *inc = g->inc;
	objvec svc = { 0 }, eps = { 0 }, sl = { 0 };
	inc->gen++;
	for (size_t i = 0; i < members->n; i++)
		members->v[i]->mark = inc->gen;
	for (size_t i = 0; i < members->n; i++)
		for (size_t j = 0; j < members->v[i]->ndeps; j++) {
			key k = members->v[i]->deps[j].k;
			if (k.p[0] != 's')
				continue;
			void **slot = hmap_ref(included, (str){ k.p, k.n });
			if (*slot)
				continue;
			*slot = included;
			objvec *p = hmap_get(&inc->providers, (str){ k.p, k.n });
			for (size_t x = 0; p && x < p->n; x++) {
				obj *s = p->v[x];
				objvec_push(s->kind == INCR_SERVICE ? &svc : s->kind == INCR_ENDPOINTS ? &eps : &sl, s);
			}
		}
	sort_objs(members);
	sort_objs(&svc);
	sort_objs(&eps);
	sort_objs(&sl);
	/* decoded now (and freed after the compile): a member or provider that decodes to nothing
	 * now did so when its event came, and is not stored */
	objvec *lists[] = { members, &svc, &eps, &sl };
	for (size_t l = 0; l < 4; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			obj_decode(inc, lists[l]->v[i]);
			objvec_push(&g->decoded, lists[l]->v[i]);
		}
	kube_cluster *s = &g->sub;
	*s = (kube_cluster){ .routegroups_known = inc->routegroups_known };
	s->ingresses = xcalloc(members->n, sizeof *s->ingresses);
	s->routegroups = xcalloc(members->n, sizeof *s->routegroups);
	g->ing = xcalloc(members->n, sizeof *g->ing);
	g->rg = xcalloc(members->n, sizeof *g->rg);
	for (size_t i = 0; i < members->n; i++) {
		obj *m = members->v[i];
		if (!m->c)
			continue;
		if (m->kind == INCR_INGRESS) {
			g->ing[s->ningresses] = m;
			s->ingresses[s->ningresses++] = m->c->ingresses[0];
		} else {
			g->rg[s->nroutegroups] = m;
			s->routegroups[s->nroutegroups++] = m->c->routegroups[0];
		}
	}
	s->services = xcalloc(svc.n, sizeof *s->services);
	for (size_t i = 0; i < svc.n; i++)
		if (svc.v[i]->c)
			s->services[s->nservices++] = svc.v[i]->c->services[0];
	s->endpoints = xcalloc(eps.n, sizeof *s->endpoints);
	for (size_t i = 0; i < eps.n; i++)
		if (eps.v[i]->c)
			s->endpoints[s->nendpoints++] = eps.v[i]->c->endpoints[0];
	s->slices = xcalloc(sl.n, sizeof *s->slices);
	for (size_t i = 0; i < sl.n; i++)
		if (sl.v[i]->c)
			s->slices[s->nslices++] = sl.v[i]->c->slices[0];
	free(svc.v);
	free(eps.v);
	free(sl.v);
}

static void group_free(group_compile *g)
{
	free(g->sub.ingresses);
	free(g->sub.routegroups);
	free(g->sub.services);
	free(g->sub.endpoints);
	free(g->sub.slices);
	free(g->ing);
	free(g->rg);
	for (size_t i = 0; i < g->decoded.n; i++)
		obj_undecode(g->decoded.v[i]);
	free(g->decoded.v);
	for (size_t i = 0; i < g->nread; i++)
		free(g->read[i].p);
	free(g->read);
	free(g->reader);
	hmap_free(&g->seen);
	*g = (group_compile){ 0 };
}

/* Hands each member the reads the compile reported (the readers index follows). */
static void record_reads(incremental *inc, group_compile *g, objvec *members)
{
	for (size_t i = 0; i < members->n; i++)
		members->v[i]->mark = i;   /* for a moment: the member's index */
	size_t *count = xcalloc(members->n, sizeof *count), *fill = xcalloc(members->n, sizeof *fill);
	for (size_t r = 0; r < g->nread; r++)
		count[g->reader[r]->mark]++;
	key **lists = xcalloc(members->n, sizeof *lists);
	for (size_t i = 0; i < members->n; i++)
		lists[i] = count[i] ? xcalloc(count[i], sizeof **lists) : NULL;
	for (size_t r = 0; r < g->nread; r++) {
		size_t i = g->reader[r]->mark;
		lists[i][fill[i]++] = g->read[r];
		g->read[r] = (key){ 0 };   /* moved */
	}
	for (size_t i = 0; i < members->n; i++)
		set_deps(inc, members->v[i], lists[i], count[i]);
	free(lists);
	free(count);
	free(fill);
	inc->gen++;
	for (size_t i = 0; i < members->n; i++)
		members->v[i]->mark = inc->gen;
}

/* Adds to the group whatever shares a read or an id with it; true if anything was added. */
static bool absorb_key(incremental *inc, objvec *members, bool *global, key k, bool is_id)
{
	bool grew = false;
	if (is_id) {
		unit *u = hmap_get(&inc->ids, (str){ k.p, k.n });
		if (u) {
			dissolve(inc, u, members, global);
			grew = true;
		}
		return grew;
	}
	for (edge *e = hmap_get(&inc->readers, (str){ k.p, k.n }); e; e = e->next) {
		obj *r = e->o;
		if (r->mark == inc->gen || !r->bytes)
			continue;
		if (r->unit) {
			dissolve(inc, r->unit, members, global);
		} else {
			r->mark = inc->gen;
			objvec_push(members, r);
		}
		grew = true;
	}
	return grew;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return str_cmp(*(const str *)a, *(const str *)b);
}

static zone_state *zone_of(incremental *inc, str name)
{
	void **slot = hmap_ref(&inc->zones, (str){ name.ptr, name.len });
	if (!*slot) {
		zone_state *z = xcalloc(1, sizeof *z);
		z->name = xstrndup(name.ptr, name.len);
		z->len = name.len;
		*slot = z;
	}
	return *slot;
}

/* Adds (sign 1) or takes (-1) a unit's share of the zone states. */
static void count_zones(const unit *u, int sign)
{
	for (size_t k = 0; k < u->nuz; k++) {
		const unit_zone *uz = &u->uz[k];
		uz->z->units += (size_t)sign;
		uz->z->endpoints += (size_t)sign * uz->endpoints;
		uz->z->nfiltered += (size_t)sign * uz->nfiltered;
		uz->z->nshortened += (size_t)sign * uz->nshortened;
	}
}

/* The zones of u's endpoints, how many endpoints each has and routes each reduces, and the
 * routes' zone texts that differ from their lines: each route as a table of one
 * (zone_doc_print, the zone documents' own printer), from its line in u's document. Kept
 * while u lives: a zone's document is put together from them at every publish. */
static void unit_zones(incremental *inc, unit *u)
{
	const route_table *t = u->routes;
	hmap seen = { 0 };   /* zone_state* → index in u->uz + 1 */
	str *zones = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < t->n; i++) {
		const route *r = &t->routes[i];
		size_t nz = 0;
		if (r->nendpoints > cap) {
			cap = r->nendpoints;
			zones = xrealloc(zones, cap * sizeof *zones);
		}
		for (size_t e = 0; e < r->nendpoints; e++)
			if (r->endpoints[e].zone.len)
				zones[nz++] = r->endpoints[e].zone;
		if (nz > 1)
			qsort(zones, nz, sizeof *zones, str_ptr_cmp);
		size_t line_len = u->doc.start[i + 1] - 1 - u->doc.start[i];
		size_t ep = u->doc.endpoints[i] == SIZE_MAX ? SIZE_MAX : u->doc.endpoints[i] - u->doc.start[i];
		size_t one_start[2] = { 0, line_len + 1 };
		served_doc one = { .doc = { .ptr = u->doc.doc.ptr + u->doc.start[i], .len = line_len, .cap = line_len },
				   .start = one_start, .endpoints = &ep, .n = 1 };
		route_table alone = { .routes = (route *)r, .n = 1, .cap = 1 };
		for (size_t k = 0, next; k < nz; k = next) {
			for (next = k + 1; next < nz && str_eq(zones[next], zones[k]); next++)
				;
			zone_state *z = zone_of(inc, zones[k]);
			void **slot = hmap_ref(&seen, (str){ (const char *)&z, sizeof z });
			if (!*slot) {
				u->uz = grow_for(u->uz, u->nuz, sizeof *u->uz);
				u->uz[u->nuz++] = (unit_zone){ .z = z };
				*slot = (void *)(uintptr_t)u->nuz;
			}
			unit_zone *uz = &u->uz[(uintptr_t)*slot - 1];
			uz->endpoints += next - k;
			buf text = BUF_INIT;
			uz->nfiltered += zone_doc_print(&text, &alone, &one, zones[k]);
			if (text.len == line_len && (line_len == 0 || !memcmp(text.ptr, one.doc.ptr, line_len))) {
				buf_free(&text);
				continue;
			}
			uz->nshortened++;
			u->zl = grow_for(u->zl, u->nzl, sizeof *u->zl);
			zone_line *zl = &u->zl[u->nzl++];
			*zl = (zone_line){ .i = i, .z = z };
			zl->text = buf_steal(&text, &zl->len);
		}
	}
	free(zones);
	hmap_free(&seen);
	count_zones(u, 1);
}

static void free_zone_lines(unit *u)
{
	for (size_t k = 0; k < u->nzl; k++)
		free(u->zl[k].text);
	free(u->zl);
	u->zl = NULL;
	u->nzl = 0;
}

static void install(incremental *inc, objvec *members, bool global, route_table *t, key *ids, size_t nids)
{
	unit *u = xcalloc(1, sizeof *u);
	u->members = *members;
	*members = (objvec){ 0 };
	u->global = global;
	u->live = true;
	u->routes = t;
	u->doc.doc = (buf)BUF_INIT;
	served_doc_print(&u->doc, t);
	u->ids = ids;
	u->nids = nids;
	for (size_t i = 0; i < nids; i++)
		*hmap_ref(&inc->ids, (str){ ids[i].p, ids[i].n }) = u;
	for (size_t i = 0; i < t->n; i++)
		u->empty_id |= t->routes[i].id.len == 0;
	unit_zones(inc, u);
	for (size_t i = 0; i < u->members.n; i++) {
		u->members.v[i]->unit = u;
		u->members.v[i]->pending = false;
	}
	if (global)
		inc->global_pending = false;
	if (inc->nunits == inc->capunits) {
		inc->capunits = inc->capunits ? 2 * inc->capunits : 64;
		inc->units = xrealloc(inc->units, inc->capunits * sizeof *inc->units);
	}
	u->slot = inc->nunits;
	inc->units[inc->nunits++] = u;
	if (inc->nfresh == inc->capfresh) {
		inc->capfresh = inc->capfresh ? 2 * inc->capfresh : 64;
		inc->fresh = xrealloc(inc->fresh, inc->capfresh * sizeof *inc->fresh);
	}
	inc->fresh[inc->nfresh++] = u;
	inc->dirty = true;
}

/* The distinct ids of t's routes, appended to *ids. */
static void collect_ids(const route_table *t, hmap *seen, key **ids, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < t->n; i++) {
		str id = t->routes[i].id;
		void **slot = hmap_ref(seen, (str){ id.ptr ? id.ptr : "", id.len });
		if (*slot)
			continue;
		*slot = seen;
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*ids = xrealloc(*ids, *cap * sizeof **ids);
		}
		key k = { .p = xcalloc(1, id.len + 1), .n = id.len };
		if (id.len)
			memcpy(k.p, id.ptr, id.len);
		(*ids)[(*n)++] = k;
	}
}

static void free_keys(key *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].p);
	free(k);
}

/* t's routes alone in a small arena (the compile and processing leave scratch in t's). */
static route_table *compact(route_table *t)
{
	route_table *k = route_table_new_in(arena_new_small());
	k->routes = arena_array_alloc(k->arena, t->n ? t->n : 1, sizeof *k->routes);
	k->cap = t->n;
	for (size_t i = 0; i < t->n; i++)
		route_deep_copy(k->arena, &t->routes[i], route_table_add(k));
	route_table_free(t);
	return k;
}

/* Compiles a group (members marked with inc->gen) until it is closed: everything it reads
 * was in its cluster, and no other unit shares a read or a route id with it. Then it
 * becomes a unit. */
static void compile_group(incremental *inc, objvec *members, bool global)
{
	for (;;) {
		group_compile g = { .inc = inc };
		hmap included = { 0 };
		build_sub(&g, members, &included);
		kube_observer obs = { .depends = observed, .ctx = &g };
		const pipeline_options *po = global ? inc->o : &inc->unit_opts;
		route_table *t = route_table_new();
		pipeline_compile_cluster(po, &g.sub, t, &obs, global);
		inc->stats.compiled_objects += members->n;
		hmap seen = { 0 };
		key *ids = NULL;
		size_t nids = 0, cap = 0;
		collect_ids(t, &seen, &ids, &nids, &cap);   /* compiled ids: the de-duplication's */
		pipeline_process(po, t);
		collect_ids(t, &seen, &ids, &nids, &cap);   /* processed ids: clones, the sort */
		hmap_free(&seen);
		record_reads(inc, &g, members);
		group_free(&g);

		bool again = false;
		/* a read whose providers were not in the cluster */
		for (size_t i = 0; i < members->n; i++)
			for (size_t j = 0; j < members->v[i]->ndeps; j++) {
				key k = members->v[i]->deps[j].k;
				if (k.p[0] == 's' && !hmap_get(&included, (str){ k.p, k.n }) && hmap_get(&inc->providers, (str){ k.p, k.n }))
					again = true;
			}
		hmap_free(&included);
		/* another unit or pending object reading the same */
		for (size_t i = 0; i < members->n; i++)
			for (size_t j = 0; j < members->v[i]->ndeps; j++)
				again |= absorb_key(inc, members, &global, members->v[i]->deps[j].k, false);
		for (size_t i = 0; i < nids; i++)
			again |= absorb_key(inc, members, &global, ids[i], true);
		if (!again) {
			install(inc, members, global, compact(t), ids, nids);
			return;
		}
		free_keys(ids, nids);
		route_table_free(t);
	}
}

/* Compiles everything pending into units. */
static void settle(incremental *inc)
{
	/* Dissolve the units of pending objects; forget absent ones. */
	for (size_t i = 0; i < inc->pending.n; i++) {
		obj *o = inc->pending.v[i];
		if (o->unit)
			dissolve(inc, o->unit, NULL, NULL);
	}
	size_t keep = 0;
	for (size_t i = 0; i < inc->pending.n; i++) {
		obj *o = inc->pending.v[i];
		if (o->bytes) {
			inc->pending.v[keep++] = o;
			continue;
		}
		hmap_del(&inc->store, (str){ o->id.p, o->id.n });
		obj_free(inc, o);
		inc->dirty = true;
	}
	inc->pending.n = keep;
	if (inc->global_pending) {
		objvec none = { 0 };
		inc->gen++;
		compile_group(inc, &none, true);
		free(none.v);
	}
	for (size_t i = 0; i < inc->pending.n; i++) {
		obj *o = inc->pending.v[i];
		if (!o->pending || o->unit)
			continue;
		objvec members = { 0 };
		inc->gen++;
		o->mark = inc->gen;
		objvec_push(&members, o);
		bool global = false;
		/* the neighbours it is known to have, before the first compile */
		for (size_t m = 0; m < members.n; m++)
			for (size_t j = 0; j < members.v[m]->ndeps; j++)
				absorb_key(inc, &members, &global, members.v[m]->deps[j].k, false);
		compile_group(inc, &members, global);
		free(members.v);
	}
	inc->pending.n = 0;
}

/* --- the served table ---------------------------------------------------------------------------- */

static str line_id(line l)
{
	return l.u->routes->routes[l.i].id;
}

static int line_cmp(const void *x, const void *y)
{
	const line *a = x, *b = y;
	int c = str_cmp(line_id(*a), line_id(*b));
	if (c)
		return c;
	if (a->u != b->u)   /* never: an id belongs to one unit */
		return a->u < b->u ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* The served lines: the old ones of live units, merged with the fresh units' lines (each
 * placed by binary search: a change costs a copy of the line array, not a comparison per line). */
static void merge_lines(incremental *inc)
{
	size_t nf = 0;
	for (size_t u = 0; u < inc->nfresh; u++)
		if (inc->fresh[u]->live)
			nf += inc->fresh[u]->routes->n;
	line *f = xcalloc(nf, sizeof *f);
	nf = 0;
	for (size_t u = 0; u < inc->nfresh; u++)
		for (size_t i = 0; inc->fresh[u]->live && i < inc->fresh[u]->routes->n; i++)
			f[nf++] = (line){ inc->fresh[u], i, SIZE_MAX };
	if (nf > 1)
		qsort(f, nf, sizeof *f, line_cmp);
	size_t no = 0;
	for (size_t i = 0; i < inc->nlines; i++)
		if (inc->lines[i].u->live) {
			inc->lines[no] = inc->lines[i];
			inc->lines[no++].old = i;
		}
	line *all = xcalloc(no + nf, sizeof *all);
	size_t a = 0, n = 0;
	for (size_t b = 0; b < nf; b++) {
		size_t lo = a, hi = no;   /* the first old line after f[b] */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (line_cmp(&inc->lines[mid], &f[b]) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > a)
			memcpy(all + n, inc->lines + a, (lo - a) * sizeof *all);
		n += lo - a;
		a = lo;
		all[n++] = f[b];
	}
	if (no > a)
		memcpy(all + n, inc->lines + a, (no - a) * sizeof *all);
	n += no - a;
	free(f);
	free(inc->lines);
	inc->lines = all;
	inc->nlines = n;
}

/* The route table behind the lines (shallow copies of the units' routes): what the zone
 * documents and the whole-table printer read. */
static void build_merged(incremental *inc)
{
	size_t n = inc->nlines;
	inc->merged.routes = xrealloc(inc->merged.routes, (n ? n : 1) * sizeof *inc->merged.routes);
	inc->merged.n = inc->merged.cap = n;
	for (size_t k = 0; k < n; k++)
		inc->merged.routes[k] = inc->lines[k].u->routes->routes[inc->lines[k].i];
}

/* The full document: runs of lines that were consecutive in the previous document are
 * copied from it in one piece, new lines from their unit's printed lines; each route's
 * place (start, endpoints) moves with its bytes. prev: the previous publish's document. */
static void build_full(incremental *inc, const served_doc *prev, served_doc *d)
{
	size_t n = inc->nlines, bytes = 0;
	bool empty_id = false;
	for (size_t k = 0; k < n; k++) {
		line l = inc->lines[k];
		if (l.old == SIZE_MAX || !prev)
			bytes += l.u->doc.start[l.i + 1] - l.u->doc.start[l.i];
		else
			bytes += prev->start[l.old + 1] - prev->start[l.old];
		empty_id |= l.u->empty_id;
	}
	*d = (served_doc){ .doc = BUF_INIT };
	inc->empty_ids = empty_id;
	if (empty_id || (prev && prev->bare)) {   /* routes without ids print by the whole table (served_form.h) */
		build_merged(inc);
		served_doc_print(d, &inc->merged);
		return;
	}
	buf_reserve(&d->doc, bytes + 1);
	d->n = n;
	d->start = xcalloc(n + 1, sizeof *d->start);
	d->endpoints = xcalloc(n ? n : 1, sizeof *d->endpoints);
	for (size_t k = 0; k < n;) {
		line l = inc->lines[k];
		if (k)
			buf_putc(&d->doc, '\n');
		if (l.old == SIZE_MAX || !prev) {
			const served_doc *u = &l.u->doc;
			d->start[k] = d->doc.len;
			buf_append(&d->doc, u->doc.ptr + u->start[l.i], u->start[l.i + 1] - 1 - u->start[l.i]);
			d->endpoints[k] = u->endpoints[l.i] == SIZE_MAX ? SIZE_MAX : d->start[k] + (u->endpoints[l.i] - u->start[l.i]);
			k++;
			continue;
		}
		size_t end = k + 1;   /* the run: lines k..end-1 were old lines l.old.. in a row */
		while (end < n && inc->lines[end].old == inc->lines[end - 1].old + 1)
			end++;
		size_t from = prev->start[l.old], to = prev->start[inc->lines[end - 1].old + 1] - 1;
		size_t base = d->doc.len;
		buf_append(&d->doc, prev->doc.ptr + from, to - from);
		for (size_t j = k; j < end; j++) {
			size_t o = inc->lines[j].old;
			d->start[j] = base + (prev->start[o] - from);
			d->endpoints[j] = prev->endpoints[o] == SIZE_MAX ? SIZE_MAX : base + (prev->endpoints[o] - from);
		}
		k = end;
	}
	d->start[n] = d->doc.len + 1;
}

/* --- gzip members ----------------------------------------------------------------------------- */


/* Whether a member starts at this line: its id (up to the ':', at most MEMBER_LOOKAHEAD
 * bytes) hashes to a multiple of MEMBER_LINES. Bounds that depend only on a line's own
 * bytes stay where they are when lines around them change. */
static bool member_starts(const char *text, size_t len, size_t lines)
{
	size_t la = len < MEMBER_LOOKAHEAD ? len : MEMBER_LOOKAHEAD;
	const char *colon = memchr(text, ':', la);
	if (colon)
		la = (size_t)(colon - text);
	return XXH3_64bits(text, la) % lines == 0;
}

/* Where the member starting at byte `from` of doc ends. */
static size_t member_end(const char *doc, size_t len, size_t from)
{
	size_t p = from;
	while (p < len) {
		const char *nl = memchr(doc + p, '\n', len - p);
		if (!nl)
			return len;
		p = (size_t)(nl - doc) + 1;
		if (p - from >= MEMBER_MAX || member_starts(doc + p, len - p, MEMBER_LINES))
			return p;
	}
	return len;
}

void incremental_gzip_members(buf *out, const char *doc, size_t len)
{
	size_t from = 0;
	do {
		size_t to = member_end(doc, len, from);
		gzip_compress(out, doc + from, to - from, GZIP_DEFAULT_LEVEL);
		from = to;
	} while (from < len);
}

static void members_free(member_list *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].gz);
	free(m->v);
	*m = (member_list){ 0 };
}

/* The previous member that was lines [first, first + n) and ended its document as `last`
 * does now, or NULL. */
static member *previous_member(member_list *prev, size_t first, size_t n, bool last)
{
	size_t lo = 0, hi = prev->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (prev->v[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	member *m = lo < prev->n ? &prev->v[lo] : NULL;
	return m && m->first == first && m->n == n && m->last == last && m->gz ? m : NULL;
}

/* doc (its lines at start[0..n], the served_doc convention) as gzip members cut where
 * member_starts says (the same bounds as incremental_gzip_members); a member whose lines are
 * the same old lines in a row as one of the previous document's is that member again, taken
 * from prev without compressing (or hashing) anything. Returns the member count. */
static size_t gzip_doc(incremental *inc, member_list *prev, member_list *now, buf *out, const char *doc, size_t len,
		       const size_t *start)
{
	size_t n = inc->nlines, a = 0;
	*now = (member_list){ 0 };
	do {
		size_t b = a + 1, from = n ? start[a] : 0;
		while (b < n && start[b] - from < MEMBER_MAX && !member_starts(doc + start[b], start[b + 1] - 1 - start[b], inc->member_lines))
			b++;
		size_t to = b < n ? start[b] : len;
		bool last = b >= n, same = n && inc->lines[a].old != SIZE_MAX;
		for (size_t j = a + 1; same && j < b; j++)
			same = inc->lines[j].old == inc->lines[a].old + (j - a);
		member *old = same ? previous_member(prev, inc->lines[a].old, b - a, last) : NULL;
		member m = { .first = a, .n = b - a, .last = last };
		if (old) {
			m.gz = old->gz;
			m.len = old->len;
			old->gz = NULL;
			inc->stats.gzip_members_reused++;
		} else {
			buf gz = BUF_INIT;
			gzip_compress(&gz, doc + from, to - from, GZIP_DEFAULT_LEVEL);
			m.gz = buf_steal(&gz, &m.len);
			inc->stats.gzip_members_compressed++;
		}
		buf_append(out, m.gz, m.len);
		now->v = grow_for(now->v, now->n, sizeof *now->v);
		now->v[now->n++] = m;
		a = b;
	} while (a < n);
	return now->n;
}

static void zone_state_free(void *p);

/* --- zone documents -------------------------------------------------------------------------- */

/* Zones by endpoints (most first), then name: zone_tables.h's rank for -max-zones. */
static int zone_rank_cmp(const void *a, const void *b)
{
	const zone_state *x = *(zone_state *const *)a, *y = *(zone_state *const *)b;
	if (x->endpoints != y->endpoints)
		return x->endpoints > y->endpoints ? -1 : 1;
	return str_cmp((str){ x->name, x->len }, (str){ y->name, y->len });
}

static int zone_name_cmp(const void *a, const void *b)
{
	const zone_state *x = *(zone_state *const *)a, *y = *(zone_state *const *)b;
	return str_cmp((str){ x->name, x->len }, (str){ y->name, y->len });
}

/* A shortened line of a kept zone: line k of the document has zl's text there. */
typedef struct {
	size_t k;
	const zone_line *zl;
} zone_hit;

/* One publish's zone set: the live zones, the kept ones (in name order), and each kept
 * zone's shortened lines in document order (hits[first[j]..first[j] + nhits[j])). */
typedef struct {
	zone_state **live; size_t nlive;
	zone_state **kept; size_t nkept;
	zone_hit *hits; size_t *first, *nhits;
} zone_set;

/* The live zones, ranked; the first max_zones are kept (sel set), in name order. */
static void zone_set_build(incremental *inc, zone_set *zs)
{
	*zs = (zone_set){ .live = xcalloc(inc->zones.n, sizeof *zs->live) };
	for (size_t i = 0; i < inc->zones.nslots; i++) {
		zone_state *z = inc->zones.slots[i].value;
		if (!inc->zones.slots[i].key)
			continue;
		z->sel = 0;
		if (z->units)
			zs->live[zs->nlive++] = z;
	}
	if (zs->nlive > 1)
		qsort(zs->live, zs->nlive, sizeof *zs->live, zone_rank_cmp);
	zs->nkept = zs->nlive < inc->max_zones ? zs->nlive : inc->max_zones;
	zs->kept = xcalloc(zs->nkept, sizeof *zs->kept);
	if (zs->nkept)
		memcpy(zs->kept, zs->live, zs->nkept * sizeof *zs->kept);
	if (zs->nkept > 1)
		qsort(zs->kept, zs->nkept, sizeof *zs->kept, zone_name_cmp);
	for (size_t j = 0; j < zs->nkept; j++)
		zs->kept[j]->sel = j + 1;
}

/* Each kept zone's shortened lines, found in one walk over the lines (in order, so each
 * zone's come sorted): a line of a unit without zone texts costs one test. */
static void zone_set_hits(const incremental *inc, zone_set *zs)
{
	size_t total = 0;
	zs->first = xcalloc(zs->nkept + 1, sizeof *zs->first);
	for (size_t j = 0; j < zs->nkept; j++) {
		zs->first[j] = total;
		total += zs->kept[j]->nshortened;
	}
	zs->first[zs->nkept] = total;
	zs->hits = xcalloc(total, sizeof *zs->hits);
	zs->nhits = xcalloc(zs->nkept, sizeof *zs->nhits);
	if (!total)
		return;
	for (size_t k = 0; k < inc->nlines; k++) {
		const unit *u = inc->lines[k].u;
		if (!u->nzl)
			continue;
		size_t i = inc->lines[k].i, lo = 0, hi = u->nzl;   /* zl is in route order */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (u->zl[mid].i < i)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < u->nzl && u->zl[lo].i == i; lo++) {
			size_t j = u->zl[lo].z->sel;
			if (j-- && zs->first[j] + zs->nhits[j] < zs->first[j + 1])   /* (always: the counts are the hits') */
				zs->hits[zs->first[j] + zs->nhits[j]++] = (zone_hit){ k, &u->zl[lo] };
		}
	}
}

static void zone_set_free(zone_set *zs)
{
	free(zs->live);
	free(zs->kept);
	free(zs->hits);
	free(zs->first);
	free(zs->nhits);
}

static void push_zone_seg(arena *a, zone_doc *zd, int enc, zone_segment seg)
{
	zone_segment *last = zd->nseg[enc] ? &zd->seg[enc][zd->nseg[enc] - 1] : NULL;
	zd->len[enc] += seg.len;
	if (last && last->src == seg.src && last->off + last->len == seg.off) {   /* contiguous: one piece */
		last->len += seg.len;
		return;
	}
	*(zone_segment *)arena_array_push(a, (void **)&zd->seg[enc], &zd->nseg[enc], sizeof seg) = seg;
}

/* Where line k's text ends in the full document, with its "\n" (none after the last). */
static size_t line_end(const served_doc *d, size_t k)
{
	return k + 1 < d->n ? d->start[k + 1] : d->doc.len;
}

/* Appends lines [a, b) as the zone has them: its texts (hits[*h..], advanced) where it
 * shortens a line, the full document's elsewhere. */
static void put_zone_lines(buf *out, const served_doc *d, size_t a, size_t b, const zone_hit *hits, size_t nhits,
			   size_t *h)
{
	for (size_t k = a; k < b;) {
		if (*h < nhits && hits[*h].k == k) {
			buf_append(out, hits[*h].zl->text, hits[*h].zl->len);
			if (k + 1 < d->n)
				buf_putc(out, '\n');
			(*h)++;
			k++;
			continue;
		}
		size_t next = *h < nhits && hits[*h].k < b ? hits[*h].k : b;   /* unshortened lines: one piece */
		buf_append(out, d->doc.ptr + d->start[k], line_end(d, next - 1) - d->start[k]);
		k = next;
	}
}

/* The plain document of a zone: its shortened lines as runs of its own, where runs less than
 * ZONE_GAP_MIN bytes apart (or from either end) are joined as zone_docs_build joins them, and
 * the full document's slices between them. */
static void zone_plain(arena *a, zone_doc *zd, const served_doc *d, const zone_hit *hits, size_t nhits)
{
	size_t pos = 0, h = 0;   /* full-document bytes done; hits done */
	while (h < nhits) {
		size_t ra = hits[h].k, rb = ra + 1;   /* the run [ra, rb) */
		size_t e = h + 1;
		while (e < nhits && d->start[hits[e].k] - line_end(d, rb - 1) < ZONE_GAP_MIN)
			rb = hits[e++].k + 1;
		if (pos == 0 && d->start[ra] < ZONE_GAP_MIN)   /* near the start: from the start */
			ra = 0;
		if (e == nhits && d->doc.len - line_end(d, rb - 1) < ZONE_GAP_MIN)
			rb = d->n;
		size_t from = ra == 0 ? 0 : d->start[ra];
		if (pos < from)
			push_zone_seg(a, zd, ZONE_PLAIN, (zone_segment){ NULL, pos, from - pos, ZONE_SEG_FULL });
		size_t at = zd->own.len;
		put_zone_lines(&zd->own, d, ra, rb, hits, nhits, &h);
		push_zone_seg(a, zd, ZONE_PLAIN, (zone_segment){ NULL, at, zd->own.len - at, ZONE_SEG_OWN });
		pos = line_end(d, rb - 1);
	}
	if (pos < d->doc.len)
		push_zone_seg(a, zd, ZONE_PLAIN, (zone_segment){ NULL, pos, d->doc.len - pos, ZONE_SEG_FULL });
}

/* The gzip body of a zone: the full document's members (ms, at `at` in the full gzip body)
 * where the zone shortens none of their lines, else a member of its own over the same lines,
 * taken from its last document's when those were the same old lines in a row. */
static void zone_gzip(incremental *inc, arena *a, zone_doc *zd, zone_state *z, const served_doc *d,
		      const member_list *ms, const size_t *at, const zone_hit *hits, size_t nhits)
{
	member_list now = { .v = xcalloc(ms->n, sizeof *now.v) };
	buf text = BUF_INIT;
	size_t h = 0;
	for (size_t j = 0; j < ms->n; j++) {
		const member *m = &ms->v[j];
		if (h >= nhits || hits[h].k >= m->first + m->n) {
			push_zone_seg(a, zd, ZONE_GZIP, (zone_segment){ NULL, at[j], m->len, ZONE_SEG_FULL });
			continue;
		}
		bool same = inc->lines[m->first].old != SIZE_MAX;
		for (size_t k = m->first + 1; same && k < m->first + m->n; k++)
			same = inc->lines[k].old == inc->lines[m->first].old + (k - m->first);
		member *old = same ? previous_member(&z->m, inc->lines[m->first].old, m->n, m->last) : NULL;
		member own = { .first = m->first, .n = m->n, .last = m->last };
		if (old) {
			own.gz = old->gz;
			own.len = old->len;
			old->gz = NULL;
			inc->stats.gzip_members_reused++;
			while (h < nhits && hits[h].k < m->first + m->n)
				h++;
		} else {
			buf_reset(&text);
			put_zone_lines(&text, d, m->first, m->first + m->n, hits, nhits, &h);
			buf gz = BUF_INIT;
			gzip_compress(&gz, text.ptr ? text.ptr : "", text.len, GZIP_DEFAULT_LEVEL);
			own.gz = buf_steal(&gz, &own.len);
			inc->stats.gzip_members_compressed++;
		}
		size_t off = zd->own.len;
		buf_append(&zd->own, own.gz, own.len);
		push_zone_seg(a, zd, ZONE_GZIP, (zone_segment){ NULL, off, own.len, ZONE_SEG_OWN });
		now.v[now.n++] = own;
	}
	buf_free(&text);
	members_free(&z->m);
	z->m = now;
}

/* The zone documents of this publish (zone_tables.h's, with the same bytes as
 * zone_docs_build's of the whole table): the first max_zones zones by endpoints, each made of
 * the full document's slices and members and its own shortened lines. ms: the full
 * document's gzip members, of which the body in `gz` is made. */
static zone_docs *build_zones(incremental *inc, const served_doc *d, const member_list *ms)
{
	zone_set zs;
	zone_set_build(inc, &zs);
	zone_set_hits(inc, &zs);
	arena *a = arena_new();
	zone_docs *docs = arena_alloc(a, sizeof *docs);
	*docs = (zone_docs){ .n = zs.nkept, .nzones = zs.nlive, .shared = BUF_INIT, .arena = a };
	docs->v = arena_alloc(a, (zs.nkept + 1) * sizeof *docs->v);
	size_t *at = xcalloc(ms->n + 1, sizeof *at);
	for (size_t j = 0; j < ms->n; j++)
		at[j + 1] = at[j] + ms->v[j].len;
	for (size_t j = 0; j < zs.nkept; j++) {
		zone_state *z = zs.kept[j];
		zone_doc *zd = &docs->v[j];
		const zone_hit *hits = zs.hits + zs.first[j];
		size_t nhits = zs.nhits[j];
		*zd = (zone_doc){ .zone = arena_strndup(a, z->name, z->len), .nfiltered = z->nfiltered,
				  .nshortened = nhits, .own = BUF_INIT };
		if (!nhits) {   /* the full document */
			members_free(&z->m);
			continue;
		}
		zone_plain(a, zd, d, hits, nhits);
		zone_gzip(inc, a, zd, z, d, ms, at, hits, nhits);
		zone_doc_finish(zd, d);
	}
	for (size_t j = zs.nkept; j < zs.nlive; j++)   /* beyond -max-zones: no document, no members */
		members_free(&zs.live[j]->m);
	free(at);
	zone_set_free(&zs);
	return docs;
}

/* Every zone's members, when this publish's zone documents came from the whole table. */
static void forget_zone_members(incremental *inc)
{
	for (size_t i = 0; i < inc->zones.nslots; i++)
		if (inc->zones.slots[i].key)
			members_free(&((zone_state *)inc->zones.slots[i].value)->m);
}

/* Zones no live unit has any more (zone names are tenant input: they must not pile up),
 * once the dead units that pointed at them are gone. */
static void drop_dead_zones(incremental *inc)
{
	zone_state **dead = xcalloc(inc->zones.n, sizeof *dead);
	size_t n = 0;
	for (size_t i = 0; i < inc->zones.nslots; i++)
		if (inc->zones.slots[i].key && !((zone_state *)inc->zones.slots[i].value)->units)
			dead[n++] = inc->zones.slots[i].value;
	for (size_t i = 0; i < n; i++) {
		hmap_del(&inc->zones, (str){ dead[i]->name, dead[i]->len });
		zone_state_free(dead[i]);
	}
	free(dead);
}

static void served_free(incremental_served *s)
{
	buf_free(&s->gzip);
	pipeline_served_free(&s->served);
	*s = (incremental_served){ 0 };
}

const incremental_served *incremental_publish(incremental *inc, bool *changed)
{
	settle(inc);
	if (changed)
		*changed = false;
	if (!inc->dirty)
		return &inc->out;
	merge_lines(inc);
	incremental_served s = { .gzip = BUF_INIT };
	const served_doc *prev_full = inc->published ? &inc->out.served.full : NULL;
	build_full(inc, prev_full, &s.served.full);
	pipeline_served *p = &s.served;
	etag_pair(p->full.doc.ptr ? p->full.doc.ptr : "", p->full.doc.len, p->etag, p->etag_gzip);
	p->count = inc->nlines;
	/* the fresh units' lines are in the full document now, which the next one is spliced from */
	for (size_t u = 0; u < inc->nfresh; u++)
		served_doc_free(&inc->fresh[u]->doc);
	inc->nfresh = 0;

	inc->stats.gzip_members_reused = inc->stats.gzip_members_compressed = 0;
	member_list full = { 0 };
	s.members = gzip_doc(inc, &inc->full_members, &full, &s.gzip, p->full.doc.ptr ? p->full.doc.ptr : "",
			     p->full.doc.len, p->full.start);
	members_free(&inc->full_members);
	inc->full_members = full;
	if (inc->empty_ids || p->full.bare) {   /* (never with Kubernetes routes: their ids are not empty) */
		build_merged(inc);
		pipeline_serve_zones(&inc->merged, p, inc->max_zones);
		free(inc->merged.routes);   /* only for this publish */
		inc->merged = (route_table){ 0 };
		forget_zone_members(inc);
	} else {
		p->zones = build_zones(inc, &p->full, &inc->full_members);
	}

	if (changed)
		*changed = strcmp(s.served.etag, inc->out.served.etag) != 0;
	served_free(&inc->out);
	inc->out = s;
	while (inc->dead) {
		unit *u = inc->dead;
		inc->dead = u->next_dead;
		unit_free(u);
	}
	drop_dead_zones(inc);
	inc->dirty = false;
	inc->published = true;
	return &inc->out;
}

void incremental_set_member_lines(incremental *inc, size_t lines)
{
	inc->member_lines = lines ? lines : MEMBER_LINES;
}

void incremental_get_stats(const incremental *inc, incremental_stats *s)
{
	*s = inc->stats;
	s->objects = inc->store.n;
	s->units = inc->nunits;
	s->largest_unit = 0;
	for (size_t i = 0; i < inc->nunits; i++)
		if (inc->units[i]->members.n > s->largest_unit)
			s->largest_unit = inc->units[i]->members.n;
}

static void zone_state_free(void *p)
{
	zone_state *z = p;
	if (z) {
		free(z->name);
		members_free(&z->m);
	}
	free(z);
}

static void free_obj_value(void *p)
{
	obj *o = p;
	if (!o)
		return;
	for (size_t i = 0; i < o->ndeps; i++) {
		free(o->deps[i].k.p);
		free(o->deps[i].e);
	}
	free(o->deps);
	free(o->provides.p);
	kube_cluster_free(o->c);
	free(o->bytes);
	free(o->id.p);
	free(o);
}

void incremental_free(incremental *inc)
{
	if (!inc)
		return;
	served_free(&inc->out);
	members_free(&inc->full_members);
	for (size_t i = 0; i < inc->nunits; i++)
		unit_free(inc->units[i]);
	while (inc->dead) {
		unit *u = inc->dead;
		inc->dead = u->next_dead;
		unit_free(u);
	}
	free(inc->units);
	free(inc->fresh);
	free(inc->lines);
	free(inc->merged.routes);
	free(inc->pending.v);
	hmap_free(&inc->readers);   /* the edges are the objects' */
	hmap_free_values(&inc->providers, objvec_free);
	hmap_free(&inc->ids);
	hmap_free_values(&inc->zones, zone_state_free);
	hmap_free_values(&inc->store, free_obj_value);
	free(inc);
}

zone_docs *incremental_take_zones(incremental *inc)
{
	zone_docs *z = inc->out.served.zones;
	inc->out.served.zones = NULL;
	return z;
}
