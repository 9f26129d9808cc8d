/* kube_annotations.c: option- and metadata-driven additions (spec kubernetes-to-eskip.md §5.9). */
#include "routes/kube_annotations.h"

#include <string.h>

/* For each entry (flag order) whose annotation key exists with exactly its value, append
 * its calls as predicates (filters == false) or filters (filters == true). */
static void kube_append_annotation_calls(arena *a, route *r, const kube_map *annotations,
	const kube_annotation_calls *entries, size_t n, bool filters)
{
	for (size_t i = 0; i < n; i++) {
		const str *v = kube_map_get(annotations, entries[i].key.ptr);
		if (!v || !str_eq(*v, entries[i].value))
			continue;
		call *calls = calls_copy(a, entries[i].calls, entries[i].ncalls);
		if (filters)
			route_append_filters(a, r, calls, entries[i].ncalls);
		else
			route_append_predicates(a, r, calls, entries[i].ncalls);
	}
}

void kube_append_config_annotations(arena *a, route *r, const kube_map *annotations,
	const kube_options *o, bool internal)
{
	if (internal) {
		kube_append_annotation_calls(a, r, annotations, o->ew_range_annotation_predicates,
			o->new_range_annotation_predicates, false);
		kube_append_annotation_calls(a, r, annotations, o->ew_range_annotation_filters,
			o->new_range_annotation_filters, true);
	} else {
		kube_append_annotation_calls(a, r, annotations, o->annotation_predicates,
			o->nannotation_predicates, false);
		kube_append_annotation_calls(a, r, annotations, o->annotation_filters,
			o->nannotation_filters, true);
	}
}

void kube_prepend_application_annotate(arena *a, route *r, const kube_meta *meta, const kube_options *o)
{
	if (o->application_label.len == 0)
		return;
	const str *v = kube_map_get(&meta->labels, o->application_label.ptr);
	if (!v || v->len == 0)
		return;
	call c = { .name = arena_strdup(a, "annotate"), .nargs = 2 };
	c.args = arena_array_alloc(a, 2, sizeof *c.args);
	c.args[0] = arg_cstr(a, "Application");
	c.args[1] = arg_string(a, v->ptr, v->len);
	route_prepend_filters(a, r, &c, 1);
}

void kube_prepend_zone_aware_annotate(arena *a, route *r)
{
	call c = { .name = arena_strdup(a, "annotate"), .nargs = 2 };
	c.args = arena_array_alloc(a, 2, sizeof *c.args);
	c.args[0] = arg_cstr(a, "zalando.org/traffic-zone-aware");
	c.args[1] = arg_cstr(a, "false");
	route_prepend_filters(a, r, &c, 1);
}

bool kube_zone_aware_disabled(const kube_meta *meta)
{
	const str *v = kube_map_get(&meta->annotations, "zalando.org/traffic-zone-aware");
	return v && str_eq_c(*v, "false");
}

bool kube_host_internal(const kube_options *o, str host)
{
	for (size_t i = 0; i < o->neast_west_range_domains; i++) {
		str d = o->east_west_range_domains[i];
		if (host.len >= d.len && memcmp(host.ptr + host.len - d.len, d.ptr, d.len) == 0)
			return true;
	}
	return false;
}

