/*
 * host.c: the JPKI application from the host's side (host.h).
 *
 * OpenSC's JPKI driver parses card answers with raw pointers; here every
 * answer is a (data, status word) pair checked through the bounded cursor,
 * and every length read from a card is checked against a cap before it is
 * used to allocate or to loop.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/cursor.h"
#include "host.h"
#include "card/keys.h"

#define CERT_MAX JPKI_CARD_FILE_MAX

int jpki_host_apdu(struct jpki_transport *t, const uint8_t *capdu, size_t clen, uint8_t *out,
                   size_t out_cap, size_t *out_len, uint16_t *sw, struct jpki_err *err)
{
	uint8_t r[JPKI_RAPDU_MAX];
	size_t rlen = 0;
	int rc = t->ops->transmit(t, capdu, clen, r, &rlen, err);
	if (rc < 0)
		return rc;
	struct jpki_cur cur = jpki_cur_make(r, rlen);
	const uint8_t *data, *swb;
	if (rlen < 2 || !jpki_cur_take(&cur, rlen - 2, &data) || !jpki_cur_take(&cur, 2, &swb))
		return jpki_fail(err, JPKI_E_CARD, "the card gave a short answer");
	if (rlen - 2 > (out ? out_cap : 0)) {
		OPENSSL_cleanse(r, sizeof(r));
		return jpki_fail(err, JPKI_E_CARD, "the card answered %zu bytes where %zu fit",
		                 rlen - 2, out ? out_cap : 0);
	}
	*sw = (uint16_t)(swb[0] << 8 | swb[1]);
	if (out)
		memcpy(out, data, rlen - 2);
	if (out_len)
		*out_len = rlen - 2;
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

/*
 * A status word other than 90 00, in the error currency (jpki/error.h's
 * status-word column); 63 00, a failed issuer authentication, is a refusal.
 */
static int sw_fail(struct jpki_err *err, uint16_t sw, const char *what)
{
	enum jpki_code code = sw == SW_AUTH_FAILED ? JPKI_E_DENIED : jpki_code_from_sw(sw);
	if (code == JPKI_E_OK || code == JPKI_E_PIN)
		code = JPKI_E_CARD; /* not where a caller expects them: a protocol error */
	return jpki_fail(
	    err, code, "%s: %s (SW %04X)", what,
	    code == JPKI_E_CARD ? "the card answered with an error" : jpki_code_message(code), sw);
}

/* An APDU that must answer 90 00. */
static int apdu_ok(struct jpki_transport *t, const uint8_t *c, size_t n, uint8_t *out,
                   size_t out_cap, size_t *out_len, const char *what, struct jpki_err *err)
{
	uint16_t sw = 0;
	int rc = jpki_host_apdu(t, c, n, out, out_cap, out_len, &sw, err);
	if (rc < 0)
		return rc;
	return sw == SW_OK ? 0 : sw_fail(err, sw, what);
}

int jpki_host_select_aid(struct jpki_transport *t, const uint8_t aid[JPKI_CARD_AID_LEN],
                         struct jpki_err *err)
{
	uint8_t c[5 + JPKI_CARD_AID_LEN] = {0x00, 0xA4, 0x04, 0x0C, JPKI_CARD_AID_LEN};
	memcpy(c + 5, aid, JPKI_CARD_AID_LEN);
	uint16_t sw = 0;
	int rc = jpki_host_apdu(t, c, sizeof(c), NULL, 0, NULL, &sw, err);
	if (rc < 0)
		return rc;
	if (sw != SW_OK)
		return jpki_fail(err, JPKI_E_CARD, "%s: no %s application on this card (SW %04X)",
		                 t->name, aid == jpki_card_aid ? "JPKI" : "card-face text", sw);
	return 0;
}

int jpki_host_select_app(struct jpki_transport *t, struct jpki_err *err)
{
	return jpki_host_select_aid(t, jpki_card_aid, err);
}

