/*
 * issue.h: issuing a certificate to a resident and recording it.
 *
 * The eligibility and validity rules are applied here, against the
 * registry, inside one transaction:
 *   rule E2  no signature certificate for a person under 15 or an adult ward;
 *   rule C4  validity (validity.h), capped by the card, by the current
 *            authentication certificate (signature only) and by a foreign
 *            resident's residence period;
 *   rule N1  inside the 3 months before the current certificate's expiry the
 *            new one runs to the 6th birthday;
 *   rule X1  a current certificate of the same kind is revoked (superseded)
 *            in the same transaction the new one is recorded in; unless
 *            same_key_ok, a request for the same public key as the current
 *            certificate is refused (EXISTS, naming it): a retried or re-run
 *            request must not supersede what it already got.
 */
#ifndef JPKI_CA_ISSUE_H
#define JPKI_CA_ISSUE_H

#include "jpki/api.h"
#include "ca.h"
#include "store/store.h"
#include "validity.h"

struct jpki_issued;

struct jpki_issue_req {
	enum jpki_kind kind;
	int64_t resident_id;
	EVP_PKEY *subject_key;    /* borrowed; or NULL and the key's bytes below */
	const uint8_t *key_bytes; /* borrowed: PEM/DER key or request, parsed while signing */
	size_t key_len;
	bool has_card_expiry;
	struct jpki_date card_expiry;
	int64_t now;
	bool same_key_ok; /* replace a current certificate of the same key (rule X1 above) */
	/*
	 * jpki_issue only, optional: called once the certificate is recorded and
	 * before the commit (e.g. to write it out and sync it); a failure rolls
	 * the whole issuance back, so the record and the output go together.
	 */
	int (*before_commit)(void *arg, const struct jpki_issued *out, struct jpki_err *err);
	void *before_commit_arg;
};

struct jpki_issued {
	struct jpki_cert_rec rec; /* as recorded, with its DER; free with jpki_issued_clear */
	enum jpki_validity_cap cap;
	char superseded[JPKI_SERIAL_HEX_MAX]; /* serial revoked by rule X1, or "" */
	int rc;                               /* bulk only: this request's outcome */
	struct jpki_err err;                  /* bulk only */
};

void jpki_issued_clear(struct jpki_issued *out);

/* Issue one certificate.  `ca` must be the CA of req->kind. */
JPKI_MUST_CHECK int jpki_issue(struct jpki_store *st, const struct jpki_ca *ca,
                               const struct jpki_issue_req *req, struct jpki_issued *out,
                               struct jpki_err *err);

/*
 * Issue many certificates: requests are taken in chunks; each chunk is
 * checked, signed on `threads` threads and recorded in one transaction.
 * Each request's outcome is in out[i].rc / out[i].err; a failed request does
 * not stop the others.  cas[kind] is the CA of each kind (NULL if unused).
 * Returns the number issued, or a negative code when the registry failed.
 */
JPKI_MUST_CHECK long jpki_issue_bulk(struct jpki_store *st, struct jpki_ca *const cas[2],
                                     const struct jpki_issue_req *reqs, size_t n, unsigned threads,
                                     struct jpki_issued *out, struct jpki_err *err);

#endif
