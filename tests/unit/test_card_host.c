/*
 * test_card_host.c: the host side (src/lib/cardhost/host.c) over the in-process
 * transport, and personalisation (personalize.c) end to end with real CAs
 * and a registry: keys generated on the card, certificates issued for the
 * card's public keys, written, read back and verified; rules C6 and E2.
 * A lying transport checks that malformed card answers are refused.
 */
#include "card_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ca/issue.h"
#include "cardhost/face.h"
#include "cardhost/host.h"
#include "counter/personalize.h"
#include "core/hex.h"
#include "resident/resident.h"
#include "tmpdir.h"
#include "test_ctx.h"

static struct {
	char dir[PATH_MAX];
	struct jpki_ca *ca[2];
	struct jpki_store *st;
	int64_t now;
	struct jpki_card *card; /* personalised through the issuer commands */
	struct jpki_transport *t;
} g;

static int group_setup(void **state)
{
	struct jpki_err err;
	bool created = false;
	const char *pass = "unit-test passphrase 0123";
	if (!tmpdir_make(g.dir, "card-host") || setenv("JPKI_DATA", g.dir, 1) != 0 ||
	    setenv("JPKI_CA_PASSPHRASE", pass, 1) != 0 ||
	    setenv("JPKI_NOW", "2026-11-26T10:00:00+09:00", 1) != 0 ||
	    jpki_ctx_now(test_ctx(), &g.now, &err) != 0)
		return -1;
	for (int k = 0; k < 2; k++)
		if (jpki_ca_init(test_ctx(), (enum jpki_kind)k, g.now - 86400, pass, &created,
		                 &err) != 0 ||
		    jpki_ca_load(test_ctx(), (enum jpki_kind)k, pass, &g.ca[k], &err) != 0)
			return -1;
	if (jpki_store_create_default(test_ctx(), &g.st, &err) != 0)
		return -1;
	g.card = make_card(JPKI_CARD_KIND_MYNUMBER);
	return jpki_transport_card_open(g.card, &g.t, &err);
}

static int group_teardown(void **state)
{
	jpki_transport_close(g.t);
	jpki_card_free(g.card);
	jpki_store_close(g.st);
	jpki_ca_free(g.ca[0]);
	jpki_ca_free(g.ca[1]);
	return tmpdir_remove(g.dir);
}

static int reset(void **state)
{
	jpki_card_power(g.card);
	return 0;
}

static void test_info(void **state)
{
	struct jpki_card_info in;
	struct jpki_err err;
	assert_int_equal(jpki_host_info(g.t, &in, &err), 0);
	assert_memory_equal(in.serial, test_serial, 8);
	assert_int_equal(in.kind, JPKI_CARD_KIND_MYNUMBER);
	assert_string_equal(in.number, "123456789012");
	assert_true(in.has_expiry);
	assert_int_equal(in.expiry.y, 2027);
	assert_int_equal(in.expiry.m, 11);
	assert_int_equal(in.expiry.d, 27);
	assert_true(in.has_key[0] && in.has_key[1] && in.pin_set[0] && in.pin_set[1]);
	assert_false(in.issuer_auth);
	assert_int_equal(in.tries[0], 3);
	assert_int_equal(in.tries[1], 5);
	assert_string_equal(in.token, "JPKIAPICCTOKEN2");
}

static void test_read_certs(void **state)
{
	uint8_t *der = NULL, want[1024];
	size_t len = 0;
	struct jpki_err err;
	assert_int_equal(jpki_host_select_app(g.t, &err), 0);
	assert_int_equal(jpki_host_read_cert(g.t, JPKI_FID_AUTH_CERT, &der, &len, &err), 0);
	fake_der(want, 870, 0);
	assert_int_equal(len, 870);
	assert_memory_equal(der, want, 870);
	free(der);
	assert_int_equal(jpki_host_read_cert(g.t, JPKI_FID_SIGN_CERT, &der, &len, &err),
	                 -JPKI_E_DENIED);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_SIGN, "ABC123", NULL, &err), 0);
	assert_int_equal(jpki_host_read_cert(g.t, JPKI_FID_SIGN_CERT, &der, &len, &err), 0);
	assert_int_equal(len, 880);
	free(der);
	assert_int_equal(jpki_host_read_cert(g.t, JPKI_FID_AUTH_CA, &der, &len, &err), 0);
	assert_int_equal(len, 935);
	free(der);
}

