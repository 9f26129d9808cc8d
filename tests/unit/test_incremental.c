/* The incremental pipeline's invariant (pipeline/incremental.h), as a property: after any
 * sequence of object events, the bytes it serves (full document, its gzip members
 * decompressed, ETags, count, zone documents and their gzip bodies) equal what a full
 * compile of the same objects serves (pipeline_load_buffer + pipeline_process +
 * pipeline_serve + pipeline_serve_zones).
 *
 * Sequences are random and seeded (INCR_SEED=N to replay; the seed is printed with every
 * failure): every object added in random order, then modified (one letter or digit of its
 * text changed: an address, a port, a path, a host, a name, an annotation), deleted and
 * added again, sometimes several events per publish; compared after every publish.
 * Over every fixture set of tests/conformance/skipper (with its .kube flags, through
 * tests/conformance/kube-flags, and again with the cluster-wide routes and the processing
 * flags on) and over generated clusters (bench/compile/gen, both modes).
 * Log lines of the compiles (and a sanitizer's report) go to /tmp/test_incremental.<pid>.log
 * (its name is printed first), to stderr with INCR_VERBOSE set. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/gzip.h"
#include "base/input_read.h"
#include "base/opt.h"
#include "base/xalloc.h"
#include "pipeline/incremental.h"
#include "pipeline/pipeline.h"
#include "test.h"

static unsigned long long seed, rng;
/* -max-zones of the state under test and of its reference (small in some sequences: the cap
 * is checked too) */
static size_t max_zones = ZONE_DEFAULT_MAX_ZONES;
static size_t sets_run, publishes_checked;

static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t pick(size_t n)
{
	return n ? (size_t)(next_rand() % n) : 0;
}

/* --- objects as the test keeps them --------------------------------------------------------- */

typedef struct {
	incremental_kind kind;
	char *ns, *name;
	char *orig;            /* the fixture's text of it */
	char *now;             /* what the state has: NULL when deleted */
} tobj;

typedef struct {
	tobj *v;
	size_t n;
	bool json;             /* pieces are JSON items (reference: a List), else YAML documents */
} tcluster;

static void tcluster_free(tcluster *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].ns);
		free(c->v[i].name);
		free(c->v[i].orig);
		free(c->v[i].now);
	}
	free(c->v);
	*c = (tcluster){ 0 };
}

/* Adds one object text if it decodes to one object of a kind the pipeline uses; a later
 * text of the same object is a new version of it (its first text stays its original). */
static void add_piece(tcluster *c, const char *text, size_t len)
{
	kube_cluster *k = kube_cluster_new();
	buf err = BUF_INIT;
	int rc = kube_read_buffer(k, text, len, "piece", NULL, NULL, &err);
	buf_free(&err);
	incremental_kind kind = INCR_INGRESS;
	const kube_meta *m = NULL;
	if (rc == 0 && k->ningresses + k->nroutegroups + k->nservices + k->nendpoints + k->nslices == 1) {
		if (k->ningresses) m = &k->ingresses[0].meta, kind = INCR_INGRESS;
		if (k->nroutegroups) m = &k->routegroups[0].meta, kind = INCR_ROUTEGROUP;
		if (k->nservices) m = &k->services[0].meta, kind = INCR_SERVICE;
		if (k->nendpoints) m = &k->endpoints[0].meta, kind = INCR_ENDPOINTS;
		if (k->nslices) m = &k->slices[0].meta, kind = INCR_ENDPOINTSLICE;
	}
	if (m) {
		char *ns = xstrndup(m->ns.ptr, m->ns.len), *name = xstrndup(m->name.ptr, m->name.len);
		size_t i = 0;
		while (i < c->n && !(c->v[i].kind == kind && !strcmp(c->v[i].ns, ns) && !strcmp(c->v[i].name, name)))
			i++;
		if (i == c->n) {
			c->v = realloc(c->v, (c->n + 1) * sizeof *c->v);
			c->v[c->n++] = (tobj){ .kind = kind, .ns = ns, .name = name, .orig = strndup(text, len) };
		} else {
			free(ns);
			free(name);
			free(c->v[i].orig);
			c->v[i].orig = strndup(text, len);
		}
	}
	kube_cluster_free(k);
}

/* YAML documents split at "---" lines. */
static void split_yaml(tcluster *c, const char *text, size_t len)
{
	size_t start = 0;
	for (size_t p = 0; p <= len; p++) {
		bool at_line = p == 0 || text[p - 1] == '\n';
		bool sep = p == len || (at_line && len - p >= 3 && !memcmp(text + p, "---", 3));
		if (!sep)
			continue;
		if (p > start)
			add_piece(c, text + start, p - start);
		const char *nl = p < len ? memchr(text + p, '\n', len - p) : NULL;
		start = nl ? (size_t)(nl - text) + 1 : len;
		if (nl)
			p = start - 1;
	}
}

/* bench/compile/gen's List: one item per line. */
static void split_json_lines(tcluster *c, const char *text, size_t len)
{
	c->json = true;
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - p;
		if (n > 1 && !strncmp(text + p, "{\"apiVersion\"", 13)) {
			if (text[p + n - 1] == ',')
				n--;
			add_piece(c, text + p, n);
		}
		p = end + 1;
	}
}

/* The order of the incremental store: kind, namespace, name. */
static int tobj_cmp(const void *x, const void *y)
{
	const tobj *a = *(tobj *const *)x, *b = *(tobj *const *)y;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	int r = strcmp(a->ns, b->ns);
	return r ? r : strcmp(a->name, b->name);
}

