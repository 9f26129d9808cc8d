/* go_float.c: numbers printed the way Go prints them (spec A6.1): integral values
 * with Go's %.0f (exact digits), the rest with Go's shortest round-trip %g.
 *
 * C's %g cannot be used: its precision means something else and it never picks the
 * shortest digits. The shortest digits come from trying %.{p}e for growing p and keeping
 * the first that reads back to the same double; glibc rounds exactly, as Go does. */
#include "go/go_float.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The double nearest to 0.d1d2...dn × 10^(exp10+1). The text handed to strtod has no
 * decimal point, so the locale cannot interfere. */
static double digits_value(const char *d, int nd, int exp10)
{
	char tmp[48];
	memcpy(tmp, d, (size_t)nd);
	snprintf(tmp + nd, sizeof tmp - (size_t)nd, "e%d", exp10 - (nd - 1));
	return strtod(tmp, NULL);
}

/* p+1 correctly rounded significant digits of av and the exponent of the first one. Any
 * radix character snprintf uses is skipped, not assumed to be '.'. */
static int sci_digits(double av, int p, char *d, int *exp10)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%.*e", p, av);
	int nd = 0;
	const char *q = tmp;
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			d[nd++] = *q;
	*exp10 = *q ? atoi(q + 1) : 0;
	return nd;
}

/* d + one unit in the last place; 99 becomes 10 with the exponent raised. */
static void increment(char *d, int nd, int *exp10)
{
	int i = nd - 1;
	while (i >= 0 && d[i] == '9')
		d[i--] = '0';
	if (i >= 0) {
		d[i]++;
		return;
	}
	d[0] = '1';
	(*exp10)++;
}

static int trim_zeros(const char *d, int nd)
{
	while (nd > 1 && d[nd - 1] == '0')
		nd--;
	return nd;
}

int go_float_shortest(double v, char digits[32], int *exp10)
{
	double av = fabs(v);
	int bexp;
	/* At a power of two the interval of decimals that read back as av is narrower below
	 * av than above, so the nearest p-digit decimal can miss while the one above it hits;
	 * Go's shortest algorithm finds that one, so try it too. */
	bool pow2 = frexp(av, &bexp) == 0.5 && av >= DBL_MIN;
	for (int p = 0; p < 17; p++) {
		int e, nd = sci_digits(av, p, digits, &e);
		if (digits_value(digits, nd, e) == av) {
			*exp10 = e;
			return trim_zeros(digits, nd);
		}
		if (pow2) {
			char up[32];
			int ue = e;
			memcpy(up, digits, (size_t)nd);
			increment(up, nd, &ue);
			if (digits_value(up, nd, ue) == av) {
				memcpy(digits, up, (size_t)nd);
				*exp10 = ue;
				return trim_zeros(digits, nd);
			}
		}
	}
	/* 17 significant digits always round-trip; not reached. */
	int e, nd = sci_digits(av, 16, digits, &e);
	*exp10 = e;
	return trim_zeros(digits, nd);
}

/* Go %.0f of an integral double: exact digits, "-0" for negative zero. */
static void print_integral(buf *out, double v)
{
	if (fabs(v) < 1e18) {
		char tmp[24], *p = tmp + sizeof tmp;
		uint64_t u = (uint64_t)fabs(v);
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (signbit(v))
			*--p = '-';
		buf_append(out, p, (size_t)(tmp + sizeof tmp - p));
		return;
	}
	buf_printf(out, "%.0f", v);   /* glibc prints the exact expansion, like Go */
}

/* Lays out shortest digits d (nd of them, first digit at 10^e) in positional notation. */
static char *positional(char *o, const char *d, int nd, int e)
{
	if (e < 0) {                        /* 0.000ddd */
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > e; i--)
			*o++ = '0';
		memcpy(o, d, (size_t)nd);
		return o + nd;
	}
	for (int i = 0; i <= e; i++)        /* ddd.ddd */
		*o++ = i < nd ? d[i] : '0';
	if (nd > e + 1) {
		*o++ = '.';
		memcpy(o, d + e + 1, (size_t)(nd - e - 1));
		o += nd - e - 1;
	}
	return o;
}

void go_print_float(buf *out, double v, bool allow_exponent)
{
	if (isnan(v)) {
		buf_append(out, "NaN", 3);
		return;
	}
	if (isinf(v)) {
		buf_append(out, v > 0 ? "+Inf" : "-Inf", 4);
		return;
	}
	if (floor(v) == v) {
		print_integral(out, v);
		return;
	}
	char d[32], tmp[400], *o = tmp;   /* positional: up to 324 leading zeros */
	int e, nd = go_float_shortest(v, d, &e);
	if (v < 0)
		*o++ = '-';
	if (allow_exponent && (e < -4 || e >= 6)) {   /* d[.ddd]e±XX */
		*o++ = d[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		*o++ = 'e';
		*o++ = e < 0 ? '-' : '+';
		int ae = e < 0 ? -e : e;
		if (ae >= 100)
			*o++ = (char)('0' + ae / 100);
		*o++ = (char)('0' + ae / 10 % 10);
		*o++ = (char)('0' + ae % 10);
	} else
		o = positional(o, d, nd, e);
	buf_append(out, tmp, (size_t)(o - tmp));
}
