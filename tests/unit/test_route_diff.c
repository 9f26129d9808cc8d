/* route_diff: matching by ID, canonical comparison, duplicates, options, reports. */
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "eskip/input_eskip.h"
#include "eskip/route_diff.h"
#include "routes/kube_ids.h"
#include "test.h"

static route_table *parse(const char *text)
{
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	if (eskip_parse(t, text, strlen(text), &err, NULL) != 0) {
		printf("  parse failed: %s\n  input: %s\n", err.ptr, text);
		test_current_failed = 1;
	}
	buf_free(&err);
	return t;
}

typedef struct {
	route_table *a, *b;
	route_diff d;
} fixture;

static void diff(fixture *f, const char *old_text, const char *new_text, const route_diff_opts *o)
{
	f->a = parse(old_text);
	f->b = parse(new_text);
	route_diff_compute(&f->d, f->a->routes, f->a->n, f->b->routes, f->b->n, o);
}

static void done(fixture *f)
{
	route_diff_free(&f->d);
	route_table_free(f->a);
	route_table_free(f->b);
}

static char *text_report(const route_diff *d, bool stat)
{
	buf out = BUF_INIT;
	route_diff_print_opts po = { .old_name = "old.eskip", .new_name = "new.eskip", .stat = stat };
	route_diff_print_text(&out, d, &po);
	return buf_steal(&out, NULL);
}

TEST(equivalent_spellings_are_same)
{
	fixture f;
	/* Order, whitespace, comments, legacy vs generic, predicate and endpoint order. */
	diff(&f,
	     "a: Path(\"/a\") && Host(/^x$/) -> setPath(\"/\") -> <roundRobin, \"http://1:80\", \"http://2:80\">;\n"
	     "b: * -> <shunt>;",
	     "// comment\n b : * -> <shunt> ;;\n"
	     "a: Host(\"^x$\") && Path(\"/a\")\n  -> setPath(\"/\")\n  -> <roundRobin, \"http://2:80\", \"http://1:80\">",
	     NULL);
	CHECK(route_diff_same(&f.d));
	CHECK_INT(f.d.unchanged, 2);
	CHECK_INT(f.d.n, 0);
	char *r = text_report(&f.d, false);
	CHECK_STR(r, "0 routes differ: 0 added, 0 removed, 0 changed, 2 unchanged\n");
	free(r);
	done(&f);
}

TEST(added_removed_changed)
{
	fixture f;
	diff(&f, "a: * -> <shunt>; b: Path(\"/b\") -> \"http://b\"; c: * -> f(1) -> <shunt>;",
	     "c: * -> f(2) -> <shunt>; d: * -> <loopback>; b: Path(\"/b\") -> \"http://b\";", NULL);
	CHECK(!route_diff_same(&f.d));
	CHECK_INT(f.d.n, 3);
	CHECK_INT(f.d.added, 1);
	CHECK_INT(f.d.removed, 1);
	CHECK_INT(f.d.changed, 1);
	CHECK_INT(f.d.unchanged, 1);
	CHECK_INT(f.d.entries[0].kind, ROUTE_REMOVED);
	CHECK_STR(f.d.entries[0].key.ptr, "a");
	CHECK_INT(f.d.entries[1].kind, ROUTE_CHANGED);
	CHECK_INT(f.d.entries[1].parts, DIFF_FILTERS);
	CHECK_INT(f.d.entries[2].kind, ROUTE_ADDED);
	char *r = text_report(&f.d, false);
	CHECK_STR(r, "--- old.eskip\n+++ new.eskip\n"
		     "- a: * -> <shunt>;\n"
		     "~ c (filters)\n"
		     "  - c: * -> f(1) -> <shunt>;\n"
		     "            ^^^^\n"
		     "  + c: * -> f(2) -> <shunt>;\n"
		     "            ^^^^\n"
		     "+ d: * -> <loopback>;\n"
		     "3 routes differ: 1 added, 1 removed, 1 changed, 1 unchanged\n");
	free(r);
	r = text_report(&f.d, true);
	CHECK_STR(r, "3 routes differ: 1 added, 1 removed, 1 changed, 1 unchanged\n");
	free(r);
	done(&f);
}

