/* kube_options_fixture.c: `.kube` fixture option files → kube_options (spec §6.5).
 *
 * Read with libyaml's node tree rather than as jv because Go keeps a plain scalar's source
 * text when it lands in a string field (`name: True` names the predicate "True"), while
 * predicate arguments keep their YAML types (`10.0` is a number, `"10"` a string). */
#include "objects/kube_options_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "objects/kube_read_internal.h"

typedef struct {
	kube_options *o;
	yaml_document_t *doc;
	const char *path;
	buf *err;
} fixture;

static int fail(fixture *f, const yaml_node_t *n, const char *fmt, const char *what)
{
	buf_printf(f->err, "%s:%zu:%zu: ", f->path, n->start_mark.line + 1, n->start_mark.column + 1);
	buf_printf(f->err, fmt, what);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static yaml_node_t *node(fixture *f, int id) { return yaml_document_get_node(f->doc, id); }

/* A mapping's value for key, or NULL. */
static yaml_node_t *lookup(fixture *f, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(f, p->key));
		if (k && strcmp(k, key) == 0)
			return node(f, p->value);
	}
	return NULL;
}

static int get_bool(fixture *f, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = scalar(n);
	jv v = s && is_plain(n) ? kube_yaml_resolve_plain(s, n->data.scalar.length) : jv_invalid();
	jv_kind k = jv_get_kind(v);
	jv_free(v);
	if (k != JV_KIND_TRUE && k != JV_KIND_FALSE)
		return fail(f, n, "%s: want true or false", key);
	*out = k == JV_KIND_TRUE;
	return 0;
}

static int get_string(fixture *f, const yaml_node_t *n, const char *key, const char **out)
{
	const char *s = scalar(n);
	if (!s)
		return fail(f, n, "%s: want a string", key);
	*out = arena_strdup(f->o->arena, s).ptr;
	return 0;
}

static void list_add(fixture *f, opt_list *l, const char *v)
{
	const char **grown = arena_alloc(f->o->arena, (l->n + 1) * sizeof *grown);
	if (l->n)
		memcpy(grown, l->v, l->n * sizeof *grown);
	grown[l->n++] = v;
	l->v = grown;
}

static int get_strings(fixture *f, const yaml_node_t *n, const char *key, opt_list *out)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(f, n, "%s: want a list of strings", key);
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		const char *s;
		if (get_string(f, node(f, *i), key, &s) != 0)
			return -1;
		list_add(f, out, s);
	}
	return 0;
}

/* One argument in eskip syntax: YAML numbers stay numbers, everything else is a string. */
static int put_arg(fixture *f, buf *b, const yaml_node_t *n, const char *key)
{
	const char *s = scalar(n);
	if (!s)
		return fail(f, n, "%s: arguments must be scalars", key);
	jv v = is_plain(n) ? kube_yaml_resolve_plain(s, n->data.scalar.length) : jv_invalid();
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		char num[40];
		double d = jv_number_value(v);
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(num, sizeof num, "%.*g", prec, d);
			if (strtod(num, NULL) == d)
				break;
		}
		buf_puts(b, num);
	} else {
		buf_putc(b, '"');
		for (const char *p = s; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(b, '\\');
			if (*p == '\n')
				buf_puts(b, "\\n");
			else
				buf_putc(b, *p);
		}
		buf_putc(b, '"');
	}
	jv_free(v);
	return 0;
}

/* A list of {name, args} as eskip text joined by sep (" && " or " -> "). */
static int get_calls(fixture *f, const yaml_node_t *n, const char *key, const char *sep, buf *b)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(f, n, "%s: want a list of {name, args}", key);
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *c = node(f, *i);
		const char *name = scalar(lookup(f, c, "name"));
		if (!name)
			return fail(f, c, "%s: every entry needs a name", key);
		buf_printf(b, "%s%s(", i == n->data.sequence.items.start ? "" : sep, name);
		yaml_node_t *args = lookup(f, c, "args");
		if (args && args->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *a = args->data.sequence.items.start; a < args->data.sequence.items.top; a++) {
				if (a != args->data.sequence.items.start)
					buf_puts(b, ", ");
				if (put_arg(f, b, node(f, *a), key) != 0)
					return -1;
			}
		} else if (args && !(scalar(args) && is_plain(args) && !*scalar(args))) {
			return fail(f, args, "%s: args must be a list", key);
		}
		buf_putc(b, ')');
	}
	return 0;
}