static void test_pins(void **state)
{
	struct jpki_err err;
	int tries = -1;
	assert_int_equal(jpki_host_select_app(g.t, &err), 0);
	assert_int_equal(jpki_host_pin_status(g.t, JPKI_PIN_AUTH, &tries, &err), 0);
	assert_int_equal(tries, 3);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "9999", &tries, &err), -JPKI_E_PIN);
	assert_int_equal(tries, 2);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "99999", &tries, &err), -JPKI_E_PIN);
	assert_int_equal(jpki_host_pin_status(g.t, JPKI_PIN_AUTH, &tries, &err), 0);
	assert_int_equal(tries, 2); /* a wrong length is not a try */
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "1234", &tries, &err), 0);
	assert_int_equal(jpki_host_pin_status(g.t, JPKI_PIN_AUTH, &tries, &err), 0);
	assert_int_equal(tries, 3);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "", &tries, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "12345678901234567", &tries, &err),
	                 -JPKI_E_INVALID);
}

static void test_sign(void **state)
{
	struct jpki_err err;
	uint8_t sig[256];
	static const uint8_t msg[] = "a tax return";
	assert_int_equal(jpki_host_select_app(g.t, &err), 0);
	assert_int_equal(jpki_host_sign_sha256(g.t, JPKI_PIN_AUTH, msg, sizeof(msg), sig, &err),
	                 -JPKI_E_DENIED);
	for (int id = 0; id < 2; id++) {
		const char *pin = id == JPKI_PIN_AUTH ? "1234" : "ABC123";
		assert_int_equal(jpki_host_verify(g.t, (enum jpki_pin_id)id, pin, NULL, &err), 0);
		assert_int_equal(
		    jpki_host_sign_sha256(g.t, (enum jpki_pin_id)id, msg, sizeof(msg), sig, &err),
		    0);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		assert_int_equal(
		    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, g.card->key[id]), 1);
		assert_int_equal(EVP_DigestVerify(ctx, sig, 256, msg, sizeof(msg)), 1);
		EVP_MD_CTX_free(ctx);
	}
	uint8_t big[246] = {0};
	assert_int_equal(jpki_host_sign_raw(g.t, JPKI_PIN_AUTH, big, sizeof(big), sig, &err),
	                 -JPKI_E_INVALID);
}

static void test_issuer_side(void **state)
{
	struct jpki_err err;
	uint8_t wrong[32] = {1}, *spki = NULL;
	size_t len = 0;
	/* without issuer authentication every change is refused */
	assert_int_equal(jpki_host_select_app(g.t, &err), 0);
	assert_int_equal(jpki_host_set_pin(g.t, JPKI_PIN_AUTH, "5555", &err), -JPKI_E_DENIED);
	assert_int_equal(jpki_host_delete(g.t, true, JPKI_PIN_AUTH, &err), -JPKI_E_DENIED);
	assert_int_equal(
	    jpki_host_write_file(g.t, JPKI_FID_AUTH_CERT, (const uint8_t *)"x", 1, &err),
	    -JPKI_E_DENIED);
	assert_int_equal(jpki_host_issuer_auth(g.t, wrong, &err), -JPKI_E_DENIED);
	assert_int_equal(jpki_host_set_pin(g.t, JPKI_PIN_AUTH, "5555", &err), -JPKI_E_DENIED);
	/* the public key can be read by anyone: it is the certificate's */
	assert_int_equal(jpki_host_read_pubkey(g.t, JPKI_PIN_AUTH, &spki, &len, &err), 0);
	const uint8_t *p = spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)len);
	assert_non_null(pub);
	assert_int_equal(EVP_PKEY_eq(pub, g.card->key[JPKI_PIN_AUTH]), 1);
	EVP_PKEY_free(pub);
	free(spki);
	/* with it: reset a blocked PIN (rule P2) */
	for (int i = 0; i < 3; i++) /* wrong three times: PIN, PIN, then blocked */
		assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "0000", NULL, &err),
		                 i < 2 ? -JPKI_E_PIN : -JPKI_E_PIN_BLOCKED);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "1234", NULL, &err),
	                 -JPKI_E_PIN_BLOCKED);
	assert_int_equal(jpki_host_issuer_auth(g.t, test_master, &err), 0);
	assert_int_equal(jpki_host_set_pin(g.t, JPKI_PIN_AUTH, "12a4", &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_host_set_pin(g.t, JPKI_PIN_AUTH, "1234", &err), 0);
	assert_int_equal(jpki_host_verify(g.t, JPKI_PIN_AUTH, "1234", NULL, &err), 0);
}

