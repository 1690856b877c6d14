/*
 * jpki/verify.h: verifying a signature made with a JPKI signature
 * certificate, years later, and saying who signed (docs/relying-party.md).
 *
 * A verifier holds the trust anchors (the signature CAs of every generation
 * the relying party accepts, which also certify the time-stamping
 * authority) and how revocation is checked.  jpki_verify answers with a
 * report in the terms of ETSI EN 319 102-1: an indication (TOTAL-PASSED,
 * TOTAL-FAILED, INDETERMINATE), a sub-indication naming why, the best
 * signature time (a time-stamp's genTime, or the validation time when
 * nothing proves when it was made), the signer's certificate and the four
 * basic facts it carries, and the revocation status it was judged by.
 *
 * The decisive case (rules C2, C5): a signature time-stamped before its
 * certificate was revoked by a move stays TOTAL-PASSED, and the report
 * says when and why the certificate was revoked; without a time-stamp the
 * same signature is INDETERMINATE / REVOKED_NO_POE.
 *
 * A verifier is used by one thread at a time; it keeps online OCSP answers
 * for at most 15 minutes to answer the next document about the same
 * certificate.
 */
#ifndef JPKI_PUBLIC_VERIFY_H
#define JPKI_PUBLIC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"

struct jpki_verifier;
struct jpki_report;

enum jpki_indication {
	JPKI_TOTAL_PASSED,
	JPKI_TOTAL_FAILED,
	JPKI_INDETERMINATE,
};

enum jpki_revocation_mode {
	/* ask the certificate's OCSP responder (with a nonce), else its CRL partition and
	 * delta; what the signature embeds only when neither answers */
	JPKI_REVOCATION_ONLINE,
	/* only what the signature embeds (B-LT); nothing is fetched */
	JPKI_REVOCATION_OFFLINE,
};

JPKI_API JPKI_MUST_CHECK int jpki_verifier_new(struct jpki_verifier **ret, struct jpki_err *err);
JPKI_API void jpki_verifier_free(struct jpki_verifier *v);
/* Trust the CA certificates in buf (PEM, one or more; or one DER). */
JPKI_API JPKI_MUST_CHECK int jpki_verifier_trust(struct jpki_verifier *v, const uint8_t *buf,
                                                 size_t len, struct jpki_err *err);
JPKI_API void jpki_verifier_set_revocation(struct jpki_verifier *v, enum jpki_revocation_mode mode);
/* The validation time (seconds since the epoch); 0, the default, is the system clock. */
JPKI_API void jpki_verifier_set_time(struct jpki_verifier *v, int64_t now);

/*
 * Verify a CAdES signature (DER or PEM; `doc` the signed bytes when it is
 * detached, else NULL, or the same bytes to compare) or an enveloped XML
 * signature (`sig` the signed XML, `doc` NULL).  A report comes back for
 * every signature that could be read at all, valid or not (caller frees);
 * an error return means no verification could run (memory, no trust
 * anchor).
 */
JPKI_API JPKI_MUST_CHECK int jpki_verify(struct jpki_verifier *v, const uint8_t *sig,
                                         size_t sig_len, const uint8_t *doc, size_t doc_len,
                                         struct jpki_report **ret, struct jpki_err *err);
JPKI_API void jpki_report_free(struct jpki_report *r);

JPKI_API enum jpki_indication jpki_report_indication(const struct jpki_report *r);
/* "TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE". */
JPKI_API const char *jpki_indication_name(enum jpki_indication i);
/* EN 319 102-1 sub-indication ("REVOKED_NO_POE", "HASH_FAILURE", ...), "" when passed. */
JPKI_API const char *jpki_report_subindication(const struct jpki_report *r);
/* The best signature time; *proven says whether a time-stamp proves it. */
JPKI_API int64_t jpki_report_best_time(const struct jpki_report *r, bool *proven);
/* true when the signer's certificate is revoked (at *when, CRLReason *reason, -1 none). */
JPKI_API bool jpki_report_revoked(const struct jpki_report *r, int64_t *when, int *reason);

enum jpki_signer_field {
	JPKI_SIGNER_SUBJECT, /* the certificate's subject, RFC 2253 */
	JPKI_SIGNER_NAME,
	JPKI_SIGNER_FORMER_SURNAME, /* 旧氏 */
	JPKI_SIGNER_ALIAS,          /* 通称 */
	JPKI_SIGNER_BIRTH,          /* YYYY-MM-DD */
	JPKI_SIGNER_BIRTH_ERA,      /* 昭和50年3月1日 */
	JPKI_SIGNER_SEX,            /* male, female, not known */
	JPKI_SIGNER_ADDRESS,
};
/* A fact of the signer, UTF-8; "" when the report has none (never NULL). */
JPKI_API const char *jpki_report_signer(const struct jpki_report *r, enum jpki_signer_field f);

/* The report as JSON shaped like SiVa's validationConclusion (malloc'd: free()). */
JPKI_API char *jpki_report_json(const struct jpki_report *r);
/* The report as text for a person (malloc'd: free()). */
JPKI_API char *jpki_report_text(const struct jpki_report *r);

#endif