int jpki_host_select_ef(struct jpki_transport *t, uint16_t fid, struct jpki_err *err)
{
	uint8_t c[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid};
	return apdu_ok(t, c, sizeof(c), NULL, 0, NULL, "SELECT EF", err);
}

/* READ BINARY at off, up to want bytes (1..256), into out; *got set. */
int jpki_host_read_binary(struct jpki_transport *t, size_t off, size_t want, uint8_t *out,
                          size_t *got, struct jpki_err *err)
{
	uint8_t c[5] = {0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, (uint8_t)want};
	size_t n = 0;
	uint16_t sw = 0;
	int rc = jpki_host_apdu(t, c, sizeof(c), out, want, &n, &sw, err);
	if (rc < 0)
		return rc;
	if (sw == SW_OFFSET)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "nothing to read at offset %zu", off);
	if (sw != SW_OK)
		return sw_fail(err, sw, "READ BINARY");
	if (n == 0 || n > want)
		return jpki_fail(err, JPKI_E_CARD, "READ BINARY gave %zu bytes for %zu", n, want);
	*got = n;
	return 0;
}

/* The length of a DER SEQUENCE (a certificate) from its first bytes: header and value. */
static int der_total(const uint8_t *h, size_t n, size_t *total)
{
	struct jpki_cur cur = jpki_cur_make(h, n);
	uint8_t tag;
	size_t len;
	if (!jpki_cur_der_header(&cur, &tag, &len) || tag != 0x30 || len > SIZE_MAX - cur.off)
		return -1;
	*total = cur.off + len;
	return 0;
}

int jpki_host_read_cert(struct jpki_transport *t, uint16_t fid, uint8_t **ret, size_t *ret_len,
                        struct jpki_err *err)
{
	uint8_t head[4];
	size_t got = 0, total = 0;
	int rc = jpki_host_select_ef(t, fid, err);
	if (rc == 0)
		rc = jpki_host_read_binary(t, 0, sizeof(head), head, &got, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "EF %04X is empty", fid);
	if (rc < 0)
		return rc;
	if (der_total(head, got, &total) < 0 || total > CERT_MAX)
		return jpki_fail(err, JPKI_E_CARD, "EF %04X does not start with a DER certificate",
		                 fid);
	uint8_t *buf = malloc(total);
	if (!buf)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (size_t off = 0; off < total; off += got) {
		size_t want = total - off > 256 ? 256 : total - off;
		rc = jpki_host_read_binary(t, off, want, buf + off, &got, err);
		if (rc < 0) {
			free(buf);
			return rc;
		}
	}
	*ret = buf;
	*ret_len = total;
	return 0;
}

int jpki_host_read_token(struct jpki_transport *t, char out[33], struct jpki_err *err)
{
	uint8_t buf[32];
	size_t got = 0;
	int rc = jpki_host_select_ef(t, JPKI_FID_TOKEN, err);
	if (rc == 0)
		rc = jpki_host_read_binary(t, 0, sizeof(buf), buf, &got, err);
	if (rc < 0)
		return rc;
	while (got > 0 && (buf[got - 1] == ' ' || buf[got - 1] == 0))
		got--;
	for (size_t i = 0; i < got; i++)
		out[i] = buf[i] >= 0x20 && buf[i] < 0x7F ? (char)buf[i] : '?';
	out[got] = '\0';
	return 0;
}

int jpki_host_pin_status(struct jpki_transport *t, enum jpki_pin_id id, int *tries,
                         struct jpki_err *err)
{
	static const uint8_t c[4] = {0x00, 0x20, 0x00, 0x80};
	uint16_t sw = 0;
	int rc = jpki_host_select_ef(t, jpki_pin_fid(id), err);
	if (rc == 0)
		rc = jpki_host_apdu(t, c, sizeof(c), NULL, 0, NULL, &sw, err);
	if (rc < 0)
		return rc;
	if ((sw & 0xFFF0) == SW_TRIES) {
		*tries = sw & 0x0F;
		return 0;
	}
	if (sw == SW_REF_UNUSABLE)
		return jpki_fail(err, JPKI_E_STATE, "the %s PIN is not set",
		                 id == JPKI_PIN_AUTH ? "authentication" : "signature");
	return sw_fail(err, sw, "PIN status");
}

