/*
 * test_card_apdu.c: the card's APDU processor (src/lib/card/apdu.c) against
 * docs/card-spec.md: every command and status word, the foreign-probe sequence
 * OpenSC 0.23 sends before its jpki driver, the PIN status rule (63 Cx even
 * after a successful VERIFY; 63 C0 and 69 83 when blocked), retry counters
 * and lockout, security state and what clears it, and the commit-before-
 * answer rule.
 */
#include "card_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "card/image.h"

static struct jpki_card *card;
static uint8_t *body; /* the personalised card, made once (RSA key generation is slow) */
static size_t body_len;

static int group_setup(void **state)
{
	struct jpki_card *c = make_card(JPKI_CARD_KIND_MYNUMBER);
	int rc = jpki_card_body_encode(c, &body, &body_len, NULL);
	jpki_card_free(c);
	return rc;
}

static int group_teardown(void **state)
{
	OPENSSL_clear_free(body, body_len);
	return 0;
}

static int setup(void **state)
{
	if (jpki_card_new(test_master, test_serial, &card, NULL) != 0 ||
	    jpki_card_body_decode(card, body, body_len, NULL) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	jpki_card_free(card);
	card = NULL;
	return 0;
}

/* ISO 7816-3 §8.2: TS 3B, T=1 offered, TCK = XOR of T0..last historical byte */
static void test_atr(void **state)
{
	size_t n = 0;
	const uint8_t *atr = jpki_card_atr(&n);
	assert_true(n >= 3 && n <= 33);
	assert_int_equal(atr[0], 0x3B);
	uint8_t x = 0;
	for (size_t i = 1; i < n; i++)
		x ^= atr[i];
	assert_int_equal(x, 0);
	assert_int_equal(atr[1] & 0x0F, 8); /* 8 historical bytes */
	assert_int_equal(atr[2] & 0x0F, 1); /* TD1: T=1 */
	assert_memory_equal(atr + 6, "JPKISOFT", 8);
	/* not the ATR OpenSC matches directly: binding goes through SELECT AID */
	static const uint8_t opensc_jpki[] = {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14};
	assert_false(n == sizeof(opensc_jpki) && memcmp(atr, opensc_jpki, n) == 0);
}

/* ref/opensc-0.23-bind-and-sign.apdu.txt: every probe before the jpki driver */
static void test_foreign_probes(void **state)
{
	static const struct {
		const char *apdu;
		uint16_t sw;
	} probes[] = {
	    {"00a4040007627601ff000000", 0x6A82},
	    {"00a4040006a00000000101", 0x6A82},
	    {"00a404000be82b0601040181c31f020100", 0x6A82},
	    {"00a4040c0fd23300000045737445494420763335", 0x6A82},
	    {"00cadf3005", 0x6D00},
	    {"00cb3fff035c017e08", 0x6D00},
	    {"00a4040009a00000030800001000 00", 0x6A82},
	    {"00a4040c07a0000001 16db0000", 0x6A82},
	    {"00a4040c07a0000000791000 00", 0x6A82},
	    {"00a4040c07a000000079010f00", 0x6A82},
	    {"00a404000cf276a288bcfba69d34f31001", 0x6A82},
	    {"00a4040009a0000003974254465900", 0x6A82},
	    {"00a4040006d27600012401 00", 0x6A82},
	    {SELECT_APP, 0x9000},
	    {"00a4020c020018", 0x9000},
	    {"00200080", 0x63C3},
	    {"00a4020c02001b", 0x9000},
	    {"00200080", 0x63C5},
	};
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		uint16_t sw = tx(card, probes[i].apdu, NULL, NULL);
		if (sw != probes[i].sw)
			fail_msg("probe %zu (%s): SW %04X, want %04X", i, probes[i].apdu, sw,
			         probes[i].sw);
	}
	/* a card that says 90 00 to everything is claimed by MuscleApplet */
	assert_int_equal(tx(card, "00A4040006A00000000101", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "0036000000", NULL, NULL), 0x6D00);
	assert_int_equal(tx(card, "B0A4040C0A D392F000260100000001", NULL, NULL), 0x6E00);
	assert_int_equal(tx(card, "80560000 00", NULL, NULL), 0x6D00); /* CAC GET PROPERTIES */
}

/* A failed SELECT leaves the current selection as it was (docs/card-spec.md). */
static void test_failed_select_keeps_selection(void **state)
{
	uint8_t a[256], b[256];
	size_t na = 0, nb = 0;
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C02000A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", a, &na), 0x9000);
	assert_int_equal(tx(card, "00A4040C07A0000000790100", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00A4020C02 7777", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00B0000004", b, &nb), 0x9000);
	assert_int_equal(na, 4);
	assert_int_equal(nb, 4);
	assert_memory_equal(a, b, 4);
}

