/* tls_config.h: TLS on routesrv-serve's main listener (spec eskip-and-http.md B6) with
 * GnuTLS through libmicrohttpd.
 *
 * -tls-cert/-tls-key: comma lists of PEM files, pair by pair (skipper's errors:
 * "number of certificates does not match number of keys", "failed to load X509 keypair
 * from <crt> and <key>: <err>"). One pair is handed to libmicrohttpd as is; with several,
 * each handshake gets the first pair whose certificate matches the client's SNI name (the
 * first pair without SNI or without a match), as Go's tls.Config.Certificates does.
 * -tls-min-version: 1.0, 1.1, 1.2 (default), 1.3 (also "10".."13" as skipper).
 * -mtls-authn-ca: comma list of CA PEM files: client certificates are requested and can be
 * checked (mtlsAuthn()); -mtls-authn-append-ca adds the system's CAs to them, as Go's
 * x509.SystemCertPool finds them: $SSL_CERT_FILE and $SSL_CERT_DIR (colon list) when set,
 * with Go's default file and directories for the one not set, else GnuTLS's system trust
 * store. -enable-mtls makes a verified client certificate mandatory for every request.
 * Whether the listener speaks TLS at all is the caller's choice (routesrv-serve: only with
 * -enable-mtls or -enable-tls, as skipper's routesrv only with -enable-mtls).
 *
 * Key material is read once at start-up, never logged and wiped at tls_config_free().
 * Threads: the verification functions may run on any request thread. Ownership: the
 * config owns every string and GnuTLS object in it. */
#ifndef ROUTESRV_TLS_CONFIG_H
#define ROUTESRV_TLS_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

typedef struct tls_pair tls_pair;

typedef struct {
	char *cert_pem, *key_pem;        /* the first pair (libmicrohttpd's MEM options) */
	tls_pair *pairs;                 /* all pairs, for SNI selection when npairs > 1 */
	size_t npairs;
	char *trust_pem;                 /* the CA files concatenated, or NULL */
	char priorities[160];            /* GnuTLS priority string for the minimum version */
	bool require_client_cert;        /* -enable-mtls */
} tls_config;

/* Loads and checks everything for a TLS listener; 0, or -1 with a one-line message in err
 * (certs and keys are required; with mtls a CA too). min_version NULL: 1.2. */
int tls_config_load(tls_config *t, const char *certs, const char *keys, const char *min_version,
	const char *cas, bool append_system_cas, bool mtls, buf *err);
void tls_config_free(tls_config *t);

/* Installs t as the process's SNI certificate selector (several pairs) and returns the
 * callback for MHD_OPTION_HTTPS_CERT_CALLBACK, or NULL with one pair. */
void *tls_config_cert_callback(tls_config *t);

typedef enum {
	TLS_PEER_VERIFIED,     /* a client certificate chaining to a trusted CA, for client auth */
	TLS_PEER_NONE,         /* no client certificate (or no TLS session) */
	TLS_PEER_REJECTED,     /* a certificate that does not verify */
} tls_peer;

/* Verifies the client certificate of a GnuTLS session (gnutls_session_t as void *). */
tls_peer tls_peer_verify(void *session);
/* Copies the client certificate's subject CN into cn (NUL-terminated); false if none. */
bool tls_peer_common_name(void *session, char *cn, size_t size);
#endif
