/* The watched object store (objects/kube_store.h) and the pipeline's load step over it
 * (pipeline_load_store): lists replace a type, events change one object and say whether
 * they changed anything, objects come out in the API's key order, and the table compiled
 * from the store is byte for byte the table a poll of the same objects compiles. */
#include <stdlib.h>
#include <string.h>

#include "objects/kube_store.h"
#include "pipeline/pipeline.h"
#include "test.h"

static void set_page(kube_list *l, kube_list_id id, const char *body)
{
	for (size_t i = 0; i < l->npages; i++) {
		buf_free(&l->pages[i]);
		free(l->urls[i]);
	}
	free(l->pages);
	free(l->urls);
	*l = (kube_list){ .kind = kube_list_kind(id), .api_version = kube_list_api_version(id), .fetched = true };
	l->pages = calloc(1, sizeof *l->pages);
	l->urls = calloc(1, sizeof *l->urls);
	buf_puts(&l->pages[0], body);
	l->urls[0] = strdup("http://api/test");
	l->npages = 1;
}

static void list_free(kube_list *l)
{
	set_page(l, KUBE_LIST_INGRESSES, "");
	free(l->pages[0].ptr);
	free(l->pages);
	free(l->urls[0]);
	free(l->urls);
}

#define INGRESS(ns, name, rv, host) \
	"{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"" ns "\",\"resourceVersion\":\"" rv "\"}," \
	"\"spec\":{\"rules\":[{\"host\":\"" host "\",\"http\":{\"paths\":[{\"path\":\"/\",\"pathType\":\"Prefix\"," \
	"\"backend\":{\"service\":{\"name\":\"svc\",\"port\":{\"number\":80}}}}]}}]}}"
#define SERVICE(ns) \
	"{\"metadata\":{\"name\":\"svc\",\"namespace\":\"" ns "\",\"resourceVersion\":\"1\"},\"spec\":{\"clusterIP\":" \
	"\"10.3.0.1\",\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}]}}"
#define ENDPOINTS(ns, rv, ip) "{" ENDPOINTS_MEMBERS(ns, rv, ip)
#define ENDPOINTS_MEMBERS(ns, rv, ip) \
	"\"metadata\":{\"name\":\"svc\",\"namespace\":\"" ns "\",\"resourceVersion\":\"" rv "\"},\"subsets\":" \
	"[{\"addresses\":[{\"ip\":\"" ip "\"}],\"ports\":[{\"name\":\"http\",\"port\":8080}]}]}"
#define EVENT_OBJ(kind, api, rest) "{\"kind\":\"" kind "\",\"apiVersion\":\"" api "\"," rest

static int collect_keys(void *ctx, kube_list_id id, const kube_store_object *o)
{
	(void)id;
	buf_append(ctx, o->key, o->keylen);
	buf_putc(ctx, ' ');
	return 0;
}

static const char *keys(const kube_store *s, kube_list_id id, buf *b)
{
	buf_reset(b);
	kube_store_each(s, id, collect_keys, b);
	return b->ptr ? b->ptr : "";
}

