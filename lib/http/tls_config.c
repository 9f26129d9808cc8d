/* tls_config.c: certificates, CAs and client verification for the main listener (see
 * tls_config.h). */
#include "http/tls_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/input_read.h"

/* A PEM file is small; this only bounds what a wrong path (a log, a device) could cost. */
#define PEM_MAX (4 * 1024 * 1024)

struct tls_pair {
	gnutls_pcert_st pcerts[16];      /* the certificate chain as given */
	unsigned npcerts;
	gnutls_privkey_t key;
	gnutls_x509_crt_t leaf;          /* for matching the SNI name */
};

/* Reads a whole file (NUL-terminated); NULL with Go's "open <path>: <reason>" in err. */
static char *read_file(const char *path, size_t *len, buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		char why[128];
		snprintf(why, sizeof why, "%s", strerror(errno));
		why[0] = (char)tolower((unsigned char)why[0]);
		buf_printf(err, "open %s: %s", path, why);
		return NULL;
	}
	buf b = BUF_INIT;
	int rc = input_read_fd(fd, PEM_MAX, &b);
	close(fd);
	if (rc != 0) {
		buf_printf(err, "read %s: %s", path, rc == -2 ? "file too large" : "read error");
		if (b.ptr) explicit_bzero(b.ptr, b.len);
		buf_free(&b);
		return NULL;
	}
	buf_puts(&b, "");
	return buf_steal(&b, len);
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Splits a list at sep into trimmed non-empty items (malloc'd array of malloc'd strings). */
static char **split_list_by(const char *list, char sep, size_t *n)
{
	*n = 0;
	char **v = calloc(strlen(list ? list : "") / 2 + 2, sizeof *v);
	if (!v) abort();
	for (const char *p = list ? list : ""; *p;) {
		const char *comma = strchr(p, sep);
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && isspace((unsigned char)*p)) { p++; len--; }
		while (len && isspace((unsigned char)p[len - 1])) len--;
		if (len && !(v[(*n)++] = strndup(p, len))) abort();
		if (!comma) break;
		p = comma + 1;
	}
	return v;
}

static char **split_list(const char *list, size_t *n) { return split_list_by(list, ',', n); }

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) free(v[i]);
	free(v);
}

/* --- key pairs ------------------------------------------------------------------------- */

static void pair_free(tls_pair *p)
{
	for (unsigned i = 0; i < p->npcerts; i++) gnutls_pcert_deinit(&p->pcerts[i]);
	if (p->key) gnutls_privkey_deinit(p->key);
	if (p->leaf) gnutls_x509_crt_deinit(p->leaf);
}

/* Parses one pair; the message is GnuTLS's reason. */
static int pair_load(tls_pair *p, const char *cert, size_t certlen, const char *key, size_t keylen, buf *why)
{
	gnutls_datum_t c = { (unsigned char *)cert, (unsigned)certlen }, k = { (unsigned char *)key, (unsigned)keylen };
	p->npcerts = sizeof p->pcerts / sizeof *p->pcerts;
	int rc = gnutls_pcert_list_import_x509_raw(p->pcerts, &p->npcerts, &c, GNUTLS_X509_FMT_PEM, 0);
	if (rc >= 0 && p->npcerts == 0) rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
	if (rc < 0) p->npcerts = 0;
	if (rc >= 0) rc = gnutls_x509_crt_init(&p->leaf);
	if (rc >= 0) rc = gnutls_x509_crt_import(p->leaf, &c, GNUTLS_X509_FMT_PEM);
	if (rc >= 0) rc = gnutls_privkey_init(&p->key);
	if (rc >= 0) rc = gnutls_privkey_import_x509_raw(p->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc >= 0) {
		/* The key must belong to the certificate, as Go's tls.X509KeyPair checks. */
		gnutls_certificate_credentials_t cred;
		if ((rc = gnutls_certificate_allocate_credentials(&cred)) >= 0) {
			rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
			gnutls_certificate_free_credentials(cred);
		}
	}
	if (rc < 0) buf_puts(why, gnutls_strerror(rc));
	return rc < 0 ? -1 : 0;
}

static int load_pairs(tls_config *t, const char *certs, const char *keys, buf *err)
{
	size_t nc, nk;
	char **cv = split_list(certs, &nc), **kv = split_list(keys, &nk);
	int rc = 0;
	if (nc != nk) {
		buf_puts(err, "number of certificates does not match number of keys");
		rc = -1;
	}
	t->pairs = calloc(nc + 1, sizeof *t->pairs);
	if (!t->pairs) abort();
	for (size_t i = 0; rc == 0 && i < nc; i++) {
		buf why = BUF_INIT;
		size_t clen = 0, klen = 0;
		char *cert = read_file(cv[i], &clen, &why);
		char *key = cert ? read_file(kv[i], &klen, &why) : NULL;
		if (cert && key && pair_load(&t->pairs[i], cert, clen, key, klen, &why) == 0) {
			t->npairs++;
			if (i == 0) {
				t->cert_pem = cert;
				t->key_pem = key;
				cert = key = NULL;
			}
		} else {
			pair_free(&t->pairs[i]);
			buf_printf(err, "failed to load X509 keypair from %s and %s: %s", cv[i], kv[i], why.ptr);
			rc = -1;
		}
		wipe_free(cert);
		wipe_free(key);
		buf_free(&why);
	}
	free_list(cv, nc);
	free_list(kv, nk);
	return rc;
}

