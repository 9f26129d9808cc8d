/* routesrv-fetch: list the Kubernetes objects routesrv compiles, as one JSON List; with
 * -watch, stream them and every change as JSON lines until interrupted.
 * Exit status: 0 ok (-watch: after SIGINT or SIGTERM), 2 usage or configuration error,
 * 3 API or network error (-watch: the first list of a kind failed). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/hmap.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/output_file.h"
#include "pipeline/pipeline.h"
#include "source/kube_watch.h"

#define EXIT_API 3

static const char *output_path, *config_file;
static bool log_json, watch_flag;

/* Of the conversion flags, fetch uses those that change what is listed. */
static bool fetch_uses(const char *name)
{
	size_t n = strlen(name), s = strlen("-label-selector");
	return strcmp(name, "enable-kubernetes-endpointslices") == 0 ||
	       (n > s && strcmp(name + n - s, "-label-selector") == 0);
}

static opt_def *build_table(kube_client_config *cfg, kube_options *ko, kube_watch_config *wc)
{
	const opt_def output[] = {
		{ .name = "output-group", .kind = OPT_GROUP, .help = "Output and logging" },
		{ .name = "o", .kind = OPT_STRING, .target = &output_path, .metavar = "FILE", .completion = "file",
		  .help = "write the List to FILE (replaced only on success) instead of stdout" },
		{ .name = "application-log-json-enabled", .kind = OPT_BOOL, .target = &log_json, .help = "log as JSON lines" },
		{ .name = "config-file", .kind = OPT_STRING, .target = &config_file, .metavar = "FILE", .completion = "file",
		  .help = "YAML file of flag values (command-line flags win)" },
		{ .name = "watch", .kind = OPT_BOOL, .target = &watch_flag,
		  .help = "stream every object as an ADDED event, then each change, as JSON lines until interrupted" },
	};
	opt_table t = { 0 };
	size_t nc, nk;
	const opt_def *client = kube_client_config_flags(cfg, &nc);
	opt_table_add(&t, client, nc);
	opt_table_add(&t, &(opt_def){ .name = "selection-group", .kind = OPT_GROUP, .help = "What to list" }, 1);
	const opt_def *conv = kube_options_flags(ko, &nk);
	for (size_t i = 0; i < nk; i++)
		if (conv[i].name && conv[i].kind != OPT_GROUP && fetch_uses(conv[i].name))
			opt_table_add(&t, &conv[i], 1);
	opt_table_add(&t, output, sizeof output / sizeof *output);
	for (size_t i = 0; i < nk; i++)   /* and the same log level flag as the other commands */
		if (conv[i].name && strcmp(conv[i].name, "application-log-level") == 0)
			opt_table_add(&t, &conv[i], 1);
	size_t nw;
	const opt_def *watch = kube_watch_config_flags(wc, &nw);
	opt_table_add(&t, watch, nw);
	return opt_table_done(&t);
}

/* An empty -o, like -o -, means standard output. */
static int write_output(const kube_list_text *t)
{
	buf err = BUF_INIT;
	const char *path = output_path && *output_path ? output_path : "-";
	int rc = output_file_write(path, t->pieces, t->n, &err);
	if (rc != 0)
		log_printf(LOG_ERROR, "%s", err.ptr);
	buf_free(&err);
	return rc;
}

/* --- -watch: events as JSON lines ------------------------------------------------------------ */

/* What was printed of an object last: its text (with kind and apiVersion) and its RV. */
typedef struct {
	char *text, *rv;
	unsigned long listed;     /* the list generation that last held it */
} known_object;

typedef struct {
	hmap known[KUBE_NLISTS];  /* "namespace\0name" -> known_object* */
	unsigned long generation;
	kube_list_id id;          /* the list being applied */
	buf line;
} watch_state;

static str object_key(buf *tmp, const kube_list_item *it)
{
	buf_reset(tmp);
	buf_append(tmp, it->ns ? it->ns : "", it->nslen);
	buf_putc(tmp, 0);
	buf_append(tmp, it->name ? it->name : "", it->namelen);
	return (str){ tmp->ptr, tmp->len };
}

/* One event line: {"type":"<type>","object":<text>}. Raw line breaks (only possible between
 * tokens in valid JSON) become spaces, so that every event is one line. */
