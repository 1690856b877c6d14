/*
 * error.c: the error table and the helpers that fill a struct jpki_err.
 *
 * The message always starts with what went wrong in the caller's terms;
 * OpenSSL's own reasons, when there are any, follow after a colon.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "jpki/error.h"

static const struct {
	const char *name;
	int http;
	unsigned sw;
	const char *msg;
} table[JPKI_E_COUNT] = {
#define JPKI_X_ROW(name, http, sw, msg) {#name, http, sw, msg},
    JPKI_ERROR_TABLE(JPKI_X_ROW)
#undef JPKI_X_ROW
};

static int code_in_range(enum jpki_code code)
{
	return (int)code >= 0 && code < JPKI_E_COUNT;
}

const char *jpki_code_name(enum jpki_code code)
{
	return code_in_range(code) ? table[code].name : "UNKNOWN";
}

const char *jpki_code_message(enum jpki_code code)
{
	return code_in_range(code) ? table[code].msg : "unknown error";
}

int jpki_code_http_status(enum jpki_code code)
{
	return code_in_range(code) ? table[code].http : 500;
}

unsigned jpki_code_sw(enum jpki_code code)
{
	return code_in_range(code) ? table[code].sw : 0;
}

enum jpki_code jpki_code_from_sw(unsigned sw)
{
	if ((sw & 0xFFF0) == 0x63C0) /* ISO 7816-4 §5.1.3: 63 Cx, x tries left */
		return JPKI_E_PIN;
	for (int i = 0; i < JPKI_E_COUNT; i++)
		if (table[i].sw != 0 && table[i].sw == sw)
			return (enum jpki_code)i;
	return JPKI_E_CARD;
}

void jpki_err_clear(struct jpki_err *err)
{
	if (err) {
		err->code = JPKI_E_OK;
		err->msg[0] = '\0';
	}
}

/*
 * format(printf, 3, 0): fmt is checked at the callers (jpki_fail, jpki_fail_ossl).
 * Formatted into a buffer of its own first, so a caller may wrap the message
 * already in err ("...: %s", err->msg) without overlapping source and target.
 */
static __attribute__((format(printf, 3, 0))) void vset(struct jpki_err *err, enum jpki_code code,
                                                       const char *fmt, va_list ap)
{
	char msg[sizeof(err->msg)];
	if (fmt)
		vsnprintf(msg, sizeof(msg), fmt, ap);
	else
		snprintf(msg, sizeof(msg), "%s", jpki_code_message(code));
	err->code = code;
	memcpy(err->msg, msg, sizeof(msg));
}

int jpki_fail(struct jpki_err *err, enum jpki_code code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vset(err, code, fmt, ap);
		va_end(ap);
	}
	return -(int)code;
}

int jpki_fail_ossl(struct jpki_err *err, enum jpki_code code, const char *fmt, ...)
{
	unsigned long e;
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vset(err, code, fmt, ap);
		va_end(ap);
		const char *sep = ": ";
		while ((e = ERR_get_error()) != 0) {
			size_t used = strlen(err->msg);
			char reason[256];
			ERR_error_string_n(e, reason, sizeof(reason));
			if (used + 3 < sizeof(err->msg))
				snprintf(err->msg + used, sizeof(err->msg) - used, "%s%s", sep,
				         reason);
			sep = "; ";
		}
	} else {
		ERR_clear_error();
	}
	return -(int)code;
}
