/*
 * perso.c: the issuer's commands (CLA 80), our own personalisation set.
 *
 * How a real card is personalised is not public (docs/card-spec.md
 * "Personalisation"); docs/card.md documents this command set byte by byte.
 * Issuer authentication is a challenge-response: GET CHALLENGE gives 16
 * random bytes, ISSUER AUTHENTICATE must carry HMAC-SHA256 of them under
 * the card's issuer key (keys.h), which only a holder of the issuer master
 * key can compute.  Every command that changes the card needs it; the state
 * is volatile (power-off, reset and re-selection clear it) and a challenge
 * answers one attempt only.
 *
 * Keys are generated here, inside the card; READ PUBLIC KEY gives the
 * SubjectPublicKeyInfo and nothing ever gives a private key.  Each change is
 * committed (written to the image) before the card answers; if that fails
 * the change is undone and the card answers 65 81.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card.h"
#include "core/cursor.h"
#include "keys.h"

static int key_of_fid(uint8_t p2)
{
	return p2 == 0x17 ? JPKI_PIN_AUTH : p2 == 0x1A ? JPKI_PIN_SIGN : -1;
}

static int pin_of_p2(const struct jpki_card *c, uint8_t p2)
{
	if (c->face_selected)
		return p2 == 0x11 ? JPKI_PIN_FACE : -1;
	return p2 == 0x18 ? JPKI_PIN_AUTH : p2 == 0x1B ? JPKI_PIN_SIGN : -1;
}

/* 80 CA 00 00: public facts of the card (layout in docs/card.md) */
static uint16_t get_info(struct jpki_card *c, uint8_t *out, size_t *out_len)
{
	size_t n = 0, numlen = strlen(c->number);
	memcpy(out, c->serial, JPKI_CHIP_SERIAL_LEN);
	n += JPKI_CHIP_SERIAL_LEN;
	out[n++] = (uint8_t)c->kind;
	out[n++] = c->has_expiry;
	out[n++] = (uint8_t)(c->expiry.y >> 8);
	out[n++] = (uint8_t)c->expiry.y;
	out[n++] = (uint8_t)c->expiry.m;
	out[n++] = (uint8_t)c->expiry.d;
	out[n++] = (uint8_t)((c->key[0] ? 1 : 0) | (c->key[1] ? 2 : 0) | (c->pin[0].set ? 4 : 0) |
	                     (c->pin[1].set ? 8 : 0) | (c->issuer_auth ? 16 : 0));
	out[n++] = c->pin[0].tries;
	out[n++] = c->pin[1].tries;
	out[n++] = (uint8_t)numlen;
	memcpy(out + n, c->number, numlen);
	n += numlen;
	/* the card-face text application: PIN set (bit 0), attributes written (bit 1); tries */
	out[n++] =
	    (uint8_t)((c->pin[JPKI_PIN_FACE].set ? 1 : 0) | (c->file[JPKI_FILE_FACE].len ? 2 : 0));
	out[n++] = c->pin[JPKI_PIN_FACE].tries;
	*out_len = n;
	return SW_OK;
}

/* 80 84 00 00 10: GET CHALLENGE (ISO 7816-4 §11.5.3, issuer variant) */
static uint16_t get_challenge(struct jpki_card *c, const struct jpki_apdu *a, uint8_t *out,
                              size_t *out_len)
{
	if (a->lc || (a->has_le && a->le != JPKI_CHALLENGE_LEN))
		return SW_WRONG_LENGTH;
	if (RAND_bytes(c->challenge, JPKI_CHALLENGE_LEN) != 1) {
		ERR_clear_error();
		return SW_MEMORY;
	}
	c->challenge_valid = true;
	memcpy(out, c->challenge, JPKI_CHALLENGE_LEN);
	*out_len = JPKI_CHALLENGE_LEN;
	return SW_OK;
}

