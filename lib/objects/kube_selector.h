/* kube_selector.h: Kubernetes equality-based label selectors, for objects read from files
 * (the API client sends the same selectors to the API server instead).
 *
 * Syntax: comma-separated requirements, each `key=value`, `key==value`, `key!=value`,
 * `key` (the label exists) or `!key` (it does not); all must hold. Spaces around keys
 * and values are ignored. Set-based requirements (`key in (a,b)`) are not supported.
 * An empty selector matches everything. */
#ifndef ROUTESRV_KUBE_SELECTOR_H
#define ROUTESRV_KUBE_SELECTOR_H
#include <stdbool.h>

#include "base/buf.h"
#include "objects/kube_model.h"
#include "source/kube_request.h"

/* 0 if the selector is well-formed, else -1 with the reason in err. */
int kube_selector_check(const char *selector, buf *err);
/* Drops the objects of c that the request's label selectors exclude (the client-side half
 * of the selection rule; the pipeline decides when it applies). */
void kube_cluster_select(kube_cluster *c, const kube_fetch_request *r);
#endif
