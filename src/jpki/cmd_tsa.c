/*
 * cmd_tsa.c: `jpki tsa`, the time-stamping authority from the command line
 * (docs/tsa.md): answer a request file, print the TSA's certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "cli.h"
#include "commands.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "opts.h"
#include "tsa/tsa.h"

static const char tsa_usage[] =
    "usage: jpki tsa respond --in REQUEST.tsq --out REPLY.tsr\n"
    "       jpki tsa cert [--out FILE.pem]\n"
    "\n"
    "The service's RFC 3161 time-stamping authority, certified by the signature CA\n"
    "(its key under <data>/tsa/sign/, issued on first use and renewed 30 days before\n"
    "its end; needs the CA passphrase).  `respond` answers a TimeStampReq (DER, as\n"
    "`openssl ts -query` makes it) with a TimeStampResp: a token with the policy\n" JPKI_TSA_POLICY
    ",\n"
    "an accuracy of 1 second, the request's nonce and a serial that only grows; a\n"
    "request we cannot honour gets a rejection (status and failInfo).  `openssl ts\n"
    "-verify` checks the tokens with the signature CA's certificate.\n";

static int open_tsa(struct jpki_store **st, struct jpki_tsa **t)
{
	struct jpki_err err;
	char pass[1024];
	int64_t now;
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = NULL;
	int rc = cli_passphrase(pass, sizeof(pass), &err);
	if (rc == 0)
		rc = jpki_ca_load(cli_ctx(), JPKI_KIND_SIGN, pass, &ca, &err);
	if (rc == 0)
		rc = jpki_ctx_now(cli_ctx(), &now, &err);
	if (rc < 0) {
		OPENSSL_cleanse(pass, sizeof(pass));
		return cli_fail(&err);
	}
	if ((rc = cli_open_store(st)) != 0) {
		OPENSSL_cleanse(pass, sizeof(pass));
		return rc;
	}
	rc = jpki_tsa_open(ca, pass, now, *st, t, &err);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc < 0) {
		jpki_store_close(*st);
		*st = NULL;
		return cli_fail(&err);
	}
	return 0;
}

static int tsa_respond(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	const struct cli_opt rows[] = {
	    {"in", CLI_TEXT, &in, 0, 0, NULL, NULL},
	    {"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, tsa_usage, "tsa respond", rows);
	if (rc >= 0)
		return rc;
	if (!in || !out || optind != argc)
		return cli_usage_error(tsa_usage, "tsa respond: --in REQUEST --out REPLY");
	struct jpki_err err;
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, resp_len = 0;
	int64_t now;
	if (jpki_read_file(in, JPKI_TSA_REQUEST_MAX, &req, &len, &err) < 0)
		return cli_fail(&err);
	struct jpki_store *st = NULL;
	struct jpki_tsa *t = NULL;
	if ((rc = open_tsa(&st, &t)) == 0) {
		if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
		    jpki_tsa_respond(t, now, req, len, &resp, &resp_len, &err) < 0 ||
		    cli_write_out(out, resp, resp_len, 0644, &err) < 0)
			rc = cli_fail(&err);
	}
	free(req);
	free(resp);
	jpki_tsa_free(t);
	jpki_store_close(st);
	return rc;
}

static int tsa_cert(int argc, char **argv)
{
	const char *out = NULL;
	const struct cli_opt rows[] = {
	    {"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, tsa_usage, "tsa cert", rows);
	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cli_usage_error(tsa_usage, "tsa cert: unexpected argument '%s'",
		                       argv[optind]);
	struct jpki_store *st = NULL;
	struct jpki_tsa *t = NULL;
	struct jpki_err err;
	if ((rc = open_tsa(&st, &t)) != 0)
		return rc;
	_cleanup_(BIOp) BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n = b && PEM_write_bio_X509(b, jpki_tsa_cert(t)) == 1 ? BIO_get_mem_data(b, &pem) : 0;
	if (n <= 0)
		rc = cli_fail_msg("cannot encode the TSA certificate\n");
	else if (out && cli_write_out(out, pem, (size_t)n, 0644, &err) < 0)
		rc = cli_fail(&err);
	else if (!out)
		fwrite(pem, 1, (size_t)n, stdout);
	jpki_tsa_free(t);
	jpki_store_close(st);
	return rc;
}

int cmd_tsa(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"respond", tsa_respond, "answer a time-stamp request"},
	    {"cert", tsa_cert, "the TSA's certificate"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("tsa", cmds, tsa_usage, argc, argv);
}
