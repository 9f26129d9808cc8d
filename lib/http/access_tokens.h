/* access_tokens.h: bearer tokens guarding routesrv-serve's /routes and shard endpoints
 * (-routes-token-file).
 *
 * The file holds one token per line; blank lines and whitespace around a token are
 * ignored. It is re-read when its identity (inode, size, mtime) changes, checked at most
 * once a second from the request path, and at once on access_tokens_refresh(t, true)
 * (SIGHUP). A file that cannot be read later, or holds no token, leaves the last tokens in
 * force: the failure is logged (path and reason only) and counted in
 * routesrv_custom_total{key="routes.token_file_errors"}.
 *
 * Tokens never leave this module: they are not logged, not put into errors or metrics,
 * compared in time independent of where they differ, and wiped from memory when replaced.
 *
 * Threads: every function except open/free may be called from any thread. Ownership:
 * access_tokens_free() frees everything. */
#ifndef ROUTESRV_ACCESS_TOKENS_H
#define ROUTESRV_ACCESS_TOKENS_H
#include <stdbool.h>

#include "base/buf.h"

typedef struct access_tokens access_tokens;

/* Reads the file; NULL with "<path>: <reason>" in err when it cannot be read or holds no
 * token. */
access_tokens *access_tokens_open(const char *path, buf *err);
void access_tokens_free(access_tokens *t);              /* NULL is fine */

/* Re-reads the file if it changed (force: even if it looks unchanged); rate-limited to
 * once a second unless forced. */
void access_tokens_refresh(access_tokens *t, bool force);

/* True when an Authorization header value ("Bearer <token>", scheme case-insensitive)
 * carries one of the current tokens. NULL or anything else: false. */
bool access_tokens_allow(access_tokens *t, const char *authorization);
#endif