static void print_event(watch_state *ws, const char *type, const char *text, size_t len)
{
	buf *l = &ws->line;
	buf_reset(l);
	buf_printf(l, "{\"type\":\"%s\",\"object\":", type);
	size_t at = l->len;
	buf_append(l, text, len);
	for (size_t i = at; i < l->len; i++)
		if (l->ptr[i] == '\n' || l->ptr[i] == '\r')
			l->ptr[i] = ' ';
	buf_puts(l, "}\n");
	if (fwrite(l->ptr, 1, l->len, stdout) != l->len || fflush(stdout) != 0) {
		log_printf(LOG_ERROR, "writing the events: standard output failed");
		exit(1);
	}
}

static void forget(known_object *k)
{
	free(k->text);
	free(k->rv);
	free(k);
}

static bool same_version(const known_object *k, const kube_list_item *it, const char *text)
{
	if (k->rv && it->rv)
		return strlen(k->rv) == it->rvlen && memcmp(k->rv, it->rv, it->rvlen) == 0;
	return strcmp(k->text, text) == 0;   /* no RVs to compare (not an API server) */
}

/* Records the object's latest version; returns the event it makes (NULL: none). */
static const char *remember(watch_state *ws, kube_list_id id, const kube_list_item *it, char *text)
{
	buf key = BUF_INIT;
	str k = object_key(&key, it);
	known_object *old = hmap_get(&ws->known[id], k);
	const char *event = !old ? "ADDED" : same_version(old, it, text) ? NULL : "MODIFIED";
	known_object *now = calloc(1, sizeof *now);
	if (!now)
		abort();
	now->text = text;
	now->rv = it->rv ? strndup(it->rv, it->rvlen) : NULL;
	now->listed = ws->generation;
	hmap_put(&ws->known[id], k, now);
	if (old)
		forget(old);
	buf_free(&key);
	return event;
}

static void list_item(void *ctx, const kube_list_item *it)
{
	watch_state *ws = ctx;
	buf text = BUF_INIT;
	kube_list_item_print(&text, kube_list_kind(ws->id), kube_list_api_version(ws->id), it);
	size_t len = text.len;
	char *owned = buf_steal(&text, NULL);
	const char *event = remember(ws, ws->id, it, owned);
	if (event)
		print_event(ws, event, owned, len);
}

static int by_key(const void *a, const void *b)
{
	const hmap_slot *x = *(const hmap_slot *const *)a, *y = *(const hmap_slot *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* DELETED for every known object of a kind not listed in generation `keep` (all: 0), in
 * namespace/name order. */
static void delete_unlisted(watch_state *ws, kube_list_id id, unsigned long keep)
{
	hmap *m = &ws->known[id];
	const hmap_slot **gone = malloc((m->n ? m->n : 1) * sizeof *gone);
	if (!gone)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].key && ((known_object *)m->slots[i].value)->listed != keep)
			gone[n++] = &m->slots[i];
	qsort(gone, n, sizeof *gone, by_key);
	char **keys = malloc((n ? n : 1) * sizeof *keys);
	size_t *lens = malloc((n ? n : 1) * sizeof *lens);
	if (!keys || !lens)
		abort();
	for (size_t i = 0; i < n; i++) {   /* the slots move as entries are deleted: keys first */
		known_object *k = gone[i]->value;
		print_event(ws, "DELETED", k->text, strlen(k->text));
		lens[i] = gone[i]->len;
		if (!(keys[i] = malloc(lens[i] + 1)))   /* "namespace\0name": not a C string */
			abort();
		memcpy(keys[i], gone[i]->key, lens[i] + 1);
	}
	for (size_t i = 0; i < n; i++) {
		forget(hmap_del(m, (str){ keys[i], lens[i] }));
		free(keys[i]);
	}
	free(keys);
	free(lens);
	free(gone);
}

/* A complete list: ADDED and MODIFIED for what is new, DELETED for what is gone (a list
 * after a 410 may differ from what the events said). */
static void on_list(void *ctx, kube_list_id id, kube_list *list)
{
	watch_state *ws = ctx;
	buf err = BUF_INIT;
	ws->id = id;
	ws->generation++;
	if (kube_list_items(list, list_item, ws, &err) != 0) {
		log_printf(LOG_ERROR, KUBE_LOAD_ERROR "%s", err.ptr);
		exit(EXIT_API);
	}
	delete_unlisted(ws, id, ws->generation);
	buf_free(&err);
}

