/*
 * cmd_cert.c: `jpki cert issue|bulk|list|show`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ca/issue.h"
#include "ca/pubkey.h"
#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "core/pem.h"

static const char usage[] =
    "usage: jpki cert issue --kind sign|auth --resident ID --pubkey FILE\n"
    "                       [--card-expiry YYYY-MM-DD] [--out FILE] [--replace]\n"
    "       jpki cert bulk --in FILE [--threads N] [--replace]\n"
    "       jpki cert revoke --reason REASON (SERIAL... | --list FILE)\n"
    "       jpki cert list [--resident ID]\n"
    "       jpki cert show SERIAL [--pem]\n"
    "\n"
    "issue   issue a certificate to a resident and record it.  FILE holds the\n"
    "        public key as PEM or DER SubjectPublicKeyInfo, or a PKCS#10 request.\n"
    "        The certificate is written as PEM to --out (- or absent: standard\n"
    "        output).  A file is written and synced before the record is\n"
    "        committed and renamed into place after: both happen or neither; a\n"
    "        path that cannot be written is refused before anything changes.\n"
    "        Rules: E2 (no signature certificate under 15 or for an adult ward),\n"
    "        C4 (validity), N1 (renewal window: 6th birthday), X1 (a current\n"
    "        certificate of the same kind is revoked as superseded).  A request\n"
    "        for the key of the current certificate is refused (a retry issues\n"
    "        nothing twice) unless --replace.\n"
    "bulk    issue many: each line of FILE is `KIND RESIDENT_ID PUBKEY_FILE\n"
    "        [CARD_EXPIRY]`; signs on N threads (default 2), records in batches,\n"
    "        prints one line per request (serial or error) and a summary.\n"
    "revoke  revoke on request, loss or by CA officers (see `jpki cert revoke --help`).\n"
    "list    one line per certificate: serial, kind, resident, status, notAfter.\n"
    "show    the registry record of one certificate; --pem adds the certificate.\n";

/* The certificate as PEM into the output, synced (not yet renamed into place). */
static int write_synced(void *arg, const struct jpki_issued *done, struct jpki_err *err)
{
	struct jpki_out *o = arg;
	char *pem = NULL;
	int rc = jpki_pem_encode("CERTIFICATE", done->rec.der, done->rec.der_len, &pem, err);
	if (rc == 0 && (rc = jpki_out_write(o, pem, strlen(pem), err)) == 0)
		rc = jpki_out_sync(o, err);
	free(pem);
	return rc;
}

