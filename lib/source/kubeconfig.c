/* kubeconfig.c: kubeconfig files (libyaml document API) and exec credential plugins. */
#include "source/kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <jv.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "base/base64.h"
#include "base/xalloc.h"

extern char **environ;

/* Frees a secret after overwriting it, so it does not linger in freed heap memory. */
static void free_secret(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

static void free_secret_str(char *s) { free_secret(s, s ? strlen(s) : 0); }

char *kubeconfig_path(const char *explicit_path, bool read_env)
{
	if (explicit_path && *explicit_path)
		return xstrdup(explicit_path);
	const char *env = read_env ? getenv("KUBECONFIG") : NULL;
	if (env && *env) {
		size_t n = strcspn(env, ":");
		if (n > 0)
			return strndup(env, n);
	}
	const char *home = getenv("HOME");
	buf b = BUF_INIT;
	buf_printf(&b, "%s/.kube/config", home && *home ? home : ".");
	return buf_steal(&b, NULL);
}

/* --- YAML helpers -------------------------------------------------------------------- */

typedef struct {
	yaml_document_t doc;
	const char *path;
	buf *err;
} yaml_ctx;

static yaml_node_t *node_at(yaml_ctx *y, int id) { return yaml_document_get_node(&y->doc, id); }

/* The value under `key` in a mapping node, or NULL. */
static yaml_node_t *map_get(yaml_ctx *y, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(y, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
			return node_at(y, p->value);
	}
	return NULL;
}

static bool is_null_scalar(yaml_node_t *n)
{
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* A string field: NULL when absent or null; -1 (with err) when not a scalar. */
static int get_str(yaml_ctx *y, yaml_node_t *map, const char *key, const char *where, const char **out)
{
	*out = NULL;
	yaml_node_t *n = map_get(y, map, key);
	if (!n)
		return 0;
	if (n->type != YAML_SCALAR_NODE) {
		buf_printf(y->err, "%s: %s.%s must be a string", y->path, where, key);
		return -1;
	}
	if (!is_null_scalar(n))
		*out = (const char *)n->data.scalar.value;
	return 0;
}

/* YAML 1.1 booleans, as kubectl's decoder accepts them. */
static int get_bool(yaml_ctx *y, yaml_node_t *map, const char *key, const char *where, bool *out)
{
	const char *v;
	if (get_str(y, map, key, where, &v) != 0)
		return -1;
	if (!v)
		return 0;
	static const char *const t[] = { "true", "yes", "on", "y" }, *const f[] = { "false", "no", "off", "n" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, t[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(v, f[i]) == 0)
			return *out = false, 0;
	}
	buf_printf(y->err, "%s: %s.%s must be true or false, not \"%s\"", y->path, where, key, v);
	return -1;
}

/* Finds the entry named `name` in a top-level list such as clusters: [{name, cluster: {}}]
 * and returns its `field` mapping. */
static yaml_node_t *named_entry(yaml_ctx *y, yaml_node_t *root, const char *list, const char *name, const char *field)
{
	yaml_node_t *seq = map_get(y, root, list);
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
		yaml_node_t *e = node_at(y, *i);
		yaml_node_t *n = map_get(y, e, "name");
		if (n && n->type == YAML_SCALAR_NODE && strcmp((char *)n->data.scalar.value, name) == 0) {
			yaml_node_t *f = map_get(y, e, field);
			return f && f->type == YAML_MAPPING_NODE ? f : NULL;
		}
	}
	return NULL;
}

/* A path from the kubeconfig, relative to the kubeconfig's directory unless absolute. */
static char *resolve_path(const char *kubeconfig_path, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	const char *slash = strrchr(kubeconfig_path, '/');
	if (!slash)
		return xstrdup(p);
	buf b = BUF_INIT;
	buf_printf(&b, "%.*s/%s", (int)(slash - kubeconfig_path), kubeconfig_path, p);
	return buf_steal(&b, NULL);
}

static int decode_data(yaml_ctx *y, const char *where, const char *key, const char *v, kubeconfig_blob *out)
{
	if (!v)
		return 0;
	out->ptr = base64_decode(v, strlen(v), &out->len);
	if (!out->ptr) {
		buf_printf(y->err, "%s: %s.%s is not valid base64", y->path, where, key);
		return -1;
	}
	return 0;
}

static int load_cluster(yaml_ctx *y, yaml_node_t *c, kubeconfig *k, const char *where)
{
	const char *server, *ca, *ca_data, *proxy, *sni;
	if (get_str(y, c, "server", where, &server) || get_str(y, c, "certificate-authority", where, &ca) ||
	    get_str(y, c, "certificate-authority-data", where, &ca_data) || get_str(y, c, "proxy-url", where, &proxy) ||
	    get_str(y, c, "tls-server-name", where, &sni) ||
	    get_bool(y, c, "insecure-skip-tls-verify", where, &k->insecure_skip_tls_verify))
		return -1;
	if (!server || !*server) {
		buf_printf(y->err, "%s: %s has no server", y->path, where);
		return -1;
	}
	if (sni) {
		buf_printf(y->err, "%s: %s.tls-server-name is not supported", y->path, where);
		return -1;
	}
	k->server = xstrdup(server);
	if (ca)
		k->ca_file = resolve_path(y->path, ca);
	if (proxy)
		k->proxy_url = xstrdup(proxy);
	return decode_data(y, where, "certificate-authority-data", ca_data, &k->ca_data);
}

static int load_exec(yaml_ctx *y, yaml_node_t *e, kubeconfig *k, const char *where)
{
	const char *api, *cmd, *mode;
	kubeconfig_exec *x = k->exec = xcalloc(1, sizeof *x);
	if (get_str(y, e, "apiVersion", where, &api) || get_str(y, e, "command", where, &cmd) ||
	    get_str(y, e, "interactiveMode", where, &mode) ||
	    get_bool(y, e, "provideClusterInfo", where, &x->provide_cluster_info))
		return -1;
	if (!cmd || !*cmd) {
		buf_printf(y->err, "%s: %s has no command", y->path, where);
		return -1;
	}
	if (!api || (strcmp(api, "client.authentication.k8s.io/v1") != 0 &&
		     strcmp(api, "client.authentication.k8s.io/v1beta1") != 0)) {
		buf_printf(y->err, "%s: %s.apiVersion must be client.authentication.k8s.io/v1 or v1beta1", y->path, where);
		return -1;
	}
	x->api_version = xstrdup(api);
	x->command = strchr(cmd, '/') ? resolve_path(y->path, cmd) : xstrdup(cmd);
	if (mode)
		x->interactive_mode = xstrdup(mode);
	yaml_node_t *args = map_get(y, e, "args");
	if (args && args->type == YAML_SEQUENCE_NODE) {
		x->args = xcalloc((size_t)(args->data.sequence.items.top - args->data.sequence.items.start), sizeof *x->args);
		for (yaml_node_item_t *i = args->data.sequence.items.start; i < args->data.sequence.items.top; i++) {
			yaml_node_t *a = node_at(y, *i);
			if (a->type != YAML_SCALAR_NODE) {
				buf_printf(y->err, "%s: %s.args must be a list of strings", y->path, where);
				return -1;
			}
			x->args[x->nargs++] = xstrdup((char *)a->data.scalar.value);
		}
	}
	yaml_node_t *env = map_get(y, e, "env");
	if (env && env->type == YAML_SEQUENCE_NODE) {
		x->env = xcalloc((size_t)(env->data.sequence.items.top - env->data.sequence.items.start), sizeof *x->env);
		for (yaml_node_item_t *i = env->data.sequence.items.start; i < env->data.sequence.items.top; i++) {
			const char *name, *value;
			yaml_node_t *v = node_at(y, *i);
			if (get_str(y, v, "name", where, &name) || get_str(y, v, "value", where, &value))
				return -1;
			if (!name || !*name || strchr(name, '=')) {
				buf_printf(y->err, "%s: %s.env entries need a name without '='", y->path, where);
				return -1;
			}
			x->env[x->nenv].name = xstrdup(name);
			x->env[x->nenv++].value = xstrdup(value ? value : "");
		}
	}
	return 0;
}

static int load_user(yaml_ctx *y, yaml_node_t *u, kubeconfig *k, const char *where)
{
	const char *token, *token_file, *cert, *cert_data, *key, *key_data, *user, *pass;
	if (get_str(y, u, "token", where, &token) || get_str(y, u, "tokenFile", where, &token_file) ||
	    get_str(y, u, "client-certificate", where, &cert) ||
	    get_str(y, u, "client-certificate-data", where, &cert_data) || get_str(y, u, "client-key", where, &key) ||
	    get_str(y, u, "client-key-data", where, &key_data) || get_str(y, u, "username", where, &user) ||
	    get_str(y, u, "password", where, &pass))
		return -1;
	if (map_get(y, u, "auth-provider")) {
		buf_printf(y->err, "%s: %s.auth-provider is not supported (use an exec credential plugin)", y->path, where);
		return -1;
	}
	if (user || pass) {
		buf_printf(y->err, "%s: %s: username/password authentication is not supported", y->path, where);
		return -1;
	}
	if (token)
		k->token = xstrdup(token);
	if (token_file)
		k->token_file = resolve_path(y->path, token_file);
	if (cert)
		k->client_cert_file = resolve_path(y->path, cert);
	if (key)
		k->client_key_file = resolve_path(y->path, key);
	if (decode_data(y, where, "client-certificate-data", cert_data, &k->client_cert_data) ||
	    decode_data(y, where, "client-key-data", key_data, &k->client_key_data))
		return -1;
	yaml_node_t *exec = map_get(y, u, "exec");
	if (exec && exec->type == YAML_MAPPING_NODE) {
		buf w = BUF_INIT;
		buf_printf(&w, "%s.exec", where);
		int rc = load_exec(y, exec, k, w.ptr);
		buf_free(&w);
		return rc;
	}
	return 0;
}

/* Resolves context → cluster and user in a parsed document. */
static int load_document(yaml_ctx *y, kubeconfig *k, const char *context)
{
	yaml_node_t *root = yaml_document_get_root_node(&y->doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		buf_printf(y->err, "%s: not a kubeconfig (no top-level mapping)", y->path);
		return -1;
	}
	const char *current;
	if (get_str(y, root, "current-context", "kubeconfig", &current))
		return -1;
	const char *ctx_name = context && *context ? context : current;
	if (!ctx_name || !*ctx_name) {
		buf_printf(y->err, "%s: no current-context; choose one with -kube-context", y->path);
		return -1;
	}
	yaml_node_t *ctx = named_entry(y, root, "contexts", ctx_name, "context");
	if (!ctx) {
		buf_printf(y->err, "%s: context \"%s\" not found", y->path, ctx_name);
		return -1;
	}
	k->context = xstrdup(ctx_name);
	const char *cluster, *user, *ns;
	if (get_str(y, ctx, "cluster", "context", &cluster) || get_str(y, ctx, "user", "context", &user) ||
	    get_str(y, ctx, "namespace", "context", &ns))
		return -1;
	if (ns)
		k->namespace = xstrdup(ns);
	yaml_node_t *c = cluster ? named_entry(y, root, "clusters", cluster, "cluster") : NULL;
	if (!c) {
		buf_printf(y->err, "%s: cluster \"%s\" of context \"%s\" not found", y->path, cluster ? cluster : "",
			   ctx_name);
		return -1;
	}
	buf where = BUF_INIT;
	buf_printf(&where, "clusters[%s].cluster", cluster);
	int rc = load_cluster(y, c, k, where.ptr);
	if (rc == 0 && user && *user) {
		yaml_node_t *u = named_entry(y, root, "users", user, "user");
		buf_reset(&where);
		buf_printf(&where, "users[%s].user", user);
		if (!u) {
			buf_printf(y->err, "%s: user \"%s\" of context \"%s\" not found", y->path, user, ctx_name);
			rc = -1;
		} else {
			rc = load_user(y, u, k, where.ptr);
		}
	}
	buf_free(&where);
	return rc;
}

/* yaml_parser_load has no nesting limit, and libyaml's scanner slows down with every open
 * flow collection: 100 000 nested '[' take minutes. A first event pass enforces yaml.v2's
 * limit; syntax errors are left to the load, which reports them. */
#define KUBECONFIG_MAX_DEPTH 10000

static int check_depth(FILE *f, const char *path, buf *err)
{
	yaml_parser_t p;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	int depth = 0, rc = 0;
	for (bool done = false; !done;) {
		yaml_event_t e;
		if (!yaml_parser_parse(&p, &e))
			break;
		if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT)
			depth--;
		done = e.type == YAML_STREAM_END_EVENT;
		if (depth > KUBECONFIG_MAX_DEPTH) {
			buf_printf(err, "%s:%zu:%zu: exceeded max depth of %d", path, e.start_mark.line + 1,
				   e.start_mark.column + 1, KUBECONFIG_MAX_DEPTH);
			rc = -1;
			done = true;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	rewind(f);
	return rc;
}

int kubeconfig_load(kubeconfig *k, const char *path, const char *context, buf *err)
{
	memset(k, 0, sizeof *k);
	k->path = xstrdup(path);
	FILE *f = fopen(path, "rb");
	if (!f) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (check_depth(f, path, err) != 0) {
		fclose(f);
		return -1;
	}
	yaml_parser_t p;
	yaml_ctx y = { .path = path, .err = err };
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	int rc = -1;
	if (!yaml_parser_load(&p, &y.doc)) {
		buf_printf(err, "%s:%zu:%zu: %s", path, p.problem_mark.line + 1, p.problem_mark.column + 1,
			   p.problem ? p.problem : "invalid YAML");
	} else {
		rc = load_document(&y, k, context);
		yaml_document_delete(&y.doc);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}

static void blob_free(kubeconfig_blob *b, bool secret)
{
	if (secret)
		free_secret(b->ptr, b->len);
	else
		free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
}

void kubeconfig_free(kubeconfig *k)
{
	free(k->path);
	free(k->context);
	free(k->server);
	free(k->namespace);
	free(k->proxy_url);
	free(k->ca_file);
	blob_free(&k->ca_data, false);
	free_secret_str(k->token);
	free(k->token_file);
	free(k->client_cert_file);
	free(k->client_key_file);
	blob_free(&k->client_cert_data, false);
	blob_free(&k->client_key_data, true);
	if (k->exec) {
		kubeconfig_exec *x = k->exec;
		free(x->api_version);
		free(x->command);
		for (size_t i = 0; i < x->nargs; i++)
			free(x->args[i]);
		free(x->args);
		for (size_t i = 0; i < x->nenv; i++) {
			free(x->env[i].name);
			free_secret_str(x->env[i].value);
		}
		free(x->env);
		free(x->interactive_mode);
		free(x);
	}
	memset(k, 0, sizeof *k);
}

/* --- exec credential plugins ------------------------------------------------------------ */

static bool two_digits(const char *s, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

int rfc3339_parse(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* Exactly "+hh:mm": checked byte by byte, so a short offset ("+1:2") never
		 * moves p past the end of the string. */
		int hh, mm;
		if (!two_digits(p + 1, &hh) || p[3] != ':' || !two_digits(p + 4, &mm))
			return -1;
		offset = (hh * 60L + mm) * 60L * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*out = timegm(&tm) - offset;
	return 0;
}

static int credential_string(jv status, const char *key, char **out, buf *err)
{
	jv v = jv_object_get(jv_copy(status), jv_string(key));
	int rc = 0;
	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(v)) > 0)
		*out = xstrdup(jv_string_value(v));
	else if (jv_get_kind(v) != JV_KIND_NULL && jv_get_kind(v) != JV_KIND_INVALID && jv_get_kind(v) != JV_KIND_STRING) {
		buf_printf(err, "exec plugin: status.%s must be a string", key);
		rc = -1;
	}
	jv_free(v);
	return rc;
}

int kube_exec_credential_parse(const char *json, size_t len, const char *api_version, kube_exec_credential *out,
			       buf *err)
{
	memset(out, 0, sizeof *out);
	jv doc = jv_parse_sized(json, (int)len);
	if (!jv_is_valid(doc)) {
		buf_printf(err, "exec plugin: output is not valid JSON");
		jv_free(doc);
		return -1;
	}
	int rc = -1;
	jv kind = jv_getpath(jv_copy(doc), JV_ARRAY(jv_string("kind")));
	jv api = jv_getpath(jv_copy(doc), JV_ARRAY(jv_string("apiVersion")));
	jv status = jv_getpath(jv_copy(doc), JV_ARRAY(jv_string("status")));
	char *cert = NULL, *key = NULL, *expiry = NULL;
	if (jv_get_kind(kind) != JV_KIND_STRING || strcmp(jv_string_value(kind), "ExecCredential") != 0)
		buf_printf(err, "exec plugin: output is not an ExecCredential");
	else if (jv_get_kind(api) != JV_KIND_STRING || strcmp(jv_string_value(api), api_version) != 0)
		buf_printf(err, "exec plugin: output apiVersion is not %s", api_version);
	else if (jv_get_kind(status) != JV_KIND_OBJECT)
		buf_printf(err, "exec plugin: ExecCredential has no status");
	else if (credential_string(status, "token", &out->token, err) == 0 &&
		 credential_string(status, "clientCertificateData", &cert, err) == 0 &&
		 credential_string(status, "clientKeyData", &key, err) == 0 &&
		 credential_string(status, "expirationTimestamp", &expiry, err) == 0) {
		if (!cert != !key)
			buf_printf(err, "exec plugin: clientCertificateData and clientKeyData must come together");
		else if (!out->token && !cert)
			buf_printf(err, "exec plugin: ExecCredential has neither a token nor a client certificate");
		else if (expiry && rfc3339_parse(expiry, &out->expiry) != 0)
			buf_printf(err, "exec plugin: invalid expirationTimestamp \"%s\"", expiry);
		else
			rc = 0;
		out->has_expiry = expiry != NULL;
	}
	if (cert && key) {
		out->cert.len = strlen(cert);
		out->cert.ptr = (unsigned char *)cert;
		out->key.len = strlen(key);
		out->key.ptr = (unsigned char *)key;
	} else {
		free(cert);
		free_secret_str(key);
	}
	free(expiry);
	jv_free(kind);
	jv_free(api);
	jv_free(status);
	jv_free(doc);
	if (rc != 0)
		kube_exec_credential_clear(out);
	return rc;
}

void kube_exec_credential_clear(kube_exec_credential *c)
{
	free_secret_str(c->token);
	blob_free(&c->cert, false);
	blob_free(&c->key, true);
	memset(c, 0, sizeof *c);
}

/* environ plus the plugin's env entries (overriding) plus KUBERNETES_EXEC_INFO. */
static char **plugin_environment(const kubeconfig_exec *e, const char *server)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + e->nenv + 2, sizeof *env);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		bool overridden = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;
		for (size_t j = 0; j < e->nenv && !overridden; j++) {
			size_t l = strlen(e->env[j].name);
			overridden = strncmp(environ[i], e->env[j].name, l) == 0 && environ[i][l] == '=';
		}
		if (!overridden)
			env[m++] = xstrdup(environ[i]);
	}
	for (size_t j = 0; j < e->nenv; j++) {
		buf b = BUF_INIT;
		buf_printf(&b, "%s=%s", e->env[j].name, e->env[j].value);
		env[m++] = buf_steal(&b, NULL);
	}
	jv info = JV_OBJECT(jv_string("apiVersion"), jv_string(e->api_version), jv_string("kind"),
			    jv_string("ExecCredential"), jv_string("spec"), JV_OBJECT(jv_string("interactive"), jv_false()));
	if (e->provide_cluster_info && server)
		info = jv_setpath(info, JV_ARRAY(jv_string("spec"), jv_string("cluster"), jv_string("server")),
				  jv_string(server));
	jv s = jv_dump_string(info, 0);
	buf b = BUF_INIT;
	buf_printf(&b, "KUBERNETES_EXEC_INFO=%s", jv_string_value(s));
	jv_free(s);
	env[m++] = buf_steal(&b, NULL);
	env[m] = NULL;
	return env;
}

