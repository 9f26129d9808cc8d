/* Unit tests: kubeconfig parsing, base64, RFC 3339 times, exec credential plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base64.h"
#include "source/kubeconfig.h"
#include "test.h"

static char dir[] = "/tmp/test_kubeconfig.XXXXXX";

static const char *path_in(const char *name)
{
	static char p[16][512];   /* a ring, so several results can be used at once */
	static int i;
	i = (i + 1) % 16;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void write_file(const char *name, const char *text, int mode)
{
	FILE *f = fopen(path_in(name), "w");
	fputs(text, f);
	fclose(f);
	chmod(path_in(name), (mode_t)mode);
}

static char *load_err(const char *text, const char *context)
{
	write_file("cfg", text, 0644);
	kubeconfig k;
	buf err = BUF_INIT;
	int rc = kubeconfig_load(&k, path_in("cfg"), context, &err);
	kubeconfig_free(&k);
	if (rc == 0) {
		buf_free(&err);
		return NULL;
	}
	return buf_steal(&err, NULL);
}

TEST(base64)
{
	size_t n;
	unsigned char *d = base64_decode("aGVsbG8gd29y\nbGQ=", 17, &n);
	CHECK(d != NULL);
	CHECK_INT(n, 11);
	CHECK_STR((char *)d, "hello world");
	free(d);
	d = base64_decode("YQ", 2, &n);   /* padding is optional */
	CHECK_STR((char *)d, "a");
	free(d);
	CHECK(base64_decode("a$==", 4, &n) == NULL);
	CHECK(base64_decode("abcde", 5, &n) == NULL);   /* one dangling sextet */
	CHECK(base64_decode("YQ==YQ", 6, &n) == NULL);  /* data after padding */
	d = base64_decode("", 0, &n);
	CHECK_INT(n, 0);
	free(d);
}

TEST(rfc3339)
{
	time_t t;
	CHECK_INT(rfc3339_parse("1970-01-01T00:00:10Z", &t), 0);
	CHECK_INT(t, 10);
	CHECK_INT(rfc3339_parse("2026-11-27T10:00:00.123456Z", &t), 0);
	CHECK_INT(t, 1795773600);
	CHECK_INT(rfc3339_parse("2026-11-27T12:00:00+02:00", &t), 0);
	CHECK_INT(t, 1795773600);
	CHECK(rfc3339_parse("2026-11-27 10:00:00", &t) != 0);
	CHECK(rfc3339_parse("2026-11-27T10:00:00", &t) != 0);   /* no zone */
	CHECK(rfc3339_parse("2026-11-27T10:00:00Zjunk", &t) != 0);
}

static const char *full_config =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: dev\n"
	"clusters:\n"
	"- name: dev-cluster\n"
	"  cluster:\n"
	"    server: https://dev.example.org:6443\n"
	"    certificate-authority: certs/ca.crt\n"
	"    insecure-skip-tls-verify: yes\n"
	"- name: prod-cluster\n"
	"  cluster:\n"
	"    server: https://prod.example.org\n"
	"    certificate-authority-data: LS0tLS1CRUdJTg==\n"
	"    proxy-url: http://proxy:3128\n"
	"contexts:\n"
	"- name: dev\n"
	"  context: {cluster: dev-cluster, user: dev-user, namespace: team}\n"
	"- name: prod\n"
	"  context: {cluster: prod-cluster, user: prod-user}\n"
	"users:\n"
	"- name: dev-user\n"
	"  user:\n"
	"    token: dev-token\n"
	"    tokenFile: /abs/token\n"
	"    client-certificate: client.crt\n"
	"    client-key: client.key\n"
	"- name: prod-user\n"
	"  user:\n"
	"    client-certificate-data: Y2VydA==\n"
	"    client-key-data: a2V5\n"
	"    exec:\n"
	"      apiVersion: client.authentication.k8s.io/v1\n"
	"      command: bin/get-token\n"
	"      args: [a, b]\n"
	"      env:\n"
	"      - {name: FOO, value: bar}\n"
	"      interactiveMode: Never\n";

TEST(current_context)
{
	write_file("cfg", full_config, 0644);
	kubeconfig k;
	buf err = BUF_INIT;
	CHECK_INT(kubeconfig_load(&k, path_in("cfg"), NULL, &err), 0);
	CHECK_STR(k.context, "dev");
	CHECK_STR(k.server, "https://dev.example.org:6443");
	CHECK_STR(k.namespace, "team");
	CHECK_STR(k.ca_file, path_in("certs/ca.crt"));   /* relative to the kubeconfig */
	CHECK(k.insecure_skip_tls_verify);
	CHECK_STR(k.token, "dev-token");
	CHECK_STR(k.token_file, "/abs/token");
	CHECK_STR(k.client_cert_file, path_in("client.crt"));
	CHECK_STR(k.client_key_file, path_in("client.key"));
	CHECK(k.exec == NULL);
	kubeconfig_free(&k);
	buf_free(&err);
}

