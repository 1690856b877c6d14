/*
 * validate.c: Web eID authentication tokens checked as its validator does
 * (jpki/login.h, docs/login.md), in order, each with its own failure:
 * size and format; the relying party's origin; the certificate's validity
 * now, key usage and extended key usage; the policy filter; the path to a
 * trusted authentication CA; the status by OCSP with a nonce (fresh, one
 * answer, an authorised responder); the signature over hash(origin) ||
 * hash(nonce), rebuilt from what the relying party holds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/base64.h"
#include "core/ossl.h"
#include "jpki/login.h"
#include "sig/revinfo.h"

JPKI_DEFINE_FREEP(X509_STORE, X509_STORE_free)

#define POLICIES_MAX 8
#define SKEW (15 * 60)   /* Web eID's allowed OCSP time skew */
#define MAX_AGE (2 * 60) /* and the greatest age of thisUpdate */

struct jpki_login_validator {
	char rp_id[256];
	uint8_t secret[64];
	size_t secret_len;
	STACK_OF(X509) * trusted;
	char policies[POLICIES_MAX][64];
	size_t n_policies;
	int64_t now;
	bool crl_fallback;
};

const char *jpki_login_failure_name(enum jpki_login_failure f)
{
	static const char *const names[] = {
	    "OK",    "TOKEN_SIZE", "TOKEN_FORMAT", "ORIGIN",         "CERT_VALIDITY", "KEY_USAGE",
	    "CHAIN", "POLICY",     "REVOKED",      "STATUS_UNKNOWN", "STATUS_FAILED", "SIGNATURE"};
	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "UNKNOWN";
}

int jpki_login_validator_new(const char *rp_id, const uint8_t *secret, size_t secret_len,
                             struct jpki_login_validator **ret, struct jpki_err *err)
{
	if (!rp_id || !rp_id[0] || strlen(rp_id) >= 256)
		return jpki_fail(err, JPKI_E_INVALID, "a relying party id of 1 to 255 bytes");
	if (secret_len < 32 || secret_len > 64)
		return jpki_fail(err, JPKI_E_INVALID, "a relying party secret of 32 to 64 bytes");
	struct jpki_login_validator *v = calloc(1, sizeof(*v));
	if (!v || !(v->trusted = sk_X509_new_null())) {
		free(v);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	snprintf(v->rp_id, sizeof(v->rp_id), "%s", rp_id);
	memcpy(v->secret, secret, secret_len);
	v->secret_len = secret_len;
	*ret = v;
	return 0;
}

void jpki_login_validator_free(struct jpki_login_validator *v)
{
	if (!v)
		return;
	sk_X509_pop_free(v->trusted, X509_free);
	OPENSSL_cleanse(v->secret, sizeof(v->secret));
	free(v);
}

int jpki_login_validator_trust(struct jpki_login_validator *v, const uint8_t *buf, size_t len,
                               struct jpki_err *err)
{
	return jpki_trust_read(buf, len, v->trusted, err);
}

int jpki_login_validator_allow_policy(struct jpki_login_validator *v, const char *oid,
                                      struct jpki_err *err)
{
	_cleanup_(ASN1_OBJECTp) ASN1_OBJECT *o = oid ? OBJ_txt2obj(oid, 1) : NULL;
	if (!o || strlen(oid) >= sizeof(v->policies[0]))
		return jpki_fail(err, JPKI_E_INVALID, "not a dotted policy OID: %.64s",
		                 oid ? oid : "");
	if (v->n_policies == POLICIES_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "at most %d policies", POLICIES_MAX);
	snprintf(v->policies[v->n_policies++], sizeof(v->policies[0]), "%s", oid);
	return 0;
}

void jpki_login_validator_set_time(struct jpki_login_validator *v, int64_t now)
{
	v->now = now;
}

void jpki_login_validator_set_crl_fallback(struct jpki_login_validator *v, bool on)
{
	v->crl_fallback = on;
}

static int refuse(struct jpki_login_result *out, enum jpki_login_failure f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct jpki_login_result *out, enum jpki_login_failure f, const char *fmt, ...)
{
	va_list ap;
	out->failure = f;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return 0;
}

/*
 * An origin as the browser sends it (RFC 6454 §6.1): https://host[:port],
 * lower-case ASCII (an IDN in its Punycode form), no path, no trailing slash.
 */
static bool origin_ok(const char *o)
{
	if (!o || strncmp(o, "https://", 8) != 0 || strlen(o) > 260)
		return false;
	const char *h = o + 8, *colon = strchr(h, ':');
	size_t hl = colon ? (size_t)(colon - h) : strlen(h);
	if (hl == 0 || hl > 253 || h[0] == '.' || h[0] == '-')
		return false;
	for (size_t i = 0; i < hl; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		      h[i] == '.'))
			return false;
	if (!colon)
		return true;
	const char *p = colon + 1;
	size_t pl = strlen(p);
	if (pl == 0 || pl > 5 || strspn(p, "0123456789") != pl || p[0] == '0')
		return false;
	unsigned port = 0;
	for (size_t i = 0; i < pl; i++)
		port = port * 10 + (unsigned)(p[i] - '0');
	return port <= 65535;
}

