/*
 * cmd_rp.c: `jpki rp`, the relying parties registered with the linking
 * service (link/link.h, docs/login.md): register one (its access key
 * written to a file, once), list them, disable one, read the access log.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "link/link.h"
#include "opts.h"

static const char rp_usage[] =
    "usage: jpki rp add ID --name NAME --key-out FILE [--link-signature]\n"
    "       jpki rp list\n"
    "       jpki rp disable ID\n"
    "       jpki rp log\n"
    "\n"
    "The relying parties of the linking service (docs/login.md).  A relying party\n"
    "learns a pseudonym of its own for the holder of an authentication certificate,\n"
    "the same after a renewal or a move (POST /link/pseudonym on the HTTPS listener\n"
    "of `jpki serve`).  With --link-signature it may also ask whether a signature\n"
    "certificate belongs to the same person (POST /link/same-person): yes or no.\n"
    "\n"
    "add: ID is 1 to 64 of a-z, 0-9, '.', '-'.  The access key (43 characters) is\n"
    "written to --key-out (mode 0600) and shown nowhere else: the\n"
    "registry keeps only its SHA-256.\n"
    "disable: its key no longer authenticates (kept in the log).\n"
    "log: every access, refused ones too: seq, time, relying party, action,\n"
    "outcome, the serials asked about.\n";

static int rp_add(int argc, char **argv)
{
	const char *name = NULL, *key_out = NULL;
	bool link_signature = false;
	const struct cli_opt rows[] = {
	    {"name", CLI_TEXT, &name, 0, 0, NULL, NULL},
	    {"key-out", CLI_TEXT, &key_out, 0, 0, NULL, NULL},
	    {"link-signature", CLI_FLAG, &link_signature, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, rp_usage, "rp add", rows);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc || !name || !key_out)
		return cli_usage_error(rp_usage, "rp add: ID, --name and --key-out");
	struct jpki_err err;
	struct jpki_out out;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	char key[JPKI_LINK_KEY_LEN + 1];
	int64_t now;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 || cli_out_open(&out, key_out, 0600, &err) < 0)
		return cli_fail(&err);
	rc = jpki_link_rp_register(st, argv[optind], name, link_signature, now, key, &err);
	if (rc == 0) {
		key[JPKI_LINK_KEY_LEN] = '\n';
		rc = jpki_out_write(&out, key, JPKI_LINK_KEY_LEN + 1, &err);
		OPENSSL_cleanse(key, sizeof(key));
	}
	if (rc == 0)
		rc = jpki_out_commit(&out, &err);
	else
		jpki_out_abort(&out);
	if (rc < 0)
		return cli_fail(&err);
	printf("registered %s%s; its access key is in %s\n", argv[optind],
	       link_signature ? " (may link signature certificates)" : "", key_out);
	return 0;
}

static int print_rp(const struct jpki_rp_rec *r, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\n", r->id, r->may_link_signature ? "link-signature" : "pseudonym",
	       r->disabled_at ? "disabled" : "active", r->name);
	return 0;
}

static int print_log(const struct jpki_link_log_rec *l, void *arg)
{
	(void)arg;
	printf("%lld\t%lld\t%s\t%s\t%s\t%s\n", (long long)l->seq, (long long)l->at, l->rp_id,
	       l->action, l->outcome, l->detail);
	return 0;
}

/* rp list and rp log: no options, one line per row. */
static int rp_print(int argc, char **argv, bool log)
{
	int rc = cli_no_options(argc, argv, rp_usage, 0, log ? "rp log" : "rp list");
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	if (rc >= 0)
		return rc;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	rc = log ? st->ops->link_log_each(st, print_log, NULL, &err)
	         : st->ops->rp_each(st, print_rp, NULL, &err);
	return rc < 0 ? cli_fail(&err) : 0;
}

static int rp_list(int argc, char **argv)
{
	return rp_print(argc, argv, false);
}

static int rp_log(int argc, char **argv)
{
	return rp_print(argc, argv, true);
}

static int rp_disable(int argc, char **argv)
{
	int rc = cli_no_options(argc, argv, rp_usage, 1, "rp disable");
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	int64_t now;
	if (rc >= 0)
		return rc;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	    st->ops->rp_disable(st, argv[optind], now, &err) < 0)
		return cli_fail(&err);
	printf("disabled %s\n", argv[optind]);
	return 0;
}

int cmd_rp(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"add", rp_add, "register a relying party and make its access key"},
	    {"list", rp_list, "the registered relying parties"},
	    {"disable", rp_disable, "disable a relying party's access key"},
	    {"log", rp_log, "the linking service's access log"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("rp", cmds, rp_usage, argc, argv);
}
