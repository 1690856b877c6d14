/*
 * local.c: the in-process transport, the APDU processor called directly.
 *
 * On an image file the card is the same one `jpki card attach` puts behind
 * pcscd, with the same commit-before-answer rule; without the reader stack
 * it is fast enough for unit tests and for personalisation at the counter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/image.h"
#include "transport.h"

struct local {
	struct jpki_transport t;
	struct jpki_card *card;          /* the card, owned by h or the caller */
	struct jpki_card_file_handle *h; /* owned when on an image */
};

static int local_transmit(struct jpki_transport *t, const uint8_t *capdu, size_t clen,
                          uint8_t rapdu[JPKI_RAPDU_MAX], size_t *rlen, struct jpki_err *err)
{
	struct local *l = (struct local *)t;
	if (l->h)
		jpki_err_clear(&l->h->commit_err);
	*rlen = jpki_card_process(l->card, capdu, clen, rapdu);
	/* a failed commit answers 65 81; the file's reason is worth more */
	if (l->h && *rlen == 2 && rapdu[0] == 0x65 && rapdu[1] == 0x81 && l->h->commit_err.msg[0])
		return jpki_fail(err, JPKI_E_IO, "the card could not save its state: %s",
		                 l->h->commit_err.msg);
	return 0;
}

static int local_reset(struct jpki_transport *t, struct jpki_err *err)
{
	jpki_card_power(((struct local *)t)->card);
	return 0;
}

static void local_close(struct jpki_transport *t)
{
	struct local *l = (struct local *)t;
	jpki_card_image_close(l->h);
	free(l);
}

static const struct jpki_transport_ops local_ops = {local_transmit, local_reset, local_close};

void jpki_transport_close(struct jpki_transport *t)
{
	if (t)
		t->ops->close(t);
}

int jpki_transport_card_open(struct jpki_card *card, struct jpki_transport **ret,
                             struct jpki_err *err)
{
	struct local *l = calloc(1, sizeof(*l));
	if (!l)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	l->t.ops = &local_ops;
	snprintf(l->t.name, sizeof(l->t.name), "in-memory card");
	l->card = card;
	jpki_card_power(card);
	*ret = &l->t;
	return 0;
}

int jpki_transport_image_open(const struct jpki_ctx *ctx, const char *path,
                              struct jpki_transport **ret, struct jpki_err *err)
{
	struct jpki_card_file_handle *h = NULL;
	int rc = jpki_card_image_open(ctx, path, &h, err);
	if (rc < 0)
		return rc;
	struct local *l = calloc(1, sizeof(*l));
	if (!l) {
		jpki_card_image_close(h);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	l->t.ops = &local_ops;
	snprintf(l->t.name, sizeof(l->t.name), "%s", path);
	l->card = h->card;
	l->h = h;
	*ret = &l->t;
	return 0;
}