/* The document a full compile reads: the objects the state has, in the store's order. */
static void reference_doc(const tcluster *c, buf *doc)
{
	tobj **p = calloc(c->n ? c->n : 1, sizeof *p);
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].now)
			p[n++] = &c->v[i];
	qsort(p, n, sizeof *p, tobj_cmp);
	if (c->json)
		buf_puts(doc, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[\n");
	for (size_t i = 0; i < n; i++) {
		if (c->json && i)
			buf_puts(doc, ",\n");
		else if (!c->json)
			buf_puts(doc, "---\n");
		buf_puts(doc, p[i]->now);
		if (!c->json)
			buf_putc(doc, '\n');
	}
	if (c->json)
		buf_puts(doc, "\n]}\n");
	else if (n == 0)   /* no document at all is an error (issue 17), an empty List is not */
		buf_puts(doc, "kind: List\napiVersion: v1\nitems: []\n");
	free(p);
}

/* --- the comparison --------------------------------------------------------------------------- */

static bool same_bytes(const char *what, const char *got, size_t gn, const char *want, size_t wn,
		       const char *set, size_t step)
{
	if (gn == wn && (gn == 0 || !memcmp(got, want, gn)))
		return true;
	size_t at = 0;
	while (at < gn && at < wn && got[at] == want[at])
		at++;
	printf("  %s (seed %llu, step %zu): %s differs at byte %zu (got %zu bytes, want %zu)\n", set, seed, step, what,
	       at, gn, wn);
	if (getenv("INCR_DEBUG"))
		printf("GOT:\n%.*s\nWANT:\n%.*s\n", (int)gn, got, (int)wn, want);
	size_t from = at > 60 ? at - 60 : 0;
	printf("    got:  %.*s\n    want: %.*s\n", (int)((gn > from ? gn - from : 0) < 160 ? gn - from : 160),
	       got + from, (int)((wn > from ? wn - from : 0) < 160 ? wn - from : 160), want + from);
	return false;
}

static bool gunzip_equals(const char *what, const buf *gz, const char *want, size_t wn, const char *set,
			  size_t step)
{
	buf plain = BUF_INIT, err = BUF_INIT;
	int rc = gzip_decompress(&plain, gz->ptr ? gz->ptr : "", gz->len, (size_t)1 << 32, &err);
	bool ok = rc == 0 && same_bytes(what, plain.ptr, plain.len, want, wn, set, step);
	if (rc != 0)
		printf("  %s (seed %llu, step %zu): %s: %s\n", set, seed, step, what, err.ptr ? err.ptr : "");
	buf_free(&plain);
	buf_free(&err);
	return ok;
}

/* Zone document a (of the incremental state's publish got) equals b (of a full compile's w):
 * name, counts, ETags, the plain bytes and, where it has gzip segments, their gunzipped bytes. */
static bool same_zone(const zone_doc *a, const zone_doc *b, const incremental_served *got, const pipeline_served *w,
		      const char *set, size_t step)
{
	bool ok = same_bytes("zone", a->zone.ptr, a->zone.len, b->zone.ptr, b->zone.len, set, step);
	if (ok && (a->nfiltered != b->nfiltered || a->nshortened != b->nshortened)) {
		printf("  %s (seed %llu, step %zu): zone %s filters %zu, shortens %zu; want %zu, %zu\n", set, seed, step,
		       b->zone.ptr, a->nfiltered, a->nshortened, b->nfiltered, b->nshortened);
		ok = false;
	}
	if (!ok || !b->nshortened)
		return ok;   /* the full document's */
	buf pa = BUF_INIT, pb = BUF_INIT, ga = BUF_INIT;
	zone_doc_write(&pa, a, ZONE_PLAIN, got->served.full.doc.ptr);
	zone_doc_write(&pb, b, ZONE_PLAIN, w->full.doc.ptr);
	zone_doc_write(&ga, a, ZONE_GZIP, got->gzip.ptr);
	ok = same_bytes("zone document", pa.ptr, pa.len, pb.ptr, pb.len, set, step) &&
	     same_bytes("zone ETag", a->etag[0], strlen(a->etag[0]), b->etag[0], strlen(b->etag[0]), set, step) &&
	     same_bytes("zone gzip ETag", a->etag[1], strlen(a->etag[1]), b->etag[1], strlen(b->etag[1]), set, step) &&
	     (!a->nseg[ZONE_GZIP] || gunzip_equals("zone gzip body", &ga, pb.ptr, pb.len, set, step));
	buf_free(&pa);
	buf_free(&pb);
	buf_free(&ga);
	return ok;
}

/* The served table equals a full compile's; false (with a message) if not. */
static bool check_state(const pipeline_options *po, const tcluster *c, incremental *inc, const char *set, size_t step)
{
	const incremental_served *got = incremental_publish(inc, NULL);
	buf doc = BUF_INIT, err = BUF_INIT;
	reference_doc(c, &doc);
	route_table *t = route_table_new();
	int rc = pipeline_load_buffer(po, doc.ptr ? doc.ptr : "", doc.len, "reference", t, &err);
	bool ok = rc == 0;
	if (!ok)
		printf("  %s (seed %llu): reference does not load: %s\n", set, seed, err.ptr ? err.ptr : "");
	pipeline_served want;
	pipeline_process(po, t);
	pipeline_serve(t, &want);
	pipeline_serve_zones(t, &want, max_zones);
	const pipeline_served *g = &got->served;
	ok = ok && same_bytes("document", g->full.doc.ptr, g->full.doc.len, want.full.doc.ptr, want.full.doc.len, set, step);
	ok = ok && same_bytes("ETag", g->etag, strlen(g->etag), want.etag, strlen(want.etag), set, step);
	ok = ok && same_bytes("gzip ETag", g->etag_gzip, strlen(g->etag_gzip), want.etag_gzip, strlen(want.etag_gzip),
			      set, step);
	ok = ok && gunzip_equals("gzip body", &got->gzip, want.full.doc.ptr, want.full.doc.len, set, step);
	if (ok && g->count != want.count) {
		printf("  %s (seed %llu, step %zu): count %zu, want %zu\n", set, seed, step, g->count, want.count);
		ok = false;
	}
	if (ok && (g->zones->n != want.zones->n || g->zones->nzones != want.zones->nzones)) {
		printf("  %s (seed %llu, step %zu): %zu zones (of %zu), want %zu (of %zu)\n", set, seed, step, g->zones->n,
		       g->zones->nzones, want.zones->n, want.zones->nzones);
		ok = false;
	}
	for (size_t z = 0; ok && z < want.zones->n; z++)
		ok = same_zone(&g->zones->v[z], &want.zones->v[z], got, &want, set, step);
	publishes_checked++;
	pipeline_served_free(&want);
	route_table_free(t);
	buf_free(&doc);
	buf_free(&err);
	return ok;
}

/* --- events ---------------------------------------------------------------------------------------- */

static int send(incremental *inc, tobj *o, incremental_type type, char *text)
{
	incremental_event ev = { .type = type, .kind = o->kind, .ns = str_c(o->ns), .name = str_c(o->name),
				 .data = text, .len = text ? strlen(text) : 0 };
	buf err = BUF_INIT;
	int rc = incremental_apply(inc, &ev, &err);
	buf_free(&err);
	if (rc == 0) {
		if (o->now != text)
			free(o->now);
		o->now = type == INCR_DELETED ? NULL : text;
	} else if (text != o->now) {
		free(text);   /* refused: the state keeps the previous version */
	}
	if (type == INCR_DELETED)
		free(text);
	return rc;
}

/* A copy of text with one letter or digit changed to another of its class. */
static char *mutate(const char *text)
{
	char *m = strdup(text);
	size_t n = strlen(m);
	for (int tries = 0; tries < 64 && n; tries++) {
		size_t i = pick(n);
		char ch = m[i];
		if (ch >= '0' && ch <= '9')
			m[i] = (char)('0' + (ch - '0' + 1 + pick(9)) % 10);
		else if (ch >= 'a' && ch <= 'z')
			m[i] = (char)('a' + (ch - 'a' + 1 + pick(25)) % 26);
		else
			continue;
		break;
	}
	return m;
}

typedef struct {
	size_t adds_between_checks;   /* while adding: compare after every this many adds */
	size_t changes;               /* random changes after everything is added */
} plan;

/* Runs one random sequence over c; false at the first difference. */
static bool run_sequence(const pipeline_options *po, tcluster *c, const char *set, const plan *pl)
{
	max_zones = pick(3) == 0 ? 1 + pick(2) : ZONE_DEFAULT_MAX_ZONES;
	incremental *inc = incremental_new(po, max_zones);
	incremental_set_member_lines(inc, 1 + pick(4));   /* many members: their reuse is checked too */
	size_t step = 0, *order = calloc(c->n ? c->n : 1, sizeof *order);
	bool ok = check_state(po, c, inc, set, step++);
	for (size_t i = 0; i < c->n; i++)
		order[i] = i;
	for (size_t i = c->n; i > 1; i--) {
		size_t j = pick(i), t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; ok && i < c->n; i++) {
		tobj *o = &c->v[order[i]];
		send(inc, o, INCR_ADDED, strdup(o->orig));
		if ((i + 1) % pl->adds_between_checks == 0 || i + 1 == c->n)
			ok = check_state(po, c, inc, set, step++);
	}
	for (size_t k = 0; ok && c->n && k < pl->changes; k++) {
		size_t events = 1 + (pick(4) == 0 ? pick(3) : 0);   /* sometimes a burst */
		for (size_t e = 0; e < events; e++) {
			tobj *o = &c->v[pick(c->n)];
			size_t what = pick(10);
			if (what < 5 && o->now)
				send(inc, o, INCR_MODIFIED, mutate(o->now));
			else if (what < 7 && o->now)
				send(inc, o, INCR_DELETED, NULL);
			else
				send(inc, o, o->now ? INCR_MODIFIED : INCR_ADDED, strdup(o->orig));
		}
		ok = check_state(po, c, inc, set, step++);
	}
	free(order);
	incremental_free(inc);
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].now);
		c->v[i].now = NULL;
	}
	return ok;
}