/* 80 82 00 00 20 <HMAC>: ISSUER AUTHENTICATE (cf. ISO 7816-4 §11.5.4) */
static uint16_t issuer_auth(struct jpki_card *c, const struct jpki_apdu *a)
{
	uint8_t want[32];
	if (a->lc != sizeof(want))
		return SW_WRONG_LENGTH;
	if (!c->challenge_valid)
		return SW_CONDITIONS; /* no challenge outstanding */
	c->challenge_valid = false;   /* one attempt per challenge */
	c->issuer_auth = false;
	if (jpki_issuer_response(c->k_issuer, c->serial, c->challenge, want) != 0)
		return SW_MEMORY;
	bool ok = CRYPTO_memcmp(want, a->data, sizeof(want)) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(c->challenge, sizeof(c->challenge));
	if (!ok)
		return SW_AUTH_FAILED;
	c->issuer_auth = true;
	return SW_OK;
}

/* 80 DA 00 00 Lc kind(1) expiry(4: year hi, lo, month, day) number: PUT CARD DATA */
static uint16_t put_data(struct jpki_card *c, const struct jpki_apdu *a)
{
	struct jpki_cur cur = jpki_cur_make(a->data, a->lc);
	uint8_t kind, yh, yl, m, d;
	if (!jpki_cur_u8(&cur, &kind) || !jpki_cur_u8(&cur, &yh) || !jpki_cur_u8(&cur, &yl) ||
	    !jpki_cur_u8(&cur, &m) || !jpki_cur_u8(&cur, &d))
		return SW_WRONG_LENGTH;
	size_t numlen = jpki_cur_left(&cur);
	const uint8_t *num = NULL;
	if (numlen < 1 || numlen > JPKI_CARD_NUMBER_MAX || !jpki_cur_take(&cur, numlen, &num))
		return SW_WRONG_DATA;
	for (size_t i = 0; i < numlen; i++)
		if (!((num[i] >= '0' && num[i] <= '9') || (num[i] >= 'A' && num[i] <= 'Z')))
			return SW_WRONG_DATA;
	struct jpki_date e = {yh << 8 | yl, m, d};
	if ((kind != JPKI_CARD_KIND_MYNUMBER && kind != JPKI_CARD_KIND_JUKI) || !jpki_date_valid(e))
		return SW_WRONG_DATA;
	enum jpki_card_kind old_kind = c->kind;
	char old_number[sizeof(c->number)];
	bool old_has = c->has_expiry;
	struct jpki_date old_exp = c->expiry;
	memcpy(old_number, c->number, sizeof(old_number));
	c->kind = (enum jpki_card_kind)kind;
	c->has_expiry = true;
	c->expiry = e;
	memset(c->number, 0, sizeof(c->number));
	memcpy(c->number, num, numlen);
	if (!jpki_card_commit(c)) {
		c->kind = old_kind;
		c->has_expiry = old_has;
		c->expiry = old_exp;
		memcpy(c->number, old_number, sizeof(old_number));
		return SW_MEMORY;
	}
	return SW_OK;
}

/* 80 D8 00 <18|1B> Lc PIN (<11> in the card-face application): SET PIN, also rule P2 */
static uint16_t set_pin(struct jpki_card *c, const struct jpki_apdu *a)
{
	int id = pin_of_p2(c, a->p2);
	if (a->p1 != 0 || id < 0)
		return SW_P1P2;
	if (!jpki_pin_format_ok((enum jpki_pin_id)id, a->data, a->lc))
		return SW_WRONG_DATA; /* rule P1 */
	struct jpki_card_pin old = c->pin[id], *p = &c->pin[id];
	uint8_t fid[2] = {0x00, a->p2};
	if (jpki_hmac2(c->k_pin, fid, 2, a->data, a->lc, p->hash) != 0)
		return SW_MEMORY;
	p->set = true;
	p->max = id == JPKI_PIN_SIGN   ? JPKI_SIGN_PIN_TRIES
	         : id == JPKI_PIN_AUTH ? JPKI_AUTH_PIN_TRIES
	                               : JPKI_FACE_PIN_TRIES;
	p->tries = p->max;
	c->verified[id] = false;
	uint16_t sw = SW_OK;
	if (!jpki_card_commit(c)) {
		*p = old;
		sw = SW_MEMORY;
	}
	OPENSSL_cleanse(&old, sizeof(old));
	return sw;
}

