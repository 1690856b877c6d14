/*
 * filing.c: prepare and finish a filing's signature (filing.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ossl.h"
#include "filing.h"
#include "jpki/verify.h"
#include "sig/report.h"

int jpki_portal_filing_prepare(const struct jpki_portal_signing *sg, const uint8_t *cert_der,
                               size_t cert_len, const uint8_t *doc, size_t doc_len, int64_t now,
                               CMS_ContentInfo **cms, uint8_t hash[32], struct jpki_err *err)
{
	const unsigned char *p = cert_der;
	_cleanup_(X509p) X509 *cert = d2i_X509(NULL, &p, (long)cert_len);
	uint8_t di[JPKI_DIGESTINFO_LEN];
	if (!cert || p != cert_der + cert_len)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "the certificate is not one DER X.509");
	if (X509_check_issued(sg->sign_ca, cert) != X509_V_OK)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "not a signature certificate of this service's signature CA");
	int rc = jpki_cades_prepare(doc, doc_len, false, cert, now, cms, err);
	if (rc == 0 && (rc = jpki_cades_tbs(*cms, di, err)) < 0) {
		CMS_ContentInfo_free(*cms);
		*cms = NULL;
	}
	if (rc == 0) /* the DigestInfo's tail: the OCTET STRING of the hash */
		memcpy(hash, di + JPKI_DIGESTINFO_LEN - 32, 32);
	return rc;
}

static int verify(const struct jpki_portal_signing *sg, const uint8_t *der, size_t der_len,
                  const uint8_t *doc, size_t doc_len, int64_t now, struct jpki_portal_filing *f,
                  struct jpki_err *err)
{
	struct jpki_verifier *v = NULL;
	struct jpki_report *r = NULL;
	unsigned char *ca = NULL;
	int n = i2d_X509(sg->sign_ca, &ca);
	int rc = n > 0 ? jpki_verifier_new(&v, err) : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = jpki_verifier_trust(v, ca, (size_t)n, err);
	if (rc == 0) {
		jpki_verifier_set_time(v, now);
		if (sg->ocsp_send)
			jpki_verifier_set_ocsp_send(v, sg->ocsp_send, sg->ocsp_arg);
		rc = jpki_verify(v, der, der_len, doc, doc_len, &r, err);
	}
	if (rc == 0) {
		const char *sub = jpki_report_subindication(r);
		snprintf(f->indication, sizeof(f->indication), "%s",
		         jpki_indication_name(jpki_report_indication(r)));
		snprintf(f->subindication, sizeof(f->subindication), "%s", sub ? sub : "");
	}
	jpki_report_free(r);
	jpki_verifier_free(v);
	OPENSSL_free(ca);
	return rc;
}

int jpki_portal_filing_finish(const struct jpki_portal_signing *sg, CMS_ContentInfo *cms,
                              const uint8_t *sig, size_t sig_len, const uint8_t *doc,
                              size_t doc_len, int64_t now, uint8_t **der, size_t *der_len,
                              struct jpki_portal_filing *f, struct jpki_err *err)
{
	STACK_OF(X509) *trusted = sk_X509_new_null(); /* borrows the CA */
	if (!trusted || !sk_X509_push(trusted, sg->sign_ca)) {
		sk_X509_free(trusted);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	struct jpki_sign_opts o = {.attached = false,
	                           .level = JPKI_LEVEL_LT,
	                           .tsa_url = sg->tsa_url,
	                           .trusted = trusted,
	                           .issuer = sg->sign_ca,
	                           .now = now};
	int rc = jpki_cades_finish(cms, sig, sig_len, err);
	if (rc == 0)
		rc = jpki_cades_raise(cms, &o, der, der_len, err);
	if (rc == 0 && (rc = verify(sg, *der, *der_len, doc, doc_len, now, f, err)) < 0) {
		free(*der);
		*der = NULL;
	}
	sk_X509_free(trusted);
	return rc;
}
