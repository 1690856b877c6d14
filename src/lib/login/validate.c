/*
 * validate.c: Web eID authentication tokens checked as its validator does
 * (jpki/login.h, docs/login.md), in order, each with its own failure:
 * size and format; the relying party's origin; the certificate's validity
 * now, key usage and extended key usage; the policy filter; the path to a
 * trusted authentication CA; the status by OCSP with a nonce (fresh, one
 * answer, an authorised responder); the signature over hash(origin) ||
 * hash(nonce), rebuilt from what the relying party holds.
 *
 * Between tokens it remembers certificates, verified paths and good OCSP
 * answers (login/cache.h); each is used only while the rule it stands for
 * still holds at the time of the token, so a token's verdict is the one a
 * new validator would reach within the same freshness limits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/base64.h"
#include "core/ossl.h"
#include "jpki/login.h"
#include "login/cache.h"
#include "login/token.h"
#include "login/validate.h"
#include "sig/revinfo.h"

JPKI_DEFINE_FREEP(X509_STORE, X509_STORE_free)
JPKI_DEFINE_FREEP(X509_STORE_CTX, X509_STORE_CTX_free)

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
	bool no_cache;                 /* jpki_login_validator_set_cache(v, false) */
	struct jpki_login_cache *seen; /* shared by the threads validating with v */
	jpki_ocsp_send_fn send;        /* NULL: HTTP to the certificate's responder */
	void *send_arg;
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
	if (!v || !(v->trusted = sk_X509_new_null()) || jpki_login_cache_new(&v->seen, err) < 0) {
		if (v)
			sk_X509_free(v->trusted);
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
	jpki_login_cache_free(v->seen);
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

void jpki_login_validator_set_cache(struct jpki_login_validator *v, bool on)
{
	v->no_cache = !on;
}

void jpki_login_validator_set_ocsp_send(struct jpki_login_validator *v, jpki_ocsp_send_fn send,
                                        void *arg)
{
	v->send = send;
	v->send_arg = arg;
}

/* The cache to use: none when the relying party turned it off. */
static struct jpki_login_cache *cache_of(const struct jpki_login_validator *v)
{
	return v->no_cache ? NULL : v->seen;
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
/* A host name of labels (RFC 1123 §2.1): 1 to 63 letters, digits or hyphens, no hyphen at either
 * end. */
static bool host_ok(const char *h, size_t hl)
{
	if (hl == 0 || hl > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= hl; i++) {
		char c = i < hl ? h[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		           (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

bool jpki_login_origin_ok(const char *o)
{
	if (!o || strncmp(o, "https://", 8) != 0 || strlen(o) > 260)
		return false;
	const char *h = o + 8, *colon = strchr(h, ':');
	if (!host_ok(h, colon ? (size_t)(colon - h) : strlen(h)))
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
	uint8_t key[32];             /* SHA-256 of the certificate's DER: its name in the cache */
	struct jpki_login_seen seen; /* what the cache remembers of it */
	uint8_t *sig;
	size_t sig_len;
	bool pss;
};

static void token_clear(struct token *t)
{
	X509_free(t->cert);
	X509_free(t->seen.issuer);
	free(t->sig);
}

/* The fields' values: the format, the algorithm, base64 of a certificate and a signature. */
static const char *use_fields(const struct jpki_login_fields *f, struct jpki_login_cache *c,
                              struct token *t)
{
	_cleanup_(freep) uint8_t *der = NULL;
	size_t der_len = 0;
	if (strncmp(f->format, "web-eid:1", 9) != 0)
		return "the token's format is not web-eid:1";
	if (strcmp(f->alg, "RS256") != 0 && strcmp(f->alg, "PS256") != 0)
		return "the algorithm is not RS256 or PS256 (the card's key is RSA)";
	if (jpki_base64_decode(f->cert, f->cert_len, false, &der, &der_len) < 0)
		return "unverifiedCertificate is not base64";
	if (jpki_base64_decode(f->sig, f->sig_len, false, &t->sig, &t->sig_len) < 0 ||
	    t->sig_len == 0 || t->sig_len > 1024)
		return "the signature is not base64 of 1 to 1024 bytes";
	if (!(t->cert = jpki_login_cache_get(c, der, der_len, t->key, &t->seen)))
		return "unverifiedCertificate is not a DER certificate";
	t->pss = strcmp(f->alg, "PS256") == 0;
	return NULL;
}

/* {"format": "web-eid:1.0", "unverifiedCertificate", "algorithm", "signature", "appVersion"} */
static const char *parse_token(const char *text, size_t len, struct jpki_login_cache *c,
                               struct token *t)
{
	struct jpki_login_fields f;
	const char *why = jpki_login_token_read(text, len, &f);
	if (!why)
		why = use_fields(&f, c, t);
	jpki_login_fields_clear(&f);
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

/*
 * The window in which every certificate of chain is valid (RFC 5280
 * §6.1.3 (a)(2), checked by X509_verify_cert for each of them at one time).
 */
static bool chain_window(STACK_OF(X509) * chain, int64_t *from, int64_t *until)
{
	*from = INT64_MIN, *until = INT64_MAX;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		int64_t nb, na;
		if (!jpki_asn1_time_epoch(X509_get0_notBefore(x), &nb) ||
		    !jpki_asn1_time_epoch(X509_get0_notAfter(x), &na))
			return false;
		*from = nb > *from ? nb : *from;
		*until = na < *until ? na : *until;
	}
	return true;
}

/* A new path to a trusted authentication CA at now: its issuer (a reference), or NULL. */
static X509 *build_path(const struct jpki_login_validator *v, const struct token *t, int64_t now,
                        char *why, size_t cap)
{
	_cleanup_(X509_STOREp) X509_STORE *st = jpki_trust_store(v->trusted, now);
	_cleanup_(X509_STORE_CTXp) X509_STORE_CTX *ctx = st ? X509_STORE_CTX_new() : NULL;
	X509 *issuer = NULL;
	int64_t from, until;
	if (ctx && X509_STORE_CTX_init(ctx, st, t->cert, NULL) && X509_verify_cert(ctx) == 1) {
		STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
		issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL;
		if (issuer && !X509_up_ref(issuer))
			issuer = NULL;
		if (issuer && chain_window(chain, &from, &until))
			jpki_login_cache_put_path(cache_of(v), t->key, issuer, from, until);
	}
	if (!issuer)
		snprintf(why, cap, "%s",
		         ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx))
		             : "out of memory");
	return issuer;
}

/*
 * The issuer on a path to a trusted authentication CA now (a reference), or
 * NULL.  A remembered path stands for X509_verify_cert at now while now is
 * inside the validity of each of its certificates: nothing else it checked
 * (signatures, basicConstraints, the CA's keyUsage) depends on the time, and
 * trust anchors are only ever added to a validator.
 */
static X509 *path_issuer(const struct jpki_login_validator *v, const struct token *t, int64_t now,
                         char *why, size_t cap)
{
	const struct jpki_login_seen *s = &t->seen;
	if (s->issuer && now >= s->path_from && now <= s->path_until && X509_up_ref(s->issuer))
		return s->issuer;
	return build_path(v, t, now, why, cap);
}

/* RS256 / PS256 over hash(origin) || hash(nonce) (Web eID's signed data). */
/*
 * RS256 / PS256 (RFC 7518 §3.3, §3.5: PKCS#1 v1.5 or PSS with SHA-256, MGF1
 * SHA-256, a 32-byte salt) over hash(origin) || hash(nonce).  The digest of
 * those 64 bytes is made here and the key verifies it (EVP_PKEY_verify, the
 * same check as EVP_DigestVerify without its per-call set-up).
 */
static bool signature_ok(const struct token *t, const char *origin, const char *nonce)
{
	const EVP_MD *sha256 = jpki_login_sha256();
	uint8_t data[64], digest[32];
	_cleanup_(EVP_PKEY_CTXp) EVP_PKEY_CTX *pc =
	    EVP_PKEY_CTX_new(X509_get0_pubkey(t->cert), NULL);
	if (!pc || EVP_Digest(origin, strlen(origin), data, NULL, sha256, NULL) != 1 ||
	    EVP_Digest(nonce, strlen(nonce), data + 32, NULL, sha256, NULL) != 1 ||
	    EVP_Digest(data, sizeof(data), digest, NULL, sha256, NULL) != 1 ||
	    EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, t->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) !=
	        1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, sha256) != 1)
		return false;
	if (t->pss && (EVP_PKEY_CTX_set_rsa_mgf1_md(pc, sha256) != 1 ||
	               EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1))
		return false;
	return EVP_PKEY_verify(pc, t->sig, t->sig_len, digest, sizeof(digest)) == 1;
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
	HMAC(jpki_login_sha256(), v->secret, (int)v->secret_len, msg, rl + 1 + cl, mac, &n);
	jpki_base64url_32(mac, out); /* RFC 4648 §5, 43 characters */
}

/* The pseudonym: remembered with the certificate (it depends on nothing else), or made. */
static void pseudonym(const struct jpki_login_validator *v, const struct token *t, char *out)
{
	if (t->seen.pseudonym[0]) {
		memcpy(out, t->seen.pseudonym, JPKI_LOGIN_PSEUDONYM_LEN + 1);
		return;
	}
	pseudonym_of(v, t->cert, out);
	jpki_login_cache_put_pseudonym(cache_of(v), t->key, out);
}

/*
 * Web eID's freshness of an OCSP answer at now: thisUpdate no more than 15
 * minutes ahead and no more than 2 minutes old, nextUpdate no more than
 * late (15 minutes for a new answer, none for a remembered one).
 */
static bool ocsp_fresh(int64_t this_update, int64_t next_update, int64_t now, int64_t late)
{
	return this_update <= now + SKEW && this_update >= now - MAX_AGE &&
	       (!next_update || next_update >= now - late);
}

/* The certificate's partition and its delta, when OCSP did not answer (ocsp_msg why). */
static int crl_status(X509 *cert, X509 *issuer, int64_t now, const char *ocsp_msg,
                      struct jpki_status_info *s, struct jpki_login_result *out)
{
	struct jpki_err err;
	_cleanup_(freep) uint8_t *crl = NULL;
	_cleanup_(freep) uint8_t *delta = NULL;
	size_t cl = 0, dl = 0;
	if (jpki_crl_fetch(cert, issuer, &crl, &cl, &delta, &dl, s, &err) < 0)
		return refuse(out, JPKI_LOGIN_STATUS_FAILED, "OCSP: %s; CRL: %s", ocsp_msg,
		              err.msg);
	if (s->next_update && s->next_update < now)
		return refuse(out, JPKI_LOGIN_STATUS_FAILED, "the CRL is past its nextUpdate");
	return 1;
}

/* A status asked now: OCSP with a nonce (new each time), else the CRL fallback. */
static int fetch_status(const struct jpki_login_validator *v, X509 *cert, X509 *issuer, int64_t now,
                        struct jpki_status_info *s, struct jpki_login_result *out)
{
	struct jpki_err err;
	_cleanup_(freep) uint8_t *resp = NULL;
	size_t len = 0;
	if (jpki_ocsp_fetch(cert, issuer, v->trusted, v->send, v->send_arg, &resp, &len, s, &err) ==
	    0) {
		X509_free(s->responder);
		s->responder = NULL;
		if (!ocsp_fresh(s->this_update, s->next_update, now, SKEW))
			return refuse(out, JPKI_LOGIN_STATUS_FAILED,
			              "the OCSP answer is not fresh (thisUpdate %+lld s from now)",
			              (long long)(s->this_update - now));
		return 1;
	}
	if (!v->crl_fallback)
		return refuse(out, JPKI_LOGIN_STATUS_FAILED, "OCSP: %s", err.msg);
	return crl_status(cert, issuer, now, err.msg, s, out);
}

/*
 * Good (1), or refused (0, out says why).  A good OCSP answer remembered is
 * used while it is still fresh at now, with no slack on its nextUpdate; a
 * stale one is asked again with a new nonce.  Only good OCSP answers are
 * remembered: a revoked or unknown one forgets the good one, and a CRL's
 * verdict is never kept.
 */
static int check_status(const struct jpki_login_validator *v, const struct token *t, X509 *issuer,
                        int64_t now, struct jpki_login_result *out)
{
	const struct jpki_login_seen *seen = &t->seen;
	struct jpki_status_info s = {0};
	if (seen->this_update && ocsp_fresh(seen->this_update, seen->next_update, now, 0))
		return 1;
	if (fetch_status(v, t->cert, issuer, now, &s, out) != 1)
		return 0;
	bool ocsp = strcmp(s.source, "OCSP") == 0;
	if (s.status != JPKI_ANSWER_GOOD && ocsp)
		jpki_login_cache_drop_status(cache_of(v), t->key, s.this_update);
	if (s.status == JPKI_ANSWER_REVOKED)
		return refuse(out, JPKI_LOGIN_REVOKED, "the certificate is revoked");
	if (s.status == JPKI_ANSWER_UNKNOWN)
		return refuse(out, JPKI_LOGIN_STATUS_UNKNOWN,
		              "the responder does not know the certificate");
	if (ocsp)
		jpki_login_cache_put_good(cache_of(v), t->key, s.this_update, s.next_update);
	return 1;
}

/* The certificate's own checks at now, in Web eID's order (0: refused, out says why). */
static int cert_ok(const struct jpki_login_validator *v, X509 *cert, int64_t now, int64_t *na,
                   struct jpki_login_result *out)
{
	int64_t nb;
	uint32_t flags = X509_get_extension_flags(cert);
	if (!jpki_asn1_time_epoch(X509_get0_notBefore(cert), &nb) ||
	    !jpki_asn1_time_epoch(X509_get0_notAfter(cert), na) || now < nb || now > *na)
		return refuse(out, JPKI_LOGIN_CERT_VALIDITY, "the certificate is not valid now");
	if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE) ||
	    ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT)))
		return refuse(out, JPKI_LOGIN_KEY_USAGE,
		              "no digitalSignature, or an EKU without clientAuth");
	if (!policy_ok(v, cert))
		return refuse(out, JPKI_LOGIN_POLICY,
		              "the certificate's policy is not accepted here");
	return 1;
}

