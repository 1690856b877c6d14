/*
 * resident.h: adding and changing resident records, with the revocations
 * a change causes.
 *
 * rule C5 / docs/rules.md, rule C5 and the revocation reasons: a change of name (with former
 * surname and alias), address, date of birth or sex revokes the current
 * signature certificate (affiliationChanged); removal of the record (moved
 * out, deceased) revokes both kinds (cessationOfOperation); becoming an
 * adult ward revokes the signature certificate (rule E2).  The change and its
 * revocations commit together or not at all.
 */
#ifndef JPKI_REGISTRY_RESIDENT_H
#define JPKI_REGISTRY_RESIDENT_H

#include "jpki/api.h"
#include "store/store.h"

struct jpki_revocations {
	bool changed; /* false: the record already said this; nothing was written */
	int n;
	struct {
		enum jpki_kind kind;
		enum jpki_reason reason;
		char serial[JPKI_SERIAL_HEX_MAX];
	} item[2];
};

/* Check and insert; r->id is set.  A new record must be a resident (status 0). */
JPKI_MUST_CHECK int jpki_resident_add(struct jpki_store *st, struct jpki_resident *r,
                                      struct jpki_err *err);

/* The same inside the caller's transaction (checks included); out must not be NULL. */
JPKI_MUST_CHECK int jpki_resident_change_tx(struct jpki_store *st, const struct jpki_resident *next,
                                            int64_t now, struct jpki_revocations *out,
                                            struct jpki_err *err);

/* Replace the record next->id with next, revoking as the rules say; out may be NULL. */
JPKI_MUST_CHECK int jpki_resident_change(struct jpki_store *st, const struct jpki_resident *next,
                                         int64_t now, struct jpki_revocations *out,
                                         struct jpki_err *err);

#endif
