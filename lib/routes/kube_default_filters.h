/* kube_default_filters.h: the -default-filters-dir feature (spec kubernetes-to-eskip.md §5.9.3).
 *
 * The directory is read once per cycle: each entry named exactly "<service>.<namespace>"
 * that is a regular file or a symlink of at most 1 MiB holds an eskip filter chain for
 * that service. Files are parsed lazily on first use; a parse error is reported on every
 * use as "[eskip] default filters: <parse error>".
 *
 * Ownership: everything lives in the arena passed to kube_default_filters_read (the cycle
 * arena); filter calls returned by kube_default_filters_get point there too and must be
 * copied (route_prepend_filters copies) into the route's arena. */
#ifndef ROUTESRV_KUBE_DEFAULT_FILTERS_H
#define ROUTESRV_KUBE_DEFAULT_FILTERS_H
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "eskip/route.h"

typedef struct kube_default_filters kube_default_filters;

/* Reads the directory. Unreadable → logs "could not fetch default filter configurations"
 * and returns NULL (feature off for this cycle). dir NULL or "" → NULL without a log. */
kube_default_filters *kube_default_filters_read(arena *a, const char *dir);
/* The filters for (namespace, service), copied into `out`: 0 with *calls and *n set (none if no
 * file), or -1 with the error in err. df NULL → 0 and no filters. */
int kube_default_filters_get(kube_default_filters *df, arena *out, str ns, str service,
	call **calls, size_t *n, buf *err);
#endif
