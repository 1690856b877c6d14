/*
 * webauthn.c: operators' security keys, registered and verified (webauthn.h).
 *
 * The browser's answers are read by webauthn_parse.c; this file checks them
 * against the relying party (rpIdHash, flags) and the registry (whose key,
 * enabled or not, its sign counter), has libfido2 verify the signatures
 * (fido_cred_verify, fido_cred_verify_self, fido_assert_verify) and records
 * the outcome.  Each public function is one transaction, its audit entry
 * inside it: the refusals are committed with their entry, anything else
 * (the registry failing) rolls back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/types.h>
/*
 * libfido2's es256.h declares es256_pk_from_EC_KEY, and OPENSSL_NO_DEPRECATED
 * hides the EC_KEY type it names: declared here (C11 allows the typedef twice).
 */
typedef struct ec_key_st EC_KEY;
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/hex.h"
#include "core/ossl.h"
#include "webauthn.h"

/* libfido2's free functions take the address of the pointer (and accept NULL in it). */
static void fido_cred_free_ptr(fido_cred_t **p)
{
	fido_cred_free(p);
}

static void fido_assert_free_ptr(fido_assert_t **p)
{
	fido_assert_free(p);
}

static void es256_pk_free_ptr(es256_pk_t **p)
{
	es256_pk_free(p);
}

static void eddsa_pk_free_ptr(eddsa_pk_t **p)
{
	eddsa_pk_free(p);
}

int jpki_webauthn_challenge(uint8_t out[JPKI_WEBAUTHN_CHALLENGE_LEN], struct jpki_err *err)
{
	if (RAND_bytes(out, JPKI_WEBAUTHN_CHALLENGE_LEN) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for a challenge");
	return 0;
}

/* ---- transactions and their audit entries ---- */

/*
 * A refusal: the audit entry (actor, action, "operator=...; why") and rc,
 * err keeping the reason.  *logged tells the end of the transaction to
 * commit it.
 */
static int refuse(struct jpki_store *st, const char *actor, const char *action,
                  const char *operator_id, int rc, bool *logged, int64_t now, struct jpki_err *err)
{
	char detail[JPKI_DETAIL_MAX];
	snprintf(detail, sizeof(detail), "operator=%s; %s", operator_id, err->msg);
	struct jpki_err audit_err;
	if (jpki_operator_audit(st, actor, action, "refused", detail, now, &audit_err) < 0) {
		*err = audit_err;
		return -audit_err.code;
	}
	*logged = true;
	return rc;
}

/* Commit a success or a logged refusal (keeping rc and its reason), roll back the rest. */
static int end_tx(struct jpki_store *st, int rc, bool logged, struct jpki_err *err)
{
	if (rc == 0 || logged) {
		struct jpki_err keep = *err;
		int crc = st->ops->commit(st, err);
		if (crc < 0) {
			st->ops->rollback(st);
			return crc;
		}
		*err = keep;
		return rc;
	}
	return jpki_operator_end_tx(st, rc, err); /* the password check's own refusals */
}

static bool rp_ok(const struct jpki_webauthn_rp *rp)
{
	return rp && rp->id && rp->origin && jpki_operator_text_ok(rp->id, 253) &&
	       jpki_operator_text_ok(rp->origin, 512);
}

/* ---- checks of the relying party, the flags and the counter ---- */

/* §7.1 steps 13-14, §7.2 steps 15-16 (user verification is not asked for: steps 15, 17). */
static int rp_and_flags(const struct jpki_webauthn_rp *rp, const struct jpki_wa_authdata *ad,
                        struct jpki_err *err)
{
	uint8_t want[32];
	SHA256((const unsigned char *)rp->id, strlen(rp->id), want);
	if (CRYPTO_memcmp(ad->rp_id_hash, want, 32) != 0)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "authenticator data: rpIdHash is not SHA-256 of %s", rp->id);
	if (!(ad->flags & JPKI_WA_FLAG_UP))
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "authenticator data: user presence (UP) not set");
	return 0;
}

/*
 * §6.1.1, §7.2 step 21: when either counter is nonzero, the new one must be
 * greater than the stored one; otherwise the key may have been cloned.
 */
static bool counter_ok(uint32_t stored, uint32_t seen)
{
	return (stored == 0 && seen == 0) || seen > stored;
}

