/*
 * cursor.c: the bounded cursor.  Each function checks the remaining length
 * before it touches a byte and moves the offset only on success.
 */
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
