/*
 * operator.h: the counter's operators (#12 item 1; docs/operators.md):
 * accounts made by a CA officer (the first one on an empty registry),
 * password log-ins with a lockout, disabling; every one an audit entry.
 * Passwords are kept as scrypt hashes (RFC 7914; N = 2^15, r = 8, p = 1,
 * a random 16-byte salt), never in the clear.  FIDO2 keys, sessions and the
 * web UI build on this (not built yet).
 */
#ifndef JPKI_OPERATOR_OPERATOR_H
#define JPKI_OPERATOR_OPERATOR_H

#include "operator/roles.h"
#include "store/store.h"

#define JPKI_PASSWORD_MIN 12
#define JPKI_PASSWORD_MAX 128
#define JPKI_LOCKOUT_FAILURES 5        /* failures in a row that lock an account */
#define JPKI_LOCKOUT_SECONDS (15 * 60) /* for this long */

/* Text of 1 to max bytes of valid UTF-8 without control characters (names, requests). */
bool jpki_operator_text_ok(const char *s, size_t max);
/* An operator id: 1 to 32 of [A-Za-z0-9._-] (what the counter's --operator takes). */
bool jpki_operator_id_ok(const char *id);

/* The scrypt hash of password as "scrypt$15$8$1$<salt>$<hash>" (base64). */
JPKI_MUST_CHECK int jpki_password_hash(const char *password, char out[JPKI_PASSWORD_HASH_MAX + 1],
                                       struct jpki_err *err);
/* Whether password matches stored (a constant-time comparison). */
bool jpki_password_check(const char *password, const char *stored);

/*
 * Who acts: an operator logging in with a password for this one action
 * (NULL by: nobody, allowed only for the first CA officer of an empty
 * registry).
 */
struct jpki_actor {
	const char *id, *password;
	/*
	 * The caller (the API) checked this operator's log-in earlier, in a live
	 * session of its own: no password now; the account must still be
	 * enabled and unlocked.
	 */
	bool in_session;
};

/* Add operator id (name, role) with password, by actor (a CA officer), at now. */
JPKI_MUST_CHECK int jpki_operator_add(struct jpki_store *st, const struct jpki_actor *by,
                                      const char *id, const char *name, enum jpki_role role,
                                      const char *password, int64_t now, struct jpki_err *err);
/*
 * A password log-in at now: the operator (out) on success; UNAUTHENTICATED
 * for an unknown id or a wrong password (the failure counted, the account
 * locked at the 5th), STATE for a locked or disabled account.  Every
 * attempt is an audit entry, refused ones too.
 */
JPKI_MUST_CHECK int jpki_operator_login(struct jpki_store *st, const char *id, const char *password,
                                        int64_t now, struct jpki_operator_rec *out,
                                        struct jpki_err *err);
/* Disable operator id, by a CA officer (never themself). */
JPKI_MUST_CHECK int jpki_operator_disable(struct jpki_store *st, const struct jpki_actor *by,
                                          const char *id, int64_t now, struct jpki_err *err);

/* ---- for the modules that build on operators (approval.c) ---- */

/*
 * Check id's password inside the caller's transaction; the outcome (the
 * failure count, the lock, the audit entry) is written whatever it is, so
 * the caller commits a refusal too (jpki_operator_end_tx).
 */
JPKI_MUST_CHECK int jpki_operator_authenticate_tx(struct jpki_store *st, const char *id,
                                                  const char *password, int64_t now,
                                                  struct jpki_operator_rec *o,
                                                  struct jpki_err *err);
/*
 * Who acts (by), inside the caller's transaction: a password check
 * (jpki_operator_authenticate_tx), or for an actor in_session a check that
 * the account is still enabled and unlocked (a refusal logged as action).
 */
JPKI_MUST_CHECK int jpki_actor_check_tx(struct jpki_store *st, const struct jpki_actor *by,
                                        const char *action, int64_t now,
                                        struct jpki_operator_rec *o, struct jpki_err *err);
/* Commit when rc is 0 or a logged refusal (UNAUTHENTICATED, STATE, DENIED, EXISTS), else roll back.
 */
JPKI_MUST_CHECK int jpki_operator_end_tx(struct jpki_store *st, int rc, struct jpki_err *err);
/* An audit entry: actor, action, decision, facts. */
JPKI_MUST_CHECK int jpki_operator_audit(struct jpki_store *st, const char *actor,
                                        const char *action, const char *decision,
                                        const char *detail, int64_t now, struct jpki_err *err);

#endif
