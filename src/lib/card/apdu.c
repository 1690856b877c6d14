/*
 * apdu.c: the JPKI application, as docs/card-spec.md describes it.
 *
 * One entry point, jpki_card_process(): parse the C-APDU through the
 * bounded cursor (ISO 7816-3 §12.1 short cases 1-4; extended length is
 * refused with 67 00), then dispatch on CLA and INS.  CLA 00 carries the
 * ISO commands OpenSC sends (SELECT, READ BINARY, VERIFY, CHANGE REFERENCE
 * DATA); CLA 80 carries COMPUTE SIGNATURE and the issuer commands of
 * perso.c.  Everything else is refused the way docs/card-spec.md requires: an
 * unknown AID 6A 82, an unknown INS 6D 00, never 90 00, so the other OpenSC
 * drivers that probe first do not claim the card.
 *
 * Persistent changes go through jpki_card_commit() before the answer; the
 * PIN retry counter is decremented and committed *before* the PIN is
 * compared, so cutting the power (killing the process) after seeing a slow
 * answer cannot save a try.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "card.h"
#include "core/cursor.h"
#include "keys.h"

const uint8_t jpki_card_aid[JPKI_CARD_AID_LEN] = {0xD3, 0x92, 0xF0, 0x00, 0x26,
                                                  0x01, 0x00, 0x00, 0x00, 0x01};
const uint8_t jpki_face_aid[JPKI_CARD_AID_LEN] = {0xD3, 0x92, 0x10, 0x00, 0x31,
                                                  0x00, 0x01, 0x01, 0x04, 0x08};

/*
 * ATR (ISO 7816-3 §8.2): TS 3B (direct convention); T0 88 = TD1 follows, 8
 * historical bytes; TD1 81 = TD2 follows, T=1; TD2 31 = TA3 and TB3 follow,
 * T=1; TA3 FE = IFSC 254; TB3 45 = BWI 4, CWI 5; historical bytes
 * "JPKISOFT" (first byte not 00/80/10: proprietary, §8.1.1); TCK makes the
 * XOR of T0..TCK zero (checked by the unit tests).
 */
static const uint8_t atr[] = {0x3B, 0x88, 0x81, 0x31, 0xFE, 0x45, 'J', 'P',
                              'K',  'I',  'S',  'O',  'F',  'T',  0x95};

const uint8_t *jpki_card_atr(size_t *len)
{
	*len = sizeof(atr);
	return atr;
}

void jpki_card_token(enum jpki_card_kind kind, uint8_t out[32])
{
	/* docs/card-spec.md: the old resident-register card said JPKIAPICCTOKEN */
	const char *t = kind == JPKI_CARD_KIND_JUKI ? "JPKIAPICCTOKEN" : "JPKIAPICCTOKEN2";
	memset(out, ' ', 32);
	memcpy(out, t, strlen(t));
}

bool jpki_pin_format_ok(enum jpki_pin_id id, const uint8_t *pin, size_t len)
{
	bool letter = false, digit = false;
	if (id == JPKI_PIN_AUTH || id == JPKI_PIN_FACE) { /* rule P1: exactly 4 digits */
		if (len != 4)
			return false;
		for (size_t i = 0; i < len; i++)
			if (pin[i] < '0' || pin[i] > '9')
				return false;
		return true;
	}
	if (len < 6 || len > 16) /* rule P1: 6 to 16 of A-Z 0-9, both kinds */
		return false;
	for (size_t i = 0; i < len; i++) {
		if (pin[i] >= 'A' && pin[i] <= 'Z')
			letter = true;
		else if (pin[i] >= '0' && pin[i] <= '9')
			digit = true;
		else
			return false;
	}
	return letter && digit;
}

int jpki_card_file_index(const struct jpki_card *c, uint16_t fid)
{
	if (c->face_selected)
		return fid == JPKI_FID_FACE_ATTRS ? JPKI_FILE_FACE : -1;
	switch (fid) {
	case JPKI_FID_SIGN_CERT:
		return JPKI_FILE_SIGN_CERT;
	case JPKI_FID_SIGN_CA:
		return JPKI_FILE_SIGN_CA;
	case JPKI_FID_AUTH_CERT:
		return JPKI_FILE_AUTH_CERT;
	case JPKI_FID_AUTH_CA:
		return JPKI_FILE_AUTH_CA;
	default:
		return -1;
	}
}

