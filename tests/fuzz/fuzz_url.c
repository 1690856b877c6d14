/*
 * fuzz_url.c: jpki_url_unescape, which decodes the path of every HTTP
 * request before it is routed.
 *
 * Checks: the result is never longer than the input, holds no NUL before its
 * end, and says "control" exactly when a byte below 0x20 or DEL is in it;
 * with no '%' in the input it is unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t in_len = strlen(s);
	char *orig = strdup(s);
	bool control;
	size_t n = jpki_url_unescape(s, &control);
	if (!orig || n > in_len || strlen(s) != n)
		abort();
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= (unsigned char)s[i] < 0x20 || s[i] == 0x7F;
	if (any != control)
		abort();
	if (!strchr(orig, '%') && strcmp(orig, s) != 0)
		abort();
	free(orig);
	free(s);
	return 0;
}