/* ---- public keys: COSE in, SubjectPublicKeyInfo kept, libfido2's form to verify ---- */

static int spki_of(const struct jpki_wa_cose_key *k, struct jpki_credential_rec *c,
                   struct jpki_err *err)
{
	_cleanup_(EVP_PKEYp) EVP_PKEY *pkey = NULL;
	if (k->alg == JPKI_COSE_ES256) {
		_cleanup_(es256_pk_free_ptr) es256_pk_t *pk = es256_pk_new();
		if (pk && es256_pk_from_ptr(pk, k->raw, k->raw_len) == FIDO_OK)
			pkey = es256_pk_to_EVP_PKEY(pk); /* a point not on P-256 stops here */
	} else {
		_cleanup_(eddsa_pk_free_ptr) eddsa_pk_t *pk = eddsa_pk_new();
		if (pk && eddsa_pk_from_ptr(pk, k->raw, k->raw_len) == FIDO_OK)
			pkey = eddsa_pk_to_EVP_PKEY(pk);
	}
	if (!pkey)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY,
		                      "credential public key: not a point of its curve");
	int n = i2d_PUBKEY(pkey, NULL);
	unsigned char *p = c->public_key;
	if (n <= 0 || (size_t)n > sizeof(c->public_key) || i2d_PUBKEY(pkey, &p) != n)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY, "credential public key: cannot encode");
	c->public_key_len = (size_t)n;
	c->alg = k->alg;
	return 0;
}

/* The stored key as libfido2 takes it (STORE when the row does not hold one). */
static int stored_key(const struct jpki_credential_rec *c, es256_pk_t **es, eddsa_pk_t **ed,
                      struct jpki_err *err)
{
	const unsigned char *p = c->public_key;
	_cleanup_(EVP_PKEYp) EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)c->public_key_len);
	bool ok = pkey && p == c->public_key + c->public_key_len;
	if (ok && c->alg == JPKI_COSE_ES256)
		ok = EVP_PKEY_is_a(pkey, "EC") && (*es = es256_pk_new()) &&
		     es256_pk_from_EVP_PKEY(*es, pkey) == FIDO_OK;
	else if (ok)
		ok = EVP_PKEY_is_a(pkey, "ED25519") && (*ed = eddsa_pk_new()) &&
		     eddsa_pk_from_EVP_PKEY(*ed, pkey) == FIDO_OK;
	if (!ok)
		return jpki_fail_ossl(err, JPKI_E_STORE,
		                      "security key %" PRId64 ": the stored public key is damaged",
		                      c->id);
	return 0;
}

static int fido_refused(struct jpki_err *err, const char *what, int r)
{
	return jpki_fail(err, JPKI_E_UNAUTHENTICATED, "%s (libfido2: %s)", what, fido_strerr(r));
}

/* The authenticator extensions present, told to libfido2 (it wants them to match). */
static int cred_extensions(fido_cred_t *cred, const struct jpki_wa_extensions *e)
{
	int mask =
	    (e->hmac_secret ? FIDO_EXT_HMAC_SECRET : 0) | (e->cred_blob ? FIDO_EXT_CRED_BLOB : 0);
	int r = fido_cred_set_extensions(cred, mask);
	if (r == FIDO_OK && e->cred_protect)
		r = fido_cred_set_prot(cred, (int)e->cred_protect);
	if (r == FIDO_OK && e->min_pin_length)
		r = fido_cred_set_pin_minlen(cred, (size_t)e->min_pin_length);
	return r;
}

/* ---- registration (§7.1) ---- */

