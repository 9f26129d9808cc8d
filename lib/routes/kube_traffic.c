/* kube_traffic.c: traffic split predicates (spec kubernetes-to-eskip.md §5.8). */
#include "routes/kube_traffic.h"

#include <stdlib.h>

/* For each entry i, the first and the last index with the same name: the result skipper
 * stores under names[i] in its name -> result map (the last one overwrites, the first one
 * keeps its segment). Sorting the indexes by (name, index) keeps it O(n log n) however
 * many backends one path has. */
typedef struct {
	const str *names;
} name_order;

static int by_name_then_index(const void *x, const void *y, void *ctx)
{
	const name_order *o = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = str_cmp(o->names[i], o->names[j]);
	return c ? c : (i > j) - (i < j);
}

/* Returns one malloc'd block: first[i] at [i], last[i] at [n + i]; the caller frees it. */
static size_t *same_name_bounds(const str *names, size_t n)
{
	size_t *bounds = malloc((n ? 3 * n : 1) * sizeof *bounds);
	if (!bounds)
		abort();
	size_t *first = bounds, *last = bounds + n, *idx = bounds + 2 * n;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	name_order o = { names };
	qsort_r(idx, n, sizeof *idx, by_name_then_index, &o);
	for (size_t g = 0; g < n;) {
		size_t e = g + 1;
		while (e < n && str_eq(names[idx[e]], names[idx[g]]))
			e++;
		for (size_t k = g; k < e; k++) {
			first[idx[k]] = idx[g];
			last[idx[k]] = idx[e - 1];
		}
		g = e;
	}
	return bounds;
}

/* traffic-predicate: each backend takes its share of what the earlier ones left over;
 * earlier backends get more True() so skipper tries them first. */
static void compute_predicate(const str *names, const double *weights, size_t n, kube_traffic *out)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += weights[i];
	bool all_zero = sum == 0;
	if (all_zero)
		sum = (double)n;
	size_t last_weighted = 0;
	for (size_t i = 0; i < n; i++)
		if (all_zero || weights[i] > 0)
			last_weighted = i;

	kube_traffic *raw = malloc((n ? n : 1) * sizeof *raw);
	if (!raw)
		abort();
	double remaining = sum;
	for (size_t i = 0; i < n; i++) {
		double w = all_zero ? 1 : weights[i];
		raw[i] = (kube_traffic){ .algorithm = TRAFFIC_PREDICATE };
		if (i == last_weighted)
			raw[i].value = 1;
		else if (w == 0)
			raw[i].value = 0;
		else
			raw[i].value = w / remaining;
		remaining -= w;
		raw[i].balance = (long)n - (long)i - 2;
	}
	size_t *bounds = same_name_bounds(names, n), *last = bounds + n;
	for (size_t i = 0; i < n; i++)
		out[i] = raw[last[i]];
	free(bounds);
	free(raw);
}

/* traffic-segment-predicate: consecutive segments of [0, 1) proportional to the weights;
 * a repeated name keeps its first segment. All zero: equal unit segments over every entry. */
static void compute_segment(const str *names, const double *weights, size_t n, kube_traffic *out)
{
	size_t *first = same_name_bounds(names, n), *last = first + n;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = (kube_traffic){ .algorithm = TRAFFIC_SEGMENT_PREDICATE };
		if (first[i] != i)
			continue;
		out[i].min = sum;
		sum += weights[i];
		out[i].max = sum;
	}
	if (sum == 0) {
		sum = (double)n;
		/* the map keeps the later entry of a repeated name */
		for (size_t i = 0; i < n; i++) {
			size_t j = last[i];
			out[i].min = (double)j;
			out[i].max = (double)(j + 1);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = out[first[i]];
	}
	free(first);
	for (size_t i = 0; i < n; i++) {
		out[i].min /= sum;
		out[i].max /= sum;
	}
}

void kube_traffic_compute(kube_traffic_algorithm alg, const str *names, const double *weights,
	size_t n, kube_traffic *out)
{
	if (alg == TRAFFIC_SEGMENT_PREDICATE)
		compute_segment(names, weights, n, out);
	else
		compute_predicate(names, weights, n, out);
}

bool kube_traffic_allowed(const kube_traffic *t)
{
	if (t->algorithm == TRAFFIC_SEGMENT_PREDICATE)
		return t->min != t->max;
	return t->value > 0;
}

void kube_traffic_apply(arena *a, const kube_traffic *t, route *r)
{
	if (t->algorithm == TRAFFIC_SEGMENT_PREDICATE) {
		if (t->min == 0 && t->max == 1)
			return;
		arg args[2] = { arg_number(t->min), arg_number(t->max) };
		route_add_predicate(a, r, "TrafficSegment", 2, args);
		return;
	}
	if (t->value == 1)
		return;
	arg v = arg_number(t->value);
	route_add_predicate(a, r, "Traffic", 1, &v);
	for (long i = 0; i < t->balance; i++)
		route_add_predicate(a, r, "True", 0, NULL);
}
