/* opt_skipper.c: skipper's flag set as ignored opt entries (see opt_skipper.h). */
#include "base/opt_skipper.h"

#include <string.h>

static const opt_skipper_flag flags[] = {
#define SKIPPER_FLAG(name, type) { name, #type },
#include "base/opt_skipper_table.h"
#undef SKIPPER_FLAG
};

const opt_skipper_flag *opt_skipper_flags(size_t *n)
{
	*n = sizeof flags / sizeof *flags;
	return flags;
}

/* The Func flags' functions accept these values (the flag's usage text lists them). */
static const char *const tls_client_auth[] = {
	"NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
	"RequireAndVerifyClientCert", NULL,
};

opt_def opt_skipper_ignored_def(const opt_skipper_flag *f)
{
	static const struct {
		const char *go_type;
		opt_kind kind;
		const char *metavar;
	} kinds[] = {
		{ "Bool", OPT_BOOL, NULL }, { "String", OPT_STRING, "STRING" }, { "Int", OPT_INT, "INT" },
		{ "Int64", OPT_INT, "INT" }, { "Uint64", OPT_UINT, "UINT" }, { "Float64", OPT_FLOAT, "FLOAT" },
		{ "Duration", OPT_DURATION, "DURATION" }, { "Var", OPT_LIST, "VALUE" }, { "Func", OPT_STRING, "VALUE" },
	};
	opt_def d = { .name = f->name, .kind = OPT_STRING, .metavar = "VALUE", .help = f->go_type, .flags = OPT_IGNORED };
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(kinds[i].go_type, f->go_type) == 0) {
			d.kind = kinds[i].kind;
			d.metavar = kinds[i].metavar;
		}
	if (strcmp(f->name, "tls-client-auth") == 0)
		d.choices = tls_client_auth;
	return d;
}

void opt_skipper_add_ignored(opt_table *t)
{
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
		bool have = strcmp(flags[i].name, "version") == 0;
		for (size_t j = 0; j < t->n && !have; j++)
			have = t->v[j].kind != OPT_GROUP && strcmp(t->v[j].name, flags[i].name) == 0;
		if (!have) {
			opt_def d = opt_skipper_ignored_def(&flags[i]);
			opt_table_add(t, &d, 1);
		}
	}
}
