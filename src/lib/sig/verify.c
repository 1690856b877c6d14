/*
 * verify.c: the verifier (jpki/verify.h) and what every signature format
 * shares once its signer and signing time are known: the path, the key
 * usage, and the revocation status with its judgement (EN 319 102-1 §5.2.6
 * X.509 certificate validation, §5.6.2 past signature validation, reduced
 * to what a JPKI signature needs; docs/relying-party.md, "How a signature
 * is judged").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "core/ossl.h"
#include "sig/report.h"
#include "sig/xmldsig.h"

#define SIGN_POLICY "1.2.392.200149.8.5.1.1.20" /* docs/profiles.md: signature certificates */
#define DAY (24 * 3600)
#define QUARTER_HOUR (15 * 60)

JPKI_DEFINE_FREEP(X509_STORE, X509_STORE_free)
JPKI_DEFINE_FREEP(X509_STORE_CTX, X509_STORE_CTX_free)

/* ---- the verifier ---- */

int jpki_verifier_new(struct jpki_verifier **ret, struct jpki_err *err)
{
	struct jpki_verifier *v = calloc(1, sizeof(*v));
	if (!v || !(v->trusted = sk_X509_new_null()) || jpki_cert_cache_new(&v->certs, err) < 0) {
		if (v)
			sk_X509_free(v->trusted);
		free(v);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	*ret = v;
	return 0;
}

void jpki_verifier_free(struct jpki_verifier *v)
{
	if (!v)
		return;
	sk_X509_pop_free(v->trusted, X509_free);
	jpki_cert_cache_free(v->certs);
	for (size_t i = 0; i < JPKI_OCSP_CACHE; i++)
		X509_free(v->cache[i].info.responder);
	free(v);
}

int jpki_verifier_trust(struct jpki_verifier *v, const uint8_t *buf, size_t len,
                        struct jpki_err *err)
{
	return jpki_trust_read(buf, len, v->trusted, err);
}

void jpki_verifier_set_revocation(struct jpki_verifier *v, enum jpki_revocation_mode mode)
{
	v->mode = mode;
}

void jpki_verifier_set_ocsp_send(struct jpki_verifier *v, jpki_ocsp_send_fn send, void *arg)
{
	v->send = send;
	v->send_arg = arg;
}

void jpki_verifier_set_time(struct jpki_verifier *v, int64_t now)
{
	v->now = now;
}

int64_t jpki_verifier_now(const struct jpki_verifier *v)
{
	return v->now ? v->now : (int64_t)time(NULL);
}

/* ---- the report as it is filled ---- */

void jpki_report_decide(struct jpki_report *r, enum jpki_indication ind, const char *sub,
                        const char *fmt, ...)
{
	if (!r->decided) {
		r->decided = true;
		r->ind = ind;
		snprintf(r->sub, sizeof(r->sub), "%s", sub);
	}
	if (fmt && r->n_errors < JPKI_REPORT_MSGS) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->errors[r->n_errors], sizeof(r->errors[0]), fmt, ap);
		va_end(ap);
		/* messages quote outside bytes (certificate fields, servers' errors) */
		jpki_text_clean(r->errors[r->n_errors], sizeof(r->errors[0]));
		r->n_errors++;
	}
}

void jpki_report_warn(struct jpki_report *r, const char *fmt, ...)
{
	if (r->n_warnings >= JPKI_REPORT_MSGS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->warnings[r->n_warnings], sizeof(r->warnings[0]), fmt, ap);
	va_end(ap);
	jpki_text_clean(r->warnings[r->n_warnings], sizeof(r->warnings[0]));
	r->n_warnings++;
}

void jpki_report_add_cert(struct jpki_report *r, const char *role, X509 *x)
{
	if (!x || r->n_certs >= JPKI_REPORT_CERTS)
		return;
	struct jpki_report_cert *c = &r->certs[r->n_certs++];
	snprintf(c->role, sizeof(c->role), "%s", role);
	_cleanup_(BIOp) BIO *b = BIO_new(BIO_s_mem());
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	                            XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		int n = BIO_read(b, c->subject, sizeof(c->subject) - 1);
		c->subject[n > 0 ? n : 0] = 0;
		jpki_text_clean(c->subject, sizeof(c->subject));
	}
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(c->serial, sizeof(c->serial), "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	(void)jpki_asn1_time_epoch(X509_get0_notBefore(x), &c->not_before);
	(void)jpki_asn1_time_epoch(X509_get0_notAfter(x), &c->not_after);
}

