/* opt_skipper.h: skipper's whole flag set (docs/spec/skipper-flags.tsv, generated into
 * opt_skipper_table.h by scripts/gen-skipper-flags), for a command that must take any
 * skipper command line or -config-file: skipper's routesrv parses all 283 flags and uses a
 * few, so Deployments and config files shared with skipper proxies pass many of the rest.
 *
 * opt_skipper_add_ignored() appends every skipper flag a command's table does not have as
 * an OPT_IGNORED entry of the opt kind its Go type maps to, so its value is checked by Go's
 * rules (opt.h) and dropped; help, man pages and completions stay driven by the one table
 * (ignored entries are left out of --help and completions, and listed apart in the man page).
 *
 * Ownership: static data; entries added to a table point at it. */
#ifndef ROUTESRV_OPT_SKIPPER_H
#define ROUTESRV_OPT_SKIPPER_H
#include <stddef.h>

#include "base/opt.h"

typedef struct {
	const char *name;
	const char *go_type;   /* Bool, String, Int, Int64, Uint64, Float64, Duration, Var or Func */
} opt_skipper_flag;

/* skipper's flags in the order of its config.go. */
const opt_skipper_flag *opt_skipper_flags(size_t *n);
/* The opt entry a skipper flag gets when a command has no flag of that name: its kind
 * (Var: a repeatable list, any value; Func: its enumerated values), OPT_IGNORED, no target. */
opt_def opt_skipper_ignored_def(const opt_skipper_flag *f);
/* Appends the ignored entries of every skipper flag t has no entry for ("version" excepted:
 * opt handles -version itself). */
void opt_skipper_add_ignored(opt_table *t);
#endif
