/*
 * xmldsig.h: XML signatures in the e-Government style (docs/relying-party.md,
 * "XML filings"): enveloped XMLDSig (W3C XML Signature 1.1) with one
 * Reference URI="" over the whole document, the enveloped-signature
 * transform, Canonical XML 1.0 (20010315), SHA-256 digests and RSA-SHA256,
 * and the signer's certificate in KeyInfo/X509Data.  libxmlsec1 (over
 * libcrypto) builds and checks them; the signature value comes from the card.
 */
#ifndef JPKI_SIG_XMLDSIG_H
#define JPKI_SIG_XMLDSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "jpki/error.h"
#include "sig/cades.h"

#define JPKI_XML_MAX (16u << 20) /* bytes of an XML filing we sign or verify */

/* XML from outside, as bytes: does it look like XML (a BOM, "<?xml" or "<")? */
bool jpki_looks_like_xml(const uint8_t *p, size_t len);

/*
 * Prepare an enveloped signature of xml by signer: the Signature element is
 * appended to the document element, its SignedInfo complete, its
 * SignatureValue a placeholder.  *prepared is the XML (malloc'd) and di the
 * DigestInfo of the canonical SignedInfo, which the key signs.
 */
JPKI_MUST_CHECK int jpki_xml_prepare(const uint8_t *xml, size_t len, X509 *signer,
                                     uint8_t **prepared, size_t *prepared_len,
                                     uint8_t di[JPKI_DIGESTINFO_LEN], struct jpki_err *err);
/*
 * Put the signature value into a prepared XML signature, after checking it
 * with the certificate of its KeyInfo; *out the signed XML (malloc'd).
 */
JPKI_MUST_CHECK int jpki_xml_finish(const uint8_t *prepared, size_t len, const uint8_t *sig,
                                    size_t sig_len, uint8_t **out, size_t *out_len,
                                    struct jpki_err *err);
/* Both, with the key's side in between. */
JPKI_MUST_CHECK int jpki_xml_sign(const uint8_t *xml, size_t len, X509 *signer, jpki_sign_fn fn,
                                  void *arg, uint8_t **out, size_t *out_len, struct jpki_err *err);

#endif
