/* kube_traffic.c: traffic split predicates (spec kubernetes-to-eskip.md §5.8). */
#include "routes/kube_traffic.h"

#include <stdlib.h>

/* The index whose result is stored under names[i] in skipper's name → result map:
 * the last entry with that name (later map assignments overwrite earlier ones). */
static size_t last_with_name(const str *names, size_t n, size_t i)
{
	for (size_t j = n; j-- > i + 1;)
		if (str_eq(names[j], names[i]))
			return j;
	return i;
}

static size_t first_with_name(const str *names, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (str_eq(names[j], names[i]))
			return j;
	return i;
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
	size_t last = 0;
	for (size_t i = 0; i < n; i++)
		if (all_zero || weights[i] > 0)
			last = i;

	kube_traffic *raw = malloc((n ? n : 1) * sizeof *raw);
	if (!raw)
		abort();
	double remaining = sum;
	for (size_t i = 0; i < n; i++) {
		double w = all_zero ? 1 : weights[i];
		raw[i] = (kube_traffic){ .algorithm = TRAFFIC_PREDICATE };
		if (i == last)
			raw[i].value = 1;
		else if (w == 0)
			raw[i].value = 0;
		else
			raw[i].value = w / remaining;
		remaining -= w;
		raw[i].balance = (long)n - (long)i - 2;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = raw[last_with_name(names, n, i)];
	free(raw);
}

/* traffic-segment-predicate: consecutive segments of [0, 1) proportional to the weights;
 * a repeated name keeps its first segment. All zero: equal unit segments over every entry. */
static void compute_segment(const str *names, const double *weights, size_t n, kube_traffic *out)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = (kube_traffic){ .algorithm = TRAFFIC_SEGMENT_PREDICATE };
		size_t first = first_with_name(names, i);
		if (first != i)
			continue;
		out[i].min = sum;
		sum += weights[i];
		out[i].max = sum;
	}
	if (sum == 0) {
		sum = (double)n;
		/* the map keeps the later entry of a repeated name */
		for (size_t i = 0; i < n; i++) {
			size_t j = last_with_name(names, n, i);
			out[i].min = (double)j;
			out[i].max = (double)(j + 1);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = out[first_with_name(names, i)];
	}
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