/* What an accepted token tells the relying party. */
static void accept(const struct jpki_login_validator *v, const struct token *t, int64_t na,
                   struct jpki_login_result *out)
{
	pseudonym(v, t, out->pseudonym);
	_cleanup_(BIGNUMp) BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(t->cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(out->serial, sizeof(out->serial), "%s", hex ? hex : "");
	OPENSSL_free(hex);
	out->not_after = na;
}

/* The checks after the token's shape (parse_token), in Web eID's order. */
static void judge(const struct jpki_login_validator *v, const struct token *t, int64_t now,
                  const char *origin, const char *nonce, struct jpki_login_result *out)
{
	char reason[128];
	int64_t na;
	if (cert_ok(v, t->cert, now, &na, out) != 1)
		return;
	_cleanup_(X509p) X509 *issuer = path_issuer(v, t, now, reason, sizeof(reason));
	if (!issuer)
		refuse(out, JPKI_LOGIN_CHAIN, "no path to a trusted authentication CA: %s", reason);
	else if (check_status(v, t, issuer, now, out) != 1)
		return;
	else if (!signature_ok(t, origin, nonce))
		refuse(out, JPKI_LOGIN_SIGNATURE,
		       "the signature is not of this origin and nonce by the certificate's key");
	else
		accept(v, t, na, out);
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
	if (!jpki_login_origin_ok(origin))
		return refuse(out, JPKI_LOGIN_ORIGIN,
		              "the origin is not https://host[:port] in ASCII");
	if (!nonce || strlen(nonce) != JPKI_LOGIN_NONCE_LEN)
		return refuse(out, JPKI_LOGIN_TOKEN_FORMAT, "the nonce is not one of ours");
	struct token t = {0};
	const char *why = parse_token(token, token_len, cache_of(v), &t);
	if (why)
		refuse(out, JPKI_LOGIN_TOKEN_FORMAT, "%s", why);
	else
		judge(v, &t, now, origin, nonce, out);
	token_clear(&t);
	ERR_clear_error();
	return 0;
}
