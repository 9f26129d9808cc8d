/* base64.c: standard base64 decoding. */
#include "base/base64.h"

#include <stdlib.h>

static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

unsigned char *base64_decode(const char *in, size_t n, size_t *len)
{
	unsigned char *out = malloc(n / 4 * 3 + 4);
	if (!out)
		abort();
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0, pending = 0;   /* pending: sextets in the current quantum */
	size_t i = 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (is_space(c))
			continue;
		if (c == '=')
			break;
		int v = sextet(c);
		if (v < 0)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		pending = (pending + 1) % 4;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Only padding and whitespace may follow the first '='. */
	for (; i < n; i++)
		if (in[i] != '=' && !is_space((unsigned char)in[i]))
			goto bad;
	if (pending == 1)
		goto bad;
	out[o] = 0;
	*len = o;
	return out;
bad:
	free(out);
	return NULL;
}
