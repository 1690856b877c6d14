/*
 * writer.c: the capped writer (writer.h).
 */
#include <string.h>

#include "der.h"
#include "writer.h"

void jpki_wr_put(struct jpki_wr *w, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (w->failed || w->len > w->cap || n > w->cap - w->len) {
		w->failed = true;
		return;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

void jpki_wr_u8(struct jpki_wr *w, uint8_t v)
{
	jpki_wr_put(w, &v, 1);
}

void jpki_wr_be16(struct jpki_wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	jpki_wr_put(w, b, 2);
}

void jpki_wr_der_header(struct jpki_wr *w, uint8_t tag, size_t len)
{
	uint8_t h[8];
	jpki_wr_put(w, h, jpki_der_put_header(h, tag, len));
}

void jpki_wr_prepend(struct jpki_wr *w, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (w->failed || n > w->start) {
		w->failed = true;
		return;
	}
	w->start -= n;
	memcpy(w->p + w->start, data, n);
}

void jpki_wr_prepend_der_header(struct jpki_wr *w, uint8_t tag, size_t len)
{
	uint8_t h[8];
	jpki_wr_prepend(w, h, jpki_der_put_header(h, tag, len));
}