uint16_t jpki_pin_fid(enum jpki_pin_id id)
{
	return id == JPKI_PIN_AUTH   ? JPKI_FID_AUTH_PIN
	       : id == JPKI_PIN_SIGN ? JPKI_FID_SIGN_PIN
	                             : JPKI_FID_FACE_PIN;
}

static bool fid_known(const struct jpki_card *c, uint16_t fid)
{
	if (c->face_selected) /* the individual number (EF 0001) is not held: docs/card-spec.md */
		return fid == JPKI_FID_FACE_ATTRS || fid == JPKI_FID_FACE_PIN;
	return jpki_card_file_index(c, fid) >= 0 || fid == JPKI_FID_TOKEN ||
	       fid == JPKI_FID_AUTH_KEY || fid == JPKI_FID_AUTH_PIN || fid == JPKI_FID_SIGN_KEY ||
	       fid == JPKI_FID_SIGN_PIN;
}

void jpki_card_power(struct jpki_card *c)
{
	c->app_selected = c->face_selected = false;
	c->cur_fid = 0;
	memset(c->verified, 0, sizeof(c->verified));
	c->challenge_valid = false;
	OPENSSL_cleanse(c->challenge, sizeof(c->challenge));
	c->issuer_auth = false;
}

bool jpki_card_commit(struct jpki_card *c)
{
	return !c->commit || c->commit(c, c->commit_arg) == 0;
}

/*
 * ISO 7816-3 §12.1.3: after the 4-byte header, nothing (case 1); one byte
 * Le (case 2, 00 = 256); Lc and Lc bytes (case 3); Lc, the bytes and Le
 * (case 4).  A first body byte of 00 with more to follow is extended length,
 * which this card does not offer.
 */
static bool parse_apdu(const uint8_t *buf, size_t len, struct jpki_apdu *a)
{
	struct jpki_cur cur = jpki_cur_make(buf, len);
	uint8_t b = 0;
	memset(a, 0, sizeof(*a));
	if (!jpki_cur_u8(&cur, &a->cla) || !jpki_cur_u8(&cur, &a->ins) ||
	    !jpki_cur_u8(&cur, &a->p1) || !jpki_cur_u8(&cur, &a->p2))
		return false;
	if (jpki_cur_done(&cur))
		return true; /* case 1 */
	if (!jpki_cur_u8(&cur, &b))
		return false;
	if (jpki_cur_done(&cur)) { /* case 2 */
		a->has_le = true;
		a->le = b ? b : 256;
		return true;
	}
	if (b == 0)
		return false; /* extended length */
	a->lc = b;
	if (!jpki_cur_take(&cur, a->lc, &a->data))
		return false;
	if (jpki_cur_done(&cur))
		return true; /* case 3 */
	if (!jpki_cur_u8(&cur, &b) || !jpki_cur_done(&cur))
		return false;
	a->has_le = true; /* case 4 */
	a->le = b ? b : 256;
	return true;
}

/* ISO 7816-4 §11.2.2 SELECT */
static uint16_t do_select(struct jpki_card *c, const struct jpki_apdu *a)
{
	if (a->p1 == 0x04) { /* by DF name */
		if ((a->p2 & ~0x0Cu) != 0)
			return SW_P1P2;
		bool jpki =
		    a->lc == JPKI_CARD_AID_LEN && memcmp(a->data, jpki_card_aid, a->lc) == 0;
		bool face =
		    a->lc == JPKI_CARD_AID_LEN && memcmp(a->data, jpki_face_aid, a->lc) == 0;
		if (!jpki && !face)
			return SW_NOT_FOUND; /* the current selection stays as it was */
		/* selecting an application logs out (OpenSC 0.24+ relies on it) */
		jpki_card_power(c);
		c->app_selected = jpki;
		c->face_selected = face;
		return SW_OK;
	}
	if (a->p1 == 0x02 || a->p1 == 0x00) { /* EF under the current DF / by FID */
		if (!(c->app_selected || c->face_selected) || a->lc != 2)
			return SW_NOT_FOUND;
		uint16_t fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
		if (!fid_known(c, fid))
			return SW_NOT_FOUND;
		c->cur_fid = fid;
		return SW_OK;
	}
	if (a->p1 <= 0x09)
		return SW_NOT_FOUND; /* MF, parent, paths: there is nothing else here */
	return SW_P1P2;
}

static uint16_t copy_out(const uint8_t *src, size_t len, size_t off, const struct jpki_apdu *a,
                         uint8_t *out, size_t *out_len)
{
	if (off >= len)
		return SW_OFFSET; /* ISO 7816-4 §11.3.3: offset outside the EF */
	size_t n = len - off, max = a->has_le ? a->le : 256;
	if (n > max)
		n = max;
	memcpy(out, src + off, n);
	*out_len = n;
	return SW_OK; /* docs/card-spec.md: min(Le, bytes left) + 90 00 */
}