struct token {
	X509 *cert;
	uint8_t *sig;
	size_t sig_len;
	bool pss;
};

static void token_clear(struct token *t)
{
	X509_free(t->cert);
	free(t->sig);
}

/* {"format": "web-eid:1.0", "unverifiedCertificate", "algorithm", "signature", "appVersion"} */
static const char *parse_token(const char *text, size_t len, struct token *t)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const char *format = NULL, *cert = NULL, *alg = NULL, *sig = NULL, *app = NULL;
	const char *why = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0;
	if (!j ||
	    json_unpack(j, "{s:s, s:s, s:s, s:s, s?s}", "format", &format, "unverifiedCertificate",
	                &cert, "algorithm", &alg, "signature", &sig, "appVersion", &app) != 0)
		why = "not a Web eID token (format, unverifiedCertificate, algorithm, signature)";
	else if (strncmp(format, "web-eid:1", 9) != 0)
		why = "the token's format is not web-eid:1";
	else if (strcmp(alg, "RS256") != 0 && strcmp(alg, "PS256") != 0)
		why = "the algorithm is not RS256 or PS256 (the card's key is RSA)";
	else if (jpki_base64_decode(cert, strlen(cert), false, &der, &der_len) < 0)
		why = "unverifiedCertificate is not base64";
	else if (jpki_base64_decode(sig, strlen(sig), false, &t->sig, &t->sig_len) < 0 ||
	         t->sig_len == 0 || t->sig_len > 1024)
		why = "the signature is not base64 of 1 to 1024 bytes";
	if (!why) {
		const uint8_t *p = der;
		t->cert = d2i_X509(NULL, &p, (long)der_len);
		if (!t->cert || p != der + der_len)
			why = "unverifiedCertificate is not a DER certificate";
		t->pss = strcmp(alg, "PS256") == 0;
	}
	free(der);
	json_decref(j);
	return why;
}

static bool policy_ok(const struct jpki_login_validator *v, X509 *cert)
{
	if (v->n_policies == 0)
		return true;
	_cleanup_(CERTIFICATEPOLICIESp) CERTIFICATEPOLICIES *pols =
	    X509_get_ext_d2i(cert, NID_certificate_policies, NULL, NULL);
	for (int i = 0; i < sk_POLICYINFO_num(pols); i++) {
		char oid[64];
		OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(pols, i)->policyid, 1);
		for (size_t k = 0; k < v->n_policies; k++)
			if (strcmp(oid, v->policies[k]) == 0)
				return true;
	}
	return false;
}

