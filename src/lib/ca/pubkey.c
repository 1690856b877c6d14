/*
 * pubkey.c: accepting a subject public key from outside.
 *
 * The bytes are tried as each of the four accepted encodings in turn; a
 * DER form must use every byte (no trailing data).  Whatever parsed is then
 * held to the JPKI key profile: RSA, 2048 to 4096 bits, a sane modulus and
 * exponent.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "core/base64.h"
#include "core/der.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "pubkey.h"

static const char pem_spki[] = "-----BEGIN PUBLIC KEY-----";

static bool contains(const uint8_t *buf, size_t len, const char *tag)
{
	size_t n = strlen(tag);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, tag, n) == 0)
			return true;
	return false;
}

/* rsaEncryption (PKCS #1): 1.2.840.113549.1.1.1 */
static const uint8_t oid_rsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};

/*
 * SubjectPublicKeyInfo of an RSA key (RFC 5280 §4.1.2.7, RFC 8017 A.1.1),
 * parsed with the bounded cursor into the modulus and exponent bytes.
 * 0 = RSA and well formed, 1 = well-formed SPKI of another algorithm,
 * -1 = not an SPKI.
 */
static int parse_rsa_spki(const uint8_t *der, size_t len, struct jpki_cur *n, struct jpki_cur *e)
{
	struct jpki_cur all = jpki_cur_make(der, len), spki, alg, oid, null, bits, rsa;
	uint8_t unused;
	if (!jpki_der_read(&all, DER_SEQUENCE, &spki) || !jpki_cur_done(&all) ||
	    !jpki_der_read(&spki, DER_SEQUENCE, &alg) || !jpki_der_read(&alg, DER_OID, &oid) ||
	    !jpki_der_read(&spki, DER_BIT_STRING, &bits) || !jpki_cur_done(&spki))
		return -1;
	if (oid.len != sizeof(oid_rsa) || memcmp(oid.base, oid_rsa, sizeof(oid_rsa)) != 0)
		return 1;
	if (!jpki_der_read(&alg, DER_NULL, &null) || null.len != 0 || !jpki_cur_done(&alg) ||
	    !jpki_cur_u8(&bits, &unused) || unused != 0 ||
	    !jpki_der_read(&bits, DER_SEQUENCE, &rsa) || !jpki_cur_done(&bits) ||
	    !jpki_der_uint(&rsa, n) || !jpki_der_uint(&rsa, e) || !jpki_cur_done(&rsa))
		return -1;
	return 0;
}