/* --- options ------------------------------------------------------------------------------------- */

typedef struct {
	kube_options ko;
	route_processing rp;
	pipeline_options po;
} options;

/* Conversion flags as -name=value arguments (kube-flags output), and with `processing`
 * the cluster-wide routes and processing flags on. */
static bool options_init(options *op, char **args, size_t nargs, const char *filters_dir, bool processing)
{
	kube_options_init(&op->ko);
	route_processing_init(&op->rp);
	op->ko.healthcheck = false;
	op->ko.https_redirect = false;
	opt_table tab = { 0 };
	size_t n;
	const opt_def *d = kube_options_flags(&op->ko, &n);
	opt_table_add(&tab, d, n);
	d = route_processing_flags(&op->rp, &n);
	opt_table_add(&tab, d, n);
	opt_command cmd = { .name = "test_incremental", .usage = "", .summary = "", .opts = opt_table_done(&tab),
			    .max_operands = 0 };
	char **argv = calloc(nargs + 16, sizeof *argv);
	int argc = 0;
	argv[argc++] = "test_incremental";
	for (size_t i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	if (processing) {
		static char *more[] = { "-kubernetes-healthcheck=true", "-kubernetes-https-redirect=true",
					"-enable-oauth2-grant-flow", "-default-filters-prepend=tee(\"x\")",
					"-clone-route=/Path/PathSubtree/", "-edit-route=/setPath/modPath/" };
		for (size_t i = 0; i < sizeof more / sizeof *more; i++)
			argv[argc++] = more[i];
	}
	char **operands;
	int noperands;
	opt_parse(&cmd, argc, argv, &operands, &noperands);
	free(argv);
	if (filters_dir)
		op->ko.default_filters_dir = str_c(filters_dir);
	buf err = BUF_INIT;
	bool ok = kube_options_finish(&op->ko, &err) == 0 && route_processing_finish(&op->rp, &err) == 0;
	if (!ok)
		printf("  options: %s\n", err.ptr ? err.ptr : "");
	buf_free(&err);
	op->po = (pipeline_options){ .kube = &op->ko, .process = &op->rp };
	return ok;
}

static void options_free(options *op)
{
	route_processing_free(&op->rp);
	kube_options_free(&op->ko);
}

/* --- fixture sets ---------------------------------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *flags_dir;   /* kube-flags --batch output for every .kube file */

/* One set: its files (FILE.yaml, FILE.kube, FILE.default-filters), both option variants. */
static void run_set(const char *dir, const char *setname, char **files, size_t nfiles)
{
	tcluster c = { 0 };
	char *kube = NULL, *filters = NULL;
	char path[4096];
	for (size_t i = 0; i < nfiles; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		const char *ext = strrchr(files[i], '.');
		if (!strcmp(ext, ".yaml")) {
			buf text = BUF_INIT;
			CHECK_INT(input_read_file(path, SIZE_MAX, &text), 0);
			split_yaml(&c, text.ptr ? text.ptr : "", text.len);
			buf_free(&text);
		} else if (!strcmp(ext, ".kube")) {
			kube = strdup(path);
		} else if (!strcmp(ext, ".default-filters")) {
			filters = strdup(path);
		}
	}
	char **args = NULL;
	size_t nargs = 0;
	if (kube) {
		snprintf(path, sizeof path, "%s/%s.flags", flags_dir, kube);
		buf text = BUF_INIT;
		if (input_read_file(path, SIZE_MAX, &text) != 0) {   /* kube-flags refused it: the conformance runner says so */
			buf_free(&text);
			free(kube);
			free(filters);
			tcluster_free(&c);
			return;
		}
		for (char *line = strtok(text.ptr, "\n"); line; line = strtok(NULL, "\n")) {
			args = realloc(args, (nargs + 1) * sizeof *args);
			args[nargs++] = strdup(line);
		}
		buf_free(&text);
	}
	char name[4096];
	snprintf(name, sizeof name, "%s/%s", dir, setname);
	for (int processing = 0; processing <= 1; processing++) {
		options op;
		if (options_init(&op, args, nargs, filters, processing)) {
			plan pl = { .adds_between_checks = 1, .changes = 24 };
			CHECK(run_sequence(&op.po, &c, name, &pl));
		} else {
			CHECK(!"options of the set parse");
		}
		options_free(&op);
	}
	sets_run++;
	for (size_t i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	free(kube);
	free(filters);
	tcluster_free(&c);
}

/* Groups a directory's files into sets as tests/conformance/run does: FILE and every
 * name starting with "FILE." (sorted names; an entry without a dot is no set). */
static void run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	char path[4096];
	bool has_fixture = false;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && !strstr(names[i], ".default-filters"))
			run_dir(path);
		else if (strstr(names[i], ".yaml"))
			has_fixture = true;
	}
	for (size_t i = 0; has_fixture && i < n;) {
		char *dot = strrchr(names[i], '.');
		if (!dot) {
			i++;
			continue;
		}
		size_t klen = (size_t)(dot - names[i]), j = i;
		while (j < n && !strncmp(names[j], names[i], klen) && names[j][klen] == '.')
			j++;
		if (j == i) {
			i++;
			continue;
		}
		bool yaml = false;
		for (size_t k = i; k < j; k++)
			yaml |= strstr(names[k], ".yaml") != NULL;
		if (yaml) {
			char setname[1024];
			snprintf(setname, sizeof setname, "%.*s", (int)klen, names[i]);
			run_set(dir, setname, names + i, j - i);
		}
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Every .kube file under dir, as arguments for kube-flags --batch. */
static void collect_kube(const char *dir, buf *cmd)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			collect_kube(path, cmd);
		else if (strlen(e->d_name) > 5 && !strcmp(e->d_name + strlen(e->d_name) - 5, ".kube"))
			buf_printf(cmd, " '%s'", path);
	}
	closedir(d);
}

