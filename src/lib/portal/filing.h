/*
 * filing.h: "sign a filing" at the demo portal, the two-step signing of
 * sig/cades.h with the key on the holder's card:
 *   prepare  a detached CAdES SignedData over the filing by the holder's
 *            signature certificate, and the SHA-256 hash its key signs
 *            (the last 32 bytes of the DigestInfo);
 *   finish   the card's signature put in and checked, raised to B-LT (a
 *            time-stamp from the service's TSA, the CA and the signer's
 *            status embedded), then verified as any relying party would
 *            (jpki/verify.h) before the portal keeps it.
 * Whose certificate it is the linking service says (portal_http.c): the
 * portal refuses one that belongs to someone else.
 */
#ifndef JPKI_PORTAL_FILING_H
#define JPKI_PORTAL_FILING_H

#include <stdint.h>

#include "accounts.h"
#include "sig/cades.h"
#include "sig/revinfo.h"

struct jpki_portal_signing {
	X509 *sign_ca;               /* the signature CA: trusted, embedded */
	const char *tsa_url;         /* the service's TSA */
	jpki_ocsp_send_fn ocsp_send; /* how the verifier asks the signer's status */
	void *ocsp_arg;
};

/* The SignedData over doc by the certificate cert_der (DER) at now, and the hash to sign. */
JPKI_MUST_CHECK int jpki_portal_filing_prepare(const struct jpki_portal_signing *sg,
                                               const uint8_t *cert_der, size_t cert_len,
                                               const uint8_t *doc, size_t doc_len, int64_t now,
                                               CMS_ContentInfo **cms, uint8_t hash[32],
                                               struct jpki_err *err);
/*
 * The signature sig into cms (INVALID when it is not the certificate's
 * signature of it), raised and verified: *der the signature file
 * (malloc'd), f's indication and subindication the verifier's.
 */
JPKI_MUST_CHECK int jpki_portal_filing_finish(const struct jpki_portal_signing *sg,
                                              CMS_ContentInfo *cms, const uint8_t *sig,
                                              size_t sig_len, const uint8_t *doc, size_t doc_len,
                                              int64_t now, uint8_t **der, size_t *der_len,
                                              struct jpki_portal_filing *f, struct jpki_err *err);

#endif
