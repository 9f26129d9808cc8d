/* kube_selector.c: equality-based label selectors over kube_map labels. */
#include "objects/kube_selector.h"

#include <stddef.h>
#include <string.h>

typedef enum { REQ_EQ, REQ_NE, REQ_EXISTS, REQ_ABSENT } req_op;

typedef struct {
	req_op op;
	const char *key, *value;
	size_t key_len, value_len;
} requirement;

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t'))
		(*s)++, (*len)--;
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Parses the requirement in [s, s+len); returns 0 or -1. */
static int parse_requirement(const char *s, size_t len, requirement *r)
{
	trim(&s, &len);
	const char *eq = memchr(s, '=', len);
	if (!eq) {
		r->op = REQ_EXISTS;
		if (len && *s == '!') {
			r->op = REQ_ABSENT;
			s++, len--;
			trim(&s, &len);
		}
		r->key = s, r->key_len = len;
		r->value = "", r->value_len = 0;
		return len && !memchr(s, ' ', len) && !memchr(s, '(', len) ? 0 : -1;
	}
	const char *key_end = eq, *value = eq + 1;
	r->op = REQ_EQ;
	if (eq > s && eq[-1] == '!')
		r->op = REQ_NE, key_end--;
	else if (value < s + len && *value == '=')
		value++;
	r->key = s, r->key_len = (size_t)(key_end - s);
	r->value = value, r->value_len = (size_t)(s + len - value);
	trim(&r->key, &r->key_len);
	trim(&r->value, &r->value_len);
	return r->key_len && !memchr(r->value, '=', r->value_len) ? 0 : -1;
}


static bool holds(const kube_map *labels, const requirement *r)
{
	const str *v = kube_map_find(labels, (str){ r->key, r->key_len });
	bool equal = v && v->len == r->value_len && memcmp(v->ptr, r->value, r->value_len) == 0;
	switch (r->op) {
	case REQ_EQ: return equal;
	case REQ_NE: return !equal;   /* Kubernetes: a missing label is "not equal" */
	case REQ_EXISTS: return v != NULL;
	case REQ_ABSENT: return v == NULL;
	}
	return false;
}

/* Calls each requirement; stops at the first that fails to parse or does not hold. */
static int walk(const char *selector, const kube_map *labels, buf *err)
{
	const char *s = selector ? selector : "";
	if (!*s)
		return 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		requirement r;
		if (parse_requirement(s, len, &r) != 0) {
			if (err)
				buf_printf(err, "invalid label selector \"%s\": bad requirement \"%.*s\"", selector, (int)len, s);
			return -1;
		}
		if (labels && !holds(labels, &r))
			return 1;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int kube_selector_check(const char *selector, buf *err) { return walk(selector, NULL, err) == 0 ? 0 : -1; }

/* Does an object with these labels match? A malformed selector matches nothing. */
static bool kube_labels_match(const kube_map *labels, const char *selector) { return walk(selector, labels, NULL) == 0; }

/* Keeps the elements of an array whose labels match; elements are `size` bytes and start
 * hold a kube_meta at meta_offset. */
static size_t keep_matching(void *items, size_t n, size_t size, size_t meta_offset, const char *selector)
{
	if (!selector || !*selector)
		return n;
	char *base = items;
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		const kube_meta *m = (const kube_meta *)(base + i * size + meta_offset);
		if (!kube_labels_match(&m->labels, selector))
			continue;
		if (kept != i)
			memmove(base + kept * size, base + i * size, size);
		kept++;
	}
	return kept;
}

#define SELECT(arr, n, type, sel) (n) = keep_matching((arr), (n), sizeof(type), offsetof(type, meta), (sel))

void kube_cluster_select(kube_cluster *c, const kube_fetch_request *r)
{
	SELECT(c->ingresses, c->ningresses, kube_ingress, r->ingresses);
	SELECT(c->routegroups, c->nroutegroups, kube_routegroup, r->routegroups);
	SELECT(c->services, c->nservices, kube_service, r->services);
	SELECT(c->endpoints, c->nendpoints, kube_endpoints, r->endpoints);
	SELECT(c->slices, c->nslices, kube_endpointslice, r->endpointslices);
}
