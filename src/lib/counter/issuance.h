/*
 * issuance.h: certificates onto a card at the counter, in person (rules E1-E4,
 * D1, C6, X1, F1, P1, C1) and at renewal (N1-N3); the proxy's second visit
 * (proxy.c) ends here too.
 */
#ifndef JPKI_COUNTER_ISSUANCE_H
#define JPKI_COUNTER_ISSUANCE_H

#include "counter.h"
#include "personalize.h"
#include "rules.h"

/* The card in the counter's reader, and what writes it. */
struct jpki_counter_card {
	struct jpki_transport *t;
	const uint8_t *master;      /* the issuer master key (JPKI_CARD_KEY_LEN bytes) */
	struct jpki_ca *const *cas; /* [kind] */
};

/* PINs the resident enters on the card's keypad (never stored, never logged). */
struct jpki_counter_pins {
	const char *auth, *sign;         /* the new PINs (renewal: NULL keeps the current ones) */
	const char *cur_auth, *cur_sign; /* renewal: the current PINs (rule N3) */
};

struct jpki_issue_outcome {
	int64_t case_id;
	struct jpki_case_rec c;
	struct jpki_perso_result perso;
	enum jpki_fee_case fee;
	int amount;
	int64_t receipt;
};

/*
 * Issue (proc ISSUE) or renew (proc RENEW) the certificates a asks for onto
 * the card.  Refusals are JPKI_E_REFUSED naming the rule, audited, with
 * nothing else changed.  A failure after the case was checked leaves it
 * CHECKED or PARTIAL: jpki_counter_resume() completes it.
 */
JPKI_MUST_CHECK int jpki_counter_issue(const struct jpki_counter_session *s,
                                       enum jpki_procedure proc, const struct jpki_application *a,
                                       const struct jpki_counter_card *card,
                                       const struct jpki_counter_pins *pins,
                                       struct jpki_issue_outcome *out, struct jpki_err *err);

/* Which PINs completing case c needs (the kinds still to write). */
void jpki_counter_case_pins(const struct jpki_case_rec *c, bool *auth, bool *sign);

/* Complete a CHECKED or PARTIAL case of issuance, renewal or proxy, with the PINs again. */
JPKI_MUST_CHECK int jpki_counter_resume(const struct jpki_counter_session *s, int64_t case_id,
                                        const struct jpki_counter_card *card,
                                        const struct jpki_counter_pins *pins,
                                        struct jpki_issue_outcome *out, struct jpki_err *err);

/* For proxy.c: the checks of the card (C6, E3, E4) for resident res; a refusal in r. */
JPKI_MUST_CHECK int jpki_counter_check_card(const struct jpki_counter_session *s,
                                            const struct jpki_counter_card *card,
                                            const struct jpki_resident *res, bool *ok,
                                            struct jpki_refusal *r, struct jpki_err *err);

/* For proxy.c: write the card of a CHECKED case c (application a) and finish it. */
JPKI_MUST_CHECK int jpki_counter_write_card(const struct jpki_counter_session *s,
                                            struct jpki_case_rec *c,
                                            const struct jpki_counter_card *card,
                                            const struct jpki_counter_pins *pins,
                                            struct jpki_issue_outcome *out, struct jpki_err *err);

#endif
