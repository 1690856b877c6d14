/*
 * checkpoint.h: signed checkpoints of the audit log, in the C2SP formats
 * (c2sp.org/tlog-checkpoint in a c2sp.org/signed-note, Ed25519), so an
 * outsider holding only the service's public key checks them with any
 * note verifier:
 *
 *   <origin>\n
 *   <tree size, decimal>\n
 *   <root hash, base64>\n
 *   \n
 *   — <key name> <base64 of key ID (4 bytes) || Ed25519 signature (64)>\n
 *
 * The key ID is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 ||
 * public key); the signature covers the text above the blank line.  The
 * verifier key is written "<name>+<key ID, 8 hex>+<base64 of 0x01 || public
 * key>".
 */
#ifndef JPKI_AUDIT_CHECKPOINT_H
#define JPKI_AUDIT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "audit/merkle.h"
#include "jpki/error.h"

#define JPKI_CHECKPOINT_MAX 1024 /* bytes of a checkpoint we make or read */
#define JPKI_NOTE_NAME_MAX 128

struct jpki_checkpoint {
	char origin[JPKI_NOTE_NAME_MAX + 1];
	uint64_t size;
	jpki_merkle_hash root;
};

/* A key name (and an origin): 1 to 128 printable ASCII characters, no space or '+'. */
bool jpki_note_name_ok(const char *name);

/* The checkpoint signed by key (an Ed25519 private key) named name; *note malloc'd. */
JPKI_MUST_CHECK int jpki_checkpoint_sign(const struct jpki_checkpoint *c, const char *name,
                                         EVP_PKEY *key, char **note, struct jpki_err *err);
/*
 * The checkpoint of note, if a signature line of the verifier key vkey
 * ("name+id+key") verifies over its text: INVALID naming what is wrong
 * otherwise (its form, no line of that key, a bad signature).
 */
JPKI_MUST_CHECK int jpki_checkpoint_open(const char *note, size_t len, const char *vkey,
                                         struct jpki_checkpoint *out, struct jpki_err *err);
/* The verifier key of key named name (*vkey malloc'd). */
JPKI_MUST_CHECK int jpki_note_vkey(const char *name, EVP_PKEY *key, char **vkey,
                                   struct jpki_err *err);

#endif
