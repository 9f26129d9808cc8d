/* kube_options_fixture.h: skipper's fixture option files (`<set>.kube`, spec
 * kubernetes-to-eskip.md §6.5) applied to kube_options, for the conformance runner.
 *
 * Each known key sets the option the fixture harness sets (booleans, strings, integers,
 * string lists, predicate lists of {name, args}, annotation entries of {key, value,
 * predicates|filters}, label-selector maps). Values become the text of the matching
 * command-line flag, so kube_options_finish validates them as it validates flags.
 * `ingressv1` and `kubernetes-endpointslice-label-selector` are read and ignored, as the
 * harness does; unknown keys are an error (a typo would silently test the wrong thing).
 * Call after kube_options_init_harness and before kube_options_finish.
 *
 * Ownership: strings and lists live in o's arena. */
#ifndef ROUTESRV_KUBE_OPTIONS_FIXTURE_H
#define ROUTESRV_KUBE_OPTIONS_FIXTURE_H
#include "base/buf.h"
#include "routes/kube_options.h"

/* 0, or -1 with "<path>: <reason>" (YAML errors with line:column) in err. */
int kube_options_load_fixture(kube_options *o, const char *path, buf *err);
#endif
