/* routesrv's table processing (A9, B7.3): default filters, OAuth2 callback route, editors,
 * clones, canonical sort; flag syntax and errors. Vectors from skipper's tests and the spec. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "eskip/eskip.h"
#include "table/served_form.h"
#include "base/log.h"
#include "go/regex.h"
#include "routes/route_process.h"
#include "test.h"

typedef struct {
	const char *prepend[3], *append[3], *edit[3], *clone[3];
	bool oauth2;
	const char *oauth2_path;   /* NULL: the default */
} flags;

static size_t count(const char *const *v)
{
	size_t n = 0;
	while (n < 3 && v[n])
		n++;
	return n;
}

static void set_flags(route_processing *p, const flags *f)
{
	p->flag.default_filters_prepend = (opt_list){ (const char **)f->prepend, count(f->prepend) };
	p->flag.default_filters_append = (opt_list){ (const char **)f->append, count(f->append) };
	p->flag.edit_route = (opt_list){ (const char **)f->edit, count(f->edit) };
	p->flag.clone_route = (opt_list){ (const char **)f->clone, count(f->clone) };
	p->enable_oauth2_grant_flow = f->oauth2;
	if (f->oauth2_path)
		p->flag.oauth2_callback_path = f->oauth2_path;
}

/* Parses eskip, processes it with f, returns the served form (static), or the finish error. */
static const char *process(const char *eskip, const flags *f)
{
	static buf out;
	buf_free(&out);
	route_processing p;
	route_processing_init(&p);
	set_flags(&p, f);
	if (route_processing_finish(&p, &out) != 0) {
		route_processing_free(&p);
		return out.ptr;
	}
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	if (eskip_parse(t, eskip, strlen(eskip), &err, NULL) != 0) {
		printf("  parse error: %s\n", err.ptr);
		buf_free(&err);
		route_table_free(t);
		route_processing_free(&p);
		return "(parse error)";
	}
	route_process(t, &p);
	served_form_print(&out, t);
	buf_putc(&out, 0);
	route_table_free(t);
	route_processing_free(&p);
	return out.ptr;
}

/* The flag error of a configuration (static), or NULL if it is valid. */
static const char *finish_error(const flags *f)
{
	static buf err;
	buf_free(&err);
	route_processing p;
	route_processing_init(&p);
	set_flags(&p, f);
	int rc = route_processing_finish(&p, &err);
	route_processing_free(&p);
	return rc == 0 ? NULL : err.ptr;
}

TEST(no_flags_is_canonical_sort)
{
	flags f = { 0 };
	CHECK_STR(process("b: Path(\"/b\") -> <shunt>; a: * -> \"http://a\";", &f),
		  "a: * -> \"http://a\";\nb: Path(\"/b\") -> <shunt>;");
}

TEST(edit_source_to_client_ip)
{
	flags f = { .edit = { "/Source[(](.*)[)]/ClientIP($1)/" } };
	CHECK_STR(process("r1_filter: Source(\"1.2.3.4/26\") -> status(201) -> <shunt>;", &f),
		  "r1_filter: ClientIP(\"1.2.3.4/26\") -> status(201) -> <shunt>;");
	CHECK_STR(process("r1_filter: Source(\"1.2.3.4/26\", \"10.5.5.0/24\") -> status(201) -> <shunt>;", &f),
		  "r1_filter: ClientIP(\"1.2.3.4/26\", \"10.5.5.0/24\") -> status(201) -> <shunt>;");
	/* A route without the predicate stays as it is. */
	CHECK_STR(process("r2: Path(\"/x\") -> status(201) -> <shunt>;", &f), "r2: Path(\"/x\") -> status(201) -> <shunt>;");
}

TEST(edit_filter)
{
	flags f = { .edit = { "/uniformRequestLatency[(](.*)[)]/normalRequestLatency($1)/" } };
	CHECK_STR(process("r: Path(\"/\") -> uniformRequestLatency(\"100ms\", \"10ms\") -> <shunt>;", &f),
		  "r: Path(\"/\") -> normalRequestLatency(\"100ms\", \"10ms\") -> <shunt>;");
}

TEST(edit_legacy_host_becomes_generic)
{
	/* The edited text is the canonical generic form: Host(/re/) renders as Host("re"). */
	flags f = { .edit = { "/Host[(](.*)[)]/HostAny($1)/" } };
	CHECK_STR(process("r: Host(/^(test[.]example[.]org[.]?(:[0-9]+)?)$/) && PathRegexp(/^(\\/test1)/) -> <shunt>;", &f),
		  "r: HostAny(\"^(test[.]example[.]org[.]?(:[0-9]+)?)$\") && PathRegexp(\"^(/test1)\") -> <shunt>;");
}

TEST(edits_apply_in_flag_order)
{
	flags f = { .edit = { "/Source/SourceFromLast/", "/SourceFromLast[(](.*)[)]/ClientIP($1)/" } };
	CHECK_STR(process("r: Source(\"1.2.3.4\") -> <shunt>;", &f), "r: ClientIP(\"1.2.3.4\") -> <shunt>;");
}

