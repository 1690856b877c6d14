/*
 * xmlsec_int.h: what the XML signature code shares (xmldsig.c makes,
 * verify_xml.c checks): libxmlsec1 set up once, XML read safely, a
 * libcrypto key handed to xmlsec.
 */
#ifndef JPKI_SIG_XMLSEC_INT_H
#define JPKI_SIG_XMLSEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <xmlsec/keys.h>

#include "jpki/error.h"

/* libxmlsec1 and libxml2 initialised (once per process). */
JPKI_MUST_CHECK int jpki_xmlsec_ready(struct jpki_err *err);
/* Outside XML: no network, no entities substituted, no DOCTYPE at all; INVALID otherwise. */
JPKI_MUST_CHECK int jpki_xml_parse(const uint8_t *p, size_t len, xmlDocPtr *ret,
                                   struct jpki_err *err);
/* The document as UTF-8 bytes (*out malloc'd). */
JPKI_MUST_CHECK int jpki_xml_dump(xmlDocPtr doc, uint8_t **out, size_t *out_len,
                                  struct jpki_err *err);
/* An xmlsec key holding pkey (a new reference); NULL when out of memory. */
xmlSecKeyPtr jpki_xmlsec_key(EVP_PKEY *pkey);

#endif
