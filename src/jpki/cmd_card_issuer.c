/*
 * cmd_card_issuer.c: `jpki card new|personalize|pin-reset|erase`, the
 * issuer's commands.  Each one authenticates to the card with the issuer
 * master key (card/keys.h) before it changes anything; the card refuses
 * them otherwise (69 82).
 */
#include <getopt.h>
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

/* Load the master key and authenticate to the card; prints and returns 1 on failure. */
static int issuer_open(const struct card_target *tg, struct jpki_transport **t,
                       uint8_t master[JPKI_CARD_KEY_LEN])
{
	struct jpki_err err;
	if (jpki_issuer_master_load(cli_ctx(), master, false, &err) < 0)
		return cli_fail(&err);
	if (card_open(tg, t) != 0)
		return 1;
	if (jpki_host_issuer_auth(*t, master, &err) < 0)
		return cli_fail(&err);
	return 0;
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

int card_cmd_new(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"number", required_argument, NULL, 'n'},
	    {"expiry", required_argument, NULL, 'e'},
	    {"kind", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const char *number = NULL;
	enum jpki_card_kind kind = JPKI_CARD_KIND_MYNUMBER;
	struct jpki_date expiry = {0, 0, 0};
	bool has_expiry = false;
	struct jpki_err err;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(card_usage, stdout);
			return 0;
		case 'n':
			number = optarg;
			if (!*number || strlen(number) > JPKI_CARD_NUMBER_MAX ||
			    strspn(number, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
			        strlen(number))
				return cli_usage_error(card_usage, "--number: 1 to %d of 0-9 A-Z",
				                       JPKI_CARD_NUMBER_MAX);
			break;
		case 'e':
			if (jpki_date_parse(optarg, &expiry, &err) < 0)
				return cli_usage_error(card_usage, "--expiry: %s", err.msg);
			has_expiry = true;
			break;
		case 'k':
			if (strcmp(optarg, "mynumber") == 0)
				kind = JPKI_CARD_KIND_MYNUMBER;
			else if (strcmp(optarg, "juki") == 0)
				kind = JPKI_CARD_KIND_JUKI;
			else
				return cli_usage_error(card_usage,
				                       "--kind must be mynumber or juki");
			break;
		default:
			return cli_usage_error(card_usage, "card new: bad option");
		}
	}
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
	uint8_t serial[JPKI_CHIP_SERIAL_LEN], master[JPKI_CARD_KEY_LEN];
	if (jpki_card_image_create(cli_ctx(), path, serial, &err) < 0)
		return cli_fail(&err);
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct card_target tg = {.image = path};
	int rc = issuer_open(&tg, &t, master);
	OPENSSL_cleanse(master, sizeof(master));
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

static int iparse(int argc, char **argv, struct iopts *o)
{
	static const struct option opts[] = {
	    {"reader", required_argument, NULL, 'R'},
	    {"resident", required_argument, NULL, 'r'},
	    {"kind", required_argument, NULL, 'k'},
	    {"no-sign", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    CARD_SECRET_OPTIONS,
	    {0, 0, 0, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(card_usage, stdout);
			return 0;
		case 'R':
			o->tg.reader = optarg;
			break;
		case 'n':
			o->no_sign = true;
			break;
		case 'r':
			if (cli_parse_id(optarg, &o->resident) < 0)
				return cli_usage_error(card_usage,
				                       "--resident must be a numeric id");
			break;
		case 'k':
			if (card_parse_kind(optarg, &o->kind) < 0)
				return cli_usage_error(card_usage, "--kind must be auth or sign");
			o->has_kind = true;
			break;
		default: {
			int src = card_secret_option(c, optarg, &o->sec, argv[0]);
			if (src >= 0)
				return src;
		}
		}
	}
	if (optind < argc)
		o->tg.image = argv[optind++];
	if (o->tg.image && jpki_store_default_owns(cli_ctx(), o->tg.image))
		return cli_usage_error(card_usage, "card: %s is the registry, not a card image",
		                       o->tg.image);
	if (optind != argc)
		return cli_usage_error(card_usage, "card %s: unexpected argument '%s'", argv[0],
		                       argv[optind]);
	if (o->tg.image && o->tg.reader)
		return cli_usage_error(card_usage, "card %s: give IMAGE or --reader, not both",
		                       argv[0]);
	return -1;
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
	int prc = iparse(argc, argv, &o);
	if (prc >= 0)
		return prc;
	if (!o.resident || cli_secret_given(&o.sec.pin) || cli_secret_given(&o.sec.new_pin) ||
	    o.has_kind || (o.no_sign && cli_secret_given(&o.sec.sign_pin)))
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
	struct jpki_perso_req req = {o.resident, p.auth, o.no_sign ? NULL : p.sign, 0};
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
	int prc = iparse(argc, argv, &o);
	if (prc >= 0)
		return prc;
	if (!o.has_kind || cli_secret_given(&o.sec.auth_pin) || cli_secret_given(&o.sec.sign_pin) ||
	    cli_secret_given(&o.sec.new_pin) || o.resident || o.no_sign)
		return cli_usage_error(card_usage, "card pin-reset: --kind and the new PIN");
	_cleanup_(secret_wipe) struct pins p = {{0}, {0}};
	if ((prc = card_get_pin(&o.sec.pin, "new PIN", p.auth)) != 0)
		return prc;
	if (!pin_ok(o.kind, p.auth))
		return cli_usage_error(card_usage, "the new PIN breaks rule P1");
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	uint8_t master[JPKI_CARD_KEY_LEN];
	struct jpki_err err;
	int rc = issuer_open(&o.tg, &t, master);
	OPENSSL_cleanse(master, sizeof(master));
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
	int prc = iparse(argc, argv, &o);
	if (prc >= 0)
		return prc;
	if (cli_secret_given(&o.sec.pin) || cli_secret_given(&o.sec.auth_pin) ||
	    cli_secret_given(&o.sec.sign_pin) || cli_secret_given(&o.sec.new_pin) || o.resident ||
	    o.no_sign)
		return cli_usage_error(card_usage, "card erase: only --kind is accepted");
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	uint8_t master[JPKI_CARD_KEY_LEN];
	struct jpki_err err;
	int rc = issuer_open(&o.tg, &t, master);
	OPENSSL_cleanse(master, sizeof(master));
	if (rc != 0)
		return rc;
	if (jpki_host_delete(t, !o.has_kind, o.kind, &err) < 0)
		return cli_fail(&err);
	printf("erased %s from the card\n", !o.has_kind               ? "both kinds"
	                                    : o.kind == JPKI_PIN_AUTH ? "the authentication kind"
	                                                              : "the signature kind");
	return 0;
}
