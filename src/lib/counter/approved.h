/*
 * approved.h: the counter's procedures that run only on the strength of a
 * supervisor's approval (four eyes, operator/approval.h): a record corrected
 * (rule A1) and a list of certificates revoked at once (rule M1).  Fee voids
 * (R1) and the hours' override (W1) are in procedures.h.
 */
#ifndef JPKI_COUNTER_APPROVED_H
#define JPKI_COUNTER_APPROVED_H

#include "counter.h"
#include "resident/resident.h"
#include "resident/revoke.h"

/*
 * Rule A1: a record corrected on the strength of an approved `correction`
 * request about "resident N" (next->id), asked for by s's operator and
 * approved by a supervisor, used once.  The change (with the revocations
 * the rules of a change make: C5, E2), the approval's use and the audit
 * entry (the fields changed, the approver, what was revoked) are one
 * transaction.  A refusal is an audit entry, REFUSED naming A1.
 */
JPKI_MUST_CHECK int jpki_resident_correct(const struct jpki_counter_session *s,
                                          const struct jpki_resident *next, int64_t approval,
                                          struct jpki_revocations *out, struct jpki_err *err);

/*
 * Rule M1: a list of certificates revoked at once on the strength of an
 * approved mass-revocation request about "list D", D the list's digest
 * (jpki_serial_list_digest), asked for by s's operator and used once; the
 * revocations, the use and the audit entry are one transaction.  Every
 * serial must exist or nothing changes.  A refusal is an audit entry,
 * REFUSED naming M1.
 */
#define JPKI_LIST_DIGEST_LEN 16 /* hex characters */
/* The first 16 hex characters of SHA-256 over the serials, sorted, one per line. */
JPKI_MUST_CHECK int jpki_serial_list_digest(const char *const *serials, size_t n,
                                            char out[JPKI_LIST_DIGEST_LEN + 1],
                                            struct jpki_err *err);
JPKI_MUST_CHECK int jpki_counter_mass_revoke(const struct jpki_counter_session *s,
                                             const char *const *serials, size_t n,
                                             enum jpki_reason reason, int64_t approval,
                                             struct jpki_revoke_result *res, struct jpki_err *err);

#endif
