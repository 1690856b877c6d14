/*
 * cursor.h: a bounded read cursor over bytes from outside.
 *
 * Every parser of outside input (date strings, key files, later APDUs and
 * HTTP bodies) reads through a struct jpki_cur.  A read that would run past
 * the end fails and leaves the cursor where it was; there is no way to get
 * a pointer beyond the end.
 */
#ifndef JPKI_CORE_CURSOR_H
#define JPKI_CORE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jpki_cur {
	const uint8_t *base;
	size_t len;
	size_t off;
};

static inline struct jpki_cur jpki_cur_make(const void *p, size_t len)
{
	struct jpki_cur c = {(const uint8_t *)p, p ? len : 0, 0};
	return c;
}

static inline size_t jpki_cur_left(const struct jpki_cur *c)
{
	return c->len - c->off;
}

static inline bool jpki_cur_done(const struct jpki_cur *c)
{
	return c->off == c->len;
}

/* Read one byte; false at the end. */
bool jpki_cur_u8(struct jpki_cur *c, uint8_t *out);
/* Peek at the next byte without consuming it; false at the end. */
bool jpki_cur_peek(const struct jpki_cur *c, uint8_t *out);
/* Borrow n bytes (pointer into the buffer); false if fewer remain. */
bool jpki_cur_take(struct jpki_cur *c, size_t n, const uint8_t **out);
/* Consume the literal byte b if it is next. */
bool jpki_cur_expect(struct jpki_cur *c, uint8_t b);
/* Read exactly ndigits ASCII decimal digits into *out. */
bool jpki_cur_digits(struct jpki_cur *c, unsigned ndigits, int *out);
/* Consume the literal text s (no NUL) if it is next; unmoved otherwise. */
bool jpki_cur_expect_str(struct jpki_cur *c, const char *s);
/* Two bytes, big-endian (ISO 7816 status words, vpcd frame lengths). */
bool jpki_cur_u16be(struct jpki_cur *c, uint16_t *out);
/*
 * A DER tag and definite length (short form, or long form of 1 to 4 bytes;
 * indefinite and longer forms refused); the cursor then stands at the
 * value, which may extend past what is left (the caller compares).
 */
bool jpki_cur_der_header(struct jpki_cur *c, uint8_t *tag, size_t *len);
/*
 * An unsigned decimal of one or more ASCII digits, all of them consumed; a
 * value above max reads as max + 1 (so a caller can say "too large" rather
 * than "not a number"; max must be below UINT64_MAX).  False, the cursor
 * unmoved, when no digit is next.
 */
bool jpki_cur_decimal(struct jpki_cur *c, uint64_t max, uint64_t *out);

#endif
