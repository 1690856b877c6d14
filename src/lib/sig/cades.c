/*
 * cades.c: CAdES signatures whose value is made elsewhere (cades.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h> /* before cms.h: its PEM functions */
#include <openssl/cms.h>

#include "core/der.h"
#include "core/ossl.h"
#include "sig/cades.h"
#include "sig/signeddata.h"

/* RFC 8017 §9.2 note 1: the DER DigestInfo prefix of SHA-256 */
static const uint8_t sha256_prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                          0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                          0x01, 0x05, 0x00, 0x04, 0x20};

int jpki_digestinfo_sha256(const uint8_t *data, size_t len, uint8_t out[JPKI_DIGESTINFO_LEN],
                           struct jpki_err *err)
{
	unsigned int n = 0;
	memcpy(out, sha256_prefix, sizeof(sha256_prefix));
	if (EVP_Digest(data, len, out + sizeof(sha256_prefix), &n, EVP_sha256(), NULL) != 1 ||
	    n != 32)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "SHA-256");
	return 0;
}

int jpki_cades_signer(CMS_ContentInfo *cms, CMS_SignerInfo **si, struct jpki_err *err)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	if (!sis || sk_CMS_SignerInfo_num(sis) != 1)
		return jpki_fail(err, JPKI_E_INVALID, "the signature must have exactly one signer");
	*si = sk_CMS_SignerInfo_value(sis, 0);
	return 0;
}

/* contentType, messageDigest and signingTime (RFC 5652 §11.1-11.3). */
static int add_signed_attrs(CMS_SignerInfo *si, const uint8_t *content, size_t len,
                            int64_t signing_time, struct jpki_err *err)
{
	uint8_t md[32];
	unsigned int n = 0;
	_cleanup_(ASN1_TIMEp) ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)signing_time);
	if (!t || EVP_Digest(content, len, md, &n, EVP_sha256(), NULL) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the message digest");
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
	                                 OBJ_nid2obj(NID_pkcs7_data), -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md,
	                                 (int)n) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1))
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the signed attributes");
	return 0;
}

int jpki_cades_prepare(const uint8_t *content, size_t len, bool attached, X509 *signer,
                       int64_t signing_time, CMS_ContentInfo **ret, struct jpki_err *err)
{
	const unsigned flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES;
	if (len > JPKI_SIG_CONTENT_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "the document has %zu bytes (at most %u)", len,
		                 JPKI_SIG_CONTENT_MAX);
	_cleanup_(cms_content_info_freep) CMS_ContentInfo *cms =
	    CMS_sign(NULL, NULL, NULL, NULL, flags | (attached ? 0 : CMS_DETACHED));
	if (!cms)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "a SignedData");
	/* the public key stands in for the private one: libcrypto only compares them here */
	EVP_PKEY *pub = X509_get0_pubkey(signer);
	CMS_SignerInfo *si = pub ? CMS_add1_signer(cms, signer, pub, EVP_sha256(), flags) : NULL;
	if (!si)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY, "the signer certificate");
	int rc = add_signed_attrs(si, content, len, signing_time, err);
	if (rc < 0)
		return rc;
	if (attached) {
		ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
		if (!pos || !CMS_set_detached(cms, 0) || !*pos ||
		    !ASN1_OCTET_STRING_set(*pos, content, (int)len))
			return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the attached content");
		(*pos)->flags &= ~ASN1_STRING_FLAG_CONT;
	}
	*ret = TAKE_PTR(cms);
	return 0;
}

/* DER SET OF (X.690 §11.6): the encodings in ascending order. */
struct attr_der {
	uint8_t *p;
	int len;
};
static int attr_cmp(const void *a, const void *b)
{
	const struct attr_der *x = a, *y = b;
	int n = x->len < y->len ? x->len : y->len, c = memcmp(x->p, y->p, (size_t)n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The DER of the signed attributes as signed: a SET OF, not the [0] (RFC 5652 §5.4). */
static int signed_attrs_der(CMS_SignerInfo *si, uint8_t **out, size_t *out_len,
                            struct jpki_err *err)
{
	int n = CMS_signed_get_attr_count(si);
	if (n <= 0 || n > 16)
		return jpki_fail(err, JPKI_E_INVALID, "the signer has %d signed attributes", n);
	struct attr_der a[16] = {0};
	size_t total = 0;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		a[i].len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &a[i].p);
		if (a[i].len <= 0) {
			rc = jpki_fail_ossl(err, JPKI_E_CRYPTO, "a signed attribute");
			goto out;
		}
		total += (size_t)a[i].len;
	}
	qsort(a, (size_t)n, sizeof(a[0]), attr_cmp);
	uint8_t *buf = malloc(total + 6);
	if (!buf) {
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		goto out;
	}
	size_t off = jpki_der_put_header(buf, 0x31, total);
	for (int i = 0; i < n; i++)
		memcpy(buf + off, a[i].p, (size_t)a[i].len), off += (size_t)a[i].len;
	*out = buf, *out_len = off;
out:
	for (int i = 0; i < n; i++)
		OPENSSL_free(a[i].p);
	return rc;
}

int jpki_cades_tbs(CMS_ContentInfo *cms, uint8_t out[JPKI_DIGESTINFO_LEN], struct jpki_err *err)
{
	CMS_SignerInfo *si;
	_cleanup_(freep) uint8_t *der = NULL;
	size_t len = 0;
	int rc = jpki_cades_signer(cms, &si, err);
	if (rc == 0)
		rc = signed_attrs_der(si, &der, &len, err);
	if (rc == 0)
		rc = jpki_digestinfo_sha256(der, len, out, err);
	return rc;
}

