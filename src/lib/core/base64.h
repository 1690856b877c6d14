/*
 * base64.h: base64 (RFC 4648 §4) in one place: padded, decoded strictly.
 * The URL-safe, percent-escaped form of OCSP GET requests has its own
 * decoder (http/ocsp_http.c).
 */
#ifndef JPKI_CORE_BASE64_H
#define JPKI_CORE_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decode the len characters at s: the alphabet and padding only, a length
 * that is a multiple of 4, '=' only at the end; with whitespace, spaces,
 * tabs and line breaks between characters are skipped (PEM bodies, XML
 * base64Binary).  *out malloc'd (caller frees).  -1 when it is not base64.
 */
int jpki_base64_decode(const char *s, size_t len, bool whitespace, uint8_t **out, size_t *out_len);
/* The base64 of n bytes, NUL-terminated, malloc'd; NULL when out of memory. */
char *jpki_base64_encode(const uint8_t *p, size_t n);

/*
 * Unpadded base64url (RFC 4648 §5, WebAuthn's fields): decode the len
 * characters at s (*out malloc'd; -1 when it is not base64url), encode n
 * bytes (malloc'd; NULL when out of memory).
 */
int jpki_base64url_decode(const char *s, size_t len, uint8_t **out, size_t *out_len);
char *jpki_base64url_encode(const uint8_t *p, size_t n);

/* 32 bytes as 43 characters of unpadded base64url (RFC 4648 §5): pseudonyms and keys. */
void jpki_base64url_32(const uint8_t in[32], char out[44]);

#endif
