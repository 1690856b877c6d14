/*
 * rules.h: the checks of the counter's procedures, each naming its rule
 * (docs/rules.md).  Pure functions of the records and dates, so every rule
 * is a row in a unit-test table; the procedures (procedure.c) run them and
 * turn a refusal into an audited case.
 */
#ifndef JPKI_COUNTER_RULES_H
#define JPKI_COUNTER_RULES_H

#include "cardhost/face.h"
#include "cardhost/host.h"
#include "counter.h"

struct jpki_refusal {
	const char *rule;
	char why[400];
};

/* Fill r: the rule and why (printf-style); returns false, so a check ends `return
 * jpki_refuse(...)`. */
bool jpki_refuse(struct jpki_refusal *r, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "licence:123, pension-book:9" for the audit log. */
void jpki_docs_format(const struct jpki_id_doc *docs, int n, char *out, size_t cap);

/* Rule I1: one document of the A list, or two (A or B). */
bool jpki_rule_identity(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r);
/* Rule L1: a legal representative shows two of the A list, or one A and one B. */
bool jpki_rule_rep_identity(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r);
/* Rule D2: a proxy shows a government photo ID (A list). */
bool jpki_rule_proxy_identity(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r);
/* Rule P2: the card plus one more identity document (A or B). */
bool jpki_rule_second_document(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r);

/* Rule E1: a resident registered here. */
bool jpki_rule_registered(const struct jpki_resident *res, struct jpki_refusal *r);
/*
 * Rule E2 (and L1): under 15 on `today`, or an adult ward: no signature
 * certificate, no voluntary proxy, the legal representative applies with
 * proof of authority issued within 3 months (waived in the same household).
 */
bool jpki_rule_minor_or_ward(const struct jpki_application *a, const struct jpki_resident *res,
                             struct jpki_date today, struct jpki_refusal *r);
/* Rules E3 and C6: an individual number card, with card data, not expired. */
bool jpki_rule_card(const struct jpki_card_info *info, struct jpki_date today,
                    struct jpki_refusal *r);
/* Rule E4: the card face matches the record (face_rc: what reading it returned). */
bool jpki_rule_card_face(int face_rc, const struct jpki_card_face *card,
                         const struct jpki_resident *res, struct jpki_refusal *r);
/* Rule P1: the formats of the PINs of the kinds asked for (a missing one breaks it). */
bool jpki_rule_pins(bool want_auth, const char *auth_pin, bool want_sign, const char *sign_pin,
                    struct jpki_refusal *r);

/*
 * Rule F1 and the fee table: the fee case of an issuance, from the
 * resident's certificates of the kinds asked for and the clerk's reason.
 */
JPKI_MUST_CHECK int jpki_fee_decide(struct jpki_store *st, const struct jpki_application *a,
                                    bool renewal, int64_t now, enum jpki_fee_case *out,
                                    struct jpki_err *err);

#endif