/* --- CAs and versions ----------------------------------------------------------------- */

/* Go's certFiles and certDirectories on Linux (crypto/x509/root_linux.go). */
static const char *const go_cert_files[] = {
	"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
};
static const char *const go_cert_dirs[] = { "/etc/ssl/certs", "/etc/pki/tls/certs" };

/* Go's loadSystemRoots with SSL_CERT_FILE / SSL_CERT_DIR: the first file that loads, then
 * every file of every directory. */
static void add_go_system_roots(gnutls_x509_trust_list_t list, const char *file, const char *dirs)
{
	unsigned flags = GNUTLS_TL_NO_DUPLICATES;
	if (file && *file) {
		gnutls_x509_trust_list_add_trust_file(list, file, NULL, GNUTLS_X509_FMT_PEM, flags, 0);
	} else {
		for (size_t i = 0; i < sizeof go_cert_files / sizeof *go_cert_files; i++)
			if (gnutls_x509_trust_list_add_trust_file(list, go_cert_files[i], NULL, GNUTLS_X509_FMT_PEM, flags, 0) >= 0)
				break;
	}
	if (dirs && *dirs) {
		size_t n;
		char **v = split_list_by(dirs, ':', &n);
		for (size_t i = 0; i < n; i++)
			gnutls_x509_trust_list_add_trust_dir(list, v[i], NULL, GNUTLS_X509_FMT_PEM, flags, 0);
		free_list(v, n);
	} else {
		for (size_t i = 0; i < sizeof go_cert_dirs / sizeof *go_cert_dirs; i++)
			gnutls_x509_trust_list_add_trust_dir(list, go_cert_dirs[i], NULL, GNUTLS_X509_FMT_PEM, flags, 0);
	}
}

/* -mtls-authn-append-ca: the system's CAs as PEM, appended to out (libmicrohttpd takes the
 * trusted CAs as one PEM text). */
static int append_system_cas(buf *out, buf *err)
{
	gnutls_x509_trust_list_t list;
	if (gnutls_x509_trust_list_init(&list, 0) < 0) {
		buf_puts(err, "-mtls-authn-append-ca: out of memory");
		return -1;
	}
	const char *file = getenv("SSL_CERT_FILE"), *dirs = getenv("SSL_CERT_DIR");
	if ((file && *file) || (dirs && *dirs)) add_go_system_roots(list, file, dirs);
	else gnutls_x509_trust_list_add_system_trust(list, 0, 0);
	gnutls_x509_trust_list_iter_t it = NULL;
	gnutls_x509_crt_t crt;
	size_t count = 0;
	while (gnutls_x509_trust_list_iter_get_ca(list, &it, &crt) >= 0) {
		gnutls_datum_t pem;
		if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) >= 0) {
			buf_append(out, pem.data, pem.size);
			buf_putc(out, '\n');
			gnutls_free(pem.data);
			count++;
		}
		gnutls_x509_crt_deinit(crt);
	}
	gnutls_x509_trust_list_iter_deinit(it);
	gnutls_x509_trust_list_deinit(list, 1);
	if (count == 0) {
		buf_puts(err, "-mtls-authn-append-ca: no system CA certificates found");
		return -1;
	}
	return 0;
}

static int load_cas(tls_config *t, const char *cas, bool append_system, buf *err)
{
	size_t n;
	char **v = split_list(cas, &n);
	buf all = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		buf why = BUF_INIT;
		size_t len;
		char *pem = read_file(v[i], &len, &why);
		gnutls_x509_trust_list_t list;
		int got = -1;
		if (pem && gnutls_x509_trust_list_init(&list, 0) >= 0) {
			gnutls_datum_t d = { (unsigned char *)pem, (unsigned)len };
			got = gnutls_x509_trust_list_add_trust_mem(list, &d, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
			gnutls_x509_trust_list_deinit(list, 1);
		}
		if (got <= 0) {
			buf_printf(err, "failed to load CA certificates from %s: %s", v[i],
				   why.len ? why.ptr : got < 0 ? gnutls_strerror(got) : "no certificate found");
			rc = -1;
		} else {
			buf_append(&all, pem, len);
			buf_putc(&all, '\n');
		}
		free(pem);
		buf_free(&why);
	}
	free_list(v, n);
	if (rc == 0 && append_system) rc = append_system_cas(&all, err);
	if (rc == 0 && all.len) {
		size_t len;
		t->trust_pem = buf_steal(&all, &len);
	}
	buf_free(&all);
	return rc;
}

