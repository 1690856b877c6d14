/*
 * jpki/ca.h: a CA of the service, opened from the context's data folder.
 *
 * The signature CA and the authentication CA (JPKI_KIND_SIGN, _AUTH) live
 * under <data>/ca/<kind>/ (`jpki init` makes them).  An open CA holds its
 * private key in memory until it is closed.
 */
#ifndef JPKI_PUBLIC_CA_H
#define JPKI_PUBLIC_CA_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"
#include "jpki/records.h"

struct jpki_ca;

/*
 * Open the CA of kind with its key, decrypted with passphrase (not kept).
 * ctx is borrowed and must outlive the CA.  Caller closes.
 */
JPKI_API JPKI_MUST_CHECK int jpki_ca_open(const struct jpki_ctx *ctx, enum jpki_kind kind,
                                          const char *passphrase, struct jpki_ca **ret,
                                          struct jpki_err *err);
JPKI_API void jpki_ca_close(struct jpki_ca *ca);
/* The CA certificate as DER, borrowed: valid while the CA is open. */
JPKI_API void jpki_ca_certificate(const struct jpki_ca *ca, const uint8_t **der, size_t *len);

#endif