/* Rule P1, both kinds. */
static void test_pin_format(void **state)
{
	static const struct {
		enum jpki_pin_id id;
		const char *pin;
		bool ok;
	} cases[] = {
	    {JPKI_PIN_AUTH, "1234", true},
	    {JPKI_PIN_AUTH, "0000", true},
	    {JPKI_PIN_AUTH, "123", false},
	    {JPKI_PIN_AUTH, "12345", false},
	    {JPKI_PIN_AUTH, "12a4", false},
	    {JPKI_PIN_AUTH, "", false},
	    {JPKI_PIN_SIGN, "ABC123", true},
	    {JPKI_PIN_SIGN, "A1B2C3D4E5F6G7H8", true},
	    {JPKI_PIN_SIGN, "ABCDEF", false},
	    {JPKI_PIN_SIGN, "123456", false},
	    {JPKI_PIN_SIGN, "abc123", false},
	    {JPKI_PIN_SIGN, "ABC12", false},
	    {JPKI_PIN_SIGN, "A1B2C3D4E5F6G7H8I", false},
	    {JPKI_PIN_SIGN, "ABC 123", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (jpki_pin_format_ok(cases[i].id, (const uint8_t *)cases[i].pin,
		                       strlen(cases[i].pin)) != cases[i].ok)
			fail_msg("rule P1 case %zu '%s'", i, cases[i].pin);
}

/* ---- personalisation with the real CAs ---- */

static int64_t add_resident(int birth_year)
{
	struct jpki_resident r;
	struct jpki_err err;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "%s", "山田");
	snprintf(r.given, sizeof(r.given), "%s", "太郎");
	snprintf(r.address, sizeof(r.address), "%s", "東京都立川市泉町1156-9");
	r.birth = (struct jpki_date){birth_year, 11, 27};
	r.sex = JPKI_SEX_MALE;
	r.status = JPKI_RESIDENT;
	if (jpki_resident_add(g.st, &r, &err) != 0)
		fail_msg("add resident: %s", err.msg);
	return r.id;
}

/* A blank card with card data, in memory. */
static struct jpki_card *blank(enum jpki_card_kind kind, struct jpki_transport **t)
{
	struct jpki_card *c = NULL;
	struct jpki_err err;
	assert_int_equal(jpki_card_new(test_master, test_serial, &c, &err), 0);
	assert_int_equal(jpki_transport_card_open(c, t, &err), 0);
	assert_int_equal(jpki_host_issuer_auth(*t, test_master, &err), 0);
	assert_int_equal(jpki_host_put_card_data(*t, kind, (struct jpki_date){2035, 11, 27},
	                                         "000011112222", &err),
	                 0);
	return c;
}

static X509 *card_cert(struct jpki_transport *t, uint16_t fid)
{
	uint8_t *der = NULL;
	size_t len = 0;
	struct jpki_err err;
	if (jpki_host_read_cert(t, fid, &der, &len, &err) != 0)
		fail_msg("read %04X: %s", fid, err.msg);
	const uint8_t *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	assert_non_null(x);
	assert_ptr_equal(p, der + len);
	free(der);
	return x;
}

static void test_personalize(void **state)
{
	struct jpki_transport *t = NULL;
	struct jpki_card *c = blank(JPKI_CARD_KIND_MYNUMBER, &t);
	struct jpki_perso_req req = {.resident_id = add_resident(1990),
	                             .auth_pin = "1234",
	                             .sign_pin = "ABC123",
	                             .now = g.now};
	struct jpki_perso_result res;
	struct jpki_err err;
	if (jpki_card_personalize(t, test_master, g.st, g.ca, &req, &res, &err) != 0)
		fail_msg("personalize: %s", err.msg);
	assert_true(res.cert[0].issued && res.cert[1].issued);
	assert_int_equal(jpki_host_select_app(t, &err), 0);
	assert_int_equal(jpki_host_verify(t, JPKI_PIN_SIGN, "ABC123", NULL, &err), 0);
	static const struct {
		uint16_t cert, ca;
		int kind, key;
	} k[] = {
	    {JPKI_FID_AUTH_CERT, JPKI_FID_AUTH_CA, JPKI_KIND_AUTH, JPKI_PIN_AUTH},
	    {JPKI_FID_SIGN_CERT, JPKI_FID_SIGN_CA, JPKI_KIND_SIGN, JPKI_PIN_SIGN},
	};
	for (int i = 0; i < 2; i++) {
		X509 *cert = card_cert(t, k[i].cert), *ca = card_cert(t, k[i].ca);
		assert_int_equal(X509_cmp(ca, g.ca[k[i].kind]->cert), 0);
		assert_int_equal(X509_verify(cert, X509_get0_pubkey(ca)), 1);
		/* the certificate certifies the key generated on the card */
		assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(cert), c->key[k[i].key]), 1);
		X509_free(cert);
		X509_free(ca);
	}
	int tries = 0;
	assert_int_equal(jpki_host_pin_status(t, JPKI_PIN_AUTH, &tries, &err), 0);
	assert_int_equal(tries, 3);
	assert_int_equal(jpki_host_verify(t, JPKI_PIN_AUTH, "1234", NULL, &err), 0);
	/* rule X1: personalising again supersedes both certificates */
	struct jpki_perso_result again;
	assert_int_equal(jpki_card_personalize(t, test_master, g.st, g.ca, &req, &again, &err), 0);
	assert_string_equal(again.cert[0].superseded, res.cert[0].serial);
	assert_string_equal(again.cert[1].superseded, res.cert[1].serial);
	/* issuer-side erase of the signature kind (revocation on the card) */
	assert_int_equal(jpki_host_issuer_auth(t, test_master, &err), 0);
	assert_int_equal(jpki_host_delete(t, false, JPKI_PIN_SIGN, &err), 0);
	struct jpki_card_info in;
	assert_int_equal(jpki_host_info(t, &in, &err), 0);
	assert_true(in.has_key[0] && !in.has_key[1] && in.pin_set[0] && !in.pin_set[1]);
	uint8_t *der = NULL;
	size_t len = 0;
	assert_int_equal(jpki_host_select_app(t, &err), 0);
	assert_int_equal(jpki_host_read_cert(t, JPKI_FID_SIGN_CA, &der, &len, &err),
	                 -JPKI_E_NOT_FOUND);
	jpki_transport_close(t);
	jpki_card_free(c);
}

