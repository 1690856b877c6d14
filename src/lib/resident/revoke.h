/*
 * revoke.h: revocation on request, on loss and by CA officers.
 *
 * docs/rules.md, rule C5 and the revocation reasons: either certificate is revoked at the holder's
 * request (cessationOfOperation), on loss or key compromise (keyCompromise),
 * on a record error, and on CA compromise (cACompromise, by list).  A list
 * is revoked in one transaction: every serial must exist, or nothing
 * changes; serials already revoked are left as they are and counted.
 */
#ifndef JPKI_REGISTRY_REVOKE_H
#define JPKI_REGISTRY_REVOKE_H

#include "jpki/api.h"
#include "store/store.h"

struct jpki_revoke_result {
	size_t revoked;         /* revoked now */
	size_t already_revoked; /* left as they were */
};

/* The same inside the caller's transaction. */
JPKI_MUST_CHECK int jpki_revoke_serials_tx(struct jpki_store *st, const char *const *serials,
                                           size_t n, enum jpki_reason reason, int64_t now,
                                           struct jpki_revoke_result *res, struct jpki_err *err);

JPKI_MUST_CHECK int jpki_revoke_serials(struct jpki_store *st, const char *const *serials, size_t n,
                                        enum jpki_reason reason, int64_t now,
                                        struct jpki_revoke_result *res, struct jpki_err *err);

#endif