static int get_predicates(fixture *f, const yaml_node_t *n, const char *key, const char **out)
{
	buf b = BUF_INIT;
	int rc = get_calls(f, n, key, " && ", &b);
	*out = arena_strndup(f->o->arena, b.ptr ? b.ptr : "", b.len).ptr;
	buf_free(&b);
	return rc;
}

/* A list of {key, value, predicates|filters} → "key=value=<eskip>" flag values. */
static int get_annotation_entries(fixture *f, const yaml_node_t *n, const char *key, const char *field,
				  const char *sep, opt_list *out)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(f, n, "%s: want a list of {key, value, ...}", key);
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *e = node(f, *i);
		const char *k = scalar(lookup(f, e, "key")), *v = scalar(lookup(f, e, "value"));
		yaml_node_t *calls = lookup(f, e, field);
		buf b = BUF_INIT;
		buf_printf(&b, "%s=%s=", k ? k : "", v ? v : "");
		int rc = calls ? get_calls(f, calls, key, sep, &b) : 0;
		list_add(f, out, arena_strndup(f->o->arena, b.ptr, b.len).ptr);
		buf_free(&b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* A map of labels → "k=v,k2=v2" (values keep their source text: `true` is "true"). */
static int get_selector(fixture *f, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(f, n, "%s: want a map of labels", key);
	buf b = BUF_INIT;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(f, p->key)), *v = scalar(node(f, p->value));
		if (!k || !v) {
			buf_free(&b);
			return fail(f, n, "%s: labels must be scalars", key);
		}
		buf_printf(&b, "%s%s=%s", b.len ? "," : "", k, v);
	}
	*out = arena_strndup(f->o->arena, b.ptr ? b.ptr : "", b.len).ptr;
	buf_free(&b);
	return 0;
}

static int get_int(fixture *f, const yaml_node_t *n, const char *key, long *out)
{
	const char *s = scalar(n);
	jv v = s && is_plain(n) ? kube_yaml_resolve_plain(s, n->data.scalar.length) : jv_invalid();
	bool ok = jv_get_kind(v) == JV_KIND_NUMBER && jv_number_value(v) == (long)jv_number_value(v);
	if (ok)
		*out = (long)jv_number_value(v);
	jv_free(v);
	return ok ? 0 : fail(f, n, "%s: want an integer", key);
}

