/*
 * base64.c: strict base64 (base64.h): decoded here, encoded by libcrypto's block coder.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/base64.h"

/*
 * Each byte's value (RFC 4648 §4, Table 1), -1 outside the alphabet: a
 * table, since base64's characters are random and every range test
 * mispredicts.
 */
static int8_t values[256];
static pthread_once_t values_once = PTHREAD_ONCE_INIT;

static void values_make(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	memset(values, -1, sizeof(values));
	for (int i = 0; i < 64; i++)
		values[(uint8_t)alphabet[i]] = (int8_t)i;
}

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The one or two bytes of a last quantum cut short by pad '=' (its sextets in acc). */
static size_t tail(uint32_t acc, size_t pad, uint8_t *o)
{
	if (pad == 1) { /* three sextets: 18 bits, two bytes */
		acc <<= 6;
		o[0] = (uint8_t)(acc >> 16), o[1] = (uint8_t)(acc >> 8);
		return 2;
	}
	o[0] = (uint8_t)(acc << 12 >> 16); /* two sextets: 12 bits, one byte */
	return 1;
}

/*
 * Four characters of the alphabet at s, as three bytes at o; false (nothing
 * written) when one of them is anything else.
 */
static bool quantum(const char *s, uint8_t *o)
{
	int8_t a = values[(uint8_t)s[0]], b = values[(uint8_t)s[1]], c = values[(uint8_t)s[2]],
	       d = values[(uint8_t)s[3]];
	if ((a | b | c | d) < 0)
		return false;
	uint32_t acc = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
	o[0] = (uint8_t)(acc >> 16), o[1] = (uint8_t)(acc >> 8), o[2] = (uint8_t)acc;
	return true;
}

/*
 * One pass, decoding as it checks (the decoded form is at most 3/4 of the
 * text): whole quanta at once while they are nothing but the alphabet, one
 * character at a time around white space and padding.  libcrypto's block
 * decoder after a checking copy cost twice as much, and a login token
 * carries 2 KB of base64.
 */
int jpki_base64_decode(const char *s, size_t len, bool whitespace, uint8_t **out, size_t *out_len)
{
	uint8_t *buf = len <= (1u << 30) ? malloc(len / 4 * 3 + 3) : NULL;
	uint32_t acc = 0;
	size_t n = 0, pad = 0, o = 0; /* characters (padding included), '=', bytes out */
	if (!buf)
		return -1;
	pthread_once(&values_once, values_make);
	for (size_t i = 0; i < len; i++) {
		while (n % 4 == 0 && !pad && len - i >= 4 && quantum(s + i, buf + o)) {
			i += 4;
			n += 4;
			o += 3;
		}
		if (i == len)
			break;
		uint8_t c = (uint8_t)s[i];
		int v = values[c];
		if (v < 0 && whitespace && blank(c))
			continue;
		if (v < 0 && c != '=')
			goto bad;
		n++;
		if (v < 0) {
			pad++;
			continue;
		}
		if (pad) /* data after padding */
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (n % 4 == 0) {
			buf[o++] = (uint8_t)(acc >> 16), buf[o++] = (uint8_t)(acc >> 8);
			buf[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (n == 0 || n % 4 != 0 || pad > 2)
		goto bad;
	if (pad)
		o += tail(acc, pad, buf + o);
	*out = buf, *out_len = o;
	return 0;
bad:
	free(buf);
	return -1;
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

int jpki_base64url_decode(const char *s, size_t len, uint8_t **out, size_t *out_len)
{
	if (len > (SIZE_MAX - 4) / 2 || len % 4 == 1)
		return -1;
	char *std = malloc(len + 4);
	if (!std)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+' || c == '/' || c == '=') { /* RFC 4648 §5: not of this alphabet */
			free(std);
			return -1;
		}
		std[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	while (n % 4)
		std[n++] = '=';
	int rc = jpki_base64_decode(std, n, false, out, out_len);
	free(std);
	return rc;
}

char *jpki_base64url_encode(const uint8_t *p, size_t n)
{
	char *b = jpki_base64_encode(p, n);
	if (!b)
		return NULL;
	size_t len = strlen(b);
	while (len && b[len - 1] == '=')
		b[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		b[i] = b[i] == '+' ? '-' : b[i] == '/' ? '_' : b[i];
	return b;
}
