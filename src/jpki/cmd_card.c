/*
 * cmd_card.c: `jpki card ...`, the holder's side and the reader bridge.
 *
 * Every command reaches the card through a transport: an IMAGE argument
 * means the card image in this process; otherwise the card in a PC/SC
 * reader (--reader NAME picks one, default the first reader with a card).
 * The issuer's commands are in cmd_card_issuer.c.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "card/image.h"
#include "card/vpcd.h"
#include "cmd_card.h"
#include "commands.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/pem.h"

const char card_usage[] =
    "usage: jpki card COMMAND [IMAGE] [--reader NAME] [OPTIONS]\n"
    "\n"
    "The software My Number card (JPKI application, docs/card.md).  IMAGE is a\n"
    "card image file, driven in this process; without it the command talks to\n"
    "the card in a PC/SC reader (--reader NAME: a reader whose name contains\n"
    "NAME; default the first reader holding a card).\n"
    "\n"
    "holder:\n"
    "  readers                          PC/SC readers, their cards and ATRs\n"
    "  info                             token, card data, keys, PIN tries\n"
    "  certs [--out-dir DIR] [--sign-pin-fd N | --sign-pin-file F]\n"
    "                                   the certificates as PEM (the signature\n"
    "                                   certificate needs the signature password)\n"
    "  pin-status [--kind auth|sign]    tries left (3 auth, 5 sign; 0 = blocked)\n"
    "  verify --kind auth|sign [PIN]\n"
    "  change-pin --kind auth|sign [PIN] [NEW-PIN]\n"
    "  sign --kind auth|sign [PIN] --in FILE [--out FILE] [--raw]\n"
    "                                   RSA PKCS#1 v1.5 signature over SHA-256 of\n"
    "                                   FILE (256 raw bytes; openssl dgst -verify);\n"
    "                                   --raw: over FILE as given (a DigestInfo of\n"
    "                                   at most 245 bytes: jpki sign --data-to-sign)\n"
    "  bench [--apdus N] [--signs N] [--pin-fd N | --pin-file F]\n"
    "                                   APDU round trips and signatures per second\n"
    "bridge:\n"
    "  attach IMAGE [--slot 0|1] [--host ADDR] [--pull-after N] [--stall-after N]\n"
    "                                   put the card in pcscd's vpcd reader (TCP\n"
    "                                   35963 + slot) until SIGTERM or SIGINT;\n"
    "                                   --pull-after N: pull it out instead of\n"
    "                                   answering APDU N+1; --stall-after N: never\n"
    "                                   answer it (failure tests)\n"
    "issuer (need the issuer master key):\n"
    "  new IMAGE [--number N] [--expiry YYYY-MM-DD] [--kind mynumber|juki]\n"
    "                                   a blank card with its card data\n"
    "  personalize [IMAGE] --resident ID [AUTH-PIN] [SIGN-PIN | --no-sign]\n"
    "                                   keys on the card, both certificates issued\n"
    "                                   and written (rules C4, C6, E2, X1, P1);\n"
    "                                   --no-sign: the authentication kind only\n"
    "  pin-reset [IMAGE] --kind auth|sign [PIN]\n"
    "                                   reset or unblock a PIN (rule P2)\n"
    "  erase [IMAGE] [--kind auth|sign] delete a kind's key, certificates and PIN\n"
    "                                   from the card (both without --kind)\n"
    "\n"
    "PINs (rule P1): authentication 4 digits; signature password 6-16 of A-Z 0-9\n"
    "with both.  A PIN is never given on the command line (every user could read\n"
    "it): PIN is --pin-fd N (one line from descriptor N) or --pin-file F (its\n"
    "first line); likewise NEW-PIN --new-pin-fd/--new-pin-file, AUTH-PIN\n"
    "--auth-pin-fd/--auth-pin-file, SIGN-PIN --sign-pin-fd/--sign-pin-file.\n"
    "Without them it is asked for on the terminal (not echoed) or, without a\n"
    "terminal, read as one line of standard input (in the order shown).\n"
    "environment: JPKI_ISSUER_KEY_FILE (default <JPKI_DATA>/card/issuer.key)\n";

/* ---- shared helpers -------------------------------------------------------------- */

