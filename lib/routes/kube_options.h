/* kube_options.h: the conversion options (spec kubernetes-to-eskip.md §1), with skipper's
 * flag names, shared by routesrv-compile and routesrv-serve.
 *
 * kube_options_flags() returns opt_def entries (see opt.h) that write into a kube_options;
 * commands splice them into their own option tables. kube_options_finish() validates and
 * normalises the values once after parsing, as skipper does at client construction.
 *
 * Ownership: kube_options owns an arena for everything parsed from the flags (predicate
 * and filter lists, compiled regexps are freed by kube_options_free). */
#ifndef ROUTESRV_KUBE_OPTIONS_H
#define ROUTESRV_KUBE_OPTIONS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/opt.h"
#include "eskip/route.h"

typedef struct regex_list regex_list;   /* compiled RE2-syntax regexps (PCRE2), see regex.h */

/* One -kubernetes-*annotation-* entry: annotation key=value → predicates or filters. */
typedef struct {
	str key, value;
	call *calls; size_t ncalls;
} kube_annotation_calls;

typedef enum { PATH_MODE_KUBERNETES_INGRESS, PATH_MODE_PATH_REGEXP, PATH_MODE_PATH_PREFIX } kube_path_mode;
typedef enum { TRAFFIC_PREDICATE, TRAFFIC_SEGMENT_PREDICATE } kube_traffic_algorithm;

typedef struct {
	/* Raw flag values (targets of the opt_def table). */
	struct {
		const char *ingress_class;
		const char *routegroup_class;
		const char *path_mode;
		const char *east_west_domain;
		const char *east_west_range_predicates;
		const char *application_annotation_label;
		const char *default_lb_algorithm;
		const char *backend_traffic_algorithm;
		const char *forward_backend_url;
		const char *topology_zone;
		const char *default_filters_dir;
		const char *whitelisted_healthcheck_cidr;
		const char *application_log_level;
		const char *ingresses_label_selector;
		const char *routegroups_label_selector;
		const char *services_label_selector;
		const char *endpoints_label_selector;
		const char *endpointslices_label_selector;
		long https_redirect_code;
		opt_list annotation_predicates, annotation_filters_append;
		opt_list ew_range_annotation_predicates, ew_range_annotation_filters_append;
		opt_list allowed_external_names;
		opt_list east_west_range_domains;  /* comma lists; repeats and YAML lists add up */
		const char *status_from_service;  /* routesrv-serve's Ingress status writer; no effect on routes */
		bool enable_tls;                  /* accepted for skipper compatibility; no effect on routes */
	} flag;

	/* Normalised values (set by kube_options_finish). */
	bool https_redirect, disable_catchall_routes, healthcheck, reverse_source_predicate;
	bool east_west, external_names, external_name_preserve_host, only_allowed_external_names;
	bool force_service, endpointslices, backend_name_tracing_tag, debug_logging;
	log_level app_log_level;                /* parsed -application-log-level */
	long redirect_code;                     /* ≤ 0 → 308 */
	kube_path_mode path_mode;
	kube_traffic_algorithm traffic_algorithm;
	str default_lb_algorithm;               /* validated, defaults to roundRobin */
	str east_west_domain;                   /* normalised (dots trimmed; default when EW on) */
	str *east_west_range_domains; size_t neast_west_range_domains;
	call *east_west_range_predicates; size_t neast_west_range_predicates;
	kube_annotation_calls *annotation_predicates; size_t nannotation_predicates;
	kube_annotation_calls *annotation_filters; size_t nannotation_filters;
	kube_annotation_calls *ew_range_annotation_predicates; size_t new_range_annotation_predicates;
	kube_annotation_calls *ew_range_annotation_filters; size_t new_range_annotation_filters;
	regex_list *ingress_class, *routegroup_class, *allowed_external_names;
	str application_label, forward_backend_url, topology_zone, default_filters_dir;
	str *healthcheck_cidrs; size_t nhealthcheck_cidrs;   /* the extra whitelisted CIDRs */

	arena *arena;
} kube_options;

/* Sets skipper's CLI defaults (healthcheck and https-redirect on). */
void kube_options_init(kube_options *o);
/* The opt_def entries for all conversion flags, ending with a {NULL} entry; targets point
 * into o. Commands copy them into their own table. */
const opt_def *kube_options_flags(kube_options *o, size_t *n);
/* Validates and normalises after parsing; returns 0, or -1 with skipper's message in err
 * (e.g. an invalid -kubernetes-path-mode or a predicate list that does not parse). */
int kube_options_finish(kube_options *o, buf *err);
void kube_options_free(kube_options *o);
#endif