/* The signer's certificate and what the report says of it. */
void jpki_report_describe_signer(struct jpki_report *r, X509 *signer)
{
	struct jpki_err err;
	jpki_report_add_cert(r, "SIGNING", signer);
	snprintf(r->subject, sizeof(r->subject), "%s", r->certs[r->n_certs - 1].subject);
	if (jpki_facts_read(signer, &r->facts, &err) < 0)
		jpki_report_warn(r, "the signer's facts: %s", err.msg);
}

static void format_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *reason_name(int reason)
{
	return reason < 0 ? "no reason given" : OCSP_crl_reason_str(reason);
}

/* ---- the path ---- */

static void chain_failure(struct jpki_report *r, int e, int depth, const char *why)
{
	bool leaf = depth == 0;
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		if (leaf && r->time_proven)
			jpki_report_decide(r, JPKI_TOTAL_FAILED, "EXPIRED",
			                   "the signature was made after its certificate expired");
		else
			jpki_report_decide(r, JPKI_INDETERMINATE, "OUT_OF_BOUNDS_NO_POE",
			                   "%s certificate has expired and nothing proves the "
			                   "signature is older",
			                   leaf ? "the signer's" : "a CA");
		return;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		jpki_report_decide(r, JPKI_INDETERMINATE, "NOT_YET_VALID",
		                   "%s certificate was not yet valid at the signing time",
		                   leaf ? "the signer's" : "a CA");
		return;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_INVALID_NON_CA:
		jpki_report_decide(r, JPKI_INDETERMINATE, "CHAIN_CONSTRAINTS_FAILURE",
		                   "a certificate of the path may not issue certificates: %s", why);
		return;
	default:
		jpki_report_decide(r, JPKI_INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND",
		                   "no path to a trusted signature CA: %s", why);
	}
}

/* The signer's issuer on a path to a trust anchor at the signing time (a reference), or NULL. */
static X509 *check_path(struct jpki_verifier *v, X509 *signer, STACK_OF(X509) * untrusted,
                        struct jpki_report *r)
{
	_cleanup_(X509_STOREp) X509_STORE *st = X509_STORE_new();
	_cleanup_(X509_STORE_CTXp) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	for (int i = 0; st && i < sk_X509_num(v->trusted); i++)
		X509_STORE_add_cert(st, sk_X509_value(v->trusted, i));
	if (!st || !ctx || !X509_STORE_CTX_init(ctx, st, signer, untrusted)) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "CERTIFICATE_CHAIN_GENERAL_FAILURE",
		                   "out of memory");
		return NULL;
	}
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, (time_t)r->best_time);
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		chain_failure(r, e, X509_STORE_CTX_get_error_depth(ctx),
		              X509_verify_cert_error_string(e));
		ERR_clear_error();
		return NULL;
	}
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	X509 *issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL;
	if (!issuer) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "CERTIFICATE_CHAIN_GENERAL_FAILURE",
		                   "the signer's certificate is itself a trust anchor");
		return NULL;
	}
	for (int i = 1; i < sk_X509_num(chain); i++)
		jpki_report_add_cert(r, "CA", sk_X509_value(chain, i));
	if (issuer)
		X509_up_ref(issuer);
	return issuer;
}

/* nonRepudiation and the signature certificate's policy (myna GHSA-58hw-cg5m-88rp). */
static bool check_usage(X509 *signer, struct jpki_report *r)
{
	if (!(X509_get_extension_flags(signer) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(signer) & KU_NON_REPUDIATION)) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE",
		                   "the certificate's key usage has no nonRepudiation: it is not a "
		                   "signature certificate");
		return false;
	}
	_cleanup_(CERTIFICATEPOLICIESp) CERTIFICATEPOLICIES *pols =
	    X509_get_ext_d2i(signer, NID_certificate_policies, NULL, NULL);
	for (int i = 0; i < sk_POLICYINFO_num(pols); i++) {
		char oid[64];
		OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(pols, i)->policyid, 1);
		if (strcmp(oid, SIGN_POLICY) == 0)
			return true;
	}
	jpki_report_decide(r, JPKI_TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE",
	                   "the certificate lacks the signature certificate policy " SIGN_POLICY);
	return false;
}

