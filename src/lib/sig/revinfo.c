/*
 * revinfo.c: a certificate's status by OCSP and by CRLs (revinfo.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/der.h"
#include "core/ossl.h"
#include "sig/revinfo.h"

JPKI_DEFINE_FREEP(OCSP_RESPONSE, OCSP_RESPONSE_free)
JPKI_DEFINE_FREEP(OCSP_BASICRESP, OCSP_BASICRESP_free)
JPKI_DEFINE_FREEP(OCSP_REQUEST, OCSP_REQUEST_free)
JPKI_DEFINE_FREEP(OCSP_CERTID, OCSP_CERTID_free)
JPKI_DEFINE_FREEP(X509_STORE, X509_STORE_free)
JPKI_DEFINE_FREEP(ASN1_ENUMERATED, ASN1_ENUMERATED_free)
JPKI_DEFINE_FREEP(ISSUING_DIST_POINT, ISSUING_DIST_POINT_free)

static void x509_stackp(STACK_OF(X509) * *s)
{
	sk_X509_pop_free(*s, X509_free);
}

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

static int trust_push(STACK_OF(X509) * out, X509 *x, struct jpki_err *err)
{
	int rc = X509_check_ca(x) < 1
	             ? jpki_fail(err, JPKI_E_INVALID, "a trust anchor must be a CA certificate")
	         : !sk_X509_push(out, x) ? jpki_fail(err, JPKI_E_NOMEM, "out of memory")
	                                 : 0;
	if (rc < 0)
		X509_free(x);
	return rc;
}

int jpki_trust_read(const uint8_t *buf, size_t len, STACK_OF(X509) * out, struct jpki_err *err)
{
	if (len > (1u << 20))
		return jpki_fail(err, JPKI_E_LIMIT, "the trust file is over 1 MiB");
	if (len > 0 && buf[0] == 0x30) {
		const uint8_t *p = buf;
		X509 *x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != buf + len) {
			X509_free(x);
			return jpki_fail_ossl(err, JPKI_E_INVALID, "not a DER certificate");
		}
		return trust_push(out, x, err);
	}
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(buf, (int)len);
	int n = 0, rc = 0;
	for (X509 *x; rc == 0 && b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL; n++)
		rc = trust_push(out, x, err);
	ERR_clear_error();
	return rc < 0 ? rc : n ? 0 : jpki_fail(err, JPKI_E_INVALID, "no PEM certificate to trust");
}

X509_STORE *jpki_trust_store(STACK_OF(X509) * trusted, int64_t when)
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
	out->revoked_at = 0, out->next_update = 0, out->invalid_at = 0;
	_cleanup_(ASN1_TIMEp) ASN1_GENERALIZEDTIME *inv =
	    OCSP_SINGLERESP_get1_ext_d2i(one, NID_invalidity_date, NULL, NULL);
	if (inv && !jpki_asn1_time_epoch(inv, &out->invalid_at))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the OCSP answer has an unreadable invalidityDate");
	if ((rev && !jpki_asn1_time_epoch(rev, &out->revoked_at)) ||
	    !jpki_asn1_time_epoch(thisu, &out->this_update) ||
	    (nextu && !jpki_asn1_time_epoch(nextu, &out->next_update)))
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP answer has unreadable times");
	return 0;
}

/* One whole element; false (cursor unmoved) when there is none. */
static bool skip_elem(struct jpki_cur *c)
{
	struct jpki_cur probe = *c;
	uint8_t tag;
	size_t n;
	if (!jpki_cur_der_header(&probe, &tag, &n) || n > jpki_cur_left(&probe))
		return false;
	probe.off += n;
	*c = probe;
	return true;
}

/*
 * BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm,
 * signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 * (RFC 6960 §4.2.1), decoded without certs; they go onto certs (certcache.h).
 */
