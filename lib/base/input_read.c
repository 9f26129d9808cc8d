/* input_read.c: whole-input reading from files, stdin and HTTP(S) URLs. */
#include "base/input_read.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/gzip.h"
#include "base/redact.h"
#include "base/xalloc.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_MAX_BYTES ((size_t)1 << 30)

bool input_is_url(const char *name)
{
	return strncasecmp(name, "http://", 7) == 0 || strncasecmp(name, "https://", 8) == 0;
}

/* Masked names, freed at exit (LeakSanitizer-clean); serve's threads may ask too. */
static struct shown_name {
	struct shown_name *next;
	char *name, *shown;
} *shown_names;
static pthread_mutex_t shown_lock = PTHREAD_MUTEX_INITIALIZER;

static void free_shown_names(void)
{
	for (struct shown_name *n = shown_names, *next; n; n = next) {
		next = n->next;
		free(n->name);
		free(n->shown);
		free(n);
	}
	shown_names = NULL;
}

const char *input_display_name(const char *name)
{
	if (strcmp(name, "-") == 0)
		return "stdin";
	if (!redact_needed(name, strlen(name)))
		return name;
	pthread_mutex_lock(&shown_lock);
	struct shown_name *n = shown_names;
	while (n && strcmp(n->name, name) != 0)
		n = n->next;
	if (!n) {
		if (!shown_names)
			atexit(free_shown_names);
		n = xmalloc(sizeof *n);
		*n = (struct shown_name){ shown_names, xstrdup(name), redact_dup(name) };
		shown_names = n;
	}
	pthread_mutex_unlock(&shown_lock);
	return n->shown;
}

static size_t max_bytes(const input_opts *o)
{
	return o && o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
}

int input_read_fd(int fd, size_t limit, buf *out)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		buf_reserve(out, (size_t)st.st_size + 1);   /* one allocation for a whole file */
	size_t start = out->len;
	for (;;) {
		buf_reserve(out, 65536);
		ssize_t n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		out->ptr[out->len += (size_t)n] = 0;
		if (n == 0)
			return 0;
		if (out->len - start > limit)
			return -2;
	}
}

int input_read_file(const char *path, size_t limit, buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = input_read_fd(fd, limit, out), saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int read_local(const char *name, size_t limit, buf *out, buf *err)
{
	int rc = strcmp(name, "-") == 0 ? input_read_fd(STDIN_FILENO, limit, out) : input_read_file(name, limit, out);
	if (rc == -1)
		buf_puts(err, strerror(errno));
	else if (rc == -2)
		buf_printf(err, "input larger than %zu bytes", limit);
	return rc == 0 ? 0 : -1;
}

/* --- HTTP ----------------------------------------------------------------------------- */

typedef struct {
	buf *body;
	size_t limit;
	bool too_large;
	char encoding[64];      /* Content-Encoding of the final response */
	char reason[128];       /* reason phrase of the final status line */
} http_state;

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
	http_state *s = userdata;
	size_t bytes = size * n;
	if (s->body->len + bytes > s->limit) {
		s->too_large = true;
		return 0;   /* aborts the transfer */
	}
	buf_append(s->body, p, bytes);
	return bytes;
}

/* Copies the header value (without leading blanks and trailing CR/LF) into dst. */
static void header_value(const char *v, size_t n, char *dst, size_t cap)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	http_state *s = userdata;
	size_t len = size * n;
	static const char ce[] = "content-encoding:";
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100 Continue): forget the previous one. */
		s->encoding[0] = 0;
		const char *sp = memchr(p, ' ', len);
		const char *reason = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - p)) : NULL;
		if (reason)
			header_value(reason + 1, len - (size_t)(reason + 1 - p), s->reason, sizeof s->reason);
		else
			s->reason[0] = 0;
	} else if (len > sizeof ce - 1 && strncasecmp(p, ce, sizeof ce - 1) == 0) {
		header_value(p + sizeof ce - 1, len - (sizeof ce - 1), s->encoding, sizeof s->encoding);
	}
	return len;
}

static void set_options(CURL *c, const char *url, const input_opts *o, http_state *s, char *errbuf,
			struct curl_slist *headers)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
	/* We decode ourselves (gzip only), so the size limit applies to the decoded content too. */
	curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "routesrv/" ROUTESRV_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	if (o && o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* Checks status and encoding of a completed transfer and decodes the body into out. */
static int finish_http(CURL *c, http_state *s, buf *body, size_t limit, buf *out, buf *err)
{
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		buf_printf(err, "HTTP status %ld%s%s", status, s->reason[0] ? " " : "", s->reason);
		return -1;
	}
	if (strcasecmp(s->encoding, "gzip") == 0 || strcasecmp(s->encoding, "x-gzip") == 0) {
		buf why = BUF_INIT;
		int rc = gzip_decompress(out, body->ptr, body->len, limit, &why);
		if (rc != 0)
			buf_printf(err, "gzip-encoded response: %s", why.ptr);
		buf_free(&why);
		return rc;
	}
	if (s->encoding[0] && strcasecmp(s->encoding, "identity") != 0) {
		buf_printf(err, "unsupported Content-Encoding %s", s->encoding);
		return -1;
	}
	buf_append(out, body->ptr ? body->ptr : "", body->len);
	return 0;
}

static int read_url(const char *url, const input_opts *o, buf *out, char *content_type, size_t cap, buf *err)
{
	size_t limit = max_bytes(o);
	buf body = BUF_INIT;
	http_state s = { .body = &body, .limit = limit };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	struct curl_slist *headers = curl_slist_append(NULL, "Accept-Encoding: gzip");
	if (!c || !headers) {
		buf_puts(err, "cannot initialise libcurl");
		curl_slist_free_all(headers);
		if (c)
			curl_easy_cleanup(c);
		return -1;
	}
	set_options(c, url, o, &s, errbuf, headers);
	CURLcode rc = curl_easy_perform(c);
	int result = -1;
	if (s.too_large)
		buf_printf(err, "response larger than %zu bytes", limit);
	else if (rc != CURLE_OK)
		buf_printf(err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else
		result = finish_http(c, &s, &body, limit, out, err);
	const char *type = NULL;
	if (content_type && cap && curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
		snprintf(content_type, cap, "%s", type);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	buf_free(&body);
	return result;
}

/* --- entry point ------------------------------------------------------------------- */

int input_read(const char *name, const input_opts *o, buf *out, buf *err)
{
	return input_read_typed(name, o, out, NULL, 0, err);
}

int input_read_typed(const char *name, const input_opts *o, buf *out, char *content_type, size_t cap, buf *err)
{
	if (content_type && cap)
		content_type[0] = 0;
	if (input_is_url(name))
		return read_url(name, o, out, content_type, cap, err);
	buf raw = BUF_INIT;
	int rc = read_local(name, max_bytes(o), &raw, err);
	if (rc == 0 && gzip_is_gzip(raw.ptr, raw.len)) {
		buf why = BUF_INIT;
		rc = gzip_decompress(out, raw.ptr, raw.len, max_bytes(o), &why);
		if (rc != 0)
			buf_printf(err, "gzip data: %s", why.ptr);
		buf_free(&why);
	} else if (rc == 0) {
		buf_append(out, raw.ptr ? raw.ptr : "", raw.len);
	}
	buf_free(&raw);
	return rc;
}