/* 80 46 00 <17|1A>: GENERATE KEY PAIR, RSA-2048, e = 65537, inside the card */
static uint16_t gen_key(struct jpki_card *c, const struct jpki_apdu *a)
{
	int id = key_of_fid(a->p2);
	if (a->p1 != 0 || id < 0)
		return SW_P1P2;
	if (c->kind != JPKI_CARD_KIND_MYNUMBER)
		return SW_CONDITIONS; /* rule C6; and no card data, no keys */
	EVP_PKEY *key = EVP_RSA_gen(2048);
	if (!key) {
		ERR_clear_error();
		return SW_MEMORY;
	}
	EVP_PKEY *old = c->key[id];
	c->key[id] = key;
	c->verified[id] = false;
	if (!jpki_card_commit(c)) {
		c->key[id] = old;
		EVP_PKEY_free(key);
		return SW_MEMORY;
	}
	EVP_PKEY_free(old);
	return SW_OK;
}

/* 80 B4 00 <17|1A> 02 <offset> Le: READ PUBLIC KEY (SubjectPublicKeyInfo DER) */
static uint16_t read_pubkey(struct jpki_card *c, const struct jpki_apdu *a, uint8_t *out,
                            size_t *out_len)
{
	int id = key_of_fid(a->p2);
	if (a->p1 != 0 || id < 0)
		return SW_P1P2;
	if (a->lc != 2)
		return SW_WRONG_LENGTH;
	if (!c->key[id])
		return SW_REF_NOT_FOUND;
	uint8_t *der = NULL;
	int len = i2d_PUBKEY(c->key[id], &der);
	if (len <= 0) {
		ERR_clear_error();
		return SW_MEMORY;
	}
	size_t off = (size_t)a->data[0] << 8 | a->data[1];
	uint16_t sw = SW_OFFSET;
	if (off < (size_t)len) {
		size_t n = (size_t)len - off, max = a->has_le ? a->le : 256;
		*out_len = n > max ? max : n;
		memcpy(out, der + off, *out_len);
		sw = SW_OK;
	}
	OPENSSL_free(der);
	return sw;
}

/* 80 D6 <offset> Lc data: WRITE BINARY into the current certificate EF */
static uint16_t write_bin(struct jpki_card *c, const struct jpki_apdu *a)
{
	int i = jpki_card_file_index(c, c->cur_fid);
	if (i < 0)
		return c->cur_fid ? SW_FILE_INCOMPAT : SW_NO_EF;
	if (c->kind != JPKI_CARD_KIND_MYNUMBER)
		return SW_CONDITIONS; /* rule C6 */
	size_t off = (size_t)a->p1 << 8 | a->p2;
	if (a->lc == 0)
		return SW_WRONG_LENGTH;
	if (off > JPKI_CARD_FILE_MAX || a->lc > JPKI_CARD_FILE_MAX - off)
		return SW_NO_SPACE;
	struct jpki_card_file *f = &c->file[i];
	if (!f->data && !(f->data = OPENSSL_zalloc(JPKI_CARD_FILE_MAX)))
		return SW_MEMORY;
	uint8_t old[255];
	size_t old_len = f->len;
	memcpy(old, f->data + off, a->lc);
	memcpy(f->data + off, a->data, a->lc);
	if (off + a->lc > f->len)
		f->len = off + a->lc;
	if (!jpki_card_commit(c)) {
		memcpy(f->data + off, old, a->lc);
		f->len = old_len;
		return SW_MEMORY;
	}
	return SW_OK;
}

/* 80 0E 00 00: ERASE BINARY, the current certificate EF becomes empty */
static uint16_t erase_bin(struct jpki_card *c)
{
	int i = jpki_card_file_index(c, c->cur_fid);
	if (i < 0)
		return c->cur_fid ? SW_FILE_INCOMPAT : SW_NO_EF;
	size_t old = c->file[i].len;
	c->file[i].len = 0;
	if (!jpki_card_commit(c)) {
		c->file[i].len = old;
		return SW_MEMORY;
	}
	if (c->file[i].data)
		OPENSSL_cleanse(c->file[i].data, JPKI_CARD_FILE_MAX);
	return SW_OK;
}

/*
 * 80 E4 00 <00|17|1A>: DELETE (revocation on the card, or a full erase): the
 * key of that kind, its certificate and CA certificate and its PIN; 00 for
 * both kinds.  Card data stay.
 */
