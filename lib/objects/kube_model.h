/* kube_model.h: the Kubernetes objects routesrv reads, as compact C structs.
 *
 * Readers (kube_read.h) turn JSON/YAML items into these structs one item at a time and
 * free the JSON value at once, so a 20 MB cluster never sits in memory as a jv tree.
 * Only the fields the conversion uses (spec kubernetes-to-eskip.md §3) are kept.
 * "present" flags distinguish a missing/null field from a zero value where skipper does.
 *
 * Ownership: a kube_cluster owns an arena holding every object, string and array below;
 * kube_cluster_free() releases all of it. */
#ifndef ROUTESRV_KUBE_MODEL_H
#define ROUTESRV_KUBE_MODEL_H
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

typedef struct {
	str key, value;
} kube_kv;

typedef struct {
	kube_kv *items;     /* keys unique (a later duplicate overwrites) */
	size_t n;
	bool sorted;        /* items in str_cmp key order (decoded maps): lookups bisect */
} kube_map;

/* Looks a key up; returns NULL if absent. O(log n) on a sorted map (annotations and labels
 * are looked up once per route, and one object may have thousands of each). */
const str *kube_map_get(const kube_map *m, const char *key);
const str *kube_map_find(const kube_map *m, str key);
/* Sorts the items by key and marks the map sorted. */
void kube_map_sort(kube_map *m);

/* A Kubernetes time (metav1.Time: RFC 3339, "2026-11-27T11:16:13Z", a fraction and a
 * numeric offset accepted) as Unix seconds, the fraction dropped. False when malformed. */
bool kube_parse_time(const char *s, long long *unix_seconds);

typedef struct {
	bool present;       /* the item had a metadata object */
	str ns, name;       /* raw namespace (may be empty) and name */
	kube_map annotations, labels;
	/* Not used by the conversion; read leniently (a value of another type is ignored, as
	 * skipper never decodes them): they tell which objects changed between two reads. */
	str resource_version;       /* "" when absent */
	long long managed_time;     /* the newest managedFields[].time, Unix seconds; 0: none */
	/* Provenance: the file the object was read from (in the cluster's arena; NULL when it
	 * came from the API) and the line where its document or list item starts (1-based; 0
	 * unknown). Every problem about the object names both (objects/kube_report.h). */
	const char *source;
	size_t line;
} kube_meta;

/* status.loadBalancer.ingress[] of an Ingress or a Service (-kubernetes-status-from-service). */
typedef struct {
	str ip, hostname;
} kube_lb_ingress;

/* --- networking.k8s.io/v1 Ingress ---------------------------------------------------- */
typedef struct {
	bool present;       /* backend.service present */
	str service;        /* service.name */
	long port_number;   /* service.port.number, 0 if unset */
	str port_name;      /* service.port.name */
} kube_ingress_backend;

typedef struct {
	str path, path_type;
	bool has_backend;   /* the path had a backend object (skipper crashes without one) */
	kube_ingress_backend backend;
} kube_ingress_path;

typedef struct {
	str host;
	bool has_http;      /* rule.http present (rules without it are skipped) */
	kube_ingress_path *paths; size_t npaths;
} kube_ingress_rule;

typedef struct {
	str *hosts; size_t nhosts;
	str secret_name;
} kube_tls;

typedef struct {
	kube_meta meta;
	bool has_spec;
	str ingress_class_name;
	kube_ingress_backend default_backend;   /* .present false when absent */
	kube_ingress_rule *rules; size_t nrules;
	kube_tls *tls; size_t ntls;
	kube_lb_ingress *lb; size_t nlb;        /* status.loadBalancer.ingress */
} kube_ingress;

/* --- zalando.org/v1 RouteGroup --------------------------------------------------------- */
typedef struct {
	str name, type, address, algorithm;
	str *endpoints; size_t nendpoints;
	str service_name;
	long service_port;
} kube_rg_backend;

typedef struct {
	bool name_present;  /* backendName was present and not null */
	str backend_name;
	long weight;
} kube_rg_backend_ref;

typedef struct {
	bool present;       /* false for a null item in routes[] */
	str path, path_subtree, path_regexp;
	kube_rg_backend_ref *backends; size_t nbackends;
	str *filters; size_t nfilters;
	str *predicates; size_t npredicates;
	str *methods; size_t nmethods;
} kube_rg_route;

typedef struct {
	kube_meta meta;
	bool has_spec;
	str *hosts; size_t nhosts;
	kube_rg_backend *backends; size_t nbackends;
	kube_rg_backend_ref *default_backends; size_t ndefault_backends;
	kube_rg_route *routes; size_t nroutes;
	kube_tls *tls; size_t ntls;
} kube_routegroup;

/* --- v1 Service -------------------------------------------------------------------------- */
typedef struct {
	str name, protocol;
	long port;
	bool has_target_port;       /* targetPort present and not null... */
	bool target_port_is_name;   /* ...as a string (otherwise an integer, null decodes to 0) */
	long target_port;
	str target_port_name;
} kube_service_port;

typedef struct {
	kube_meta meta;
	bool has_spec;
	str type, cluster_ip, external_name;
	kube_service_port *ports; size_t nports;
	str *external_ips; size_t nexternal_ips; /* spec.externalIPs */
	kube_lb_ingress *lb; size_t nlb;        /* status.loadBalancer.ingress */
} kube_service;

/* --- v1 Endpoints -------------------------------------------------------------------------- */
typedef struct {
	str name, protocol, app_protocol;
	long port;
} kube_endpoint_port;

typedef struct {
	str *addresses; size_t naddresses;      /* addresses[].ip (notReadyAddresses ignored) */
	kube_endpoint_port *ports; size_t nports;
} kube_endpoint_subset;

typedef struct {
	kube_meta meta;
	kube_endpoint_subset *subsets; size_t nsubsets;
} kube_endpoints;

/* --- discovery.k8s.io/v1 EndpointSlice --------------------------------------------------- */
typedef struct {
	str *addresses; size_t naddresses;
	str zone;
	bool has_conditions, ready_set, ready, terminating;
} kube_slice_endpoint;

typedef struct {
	kube_meta meta;
	str service_name;                        /* label kubernetes.io/service-name */
	bool has_ports;                          /* ports present and not null */
	kube_endpoint_port *ports; size_t nports;
	kube_slice_endpoint *endpoints; size_t nendpoints;
} kube_endpointslice;

/* --- everything one conversion cycle sees -------------------------------------------------- */
typedef struct {
	arena *arena;
	kube_ingress *ingresses;         size_t ningresses;
	kube_routegroup *routegroups;    size_t nroutegroups;
	kube_service *services;          size_t nservices;
	kube_endpoints *endpoints;       size_t nendpoints;
	kube_endpointslice *slices;      size_t nslices;
	bool routegroups_known;          /* fetch: the RouteGroup CRD exists (files: always true) */
} kube_cluster;

kube_cluster *kube_cluster_new(void);
/* A cluster in arena a, which it takes over (e.g. arena_new_small() for one object). */
kube_cluster *kube_cluster_new_in(arena *a);
void kube_cluster_free(kube_cluster *c);      /* NULL is fine */
#endif
