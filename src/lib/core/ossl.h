/*
 * ossl.h: scope-bound ownership of OpenSSL objects.
 *
 * Declare `_cleanup_(x509_freep) X509 *cert = NULL;` and the certificate is
 * freed when it goes out of scope; hand it to a caller with TAKE_PTR(cert).
 * The free functions all accept NULL.
 */
#ifndef JPKI_CORE_OSSL_H
#define JPKI_CORE_OSSL_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) taken_ = (p);                                                        \
		(p) = NULL;                                                                        \
		taken_;                                                                            \
	})

#define JPKI_DEFINE_FREEP(type, fn)                                                                \
	static inline __attribute__((unused)) void type##p(type **p)                               \
	{                                                                                          \
		fn(*p);                                                                            \
	}

JPKI_DEFINE_FREEP(X509, X509_free)
JPKI_DEFINE_FREEP(X509_REQ, X509_REQ_free)
JPKI_DEFINE_FREEP(X509_CRL, X509_CRL_free)
JPKI_DEFINE_FREEP(X509_NAME, X509_NAME_free)
JPKI_DEFINE_FREEP(X509_EXTENSION, X509_EXTENSION_free)
JPKI_DEFINE_FREEP(X509_REVOKED, X509_REVOKED_free)
JPKI_DEFINE_FREEP(EVP_PKEY, EVP_PKEY_free)
JPKI_DEFINE_FREEP(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
JPKI_DEFINE_FREEP(EVP_MD_CTX, EVP_MD_CTX_free)
JPKI_DEFINE_FREEP(BIO, BIO_free_all)
JPKI_DEFINE_FREEP(BIGNUM, BN_free)
JPKI_DEFINE_FREEP(ASN1_INTEGER, ASN1_INTEGER_free)
JPKI_DEFINE_FREEP(ASN1_TIME, ASN1_TIME_free)
JPKI_DEFINE_FREEP(ASN1_OBJECT, ASN1_OBJECT_free)
JPKI_DEFINE_FREEP(ASN1_OCTET_STRING, ASN1_OCTET_STRING_free)
JPKI_DEFINE_FREEP(GENERAL_NAMES, GENERAL_NAMES_free)
JPKI_DEFINE_FREEP(GENERAL_NAME, GENERAL_NAME_free)
JPKI_DEFINE_FREEP(CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free)
JPKI_DEFINE_FREEP(CRL_DIST_POINTS, CRL_DIST_POINTS_free)
JPKI_DEFINE_FREEP(AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free)
JPKI_DEFINE_FREEP(AUTHORITY_KEYID, AUTHORITY_KEYID_free)
JPKI_DEFINE_FREEP(ASN1_BIT_STRING, ASN1_BIT_STRING_free)
JPKI_DEFINE_FREEP(BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free)

static inline void freep(void *p)
{
	free(*(void **)p);
}

#endif
