/*
 * revinfo.c: a certificate's status by OCSP and by CRLs (revinfo.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>

#include "core/ossl.h"
#include "sig/revinfo.h"

JPKI_DEFINE_FREEP(OCSP_RESPONSE, OCSP_RESPONSE_free)
JPKI_DEFINE_FREEP(OCSP_BASICRESP, OCSP_BASICRESP_free)
JPKI_DEFINE_FREEP(OCSP_REQUEST, OCSP_REQUEST_free)
JPKI_DEFINE_FREEP(OCSP_CERTID, OCSP_CERTID_free)
JPKI_DEFINE_FREEP(X509_STORE, X509_STORE_free)
JPKI_DEFINE_FREEP(ASN1_ENUMERATED, ASN1_ENUMERATED_free)

bool jpki_asn1_time_epoch(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

static int uri_of(GENERAL_NAME *gn, char *out, size_t cap)
{
	if (!gn || gn->type != GEN_URI)
		return 0;
	const ASN1_IA5STRING *s = gn->d.uniformResourceIdentifier;
	size_t n = (size_t)ASN1_STRING_length(s);
	const char *p = (const char *)ASN1_STRING_get0_data(s);
	if (n < 8 || n >= cap || strncmp(p, "http://", 7) != 0 || memchr(p, 0, n))
		return 0;
	memcpy(out, p, n);
	out[n] = 0;
	return 1;
}

static int dp_url(X509 *cert, int nid, char *out, size_t cap)
{
	_cleanup_(CRL_DIST_POINTSp) CRL_DIST_POINTS *dps = X509_get_ext_d2i(cert, nid, NULL, NULL);
	for (int i = 0; i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		GENERAL_NAMES *names = dp->distpoint->name.fullname;
		for (int j = 0; j < sk_GENERAL_NAME_num(names); j++)
			if (uri_of(sk_GENERAL_NAME_value(names, j), out, cap))
				return 1;
	}
	return 0;
}

int jpki_cert_url(X509 *cert, enum jpki_url_kind kind, char *out, size_t cap, struct jpki_err *err)
{
	int found = 0;
	if (kind == JPKI_URL_OCSP) {
		_cleanup_(AUTHORITY_INFO_ACCESSp) AUTHORITY_INFO_ACCESS *aia =
		    X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
		for (int i = 0; !found && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
			ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
			if (OBJ_obj2nid(ad->method) == NID_ad_OCSP)
				found = uri_of(ad->location, out, cap);
		}
	} else {
		found = dp_url(
		    cert, kind == JPKI_URL_CRL ? NID_crl_distribution_points : NID_freshest_crl,
		    out, cap);
	}
	ERR_clear_error();
	if (!found)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "the certificate names no http %s",
		                 kind == JPKI_URL_OCSP  ? "OCSP responder"
		                 : kind == JPKI_URL_CRL ? "CRL distribution point"
		                                        : "freshest CRL");
	return 0;
}

int jpki_ocsp_request(X509 *cert, X509 *issuer, uint8_t **der, size_t *len, struct jpki_err *err)
{
	_cleanup_(OCSP_REQUESTp) OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
	if (!req || !id || !OCSP_request_add0_id(req, id)) {
		OCSP_CERTID_free(id);
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "an OCSP request");
	}
	uint8_t nonce[32];
	if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    !OCSP_request_add1_nonce(req, nonce, sizeof(nonce)))
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the OCSP nonce");
	uint8_t *p = NULL;
	int n = i2d_OCSP_REQUEST(req, &p);
	if (n <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "an OCSP request");
	*der = malloc((size_t)n);
	if (*der)
		memcpy(*der, p, (size_t)n);
	OPENSSL_free(p);
	*len = (size_t)n;
	return *der ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
}

/* A store of trusted, checking at `when`. */
static X509_STORE *store_at(STACK_OF(X509) * trusted, int64_t when)
{
	X509_STORE *st = X509_STORE_new();
	for (int i = 0; st && i < sk_X509_num(trusted); i++)
		if (!X509_STORE_add_cert(st, sk_X509_value(trusted, i))) {
			X509_STORE_free(st);
			return NULL;
		}
	if (st) {
		X509_VERIFY_PARAM *vp = X509_STORE_get0_param(st);
		X509_VERIFY_PARAM_set_time(vp, (time_t)when);
	}
	return st;
}

