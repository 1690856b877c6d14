/*
 * pdf.h: the counter's printable documents as PDF (cairo + pango, with a
 * Japanese font from Debian: fonts-ipaexfont-gothic): the inquiry-and-answer
 * form (照会書兼回答書), the renewal notice (有効期限通知書) with its
 * enclosed form, and the fee receipt (領収書).  A document is built in
 * memory and returned as bytes; the caller writes it atomically.
 */
#ifndef JPKI_COUNTER_PDF_H
#define JPKI_COUNTER_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "jpki/records.h"
#include "store/counter_rec.h"

/* A form as printed: its code, whom it is mailed to, what it asks, until when. */
struct jpki_form_print {
	const char *code;
	const struct jpki_resident *to;
	int kinds; /* bit 0 signature, bit 1 authentication */
	int64_t issued_at, expires_at;
	bool renewal; /* enclosed with a renewal notice (rule N4) */
};

/* One certificate a notice is about. */
struct jpki_notice_cert {
	enum jpki_kind kind;
	char serial[JPKI_SERIAL_HEX_MAX];
	int64_t not_after;
};

/* The inquiry-and-answer form alone.  *ret: malloc'd bytes (free()). */
JPKI_MUST_CHECK int jpki_pdf_form(const struct jpki_counter_config *cfg,
                                  const struct jpki_form_print *f, uint8_t **ret, size_t *len,
                                  struct jpki_err *err);
/* The renewal notice, page 1, and its enclosed form, page 2. */
JPKI_MUST_CHECK int jpki_pdf_notice(const struct jpki_counter_config *cfg,
                                    const struct jpki_notice_cert *certs, int n,
                                    const struct jpki_form_print *f, uint8_t **ret, size_t *len,
                                    struct jpki_err *err);
/* A fee receipt. */
JPKI_MUST_CHECK int jpki_pdf_receipt(const struct jpki_receipt_rec *r,
                                     const struct jpki_resident *to, uint8_t **ret, size_t *len,
                                     struct jpki_err *err);

#endif
