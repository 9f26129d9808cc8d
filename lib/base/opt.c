/* opt.c: Go-flag-syntax parser, --help and machine-readable option listing. */
#include "base/opt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/opt_config.h"
#include "base/redact.h"
#include "base/xalloc.h"

#define MAX_OPTS 1024   /* routesrv-serve: its own flags and skipper's whole set */

/* Default values as text, captured before parsing, for --help. */
static char *defaults[MAX_OPTS];

void opt_usage_error(const opt_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
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

void opt_table_ignore(opt_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].kind != OPT_GROUP && strcmp(t->v[i].name, name) == 0) {
			t->v[i].flags |= OPT_IGNORED;
			t->v[i].target = NULL;
		}
}

void opt_table_track(opt_table *t, const char *name, void *target)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].kind != OPT_GROUP && (t->v[i].flags & OPT_IGNORED) && strcmp(t->v[i].name, name) == 0)
			t->v[i].target = target;
}

size_t opt_ignored_given(const opt_command *cmd, buf *out)
{
	size_t n = 0;
	for (const opt_def *o = cmd->opts; o->name; o++)
		if (o->kind != OPT_GROUP && (o->flags & OPT_IGNORED) && o->seen)
			buf_printf(out, "%s%s", n++ ? "," : "", o->name);
	return n;
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

/* --- values by Go's rules (strconv and time.ParseDuration) ------------------------------- */

static char lower(char c) { return (char)(c | 0x20); }

/* strconv's underscoreOK: an underscore only between digits, or between a base prefix and
 * a digit. */
static bool underscores_ok(const char *s, size_t len)
{
	char saw = '^';
	size_t i = 0;
	if (len && (s[0] == '-' || s[0] == '+'))
		s++, len--;
	bool hex = false;
	if (len >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < len; i++) {
		if ((s[i] >= '0' && s[i] <= '9') || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

/* strconv.ParseUint(s, 0, 64): 0x, 0o, 0b prefixes, a leading 0 is octal, underscores
 * between digits; no sign. */
static int parse_go_uint(const char *s, unsigned long long *out)
{
	const char *s0 = s;
	if (!*s)
		return -1;
	unsigned base = 10;
	if (s[0] == '0') {
		size_t len = strlen(s);
		if (len >= 3 && lower(s[1]) == 'b')
			base = 2, s += 2;
		else if (len >= 3 && lower(s[1]) == 'o')
			base = 8, s += 2;
		else if (len >= 3 && lower(s[1]) == 'x')
			base = 16, s += 2;
		else
			base = 8, s += 1;
	}
	unsigned long long n = 0;
	bool underscores = false;
	for (; *s; s++) {
		unsigned d;
		if (*s == '_') {
			underscores = true;
			continue;
		} else if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (lower(*s) >= 'a' && lower(*s) <= 'z')
			d = (unsigned)(lower(*s) - 'a' + 10);
		else
			return -1;
		if (d >= base || n > (ULLONG_MAX - d) / base)
			return -1;
		n = n * base + d;
	}
	if (underscores && !underscores_ok(s0, strlen(s0)))
		return -1;
	*out = n;
	return 0;
}

/* strconv.ParseInt(s, 0, 64). */
static int parse_go_int(const char *s, long *out)
{
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	unsigned long long u;
	if (parse_go_uint(s, &u) != 0)
		return -1;
	if (neg ? u > (unsigned long long)LONG_MAX + 1 : u > (unsigned long long)LONG_MAX)
		return -1;
	*out = neg ? (long)(0 - u) : (long)u;
	return 0;
}

/* Length of the common prefix of s and word, ignoring ASCII case. */
static size_t prefix_ci(const char *s, const char *word)
{
	size_t n = 0;
	while (s[n] && word[n] && lower(s[n]) == word[n])
		n++;
	return n;
}

/* strconv.ParseFloat(s, 64): Go's syntax (underscores between digits, hexadecimal only with
 * a p exponent, inf/infinity with a sign, nan without), checked here; strtod computes the
 * value. A value beyond float64's range is an error, as in Go. */
static int parse_go_float(const char *s, double *out)
{
	size_t len = strlen(s), i = 0;
	const char *t = (s[0] == '+' || s[0] == '-') ? s + 1 : s;
	size_t inf = prefix_ci(t, "infinity");
	if ((inf == 3 || inf == 8) && t[inf] == 0) {
		*out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
		return 0;
	}
	if (prefix_ci(s, "nan") == 3 && len == 3) {
		*out = NAN;
		return 0;
	}
	if (s[i] == '+' || s[i] == '-')
		i++;
	bool hex = s[i] == '0' && lower(s[i + 1]) == 'x', digits = false, dot = false, underscores = false;
	if (hex)
		i += 2;
	for (; i < len; i++) {
		char c = s[i];
		if (c == '_')
			underscores = true;
		else if (c == '.' && !dot)
			dot = true;
		else if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f'))
			digits = true;
		else
			break;
	}
	if (!digits)
		return -1;
	if (i < len && lower(s[i]) == (hex ? 'p' : 'e')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -1;
		for (; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			underscores |= s[i] == '_';
	} else if (hex) {
		return -1;
	}
	if (i != len || (underscores && !underscores_ok(s, len)))
		return -1;
	char *plain = xrealloc(NULL, len + 1), *p = plain;
	for (const char *q = s; *q; q++)
		if (*q != '_')
			*p++ = *q;
	*p = 0;
	errno = 0;
	double v = strtod(plain, NULL);
	free(plain);
	if (errno == ERANGE && isinf(v))
		return -1;
	*out = v;
	return 0;
}

/* time.ParseDuration to nanoseconds: [-+]?([0-9]*(\.[0-9]*)?unit)+ or "0"; units ns, us,
 * µs, μs, ms, s, m, h; beyond ±2^63-1 ns is an error. */
static int parse_go_duration(const char *s, long long *out_ns)
{
	static const struct { const char *unit; unsigned long long ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\u00b5s", 1000 }, { "\u03bcs", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const unsigned long long limit = 1ULL << 63;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out_ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	unsigned long long total = 0;
	while (*s) {
		if (!(*s == '.' || (*s >= '0' && *s <= '9')))
			return -1;
		unsigned long long v = 0, f = 0;
		double scale = 1;
		const char *start = s;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > limit / 10)
				return -1;
			v = v * 10 + (unsigned long long)(*s - '0');
			if (v > limit)
				return -1;
		}
		bool pre = s != start, post = false;
		if (*s == '.') {
			const char *fs = ++s;
			bool overflow = false;
			for (; *s >= '0' && *s <= '9'; s++) {
				if (overflow)
					continue;
				if (f > (limit - 1) / 10) {
					overflow = true;
					continue;
				}
				unsigned long long y = f * 10 + (unsigned long long)(*s - '0');
				if (y > limit) {
					overflow = true;
					continue;
				}
				f = y;
				scale *= 10;
			}
			post = s != fs;
		}
		if (!pre && !post)
			return -1;
		size_t ulen = 0;
		while (s[ulen] && s[ulen] != '.' && !(s[ulen] >= '0' && s[ulen] <= '9'))
			ulen++;
		if (!ulen)
			return -1;
		size_t u = 0;
		while (u < sizeof units / sizeof *units && !(strlen(units[u].unit) == ulen && memcmp(units[u].unit, s, ulen) == 0))
			u++;
		if (u == sizeof units / sizeof *units)
			return -1;
		s += ulen;
		unsigned long long unit = units[u].ns;
		if (v > limit / unit)
			return -1;
		v *= unit;
		if (f > 0) {
			v += (unsigned long long)((double)f * ((double)unit / scale));
			if (v > limit)
				return -1;
		}
		total += v;
		if (total > limit)
			return -1;
	}
	if (!neg && total > limit - 1)
		return -1;
	*out_ns = neg ? (long long)(0 - total) : (long long)total;
	return 0;
}

void opt_format_duration(buf *out, long ms)
{
	log_duration_text(out, (long long)ms * 1000000LL);
}

static void list_push(opt_list *l, const char *v)
{
	const char **old = l->v;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = v;
	own(old, (void *)l->v);
}

/* Stores value v into option o (an ignored one only checks it, and stores it when tracked);
 * returns an error message or NULL. */
static const char *set_value(opt_def *o, const char *v)
{
	if (o->choices && !(o->flags & OPT_OPEN_CHOICES)) {
		const char *const *c = o->choices;
		while (*c && strcmp(*c, v) != 0)
			c++;
		if (!*c)
			return "must be one of";   /* the caller lists them */
	}
	union {
		bool b;
		long l;
		unsigned long long u;
		double d;
	} parsed;
	long long ns;
	void *target = o->target;   /* ignored entries have none unless tracked */
	switch (o->kind) {
	case OPT_BOOL:
		if (parse_bool(v, &parsed.b) != 0)
			return "needs a boolean (true or false)";
		if (target)
			*(bool *)target = parsed.b;
		break;
	case OPT_STRING:
		if (target)
			*(const char **)target = v;
		break;
	case OPT_INT:
		if (parse_go_int(v, &parsed.l) != 0)
			return "needs an integer";
		if (target)
			*(long *)target = parsed.l;
		break;
	case OPT_UINT:
		if (parse_go_uint(v, &parsed.u) != 0)
			return "needs an unsigned integer";
		if (target)
			*(unsigned long *)target = (unsigned long)parsed.u;
		break;
	case OPT_FLOAT:
		if (parse_go_float(v, &parsed.d) != 0)
			return "needs a number";
		if (target)
			*(double *)target = parsed.d;
		break;
	case OPT_DURATION:
		if (parse_go_duration(v, &ns) != 0)
			return "needs a duration such as 3s or 250ms";
		if (ns < 0 && !(o->flags & OPT_IGNORED))
			return "must not be negative";
		if (target)
			*(long *)target = (long)(ns / 1000000);
		break;
	case OPT_LIST:
		if (target)
			list_push(target, v);
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
	if (!o->target || (o->flags & OPT_IGNORED))
		return NULL;
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
		if (o->flags & (OPT_HIDDEN | OPT_IGNORED))
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
	size_t ignored = 0;
	for (const opt_def *o = cmd->opts; o->name; o++)
		ignored += o->kind != OPT_GROUP && (o->flags & OPT_IGNORED) && !(o->flags & OPT_HIDDEN);
	if (ignored) {
		char text[200];
		snprintf(text, sizeof text,
			 "%zu more of skipper's flags are accepted, their values checked as skipper does, and "
			 "ignored (logged at start-up when given; listed in %s(1))", ignored, cmd->name);
		print_wrapped(text, 0, 0);
	}
}

/* One line per visible option, tab-separated: name, kind, metavar, choices (|-joined),
 * completion, default, help, alias, "open" when the choices are not enforced, "text" when
 * the default is a description rather than a value, "ignored" for OPT_IGNORED. Used by
 * scripts/gen-docs to build man OPTIONS sections and completions. */
static void print_option_table(const opt_command *cmd)
{
	static const char *const kinds[] = { "bool", "string", "int", "duration", "list", "group", "uint", "float" };
	size_t i = 0;
	for (const opt_def *o = cmd->opts; o->name; o++, i++) {
		if (o->flags & OPT_HIDDEN)
			continue;
		printf("%s\t%s\t%s\t", o->kind == OPT_GROUP ? "" : o->name, kinds[o->kind], o->metavar ? o->metavar : "");
		for (const char *const *c = o->choices; c && *c; c++)
			printf("%s%s", c == o->choices ? "" : "|", *c);
		const char *def = o->default_text ? o->default_text : i < MAX_OPTS && defaults[i] ? defaults[i] : "";
		printf("\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o->completion ? o->completion : "", def, o->help ? o->help : "",
		       o->alias ? o->alias : "", (o->flags & OPT_OPEN_CHOICES) ? "open" : "", o->default_text ? "text" : "",
		       (o->flags & OPT_IGNORED) ? "ignored" : "");
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