/* ISO 7816-4 §11.3.3 READ BINARY, offset in P1-P2 (b8 of P1 clear) */
static uint16_t do_read(struct jpki_card *c, const struct jpki_apdu *a, uint8_t *out,
                        size_t *out_len)
{
	if (a->p1 & 0x80)
		return SW_FUNC; /* short EF identifiers are not offered */
	if (a->lc)
		return SW_WRONG_LENGTH;
	if (!(c->app_selected || c->face_selected) || c->cur_fid == 0)
		return SW_NO_EF;
	size_t off = (size_t)a->p1 << 8 | a->p2;
	if (c->app_selected && c->cur_fid == JPKI_FID_TOKEN) {
		uint8_t token[32];
		jpki_card_token(c->kind, token);
		return copy_out(token, sizeof(token), off, a, out, out_len);
	}
	int i = jpki_card_file_index(c, c->cur_fid);
	if (i < 0)
		return SW_FILE_INCOMPAT; /* a key or a PIN: never readable */
	/* docs/card-spec.md: the signature certificate only after the password */
	if (i == JPKI_FILE_SIGN_CERT && !c->verified[JPKI_PIN_SIGN])
		return SW_SECURITY;
	/* the card face: after its PIN, or to the issuer (the counter's check, rule E4) */
	if (i == JPKI_FILE_FACE && !c->verified[JPKI_PIN_FACE] && !c->issuer_auth)
		return SW_SECURITY;
	return copy_out(c->file[i].data, c->file[i].len, off, a, out, out_len);
}

static int pin_of_fid(const struct jpki_card *c, uint16_t fid)
{
	if (c->face_selected)
		return fid == JPKI_FID_FACE_PIN ? JPKI_PIN_FACE : -1;
	if (!c->app_selected)
		return -1;
	return fid == JPKI_FID_AUTH_PIN   ? JPKI_PIN_AUTH
	       : fid == JPKI_FID_SIGN_PIN ? JPKI_PIN_SIGN
	                                  : -1;
}

static bool pin_matches(const struct jpki_card *c, int id, const uint8_t *pin, size_t len)
{
	uint8_t fid[2] = {0x00, (uint8_t)jpki_pin_fid((enum jpki_pin_id)id)};
	uint8_t h[32];
	if (jpki_hmac2(c->k_pin, fid, 2, pin, len, h) != 0)
		return false;
	bool ok = CRYPTO_memcmp(h, c->pin[id].hash, sizeof(h)) == 0;
	OPENSSL_cleanse(h, sizeof(h));
	return ok;
}

/* ISO 7816-4 §11.5.6 VERIFY on the current PIN EF (P2 80: specific reference data) */
static uint16_t do_verify(struct jpki_card *c, const struct jpki_apdu *a)
{
	if (a->p1 != 0x00 || a->p2 != 0x80)
		return SW_P1P2;
	int id = pin_of_fid(c, c->cur_fid);
	if (id < 0)
		return c->cur_fid ? SW_FILE_INCOMPAT : SW_NO_EF;
	struct jpki_card_pin *p = &c->pin[id];
	if (!p->set)
		return SW_REF_UNUSABLE;
	/*
	 * No data: the status query.  docs/card-spec.md: 63 Cx even after a
	 * successful VERIFY (OpenSC accepts only SW1 63 here), 63 C0 when
	 * blocked.
	 */
	if (a->lc == 0)
		return (uint16_t)(SW_TRIES | p->tries);
	if (p->tries == 0)
		return SW_BLOCKED;
	size_t min = id == JPKI_PIN_SIGN ? 6 : 4, max = id == JPKI_PIN_SIGN ? 16 : 4;
	if (a->lc < min || a->lc > max)
		return SW_WRONG_LENGTH; /* not a PIN of this kind: not a try */
	c->verified[id] = false;
	p->tries--;
	if (!jpki_card_commit(c)) { /* the try is on disk before the comparison */
		p->tries++;
		return SW_MEMORY;
	}
	if (!pin_matches(c, id, a->data, a->lc))
		return (uint16_t)(SW_TRIES | p->tries);
	/* a correct PIN resets the count of consecutive failures */
	uint8_t was = p->tries;
	p->tries = p->max;
	if (!jpki_card_commit(c)) {
		p->tries = was;
		return SW_MEMORY;
	}
	c->verified[id] = true;
	return SW_OK;
}

