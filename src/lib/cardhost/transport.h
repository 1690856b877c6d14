/*
 * transport.h: how the host side reaches a card.
 *
 * A transport carries one C-APDU to a card and brings its R-APDU back.
 * Two implementations: PC/SC through libpcsclite (pcsc.c: any card in any
 * reader, including our software card behind pcscd and vpcd), and
 * in-process (local.c: the APDU processor called directly, on a card image
 * file or on a card in memory), which personalisation and the unit tests
 * use.  host.c speaks the JPKI application over either.
 */
#ifndef JPKI_CARD_TRANSPORT_H
#define JPKI_CARD_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "card/card.h"

struct jpki_transport;

struct jpki_transport_ops {
	/* Send capdu; the R-APDU (>= 2 bytes, <= JPKI_RAPDU_MAX) goes to rapdu. */
	int (*transmit)(struct jpki_transport *t, const uint8_t *capdu, size_t clen,
	                uint8_t rapdu[JPKI_RAPDU_MAX], size_t *rlen, struct jpki_err *err);
	/* Reset the card (clears its security state). */
	int (*reset)(struct jpki_transport *t, struct jpki_err *err);
	void (*close)(struct jpki_transport *t);
};

struct jpki_transport {
	const struct jpki_transport_ops *ops;
	char name[256]; /* reader name or image path, for messages */
};

void jpki_transport_close(struct jpki_transport *t);
static inline void jpki_transport_closep(struct jpki_transport **t)
{
	jpki_transport_close(*t);
}

/* In-process, on the card image file at path (locked while open). */
JPKI_MUST_CHECK int jpki_transport_image_open(const struct jpki_ctx *ctx, const char *path,
                                              struct jpki_transport **ret, struct jpki_err *err);
/* In-process, on a card in memory (borrowed: the caller frees it after closing). */
JPKI_MUST_CHECK int jpki_transport_card_open(struct jpki_card *card, struct jpki_transport **ret,
                                             struct jpki_err *err);

/*
 * PC/SC: connect to the reader whose name contains `reader` (NULL: the first
 * reader holding a card).  JPKI_E_NO_CARD when there is none.
 */
JPKI_MUST_CHECK int jpki_transport_pcsc_open(const char *reader, struct jpki_transport **ret,
                                             struct jpki_err *err);

typedef int (*jpki_reader_cb)(const char *name, bool has_card, const uint8_t *atr, size_t atr_len,
                              void *arg);
/* Each PC/SC reader with its card state and ATR. */
JPKI_MUST_CHECK int jpki_pcsc_readers(jpki_reader_cb cb, void *arg, struct jpki_err *err);

#endif
