/*
 * cmd_verify.c: `jpki verify`, a signature judged years later and its
 * signer named (jpki/verify.h, docs/relying-party.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/ca.h"
#include "cli.h"
#include "commands.h"
#include "core/fsutil.h"
#include "jpki/verify.h"
#include "opts.h"
#include "sig/cades.h"

static const char verify_usage[] =
    "usage: jpki verify SIG [FILE] [--trust CAS.pem] [--offline] [--at TIME] [--json]\n"
    "\n"
    "Verify the CAdES signature SIG (DER or PEM; FILE is the signed document when it\n"
    "is detached), or the enveloped XML signature in the XML file SIG (alone): the\n"
    "signature and its message digest, the signer's certificate\n"
    "(named by the signer identifier and by signing-certificate-v2), its path to a\n"
    "trusted signature CA at the signing time, nonRepudiation and the signature\n"
    "certificate policy, the signature time-stamp, and revocation: by OCSP with a\n"
    "nonce, else the certificate's CRL partition and delta, else what the signature\n"
    "embeds (--offline: only that).  A signature time-stamped before its certificate\n"
    "was revoked (a move revokes it) stays valid and says when and why.\n"
    "\n"
    "--trust: the trusted CA certificates (PEM, every generation accepted, which also\n"
    "certify the TSA); default the data folder's signature CA.  --at: the validation\n"
    "time (YYYY-MM-DDTHH:MM:SS+09:00), default now.  --json: SiVa-shaped JSON.\n"
    "\n"
    "Exit status: 0 TOTAL-PASSED, 4 TOTAL-FAILED, 5 revoked (REVOKED or\n"
    "REVOKED_NO_POE), 6 INDETERMINATE, 1 no verification could run, 2 usage.\n";

enum { EXIT_PASSED = 0, EXIT_FAILED = 4, EXIT_REVOKED = 5, EXIT_INDETERMINATE = 6 };

static int exit_of(const struct jpki_report *r)
{
	const char *sub = jpki_report_subindication(r);
	if (strcmp(sub, "REVOKED") == 0 || strcmp(sub, "REVOKED_NO_POE") == 0)
		return EXIT_REVOKED;
	switch (jpki_report_indication(r)) {
	case JPKI_TOTAL_PASSED:
		return EXIT_PASSED;
	case JPKI_TOTAL_FAILED:
		return EXIT_FAILED;
	default:
		return EXIT_INDETERMINATE;
	}
}

static int trust(struct jpki_verifier *v, const char *path, struct jpki_err *err)
{
	_cleanup_(freep) uint8_t *buf = NULL;
	size_t len = 0;
	int rc = cli_read_trust(path, JPKI_KIND_SIGN, &buf, &len, err);
	return rc < 0 ? rc : jpki_verifier_trust(v, buf, len, err);
}

static int parse_at(const char *value, void *dst, struct jpki_err *err)
{
	return jpki_time_parse(value, dst, err);
}

int cmd_verify(int argc, char **argv)
{
	const char *trust_path = NULL;
	bool offline = false, json = false, has_at = false;
	int64_t at = 0;
	const struct cli_opt rows[] = {
	    {"trust", CLI_TEXT, &trust_path, 0, 0, NULL, NULL},
	    {"offline", CLI_FLAG, &offline, 0, 0, NULL, NULL},
	    {"json", CLI_FLAG, &json, 0, 0, NULL, NULL},
	    {"at", CLI_CUSTOM, &at, 0, 0, parse_at, &has_at},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, verify_usage, "verify", rows);
	if (rc >= 0)
		return rc;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(verify_usage, "verify: SIG [FILE]");
	const char *sig_path = argv[optind],
	           *doc_path = argc - optind == 2 ? argv[optind + 1] : NULL;
	struct jpki_err err;
	_cleanup_(freep) uint8_t *sig = NULL;
	_cleanup_(freep) uint8_t *doc = NULL;
	size_t sig_len = 0, doc_len = 0;
	if (jpki_read_file(sig_path, JPKI_SIG_DOC_MAX, &sig, &sig_len, &err) < 0 ||
	    (doc_path && jpki_read_file(doc_path, JPKI_SIG_CONTENT_MAX, &doc, &doc_len, &err) < 0))
		return cli_fail(&err);
	struct jpki_verifier *v = NULL;
	struct jpki_report *r = NULL;
	if (jpki_verifier_new(&v, &err) < 0 || trust(v, trust_path, &err) < 0) {
		jpki_verifier_free(v);
		return cli_fail(&err);
	}
	jpki_verifier_set_revocation(v, offline ? JPKI_REVOCATION_OFFLINE : JPKI_REVOCATION_ONLINE);
	if (!has_at && jpki_ctx_now(cli_ctx(), &at, &err) < 0) {
		jpki_verifier_free(v);
		return cli_fail(&err);
	}
	jpki_verifier_set_time(v, at);
	rc = jpki_verify(v, sig, sig_len, doc_path ? doc : NULL, doc_len, &r, &err);
	jpki_verifier_free(v);
	if (rc < 0)
		return cli_fail(&err);
	char *out = json ? jpki_report_json(r) : jpki_report_text(r);
	if (!out) {
		jpki_report_free(r);
		return cli_fail_msg("out of memory");
	}
	fputs(out, stdout);
	if (json)
		fputc('\n', stdout);
	free(out);
	rc = exit_of(r);
	jpki_report_free(r);
	return rc;
}