/* ---- revocation ---- */

static void cert_key(X509 *x, uint8_t out[32])
{
	unsigned int n = 32;
	X509_digest(x, EVP_sha256(), out, &n);
}

static bool fresh_online(const struct jpki_status_info *s, int64_t now)
{
	return s->this_update <= now + QUARTER_HOUR && now - s->this_update <= QUARTER_HOUR &&
	       (!s->next_update || s->next_update >= now);
}

/* The cache is 4-way set-associative: a signer's answer lives in one of the 4 slots of its set. */
#define WAYS 4

static struct ocsp_cached *cache_set(struct jpki_verifier *v, const uint8_t key[32])
{
	size_t sets = JPKI_OCSP_CACHE / WAYS;
	return &v->cache[(((size_t)key[0] << 8 | key[1]) % sets) * WAYS];
}

static bool cache_get(struct jpki_verifier *v, X509 *cert, struct jpki_status_info *out)
{
	uint8_t key[32];
	int64_t now = jpki_verifier_now(v);
	cert_key(cert, key);
	struct ocsp_cached *set = cache_set(v, key);
	for (int w = 0; w < WAYS; w++) {
		struct ocsp_cached *c = &set[w];
		if (c->fetched && memcmp(c->key, key, 32) == 0 && fresh_online(&c->info, now) &&
		    now - c->fetched <= JPKI_OCSP_CACHE_SECONDS) {
			*out = c->info;
			if (out->responder)
				X509_up_ref(out->responder);
			return true;
		}
	}
	return false;
}

/* Into the slot of the same certificate, else an empty one, else the oldest of the set. */
static void cache_put(struct jpki_verifier *v, X509 *cert, const struct jpki_status_info *s)
{
	uint8_t key[32];
	cert_key(cert, key);
	struct ocsp_cached *set = cache_set(v, key), *c = &set[0];
	for (int w = 0; w < WAYS; w++) {
		if (set[w].fetched && memcmp(set[w].key, key, 32) == 0) {
			c = &set[w];
			break;
		}
		if (!set[w].fetched || set[w].fetched < c->fetched)
			c = &set[w];
	}
	X509_free(c->info.responder);
	memcpy(c->key, key, 32);
	c->fetched = jpki_verifier_now(v);
	c->info = *s;
	if (c->info.responder)
		X509_up_ref(c->info.responder);
}

/* OCSP with a nonce, else the CRL partition and its delta (rule: docs/relying-party.md). */
static bool status_online(struct jpki_verifier *v, X509 *cert, X509 *issuer,
                          struct jpki_status_info *out, struct jpki_report *r)
{
	struct jpki_err err;
	uint8_t *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	int64_t now = jpki_verifier_now(v);
	if (cache_get(v, cert, out))
		return true;
	if (jpki_ocsp_fetch(cert, issuer, v->trusted, v->send, v->send_arg, &a, &al, out, &err) ==
	    0) {
		free(a);
		if (fresh_online(out, now)) {
			cache_put(v, cert, out);
			return true;
		}
		jpki_report_warn(r, "the OCSP answer is not fresh (thisUpdate outside 15 minutes "
		                    "or nextUpdate passed)");
		X509_free(out->responder);
		out->responder = NULL;
	} else {
		jpki_report_warn(r, "OCSP: %s", err.msg);
	}
	if (jpki_crl_fetch(cert, issuer, &a, &al, &b, &bl, out, &err) == 0) {
		free(a), free(b);
		if (!out->next_update || out->next_update >= now)
			return true;
		jpki_report_warn(r, "the CRL is past its nextUpdate");
		return false;
	}
	jpki_report_warn(r, "CRL: %s", err.msg);
	return false;
}