TEST(change_marks_parts)
{
	fixture f;
	diff(&f, "r: Path(\"/x\") && Host(\"h\") -> a() -> b() -> \"http://one\";",
	     "r: Path(\"/y\") && Host(\"h\") -> a() -> c() -> b() -> \"http://two\";", NULL);
	CHECK_INT(f.d.n, 1);
	CHECK_INT(f.d.entries[0].parts, DIFF_PREDICATES | DIFF_FILTERS | DIFF_BACKEND);
	char *r = text_report(&f.d, false);
	/* Canonical predicate order is by name: Host before Path. */
	CHECK_STR(r, "--- old.eskip\n+++ new.eskip\n"
		     "~ r (predicates, filters, backend)\n"
		     "  - r: Host(\"h\") && Path(\"/x\") -> a() -> b() -> \"http://one\";\n"
		     "                    ^^^^^^^^^^                  ^^^^^^^^^^^^\n"
		     "  + r: Host(\"h\") && Path(\"/y\") -> a() -> c() -> b() -> \"http://two\";\n"
		     "                    ^^^^^^^^^^           ^^^           ^^^^^^^^^^^^\n"
		     "1 route differs: 0 added, 0 removed, 1 changed, 0 unchanged\n");
	free(r);
	done(&f);
}

TEST(rendered_route_matches_printer)
{
	/* The report's route text must be the eskip printer's bytes for canonical routes. */
	fixture f;
	diff(&f, "", "r: Method(\"GET\") && Header(\"B\", \"2\") && Header(\"A\", \"1\") && PathSubtree(\"/p\") "
		     "-> setRequestHeader(\"X\", \"a\\\"b\") -> <random, \"http://10.0.0.2:80?zone=z1\", \"http://10.0.0.1:80\">;",
	     NULL);
	CHECK_INT(f.d.n, 1);
	buf want = BUF_INIT;
	buf_puts(&want, "+ ");
	eskip_print_routes(&want, f.d.entries[0].new_route, 1, NULL);
	buf_printf(&want, "\n1 route differs: 1 added, 0 removed, 0 changed, 0 unchanged\n");
	char *r = text_report(&f.d, false);
	CHECK_STR(strstr(r, "+ r:"), want.ptr);
	free(r);
	buf_free(&want);
	done(&f);
}

TEST(duplicates_make_tables_differ)
{
	fixture f;
	diff(&f, "a: * -> <shunt>; a: * -> <shunt>;", "a: * -> <shunt>; a: * -> <shunt>;", NULL);
	CHECK(!route_diff_same(&f.d));
	CHECK_INT(f.d.ndups, 1);
	CHECK_INT(f.d.dups[0].old_count, 2);
	CHECK_INT(f.d.dups[0].new_count, 2);
	CHECK_INT(f.d.n, 0);
	CHECK_INT(f.d.unchanged, 2);
	char *r = text_report(&f.d, false);
	CHECK_STR(r, "--- old.eskip\n+++ new.eskip\n"
		     "! duplicate ID a: 2 routes in old.eskip, 2 in new.eskip\n"
		     "0 routes differ: 0 added, 0 removed, 0 changed, 2 unchanged, 1 duplicate ID\n");
	free(r);
	done(&f);

	/* One side duplicated: one pair is equal, the extra route is added. */
	diff(&f, "a: * -> <shunt>;", "a: * -> <loopback>; a: * -> <shunt>;", NULL);
	CHECK_INT(f.d.ndups, 1);
	CHECK_INT(f.d.unchanged, 1);
	CHECK_INT(f.d.added, 1);
	CHECK_INT(f.d.entries[0].new_route->backend_type, BACKEND_LOOPBACK);
	done(&f);
}

TEST(ignore_id_prefix)
{
	fixture f;
	const char *prefixes[] = { "kube_", "old_" };
	route_diff_opts o = { .ignore_id_prefixes = prefixes, .nignore_id_prefixes = 2 };
	diff(&f, "kube_a: * -> <shunt>; old_b: * -> <shunt>;", "a: * -> <shunt>; b: * -> <loopback>;", &o);
	CHECK_INT(f.d.unchanged, 1);
	CHECK_INT(f.d.changed, 1);
	CHECK_STR(f.d.entries[0].key.ptr, "b");
	CHECK_STR(f.d.entries[0].old_route->id.ptr, "old_b");
	CHECK_INT(f.d.entries[0].parts, DIFF_BACKEND);
	done(&f);
	/* Without the option the IDs do not match. */
	diff(&f, "kube_a: * -> <shunt>;", "a: * -> <shunt>;", NULL);
	CHECK_INT(f.d.added, 1);
	CHECK_INT(f.d.removed, 1);
	done(&f);
}

