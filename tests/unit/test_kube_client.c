/* Unit tests of kube_client as routesrv-serve uses it: one client, several cycles, decoded
 * into kube_clusters, against the fake API server (tests/bats/helpers/fake_kube_api.py,
 * run from the repository root as `make unit` does). Skipped when python3 is missing. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "objects/kube_read.h"
#include "source/kube_client.h"
#include "base/log.h"
#include "test.h"

extern char **environ;

#define FAKE_API "tests/bats/helpers/fake_kube_api.py"
#define CLUSTER "tests/bats/fixtures/fetch/cluster.yaml"

static char dir[] = "/tmp/test_kube_client.XXXXXX";
static pid_t api_pid;
static char api_url[64];

static const char *path_in(const char *name)
{
	static char p[16][512];   /* a ring, so several results can be used at once */
	static int i;
	i = (i + 1) % 16;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(path_in(name), "w");
	fputs(text, f);
	fclose(f);
}

static int start_api(const char *extra1, const char *extra2)
{
	char *argv[16] = { "python3", FAKE_API, "--fixtures", CLUSTER, "--port-file", (char *)path_in("port"),
			   "--log", (char *)path_in("api.log"), "--lifetime", "60" };
	int n = 10;
	if (extra1)
		argv[n++] = (char *)extra1;
	if (extra2)
		argv[n++] = (char *)extra2;
	argv[n] = NULL;
	unlink(path_in("port"));
	unlink(path_in("api.log"));
	if (posix_spawnp(&api_pid, "python3", NULL, NULL, argv, environ) != 0)
		return -1;
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path_in("port"), "r");
		int port;
		if (f && fscanf(f, "%d", &port) == 1) {
			fclose(f);
			snprintf(api_url, sizeof api_url, "http://127.0.0.1:%d", port);
			return 0;
		}
		if (f)
			fclose(f);
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void stop_api(void)
{
	if (api_pid > 0) {
		kill(api_pid, SIGTERM);
		waitpid(api_pid, NULL, 0);
		api_pid = 0;
	}
}

