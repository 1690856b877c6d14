/*
 * jpki/error.h: the one error currency of jpki.
 *
 * Every library function that can fail returns 0 on success or a negative
 * jpki error code, and writes a human-readable explanation into a caller's
 * struct jpki_err.  The table below is the only list of codes: each carries
 * a stable name, a short default message and the HTTP status a front end
 * should answer with, so every program reports the same error the same way.
 */
#ifndef JPKI_ERROR_H
#define JPKI_ERROR_H

#include "jpki/api.h"

#include <stddef.h>

/*
 * X(name, HTTP status, ISO 7816-4 status word, default message).  The status
 * word is what a card answers for the error and what the host side reads a
 * card's answer as (jpki_code_from_sw: the first row with that word, so a
 * word names one code); 0 where no card answer means it.  PIN's word is
 * 63 C0 with the tries left in the low nibble.
 */
#define JPKI_ERROR_TABLE(X)                                                                        \
	X(OK, 200, 0x9000, "success")                                                              \
	X(INVALID, 400, 0x6A80, "invalid input")                                                   \
	X(NOMEM, 500, 0, "out of memory")                                                          \
	X(IO, 500, 0x6581, "input/output error")                                                   \
	X(CRYPTO, 500, 0, "cryptographic operation failed")                                        \
	X(STORE, 500, 0, "registry error")                                                         \
	X(NOT_FOUND, 404, 0x6A82, "not found")                                                     \
	X(EXISTS, 409, 0x6A89, "already exists")                                                   \
	X(BAD_KEY, 400, 0, "unusable public key")                                                  \
	X(WEAK_KEY, 400, 0, "public key too weak")                                                 \
	X(BAD_DATE, 400, 0, "invalid date")                                                        \
	X(NOT_ELIGIBLE, 403, 0x6985, "not eligible")                                               \
	X(PASSPHRASE, 500, 0, "CA passphrase missing or wrong")                                    \
	X(STATE, 409, 0, "operation not allowed in the current state")                             \
	X(LIMIT, 413, 0x6700, "input exceeds a limit")                                             \
	X(SCHEMA, 500, 0, "registry schema is newer than this program")                            \
	X(CARD, 502, 0x6F00, "the card answered with an error")                                    \
	X(NO_CARD, 503, 0, "no card reader or no card")                                            \
	X(PIN, 403, 0x63C0, "wrong PIN")                                                           \
	X(PIN_BLOCKED, 423, 0x6983, "PIN blocked")                                                 \
	X(DENIED, 403, 0x6982, "security condition not satisfied")                                 \
	X(REFUSED, 422, 0, "refused by a rule of the procedure")                                   \
	X(UNAUTHENTICATED, 401, 0, "authentication required")

enum jpki_code {
#define JPKI_X_ENUM(name, http, sw, msg) JPKI_E_##name,
	JPKI_ERROR_TABLE(JPKI_X_ENUM)
#undef JPKI_X_ENUM
	    JPKI_E_COUNT
};

struct jpki_err {
	enum jpki_code code;
	char msg[512];
};

/* Stable upper-case name of a code ("NOT_FOUND"); never NULL. */
JPKI_API const char *jpki_code_name(enum jpki_code code);
/* Default message of a code; never NULL. */
JPKI_API const char *jpki_code_message(enum jpki_code code);
/* HTTP status a server answers with for this code. */
JPKI_API int jpki_code_http_status(enum jpki_code code);
/* The status word a card answers for this code (0: none of its own). */
JPKI_API unsigned jpki_code_sw(enum jpki_code code);
/* The code a card's status word means: 63 Cx is PIN, a word of the table its row, else CARD. */
JPKI_API enum jpki_code jpki_code_from_sw(unsigned sw);

/*
 * Record an error in err (which may be NULL) and return -code, so a caller
 * writes `return jpki_fail(err, JPKI_E_INVALID, "bad sex %s", s);`.
 */
JPKI_API int jpki_fail(struct jpki_err *err, enum jpki_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Like jpki_fail, then append the reasons OpenSSL queued (draining its error
 * queue), so no stale OpenSSL error leaks into the next operation.
 */
#ifdef JPKI_INTERNAL /* the library's own: OpenSSL's error queue is not part of the API */
int jpki_fail_ossl(struct jpki_err *err, enum jpki_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif

/* Reset err to success. */
JPKI_API void jpki_err_clear(struct jpki_err *err);

#endif
