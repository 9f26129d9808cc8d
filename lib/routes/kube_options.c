/* kube_options.c: skipper's Kubernetes conversion flags, their defaults and the
 * normalisation skipper performs once when it builds its data client (spec §1). */
#include "routes/kube_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eskip/eskip.h"
#include "objects/kube_selector.h"
#include "go/regex.h"

static const char *const path_modes[] = { "kubernetes-ingress", "path-regexp", "path-prefix", NULL };
static const char *const traffic_algorithms[] = { "traffic-predicate", "traffic-segment-predicate", NULL };
/* Completed and listed; the value is checked by log_level_parse, which takes skipper's others. */
static const char *const log_levels[] = { "ERROR", "WARN", "INFO", "DEBUG", NULL };
static const char *const lb_algorithms[] = {
	"roundRobin", "random", "consistentHash", "powerOfRandomNChoices", "weightedRoundRobin", "leastRequests", NULL,
};

#define EW_DEFAULT_DOMAIN "skipper.cluster.local"

void kube_options_init(kube_options *o)
{
	memset(o, 0, sizeof *o);
	o->arena = arena_new();
	o->flag.ingress_class = "";
	o->flag.routegroup_class = "";
	o->flag.path_mode = "kubernetes-ingress";
	o->flag.east_west_domain = "";
	o->flag.east_west_range_predicates = "";
	o->flag.application_annotation_label = "";
	o->flag.default_lb_algorithm = "roundRobin";
	o->flag.backend_traffic_algorithm = "traffic-predicate";
	o->flag.forward_backend_url = "";
	o->flag.topology_zone = "";
	o->flag.default_filters_dir = "";
	o->flag.whitelisted_healthcheck_cidr = "";
	o->flag.application_log_level = "INFO";
	o->flag.ingresses_label_selector = "";
	o->flag.routegroups_label_selector = "";
	o->flag.services_label_selector = "";
	o->flag.endpoints_label_selector = "";
	o->flag.endpointslices_label_selector = "";
	o->flag.status_from_service = "";
	o->flag.https_redirect_code = 308;
	o->https_redirect = true;
	o->healthcheck = true;
	o->app_log_level = LOG_INFO;
}

#define STRING(n, t, mv, h) { .name = n, .kind = OPT_STRING, .target = t, .metavar = mv, .help = h }
#define BOOL(n, t, h) { .name = n, .kind = OPT_BOOL, .target = t, .help = h }
#define LIST(n, t, mv, h) { .name = n, .kind = OPT_LIST, .target = t, .metavar = mv, .help = h }

