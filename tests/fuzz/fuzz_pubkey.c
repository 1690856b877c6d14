/*
 * fuzz_pubkey.c: jpki_pubkey_parse, the parser of the public-key files a
 * caller hands to `jpki cert issue` (PEM or DER SubjectPublicKeyInfo,
 * PEM or DER PKCS#10).
 *
 * Whatever the bytes, the parser must return 0 with a key, or a negative
 * code with a message and no key; never read past the buffer or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ca/pubkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees any read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	EVP_PKEY *key = NULL;
	struct jpki_err err;
	int rc = jpki_pubkey_parse(buf, size, &key, &err);
	if (rc == 0) {
		if (!key || EVP_PKEY_get_bits(key) < 2048)
			abort(); /* success must hand out a key within the profile */
		EVP_PKEY_free(key);
	} else {
		if (key || rc != -(int)err.code || err.msg[0] == '\0' ||
		    memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			abort(); /* failure: no key, and a terminated explanation */
	}
	free(buf);
	ERR_clear_error();
	return 0;
}
