/*
 * keys.h: the issuer master key and the per-card keys derived from it.
 *
 * One 32-byte issuer master key (a file, docs/card.md "Keys") stands for
 * what a real card's manufacturer and issuer keep in hardware.  Every card
 * key is derived from it with HKDF-SHA256 (RFC 5869), the chip serial as
 * salt and a distinct label as info, so one card's keys say nothing about
 * another's:
 *   image key   AES-256-GCM key of the card image (image.c)
 *   PIN key     HMAC key of the stored PIN hashes
 *   issuer key  the shared secret of issuer authentication (perso.c)
 */
#ifndef JPKI_CARD_KEYS_H
#define JPKI_CARD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "card.h"
#include "jpki/ctx.h"

/* JPKI_KEY_FORM: not a card's key; the counter's inquiry forms' MAC key (salt: none) */
enum jpki_card_key_use { JPKI_KEY_IMAGE, JPKI_KEY_PIN, JPKI_KEY_ISSUER, JPKI_KEY_FORM };

/*
 * Load the issuer master key: the file named by JPKI_ISSUER_KEY_FILE, else
 * <data>/card/issuer.key, created (32 random bytes, mode 0600) on first use
 * when `create` is true.  The file must hold exactly 32 bytes.
 */
JPKI_MUST_CHECK int jpki_issuer_master_load(const struct jpki_ctx *ctx,
                                            uint8_t out[JPKI_CARD_KEY_LEN], bool create,
                                            struct jpki_err *err);

/* HKDF-SHA256(master, salt = serial, info = label of `use`) into out. */
JPKI_MUST_CHECK int jpki_card_derive(const uint8_t master[JPKI_CARD_KEY_LEN],
                                     const uint8_t serial[JPKI_CHIP_SERIAL_LEN],
                                     enum jpki_card_key_use use, uint8_t out[JPKI_CARD_KEY_LEN],
                                     struct jpki_err *err);

/* HMAC-SHA256(key, a || b) into out (32 bytes).  0 or -1. */
JPKI_MUST_CHECK int jpki_hmac2(const uint8_t key[JPKI_CARD_KEY_LEN], const uint8_t *a, size_t alen,
                               const uint8_t *b, size_t blen, uint8_t out[32]);

/* The issuer's answer to a challenge: HMAC(issuer key, label || serial || challenge). */
JPKI_MUST_CHECK int jpki_issuer_response(const uint8_t k_issuer[JPKI_CARD_KEY_LEN],
                                         const uint8_t serial[JPKI_CHIP_SERIAL_LEN],
                                         const uint8_t challenge[JPKI_CHALLENGE_LEN],
                                         uint8_t out[32]);

#endif
