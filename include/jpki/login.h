/*
 * jpki/login.h: logging in with the card's authentication certificate,
 * bound to the site's origin (rule C3; docs/login.md).  Web eID's design
 * and token format ("web-eid:1.0"), so relying parties can reuse what they
 * know:
 *   1. the relying party issues a challenge nonce for a session
 *      (jpki_login_challenge): 32 random bytes, base64, for 5 minutes;
 *   2. the holder's side signs hash(origin) || hash(nonce) with the
 *      authentication key (SHA-256 each, then RS256 over the 64 bytes);
 *   3. the relying party takes the nonce out of its store (single use) and
 *      validates the token against the origin and nonce it holds itself
 *      (jpki_login_validate): nothing in the token says which site or
 *      which challenge it is for, so a token made for another site or an
 *      earlier challenge never validates.
 * What the relying party learns is a pseudonym of its own for the holder,
 * not a personal fact: the authentication certificate carries none.
 */
#ifndef JPKI_PUBLIC_LOGIN_H
#define JPKI_PUBLIC_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"

#define JPKI_LOGIN_NONCE_LEN 44  /* base64 of 32 bytes */
#define JPKI_LOGIN_TOKEN_MIN 100 /* characters of a token (Web eID's bounds) */
#define JPKI_LOGIN_TOKEN_MAX 10000
#define JPKI_LOGIN_LIFETIME (5 * 60) /* seconds a challenge stays valid by default */
#define JPKI_LOGIN_PSEUDONYM_LEN 43  /* base64url of 32 bytes, no padding */

/* ---- challenges: a session-bound, single-use store ---- */

struct jpki_login_nonces;

/* A store of at most `capacity` open challenges, each valid for `lifetime` seconds (0: 5 min). */
JPKI_API JPKI_MUST_CHECK int jpki_login_nonces_new(size_t capacity, int64_t lifetime,
                                                   struct jpki_login_nonces **ret,
                                                   struct jpki_err *err);
JPKI_API void jpki_login_nonces_free(struct jpki_login_nonces *n);
/*
 * A new challenge for session (an opaque id of the relying party's own, at
 * most 128 bytes) at time now: it replaces the session's earlier one.  out
 * gets the nonce, NUL-terminated.  LIMIT when the store is full of live
 * challenges.
 */
JPKI_API JPKI_MUST_CHECK int jpki_login_challenge(struct jpki_login_nonces *n, const char *session,
                                                  int64_t now, char out[JPKI_LOGIN_NONCE_LEN + 1],
                                                  struct jpki_err *err);
/*
 * Take the session's challenge out (it can be taken once): NOT_FOUND when
 * the session has none, STATE when it has expired (and is gone too).
 */
JPKI_API JPKI_MUST_CHECK int jpki_login_take(struct jpki_login_nonces *n, const char *session,
                                             int64_t now, char out[JPKI_LOGIN_NONCE_LEN + 1],
                                             struct jpki_err *err);

/* ---- validation ---- */

/* Why a token was refused; each check has its own. */
enum jpki_login_failure {
	JPKI_LOGIN_OK,
	JPKI_LOGIN_TOKEN_SIZE,     /* under 100 or over 10,000 characters */
	JPKI_LOGIN_TOKEN_FORMAT,   /* not the JSON of web-eid:1.0, or a field malformed */
	JPKI_LOGIN_ORIGIN,         /* the relying party's own origin is not an https origin */
	JPKI_LOGIN_CERT_VALIDITY,  /* expired or not yet valid now */
	JPKI_LOGIN_KEY_USAGE,      /* no digitalSignature, or an EKU without clientAuth */
	JPKI_LOGIN_CHAIN,          /* no path to a trusted authentication CA */
	JPKI_LOGIN_POLICY,         /* a certificate policy the relying party does not accept */
	JPKI_LOGIN_REVOKED,        /* the responder or CRL says revoked */
	JPKI_LOGIN_STATUS_UNKNOWN, /* the responder does not know it */
	JPKI_LOGIN_STATUS_FAILED,  /* no fresh, authorised status could be had */
	JPKI_LOGIN_SIGNATURE, /* not a signature of this origin and nonce by the certificate's key
	                       */
};
JPKI_API const char *jpki_login_failure_name(enum jpki_login_failure f);

