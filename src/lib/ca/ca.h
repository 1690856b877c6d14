/*
 * ca.h: the two certification authorities of JPKI (docs/rules.md "Facts about the certificates").
 *
 * A struct jpki_ca holds one CA's certificate, its private key (decrypted
 * in memory only while the program runs) and the extensions every
 * certificate it issues carries, prepared once.  Only this module and the
 * CRL writer touch the private key.
 *
 * On disk, under <data>/ca/<sign|auth>/:
 *   cert.pem  the self-signed CA certificate
 *   key.pem   the private key, PKCS#8 encrypted with AES-256-CBC (PBKDF2),
 *             mode 0600; the passphrase is the caller's (the jpki program reads JPKI_CA_PASSPHRASE
 * or the file named by JPKI_CA_PASSPHRASE_FILE and is never stored.
 */
#ifndef JPKI_CA_CA_H
#define JPKI_CA_CA_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"
#include "jpki/records.h"

/* DER of the parts every certificate of a CA shares (owned, OPENSSL_malloc'd). */
struct jpki_ca_der {
	uint8_t *cert; /* the CA certificate itself */
	uint8_t *issuer, *key_usage, *policy, *issuer_alt, *aia, *akid;
	size_t cert_len, issuer_len, key_usage_len, policy_len, issuer_alt_len, aia_len, akid_len;
};

struct jpki_ca {
	const struct jpki_ctx *ctx; /* borrowed: data folder, base URL, clock */
	enum jpki_kind kind;
	X509 *cert;
	EVP_PKEY *key;
	/* prepared extensions of issued certificates (owned) */
	X509_EXTENSION *ext_key_usage, *ext_policy, *ext_issuer_alt, *ext_aia, *ext_akid;
	struct jpki_ca_der der;
	char ocsp_url[512], ca_url[512]; /* CRL URLs are per partition: jpki_partition_url */
};

/* A CA passphrase fit to use: at least 12 printable ASCII characters (else PASSPHRASE). */
JPKI_MUST_CHECK int jpki_ca_passphrase_check(const char *pass, struct jpki_err *err);

/*
 * Create the CA of `kind` if it does not exist yet (never overwrites).
 * *created says whether it was made now.  `now` is the issue instant.
 */
JPKI_MUST_CHECK int jpki_ca_init(const struct jpki_ctx *ctx, enum jpki_kind kind, int64_t now,
                                 const char *passphrase, bool *created, struct jpki_err *err);

/* Load the CA of `kind`; caller frees with jpki_ca_free(). */
JPKI_MUST_CHECK int jpki_ca_load(const struct jpki_ctx *ctx, enum jpki_kind kind,
                                 const char *passphrase, struct jpki_ca **ret,
                                 struct jpki_err *err);
/*
 * The CA of `kind` without its key (key NULL): what an OCSP responder machine
 * holds (docs/deployment.md).  Nothing that signs as the CA may be handed it.
 */
JPKI_MUST_CHECK int jpki_ca_load_public(const struct jpki_ctx *ctx, enum jpki_kind kind,
                                        struct jpki_ca **ret, struct jpki_err *err);
/* Load only the CA certificate (no passphrase needed); caller frees. */
JPKI_MUST_CHECK int jpki_ca_load_cert(const struct jpki_ctx *ctx, enum jpki_kind kind, X509 **ret,
                                      struct jpki_err *err);

void jpki_ca_free(struct jpki_ca *ca);
static inline void jpki_ca_freep(struct jpki_ca **ca)
{
	jpki_ca_free(*ca);
}

/* Path of a CA file ("cert.pem", "key.pem") into buf. */
JPKI_MUST_CHECK int jpki_ca_path(const struct jpki_ctx *ctx, enum jpki_kind kind, const char *file,
                                 char *buf, size_t cap, struct jpki_err *err);

/* Fill `len` bytes (8..20) with a positive serial whose first byte is 0x01..0x7F. */
JPKI_MUST_CHECK int jpki_random_serial(uint8_t *out, size_t len, struct jpki_err *err);

/* Set x's serialNumber to the big-endian bytes serial. 0 or -1. */
JPKI_MUST_CHECK int jpki_set_serial(X509 *x, const uint8_t *serial, size_t len);

/* SHA-1 of the subjectPublicKey BIT STRING (RFC 5280 §4.2.1.2, method 1). */
JPKI_MUST_CHECK int jpki_key_id(X509_PUBKEY *pub, uint8_t out[20], struct jpki_err *err);

#endif