/* The one SingleResp of bs, for our CertID; its fields into out. */
static int single_status(OCSP_BASICRESP *bs, X509 *cert, X509 *issuer, struct jpki_status_info *out,
                         struct jpki_err *err)
{
	if (OCSP_resp_count(bs) != 1)
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP response has %d answers, not one",
		                 OCSP_resp_count(bs));
	OCSP_SINGLERESP *one = OCSP_resp_get0(bs, 0);
	const OCSP_CERTID *got = OCSP_SINGLERESP_get0_id(one);
	ASN1_OBJECT *md_oid = NULL;
	if (!OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, (OCSP_CERTID *)got))
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP answer has no CertID");
	const EVP_MD *md = EVP_get_digestbyobj(md_oid);
	_cleanup_(OCSP_CERTIDp) OCSP_CERTID *want = md ? OCSP_cert_to_id(md, cert, issuer) : NULL;
	if (!want || OCSP_id_cmp(want, got) != 0)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the OCSP answer is about another certificate");
	int reason = -1;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisu = NULL, *nextu = NULL;
	int st = OCSP_single_get0_status(one, &reason, &rev, &thisu, &nextu);
	out->status = st == V_OCSP_CERTSTATUS_GOOD      ? JPKI_ANSWER_GOOD
	              : st == V_OCSP_CERTSTATUS_REVOKED ? JPKI_ANSWER_REVOKED
	                                                : JPKI_ANSWER_UNKNOWN;
	out->reason = reason;
	out->revoked_at = 0, out->next_update = 0;
	if ((rev && !jpki_asn1_time_epoch(rev, &out->revoked_at)) ||
	    !jpki_asn1_time_epoch(thisu, &out->this_update) ||
	    (nextu && !jpki_asn1_time_epoch(nextu, &out->next_update)))
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP answer has unreadable times");
	return 0;
}

int jpki_ocsp_check(const uint8_t *resp, size_t len, const uint8_t *req_der, size_t req_len,
                    X509 *cert, X509 *issuer, STACK_OF(X509) * trusted,
                    struct jpki_status_info *out, struct jpki_err *err)
{
	const uint8_t *p = resp;
	memset(out, 0, sizeof(*out));
	_cleanup_(OCSP_RESPONSEp) OCSP_RESPONSE *r =
	    len < (1u << 20) ? d2i_OCSP_RESPONSE(NULL, &p, (long)len) : NULL;
	if (!r || p != resp + len) {
		ERR_clear_error();
		return jpki_fail(err, JPKI_E_INVALID, "not a DER OCSP response");
	}
	int status = OCSP_response_status(r);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP responder answered %s",
		                 OCSP_response_status_str(status));
	_cleanup_(OCSP_BASICRESPp) OCSP_BASICRESP *bs = OCSP_response_get1_basic(r);
	int64_t produced;
	if (!bs || !jpki_asn1_time_epoch(OCSP_resp_get0_produced_at(bs), &produced))
		return jpki_fail_ossl(err, JPKI_E_INVALID, "the OCSP response has no basic answer");
	if (req_der) {
		const uint8_t *q = req_der;
		_cleanup_(OCSP_REQUESTp) OCSP_REQUEST *req =
		    d2i_OCSP_REQUEST(NULL, &q, (long)req_len);
		if (!req || OCSP_check_nonce(req, bs) != 1)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "the OCSP response does not carry our nonce");
	}
	/* the responder: the CA itself or its delegate with id-kp-OCSPSigning (RFC 6960 §4.2.2.2)
	 */
	_cleanup_(X509_STOREp) X509_STORE *st = store_at(trusted, produced);
	STACK_OF(X509) *extra = sk_X509_new_null();
	if (!st || !extra || !sk_X509_push(extra, issuer)) {
		sk_X509_free(extra);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	int ok = OCSP_basic_verify(bs, extra, st, 0);
	sk_X509_free(extra);
	if (ok != 1)
		return jpki_fail_ossl(err, JPKI_E_INVALID,
		                      "the OCSP response is not signed by an "
		                      "authorised responder");
	int rc = single_status(bs, cert, issuer, out, err);
	if (rc < 0)
		return rc;
	out->produced_at = produced;
	snprintf(out->source, sizeof(out->source), "OCSP");
	X509 *signer = NULL;
	STACK_OF(X509) *ca = sk_X509_new_null();
	if (ca && sk_X509_push(ca, issuer) && OCSP_resp_get0_signer(bs, &signer, ca) == 1 &&
	    signer && X509_up_ref(signer))
		out->responder = signer;
	sk_X509_free(ca);
	return 0;
}

