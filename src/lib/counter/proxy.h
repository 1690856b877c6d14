/*
 * proxy.h: a voluntary proxy's application (rules D2-D4, X1, N4) and the
 * renewal notices (N2) that enclose a form.
 *
 * The inquiry-and-answer form is a one-time token: a reference recorded in
 * the registry with its resident, kinds and expiry, and printed with a code
 * that is the reference and a MAC over those facts (HMAC-SHA256 under a key
 * derived from the issuer master key), so a form forged or altered on paper
 * is refused by the system, not only by a clerk's eye.
 */
#ifndef JPKI_COUNTER_PROXY_H
#define JPKI_COUNTER_PROXY_H

#include "issuance.h"
#include "pdf.h"

#define JPKI_FORM_CODE_MAX 48

struct jpki_form_out {
	int64_t case_id;
	char code[JPKI_FORM_CODE_MAX];
	int64_t expires_at;
	uint8_t *pdf; /* the printable form (free()) */
	size_t pdf_len;
};

/*
 * Visit 1: the proxy asks (their photo ID in a->docs, rule D2); the form is
 * made for mailing to the registered address, valid proxy_form_days.  Rules
 * W1, E1, E2 (no voluntary proxy for a minor or an adult ward).
 */
JPKI_MUST_CHECK int jpki_counter_proxy_request(const struct jpki_counter_session *s,
                                               const struct jpki_application *a,
                                               const uint8_t master[JPKI_CARD_KEY_LEN],
                                               struct jpki_form_out *out, struct jpki_err *err);

/* What the clerk finds when the proxy comes back with the form. */
struct jpki_form_answer {
	const char *code;
	bool sealed;     /* in its envelope, sealed (rule D3) */
	bool delegation; /* the delegation covering a revocation (rule X1) */
};

/*
 * Visit 2 (or the one visit of rule N4): the form checked (unknown, forged,
 * used: D4; unsealed, expired: D3), the proxy's photo ID (D2), the card
 * (C6, E3, E4), and the PINs the applicant wrote (a defect or a wrong PIN:
 * D4); then the card is written as at issuance.
 */
JPKI_MUST_CHECK int jpki_counter_proxy_answer(const struct jpki_counter_session *s,
                                              const struct jpki_form_answer *f,
                                              const struct jpki_application *proxy,
                                              const struct jpki_counter_card *card,
                                              const struct jpki_counter_pins *pins,
                                              struct jpki_issue_outcome *out, struct jpki_err *err);

/* One notice written by a run. */
typedef int (*jpki_notice_cb)(void *arg, const struct jpki_resident *r,
                              const struct jpki_notice_cert *certs, int n, const char *code,
                              int64_t form_expires, const uint8_t *pdf, size_t pdf_len,
                              struct jpki_err *err);

/*
 * Rule N2: the renewal notices of month "YYYY-MM": every valid certificate
 * expiring in the second month after it, grouped by resident, excluding
 * residents no longer registered and foreign residents whose stay ends
 * first; each with its enclosed form (valid until the certificate's expiry,
 * rule N4).  out is called per notice inside the run's transaction (write
 * the files there: a failure rolls the run back), then done once before the
 * commit (the run's list).  Idempotent: a
 * certificate whose notice was sent is skipped, so a replayed month sends
 * nothing twice.  *sent, *skipped: counts.
 */
JPKI_MUST_CHECK int jpki_counter_notices(const struct jpki_counter_session *s, const char *month,
                                         const uint8_t master[JPKI_CARD_KEY_LEN],
                                         jpki_notice_cb out,
                                         int (*done)(void *arg, struct jpki_err *err), void *arg,
                                         int *sent, int *skipped, struct jpki_err *err);

#endif
