/*
 * binding.h: a registry and its two CAs know each other.
 *
 * The registry records a random id of its own and the SHA-256 fingerprint of
 * each CA certificate it serves (registry_meta: registry_id, ca.sign.sha256,
 * ca.auth.sha256); beside each CA, <data>/ca/<kind>/registry-id names the
 * registry.  Every command checks both before it reads or changes anything,
 * so a registry that was emptied, replaced by another one or belongs to
 * other CAs is refused instead of being used as if it were the real one
 * (which would publish an empty CRL and answer "unknown", or worse).
 */
#ifndef JPKI_REGISTRY_BINDING_H
#define JPKI_REGISTRY_BINDING_H

#include <stdbool.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"
#include "store/store.h"

#define JPKI_REGISTRY_ID_HEX 33 /* 16 random bytes in hex, NUL */

enum jpki_binding_mode {
	JPKI_BINDING_CHECK,    /* refuse anything but a complete, matching binding */
	JPKI_BINDING_COMPLETE, /* jpki init: also bind an unbound registry or finish a binding */
	JPKI_BINDING_REBIND,   /* jpki registry new: this registry replaces the CAs' old one */
};

/*
 * Check (and, by mode, make or finish) the binding of st to the CAs of the
 * data folder.  STATE with a sentence saying what is wrong and what to do;
 * NOT_FOUND when a CA is missing.  On success *id (may be NULL) is the
 * registry's id.
 */
JPKI_MUST_CHECK int jpki_binding_check(const struct jpki_ctx *ctx, struct jpki_store *st,
                                       enum jpki_binding_mode mode, char id[JPKI_REGISTRY_ID_HEX],
                                       struct jpki_err *err);

/* The registry id a CA's folder names; NOT_FOUND when it names none. */
JPKI_MUST_CHECK int jpki_binding_ca_registry(const struct jpki_ctx *ctx, enum jpki_kind kind,
                                             char id[JPKI_REGISTRY_ID_HEX], struct jpki_err *err);

#endif
