/* kube_model.c: the cluster container and map lookup of the Kubernetes object model. */
#include "objects/kube_model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

const str *kube_map_find(const kube_map *m, str key)
{
	if (!m->sorted) {   /* maps built by hand (tests) */
		for (size_t i = 0; i < m->n; i++)
			if (str_eq(m->items[i].key, key))
				return &m->items[i].value;
		return NULL;
	}
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = str_cmp(m->items[mid].key, key);
		if (c == 0)
			return &m->items[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const str *kube_map_get(const kube_map *m, const char *key)
{
	return kube_map_find(m, str_c(key));
}

static int by_key(const void *x, const void *y)
{
	return str_cmp(((const kube_kv *)x)->key, ((const kube_kv *)y)->key);
}

void kube_map_sort(kube_map *m)
{
	if (m->n > 1)
		qsort(m->items, m->n, sizeof *m->items, by_key);
	m->sorted = true;
}

/* n decimal digits at *p, advancing it; -1 when they are not there. */
static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p)) return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool expect(const char **p, char c)
{
	if (**p != c) return false;
	(*p)++;
	return true;
}

bool kube_parse_time(const char *s, long long *unix_seconds)
{
	const char *p = s;
	struct tm tm = { 0 };
	int year = digits(&p, 4), mon, day, hour, min, sec;
	if (year < 0 || !expect(&p, '-') || (mon = digits(&p, 2)) < 1 || mon > 12 || !expect(&p, '-') ||
	    (day = digits(&p, 2)) < 1 || day > 31 || !(expect(&p, 'T') || expect(&p, 't')) ||
	    (hour = digits(&p, 2)) < 0 || hour > 23 || !expect(&p, ':') || (min = digits(&p, 2)) < 0 || min > 59 ||
	    !expect(&p, ':') || (sec = digits(&p, 2)) < 0 || sec > 60)
		return false;
	if (expect(&p, '.')) {
		if (!isdigit((unsigned char)*p)) return false;
		while (isdigit((unsigned char)*p)) p++;
	}
	long offset = 0;
	if (!(expect(&p, 'Z') || expect(&p, 'z'))) {
		int sign = *p == '+' ? 1 : *p == '-' ? -1 : 0, oh, om;
		if (!sign) return false;
		p++;
		if ((oh = digits(&p, 2)) < 0 || oh > 23 || !expect(&p, ':') || (om = digits(&p, 2)) < 0 || om > 59)
			return false;
		offset = sign * (oh * 3600L + om * 60L);
	}
	if (*p) return false;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*unix_seconds = (long long)timegm(&tm) - offset;
	return true;
}

kube_cluster *kube_cluster_new(void)
{
	return kube_cluster_new_in(arena_new());
}

kube_cluster *kube_cluster_new_in(arena *a)
{
	kube_cluster *c = calloc(1, sizeof *c);
	if (!c)
		out_of_memory();
	c->arena = a;
	c->routegroups_known = true;
	return c;
}

void kube_cluster_free(kube_cluster *c)
{
	if (!c)
		return;
	arena_free(c->arena);
	free(c);
}