TEST(lists_replace_events_apply_in_key_order)
{
	kube_store *s = kube_store_new(true);
	kube_list l = { 0 };
	buf err = BUF_INIT, b = BUF_INIT;
	/* etcd's key order is bytewise over "namespace/name": "a-b/y" before "a/z". */
	set_page(&l, KUBE_LIST_INGRESSES, "{\"kind\":\"IngressList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":["
		 INGRESS("b", "x", "3", "x.example.org") "," INGRESS("a", "z", "4", "z.example.org") ","
		 INGRESS("a-b", "y", "5", "y.example.org") "]}");
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, NULL, &err), 3);
	CHECK_STR(keys(s, KUBE_LIST_INGRESSES, &b), "a-b/y a/z b/x ");
	/* The same list again changes nothing; one object less and one other version: 2. */
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, NULL, &err), 0);
	set_page(&l, KUBE_LIST_INGRESSES, "{\"kind\":\"IngressList\",\"items\":[" INGRESS("b", "x", "3", "x.example.org") ","
		 INGRESS("a", "z", "6", "z2.example.org") "]}");
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, NULL, &err), 2);
	CHECK_INT(kube_store_count(s, KUBE_LIST_INGRESSES), 2);

	const char *added = EVENT_OBJ("Ingress", "networking.k8s.io/v1", "\"metadata\":{\"name\":\"n\",\"namespace\":\"c\","
				      "\"resourceVersion\":\"7\"}}");
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_ADDED, added, strlen(added), NULL, &err), 1);
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_MODIFIED, added, strlen(added), NULL, &err), 0);
	CHECK_STR(keys(s, KUBE_LIST_INGRESSES, &b), "a/z b/x c/n ");
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_DELETED, added, strlen(added), NULL, &err), 1);
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_DELETED, added, strlen(added), NULL, &err), 0);
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_ADDED, "[1]", 3, NULL, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "invalid JSON object"));

	/* A list that is not valid JSON leaves the store as it was. */
	set_page(&l, KUBE_LIST_INGRESSES, "{\"kind\":\"IngressList\",\"items\":[" INGRESS("q", "q", "1", "q.example.org"));
	buf_reset(&err);
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, NULL, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "GET http://api/test"));
	CHECK_STR(keys(s, KUBE_LIST_INGRESSES, &b), "a/z b/x ");

	/* RouteGroups are known while listed, unknown once dropped. */
	CHECK(!kube_store_routegroups_known(s));
	set_page(&l, KUBE_LIST_ROUTEGROUPS, "{\"kind\":\"RouteGroupList\",\"items\":[]}");
	CHECK_INT(kube_store_replace(s, KUBE_LIST_ROUTEGROUPS, &l, NULL, &err), 0);
	CHECK(kube_store_routegroups_known(s));
	CHECK_INT(kube_store_drop(s, KUBE_LIST_INGRESSES, NULL), 2);
	kube_store_drop(s, KUBE_LIST_ROUTEGROUPS, NULL);
	CHECK(!kube_store_routegroups_known(s));
	CHECK_INT(kube_store_bytes(s), 0);

	set_page(&l, KUBE_LIST_INGRESSES, "");
	kube_store_free(s);
	buf_free(&err);
	buf_free(&b);
	free(l.pages[0].ptr);
	free(l.pages);
	free(l.urls[0]);
	free(l.urls);
}

/* The served bytes of a table compiled from lists as a poll fetched them. */
static void poll_table(const pipeline_options *po, const char *ingresses, const char *services, const char *endpoints,
		       buf *out)
{
	kube_fetch_result r = { 0 };
	set_page(&r.lists[KUBE_LIST_INGRESSES], KUBE_LIST_INGRESSES, ingresses);
	set_page(&r.lists[KUBE_LIST_SERVICES], KUBE_LIST_SERVICES, services);
	set_page(&r.lists[KUBE_LIST_ENDPOINTS], KUBE_LIST_ENDPOINTS, endpoints);
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	CHECK_INT(pipeline_load_fetched(po, &r, t, &err), 0);
	pipeline_process(po, t);
	served_form_print(out, t);
	route_table_free(t);
	buf_free(&err);
}

static void store_table(const pipeline_options *po, const kube_store *s, buf *out, int want_rc)
{
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	CHECK_INT(pipeline_load_store(po, s, t, &err), want_rc);
	if (want_rc == 0) {
		pipeline_process(po, t);
		served_form_print(out, t);
	} else {
		buf_puts(out, err.ptr ? err.ptr : "");
	}
	route_table_free(t);
	buf_free(&err);
}

