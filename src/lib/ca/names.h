/*
 * names.h: the four basic facts as the signature certificate writes them
 * (docs/rules.md, subjectAltName otherNames 1.2.392.200149.8.5.5.1-.6),
 * and the checks a resident record must pass before it is stored.
 */
#ifndef JPKI_CA_NAMES_H
#define JPKI_CA_NAMES_H

#include <stddef.h>

#include "jpki/api.h"
#include "jpki/error.h"
#include "jpki/records.h"

/* Characters in a valid UTF-8 string, or -1 when invalid or holding a character jpki_text_check
 * refuses. */
long jpki_utf8_chars(const char *s);
/*
 * 0 when s is UTF-8 text fit to display: no control characters (C0, DEL,
 * C1) and none that reorder or break the text (bidirectional controls,
 * line and paragraph separators); else INVALID naming field and the
 * character.
 */
JPKI_MUST_CHECK int jpki_text_check(const char *field, const char *s, struct jpki_err *err);

/* Era digit of a date of birth: 1 明治 .. 5 令和, 0 before 明治. */
JPKI_MUST_CHECK int jpki_era_of(struct jpki_date d);
/* EYYYYMMDD (docs/rules.md, OID .5.5.4) into buf (>= 10 bytes). */
void jpki_birth_value(struct jpki_date d, char buf[static 10]);

/*
 * The name value (OID .5.5.1): family, U+3000, given; a registered former
 * surname and alias follow as ［旧氏　X］ and ［通称　X］ (our encoding of an
 * open point, docs/profiles.md).  The flags value (.5.5.2) has one digit per
 * character of that string.  Both written NUL-terminated; error when too long.
 */
JPKI_MUST_CHECK int jpki_name_value(const struct jpki_resident *r, char *name, size_t name_cap,
                                    char *flags, size_t flags_cap, struct jpki_err *err);
/* The address flags value (.5.5.6): the stored flags, or '0' per character. */
JPKI_MUST_CHECK int jpki_address_flags(const struct jpki_resident *r, char *flags, size_t cap,
                                       struct jpki_err *err);

/*
 * Split an address into prefecture and municipality (for the signature
 * certificate's L= attributes).  The address must start with one of the 47
 * prefectures; the municipality runs to its 市/区/町/村 (through 郡 when there
 * is one).  Outputs are NUL-terminated copies.
 */
JPKI_MUST_CHECK int jpki_address_split(const char *address, char *pref, size_t pref_cap, char *city,
                                       size_t city_cap, struct jpki_err *err);

/* Check every field of a resident before it is stored (JPKI_E_INVALID with the field named). */
JPKI_MUST_CHECK int jpki_resident_check(const struct jpki_resident *r, struct jpki_err *err);

#endif