static void on_event(void *ctx, kube_list_id id, kube_watch_type type, const char *object, size_t len, double arrived)
{
	(void)arrived;
	watch_state *ws = ctx;
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED" };
	kube_list_item it;
	buf err = BUF_INIT;
	if (kube_object_item(object, len, &it, &err) != 0) {   /* kube_watch checked it: cannot happen */
		log_printf(LOG_ERROR, "a %s event: %s", kube_list_kind(id), err.ptr);
		buf_free(&err);
		return;
	}
	print_event(ws, names[type], object, len);
	if (type == KUBE_WATCH_DELETED) {
		buf key = BUF_INIT;
		known_object *k = hmap_del(&ws->known[id], object_key(&key, &it));
		if (k)
			forget(k);
		buf_free(&key);
	} else {
		remember(ws, id, &it, strndup(object, len));
	}
}

static void on_gone(void *ctx, kube_list_id id)
{
	delete_unlisted(ctx, id, 0);
}

/* Streams events until SIGINT or SIGTERM; exit status as main's. */
static int watch_events(kube_client *client, const pipeline_options *po, const kube_watch_config *wc)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	watch_state ws = { .line = BUF_INIT };
	kube_fetch_request req;
	pipeline_fetch_request(po, &req);
	kube_watch_handler h = { on_list, on_event, on_gone, &ws };
	kube_watch *w = kube_watch_new(client, &req, wc, &h);
	int status = 0;
	for (;;) {
		struct timespec tick;
		clock_gettime(CLOCK_MONOTONIC, &tick);
		tick.tv_sec += 1;
		if (kube_watch_run(w, sfd, &tick) == 1)
			break;   /* interrupted */
		buf err = BUF_INIT;
		if (!kube_watch_synced(w) && kube_watch_first_list_failed(w, &err)) {
			const char *hint = kube_client_hint(client);
			log_printf(LOG_ERROR, KUBE_LOAD_ERROR "%s%s%s", err.ptr, hint ? "; " : "", hint ? hint : "");
			buf_free(&err);
			status = EXIT_API;
			break;
		}
		buf_free(&err);
	}
	kube_watch_free(w);
	for (int i = 0; i < KUBE_NLISTS; i++) {
		for (size_t j = 0; j < ws.known[i].nslots; j++)
			if (ws.known[i].slots[j].key)
				forget(ws.known[i].slots[j].value);
		hmap_free(&ws.known[i]);
	}
	buf_free(&ws.line);
	close(sfd);
	return status;
}

int main(int argc, char **argv)
{
	kube_client_config cfg;
	kube_options ko;
	kube_watch_config wc;
	kube_watch_config_init(&wc);
	kube_client_config_init(&cfg);
	cfg.discovery = KUBE_DISCOVER_KUBECTL;   /* a tool next to kubectl connects where kubectl does */
	kube_options_init(&ko);
	opt_command cmd = {
		.name = "routesrv-fetch",
		.usage = "[flags]",
		.summary = "List the Ingresses, RouteGroups, Services and Endpoints(Slices) routesrv compiles, "
			   "as one JSON List.",
		.opts = build_table(&cfg, &ko, &wc),
		.min_operands = 0,
		.max_operands = 0,
	};
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);

	buf err = BUF_INIT;
	if (kube_options_finish(&ko, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	log_setup(log_json, ko.app_log_level);
	pipeline_options po = { .kube = &ko };

	if (kube_watch_config_check(&wc, &err) != 0)
		opt_usage_error(&cmd, "%s", err.ptr);
	if (watch_flag && output_path && *output_path && strcmp(output_path, "-") != 0)
		opt_usage_error(&cmd, "-watch streams to standard output: it does not combine with -o");
	kube_client *client = kube_client_new(&cfg, &err);
	if (!client)
		opt_usage_error(&cmd, "%s", err.ptr);
	if (watch_flag) {
		int rc = watch_events(client, &po, &wc);
		buf_free(&err);
		kube_client_free(client);
		kube_options_free(&ko);
		return rc;
	}

	int status = 0;
	kube_fetch_result res;
	kube_list_text out;
	if (pipeline_fetch(&po, client, &res, &err) != 0) {
		const char *hint = kube_client_hint(client);
		log_printf(LOG_ERROR, "%s%s%s", err.ptr, hint ? "; " : "", hint ? hint : "");
		status = EXIT_API;
	} else {
		if (kube_fetch_result_list_text(&res, &out, &err) != 0) {
			log_printf(LOG_ERROR, "%s", err.ptr);
			status = EXIT_API;
		} else {
			if (write_output(&out) != 0)
				status = 1;
			kube_list_text_free(&out);
		}
		kube_fetch_result_free(&res);
	}
	buf_free(&err);
	kube_client_free(client);
	kube_options_free(&ko);
	return status;
}
