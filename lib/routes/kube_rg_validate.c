/* kube_rg_validate.c: RouteGroup validation (spec kubernetes-to-eskip.md §8.1).
 *
 * The checks and their order follow skipper's definitions package: RouteGroupItem.validate
 * (phase A, first error wins) and the RouteGroup validator's filter, predicate, backend
 * address and host checks (phase B, all errors, joined with newlines).
 *
 * Every duplicate and reference check is a hash-set lookup (kube_strmap), so a RouteGroup
 * with n hosts, backends or references costs O(n), not O(n^2): one object is up to ~1.5 MB
 * and a tenant controls all of it. */
#include "routes/kube_rg_validate.h"

#include <stdio.h>
#include <string.h>

#include "eskip/eskip.h"
#include "go/go_text.h"   /* go_quote: Go's %q */
#include "go/go_url.h"
#include "routes/kube_strmap.h"

static const char *const backend_types[] = { "", "service", "network", "shunt", "loopback", "dynamic", "lb", "forward" };
static const char *const algorithms[] = { "", "roundRobin", "random", "consistentHash", "powerOfRandomNChoices",
	"weightedRoundRobin", "leastRequests" };

static bool in_list(str s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq_c(s, list[i]))
			return true;
	return false;
}

/* Backend types and algorithms a RouteGroup may name (§8.1); "" is valid for both. */
static bool kube_rg_backend_type_known(str type) { return in_list(type, backend_types, sizeof backend_types / sizeof *backend_types); }
static bool kube_rg_algorithm_known(str algorithm) { return in_list(algorithm, algorithms, sizeof algorithms / sizeof *algorithms); }

static bool is_service_type(str type) { return type.len == 0 || str_eq_c(type, "service"); }

static void put_str(buf *b, str s) { buf_append(b, s.ptr, s.len); }

/* --- phase A ----------------------------------------------------------------------- */

/* SkipperBackend.validate: decoding errors (type, then algorithm overriding it) first. */
static bool backend_invalid(const kube_rg_backend *b, buf *msg)
{
	if (!kube_rg_algorithm_known(b->algorithm)) {
		buf_puts(msg, "unsupported algorithm");
	} else if (!kube_rg_backend_type_known(b->type)) {
		buf_puts(msg, "unsupported backend type: ");
		put_str(msg, b->type);
	} else if (b->name.len == 0) {
		buf_puts(msg, "unnamed backend");
	} else if (str_eq_c(b->type, "network") && b->address.len == 0) {
		buf_puts(msg, "address missing in backend: ");
		put_str(msg, b->name);
	} else if (is_service_type(b->type) && b->service_name.len == 0) {
		buf_puts(msg, "service name missing in backend: ");
		put_str(msg, b->name);
	} else if (is_service_type(b->type) && (b->service_port <= 0 || b->service_port > 65535)) {
		buf_puts(msg, "invalid service port in backend: ");
		put_str(msg, b->name);
		buf_printf(msg, ", %ld", b->service_port);
	} else if (str_eq_c(b->type, "lb") && b->nendpoints == 0) {
		buf_puts(msg, "missing LB endpoints in backend: ");
		put_str(msg, b->name);
	} else {
		return false;
	}
	return true;
}

/* Puts name into the set; false if it was there already. */
static bool set_add(kube_strmap *set, str name)
{
	return kube_strmap_add(set, name, set);   /* any non-NULL value marks membership */
}

/* Fills `defined` with the backend names as it checks them. */
static bool backends_invalid(const kube_routegroup *rg, kube_strmap *defined, buf *msg)
{
	if (rg->nbackends == 0) {
		buf_puts(msg, "route group without backend");
		return true;
	}
	for (size_t i = 0; i < rg->nbackends; i++) {
		const kube_rg_backend *b = &rg->backends[i];
		if (!set_add(defined, b->name)) {
			buf_puts(msg, "backends with duplicate name: ");
			put_str(msg, b->name);
			return true;
		}
		buf inner = BUF_INIT;
		bool bad = backend_invalid(b, &inner);
		if (bad) {
			buf_puts(msg, "invalid backend: ");
			put_str(msg, b->name);
			buf_puts(msg, ", ");
			buf_append(msg, inner.ptr, inner.len);
		}
		buf_free(&inner);
		if (bad)
			return true;
	}
	return false;
}

/* backendReferences.validate: duplicates, unnamed, undefined, negative weight. */
static bool refs_invalid(const kube_strmap *defined, const kube_rg_backend_ref *refs, size_t n, buf *msg)
{
	arena *scratch = arena_new();
	kube_strmap seen;
	kube_strmap_init(&seen, scratch);
	bool bad = true;
	for (size_t i = 0; i < n; i++) {
		const kube_rg_backend_ref *r = &refs[i];
		if (!set_add(&seen, r->backend_name)) {
			buf_puts(msg, "duplicate backend reference: ");
			put_str(msg, r->backend_name);
			goto done;
		}
		if (!r->name_present || r->backend_name.len == 0) {
			buf_puts(msg, "unnamed backend reference");
		} else if (!kube_strmap_get(defined, r->backend_name)) {
			buf_puts(msg, "invalid backend reference: ");
			put_str(msg, r->backend_name);
		} else if (r->weight < 0) {
			buf_puts(msg, "invalid weight in backend: ");
			put_str(msg, r->backend_name);
			buf_printf(msg, ", %ld", r->weight);
		} else {
			continue;
		}
		goto done;
	}
	bad = false;
done:
	arena_free(scratch);
	return bad;
}

