/*
 * cmd_registry.c: `jpki registry check|backup|restore|new`, the registry as a file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ca/crlnum.h"
#include "cli.h"
#include "commands.h"
#include "core/fsutil.h"
#include "ca/binding.h"

static const char usage[] =
    "usage: jpki registry check\n"
    "       jpki registry backup FILE\n"
    "       jpki registry restore FILE\n"
    "       jpki registry new\n"
    "\n"
    "check    the registry's integrity (SQLite's integrity_check), that it belongs\n"
    "         to the data folder's CAs, and its CRL counters against the last\n"
    "         numbers the CAs issued.  Prints one line per fact, exit 1 on a fault.\n"
    "backup   a consistent copy into FILE (new; mode 0600), taken while other\n"
    "         processes, `jpki serve` included, go on using the registry.\n"
    "restore  replace the registry's content with FILE, a backup of this same\n"
    "         registry (its id and CAs must match; it is checked first).  The\n"
    "         CRL counters are raised above the last numbers the CAs issued.\n"
    "         Revocations made after the backup was taken are lost: redo them.\n"
    "         Stop `jpki serve` first and start it again after.\n"
    "new      a new, empty registry for the existing CAs, when their registry\n"
    "         is lost and no backup exists.  Every certificate issued so far\n"
    "         becomes unknown to it (OCSP answers \"unknown\", CRLs list nothing\n"
    "         revoked before).  There must be no registry file (move a damaged\n"
    "         one away first, never delete it).  CRL numbers go on from the\n"
    "         last ones the CAs issued.\n";

/* Raise each CA's counter in the registry to the last number it issued. */
static int floor_counters(struct jpki_store *st, struct jpki_err *err)
{
	for (int k = 0; k < 2; k++) {
		int64_t last;
		int rc;
		if ((rc = jpki_crl_number_last(cli_ctx(), (enum jpki_kind)k, &last, err)) < 0 ||
		    (rc = st->ops->crl_number_floor(st, (enum jpki_kind)k, last, err)) < 0)
			return rc;
	}
	return 0;
}

static int check(int argc, char **argv)
{
	int rc = cli_no_options(argc, argv, usage, 0, "registry check");
	if (rc >= 0)
		return rc;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	char id[JPKI_REGISTRY_ID_HEX];
	if (jpki_store_open_default(cli_ctx(), &st, &err) < 0 || st->ops->check(st, &err) < 0)
		return cli_fail(&err);
	printf("integrity: ok\n");
	if (jpki_binding_check(cli_ctx(), st, JPKI_BINDING_CHECK, id, &err) < 0)
		return cli_fail(&err);
	printf("registry: %s, bound to both CAs\n", id);
	int faults = 0;
	for (int k = 0; k < 2; k++) {
		enum jpki_kind kind = (enum jpki_kind)k;
		int64_t last, counter;
		if (jpki_crl_number_last(cli_ctx(), kind, &last, &err) < 0 ||
		    st->ops->crl_number_get(st, kind, &counter, &err) < 0)
			return cli_fail(&err);
		printf("%s CA: last cRLNumber %" PRId64 ", registry counter %" PRId64 "%s\n",
		       jpki_kind_name(kind), last, counter,
		       counter < last
		           ? " (BEHIND: an old copy of the registry? see docs/operations.md)"
		           : "");
		faults += counter < last;
	}
	return faults ? 1 : 0;
}

static int backup(int argc, char **argv)
{
	int rc = cli_no_options(argc, argv, usage, 1, "registry backup");
	if (rc >= 0)
		return rc;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	const char *path = argv[optind];
	if (cli_open_store(&st) != 0)
		return 1;
	if (st->ops->backup(st, path, &err) < 0)
		return cli_fail(&err);
	printf("%s\n", path);
	return 0;
}

/* Open a copy of the backup (a backup file is never written to): whole, and of these CAs. */
static int check_backup(const char *copy, struct jpki_err *err)
{
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	int rc;
	if ((rc = jpki_store_open(cli_ctx(), copy, &st, err)) < 0 ||
	    (rc = st->ops->check(st, err)) < 0)
		return rc;
	if ((rc = jpki_binding_check(cli_ctx(), st, JPKI_BINDING_CHECK, NULL, err)) < 0)
		return jpki_fail(err, JPKI_E_STATE, "not a backup of this registry: %s", err->msg);
	return 0;
}

static void remove_copy(const char *copy)
{
	static const char *const sides[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[4200];
		snprintf(p, sizeof(p), "%s%s", copy, sides[i]);
		unlink(p);
	}
}

static int restore_into(const char *copy, struct jpki_err *err)
{
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	int rc = jpki_store_open_default(cli_ctx(), &st, err);
	if (rc == -JPKI_E_NOT_FOUND)
		rc = jpki_store_create_default(cli_ctx(), &st, err);
	if (rc < 0 && rc != -JPKI_E_STATE) /* STATE: an empty file, which the restore fills */
		return rc;
	if (rc == -JPKI_E_STATE)
		return jpki_fail(err, JPKI_E_STATE,
		                 "%s; move the empty registry file away, then restore", err->msg);
	if ((rc = st->ops->restore(st, copy, err)) < 0 ||
	    (rc = jpki_binding_check(cli_ctx(), st, JPKI_BINDING_CHECK, NULL, err)) < 0)
		return rc;
	return floor_counters(st, err);
}

static int restore(int argc, char **argv)
{
	int rc = cli_no_options(argc, argv, usage, 1, "registry restore");
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s/registry.restore.%ld", jpki_ctx_data_dir(cli_ctx()),
	         (long)getpid());
	remove_copy(copy);
	rc = jpki_copy_file(argv[optind], copy, 0600, &err);
	if (rc == 0)
		rc = check_backup(copy, &err);
	if (rc == 0)
		rc = restore_into(copy, &err);
	remove_copy(copy);
	if (rc < 0)
		return cli_fail(&err);
	printf("restored %s; revocations made after this backup was taken are lost: redo them\n",
	       argv[optind]);
	return 0;
}

static int make_new(int argc, char **argv)
{
	int rc = cli_no_options(argc, argv, usage, 0, "registry new");
	if (rc >= 0)
		return rc;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	char id[JPKI_REGISTRY_ID_HEX];
	if (jpki_store_create_default(cli_ctx(), &st, &err) < 0) {
		if (err.code == JPKI_E_EXISTS)
			return cli_fail_msg(
			    "%s; `registry new` never replaces a registry: move the "
			    "file away first if it is damaged",
			    err.msg);
		return cli_fail(&err);
	}
	if (jpki_binding_check(cli_ctx(), st, JPKI_BINDING_REBIND, id, &err) < 0 ||
	    floor_counters(st, &err) < 0)
		return cli_fail(&err);
	printf("new registry %s for the existing CAs; the certificates they issued before are "
	       "unknown to it\n",
	       id);
	return 0;
}

int cmd_registry(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"check", check, "check the registry"},
	    {"backup", backup, "back it up while in use"},
	    {"restore", restore, "restore a backup"},
	    {"new", make_new, "a new registry for existing CAs"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("registry", cmds, usage, argc, argv);
}