TEST(edit_parse_failures_keep_the_call)
{
	flags bad = { .edit = { "/Source/So urce/" } };
	CHECK_STR(process("r: Source(\"1.2.3.4\") -> <shunt>;", &bad), "r: Source(\"1.2.3.4\") -> <shunt>;");
	/* A rewrite to "*" parses to no predicate: skipper panics, we keep the predicate. */
	flags star = { .edit = { "/^Source.*$/*/" } };
	CHECK_STR(process("r: Source(\"1.2.3.4\") -> <shunt>;", &star), "r: Source(\"1.2.3.4\") -> <shunt>;");
	/* The first of several parsed predicates replaces the old one. */
	flags first = { .edit = { "#Source[(](.*)[)]#ClientIP($1) && True()#" } };
	CHECK_STR(process("r: Source(\"1.2.3.4\") -> <shunt>;", &first), "r: ClientIP(\"1.2.3.4\") -> <shunt>;");
}

/* Runs process() with stderr captured; returns what was logged (static). */
static const char *logged_by(const char *eskip, const flags *f)
{
	static char text[4096];
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	dup2(fileno(tmp), 2);
	process(eskip, f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(text, 1, sizeof text - 1, tmp);
	text[n] = 0;
	fclose(tmp);
	return text;
}

TEST(edit_parse_failures_are_logged)
{
	flags bad = { .edit = { "/Source/So urce/" } };
	CHECK(strstr(logged_by("r: Source(\"1.2.3.4\") -> <shunt>;", &bad), "level=error msg=\"Failed to parse predicate: ") != NULL);
	flags filter = { .edit = { "/status/st atus/" } };
	CHECK(strstr(logged_by("r: * -> status(1) -> <shunt>;", &filter), "level=error msg=\"Failed to parse filter: ") != NULL);
	flags fine = { .edit = { "/status/s/" } };
	CHECK_STR(logged_by("r: * -> status(1) -> <shunt>;", &fine), "");
}

TEST(clone_host_to_host_any)
{
	flags f = { .clone = { "/Host[(](.*)[)]/HostAny($1)/" } };
	CHECK_STR(process("r0: Host(\"www[.]example[.]org\") -> status(201) -> <shunt>;", &f),
		  "clone_r0: HostAny(\"www[.]example[.]org\") -> status(201) -> <shunt>;\n"
		  "r0: Host(\"www[.]example[.]org\") -> status(201) -> <shunt>;");
	/* Only routes the rewrite changes are cloned. */
	CHECK_STR(process("a: Host(/x/) -> <shunt>; b: Path(\"/b\") -> <shunt>;", &f),
		  "a: Host(\"x\") -> <shunt>;\nb: Path(\"/b\") -> <shunt>;\nclone_a: HostAny(\"x\") -> <shunt>;");
}

TEST(clones_chain)
{
	/* The second clone flag also sees the clone made by the first. */
	flags f = { .clone = { "/Host/HostAny/", "/Any/Foo/" } };
	CHECK_STR(process("r: Host(/x/) -> <shunt>;", &f),
		  "clone_clone_r: HostFoo(\"x\") -> <shunt>;\nclone_r: HostAny(\"x\") -> <shunt>;\nr: Host(\"x\") -> <shunt>;");
}

TEST(default_filters)
{
	/* B13 vector. */
	flags f = { .prepend = { "status(419) -> status(418)" }, .append = { "status(418) -> status(419)" } };
	CHECK_STR(process("r1: Host(\"example.org\") -> inlineContent(\"OK\") -> \"http://127.0.0.1:9001\";", &f),
		  "r1: Host(\"example.org\") -> status(419) -> status(418) -> inlineContent(\"OK\") -> status(418) -> "
		  "status(419) -> \"http://127.0.0.1:9001\";");
	/* Repeated flags concatenate; empty and comment-only values add nothing. */
	flags g = { .prepend = { "a()", "", "// nothing" }, .append = { "b() -> c()", "d()" } };
	CHECK_STR(process("r: * -> own() -> <shunt>;", &g), "r: * -> a() -> own() -> b() -> c() -> d() -> <shunt>;");
	/* Routes without filters get them too. */
	CHECK_STR(process("r: * -> <shunt>;", &g), "r: * -> a() -> b() -> c() -> d() -> <shunt>;");
}

TEST(oauth2_callback_route)
{
	flags f = { .oauth2 = true, .oauth2_path = "/.well-known/oauth2-callback", .prepend = { "x()" } };
	CHECK_STR(process("kube_a: Path(\"/a\") -> <shunt>;", &f),
		  "__oauth2_grant_callback: Path(\"/.well-known/oauth2-callback\") -> grantCallback() -> <shunt>;\n"
		  "kube_a: Path(\"/a\") -> x() -> <shunt>;");
	flags dflt = { .oauth2 = true };
	CHECK_STR(process("a: * -> <shunt>;", &dflt),
		  "__oauth2_grant_callback: Path(\"/.well-known/oauth2-callback\") -> grantCallback() -> <shunt>;\n"
		  "a: * -> <shunt>;");
	flags custom = { .oauth2 = true, .oauth2_path = "/cb" };
	CHECK_STR(process("a: * -> <shunt>;", &custom),
		  "__oauth2_grant_callback: Path(\"/cb\") -> grantCallback() -> <shunt>;\na: * -> <shunt>;");
	/* Editors run after the callback route is added. */
	flags edited = { .oauth2 = true, .oauth2_path = "/cb", .edit = { "/grantCallback/gc/" } };
	CHECK_STR(process("a: * -> <shunt>;", &edited),
		  "__oauth2_grant_callback: Path(\"/cb\") -> gc() -> <shunt>;\na: * -> <shunt>;");
	flags off = { .oauth2_path = "/cb" };
	CHECK_STR(process("a: * -> <shunt>;", &off), "a: * -> <shunt>;");
}

TEST(default_filters_then_edit)
{
	flags f = { .prepend = { "status(1)" }, .edit = { "/status[(]1[)]/status(2)/" } };
	CHECK_STR(process("r: * -> <shunt>;", &f), "r: * -> status(2) -> <shunt>;");
}

TEST(flag_errors)
{
	flags empty = { .edit = { "" } };
	CHECK_STR(finish_error(&empty), "invalid value \"\" for flag -edit-route: empty string as an argument is not allowed");
	flags three = { .edit = { "/a/b" } };
	CHECK_STR(finish_error(&three), "invalid value \"/a/b\" for flag -edit-route: unexpected size of string split: 3");
	flags five = { .clone = { "/a/b/c/d" } };
	CHECK_STR(finish_error(&five), "invalid value \"/a/b/c/d\" for flag -clone-route: unexpected size of string split: 5");
	flags one = { .clone = { "x" } };
	CHECK_STR(finish_error(&one), "invalid value \"x\" for flag -clone-route: unexpected size of string split: 2");
	flags tail = { .edit = { "/a/b/c" } };   /* the tail is ignored, as in skipper */
	CHECK_STR(finish_error(&tail), NULL);
	flags other_sep = { .edit = { "#a/b#c#" } };
	CHECK_STR(finish_error(&other_sep), NULL);
	flags backref = { .edit = { "/(a)\\1/x/" } };
	CHECK_STR(finish_error(&backref),
		  "invalid value \"/(a)\\1/x/\" for flag -edit-route: error parsing regexp: invalid escape sequence: `\\1`");
	flags paren = { .clone = { "/(/x/" } };
	CHECK_STR(finish_error(&paren), "invalid value \"/(/x/\" for flag -clone-route: error parsing regexp: missing closing ): `(`");
	flags filters = { .prepend = { "status(" } };
	const char *e = finish_error(&filters);
	CHECK(e && strncmp(e, "invalid value \"status(\" for flag -default-filters-prepend: failed to parse default filters: ",
			   strlen("invalid value \"status(\" for flag -default-filters-prepend: failed to parse default filters: ")) == 0);
	flags app = { .append = { "ok()", "-> x" } };
	e = finish_error(&app);
	CHECK(e && strstr(e, "for flag -default-filters-append: failed to parse default filters: ") != NULL);
}

TEST(changer_parse)
{
	arena *a = arena_new();
	route_changer c;
	buf err = BUF_INIT;
	CHECK_INT(route_changer_parse(a, "|Host|HostAny|", &c, &err), 0);
	CHECK_STR(c.replacement.ptr, "HostAny");
	regex_free(c.re);
	CHECK_INT(route_changer_parse(a, "", &c, &err), -1);
	CHECK_STR(err.ptr, "empty string as an argument is not allowed");
	buf_free(&err);
	arena_free(a);
}

TEST(flag_table)
{
	route_processing p;
	route_processing_init(&p);
	size_t n;
	const opt_def *d = route_processing_flags(&p, &n);
	CHECK_INT(n, 7);
	CHECK(d[0].kind == OPT_GROUP);
	CHECK_STR(d[1].name, "default-filters-prepend");
	CHECK_STR(d[6].name, "oauth2-callback-path");
	CHECK(d[7].name == NULL);
	CHECK(d[3].target == &p.flag.edit_route);
	route_processing_free(&p);
}

int main(void)
{
	log_set_timestamps(false);
	RUN(no_flags_is_canonical_sort);
	RUN(edit_source_to_client_ip);
	RUN(edit_filter);
	RUN(edit_legacy_host_becomes_generic);
	RUN(edits_apply_in_flag_order);
	RUN(edit_parse_failures_keep_the_call);
	RUN(edit_parse_failures_are_logged);
	RUN(clone_host_to_host_any);
	RUN(clones_chain);
	RUN(default_filters);
	RUN(oauth2_callback_route);
	RUN(default_filters_then_edit);
	RUN(flag_errors);
	RUN(changer_parse);
	RUN(flag_table);
	return TEST_SUMMARY();
}
