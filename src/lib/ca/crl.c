/*
 * crl.c: building a CA's full CRL from the registry.
 */
#include <stdlib.h>
#include <string.h>

#include "core/ossl.h"
#include "crl.h"

struct crl_fill {
	X509_CRL *crl;
	struct jpki_err *err;
};

static int add_revoked(const uint8_t *serial, size_t len, int64_t at, enum jpki_reason reason,
		       void *arg)
{
	struct crl_fill *f = arg;
	_cleanup_(X509_REVOKEDp) X509_REVOKED *rev = X509_REVOKED_new();
	_cleanup_(BIGNUMp) BIGNUM *bn = BN_bin2bn(serial, (int)len, NULL);
	_cleanup_(ASN1_INTEGERp) ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	_cleanup_(ASN1_TIMEp) ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)at);
	ASN1_ENUMERATED *code = NULL;
	bool ok = rev && sn && t && X509_REVOKED_set_serialNumber(rev, sn) == 1 &&
		  X509_REVOKED_set_revocationDate(rev, t) == 1;
	if (ok && reason != JPKI_REASON_UNSPECIFIED) { /* RFC 5280 §5.3.1 */
		code = ASN1_ENUMERATED_new();
		ok = code && ASN1_ENUMERATED_set(code, (long)reason) == 1 &&
		     X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0) == 1;
		ASN1_ENUMERATED_free(code);
	}
	if (!ok || X509_CRL_add0_revoked(f->crl, rev) != 1)
		return jpki_fail_ossl(f->err, JPKI_E_CRYPTO, "cannot add a CRL entry");
	rev = NULL; /* owned by the CRL now */
	return 0;
}

int jpki_crl_build(struct jpki_store *st, const struct jpki_ca *ca, int64_t now,
		   int64_t validity, uint8_t **ret_der, size_t *ret_len, struct jpki_err *err)
{
	_cleanup_(X509_CRLp) X509_CRL *crl = X509_CRL_new();
	_cleanup_(ASN1_TIMEp) ASN1_TIME *this_update = ASN1_TIME_set(NULL, (time_t)now);
	_cleanup_(ASN1_TIMEp) ASN1_TIME *next_update = ASN1_TIME_set(NULL, (time_t)(now + validity));
	_cleanup_(ASN1_INTEGERp) ASN1_INTEGER *number = ASN1_INTEGER_new();
	int64_t n;
	int rc;
	if (validity <= 0)
		return jpki_fail(err, JPKI_E_INVALID, "CRL validity must be positive");
	if (!crl || !this_update || !next_update || !number)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if ((rc = st->ops->crl_number_next(st, ca->kind, &n, err)) < 0)
		return rc;
	if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, this_update) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, next_update) != 1 || ASN1_INTEGER_set_int64(number, n) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot start the CRL");
	struct crl_fill fill = {crl, err};
	if ((rc = st->ops->revoked_each(st, ca->kind, now, add_revoked, &fill, err)) < 0)
		return rc;
	if (X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) != 1 ||
	    X509_CRL_add_ext(crl, ca->ext_akid, -1) != 1 || X509_CRL_sort(crl) != 1 ||
	    X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot sign the CRL");
	unsigned char *der = NULL;
	int len = i2d_X509_CRL(crl, &der);
	if (len <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the CRL");
	*ret_der = malloc((size_t)len);
	if (!*ret_der) {
		OPENSSL_free(der);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	memcpy(*ret_der, der, (size_t)len);
	*ret_len = (size_t)len;
	OPENSSL_free(der);
	return 0;
}
