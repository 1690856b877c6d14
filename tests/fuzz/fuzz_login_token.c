/*
 * fuzz_login_token.c: jpki_login_validate over a token from outside (the
 * JSON a browser's helper posts): its size and format checks, the JSON and
 * base64, the certificate's decoding and checks up to the path.
 *
 * The trust anchor is fuzz_trust.h's CA, which no seed chains to, so no
 * input reaches the network (the OCSP check comes after the path).  Checked:
 * validation always runs, and a refusal names a known failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_trust.h"
#include "jpki/login.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jpki_login_validator *v;
	static const uint8_t secret[32] = {7};
	struct jpki_err err;
	struct jpki_login_result r;
	(void)doc;
	if (!v) {
		if (jpki_login_validator_new("fuzz", secret, sizeof(secret), &v, &err) < 0 ||
		    jpki_login_validator_trust(v, (const uint8_t *)trust, sizeof(trust) - 1, &err) <
		        0)
			abort();
		jpki_login_validator_set_time(v, 1795654800); /* 2026-11-26T10:00:00+09:00 */
	}
	if (jpki_login_validate(v, (const char *)data, size, "https://portal.example.jp",
	                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &r, &err) < 0)
		abort();
	if (r.failure == JPKI_LOGIN_OK ||
	    strcmp(jpki_login_failure_name(r.failure), "UNKNOWN") == 0)
		abort(); /* nothing chains to the fuzz CA: OK is impossible */
	return 0;
}
