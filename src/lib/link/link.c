/*
 * link.c: the linking service (link.h, docs/login.md).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/base64.h"
#include "core/hex.h"
#include "core/ossl.h"
#include "link.h"

#define SECRET_KEY "link_secret" /* registry_meta: 64 hex digits, made once */

bool jpki_link_rp_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > JPKI_RP_ID_MAX || id[0] == '.' || id[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '.' || id[i] == '-'))
			return false;
	return true;
}

static void key_hash(const char *key, uint8_t out[32])
{
	unsigned int n = 32;
	EVP_Digest(key, strlen(key), out, &n, EVP_sha256(), NULL);
}

int jpki_link_rp_register(struct jpki_store *st, const char *id, const char *name,
                          bool may_link_signature, int64_t now, char key[JPKI_LINK_KEY_LEN + 1],
                          struct jpki_err *err)
{
	struct jpki_rp_rec r = {.may_link_signature = may_link_signature, .created_at = now};
	uint8_t raw[32];
	size_t nl = strlen(name);
	if (!jpki_link_rp_id_ok(id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a relying party id is 1 to 64 of a-z, 0-9, '.' and '-'");
	if (nl == 0 || nl > JPKI_RP_NAME_MAX || strpbrk(name, "\r\n\t"))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a relying party's name is 1 to 128 bytes, one line");
	if (RAND_priv_bytes(raw, sizeof(raw)) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for an access key");
	jpki_base64url_32(raw, key);
	OPENSSL_cleanse(raw, sizeof(raw));
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.name, sizeof(r.name), "%s", name);
	key_hash(key, r.key_hash);
	int rc = st->ops->rp_insert(st, &r, err);
	if (rc < 0)
		OPENSSL_cleanse(key, JPKI_LINK_KEY_LEN + 1);
	return rc;
}

/* The registry's link secret, made on first use (one transaction: two processes agree). */
static int link_secret(struct jpki_store *st, uint8_t out[32], struct jpki_err *err)
{
	char hex[65];
	size_t n = 0;
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	rc = st->ops->meta_get(st, SECRET_KEY, hex, sizeof(hex), err);
	if (rc == -JPKI_E_NOT_FOUND) {
		uint8_t raw[32];
		rc =
		    RAND_priv_bytes(raw, sizeof(raw)) == 1
		        ? 0
		        : jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for the link secret");
		if (rc == 0) {
			jpki_hex_encode(raw, sizeof(raw), hex);
			rc = st->ops->meta_set(st, SECRET_KEY, hex, err);
		}
		OPENSSL_cleanse(raw, sizeof(raw));
	}
	if (rc == 0)
		rc = st->ops->commit(st, err);
	else
		st->ops->rollback(st);
	if (rc == 0 && (jpki_serial_from_hex(hex, out, 32, &n) < 0 || n != 32))
		rc = jpki_fail(err, JPKI_E_STORE, "the registry's link secret is malformed");
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

static int authenticate(struct jpki_store *st, const char *rp_id, const char *key,
                        struct jpki_rp_rec *rp, struct jpki_err *err)
{
	uint8_t h[32];
	int rc = jpki_link_rp_id_ok(rp_id) && strlen(key) == JPKI_LINK_KEY_LEN
	             ? st->ops->rp_get(st, rp_id, rp, err)
	             : -JPKI_E_NOT_FOUND;
	if (rc < 0 && rc != -JPKI_E_NOT_FOUND)
		return rc;
	key_hash(key, h);
	if (rc < 0 || CRYPTO_memcmp(h, rp->key_hash, sizeof(h)) != 0 || rp->disabled_at)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "unknown relying party, wrong access key or disabled");
	return 0;
}

/* The registry's row for der, which must be its certificate of kind byte for byte. */
static int lookup(struct jpki_store *st, const uint8_t *der, size_t len, enum jpki_kind kind,
                  struct jpki_cert_rec *out, struct jpki_err *err)
{
	const unsigned char *p = der;
	_cleanup_(X509p) X509 *x = len <= 16384 ? d2i_X509(NULL, &p, (long)len) : NULL;
	if (!x || p != der + len)
		return jpki_fail(err, JPKI_E_INVALID, "not a DER certificate");
	_cleanup_(BIGNUMp) BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	int rc = hex && strlen(hex) < sizeof(out->serial)
	             ? st->ops->cert_get(st, hex, true, out, err)
	             : -JPKI_E_NOT_FOUND;
	OPENSSL_free(hex);
	if (rc == -JPKI_E_NOT_FOUND ||
	    (rc == 0 && (out->der_len != len || memcmp(out->der, der, len) != 0)))
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "not a certificate of this registry");
	else if (rc == 0 && out->kind != kind)
		rc = jpki_fail(err, JPKI_E_INVALID, "not a%s certificate",
		               kind == JPKI_KIND_AUTH ? "n authentication" : " signature");
	return rc;
}

/* HMAC-SHA256(link secret, "jpki-link-1" NUL rp_id NUL resident id in decimal). */
static int pseudonym_of(struct jpki_store *st, const char *rp_id, int64_t resident,
                        char out[JPKI_LINK_PSEUDONYM_LEN + 1], struct jpki_err *err)
{
	uint8_t secret[32], mac[32];
	char msg[160];
	unsigned int n = 32;
	int rc = link_secret(st, secret, err);
	if (rc < 0)
		return rc;
	int m =
	    snprintf(msg, sizeof(msg), "jpki-link-1%c%s%c%lld", 0, rp_id, 0, (long long)resident);
	if (!HMAC(EVP_sha256(), secret, sizeof(secret), (const unsigned char *)msg, (size_t)m, mac,
	          &n))
		rc = jpki_fail_ossl(err, JPKI_E_CRYPTO, "HMAC-SHA256");
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc == 0)
		jpki_base64url_32(mac, out);
	return rc;
}