/* §8.2.1: what an attestation certificate must be (its chain is not judged: no anchors). */
static int attestation_cert_ok(const uint8_t *der, size_t len, const uint8_t aaguid[16],
                               struct jpki_err *err)
{
	const unsigned char *p = der;
	_cleanup_(X509p) X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "attStmt (packed): x5c[0] is not DER");
	char ou[64] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationalUnitName, ou,
	                          sizeof(ou));
	if (X509_get_version(x) != X509_VERSION_3 || strcmp(ou, "Authenticator Attestation") != 0 ||
	    (X509_get_extension_flags(x) & EXFLAG_CA))
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "attestation certificate: not version 3 with OU \"Authenticator "
		                 "Attestation\" and CA false (§8.2.1)");
	/* id-fido-gen-ce-aaguid 1.3.6.1.4.1.45724.1.1.4: when present, the AAGUID, not critical */
	_cleanup_(ASN1_OBJECTp) ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	int at = oid ? X509_get_ext_by_OBJ(x, oid, -1) : -1;
	if (at < 0)
		return 0;
	X509_EXTENSION *ext = X509_get_ext(x, at);
	const ASN1_OCTET_STRING *outer = X509_EXTENSION_get_data(ext);
	const unsigned char *q = ASN1_STRING_get0_data(outer);
	_cleanup_(ASN1_OCTET_STRINGp) ASN1_OCTET_STRING *inner =
	    d2i_ASN1_OCTET_STRING(NULL, &q, ASN1_STRING_length(outer));
	if (X509_EXTENSION_get_critical(ext) || !inner || ASN1_STRING_length(inner) != 16 ||
	    memcmp(ASN1_STRING_get0_data(inner), aaguid, 16) != 0)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "attestation certificate: its AAGUID is not the authenticator's");
	return 0;
}

/*
 * libfido2 reads the authenticator data again (it must find the credential
 * we found) and verifies the statement: §7.1 step 19, §8.2 (packed), §8.7
 * (none: nothing signed).
 */
static int statement_verify(const struct jpki_webauthn_rp *rp,
                            const struct jpki_webauthn_attestation *r,
                            const struct jpki_wa_attobj *ao, const struct jpki_wa_authdata *ad,
                            struct jpki_err *err)
{
	_cleanup_(fido_cred_free_ptr) fido_cred_t *cred = fido_cred_new();
	int f = cred ? fido_cred_set_type(cred, ad->key.alg) : FIDO_ERR_INTERNAL;
	if (f == FIDO_OK)
		f = fido_cred_set_rp(cred, rp->id, NULL);
	if (f == FIDO_OK) /* §7.1 step 11: libfido2 hashes clientDataJSON */
		f = fido_cred_set_clientdata(cred, r->client_data_json, r->client_data_len);
	if (f == FIDO_OK)
		f = cred_extensions(cred, &ad->ext);
	if (f == FIDO_OK)
		f = fido_cred_set_authdata_raw(cred, ao->auth_data, ao->auth_data_len);
	if (f != FIDO_OK)
		return jpki_fail(err, JPKI_E_INVALID, "libfido2 does not read the credential: %s",
		                 fido_strerr(f));
	if (fido_cred_id_len(cred) != ad->cred_id_len ||
	    memcmp(fido_cred_id_ptr(cred), ad->cred_id, ad->cred_id_len) != 0 ||
	    fido_cred_pubkey_len(cred) != ad->key.raw_len ||
	    memcmp(fido_cred_pubkey_ptr(cred), ad->key.raw, ad->key.raw_len) != 0)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "libfido2 reads another credential from the authenticator data");
	if (ao->fmt == JPKI_WA_FMT_NONE)
		return 0;
	f = fido_cred_set_fmt(cred, "packed");
	if (f == FIDO_OK)
		f = fido_cred_set_attstmt(cred, ao->stmt, ao->stmt_len);
	if (f != FIDO_OK)
		return jpki_fail(err, JPKI_E_INVALID, "attStmt (packed): libfido2: %s",
		                 fido_strerr(f));
	if (!ao->x5c) { /* §8.2 self attestation: alg is the credential key's */
		if (ao->alg != ad->key.alg)
			return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
			                 "attStmt (packed): alg %lld is not the credential key's",
			                 (long long)ao->alg);
		f = fido_cred_verify_self(cred);
		return f == FIDO_OK ? 0
		                    : fido_refused(err, "the self attestation does not verify", f);
	}
	if (ao->alg != JPKI_COSE_ES256)
		return jpki_fail(err, JPKI_E_BAD_KEY,
		                 "attStmt (packed): an attestation certificate of alg %lld (ES256 "
		                 "only)",
		                 (long long)ao->alg);
	int rc = attestation_cert_ok(ao->x5c, ao->x5c_len, ad->aaguid, err);
	if (rc < 0)
		return rc;
	f = fido_cred_verify(cred);
	return f == FIDO_OK ? 0 : fido_refused(err, "the attestation signature does not verify", f);
}