static char log_path[64];

static int quiet_logs(void)
{
	if (getenv("INCR_VERBOSE"))
		return -1;
	fflush(stderr);
	int saved = dup(2), log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (log < 0)
		return -1;
	dup2(log, 2);
	close(log);
	return saved;
}

static void restore_logs(int saved)
{
	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

TEST(every_fixture_set)
{
	if (!REQUIRE_DIR(TEST_FIXTURES))
		return;
	char tmpl[] = "/tmp/test_incremental.XXXXXX";
	flags_dir = mkdtemp(tmpl);
	CHECK(flags_dir != NULL);
	if (!flags_dir)
		return;
	buf cmd = BUF_INIT;
	const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
	buf_printf(&cmd, "%s tests/conformance/kube-flags --batch '%s'", py, flags_dir);
	collect_kube(TEST_FIXTURES, &cmd);
	int rc = system(cmd.ptr);
	CHECK_INT(rc, 0);
	buf_free(&cmd);
	int saved = quiet_logs();
	run_dir(TEST_FIXTURES);
	restore_logs(saved);
	printf("  %zu fixture sets, %zu publishes compared (seed %llu)\n", sets_run, publishes_checked, seed);
	CHECK(sets_run >= 250);   /* every set with objects: 259 .yaml files */
	buf rm = BUF_INIT;
	buf_printf(&rm, "rm -rf '%s'", flags_dir);
	CHECK_INT(system(rm.ptr), 0);
	buf_free(&rm);
}

/* The objects of bench/compile/gen APPS MODE. */
static void generate(tcluster *c, size_t apps, const char *mode)
{
	char cmdline[256];
	snprintf(cmdline, sizeof cmdline, "bench/compile/gen %zu %s", apps, mode);
	FILE *p = popen(cmdline, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	buf text = BUF_INIT;
	CHECK_INT(input_read_fd(fileno(p), SIZE_MAX, &text), 0);
	CHECK_INT(pclose(p), 0);
	split_json_lines(c, text.ptr ? text.ptr : "", text.len);
	buf_free(&text);
	CHECK(c->n >= 3 * apps);
}

static void generated_cluster(const char *mode, size_t apps, const char *const *flags, size_t nflags)
{
	char cmdline[256];
	snprintf(cmdline, sizeof cmdline, "bench/compile/gen %zu %s", apps, mode);
	tcluster c = { 0 };
	generate(&c, apps, mode);
	for (int processing = 0; processing <= 1; processing++) {
		options op;
		CHECK(options_init(&op, (char **)flags, nflags, NULL, processing));
		plan pl = { .adds_between_checks = c.n / 8 + 1, .changes = 40 };
		int saved = quiet_logs();
		bool ok = run_sequence(&op.po, &c, cmdline, &pl);
		restore_logs(saved);
		CHECK(ok);
		options_free(&op);
	}
	tcluster_free(&c);
}

/* Objects whose routes depend on each other without sharing a Service: Ingresses on one
 * host (catch-all, redirect twins), RouteGroups on one host (the same catch-all id), an
 * Ingress and a RouteGroup on one host. The fixture sets share Services too often to
 * show these alone. */
static const char shared_yaml[] =
	"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a1, namespace: n1}\n"
	"spec: {rules: [{host: shared.example.org, http: {paths: [{path: /a, pathType: Prefix, backend: {service: {name: sa, port: {number: 80}}}}]}}]}\n"
	"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a2, namespace: n2}\n"
	"spec: {rules: [{host: shared.example.org, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: sb, port: {number: 80}}}}]}}]}\n"
	"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a3, namespace: n3, annotations: {zalando.org/skipper-ingress-redirect: \"true\", zalando.org/skipper-ingress-redirect-code: \"301\"}}\n"
	"spec: {rules: [{host: shared.example.org, http: {paths: [{path: /c, pathType: Exact, backend: {service: {name: sc, port: {number: 80}}}}]}}]}\n"
	"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a4, namespace: n4, annotations: {zalando.org/skipper-ingress-redirect: \"false\"}}\n"
	"spec: {rules: [{host: other.example.org, http: {paths: [{path: /d, pathType: Prefix, backend: {service: {name: sd, port: {number: 80}}}}]}}, "
	"{host: shared.example.org, http: {paths: [{path: /e, pathType: Prefix, backend: {service: {name: sd, port: {number: 80}}}}]}}]}\n"
	"---\napiVersion: zalando.org/v1\nkind: RouteGroup\nmetadata: {name: r1, namespace: n1}\n"
	"spec: {hosts: [rg.example.org], backends: [{name: b, type: service, serviceName: se, servicePort: 80}], routes: [{path: /x, backends: [{backendName: b}]}]}\n"
	"---\napiVersion: zalando.org/v1\nkind: RouteGroup\nmetadata: {name: r2, namespace: n2}\n"
	"spec: {hosts: [rg.example.org, other.example.org], backends: [{name: b, type: service, serviceName: sf, servicePort: 80}], routes: [{path: /y, backends: [{backendName: b}]}]}\n"
	"---\napiVersion: zalando.org/v1\nkind: RouteGroup\nmetadata: {name: r3, namespace: n3}\n"
	"spec: {hosts: [rg.example.org], backends: [{name: b, type: shunt}], routes: [{pathSubtree: /, backends: [{backendName: b}]}]}\n";

static void add_service(buf *b, const char *ns, const char *name, int ip)
{
	buf_printf(b, "---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s}\n"
		   "spec: {type: ClusterIP, clusterIP: 10.3.0.%d, ports: [{name: http, port: 80, targetPort: 8080}]}\n"
		   "---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: %s, namespace: %s}\n"
		   "subsets: [{addresses: [{ip: 10.2.0.%d}, {ip: 10.2.1.%d}], ports: [{name: http, port: 8080}]}]\n",
		   name, ns, ip, name, ns, ip, ip);
}

/* shared_yaml with the first nservices of its six Services (and their Endpoints). */
static void shared_cluster(tcluster *c, int nservices)
{
	static const char *const services[][2] = { { "n1", "sa" }, { "n2", "sb" }, { "n3", "sc" },
						   { "n4", "sd" }, { "n1", "se" }, { "n2", "sf" } };
	buf text = BUF_INIT;
	buf_puts(&text, shared_yaml);
	for (int i = 0; i < nservices && i < 6; i++)
		add_service(&text, services[i][0], services[i][1], i + 1);
	split_yaml(c, text.ptr, text.len);
	buf_free(&text);
}

/* A state holding every object of c, logs quiet until state_close. */
typedef struct {
	tcluster c;
	options op;
	incremental *inc;
	int saved_logs;
} state;

static void state_open(state *st, const char *const *flags, size_t nflags)
{
	CHECK(options_init(&st->op, (char **)flags, nflags, NULL, false));
	max_zones = ZONE_DEFAULT_MAX_ZONES;
	st->inc = incremental_new(&st->op.po, max_zones);
	st->saved_logs = quiet_logs();
	for (size_t i = 0; i < st->c.n; i++)
		send(st->inc, &st->c.v[i], INCR_ADDED, strdup(st->c.v[i].orig));
}

static void state_close(state *st)
{
	restore_logs(st->saved_logs);
	incremental_free(st->inc);
	options_free(&st->op);
	for (size_t i = 0; i < st->c.n; i++) {
		free(st->c.v[i].now);
		st->c.v[i].now = NULL;
	}
	tcluster_free(&st->c);
}

TEST(objects_that_share_hosts_or_ids)
{
	tcluster c = { 0 };
	shared_cluster(&c, 6);
	CHECK_INT(c.n, 19);
	for (int processing = 0; processing <= 1; processing++) {
		options op;
		CHECK(options_init(&op, NULL, 0, NULL, processing));
		int saved = quiet_logs();
		for (int round = 0; round < 20; round++) {
			plan pl = { .adds_between_checks = 1, .changes = 30 };
			bool ok = run_sequence(&op.po, &c, "shared hosts and ids", &pl);
			CHECK(ok);
			if (!ok)
				break;
		}
		restore_logs(saved);
		options_free(&op);
	}
	tcluster_free(&c);
}

/* A refused event keeps the object's previous version, and says which object it was. */
TEST(an_event_that_does_not_decode_changes_nothing)
{
	state st = { 0 };
	shared_cluster(&st.c, 1);
	state_open(&st, NULL, 0);
	incremental *inc = st.inc;
	tcluster *c = &st.c;
	char before[ETAG_MAX];
	snprintf(before, sizeof before, "%s", incremental_publish(inc, NULL)->served.etag);
	tobj *ing = &c->v[0];
	incremental_event ev = { .type = INCR_MODIFIED, .kind = INCR_INGRESS, .ns = str_c(ing->ns),
				 .name = str_c(ing->name), .data = "{\"kind\": \"Ingress\", [", .len = 20 };
	buf err = BUF_INIT;
	CHECK_INT(incremental_apply(inc, &ev, &err), -1);
	CHECK(err.ptr && strstr(err.ptr, "kind=Ingress ns=n1 name=a1"));
	ev.data = "{\"kind\": \"Service\", \"metadata\": {\"name\": \"a1\", \"namespace\": \"n1\"}}";
	ev.len = strlen(ev.data);
	buf_reset(&err);
	CHECK_INT(incremental_apply(inc, &ev, &err), -1);   /* another kind under the Ingress's key */
	CHECK(err.ptr && strstr(err.ptr, "not one Ingress"));
	buf_free(&err);
	bool changed = true;
	const incremental_served *s = incremental_publish(inc, &changed);
	CHECK(!changed);
	CHECK_STR(s->served.etag, before);
	CHECK(check_state(&st.op.po, c, inc, "refused events", 1));
	state_close(&st);
}

/* Without the RouteGroup CRD no RouteGroup is compiled; when it appears they all are. */
TEST(routegroups_known_or_not)
{
	state st = { 0 };
	shared_cluster(&st.c, 6);
	state_open(&st, NULL, 0);
	incremental *inc = st.inc;
	tcluster c = st.c;   /* the same objects (v is shared) */
	const pipeline_options *po = &st.op.po;
	CHECK(check_state(po, &c, inc, "CRD present", 1));
	incremental_set_routegroups_known(inc, false);
	/* the reference: the same objects without the RouteGroups */
	char **rgs = calloc(c.n, sizeof *rgs);
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i].kind == INCR_ROUTEGROUP) {
			rgs[i] = c.v[i].now;
			c.v[i].now = NULL;
		}
	bool changed;
	incremental_publish(inc, &changed);
	CHECK(changed);
	CHECK(check_state(po, &c, inc, "CRD absent", 2));
	for (size_t i = 0; i < c.n; i++)
		if (rgs[i])
			c.v[i].now = rgs[i];
	free(rgs);
	incremental_set_routegroups_known(inc, true);
	CHECK(check_state(po, &c, inc, "CRD back", 3));
	state_close(&st);
}