/* The newest CRL of a kind (base or delta) among the embedded ones, a reference. */
static X509_CRL *newest_crl(const struct jpki_embedded *emb, bool delta)
{
	X509_CRL *best = NULL;
	int64_t best_t = 0;
	for (size_t i = 0; i < emb->n_crl; i++) {
		struct jpki_err err;
		X509_CRL *c = NULL;
		int64_t t;
		if (jpki_crl_parse(emb->crl[i], emb->crl_len[i], &c, &err) < 0)
			continue;
		ASN1_INTEGER *d = X509_CRL_get_ext_d2i(c, NID_delta_crl, NULL, NULL);
		bool is_delta = d != NULL;
		ASN1_INTEGER_free(d);
		if (is_delta != delta || !jpki_asn1_time_epoch(X509_CRL_get0_lastUpdate(c), &t) ||
		    (best && t <= best_t)) {
			X509_CRL_free(c);
			continue;
		}
		X509_CRL_free(best);
		best = c, best_t = t;
	}
	return best;
}

/*
 * What the signature embeds: the newest OCSP response for the certificate
 * (by producedAt), else the newest CRL with its newest delta (a delta that
 * does not fit the base is left out): the signer chooses what to embed, so
 * the verifier takes the latest word, never the first it finds.
 */
static bool status_embedded(struct jpki_verifier *v, X509 *cert, X509 *issuer,
                            const struct jpki_embedded *emb, struct jpki_status_info *out)
{
	struct jpki_err err;
	struct jpki_status_info s;
	bool have = false;
	for (size_t i = 0; i < emb->n_ocsp; i++) {
		if (jpki_ocsp_check(emb->ocsp[i], emb->ocsp_len[i], NULL, 0, cert, issuer,
		                    v->trusted, v->certs, &s, &err) < 0)
			continue;
		if (have && s.produced_at <= out->produced_at) {
			X509_free(s.responder);
			continue;
		}
		if (have)
			X509_free(out->responder);
		*out = s, have = true;
	}
	if (have)
		return true;
	_cleanup_(X509_CRLp) X509_CRL *base = newest_crl(emb, false);
	_cleanup_(X509_CRLp) X509_CRL *delta = base ? newest_crl(emb, true) : NULL;
	bool ok = base && (jpki_crl_check(base, delta, cert, issuer, out, &err) == 0 ||
	                   (delta && jpki_crl_check(base, NULL, cert, issuer, out, &err) == 0));
	ERR_clear_error();
	return ok;
}

/*
 * EN 319 102-1 §5.6.2.4: revoked after the proven signing time keeps the
 * signature valid.  "When" is the earlier of the revocation date and the
 * invalidityDate (RFC 5280 §5.3.2: a lost card's hold made final is dated by
 * its resolution, but the key was untrusted from the hold on).
 */
static void judge_status(const struct jpki_status_info *s, struct jpki_report *r)
{
	char when[32];
	int64_t since =
	    s->invalid_at > 0 && s->invalid_at < s->revoked_at ? s->invalid_at : s->revoked_at;
	format_time(since, when);
	if (s->status == JPKI_ANSWER_GOOD)
		return;
	if (s->status == JPKI_ANSWER_UNKNOWN) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "TRY_LATER",
		                   "the %s does not know the signer's certificate", s->source);
		return;
	}
	bool before = r->time_proven && r->best_time < since;
	bool hold = s->reason == 6; /* certificateHold */
	const char *inv = since < s->revoked_at ? " (its invalidityDate)" : "";
	if (before) {
		jpki_report_warn(r,
		                 "the certificate was %s on %s%s (%s), after the signature, which "
		                 "the time-stamp proves to be older",
		                 hold ? "put on hold" : "revoked", when, inv,
		                 reason_name(s->reason));
	} else if (hold) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "TRY_LATER",
		                   "the certificate is on hold since %s", when);
	} else if (r->time_proven) {
		jpki_report_decide(
		    r, JPKI_TOTAL_FAILED, "REVOKED",
		    "the certificate was revoked on %s%s (%s), before the signature's "
		    "time-stamp",
		    when, inv, reason_name(s->reason));
	} else {
		jpki_report_decide(
		    r, JPKI_INDETERMINATE, "REVOKED_NO_POE",
		    "the certificate was revoked on %s%s (%s), and nothing proves the "
		    "signature is older",
		    when, inv, reason_name(s->reason));
	}
}