/* Rule C6: nothing is issued onto a basic-resident-register card. */
static void test_rule_c6(void **state)
{
	struct jpki_transport *t = NULL;
	struct jpki_card *c = blank(JPKI_CARD_KIND_JUKI, &t);
	struct jpki_perso_req req = {.resident_id = add_resident(1985),
	                             .auth_pin = "1234",
	                             .sign_pin = "ABC123",
	                             .now = g.now};
	struct jpki_perso_result res;
	struct jpki_err err;
	char token[33];
	assert_int_equal(jpki_card_personalize(t, test_master, g.st, g.ca, &req, &res, &err),
	                 -JPKI_E_NOT_ELIGIBLE);
	assert_non_null(strstr(err.msg, "C6"));
	/* the card itself refuses keys and certificates too */
	assert_int_equal(jpki_host_issuer_auth(t, test_master, &err), 0);
	uint8_t *spki = NULL;
	size_t len = 0;
	assert_int_equal(jpki_host_generate_key(t, JPKI_PIN_AUTH, &spki, &len, &err),
	                 -JPKI_E_NOT_ELIGIBLE);
	assert_int_not_equal(
	    jpki_host_write_file(t, JPKI_FID_AUTH_CERT, (const uint8_t *)"0", 1, &err), 0);
	assert_int_equal(jpki_host_read_token(t, token, &err), 0);
	assert_string_equal(token, "JPKIAPICCTOKEN");
	/* a card without card data gets no keys either */
	struct jpki_card *b = NULL;
	struct jpki_transport *tb = NULL;
	assert_int_equal(jpki_card_new(test_master, test_serial, &b, &err), 0);
	assert_int_equal(jpki_transport_card_open(b, &tb, &err), 0);
	assert_int_equal(jpki_card_personalize(tb, test_master, g.st, g.ca, &req, &res, &err),
	                 -JPKI_E_STATE);
	jpki_transport_close(tb);
	jpki_card_free(b);
	jpki_transport_close(t);
	jpki_card_free(c);
}