/* Counts lines of the fake's request log containing `needle`. */
static int log_count(const char *needle)
{
	FILE *f = fopen(path_in("api.log"), "r");
	if (!f)
		return -1;
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static kube_client *client_for(const char *token_file, buf *err)
{
	kube_client_config cfg;
	kube_client_config_init(&cfg);
	cfg.url = api_url;
	cfg.token_file = token_file;
	return kube_client_new(&cfg, err);
}

/* One fetch decoded into a new cluster, as the pipeline loads the API (NULL on error). */
static int load(kube_client *c, const kube_fetch_request *req, kube_cluster **out, buf *err)
{
	kube_fetch_result res;
	*out = NULL;
	if (kube_fetch(c, req, &res, err) != 0)
		return -1;
	kube_cluster *cl = kube_cluster_new();
	int rc = kube_read_fetched(cl, &res, NULL, err);
	kube_fetch_result_free(&res);
	if (rc != 0)
		kube_cluster_free(cl);
	else
		*out = cl;
	return rc;
}

TEST(cycles_reuse_connection_and_reread_token)
{
	write_file("server-token", "token-a\n");
	write_file("client-token", "token-a\n");
	CHECK_INT(start_api("--token-file", path_in("server-token")), 0);
	buf err = BUF_INIT;
	kube_client *c = client_for(path_in("client-token"), &err);
	CHECK(c != NULL);
	kube_fetch_request req = { 0 };
	for (int cycle = 0; c && cycle < 3; cycle++) {
		if (cycle == 2) {   /* the token rotates between cycles */
			write_file("server-token", "token-b\n");
			write_file("client-token", "token-b\n");
		}
		kube_cluster *cl = NULL;
		int rc = load(c, &req, &cl, &err);
		CHECK_INT(rc, 0);
		if (rc != 0)
			printf("    %s\n", err.ptr);
		if (cl) {
			CHECK_INT(cl->ningresses, 3);
			CHECK_INT(cl->nroutegroups, 1);
			CHECK_INT(cl->nservices, 2);
			CHECK_INT(cl->nendpoints, 2);
			CHECK_INT(cl->nslices, 0);
			CHECK(cl->routegroups_known);
		}
		kube_cluster_free(cl);
	}
	kube_client_free(c);
	stop_api();
	CHECK_INT(log_count("\"event\": \"connect\""), 1);
	CHECK_INT(log_count("\"event\": \"request\""), 15);
	CHECK_INT(log_count("\"status\": 401"), 0);   /* the new token was read before the cycle */
	CHECK_INT(log_count("Bearer token-b"), 5);
	buf_free(&err);
}

TEST(endpointslices_selectors_and_strict_decoding)
{
	CHECK_INT(start_api(NULL, NULL), 0);
	buf err = BUF_INIT;
	kube_client *c = client_for(NULL, &err);
	kube_fetch_request req = { .ingresses = "team=shop", .endpointslices_enabled = true };
	kube_cluster *cl = NULL;
	CHECK_INT(load(c, &req, &cl, &err), 0);
	if (cl) {
		CHECK_INT(cl->ningresses, 1);
		CHECK_STR(cl->ingresses[0].meta.name.ptr, "web");
		CHECK_INT(cl->nendpoints, 0);
		CHECK_INT(cl->nslices, 2);
	}
	kube_cluster_free(cl);
	kube_client_free(c);
	stop_api();

	/* A type mismatch fails the whole list, as skipper's decoding does. */
	write_file("bad.yaml", "apiVersion: zalando.org/v1\nkind: RouteGroup\nmetadata: {namespace: a, name: b}\n"
			       "spec:\n  backends: [{name: x, type: service, serviceName: s, servicePort: '80'}]\n");
	char *argv_yaml = strdup(path_in("bad.yaml"));
	CHECK_INT(start_api("--fixtures", argv_yaml), 0);
	c = client_for(NULL, &err);
	kube_fetch_request plain = { 0 };
	buf_reset(&err);
	CHECK(load(c, &plain, &cl, &err) != 0);
	CHECK(cl == NULL);
	CHECK(err.ptr && strstr(err.ptr, "failed to load cluster state: "));
	CHECK(err.ptr && strstr(err.ptr, "/apis/zalando.org/v1/routegroups"));
	kube_client_free(c);
	stop_api();
	free(argv_yaml);
	buf_free(&err);
}

TEST(discovery_404_warns_once_per_client)
{
	CHECK_INT(start_api("--fault", "/apis/zalando.org/v1=404"), 0);
	buf err = BUF_INIT;
	kube_client *c = client_for(NULL, &err);
	kube_fetch_request req = { 0 };
	/* Capture stderr to count the warnings. */
	fflush(stderr);
	int saved = dup(2);
	FILE *f = freopen(path_in("stderr"), "w", stderr);
	for (int i = 0; i < 2; i++) {
		kube_cluster *cl = NULL;
		CHECK_INT(load(c, &req, &cl, &err), 0);
		if (cl) {
			CHECK(!cl->routegroups_known);
			CHECK_INT(cl->nroutegroups, 0);
		}
		kube_cluster_free(cl);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	(void)f;
	kube_client_free(c);
	stop_api();
	FILE *in = fopen(path_in("stderr"), "r");
	char line[1024];
	int warnings = 0;
	while (in && fgets(line, sizeof line, in))
		warnings += strstr(line, "RouteGroups CRD is not installed") != NULL;
	if (in)
		fclose(in);
	CHECK_INT(warnings, 1);
	CHECK_INT(log_count("routegroups"), 0);
	buf_free(&err);
}

TEST(flags_table)
{
	kube_client_config cfg;
	kube_client_config_init(&cfg);
	size_t n;
	const opt_def *d = kube_client_config_flags(&cfg, &n);
	CHECK(n > 10);
	CHECK(d[n].name == NULL);
	bool seen_url = false;
	for (size_t i = 0; i < n; i++) {
		CHECK(d[i].name != NULL);
		CHECK(d[i].kind == OPT_GROUP || d[i].target != NULL);
		if (d[i].name && strcmp(d[i].name, "kubernetes-url") == 0)
			seen_url = d[i].target == &cfg.url;
	}
	CHECK(seen_url);
	CHECK_INT(cfg.timeout_ms, 10000);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	log_set_timestamps(false);
	RUN(flags_table);
	if (access(FAKE_API, R_OK) != 0 || system("python3 -c 'import yaml' 2>/dev/null") != 0) {
		printf("skipping API tests: python3 with yaml or %s not available\n", FAKE_API);
	} else {
		RUN(cycles_reuse_connection_and_reread_token);
		RUN(endpointslices_selectors_and_strict_decoding);
		RUN(discovery_404_warns_once_per_client);
	}
	stop_api();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_SUMMARY();
}
