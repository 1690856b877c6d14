/*
 * signer.h: the service's checkpoint key (Ed25519) and the checkpoints it
 * signs of the registry's audit log (docs/audit.md).
 *
 * The key lives in <data>/audit/key.pem (PKCS#8, mode 0600), made on first
 * use; its verifier key, which is all an outsider needs, is written beside
 * it in <data>/audit/vkey.  The key name and the checkpoints' origin is the
 * service's base URL when the key was made, without its scheme, then
 * "/audit" ("127.0.0.1:8080/audit"); it keeps that name (read back from the
 * vkey file) when the base URL changes later.
 */
#ifndef JPKI_AUDIT_SIGNER_H
#define JPKI_AUDIT_SIGNER_H

#include <openssl/evp.h>

#include "audit/checkpoint.h"
#include "jpki/ctx.h"
#include "store/store.h"

struct jpki_audit_signer {
	EVP_PKEY *key;
	char name[JPKI_NOTE_NAME_MAX + 1];
	char *vkey;
};

/* Load the key of ctx's data folder, or make it (and its vkey file) the first time. */
JPKI_MUST_CHECK int jpki_audit_signer_open(const struct jpki_ctx *ctx, struct jpki_audit_signer *s,
                                           struct jpki_err *err);
void jpki_audit_signer_close(struct jpki_audit_signer *s);

/*
 * A checkpoint of st's audit log now: the tree brought up to the last entry
 * (its own write transaction), its root signed.  *note malloc'd; c its
 * contents.
 */
JPKI_MUST_CHECK int jpki_audit_checkpoint(struct jpki_store *st, const struct jpki_audit_signer *s,
                                          struct jpki_checkpoint *c, char **note,
                                          struct jpki_err *err);

#endif