int card_open(const struct card_target *tg, struct jpki_transport **t)
{
	struct jpki_err err;
	int rc = tg->image ? jpki_transport_image_open(cli_ctx(), tg->image, t, &err)
	                   : jpki_transport_pcsc_open(tg->reader, t, &err);
	return rc < 0 ? cli_fail(&err) : 0;
}

int card_parse_kind(const char *s, void *dst, struct jpki_err *err)
{
	enum jpki_pin_id *id = dst;
	if (strcmp(s, "auth") == 0)
		*id = JPKI_PIN_AUTH;
	else if (strcmp(s, "sign") == 0)
		*id = JPKI_PIN_SIGN;
	else
		return jpki_fail(err, JPKI_E_INVALID, "auth or sign");
	return 0;
}

int card_get_pin(const struct cli_secret *src, const char *what, char buf[JPKI_PIN_MAX + 2])
{
	return cli_secret_read(src, what, buf, JPKI_PIN_MAX + 1);
}

static int refuse_on_argv(const char *value, void *dst, struct jpki_err *err)
{
	(void)value, (void)dst;
	return jpki_fail(err, JPKI_E_INVALID,
	                 "a PIN on the command line is visible to every user of this machine "
	                 "(ps, /proc): use the -fd N or -file FILE form of the option, or type it "
	                 "at the prompt");
}

static int secret_fd(const char *value, void *dst, struct jpki_err *err)
{
	return cli_secret_set_fd(dst, value) < 0
	           ? jpki_fail(err, JPKI_E_INVALID, "a descriptor number (0 to 1023)")
	           : 0;
}

static int secret_file(const char *value, void *dst, struct jpki_err *err)
{
	(void)err;
	((struct cli_secret *)dst)->file = value;
	return 0;
}

/*
 * Option-table rows for the secrets into rows (at most cap; 12 for all): the
 * -fd and -file forms of the accepted ones, and for all four the --NAME
 * VALUE form, refused with its reason.  Returns the rows written.
 */
size_t card_secret_rows(struct card_secrets *sec, unsigned accepted, struct cli_opt *rows,
                        size_t cap)
{
	static const char *const names[4][3] = {{"pin", "pin-fd", "pin-file"},
	                                        {"new-pin", "new-pin-fd", "new-pin-file"},
	                                        {"auth-pin", "auth-pin-fd", "auth-pin-file"},
	                                        {"sign-pin", "sign-pin-fd", "sign-pin-file"}};
	struct cli_secret *which[4] = {&sec->pin, &sec->new_pin, &sec->auth_pin, &sec->sign_pin};
	size_t n = 0;
	for (int i = 0; i < 4 && n + 3 <= cap; i++) {
		/* --NAME VALUE is refused with its reason by every command, taking it or not */
		rows[n++] =
		    (struct cli_opt){names[i][0], CLI_CUSTOM, NULL, 0, 0, refuse_on_argv, NULL};
		if (!(accepted & (1u << i)))
			continue;
		rows[n++] =
		    (struct cli_opt){names[i][1], CLI_CUSTOM, which[i], 0, 0, secret_fd, NULL};
		rows[n++] =
		    (struct cli_opt){names[i][2], CLI_CUSTOM, which[i], 0, 0, secret_file, NULL};
	}
	return n;
}

static int card_operands(int argc, char **argv, bool image_ok, struct card_target *tg)
{
	if (optind < argc && image_ok)
		tg->image = argv[optind++];
	if (tg->image && jpki_store_default_owns(cli_ctx(), tg->image))
		return cli_usage_error(card_usage, "card %s: %s is the registry, not a card image",
		                       argv[0], tg->image);
	if (optind != argc)
		return cli_usage_error(card_usage, "card %s: unexpected argument '%s'", argv[0],
		                       argv[optind]);
	if (tg->image && tg->reader)
		return cli_usage_error(card_usage, "card %s: give IMAGE or --reader, not both",
		                       argv[0]);
	return -1;
}

/* Options every holder command shares, plus the ones it names. */
struct opts {
	struct card_target tg;
	struct card_secrets sec;
	const char *in, *out, *out_dir, *host;
	bool has_kind;
	enum jpki_pin_id kind;
	unsigned long slot, apdus, signs, pull_after, stall_after;
	bool raw;
};

enum {
	O_IN = 1,
	O_OUT,
	O_OUT_DIR,
	O_KIND,
	O_SLOT,
	O_HOST,
	O_APDUS,
	O_SIGNS,
	O_PULL,
	O_STALL,
	O_RAW
};

