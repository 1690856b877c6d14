/*
 * cmd_operator.c: `jpki operator`, the counter's operators (operator/operator.h,
 * docs/operators.md): add one (a CA officer does; the first CA officer on an
 * empty registry adds themself), list them, check a log-in, disable one.
 * Passwords come from a file or the prompt, never the command line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "core/ossl.h"
#include "operator/approval.h"
#include "operator/operator.h"
#include "operator/webauthn.h"
#include "opts.h"
#include "secret.h"

static const char op_usage[] =
    "usage: jpki operator add ID --name NAME --role ROLE [--password-file F]\n"
    "                         [--by OFFICER [--by-password-file F]]\n"
    "       jpki operator list\n"
    "       jpki operator login ID [--password-file F]\n"
    "       jpki operator disable ID --by OFFICER [--by-password-file F]\n"
    "       jpki operator roles\n"
    "       jpki operator key ...   (security keys: jpki operator key --help)\n"
    "\n"
    "The counter's operators (docs/operators.md).  ROLE is clerk, supervisor,\n"
    "ca-officer or auditor; `roles` prints what each may do.  A CA officer adds and\n"
    "disables operators, logging in with their own password for it (--by); the\n"
    "first operator of a registry is a CA officer added without --by.  Passwords\n"
    "are 12 to 128 characters, kept as scrypt hashes; they come from --password-file\n"
    "(the new operator's, or the one logging in) and --by-password-file (the\n"
    "officer's), or a prompt, never the command line.  5 wrong passwords in a row\n"
    "lock an account for 15 minutes.  Every add, log-in (refused ones too) and\n"
    "disabling is an audit entry.  login exits 0 for a good password, 4 for a\n"
    "refusal; it says when the operator must also present a security key (once\n"
    "they have an enabled one, a password alone no longer logs them in).\n";

static int secret_file(const char *value, void *dst, struct jpki_err *err)
{
	(void)err;
	((struct cli_secret *)dst)->file = value;
	return 0;
}

static int on_argv(const char *value, void *dst, struct jpki_err *err)
{
	(void)value, (void)dst;
	return jpki_fail(err, JPKI_E_INVALID,
	                 "a password on the command line is visible to every user of this machine: "
	                 "use the -file form, or type it at the prompt");
}

static int64_t now_of(void)
{
	int64_t now;
	struct jpki_err err;
	return jpki_ctx_now(cli_ctx(), &now, &err) < 0 ? (int64_t)time(NULL) : now;
}

static int refused(const struct jpki_err *err)
{
	fprintf(stderr, "jpki: refused: %s\n", err->msg);
	return 4;
}

struct pw {
	struct cli_secret own, by;
	char own_buf[JPKI_PASSWORD_MAX + 2], by_buf[JPKI_PASSWORD_MAX + 2];
};

static void pw_wipe(struct pw *p)
{
	OPENSSL_cleanse(p->own_buf, sizeof(p->own_buf));
	OPENSSL_cleanse(p->by_buf, sizeof(p->by_buf));
}

static int op_add(int argc, char **argv)
{
	const char *name = NULL, *role_s = NULL, *by = NULL;
	struct pw p = {0};
	const struct cli_opt rows[] = {
	    {"name", CLI_TEXT, &name, 0, 0, NULL, NULL},
	    {"role", CLI_TEXT, &role_s, 0, 0, NULL, NULL},
	    {"by", CLI_TEXT, &by, 0, 0, NULL, NULL},
	    {"password-file", CLI_CUSTOM, &p.own, 0, 0, secret_file, NULL},
	    {"by-password-file", CLI_CUSTOM, &p.by, 0, 0, secret_file, NULL},
	    {"password", CLI_CUSTOM, NULL, 0, 0, on_argv, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, op_usage, "operator add", rows);
	if (rc >= 0)
		return rc;
	enum jpki_role role;
	if (optind + 1 != argc || !name || !jpki_role_parse(role_s, &role))
		return cli_usage_error(
		    op_usage, "operator add: ID, --name and --role clerk|supervisor|ca-officer|"
		              "auditor");
	if ((rc = cli_secret_read(&p.own, "the new operator's password", p.own_buf,
	                          sizeof(p.own_buf))) != 0 ||
	    (by &&
	     (rc = cli_secret_read(&p.by, "your password", p.by_buf, sizeof(p.by_buf))) != 0)) {
		pw_wipe(&p);
		return rc;
	}
	struct jpki_err err;
	struct jpki_actor actor = {by, p.by_buf, false};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_operator_add(st, by ? &actor : NULL, argv[optind], name, role, p.own_buf,
		                       now_of(), &err);
	pw_wipe(&p);
	if (rc > 0)
		return rc;
	if (rc == -JPKI_E_UNAUTHENTICATED || rc == -JPKI_E_DENIED || rc == -JPKI_E_STATE)
		return refused(&err);
	if (rc < 0)
		return cli_fail(&err);
	printf("operator %s added: %s\n", argv[optind], jpki_role_name(role));
	return 0;
}

static int print_op(const struct jpki_operator_rec *o, void *arg)
{
	int64_t now = *(int64_t *)arg;
	printf("%s\t%s\t%s\t%s\n", o->id, jpki_role_name((enum jpki_role)o->role),
	       o->disabled_at          ? "disabled"
	       : o->locked_until > now ? "locked"
	                               : "active",
	       o->name);
	return 0;
}

static int op_list(int argc, char **argv)
{
	const struct cli_opt rows[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, op_usage, "operator list", rows);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	int64_t now = now_of();
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	return st->ops->operator_each(st, print_op, &now, &err) < 0 ? cli_fail(&err) : 0;
}

static int op_login(int argc, char **argv)
{
	struct pw p = {0};
	const struct cli_opt rows[] = {
	    {"password-file", CLI_CUSTOM, &p.own, 0, 0, secret_file, NULL},
	    {"password", CLI_CUSTOM, NULL, 0, 0, on_argv, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, op_usage, "operator login", rows);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error(op_usage, "operator login: ID");
	if ((rc = cli_secret_read(&p.own, "password", p.own_buf, sizeof(p.own_buf))) != 0)
		return rc;
	struct jpki_err err;
	struct jpki_operator_rec o;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_operator_login(st, argv[optind], p.own_buf, now_of(), &o, &err);
	pw_wipe(&p);
	if (rc > 0)
		return rc;
	if (rc == -JPKI_E_UNAUTHENTICATED || rc == -JPKI_E_STATE)
		return refused(&err);
	if (rc < 0)
		return cli_fail(&err);
	bool key = false;
	if (jpki_webauthn_required(st, o.id, &key, &err) < 0)
		return cli_fail(&err);
	printf("ok %s %s%s\n", o.id, jpki_role_name((enum jpki_role)o.role),
	       key ? " (password; a security key is required too: jpki operator key assert)" : "");
	return 0;
}

static int op_disable(int argc, char **argv)
{
	const char *by = NULL;
	struct pw p = {0};
	const struct cli_opt rows[] = {
	    {"by", CLI_TEXT, &by, 0, 0, NULL, NULL},
	    {"by-password-file", CLI_CUSTOM, &p.by, 0, 0, secret_file, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, op_usage, "operator disable", rows);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc || !by)
		return cli_usage_error(op_usage, "operator disable: ID --by OFFICER");
	if ((rc = cli_secret_read(&p.by, "your password", p.by_buf, sizeof(p.by_buf))) != 0)
		return rc;
	struct jpki_err err;
	struct jpki_actor actor = {by, p.by_buf, false};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_operator_disable(st, &actor, argv[optind], now_of(), &err);
	pw_wipe(&p);
	if (rc > 0)
		return rc;
	if (rc == -JPKI_E_UNAUTHENTICATED || rc == -JPKI_E_DENIED || rc == -JPKI_E_STATE)
		return refused(&err);
	if (rc < 0)
		return cli_fail(&err);
	printf("operator %s disabled\n", argv[optind]);
	return 0;
}

static int op_roles(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (int r = 0; r < JPKI_ROLE_COUNT; r++) {
		char rights[256];
		jpki_role_rights((enum jpki_role)r, rights, sizeof(rights));
		printf("%s\t%s\n", jpki_role_name((enum jpki_role)r), rights);
	}
	return 0;
}

int cmd_operator(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"add", op_add, "add an operator (a CA officer does)"},
	    {"list", op_list, "the operators"},
	    {"login", op_login, "check an operator's password"},
	    {"disable", op_disable, "disable an operator"},
	    {"roles", op_roles, "the roles and their rights"},
	    {"key", cmd_operator_key, "operators' security keys (FIDO2/WebAuthn)"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("operator", cmds, op_usage, argc, argv);
}

/* ---- jpki approval: four-eyes requests (operator/approval.h) ---- */

