/*
 * cmd_tls.c: `jpki tls renew`, the HTTPS server certificate of `jpki serve`
 * (tls/local_ca.h), and what `jpki init` shares with it: --tls-name and the report.
 */
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "tls/local_ca.h"

static const char usage[] =
    "usage: jpki tls renew [--tls-name NAME]... [--within DAYS] [--force]\n"
    "\n"
    "The HTTPS certificate of `jpki serve --tls-listen` in <data>/tls/, issued by\n"
    "the local TLS CA that `jpki init` made there (docs/operations.md, \"HTTPS\").\n"
    "\n"
    "renew: a new server key and certificate (397 days) when the current one ends\n"
    "within DAYS (0 to 3650, default 30), is for other names than --tls-name\n"
    "(default: its own names), is missing or incomplete, or always with --force;\n"
    "otherwise it says so and changes nothing (so it can run every day from cron).\n"
    "--tls-name NAME, repeatable: a host name (an IDN as xn--...) or an IP address\n"
    "(an iPAddress entry), at most 16.  A certificate there that the local CA did\n"
    "not issue (an older `make run`'s self-signed one, or your own) is replaced\n"
    "only with --force; the local CA is made first when there is none.  The\n"
    "previous pair is kept as cert.pem.old and key.pem.old.  Restart `jpki serve`\n"
    "to serve the new certificate.  The local CA's key is encrypted with\n"
    "JPKI_CA_PASSPHRASE (or the file named by JPKI_CA_PASSPHRASE_FILE).  Dates\n"
    "follow the machine's clock, not JPKI_NOW: TLS clients judge them by it.\n";

int cli_opt_tls_name(const char *value, void *dst, struct jpki_err *err)
{
	return jpki_tls_names_add(dst, value, err);
}

void tls_report(const struct jpki_tls_status *st, bool renewing)
{
	char names[JPKI_TLS_NAMES_MAX * (JPKI_TLS_NAME_LEN + 2)], until[26];
	jpki_tls_names_format(&st->names, names, sizeof(names));
	jpki_time_format_jst(st->not_after, until);
	if (st->outcome == JPKI_TLS_FOREIGN) {
		printf("TLS certificate kept: %s (not issued by a local TLS CA of jpki; `jpki tls "
		       "renew --force` replaces it with one that is)\n",
		       st->paths.cert);
		return;
	}
	printf("TLS CA %s: %s (what browsers and curl --cacert trust)\n",
	       st->ca_created ? "created" : "exists", st->paths.ca_cert);
	switch (st->outcome) {
	case JPKI_TLS_CREATED:
		printf("TLS certificate created: %s for %s, until %s\n", st->paths.cert, names,
		       until);
		break;
	case JPKI_TLS_RENEWED:
		printf("TLS certificate renewed: %s for %s, until %s (the previous one is "
		       "cert.pem.old; restart jpki serve)\n",
		       st->paths.cert, names, until);
		break;
	case JPKI_TLS_KEPT:
		printf("TLS certificate %s: %s for %s, until %s\n", renewing ? "not due" : "exists",
		       st->paths.cert, names, until);
		if (st->other_names)
			printf("  (not for the names asked: `jpki tls renew --tls-name NAME...` "
			       "makes one for them)\n");
		break;
	case JPKI_TLS_FOREIGN:
		break;
	}
}

static int tls_renew(int argc, char **argv)
{
	struct jpki_tls_names names = {0};
	bool named = false, force = false;
	unsigned long within_days = JPKI_TLS_RENEW_WITHIN_DEFAULT / 86400;
	const struct cli_opt opts[] = {
	    {"tls-name", CLI_CUSTOM, &names, 0, 0, cli_opt_tls_name, &named},
	    {"within", CLI_UINT, &within_days, 0, 3650, NULL, NULL},
	    {"force", CLI_FLAG, &force, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, usage, "tls renew", opts);
	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cli_usage_error(usage, "tls renew: unexpected argument '%s'", argv[optind]);
	struct jpki_err err;
	struct jpki_tls_status st;
	char pass[1024];
	if (cli_passphrase(pass, sizeof(pass), &err) < 0)
		return cli_fail(&err);
	/* the machine's clock, not JPKI_NOW: browsers check the dates against the real time */
	rc = jpki_tls_renew(cli_ctx(), (int64_t)time(NULL), pass, named ? &names : NULL,
	                    (int64_t)within_days * 86400, force, &st, &err);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc < 0)
		return cli_fail(&err);
	tls_report(&st, true);
	return 0;
}

int cmd_tls(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"renew", tls_renew, "a new HTTPS certificate when due"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("tls", cmds, usage, argc, argv);
}