/* --- zone documents: sparse, capped ------------------------------------------------------------- */

/* An EndpointSlice of svc-i: `n` endpoints, endpoint e in zones[e % nzones] ("" for none). */
static void add_slice(buf *b, int i, int n, const char *const *zones, int nzones)
{
	buf_printf(b, "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: svc-%d-x, namespace: ns, "
		   "labels: {kubernetes.io/service-name: svc-%d}}\naddressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints: [",
		   i, i);
	for (int e = 0; e < n; e++) {
		const char *z = zones[e % nzones];
		buf_printf(b, "%s{addresses: [10.%d.%d.%d], conditions: {ready: true}%s%s}", e ? ", " : "", i / 250, i % 250,
			   e + 1, *z ? ", zone: " : "", z);
	}
	buf_puts(b, "]\n");
}

/* Zoned services among many unzoned ones (zoned_services): the zone documents are mostly
 * slices and members of the full document, with a few lines of their own, more zones than a
 * small -max-zones keeps, and tenant zone names ("zu-<i>") that come and go. */
#define ZONE_APPS 1500
static const int zoned_services[] = { 0, 1, 2, 700, 999, 1000, 1499 };

static void zoned_cluster(tcluster *c)
{
	static const char *const none[] = { "" };
	buf text = BUF_INIT;
	for (int i = 0; i < ZONE_APPS; i++) {
		buf_printf(&text, "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: app-%d, namespace: ns}\n"
			   "spec: {rules: [{host: app-%d.example.org, http: {paths: [{path: /, pathType: Prefix, "
			   "backend: {service: {name: svc-%d, port: {number: 80}}}}]}}]}\n"
			   "---\napiVersion: v1\nkind: Service\nmetadata: {name: svc-%d, namespace: ns}\n"
			   "spec: {type: ClusterIP, clusterIP: 10.3.%d.%d, ports: [{name: http, port: 80, targetPort: 8080}]}\n",
			   i, i, i, i, i / 250, i % 250);
		int k = -1;
		for (size_t z = 0; z < sizeof zoned_services / sizeof *zoned_services; z++)
			if (zoned_services[z] == i)
				k = (int)z;
		if (k < 0) {
			add_slice(&text, i, 2, none, 1);
			continue;
		}
		char own[32];
		snprintf(own, sizeof own, "zu-%d", i);
		const char *const zones[] = { "za", "zb", own, k % 2 ? "za" : "zc" };
		add_slice(&text, i, 3 * (4 + k % 3), zones, 4);   /* 3 or more in each: every zone shortens */
	}
	split_yaml(c, text.ptr, text.len);
	buf_free(&text);
}

