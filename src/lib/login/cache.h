/*
 * cache.h: what a login validator remembers between tokens (docs/login.md,
 * "Caches"), by the SHA-256 of a certificate's DER:
 *   - the certificate, decoded with its public key (libcrypto 3 spends about
 *     0.1 ms decoding an RSA key: four RSA verifications' worth);
 *   - the issuer of a path to a trusted CA that X509_verify_cert accepted,
 *     and the window in which every certificate of that path is valid;
 *   - the thisUpdate and nextUpdate of the last good OCSP answer;
 *   - the relying party's pseudonym for its holder (an HMAC of the subject
 *     CN under the validator's secret: it changes with nothing else).
 * Nothing here is a verdict: the validator still checks every token's
 * validity period, key usage, policy and signature, and uses a remembered
 * path or answer only while the time it judges at is inside the path's
 * window or the answer's freshness limits.  A revoked or unknown answer is
 * never remembered (it drops the good one).
 *
 * Bounded: JPKI_LOGIN_CACHE entries, 4-way set-associative, the least
 * recently used of a set replaced.  Thread-safe: one mutex, held for the
 * look-ups and updates only (no decoding, path building or fetch under it).
 * Each function takes a NULL cache as "remember nothing".
 */
#ifndef JPKI_LOGIN_CACHE_H
#define JPKI_LOGIN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jpki/error.h"
#include "jpki/login.h"

#define JPKI_LOGIN_CACHE 1024 /* certificates remembered (a multiple of 4) */

struct jpki_login_cache;

/* What is remembered of a certificate besides itself, as copied out. */
struct jpki_login_seen {
	X509 *issuer;                     /* a new reference, or NULL: no path remembered */
	int64_t path_from, path_until;    /* every certificate of the path is valid in between */
	int64_t this_update, next_update; /* of a good OCSP answer; this_update 0: none */
	char pseudonym[JPKI_LOGIN_PSEUDONYM_LEN + 1]; /* "": not made yet */
};

/* SHA-256, fetched once (libcrypto 3 looks EVP_sha256() up at every use). */
const EVP_MD *jpki_login_sha256(void);

JPKI_MUST_CHECK int jpki_login_cache_new(struct jpki_login_cache **ret, struct jpki_err *err);
/* Free; NULL is fine.  No other call may be running. */
void jpki_login_cache_free(struct jpki_login_cache *c);

/*
 * The certificate of der (a new reference): remembered, or decoded and
 * remembered.  key gets the DER's SHA-256, seen what else is remembered of it
 * (all zero for a new one; free seen->issuer).  NULL when der is not exactly
 * one DER certificate.
 */
X509 *jpki_login_cache_get(struct jpki_login_cache *c, const uint8_t *der, size_t len,
                           uint8_t key[32], struct jpki_login_seen *seen);
/* Remember the issuer (a reference is taken) of a path verified for key's certificate. */
void jpki_login_cache_put_path(struct jpki_login_cache *c, const uint8_t key[32], X509 *issuer,
                               int64_t from, int64_t until);
/* Remember a good OCSP answer for key's certificate. */
void jpki_login_cache_put_good(struct jpki_login_cache *c, const uint8_t key[32],
                               int64_t this_update, int64_t next_update);
/* Remember the pseudonym of key's certificate. */
void jpki_login_cache_put_pseudonym(struct jpki_login_cache *c, const uint8_t key[32],
                                    const char *pseudonym);
/*
 * Forget the good answer for key's certificate: the responder said revoked or
 * unknown in an answer of this thisUpdate, and no good answer as old or older
 * is remembered again.
 */
void jpki_login_cache_drop_status(struct jpki_login_cache *c, const uint8_t key[32],
                                  int64_t this_update);

#endif
