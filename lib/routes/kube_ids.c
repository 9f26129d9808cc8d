/* kube_ids.c: route IDs of converted objects (spec kubernetes-to-eskip.md §5.2). */
#include "routes/kube_ids.h"

#include <string.h>

#include "base/buf.h"

static bool is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* Length of the valid UTF-8 sequence at s (of at most n bytes), or 0 if invalid — Go's
 * range loop then yields U+FFFD for that single byte. Rejects overlongs, surrogates and
 * code points above U+10FFFF like Go's decoder. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0) lo = 0xA0;
		if (c == 0xED) hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0) lo = 0x90;
		if (c == 0xF4) hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static void put_sanitized_runes(buf *b, str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0;
	while (i < s.len) {
		if (is_word_byte(p[i])) {
			buf_putc(b, (char)p[i]);
			i++;
			continue;
		}
		size_t len = utf8_seq_len(p + i, s.len - i);
		buf_putc(b, '_');
		i += len ? len : 1;
	}
}

static void put_sanitized_bytes(buf *b, str s)
{
	for (size_t i = 0; i < s.len; i++)
		buf_putc(b, is_word_byte((unsigned char)s.ptr[i]) ? s.ptr[i] : '_');
}

static str buf_to_arena(arena *a, buf *b)
{
	str r = arena_strndup(a, b->ptr ? b->ptr : "", b->len);
	buf_free(b);
	return r;
}

str kube_id_sanitize_runes(arena *a, str s)
{
	buf b = BUF_INIT;
	put_sanitized_runes(&b, s);
	return buf_to_arena(a, &b);
}

str kube_id_sanitize_bytes(arena *a, str s)
{
	buf b = BUF_INIT;
	put_sanitized_bytes(&b, s);
	return buf_to_arena(a, &b);
}

str kube_ingress_route_id(arena *a, str ns, str name, str host, str path, str backend)
{
	buf b = BUF_INIT;
	const str parts[] = { ns, name, host, path, backend };
	buf_puts(&b, "kube_");
	for (size_t i = 0; i < 5; i++) {
		if (i > 0)
			buf_puts(&b, "__");
		put_sanitized_runes(&b, parts[i]);
	}
	return buf_to_arena(a, &b);
}

str kube_ingress_catchall_id(arena *a, str host)
{
	return kube_ingress_route_id(a, (str){ "", 0 }, str_c("catchall"), host, (str){ "", 0 }, (str){ "", 0 });
}

str kube_rg_route_id(arena *a, str ns, str name, str method, size_t route_index,
	size_t backend_index, bool internal)
{
	buf b = BUF_INIT;
	buf_puts(&b, internal ? "kube_rg__internal_" : "kube_rg__");
	put_sanitized_bytes(&b, ns.len ? ns : str_c("default"));
	buf_puts(&b, "__");
	put_sanitized_bytes(&b, name);
	buf_puts(&b, "__");
	put_sanitized_bytes(&b, method);
	buf_printf(&b, "__%zu_%zu", route_index, backend_index);
	return buf_to_arena(a, &b);
}

str kube_rg_catchall_id(arena *a, str host, bool internal)
{
	buf b = BUF_INIT;
	buf_puts(&b, internal ? "kube_rg__internal___" : "kube_rg____");
	put_sanitized_bytes(&b, host);
	buf_puts(&b, "__catchall__0_0");
	return buf_to_arena(a, &b);
}

str kube_eastwest_id(arena *a, str id)
{
	if (id.len >= 4 && memcmp(id.ptr, "kube", 4) == 0)
		return arena_printf(a, "kubeew%.*s", (int)(id.len - 4), id.ptr + 4);
	return arena_printf(a, "kubeew%.*s", (int)id.len, id.ptr);
}

str kube_id_suffix(arena *a, str id, const char *suffix)
{
	return arena_printf(a, "%.*s%s", (int)id.len, id.ptr, suffix);
}

/* --- back from an ID to its object ------------------------------------------------------ */

static bool take_prefix(str *s, const char *prefix)
{
	size_t n = strlen(prefix);
	if (s->len < n || memcmp(s->ptr, prefix, n) != 0)
		return false;
	s->ptr += n;
	s->len -= n;
	return true;
}

/* The part of s before the next "__" (all of s when there is none); s moves past it. */
static str take_field(str *s)
{
	const char *sep = s->len >= 2 ? memmem(s->ptr, s->len, "__", 2) : NULL;
	str f = { s->ptr, sep ? (size_t)(sep - s->ptr) : s->len };
	s->ptr += f.len + (sep ? 2 : 0);
	s->len -= f.len + (sep ? 2 : 0);
	return f;
}

void kube_route_group(str id, route_group *g)
{
	*g = (route_group){ .rank = 9 };
	str s = id;
	take_prefix(&s, "clone_");                       /* -clone-route copies */
	/* east-west copies ("kubeew" + the id without "kube") belong to the same object */
	if (!take_prefix(&s, "kubeew_") && !take_prefix(&s, "kube_"))
		return;
	if (take_prefix(&s, "rg__")) {
		take_prefix(&s, "internal_");
		if (take_prefix(&s, "__")) {                 /* kube_rg__[internal_]__HOST__catchall__0_0 */
			*g = (route_group){ .rank = 3, .kind = "catch-all routes" };
			return;
		}
		str ns = take_field(&s), name = take_field(&s);
		*g = (route_group){ .rank = 2, .kind = "RouteGroup", .ns = ns, .name = name };
		return;
	}
	if (take_prefix(&s, "__catchall__")) {           /* kube_ + "" + __catchall__HOST... */
		*g = (route_group){ .rank = 3, .kind = "catch-all routes" };
		return;
	}
	if (take_prefix(&s, "_")) {                      /* kube__healthz_up, kube__redirect */
		*g = (route_group){ .rank = 0, .kind = "cluster-wide routes" };
		return;
	}
	str ns = take_field(&s), name = take_field(&s);
	if (ns.len && name.len)
		*g = (route_group){ .rank = 1, .kind = "Ingress", .ns = ns, .name = name };
}