/* Rule E2: a child gets no signature certificate; the card keeps no orphan key. */
static void test_rule_e2(void **state)
{
	struct jpki_transport *t = NULL;
	struct jpki_card *c = blank(JPKI_CARD_KIND_MYNUMBER, &t);
	struct jpki_perso_req req = {.resident_id = add_resident(2016),
	                             .auth_pin = "1234",
	                             .sign_pin = "ABC123",
	                             .now = g.now};
	struct jpki_perso_result res;
	struct jpki_err err;
	assert_int_equal(jpki_card_personalize(t, test_master, g.st, g.ca, &req, &res, &err),
	                 -JPKI_E_NOT_ELIGIBLE);
	assert_non_null(c->key[JPKI_PIN_AUTH]);
	assert_null(c->key[JPKI_PIN_SIGN]);
	req.sign_pin = NULL;
	assert_int_equal(jpki_card_personalize(t, test_master, g.st, g.ca, &req, &res, &err), 0);
	assert_true(res.cert[0].issued && !res.cert[1].issued);
	/* PIN formats are checked before the card is touched */
	req.auth_pin = "12345";
	assert_int_equal(jpki_card_personalize(t, test_master, g.st, g.ca, &req, &res, &err),
	                 -JPKI_E_INVALID);
	jpki_transport_close(t);
	jpki_card_free(c);
}

/* The error currency's status-word column: each word names one code, both ways. */
static void test_status_words(void **state)
{
	for (int c = 0; c < JPKI_E_COUNT; c++) {
		unsigned sw = jpki_code_sw((enum jpki_code)c);
		if (sw && jpki_code_from_sw(sw) != (enum jpki_code)c)
			fail_msg("%s: status word %04X reads back as %s", jpki_code_name(c), sw,
			         jpki_code_name(jpki_code_from_sw(sw)));
	}
	assert_int_equal(jpki_code_from_sw(0x6982), JPKI_E_DENIED);
	assert_int_equal(jpki_code_from_sw(0x6983), JPKI_E_PIN_BLOCKED);
	assert_int_equal(jpki_code_from_sw(0x63C2), JPKI_E_PIN);
	assert_int_equal(jpki_code_from_sw(0x6A82), JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_code_from_sw(0x1234), JPKI_E_CARD);
	assert_int_equal(jpki_code_from_sw(0), JPKI_E_CARD); /* 0 is "none", never a match */
	assert_int_equal(jpki_code_http_status(JPKI_E_PIN_BLOCKED), 423);
}

/* ---- a card write that fails during personalisation ---- */

struct flaky {
	struct jpki_transport t;
	struct jpki_transport *inner;
	int writes_left; /* UPDATE BINARY commands passed on before the card "goes away" */
	int writes;      /* UPDATE BINARY commands passed on */
};

static int flaky_tx(struct jpki_transport *t, const uint8_t *c, size_t n, uint8_t r[JPKI_RAPDU_MAX],
                    size_t *rl, struct jpki_err *err)
{
	struct flaky *f = (struct flaky *)t;
	if (n >= 2 && c[1] == 0xD6) {
		if (f->writes_left-- <= 0)
			return jpki_fail(err, JPKI_E_NO_CARD, "the card was removed (test)");
		f->writes++;
	}
	return f->inner->ops->transmit(f->inner, c, n, r, rl, err);
}

static int flaky_reset(struct jpki_transport *t, struct jpki_err *err)
{
	struct flaky *f = (struct flaky *)t;
	return f->inner->ops->reset(f->inner, err);
}

static void flaky_close(struct jpki_transport *t)
{
}

struct valid_set {
	int n;
	char serial[8][JPKI_SERIAL_HEX_MAX];
};

static int collect_valid(const struct jpki_cert_rec *c, void *arg)
{
	struct valid_set *v = arg;
	if (c->status == JPKI_CERT_VALID && v->n < 8)
		memcpy(v->serial[v->n++], c->serial, JPKI_SERIAL_HEX_MAX);
	return 0;
}

static bool in_set(const struct valid_set *v, const char *serial)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->serial[i], serial) == 0)
			return true;
	return false;
}

/*
 * The promise after any failure: one valid certificate of each kind (the old
 * one stays until a new one is on the card); a certificate that was not
 * valid before (`before`) is valid only when the card holds it; a key on
 * the card only with the current certificate for it, which the card holds.
 */
