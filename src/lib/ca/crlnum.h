/*
 * crlnum.h: cRLNumbers that never go backwards (RFC 5280 §5.2.3).
 *
 * The registry holds each CA's counter; the CA's folder keeps the last
 * number issued as well (<data>/ca/<kind>/crl-number), and a number the
 * registry hands out that is not above it is refused: a registry restored
 * from an old backup, emptied or replaced cannot make a CA reuse a number.
 * Draws are serialised across processes by an flock on the CA's folder.
 */
#ifndef JPKI_CA_CRLNUM_H
#define JPKI_CA_CRLNUM_H

#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"
#include "jpki/records.h"
#include "store/store.h"

/* The next cRLNumber of CA kind, recorded in the registry and beside the CA. */
JPKI_MUST_CHECK int jpki_crl_number_draw(const struct jpki_ctx *ctx, struct jpki_store *st,
                                         enum jpki_kind kind, int64_t *out, struct jpki_err *err);
/* The last cRLNumber the CA issued, as kept beside it (0 when it never issued one). */
JPKI_MUST_CHECK int jpki_crl_number_last(const struct jpki_ctx *ctx, enum jpki_kind kind,
                                         int64_t *out, struct jpki_err *err);

#endif
