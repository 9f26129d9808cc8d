/* go_float.h: numbers formatted as Go's strconv formats them (spec A6.1).
 *
 * Ownership: output is appended to a caller-owned buf; nothing is allocated here. */
#ifndef ROUTESRV_GO_FLOAT_H
#define ROUTESRV_GO_FLOAT_H
#include <stdbool.h>

#include "base/buf.h"

/* Shortest decimal digits that read back as v (v finite and non-zero; the sign is ignored),
 * like Go's strconv with precision -1. Writes the digits (no dot, no trailing zeros) to
 * digits[0..n) and returns n (1..17); *exp10 is the decimal exponent of the first digit
 * (v = 0.d1d2... * 10^(exp10+1)). */
int go_float_shortest(double v, char digits[32], int *exp10);

/* Integral values with Go's %.0f (exact digits, "-0"), the rest with the shortest
 * round-trip digits: as Go's %g (exponent for exp10 < -4 or >= 6) when allow_exponent,
 * else always positional. NaN and ±Inf as Go prints them. */
void go_print_float(buf *out, double v, bool allow_exponent);
#endif
