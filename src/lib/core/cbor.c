/*
 * cbor.c: the CBOR reader (cbor.h).  Every function reads through the
 * cursor and restores it on failure, so a caller can try one reading and
 * then another.
 */
#include <string.h>

#include "cbor.h"

/* RFC 8949 §3: the argument in the additional information or the 1, 2, 4, 8 bytes after. */
static bool argument(struct jpki_cur *c, uint8_t ai, uint64_t *arg)
{
	if (ai < 24) {
		*arg = ai;
		return true;
	}
	if (ai > 27) /* 28-30 reserved, 31 indefinite length (§3.2.2): refused */
		return false;
	size_t n = (size_t)1 << (ai - 24);
	const uint8_t *p;
	if (!jpki_cur_take(c, n, &p))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	*arg = v;
	return true;
}

bool jpki_cbor_head(struct jpki_cur *c, enum jpki_cbor_major *major, uint64_t *arg)
{
	size_t start = c->off;
	uint8_t b;
	if (!jpki_cur_u8(c, &b) || !argument(c, b & 0x1f, arg)) {
		c->off = start;
		return false;
	}
	*major = (enum jpki_cbor_major)(b >> 5);
	return true;
}

/* A head of the major type wanted, or the cursor unmoved. */
static bool head_of(struct jpki_cur *c, enum jpki_cbor_major want, uint64_t *arg)
{
	size_t start = c->off;
	enum jpki_cbor_major m;
	if (jpki_cbor_head(c, &m, arg) && m == want)
		return true;
	c->off = start;
	return false;
}

bool jpki_cbor_int(struct jpki_cur *c, int64_t *out)
{
	size_t start = c->off;
	enum jpki_cbor_major m;
	uint64_t v;
	if (!jpki_cbor_head(c, &m, &v) || (m != JPKI_CBOR_UINT && m != JPKI_CBOR_NEGINT) ||
	    v > INT64_MAX) {
		c->off = start;
		return false;
	}
	/* §3.1: major type 1 encodes -1 - argument */
	*out = m == JPKI_CBOR_UINT ? (int64_t)v : -1 - (int64_t)v;
	return true;
}

static bool string_of(struct jpki_cur *c, enum jpki_cbor_major want, const uint8_t **p, size_t *n)
{
	size_t start = c->off;
	uint64_t len;
	if (!head_of(c, want, &len) || len > jpki_cur_left(c) ||
	    !jpki_cur_take(c, (size_t)len, p)) {
		c->off = start;
		return false;
	}
	*n = (size_t)len;
	return true;
}

bool jpki_cbor_bytes(struct jpki_cur *c, const uint8_t **p, size_t *n)
{
	return string_of(c, JPKI_CBOR_BYTES, p, n);
}

bool jpki_cbor_text(struct jpki_cur *c, const uint8_t **p, size_t *n)
{
	return string_of(c, JPKI_CBOR_TEXT, p, n);
}

static bool count_of(struct jpki_cur *c, enum jpki_cbor_major want, uint64_t max, uint64_t *out)
{
	size_t start = c->off;
	uint64_t n;
	/* every item takes at least one byte: a count above what is left is a lie */
	if (!head_of(c, want, &n) || n > max || n > jpki_cur_left(c)) {
		c->off = start;
		return false;
	}
	*out = n;
	return true;
}

bool jpki_cbor_map(struct jpki_cur *c, uint64_t max, uint64_t *pairs)
{
	return count_of(c, JPKI_CBOR_MAP, max, pairs);
}

bool jpki_cbor_array(struct jpki_cur *c, uint64_t max, uint64_t *items)
{
	return count_of(c, JPKI_CBOR_ARRAY, max, items);
}

static bool skip_items(struct jpki_cur *c, uint64_t n, unsigned depth)
{
	for (uint64_t i = 0; i < n; i++)
		if (!jpki_cbor_skip(c, depth))
			return false;
	return true;
}

bool jpki_cbor_skip(struct jpki_cur *c, unsigned depth)
{
	size_t start = c->off;
	enum jpki_cbor_major m;
	uint64_t arg;
	const uint8_t *p;
	bool ok = jpki_cbor_head(c, &m, &arg);
	if (ok && (m == JPKI_CBOR_BYTES || m == JPKI_CBOR_TEXT))
		ok = arg <= jpki_cur_left(c) && jpki_cur_take(c, (size_t)arg, &p);
	else if (ok && (m == JPKI_CBOR_ARRAY || m == JPKI_CBOR_MAP || m == JPKI_CBOR_TAG))
		ok = depth > 0 && arg <= jpki_cur_left(c) &&
		     skip_items(c,
		                m == JPKI_CBOR_MAP   ? 2 * arg
		                : m == JPKI_CBOR_TAG ? 1
		                                     : arg,
		                depth - 1);
	if (!ok)
		c->off = start;
	return ok;
}

bool jpki_cbor_text_is(struct jpki_cur *c, const char *s)
{
	size_t start = c->off, n;
	const uint8_t *p;
	if (jpki_cbor_text(c, &p, &n) && n == strlen(s) && memcmp(p, s, n) == 0)
		return true;
	c->off = start;
	return false;
}
