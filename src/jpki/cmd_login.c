/*
 * cmd_login.c: `jpki login`, the two sides of a Web eID login with the
 * card's authentication key (jpki/login.h, docs/login.md):
 *   token     the holder's side: sign hash(origin) || hash(nonce) on the card
 *             after the 4-digit PIN, and write the web-eid:1.0 token;
 *   validate  the relying party's side: check a token against the origin
 *             and the nonce it holds, and print its pseudonym for the holder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ca/ca.h"
#include "cli.h"
#include "cmd_card.h"
#include "commands.h"
#include "core/base64.h"
#include "core/fsutil.h"
#include "jpki/login.h"
#include "login_card.h"
#include "opts.h"

static const char login_usage[] =
    "usage: jpki login URL [IMAGE | --reader NAME] [--pin-fd N | --pin-file F]\n"
    "                        [--cacert CA.pem]\n"
    "       jpki login token --origin ORIGIN --nonce NONCE [IMAGE | --reader NAME]\n"
    "                        [--pin-fd N | --pin-file F] [--out TOKEN.json]\n"
    "       jpki login helper [--listen PORT] [IMAGE | --reader NAME]\n"
    "                        [--auth-pin-file F] [--sign-pin-file F] [--allow-origin O]...\n"
    "       jpki login validate --token TOKEN.json --origin ORIGIN --nonce NONCE\n"
    "                        --secret-file F [--rp ID] [--trust CAS.pem] [--policy OID]\n"
    "                        [--crl-fallback]\n"
    "\n"
    "A login with the card's authentication certificate, bound to the site (Web eID's\n"
    "design and its web-eid:1.0 token; docs/login.md).  ORIGIN is https://host[:port],\n"
    "the site's origin as the browser names it; NONCE the site's challenge (44 base64\n"
    "characters).\n"
    "\n"
    "URL: log in at a relying party from the command line, as a browser and the\n"
    "helper would: POST URL/challenge, sign the nonce on the card for URL's origin\n"
    "(https, the host in lower case, the port unless 443), POST the token to\n"
    "URL/login in the same session (its cookies kept), print the answer.  TLS is\n"
    "verified against the system's CAs or --cacert.  A refused login exits 4.  The\n"
    "demo portal: jpki login https://localhost:8443/demo/portal\n"
    "\n"
    "helper: the browser's helper on 127.0.0.1 (`jpki login helper --help`).\n"
    "\n"
    "token: the holder's side.  Signs SHA-256(ORIGIN) || SHA-256(NONCE) with RS256 on\n"
    "the card (the first PC/SC reader holding one, --reader, or a card IMAGE) after\n"
    "the 4-digit PIN (--pin-fd, --pin-file or a prompt, never the command line), and\n"
    "writes the token (default: standard output).\n"
    "\n"
    "validate: the relying party's side.  Checks, each with its own failure: the\n"
    "token's size and format, the origin, the certificate's validity now, key usage\n"
    "(digitalSignature; clientAuth when an EKU is present), the policy (--policy:\n"
    "accept only that OID), the path to a trusted authentication CA (--trust, default\n"
    "the data folder's; every generation in the file), its status by OCSP with a\n"
    "nonce (thisUpdate at most 2 minutes old; --crl-fallback: the CRL partition and\n"
    "its delta when the responder does not answer), and the signature over what ORIGIN and\n"
    "NONCE rebuild.  Prints `OK PSEUDONYM SERIAL`: the pseudonym is this relying\n"
    "party's own name for the holder, an HMAC under the secret of --secret-file (32\n"
    "to 64 bytes) and --rp (default demo).  A refusal prints `REFUSED FAILURE reason`\n"
    "and exits 4.\n";

static int login_token(int argc, char **argv)
{
	const char *origin = NULL, *nonce = NULL, *out = NULL;
	struct card_target tg = {0};
	struct card_secrets sec = {0};
	const struct cli_opt own[] = {
	    {"origin", CLI_TEXT, &origin, 0, 0, NULL, NULL},
	    {"nonce", CLI_TEXT, &nonce, 0, 0, NULL, NULL},
	    {"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	};
	int rc = card_parse_in("login", login_usage, argc, argv, own, 3, &sec, CARD_PIN, true, &tg);
	if (rc >= 0)
		return rc;
	if (!origin || strncmp(origin, "https://", 8) != 0 || !nonce ||
	    strlen(nonce) != JPKI_LOGIN_NONCE_LEN)
		return cli_usage_error(
		    login_usage, "login token: --origin https://... and --nonce (44 characters)");
	struct jpki_err err;
	char pin[JPKI_PIN_MAX + 2];
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	if ((rc = card_open(&tg, &t)) != 0 || (rc = card_get_pin(&sec.pin, "PIN", pin)) != 0)
		return rc;
	_cleanup_(freep) char *json = NULL;
	int tries = -1;
	rc = login_card_token(t, pin, origin, nonce, &json, &tries, &err);
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc == -JPKI_E_PIN && tries >= 0)
		return cli_fail_msg("wrong PIN: %d tries left", tries);
	if (rc < 0)
		return cli_fail(&err);
	if (out)
		return cli_write_out(out, json, strlen(json), 0644, &err) < 0 ? cli_fail(&err) : 0;
	return puts(json) >= 0 ? 0 : 1;
}

static int read_trust(struct jpki_login_validator *v, const char *path, struct jpki_err *err)
{
	_cleanup_(freep) uint8_t *buf = NULL;
	size_t len = 0;
	int rc = cli_read_trust(path, JPKI_KIND_AUTH, &buf, &len, err);
	return rc < 0 ? rc : jpki_login_validator_trust(v, buf, len, err);
}

static int login_validate(int argc, char **argv)
{
	const char *token = NULL, *origin = NULL, *nonce = NULL, *secret = NULL, *rp = "demo";
	const char *trust = NULL, *policy = NULL;
	bool crl_fallback = false;
	const struct cli_opt rows[] = {
	    {"token", CLI_TEXT, &token, 0, 0, NULL, NULL},
	    {"origin", CLI_TEXT, &origin, 0, 0, NULL, NULL},
	    {"nonce", CLI_TEXT, &nonce, 0, 0, NULL, NULL},
	    {"secret-file", CLI_TEXT, &secret, 0, 0, NULL, NULL},
	    {"rp", CLI_TEXT, &rp, 0, 0, NULL, NULL},
	    {"trust", CLI_TEXT, &trust, 0, 0, NULL, NULL},
	    {"policy", CLI_TEXT, &policy, 0, 0, NULL, NULL},
	    {"crl-fallback", CLI_FLAG, &crl_fallback, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, login_usage, "login validate", rows);
	if (rc >= 0)
		return rc;
	if (!token || !origin || !nonce || !secret || optind != argc)
		return cli_usage_error(
		    login_usage, "login validate: --token, --origin, --nonce and --secret-file");
	struct jpki_err err;
	_cleanup_(freep) uint8_t *tok = NULL;
	_cleanup_(freep) uint8_t *key = NULL;
	size_t tok_len = 0, key_len = 0;
	int64_t now;
	struct jpki_login_validator *v = NULL;
	struct jpki_login_result res;
	if (jpki_read_file(token, 1u << 20, &tok, &tok_len, &err) < 0 ||
	    jpki_read_file(secret, 4096, &key, &key_len, &err) < 0 ||
	    jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	    jpki_login_validator_new(rp, key, key_len, &v, &err) < 0 ||
	    read_trust(v, trust, &err) < 0 ||
	    (policy && jpki_login_validator_allow_policy(v, policy, &err) < 0)) {
		if (key)
			OPENSSL_cleanse(key, key_len);
		jpki_login_validator_free(v);
		return cli_fail(&err);
	}
	OPENSSL_cleanse(key, key_len);
	while (tok_len > 0 && (tok[tok_len - 1] == '\n' || tok[tok_len - 1] == '\r'))
		tok_len--;
	jpki_login_validator_set_time(v, now);
	jpki_login_validator_set_crl_fallback(v, crl_fallback);
	rc = jpki_login_validate(v, (const char *)tok, tok_len, origin, nonce, &res, &err);
	jpki_login_validator_free(v);
	if (rc < 0)
		return cli_fail(&err);
	if (res.failure != JPKI_LOGIN_OK) {
		printf("REFUSED %s %s\n", jpki_login_failure_name(res.failure), res.reason);
		return 4;
	}
	printf("OK %s %s\n", res.pseudonym, res.serial);
	return 0;
}

int cmd_login(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"token", login_token, "the holder's side: a token signed on the card"},
	    {"validate", login_validate, "the relying party's side: check a token"},
	    {"helper", login_helper, "the browser's helper on the loopback"},
	    {NULL, NULL, NULL},
	};
	if (argc >= 2 && strstr(argv[1], "://")) /* jpki login URL */
		return login_url(argc - 1, argv + 1, login_usage);
	return cli_dispatch("login", cmds, login_usage, argc, argv);
}
