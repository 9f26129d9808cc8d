/* kube_client.h: a Kubernetes API client that is gentle with the API server
 * (spec kubernetes-to-eskip.md §3.1, peers-and-platform.md §3.2 and §5).
 *
 * One fetch lists, in skipper's order: Ingresses, the zalando.org/v1 discovery document,
 * RouteGroups (only when the CRD is installed), Services, and Endpoints or EndpointSlices.
 * The raw list bodies come back in a kube_fetch_result; its two consumers share that one
 * code path and each parses every body exactly once:
 *   - the pipeline decodes them into a kube_cluster (objects/kube_read.h kube_read_fetched,
 *     strict typing as skipper's list decoding), every poll cycle, with the same client;
 *   - routesrv-fetch writes them as one JSON List (kube_fetch_result_write_list).
 *
 * The client owns one CURL easy handle, so the connection (HTTP/2 when the server offers it
 * over TLS) is reused across requests and cycles. Lists use resourceVersion=0 (the API
 * server's watch cache) unless consistent reads are asked for; -kubernetes-page-size pages
 * with limit/continue and restarts a list once when its continue token expired (410); a list
 * that takes more than -kubernetes-max-pages pages (an API server whose continue tokens never
 * end) fails the fetch, which keeps the last good table.
 * Bearer tokens from files are re-read at the start of every fetch and once more after a
 * 401; exec plugin credentials are cached until they expire or a 401 arrives.
 * Tokens never appear in messages, logs or URLs.
 *
 * Ownership: kube_client_new returns a client freed with kube_client_free; it copies what
 * it needs from the config. A kube_fetch_result owns its URLs and bodies
 * (kube_fetch_result_free). Not thread-safe: use one client from one thread. */
#ifndef ROUTESRV_KUBE_CLIENT_H
#define ROUTESRV_KUBE_CLIENT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "base/buf.h"
#include "base/opt.h"
#include "source/kube_request.h"

/* Where a command connects when no connection flag is given. */
typedef enum {
	/* skipper's routesrv (routesrv-serve): KUBE_DEFAULT_URL, $KUBECONFIG not read;
	 * -kubernetes-in-cluster wins over -kubernetes-url, which is then ignored (logged) */
	KUBE_DISCOVER_SKIPPER,
	/* kubectl's (routesrv-fetch): $KUBECONFIG, ~/.kube/config, else KUBE_DEFAULT_URL;
	 * -kubernetes-in-cluster with -kubernetes-url is a usage error */
	KUBE_DISCOVER_KUBECTL,
} kube_discovery;

/* Connection settings: the targets of kube_client_config_flags(). */
typedef struct {
	const char *url;                 /* -kubernetes-url; default http://127.0.0.1:8001 */
	bool in_cluster;                 /* -kubernetes-in-cluster */
	const char *token_file;          /* -kubernetes-token-file */
	const char *kubeconfig;          /* -kubeconfig */
	const char *kube_context;        /* -kube-context */
	const char *namespace;           /* -kubernetes-namespace; "" = cluster-wide */
	const char *ca_file;             /* -kubernetes-ca-file */
	const char *client_cert;         /* -kubernetes-client-cert */
	const char *client_key;          /* -kubernetes-client-key */
	bool insecure_skip_tls_verify;   /* -kubernetes-insecure-skip-tls-verify */
	bool gzip;                       /* -kubernetes-gzip */
	bool consistent_reads;           /* -kubernetes-consistent-reads */
	long page_size;                  /* -kubernetes-page-size; 0 = one request per list */
	long max_pages;                  /* -kubernetes-max-pages: pages one list may take, > 0 */
	long connect_timeout_ms;         /* -kubernetes-connect-timeout: connect and TLS handshake */
	long timeout_ms;                 /* -kubernetes-timeout: from the request to its response headers */
	long stall_timeout_ms;           /* -kubernetes-stall-timeout: no body bytes for this long */
	kube_discovery discovery;        /* set by the command before kube_client_config_flags() */
} kube_client_config;

#define KUBE_DEFAULT_URL "http://127.0.0.1:8001"
#define KUBE_DEFAULT_MAX_PAGES 10000
/* How every error of loading the cluster from the API begins (skipper's words). */
#define KUBE_LOAD_ERROR "failed to load cluster state: "
/* Overrides /var/run/secrets/kubernetes.io/serviceaccount for -kubernetes-in-cluster. */
#define KUBE_SERVICEACCOUNT_DIR_ENV "ROUTESRV_SERVICEACCOUNT_DIR"

void kube_client_config_init(kube_client_config *cfg);
/* The connection flags (opt.h entries, starting with a group title and ending with a
 * {NULL} entry) whose targets point into cfg. Returns a static table: call once. */
const opt_def *kube_client_config_flags(kube_client_config *cfg, size_t *n);

typedef struct kube_client kube_client;

/* Checks the configuration and sets up the connection mode (in-cluster, kubeconfig or URL;
 * reading a kubeconfig file happens here). NULL with a one-line message on a configuration
 * error (conflicting flags, unreadable kubeconfig, missing in-cluster environment). */