TEST(the_store_compiles_to_the_table_a_poll_compiles)
{
	kube_options ko;
	route_processing rp;
	kube_options_init(&ko);
	route_processing_init(&rp);
	buf err = BUF_INIT;
	CHECK_INT(kube_options_finish(&ko, &err), 0);
	CHECK_INT(route_processing_finish(&rp, &err), 0);
	pipeline_options po = { .kube = &ko, .process = &rp };

	const char *ing = "{\"kind\":\"IngressList\",\"items\":[" INGRESS("b", "x", "3", "x.example.org") "," INGRESS("a", "z", "4", "z.example.org") "]}";
	const char *svc = "{\"kind\":\"ServiceList\",\"items\":[" SERVICE("a") "," SERVICE("b") "]}";
	const char *eps = "{\"kind\":\"EndpointsList\",\"items\":[" ENDPOINTS("a", "5", "10.2.0.1") "," ENDPOINTS("b", "6", "10.2.0.2") "]}";
	kube_store *s = kube_store_new(true);
	kube_list l = { 0 };
	set_page(&l, KUBE_LIST_INGRESSES, ing);
	kube_store_replace(s, KUBE_LIST_INGRESSES, &l, NULL, &err);
	set_page(&l, KUBE_LIST_SERVICES, svc);
	kube_store_replace(s, KUBE_LIST_SERVICES, &l, NULL, &err);
	set_page(&l, KUBE_LIST_ENDPOINTS, eps);
	kube_store_replace(s, KUBE_LIST_ENDPOINTS, &l, NULL, &err);
	buf polled = BUF_INIT, watched = BUF_INIT;
	poll_table(&po, ing, svc, eps, &polled);
	store_table(&po, s, &watched, 0);
	CHECK(polled.len > 0 && strstr(polled.ptr, "10.2.0.2"));
	CHECK_STR(watched.ptr, polled.ptr);

	/* An endpoint address changes by event: the table a poll of the new state gives. */
	const char *moved = EVENT_OBJ("Endpoints", "v1", ENDPOINTS_MEMBERS("b", "8", "10.2.0.9"));
	CHECK_INT(kube_store_apply(s, KUBE_LIST_ENDPOINTS, KUBE_WATCH_MODIFIED, moved, strlen(moved), NULL, &err), 1);
	buf_reset(&polled);
	buf_reset(&watched);
	poll_table(&po, ing, svc, "{\"kind\":\"EndpointsList\",\"items\":[" ENDPOINTS("a", "5", "10.2.0.1") "," ENDPOINTS("b", "8", "10.2.0.9") "]}",
		   &polled);
	store_table(&po, s, &watched, 0);
	CHECK(strstr(polled.ptr, "10.2.0.9") && !strstr(polled.ptr, "10.2.0.2"));
	CHECK_STR(watched.ptr, polled.ptr);

	/* A field of the wrong type fails the load as it fails a poll, naming the object. */
	const char *bad = EVENT_OBJ("Service", "v1", "\"metadata\":{\"name\":\"bad\",\"namespace\":\"c\"},"
				    "\"spec\":{\"ports\":[{\"port\":\"80\"}]}}");
	kube_store_apply(s, KUBE_LIST_SERVICES, KUBE_WATCH_ADDED, bad, strlen(bad), NULL, &err);
	buf_reset(&watched);
	store_table(&po, s, &watched, -1);
	CHECK_STR(watched.ptr, "failed to load cluster state: watched Services: Service c/bad: field spec.ports[0].port: "
			       "cannot unmarshal string into integer");

	kube_store_free(s);
	list_free(&l);
	buf_free(&polled);
	buf_free(&watched);
	buf_free(&err);
	route_processing_free(&rp);
	kube_options_free(&ko);
}

/* What a change tells: "ADDED ns/name <rv in text>" per object, one per line. */
static void told(void *ctx, kube_list_id id, kube_watch_type type, str ns, str name, const char *text, size_t len)
{
	static const char *types[] = { "ADDED", "MODIFIED", "DELETED" };
	buf *b = ctx;
	buf_printf(b, "%s %s %.*s/%.*s", types[type], kube_list_kind(id), (int)ns.len, ns.ptr, (int)name.len, name.ptr);
	if (text) {   /* the text has kind and apiVersion first, as a watch event's object */
		const char *rv = strstr(text, "\"resourceVersion\":\"");
		CHECK(len > 0 && strncmp(text, "{\"kind\":\"", 9) == 0 && rv);
		if (rv)
			buf_printf(b, " rv=%.*s", (int)strcspn(rv + 19, "\""), rv + 19);
	}
	buf_putc(b, '\n');
}

