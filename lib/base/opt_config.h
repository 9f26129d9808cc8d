/* opt_config.h: reads a YAML configuration file whose top-level keys are flag names and
 * whose values are scalars or lists of scalars (skipper's -config-file format).
 * Nested mappings are skipped (they configure parts of skipper routesrv does not have).
 *
 * Ownership: opt_config_load fills cfg with malloc'd memory that is never freed: options
 * keep pointing into it for the life of the process. */
#ifndef ROUTESRV_OPT_CONFIG_H
#define ROUTESRV_OPT_CONFIG_H
#include <stddef.h>

typedef struct {
	const char *key;
	const char **values;
	size_t nvalues;
} opt_config_entry;

typedef struct {
	opt_config_entry *entries;
	size_t n;
} opt_config;

/* 0 ok; -1 with a one-line reason (including line:column for YAML errors) in err. */
int opt_config_load(const char *path, opt_config *cfg, char *err, size_t errlen);
#endif
