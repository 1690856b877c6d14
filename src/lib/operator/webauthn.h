/*
 * webauthn.h: FIDO2 security keys as the operators' second factor (#12;
 * docs/operators.md, "Security keys"): the relying party's side of WebAuthn
 * Level 2 (§7.1 registering a key, §7.2 verifying an assertion), with the
 * signatures verified by libfido2 and the keys kept in the registry
 * (operator_credential, schema 9).
 *
 * What the HTTP layer does and keeps:
 *   - it makes a challenge for each ceremony (jpki_webauthn_challenge, or the
 *     one-time table below), keeps it on the server side for the browser's
 *     session, and passes it back with the browser's answer; a challenge is
 *     used once, whatever the outcome;
 *   - it decodes the PublicKeyCredential's base64url fields to bytes;
 *   - it offers user.id = the operator id (UTF-8) when creating, and the
 *     operator's enabled credential ids (jpki_webauthn_keys) as
 *     allowCredentials / excludeCredentials;
 *   - it asks for a key (jpki_webauthn_required) after every good password,
 *     and lets in only an operator whose assertion then verifies.
 * Every registration, assertion, disabling and refusal is an audit entry in
 * the transaction of what it records.
 */
#ifndef JPKI_OPERATOR_WEBAUTHN_H
#define JPKI_OPERATOR_WEBAUTHN_H

#include "operator/operator.h"
#include "operator/webauthn_parse.h"

#define JPKI_WEBAUTHN_CHALLENGE_LEN 32
#define JPKI_WEBAUTHN_CHALLENGE_SECONDS (5 * 60)

/* The relying party: the counter's web front end (borrowed strings). */
struct jpki_webauthn_rp {
	const char *id;     /* the RP ID, a host name: its SHA-256 is the rpIdHash (§6.1) */
	const char *origin; /* the one origin accepted, byte for byte ("https://host[:port]") */
};

/* AuthenticatorAttestationResponse (§5.2.1), decoded from base64url; borrowed. */
struct jpki_webauthn_attestation {
	const uint8_t *client_data_json, *attestation_object;
	size_t client_data_len, attestation_object_len;
};

/* A PublicKeyCredential with an AuthenticatorAssertionResponse (§5.2.2); borrowed. */
struct jpki_webauthn_assertion {
	const uint8_t *credential_id, *client_data_json, *authenticator_data, *signature;
	size_t credential_id_len, client_data_len, authenticator_data_len, signature_len;
	const uint8_t *user_handle; /* NULL when the browser sent none */
	size_t user_handle_len;
};

/* 32 fresh random bytes (§13.4.3). */
JPKI_MUST_CHECK int jpki_webauthn_challenge(uint8_t out[JPKI_WEBAUTHN_CHALLENGE_LEN],
                                            struct jpki_err *err);

/*
 * Register the key of `resp` for operator_id, answering `challenge`, on the
 * word of `by` (password checked in the same transaction):
 *   - the operator themself (by->id == operator_id), only while they have no
 *     enabled key: once they have one, a password alone adds none;
 *   - or a CA officer, for another operator.
 * Formats "none" and "packed" (self attestation, or an attestation
 * certificate, whose chain is not judged: no trust anchors are kept).
 * *key_id (may be NULL) is the key's number.  Refusals, each an audit entry:
 * UNAUTHENTICATED (a wrong password; a response not of this ceremony, origin,
 * RP or challenge; a bad attestation signature), DENIED (not allowed to
 * register it), STATE (a disabled operator), EXISTS (a credential id
 * registered already, to anyone), INVALID or LIMIT (malformed), BAD_KEY (an
 * algorithm other than ES256 and EdDSA).
 */
JPKI_MUST_CHECK int jpki_webauthn_register(struct jpki_store *st, const struct jpki_webauthn_rp *rp,
                                           const struct jpki_actor *by, const char *operator_id,
                                           const char *label,
                                           const uint8_t challenge[JPKI_WEBAUTHN_CHALLENGE_LEN],
                                           const struct jpki_webauthn_attestation *resp,
                                           int64_t now, int64_t *key_id, struct jpki_err *err);

/*
 * Verify operator_id's assertion (the second factor, after their password)
 * answering `challenge`, and record the key's new sign counter and use.
 * Refusals, each an audit entry: UNAUTHENTICATED (an unknown key, a key of
 * another operator, a response not of this ceremony, a bad signature),
 * STATE (a disabled key or operator), DENIED (a sign counter that did not
 * grow: the key may be cloned, §6.1.1), INVALID or LIMIT (malformed).
 */
JPKI_MUST_CHECK int jpki_webauthn_assert(struct jpki_store *st, const struct jpki_webauthn_rp *rp,
                                         const char *operator_id,
                                         const uint8_t challenge[JPKI_WEBAUTHN_CHALLENGE_LEN],
                                         const struct jpki_webauthn_assertion *resp, int64_t now,
                                         struct jpki_err *err);

/* Disable key key_id, by a CA officer (not their own key); never deleted. */
JPKI_MUST_CHECK int jpki_webauthn_disable(struct jpki_store *st, const struct jpki_actor *by,
                                          int64_t key_id, int64_t now, struct jpki_err *err);

/*
 * Whether operator_id must present a security key to log in: true once they
 * have an enabled one.  False for an unknown operator (whom the password
 * check refuses anyway).
 */
JPKI_MUST_CHECK int jpki_webauthn_required(struct jpki_store *st, const char *operator_id,
                                           bool *required, struct jpki_err *err);

/* operator_id's keys, enabled and disabled, in number order. */
JPKI_MUST_CHECK int jpki_webauthn_keys(struct jpki_store *st, const char *operator_id,
                                       jpki_credential_cb cb, void *arg, struct jpki_err *err);

/*
 * A table of outstanding challenges for the HTTP layer, safe across
 * threads: each one is for a handle the caller chooses (its session id, up
 * to 64 printable ASCII characters) and a ceremony, lives 5 minutes and is
 * taken once.  A new challenge for the same handle and ceremony replaces
 * the old one.  At most 4096 are outstanding (LIMIT beyond).
 */
struct jpki_webauthn_challenges;

JPKI_MUST_CHECK int jpki_webauthn_challenges_new(struct jpki_webauthn_challenges **ret,
                                                 struct jpki_err *err);
void jpki_webauthn_challenges_free(struct jpki_webauthn_challenges *t);
/* A fresh challenge for handle and ceremony, at now, into out. */
JPKI_MUST_CHECK int jpki_webauthn_challenge_issue(struct jpki_webauthn_challenges *t,
                                                  const char *handle,
                                                  enum jpki_wa_ceremony ceremony, int64_t now,
                                                  uint8_t out[JPKI_WEBAUTHN_CHALLENGE_LEN],
                                                  struct jpki_err *err);
/* Take (remove) handle's challenge: NOT_FOUND when there is none, STATE when it expired. */
JPKI_MUST_CHECK int jpki_webauthn_challenge_take(struct jpki_webauthn_challenges *t,
                                                 const char *handle, enum jpki_wa_ceremony ceremony,
                                                 int64_t now,
                                                 uint8_t out[JPKI_WEBAUTHN_CHALLENGE_LEN],
                                                 struct jpki_err *err);

#endif