static void check_card_matches_registry(struct jpki_card *c, struct jpki_transport *t,
                                        int64_t resident, const struct valid_set *before, int at)
{
	struct jpki_err err;
	struct valid_set now = {0};
	assert_int_equal(g.st->ops->cert_each(g.st, resident, collect_valid, &now, &err), 0);
	if (now.n != 2)
		fail_msg("failure at write %d: %d valid certificates, want 2", at, now.n);
	int new_on_card = 0, new_valid = 0;
	for (int i = 0; i < now.n; i++)
		new_valid += !in_set(before, now.serial[i]);
	static const uint16_t fids[2] = {JPKI_FID_AUTH_CERT, JPKI_FID_SIGN_CERT};
	for (int k = 0; k < 2; k++) { /* k: the card's key (PIN) id */
		if (!c->key[k])
			continue;
		enum jpki_kind kind = k == JPKI_PIN_AUTH ? JPKI_KIND_AUTH : JPKI_KIND_SIGN;
		struct jpki_cert_rec cur;
		assert_int_equal(g.st->ops->cert_current(g.st, resident, kind, g.now, &cur, &err),
		                 0);
		assert_int_equal(jpki_host_select_app(t, &err), 0);
		if (k == JPKI_PIN_SIGN) /* the signature certificate is read after its password */
			assert_int_equal(jpki_host_verify(t, JPKI_PIN_SIGN, "ABC123", NULL, &err),
			                 0);
		X509 *on_card = card_cert(t, fids[k]);
		if (EVP_PKEY_eq(X509_get0_pubkey(on_card), c->key[k]) != 1)
			fail_msg("failure at write %d: the card's %s key has another certificate",
			         at, k ? "sign" : "auth");
		char serial[JPKI_SERIAL_HEX_MAX];
		const ASN1_INTEGER *sn = X509_get0_serialNumber(on_card);
		jpki_hex_encode(sn->data, (size_t)sn->length, serial);
		if (strcmp(serial, cur.serial) != 0)
			fail_msg(
			    "failure at write %d: the card holds %s, the registry's current %s "
			    "certificate is %s",
			    at, serial, k ? "sign" : "auth", cur.serial);
		new_on_card += !in_set(before, cur.serial);
		X509_free(on_card);
	}
	if (new_valid != new_on_card)
		fail_msg(
		    "failure at write %d: %d certificate(s) made valid, %d of them on the card", at,
		    new_valid, new_on_card);
}

/*
 * Issue 8: a certificate is never committed (nor the old one superseded)
 * unless the card holds it.  Personalise once, count the card writes of a
 * second personalisation, then fail the card at every one of them in turn.
 */
static void test_personalize_card_write_fails(void **state)
{
	static const struct jpki_transport_ops ops = {flaky_tx, flaky_reset, flaky_close};
	struct jpki_transport *inner = NULL;
	struct jpki_card *c = blank(JPKI_CARD_KIND_MYNUMBER, &inner);
	struct jpki_perso_req req = {.resident_id = add_resident(1980),
	                             .auth_pin = "1234",
	                             .sign_pin = "ABC123",
	                             .now = g.now};
	struct jpki_perso_result res;
	struct jpki_err err;
	assert_int_equal(jpki_card_personalize(inner, test_master, g.st, g.ca, &req, &res, &err),
	                 0);
	struct flaky count = {{&ops, "counting"}, inner, 1 << 30, 0};
	assert_int_equal(jpki_card_personalize(&count.t, test_master, g.st, g.ca, &req, &res, &err),
	                 0);
	assert_true(count.writes >= 4); /* two certificates and two CA certificates at least */
	for (int at = 0; at < count.writes; at++) {
		struct flaky f = {{&ops, "flaky"}, inner, at, 0};
		struct jpki_perso_result bad;
		struct valid_set before = {0};
		assert_int_equal(
		    g.st->ops->cert_each(g.st, req.resident_id, collect_valid, &before, &err), 0);
		assert_int_equal(
		    jpki_card_personalize(&f.t, test_master, g.st, g.ca, &req, &bad, &err),
		    -JPKI_E_NO_CARD);
		check_card_matches_registry(c, inner, req.resident_id, &before, at);
	}
	/* a retry through a working reader issues both again */
	struct jpki_perso_result retry;
	assert_int_equal(jpki_card_personalize(inner, test_master, g.st, g.ca, &req, &retry, &err),
	                 0);
	assert_true(retry.cert[0].issued && retry.cert[1].issued);
	struct valid_set none = {0};
	check_card_matches_registry(c, inner, req.resident_id, &none, -1);
	jpki_transport_close(inner);
	jpki_card_free(c);
}

/* ---- a card that lies ---- */

struct liar {
	struct jpki_transport t;
	const char *answer; /* hex of every answer */
};