/* §7.1 steps 5-19: the response as a key of this RP, into c (its key, id, aaguid). */
static int attestation_verify(const struct jpki_webauthn_rp *rp, const uint8_t challenge[32],
                              const struct jpki_webauthn_attestation *r,
                              struct jpki_credential_rec *c, const char **fmt, struct jpki_err *err)
{
	struct jpki_wa_attobj ao;
	struct jpki_wa_authdata ad;
	int rc = jpki_wa_client_data_check(r->client_data_json, r->client_data_len, JPKI_WA_CREATE,
	                                   challenge, rp->origin, err);
	if (rc == 0) /* step 12 */
		rc = jpki_wa_attobj_parse(r->attestation_object, r->attestation_object_len, &ao,
		                          err);
	if (rc == 0)
		rc = jpki_wa_authdata_parse(ao.auth_data, ao.auth_data_len, true, &ad, err);
	if (rc == 0) /* steps 13-15 */
		rc = rp_and_flags(rp, &ad, err);
	if (rc == 0) /* step 16: ES256 or EdDSA, which the parser alone accepts */
		rc = spki_of(&ad.key, c, err);
	if (rc == 0) /* steps 17 (no extension asked for) and 19 */
		rc = statement_verify(rp, r, &ao, &ad, err);
	if (rc < 0)
		return rc;
	memcpy(c->credential_id, ad.cred_id, ad.cred_id_len);
	c->credential_id_len = ad.cred_id_len;
	memcpy(c->aaguid, ad.aaguid, 16);
	c->sign_count = ad.sign_count;
	*fmt = ao.fmt == JPKI_WA_FMT_NONE ? "none"
	       : ao.x5c                   ? "packed (certificate, not judged)"
	                                  : "packed (self)";
	return 0;
}

struct enabled_count {
	int n;
};

static int count_enabled(const struct jpki_credential_rec *c, void *arg)
{
	if (c->disabled_at == 0)
		((struct enabled_count *)arg)->n++;
	return 0;
}

/* Who may register a key for operator_id (webauthn.h); the target operator into o. */
static int register_allowed(struct jpki_store *st, const struct jpki_actor *by,
                            const char *operator_id, int64_t now, bool *logged,
                            struct jpki_err *err)
{
	struct jpki_operator_rec actor, o;
	int rc = jpki_actor_check_tx(st, by, "operator.key", now, &actor, err);
	if (rc < 0)
		return rc;
	bool self = strcmp(by->id, operator_id) == 0;
	struct enabled_count keys = {0};
	if (!self && !jpki_role_may((enum jpki_role)actor.role, JPKI_RIGHT_OPERATORS))
		rc = jpki_fail(err, JPKI_E_DENIED,
		               "%s is a %s: an operator registers their own key, a CA officer "
		               "another's",
		               by->id, jpki_role_name((enum jpki_role)actor.role));
	else if ((rc = st->ops->operator_get(st, operator_id, &o, err)) == -JPKI_E_NOT_FOUND)
		rc = jpki_fail(err, JPKI_E_DENIED, "no such operator");
	else if (rc == 0 && o.disabled_at)
		rc = jpki_fail(err, JPKI_E_STATE, "operator %s is disabled", operator_id);
	else if (rc == 0 && self &&
	         (rc = st->ops->credential_each(st, operator_id, count_enabled, &keys, err)) == 0 &&
	         keys.n > 0)
		rc = jpki_fail(err, JPKI_E_DENIED,
		               "%s has a security key: a further one is registered by a CA officer",
		               operator_id);
	if (rc == -JPKI_E_DENIED || rc == -JPKI_E_STATE)
		rc = refuse(st, by->id, "webauthn.register", operator_id, rc, logged, now, err);
	return rc;
}

