/*
 * fuzz_checkpoint.c: jpki_checkpoint_open, the reader of signed checkpoints
 * from outside (audit/checkpoint.h), against the verifier key of a fixed
 * Ed25519 key (its private key the bytes 0, 1, ..., 31).  An accepted note
 * must carry a checkpoint that, signed again, opens to the same contents.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static char *vkey;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_err err;
	if (!key) {
		uint8_t seed[32];
		for (int i = 0; i < 32; i++)
			seed[i] = (uint8_t)i;
		key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
		if (!key || jpki_note_vkey("fuzz.example/audit", key, &vkey, &err) < 0)
			abort();
	}
	struct jpki_checkpoint c, again;
	if (jpki_checkpoint_open((const char *)data, size, vkey, &c, &err) < 0)
		return 0;
	char *note = NULL;
	if (jpki_checkpoint_sign(&c, "fuzz.example/audit", key, &note, &err) < 0 ||
	    jpki_checkpoint_open(note, strlen(note), vkey, &again, &err) < 0 ||
	    strcmp(again.origin, c.origin) != 0 || again.size != c.size ||
	    memcmp(again.root, c.root, 32) != 0)
		abort();
	free(note);
	return 0;
}
