/* kube_cycle.c: per-cycle state of the Kubernetes conversion. */
#include "routes/kube_cycle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/kube_default_filters.h"
#include "routes/kube_endpoints.h"

void kube_cycle_init(kube_cycle *cy, const kube_cluster *c, const kube_options *o)
{
	*cy = (kube_cycle){ .cluster = c, .opts = o, .arena = arena_new() };
	cy->eps = kube_endpoint_state_new(cy->arena, c, o->endpointslices);
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

void kube_cycle_log(kube_cycle *cy, const void *object, log_level level, const char *kind,
	str ns, str name, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (first_time(cy, object, msg)) {
		char *ns_c = strndup(ns.ptr ? ns.ptr : "", ns.len), *name_c = strndup(name.ptr ? name.ptr : "", name.len);
		if (!ns_c || !name_c)
			abort();
		log_kv(level, msg, "kind", kind, "name", name_c, "ns", ns_c, NULL);
		free(ns_c);
		free(name_c);
	}
	free(msg);
}