static int register_tx(struct jpki_store *st, const struct jpki_webauthn_rp *rp,
                       const struct jpki_actor *by, const char *operator_id, const char *label,
                       const uint8_t challenge[32], const struct jpki_webauthn_attestation *resp,
                       int64_t now, int64_t *key_id, bool *logged, struct jpki_err *err)
{
	int rc = register_allowed(st, by, operator_id, now, logged, err);
	if (rc < 0)
		return rc;
	struct jpki_credential_rec c = {.created_at = now};
	const char *fmt = "";
	snprintf(c.operator_id, sizeof(c.operator_id), "%s", operator_id);
	snprintf(c.created_by, sizeof(c.created_by), "%s", by->id);
	snprintf(c.label, sizeof(c.label), "%s", label ? label : "");
	rc = attestation_verify(rp, challenge, resp, &c, &fmt, err);
	if (rc == 0) /* §7.1 step 22: not registered already, to anyone */
		rc = st->ops->credential_insert(st, &c, err);
	if (rc < 0 && rc != -JPKI_E_STORE && rc != -JPKI_E_NOMEM)
		return refuse(st, by->id, "webauthn.register", operator_id, rc, logged, now, err);
	if (rc < 0)
		return rc;
	char detail[JPKI_DETAIL_MAX], aaguid[33];
	jpki_hex_encode(c.aaguid, 16, aaguid);
	snprintf(detail, sizeof(detail),
	         "operator=%s; key=%" PRId64 "; alg=%s; attestation=%s; aaguid=%s; label=%s",
	         operator_id, c.id, c.alg == JPKI_COSE_ES256 ? "ES256" : "EdDSA", fmt, aaguid,
	         c.label);
	rc = jpki_operator_audit(st, by->id, "webauthn.register", "done", detail, now, err);
	if (rc == 0 && key_id)
		*key_id = c.id;
	return rc;
}

int jpki_webauthn_register(struct jpki_store *st, const struct jpki_webauthn_rp *rp,
                           const struct jpki_actor *by, const char *operator_id, const char *label,
                           const uint8_t challenge[JPKI_WEBAUTHN_CHALLENGE_LEN],
                           const struct jpki_webauthn_attestation *resp, int64_t now,
                           int64_t *key_id, struct jpki_err *err)
{
	if (!rp_ok(rp) || !by || !jpki_operator_id_ok(by->id) ||
	    !jpki_operator_id_ok(operator_id) || !challenge || !resp)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a relying party (id, origin), who registers, for whom, the "
		                 "challenge and the response");
	if (label && *label && !jpki_operator_text_ok(label, JPKI_CREDENTIAL_LABEL_MAX))
		return jpki_fail(err, JPKI_E_INVALID, "a key's label is 0 to %d bytes of text",
		                 JPKI_CREDENTIAL_LABEL_MAX);
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	bool logged = false;
	rc =
	    register_tx(st, rp, by, operator_id, label, challenge, resp, now, key_id, &logged, err);
	return end_tx(st, rc, logged, err);
}

/* ---- assertions (§7.2) ---- */

/* §7.2 steps 19-20: libfido2 verifies the signature over authenticatorData || SHA-256(cData). */
static int signature_verify(const struct jpki_webauthn_rp *rp,
                            const struct jpki_webauthn_assertion *r,
                            const struct jpki_wa_authdata *ad, const struct jpki_credential_rec *c,
                            struct jpki_err *err)
{
	_cleanup_(es256_pk_free_ptr) es256_pk_t *es = NULL;
	_cleanup_(eddsa_pk_free_ptr) eddsa_pk_t *ed = NULL;
	int rc = stored_key(c, &es, &ed, err);
	if (rc < 0)
		return rc;
	_cleanup_(fido_assert_free_ptr) fido_assert_t *a = fido_assert_new();
	int mask = (ad->ext.hmac_secret ? FIDO_EXT_HMAC_SECRET : 0) |
	           (ad->ext.cred_blob ? FIDO_EXT_CRED_BLOB : 0);
	int f = a ? fido_assert_set_count(a, 1) : FIDO_ERR_INTERNAL;
	if (f == FIDO_OK)
		f = fido_assert_set_rp(a, rp->id);
	if (f == FIDO_OK)
		f = fido_assert_set_clientdata(a, r->client_data_json, r->client_data_len);
	if (f == FIDO_OK)
		f = fido_assert_set_extensions(a, mask);
	if (f == FIDO_OK)
		f = fido_assert_set_up(a, FIDO_OPT_TRUE);
	if (f == FIDO_OK)
		f = fido_assert_set_authdata_raw(a, 0, r->authenticator_data,
		                                 r->authenticator_data_len);
	if (f == FIDO_OK)
		f = fido_assert_set_sig(a, 0, r->signature, r->signature_len);
	if (f != FIDO_OK)
		return jpki_fail(err, JPKI_E_INVALID, "libfido2 does not read the assertion: %s",
		                 fido_strerr(f));
	f = fido_assert_verify(a, 0, c->alg, es ? (const void *)es : (const void *)ed);
	return f == FIDO_OK ? 0 : fido_refused(err, "the signature does not verify", f);
}

