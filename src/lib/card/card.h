/*
 * card.h: the software My Number card, card side.
 *
 * A struct jpki_card is one card: its persistent state (card data, PINs and
 * their retry counters, the two RSA-2048 private keys, the certificate
 * files) and its volatile security state (selection, verified PINs, issuer
 * authentication), which power-off, reset and re-selection of the
 * application clear.
 *
 * jpki_card_process() is the APDU processor (apdu.c for the JPKI
 * application of docs/card-spec.md, perso.c for the issuer commands of
 * docs/card.md).  It does no I/O of its own: when a command changes
 * persistent state, the processor calls the card's commit hook *before* it
 * answers, so the image on disk (image.c) never lags behind what the card
 * told its reader; when the hook fails the card answers 65 81 (memory
 * failure) and keeps nothing of the change.  No command returns a private
 * key.
 */
#ifndef JPKI_CARD_CARD_H
#define JPKI_CARD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/date.h"
#include "jpki/error.h"

/* docs/card-spec.md "Identity and probing" */
#define JPKI_CARD_AID_LEN 10
extern const uint8_t jpki_card_aid[JPKI_CARD_AID_LEN];
/* docs/card-spec.md "The card-face text application" (券面事項入力補助AP) */
extern const uint8_t jpki_face_aid[JPKI_CARD_AID_LEN];

/* docs/card-spec.md "Files" */
enum {
	JPKI_FID_SIGN_CERT = 0x0001,
	JPKI_FID_SIGN_CA = 0x0002,
	JPKI_FID_TOKEN = 0x0006,
	JPKI_FID_AUTH_CERT = 0x000A,
	JPKI_FID_AUTH_CA = 0x000B,
	JPKI_FID_AUTH_KEY = 0x0017,
	JPKI_FID_AUTH_PIN = 0x0018,
	JPKI_FID_SIGN_KEY = 0x001A,
	JPKI_FID_SIGN_PIN = 0x001B,
	/* in the card-face text application */
	JPKI_FID_FACE_ATTRS = 0x0002,
	JPKI_FID_FACE_PIN = 0x0011,
};

/* ISO 7816-4 §5.1.3 status words the card answers with */
enum {
	SW_OK = 0x9000,
	SW_AUTH_FAILED = 0x6300, /* issuer authentication failed */
	SW_TRIES = 0x63C0,       /* | tries left (ISO 7816-4 §5.1.3: 63 Cx) */
	SW_MEMORY = 0x6581,      /* the image could not be written */
	SW_WRONG_LENGTH = 0x6700,
	SW_FILE_INCOMPAT = 0x6981, /* command incompatible with the file */
	SW_SECURITY = 0x6982,      /* security status not satisfied */
	SW_BLOCKED = 0x6983,       /* authentication method blocked */
	SW_REF_UNUSABLE = 0x6984,  /* reference data not usable (PIN not set) */
	SW_CONDITIONS = 0x6985,    /* conditions of use not satisfied */
	SW_NO_EF = 0x6986,         /* command not allowed: no current EF */
	SW_WRONG_DATA = 0x6A80,
	SW_FUNC = 0x6A81, /* function not supported */
	SW_NOT_FOUND = 0x6A82,
	SW_NO_SPACE = 0x6A84,
	SW_P1P2 = 0x6A86,
	SW_REF_NOT_FOUND = 0x6A88,
	SW_OFFSET = 0x6B00,
	SW_INS = 0x6D00,
	SW_CLA = 0x6E00,
};

/*
 * The two PINs of rule P1 and their retry limits (docs/card-spec.md), and
 * the 4-digit PIN of the card-face text application.  Keys exist for the
 * first two only.
 */
enum jpki_pin_id { JPKI_PIN_AUTH = 0, JPKI_PIN_SIGN = 1, JPKI_PIN_FACE = 2 };
#define JPKI_PIN_COUNT 3
#define JPKI_AUTH_PIN_TRIES 3
#define JPKI_SIGN_PIN_TRIES 5
#define JPKI_FACE_PIN_TRIES 3
#define JPKI_PIN_MAX 16

/* Card kind, written by the issuer (rule C6: the old card gets nothing). */
enum jpki_card_kind {
	JPKI_CARD_KIND_NONE = 0,     /* not written yet */
	JPKI_CARD_KIND_MYNUMBER = 1, /* individual number card, token JPKIAPICCTOKEN2 */
	JPKI_CARD_KIND_JUKI = 2,     /* basic-resident-register card, token JPKIAPICCTOKEN */
};

#define JPKI_CHIP_SERIAL_LEN 8
#define JPKI_CARD_NUMBER_MAX 16
#define JPKI_CARD_FILE_MAX 4096 /* bytes per certificate file */
#define JPKI_CARD_KEY_LEN 32
#define JPKI_CHALLENGE_LEN 16
#define JPKI_RAPDU_MAX 258 /* 256 data bytes + SW1 SW2: short APDUs only */

