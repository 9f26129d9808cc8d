/* kubeconfig.h: the subset of kubectl's kubeconfig that a poller needs, and exec
 * credential plugins (client.authentication.k8s.io/v1 and v1beta1).
 *
 * Supported: current-context or an explicit context; clusters[].cluster.{server,
 * certificate-authority, certificate-authority-data, insecure-skip-tls-verify, proxy-url};
 * users[].user.{token, tokenFile, client-certificate, client-certificate-data, client-key,
 * client-key-data, exec}. Relative file paths (and an exec command containing a '/') are
 * resolved against the kubeconfig's directory, as kubectl does. Only one file is read:
 * of a $KUBECONFIG colon list the first entry (kubectl would merge them all).
 * Not supported, and rejected with an error rather than ignored: auth-provider,
 * username/password, tls-server-name.
 *
 * Ownership: every string and blob in a kubeconfig and a kube_exec_credential is malloc'd
 * and owned by it; the *_free/_clear functions release it and wipe secrets first. */
#ifndef ROUTESRV_KUBECONFIG_H
#define ROUTESRV_KUBECONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"

typedef struct {
	char *name, *value;
} kubeconfig_env;

typedef struct {
	char *api_version;          /* client.authentication.k8s.io/v1 or /v1beta1 */
	char *command;              /* resolved against the kubeconfig directory if it has a '/' */
	char **args; size_t nargs;
	kubeconfig_env *env; size_t nenv;
	char *interactive_mode;     /* Never, IfAvailable, Always, or NULL */
	bool provide_cluster_info;
} kubeconfig_exec;

typedef struct {
	unsigned char *ptr;         /* NUL-terminated, the NUL not counted in len */
	size_t len;
} kubeconfig_blob;

typedef struct {
	char *path;                 /* the file that was read */
	char *context;              /* the context that was used */
	char *server;
	char *namespace;            /* the context's namespace, or NULL */
	char *proxy_url;
	char *ca_file;
	kubeconfig_blob ca_data;    /* decoded certificate-authority-data (PEM) */
	bool insecure_skip_tls_verify;
	char *token;                /* secret */
	char *token_file;
	char *client_cert_file, *client_key_file;
	kubeconfig_blob client_cert_data, client_key_data;   /* decoded PEM; the key is secret */
	kubeconfig_exec *exec;      /* NULL without an exec plugin */
} kubeconfig;

/* The file to read: `explicit_path` if non-empty, else (with read_env) the first entry of
 * $KUBECONFIG, else $HOME/.kube/config. Returns a malloc'd path. */
char *kubeconfig_path(const char *explicit_path, bool read_env);

/* Reads `path` and resolves `context` (NULL or "" for current-context). 0 ok; -1 with a
 * one-line message naming the file and what is wrong in err. */
int kubeconfig_load(kubeconfig *k, const char *path, const char *context, buf *err);
void kubeconfig_free(kubeconfig *k);

/* What an exec plugin returned. */
typedef struct {
	char *token;                            /* secret, or NULL */
	kubeconfig_blob cert, key;              /* PEM, both or neither */
	bool has_expiry;
	time_t expiry;                          /* expirationTimestamp */
} kube_exec_credential;

/* Runs the plugin (stdin /dev/null, stderr passed through, `timeout_ms` at most), with
 * KUBERNETES_EXEC_INFO set, and parses its ExecCredential. 0 ok; -1 with a message. */
int kubeconfig_exec_run(const kubeconfig_exec *e, const char *server, long timeout_ms, kube_exec_credential *out,
			buf *err);
/* Parses a plugin's output; `api_version` is the one the kubeconfig asked for. */
int kube_exec_credential_parse(const char *json, size_t len, const char *api_version, kube_exec_credential *out,
			       buf *err);
void kube_exec_credential_clear(kube_exec_credential *c);

/* RFC 3339 timestamp ("2026-11-27T10:00:00Z", fractions and offsets allowed) to time_t. 0 ok. */
int rfc3339_parse(const char *s, time_t *out);
#endif