/*
 * Embedded evidence of "good" proves nothing about a time before it was
 * issued (EN 319 102-1 §5.6.2.4): issued no earlier than 15 minutes before a
 * proven signing time, or, when the time is unproven, current at the
 * validation time.  Then SiVa's policy for embedded OCSP: produced more than
 * 24 h after the time-stamp is invalid, more than 15 minutes a warning.
 * False when the evidence does not serve (the decision made).
 */
static bool judge_embedded_time(const struct jpki_verifier *v, const struct jpki_status_info *s,
                                struct jpki_report *r)
{
	char issued[32];
	int64_t now = jpki_verifier_now(v);
	format_time(s->produced_at, issued);
	if (s->status != JPKI_ANSWER_GOOD)
		return true; /* a revocation is dated: judge_status weighs it against the time */
	if (!r->time_proven) {
		bool current = strcmp(s->source, "OCSP") == 0
		                   ? fresh_online(s, now)
		                   : s->this_update <= now + QUARTER_HOUR &&
		                         (!s->next_update || s->next_update >= now);
		if (!current)
			jpki_report_decide(
			    r, JPKI_INDETERMINATE, "TRY_LATER",
			    "the embedded %s (issued %s) is not current, and nothing "
			    "proves the signature is older",
			    s->source, issued);
		return current;
	}
	int64_t lag = s->produced_at - r->best_time;
	if (lag < -QUARTER_HOUR) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "TRY_LATER",
		                   "the embedded %s was issued %s, before the signature's "
		                   "time-stamp: it proves nothing about the time of signing",
		                   s->source, issued);
		return false;
	}
	if (strcmp(s->source, "OCSP") != 0)
		return true;
	if (lag > DAY) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE",
		                   "the embedded OCSP response was produced %lld s after the "
		                   "time-stamp (more than 24 hours)",
		                   (long long)lag);
		return false;
	}
	if (lag > QUARTER_HOUR)
		jpki_report_warn(r,
		                 "the embedded OCSP response was produced %lld s after the "
		                 "time-stamp (more than 15 minutes)",
		                 (long long)lag);
	return true;
}

void jpki_judge_signer(struct jpki_verifier *v, X509 *signer, const struct jpki_embedded *emb,
                       struct jpki_report *r)
{
	_cleanup_(X509p) X509 *issuer = check_path(v, signer, emb->certs, r);
	if (!issuer || !check_usage(signer, r))
		return;
	struct jpki_status_info *s = &r->rev;
	bool got = false;
	if (v->mode == JPKI_REVOCATION_ONLINE && (got = status_online(v, signer, issuer, s, r)))
		snprintf(r->rev_from, sizeof(r->rev_from), "online");
	if (!got && (got = status_embedded(v, signer, issuer, emb, s))) {
		snprintf(r->rev_from, sizeof(r->rev_from), "embedded");
		r->rev_checked = true;
		jpki_report_add_cert(r, "REVOCATION", s->responder);
		if (!judge_embedded_time(v, s, r))
			return;
	}
	if (!got) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "TRY_LATER",
		                   v->mode == JPKI_REVOCATION_ONLINE
		                       ? "no revocation information could be had"
		                       : "the signature embeds no revocation information for its "
		                         "certificate");
		return;
	}
	if (!r->rev_checked) {
		r->rev_checked = true;
		jpki_report_add_cert(r, "REVOCATION", s->responder);
	}
	judge_status(s, r);
}

/* ---- the entry point ---- */

int jpki_verify(struct jpki_verifier *v, const uint8_t *sig, size_t sig_len, const uint8_t *doc,
                size_t doc_len, struct jpki_report **ret, struct jpki_err *err)
{
	if (sk_X509_num(v->trusted) == 0)
		return jpki_fail(err, JPKI_E_STATE, "no CA is trusted (jpki_verifier_trust)");
	struct jpki_report *r = calloc(1, sizeof(*r));
	if (!r)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	r->validation_time = jpki_verifier_now(v);
	r->best_time = r->validation_time;
	if (jpki_looks_like_xml(sig, sig_len))
		jpki_verify_xml_into(v, sig, sig_len, doc, r);
	else
		jpki_verify_cades_into(v, sig, sig_len, doc, doc_len, r);
	if (!r->decided)
		r->ind = JPKI_TOTAL_PASSED;
	ERR_clear_error();
	*ret = r;
	return 0;
}
