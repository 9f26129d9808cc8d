/* kube_cycle.c: per-cycle state of the Kubernetes conversion. */
#include "base/xalloc.h"
#include "routes/kube_cycle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/kube_default_filters.h"
#include "routes/kube_endpoints.h"

void kube_cycle_init(kube_cycle *cy, const kube_cluster *c, const kube_options *o, kube_reporter *rep)
{
	*cy = (kube_cycle){ .cluster = c, .opts = o, .arena = arena_new(), .reporter = rep };
	cy->eps = kube_endpoint_state_new(cy->arena, c, o->endpointslices, rep);
	cy->default_filters = kube_default_filters_read(cy->arena, o->default_filters_dir.ptr);
}

void kube_cycle_free(kube_cycle *cy)
{
	arena_free(cy->log_arena);
	arena_free(cy->arena);
	*cy = (kube_cycle){ 0 };
}

/* Remembers msg for the current object; false if it was logged for it already. */
static bool first_time(kube_cycle *cy, const void *object, const char *msg)
{
	if (object != cy->log_object || !cy->log_arena) {
		arena_free(cy->log_arena);
		cy->log_arena = arena_new();
		kube_strmap_init(&cy->log_seen, cy->log_arena);
		cy->log_object = object;
	}
	return kube_strmap_add(&cy->log_seen, str_c(msg), cy);   /* any non-NULL value marks "seen" */
}

void kube_cycle_log(kube_cycle *cy, const void *object, const kube_meta *meta, log_level level, const char *kind,
	str ns, const char *path, const char *fmt, ...)
{
	kube_report_class cls = cy->missing_ref ? KUBE_MISSING_REF : level != LOG_ERROR ? KUBE_NOTE : KUBE_DROP;
	cy->missing_ref = false;
	bool collecting = kube_reporter_collects(cy->reporter);
	if (collecting ? cls == KUBE_NOTE : !log_enabled(level))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (first_time(cy, object, msg))
		kube_report(cy->reporter, level, cls, kind, meta, ns, path, msg);
	free(msg);
}

void kube_report_class_skipped(kube_cycle *cy, const char *kind, const kube_meta *meta)
{
	kube_report_skipped(cy->reporter, kind);
	if (cy->reporter)
		cy->reporter->class_skipped++;
	kube_report(cy->reporter, LOG_DEBUG, KUBE_NOTE, kind, meta, meta->ns, NULL, "Skipping object of another class");
}

void kube_cycle_mark_origin(kube_cycle *cy, route_table *out, size_t from, const char *kind, const kube_meta *meta)
{
	if (!cy->reporter || from >= out->n)
		return;
	size_t origin = kube_reporter_origin(cy->reporter, kind, meta);
	for (size_t i = from; i < out->n; i++)
		if (!out->routes[i].origin)
			out->routes[i].origin = origin;
}