TEST(explicit_context_data_and_exec)
{
	write_file("cfg", full_config, 0644);
	kubeconfig k;
	buf err = BUF_INIT;
	CHECK_INT(kubeconfig_load(&k, path_in("cfg"), "prod", &err), 0);
	CHECK_STR(k.server, "https://prod.example.org");
	CHECK_STR((char *)k.ca_data.ptr, "-----BEGIN");
	CHECK_STR(k.proxy_url, "http://proxy:3128");
	CHECK(!k.insecure_skip_tls_verify);
	CHECK_STR((char *)k.client_cert_data.ptr, "cert");
	CHECK_STR((char *)k.client_key_data.ptr, "key");
	CHECK(k.exec != NULL);
	if (k.exec) {
		CHECK_STR(k.exec->command, path_in("bin/get-token"));
		CHECK_INT(k.exec->nargs, 2);
		CHECK_STR(k.exec->args[1], "b");
		CHECK_INT(k.exec->nenv, 1);
		CHECK_STR(k.exec->env[0].name, "FOO");
		CHECK_STR(k.exec->env[0].value, "bar");
		CHECK_STR(k.exec->interactive_mode, "Never");
	}
	kubeconfig_free(&k);
	buf_free(&err);
}

TEST(errors)
{
	char *e;
	CHECK((e = load_err(full_config, "nope")) && strstr(e, "context \"nope\" not found"));
	free(e);
	CHECK((e = load_err("clusters: []\n", NULL)) && strstr(e, "no current-context"));
	free(e);
	CHECK((e = load_err("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n", NULL)) &&
	      strstr(e, "cluster \"c\" of context \"x\" not found"));
	free(e);
	CHECK((e = load_err("current-context: [\n", NULL)) && strstr(e, path_in("cfg")));
	free(e);
	const char *base = "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
			   "clusters: [{name: c, cluster: {server: 'https://h'}}]\n";
	char text[1024];
	snprintf(text, sizeof text, "%susers: [{name: u, user: {auth-provider: {name: gcp}}}]\n", base);
	CHECK((e = load_err(text, NULL)) && strstr(e, "auth-provider is not supported"));
	free(e);
	snprintf(text, sizeof text, "%susers: [{name: u, user: {username: a, password: b}}]\n", base);
	CHECK((e = load_err(text, NULL)) && strstr(e, "username/password"));
	free(e);
	snprintf(text, sizeof text, "%susers: [{name: u, user: {client-key-data: '!!'}}]\n", base);
	CHECK((e = load_err(text, NULL)) && strstr(e, "client-key-data is not valid base64"));
	free(e);
	snprintf(text, sizeof text, "%susers: [{name: u, user: {exec: {command: x, apiVersion: v9}}}]\n", base);
	CHECK((e = load_err(text, NULL)) && strstr(e, "apiVersion must be"));
	free(e);
	snprintf(text, sizeof text, "%susers: [{name: v}]\n", base);
	CHECK((e = load_err(text, NULL)) && strstr(e, "user \"u\" of context \"x\" not found"));
	free(e);
	CHECK((e = load_err("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
			    "clusters: [{name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: maybe}}]\n",
			    NULL)) && strstr(e, "must be true or false"));
	free(e);
}

TEST(kubeconfig_path)
{
	setenv("HOME", "/home/u", 1);
	unsetenv("KUBECONFIG");
	char *p = kubeconfig_path(NULL, true);
	CHECK_STR(p, "/home/u/.kube/config");
	free(p);
	setenv("KUBECONFIG", "/a/one:/b/two", 1);
	p = kubeconfig_path("", true);
	CHECK_STR(p, "/a/one");
	free(p);
	p = kubeconfig_path("/explicit", true);
	CHECK_STR(p, "/explicit");
	free(p);
	/* skipper's rule (routesrv-serve): $KUBECONFIG is not read */
	p = kubeconfig_path(NULL, false);
	CHECK_STR(p, "/home/u/.kube/config");
	free(p);
	unsetenv("KUBECONFIG");
}