static int basic_without_certs(struct jpki_cur basic, struct jpki_cert_cache *cache,
                               STACK_OF(X509) * certs, OCSP_BASICRESP **ret, struct jpki_err *err)
{
	struct jpki_cur b, v, list;
	if (!jpki_der_read(&basic, DER_SEQUENCE, &b) || !jpki_cur_done(&basic))
		return jpki_fail(err, JPKI_E_INVALID, "a malformed BasicOCSPResponse");
	size_t start = b.off;
	if (!skip_elem(&b) || !skip_elem(&b) || !skip_elem(&b))
		return jpki_fail(err, JPKI_E_INVALID, "a malformed BasicOCSPResponse");
	size_t end = b.off;
	if (!jpki_cur_done(&b)) {
		if (!jpki_der_read(&b, 0xA0, &v) || !jpki_cur_done(&b) ||
		    !jpki_der_read(&v, DER_SEQUENCE, &list) || !jpki_cur_done(&v))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "malformed certs in the OCSP response");
		int rc = jpki_cert_cache_list(cache, list.base + list.off, jpki_cur_left(&list),
		                              certs, err);
		if (rc < 0)
			return rc;
	}
	size_t body = end - start, hl = 1 + jpki_der_len_size(body);
	_cleanup_(freep) uint8_t *der = malloc(hl + body);
	if (!der)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	jpki_der_put_header(der, DER_SEQUENCE, body);
	memcpy(der + hl, b.base + start, body);
	const uint8_t *p = der;
	*ret = d2i_OCSP_BASICRESP(NULL, &p, (long)(hl + body));
	if (!*ret || p != der + hl + body) {
		OCSP_BASICRESP_free(*ret);
		*ret = NULL;
		ERR_clear_error();
		return jpki_fail(err, JPKI_E_INVALID, "a BasicOCSPResponse that does not decode");
	}
	return 0;
}

/* OCSPResponse (RFC 6960 §4.2.1): successful, of type id-pkix-ocsp-basic. */
static int parse_response(const uint8_t *resp, size_t len, struct jpki_cert_cache *cache,
                          STACK_OF(X509) * certs, OCSP_BASICRESP **ret, struct jpki_err *err)
{
	/* 1.3.6.1.5.5.7.48.1.1 id-pkix-ocsp-basic */
	static const uint8_t basic_oid[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
	struct jpki_cur c = jpki_cur_make(resp, len), r, st, rb, seq, oid, basic;
	if (len > (1u << 20) || !jpki_der_read(&c, DER_SEQUENCE, &r) || !jpki_cur_done(&c) ||
	    !jpki_der_read(&r, 0x0A, &st) || jpki_cur_left(&st) != 1)
		return jpki_fail(err, JPKI_E_INVALID, "not a DER OCSP response");
	int status = st.base[st.off];
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP responder answered %s",
		                 OCSP_response_status_str(status));
	if (!jpki_der_read(&r, 0xA0, &rb) || !jpki_cur_done(&r) ||
	    !jpki_der_read(&rb, DER_SEQUENCE, &seq) || !jpki_cur_done(&rb) ||
	    !jpki_der_read(&seq, DER_OID, &oid) || jpki_cur_left(&oid) != sizeof(basic_oid) ||
	    memcmp(oid.base + oid.off, basic_oid, sizeof(basic_oid)) != 0 ||
	    !jpki_der_read(&seq, DER_OCTET_STRING, &basic) || !jpki_cur_done(&seq))
		return jpki_fail(err, JPKI_E_INVALID, "not a basic OCSP response");
	return basic_without_certs(jpki_cur_make(basic.base + basic.off, jpki_cur_left(&basic)),
	                           cache, certs, ret, err);
}

int jpki_ocsp_check(const uint8_t *resp, size_t len, const uint8_t *req_der, size_t req_len,
                    X509 *cert, X509 *issuer, STACK_OF(X509) * trusted,
                    struct jpki_cert_cache *cache, struct jpki_status_info *out,
                    struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_(x509_stackp) STACK_OF(X509) *certs = sk_X509_new_null();
	_cleanup_(OCSP_BASICRESPp) OCSP_BASICRESP *bs = NULL;
	if (!certs)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int rc = parse_response(resp, len, cache, certs, &bs, err);
	if (rc < 0)
		return rc;
	int64_t produced;
	if (!jpki_asn1_time_epoch(OCSP_resp_get0_produced_at(bs), &produced))
		return jpki_fail(err, JPKI_E_INVALID, "the OCSP response has no producedAt");
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
	_cleanup_(X509_STOREp) X509_STORE *st = jpki_trust_store(trusted, produced);
	if (!st || !X509_up_ref(issuer))
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (!sk_X509_push(certs, issuer)) {
		X509_free(issuer);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	if (OCSP_basic_verify(bs, certs, st, 0) != 1)
		return jpki_fail_ossl(err, JPKI_E_INVALID,
		                      "the OCSP response is not signed by an "
		                      "authorised responder");
	if ((rc = single_status(bs, cert, issuer, out, err)) < 0)
		return rc;
	out->produced_at = produced;
	snprintf(out->source, sizeof(out->source), "OCSP");
	X509 *signer = NULL;
	if (OCSP_resp_get0_signer(bs, &signer, certs) == 1 && signer && X509_up_ref(signer))
		out->responder = signer;
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
	if (rc == 0 && (rc = jpki_ocsp_check(*resp, *len, req, req_len, cert, issuer, trusted, NULL,
	                                     out, err)) < 0) {
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
	_cleanup_(ASN1_TIMEp) ASN1_GENERALIZEDTIME *inv =
	    X509_REVOKED_get_ext_d2i(e, NID_invalidity_date, NULL, NULL);
	out->invalid_at = 0;
	if (inv && !jpki_asn1_time_epoch(inv, &out->invalid_at))
		out->invalid_at = 1; /* unreadable: taken as long ago, the cautious reading */
	return 1;
}

/* The DER value of a CRL's issuingDistributionPoint, or NULL when it has none. */
static const ASN1_OCTET_STRING *idp_of(X509_CRL *crl)
{
	int i = X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1);
	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_CRL_get_ext(crl, i));
}