static int pin_apdu(uint8_t ins, uint8_t p1, const char *pin, uint8_t c[5 + JPKI_PIN_MAX],
                    size_t *n, struct jpki_err *err)
{
	size_t len = strlen(pin);
	if (len == 0 || len > JPKI_PIN_MAX)
		return jpki_fail(err, JPKI_E_INVALID, "a PIN has 1 to %d characters", JPKI_PIN_MAX);
	c[0] = 0x00;
	c[1] = ins;
	c[2] = p1;
	c[3] = 0x80;
	c[4] = (uint8_t)len;
	memcpy(c + 5, pin, len);
	*n = 5 + len;
	return 0;
}

int jpki_host_verify(struct jpki_transport *t, enum jpki_pin_id id, const char *pin, int *tries,
                     struct jpki_err *err)
{
	uint8_t c[5 + JPKI_PIN_MAX];
	size_t n = 0;
	uint16_t sw = 0;
	int rc = pin_apdu(0x20, 0x00, pin, c, &n, err);
	if (rc == 0)
		rc = jpki_host_select_ef(t, jpki_pin_fid(id), err);
	if (rc == 0)
		rc = jpki_host_apdu(t, c, n, NULL, 0, NULL, &sw, err);
	OPENSSL_cleanse(c, sizeof(c));
	if (rc < 0)
		return rc;
	if (sw == SW_OK)
		return 0;
	if ((sw & 0xFFF0) == SW_TRIES) {
		if (tries)
			*tries = sw & 0x0F;
		if ((sw & 0x0F) == 0)
			return jpki_fail(err, JPKI_E_PIN_BLOCKED, "wrong PIN; it is now blocked");
		return jpki_fail(err, JPKI_E_PIN, "wrong PIN, %d %s left", sw & 0x0F,
		                 (sw & 0x0F) == 1 ? "try" : "tries");
	}
	if (sw == SW_WRONG_LENGTH)
		return jpki_fail(err, JPKI_E_PIN, "wrong PIN (not a PIN of this kind: rule P1)");
	return sw_fail(err, sw, "VERIFY");
}

int jpki_host_change_pin(struct jpki_transport *t, enum jpki_pin_id id, const char *pin,
                         struct jpki_err *err)
{
	uint8_t c[5 + JPKI_PIN_MAX];
	size_t n = 0;
	int rc = pin_apdu(0x24, 0x01, pin, c, &n, err);
	if (rc == 0)
		rc = jpki_host_select_ef(t, jpki_pin_fid(id), err);
	if (rc == 0)
		rc = apdu_ok(t, c, n, NULL, 0, NULL, "CHANGE REFERENCE DATA", err);
	OPENSSL_cleanse(c, sizeof(c));
	return rc;
}

int jpki_host_sign_raw(struct jpki_transport *t, enum jpki_pin_id id, const uint8_t *data,
                       size_t len, uint8_t sig[256], struct jpki_err *err)
{
	uint8_t c[5 + 245 + 1], out[256];
	size_t n = 0;
	if (len == 0 || len > 245)
		return jpki_fail(err, JPKI_E_INVALID, "the card signs 1 to 245 bytes");
	int rc = jpki_host_select_ef(t, id == JPKI_PIN_AUTH ? JPKI_FID_AUTH_KEY : JPKI_FID_SIGN_KEY,
	                             err);
	if (rc < 0)
		return rc;
	c[0] = 0x80, c[1] = 0x2A, c[2] = 0x00, c[3] = 0x80, c[4] = (uint8_t)len;
	memcpy(c + 5, data, len);
	c[5 + len] = 0x00;
	rc = apdu_ok(t, c, 6 + len, out, sizeof(out), &n, "COMPUTE SIGNATURE", err);
	if (rc < 0)
		return rc;
	if (n != 256)
		return jpki_fail(err, JPKI_E_CARD, "the signature has %zu bytes, not 256", n);
	memcpy(sig, out, 256);
	return 0;
}