/* ISO 7816-4 §11.5.7 CHANGE REFERENCE DATA, P1 01: the new PIN only, after VERIFY */
static uint16_t do_change(struct jpki_card *c, const struct jpki_apdu *a)
{
	if (a->p1 != 0x01 || a->p2 != 0x80)
		return SW_P1P2;
	int id = pin_of_fid(c, c->cur_fid);
	if (id < 0)
		return c->cur_fid ? SW_FILE_INCOMPAT : SW_NO_EF;
	if (!c->verified[id])
		return SW_SECURITY;
	if (!jpki_pin_format_ok((enum jpki_pin_id)id, a->data, a->lc))
		return SW_WRONG_DATA; /* rule P1 */
	uint8_t fid[2] = {0x00, (uint8_t)jpki_pin_fid((enum jpki_pin_id)id)};
	struct jpki_card_pin old = c->pin[id];
	if (jpki_hmac2(c->k_pin, fid, 2, a->data, a->lc, c->pin[id].hash) != 0)
		return SW_MEMORY;
	c->pin[id].tries = c->pin[id].max;
	if (!jpki_card_commit(c)) {
		c->pin[id] = old;
		OPENSSL_cleanse(&old, sizeof(old));
		return SW_MEMORY;
	}
	OPENSSL_cleanse(&old, sizeof(old));
	return SW_OK;
}

/* PKCS#1 v1.5 type 01 padding of the data as given, then the RSA private operation */
static bool rsa_sign_raw(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *out,
                         size_t *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t n = 256;
	bool ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
	          EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	          EVP_PKEY_sign(ctx, out, &n, data, len) == 1 && n == 256;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	*out_len = ok ? n : 0;
	return ok;
}

/* JPKI COMPUTE SIGNATURE: 80 2A 00 80 Lc data [Le], after selecting a key EF */
static uint16_t do_sign(struct jpki_card *c, const struct jpki_apdu *a, uint8_t *out,
                        size_t *out_len)
{
	if (a->p1 != 0x00 || a->p2 != 0x80)
		return SW_P1P2;
	if (!c->app_selected || c->cur_fid == 0)
		return SW_NO_EF;
	int id = c->cur_fid == JPKI_FID_AUTH_KEY   ? JPKI_PIN_AUTH
	         : c->cur_fid == JPKI_FID_SIGN_KEY ? JPKI_PIN_SIGN
	                                           : -1;
	if (id < 0)
		return SW_FILE_INCOMPAT;
	if (!c->key[id])
		return SW_REF_NOT_FOUND;
	if (!c->verified[id])
		return SW_SECURITY;
	/* 2048-bit modulus: at most 256 - 11 bytes fit PKCS#1 v1.5 (RFC 8017 §9.2) */
	if (a->lc == 0 || a->lc > 245)
		return SW_WRONG_LENGTH;
	if (!rsa_sign_raw(c->key[id], a->data, a->lc, out, out_len))
		return SW_MEMORY;
	/* the signature key is a user-consent key: one signature per VERIFY */
	if (id == JPKI_PIN_SIGN)
		c->verified[id] = false;
	return SW_OK;
}

static uint16_t dispatch(struct jpki_card *c, const struct jpki_apdu *a, uint8_t *out,
                         size_t *out_len)
{
	if (a->cla == 0x00) {
		switch (a->ins) {
		case 0xA4:
			return do_select(c, a);
		case 0xB0:
			return do_read(c, a, out, out_len);
		case 0x20:
			return do_verify(c, a);
		case 0x24:
			return do_change(c, a);
		default:
			return SW_INS;
		}
	}
	if (a->cla == 0x80) {
		if (a->ins == 0x2A)
			return do_sign(c, a, out, out_len);
		return jpki_card_perso(c, a, out, out_len);
	}
	return SW_CLA;
}

size_t jpki_card_process(struct jpki_card *c, const uint8_t *apdu, size_t len,
                         uint8_t out[JPKI_RAPDU_MAX])
{
	struct jpki_apdu a;
	size_t n = 0;
	uint16_t sw;
	if (!parse_apdu(apdu, len, &a))
		sw = SW_WRONG_LENGTH;
	else
		sw = dispatch(c, &a, out, &n);
	if (sw != SW_OK && (sw & 0xFF00) != 0x6100)
		n = 0; /* errors carry no data */
	out[n] = (uint8_t)(sw >> 8);
	out[n + 1] = (uint8_t)sw;
	return n + 2;
}
