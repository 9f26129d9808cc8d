/* route.c: route tables and the small builders every converter uses. */
#include "eskip/route.h"

#include <string.h>

route_table *route_table_new(void)
{
	return route_table_new_in(arena_new());
}

route_table *route_table_new_in(arena *a)
{
	route_table *t = arena_alloc(a, sizeof *t);
	t->arena = a;
	return t;
}

void route_table_free(route_table *t)
{
	if (t)
		arena_free(t->arena);   /* the table itself lives in its arena */
}

route *route_table_add(route_table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		t->routes = arena_grow(t->arena, t->routes, t->n, cap, sizeof *t->routes);
		t->cap = cap;
	}
	route *r = &t->routes[t->n++];
	memset(r, 0, sizeof *r);
	return r;
}

arg arg_number(double v) { return (arg){ .type = ARG_NUMBER, .num = v, .s = { "", 0 } }; }

arg arg_string(arena *a, const char *s, size_t n) { return (arg){ .type = ARG_STRING, .s = arena_strndup(a, s, n) }; }

arg arg_cstr(arena *a, const char *s) { return arg_string(a, s, strlen(s)); }

static call make_call(arena *a, const char *name, size_t nargs, const arg *args)
{
	call c = { .name = arena_strdup(a, name), .nargs = nargs };
	c.args = arena_array_alloc(a, nargs, sizeof *c.args);
	if (nargs)
		memcpy(c.args, args, nargs * sizeof *args);
	return c;
}

call *route_add_predicate(arena *a, route *r, const char *name, size_t nargs, const arg *args)
{
	call *c = arena_array_push(a, (void **)&r->predicates, &r->npredicates, sizeof *c);
	*c = make_call(a, name, nargs, args);
	return c;
}

call *route_add_filter(arena *a, route *r, const char *name, size_t nargs, const arg *args)
{
	call *c = arena_array_push(a, (void **)&r->filters, &r->nfilters, sizeof *c);
	*c = make_call(a, name, nargs, args);
	return c;
}

static void splice_calls(arena *a, call **list, size_t *n, size_t at, const call *calls, size_t m)
{
	if (m == 0)
		return;
	call *out = arena_array_alloc(a, *n + m, sizeof *out);
	if (at)
		memcpy(out, *list, at * sizeof *out);
	memcpy(out + at, calls, m * sizeof *out);
	if (*n > at)
		memcpy(out + at + m, *list + at, (*n - at) * sizeof *out);
	*list = out;
	*n += m;
}

void route_prepend_filters(arena *a, route *r, const call *calls, size_t n) { splice_calls(a, &r->filters, &r->nfilters, 0, calls, n); }

void route_append_filters(arena *a, route *r, const call *calls, size_t n) { splice_calls(a, &r->filters, &r->nfilters, r->nfilters, calls, n); }

void route_append_predicates(arena *a, route *r, const call *calls, size_t n)
{
	splice_calls(a, &r->predicates, &r->npredicates, r->npredicates, calls, n);
}

void route_add_endpoint(arena *a, route *r, str address, str zone)
{
	lb_endpoint *e = arena_array_push(a, (void **)&r->endpoints, &r->nendpoints, sizeof *e);
	e->address = address;
	e->zone = zone;
}

/* Deep copies: strings and arrays are duplicated into the destination arena. */
static str copy_str(arena *a, str s) { return arena_strndup(a, s.ptr ? s.ptr : "", s.len); }

str *strs_copy(arena *a, const str *src, size_t n)
{
	str *out = arena_array_alloc(a, n, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = copy_str(a, src[i]);
	return out;
}

static header_pair *copy_pairs(arena *a, const header_pair *src, size_t n)
{
	header_pair *out = arena_array_alloc(a, n, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = (header_pair){ copy_str(a, src[i].name), copy_str(a, src[i].value) };
	return out;
}

call *calls_copy(arena *a, const call *src, size_t n)
{
	call *out = arena_array_alloc(a, n, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		out[i].name = copy_str(a, src[i].name);
		out[i].nargs = src[i].nargs;
		out[i].args = arena_array_alloc(a, src[i].nargs, sizeof(arg));
		for (size_t j = 0; j < src[i].nargs; j++) {
			out[i].args[j] = src[i].args[j];
			if (src[i].args[j].type == ARG_STRING)
				out[i].args[j].s = copy_str(a, src[i].args[j].s);
		}
	}
	return out;
}

void route_deep_copy(arena *a, const route *src, route *dst)
{
	route copy = *src;
	copy.id = copy_str(a, src->id);
	copy.path = copy_str(a, src->path);
	copy.host_regexps = strs_copy(a, src->host_regexps, src->nhost_regexps);
	copy.path_regexps = strs_copy(a, src->path_regexps, src->npath_regexps);
	copy.method = copy_str(a, src->method);
	copy.headers = copy_pairs(a, src->headers, src->nheaders);
	copy.header_regexps = copy_pairs(a, src->header_regexps, src->nheader_regexps);
	copy.predicates = calls_copy(a, src->predicates, src->npredicates);
	copy.filters = calls_copy(a, src->filters, src->nfilters);
	copy.backend = copy_str(a, src->backend);
	copy.lb_algorithm = copy_str(a, src->lb_algorithm);
	copy.endpoints = arena_array_alloc(a, src->nendpoints, sizeof *copy.endpoints);
	for (size_t i = 0; i < src->nendpoints; i++)
		copy.endpoints[i] = (lb_endpoint){ copy_str(a, src->endpoints[i].address), copy_str(a, src->endpoints[i].zone) };
	*dst = copy;
}

static const char *const backend_names[] = { "network", "shunt", "loopback", "dynamic", "lb", "forward" };

const char *backend_type_name(backend_type t)
{
	return (unsigned)t < sizeof backend_names / sizeof *backend_names ? backend_names[t] : "unknown";
}

