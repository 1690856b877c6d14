/*
 * stamp.c: RFC 3161 time-stamps asked for and checked (revinfo.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "core/ossl.h"
#include "sig/revinfo.h"
#include "sig/signeddata.h"

JPKI_DEFINE_FREEP(TS_REQ, TS_REQ_free)
JPKI_DEFINE_FREEP(TS_RESP, TS_RESP_free)
JPKI_DEFINE_FREEP(TS_VERIFY_CTX, TS_VERIFY_CTX_free)
JPKI_DEFINE_FREEP(TS_TST_INFO, TS_TST_INFO_free)
JPKI_DEFINE_FREEP(PKCS7, PKCS7_free)
JPKI_DEFINE_FREEP(TS_MSG_IMPRINT, TS_MSG_IMPRINT_free)
JPKI_DEFINE_FREEP(X509_ALGOR, X509_ALGOR_free)

static TS_REQ *make_request(const uint8_t hash[32])
{
	TS_REQ *req = TS_REQ_new();
	_cleanup_(TS_MSG_IMPRINTp) TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	_cleanup_(X509_ALGORp) X509_ALGOR *alg = X509_ALGOR_new();
	_cleanup_(ASN1_INTEGERp) ASN1_INTEGER *nonce = NULL;
	uint8_t rnd[8];
	_cleanup_(BIGNUMp) BIGNUM *bn = NULL;
	if (!req || !mi || !alg || RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    !(bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) || !(nonce = BN_to_ASN1_INTEGER(bn, NULL)))
		goto fail;
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	if (!TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, (uint8_t *)hash, 32) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1))
		goto fail;
	return req;
fail:
	TS_REQ_free(req);
	return NULL;
}

/* The genTime of a token, before anything is checked (to check the TSA's path at it). */
static int token_time(PKCS7 *token, int64_t *out)
{
	_cleanup_(TS_TST_INFOp) TS_TST_INFO *info = PKCS7_to_TS_TST_INFO(token);
	return info && jpki_asn1_time_epoch(TS_TST_INFO_get_time(info), out) ? 0 : -1;
}

