/* opt_config.c: the -config-file reader (libyaml events; no document tree is built). */
#include "base/opt_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/xalloc.h"

static opt_config_entry *add_entry(opt_config *cfg, const char *key)
{
	cfg->entries = xrealloc(cfg->entries, (cfg->n + 1) * sizeof *cfg->entries);
	opt_config_entry *e = &cfg->entries[cfg->n++];
	e->key = strdup(key);
	e->values = NULL;
	e->nvalues = 0;
	return e;
}

static void add_value(opt_config_entry *e, const char *v)
{
	e->values = xrealloc(e->values, (e->nvalues + 1) * sizeof *e->values);
	e->values[e->nvalues++] = strdup(v);
}

/* Skips the rest of a nested node whose start event was just consumed. */
static int skip_node(yaml_parser_t *p)
{
	int depth = 1;
	while (depth > 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(p, &ev))
			return -1;
		if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	}
	return 0;
}

static int parse_events(yaml_parser_t *p, opt_config *cfg, char *err, size_t errlen)
{
	enum { BEFORE_MAP, KEY, VALUE, IN_LIST } state = BEFORE_MAP;
	opt_config_entry *cur = NULL;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(p, &ev))
			return -1;
		yaml_event_type_t t = ev.type;
		const char *scalar = t == YAML_SCALAR_EVENT ? (const char *)ev.data.scalar.value : NULL;
		int rc = 0;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		switch (state) {
		case BEFORE_MAP:
			if (t == YAML_MAPPING_START_EVENT)
				state = KEY;
			else if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT) {
				snprintf(err, errlen, "the top level must be a mapping of flag names to values");
				rc = -1;
			}
			break;
		case KEY:
			if (t == YAML_SCALAR_EVENT) {
				cur = add_entry(cfg, scalar);
				state = VALUE;
			} else if (t == YAML_MAPPING_END_EVENT)
				state = BEFORE_MAP;
			break;
		case VALUE:
			if (t == YAML_SCALAR_EVENT) {
				add_value(cur, scalar);
				state = KEY;
			} else if (t == YAML_SEQUENCE_START_EVENT)
				state = IN_LIST;
			else if (t == YAML_MAPPING_START_EVENT) {
				free((void *)cur->key);   /* nested settings of skipper's proxy: not ours */
				cfg->n--;
				rc = skip_node(p);
				state = KEY;
			}
			break;
		case IN_LIST:
			if (t == YAML_SCALAR_EVENT)
				add_value(cur, scalar);
			else if (t == YAML_SEQUENCE_END_EVENT)
				state = KEY;
			else if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
				snprintf(err, errlen, "key %s: list items must be plain values", cur->key);
				rc = -1;
			}
			break;
		}
		yaml_event_delete(&ev);
		if (rc)
			return rc;
	}
}

int opt_config_load(const char *path, opt_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open: %m");
		return -1;
	}
	yaml_parser_t p;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	err[0] = 0;
	int rc = parse_events(&p, cfg, err, errlen);
	if (rc && !err[0])
		snprintf(err, errlen, "line %zu column %zu: %s", p.problem_mark.line + 1, p.problem_mark.column + 1,
		         p.problem ? p.problem : "invalid YAML");
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}
