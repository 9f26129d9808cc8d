/* opt.c: Go-flag-syntax parser, --help and machine-readable option listing. */
#include "base/opt.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/opt_config.h"
#include "base/redact.h"
#include "base/xalloc.h"

#define MAX_OPTS 256

/* Default values as text, captured before parsing, for --help. */
static char *defaults[MAX_OPTS];

void opt_usage_error(const opt_command *cmd, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		out_of_memory();
	va_end(ap);
	buf shown = BUF_INIT;   /* a URL given on the command line may carry a password */
	redact_append(&shown, msg, strlen(msg));
	fprintf(stderr, "%s: %s\n", cmd->name, shown.ptr ? shown.ptr : "");
	buf_free(&shown);
	free(msg);
	exit(2);
}

opt_def *opt_find(opt_command *cmd, const char *name)
{
	for (opt_def *o = cmd->opts; o->name; o++)
		if (o->kind != OPT_GROUP && (strcmp(o->name, name) == 0 || (o->alias && strcmp(o->alias, name) == 0)))
			return o;
	return NULL;
}

/* Levenshtein distance of a and b, counted up to limit + 1 (flag names are short). */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > 64 || nb > 64)
		return limit + 1;
	size_t row[65];
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0], best = row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[nb];
}

/* The visible flag a mistyped name most likely meant: the only one it is a prefix of, else
 * the nearest within two edits (one for short names). NULL when nothing is close. */
static const char *near_miss(const opt_command *cmd, const char *name)
{
	const char *prefix_of = NULL, *nearest = NULL;
	size_t prefixes = 0, best = strlen(name) <= 4 ? 1 : 2;
	for (const opt_def *o = cmd->opts; o->name; o++) {
		if (o->kind == OPT_GROUP || (o->flags & OPT_HIDDEN))
			continue;
		if (strncmp(o->name, name, strlen(name)) == 0)
			prefix_of = o->name, prefixes++;
		size_t d = edit_distance(name, o->name, best);
		if (d <= best && (d < best || !nearest))
			nearest = o->name, best = d;
	}
	return prefixes == 1 ? prefix_of : nearest;
}

void opt_table_add(opt_table *t, const opt_def *defs, size_t n)
{
	for (size_t i = 0; i < n && (defs[i].name || defs[i].kind == OPT_GROUP); i++) {
		if (t->n + 2 > t->cap) {
			t->cap = t->cap ? t->cap * 2 : 64;
			t->v = xrealloc(t->v, t->cap * sizeof *t->v);
		}
		t->v[t->n] = defs[i];
		if (!t->v[t->n].name)   /* a heading without a name would end the table */
			t->v[t->n].name = "group";
		t->n++;
	}
}

/* What opt allocates lives until exit (options point into it) and is freed at exit, so leak
 * checkers stay quiet: the command's table, list arrays and the config file's values. The
 * registry holds the allocations themselves, never the options' targets, which may be gone
 * (locals of main) by the time atexit handlers run. */
static struct {
	void **v;
	size_t n;
	bool registered;
} owned;

static void free_owned(void)
{
	for (size_t i = 0; i < owned.n; i++)
		free(owned.v[i]);
	free(owned.v);
	owned.v = NULL;
	owned.n = 0;
}

/* Records p (or, with old set, replaces old by p after a realloc). */
static void own(void *old, void *p)
{
	for (size_t i = 0; old && i < owned.n; i++)
		if (owned.v[i] == old) {
			owned.v[i] = p;
			return;
		}
	if (!owned.registered) {
		atexit(free_owned);
		owned.registered = true;
	}
	owned.v = xrealloc(owned.v, (owned.n + 1) * sizeof *owned.v);
	owned.v[owned.n++] = p;
}