TEST(ignore_zones_and_endpoints)
{
	const char *old_text = "r: * -> <\"http://10.0.0.1:80?zone=a\", \"http://10.0.0.2:80?zone=b\">;";
	const char *new_text = "r: * -> <\"http://10.0.0.2:80\", \"http://10.0.0.1:80?zone=c\">;";
	fixture f;
	diff(&f, old_text, new_text, NULL);
	CHECK_INT(f.d.changed, 1);
	CHECK_INT(f.d.entries[0].parts, DIFF_BACKEND);
	done(&f);
	route_diff_opts o = { .ignore_zones = true };
	diff(&f, old_text, new_text, &o);
	CHECK(route_diff_same(&f.d));
	done(&f);
	o = (route_diff_opts){ .ignore_endpoints = true };
	diff(&f, old_text, "r: * -> <\"http://10.9.9.9:80\">;", &o);
	CHECK(route_diff_same(&f.d));
	done(&f);
	diff(&f, old_text, "r: * -> <roundRobin, \"http://10.9.9.9:80\">;", &o);
	CHECK_INT(f.d.changed, 1);   /* the algorithm still counts */
	done(&f);
}

TEST(lcs_marks)
{
	arena *a = arena_new();
	call *x, *y;
	size_t nx, ny;
	buf err = BUF_INIT;
	CHECK_INT(eskip_parse_filters(a, "a() -> b() -> c() -> d()", 24, &x, &nx, &err), 0);
	CHECK_INT(eskip_parse_filters(a, "a() -> c() -> e() -> d()", 24, &y, &ny, &err), 0);
	bool mx[4], my[4];
	calls_mark_differences(x, nx, y, ny, mx, my);
	CHECK(!mx[0] && mx[1] && !mx[2] && !mx[3]);
	CHECK(!my[0] && !my[1] && my[2] && !my[3]);
	calls_mark_differences(x, nx, NULL, 0, mx, my);
	CHECK(mx[0] && mx[1] && mx[2] && mx[3]);
	buf_free(&err);
	arena_free(a);
}

TEST(json_report)
{
	fixture f;
	diff(&f, "a: * -> <shunt>; c: * -> f(1) -> <shunt>;", "c: * -> f(2) -> <shunt>; d: * -> <loopback>;", NULL);
	buf out = BUF_INIT;
	route_diff_print_opts po = { .old_name = "o\"ld", .new_name = "new" };
	route_diff_print_json(&out, &f.d, &po);
	const char *head = "{\"same\":false,\"old\":\"o\\\"ld\",\"new\":\"new\",\"counts\":{\"added\":1,\"removed\":1,"
			   "\"changed\":1,\"unchanged\":0,\"duplicates\":0,\"transient\":0,\"comparisons\":1},"
			   "\"added\":[{\"id\":\"d\",\"route\":{";
	CHECK(strncmp(out.ptr, head, strlen(head)) == 0);
	CHECK(strstr(out.ptr, "\"changed\":[{\"id\":\"c\",\"differs\":[\"filters\"],\"old\":{") != NULL);
	CHECK(strstr(out.ptr, "\"removed\":[{\"id\":\"a\",\"route\":{") != NULL);
	CHECK(strstr(out.ptr, ",\"duplicates\":[]}") != NULL);
	buf_reset(&out);
	po.stat = true;
	route_diff_print_json(&out, &f.d, &po);
	CHECK(strstr(out.ptr, "\"added\":[") == NULL);
	CHECK(out.ptr[out.len - 1] == '}');
	buf_free(&out);
	done(&f);
}

TEST(located_parse_errors)
{
	route_table *t = route_table_new();
	buf err = BUF_INIT;
	const char *text = "r1: Path(\"/foo\") -> <shunt>;\nr2: Path(\"/bar\") -> #";
	CHECK_INT(input_parse_eskip(t, "x.eskip", text, strlen(text), &err), -1);
	CHECK_STR(err.ptr, "x.eskip:2:21: parse failed after token ->, last route id: r2, position 49: syntax error");
	long line, col;
	text_line_col("ab\ncd\n", 6, 6, &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 1);
	text_line_col("ab", 2, 0, &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 1);
	/* A string token with a newline stays on one line in the message. */
	buf_reset(&err);
	CHECK_INT(input_parse_eskip(t, "-", "r: F(\"a\nb\" #", 12, &err), -1);
	CHECK(strchr(err.ptr, '\n') == NULL);
	CHECK(strncmp(err.ptr, "stdin:2:4: ", 11) == 0);
	buf_free(&err);
	route_table_free(t);
}


