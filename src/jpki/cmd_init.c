/*
 * cmd_init.c: `jpki init`, creating the data folder, both CAs and the registry.
 */
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "ca/crlnum.h"
#include "core/fsutil.h"
#include "ca/binding.h"
#include "tls/local_ca.h"

static const char usage[] =
    "usage: jpki init [--tls-name NAME]...\n"
    "\n"
    "Create the data folder ($JPKI_DATA, default ./var), the signature CA, the\n"
    "authentication CA and the resident registry, bound to each other (the\n"
    "registry records the CAs' fingerprints, each CA names the registry).\n"
    "Running it again changes nothing: an existing CA is checked (it must open\n"
    "with the passphrase) and never overwritten, and the registry must be the\n"
    "one of these CAs.  When the CAs exist but their registry is missing, init\n"
    "refuses: restore it (`jpki registry restore`) or, knowing that every\n"
    "certificate issued so far becomes unknown to it, make a new one (`jpki\n"
    "registry new`).  The CA keys are encrypted with JPKI_CA_PASSPHRASE (or the\n"
    "file named by JPKI_CA_PASSPHRASE_FILE).\n"
    "\n"
    "HTTPS (docs/operations.md, \"HTTPS\"): init also makes, in <data>/tls/, a\n"
    "local TLS CA of its own (ca.pem; its key ca-key.pem encrypted with the same\n"
    "passphrase; never one of the JPKI CAs) and a certificate for `jpki serve\n"
    "--tls-listen` (cert.pem, the chain; key.pem unencrypted, mode 0600) valid for\n"
    "397 days, for the names --tls-name gives (repeatable: host names, IP\n"
    "addresses; default localhost and 127.0.0.1).  Trust ca.pem (curl --cacert\n"
    "<data>/tls/ca.pem).  An existing certificate is kept, whatever the names:\n"
    "`jpki tls renew` makes a new one, when due or for other names.  A cert.pem\n"
    "and key.pem there that no local CA issued (an older `make run`'s, or your\n"
    "own) are kept and no CA is made.  Dates follow the machine's clock, not\n"
    "JPKI_NOW.\n";

/* A CA that names a registry or has issued CRLs has served: its registry is not to be made anew. */
static bool ca_has_served(enum jpki_kind kind, char named[JPKI_REGISTRY_ID_HEX])
{
	int64_t last = 0;
	named[0] = '\0';
	return jpki_binding_ca_registry(cli_ctx(), kind, named, NULL) == 0 ||
	       (jpki_crl_number_last(cli_ctx(), kind, &last, NULL) == 0 && last > 0);
}

static int init_registry(void)
{
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	char path[4096];
	bool created = false;
	if (jpki_store_default_name(cli_ctx(), path, sizeof(path), &err) < 0)
		return cli_fail(&err);
	int rc = jpki_store_open_default(cli_ctx(), &st, &err);
	if (rc == -JPKI_E_NOT_FOUND) {
		for (int k = 0; k < 2; k++) {
			char named[JPKI_REGISTRY_ID_HEX];
			if (ca_has_served((enum jpki_kind)k, named))
				return cli_fail_msg(
				    "the CAs exist but their registry %s is missing at %s: "
				    "restore it from a backup (jpki registry restore FILE), or "
				    "make a new one knowing that every certificate issued so far "
				    "becomes unknown to it (jpki registry new)",
				    named[0] ? named : "(unnamed)", path);
		}
		rc = jpki_store_create_default(cli_ctx(), &st, &err);
		created = rc == 0;
	}
	if (rc < 0 || jpki_binding_check(cli_ctx(), st, JPKI_BINDING_COMPLETE, NULL, &err) < 0)
		return cli_fail(&err);
	printf("registry %s: %s\n", created ? "created" : "exists", path);
	return 0;
}

/* The local TLS CA and the server's certificate, after the CAs and their registry. */
static int init_tls(const char *pass, const struct jpki_tls_names *names)
{
	struct jpki_err err;
	struct jpki_tls_status st;
	/* the machine's clock, not JPKI_NOW: TLS clients check the dates against the real time */
	if (jpki_tls_init(cli_ctx(), (int64_t)time(NULL), pass, names, &st, &err) < 0)
		return cli_fail(&err);
	tls_report(&st, false);
	return 0;
}

int cmd_init(int argc, char **argv)
{
	struct jpki_tls_names names = {0};
	bool named = false;
	const struct cli_opt opts[] = {
	    {"tls-name", CLI_CUSTOM, &names, 0, 0, cli_opt_tls_name, &named},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, usage, "init", opts);
	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cli_usage_error(usage, "init: unexpected argument '%s'", argv[optind]);
	struct jpki_err err;
	char pass[1024];
	int64_t now;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	    jpki_mkdir_p(jpki_ctx_data_dir(cli_ctx()), &err) < 0 ||
	    cli_passphrase(pass, sizeof(pass), &err) < 0)
		return cli_fail(&err);
	for (int k = 0; k < 2; k++) {
		bool created;
		if (jpki_ca_init(cli_ctx(), (enum jpki_kind)k, now, pass, &created, &err) < 0) {
			OPENSSL_cleanse(pass, sizeof(pass));
			return cli_fail(&err);
		}
		char path[4096];
		if (jpki_ca_path(cli_ctx(), (enum jpki_kind)k, "cert.pem", path, sizeof(path),
		                 NULL) < 0) /* cannot be: jpki_ca_init built the same path */
			snprintf(path, sizeof(path), "(a path too long to show)");
		printf("%s CA %s: %s\n", jpki_kind_name((enum jpki_kind)k),
		       created ? "created" : "exists", path);
	}
	rc = init_registry();
	if (rc == 0)
		rc = init_tls(pass, named ? &names : NULL);
	OPENSSL_cleanse(pass, sizeof(pass));
	return rc;
}