static const char *outcome_of(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -JPKI_E_UNAUTHENTICATED:
		return "unauthenticated";
	case -JPKI_E_DENIED:
		return "denied";
	case -JPKI_E_NOT_FOUND:
		return "not-found";
	case -JPKI_E_INVALID:
		return "invalid";
	default:
		return "error";
	}
}

/*
 * Log the call, then answer: rc when the entry is written, the log's error
 * when it is not (nothing is answered that the log does not hold).
 */
static int logged(struct jpki_store *st, const char *rp_id, const char *action, int rc,
                  const char *detail, int64_t now, struct jpki_err *err)
{
	struct jpki_link_log_rec l = {.at = now};
	struct jpki_err lerr;
	snprintf(l.rp_id, sizeof(l.rp_id), "%s", jpki_link_rp_id_ok(rp_id) ? rp_id : "-");
	snprintf(l.action, sizeof(l.action), "%s", action);
	snprintf(l.outcome, sizeof(l.outcome), "%s", outcome_of(rc));
	snprintf(l.detail, sizeof(l.detail), "%s", detail);
	if (st->ops->link_log_append(st, &l, &lerr) < 0) {
		*err = lerr;
		return -lerr.code;
	}
	return rc;
}

int jpki_link_pseudonym(struct jpki_store *st, const char *rp_id, const char *key,
                        const uint8_t *auth_der, size_t auth_len, int64_t now,
                        char out[JPKI_LINK_PSEUDONYM_LEN + 1], struct jpki_err *err)
{
	struct jpki_rp_rec rp;
	struct jpki_cert_rec c = {0};
	char detail[64] = "";
	int rc = authenticate(st, rp_id, key, &rp, err);
	if (rc == 0)
		rc = lookup(st, auth_der, auth_len, JPKI_KIND_AUTH, &c, err);
	if (rc == 0) {
		snprintf(detail, sizeof(detail), "auth %s", c.serial);
		rc = pseudonym_of(st, rp.id, c.resident_id, out, err);
	}
	jpki_cert_rec_clear(&c);
	return logged(st, rp_id, "pseudonym", rc, detail, now, err);
}

int jpki_link_same_person(struct jpki_store *st, const char *rp_id, const char *key,
                          const uint8_t *auth_der, size_t auth_len, const uint8_t *sign_der,
                          size_t sign_len, int64_t now, bool *same, struct jpki_err *err)
{
	struct jpki_rp_rec rp;
	struct jpki_cert_rec a = {0}, s = {0};
	char detail[128] = "";
	int rc = authenticate(st, rp_id, key, &rp, err);
	if (rc == 0 && !rp.may_link_signature)
		rc = jpki_fail(err, JPKI_E_DENIED,
		               "relying party %s is not registered to link signature certificates",
		               rp.id);
	if (rc == 0)
		rc = lookup(st, auth_der, auth_len, JPKI_KIND_AUTH, &a, err);
	if (rc == 0)
		rc = lookup(st, sign_der, sign_len, JPKI_KIND_SIGN, &s, err);
	if (rc == 0) {
		*same = a.resident_id == s.resident_id;
		snprintf(detail, sizeof(detail), "auth %s sign %s: %s", a.serial, s.serial,
		         *same ? "same" : "different");
	}
	jpki_cert_rec_clear(&a);
	jpki_cert_rec_clear(&s);
	return logged(st, rp_id, "same-person", rc, detail, now, err);
}