kube_client *kube_client_new(const kube_client_config *cfg, buf *err);
void kube_client_free(kube_client *c);          /* NULL is fine */
/* Reads the credentials once, as skipper does when it builds its client: with
 * -kubernetes-in-cluster the service-account token and CA must be readable (a pod without
 * them fails its start instead of every cycle). 0 ok, -1 with one line in err. */
int kube_client_check_credentials(kube_client *c, buf *err);
/* After a failed kube_fetch that could not connect: what the user can do (start kubectl
 * proxy, pass -kubeconfig ...), one sentence; NULL for other failures. */
const char *kube_client_hint(const kube_client *c);

/* Makes requests interruptible (shutdown): libcurl calls interrupted(ctx) while a request
 * runs, at least about once a second and whenever data arrives, so also while the API server
 * hangs; when it returns true the request is abandoned and the fetch fails with
 * "GET <url>: interrupted". NULL: never. The callback runs on the client's thread. */
void kube_client_set_interrupt(kube_client *c, bool (*interrupted)(void *ctx), void *ctx);
/* True when the last fetch failed because it was interrupted. */
bool kube_client_interrupted(const kube_client *c);

typedef enum {
	KUBE_LIST_INGRESSES,
	KUBE_LIST_ROUTEGROUPS,
	KUBE_LIST_SERVICES,
	KUBE_LIST_ENDPOINTS,
	KUBE_LIST_ENDPOINTSLICES,
	KUBE_NLISTS
} kube_list_id;

/* The item kind and apiVersion of a list, e.g. "Ingress", "networking.k8s.io/v1". */
const char *kube_list_kind(kube_list_id id);
const char *kube_list_api_version(kube_list_id id);

/* One list as the API returned it: one body per page. */
typedef struct {
	const char *kind;                /* item kind, e.g. "Ingress" */
	const char *api_version;         /* e.g. "networking.k8s.io/v1" */
	bool fetched;                    /* requested in this fetch */
	char **urls;                     /* the URL of each page */
	buf *pages; size_t npages;
} kube_list;

typedef struct {
	kube_list lists[KUBE_NLISTS];    /* indexed by kube_list_id, which is also output order */
	bool routegroups_known;          /* the RouteGroup CRD exists */
} kube_fetch_result;

/* Lists everything. 0 ok; -1 with "failed to load cluster state: GET <url>: <reason>" in
 * err when any request fails (a partial cluster would delete routes). A failing or 404
 * RouteGroup discovery is logged and leaves routegroups_known false (skipper's behaviour),
 * except on a client whose earlier fetch listed RouteGroups: then a failing discovery fails
 * the fetch, and so does a CRD gone missing until 10 fetches in a row confirm it. */
int kube_fetch(kube_client *c, const kube_fetch_request *r, kube_fetch_result *out, buf *err);
void kube_fetch_result_free(kube_fetch_result *r);

/* Appends one JSON List to out: every body validated (truncated or invalid JSON is an
 * error naming the URL), its items copied as the API sent them with "kind" and "apiVersion"
 * spliced in first, ordered by list (the kube_list_id order) then namespace/name (items
 * without metadata first, API order on ties), one item per line. No jv tree is built
 * (kube_list_write.c). 0 ok; -1 with "failed to load cluster state: ..." in err. */
int kube_fetch_result_write_list(const kube_fetch_result *r, buf *out, buf *err);

/* The same List as pieces to write with writev (output_file_write), without copying the
 * bodies: most pieces point into r's bodies (keep r until written), the rest into t. */
typedef struct {
	struct iovec *pieces;
	size_t n, cap, bytes;
	char heads[KUBE_NLISTS][2][2][128];  /* item openings with kind and apiVersion */
} kube_list_text;

int kube_fetch_result_list_text(const kube_fetch_result *r, kube_list_text *t, buf *err);
void kube_list_text_free(kube_list_text *t);

/* One object of a list or a watch event, found in place: its JSON text as the API sent it,
 * and its metadata's namespace, name and resourceVersion as JSON string contents (escapes
 * kept; NULL with length 0 when absent). Points into the caller's text. */
typedef struct {
	const char *text;
	size_t len;
	const char *ns, *name, *rv;
	size_t nslen, namelen, rvlen;
} kube_list_item;

typedef void (*kube_list_item_fn)(void *ctx, const kube_list_item *item);
/* Calls fn for every item of l's pages in the API's order, after validating every page as
 * kube_fetch_result_list_text does. 0, or -1 with "GET <url>: ..." in err (fn not called). */
int kube_list_items(const kube_list *l, kube_list_item_fn fn, void *ctx, buf *err);
/* The same for one object's text (a watch event's object). 0, or -1 with the reason. */
int kube_object_item(const char *text, size_t len, kube_list_item *out, buf *err);
/* Appends the item's object with "kind" and "apiVersion" first (list items lack them). */
void kube_list_item_print(buf *out, const char *kind, const char *api_version, const kube_list_item *it);
#endif