static tobj *find_tobj(tcluster *c, incremental_kind kind, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].kind == kind && !strcmp(c->v[i].name, name))
			return &c->v[i];
	return NULL;
}

TEST(zone_documents_sparse_and_capped)
{
	static const char *const flags[] = { "-enable-kubernetes-endpointslices" };
	state st = { 0 };
	zoned_cluster(&st.c);
	CHECK_INT(st.c.n, 3 * ZONE_APPS);
	state_open(&st, flags, 1);
	incremental_free(st.inc);
	for (size_t cap = 1; cap <= 12; cap += 5) {   /* 1, 6, 11 of the 10 zones */
		max_zones = cap;
		st.inc = incremental_new(&st.op.po, max_zones);
		incremental_set_member_lines(st.inc, 8);
		for (size_t i = 0; i < st.c.n; i++) {
			free(st.c.v[i].now);
			st.c.v[i].now = NULL;
			send(st.inc, &st.c.v[i], INCR_ADDED, strdup(st.c.v[i].orig));
		}
		size_t step = 0;
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned", step++));
		const incremental_served *got = incremental_publish(st.inc, NULL);
		CHECK_INT(got->served.zones->nzones, 10);   /* za zb zc and seven zu-<i> */
		CHECK_INT(got->served.zones->n, cap < 10 ? cap : 10);
		/* a zone document of a few lines is mostly the full one's slices: their bytes are not its own */
		for (size_t z = 0; z < got->served.zones->n; z++) {
			const zone_doc *zd = &got->served.zones->v[z];
			CHECK(zd->nshortened > 0 && zd->own.len < got->served.full.doc.len / 2);
			CHECK(zd->nseg[ZONE_PLAIN] > 1 && zd->nseg[ZONE_GZIP] > 1);
		}
		/* a tenant zone grows past the others, goes, comes back; an endpoint changes; an Ingress goes */
		static const char *const big[] = { "zu-700" };
		tobj *slice = find_tobj(&st.c, INCR_ENDPOINTSLICE, "svc-700-x");
		CHECK(slice != NULL);
		buf t = BUF_INIT;
		add_slice(&t, 700, 60, big, 1);
		send(st.inc, slice, INCR_MODIFIED, strdup(t.ptr + 4));   /* without the "---\n" */
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned: zu-700 grows", step++));
		send(st.inc, slice, INCR_DELETED, NULL);
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned: svc-700-x deleted", step++));
		send(st.inc, slice, INCR_ADDED, strdup(slice->orig));
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned: svc-700-x back", step++));
		send(st.inc, find_tobj(&st.c, INCR_ENDPOINTSLICE, "svc-999-x"), INCR_MODIFIED,
		     mutate(find_tobj(&st.c, INCR_ENDPOINTSLICE, "svc-999-x")->orig));
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned: svc-999-x changed", step++));
		send(st.inc, find_tobj(&st.c, INCR_INGRESS, "app-1000"), INCR_DELETED, NULL);
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned: app-1000 deleted", step++));
		send(st.inc, find_tobj(&st.c, INCR_INGRESS, "app-5"), INCR_DELETED, NULL);
		CHECK(check_state(&st.op.po, &st.c, st.inc, "zoned: app-5 deleted", step++));
		buf_free(&t);
		incremental_free(st.inc);
	}
	st.inc = NULL;
	state_close(&st);
}