static int liar_tx(struct jpki_transport *t, const uint8_t *c, size_t n, uint8_t r[JPKI_RAPDU_MAX],
                   size_t *rl, struct jpki_err *err)
{
	struct liar *l = (struct liar *)t;
	*rl = hex_bytes(l->answer, r, JPKI_RAPDU_MAX);
	return 0;
}

static int liar_reset(struct jpki_transport *t, struct jpki_err *err)
{
	return 0;
}

static void liar_close(struct jpki_transport *t)
{
}

static void test_malformed_answers(void **state)
{
	static const struct jpki_transport_ops ops = {liar_tx, liar_reset, liar_close};
	struct liar l = {{&ops, "liar"}, NULL};
	struct jpki_err err;
	struct jpki_card_info in;
	uint8_t *der = NULL, sig[256];
	size_t len = 0;
	int tries = 0;
	l.answer = "90";
	assert_int_equal(jpki_host_select_app(&l.t, &err), -JPKI_E_CARD);
	l.answer = "";
	assert_int_equal(jpki_host_select_app(&l.t, &err), -JPKI_E_CARD);
	/* 90 00 to everything (the MuscleApplet trap): no info, no certificate */
	l.answer = "9000";
	assert_int_equal(jpki_host_info(&l.t, &in, &err), -JPKI_E_CARD);
	assert_int_equal(jpki_host_read_cert(&l.t, JPKI_FID_AUTH_CERT, &der, &len, &err),
	                 -JPKI_E_CARD);
	assert_int_equal(jpki_host_pin_status(&l.t, JPKI_PIN_AUTH, &tries, &err), -JPKI_E_CARD);
	assert_int_equal(jpki_host_sign_raw(&l.t, JPKI_PIN_AUTH, sig, 10, sig, &err), -JPKI_E_CARD);
	/* a certificate header claiming more than a card file holds */
	l.answer = "3082FFFF 9000";
	assert_int_equal(jpki_host_read_cert(&l.t, JPKI_FID_AUTH_CERT, &der, &len, &err),
	                 -JPKI_E_CARD);
	l.answer = "3084000000 9000";
	assert_int_equal(jpki_host_read_cert(&l.t, JPKI_FID_AUTH_CERT, &der, &len, &err),
	                 -JPKI_E_CARD);
	/* more data than asked for */
	l.answer = "3082000400000000 9000";
	assert_int_equal(jpki_host_read_cert(&l.t, JPKI_FID_AUTH_CERT, &der, &len, &err),
	                 -JPKI_E_CARD);
	/* a card info with a number longer than the answer */
	l.answer = "0102030405060708 01 01 07EB 0B 1B 0F 03 05 10 3132 9000";
	assert_int_equal(jpki_host_info(&l.t, &in, &err), -JPKI_E_CARD);
	assert_null(der);
}