opt_def *opt_table_done(opt_table *t)
{
	if (!t->v)
		t->v = xrealloc(NULL, sizeof *t->v);
	t->v[t->n] = (opt_def){ .name = NULL };
	own(NULL, t->v);
	return t->v;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const t[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const f[] = { "0", "f", "F", "false", "FALSE", "False" };
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(v, t[i]) == 0)
			return *out = true, 0;
		if (strcmp(v, f[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

static int parse_long(const char *v, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 0);
	if (errno || end == v || *end)
		return -1;
	*out = n;
	return 0;
}

/* Go duration ("1h2m3.5s", "250ms", "1us") to milliseconds; a bare number is milliseconds. */
static int parse_duration(const char *v, long *out)
{
	if (parse_long(v, out) == 0)
		return *out < 0 ? -1 : 0;
	static const struct { const char *unit; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 }, { "s", 1e3 }, { "m", 6e4 }, { "h", 3.6e6 },
	};
	double total = 0;
	const char *p = v;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		double n = strtod(p, &end);
		if (end == p || n < 0)
			return -1;
		p = end;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(p, units[i].unit, l) == 0 && l > best_len)
				best = i, best_len = l;
		}
		if (!best_len)
			return -1;
		total += n * units[best].ms;
		p += best_len;
	}
	if (!(total < (double)LONG_MAX))   /* 2^63 itself does not fit a long */
		return -1;
	*out = (long)total;
	return 0;
}

void opt_format_duration(buf *out, long ms)
{
	if (ms < 1000) {
		buf_printf(out, ms ? "%ldms" : "%lds", ms);
		return;
	}
	long h = ms / 3600000, m = ms / 60000 % 60;
	if (h)
		buf_printf(out, "%ldh", h);
	if (h || m)
		buf_printf(out, "%ldm", m);
	buf_printf(out, "%ld", ms / 1000 % 60);
	if (ms % 1000) {
		buf_printf(out, ".%03ld", ms % 1000);
		while (out->ptr[out->len - 1] == '0')
			out->ptr[--out->len] = 0;
	}
	buf_putc(out, 's');
}

static void list_push(opt_list *l, const char *v)
{
	const char **old = l->v;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = v;
	own(old, (void *)l->v);
}

/* Stores value v into option o; returns an error message or NULL. */
static const char *set_value(opt_def *o, const char *v)
{
	if (o->choices && !(o->flags & OPT_OPEN_CHOICES)) {
		const char *const *c = o->choices;
		while (*c && strcmp(*c, v) != 0)
			c++;
		if (!*c)
			return "must be one of";   /* the caller lists them */
	}
	switch (o->kind) {
	case OPT_BOOL:
		if (parse_bool(v, o->target) != 0)
			return "needs a boolean (true or false)";
		break;
	case OPT_STRING:
		*(const char **)o->target = v;
		break;
	case OPT_INT:
		if (parse_long(v, o->target) != 0)
			return "needs an integer";
		break;
	case OPT_DURATION:
		if (parse_duration(v, o->target) != 0)
			return "needs a duration such as 3s or 250ms";
		break;
	case OPT_LIST:
		list_push(o->target, v);
		break;
	case OPT_GROUP:
		break;
	}
	o->seen = true;
	return NULL;
}

static char *value_text(const opt_def *o)
{
	char tmp[64];
	switch (o->kind) {
	case OPT_BOOL:
		return strdup(*(bool *)o->target ? "true" : "false");
	case OPT_STRING: {
		const char *s = *(const char **)o->target;
		return s && *s ? strdup(s) : NULL;
	}
	case OPT_INT:
		snprintf(tmp, sizeof tmp, "%ld", *(long *)o->target);
		return strdup(tmp);
	case OPT_DURATION: {
		buf b = BUF_INIT;
		opt_format_duration(&b, *(long *)o->target);
		return buf_steal(&b, NULL);
	}
	default:
		return NULL;
	}
}

static void capture_defaults(const opt_command *cmd)
{
	size_t i = 0;
	for (const opt_def *o = cmd->opts; o->name && i < MAX_OPTS; o++, i++)
		if (!defaults[i] && o->kind != OPT_GROUP)
			defaults[i] = value_text(o);
}

/* --help layout: descriptions start in one column and wrap within HELP_WIDTH; a flag too
 * long for the column puts its description on the next line, at the column. */
#define HELP_WIDTH 100
#define HELP_COLUMN 34
#define NBSP '\x01'   /* a space that does not break a line: "[default: 45s]" stays whole */

/* Writes text from column col (the cursor's), breaking lines between words before
 * HELP_WIDTH; continuation lines start at column indent. */
