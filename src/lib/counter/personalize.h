/*
 * personalize.h: personalising a card for a resident (issuer side).
 */
#ifndef JPKI_CARD_PERSONALIZE_H
#define JPKI_CARD_PERSONALIZE_H

#include "jpki/api.h"
#include "ca/ca.h"
#include "ca/issue.h"
#include "store/store.h"
#include "cardhost/transport.h"

struct jpki_perso_req {
	int64_t resident_id;
	const char *auth_pin; /* rule P1: 4 digits */
	const char *sign_pin; /* rule P1; NULL: no signature key or certificate */
	int64_t now;
	bool skip_auth; /* resume: the authentication certificate is on the card already */
	/*
	 * Optional: called for each kind inside its issuance's transaction, once
	 * the card holds the certificate and before the commit (the counter moves
	 * its case and logs it there); a failure rolls the kind back.
	 */
	int (*in_tx)(void *arg, enum jpki_kind kind, const struct jpki_issued *done,
	             struct jpki_err *err);
	void *in_tx_arg;
};

struct jpki_perso_cert {
	bool issued;
	char serial[JPKI_SERIAL_HEX_MAX];
	char superseded[JPKI_SERIAL_HEX_MAX]; /* revoked by rule X1, or "" */
	int64_t not_after;
};

struct jpki_perso_result {
	struct jpki_perso_cert cert[2]; /* indexed by enum jpki_pin_id */
};

/*
 * Personalise the card behind t for req->resident_id with the CAs cas[kind]
 * (both needed when a signature password is given) and the registry st.
 * Keys are generated on the card; the certificates are issued, recorded and
 * written with their CA certificates; the PINs set.  JPKI_E_NOT_ELIGIBLE
 * for an old resident-register card (rule C6) or when jpki_issue refuses
 * (rule E2).
 */
JPKI_MUST_CHECK int jpki_card_personalize(struct jpki_transport *t,
                                          const uint8_t master[JPKI_CARD_KEY_LEN],
                                          struct jpki_store *st, struct jpki_ca *const cas[2],
                                          const struct jpki_perso_req *req,
                                          struct jpki_perso_result *out, struct jpki_err *err);

#endif
