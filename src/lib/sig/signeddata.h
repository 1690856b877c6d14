/*
 * signeddata.h: the fields of a CMS SignedData (RFC 5652 §5.1) as byte
 * ranges, read through the bounded cursor, and the same SignedData written
 * again with more revocation information.
 *
 * libcrypto reads and writes SignedData but offers no way to add or read an
 * OtherRevocationInfoFormat (RFC 5940: OCSP responses in SignedData.crls),
 * which CAdES B-LT needs; this module does only that.
 */
#ifndef JPKI_SIG_SIGNEDDATA_H
#define JPKI_SIG_SIGNEDDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "core/cursor.h"
#include "jpki/error.h"
#include "sig/certcache.h"

struct jpki_elem {
	const uint8_t *p; /* the whole element: tag, length, value */
	size_t len;
};

struct jpki_signeddata {
	struct jpki_elem version, digest_algs, encap, certs, crls, signer_infos;
	bool has_certs, has_crls;
};

/* Split a DER ContentInfo of type id-signedData (INVALID if it is not one). */
JPKI_MUST_CHECK int jpki_sd_split(const uint8_t *der, size_t len, struct jpki_signeddata *sd,
                                  struct jpki_err *err);

enum jpki_rev_kind { JPKI_REV_CRL, JPKI_REV_OCSP };
/*
 * Each revocation value in SignedData.crls: a CertificateList, or an OCSP
 * response of an OtherRevocationInfoFormat id-ri-ocsp-response; other
 * formats are skipped.  A callback's nonzero return stops the walk and is
 * returned.
 */
typedef int (*jpki_rev_cb)(enum jpki_rev_kind kind, const uint8_t *der, size_t len, void *arg);
JPKI_MUST_CHECK int jpki_sd_revocations(const struct jpki_signeddata *sd, jpki_rev_cb cb, void *arg,
                                        struct jpki_err *err);

/*
 * The ContentInfo again, with the CRLs (DER CertificateList) and OCSP
 * responses (DER OCSPResponse) added to SignedData.crls, the SET kept in DER
 * order, and version 5 when an OCSP response is in it.  *out malloc'd.
 */
struct jpki_sd_add {
	const uint8_t *const *crl;
	const size_t *crl_len;
	size_t n_crl;
	const uint8_t *const *ocsp;
	const size_t *ocsp_len;
	size_t n_ocsp;
};
JPKI_MUST_CHECK int jpki_sd_rebuild(const struct jpki_signeddata *sd, const struct jpki_sd_add *add,
                                    uint8_t **out, size_t *out_len, struct jpki_err *err);

/*
 * A DER ContentInfo of a SignedData (a CMS signature, a time-stamp token)
 * split from its certificates: *stripped is the same without
 * SignedData.certificates (malloc'd), and its certificates are pushed onto
 * certs, from cache when they are there (certcache.h).
 */
JPKI_MUST_CHECK int jpki_sd_strip_certs(const uint8_t *der, size_t len,
                                        struct jpki_cert_cache *cache, STACK_OF(X509) * certs,
                                        uint8_t **stripped, size_t *stripped_len,
                                        struct jpki_err *err);

#endif
