/*
 * sign.c: a CAdES signature from content to its level (cades.h): prepare,
 * have the key sign, finish, then the time-stamp (B-T) and the long-term
 * values (B-LT).
 */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <openssl/crypto.h>

#include "core/ossl.h"
#include "sig/cades.h"
#include "sig/revinfo.h"

static int add_stamp(CMS_ContentInfo *cms, const struct jpki_sign_opts *o, struct jpki_err *err)
{
	CMS_SignerInfo *si;
	uint8_t hash[32];
	_cleanup_(freep) uint8_t *tst = NULL;
	size_t len = 0;
	int rc = jpki_cades_signer(cms, &si, err);
	if (rc < 0)
		return rc;
	if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0)
		return 0; /* already B-T: --extend keeps the proof of time it has */
	if (!o->tsa_url)
		return jpki_fail(err, JPKI_E_INVALID, "B-T needs a time-stamping authority's URL");
	if ((rc = jpki_cades_sigvalue_hash(si, hash, err)) < 0 ||
	    (rc = jpki_timestamp_fetch(o->tsa_url, hash, o->trusted, &tst, &len, err)) < 0)
		return rc;
	return jpki_cades_add_timestamp(cms, tst, len, err);
}

/* The signer's certificate in cms (by its identifier). */
static X509 *signer_cert(CMS_ContentInfo *cms, CMS_SignerInfo *si, STACK_OF(X509) * certs)
{
	for (int i = 0; i < sk_X509_num(certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
			return sk_X509_value(certs, i);
	return NULL;
}

struct lt_values {
	uint8_t *ocsp, *crl, *delta;
	size_t ocsp_len, crl_len, delta_len;
	struct jpki_revocation_values rv;
};

static void lt_values_free(struct lt_values *v)
{
	free(v->ocsp), free(v->crl), free(v->delta);
}

/* The signer's status now: OCSP, else the CRL partition with its delta. */
static int fetch_status(X509 *cert, const struct jpki_sign_opts *o, struct lt_values *v,
                        struct jpki_err *err)
{
	struct jpki_status_info s;
	struct jpki_err oerr;
	memset(v, 0, sizeof(*v));
	if (jpki_ocsp_fetch(cert, o->issuer, o->trusted, NULL, NULL, &v->ocsp, &v->ocsp_len, &s,
	                    &oerr) == 0) {
		X509_free(s.responder);
		v->rv.ocsp[0] = (struct jpki_blob){v->ocsp, v->ocsp_len};
		v->rv.n_ocsp = 1;
		return 0;
	}
	int rc = jpki_crl_fetch(cert, o->issuer, &v->crl, &v->crl_len, &v->delta, &v->delta_len, &s,
	                        err);
	if (rc < 0) {
		char crl_msg[sizeof(err->msg)];
		snprintf(crl_msg, sizeof(crl_msg), "%s", err->msg);
		return jpki_fail(err, (enum jpki_code) - rc,
		                 "no revocation data: OCSP: %s; CRL: %s", oerr.msg, crl_msg);
	}
	X509_free(s.responder);
	v->rv.crl[v->rv.n_crl++] = (struct jpki_blob){v->crl, v->crl_len};
	if (v->delta)
		v->rv.crl[v->rv.n_crl++] = (struct jpki_blob){v->delta, v->delta_len};
	return 0;
}

int jpki_cades_raise(CMS_ContentInfo *cms, const struct jpki_sign_opts *o, uint8_t **out,
                     size_t *out_len, struct jpki_err *err)
{
	int rc = o->level >= JPKI_LEVEL_T ? add_stamp(cms, o, err) : 0;
	if (rc < 0 || o->level < JPKI_LEVEL_LT)
		return rc < 0 ? rc : jpki_cades_encode(cms, NULL, NULL, out, out_len, err);
	if (!o->issuer)
		return jpki_fail(err, JPKI_E_INVALID, "B-LT needs the signer's CA certificate");
	CMS_SignerInfo *si;
	if ((rc = jpki_cades_signer(cms, &si, err)) < 0)
		return rc;
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509 *cert = signer_cert(cms, si, certs);
	struct lt_values v = {0};
	STACK_OF(X509) *chain = sk_X509_new_null();
	if (!cert)
		rc = jpki_fail(err, JPKI_E_INVALID, "the signature lacks its signer's certificate");
	else if (!chain || !sk_X509_push(chain, o->issuer))
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	else if ((rc = fetch_status(cert, o, &v, err)) == 0)
		rc = jpki_cades_encode(cms, chain, &v.rv, out, out_len, err);
	lt_values_free(&v);
	sk_X509_free(chain);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

int jpki_cades_sign(const uint8_t *content, size_t len, X509 *signer,
                    const struct jpki_sign_opts *o, jpki_sign_fn fn, void *arg, uint8_t **out,
                    size_t *out_len, struct jpki_err *err)
{
	_cleanup_(cms_content_info_freep) CMS_ContentInfo *cms = NULL;
	uint8_t di[JPKI_DIGESTINFO_LEN], sig[1024];
	size_t sig_len = sizeof(sig);
	int rc = jpki_cades_prepare(content, len, o->attached, signer, o->now, &cms, err);
	if (rc == 0)
		rc = jpki_cades_tbs(cms, di, err);
	if (rc == 0)
		rc = fn(arg, di, sig, &sig_len, err);
	if (rc == 0)
		rc = jpki_cades_finish(cms, sig, sig_len, err);
	if (rc == 0)
		rc = jpki_cades_raise(cms, o, out, out_len, err);
	return rc;
}