static int apply_key(fixture *f, const char *key, const yaml_node_t *v)
{
	kube_options *o = f->o;
	const struct { const char *key; bool *target; } bools[] = {
		{ "enable-kubernetes-endpointslices", &o->endpointslices }, { "httpsRedirect", &o->https_redirect },
		{ "eastWest", &o->east_west }, { "kubernetes-enable-tls", &o->flag.enable_tls },
		{ "onlyAllowedExternalNames", &o->only_allowed_external_names }, { "enableExternalNames", &o->external_names },
		{ "force-kubernetes-service", &o->force_service }, { "backendNameTracingTag", &o->backend_name_tracing_tag },
		{ "externalNamePreserveHost", &o->external_name_preserve_host },
		{ "disableCatchAllRoutes", &o->disable_catchall_routes },
	};
	const struct { const char *key; const char **target; } strings[] = {
		{ "backend-traffic-algorithm", &o->flag.backend_traffic_algorithm }, { "topology-zone", &o->flag.topology_zone },
		{ "forward-backend-url", &o->flag.forward_backend_url }, { "default-lb-algorithm", &o->flag.default_lb_algorithm },
		{ "kubernetes-application-annotation-label", &o->flag.application_annotation_label },
		{ "eastWestDomain", &o->flag.east_west_domain }, { "kubernetes-ingress-class", &o->flag.ingress_class },
	};
	const struct { const char *key; const char **target; } selectors[] = {
		{ "kubernetes-ingresses-label-selector", &o->flag.ingresses_label_selector },
		{ "kubernetes-services-label-selector", &o->flag.services_label_selector },
		{ "kubernetes-endpoints-label-selector", &o->flag.endpoints_label_selector },
	};
	const struct { const char *key, *field, *sep; opt_list *target; } annotations[] = {
		{ "kubernetesAnnotationPredicates", "predicates", " && ", &o->flag.annotation_predicates },
		{ "kubernetesAnnotationFiltersAppend", "filters", " -> ", &o->flag.annotation_filters_append },
		{ "kubernetesEastWestRangeAnnotationPredicates", "predicates", " && ", &o->flag.ew_range_annotation_predicates },
		{ "kubernetesEastWestRangeAnnotationFiltersAppend", "filters", " -> ",
		  &o->flag.ew_range_annotation_filters_append },
	};
	for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
		if (strcmp(key, bools[i].key) == 0)
			return get_bool(f, v, key, bools[i].target);
	for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
		if (strcmp(key, strings[i].key) == 0)
			return get_string(f, v, key, strings[i].target);
	for (size_t i = 0; i < sizeof selectors / sizeof *selectors; i++)
		if (strcmp(key, selectors[i].key) == 0)
			return get_selector(f, v, key, selectors[i].target);
	for (size_t i = 0; i < sizeof annotations / sizeof *annotations; i++)
		if (strcmp(key, annotations[i].key) == 0)
			return get_annotation_entries(f, v, key, annotations[i].field, annotations[i].sep,
						      annotations[i].target);
	if (strcmp(key, "httpsRedirectCode") == 0)
		return get_int(f, v, key, &o->flag.https_redirect_code);
	if (strcmp(key, "eastWestRangeDomains") == 0)
		return get_strings(f, v, key, &o->flag.east_west_range_domains);
	if (strcmp(key, "allowedExternalNames") == 0)
		return get_strings(f, v, key, &o->flag.allowed_external_names);
	if (strcmp(key, "eastWestRangePredicatesAppend") == 0)
		return get_predicates(f, v, key, &o->flag.east_west_range_predicates);
	if (strcmp(key, "ingressv1") == 0 || strcmp(key, "kubernetes-endpointslice-label-selector") == 0)
		return 0;   /* the harness parses these and ignores them */
	return fail(f, v, "unknown key %s", key);
}

static int apply_document(fixture *f)
{
	yaml_node_t *root = yaml_document_get_root_node(f->doc);
	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root)))
		return 0;   /* an empty or comment-only file sets nothing */
	if (root->type != YAML_MAPPING_NODE)
		return fail(f, root, "%s", "want a map of options");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *key = scalar(node(f, p->key));
		if (!key)
			return fail(f, node(f, p->key), "%s", "keys must be scalars");
		if (apply_key(f, key, node(f, p->value)) != 0)
			return -1;
	}
	return 0;
}

int kube_options_load_fixture(kube_options *o, const char *path, buf *err)
{
	FILE *in = fopen(path, "rb");
	if (!in) {
		buf_printf(err, "%s: cannot open: %m", path);
		return -1;
	}
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_file(&parser, in);
	int rc = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		const yaml_mark_t *m = &parser.problem_mark;
		buf_printf(err, "%s:%zu:%zu: %s", path, m->line + 1, m->column + 1, parser.problem ? parser.problem : "YAML error");
		rc = -1;
	} else {
		fixture f = { o, &doc, path, err };
		rc = apply_document(&f);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(in);
	return rc;
}