TEST(generated_clusters)
{
	static const char *const ingress[] = { "-kubernetes-ingress-class=skipper" };
	static const char *const mixed[] = { "-enable-kubernetes-endpointslices" };   /* no topology zone: zone documents shorten */
	generated_cluster("ingress", 60, ingress, 1);
	generated_cluster("mixed", 60, mixed, 1);
}

/* Members are cut where the bytes say, so that a change recompresses only near itself. */
TEST(gzip_members_are_one_stream_and_reused)
{
	buf doc = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_printf(&doc, "%skube_ns__app%d__r: Path(\"/p%d\") -> \"http://10.0.%d.%d:80\";", i ? "\n" : "", i, i,
			   i / 250, i % 250);
	buf gz = BUF_INIT, plain = BUF_INIT, err = BUF_INIT;
	incremental_gzip_members(&gz, doc.ptr, doc.len);
	CHECK_INT(gzip_decompress(&plain, gz.ptr, gz.len, doc.len + 1, &err), 0);
	CHECK(plain.len == doc.len && !memcmp(plain.ptr, doc.ptr, doc.len));
	/* more than one member: a second gzip header after the first member */
	size_t headers = 0;
	for (size_t i = 0; i + 2 < gz.len; i++)
		headers += (unsigned char)gz.ptr[i] == 0x1f && (unsigned char)gz.ptr[i + 1] == 0x8b && gz.ptr[i + 2] == 8;
	CHECK(headers > 10);
	/* gunzip and Python's gzip read the members as one stream */
	char gzpath[] = "/tmp/test_incremental_gz.XXXXXX";
	int fd = mkstemp(gzpath);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, gz.ptr, gz.len) == (ssize_t)gz.len);
		close(fd);
		char plainpath[] = "/tmp/test_incremental_plain.XXXXXX";
		int pfd = mkstemp(plainpath);
		CHECK(write(pfd, doc.ptr, doc.len) == (ssize_t)doc.len);
		close(pfd);
		char cmd[512];
		snprintf(cmd, sizeof cmd, "gunzip -c < %s | cmp -s - %s", gzpath, plainpath);
		CHECK_INT(system(cmd), 0);
		snprintf(cmd, sizeof cmd,
			 "python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.decompress(open(sys.argv[1],\"rb\").read()))' %s | cmp -s - %s",
			 gzpath, plainpath);
		CHECK_INT(system(cmd), 0);
		unlink(gzpath);
		unlink(plainpath);
	}
	buf_free(&gz);
	buf_free(&plain);
	buf_free(&err);
	buf_free(&doc);
}