/* The issuer on a path to a trusted authentication CA now (a reference), or NULL. */
static X509 *path_issuer(const struct jpki_login_validator *v, X509 *cert, int64_t now, char *why,
                         size_t cap)
{
	_cleanup_(X509_STOREp) X509_STORE *st = jpki_trust_store(v->trusted, now);
	X509_STORE_CTX *ctx = st ? X509_STORE_CTX_new() : NULL;
	X509 *issuer = NULL;
	if (ctx && X509_STORE_CTX_init(ctx, st, cert, NULL) && X509_verify_cert(ctx) == 1) {
		STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
		issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL;
		if (issuer)
			X509_up_ref(issuer);
	}
	if (!issuer)
		snprintf(why, cap, "%s",
		         ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx))
		             : "out of memory");
	X509_STORE_CTX_free(ctx);
	return issuer;
}

/* RS256 / PS256 over hash(origin) || hash(nonce) (Web eID's signed data). */
static bool signature_ok(const struct token *t, const char *origin, const char *nonce)
{
	uint8_t data[64];
	unsigned int n = 32;
	_cleanup_(EVP_MD_CTXp) EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	if (!md || EVP_Digest(origin, strlen(origin), data, &n, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(nonce, strlen(nonce), data + 32, &n, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestVerifyInit(md, &pc, EVP_sha256(), NULL, X509_get0_pubkey(t->cert)) != 1)
		return false;
	if (t->pss && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
	               EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1))
		return false;
	return EVP_DigestVerify(md, t->sig, t->sig_len, data, sizeof(data)) == 1;
}

/* This relying party's name for the holder: HMAC-SHA256(secret, rp_id NUL subject CN). */
static void pseudonym_of(const struct jpki_login_validator *v, X509 *cert, char *out)
{
	char cn[128] = "";
	uint8_t mac[32], msg[512];
	unsigned int n = 32;
	X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
	size_t rl = strlen(v->rp_id), cl = strlen(cn);
	memcpy(msg, v->rp_id, rl);
	msg[rl] = 0;
	memcpy(msg + rl + 1, cn, cl);
	HMAC(EVP_sha256(), v->secret, (int)v->secret_len, msg, rl + 1 + cl, mac, &n);
	char b64[48];
	EVP_EncodeBlock((unsigned char *)b64, mac, 32);
	for (char *c = b64; *c; c++)
		*c = *c == '+' ? '-' : *c == '/' ? '_' : *c; /* base64url (RFC 4648 §5) */
	memcpy(out, b64, JPKI_LOGIN_PSEUDONYM_LEN);
	out[JPKI_LOGIN_PSEUDONYM_LEN] = 0;
}

static int check_status(const struct jpki_login_validator *v, X509 *cert, X509 *issuer, int64_t now,
                        struct jpki_login_result *out)
{
	struct jpki_err err;
	struct jpki_status_info s;
	uint8_t *resp = NULL;
	size_t len = 0;
	if (jpki_ocsp_fetch(cert, issuer, v->trusted, NULL, NULL, &resp, &len, &s, &err) == 0) {
		free(resp);
		X509_free(s.responder);
		if (s.this_update > now + SKEW || s.this_update < now - MAX_AGE ||
		    (s.next_update && s.next_update < now - SKEW))
			return refuse(out, JPKI_LOGIN_STATUS_FAILED,
			              "the OCSP answer is not fresh (thisUpdate %+lld s from now)",
			              (long long)(s.this_update - now));
	} else if (!v->crl_fallback) {
		return refuse(out, JPKI_LOGIN_STATUS_FAILED, "OCSP: %s", err.msg);
	} else {
		char ocsp_msg[sizeof(err.msg)];
		uint8_t *crl = NULL, *delta = NULL;
		size_t cl = 0, dl = 0;
		snprintf(ocsp_msg, sizeof(ocsp_msg), "%s", err.msg);
		int rc = jpki_crl_fetch(cert, issuer, &crl, &cl, &delta, &dl, &s, &err);
		free(crl), free(delta);
		if (rc < 0)
			return refuse(out, JPKI_LOGIN_STATUS_FAILED, "OCSP: %s; CRL: %s", ocsp_msg,
			              err.msg);
		if (s.next_update && s.next_update < now)
			return refuse(out, JPKI_LOGIN_STATUS_FAILED,
			              "the CRL is past its nextUpdate");
	}
	if (s.status == JPKI_ANSWER_REVOKED)
		return refuse(out, JPKI_LOGIN_REVOKED, "the certificate is revoked");
	if (s.status == JPKI_ANSWER_UNKNOWN)
		return refuse(out, JPKI_LOGIN_STATUS_UNKNOWN,
		              "the responder does not know the "
		              "certificate");
	return 1;
}

int jpki_login_validate(struct jpki_login_validator *v, const char *token, size_t token_len,
                        const char *origin, const char *nonce, struct jpki_login_result *out,
                        struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	if (sk_X509_num(v->trusted) == 0)
		return jpki_fail(err, JPKI_E_STATE, "no authentication CA is trusted");
	int64_t now = v->now ? v->now : (int64_t)time(NULL);
	if (token_len < JPKI_LOGIN_TOKEN_MIN || token_len > JPKI_LOGIN_TOKEN_MAX)
		return refuse(out, JPKI_LOGIN_TOKEN_SIZE,
		              "the token has %zu characters (100 to 10000)", token_len);
	if (!origin_ok(origin))
		return refuse(out, JPKI_LOGIN_ORIGIN,
		              "the origin is not https://host[:port] in ASCII");
	if (!nonce || strlen(nonce) != JPKI_LOGIN_NONCE_LEN)
		return refuse(out, JPKI_LOGIN_TOKEN_FORMAT, "the nonce is not one of ours");
	struct token t = {0};
	const char *why = parse_token(token, token_len, &t);
	if (why) {
		token_clear(&t);
		return refuse(out, JPKI_LOGIN_TOKEN_FORMAT, "%s", why);
	}
	char reason[128];
	X509 *issuer = NULL;
	int64_t nb, na;
	if (!jpki_asn1_time_epoch(X509_get0_notBefore(t.cert), &nb) ||
	    !jpki_asn1_time_epoch(X509_get0_notAfter(t.cert), &na) || now < nb || now > na)
		refuse(out, JPKI_LOGIN_CERT_VALIDITY, "the certificate is not valid now");
	else if (!(X509_get_extension_flags(t.cert) & EXFLAG_KUSAGE) ||
	         !(X509_get_key_usage(t.cert) & KU_DIGITAL_SIGNATURE) ||
	         ((X509_get_extension_flags(t.cert) & EXFLAG_XKUSAGE) &&
	          !(X509_get_extended_key_usage(t.cert) & XKU_SSL_CLIENT)))
		refuse(out, JPKI_LOGIN_KEY_USAGE,
		       "no digitalSignature, or an EKU without clientAuth");
	else if (!policy_ok(v, t.cert))
		refuse(out, JPKI_LOGIN_POLICY, "the certificate's policy is not accepted here");
	else if (!(issuer = path_issuer(v, t.cert, now, reason, sizeof(reason))))
		refuse(out, JPKI_LOGIN_CHAIN, "no path to a trusted authentication CA: %s", reason);
	else if (check_status(v, t.cert, issuer, now, out) == 1 && !signature_ok(&t, origin, nonce))
		refuse(out, JPKI_LOGIN_SIGNATURE,
		       "the signature is not of this origin and nonce by the certificate's key");
	else if (out->failure == JPKI_LOGIN_OK) {
		pseudonym_of(v, t.cert, out->pseudonym);
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(t.cert), NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;
		snprintf(out->serial, sizeof(out->serial), "%s", hex ? hex : "");
		OPENSSL_free(hex);
		BN_free(bn);
		out->not_after = na;
	}
	X509_free(issuer);
	token_clear(&t);
	ERR_clear_error();
	return 0;
}