static void free_environment(char **env)
{
	for (char **p = env; *p; p++)
		free_secret_str(*p);
	free(env);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads the child's stdout until EOF or the deadline. 0 ok, -1 timeout/read error. */
static int read_output(int fd, buf *out, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		buf_append(out, tmp, (size_t)n);
	}
}

int kubeconfig_exec_run(const kubeconfig_exec *e, const char *server, long timeout_ms, kube_exec_credential *out,
			buf *err)
{
	memset(out, 0, sizeof *out);
	if (e->interactive_mode && strcmp(e->interactive_mode, "Always") == 0) {
		buf_printf(err, "exec plugin %s: interactiveMode Always needs a terminal; routesrv runs non-interactively",
			   e->command);
		return -1;
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		buf_printf(err, "exec plugin %s: pipe: %s", e->command, strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	char **argv = xcalloc(e->nargs + 2, sizeof *argv);
	argv[0] = e->command;
	for (size_t i = 0; i < e->nargs; i++)
		argv[i + 1] = e->args[i];
	char **env = plugin_environment(e, server);
	/* A clean process: routesrv-serve blocks SIGTERM, SIGINT and SIGHUP (its poll thread
	 * takes them) and ignores SIGPIPE. A plugin inheriting that would not stop on SIGTERM
	 * or Ctrl-C, nor die of a broken pipe, and neither would the helpers it starts. */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int rc = posix_spawnp(&pid, e->command, &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	free_environment(env);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		buf_printf(err, "exec plugin %s: %s", e->command, strerror(rc));
		return -1;
	}
	buf output = BUF_INIT;
	int read_rc = read_output(pipefd[0], &output, timeout_ms);
	close(pipefd[0]);
	if (read_rc != 0)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = -1;
	if (read_rc != 0)
		buf_printf(err, "exec plugin %s: no answer within %ld ms", e->command, timeout_ms);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		buf_printf(err, "exec plugin %s: exited with status %d", e->command,
			   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	else
		rc = kube_exec_credential_parse(output.ptr ? output.ptr : "", output.len, e->api_version, out, err);
	free_secret(output.ptr, output.cap);
	return rc;
}