const opt_def *kube_options_flags(kube_options *o, size_t *n)
{
	const opt_def table[] = {
		{ .name = "conversion-group", .kind = OPT_GROUP, .help = "Kubernetes conversion (skipper's flags)" },
		STRING("kubernetes-ingress-class", &o->flag.ingress_class, "REGEXP",
		       "keep Ingresses whose class matches this regexp (empty: skipper)"),
		STRING("kubernetes-routegroup-class", &o->flag.routegroup_class, "REGEXP",
		       "keep RouteGroups whose class matches this regexp (empty: skipper)"),
		{ .name = "kubernetes-path-mode", .kind = OPT_STRING, .target = &o->flag.path_mode, .metavar = "MODE",
		  .help = "how ImplementationSpecific Ingress paths are read", .choices = path_modes },
		BOOL("kubernetes-https-redirect", &o->https_redirect, "add HTTPS redirect routes"),
		{ .name = "kubernetes-https-redirect-code", .kind = OPT_INT, .target = &o->flag.https_redirect_code,
		  .metavar = "CODE", .help = "status code of the HTTPS redirects (<= 0: 308)" },
		BOOL("kubernetes-disable-catchall-routes", &o->disable_catchall_routes, "do not add catch-all shunt routes"),
		BOOL("kubernetes-healthcheck", &o->healthcheck, "add the kube__healthz_up/down routes"),
		STRING("whitelisted-healthcheck-cidr", &o->flag.whitelisted_healthcheck_cidr, "CIDRS",
		       "comma-separated CIDRs added to the health-check Source predicate"),
		BOOL("reverse-source-predicate", &o->reverse_source_predicate,
		     "health-check routes use SourceFromLast instead of Source"),
		{ .name = "application-log-level", .kind = OPT_STRING, .target = &o->flag.application_log_level,
		  .metavar = "LEVEL", .choices = log_levels, .flags = OPT_OPEN_CHOICES,
		  .help = "log level in any case, also logrus's PANIC, FATAL, WARNING and TRACE "
			  "(DEBUG also keeps access logs of kube__healthz_up)" },
		BOOL("enable-kubernetes-east-west", &o->east_west, "add east-west copies of routes (deprecated)"),
		STRING("kubernetes-east-west-domain", &o->flag.east_west_domain, "DOMAIN",
		       "east-west domain (empty: skipper.cluster.local when east-west is on)"),
		LIST("kubernetes-east-west-range-domains", &o->flag.east_west_range_domains, "DOMAINS",
		     "comma-separated host suffixes of internal (east-west range) hosts"),
		STRING("kubernetes-east-west-range-predicates", &o->flag.east_west_range_predicates, "PREDICATES",
		       "eskip predicates appended to routes of internal hosts"),
		LIST("kubernetes-annotation-predicates", &o->flag.annotation_predicates, "KEY=VALUE=PREDICATES",
		     "append predicates to external routes of objects with this annotation"),
		LIST("kubernetes-annotation-filters-append", &o->flag.annotation_filters_append, "KEY=VALUE=FILTERS",
		     "append filters to external routes of objects with this annotation"),
		LIST("kubernetes-east-west-range-annotation-predicates", &o->flag.ew_range_annotation_predicates,
		     "KEY=VALUE=PREDICATES", "append predicates to internal routes of objects with this annotation"),
		LIST("kubernetes-east-west-range-annotation-filters-append", &o->flag.ew_range_annotation_filters_append,
		     "KEY=VALUE=FILTERS", "append filters to internal routes of objects with this annotation"),
		STRING("kubernetes-application-annotation-label", &o->flag.application_annotation_label, "LABEL",
		       "label whose value is added as annotate(\"Application\", VALUE)"),
		BOOL("enable-kubernetes-external-names", &o->external_names, "allow Ingress backends of ExternalName services"),
		BOOL("kubernetes-external-name-preserve-host", &o->external_name_preserve_host,
		     "keep the Host header for ExternalName backends"),
		BOOL("kubernetes-only-allowed-external-names", &o->only_allowed_external_names,
		     "accept only external names matching -kubernetes-allowed-external-name"),
		{ .name = "kubernetes-allowed-external-name", .kind = OPT_LIST, .target = &o->flag.allowed_external_names,
		  .metavar = "REGEXP", .help = "allowed external host name regexp",
		  .config_key = "kubernetes-allowed-external-names" },
		BOOL("kubernetes-force-service", &o->force_service, "route Ingress backends to the service's cluster DNS name"),
		{ .name = "kubernetes-default-lb-algorithm", .kind = OPT_STRING, .target = &o->flag.default_lb_algorithm,
		  .metavar = "ALGORITHM", .help = "load balancing algorithm of LB routes (unknown: roundRobin)",
		  .choices = lb_algorithms, .flags = OPT_OPEN_CHOICES },
		{ .name = "kubernetes-backend-traffic-algorithm", .kind = OPT_STRING,
		  .target = &o->flag.backend_traffic_algorithm, .metavar = "ALGORITHM",
		  .help = "how backend weights become predicates", .choices = traffic_algorithms },
		{ .name = "forward-backend-url", .kind = OPT_STRING, .target = &o->flag.forward_backend_url,
		  .metavar = "URL", .help = "target of forward backends", .completion = "url" },
		STRING("kubernetes-topology-zone", &o->flag.topology_zone, "ZONE",
		       "keep only this zone's endpoints when it has at least 3"),
		BOOL("enable-kubernetes-endpointslices", &o->endpointslices, "read EndpointSlices instead of Endpoints"),
		{ .name = "default-filters-dir", .kind = OPT_STRING, .target = &o->flag.default_filters_dir,
		  .metavar = "DIR", .help = "directory of per-service default filters (SERVICE.NAMESPACE files)",
		  .completion = "dir" },
		BOOL("opentracing-backend-name-tag", &o->backend_name_tracing_tag,
		     "add tracingTag(\"skipper.backend_name\", NAME) to RouteGroup routes (skipper's option; "
		     "its routesrv, like routesrv-serve, ignores the flag)"),
		BOOL("kubernetes-enable-tls", &o->flag.enable_tls, "accepted for skipper compatibility; no effect"),
		STRING("kubernetes-status-from-service", &o->flag.status_from_service, "NS/NAME",
		       "routesrv-serve writes this Service's load-balancer addresses into the status of the "
		       "Ingresses it serves (no effect on routes)"),
		{ .name = "selection-group", .kind = OPT_GROUP,
		  .help = "Label selection (routesrv's flags for options skipper's data client has without flags)" },
		STRING("kubernetes-ingresses-label-selector", &o->flag.ingresses_label_selector, "K=V,...",
		       "use only Ingresses with these labels"),
		STRING("kubernetes-routegroups-label-selector", &o->flag.routegroups_label_selector, "K=V,...",
		       "use only RouteGroups with these labels"),
		STRING("kubernetes-services-label-selector", &o->flag.services_label_selector, "K=V,...",
		       "use only Services with these labels"),
		STRING("kubernetes-endpoints-label-selector", &o->flag.endpoints_label_selector, "K=V,...",
		       "use only Endpoints with these labels"),
		STRING("kubernetes-endpointslices-label-selector", &o->flag.endpointslices_label_selector, "K=V,...",
		       "use only EndpointSlices with these labels"),
		{ .name = NULL },
	};
	size_t count = sizeof table / sizeof *table;
	opt_def *copy = arena_alloc(o->arena, sizeof table);
	memcpy(copy, table, sizeof table);
	if (n)
		*n = count - 1;
	return copy;
}

