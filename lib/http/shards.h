/* shards.h: the Redis/Valkey shard endpoints of routesrv-serve (spec eskip-and-http.md
 * B2.3): the addresses of one Service's endpoints, as skippers' -swarm-redis-remote reads
 * them: {"endpoints":[{"address":"10.2.5.7:6379"},{"address":"[fd00::1]:6379"}]}.
 *
 * The addresses come from the cluster state each poll cycle reads (poll_loop's on_cluster
 * hook): the IPs of the Service's Endpoints (every subset's ready addresses) or, with
 * -enable-kubernetes-endpointslices, of its EndpointSlices merged by skipper's rules
 * (ready, not terminating); sorted bytewise as strings, duplicates kept as skipper does;
 * each joined with the configured port, IPv6 in brackets.
 *
 * Threads: shards_update() runs on the poll thread; shards_body() on request threads; a
 * mutex guards the swap of the current body. Ownership: shards_new() copies what it is
 * given; shards_free() frees everything. */
#ifndef ROUTESRV_SHARDS_H
#define ROUTESRV_SHARDS_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "objects/kube_model.h"

typedef struct shards shards;

/* kind: "redis" or "valkey" (metric redis_endpoints, log lines); ns and name non-empty. */
shards *shards_new(const char *kind, const char *ns, const char *name, long port, bool endpointslices);
void shards_free(shards *s);              /* NULL is fine */

/* Recomputes the body from a cluster that was read (poll thread). */
void shards_update(shards *s, const kube_cluster *c);

/* Appends the current body to out (before the first cycle: no endpoints); *count is the
 * number of endpoints in it. Also sets the <kind>_endpoints gauge. */
void shards_body(shards *s, buf *out, size_t *count);


/* The pure part, for tests: the shard JSON of service ns/name in cluster c. */
void shards_json(buf *out, const kube_cluster *c, const char *ns, const char *name, long port,
	bool endpointslices, size_t *count);
#endif