int jpki_cades_finish(CMS_ContentInfo *cms, const uint8_t *sig, size_t len, struct jpki_err *err)
{
	CMS_SignerInfo *si;
	X509 *signer = NULL;
	_cleanup_(freep) uint8_t *der = NULL;
	size_t der_len = 0;
	int rc = jpki_cades_signer(cms, &si, err);
	if (rc == 0)
		rc = signed_attrs_der(si, &der, &der_len, err);
	if (rc < 0)
		return rc;
	CMS_SignerInfo_get0_algs(si, NULL, &signer, NULL, NULL);
	STACK_OF(X509) *certs = signer ? NULL : CMS_get1_certs(cms);
	for (int i = 0; !signer && i < sk_X509_num(certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
			signer = sk_X509_value(certs, i);
	EVP_PKEY *found = signer ? X509_get0_pubkey(signer) : NULL;
	_cleanup_(EVP_PKEYp) EVP_PKEY *pub = found && EVP_PKEY_up_ref(found) ? found : NULL;
	sk_X509_pop_free(certs, X509_free); /* pub outlives the certificate it came from */
	_cleanup_(EVP_MD_CTXp) EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!pub || !md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the signer's public key");
	if (len == 0 || len > 1024 || EVP_DigestVerify(md, sig, len, der, der_len) != 1) {
		ERR_clear_error();
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the signature value does not verify with the signer's key");
	}
	if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)len))
		return jpki_fail_ossl(err, JPKI_E_NOMEM, "the signature value");
	return 0;
}

int jpki_cades_sigvalue_hash(CMS_SignerInfo *si, uint8_t out[32], struct jpki_err *err)
{
	ASN1_OCTET_STRING *v = CMS_SignerInfo_get0_signature(si);
	unsigned int n = 0;
	if (!v || ASN1_STRING_length(v) <= 0)
		return jpki_fail(err, JPKI_E_INVALID, "the signature has no value yet");
	if (EVP_Digest(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), out, &n,
	               EVP_sha256(), NULL) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "SHA-256");
	return 0;
}

int jpki_cades_add_timestamp(CMS_ContentInfo *cms, const uint8_t *tst, size_t len,
                             struct jpki_err *err)
{
	CMS_SignerInfo *si;
	int rc = jpki_cades_signer(cms, &si, err);
	if (rc < 0)
		return rc;
	if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0)
		return jpki_fail(err, JPKI_E_EXISTS, "the signature already has a time-stamp");
	/* id-aa-signatureTimeStampToken (RFC 3161 Appendix A): the token's DER as the value */
	if (len == 0 || len > INT32_MAX ||
	    !CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, tst,
	                                   (int)len))
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the time-stamp attribute");
	return 0;
}

static bool has_cert(CMS_ContentInfo *cms, X509 *x)
{
	STACK_OF(X509) *have = CMS_get1_certs(cms);
	bool found = false;
	for (int i = 0; !found && i < sk_X509_num(have); i++)
		found = X509_cmp(sk_X509_value(have, i), x) == 0;
	sk_X509_pop_free(have, X509_free);
	return found;
}

int jpki_cades_encode(CMS_ContentInfo *cms, STACK_OF(X509) * certs,
                      const struct jpki_revocation_values *rv, uint8_t **out, size_t *out_len,
                      struct jpki_err *err)
{
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		if (!has_cert(cms, x) && !CMS_add1_cert(cms, x))
			return jpki_fail_ossl(err, JPKI_E_CRYPTO, "a certificate of the chain");
	}
	uint8_t *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	if (n <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "encoding the signature");
	if (!rv || (rv->n_ocsp == 0 && rv->n_crl == 0)) {
		*out = malloc((size_t)n);
		if (*out)
			memcpy(*out, der, (size_t)n);
		OPENSSL_free(der);
		*out_len = (size_t)n;
		return *out ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	const uint8_t *crl[4], *ocsp[4];
	size_t crl_len[4], ocsp_len[4];
	for (size_t i = 0; i < rv->n_crl && i < 4; i++)
		crl[i] = rv->crl[i].p, crl_len[i] = rv->crl[i].len;
	for (size_t i = 0; i < rv->n_ocsp && i < 4; i++)
		ocsp[i] = rv->ocsp[i].p, ocsp_len[i] = rv->ocsp[i].len;
	struct jpki_sd_add add = {crl,  crl_len,  rv->n_crl > 4 ? 4 : rv->n_crl,
	                          ocsp, ocsp_len, rv->n_ocsp > 4 ? 4 : rv->n_ocsp};
	struct jpki_signeddata sd;
	int rc = jpki_sd_split(der, (size_t)n, &sd, err);
	if (rc == 0)
		rc = jpki_sd_rebuild(&sd, &add, out, out_len, err);
	OPENSSL_free(der);
	return rc;
}

int jpki_cades_parse(const uint8_t *buf, size_t len, CMS_ContentInfo **ret, struct jpki_err *err)
{
	if (len > JPKI_SIG_DOC_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "the signature has %zu bytes (at most %u)", len,
		                 JPKI_SIG_DOC_MAX);
	CMS_ContentInfo *cms = NULL;
	if (len > 11 && memcmp(buf, "-----BEGIN ", 11) == 0) {
		_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(buf, (int)len);
		cms = b ? PEM_read_bio_CMS(b, NULL, NULL, NULL) : NULL;
	} else {
		const uint8_t *p = buf;
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
		if (cms && p != buf + len) {
			CMS_ContentInfo_free(cms);
			return jpki_fail(err, JPKI_E_INVALID, "bytes after the signature");
		}
	}
	if (!cms)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "not a CMS signature");
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		return jpki_fail(err, JPKI_E_INVALID, "the CMS object is not a SignedData");
	}
	*ret = cms;
	return 0;
}