/*
 * A validator is made, then configured (trust, allow_policy, set_time,
 * set_crl_fallback, set_cache), then used: once configured it may be shared
 * by any number of threads, which may call jpki_login_validate on it at once
 * (its caches have a lock of their own).  The configuration calls and
 * jpki_login_validator_free must not run while another thread validates.
 */
struct jpki_login_validator;

/*
 * A validator for relying party rp_id (its pseudonyms are its own: the same
 * holder has another pseudonym at another relying party) with a secret of
 * at least 32 bytes that only it knows (copied).
 */
JPKI_API JPKI_MUST_CHECK int jpki_login_validator_new(const char *rp_id, const uint8_t *secret,
                                                      size_t secret_len,
                                                      struct jpki_login_validator **ret,
                                                      struct jpki_err *err);
JPKI_API void jpki_login_validator_free(struct jpki_login_validator *v);
/* Trust the authentication CA certificates in buf (PEM, one or more generations). */
JPKI_API JPKI_MUST_CHECK int jpki_login_validator_trust(struct jpki_login_validator *v,
                                                        const uint8_t *buf, size_t len,
                                                        struct jpki_err *err);
/* Accept only certificates with this policy OID (call again for more; none set: any). */
JPKI_API JPKI_MUST_CHECK int jpki_login_validator_allow_policy(struct jpki_login_validator *v,
                                                               const char *oid,
                                                               struct jpki_err *err);
/* The validation time (0, the default: the system clock). */
JPKI_API void jpki_login_validator_set_time(struct jpki_login_validator *v, int64_t now);
/*
 * When OCSP does not answer, ask the certificate's CRL partition and its delta
 * (not current: STATUS_FAILED).  Off by default, as in Web eID.
 */
JPKI_API void jpki_login_validator_set_crl_fallback(struct jpki_login_validator *v, bool on);
/*
 * Remember, between tokens, the certificates decoded, the paths verified and
 * the good OCSP answers (on by default; docs/login.md, "Caches").  Each is
 * used only while the check it stands for still holds at the validation
 * time: a path while every certificate of it is valid, a good answer while
 * it is fresh (thisUpdate at most 2 minutes old and at most 15 minutes
 * ahead, nextUpdate not passed); a stale answer is asked again with a new
 * nonce, and a revoked or unknown one is never remembered.  So a revocation
 * is seen at the latest when the last good answer is 2 minutes old.  Off:
 * every token is decoded, its path built and its status asked anew.  At most
 * 1024 certificates are remembered.
 */
JPKI_API void jpki_login_validator_set_cache(struct jpki_login_validator *v, bool on);

struct jpki_login_result {
	enum jpki_login_failure failure;
	char reason[256];                             /* for a log, never for the holder's page */
	char pseudonym[JPKI_LOGIN_PSEUDONYM_LEN + 1]; /* this relying party's name for the holder */
	char serial[41];                              /* the certificate's serial, hex */
	int64_t not_after;
};

/*
 * Validate token (the JSON the holder's side posted) against the origin
 * and the nonce the relying party holds (from jpki_login_take).  Returns 0
 * whenever validation ran, with out->failure saying the verdict; an error
 * return means it could not run (memory, no trust anchor).
 */
JPKI_API JPKI_MUST_CHECK int jpki_login_validate(struct jpki_login_validator *v, const char *token,
                                                 size_t token_len, const char *origin,
                                                 const char *nonce, struct jpki_login_result *out,
                                                 struct jpki_err *err);

#endif