TEST(endpoint_delta)
{
	fixture f;
	diff(&f,
	     "a: * -> <roundRobin, \"http://10.0.0.1:80\", \"http://10.0.0.2:80\", \"http://10.0.0.3:80?zone=z1\">;"
	     "b: * -> <random, \"http://10.0.0.1:80\">;"
	     "c: * -> <\"http://10.0.0.1:80\", \"http://10.0.0.1:80\">;",
	     "a: * -> <roundRobin, \"http://10.0.0.4:80\", \"http://10.0.0.1:80\", \"http://10.0.0.3:80?zone=z2\">;"
	     "b: * -> <roundRobin, \"http://10.0.0.1:80\">;"
	     "c: * -> <\"http://10.0.0.1:80\", \"http://10.0.0.5:80\">;",
	     NULL);
	CHECK_INT(f.d.n, 3);
	const route_diff_entry *a = &f.d.entries[0], *b = &f.d.entries[1], *c = &f.d.entries[2];
	CHECK(a->endpoint_delta);
	CHECK_INT(a->nendpoints_gone, 2);
	CHECK_INT(a->nendpoints_new, 2);
	CHECK(str_eq_c(a->endpoints_gone[0]->address, "http://10.0.0.2:80"));
	CHECK(str_eq_c(a->endpoints_gone[1]->zone, "z1"));   /* a zone change is a change of the endpoint */
	CHECK(str_eq_c(a->endpoints_new[1]->address, "http://10.0.0.4:80"));
	CHECK(!b->endpoint_delta);                            /* another algorithm: the whole backend */
	CHECK(c->endpoint_delta);                             /* a repeated endpoint pairs up once */
	CHECK_INT(c->nendpoints_gone, 1);
	CHECK_INT(c->nendpoints_new, 1);
	char *text = text_report(&f.d, false);
	CHECK(strstr(text, "~ a (endpoints) -http://10.0.0.2:80 -http://10.0.0.3:80?zone=z1 +http://10.0.0.3:80?zone=z2 "
			   "+http://10.0.0.4:80\n") != NULL);
	CHECK(strstr(text, "~ b (backend)\n") != NULL);
	free(text);
	done(&f);
}

TEST(persistent_differences)
{
	fixture f1, f2, f3;
	diff(&f1, "a: * -> <\"http://1:80\", \"http://2:80\">; b: * -> f(1) -> <shunt>;",
	     "a: * -> <\"http://1:80\", \"http://3:80\">; b: * -> f(2) -> <shunt>; x: * -> <shunt>;", NULL);
	diff(&f2, "a: * -> <\"http://1:80\", \"http://2:80\">; b: * -> f(1) -> <shunt>;",
	     "a: * -> <\"http://1:80\", \"http://2:80\">; b: * -> f(2) -> <shunt>; x: * -> <shunt>;", NULL);
	diff(&f3, "a: * -> <\"http://1:80\", \"http://2:80\">; b: * -> f(1) -> <shunt>;",
	     "a: * -> <\"http://1:80\", \"http://4:80\">; b: * -> f(3) -> <shunt>; x: * -> <shunt>;", NULL);
	route_diff_keep_persistent(&f2.d, &f1.d);
	CHECK_INT(f2.d.n, 2);                                 /* b changed the same way, x added in both */
	CHECK_INT(f2.d.changed, 1);
	CHECK_INT(f2.d.added, 1);
	CHECK_INT(f2.d.transient, 1);                         /* a's endpoints: only in the first */
	CHECK_INT(f2.d.comparisons, 2);
	route_diff_keep_persistent(&f3.d, &f2.d);
	CHECK_INT(f3.d.n, 1);                                 /* b changed again, but differently */
	CHECK(str_eq_c(f3.d.entries[0].key, "x"));
	CHECK_INT(f3.d.transient, 1 + 2 + 1);
	CHECK_INT(f3.d.comparisons, 3);
	buf out = BUF_INIT;
	route_diff_print_summary(&out, &f3.d);
	CHECK_STR(out.ptr, "1 route differs: 1 added, 0 removed, 0 changed, 0 unchanged; 4 transient in 3 comparisons");
	buf_free(&out);
	done(&f1), done(&f2), done(&f3);
}