/* The card-face text application: written and read by the issuer, read by the holder's PIN */
static void test_card_face(void **state)
{
	struct jpki_card *c = make_card(JPKI_CARD_KIND_MYNUMBER);
	struct jpki_transport *t = NULL;
	struct jpki_err err;
	struct jpki_card_face f = {0}, back;
	assert_int_equal(jpki_transport_card_open(c, &t, &err), 0);
	size_t sign_ca_len = c->file[JPKI_FILE_SIGN_CA].len;
	snprintf(f.name, sizeof(f.name), "番号\xE3\x80\x80花子");
	snprintf(f.address, sizeof(f.address), "東京都千代田区永田町一丁目1番1号");
	f.birth = (struct jpki_date){1990, 4, 1};
	f.sex = JPKI_SEX_FEMALE;
	assert_int_equal(jpki_host_read_face(t, test_master, NULL, &back, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_host_write_face(t, test_master, &f, "1234", &err), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(jpki_host_read_face(t, test_master, NULL, &back, &err), 0);
	assert_string_equal(back.name, f.name);
	assert_string_equal(back.address, f.address);
	assert_int_equal(jpki_date_cmp(back.birth, f.birth), 0);
	assert_int_equal(back.sex, JPKI_SEX_FEMALE);
	char diff[64];
	jpki_face_diff(&back, &f, diff, sizeof(diff));
	assert_string_equal(diff, "");
	/* the holder's PIN: a wrong one costs a try, the right one reads */
	assert_int_equal(jpki_host_read_face(t, NULL, "9999", &back, &err), -JPKI_E_PIN);
	assert_int_equal(c->pin[JPKI_PIN_FACE].tries, 2);
	assert_int_equal(jpki_host_read_face(t, NULL, "1234", &back, &err), 0);
	assert_int_equal(c->pin[JPKI_PIN_FACE].tries, 3);
	/* without either: 69 82 */
	static const uint8_t sel[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02};
	static const uint8_t rd[] = {0x00, 0xB0, 0x00, 0x00, 0x00};
	uint16_t sw = 0;
	assert_int_equal(jpki_host_select_aid(t, jpki_face_aid, &err), 0);
	assert_int_equal(jpki_host_apdu(t, sel, sizeof(sel), NULL, 0, NULL, &sw, &err), 0);
	assert_int_equal(sw, 0x9000);
	uint8_t out[256];
	size_t n = 0;
	assert_int_equal(jpki_host_apdu(t, rd, sizeof(rd), out, sizeof(out), &n, &sw, &err), 0);
	assert_int_equal(sw, 0x6982);
	/* in the face application the JPKI files do not exist, and key generation is refused */
	static const uint8_t sel_key[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17};
	assert_int_equal(jpki_host_apdu(t, sel_key, sizeof(sel_key), NULL, 0, NULL, &sw, &err), 0);
	assert_int_equal(sw, 0x6A82);
	static const uint8_t gen[] = {0x80, 0x46, 0x00, 0x17};
	assert_int_equal(jpki_host_apdu(t, gen, sizeof(gen), NULL, 0, NULL, &sw, &err), 0);
	assert_int_equal(sw, 0x6985);
	/* the JPKI application's sign CA file (also 0002) is untouched */
	assert_int_equal(c->file[JPKI_FILE_SIGN_CA].len, sign_ca_len);
	struct jpki_card_info in;
	assert_int_equal(jpki_host_info(t, &in, &err), 0);
	assert_true(in.has_face && in.face_pin_set);
	assert_int_equal(in.tries[JPKI_PIN_FACE], 3);
	/* a record that differs: rule E4 names the fields */
	struct jpki_card_face moved = f;
	snprintf(moved.address, sizeof(moved.address), "大阪府大阪市北区中之島一丁目3番20号");
	moved.sex = JPKI_SEX_MALE;
	jpki_face_diff(&back, &moved, diff, sizeof(diff));
	assert_string_equal(diff, "address, sex");
	jpki_transport_close(t);
	jpki_card_free(c);
}

/* EF 0002 from outside: every truncation and a wrong tag are refused */
static void test_card_face_decode(void **state)
{
	struct jpki_card_face f = {.birth = {2001, 2, 3}, .sex = JPKI_SEX_MALE}, back;
	struct jpki_err err;
	uint8_t buf[JPKI_FACE_MAX];
	size_t len = 0;
	snprintf(f.name, sizeof(f.name), "A B");
	snprintf(f.address, sizeof(f.address), "X");
	assert_int_equal(jpki_face_encode(&f, buf, sizeof(buf), &len, &err), 0);
	assert_int_equal(jpki_face_decode(buf, len, &back, &err), 0);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(jpki_face_decode(buf, n, &back, &err), -JPKI_E_INVALID);
	buf[len - 1] = '7'; /* not an ISO 5218 code */
	assert_int_equal(jpki_face_decode(buf, len, &back, &err), -JPKI_E_INVALID);
	buf[len - 1] = '1';
	buf[2] = 0x21; /* inner tag where DF 21 should be */
	assert_int_equal(jpki_face_decode(buf, len, &back, &err), -JPKI_E_INVALID);
	snprintf(f.name, sizeof(f.name), "A\nB"); /* a control character */
	assert_int_equal(jpki_face_encode(&f, buf, sizeof(buf), &len, &err), -JPKI_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_info, reset),
	    cmocka_unit_test_setup(test_read_certs, reset),
	    cmocka_unit_test_setup(test_pins, reset),
	    cmocka_unit_test_setup(test_sign, reset),
	    cmocka_unit_test_setup(test_issuer_side, reset),
	    cmocka_unit_test(test_pin_format),
	    cmocka_unit_test(test_status_words),
	    cmocka_unit_test(test_personalize),
	    cmocka_unit_test(test_personalize_card_write_fails),
	    cmocka_unit_test(test_rule_c6),
	    cmocka_unit_test(test_rule_e2),
	    cmocka_unit_test(test_malformed_answers),
	    cmocka_unit_test(test_card_face),
	    cmocka_unit_test(test_card_face_decode),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