static void test_select_ef(void **state)
{
	static const char *const fids[] = {"0001", "0002", "0006", "000A", "000B",
	                                   "0017", "0018", "001A", "001B"};
	char cmd[32];
	/* before the application is selected there are no EFs */
	assert_int_equal(tx(card, "00A4020C02000A", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x6986);
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	for (size_t i = 0; i < 9; i++) {
		snprintf(cmd, sizeof(cmd), "00A4020C02%s", fids[i]);
		assert_int_equal(tx(card, cmd, NULL, NULL), 0x9000);
	}
	assert_int_equal(tx(card, "00A4020C020003", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00A4020C0100", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00A4000C023F00", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00A4FF0C020018", NULL, NULL), 0x6A86);
	assert_int_equal(tx(card, "00A40400 0A D392F000260100000001", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A40401 0A D392F000260100000001", NULL, NULL), 0x6A86);
}

/* OpenSC's reading pattern: 4 bytes, then 256-byte chunks from 0, then an exact Le. */
static void test_read_binary(void **state)
{
	uint8_t want[1024], got[1024], buf[256];
	size_t n = 0, off = 0;
	fake_der(want, 870, 0);
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C02000A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", buf, &n), 0x9000);
	assert_int_equal(n, 4);
	size_t total = (size_t)(buf[2] << 8 | buf[3]) + 4;
	assert_int_equal(total, 870);
	while (off < total) {
		size_t le = total - off >= 256 ? 256 : total - off;
		uint8_t cmd[5] = {0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, (uint8_t)le};
		assert_int_equal(tx_raw(card, cmd, 5, got + off, &n), 0x9000);
		assert_int_equal(n, le);
		off += n;
	}
	assert_memory_equal(got, want, 870);
	/* Le larger than what is left: what is left, 90 00 */
	assert_int_equal(tx(card, "00B0036000", buf, &n), 0x9000);
	assert_int_equal(n, 870 - 0x360);
	/* any offset; past the end 6B 00 */
	assert_int_equal(tx(card, "00B0000105", buf, &n), 0x9000);
	assert_memory_equal(buf, want + 1, 5);
	assert_int_equal(tx(card, "00B0036601", NULL, NULL), 0x6B00);
	assert_int_equal(tx(card, "00B07FFF01", NULL, NULL), 0x6B00);
	/* short EF identifiers are not offered; data in READ BINARY is wrong */
	assert_int_equal(tx(card, "00B0810004", NULL, NULL), 0x6A81);
	assert_int_equal(tx(card, "00B00000 02 0000", NULL, NULL), 0x6700);
	/* the token */
	assert_int_equal(tx(card, "00A4020C020006", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000020", buf, &n), 0x9000);
	assert_int_equal(n, 32);
	assert_memory_equal(buf, "JPKIAPICCTOKEN2                 ", 32);
	/* keys and PINs are never readable */
	static const char *const secret[] = {"0017", "0018", "001A", "001B"};
	for (int i = 0; i < 4; i++) {
		char cmd[32];
		snprintf(cmd, sizeof(cmd), "00A4020C02%s", secret[i]);
		assert_int_equal(tx(card, cmd, NULL, NULL), 0x9000);
		assert_int_equal(tx(card, "00B0000000", NULL, NULL), 0x6981);
	}
}

/* EF 0001 answers 69 82 until the signature password is verified */
static void test_sign_cert_needs_password(void **state)
{
	uint8_t buf[256];
	size_t n = 0;
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020001", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x6982);
	/* the authentication PIN does not open it */
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020001", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x6982);
	assert_int_equal(tx(card, "00A4020C02001B", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008006 414243313233", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020001", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", buf, &n), 0x9000);
	assert_int_equal(n, 4);
	assert_int_equal(buf[0], 0x30);
	/* the CA certificates are free */
	jpki_card_power(card);
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020002", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C02000B", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x9000);
}

/* docs/card-spec.md: 63 Cx even after a successful VERIFY; a correct PIN resets the count */
static void test_pin_status_rule(void **state)
{
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
	assert_int_equal(tx(card, "0020008004 30303030", NULL, NULL), 0x63C2);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C2);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
	/* Le 00 as a status query too */
	assert_int_equal(tx(card, "0020008000", NULL, NULL), 0x63C3);
	assert_int_equal(tx(card, "00A4020C02001B", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C5);
	/* VERIFY needs a PIN EF and P1-P2 00 80 */
	assert_int_equal(tx(card, "0020008104 31323334", NULL, NULL), 0x6A86);
	assert_int_equal(tx(card, "00A4020C02000A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x6981);
}

static void lockout(const char *fid, const char *wrong, const char *right, int max)
{
	char cmd[64];
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	snprintf(cmd, sizeof(cmd), "00A4020C02%s", fid);
	assert_int_equal(tx(card, cmd, NULL, NULL), 0x9000);
	for (int left = max - 1; left >= 0; left--) {
		assert_int_equal(tx(card, wrong, NULL, NULL), 0x63C0 | left);
		assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C0 | left);
	}
	/* blocked: the right PIN is refused too, status 63 C0 */
	assert_int_equal(tx(card, right, NULL, NULL), 0x6983);
	assert_int_equal(tx(card, wrong, NULL, NULL), 0x6983);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C0);
	/* power-off does not unblock */
	jpki_card_power(card);
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, cmd, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, right, NULL, NULL), 0x6983);
}

static void test_lockout_auth(void **state)
{
	lockout("0018", "0020008004 39393939", "0020008004 31323334", JPKI_AUTH_PIN_TRIES);
	/* the signature password is independent */
	assert_int_equal(tx(card, "00A4020C02001B", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C5);
}

static void test_lockout_sign(void **state)
{
	lockout("001B", "0020008006 5A5A5A393939", "0020008006 414243313233", JPKI_SIGN_PIN_TRIES);
}

/* A value that is no PIN of this kind (rule P1 length) is refused without costing a try. */
static void test_verify_wrong_length(void **state)
{
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008003 313233", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "0020008005 3132333435", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
	assert_int_equal(tx(card, "00A4020C02001B", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008005 4142433132", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "0020008011 4142433132334142433132334142433132", NULL, NULL),
	                 0x6700);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C5);
}

static bool sig_verifies(EVP_PKEY *key, const uint8_t *data, size_t len, const uint8_t *sig)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
	          EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	          EVP_PKEY_verify(ctx, sig, 256, data, len) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* The transcript's SHA-256 DigestInfo, signed as given (PKCS#1 v1.5 type 01). */
#define DIGESTINFO                                                                                 \
	"3031300d060960864801650304020105000420"                                                   \
	"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static void test_compute_signature(void **state)
{
	uint8_t sig[256], di[51];
	size_t n = 0;
	hex_bytes(DIGESTINFO, di, sizeof(di));
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020017", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "802A008033" DIGESTINFO "00", NULL, NULL), 0x6982);
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020017", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "802A008033" DIGESTINFO "00", sig, &n), 0x9000);
	assert_int_equal(n, 256);
	assert_true(sig_verifies(card->key[JPKI_PIN_AUTH], di, sizeof(di), sig));
	assert_false(sig_verifies(card->key[JPKI_PIN_SIGN], di, sizeof(di), sig));
	/* the authentication key signs again without a new VERIFY; case 3 works too */
	assert_int_equal(tx(card, "802A008033" DIGESTINFO, sig, &n), 0x9000);
	/* the auth PIN does not unlock the signature key */
	assert_int_equal(tx(card, "00A4020C02001A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "802A008033" DIGESTINFO "00", NULL, NULL), 0x6982);
	assert_int_equal(tx(card, "00A4020C02001B", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008006 414243313233", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C02001A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "802A008033" DIGESTINFO "00", sig, &n), 0x9000);
	assert_true(sig_verifies(card->key[JPKI_PIN_SIGN], di, sizeof(di), sig));
	/* user consent: one signature per VERIFY of the signature password */
	assert_int_equal(tx(card, "802A008033" DIGESTINFO "00", NULL, NULL), 0x6982);
	/* raw data (CKM_RSA_PKCS) up to 245 bytes; not more, not empty */
	uint8_t big[5 + 246 + 1] = {0x80, 0x2A, 0x00, 0x80, 245};
	assert_int_equal(tx(card, "00A4020C020017", NULL, NULL), 0x9000);
	assert_int_equal(tx_raw(card, big, 5 + 245 + 1, sig, &n), 0x9000);
	big[4] = 246;
	assert_int_equal(tx_raw(card, big, 5 + 246 + 1, NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "802A0080", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "802A0081 01 00", NULL, NULL), 0x6A86);
	/* only key EFs sign */
	assert_int_equal(tx(card, "00A4020C02000A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "802A008001 00", NULL, NULL), 0x6981);
}

/* Power-off, reset and re-selection of the application clear the security state. */
static void test_security_state_cleared(void **state)
{
	for (int how = 0; how < 2; how++) {
		assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
		assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
		assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
		if (how == 0)
			jpki_card_power(card);
		assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
		assert_int_equal(tx(card, "00A4020C020017", NULL, NULL), 0x9000);
		assert_int_equal(tx(card, "802A008033" DIGESTINFO "00", NULL, NULL), 0x6982);
	}
	/* after power-off nothing is selected */
	jpki_card_power(card);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x6986);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x6986);
}

static void test_change_pin(void **state)
{
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0024018004 35363738", NULL, NULL), 0x6982);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0024018004 3536373A", NULL, NULL), 0x6A80); /* rule P1 */
	assert_int_equal(tx(card, "0024008004 35363738", NULL, NULL), 0x6A86);
	assert_int_equal(tx(card, "0024018004 35363738", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x63C2);
	assert_int_equal(tx(card, "0020008004 35363738", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
}

/* ISO 7816-3 §12.1 cases; extended length and inconsistent lengths are 67 00. */
static void test_apdu_shapes(void **state)
{
	assert_int_equal(tx(card, "", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "00A404", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "00A4040C 00000A D392F000260100000001", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "00A4040C 0B D392F000260100000001", NULL, NULL), 0x6700);
	/* Lc 09 makes the last byte Le (case 4): a 9-byte name, not ours */
	assert_int_equal(tx(card, "00A4040C 09 D392F000260100000001", NULL, NULL), 0x6A82);
	assert_int_equal(tx(card, "00A4040C 0A D392F000260100000001 00 00", NULL, NULL), 0x6700);
	assert_int_equal(tx(card, "00A4040C 0A D392F000260100000001 00", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00B0000000", NULL, NULL), 0x6986);
	assert_int_equal(tx(card, "FFA4040C", NULL, NULL), 0x6E00);
	assert_int_equal(tx(card, "0CB0000004", NULL, NULL), 0x6E00);
	assert_int_equal(tx(card, "00FF0000", NULL, NULL), 0x6D00);
	assert_int_equal(tx(card, "80FF0000", NULL, NULL), 0x6D00);
}

static int commits_seen, fail_commits;
static uint8_t tries_at_commit[8];

static int record_commit(const struct jpki_card *c, void *arg)
{
	(void)arg;
	if (commits_seen < 8)
		tries_at_commit[commits_seen] = c->pin[JPKI_PIN_AUTH].tries;
	commits_seen++;
	return fail_commits ? -1 : 0;
}

/* The decremented counter is committed before the PIN is compared and answered. */
static void test_commit_before_answer(void **state)
{
	card->commit = record_commit;
	commits_seen = 0;
	fail_commits = 0;
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(commits_seen, 0);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
	assert_int_equal(commits_seen, 0); /* status is read only */
	assert_int_equal(tx(card, "0020008004 39393939", NULL, NULL), 0x63C2);
	assert_int_equal(commits_seen, 1);
	assert_int_equal(tries_at_commit[0], 2);
	/* a correct PIN: first the decrement, then the reset, both on disk */
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
	assert_int_equal(commits_seen, 3);
	assert_int_equal(tries_at_commit[1], 1);
	assert_int_equal(tries_at_commit[2], 3);
	/* when the image cannot be written: 65 81, the PIN is not even compared */
	fail_commits = 1;
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x6581);
	assert_int_equal(card->pin[JPKI_PIN_AUTH].tries, 3);
	assert_false(card->verified[JPKI_PIN_AUTH]);
	assert_int_equal(tx(card, "0020008004 39393939", NULL, NULL), 0x6581);
	assert_int_equal(tx(card, "00200080", NULL, NULL), 0x63C3);
	/* issuer changes are undone as well */
	assert_int_equal(issuer_login(card, test_master), 0x9000);
	EVP_PKEY *before = card->key[JPKI_PIN_AUTH];
	assert_int_equal(tx(card, "80460017", NULL, NULL), 0x6581);
	assert_ptr_equal(card->key[JPKI_PIN_AUTH], before);
	assert_int_equal(tx(card, "80D8001804 35353535", NULL, NULL), 0x6581);
	assert_int_equal(tx(card, "80E40000", NULL, NULL), 0x6581);
	assert_non_null(card->key[JPKI_PIN_SIGN]);
	assert_int_equal(tx(card, "00A4020C02000A", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "800E0000", NULL, NULL), 0x6581);
	assert_int_equal(tx(card, "80D6000001 AA", NULL, NULL), 0x6581);
	assert_int_equal(tx(card, "00B0000004", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "80DA000006 01 07EB0101 39", NULL, NULL), 0x6581);
	assert_string_equal(card->number, "123456789012");
	fail_commits = 0;
	card->commit = NULL;
	jpki_card_power(card);
	assert_int_equal(tx(card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(card, "0020008004 31323334", NULL, NULL), 0x9000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_atr),
	    cmocka_unit_test_setup_teardown(test_foreign_probes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_select_keeps_selection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_ef, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_binary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sign_cert_needs_password, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_status_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lockout_auth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lockout_sign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_wrong_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compute_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_security_state_cleared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_change_pin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_apdu_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_before_answer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