static void print_wrapped(const char *text, size_t col, size_t indent)
{
	bool line_start = true;
	for (const char *p = text; *p;) {
		size_t word = strcspn(p, " ");
		if (!line_start && col + 1 + word > HELP_WIDTH) {
			printf("\n%*s", (int)indent, "");
			col = indent;
		} else if (!line_start) {
			putchar(' ');
			col++;
		}
		for (size_t i = 0; i < word; i++)
			putchar(p[i] == NBSP ? ' ' : p[i]);
		col += word;
		line_start = false;
		p += word;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

/* The description with choices and the default, each written one way. */
static void describe(buf *b, const opt_def *o, const char *default_value)
{
	buf_puts(b, o->help);
	if (o->choices) {
		buf_puts(b, (o->flags & OPT_OPEN_CHOICES) ? " (e.g." : " (one of:");
		for (const char *const *c = o->choices; *c; c++)
			buf_printf(b, "%s %s", c == o->choices ? "" : ",", *c);
		buf_puts(b, ")");
	}
	if (o->kind == OPT_LIST)
		buf_puts(b, " [repeatable]");
	else if (o->default_text)
		buf_printf(b, " [default:%c%s]", NBSP, o->default_text);
	else if (default_value && (o->kind != OPT_BOOL || strcmp(default_value, "true") == 0))
		buf_printf(b, " [default:%c%s]", NBSP, default_value);
}

static void print_help_line(const char *left, const char *text)
{
	size_t len = strlen(left);
	if (len + 1 > HELP_COLUMN)
		printf("%s\n%*s", left, HELP_COLUMN, "");
	else
		printf("%-*s", HELP_COLUMN, left);
	print_wrapped(text, HELP_COLUMN, HELP_COLUMN);
}

void opt_print_help(const opt_command *cmd)
{
	printf("Usage: %s %s\n", cmd->name, cmd->usage);
	print_wrapped(cmd->summary, 0, 0);
	size_t i = 0;
	for (const opt_def *o = cmd->opts; o->name; o++, i++) {
		if (o->kind == OPT_GROUP) {
			printf("\n%s:\n", o->help);
			continue;
		}
		if (o->flags & OPT_HIDDEN)
			continue;
		buf left = BUF_INIT, text = BUF_INIT;
		buf_puts(&left, "  ");
		if (o->alias)
			buf_printf(&left, "-%s, ", o->alias);
		buf_printf(&left, "-%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
		describe(&text, o, i < MAX_OPTS ? defaults[i] : NULL);
		print_help_line(left.ptr, text.ptr);
		buf_free(&left);
		buf_free(&text);
	}
	putchar('\n');
	print_help_line("  -help", "show this help and exit");
	print_help_line("  -version", "show the version and exit");
}

/* One line per visible option, tab-separated: name, kind, metavar, choices (|-joined),
 * completion, default, help, alias, "open" when the choices are not enforced, "text" when
 * the default is a description rather than a value. Used by
 * scripts/gen-docs to build man OPTIONS sections and completions. */
static void print_option_table(const opt_command *cmd)
{
	static const char *const kinds[] = { "bool", "string", "int", "duration", "list", "group" };
	size_t i = 0;
	for (const opt_def *o = cmd->opts; o->name; o++, i++) {
		if (o->flags & OPT_HIDDEN)
			continue;
		printf("%s\t%s\t%s\t", o->kind == OPT_GROUP ? "" : o->name, kinds[o->kind], o->metavar ? o->metavar : "");
		for (const char *const *c = o->choices; c && *c; c++)
			printf("%s%s", c == o->choices ? "" : "|", *c);
		const char *def = o->default_text ? o->default_text : i < MAX_OPTS && defaults[i] ? defaults[i] : "";
		printf("\t%s\t%s\t%s\t%s\t%s\t%s\n", o->completion ? o->completion : "", def, o->help, o->alias ? o->alias : "",
		       (o->flags & OPT_OPEN_CHOICES) ? "open" : "", o->default_text ? "text" : "");
	}
}

/* One line: where (a config file), the value, the flag, what is wrong, and the allowed values
 * when they are a list. */
static void invalid_value(const opt_command *cmd, const opt_def *o, const char *value, const char *why,
			  const char *where)
{
	buf choices = BUF_INIT;
	if (strcmp(why, "must be one of") == 0)
		for (const char *const *c = o->choices; *c; c++)
			buf_printf(&choices, "%s %s", c == o->choices ? "" : ",", *c);
	opt_usage_error(cmd, "%sinvalid value \"%s\" for flag -%s: %s%s", where, value, o->name, why,
			choices.ptr ? choices.ptr : "");
}

/* The config's strings become option values: they live until exit like everything opt owns. */
static void own_config(opt_config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++) {
		own(NULL, (void *)cfg->entries[i].key);
		for (size_t j = 0; j < cfg->entries[i].nvalues; j++)
			own(NULL, (void *)cfg->entries[i].values[j]);
		own(NULL, (void *)cfg->entries[i].values);
	}
	own(NULL, cfg->entries);
}

static void apply_config_file(opt_command *cmd, const char *path)
{
	opt_config cfg;
	char err[512];
	int rc = opt_config_load(path, &cfg, err, sizeof err);
	own_config(&cfg);   /* also what a failed load read so far */
	if (rc != 0)
		opt_usage_error(cmd, "-config-file %s: %s", path, err);
	for (size_t i = 0; i < cfg.n; i++) {
		opt_def *o = NULL;
		for (opt_def *d = cmd->opts; d->name; d++)
			if (d->kind != OPT_GROUP && strcmp(d->config_key ? d->config_key : d->name, cfg.entries[i].key) == 0)
				o = d;
		if (!o)
			o = opt_find(cmd, cfg.entries[i].key);
		if (!o || o->seen)   /* unknown keys belong to skipper's proxy; command line wins */
			continue;
		if (cfg.entries[i].nvalues > 1 && o->kind != OPT_LIST)
			opt_usage_error(cmd, "-config-file %s: key %s takes one value, not a list", path, o->name);
		for (size_t j = 0; j < cfg.entries[i].nvalues; j++) {
			const char *e = set_value(o, cfg.entries[i].values[j]);
			if (e) {
				char where[600];
				snprintf(where, sizeof where, "-config-file %s: ", path);
				invalid_value(cmd, o, cfg.entries[i].values[j], e, where);
			}
		}
	}
}

void opt_parse(opt_command *cmd, int argc, char **argv, char ***operands, int *noperands)
{
	capture_defaults(cmd);
	char **ops = xrealloc(NULL, (size_t)(argc + 1) * sizeof *ops);
	own(NULL, ops);
	int nops = 0;
	bool flags_done = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (flags_done || a[0] != '-' || a[1] == 0) {
			ops[nops++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			flags_done = true;
			continue;
		}
		const char *name = a + (a[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		char namebuf[256];
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen >= sizeof namebuf || nlen == 0)
			opt_usage_error(cmd, "bad flag syntax: %s", a);
		memcpy(namebuf, name, nlen);
		namebuf[nlen] = 0;
		if (strcmp(namebuf, "help") == 0 || strcmp(namebuf, "h") == 0) {
			opt_print_help(cmd);
			exit(0);
		}
		if (strcmp(namebuf, "version") == 0) {
			printf("%s %s\n", cmd->name, ROUTESRV_VERSION);
			exit(0);
		}
		if (strcmp(namebuf, "help-options") == 0) {
			print_option_table(cmd);
			exit(0);
		}
		opt_def *o = opt_find(cmd, namebuf);
		const char *guess = o ? NULL : near_miss(cmd, namebuf);
		if (!o && guess)
			opt_usage_error(cmd, "unknown flag: -%s (did you mean -%s? see %s --help)", namebuf, guess, cmd->name);
		if (!o)
			opt_usage_error(cmd, "unknown flag: -%s (see %s --help)", namebuf, cmd->name);
		const char *value;
		if (eq)
			value = eq + 1;
		else if (o->kind == OPT_BOOL)
			value = "true";
		else if (i + 1 < argc)
			value = argv[++i];
		else
			opt_usage_error(cmd, "flag needs an argument: -%s", namebuf);
		const char *e = set_value(o, value);
		if (e)
			invalid_value(cmd, o, value, e, "");
	}
	opt_def *cfg = opt_find(cmd, "config-file");
	if (cfg && cfg->seen && *(const char **)cfg->target && **(const char **)cfg->target)
		apply_config_file(cmd, *(const char **)cfg->target);
	if (nops < cmd->min_operands)
		opt_usage_error(cmd, "missing operand (usage: %s %s)", cmd->name, cmd->usage);
	if (cmd->max_operands >= 0 && nops > cmd->max_operands)
		opt_usage_error(cmd, "extra operand '%s' (usage: %s %s)", ops[cmd->max_operands], cmd->name, cmd->usage);
	ops[nops] = NULL;
	*operands = ops;
	*noperands = nops;
}
