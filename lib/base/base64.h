/* base64.h: standard base64 (RFC 4648 §4) decoding, for kubeconfig *-data fields.
 *
 * Ownership: base64_decode returns a malloc'd buffer (NUL-terminated for convenience, the
 * NUL not counted in *len) that the caller frees. */
#ifndef ROUTESRV_BASE64_H
#define ROUTESRV_BASE64_H
#include <stddef.h>

/* Decodes `in` (n bytes). ASCII whitespace is skipped (kubeconfigs wrap long values);
 * padding is optional. Returns NULL on an invalid character or a dangling single
 * character at the end. */
unsigned char *base64_decode(const char *in, size_t n, size_t *len);
#endif
