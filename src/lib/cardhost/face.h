/*
 * face.h: the card-face text application (券面事項入力補助AP), host side.
 *
 * The card carries the four facts printed on its face (name, address, birth
 * date, sex) in EF 0002 of its own application, behind its own 4-digit PIN
 * (EF 0011, 3 tries).  The counter reads them with the issuer key to check
 * them against the resident record (rule E4) and rewrites them when the
 * record changes.  Layout in docs/card-spec.md "The card-face text
 * application".
 */
#ifndef JPKI_CARDHOST_FACE_H
#define JPKI_CARDHOST_FACE_H

#include "jpki/api.h"
#include "jpki/records.h"
#include "transport.h"

#define JPKI_FACE_NAME_MAX (2 * JPKI_NAME_MAX + 4) /* family, ideographic space, given */
#define JPKI_FACE_MAX 1100                         /* bytes of EF 0002 */

struct jpki_card_face {
	char name[JPKI_FACE_NAME_MAX];
	char address[JPKI_ADDRESS_MAX];
	struct jpki_date birth;
	enum jpki_sex sex;
};

/* The card face a resident record calls for (the name as family U+3000 given). */
void jpki_face_of_resident(const struct jpki_resident *r, struct jpki_card_face *out);
/* Rule E4: which facts differ, as "name, address" ("" when they agree). */
void jpki_face_diff(const struct jpki_card_face *card, const struct jpki_card_face *record,
                    char *out, size_t cap);

/* EF 0002's bytes for face; INVALID when a field does not fit. */
JPKI_MUST_CHECK int jpki_face_encode(const struct jpki_card_face *face, uint8_t *buf, size_t cap,
                                     size_t *len, struct jpki_err *err);
/* Parse EF 0002 (outside bytes, read through the bounded cursor); INVALID when malformed. */
JPKI_MUST_CHECK int jpki_face_decode(const uint8_t *buf, size_t len, struct jpki_card_face *out,
                                     struct jpki_err *err);

/*
 * Read the card face: with the holder's face PIN (pin not NULL), or else
 * as the issuer (master).  NOT_FOUND when nothing was ever written,
 * INVALID when what is written is malformed.
 */
JPKI_MUST_CHECK int jpki_host_read_face(struct jpki_transport *t,
                                        const uint8_t master[JPKI_CARD_KEY_LEN], const char *pin,
                                        struct jpki_card_face *out, struct jpki_err *err);
/* Write the card face as the issuer; and set the face PIN when pin is not NULL. */
JPKI_MUST_CHECK int jpki_host_write_face(struct jpki_transport *t,
                                         const uint8_t master[JPKI_CARD_KEY_LEN],
                                         const struct jpki_card_face *face, const char *pin,
                                         struct jpki_err *err);

#endif
