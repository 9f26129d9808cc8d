/* kube_report.h: the one path for every problem about a Kubernetes object.
 *
 * Whatever drops, skips or doubts an object (the decoder, the selection, the Ingress and
 * RouteGroup converters, the linter) reports it here with the object's kind, namespace,
 * name and provenance (kube_meta.source and .line). What happens then depends on the
 * reporter:
 *   - none (NULL) or a logging reporter: one log line with skipper's msg text and the fields
 *     kind=… name=… ns=… (logrus order), plus source=FILE when the object came from a file;
 *   - a collecting reporter (routesrv-compile -check, the admission webhook): a kube_problem
 *     is recorded instead, nothing is logged.
 * The class says what the report means: skipper drops something (an error of the linter), a
 * referenced Service or port is missing (skipper logs an error; the linter warns, and only
 * when the inputs hold Services at all), a finding of routesrv's own (a linter warning,
 * never logged), or a note (logged at its level, never a problem).
 *
 * Ownership: a reporter owns its problems and their strings (its arena): kube_reporter_free.
 * Reported strings are copied. Not thread-safe (one pipeline thread). */
#ifndef ROUTESRV_KUBE_REPORT_H
#define ROUTESRV_KUBE_REPORT_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/log.h"
#include "objects/kube_model.h"

typedef enum {
	KUBE_DROP,          /* skipper rejects or drops the object or a part of it */
	KUBE_MISSING_REF,   /* a backend Service or port that is not among the inputs */
	KUBE_LINT,          /* probably wrong, though it converts (routesrv's linter only) */
	KUBE_NOTE,          /* information; logged at its level, never a problem */
} kube_report_class;

typedef enum { KUBE_PROBLEM_ERROR, KUBE_PROBLEM_WARNING } kube_problem_severity;

typedef struct {
	kube_problem_severity severity;
	const char *file;            /* "" when the object did not come from a file */
	size_t line;                 /* 0 unknown */
	const char *kind;
	str ns, name;
	str message;                 /* skipper's message where skipper has one */
	str path;                    /* the annotation or spec path, when known ("" otherwise) */
	size_t order;                /* report order: the tie-break of kube_problems_sort */
} kube_problem;

/* The object kinds counted by the reporter. */
typedef enum { KUBE_COUNT_INGRESS, KUBE_COUNT_ROUTEGROUP, KUBE_COUNT_SERVICE, KUBE_COUNT_ENDPOINTS,
	       KUBE_COUNT_SLICE, KUBE_NCOUNTS } kube_count_kind;

typedef struct {
	bool collect;                /* record problems instead of logging them */
	bool services_given;         /* the inputs hold Services: missing references are warnings */
	arena *arena;
	kube_problem *problems;
	size_t nproblems;
	/* Objects skipped whole (decode rejects, label selection, class, validation). */
	size_t skipped[KUBE_NCOUNTS];
	size_t class_skipped;        /* of those: Ingresses and RouteGroups of another class */
	/* Objects that routes were converted from (route.origin - 1 indexes this), copied. */
	struct kube_origin { const char *kind; kube_meta meta; } *origins;
	size_t norigins;
} kube_reporter;

void kube_reporter_init(kube_reporter *rep, bool collect);
/* rep records problems (routesrv-compile -check, the webhook) instead of logging them. */
static inline bool kube_reporter_collects(const kube_reporter *rep)
{
	return rep && rep->collect;
}
void kube_reporter_free(kube_reporter *rep);

/* Reports msg about one object of `kind` (m may be NULL: no name, no provenance). `ns` is the
 * namespace to name (RouteGroups name "default" for an empty one); `path` is the annotation or
 * spec path, NULL when unknown. rep may be NULL (log only). */
void kube_report(kube_reporter *rep, log_level level, kube_report_class cls, const char *kind, const kube_meta *m,
		 str ns, const char *path, const char *msg);
/* The same with a printf message. */
void kube_reportf(kube_reporter *rep, log_level level, kube_report_class cls, const char *kind, const kube_meta *m,
		  str ns, const char *path, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Counts one object of `kind` ("Ingress", ...) skipped whole. rep may be NULL. */
void kube_report_skipped(kube_reporter *rep, const char *kind);
kube_count_kind kube_count_kind_of(const char *kind);
const char *kube_count_kind_name(kube_count_kind k);   /* "Ingress", ...; "" out of range */

/* Registers the object routes are converted from; returns the route.origin value (index + 1).
 * Name, namespace and provenance are copied (annotations and labels are not). */
size_t kube_reporter_origin(kube_reporter *rep, const char *kind, const kube_meta *m);
/* The object of a route.origin value, or NULL (0, out of range). */
const struct kube_origin *kube_reporter_origin_get(const kube_reporter *rep, size_t origin);

/* Adds from's counts and copies of its problems (after into's own) to into. */
void kube_reporter_merge(kube_reporter *into, const kube_reporter *from);

/* Sorts the problems by file, line, then report order. */
void kube_problems_sort(kube_reporter *rep);
#endif