TEST(exec_credential_parse)
{
	kube_exec_credential c;
	buf err = BUF_INIT;
	const char *v1 = "client.authentication.k8s.io/v1";
	const char *ok = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
			 "\"status\":{\"token\":\"t0k\",\"expirationTimestamp\":\"1970-01-01T00:01:00Z\"}}";
	CHECK_INT(kube_exec_credential_parse(ok, strlen(ok), v1, &c, &err), 0);
	CHECK_STR(c.token, "t0k");
	CHECK(c.has_expiry);
	CHECK_INT(c.expiry, 60);
	kube_exec_credential_clear(&c);
	const char *cert = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
			   "\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}}";
	CHECK_INT(kube_exec_credential_parse(cert, strlen(cert), v1, &c, &err), 0);
	CHECK(c.token == NULL);
	CHECK_STR((char *)c.cert.ptr, "CERT");
	CHECK_STR((char *)c.key.ptr, "KEY");
	CHECK(!c.has_expiry);
	kube_exec_credential_clear(&c);
	const struct { const char *json, *msg; } bad[] = {
		{ "nope", "not valid JSON" },
		{ "{\"kind\":\"Other\"}", "not an ExecCredential" },
		{ "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{}}",
		  "apiVersion is not" },
		{ "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\"}", "has no status" },
		{ "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{}}",
		  "neither a token" },
		{ "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":"
		  "{\"clientCertificateData\":\"C\"}}", "must come together" },
		{ "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":"
		  "{\"token\":7}}", "status.token must be a string" },
		{ "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":"
		  "{\"token\":\"x\",\"expirationTimestamp\":\"soon\"}}", "invalid expirationTimestamp" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		buf_reset(&err);
		CHECK(kube_exec_credential_parse(bad[i].json, strlen(bad[i].json), v1, &c, &err) != 0);
		CHECK(err.ptr && strstr(err.ptr, bad[i].msg));
		CHECK(c.token == NULL && c.cert.ptr == NULL);
		if (!err.ptr || !strstr(err.ptr, bad[i].msg))
			printf("    case %zu: %s\n", i, err.ptr ? err.ptr : "(none)");
	}
	buf_free(&err);
}

TEST(exec_run)
{
	write_file("plugin.sh",
		   "#!/bin/sh\n"
		   "[ \"$1\" = arg1 ] || exit 3\n"
		   "[ \"$GREETING\" = hello ] || exit 4\n"
		   "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 5;; esac\n"
		   "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
		   "\"status\":{\"token\":\"from-plugin\"}}'\n",
		   0755);
	char *args[] = { "arg1" };
	kubeconfig_env env[] = { { "GREETING", "hello" } };
	kubeconfig_exec e = { .api_version = "client.authentication.k8s.io/v1", .command = (char *)path_in("plugin.sh"),
			      .args = args, .nargs = 1, .env = env, .nenv = 1 };
	kube_exec_credential c;
	buf err = BUF_INIT;
	CHECK_INT(kubeconfig_exec_run(&e, "https://h", 5000, &c, &err), 0);
	CHECK_STR(c.token, "from-plugin");
	kube_exec_credential_clear(&c);

	e.nenv = 0;   /* the script checks its environment: exit 4 */
	CHECK(kubeconfig_exec_run(&e, NULL, 5000, &c, &err) != 0);
	CHECK(err.ptr && strstr(err.ptr, "exited with status 4"));
	buf_reset(&err);
	e.command = "/nonexistent/plugin";
	CHECK(kubeconfig_exec_run(&e, NULL, 5000, &c, &err) != 0);
	CHECK(err.ptr && strstr(err.ptr, "/nonexistent/plugin"));
	buf_reset(&err);
	write_file("hang.sh", "#!/bin/sh\nexec sleep 30\n", 0755);
	e.command = (char *)path_in("hang.sh");
	CHECK(kubeconfig_exec_run(&e, NULL, 200, &c, &err) != 0);
	CHECK(err.ptr && strstr(err.ptr, "no answer within 200 ms"));
	buf_reset(&err);
	e.interactive_mode = "Always";
	CHECK(kubeconfig_exec_run(&e, NULL, 200, &c, &err) != 0);
	CHECK(err.ptr && strstr(err.ptr, "interactiveMode Always"));
	buf_free(&err);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(base64);
	RUN(rfc3339);
	RUN(current_context);
	RUN(explicit_context_data_and_exec);
	RUN(errors);
	RUN(kubeconfig_path);
	RUN(exec_credential_parse);
	RUN(exec_run);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_SUMMARY();
}
