/* access_tokens.c: the -routes-token-file tokens (see access_tokens.h). */
#include "http/access_tokens.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"

/* A token file is a handful of lines; anything larger is a mistake, not a token list. */
#define TOKEN_FILE_MAX (1024 * 1024)

typedef struct {
	char *bytes;            /* the tokens, each NUL-terminated, back to back */
	size_t len;
	const char **v;         /* pointers into bytes */
	size_t *lens;
	size_t n;
} token_set;

typedef struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
} file_identity;

struct access_tokens {
	char *path;
	pthread_rwlock_t lock;          /* guards set and id */
	token_set set;
	file_identity id;
	pthread_mutex_t reload;         /* one re-read at a time; guards failing */
	bool failing;                   /* the last re-read failed (logged once per failure run) */
	atomic_llong next_check;        /* CLOCK_MONOTONIC second of the next identity check */
};

static void set_wipe(token_set *s)
{
	if (s->bytes)
		explicit_bzero(s->bytes, s->len);
	free(s->bytes);
	free(s->v);
	free(s->lens);
	*s = (token_set){ 0 };
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Splits text into trimmed non-empty lines, copied into s. */
static void set_parse(token_set *s, const char *text, size_t len)
{
	*s = (token_set){ 0 };
	s->bytes = malloc(len + 1);
	size_t cap = 8;
	s->v = malloc(cap * sizeof *s->v);
	s->lens = malloc(cap * sizeof *s->lens);
	if (!s->bytes || !s->v || !s->lens)
		abort();
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, a = i, b = end;
		while (a < b && is_space(text[a])) a++;
		while (b > a && is_space(text[b - 1])) b--;
		if (b > a) {
			if (s->n == cap) {
				cap *= 2;
				if (!(s->v = realloc(s->v, cap * sizeof *s->v)) || !(s->lens = realloc(s->lens, cap * sizeof *s->lens)))
					abort();
			}
			memcpy(s->bytes + s->len, text + a, b - a);
			s->v[s->n] = s->bytes + s->len;
			s->lens[s->n++] = b - a;
			s->len += b - a;
			s->bytes[s->len++] = 0;
		}
		i = end + 1;
	}
}

/* Reads the whole file; 0 with the set and identity, or -1 with a reason. */
static int read_tokens(const char *path, token_set *out, file_identity *id, buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		if (fd >= 0) close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TOKEN_FILE_MAX) {
		buf_printf(err, "%s: %s", path, S_ISREG(st.st_mode) ? "larger than 1 MiB" : "not a regular file");
		close(fd);
		return -1;
	}
	char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		abort();
	size_t len = 0;
	for (ssize_t n; len < (size_t)st.st_size; len += (size_t)n) {
		n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR) { n = 0; continue; }
		if (n <= 0) break;
	}
	int rc = 0;
	if (len != (size_t)st.st_size) {
		buf_printf(err, "%s: short read", path);
		rc = -1;
	} else {
		set_parse(out, text, len);
		if (out->n == 0) {
			buf_printf(err, "%s: no token in the file", path);
			set_wipe(out);
			rc = -1;
		}
	}
	explicit_bzero(text, len);
	free(text);
	close(fd);
	*id = (file_identity){ st.st_dev, st.st_ino, st.st_size, st.st_mtim };
	return rc;
}

access_tokens *access_tokens_open(const char *path, buf *err)
{
	token_set set;
	file_identity id;
	if (read_tokens(path, &set, &id, err) != 0)
		return NULL;
	access_tokens *t = calloc(1, sizeof *t);
	if (!t || !(t->path = strdup(path)))
		abort();
	pthread_rwlock_init(&t->lock, NULL);
	pthread_mutex_init(&t->reload, NULL);
	t->set = set;
	t->id = id;
	atomic_init(&t->next_check, 0);
	metrics_declare("routes.token_file_errors");
	return t;
}

void access_tokens_free(access_tokens *t)
{
	if (!t)
		return;
	set_wipe(&t->set);
	pthread_rwlock_destroy(&t->lock);
	pthread_mutex_destroy(&t->reload);
	free(t->path);
	free(t);
}

static bool same_identity(const file_identity *a, const struct stat *st)
{
	return a->dev == st->st_dev && a->ino == st->st_ino && a->size == st->st_size &&
	       a->mtime.tv_sec == st->st_mtim.tv_sec && a->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void reload_failed(access_tokens *t, const char *why)
{
	if (!t->failing)
		log_kv(LOG_ERROR, "failed to read the routes token file; keeping the last tokens", "file", t->path,
		       "error", why, NULL);
	t->failing = true;
	metrics_count("routes.token_file_errors");
}

static void reload(access_tokens *t, bool force)
{
	struct stat st;
	if (stat(t->path, &st) != 0) {
		reload_failed(t, strerror(errno));
		return;
	}
	pthread_rwlock_rdlock(&t->lock);
	bool same = same_identity(&t->id, &st);
	pthread_rwlock_unlock(&t->lock);
	if (same && !force) {
		t->failing = false;   /* back to the file the tokens came from */
		return;
	}
	token_set set;
	file_identity id;
	buf err = BUF_INIT;
	if (read_tokens(t->path, &set, &id, &err) != 0) {
		/* The reason names the path, never a token. */
		reload_failed(t, err.ptr + strlen(t->path) + 2);
		buf_free(&err);
		/* A failed read is retried at the next check, even if the identity stays. */
		pthread_rwlock_wrlock(&t->lock);
		t->id = (file_identity){ 0 };
		pthread_rwlock_unlock(&t->lock);
		return;
	}
	pthread_rwlock_wrlock(&t->lock);
	token_set old = t->set;
	t->set = set;
	t->id = id;
	pthread_rwlock_unlock(&t->lock);
	set_wipe(&old);
	t->failing = false;
	log_typed(LOG_INFO, "routes token file read", LOG_STR("file", t->path), LOG_INT("tokens", set.n));
}

void access_tokens_refresh(access_tokens *t, bool force)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	long long due = atomic_load_explicit(&t->next_check, memory_order_relaxed);
	if (!force && (now.tv_sec < due ||
		       !atomic_compare_exchange_strong(&t->next_check, &due, (long long)now.tv_sec + 1)))
		return;
	if (force)
		atomic_store(&t->next_check, (long long)now.tv_sec + 1);
	pthread_mutex_lock(&t->reload);
	reload(t, force);
	pthread_mutex_unlock(&t->reload);
}

/* Compares in time that depends on the lengths only, never on where the bytes differ. */
static bool equal_constant_time(const char *given, size_t glen, const char *token, size_t tlen)
{
	volatile unsigned char diff = glen != tlen;
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned char)(token[i] ^ (i < glen ? given[i] : 0));
	return diff == 0;
}

bool access_tokens_allow(access_tokens *t, const char *authorization)
{
	if (!authorization)
		return false;
	while (*authorization == ' ' || *authorization == '\t') authorization++;
	if (strncasecmp(authorization, "Bearer", 6) != 0 || (authorization[6] != ' ' && authorization[6] != '\t'))
		return false;
	const char *given = authorization + 7;
	while (*given == ' ' || *given == '\t') given++;
	size_t glen = strlen(given);
	while (glen > 0 && is_space(given[glen - 1])) glen--;
	if (glen == 0)
		return false;
	bool ok = false;
	pthread_rwlock_rdlock(&t->lock);
	/* Every token is compared, so the time does not tell which one matched. */
	for (size_t i = 0; i < t->set.n; i++)
		ok |= equal_constant_time(given, glen, t->set.v[i], t->set.lens[i]);
	pthread_rwlock_unlock(&t->lock);
	return ok;
}