static void check_group(const char *id, const char *kind, const char *ns, const char *name)
{
	route_group g;
	kube_route_group(str_c(id), &g);
	CHECK_STR(g.kind, kind);
	char buf_ns[64], buf_name[64];
	snprintf(buf_ns, sizeof buf_ns, "%.*s", (int)g.ns.len, g.ns.ptr ? g.ns.ptr : "");
	snprintf(buf_name, sizeof buf_name, "%.*s", (int)g.name.len, g.name.ptr ? g.name.ptr : "");
	CHECK_STR(buf_ns, ns);
	CHECK_STR(buf_name, name);
}

TEST(groups_from_kube_ids)
{
	/* spec kubernetes-to-eskip.md §5.2's examples */
	check_group("kube_foo__qux__www_example_org___test__bar", "Ingress", "foo", "qux");
	check_group("kube_namespace1__ingress1______", "Ingress", "namespace1", "ingress1");
	check_group("kube_foo__qux__0__www1_example_org_____", "Ingress", "foo", "qux");
	check_group("kube___catchall__www3_example_org____", "catch-all routes", "", "");
	check_group("kube___catchall__www_example_org_____https_redirect", "catch-all routes", "", "");
	check_group("kubeew_foo__qux__www_example_org_____qux", "Ingress", "foo", "qux");
	check_group("kube_rg__default__myapp__get__1_0", "RouteGroup", "default", "myapp");
	check_group("kube_rg__internal_default__myapp__all__0_0", "RouteGroup", "default", "myapp");
	check_group("kube_rg____example_org__catchall__0_0", "catch-all routes", "", "");
	check_group("kube_rg__internal___example_ingress_cluster_local__catchall__0_0", "catch-all routes", "", "");
	check_group("kubeew_rg__default__myapp__all__0_0", "RouteGroup", "default", "myapp");
	check_group("kube_rg__default__myapp__all__0_0_https_redirect", "RouteGroup", "default", "myapp");
	check_group("clone_kube_namespace1__ingress1__test_example_org___test1__service1", "Ingress", "namespace1",
		    "ingress1");
	check_group("kube__healthz_up", "cluster-wide routes", "", "");
	check_group("kube__redirect", "cluster-wide routes", "", "");
	check_group("my_route", NULL, "", "");
	check_group("kube_", NULL, "", "");
	check_group("kube_onlyns", NULL, "", "");
}

TEST(width_cuts_around_the_difference)
{
	fixture f;
	diff(&f, "r: Host(\"^very-long-host-name[.]example[.]org$\") && PathSubtree(\"/api\") -> a(1) -> b(\"x\") -> <shunt>;",
	     "r: Host(\"^very-long-host-name[.]example[.]org$\") && PathSubtree(\"/api\") -> a(1) -> b(\"y\") -> <shunt>;",
	     NULL);
	buf out = BUF_INIT;
	route_diff_print_opts po = { .old_name = "o", .new_name = "n", .width = 40 };
	route_diff_print_text(&out, &f.d, &po);
	/* 40 columns: "  - " and "..." before the last 33 characters, which hold the change */
	CHECK_STR(out.ptr, "--- o\n+++ n\n~ r (filters)\n"
			   "  - ...i\") -> a(1) -> b(\"x\") -> <shunt>;\n"
			   "                      ^^^^^^\n"
			   "  + ...i\") -> a(1) -> b(\"y\") -> <shunt>;\n"
			   "                      ^^^^^^\n"
			   "1 route differs: 0 added, 0 removed, 1 changed, 0 unchanged\n");
	buf_free(&out);
	done(&f);
}

int main(void)
{
	RUN(equivalent_spellings_are_same);
	RUN(added_removed_changed);
	RUN(change_marks_parts);
	RUN(rendered_route_matches_printer);
	RUN(duplicates_make_tables_differ);
	RUN(ignore_id_prefix);
	RUN(ignore_zones_and_endpoints);
	RUN(lcs_marks);
	RUN(json_report);
	RUN(located_parse_errors);
	RUN(endpoint_delta);
	RUN(persistent_differences);
	RUN(groups_from_kube_ids);
	RUN(width_cuts_around_the_difference);
	return TEST_SUMMARY();
}