/* --- normalisation --------------------------------------------------------------------- */

static int index_of(const char *const *names, const char *v)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* Splits a comma list into o->arena strings; empty items are skipped. */
static void split_commas(arena *a, const char *s, str **out, size_t *n)
{
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			str *slot = arena_array_push(a, (void **)out, n, sizeof *slot);
			*slot = arena_strndup(a, s, len);
		}
		s = comma ? comma + 1 : NULL;
	}
}

static str trim_dots(arena *a, const char *s)
{
	size_t len = strlen(s);
	while (len && *s == '.')
		s++, len--;
	while (len && s[len - 1] == '.')
		len--;
	return arena_strndup(a, s, len);
}

typedef int (*calls_parser)(arena *, const char *, size_t, call **, size_t *, buf *);

/* One KEY=VALUE=CALLS entry, split at the first two '=' as skipper does. */
static int parse_annotation_entry(kube_options *o, const char *flag, const char *entry, calls_parser parse,
				  kube_annotation_calls **list, size_t *n, buf *err)
{
	const char *eq1 = strchr(entry, '=');
	const char *eq2 = eq1 ? strchr(eq1 + 1, '=') : NULL;
	if (!eq1 || !eq2) {
		buf_printf(err, "invalid -%s value \"%s\": want KEY=VALUE=%s", flag, entry,
			   parse == eskip_parse_filters ? "FILTERS" : "PREDICATES");
		return -1;
	}
	kube_annotation_calls e = {
		.key = arena_strndup(o->arena, entry, (size_t)(eq1 - entry)),
		.value = arena_strndup(o->arena, eq1 + 1, (size_t)(eq2 - eq1 - 1)),
	};
	for (size_t i = 0; i < *n; i++)
		if (str_eq((*list)[i].key, e.key) && str_eq((*list)[i].value, e.value)) {
			buf_printf(err, "invalid -%s value \"%s\": duplicate annotation key-value pair %s=%s", flag, entry,
				   e.key.ptr, e.value.ptr);
			return -1;
		}
	buf perr = BUF_INIT;
	if (parse(o->arena, eq2 + 1, strlen(eq2 + 1), &e.calls, &e.ncalls, &perr) != 0) {
		buf_printf(err, "invalid -%s value \"%s\": %s", flag, entry, perr.ptr ? perr.ptr : "parse error");
		buf_free(&perr);
		return -1;
	}
	buf_free(&perr);
	kube_annotation_calls *slot = arena_array_push(o->arena, (void **)list, n, sizeof *slot);
	*slot = e;
	return 0;
}

