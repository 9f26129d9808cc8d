/* kube_status.c: Ingress status PATCHes (see kube_status.h). */
#include "source/kube_status.h"

#include <string.h>

#include "source/kube_client_internal.h"

/* A path segment: unreserved bytes as they are, the rest %XX (names are DNS labels, but a
 * name never makes another path). */
static void path_segment(buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

int kube_patch_ingress_status(kube_client *c, const char *ns, const char *name, const char *patch, size_t len,
			      buf *err)
{
	buf path = BUF_INIT, response = BUF_INIT;
	buf_puts(&path, "/apis/networking.k8s.io/v1/namespaces/");
	path_segment(&path, ns);
	buf_puts(&path, "/ingresses/");
	path_segment(&path, name);
	buf_puts(&path, "/status");
	int rc = kube_client_request(c, "PATCH", path.ptr, "application/merge-patch+json", patch, len, &response, err);
	buf_free(&path);
	buf_free(&response);
	return rc;
}
