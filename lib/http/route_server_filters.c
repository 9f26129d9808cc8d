/* route_server_filters.c: the main listener's filter middleware (see route_server_filters.h). */
#include "http/route_server_filters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "eskip/eskip.h"
#include "eskip/route.h"
#include "http/tls_config.h"

typedef enum { F_STATUS, F_INLINE_CONTENT, F_ANNOTATE, F_SET_RESPONSE_HEADER, F_MTLS_AUTHN, F_MTLS_CN } filter_kind;

typedef struct {
	filter_kind kind;
	int status;                  /* status */
	const char *a, *b;           /* inlineContent text/mime, setResponseHeader name/value */
	size_t alen;
	const char *content_type;    /* inlineContent: given or sniffed */
	const str *cns;              /* mtlsCN */
	size_t ncns;
} filter;

struct route_filters {
	arena *arena;                /* the parsed calls and their strings */
	filter *v;
	size_t n;
};

static bool all_strings(const call *c)
{
	for (size_t i = 0; i < c->nargs; i++)
		if (c->args[i].type != ARG_STRING)
			return false;
	return true;
}

/* Go's http.DetectContentType for text: HTML and XML by their start, binary bytes make
 * application/octet-stream, anything else is UTF-8 text. */
static const char *sniff(str s)
{
	static const char *const html[] = { "<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV",
		"<FONT", "<TABLE", "<A", "<STYLE", "<TITLE", "<B", "<BODY", "<BR", "<P", "<!--", NULL };
	size_t i = 0;
	while (i < s.len && strchr("\t\n\x0c\r ", s.ptr[i])) i++;
	for (int k = 0; html[k]; k++) {
		size_t n = strlen(html[k]);
		if (s.len - i > n && strncasecmp(s.ptr + i, html[k], n) == 0 && (s.ptr[i + n] == ' ' || s.ptr[i + n] == '>'))
			return "text/html; charset=utf-8";
	}
	if (s.len - i >= 5 && memcmp(s.ptr + i, "<?xml", 5) == 0)
		return "text/xml; charset=utf-8";
	for (size_t k = 0; k < s.len && k < 512; k++) {
		unsigned char c = (unsigned char)s.ptr[k];
		if (c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f))
			return "application/octet-stream";
	}
	return "text/plain; charset=utf-8";
}

/* Turns one parsed call into a filter; false when its arguments are wrong. */
static bool make_filter(const call *c, filter *f, bool *known)
{
	*known = true;
	if (str_eq_c(c->name, "status")) {
		f->kind = F_STATUS;
		if (c->nargs != 1 || c->args[0].type != ARG_NUMBER)
			return false;
		double code = c->args[0].num;
		f->status = (int)code;
		return code >= 100 && code <= 599 && code == (double)f->status;
	}
	if (str_eq_c(c->name, "inlineContent")) {
		f->kind = F_INLINE_CONTENT;
		if (c->nargs < 1 || c->nargs > 2 || !all_strings(c))
			return false;
		f->a = c->args[0].s.ptr;
		f->alen = c->args[0].s.len;
		f->content_type = c->nargs == 2 ? c->args[1].s.ptr : sniff(c->args[0].s);
		return true;
	}
	if (str_eq_c(c->name, "annotate")) {
		f->kind = F_ANNOTATE;
		return c->nargs == 2 && all_strings(c);
	}
	if (str_eq_c(c->name, "setResponseHeader")) {
		f->kind = F_SET_RESPONSE_HEADER;
		if (c->nargs != 2 || !all_strings(c) || c->args[0].s.len == 0)
			return false;
		/* A header line must not be split by what the flag carries. */
		if (memchr(c->args[0].s.ptr, '\n', c->args[0].s.len) || memchr(c->args[1].s.ptr, '\n', c->args[1].s.len) ||
		    memchr(c->args[0].s.ptr, '\r', c->args[0].s.len) || memchr(c->args[1].s.ptr, '\r', c->args[1].s.len))
			return false;
		f->a = c->args[0].s.ptr;
		f->b = c->args[1].s.ptr;
		return true;
	}
	if (str_eq_c(c->name, "mtlsAuthn")) {
		f->kind = F_MTLS_AUTHN;
		return c->nargs == 0;
	}
	if (str_eq_c(c->name, "mtlsCN")) {
		f->kind = F_MTLS_CN;
		if (c->nargs == 0 || !all_strings(c))
			return false;
		str *cns = calloc(c->nargs, sizeof *cns);
		if (!cns)
			abort();
		for (size_t i = 0; i < c->nargs; i++)
			cns[i] = c->args[i].s;
		f->cns = cns;
		f->ncns = c->nargs;
		return true;
	}
	*known = false;
	return false;
}