static int issue(int argc, char **argv)
{
	struct jpki_issue_req req = {.kind = JPKI_KIND_AUTH};
	const char *pubkey = NULL, *out = NULL;
	bool have_kind = false;
	struct jpki_err err;
	const struct cli_opt opts[] = {
	    {"kind", CLI_CUSTOM, &req.kind, 0, 0, cli_opt_kind, &have_kind},
	    {"resident", CLI_ID, &req.resident_id, 0, 0, NULL, NULL},
	    {"pubkey", CLI_TEXT, &pubkey, 0, 0, NULL, NULL},
	    {"card-expiry", CLI_CUSTOM, &req.card_expiry, 0, 0, cli_opt_date, &req.has_card_expiry},
	    {"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	    {"replace", CLI_FLAG, &req.same_key_ok, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "cert issue", opts);
	if (prc >= 0)
		return prc;
	if (optind != argc)
		return cli_usage_error(usage, "cert issue: unexpected argument '%s'", argv[optind]);
	if (!have_kind || !req.resident_id || !pubkey)
		return cli_usage_error(usage, "cert issue: --kind, --resident and --pubkey are "
		                              "required");

	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = NULL;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_out o; /* a bad --out fails here, before anything is recorded */
	if (jpki_ctx_now(cli_ctx(), &req.now, &err) < 0 ||
	    jpki_pubkey_load(pubkey, &key, &err) < 0 ||
	    cli_out_open(&o, out ? out : "-", 0644, &err) < 0)
		return cli_fail(&err);
	if (cli_load_ca(req.kind, &ca) != 0 || cli_open_store(&st) != 0) {
		jpki_out_abort(&o);
		return 1;
	}
	req.subject_key = key;
	req.before_commit = o.direct ? NULL : write_synced; /* a file: on disk before the commit */
	req.before_commit_arg = &o;
	struct jpki_issued done;
	if (jpki_issue(st, ca, &req, &done, &err) < 0) {
		jpki_out_abort(&o);
		return cli_fail(&err);
	}
	/* recorded: a direct output (stdout, a device) is written now, a file renamed into place */
	int rc = o.direct ? write_synced(&o, &done, &err) : 0;
	if (rc == 0)
		rc = jpki_out_commit(&o, &err);
	else
		jpki_out_abort(&o);
	char na[26];
	jpki_time_format_jst(done.rec.not_after, na);
	fprintf(stderr, "issued %s certificate %s to resident %" PRId64 ", valid until %s%s\n",
	        jpki_kind_name(req.kind), done.rec.serial, req.resident_id, na,
	        done.rec.renewal ? " (renewal)" : "");
	if (done.superseded[0])
		fprintf(stderr, "revoked the previous certificate %s (superseded, rule X1)\n",
		        done.superseded);
	if (rc < 0)
		fprintf(stderr,
		        "jpki: the certificate is recorded; get it with `jpki cert show %s "
		        "--pem`\n",
		        done.rec.serial);
	jpki_issued_clear(&done);
	return rc < 0 ? cli_fail(&err) : 0;
}

static void print_rec(const struct jpki_cert_rec *c)
{
	char nb[26], na[26], ra[26];
	jpki_time_format_jst(c->not_before, nb);
	jpki_time_format_jst(c->not_after, na);
	printf("serial: %s\nkind: %s\nresident: %" PRId64 "\nsubject-cn: %s\n", c->serial,
	       jpki_kind_name(c->kind), c->resident_id, c->subject_cn);
	printf("not-before: %s\nnot-after: %s\nrenewal: %s\n", nb, na, c->renewal ? "yes" : "no");
	if (c->status == JPKI_CERT_REVOKED) {
		jpki_time_format_jst(c->revoked_at, ra);
		printf("status: revoked\nrevoked-at: %s\nreason: %s\n", ra,
		       jpki_reason_name(c->reason));
	} else {
		printf("status: valid\n");
	}
}

static int list_one(const struct jpki_cert_rec *c, void *arg)
{
	char na[26];
	jpki_time_format_jst(c->not_after, na);
	printf("%s\t%s\t%" PRId64 "\t%s\t%s\n", c->serial, jpki_kind_name(c->kind), c->resident_id,
	       c->status == JPKI_CERT_REVOKED ? jpki_reason_name(c->reason) : "valid", na);
	return 0;
}

static int list(int argc, char **argv)
{
	int64_t resident = 0;
	const struct cli_opt opts[] = {
	    {"resident", CLI_ID, &resident, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "cert list", opts);
	if (prc >= 0)
		return prc;
	if (optind != argc)
		return cli_usage_error(usage, "cert list: unexpected argument '%s'", argv[optind]);
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	if (cli_open_store(&st) != 0)
		return 1;
	return st->ops->cert_each(st, resident, list_one, NULL, &err) < 0 ? cli_fail(&err) : 0;
}

static int show(int argc, char **argv)
{
	bool pem = false;
	const struct cli_opt opts[] = {
	    {"pem", CLI_FLAG, &pem, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "cert show", opts);
	if (prc >= 0)
		return prc;
	if (optind + 1 != argc)
		return cli_usage_error(usage, "cert show: give one serial (hex)");
	const char *serial = argv[optind];
	if (strlen(serial) == 0 || strlen(serial) > 40 ||
	    strspn(serial, "0123456789ABCDEFabcdef") != strlen(serial))
		return cli_usage_error(usage, "cert show: '%s' is not a hex serial", serial);
	char upper[JPKI_SERIAL_HEX_MAX];
	for (size_t i = 0; i <= strlen(serial); i++)
		upper[i] =
		    (char)(serial[i] >= 'a' && serial[i] <= 'f' ? serial[i] - 32 : serial[i]);
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	struct jpki_cert_rec rec;
	if (cli_open_store(&st) != 0)
		return 1;
	if (st->ops->cert_get(st, upper, pem, &rec, &err) < 0)
		return cli_fail(&err);
	print_rec(&rec);
	if (pem) {
		char *text;
		if (jpki_pem_encode("CERTIFICATE", rec.der, rec.der_len, &text, &err) < 0) {
			jpki_cert_rec_clear(&rec);
			return cli_fail(&err);
		}
		fputs(text, stdout);
		free(text);
	}
	jpki_cert_rec_clear(&rec);
	return 0;
}

int cmd_cert(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"issue", issue, "issue a certificate"},
	    {"bulk", cmd_cert_bulk, "issue many certificates"},
	    {"revoke", cmd_cert_revoke, "revoke certificates"},
	    {"list", list, "list certificates"},
	    {"show", show, "show a certificate"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("cert", cmds, usage, argc, argv);
}
