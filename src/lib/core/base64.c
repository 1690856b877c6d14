/*
 * base64.c: strict base64 (base64.h), over libcrypto's block coder.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/base64.h"

static bool alphabet(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int jpki_base64_decode(const char *s, size_t len, bool whitespace, uint8_t **out, size_t *out_len)
{
	if (len > (1u << 30))
		return -1;
	char *packed = malloc(len + 1);
	uint8_t *buf = NULL;
	size_t n = 0, pad = 0;
	int rc = -1;
	if (!packed)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (whitespace && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		if (c == '=')
			pad++;
		else if (!alphabet(c) || pad) /* data after padding, or outside the alphabet */
			goto out;
		packed[n++] = c;
	}
	if (n == 0 || n % 4 != 0 || pad > 2 || !(buf = malloc(n / 4 * 3)))
		goto out;
	int got = EVP_DecodeBlock(buf, (const unsigned char *)packed, (int)n);
	if (got < 0 || (size_t)got < pad)
		goto out;
	*out = buf, *out_len = (size_t)got - pad;
	buf = NULL;
	rc = 0;
out:
	free(packed);
	free(buf);
	return rc;
}

char *jpki_base64_encode(const uint8_t *p, size_t n)
{
	char *s = n <= (1u << 30) ? malloc(4 * ((n + 2) / 3) + 1) : NULL;
	if (s)
		EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

void jpki_base64url_32(const uint8_t in[32], char out[44])
{
	char b64[48];
	EVP_EncodeBlock((unsigned char *)b64, in, 32);
	for (int i = 0; i < 43; i++) /* RFC 4648 §5, without the one '=' of padding */
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	out[43] = '\0';
}