int jpki_host_sign_sha256(struct jpki_transport *t, enum jpki_pin_id id, const uint8_t *msg,
                          size_t len, uint8_t sig[256], struct jpki_err *err)
{
	/* RFC 8017 §9.2 note 1: the DER DigestInfo prefix of SHA-256 */
	uint8_t di[19 + 32] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	                       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	unsigned int n = 0;
	if (EVP_Digest(msg, len, di + 19, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "SHA-256 failed");
	return jpki_host_sign_raw(t, id, di, sizeof(di), sig, err);
}

int jpki_host_info(struct jpki_transport *t, struct jpki_card_info *out, struct jpki_err *err)
{
	static const uint8_t c[5] = {0x80, 0xCA, 0x00, 0x00, 0x00};
	uint8_t r[256];
	size_t n = 0;
	struct jpki_card_info info;
	memset(&info, 0, sizeof(info));
	int rc = jpki_host_select_app(t, err);
	if (rc == 0)
		rc = apdu_ok(t, c, sizeof(c), r, sizeof(r), &n, "GET CARD INFO", err);
	if (rc < 0)
		return rc;
	struct jpki_cur cur = jpki_cur_make(r, n);
	const uint8_t *serial, *num;
	uint8_t kind, has, yh, yl, m, d, flags, ta, ts, nl;
	if (!jpki_cur_take(&cur, JPKI_CHIP_SERIAL_LEN, &serial) || !jpki_cur_u8(&cur, &kind) ||
	    !jpki_cur_u8(&cur, &has) || !jpki_cur_u8(&cur, &yh) || !jpki_cur_u8(&cur, &yl) ||
	    !jpki_cur_u8(&cur, &m) || !jpki_cur_u8(&cur, &d) || !jpki_cur_u8(&cur, &flags) ||
	    !jpki_cur_u8(&cur, &ta) || !jpki_cur_u8(&cur, &ts) || !jpki_cur_u8(&cur, &nl) ||
	    nl > JPKI_CARD_NUMBER_MAX || !jpki_cur_take(&cur, nl, &num) ||
	    kind > JPKI_CARD_KIND_JUKI || has > 1 || ta > 15 || ts > 15)
		return jpki_fail(err, JPKI_E_CARD, "GET CARD INFO: malformed answer");
	uint8_t fflags = 0, tf = 0; /* the card-face application's bytes (docs/card.md) */
	if (!jpki_cur_done(&cur) &&
	    (!jpki_cur_u8(&cur, &fflags) || !jpki_cur_u8(&cur, &tf) || fflags > 3 || tf > 15))
		return jpki_fail(err, JPKI_E_CARD, "GET CARD INFO: malformed answer");
	if (!jpki_cur_done(&cur))
		return jpki_fail(err, JPKI_E_CARD, "GET CARD INFO: malformed answer");
	info.face_pin_set = fflags & 1;
	info.has_face = fflags & 2;
	info.tries[JPKI_PIN_FACE] = tf;
	memcpy(info.serial, serial, JPKI_CHIP_SERIAL_LEN);
	info.kind = (enum jpki_card_kind)kind;
	info.has_expiry = has;
	info.expiry = (struct jpki_date){yh << 8 | yl, m, d};
	if (info.has_expiry && !jpki_date_valid(info.expiry))
		return jpki_fail(err, JPKI_E_CARD, "GET CARD INFO: bad expiry date");
	for (int i = 0; i < 2; i++) {
		info.has_key[i] = flags & (1u << i);
		info.pin_set[i] = flags & (4u << i);
	}
	info.issuer_auth = flags & 16;
	info.tries[0] = ta;
	info.tries[1] = ts;
	for (size_t i = 0; i < nl; i++)
		info.number[i] = num[i] >= 0x20 && num[i] < 0x7F ? (char)num[i] : '?';
	rc = jpki_host_read_token(t, info.token, err);
	if (rc < 0)
		return rc;
	*out = info;
	return 0;
}

/* ---- issuer side ------------------------------------------------------------------ */

int jpki_host_issuer_auth(struct jpki_transport *t, const uint8_t master[JPKI_CARD_KEY_LEN],
                          struct jpki_err *err)
{
	return jpki_host_issuer_auth_in(t, master, jpki_card_aid, err);
}

int jpki_host_issuer_auth_in(struct jpki_transport *t, const uint8_t master[JPKI_CARD_KEY_LEN],
                             const uint8_t aid[JPKI_CARD_AID_LEN], struct jpki_err *err)
{
	struct jpki_card_info info;
	uint8_t chal[JPKI_CHALLENGE_LEN], k[JPKI_CARD_KEY_LEN];
	uint8_t c[5 + 32] = {0x80, 0x82, 0x00, 0x00, 32};
	static const uint8_t gc[5] = {0x80, 0x84, 0x00, 0x00, JPKI_CHALLENGE_LEN};
	size_t n = 0;
	int rc = jpki_host_info(t, &info, err);
	if (rc == 0) /* the token read moved the selection */
		rc = jpki_host_select_aid(t, aid, err);
	if (rc == 0)
		rc = apdu_ok(t, gc, sizeof(gc), chal, sizeof(chal), &n, "GET CHALLENGE", err);
	if (rc < 0)
		return rc;
	if (n != JPKI_CHALLENGE_LEN)
		return jpki_fail(err, JPKI_E_CARD, "GET CHALLENGE gave %zu bytes", n);
	rc = jpki_card_derive(master, info.serial, JPKI_KEY_ISSUER, k, err);
	if (rc == 0 && jpki_issuer_response(k, info.serial, chal, c + 5) != 0)
		rc = jpki_fail(err, JPKI_E_CRYPTO, "cannot compute the issuer response");
	OPENSSL_cleanse(k, sizeof(k));
	if (rc == 0)
		rc = apdu_ok(t, c, sizeof(c), NULL, 0, NULL, "ISSUER AUTHENTICATE", err);
	if (rc == -JPKI_E_DENIED)
		rc = jpki_fail(err, JPKI_E_DENIED,
		               "issuer authentication failed: this card was "
		               "not made under this issuer master key");
	return rc;
}

int jpki_host_put_card_data(struct jpki_transport *t, enum jpki_card_kind kind,
                            struct jpki_date expiry, const char *number, struct jpki_err *err)
{
	size_t nl = strlen(number);
	uint8_t c[5 + 5 + JPKI_CARD_NUMBER_MAX] = {0x80, 0xDA, 0x00, 0x00};
	if (nl < 1 || nl > JPKI_CARD_NUMBER_MAX)
		return jpki_fail(err, JPKI_E_INVALID, "a card number has 1 to %d characters",
		                 JPKI_CARD_NUMBER_MAX);
	c[4] = (uint8_t)(5 + nl);
	c[5] = (uint8_t)kind;
	c[6] = (uint8_t)(expiry.y >> 8), c[7] = (uint8_t)expiry.y;
	c[8] = (uint8_t)expiry.m, c[9] = (uint8_t)expiry.d;
	memcpy(c + 10, number, nl);
	return apdu_ok(t, c, 10 + nl, NULL, 0, NULL, "PUT CARD DATA", err);
}

int jpki_host_set_pin(struct jpki_transport *t, enum jpki_pin_id id, const char *pin,
                      struct jpki_err *err)
{
	uint8_t c[5 + JPKI_PIN_MAX];
	size_t n = 0;
	int rc = pin_apdu(0xD8, 0x00, pin, c, &n, err);
	if (rc < 0)
		return rc;
	c[0] = 0x80;
	c[3] = (uint8_t)jpki_pin_fid(id);
	uint16_t sw = 0;
	rc = jpki_host_apdu(t, c, n, NULL, 0, NULL, &sw, err);
	OPENSSL_cleanse(c, sizeof(c));
	if (rc == 0 && sw == SW_WRONG_DATA)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the card refused the PIN's format (rule P1)");
	return rc < 0 ? rc : sw == SW_OK ? 0 : sw_fail(err, sw, "SET PIN");
}

static uint8_t key_fid(enum jpki_pin_id id)
{
	return id == JPKI_PIN_AUTH ? 0x17 : 0x1A;
}

int jpki_host_read_pubkey(struct jpki_transport *t, enum jpki_pin_id id, uint8_t **ret,
                          size_t *ret_len, struct jpki_err *err)
{
	uint8_t *buf = malloc(CERT_MAX);
	size_t len = 0, got = 0;
	if (!buf)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (;;) {
		uint8_t c[8] = {0x80,         0xB4, 0x00, key_fid(id), 0x02, (uint8_t)(len >> 8),
		                (uint8_t)len, 0x00};
		uint16_t sw = 0;
		int rc = jpki_host_apdu(t, c, sizeof(c), buf + len, 256, &got, &sw, err);
		if (rc == 0 && sw == SW_OFFSET && len > 0)
			break; /* read to the end exactly */
		if (rc == 0 && sw != SW_OK)
			rc = sw_fail(err, sw, "READ PUBLIC KEY");
		if (rc < 0) {
			free(buf);
			return rc;
		}
		len += got;
		if (got < 256)
			break;
		if (len + 256 > CERT_MAX) {
			free(buf);
			return jpki_fail(err, JPKI_E_CARD, "the public key is too long");
		}
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int jpki_host_generate_key(struct jpki_transport *t, enum jpki_pin_id id, uint8_t **ret,
                           size_t *ret_len, struct jpki_err *err)
{
	uint8_t c[4] = {0x80, 0x46, 0x00, key_fid(id)};
	uint16_t sw = 0;
	int rc = jpki_host_apdu(t, c, sizeof(c), NULL, 0, NULL, &sw, err);
	if (rc < 0)
		return rc;
	if (sw == SW_CONDITIONS)
		return jpki_fail(err, JPKI_E_NOT_ELIGIBLE,
		                 "the card refuses keys: no card data, or an old resident-register "
		                 "card (rule C6)");
	if (sw != SW_OK)
		return sw_fail(err, sw, "GENERATE KEY PAIR");
	return jpki_host_read_pubkey(t, id, ret, ret_len, err);
}

int jpki_host_write_file(struct jpki_transport *t, uint16_t fid, const uint8_t *der, size_t len,
                         struct jpki_err *err)
{
	static const uint8_t erase[4] = {0x80, 0x0E, 0x00, 0x00};
	if (len == 0 || len > CERT_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "a card file holds 1 to %d bytes", CERT_MAX);
	int rc = jpki_host_select_ef(t, fid, err);
	if (rc == 0)
		rc = apdu_ok(t, erase, sizeof(erase), NULL, 0, NULL, "ERASE BINARY", err);
	for (size_t off = 0; rc == 0 && off < len; off += 255) {
		size_t n = len - off > 255 ? 255 : len - off;
		uint8_t c[5 + 255] = {0x80, 0xD6, (uint8_t)(off >> 8), (uint8_t)off, (uint8_t)n};
		memcpy(c + 5, der + off, n);
		rc = apdu_ok(t, c, 5 + n, NULL, 0, NULL, "WRITE BINARY", err);
	}
	return rc;
}

int jpki_host_delete(struct jpki_transport *t, bool all, enum jpki_pin_id id, struct jpki_err *err)
{
	uint8_t c[4] = {0x80, 0xE4, 0x00, all ? 0x00 : key_fid(id)};
	return apdu_ok(t, c, sizeof(c), NULL, 0, NULL, "DELETE", err);
}
