/* opt.h: one option table per command drives parsing, --help, the man page's OPTIONS
 * section and shell completions (as curl does), so they never drift apart.
 *
 * Syntax is Go's flag package, which skipper's flags use: -name, --name, -name=value,
 * --name=value, -name value (not for booleans), booleans as -name / -name=false. Values are
 * read by Go's rules for the flag's type (strconv.ParseBool, ParseInt and ParseUint with
 * base 0, ParseFloat, time.ParseDuration), so a value skipper takes is taken, and one it
 * refuses is refused, naming the flag.
 * Flags and operands may be interleaved; "--" ends flags; "-" alone is an operand.
 * A command whose table has "config-file" reads that YAML file (keys are flag names,
 * values scalars or lists) first; flags given on the command line override it.
 *
 * Ownership: string values point into argv or into memory owned by the opt module for the
 * life of the process (config file values); opt_list arrays are malloc'd and live until
 * exit. Nothing needs freeing by commands. */
#ifndef ROUTESRV_OPT_H
#define ROUTESRV_OPT_H
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

typedef enum {
	OPT_BOOL,      /* target: bool *            */
	OPT_STRING,    /* target: const char **     */
	OPT_INT,       /* target: long * (Go int/int64: 0x1f, 0o17, 1_000 work as in Go) */
	OPT_DURATION,  /* target: long * (milliseconds); Go durations "3s", "250ms", "1m30s", "0";
	                * negative ones only for OPT_IGNORED flags (Go takes them) */
	OPT_LIST,      /* target: opt_list *, repeatable; each occurrence appends one value */
	OPT_GROUP,     /* not an option: starts a --help group titled `help`; give it a unique
	               * name all the same (e.g. "output-group"): a NULL name ends a table */
	OPT_UINT,      /* target: unsigned long * (Go uint64) */
	OPT_FLOAT,     /* target: double * (Go float64) */
} opt_kind;

typedef struct {
	const char **v;
	size_t n;
} opt_list;

typedef struct {
	const char *name;              /* without dashes, e.g. "kubernetes-ingress-class" */
	opt_kind kind;
	void *target;
	const char *metavar;           /* e.g. "REGEXP"; NULL for booleans */
	const char *help;              /* one line, starting lower-case, no final period */
	const char *const *choices;    /* NULL-terminated enumeration (validated, completed) or NULL */
	const char *completion;        /* "file", "dir", "url" or NULL: what shells complete */
	const char *config_key;        /* YAML key when it differs from name, else NULL */
	bool seen;                     /* set by the parser when given (command line or config) */
	const char *alias;             /* a second name, e.g. "q" for "brief" (diff(1)'s short options) */
	const char *default_text;      /* the default as --help shows it, when the value cannot say it
	                                * (e.g. "the terminal's width"); NULL: the target's value */
	unsigned flags;                /* OPT_HIDDEN, OPT_OPEN_CHOICES, OPT_IGNORED */
} opt_def;

enum {
	OPT_HIDDEN = 1,          /* parsed, but not in --help, man pages or completions (test harness flags) */
	OPT_OPEN_CHOICES = 2,    /* choices are listed and completed, not enforced: the command checks the
	                          * value (logrus levels in any case, skipper's unknown LB algorithms) */
	OPT_IGNORED = 4,         /* skipper's flag, accepted and ignored: the value is checked by its kind's
	                          * rules and dropped (target may be NULL); not in --help or completions,
	                          * --help-options marks it "ignored" (the man page lists it apart); with a
	                          * target (opt_table_track) the value is kept there, to be reported */
};

typedef struct {
	const char *name;              /* e.g. "routesrv-diff" */
	const char *usage;             /* operands part, e.g. "[flags] OLD NEW" */
	const char *summary;           /* one line: what the command does */
	opt_def *opts;                 /* terminated by an entry with name == NULL */
	int min_operands, max_operands;   /* max -1: unlimited */
} opt_command;

/* A command's table spliced from fragments (its own flags, kube_options_flags(), ...).
 * Entries are copied; a fragment ends at its first unnamed non-group entry or after n
 * entries. The table lives until exit (commands never free it). */
typedef struct {
	opt_def *v;
	size_t n, cap;
} opt_table;
void opt_table_add(opt_table *t, const opt_def *defs, size_t n);
/* Terminates the table and returns it for opt_command.opts. */
opt_def *opt_table_done(opt_table *t);

/* Parses argv. Handles --help (prints help to stdout, exit 0), --version (exit 0) and
 * --help-options (a machine-readable table for the man page and completion generators).
 * On a usage error prints one line "<cmd>: <message>" to stderr and exits 2: an unknown
 * flag gets "did you mean -NAME?" for a near miss, a value outside the choices lists them.
 * On success the remaining arguments are in *operands (NULL-terminated; owned by opt until
 * exit, like the option table) and *noperands. */
void opt_parse(opt_command *cmd, int argc, char **argv, char ***operands, int *noperands);

/* Prints --help text to stdout: usage, summary, grouped options with defaults, every line
 * within 100 columns (descriptions wrap under their column). Defaults are written one way:
 * "[default: VALUE]" (booleans only when true; durations as Go writes them, "30s"). */
void opt_print_help(const opt_command *cmd);
/* Reports a bad option value found after parsing (e.g. a semantic check) and exits 2. */
void opt_usage_error(const opt_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Marks the entry `name` of t ignored (OPT_IGNORED, no target): a flag a command accepts
 * from skipper's set but has no use for. */
void opt_table_ignore(opt_table *t, const char *name);
/* Gives the ignored entry `name` of t a target that receives its value (of the entry's
 * kind), so that the command can report a value it does not act on; it stays ignored. */
void opt_table_track(opt_table *t, const char *name, void *target);
/* The ignored flags that were given (command line or config file), comma-separated in
 * table order, appended to out; returns how many. */
size_t opt_ignored_given(const opt_command *cmd, buf *out);
/* Finds an option by name or alias, or NULL. */
opt_def *opt_find(opt_command *cmd, const char *name);
/* Go's time.Duration.String() of whole milliseconds: "45s", "1.5s", "2m0s", "250ms", "0s". */
void opt_format_duration(buf *out, long ms);
#endif