int jpki_ocsp_send_http(void *arg, const char *url, const uint8_t *req, size_t len, uint8_t **resp,
                        size_t *resp_len, struct jpki_err *err)
{
	(void)arg;
	return jpki_http_post(url, "application/ocsp-request", req, len,
	                      "application/ocsp-response", 1u << 16, resp, resp_len, err);
}

int jpki_ocsp_fetch(X509 *cert, X509 *issuer, STACK_OF(X509) * trusted, jpki_ocsp_send_fn send,
                    void *send_arg, uint8_t **resp, size_t *len, struct jpki_status_info *out,
                    struct jpki_err *err)
{
	char url[1024];
	_cleanup_(freep) uint8_t *req = NULL;
	size_t req_len = 0;
	int rc = jpki_cert_url(cert, JPKI_URL_OCSP, url, sizeof(url), err);
	if (rc == 0)
		rc = jpki_ocsp_request(cert, issuer, &req, &req_len, err);
	if (rc == 0)
		rc = (send ? send : jpki_ocsp_send_http)(send_arg, url, req, req_len, resp, len,
		                                         err);
	if (rc == 0 && (rc = jpki_ocsp_check(*resp, *len, req, req_len, cert, issuer, trusted, out,
	                                     err)) < 0) {
		free(*resp);
		*resp = NULL;
	}
	return rc;
}

int jpki_crl_parse(const uint8_t *der, size_t len, X509_CRL **ret, struct jpki_err *err)
{
	const uint8_t *p = der;
	X509_CRL *crl = len <= JPKI_FETCH_MAX ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
	if (!crl || p != der + len) {
		X509_CRL_free(crl);
		ERR_clear_error();
		return jpki_fail(err, JPKI_E_INVALID, "not a DER CRL");
	}
	*ret = crl;
	return 0;
}

static int crl_signed_by(X509_CRL *crl, X509 *issuer, const char *what, struct jpki_err *err)
{
	EVP_PKEY *k = X509_get0_pubkey(issuer);
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
		return jpki_fail(err, JPKI_E_INVALID, "the %s is issued by another CA", what);
	if (!k || X509_CRL_verify(crl, k) != 1) {
		ERR_clear_error();
		return jpki_fail(err, JPKI_E_INVALID, "the %s's signature does not verify", what);
	}
	return 0;
}

static long crl_number(X509_CRL *crl, int nid)
{
	_cleanup_(ASN1_INTEGERp) ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, nid, NULL, NULL);
	return n ? ASN1_INTEGER_get(n) : -1;
}