/* One Endpoints change compiles the one Ingress reading it, and the other members are reused. */
TEST(a_change_compiles_what_depends_on_it)
{
	state st = { 0 };
	generate(&st.c, 1000, "ingress");
	static const char *const flags[] = { "-kubernetes-ingress-class=skipper" };
	state_open(&st, flags, 1);
	incremental *inc = st.inc;
	tcluster c = st.c;   /* the same objects (v is shared) */
	incremental_publish(inc, NULL);
	incremental_stats before, after;
	incremental_get_stats(inc, &before);
	CHECK_INT(before.units, 1001);   /* 1000 Ingresses, each alone, and the cluster-wide routes */
	tobj *ep = NULL;
	for (size_t i = 0; i < c.n && !ep; i++)
		if (c.v[i].kind == INCR_ENDPOINTS && !strcmp(c.v[i].name, "app-100"))
			ep = &c.v[i];
	CHECK(ep != NULL);
	if (ep) {
		char *changed = strdup(ep->now), *ip = strstr(changed, "\"ip\":\"10.");
		CHECK(ip != NULL);
		if (ip)
			ip[8] = ip[8] == '9' ? '8' : '9';
		send(inc, ep, INCR_MODIFIED, changed);
		bool differs;
		incremental_publish(inc, &differs);
		CHECK(differs);
		incremental_get_stats(inc, &after);
		CHECK_INT(after.compiled_objects - before.compiled_objects, 1);
		CHECK(after.gzip_members_compressed <= 2);   /* the member of the changed line, */
		CHECK(after.gzip_members_reused >= 3);       /* of about 4000 / 512 + 1 */
	}
	CHECK(check_state(&st.op.po, &c, inc, "gen 1000", 1));
	state_close(&st);
}

int main(void)
{
	const char *s = getenv("INCR_SEED");
	seed = s ? strtoull(s, NULL, 10) : (unsigned long long)time(NULL) ^ (unsigned long long)getpid() << 16;
	rng = seed ? seed : 1;
	snprintf(log_path, sizeof log_path, "/tmp/test_incremental.%d.log", (int)getpid());
	printf("  seed %llu (INCR_SEED=%llu replays it), logs in %s\n", seed, seed, log_path);
	fflush(stdout);
	RUN(gzip_members_are_one_stream_and_reused);
	RUN(a_change_compiles_what_depends_on_it);
	RUN(objects_that_share_hosts_or_ids);
	RUN(an_event_that_does_not_decode_changes_nothing);
	RUN(routegroups_known_or_not);
	RUN(zone_documents_sparse_and_capped);
	RUN(generated_clusters);
	RUN(every_fixture_set);
	if (!test_failed)
		unlink(log_path);
	return TEST_SUMMARY();
}