/*
 * Parse argv: --reader, the options `allowed` lists (O_*, 0-terminated) and
 * the secrets `secrets` accepts (CARD_PIN...).  -1 to go on, else the exit status.
 */
static int parse(int argc, char **argv, const int *allowed, unsigned secrets, bool image_ok,
                 struct opts *o)
{
	const struct cli_opt all[] = {
	    [O_IN] = {"in", CLI_TEXT, &o->in, 0, 0, NULL, NULL},
	    [O_OUT] = {"out", CLI_TEXT, &o->out, 0, 0, NULL, NULL},
	    [O_OUT_DIR] = {"out-dir", CLI_TEXT, &o->out_dir, 0, 0, NULL, NULL},
	    [O_KIND] = {"kind", CLI_CUSTOM, &o->kind, 0, 0, card_parse_kind, &o->has_kind},
	    [O_SLOT] = {"slot", CLI_UINT, &o->slot, 0, 1, NULL, NULL},
	    [O_HOST] = {"host", CLI_TEXT, &o->host, 0, 0, NULL, NULL},
	    [O_APDUS] = {"apdus", CLI_UINT, &o->apdus, 1, 1000000, NULL, NULL},
	    [O_SIGNS] = {"signs", CLI_UINT, &o->signs, 1, 1000000, NULL, NULL},
	    [O_PULL] = {"pull-after", CLI_UINT, &o->pull_after, 1, 1000000, NULL, NULL},
	    [O_STALL] = {"stall-after", CLI_UINT, &o->stall_after, 1, 1000000, NULL, NULL},
	    [O_RAW] = {"raw", CLI_FLAG, &o->raw, 0, 0, NULL, NULL},
	};
	struct cli_opt own[8];
	size_t n = 0;
	for (const int *a = allowed; *a && n < sizeof(own) / sizeof(own[0]); a++)
		own[n++] = all[*a];
	return card_parse(argc, argv, own, n, &o->sec, secrets, image_ok, &o->tg);
}

int card_parse(int argc, char **argv, const struct cli_opt *own, size_t n_own,
               struct card_secrets *sec, unsigned secrets, bool image_ok, struct card_target *tg)
{
	return card_parse_in("card", card_usage, argc, argv, own, n_own, sec, secrets, image_ok,
	                     tg);
}

int card_parse_in(const char *family, const char *usage, int argc, char **argv,
                  const struct cli_opt *own, size_t n_own, struct card_secrets *sec,
                  unsigned secrets, bool image_ok, struct card_target *tg)
{
	struct cli_opt rows[1 + 8 + 12 + 1]; /* --reader, its own, the secrets' forms, the end */
	size_t n = 0;
	rows[n++] = (struct cli_opt){"reader", CLI_TEXT, &tg->reader, 0, 0, NULL, NULL};
	for (size_t i = 0; i < n_own && n < 9; i++)
		rows[n++] = own[i];
	n += card_secret_rows(sec, secrets, rows + n, sizeof(rows) / sizeof(rows[0]) - 1 - n);
	rows[n] = (struct cli_opt){NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL};
	char command[64];
	snprintf(command, sizeof(command), "%s %.40s", family, argv[0]);
	int rc = cli_parse(argc, argv, usage, command, rows);
	return rc >= 0 ? rc : card_operands(argc, argv, image_ok, tg);
}

#define PARSE(secrets, ...)                                                                        \
	do {                                                                                       \
		static const int allowed_[] = {__VA_ARGS__ 0};                                     \
		int prc_ = parse(argc, argv, allowed_, (secrets), true, &o);                       \
		if (prc_ >= 0)                                                                     \
			return prc_;                                                               \
	} while (0)

static const char *kind_label(enum jpki_pin_id id)
{
	return id == JPKI_PIN_AUTH ? "auth" : "sign";
}

/* ---- readers, info ----------------------------------------------------------------------- */

static int print_reader(const char *name, bool has_card, const uint8_t *atr, size_t atr_len,
                        void *arg)
{
	char hex[2 * 33 + 1] = "";
	jpki_hex_encode(atr, atr_len, hex);
	printf("%s\t%s\t%s\n", name, has_card ? "card" : "empty", has_card ? hex : "-");
	return 0;
}

