/*
 * hex.h: certificate serial numbers as text.
 *
 * Serials are shown and stored as upper-case hex of their minimal
 * big-endian bytes (RFC 5280 §4.1.2.2: positive, at most 20 octets).
 */
#ifndef JPKI_CORE_HEX_H
#define JPKI_CORE_HEX_H

#include "jpki/api.h"
#include <stddef.h>
#include <stdint.h>

/* Parse hex (even or odd length, either case) into at most cap bytes. 0 or -1. */
JPKI_MUST_CHECK int jpki_serial_from_hex(const char *hex, uint8_t *out, size_t cap,
                                         size_t *ret_len);
/* The value of one hex digit (either case), or -1. */
int jpki_hex_digit(uint8_t c);
/* Write len bytes as upper-case hex plus NUL into out (room for 2*len+1). */
void jpki_hex_encode(const uint8_t *in, size_t len, char *out);

#endif
