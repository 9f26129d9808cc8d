/* kube_hostrx.h: skipper's host regexp for Ingress and RouteGroup hosts (spec
 * kubernetes-to-eskip.md §5.1).
 *
 *   hostRx("example.org")      = ^(example[.]org[.]?(:[0-9]+)?)$
 *   hostRx("a.b", "c.d")       = ^(a[.]b[.]?(:[0-9]+)?|c[.]d[.]?(:[0-9]+)?)$
 *
 * Only dots are escaped and hosts are not lowercased, as in skipper.
 *
 * Ownership: the result is allocated in the given arena. */
#ifndef ROUTESRV_KUBE_HOSTRX_H
#define ROUTESRV_KUBE_HOSTRX_H
#include <stddef.h>

#include "base/arena.h"

/* The regexp for n ≥ 1 hosts (n == 0 gives "^()$"; callers add no Host predicate then). */
str kube_host_rx(arena *a, const str *hosts, size_t n);
/* The regexp for a single host, also for "" (Ingress custom routes: ^([.]?(:[0-9]+)?)$). */
str kube_host_rx1(arena *a, str host);
#endif
