/*
 * cbor.h: a reader of CBOR (RFC 8949) over the bounded cursor, for the
 * little CBOR that comes from outside: WebAuthn's attestation objects,
 * authenticator data extensions and COSE keys (operator/webauthn_parse.c).
 *
 * It reads one data item's head at a time and skips whole items, with
 * definite lengths only (CTAP2 canonical CBOR has no other, RFC 8949 §3.2.2
 * indefinite lengths are refused), at most JPKI_CBOR_DEPTH levels of
 * nesting, and never a length beyond what is left in the buffer.  A failed
 * read leaves the cursor where it was.
 */
#ifndef JPKI_CORE_CBOR_H
#define JPKI_CORE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"

#define JPKI_CBOR_DEPTH 8

enum jpki_cbor_major { /* RFC 8949 §3.1 */
	               JPKI_CBOR_UINT = 0,
	               JPKI_CBOR_NEGINT = 1,
	               JPKI_CBOR_BYTES = 2,
	               JPKI_CBOR_TEXT = 3,
	               JPKI_CBOR_ARRAY = 4,
	               JPKI_CBOR_MAP = 5,
	               JPKI_CBOR_TAG = 6,
	               JPKI_CBOR_SIMPLE = 7,
};

/*
 * One item's head: its major type and argument (a value, a length, a
 * count, a tag number or a simple value; for floats their bits).  Refuses
 * the reserved additional information 28-30 and indefinite lengths (31).
 */
bool jpki_cbor_head(struct jpki_cur *c, enum jpki_cbor_major *major, uint64_t *arg);
/* An integer (major 0 or 1) that fits an int64_t. */
bool jpki_cbor_int(struct jpki_cur *c, int64_t *out);
/* A byte string (major 2): borrowed pointer and length, all of it in the buffer. */
bool jpki_cbor_bytes(struct jpki_cur *c, const uint8_t **p, size_t *n);
/* A text string (major 3), borrowed as bytes (not NUL-terminated, not checked for UTF-8). */
bool jpki_cbor_text(struct jpki_cur *c, const uint8_t **p, size_t *n);
/* A map's head (major 5): its number of pairs, at most max. */
bool jpki_cbor_map(struct jpki_cur *c, uint64_t max, uint64_t *pairs);
/* An array's head (major 4): its number of items, at most max. */
bool jpki_cbor_array(struct jpki_cur *c, uint64_t max, uint64_t *items);
/* Skip one whole item, nested at most depth levels (JPKI_CBOR_DEPTH from the top). */
bool jpki_cbor_skip(struct jpki_cur *c, unsigned depth);
/* Whether the next item is a text string equal to s (the cursor moves past it if so). */
bool jpki_cbor_text_is(struct jpki_cur *c, const char *s);

#endif
