/* kube_test_util.h: for the unit tests of the conversion and its consumers: conversion
 * options as skipper's fixture harness builds them (Go zero values: no health-check routes,
 * no HTTPS redirect), and clusters read from YAML text. */
#ifndef ROUTESRV_KUBE_TEST_UTIL_H
#define ROUTESRV_KUBE_TEST_UTIL_H
#include <string.h>

#include "objects/kube_read.h"
#include "routes/kube_options.h"
#include "test.h"

static inline void kube_options_init_harness(kube_options *o)
{
	kube_options_init(o);
	o->https_redirect = false;
	o->healthcheck = false;
}

/* A cluster read from YAML or JSON text, as files are read; a read error fails the test
 * Free with kube_cluster_free. */
#define kube_test_cluster(yaml) kube_test_cluster_at((yaml), __FILE__, __LINE__)
static inline kube_cluster *kube_test_cluster_at(const char *yaml, const char *file, int line)
{
	kube_cluster *c = kube_cluster_new();
	buf err = BUF_INIT;
	if (kube_read_buffer(c, yaml, strlen(yaml), "test.yaml", NULL, NULL, &err) != 0) {
		printf("  %s:%d: reading the test cluster: %s\n", file, line, err.ptr ? err.ptr : "");
		test_current_failed = 1;
	}
	buf_free(&err);
	return c;
}
#endif
