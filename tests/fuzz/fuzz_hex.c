/*
 * fuzz_hex.c: jpki_serial_from_hex, the parser of serial numbers typed on
 * the command line or read from requests.
 *
 * The first input byte picks the output capacity (0 to 31 bytes), the rest
 * is the NUL-terminated text.  An accepted serial must fit the capacity and
 * encode back to the same hex (upper case, a leading 0 for odd lengths).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = data[0] % 32;
	char *s = malloc(size);
	uint8_t *out = malloc(cap ? cap : 1);
	if (!s || !out)
		goto done;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	size_t len = 0;
	if (jpki_serial_from_hex(s, out, cap, &len) == 0) {
		size_t n = strlen(s);
		if (len > cap || len != (n + 1) / 2)
			abort();
		char *back = malloc(2 * len + 1);
		if (!back)
			goto done;
		jpki_hex_encode(out, len, back);
		const char *cmp = back + (n % 2); /* skip the padding 0 of odd input */
		for (size_t i = 0; i < n; i++)
			if (toupper((unsigned char)s[i]) != cmp[i])
				abort();
		free(back);
	}
done:
	free(s);
	free(out);
	return 0;
}