static int parse_annotation_flag(kube_options *o, const char *flag, const opt_list *values, calls_parser parse,
				 kube_annotation_calls **list, size_t *n, buf *err)
{
	for (size_t i = 0; i < values->n; i++) {
		if (!values->v[i] || !*values->v[i])
			continue;
		if (parse_annotation_entry(o, flag, values->v[i], parse, list, n, err) != 0)
			return -1;
	}
	return 0;
}

/* An empty class flag means skipper's default class regexp "skipper". */
static regex_list *class_regex(const char *flag, const char *value, buf *err)
{
	const char *re = value && *value ? value : "skipper";
	return regex_list_compile(&re, 1, flag, err);
}

static int finish_regexps(kube_options *o, buf *err)
{
	o->ingress_class = class_regex("kubernetes-ingress-class", o->flag.ingress_class, err);
	if (!o->ingress_class)
		return -1;
	o->routegroup_class = class_regex("kubernetes-routegroup-class", o->flag.routegroup_class, err);
	if (!o->routegroup_class)
		return -1;
	/* Without -kubernetes-only-allowed-external-names every name is allowed. */
	static const char *const allow_all[] = { ".*" };
	if (o->only_allowed_external_names)
		o->allowed_external_names = regex_list_compile(o->flag.allowed_external_names.v,
							       o->flag.allowed_external_names.n,
							       "kubernetes-allowed-external-name", err);
	else
		o->allowed_external_names = regex_list_compile(allow_all, 1, "kubernetes-allowed-external-name", err);
	return o->allowed_external_names ? 0 : -1;
}

static int finish_enums(kube_options *o, buf *err)
{
	int mode = index_of(path_modes, o->flag.path_mode ? o->flag.path_mode : "");
	if (mode < 0) {
		buf_printf(err, "invalid -kubernetes-path-mode \"%s\": want kubernetes-ingress, path-regexp or path-prefix",
			   o->flag.path_mode ? o->flag.path_mode : "");
		return -1;
	}
	o->path_mode = (kube_path_mode)mode;
	int algo = index_of(traffic_algorithms, o->flag.backend_traffic_algorithm ? o->flag.backend_traffic_algorithm : "");
	if (algo < 0) {
		buf_printf(err, "invalid -kubernetes-backend-traffic-algorithm \"%s\": want traffic-predicate or "
			   "traffic-segment-predicate", o->flag.backend_traffic_algorithm ? o->flag.backend_traffic_algorithm : "");
		return -1;
	}
	o->traffic_algorithm = (kube_traffic_algorithm)algo;
	/* An unknown load balancer algorithm silently becomes roundRobin, as in skipper. */
	const char *lb = o->flag.default_lb_algorithm ? o->flag.default_lb_algorithm : "";
	o->default_lb_algorithm = arena_strdup(o->arena, index_of(lb_algorithms, lb) >= 0 ? lb : "roundRobin");
	if (log_level_parse(o->flag.application_log_level ? o->flag.application_log_level : "", &o->app_log_level) != 0) {
		buf_printf(err, "invalid -application-log-level \"%s\": want ERROR, WARN, INFO or DEBUG",
			   o->flag.application_log_level ? o->flag.application_log_level : "");
		return -1;
	}
	o->debug_logging = o->app_log_level >= LOG_DEBUG;
	return 0;
}

