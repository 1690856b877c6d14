/*
 * pubkey.h: the subject public key a caller hands in for issuance.
 */
#ifndef JPKI_CA_PUBKEY_H
#define JPKI_CA_PUBKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "jpki/api.h"
#include "jpki/error.h"

#define JPKI_PUBKEY_FILE_MAX (64 * 1024)

/*
 * Parse a public key given as PEM or DER SubjectPublicKeyInfo, or as a PEM or
 * DER PKCS#10 request (whose self-signature must verify).  Only RSA keys of
 * 2048 to 4096 bits that pass OpenSSL's public-key check are accepted:
 * JPKI_E_WEAK_KEY below 2048 bits, JPKI_E_BAD_KEY for anything else wrong.
 * *ret is a new key the caller frees.
 */
JPKI_MUST_CHECK int jpki_pubkey_parse(const uint8_t *buf, size_t len, EVP_PKEY **ret,
                                      struct jpki_err *err);

/* jpki_pubkey_parse of a file (at most JPKI_PUBKEY_FILE_MAX bytes). */
JPKI_MUST_CHECK int jpki_pubkey_load(const char *path, EVP_PKEY **ret, struct jpki_err *err);

#endif