/*
 * A CRL with an issuingDistributionPoint covers only the certificates that
 * name it (RFC 5280 §5.2.5): its fullName URI must be the certificate's
 * cRLDistributionPoints URI (a partition's CRL says nothing of another's).
 * Without one it is the CA's full CRL.
 */
static int crl_covers(X509_CRL *crl, X509 *cert, struct jpki_err *err)
{
	_cleanup_(ISSUING_DIST_POINTp) ISSUING_DIST_POINT *idp =
	    X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, NULL, NULL);
	if (!idp)
		return X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1) < 0
		           ? 0
		           : jpki_fail(err, JPKI_E_INVALID,
		                       "the CRL's distribution point is malformed");
	char want[1024], got[1024] = "";
	if (jpki_cert_url(cert, JPKI_URL_CRL, want, sizeof(want), err) < 0)
		return -JPKI_E_INVALID;
	GENERAL_NAMES *names =
	    idp->distpoint && idp->distpoint->type == 0 ? idp->distpoint->name.fullname : NULL;
	for (int i = 0; i < sk_GENERAL_NAME_num(names) && !got[0]; i++)
		uri_of(sk_GENERAL_NAME_value(names, i), got, sizeof(got));
	if (strcmp(want, got) != 0 || idp->onlyattr || idp->onlyCA || idp->onlysomereasons)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the CRL is another partition's (%.200s), not the certificate's",
		                 got);
	return 0;
}

/* The delta of this base: the same scope, a higher number, not older (RFC 5280 §5.2.4). */
static int delta_fits(X509_CRL *crl, X509_CRL *delta, struct jpki_err *err)
{
	const ASN1_OCTET_STRING *a = idp_of(crl), *b = idp_of(delta);
	int64_t ta, tb;
	long base_of = crl_number(delta, NID_delta_crl), n = crl_number(crl, NID_crl_number);
	if (base_of < 0 || base_of > n || crl_number(delta, NID_crl_number) <= n)
		return jpki_fail(err, JPKI_E_INVALID, "the delta CRL is not based on this CRL");
	if ((a == NULL) != (b == NULL) || (a && ASN1_OCTET_STRING_cmp(a, b) != 0))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the delta CRL has another scope than its base");
	if (!jpki_asn1_time_epoch(X509_CRL_get0_lastUpdate(crl), &ta) ||
	    !jpki_asn1_time_epoch(X509_CRL_get0_lastUpdate(delta), &tb) || tb < ta)
		return jpki_fail(err, JPKI_E_INVALID, "the delta CRL is older than its base");
	return 0;
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
	if ((rc = crl_covers(crl, cert, err)) < 0 ||
	    (delta && (rc = delta_fits(crl, delta, err)) < 0))
		return rc;
	memset(out, 0, sizeof(*out));
	out->status = JPKI_ANSWER_GOOD, out->reason = -1;
	X509_CRL *newest = delta ? delta : crl;
	if (!jpki_asn1_time_epoch(X509_CRL_get0_lastUpdate(newest), &out->this_update) ||
	    (X509_CRL_get0_nextUpdate(newest) &&
	     !jpki_asn1_time_epoch(X509_CRL_get0_nextUpdate(newest), &out->next_update)))
		return jpki_fail(err, JPKI_E_INVALID, "the CRL has unreadable times");
	out->produced_at = out->this_update;
	snprintf(out->source, sizeof(out->source), "CRL");
	/* a CA drops expired certificates from its CRLs (RFC 5280 §3.3): silence is no answer then
	 */
	int64_t not_after;
	if (!jpki_asn1_time_epoch(X509_get0_notAfter(cert), &not_after) ||
	    not_after < out->this_update)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the CRL was issued after the certificate expired, and no longer "
		                 "lists expired certificates");
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