struct jpki_card_pin {
	bool set;
	uint8_t tries; /* consecutive failures left */
	uint8_t max;
	uint8_t hash[32]; /* HMAC-SHA256(pin key, fid || PIN) */
};

struct jpki_card_file {
	uint8_t *data; /* owned, JPKI_CARD_FILE_MAX bytes when allocated */
	size_t len;
};

/* The writable files: 0001, 0002, 000A, 000B of JPKI; 0002 of the card-face application. */
enum {
	JPKI_FILE_SIGN_CERT,
	JPKI_FILE_SIGN_CA,
	JPKI_FILE_AUTH_CERT,
	JPKI_FILE_AUTH_CA,
	JPKI_FILE_FACE,
	JPKI_FILE_COUNT
};

struct jpki_card;
typedef int (*jpki_card_commit_fn)(const struct jpki_card *card, void *arg);

struct jpki_card {
	/* persistent (image.c) */
	uint8_t serial[JPKI_CHIP_SERIAL_LEN]; /* chip serial, fixed at manufacture */
	enum jpki_card_kind kind;
	char number[JPKI_CARD_NUMBER_MAX + 1];
	bool has_expiry;
	struct jpki_date expiry;
	struct jpki_card_pin pin[JPKI_PIN_COUNT]; /* indexed by enum jpki_pin_id */
	EVP_PKEY *key[2];                         /* indexed by enum jpki_pin_id; owned */
	struct jpki_card_file file[JPKI_FILE_COUNT];

	/* derived from the issuer master key and the serial when loaded (keys.c) */
	uint8_t k_image[JPKI_CARD_KEY_LEN];
	uint8_t k_pin[JPKI_CARD_KEY_LEN];
	uint8_t k_issuer[JPKI_CARD_KEY_LEN];

	/* volatile security state: cleared by jpki_card_power() and re-selection */
	bool app_selected;  /* the JPKI application */
	bool face_selected; /* the card-face text application */
	uint16_t cur_fid;   /* 0 = no current EF */
	bool verified[JPKI_PIN_COUNT];
	bool challenge_valid;
	uint8_t challenge[JPKI_CHALLENGE_LEN];
	bool issuer_auth;

	jpki_card_commit_fn commit; /* may be NULL (a card in memory only) */
	void *commit_arg;
};

/*
 * A blank card with chip serial `serial`, its keys derived from the
 * issuer master key (keys.c).  Caller frees with jpki_card_free().
 */
JPKI_MUST_CHECK int jpki_card_new(const uint8_t master[JPKI_CARD_KEY_LEN],
                                  const uint8_t serial[JPKI_CHIP_SERIAL_LEN],
                                  struct jpki_card **ret, struct jpki_err *err);
/* Free a card, wiping its secrets; NULL is fine. */
void jpki_card_free(struct jpki_card *card);
static inline void jpki_card_freep(struct jpki_card **c)
{
	jpki_card_free(*c);
}

/* Power off, power on or reset (vpcd 00/01/02): clear all volatile state. */
void jpki_card_power(struct jpki_card *card);

/*
 * Process one C-APDU of len bytes (read only through a bounded cursor);
 * write the R-APDU (data then SW1 SW2) into out, which has room for
 * JPKI_RAPDU_MAX bytes.  Returns the R-APDU length, always >= 2.
 */
size_t jpki_card_process(struct jpki_card *card, const uint8_t *apdu, size_t len,
                         uint8_t out[JPKI_RAPDU_MAX]);

/* The card's ATR (T=1, correct TCK); *len set to its length. */
const uint8_t *jpki_card_atr(size_t *len);

/* The 32-byte token of EF 0006 for the card's kind, space padded. */
void jpki_card_token(enum jpki_card_kind kind, uint8_t out[32]);

/* Rule P1: the PIN's format (4 digits; or 6-16 of A-Z0-9 with both); the face PIN: 4 digits. */
bool jpki_pin_format_ok(enum jpki_pin_id id, const uint8_t *pin, size_t len);

/* ---- inside the card module (apdu.c, perso.c) ---- */

struct jpki_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data; /* borrowed from the command buffer */
	size_t lc;
	bool has_le;
	size_t le; /* 1..256 */
};

/* perso.c: CLA 80 commands other than COMPUTE SIGNATURE. */
uint16_t jpki_card_perso(struct jpki_card *card, const struct jpki_apdu *a, uint8_t *out,
                         size_t *out_len);

/* apdu.c: run the commit hook; false when it failed. */
bool jpki_card_commit(struct jpki_card *card);

/* Index of a writable file by FID in the selected application, or -1. */
JPKI_MUST_CHECK int jpki_card_file_index(const struct jpki_card *card, uint16_t fid);
/* The FID of a PIN's EF (0018, 001B, 0011). */
uint16_t jpki_pin_fid(enum jpki_pin_id id);

#endif
