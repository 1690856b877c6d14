/*
 * cursor.c: the bounded cursor.  Each function checks the remaining length
 * before it touches a byte and moves the offset only on success.
 */
#include <string.h>

#include "cursor.h"

bool jpki_cur_u8(struct jpki_cur *c, uint8_t *out)
{
	if (jpki_cur_left(c) < 1)
		return false;
	*out = c->base[c->off++];
	return true;
}

bool jpki_cur_peek(const struct jpki_cur *c, uint8_t *out)
{
	if (jpki_cur_left(c) < 1)
		return false;
	*out = c->base[c->off];
	return true;
}

bool jpki_cur_take(struct jpki_cur *c, size_t n, const uint8_t **out)
{
	if (jpki_cur_left(c) < n)
		return false;
	*out = c->base + c->off;
	c->off += n;
	return true;
}

bool jpki_cur_expect(struct jpki_cur *c, uint8_t b)
{
	if (jpki_cur_left(c) < 1 || c->base[c->off] != b)
		return false;
	c->off++;
	return true;
}

bool jpki_cur_digits(struct jpki_cur *c, unsigned ndigits, int *out)
{
	const uint8_t *p;
	int v = 0;
	if (ndigits == 0 || ndigits > 9 || !jpki_cur_take(c, ndigits, &p))
		return false;
	for (unsigned i = 0; i < ndigits; i++) {
		if (p[i] < '0' || p[i] > '9') {
			c->off -= ndigits;
			return false;
		}
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

bool jpki_cur_u16be(struct jpki_cur *c, uint16_t *out)
{
	const uint8_t *p;
	if (!jpki_cur_take(c, 2, &p))
		return false;
	*out = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

bool jpki_cur_der_header(struct jpki_cur *c, uint8_t *tag, size_t *len)
{
	size_t start = c->off, v = 0;
	uint8_t t, l0, b;
	if (!jpki_cur_u8(c, &t) || !jpki_cur_u8(c, &l0))
		goto fail;
	if (l0 < 0x80) {
		v = l0;
	} else {
		unsigned n = l0 & 0x7F;
		if (n == 0 || n > 4) /* indefinite, or more than a card or a CRL can hold */
			goto fail;
		while (n-- > 0) {
			if (!jpki_cur_u8(c, &b))
				goto fail;
			v = v << 8 | b;
		}
	}
	*tag = t;
	*len = v;
	return true;
fail:
	c->off = start;
	return false;
}

bool jpki_cur_decimal(struct jpki_cur *c, uint64_t max, uint64_t *out)
{
	uint8_t d;
	uint64_t v = 0;
	bool any = false, over = false;
	while (jpki_cur_peek(c, &d) && d >= '0' && d <= '9') {
		c->off++;
		any = true;
		if (!over && ((uint64_t)(d - '0') > max || v > (max - (uint64_t)(d - '0')) / 10))
			over = true;
		else if (!over)
			v = v * 10 + (uint64_t)(d - '0');
	}
	if (!any)
		return false;
	*out = over ? max + 1 : v;
	return true;
}

bool jpki_cur_expect_str(struct jpki_cur *c, const char *s)
{
	size_t n = strlen(s);
	if (jpki_cur_left(c) < n || memcmp(c->base + c->off, s, n) != 0)
		return false;
	c->off += n;
	return true;
}
