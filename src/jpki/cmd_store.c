/*
 * cmd_store.c: `jpki store migrate --to SPEC`: the data folder's registry
 * copied to another engine and checked row for row (docs/deployment.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"

static const char usage[] =
    "usage: jpki store migrate --to postgresql://USER@HOST/DB\n"
    "\n"
    "migrate  copy the registry (the data folder's registry.sqlite, or the one\n"
    "         JPKI_STORE names) into a new registry at --to, an empty database:\n"
    "         every table (residents, certificates, CRL counters, the counter's\n"
    "         cases and audit log with its tree, receipts, forms, notices,\n"
    "         operators, approvals, security keys, relying parties), in one\n"
    "         transaction; then both are read again and compared row for row.\n"
    "         Stop `jpki serve` and every writer first: what they write during the\n"
    "         copy is not in it (the comparison then fails, and says where).\n"
    "         A move cut short (the process killed) commits nothing of the copy:\n"
    "         run it again; a database holding a registry is refused.\n"
    "         After it, set JPKI_STORE to --to for every command and the server;\n"
    "         keep the old registry as it is until the new one has served.\n"
    "         The password belongs in ~/.pgpass, never in --to.\n";

static void said(void *arg, const char *table, int64_t rows)
{
	(void)arg;
	printf("%-20s %" PRId64 " rows, checked\n", table, rows);
}

static int migrate(int argc, char **argv)
{
	const char *to = NULL;
	const struct cli_opt opts[] = {{"to", CLI_TEXT, &to, 0, 0, NULL, NULL},
	                               {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, usage, "store migrate", opts);
	if (rc >= 0)
		return rc;
	if (!to || optind != argc)
		return cli_usage_error(usage, "store migrate: --to SPEC, and nothing else");
	if (!jpki_store_spec_is_pg(to))
		return cli_usage_error(usage, "store migrate: --to names a PostgreSQL database "
		                              "(postgresql://...)");
	if (jpki_store_spec_has_password(to)) /* a command line is visible to every user */
		return cli_usage_error(usage, "store migrate: --to carries a password; put it in "
		                              "~/.pgpass (or PGPASSFILE) instead");
	if (strcmp(to, jpki_ctx_store(cli_ctx())) == 0)
		return cli_usage_error(usage, "store migrate: --to is the registry itself");
	_cleanup_(jpki_store_closep) struct jpki_store *src = NULL;
	_cleanup_(jpki_store_closep) struct jpki_store *dst = NULL;
	struct jpki_err err;
	if ((rc = cli_open_store(&src)) != 0)
		return rc;
	/* a database a move cut short holds the schema and nothing else: the move starts again */
	rc = jpki_store_create(cli_ctx(), to, &dst, &err);
	if (rc == -JPKI_E_EXISTS)
		rc = jpki_store_open(cli_ctx(), to, &dst, &err);
	if (rc < 0 || jpki_store_migrate(src, dst, said, NULL, &err) < 0)
		return cli_fail(&err);
	printf("the registry is copied and checked; set JPKI_STORE to the new one for every "
	       "command and the server\n");
	return 0;
}

int cmd_store(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"migrate", migrate, "copy the registry to PostgreSQL, checked row for row"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("store", cmds, usage, argc, argv);
}
