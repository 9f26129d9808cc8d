/* fuzz_kubeconfig: the kubeconfig reader (kubeconfig_load, current context and a named
 * one), the exec plugin's ExecCredential parser and the RFC 3339 timestamp parser.
 * kubeconfig_load reads a path, so the input is served from a memfd through
 * /proc/self/fd (no disk writes; relative paths in it resolve against /proc/self/fd,
 * and nothing referenced is read at load time). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "source/kubeconfig.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	fd = memfd_create("kubeconfig", 0);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return 0;
}

static void load(const char *context)
{
	kubeconfig k;
	buf err = BUF_INIT;
	/* Errors quote names verbatim, so a name with a newline gives a multi-line message
	 * (reported, not checked here). */
	if (kubeconfig_load(&k, path, context, &err) != 0)
		FUZZ_ASSERT(err.len > 0, "error without a message");
	kubeconfig_free(&k);
	buf_free(&err);
}

static void credential(const char *text, size_t len, const char *api_version)
{
	kube_exec_credential cred;
	buf err = BUF_INIT;
	memset(&cred, 0, sizeof cred);
	if (kube_exec_credential_parse(text, len, api_version, &cred, &err) == 0)
		kube_exec_credential_clear(&cred);
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	load(NULL);
	load("fuzz");

	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	credential(text, size, "client.authentication.k8s.io/v1");
	credential(text, size, "client.authentication.k8s.io/v1beta1");
	time_t t;
	(void)rfc3339_parse(text, &t);
	free(text);
	return 0;
}