static uint16_t delete_kind(struct jpki_card *c, const struct jpki_apdu *a)
{
	bool kinds[2] = {a->p2 == 0x00 || a->p2 == 0x17, a->p2 == 0x00 || a->p2 == 0x1A};
	if (a->p1 != 0 || (!kinds[0] && !kinds[1]))
		return SW_P1P2;
	static const int files[2][2] = {{JPKI_FILE_AUTH_CERT, JPKI_FILE_AUTH_CA},
	                                {JPKI_FILE_SIGN_CERT, JPKI_FILE_SIGN_CA}};
	EVP_PKEY *keys[2] = {NULL, NULL};
	struct jpki_card_pin pins[2];
	size_t lens[2][2] = {{0, 0}, {0, 0}};
	memcpy(pins, c->pin, sizeof(pins));
	for (int k = 0; k < 2; k++) {
		if (!kinds[k])
			continue;
		keys[k] = c->key[k];
		c->key[k] = NULL;
		memset(&c->pin[k], 0, sizeof(c->pin[k]));
		c->verified[k] = false;
		for (int j = 0; j < 2; j++) {
			lens[k][j] = c->file[files[k][j]].len;
			c->file[files[k][j]].len = 0;
		}
	}
	uint16_t sw = SW_OK;
	if (!jpki_card_commit(c)) {
		memcpy(c->pin, pins, sizeof(pins));
		for (int k = 0; k < 2; k++) {
			if (!kinds[k])
				continue;
			c->key[k] = keys[k];
			keys[k] = NULL;
			for (int j = 0; j < 2; j++)
				c->file[files[k][j]].len = lens[k][j];
		}
		sw = SW_MEMORY;
	}
	for (int k = 0; k < 2; k++) {
		EVP_PKEY_free(keys[k]);
		for (int j = 0; sw == SW_OK && kinds[k] && j < 2; j++)
			if (c->file[files[k][j]].data)
				OPENSSL_cleanse(c->file[files[k][j]].data, JPKI_CARD_FILE_MAX);
	}
	OPENSSL_cleanse(pins, sizeof(pins));
	return sw;
}

uint16_t jpki_card_perso(struct jpki_card *c, const struct jpki_apdu *a, uint8_t *out,
                         size_t *out_len)
{
	/* the instruction set first, so unknown INS is 6D 00 whatever the state */
	switch (a->ins) {
	case 0xCA:
	case 0x84:
	case 0x82:
	case 0xB4:
	case 0xDA:
	case 0xD8:
	case 0x46:
	case 0xD6:
	case 0x0E:
	case 0xE4:
		break;
	default:
		return SW_INS;
	}
	if (c->face_selected) /* there: the issuer's challenge, SET PIN and the attribute file */
		switch (a->ins) {
		case 0x84:
		case 0x82:
		case 0xD8:
		case 0xD6:
		case 0x0E:
			break;
		default:
			return SW_CONDITIONS;
		}
	else if (!c->app_selected)
		return SW_CONDITIONS;
	switch (a->ins) { /* no issuer authentication needed */
	case 0xCA:
		return a->p1 == 0 && a->p2 == 0 ? get_info(c, out, out_len) : SW_P1P2;
	case 0x84:
		return a->p1 == 0 && a->p2 == 0 ? get_challenge(c, a, out, out_len) : SW_P1P2;
	case 0x82:
		return a->p1 == 0 && a->p2 == 0 ? issuer_auth(c, a) : SW_P1P2;
	case 0xB4:
		return read_pubkey(c, a, out, out_len);
	default:
		break;
	}
	if (!c->issuer_auth)
		return SW_SECURITY;
	switch (a->ins) {
	case 0xDA:
		return a->p1 == 0 && a->p2 == 0 ? put_data(c, a) : SW_P1P2;
	case 0xD8:
		return set_pin(c, a);
	case 0x46:
		return gen_key(c, a);
	case 0xD6:
		return write_bin(c, a);
	case 0x0E:
		return a->p1 == 0 && a->p2 == 0 ? erase_bin(c) : SW_P1P2;
	default: /* 0xE4 */
		return delete_kind(c, a);
	}
}
