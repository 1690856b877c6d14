/*
 * tsa.c: RFC 3161 responses with OpenSSL's TS_RESP_CTX.
 *
 * The request is parsed and checked by libcrypto (TS_RESP_create_response):
 * version 1, a message imprint with one of the hashes we accept (SHA-256,
 * SHA-384, SHA-512) of the right length, our policy or none, no extensions;
 * anything else is a rejection with its failInfo.  We supply the clock (the
 * context's, so JPKI_NOW replays a day), the serial (the registry's counter
 * "tsa-sign": never reused, never smaller), the policy, the accuracy, and the
 * signer: the TSA key, SHA-256, with an ESSCertIDv2 (RFC 5816).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ts.h>

#include "core/ossl.h"
#include "tsa.h"

const struct jpki_service_profile jpki_tsa_profile = {
    .dir = "tsa",
    .cn = "Time-Stamping Authority",
    .eku_nid = NID_time_stamp,
    .eku_critical = true, /* RFC 3161 §2.3 */
    .nocheck = false,
    .validity = 365 * 86400,
    .rollover = 30 * 86400,
};

struct jpki_tsa {
	struct jpki_responder *key;
	X509 *ca;
	struct jpki_store *st;
	/* per response, for the callbacks */
	int64_t now;
	struct jpki_err *err;
	int rc;
};

void jpki_tsa_free(struct jpki_tsa *t)
{
	if (!t)
		return;
	jpki_responder_free(t->key);
	X509_free(t->ca);
	free(t);
}

X509 *jpki_tsa_cert(const struct jpki_tsa *t)
{
	return t->key->cert;
}

int jpki_tsa_open(const struct jpki_ca *ca, const char *passphrase, int64_t now,
                  struct jpki_store *st, struct jpki_tsa **ret, struct jpki_err *err)
{
	if (ca->kind != JPKI_KIND_SIGN)
		return jpki_fail(err, JPKI_E_INVALID, "the TSA is certified by the signature CA");
	struct jpki_tsa *t = calloc(1, sizeof(*t));
	if (!t)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int rc = jpki_service_ensure(&jpki_tsa_profile, ca, passphrase, now, &t->key, err);
	if (rc < 0) {
		jpki_tsa_free(t);
		return rc;
	}
	t->ca = X509_dup(ca->cert);
	t->st = st;
	if (!t->ca) {
		jpki_tsa_free(t);
		return jpki_fail_ossl(err, JPKI_E_NOMEM, "out of memory");
	}
	*ret = t;
	return 0;
}

static ASN1_INTEGER *next_serial(TS_RESP_CTX *ctx, void *arg)
{
	struct jpki_tsa *t = arg;
	int64_t v = 0;
	t->rc = t->st->ops->counter_next(t->st, "tsa-sign", &v, t->err);
	ASN1_INTEGER *n = t->rc == 0 ? ASN1_INTEGER_new() : NULL;
	if (n && ASN1_INTEGER_set_int64(n, v) == 1)
		return n;
	ASN1_INTEGER_free(n);
	TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "the serial number is unavailable");
	TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
	return NULL;
}

static int clock_now(TS_RESP_CTX *ctx, void *arg, long *sec, long *usec)
{
	(void)ctx;
	const struct jpki_tsa *t = arg;
	*sec = (long)t->now;
	*usec = 0;
	return 1;
}

static TS_RESP_CTX *make_ctx(struct jpki_tsa *t)
{
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	ASN1_OBJECT *policy = OBJ_txt2obj(JPKI_TSA_POLICY, 1);
	STACK_OF(X509) *chain = sk_X509_new_null();
	bool ok = ctx && policy && chain && sk_X509_push(chain, t->ca) > 0 &&
	          TS_RESP_CTX_set_signer_cert(ctx, t->key->cert) == 1 &&
	          TS_RESP_CTX_set_signer_key(ctx, t->key->key) == 1 &&
	          TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) == 1 &&
	          TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1 &&
	          TS_RESP_CTX_set_certs(ctx, chain) == 1 &&
	          TS_RESP_CTX_set_def_policy(ctx, policy) == 1 &&
	          TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1 &&
	          TS_RESP_CTX_add_md(ctx, EVP_sha384()) == 1 &&
	          TS_RESP_CTX_add_md(ctx, EVP_sha512()) == 1 &&
	          TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0) == 1;
	sk_X509_free(chain); /* TS_RESP_CTX_set_certs copied it */
	ASN1_OBJECT_free(policy);
	if (!ok) {
		TS_RESP_CTX_free(ctx);
		return NULL;
	}
	TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME | TS_ESS_CERT_ID_CHAIN);
	TS_RESP_CTX_set_serial_cb(ctx, next_serial, t);
	TS_RESP_CTX_set_time_cb(ctx, clock_now, t);
	return ctx;
}

int jpki_tsa_respond(struct jpki_tsa *t, int64_t now, const uint8_t *req, size_t len, uint8_t **ret,
                     size_t *ret_len, struct jpki_err *err)
{
	if (len > JPKI_TSA_REQUEST_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "a time-stamp request has at most %d bytes",
		                 JPKI_TSA_REQUEST_MAX);
	t->now = now;
	t->err = err;
	t->rc = 0;
	TS_RESP_CTX *ctx = make_ctx(t);
	_cleanup_(BIOp) BIO *in = BIO_new_mem_buf(req, (int)len);
	if (!ctx || !in) {
		TS_RESP_CTX_free(ctx);
		return jpki_fail_ossl(err, JPKI_E_CRYPTO,
		                      "cannot set up the time-stamping context");
	}
	TS_RESP *resp = TS_RESP_create_response(ctx, in);
	TS_RESP_CTX_free(ctx);
	if (t->rc < 0) { /* the registry failed: say so, never a token without its serial */
		TS_RESP_free(resp);
		ERR_clear_error();
		return t->rc;
	}
	uint8_t *der = NULL;
	int n = resp ? i2d_TS_RESP(resp, &der) : -1;
	TS_RESP_free(resp);
	ERR_clear_error(); /* a rejected request leaves its reasons queued */
	if (n <= 0)
		return jpki_fail(err, JPKI_E_CRYPTO, "cannot make the time-stamp response");
	*ret = malloc((size_t)n);
	if (!*ret) {
		OPENSSL_free(der);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	memcpy(*ret, der, (size_t)n);
	*ret_len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}
