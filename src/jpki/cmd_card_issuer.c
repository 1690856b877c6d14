/*
 * cmd_card_issuer.c: `jpki card new|personalize|pin-reset|erase`, the
 * issuer's commands.  Each one authenticates to the card with the issuer
 * master key (card/keys.h) before it changes anything; the card refuses
 * them otherwise (69 82).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "card/image.h"
#include "card/keys.h"
#include "counter/personalize.h"
#include "cmd_card.h"
#include "core/hex.h"

/* Open the card and authenticate as its issuer (the master key wiped at once). */
static int issuer_open(const struct card_target *tg, struct jpki_transport **t)
{
	struct jpki_err err;
	uint8_t master[JPKI_CARD_KEY_LEN];
	int rc = jpki_issuer_master_load(cli_ctx(), master, false, &err) < 0 ? cli_fail(&err)
	         : card_open(tg, t) != 0                                     ? 1
	         : jpki_host_issuer_auth(*t, master, &err) < 0               ? cli_fail(&err)
	                                                                     : 0;
	OPENSSL_cleanse(master, sizeof(master));
	return rc;
}

static int random_number(char out[13])
{
	uint8_t r[12];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (int i = 0; i < 12; i++)
		out[i] = (char)('0' + r[i] % 10); /* the bias of 256 % 10 does not matter here */
	out[12] = '\0';
	return 0;
}

