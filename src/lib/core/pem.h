/*
 * pem.h: PEM text of DER objects (RFC 7468), for output to people and files.
 */
#ifndef JPKI_CORE_PEM_H
#define JPKI_CORE_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"

/* "-----BEGIN <label>-----" ... as a new NUL-terminated string the caller frees. */
JPKI_MUST_CHECK int jpki_pem_encode(const char *label, const uint8_t *der, size_t len, char **ret,
                                    struct jpki_err *err);

#endif
