/*
 * hex.c: hex text for serial numbers, parsed through the bounded cursor.
 */
#include <string.h>

#include "cursor.h"
#include "hex.h"

int jpki_hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int jpki_serial_from_hex(const char *hex, uint8_t *out, size_t cap, size_t *ret_len)
{
	if (!hex)
		return -1;
	size_t n = strnlen(hex, 2 * cap + 1);
	if (n == 0 || n > 2 * cap)
		return -1;
	struct jpki_cur c = jpki_cur_make(hex, n);
	size_t len = 0;
	uint8_t ch;
	if (n % 2 == 1) { /* odd length: a leading half byte */
		int v;
		if (!jpki_cur_u8(&c, &ch) || (v = jpki_hex_digit(ch)) < 0)
			return -1;
		out[len++] = (uint8_t)v;
	}
	while (!jpki_cur_done(&c)) {
		uint8_t hi, lo;
		if (!jpki_cur_u8(&c, &hi) || !jpki_cur_u8(&c, &lo) || jpki_hex_digit(hi) < 0 ||
		    jpki_hex_digit(lo) < 0)
			return -1;
		out[len++] = (uint8_t)(jpki_hex_digit(hi) << 4 | jpki_hex_digit(lo));
	}
	*ret_len = len;
	return 0;
}

void jpki_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
