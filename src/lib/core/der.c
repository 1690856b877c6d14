/*
 * der.c: DER tag-length-value reading and header writing.
 */
#include "der.h"

static bool read_len(struct jpki_cur *c, size_t *len)
{
	uint8_t b;
	if (!jpki_cur_u8(c, &b))
		return false;
	if (b < 0x80) {
		*len = b;
		return true;
	}
	unsigned n = b & 0x7F;
	if (n == 0 || n > 4) /* indefinite (BER) or beyond 4 GiB */
		return false;
	size_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!jpki_cur_u8(c, &b) || (i == 0 && b == 0))
			return false; /* X.690 §10.1: no leading zero octets */
		v = v << 8 | b;
	}
	if (v < 0x80)
		return false; /* would fit the short form */
	*len = v;
	return true;
}

bool jpki_der_read(struct jpki_cur *c, uint8_t tag, struct jpki_cur *content)
{
	size_t start = c->off, len;
	uint8_t t;
	const uint8_t *p;
	if (!jpki_cur_u8(c, &t) || t != tag || !read_len(c, &len) || !jpki_cur_take(c, len, &p)) {
		c->off = start;
		return false;
	}
	*content = jpki_cur_make(p, len);
	return true;
}

bool jpki_der_uint(struct jpki_cur *c, struct jpki_cur *mag)
{
	size_t start = c->off;
	struct jpki_cur v;
	if (!jpki_der_read(c, DER_INTEGER, &v) || v.len == 0)
		goto fail;
	if (v.base[0] & 0x80)
		goto fail; /* negative */
	if (v.base[0] == 0 && v.len > 1 && !(v.base[1] & 0x80))
		goto fail; /* not minimal */
	if (v.base[0] == 0 && v.len > 1)
		v = jpki_cur_make(v.base + 1, v.len - 1);
	*mag = v;
	return true;
fail:
	c->off = start;
	return false;
}

size_t jpki_der_len_size(size_t len)
{
	size_t n = 1;
	if (len >= 0x80)
		for (size_t v = len; v; v >>= 8)
			n++;
	return n;
}

size_t jpki_der_put_header(uint8_t *out, uint8_t tag, size_t len)
{
	size_t n = jpki_der_len_size(len);
	out[0] = tag;
	if (n == 1) {
		out[1] = (uint8_t)len;
	} else {
		out[1] = (uint8_t)(0x80 | (n - 1));
		for (size_t i = 0; i < n - 1; i++)
			out[1 + n - 1 - i] = (uint8_t)(len >> (8 * i));
	}
	return 1 + n;
}