static int cmd_readers(int argc, char **argv)
{
	struct opts o = {0};
	static const int allowed[] = {0};
	int prc = parse(argc, argv, allowed, 0, false, &o);
	if (prc >= 0)
		return prc;
	struct jpki_err err;
	return jpki_pcsc_readers(print_reader, NULL, &err) < 0 ? cli_fail(&err) : 0;
}

static void print_tries(const char *label, const struct jpki_card_info *in, int id)
{
	if (!in->pin_set[id])
		printf("%s: not set\n", label);
	else if (in->tries[id] == 0)
		printf("%s: blocked\n", label);
	else
		printf("%s: %d tries left\n", label, in->tries[id]);
}

static int cmd_info(int argc, char **argv)
{
	struct opts o = {0};
	PARSE(0, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_card_info in;
	struct jpki_err err;
	if (card_open(&o.tg, &t) != 0)
		return 1;
	if (jpki_host_info(t, &in, &err) < 0)
		return cli_fail(&err);
	char serial[2 * JPKI_CHIP_SERIAL_LEN + 1], exp[11] = "-";
	jpki_hex_encode(in.serial, sizeof(in.serial), serial);
	if (in.has_expiry)
		jpki_date_format(in.expiry, exp);
	printf("card: %s\ntoken: %s\n", t->name, in.token);
	printf("kind: %s\n", in.kind == JPKI_CARD_KIND_MYNUMBER ? "individual number card"
	                     : in.kind == JPKI_CARD_KIND_JUKI
	                         ? "basic resident register card (rule C6: no certificates)"
	                         : "not written");
	printf("chip-serial: %s\ncard-number: %s\ncard-expiry: %s\n", serial,
	       in.number[0] ? in.number : "-", exp);
	printf("auth-key: %s\nsign-key: %s\n", in.has_key[0] ? "yes" : "no",
	       in.has_key[1] ? "yes" : "no");
	print_tries("auth-pin", &in, JPKI_PIN_AUTH);
	print_tries("sign-pin", &in, JPKI_PIN_SIGN);
	return 0;
}

/* ---- certificates ------------------------------------------------------------------------- */

static int emit_cert(struct jpki_transport *t, uint16_t fid, const char *dir, const char *file,
                     struct jpki_err *err)
{
	uint8_t *der = NULL;
	size_t len = 0;
	char *pem = NULL;
	int rc = jpki_host_read_cert(t, fid, &der, &len, err);
	if (rc == 0)
		rc = jpki_pem_encode("CERTIFICATE", der, len, &pem, err);
	free(der);
	if (rc < 0)
		return rc;
	if (dir) {
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
			rc = jpki_fail(err, JPKI_E_INVALID, "path too long");
		else
			rc = cli_write_out(path, pem, strlen(pem), 0644, err);
	} else {
		fputs(pem, stdout);
	}
	free(pem);
	return rc;
}

static int cmd_certs(int argc, char **argv)
{
	struct opts o = {0};
	PARSE(CARD_SIGN_PIN, O_OUT_DIR, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_err err;
	char pin[JPKI_PIN_MAX + 2];
	bool with_sign = cli_secret_given(&o.sec.sign_pin);
	int rc = with_sign ? card_get_pin(&o.sec.sign_pin, "signature password", pin) : 0;
	if (rc != 0)
		return rc;
	if (card_open(&o.tg, &t) != 0)
		return 1;
	rc = jpki_host_select_app(t, &err);
	if (rc == 0)
		rc = emit_cert(t, JPKI_FID_AUTH_CERT, o.out_dir, "auth.pem", &err);
	if (rc == 0)
		rc = emit_cert(t, JPKI_FID_AUTH_CA, o.out_dir, "auth-ca.pem", &err);
	if (rc == 0)
		rc = emit_cert(t, JPKI_FID_SIGN_CA, o.out_dir, "sign-ca.pem", &err);
	if (rc == 0 && with_sign) {
		rc = jpki_host_verify(t, JPKI_PIN_SIGN, pin, NULL, &err);
		if (rc == 0)
			rc = emit_cert(t, JPKI_FID_SIGN_CERT, o.out_dir, "sign.pem", &err);
	}
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc < 0 ? cli_fail(&err) : 0;
}

/* ---- PINs ----------------------------------------------------------------------------------- */

static int cmd_pin_status(int argc, char **argv)
{
	struct opts o = {0};
	PARSE(0, O_KIND, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_err err;
	if (card_open(&o.tg, &t) != 0)
		return 1;
	if (jpki_host_select_app(t, &err) < 0)
		return cli_fail(&err);
	for (int k = 0; k < 2; k++) {
		if (o.has_kind && (int)o.kind != k)
			continue;
		int tries = 0;
		if (jpki_host_pin_status(t, (enum jpki_pin_id)k, &tries, &err) < 0)
			return cli_fail(&err);
		if (tries == 0)
			printf("%s: blocked\n", kind_label((enum jpki_pin_id)k));
		else
			printf("%s: %d tries left\n", kind_label((enum jpki_pin_id)k), tries);
	}
	return 0;
}

/* Select the application and verify; prints and returns 1 on failure. */
static int open_verified(struct opts *o, struct jpki_transport **t)
{
	char pin[JPKI_PIN_MAX + 2];
	struct jpki_err err;
	if (!o->has_kind)
		return cli_usage_error(card_usage, "--kind auth|sign is required");
	int rc =
	    card_get_pin(&o->sec.pin, o->kind == JPKI_PIN_AUTH ? "PIN" : "signature password", pin);
	if (rc != 0)
		return rc;
	rc = card_open(&o->tg, t);
	if (rc != 0) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return rc;
	}
	rc = jpki_host_select_app(*t, &err);
	if (rc == 0)
		rc = jpki_host_verify(*t, o->kind, pin, NULL, &err);
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc < 0 ? cli_fail(&err) : 0;
}

static int card_verify_cmd(int argc, char **argv)
{
	struct opts o = {0};
	PARSE(CARD_PIN, O_KIND, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	int rc = open_verified(&o, &t);
	if (rc == 0)
		printf("%s PIN verified\n", kind_label(o.kind));
	return rc;
}

static int cmd_change_pin(int argc, char **argv)
{
	struct opts o = {0};
	PARSE(CARD_PIN | CARD_NEW_PIN, O_KIND, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_err err;
	char new_pin[JPKI_PIN_MAX + 2];
	int rc = open_verified(&o, &t); /* the current PIN first, then the new one */
	if (rc != 0)
		return rc;
	if ((rc = card_get_pin(&o.sec.new_pin, "new PIN", new_pin)) != 0)
		return rc;
	if (!jpki_pin_format_ok(o.kind, (const uint8_t *)new_pin, strlen(new_pin)))
		rc = cli_usage_error(card_usage, "the new PIN breaks rule P1");
	else if (jpki_host_change_pin(t, o.kind, new_pin, &err) < 0)
		rc = cli_fail(&err);
	OPENSSL_cleanse(new_pin, sizeof(new_pin));
	if (rc == 0)
		printf("%s PIN changed\n", kind_label(o.kind));
	return rc;
}

/* ---- signing ----------------------------------------------------------------------------------
 */

static int card_sign_cmd(int argc, char **argv)
{
	struct opts o = {0};
	PARSE(CARD_PIN, O_KIND, O_IN, O_OUT, O_RAW, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	_cleanup_(freep) uint8_t *msg = NULL;
	size_t len = 0;
	uint8_t sig[256];
	struct jpki_err err;
	if (!o.in)
		return cli_usage_error(card_usage, "card sign: --in FILE is required");
	if (jpki_read_file(o.in, 64u << 20, &msg, &len, &err) < 0)
		return cli_fail(&err);
	int rc = open_verified(&o, &t);
	if (rc != 0)
		return rc;
	/* --raw: FILE is the DigestInfo itself (jpki sign --data-to-sign) */
	if ((o.raw ? jpki_host_sign_raw(t, o.kind, msg, len, sig, &err)
	           : jpki_host_sign_sha256(t, o.kind, msg, len, sig, &err)) < 0)
		return cli_fail(&err);
	if (o.out)
		return cli_write_out(o.out, sig, sizeof(sig), 0644, &err) < 0 ? cli_fail(&err) : 0;
	return fwrite(sig, 1, sizeof(sig), stdout) == sizeof(sig) && fflush(stdout) == 0 ? 0 : 1;
}

/* ---- bench
 * ---------------------------------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmd_bench(int argc, char **argv)
{
	struct opts o = {.apdus = 2000, .signs = 20};
	PARSE(CARD_PIN, O_APDUS, O_SIGNS, );
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	struct jpki_err err;
	static const uint8_t sel[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18};
	uint8_t sig[256];
	uint16_t sw = 0;
	char pin[JPKI_PIN_MAX + 2];
	bool with_signs = cli_secret_given(&o.sec.pin);
	int rc = with_signs ? card_get_pin(&o.sec.pin, "PIN", pin) : 0;
	if (rc != 0)
		return rc;
	if (card_open(&o.tg, &t) != 0)
		return 1;
	if (jpki_host_select_app(t, &err) < 0)
		return cli_fail(&err);
	double t0 = now_ms();
	for (unsigned long i = 0; i < o.apdus; i++)
		if (jpki_host_apdu(t, sel, sizeof(sel), NULL, 0, NULL, &sw, &err) < 0 ||
		    (sw != SW_OK && jpki_fail(&err, JPKI_E_CARD, "SELECT answered %04X", sw)))
			return cli_fail(&err);
	double dt = now_ms() - t0;
	printf("apdu round trips: %lu in %.1f ms = %.0f/s\n", o.apdus, dt, o.apdus * 1e3 / dt);
	if (!with_signs)
		return 0;
	t0 = now_ms();
	for (unsigned long i = 0; rc == 0 && i < o.signs; i++)
		if (jpki_host_verify(t, JPKI_PIN_AUTH, pin, NULL, &err) < 0 ||
		    jpki_host_sign_sha256(t, JPKI_PIN_AUTH, (const uint8_t *)"bench", 5, sig,
		                          &err) < 0)
			rc = cli_fail(&err);
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc != 0)
		return rc;
	dt = now_ms() - t0;
	printf("signatures (VERIFY + COMPUTE SIGNATURE, auth key): %lu in %.1f ms = %.1f/s\n",
	       o.signs, dt, o.signs * 1e3 / dt);
	return 0;
}

/* ---- attach
 * ------------------------------------------------------------------------------------------ */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void attach_note(void *arg, const char *msg)
{
	fprintf(stderr, "jpki card attach: %s\n", msg);
}

static int cmd_attach(int argc, char **argv)
{
	struct opts o = {0};
	static const int allowed[] = {O_SLOT, O_HOST, O_PULL, O_STALL, 0};
	int prc = parse(argc, argv, allowed, 0, true, &o);
	if (prc >= 0)
		return prc;
	if (!o.tg.image || o.tg.reader)
		return cli_usage_error(card_usage, "card attach: give IMAGE (and no --reader)");
	_cleanup_(jpki_card_image_closep) struct jpki_card_file_handle *h = NULL;
	struct jpki_err err;
	if (jpki_card_image_open(cli_ctx(), o.tg.image, &h, &err) < 0)
		return cli_fail(&err);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked call returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct jpki_vpcd v = {
	    .host = o.host,
	    .port = (uint16_t)(JPKI_VPCD_PORT + o.slot),
	    .stop = &stop_flag,
	    .note = attach_note,
	    .pull_after = o.pull_after,
	    .stall_after = o.stall_after,
	};
	if (jpki_vpcd_run(&v, h->card, &err) < 0)
		return cli_fail(&err);
	if (v.pulled)
		fprintf(stderr, "jpki card attach: the card was pulled before APDU %lu\n",
		        v.apdus + 1);
	fprintf(stderr, "jpki card attach: stopped after %lu APDUs in %lu connections\n", v.apdus,
	        v.connects);
	return 0;
}

int cmd_card(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"readers", cmd_readers, "list PC/SC readers"},
	    {"info", cmd_info, "card data and PIN tries"},
	    {"certs", cmd_certs, "read the certificates"},
	    {"pin-status", cmd_pin_status, "PIN tries left"},
	    {"verify", card_verify_cmd, "verify a PIN"},
	    {"change-pin", cmd_change_pin, "change a PIN"},
	    {"sign", card_sign_cmd, "sign a file"},
	    {"bench", cmd_bench, "APDU and signature rates"},
	    {"attach", cmd_attach, "vpcd reader bridge"},
	    {"new", card_cmd_new, "make a blank card"},
	    {"personalize", card_cmd_personalize, "personalise for a resident"},
	    {"pin-reset", card_cmd_pin_reset, "reset or unblock a PIN"},
	    {"erase", card_cmd_erase, "delete keys and certificates"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("card", cmds, card_usage, argc, argv);
}
