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

#include "core/fsutil.h"
#include "core/ossl.h"
#include "pubkey.h"

static bool looks_pem(const uint8_t *buf, size_t len)
{
	static const char tag[] = "-----BEGIN ";
	for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (memcmp(buf + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
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

static EVP_PKEY *parse_any(const uint8_t *buf, size_t len, struct jpki_err *err)
{
	if (len > JPKI_PUBKEY_FILE_MAX)
		return NULL;
	if (looks_pem(buf, len)) {
		_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(buf, (int)len);
		EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
		if (k)
			return k;
		BIO_free_all(b);
		b = BIO_new_mem_buf(buf, (int)len);
		_cleanup_(X509_REQp) X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL)
						       : NULL;
		return req ? from_req(req, err) : NULL;
	}
	const unsigned char *p = buf;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
	if (k && p == buf + len)
		return k;
	EVP_PKEY_free(k);
	p = buf;
	_cleanup_(X509_REQp) X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	if (req && p == buf + len)
		return from_req(req, err);
	return NULL;
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
	if (EVP_PKEY_get_bn_param(k, "e", &e) != 1 || !BN_is_odd(e) || BN_num_bits(e) < 17)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY,
				      "the RSA public exponent must be odd and at least 65537");
	_cleanup_(EVP_PKEY_CTXp) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (!ctx || EVP_PKEY_public_check(ctx) != 1)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY, "the RSA public key is malformed");
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
