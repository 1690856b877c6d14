/*
 * writer.h: a capped writer, the one way jpki composes bytes (certificates,
 * CRLs, card images).
 *
 * Bytes go into [start, len) of a buffer of cap bytes.  A write that does
 * not fit marks the writer failed and writes nothing, so a builder checks
 * once at the end (`if (w.failed)`).  A writer made with room in front can
 * also prepend: DER wants its lengths first, and a builder that writes the
 * content first puts the headers before it, backwards, as it learns them.
 */
#ifndef JPKI_CORE_WRITER_H
#define JPKI_CORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jpki_wr {
	uint8_t *p;
	size_t start; /* first byte written; prepending moves it down */
	size_t len;   /* one past the last byte written */
	size_t cap;
	bool failed;
};

/* A writer over buf (cap bytes), appending from the start. */
static inline struct jpki_wr jpki_wr_make(void *buf, size_t cap)
{
	struct jpki_wr w = {(uint8_t *)buf, 0, 0, cap, false};
	return w;
}

/* A writer that appends from `head` on and may prepend up to head bytes before it. */
static inline struct jpki_wr jpki_wr_make_head(void *buf, size_t cap, size_t head)
{
	struct jpki_wr w = {(uint8_t *)buf, head, head, cap, head > cap};
	return w;
}

/* What is written: its first byte and its size. */
static inline const uint8_t *jpki_wr_data(const struct jpki_wr *w)
{
	return w->p + w->start;
}

static inline size_t jpki_wr_size(const struct jpki_wr *w)
{
	return w->len - w->start;
}

/* Append n bytes of data (n 0: nothing, data may be NULL). */
void jpki_wr_put(struct jpki_wr *w, const void *data, size_t n);
void jpki_wr_u8(struct jpki_wr *w, uint8_t v);
void jpki_wr_be16(struct jpki_wr *w, uint16_t v);
/* A DER tag and length header (jpki_der_put_header). */
void jpki_wr_der_header(struct jpki_wr *w, uint8_t tag, size_t len);
/* Put n bytes of data right before what is written. */
void jpki_wr_prepend(struct jpki_wr *w, const void *data, size_t n);
/* A DER header for the len bytes that follow it, before what is written. */
void jpki_wr_prepend_der_header(struct jpki_wr *w, uint8_t tag, size_t len);

#endif