static int finish_east_west(kube_options *o, buf *err)
{
	const char *domain = o->flag.east_west_domain ? o->flag.east_west_domain : "";
	/* Without east-west the raw value still feeds the Ingress redirect check (spec §7.7). */
	if (o->east_west)
		o->east_west_domain = *domain ? trim_dots(o->arena, domain) : arena_strdup(o->arena, EW_DEFAULT_DOMAIN);
	else
		o->east_west_domain = arena_strdup(o->arena, domain);
	for (size_t i = 0; i < o->flag.east_west_range_domains.n; i++)
		split_commas(o->arena, o->flag.east_west_range_domains.v[i], &o->east_west_range_domains,
			     &o->neast_west_range_domains);
	const char *preds = o->flag.east_west_range_predicates ? o->flag.east_west_range_predicates : "";
	buf perr = BUF_INIT;
	int rc = eskip_parse_predicates(o->arena, preds, strlen(preds), &o->east_west_range_predicates,
					&o->neast_west_range_predicates, &perr);
	if (rc != 0)
		buf_printf(err, "invalid -kubernetes-east-west-range-predicates \"%s\": %s", preds,
			   perr.ptr ? perr.ptr : "parse error");
	buf_free(&perr);
	return rc;
}

static int finish_annotations(kube_options *o, buf *err)
{
	if (parse_annotation_flag(o, "kubernetes-annotation-predicates", &o->flag.annotation_predicates,
				  eskip_parse_predicates, &o->annotation_predicates, &o->nannotation_predicates, err) ||
	    parse_annotation_flag(o, "kubernetes-annotation-filters-append", &o->flag.annotation_filters_append,
				  eskip_parse_filters, &o->annotation_filters, &o->nannotation_filters, err) ||
	    parse_annotation_flag(o, "kubernetes-east-west-range-annotation-predicates",
				  &o->flag.ew_range_annotation_predicates, eskip_parse_predicates,
				  &o->ew_range_annotation_predicates, &o->new_range_annotation_predicates, err) ||
	    parse_annotation_flag(o, "kubernetes-east-west-range-annotation-filters-append",
				  &o->flag.ew_range_annotation_filters_append, eskip_parse_filters,
				  &o->ew_range_annotation_filters, &o->new_range_annotation_filters, err))
		return -1;
	return 0;
}

static int finish_selectors(const kube_options *o, buf *err)
{
	const struct { const char *flag, *value; } selectors[] = {
		{ "kubernetes-ingresses-label-selector", o->flag.ingresses_label_selector },
		{ "kubernetes-routegroups-label-selector", o->flag.routegroups_label_selector },
		{ "kubernetes-services-label-selector", o->flag.services_label_selector },
		{ "kubernetes-endpoints-label-selector", o->flag.endpoints_label_selector },
		{ "kubernetes-endpointslices-label-selector", o->flag.endpointslices_label_selector },
	};
	for (size_t i = 0; i < sizeof selectors / sizeof *selectors; i++) {
		buf e = BUF_INIT;
		int rc = kube_selector_check(selectors[i].value, &e);
		if (rc != 0)
			buf_printf(err, "-%s: %s", selectors[i].flag, e.ptr);
		buf_free(&e);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static str flag_str(arena *a, const char *v) { return arena_strdup(a, v ? v : ""); }

int kube_options_finish(kube_options *o, buf *err)
{
	o->redirect_code = o->flag.https_redirect_code <= 0 ? 308 : o->flag.https_redirect_code;
	if (finish_enums(o, err) || finish_east_west(o, err) || finish_annotations(o, err) || finish_selectors(o, err) ||
	    finish_regexps(o, err))
		return -1;
	o->application_label = flag_str(o->arena, o->flag.application_annotation_label);
	o->forward_backend_url = flag_str(o->arena, o->flag.forward_backend_url);
	o->topology_zone = flag_str(o->arena, o->flag.topology_zone);
	o->default_filters_dir = flag_str(o->arena, o->flag.default_filters_dir);
	split_commas(o->arena, o->flag.whitelisted_healthcheck_cidr, &o->healthcheck_cidrs, &o->nhealthcheck_cidrs);
	return 0;
}

void kube_options_free(kube_options *o)
{
	if (!o)
		return;
	regex_list_free(o->ingress_class);
	regex_list_free(o->routegroup_class);
	regex_list_free(o->allowed_external_names);
	arena_free(o->arena);
	o->ingress_class = o->routegroup_class = o->allowed_external_names = NULL;
	o->arena = NULL;
}
