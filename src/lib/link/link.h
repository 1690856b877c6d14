/*
 * link.h: the linking service (docs/login.md, "The linking service"), the
 * JPKI practice of "link information" for registered relying parties.
 *
 * A relying party learns a pseudonym for the holder of an authentication
 * certificate: HMAC-SHA256 under the registry's link secret of its own id
 * and the resident the certificate was issued to.  A renewal or a move
 * gives the holder a new certificate, never a new resident, so the
 * pseudonym stays; two relying parties' pseudonyms cannot be correlated.
 * A relying party registered for it may also ask whether a signature
 * certificate belongs to the same person as an authentication certificate,
 * and learns yes or no, nothing else.
 *
 * Every call authenticates the relying party by its id and access key and
 * is logged (link_access, append-only) before it answers: refusals too.
 */
#ifndef JPKI_LINK_LINK_H
#define JPKI_LINK_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"
#include "store/store.h"

#define JPKI_LINK_KEY_LEN 43       /* an access key: base64url of 32 random bytes */
#define JPKI_LINK_PSEUDONYM_LEN 43 /* base64url of an HMAC-SHA256 */

/* An id of [a-z0-9.-], 1 to 64 characters, starting with a letter or digit. */
bool jpki_link_rp_id_ok(const char *id);

/*
 * Register relying party id (name: for people, 1 to 128 bytes of text) and
 * make its access key (out, shown once: only its SHA-256 is kept).  EXISTS
 * when the id is taken.
 */
JPKI_MUST_CHECK int jpki_link_rp_register(struct jpki_store *st, const char *id, const char *name,
                                          bool may_link_signature, int64_t now,
                                          char key[JPKI_LINK_KEY_LEN + 1], struct jpki_err *err);

/*
 * The pseudonym of the holder of auth_der (an authentication certificate
 * this registry issued, byte for byte) for relying party rp_id:
 * UNAUTHENTICATED for an unknown, disabled or wrong id and key, NOT_FOUND
 * for a certificate the registry did not issue, INVALID for one that is not
 * an authentication certificate or not DER.
 */
JPKI_MUST_CHECK int jpki_link_pseudonym(struct jpki_store *st, const char *rp_id, const char *key,
                                        const uint8_t *auth_der, size_t auth_len, int64_t now,
                                        char out[JPKI_LINK_PSEUDONYM_LEN + 1],
                                        struct jpki_err *err);

/*
 * Whether the signature certificate sign_der and the authentication
 * certificate auth_der were issued to the same person: DENIED for a relying
 * party not registered for it; otherwise as jpki_link_pseudonym.
 */
JPKI_MUST_CHECK int jpki_link_same_person(struct jpki_store *st, const char *rp_id, const char *key,
                                          const uint8_t *auth_der, size_t auth_len,
                                          const uint8_t *sign_der, size_t sign_len, int64_t now,
                                          bool *same, struct jpki_err *err);

#endif