static const char ap_usage[] =
    "usage: jpki approval request --kind KIND --what TEXT --by ID [--by-password-file F]\n"
    "       jpki approval approve N --by ID [--by-password-file F]\n"
    "       jpki approval edit N --what TEXT --by ID [--by-password-file F]\n"
    "       jpki approval show N\n"
    "\n"
    "Four-eyes approvals (docs/operators.md).  KIND and who approves it:\n"
    "mass-revocation, correction, fee-void, hours-override: 1 supervisor;\n"
    "ca-operation: 2 CA officers.  The requester never approves their own request;\n"
    "an edit (by the requester) cancels the approvals given before it; a request\n"
    "expires 24 hours after it was made.  Each operator logs in with their own\n"
    "password (--by-password-file or the prompt).  Every request, approval, edit\n"
    "and refusal is an audit entry.  A refusal exits 4.\n";

static int ap_run(const char *what_cmd, int argc, char **argv, bool want_id, bool want_what,
                  bool want_kind, const char **what, enum jpki_approval_kind *kind, int64_t *id,
                  struct pw *p, const char **by)
{
	const char *kind_s = NULL;
	const struct cli_opt rows[] = {
	    {"kind", CLI_TEXT, &kind_s, 0, 0, NULL, NULL},
	    {"what", CLI_TEXT, what, 0, 0, NULL, NULL},
	    {"by", CLI_TEXT, by, 0, 0, NULL, NULL},
	    {"by-password-file", CLI_CUSTOM, &p->by, 0, 0, secret_file, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, ap_usage, what_cmd, rows);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	if ((want_id && (optind + 1 != argc || cli_parse_id(argv[optind], id, &err) < 0)) ||
	    (!want_id && optind != argc) || (want_what && !*what) || !*by ||
	    (want_kind && !jpki_approval_kind_parse(kind_s, kind)))
		return cli_usage_error(ap_usage, "%s: see the usage", what_cmd);
	return cli_secret_read(&p->by, "your password", p->by_buf, sizeof(p->by_buf)) != 0 ? 2 : -1;
}

static int ap_done(int rc, const struct jpki_err *err)
{
	if (rc == -JPKI_E_UNAUTHENTICATED || rc == -JPKI_E_DENIED || rc == -JPKI_E_STATE)
		return refused(err);
	return rc < 0 ? cli_fail(err) : 0;
}

static void ap_print(const struct jpki_approval *a, int64_t now)
{
	printf("request %" PRId64 ": %s by %s, version %d, %d of %d approvals, %s\nwhat: %s\n",
	       a->id, jpki_approval_kind_name(a->kind), a->requester, a->version, a->approvals,
	       a->needed,
	       a->state == JPKI_APPROVAL_APPROVED ? "approved"
	       : a->expires_at <= now             ? "expired"
	                                          : "open",
	       a->what);
}

static int ap_request(int argc, char **argv)
{
	const char *what = NULL, *by = NULL;
	enum jpki_approval_kind kind = 0;
	int64_t id = 0;
	struct pw p = {0};
	int rc =
	    ap_run("approval request", argc, argv, false, true, true, &what, &kind, &id, &p, &by);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	struct jpki_actor actor = {by, p.by_buf, false};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_approval_request(st, &actor, kind, what, now_of(), &id, &err);
	pw_wipe(&p);
	if (rc > 0)
		return rc;
	if (rc == 0)
		printf("request %" PRId64 "\n", id);
	return ap_done(rc, &err);
}

static int ap_approve(int argc, char **argv)
{
	const char *what = NULL, *by = NULL;
	enum jpki_approval_kind kind = 0;
	int64_t id = 0, now = now_of();
	struct pw p = {0};
	int rc =
	    ap_run("approval approve", argc, argv, true, false, false, &what, &kind, &id, &p, &by);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	struct jpki_actor actor = {by, p.by_buf, false};
	struct jpki_approval a;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_approval_approve(st, &actor, id, now, &a, &err);
	pw_wipe(&p);
	if (rc > 0)
		return rc;
	if (rc == 0)
		ap_print(&a, now);
	return ap_done(rc, &err);
}

static int ap_edit(int argc, char **argv)
{
	const char *what = NULL, *by = NULL;
	enum jpki_approval_kind kind = 0;
	int64_t id = 0;
	struct pw p = {0};
	int rc = ap_run("approval edit", argc, argv, true, true, false, &what, &kind, &id, &p, &by);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	struct jpki_actor actor = {by, p.by_buf, false};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_approval_edit(st, &actor, id, what, now_of(), &err);
	pw_wipe(&p);
	if (rc > 0)
		return rc;
	if (rc == 0)
		printf("request %" PRId64 " edited: its earlier approvals no longer count\n", id);
	return ap_done(rc, &err);
}

static int ap_show(int argc, char **argv)
{
	const struct cli_opt rows[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, ap_usage, "approval show", rows);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	int64_t id = 0, now = now_of();
	if (optind + 1 != argc || cli_parse_id(argv[optind], &id, &err) < 0)
		return cli_usage_error(ap_usage, "approval show: N");
	struct jpki_approval a;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	if (jpki_approval_get(st, id, now, &a, &err) < 0)
		return cli_fail(&err);
	ap_print(&a, now);
	return 0;
}

int cmd_approval(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"request", ap_request, "ask for what needs four eyes"},
	    {"approve", ap_approve, "approve another's request"},
	    {"edit", ap_edit, "change your request (its approvals start again)"},
	    {"show", ap_show, "a request and its approvals"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("approval", cmds, ap_usage, argc, argv);
}
