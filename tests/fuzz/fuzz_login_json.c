/*
 * fuzz_login_json.c: the Web eID token's JSON reader (src/lib/login/token.c)
 * against jansson, its judge: the reader must never accept what jansson's
 * json_loadb(JSON_REJECT_DUPLICATES) and json_unpack("{s:s, s:s, s:s, s:s,
 * s?s}") refuse, and must read the same five fields when both accept.  (It
 * may refuse more: its depth, member and digit limits, token.h.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "login/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_login_fields f;
	json_error_t je;
	if (size > 20000)
		return 0;
	if (jpki_login_token_read((const char *)data, size, &f) != NULL) {
		jpki_login_fields_clear(&f);
		return 0;
	}
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	const char *fm = NULL, *c = NULL, *a = NULL, *s = NULL, *v = NULL;
	if (!j ||
	    json_unpack(j, "{s:s, s:s, s:s, s:s, s?s}", "format", &fm, "unverifiedCertificate", &c,
	                "algorithm", &a, "signature", &s, "appVersion", &v) != 0)
		abort(); /* the reader accepted what jansson refuses */
	if (!same(fm, f.format) || !same(c, f.cert) || !same(a, f.alg) || !same(s, f.sig) ||
	    !same(v, f.app) || strlen(f.cert) != f.cert_len || strlen(f.sig) != f.sig_len)
		abort(); /* or read other fields */
	json_decref(j);
	jpki_login_fields_clear(&f);
	return 0;
}