TEST(changes_are_told_and_a_store_without_text_keeps_versions)
{
	kube_store *s = kube_store_new(false);
	kube_list l = { 0 };
	buf err = BUF_INIT, b = BUF_INIT;
	kube_store_change fn = { told, &b, false };
	set_page(&l, KUBE_LIST_INGRESSES, "{\"kind\":\"IngressList\",\"items\":[" INGRESS("a", "x", "3", "x.example.org") ","
		 INGRESS("b", "y", "4", "y.example.org") "]}");
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, &fn, &err), 2);
	CHECK_STR(b.ptr, "ADDED Ingress a/x rv=3\nADDED Ingress b/y rv=4\n");
	/* only resourceVersions are held: a few bytes, no text */
	CHECK(kube_store_bytes(s) == 2);
	/* A list (after a 410, a relist) tells what differs from the store: y changed, x went, z came. */
	buf_reset(&b);
	set_page(&l, KUBE_LIST_INGRESSES, "{\"kind\":\"IngressList\",\"items\":[" INGRESS("b", "y", "5", "y2.example.org") ","
		 INGRESS("c", "z", "6", "z.example.org") "]}");
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, &fn, &err), 3);
	CHECK_STR(b.ptr, "MODIFIED Ingress b/y rv=5\nADDED Ingress c/z rv=6\nDELETED Ingress a/x\n");
	/* The same list again: nothing told. */
	buf_reset(&b);
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, &fn, &err), 0);
	CHECK(b.len == 0);
	/* ... unless every object is asked for (a consumer that starts afresh) */
	kube_store_change every = { told, &b, true };
	CHECK_INT(kube_store_replace(s, KUBE_LIST_INGRESSES, &l, &every, &err), 0);
	CHECK_STR(b.ptr, "ADDED Ingress b/y rv=5\nADDED Ingress c/z rv=6\n");
	buf_reset(&b);
	/* Events: a repeat of the stored version tells nothing. */
	const char *ev = EVENT_OBJ("Ingress", "networking.k8s.io/v1", "\"metadata\":{\"name\":\"z\",\"namespace\":\"c\","
				   "\"resourceVersion\":\"6\"}}");
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_MODIFIED, ev, strlen(ev), &fn, &err), 0);
	CHECK(b.len == 0);
	const char *ev2 = EVENT_OBJ("Ingress", "networking.k8s.io/v1", "\"metadata\":{\"name\":\"z\",\"namespace\":\"c\","
				    "\"resourceVersion\":\"7\"}}");
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_MODIFIED, ev2, strlen(ev2), &fn, &err), 1);
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_DELETED, ev2, strlen(ev2), &fn, &err), 1);
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_DELETED, ev2, strlen(ev2), &fn, &err), 0);
	CHECK_STR(b.ptr, "MODIFIED Ingress c/z rv=7\nDELETED Ingress c/z\n");
	/* An object without a resourceVersion keeps its text: its bytes are its version. */
	buf_reset(&b);
	const char *bare = EVENT_OBJ("Ingress", "networking.k8s.io/v1", "\"metadata\":{\"name\":\"q\",\"namespace\":\"d\"}}");
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_ADDED, bare, strlen(bare), NULL, &err), 1);
	CHECK_INT(kube_store_apply(s, KUBE_LIST_INGRESSES, KUBE_WATCH_MODIFIED, bare, strlen(bare), NULL, &err), 0);
	CHECK(kube_store_bytes(s) == 1 + strlen(bare));
	/* A dropped type tells each object gone. */
	CHECK_INT(kube_store_drop(s, KUBE_LIST_INGRESSES, &fn), 2);
	CHECK(strstr(b.ptr, "DELETED Ingress b/y\n") && strstr(b.ptr, "DELETED Ingress d/q\n"));
	CHECK_INT(kube_store_bytes(s), 0);

	kube_store_free(s);
	list_free(&l);
	buf_free(&err);
	buf_free(&b);
}

int main(void)
{
	RUN(lists_replace_events_apply_in_key_order);
	RUN(the_store_compiles_to_the_table_a_poll_compiles);
	RUN(changes_are_told_and_a_store_without_text_keeps_versions);
	return TEST_SUMMARY();
}
