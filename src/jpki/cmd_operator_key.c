/*
 * cmd_operator_key.c: `jpki operator key`, the operators' FIDO2 security
 * keys (operator/webauthn.h, docs/operators.md "Security keys"): a fresh
 * challenge, a registration and an assertion read from the files a browser
 * (or tests/integration/webauthn_authenticator.py) produced, the list of an
 * operator's keys, disabling one.  The web UI to come does the same through
 * the library; this is for officers' scripts and the tests.  Passwords come
 * from a file or the prompt, never the command line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "core/base64.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/ossl.h"
#include "operator/webauthn.h"
#include "opts.h"
#include "secret.h"

static const char key_usage[] =
    "usage: jpki operator key challenge\n"
    "       jpki operator key register ID --rp-id RPID --origin ORIGIN --challenge B64URL\n"
    "                 --client-data F --attestation F [--label TEXT]\n"
    "                 --by ID [--by-password-file F]\n"
    "       jpki operator key assert ID --rp-id RPID --origin ORIGIN --challenge B64URL\n"
    "                 --credential-id F --client-data F --authenticator-data F\n"
    "                 --signature F\n"
    "       jpki operator key list ID\n"
    "       jpki operator key disable N --by OFFICER [--by-password-file F]\n"
    "\n"
    "Operators' FIDO2 security keys, WebAuthn Level 2 (docs/operators.md).  challenge\n"
    "prints 32 fresh random bytes in base64url.  register checks a browser's\n"
    "clientDataJSON and attestationObject (files of raw bytes; formats none and\n"
    "packed, keys ES256 or EdDSA) against the relying party ID, the exact origin\n"
    "and the challenge, and records the key for operator ID: --by is the operator\n"
    "themself while they have no enabled key, or a CA officer.  assert verifies an\n"
    "assertion (the second factor after the password) and the key's sign counter.\n"
    "disable (a CA officer; never their own key) keeps the key, disabled.  Once an\n"
    "operator has an enabled key, a password alone no longer logs them in.  Every\n"
    "step, refusals too, is an audit entry.  A refusal exits 4.\n";

static int64_t now_of(void)
{
	int64_t now;
	struct jpki_err err;
	return jpki_ctx_now(cli_ctx(), &now, &err) < 0 ? (int64_t)time(NULL) : now;
}

static int done(int rc, const struct jpki_err *err)
{
	if (rc == 0)
		return 0;
	bool refusal = rc == -JPKI_E_UNAUTHENTICATED || rc == -JPKI_E_DENIED ||
	               rc == -JPKI_E_STATE || rc == -JPKI_E_EXISTS || rc == -JPKI_E_INVALID ||
	               rc == -JPKI_E_BAD_KEY || rc == -JPKI_E_LIMIT;
	if (refusal) {
		fprintf(stderr, "jpki: refused: %s\n", err->msg);
		return 4;
	}
	return cli_fail(err);
}

/* 43 characters of unpadded base64url (RFC 4648 §5) as the 32 bytes of a challenge. */
static int challenge_parse(const char *value, void *dst, struct jpki_err *err)
{
	char b64[45];
	uint8_t *raw = NULL;
	size_t n = 0;
	if (strlen(value) != 43)
		return jpki_fail(err, JPKI_E_INVALID, "a challenge is 43 characters of base64url");
	for (int i = 0; i < 43; i++) {
		char c = value[i];
		if (c == '+' || c == '/' || c == '=')
			return jpki_fail(err, JPKI_E_INVALID, "a challenge is base64url");
		b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	b64[43] = '=', b64[44] = '\0';
	if (jpki_base64_decode(b64, 44, false, &raw, &n) < 0 || n != 32) {
		free(raw);
		return jpki_fail(err, JPKI_E_INVALID, "a challenge is 32 bytes in base64url");
	}
	memcpy(dst, raw, 32);
	free(raw);
	return 0;
}

struct blob {
	uint8_t *p;
	size_t n;
};

static void blob_free(struct blob *b)
{
	free(b->p);
}

/* The files named, read (at most 64 KiB each: the library says what is too long). */
static int read_all(const char *const *paths, struct blob *out, size_t count, struct jpki_err *err)
{
	for (size_t i = 0; i < count; i++) {
		int rc = jpki_read_file(paths[i], 65536, &out[i].p, &out[i].n, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int key_challenge(int argc, char **argv)
{
	const struct cli_opt rows[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, key_usage, "operator key challenge", rows);
	if (rc >= 0)
		return rc;
	uint8_t c[32];
	char b64[44];
	struct jpki_err err;
	if (jpki_webauthn_challenge(c, &err) < 0)
		return cli_fail(&err);
	jpki_base64url_32(c, b64);
	printf("%s\n", b64);
	return 0;
}

static int by_file(const char *value, void *dst, struct jpki_err *err)
{
	(void)err;
	((struct cli_secret *)dst)->file = value;
	return 0;
}

static int key_register(int argc, char **argv)
{
	const char *rp_id = NULL, *origin = NULL, *cd = NULL, *att = NULL, *label = NULL,
	           *by = NULL;
	uint8_t chal[32];
	bool have_chal = false;
	struct cli_secret pw = {0};
	char pw_buf[JPKI_PASSWORD_MAX + 2];
	const struct cli_opt rows[] = {
	    {"rp-id", CLI_TEXT, &rp_id, 0, 0, NULL, NULL},
	    {"origin", CLI_TEXT, &origin, 0, 0, NULL, NULL},
	    {"challenge", CLI_CUSTOM, chal, 0, 0, challenge_parse, &have_chal},
	    {"client-data", CLI_TEXT, &cd, 0, 0, NULL, NULL},
	    {"attestation", CLI_TEXT, &att, 0, 0, NULL, NULL},
	    {"label", CLI_TEXT, &label, 0, 0, NULL, NULL},
	    {"by", CLI_TEXT, &by, 0, 0, NULL, NULL},
	    {"by-password-file", CLI_CUSTOM, &pw, 0, 0, by_file, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, key_usage, "operator key register", rows);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc || !rp_id || !origin || !have_chal || !cd || !att || !by)
		return cli_usage_error(key_usage,
		                       "operator key register: ID, --rp-id, --origin, "
		                       "--challenge, --client-data, --attestation, --by");
	struct jpki_err err;
	struct blob b[2] = {{0}};
	const char *paths[] = {cd, att};
	if (read_all(paths, b, 2, &err) < 0) {
		blob_free(&b[0]), blob_free(&b[1]);
		return cli_fail(&err);
	}
	if ((rc = cli_secret_read(&pw, "your password", pw_buf, sizeof(pw_buf))) != 0) {
		blob_free(&b[0]), blob_free(&b[1]);
		return rc;
	}
	const struct jpki_webauthn_rp rp = {rp_id, origin};
	const struct jpki_actor actor = {by, pw_buf, false};
	const struct jpki_webauthn_attestation resp = {b[0].p, b[1].p, b[0].n, b[1].n};
	int64_t id = 0;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_webauthn_register(st, &rp, &actor, argv[optind], label, chal, &resp,
		                            now_of(), &id, &err);
	OPENSSL_cleanse(pw_buf, sizeof(pw_buf));
	blob_free(&b[0]), blob_free(&b[1]);
	if (rc > 0)
		return rc;
	if (rc == 0)
		printf("key %" PRId64 " registered for %s\n", id, argv[optind]);
	return done(rc, &err);
}

static int key_assert(int argc, char **argv)
{
	const char *rp_id = NULL, *origin = NULL, *paths[4] = {NULL};
	uint8_t chal[32];
	bool have_chal = false;
	const struct cli_opt rows[] = {
	    {"rp-id", CLI_TEXT, &rp_id, 0, 0, NULL, NULL},
	    {"origin", CLI_TEXT, &origin, 0, 0, NULL, NULL},
	    {"challenge", CLI_CUSTOM, chal, 0, 0, challenge_parse, &have_chal},
	    {"credential-id", CLI_TEXT, &paths[0], 0, 0, NULL, NULL},
	    {"client-data", CLI_TEXT, &paths[1], 0, 0, NULL, NULL},
	    {"authenticator-data", CLI_TEXT, &paths[2], 0, 0, NULL, NULL},
	    {"signature", CLI_TEXT, &paths[3], 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, key_usage, "operator key assert", rows);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc || !rp_id || !origin || !have_chal || !paths[0] || !paths[1] ||
	    !paths[2] || !paths[3])
		return cli_usage_error(key_usage,
		                       "operator key assert: ID, --rp-id, --origin, --challenge, "
		                       "--credential-id, --client-data, --authenticator-data, "
		                       "--signature");
	struct jpki_err err;
	struct blob b[4] = {{0}};
	rc = read_all(paths, b, 4, &err);
	const struct jpki_webauthn_rp rp = {rp_id, origin};
	const struct jpki_webauthn_assertion resp = {
	    .credential_id = b[0].p,
	    .credential_id_len = b[0].n,
	    .client_data_json = b[1].p,
	    .client_data_len = b[1].n,
	    .authenticator_data = b[2].p,
	    .authenticator_data_len = b[2].n,
	    .signature = b[3].p,
	    .signature_len = b[3].n,
	};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if (rc == 0 && (rc = cli_open_store(&st)) == 0)
		rc = jpki_webauthn_assert(st, &rp, argv[optind], chal, &resp, now_of(), &err);
	for (int i = 0; i < 4; i++)
		blob_free(&b[i]);
	if (rc > 0)
		return rc;
	if (rc == 0)
		printf("ok %s: security key verified\n", argv[optind]);
	return done(rc, &err);
}

static int print_key(const struct jpki_credential_rec *c, void *arg)
{
	(void)arg;
	char aaguid[33];
	jpki_hex_encode(c->aaguid, 16, aaguid);
	printf("%" PRId64 "\t%s\t%s\tcount %" PRIu32 "\t%s\tby %s\t%s\n", c->id,
	       c->disabled_at ? "disabled" : "enabled", c->alg == -7 ? "ES256" : "EdDSA",
	       c->sign_count, aaguid, c->created_by, c->label);
	return 0;
}

static int key_list(int argc, char **argv)
{
	const struct cli_opt rows[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, key_usage, "operator key list", rows);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error(key_usage, "operator key list: ID");
	struct jpki_err err;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	return jpki_webauthn_keys(st, argv[optind], print_key, NULL, &err) < 0 ? cli_fail(&err) : 0;
}

static int key_disable(int argc, char **argv)
{
	const char *by = NULL;
	struct cli_secret pw = {0};
	char pw_buf[JPKI_PASSWORD_MAX + 2];
	const struct cli_opt rows[] = {
	    {"by", CLI_TEXT, &by, 0, 0, NULL, NULL},
	    {"by-password-file", CLI_CUSTOM, &pw, 0, 0, by_file, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, key_usage, "operator key disable", rows);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	int64_t id = 0;
	if (optind + 1 != argc || !by || cli_parse_id(argv[optind], &id, &err) < 0)
		return cli_usage_error(key_usage, "operator key disable: N --by OFFICER");
	if ((rc = cli_secret_read(&pw, "your password", pw_buf, sizeof(pw_buf))) != 0)
		return rc;
	const struct jpki_actor actor = {by, pw_buf, false};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) == 0)
		rc = jpki_webauthn_disable(st, &actor, id, now_of(), &err);
	OPENSSL_cleanse(pw_buf, sizeof(pw_buf));
	if (rc > 0)
		return rc;
	if (rc == 0)
		printf("key %" PRId64 " disabled\n", id);
	return done(rc, &err);
}

int cmd_operator_key(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"challenge", key_challenge, "a fresh challenge (base64url)"},
	    {"register", key_register, "register a security key for an operator"},
	    {"assert", key_assert, "verify an operator's assertion (the second factor)"},
	    {"list", key_list, "an operator's security keys"},
	    {"disable", key_disable, "disable a security key (a CA officer)"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("operator key", cmds, key_usage, argc, argv);
}
