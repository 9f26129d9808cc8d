/* kube_watch.h: the objects routesrv needs, kept current by LIST + WATCH (spec
 * kubernetes-watch.md W1, W3), for routesrv-serve -kubernetes-watch and routesrv-fetch -watch.
 *
 * Per resource type (Ingresses; RouteGroups while their CRD is installed; Services;
 * Endpoints or EndpointSlices as the request says), with the request's label selectors and
 * the client's namespace:
 *   - LIST it as kube_fetch does (resourceVersion=0 or consistent reads, paging), hand the
 *     complete list to the handler (on_list: "this is all of them now"), then
 *   - WATCH from the list's resourceVersion (RV) with allowWatchBookmarks=true and a
 *     timeoutSeconds drawn at random in [timeout, 2 timeout) (client-go's 5-10 minutes,
 *     so that a fleet of clients does not reconnect in step); each ADDED, MODIFIED or DELETED
 *     goes to on_event with the object's JSON text as the server sent it;
 *   - every event and BOOKMARK moves the RV to resume from; a watch that ends (timeout, the
 *     server's limit) is started again at once from that RV; one that fails (connection cut,
 *     5xx, an event that is not JSON) again from that RV after a backoff growing from
 *     backoff_initial_ms to backoff_max_ms, with full jitter on top (client-go's 800 ms to
 *     30 s); an ERROR event or HTTP answer 410 Gone (the RV was compacted away) means LIST
 *     again and watch from the new list's RV; a 401 re-reads the credentials first;
 *   - RouteGroups: the discovery document decides, with kube_fetch's rule (a CRD seen
 *     before is gone only after 10 discoveries in a row miss it): while absent it is
 *     checked every discovery_interval_ms; a RouteGroup watch answered 404 starts those
 *     checks every recheck_ms; once gone, on_gone tells the handler to drop RouteGroups.
 * Objects are framed by JSON value, not by line (robust against servers that do not put
 * one per line); an event larger than KUBE_WATCH_MAX_EVENT without ending fails the stream.
 *
 * Threads: one. Every stream runs on libcurl's multi interface, driven by kube_watch_run on
 * the caller's thread, and every handler call happens there: the handler decodes objects
 * with jq's jv, which must stay on one thread, into state that thread owns (the store, the
 * compile). Threads per stream would only hand bytes to that thread through queues and
 * locks, for streams that are idle nearly all the time; with HTTP/2 (TLS) the multi handle
 * carries every stream over one connection to the API server. LISTs are blocking (the
 * client's own handle), like a poll cycle's: while one runs, the streams' bytes wait in the
 * kernel and nothing is lost.
 *
 * Metrics (routesrv_custom_total, base/metrics.h): watch.events.<type> (added, modified,
 * deleted, bookmark, error), watch.relists (LISTs after the first), watch.reconnects
 * (watches started again after a failure), routes.fetch_errors (failed LISTs, as failed
 * polls count there).
 *
 * Ownership: the watch borrows the client, the request's strings and the handler; the
 * handler borrows what it is given for the duration of the call (a list's pages it may
 * take). kube_watch_free ends every stream. */
#ifndef ROUTESRV_KUBE_WATCH_H
#define ROUTESRV_KUBE_WATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/opt.h"
#include "source/kube_client.h"
#include "source/kube_request.h"

#define KUBE_WATCH_MAX_EVENT ((size_t)64 << 20)

typedef enum { KUBE_WATCH_ADDED, KUBE_WATCH_MODIFIED, KUBE_WATCH_DELETED } kube_watch_type;

typedef struct {
	/* A complete, fresh list of one resource type (the first one, or after a 410, a
	 * RouteGroup CRD that appeared, or kube_watch_relist): what the handler holds of that
	 * type is to be replaced by exactly these objects. The handler may take the list's
	 * pages over (leaving *list zeroed: kube_client_list_free then frees nothing). */
	void (*on_list)(void *ctx, kube_list_id id, kube_list *list);
	/* One change: object is the event's "object" JSON text (with kind and apiVersion).
	 * arrived: CLOCK_MONOTONIC seconds when its bytes arrived. */
	void (*on_event)(void *ctx, kube_list_id id, kube_watch_type type, const char *object, size_t len, double arrived);
	/* The RouteGroup CRD is gone (after the checks above): drop every RouteGroup. */
	void (*on_gone)(void *ctx, kube_list_id id);
	void *ctx;
} kube_watch_handler;

typedef struct {
	long timeout_ms;             /* -watch-timeout: timeoutSeconds from [timeout, 2 timeout) (whole
	                              * seconds, at least 1) */
	long backoff_initial_ms;     /* first retry after a failure (then doubled) */
	long backoff_max_ms;         /* longest retry interval before jitter */
	long discovery_interval_ms;  /* -watch-crd-interval: checks for a RouteGroup CRD that is not installed */
	long recheck_ms;             /* checks after a RouteGroup watch answered 404 (at most
	                              * discovery_interval_ms) */
} kube_watch_config;

/* client-go's timings: 5-10 minute watches, backoff 800 ms to 30 s; the CRD checked every
 * 30 s while absent, every 3 s (a poll interval) after a 404. */
void kube_watch_config_init(kube_watch_config *cfg);
/* The flags of the watch (-watch-timeout, -watch-crd-interval): opt.h entries starting with
 * a group title and ending with a {NULL} entry, targets in cfg. A static table: call once. */
const opt_def *kube_watch_config_flags(kube_watch_config *cfg, size_t *n);
/* 0, or -1 with a usage message in err (a duration that is not positive). */
int kube_watch_config_check(const kube_watch_config *cfg, buf *err);

typedef struct kube_watch kube_watch;

/* Nothing is requested before the first kube_watch_run. */
kube_watch *kube_watch_new(kube_client *client, const kube_fetch_request *req, const kube_watch_config *cfg,
			   const kube_watch_handler *handler);
void kube_watch_free(kube_watch *w);   /* NULL is fine */

/* Does what is due (discovery, LISTs, starting watches) and runs the streams until
 * `deadline` (CLOCK_MONOTONIC; NULL: no deadline), until fd (>= 0, e.g. a signalfd) is
 * readable, or until a handler was called (the caller may have something due sooner then,
 * e.g. a debounce). Returns 1 when fd is readable, 2 after handler calls, 0 at the deadline. */
int kube_watch_run(kube_watch *w, int fd, const struct timespec *deadline);

/* Lists every resource type again now (the RouteGroup discovery too), hands each list to
 * on_list and restarts its watch from the list's RV. A type whose list fails keeps its
 * watch. 0 when every list succeeded; -1 with the first failure in err. */
int kube_watch_relist(kube_watch *w, buf *err);

/* Every resource type has had its first complete list (RouteGroups: or are known to be
 * absent): before that, the handler's state is incomplete and must not be published. */
bool kube_watch_synced(const kube_watch *w);
/* Every wanted stream is running (none waits for a retry or a list). */
bool kube_watch_healthy(const kube_watch *w);
/* True (with the message in err) when the first list of some resource type failed and it
 * has not been listed since: a command can give up instead of retrying forever. */
bool kube_watch_first_list_failed(const kube_watch *w, buf *err);
/* When the last event or bookmark arrived (CLOCK_MONOTONIC seconds; 0: none yet). */
double kube_watch_last_event(const kube_watch *w);
#endif