/* The entry of serial in crl: 1 found (out filled), 0 not listed. */
static int entry_of(X509_CRL *crl, const ASN1_INTEGER *serial, struct jpki_status_info *out)
{
	X509_REVOKED *e = NULL;
	if (X509_CRL_get0_by_serial(crl, &e, serial) != 1 || !e)
		return 0;
	_cleanup_(ASN1_ENUMERATEDp) ASN1_ENUMERATED *why =
	    X509_REVOKED_get_ext_d2i(e, NID_crl_reason, NULL, NULL);
	out->reason = why ? (int)ASN1_ENUMERATED_get(why) : -1;
	out->status = JPKI_ANSWER_REVOKED;
	if (!jpki_asn1_time_epoch(X509_REVOKED_get0_revocationDate(e), &out->revoked_at))
		out->revoked_at = 0;
	return 1;
}

int jpki_crl_check(X509_CRL *crl, X509_CRL *delta, X509 *cert, X509 *issuer,
                   struct jpki_status_info *out, struct jpki_err *err)
{
	int rc = crl_signed_by(crl, issuer, "CRL", err);
	if (rc == 0 && delta)
		rc = crl_signed_by(delta, issuer, "delta CRL", err);
	if (rc < 0)
		return rc;
	if (crl_number(crl, NID_delta_crl) >= 0)
		return jpki_fail(err, JPKI_E_INVALID, "the base CRL is a delta CRL");
	if (delta && (crl_number(delta, NID_delta_crl) < 0 ||
	              crl_number(delta, NID_delta_crl) > crl_number(crl, NID_crl_number)))
		return jpki_fail(err, JPKI_E_INVALID, "the delta CRL is not based on this CRL");
	memset(out, 0, sizeof(*out));
	out->status = JPKI_ANSWER_GOOD, out->reason = -1;
	X509_CRL *newest = delta ? delta : crl;
	if (!jpki_asn1_time_epoch(X509_CRL_get0_lastUpdate(newest), &out->this_update) ||
	    (X509_CRL_get0_nextUpdate(newest) &&
	     !jpki_asn1_time_epoch(X509_CRL_get0_nextUpdate(newest), &out->next_update)))
		return jpki_fail(err, JPKI_E_INVALID, "the CRL has unreadable times");
	out->produced_at = out->this_update;
	snprintf(out->source, sizeof(out->source), "CRL");
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	struct jpki_status_info d = *out;
	if (delta && entry_of(delta, serial, &d)) {
		if (d.reason != 8 /* removeFromCRL (RFC 5280 §5.2.4) */)
			*out = d;
		return 0;
	}
	(void)entry_of(crl, serial, out);
	return 0;
}

int jpki_crl_fetch(X509 *cert, X509 *issuer, uint8_t **crl_der, size_t *crl_len,
                   uint8_t **delta_der, size_t *delta_len, struct jpki_status_info *out,
                   struct jpki_err *err)
{
	char url[1024];
	_cleanup_(X509_CRLp) X509_CRL *crl = NULL;
	_cleanup_(X509_CRLp) X509_CRL *delta = NULL;
	*crl_der = *delta_der = NULL;
	*delta_len = 0;
	int rc = jpki_cert_url(cert, JPKI_URL_CRL, url, sizeof(url), err);
	if (rc == 0)
		rc = jpki_http_get(url, JPKI_FETCH_MAX, crl_der, crl_len, err);
	if (rc == 0)
		rc = jpki_crl_parse(*crl_der, *crl_len, &crl, err);
	if (rc == 0 && jpki_cert_url(cert, JPKI_URL_DELTA, url, sizeof(url), NULL) == 0) {
		rc = jpki_http_get(url, JPKI_FETCH_MAX, delta_der, delta_len, err);
		if (rc == 0)
			rc = jpki_crl_parse(*delta_der, *delta_len, &delta, err);
	}
	if (rc == 0)
		rc = jpki_crl_check(crl, delta, cert, issuer, out, err);
	if (rc < 0) {
		free(*crl_der), free(*delta_der);
		*crl_der = *delta_der = NULL;
	}
	return rc;
}
