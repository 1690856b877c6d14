/*
 * token.h: the JSON of a Web eID token (RFC 8259), read in one pass through
 * the bounded cursor, for the five fields the validator uses.
 *
 * jansson took 40 to 50 µs on a 2.3 KB token, more than the RSA verification
 * of its signature: every login paid it.  This reader decodes only what the
 * token is made of and checks the rest for its grammar.  It accepts no
 * input that jansson's json_loadb(JSON_REJECT_DUPLICATES) and json_unpack
 * "{s:s, s:s, s:s, s:s, s?s}" would refuse (tests/unit/test_login_token.c
 * compares the two), and is stricter on sizes no token has:
 *   - one object, with white space (RFC 8259 §2) around it and nothing else;
 *   - strings: no raw control character, the escapes of §7 with \u pairs
 *     for characters outside the BMP, no \u0000 and no lone surrogate, and
 *     well-formed UTF-8 (RFC 3629: no overlong form, no surrogate, nothing
 *     above U+10FFFF);
 *   - numbers by §6's grammar, with at most 18 digits before the fraction
 *     and 2 in the exponent (so none overflows an int64 or a double, which
 *     jansson refuses);
 *   - true, false, null; arrays and objects nested at most 32 deep, an
 *     object of at most 32 members, none of them named twice (at any depth);
 *   - format, unverifiedCertificate, algorithm and signature strings;
 *     appVersion a string or absent; any other member of any value.
 */
#ifndef JPKI_LOGIN_TOKEN_H
#define JPKI_LOGIN_TOKEN_H

#include <stddef.h>

struct jpki_login_fields {
	/* each decoded and NUL-terminated in buf; app NULL when absent */
	const char *format, *cert, *alg, *sig, *app;
	size_t cert_len, sig_len;
	char *buf; /* owned: jpki_login_fields_clear */
};

/* Read the token's len bytes: NULL, or why it is not a Web eID token's JSON. */
const char *jpki_login_token_read(const char *text, size_t len, struct jpki_login_fields *out);
void jpki_login_fields_clear(struct jpki_login_fields *f);

#endif
