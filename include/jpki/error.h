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

#include <stddef.h>

/* X(name, http status, default message) */
#define JPKI_ERROR_TABLE(X)                                                                        \
	X(OK, 200, "success")                                                                      \
	X(INVALID, 400, "invalid input")                                                           \
	X(NOMEM, 500, "out of memory")                                                             \
	X(IO, 500, "input/output error")                                                           \
	X(CRYPTO, 500, "cryptographic operation failed")                                           \
	X(STORE, 500, "registry error")                                                            \
	X(NOT_FOUND, 404, "not found")                                                             \
	X(EXISTS, 409, "already exists")                                                           \
	X(BAD_KEY, 400, "unusable public key")                                                     \
	X(WEAK_KEY, 400, "public key too weak")                                                    \
	X(BAD_DATE, 400, "invalid date")                                                           \
	X(NOT_ELIGIBLE, 403, "not eligible")                                                       \
	X(PASSPHRASE, 500, "CA passphrase missing or wrong")                                       \
	X(STATE, 409, "operation not allowed in the current state")                                \
	X(LIMIT, 413, "input exceeds a limit")                                                     \
	X(SCHEMA, 500, "registry schema is newer than this program")                               \
	X(CARD, 502, "the card answered with an error")                                            \
	X(NO_CARD, 503, "no card reader or no card")                                               \
	X(PIN, 403, "wrong PIN")                                                                   \
	X(PIN_BLOCKED, 423, "PIN blocked")                                                         \
	X(DENIED, 403, "security condition not satisfied")

enum jpki_code {
#define JPKI_X_ENUM(name, http, msg) JPKI_E_##name,
	JPKI_ERROR_TABLE(JPKI_X_ENUM)
#undef JPKI_X_ENUM
	JPKI_E_COUNT
};

struct jpki_err {
	enum jpki_code code;
	char msg[512];
};

/* Stable upper-case name of a code ("NOT_FOUND"); never NULL. */
const char *jpki_code_name(enum jpki_code code);
/* Default message of a code; never NULL. */
const char *jpki_code_message(enum jpki_code code);
/* HTTP status a server answers with for this code. */
int jpki_code_http_status(enum jpki_code code);

/*
 * Record an error in err (which may be NULL) and return -code, so a caller
 * writes `return jpki_fail(err, JPKI_E_INVALID, "bad sex %s", s);`.
 */
int jpki_fail(struct jpki_err *err, enum jpki_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Like jpki_fail, then append the reasons OpenSSL queued (draining its error
 * queue), so no stale OpenSSL error leaks into the next operation.
 */
int jpki_fail_ossl(struct jpki_err *err, enum jpki_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reset err to success. */
void jpki_err_clear(struct jpki_err *err);

#endif
