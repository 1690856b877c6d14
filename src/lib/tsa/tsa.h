/*
 * tsa.h: the service's time-stamping authority (RFC 3161).
 *
 * A key certified by the signature CA for time-stamping only (extended key
 * usage id-kp-timeStamping, critical: RFC 3161 §2.3), stored, issued and
 * rolled over like the OCSP responders (status/responder.h) under
 * <data>/tsa/sign/.  A token carries our policy, the accuracy of the clock
 * (1 second), the requester's nonce, and a serial number from the registry
 * that only ever grows.  docs/tsa.md.
 */
#ifndef JPKI_TSA_TSA_H
#define JPKI_TSA_TSA_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "status/responder.h"
#include "store/store.h"

/* Our TSA policy: an OID under 2.25 (ITU-T X.667, a UUID), ours to mint. */
#define JPKI_TSA_POLICY "2.25.322331786687971669174812321304786867457"
#define JPKI_TSA_REQUEST_MAX 4096 /* bytes: a request is a hash and a few fields */

extern const struct jpki_service_profile jpki_tsa_profile;

struct jpki_tsa;

/*
 * The TSA of the signature CA `ca` (its key loaded, or issued when missing
 * or due for rollover), drawing serials from st (borrowed, outlives it).
 */
JPKI_MUST_CHECK int jpki_tsa_open(const struct jpki_ca *ca, const char *passphrase, int64_t now,
                                  struct jpki_store *st, struct jpki_tsa **ret,
                                  struct jpki_err *err);
void jpki_tsa_free(struct jpki_tsa *t);
static inline void jpki_tsa_freep(struct jpki_tsa **t)
{
	jpki_tsa_free(*t);
}

/* The TSA's certificate (borrowed). */
X509 *jpki_tsa_cert(const struct jpki_tsa *t);

/*
 * Answer a TimeStampReq (DER, outside bytes) at `now`: *ret a new
 * TimeStampResp (DER, free() it).  A request that is malformed or asks for
 * what we do not offer gets a response with status rejection and its
 * failInfo (RFC 3161 §2.4.2), not an error; an error is ours (the clock,
 * the registry, the signature).
 */
JPKI_MUST_CHECK int jpki_tsa_respond(struct jpki_tsa *t, int64_t now, const uint8_t *req,
                                     size_t len, uint8_t **ret, size_t *ret_len,
                                     struct jpki_err *err);

#endif
