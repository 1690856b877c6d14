/*
 * image.h: a card's persistent state as a file (format in docs/card.md).
 *
 *   "JPKICARD" | version (2) | chip serial (8) | nonce (12) | body length (4)
 *   | AES-256-GCM(image key, body) | tag (16)
 *
 * The header is authenticated as GCM's additional data; the body is a
 * sequence of tag-length-value records (card data, PIN hashes and counters,
 * the private keys as PKCS#8, the certificate files) read back through the
 * bounded cursor.  Every change is written with jpki_write_file_atomic()
 * (temporary file, fsync, rename, fsync of the folder) before the card
 * answers the command that made it.
 */
#ifndef JPKI_CARD_IMAGE_H
#define JPKI_CARD_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "card.h"

#define JPKI_IMAGE_VERSION 1
#define JPKI_IMAGE_MAX (64 * 1024)
#define JPKI_IMAGE_HEADER_LEN 34
#define JPKI_IMAGE_TAG_LEN 16

/* The plaintext body of a card; *ret is freed with OPENSSL_clear_free(*ret, *ret_len). */
JPKI_MUST_CHECK int jpki_card_body_encode(const struct jpki_card *c, uint8_t **ret, size_t *ret_len,
                                          struct jpki_err *err);
/* Fill blank card c from a body (outside bytes: every length is checked). */
JPKI_MUST_CHECK int jpki_card_body_decode(struct jpki_card *c, const uint8_t *buf, size_t len,
                                          struct jpki_err *err);

/* The whole image of c, sealed with c->k_image; caller frees *ret with free(). */
JPKI_MUST_CHECK int jpki_card_image_seal(const struct jpki_card *c, uint8_t **ret, size_t *ret_len,
                                         struct jpki_err *err);
/* Open an image: check the header, derive the card's keys, decrypt, decode. */
JPKI_MUST_CHECK int jpki_card_image_unseal(const uint8_t master[JPKI_CARD_KEY_LEN],
                                           const uint8_t *buf, size_t len, struct jpki_card **ret,
                                           struct jpki_err *err);

/*
 * A card image file in use: the card, loaded, with its commit hook writing
 * the file, and an exclusive lock (<path>.lock) so one process at a time
 * drives the card.
 */
struct jpki_card_file_handle {
	struct jpki_card *card;
	char path[4096];
	int lock_fd;
	struct jpki_err commit_err; /* why the last commit failed */
};

/*
 * Create a blank card image at path (refuses an existing file), with a new
 * random chip serial.  The issuer master key is created when missing.
 */
JPKI_MUST_CHECK int jpki_card_image_create(const struct jpki_ctx *ctx, const char *path,
                                           uint8_t ret_serial[JPKI_CHIP_SERIAL_LEN],
                                           struct jpki_err *err);
/* Open and lock the image at path; caller closes with jpki_card_image_close(). */
JPKI_MUST_CHECK int jpki_card_image_open(const struct jpki_ctx *ctx, const char *path,
                                         struct jpki_card_file_handle **ret, struct jpki_err *err);
void jpki_card_image_close(struct jpki_card_file_handle *h);
static inline void jpki_card_image_closep(struct jpki_card_file_handle **h)
{
	jpki_card_image_close(*h);
}

#endif