/* §7.2 steps 5-7: the key is known, the operator's own, enabled. */
static int key_of(struct jpki_store *st, const char *operator_id,
                  const struct jpki_webauthn_assertion *r, struct jpki_credential_rec *c,
                  struct jpki_err *err)
{
	int rc = st->ops->credential_find(st, r->credential_id, r->credential_id_len, c, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED, "an unknown security key");
	if (rc < 0)
		return rc;
	size_t id_len = strlen(operator_id);
	if (strcmp(c->operator_id, operator_id) != 0)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "security key %" PRId64 " is another operator's", c->id);
	if (r->user_handle &&
	    (r->user_handle_len != id_len || memcmp(r->user_handle, operator_id, id_len) != 0))
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED,
		                 "the user handle is not the operator's (§7.2 step 6)");
	if (c->disabled_at)
		return jpki_fail(err, JPKI_E_STATE, "security key %" PRId64 " is disabled", c->id);
	return 0;
}

/* §7.2 steps 9-21 for key c. */
static int assertion_verify(const struct jpki_webauthn_rp *rp, const uint8_t challenge[32],
                            const struct jpki_webauthn_assertion *r,
                            const struct jpki_credential_rec *c, uint32_t *count,
                            struct jpki_err *err)
{
	struct jpki_wa_authdata ad;
	int rc = jpki_wa_client_data_check(r->client_data_json, r->client_data_len, JPKI_WA_GET,
	                                   challenge, rp->origin, err);
	if (rc == 0)
		rc = jpki_wa_authdata_parse(r->authenticator_data, r->authenticator_data_len, false,
		                            &ad, err);
	if (rc == 0) /* steps 15-17 */
		rc = rp_and_flags(rp, &ad, err);
	if (rc == 0 &&
	    (!r->signature || r->signature_len == 0 || r->signature_len > JPKI_WA_SIG_MAX))
		rc = jpki_fail(err, JPKI_E_INVALID, "a signature of %zu bytes", r->signature_len);
	if (rc == 0)
		rc = signature_verify(rp, r, &ad, c, err);
	if (rc == 0 && !counter_ok(c->sign_count, ad.sign_count)) /* step 21 */
		rc = jpki_fail(err, JPKI_E_DENIED,
		               "security key %" PRId64 ": the sign counter went from %" PRIu32
		               " to %" PRIu32 ", not up: the key may have been cloned",
		               c->id, c->sign_count, ad.sign_count);
	if (rc == 0)
		*count = ad.sign_count;
	return rc;
}

static int assert_tx(struct jpki_store *st, const struct jpki_webauthn_rp *rp,
                     const char *operator_id, const uint8_t challenge[32],
                     const struct jpki_webauthn_assertion *r, int64_t now, bool *logged,
                     struct jpki_err *err)
{
	struct jpki_operator_rec o;
	struct jpki_credential_rec c = {0};
	uint32_t count = 0;
	int rc = st->ops->operator_get(st, operator_id, &o, err);
	if (rc == -JPKI_E_NOT_FOUND)
		rc = jpki_fail(err, JPKI_E_UNAUTHENTICATED, "an unknown operator");
	else if (rc == 0 && o.disabled_at)
		rc = jpki_fail(err, JPKI_E_STATE, "operator %s is disabled", operator_id);
	if (rc == 0)
		rc = key_of(st, operator_id, r, &c, err);
	if (rc == 0)
		rc = assertion_verify(rp, challenge, r, &c, &count, err);
	if (rc < 0 && rc != -JPKI_E_STORE && rc != -JPKI_E_NOMEM)
		return refuse(st, operator_id, "webauthn.assert", operator_id, rc, logged, now,
		              err);
	if (rc < 0)
		return rc;
	c.sign_count = count;
	c.last_used_at = now;
	if ((rc = st->ops->credential_update(st, &c, err)) < 0)
		return rc;
	char detail[200];
	snprintf(detail, sizeof(detail), "operator=%s; key=%" PRId64 "; sign count=%" PRIu32,
	         operator_id, c.id, count);
	return jpki_operator_audit(st, operator_id, "webauthn.assert", "done", detail, now, err);
}

