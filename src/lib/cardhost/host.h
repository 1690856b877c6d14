/*
 * host.h: the host side of the JPKI application, over any transport.
 *
 * What a relying party, the counter and the CLI do with a card: select the
 * application, read certificates, ask for PIN status, verify, sign; and,
 * with the issuer master key, the personalisation commands of docs/card.md.
 * Every answer is parsed through the bounded cursor; status words become
 * jpki error codes:
 *   63 Cx after VERIFY  JPKI_E_PIN (tries left in *tries)
 *   69 83               JPKI_E_PIN_BLOCKED
 *   69 82, 63 00        JPKI_E_DENIED
 *   other               JPKI_E_CARD, naming the status word
 * Outputs are written only on success.
 */
#ifndef JPKI_CARD_HOST_H
#define JPKI_CARD_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "card/card.h"
#include "transport.h"

struct jpki_card_info {
	uint8_t serial[JPKI_CHIP_SERIAL_LEN];
	enum jpki_card_kind kind;
	bool has_expiry;
	struct jpki_date expiry;
	bool has_key[2], pin_set[2], issuer_auth;
	int tries[JPKI_PIN_COUNT];
	bool face_pin_set, has_face; /* the card-face text application */
	char number[JPKI_CARD_NUMBER_MAX + 1];
	char token[33]; /* EF 0006, trailing spaces trimmed */
};

/*
 * Send an APDU, return its status word in *sw and its data in out (room for
 * out_cap bytes; out may be NULL with out_cap 0).  An answer with more data
 * than fits is JPKI_E_CARD, never a write past out.
 */
JPKI_MUST_CHECK int jpki_host_apdu(struct jpki_transport *t, const uint8_t *capdu, size_t clen,
                                   uint8_t *out, size_t out_cap, size_t *out_len, uint16_t *sw,
                                   struct jpki_err *err);

/* SELECT an application by AID: jpki_card_aid or jpki_face_aid (clears the security state). */
JPKI_MUST_CHECK int jpki_host_select_aid(struct jpki_transport *t,
                                         const uint8_t aid[JPKI_CARD_AID_LEN],
                                         struct jpki_err *err);
/* READ BINARY of the current EF at off, up to want bytes (1..256); *got set. */
JPKI_MUST_CHECK int jpki_host_read_binary(struct jpki_transport *t, size_t off, size_t want,
                                          uint8_t *out, size_t *got, struct jpki_err *err);
/* SELECT the JPKI application (clears the card's security state). */
JPKI_MUST_CHECK int jpki_host_select_app(struct jpki_transport *t, struct jpki_err *err);
/* SELECT an EF of the application. */
JPKI_MUST_CHECK int jpki_host_select_ef(struct jpki_transport *t, uint16_t fid,
                                        struct jpki_err *err);

/*
 * Read a certificate EF (0001, 0002, 000A, 000B) the way OpenSC does: 4 bytes
 * for the DER header, then the whole object in 256-byte chunks.  *ret is a
 * new buffer (free()) with exactly the DER certificate.
 */
JPKI_MUST_CHECK int jpki_host_read_cert(struct jpki_transport *t, uint16_t fid, uint8_t **ret,
                                        size_t *ret_len, struct jpki_err *err);
/* The token string of EF 0006, trailing spaces and NULs trimmed. */
JPKI_MUST_CHECK int jpki_host_read_token(struct jpki_transport *t, char out[33],
                                         struct jpki_err *err);

/* Tries left on a PIN (0 = blocked); JPKI_E_CARD when it is not set. */
JPKI_MUST_CHECK int jpki_host_pin_status(struct jpki_transport *t, enum jpki_pin_id id, int *tries,
                                         struct jpki_err *err);
/* VERIFY; on JPKI_E_PIN, *tries holds the tries left (may be NULL). */
JPKI_MUST_CHECK int jpki_host_verify(struct jpki_transport *t, enum jpki_pin_id id, const char *pin,
                                     int *tries, struct jpki_err *err);
/* CHANGE REFERENCE DATA (after a successful verify in the same session). */
JPKI_MUST_CHECK int jpki_host_change_pin(struct jpki_transport *t, enum jpki_pin_id id,
                                         const char *pin, struct jpki_err *err);
/*
 * COMPUTE SIGNATURE with the key of `id` over `data` as given (a DER
 * DigestInfo, at most 245 bytes); the PIN must be verified.  sig gets 256 bytes.
 */
JPKI_MUST_CHECK int jpki_host_sign_raw(struct jpki_transport *t, enum jpki_pin_id id,
                                       const uint8_t *data, size_t len, uint8_t sig[256],
                                       struct jpki_err *err);
/* SHA-256 of msg, wrapped as a DigestInfo (RFC 8017 §9.2), then jpki_host_sign_raw. */
JPKI_MUST_CHECK int jpki_host_sign_sha256(struct jpki_transport *t, enum jpki_pin_id id,
                                          const uint8_t *msg, size_t len, uint8_t sig[256],
                                          struct jpki_err *err);

/* GET CARD INFO and the token (selects the application first). */
JPKI_MUST_CHECK int jpki_host_info(struct jpki_transport *t, struct jpki_card_info *out,
                                   struct jpki_err *err);

/* ---- issuer side (docs/card.md "Issuer commands") ---- */

/* Challenge-response with the card's issuer key derived from master. */
JPKI_MUST_CHECK int jpki_host_issuer_auth(struct jpki_transport *t,
                                          const uint8_t master[JPKI_CARD_KEY_LEN],
                                          struct jpki_err *err);
/* The same, in the application aid (left selected). */
JPKI_MUST_CHECK int jpki_host_issuer_auth_in(struct jpki_transport *t,
                                             const uint8_t master[JPKI_CARD_KEY_LEN],
                                             const uint8_t aid[JPKI_CARD_AID_LEN],
                                             struct jpki_err *err);
JPKI_MUST_CHECK int jpki_host_put_card_data(struct jpki_transport *t, enum jpki_card_kind kind,
                                            struct jpki_date expiry, const char *number,
                                            struct jpki_err *err);
/* SET PIN: sets, resets or unblocks (rule P2); tries back to the maximum. */
JPKI_MUST_CHECK int jpki_host_set_pin(struct jpki_transport *t, enum jpki_pin_id id,
                                      const char *pin, struct jpki_err *err);
/* GENERATE KEY PAIR on the card; *ret = its SubjectPublicKeyInfo DER (free()). */
JPKI_MUST_CHECK int jpki_host_generate_key(struct jpki_transport *t, enum jpki_pin_id id,
                                           uint8_t **ret, size_t *ret_len, struct jpki_err *err);
/* READ PUBLIC KEY: the SubjectPublicKeyInfo DER of a key on the card. */
JPKI_MUST_CHECK int jpki_host_read_pubkey(struct jpki_transport *t, enum jpki_pin_id id,
                                          uint8_t **ret, size_t *ret_len, struct jpki_err *err);
/* Replace a certificate EF with der (ERASE BINARY, then WRITE BINARY in chunks). */
JPKI_MUST_CHECK int jpki_host_write_file(struct jpki_transport *t, uint16_t fid, const uint8_t *der,
                                         size_t len, struct jpki_err *err);
/* DELETE: the key, certificates and PIN of one kind, or of both (all = true). */
JPKI_MUST_CHECK int jpki_host_delete(struct jpki_transport *t, bool all, enum jpki_pin_id id,
                                     struct jpki_err *err);

#endif
