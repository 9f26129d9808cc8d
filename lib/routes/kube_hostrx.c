/* kube_hostrx.c: skipper's host regexp (spec kubernetes-to-eskip.md §5.1). */
#include "routes/kube_hostrx.h"

#include <string.h>

#include "base/buf.h"

static const char host_suffix[] = "[.]?(:[0-9]+)?";

/* Appends one host with every "." turned into "[.]" and the optional dot/port suffix. */
static void put_host(buf *b, str host)
{
	for (size_t i = 0; i < host.len; i++) {
		if (host.ptr[i] == '.')
			buf_puts(b, "[.]");
		else
			buf_putc(b, host.ptr[i]);
	}
	buf_puts(b, host_suffix);
}

str kube_host_rx(arena *a, const str *hosts, size_t n)
{
	buf b = BUF_INIT;
	buf_puts(&b, "^(");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, '|');
		put_host(&b, hosts[i]);
	}
	buf_puts(&b, ")$");
	str r = arena_strndup(a, b.ptr, b.len);
	buf_free(&b);
	return r;
}

str kube_host_rx1(arena *a, str host)
{
	return kube_host_rx(a, &host, 1);
}