/* skipper's table: "1.0"/"10" ... "1.3"/"13". */
static int set_priorities(tls_config *t, const char *v, buf *err)
{
	static const char *const names[][2] = { { "1.0", "10" }, { "1.1", "11" }, { "1.2", "12" }, { "1.3", "13" } };
	static const char *const vers[] = { "+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2", "+VERS-TLS1.3" };
	int min = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(v, names[i][0]) == 0 || strcmp(v, names[i][1]) == 0) min = i;
	if (min < 0) {
		buf_printf(err, "invalid value \"%s\" for flag -tls-min-version: want 1.0, 1.1, 1.2 or 1.3", v);
		return -1;
	}
	snprintf(t->priorities, sizeof t->priorities, "NORMAL:-VERS-ALL");
	for (int i = 3; i >= min; i--) {
		size_t len = strlen(t->priorities);
		snprintf(t->priorities + len, sizeof t->priorities - len, ":%s", vers[i]);
	}
	gnutls_priority_t prio;
	const char *where = NULL;
	int rc = gnutls_priority_init(&prio, t->priorities, &where);
	if (rc < 0) {
		buf_printf(err, "-tls-min-version %s: %s", v, gnutls_strerror(rc));
		return -1;
	}
	gnutls_priority_deinit(prio);
	return 0;
}

int tls_config_load(tls_config *t, const char *certs, const char *keys, const char *min_version,
	const char *cas, bool append_system_cas, bool mtls, buf *err)
{
	*t = (tls_config){ .require_client_cert = mtls };
	const char *flag = mtls ? "-enable-mtls" : "-enable-tls";
	if (!(certs && *certs) && !(keys && *keys)) {
		buf_printf(err, "%s needs -tls-cert and -tls-key", flag);
		return -1;
	}
	if (mtls && !(cas && *cas) && !append_system_cas) {
		buf_puts(err, "-enable-mtls needs -mtls-authn-ca or -mtls-authn-append-ca");
		return -1;
	}
	if (set_priorities(t, min_version && *min_version ? min_version : "1.2", err) != 0 ||
	    load_pairs(t, certs, keys, err) != 0 || load_cas(t, cas, append_system_cas, err) != 0) {
		tls_config_free(t);
		return -1;
	}
	return 0;
}

void tls_config_free(tls_config *t)
{
	for (size_t i = 0; t->pairs && i < t->npairs; i++) pair_free(&t->pairs[i]);
	free(t->pairs);
	wipe_free(t->cert_pem);
	wipe_free(t->key_pem);
	free(t->trust_pem);
	*t = (tls_config){ 0 };
}

/* --- SNI selection ---------------------------------------------------------------------- */

/* GnuTLS's certificate callback has no user pointer; there is one main listener. */
static tls_config *sni_config;

static int select_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
	const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert, unsigned int *pcert_length,
	gnutls_privkey_t *pkey)
{
	tls_config *t = sni_config;
	tls_pair *chosen = &t->pairs[0];
	char name[256];
	size_t len = sizeof name;
	unsigned type;
	if (gnutls_server_name_get(session, name, &len, &type, 0) == 0 && type == GNUTLS_NAME_DNS) {
		for (size_t i = 0; i < t->npairs; i++)
			if (gnutls_x509_crt_check_hostname(t->pairs[i].leaf, name)) {
				chosen = &t->pairs[i];
				break;
			}
	}
	*pcert = chosen->pcerts;
	*pcert_length = chosen->npcerts;
	*pkey = chosen->key;
	return 0;
}

void *tls_config_cert_callback(tls_config *t)
{
	if (t->npairs < 2) return NULL;
	sni_config = t;
	return (void *)select_certificate;
}

/* --- client certificates ---------------------------------------------------------------- */

tls_peer tls_peer_verify(void *session)
{
	gnutls_session_t s = session;
	unsigned n = 0;
	if (!s || !gnutls_certificate_get_peers(s, &n) || n == 0) return TLS_PEER_NONE;
	/* Chain to a trusted CA (the -mtls-authn-ca pool), valid now, usable for client auth
	 * (a certificate without extended key usage counts as usable, as in Go). */
	gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };
	unsigned status = 0;
	if (gnutls_certificate_verify_peers(s, &purpose, 1, &status) < 0 || status != 0) return TLS_PEER_REJECTED;
	return TLS_PEER_VERIFIED;
}

bool tls_peer_common_name(void *session, char *cn, size_t size)
{
	gnutls_session_t s = session;
	unsigned n = 0;
	const gnutls_datum_t *certs = s ? gnutls_certificate_get_peers(s, &n) : NULL;
	if (!certs || n == 0) return false;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0) return false;
	bool ok = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
		  gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size) >= 0;
	gnutls_x509_crt_deinit(crt);
	return ok;
}