route_filters *route_filters_new(const opt_list *values, buf *err)
{
	route_filters *f = calloc(1, sizeof *f);
	if (!f)
		abort();
	f->arena = arena_new();
	for (size_t i = 0; values && i < values->n; i++) {
		call *calls;
		size_t n;
		buf why = BUF_INIT;
		if (eskip_parse_filters(f->arena, values->v[i], strlen(values->v[i]), &calls, &n, &why) != 0) {
			buf_printf(err, "invalid value \"%s\" for flag -route-server-filters: %s", values->v[i], why.ptr);
			buf_free(&why);
			route_filters_free(f);
			return NULL;
		}
		if (f->n + n > RSF_MAX_HEADERS - 2) {
			buf_printf(err, "-route-server-filters: more than %d filters", RSF_MAX_HEADERS - 2);
			route_filters_free(f);
			return NULL;
		}
		f->v = realloc(f->v, (f->n + n + 1) * sizeof *f->v);
		if (!f->v)
			abort();
		for (size_t k = 0; k < n; k++) {
			bool known;
			filter *nf = &f->v[f->n];
			*nf = (filter){ 0 };
			bool ok = make_filter(&calls[k], nf, &known);
			if (ok) {
				f->n++;
				continue;
			}
			free((void *)nf->cns);
			if (known)
				buf_printf(err, "failed to create filter \"%.*s\" for routeserver: invalid filter parameters",
					   (int)calls[k].name.len, calls[k].name.ptr);
			else
				buf_printf(err, "failed to get filter for routeserver \"%.*s\"", (int)calls[k].name.len,
					   calls[k].name.ptr);
			route_filters_free(f);
			return NULL;
		}
	}
	return f;
}

void route_filters_free(route_filters *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free((void *)f->v[i].cns);
	free(f->v);
	arena_free(f->arena);
	free(f);
}

bool route_filters_empty(const route_filters *f)
{
	return !f || f->n == 0;
}

/* --- per request ------------------------------------------------------------------------ */

static void set_header(rsf_result *out, const char *name, const char *value)
{
	for (size_t i = 0; i < out->nheaders; i++)
		if (strcasecmp(out->headers[i].name, name) == 0) {
			out->headers[i].value = value;
			return;
		}
	if (out->nheaders < RSF_MAX_HEADERS) {
		out->headers[out->nheaders].name = name;
		out->headers[out->nheaders++].value = value;
	}
}

static void serve(rsf_result *out, int status, const char *body, size_t len, const char *content_type)
{
	out->served = true;
	out->status = status;
	out->body = body;
	out->body_len = len;
	out->content_type = content_type;
}

/* skipper's mTLS filters: 401 without TLS or certificate, 403 when the check fails. */
static void check_mtls(const filter *f, const rsf_request *rq, rsf_result *out)
{
	tls_peer peer = tls_peer_verify(rq->tls_session);
	bool ok = peer == TLS_PEER_VERIFIED;
	if (ok && f->kind == F_MTLS_CN) {
		char cn[256];
		ok = false;
		if (tls_peer_common_name(rq->tls_session, cn, sizeof cn))
			for (size_t i = 0; i < f->ncns && !ok; i++)
				ok = str_eq_c(f->cns[i], cn);
	}
	if (ok)
		return;
	serve(out, peer == TLS_PEER_NONE ? 401 : 403, "", 0, NULL);
	set_header(out, "WWW-Authenticate", rq->host ? rq->host : "");
}

void route_filters_run(const route_filters *f, const rsf_request *rq, rsf_result *out)
{
	*out = (rsf_result){ 0 };
	if (route_filters_empty(f))
		return;
	size_t ran = 0;
	for (; ran < f->n && !out->served; ran++) {
		const filter *x = &f->v[ran];
		if (x->kind == F_INLINE_CONTENT)
			serve(out, 200, x->a, x->alen, x->content_type);
		else if (x->kind == F_MTLS_AUTHN || x->kind == F_MTLS_CN)
			check_mtls(x, rq, out);
	}
	while (ran-- > 0) {
		const filter *x = &f->v[ran];
		if (x->kind == F_STATUS && out->served)
			out->status = x->status;
		else if (x->kind == F_SET_RESPONSE_HEADER)
			set_header(out, x->a, x->b);
	}
}