/* untrusted: the token's own certificates when it was read without them (certcache.h) */
static int verify_token(PKCS7 *token, TS_REQ *req, const uint8_t hash[32], STACK_OF(X509) * trusted,
                        STACK_OF(X509) * untrusted, int64_t at, bool *imprint_ok,
                        struct jpki_err *err)
{
	_cleanup_(TS_VERIFY_CTXp) TS_VERIFY_CTX *vc =
	    req ? TS_REQ_to_TS_VERIFY_CTX(req, NULL) : TS_VERIFY_CTX_new();
	X509_STORE *st = jpki_trust_store(trusted, at);
	uint8_t *imp = OPENSSL_memdup(hash, 32);
	if (!vc || !st || !imp) {
		X509_STORE_free(st);
		OPENSSL_free(imp);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	TS_VERIFY_CTX_set_store(vc, st); /* the context frees it */
	if (untrusted) {
		STACK_OF(X509) *copy = X509_chain_up_ref(untrusted);
		if (!copy) {
			OPENSSL_free(imp);
			return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		}
		TS_VERIFY_CTX_set_certs(vc, copy); /* and this */
	}
	if (!req)
		TS_VERIFY_CTX_set_imprint(vc, imp, 32);
	else
		OPENSSL_free(imp);
	TS_VERIFY_CTX_set_flags(vc, TS_VFY_SIGNATURE | TS_VFY_IMPRINT | TS_VFY_VERSION |
	                                (req ? TS_VFY_NONCE : 0));
	if (TS_RESP_verify_token(vc, token) == 1) {
		*imprint_ok = true;
		return 0;
	}
	unsigned long e = ERR_peek_last_error();
	*imprint_ok =
	    !(ERR_GET_LIB(e) == ERR_LIB_TS && ERR_GET_REASON(e) == TS_R_MESSAGE_IMPRINT_MISMATCH);
	return jpki_fail_ossl(err, JPKI_E_INVALID, "%s",
	                      *imprint_ok
	                          ? "the time-stamp token does not verify"
	                          : "the time-stamp imprint does not match the signature value");
}

int jpki_timestamp_fetch(const char *url, const uint8_t hash[32], STACK_OF(X509) * trusted,
                         uint8_t **tst, size_t *len, struct jpki_err *err)
{
	_cleanup_(TS_REQp) TS_REQ *req = make_request(hash);
	uint8_t *der = NULL;
	int n = req ? i2d_TS_REQ(req, &der) : -1;
	if (n <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "a time-stamp request");
	_cleanup_(freep) uint8_t *reply = NULL;
	size_t reply_len = 0;
	int rc = jpki_http_post(url, "application/timestamp-query", der, (size_t)n,
	                        "application/timestamp-reply", 1u << 16, &reply, &reply_len, err);
	OPENSSL_free(der);
	if (rc < 0)
		return rc;
	const uint8_t *p = reply;
	_cleanup_(TS_RESPp) TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)reply_len);
	if (!resp || p != reply + reply_len)
		return jpki_fail_ossl(err, JPKI_E_INVALID,
		                      "the TSA's answer is not a TimeStampResp");
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	PKCS7 *token = TS_RESP_get_token(resp);
	if (status > 1 || !token)
		return jpki_fail(err, JPKI_E_REFUSED, "the TSA refused the request (status %ld)",
		                 status);
	int64_t at;
	bool imprint_ok;
	if (token_time(token, &at) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "the TSA's token has no readable time");
	if ((rc = verify_token(token, req, hash, trusted, NULL, at, &imprint_ok, err)) < 0)
		return rc;
	uint8_t *out = NULL;
	n = i2d_PKCS7(token, &out);
	if (n <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "encoding the token");
	*tst = malloc((size_t)n);
	if (*tst)
		memcpy(*tst, out, (size_t)n);
	OPENSSL_free(out);
	*len = (size_t)n;
	return *tst ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
}

static void x509_stackp(STACK_OF(X509) * *s)
{
	sk_X509_pop_free(*s, X509_free);
}

int jpki_timestamp_check(const uint8_t *tst, size_t len, const uint8_t hash[32],
                         STACK_OF(X509) * trusted, struct jpki_cert_cache *cache,
                         struct jpki_stamp_info *out, bool *imprint_ok, struct jpki_err *err)
{
	*imprint_ok = true;
	memset(out, 0, sizeof(*out));
	_cleanup_(x509_stackp) STACK_OF(X509) *certs = sk_X509_new_null();
	_cleanup_(freep) uint8_t *stripped = NULL;
	size_t stripped_len = 0;
	if (!certs)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (len >= (1u << 20) ||
	    jpki_sd_strip_certs(tst, len, cache, certs, &stripped, &stripped_len, err) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "the time-stamp is not a DER token");
	const uint8_t *p = stripped;
	_cleanup_(PKCS7p) PKCS7 *token = d2i_PKCS7(NULL, &p, (long)stripped_len);
	if (!token || p != stripped + stripped_len || !PKCS7_type_is_signed(token)) {
		ERR_clear_error();
		return jpki_fail(err, JPKI_E_INVALID, "the time-stamp is not a DER token");
	}
	if (token_time(token, &out->gen_time) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "the time-stamp has no readable genTime");
	int rc = verify_token(token, NULL, hash, trusted, certs, out->gen_time, imprint_ok, err);
	if (rc < 0)
		return rc;
	STACK_OF(X509) *signers = PKCS7_get0_signers(token, certs, 0);
	X509 *tsa = sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : NULL;
	if (tsa && X509_up_ref(tsa)) {
		out->tsa_cert = tsa;
		X509_NAME_oneline(X509_get_subject_name(tsa), out->tsa, sizeof(out->tsa));
	}
	sk_X509_free(signers);
	ERR_clear_error();
	return 0;
}
