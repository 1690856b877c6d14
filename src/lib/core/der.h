/*
 * der.h: reading DER (ITU-T X.690 §10) through the bounded cursor.
 *
 * Only definite, minimally encoded lengths are accepted (DER); a read
 * that fails leaves the cursor where it was.
 */
#ifndef JPKI_CORE_DER_H
#define JPKI_CORE_DER_H

#include "cursor.h"

#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_SEQUENCE 0x30

/* Read one element with the given tag; *content covers its value bytes. */
bool jpki_der_read(struct jpki_cur *c, uint8_t tag, struct jpki_cur *content);
/* Read a positive, minimally encoded INTEGER; *mag is its magnitude without the sign byte. */
bool jpki_der_uint(struct jpki_cur *c, struct jpki_cur *mag);
/* Bytes needed for a DER length field of len. */
size_t jpki_der_len_size(size_t len);
/* Write tag and length of len at out (room for 1 + jpki_der_len_size(len)); returns bytes. */
size_t jpki_der_put_header(uint8_t *out, uint8_t tag, size_t len);

#endif
