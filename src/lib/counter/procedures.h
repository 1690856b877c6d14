/*
 * procedures.h: the counter's other procedures: revocation at the holder's
 * request, suspension on loss and its resolution, PIN reset at the counter
 * and at a kiosk, the card face rewritten, a fee voided.
 */
#ifndef JPKI_COUNTER_PROCEDURES_H
#define JPKI_COUNTER_PROCEDURES_H

#include "issuance.h"

struct jpki_revoke_outcome {
	int64_t case_id;
	int n;
	char serial[2][JPKI_SERIAL_HEX_MAX];
};

/*
 * Suspension on a reported loss: both current certificates on hold
 * (certificateHold) in one transaction with the case and its audit entry,
 * at any hour (counter practice: the hotline answers day and night).
 */
JPKI_MUST_CHECK int jpki_counter_hold(const struct jpki_counter_session *s, int64_t resident_id,
                                      struct jpki_revoke_outcome *out, struct jpki_err *err);
/*
 * A hold resolved at the counter only (rule H1): every held certificate of
 * the resident revoked for good with `reason` (unspecified, or
 * keyCompromise when the card is not found); re-issue is a new case.
 */
JPKI_MUST_CHECK int jpki_counter_lift_hold(const struct jpki_counter_session *s,
                                           const struct jpki_application *a,
                                           enum jpki_reason reason, struct jpki_revoke_outcome *out,
                                           struct jpki_err *err);
/*
 * Revocation at the holder's request of the kinds a asks for (reason
 * unspecified, or keyCompromise: a leaked key is reported only at the
 * counter).  A proxy needs the delegation covering the revocation (rule X1)
 * and a photo ID (D2).
 */
JPKI_MUST_CHECK int jpki_counter_revoke(const struct jpki_counter_session *s,
                                        const struct jpki_application *a, enum jpki_reason reason,
                                        bool delegation, struct jpki_revoke_outcome *out,
                                        struct jpki_err *err);

/*
 * Rule P2: a PIN reset or unlocked at the counter, with the card and one
 * more identity document; the new PINs set through the issuer's commands.
 * reset_auth / reset_sign say which; pins->auth / pins->sign the new ones.
 */
JPKI_MUST_CHECK int jpki_counter_pin_reset(const struct jpki_counter_session *s,
                                           const struct jpki_application *a,
                                           const struct jpki_counter_card *card,
                                           const struct jpki_counter_pins *pins, int64_t *case_id,
                                           struct jpki_err *err);

/*
 * The kiosk path (rule K1): a reservation made with the card (its current
 * certificate of `keep`, the PIN the resident still knows, must be valid and
 * the resident's), then within kiosk_hours and the kiosk's daily hours one
 * reset of the other PIN, after the known PIN verifies on the card.
 * The reservation's reference goes into ref (JPKI_TOKEN_REF_MAX bytes).
 */
JPKI_MUST_CHECK int jpki_counter_kiosk_reserve(const struct jpki_counter_session *s,
                                               int64_t resident_id, enum jpki_kind reset,
                                               const struct jpki_counter_card *card, char *ref,
                                               struct jpki_err *err);
JPKI_MUST_CHECK int jpki_counter_kiosk_reset(const struct jpki_counter_session *s, const char *ref,
                                             const struct jpki_counter_card *card,
                                             const char *known_pin, const char *new_pin,
                                             int64_t *case_id, struct jpki_err *err);

/* Rule E4: the card face rewritten from the record (and its PIN set when face_pin). */
JPKI_MUST_CHECK int jpki_counter_card_face(const struct jpki_counter_session *s,
                                           const struct jpki_application *a,
                                           const struct jpki_counter_card *card,
                                           const char *face_pin, int64_t *case_id,
                                           struct jpki_err *err);

/*
 * Rules R1 and the four eyes: the receipt voided on the strength of
 * approval request `approval` (operator/approval.h): a fee-void request
 * about "receipt N", asked for by this operator, approved by a supervisor,
 * used once; the void, the case and the approval's use in one transaction.
 * A refusal is an audited case of rule R1.
 */
JPKI_MUST_CHECK int jpki_counter_fee_void_approved(const struct jpki_counter_session *s,
                                                   int64_t receipt, int64_t approval,
                                                   int64_t *case_id, struct jpki_err *err);
/*
 * Rule W1 with four eyes: approved hours-override request `approval`, about
 * "resident N", asked for by s's operator, used once in a transaction of its
 * own (a procedure refused after it still used it); override_by gets the
 * approving supervisor, for the procedure's session.  The use is an audit
 * entry; a refused use is one too, and REFUSED naming W1.
 */
JPKI_MUST_CHECK int jpki_counter_hours_approval(const struct jpki_counter_session *s,
                                                int64_t approval, int64_t resident_id,
                                                char override_by[33], struct jpki_err *err);

#endif
