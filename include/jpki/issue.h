/*
 * jpki/issue.h: issuing a certificate to a resident.
 *
 * In one transaction of the registry: the rules of eligibility (E1, E2),
 * validity (C4, N1) and supersession (X1) are applied, the certificate is
 * signed by the CA of its kind and recorded (docs/rules.md).
 */
#ifndef JPKI_PUBLIC_ISSUE_H
#define JPKI_PUBLIC_ISSUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/ca.h"
#include "jpki/date.h"
#include "jpki/error.h"
#include "jpki/records.h"
#include "jpki/registry.h"

struct jpki_issue_params {
	int64_t resident_id;
	const uint8_t *pubkey; /* borrowed: SubjectPublicKeyInfo or PKCS#10 request, PEM or DER */
	size_t pubkey_len;
	bool has_card_expiry; /* the card's expiry caps the validity (rule C4) */
	struct jpki_date card_expiry;
	bool replace_same_key; /* supersede a current certificate of the same key (else EXISTS) */
};

struct jpki_issued_cert {
	char serial[41]; /* upper-case hex */
	uint8_t *der;    /* the certificate (malloc'd: jpki_issued_cert_clear) */
	size_t der_len;
	int64_t not_before, not_after;
	char superseded[41]; /* the certificate revoked by rule X1, or "" */
};

/* Issue a certificate of ca's kind; out is filled on success only. */
JPKI_API JPKI_MUST_CHECK int jpki_cert_issue(struct jpki_registry *reg, const struct jpki_ca *ca,
                                             const struct jpki_issue_params *params,
                                             struct jpki_issued_cert *out, struct jpki_err *err);
/* Free what out holds; a zeroed or cleared one is fine. */
JPKI_API void jpki_issued_cert_clear(struct jpki_issued_cert *out);

#endif