int jpki_webauthn_assert(struct jpki_store *st, const struct jpki_webauthn_rp *rp,
                         const char *operator_id,
                         const uint8_t challenge[JPKI_WEBAUTHN_CHALLENGE_LEN],
                         const struct jpki_webauthn_assertion *resp, int64_t now,
                         struct jpki_err *err)
{
	if (!rp_ok(rp) || !jpki_operator_id_ok(operator_id) || !challenge || !resp)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a relying party (id, origin), an operator, the challenge and the "
		                 "response");
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	bool logged = false;
	rc = assert_tx(st, rp, operator_id, challenge, resp, now, &logged, err);
	return end_tx(st, rc, logged, err);
}

/* ---- disabling, the policy, the list ---- */

static int disable_tx(struct jpki_store *st, const struct jpki_actor *by, int64_t key_id,
                      int64_t now, bool *logged, struct jpki_err *err)
{
	struct jpki_operator_rec o;
	struct jpki_credential_rec c;
	int rc = jpki_actor_check_tx(st, by, "operator.key", now, &o, err);
	if (rc < 0)
		return rc;
	char who[48];
	snprintf(who, sizeof(who), "?; key=%" PRId64, key_id);
	if (!jpki_role_may((enum jpki_role)o.role, JPKI_RIGHT_OPERATORS))
		rc = jpki_fail(err, JPKI_E_DENIED, "only a CA officer disables security keys");
	else if ((rc = st->ops->credential_get(st, key_id, &c, err)) == -JPKI_E_NOT_FOUND)
		rc = jpki_fail(err, JPKI_E_DENIED, "no security key %" PRId64, key_id);
	else if (rc == 0 && strcmp(c.operator_id, by->id) == 0)
		rc = jpki_fail(err, JPKI_E_DENIED,
		               "an officer does not disable their own key: another officer does");
	else if (rc == 0 && c.disabled_at)
		rc = jpki_fail(err, JPKI_E_DENIED, "security key %" PRId64 " is disabled already",
		               key_id);
	if (rc == 0)
		snprintf(who, sizeof(who), "%s; key=%" PRId64, c.operator_id, key_id);
	if (rc == -JPKI_E_DENIED)
		return refuse(st, by->id, "webauthn.disable", who, rc, logged, now, err);
	if (rc < 0)
		return rc;
	c.disabled_at = now;
	if ((rc = st->ops->credential_update(st, &c, err)) < 0)
		return rc;
	char detail[100];
	snprintf(detail, sizeof(detail), "operator=%s", who);
	return jpki_operator_audit(st, by->id, "webauthn.disable", "done", detail, now, err);
}

int jpki_webauthn_disable(struct jpki_store *st, const struct jpki_actor *by, int64_t key_id,
                          int64_t now, struct jpki_err *err)
{
	if (!by || !jpki_operator_id_ok(by->id) || key_id <= 0)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a key's number and the officer disabling it");
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	bool logged = false;
	rc = disable_tx(st, by, key_id, now, &logged, err);
	return end_tx(st, rc, logged, err);
}

int jpki_webauthn_required(struct jpki_store *st, const char *operator_id, bool *required,
                           struct jpki_err *err)
{
	struct enabled_count keys = {0};
	if (!jpki_operator_id_ok(operator_id))
		return jpki_fail(err, JPKI_E_INVALID, "an operator id");
	int rc = st->ops->credential_each(st, operator_id, count_enabled, &keys, err);
	if (rc == 0)
		*required = keys.n > 0;
	return rc;
}

int jpki_webauthn_keys(struct jpki_store *st, const char *operator_id, jpki_credential_cb cb,
                       void *arg, struct jpki_err *err)
{
	if (!jpki_operator_id_ok(operator_id) || !cb)
		return jpki_fail(err, JPKI_E_INVALID, "an operator id");
	return st->ops->credential_each(st, operator_id, cb, arg, err);
}
