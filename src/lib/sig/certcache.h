/*
 * certcache.h: certificates decoded once.
 *
 * libcrypto 3.0 decodes a certificate's public key through its provider
 * decoders, about 0.1 ms each: more than the RSA verification it is for.
 * Every document of a service carries the same CA, TSA and OCSP responder
 * certificates, so the verifier keeps the ones it has decoded, by the
 * SHA-256 of their DER, and the signatures, time-stamp tokens and OCSP
 * responses are read without their certificate fields, which come from here.
 */
#ifndef JPKI_SIG_CERTCACHE_H
#define JPKI_SIG_CERTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "jpki/error.h"

#define JPKI_CERT_CACHE 64

struct jpki_cert_cache;

JPKI_MUST_CHECK int jpki_cert_cache_new(struct jpki_cert_cache **ret, struct jpki_err *err);
void jpki_cert_cache_free(struct jpki_cert_cache *c);

/* The certificate of der (a new reference), from c or decoded (c may be NULL); NULL if it is none.
 */
X509 *jpki_cert_cache_get(struct jpki_cert_cache *c, const uint8_t *der, size_t len);

/*
 * Each Certificate in the contents of a SET OF or SEQUENCE OF (other
 * CertificateChoices are skipped), pushed onto out.  INVALID when one does
 * not decode.
 */
JPKI_MUST_CHECK int jpki_cert_cache_list(struct jpki_cert_cache *c, const uint8_t *p, size_t len,
                                         STACK_OF(X509) * out, struct jpki_err *err);

#endif
