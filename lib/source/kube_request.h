/* kube_request.h: what to read from a cluster, whatever the source: the label selector of
 * each kind and which endpoint kind (spec kubernetes-to-eskip.md §1, §3.1).
 *
 * The API client sends the selectors to the API server (server-side selection); objects read
 * from files are selected with the same selectors after decoding (objects/kube_selector.h).
 * Which of the two applies is decided in one place, the pipeline (pipeline/pipeline.h).
 *
 * Ownership: the strings are borrowed (normally from the command's flag values). */
#ifndef ROUTESRV_KUBE_REQUEST_H
#define ROUTESRV_KUBE_REQUEST_H
#include <stdbool.h>

typedef struct {
	/* Equality-based label selectors, NULL or "" for all objects of the kind. */
	const char *ingresses, *routegroups, *services, *endpoints, *endpointslices;
	bool endpointslices_enabled;     /* EndpointSlices instead of Endpoints */
} kube_fetch_request;
#endif
