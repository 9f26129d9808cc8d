/* kube_cycle.h: the state of one conversion cycle (spec kubernetes-to-eskip.md §0), shared
 * by the Ingress and RouteGroup converters.
 *
 * A cycle holds the lookup indexes over the cluster's Services, Endpoints and merged
 * EndpointSlices (kube_endpoints.h), the per-cycle endpoint caches skipper keeps
 * (§5.3.7, §5.4.7), the default-filters directory read once per cycle (§5.9.3) and the
 * per-object log de-duplication of §3.8.
 *
 * An observer (kube_observer, optional) is told everything one object's conversion reads
 * across objects: the incremental compile (pipeline/incremental.h) indexes it to know which
 * objects an event touches.
 *
 * Ownership: kube_cycle_init allocates everything in the cycle's own arena (cy->arena);
 * kube_cycle_free releases it. The cluster and options are borrowed and must outlive the
 * cycle. Routes are never allocated here: converters allocate them in their output table. */
#ifndef ROUTESRV_KUBE_CYCLE_H
#define ROUTESRV_KUBE_CYCLE_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "objects/kube_model.h"
#include "objects/kube_report.h"
#include "routes/kube_options.h"
#include "base/log.h"
#include "routes/kube_strmap.h"
#include "eskip/route.h"

typedef struct kube_endpoint_state kube_endpoint_state;   /* kube_endpoints.h */
typedef struct kube_default_filters kube_default_filters; /* kube_default_filters.h */

/* What one object's conversion reads beyond the object itself:
 *   KUBE_DEP_SERVICE (ns, name): a Service, Endpoints or EndpointSlice lookup, with the
 *     namespace as the converter passes it (empty may mean "default");
 *   KUBE_DEP_HOST (host, ""): an Ingress host bucket (§7.12), shared by every Ingress that
 *     has routes on the host (catch-alls, redirect bookkeeping). */
typedef enum { KUBE_DEP_SERVICE, KUBE_DEP_HOST } kube_dep_kind;

typedef struct kube_observer {
	/* object: the kube_ingress or kube_routegroup being converted (NULL outside one);
	 * the strs are borrowed for the call. */
	void (*depends)(void *ctx, const void *object, kube_dep_kind kind, str a, str b);
	void *ctx;
} kube_observer;

typedef struct {
	const kube_cluster *cluster;
	const kube_options *opts;
	arena *arena;                         /* indexes, caches, scratch strings of the cycle */
	kube_endpoint_state *eps;             /* never NULL after kube_cycle_init */
	kube_default_filters *default_filters;/* NULL: no -default-filters-dir or unreadable */
	kube_reporter *reporter;              /* where problems about objects go; NULL: logged */
	/* Set by an endpoint lookup that failed because the Service or its port is not among
	 * the objects (kube_endpoints.h); the next report about the object takes it as its class
	 * (KUBE_MISSING_REF) and clears it. */
	bool missing_ref;

	/* Per-object log de-duplication: the object messages are currently logged for, and
	 * the set of messages already emitted for it (a hash set, so an object that logs n
	 * distinct messages costs O(n), not O(n^2)), in log_arena (NULL until it logs). */
	const void *log_object;
	arena *log_arena;
	kube_strmap log_seen;

	const kube_observer *observer;        /* NULL: nobody watches (every command) */
	const void *object;                   /* the Ingress or RouteGroup being converted */
} kube_cycle;

/* Builds the indexes (reporting "Invalid service resource detected." for each Service that
 * lacks metadata or spec) and reads the default-filters directory if configured. rep: where
 * problems about objects go (NULL: logged). */
void kube_cycle_init(kube_cycle *cy, const kube_cluster *c, const kube_options *o, kube_reporter *rep);
void kube_cycle_free(kube_cycle *cy);

/* Tells the observer, if any, that the current object reads (kind, a, b). */
static inline void kube_cycle_depends(const kube_cycle *cy, kube_dep_kind kind, str a, str b)
{
	if (cy->observer)
		cy->observer->depends(cy->observer->ctx, cy->object, kind, a, b);
}

/* Reports a message about one object (kube_report.h: logged with skipper's fields
 * kind=<kind> name=<name> ns=<ns> and source=<file>, or collected); each distinct message
 * is reported once per object (`object` identifies it, e.g. the kube_ingress pointer) per
 * cycle, as skipper's per-object loggers do. `meta` gives the name and provenance, `ns` the
 * namespace to name, `path` the annotation or spec path (NULL: unknown). ERROR-level
 * messages are KUBE_DROP problems, the others notes; after a failed Service or port lookup
 * (missing_ref set) the message is a KUBE_MISSING_REF problem, whatever its level. */
/* With a reporter (kube_compile_report always has one): the routes [from, out->n) without
 * an origin came from the object (kind, meta). */
void kube_cycle_mark_origin(kube_cycle *cy, route_table *out, size_t from, const char *kind, const kube_meta *meta);

/* An Ingress or RouteGroup of another class: counted as skipped (kube_reporter) and listed
 * at DEBUG. */
void kube_report_class_skipped(kube_cycle *cy, const char *kind, const kube_meta *meta);

void kube_cycle_log(kube_cycle *cy, const void *object, const kube_meta *meta, log_level level, const char *kind,
	str ns, const char *path, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
#endif