/* An RSA EVP_PKEY from modulus and exponent (a few microseconds, no decoder). */
static EVP_PKEY *rsa_from_parts(const struct jpki_cur *n, const struct jpki_cur *e)
{
	_cleanup_(BIGNUMp) BIGNUM *bn = BN_bin2bn(n->base, (int)n->len, NULL);
	_cleanup_(BIGNUMp) BIGNUM *be = BN_bin2bn(e->base, (int)e->len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

/* The base64 body of the first PUBLIC KEY block (RFC 7468 §13), decoded. */
static int pem_spki_der(const uint8_t *buf, size_t len, uint8_t **der, size_t *der_len)
{
	static const char end_tag[] = "-----END PUBLIC KEY-----";
	const uint8_t *begin = memmem(buf, len, pem_spki, strlen(pem_spki));
	if (!begin)
		return -1;
	begin += strlen(pem_spki);
	const uint8_t *end = memmem(begin, len - (size_t)(begin - buf), end_tag, strlen(end_tag));
	if (!end)
		return -1;
	/* line breaks and spaces between base64 lines */
	return jpki_base64_decode((const char *)begin, (size_t)(end - begin), true, der, der_len);
}

static EVP_PKEY *from_req(X509_REQ *req, struct jpki_err *err)
{
	EVP_PKEY *k = X509_REQ_get_pubkey(req);
	if (k && X509_REQ_verify(req, k) != 1) {
		EVP_PKEY_free(k);
		jpki_fail_ossl(err, JPKI_E_BAD_KEY, "the request's self-signature does not verify");
		return NULL;
	}
	return k;
}

/* An SPKI: RSA through our own parser, anything else through OpenSSL (to name it). */
static EVP_PKEY *from_spki(const uint8_t *der, size_t len)
{
	struct jpki_cur n, e;
	int kind = parse_rsa_spki(der, len, &n, &e);
	if (kind == 0)
		return rsa_from_parts(&n, &e);
	if (kind < 0)
		return NULL;
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
	if (k && p != der + len) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

static EVP_PKEY *parse_any(const uint8_t *buf, size_t len, struct jpki_err *err)
{
	if (len > JPKI_PUBKEY_FILE_MAX)
		return NULL;
	if (contains(buf, len, pem_spki)) {
		uint8_t *der;
		size_t der_len;
		if (pem_spki_der(buf, len, &der, &der_len) < 0)
			return NULL;
		EVP_PKEY *k = from_spki(der, der_len);
		free(der);
		return k;
	}
	if (contains(buf, len, "-----BEGIN ")) {
		_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(buf, (int)len);
		_cleanup_(X509_REQp) X509_REQ *req =
		    b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
		return req ? from_req(req, err) : NULL;
	}
	EVP_PKEY *k = from_spki(buf, len);
	if (k)
		return k;
	const unsigned char *p = buf;
	_cleanup_(X509_REQp) X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req && p == buf + len)
		return from_req(req, err);
	return NULL;
}

/*
 * The checks of SP 800-56B §6.4.2.1 that matter for a CA: an odd modulus
 * without small factors.  OpenSSL's full public-key check adds a
 * probable-prime test of n that costs ten RSA signatures per key; a
 * malformed modulus can only hurt its holder (the CA signs, it never
 * encrypts to the key), and the card that made the key proves possession
 * with its signature on a request.
 */
static bool modulus_plausible(const BIGNUM *n)
{
	if (!BN_is_odd(n))
		return false;
	/* the odd primes below 256, a product of several per division; BN_mod_word is
	 * fast only for divisors below 2^32 */
	BN_ULONG group = 1, primes[16];
	int in_group = 0;
	for (BN_ULONG p = 3; p < 256 + 2; p += 2) {
		bool prime = p < 256;
		for (BN_ULONG d = 3; prime && d * d <= p; d += 2)
			if (p % d == 0)
				prime = false;
		bool full = !prime || group > 0xFFFFFFFFu / p || in_group == 16;
		if (full && in_group > 0) {
			BN_ULONG r = BN_mod_word(n, group);
			if (r == (BN_ULONG)-1)
				return false;
			for (int i = 0; i < in_group; i++)
				if (r % primes[i] == 0)
					return false;
			group = 1;
			in_group = 0;
		}
		if (prime) {
			group *= p;
			primes[in_group++] = p;
		}
	}
	return true;
}

int jpki_pubkey_parse(const uint8_t *buf, size_t len, EVP_PKEY **ret, struct jpki_err *err)
{
	jpki_err_clear(err);
	ERR_clear_error();
	_cleanup_(EVP_PKEYp) EVP_PKEY *k = parse_any(buf, len, err);
	if (!k) {
		if (err && err->code != JPKI_E_OK)
			return -(int)err->code;
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY,
		                      "not a public key (PEM/DER SubjectPublicKeyInfo or PKCS#10 "
		                      "request)");
	}
	ERR_clear_error();
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)
		return jpki_fail(err, JPKI_E_BAD_KEY, "the key is %s; JPKI certifies RSA keys",
		                 OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
	int bits = EVP_PKEY_get_bits(k);
	if (bits < 2048)
		return jpki_fail(err, JPKI_E_WEAK_KEY, "RSA-%d is too weak; at least 2048 bits",
		                 bits);
	if (bits > 4096)
		return jpki_fail(err, JPKI_E_BAD_KEY, "RSA-%d is larger than 4096 bits", bits);
	_cleanup_(BIGNUMp) BIGNUM *e = NULL;
	_cleanup_(BIGNUMp) BIGNUM *n = NULL;
	if (EVP_PKEY_get_bn_param(k, "e", &e) != 1 || !BN_is_odd(e) || BN_num_bits(e) < 17 ||
	    BN_num_bits(e) > 256)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY,
		                      "the RSA public exponent must be odd, 65537 to 2^256");
	if (EVP_PKEY_get_bn_param(k, "n", &n) != 1 || !modulus_plausible(n))
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY, "the RSA modulus is malformed");
	*ret = TAKE_PTR(k);
	return 0;
}

int jpki_pubkey_load(const char *path, EVP_PKEY **ret, struct jpki_err *err)
{
	uint8_t *buf;
	size_t len;
	int rc = jpki_read_file(path, JPKI_PUBKEY_FILE_MAX, &buf, &len, err);
	if (rc < 0)
		return rc;
	rc = jpki_pubkey_parse(buf, len, ret, err);
	free(buf);
	if (rc < 0 && err) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why));
		snprintf(err->msg, sizeof(err->msg), "%s: %.400s", path, why);
	}
	return rc;
}