static bool route_invalid(const kube_routegroup *rg, const kube_strmap *defined, const kube_rg_route *r, buf *msg)
{
	bool has_default = rg->ndefault_backends > 0;
	if (!r->present) {
		buf_puts(msg, "invalid route spec");
	} else if (!has_default && r->nbackends == 0) {
		buf_puts(msg, "missing backend reference");
	} else if (refs_invalid(defined, r->backends, r->nbackends, msg)) {
		/* message written */
	} else if (r->path.len && r->path_subtree.len) {
		buf_puts(msg, "path and path subtree in the same route");
	} else {
		for (size_t i = 0; i < r->nmethods; i++) {
			if (r->methods[i].len == 0) {
				buf_puts(msg, "invalid method");
				return true;
			}
		}
		return false;
	}
	return true;
}

static bool spec_invalid(const kube_routegroup *rg, const kube_strmap *defined, buf *msg)
{
	if (refs_invalid(defined, rg->default_backends, rg->ndefault_backends, msg))
		return true;
	if (rg->ndefault_backends == 0 && rg->nroutes == 0) {
		buf_puts(msg, "missing backend reference");
		return true;
	}
	for (size_t i = 0; i < rg->nroutes; i++) {
		buf inner = BUF_INIT;
		bool bad = route_invalid(rg, defined, &rg->routes[i], &inner);
		if (bad) {
			buf_printf(msg, "invalid route at %zu, ", i);
			buf_append(msg, inner.ptr, inner.len);
		}
		buf_free(&inner);
		if (bad)
			return true;
	}
	return false;
}

static int phase_a(const kube_routegroup *rg, buf *err)
{
	if (!rg->meta.present || rg->meta.name.len == 0) {
		buf_puts(err, "route group without name");
		return -1;
	}
	buf msg = BUF_INIT;
	arena *scratch = arena_new();
	kube_strmap defined;   /* backend names */
	kube_strmap_init(&defined, scratch);
	bool bad = !rg->has_spec;
	if (bad)
		buf_puts(&msg, "route group without spec");
	else
		bad = backends_invalid(rg, &defined, &msg) || spec_invalid(rg, &defined, &msg);
	arena_free(scratch);
	if (bad) {
		buf_puts(err, "error in route group ");
		put_str(err, rg->meta.ns.len ? rg->meta.ns : str_c("default"));
		buf_putc(err, '/');
		put_str(err, rg->meta.name);
		buf_puts(err, ": ");
		buf_append(err, msg.ptr, msg.len);
	}
	buf_free(&msg);
	return bad ? -1 : 0;
}

/* --- phase B ----------------------------------------------------------------------- */

typedef struct {
	buf *err;
	size_t count;
	arena *scratch;
} collector;

/* Starts the next collected message (errors.Join puts a newline between them). */
static buf *next_error(collector *c)
{
	if (c->count++)
		buf_putc(c->err, '\n');
	return c->err;
}

static void check_single(collector *c, str item, bool filters)
{
	call *calls;
	size_t n = 0;
	buf perr = BUF_INIT;
	int rc = filters ? eskip_parse_filters(c->scratch, item.ptr, item.len, &calls, &n, &perr)
	                 : eskip_parse_predicates(c->scratch, item.ptr, item.len, &calls, &n, &perr);
	if (rc != 0) {
		buf_append(next_error(c), perr.ptr, perr.len);
	} else if (n != 1) {
		buf *e = next_error(c);
		buf_puts(e, filters ? "single filter expected at " : "single predicate expected at ");
		go_quote(e, item.ptr, item.len);
	}
	buf_free(&perr);
}

static void check_network_address(collector *c, str address)
{
	go_url u;
	buf uerr = BUF_INIT;
	if (go_url_parse(c->scratch, address, &u, &uerr)) {
		buf *e = next_error(c);
		buf_puts(e, "failed to parse backend address ");
		go_quote(e, address.ptr, address.len);
		buf_puts(e, ": ");
		buf_append(e, uerr.ptr, uerr.len);
	} else if (u.has_path || u.raw_query.len || !u.scheme.len || !u.host.len) {
		buf *e = next_error(c);
		buf_puts(e, "backend address ");
		go_quote(e, address.ptr, address.len);
		buf_puts(e, " does not match scheme://host format");
	}
	buf_free(&uerr);
}

static int phase_b(const kube_routegroup *rg, buf *err)
{
	collector c = { .err = err, .scratch = arena_new() };
	for (size_t i = 0; i < rg->nroutes; i++)
		for (size_t j = 0; j < rg->routes[i].nfilters; j++)
			check_single(&c, rg->routes[i].filters[j], true);
	for (size_t i = 0; i < rg->nroutes; i++)
		for (size_t j = 0; j < rg->routes[i].npredicates; j++)
			check_single(&c, rg->routes[i].predicates[j], false);
	for (size_t i = 0; i < rg->nbackends; i++)
		if (str_eq_c(rg->backends[i].type, "network"))
			check_network_address(&c, rg->backends[i].address);
	kube_strmap hosts;
	kube_strmap_init(&hosts, c.scratch);
	for (size_t i = 0; i < rg->nhosts; i++) {
		if (!set_add(&hosts, rg->hosts[i])) {   /* one error per repeated entry */
			buf *e = next_error(&c);
			buf_puts(e, "duplicate host ");
			go_quote(e, rg->hosts[i].ptr, rg->hosts[i].len);
		}
	}
	arena_free(c.scratch);
	return c.count ? -1 : 0;
}

int kube_rg_validate(const kube_routegroup *rg, buf *err)
{
	if (phase_a(rg, err))
		return -1;
	return phase_b(rg, err);
}