/* --number: 1 to JPKI_CARD_NUMBER_MAX of 0-9 A-Z */
static int parse_number(const char *v, void *dst, struct jpki_err *err)
{
	if (!*v || strlen(v) > JPKI_CARD_NUMBER_MAX ||
	    strspn(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(v))
		return jpki_fail(err, JPKI_E_INVALID, "1 to %d of 0-9 A-Z", JPKI_CARD_NUMBER_MAX);
	*(const char **)dst = v;
	return 0;
}

static int parse_card_kind(const char *v, void *dst, struct jpki_err *err)
{
	if (strcmp(v, "mynumber") == 0)
		*(enum jpki_card_kind *)dst = JPKI_CARD_KIND_MYNUMBER;
	else if (strcmp(v, "juki") == 0)
		*(enum jpki_card_kind *)dst = JPKI_CARD_KIND_JUKI;
	else
		return jpki_fail(err, JPKI_E_INVALID, "mynumber or juki");
	return 0;
}

int card_cmd_new(int argc, char **argv)
{
	const char *number = NULL;
	enum jpki_card_kind kind = JPKI_CARD_KIND_MYNUMBER;
	struct jpki_date expiry = {0, 0, 0};
	bool has_expiry = false;
	struct jpki_err err;
	const struct cli_opt opts[] = {
	    {"number", CLI_CUSTOM, &number, 0, 0, parse_number, NULL},
	    {"expiry", CLI_CUSTOM, &expiry, 0, 0, cli_opt_date, &has_expiry},
	    {"kind", CLI_CUSTOM, &kind, 0, 0, parse_card_kind, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, card_usage, "card new", opts);
	if (prc >= 0)
		return prc;
	if (optind + 1 != argc)
		return cli_usage_error(card_usage, "card new: give one IMAGE path");
	const char *path = argv[optind];
	if (jpki_store_default_owns(cli_ctx(), path))
		return cli_usage_error(card_usage, "card new: %s is the registry", path);
	char num[13];
	int64_t now = 0;
	if (!number && random_number(num) < 0)
		return cli_fail(&(struct jpki_err){JPKI_E_CRYPTO, "no random card number"});
	if (!has_expiry) { /* default: ten years from today (an adult's card) */
		if (jpki_ctx_now(cli_ctx(), &now, &err) < 0)
			return cli_fail(&err);
		expiry = jpki_date_add_months(jpki_jst_date(now), 120);
	}
	uint8_t serial[JPKI_CHIP_SERIAL_LEN];
	if (jpki_card_image_create(cli_ctx(), path, serial, &err) < 0)
		return cli_fail(&err);
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct card_target tg = {.image = path};
	int rc = issuer_open(&tg, &t);
	if (rc != 0)
		return rc;
	if (jpki_host_put_card_data(t, kind, expiry, number ? number : num, &err) < 0)
		return cli_fail(&err);
	char hex[2 * JPKI_CHIP_SERIAL_LEN + 1], exp[11];
	jpki_hex_encode(serial, sizeof(serial), hex);
	jpki_date_format(expiry, exp);
	printf("%s\n", hex);
	fprintf(stderr, "made a blank %s %s (chip %s, card number %s, expires %s)\n",
	        kind == JPKI_CARD_KIND_JUKI ? "basic resident register card"
	                                    : "individual number card",
	        path, hex, number ? number : num, exp);
	return 0;
}

/* Options of personalize / pin-reset / erase. */
struct iopts {
	struct card_target tg;
	int64_t resident;
	struct card_secrets sec;
	bool no_sign, has_kind;
	enum jpki_pin_id kind;
};

enum { I_RESIDENT = 1, I_KIND = 2, I_NO_SIGN = 4 };

/* The options of `own` (I_*) and the secrets of `secrets` (CARD_*). */
static int iparse(int argc, char **argv, unsigned own, unsigned secrets, struct iopts *o)
{
	const struct cli_opt mine[] = {
	    {"resident", CLI_ID, &o->resident, 0, 0, NULL, NULL},
	    {"kind", CLI_CUSTOM, &o->kind, 0, 0, card_parse_kind, &o->has_kind},
	    {"no-sign", CLI_FLAG, &o->no_sign, 0, 0, NULL, NULL},
	};
	struct cli_opt rows[3];
	size_t n = 0;
	for (unsigned i = 0; i < 3; i++)
		if (own & (1u << i))
			rows[n++] = mine[i];
	return card_parse(argc, argv, rows, n, &o->sec, secrets, true, &o->tg);
}

/* The PINs a command read, wiped when it returns. */
struct pins {
	char auth[JPKI_PIN_MAX + 2], sign[JPKI_PIN_MAX + 2];
};

static void secret_wipe(struct pins *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
}

static bool pin_ok(enum jpki_pin_id id, const char *pin)
{
	return pin && jpki_pin_format_ok(id, (const uint8_t *)pin, strlen(pin));
}

int card_cmd_personalize(int argc, char **argv)
{
	struct iopts o = {0};
	int prc = iparse(argc, argv, I_RESIDENT | I_NO_SIGN, CARD_AUTH_PIN | CARD_SIGN_PIN, &o);
	if (prc >= 0)
		return prc;
	if (!o.resident || (o.no_sign && cli_secret_given(&o.sec.sign_pin)))
		return cli_usage_error(card_usage, "card personalize: --resident ID, the "
		                                   "authentication PIN and the signature password "
		                                   "(or --no-sign)");
	_cleanup_(secret_wipe) struct pins p = {{0}, {0}};
	prc = card_get_pin(&o.sec.auth_pin, "authentication PIN", p.auth);
	if (prc == 0 && !o.no_sign)
		prc = card_get_pin(&o.sec.sign_pin, "signature password", p.sign);
	if (prc != 0)
		return prc;
	if (!pin_ok(JPKI_PIN_AUTH, p.auth))
		return cli_usage_error(card_usage,
		                       "the authentication PIN is exactly 4 digits (rule "
		                       "P1)");
	if (!o.no_sign && !pin_ok(JPKI_PIN_SIGN, p.sign))
		return cli_usage_error(card_usage, "the signature password is 6 to 16 of A-Z and "
		                                   "0-9, with both (rule P1)");
	struct jpki_perso_req req = {
	    .resident_id = o.resident, .auth_pin = p.auth, .sign_pin = o.no_sign ? NULL : p.sign};
	struct jpki_perso_result res;
	struct jpki_err err;
	uint8_t master[JPKI_CARD_KEY_LEN];
	_cleanup_(jpki_ca_freep) struct jpki_ca *auth = NULL;
	_cleanup_(jpki_ca_freep) struct jpki_ca *sign = NULL;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	if (jpki_ctx_now(cli_ctx(), &req.now, &err) < 0 ||
	    jpki_issuer_master_load(cli_ctx(), master, false, &err) < 0)
		return cli_fail(&err);
	int rc = cli_load_ca(JPKI_KIND_AUTH, &auth);
	if (rc == 0 && !o.no_sign)
		rc = cli_load_ca(JPKI_KIND_SIGN, &sign);
	if (rc == 0)
		rc = cli_open_store(&st);
	if (rc == 0)
		rc = card_open(&o.tg, &t);
	if (rc != 0) {
		OPENSSL_cleanse(master, sizeof(master));
		return rc;
	}
	struct jpki_ca *cas[2] = {[JPKI_KIND_SIGN] = sign, [JPKI_KIND_AUTH] = auth};
	rc = jpki_card_personalize(t, master, st, cas, &req, &res, &err);
	OPENSSL_cleanse(master, sizeof(master));
	if (rc < 0)
		return cli_fail(&err);
	for (int k = 0; k < 2; k++) {
		const struct jpki_perso_cert *c = &res.cert[k];
		if (!c->issued)
			continue;
		char na[26];
		jpki_time_format_jst(c->not_after, na);
		fprintf(stderr, "wrote the %s key, certificate %s (valid until %s) and its CA\n",
		        k == JPKI_PIN_AUTH ? "authentication" : "signature", c->serial, na);
		if (c->superseded[0])
			fprintf(stderr,
			        "revoked the previous certificate %s (superseded, rule X1)\n",
			        c->superseded);
	}
	printf("personalised %s for resident %" PRId64 "\n", t->name, o.resident);
	return 0;
}

int card_cmd_pin_reset(int argc, char **argv)
{
	struct iopts o = {0};
	int prc = iparse(argc, argv, I_KIND, CARD_PIN, &o);
	if (prc >= 0)
		return prc;
	if (!o.has_kind)
		return cli_usage_error(card_usage, "card pin-reset: --kind and the new PIN");
	_cleanup_(secret_wipe) struct pins p = {{0}, {0}};
	if ((prc = card_get_pin(&o.sec.pin, "new PIN", p.auth)) != 0)
		return prc;
	if (!pin_ok(o.kind, p.auth))
		return cli_usage_error(card_usage, "the new PIN breaks rule P1");
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_err err;
	int rc = issuer_open(&o.tg, &t);
	if (rc != 0)
		return rc;
	if (jpki_host_set_pin(t, o.kind, p.auth, &err) < 0)
		return cli_fail(&err);
	printf("%s PIN reset (rule P2): %d tries\n", o.kind == JPKI_PIN_AUTH ? "auth" : "sign",
	       o.kind == JPKI_PIN_AUTH ? JPKI_AUTH_PIN_TRIES : JPKI_SIGN_PIN_TRIES);
	return 0;
}

int card_cmd_erase(int argc, char **argv)
{
	struct iopts o = {0};
	int prc = iparse(argc, argv, I_KIND, 0, &o);
	if (prc >= 0)
		return prc;
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_err err;
	int rc = issuer_open(&o.tg, &t);
	if (rc != 0)
		return rc;
	if (jpki_host_delete(t, !o.has_kind, o.kind, &err) < 0)
		return cli_fail(&err);
	printf("erased %s from the card\n", !o.has_kind               ? "both kinds"
	                                    : o.kind == JPKI_PIN_AUTH ? "the authentication kind"
	                                                              : "the signature kind");
	return 0;
}
