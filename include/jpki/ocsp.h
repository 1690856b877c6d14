/*
 * jpki/ocsp.h: answering OCSP requests (RFC 6960) for the service's CAs.
 *
 * The responder signs with each CA's delegated responder certificate, kept
 * in <data>/ocsp/<kind>/ and made (or renewed) with the CA passphrase when
 * it is missing or near its end.  It reads the status of each certificate
 * from the registry at the moment of the request: never "good" after a
 * committed revocation.  One thread at a time per responder.
 */
#ifndef JPKI_PUBLIC_OCSP_H
#define JPKI_PUBLIC_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/ca.h"
#include "jpki/error.h"
#include "jpki/registry.h"

struct jpki_ocsp_responder;

/*
 * A responder for both CAs (sign_ca, auth_ca; borrowed, as is reg: all
 * must outlive it).  passphrase unlocks or makes the responder keys (copied
 * for their renewal).  Caller closes.
 */
JPKI_API JPKI_MUST_CHECK int
jpki_ocsp_responder_open(struct jpki_registry *reg, const struct jpki_ca *sign_ca,
                         const struct jpki_ca *auth_ca, const char *passphrase,
                         struct jpki_ocsp_responder **ret, struct jpki_err *err);
JPKI_API void jpki_ocsp_responder_close(struct jpki_ocsp_responder *o);

/*
 * The DER OCSPResponse to a DER OCSPRequest (*resp malloc'd: free()).  A
 * malformed or unknown request still gets an answer (an OCSP error status);
 * an error return means no answer could be made at all.
 */
JPKI_API JPKI_MUST_CHECK int jpki_ocsp_answer(struct jpki_ocsp_responder *o, const uint8_t *req,
                                              size_t req_len, uint8_t **resp, size_t *resp_len,
                                              struct jpki_err *err);

#endif
