/* kube_test_util.h: conversion options as skipper's fixture harness builds them (Go zero
 * values: no health-check routes, no HTTPS redirect), for the unit tests of the conversion. */
#ifndef ROUTESRV_KUBE_TEST_UTIL_H
#define ROUTESRV_KUBE_TEST_UTIL_H
#include "routes/kube_options.h"

static inline void kube_options_init_harness(kube_options *o)
{
	kube_options_init(o);
	o->https_redirect = false;
	o->healthcheck = false;
}
#endif
