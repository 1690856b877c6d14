/*
 * cades.h: making CAdES signatures (CMS SignedData, RFC 5652; ETSI EN 319
 * 122-1 baseline levels) whose signature value comes from elsewhere.
 *
 * The key is on a card (or behind PKCS#11, or on another machine), so a
 * signature is made in three steps that the two-step mode of `jpki sign`
 * also offers on their own:
 *   prepare   the SignedData with its signed attributes (content type,
 *             message digest, signing time, signing-certificate-v2) and an
 *             empty signature value;
 *   tbs       the DER DigestInfo (SHA-256) that the key signs (RSA PKCS#1
 *             v1.5 over these 51 bytes);
 *   finish    the signature value, checked against the signer's key.
 * Then the levels: B-T adds a signature time-stamp (RFC 3161 token over the
 * signature value), B-LT the CA certificates and revocation values (CRLs,
 * and OCSP responses as RFC 5940 other revocation information).
 */
#ifndef JPKI_SIG_CADES_H
#define JPKI_SIG_CADES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/pem.h> /* before cms.h: its PEM functions */
#include <openssl/cms.h>
#include <openssl/x509.h>

#include "jpki/api.h"
#include "jpki/error.h"

#define JPKI_DIGESTINFO_LEN 51            /* the DER DigestInfo of a SHA-256 hash */
#define JPKI_SIG_CONTENT_MAX (256u << 20) /* bytes of a document we sign or verify */
#define JPKI_SIG_DOC_MAX (4u << 20)       /* bytes of a signature file (CMS) */

/* The signed attributes' SHA-256, as the DigestInfo that RSA signs. */
int jpki_digestinfo_sha256(const uint8_t *data, size_t len, uint8_t out[JPKI_DIGESTINFO_LEN],
                           struct jpki_err *err);

/*
 * A new SignedData over content by signer (borrowed), with the content in it
 * when attached; signing_time is the claimed time (seconds since the epoch).
 */
JPKI_MUST_CHECK int jpki_cades_prepare(const uint8_t *content, size_t len, bool attached,
                                       X509 *signer, int64_t signing_time, CMS_ContentInfo **ret,
                                       struct jpki_err *err);
/* The DigestInfo the key signs: SHA-256 of the DER of the signed attributes. */
JPKI_MUST_CHECK int jpki_cades_tbs(CMS_ContentInfo *cms, uint8_t out[JPKI_DIGESTINFO_LEN],
                                   struct jpki_err *err);
/*
 * Put the signature value in, after checking it with the signer's public key
 * (a wrong key or a wrong value is INVALID and changes nothing).
 */
JPKI_MUST_CHECK int jpki_cades_finish(CMS_ContentInfo *cms, const uint8_t *sig, size_t len,
                                      struct jpki_err *err);

/* The one SignerInfo of a signature we make or extend (INVALID unless exactly one). */
JPKI_MUST_CHECK int jpki_cades_signer(CMS_ContentInfo *cms, CMS_SignerInfo **si,
                                      struct jpki_err *err);
/* B-T: the DER TimeStampToken (a ContentInfo) as the signature-time-stamp attribute. */
JPKI_MUST_CHECK int jpki_cades_add_timestamp(CMS_ContentInfo *cms, const uint8_t *tst, size_t len,
                                             struct jpki_err *err);
/* SHA-256 of the signature value: what the signature time-stamp covers. */
JPKI_MUST_CHECK int jpki_cades_sigvalue_hash(CMS_SignerInfo *si, uint8_t out[32],
                                             struct jpki_err *err);

/* The revocation values that B-LT embeds (DER, borrowed). */
struct jpki_blob {
	const uint8_t *p;
	size_t len;
};
struct jpki_revocation_values {
	struct jpki_blob ocsp[4]; /* OCSPResponse */
	size_t n_ocsp;
	struct jpki_blob crl[4]; /* CertificateList */
	size_t n_crl;
};

/*
 * The DER of cms with the certificates added to SignedData.certificates and
 * the revocation values to SignedData.crls (RFC 5652 §5.1; OCSP responses as
 * OtherRevocationInfoFormat id-ri-ocsp-response, RFC 5940 §4.1, which makes
 * the version 5).  *out is malloc'd.
 */
JPKI_MUST_CHECK int jpki_cades_encode(CMS_ContentInfo *cms, STACK_OF(X509) * certs,
                                      const struct jpki_revocation_values *rv, uint8_t **out,
                                      size_t *out_len, struct jpki_err *err);

/* A CMS signature from DER or PEM bytes (FORMAT: INVALID, naming what is wrong). */
JPKI_MUST_CHECK int jpki_cades_parse(const uint8_t *buf, size_t len, CMS_ContentInfo **ret,
                                     struct jpki_err *err);

/* ---- the whole signature, levels included (sign.c) ---- */

enum jpki_cades_level { JPKI_LEVEL_B, JPKI_LEVEL_T, JPKI_LEVEL_LT };

struct jpki_sign_opts {
	bool attached;
	enum jpki_cades_level level;
	const char *tsa_url;      /* B-T and up: the RFC 3161 TSA */
	STACK_OF(X509) * trusted; /* the CAs the TSA's and responder's answers must chain to */
	X509 *issuer;             /* B-LT: the signer's CA, embedded with its status */
	int64_t now;              /* the claimed signing time */
};

/* The key's side: RSA PKCS#1 v1.5 over the DigestInfo; *sig_len in (room), out (written). */
typedef int (*jpki_sign_fn)(void *arg, const uint8_t di[JPKI_DIGESTINFO_LEN], uint8_t *sig,
                            size_t *sig_len, struct jpki_err *err);

/* Sign content by signer with fn, at o->level; *out the DER (malloc'd). */
JPKI_MUST_CHECK int jpki_cades_sign(const uint8_t *content, size_t len, X509 *signer,
                                    const struct jpki_sign_opts *o, jpki_sign_fn fn, void *arg,
                                    uint8_t **out, size_t *out_len, struct jpki_err *err);
/*
 * Raise a signed cms to o->level (B-T: the time-stamp; B-LT: the time-stamp
 * when missing, then the issuer and the signer's current status by OCSP, or
 * by its CRL partition and delta when the responder does not answer); *out
 * the DER (malloc'd).  Used after the two-step finish and by --extend.
 */
JPKI_MUST_CHECK int jpki_cades_raise(CMS_ContentInfo *cms, const struct jpki_sign_opts *o,
                                     uint8_t **out, size_t *out_len, struct jpki_err *err);

static inline void cms_content_info_freep(CMS_ContentInfo **p)
{
	CMS_ContentInfo_free(*p);
}

#endif
